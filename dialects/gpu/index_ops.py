"""gpu ops that ask where a work item runs (thread, block, cluster and subgroup ids and sizes)
and `gpu.barrier`, which synchronizes the work items of a workgroup.

Each id op takes a dimension (`x`, `y`, `z`) and an optional `upper_bound`: executing it where
the value would reach the bound is undefined behaviour, so lowerings may attach it as a range.
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects.gpu.attributes import (
    BARRIER_WORKGROUP,
    DIMENSIONS,
    WORKGROUP,
    AddressSpaceAttr,
    BarrierScopeAttr,
    Dimension,
    DimensionAttr,
)

from mlir_py.builtin.constraints import Index
from mlir_py.definition.constraints import BaseAttr, Predicate
from mlir_py.definition.opdef import Op, opt_prop, prop, result
from mlir_py.definition.traits import OpAsmOpInterface, Pure
from mlir_py.ir.builtin_attributes import ArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, IndexType, IntegerType, MemRefType, index

#: an `index` attribute; formats spell it without its type (`upper_bound 64`)
IndexAttr = Predicate(lambda a: isinstance(a, IntegerAttr) and isinstance(a.type, IndexType), "index attribute")
IndexAttr.fixed_type = index


def index_attr(v: int) -> IntegerAttr:
    return IntegerAttr(v, index)


class _DimIndexOp(Op):
    """Base of the ops returning one `index` along a dimension; results are named
    `%<mnemonic>_<dim>` as upstream names them (`%thread_id_x`)."""

    traits = [Pure, OpAsmOpInterface]
    dimension = prop(Dimension)
    upper_bound = opt_prop(IndexAttr)
    result_ = result(Index)
    assembly_format = "$dimension (`upper_bound` $upper_bound^)? attr-dict"

    @classmethod
    def build(cls, dim: str, upper_bound: int | None = None, *, location: Any = None) -> Any:
        """`gpu.<op> dim`, dim one of "x", "y", "z"."""
        return cls(dimension=DimensionAttr(DIMENSIONS[dim]),
                   upper_bound=index_attr(upper_bound) if upper_bound is not None else None, location=location)

    @property
    def dim(self) -> str:
        """The dimension as "x", "y" or "z"."""
        return self.dimension.case_names[0]

    def get_asm_result_name(self) -> str:
        return f"{self.name.split('.', 1)[1]}_{self.dim}"


class ThreadIdOp(_DimIndexOp):
    """The index of the current thread within its block along a dimension.

    ```mlir
    %tx = gpu.thread_id x
    ```
    """

    name = "gpu.thread_id"


class BlockIdOp(_DimIndexOp):
    """The index of the current block within the grid along a dimension.

    ```mlir
    %by = gpu.block_id y upper_bound 1024
    ```
    """

    name = "gpu.block_id"


class BlockDimOp(_DimIndexOp):
    """The number of threads in a block along a dimension.

    ```mlir
    %bdx = gpu.block_dim x
    ```
    """

    name = "gpu.block_dim"


class GridDimOp(_DimIndexOp):
    """The number of blocks in the grid along a dimension.

    ```mlir
    %gdz = gpu.grid_dim z
    ```
    """

    name = "gpu.grid_dim"


class GlobalIdOp(_DimIndexOp):
    """The index of the current thread within the whole grid along a dimension
    (block_id * block_dim + thread_id).

    ```mlir
    %gx = gpu.global_id x
    ```
    """

    name = "gpu.global_id"


class ClusterIdOp(_DimIndexOp):
    """The index of the current cluster within the grid along a dimension.

    ```mlir
    %c = gpu.cluster_id x
    ```
    """

    name = "gpu.cluster_id"


class ClusterDimOp(_DimIndexOp):
    """The number of clusters in the grid along a dimension.

    ```mlir
    %c = gpu.cluster_dim x
    ```
    """

    name = "gpu.cluster_dim"


class ClusterBlockIdOp(_DimIndexOp):
    """The index of the current block within its cluster along a dimension.

    ```mlir
    %c = gpu.cluster_block_id x
    ```
    """

    name = "gpu.cluster_block_id"


class ClusterDimBlocksOp(_DimIndexOp):
    """The number of blocks in a cluster along a dimension.

    ```mlir
    %c = gpu.cluster_dim_blocks x
    ```
    """

    name = "gpu.cluster_dim_blocks"


class LaneIdOp(Op):
    """The index of the current thread within its subgroup (warp).

    ```mlir
    %lane = gpu.lane_id upper_bound 32
    ```
    """

    name = "gpu.lane_id"
    traits = [Pure]
    upper_bound = opt_prop(IndexAttr)
    result_ = result(Index)
    assembly_format = "(`upper_bound` $upper_bound^)? attr-dict"


class _SubgroupIndexOp(Op):
    traits = [Pure]
    upper_bound = opt_prop(IndexAttr)
    result_ = result(Index)
    assembly_format = "(`upper_bound` $upper_bound^)? attr-dict `:` type($result_)"


class SubgroupIdOp(_SubgroupIndexOp):
    """The index of the current subgroup within its workgroup.

    ```mlir
    %sg = gpu.subgroup_id : index
    ```
    """

    name = "gpu.subgroup_id"


class NumSubgroupsOp(_SubgroupIndexOp):
    """The number of subgroups in a workgroup.

    ```mlir
    %n = gpu.num_subgroups : index
    ```
    """

    name = "gpu.num_subgroups"


class SubgroupSizeOp(_SubgroupIndexOp):
    """The number of threads in a subgroup.

    ```mlir
    %n = gpu.subgroup_size : index
    ```
    """

    name = "gpu.subgroup_size"


AddressSpaceArray = Predicate(lambda a: isinstance(a, ArrayAttr) and all(isinstance(x, AddressSpaceAttr) for x in a),
                              "GPU address space attribute array")


class BarrierOp(Op):
    """Waits until every work item of the `scope` (default: the workgroup) has reached it; the
    memory accesses made before it are then visible to all of them. `memfence [...]` limits the
    fence to the listed address spaces (an empty list fences none).

    ```mlir
    gpu.barrier
    gpu.barrier memfence [#gpu.address_space<workgroup>]
    ```
    """

    name = "gpu.barrier"
    address_spaces = opt_prop(AddressSpaceArray)
    scope = prop(BaseAttr(BarrierScopeAttr, description="barrier execution scope"), default=BARRIER_WORKGROUP)
    assembly_format = "(`memfence` $address_spaces^)? (`scope` $scope^)? attr-dict"

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.gpu.canonicalize import BARRIER_PATTERNS
        return BARRIER_PATTERNS

    @classmethod
    def build(cls, *, location: Any = None) -> BarrierOp:
        """A workgroup barrier fencing all memory."""
        return cls(location=location)


I8MemRef1D = Predicate(lambda t: isinstance(t, MemRefType) and t.rank == 1 and t.element_type is IntegerType(8),
                       "1D memref of 8-bit signless integer values")


class DynamicSharedMemoryOp(Op):
    """The workgroup memory whose size the launch gives (`dynamic_shared_memory_size`), as a
    byte buffer to carve views from.

    ```mlir
    %shmem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    ```
    """

    name = "gpu.dynamic_shared_memory"
    traits = [Pure]
    resultMemref = result(I8MemRef1D)
    assembly_format = "attr-dict `:` type($resultMemref)"

    @classmethod
    def build(cls, *, location: Any = None) -> DynamicSharedMemoryOp:
        """The op with its only result type, `memref<?xi8, #gpu.address_space<workgroup>>`."""
        return cls(result_types=[MemRefType([DYNAMIC], IntegerType(8), None, WORKGROUP)], location=location)

    def verify_(self) -> str | None:
        t = self.resultMemref.type
        if not isinstance(t, MemRefType):
            return None
        if t.shape[0] != DYNAMIC:
            return "result memref type must be memref<?xi8, #gpu.address_space<workgroup>>"
        if t.memory_space is not WORKGROUP:
            return "address space must be address_space<workgroup>"
        return None


OPS = [ThreadIdOp, BlockIdOp, BlockDimOp, GridDimOp, GlobalIdOp, ClusterIdOp, ClusterDimOp, ClusterBlockIdOp,
       ClusterDimBlocksOp, LaneIdOp, SubgroupIdOp, NumSubgroupsOp, SubgroupSizeOp, BarrierOp, DynamicSharedMemoryOp]
