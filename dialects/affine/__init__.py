"""The affine dialect: loops, conditions and memory accesses whose indices are
affine functions of loop variables and symbols (upstream MLIR's ops and syntax)."""

from __future__ import annotations

from mlir_py.dialects.affine.apply_ops import OPS as _APPLY_OPS
from mlir_py.dialects.affine.apply_ops import (
    ApplyOp,
    DelinearizeIndexOp,
    LinearizeIndexOp,
    MaxOp,
    MinOp,
)
from mlir_py.dialects.affine.canonicalize import CANONICALIZATION_PATTERNS
from mlir_py.dialects.affine.loop_ops import OPS as _LOOP_OPS
from mlir_py.dialects.affine.loop_ops import ForOp, IfOp, ParallelOp, YieldOp
from mlir_py.dialects.affine.memory_ops import OPS as _MEMORY_OPS
from mlir_py.dialects.affine.memory_ops import (
    DmaStartOp,
    DmaWaitOp,
    LoadOp,
    PrefetchOp,
    StoreOp,
    VectorLoadOp,
    VectorStoreOp,
)

from mlir_py.definition.dialect import Dialect

OPS = _LOOP_OPS + _APPLY_OPS + _MEMORY_OPS


def _materialize_constant(value, type, loc=None):
    """Constants of folded affine ops are arith.constant ops, as upstream."""
    from mlir_py.dialects.arith import DIALECT as ARITH
    hook = ARITH.materialize_constant
    return hook(value, type, loc) if hook is not None else None


DIALECT = Dialect("affine", ops=OPS, materialize_constant=_materialize_constant,
                  description="Loops, conditions and accesses with affine index expressions.")
DIALECT.canonicalization_patterns.extend(CANONICALIZATION_PATTERNS)
AFFINE = DIALECT

__all__ = [
    "AFFINE", "DIALECT", "OPS",
    "ApplyOp", "DelinearizeIndexOp", "DmaStartOp", "DmaWaitOp", "ForOp", "IfOp", "LinearizeIndexOp", "LoadOp",
    "MaxOp", "MinOp", "ParallelOp", "PrefetchOp", "StoreOp", "VectorLoadOp", "VectorStoreOp", "YieldOp",
]
