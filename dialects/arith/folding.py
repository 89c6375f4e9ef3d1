"""Constant folding helpers for the arith folders (MLIR's CommonFolders.h).

Constants are IntegerAttr / FloatAttr scalars or DenseElementsAttr of a
vector/tensor type. Integer arithmetic happens on Python ints and wraps to
the element width (index is 64 bits); floats are computed with numpy at the
element type's precision (f16, bf16 via f32, f32, f64) - other float kinds
are not folded. A folding function returns None to refuse (division by zero,
signed overflow, an inexact float conversion), which cancels the whole fold.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from mlir_py.ir.builtin_attributes import (
    DenseElementsAttr,
    FloatAttr,
    IntegerAttr,
    float_bits,
    float_from_bits,
    numpy_dtype,
    wrap_int,
)
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, ShapedType, i1

#: float kinds whose arithmetic is folded, with the numpy type computing it
_NP_FLOAT = {"f16": np.float16, "bf16": np.float32, "f32": np.float32, "f64": np.float64}
#: significand bits (with the implicit one) and exponent range, for exact int -> float rounding
_FLOAT_FORMAT = {"f16": (11, 15), "bf16": (8, 127), "f32": (24, 127), "f64": (53, 1023)}


# ---------------------------------------------------------------------------
# Types and raw values
# ---------------------------------------------------------------------------


def element_type(t):
    return t.element_type if isinstance(t, ShapedType) else t


def bit_width(t) -> int:
    """Width of an integer-like element type (index: 64)."""
    t = element_type(t)
    return 64 if isinstance(t, IndexType) else t.width


def unsigned(v: int, w: int) -> int:
    return int(v) & ((1 << w) - 1)


def signed(v: int, w: int) -> int:
    v = int(v) & ((1 << w) - 1)
    return v - (1 << w) if v >> (w - 1) else v


def is_static(t) -> bool:
    return not isinstance(t, ShapedType) or (t.has_rank and t.has_static_shape)


def scalar_attr(value: Any, t) -> IntegerAttr | FloatAttr:
    if isinstance(t, FloatType):
        return FloatAttr(float(value), t)
    return IntegerAttr(int(value), t)


def _dense(values: list, t: ShapedType) -> DenseElementsAttr:
    et = t.element_type
    if isinstance(et, FloatType):
        arr = np.array(values, dtype=numpy_dtype(et))
    else:
        arr = np.array([wrap_int(int(v), et) for v in values], dtype=numpy_dtype(et))
    return DenseElementsAttr(arr.reshape(t.shape), t)


def make_attr(value: Any, t):
    """A constant of type t: a scalar attribute, or a splat of a static shaped type."""
    if isinstance(t, ShapedType):
        if not is_static(t):
            return None
        return _dense([value] * t.num_elements, t) if t.num_elements else _dense([], t)
    return scalar_attr(value, t)


def zero_attr(t):
    """MLIR's Builder::getZeroAttr for int/index/float scalars and static shaped types."""
    et = element_type(t)
    if not isinstance(et, (IntegerType, IndexType, FloatType)):
        return None
    return make_attr(0.0 if isinstance(et, FloatType) else 0, t)


def bool_attr(t, value: bool):
    """getBoolAttribute: `true`/`false`, or a splat when t is shaped (static only)."""
    return make_attr(1 if value else 0, t) if isinstance(t, ShapedType) else IntegerAttr(1 if value else 0, i1)


def _values(a) -> list:
    """Raw element values of a DenseElementsAttr (ints signed-wrapped, floats)."""
    vals = a.array.reshape(-1).tolist()
    if a.array.dtype == np.bool_:
        return [int(v) for v in vals]
    return vals


def _splat(a):
    v = a.array.reshape(-1)[0].item()
    return int(v) if isinstance(v, bool) else v


# ---------------------------------------------------------------------------
# Matchers on constant operands (m_Zero, m_One, m_ConstantInt, float matchers)
# ---------------------------------------------------------------------------


