"""arith.constant and the integer and floating-point arithmetic ops.

Every op here is elementwise: operands and results are scalars, or vectors
or tensors of them, all of one type. Folders follow ArithOps.cpp: identity
rules first, then constant folding (helpers in `folding.py`).
"""

from __future__ import annotations

import numpy as np
from mlir_py.dialects.arith import folding as F
from mlir_py.dialects.arith.attributes import (
    FASTMATH_NONE,
    OVERFLOW_NONE,
    BoolLike,
    FastMathAttrConstraint,
    FloatLike,
    OverflowAttrConstraint,
    RoundingMode,
    SignlessIntegerOrIndexLike,
    TypedAttr,
    i1_same_shape,
)
from mlir_py.dialects.arith.traits import (
    ArithFastMathInterface,
    ArithIntegerOverflowFlagsInterface,
    ArithRoundingModeInterface,
)

from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result
from mlir_py.definition.traits import (
    AllTypesMatch,
    Commutative,
    ConditionallySpeculatable,
    ConstantLike,
    Elementwise,
    Idempotent,
    NoMemoryEffect,
    OpAsmOpInterface,
    Pure,
    SameOperandsAndResultType,
    Scalarizable,
    Tensorizable,
    Vectorizable,
)
from mlir_py.ir.builtin_attributes import (
    DenseElementsAttr,
    DenseResourceElementsAttr,
    FloatAttr,
    IntegerAttr,
    UnitAttr,
    int_to_str,
)
from mlir_py.ir.builtin_types import IntegerType, VectorType, f64, i1, i64

#: ElementwiseMappable.traits, which every Arith_Op carries
ELEMENTWISE = [NoMemoryEffect, Elementwise, Scalarizable, Vectorizable, Tensorizable]


def defining(v, cls):
    """The op of class cls that defines v, if any (getDefiningOp<cls>)."""
    op = getattr(v, "op", None)
    return op if isinstance(op, cls) else None


# ---------------------------------------------------------------------------
# arith.constant
# ---------------------------------------------------------------------------


class ConstantOp(Op):
    """An integer, floating-point or elements constant; the attribute's type is the result type.

    ```mlir
    %c42_i32 = arith.constant 42 : i32
    %cst = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %true = arith.constant true
    ```
    """

    name = "arith.constant"
    traits = [ConstantLike, Pure, OpAsmOpInterface, AllTypesMatch("value", "result")]
    value = prop(TypedAttr)
    result = result()
    assembly_format = "attr-dict $value"

    def __init__(self, value=None, type=None, **kw):
        """`ConstantOp(IntegerAttr(42, i32))`, or `ConstantOp(42, i32)` / `ConstantOp(1.5, f32)`."""
        if value is not None and not hasattr(value, "parameters") and not isinstance(value, DenseElementsAttr):
            if type is None:  # Python scalars default as MLIR literals do
                type = i1 if isinstance(value, bool) else f64 if isinstance(value, float) else i64
            value = F.make_attr(value, type)
        super().__init__(value=value, **kw)

    @classmethod
    def infer_result_types(cls, operands, props):
        v = props.get("value")
        t = getattr(v, "type", None)
        if t is None:
            raise TypeError("arith.constant: the value attribute has no type")
        return [t]

    @staticmethod
    def is_buildable_with(value, type) -> bool:
        if getattr(value, "type", None) is not type:
            return False
        et = F.element_type(type)
        if isinstance(et, IntegerType) and et.signedness != "signless":
            return False
        return isinstance(value, (IntegerAttr, FloatAttr, DenseElementsAttr, DenseResourceElementsAttr))

    def get_asm_result_name(self) -> str | None:
        """`%c42_i32`, `%c-1_i8` (the value read as signed), `%c0` on index,
        `%true`/`%false` on i1, `%cst` for anything else, as upstream names them."""
        v = self.properties.get("value")
        if isinstance(v, IntegerAttr):
            t = self.result.type
            if isinstance(t, IntegerType) and t.width == 1:
                return "true" if v.value else "false"
            digits = int_to_str(v.value)  # an i20000 value has more digits than str() gives
            return f"c{digits}_{t}" if isinstance(t, IntegerType) else f"c{digits}"
        return "cst"

    def verify_(self):
        t = self.result.type
        if isinstance(t, IntegerType) and t.signedness != "signless":
            return "integer return type must be signless"
        v = self.value
        if not isinstance(v, (IntegerAttr, FloatAttr, DenseElementsAttr, DenseResourceElementsAttr)):
            return "value must be an integer, float, or elements attribute"
        if isinstance(t, VectorType) and any(t.scalable_dims) and \
                not (isinstance(v, DenseElementsAttr) and v.is_splat):
            return ("initializing scalable vectors with elements attribute is not supported unless it's a "
                    "vector splat")
        return None

    def fold(self, operands):
        return self.value


