"""The generic SSA IR: values, operations, blocks and regions.

Everything here is dialect-agnostic. Registered ops are subclasses of
`Operation` produced by the authoring API (`mlir_py.definition.opdef`); an op whose name
is not registered is a plain `Operation` and round-trips opaquely.

Use lists and block op lists are intrusive doubly-linked lists, as in MLIR,
so that adding/removing a use or an op is O(1) and replace-all-uses and erase
are O(uses) without a container object per value.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, Iterator, Sequence, TypeVar, overload

from mlir_py.ir import hooks
from mlir_py.ir.diagnostics import emit
from mlir_py.ir.location import UnknownLoc, decode_source_loc

if TYPE_CHECKING:
    from mlir_py.ir.attributes import Attribute
    from mlir_py.ir.location import Location


_E = TypeVar("_E")

class IRError(Exception):
    """Misuse of the IR API (erasing an op that still has uses, ...)."""


# ----------------------------------------------------------------------------
# Values and uses
# ----------------------------------------------------------------------------


class OpOperand:
    """One use of a value: the `index`-th operand of `owner`."""

    __slots__ = ("value", "owner", "index", "_prev", "_next")

    def __init__(self, value: Value, owner: Operation, index: int):
        self.value = value
        self.owner = owner
        self.index = index
        self._prev: OpOperand | None = None
        nxt = value._first_use
        self._next = nxt
        if nxt is not None:
            nxt._prev = self
        value._first_use = self

    def _unlink(self) -> None:
        prev, nxt = self._prev, self._next
        if prev is None:
            self.value._first_use = nxt
        else:
            prev._next = nxt
        if nxt is not None:
            nxt._prev = prev
        self._prev = self._next = None

    def set(self, value: Value) -> None:
        """Make this operand use `value` instead: moves the use between the two values' use lists, O(1)."""
        if value is self.value:
            return
        self._unlink()
        self.value = value
        nxt = value._first_use
        self._next = nxt
        if nxt is not None:
            nxt._prev = self
        value._first_use = self

    def __repr__(self) -> str:
        return f"<OpOperand #{self.index} of {self.owner.name}>"


class Value:
    """An SSA value: an op result or a block argument."""

    __slots__ = ("type", "_first_use", "name_hint")

    def __init__(self, type: Attribute, name_hint: str | None = None):
        self.type = type
        self._first_use: OpOperand | None = None
        self.name_hint = name_hint

    @property
    def uses(self) -> Iterator[OpOperand]:
        """The OpOperands using this value, newest first; the current use may be re-pointed (`set`) while iterating."""
        use = self._first_use
        while use is not None:
            nxt = use._next
            yield use
            use = nxt

    @property
    def users(self) -> Iterator[Operation]:
        """The op of each use (an op using the value twice appears twice)."""
        for use in self.uses:
            yield use.owner

    def has_uses(self) -> bool:
        """O(1), unlike `num_uses`."""
        return self._first_use is not None

    def has_one_use(self) -> bool:
        """Exactly one use (one operand of one op), O(1)."""
        u = self._first_use
        return u is not None and u._next is None

    def num_uses(self) -> int:
        """Counts the use list: O(uses); prefer `has_uses` / `has_one_use` in a test."""
        n = 0
        use = self._first_use
        while use is not None:
            n += 1
            use = use._next
        return n

    def replace_all_uses_with(self, new: Value) -> None:
        """Point every use of this value at `new` (MLIR's replaceAllUsesWith); O(uses).

        Types are not checked: a replacement of another type makes the users fail verification.
        """
        if new is self:
            return
        use = self._first_use
        while use is not None:
            nxt = use._next
            use.set(new)
            use = nxt

    def replace_uses_with_if(self, new: Value, pred: Callable[[OpOperand], bool]) -> None:
        """Replace the uses for which `pred(use)` holds (e.g. only those outside a region)."""
        for use in list(self.uses):
            if pred(use):
                use.set(new)