def const_int(a) -> int | None:
    """The value of an integer constant or integer splat (as stored: signed, i1 0/1)."""
    if isinstance(a, IntegerAttr):
        return a.value
    if isinstance(a, DenseElementsAttr) and isinstance(a.type.element_type, (IntegerType, IndexType)) \
            and a.is_splat:
        return _splat(a)
    return None


def const_int_type(a):
    t = a.type
    return element_type(t)


def is_zero(a) -> bool:
    return const_int(a) == 0


def is_one(a) -> bool:
    v = const_int(a)
    return v is not None and unsigned(v, bit_width(const_int_type(a))) == 1


def is_all_ones(a) -> bool:
    v = const_int(a)
    if v is None:
        return False
    w = bit_width(const_int_type(a))
    return unsigned(v, w) == (1 << w) - 1


def const_float(a) -> float | None:
    if isinstance(a, FloatAttr):
        return a.value
    if isinstance(a, DenseElementsAttr) and isinstance(a.type.element_type, FloatType) and a.is_splat:
        return float(_splat(a))
    return None


def is_float(a, value: float) -> bool:
    """Exact float match, telling -0.0 from +0.0."""
    v = const_float(a)
    return v is not None and v == value and math.copysign(1, v) == math.copysign(1, value)


def is_any_zero_float(a) -> bool:
    return const_float(a) == 0.0


def is_nan(a) -> bool:
    v = const_float(a)
    return v is not None and math.isnan(v)


# ---------------------------------------------------------------------------
# Fold drivers (constFoldUnaryOp / constFoldBinaryOp / constFoldCastOp)
# ---------------------------------------------------------------------------


def fold_binary(lhs, rhs, result_type, fn: Callable[[Any, Any], Any]):
    """Apply fn to two constants of the same type, elementwise for dense ones."""
    if lhs is None or rhs is None:
        return None
    if isinstance(lhs, (IntegerAttr, FloatAttr)) and isinstance(rhs, (IntegerAttr, FloatAttr)):
        if lhs.type is not rhs.type or isinstance(result_type, ShapedType):
            return None
        r = fn(lhs.value, rhs.value)
        return None if r is None else scalar_attr(r, result_type)
    if isinstance(lhs, DenseElementsAttr) and isinstance(rhs, DenseElementsAttr):
        if lhs.type is not rhs.type or not isinstance(result_type, ShapedType) or not is_static(result_type) \
                or tuple(result_type.shape) != tuple(lhs.type.shape):
            return None
        if lhs.is_splat and rhs.is_splat:
            r = fn(_splat(lhs), _splat(rhs))
            return None if r is None else make_attr(r, result_type)
        out = []
        for a, b in zip(_values(lhs), _values(rhs)):
            r = fn(a, b)
            if r is None:
                return None
            out.append(r)
        return _dense(out, result_type)
    return None


def fold_unary(operand, result_type, fn: Callable[[Any], Any]):
    """Apply fn to a constant (elementwise for dense ones); also used for casts."""
    if operand is None:
        return None
    if isinstance(operand, (IntegerAttr, FloatAttr)):
        if isinstance(result_type, ShapedType):
            return None
        r = fn(operand.value)
        return None if r is None else scalar_attr(r, result_type)
    if isinstance(operand, DenseElementsAttr):
        if not isinstance(result_type, ShapedType) or not is_static(result_type) \
                or tuple(result_type.shape) != tuple(operand.type.shape):
            return None
        if operand.is_splat:
            r = fn(_splat(operand))
            return None if r is None else make_attr(r, result_type)
        out = []
        for a in _values(operand):
            r = fn(a)
            if r is None:
                return None
            out.append(r)
        return _dense(out, result_type)
    return None


