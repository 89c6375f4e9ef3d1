"""graph.constant and the arithmetic elementwise ops: binary with numpy broadcasting, unary, clip, leaky_relu,
hard_sigmoid."""

from __future__ import annotations

import math

from mlir_py.dialects.graph import folding
from mlir_py.dialects.graph.common import (
    ANY,
    FLOAT32,
    FLOATS,
    NUMBERS,
    GraphOp,
    TensorOf,
    same_element_type,
    tensor,
)
from mlir_py.dialects.graph.inference import broadcast

from mlir_py.builtin.constraints import FloatAttrOf
from mlir_py.definition.constraints import Predicate
from mlir_py.definition.opdef import Op, operand, prop, result
from mlir_py.definition.traits import (
    Commutative,
    ConstantLike,
    Idempotent,
    Involution,
    OpAsmOpInterface,
    Pure,
    SameOperandsAndResultType,
)
from mlir_py.ir.builtin_attributes import DenseElementsAttr, DenseResourceElementsAttr, FloatAttr, StringAttr
from mlir_py.ir.builtin_types import f32

_CONSTANT_TYPE = TensorOf(ANY)


class ConstantOp(Op):
    """A tensor constant: dense elements written inline, or a `dense_resource` handle whose blob sits in the
    file's `{-# dialect_resources #-}` section (how weights travel without huge text). Element types f32, f16,
    i32, i64, i1.

    ```mlir
    %cst = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %cst_0 = graph.constant dense_resource<fc1_weight> : tensor<784x128xf32>
    %cst_1 = graph.constant dense<[true, false]> : tensor<2xi1>
    ```
    """

    name = "graph.constant"
    traits = [ConstantLike, Pure, OpAsmOpInterface]
    value = prop(Predicate(lambda a: isinstance(a, (DenseElementsAttr, DenseResourceElementsAttr)),
                           "dense or dense_resource elements attribute"))
    result = result(_CONSTANT_TYPE)
    assembly_format = "attr-dict $value"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [props["value"].type]

    def get_asm_result_name(self) -> str:
        return "cst"

    def verify_(self) -> str | None:
        if self.value.type != self.result.type:
            return f"value type '{self.value.type}' differs from the result type '{self.result.type}'"
        return None

    def fold(self, operands):
        return self.value


# ----------------------------------------------------------------------------
# Binary elementwise ops
# ----------------------------------------------------------------------------


class _BinaryOp(GraphOp):
    traits = [Pure]
    lhs = operand(TensorOf(NUMBERS))
    rhs = operand(TensorOf(NUMBERS))
    result = result(TensorOf(NUMBERS))
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        et = same_element_type(types, ("lhs", "rhs"))
        return tensor(broadcast(types[0].shape, types[1].shape), et)

    def fold(self, operands):
        return folding.binary(self, operands)


class AddOp(_BinaryOp):
    """Elementwise sum with numpy broadcasting. f32, f16, i32, i64.

    ```mlir
    %2 = graph.add %0, %1 : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    ```
    """

    name = "graph.add"
    traits = [Pure, Commutative]


class SubOp(_BinaryOp):
    """Elementwise difference `lhs - rhs` with numpy broadcasting. f32, f16, i32, i64.

    ```mlir
    %2 = graph.sub %0, %1 : (tensor<4x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
    ```
    """

    name = "graph.sub"


class MulOp(_BinaryOp):
    """Elementwise product with numpy broadcasting. f32, f16, i32, i64.

    ```mlir
    %2 = graph.mul %0, %1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
    """

    name = "graph.mul"
    traits = [Pure, Commutative]


class DivOp(_BinaryOp):
    """Elementwise quotient `lhs / rhs` with numpy broadcasting; integer division truncates toward zero (C,
    ONNX) and division by zero is undefined for integers. f32, f16, i32, i64.

    ```mlir
    %2 = graph.div %0, %1 : (tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
    ```
    """

    name = "graph.div"


