"""`convert-linalg-to-loops`, `convert-linalg-to-affine-loops`,
`convert-linalg-to-parallel-loops`: every linalg structured op on buffers
(generic or named, through the structured-op interface) becomes a loop nest
running its scalar body once per point of its iteration space, as upstream's
Linalg Loops.cpp does.

The loop bounds come from the operand shapes: for each loop dimension, the
first operand dimension whose indexing-map result is exactly that loop
dimension gives the upper bound (a constant for a static size, `memref.dim`
for a dynamic one). In the innermost loop each input (and output) element
is loaded at its indexing map applied to the induction variables (one
`affine.apply` per subscript, folded away when it is just an induction
variable), the body is cloned with its block arguments replaced by the
loaded values (scalar inputs are used as they are) and `linalg.index d` by
the d-th induction variable, and the `linalg.yield` operands are stored to
the outputs.

The ops are built in upstream's order and then cleaned up by the greedy
driver with upstream's pattern list (affine.apply canonicalization and
folding), so dead loads of unused outputs disappear and constants are
uniqued and hoisted exactly as mlir-opt does: the output diffs clean
against `mlir-opt --convert-linalg-to-loops`.

- `convert-linalg-to-loops`: `scf.for`, `memref.load` / `memref.store`;
- `convert-linalg-to-affine-loops`: `affine.for`, `affine.load` /
  `affine.store` (constant bounds become constant maps);
- `convert-linalg-to-parallel-loops`: leading parallel dimensions form one
  `scf.parallel`, each reduction dimension an `scf.for`, and parallel
  dimensions after a reduction a nested `scf.parallel`.

Ops with a tensor operand are left alone (bufferize first), as upstream.
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects import affine, arith, memref, scf
from mlir_py.dialects.affine.canonicalize import CANONICALIZATION_PATTERNS as _AFFINE_PATTERNS
from mlir_py.dialects.affine.map_utils import canonicalize_map_and_operands
from mlir_py.dialects.linalg import IndexOp
from mlir_py.dialects.linalg.interface import is_structured_op
from mlir_py.passes.transforms.affine_loops import build_for as build_affine_for

from mlir_py.ir.affine_expr import AffineDimExpr, AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, IntegerAttr
from mlir_py.ir.builtin_types import MemRefType, ShapedType, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Pass, Statistic, register_pass
from mlir_py.rewrite import PatternRewriter, RewritePattern, apply_patterns_greedily


def _has_buffer_semantics(op: Operation) -> bool:
    """Every operand a memref or a scalar (upstream's hasPureBufferSemantics)."""
    return all(isinstance(v.type, MemRefType) or not isinstance(v.type, ShapedType) for v in op.operands)


def _const_index(rw: PatternRewriter, v: int) -> Value:
    return rw.create(arith.ConstantOp, IntegerAttr(v, index)).result


def _operand_dims(rw: PatternRewriter, op: Any) -> list[int | Value]:
    """The sizes of every operand dimension, operands in order: an int for a static size, a `memref.dim`
    (with its index constant) for a dynamic one (upstream's createFlatListOfOperandDims)."""
    sizes: list[int | Value] = []
    for v in op.operands:
        t = v.type
        if not isinstance(t, ShapedType):
            continue
        for d, n in enumerate(t.shape):
            if t.is_dynamic_dim(d):
                sizes.append(rw.create(memref.DimOp, v, _const_index(rw, d)).result)
            else:
                sizes.append(n)
    return sizes


def loop_upper_bounds(rw: PatternRewriter, op: Any) -> list[int | Value] | None:
    """Per loop dimension, the size of the first operand dimension indexed by exactly that loop; None when
    some loop indexes no operand dimension on its own (its extent is not known)."""
    sizes = _operand_dims(rw, op)
    maps: list[AffineMap] = op.get_indexing_maps()
    ubs: list[int | Value | None] = [None] * op.get_num_loops()
    flat = [e for m in maps for e in m.results]
    for e, size in zip(flat, sizes):
        if isinstance(e, AffineDimExpr) and ubs[e.position] is None:
            ubs[e.position] = size
    if any(u is None for u in ubs):
        return None
    return [u for u in ubs if u is not None]


def _materialize(rw: PatternRewriter, v: int | Value) -> Value:
    return _const_index(rw, v) if isinstance(v, int) else v


def _unpack_ranges(rw: PatternRewriter, ubs: list[int | Value]) -> tuple[list[Value], list[Value], list[Value]]:
    """Lower bound 0, the upper bound and step 1 of each loop as values, built range by range (upstream's
    unpackRanges; the greedy driver unique the constants afterwards)."""
    lbs, ups, steps = [], [], []
    for ub in ubs:
        lbs.append(_const_index(rw, 0))
        ups.append(_materialize(rw, ub))
        steps.append(_const_index(rw, 1))
    return lbs, ups, steps


def _constant_of(v: Value) -> int | None:
    d = getattr(v, "op", None)
    if isinstance(d, arith.ConstantOp) and isinstance(d.value, IntegerAttr):
        return d.value.value
    return None


# -- loop nests ---------------------------------------------------------------------------------------------


def _scf_nest(rw: PatternRewriter, lbs, ubs, steps) -> list[Value]:
    """Nested scf.for loops, outermost first; leaves the insertion point before the innermost terminator."""
    ivs = []
    for lb, ub, st in zip(lbs, ubs, steps):
        loop = rw.create(scf.ForOp.build(lb, ub, st))
        ivs.append(loop.induction_var)
        rw.set_insertion_point(loop.body.last_op)
    return ivs


def _affine_nest(rw: PatternRewriter, lbs, ubs, steps) -> list[Value] | None:
    """Nested affine.for loops: constant bounds as constant maps, others as identity maps of their value
    (folded into canonical form by the loop's folder)."""
    ivs = []
    ident = AffineMap(1, 0, (AffineDimExpr(0),))
    for lb, ub, st in zip(lbs, ubs, steps):
        step = _constant_of(st)
        if step is None:
            return None
        lc, uc = _constant_of(lb), _constant_of(ub)
        if lc is not None and uc is not None:
            loop = build_affine_for(AffineMap.get_constant(lc), [], AffineMap.get_constant(uc), [], step)
        else:
            loop = build_affine_for(ident, [lb], ident, [ub], step)
        rw.create(loop)
        ivs.append(loop.induction_var)
        rw.set_insertion_point(loop.body.first_block.last_op)
    return ivs


def _parallel_nest(rw: PatternRewriter, lbs, ubs, steps, iterators: list[str]) -> list[Value]:
    """Leading parallel loops as one scf.parallel, a reduction loop as an scf.for, recursively (upstream's
    generateParallelLoopNest without distribution)."""
    ivs: list[Value] = []
    i, n = 0, len(iterators)
    while i < n:
        j = i
        while j < n and iterators[j] == "parallel":
            j += 1
        if j == i:
            loop = rw.create(scf.ForOp.build(lbs[i], ubs[i], steps[i]))
            ivs.append(loop.induction_var)
            rw.set_insertion_point(loop.body.last_op)
            i += 1
            continue
        par = rw.create(scf.ParallelOp.build(lbs[i:j], ubs[i:j], steps[i:j]))
        ivs.extend(par.induction_vars)
        rw.set_insertion_point(par.body.last_op)
        i = j
    return ivs


# -- the scalar body ----------------------------------------------------------------------------------------


def _canonical_applies(rw: PatternRewriter, amap: AffineMap, ivs: list[Value]) -> list[Value]:
    """One affine.apply per result of `amap` on the induction variables, each with its map and operands
    canonicalized (upstream's makeCanonicalAffineApplies)."""
    out = []
    for e in amap.results:
        m, operands = canonicalize_map_and_operands(AffineMap(amap.num_dims, amap.num_symbols, (e,)), list(ivs))
        out.append(rw.create(affine.ApplyOp, operands, map=AffineMapAttr(m), result_types=[index]).result)
    return out


def _load(rw: PatternRewriter, mem: Value, idx: list[Value], use_affine: bool) -> Value:
    if use_affine:
        t = mem.type
        m = AffineMap(len(idx), 0, tuple(AffineDimExpr(i) for i in range(len(idx))))
        return rw.create(affine.LoadOp, mem, idx, map=AffineMapAttr(m), result_types=[t.element_type]).results[0]
    return rw.create(memref.LoadOp, mem, idx).results[0]


def _store(rw: PatternRewriter, v: Value, mem: Value, idx: list[Value], use_affine: bool) -> None:
    if use_affine:
        m = AffineMap(len(idx), 0, tuple(AffineDimExpr(i) for i in range(len(idx))))
        rw.create(affine.StoreOp, v, mem, idx, map=AffineMapAttr(m))
    else:
        rw.create(memref.StoreOp, v, mem, idx)


def emit_scalar_body(rw: PatternRewriter, op: Any, ivs: list[Value], use_affine: bool) -> None:
    """Loads, the cloned body and the stores of one iteration at the insertion point."""
    maps: list[AffineMap] = op.get_indexing_maps()
    inputs, outputs = list(op.inputs), list(op.outputs)
    values: list[Value] = []
    for v, m in zip(inputs, maps):
        if not isinstance(v.type, ShapedType):
            values.append(v)
            continue
        values.append(_load(rw, v, _canonical_applies(rw, m, ivs), use_affine))
    out_maps = maps[len(inputs):]
    for v, m in zip(outputs, out_maps):
        values.append(_load(rw, v, _canonical_applies(rw, m, ivs), use_affine))
    store_idx = [_canonical_applies(rw, m, ivs) for v, m in zip(outputs, out_maps) if isinstance(v.type, MemRefType)]
    block = op.regions[0].first_block
    mapper: dict = dict(zip(block.args, values))
    cloned: list[Operation] = []
    for body_op in list(block.ops)[:-1]:
        cloned.append(rw.clone(body_op, mapper))
    term = block.last_op
    for i, v in enumerate(term.operands):
        _store(rw, mapper.get(v, v), outputs[i], store_idx[i], use_affine)
    for c in cloned:
        for nested in list(c.walk()):
            if isinstance(nested, IndexOp):
                rw.replace_op(nested, [ivs[nested.dim.value]])


# -- the pattern and the passes -----------------------------------------------------------------------------


class LinalgToLoops(RewritePattern):
    """Any structured op on buffers becomes a loop nest of the given kind."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        if not is_structured_op(op) or not _has_buffer_semantics(op):
            return False
        s: Any = op
        ubs = loop_upper_bounds(rw, s)
        if ubs is None:
            return rw.notify_match_failure(op, "a loop dimension has no operand dimension to give its extent")
        lbs, ups, steps = _unpack_ranges(rw, ubs)
        with rw.insertion_guard():
            if self.kind == "affine":
                ivs = _affine_nest(rw, lbs, ups, steps)
                if ivs is None:
                    return False
            elif self.kind == "parallel":
                ivs = _parallel_nest(rw, lbs, ups, steps, list(s.get_iterator_types()))
            else:
                ivs = _scf_nest(rw, lbs, ups, steps)
            emit_scalar_body(rw, s, ivs, self.kind == "affine")
        rw.erase_op(op)
        return True


def _patterns(kind: str) -> list:
    return [LinalgToLoops(kind)] + [p for p in _AFFINE_PATTERNS if p.root_name == "affine.apply"]


class _LinalgToLoopsBase(Pass):
    kind = "scf"
    anchor = None
    statistics = [Statistic("num-lowered", "structured ops lowered to loops")]

    def run_on_operation(self, op) -> None:
        before = sum(1 for o in op.walk() if is_structured_op(o))
        apply_patterns_greedily(op, _patterns(self.kind))
        after = sum(1 for o in op.walk() if is_structured_op(o))
        self.stats["num-lowered"] += before - after


@register_pass
class ConvertLinalgToLoops(_LinalgToLoopsBase):
    """Structured ops on buffers to scf.for nests with memref.load/store; see the module docstring."""

    name = "convert-linalg-to-loops"
    summary = "Lower the operations from the linalg dialect into loops"
    display_name = "ConvertLinalgToLoopsPass"
    kind = "scf"


@register_pass
class ConvertLinalgToAffineLoops(_LinalgToLoopsBase):
    """Structured ops on buffers to affine.for nests with affine.load/store; see the module docstring."""

    name = "convert-linalg-to-affine-loops"
    summary = "Lower the operations from the linalg dialect into affine loops"
    display_name = "ConvertLinalgToAffineLoopsPass"
    kind = "affine"


@register_pass
class ConvertLinalgToParallelLoops(_LinalgToLoopsBase):
    """Structured ops on buffers to scf.parallel (parallel dims) and scf.for (reductions)."""

    name = "convert-linalg-to-parallel-loops"
    summary = "Lower the operations from the linalg dialect into parallel loops"
    display_name = "ConvertLinalgToParallelLoopsPass"
    kind = "parallel"
