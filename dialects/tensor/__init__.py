"""The tensor dialect: immutable multi-dimensional values, their slices,
reshapes and padding (upstream MLIR's ops and syntax)."""

from __future__ import annotations

from mlir_py.dialects.tensor.canonicalize import CANONICALIZATION_PATTERNS
from mlir_py.dialects.tensor.gather_ops import OPS as _GATHER_OPS
from mlir_py.dialects.tensor.gather_ops import GatherOp, ScatterOp
from mlir_py.dialects.tensor.ops import OPS as _BASIC_OPS
from mlir_py.dialects.tensor.ops import (
    BitcastOp,
    CastOp,
    DimOp,
    EmptyOp,
    ExtractOp,
    FromElementsOp,
    GenerateOp,
    InsertOp,
    RankOp,
    SplatOp,
    YieldOp,
)
from mlir_py.dialects.tensor.reshape_ops import OPS as _RESHAPE_OPS
from mlir_py.dialects.tensor.reshape_ops import CollapseShapeOp, ConcatOp, ExpandShapeOp, ReshapeOp
from mlir_py.dialects.tensor.shapes import (
    get_mixed_size,
    get_mixed_sizes,
    reify_dim,
    reify_result_shapes,
)
from mlir_py.dialects.tensor.slice_ops import OPS as _SLICE_OPS
from mlir_py.dialects.tensor.slice_ops import ExtractSliceOp, InsertSliceOp, PadOp, ParallelInsertSliceOp

from mlir_py.definition.dialect import Dialect

OPS = _BASIC_OPS + _SLICE_OPS + _RESHAPE_OPS + _GATHER_OPS


def _materialize_constant(value, type, loc=None):
    """Constants of folded tensor ops are arith.constant ops, as upstream."""
    from mlir_py.dialects.arith import DIALECT as ARITH
    hook = ARITH.materialize_constant
    return hook(value, type, loc) if hook is not None else None


DIALECT = Dialect("tensor", ops=OPS, materialize_constant=_materialize_constant,
                  description="Immutable tensors: creation, element access, slices, reshapes and padding.")
DIALECT.canonicalization_patterns.extend(CANONICALIZATION_PATTERNS)
TENSOR = DIALECT

__all__ = [
    "DIALECT", "TENSOR", "OPS",
    "BitcastOp", "CastOp", "CollapseShapeOp", "ConcatOp", "DimOp", "EmptyOp", "ExpandShapeOp", "ExtractOp",
    "ExtractSliceOp", "FromElementsOp", "GatherOp", "GenerateOp", "InsertOp", "InsertSliceOp", "PadOp",
    "ParallelInsertSliceOp", "RankOp", "ReshapeOp", "ScatterOp", "SplatOp", "YieldOp",
    "get_mixed_size", "get_mixed_sizes", "reify_dim", "reify_result_shapes",
]
