"""Canonicalization patterns of the tensor reshapes (upstream TensorOps.cpp):
chains of collapse_shape/expand_shape compose (ComposeReassociativeReshapeOps,
ComposeExpandOfCollapseOp, ComposeCollapseOfExpandOp, the latter two with
upstream's getReassociationIndicesForCollapse), reshapes of splats and
from_elements are new splats/from_elements, casts fold into collapse_shape and
make expand_shape static."""

from __future__ import annotations

from mlir_py.dialects.tensor.common import reassociation_attr
from mlir_py.dialects.tensor.ops import (
    CastOp,
    FromElementsOp,
    SplatOp,
    can_fold_into_consumer,
)
from mlir_py.dialects.tensor.pattern_utils import (
    cast_to,
    const_int,
    replace_with_cast,
)
from mlir_py.dialects.tensor.reshape_ops import (
    CollapseShapeOp,
    ExpandShapeOp,
    infer_collapsed_type,
)

from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, RankedTensorType, index
from mlir_py.rewrite.pattern import PatternRewriter


def _compose_groups(inner, outer) -> list[list[int]]:
    """The reassociation of two chained collapses (or expands): each group of
    the coarser one unions the finer groups it lists."""
    return [[d for g in group for d in inner[g]] for group in outer]


def compose_reassociative(op, rw: PatternRewriter) -> bool:
    """ComposeReassociativeReshapeOps: collapse(collapse(x)) and
    expand(expand(x)) are one reshape."""
    src = op.src.owner
    if type(src) is not type(op):
        return False
    if isinstance(op, CollapseShapeOp):
        groups = _compose_groups(src.reassociation_indices, op.reassociation_indices)
        rw.replace_op_with_new_op(op, CollapseShapeOp, src.src, reassociation=reassociation_attr(groups),
                                  result_types=[op.result.type])
        return True
    groups = _compose_groups(op.reassociation_indices, src.reassociation_indices)
    rw.replace_op_with_new_op(op, ExpandShapeOp.build_mixed(src.src, groups, op.mixed_output_shape,
                                                            result_type=op.result.type))
    return True


def collapse_of_expand(op, rw: PatternRewriter) -> bool:
    """ComposeCollapseOfExpandOp: collapse(expand(x)) is one collapse or one
    expand (or a cast) when the groups nest."""
    e = op.src.owner
    if not isinstance(e, ExpandShapeOp):
        return False
    st, rt = e.src.type, op.result.type
    if st.rank > rt.rank:
        higher, lower = e.reassociation_indices, op.reassociation_indices
    else:
        higher, lower = op.reassociation_indices, e.reassociation_indices
    hi = 0
    composed = []
    for low in lower:
        group = []
        while hi < len(higher):
            right = higher[hi][-1]
            if right > low[-1]:
                return False
            group.append(hi)
            hi += 1
            if right == low[-1]:
                break
        composed.append(group)
    if st.rank > rt.rank:
        rw.replace_op_with_new_op(op, CollapseShapeOp, e.src, reassociation=reassociation_attr(composed),
                                  result_types=[rt])
    elif st.rank < rt.rank:
        out = [_group_product(rw, [e.mixed_output_shape[d] for d in group]) for group in op.reassociation_indices]
        rw.replace_op_with_new_op(op, ExpandShapeOp.build_mixed(e.src, composed, out, result_type=rt))
    else:
        if st.shape != rt.shape:
            return False
        rw.replace_op_with_new_op(op, CastOp, e.src, result_types=[rt])
    return True


def _group_product(rw: PatternRewriter, sizes):
    """The size of a collapsed group: an int when all are static, else the
    `arith.muli` (nsw) of the dynamic sizes and the static product."""
    from mlir_py.dialects.arith import ConstantOp, MulIOp
    static = 1
    dynamic = []
    for s in sizes:
        if isinstance(s, int):
            static *= s
        else:
            dynamic.append(s)
    if not dynamic:
        return static
    if len(sizes) == 1:
        return dynamic[0]
    nsw = _nsw()
    acc = dynamic[0]
    for v in dynamic[1:]:
        acc = rw.create(MulIOp, acc, v, overflowFlags=nsw).results[0]
    if static != 1:
        c = rw.create(ConstantOp, IntegerAttr(static, index)).results[0]
        acc = rw.create(MulIOp, acc, c, overflowFlags=nsw).results[0]
    return acc


def _nsw():
    from mlir_py.dialects.arith import overflow
    return overflow("nsw")


def _collapse_ranges(src, dst, reverse: bool):
    """findReassociationRangesForCollapse: per target dim the source range
    collapsing into it, or None. A dynamic target takes source dims up to
    and with the next dynamic one; a static target takes the first window of
    static dims multiplying to it (dims skipped to find it join the previous
    range when that one is dynamic); the last target takes all that is left."""
    if reverse:
        got = _collapse_ranges(src[::-1], dst[::-1], False)
        if got is None:
            return None
        n = len(src)
        return [sorted(n - 1 - i for i in r) for r in reversed(got)]
    ranges: list[list[int]] = []
    i = 0
    n = len(src)
    for ti, t in enumerate(dst):
        last = ti == len(dst) - 1
        if t == DYNAMIC:
            j = next((k for k in range(i, n) if src[k] == DYNAMIC), None)
            if j is None:
                return None
            end = n - 1 if last else j
            ranges.append(list(range(i, end + 1)))
            i = end + 1
            continue
        found = None
        for a in range(i, n):
            if a > i and (ti == 0 or dst[ti - 1] != DYNAMIC):
                return None
            prod = 1
            for b in range(a, n):
                if src[b] == DYNAMIC:
                    prod = None
                    break
                prod *= src[b]
                if prod >= t:
                    break
            if prod == t:
                found = (a, b)
                break
        if found is None:
            return None
        a, b = found
        if a > i:
            ranges[-1].extend(range(i, a))
        if last:
            if any(src[k] != 1 for k in range(b + 1, n)):
                return None
            b = n - 1
        ranges.append(list(range(a, b + 1)))
        i = b + 1
    return ranges if i == n else None


