"""The named ops built on linalg's mechanism outside linalg's core files
(batch_matmul, matvec, vecmat, dot, the 2-D convolutions and poolings,
softmax): importing this module adds them to the linalg dialect.
dialects/linalg/__init__.py imports it once its DIALECT exists and
re-exports the names below."""

from __future__ import annotations

from mlir_py.dialects.linalg.contraction_ops import OPS as _CONTRACTION_OPS
from mlir_py.dialects.linalg.contraction_ops import BatchMatmulOp, DotOp, MatvecOp, VecmatOp
from mlir_py.dialects.linalg.conv_pool_ops import OPS as _CONV_POOL_OPS
from mlir_py.dialects.linalg.conv_pool_ops import (
    Conv2DNchwFchwOp,
    Conv2DNhwcHwcfOp,
    DepthwiseConv2DNchwChwOp,
    PoolingNchwMaxOp,
    PoolingNchwSumOp,
    PoolingNhwcMaxOp,
    PoolingNhwcSumOp,
)
from mlir_py.dialects.linalg.opdsl_base import MEMOIZED_MAPS
from mlir_py.dialects.linalg.softmax import SoftmaxOp, decompose_softmax

MORE_NAMED_OPS = _CONTRACTION_OPS + _CONV_POOL_OPS + [SoftmaxOp]


def _register() -> None:
    import sys
    dialect = sys.modules["mlir_py.dialects.linalg"].DIALECT  # the package is still initializing
    for cls in MORE_NAMED_OPS:
        dialect.add_op(cls)


_register()

__all__ = [
    "MEMOIZED_MAPS", "MORE_NAMED_OPS", "BatchMatmulOp", "Conv2DNchwFchwOp", "Conv2DNhwcHwcfOp",
    "DepthwiseConv2DNchwChwOp", "DotOp", "MatvecOp", "PoolingNchwMaxOp", "PoolingNchwSumOp", "PoolingNhwcMaxOp",
    "PoolingNhwcSumOp", "SoftmaxOp", "VecmatOp", "decompose_softmax",
]
