"""The neural-network ops of the graph dialect: contractions, convolution, pooling, normalizations."""

from __future__ import annotations

from mlir_py.dialects.graph import inference as inf
from mlir_py.dialects.graph.common import FLOAT32, FLOATS, NUMBERS, GraphOp, TensorOf, ints, same_element_type, tensor

from mlir_py.builtin.constraints import BoolAttrC, DenseArrayOf, FloatAttrOf, I64Attr
from mlir_py.definition.opdef import operand, opt_operand, prop, result
from mlir_py.definition.traits import Pure, SameOperandsAndResultType
from mlir_py.ir.builtin_attributes import BoolAttr, DenseArrayAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import f32, i64

_I64_ARRAY = DenseArrayOf(i64)
_F32 = FloatAttrOf(f32)


def _i64s(*values: int) -> DenseArrayAttr:
    return DenseArrayAttr(i64, values)


class _WithOptionalLast(GraphOp):
    """An op whose last operand is optional: `infer` sees None in its place when absent."""

    @classmethod
    def _grouped_types(cls, operands, props):
        types = [v.type for v in operands]
        return types + [None] * (len(cls.definition.operands) - len(types))


class MatmulOp(GraphOp):
    """Matrix product with np.matmul semantics: 1-D operands are promoted (a row for `a`, a column for `b`) and
    the added dimension dropped again; leading batch dimensions broadcast. f32, f16, i32, i64.

    ```mlir
    %2 = graph.matmul %0, %1 : (tensor<4x784xf32>, tensor<784x128xf32>) -> tensor<4x128xf32>
    %5 = graph.matmul %3, %4 : (tensor<8x1x4x5xf32>, tensor<3x5x6xf32>) -> tensor<8x3x4x6xf32>
    ```
    """

    name = "graph.matmul"
    traits = [Pure]
    a = operand(TensorOf(NUMBERS))
    b = operand(TensorOf(NUMBERS))
    result = result(TensorOf(NUMBERS))
    assembly_format = "$a `,` $b attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        et = same_element_type(types, ("a", "b"))
        return tensor(inf.matmul(types[0].shape, types[1].shape), et)


class GemmOp(_WithOptionalLast):
    """ONNX Gemm: `alpha * op(a) @ op(b) + beta * c` on 2-D operands, where op transposes when `trans_a` /
    `trans_b` is set and `c` (optional) broadcasts to the M x N result. f32, f16.

    ```mlir
    %3 = graph.gemm %0, %1, %2 {trans_b = true}
        : (tensor<4x256xf32>, tensor<10x256xf32>, tensor<10xf32>) -> tensor<4x10xf32>
    ```
    """

    name = "graph.gemm"
    traits = [Pure]
    a = operand(TensorOf(FLOATS))
    b = operand(TensorOf(FLOATS))
    c = opt_operand(TensorOf(FLOATS))
    alpha = prop(_F32, default=FloatAttr(1.0, f32))
    beta = prop(_F32, default=FloatAttr(1.0, f32))
    trans_a = prop(BoolAttrC, default=BoolAttr(False))
    trans_b = prop(BoolAttrC, default=BoolAttr(False))
    result = result(TensorOf(FLOATS))
    assembly_format = "$a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        a, b, c = types
        et = same_element_type(types, ("a", "b", "c"))
        shape = inf.gemm(a.shape, b.shape, c.shape if c is not None else None,
                         bool(attr("trans_a").value), bool(attr("trans_b").value))
        return tensor(shape, et)


class Conv2dOp(_WithOptionalLast):
    """2-D convolution (cross-correlation, as ONNX Conv and torch) of an NCHW input with FCHW weights, where
    C is the input channels per group, plus an optional bias per filter. `pads` are [top, left, bottom,
    right]; output size per dimension `(in + pads - dilation * (k - 1) - 1) / stride + 1`, rounded down.
    f32, f16.

    ```mlir
    %3 = graph.conv2d %0, %1, %2 {pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x32x32xf32>
    ```
    """

    name = "graph.conv2d"
    traits = [Pure]
    x = operand(TensorOf(FLOATS))
    w = operand(TensorOf(FLOATS))
    bias = opt_operand(TensorOf(FLOATS))
    strides = prop(_I64_ARRAY, default=_i64s(1, 1))
    pads = prop(_I64_ARRAY, default=_i64s(0, 0, 0, 0))
    dilations = prop(_I64_ARRAY, default=_i64s(1, 1))
    groups = prop(I64Attr, default=IntegerAttr(1, i64))
    result = result(TensorOf(FLOATS))
    assembly_format = "$x `,` $w (`,` $bias^)? attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x, w, b = types
        et = same_element_type(types, ("x", "w", "bias"))
        shape = inf.conv2d(x.shape, w.shape, b.shape if b is not None else None, ints(attr("strides")),
                           ints(attr("pads")), ints(attr("dilations")), attr("groups").value)
        return tensor(shape, et)


