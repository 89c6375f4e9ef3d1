"""ONNX models into the graph dialect: `import_model(model_or_path)` and `mir-import-onnx MODEL.onnx`, plus
an ONNX backend (`mlir_py.onnx.backend`) that runs models through the importer and the ExecutionEngine.
Installed as `mlir_py.onnx`; it needs the `onnx` package (`pip install mlir_py[onnx]`). docs/onnx.md.
"""

from mlir_py.onnx.importer import import_model
from mlir_py.onnx.registry import CONVERTERS, OnnxImportError


def supported_operators() -> list[str]:
    """The ONNX operators (default domain) the importer converts, sorted."""
    return sorted(CONVERTERS)


__all__ = ["OnnxImportError", "import_model", "supported_operators"]
