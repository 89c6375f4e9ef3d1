"""Canonicalization patterns of the tensor dialect (upstream TensorOps.cpp).

What a graph-to-loops compiler leans on: constant sizes move into types
(tensor.empty, tensor.generate, tensor.pad, slices), casts that only lose
static information are folded into their consumers (dim, extract,
extract_slice, insert_slice, pad, collapse_shape) or their producers (a
cast of tensor.empty, tensor.extract_slice or tensor.pad becomes a more
static op), and chains of reshapes compose. Each pattern keeps the types
its users see, inserting a tensor.cast back to the old type where it made
a type more static, exactly as upstream does (`iree-opt --canonicalize`
gives the same IR on test/dialects/tensor/canonicalize.mir).
"""

from __future__ import annotations

from mlir_py.dialects.tensor.common import dispatch, reassociation_attr
from mlir_py.dialects.tensor.ops import (
    BitcastOp,
    CastOp,
    DimOp,
    EmptyOp,
    ExtractOp,
    FromElementsOp,
    GenerateOp,
    SplatOp,
    can_fold_into_consumer,
    can_fold_into_producer,
    preserves_static_information,
)
from mlir_py.dialects.tensor.reshape_ops import (
    CollapseShapeOp,
    ConcatOp,
    ExpandShapeOp,
    ReshapeOp,
    infer_collapsed_type,
    infer_concat_type,
)
from mlir_py.dialects.tensor.slice_ops import (
    ExtractSliceOp,
    PadOp,
    ParallelInsertSliceOp,
    infer_slice_type,
    rank_reduction_mask,
)

from mlir_py.definition.traits import ConstantLike
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, IndexType, RankedTensorType, UnrankedTensorType, index
from mlir_py.ir.operation import OpResult, Value
from mlir_py.rewrite.folding import would_op_be_trivially_dead
from mlir_py.rewrite.pattern import FunctionPattern, PatternRewriter


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


def _in_bounds(shape, offsets, sizes, strides) -> bool:
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


def _cast(rw: PatternRewriter, value: Value, t) -> Value:
    return rw.create(CastOp, value, result_types=[t]).results[0]


def _replace_with_cast(rw: PatternRewriter, op, value: Value) -> None:
    """Replace `op`'s one result by `value`, through a tensor.cast when the types differ."""
    t = op.results[0].type
    rw.replace_op(op, [value if value.type is t else _cast(rw, value, t)])


def _any_constant_index_operand(op) -> bool:
    return any(const_int(v) is not None and isinstance(v.type, IndexType) for v in op.operands)


# ----------------------------------------------------------------------------
# tensor.dim
# ----------------------------------------------------------------------------


def dim_of_cast(op, rw: PatternRewriter) -> bool:
    """DimOfCastOp: a cast keeps the sizes, so ask its source."""
    src = op.source.owner
    if not isinstance(src, CastOp):
        return False
    rw.replace_op_with_new_op(op, DimOp, src.source, op.index)
    return True


def dps_init_of(value):
    """The init (DPS "outs") operand tied to `value` when its producer is a
    destination-style op (a `get_dps_inits()` method), else None."""
    if not isinstance(value, OpResult):
        return None
    get = getattr(value.op, "get_dps_inits", None)
    if get is None:
        return None
    inits = [v for v in get() if isinstance(v.type, (RankedTensorType, UnrankedTensorType))]
    return inits[value.index] if value.index < len(inits) else None


def dim_of_dest_style(op, rw: PatternRewriter) -> bool:
    """DimOfDestStyleOp: a destination-style result has its init's shape."""
    init = dps_init_of(op.source)
    if init is None:
        return False
    rw.modify_op_in_place(op, lambda: op.set_operand(0, init))
    return True


