"""scf.while canonicalizations (upstream's set, in its order): loop-invariant
`before` arguments and `scf.condition` values are replaced by the values they
always hold; the condition is known true in `after`, and so is the same
comparison of the forwarded values; a loop whose condition is constant false
runs `before` once, inline; unused results, duplicated results and
unused `before` arguments are dropped; `scf.condition` forwarding the `before`
arguments in another order is put in their order; an scf.if on the loop's
condition right before `scf.condition` moves down into `after`.

Each pattern builds a new scf.while and moves the old regions into it; values a
terminator forwards are read after the blocks have been merged, when a
forwarded block argument already names its replacement.
"""

from __future__ import annotations

from typing import Any, Sequence

from mlir_py.dialects.arith import CmpIOp, ConstantOp
from mlir_py.dialects.scf.branches import IfOp
from mlir_py.dialects.scf.for_while import ConditionOp, WhileOp, YieldOp
from mlir_py.dialects.scf.syntax import constant_bool

from mlir_py.ir.operation import Block, Region, Value
from mlir_py.rewrite.pattern import PatternRewriter, pattern

_INVERSE = {"eq": "ne", "ne": "eq", "slt": "sge", "sge": "slt", "sle": "sgt", "sgt": "sle",
            "ult": "uge", "uge": "ult", "ule": "ugt", "ugt": "ule"}


def _parts(op: WhileOp) -> tuple[Block, Block, ConditionOp, YieldOp] | None:
    before, after = op.before.first_block, op.after.first_block
    if before is None or after is None:
        return None
    cond, yld = before.last_op, after.last_op
    if not isinstance(cond, ConditionOp) or not isinstance(yld, YieldOp):
        return None
    return before, after, cond, yld


def _new_while(rw: PatternRewriter, op: WhileOp, result_types: Sequence[Any], inits: Sequence[Value],
               before_types: Sequence[Any] | None = None) -> WhileOp:
    """A new loop before `op` with empty blocks: `before` taking `before_types` (the
    inits' types by default), `after` taking the result types."""
    types = [v.type for v in inits] if before_types is None else list(before_types)
    new = WhileOp.create(list(inits), list(result_types), {}, None,
                         [Region([Block(types)]), Region([Block(list(result_types))])])
    rw.set_insertion_point(op)
    rw.insert(new)
    return new


def _replace_terminator(rw: PatternRewriter, term: Any, operands: Sequence[Value]) -> None:
    rw.set_insertion_point(term)
    if isinstance(term, ConditionOp):
        rw.insert(ConditionOp.create([term.condition] + list(operands)))
    else:
        rw.insert(YieldOp.create(list(operands)))
    rw.erase_op(term)


@pattern(WhileOp)
def remove_invariant_before_args(op, rw: PatternRewriter) -> bool:
    """A `before` argument that always receives its init (yielded back unchanged,
    directly or through `after`) is the init."""
    parts = _parts(op)
    if parts is None:
        return False
    before, after, cond, yld = parts
    inits = list(op.inits)
    invariant = []
    for i, (init, y) in enumerate(zip(inits, yld.operands)):
        inv = y is init
        if not inv and getattr(y, "owner", None) is after:
            c = cond.args[y.index]
            inv = c is before.args[i] or c is init
        invariant.append(inv)
    if not any(invariant):
        return False
    kept_yields = [y for y, inv in zip(yld.operands, invariant) if not inv]
    _replace_terminator(rw, yld, kept_yields)
    new = _new_while(rw, op, [r.type for r in op.results], [v for v, inv in zip(inits, invariant) if not inv],
                     [v.type for v in kept_yields])
    nb = new.before_body
    it = iter(nb.args)
    rw.merge_blocks(before, nb, [init if inv else next(it) for init, inv in zip(inits, invariant)])
    rw.erase_block(new.after_body)
    rw.inline_region_before(op.after, new.after)
    rw.replace_op(op, list(new.results))
    return True


@pattern(WhileOp)
def remove_invariant_condition_values(op, rw: PatternRewriter) -> bool:
    """A value `scf.condition` forwards from outside `before` is that value, in
    `after` and as the loop's result."""
    parts = _parts(op)
    if parts is None:
        return False
    before, after, cond, _ = parts
    outside = [v.parent_block is not before for v in cond.args]
    if not any(outside):
        return False
    args = list(cond.args)
    kept = [v for v, o in zip(args, outside) if not o]
    _replace_terminator(rw, cond, kept)
    new = _new_while(rw, op, [v.type for v in kept], list(op.inits))
    na = new.after_body
    it_args, it_res = iter(na.args), iter(new.results)
    after_args, results = [], []
    for v, o in zip(args, outside):
        if o:
            after_args.append(v)
            results.append(v)
        else:
            after_args.append(next(it_args))
            results.append(next(it_res))
    rw.merge_blocks(after, na, after_args)
    rw.erase_block(new.before_body)
    rw.inline_region_before(op.before, new.before)
    rw.replace_op(op, results)
    return True


