"""Canonicalization patterns of linalg's structured ops (upstream's LinalgOps.cpp).

- `erase_identity_linalg_op` (EraseIdentityLinalgOp, on linalg.generic): all
  maps equal and a body that only yields block arguments: on tensors the
  results are the yielded operands (through a `tensor.cast` when only the
  static shape differs); on memrefs a copy of a buffer onto itself is erased;
- `erase_self_copy` (EraseSelfCopy): `linalg.copy` of a value onto itself;
- `fold_transpose_with_transpose`: transpose of a transpose is one transpose
  with the composed permutation;
- `fold_broadcasts`: broadcast of a broadcast is one broadcast;
- `erase_dead_linalg_op` (EraseDeadLinalgOp, every structured op): an op with
  a memref operand of a static zero dimension does nothing.

The folds (transpose by the identity, broadcast by no dimension, linalg.index
of a loop of size 1) are the ops' `fold` hooks.
"""

from __future__ import annotations

from mlir_py.dialects.linalg.interface import LinalgStructuredInterface

from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, RankedTensorType
from mlir_py.ir.operation import BlockArgument, Operation
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def _tensor_cast_class():
    """tensor.cast's op class when the tensor dialect is installed (linalg does not depend on it)."""
    try:
        from mlir_py.dialects import tensor
    except ImportError:
        return None
    return getattr(tensor, "CastOp", None)


def _cast_compatible(a, b) -> bool:
    """tensor.cast's areCastCompatible for ranked tensors: same element type and rank, dims equal or dynamic."""
    if not (isinstance(a, RankedTensorType) and isinstance(b, RankedTensorType)):
        return False
    if a.element_type is not b.element_type or len(a.shape) != len(b.shape):
        return False
    return all(x == y or DYNAMIC in (x, y) for x, y in zip(a.shape, b.shape))


@pattern("linalg.generic")
def erase_identity_linalg_op(op: Operation, rw: PatternRewriter) -> bool:
    """All maps equal, the body only yields block arguments: the op forwards its operands."""
    maps = op.get_indexing_maps()
    if any(m != maps[0] for m in maps):
        return False
    body = op.body
    if body.first_op is not body.last_op:
        return False
    y = op.get_yield()
    if y.name != "linalg.yield":
        return False
    if op.has_pure_buffer_semantics():
        ins, inits = op.get_dps_inputs(), op.get_dps_inits()
        if len(ins) != 1 or len(inits) != 1 or ins[0] is not inits[0]:
            return False
        v = y.operands[0] if y.operands else None
        if not isinstance(v, BlockArgument) or v.owner is not body:
            return False
        rw.erase_op(op)
        return True
    if not op.has_pure_tensor_semantics():
        return False
    replacements = []
    casts = []
    for v, res in zip(y.operands, op.results):
        if not isinstance(v, BlockArgument) or v.owner is not body:
            return False
        arg = op.operands[v.index]
        if arg.type is not res.type:
            if _tensor_cast_class() is None or not _cast_compatible(arg.type, res.type):
                return False
            casts.append((len(replacements), arg, res.type))
        replacements.append(arg)
    if len(replacements) != len(op.results):
        return False
    cast_cls = _tensor_cast_class()
    for i, arg, t in casts:
        rw.set_insertion_point(op)
        replacements[i] = rw.create(cast_cls.create([arg], [t])).results[0]
    rw.replace_op(op, replacements)
    return True


@pattern("linalg.copy")
def erase_self_copy(op: Operation, rw: PatternRewriter) -> bool:
    """`linalg.copy ins(%a) outs(%a)`: on tensors the result is %a, on memrefs nothing happens."""
    if list(op.inputs) != list(op.outputs):
        return False
    if op.has_pure_buffer_semantics():
        rw.erase_op(op)
    else:
        rw.replace_op(op, list(op.inputs))
    return True


@pattern("linalg.transpose")
def fold_transpose_with_transpose(op: Operation, rw: PatternRewriter) -> bool:
    """transpose(transpose(x, p1), p2) == transpose(x, [p1[p2[i]]])."""
    d = getattr(op.input, "owner", None)
    if not isinstance(d, Operation) or d.name != "linalg.transpose":
        return False
    p1, p2 = list(d.permutation.values), list(op.permutation.values)
    perm = [p1[p] for p in p2]
    new = type(op).build(d.input, op.init, perm, location=op.location)
    rw.set_insertion_point(op)
    rw.insert(new)
    rw.replace_op(op, list(new.results))
    return True


@pattern("linalg.broadcast")
def fold_broadcasts(op: Operation, rw: PatternRewriter) -> bool:
    """broadcast(broadcast(x, d1), d2): one broadcast adding d2 and d1 mapped through d2's kept dims."""
    d = getattr(op.input, "owner", None)
    if not isinstance(d, Operation) or d.name != "linalg.broadcast":
        return False
    dims = list(op.dimensions.values)
    rank = len(op.init.type.shape)
    kept = [i for i in range(rank) if i not in dims]
    folded = sorted(dims + [kept[x] for x in d.dimensions.values])
    new = type(op).build(d.input, op.init, folded, location=op.location)
    rw.set_insertion_point(op)
    rw.insert(new)
    rw.replace_op(op, list(new.results))
    return True


@pattern(trait=LinalgStructuredInterface)
def erase_dead_linalg_op(op: Operation, rw: PatternRewriter) -> bool:
    """A memref operand with a static 0 dimension means zero iterations (tensors of size 0 are only a
    convention upstream, so they are left)."""
    for v in op.operands:
        t = v.type
        if isinstance(t, MemRefType) and 0 in t.shape:
            if op.results:
                return False
            rw.erase_op(op)
            return True
    return False


GENERIC_PATTERNS = [erase_identity_linalg_op]
COPY_PATTERNS = [erase_self_copy]
TRANSPOSE_PATTERNS = [fold_transpose_with_transpose]
BROADCAST_PATTERNS = [fold_broadcasts]
DIALECT_PATTERNS = [erase_dead_linalg_op]

__all__ = ["BROADCAST_PATTERNS", "COPY_PATTERNS", "DIALECT_PATTERNS", "GENERIC_PATTERNS", "TRANSPOSE_PATTERNS"]
