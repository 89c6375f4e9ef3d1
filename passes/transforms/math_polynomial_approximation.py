"""`math-polynomial-approximation`: `math.exp`, `math.tanh` and `math.erf` on f32 (scalars and vectors) become
polynomials in arith and math.fma, accurate to a few ulps.

LLVM has no vector exp, tanh or erf: `llvm.exp` on a vector is split into one `expf` call per lane and erf
has no intrinsic at all, so a softmax or a GELU over vectors would run at libm's scalar speed. Upstream
MLIR has the same expansions (`populateMathPolynomialApproximationPatterns`); the constants here are ours
(exp: Cephes' polynomial; erf: fitted for this pass, see below) and every result is checked against
numpy in float64 (test/unit/test_math_polynomial_approximation.py), over ranges that include denormal
results, overflow, +-inf and NaN.

- exp: Cody-Waite range reduction. n = floor(x log2(e) + 1/2), r = x - n ln2 with ln2 in two parts (the
  first has 9 significant bits, so n * ln2_hi is exact for every n that matters), e^r = 1 + r + r^2 p(r)
  with Cephes' degree-5 p on |r| <= ln2/2, then e^x = e^r * 2^(n/2) * 2^(n - n/2): two scalings built in the
  exponent bits keep both factors normal, so results down in the denormals (x to -103.9) and the overflow
  to inf (x > 88.72) come out right. x is clamped to [-104, 88.8] first (maxnum/minnum: +-inf saturate),
  NaN is passed through. Error <= 2 ulp (1.2 measured).
- tanh: for |x| < 0.625 the odd polynomial x + x^3 q(x^2) (Cephes' coefficients), else
  sign(x) (1 - 2 / (e^(2|x|) + 1)) with the exp above (saturates to +-1); the sign is copied last, so
  tanh(-0) = -0. Error <= 2 ulp (1.1 measured).
- erf: for |x| < 1, x p(x^2) with a degree-6 p; for 1 <= |x| < 4, 1 - e^(-x^2) q(1/x) with a degree-9 q
  (erfc(x) e^(x^2) is smooth in 1/x); +-1 beyond (erf(4) rounds to 1 in f32). Both fitted by weighted
  least squares on Chebyshev nodes (relative error 1.4e-9 and 1.7e-8 in float64). Error <= 3 ulp (2.2
  measured).

Runs in `--lower-to-llvm` after the linalg lowerings and before `convert-math-to-llvm`; the vector kernels of
`linalg-vectorize-innermost` and `linalg-codegen-matmul` emit these expansions directly (vector_body.py).
f64 and other types are left for the LLVM/libm lowering. Option `scalars=false` keeps scalar ops as libm
calls.

```
mir-opt --math-polynomial-approximation f.mir
```
"""

from __future__ import annotations

from collections.abc import Callable

from mlir_py.dialects import arith, math
from mlir_py.dialects.vector import BroadcastOp

from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import VectorType, f32, i32
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, Statistic, register_pass
from mlir_py.rewrite import PatternRewriter

EXP_P = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)
TANH_Q = (-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1)
ERF_P = (7.898201874922961e-05, -0.000802435155492276, 0.0051900530233979225, -0.026854807510972023,
         0.11283612251281738, -0.3761262893676758, 1.128379225730896)
ERFC_Q = (0.03206583485007286, -0.18719515204429626, 0.4562140107154846, -0.5615038871765137,
          0.25932660698890686, 0.2187654823064804, -0.37169361114501953, 0.019603915512561798,
          0.5618857145309448, 0.00011466929572634399)


class _F32:
    """Builds f32 arithmetic of one shape (a scalar or a vector of `width` lanes); constants are splatted
    once per instance."""

    def __init__(self, rw: PatternRewriter, width: int | None):
        self.rw = rw
        self.width = width
        self.ft = f32 if width is None else VectorType([width], f32)
        self.it = i32 if width is None else VectorType([width], i32)
        self._consts: dict = {}

    def _splat(self, attr, t) -> Value:
        key = (attr.value, t)
        v = self._consts.get(key)
        if v is None:
            v = self.rw.create(arith.ConstantOp, attr).result
            if self.width is not None:
                v = self.rw.create(BroadcastOp, v, result_types=[VectorType([self.width], t)]).result
            self._consts[key] = v
        return v

    def c(self, v: float) -> Value:
        return self._splat(FloatAttr(v, f32), f32)

    def ci(self, v: int) -> Value:
        return self._splat(IntegerAttr(v, i32), i32)

    def op(self, cls, *args) -> Value:
        return self.rw.create(cls, *args).result

    def fma(self, a: Value, b: Value, c: Value) -> Value:
        return self.op(math.FmaOp, a, b, c)

    def poly(self, coefs: tuple[float, ...], t: Value) -> Value:
        """Horner: coefs[0] t^n + ... + coefs[n]."""
        p = self.c(coefs[0])
        for k in coefs[1:]:
            p = self.fma(p, t, self.c(k))
        return p

    def select(self, cond: Value, a: Value, b: Value) -> Value:
        return self.op(arith.SelectOp, cond, a, b)

    def cmp(self, pred: str, a: Value, b: Value) -> Value:
        return self.op(arith.CmpFOp, pred, a, b)

    def keep_nan(self, x: Value, y: Value) -> Value:
        """y, or x where x is NaN."""
        return self.select(self.cmp("uno", x, x), x, y)

    def pow2(self, n: Value) -> Value:
        """2^n for an i32 n in [-126, 127], built in the exponent bits."""
        bits = self.op(arith.ShLIOp, self.op(arith.AddIOp, n, self.ci(127)), self.ci(23))
        return self.rw.create(arith.BitcastOp, bits, result_types=[self.ft]).result


