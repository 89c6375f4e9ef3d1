"""The verifier: structure, dominance, then each op's declared constraints.

Every failure becomes a diagnostic at the offending op's location, and the
walk continues so that all failures in a module are reported.
"""

from __future__ import annotations

from mlir_py.analysis.dominance import DominanceInfo
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import OPTIONAL, SINGLE, VARIADIC, Op, _group_sizes
from mlir_py.definition.traits import (
    IsolatedFromAbove,
    NoTerminator,
    RegionKind,
    Terminator,
    Trait,
    region_kind,
)
from mlir_py.ir import diagnostics
from mlir_py.ir.attributes import ParametrizedAttribute
from mlir_py.ir.diagnostics import DiagnosticCollector, DiagnosticError, emit
from mlir_py.ir.operation import Block, Operation, Region
from mlir_py.support.gcpause import gc_paused
from mlir_py.support.user_errors import UserCodeError, must_propagate


def verify(op: Operation, *, raise_on_error: bool = True) -> bool:
    """Verify op and everything nested. Errors go to the active diagnostic
    handler; with no handler installed they are raised as DiagnosticError."""
    if diagnostics._handlers:
        with gc_paused():
            return _Verifier().run(op)
    with DiagnosticCollector() as c, gc_paused():
        ok = _Verifier().run(op)
    if not ok and raise_on_error:
        raise DiagnosticError(c.errors)
    return ok


