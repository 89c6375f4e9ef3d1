"""Math inside kernels, within what the NVPTX backend computes itself.

CUDA programs take `expf`, `logf`, `sinf` ... from libdevice (`__nv_expf`),
which upstream's convert-gpu-to-nvvm calls; libdevice is not linked here,
and the backend has no libm. So, per op (f16 and bf16 are computed in f32):

- exact in hardware, any float width: `absf`, `ceil`, `floor`, `trunc`,
  `round`, `roundeven`, `copysign`, `fma`, `sqrt` (`sqrt.rn`), `rsqrt`
  (`1 / sqrt`), and the integer `absi`, `ctlz`, `cttz`, `ctpop`;
- f32 approximations (a few ulp):
  - `exp2` is `ex2.approx`;
  - `exp(x)` is `ex2(x * log2(e))`, with the rounding error of that
    product (fma) put back: within 2 ulp over the whole range;
  - `log`, `log2`, `log10`: exponent and mantissa split from the bits,
    then the Cephes polynomial of log(1 + m) on [sqrt(1/2) - 1, sqrt(2) - 1]
    (1 ulp; denormals, 0, negative, inf and NaN inputs as C's logf);
  - `sin`, `cos`: reduced to [-pi, pi] with a two-part 2*pi, then
    `sin.approx` / `cos.approx` (absolute error about 1e-6);
  - `tanh`: an odd polynomial below |x| = 0.625, `1 - 2 / (exp(2|x|) + 1)`
    above (a few ulp);
- everything else (f64 `exp`/`log`/`sin`..., `powf`, `erf`, `atan`, ...,
  and math on vectors inside kernels) is an error at the op before the
  conversion starts, saying so.
"""

from __future__ import annotations

import math

from mlir_py.dialects.llvm.attributes import FastmathFlagsAttr
from mlir_py.passes.conversions.arith_to_llvm import llvm_fastmath
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder
from mlir_py.passes.conversions.math_to_llvm import POISON_FLAG_INTRINSICS, _poison_flag

from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType, i32, i64
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, FunctionConversionPattern, OpAdaptor

F32 = FloatType("f32")
#: llvm.fcmp predicate numbers
FCMP = {"oeq": 1, "olt": 4, "ult": 11}
#: math ops that are one exact llvm intrinsic for every float width
EXACT = {"math.absf": "llvm.intr.fabs", "math.ceil": "llvm.intr.ceil", "math.floor": "llvm.intr.floor",
         "math.trunc": "llvm.intr.trunc", "math.round": "llvm.intr.round", "math.roundeven": "llvm.intr.roundeven",
         "math.copysign": "llvm.intr.copysign", "math.fma": "llvm.intr.fma", "math.sqrt": "llvm.intr.sqrt"}
#: math ops computed by an f32 approximation here
APPROXIMATED = ("math.exp", "math.exp2", "math.log", "math.log2", "math.log10", "math.sin", "math.cos",
                "math.tanh")
INTEGER = ("math.absi", "math.ctlz", "math.cttz", "math.ctpop")


def _problem(op: Operation) -> str | None:
    """Why `op` cannot be lowered inside a kernel, or None."""
    t = op.results[0].type if op.results else None
    if isinstance(t, VectorType):
        return "math on vectors inside kernels is not supported by convert-gpu-to-nvvm (unroll it first)"
    if op.name in INTEGER:
        return None
    if op.name in EXACT or op.name == "math.rsqrt":
        return None
    if op.name in APPROXIMATED:
        if t in (F32, FloatType("f16"), FloatType("bf16")):
            return None
        return (f"'{op.name}' on {t} cannot be lowered inside a kernel: without libdevice only f32 (and f16, "
                "bf16 through f32) approximations are available")
    return (f"'{op.name}' cannot be lowered inside a kernel: the NVPTX backend has no lowering for it and "
            "libdevice is not linked")


def check_kernel_math(module: Operation) -> bool:
    """Report every math op under `module` that cannot be lowered (errors at the ops); True if none."""
    ok = True
    for op in module.walk():
        if op.name.startswith("math."):
            problem = _problem(op)
            if problem is not None:
                op.emit_error(problem)
                ok = False
    return ok


# -- helpers on f32 values -------------------------------------------------------------------------