def dim_of_reshape(op, rw: PatternRewriter) -> bool:
    """DimOfReshapeOp: the size is an element of the shape operand."""
    from mlir_py.dialects.arith import IndexCastOp
    r = op.source.owner
    if not isinstance(r, ReshapeOp):
        return False
    rw.set_insertion_point_after(op)
    v = rw.create(ExtractOp, r.shape, [op.index]).results[0]
    if v.type is not op.result.type:
        v = rw.create(IndexCastOp, v, result_types=[op.result.type]).results[0]
    rw.replace_op(op, [v])
    return True


def dim_of_empty(op, rw: PatternRewriter) -> bool:
    """FoldEmptyTensorWithDimOp: a dynamic size of tensor.empty is its operand."""
    e = op.source.owner
    i = const_int(op.index)
    if not isinstance(e, EmptyOp) or i is None:
        return False
    t = e.result.type
    if not 0 <= i < t.rank or t.shape[i] != DYNAMIC:
        return False
    rw.replace_op(op, [e.get_dynamic_size(i)])
    return True


# ----------------------------------------------------------------------------
# tensor.empty, tensor.generate
# ----------------------------------------------------------------------------


def empty_static_dims(op, rw: PatternRewriter) -> bool:
    """ReplaceEmptyTensorStaticShapeDims: constant sizes move into the type."""
    t = op.result.type
    new_t, rest = fold_dynamic_to_static_dims(t, op.dynamicSizes)
    if new_t is t:
        return False
    e = rw.create(EmptyOp, rest, result_types=[new_t])
    rw.replace_op_with_new_op(op, CastOp, e.results[0], result_types=[t])
    return True


def generate_static_dims(op, rw: PatternRewriter) -> bool:
    """StaticTensorGenerate: constant extents move into the type."""
    t = op.result.type
    new_t, rest = fold_dynamic_to_static_dims(t, op.dynamicExtents)
    if new_t is t:
        return False
    g = rw.create(GenerateOp, rest, result_types=[new_t])
    rw.inline_region_before(op.body, g.body)
    rw.replace_op_with_new_op(op, CastOp, g.results[0], result_types=[t])
    return True


# ----------------------------------------------------------------------------
# tensor.cast, tensor.bitcast
# ----------------------------------------------------------------------------


def join_shapes(a, b):
    from mlir_py.dialects.tensor.ops import join_shapes as join
    return join(a, b)


def chained_cast(op, rw: PatternRewriter) -> bool:
    """ChainedTensorCast: cast(cast(x)) is one cast when the middle type adds nothing."""
    mid = op.source.owner
    if not isinstance(mid, CastOp):
        return False
    a, b, c = mid.source.type, mid.dest.type, op.dest.type
    ab = join_shapes(a, b)
    first = join_shapes(ab, c) if ab is not None else None
    if first is None or first is not join_shapes(a, c):
        return False
    rw.replace_op_with_new_op(op, CastOp, mid.source, result_types=[c])
    return True


def cast_of_extract_slice(op, rw: PatternRewriter) -> bool:
    """TensorCastExtractSlice: a cast adding static sizes to a slice becomes
    a slice with those sizes."""
    s = op.source.owner
    res = op.dest.type
    if not isinstance(res, RankedTensorType) or not isinstance(s, ExtractSliceOp):
        return False
    if not can_fold_into_producer(op) or res.shape == op.source.type.shape:
        return False
    sizes = s.mixed_sizes
    mask = rank_reduction_mask(list(s.static_sizes.values), s.result.type.shape) or set()
    k = 0
    for i in range(len(sizes)):
        if i in mask:
            continue
        d = res.shape[k]
        k += 1
        if d != DYNAMIC:
            sizes[i] = d
    rw.replace_op_with_new_op(op, ExtractSliceOp.build_mixed(s.source, s.mixed_offsets, sizes, s.mixed_strides,
                                                             result_type=res))
    return True


