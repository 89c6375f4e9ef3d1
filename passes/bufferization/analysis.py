"""One-Shot analysis: which tensor operands may be bufferized in place.

Every tensor value will live in some buffer. An op that writes into its
operand (a linalg init, the dest of tensor.insert) may reuse the operand's
buffer - bufferize "in place" - unless that would clobber data somebody
still needs. The analysis decides this once per tensor operand, visiting
ops bottom-up (upstream's default heuristic), and keeps union-find alias
sets: an in-place operand joins the results that share its buffer.

A candidate in-place operand is rejected when, with it in place, the
merged alias set has

- a *read-after-write conflict*: some op R reads a value of the set whose
  contents were defined (by an earlier write or by creation) before an
  in-place write W of the set, and W happens between that definition and R
  (R and W in one op are fine when it is the same operand, or when the op
  reads each element before writing it - elementwise linalg ops). Writes
  and reads inside a loop that does not contain the definition conflict in
  any order (a later iteration reads what an earlier one wrote). Ops in
  different branches of an scf.if are ordered by their textual position,
  which is conservative.
- a *write to a non-writable buffer*: an in-place write into a set holding
  a constant, a function argument (unless bufferize-function-boundaries,
  without `bufferization.writable = false`) or an unknown op's result.

Operands that only read and alias nothing are always in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.operation import BlockArgument, OpResult

from .model import BufferizationModel, is_tensor, model_of


class _Unknown(BufferizationModel):
    def writes(self, op, i):
        return True

    def aliases(self, op, i):
        return [r.index for r in op.results if is_tensor(r)]

    def equivalent(self, op, i):
        return False

    def result_writable(self, op, r):
        return False


UNKNOWN = _Unknown()

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation, Value

#: ops whose bodies run repeatedly: a write inside conflicts with any read of an outer value
LOOP_OPS = {"scf.for", "scf.while", "scf.parallel", "scf.forall", "affine.for", "affine.parallel"}

Use = tuple  # (op, operand index)


class OneShotAnalysis:
    """Runs over the tensor ops nested in `roots` (function ops)."""

    def __init__(self, roots: list[Operation], *, function_boundaries: bool = False,
                 copy_before_write: bool = False, dialect_filter: list[str] | None = None,
                 call_info: dict | None = None):
        self.function_boundaries = function_boundaries
        self.copy_before_write = copy_before_write
        self.dialect_filter = dialect_filter
        #: callee name -> (args written: list[bool], result -> aliased arg index or None)
        self.call_info = call_info if call_info is not None else {}
        self.inplace: dict[Use, bool] = {}
        self.parent: dict[Value, Value] = {}
        self.members: dict[Value, list[Value]] = {}
        self.eq_parent: dict[Value, Value] = {}
        self.pos: dict[Operation, int] = {}
        self.ops: list[Operation] = []
        #: ops with tensors and no model: analysed as reading and writing every tensor operand,
        #: which may alias any tensor result (upstream's defaults), and left on tensors
        self.unknown: list[Operation] = []
        self.ops_post_order: list[Operation] = []
        for root in roots:
            for op in root.walk(post_order=False):
                self.pos[op] = len(self.pos)
            for op in root.walk():
                if op is not root and _has_tensor_semantics(op):
                    self.ops_post_order.append(op)
                    if self.is_bufferizable(op):
                        self.ops.append(op)
                    else:
                        self.unknown.append(op)

    # -- queries ---------------------------------------------------------------

    def is_bufferizable(self, op: Operation) -> bool:
        if model_of(op) is None or (op.name == "func.return" and not self.function_boundaries):
            return False
        return self.dialect_filter is None or op.name.split(".")[0] in self.dialect_filter

    def model(self, op: Operation):
        return model_of(op) if self.is_bufferizable(op) else UNKNOWN

    def reads(self, op: Operation, i: int) -> bool:
        return self.model(op).reads(op, i)

    def writes(self, op: Operation, i: int) -> bool:
        return self.model(op).writes(op, i)

    def aliases(self, op: Operation, i: int) -> list[int]:
        return self.model(op).aliases(op, i)

    def is_inplace(self, op: Operation, i: int) -> bool:
        """Decided in place (undecided operands that alias nothing count as in place)."""
        got = self.inplace.get((op, i))
        if got is not None:
            return got
        return not self.alias_values(op, i) and not self.writes(op, i)

    def writable(self, v: Value) -> bool:
        if isinstance(v, BlockArgument):
            owner = v.block.parent_op
            if owner is not None and owner.name == "func.func" and v.block is owner.regions[0].first_block:
                if not self.function_boundaries:
                    return False
                d = owner.get_arg_attr_dict(v.index)
                w = d.get("bufferization.writable") if d is not None else None
                return not (isinstance(w, IntegerAttr) and not w.value)
            return True
        assert isinstance(v, OpResult)
        return self.model(v.op).result_writable(v.op, v.index)

    def find(self, v: Value) -> Value:
        p = self.parent.get(v, v)
        while p is not v:
            gp = self.parent.get(p, p)
            self.parent[v] = gp
            v, p = p, gp
        return v

    def alias_set(self, v: Value) -> list[Value]:
        return self.members.get(self.find(v), [v])

    def union(self, a: Value, b: Value) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra is rb:
            return
        ma, mb = self.members.get(ra, [ra]), self.members.get(rb, [rb])
        self.parent[rb] = ra
        self.members[ra] = ma + mb
        self.members.pop(rb, None)

    def _eq_find(self, v: Value) -> Value:
        while v in self.eq_parent:
            v = self.eq_parent[v]
        return v

    def equivalent(self, a: Value, b: Value) -> bool:
        """Same buffer (not merely overlapping ones)."""
        return self._eq_find(a) is self._eq_find(b)

    # -- the analysis -----------------------------------------------------------

    def alias_values(self, op: Operation, i: int) -> list:
        m = self.model(op)
        return [op.results[r] for r in m.aliases(op, i)] + m.extra_aliases(op, i)

    def run(self) -> None:
        from . import model as model_module
        model_module.CURRENT[0] = self
        # operands that must be in place are merged first, as upstream (their aliasing holds
        # whatever the other decisions are, so every decision must see it)
        for op in self.ops:
            m = self.model(op)
            for i, v in enumerate(op.operands):
                if is_tensor(v) and m.must_be_inplace(op, i):
                    self.decide(op, i)
        # bottom-up: the reverse of a post-order walk (a loop is decided before its body), as upstream
        for op in reversed(self.ops_post_order):
            for i, v in enumerate(op.operands):
                if is_tensor(v) and (op, i) not in self.inplace:
                    self.decide(op, i)

    def decide(self, op: Operation, i: int) -> None:
        targets = self.alias_values(op, i)
        if not targets and not self.writes(op, i):
            self.inplace[(op, i)] = True
            return
        if self.copy_before_write and self.writes(op, i):
            self.inplace[(op, i)] = False
            return
        v = op.operands[i]
        seen: set[int] = set()
        merged: list[Value] = []
        for x in [v] + targets:
            for y in self.alias_set(x):
                if id(y) not in seen:
                    seen.add(id(y))
                    merged.append(y)
        cand = (op, i)
        m = self.model(op)
        ok = m.must_be_inplace(op, i) or (not self._writes_non_writable(merged, cand)
                                          and not self._raw_conflict(merged, cand))
        self.inplace[cand] = ok
        if ok:
            for t in targets:
                self.union(v, t)
                if m.equivalent(op, i):
                    ra, rb = self._eq_find(v), self._eq_find(t)
                    if ra is not rb:
                        self.eq_parent[rb] = ra

    def _inplace_writes(self, values: list[Value], cand: Use) -> list[Use]:
        out = []
        for val in values:
            for u in val.uses:
                key = (u.owner, u.index)
                if self.writes(u.owner, u.index) and (key == cand or self.inplace.get(key, False)):
                    out.append(key)
        return out

    def _writes_non_writable(self, values: list[Value], cand: Use) -> bool:
        if not self._inplace_writes(values, cand):
            return False
        return any(not self.writable(v) for v in values)

    def _raw_conflict(self, values: list[Value], cand: Use) -> bool:
        writes = self._inplace_writes(values, cand)
        if not writes:
            return False
        # a read of the set, or (as upstream's getAliasingReads) a use that only makes an alias
        # whose contents are read later: an out-of-place extract_slice copies at that point
        reads = [(u.owner, u.index) for val in values for u in val.uses
                 if self.reads(u.owner, u.index) or (
                     not self.writes(u.owner, u.index)
                     and any(self.is_value_read(x) for x in self.alias_values(u.owner, u.index)))]
        for r in reads:
            defs = None
            for w in writes:
                if defs is None:
                    defs = self.definitions(r[0].operands[r[1]], cand)
                if self._conflicts(r, w, defs):
                    return True
        return False

    def definitions(self, v: Value, cand: Use | None = None) -> list:
        """The last writes (uses) or creating values whose contents a read of `v` sees."""
        out: list = []
        work = [v]
        seen: set[int] = set()
        while work:
            x = work.pop()
            if id(x) in seen:
                continue
            seen.add(id(x))
            if isinstance(x, OpResult):
                op = x.op
                srcs = self.model(op).result_sources(op, x.index)
                if srcs is not None:
                    # a region op's result is itself the definition when a write inside the op
                    # made it (upstream's resultBufferizesToMemoryWrite), else look through
                    sub = [d for src in srcs for d in self.definitions(src, cand)]
                    if any(isinstance(d, tuple) and op.is_ancestor(d[0]) and d[0] is not op for d in sub):
                        out.append(x)
                    else:
                        out += sub
                    continue
                ins = [i for i, o in enumerate(op.operands) if is_tensor(o) and x.index in self.aliases(op, i)
                       and ((op, i) == cand or self.inplace.get((op, i), False))]
                if ins:
                    for i in ins:
                        if self.writes(op, i):
                            out.append((op, i))
                        else:
                            work.append(op.operands[i])
                    continue
            elif isinstance(x, BlockArgument) and x.block.parent_op is not None:
                owner = x.block.parent_op
                d = self.model(owner).arg_definition(owner, x) if owner.name != "func.func" else None
                if d is not None:
                    out.append(d)
                    continue
            out.append(x)
        return out

    def _def_op(self, d) -> Operation | None:
        if isinstance(d, tuple):
            return d[0]
        if isinstance(d, OpResult):
            return d.op
        return None

    def happens_before(self, a: Operation, b: Operation) -> bool:
        pa, pb = self.pos.get(a), self.pos.get(b)
        if pa is None or pb is None:
            return False
        return pa < pb

    def _inside(self, d, loop: Operation) -> bool:
        if isinstance(d, BlockArgument):
            owner = d.block.parent_op
            return owner is not None and loop.is_ancestor(owner)
        if isinstance(d, tuple) and d[0] is loop:  # the loop's own iter_arg: redefined each iteration
            return True
        op = self._def_op(d)
        return op is not None and loop.is_ancestor(op) and op is not loop

    def _conflicts(self, r: Use, w: Use, defs: list) -> bool:
        rop, wop = r[0], w[0]
        for m_op in (rop, wop):
            m = self.model(m_op)
            if hasattr(m, "not_conflicting") and m.not_conflicting(self, m_op, r, w):
                return False
        if rop is wop:
            if r[1] == w[1]:
                return False
            return not self.model(rop).elementwise(rop, r[1], w[1])
        if _exclusive(rop, wop):
            return False
        # per definition, as upstream: the write itself defines (part of) what is read
        defs = [d for d in defs if d != w]
        if not defs:
            return False
        # a loop holding both, but not the definition: every order conflicts
        loop = wop.parent_op
        while loop is not None:
            if loop.name in LOOP_OPS and loop.is_ancestor(rop) and rop is not loop:
                if not all(self._inside(d, loop) for d in defs):
                    return True
            loop = loop.parent_op
        if not self.happens_before(wop, rop):
            return False
        for d in defs:
            dop = self._def_op(d)
            if dop is not None and not isinstance(d, tuple) and dop.is_ancestor(wop):
                continue  # the write is part of making the definition (inside its region op)
            if dop is None or not self.happens_before(wop, dop):
                return True
        return False

    # -- results ----------------------------------------------------------------

    def is_value_read(self, v: Value) -> bool:
        """Whether the contents of `v` are read, directly or through an alias."""
        work, seen = [v], set()
        while work:
            x = work.pop()
            if id(x) in seen:
                continue
            seen.add(id(x))
            for u in x.uses:
                if self.reads(u.owner, u.index):
                    return True
                if not self.writes(u.owner, u.index):  # an op that only makes an alias
                    work += self.alias_values(u.owner, u.index)
        return False

    def has_undefined_contents(self, v: Value) -> bool:
        return isinstance(v, OpResult) and self.model(v.op).undefined_result(v.op, v.index)

    def can_omit_copy(self, op: Operation, i: int) -> bool:
        """Upstream's canOmitTensorCopy for an out-of-place operand."""
        v = op.operands[i]
        if self.has_undefined_contents(v):
            return True
        reads = self.reads(op, i)
        if self.writes(op, i) and not reads:
            return True
        return not reads and not any(self.is_value_read(x) for x in self.alias_values(op, i))

    def copies_result(self, op: Operation, i: int) -> bool:
        """An out-of-place operand of an op that only creates an alias (extract_slice):
        the result is copied instead of the operand, which can be smaller."""
        if self.writes(op, i):
            return False
        rs = self.aliases(op, i)
        if len(rs) != 1:
            return False
        owners = [j for j, o in enumerate(op.operands) if is_tensor(o) and rs[0] in self.aliases(op, j)]
        return len(owners) == 1

    def arg_access(self, func: Operation, arg: Value) -> str:
        """bufferization.access of a function argument: read / write / read-write / none."""
        vals = self.alias_set(arg)
        r = self.is_value_read(arg)
        w = any(self.writes(u.owner, u.index) and self.inplace.get((u.owner, u.index), False)
                for v in vals for u in v.uses)
        return "read-write" if r and w else "read" if r else "write" if w else "none"


def _region_of(op: Operation, ancestor: Operation):
    """The region of `ancestor` that holds `op` (None unless `ancestor` properly contains it)."""
    while op is not None:
        p = op.parent_op
        if p is ancestor:
            return op.parent.parent if op.parent is not None else None
        op = p
    return None


def _exclusive(a: Operation, b: Operation) -> bool:
    """Whether a and b sit in different branches of one scf.if / scf.index_switch (never both run)."""
    p = a.parent_op
    while p is not None:
        if p.name in ("scf.if", "scf.index_switch"):
            ra, rb = _region_of(a, p), _region_of(b, p)
            if rb is not None:
                return ra is not rb
        p = p.parent_op
    return False


def _has_tensor_semantics(op: Operation) -> bool:
    if any(is_tensor(v) for v in op.operands) or any(is_tensor(v) for v in op.results):
        return True
    return any(is_tensor(a) for reg in op.regions for b in reg.blocks for a in b.args)