class OpResult(Value):
    """The `index`-th result of `op`; its `name_hint` (`cst`, `c0`, ...) is what the printer names it after."""

    __slots__ = ("op", "index")

    def __init__(self, type: Attribute, op: Operation, index: int, name_hint: str | None = None):
        Value.__init__(self, type, name_hint)
        self.op = op
        self.index = index

    @property
    def owner(self) -> Operation:
        """The op defining this value (as BlockArgument.owner is its block; MLIR's getOwner)."""
        return self.op

    @property
    def parent_block(self) -> Block | None:
        """The block holding the defining op; None while the op is detached."""
        return self.op.parent

    def __repr__(self) -> str:
        return f"<OpResult #{self.index} of {self.op.name}: {self.type}>"


class BlockArgument(Value):
    """The `index`-th argument of `block`; `loc` is where it was declared (None: unknown)."""

    __slots__ = ("block", "index", "loc")

    def __init__(self, type: Attribute, block: Block, index: int, loc: Location | None = None,
                 name_hint: str | None = None):
        Value.__init__(self, type, name_hint)
        self.block = block
        self.index = index
        self.loc = loc

    @property
    def owner(self) -> Block:
        """The block this argument belongs to."""
        return self.block

    @property
    def parent_block(self) -> Block:
        """The block this argument belongs to (same as `owner`, for code handling any Value)."""
        return self.block

    def __repr__(self) -> str:
        return f"<BlockArgument #{self.index}: {self.type}>"


# ----------------------------------------------------------------------------
# Operations
# ----------------------------------------------------------------------------


