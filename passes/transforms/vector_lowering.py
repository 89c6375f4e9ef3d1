"""Vector-to-vector lowerings that bring n-D and composite vector ops down to
the 1-D ops the LLVM conversion handles (upstream's vector lowering patterns:
contraction, multi-reduction, outer product, broadcast, transpose,
shape_cast, strided slices, masks, 1-D transfers).

`convert-vector-to-llvm` applies them first (as upstream's pass applies
populateVectorContractLoweringPatterns and friends) and then converts what is
left. They are plain patterns: `lower_vector_to_1d(op)` runs them on the
regions of `op`.

- vector.contract: parallel iterators are unrolled (extracting the operand
  rows they index); a contraction with only reduction iterators becomes an
  elementwise product and one `vector.reduction <kind>` with the accumulator.
- vector.multi_reduction: the reduced dimensions are moved innermost and each
  parallel position is reduced with `vector.reduction`.
- vector.outerproduct: one `vector.fma` (or product and combine) per row.
- n-D broadcast, fma, bitcast, strided slices, create_mask, from_elements:
  unrolled over the leading dimension into 1-D ops.
- transpose and shape_cast: element by element (`vector.extract` / `vector.insert`).
- 1-D transfer_read/transfer_write: vector.load/store when in bounds and
  unmasked, vector.maskedload/maskedstore otherwise (the mask is
  `index + lane < dim`, and-ed with the op's mask); broadcast and other
  non-minor maps go element by element.
"""

from __future__ import annotations

import itertools

from mlir_py.dialects import arith, memref, scf
from mlir_py.dialects.vector import (
    BitCastOp,
    BroadcastOp,
    ConstantMaskOp,
    ContractionOp,
    CreateMaskOp,
    ExtractOp,
    ExtractStridedSliceOp,
    FMAOp,
    FromElementsOp,
    InsertOp,
    InsertStridedSliceOp,
    LoadOp,
    MaskedLoadOp,
    MaskedStoreOp,
    MultiDimReductionOp,
    OuterProductOp,
    ReductionOp,
    ShapeCastOp,
    StepOp,
    StoreOp,
    TransferReadOp,
    TransferWriteOp,
    TransposeOp,
)

from mlir_py.ir.affine_expr import AffineConstantExpr, AffineDimExpr, AffineMap
from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, MemRefType, VectorType, i1, index
from mlir_py.ir.operation import Value
from mlir_py.rewrite import RewritePattern, apply_patterns_greedily, pattern

# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------


def _vt(shape, et, scalable=None) -> VectorType:
    return VectorType(list(shape), et, scalable)


def _sub(t: VectorType):
    """The type of one row of t (the element type for a 1-D vector)."""
    if t.rank == 1:
        return t.element_type
    return _vt(t.shape[1:], t.element_type)


def _cidx(rw, v: int) -> Value:
    return rw.create(arith.ConstantOp, IntegerAttr(v, index)).result


def _zero(rw, t) -> Value:
    """A zero constant of a scalar or vector type."""
    et = t.element_type if isinstance(t, VectorType) else t
    if isinstance(t, VectorType):
        return rw.create(arith.ConstantOp, DenseElementsAttr(0.0 if isinstance(et, FloatType) else 0, t)).result
    if isinstance(et, FloatType):
        return rw.create(arith.ConstantOp, FloatAttr(0.0, et)).result
    return rw.create(arith.ConstantOp, IntegerAttr(0, et)).result


def _is_float(t) -> bool:
    return isinstance(t.element_type if isinstance(t, VectorType) else t, FloatType)


_COMBINE_F = {"add": arith.AddFOp, "mul": arith.MulFOp, "minnumf": arith.MinNumFOp, "maxnumf": arith.MaxNumFOp,
              "minimumf": arith.MinimumFOp, "maximumf": arith.MaximumFOp}
_COMBINE_I = {"add": arith.AddIOp, "mul": arith.MulIOp, "minsi": arith.MinSIOp, "minui": arith.MinUIOp,
              "maxsi": arith.MaxSIOp, "maxui": arith.MaxUIOp, "and": arith.AndIOp, "or": arith.OrIOp,
              "xor": arith.XOrIOp}


def combine(rw, kind: str, a: Value, b: Value) -> Value:
    """a KIND b, elementwise (makeArithReduction)."""
    table = _COMBINE_F if _is_float(a.type) else _COMBINE_I
    return rw.create(table[kind], a, b).result


