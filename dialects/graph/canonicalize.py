"""Canonicalization patterns of the graph dialect; folds (constants, identities) live in folding.py.

- a reshape of a reshape reshapes the original input once (and disappears,
  by folding, when that gives back the original type);
- a transpose of a transpose is one transpose by the composed permutation
  (erased, by folding, when that is the identity);
- graph.flatten is a graph.reshape to its (inferred) 2-D type, so later
  patterns and the lowering see one op for both.
"""

from __future__ import annotations

from mlir_py.dialects.graph.shape_ops import FlattenOp, ReshapeOp, TransposeOp

from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import i64
from mlir_py.ir.operation import Operation, OpResult
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def _producer(op: Operation, name: str) -> Operation | None:
    v = op.operand(0)
    return v.op if isinstance(v, OpResult) and v.op.name == name else None


@pattern(ReshapeOp)
def reshape_of_reshape(op: Operation, rw: PatternRewriter) -> bool:
    """`reshape(reshape(x))` -> `reshape(x)`: only the element order matters, and both keep it."""
    src = _producer(op, "graph.reshape")
    if src is None:
        return False
    rw.replace_op_with_new_op(op, ReshapeOp, src.operand(0), result_types=[op.results[0].type])
    return True


@pattern(TransposeOp)
def transpose_of_transpose(op: Operation, rw: PatternRewriter) -> bool:
    """`transpose(transpose(x, p1), p2)` -> `transpose(x, [p1[i] for i in p2])`."""
    src = _producer(op, "graph.transpose")
    if src is None:
        return False
    p1, p2 = src.properties["perm"].values, op.properties["perm"].values
    perm = DenseArrayAttr(i64, tuple(p1[i] for i in p2))
    rw.replace_op_with_new_op(op, TransposeOp, src.operand(0), perm=perm, result_types=[op.results[0].type])
    return True


@pattern(FlattenOp)
def flatten_as_reshape(op: Operation, rw: PatternRewriter) -> bool:
    """`flatten(x)` -> `reshape(x)` to the same 2-D type."""
    rw.replace_op_with_new_op(op, ReshapeOp, op.operand(0), result_types=[op.results[0].type])
    return True


PATTERNS = [reshape_of_reshape, transpose_of_transpose, flatten_as_reshape]