class Operation:
    """A generic operation. Registered ops subclass this (see opdef.Op)."""

    __slots__ = ("_opname", "_operands", "results", "properties", "attributes", "regions",
                 "successors", "_loc", "parent", "_prev", "_next")

    # Class-level op definition data; plain `Operation` is an unregistered op.
    traits: frozenset = frozenset()
    definition: Any = None
    dialect: Any = None

    def __init__(
        self,
        name: str,
        operands: Sequence[Value] = (),
        result_types: Sequence[Attribute] = (),
        properties: dict[str, Attribute] | None = None,
        attributes: dict[str, Attribute] | None = None,
        regions: Sequence[Region] | int = (),
        successors: Sequence[Block] = (),
        location: Location | None = None,
    ):
        self._opname = name
        self._operands = [OpOperand(v, self, i) for i, v in enumerate(operands)] if operands else []
        self.results = [OpResult(t, self, i) for i, t in enumerate(result_types)] if result_types else []
        self.properties = dict(properties) if properties else {}
        self.attributes = dict(attributes) if attributes else {}
        if isinstance(regions, int):
            regions = [Region() for _ in range(regions)]
        self.regions = []
        for r in regions:
            if r.parent is not None:
                raise IRError("region already belongs to an operation")
            r.parent = self
            self.regions.append(r)
        self.successors = list(successors) if successors else []
        if location is None:
            location = _unknown_loc()
        self._loc = location
        self.parent: Block | None = None
        self._prev: Operation | None = None
        self._next: Operation | None = None

    @property
    def name(self) -> str:
        """The op name; registered op classes shadow this with a class attribute."""
        return self._opname

    @property
    def location(self) -> Location:
        """The op's location. The parser stores a packed source offset (an
        int: 32 bytes instead of a location object per op) that becomes a
        FileLineColLoc on first access."""
        loc = self._loc
        if loc.__class__ is int:
            loc = self._loc = decode_source_loc(loc)
        return loc

    @location.setter
    def location(self, loc: Location) -> None:
        self._loc = loc

    @classmethod
    def _create_owned(cls, name: str, operands: Sequence[Value], result_types: Sequence[Attribute],
                      properties: dict, attributes: dict, regions: list[Region], successors: list[Block],
                      location: Location) -> Operation:
        """Construct without copying the given containers (the parser's fast path)."""
        op = object.__new__(cls)
        op._opname = name
        op._operands = [OpOperand(v, op, i) for i, v in enumerate(operands)] if operands else []
        op.results = [OpResult(t, op, i) for i, t in enumerate(result_types)] if result_types else []
        op.properties = properties
        op.attributes = attributes
        for r in regions:
            if r.parent is not None:
                raise IRError("region already belongs to an operation")
            r.parent = op
        # most ops have neither: share one empty tuple rather than two lists per op
        op.regions = regions or _EMPTY
        op.successors = successors or _EMPTY
        op._loc = location
        op.parent = op._prev = op._next = None
        return op

    # -- operands -----------------------------------------------------------

    @property
    def operands(self) -> list[Value]:
        """The operand values, as a new list: mutate through `set_operand(s)`, not this list."""
        return [o.value for o in self._operands]

    @property
    def op_operands(self) -> list[OpOperand]:
        """The OpOperand (use) objects, in order; the live list, do not mutate it."""
        return self._operands

    @property
    def num_operands(self) -> int:
        """Without building the `operands` list."""
        return len(self._operands)

    def operand(self, i: int) -> Value:
        """The `i`-th operand value, without building the `operands` list."""
        return self._operands[i].value

    def set_operand(self, i: int, value: Value) -> None:
        """Make the `i`-th operand `value`; use lists stay consistent."""
        self._operands[i].set(value)

    def set_operands(self, values: Sequence[Value]) -> None:
        """Replace the whole operand list (the count may change); an op's segment sizes are the caller's to keep
        valid.
        """
        for o in self._operands:
            o._unlink()
        self._operands = [OpOperand(v, self, i) for i, v in enumerate(values)]

    def drop_all_uses_of_operands(self) -> None:
        """Drop every operand (the op is left with none), so the values it used lose these uses."""
        for o in self._operands:
            o._unlink()
        self._operands = []

    # -- results ------------------------------------------------------------

    @property
    def result(self) -> OpResult:
        """The single result; an error if the op has none or several."""
        if len(self.results) != 1:
            raise IRError(f"'{self.name}' has {len(self.results)} results, not one")
        return self.results[0]

    @property
    def result_types(self) -> list[Attribute]:
        """The types of the results, as a new list."""
        return [r.type for r in self.results]

    def has_uses(self) -> bool:
        """Whether any result is used."""
        return any(r._first_use is not None for r in self.results)

    def replace_all_uses_with(self, values: Sequence[Value] | Operation) -> None:
        """Replace the uses of each result with the matching value (or result of another op).

        Raises IRError when the counts differ. The op itself stays; erase it afterwards.
        """
        if isinstance(values, Operation):
            values = values.results
        if len(values) != len(self.results):
            raise IRError(f"replacing {len(self.results)} results of '{self.name}' with {len(values)} values")
        for r, v in zip(self.results, values):
            r.replace_all_uses_with(v)

    # -- attributes ---------------------------------------------------------

    def get_attr(self, name: str) -> Attribute | None:
        """Inherent (property) attribute first, then discardable."""
        a = self.properties.get(name)
        if a is None:
            a = self.attributes.get(name)
        return a

    # -- traits -------------------------------------------------------------

    def has_trait(self, trait: type) -> bool:
        """Whether the op's class declares `trait` (a trait class such as `Pure`, not an instance)."""
        return trait in self.traits

    def get_trait(self, trait: type) -> Any:
        """The op's instance of `trait` (for parametrized traits such as `HasParent`), or None."""
        d = self.definition
        return None if d is None else d.trait_instances.get(trait)

    @property
    def is_registered(self) -> bool:
        """False for an op whose name no loaded dialect defines (kept opaquely, with unregistered dialects allowed)."""
        return self.definition is not None

    # -- structure ----------------------------------------------------------

    @property
    def parent_region(self) -> Region | None:
        """The region holding this op's block; None while detached."""
        b = self.parent
        return None if b is None else b.parent

    @property
    def parent_op(self) -> Operation | None:
        """The op whose region holds this op; None at the top level or while detached."""
        b = self.parent
        if b is None:
            return None
        r = b.parent
        return None if r is None else r.parent

    def get_parent_of_type(self, cls: type) -> Operation | None:
        """The nearest enclosing op that is an instance of `cls` (e.g. `FuncOp`), or None."""
        op = self.parent_op
        while op is not None and not isinstance(op, cls):
            op = op.parent_op
        return op

    def is_ancestor(self, other: Operation) -> bool:
        """True if self is other or contains it."""
        cur: Operation | None = other
        while cur is not None:
            if cur is self:
                return True
            cur = cur.parent_op
        return False

    def is_before_in_block(self, other: Operation) -> bool:
        """Whether this op comes before `other` in the same block; walks forward, O(distance)."""
        op = self._next
        while op is not None:
            if op is other:
                return True
            op = op._next
        return False

    @property
    def next_op(self) -> Operation | None:
        """The following op in the block, or None at the end (public iteration without `_next`)."""
        return self._next

    @property
    def prev_op(self) -> Operation | None:
        """The preceding op in the block, or None at the start."""
        return self._prev

    @overload
    def walk(self, fn: None = None, *, post_order: bool = True) -> Iterator[Operation]: ...
    @overload
    def walk(self, fn: Callable[[Operation], Any], *, post_order: bool = True) -> None: ...
    def walk(self, fn: Callable[[Operation], Any] | None = None, *,
             post_order: bool = True) -> Iterator[Operation] | None:
        """Visit self and all nested ops. With fn, calls it; without, yields."""
        if fn is None:
            return self._walk_iter(post_order)
        for op in self._walk_iter(post_order):
            fn(op)
        return None

    def _walk_iter(self: Operation, post_order: bool) -> Iterator[Operation]:
        # an explicit stack: nested generators (`yield from`) would pass every op up
        # through one frame per nesting level, quadratic for deeply nested IR
        if not post_order:
            yield self
        stack = [(self, _nested_ops(self))]
        while stack:
            op, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if post_order:
                    yield op
            elif child.regions:
                if not post_order:
                    yield child
                stack.append((child, _nested_ops(child)))
            else:
                yield child

    # -- mutation -----------------------------------------------------------

    def detach(self) -> Operation:
        """Unlink from the parent block, keeping operands and uses."""
        if self.parent is not None:
            self.parent._unlink_op(self)
        return self

    def erase(self, *, safe: bool = True) -> None:
        """Remove and destroy the op. With safe, results must be unused."""
        if safe:
            for r in self.results:
                if r._first_use is not None:
                    user = r._first_use.owner
                    raise IRError(f"cannot erase '{self.name}': result #{r.index} still used by '{user.name}'")
        self.detach()
        self._drop_references()

    def _drop_references(self) -> None:
        for o in self._operands:
            o._unlink()
        self._operands = []
        for r in self.regions:
            for b in r.blocks:
                op = b._first
                while op is not None:
                    op._drop_references()
                    op = op._next
        for r in self.results:
            if r._first_use is not None:
                # Nested users that are also dying were unlinked above; others dangle,
                # which only happens with safe=False on purpose.
                use = r._first_use
                while use is not None:
                    nxt = use._next
                    use._prev = use._next = None
                    use = nxt
                r._first_use = None

    def move_before(self, other: Operation) -> None:
        """Move this op (with its operands and uses) right before `other`, possibly into another block."""
        self.detach()
        other.parent.insert_before(other, self)

    def move_after(self, other: Operation) -> None:
        """Move this op (with its operands and uses) right after `other`, possibly into another block."""
        self.detach()
        other.parent.insert_after(other, self)

    def clone(self, mapper: dict | None = None, *, clone_regions: bool = True) -> Operation:
        """Deep-copy the op; operands are remapped through `mapper` (value→value, block→block)."""
        if mapper is None:
            mapper = {}
        cls = type(self)
        new = cls.__new__(cls)
        new._opname = self._opname
        new._operands = [OpOperand(mapper.get(o.value, o.value), new, i) for i, o in enumerate(self._operands)]
        new.results = [OpResult(r.type, new, i, r.name_hint) for i, r in enumerate(self.results)]
        for old, nr in zip(self.results, new.results):
            mapper[old] = nr
        new.properties = dict(self.properties)
        new.attributes = dict(self.attributes)
        new.successors = [mapper.get(b, b) for b in self.successors]
        new._loc = self._loc
        new.parent = new._prev = new._next = None
        new.regions = []
        for r in self.regions:
            nr = Region()
            nr.parent = new
            new.regions.append(nr)
            if clone_regions:
                r.clone_into(nr, mapper)
        return new

    # -- printing -----------------------------------------------------------

    def __str__(self) -> str:
        return hooks.op_to_string(self)

    def __repr__(self) -> str:
        ops = ", ".join(f"%{i}: {v.type}" for i, v in enumerate(self.operands))
        return f"<{type(self).__name__} '{self.name}' ({ops}) -> {len(self.results)} results>"

    def emit_error(self, message: str):
        """Report an error at this op's location; returns the diagnostic to attach notes."""
        return emit("error", self.location, message, op=self)

    def emit_warning(self, message: str):
        """Report a warning at this op's location (to the active diagnostic handler)."""
        return emit("warning", self.location, message, op=self)

    def emit_remark(self, message: str):
        """Report a remark at this op's location (to the active diagnostic handler)."""
        return emit("remark", self.location, message, op=self)

    def verify(self) -> bool:
        """Verify this op and everything nested; diagnostics go to the active
        handler, or are raised as DiagnosticError when none is installed."""
        return hooks.verify(self)