class _Pool2dOp(GraphOp):
    traits = [Pure]
    x = operand(TensorOf(FLOATS))
    kernel = prop(_I64_ARRAY)
    strides = prop(_I64_ARRAY, default=_i64s(1, 1))
    pads = prop(_I64_ARRAY, default=_i64s(0, 0, 0, 0))
    result = result(TensorOf(FLOATS))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        shape = inf.pool2d(types[0].shape, ints(attr("kernel")), ints(attr("strides")), ints(attr("pads")))
        return tensor(shape, types[0].element_type)


class MaxPool2dOp(_Pool2dOp):
    """Max pooling over `kernel` windows of an NCHW input; padding never wins (it acts as -inf). Each pad is
    smaller than the kernel, so every window sees an input element. f32, f16.

    ```mlir
    %1 = graph.max_pool2d %0 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : (tensor<1x16x32x32xf32>) -> tensor<1x16x16x16xf32>
    ```
    """

    name = "graph.max_pool2d"


class AvgPool2dOp(_Pool2dOp):
    """Average pooling over `kernel` windows of an NCHW input. Padded positions count in the divisor only with
    `count_include_pad = true` (ONNX's default, false, divides by the in-bounds elements). f32, f16.

    ```mlir
    %1 = graph.avg_pool2d %0 {kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    ```
    """

    name = "graph.avg_pool2d"
    count_include_pad = prop(BoolAttrC, default=BoolAttr(False))


class _GlobalPoolOp(GraphOp):
    traits = [Pure]
    x = operand(TensorOf(FLOATS))
    result = result(TensorOf(FLOATS))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        return tensor(inf.global_pool(types[0].shape), types[0].element_type)


class GlobalAvgPoolOp(_GlobalPoolOp):
    """Mean over the spatial dimensions of an NCHW input, keeping them as 1 x 1. f32, f16.

    ```mlir
    %1 = graph.global_avg_pool %0 : (tensor<2x64x7x7xf32>) -> tensor<2x64x1x1xf32>
    ```
    """

    name = "graph.global_avg_pool"


class BatchNormOp(GraphOp):
    """Batch normalization in inference form: `(x - mean) / sqrt(var + epsilon) * scale + bias` per channel
    (dimension 1) of an N x C x ... input. f32 only.

    ```mlir
    %5 = graph.batch_norm %0, %1, %2, %3, %4 {epsilon = 1.000000e-05 : f32}
        : (tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
    ```
    """

    name = "graph.batch_norm"
    traits = [Pure]
    x = operand(TensorOf(FLOAT32))
    scale = operand(TensorOf(FLOAT32))
    bias = operand(TensorOf(FLOAT32))
    mean = operand(TensorOf(FLOAT32))
    var = operand(TensorOf(FLOAT32))
    epsilon = prop(_F32, default=FloatAttr(1e-5, f32))
    result = result(TensorOf(FLOAT32))
    assembly_format = "$x `,` $scale `,` $bias `,` $mean `,` $var attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        return tensor(inf.batch_norm(types[0].shape, [t.shape for t in types[1:]]), types[0].element_type)


class _SoftmaxOp(GraphOp):
    traits = [Pure, SameOperandsAndResultType]
    x = operand(TensorOf(FLOAT32))
    axis = prop(I64Attr, default=IntegerAttr(-1, i64))
    result = result(TensorOf(FLOAT32))
    assembly_format = "$x attr-dict `:` type($x)"

    @classmethod
    def infer(cls, types, attr):
        inf.normalize_axis(attr("axis").value, len(types[0].shape))
        return types[0]


class SoftmaxOp(_SoftmaxOp):
    """`exp(x) / sum(exp(x))` along `axis` (negative counts from the end; default -1, the last). f32 only.

    ```mlir
    %1 = graph.softmax %0 {axis = 1 : i64} : tensor<4x10xf32>
    ```
    """

    name = "graph.softmax"


class LogSoftmaxOp(_SoftmaxOp):
    """`x - log(sum(exp(x)))` along `axis` (negative counts from the end; default -1). f32 only.

    ```mlir
    %1 = graph.log_softmax %0 : tensor<4x10xf32>
    ```
    """

    name = "graph.log_softmax"


class LayerNormOp(GraphOp):
    """Layer normalization (ONNX LayerNormalization): normalizes over dimensions `axis`..rank-1 (default -1,
    the last) to zero mean and unit variance (biased, `epsilon` added), then `* scale + bias`, whose shape is
    exactly those dimensions. f32 only.

    ```mlir
    %3 = graph.layer_norm %0, %1, %2 {epsilon = 1.000000e-05 : f32}
        : (tensor<2x8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
    ```
    """

    name = "graph.layer_norm"
    traits = [Pure]
    x = operand(TensorOf(FLOAT32))
    scale = operand(TensorOf(FLOAT32))
    bias = operand(TensorOf(FLOAT32))
    axis = prop(I64Attr, default=IntegerAttr(-1, i64))
    epsilon = prop(_F32, default=FloatAttr(1e-5, f32))
    result = result(TensorOf(FLOAT32))
    assembly_format = "$x `,` $scale `,` $bias attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x, s, b = types
        return tensor(inf.layer_norm(x.shape, s.shape, b.shape, attr("axis").value), x.element_type)


