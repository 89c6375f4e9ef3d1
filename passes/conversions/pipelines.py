"""`--lower-to-llvm`: the pipeline from the loop-level dialects to pure llvm dialect.

One ordered list of pass names (with options); the alias runs them in this
order, each on the op it anchors on. A lowering joins the pipeline by
adding its line where its output is consumed by a later entry: passes that
produce cf/arith/memref (`lower-affine`, `convert-scf-to-cf`,
`convert-vector-to-scf`) go before the `*-to-llvm` entries, vector's
`convert-vector-to-llvm` before `finalize-memref-to-llvm`. Every entry names
a registered pass: a missing one is an error when the alias is used, never
skipped.

The graph-level part comes first (docs/graph-to-linalg.md): graph ops
become linalg on tensors (`convert-graph-to-linalg`), `canonicalize` folds
and uniques their constants, `linalg-fuse-elementwise-ops` merges chains of
elementwise generics (bias + relu after a matmul), `one-shot-bufferize`
turns tensors into buffers (identity layouts at function boundaries, so a
graph-level function takes and returns plain memrefs),
`linalg-codegen-matmul` and `linalg-vectorize-innermost` make vectorized
kernels of matmul-like, elementwise and row-reduction ops, fusing
elementwise consumers into the matmul kernels (docs/cpu-codegen.md; before
planning, so the buffers fusion removes are never planned and the ones it
reads are still plain allocations), `buffer-planning` frees and reuses the
buffers that remain, and
`convert-linalg-to-loops` writes the loop nests of the rest (scf.for; the
affine form measured no faster after LLVM -O3). The
conversions leave input without their ops unchanged, so linalg- or
loop-level input takes the same alias; buffer-planning plans the buffers of
every function it sees (docs/bufferization.md).

Order of the llvm part: math first (its libm calls are func calls that
`convert-func-to-llvm` lowers), then memref, arith, cf; functions last
(their bodies are already converted, so block signatures and returns see
llvm types); `reconcile-unrealized-casts` removes the casts the passes left
between each other, `canonicalize`/`cse` tidy the result.

`convert-scf-parallel-to-threads` runs every `scf.parallel` (those that
`lower-affine` makes of `affine.parallel` too) on the thread pool
(docs/parallel.md); the alias's `num-threads` option is that pass's
(`--lower-to-llvm="num-threads=2"`; 0, the default, decides at run time).
With `parallel-loops`, the linalg ops that no kernel took become parallel
loops too (`convert-linalg-to-parallel-loops` in place of
`convert-linalg-to-loops`).
"""

from __future__ import annotations

from mlir_py.passes.conversions.scf_parallel_to_threads import THREAD_COUNT_OPTION

from mlir_py.pass_manager import Option, register_pipeline

#: the passes of `--lower-to-llvm`, in order
LOWER_TO_LLVM: list[str] = [
    # graph level: ML ops -> linalg on tensors -> linalg on buffers -> loops
    "convert-graph-to-linalg",
    "canonicalize",
    "linalg-fuse-elementwise-ops",
    "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
    "linalg-conv-im2col",  # perf: convolutions as products, for the matmul kernel
    "linalg-codegen-matmul", "linalg-vectorize-innermost",  # perf: CPU kernels (fusion) before planning
    "buffer-planning",
    "convert-linalg-to-loops",
    "math-polynomial-approximation",  # perf: f32 exp/tanh/erf as polynomials (vectors stay vectors)
    # loop level
    "canonicalize",
    "convert-vector-to-scf{full-unroll=true}",
    "lower-affine",
    "convert-scf-parallel-to-threads",  # scf.parallel (and affine.parallel, via lower-affine) on the thread pool
    "convert-vector-to-llvm",
    "convert-scf-to-cf",
    "convert-math-to-llvm",
    "convert-math-to-libm",
    "finalize-memref-to-llvm",
    "convert-arith-to-llvm",
    "convert-cf-to-llvm",
    "llvm-request-c-wrappers{public-only}",
    "convert-func-to-llvm",
    "reconcile-unrealized-casts",
    "canonicalize",
    "cse",
]


def _gpu_arch(text: str) -> str:
    from mlir_py.passes.conversions.gpu_host_to_llvm import check_gpu_arch
    return check_gpu_arch(text)


@register_pipeline("lower-to-llvm", "Lower func/arith/math/cf/memref (and the layers above them) to the llvm "
                                    "dialect, with C interface wrappers for public functions",
                   options=[THREAD_COUNT_OPTION,
                            Option("parallel-loops", bool, False, "Lower the linalg ops that no kernel takes to "
                                   "parallel loops (convert-linalg-to-parallel-loops), which run on the thread pool"),
                            Option("target", str, "cpu", "cpu: native loops; gpu: loops become CUDA kernels "
                                   "(PTX) launched by the host code (docs/gpu-runtime.md)", choices=["cpu", "gpu"]),
                            Option("gpu-arch", _gpu_arch, "sm_80", "with target=gpu: the PTX target (sm_XX)")])
def lower_to_llvm(pm, options) -> None:
    passes = LOWER_TO_LLVM
    if options.target == "gpu":
        from mlir_py.passes.conversions.gpu_lowering_pipeline import lower_to_llvm_gpu
        passes = lower_to_llvm_gpu(LOWER_TO_LLVM, options.gpu_arch)
    for p in passes:
        if p == "convert-scf-parallel-to-threads" and options.num_threads:
            p += f"{{num-threads={options.num_threads}}}"
        elif p == "convert-linalg-to-loops" and options.parallel_loops:
            p = "convert-linalg-to-parallel-loops"
        pm.add(p)


#: the passes of `--lower-to-nvvm`, run on each gpu.module (device code; the host code is left as it is)
LOWER_TO_NVVM: list[str] = [
    "lower-affine",
    "convert-scf-to-cf",
    "convert-gpu-to-nvvm",
    "reconcile-unrealized-casts",
    "canonicalize",
    "cse",
]


@register_pipeline("lower-to-nvvm", "Lower the kernels of every gpu.module (gpu, affine, scf, cf, arith, math, "
                                    "memref, func) to the llvm and nvvm dialects, ready for --mir-to-ptx")
def lower_to_nvvm(pm) -> None:
    pm.add("gpu.module(" + ",".join(LOWER_TO_NVVM) + ")")