def materialize_constant(value, type, loc=None):
    """The arith dialect's constant materializer (folding)."""
    if not ConstantOp.is_buildable_with(value, type):
        return None
    return ConstantOp.create(result_types=[type], properties={"value": value}, location=loc)


# ---------------------------------------------------------------------------
# Integer binary ops
# ---------------------------------------------------------------------------


class _IntBinaryOp(Op):
    lhs = operand(SignlessIntegerOrIndexLike)
    rhs = operand(SignlessIntegerOrIndexLike)
    result = result(SignlessIntegerOrIndexLike)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    def _const(self, operands, fn):
        """Constant-fold with fn(a, b, width) on unsigned values."""
        return F.fold_binary(operands[0], operands[1], self.result.type, F.int_fn(self.result.type, fn))


class _IntBinaryOpWithOverflowFlags(_IntBinaryOp):
    overflowFlags = prop(OverflowAttrConstraint, default=OVERFLOW_NONE)
    assembly_format = "$lhs `,` $rhs (`overflow` `` $overflowFlags^)? attr-dict `:` type($result)"


class _IntBinaryOpWithExactFlag(_IntBinaryOp):
    isExact = opt_prop(UnitAttr)
    assembly_format = "$lhs `,` $rhs (`exact` $isExact^)? attr-dict `:` type($result)"


_INT_BINARY = [SameOperandsAndResultType] + ELEMENTWISE
_OVF = [Pure, ArithIntegerOverflowFlagsInterface]


class AddIOp(_IntBinaryOpWithOverflowFlags):
    """Integer addition modulo 2^n; `overflow<nsw, nuw>` flags make signed/unsigned wrap poison.

    ```mlir
    %a = arith.addi %b, %c : i64
    %d = arith.addi %b, %c overflow<nsw, nuw> : i64
    %v = arith.addi %x, %y : vector<4xi32>
    ```
    """

    name = "arith.addi"
    traits = [Commutative] + _OVF + _INT_BINARY

    def fold(self, operands):
        lhs, rhs = operands
        if F.is_zero(rhs):
            return self.lhs
        sub = defining(self.lhs, SubIOp)
        if sub is not None and sub.rhs is self.rhs:
            return sub.lhs
        sub = defining(self.rhs, SubIOp)
        if sub is not None and sub.rhs is self.lhs:
            return sub.lhs
        return self._const(operands, lambda a, b, w: a + b)


class SubIOp(_IntBinaryOpWithOverflowFlags):
    """Integer subtraction modulo 2^n, with optional `overflow<...>` flags.

    ```mlir
    %a = arith.subi %b, %c : i64
    %d = arith.subi %b, %c overflow<nsw> : tensor<4x?xi8>
    ```
    """

    name = "arith.subi"
    traits = _OVF + _INT_BINARY

    def fold(self, operands):
        lhs, rhs = operands
        if self.lhs is self.rhs:
            z = F.zero_attr(self.result.type)
            if z is not None:
                return z
        if F.is_zero(rhs):
            return self.lhs
        add = defining(self.lhs, AddIOp)
        if add is not None:
            if self.rhs is add.rhs:
                return add.lhs
            if self.rhs is add.lhs:
                return add.rhs
        return self._const(operands, lambda a, b, w: a - b)