@pattern(WhileOp)
def condition_true_in_after(op, rw: PatternRewriter) -> bool:
    """Where `scf.condition` forwards its own condition, `after` sees `true`."""
    parts = _parts(op)
    if parts is None:
        return False
    _, after, cond, _ = parts
    true = None
    changed = False
    for v, a in zip(cond.args, after.args):
        if v is cond.condition and a.has_uses():
            if true is None:
                rw.set_insertion_point(op)
                true = rw.create(ConstantOp, True).result
            rw.replace_all_uses_with(a, true)
            changed = True
    return changed


@pattern(WhileOp)
def known_comparison_in_after(op, rw: PatternRewriter) -> bool:
    """`after` repeating the condition's `arith.cmpi` on the forwarded value knows its
    result (true, or false for the inverse predicate)."""
    parts = _parts(op)
    if parts is None:
        return False
    _, after, cond, _ = parts
    cmp = getattr(cond.condition, "owner", None)
    if not isinstance(cmp, CmpIOp):
        return False
    pred = cmp.predicate_name
    changed = False
    for v, a in zip(cond.args, after.args):
        for idx in (0, 1):
            if v is not cmp.operands[idx]:
                continue
            for use in list(a.uses):
                cmp2 = use.owner
                if not isinstance(cmp2, CmpIOp) or cmp2.parent is None:
                    continue
                if cmp2.operands[1 - idx] is not cmp.operands[1 - idx]:
                    continue
                if cmp2.predicate_name == pred:
                    same = True
                elif cmp2.predicate_name == _INVERSE[pred]:
                    same = False
                else:
                    continue
                rw.set_insertion_point(cmp2)
                rw.replace_op(cmp2, [rw.create(ConstantOp, same).result])
                changed = True
    return changed


@pattern(WhileOp)
def remove_unused_results(op, rw: PatternRewriter) -> bool:
    """A result unused both after the loop and in `after` is not forwarded."""
    parts = _parts(op)
    if parts is None:
        return False
    _, after, cond, _ = parts
    keep = [r.has_uses() or a.has_uses() for r, a in zip(op.results, after.args)]
    if all(keep):
        return False
    _replace_terminator(rw, cond, [v for v, k in zip(cond.args, keep) if k])
    new = _new_while(rw, op, [r.type for r, k in zip(op.results, keep) if k], list(op.inits))
    rw.erase_block(new.before_body)
    rw.inline_region_before(op.before, new.before)
    it_args, it_res = iter(new.after_body.args), iter(new.results)
    rw.merge_blocks(after, new.after_body, [next(it_args) if k else a for a, k in zip(after.args, keep)])
    rw.replace_op(op, [next(it_res) if k else None for k in keep])
    return True


@pattern(WhileOp)
def remove_duplicated_results(op, rw: PatternRewriter) -> bool:
    """A value `scf.condition` forwards twice becomes one result."""
    parts = _parts(op)
    if parts is None:
        return False
    before, after, cond, _ = parts
    args = list(cond.args)
    unique: list[Value] = []
    for v in args:
        if not any(v is u for u in unique):
            unique.append(v)
    if len(unique) == len(args):
        return False
    pos = [next(i for i, u in enumerate(unique) if u is v) for v in args]
    _replace_terminator(rw, cond, unique)
    new = _new_while(rw, op, [v.type for v in unique], list(op.inits))
    rw.merge_blocks(before, new.before_body, list(new.before_body.args))
    rw.merge_blocks(after, new.after_body, [new.after_body.args[p] for p in pos])
    rw.replace_op(op, [new.results[p] for p in pos])
    return True


@pattern(WhileOp)
def remove_unused_before_args(op, rw: PatternRewriter) -> bool:
    """A `before` argument nothing uses no longer takes an init or a yielded value."""
    parts = _parts(op)
    if parts is None:
        return False
    before, after, _, yld = parts
    used = [a.has_uses() for a in before.args]
    if all(used):
        return False
    new_yields = [y for y, u in zip(yld.operands, used) if u]
    new_inits = [v for v, u in zip(op.inits, used) if u]
    for i in reversed(range(len(used))):
        if not used[i]:
            before.erase_argument(i)
    new = _new_while(rw, op, [r.type for r in op.results], new_inits)
    _replace_terminator(rw, yld, new_yields)
    rw.merge_blocks(before, new.before_body, list(new.before_body.args))
    rw.merge_blocks(after, new.after_body, list(new.after_body.args))
    rw.replace_op(op, list(new.results))
    return True