class MaxOp(_BinaryOp):
    """Elementwise maximum with numpy broadcasting: IEEE maximum for floats (a NaN operand gives NaN, and
    -0.0 < +0.0, so unlike np.maximum the operand order never matters). f32, f16, i32 (signed), i64 (signed).

    ```mlir
    %2 = graph.max %0, %1 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
    ```
    """

    name = "graph.max"
    traits = [Pure, Commutative, Idempotent]


class MinOp(_BinaryOp):
    """Elementwise minimum with numpy broadcasting: IEEE minimum for floats (a NaN operand gives NaN, and
    -0.0 < +0.0). f32, f16, i32 (signed), i64 (signed).

    ```mlir
    %2 = graph.min %0, %1 : (tensor<3x4xi32>, tensor<4xi32>) -> tensor<3x4xi32>
    ```
    """

    name = "graph.min"
    traits = [Pure, Commutative, Idempotent]


class PowOp(_BinaryOp):
    """Elementwise power `lhs ** rhs` with numpy broadcasting. f32, f16 (both operands of one type).

    ```mlir
    %2 = graph.pow %0, %1 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    ```
    """

    name = "graph.pow"
    lhs = operand(TensorOf(FLOATS))
    rhs = operand(TensorOf(FLOATS))
    result = result(TensorOf(FLOATS))


# ----------------------------------------------------------------------------
# Unary elementwise ops
# ----------------------------------------------------------------------------


class _UnaryOp(Op):
    traits = [Pure, SameOperandsAndResultType]
    x = operand(TensorOf(FLOATS))
    result = result(TensorOf(FLOATS))
    assembly_format = "$x attr-dict `:` type($x)"

    def fold(self, operands):
        return folding.unary(self, operands)


class _NumericUnaryOp(_UnaryOp):
    x = operand(TensorOf(NUMBERS))
    result = result(TensorOf(NUMBERS))


class NegOp(_NumericUnaryOp):
    """Elementwise negation. f32, f16, i32, i64.

    ```mlir
    %1 = graph.neg %0 : tensor<4xf32>
    ```
    """

    name = "graph.neg"
    traits = [Pure, SameOperandsAndResultType, Involution]


class ReluOp(_NumericUnaryOp):
    """Elementwise `max(x, 0)`. f32, f16, i32, i64.

    ```mlir
    %3 = graph.relu %2 : tensor<4x16xf32>
    ```
    """

    name = "graph.relu"
    traits = [Pure, SameOperandsAndResultType, Idempotent]


class AbsOp(_NumericUnaryOp):
    """Elementwise absolute value. f32, f16, i32, i64 (the most negative integer maps to itself).

    ```mlir
    %1 = graph.abs %0 : tensor<2x2xi32>
    ```
    """

    name = "graph.abs"
    traits = [Pure, SameOperandsAndResultType, Idempotent]


class SigmoidOp(_UnaryOp):
    """Elementwise logistic function `1 / (1 + exp(-x))`. f32, f16.

    ```mlir
    %1 = graph.sigmoid %0 : tensor<8xf32>
    ```
    """

    name = "graph.sigmoid"


class TanhOp(_UnaryOp):
    """Elementwise hyperbolic tangent. f32, f16.

    ```mlir
    %1 = graph.tanh %0 : tensor<8xf32>
    ```
    """

    name = "graph.tanh"


class ExpOp(_UnaryOp):
    """Elementwise `e ** x`. f32, f16.

    ```mlir
    %1 = graph.exp %0 : tensor<8xf16>
    ```
    """

    name = "graph.exp"


class LogOp(_UnaryOp):
    """Elementwise natural logarithm. f32, f16.

    ```mlir
    %1 = graph.log %0 : tensor<8xf32>
    ```
    """

    name = "graph.log"


class SqrtOp(_UnaryOp):
    """Elementwise square root. f32, f16.

    ```mlir
    %1 = graph.sqrt %0 : tensor<8xf32>
    ```
    """

    name = "graph.sqrt"


class RsqrtOp(_UnaryOp):
    """Elementwise reciprocal square root `1 / sqrt(x)`. f32, f16.

    ```mlir
    %1 = graph.rsqrt %0 : tensor<8xf32>
    ```
    """

    name = "graph.rsqrt"