def _mul(rw, a: Value, b: Value) -> Value:
    return rw.create(arith.MulFOp if _is_float(a.type) else arith.MulIOp, a, b).result


def _extend(rw, v: Value, et) -> Value:
    """Widen v's elements to et (extf / extsi), as contract promotes mixed-precision operands."""
    t = v.type
    cur = t.element_type if isinstance(t, VectorType) else t
    if cur is et:
        return v
    nt = _vt(t.shape, et) if isinstance(t, VectorType) else et
    cls = arith.ExtFOp if isinstance(et, FloatType) else arith.ExtSIOp
    return rw.create(cls, v, result_types=[nt]).result


def _transpose_to_front(rw, v: Value, pos: int) -> Value:
    if pos == 0:
        return v
    r = v.type.rank
    return rw.create(TransposeOp, v, [pos] + [i for i in range(r) if i != pos]).result


def _flatten(rw, v: Value) -> Value:
    t = v.type
    if t.rank == 1:
        return v
    n = 1
    for d in t.shape:
        n *= d
    return rw.create(ShapeCastOp, v, result_types=[_vt([n], t.element_type)]).result


def _scalable(t) -> bool:
    return isinstance(t, VectorType) and bool(t.scalable_dims) and any(t.scalable_dims)


# ----------------------------------------------------------------------------
# contract
# ----------------------------------------------------------------------------


def _drop_dim(m: AffineMap, d: int) -> AffineMap:
    res = []
    for e in m.results:
        if isinstance(e, AffineDimExpr):
            if e.position == d:
                continue
            res.append(AffineDimExpr(e.position - 1) if e.position > d else e)
        else:
            res.append(e)
    return AffineMap(m.num_dims - 1, 0, res)


def _pos_of(m: AffineMap, d: int) -> int | None:
    for i, e in enumerate(m.results):
        if isinstance(e, AffineDimExpr) and e.position == d:
            return i
    return None


@pattern(ContractionOp)
def lower_contract(op, rw) -> bool:
    """Unroll one parallel iterator of a contraction, or reduce a contraction with only reduction iterators."""
    if any(_scalable(v.type) for v in (op.lhs, op.rhs, op.acc)):
        return False
    maps, iters, kind = op.maps, op.iterators, op.kind_name
    acc_t = op.acc.type
    if "parallel" in iters:
        if isinstance(acc_t, VectorType):
            d = maps[2].results[0].position
        else:
            d = iters.index("parallel")
        bound = op.iteration_bounds()[d]
        lhs_pos, rhs_pos, acc_pos = (_pos_of(m, d) for m in maps)
        lhs = op.lhs if lhs_pos is None else _transpose_to_front(rw, op.lhs, lhs_pos)
        rhs = op.rhs if rhs_pos is None else _transpose_to_front(rw, op.rhs, rhs_pos)
        new_maps = []
        for m, p in zip(maps, (lhs_pos, rhs_pos, acc_pos)):
            if p is not None and p != 0:  # the operand was transposed: its row dimension is first now
                rs = list(m.results)
                rs.insert(0, rs.pop(p))
                m = AffineMap(m.num_dims, 0, rs)
            new_maps.append(_drop_dim(m, d))
        new_iters = iters[:d] + iters[d + 1:]
        result = op.acc
        for k in range(bound):
            sl = lhs if lhs_pos is None else rw.create(ExtractOp, lhs, [k]).result
            sr = rhs if rhs_pos is None else rw.create(ExtractOp, rhs, [k]).result
            sa = op.acc if acc_pos is None else rw.create(ExtractOp, op.acc, [k]).result
            sub = rw.create(ContractionOp, sl, sr, sa, new_maps, new_iters, kind)
            if op.fastmath != sub.fastmath:
                sub.fastmath = op.fastmath
            result = rw.create(InsertOp, sub.result, result, [k]).result if acc_pos is not None else sub.result
        rw.replace_op(op, [result])
        return True
    # only reduction iterators: lhs and rhs index the same dimensions, maybe in another order
    lm, rm = maps[0], maps[1]
    ldims = [e.position for e in lm.results if isinstance(e, AffineDimExpr)]
    rdims = [e.position for e in rm.results if isinstance(e, AffineDimExpr)]
    if sorted(ldims) != sorted(rdims) or len(ldims) != len(lm.results) or len(rdims) != len(rm.results):
        return False
    rhs = op.rhs
    perm = [rdims.index(d) for d in ldims]
    if perm != sorted(perm):
        rhs = rw.create(TransposeOp, rhs, perm).result
    et = acc_t.element_type if isinstance(acc_t, VectorType) else acc_t
    prod = _mul(rw, _extend(rw, op.lhs, et), _extend(rw, rhs, et))
    red = rw.create(ReductionOp, kind, _flatten(rw, prod), op.acc)
    if op.fastmath != red.fastmath:
        red.fastmath = op.fastmath
    rw.replace_op(op, [red.dest])
    return True


