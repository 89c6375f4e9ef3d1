"""`convert-scf-to-cf`: structured control flow to a CFG of `cf` branches
(upstream's SCFToControlFlow), block for block as upstream builds it:

- `scf.for`: the enclosing block branches to a condition block taking the
  induction variable and the iter_args, which compares (`slt`, or `ult` for
  `unsigned`) and enters the body or leaves to the block after the loop; the
  body's last block adds the step and branches back.
- `scf.if`: a `cf.cond_br` to the inlined regions, which branch to a
  continuation block (a separate block taking the results when there are any).
- `scf.while`: `before` and `after` inlined; `scf.condition` becomes a
  `cf.cond_br`; a do-while (an `after` region that only forwards its
  arguments) loops on the `before` block alone.
- `scf.parallel` becomes nested `scf.for` loops (reductions folded into
  iter_args), then lowers as above; `scf.forall` without results becomes
  `scf.parallel` first.
- `scf.index_switch`: an `arith.index_cast` to i64 and a `cf.switch`.
- `scf.execute_region`: its blocks inlined, `scf.yield` branching to the
  block after it.

It is a partial conversion: other ops stay as they are; an scf op that
cannot be lowered (an `scf.forall` with `shared_outs`) fails the pass.

```
mir-opt --convert-scf-to-cf f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects.arith import AddIOp, CmpIOp, ConstantOp, IndexCastOp
from mlir_py.dialects.cf import BranchOp, CondBranchOp, SwitchOp
from mlir_py.dialects.scf import (
    ConditionOp,
    ExecuteRegionOp,
    ForallOp,
    ForOp,
    IfOp,
    IndexSwitchOp,
    ParallelOp,
    ReduceOp,
    ReduceReturnOp,
    WhileOp,
    YieldOp,
)

from mlir_py.ir.builtin_types import i64, index
from mlir_py.ir.operation import Block, Operation, Region, Value
from mlir_py.pass_manager import Pass, register_pass
from mlir_py.rewrite.conversion import ConversionTarget, apply_partial_conversion
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def _entry(region: Region) -> Block:
    b = region.first_block
    assert b is not None
    return b


@pattern(ForOp)
def lower_for(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, ForOp)
    init_block = op.parent
    assert init_block is not None
    end_block = rw.split_block(init_block, op)
    cond_block = _entry(op.region)
    first_body = rw.split_block(cond_block, cond_block.first_op)
    last_body = op.region.last_block
    assert last_body is not None
    rw.inline_region_before(op.region, end_block.parent, end_block)
    iv = cond_block.args[0]
    term = last_body.last_op
    assert term is not None
    rw.set_insertion_point_to_end(last_body)
    stepped = rw.create(AddIOp, iv, op.step).result
    rw.create(BranchOp, [stepped] + list(term.operands), dest=cond_block)
    rw.erase_op(term)
    rw.set_insertion_point_to_end(init_block)
    rw.create(BranchOp, [op.lowerBound] + list(op.initArgs), dest=cond_block)
    rw.set_insertion_point_to_end(cond_block)
    pred = "ult" if "unsignedCmp" in op.properties else "slt"
    cmp = rw.create(CmpIOp, pred, iv, op.upperBound).result
    rw.create(CondBranchOp, cmp, [], [], trueDest=first_body, falseDest=end_block)
    rw.replace_op(op, list(cond_block.args[1:]))
    return True


@pattern(IfOp)
def lower_if(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, IfOp)
    cond_block = op.parent
    assert cond_block is not None
    remaining = rw.split_block(cond_block, op)
    if not op.results:
        cont = remaining
    else:
        cont = rw.create_block(remaining.parent, [r.type for r in op.results], before=remaining)
        rw.create(BranchOp, [], dest=remaining)
    then_block = _entry(op.thenRegion)
    _branch_region_to(rw, op.thenRegion, cont)
    rw.inline_region_before(op.thenRegion, cont.parent, cont)
    else_block = cont
    if not op.elseRegion.is_empty():
        else_block = _entry(op.elseRegion)
        _branch_region_to(rw, op.elseRegion, cont)
        rw.inline_region_before(op.elseRegion, cont.parent, cont)
    rw.set_insertion_point_to_end(cond_block)
    rw.create(CondBranchOp, op.condition, [], [], trueDest=then_block, falseDest=else_block)
    rw.replace_op(op, list(cont.args))
    return True


def _branch_region_to(rw: PatternRewriter, region: Region, dest: Block) -> None:
    """The terminator of the region's last block becomes a branch to `dest` with its operands."""
    last = region.last_block
    assert last is not None
    term = last.last_op
    assert term is not None
    rw.set_insertion_point_to_end(last)
    rw.create(BranchOp, list(term.operands), dest=dest)
    rw.erase_op(term)


