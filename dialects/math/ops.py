"""The math dialect's ops: elementwise math on scalars, vectors and tensors.

Names, operands, attributes and custom syntax follow upstream MLIR's
MathOps.td. Float ops carry arith's `fastmath` flags (default `none`, printed
only when set); integer ops work on signless integers and index. Constant
folders live in `folding.py` and follow upstream's MathOps.cpp.

Upstream's single operand `$operand` is the field `operand_` here (as in
arith): `Operation.operand(i)` keeps its meaning on every op.
"""

from __future__ import annotations

from mlir_py.dialects.arith import FastMathFlagsAttr, RoundingMode
from mlir_py.dialects.arith.attributes import FastMathAttrConstraint
from mlir_py.dialects.arith.traits import ArithFastMathInterface, ArithRoundingModeInterface
from mlir_py.dialects.math import folding

from mlir_py.builtin.constraints import BoolLike, FloatLike
from mlir_py.definition.constraints import Predicate
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result
from mlir_py.definition.traits import (
    AllTypesMatch,
    Elementwise,
    OpAsmOpInterface,
    Pure,
    SameOperandsAndResultShape,
    SameOperandsAndResultType,
    Scalarizable,
    Tensorizable,
    TypesMatchWith,
    Vectorizable,
)
from mlir_py.ir.builtin_types import (
    IndexType,
    IntegerType,
    RankedTensorType,
    TensorType,
    UnrankedTensorType,
    VectorType,
    i1,
)


def _signless_int_or_index(t) -> bool:
    return (isinstance(t, IntegerType) and t.signedness == "signless") or isinstance(t, IndexType)


#: upstream's SignlessIntegerOrIndexLike (described as "signless-integer-like" there)
IntegerLike = Predicate(
    lambda t: _signless_int_or_index(t) or (isinstance(t, (VectorType, TensorType))
                                            and _signless_int_or_index(t.element_type)),
    "signless-integer-like")


def i1_same_shape(t):
    """The i1 type of the same shape as `t` (upstream's getI1SameShape)."""
    if isinstance(t, VectorType):
        return VectorType(t.shape, i1, t.scalable_dims)
    if isinstance(t, RankedTensorType):
        return RankedTensorType(t.shape, i1, t.encoding)
    if isinstance(t, UnrankedTensorType):
        return UnrankedTensorType(i1)
    return i1


_NONE = FastMathFlagsAttr.get("none")

#: every math op is pure and elementwise-mappable (upstream's Math_Op)
_MATH = [Pure, Elementwise, Scalarizable, Vectorizable, Tensorizable]


# ----------------------------------------------------------------------------
# Op classes (upstream's Math_*Op base classes)
# ----------------------------------------------------------------------------


class _IntegerUnaryOp(Op):
    traits = [SameOperandsAndResultType, *_MATH]
    operand_ = operand(IntegerLike)
    result = result(IntegerLike)
    assembly_format = "$operand_ attr-dict `:` type($result)"


class _IntegerBinaryOp(Op):
    traits = [SameOperandsAndResultType, *_MATH]
    lhs = operand(IntegerLike)
    rhs = operand(IntegerLike)
    result = result(IntegerLike)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


class _FloatUnaryOp(Op):
    traits = [SameOperandsAndResultType, ArithFastMathInterface, *_MATH]
    operand_ = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=_NONE)
    result = result(FloatLike)
    assembly_format = "$operand_ (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"


class _FloatBinaryOp(Op):
    traits = [SameOperandsAndResultType, ArithFastMathInterface, *_MATH]
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=_NONE)
    result = result(FloatLike)
    assembly_format = "$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"


class _FloatClassificationOp(Op):
    traits = [TypesMatchWith("operand_", "result", i1_same_shape,
                             "result type has i1 element type and same shape as operands"),
              ArithFastMathInterface, *_MATH]
    operand_ = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=_NONE)
    result = result(BoolLike)
    assembly_format = "$operand_ (`fastmath` `` $fastmath^)? attr-dict `:` type($operand_)"


# ----------------------------------------------------------------------------
# Integer ops
# ----------------------------------------------------------------------------


class AbsIOp(_IntegerUnaryOp):
    """Integer absolute value; the most negative value maps to itself (two's
    complement wrap-around), as with APInt::abs.

    ```mlir
    %a = math.absi %b : i64
    ```
    """

    name = "math.absi"

    def fold(self, operands):
        return folding.int_unary(operands[0], folding.absi)


class CountLeadingZerosOp(_IntegerUnaryOp):
    """Number of leading zero bits of an integer; the bit width for zero.

    ```mlir
    %a = math.ctlz %b : i32
    ```
    """

    name = "math.ctlz"

    def fold(self, operands):
        return folding.int_unary(operands[0], folding.ctlz)