# ----------------------------------------------------------------------------
# multi_reduction, outerproduct, fma
# ----------------------------------------------------------------------------


def _matmul_dims(op):
    """(i, j, k) when the contraction is a matrix product in any operand layout (two parallel iterators, one
    reduction, lhs indexing {i, k}, rhs {k, j}, acc {i, j}), else None."""
    iters = op.iterators
    if len(iters) != 3 or iters.count("reduction") != 1 or not isinstance(op.acc.type, VectorType):
        return None
    k = iters.index("reduction")
    lm, rm, am = op.maps
    dims = [[e.position for e in m.results if isinstance(e, AffineDimExpr)] for m in (lm, rm, am)]
    if any(len(d) != 2 for d in dims) or any(len(m.results) != 2 for m in (lm, rm, am)):
        return None
    if k not in dims[0] or k not in dims[1] or k in dims[2]:
        return None
    i = next(d for d in dims[0] if d != k)
    j = next(d for d in dims[1] if d != k)
    if i == j or sorted(dims[2]) != sorted([i, j]):
        return None
    return i, j, k


def _to_order(rw, v: Value, m: AffineMap, order: list[int]) -> Value:
    """v (indexed by map m) transposed so its dimensions follow the iterators `order`."""
    pos = [_pos_of(m, d) for d in order]
    return v if pos == sorted(pos) else rw.create(TransposeOp, v, pos).result


class ContractToOuterProducts(RewritePattern):
    """A matrix-product contraction as one `vector.outerproduct` per reduction index (upstream's
    `vector-contract-lowering=outerproduct`): lhs as (k, i), rhs as (k, j), the accumulator as (i, j)."""

    root = ContractionOp
    benefit = 2

    def match_and_rewrite(self, op, rw) -> bool:
        dims = _matmul_dims(op)
        if dims is None or any(_scalable(v.type) for v in (op.lhs, op.rhs, op.acc)):
            return False
        i, j, k = dims
        lm, rm, am = op.maps
        acc_t = op.acc.type
        et = acc_t.element_type
        lhs = _extend(rw, _to_order(rw, op.lhs, lm, [k, i]), et)
        rhs = _extend(rw, _to_order(rw, op.rhs, rm, [k, j]), et)
        swapped = _pos_of(am, i) != 0
        acc = rw.create(TransposeOp, op.acc, [1, 0]).result if swapped else op.acc
        for r in range(lhs.type.shape[0]):
            a = rw.create(ExtractOp, lhs, [r]).result
            b = rw.create(ExtractOp, rhs, [r]).result
            acc = rw.create(OuterProductOp, a, b, acc, op.kind_name).result
        if swapped:
            acc = rw.create(TransposeOp, acc, [1, 0]).result
        rw.replace_op(op, [acc])
        return True


@pattern(MultiDimReductionOp)
def lower_multi_reduction(op, rw) -> bool:
    src = op.source
    st = src.type
    if _scalable(st):
        return False
    dims = sorted(set(op.dims))
    par = [i for i in range(st.rank) if i not in dims]
    kind = op.kind_name
    if not dims:  # as upstream's fold: reducing no dimension gives the source
        rw.replace_op(op, [src])
        return True
    order = par + dims
    if order != list(range(st.rank)):
        src = rw.create(TransposeOp, src, order).result
    if not par:
        red = rw.create(ReductionOp, kind, _flatten(rw, src), op.acc)
        rw.replace_op(op, [red.dest])
        return True
    result = op.acc
    for idx in itertools.product(*(range(st.shape[p]) for p in par)):
        row = _flatten(rw, rw.create(ExtractOp, src, list(idx)).result)
        a = rw.create(ExtractOp, op.acc, list(idx)).result
        r = rw.create(ReductionOp, kind, row, a).dest
        result = rw.create(InsertOp, r, result, list(idx)).result
    rw.replace_op(op, [result])
    return True