class _Verifier:
    def __init__(self):
        self.failed = False
        #: ops an error was reported for (a block's missing terminator is not
        #: reported when its last op already failed, as upstream stops there)
        self._failed_ops: set[Operation] = set()
        #: (block's last op) whose "block with no terminator" waits for it to verify
        self._pending_no_terminator: list[Operation] = []
        self._order: dict[Block, dict[Operation, int]] = {}
        self._dom = DominanceInfo()

    def error(self, op: Operation, message: str, *, op_prefix: bool = True):
        self.failed = True
        self._failed_ops.add(op)
        msg = f"'{op.name}' op {message}" if op_prefix else message
        return emit("error", op.location, msg, op=op)

    def run(self, root: Operation) -> bool:
        self._verify_op(root)
        return not self.failed

    # ------------------------------------------------------------------

    def _verify_op(self, op: Operation) -> None:
        if op.definition is not None:
            try:
                self._verify_definition(op)
            except BaseException as e:  # noqa: BLE001 - the op's own checks (verify_, traits) raised
                if must_propagate(e):
                    raise
                self.failed = True
                UserCodeError(op, "verifier", e).emit()
        for i, r in enumerate(op.regions):
            kind = region_kind(op, i)
            self._verify_region(op, r, kind)
        if op.regions:
            pending = len(self._pending_no_terminator)
            for i, r in enumerate(op.regions):
                for b in r.blocks:
                    o = b._first
                    while o is not None:
                        self._verify_op(o)
                        o = o._next
            for last in self._pending_no_terminator[pending:]:
                if last not in self._failed_ops:
                    self.error(last, f"block with no terminator, has '{last.name}'", op_prefix=False)
            del self._pending_no_terminator[pending:]

    def _verify_region(self, op: Operation, region: Region, kind: str) -> None:
        no_term = NoTerminator in op.traits or kind == RegionKind.GRAPH
        isolated = IsolatedFromAbove in op.traits
        ssacfg = kind == RegionKind.SSACFG
        entry = region.first_block
        if entry is not None:
            for block in region.blocks:
                t = block._last
                if t is not None and t.successors and entry in t.successors:
                    self.error(op, "entry block of region may not have predecessors", op_prefix=False)
                    return
        for block in region.blocks:
            last = block._last
            if last is None:
                if not no_term and op.definition is not None:
                    self.error(op, "empty block: expect at least a terminator")
                continue
            if not no_term and op.definition is not None and last.definition is not None \
                    and Terminator not in last.traits:
                self._pending_no_terminator.append(last)
            for s in last.successors:
                if s.parent is not region:
                    self.error(last, "reference to block defined in another region")
            o = block._first
            while o is not None:
                # a terminator that is not last is reported by the Terminator trait
                self._verify_operands_dominance(o, block, region, ssacfg, isolated, op)
                o = o._next

    def _verify_operands_dominance(self, user: Operation, block: Block, region: Region, ssacfg: bool,
                                   isolated: bool, region_op: Operation) -> None:
        for idx, operand in enumerate(user._operands):
            v = operand.value
            def_block = v.block if hasattr(v, "block") else (v.op.parent if hasattr(v, "op") else None)
            if def_block is None:
                self.error(user, f"operand #{idx} is a value that is not defined in any block")
                continue
            if def_block is block:
                if ssacfg and hasattr(v, "op") and not self._before(v.op, user, block):
                    self._dominance_error(user, idx, v)
                continue
            # walk up from the user until reaching the defining block's region
            def_region = def_block.parent
            anc_op = user
            anc_block = block
            crossed_isolation = False
            while anc_block is not None and anc_block.parent is not def_region:
                parent_op = anc_block.parent.parent if anc_block.parent is not None else None
                if parent_op is None:
                    anc_block = None
                    break
                if IsolatedFromAbove in parent_op.traits:
                    crossed_isolation = True
                anc_op = parent_op
                anc_block = parent_op.parent
            if anc_block is None:
                self._dominance_error(user, idx, v)
                continue
            if crossed_isolation:
                d = self.error(user, "using value defined outside the region", op_prefix=True)
                d.attach_note("required by region isolation constraints", anc_op.location)
                continue
            kind = region_kind(def_region.parent, _region_index(def_region)) if def_region.parent else \
                RegionKind.SSACFG
            if kind == RegionKind.GRAPH:
                continue
            if anc_block is def_block:
                if hasattr(v, "op") and (v.op is anc_op or not self._before(v.op, anc_op, def_block)):
                    self._dominance_error(user, idx, v)
                continue
            if not self._dominates(def_block, anc_block, def_region):
                self._dominance_error(user, idx, v)

    def _dominance_error(self, user: Operation, idx: int, v) -> None:
        d = self.error(user, f"operand #{idx} does not dominate this use", op_prefix=False)
        if hasattr(v, "op"):
            d.attach_note(f"operand defined here ({_relation(user.parent, v.op.parent, 'op')})", v.op.location)
        else:
            d.attach_note(f"operand defined as a block argument (block #{_block_index(v.block)} in a "
                          f"parent region)", v.block.parent.parent.location if v.block.parent and
                          v.block.parent.parent else None)

    def _before(self, a: Operation, b: Operation, block: Block) -> bool:
        order = self._order.get(block)
        if order is None:
            order = {}
            i = 0
            o = block._first
            while o is not None:
                order[o] = i
                i += 1
                o = o._next
            self._order[block] = order
        return order[a] < order[b]

    def _dominates(self, a: Block, b: Block, region: Region) -> bool:
        # an unreachable b is dominated by anything, as in MLIR
        return self._dom.tree(region).dominates(a, b)

    # ------------------------------------------------------------------

    def _verify_definition(self, op: Operation) -> None:
        d = op.definition
        plan = d.__dict__.get("_verify_plan")
        if plan is None:
            plan = _VerifyPlan(d)
            d._verify_plan = plan
        if not plan.shape_ok(op):
            self._verify_shape(op, d)
            if self.failed:
                return
        # traits run in declaration order (the first failure is upstream's);
        # type-only ones are skipped for a type signature already found valid
        key = plan.type_key(op) if plan.has_type_traits else None
        known = key is not None and key in plan.types_ok
        for verify_trait, types_only in plan.trait_verifiers:
            if types_only and known:
                continue
            err = verify_trait(op)
            if err is not None:
                if err:
                    self.error(op, err)
                else:
                    self.failed = True
                return
        if key is not None and not known:
            plan.types_ok.add(key)
        if plan.has_custom_verify:
            err = op.verify_()
            if err:
                self.error(op, err)
            elif err == "":
                self.failed = True  # the op emitted its own diagnostic (e.g. without the op-name prefix)

    def _verify_shape(self, op: Operation, d) -> None:
        """The detailed (slow) check of operands, results, properties, regions
        and successors, run only when the plan's fast check fails."""
        before = self.failed
        self._verify_groups(op, d.operands, len(op._operands), "operandSegmentSizes", "operand",
                            [o.value.type for o in op._operands])
        if self.failed and not before:
            return  # as ODS's verifyInvariants: report the first failing constraint only
        self._verify_groups(op, d.results, len(op.results), "resultSegmentSizes", "result",
                            [r.type for r in op.results])
        for name, p in d.props.items():
            a = op.properties.get(name)
            if a is None:
                a = op.attributes.get(name)
            if a is None:
                if p.kind == SINGLE and p.default is None:
                    self.error(op, f"requires attribute '{name}'")
                continue
            err = p.constraint.verify(a)
            if err:
                self.error(op, f"attribute '{name}' failed to satisfy constraint: {_strip(err)}")
        nreg = len(op.regions)
        n_fixed = sum(1 for r in d.regions if r.kind != VARIADIC)
        has_var = any(r.kind == VARIADIC for r in d.regions)
        if nreg < n_fixed or (not has_var and nreg != n_fixed):
            # upstream's ZeroRegions / OneRegion / NRegions / AtLeastNRegions texts
            if has_var:
                self.error(op, f"expected {n_fixed} or more regions")
            else:
                self.error(op, {0: "requires zero regions", 1: "requires one region"}.get(
                    n_fixed, f"expected {n_fixed} regions"))
        nsucc = len(op.successors)
        s_fixed = sum(1 for s in d.successors if s.kind != VARIADIC)
        s_var = any(s.kind == VARIADIC for s in d.successors)
        if nsucc < s_fixed or (not s_var and nsucc != s_fixed):
            self.error(op, f"requires {s_fixed} successor{'s' if s_fixed != 1 else ''}")

    def _verify_groups(self, op, defs, total, seg_name, what, types) -> None:
        seg = op.properties.get(seg_name) if any(x.kind != SINGLE for x in defs) and \
            sum(1 for x in defs if x.kind != SINGLE) > 1 else None
        if seg is None and sum(1 for x in defs if x.kind != SINGLE) > 1:
            self.error(op, f"requires attribute '{seg_name}'")
            return
        sizes = _group_sizes(defs, total, seg, what)
        if sizes is None or sum(sizes) != total:
            n_single = sum(1 for x in defs if x.kind == SINGLE)
            if seg is not None:
                self.error(op, f"{what} count ({total}) does not match with the total size "
                               f"({sum(seg.values) if seg is not None else '?'}) specified in attribute "
                               f"'{seg_name}'")
            elif any(x.kind != SINGLE for x in defs):
                self.error(op, f"expected {n_single} or more {what}s, but found {total}")
            elif n_single == 0:  # MLIR's ZeroOperands / ZeroResults traits
                self.error(op, f"requires zero {what}s")
            elif n_single == 1:  # OneOperand / OneResult
                self.error(op, "requires a single operand" if what == "operand" else "requires one result")
            else:
                self.error(op, f"expected {n_single} {what}{'s' if n_single != 1 else ''}, but found {total}")
            return
        i = 0
        for gi, (fd, size) in enumerate(zip(defs, sizes)):
            if fd.kind == OPTIONAL and size > 1:
                self.error(op, f"{what} group '{fd.name}' is optional but has {size} values")
            for j in range(size):
                err = fd.constraint.verify(types[i])
                if err:
                    self.error(op, f"{what} #{i} must be {fd.constraint.description}, but got '{types[i]}'")
                    return
                i += 1


