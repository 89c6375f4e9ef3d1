"""Constant folding for the math dialect.

The drivers take the constant attributes of an op's operands (FloatAttr /
IntegerAttr scalars or DenseElementsAttr, splat or not) and return the
folded attribute, or None. The libm-style ops call the C library's f32/f64
function (log10f / log10), as upstream's folders do, for f32 and f64 only;
the exact ops (abs, ceil, floor, roundeven, copysign, scalar classification),
which cannot round differently, fold f16 and bf16 too. Integer ops work on the
two's complement bit pattern and wrap at the width (index is 64 bits).

Which ops fold, and which inputs are left alone (log of a value with the sign
bit set, atan2(0, 0) giving NaN, 0 to a negative power), follows upstream's
MathOps.cpp.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from typing import Callable

import numpy as np

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr, numpy_dtype, wrap_int
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, i1

FloatFn = Callable[[np.ndarray], np.ndarray]

#: float kinds computed natively by numpy
_NATIVE = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


# ----------------------------------------------------------------------------
# Float drivers
# ----------------------------------------------------------------------------


def _float_operand(attr: Attribute | None, exact: bool):
    """(values at the type's precision, rebuild(values) -> attribute) or None."""
    if isinstance(attr, FloatAttr):
        # a 1-element array, not a 0-d one: numpy's scalar fast paths differ from
        # libm (x ** 0.5 becomes sqrt(x): NaN for -inf where pow gives +inf)
        et = attr.type
        arr, rebuild = np.array([attr.value]), lambda a: FloatAttr(float(a[0]), et)
    elif isinstance(attr, DenseElementsAttr) and isinstance(attr.type.element_type, FloatType):
        et, ty = attr.type.element_type, attr.type
        arr, rebuild = attr.array, lambda a: DenseElementsAttr(a, ty)
    else:
        return None
    dtype = _NATIVE.get(et.kind)
    if not exact and et.kind == "f16":
        return None  # upstream's libm folders handle only f32 and f64
    if dtype is None:
        if not (exact and et.kind == "bf16"):
            return None
        dtype = np.float32  # every bf16 value is an f32 value; exact ops stay in bf16
    return arr.astype(dtype), rebuild


def float_unary(attr: Attribute | None, fn: FloatFn, *, exact: bool = False,
                domain: FloatFn | None = None) -> Attribute | None:
    """Fold `fn` over a float constant; no fold if `domain` rejects any element."""
    got = _float_operand(attr, exact)
    if got is None:
        return None
    x, rebuild = got
    with np.errstate(all="ignore"):
        if domain is not None and not np.all(domain(x)):
            return None
        return rebuild(np.asarray(fn(x), dtype=x.dtype))


def float_binary(lhs: Attribute | None, rhs: Attribute | None, fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 *, exact: bool = False) -> Attribute | None:
    """Fold `fn` over two float constants of the same kind (both scalar or both dense)."""
    if type(lhs) is not type(rhs):
        return None
    a, b = _float_operand(lhs, exact), _float_operand(rhs, exact)
    if a is None or b is None or a[0].dtype != b[0].dtype or a[0].shape != b[0].shape:
        return None
    with np.errstate(all="ignore"):
        return a[1](np.asarray(fn(a[0], b[0]), dtype=a[0].dtype))


def classify(attr: Attribute | None, fn: FloatFn) -> Attribute | None:
    """Fold a scalar float classification to an i1 constant (upstream folds no dense operand)."""
    if not isinstance(attr, FloatAttr):
        return None
    got = _float_operand(attr, exact=True)
    if got is None:
        return None
    x = got[0]
    flags = np.asarray(fn(x), dtype=bool)
    if isinstance(attr, FloatAttr):
        return IntegerAttr(int(flags[0]), i1)
    from mlir_py.dialects.math.ops import i1_same_shape
    return DenseElementsAttr(flags, i1_same_shape(attr.type))


# ----------------------------------------------------------------------------
# Float kernels (numpy arrays in, same dtype out)
# ----------------------------------------------------------------------------

absf = np.abs
ceil = np.ceil
floor = np.floor
trunc = np.trunc
roundeven = np.rint  # the default rounding mode is to nearest, ties to even
copysign = np.copysign


def _libm(name: str, fallback: Callable) -> Callable:
    """The C library's `name` (f64) / `namef` (f32), as upstream's folders call
    them (log10f for f32, log10 for f64), so folds give upstream's bits on the
    same host; numpy's own kernels can differ by an ulp (log10f(100) is 2,
    numpy's float32 log10 gave 2.00000024). Without a C library, computes in
    double and rounds once to the type."""
    funcs = {}
    if _LIBM is not None:
        for suffix, ctype in (("", ctypes.c_double), ("f", ctypes.c_float)):
            f = getattr(_LIBM, name + suffix, None)
            if f is not None:
                f.restype = ctype
                f.argtypes = None
                funcs[np.dtype(np.float64 if ctype is ctypes.c_double else np.float32)] = (f, ctype)

    def kernel(*xs: np.ndarray) -> np.ndarray:
        dtype = xs[0].dtype
        got = funcs.get(dtype)
        if got is None:
            wide = [x.astype(np.float64) for x in xs]
            return np.asarray(fallback(*wide), dtype=np.float64).astype(dtype)
        f, ctype = got
        flat = [f(*(ctype(v) for v in vs)) for vs in zip(*(x.reshape(-1).tolist() for x in xs))]
        return np.asarray(flat, dtype=dtype).reshape(xs[0].shape)
    return kernel


_LIBM = None
try:
    _LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
except OSError:  # no C math library: _libm falls back to numpy in double
    pass

acos, acosh, asin, asinh = (_libm(n, f) for n, f in (("acos", np.arccos), ("acosh", np.arccosh),
                                                      ("asin", np.arcsin), ("asinh", np.arcsinh)))
atan, atanh = _libm("atan", np.arctan), _libm("atanh", np.arctanh)
cos, cosh, sin, sinh, tan, tanh = (_libm(n, getattr(np, n)) for n in ("cos", "cosh", "sin", "sinh", "tan", "tanh"))
exp, exp2, expm1 = _libm("exp", np.exp), _libm("exp2", np.exp2), _libm("expm1", np.expm1)
log, log10, log1p, log2 = (_libm(n, getattr(np, n)) for n in ("log", "log10", "log1p", "log2"))
sqrt = np.sqrt  # correctly rounded everywhere
cbrt = _libm("cbrt", np.cbrt)


def rsqrt(x: np.ndarray) -> np.ndarray:
    return np.asarray(1, dtype=x.dtype) / np.sqrt(x)


powf = _libm("pow", np.power)


def round_away(x: np.ndarray) -> np.ndarray:
    """Round half away from zero; `x - trunc(x)` is exact, so no double rounding."""
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= x.dtype.type(0.5), t + np.copysign(x.dtype.type(1), x), t)


