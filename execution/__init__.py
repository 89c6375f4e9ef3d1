"""Running compiled code: the JIT `ExecutionEngine` of DESIGN §5 and the
numpy <-> memref-descriptor marshalling it needs. Installed as
`mlir_py.execution`.
"""

from mlir_py.execution.engine import ExecutionEngine
from mlir_py.execution.errors import (
    ArgumentError,
    CompilationError,
    ExecutionError,
    FunctionNotFoundError,
    UnsupportedSignatureError,
)
from mlir_py.execution.function import JitFunction

__all__ = ["ArgumentError", "CompilationError", "ExecutionEngine", "ExecutionError", "FunctionNotFoundError",
           "JitFunction", "UnsupportedSignatureError"]
