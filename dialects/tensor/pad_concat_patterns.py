"""Canonicalization patterns of tensor.pad and tensor.concat, and the one
folding casts into destination-style ops (upstream
TensorOps.cpp: FoldStaticZeroPadding, FoldSourceTensorCast,
FoldTargetTensorCast, FoldStaticPadding, InferConcatOperandTypes,
InferConcatResultType, SingleInputConcatOp, FoldTensorCastProducerOp)."""

from __future__ import annotations

from mlir_py.dialects.tensor.ops import (
    CastOp,
    can_fold_into_consumer,
    preserves_static_information,
)
from mlir_py.dialects.tensor.pattern_utils import (
    cast_to,
    const_int,
)
from mlir_py.dialects.tensor.reshape_ops import (
    ConcatOp,
    infer_concat_type,
)
from mlir_py.dialects.tensor.slice_ops import (
    InsertSliceOp,
    PadOp,
)

from mlir_py.definition.traits import LoopLikeOpInterface
from mlir_py.ir.builtin_types import DYNAMIC, RankedTensorType, UnrankedTensorType
from mlir_py.rewrite.pattern import PatternRewriter
from mlir_py.text.dynamic_index_list import dispatch_index_list


def _new_pad(op, src, result_type, static_low, static_high, low, high):
    props = {"static_low": dispatch_index_list(static_low)[1], "static_high": dispatch_index_list(static_high)[1]}
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
            c = cast_to(rw, v, want)
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


def fold_cast_into_dps_op(op, rw: PatternRewriter) -> bool:
    """FoldTensorCastProducerOp: a destination-style op (linalg ops,
    tensor.insert: any op with `get_dps_inits()`) reads the sources of casts
    that only lose static information; its results take the types of the
    new inits and are cast back for their users."""
    get_inits = getattr(op, "get_dps_inits", None)
    if get_inits is None or isinstance(op, InsertSliceOp) or LoopLikeOpInterface in op.traits:
        return False

    def source(v):
        c = v.owner
        return c.source if isinstance(c, CastOp) and can_fold_into_consumer(c) else None
    if all(source(v) is None for v in op.operands):
        return False
    init_ids = {id(v) for v in get_inits()}
    inits = [o for o in op._operands if id(o.value) in init_ids]
    new = op.clone()
    k = 0
    for i, v in enumerate(op.operands):
        s = source(v)
        if s is not None:
            new.set_operand(i, s)
    for o, no in zip(op._operands, new._operands):
        if o in inits and isinstance(no.value.type, (RankedTensorType, UnrankedTensorType)):
            if k < len(new.results):
                new.results[k].type = no.value.type
            k += 1
    rw.insert(new)
    rw.replace_op(op, [n if n.type is r.type else cast_to(rw, n, r.type) for r, n in zip(op.results, new.results)])
    return True


def _add_padding(rw: PatternRewriter, a, b):
    """makeComposedFoldedAffineApply(d0 + d1): an int when both are, else an
    affine.apply that the affine canonicalizations then compose and simplify."""
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    from mlir_py.dialects.affine import ApplyOp

    from mlir_py.ir import affine_parser
    from mlir_py.ir.builtin_attributes import AffineMapAttr
    amap = affine_parser.parse_affine_map("(d0, d1) -> (d0 + d1)")
    return rw.create(ApplyOp, [as_index(rw, a), as_index(rw, b)], map=AffineMapAttr(amap)).results[0]


def as_index(rw: PatternRewriter, x):
    from mlir_py.dialects.tensor.shapes import as_value
    return as_value(rw, x)


def pad_of_pad(op, rw: PatternRewriter) -> bool:
    """FoldConsecutiveConstantPadding: pad(pad(x)) with the same padding value
    defined outside both is one pad by the sums."""
    if op.nofold is not None:
        return False
    producer = op.source.owner
    if not isinstance(producer, PadOp) or producer.nofold is not None:
        return False
    v, w = op.get_constant_padding_value(), producer.get_constant_padding_value()
    if v is None or w is None or v is not w:
        return False
    high = [_add_padding(rw, a, b) for a, b in zip(op.mixed_high, producer.mixed_high)]
    low = [_add_padding(rw, a, b) for a, b in zip(op.mixed_low, producer.mixed_low)]
    (vl, sl), (vh, sh) = dispatch_index_list(low), dispatch_index_list(high)
    new = rw.create(_new_pad(op, producer.source, op.result.type, sl.values, sh.values, vl, vh))
    producer.region.clone_into(new.region, {})  # the producer may have other users
    rw.replace_op(op, [new.results[0]])
    return True
