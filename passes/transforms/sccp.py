"""`sccp`: sparse conditional constant propagation (MLIR's SCCP).

The analysis (Wegman-Zadeck) runs over the regions of the op the pass is
given, with two worklists: blocks that became executable and values whose
lattice moved. A value's lattice only rises:

    unknown (not reached yet)  ->  constant c  ->  overdefined

- Entry blocks of the analysed regions, and of the regions of every region
  op in an executable block, are executable; their arguments are
  overdefined (no interprocedural or region-branch reasoning).
- An op whose operands are all known is folded with its `fold` hook, given
  the constant of each operand (None for overdefined ones), exactly as the
  greedy driver would, but on simulated values: a fold to an attribute
  makes the result that constant (owned by the op's dialect), a fold to a
  value makes it whatever that value is, and anything else (no hook, no
  fold, an in-place fold - undone) makes it overdefined. Ops with regions
  and calls are overdefined.
- A BranchOpInterface terminator whose operands are known marks the edges
  it may take executable: only the one `get_successor_for_operands` picks
  when it picks one, else all. The arguments of a block are the meet of its
  executable incoming edges' successor operands. Other terminators with
  successors reach all of them, with overdefined arguments.

Then every value found constant (block arguments included) is replaced by a
constant materialized by its dialect's `materialize_constant`, created once
per value and type at the start of the entry block of the enclosing
isolated region (without a location, as folded constants are); an op all
of whose results were replaced and that has no side effects is erased.
Branches on constants and unreachable blocks are left to canonicalize, as
upstream does.

```
mir-opt --sccp f.mir
```
"""

from __future__ import annotations

from collections import deque
from typing import Any

from mlir_py.definition.traits import BranchOpInterface, CallOpInterface, IsolatedFromAbove
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.location import UnknownLoc
from mlir_py.ir.operation import Block, Operation, Region, Value
from mlir_py.pass_manager import Pass, Statistic, register_pass
from mlir_py.rewrite.folding import would_op_be_trivially_dead

#: the top of the lattice: more than one value reaches this point
OVERDEFINED = "overdefined"


class Constant:
    """A lattice value: the constant `value`, to be materialized by `dialect`."""

    __slots__ = ("value", "dialect")

    def __init__(self, value: Attribute, dialect: Any):
        self.value = value
        self.dialect = dialect

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Constant) and other.value == self.value and other.dialect is self.dialect

    def __hash__(self) -> int:
        return hash((self.value, id(self.dialect)))

    def __repr__(self) -> str:
        return f"Constant({self.value})"


