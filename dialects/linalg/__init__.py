"""The linalg dialect: structured ops on tensors and memrefs, with upstream
MLIR's ops, syntax and verifier messages.

A structured op is a loop nest described as data (see interface.py):
`get_indexing_maps()` (one AffineMap per operand, inputs then outputs),
`get_iterator_types()` ("parallel" / "reduction" per loop),
`get_num_loops()`, DPS accessors (`get_dps_inputs()`, `get_dps_inits()`,
`get_tied_result(opoperand)`, `get_tied_init(result)`: tensor outputs give one
result each, memref outputs none), the body block `op.body` (one argument per
input then per output; terminator `linalg.yield`) and helpers for passes:
`is_elementwise()`, `get_static_loop_ranges()`, `get_loop_dim_sources()`
(per loop, an (operand, dim) giving its size: make `tensor.dim` /
`memref.dim` from it), `payload_ops()`, `get_effects()`. Test with
`is_structured_op(op)` (== `op.has_trait(LinalgStructuredInterface)`): a pass
written against it handles generic and every named op alike.

Building from Python
--------------------

```python
from mlir_py.dialects import linalg

# linalg.generic: inputs, outputs, maps (AffineMap or text), iterators, body callback.
# The callback gets a BodyBuilder `b` and the block arguments (inputs then outputs) and
# returns the value(s) to yield (linalg.yield is appended for you).
op = linalg.GenericOp.build(
    [a], [init], ["(d0, d1) -> (d0, d1)", "(d0, d1) -> (d0)"], ["parallel", "reduction"],
    lambda b, x, acc: b.add(x, acc))
block.append(op)                     # results: one per tensor output (op.results)

# Named ops: NamedOp.build(inputs, outputs, **properties); the body is filled for you.
fill = linalg.FillOp.build([zero], [empty])
mm = linalg.MatmulOp.build([a, b], [fill.results[0]])
mmt = linalg.MatmulOp.build([at, b], [c], indexing_maps=["(d0, d1, d2) -> (d2, d0)",
                            "(d0, d1, d2) -> (d2, d1)", "(d0, d1, d2) -> (d0, d1)"],
                            cast=linalg.TypeFnAttr.get("cast_unsigned"))
cp = linalg.CopyOp.build([x], [y])
```

`BodyBuilder` (body_builder.py) appends scalar ops and returns their results:
`b.add/sub/mul/div/max/min(x, y)` (float or integer forms as upstream picks
them), `b.binary(name, x, y)` and `b.unary(name, x)` with upstream's function
names (exp, log, abs, ceil, floor, negf, reciprocal, round, sqrt, rsqrt,
square, tanh, erf; add, sub, mul, div, div_unsigned, max_signed, min_signed,
max_unsigned, min_unsigned, powf), `b.select(c, x, y)`, `b.cast(type, v,
unsigned=False)` (upstream's convertScalarToDtype), `b.constant(value, type)`,
`b.index(dim)` (linalg.index), `b.create(any_op)`.

Adding a named op
-----------------

A named op is one class declaration on `NamedStructuredOp` (named.py): its
name, `num_inputs`, properties, `default_maps` (map texts or a static
function of the operand types), `iterators` (names or a function) and a
`payload(cls, b, args, props)` classmethod returning the values to yield. The
base class derives the custom syntax (`ins(...) outs(...) -> t`, implicit
region), the region built on parse and on build, the interface, verification
and generalization. Put it in a new file of this package and add it to `OPS`
below; see core_named_ops.py for fill, copy and matmul.
"""

from __future__ import annotations

from mlir_py.dialects.linalg.attributes import (
    ATTRIBUTES,
    ElementwiseKindAttr,
    IteratorTypeAttr,
    TypeFnAttr,
    iterator_type,
)
from mlir_py.dialects.linalg.body_builder import BodyBuilder
from mlir_py.dialects.linalg.canonicalize import DIALECT_PATTERNS
from mlir_py.dialects.linalg.core_named_ops import OPS as _CORE_NAMED_OPS
from mlir_py.dialects.linalg.core_named_ops import CopyOp, FillOp, MatmulOp
from mlir_py.dialects.linalg.elementwise_ops import OPS as _ELEMENTWISE_OPS
from mlir_py.dialects.linalg.elementwise_ops import ElementwiseOp
from mlir_py.dialects.linalg.generic_ops import GenericOp, IndexOp, LinalgOp, YieldOp, parse_map
from mlir_py.dialects.linalg.interface import (
    DestinationStyleOpInterface,
    LinalgStructuredInterface,
    StructuredOpMixin,
    is_structured_op,
)
from mlir_py.dialects.linalg.layout_ops import OPS as _LAYOUT_OPS
from mlir_py.dialects.linalg.layout_ops import BroadcastOp, TransposeOp
from mlir_py.dialects.linalg.named import NamedStructuredOp, type_fn_name
from mlir_py.dialects.linalg.reduce_map_ops import OPS as _REDUCE_MAP_OPS
from mlir_py.dialects.linalg.reduce_map_ops import MapOp, ReduceOp

from mlir_py.definition.dialect import Dialect

OPS = [GenericOp, IndexOp, YieldOp] + _CORE_NAMED_OPS + _ELEMENTWISE_OPS + _LAYOUT_OPS + _REDUCE_MAP_OPS



def _materialize_constant(value, type, loc=None):
    # as upstream, linalg folds (linalg.index of a unit loop) become arith.constant ops
    from mlir_py.dialects.arith import ARITH
    hook = ARITH.materialize_constant
    return hook(value, type, loc) if hook is not None else None


DIALECT = Dialect("linalg", ops=OPS, attributes=ATTRIBUTES, materialize_constant=_materialize_constant,
                  description="Structured ops on tensors and memrefs: loop nests described by maps and a body.")
DIALECT.canonicalization_patterns.extend(DIALECT_PATTERNS)
LINALG = DIALECT
from mlir_py.dialects.linalg.more_named_ops import *  # noqa: E402, F403, I001 (batch_matmul, matvec, dot, conv, pool)

__all__ = [
    "BodyBuilder", "BroadcastOp", "CopyOp", "DIALECT", "DestinationStyleOpInterface", "ElementwiseKindAttr",
    "ElementwiseOp", "FillOp", "GenericOp", "IndexOp", "IteratorTypeAttr", "LINALG", "LinalgOp",
    "LinalgStructuredInterface", "MapOp", "MatmulOp", "NamedStructuredOp", "ReduceOp", "StructuredOpMixin",
    "TransposeOp", "TypeFnAttr", "YieldOp", "is_structured_op", "iterator_type", "parse_map", "type_fn_name",
]
