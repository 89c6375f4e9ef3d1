"""The math dialect: op set, builders, printing, and constant folding.

Folders are property-tested against numpy at the type's own precision (and,
for f32/f64, against Python's double-precision libm within a few ulps), and
integer folders against plain Python integer arithmetic wrapped at the width.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import mlir_py.dialects.math as m
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlir_py.dialects.arith import FastMathFlagsAttr, RoundingMode

from mlir_py.analysis.verifier import verify
from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import (
    FloatType,
    IntegerType,
    RankedTensorType,
    UnrankedTensorType,
    VectorType,
    bf16,
    f16,
    f32,
    f64,
    i1,
    i32,
    index,
)
from mlir_py.ir.context import Context
from mlir_py.ir.operation import Block
from mlir_py.text.parser import Parser
from mlir_py.text.printer import print_op_to_string


@pytest.fixture(scope="module")
def ctx():
    c = Context()
    c.load_all_available_dialects()
    return c


def args(*types):
    return Block(types).args


# ---------------------------------------------------------------------------
# Dialect, builders, printing
# ---------------------------------------------------------------------------

UPSTREAM_OPS = """absf absi acos acosh asin asinh atan atan2 atanh cbrt ceil clampf copysign cos cosh ctlz cttz
ctpop erf erfc exp exp2 expm1 floor fma fpowi ipowi isfinite isinf isnan isnormal log log10 log1p log2 powf round
roundeven rsqrt sin sincos sinh sqrt tan tanh trunc""".split()


def test_dialect_has_the_upstream_op_set():
    assert sorted(m.DIALECT.ops) == sorted(f"math.{n}" for n in UPSTREAM_OPS)
    for op in m.OPS:
        assert getattr(m, op.__name__) is op


@pytest.mark.parametrize("op", m.OPS, ids=lambda o: o.name)
def test_docstring_examples_parse(ctx, op):
    doc = op.__doc__
    found = re.search(r"```mlir\n(.*?)```", doc, re.S)
    assert found, f"{op.name} has no ```mlir example"
    assert doc.split("\n\n")[0].strip(), "one-paragraph summary first"
    lines = [ln.strip() for ln in found.group(1).splitlines() if ln.strip()]
    for ln in lines:
        assert Parser(ctx, ln).parse_operation().name == op.name, ln


def test_builders_infer_result_types():
    x, v, t, u, i, vi = args(f32, VectorType([4], f32), RankedTensorType([-1, 2], f64),
                             UnrankedTensorType(f16), i32, VectorType([4], i32))
    assert m.SinOp(x).result.type is f32
    assert m.Atan2Op(v, v).result.type is VectorType([4], f32)
    assert m.FmaOp(t, t, t).result.type is t.type
    assert m.ClampFOp(x, x, x).result.type is f32
    assert m.FPowIOp(v, vi).result.type is v.type
    sc = m.SincosOp(u)
    assert [r.type for r in sc.results] == [u.type, u.type]
    assert sc.sin is sc.results[0] and sc.cos is sc.results[1]
    assert m.IsNaNOp(x).result.type is i1
    assert m.IsInfOp(v).result.type is VectorType([4], i1)
    assert m.IsFiniteOp(t).result.type is RankedTensorType([-1, 2], i1)
    assert m.IsNormalOp(u).result.type is UnrankedTensorType(i1)
    assert m.CtPopOp(i).result.type is i32
    assert m.IPowIOp(vi, vi).result.type is vi.type
    scalable = args(VectorType([4], f32, [True]))[0]
    assert m.IsNaNOp(scalable).result.type is VectorType([4], i1, [True])


def test_builder_fields_and_fastmath_default():
    x, i = args(f32, i32)
    op = m.ExpOp(x)
    assert op.operand_ is x
    assert op.fastmath is FastMathFlagsAttr.get("none")
    fast = m.PowFOp(x, x, fastmath=FastMathFlagsAttr.get("nnan", "ninf"))
    assert fast.lhs is x and fast.rhs is x and fast.fastmath.case_names == ["nnan", "ninf"]
    c = m.ClampFOp(x, x, x)
    assert (c.value, c.min, c.max) == (x, x, x)
    assert m.FPowIOp(x, i).rhs is i
    fma = m.FmaOp(x, x, x, roundingmode=RoundingMode.attr("downward"))
    assert fma.roundingmode == IntegerAttr(1, i32) and m.FmaOp(x, x, x).roundingmode is None
    assert print_op_to_string(fma).endswith(" downward : f32")
    assert "fastmath" not in m.AbsIOp(i).properties


def test_built_ops_verify_and_print(ctx):
    x, v, i = args(f32, VectorType([4], f32), i32)
    ops = [
        m.SqrtOp(x, fastmath=FastMathFlagsAttr.get("fast")),
        m.ClampFOp(v, v, v),
        m.FPowIOp(x, i),
        m.SincosOp(v),
        m.IsNaNOp(v),
        m.CountLeadingZerosOp(i),
    ]
    text = "\n".join(print_op_to_string(op) for op in ops)
    assert "math.sqrt" in text and "fastmath<fast>" in text
    assert "math.clampf" in text and "to [" in text
    for op in ops:
        verify(op)


def test_printed_forms(ctx):
    src = """func.func @f(%arg0: f32, %arg1: vector<4xf32>, %arg2: i32) {
  %0 = math.sqrt %arg0 fastmath<nnan,ninf> : f32
  %1 = math.clampf %arg1 to [%arg1, %arg1] : vector<4xf32>
  %2 = math.fpowi %arg0, %arg2 fastmath<fast> : f32, i32
  %sin, %cos = math.sincos %arg0 : f32
  %3 = math.isnan %arg1 : vector<4xf32>
  %4 = math.ipowi %arg2, %arg2 : i32
  return
}"""
    from mlir_py.text.parser import parse_source
    mod = parse_source(ctx, src, "t.mir")
    verify(mod)
    text = print_op_to_string(mod)
    for ln in src.splitlines()[1:-2]:
        assert ln.strip() in text
    generic = print_op_to_string(mod, generic=True)
    assert '"math.isnan"(%arg1) <{fastmath = #arith.fastmath<none>}> : (vector<4xf32>) -> vector<4xi1>' in generic
    assert '"math.ipowi"(%arg2, %arg2) : (i32, i32) -> i32' in generic


def test_materialize_constant_is_arith_constant():
    op = m.DIALECT.materialize_constant(FloatAttr(2.0, f32), f32, None)
    assert op is not None and op.name == "arith.constant"
    op = m.DIALECT.materialize_constant(DenseElementsAttr(np.ones(4, np.float32), VectorType([4], f32)),
                                        VectorType([4], f32), None)
    assert op is not None and op.name == "arith.constant"


# ---------------------------------------------------------------------------
# Float folding
# ---------------------------------------------------------------------------

DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}
WIDTHS = {"f16": 16, "f32": 32, "f64": 64}
FTYPES = {"f16": f16, "f32": f32, "f64": f64}


def fold(op_cls, *attrs):
    """Fold a freshly built op on constant operands."""
    types = [a.type for a in attrs]
    return op_cls(*args(*types)).fold(list(attrs))


def same_float(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def npref(fn, *xs, kind):
    # on arrays: numpy's 0-d fast paths are not libm's (x ** 0.5 is sqrt(x) there)
    with np.errstate(all="ignore"):
        return float(fn(*(np.array([x], DTYPES[kind]) for x in xs))[0])


def ulp_close(got: float, ref: float, kind: str, ulps: int = 4) -> bool:
    if not math.isfinite(ref) or abs(ref) > float(np.finfo(DTYPES[kind]).max):
        return True  # overflow to inf and NaN are checked against numpy only
    return abs(got - ref) <= ulps * float(np.spacing(DTYPES[kind](abs(ref))))


_LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")


def c_fn(name):
    """The C library's `name` / `namef` over arrays: upstream's folders call it."""
    def fn(*xs):
        f = getattr(_LIBM, name + ("f" if xs[0].dtype == np.float32 else ""))
        ctype = ctypes.c_float if xs[0].dtype == np.float32 else ctypes.c_double
        f.restype = ctype
        return np.array([f(*(ctype(v) for v in vs)) for vs in zip(*(x.tolist() for x in xs))], xs[0].dtype)
    return fn


UNARY = {
    # op: (the C library's f32/f64 function, a double-precision reference, domain or None)
    m.AcosOp: (c_fn("acos"), math.acos, None),
    m.AcoshOp: (c_fn("acosh"), math.acosh, None),
    m.AsinOp: (c_fn("asin"), math.asin, None),
    m.AsinhOp: (c_fn("asinh"), math.asinh, None),
    m.AtanOp: (c_fn("atan"), math.atan, None),
    m.AtanhOp: (c_fn("atanh"), math.atanh, None),
    m.CosOp: (c_fn("cos"), math.cos, None),
    m.CoshOp: (c_fn("cosh"), math.cosh, None),
    m.SinOp: (c_fn("sin"), math.sin, None),
    m.SinhOp: (c_fn("sinh"), math.sinh, None),
    m.TanOp: (c_fn("tan"), math.tan, None),
    m.TanhOp: (c_fn("tanh"), math.tanh, None),
    m.ErfOp: (c_fn("erf"), math.erf, None),
    m.ErfcOp: (c_fn("erfc"), math.erfc, None),
    m.ExpOp: (c_fn("exp"), math.exp, None),
    m.Exp2Op: (c_fn("exp2"), lambda x: 2.0 ** x, None),
    m.ExpM1Op: (c_fn("expm1"), math.expm1, None),
    m.LogOp: (c_fn("log"), math.log, "sign"),
    m.Log2Op: (c_fn("log2"), math.log2, "sign"),
    m.Log10Op: (c_fn("log10"), math.log10, "sign"),
    m.SqrtOp: (np.sqrt, math.sqrt, "sign"),
    m.Log1pOp: (c_fn("log1p"), math.log1p, "plus_one"),
}

EXACT = {
    m.AbsFOp: abs,
    m.CeilOp: math.ceil,
    m.FloorOp: math.floor,
    m.TruncOp: math.trunc,
    m.RoundOp: lambda x: int(Decimal(x).to_integral_value(rounding=ROUND_HALF_UP)),
    m.RoundEvenOp: round,  # Python rounds halfway cases to even
}


def floats(kind: str):
    return st.floats(width=WIDTHS[kind], allow_nan=True, allow_infinity=True)


def kinds_and_values():
    return st.sampled_from(list(DTYPES)).flatmap(lambda k: st.tuples(st.just(k), floats(k)))


@pytest.mark.parametrize("op", list(UNARY), ids=lambda o: o.name)
@settings(max_examples=80, deadline=None)
@given(kv=kinds_and_values())
def test_unary_float_folds_like_the_c_library(op, kv):
    kind, x = kv
    np_fn, libm, domain = UNARY[op]
    got = fold(op, FloatAttr(x, FTYPES[kind]))
    if kind == "f16":
        assert got is None, "upstream's libm folders handle f32/f64 only"
        return
    sign = math.copysign(1, x) < 0
    if (domain == "sign" and sign) or \
            (domain == "plus_one" and np.signbit(DTYPES[kind](x) + DTYPES[kind](1))):
        assert got is None, "upstream leaves this input unfolded"
        return
    assert isinstance(got, FloatAttr) and got.type is FTYPES[kind]
    ref = npref(np_fn, x, kind=kind)
    assert same_float(got.value, ref), (x, got.value, ref)
    if kind != "f16" and math.isfinite(x):
        try:
            exact = libm(x)
        except (ValueError, OverflowError):
            return
        assert math.isnan(got.value) or ulp_close(got.value, exact, kind), (x, got.value, exact)


@pytest.mark.parametrize("op", list(EXACT), ids=lambda o: o.name)
@settings(max_examples=80, deadline=None)
@given(kv=kinds_and_values())
def test_exact_float_folds(op, kv):
    kind, x = kv
    got = fold(op, FloatAttr(x, FTYPES[kind]))
    if kind == "f16" and op in (m.TruncOp, m.RoundOp):
        assert got is None, "upstream folds round/trunc on f32/f64 only"
        return
    assert isinstance(got, FloatAttr)
    if not math.isfinite(x):
        assert same_float(got.value, abs(x) if op is m.AbsFOp else x)
        return
    want = float(EXACT[op](x))
    want = math.copysign(want, 1.0 if op is m.AbsFOp else x)  # rounding keeps the sign of zero
    assert same_float(got.value, want), (x, got.value, want)


@pytest.mark.parametrize("op", [m.AbsFOp, m.CeilOp, m.FloorOp, m.RoundEvenOp])
@given(x=st.floats(width=32).map(lambda v: float(FloatAttr(v, bf16).value)))
@settings(max_examples=50, deadline=None)
def test_exact_ops_fold_bf16(op, x):
    got = fold(op, FloatAttr(x, bf16))
    assert isinstance(got, FloatAttr) and got.type is bf16
    ref = fold(op, FloatAttr(x, f32))
    assert same_float(got.value, ref.value)


def test_transcendental_ops_leave_other_float_types_unfolded():
    assert fold(m.SinOp, FloatAttr(1.0, bf16)) is None
    assert fold(m.ExpOp, FloatAttr(1.0, FloatType("f80"))) is None
    assert fold(m.AbsFOp, FloatAttr(1.0, FloatType("f128"))) is None
    assert fold(m.TruncOp, FloatAttr(1.5, bf16)) is None  # upstream: f32/f64 only
    assert fold(m.RoundOp, FloatAttr(1.5, f16)) is None


@pytest.mark.parametrize("op, np_fn", [(m.CopySignOp, np.copysign), (m.PowFOp, c_fn("pow")),
                                       (m.Atan2Op, c_fn("atan2"))], ids=["copysign", "powf", "atan2"])
@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(list(DTYPES)), data=st.data())
def test_binary_float_folds_like_the_c_library(op, np_fn, kind, data):
    a, b = data.draw(floats(kind)), data.draw(floats(kind))
    t = FTYPES[kind]
    got = fold(op, FloatAttr(a, t), FloatAttr(b, t))
    if kind == "f16" and op is not m.CopySignOp:
        assert got is None, "upstream's libm folders handle f32/f64 only"
        return
    assert isinstance(got, FloatAttr) and got.type is t
    if op is m.Atan2Op and a == 0 and b == 0:
        assert math.isnan(got.value), "upstream folds atan2(0, 0) to NaN"
        return
    assert same_float(got.value, npref(np_fn, a, b, kind=kind))


def test_f32_folds_round_once_as_upstream():
    """log10f(100) is exactly 2 (numpy's float32 log10 gave 2.00000024), exp(1) is
    the f32 nearest e, and f64 tanh matches the C library's bits."""
    assert fold(m.Log10Op, FloatAttr(100.0, f32)).value == 2.0
    assert fold(m.ExpOp, FloatAttr(1.0, f32)).value == float(np.float32(math.e))
    assert fold(m.Log10Op, FloatAttr(1000.0, f64)).value == 3.0


def test_float_fold_edge_cases():
    assert fold(m.SqrtOp, FloatAttr(-0.0, f32)) is None
    assert fold(m.LogOp, FloatAttr(-1.0, f64)) is None
    assert fold(m.LogOp, FloatAttr(0.0, f64)).value == -math.inf
    assert fold(m.Log1pOp, FloatAttr(-1.0, f32)).value == -math.inf
    assert fold(m.Log1pOp, FloatAttr(-2.0, f32)) is None
    assert math.isnan(fold(m.AcosOp, FloatAttr(2.0, f32)).value)
    assert fold(m.ExpOp, FloatAttr(100.0, f32)).value == math.inf
    assert fold(m.ExpOp, FloatAttr(100.0, f64)).value == math.exp(100.0)
    assert fold(m.RoundOp, FloatAttr(0.49999999999999994, f64)).value == 0.0
    assert fold(m.RoundOp, FloatAttr(-2.5, f32)).value == -3.0
    assert fold(m.RoundEvenOp, FloatAttr(-2.5, f32)).value == -2.0
    assert fold(m.SinOp, FloatAttr(0.5, f16)) is None  # upstream: f32/f64 only
    assert fold(m.CopySignOp, FloatAttr(3.0, f32), FloatAttr(-0.0, f32)).value == -3.0
    assert fold(m.Atan2Op, FloatAttr(1.0, f32), DenseElementsAttr(np.ones(2, np.float32), VectorType([2], f32))) \
        is None
    assert m.SinOp(*args(f32)).fold([None]) is None
    assert m.PowFOp(*args(f32, f32)).fold([FloatAttr(2.0, f32), None]) is None


def test_cbrt_rsqrt_fold_like_upstream():
    assert fold(m.CbrtOp, FloatAttr(-8.0, f32)).value == -2.0
    assert fold(m.CbrtOp, FloatAttr(8.0, f16)) is None
    assert str(fold(m.RsqrtOp, FloatAttr(8.0, f32))) == "0.353553385 : f32"
    assert fold(m.RsqrtOp, FloatAttr(0.0, f64)).value == math.inf
    assert fold(m.RsqrtOp, FloatAttr(-0.0, f32)) is None


def test_ops_upstream_does_not_fold():
    x, i = FloatAttr(2.0, f32), IntegerAttr(3, i32)
    assert fold(m.FmaOp, x, x, x) is None
    assert fold(m.ClampFOp, x, x, x) is None
    assert fold(m.FPowIOp, x, i) is None
    assert m.SincosOp(*args(f32)).fold([x]) is None


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(list(DTYPES)), data=st.data())
def test_dense_folds_elementwise(kind, data):
    n = data.draw(st.integers(1, 6))
    xs = data.draw(st.lists(st.floats(width=WIDTHS[kind]), min_size=n, max_size=n))
    ys = data.draw(st.lists(st.floats(width=WIDTHS[kind]), min_size=n, max_size=n))
    t = FTYPES[kind]
    vt = VectorType([n], t)
    dx = DenseElementsAttr(np.array(xs, DTYPES[kind]), vt)
    dy = DenseElementsAttr(np.array(ys, DTYPES[kind]), vt)
    for op in [m.SinOp, m.ExpOp, m.FloorOp, m.TanhOp]:
        got = fold(op, dx)
        if kind == "f16" and op is not m.FloorOp:
            assert got is None
            continue
        assert isinstance(got, DenseElementsAttr) and got.type is vt
        for j, x in enumerate(xs):
            assert same_float(float(got.array[j]), fold(op, FloatAttr(x, t)).value)
    got = fold(m.PowFOp, dx, dy)
    if kind == "f16":
        assert got is None
        return
    for j in range(n):
        assert same_float(float(got.array[j]), fold(m.PowFOp, FloatAttr(xs[j], t), FloatAttr(ys[j], t)).value)
    # one element out of the domain: the whole constant stays unfolded, as upstream
    unfolded = [fold(m.SqrtOp, FloatAttr(x, t)) is None for x in xs]
    assert (fold(m.SqrtOp, dx) is None) == any(unfolded)