class MulIOp(_IntBinaryOpWithOverflowFlags):
    """Integer multiplication modulo 2^n, with optional `overflow<...>` flags.

    ```mlir
    %a = arith.muli %b, %c : i64
    %d = arith.muli %b, %c overflow<nsw, nuw> : i64
    ```
    """

    name = "arith.muli"
    traits = [Commutative, OpAsmOpInterface] + _OVF + _INT_BINARY

    def get_asm_result_name(self) -> str | None:
        """`c<N>_vscale` for `N * vector.vscale` on index."""
        from mlir_py.ir.builtin_types import IndexType
        if not isinstance(self.result.type, IndexType):
            return None
        for a, b in ((self.lhs, self.rhs), (self.rhs, self.lhs)):
            c = getattr(a, "op", None)
            v = getattr(b, "op", None)
            if c is not None and ConstantLike in c.traits and v is not None and v.name == "vector.vscale":
                base = c.properties.get("value")
                if isinstance(base, IntegerAttr):
                    return f"c{base.value}_vscale"
        return None

    def fold(self, operands):
        lhs, rhs = operands
        if F.is_zero(rhs):
            return self.rhs
        if F.is_one(rhs):
            return self.lhs
        return self._const(operands, lambda a, b, w: a * b)


def _fold_div_mul(lhs, rhs, flag: str):
    """(a * b) / b -> a when the multiplication has the given no-wrap flag."""
    mul = defining(lhs, MulIOp)
    if mul is None or not mul.overflowFlags.has(flag):
        return None
    if mul.lhs is rhs:
        return mul.rhs
    if mul.rhs is rhs:
        return mul.lhs
    return None