@pattern(OuterProductOp)
def lower_outerproduct(op, rw) -> bool:
    res_t = op.result.type
    if _scalable(res_t):
        return False
    kind = op.kind_name
    fused = kind == "add" and _is_float(res_t)

    def row(a: Value, b: Value, acc: Value | None) -> Value:
        if acc is None:
            return _mul(rw, a, b)
        if fused:
            return rw.create(FMAOp, a, b, acc).result
        return combine(rw, kind, _mul(rw, a, b), acc)

    if not isinstance(op.rhs.type, VectorType):  # AXPY
        b = rw.create(BroadcastOp, op.rhs, result_types=[op.lhs.type]).result
        rw.replace_op(op, [row(op.lhs, b, op.acc)])
        return True
    row_t = op.rhs.type
    result = op.acc if op.acc is not None else _zero(rw, res_t)
    for i in range(res_t.shape[0]):
        a = rw.create(BroadcastOp, rw.create(ExtractOp, op.lhs, [i]).result, result_types=[row_t]).result
        acc = rw.create(ExtractOp, op.acc, [i]).result if op.acc is not None else None
        result = rw.create(InsertOp, row(a, op.rhs, acc), result, [i]).result
    rw.replace_op(op, [result])
    return True


def _unroll_rows(op, rw, make_row) -> bool:
    """Replace an n-D op (n >= 2) by one 1-D-smaller op per leading position."""
    t = op.results[0].type
    if not isinstance(t, VectorType) or t.rank < 2 or _scalable(t):
        return False
    result = _zero(rw, t)
    for k in range(t.shape[0]):
        result = rw.create(InsertOp, make_row(k), result, [k]).result
    rw.replace_op(op, [result])
    return True


@pattern(FMAOp)
def unroll_fma(op, rw) -> bool:
    return _unroll_rows(op, rw, lambda k: rw.create(
        FMAOp, *(rw.create(ExtractOp, v, [k]).result for v in (op.lhs, op.rhs, op.acc))).result)


@pattern(BitCastOp)
def unroll_bitcast(op, rw) -> bool:
    t = op.result.type
    return _unroll_rows(op, rw, lambda k: rw.create(
        BitCastOp, rw.create(ExtractOp, op.source, [k]).result, result_types=[_sub(t)]).result)


# ----------------------------------------------------------------------------
# broadcast, transpose, shape_cast
# ----------------------------------------------------------------------------


@pattern(BroadcastOp)
def lower_broadcast(op, rw) -> bool:
    src, dst = op.source, op.vector.type
    st = src.type
    if _scalable(dst) or dst.rank == 0:
        return False
    if not isinstance(st, VectorType):
        if dst.rank == 1:
            return False  # a splat: the LLVM conversion's
        row = rw.create(BroadcastOp, src, result_types=[_sub(dst)]).result
        return _unroll_rows(op, rw, lambda k: row)
    if st.rank == 0:
        e = rw.create(ExtractOp, src, []).result
        rw.replace_op_with_new_op(op, BroadcastOp, e, result_types=[dst])
        return True
    if st == dst:
        rw.replace_op(op, [src])
        return True
    if st.rank < dst.rank:  # duplication of the leading dimension
        sub_t = _sub(dst)
        row = src if st == sub_t else rw.create(BroadcastOp, src, result_types=[sub_t]).result
        return _unroll_rows(op, rw, lambda k: row)
    # equal ranks: stretch or copy dimension 0, broadcast the rest
    if dst.rank == 1:  # vector<1xT> -> vector<NxT>
        e = rw.create(ExtractOp, src, [0]).result
        rw.replace_op_with_new_op(op, BroadcastOp, e, result_types=[dst])
        return True
    sub_t = _sub(dst)

    def make_row(k: int) -> Value:
        r = rw.create(ExtractOp, src, [0 if st.shape[0] == 1 else k]).result
        return r if r.type == sub_t else rw.create(BroadcastOp, r, result_types=[sub_t]).result
    return _unroll_rows(op, rw, make_row)


