"""Canonicalization patterns of the scf dialect (a subset of upstream's, the
ones lowering benefits from):

- `scf.for`: iter_args that are only forwarded are dropped
  (ForOpIterArgsFolder); loops that never run are replaced by their inits,
  loops that run once by their body, and loops whose body only yields values
  from outside by those values (SimplifyTrivialLoops);
- `scf.if`: a constant condition inlines the taken region (RemoveStaticCondition),
  and the condition's own value is known inside each region (see `if_patterns.py`);
  unused results are dropped; results whose two yielded values come from
  outside become `arith.select` (ConvertTrivialIfToSelect); an empty `else`
  is removed;
- `scf.execute_region`: inlined into its parent when it has one block, or
  when the parent is a function or another execute_region (unless `no_inline`);
- `scf.index_switch` on a constant runs the matching region inline;
- `scf.parallel`: a dimension that never runs removes the loop, one that runs
  once disappears (RemoveEmptyParallelLoops, CollapseSingleIterationLoops);
  a parallel loop directly nesting another becomes one (MergeNestedParallelLoops);
- `scf.forall`: constant bounds become static, the induction variable of a
  dimension that runs once becomes its lower bound, and unless mapped,
  such dimensions (or the whole loop, or one that never runs) disappear.
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.dialects.arith import ConstantOp, SelectOp
from mlir_py.dialects.cf import BranchOp
from mlir_py.dialects.scf.branches import ExecuteRegionOp, IfOp, IndexSwitchOp
from mlir_py.dialects.scf.for_while import ForOp, YieldOp
from mlir_py.dialects.scf.if_patterns import (
    combine_ifs,
    propagate_condition,
    replace_yield_with_condition_or_value,
    swap_negated_condition,
)
from mlir_py.dialects.scf.parallel import ForallOp, ParallelOp, ReduceOp, ReduceReturnOp
from mlir_py.dialects.scf.syntax import constant_bool, constant_int

from mlir_py.definition.opdef import _segment_attr
from mlir_py.definition.traits import CallableOpInterface
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import DYNAMIC, IntegerType, i64, index
from mlir_py.ir.operation import Operation, Region, Value
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def replace_op_with_region(rw: PatternRewriter, op: Operation, region: Region, args: Sequence[Value] = ()) -> None:
    """Inline the single block of `region` before `op` (its arguments bound to `args`)
    and replace `op` by what the block's terminator yields (upstream's replaceOpWithRegion)."""
    block = region.first_block
    assert block is not None
    term = block.last_op
    assert term is not None
    rw.inline_block_before(block, op, list(args))
    # read after inlining: a yielded block argument is now the value bound to it
    results = list(term.operands)
    rw.replace_op(op, results)
    rw.erase_op(term)


# -- scf.for --------------------------------------------------------------------------------


def _trip_count(op: ForOp) -> int | None:
    """The number of iterations when the bounds (and, beyond zero, the step) are constants."""
    if op.lowerBound is op.upperBound:
        return 0
    lb, ub = constant_int(op.lowerBound), constant_int(op.upperBound)
    if lb is None or ub is None:
        return None
    t = op.lowerBound.type
    width = t.width if isinstance(t, IntegerType) else 64
    mask = (1 << width) - 1
    lb, ub = lb & mask, ub & mask
    if "unsignedCmp" not in op.properties:
        lb, ub = (lb - (1 << width) if lb >> (width - 1) else lb), (ub - (1 << width) if ub >> (width - 1) else ub)
    if ub <= lb:
        return 0
    step = constant_int(op.step)
    if step is None:
        return None
    step &= mask
    if step == 0 or step >> (width - 1):
        return None
    return -((lb - ub) // step)


@pattern(ForOp)
def simplify_trivial_loops(op: Operation, rw: PatternRewriter) -> bool:
    """No iteration: the inits. One iteration: the body, inline. An empty body yielding
    values from outside, run at least once: those values."""
    assert isinstance(op, ForOp)
    n = _trip_count(op)
    if n is None:
        return False
    if n == 0:
        rw.replace_op(op, list(op.initArgs))
        return True
    if n == 1:
        replace_op_with_region(rw, op, op.region, [op.lowerBound] + list(op.initArgs))
        return True
    body = op.body
    if body.first_op is not body.last_op:
        return False
    yielded = op.yielded_values
    if any(_defined_inside(op, v) for v in yielded):
        return False
    rw.replace_op(op, yielded)
    return True


def _defined_inside(op: Operation, v: Value) -> bool:
    block = v.parent_block
    owner = None if block is None or block.parent is None else block.parent.parent
    return owner is not None and op.is_ancestor(owner)


@pattern(ForOp)
def fold_forwarded_iter_args(op: Operation, rw: PatternRewriter) -> bool:
    """Drop iter_args the loop only passes along: yielded unchanged, or unused inside
    with the init yielded or the result unused; the result becomes the init."""
    assert isinstance(op, ForOp)
    term = op.body.last_op
    if not isinstance(term, YieldOp):
        return False
    inits, args, yielded = list(op.initArgs), op.region_iter_args, list(term.operands)
    forwarded = [y is a or (not a.has_uses() and (i is y or not r.has_uses()))
                 for i, a, r, y in zip(inits, args, op.results, yielded)]
    if not any(forwarded):
        return False
    kept = [i for i, f in zip(inits, forwarded) if not f]
    new = ForOp.build(op.lowerBound, op.upperBound, op.step, kept, unsigned="unsignedCmp" in op.properties)
    new.attributes.update(op.attributes)
    rw.set_insertion_point(op)
    rw.insert(new)
    new_args = iter(new.region_iter_args)
    block_args = [new.induction_var] + [i if f else next(new_args) for i, f in zip(inits, forwarded)]
    new_results = iter(new.results)
    replacements = [i if f else next(new_results) for i, f in zip(inits, forwarded)]
    if not kept:
        rw.inline_block_before(op.body, new.body.last_op, block_args)
        rw.erase_op(term)
    else:
        rw.merge_blocks(op.body, new.body, block_args)
        rw.set_insertion_point(term)
        # the yield's operands as remapped by the merge (a yielded block argument is now the new one)
        rw.insert(YieldOp.create([y for y, f in zip(term.operands, forwarded) if not f]))
        rw.erase_op(term)
    rw.replace_op(op, replacements)
    return True


# -- scf.if -----------------------------------------------------------------------------------


@pattern(IfOp)
def remove_static_condition(op: Operation, rw: PatternRewriter) -> bool:
    """`scf.if %true` runs `then` inline; `scf.if %false` runs `else` (or nothing)."""
    assert isinstance(op, IfOp)
    c = constant_bool(op.condition)
    if c is None:
        return False
    if c:
        replace_op_with_region(rw, op, op.thenRegion)
    elif op.elseRegion.is_empty():
        rw.erase_op(op)
    else:
        replace_op_with_region(rw, op, op.elseRegion)
    return True


def _yield_of(region: Region) -> YieldOp | None:
    b = region.first_block
    t = None if b is None else b.last_op
    return t if isinstance(t, YieldOp) else None


def _rebuild_if(op: IfOp, rw: PatternRewriter, keep: list[bool]) -> IfOp:
    """A new scf.if taking over `op`'s regions, yielding only the results in `keep`."""
    types = [r.type for r, k in zip(op.results, keep) if k]
    new = IfOp.create([op.condition], types, {}, dict(op.attributes), [Region(), Region()])
    rw.set_insertion_point(op)
    rw.insert(new)
    for src, dst in zip(op.regions, new.regions):
        rw.inline_region_before(src, dst)
        y = _yield_of(dst)
        if y is not None:
            rw.set_insertion_point(y)
            rw.insert(YieldOp.create([v for v, k in zip(y.operands, keep) if k]))
            rw.erase_op(y)
    return new


