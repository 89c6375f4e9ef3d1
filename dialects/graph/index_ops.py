"""The graph ops that move elements by index: gather, slice, pad, tile, expand, resize, and argmax/argmin,
which produce indices.

All are static: slice bounds, pad amounts and repeats are attributes, and
expand and resize take their shape from the result type (the ONNX importer
folds the shape tensors ONNX passes as inputs). Indices are i64, as ONNX's.
"""

from __future__ import annotations

from mlir_py.dialects.graph import folding
from mlir_py.dialects.graph import inference as inf
from mlir_py.dialects.graph.common import (
    ANY,
    FLOATS,
    INTEGERS,
    NUMBERS,
    GraphOp,
    StringOf,
    TensorOf,
    ints,
    tensor,
)

from mlir_py.builtin.constraints import BoolAttrC, DenseArrayOf, FloatAttrOf, I64Attr
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result
from mlir_py.definition.traits import Pure
from mlir_py.ir.builtin_attributes import BoolAttr, FloatAttr, IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import f32, i64

_I64_ARRAY = DenseArrayOf(i64)


class GatherOp(GraphOp):
    """np.take(x, indices, axis) (ONNX Gather): the `axis` dimension of x (default 0, negative counts from the
    end) is replaced by the indices' dimensions. A negative index counts from the end of that dimension; an
    index outside [-size, size) is an error that the compiled code does not detect (it reads the nearest
    valid element). x f32, f16, i32, i64, i1; indices i32, i64.

    ```mlir
    %2 = graph.gather %0, %1 {axis = 1 : i64} : (tensor<3x5xf32>, tensor<2x2xi64>) -> tensor<3x2x2xf32>
    ```
    """

    name = "graph.gather"
    traits = [Pure]
    x = operand(TensorOf(ANY))
    indices = operand(TensorOf(INTEGERS))
    axis = prop(I64Attr, default=IntegerAttr(0, i64))
    result = result(TensorOf(ANY))
    assembly_format = "$x `,` $indices attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x, idx = types
        return tensor(inf.gather(x.shape, idx.shape, attr("axis").value), x.element_type)

    def fold(self, operands):
        return folding.gather(self, operands)


class SliceOp(GraphOp):
    """ONNX Slice with static, already clamped bounds: along each of `axes`, the elements `start`, `start +
    step`, ... up to but excluding `end`; other dimensions whole. A positive step needs `0 <= start <= end <=
    size`, a negative one `size > start >= end >= -1` (an end of -1 runs through element 0). All four lists
    are required and have one value per sliced axis. f32, f16, i32, i64, i1.

    ```mlir
    %1 = graph.slice %0 {axes = array<i64: 1>, ends = array<i64: 7>, starts = array<i64: 1>, steps = array<i64: 2>}
        : (tensor<4x8xf32>) -> tensor<4x3xf32>
    ```
    """

    name = "graph.slice"
    traits = [Pure]
    x = operand(TensorOf(ANY))
    starts = prop(_I64_ARRAY)
    ends = prop(_I64_ARRAY)
    steps = prop(_I64_ARRAY)
    axes = prop(_I64_ARRAY)
    result = result(TensorOf(ANY))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x = types[0]
        shape = inf.slice_(x.shape, ints(attr("starts")), ints(attr("ends")), ints(attr("steps")),
                           ints(attr("axes")))
        return tensor(shape, x.element_type)

    def fold(self, operands):
        return folding.slice_(self, operands)


class PadOp(GraphOp):
    """np.pad (ONNX Pad) with `pads` = [begin of each dimension..., end of each dimension...], non-negative.
    `mode` "constant" (default) fills with `value` (f32, rounded to the element type; default 0), "reflect"
    mirrors without repeating the edge (each amount smaller than the dimension), "edge" repeats the edge.
    f32, f16, i32, i64.

    ```mlir
    %1 = graph.pad %0 {mode = "reflect", pads = array<i64: 0, 1, 0, 2>} : (tensor<3x4xf32>) -> tensor<3x7xf32>
    ```
    """

    name = "graph.pad"
    traits = [Pure]
    x = operand(TensorOf(NUMBERS))
    pads = prop(_I64_ARRAY)
    mode = prop(StringOf("constant", "reflect", "edge"), default=StringAttr("constant"))
    value = prop(FloatAttrOf(f32), default=FloatAttr(0.0, f32))
    result = result(TensorOf(NUMBERS))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x = types[0]
        return tensor(inf.pad(x.shape, ints(attr("pads")), attr("mode").value), x.element_type)

    def fold(self, operands):
        return folding.pad(self, operands)


class TileOp(GraphOp):
    """np.tile with one repeat count per dimension (ONNX Tile). f32, f16, i32, i64, i1.

    ```mlir
    %1 = graph.tile %0 {repeats = array<i64: 2, 1, 3>} : (tensor<2x3x4xf32>) -> tensor<4x3x12xf32>
    ```
    """

    name = "graph.tile"
    traits = [Pure]
    x = operand(TensorOf(ANY))
    repeats = prop(_I64_ARRAY)
    result = result(TensorOf(ANY))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x = types[0]
        return tensor(inf.tile(x.shape, ints(attr("repeats"))), x.element_type)

    def fold(self, operands):
        return folding.tile(self, operands)


