"""`linalg-vectorize-innermost`: elementwise and row-reduction linalg ops on memrefs become scf loops whose
innermost loop works on 1-D vectors.

LLVM's loop vectorizer already handles the plain elementwise loops that convert-linalg-to-loops writes;
what it cannot do is what makes a softmax slow: reductions in floating point (it may not reorder the
additions) and `math.exp` (it has no vector exp and calls `expf` per element). This pass does both
itself, on static shapes:

- all-parallel ops with an identity-indexed output: the outer dimensions become loops (the outermost an
  `scf.parallel`: its iterations write disjoint rows), the
  innermost one a loop over full vectors (`vector.load`, the body on vectors, `vector.store`) and one
  masked vector for the remainder;
- ops whose last loop is the only reduction, the output indexed by the other loops, and whose body is
  `g(inputs) <op> out` with `<op>` one of addf, mulf, maximumf, minimumf, maxnumf, minnumf: each row
  accumulates `g` over full vectors lane by lane, then `vector.reduction` folds the lanes into the
  output element and the remainder is added element by element. This reassociates sums (as numpy's
  pairwise sum does); maxima and minima are exact.

Operands indexed by the innermost loop must have it as their last, unit-stride dimension (loaded as
vectors); the others are loaded as scalars and broadcast. `math.exp` on f32 becomes a polynomial
(vector_body.py). Everything else is left for convert-linalg-to-loops.

```
mir-opt --linalg-vectorize-innermost="vector-width=8" f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects import arith, memref, scf
from mlir_py.dialects.linalg import is_structured_op
from mlir_py.dialects.vector import (
    ConstantMaskOp,
    LoadOp,
    MaskedLoadOp,
    MaskedStoreOp,
    ReductionOp,
    StoreOp,
)
from mlir_py.passes.transforms.host_vectors import host_f32_lanes
from mlir_py.passes.transforms.linalg_codegen_matmul import _may_alias
from mlir_py.passes.transforms.vector_body import VectorBody, vectorizable_body

from mlir_py.ir.affine_expr import AffineConstantExpr, AffineDimExpr
from mlir_py.ir.builtin_attributes import DenseArrayAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, VectorType, f32, f64, i1, i64, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, Statistic, register_pass
from mlir_py.rewrite import PatternRewriter

#: combining op of a reduction body -> vector.reduction kind
REDUCTIONS = {"arith.addf": "add", "arith.mulf": "mul", "arith.maximumf": "maximumf", "arith.minimumf": "minimumf",
              "arith.maxnumf": "maxnumf", "arith.minnumf": "minnumf"}


def _unit_inner_stride(t: MemRefType) -> bool:
    if t.layout is None:
        return True
    try:
        strides, _ = t.get_strides_and_offset()
    except ValueError:
        return False
    return not strides or strides[-1] == 1


class _Plan:
    """How one op is vectorized: loop sizes, per input its subscripts (loop positions or None for a
    constant 0) and whether it is read as vectors, and for a reduction its combining op."""

    def __init__(self, op: Operation, sizes: list[int], subs: list[list[int | None] | None],
                 combine: Operation | None):
        self.op = op
        self.sizes = sizes
        self.subs = subs
        self.combine = combine
        inner = len(sizes) - 1
        self.vector_inputs = [bool(s) and s[-1] == inner for s in subs]  # type: ignore[index]


def plan(op: Operation, widths: dict) -> _Plan | None:
    if not is_structured_op(op) or not hasattr(op, "inputs") or len(op.outputs) != 1 or op.results:
        return None
    out = op.outputs[0]
    ot = out.type
    if not isinstance(ot, MemRefType) or ot.element_type not in widths or not _unit_inner_stride(ot):
        return None
    its = list(op.get_iterator_types())
    n = len(its)
    maps = op.get_indexing_maps()
    if n == 0 or any(m.num_symbols for m in maps):
        return None
    sizes = list(op.get_static_loop_ranges())
    if DYNAMIC in sizes:
        return None
    body = op.regions[0].first_block
    if body is None:
        return None
    combine = None
    if all(t == "parallel" for t in its):
        if not maps[-1].is_identity():
            return None
    elif its[-1] == "reduction" and all(t == "parallel" for t in its[:-1]):
        if [getattr(e, "position", None) for e in maps[-1].results] != list(range(n - 1)):
            return None
        y = body.terminator.operands[0] if body.terminator is not None and body.terminator.operands else None
        acc = body.args[len(op.inputs)]
        owner = getattr(y, "owner", None)
        if not isinstance(owner, Operation) or owner.name not in REDUCTIONS or owner.parent is not body:
            return None
        if acc not in owner.operands or list(acc.uses) != [u for u in acc.uses if u.owner is owner] \
                or owner.operands[0] is owner.operands[1]:
            return None
        combine = owner
    else:
        return None
    subs: list[list[int | None] | None] = []
    for v, m in zip(op.inputs, maps):
        t = v.type
        if t is ot.element_type and m.num_results == 0:
            subs.append(None)  # a scalar operand (linalg.fill's value)
            continue
        if not isinstance(t, MemRefType) or t.element_type is not ot.element_type:
            return None
        s: list[int | None] = []
        for e, size in zip(m.results, t.shape):
            if isinstance(e, AffineDimExpr):
                s.append(e.position)
            elif isinstance(e, AffineConstantExpr) and e.value == 0 and size == 1:
                s.append(None)
            else:
                return None
        if n - 1 in s[:-1] or (s and s[-1] == n - 1 and not _unit_inner_stride(t)):
            return None
        subs.append(s)
    if any(o.name == "linalg.index" for o in body.ops):
        return None
    if not vectorizable_body(op, len(op.inputs), allow_outputs=True):
        return None
    return _Plan(op, sizes, subs, combine)


class _Emitter:
    def __init__(self, rw: PatternRewriter, p: _Plan, width: int):
        self.rw = rw
        self.p = p
        self.width = width
        self.elem = p.op.outputs[0].type.element_type
        self.vt = VectorType([width], self.elem)
        self.consts: dict[int, Value] = {}

    def const(self, v: int) -> Value:
        if v not in self.consts:
            with self.rw.insertion_guard():
                self.rw.set_insertion_point(self.top)
                self.consts[v] = self.rw.create(arith.ConstantOp, IntegerAttr(v, index)).result
        return self.consts[v]

    def loop(self, lo: int, hi: int, step: int, inits: list[Value], body) -> list[Value]:
        """`scf.for` (or the body once, for one iteration); `body(iv, carried) -> new carried`."""
        if hi - lo <= step:
            return body(self.const(lo), inits)
        loop = self.rw.create(scf.ForOp.build(self.const(lo), self.const(hi), self.const(step), inits))
        with self.rw.insertion_guard():
            if inits:
                self.rw.set_insertion_point_to_end(loop.body)
            else:
                self.rw.set_insertion_point(loop.body.last_op)
            new = body(loop.induction_var, list(loop.region_iter_args))
            if inits:
                self.rw.create(scf.YieldOp, new)
        return list(loop.results)

    def emit(self) -> None:
        # the constants go before everything emitted: in front of this first one
        self.top = self.rw.create(arith.ConstantOp, IntegerAttr(0, index))
        self.consts[0] = self.top.result
        self.outer([], self.p.sizes[:-1])

    def row(self, i: Value) -> None:
        """The op's part at row i of a fused group (its first loop is the rows): a 1-D op is one scalar."""
        if len(self.p.sizes) == 1:
            self.scalar_row([i])
        else:
            self.outer([i], self.p.sizes[1:-1])

    def scalar_row(self, ivs: list[Value]) -> None:
        op = self.p.op
        body = op.regions[0].first_block
        rw = self.rw
        mapping: dict = {}
        for i, (v, s) in enumerate(zip(op.inputs, self.p.subs)):
            if s is None:
                mapping[body.args[i]] = v
                continue
            mapping[body.args[i]] = rw.create(memref.LoadOp, v, [self.const(0) if d is None else ivs[d]
                                                                   for d in s]).result
        out = op.outputs[0]
        out_arg = body.args[len(op.inputs)]
        if out_arg.has_uses():
            mapping[out_arg] = rw.create(memref.LoadOp, out, ivs).result
        for inner in body.ops:
            if inner is body.terminator:
                break
            clone = rw.clone(inner, dict(mapping))
            for a, b in zip(inner.results, clone.results):
                mapping[a] = b
        res = body.terminator.operands[0]
        rw.create(memref.StoreOp, mapping.get(res, res), out, ivs)

    def outer(self, ivs: list[Value], rest: list[int]) -> None:
        if rest and not ivs and rest[0] > 1:
            # the outermost loop: its iterations write disjoint rows, so it is an scf.parallel (a sequential loop
            # after convert-scf-to-cf, each iteration on a thread once the parallel runtime lowers it)
            par = self.rw.create(scf.ParallelOp.build([self.const(0)], [self.const(rest[0])], [self.const(1)]))
            with self.rw.insertion_guard():
                self.rw.set_insertion_point(par.body.last_op)
                self.outer([par.induction_vars[0]], rest[1:])
            return
        if rest:
            self.loop(0, rest[0], 1, [], lambda iv, _: (self.outer(ivs + [iv], rest[1:]), [])[1])
            return
        if self.p.combine is None:
            self.elementwise_row(ivs)
        else:
            self.reduction_row(ivs)

    # -- reading operands ----------------------------------------------------------------------------

    def inputs_at(self, ivs: list[Value], j: Value, lanes: int, vb: VectorBody, mask: Value | None) -> dict:
        op = self.p.op
        body = op.regions[0].first_block
        mapping = {}
        for i, (v, s) in enumerate(zip(op.inputs, self.p.subs)):
            if s is None:
                mapping[body.args[i]] = vb.splat(v)
                continue
            idx = [self.const(0) if d is None else (ivs + [j])[d] for d in s]
            if self.p.vector_inputs[i]:
                if mask is None:
                    val = self.rw.create(LoadOp, v, idx, result_types=[self.vt]).result
                else:
                    pad = vb.splat(self.rw.create(arith.ConstantOp, FloatAttr(0.0, self.elem)).result)
                    val = self.rw.create(MaskedLoadOp, v, idx, mask, pad, result_types=[self.vt]).result
            else:
                val = vb.splat(self.rw.create(memref.LoadOp, v, idx).result)
            mapping[body.args[i]] = val
        out_arg = body.args[len(op.inputs)]
        if self.p.combine is None and out_arg.has_uses():  # the body reads the output's old value
            out, idx = op.outputs[0], ivs + [j]
            if mask is None:
                mapping[out_arg] = self.rw.create(LoadOp, out, idx, result_types=[self.vt]).result
            else:
                pad = vb.splat(self.rw.create(arith.ConstantOp, FloatAttr(0.0, self.elem)).result)
                mapping[out_arg] = self.rw.create(MaskedLoadOp, out, idx, mask, pad, result_types=[self.vt]).result
        del lanes
        return mapping

    def mask(self, lanes: int) -> Value:
        return self.rw.create(ConstantMaskOp, mask_dim_sizes=DenseArrayAttr(i64, (lanes,)),
                              result_types=[VectorType([self.width], i1)]).result

    # -- the two shapes --------------------------------------------------------------------------------

    def elementwise_row(self, ivs: list[Value]) -> None:
        op = self.p.op
        body = op.regions[0].first_block
        out = op.outputs[0]
        n = self.p.sizes[-1]
        full = n - n % self.width

        def chunk(j: Value, mask: Value | None) -> None:
            vb = VectorBody(self.rw, self.width)
            mapping = self.inputs_at(ivs, j, self.width, vb, mask)
            vb.run(body, mapping)
            res = mapping[body.terminator.operands[0]]
            if mask is None:
                self.rw.create(StoreOp, res, out, ivs + [j])
            else:
                self.rw.create(MaskedStoreOp, out, ivs + [j], mask, res)

        if full:
            self.loop(0, full, self.width, [], lambda j, _: (chunk(j, None), [])[1])
        if n > full:
            chunk(self.const(full), self.mask(n - full))

    def reduction_row(self, ivs: list[Value]) -> None:
        op = self.p.op
        body = op.regions[0].first_block
        out = op.outputs[0]
        combine = self.p.combine
        assert combine is not None
        acc_arg = body.args[len(op.inputs)]
        g = combine.operands[1] if combine.operands[0] is acc_arg else combine.operands[0]
        n = self.p.sizes[-1]
        full = n - n % self.width
        rw = self.rw
        result = rw.create(memref.LoadOp, out, ivs).result

        def g_at(j: Value) -> Value:
            vb = VectorBody(rw, self.width)
            mapping = self.inputs_at(ivs, j, self.width, vb, None)
            vb.run(body, mapping, skip=combine)
            return mapping[g] if g in mapping else vb.splat(g)

        if full:
            first = g_at(self.const(0))

            def step(j: Value, carried: list[Value]) -> list[Value]:
                x = g_at(j)
                new = type(combine).create([x, carried[0]], [self.vt], dict(combine.properties),
                                           dict(combine.attributes))
                return [rw.insert(new).result]

            acc = self.loop(self.width, full, self.width, [first], step)[0] if full > self.width else first
            kind = REDUCTIONS[combine.name]
            result = rw.create(ReductionOp, kind, acc, result).result
        if n > full:
            def scalar(j: Value, carried: list[Value]) -> list[Value]:
                mapping: dict = {}
                for i, (v, s) in enumerate(zip(op.inputs, self.p.subs)):
                    if s is None:
                        mapping[body.args[i]] = v
                        continue
                    idx = [self.const(0) if d is None else (ivs + [j])[d] for d in s]
                    mapping[body.args[i]] = rw.create(memref.LoadOp, v, idx).result
                mapping[acc_arg] = carried[0]
                for inner in body.ops:
                    if inner is body.terminator:
                        break
                    clone = rw.clone(inner, {k: val for k, val in mapping.items()})
                    for a, b in zip(inner.results, clone.results):
                        mapping[a] = b
                return [mapping[body.terminator.operands[0]]]

            result = self.loop(full, n, 1, [result], scalar)[0]
        rw.create(memref.StoreOp, result, out, ivs)