class _F32:
    """Scalar f32 arithmetic on an LLVMBuilder (one line per op in the approximations below)."""

    def __init__(self, b: LLVMBuilder):
        self.b = b

    def c(self, x: float) -> Value:
        return self.b.constant(x, F32)

    def ci(self, x: int) -> Value:
        return self.b.constant(x, i32)

    def _bin(self, name: str, a: Value, b: Value) -> Value:
        return self.b.op(name, [a, b], a.type, {"fastmathFlags": FastmathFlagsAttr(0)})

    def add(self, a, b):
        return self._bin("llvm.fadd", a, b)

    def sub(self, a, b):
        return self._bin("llvm.fsub", a, b)

    def mul(self, a, b):
        return self._bin("llvm.fmul", a, b)

    def div(self, a, b):
        return self._bin("llvm.fdiv", a, b)

    def fma(self, a, b, c):
        return self.b.op("llvm.intr.fma", [a, b, c], F32, {"fastmathFlags": FastmathFlagsAttr(0)})

    def intr(self, name: str, x: Value, afn: bool = False) -> Value:
        flags = FastmathFlagsAttr.get("afn") if afn else FastmathFlagsAttr(0)
        return self.b.op(f"llvm.intr.{name}", [x], F32, {"fastmathFlags": flags})

    def fcmp(self, pred: str, a: Value, b: Value) -> Value:
        return self.b.op("llvm.fcmp", [a, b], IntegerType(1),
                         {"predicate": IntegerAttr(FCMP[pred], i64), "fastmathFlags": FastmathFlagsAttr(0)})

    def select(self, c, a, b):
        return self.b.select(c, a, b)

    def poly(self, x: Value, coeffs: list[float]) -> Value:
        """Horner: coeffs[0] * x^n + ... + coeffs[n]."""
        acc = self.c(coeffs[0])
        for k in coeffs[1:]:
            acc = self.fma(acc, x, self.c(k))
        return acc

    def bits(self, x: Value) -> Value:
        return self.b.op("llvm.bitcast", [x], i32)

    def from_bits(self, v: Value) -> Value:
        return self.b.op("llvm.bitcast", [v], F32)

    def iop(self, name: str, a: Value, b: Value) -> Value:
        props = {"overflowFlags": IntegerAttr(0, i32)} if name in ("llvm.add", "llvm.sub", "llvm.shl") else {}
        return self.b.op(name, [a, b], a.type, props)


LOG2E = 1.4426950408889634
LOG2E_LO = LOG2E - float.fromhex("0x1.715476p+0")  # what f32 LOG2E misses


def _exp(f: _F32, x: Value) -> Value:
    """e^x = 2^t * 2^err, t = fl(x log2 e), err = x log2 e - t (from an fma and the low part of log2 e)."""
    hi = f.c(float.fromhex("0x1.715476p+0"))
    t = f.mul(x, hi)
    err = f.fma(x, hi, f.sub(f.c(0.0), t))
    err = f.fma(x, f.c(LOG2E_LO), err)
    p = f.intr("exp2", t)
    # 2^err ~ 1 + err ln 2 (|err| is below an ulp of t); infinite x has no error term (it would be NaN)
    corrected = f.fma(p, f.mul(err, f.c(math.log(2.0))), p)
    return f.select(f.fcmp("oeq", f.intr("fabs", x), f.c(math.inf)), p, corrected)


_LOGF_POLY = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
              -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]


def _log(f: _F32, x: Value) -> Value:
    """Natural log: x = m 2^e, m in [sqrt(1/2), sqrt(2)), log(1 + (m - 1)) by Cephes' polynomial."""
    tiny = f.fcmp("olt", x, f.c(float.fromhex("0x1p-126")))
    xs = f.select(tiny, f.mul(x, f.c(float.fromhex("0x1p23"))), x)  # denormals: scale up first
    bias = f.b.select(tiny, f.ci(126 + 23), f.ci(126))
    bits = f.bits(xs)
    e = f.iop("llvm.sub", f.iop("llvm.and", f.iop("llvm.lshr", bits, f.ci(23)), f.ci(0xFF)), bias)
    m = f.from_bits(f.iop("llvm.or", f.iop("llvm.and", bits, f.ci(0x007FFFFF)), f.ci(0x3F000000)))  # [0.5, 1)
    small = f.fcmp("olt", m, f.c(math.sqrt(0.5)))
    e = f.b.select(small, f.iop("llvm.sub", e, f.ci(1)), e)
    m = f.sub(f.select(small, f.add(m, m), m), f.c(1.0))
    ef = f.b.op("llvm.sitofp", [e], F32)
    z = f.mul(m, m)
    y = f.mul(f.mul(f.poly(m, _LOGF_POLY), m), z)
    y = f.fma(ef, f.c(-2.12194440e-4), y)
    y = f.fma(z, f.c(-0.5), y)
    r = f.add(m, y)
    r = f.fma(ef, f.c(0.693359375), r)
    r = f.select(f.fcmp("oeq", x, f.c(math.inf)), x, r)
    r = f.select(f.fcmp("oeq", x, f.c(0.0)), f.c(-math.inf), r)
    return f.select(f.fcmp("ult", x, f.c(0.0)), f.c(math.nan), r)  # negative or NaN