class ConvTranspose2dOp(_WithOptionalLast):
    """2-D transposed convolution (ONNX ConvTranspose, torch.nn.ConvTranspose2d) of an NCHW input with
    C x F/groups x KH x KW weights, plus an optional bias per output channel: each input element scatters
    `x * w` into a window of the output at `in * stride - pad_lo + k * dilation`. Output size per dimension
    `stride * (in - 1) + output_padding + dilation * (k - 1) + 1 - pad_lo - pad_hi`; `pads` are [top, left,
    bottom, right], `output_padding` (default 0, 0) smaller than the stride or the dilation. f32, f16.

    ```mlir
    %2 = graph.conv_transpose2d %0, %1
        {output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
        : (tensor<1x8x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<1x3x8x8xf32>
    ```
    """

    name = "graph.conv_transpose2d"
    traits = [Pure]
    x = operand(TensorOf(FLOATS))
    w = operand(TensorOf(FLOATS))
    bias = opt_operand(TensorOf(FLOATS))
    strides = prop(_I64_ARRAY, default=_i64s(1, 1))
    pads = prop(_I64_ARRAY, default=_i64s(0, 0, 0, 0))
    dilations = prop(_I64_ARRAY, default=_i64s(1, 1))
    output_padding = prop(_I64_ARRAY, default=_i64s(0, 0))
    groups = prop(I64Attr, default=IntegerAttr(1, i64))
    result = result(TensorOf(FLOATS))
    assembly_format = "$x `,` $w (`,` $bias^)? attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x, w, b = types
        et = same_element_type(types, ("x", "w", "bias"))
        shape = inf.conv_transpose2d(x.shape, w.shape, b.shape if b is not None else None, ints(attr("strides")),
                                     ints(attr("pads")), ints(attr("dilations")), ints(attr("output_padding")),
                                     attr("groups").value)
        return tensor(shape, et)


class GlobalMaxPoolOp(_GlobalPoolOp):
    """Maximum over the spatial dimensions of an NCHW input, keeping them as 1 x 1 (a NaN wins). f32, f16.

    ```mlir
    %1 = graph.global_max_pool %0 : (tensor<2x64x7x7xf32>) -> tensor<2x64x1x1xf32>
    ```
    """

    name = "graph.global_max_pool"


class InstanceNormOp(GraphOp):
    """Instance normalization (ONNX InstanceNormalization): each (n, c) slice of an N x C x D1 x ... input
    normalized over its spatial elements to zero mean and unit variance (biased, `epsilon` added), then
    `* scale[c] + bias[c]`. f32 only.

    ```mlir
    %3 = graph.instance_norm %0, %1, %2 {epsilon = 1.000000e-05 : f32}
        : (tensor<2x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x16x8x8xf32>
    ```
    """

    name = "graph.instance_norm"
    traits = [Pure]
    x = operand(TensorOf(FLOAT32))
    scale = operand(TensorOf(FLOAT32))
    bias = operand(TensorOf(FLOAT32))
    epsilon = prop(_F32, default=FloatAttr(1e-5, f32))
    result = result(TensorOf(FLOAT32))
    assembly_format = "$x `,` $scale `,` $bias attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        x, s, b = types
        return tensor(inf.instance_norm(x.shape, s.shape, b.shape), x.element_type)


class LrnOp(GraphOp):
    """Local response normalization across channels (ONNX LRN) of an N x C x D1 x ... input:
    `y = x / (bias + alpha / size * sum(x[c']^2))^beta`, the sum over channels c' from `c - (size - 1) / 2`
    (rounded down) to `c + (size - 1) / 2` (rounded up) that exist. `size` required and positive; defaults
    alpha 1e-4, beta 0.75, bias 1.0. f32 only.

    ```mlir
    %1 = graph.lrn %0 {size = 5 : i64} : tensor<1x16x8x8xf32>
    ```
    """

    name = "graph.lrn"
    traits = [Pure, SameOperandsAndResultType]
    x = operand(TensorOf(FLOAT32))
    size = prop(I64Attr)
    alpha = prop(_F32, default=FloatAttr(1e-4, f32))
    beta = prop(_F32, default=FloatAttr(0.75, f32))
    bias = prop(_F32, default=FloatAttr(1.0, f32))
    result = result(TensorOf(FLOAT32))
    assembly_format = "$x attr-dict `:` type($x)"

    @classmethod
    def infer(cls, types, attr):
        if attr("size").value < 1:
            raise inf.ShapeError(f"size must be positive, got {attr('size').value}")
        return tensor(inf.channels_first(types[0].shape), types[0].element_type)


OPS = [MatmulOp, GemmOp, Conv2dOp, MaxPool2dOp, AvgPool2dOp, GlobalAvgPoolOp, BatchNormOp, SoftmaxOp,
       LogSoftmaxOp, LayerNormOp, ConvTranspose2dOp, GlobalMaxPoolOp, InstanceNormOp, LrnOp]
