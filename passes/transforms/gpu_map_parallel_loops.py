"""`gpu-map-parallel-loops`: annotate `scf.parallel` nests with the GPU
processor each loop dimension runs on (upstream's ParallelLoopMapper).

The outermost `scf.parallel` of a nest maps to the grid (blocks), an
`scf.parallel` directly in its body to the block (threads), anything deeper
runs sequentially. Within one loop the first three dimensions take x, y, z
(`mapping-policy=outermost-first`, the default) or z, y, x
(`innermost-first`); further dimensions are sequential. The mapping is the
`mapping` attribute, one `#gpu.loop_dim_map` per dimension with identity
`map` and `bound`:

```mlir
scf.parallel (%i) = (%c0) to (%n) step (%c1) {
  ...
} {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
```

A loop that already has a mapping keeps it (and its body is left alone); a
loop nested under another `scf.parallel` through some other op (an
`scf.for`) is not a nest root and stays unmapped, as upstream.
`convert-parallel-loops-to-gpu` turns the annotated nests into `gpu.launch`.
"""

from __future__ import annotations

from mlir_py.dialects.gpu import ParallelLoopDimMappingAttr, loop_dim_map
from mlir_py.dialects.scf import ParallelOp

from mlir_py.ir.builtin_attributes import ArrayAttr
from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import Option, Pass, register_pass

#: the attribute holding one #gpu.loop_dim_map per loop dimension
MAPPING_ATTR = "mapping"

_NUM_HARDWARE_IDS = 3
_LEVEL_PROCESSORS = (("block_x", "block_y", "block_z"), ("thread_x", "thread_y", "thread_z"))


def _processor(level: int, dim: int) -> str:
    """Level 0 is the grid, 1 the block, 2 and deeper sequential; dims past z are sequential."""
    if level >= len(_LEVEL_PROCESSORS) or dim >= _NUM_HARDWARE_IDS:
        return "sequential"
    return _LEVEL_PROCESSORS[level][dim]


def set_mapping(op: ParallelOp, mapping: list[ParallelLoopDimMappingAttr]) -> None:
    """Put `mapping` on `op`; a processor other than `sequential` may appear once (upstream's setMappingAttr)."""
    used = [m.processor_name for m in mapping if m.processor_name != "sequential"]
    if len(used) != len(set(used)):
        raise ValueError("invalid mapping multiple loops to same processor")
    op.attributes[MAPPING_ATTR] = ArrayAttr(list(mapping))


def map_parallel_op(op: ParallelOp, level: int = 0, innermost_first: bool = False) -> None:
    """Annotate the nest rooted at `op` (mapping level `level`), then the loops directly in its body."""
    if MAPPING_ATTR in op.attributes:
        return
    if level == 0 and op.get_parent_of_type(ParallelOp) is not None:
        return
    n = len(op.induction_vars)
    mapped = min(n, _NUM_HARDWARE_IDS)
    dims = [(mapped - 1 - i if innermost_first else i) if i < mapped else _NUM_HARDWARE_IDS for i in range(n)]
    set_mapping(op, [loop_dim_map(_processor(level, d)) for d in dims])
    for nested in list(op.body.ops):
        if isinstance(nested, ParallelOp):
            map_parallel_op(nested, level + 1, innermost_first)


@register_pass
class GpuMapParallelLoops(Pass):
    """Greedily map `scf.parallel` nests to GPU blocks, threads and sequential loops (see the module docstring)."""

    name = "gpu-map-parallel-loops"
    summary = "Greedily maps loops to GPU hardware dimensions."
    anchor = "func.func"
    display_name = "GpuMapParallelLoopsPass"
    options = [
        Option("mapping-policy", str, "outermost-first",
               "Policy outlining how to assign loops to GPU dimensions.Supported values are `outermost-first` "
               "and `innermost-first`.", choices=["outermost-first", "innermost-first"]),
    ]

    def run_on_operation(self, op: Operation) -> None:
        innermost_first = self.mapping_policy == "innermost-first"
        for region in op.regions:
            for p in list(region.walk()):
                if isinstance(p, ParallelOp):
                    map_parallel_op(p, 0, innermost_first)


__all__ = ["MAPPING_ATTR", "GpuMapParallelLoops", "map_parallel_op", "set_mapping"]
