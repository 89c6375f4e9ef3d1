"""`affine-loop-unroll`: unroll the innermost affine.for loops (upstream's
LoopUnroll), as upstream builds it:

- by `unroll-factor` (default 4): the step is multiplied by the factor and
  the body is repeated, copy `k` using `affine.apply (d0) -> (d0 + k * step)`
  of the induction variable and the values the previous copy yielded; when
  the trip count is not known to be a multiple of the factor, a cleanup loop
  (a copy of the original) runs from the unrolled loop's new upper bound
  `lb + (trip - trip mod factor) * step` (also bounded below by the original
  lower bound when the bounds are not constants); loops with a trip count
  below the factor are left alone, or fully unrolled with `cleanup-unroll`;
- `unroll-factor=-1`: loops with a constant trip count are unrolled
  completely, or with `unroll-full-threshold=N` only those running at most N
  times (all loops, not just innermost); `unroll-up-to-factor` unrolls by the smaller
  of the factor and the trip count; `unroll-num-reps` repeats the pass on
  the new innermost loops;
- a loop left with one iteration is replaced by its body (the induction
  variable becomes its lower bound; constants go to the top of the function).

```
mir-opt --affine-loop-unroll="unroll-factor=8" f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects.affine import ApplyOp, ForOp
from mlir_py.dialects.affine.map_utils import canonicalize_map_and_operands, compose_affine_map_and_operands
from mlir_py.dialects.arith import ConstantOp
from mlir_py.passes.transforms.affine_loops import (
    constant_trip_count,
    largest_divisor_of_trip_count,
    set_bounds,
    trip_count_map,
)

from mlir_py.ir.affine_expr import AffineMap, dim
from mlir_py.ir.affine_flatten import simplify_affine_map
from mlir_py.ir.builtin_attributes import AffineMapAttr, IntegerAttr
from mlir_py.ir.builtin_types import index
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass


def _apply(amap: AffineMap, operands) -> ApplyOp:
    return ApplyOp.create(list(operands), [index], {"map": AffineMapAttr(amap)})


def promote_if_single_iteration(loop: ForOp) -> bool:
    """Replace a loop that runs exactly once by its body (upstream's promoteIfSingleIteration)."""
    if constant_trip_count(loop) != 1 or loop.lower_bound_map.num_results != 1:
        return False
    iv = loop.induction_var
    block = loop.parent
    if iv.has_uses():
        if loop.has_constant_lower_bound():
            func = loop.parent_op
            while func is not None and func.name != "func.func":
                func = func.parent_op
            c = ConstantOp(IntegerAttr(loop.lower_bound_map.get_single_constant(), index))
            if func is not None:
                func.regions[0].first_block.prepend(c)
            else:
                block.insert_before(loop, c)
            iv.replace_all_uses_with(c.result)
        else:
            lb_ops = list(loop.lower_bound_operands)
            if loop.lower_bound_map is AffineMap(1, 0, (dim(0),)):
                iv.replace_all_uses_with(lb_ops[0])
            else:
                apply = _apply(loop.lower_bound_map, lb_ops)
                block.insert_before(loop, apply)
                iv.replace_all_uses_with(apply.results[0])
    body = loop.body.first_block
    term = body.last_op
    for r, v in zip(loop.results, term.operands):
        r.replace_all_uses_with(v)
    for arg, init in zip(loop.region_iter_args, loop.inits):
        arg.replace_all_uses_with(init)
    term.erase()
    for op in list(body.ops):
        op.detach()
        block.insert_before(loop, op)
    loop.erase()
    return True


def cleanup_lower_bound(loop: ForOp, factor: int) -> tuple[AffineMap, list[Value]] | None:
    """`lb + (trip - trip mod factor) * step` per trip-count result (getCleanupLoopLowerBound)."""
    found = trip_count_map(loop)
    if found is None:
        return None
    trip_map, trip_ops = found
    step = loop.step_value
    lb = _apply(loop.lower_bound_map, loop.lower_bound_operands)
    bumps = [_apply(AffineMap(trip_map.num_dims, trip_map.num_symbols, ((e - e % factor) * step,)), trip_ops)
             for e in trip_map.results]
    exprs = [dim(0) + dim(i + 1) for i in range(len(bumps))]
    amap = AffineMap(1 + len(bumps), 0, exprs)
    amap, operands = compose_affine_map_and_operands(amap, [lb.results[0]] + [b.results[0] for b in bumps])
    amap = simplify_affine_map(amap)
    amap, operands = canonicalize_map_and_operands(amap, operands)
    for op in [lb] + bumps:
        op.erase()
    return amap, operands


def generate_cleanup_loop(loop: ForOp, factor: int) -> bool:
    """Clone `loop` after itself as the cleanup loop and end `loop` where the cleanup starts."""
    bound = cleanup_lower_bound(loop, factor)
    if bound is None:
        return False
    cmap, cops = bound
    mapper: dict = {}
    cleanup = loop.clone(mapper)
    loop.parent.insert_after(loop, cleanup)
    for r, cr in zip(loop.results, cleanup.results):
        r.replace_all_uses_with(cr)
    # the cleanup loop starts from what the unrolled loop computed
    n_bounds = len(cleanup.lower_bound_operands) + len(cleanup.upper_bound_operands)
    for i, r in enumerate(loop.results):
        cleanup.set_operand(n_bounds + i, r)
    lb_map, lb_ops = cmap, cops
    if not (loop.has_constant_lower_bound() and loop.has_constant_upper_bound()):
        # never start below the original lower bound (a negative trip count)
        orig = loop.lower_bound_map
        dims = cops[:cmap.num_dims] + list(loop.lower_bound_operands)[:orig.num_dims]
        syms = cops[cmap.num_dims:] + list(loop.lower_bound_operands)[orig.num_dims:]
        shifted = orig.shift_dims(cmap.num_dims).shift_symbols(cmap.num_symbols)
        lb_map = AffineMap(cmap.num_dims + orig.num_dims, cmap.num_symbols + orig.num_symbols,
                           list(cmap.results) + list(shifted.results))
        lb_map, lb_ops = canonicalize_map_and_operands(lb_map, dims + syms)
    set_bounds(cleanup, lb_map, lb_ops, cleanup.upper_bound_map, list(cleanup.upper_bound_operands))
    promote_if_single_iteration(cleanup)
    set_bounds(loop, loop.lower_bound_map, list(loop.lower_bound_operands), cmap, cops)
    return True


def _unrolled_body(loop: ForOp, factor: int, step: int) -> None:
    body = loop.body.first_block
    term = body.last_op
    originals = list(body.ops)[:-1]
    iv = loop.induction_var
    iter_args = list(loop.region_iter_args)
    yielded = list(term.operands)
    last = list(yielded)
    for i in range(1, factor):
        mapper: dict = dict(zip(iter_args, last))
        if iv.has_uses():
            bump = _apply(AffineMap(1, 0, (dim(0) + i * step,)), [iv])
            body.insert_before(term, bump)
            mapper[iv] = bump.results[0]
        for op in originals:
            body.insert_before(term, op.clone(mapper))
        for k, v in enumerate(yielded):
            d = getattr(v, "op", None)
            if d is not None and d.parent is body:
                last[k] = mapper.get(v, v)
    term.set_operands(last)


def unroll_by_factor(loop: ForOp, factor: int, cleanup_unroll: bool = False) -> bool:
    """Upstream's loopUnrollByFactor (see the module docstring); False when the loop is left alone."""
    trip = constant_trip_count(loop)
    if factor == 1:
        if trip == 1:
            return promote_if_single_iteration(loop)
        return True
    if len(loop.body.first_block) == 1:
        return True
    if trip is not None and trip < factor:
        return unroll_full(loop) if cleanup_unroll else False
    if largest_divisor_of_trip_count(loop) % factor != 0:
        if loop.lower_bound_map.num_results != 1 or loop.upper_bound_map.num_results != 1:
            return False
        if cleanup_unroll:
            return unroll_full(loop)
        if not generate_cleanup_loop(loop, factor):
            return False
    step = loop.step_value
    loop.properties["step"] = IntegerAttr(step * factor, index)
    _unrolled_body(loop, factor, step)
    promote_if_single_iteration(loop)
    return True


def unroll_full(loop: ForOp) -> bool:
    """Unroll completely when the trip count is a constant."""
    trip = constant_trip_count(loop)
    if trip is None:
        return False
    if trip == 0:
        return True
    if trip == 1:
        return promote_if_single_iteration(loop)
    return unroll_by_factor(loop, trip)


def unroll_up_to_factor(loop: ForOp, factor: int) -> bool:
    """Unroll by `factor`, or by the trip count when it is smaller."""
    trip = constant_trip_count(loop)
    if trip is not None and trip < factor:
        return unroll_by_factor(loop, trip)
    return unroll_by_factor(loop, factor)


def innermost_loops(op: Operation) -> list[ForOp]:
    """affine.for ops that hold no other affine.for, in post order."""
    return [o for o in op.walk() if isinstance(o, ForOp) and not any(isinstance(x, ForOp) and x is not o
                                                                     for x in o.walk())]


@register_pass
class LoopUnroll(Pass):
    """Unroll affine loops (see the module docstring)."""

    name = "affine-loop-unroll"
    summary = "Unroll affine loops"
    display_name = "LoopUnroll"
    anchor = "func.func"
    options = [
        Option("unroll-factor", int, 4, "Use this unroll factor for all loops being unrolled, set it to -1, and "
                                        "it will fully unroll."),
        Option("unroll-up-to-factor", bool, False, "Allow unrolling up to the factor specified"),
        Option("unroll-num-reps", int, 1, "Unroll innermost loops repeatedly this many times"),
        Option("unroll-full-threshold", int, None, "Unroll all loops with trip count less than or equal to this"),
        Option("cleanup-unroll", bool, False, "Fully unroll the cleanup loop when possible."),
    ]

    def run_on_operation(self, op: Operation) -> None:
        if self.unroll_factor == 0 or self.unroll_factor < -1:
            op.emit_error("Invalid option: 'unroll-factor' should be greater than 0 or equal to -1")
            self.signal_failure()
            return
        if self.unroll_num_reps < 0 or (self.unroll_full_threshold is not None and self.unroll_full_threshold < 0):
            op.emit_error("Invalid option: 'unroll-num-reps' and 'unroll-full-threshold' should be non-negative")
            self.signal_failure()
            return
        if not op.regions or op.regions[0].is_empty():
            return
        full = self.unroll_factor == -1
        if full and self.unroll_full_threshold is not None:
            loops = [o for o in op.walk() if isinstance(o, ForOp)]
            for loop in loops:
                trip = constant_trip_count(loop)
                if trip is not None and trip <= self.unroll_full_threshold:
                    unroll_full(loop)
            return
        for _ in range(self.unroll_num_reps):
            loops = innermost_loops(op)
            if not loops:
                break
            unrolled = False
            for loop in loops:
                if full:
                    unrolled |= unroll_full(loop)
                elif self.unroll_up_to_factor:
                    unrolled |= unroll_up_to_factor(loop, self.unroll_factor)
                else:
                    unrolled |= unroll_by_factor(loop, self.unroll_factor, self.cleanup_unroll)
            if not unrolled:
                break


__all__ = ["LoopUnroll", "promote_if_single_iteration", "unroll_by_factor", "unroll_full", "unroll_up_to_factor"]