class _VerifyPlan:
    """Per-op-class precomputed checks: one quick pass for the common valid case.

    `shape_ok` answers "certainly fine" or "look closer"; on the latter the
    verifier runs the detailed checks, which decide and word the messages, so
    the messages live in one place.
    """

    def __init__(self, d):
        self.d = d
        self.fixed_operands = all(o.kind == SINGLE for o in d.operands)
        self.fixed_results = all(r.kind == SINGLE for r in d.results)
        self.n_operands = len(d.operands)
        self.n_results = len(d.results)
        self.operand_checks = [(i, o.constraint.verify) for i, o in enumerate(d.operands)
                               if o.constraint is not AnyType]
        self.operand_group_checks = [(i, None if o.constraint is AnyType else o.constraint.verify, o.kind)
                                     for i, o in enumerate(d.operands)]
        self.operand_segments = d.operand_segments
        self.result_checks = [(i, r.constraint.verify) for i, r in enumerate(d.results)
                              if r.constraint is not AnyType]
        self.prop_checks = [(name, p.kind == SINGLE and p.default is None, p.constraint.verify)
                            for name, p in d.props.items()]
        self.fixed_regions = all(r.kind != VARIADIC for r in d.regions)
        self.n_regions = len(d.regions)
        self.fixed_successors = all(x.kind != VARIADIC for x in d.successors)
        self.n_successors = len(d.successors)
        seen = set()
        #: (verify, types_only): traits whose verdict depends only on operand/result
        #: types run once per distinct type signature (types are uniqued: cheap keys)
        self.trait_verifiers = []
        self.types_ok: set = set()
        for t in d.trait_instances.values():
            if id(t) in seen or type(t).verify is Trait.verify:
                continue
            seen.add(id(t))
            self.trait_verifiers.append((t.verify, bool(getattr(t, "types_only", False))))
        self.has_type_traits = any(types_only for _, types_only in self.trait_verifiers)
        self.segment_props = [n for n in ("operandSegmentSizes", "resultSegmentSizes")
                              if (n == "operandSegmentSizes" and d.operand_segments)
                              or (n == "resultSegmentSizes" and d.result_segments)]
        #: constraint verdicts memoized per checked type / attribute
        self.operand_checks = [(i, _memo(c)) for i, c in self.operand_checks]
        self.result_checks = [(i, _memo(c)) for i, c in self.result_checks]
        self.operand_group_checks = [(i, None if c is None else _memo(c), k)
                                     for i, c, k in self.operand_group_checks]
        self.prop_checks = [(n, req, _memo(c)) for n, req, c in self.prop_checks]
        self.has_custom_verify = None  # decided on first op (needs the class)
        self._op_base_verify = Op.verify_

    def type_key(self, op) -> tuple:
        key = tuple([o.value.type for o in op._operands]) + (None,) + tuple([r.type for r in op.results])
        if self.segment_props:
            key += tuple(op.properties.get(n) for n in self.segment_props)
        return key

    def shape_ok(self, op) -> bool:
        if self.has_custom_verify is None:
            self.has_custom_verify = type(op).verify_ is not self._op_base_verify
        operands = op._operands
        if self.fixed_operands:
            if len(operands) != self.n_operands:
                return False
            for i, check in self.operand_checks:
                if check(operands[i].value.type) is not None:
                    return False
        else:
            seg = op.properties.get("operandSegmentSizes") if self.operand_segments else None
            if self.operand_segments and seg is None:
                return False
            sizes = _group_sizes(self.d.operands, len(operands), seg, "operand")
            if sizes is None or sum(sizes) != len(operands):
                return False
            start = 0
            for (i, check, kind), size in zip(self.operand_group_checks, sizes):
                if kind == OPTIONAL and size > 1:
                    return False
                if check is not None:
                    for k in range(start, start + size):
                        if check(operands[k].value.type) is not None:
                            return False
                start += size
        results = op.results
        if self.fixed_results:
            if len(results) != self.n_results:
                return False
            for i, check in self.result_checks:
                if check(results[i].type) is not None:
                    return False
        else:
            return False
        props = op.properties
        attrs = op.attributes
        for name, required, check in self.prop_checks:
            a = props.get(name)
            if a is None:
                a = attrs.get(name)
                if a is None:
                    if required:
                        return False
                    continue
            if check(a) is not None:
                return False
        if self.fixed_regions and len(op.regions) != self.n_regions:
            return False
        if self.fixed_successors and len(op.successors) != self.n_successors:
            return False
        return self.fixed_regions and self.fixed_successors