@pattern(IfOp)
def remove_unused_results(op: Operation, rw: PatternRewriter) -> bool:
    """Results nobody uses are no longer yielded."""
    assert isinstance(op, IfOp)
    keep = [r.has_uses() for r in op.results]
    if all(keep) or not op.results:
        return False
    new = _rebuild_if(op, rw, keep)
    it = iter(new.results)
    rw.replace_op(op, [next(it) if k else None for k in keep])
    return True


@pattern(IfOp)
def convert_trivial_if_to_select(op: Operation, rw: PatternRewriter) -> bool:
    """A result whose `then` and `else` values both come from outside the if becomes
    `arith.select` (or the value itself when both are the same)."""
    assert isinstance(op, IfOp)
    if not op.results or op.elseRegion.is_empty():
        return False
    ty, ey = _yield_of(op.thenRegion), _yield_of(op.elseRegion)
    if ty is None or ey is None:
        return False
    pairs = list(zip(ty.operands, ey.operands))
    inside = [_defined_inside(op, t) or _defined_inside(op, e) for t, e in pairs]
    if all(inside):
        return False
    # the selects go before the if that keeps the other results, as upstream orders them
    rw.set_insertion_point(op)
    direct: list[Value | None] = []
    for (t, e), keep in zip(pairs, inside):
        if keep:
            direct.append(None)
        elif t is e:
            direct.append(t)
        else:
            direct.append(rw.create(SelectOp, op.condition, t, e).result)
    # the if stays (its regions may have effects), yielding only what could not be hoisted
    rest = iter(_rebuild_if(op, rw, inside).results)
    replacements = [v if v is not None else next(rest) for v in direct]
    rw.replace_op(op, replacements)
    return True