def _meet(a: Constant | str | None, b: Constant | str | None) -> Constant | str | None:
    """The lattice join: None (unknown) < Constant < OVERDEFINED."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    return OVERDEFINED


class ConstantPropagation:
    """The analysis state: `lattice(value)` and `is_executable(block)` once `run` returns."""

    def __init__(self, root: Operation):
        self.root = root
        self._lattice: dict[Value, Constant | str] = {}
        self._executable: set[Block] = set()
        self._edges: set[tuple[Block, int]] = set()  # (predecessor, successor index)
        self._blocks: deque[Block] = deque()
        self._values: deque[Value] = deque()
        self._extra_users: dict[Value, list[Operation]] = {}
        self._inside: dict[Region, bool] = {r: True for r in root.regions}

    # -- queries ----------------------------------------------------------------

    def lattice(self, v: Value) -> Constant | str | None:
        """The value's state: a Constant, OVERDEFINED, or None (never reached)."""
        state = self._lattice.get(v)
        if state is None and not self._analysed(v):
            return OVERDEFINED  # defined outside the analysed regions
        return state

    def is_executable(self, block: Block) -> bool:
        return block in self._executable

    def _analysed(self, v: Value) -> bool:
        block = v.parent_block
        region = None if block is None else block.parent
        chain = []
        found = False
        while region is not None:
            known = self._inside.get(region)
            if known is not None:
                found = known
                break
            chain.append(region)
            owner = region.parent
            region = None if owner is None else owner.parent_region
        for r in chain:
            self._inside[r] = found
        return found

    # -- driving ----------------------------------------------------------------

    def run(self) -> None:
        for r in self.root.regions:
            if r.first_block is not None:
                self._mark_executable(r.first_block, entry=True)
        while self._blocks or self._values:
            while self._blocks:
                block = self._blocks.popleft()
                for op in block.ops:
                    self._visit(op)
            while self._values:
                v = self._values.popleft()
                for user in dict.fromkeys([*v.users, *self._extra_users.get(v, ())]):
                    if user.parent in self._executable:
                        self._visit(user)

    def _mark_executable(self, block: Block, *, entry: bool = False) -> None:
        if block in self._executable:
            return
        self._executable.add(block)
        if entry:
            for a in block.args:
                self._join(a, OVERDEFINED)
        self._blocks.append(block)

    def _join(self, v: Value, state: Constant | str | None) -> None:
        old = self._lattice.get(v)
        new = _meet(old, state)
        if new is not old and new != old:
            self._lattice[v] = new
            self._values.append(v)

    def _overdefine(self, op: Operation) -> None:
        for r in op.results:
            self._join(r, OVERDEFINED)

    # -- transfer functions -------------------------------------------------------

    def _visit(self, op: Operation) -> None:
        if op.regions:
            self._overdefine(op)
            for r in op.regions:
                if r.first_block is not None:
                    self._mark_executable(r.first_block, entry=True)
        elif op.results:
            self._fold(op)
        if op.successors:
            self._visit_branch(op)

    def _operand_constants(self, op: Operation) -> list[Attribute | None] | None:
        """The constant per operand (None: overdefined); None if one is still unknown."""
        out: list[Attribute | None] = []
        for v in op.operands:
            state = self.lattice(v)
            if state is None:
                return None
            out.append(state.value if isinstance(state, Constant) else None)
        return out

    def _fold(self, op: Operation) -> None:
        fold = getattr(op, "fold", None)
        if fold is None or CallOpInterface in op.traits or op.definition is None:
            self._overdefine(op)
            return
        constants = self._operand_constants(op)
        if constants is None:
            return
        operands = op.operands
        props, attrs = dict(op.properties), dict(op.attributes)
        try:
            res = fold(constants)
        finally:
            changed = op.operands != operands or op.properties != props or op.attributes != attrs
            if changed:  # no in-place folds on simulated values: put the op back
                op.set_operands(operands)
                op.properties.clear()
                op.properties.update(props)
                op.attributes.clear()
                op.attributes.update(attrs)
        results = _fold_results(op, res)
        if results is None or changed:
            self._overdefine(op)
            return
        for r, x in zip(op.results, results):
            if isinstance(x, Attribute):
                self._join(r, Constant(x, op.dialect))
            else:
                state = self.lattice(x)
                if state is None:
                    users = self._extra_users.setdefault(x, [])
                    if op not in users:
                        users.append(op)
                self._join(r, state)

    def _visit_branch(self, op: Operation) -> None:
        block = op.parent
        if BranchOpInterface not in op.traits:
            for i, succ in enumerate(op.successors):
                if (block, i) not in self._edges:
                    self._edges.add((block, i))
                    self._mark_executable(succ)
                    for a in succ.args:
                        self._join(a, OVERDEFINED)
            return
        constants = self._operand_constants(op)
        if constants is None:
            return
        chosen = None
        pick = getattr(op, "get_successor_for_operands", None)
        if pick is not None:
            try:
                chosen = pick(constants)
            except (AttributeError, IndexError, TypeError, ValueError):
                chosen = None
        for i, succ in enumerate(op.successors):
            if chosen is not None and succ is not chosen:
                continue
            self._edges.add((block, i))
            self._mark_executable(succ)
            values = op.get_successor_operands(i)
            for j, a in enumerate(succ.args):
                self._join(a, self.lattice(values[j]) if j < len(values) else OVERDEFINED)


