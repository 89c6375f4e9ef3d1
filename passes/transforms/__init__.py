"""Generic transformations, one pass per module (canonicalize, cse,
symbol-dce, view-op-graph, ...).

The pass registry imports every module under `mlir_py.passes` when mir-opt
starts; importing this package registers the generic passes as well.
"""

from mlir_py.passes.transforms import (  # noqa: F401
    canonicalize,
    cse,
    inline,
    loop_invariant_code_motion,
    sccp,
    symbol_dce,
    view_op_graph,
)