class DivUIOp(_IntBinaryOpWithExactFlag):
    """Unsigned integer division, rounding toward zero; division by zero is undefined behavior.

    ```mlir
    %a = arith.divui %b, %c : i64
    %d = arith.divui %b, %c exact : i64
    ```
    """

    name = "arith.divui"
    traits = [ConditionallySpeculatable] + _INT_BINARY

    def fold(self, operands):
        if F.is_one(operands[1]):
            return self.lhs
        v = _fold_div_mul(self.lhs, self.rhs, "nuw")
        if v is not None:
            return v
        return self._const(operands, lambda a, b, w: None if b == 0 else a // b)


class DivSIOp(_IntBinaryOpWithExactFlag):
    """Signed integer division, rounding toward zero; x/0 and MIN/-1 are undefined behavior.

    ```mlir
    %a = arith.divsi %b, %c : i64
    %d = arith.divsi %b, %c exact : vector<4xi32>
    ```
    """

    name = "arith.divsi"
    traits = [ConditionallySpeculatable] + _INT_BINARY

    def fold(self, operands):
        if F.is_one(operands[1]):
            return self.lhs
        v = _fold_div_mul(self.lhs, self.rhs, "nsw")
        if v is not None:
            return v
        return self._const(operands, F.sdiv)


class CeilDivUIOp(_IntBinaryOp):
    """Unsigned integer division rounding toward positive infinity.

    ```mlir
    %a = arith.ceildivui %b, %c : i64
    ```
    """

    name = "arith.ceildivui"
    traits = [ConditionallySpeculatable] + _INT_BINARY

    def fold(self, operands):
        if F.is_one(operands[1]):
            return self.lhs
        return self._const(operands, F.ceildivui)


class CeilDivSIOp(_IntBinaryOp):
    """Signed integer division rounding toward positive infinity (`7 / -2 = -3`).

    ```mlir
    %a = arith.ceildivsi %b, %c : i64
    ```
    """

    name = "arith.ceildivsi"
    traits = [ConditionallySpeculatable] + _INT_BINARY

    def fold(self, operands):
        if F.is_one(operands[1]):
            return self.lhs
        return self._const(operands, F.ceildivsi)


class FloorDivSIOp(_IntBinaryOp):
    """Signed integer division rounding toward negative infinity (`5 / -2 = -3`).

    ```mlir
    %a = arith.floordivsi %b, %c : i64
    ```
    """

    name = "arith.floordivsi"
    traits = [Pure] + _INT_BINARY

    def fold(self, operands):
        if F.is_one(operands[1]):
            return self.lhs
        return self._const(operands, F.floordivsi)


class RemUIOp(_IntBinaryOp):
    """Unsigned integer remainder; division by zero is undefined behavior.

    ```mlir
    %a = arith.remui %b, %c : i64
    ```
    """

    name = "arith.remui"
    traits = [Pure] + _INT_BINARY

    def fold(self, operands):
        if F.is_one(operands[1]):
            return F.zero_attr(self.result.type)
        return self._const(operands, lambda a, b, w: None if b == 0 else a % b)


class RemSIOp(_IntBinaryOp):
    """Signed integer remainder; the result has the sign of the dividend (`-7 % 2 = -1`).

    ```mlir
    %a = arith.remsi %b, %c : vector<4xi32>
    ```
    """

    name = "arith.remsi"
    traits = [Pure] + _INT_BINARY

    def fold(self, operands):
        if F.is_one(operands[1]):
            return F.zero_attr(self.result.type)
        return self._const(operands, F.srem)


def _is_not_of(v, x) -> bool:
    """v = xori x, <all ones>."""
    xor = defining(v, XOrIOp)
    if xor is None or xor.lhs is not x:
        return False
    c = getattr(xor.rhs, "op", None)
    return c is not None and ConstantLike in c.traits and F.is_all_ones(c.properties.get("value"))


class AndIOp(_IntBinaryOp):
    """Bitwise and.

    ```mlir
    %a = arith.andi %b, %c : i64
    ```
    """

    name = "arith.andi"
    traits = [Commutative, Idempotent, Pure] + _INT_BINARY

    def fold(self, operands):
        lhs, rhs = operands
        if self.lhs is self.rhs:
            return self.lhs
        if F.is_zero(rhs):
            return self.rhs
        if F.is_all_ones(rhs):
            return self.lhs
        if _is_not_of(self.rhs, self.lhs) or _is_not_of(self.lhs, self.rhs):
            z = F.zero_attr(self.result.type)
            if z is not None:
                return z
        for prev_v, other in ((self.lhs, self.rhs), (self.rhs, self.lhs)):
            prev = defining(prev_v, AndIOp)
            if prev is not None and (other is prev.lhs or other is prev.rhs):
                return prev.result
        return self._const(operands, lambda a, b, w: a & b)


class OrIOp(_IntBinaryOp):
    """Bitwise or.

    ```mlir
    %a = arith.ori %b, %c : i64
    ```
    """

    name = "arith.ori"
    traits = [Commutative, Idempotent, Pure] + _INT_BINARY

    def fold(self, operands):
        lhs, rhs = operands
        if self.lhs is self.rhs:
            return self.lhs
        if F.is_zero(rhs):
            return self.lhs
        if F.is_all_ones(rhs):
            return rhs
        if _is_not_of(self.rhs, self.lhs):
            return self.rhs.op.rhs
        if _is_not_of(self.lhs, self.rhs):
            return self.lhs.op.rhs
        return self._const(operands, lambda a, b, w: a | b)


class XOrIOp(_IntBinaryOp):
    """Bitwise exclusive or.

    ```mlir
    %a = arith.xori %b, %c : i64
    ```
    """

    name = "arith.xori"
    traits = [Commutative, Pure] + _INT_BINARY

    def fold(self, operands):
        lhs, rhs = operands
        if F.is_zero(rhs):
            return self.lhs
        if self.lhs is self.rhs:
            z = F.zero_attr(self.result.type)
            if z is not None:
                return z
        prev = defining(self.lhs, XOrIOp)
        if prev is not None:
            if prev.rhs is self.rhs:
                return prev.lhs
            if prev.lhs is self.rhs:
                return prev.rhs
        prev = defining(self.rhs, XOrIOp)
        if prev is not None:
            if prev.rhs is self.lhs:
                return prev.lhs
            if prev.lhs is self.lhs:
                return prev.rhs
        return self._const(operands, lambda a, b, w: a ^ b)


class ShLIOp(_IntBinaryOpWithOverflowFlags):
    """Left shift; shifting by the bit width or more yields poison.

    ```mlir
    %3 = arith.shli %1, %2 : i8
    %4 = arith.shli %1, %2 overflow<nsw, nuw> : i8
    ```
    """

    name = "arith.shli"
    traits = _OVF + _INT_BINARY

    def fold(self, operands):
        if F.is_zero(operands[1]):
            return self.lhs
        return self._const(operands, lambda a, b, w: (a << b) if F.shift_ok(b, w) else None)


class ShRUIOp(_IntBinaryOpWithExactFlag):
    """Logical right shift (zeros shifted in); shifting by the bit width or more yields poison.

    ```mlir
    %4 = arith.shrui %1, %2 exact : i8
    %5 = arith.shrui %1, %3 : i8
    ```
    """

    name = "arith.shrui"
    traits = [Pure] + _INT_BINARY

    def fold(self, operands):
        if F.is_zero(operands[1]):
            return self.lhs
        return self._const(operands, lambda a, b, w: (a >> b) if F.shift_ok(b, w) else None)


class ShRSIOp(_IntBinaryOpWithExactFlag):
    """Arithmetic right shift (sign bit shifted in); shifting by the bit width or more yields poison.

    ```mlir
    %3 = arith.shrsi %1, %2 exact : i8
    %5 = arith.shrsi %4, %2 : i8
    ```
    """

    name = "arith.shrsi"
    traits = [Pure] + _INT_BINARY

    def fold(self, operands):
        if F.is_zero(operands[1]):
            return self.lhs
        return self._const(operands, lambda a, b, w: (F.signed(a, w) >> b) if F.shift_ok(b, w) else None)


def _minmax_fold(op, operands, absorbing: int, identity: int, fn):
    """max/min: x op x -> x; the absorbing bound wins; the identity bound drops out."""
    if op.lhs is op.rhs:
        return op.rhs
    c = F.const_int(operands[1])
    if c is not None:
        w = F.bit_width(op.result.type)
        u = F.unsigned(c, w)
        if u == F.unsigned(absorbing, w):
            return op.rhs
        if u == F.unsigned(identity, w):
            return op.lhs
    return op._const(operands, fn)


def _smax(w):
    return (1 << (w - 1)) - 1


class MaxSIOp(_IntBinaryOp):
    """Signed integer maximum.

    ```mlir
    %a = arith.maxsi %b, %c : i64
    ```
    """

    name = "arith.maxsi"
    traits = [Commutative, Pure] + _INT_BINARY

    def fold(self, operands):
        w = F.bit_width(self.result.type)
        return _minmax_fold(self, operands, _smax(w), -_smax(w) - 1,
                            lambda a, b, w: max(F.signed(a, w), F.signed(b, w)))


class MaxUIOp(_IntBinaryOp):
    """Unsigned integer maximum.

    ```mlir
    %a = arith.maxui %b, %c : i64
    ```
    """

    name = "arith.maxui"
    traits = [Commutative, Pure] + _INT_BINARY

    def fold(self, operands):
        return _minmax_fold(self, operands, -1, 0, lambda a, b, w: max(a, b))


class MinSIOp(_IntBinaryOp):
    """Signed integer minimum.

    ```mlir
    %a = arith.minsi %b, %c : i64
    ```
    """

    name = "arith.minsi"
    traits = [Commutative, Pure] + _INT_BINARY

    def fold(self, operands):
        w = F.bit_width(self.result.type)
        return _minmax_fold(self, operands, -_smax(w) - 1, _smax(w),
                            lambda a, b, w: min(F.signed(a, w), F.signed(b, w)))


class MinUIOp(_IntBinaryOp):
    """Unsigned integer minimum.

    ```mlir
    %a = arith.minui %b, %c : i64
    ```
    """

    name = "arith.minui"
    traits = [Commutative, Pure] + _INT_BINARY

    def fold(self, operands):
        return _minmax_fold(self, operands, 0, -1, lambda a, b, w: min(a, b))


# ---------------------------------------------------------------------------
# Extended integer ops (two results)
# ---------------------------------------------------------------------------


class AddUIExtendedOp(Op):
    """(N+1)-bit addition: the N-bit sum and an overflow bit (1 on unsigned carry out).

    ```mlir
    %sum, %overflow = arith.addui_extended %b, %c : i64, i1
    %d:2 = arith.addui_extended %e, %f : vector<4xi32>, vector<4xi1>
    ```
    """

    name = "arith.addui_extended"
    traits = [Pure, Commutative, OpAsmOpInterface, AllTypesMatch("lhs", "rhs", "sum")] + ELEMENTWISE
    lhs = operand(SignlessIntegerOrIndexLike)
    rhs = operand(SignlessIntegerOrIndexLike)
    sum = result(SignlessIntegerOrIndexLike)
    overflow = result(BoolLike)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($sum) `,` type($overflow)"

    def get_asm_result_name(self) -> dict[int, str]:
        return {0: "sum", 1: "overflow"}

    @classmethod
    def infer_result_types(cls, operands, props):
        t = operands[0].type
        return [t, i1_same_shape(t)]

    def fold(self, operands):
        lhs, rhs = operands
        ovf_t = self.overflow.type
        if F.is_zero(rhs):
            z = F.zero_attr(ovf_t)
            return None if z is None else [self.lhs, z]
        t = self.sum.type
        s = F.fold_binary(lhs, rhs, t, F.int_fn(t, lambda a, b, w: a + b))
        if s is None:
            return None
        w = F.bit_width(t)
        o = F.fold_binary(lhs, rhs, ovf_t, lambda a, b: int(F.unsigned(a, w) + F.unsigned(b, w) >= (1 << w)))
        return None if o is None else [s, o]


class _MulExtendedOp(Op):
    lhs = operand(SignlessIntegerOrIndexLike)
    rhs = operand(SignlessIntegerOrIndexLike)
    low = result(SignlessIntegerOrIndexLike)
    high = result(SignlessIntegerOrIndexLike)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs)"

    def get_asm_result_name(self) -> dict[int, str]:
        return {0: "low", 1: "high"}

    def _fold_const(self, operands, high_fn):
        t = self.low.type
        low = F.fold_binary(operands[0], operands[1], t, F.int_fn(t, lambda a, b, w: a * b))
        if low is None:
            return None
        return [low, F.fold_binary(operands[0], operands[1], t, F.int_fn(t, high_fn))]