_EMPTY: tuple = ()


class _ChainView(abc.ABC, Generic[_E]):
    """A live view of an intrusive list: the IR keeps ops and blocks in
    doubly-linked lists (O(1) insertion and erasure); the view adds what a
    sequence offers. Indexing walks the list: O(index)."""

    __slots__ = ("_owner",)

    def __init__(self, owner):
        self._owner = owner

    @abc.abstractmethod
    def __iter__(self) -> Iterator[_E]: ...

    @abc.abstractmethod
    def __len__(self) -> int: ...

    def __getitem__(self, index: int):
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        if index >= 0:
            for i, x in enumerate(self):
                if i == index:
                    return x
        raise IndexError(f"{type(self).__name__} index out of range")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class OpList(_ChainView["Operation"]):
    """`block.ops`."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Operation]:
        op = self._owner._first
        while op is not None:
            nxt = op._next
            yield op
            op = nxt

    def __reversed__(self) -> Iterator[Operation]:
        return self._owner.ops_reversed()

    def __len__(self) -> int:
        return len(self._owner)

    def __bool__(self) -> bool:
        return self._owner._first is not None


class BlockList(_ChainView["Block"]):
    """`region.blocks`."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Block]:
        b = self._owner._first_block
        while b is not None:
            nxt = b._next_block
            yield b
            b = nxt

    def __reversed__(self) -> Iterator[Block]:
        b = self._owner._last_block
        while b is not None:
            prv = b._prev_block
            yield b
            b = prv

    def __len__(self) -> int:
        return self._owner.num_blocks()

    def __bool__(self) -> bool:
        return self._owner._first_block is not None


