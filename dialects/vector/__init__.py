"""The vector dialect: n-D vectors in registers and their moves to and from memory (upstream MLIR's ops
and syntax)."""

from __future__ import annotations

from mlir_py.dialects.vector.attributes import ATTRIBUTES, CombiningKindAttr, IteratorTypeAttr, PunctuationAttr, kind
from mlir_py.dialects.vector.ops_memory import OPS as _MEMORY_OPS
from mlir_py.dialects.vector.ops_memory import (
    GatherOp,
    LoadOp,
    MaskedLoadOp,
    MaskedStoreOp,
    ScatterOp,
    StoreOp,
    TransferReadOp,
    TransferWriteOp,
)
from mlir_py.dialects.vector.ops_reduce import OPS as _REDUCE_OPS
from mlir_py.dialects.vector.ops_reduce import (
    ContractionOp,
    FMAOp,
    MultiDimReductionOp,
    OuterProductOp,
    PrintOp,
    ReductionOp,
)
from mlir_py.dialects.vector.ops_shape import OPS as _SHAPE_OPS
from mlir_py.dialects.vector.ops_shape import (
    BitCastOp,
    BroadcastOp,
    ConstantMaskOp,
    CreateMaskOp,
    ExtractOp,
    ExtractStridedSliceOp,
    FromElementsOp,
    InsertOp,
    InsertStridedSliceOp,
    ShapeCastOp,
    StepOp,
    TransposeOp,
    VectorScaleOp,
)

from mlir_py.definition.dialect import Dialect

OPS = _SHAPE_OPS + _MEMORY_OPS + _REDUCE_OPS


def _materialize_constant(value, type, loc=None):
    # as upstream, vector folds become arith.constant ops
    from mlir_py.dialects.arith import ARITH
    hook = ARITH.materialize_constant
    return hook(value, type, loc) if hook is not None else None


DIALECT = Dialect("vector", ops=OPS, attributes=ATTRIBUTES, materialize_constant=_materialize_constant,
                  description="n-D vectors in registers, and their transfers to and from memory.")
VECTOR = DIALECT

__all__ = [
    "DIALECT", "VECTOR", "OPS", "CombiningKindAttr", "IteratorTypeAttr", "PunctuationAttr", "kind",
    "BitCastOp", "BroadcastOp", "ConstantMaskOp", "ContractionOp", "CreateMaskOp", "ExtractOp",
    "ExtractStridedSliceOp", "FMAOp", "FromElementsOp", "GatherOp", "InsertOp", "InsertStridedSliceOp", "LoadOp",
    "MaskedLoadOp", "MaskedStoreOp", "MultiDimReductionOp", "OuterProductOp", "PrintOp", "ReductionOp",
    "ScatterOp", "ShapeCastOp", "StepOp", "StoreOp", "TransferReadOp", "TransferWriteOp", "TransposeOp",
    "VectorScaleOp",
]