#: ops that may sit between the members of a fused row group (they read no memory)
_TRANSPARENT = {"memref.alloc", "memref.alloca", "arith.constant", "memref.get_global"}


def _rows(p: _Plan) -> int | None:
    """The number of rows when the op's first loop is parallel and indexes the output's first dimension."""
    its = list(p.op.get_iterator_types())
    if its[0] != "parallel":
        return None
    first = p.op.get_indexing_maps()[-1].results
    return p.sizes[0] if first and getattr(first[0], "position", None) == 0 else None


def _row_local(group: list[_Plan]) -> bool:
    """Every access to a buffer that an op of the group writes is to the same row (the first subscript is the
    row loop) of that very value, so running the ops row by row computes what running them one after
    another does."""
    written = [p.op.outputs[0] for p in group]
    for p in group:
        for v, sub in zip(p.op.inputs, p.subs):
            if not isinstance(v.type, MemRefType):
                continue
            for w in written:
                if _may_alias(v, w) and (v is not w or not sub or sub[0] != 0):
                    return False
        out = p.op.outputs[0]
        if any(_may_alias(out, w) and out is not w for w in written):
            return False
    return True


def row_groups(plans: dict) -> list[list[_Plan]]:
    """Runs of at least two planned ops, consecutive in one block up to allocations and constants, over the
    same rows, whose accesses are row-local: they become one loop over the rows (one pass over memory)."""
    groups: list[list[_Plan]] = []
    cur: list[_Plan] = []

    def close() -> None:
        if len(cur) >= 2:
            groups.append(list(cur))
        cur.clear()

    for op, p in plans.items():
        rows = _rows(p)
        if cur and rows is not None and op.parent is cur[-1].op.parent and rows == _rows(cur[0]):
            between = cur[-1].op.next_op
            while between is not None and between is not op and between.name in _TRANSPARENT:
                between = between.next_op
            if between is op and _row_local(cur + [p]):
                cur.append(p)
                continue
        close()
        if rows is not None:
            cur.append(p)
    close()
    return groups


