"""The nvvm dialect: NVIDIA's PTX-level ops over the llvm dialect (special registers, barriers,
warp shuffles and votes) and `#nvvm.target`, with upstream MLIR's names and syntax.

Kernels are `llvm.func`s carrying the `nvvm.kernel` unit attribute (KERNEL_ATTR); pointers
into shared memory are `!llvm.ptr<3>`, global `!llvm.ptr<1>`, local `!llvm.ptr<5>`.
"""

from __future__ import annotations

from mlir_py.dialects.nvvm.attributes import (
                  ATTRIBUTES,
                  NVVMTargetAttr,
                  ReductionKindAttr,
                  ShflKindAttr,
                  VoteSyncKindAttr,
)
from mlir_py.dialects.nvvm.ops import *  # noqa: F401,F403
from mlir_py.dialects.nvvm.ops import KERNEL_ATTR, MAXNTID_ATTR, OPS, REQNTID_ATTR

from mlir_py.definition.dialect import Dialect

#: NVPTX address spaces of !llvm.ptr
GLOBAL_ADDRESS_SPACE = 1
SHARED_ADDRESS_SPACE = 3
CONSTANT_ADDRESS_SPACE = 4
LOCAL_ADDRESS_SPACE = 5

DIALECT = Dialect("nvvm", ops=OPS, attributes=ATTRIBUTES,
                  description="NVIDIA PTX special registers, barriers and warp primitives over the llvm dialect.")
NVVM = DIALECT

__all__ = ["CONSTANT_ADDRESS_SPACE", "DIALECT", "GLOBAL_ADDRESS_SPACE", "KERNEL_ATTR", "LOCAL_ADDRESS_SPACE",
           "MAXNTID_ATTR", "NVVM", "NVVMTargetAttr", "OPS", "REQNTID_ATTR", "ReductionKindAttr",
           "SHARED_ADDRESS_SPACE", "ShflKindAttr", "VoteSyncKindAttr"]
