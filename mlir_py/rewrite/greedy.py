"""The greedy pattern driver: fold, erase dead ops and apply patterns until
nothing changes (MLIR's applyPatternsGreedily).

Each iteration puts every nested op on a worklist (pre-order, popped in
program order when `top_down`), then pops ops until the list is empty: an
unused side-effect-free op is erased, else folded, else offered to the
patterns in benefit order. The driver listens to the rewriter, so whatever a
change could enable - users of replaced results, producers of the operands of
erased ops, new ops - goes back on the list. Worklist membership is a dict,
so re-adding is O(1) and the whole run stays linear in the work done. One
sweep visits at most 16 times as many ops as it started with (plus a
constant), so a pattern or fold that always claims success cannot hang it:
the run ends after `max_iterations` sweeps, reported as not converged.

Constants are kept unique per "insertion region" (the nearest enclosing
region of an op that is isolated from above, or a driver root): existing
ones are hoisted to the start of that region's entry block when the worklist
is built, and duplicates are replaced by the first one. As in upstream's
driver, a fold materializes its constants right before the folded op; they
are uniqued and hoisted when the next sweep builds its worklist, which keeps
them in program order. As in MLIR, a constant that moves or is merged loses
its location (it no longer stands for one source line).
"""

from __future__ import annotations

from typing import Any, Sequence

from mlir_py.definition.traits import ConstantLike, IsolatedFromAbove
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.location import UnknownLoc
from mlir_py.ir.operation import Block, Operation, OpResult, Region, Value
from mlir_py.rewrite.folding import can_fold, constant_op_value, fold_op, is_trivially_dead
from mlir_py.rewrite.pattern import PatternRewriter, RewriterListener, as_pattern_set
from mlir_py.rewrite.region_simplify import simplify_regions
from mlir_py.support.user_errors import must_propagate, user_code_error


def _regions_of(root: Any) -> list[Region]:
    if isinstance(root, Operation):
        return list(root.regions)
    if isinstance(root, Region):
        return [root]
    return list(root)


