"""A conservative dependence test for affine memory accesses.

Upstream decides dependences exactly with integer-set (Fourier-Motzkin)
reasoning. This is a smaller test that is sound in one direction: it only
says "independent" when a subscript proves it, and answers "may depend"
otherwise. Subscripts are flattened into linear forms over variables: the
loop variable of the loop asked about (one per side: the source and the
destination instance), variables of enclosing loops (shared: the two
instances are in the same outer iteration), variables of other loops (one
per side) and loop-invariant values (shared). A subscript whose equation
`src - dst == 0`

- has no solution (a non-zero constant, or a gcd of the coefficients that
  does not divide the constant), or
- forces the two instances of the asked loop to the same iteration,

rules out a dependence carried by that loop. Different memrefs are assumed
not to alias, and two reads never conflict, as upstream assumes.
"""

from __future__ import annotations

import math
from typing import Any

from mlir_py.dialects.affine import ForOp, LoadOp, ParallelOp, StoreOp, VectorLoadOp, VectorStoreOp
from mlir_py.dialects.affine.map_utils import compose_affine_map_and_operands

from mlir_py.ir.affine_flatten import flatten_affine_expr
from mlir_py.ir.operation import BlockArgument, Operation, Value

READS = (LoadOp, VectorLoadOp)
WRITES = (StoreOp, VectorStoreOp)


class Access:
    """One affine read or write: its memref, its subscripts composed down to loop variables and symbols."""

    def __init__(self, op: Operation) -> None:
        self.op = op
        self.memref: Value = op.memref
        self.is_write = isinstance(op, WRITES)
        amap, operands = compose_affine_map_and_operands(op.map.value, list(op.indices))
        self.map = amap
        self.operands = operands


def _loop_of(value: Value) -> Operation | None:
    if not isinstance(value, BlockArgument):
        return None
    region = value.block.parent
    owner = None if region is None else region.parent
    if isinstance(owner, (ForOp, ParallelOp)):
        return owner
    return None


def _linear_forms(access: Access, loop: Operation, side: str) -> list[dict[Any, int]] | None:
    """Each subscript as {variable: coefficient, 1: constant}; None when some operand is not affine."""
    variables = []
    for v in access.operands:
        owner = _loop_of(v)
        if owner is loop:
            variables.append(("loop", side))
        elif owner is not None and owner.is_ancestor(loop):
            variables.append(("outer", v))
        elif owner is not None:
            variables.append(("other", v, side))
        elif loop.is_ancestor(v.op) if getattr(v, "op", None) is not None else False:
            return None  # computed inside the loop: not a function of its variables
        elif isinstance(v, BlockArgument) and loop.is_ancestor(v.block.parent.parent):
            return None
        else:
            variables.append(("invariant", v))
    amap = access.map
    forms = []
    for expr in amap.results:
        row = flatten_affine_expr(expr, amap.num_dims, amap.num_symbols)
        if row is None:
            return None
        form: dict[Any, int] = {1: row[-1]}
        for var, coeff in zip(variables, row[:-1]):
            if coeff:
                form[var] = form.get(var, 0) + coeff
        forms.append(form)
    return forms


def _subscript_rules_out(src: dict, dst: dict) -> bool:
    diff = dict(src)
    for k, c in dst.items():
        diff[k] = diff.get(k, 0) - c
    const = diff.pop(1, 0)
    coeffs = {k: c for k, c in diff.items() if c}
    if not coeffs:
        return const != 0
    g = 0
    for c in coeffs.values():
        g = math.gcd(g, abs(c))
    if const % g != 0:
        return True
    keys = set(coeffs)
    if keys == {("loop", "src"), ("loop", "dst")}:
        a = coeffs[("loop", "src")]
        return coeffs[("loop", "dst")] == -a and const == 0
    return False


def may_carry_dependence(a: Access, b: Access, loop: Operation) -> bool:
    """Whether instances of `a` and `b` in different iterations of `loop` (same iteration of the loops
    around it) may touch the same element, at least one of them writing."""
    if not (a.is_write or b.is_write) or a.memref is not b.memref:
        return False
    fa = _linear_forms(a, loop, "src")
    fb = _linear_forms(b, loop, "dst")
    if fa is None or fb is None or len(fa) != len(fb):
        return True
    return not any(_subscript_rules_out(x, y) for x, y in zip(fa, fb))


def collect_accesses(root: Operation) -> list[Access] | None:
    """The affine reads and writes nested in `root` on memrefs defined outside it; None when some other op
    in it has memory effects (it could touch anything)."""
    from mlir_py.definition.traits import Allocate, get_memory_effects

    accesses = []
    for op in root.walk():
        if op is root:
            continue
        if isinstance(op, READS + WRITES):
            defining = getattr(op.memref, "op", None)
            if defining is not None and root.is_ancestor(defining):
                continue
            accesses.append(Access(op))
        elif op.name in ("affine.for", "affine.yield", "affine.if", "affine.parallel"):
            continue
        else:
            effects = get_memory_effects(op)
            if effects is None or any(not isinstance(e, Allocate) for e in effects):
                return None
    return accesses


def is_loop_memory_parallel(loop: ForOp) -> bool:
    """No dependence carried by `loop` through memory (upstream's isLoopMemoryParallel, conservatively)."""
    if any(getattr(t, "name", "") == "builtin.memref" for t in (r.type for r in loop.results)):
        return False
    accesses = collect_accesses(loop)
    if accesses is None:
        return False
    return not any(may_carry_dependence(a, b, loop) for a in accesses for b in accesses)


def is_uniform_band(band: list[ForOp]) -> bool:
    """Every pair of conflicting accesses in the band has subscripts with the same loop coefficients on
    both sides (constant dependence distances), or a subscript proving independence: rectangular tiles
    then cannot reverse a dependence (upstream rejects tiling for dependences it finds negative)."""
    root = band[0]
    accesses = collect_accesses(root)
    if accesses is None:
        return True
    for a in accesses:
        for b in accesses:
            if not (a.is_write or b.is_write) or a.memref is not b.memref:
                continue
            fa, fb = _linear_forms(a, root, "src"), _linear_forms(b, root, "dst")
            if fa is None or fb is None:
                return False
            if any(_subscript_rules_out(x, y) for x, y in zip(fa, fb)):
                continue
            for x, y in zip(fa, fb):
                if _loop_coefficients(x) != _loop_coefficients(y):
                    return False
    return True


def _loop_coefficients(form: dict) -> dict:
    out = {}
    for k, c in form.items():
        if k == 1:
            continue
        if k[0] == "loop":
            out["root"] = c
        elif k[0] == "other":
            out[k[1]] = c
        else:
            out[k] = c
    return out