@pattern(IfOp)
def remove_empty_else(op: Operation, rw: PatternRewriter) -> bool:
    """An `else` holding only an operand-less `scf.yield` is dropped."""
    assert isinstance(op, IfOp)
    b = op.else_block
    if b is None or b.first_op is not b.last_op:
        return False
    y = b.last_op
    if not isinstance(y, YieldOp) or y.operands:
        return False
    rw.erase_block(b)
    return True


# -- scf.execute_region ---------------------------------------------------------------------


@pattern(ExecuteRegionOp)
def inline_single_block_execute(op: Operation, rw: PatternRewriter) -> bool:
    """A one-block execute_region is just its ops."""
    if "no_inline" in op.properties or not op.regions[0].has_one_block():
        return False
    y = op.regions[0].first_block.last_op
    if not isinstance(y, YieldOp):
        return False
    replace_op_with_region(rw, op, op.regions[0])
    return True


@pattern(ExecuteRegionOp)
def inline_multi_block_execute(op: Operation, rw: PatternRewriter) -> bool:
    """Inside a function or another execute_region, the blocks move into the parent:
    each `scf.yield` becomes a `cf.br` to the block after the op, which takes the results."""
    parent = op.parent_op
    if "no_inline" in op.properties or parent is None:
        return False
    if not (parent.has_trait(CallableOpInterface) or isinstance(parent, ExecuteRegionOp)):
        return False
    region = op.regions[0]
    if any(not isinstance(b.last_op, YieldOp) and b.last_op is not None and not b.last_op.successors
           for b in region.blocks):
        return False
    prev = op.parent
    post = rw.split_block(prev, op)
    entry = region.first_block
    rw.set_insertion_point_to_end(prev)
    rw.create(BranchOp, [], dest=entry)
    for b in list(region.blocks):
        y = b.last_op
        if isinstance(y, YieldOp):
            rw.set_insertion_point(y)
            rw.create(BranchOp, list(y.operands), dest=post)
            rw.erase_op(y)
    rw.inline_region_before(region, prev.parent, post)
    args = [post.add_argument(r.type, op.location) for r in op.results]
    rw.replace_op(op, args)
    return True


# -- scf.index_switch -------------------------------------------------------------------------