class GreedyDriver(RewriterListener):
    """One run of the greedy driver over `regions` (see module docstring)."""

    def __init__(self, regions: Sequence[Region], patterns: Any, *, fold: bool = True,
                 cse_constants: bool = True, region_simplify: bool = True, top_down: bool = True,
                 max_num_rewrites: int = -1, listener: RewriterListener | None = None):
        self.regions = list(regions)
        self.patterns = as_pattern_set(patterns)
        self.fold = fold
        self.cse_constants = cse_constants
        self.region_simplify = region_simplify
        self.top_down = top_down
        self.max_num_rewrites = max_num_rewrites
        self.forward = listener
        self.rewriter = PatternRewriter(self)
        self.mutated = False
        self.num_rewrites = 0
        self.rewrite_limit_hit = False
        self._wl: list[Operation | None] = []
        self._wl_index: dict[Operation, int] = {}
        self._populating = False
        self._root_regions = set(self.regions)
        # Without an isolated root, a listener callback could name an op
        # above the root (an operand's producer); only then check ancestry.
        self._check_scope = not all(r.parent is not None and IsolatedFromAbove in r.parent.traits
                                    for r in self.regions)
        self._const_tables: dict[Region, dict[tuple, Operation]] = {}
        self._const_key: dict[Operation, tuple[dict, tuple]] = {}
        self._insertion_regions: dict[Block, Region] = {}

    # -- the loop -----------------------------------------------------------------

    def run(self, max_iterations: int = 10) -> tuple[bool, bool]:
        """Apply patterns and folding until nothing changes or `max_iterations` sweeps (negative: no limit).

        Returns `(changed, converged)`: whether the IR was modified, and whether a fixed point was reached.
        """
        iteration = 0
        converged = False
        while max_iterations < 0 or iteration < max_iterations:
            iteration += 1
            self._populate()
            changed = self._process()
            if self.rewrite_limit_hit:
                break
            if self.region_simplify:
                changed |= simplify_regions(self.rewriter, self.regions)
            if not changed:
                converged = True
                break
        self._wl = []
        self._wl_index = {}
        return self.mutated, converged

    def _populate(self) -> None:
        self._const_tables = {}
        self._const_key = {}
        self._insertion_regions = {}
        out: list[Operation] = []
        self._populating = True
        try:
            for r in self.regions:
                self._collect(r, out)
        finally:
            self._populating = False
        if self.top_down:
            out.reverse()
        self._wl = out
        self._wl_index = {op: i for i, op in enumerate(out)}

    def _collect(self, region: Region, out: list[Operation]) -> None:
        cse = self.cse_constants
        top_down = self.top_down
        block = region._first_block
        while block is not None:
            op = block._first
            while op is not None:
                nxt = op._next
                if cse and ConstantLike in op.traits and self._insert_known_constant(op):
                    op = nxt
                    continue
                if top_down:
                    out.append(op)
                if op.regions:
                    for r in op.regions:
                        self._collect(r, out)
                if not top_down:
                    out.append(op)
                op = nxt
            block = block._next_block

    def _process(self) -> bool:
        changed = False
        wl = self._wl
        index = self._wl_index
        rw = self.rewriter
        fold = self.fold
        patterns_for = self.patterns.patterns_for
        cache = self.patterns._cache
        limit = self.max_num_rewrites
        # A pattern that always "succeeds" would keep its op on the list for
        # ever; bound the work of one sweep so that max_iterations bounds the run.
        budget = 16 * len(wl) + 1024
        while wl:
            op = wl.pop()
            if op is None:
                continue
            del index[op]
            if op.parent is None:
                continue
            budget -= 1
            if budget < 0:
                changed = True
                break
            if is_trivially_dead(op):
                rw.erase_op(op)
                changed = True
                continue
            if fold and ConstantLike not in op.traits and can_fold(op) and self._try_fold(op):
                changed = True
                continue
            cls = type(op)
            pats = cache.get(cls if cls is not Operation else op.name)
            if pats is None:
                pats = patterns_for(op)
            if not pats:
                continue
            for p in pats:
                rw._block, rw._before = op.parent, op
                rw.default_location = op.location
                try:
                    hit = p.match_and_rewrite(op, rw)
                except BaseException as e:  # noqa: BLE001 - the pattern raised: blame it and its op
                    if must_propagate(e):
                        raise
                    raise user_code_error(op, f"pattern '{p.debug_name}'", e) from e
                if hit:
                    changed = True
                    self.num_rewrites += 1
                    break
            rw.default_location = None
            if 0 <= limit <= self.num_rewrites:
                self.rewrite_limit_hit = True
                break
        return changed

    # -- folding ------------------------------------------------------------------

    def _try_fold(self, op: Operation) -> bool:
        res = fold_op(op)
        if res is None:
            return False
        rw = self.rewriter
        if not res:
            rw.finalize_op_modification(op)
            return True
        values: list[Value] = []
        created: list[Operation] = []
        for v, r in zip(res, op.results):
            if isinstance(v, Value):
                values.append(v)
                continue
            c = self._materialize(op, v, r.type, created) if isinstance(v, Attribute) else None
            if c is None:
                for cop in reversed(created):
                    if not cop.has_uses():
                        rw.erase_op(cop)
                return False
            values.append(c.results[0])
        rw.replace_op(op, values)
        return True

    def _materialize(self, op: Operation, value: Attribute, result_type: Attribute,
                     created: list[Operation]) -> Operation | None:
        dialect = op.dialect
        make = getattr(dialect, "materialize_constant", None)
        rw = self.rewriter
        # As upstream's driver (since it stopped folding through
        # OperationFolder): the constant goes right before the folded op; it
        # is uniqued and hoisted when the next sweep builds its worklist.
        if make is None:
            return None
        c = make(value, result_type, op.location)
        if c is None:
            return None
        if c.parent is None:
            rw.set_insertion_point(op)
            rw.insert(c)
            created.append(c)
        return c

    def _insert_known_constant(self, op: Operation) -> bool:
        """Register a constant met while building the worklist; True if it was
        a duplicate and has been replaced by the registered one."""
        if len(op.results) != 1:
            return False
        value = constant_op_value(op)
        if value is None:
            return False
        assert op.parent is not None, "the worklist holds ops in blocks"
        region = self._insertion_region(op.parent)
        table = self._const_tables.setdefault(region, {})
        key = (op.dialect, value, op.results[0].type)
        existing = table.get(key)
        rw = self.rewriter
        if existing is not None:
            rw.replace_op(op, existing.results)
            if type(existing.location) is not UnknownLoc:
                existing.location = UnknownLoc()
            return True
        entry = region.first_block
        assert entry is not None, "the region holds the constant"
        if op.parent is not entry or (entry.first_op is not op and op.prev_op not in self._const_key):
            rw.move_op(op, entry, entry.first_op)
            op.location = UnknownLoc()
        table[key] = op
        self._const_key[op] = (table, key)
        return False

    def _insertion_region(self, block: Block) -> Region:
        found = self._insertion_regions.get(block)
        if found is not None:
            return found
        region = block.parent
        assert region is not None, "constants are materialized in blocks of regions"
        while True:
            parent = region.parent
            if parent is None or region in self._root_regions:
                break
            if parent.definition is None or IsolatedFromAbove in parent.traits:
                break
            hook = getattr(parent.dialect, "should_materialize_into", None)
            if hook is not None and hook(region):
                break
            outer = parent.parent_region
            if outer is None:
                break
            region = outer
        self._insertion_regions[block] = region
        return region

    # -- listener -----------------------------------------------------------------

    def _add(self, op: Operation) -> None:
        if self._populating or op in self._wl_index:
            return
        if self._check_scope and not self._in_scope(op):
            return
        self._wl_index[op] = len(self._wl)
        self._wl.append(op)

    def _in_scope(self, op: Operation) -> bool:
        r = op.parent_region
        while r is not None:
            if r in self._root_regions:
                return True
            p = r.parent
            r = None if p is None else p.parent_region
        return False

    def notify_op_inserted(self, op: Operation) -> None:
        self.mutated = True
        self._add(op)
        if op.regions:
            for nested in op.walk(post_order=False):
                if nested is not op:
                    self._add(nested)
        if self.forward is not None:
            self.forward.notify_op_inserted(op)

    def notify_op_modified(self, op: Operation) -> None:
        self.mutated = True
        self._add(op)
        if self.forward is not None:
            self.forward.notify_op_modified(op)

    def notify_op_replaced(self, op: Operation, new_values: Sequence[Value | None]) -> None:
        self.mutated = True
        for r in op.results:
            use = r._first_use
            while use is not None:
                self._add(use.owner)
                use = use._next
        if self.forward is not None:
            self.forward.notify_op_replaced(op, new_values)

    def notify_op_erased(self, op: Operation) -> None:
        self.mutated = True
        i = self._wl_index.pop(op, None)
        if i is not None:
            self._wl[i] = None
        entry = self._const_key.pop(op, None)
        if entry is not None:
            table, key = entry
            if table.get(key) is op:
                del table[key]
        # A producer left with at most one other user may now be dead or
        # newly simplifiable (MLIR's addOperandsToWorklist).
        for o in op._operands:
            v = o.value
            if not isinstance(v, OpResult):
                continue
            other = None
            u = v._first_use
            while u is not None:
                user = u.owner
                if user is not op and user is not other:
                    if other is not None:
                        break
                    other = user
                u = u._next
            else:
                self._add(v.op)
        if self.forward is not None:
            self.forward.notify_op_erased(op)

    def notify_block_inserted(self, block: Block) -> None:
        self.mutated = True
        if self.forward is not None:
            self.forward.notify_block_inserted(block)

    def notify_block_erased(self, block: Block) -> None:
        self.mutated = True
        self._insertion_regions.pop(block, None)
        if self.forward is not None:
            self.forward.notify_block_erased(block)

    def notify_match_failure(self, op: Operation, reason: str) -> None:
        if self.forward is not None:
            self.forward.notify_match_failure(op, reason)


def apply_patterns_greedily(root: Operation | Region | Sequence[Region], patterns: Any, *,
                            max_iterations: int = 10, max_num_rewrites: int = -1, fold: bool = True,
                            cse_constants: bool = True, region_simplify: bool = True, top_down: bool = True,
                            listener: RewriterListener | None = None) -> tuple[bool, bool]:
    """Rewrite the regions of `root` (not `root` itself) to a fixed point.

    Returns (changed, converged); converged is False when `max_iterations`
    (-1: no limit) or `max_num_rewrites` ran out before an iteration found
    nothing to do. `listener` hears about every change the driver makes.
    """
    driver = GreedyDriver(_regions_of(root), patterns, fold=fold, cse_constants=cse_constants,
                          region_simplify=region_simplify, top_down=top_down,
                          max_num_rewrites=max_num_rewrites, listener=listener)
    return driver.run(max_iterations)