class _ShapedByResult(Op):
    """An op whose result type is written, not inferred: the verifier checks it with `check(x, result)`."""

    traits = [Pure]
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer_result_types(cls, operands, props):
        raise TypeError(f"{cls.name}: the result type gives the shape; pass result_types=[...]")

    @staticmethod
    def check(x, result) -> None:
        raise NotImplementedError

    def verify_(self) -> str | None:
        src, dst = self.operand(0).type, self.results[0].type
        if src.element_type != dst.element_type:
            return f"result element type {dst.element_type} differs from the input's {src.element_type}"
        try:
            self.check(src.shape, dst.shape)
        except inf.ShapeError as e:
            return str(e)
        return None


class ExpandOp(_ShapedByResult):
    """x broadcast (numpy rules) to the shape of the result type (ONNX Expand, whose shape input the importer
    folds; the result type is already the broadcast of x with it). f32, f16, i32, i64, i1.

    ```mlir
    %1 = graph.expand %0 : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
    ```
    """

    name = "graph.expand"
    x = operand(TensorOf(ANY))
    result = result(TensorOf(ANY))
    check = staticmethod(inf.expand)

    def fold(self, operands):
        return folding.expand(self, operands)


_COORDINATE_MODES = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                     "tf_half_pixel_for_nn")
_NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


class ResizeOp(_ShapedByResult):
    """ONNX Resize to the sizes of the result type, each dimension scaled by `out / in`, or by `scales` when
    given (ONNX's `scales` input, f32, one per dimension: each output size is then `floor(in * scale)`, and
    the coordinate maps use the scale, which matters when `in * scale` is not whole). `mode` "nearest"
    (default) or "linear" (interpolating every resized dimension, clamped at the edges);
    `coordinate_transformation_mode` maps an output index to an input coordinate ("half_pixel", default;
    "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn");
    `nearest_mode` rounds that coordinate for "nearest" ("round_prefer_floor", default; "round_prefer_ceil",
    "floor", "ceil"). f32, f16.

    ```mlir
    %1 = graph.resize %0 {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"}
        : (tensor<1x3x4x4xf32>) -> tensor<1x3x8x8xf32>
    %2 = graph.resize %0 {mode = "linear", scales = array<f32: 1.0, 1.0, 1.5, 1.5>}
        : (tensor<1x3x4x4xf32>) -> tensor<1x3x6x6xf32>
    ```
    """

    name = "graph.resize"
    x = operand(TensorOf(FLOATS))
    mode = prop(StringOf("nearest", "linear"), default=StringAttr("nearest"))
    coordinate_transformation_mode = prop(StringOf(*_COORDINATE_MODES), default=StringAttr("half_pixel"))
    nearest_mode = prop(StringOf(*_NEAREST_MODES), default=StringAttr("round_prefer_floor"))
    scales = opt_prop(DenseArrayOf(f32))
    result = result(TensorOf(FLOATS))
    check = staticmethod(inf.resize)

    def verify_(self) -> str | None:
        err = super().verify_()
        scales = self.properties.get("scales")
        if err is None and scales is not None:
            try:
                inf.resize_scales(self.x.type.shape, self.result.type.shape, tuple(scales.values))
            except inf.ShapeError as e:
                return str(e)
        return err


class _ArgReduceOp(GraphOp):
    traits = [Pure]
    x = operand(TensorOf(NUMBERS))
    axis = prop(I64Attr, default=IntegerAttr(0, i64))
    keepdims = prop(BoolAttrC, default=BoolAttr(True))
    select_last_index = prop(BoolAttrC, default=BoolAttr(False))
    result = result(TensorOf((i64,)))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        return tensor(inf.arg_reduce(types[0].shape, attr("axis").value, bool(attr("keepdims").value)), i64)

    def fold(self, operands):
        return folding.arg_reduce(self, operands)


class ArgMaxOp(_ArgReduceOp):
    """The index (i64) of the largest element along `axis` (default 0), the first one unless
    `select_last_index`; the axis stays as size 1 when `keepdims` (default true). A NaN is larger than
    everything (np.argmax). f32, f16, i32, i64.

    ```mlir
    %1 = graph.argmax %0 {axis = 1 : i64, keepdims = false} : (tensor<4x10xf32>) -> tensor<4xi64>
    ```
    """

    name = "graph.argmax"


class ArgMinOp(_ArgReduceOp):
    """The index (i64) of the smallest element along `axis` (default 0), the first one unless
    `select_last_index`; the axis stays as size 1 when `keepdims` (default true). A NaN is smaller than
    everything (np.argmin). f32, f16, i32, i64.

    ```mlir
    %1 = graph.argmin %0 {select_last_index = true} : (tensor<4x10xi32>) -> tensor<1x10xi64>
    ```
    """

    name = "graph.argmin"


OPS = [GatherOp, SliceOp, PadOp, TileOp, ExpandOp, ResizeOp, ArgMaxOp, ArgMinOp]
