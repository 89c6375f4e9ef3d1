"""Canonicalization patterns of the vector dialect that are not folds (they create new ops)."""

from __future__ import annotations

from mlir_py.dialects.arith import ConstantOp
from mlir_py.dialects.vector.ops_shape import ConstantMaskOp, CreateMaskOp

from mlir_py.ir.builtin_attributes import DenseArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import i64
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
