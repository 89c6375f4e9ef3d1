"""Canonicalization patterns of the cf dialect (upstream's ControlFlowOps.cpp).

- `cf.assert` of a constant true is erased;
- `cf.cond_br` on a constant becomes a `cf.br` to the taken successor;
- `cf.cond_br` whose two successors are the same block becomes a `cf.br`
  (operands that differ are merged with `arith.select` when the branch is
  the block's only predecessor);
- `cf.br` / `cf.cond_br` to a block that only branches on is redirected to
  that block's destination (branch forwarding).

Merging a block into its single predecessor and erasing unreachable blocks
are done by the greedy driver's region simplification (see
`mlir_py.rewrite.region_simplify`), which does it in one linear sweep.
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.dialects.arith import SelectOp  # cf depends on arith, as upstream; arith never on cf
from mlir_py.dialects.cf.ops import AssertOp, BranchOp, CondBranchOp

from mlir_py.ir.operation import Block, BlockArgument, Operation, Value
from mlir_py.rewrite.folding import constant_value
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def _constant_bool(v: Value) -> bool | None:
    a = constant_value(v)
    value = getattr(a, "value", None)
    if not isinstance(value, (int, bool)):
        return None
    return bool(value)


@pattern(AssertOp)
def erase_assert_true(op: Operation, rw: PatternRewriter) -> bool:
    """`cf.assert %true, "..."` can never fire."""
    if _constant_bool(op.arg) is not True:
        return False
    rw.erase_op(op)
    return True


@pattern(CondBranchOp)
def simplify_const_cond_branch(op: Operation, rw: PatternRewriter) -> bool:
    """`cf.cond_br %true, ^a(x), ^b(y)` -> `cf.br ^a(x)`."""
    c = _constant_bool(op.condition)
    if c is None:
        return False
    dest, operands = (op.successors[0], op.trueDestOperands) if c else (op.successors[1], op.falseDestOperands)
    rw.replace_op_with_new_op(op, BranchOp, list(operands), dest=dest)
    return True


def _unique_predecessor(block: Block) -> Block | None:
    pred = None
    for b in block.parent.blocks:
        t = b.last_op
        if t is not None and block in t.successors:
            if pred is not None and pred is not b:
                return None
            pred = b
    return pred


@pattern(CondBranchOp)
def simplify_cond_branch_identical_successors(op: Operation, rw: PatternRewriter) -> bool:
    """`cf.cond_br %c, ^a(x), ^a(x)` -> `cf.br ^a(x)`; with differing operands,
    `arith.select` picks each one (only when this is ^a's sole predecessor)."""
    dest = op.successors[0]
    if dest is not op.successors[1]:
        return False
    t_ops, f_ops = op.trueDestOperands, op.falseDestOperands
    if len(t_ops) != len(f_ops):
        return False
    if all(a is b for a, b in zip(t_ops, f_ops)):
        rw.replace_op_with_new_op(op, BranchOp, list(t_ops), dest=dest)
        return True
    if _unique_predecessor(dest) is not op.parent:
        return False
    merged = [a if a is b else rw.create(SelectOp, op.condition, a, b).results[0] for a, b in zip(t_ops, f_ops)]
    rw.replace_op_with_new_op(op, BranchOp, merged, dest=dest)
    return True


def _collapse_branch(successor: Block, operands: Sequence[Value]) -> tuple[Block, list[Value]] | None:
    """Where a branch to `successor(operands)` ends up when `successor` holds
    nothing but a `cf.br` (upstream's collapseBranch); None if it does not."""
    br = successor.first_op
    if br is None or br is not successor.last_op or not isinstance(br, BranchOp):
        return None
    for a in successor.args:
        if any(use.owner is not br for use in a.uses):
            return None
    dest = br.successors[0]
    if dest is successor:
        return None  # an infinite loop: nothing to forward to
    new_operands = []
    for v in br.operands:
        if isinstance(v, BlockArgument) and v.block is successor:
            new_operands.append(operands[v.index])
        else:
            new_operands.append(v)
    return dest, new_operands


def _forward(dest: Block, operands: list[Value], rw: PatternRewriter) -> tuple[Block, list[Value]] | None:
    """The end of the chain of forwarding blocks starting at `dest`; None when
    there is none, or when the chain runs into a cycle of forwarding blocks
    (an empty infinite loop: redirecting into it would never settle).

    The forwarding blocks passed through get their own branches redirected
    to the end too (each is the same rewrite, applied to that branch), so a
    chain is walked once however many branches enter it: the first walk
    compresses it, as union-find compresses its paths."""
    chain = [dest]
    seen = {dest}
    nxt = _collapse_branch(dest, operands)
    if nxt is None:
        return None
    while True:
        after = _collapse_branch(nxt[0], nxt[1])
        if after is None:
            break
        if nxt[0] in seen:
            return None
        seen.add(nxt[0])
        chain.append(nxt[0])
        nxt = after
    if len(chain) > 2:
        _compress(chain, nxt[0], rw)
    return nxt


def _compress(chain: list[Block], end: Block, rw: PatternRewriter) -> None:
    """Point the branch of each forwarding block in `chain` (each ends in a
    `cf.br` to the next; the last one's goes to `end`) straight at `end`."""
    last = chain[-1].last_op
    forwarded = list(last.operands)  # in terms of the current block's arguments
    for block in reversed(chain[:-1]):
        br = block.last_op
        nxt = br.successors[0]
        br_ops = br.operands
        forwarded = [br_ops[v.index] if isinstance(v, BlockArgument) and v.block is nxt else v
                     for v in forwarded]
        if br.successors[0] is not end:
            rw.replace_op_with_new_op(br, BranchOp(forwarded, dest=end, location=br.location))


@pattern(BranchOp)
def simplify_pass_through_br(op: Operation, rw: PatternRewriter) -> bool:
    """`cf.br ^a(x)` where `^a(y): cf.br ^b(y)` -> `cf.br ^b(x)`."""
    fwd = _forward(op.successors[0], list(op.operands), rw)
    if fwd is None:
        return False
    rw.replace_op_with_new_op(op, BranchOp, fwd[1], dest=fwd[0])
    return True


@pattern(CondBranchOp)
def simplify_pass_through_cond_branch(op: Operation, rw: PatternRewriter) -> bool:
    """Forward each successor of a `cf.cond_br` through blocks that only branch on."""
    t_dest, t_ops = op.successors[0], list(op.trueDestOperands)
    f_dest, f_ops = op.successors[1], list(op.falseDestOperands)
    t_new = _forward(t_dest, t_ops, rw)
    f_new = _forward(f_dest, f_ops, rw)
    if t_new is None and f_new is None:
        return False
    if t_new is not None:
        t_dest, t_ops = t_new
    if f_new is not None:
        f_dest, f_ops = f_new
    new = CondBranchOp(op.condition, t_ops, f_ops, trueDest=t_dest, falseDest=f_dest)
    weights = op.properties.get("branch_weights")
    if weights is not None:
        new.properties["branch_weights"] = weights
    rw.replace_op_with_new_op(op, new)
    return True


ASSERT_PATTERNS = [erase_assert_true]
BRANCH_PATTERNS = [simplify_pass_through_br]
COND_BRANCH_PATTERNS = [simplify_const_cond_branch, simplify_cond_branch_identical_successors,
                        simplify_pass_through_cond_branch]

__all__ = ["ASSERT_PATTERNS", "BRANCH_PATTERNS", "COND_BRANCH_PATTERNS"]
