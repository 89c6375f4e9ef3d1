"""`--lower-to-llvm=target=gpu` is derived from the CPU pipeline (gpu_lowering_pipeline.py)."""

from mlir_py.passes.conversions.gpu_lowering_pipeline import CPU_ONLY, lower_to_llvm_gpu
from mlir_py.passes.conversions.pipelines import LOWER_TO_LLVM


def test_gpu_pipeline_keeps_the_cpu_front_and_host_part_in_order():
    gpu = lower_to_llvm_gpu(LOWER_TO_LLVM, "sm_90", ["convert-linalg-to-parallel-loops", "map-a", "map-b"])
    base = [p.split("{")[0] for p in gpu]
    assert not set(CPU_ONLY) & set(base) and "convert-linalg-to-loops" not in base
    at = base.index("convert-linalg-to-parallel-loops")
    assert base[at:at + 5] == ["convert-linalg-to-parallel-loops", "map-a", "map-b", "gpu-host-shared-buffers",
                               "lower-to-nvvm"]
    assert base.index("one-shot-bufferize") < base.index("buffer-planning") < at
    # the arena stays a per-call allocation: a host workspace global is out of the kernels' reach
    assert gpu[base.index("buffer-planning")] == "buffer-planning{hoist-static=false}"
    assert gpu[base.index("gpu-to-llvm")] == "gpu-to-llvm{gpu-arch=sm_90}"
    assert base.index("gpu-to-llvm") + 1 == base.index("finalize-memref-to-llvm")
    cpu_host = [p for p in LOWER_TO_LLVM[[q.split("{")[0] for q in LOWER_TO_LLVM].index("convert-linalg-to-loops")
                                         + 1:]]
    assert [p for p in gpu[at + 5:] if not p.startswith("gpu-to-llvm")] == cpu_host


def test_the_default_kernel_passes_are_gpupasses_list():
    from mlir_py.passes.conversions.gpu_pipeline import GPU_KERNEL_PASSES
    gpu = lower_to_llvm_gpu(LOWER_TO_LLVM, "sm_80")
    at = gpu.index(GPU_KERNEL_PASSES[0])
    assert gpu[at:at + len(GPU_KERNEL_PASSES)] == GPU_KERNEL_PASSES
