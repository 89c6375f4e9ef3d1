"""Dominance between blocks, as MLIR's DominanceInfo.

A region's dominator tree is computed with Cooper, Harvey and Kennedy's
iterative algorithm over reverse post-order ("A Simple, Fast Dominance
Algorithm"), which stores one immediate dominator per block: memory stays
linear where dominator sets would be quadratic (10k if/else diamonds once
needed 24 GB). A depth-first numbering of the tree then answers "does a
dominate b" in O(1): a dominates b iff b's interval lies inside a's.

Unreachable blocks follow MLIR (and LLVM's DominatorTree): an unreachable
block is dominated by every block, and dominates no reachable block.
Successors outside the region are ignored (the verifier reports them).

Trees are computed on demand and describe the IR as it was then: passes that
change a region's CFG call `invalidate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from mlir_py.ir.operation import Block, Region


class DominatorTree:
    """The dominator tree of one region's blocks reachable from its entry."""

    __slots__ = ("region", "entry", "order", "idom", "children", "_pre", "_post")

    def __init__(self, region: Region):
        self.region = region
        self.entry: Block | None = region._first_block
        #: reachable blocks in reverse post-order (every block after its dominators)
        self.order: list[Block] = []
        self.idom: dict[Block, Block | None] = {}
        self.children: dict[Block, list[Block]] = {}
        self._pre: dict[Block, int] = {}
        self._post: dict[Block, int] = {}
        if self.entry is not None:
            self._build()

    def _build(self) -> None:
        region, entry = self.region, self.entry
        assert entry is not None, "built only for a region with blocks"
        post: list[Block] = []
        index: dict[Block, int] = {}  # post-order number
        seen = {entry}
        stack = [(entry, iter(_successors(entry)))]
        while stack:
            b, it = stack[-1]
            for s in it:
                if s not in seen and s.parent is region:
                    seen.add(s)
                    stack.append((s, iter(_successors(s))))
                    break
            else:
                stack.pop()
                index[b] = len(post)
                post.append(b)
        preds: dict[Block, list[Block]] = {b: [] for b in post}
        for b in post:
            for s in _successors(b):
                ps = preds.get(s)
                if ps is not None:
                    ps.append(b)
        rpo = post[::-1]
        dom: dict[Block, Block] = {entry: entry}  # the entry points at itself while iterating
        changed = True
        while changed:
            changed = False
            for b in rpo:
                if b is entry:
                    continue
                new: Block | None = None
                for p in preds[b]:
                    if p not in dom:
                        continue  # not processed yet on this sweep
                    if new is None:
                        new = p
                        continue
                    x, y = p, new  # intersect: climb to the common dominator
                    while x is not y:
                        while index[x] < index[y]:
                            x = dom[x]
                        while index[y] < index[x]:
                            y = dom[y]
                    new = x
                if new is not None and dom.get(b) is not new:
                    dom[b] = new
                    changed = True
        idom: dict[Block, Block | None] = dict(dom)
        idom[entry] = None
        self.order = rpo
        self.idom = idom
        children: dict[Block, list[Block]] = {b: [] for b in rpo}
        for b in region.blocks:  # region order keeps walks over the tree deterministic
            d = idom.get(b)
            if d is not None:
                children[d].append(b)
        self.children = children
        # interval numbering of the tree, iteratively (trees can be 100k deep)
        pre, post_n = self._pre, self._post
        counter = 0
        work = [(entry, iter(children[entry]))]
        pre[entry] = counter
        while work:
            b, it = work[-1]
            c = next(it, None)
            if c is None:
                work.pop()
                counter += 1
                post_n[b] = counter
                continue
            counter += 1
            pre[c] = counter
            work.append((c, iter(children[c])))

    def is_reachable(self, block: Block) -> bool:
        """Is `block` reachable from the region's entry block?"""
        return block in self._pre

    def dominates(self, a: Block, b: Block) -> bool:
        """Whether `a` dominates `b` (both blocks of this region; reflexive)."""
        if a is b:
            return True
        pre = self._pre
        pb = pre.get(b)
        if pb is None:
            return True  # unreachable: dominated by everything
        pa = pre.get(a)
        if pa is None:
            return False
        return pa < pb and self._post[b] < self._post[a]

    def properly_dominates(self, a: Block, b: Block) -> bool:
        """`a` dominates `b` and is not `b`."""
        return a is not b and self.dominates(a, b)


class DominanceInfo:
    """Dominator trees of the regions asked about, built on first use."""

    def __init__(self):
        self._trees: dict[Region, DominatorTree] = {}

    def tree(self, region: Region) -> DominatorTree:
        """The dominator tree of `region`, built on first use and kept until `invalidate`."""
        t = self._trees.get(region)
        if t is None:
            t = self._trees[region] = DominatorTree(region)
        return t

    def invalidate(self, region: Region | None = None) -> None:
        """Drop the tree of `region` (every tree when None) after its CFG changed."""
        if region is None:
            self._trees.clear()
        else:
            self._trees.pop(region, None)

    def dominates(self, a: Block, b: Block) -> bool:
        """Whether block `a` dominates block `b`, where `b` may be nested in an
        op of a's region (then the block of a's region holding it decides)."""
        if a is b:
            return True
        region = a.parent
        if region is None:
            return False
        cur: Block | None = b
        while cur is not None and cur.parent is not region:
            parent_op = cur.parent.parent if cur.parent is not None else None
            cur = parent_op.parent if parent_op is not None else None
        if cur is None:
            return False
        return self.tree(region).dominates(a, cur)

    def properly_dominates(self, a: Block, b: Block) -> bool:
        """`a` dominates `b` and is not `b` (blocks of any regions)."""
        return a is not b and self.dominates(a, b)


def _successors(block: Block) -> Sequence[Block]:
    t = block.last_op
    return t.successors if t is not None else ()
