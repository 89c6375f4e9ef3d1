"""The scalar body of a linalg op, applied to 1-D vectors: what the CPU code generators
(`linalg-codegen-matmul`'s epilogues, `linalg-vectorize-innermost`) share.

A structured op's body is scalar arith/math code; on vectors the same ops mean the same thing lane by
lane, so each op is rebuilt with vector types. Values from outside the body (a constant defined
above the op) are broadcast once. Only math ops that LLVM lowers on vectors are accepted (the libm ones
such as `erf` stay scalar, and leave the op to the loop lowering).

`math.exp` on f32 vectors is expanded into a polynomial (`exp_f32`): LLVM has no vector exp and would
call `expf` once per lane, which costs more than the rest of a softmax together.
"""

from __future__ import annotations

from mlir_py.dialects import arith, math
from mlir_py.dialects.vector import BroadcastOp
from mlir_py.passes.conversions.math_to_llvm import INTRINSICS

from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, VectorType, f32, i32
from mlir_py.ir.operation import Block, Operation, Value
from mlir_py.rewrite import PatternRewriter

#: math ops that lower to LLVM on vectors (the others become scalar libm calls, which need scalars)
VECTOR_MATH = set(INTRINSICS) | {"math.rsqrt", "math.expm1", "math.log1p", "math.isnan", "math.isinf",
                                 "math.isfinite", "math.fpowi"}


def vectorizable_body(op: Operation, n_inputs: int, allow_outputs: bool = False) -> bool:
    """Scalar arith/math ops only, one yielded value; output block arguments unused unless allowed."""
    body = op.regions[0].first_block
    if body is None or body.terminator is None or len(body.terminator.operands) != 1:
        return False
    if not allow_outputs and any(arg.has_uses() for arg in body.args[n_inputs:]):
        return False
    for inner in body.ops:
        if inner is body.terminator:
            continue
        if inner.regions or not (inner.name.startswith("arith.") or inner.name in VECTOR_MATH):
            return False
        if any(not isinstance(t, (FloatType, IntegerType, IndexType)) for t in
               [v.type for v in inner.operands] + list(inner.result_types)):
            return False
    return True


class VectorBody:
    """Clones a body on vectors of `width` lanes; broadcasts of outside values and constants are cached
    per instance (one instance per emitted block keeps them close to their uses)."""

    def __init__(self, rw: PatternRewriter, width: int):
        self.rw = rw
        self.width = width
        self.splats: dict[int, Value] = {}

    def splat(self, x: Value) -> Value:
        v = self.splats.get(id(x))
        if v is None:
            v = self.rw.create(BroadcastOp, x, result_types=[VectorType([self.width], x.type)]).result
            self.splats[id(x)] = v
        return v

    def run(self, body: Block, mapping: dict, skip: Operation | None = None) -> None:
        """Emit the body's ops (all but the terminator and `skip`) on vectors; `mapping` takes block
        arguments and the body's values to vectors and receives the new ones."""
        for inner in body.ops:
            if inner is not body.terminator and inner is not skip:
                mapping[inner.result] = self.op(inner, mapping)

    def op(self, inner: Operation, mapping: dict) -> Value:
        rw = self.rw
        if inner.name == "arith.constant":
            key = id(inner)
            if key not in self.splats:
                self.splats[key] = self.splat(rw.clone(inner).result)
            return self.splats[key]
        operands = [mapping[x] if x in mapping else self.splat(x) for x in inner.operands]
        if inner.name == "math.exp" and inner.result.type is f32:
            return exp_f32(rw, operands[0], self.width)
        types = [VectorType([self.width], t) for t in inner.result_types]
        new = type(inner).create(operands, types, dict(inner.properties), dict(inner.attributes))
        return rw.insert(new).result


def exp_f32(rw: PatternRewriter, x: Value, width: int) -> Value:
    """e^x on a vector of f32 (Cephes' expf: |error| <= 2 ulp for normal results; x is clamped to
    [-88.38, 88.38], so e^x for x below flushes to 0 and above saturates; NaN is not propagated).

    e^x = 2^n * e^r with n = round(x / ln 2) and r = x - n ln 2 (ln 2 in two parts, so r is exact),
    e^r = 1 + r + r^2 * p(r) for |r| <= ln(2)/2, 2^n built in the exponent bits."""
    vt = VectorType([width], f32)
    it = VectorType([width], i32)

    def c(v: float) -> Value:
        return rw.create(BroadcastOp, rw.create(arith.ConstantOp, FloatAttr(v, f32)).result, result_types=[vt]).result

    def fma(a: Value, b: Value, cc: Value) -> Value:
        return rw.create(math.FmaOp, a, b, cc).result

    x = rw.create(arith.MinimumFOp, x, c(88.3762626647950)).result
    x = rw.create(arith.MaximumFOp, x, c(-88.3762626647949)).result
    fx = rw.create(math.FloorOp, fma(x, c(1.44269504088896341), c(0.5))).result
    r = fma(fx, c(-0.693359375), x)
    r = fma(fx, c(2.12194440e-4), r)
    p = c(1.9875691500e-4)
    for coef in (1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1):
        p = fma(p, r, c(coef))
    r2 = rw.create(arith.MulFOp, r, r).result
    y = fma(p, r2, rw.create(arith.AddFOp, r, c(1.0)).result)
    n = rw.create(arith.FPToSIOp, fx, result_types=[it]).result
    bias = rw.create(BroadcastOp, rw.create(arith.ConstantOp, IntegerAttr(127, i32)).result, result_types=[it]).result
    shift = rw.create(BroadcastOp, rw.create(arith.ConstantOp, IntegerAttr(23, i32)).result, result_types=[it]).result
    bits = rw.create(arith.ShLIOp, rw.create(arith.AddIOp, n, bias).result, shift).result
    pow2n = rw.create(arith.BitcastOp, bits, result_types=[vt]).result
    return rw.create(arith.MulFOp, y, pow2n).result
