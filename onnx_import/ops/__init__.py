"""The operator converters, one module per family; importing this package registers them all
(mlir_py.onnx.registry.CONVERTERS)."""

from mlir_py.onnx.ops import einsum, elementwise, nn, shape  # noqa: F401