def _memo(check):
    """Wrap a constraint check so each distinct uniqued value is judged once."""
    ok: set = set()

    def memo_check(value):
        if value in ok:
            return None
        err = check(value)
        if err is None and isinstance(value, ParametrizedAttribute):
            ok.add(value)
        return err
    return memo_check


def _strip(err: str) -> str:
    """`must be X, but got V` -> `X`, as MLIR words attribute constraint failures."""
    if not err.startswith("must be "):
        return err
    err = err[len("must be "):]
    i = err.rfind(", but got ")
    return err[:i] if i >= 0 else err


def _region_index(region: Region) -> int:
    for i, r in enumerate(region.parent.regions):
        if r is region:
            return i
    return 0


def _block_index(b: Block) -> int:
    i = 0
    cur = b._prev_block
    while cur is not None:
        i += 1
        cur = cur._prev_block
    return i


def _relation(use_block: Block | None, def_block: Block | None, what: str) -> str:
    """Upstream's wording for where a non-dominating definition is, seen from the use."""
    if use_block is def_block:
        return f"{what} in the same block"
    r1 = use_block.parent if use_block is not None else None
    r2 = def_block.parent if def_block is not None else None
    if r1 is r2:
        return f"{what} in the same region"

    def proper_ancestor(outer, inner) -> bool:
        while inner is not None:
            parent_op = inner.parent
            inner = parent_op.parent.parent if parent_op is not None and parent_op.parent is not None else None
            if inner is outer:
                return True
        return False
    if proper_ancestor(r2, r1):
        return f"{what} in a parent region"
    if proper_ancestor(r1, r2):
        return f"{what} in a child region"
    return f"{what} is neither in a parent nor in a child region"
