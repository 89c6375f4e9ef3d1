"""Canonicalization patterns of the tensor dialect (upstream TensorOps.cpp).

What a graph-to-loops compiler leans on: constant sizes move into types
(tensor.empty, tensor.generate, tensor.pad, slices), casts that only lose
static information are folded into their consumers (dim, extract,
extract_slice, insert_slice, pad, collapse_shape) or their producers (a
cast of tensor.empty, tensor.extract_slice or tensor.pad becomes a more
static op), and chains of reshapes compose. Each pattern keeps the types
its users see, inserting a tensor.cast back to the old type where it made
a type more static, exactly as upstream does (`iree-opt --canonicalize`
gives the same IR on test/dialects/tensor/canonicalize.mir). The reshape
patterns are in reshape_patterns.py, the pad/concat ones and the
destination-style cast folding in pad_concat_patterns.py; the table at the
end registers them all.
"""

from __future__ import annotations

from mlir_py.dialects.tensor.ops import (
    BitcastOp,
    CastOp,
    DimOp,
    EmptyOp,
    ExtractOp,
    GenerateOp,
    can_fold_into_consumer,
    can_fold_into_producer,
    join_shapes,
    preserves_static_information,
)
from mlir_py.dialects.tensor.pad_concat_patterns import (
    concat_operand_types,
    concat_result_type,
    fold_cast_into_dps_op,
    pad_constant_amounts,
    pad_of_pad,
    pad_source_cast,
    pad_static_zero,
    pad_target_cast,
    single_input_concat,
)
from mlir_py.dialects.tensor.pattern_utils import (
    canonical_rank_reduced_type,
    cast_to,
    const_int,
    fold_dynamic_list,
    fold_dynamic_to_static_dims,
    has_constant_index_operand,
    replace_with_cast,
    slice_in_bounds,
)
from mlir_py.dialects.tensor.reshape_ops import (
    ReshapeOp,
)
from mlir_py.dialects.tensor.reshape_patterns import (
    collapse_of_cast,
    collapse_of_expand,
    compose_reassociative,
    expand_of_collapse,
    expand_to_static,
    reshape_of_from_elements,
    reshape_of_splat,
)
from mlir_py.dialects.tensor.slice_ops import (
    ExtractSliceOp,
    ParallelInsertSliceOp,
    infer_slice_type,
    rank_reduction_mask,
)

from mlir_py.ir.builtin_types import DYNAMIC, RankedTensorType, UnrankedTensorType
from mlir_py.ir.operation import OpResult, Value
from mlir_py.rewrite.folding import would_op_be_trivially_dead
from mlir_py.rewrite.pattern import FunctionPattern, PatternRewriter

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


def extract_from_index_cast(op, rw: PatternRewriter) -> bool:
    """ExtractElementFromIndexCast: extract before the elementwise index_cast."""
    from mlir_py.dialects.arith import IndexCastOp
    c = op.tensor.owner
    if not isinstance(c, IndexCastOp):
        return False
    src = c.operands[0]
    e = rw.create(ExtractOp, src, list(op.indices), result_types=[src.type.element_type])
    rw.replace_op_with_new_op(op, IndexCastOp, e.results[0], result_types=[op.result.type])
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
    if not slice_in_bounds(src.shape, offs, sizes, strides):
        return False
    t = canonical_rank_reduced_type(op.result.type.rank, src, sizes)
    new = rw.create(ExtractSliceOp.build_mixed(op.source, offs, sizes, strides, result_type=t))
    replace_with_cast(rw, op, new.results[0])
    return True


def slice_of_cast(op, rw: PatternRewriter) -> bool:
    """ExtractSliceOpCastFolder: slice the source of a cast that only loses
    static information."""
    if has_constant_index_operand(op):
        return False
    c = op.source.owner
    if not isinstance(c, CastOp) or not can_fold_into_consumer(c):
        return False
    if not slice_in_bounds(c.source.type.shape, op.static_offsets.values, op.static_sizes.values,
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
    if not slice_in_bounds(op.dest.type.shape, offs, sizes, strides):
        return False
    src_t = canonical_rank_reduced_type(op.source.type.rank, op.dest.type, sizes)
    src = op.source
    if src_t is not src.type:
        with rw.insertion_guard():
            _parallel_guard(op, rw)
            src = cast_to(rw, src, src_t)
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
    if has_constant_index_operand(op):
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
    if not slice_in_bounds(dt.shape, op.mixed_offsets, sizes, op.mixed_strides):
        return False
    new = rw.create(_new_insert(op, src, dst, op.mixed_offsets, sizes, op.mixed_strides))
    if isinstance(op, ParallelInsertSliceOp):
        rw.replace_op(op, [])
        return True
    replace_with_cast(rw, op, new.results[0])
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
        src = cast_to(rw, op.source, new_t)
    new = rw.create(_new_insert(op, src, op.dest, op.mixed_offsets, op.mixed_sizes, op.mixed_strides))
    rw.replace_op(op, list(new.results))
    return True


_PATTERNS_BY_OP = {
    "tensor.dim": [dim_of_cast, dim_of_dest_style, dim_of_reshape, dim_of_empty],
    "tensor.empty": [empty_static_dims],
    "tensor.generate": [generate_static_dims],
    "tensor.cast": [chained_cast, cast_of_extract_slice, cast_of_empty],
    "tensor.bitcast": [chained_bitcast],
    "tensor.extract": [extract_from_cast, extract_from_index_cast, extract_from_generate],
    # upstream's FoldTensorCastProducerOp, for every destination-style op: linalg registers it for its ops
    "tensor.insert": [fold_cast_into_dps_op],
    "tensor.extract_slice": [slice_constant_args, slice_of_cast],
    "tensor.insert_slice": [insert_constant_args, insert_cast_folder, insert_source_cast_inserter],
    "tensor.parallel_insert_slice": [insert_constant_args, insert_cast_folder, insert_source_cast_inserter],
    "tensor.expand_shape": [compose_reassociative, expand_of_collapse, reshape_of_splat, reshape_of_from_elements,
                            expand_to_static],
    "tensor.collapse_shape": [compose_reassociative, collapse_of_expand, reshape_of_splat, reshape_of_from_elements,
                              collapse_of_cast],
    "tensor.pad": [pad_static_zero, pad_source_cast, pad_target_cast, pad_constant_amounts, pad_of_pad],
    "tensor.concat": [concat_operand_types, concat_result_type, single_input_concat],
}
CANONICALIZATION_PATTERNS = [FunctionPattern(fn, name) for name, fns in _PATTERNS_BY_OP.items() for fn in fns]