def _unknown_loc():
    return UnknownLoc()


def _nested_ops(op: Operation) -> Iterator[Operation]:
    """The ops directly inside op's regions; the next op is read before yielding,
    so the consumer may erase the op it is given."""
    for r in op.regions:
        for b in r.blocks:
            o = b._first
            while o is not None:
                nxt = o._next
                yield o
                o = nxt


# ----------------------------------------------------------------------------
# Blocks and regions
# ----------------------------------------------------------------------------


class Block:
    """A list of operations with arguments; ends in a terminator (in SSACFG regions)."""

    __slots__ = ("args", "parent", "_first", "_last", "_prev_block", "_next_block", "__weakref__")

    def __init__(self, arg_types: Iterable[Attribute] = (), arg_locs: Sequence[Location] | None = None):
        self.args: list[BlockArgument] = []
        self.parent: Region | None = None
        self._first: Operation | None = None
        self._last: Operation | None = None
        self._prev_block: Block | None = None
        self._next_block: Block | None = None
        for i, t in enumerate(arg_types):
            self.args.append(BlockArgument(t, self, i, arg_locs[i] if arg_locs else None))

    # -- arguments ----------------------------------------------------------

    @property
    def arg_types(self) -> list[Attribute]:
        """The argument types, as a new list."""
        return [a.type for a in self.args]

    def add_argument(self, type: Attribute, loc: Location | None = None) -> BlockArgument:
        """A new last argument of `type`; `loc` defaults to unknown. Branches to this block must pass it a value."""
        a = BlockArgument(type, self, len(self.args), loc)
        self.args.append(a)
        return a

    def insert_argument(self, index: int, type: Attribute, loc: Location | None = None) -> BlockArgument:
        """A new argument at `index`, renumbering the ones after it."""
        a = BlockArgument(type, self, index, loc)
        self.args.insert(index, a)
        for i in range(index + 1, len(self.args)):
            self.args[i].index = i
        return a

    def erase_argument(self, index: int) -> None:
        """Remove argument `index`; raises IRError while it still has uses. The branches into the block are the
        caller's to update.
        """
        a = self.args[index]
        if a._first_use is not None:
            raise IRError(f"cannot erase block argument #{index}: it still has uses")
        del self.args[index]
        for i in range(index, len(self.args)):
            self.args[i].index = i

    # -- operations ---------------------------------------------------------

    @property
    def ops(self) -> OpList:
        """The block's ops: iterate (erasing the current op is safe), `len`, index."""
        return OpList(self)

    def ops_reversed(self) -> Iterator[Operation]:
        """The ops last to first; erasing the op just yielded is safe."""
        op = self._last
        while op is not None:
            prv = op._prev
            yield op
            op = prv

    @property
    def first_op(self) -> Operation | None:
        """The first op, or None for an empty block."""
        return self._first

    @property
    def last_op(self) -> Operation | None:
        """The last op, or None for an empty block."""
        return self._last

    @property
    def terminator(self) -> Operation | None:
        """The last op, which ends a block of an SSACFG region; not checked: in a graph region or a half-built
        block it is just the last op.
        """
        return self._last

    def is_empty(self) -> bool:
        """No ops (arguments do not count); O(1), unlike `len(block)`."""
        return self._first is None

    def __len__(self) -> int:
        n = 0
        op = self._first
        while op is not None:
            n += 1
            op = op._next
        return n

    def append(self, op: Operation) -> Operation:
        """Add `op` at the end and return it; raises IRError if it is already in a block (detach it first)."""
        if op.parent is not None:
            raise IRError(f"'{op.name}' is already in a block; detach it first")
        op.parent = self
        last = self._last
        op._prev = last
        op._next = None
        if last is None:
            self._first = op
        else:
            last._next = op
        self._last = op
        return op

    def append_ops(self, ops: Iterable[Operation]) -> None:
        """`append` each op, in order."""
        for op in ops:
            self.append(op)

    def insert_before(self, anchor: Operation | None, op: Operation) -> Operation:
        """Insert op before anchor (at the end when anchor is None)."""
        if anchor is None:
            return self.append(op)
        if op.parent is not None:
            raise IRError(f"'{op.name}' is already in a block; detach it first")
        op.parent = self
        prev = anchor._prev
        op._prev = prev
        op._next = anchor
        anchor._prev = op
        if prev is None:
            self._first = op
        else:
            prev._next = op
        return op

    def insert_after(self, anchor: Operation | None, op: Operation) -> Operation:
        """Insert op after anchor (at the start when anchor is None)."""
        nxt = self._first if anchor is None else anchor._next
        if nxt is None:
            return self.append(op)
        return self.insert_before(nxt, op)

    def prepend(self, op: Operation) -> Operation:
        """Add `op` at the start and return it."""
        return self.insert_after(None, op)

    def _unlink_op(self, op: Operation) -> None:
        prev, nxt = op._prev, op._next
        if prev is None:
            self._first = nxt
        else:
            prev._next = nxt
        if nxt is None:
            self._last = prev
        else:
            nxt._prev = prev
        op._prev = op._next = None
        op.parent = None

    # -- structure ----------------------------------------------------------

    @property
    def parent_op(self) -> Operation | None:
        """The op whose region holds this block; None while detached."""
        return None if self.parent is None else self.parent.parent

    @property
    def next_block(self) -> Block | None:
        """The following block in the region, or None."""
        return self._next_block

    @property
    def prev_block(self) -> Block | None:
        """The preceding block in the region, or None."""
        return self._prev_block

    def is_entry_block(self) -> bool:
        """Whether this is its region's first block (whose arguments are the region's arguments)."""
        return self.parent is not None and self.parent._first_block is self

    @property
    def successors(self) -> list[Block]:
        """The blocks its terminator (last op) may branch to."""
        t = self._last
        return [] if t is None else t.successors

    @property
    def predecessors(self) -> list[Block]:
        """Blocks whose terminator branches here (with repetition)."""
        if self.parent is None:
            return []
        preds = []
        for b in self.parent.blocks:
            t = b._last
            if t is not None:
                for s in t.successors:
                    if s is self:
                        preds.append(b)
        return preds

    def detach(self) -> Block:
        """Unlink from the region, keeping the ops; returns the block to insert elsewhere."""
        if self.parent is not None:
            self.parent._unlink_block(self)
        return self

    def erase(self) -> None:
        """Unlink and destroy the block and all its ops (their operand uses are dropped); nothing may use its
        values any more.
        """
        for op in list(self.ops_reversed()):
            op._drop_references()
        self._first = self._last = None
        self.detach()

    def split_before(self, op: Operation) -> Block:
        """Move op and everything after it into a new block inserted after self."""
        new = Block()
        self.parent.insert_block_after(self, new)
        cur = op
        while cur is not None:
            nxt = cur._next
            self._unlink_op(cur)
            new.append(cur)
            cur = nxt
        return new

    @overload
    def walk(self, fn: None = None, *, post_order: bool = True) -> Iterator[Operation]: ...
    @overload
    def walk(self, fn: Callable[[Operation], Any], *, post_order: bool = True) -> None: ...
    def walk(self, fn: Callable[[Operation], Any] | None = None, *,
             post_order: bool = True) -> Iterator[Operation] | None:
        """`Operation.walk` over each op of the block (not the block's parent); safe against erasing the visited op."""
        def it():
            for op in list(self.ops):
                yield from op._walk_iter(post_order)
        if fn is None:
            return it()
        for op in it():
            fn(op)
        return None

    def __repr__(self) -> str:
        return f"<Block with {len(self.args)} args, {len(self)} ops>"


