"""`linalg-decompose-aggregated-ops`: replace each op that implements
upstream's AggregatedOpInterface (today `linalg.softmax`) by its
decomposition into structured ops (`decompose_operation`, upstream's
decomposeOperation).

Upstream MLIR reaches the decomposition only through the transform op
`transform.structured.decompose_interface`; this pass applies it to every
such op on tensors, with the same output (ops in the same order, constants
where the decomposition creates them). Ops on memrefs are left alone.

```
mir-opt --linalg-decompose-aggregated-ops f.mir
```
"""

from __future__ import annotations

from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import Pass, register_pass
from mlir_py.rewrite.pattern import PatternRewriter


def decompose_aggregated_ops(root: Operation) -> int:
    """Decompose every aggregated op nested in `root`; returns how many were replaced."""
    targets = [o for o in root.walk() if o is not root and hasattr(o, "decompose_operation")]
    rw = PatternRewriter()
    n = 0
    for op in targets:
        values = op.decompose_operation(rw)
        if values is None:
            continue
        rw.replace_op(op, values)
        n += 1
    return n


@register_pass
class LinalgDecomposeAggregatedOps(Pass):
    """Decompose aggregated ops (linalg.softmax) into linalg.fill / linalg.generic (module docstring)."""

    name = "linalg-decompose-aggregated-ops"
    summary = "Decompose ops implementing the aggregated-op interface (linalg.softmax) into structured ops"
    display_name = "LinalgDecomposeAggregatedOps"

    def run_on_operation(self, op: Operation) -> None:
        decompose_aggregated_ops(op)


__all__ = ["LinalgDecomposeAggregatedOps", "decompose_aggregated_ops"]
