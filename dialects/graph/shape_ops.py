"""Reductions and the data-movement ops of the graph dialect: reshape, transpose, concat, flatten."""

from __future__ import annotations

from mlir_py.dialects.graph import folding
from mlir_py.dialects.graph import inference as inf
from mlir_py.dialects.graph.common import FLOATS, NUMBERS, GraphOp, TensorOf, ints, same_element_type, tensor

from mlir_py.builtin.constraints import BoolAttrC, DenseArrayOf, I64Attr
from mlir_py.definition.opdef import Op, operand, prop, result, var_operand
from mlir_py.definition.traits import Pure
from mlir_py.ir.builtin_attributes import BoolAttr, IntegerAttr
from mlir_py.ir.builtin_types import i64

_I64_ARRAY = DenseArrayOf(i64)


class _ReduceOp(GraphOp):
    traits = [Pure]
    x = operand(TensorOf(NUMBERS))
    axes = prop(_I64_ARRAY)
    keepdims = prop(BoolAttrC, default=BoolAttr(True))
    result = result(TensorOf(NUMBERS))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x = types[0]
        return tensor(inf.reduce(x.shape, ints(attr("axes")), bool(attr("keepdims").value)), x.element_type)

    def fold(self, operands):
        return folding.reduce(self, operands)


class ReduceSumOp(_ReduceOp):
    """Sum over `axes` (negative count from the end; each at most once), keeping them as size 1 when `keepdims`
    (default true). f32, f16, i32, i64.

    ```mlir
    %1 = graph.reduce_sum %0 {axes = array<i64: 1>, keepdims = false} : (tensor<4x8xf32>) -> tensor<4xf32>
    ```
    """

    name = "graph.reduce_sum"


class ReduceMeanOp(_ReduceOp):
    """Mean over `axes`, keeping them as size 1 when `keepdims` (default true). f32, f16.

    ```mlir
    %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
    ```
    """

    name = "graph.reduce_mean"
    x = operand(TensorOf(FLOATS))
    result = result(TensorOf(FLOATS))


class ReduceMaxOp(_ReduceOp):
    """Maximum over `axes` (NaN wins, -0.0 < +0.0), keeping them as size 1 when `keepdims`. f32, f16, i32, i64
    (signed).

    ```mlir
    %1 = graph.reduce_max %0 {axes = array<i64: 0, 2>} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
    ```
    """

    name = "graph.reduce_max"


class ReduceMinOp(_ReduceOp):
    """Minimum over `axes` (NaN wins, -0.0 < +0.0), keeping them as size 1 when `keepdims`. f32, f16, i32, i64
    (signed).

    ```mlir
    %1 = graph.reduce_min %0 {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xi64>) -> tensor<2xi64>
    ```
    """

    name = "graph.reduce_min"


class ReduceProdOp(_ReduceOp):
    """Product over `axes`, keeping them as size 1 when `keepdims` (default true); integers wrap around.
    f32, f16, i32, i64.

    ```mlir
    %1 = graph.reduce_prod %0 {axes = array<i64: 0>, keepdims = false} : (tensor<3xi64>) -> tensor<i64>
    ```
    """

    name = "graph.reduce_prod"


class ReshapeOp(Op):
    """The same elements (row-major order) in the shape of the result type, which the op does not infer: the
    element counts must match. f32, f16, i32, i64.

    ```mlir
    %1 = graph.reshape %0 : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
    ```
    """

    name = "graph.reshape"
    traits = [Pure]
    x = operand(TensorOf(NUMBERS))
    result = result(TensorOf(NUMBERS))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer_result_types(cls, operands, props):
        raise TypeError("graph.reshape: the result type gives the shape; pass result_types=[...]")

    def verify_(self) -> str | None:
        src, dst = self.x.type, self.result.type
        if src.element_type != dst.element_type:
            return f"result element type {dst.element_type} differs from the input's {src.element_type}"
        try:
            inf.reshape(src.shape, dst.shape)
        except inf.ShapeError as e:
            return str(e)
        return None

    def fold(self, operands):
        return folding.reshape(self, operands)


class TransposeOp(GraphOp):
    """Permutes dimensions: result dimension i is input dimension `perm[i]` (np.transpose). f32, f16, i32, i64.

    ```mlir
    %1 = graph.transpose %0 {perm = array<i64: 0, 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
    ```
    """

    name = "graph.transpose"
    traits = [Pure]
    x = operand(TensorOf(NUMBERS))
    perm = prop(_I64_ARRAY)
    result = result(TensorOf(NUMBERS))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        return tensor(inf.transpose(types[0].shape, ints(attr("perm"))), types[0].element_type)

    def fold(self, operands):
        return folding.transpose(self, operands)


class ConcatOp(GraphOp):
    """Joins one or more tensors of equal rank along `axis` (negative counts from the end); all other dimensions
    and the element type agree (np.concatenate). f32, f16, i32, i64.

    ```mlir
    %2 = graph.concat %0, %1 {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    ```
    """

    name = "graph.concat"
    traits = [Pure]
    inputs = var_operand(TensorOf(NUMBERS))
    axis = prop(I64Attr)
    result = result(TensorOf(NUMBERS))
    assembly_format = "$inputs attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        et = same_element_type(types, [f"input #{i}" for i in range(len(types))])
        return tensor(inf.concat([t.shape for t in types], attr("axis").value), et)

    def fold(self, operands):
        return folding.concat(self, operands)


class FlattenOp(GraphOp):
    """ONNX Flatten: a 2-D tensor whose rows are the dimensions before `axis` and columns those from `axis` on
    (default 1; `axis` in [-rank, rank], 0 gives 1 x N). Canonicalizes to graph.reshape. f32, f16, i32, i64.

    ```mlir
    %1 = graph.flatten %0 : (tensor<2x16x4x4xf32>) -> tensor<2x256xf32>
    ```
    """

    name = "graph.flatten"
    traits = [Pure]
    x = operand(TensorOf(NUMBERS))
    axis = prop(I64Attr, default=IntegerAttr(1, i64))
    result = result(TensorOf(NUMBERS))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        return tensor(inf.flatten(types[0].shape, attr("axis").value), types[0].element_type)


OPS = [ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp, ReshapeOp, TransposeOp, ConcatOp, FlattenOp]
