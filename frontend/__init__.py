"""Ways into the compiler from outside IR text: the Python model builder
(graph-dialect IR from numpy-like calls) and, later, model importers.
Installed as `mlir_py.frontend`; it sits above dialects, passes and
execution, and nothing below it imports it.
"""
