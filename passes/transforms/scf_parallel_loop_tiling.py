"""`scf-parallel-loop-tiling`: split each innermost `scf.parallel` into a loop
over tiles and a loop within a tile (upstream's ParallelLoopTiling), so that
`gpu-map-parallel-loops` puts tiles on blocks and the points of a tile on
threads.

```mlir
scf.parallel (%i) = (%lb) to (%ub) step (%s) { ... %i ... }
```
becomes, with `parallel-loop-tile-sizes=T`,
```mlir
%st = arith.muli %s, %cT : index
scf.parallel (%i0) = (%lb) to (%ub) step (%st) {
  %n = affine.min affine_map<(d0, d1, d2) -> (d0, d1 - d2)>(%st, %ub, %i0)
  scf.parallel (%j) = (%c0) to (%n) step (%s) {
    %i = arith.addi %j, %i0 : index
    ...
```
The inner bound is the full tile when the trip count is a known multiple of
the tile size; with `no-min-max-bounds` it is always the full tile and an
`scf.if` on `%j * %s + %i0 < %ub` guards the body instead of the
`affine.min`. Dimensions past the given sizes get tile size 1. Loops with
reductions are left alone, as upstream.
"""

from __future__ import annotations

from mlir_py.dialects import arith, scf
from mlir_py.dialects.affine import MinOp

from mlir_py.ir.affine_expr import AffineMap, dim
from mlir_py.ir.builtin_attributes import AffineMapAttr, IntegerAttr
from mlir_py.ir.builtin_types import i1, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import ListOption, Option, Pass, PassFailure, register_pass
from mlir_py.rewrite.folding import constant_value
from mlir_py.rewrite.pattern import PatternRewriter

_MIN_MAP = AffineMap(3, 0, (dim(0), dim(1) - dim(2)))


def _const_index(v: Value) -> int | None:
    if not isinstance(getattr(v, "op", None), arith.ConstantOp):
        return None
    a = constant_value(v)
    return a.value if isinstance(a, IntegerAttr) else None


def innermost_parallel_loops(root: Operation, out: list[scf.ParallelOp]) -> bool:
    """Collect the `scf.parallel` ops under `root` that hold no other one (upstream's
    getInnermostParallelLoops); returns whether `root` encloses any."""
    encloses = False
    for region in root.regions:
        for block in region.blocks:
            for op in block.ops:
                nested = innermost_parallel_loops(op, out)
                encloses |= nested
                if isinstance(op, scf.ParallelOp):
                    encloses = True
                    if not nested:
                        out.append(op)
    return encloses


def tile_parallel_loop(op: scf.ParallelOp, tile_sizes: list[int], no_min_max_bounds: bool = False
                       ) -> tuple[scf.ParallelOp, scf.ParallelOp]:
    """Replace `op` by the outer (tiles) and inner (points of a tile) loops; returns them."""
    rw = PatternRewriter()
    rw.set_insertion_point(op)

    def c(value: int, t=index) -> Value:
        return rw.create(arith.ConstantOp, IntegerAttr(value, t)).result

    zero = c(0)
    n = len(op.induction_vars)
    tiles = [c(tile_sizes[i] if i < len(tile_sizes) else 1) for i in range(n)]
    steps = [rw.create(arith.MulIOp, s, t).result for s, t in zip(op.step, tiles)]
    outer = rw.insert(scf.ParallelOp.build(list(op.lowerBound), list(op.upperBound), steps))
    assert isinstance(outer, scf.ParallelOp)
    rw.set_insertion_point(outer.body.last_op)
    bounds: list[Value] = []
    need_check = False
    for lb, ub, new_step, iv, step, size in zip(op.lowerBound, op.upperBound, steps, outer.induction_vars,
                                                 op.step, (tile_sizes[i] if i < len(tile_sizes) else 1
                                                           for i in range(n))):
        lbc, ubc, stc = _const_index(lb), _const_index(ub), _const_index(step)
        if lbc is not None and ubc is not None and stc is not None and stc != 0:
            trips = -((lbc - ubc) // stc)
            if trips % size == 0:
                bounds.append(new_step)
                continue
        if no_min_max_bounds:
            bounds.append(new_step)
            need_check = True
            continue
        bounds.append(rw.create(MinOp, [new_step, ub, iv], map=AffineMapAttr(_MIN_MAP), result_types=[index]).result)
    inner = rw.insert(scf.ParallelOp.build([zero] * n, bounds, list(op.step)))
    assert isinstance(inner, scf.ParallelOp)
    body = op.body
    if no_min_max_bounds and need_check:
        rw.set_insertion_point(inner.body.last_op)
        inbound = c(1, i1)
        for ub, oiv, iiv, st in zip(outer.upperBound, outer.induction_vars, inner.induction_vars, inner.step):
            idx = rw.create(arith.AddIOp, rw.create(arith.MulIOp, iiv, st).result, oiv).result
            ok = rw.create(arith.CmpIOp, "slt", idx, ub).result
            inbound = rw.create(arith.AndIOp, inbound, ok).result
        guard = rw.insert(scf.IfOp.build(inbound))
        assert isinstance(guard, scf.IfOp)
        rw.set_insertion_point(inner.body.first_op)
        news = [rw.create(arith.AddIOp, iiv, oiv).result for iiv, oiv in zip(inner.induction_vars,
                                                                             outer.induction_vars)]
        then = guard.then_block
        for arg, new in zip(body.args, news):
            arg.replace_all_uses_with(new)
        term = body.last_op
        for o in list(body.ops):
            if o is not term:
                o.detach()
                then.insert_before(then.last_op, o)
    else:
        inner.body.last_op.erase()
        rw.set_insertion_point_to_start(inner.body)
        news = [rw.create(arith.AddIOp, iiv, oiv).result for iiv, oiv in zip(inner.induction_vars,
                                                                             outer.induction_vars)]
        for arg, new in zip(body.args, news):
            arg.replace_all_uses_with(new)
        for o in list(body.ops):
            o.detach()
            inner.body.append(o)
    op.erase()
    return outer, inner


@register_pass
class ScfParallelLoopTiling(Pass):
    """Tile the innermost `scf.parallel` loops (see the module docstring)."""

    name = "scf-parallel-loop-tiling"
    summary = "Tile parallel loops"
    display_name = "SCFParallelLoopTiling"
    options = [
        ListOption("parallel-loop-tile-sizes", int, [], "Factors to tile parallel loops by"),
        Option("no-min-max-bounds", bool, False,
               "Perform tiling with fixed upper bound with inbound check inside the internal loops"),
    ]

    def run_on_operation(self, op: Operation) -> None:
        if 0 in self.parallel_loop_tile_sizes:
            raise PassFailure("tile size cannot be 0")
        if any(t < 0 for t in self.parallel_loop_tile_sizes):
            raise PassFailure("tile size cannot be negative")
        loops: list[scf.ParallelOp] = []
        innermost_parallel_loops(op, loops)
        for loop in loops:
            if not loop.results:
                tile_parallel_loop(loop, self.parallel_loop_tile_sizes, self.no_min_max_bounds)


__all__ = ["ScfParallelLoopTiling", "innermost_parallel_loops", "tile_parallel_loop"]
