"""Kernel compile latency: a gpu.module from the gpu dialect to PTX, split into its steps, with
NVIDIA's ptxas (PTX to a cubin, the next step a driver takes) timed on the same PTX as the
reference a CUDA user pays anyway.

Steps: parse + verify, `--lower-to-nvvm`, translation to LLVM IR, LLVM -O3 and the NVPTX backend
in-process, the same in the forked child `gpu_module_ptx` uses (what isolation costs), and
`ptxas -arch=sm_80` when it is installed. The kernels are the test suite's: saxpy and a block sum
through shared memory (test/conversions/lower-to-nvvm/kernels.mir), a workgroup max with
all_reduce, a warp sum with printf and an assertion (reductions.mir).

    python benchmarks/ptx_emit.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import statistics
import time

from mlir_py.target.ptx import emit as ptx_emit
from mlir_py.target.ptx.ptxas import assemble, find_ptxas

import mlir_py as mp
from mlir_py.pass_manager import PassManager

ROOT = pathlib.Path(__file__).resolve().parents[1]
INPUTS = ["test/conversions/lower-to-nvvm/kernels.mir", "test/conversions/lower-to-nvvm/reductions.mir"]


def _time(fn, repeat: int) -> tuple[float, object]:
    """The median wall time of `repeat` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    ptxas = find_ptxas()
    for rel in INPUTS:
        text = (ROOT / rel).read_text()

        def parse():
            m = mp.parse(mp.Context.with_available_dialects(), text, rel)
            mp.verify(m)
            return m

        def lower():
            m = parse()
            pm = PassManager()
            pm.add("lower-to-nvvm")
            pm.run(m)
            return m

        t_parse, _ = _time(parse, args.repeat)
        t_lower, lowered = _time(lower, args.repeat)
        device = ptx_emit.device_modules(lowered)[0]  # type: ignore[arg-type]
        t_ir, ir = _time(lambda: ptx_emit.llvm_ir(device), args.repeat)
        t_llvm, ptx = _time(lambda: ptx_emit._codegen(ir, "sm_80", 3, ""), args.repeat)  # type: ignore[arg-type]
        t_iso, _ = _time(lambda: ptx_emit._codegen_isolated(ir, "sm_80", 3, ""), args.repeat)  # type: ignore[arg-type]
        ours = (t_lower - t_parse) + t_ir + t_iso
        print(f"{rel}: {len(str(ptx).splitlines())} PTX lines")
        print(f"  parse+verify {t_parse * 1e3:7.1f} ms   --lower-to-nvvm {(t_lower - t_parse) * 1e3:7.1f} ms   "
              f"LLVM IR {t_ir * 1e3:5.1f} ms")
        print(f"  LLVM -O3 + NVPTX {t_llvm * 1e3:7.1f} ms in-process, {t_iso * 1e3:7.1f} ms forked "
              f"(isolation {(t_iso - t_llvm) * 1e3:+.1f} ms)")
        if ptxas is not None:
            t_ptxas, _ = _time(lambda: assemble(str(ptx), "sm_80", ptxas), args.repeat)
            print(f"  ptxas -arch=sm_80 {t_ptxas * 1e3:7.1f} ms; gpu dialect -> PTX / ptxas = {ours / t_ptxas:.2f}")
        else:
            print("  ptxas not found: install the [gpu-test] extra for the reference timing")


if __name__ == "__main__":
    main()
