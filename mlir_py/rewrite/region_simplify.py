"""CFG clean-up run by the greedy driver after each sweep of its worklist.

Three rewrites, each one pass over a multi-block region's blocks (single
block regions have nothing to do, so the common case costs one walk):

- erase blocks unreachable from the entry block;
- merge a block into its only predecessor when that predecessor ends in a
  plain unconditional branch (a side-effect-free BranchOpInterface
  terminator with one successor whose operands are all forwarded);
- erase block arguments nothing reads, dropping the matching operands of
  every branch to the block. An argument only forwarded, through branches,
  into other unread arguments (a loop-carried value nobody reads) is unread
  too. This needs the branch's successor operands to be a contiguous operand
  range (a segment of its own when the op has `operandSegmentSizes`), which
  holds for cf.br/cf.cond_br-style branches; other branches are left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from mlir_py.definition.traits import BranchOpInterface, is_pure
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.operation import Block, Operation, Region

if TYPE_CHECKING:
    from mlir_py.rewrite.pattern import PatternRewriter


def simplify_regions(rewriter: PatternRewriter, regions: Sequence[Region]) -> bool:
    """Run the three CFG clean-ups on `regions` and the regions nested in them; whether anything changed."""
    changed = False
    stack = list(regions)
    while stack:
        region = stack.pop()
        first = region._first_block
        if first is not None and first._next_block is not None:
            changed |= erase_unreachable_blocks(rewriter, region)
            changed |= merge_single_predecessor_blocks(rewriter, region)
            changed |= erase_dead_block_arguments(rewriter, region)
        block = region._first_block
        while block is not None:
            op = block._first
            while op is not None:
                if op.regions:
                    stack.extend(op.regions)
                op = op._next
            block = block._next_block
    return changed


def erase_unreachable_blocks(rewriter: PatternRewriter, region: Region) -> bool:
    """Erase the blocks of `region` no path from the entry block reaches; whether any was erased."""
    entry = region._first_block
    if entry is None:
        return False
    reachable = {entry}
    todo = [entry]
    while todo:
        t = todo.pop()._last
        if t is None:
            continue
        for s in t.successors:
            if s not in reachable:
                reachable.add(s)
                todo.append(s)
    dead = [b for b in region.blocks if b not in reachable]
    if not dead:
        return False
    # Dead blocks may use each other's values; erasing a block cuts the uses
    # of its values, so the order does not matter.
    for b in dead:
        rewriter.erase_block(b)
    return True


def _is_plain_branch(t: Operation) -> bool:
    return (len(t.successors) == 1 and BranchOpInterface in t.traits and not t.results and not t.regions
            and len(t.get_successor_operands(0)) == len(t._operands) and is_pure(t))


def merge_single_predecessor_blocks(rewriter: PatternRewriter, region: Region) -> bool:
    """Merge each block into its only predecessor when that ends in a plain unconditional branch."""
    entry = region._first_block
    incoming: dict[Block, int] = {}
    for b in region.blocks:
        t = b._last
        if t is not None:
            for s in t.successors:
                incoming[s] = incoming.get(s, 0) + 1
    changed = False
    block = entry
    while block is not None:
        t = block._last
        if t is not None and t.successors and _is_plain_branch(t):
            succ = t.successors[0]
            if succ is not block and succ is not entry and succ.parent is region and incoming.get(succ) == 1:
                args = list(t.get_successor_operands(0))
                rewriter.erase_op(t)
                rewriter.merge_blocks(succ, block, args)
                changed = True
                continue
        block = block._next_block
    return changed


# -- dead block arguments --------------------------------------------------------


def successor_operand_ranges(t: Operation) -> list[tuple[int, int]] | None:
    """(start, length) in `t`'s operands of each successor's forwarded
    operands, or None when they are not laid out as removable ranges."""
    n = len(t.successors)
    lists = [t.get_successor_operands(i) for i in range(n)]
    start = len(t._operands) - sum(len(v) for v in lists)
    if start < 0:
        return None
    ranges = []
    pos = start
    for vals in lists:
        for k, v in enumerate(vals):
            if t._operands[pos + k].value is not v:
                return None
        ranges.append((pos, len(vals)))
        pos += len(vals)
    seg = t.properties.get("operandSegmentSizes")
    if seg is not None:
        if any(isinstance(a, DenseArrayAttr) for k, a in t.properties.items() if k != "operandSegmentSizes"):
            return None  # other segment-like bookkeeping (a switch's case sizes) we cannot update
        bounds = set()
        p = 0
        for size in seg.values:
            bounds.add((p, size))
            p += size
        if any(size and (s, size) not in bounds for s, size in ranges):
            return None
    return ranges


def _erase_successor_operand(rewriter: PatternRewriter, t: Operation, succ: int, arg: int) -> None:
    ranges = successor_operand_ranges(t)
    assert ranges is not None, "callers erase only from removable ranges"
    start, _ = ranges[succ]
    pos = start + arg

    def update():
        vals = [o.value for o in t._operands]
        del vals[pos]
        t.set_operands(vals)
        seg = t.properties.get("operandSegmentSizes")
        if seg is not None:
            sizes = list(seg.values)
            p = 0
            for i, size in enumerate(sizes):
                if p <= pos < p + size:
                    sizes[i] -= 1
                    break
                p += size
            t.properties["operandSegmentSizes"] = DenseArrayAttr(seg.element_type, tuple(sizes))
    rewriter.modify_op_in_place(t, update)


def erase_dead_block_arguments(rewriter: PatternRewriter, region: Region) -> bool:
    """Drop block arguments nothing reads, with the matching operands of the branches to them."""
    entry = region._first_block
    edges: dict[Block, list[tuple[Operation, int]]] = {}
    ranges_of: dict[Operation, list[tuple[int, int]] | None] = {}
    for b in region.blocks:
        t = b._last
        if t is None or not t.successors:
            continue
        ok = BranchOpInterface in t.traits
        ranges_of[t] = successor_operand_ranges(t) if ok else None
        for i, s in enumerate(t.successors):
            edges.setdefault(s, []).append((t, i))
    candidates: set[Block] = set()
    for b, es in edges.items():
        if b is entry or b.parent is not region or not b.args:
            continue
        if all(ranges_of.get(t) is not None for t, _ in es):
            candidates.add(b)
    if not candidates:
        return False
    # An argument is live if read by anything but a branch forwarding it to
    # a candidate argument; liveness flows backwards along forwarding uses.
    live: set = set()
    feeds: dict = {}  # target argument -> values forwarded into it
    for b in candidates:
        for a in b.args:
            use = a._first_use
            while use is not None:
                target = _forwarded_to(use, ranges_of, candidates)
                if target is None:
                    live.add(a)
                else:
                    feeds.setdefault(target, []).append(a)
                use = use._next
    todo = list(live)
    while todo:
        a = todo.pop()
        for src in feeds.get(a, ()):
            if src not in live:
                live.add(src)
                todo.append(src)
    dead = [(b, a.index) for b in candidates for a in b.args if a not in live]
    if not dead:
        return False
    dead.sort(key=lambda ba: -ba[1])
    for b, idx in dead:
        for t, i in edges[b]:
            _erase_successor_operand(rewriter, t, i, idx)
    for b, idx in dead:
        _erase_block_argument(rewriter, b, idx)
    return True


def _forwarded_to(use, ranges_of, candidates):
    t = use.owner
    ranges = ranges_of.get(t)
    if ranges is None:
        return None
    for i, (start, n) in enumerate(ranges):
        if start <= use.index < start + n:
            s = t.successors[i]
            return s.args[use.index - start] if s in candidates else None
    return None


def _erase_block_argument(rewriter: PatternRewriter, block: Block, index: int) -> None:
    args = list(block.args)
    del args[index]
    rewriter._set_block_args(block, args)