def _exp(b: _F32, x: Value) -> Value:
    xc = b.op(arith.MaxNumFOp, b.op(arith.MinNumFOp, x, b.c(88.8)), b.c(-104.0))
    fn = b.op(math.FloorOp, b.fma(xc, b.c(1.44269504088896341), b.c(0.5)))
    r = b.fma(fn, b.c(-0.693359375), xc)
    r = b.fma(fn, b.c(2.12194440e-4), r)
    r2 = b.op(arith.MulFOp, r, r)
    y = b.fma(b.poly(EXP_P, r), r2, b.op(arith.AddFOp, r, b.c(1.0)))
    n = b.rw.create(arith.FPToSIOp, fn, result_types=[b.it]).result
    half = b.op(arith.ShRSIOp, n, b.ci(1))
    rest = b.op(arith.SubIOp, n, half)
    y = b.op(arith.MulFOp, b.op(arith.MulFOp, y, b.pow2(half)), b.pow2(rest))
    return b.keep_nan(x, y)


def _tanh(b: _F32, x: Value) -> Value:
    a = b.op(math.AbsFOp, x)
    z = b.op(arith.MulFOp, x, x)
    small = b.fma(b.op(arith.MulFOp, x, z), b.poly(TANH_Q, z), x)
    e = _exp(b, b.op(arith.AddFOp, a, a))
    large = b.op(arith.SubFOp, b.c(1.0), b.op(arith.DivFOp, b.c(2.0), b.op(arith.AddFOp, e, b.c(1.0))))
    return b.op(math.CopySignOp, b.select(b.cmp("olt", a, b.c(0.625)), small, large), x)  # also tanh(-0) = -0


def _erf(b: _F32, x: Value) -> Value:
    a = b.op(math.AbsFOp, x)
    small = b.op(arith.MulFOp, x, b.poly(ERF_P, b.op(arith.MulFOp, x, x)))
    ac = b.op(arith.MinNumFOp, b.op(arith.MaxNumFOp, a, b.c(1.0)), b.c(4.0))
    u = b.op(arith.DivFOp, b.c(1.0), ac)
    e = _exp(b, b.op(arith.NegFOp, b.op(arith.MulFOp, ac, ac)))
    large = b.op(arith.SubFOp, b.c(1.0), b.op(arith.MulFOp, e, b.poly(ERFC_Q, u)))
    large = b.op(math.CopySignOp, large, x)
    return b.keep_nan(x, b.select(b.cmp("olt", a, b.c(1.0)), small, large))


#: the expansions, by op name
EXPANSIONS: dict[str, Callable[[_F32, Value], Value]] = {"math.exp": _exp, "math.tanh": _tanh, "math.erf": _erf}


def approximate(rw: PatternRewriter, name: str, x: Value) -> Value | None:
    """The expansion of `name` (math.exp/tanh/erf) applied to the f32 scalar or 1-D vector `x`, emitted at
    the rewriter's insertion point; None for other ops and types."""
    fn = EXPANSIONS.get(name)
    t = x.type
    if fn is None:
        return None
    if t is f32:
        return fn(_F32(rw, None), x)
    if isinstance(t, VectorType) and t.element_type is f32 and len(t.shape) == 1 and not any(t.scalable_dims):
        return fn(_F32(rw, t.shape[0]), x)
    return None


@register_pass
class MathPolynomialApproximation(Pass):
    """Expand f32 exp/tanh/erf into polynomials (see the module docstring)."""

    name = "math-polynomial-approximation"
    summary = "Expand f32 math.exp/tanh/erf (scalars and 1-D vectors) into polynomial approximations"
    options = [Option("scalars", bool, True, "also expand scalar ops (false: leave them for libm)")]
    statistics = [Statistic("num-expanded", "math ops expanded")]

    def run_on_operation(self, op: Operation) -> None:
        for inner in [o for o in op.walk() if o.name in EXPANSIONS]:
            x = inner.operands[0]
            if x.type is f32 and not self.scalars:
                continue
            rw = PatternRewriter()
            rw.set_insertion_point(inner)
            y = approximate(rw, inner.name, x)
            if y is None:
                continue
            rw.replace_op(inner, [y])
            self.stats["num-expanded"] += 1


__all__ = ["EXPANSIONS", "MathPolynomialApproximation", "approximate"]