def fold_ternary(a, b, c, result_type, fn: Callable[[Any, Any, Any], Any]):
    """Elementwise over three dense constants of the same shape (select)."""
    if not all(isinstance(x, DenseElementsAttr) for x in (a, b, c)) or not is_static(result_type):
        return None
    if b.type is not c.type or tuple(a.type.shape) != tuple(b.type.shape):
        return None
    out = [fn(x, y, z) for x, y, z in zip(_values(a), _values(b), _values(c))]
    return _dense(out, result_type)


# ---------------------------------------------------------------------------
# Integer semantics (APInt)
# ---------------------------------------------------------------------------


def int_fn(t, fn: Callable[[int, int, int], int | None]) -> Callable[[Any, Any], int | None]:
    """Lift fn(a_unsigned, b_unsigned, width) to raw stored values of element type t."""
    w = bit_width(t)
    return lambda a, b: fn(unsigned(a, w), unsigned(b, w), w)


def sdiv(a: int, b: int, w: int) -> int | None:
    """Truncating signed division; None on x/0 and MIN/-1."""
    sa, sb = signed(a, w), signed(b, w)
    if sb == 0 or (sa == -(1 << (w - 1)) and sb == -1):
        return None
    q = abs(sa) // abs(sb)
    return q if (sa < 0) == (sb < 0) else -q


def srem(a: int, b: int, w: int) -> int | None:
    sa, sb = signed(a, w), signed(b, w)
    if sb == 0:
        return None
    r = abs(sa) % abs(sb)
    return -r if sa < 0 else r


