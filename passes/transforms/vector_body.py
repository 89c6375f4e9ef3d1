"""The scalar body of a linalg op, applied to 1-D vectors: what the CPU code generators
(`linalg-codegen-matmul`'s epilogues, `linalg-vectorize-innermost`) share.

A structured op's body is scalar arith/math code; on vectors the same ops mean the same thing lane by
lane, so each op is rebuilt with vector types. Values from outside the body (a constant defined
above the op) are broadcast once. Only math ops that LLVM lowers on vectors are accepted (the libm ones
such as `erf` stay scalar, and leave the op to the loop lowering).

`math.exp`, `math.tanh` and `math.erf` on f32 vectors are expanded into polynomials
(math_polynomial_approximation.py): LLVM has no vector exp, tanh or erf and would call libm once per lane,
which costs more than the rest of a softmax together (erf has no LLVM lowering at all).
"""

from __future__ import annotations

from mlir_py.dialects.vector import BroadcastOp
from mlir_py.passes.conversions.math_to_llvm import INTRINSICS
from mlir_py.passes.transforms.math_polynomial_approximation import EXPANSIONS, approximate

from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, VectorType, f32
from mlir_py.ir.operation import Block, Operation, Value
from mlir_py.rewrite import PatternRewriter

#: math ops that lower to LLVM on vectors (the others become scalar libm calls, which need scalars)
VECTOR_MATH = set(INTRINSICS) | {"math.rsqrt", "math.expm1", "math.log1p", "math.isnan", "math.isinf",
                                 "math.isfinite", "math.fpowi"}
#: math ops only the f32 polynomial expansion handles on vectors
F32_ONLY_MATH = set(EXPANSIONS) - VECTOR_MATH


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
        if inner.regions or not (inner.name.startswith("arith.") or inner.name in VECTOR_MATH
                                 or (inner.name in F32_ONLY_MATH and inner.result.type is f32)):
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
        if inner.name in EXPANSIONS and inner.result.type is f32:
            expanded = approximate(rw, inner.name, operands[0])
            assert expanded is not None
            return expanded
        types = [VectorType([self.width], t) for t in inner.result_types]
        new = type(inner).create(operands, types, dict(inner.properties), dict(inner.attributes))
        return rw.insert(new).result