@register_pass
class LinalgVectorizeInnermost(Pass):
    """Vectorize the innermost loop of elementwise and row-reduction linalg ops on memrefs (see the module
    docstring)."""

    name = "linalg-vectorize-innermost"
    summary = "Elementwise and innermost-reduction linalg ops on memrefs to loops over 1-D vectors"
    anchor = "func.func"
    options = [Option("vector-width", int, 0, "f32 lanes per vector, f64 uses half (0: the host's widest vector)"),
               Option("fuse-rows", bool, True, "run consecutive row-local ops over the same rows in one loop")]
    statistics = [Statistic("num-elementwise", "elementwise ops vectorized"),
                  Statistic("num-reductions", "reductions vectorized"),
                  Statistic("num-row-groups", "runs of ops fused into one loop over the rows")]

    def run_on_operation(self, op: Operation) -> None:
        if self.vector_width < 0 or self.vector_width == 1:
            op.emit_error("linalg-vectorize-innermost: vector-width must be 0 (the host's) or at least 2")
            self.signal_failure()
            return
        width = self.vector_width or host_f32_lanes()
        widths = {f32: width, f64: max(1, width // 2)}
        plans = {}
        for cand in [o for o in op.walk() if is_structured_op(o)]:
            p = plan(cand, widths)
            if p is not None:
                plans[cand] = p
        groups = row_groups(plans) if self.fuse_rows else []
        for group in groups:
            self._emit_group(group, widths)
        grouped = {p.op for g in groups for p in g}
        for cand, p in plans.items():
            if cand in grouped:
                continue
            rw = PatternRewriter()
            rw.set_insertion_point(cand)
            _Emitter(rw, p, widths[cand.outputs[0].type.element_type]).emit()
            rw.erase_op(cand)
            self.stats["num-reductions" if p.combine is not None else "num-elementwise"] += 1

    def _emit_group(self, group: list[_Plan], widths: dict) -> None:
        """One scf.parallel over the rows, each op's row in order inside, where the last op was."""
        rw = PatternRewriter()
        rw.set_insertion_point(group[-1].op)
        top = rw.create(arith.ConstantOp, IntegerAttr(0, index))
        consts: dict[int, Value] = {0: top.result}

        def const(v: int) -> Value:
            if v not in consts:
                with rw.insertion_guard():
                    rw.set_insertion_point(top)
                    consts[v] = rw.create(arith.ConstantOp, IntegerAttr(v, index)).result
            return consts[v]
        rows = _rows(group[0])
        assert rows is not None
        par = rw.create(scf.ParallelOp.build([const(0)], [const(rows)], [const(1)]))
        rw.set_insertion_point(par.body.last_op)
        for p in group:
            em = _Emitter(rw, p, widths[p.op.outputs[0].type.element_type])
            em.top, em.consts = top, consts
            em.row(par.induction_vars[0])
            self.stats["num-reductions" if p.combine is not None else "num-elementwise"] += 1
        for p in group:
            rw.erase_op(p.op)
        self.stats["num-row-groups"] += 1


__all__ = ["LinalgVectorizeInnermost", "plan"]