def test_splat_folds_stay_splat():
    tt = RankedTensorType([2, 3], f32)
    splat = DenseElementsAttr(np.float32(4.0), tt)
    got = fold(m.SqrtOp, splat)
    assert got.is_splat and got.type is tt and got.splat_value() == 2.0
    assert str(got) == "dense<2.000000e+00> : tensor<2x3xf32>"


# ---------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------

CLASSIFY = {
    m.IsNaNOp: math.isnan,
    m.IsInfOp: math.isinf,
    m.IsFiniteOp: math.isfinite,
}


@pytest.mark.parametrize("op", [m.IsNaNOp, m.IsInfOp, m.IsFiniteOp, m.IsNormalOp], ids=lambda o: o.name)
@settings(max_examples=60, deadline=None)
@given(kv=kinds_and_values())
def test_classification_folds(op, kv):
    kind, x = kv
    got = fold(op, FloatAttr(x, FTYPES[kind]))
    assert isinstance(got, IntegerAttr) and got.type is i1
    if op is m.IsNormalOp:
        want = math.isfinite(x) and abs(x) >= float(np.finfo(DTYPES[kind]).smallest_normal)
    else:
        want = CLASSIFY[op](x)
    assert bool(got.value) == want


def test_classification_of_dense_and_bf16():
    vt = VectorType([4], f16)
    d = DenseElementsAttr(np.array([1.0, np.nan, np.inf, 1e-7], np.float16), vt)
    # upstream folds classifications of scalar constants only
    assert fold(m.IsNaNOp, d) is None
    assert fold(m.IsNormalOp, d) is None
    ut = RankedTensorType([3], f32)
    assert fold(m.IsInfOp, DenseElementsAttr(np.float32(np.inf), ut)) is None
    assert fold(m.IsNormalOp, FloatAttr(1e-39, bf16)).value == 0  # subnormal in bf16 too
    assert fold(m.IsNormalOp, FloatAttr(1e-37, bf16)).value == 1


