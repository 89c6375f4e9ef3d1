"""Canonicalization patterns of the gpu dialect (upstream's):

- `gpu.barrier` directly followed by another barrier of the same scope is one barrier
  fencing the union of their address spaces (no `memfence` list: all memory);
- `gpu.wait`: a dependency on a `gpu.wait async` without dependencies is dropped
  (EraseRedundantGPUWaitOpPairs); a wait with no dependencies and no token is erased, one
  with one dependency and a token is replaced by that dependency, and an unused token's
  wait is erased (SimplifyGpuWaitOp).
"""

from __future__ import annotations

from mlir_py.dialects.gpu.async_ops import WaitOp
from mlir_py.dialects.gpu.index_ops import BarrierOp

from mlir_py.ir.builtin_attributes import ArrayAttr
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.pattern import PatternRewriter, pattern


@pattern(BarrierOp)
def erase_redundant_barriers(op: Operation, rw: PatternRewriter) -> bool:
    """`gpu.barrier; gpu.barrier` (same scope) -> one barrier fencing what either fenced."""
    nxt = op.next_op
    if not isinstance(nxt, BarrierOp) or nxt.properties.get("scope") is not op.properties.get("scope"):
        return False
    mine, theirs = op.properties.get("address_spaces"), nxt.properties.get("address_spaces")
    if mine is not None:
        def merge() -> None:
            if theirs is None:
                del op.properties["address_spaces"]
            elif theirs is not mine:
                spaces = list(mine)
                spaces += [a for a in theirs if a not in spaces]
                op.properties["address_spaces"] = ArrayAttr(tuple(spaces))
        rw.modify_op_in_place(op, merge)
    rw.erase_op(nxt)
    return True


def _is_empty_wait(v: Value) -> bool:
    d = v.owner if isinstance(v.owner, Operation) else None
    return isinstance(d, WaitOp) and not d.operands


@pattern(WaitOp)
def erase_redundant_wait_pairs(op: Operation, rw: PatternRewriter) -> bool:
    """Dependencies on `gpu.wait async` with no dependencies of its own wait for nothing."""
    deps = list(op.operands)
    if not any(_is_empty_wait(v) for v in deps):
        return False
    rw.modify_op_in_place(op, lambda: op.set_operands([v for v in deps if not _is_empty_wait(v)]))
    return True


@pattern(WaitOp)
def simplify_wait(op: Operation, rw: PatternRewriter) -> bool:
    """A wait for nothing that returns nothing, a token standing for exactly one other token,
    and a token nobody uses go away."""
    deps = list(op.operands)
    token = op.results[0] if op.results else None
    if not deps and token is None:
        rw.erase_op(op)
        return True
    if len(deps) == 1 and token is not None:
        rw.replace_op(op, deps)
        return True
    if token is not None and not token.has_uses():
        rw.erase_op(op)
        return True
    return False


BARRIER_PATTERNS = [erase_redundant_barriers]
WAIT_PATTERNS = [erase_redundant_wait_pairs, simplify_wait]