@pattern(IndexSwitchOp)
def fold_constant_case(op: Operation, rw: PatternRewriter) -> bool:
    """A switch on a constant runs the matching case (or default) inline; so does one
    with no case at all."""
    assert isinstance(op, IndexSwitchOp)
    v = constant_int(op.arg)
    if v is None and op.caseRegions:
        return False
    region = op.defaultRegion
    for c, r in zip(op.cases.values, op.caseRegions):
        if c == v:
            region = r
            break
    if not region.has_one_block():
        return False
    replace_op_with_region(rw, op, region)
    return True


FOR_PATTERNS = [fold_forwarded_iter_args, simplify_trivial_loops]
# in upstream's order (equal benefits apply in registration order); the `if (!c)` swap is upstream's fold
IF_PATTERNS = [swap_negated_condition, combine_ifs, propagate_condition, convert_trivial_if_to_select,
               remove_empty_else, remove_static_condition, remove_unused_results,
               replace_yield_with_condition_or_value]
EXECUTE_REGION_PATTERNS = [inline_single_block_execute, inline_multi_block_execute]
@pattern(IndexSwitchOp)
def remove_unused_switch_results(op: Operation, rw: PatternRewriter) -> bool:
    """Results nobody uses are no longer yielded by any region."""
    assert isinstance(op, IndexSwitchOp)
    keep = [r.has_uses() for r in op.results]
    if all(keep) or not op.results:
        return False
    new = IndexSwitchOp.create([op.arg], [r.type for r, k in zip(op.results, keep) if k],
                               dict(op.properties), dict(op.attributes), [Region() for _ in op.regions])
    rw.set_insertion_point(op)
    rw.insert(new)
    for src, dst in zip(op.regions, new.regions):
        rw.inline_region_before(src, dst)
        y = _yield_of(dst)
        if y is not None:
            rw.set_insertion_point(y)
            rw.insert(YieldOp.create([v for v, k in zip(y.operands, keep) if k]))
            rw.erase_op(y)
    it = iter(new.results)
    rw.replace_op(op, [next(it) if k else None for k in keep])
    return True


@pattern(IndexSwitchOp)
def replace_switch_result_yielded_everywhere(op: Operation, rw: PatternRewriter) -> bool:
    """A result every region yields the same value for is that value."""
    assert isinstance(op, IndexSwitchOp)
    yields = [_yield_of(r) for r in op.regions]
    if any(y is None for y in yields):
        return False
    changed = False
    for i, r in enumerate(op.results):
        first = yields[0].operands[i]
        if r.has_uses() and all(y.operands[i] is first for y in yields):
            rw.replace_all_uses_with(r, first)
            changed = True
    return changed


INDEX_SWITCH_PATTERNS = [fold_constant_case, remove_unused_switch_results, replace_switch_result_yielded_everywhere]



# -- scf.parallel -------------------------------------------------------------------------------