# ---------------------------------------------------------------------------
# Integer folding
# ---------------------------------------------------------------------------

INT_TYPES = [IntegerType(1), IntegerType(3), IntegerType(8), IntegerType(16), i32, IntegerType(64), index,
             IntegerType(128)]


def width(t):
    return 64 if t is index else t.width


def signed(v, w):
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def int_values():
    return st.sampled_from(INT_TYPES).flatmap(
        lambda t: st.tuples(st.just(t), st.integers(-(1 << (width(t) - 1)), (1 << width(t)) - 1)))


def same_int(attr, want: int, t) -> bool:
    return isinstance(attr, IntegerAttr) and attr.type is t and attr == IntegerAttr(want, t)


@settings(max_examples=120, deadline=None)
@given(tv=int_values())
def test_integer_unary_folds(tv):
    t, v = tv
    w = width(t)
    u = v & ((1 << w) - 1)
    bits = format(u, f"0{w}b")
    assert same_int(fold(m.CtPopOp, IntegerAttr(v, t)), bits.count("1"), t)
    assert same_int(fold(m.CountLeadingZerosOp, IntegerAttr(v, t)), len(bits) - len(bits.lstrip("0")), t)
    assert same_int(fold(m.CountTrailingZerosOp, IntegerAttr(v, t)), len(bits) - len(bits.rstrip("0")), t)
    assert same_int(fold(m.AbsIOp, IntegerAttr(v, t)), abs(signed(v, w)), t)  # wraps for the minimum