@pattern(WhileOp, benefit=2)
def lower_do_while(op: Operation, rw: PatternRewriter) -> bool:
    """An `after` region that only forwards its arguments: loop on `before` alone."""
    assert isinstance(op, WhileOp)
    after = op.after_body
    y = after.first_op
    if y is not after.last_op or not isinstance(y, YieldOp) or list(y.operands) != list(after.args):
        return False
    current = op.parent
    assert current is not None
    cont = rw.split_block(current, op)
    before = op.before_body
    rw.inline_region_before(op.before, cont.parent, cont)
    rw.set_insertion_point_to_end(current)
    rw.create(BranchOp, list(op.inits), dest=before)
    cond = before.last_op
    assert isinstance(cond, ConditionOp)
    args = list(cond.args)
    rw.set_insertion_point(cond)
    rw.create(CondBranchOp, cond.condition, args, [], trueDest=before, falseDest=cont)
    rw.erase_op(cond)
    rw.replace_op(op, args)
    return True


@pattern(WhileOp)
def lower_while(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, WhileOp)
    current = op.parent
    assert current is not None
    cont = rw.split_block(current, op)
    after, before = op.after_body, op.before_body
    rw.inline_region_before(op.after, cont.parent, cont)
    rw.inline_region_before(op.before, cont.parent, after)
    rw.set_insertion_point_to_end(current)
    rw.create(BranchOp, list(op.inits), dest=before)
    cond = before.last_op
    assert isinstance(cond, ConditionOp)
    args = list(cond.args)
    rw.set_insertion_point(cond)
    rw.create(CondBranchOp, cond.condition, args, [], trueDest=after, falseDest=cont)
    rw.erase_op(cond)
    y = after.last_op
    assert y is not None
    rw.set_insertion_point(y)
    rw.create(BranchOp, list(y.operands), dest=before)
    rw.erase_op(y)
    rw.replace_op(op, args)
    return True


@pattern(ParallelOp)
def lower_parallel(op: Operation, rw: PatternRewriter) -> bool:
    """A nest of scf.for, outermost first; each reduction region is inlined at the
    innermost body's end, combining the iter_arg (lhs) with the reduced value (rhs)."""
    assert isinstance(op, ParallelOp)
    reduce = op.body.last_op
    if not isinstance(reduce, ReduceOp):
        return False
    iter_args: list[Value] = list(op.initVals)
    ivs: list[Value] = []
    loop_results: list[Value] = list(iter_args)
    first = True
    for lb, ub, st in zip(op.lowerBound, op.upperBound, op.step):
        loop = rw.insert(ForOp.build(lb, ub, st, iter_args))
        assert isinstance(loop, ForOp)
        ivs.append(loop.induction_var)
        iter_args = loop.region_iter_args
        if first:
            loop_results = list(loop.results)
            first = False
        elif loop.results:
            rw.set_insertion_point_to_end(rw.insertion_block)
            rw.insert(YieldOp.create(list(loop.results)))
        rw.set_insertion_point_to_start(loop.body)
    yields: list[Value] = []
    for i, region in enumerate(reduce.reductions):
        block = _entry(region)
        ret = block.last_op
        assert isinstance(ret, ReduceReturnOp)
        arg = iter_args[len(yields)]
        rw.inline_block_before(block, reduce, [arg, reduce.operands_[i]])
        yields.append(ret.result)  # read after inlining: a returned block argument is now its value
        rw.erase_op(ret)
    rw.erase_op(reduce)
    new_body = rw.insertion_block
    assert new_body is not None
    if new_body.is_empty():
        rw.merge_blocks(op.body, new_body, ivs)
    else:
        rw.inline_block_before(op.body, new_body.last_op, ivs)
    if yields:
        rw.set_insertion_point_to_end(new_body)
        rw.insert(YieldOp.create(yields))
    rw.replace_op(op, loop_results)
    return True