@pattern(WhileOp)
def align_condition_with_before_args(op, rw: PatternRewriter) -> bool:
    """`scf.condition` forwarding exactly the `before` arguments, permuted, forwards
    them in order; `after` and the results follow the permutation."""
    parts = _parts(op)
    if parts is None:
        return False
    before, after, cond, _ = parts
    bargs, targs = list(before.args), list(cond.args)
    if len(bargs) != len(targs) or all(a is b for a, b in zip(bargs, targs)):
        return False
    if any(any(t is u for u in targs[:i]) for i, t in enumerate(targs)):
        return False
    mapping = []
    for t in targs:
        j = next((k for k, b in enumerate(bargs) if b is t), None)
        if j is None:
            return False
        mapping.append(j)
    _replace_terminator(rw, cond, bargs)
    types: list[Any] = [None] * len(bargs)
    for i, j in enumerate(mapping):
        types[j] = op.results[i].type
    new = _new_while(rw, op, types, list(op.inits))
    rw.merge_blocks(before, new.before_body, list(new.before_body.args))
    rw.merge_blocks(after, new.after_body, [new.after_body.args[j] for j in mapping])
    rw.replace_op(op, [new.results[j] for j in mapping])
    return True


@pattern(WhileOp)
def inline_while_false(op, rw: PatternRewriter) -> bool:
    """A loop whose condition is constant false runs `before` once: inline it; the
    results are what `scf.condition` forwards."""
    parts = _parts(op)
    if parts is None:
        return False
    before, _, cond, _ = parts
    if constant_bool(cond.condition) is not False:
        return False
    rw.inline_block_before(before, op, list(op.inits))
    results = list(cond.args)  # read after inlining: forwarded block arguments are now the inits
    rw.erase_op(cond)
    rw.replace_op(op, results)
    return True


def _defined_in_before(op: WhileOp, v: Value) -> bool:
    b = v.parent_block
    return b is not None and b.parent is op.before


@pattern(WhileOp)
def move_if_down(op, rw: PatternRewriter) -> bool:
    """An scf.if on the loop's condition right before `scf.condition` (its results
    only forwarded, no work in `else`) runs at the start of `after` instead: the
    values it uses from `before` are forwarded too, `after` sees what `then`
    yields, and the loop's results what `else` yields."""
    parts = _parts(op)
    if parts is None:
        return False
    before, after, cond, _ = parts
    if_op = cond.prev_op
    if not isinstance(if_op, IfOp) or if_op.condition is not cond.condition:
        return False
    eb = if_op.else_block
    if eb is not None and eb.first_op is not eb.last_op:
        return False
    if any(u is not cond for r in if_op.results for u in r.users):
        return False
    then_yield = if_op.then_block.last_op
    else_yield = None if eb is None else eb.last_op
    if not isinstance(then_yield, YieldOp) or (if_op.results and not isinstance(else_yield, YieldOp)):
        return False
    extra: list[Value] = []
    for nested in if_op.thenRegion.walk():
        for v in nested.operands:
            if _defined_in_before(op, v) and not any(v is e for e in extra):
                extra.append(v)
    n = len(op.results)
    new = WhileOp.create(list(op.inits), [r.type for r in op.results] + [v.type for v in extra], {}, None,
                         [Region(), Region()])
    rw.set_insertion_point(op)
    rw.insert(new)
    rw.inline_region_before(op.before, new.before)
    rw.inline_region_before(op.after, new.after)
    new_args = [after.add_argument(v.type, op.location) for v in extra]
    rw.modify_op_in_place(cond, lambda: cond.set_operands(list(cond.operands) + extra))
    for v, a in zip(extra, new_args):
        rw.replace_uses_with_if(v, a, lambda use: _inside(if_op.thenRegion, use.owner))
    # `after` runs only when the condition holds: there the forwarded if results are the `then` values
    for k, v in enumerate(list(cond.args[:n])):
        if getattr(v, "owner", None) is if_op:
            rw.replace_all_uses_with(after.args[k], then_yield.operands[v.index])
    rw.erase_op(then_yield)
    first = after.first_op
    assert first is not None  # the yield at least
    rw.inline_block_before(if_op.then_block, first, [])
    rw.replace_op(if_op, list(else_yield.operands) if isinstance(else_yield, YieldOp) else [])
    rw.replace_op(op, list(new.results[:n]))
    return True


def _inside(region: Region, op) -> bool:
    r = op.parent_region
    while r is not None:
        if r is region:
            return True
        p = r.parent_op
        r = None if p is None else p.parent_region
    return False


WHILE_PATTERNS = [inline_while_false, remove_invariant_before_args, remove_invariant_condition_values,
                  condition_true_in_after,
                  known_comparison_in_after, remove_unused_results, remove_duplicated_results,
                  remove_unused_before_args, align_condition_with_before_args, move_if_down]

__all__ = ["WHILE_PATTERNS"]