class Region:
    """An ordered list of blocks owned by an operation."""

    __slots__ = ("parent", "_first_block", "_last_block", "__weakref__")

    def __init__(self, blocks: Iterable[Block] = ()):
        self.parent: Operation | None = None
        self._first_block: Block | None = None
        self._last_block: Block | None = None
        for b in blocks:
            self.append(b)

    @property
    def blocks(self) -> BlockList:
        """The region's blocks: iterate (erasing the current block is safe), `len`, index."""
        return BlockList(self)

    @property
    def block_list(self) -> list[Block]:
        """The blocks as a new list (a snapshot; `blocks` is the live view)."""
        return list(self.blocks)

    @property
    def entry_block(self) -> Block | None:
        """The first block, whose arguments are the region's arguments; None for an empty region."""
        return self._first_block

    @property
    def first_block(self) -> Block | None:
        """The first block, or None for an empty region."""
        return self._first_block

    @property
    def last_block(self) -> Block | None:
        """The last block, or None for an empty region."""
        return self._last_block

    def is_empty(self) -> bool:
        """No blocks; O(1)."""
        return self._first_block is None

    def has_one_block(self) -> bool:
        """Exactly one block; O(1)."""
        b = self._first_block
        return b is not None and b._next_block is None

    def num_blocks(self) -> int:
        """Counts the blocks: O(blocks)."""
        n, b = 0, self._first_block
        while b is not None:
            n, b = n + 1, b._next_block
        return n

    def append(self, block: Block) -> Block:
        """Add `block` at the end and return it; raises IRError if it already belongs to a region."""
        if block.parent is not None:
            raise IRError("block already belongs to a region; detach it first")
        block.parent = self
        last = self._last_block
        block._prev_block = last
        block._next_block = None
        if last is None:
            self._first_block = block
        else:
            last._next_block = block
        self._last_block = block
        return block

    def insert_block_after(self, anchor: Block | None, block: Block) -> Block:
        """Insert `block` after `anchor` (at the start when `anchor` is None) and return it."""
        nxt = self._first_block if anchor is None else anchor._next_block
        if nxt is None:
            return self.append(block)
        return self.insert_block_before(nxt, block)

    def insert_block_before(self, anchor: Block, block: Block) -> Block:
        """Insert `block` before `anchor` and return it; raises IRError if it already belongs to a region."""
        if block.parent is not None:
            raise IRError("block already belongs to a region; detach it first")
        block.parent = self
        prev = anchor._prev_block
        block._prev_block = prev
        block._next_block = anchor
        anchor._prev_block = block
        if prev is None:
            self._first_block = block
        else:
            prev._next_block = block
        return block

    def _unlink_block(self, block: Block) -> None:
        prev, nxt = block._prev_block, block._next_block
        if prev is None:
            self._first_block = nxt
        else:
            prev._next_block = nxt
        if nxt is None:
            self._last_block = prev
        else:
            nxt._prev_block = prev
        block._prev_block = block._next_block = None
        block.parent = None

    def take_body(self, other: Region) -> None:
        """Move all blocks of other to the end of self."""
        for b in list(other.blocks):
            b.detach()
            self.append(b)

    def clone_into(self, dest: Region, mapper: dict) -> None:
        """Append copies of self's blocks to dest, remapping through mapper."""
        new_blocks = []
        for b in self.blocks:
            nb = Block()
            for a in b.args:
                na = nb.add_argument(a.type, a.loc)
                na.name_hint = a.name_hint
                mapper[a] = na
            mapper[b] = nb
            new_blocks.append((b, nb))
        for b, nb in new_blocks:
            dest.append(nb)
            for op in b.ops:
                nb.append(op.clone(mapper))
        # Forward references inside the region (to later blocks' values) were
        # cloned before their definitions were mapped: patch them now.
        for _, nb in new_blocks:
            for op in nb.walk():
                for o in op._operands:
                    m = mapper.get(o.value)
                    if m is not None and m is not o.value:
                        o.set(m)
                if op.successors:
                    op.successors = [mapper.get(s, s) for s in op.successors]

    @overload
    def walk(self, fn: None = None, *, post_order: bool = True) -> Iterator[Operation]: ...
    @overload
    def walk(self, fn: Callable[[Operation], Any], *, post_order: bool = True) -> None: ...
    def walk(self, fn: Callable[[Operation], Any] | None = None, *,
             post_order: bool = True) -> Iterator[Operation] | None:
        """`Operation.walk` over each op of the region (not its parent op); safe against erasing the visited op."""
        def it():
            for b in list(self.blocks):
                for op in list(b.ops):
                    yield from op._walk_iter(post_order)
        if fn is None:
            return it()
        for op in it():
            fn(op)
        return None

    @property
    def parent_op(self) -> Operation | None:
        """The op owning the region; None while detached."""
        return self.parent

    def __repr__(self) -> str:
        return f"<Region with {self.num_blocks()} blocks>"