class MulSIExtendedOp(_MulExtendedOp):
    """2N-bit signed multiplication: the low and high N-bit halves of the product.

    ```mlir
    %low, %high = arith.mulsi_extended %a, %b : i32
    %c:2 = arith.mulsi_extended %d, %e : vector<4xi32>
    ```
    """

    name = "arith.mulsi_extended"
    traits = [Pure, Commutative, OpAsmOpInterface, AllTypesMatch("lhs", "rhs", "low", "high")] + ELEMENTWISE

    def fold(self, operands):
        if F.is_zero(operands[1]):
            return [operands[1], operands[1]]
        return self._fold_const(operands, F.mulhs)


class MulUIExtendedOp(_MulExtendedOp):
    """2N-bit unsigned multiplication: the low and high N-bit halves of the product.

    ```mlir
    %low, %high = arith.mului_extended %a, %b : i32
    ```
    """

    name = "arith.mului_extended"
    traits = [Pure, Commutative, OpAsmOpInterface, AllTypesMatch("lhs", "rhs", "low", "high")] + ELEMENTWISE

    def fold(self, operands):
        if F.is_zero(operands[1]):
            return [operands[1], operands[1]]
        if F.is_one(operands[1]):
            z = F.zero_attr(self.lhs.type)
            return None if z is None else [self.lhs, z]
        return self._fold_const(operands, F.mulhu)