def _index_trip_count(lb: Value, ub: Value, step: Value) -> int | None:
    """Iterations of one index dimension with constant bounds and step (upstream's constantTripCount)."""
    if lb is ub:
        return 0
    lo, hi, st = constant_int(lb), constant_int(ub), constant_int(step)
    if lo is None or hi is None:
        return None
    if hi <= lo:
        return 0
    if st is None or st <= 0:
        return None
    return -((lo - hi) // st)


@pattern(ParallelOp)
def remove_empty_parallel_loops(op: Operation, rw: PatternRewriter) -> bool:
    """A dimension with equal bounds runs nothing: the loop is its init values."""
    assert isinstance(op, ParallelOp)
    if not any(lb is ub for lb, ub in zip(op.lowerBound, op.upperBound)):
        return False
    rw.replace_op(op, list(op.initVals))
    return True


@pattern(ParallelOp)
def collapse_single_iteration_loops(op: Operation, rw: PatternRewriter) -> bool:
    """Dimensions that run once disappear (their induction variable becomes the lower
    bound); a dimension that never runs removes the loop; with no dimension left, the
    body and the reductions (applied to the init values) run inline."""
    assert isinstance(op, ParallelOp)
    keep: list[tuple[Value, Value, Value]] = []
    args: list[Value | None] = []
    for lb, ub, st in zip(op.lowerBound, op.upperBound, op.step):
        n = _index_trip_count(lb, ub, st)
        if n == 0:
            rw.replace_op(op, list(op.initVals))
            return True
        if n == 1:
            args.append(lb)
            continue
        keep.append((lb, ub, st))
        args.append(None)
    if len(keep) == len(args):
        return False
    body = op.body
    reduce = body.last_op
    if not isinstance(reduce, ReduceOp):
        return False
    if not keep:
        rw.inline_block_before(body, op, [a for a in args if a is not None])
        results = []
        for init, value, region in zip(op.initVals, reduce.operands_, reduce.reductions):
            block = region.first_block
            assert block is not None
            ret = block.last_op
            assert isinstance(ret, ReduceReturnOp)
            rw.inline_block_before(block, reduce, [init, value])
            results.append(ret.result)  # read after inlining: a returned block argument is now its value
            rw.erase_op(ret)
        rw.erase_op(reduce)
        rw.replace_op(op, results)
        return True
    new = ParallelOp.build([k[0] for k in keep], [k[1] for k in keep], [k[2] for k in keep], list(op.initVals))
    new.attributes.update(op.attributes)
    rw.set_insertion_point(op)
    rw.insert(new)
    nb = new.body
    if nb.last_op is not None:
        rw.erase_op(nb.last_op)
    it = iter(nb.args)
    rw.merge_blocks(body, nb, [a if a is not None else next(it) for a in args])
    rw.replace_op(op, list(new.results))
    return True


@pattern(ParallelOp)
def merge_nested_parallel_loops(op: Operation, rw: PatternRewriter) -> bool:
    """A parallel loop whose body is only another one with bounds independent of the
    outer induction variables, neither with reductions, is one loop over both spaces."""
    assert isinstance(op, ParallelOp)
    outer = op.body
    inner = outer.first_op
    if not isinstance(inner, ParallelOp) or inner.next_op is not outer.last_op:
        return False
    if op.initVals or inner.initVals:
        return False
    bounds = list(inner.lowerBound) + list(inner.upperBound) + list(inner.step)
    if any(any(v is a for a in outer.args) for v in bounds):
        return False
    new = ParallelOp.build(list(op.lowerBound) + list(inner.lowerBound), list(op.upperBound) +
                           list(inner.upperBound), list(op.step) + list(inner.step))
    new.attributes.update(op.attributes)
    rw.set_insertion_point(op)
    rw.insert(new)
    nb = new.body
    n = len(outer.args)
    for a, b in zip(outer.args, nb.args[:n]):
        rw.replace_all_uses_with(a, b)
    term = nb.last_op
    assert term is not None
    rw.erase_op(term)
    rw.merge_blocks(inner.body, nb, list(nb.args[n:]))
    rw.replace_op(op, [])
    return True


PARALLEL_PATTERNS = [remove_empty_parallel_loops, collapse_single_iteration_loops, merge_nested_parallel_loops]


# -- scf.forall ---------------------------------------------------------------------------------


@pattern(ForallOp)
def fold_constant_forall_bounds(op: Operation, rw: PatternRewriter) -> bool:
    """Bounds given by constant ops become static (ForallOpControlOperandsFolder)."""
    assert isinstance(op, ForallOp)
    groups = [("staticLowerBound", op.dynamicLowerBound), ("staticUpperBound", op.dynamicUpperBound),
              ("staticStep", op.dynamicStep)]
    if not any(constant_int(v) is not None for _, dyn in groups for v in dyn):
        return False
    props = dict(op.properties)
    operands: list[Value] = []
    sizes: list[int] = []
    for name, dyn in groups:
        it = iter(dyn)
        static: list[int] = []
        kept: list[Value] = []
        for x in op.properties[name].values:
            if x != DYNAMIC:
                static.append(x)
                continue
            v = next(it)
            c = constant_int(v)
            static.append(DYNAMIC if c is None else c)
            if c is None:
                kept.append(v)
        props[name] = DenseArrayAttr(i64, tuple(static))
        operands += kept
        sizes.append(len(kept))
    outs = list(op.outputs)
    props["operandSegmentSizes"] = _segment_attr(sizes + [len(outs)])

    def change() -> None:
        op.set_operands(operands + outs)
        op.properties.clear()
        op.properties.update(props)
    rw.modify_op_in_place(op, change)
    return True


def _forall_dims(op: ForallOp) -> list[tuple[int | Value, int | Value, int | Value, int | None]]:
    """Per loop: lower bound, upper bound, step, and the trip count when static."""
    out = []
    for lb, ub, st in zip(op.mixed(op.staticLowerBound, op.dynamicLowerBound),
                          op.mixed(op.staticUpperBound, op.dynamicUpperBound),
                          op.mixed(op.staticStep, op.dynamicStep)):
        n = None
        if isinstance(lb, int) and isinstance(ub, int):
            n = 0 if ub <= lb else (-((lb - ub) // st) if isinstance(st, int) and st > 0 else None)
        out.append((lb, ub, st, n))
    return out


@pattern(ForallOp)
def replace_constant_forall_ivs(op: Operation, rw: PatternRewriter) -> bool:
    """The induction variable of a dimension that runs once is its lower bound."""
    assert isinstance(op, ForallOp)
    changed = False
    for iv, (lb, _, _, n) in zip(op.induction_vars, _forall_dims(op)):
        if n == 1 and iv.has_uses():
            rw.set_insertion_point(op)
            c = lb if isinstance(lb, Value) else rw.create(ConstantOp, lb, index).result
            rw.replace_all_uses_with(iv, c)
            changed = True
    return changed


@pattern(ForallOp)
def fold_single_or_zero_iteration_dims(op: Operation, rw: PatternRewriter) -> bool:
    """Unless mapped to processing units: a dimension that never runs leaves the outputs;
    dimensions that run once disappear; with none left the body runs inline."""
    assert isinstance(op, ForallOp)
    m = op.properties.get("mapping")
    if m is not None and len(m):
        return False
    dims = _forall_dims(op)
    if any(n == 0 for *_, n in dims):
        rw.replace_op(op, list(op.outputs))
        return True
    if not any(n == 1 for *_, n in dims):
        return False
    ivs = op.induction_vars
    rw.set_insertion_point(op)
    kept = [(d, iv) for d, iv in zip(dims, ivs) if d[3] != 1]
    if not kept:
        if op.results:
            return False  # the in_parallel ops would have to become plain inserts
        args = [d[0] if isinstance(d[0], Value) else rw.create(ConstantOp, d[0], index).result for d in dims]
        term = op.body.last_op
        assert term is not None
        rw.inline_block_before(op.body, op, args)
        rw.erase_op(term)
        rw.replace_op(op, [])
        return True
    new = ForallOp.build([d[0] for d, _ in kept], [d[1] for d, _ in kept], [d[2] for d, _ in kept],
                         list(op.outputs), m)
    new.attributes.update(op.attributes)
    rw.insert(new)
    nb = new.body
    term = nb.last_op
    assert term is not None
    rw.erase_op(term)
    it = iter(nb.args)
    args = [next(it) if d[3] != 1 else (d[0] if isinstance(d[0], Value) else
                                         rw.create(ConstantOp, d[0], index).result) for d in dims]
    args += list(it)
    rw.merge_blocks(op.body, nb, args)
    rw.replace_op(op, list(new.results))
    return True


FORALL_PATTERNS = [fold_constant_forall_bounds, replace_constant_forall_ivs, fold_single_or_zero_iteration_dims]


__all__ = ["EXECUTE_REGION_PATTERNS", "FOR_PATTERNS", "IF_PATTERNS", "INDEX_SWITCH_PATTERNS", "PARALLEL_PATTERNS",
           "FORALL_PATTERNS",
           "replace_op_with_region"]