class CountTrailingZerosOp(_IntegerUnaryOp):
    """Number of trailing zero bits of an integer; the bit width for zero.

    ```mlir
    %a = math.cttz %b : i32
    ```
    """

    name = "math.cttz"

    def fold(self, operands):
        return folding.int_unary(operands[0], folding.cttz)


class CtPopOp(_IntegerUnaryOp):
    """Number of set bits of an integer (population count).

    ```mlir
    %a = math.ctpop %b : i32
    ```
    """

    name = "math.ctpop"

    def fold(self, operands):
        return folding.int_unary(operands[0], folding.ctpop)


class IPowIOp(_IntegerBinaryOp):
    """Signed integer `lhs` raised to the signed integer power `rhs`, wrapping at
    the bit width; a negative power gives 0 unless the base is 1 or -1.

    ```mlir
    %a = math.ipowi %b, %c : i32
    ```
    """

    name = "math.ipowi"

    def fold(self, operands):
        return folding.int_binary(operands[0], operands[1], folding.ipowi)


# ----------------------------------------------------------------------------
# Float unary ops
# ----------------------------------------------------------------------------


class AbsFOp(_FloatUnaryOp):
    """Floating-point absolute value (clears the sign bit).

    ```mlir
    %a = math.absf %b : f64
    ```
    """

    name = "math.absf"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.absf, exact=True)


class AcosOp(_FloatUnaryOp):
    """Arcus cosine, in radians.

    ```mlir
    %a = math.acos %b : f64
    ```
    """

    name = "math.acos"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.acos)


class AcoshOp(_FloatUnaryOp):
    """Hyperbolic arcus cosine.

    ```mlir
    %a = math.acosh %b : f64
    ```
    """

    name = "math.acosh"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.acosh)


class AsinOp(_FloatUnaryOp):
    """Arcus sine, in radians.

    ```mlir
    %a = math.asin %b : f64
    ```
    """

    name = "math.asin"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.asin)


class AsinhOp(_FloatUnaryOp):
    """Hyperbolic arcus sine.

    ```mlir
    %a = math.asinh %b : f64
    ```
    """

    name = "math.asinh"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.asinh)


class AtanOp(_FloatUnaryOp):
    """Arcus tangent, in radians.

    ```mlir
    %a = math.atan %b : f64
    ```
    """

    name = "math.atan"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.atan)


class AtanhOp(_FloatUnaryOp):
    """Hyperbolic arcus tangent.

    ```mlir
    %a = math.atanh %b : f64
    ```
    """

    name = "math.atanh"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.atanh)


class CbrtOp(_FloatUnaryOp):
    """Cube root; not the same as `powf(x, 1/3)`, which is NaN for negative x.
    Folded for f32/f64 constants, as current upstream.

    ```mlir
    %a = math.cbrt %b : f64
    ```
    """

    name = "math.cbrt"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.cbrt)


class CeilOp(_FloatUnaryOp):
    """The smallest integral value not less than the operand.

    ```mlir
    %a = math.ceil %b : f64
    ```
    """

    name = "math.ceil"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.ceil, exact=True)


class CosOp(_FloatUnaryOp):
    """Cosine of an angle in radians.

    ```mlir
    %a = math.cos %b : f64
    ```
    """

    name = "math.cos"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.cos)


class CoshOp(_FloatUnaryOp):
    """Hyperbolic cosine.

    ```mlir
    %a = math.cosh %b : f64
    ```
    """

    name = "math.cosh"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.cosh)


class ErfOp(_FloatUnaryOp):
    """The error function.

    ```mlir
    %a = math.erf %b : f64
    ```
    """

    name = "math.erf"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.erf)


class ErfcOp(_FloatUnaryOp):
    """The complementary error function `1 - erf(x)`, computed without the
    cancellation that the subtraction would suffer for large x.

    ```mlir
    %a = math.erfc %b : f64
    ```
    """

    name = "math.erfc"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.erfc)


class ExpOp(_FloatUnaryOp):
    """Base-e exponential.

    ```mlir
    %a = math.exp %b : f64
    ```
    """

    name = "math.exp"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.exp)


class Exp2Op(_FloatUnaryOp):
    """Base-2 exponential.

    ```mlir
    %a = math.exp2 %b : f64
    ```
    """

    name = "math.exp2"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.exp2)


class ExpM1Op(_FloatUnaryOp):
    """`exp(x) - 1`, accurate for x near zero.

    ```mlir
    %a = math.expm1 %b : f64
    ```
    """

    name = "math.expm1"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.expm1)


class FloorOp(_FloatUnaryOp):
    """The largest integral value not greater than the operand.

    ```mlir
    %a = math.floor %b : f64
    ```
    """

    name = "math.floor"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.floor, exact=True)