def ipowi_reference(b: int, p: int, w: int) -> int | None:
    b, p = signed(b, w), signed(p, w)
    if p < 0:
        if b == 0:
            return None
        return 1 if b == 1 else (-1) ** (-p) if b == -1 else 0
    result = 1
    for _ in range(p):
        result = signed(result * b, w)
    return result


@settings(max_examples=120, deadline=None)
@given(t=st.sampled_from(INT_TYPES), data=st.data())
def test_ipowi_folds(t, data):
    w = width(t)
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    b = data.draw(st.integers(lo, hi))
    p = data.draw(st.integers(max(lo, -40), min(hi, 300)))
    got = fold(m.IPowIOp, IntegerAttr(b, t), IntegerAttr(p, t))
    want = ipowi_reference(b, p, w) if w > 1 else ({(0, 0): 1, (1, 0): 1, (1, 1): 1}.get((b & 1, p & 1)))
    if want is None:
        assert got is None
    else:
        assert same_int(got, want, t), (b, p, got, want)


def test_ipowi_large_powers_wrap():
    t = IntegerType(64)
    got = fold(m.IPowIOp, IntegerAttr(3, t), IntegerAttr(2**62 + 1, t))
    assert same_int(got, pow(3, 2**62 + 1, 2**64), t)
    assert fold(m.IPowIOp, IntegerAttr(0, i32), IntegerAttr(-1, i32)) is None
    assert same_int(fold(m.IPowIOp, IntegerAttr(-1, i32), IntegerAttr(-3, i32)), -1, i32)
    assert same_int(fold(m.IPowIOp, IntegerAttr(-1, i32), IntegerAttr(-4, i32)), 1, i32)
    assert same_int(fold(m.IPowIOp, IntegerAttr(5, i32), IntegerAttr(-4, i32)), 0, i32)


