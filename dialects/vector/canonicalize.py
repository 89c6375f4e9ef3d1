"""Canonicalization patterns of the vector dialect that are not folds (they create new ops)."""

from __future__ import annotations

from mlir_py.dialects.arith import ConstantOp
from mlir_py.dialects.vector.ops_reduce import MultiDimReductionOp, ReductionOp
from mlir_py.dialects.vector.ops_shape import BroadcastOp, ConstantMaskOp, CreateMaskOp, ExtractOp, ShapeCastOp

from mlir_py.ir.builtin_attributes import DenseArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, VectorType, i64
from mlir_py.rewrite import pattern


@pattern(CreateMaskOp)
def create_mask_to_constant_mask(op, rw) -> bool:
    """create_mask with constant bounds -> constant_mask (bounds clamped to [0, dim]; all zero if any is <= 0)."""
    bounds = []
    for v in op.operands_:
        c = getattr(v, "owner", None)
        if not isinstance(c, ConstantOp) or not isinstance(c.value, IntegerAttr):
            return False
        bounds.append(c.value.value)
    t = op.result.type
    if t.scalable_dims and any(t.scalable_dims):
        return False
    sizes = [max(0, min(b, d)) for b, d in zip(bounds, t.shape)]
    if any(s == 0 for s in sizes):
        sizes = [0] * len(sizes)
    rw.replace_op_with_new_op(op, ConstantMaskOp, mask_dim_sizes=DenseArrayAttr(i64, tuple(sizes)),
                              result_types=[t])
    return True


@pattern(ShapeCastOp)
def shape_cast_of_broadcast(op, rw) -> bool:
    """shape_cast(broadcast(scalar)) -> broadcast(scalar) to the cast's type."""
    b = getattr(op.source, "owner", None)
    if not isinstance(b, BroadcastOp) or isinstance(b.source.type, VectorType):
        return False
    rw.replace_op_with_new_op(op, BroadcastOp, b.source, result_types=[op.result.type])
    return True


def combine_scalar(rw, kind: str, a, b):
    """a KIND b with the arith op of the combining kind (upstream's makeArithReduction)."""
    from mlir_py.dialects import arith
    f = isinstance(a.type.element_type if isinstance(a.type, VectorType) else a.type, FloatType)
    table = {"add": (arith.AddFOp, arith.AddIOp), "mul": (arith.MulFOp, arith.MulIOp),
             "minnumf": (arith.MinNumFOp, None), "maxnumf": (arith.MaxNumFOp, None),
             "minimumf": (arith.MinimumFOp, None), "maximumf": (arith.MaximumFOp, None),
             "minsi": (None, arith.MinSIOp), "minui": (None, arith.MinUIOp), "maxsi": (None, arith.MaxSIOp),
             "maxui": (None, arith.MaxUIOp), "and": (None, arith.AndIOp), "or": (None, arith.OrIOp),
             "xor": (None, arith.XOrIOp)}
    cls = table[kind][0 if f else 1]
    return rw.create(cls, a, b).result


@pattern(ReductionOp)
def single_element_reduction(op, rw) -> bool:
    """A reduction of one element is that element (combined with the accumulator): upstream's
    ElideSingleElementReduction."""
    t = op.vector.type
    if t.rank > 1 or (t.rank == 1 and (t.shape[0] != 1 or (t.scalable_dims and t.scalable_dims[0]))):
        return False
    e = rw.create(ExtractOp, op.vector, [0] if t.rank == 1 else []).result
    if op.acc is not None:
        e = combine_scalar(rw, op.kind_name, e, op.acc)
    rw.replace_op(op, [e])
    return True


@pattern(MultiDimReductionOp)
def unit_dim_multi_reduction(op, rw) -> bool:
    """Reducing only unit dimensions is a reshape and one combine: upstream's ElideUnitDimsInMultiDimReduction."""
    s = op.source.type
    dims = op.dims
    if not dims or any(s.shape[d] != 1 or (s.scalable_dims and s.scalable_dims[d]) for d in dims):
        return False
    acc_t = op.acc.type
    if isinstance(acc_t, VectorType):
        v = rw.create(ShapeCastOp, op.source, result_types=[acc_t]).result
    else:
        v = rw.create(ExtractOp, op.source, [0] * s.rank).result
    rw.replace_op(op, [combine_scalar(rw, op.kind_name, op.acc, v)])
    return True
