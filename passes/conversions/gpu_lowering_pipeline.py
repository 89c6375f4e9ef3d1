"""`--lower-to-llvm=target=gpu`: the CPU pipeline with its loops turned into CUDA kernels.

The graph-level front of `LOWER_TO_LLVM` is kept up to buffer planning,
less the CPU kernel generators (`linalg-codegen-matmul`,
`linalg-vectorize-innermost`: vector code for one CPU core). Then the
linalg ops become parallel loops and the GPU passes map them to kernels
(`gpu_pipeline.GPU_MAPPING`: `gpu-map-parallel-loops`,
`convert-parallel-loops-to-gpu`, `gpu-kernel-outlining`);
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


def _gpu_mapping() -> list[str]:
    from mlir_py.passes.conversions.gpu_pipeline import GPU_MAPPING  # type: ignore[import-not-found]
    return list(GPU_MAPPING)


def lower_to_llvm_gpu(cpu: list[str], gpu_arch: str, mapping: list[str] | None = None) -> list[str]:
    """The GPU pipeline derived from `cpu` (LOWER_TO_LLVM), with `mapping` (by
    default GPU_MAPPING) between the parallel loops and the kernels."""
    def base(p: str) -> str:
        return p.split("{", 1)[0]
    names = [base(p) for p in cpu]
    to_loops = names.index("convert-linalg-to-loops")
    front = [p for p in cpu[:to_loops] if base(p) not in CPU_ONLY]
    host = cpu[to_loops + 1:]
    at = [base(p) for p in host].index("finalize-memref-to-llvm")
    mapping = _gpu_mapping() if mapping is None else mapping
    return (front + ["convert-linalg-to-parallel-loops", *mapping, "gpu-host-shared-buffers",
                     "lower-to-nvvm"]
            + host[:at] + [f"gpu-to-llvm{{gpu-arch={gpu_arch}}}"] + host[at:])