class LogOp(_FloatUnaryOp):
    """Base-e logarithm. Operands with the sign bit set are not folded, as upstream.

    ```mlir
    %y = math.log %x : f64
    ```
    """

    name = "math.log"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.log, domain=folding.non_negative)


class Log10Op(_FloatUnaryOp):
    """Base-10 logarithm.

    ```mlir
    %y = math.log10 %x : f64
    ```
    """

    name = "math.log10"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.log10, domain=folding.non_negative)


class Log1pOp(_FloatUnaryOp):
    """`log(1 + x)`, accurate for x near zero.

    ```mlir
    %y = math.log1p %x : f64
    ```
    """

    name = "math.log1p"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.log1p, domain=folding.plus_one_non_negative)


class Log2Op(_FloatUnaryOp):
    """Base-2 logarithm.

    ```mlir
    %y = math.log2 %x : f64
    ```
    """

    name = "math.log2"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.log2, domain=folding.non_negative)


class RoundEvenOp(_FloatUnaryOp):
    """Round to the nearest integral value, halfway cases to even.

    ```mlir
    %a = math.roundeven %b : f64
    ```
    """

    name = "math.roundeven"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.roundeven, exact=True)


class RoundOp(_FloatUnaryOp):
    """Round to the nearest integral value, halfway cases away from zero.

    ```mlir
    %a = math.round %b : f64
    ```
    """

    name = "math.round"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.round_away)


class RsqrtOp(_FloatUnaryOp):
    """Reciprocal square root `1 / sqrt(x)`. Folded for f32/f64 constants
    without the sign bit set, as current upstream.

    ```mlir
    %a = math.rsqrt %b : f64
    ```
    """

    name = "math.rsqrt"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.rsqrt, domain=folding.non_negative)


class SinOp(_FloatUnaryOp):
    """Sine of an angle in radians.

    ```mlir
    %a = math.sin %b : f64
    ```
    """

    name = "math.sin"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.sin)


class SinhOp(_FloatUnaryOp):
    """Hyperbolic sine.

    ```mlir
    %a = math.sinh %b : f64
    ```
    """

    name = "math.sinh"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.sinh)


class SqrtOp(_FloatUnaryOp):
    """Square root. Operands with the sign bit set (including -0.0) are not folded.

    ```mlir
    %a = math.sqrt %b : f64
    ```
    """

    name = "math.sqrt"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.sqrt, domain=folding.non_negative)


class TanOp(_FloatUnaryOp):
    """Tangent of an angle in radians.

    ```mlir
    %a = math.tan %b : f64
    ```
    """

    name = "math.tan"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.tan)


class TanhOp(_FloatUnaryOp):
    """Hyperbolic tangent.

    ```mlir
    %a = math.tanh %b : f64
    ```
    """

    name = "math.tanh"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.tanh)


class TruncOp(_FloatUnaryOp):
    """Round toward zero to an integral value.

    ```mlir
    %a = math.trunc %b : f64
    ```
    """

    name = "math.trunc"

    def fold(self, operands):
        return folding.float_unary(operands[0], folding.trunc)


# ----------------------------------------------------------------------------
# Float binary and ternary ops
# ----------------------------------------------------------------------------


class Atan2Op(_FloatBinaryOp):
    """Two-argument arcus tangent `atan2(lhs, rhs)`: the angle of the point
    (x = rhs, y = lhs) from the positive x axis, in (-pi, pi].

    ```mlir
    %a = math.atan2 %y, %x : f32
    ```
    """

    name = "math.atan2"

    def fold(self, operands):
        return folding.float_binary(operands[0], operands[1], folding.atan2)


class CopySignOp(_FloatBinaryOp):
    """The magnitude of `lhs` with the sign of `rhs`.

    ```mlir
    %a = math.copysign %b, %c : f64
    ```
    """

    name = "math.copysign"

    def fold(self, operands):
        return folding.float_binary(operands[0], operands[1], folding.copysign, exact=True)


class PowFOp(_FloatBinaryOp):
    """`lhs` raised to the floating-point power `rhs`.

    ```mlir
    %a = math.powf %b, %c : f64
    ```
    """

    name = "math.powf"

    def fold(self, operands):
        return folding.float_binary(operands[0], operands[1], folding.powf)