@pattern(ForallOp)
def lower_forall(op: Operation, rw: PatternRewriter) -> bool:
    """Only a forall without results (fully bufferized) becomes an scf.parallel."""
    assert isinstance(op, ForallOp)
    if op.results:
        return rw.notify_match_failure(op, "only fully bufferized scf.forall ops can be lowered to scf.parallel")

    def values(static, dynamic) -> list[Value]:
        return [x if isinstance(x, Value) else rw.create(ConstantOp, x, index).result
                for x in op.mixed(static, dynamic)]

    lbs = values(op.staticLowerBound, op.dynamicLowerBound)
    ubs = values(op.staticUpperBound, op.dynamicUpperBound)
    steps = values(op.staticStep, op.dynamicStep)
    par = rw.insert(ParallelOp.build(lbs, ubs, steps))
    assert isinstance(par, ParallelOp)
    rw.erase_block(par.body)
    rw.inline_region_before(op.region, par.region)
    body = par.body
    term = body.last_op
    assert term is not None
    rw.set_insertion_point(term)
    rw.insert(ReduceOp.create())
    rw.erase_op(term)
    mapping = op.properties.get("mapping")
    if mapping is not None:
        par.attributes["mapping"] = mapping
    rw.replace_op(op, list(par.results))
    return True


@pattern(IndexSwitchOp)
def lower_index_switch(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, IndexSwitchOp)
    cond_block = op.parent
    assert cond_block is not None
    cont = rw.split_block(cond_block, op)
    results = [cont.add_argument(r.type, op.location) for r in op.results]

    def convert(region: Region) -> Block:
        block = _entry(region)
        y = block.last_op
        assert isinstance(y, YieldOp)
        rw.set_insertion_point(y)
        rw.create(BranchOp, list(y.operands), dest=cont)
        rw.erase_op(y)
        rw.inline_region_before(region, cont.parent, cont)
        return block

    case_blocks = [convert(r) for r in op.caseRegions]
    default = convert(op.defaultRegion)
    rw.set_insertion_point_to_end(cond_block)
    flag = rw.create(IndexCastOp, op.arg, result_types=[i64]).result
    rw.insert(SwitchOp.build(flag, default, [], list(op.cases.values), case_blocks))
    rw.replace_op(op, results)
    return True


@pattern(ExecuteRegionOp)
def lower_execute_region(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, ExecuteRegionOp)
    cond_block = op.parent
    assert cond_block is not None
    remaining = rw.split_block(cond_block, op)
    region = op.regions[0]
    rw.set_insertion_point_to_end(cond_block)
    rw.create(BranchOp, [], dest=_entry(region))
    for b in list(region.blocks):
        t = b.last_op
        if isinstance(t, YieldOp):
            rw.set_insertion_point_to_end(b)
            rw.create(BranchOp, list(t.operands), dest=remaining)
            rw.erase_op(t)
    rw.inline_region_before(region, remaining.parent, remaining)
    args = [remaining.add_argument(r.type, op.location) for r in op.results]
    rw.replace_op(op, args)
    return True


PATTERNS = [lower_for, lower_if, lower_do_while, lower_while, lower_parallel, lower_forall, lower_index_switch,
            lower_execute_region]


@register_pass
class ConvertSCFToControlFlow(Pass):
    """Lower the scf dialect's ops to cf branches between blocks (see the module docstring)."""

    name = "convert-scf-to-cf"
    summary = "Convert SCF dialect to ControlFlow dialect, replacing structured control flow with a CFG"
    display_name = "SCFToControlFlowPass"

    def run_on_operation(self, op: Operation) -> None:
        target = ConversionTarget()
        target.add_illegal_op(ForallOp, ForOp, IfOp, IndexSwitchOp, ParallelOp, WhileOp, ExecuteRegionOp)
        target.mark_unknown_ops_dynamically_legal()
        if not apply_partial_conversion(op, target, PATTERNS):
            self.signal_failure()


__all__ = ["PATTERNS", "ConvertSCFToControlFlow"]