def ceildivsi(a: int, b: int, w: int) -> int | None:
    """ceil(a / b) as upstream folds it: refuses b == 0 and any negation of MIN."""
    sa, sb = signed(a, w), signed(b, w)
    smin = -(1 << (w - 1))
    if sb == 0:
        return None
    if sa == 0:
        return 0
    if sa > 0 and sb > 0:
        return (sa - 1) // sb + 1
    if (sa < 0 and sa == smin) or (sb < 0 and sb == smin):
        return None
    q = -(-sa // sb)  # ceil
    if q >= (1 << (w - 1)):
        return None
    return q


def floordivsi(a: int, b: int, w: int) -> int | None:
    sa, sb = signed(a, w), signed(b, w)
    if sb == 0 or (sa == -(1 << (w - 1)) and sb == -1):
        return None
    return sa // sb


def ceildivui(a: int, b: int, w: int) -> int | None:
    if b == 0:
        return None
    return -(-a // b)


def mulhs(a: int, b: int, w: int) -> int:
    return (signed(a, w) * signed(b, w)) >> w


def mulhu(a: int, b: int, w: int) -> int:
    return (a * b) >> w


def shift_ok(b: int, w: int) -> bool:
    return b < w


CMPI = {
    "eq": lambda a, b, w: a == b,
    "ne": lambda a, b, w: a != b,
    "slt": lambda a, b, w: signed(a, w) < signed(b, w),
    "sle": lambda a, b, w: signed(a, w) <= signed(b, w),
    "sgt": lambda a, b, w: signed(a, w) > signed(b, w),
    "sge": lambda a, b, w: signed(a, w) >= signed(b, w),
    "ult": lambda a, b, w: a < b,
    "ule": lambda a, b, w: a <= b,
    "ugt": lambda a, b, w: a > b,
    "uge": lambda a, b, w: a >= b,
}

#: predicates that hold when both operands are the same value
CMPI_REFLEXIVE = {"eq", "sle", "sge", "ule", "uge"}


# ---------------------------------------------------------------------------
# Float semantics (APFloat, at the type's precision)
# ---------------------------------------------------------------------------


def foldable_float(t) -> bool:
    return isinstance(element_type(t), FloatType) and element_type(t).kind in _NP_FLOAT


def _canonical_nan(t: FloatType) -> float:
    return float_from_bits({"f16": 0x7E00, "bf16": 0x7FC0, "f32": 0x7FC00000}.get(t.kind, 0x7FF8000000000000), t)


def float_fn(t, fn: Callable) -> Callable[[float, float], float | None]:
    """Lift a numpy binary function to the element float type of t.

    NaN results follow APFloat: a NaN operand propagates (lhs first); a NaN
    made from non-NaN operands is the positive default quiet NaN."""
    et = element_type(t)
    npt = _NP_FLOAT[et.kind]

    def apply(a: float, b: float) -> float:
        if math.isnan(a):
            return a
        if math.isnan(b):
            return b
        with np.errstate(all="ignore"):
            r = float(fn(npt(a), npt(b)))
        if math.isnan(r):
            return _canonical_nan(et)
        return r
    return apply


def maximum(a: float, b: float) -> float:
    """llvm::maximum: NaN wins; -0.0 < +0.0."""
    if math.isnan(a):
        return a
    if math.isnan(b):
        return b
    if a == b == 0.0:
        return b if math.copysign(1, a) < 0 else a
    return a if a > b else b


def minimum(a: float, b: float) -> float:
    if math.isnan(a):
        return a
    if math.isnan(b):
        return b
    if a == b == 0.0:
        return a if math.copysign(1, a) < 0 else b
    return a if a < b else b


def maxnum(a: float, b: float) -> float:
    """llvm::maxnum: a NaN operand yields the other one."""
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return maximum(a, b)


def minnum(a: float, b: float) -> float:
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return minimum(a, b)


def cmpf(pred: str, a: float, b: float) -> bool:
    unordered = math.isnan(a) or math.isnan(b)
    lt, eq, gt = (not unordered and a < b), (not unordered and a == b), (not unordered and a > b)
    return {
        "false": False, "oeq": eq, "ogt": gt, "oge": gt or eq, "olt": lt, "ole": lt or eq,
        "one": not unordered and not eq, "ord": not unordered, "ueq": unordered or eq,
        "ugt": unordered or gt, "uge": unordered or gt or eq, "ult": unordered or lt,
        "ule": unordered or lt or eq, "une": not eq, "uno": unordered, "true": True,
    }[pred]


def int_to_float(n: int, t: FloatType) -> float:
    """Round an integer to the float type t, nearest-even (APFloat::convertFromAPInt)."""
    p, emax = _FLOAT_FORMAT[t.kind]
    neg = n < 0
    m = -n if neg else n
    if m.bit_length() > p:
        shift = m.bit_length() - p
        q, r = m >> shift, m & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if r > half or (r == half and q & 1):
            q += 1
        m = q << shift
    if m.bit_length() - 1 > emax:
        v = math.inf
    else:
        v = float(m)
        with np.errstate(over="ignore"):
            v = float(_NP_FLOAT[t.kind](v)) if t.kind != "bf16" else FloatAttr(v, t).value
    return -v if neg else v


def float_to_int(v: float, w: int, is_signed: bool) -> int | None:
    """Truncate toward zero; None when invalid (NaN, inf, out of range)."""
    if math.isnan(v) or math.isinf(v):
        return None
    n = math.trunc(v)
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if is_signed else (0, (1 << w) - 1)
    return n if lo <= n <= hi else None


def convert_float(v: float, t: FloatType) -> float | None:
    """Exact conversion to t, or None when information would be lost."""
    if t.kind not in _NP_FLOAT:
        return None
    if math.isnan(v):
        return v
    r = FloatAttr(v, t).value
    if math.isinf(r) and not math.isinf(v):
        return None
    return r if r == v else None


def bitcast_value(v, src, dst):
    """Reinterpret the bits of a scalar value of element type src as dst."""
    if isinstance(src, FloatType):
        if src.kind not in _FLOAT_FORMAT:
            return None
        bits = float_bits(v, src)
    else:
        bits = unsigned(v, bit_width(src))
    if isinstance(dst, FloatType):
        if dst.kind not in _FLOAT_FORMAT:
            return None
        return float_from_bits(bits, dst)
    return bits