# ---------------------------------------------------------------------------
# Floating-point ops
# ---------------------------------------------------------------------------


class _FloatBinaryOp(Op):
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=FASTMATH_NONE)
    result = result(FloatLike)
    assembly_format = "$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"

    def _const(self, operands, fn, *, numpy: bool = True):
        """Constant-fold at the element type's precision; fn takes numpy scalars when numpy."""
        t = self.result.type
        if not F.foldable_float(t):
            return None
        return F.fold_binary(operands[0], operands[1], t, F.float_fn(t, fn) if numpy else fn)


_FLOAT_BINARY = [Pure, ArithFastMathInterface, SameOperandsAndResultType] + ELEMENTWISE
_ROUNDED_FLOAT_BINARY = [ArithRoundingModeInterface] + _FLOAT_BINARY


class _RoundedFloatBinaryOp(_FloatBinaryOp):
    """addf/subf/mulf/divf: upstream gives them an optional rounding mode."""

    roundingmode = opt_prop(RoundingMode)
    assembly_format = "$lhs `,` $rhs ($roundingmode^)? (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"

    def _const(self, operands, fn, *, numpy: bool = True):
        rm = self.properties.get("roundingmode")
        if rm is not None and rm.value != 0:  # numpy rounds to nearest even only
            return None
        return super()._const(operands, fn, numpy=numpy)


