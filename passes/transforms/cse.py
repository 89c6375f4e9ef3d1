"""`cse`: eliminate common subexpressions (MLIR's CSE pass).

The walk follows the dominator tree of each region with a scoped hash table
of the ops seen so far: an op equal to one in the table - same name,
operands, result types, properties, attributes, successors and (for ops
with regions) structurally equal regions - is replaced by it. Values from a
dominating block or an enclosing region are reused; ops of sibling regions
or of blocks that do not dominate never are, because their scope has been
popped. An op isolated from above starts a fresh table.

Which ops are candidates:
- ops without memory effects;
- ops that only read, and only when the earlier op is in the same block
  with no op in between that may write (or has unknown effects) - the simple
  same-block rule of upstream; a scan is remembered per earlier op, so a
  chain of reads costs linear time;
- never terminators, ops with unknown effects, allocations, or ops whose
  regions have more than one block.

Ops found trivially dead on the way are erased too (`num-dce'd`). The hash
key of an op is built once, when the walk reaches it.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from mlir_py.analysis.dominance import DominatorTree
from mlir_py.definition.traits import (
    IsolatedFromAbove,
    MemoryEffects,
    Read,
    RecursiveMemoryEffects,
    RegionKind,
    Terminator,
    get_memory_effects,
    region_kind,
)
from mlir_py.ir.location import UnknownLoc
from mlir_py.ir.operation import Block, Operation, Region
from mlir_py.pass_manager import Pass, Statistic, register_pass
from mlir_py.rewrite.folding import would_op_be_trivially_dead
from mlir_py.support.gcpause import gc_paused

# -- memory effects, classified once per op class when it can be ---------------

_FREE, _READ, _OTHER, _ASK = 0, 1, 2, 3
#: op class -> (kind, may write) when fixed by its declaration, else (_ASK, None)
_class_cache: dict[type, tuple[int, bool | None]] = {}


def _classify(effects: list | None) -> tuple[int, bool]:
    if effects is None:
        return _OTHER, True
    if not effects:
        return _FREE, False
    if all(isinstance(e, Read) for e in effects):
        return _READ, False
    return _OTHER, any(e.kind not in ("read", "allocate") for e in effects)


def _class_info(op: Operation) -> tuple[int, bool | None]:
    cls = type(op)
    info = _class_cache.get(cls)
    if info is None:
        if op.definition is None:
            info = (_OTHER, True)
        elif hasattr(cls, "get_effects") or RecursiveMemoryEffects in op.traits:
            info = (_ASK, None)
        else:
            t = op.get_trait(MemoryEffects)
            info = _classify(None if t is None else list(t.effects))
        _class_cache[cls] = info
    return info


def _effect_kind(op: Operation) -> int:
    """_FREE (no effects), _READ (only reads) or _OTHER (anything else)."""
    k = _class_info(op)[0]
    return _classify(get_memory_effects(op))[0] if k == _ASK else k


def _may_write(op: Operation) -> bool:
    """Whether `op` may change memory a read depends on (frees and unknown effects count)."""
    w = _class_info(op)[1]
    return _classify(get_memory_effects(op))[1] if w is None else w


# -- structural equality of regions ---------------------------------------------


class _Regions:
    """The regions of an op as part of its hash key: equal when structurally
    equal (values defined inside map to each other, outside ones must be identical)."""

    __slots__ = ("op", "_hash")

    def __init__(self, op: Operation):
        self.op = op
        names = []
        for r in op.regions:
            for o in r.walk(post_order=False):
                names.append(o.name)
            names.append("|")
        self._hash = hash(tuple(names))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, _Regions) or self._hash != other._hash:
            return False
        a, b = self.op.regions, other.op.regions
        mapping: dict = {}
        return len(a) == len(b) and all(_region_eq(x, y, mapping) for x, y in zip(a, b))


def _region_eq(a: Region, b: Region, m: dict) -> bool:
    ablocks, bblocks = list(a.blocks), list(b.blocks)
    if len(ablocks) != len(bblocks):
        return False
    for x, y in zip(ablocks, bblocks):
        if len(x.args) != len(y.args) or any(p.type is not q.type for p, q in zip(x.args, y.args)):
            return False
        m[x] = y
        for p, q in zip(x.args, y.args):
            m[p] = q
    for x, y in zip(ablocks, bblocks):
        for o, p in zip_longest(x.ops, y.ops):
            if o is None or p is None or not _op_eq(o, p, m):
                return False
    return True


def _op_eq(a: Operation, b: Operation, m: dict) -> bool:
    if (a.name != b.name or len(a._operands) != len(b._operands) or len(a.results) != len(b.results)
            or len(a.regions) != len(b.regions) or len(a.successors) != len(b.successors)
            or a.properties != b.properties or a.attributes != b.attributes):
        return False
    for x, y in zip(a.results, b.results):
        if x.type is not y.type:
            return False
    for x, y in zip(a._operands, b._operands):
        if m.get(x.value, x.value) is not y.value:
            return False
    for x, y in zip(a.successors, b.successors):
        if m.get(x, x) is not y:
            return False
    for x, y in zip(a.results, b.results):
        m[x] = y
    return all(_region_eq(x, y, m) for x, y in zip(a.regions, b.regions))


def op_key(op: Operation) -> tuple | None:
    """The hash key of `op` (None when something in it is unhashable)."""
    props, attrs = op.properties, op.attributes
    try:
        return (op.name, tuple([o.value for o in op._operands]), tuple([r.type for r in op.results]),
                frozenset(props.items()) if props else None, frozenset(attrs.items()) if attrs else None,
                tuple(op.successors) if op.successors else None, _Regions(op) if op.regions else None)
    except TypeError:
        return None


# -- scoped table -------------------------------------------------------------------


class _ScopedTable:
    """A dict whose insertions are undone scope by scope (llvm::ScopedHashTable)."""

    def __init__(self):
        self.map: dict = {}
        self._undo: list[list] = []

    def push(self) -> None:
        self._undo.append([])

    def pop(self) -> None:
        m = self.map
        for key, prev in reversed(self._undo.pop()):
            if prev is None:
                del m[key]
            else:
                m[key] = prev

    def insert(self, key: Any, op: Operation) -> None:
        m = self.map
        self._undo[-1].append((key, m.get(key)))
        m[key] = op


# -- dominator tree -------------------------------------------------------------------


def dominator_tree_children(region: Region) -> dict[Block, list[Block]]:
    """Children of each reachable block in the dominator tree of `region`."""
    return DominatorTree(region).children


# -- the pass -------------------------------------------------------------------------


@register_pass
class CSE(Pass):
    """Eliminate common sub-expressions (see the module docstring)."""

    name = "cse"
    summary = "Eliminate common sub-expressions"
    statistics = [Statistic("num-cse'd", "Number of operations CSE'd"),
                  Statistic("num-dce'd", "Number of operations DCE'd")]

    def run_on_operation(self, op: Operation) -> None:
        driver = _CSEDriver()
        with gc_paused():  # the tables hold a key per op: collections would rescan them all
            driver.simplify_regions_of_isolated(op)
            for dead in driver.to_erase:
                if dead.parent is not None:
                    dead.erase(safe=False)
        self.stats["num-cse'd"] += driver.num_cse
        self.stats["num-dce'd"] += driver.num_dce


class _CSEDriver:
    def __init__(self):
        self.to_erase: list[Operation] = []
        self.num_cse = 0
        self.num_dce = 0
        #: ops keyed in a table while inside a graph region: without dominance
        #: a use may precede its definition, and a keyed op's operands must not change
        self.known: set[Operation] = set()
        self._track = False
        #: first read -> (last op scanned after it, whether a writer was found)
        self._scan: dict[Operation, tuple[Operation, bool]] = {}

    def simplify_regions_of_isolated(self, op: Operation) -> None:
        """Each region of an op isolated from above (or of the pass's root) gets
        a table of its own; it is dropped at the end, never unwound."""
        saved = self._track
        for i, r in enumerate(op.regions):
            self.simplify_region(_ScopedTable(), r, region_kind(op, i) == RegionKind.SSACFG, fresh=True)
        self._track = saved

    def simplify_region(self, table: _ScopedTable, region: Region, ssa: bool, fresh: bool = False) -> None:
        first = region.first_block
        if first is None:
            return
        saved = self._track
        self._track = not ssa or (saved and not fresh)
        if first.next_block is None:
            table.push()
            self.simplify_block(table, first, ssa)
            if not fresh:
                table.pop()
        elif ssa:
            children = dominator_tree_children(region)
            # Iterative pre-order walk of the dominator tree, one scope per node.
            table.push()
            self.simplify_block(table, first, ssa)
            stack = [iter(children[first])]
            while stack:
                child = next(stack[-1], None)
                if child is None:
                    stack.pop()
                    if stack or not fresh:
                        table.pop()
                    continue
                table.push()
                self.simplify_block(table, child, ssa)
                stack.append(iter(children[child]))
        self._track = saved

    def simplify_block(self, table: _ScopedTable, block: Block, ssa: bool) -> None:
        for op in block.ops:  # the view steps past an op CSE erases
            if not self.simplify_op(table, op, ssa) and op.regions:
                if IsolatedFromAbove in op.traits:
                    self.simplify_regions_of_isolated(op)
                else:
                    for i, r in enumerate(op.regions):
                        self.simplify_region(table, r, region_kind(op, i) == RegionKind.SSACFG)

    def simplify_op(self, table: _ScopedTable, op: Operation, ssa: bool) -> bool:
        """True when `op` is gone (CSE'd or dead) and its regions need no visit."""
        if Terminator in op.traits:
            return False
        if not op.has_uses() and would_op_be_trivially_dead(op):
            self.to_erase.append(op)
            self.num_dce += 1
            return True
        for r in op.regions:
            b = r.first_block
            if b is not None and b.next_block is not None:
                return False
        kind = _effect_kind(op)
        if kind == _OTHER:
            return False
        key = op_key(op)
        if key is None:
            return False
        existing = table.map.get(key)
        if existing is not None:
            if kind == _FREE or (existing.parent is op.parent and not self._writer_between(existing, op)):
                self._replace(op, existing, ssa)
                return True
        table.insert(key, op)
        if self._track:
            self.known.add(op)
        return False

    def _writer_between(self, first: Operation, op: Operation) -> bool:
        last, found = self._scan.get(first, (first, False))
        if found:
            return True
        cur = last.next_op
        while cur is not None and cur is not op:
            if _may_write(cur):
                self._scan[first] = (cur, True)
                return True
            cur = cur.next_op
        self._scan[first] = (op, False)
        return False

    def _replace(self, op: Operation, existing: Operation, ssa: bool) -> None:
        if ssa:
            for r, e in zip(op.results, existing.results):
                r.replace_all_uses_with(e)
            self.to_erase.append(op)
        else:
            # Without dominance a use may already have been visited (and keyed): leave those.
            known = self.known
            for r, e in zip(op.results, existing.results):
                r.replace_uses_with_if(e, lambda use: use.owner not in known)
            if not op.has_uses():
                self.to_erase.append(op)
        if type(existing.location) is UnknownLoc and type(op.location) is not UnknownLoc:
            existing.location = op.location
        self.num_cse += 1