def atan2(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Upstream folds atan2 of two zeros to NaN (C's atan2 would give +-0 or +-pi)."""
    return np.where((y == 0) & (x == 0), x.dtype.type(np.nan), _atan2(y, x))


_atan2 = _libm("atan2", np.arctan2)


erf = _libm("erf", np.vectorize(math.erf, otypes=[np.float64]))
erfc = _libm("erfc", np.vectorize(math.erfc, otypes=[np.float64]))


def non_negative(x: np.ndarray) -> np.ndarray:
    """Upstream leaves log/sqrt of anything with the sign bit set (-0.0 too) unfolded."""
    return ~np.signbit(x)


def plus_one_non_negative(x: np.ndarray) -> np.ndarray:
    """log1p folds only where `x + 1` (rounded to the type) has a clear sign bit."""
    return ~np.signbit(x + x.dtype.type(1))


def isfinite(x: np.ndarray) -> np.ndarray:
    return np.isfinite(x)


def isinf(x: np.ndarray) -> np.ndarray:
    return np.isinf(x)


def isnan(x: np.ndarray) -> np.ndarray:
    return np.isnan(x)


def isnormal(x: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & (np.abs(x) >= np.finfo(x.dtype).smallest_normal)


# ----------------------------------------------------------------------------
# Integer drivers: kernels get and return bit patterns in [0, 2**width)
# ----------------------------------------------------------------------------

IntFn = Callable[..., "int | None"]


def _width(t: Attribute) -> int | None:
    if isinstance(t, IndexType):
        return 64
    if isinstance(t, IntegerType) and t.signedness == "signless":
        return t.width
    return None


def _int_operand(attr: Attribute | None):
    """(bit patterns, width, rebuild(patterns) -> attribute) or None."""
    if isinstance(attr, IntegerAttr):
        t = attr.type
        w = _width(t)
        if w is None:
            return None
        return [attr.value & ((1 << w) - 1)], w, lambda vals: IntegerAttr(vals[0], t)
    if isinstance(attr, DenseElementsAttr):
        ty = attr.type
        et = ty.element_type
        w = _width(et)
        if w is None:
            return None
        mask = (1 << w) - 1
        vals = [int(v) & mask for v in attr.array.reshape(-1).tolist()]

        def rebuild(out: list[int]) -> Attribute:
            arr = np.array([wrap_int(v, et) for v in out], dtype=numpy_dtype(et)).reshape(attr.array.shape)
            return DenseElementsAttr(arr, ty)
        return vals, w, rebuild
    return None


def int_unary(attr: Attribute | None, fn: IntFn) -> Attribute | None:
    got = _int_operand(attr)
    if got is None:
        return None
    vals, w, rebuild = got
    out = [fn(v, w) for v in vals]
    if any(v is None for v in out):
        return None
    return rebuild(out)


def int_binary(lhs: Attribute | None, rhs: Attribute | None, fn: IntFn) -> Attribute | None:
    if type(lhs) is not type(rhs):
        return None
    a, b = _int_operand(lhs), _int_operand(rhs)
    if a is None or b is None or a[1] != b[1] or len(a[0]) != len(b[0]):
        return None
    w = a[1]
    out = [fn(x, y, w) for x, y in zip(a[0], b[0])]
    if any(v is None for v in out):
        return None
    return a[2](out)


def _signed(u: int, w: int) -> int:
    return u - (1 << w) if u >> (w - 1) else u


def absi(u: int, w: int) -> int:
    return abs(_signed(u, w)) & ((1 << w) - 1)


def ctlz(u: int, w: int) -> int:
    return w - u.bit_length()


def cttz(u: int, w: int) -> int:
    return w if u == 0 else (u & -u).bit_length() - 1


def ctpop(u: int, w: int) -> int:
    return bin(u).count("1")


def ipowi(base: int, power: int, w: int) -> int | None:
    """Signed power with wrap-around; 0 to a negative power is left unfolded."""
    mask = (1 << w) - 1
    one, minus_one = 1 & mask, mask
    if power == 0:
        return one
    if power >> (w - 1):  # negative power
        if base == 0:
            return None
        if base == one:
            return one
        if base != minus_one:
            return 0
        return minus_one if power & 1 else one
    return pow(base, power, 1 << w)