def cast_of_empty(op, rw: PatternRewriter) -> bool:
    """FoldEmptyTensorWithCastOp: a cast adding static sizes to tensor.empty
    becomes an empty of the cast's type."""
    e = op.source.owner
    if not isinstance(e, EmptyOp) or not can_fold_into_producer(op):
        return False
    res = op.dest.type
    if not isinstance(res, RankedTensorType):
        return False
    new = []
    for d, cur in zip(res.shape, e.mixed_sizes):
        if isinstance(cur, int):
            if d != cur:
                return False
            new.append(cur)
        elif d != DYNAMIC:
            new.append(d)
        else:
            new.append(cur)
    values = [x for x in new if not isinstance(x, int)]
    t = RankedTensorType(tuple(x if isinstance(x, int) else DYNAMIC for x in new), res.element_type)
    rw.replace_op_with_new_op(op, EmptyOp, values, result_types=[t])
    return True


def chained_bitcast(op, rw: PatternRewriter) -> bool:
    """ChainedTensorBitcast: bitcast(bitcast(x)) is one bitcast."""
    mid = op.source.owner
    if not isinstance(mid, BitcastOp):
        return False
    rw.replace_op_with_new_op(op, BitcastOp, mid.source, result_types=[op.dest.type])
    return True


# ----------------------------------------------------------------------------
# tensor.extract
# ----------------------------------------------------------------------------


def extract_from_cast(op, rw: PatternRewriter) -> bool:
    """ExtractFromTensorCast: read the ranked source of a cast instead."""
    c = op.tensor.owner
    if not isinstance(c, CastOp) or not isinstance(c.source.type, RankedTensorType):
        return False
    rw.replace_op_with_new_op(op, ExtractOp, c.source, list(op.indices))
    return True


def extract_from_generate(op, rw: PatternRewriter) -> bool:
    """ExtractFromTensorGenerate: an element of tensor.generate is its body
    evaluated at the indices (when the body has no side effects)."""
    g = op.tensor.owner
    if not isinstance(g, GenerateOp) or not would_op_be_trivially_dead(g):
        return False
    block = g.body.first_block
    mapping = dict(zip(block.args, op.indices))
    for inner in block.ops:
        if inner is block.last_op:
            break
        rw.clone(inner, mapping)
    v = block.last_op.operands[0]
    rw.replace_op(op, [mapping.get(v, v)])
    return True


# ----------------------------------------------------------------------------
# Slices
# ----------------------------------------------------------------------------


def slice_constant_args(op, rw: PatternRewriter) -> bool:
    """OpWithOffsetSizesAndStridesConstantArgumentFolder for extract_slice:
    constant offsets/sizes/strides become static (cast back to the old type)."""
    offs, c1 = fold_dynamic_list(op.mixed_offsets, True)
    sizes, c2 = fold_dynamic_list(op.mixed_sizes, True)
    strides, c3 = fold_dynamic_list(op.mixed_strides, False)
    if not (c1 or c2 or c3):
        return False
    src = op.source.type
    if not _in_bounds(src.shape, offs, sizes, strides):
        return False
    t = canonical_rank_reduced_type(op.result.type.rank, src, sizes)
    new = rw.create(ExtractSliceOp.build_mixed(op.source, offs, sizes, strides, result_type=t))
    _replace_with_cast(rw, op, new.results[0])
    return True


def slice_of_cast(op, rw: PatternRewriter) -> bool:
    """ExtractSliceOpCastFolder: slice the source of a cast that only loses
    static information."""
    if _any_constant_index_operand(op):
        return False
    c = op.source.owner
    if not isinstance(c, CastOp) or not can_fold_into_consumer(c):
        return False
    if not _in_bounds(c.source.type.shape, op.static_offsets.values, op.static_sizes.values,
                      op.static_strides.values):
        return False
    new = ExtractSliceOp(c.source, list(op.offsets), list(op.sizes), list(op.strides),
                         static_offsets=op.static_offsets, static_sizes=op.static_sizes,
                         static_strides=op.static_strides, result_types=[op.result.type])
    rw.replace_op_with_new_op(op, new)
    return True


