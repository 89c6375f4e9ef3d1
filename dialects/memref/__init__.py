"""The memref dialect: buffers, their views, and access to them (upstream MLIR's ops and syntax)."""

from __future__ import annotations

from mlir_py.dialects.memref.atomic_ops import (
    ATOMIC_RMW_KIND,
    AtomicRMWOp,
    AtomicYieldOp,
    DmaStartOp,
    DmaWaitOp,
    GenericAtomicRMWOp,
    PrefetchOp,
)
from mlir_py.dialects.memref.atomic_ops import OPS as _ATOMIC_OPS
from mlir_py.dialects.memref.ops import OPS as _BUFFER_OPS
from mlir_py.dialects.memref.ops import (
    AllocaOp,
    AllocaScopeOp,
    AllocaScopeReturnOp,
    AllocOp,
    CopyOp,
    DeallocOp,
    DimOp,
    GetGlobalOp,
    GlobalOp,
    LoadOp,
    RankOp,
    ReallocOp,
    StoreOp,
)
from mlir_py.dialects.memref.reshape_ops import OPS as _RESHAPE_OPS
from mlir_py.dialects.memref.reshape_ops import CollapseShapeOp, ExpandShapeOp, ReshapeOp
from mlir_py.dialects.memref.view_ops import OPS as _VIEW_OPS
from mlir_py.dialects.memref.view_ops import (
    AssumeAlignmentOp,
    CastOp,
    DistinctObjectsOp,
    ExtractAlignedPointerAsIndexOp,
    ExtractStridedMetadataOp,
    MemorySpaceCastOp,
    ReinterpretCastOp,
    SubViewOp,
    TransposeOp,
    ViewOp,
)

from mlir_py.definition.dialect import Dialect

OPS = _BUFFER_OPS + _VIEW_OPS + _RESHAPE_OPS + _ATOMIC_OPS

DIALECT = Dialect("memref", ops=OPS, description="Buffers (memrefs), views of them, and loads and stores.")
MEMREF = DIALECT

__all__ = [
    "DIALECT", "MEMREF", "OPS", "ATOMIC_RMW_KIND",
    "AllocOp", "AllocaOp", "AllocaScopeOp", "AllocaScopeReturnOp", "AssumeAlignmentOp", "AtomicRMWOp",
    "AtomicYieldOp", "CastOp", "CollapseShapeOp", "CopyOp", "DeallocOp", "DimOp", "DistinctObjectsOp", "DmaStartOp",
    "DmaWaitOp", "ExpandShapeOp", "ExtractAlignedPointerAsIndexOp", "ExtractStridedMetadataOp",
    "GenericAtomicRMWOp", "GetGlobalOp", "GlobalOp", "LoadOp", "MemorySpaceCastOp", "PrefetchOp", "RankOp",
    "ReallocOp", "ReinterpretCastOp", "ReshapeOp", "StoreOp", "SubViewOp", "TransposeOp", "ViewOp",
]
