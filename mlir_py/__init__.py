"""mlir_py: an MLIR-style compiler framework in Python."""

__version__ = "0.1.0"
