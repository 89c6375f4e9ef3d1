"""Helpers of the tensor canonicalization patterns: constant operands, static
sizes from constants, slice bounds, and casts back to the types users see."""

from __future__ import annotations

from mlir_py.dialects.tensor.ops import (
    CastOp,
)
from mlir_py.dialects.tensor.slice_ops import (
    infer_slice_type,
)

from mlir_py.definition.traits import ConstantLike
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, IndexType, RankedTensorType
from mlir_py.ir.operation import OpResult, Value
from mlir_py.rewrite.pattern import PatternRewriter


def const_int(v) -> int | None:
    """The value of a constant integer/index SSA value (m_ConstantInt), else None."""
    if isinstance(v, int):
        return v
    if not isinstance(v, OpResult):
        return None
    d = v.op
    if ConstantLike not in d.traits:
        return None
    a = d.properties.get("value")
    return a.value if isinstance(a, IntegerAttr) else None


def fold_dynamic_list(mixed, non_negative: bool) -> tuple[list, bool]:
    """foldDynamicIndexList: constant values become ints (only >= 0 ones when
    `non_negative`); also says whether anything changed."""
    out, changed = [], False
    for x in mixed:
        c = const_int(x) if isinstance(x, Value) else None
        if c is not None and (c >= 0 or not non_negative):
            out.append(c)
            changed = True
        else:
            out.append(x)
    return out, changed


def fold_dynamic_to_static_dims(t: RankedTensorType, dynamic) -> tuple[RankedTensorType, list]:
    """foldDynamicToStaticDimSizes: dynamic dims whose size is a constant >= 0 become static."""
    shape, rest = [], []
    it = iter(dynamic)
    for d in t.shape:
        if d != DYNAMIC:
            shape.append(d)
            continue
        v = next(it)
        c = const_int(v)
        if c is not None and c >= 0:
            shape.append(c)
        else:
            shape.append(DYNAMIC)
            rest.append(v)
    return RankedTensorType(tuple(shape), t.element_type, t.encoding), rest


def slice_in_bounds(shape, offsets, sizes, strides) -> bool:
    """verifyInBoundsSlice on mixed lists (values count as dynamic)."""
    def s(x):
        return x if isinstance(x, int) else DYNAMIC
    for i, d in enumerate(shape):
        o = s(offsets[i])
        if d == DYNAMIC or o == DYNAMIC:
            continue
        if o >= d:
            return False
        z, st = s(sizes[i]), s(strides[i])
        if z == DYNAMIC or st == DYNAMIC:
            continue
        if o + (z - 1) * st >= d:
            return False
    return True


def canonical_rank_reduced_type(rank: int, source: RankedTensorType, sizes) -> RankedTensorType:
    """ExtractSliceOp::inferCanonicalRankReducedResultType: drop the leading
    unit dims of the inferred type until it has `rank` dims."""
    t = infer_slice_type(source, [x if isinstance(x, int) else DYNAMIC for x in sizes])
    drop = t.rank - rank
    if drop <= 0:
        return t
    shape = []
    for d in t.shape:
        if d == 1 and drop > 0:
            drop -= 1
            continue
        shape.append(d)
    return RankedTensorType(tuple(shape), t.element_type, t.encoding)


def cast_to(rw: PatternRewriter, value: Value, t) -> Value:
    return rw.create(CastOp, value, result_types=[t]).results[0]


def replace_with_cast(rw: PatternRewriter, op, value: Value) -> None:
    """Replace `op`'s one result by `value`, through a tensor.cast when the types differ."""
    t = op.results[0].type
    rw.replace_op(op, [value if value.type is t else cast_to(rw, value, t)])


def has_constant_index_operand(op) -> bool:
    return any(const_int(v) is not None and isinstance(v.type, IndexType) for v in op.operands)


# ----------------------------------------------------------------------------
