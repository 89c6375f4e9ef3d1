"""The gpu dialect: kernels, their launch, work item ids, barriers and device memory, with
upstream MLIR's op names, properties and custom syntax (GPUOps.td).

Host code launches kernels (`gpu.launch` with the body inline, or `gpu.launch_func` of a
`gpu.func` in a `gpu.module`) and manages device memory (`gpu.alloc`, `gpu.memcpy`, ...),
optionally asynchronously through `!gpu.async.token`s. Device code asks for its ids
(`gpu.thread_id x`), synchronizes (`gpu.barrier`) and exchanges values within a subgroup
(`gpu.shuffle`, `gpu.subgroup_reduce`) or a workgroup (`gpu.all_reduce`).
"""

from __future__ import annotations

from mlir_py.dialects.gpu.async_ops import OPS as _ASYNC_OPS
from mlir_py.dialects.gpu.async_ops import AllocOp, DeallocOp, MemcpyOp, MemsetOp, WaitOp
from mlir_py.dialects.gpu.attributes import (
    ADDRESS_SPACES,
    ASYNC_TOKEN,
    ATTRIBUTES,
    GLOBAL,
    PRIVATE,
    TYPES,
    WORKGROUP,
    AddressSpaceAttr,
    AllReduceOperationAttr,
    AsyncTokenType,
    BarrierScopeAttr,
    BlockMappingAttr,
    DimensionAttr,
    LaneMappingAttr,
    MemorySpaceMappingAttr,
    ParallelLoopDimMappingAttr,
    ShuffleModeAttr,
    ThreadMappingAttr,
    WarpgroupMappingAttr,
    WarpMappingAttr,
    loop_dim_map,
)
from mlir_py.dialects.gpu.binary_ops import ATTRIBUTES as _BINARY_ATTRIBUTES
from mlir_py.dialects.gpu.binary_ops import OPS as _BINARY_OPS
from mlir_py.dialects.gpu.binary_ops import (
    BinaryOp,
    HostRegisterOp,
    HostUnregisterOp,
    ObjectAttr,
    SelectObjectAttr,
    SetDefaultDeviceOp,
)
from mlir_py.dialects.gpu.index_ops import OPS as _INDEX_OPS
from mlir_py.dialects.gpu.index_ops import (
    BarrierOp,
    BlockDimOp,
    BlockIdOp,
    ClusterBlockIdOp,
    ClusterDimBlocksOp,
    ClusterDimOp,
    ClusterIdOp,
    DynamicSharedMemoryOp,
    GlobalIdOp,
    GridDimOp,
    LaneIdOp,
    NumSubgroupsOp,
    SubgroupIdOp,
    SubgroupSizeOp,
    ThreadIdOp,
)
from mlir_py.dialects.gpu.launch_ops import OPS as _LAUNCH_OPS
from mlir_py.dialects.gpu.launch_ops import KernelDim3, LaunchFuncOp, LaunchOp, TerminatorOp
from mlir_py.dialects.gpu.module_ops import OPS as _MODULE_OPS
from mlir_py.dialects.gpu.module_ops import GPUFuncOp, GPUModuleOp, ReturnOp
from mlir_py.dialects.gpu.reduce_ops import OPS as _REDUCE_OPS
from mlir_py.dialects.gpu.reduce_ops import AllReduceOp, PrintfOp, ShuffleOp, SubgroupReduceOp, YieldOp

from mlir_py.definition.dialect import Dialect

#: the unit attribute on a builtin.module that holds gpu.modules and launches their kernels
CONTAINER_MODULE = "gpu.container_module"

OPS = _ASYNC_OPS + _INDEX_OPS + _MODULE_OPS + _LAUNCH_OPS + _REDUCE_OPS + _BINARY_OPS

DIALECT = Dialect("gpu", ops=OPS, attributes=ATTRIBUTES + _BINARY_ATTRIBUTES, types=TYPES,
                  description="GPU kernels, launches, work item ids, barriers and device memory.")
GPU = DIALECT

__all__ = [
    "BinaryOp", "HostRegisterOp", "HostUnregisterOp", "ObjectAttr", "SelectObjectAttr", "SetDefaultDeviceOp",
    "ADDRESS_SPACES", "ASYNC_TOKEN", "CONTAINER_MODULE", "DIALECT", "GLOBAL", "GPU", "OPS", "PRIVATE", "WORKGROUP",
    "AddressSpaceAttr", "AllReduceOp", "AllReduceOperationAttr", "AllocOp", "AsyncTokenType", "BarrierOp",
    "BarrierScopeAttr", "BlockDimOp", "BlockIdOp", "BlockMappingAttr", "ClusterBlockIdOp", "ClusterDimBlocksOp",
    "ClusterDimOp", "ClusterIdOp", "DeallocOp", "DimensionAttr", "DynamicSharedMemoryOp", "GPUFuncOp",
    "GPUModuleOp", "GlobalIdOp", "GridDimOp", "KernelDim3", "LaneIdOp", "LaneMappingAttr", "LaunchFuncOp",
    "LaunchOp", "MemcpyOp", "MemorySpaceMappingAttr", "MemsetOp", "NumSubgroupsOp", "ParallelLoopDimMappingAttr",
    "PrintfOp", "ReturnOp", "ShuffleModeAttr", "ShuffleOp", "SubgroupIdOp", "SubgroupReduceOp", "SubgroupSizeOp",
    "TerminatorOp", "ThreadIdOp", "ThreadMappingAttr", "WaitOp", "WarpMappingAttr", "WarpgroupMappingAttr",
    "YieldOp", "loop_dim_map",
]