def _parallel_guard(op, rw: PatternRewriter) -> None:
    """Casts feeding a parallel_insert_slice go before its in_parallel terminator."""
    if isinstance(op, ParallelInsertSliceOp):
        rw.set_insertion_point(op.parent_op)


def _new_insert(op, source, dest, offs, sizes, strides):
    cls = type(op)
    return cls.build_mixed(source, dest, offs, sizes, strides)


def insert_constant_args(op, rw: PatternRewriter) -> bool:
    """InsertSliceOpConstantArgumentFolder: constant offsets/sizes/strides
    become static; the source is cast to the slice type they give."""
    offs, c1 = fold_dynamic_list(op.mixed_offsets, True)
    sizes, c2 = fold_dynamic_list(op.mixed_sizes, True)
    strides, c3 = fold_dynamic_list(op.mixed_strides, False)
    if not (c1 or c2 or c3):
        return False
    if not _in_bounds(op.dest.type.shape, offs, sizes, strides):
        return False
    src_t = canonical_rank_reduced_type(op.source.type.rank, op.dest.type, sizes)
    src = op.source
    if src_t is not src.type:
        with rw.insertion_guard():
            _parallel_guard(op, rw)
            src = _cast(rw, src, src_t)
    new = rw.create(_new_insert(op, src, op.dest, offs, sizes, strides))
    rw.replace_op(op, list(new.results))
    return True


def _rank_reduction_mask_dynamic(orig, reduced) -> set[int] | None:
    """computeRankReductionMask with matchDynamic: a dynamic size matches anything but a 1."""
    unused: set[int] = set()
    j = 0
    for i, d in enumerate(orig):
        if j < len(reduced) and d != 1 and (reduced[j] == DYNAMIC or d == DYNAMIC):
            j += 1
            continue
        if j < len(reduced) and d == reduced[j]:
            j += 1
            continue
        unused.add(i)
        if d != 1:
            return None
    return unused if j == len(reduced) else None


def insert_cast_folder(op, rw: PatternRewriter) -> bool:
    """InsertSliceOpCastFolder: insert the sources of casts that only lose
    static information (the result is cast back to the old type)."""
    if _any_constant_index_operand(op):
        return False

    def through(v):
        c = v.owner
        return c.source if isinstance(c, CastOp) and can_fold_into_consumer(c) else None
    s_src, d_src = through(op.source), through(op.dest)
    if s_src is None and d_src is None:
        return False
    src = s_src if s_src is not None else op.source
    dst = d_src if d_src is not None else op.dest
    st, dt = src.type, dst.type
    if not isinstance(st, RankedTensorType) or not isinstance(dt, RankedTensorType):
        return False
    static = list(op.static_sizes.values)
    mask = _rank_reduction_mask_dynamic(static, st.shape)
    if mask is None:
        return False
    sizes = op.mixed_sizes
    k = 0
    for i in range(len(static)):
        if i in mask:
            continue
        if st.shape[k] != DYNAMIC:
            sizes[i] = st.shape[k]
        k += 1
    new_static = [x if isinstance(x, int) else DYNAMIC for x in sizes]
    expected = infer_slice_type(dt, new_static)
    if expected is not st and (rank_reduction_mask(expected.shape, st.shape) is None
                               or expected.element_type is not st.element_type or st.rank > expected.rank):
        return False
    if not _in_bounds(dt.shape, op.mixed_offsets, sizes, op.mixed_strides):
        return False
    new = rw.create(_new_insert(op, src, dst, op.mixed_offsets, sizes, op.mixed_strides))
    if isinstance(op, ParallelInsertSliceOp):
        rw.replace_op(op, [])
        return True
    _replace_with_cast(rw, op, new.results[0])
    return True


