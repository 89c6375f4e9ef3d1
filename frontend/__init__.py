"""Ways into the compiler from outside IR text: the Python model builder
(graph-dialect IR from numpy-like calls) and, later, model importers.
Installed as `mlir_py.frontend`; it sits above dialects, passes and
execution, and nothing below it imports it.

`GraphBuilder` (graph_builder.py) builds a `func.func` in the graph
dialect, one method per op, with result types inferred and each op verified
as it is built (errors raise `GraphTypeError` naming the op); weights become
`dense_resource` blobs; `compile()` runs it through `--lower-to-llvm` in an
ExecutionEngine. docs/frontend.md is its tutorial.
"""

from mlir_py.dialects.graph import GraphTypeError
from mlir_py.frontend.graph_builder import INLINE_LIMIT, GraphBuilder, Tensor

__all__ = ["INLINE_LIMIT", "GraphBuilder", "GraphTypeError", "Tensor"]