def _fold_results(op: Operation, res: Any) -> list | None:
    """One Attribute or Value per result, or None when nothing (or only an in-place change) folded."""
    if res is None:
        return None
    if isinstance(res, (Attribute, Value)):
        res = [res]
    res = list(res)
    if len(res) != len(op.results) or any(x is None for x in res):
        return None
    if all(x is r for x, r in zip(res, op.results)):
        return None
    if any(x is r for x, r in zip(res, op.results)):
        return None  # a result that folds to itself says nothing
    return res


# ----------------------------------------------------------------------------
# Rewriting
# ----------------------------------------------------------------------------


class _Materializer:
    """Creates constants at the start of the enclosing isolated region's entry
    block, one per (dialect, value, type) and region (MLIR's OperationFolder)."""

    def __init__(self, root: Operation):
        self.root_regions = set(root.regions)
        self.tables: dict[Region, dict[tuple, Value]] = {}

    def _insertion_region(self, block: Block) -> Region:
        region = block.parent
        while True:
            parent = region.parent
            if parent is None or region in self.root_regions:
                return region
            if parent.definition is None or IsolatedFromAbove in parent.traits:
                return region
            hook = getattr(parent.dialect, "should_materialize_into", None)
            if hook is not None and hook(region):
                return region
            outer = parent.parent_region
            if outer is None:
                return region
            region = outer

    def get(self, block: Block, c: Constant, type: Attribute) -> Value | None:
        region = self._insertion_region(block)
        table = self.tables.setdefault(region, {})
        key = (id(c.dialect), c.value, type)
        found = table.get(key)
        if found is not None:
            return found
        make = getattr(c.dialect, "materialize_constant", None)
        op = make(c.value, type, UnknownLoc()) if make is not None else None
        if op is None or len(op.results) != 1:
            return None
        if op.parent is None:
            entry = region.first_block
            entry.insert_before(entry.first_op, op)
        table[key] = op.results[0]
        return op.results[0]


def rewrite(root: Operation, analysis: ConstantPropagation) -> tuple[int, int]:
    """Replace the values found constant; returns (values replaced, ops erased)."""
    folder = _Materializer(root)
    replaced = erased = 0

    def replace(v: Value, block: Block) -> bool:
        nonlocal replaced
        state = analysis.lattice(v)
        if not isinstance(state, Constant):
            return False
        c = folder.get(block, state, v.type)
        if c is None:
            return False
        if c is not v:
            v.replace_all_uses_with(c)
            replaced += 1
        return True

    # new constants go to the start of an entry block, before the op being
    # visited or into a block whose values have no lattice: never replaced
    worklist = [b for r in root.regions for b in reversed(list(r.blocks))]
    while worklist:
        block = worklist.pop()
        op = block.first_op
        while op is not None:
            nxt = op.next_op
            all_replaced = bool(op.results)
            for r in op.results:
                all_replaced &= replace(r, block)
            if all_replaced and not op.has_uses() and would_op_be_trivially_dead(op):
                op.erase()
                erased += 1
            else:
                for r in op.regions:
                    worklist.extend(reversed(list(r.blocks)))
            op = nxt
        for a in list(block.args):
            replace(a, block)
    return replaced, erased


@register_pass
class SCCP(Pass):
    """Sparse conditional constant propagation (see the module docstring)."""

    name = "sccp"
    summary = "Sparse Conditional Constant Propagation"
    display_name = "SCCP"
    statistics = [Statistic("num-replaced", "values replaced by constants"),
                  Statistic("num-erased", "ops erased")]

    def run_on_operation(self, op: Operation) -> None:
        analysis = ConstantPropagation(op)
        analysis.run()
        replaced, erased = rewrite(op, analysis)
        self.stats["num-replaced"] += replaced
        self.stats["num-erased"] += erased


__all__ = ["OVERDEFINED", "Constant", "ConstantPropagation", "SCCP", "rewrite"]
