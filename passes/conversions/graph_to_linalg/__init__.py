"""`convert-graph-to-linalg`: every graph op as linalg + tensor + arith + math on tensors.

The lowering of DESIGN §6's ops to upstream's structured layer, in
destination-passing style: each result is computed into a `tensor.empty`
(elementwise ops) or a `linalg.fill`ed init (reductions, contractions), so
one-shot-bufferize can give every op its buffer and fuse or reuse them.
One module per family of ops, each a list of conversion patterns:

| module | ops |
|---|---|
| elementwise.py | constant, add/sub/mul/div/max/min/pow (broadcasting as indexing maps), neg, relu, |
| | sigmoid, tanh, exp, log, sqrt, rsqrt, abs, erf, gelu, clip, reciprocal, softplus, sin, cos, |
| | leaky_relu, hard_sigmoid |
| logic.py | equal/less/less_equal/greater/greater_equal, not/and/or/xor, where, cast |
| matmul.py | matmul (numpy semantics), gemm (alpha, beta, transposes as maps) |
| conv.py | conv2d (strides, pads, dilations, groups, bias), conv_transpose2d, max_pool2d, avg_pool2d, |
| | global_avg_pool, global_max_pool |
| normalization.py | reduce_sum/mean/max/min/prod, softmax, log_softmax, layer_norm, instance_norm, |
| | batch_norm, lrn |
| shape.py | reshape, flatten, transpose, concat |
| index.py | gather, slice, pad, tile, expand, resize, argmax, argmin |

It is a partial conversion with the graph dialect illegal: a graph op that
no pattern lowers fails the pass with `failed to legalize operation`, and
the IR is left as it was. See docs/graph-to-linalg.md for the IR each op becomes.

```
mir-opt --convert-graph-to-linalg model.mir
```
"""

from __future__ import annotations

from mlir_py.passes.conversions.graph_to_linalg import conv, elementwise, index, logic, matmul, normalization, shape

from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import Pass, register_pass
from mlir_py.rewrite.conversion import ConversionTarget, apply_partial_conversion

PATTERNS = (elementwise.PATTERNS + logic.PATTERNS + matmul.PATTERNS + conv.PATTERNS + normalization.PATTERNS
            + shape.PATTERNS + index.PATTERNS)


@register_pass
class ConvertGraphToLinalg(Pass):
    """Lower the graph dialect to linalg/tensor/arith/math on tensors (see the module docstring)."""

    name = "convert-graph-to-linalg"
    summary = "Convert graph dialect ops to linalg, tensor, arith and math ops on tensors"
    display_name = "ConvertGraphToLinalgPass"

    def run_on_operation(self, op: Operation) -> None:
        target = ConversionTarget()
        target.add_illegal_dialect("graph")
        target.mark_unknown_ops_dynamically_legal()
        if not apply_partial_conversion(op, target, PATTERNS):
            self.signal_failure()


__all__ = ["PATTERNS", "ConvertGraphToLinalg"]