class ErfOp(_UnaryOp):
    """Elementwise error function. f32 only: its lowering is a polynomial tuned for f32.

    ```mlir
    %1 = graph.erf %0 : tensor<8xf32>
    ```
    """

    name = "graph.erf"
    x = operand(TensorOf(FLOAT32))
    result = result(TensorOf(FLOAT32))


_APPROX = Predicate(lambda a: isinstance(a, StringAttr) and a.value in ("none", "tanh"),
                    "string attribute \"none\" or \"tanh\"")


class GeluOp(_UnaryOp):
    """Gaussian error linear unit: `x * Phi(x)` exactly (`approximate = "none"`, via erf) or with the tanh
    approximation (`approximate = "tanh"`), as ONNX Gelu and torch.nn.GELU. f32 only.

    ```mlir
    %1 = graph.gelu %0 : tensor<2x8xf32>
    %2 = graph.gelu %0 {approximate = "tanh"} : tensor<2x8xf32>
    ```
    """

    name = "graph.gelu"
    x = operand(TensorOf(FLOAT32))
    approximate = prop(_APPROX, default=StringAttr("none"))
    result = result(TensorOf(FLOAT32))


class ClipOp(_UnaryOp):
    """Elementwise `min(max(x, min), max)` with f32 bounds; the defaults (-inf, +inf) leave that side open,
    as ONNX Clip without the input. f32, f16 (bounds rounded to f16).

    ```mlir
    %1 = graph.clip %0 {min = 0.000000e+00 : f32, max = 6.000000e+00 : f32} : tensor<8xf32>
    ```
    """

    name = "graph.clip"
    min = prop(FloatAttrOf(f32), default=FloatAttr(-math.inf, f32))
    max = prop(FloatAttrOf(f32), default=FloatAttr(math.inf, f32))


class ReciprocalOp(_UnaryOp):
    """Elementwise `1 / x`. f32, f16.

    ```mlir
    %1 = graph.reciprocal %0 : tensor<8xf32>
    ```
    """

    name = "graph.reciprocal"


class SoftplusOp(_UnaryOp):
    """Elementwise `log(1 + exp(x))`, computed as `max(x, 0) + log(1 + exp(-|x|))` so that large inputs
    neither overflow nor lose their value. f32, f16.

    ```mlir
    %1 = graph.softplus %0 : tensor<8xf32>
    ```
    """

    name = "graph.softplus"


class SinOp(_UnaryOp):
    """Elementwise sine. f32, f16.

    ```mlir
    %1 = graph.sin %0 : tensor<8xf32>
    ```
    """

    name = "graph.sin"


class CosOp(_UnaryOp):
    """Elementwise cosine. f32, f16.

    ```mlir
    %1 = graph.cos %0 : tensor<8xf32>
    ```
    """

    name = "graph.cos"


class LeakyReluOp(_UnaryOp):
    """Elementwise `x` where `x >= 0`, else `alpha * x` (ONNX LeakyRelu; `alpha` default 0.01). f32, f16.

    ```mlir
    %1 = graph.leaky_relu %0 {alpha = 1.000000e-01 : f32} : tensor<8xf32>
    ```
    """

    name = "graph.leaky_relu"
    alpha = prop(FloatAttrOf(f32), default=FloatAttr(0.01, f32))


class HardSigmoidOp(_UnaryOp):
    """Elementwise `max(0, min(1, alpha * x + beta))` (ONNX HardSigmoid; defaults alpha 0.2, beta 0.5).
    f32, f16.

    ```mlir
    %1 = graph.hard_sigmoid %0 {alpha = 0.166666672 : f32} : tensor<8xf32>
    ```
    """

    name = "graph.hard_sigmoid"
    alpha = prop(FloatAttrOf(f32), default=FloatAttr(0.2, f32))
    beta = prop(FloatAttrOf(f32), default=FloatAttr(0.5, f32))


OPS = [ConstantOp, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, NegOp, ReluOp, SigmoidOp, TanhOp, ExpOp,
       LogOp, SqrtOp, RsqrtOp, AbsOp, ErfOp, GeluOp, ClipOp, ReciprocalOp, SoftplusOp, SinOp, CosOp, LeakyReluOp,
       HardSigmoidOp]
