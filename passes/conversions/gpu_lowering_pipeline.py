"""`--lower-to-llvm=target=gpu`: the CPU pipeline with its loops turned into CUDA kernels.

The graph-level front of `LOWER_TO_LLVM` is kept up to buffer planning,
less the CPU kernel generators (`linalg-codegen-matmul`,
`linalg-vectorize-innermost`: vector code for one CPU core). In place of
`convert-linalg-to-loops`, `gpu_pipeline.GPU_KERNEL_PASSES` turns linalg
on buffers into tiled parallel loops mapped to blocks and threads and
outlines them as kernels (docs/gpu-passes.md);
`gpu-host-shared-buffers` puts the host's buffers where kernels reach
them; `--lower-to-nvvm` lowers the kernels to llvm+nvvm; the host part
of `LOWER_TO_LLVM` lowers what is left, with `gpu-to-llvm` (launches as
runtime calls, kernels embedded as PTX for `gpu-arch`) before the memref
lowering.
"""

from __future__ import annotations

__all__ = ["CPU_ONLY", "lower_to_llvm_gpu"]

#: passes of LOWER_TO_LLVM that generate CPU kernels, left out for the GPU
CPU_ONLY = ("linalg-codegen-matmul", "linalg-vectorize-innermost")
#: passes that take other options for the GPU: the planned arena stays a per-call allocation (which
#: gpu-host-shared-buffers moves where kernels reach it), not a host global a kernel could not read
GPU_OPTIONS = {"buffer-planning": "buffer-planning{hoist-static=false}"}


def _gpu_kernel_passes() -> list[str]:
    from mlir_py.passes.conversions.gpu_pipeline import GPU_KERNEL_PASSES
    return list(GPU_KERNEL_PASSES)


def lower_to_llvm_gpu(cpu: list[str], gpu_arch: str, kernels: list[str] | None = None) -> list[str]:
    """The GPU pipeline derived from `cpu` (LOWER_TO_LLVM), with `kernels` (by
    default GPU_KERNEL_PASSES) from linalg on buffers to outlined kernels."""
    def base(p: str) -> str:
        return p.split("{", 1)[0]
    names = [base(p) for p in cpu]
    to_loops = names.index("convert-linalg-to-loops")
    front = [GPU_OPTIONS.get(p, p) for p in cpu[:to_loops] if base(p) not in CPU_ONLY]
    host = cpu[to_loops + 1:]
    at = [base(p) for p in host].index("finalize-memref-to-llvm")
    kernels = _gpu_kernel_passes() if kernels is None else kernels
    return (front + kernels + ["gpu-host-shared-buffers", "lower-to-nvvm"]
            + host[:at] + [f"gpu-to-llvm{{gpu-arch={gpu_arch}}}"] + host[at:])