class AddFOp(_RoundedFloatBinaryOp):
    """Floating-point addition.

    ```mlir
    %a = arith.addf %b, %c : f64
    %f = arith.addf %g, %h fastmath<fast> : vector<4xf32>
    ```
    """

    name = "arith.addf"
    traits = [Commutative] + _ROUNDED_FLOAT_BINARY

    def fold(self, operands):
        if F.is_float(operands[1], -0.0):
            return self.lhs
        return self._const(operands, np.add)


class SubFOp(_RoundedFloatBinaryOp):
    """Floating-point subtraction.

    ```mlir
    %a = arith.subf %b, %c : f64
    ```
    """

    name = "arith.subf"
    traits = _ROUNDED_FLOAT_BINARY

    def fold(self, operands):
        if F.is_float(operands[1], 0.0):
            return self.lhs
        return self._const(operands, np.subtract)


class MulFOp(_RoundedFloatBinaryOp):
    """Floating-point multiplication.

    ```mlir
    %a = arith.mulf %b, %c : f64
    %x = arith.mulf %y, %z fastmath<nnan,ninf> : tensor<4x?xbf16>
    ```
    """

    name = "arith.mulf"
    traits = [Commutative] + _ROUNDED_FLOAT_BINARY

    def fold(self, operands):
        if F.is_float(operands[1], 1.0):
            return self.lhs
        if self.fastmath.has("nnan") and self.fastmath.has("nsz") and F.is_any_zero_float(operands[1]):
            return self.rhs
        return self._const(operands, np.multiply)


class DivFOp(_RoundedFloatBinaryOp):
    """Floating-point division.

    ```mlir
    %a = arith.divf %b, %c : f64
    ```
    """

    name = "arith.divf"
    traits = _ROUNDED_FLOAT_BINARY

    def fold(self, operands):
        if F.is_float(operands[1], 1.0):
            return self.lhs
        return self._const(operands, np.divide)


