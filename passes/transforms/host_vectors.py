"""What the CPU code generators assume about the host's vector registers when an option says "host" (0).

The kernels are written for the machine the JIT compiles for (the host CPU and its features,
target/llvmir/codegen.py): AVX-512 gives 32 registers of 16 f32 lanes, AVX/AVX2 16 registers of 8, anything
else 16 of 4. The matmul register block is sized from that: 8 rows x 3 vectors (24 accumulators, three B
vectors and a broadcast in 32 registers) with AVX-512, 6 x 2 (12 + 3 in 16) otherwise. Measured on an AVX-512
machine (docs/benchmarks.md "Issue 11 kernels"): 16 lanes instead of 8 took the 512^3 matmul from 60% to
100% of numpy's GFLOP/s. Lit tests pin their options, so their output does not depend on the machine.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def host_features() -> frozenset[str]:
    """The host CPU's enabled LLVM features (`avx2`, `avx512f`, ...); empty when LLVM cannot tell."""
    from mlir_py.target.llvmir.codegen import host_cpu_and_features
    _, features = host_cpu_and_features()
    return frozenset(f[1:] for f in features.split(",") if f.startswith("+"))


def host_f32_lanes() -> int:
    """f32 lanes of the host's widest vector register."""
    feats = host_features()
    if "avx512f" in feats:
        return 16
    if "avx" in feats:
        return 8
    return 4


def host_vector_registers() -> int:
    return 32 if "avx512f" in host_features() else 16


def default_register_block(registers: int) -> tuple[int, int]:
    """(rows, vectors) of the matmul register block for a machine with `registers` vector registers."""
    return (8, 3) if registers >= 32 else (6, 2)


__all__ = ["default_register_block", "host_f32_lanes", "host_features", "host_vector_registers"]