class FmaOp(Op):
    """Fused multiply-add `a * b + c` with a single rounding (LLVM's `llvm.fma`),
    optionally in an explicit IEEE-754 rounding mode. Not folded, as upstream.

    ```mlir
    %d = math.fma %a, %b, %c : f64
    %e = math.fma %a, %b, %c to_nearest_even fastmath<contract> : f32
    ```
    """

    name = "math.fma"
    traits = [ArithRoundingModeInterface, SameOperandsAndResultType, ArithFastMathInterface, *_MATH]
    a = operand(FloatLike)
    b = operand(FloatLike)
    c = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=_NONE)
    roundingmode = opt_prop(RoundingMode)
    result = result(FloatLike)
    assembly_format = ("$a `,` $b `,` $c ($roundingmode^)? (`fastmath` `` $fastmath^)? attr-dict "
                       "`:` type($result)")


class ClampFOp(Op):
    """Clamp `value` to `[min, max]`: `maxf(minf(value, max), min)`; the result
    is poison when `min > max`. Not folded, as upstream.

    ```mlir
    %d = math.clampf %value to [%min, %max] : f64
    ```
    """

    name = "math.clampf"
    traits = [SameOperandsAndResultType, ArithFastMathInterface, *_MATH]
    value = operand(FloatLike)
    min = operand(FloatLike)
    max = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=_NONE)
    result = result(FloatLike)
    assembly_format = ("$value `to` ` ` `[` $min `,` $max `]` (`fastmath` `` $fastmath^)? "
                       "attr-dict `:` type($result)")


class FPowIOp(Op):
    """Floating-point `lhs` raised to the signed integer power `rhs`; elementwise
    for vectors and tensors of the same shape. Not folded, as upstream.

    ```mlir
    %a = math.fpowi %base, %power : f64, i32
    ```
    """

    name = "math.fpowi"
    traits = [AllTypesMatch("lhs", "result"), SameOperandsAndResultShape, ArithFastMathInterface, *_MATH]
    lhs = operand(FloatLike)
    rhs = operand(IntegerLike)
    fastmath = prop(FastMathAttrConstraint, default=_NONE)
    result = result(FloatLike)
    assembly_format = "$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($lhs) `,` type($rhs)"


class SincosOp(Op):
    """Sine and cosine of the same angle at once, which can be cheaper than
    two separate ops. Not folded, as upstream.

    ```mlir
    %sin, %cos = math.sincos %x : f64
    ```
    """

    name = "math.sincos"
    traits = [AllTypesMatch("operand_", "sin", "cos"), SameOperandsAndResultShape, ArithFastMathInterface,
              OpAsmOpInterface, *_MATH]
    operand_ = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=_NONE)
    sin = result(FloatLike)
    cos = result(FloatLike)
    assembly_format = "$operand_ (`fastmath` `` $fastmath^)? attr-dict `:` type($operand_)"

    def get_asm_result_name(self) -> dict[int, str]:
        return {0: "sin", 1: "cos"}


# ----------------------------------------------------------------------------
# Classification
# ----------------------------------------------------------------------------


class IsFiniteOp(_FloatClassificationOp):
    """True where the operand is finite: normal, subnormal or zero.

    ```mlir
    %f = math.isfinite %a : f32
    ```
    """

    name = "math.isfinite"

    def fold(self, operands):
        return folding.classify(operands[0], folding.isfinite)


class IsInfOp(_FloatClassificationOp):
    """True where the operand is positive or negative infinity.

    ```mlir
    %f = math.isinf %a : f32
    ```
    """

    name = "math.isinf"

    def fold(self, operands):
        return folding.classify(operands[0], folding.isinf)


class IsNaNOp(_FloatClassificationOp):
    """True where the operand is a NaN.

    ```mlir
    %f = math.isnan %a : vector<4xf32>
    ```
    """

    name = "math.isnan"

    def fold(self, operands):
        return folding.classify(operands[0], folding.isnan)


class IsNormalOp(_FloatClassificationOp):
    """True where the operand is normal: neither zero, subnormal, infinite nor NaN.

    ```mlir
    %f = math.isnormal %a : f32
    ```
    """

    name = "math.isnormal"

    def fold(self, operands):
        return folding.classify(operands[0], folding.isnormal)


OPS = [
    AbsFOp, AbsIOp, AcosOp, AcoshOp, AsinOp, AsinhOp, AtanOp, Atan2Op, AtanhOp, CbrtOp, CeilOp, ClampFOp,
    CopySignOp, CosOp, CoshOp, CountLeadingZerosOp, CountTrailingZerosOp, CtPopOp, ErfOp, ErfcOp, ExpOp,
    Exp2Op, ExpM1Op, FloorOp, FmaOp, FPowIOp, IPowIOp, IsFiniteOp, IsInfOp, IsNaNOp, IsNormalOp, LogOp,
    Log10Op, Log1pOp, Log2Op, PowFOp, RoundOp, RoundEvenOp, RsqrtOp, SinOp, SincosOp, SinhOp, SqrtOp,
    TanOp, TanhOp, TruncOp,
]
