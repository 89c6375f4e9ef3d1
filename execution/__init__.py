"""Running compiled code: the JIT `ExecutionEngine` of DESIGN §5 and the
numpy <-> memref-descriptor marshalling it needs. Installed as
`mlir_py.execution`.
"""