class RemFOp(_FloatBinaryOp):
    """Floating-point remainder; the result has the sign of the dividend (C's fmod).

    ```mlir
    %a = arith.remf %b, %c : f32
    ```
    """

    name = "arith.remf"
    traits = _FLOAT_BINARY

    def fold(self, operands):
        return self._const(operands, np.fmod)


class MaximumFOp(_FloatBinaryOp):
    """Floating-point maximum; -0.0 < +0.0 and a NaN operand makes the result NaN.

    ```mlir
    %a = arith.maximumf %b, %c : f64
    ```
    """

    name = "arith.maximumf"
    traits = [Commutative] + _FLOAT_BINARY

    def fold(self, operands):
        if self.lhs is self.rhs:
            return self.rhs
        if F.is_float(operands[1], float("-inf")):
            return self.lhs
        return self._const(operands, F.maximum, numpy=False)


class MinimumFOp(_FloatBinaryOp):
    """Floating-point minimum; -0.0 < +0.0 and a NaN operand makes the result NaN.

    ```mlir
    %a = arith.minimumf %b, %c : f64
    ```
    """

    name = "arith.minimumf"
    traits = [Commutative] + _FLOAT_BINARY

    def fold(self, operands):
        if self.lhs is self.rhs:
            return self.rhs
        if F.is_float(operands[1], float("inf")):
            return self.lhs
        return self._const(operands, F.minimum, numpy=False)


class MaxNumFOp(_FloatBinaryOp):
    """Floating-point maximum; a NaN operand yields the other operand.

    ```mlir
    %a = arith.maxnumf %b, %c : f64
    ```
    """

    name = "arith.maxnumf"
    traits = [Commutative] + _FLOAT_BINARY

    def fold(self, operands):
        if self.lhs is self.rhs:
            return self.rhs
        if F.is_nan(operands[1]):
            return self.lhs
        return self._const(operands, F.maxnum, numpy=False)


class MinNumFOp(_FloatBinaryOp):
    """Floating-point minimum; a NaN operand yields the other operand.

    ```mlir
    %a = arith.minnumf %b, %c : f64
    ```
    """

    name = "arith.minnumf"
    traits = [Commutative] + _FLOAT_BINARY

    def fold(self, operands):
        if self.lhs is self.rhs:
            return self.rhs
        if F.is_nan(operands[1]):
            return self.lhs
        return self._const(operands, F.minnum, numpy=False)


class NegFOp(Op):
    """Floating-point negation (flips the sign bit).

    ```mlir
    %a = arith.negf %b : f64
    %f = arith.negf %g fastmath<fast> : vector<4xf32>
    ```
    """

    name = "arith.negf"
    traits = [ArithFastMathInterface, Pure, SameOperandsAndResultType] + ELEMENTWISE
    operand_ = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=FASTMATH_NONE)
    result = result(FloatLike)
    assembly_format = "$operand_ (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"

    def fold(self, operands):
        inner = defining(self.operand_, NegFOp)
        if inner is not None:
            return inner.operand_
        t = self.result.type
        if not F.foldable_float(t):
            return None
        return F.fold_unary(operands[0], t, lambda a: -a)


OPS = [
    ConstantOp, AddIOp, SubIOp, MulIOp, DivUIOp, DivSIOp, CeilDivUIOp, CeilDivSIOp, FloorDivSIOp, RemUIOp,
    RemSIOp, AndIOp, OrIOp, XOrIOp, ShLIOp, ShRUIOp, ShRSIOp, MaxSIOp, MaxUIOp, MinSIOp, MinUIOp,
    AddUIExtendedOp, MulSIExtendedOp, MulUIExtendedOp, AddFOp, SubFOp, MulFOp, DivFOp, RemFOp, MaximumFOp,
    MinimumFOp, MaxNumFOp, MinNumFOp, NegFOp,
]