def insert_source_cast_inserter(op, rw: PatternRewriter) -> bool:
    """InsertSliceOpSourceCastInserter: cast the source to the static sizes
    of the slice it fills."""
    st = op.source.type
    if st.rank != op.dest.type.rank:
        return False
    shape = list(st.shape)
    for i, s in enumerate(op.mixed_sizes):
        c = const_int(s) if isinstance(s, Value) else s
        if c is not None:
            if c < 0:
                return False
            shape[i] = c
    new_t = RankedTensorType(tuple(shape), st.element_type, st.encoding)
    if new_t is st or not preserves_static_information(st, new_t):
        return False
    with rw.insertion_guard():
        _parallel_guard(op, rw)
        src = _cast(rw, op.source, new_t)
    new = rw.create(_new_insert(op, src, op.dest, op.mixed_offsets, op.mixed_sizes, op.mixed_strides))
    rw.replace_op(op, list(new.results))
    return True


# ----------------------------------------------------------------------------
# Reshapes
# ----------------------------------------------------------------------------


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
    _replace_with_cast(rw, op, new.results[0])
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
    src = _cast(rw, op.src, in_t)
    it = iter(dyn)
    mixed = [next(it) if d == DYNAMIC else d for d in new_out]
    new = rw.create(ExpandShapeOp.build_mixed(src, reassoc, mixed, result_type=out_t))
    rw.replace_op_with_new_op(op, CastOp, new.results[0], result_types=[op.result.type])
    return True


# ----------------------------------------------------------------------------
# tensor.pad, tensor.concat
# ----------------------------------------------------------------------------


def _new_pad(op, src, result_type, static_low, static_high, low, high):
    props = {"static_low": dispatch(static_low)[1], "static_high": dispatch(static_high)[1]}
    if op.nofold is not None:
        props["nofold"] = op.nofold
    return PadOp(src, list(low), list(high), result_types=[result_type], **props)


def pad_static_zero(op, rw: PatternRewriter) -> bool:
    """FoldStaticZeroPadding: padding by zero everywhere is a cast."""
    if op.nofold is not None:
        return False
    if any(const_int(x) != 0 for x in op.mixed_low + op.mixed_high):
        return False
    rw.replace_op_with_new_op(op, CastOp, op.source, result_types=[op.result.type])
    return True


def pad_constant_amounts(op, rw: PatternRewriter) -> bool:
    """FoldStaticPadding: constant padding amounts become static when that
    makes the result type more static."""
    in_dims = op.source.type.shape
    old = op.result.type
    low = [x if isinstance(x, int) else (const_int(x) if const_int(x) is not None else DYNAMIC)
           for x in op.mixed_low]
    high = [x if isinstance(x, int) else (const_int(x) if const_int(x) is not None else DYNAMIC)
            for x in op.mixed_high]
    new_low = [v for v in op.low if const_int(v) is None]
    new_high = [v for v in op.high if const_int(v) is None]
    out = []
    for i, d in enumerate(old.shape):
        if d == DYNAMIC:
            out.append(DYNAMIC if DYNAMIC in (low[i], high[i], in_dims[i]) else in_dims[i] + low[i] + high[i])
        else:
            out.append(d)
    if tuple(out) == old.shape or all(d == DYNAMIC for d in out):
        return False
    t = RankedTensorType(tuple(out), old.element_type)
    new = rw.create(_new_pad(op, op.source, t, low, high, new_low, new_high))
    op.region.clone_into(new.region, {})
    rw.replace_op_with_new_op(op, CastOp, new.results[0], result_types=[old])
    return True


def _infer_pad_type_with(source, low, high, result_shape) -> RankedTensorType:
    shape = []
    for i, d in enumerate(source.shape):
        if DYNAMIC in (d, low[i], high[i]):
            shape.append(result_shape[i])
        else:
            shape.append(d + low[i] + high[i])
    return RankedTensorType(tuple(shape), source.element_type)


def pad_source_cast(op, rw: PatternRewriter) -> bool:
    """FoldSourceTensorCast: pad the source of a cast that only lost static sizes."""
    c = op.source.owner
    if not isinstance(c, CastOp) or not can_fold_into_consumer(c):
        return False
    low, high = op.static_low.values, op.static_high.values
    t = _infer_pad_type_with(c.source.type, low, high, op.result.type.shape)
    if t is op.result.type:
        rw.modify_op_in_place(op, lambda: op.set_operand(0, c.source))
        return True
    new = rw.create(_new_pad(op, op.source, t, low, high, op.low, op.high))
    op.region.clone_into(new.region, {})
    rw.replace_op_with_new_op(op, CastOp, new.results[0], result_types=[op.result.type])
    return True


