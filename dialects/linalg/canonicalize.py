"""Canonicalization patterns of linalg's structured ops (upstream's LinalgOps.cpp).

- `EraseIdentityLinalgOp`: a generic on tensors whose maps are all identities
  and whose body only yields its input arguments is its inputs (results
  replaced by the yielded inputs, with a tensor.cast-free type match only);
- `EraseSelfCopy`: `linalg.copy` of a value onto itself is dropped (on tensors
  its result is the input).
"""

from __future__ import annotations

from mlir_py.ir.builtin_types import TensorType
from mlir_py.ir.operation import Operation
from mlir_py.rewrite.pattern import PatternRewriter, pattern


@pattern("linalg.generic")
def erase_identity_generic(op: Operation, rw: PatternRewriter) -> bool:
    """All maps identity, all parallel, tensors only, body yields block arguments of inputs: no work."""
    if not op.has_pure_tensor_semantics():
        return False
    if any(not m.is_identity() for m in op.get_indexing_maps()):
        return False
    if op.get_num_reduction_loops():
        return False
    body = op.body
    y = op.get_yield()
    if len(list(body.ops)) != 1:
        return False
    n_in = op.get_num_dps_inputs()
    repl = []
    for i, (v, res) in enumerate(zip(y.operands, op.results)):
        del i
        if v not in body.args:
            return False
        k = body.args.index(v)
        src = (op.inputs if k < n_in else op.outputs)[k if k < n_in else k - n_in]
        if src.type is not res.type:
            return False
        repl.append(src)
    if len(repl) != len(op.results):
        return False
    rw.replace_op(op, repl)
    return True


@pattern("linalg.copy")
def erase_self_copy(op: Operation, rw: PatternRewriter) -> bool:
    """`linalg.copy ins(%a) outs(%a)`."""
    if list(op.inputs) != list(op.outputs):
        return False
    if op.results:
        rw.replace_op(op, list(op.inputs))
    else:
        rw.erase_op(op)
    return True


GENERIC_PATTERNS = [erase_identity_generic]
COPY_PATTERNS = [erase_self_copy]
_ = TensorType