def reassociation_for_collapse(src, dst):
    """getReassociationIndicesForCollapse: how to collapse shape `src` into
    `dst`, unambiguously (left-to-right and right-to-left agree up to unit
    dims), or None."""
    if len(src) <= len(dst):
        return None
    if not dst:
        return [] if all(d in (1, DYNAMIC) for d in src) else None
    fwd, rev = _collapse_ranges(list(src), list(dst), False), _collapse_ranges(list(src), list(dst), True)
    if fwd is None or rev is None:
        return None
    out = []
    for a, b in zip(fwd, rev):
        if any(src[k] != 1 for k in set(a) ^ set(b)):
            return None
        out.append(a)
    return out


def _find_collapsing(src_groups, res_groups, src_shape, res_shape):
    """ComposeExpandOfCollapseOp::findCollapsingReassociation."""
    if not src_groups:
        return reassociation_for_collapse(src_shape, res_shape)
    composed = []
    for sg, rg in zip(src_groups, res_groups):
        ss = [src_shape[k] for k in sg]
        rs = [res_shape[k] for k in rg]
        if len(ss) == len(rs):
            if ss != rs:
                return None
            composed.extend([sg[0] + k] for k in range(len(ss)))
            continue
        sub = reassociation_for_collapse(ss, rs)
        if sub is None:
            return None
        composed.extend([sg[0] + k for k in g] for g in sub)
    return composed


def expand_of_collapse(op, rw: PatternRewriter) -> bool:
    """ComposeExpandOfCollapseOp: expand(collapse(x)) is one collapse or one
    expand when each group's sub-shapes collapse into each other."""
    c = op.src.owner
    if not isinstance(c, CollapseShapeOp):
        return False
    st, rt = c.src.type, op.result.type
    if st.rank == rt.rank:
        return False
    if st.rank > rt.rank:
        groups = _find_collapsing(c.reassociation_indices, op.reassociation_indices, st.shape, rt.shape)
        if groups is None:
            return False
        rw.replace_op_with_new_op(op, CollapseShapeOp, c.src, reassociation=reassociation_attr(groups),
                                  result_types=[rt])
        return True
    groups = _find_collapsing(op.reassociation_indices, c.reassociation_indices, rt.shape, st.shape)
    if groups is None:
        return False
    rw.replace_op_with_new_op(op, ExpandShapeOp.build_mixed(c.src, groups, op.mixed_output_shape, result_type=rt))
    return True


def reshape_of_splat(op, rw: PatternRewriter) -> bool:
    """FoldReshapeWithSplat: a reshaped splat is a splat."""
    s = op.src.owner
    if not isinstance(s, SplatOp) or DYNAMIC in s.aggregate.type.shape:
        return False
    rw.replace_op_with_new_op(op, SplatOp, s.input, [], result_types=[op.result.type])
    return True


def reshape_of_from_elements(op, rw: PatternRewriter) -> bool:
    """FoldReshapeWithFromElements: the same elements, in the new shape."""
    f = op.src.owner
    if not isinstance(f, FromElementsOp) or DYNAMIC in op.result.type.shape:
        return False
    rw.replace_op_with_new_op(op, FromElementsOp, list(f.elements), result_types=[op.result.type])
    return True


def collapse_of_cast(op, rw: PatternRewriter) -> bool:
    """FoldCollapseOfCastOp: collapse the cast's source (cast the result back)."""
    c = op.src.owner
    if not isinstance(c, CastOp) or not can_fold_into_consumer(c):
        return False
    t = infer_collapsed_type(c.source.type, op.reassociation_indices)
    new = rw.create(CollapseShapeOp, c.source, reassociation=op.reassociation, result_types=[t])
    replace_with_cast(rw, op, new.results[0])
    return True


def expand_to_static(op, rw: PatternRewriter) -> bool:
    """ConvertToStaticExpandShape: with a cast source that only lost static
    sizes, constant output sizes become static (casts on both sides)."""
    c = op.src.owner
    if not isinstance(c, CastOp) or not can_fold_into_consumer(c):
        return False
    cast_src = c.source.type.shape
    new_out = list(op.static_output_shape.values)
    dyn = []
    it = iter(op.output_shape)
    reassoc = op.reassociation_indices
    for in_dim, group in enumerate(reassoc):
        for out_dim in group:
            if new_out[out_dim] != DYNAMIC:
                continue
            v = next(it)
            if cast_src[in_dim] == DYNAMIC:
                dyn.append(v)
                continue
            k = const_int(v)
            if k is not None:
                new_out[out_dim] = k
            else:
                dyn.append(v)
    if len(dyn) == len(op.output_shape):
        return False
    new_in = []
    for group in reassoc:
        n = 1
        for d in group:
            if new_out[d] == DYNAMIC:
                n = DYNAMIC
                break
            n *= new_out[d]
        new_in.append(n)
    et = op.src.type.element_type
    in_t = RankedTensorType(tuple(new_in), et)
    out_t = RankedTensorType(tuple(new_out), et)
    src = cast_to(rw, op.src, in_t)
    it = iter(dyn)
    mixed = [next(it) if d == DYNAMIC else d for d in new_out]
    new = rw.create(ExpandShapeOp.build_mixed(src, reassoc, mixed, result_type=out_t))
    rw.replace_op_with_new_op(op, CastOp, new.results[0], result_types=[op.result.type])
    return True