def _reduce_2pi(f: _F32, x: Value) -> Value:
    """x - k 2 pi with k = rint(x / 2 pi), in [-pi, pi] (2 pi in two parts for the subtraction)."""
    two_pi_hi = float.fromhex("0x1.921fb6p+2")
    two_pi_lo = 2 * math.pi - two_pi_hi
    k = f.intr("rint", f.mul(x, f.c(1.0 / (2 * math.pi))))
    r = f.fma(k, f.c(-two_pi_hi), x)
    return f.fma(k, f.c(-two_pi_lo), r)


_TANHF_POLY = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1]


def _tanh(f: _F32, x: Value) -> Value:
    ax = f.intr("fabs", x)
    z = f.mul(x, x)
    small = f.fma(f.mul(f.poly(z, _TANHF_POLY), z), x, x)  # |x| < 0.625 (Cephes)
    e = _exp(f, f.add(ax, ax))
    big = f.sub(f.c(1.0), f.div(f.c(2.0), f.add(e, f.c(1.0))))
    big = f.b.op("llvm.intr.copysign", [big, x], F32, {"fastmathFlags": FastmathFlagsAttr(0)})
    return f.select(f.fcmp("olt", ax, f.c(0.625)), small, big)


APPROXIMATIONS = {
    "math.exp": _exp,
    "math.exp2": lambda f, x: f.intr("exp2", x),
    "math.log": _log,
    "math.log2": lambda f, x: f.mul(_log(f, x), f.c(LOG2E)),
    "math.log10": lambda f, x: f.mul(_log(f, x), f.c(1.0 / math.log(10.0))),
    "math.sin": lambda f, x: f.intr("sin", _reduce_2pi(f, x), afn=True),
    "math.cos": lambda f, x: f.intr("cos", _reduce_2pi(f, x), afn=True),
    "math.tanh": _tanh,
}


def _in_f32(rw: ConversionPatternRewriter, value: Value, build) -> Value:
    """`build` on `value` computed in f32 (f16 and bf16 are extended first and truncated after)."""
    b = LLVMBuilder(rw)
    t = value.type
    x = value if t == F32 else b.op("llvm.fpext", [value], F32)
    r = build(_F32(b), x)
    return r if t == F32 else b.op("llvm.fptrunc", [r], t)


def _approximated(name: str) -> FunctionConversionPattern:
    build = APPROXIMATIONS[name]

    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        if _problem(op) is not None:
            return False
        rw.replace_op(op, [_in_f32(rw, adaptor.operands[0], build)])
        return True
    lower.__name__ = f"lower_kernel_{name[5:]}"
    return FunctionConversionPattern(lower, name)


def _exact(name: str, intrinsic: str) -> FunctionConversionPattern:
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        if _problem(op) is not None:
            return False
        b = LLVMBuilder(rw)
        props = {"fastmathFlags": llvm_fastmath(op.properties.get("fastmath"))}
        rw.replace_op(op, [b.op(intrinsic, list(adaptor.operands), adaptor.operands[0].type, props)])
        return True
    lower.__name__ = f"lower_kernel_{name[5:]}"
    return FunctionConversionPattern(lower, name)


def lower_rsqrt(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    if _problem(op) is not None:
        return False
    b = LLVMBuilder(rw)
    x = adaptor.operands[0]
    fm = {"fastmathFlags": llvm_fastmath(op.properties.get("fastmath"))}
    root = b.op("llvm.intr.sqrt", [x], x.type, fm)
    rw.replace_op(op, [b.op("llvm.fdiv", [b.constant(1.0, x.type), root], x.type, fm)])
    return True


def lower_ctpop(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    b = LLVMBuilder(rw)
    rw.replace_op(op, [b.op("llvm.intr.ctpop", list(adaptor.operands), adaptor.operands[0].type)])
    return True


def gpu_math_patterns() -> list:
    """The math patterns of convert-gpu-to-nvvm (check_kernel_math reports what they leave)."""
    pats = [_exact(n, i) for n, i in EXACT.items()] + [_approximated(n) for n in APPROXIMATIONS]
    pats += [FunctionConversionPattern(lower_rsqrt, "math.rsqrt"), FunctionConversionPattern(lower_ctpop, "math.ctpop")]
    pats += [_poison_flag(s, d, fl) for s, (d, fl) in POISON_FLAG_INTRINSICS.items()]
    return pats