def pad_target_cast(op, rw: PatternRewriter) -> bool:
    """FoldTargetTensorCast: a pad whose only user casts it to a more static
    type produces that type."""
    uses = list(op.result.uses)
    if len(uses) != 1:
        return False
    user = uses[0].owner
    if not isinstance(user, CastOp) or not preserves_static_information(op.result.type, user.dest.type):
        return False
    new = rw.create(_new_pad(op, op.source, user.dest.type, op.static_low.values, op.static_high.values,
                             op.low, op.high))
    rw.inline_region_before(op.region, new.region)
    rw.replace_op(user, [new.results[0]])
    rw.erase_op(op)
    return True


def single_input_concat(op, rw: PatternRewriter) -> bool:
    """SingleInputConcatOp: concatenating one tensor is a cast."""
    if len(op.inputs) != 1:
        return False
    rw.replace_op_with_new_op(op, CastOp, op.inputs[0], result_types=[op.result.type])
    return True


def concat_operand_types(op, rw: PatternRewriter) -> bool:
    """InferConcatOperandTypes: an input may be cast to the sizes the other
    inputs give the non-concatenated dims."""
    dim = op.dim.value
    inferred = infer_concat_type(dim, [v.type for v in op.inputs])
    shape = list(inferred.shape)
    matched = False
    for i, v in enumerate(list(op.inputs)):
        t = v.type
        shape[dim] = t.shape[dim]
        want = RankedTensorType(tuple(shape), inferred.element_type)
        if not preserves_static_information(want, t):
            matched = True
            c = _cast(rw, v, want)
            rw.modify_op_in_place(op, lambda i=i, c=c: op.set_operand(i, c))
    return matched


def concat_result_type(op, rw: PatternRewriter) -> bool:
    """InferConcatResultType: the inputs give a more static result type."""
    dim = op.dim.value
    inferred = infer_concat_type(dim, [v.type for v in op.inputs])
    if preserves_static_information(inferred, op.result.type):
        return False
    new = rw.create(ConcatOp, list(op.inputs), dim=op.dim, result_types=[inferred])
    rw.replace_op_with_new_op(op, CastOp, new.results[0], result_types=[op.result.type])
    return True


_PATTERNS_BY_OP = {
    "tensor.dim": [dim_of_cast, dim_of_dest_style, dim_of_reshape, dim_of_empty],
    "tensor.empty": [empty_static_dims],
    "tensor.generate": [generate_static_dims],
    "tensor.cast": [chained_cast, cast_of_extract_slice, cast_of_empty],
    "tensor.bitcast": [chained_bitcast],
    "tensor.extract": [extract_from_cast, extract_from_generate],
    "tensor.extract_slice": [slice_constant_args, slice_of_cast],
    "tensor.insert_slice": [insert_constant_args, insert_cast_folder, insert_source_cast_inserter],
    "tensor.parallel_insert_slice": [insert_constant_args, insert_cast_folder, insert_source_cast_inserter],
    "tensor.expand_shape": [compose_reassociative, reshape_of_splat, reshape_of_from_elements, expand_to_static],
    "tensor.collapse_shape": [compose_reassociative, collapse_of_expand, reshape_of_splat, reshape_of_from_elements,
                              collapse_of_cast],
    "tensor.pad": [pad_static_zero, pad_source_cast, pad_target_cast, pad_constant_amounts],
    "tensor.concat": [concat_operand_types, concat_result_type, single_input_concat],
}
CANONICALIZATION_PATTERNS = [FunctionPattern(fn, name) for name, fns in _PATTERNS_BY_OP.items() for fn in fns]