def _elementwise_copy(rw, src: Value, dst_t: VectorType, src_index) -> Value:
    """A vector of dst_t whose element at index I is src[src_index(I)], built element by element."""
    result = _zero(rw, dst_t)
    for idx in itertools.product(*(range(d) for d in dst_t.shape)):
        e = rw.create(ExtractOp, src, list(src_index(idx))).result
        result = rw.create(InsertOp, e, result, list(idx)).result
    return result


@pattern(TransposeOp)
def lower_transpose(op, rw) -> bool:
    t = op.result.type
    if _scalable(t):
        return False
    perm = op.perm
    if perm == sorted(perm):
        rw.replace_op(op, [op.vector])
        return True

    def src_index(idx):
        out = [0] * len(perm)
        for i, p in enumerate(perm):
            out[p] = idx[i]
        return out
    rw.replace_op(op, [_elementwise_copy(rw, op.vector, t, src_index)])
    return True


@pattern(ShapeCastOp)
def lower_shape_cast(op, rw) -> bool:
    s, t = op.source.type, op.result.type
    if _scalable(s) or _scalable(t):
        return False
    if s == t:
        rw.replace_op(op, [op.source])
        return True
    if s.rank <= 1 and t.rank <= 1:
        return False  # same number of elements: the LLVM conversion's (a no-op or a 0-D/1-D reshape)
    sstrides = [1] * s.rank
    for i in range(s.rank - 2, -1, -1):
        sstrides[i] = sstrides[i + 1] * s.shape[i + 1]
    tstrides = [1] * t.rank
    for i in range(t.rank - 2, -1, -1):
        tstrides[i] = tstrides[i + 1] * t.shape[i + 1]

    def src_index(idx):
        lin = sum(i * st for i, st in zip(idx, tstrides))
        return [(lin // st) % d for st, d in zip(sstrides, s.shape)]
    rw.replace_op(op, [_elementwise_copy(rw, op.source, t, src_index)])
    return True


# ----------------------------------------------------------------------------
# strided slices, masks, from_elements, step
# ----------------------------------------------------------------------------


@pattern(ExtractStridedSliceOp)
def unroll_extract_strided_slice(op, rw) -> bool:
    t = op.result.type
    offs, sizes = [x.value for x in op.offsets], [x.value for x in op.sizes]
    if t.rank < 2 or _scalable(t):
        return False
    if len(offs) == 1:  # whole rows
        return _unroll_rows(op, rw, lambda k: rw.create(ExtractOp, op.source, [offs[0] + k]).result)

    def make_row(k: int) -> Value:
        r = rw.create(ExtractOp, op.source, [offs[0] + k]).result
        return rw.create(ExtractStridedSliceOp, r, offs[1:], sizes[1:]).result
    return _unroll_rows(op, rw, make_row)


@pattern(InsertStridedSliceOp)
def unroll_insert_strided_slice(op, rw) -> bool:
    src, dst = op.value_to_store.type, op.dest.type
    offs = [x.value for x in op.offsets]
    if dst.rank < 2 or _scalable(dst):
        return False
    result = op.dest
    if src.rank < dst.rank:  # the source fills part of one row of dest
        row = rw.create(ExtractOp, op.dest, [offs[0]]).result
        new = rw.create(InsertStridedSliceOp, op.value_to_store, row, offs[1:]).res
        rw.replace_op_with_new_op(op, InsertOp, new, op.dest, [offs[0]])
        return True
    for k in range(src.shape[0]):
        s = rw.create(ExtractOp, op.value_to_store, [k]).result
        if src.rank == 1:
            result = rw.create(InsertOp, s, result, [offs[0] + k]).result
            continue
        d = rw.create(ExtractOp, op.dest, [offs[0] + k]).result
        new = rw.create(InsertStridedSliceOp, s, d, offs[1:]).res
        result = rw.create(InsertOp, new, result, [offs[0] + k]).result
    rw.replace_op(op, [result])
    return True


@pattern(ConstantMaskOp)
def lower_constant_mask(op, rw) -> bool:
    t = op.result.type
    if _scalable(t):
        return False
    import numpy as np
    arr = np.zeros(t.shape, dtype=bool)
    arr[tuple(slice(0, s) for s in op.sizes)] = True
    rw.replace_op_with_new_op(op, arith.ConstantOp, DenseElementsAttr(arr, t))
    return True


@pattern(CreateMaskOp)
def lower_create_mask(op, rw) -> bool:
    """1-D: `[0, 1, ..] < bound`; n-D: row k is the (n-1)-D mask where `k < bound0`, else all false."""
    t = op.result.type
    if _scalable(t):
        return False
    bounds = list(op.operands_)
    if t.rank == 1:
        n = t.shape[0]
        it = _vt([n], index)
        steps = rw.create(arith.ConstantOp, DenseElementsAttr(list(range(n)), it)).result
        b = rw.create(BroadcastOp, bounds[0], result_types=[it]).result
        rw.replace_op_with_new_op(op, arith.CmpIOp, "slt", steps, b)
        return True
    sub_t = _sub(t)
    row = rw.create(CreateMaskOp, bounds[1:], result_types=[sub_t]).result
    false = _zero(rw, sub_t)

    def make_row(k: int) -> Value:
        ok = rw.create(arith.CmpIOp, "slt", _cidx(rw, k), bounds[0]).result
        return rw.create(arith.SelectOp, ok, row, false).result
    return _unroll_rows(op, rw, make_row)


@pattern(FromElementsOp)
def unroll_from_elements(op, rw) -> bool:
    t = op.dest.type
    if t.rank < 2:
        return False
    n = len(op.elements) // t.shape[0]
    sub_t = _sub(t)
    return _unroll_rows(op, rw, lambda k: rw.create(
        FromElementsOp, op.elements[k * n:(k + 1) * n], result_types=[sub_t]).result)


@pattern(StepOp)
def lower_step(op, rw) -> bool:
    t = op.result.type
    if _scalable(t):
        return False
    rw.replace_op_with_new_op(op, arith.ConstantOp, DenseElementsAttr(list(range(t.shape[0])), t))
    return True


# ----------------------------------------------------------------------------
# 1-D transfers
# ----------------------------------------------------------------------------


def _minor_identity_1d(op) -> bool:
    perm = op.perm
    r = op.base.type.rank
    return (len(perm.results) == 1 and isinstance(perm.results[0], AffineDimExpr)
            and perm.results[0].position == r - 1)


def _unit_inner_stride(t: MemRefType) -> bool:
    lay = t.layout
    if lay is None:
        return True
    strides = getattr(lay, "strides", None)
    if strides is not None:
        return strides[-1] == 1
    return False


def _in_bounds_mask(rw, op, vt: VectorType) -> Value | None:
    """The lane mask of a 1-D minor-identity transfer: `index + lane < dim` unless in bounds, and-ed with the
    op's own mask."""
    mask = op.mask
    if not op.in_bounds_values[0]:
        r = op.base.type.rank
        last = op.indices[-1]
        dim = rw.create(memref.DimOp, op.base, _cidx(rw, r - 1)).result
        left = rw.create(arith.SubIOp, dim, last).result
        lanes = rw.create(CreateMaskOp, [left], result_types=[_vt(vt.shape, i1)]).result
        mask = lanes if mask is None else rw.create(arith.AndIOp, lanes, mask).result
    return mask


@pattern(TransferReadOp)
def lower_transfer_read_1d(op, rw) -> bool:
    vt = op.vector_type
    bt = op.base.type
    if not isinstance(bt, MemRefType) or vt.rank != 1 or _scalable(vt) or isinstance(bt.element_type, VectorType):
        return False
    if _minor_identity_1d(op) and _unit_inner_stride(bt):
        mask = _in_bounds_mask(rw, op, vt)
        if mask is None:
            rw.replace_op_with_new_op(op, LoadOp, op.base, list(op.indices), result_types=[vt])
            return True
        pad = rw.create(BroadcastOp, op.padding, result_types=[vt]).result
        rw.replace_op_with_new_op(op, MaskedLoadOp, op.base, list(op.indices), mask, pad, result_types=[vt])
        return True
    e = op.perm.results[0]
    if isinstance(e, AffineConstantExpr):  # broadcast of one element (in bounds by the verifier)
        if op.mask is None:
            s = rw.create(memref.LoadOp, op.base, list(op.indices)).result
            rw.replace_op_with_new_op(op, BroadcastOp, s, result_types=[vt])
            return True
        return False
    # a strided 1-D read: element by element, each guarded when not in bounds
    d = e.position
    dim = None if op.in_bounds_values[0] else rw.create(memref.DimOp, op.base, _cidx(rw, d)).result
    result = rw.create(BroadcastOp, op.padding, result_types=[vt]).result
    for k in range(vt.shape[0]):
        idx = list(op.indices)
        idx[d] = rw.create(arith.AddIOp, idx[d], _cidx(rw, k)).result if k else idx[d]
        conds = []
        if dim is not None:
            conds.append(rw.create(arith.CmpIOp, "slt", idx[d], dim).result)
        if op.mask is not None:
            conds.append(rw.create(ExtractOp, op.mask, [k]).result)
        if conds:
            c = conds[0] if len(conds) == 1 else rw.create(arith.AndIOp, conds[0], conds[1]).result
            guard = rw.create(scf.IfOp.build(c, [vt.element_type]))
            with rw.insertion_guard():
                rw.set_insertion_point_to_end(guard.then_block)
                rw.create(scf.YieldOp, [rw.create(memref.LoadOp, op.base, idx).result])
                eb = guard.else_block
                assert eb is not None
                rw.set_insertion_point_to_end(eb)
                rw.create(scf.YieldOp, [op.padding])
            s = guard.results[0]
        else:
            s = rw.create(memref.LoadOp, op.base, idx).result
        result = rw.create(InsertOp, s, result, [k]).result
    rw.replace_op(op, [result])
    return True


@pattern(TransferWriteOp)
def lower_transfer_write_1d(op, rw) -> bool:
    vt = op.vector_type
    bt = op.base.type
    if not isinstance(bt, MemRefType) or vt.rank != 1 or _scalable(vt) or isinstance(bt.element_type, VectorType):
        return False
    if _minor_identity_1d(op) and _unit_inner_stride(bt):
        mask = _in_bounds_mask(rw, op, vt)
        if mask is None:
            rw.replace_op_with_new_op(op, StoreOp, op.value_to_store, op.base, list(op.indices))
        else:
            rw.replace_op_with_new_op(op, MaskedStoreOp, op.base, list(op.indices), mask, op.value_to_store)
        return True
    e = op.perm.results[0]
    if not isinstance(e, AffineDimExpr):
        return False
    d = e.position
    dim = None if op.in_bounds_values[0] else rw.create(memref.DimOp, op.base, _cidx(rw, d)).result
    for k in range(vt.shape[0]):
        idx = list(op.indices)
        idx[d] = rw.create(arith.AddIOp, idx[d], _cidx(rw, k)).result if k else idx[d]
        conds = []
        if dim is not None:
            conds.append(rw.create(arith.CmpIOp, "slt", idx[d], dim).result)
        if op.mask is not None:
            conds.append(rw.create(ExtractOp, op.mask, [k]).result)
        s = rw.create(ExtractOp, op.value_to_store, [k]).result
        if conds:
            c = conds[0] if len(conds) == 1 else rw.create(arith.AndIOp, conds[0], conds[1]).result
            guard = rw.create(scf.IfOp.build(c))
            with rw.insertion_guard():
                rw.set_insertion_point(guard.then_block.last_op)
                rw.create(memref.StoreOp, s, op.base, idx)
        else:
            rw.create(memref.StoreOp, s, op.base, idx)
    rw.erase_op(op)
    return True


PATTERNS = [lower_contract, lower_multi_reduction, lower_outerproduct, unroll_fma, unroll_bitcast, lower_broadcast,
            lower_transpose, lower_shape_cast, unroll_extract_strided_slice, unroll_insert_strided_slice,
            lower_constant_mask, lower_create_mask, unroll_from_elements, lower_step, lower_transfer_read_1d,
            lower_transfer_write_1d]


def lower_vector_to_1d(op, contract_lowering: str = "dot") -> None:
    """Apply the lowerings above to the regions of `op` until only 1-D-level vector ops remain.

    `contract_lowering`: "dot" (every contraction through products and `vector.reduction`) or "outerproduct"
    (matrix products as chains of outer products, i.e. `vector.fma` rows; the others as "dot")."""
    pats = list(PATTERNS)
    if contract_lowering == "outerproduct":
        pats.insert(0, ContractToOuterProducts())
    apply_patterns_greedily(op, pats, fold=True, cse_constants=True, region_simplify=False, max_iterations=50)


__all__ = ["PATTERNS", "ContractToOuterProducts", "lower_vector_to_1d", "combine", "IntegerType", "IndexType"]
