"""scf.if canonicalizations that reason about the condition (upstream's
ConditionPropagation, ReplaceIfYieldWithConditionOrValue, CombineIfs and the
`if (!c)` fold):

- inside `then` the condition is known true, inside `else` false;
- a result yielding the same value on both sides is that value; one yielding
  `true`/`false` (or `false`/`true`) is the condition (or its negation);
- `scf.if (xor %c, true)` with an `else` swaps its regions to test `%c`;
- two consecutive ifs on the same condition (or its negation) become one.
"""

from __future__ import annotations

from mlir_py.dialects.arith import ConstantOp, XOrIOp
from mlir_py.dialects.scf.branches import IfOp
from mlir_py.dialects.scf.for_while import YieldOp
from mlir_py.dialects.scf.syntax import constant_bool

from mlir_py.ir.operation import Block, Operation, Region, Value
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def _inside(region: Region, op: Operation) -> bool:
    """`op` is nested (at any depth) in `region`."""
    r = op.parent_region
    while r is not None:
        if r is region:
            return True
        p = r.parent_op
        r = None if p is None else p.parent_region
    return False


def _negated(v: Value) -> Value | None:
    """`%c` when `v` is `arith.xori %c, true`, else None."""
    d = getattr(v, "owner", None)
    if isinstance(d, XOrIOp) and constant_bool(d.rhs) is True:
        return d.lhs
    return None


def _yield(block: Block | None) -> YieldOp | None:
    t = None if block is None else block.last_op
    return t if isinstance(t, YieldOp) else None


@pattern(IfOp)
def propagate_condition(op: Operation, rw: PatternRewriter) -> bool:
    """Uses of the condition inside `then` become `true`, inside `else` `false`."""
    assert isinstance(op, IfOp)
    cond = op.condition
    if constant_bool(cond) is not None:
        return False
    consts: dict[bool, Value] = {}
    changed = False
    for use in list(cond.uses):
        user = use.owner
        for region, known in ((op.thenRegion, True), (op.elseRegion, False)):
            if _inside(region, user):
                if known not in consts:
                    rw.set_insertion_point(op)
                    consts[known] = rw.create(ConstantOp, known).result
                rw.modify_op_in_place(user, lambda u=use, k=known: u.set(consts[k]))
                changed = True
    return changed


@pattern(IfOp)
def replace_yield_with_condition_or_value(op: Operation, rw: PatternRewriter) -> bool:
    """A result yielding one value on both sides is that value; `true`/`false` is the
    condition and `false`/`true` its negation."""
    assert isinstance(op, IfOp)
    ty, ey = _yield(op.then_block), _yield(op.else_block)
    if not op.results or ty is None or ey is None:
        return False
    changed = False
    rw.set_insertion_point(op)
    for t, f, r in zip(ty.operands, ey.operands, op.results):
        if not r.has_uses():
            continue
        if t is f:
            rw.replace_all_uses_with(r, t)
            changed = True
            continue
        tv, fv = constant_bool(t), constant_bool(f)
        if tv is True and fv is False:
            rw.replace_all_uses_with(r, op.condition)
            changed = True
        elif tv is False and fv is True:
            one = rw.create(ConstantOp, True).result
            rw.replace_all_uses_with(r, rw.create(XOrIOp, op.condition, one).result)
            changed = True
    return changed


@pattern(IfOp)
def swap_negated_condition(op: Operation, rw: PatternRewriter) -> bool:
    """`scf.if (xor %c, true) A else B` is `scf.if %c B else A`."""
    assert isinstance(op, IfOp)
    c = _negated(op.condition)
    if c is None or op.elseRegion.is_empty():
        return False
    new = IfOp.create([c], [r.type for r in op.results], {}, dict(op.attributes), [Region(), Region()])
    rw.set_insertion_point(op)
    rw.insert(new)
    rw.inline_region_before(op.elseRegion, new.thenRegion)
    rw.inline_region_before(op.thenRegion, new.elseRegion)
    rw.replace_op(op, list(new.results))
    return True


@pattern(IfOp)
def combine_ifs(op: Operation, rw: PatternRewriter) -> bool:
    """An if right after another on the same condition (or its negation) joins it: the
    regions run one after the other and the results of both come from one op."""
    assert isinstance(op, IfOp)
    prev = op.prev_op
    if not isinstance(prev, IfOp):
        return False
    next_then: Block | None = None
    next_else: Block | None = None
    if op.condition is prev.condition:
        next_then, next_else = op.then_block, op.else_block
    if _negated(op.condition) is prev.condition or _negated(prev.condition) is op.condition:
        next_then, next_else = op.else_block, op.then_block
    if next_then is None and next_else is None:
        return False
    pty, pey = _yield(prev.then_block), _yield(prev.else_block)
    if pty is None:
        return False
    prev_else = list(pey.operands) if pey is not None else []
    for i, r in enumerate(prev.results):
        for use in list(r.uses):
            if next_then is not None and _inside(next_then.parent, use.owner):
                rw.modify_op_in_place(use.owner, lambda u=use, v=pty.operands[i]: u.set(v))
            elif next_else is not None and i < len(prev_else) and _inside(next_else.parent, use.owner):
                rw.modify_op_in_place(use.owner, lambda u=use, v=prev_else[i]: u.set(v))
    types = [r.type for r in prev.results] + [r.type for r in op.results]
    combined = IfOp.create([prev.condition], types, {}, None, [Region(), Region()])
    rw.set_insertion_point(op)
    rw.insert(combined)
    rw.inline_region_before(prev.thenRegion, combined.thenRegion)
    if next_then is not None:
        _append_block(rw, next_then, combined.then_block)
    rw.inline_region_before(prev.elseRegion, combined.elseRegion)
    if next_else is not None:
        if combined.elseRegion.is_empty():
            rw.inline_region_before(next_else.parent, combined.elseRegion)
        else:
            _append_block(rw, next_else, combined.else_block)
    n = len(prev.results)
    rw.replace_op(prev, list(combined.results[:n]))
    rw.replace_op(op, list(combined.results[n:]))
    return True


def _append_block(rw: PatternRewriter, source: Block, dest: Block | None) -> None:
    """Run `source` after `dest`'s ops; one yield returns both blocks' values."""
    assert dest is not None
    first, second = _yield(dest), _yield(source)
    assert first is not None and second is not None
    rw.merge_blocks(source, dest)
    rw.set_insertion_point_to_end(dest)
    rw.insert(YieldOp.create(list(first.operands) + list(second.operands)))
    rw.erase_op(first)
    rw.erase_op(second)


IF_CONDITION_PATTERNS = [propagate_condition, replace_yield_with_condition_or_value, swap_negated_condition,
                         combine_ifs]

__all__ = ["IF_CONDITION_PATTERNS"]
