"""The bufferization dialect: the ops between tensor values and memref buffers
(upstream MLIR's ops and syntax). The passes that use them (one-shot-bufferize,
buffer planning) live in `mlir_py.passes`."""

from __future__ import annotations

from mlir_py.dialects.bufferization.ops import (
    OPS,
    AllocTensorOp,
    CloneOp,
    DeallocTensorOp,
    MaterializeInDestinationOp,
    ToBufferOp,
    ToTensorOp,
    tensor_type_of,
)

from mlir_py.definition.dialect import Dialect

DIALECT = Dialect("bufferization", ops=OPS,
                  description="Tensor/buffer boundary ops used by bufferization.")
BUFFERIZATION = DIALECT

__all__ = ["DIALECT", "BUFFERIZATION", "OPS", "AllocTensorOp", "CloneOp", "DeallocTensorOp",
           "MaterializeInDestinationOp", "ToBufferOp", "ToTensorOp", "tensor_type_of"]
