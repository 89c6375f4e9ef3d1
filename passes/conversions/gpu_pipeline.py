"""The GPU part of a graph-level pipeline: buffers to kernels.

`GPU_KERNEL_PASSES` takes over where the CPU pipeline (`LOWER_TO_LLVM` in
pipelines.py) turns linalg on buffers into loops: after `one-shot-bufferize`
and `buffer-planning`, in place of the CPU kernels (`linalg-codegen-matmul`,
`linalg-vectorize-innermost`) and `convert-linalg-to-loops`. It leaves host
functions that allocate buffers and `gpu.launch_func` kernels in
`gpu.module`s, ready for the NVVM lowering of the kernels
(`convert-gpu-to-nvvm`) and the host lowering of the launches (`gpu-to-llvm`):

- `gpu-codegen-matmul`, `gpu-promote-to-workgroup`: each `linalg.matmul`
  becomes the tiled shared-memory kernel (16x16 threads, tiles of A and B
  staged in workgroup memory);
- `convert-linalg-to-parallel-loops`: each other structured op becomes an
  `scf.parallel` over its parallel dimensions (reductions as `scf.for`
  inside);
- `scf-parallel-loop-tiling`: 16x16 tiles of the leading two parallel
  dimensions; full tiles with an `scf.if` for the edges (no `affine.min`
  bounds, so the launch sizes are the tile sizes);
- `gpu-map-parallel-loops{mapping-policy=innermost-first}`: tiles on blocks,
  points of a tile on threads, the innermost of the first three dimensions
  on x (neighbouring threads read neighbouring elements);
- `convert-parallel-loops-to-gpu`, then `canonicalize` (constant launch
  sizes, folded index arithmetic);
- `gpu-launch-sink-index-computations`, `gpu-kernel-outlining`;
- `lower-affine` for the index arithmetic left in kernels and host code.

A linalg op without a parallel dimension (a full reduction to a scalar)
becomes host loops. docs/gpu-passes.md shows the list on a model.
"""

from __future__ import annotations

#: from linalg on buffers to host code launching gpu.func kernels, in order
GPU_KERNEL_PASSES: list[str] = [
    "gpu-codegen-matmul",
    "gpu-promote-to-workgroup",
    "convert-linalg-to-parallel-loops",
    "scf-parallel-loop-tiling{parallel-loop-tile-sizes=16,16 no-min-max-bounds}",
    "gpu-map-parallel-loops{mapping-policy=innermost-first}",
    "convert-parallel-loops-to-gpu",
    "canonicalize",
    "gpu-launch-sink-index-computations",
    "gpu-kernel-outlining",
    "lower-affine",
]

__all__ = ["GPU_KERNEL_PASSES"]