def test_integer_dense_folds():
    vt = VectorType([4], IntegerType(8))
    d = DenseElementsAttr(np.array([0, 1, -128, 12], np.int8), vt)
    assert str(fold(m.CountLeadingZerosOp, d)) == "dense<[8, 7, 0, 4]> : vector<4xi8>"
    assert str(fold(m.CountTrailingZerosOp, d)) == "dense<[8, 0, 7, 2]> : vector<4xi8>"
    assert str(fold(m.CtPopOp, d)) == "dense<[0, 1, 1, 2]> : vector<4xi8>"
    assert str(fold(m.AbsIOp, d)) == "dense<[0, 1, -128, 12]> : vector<4xi8>"
    two = DenseElementsAttr(np.int8(2), vt)
    assert str(fold(m.IPowIOp, d, two)) == "dense<[0, 1, 0, -112]> : vector<4xi8>"
    b = DenseElementsAttr(np.array([True, False]), VectorType([2], i1))
    assert str(fold(m.CountLeadingZerosOp, b)) == "dense<[false, true]> : vector<2xi1>"
    it = RankedTensorType([2], index)
    assert str(fold(m.CtPopOp, DenseElementsAttr(np.array([-1, 5]), it))) == "dense<[64, 2]> : tensor<2xindex>"
    assert fold(m.IPowIOp, DenseElementsAttr(np.array([0, 2], np.int8), VectorType([2], IntegerType(8))),
                DenseElementsAttr(np.int8(-1), VectorType([2], IntegerType(8)))) is None
    assert fold(m.CtPopOp, IntegerAttr(3, IntegerType(8, "unsigned"))) is None
