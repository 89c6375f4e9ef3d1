"""Rewrite patterns, the rewriter every mutation goes through, and pattern sets.

A pattern is small: one root (an op class or name, a trait/interface, or any
op), one `match_and_rewrite(op, rewriter) -> bool` that either rewrites
through the rewriter and returns True, or returns False having changed
nothing. Drivers (greedy, dialect conversion) learn about changes only
through the rewriter, so a pattern must never mutate IR behind its back.

Caveat of Python op construction: building an op (`AddIOp(a, b)`) adds uses
to `a` and `b` at once. Build ops only once the pattern has decided to
rewrite, or through `rewriter.create(AddIOp, a, b)`; an op built and then
dropped keeps phantom uses that keep `a` alive.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterable, Iterator, Sequence

from mlir_py.definition.traits import Trait
from mlir_py.ir.location import Location, UnknownLoc
from mlir_py.ir.operation import Block, BlockArgument, IRError, Operation, OpOperand, Region, Value

# ----------------------------------------------------------------------------
# Listener
# ----------------------------------------------------------------------------


class RewriterListener:
    """Told about every change a rewriter makes; drivers subclass it to keep
    their worklists current. Nested ops of an inserted op are not reported
    one by one (a listener that cares walks them)."""

    def notify_op_inserted(self, op: Operation) -> None:
        """Called after `op` was inserted (created or moved) into a block."""

    def notify_op_replaced(self, op: Operation, new_values: Sequence[Value | None]) -> None:
        """Called before the uses of `op` move to `new_values` (and before it is erased)."""

    def notify_op_erased(self, op: Operation) -> None:
        """Called before `op` is destroyed, nested ops first."""

    def notify_op_modified(self, op: Operation) -> None:
        """Called after `op` changed in place (operands, attributes, successors, regions)."""

    def notify_block_inserted(self, block: Block) -> None:
        """Called after `block` was inserted into a region."""

    def notify_block_erased(self, block: Block) -> None:
        """Called before `block` is destroyed (after its ops were reported erased)."""

    def notify_match_failure(self, op: Operation, reason: str) -> None:
        """Called when a pattern gives up on `op`, with its reason (for debugging output)."""


# ----------------------------------------------------------------------------
# Rewriter
# ----------------------------------------------------------------------------


def _nested_ops_post_order(op: Operation) -> Iterator[Operation]:
    """Ops nested in `op`, innermost and last first: erase notifications
    must name users before the values they use."""
    for r in reversed(op.regions):
        for b in reversed(list(r.blocks)):
            cur = b._last
            while cur is not None:
                prv = cur._prev
                if cur.regions:
                    yield from _nested_ops_post_order(cur)
                yield cur
                cur = prv



def _block_of(op: Operation) -> Block:
    """The block holding `op`; an anchor op must be in one."""
    if op.parent is None:
        raise IRError(f"'{op.name}' is not in a block")
    return op.parent


def _region_of(block: Block) -> Region:
    """The region holding `block`; an anchor block must be in one."""
    if block.parent is None:
        raise IRError("the block is not in a region")
    return block.parent

class PatternRewriter:
    """Builds and mutates IR on behalf of patterns and drivers.

    The high-level operations (replace, erase, inline, split ...) are written
    in terms of a few primitives (`_link_op`, `_unlink_op`, `_destroy_op`,
    `_set_operand`, `_link_block`, `_unlink_block`, `_set_block_args`,
    `start_op_modification`) so that the conversion rewriter can journal
    exactly those and undo anything a pattern did.

    The insertion point is "before `_before` in `_block`" (`_before` None:
    at the end). Ops inserted while `default_location` is set and that were
    built without a location get it, so errors about new ops point at the
    source line of the op they replace.
    """

    def __init__(self, listener: RewriterListener | None = None):
        self.listener = listener
        self._block: Block | None = None
        self._before: Operation | None = None
        self.default_location: Location | None = None

    # -- insertion point ------------------------------------------------------

    def set_insertion_point(self, op: Operation) -> None:
        """Insert before `op` (as MLIR's setInsertionPoint)."""
        self._block, self._before = op.parent, op

    set_insertion_point_before = set_insertion_point

    def set_insertion_point_after(self, op: Operation) -> None:
        """Insert right after `op`."""
        self._block, self._before = op.parent, op._next

    def set_insertion_point_to_start(self, block: Block) -> None:
        """Insert at the start of `block`, before its first op."""
        self._block, self._before = block, block._first

    def set_insertion_point_to_end(self, block: Block) -> None:
        """Insert at the end of `block` (after its terminator, if it has one: move past it yourself)."""
        self._block, self._before = block, None

    def clear_insertion_point(self) -> None:
        """No insertion point: `create`/`insert` fail until one is set (build detached ops with the op constructors)."""
        self._block = self._before = None

    @property
    def insertion_block(self) -> Block | None:
        """The block new ops go into, or None."""
        return self._block

    @property
    def insertion_point(self) -> tuple[Block | None, Operation | None]:
        """`(block, before_op)`: save it and `restore_insertion_point` later, or use `insertion_guard()`."""
        return self._block, self._before

    def restore_insertion_point(self, ip: tuple[Block | None, Operation | None]) -> None:
        """Go back to an `insertion_point` saved earlier."""
        self._block, self._before = ip

    @contextlib.contextmanager
    def insertion_guard(self):
        """Restore the insertion point when the block ends."""
        ip = (self._block, self._before)
        try:
            yield self
        finally:
            self._block, self._before = ip

    # -- creation ---------------------------------------------------------------

    def insert(self, op: Operation) -> Operation:
        """Insert a detached op at the insertion point."""
        if self._block is None:
            raise IRError("the rewriter has no insertion point")
        if op.parent is not None:
            raise IRError(f"'{op.name}' is already in a block")
        if self.default_location is not None and type(op.location) is UnknownLoc:
            op.location = self.default_location
        self._link_op(op, self._block, self._before, True)
        if self.listener is not None:
            self.listener.notify_op_inserted(op)
        return op

    def create(self, op_or_cls: Operation | type, *args: Any, **kwargs: Any) -> Operation:
        """Insert `op`, or build `cls(*args, **kwargs)` and insert it."""
        if isinstance(op_or_cls, type):
            op = op_or_cls(*args, **kwargs)
        elif args or kwargs:
            raise TypeError("create(op) takes no further arguments when given an op")
        else:
            op = op_or_cls
        return self.insert(op)

    def clone(self, op: Operation, mapper: dict | None = None) -> Operation:
        """Insert a deep copy of `op` at the insertion point; `mapper` remaps operands (value -> value) and is
        filled in.
        """
        return self.insert(op.clone(mapper))

    def create_block(self, region: Region, arg_types: Iterable[Any] = (),
                     arg_locs: Sequence[Location] | None = None, *, before: Block | None = None) -> Block:
        """A new block in `region` (before `before`, else at the end); the
        insertion point moves to its end."""
        block = Block(arg_types, arg_locs)
        self._link_block(block, region, before)
        if self.listener is not None:
            self.listener.notify_block_inserted(block)
        self._block, self._before = block, None
        return block

    # -- replacement and erasure ------------------------------------------------

    def replace_op(self, op: Operation, values: Sequence[Value | None] | Operation) -> None:
        """Replace all results of `op` and erase it. An op not yet inserted
        is inserted before `op` first. None stands for an unused result."""
        values = self._replacement_values(op, values)
        if self.listener is not None:
            self.listener.notify_op_replaced(op, values)
        for r, v in zip(op.results, values):
            if v is None:
                if r._first_use is not None:
                    raise IRError(f"result #{r.index} of '{op.name}' is used but has no replacement")
                continue
            self.replace_all_uses_with(r, v)
        self.erase_op(op)

    replace = replace_op

    def replace_op_with_new_op(self, op: Operation, new: Operation | type, *args: Any, **kwargs: Any) -> Operation:
        """Create `new` (an op class and its constructor arguments) before `op`, replace `op` with it, return it."""
        with self.insertion_guard():
            self.set_insertion_point(op)
            new = self.create(new, *args, **kwargs)
        self.replace_op(op, new.results)
        return new

    def _replacement_values(self, op: Operation, values: Any) -> list:
        if isinstance(values, Operation):
            if values.parent is None:
                with self.insertion_guard():
                    self.set_insertion_point(op)
                    self.insert(values)
            values = values.results
        elif isinstance(values, Value):
            values = [values]
        values = list(values)
        if len(values) != len(op.results):
            raise IRError(f"replacing {len(op.results)} results of '{op.name}' with {len(values)} values")
        return values

    def replace_all_uses_with(self, old: Value, new: Value) -> None:
        """Point every use of `old` at `new`, telling the listener about each user (unlike
        `Value.replace_all_uses_with`).
        """
        if new is old:
            return
        use = old._first_use
        while use is not None:
            nxt = use._next
            self._set_operand(use, new)
            if self.listener is not None:
                self.listener.notify_op_modified(use.owner)
            use = nxt

    def replace_uses_with_if(self, old: Value, new: Value, pred: Callable[[OpOperand], bool]) -> None:
        """Replace the uses of `old` for which `pred(use)` holds, telling the listener."""
        for use in list(old.uses):
            if pred(use):
                self._set_operand(use, new)
                if self.listener is not None:
                    self.listener.notify_op_modified(use.owner)

    def replace_all_op_uses_with(self, op: Operation, values: Sequence[Value]) -> None:
        """Move the uses of `op`'s results to `values`, keeping `op`."""
        if len(values) != len(op.results):
            raise IRError(f"replacing {len(op.results)} results of '{op.name}' with {len(values)} values")
        if self.listener is not None:
            self.listener.notify_op_replaced(op, list(values))
        for r, v in zip(op.results, values):
            self.replace_all_uses_with(r, v)

    def erase_op(self, op: Operation) -> None:
        """Erase `op` and its nested ops, telling the listener; raises IRError while a result is still used."""
        for r in op.results:
            if r._first_use is not None:
                raise IRError(f"cannot erase '{op.name}': result #{r.index} still used by "
                              f"'{r._first_use.owner.name}'")
        if self.listener is not None:
            if op.regions:
                for nested in _nested_ops_post_order(op):
                    self.listener.notify_op_erased(nested)
            self.listener.notify_op_erased(op)
        self._destroy_op(op)

    def erase_block(self, block: Block) -> None:
        """Erase `block` and its ops; values it defines may only be used by
        ops that are dying too (an unreachable block's neighbours)."""
        if self.listener is not None:
            cur = block._last
            while cur is not None:
                if cur.regions:
                    for nested in _nested_ops_post_order(cur):
                        self.listener.notify_op_erased(nested)
                self.listener.notify_op_erased(cur)
                cur = cur._prev
            self.listener.notify_block_erased(block)
        self._destroy_block(block)

    # -- in-place modification ------------------------------------------------------

    def start_op_modification(self, op: Operation) -> None:
        """Announce an in-place change of `op` (operands, attributes, successors)."""

    def finalize_op_modification(self, op: Operation) -> None:
        """End an in-place change announced with `start_op_modification`: the listener learns `op` changed."""
        if self.listener is not None:
            self.listener.notify_op_modified(op)

    def cancel_op_modification(self, op: Operation) -> None:
        """Abandon an announced change; the caller has left `op` as it was
        (the conversion rewriter restores it itself)."""

    def modify_op_in_place(self, op: Operation, fn: Callable[[], Any]) -> Any:
        """Run `fn()` (which changes `op` in place) between start and finalize of a modification; returns its result."""
        self.start_op_modification(op)
        try:
            result = fn()
        except BaseException:
            self.cancel_op_modification(op)
            raise
        self.finalize_op_modification(op)
        return result

    @contextlib.contextmanager
    def modifying(self, op: Operation):
        """`with rewriter.modifying(op): op.properties[...] = ...`"""
        self.start_op_modification(op)
        try:
            yield op
        except BaseException:
            self.cancel_op_modification(op)
            raise
        self.finalize_op_modification(op)

    # -- moving ops and blocks -------------------------------------------------------

    def move_op_before(self, op: Operation, anchor: Operation) -> None:
        """Move `op` right before `anchor` (possibly into another block), telling the listener."""
        self.move_op(op, _block_of(anchor), anchor)

    def move_op_after(self, op: Operation, anchor: Operation) -> None:
        """Move `op` right after `anchor` (possibly into another block), telling the listener."""
        self.move_op(op, _block_of(anchor), anchor._next)

    def move_op(self, op: Operation, block: Block, before: Operation | None = None) -> None:
        """Move `op` into `block` before `before` (at the end when None)."""
        if before is op:
            return
        if op.parent is not None:
            self._unlink_op(op)
        self._link_op(op, block, before, False)
        if self.listener is not None:
            self.listener.notify_op_inserted(op)

    def inline_block_before(self, source: Block, op: Operation, arg_values: Sequence[Value] = ()) -> None:
        """Move `source`'s ops before `op`, its arguments replaced by
        `arg_values`, and erase the emptied `source`."""
        self._inline_block(source, _block_of(op), op, arg_values)

    def merge_blocks(self, source: Block, dest: Block, arg_values: Sequence[Value] = ()) -> None:
        """Append `source`'s ops to `dest` (see inline_block_before)."""
        self._inline_block(source, dest, None, arg_values)

    def _inline_block(self, source: Block, dest: Block, before: Operation | None, arg_values: Sequence[Value]) -> None:
        if len(arg_values) != len(source.args):
            raise IRError(f"inlining a block of {len(source.args)} arguments with {len(arg_values)} values")
        if source is dest:
            raise IRError("cannot inline a block into itself")
        for a, v in zip(source.args, arg_values):
            self.replace_all_uses_with(a, v)
        cur = source._first
        while cur is not None:
            nxt = cur._next
            self.move_op(cur, dest, before)
            cur = nxt
        if self.listener is not None:
            self.listener.notify_block_erased(source)
        if source.parent is not None:
            self._unlink_block(source)

    def split_block(self, block: Block, before: Operation | None) -> Block:
        """Move `before` and the ops after it into a new block right after
        `block` (no arguments, no branch added); returns the new block."""
        new = Block()
        self._link_block(new, _region_of(block), block._next_block)
        if self.listener is not None:
            self.listener.notify_block_inserted(new)
        cur = before
        while cur is not None:
            nxt = cur._next
            self.move_op(cur, new, None)
            cur = nxt
        return new

    def inline_region_before(self, region: Region, dest: Region, before: Block | None = None) -> None:
        """Move all blocks of `region` into `dest` before `before` (at the end when None)."""
        b = region._first_block
        while b is not None:
            nxt = b._next_block
            self._unlink_block(b)
            self._link_block(b, dest, before)
            if self.listener is not None:
                self.listener.notify_block_inserted(b)
            b = nxt

    def notify_match_failure(self, op: Operation, reason: str = "") -> bool:
        """Record why a pattern did not apply; returns False so a pattern can
        `return rewriter.notify_match_failure(op, "why")`."""
        if self.listener is not None:
            self.listener.notify_match_failure(op, reason)
        return False

    # -- primitives (journaled by the conversion rewriter) -------------------------

    def _link_op(self, op: Operation, block: Block, before: Operation | None, created: bool) -> None:
        block.insert_before(before, op)

    def _unlink_op(self, op: Operation) -> None:
        op.parent._unlink_op(op)

    def _destroy_op(self, op: Operation) -> None:
        op.erase(safe=False)

    def _set_operand(self, use: OpOperand, value: Value) -> None:
        use.set(value)

    def _link_block(self, block: Block, region: Region, before: Block | None) -> None:
        if before is None:
            region.append(block)
        else:
            region.insert_block_before(before, block)

    def _unlink_block(self, block: Block) -> None:
        block.parent._unlink_block(block)

    def _destroy_block(self, block: Block) -> None:
        block.erase()

    def _set_block_args(self, block: Block, args: list[BlockArgument]) -> None:
        for i, a in enumerate(args):
            a.block = block
            a.index = i
        block.args = args


# ----------------------------------------------------------------------------
# Patterns
# ----------------------------------------------------------------------------


def _root_of(root: Any) -> tuple[str | None, type | None]:
    """(op name, trait class) a pattern root stands for."""
    if root is None:
        return None, None
    if isinstance(root, str):
        return root, None
    if isinstance(root, type):
        if issubclass(root, Trait):
            return None, root
        name = getattr(root, "name", None)
        if isinstance(name, str) and name:
            return name, None
    raise TypeError(f"a pattern root is an op class, an op name, a trait or None, not {root!r}")


_UNSET: Any = object()


class RewritePattern:
    """Subclass and set `root` (op class or name, or a trait/interface class;
    None matches any op) and `benefit`, or pass them to the constructor."""

    root: Any = None
    benefit: int = 1

    def __init__(self, root: Any = _UNSET, *, benefit: int | None = None, trait: type | None = None):
        if root is not _UNSET:
            self.root = root
        if trait is not None:
            self.root = trait
        if benefit is not None:
            self.benefit = benefit
        self.root_name, self.root_trait = _root_of(self.root)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> bool:
        """Rewrite `op` through `rewriter` and return True, or return False having changed nothing.

        Every mutation goes through `rewriter` (create, replace, erase, modify_op_in_place, ...): the drivers
        learn of changes only from it. Called only for ops matching `root`, in order of decreasing `benefit`.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define match_and_rewrite")

    @property
    def debug_name(self) -> str:
        """The name statistics, `--debug` output and failure reports show (the class name)."""
        return type(self).__name__

    def __repr__(self) -> str:
        what = self.root_name or (self.root_trait.__name__ if self.root_trait else "any op")
        return f"<{self.debug_name} on {what}, benefit {self.benefit}>"


class FunctionPattern(RewritePattern):
    """A pattern written as `def fn(op, rewriter) -> bool` (see `pattern`)."""

    def __init__(self, fn: Callable[[Operation, PatternRewriter], Any], root: Any = None, *,
                 benefit: int = 1, trait: type | None = None):
        super().__init__(root, benefit=benefit, trait=trait)
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", "pattern")
        self.__doc__ = fn.__doc__

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> bool:
        return bool(self.fn(op, rewriter))

    def __call__(self, op: Operation, rewriter: PatternRewriter) -> Any:
        return self.fn(op, rewriter)

    @property
    def debug_name(self) -> str:
        """The function's name, as shown in statistics and debug output."""
        return self.__name__


def pattern(root: Any = None, *, benefit: int = 1, trait: type | None = None):
    """Decorator: `@pattern(arith.AddIOp)` turns `def fn(op, rewriter) -> bool`
    into a RewritePattern. `@pattern(trait=Commutative)` or a bare
    `@pattern` match by trait or any op."""
    if callable(root) and not isinstance(root, type):
        return FunctionPattern(root)

    def deco(fn: Callable) -> FunctionPattern:
        return FunctionPattern(fn, root, benefit=benefit, trait=trait)
    return deco


# ----------------------------------------------------------------------------
# Pattern sets
# ----------------------------------------------------------------------------


def _flatten_patterns(items: Iterable[Any], out: list) -> None:
    for p in items:
        if isinstance(p, FrozenPatternSet):
            out.extend(p.patterns)
        elif isinstance(p, RewritePattern):
            out.append(p)
        elif isinstance(p, type) and issubclass(p, RewritePattern):
            out.append(p())
        elif isinstance(p, (list, tuple)):
            _flatten_patterns(p, out)
        else:
            raise TypeError(f"not a rewrite pattern: {p!r}")


class FrozenPatternSet:
    """Patterns indexed by root for the drivers' per-op lookup.

    The candidates for an op are its name's patterns, its traits' patterns
    and the any-op patterns, merged and ordered by decreasing benefit (ties
    keep the order of the set). The merged list is computed once per op
    class (per name for unregistered ops), so a lookup is one dict probe.
    """

    def __init__(self, patterns: Iterable[Any] = ()):
        self.patterns: list[RewritePattern] = []
        _flatten_patterns(patterns, self.patterns)
        self._by_name: dict[str, list[tuple[int, RewritePattern]]] = {}
        self._by_trait: list[tuple[int, RewritePattern]] = []
        self._any: list[tuple[int, RewritePattern]] = []
        for i, p in enumerate(self.patterns):
            if p.root_name is not None:
                self._by_name.setdefault(p.root_name, []).append((i, p))
            elif p.root_trait is not None:
                self._by_trait.append((i, p))
            else:
                self._any.append((i, p))
        self._cache: dict[Any, list[RewritePattern]] = {}

    def patterns_for(self, op: Operation) -> list[RewritePattern]:
        """The patterns that may apply to `op` (by name, by trait, any-op), by decreasing benefit; cached per op
        class.
        """
        cls = type(op)
        key = cls if cls is not Operation else op.name
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._compute(op)
        return found

    def _compute(self, op: Operation) -> list[RewritePattern]:
        cands = list(self._by_name.get(op.name, ()))
        traits = op.traits
        cands += [(i, p) for i, p in self._by_trait if p.root_trait in traits]
        cands += self._any
        cands.sort(key=lambda ip: (-ip[1].benefit, ip[0]))
        return [p for _, p in cands]

    def __len__(self) -> int:
        return len(self.patterns)

    def __iter__(self) -> Iterator[RewritePattern]:
        return iter(self.patterns)

    def __add__(self, other: Any) -> FrozenPatternSet:
        return FrozenPatternSet([self, other])

    def __repr__(self) -> str:
        return f"<FrozenPatternSet of {len(self.patterns)} patterns>"


def as_pattern_set(patterns: Any) -> FrozenPatternSet:
    """`patterns` as a FrozenPatternSet (one pattern, a list, nested lists, or already a set, returned as is)."""
    return patterns if isinstance(patterns, FrozenPatternSet) else FrozenPatternSet(
        [patterns] if isinstance(patterns, RewritePattern) else patterns)


def collect_canonicalization_patterns(dialects: Iterable[Any]) -> list[RewritePattern]:
    """The canonicalization patterns of `dialects` (Dialect objects): the
    dialect-wide list plus each op class's `get_canonicalization_patterns()`."""
    out: list = []
    for d in dialects:
        _flatten_patterns(getattr(d, "canonicalization_patterns", ()), out)
        for cls in getattr(d, "ops", {}).values():
            get = getattr(cls, "get_canonicalization_patterns", None)
            if get is not None:
                _flatten_patterns(get() or (), out)
    return out
