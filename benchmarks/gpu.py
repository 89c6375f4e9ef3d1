"""GPU speed of the compiled code (issue 9), against the device's own copy engine and cuBLAS, in one run.

(a) an elementwise chain over 64M f32, out = max(a*x + y, 0) (two arrays read, one written): bandwidth
    as a fraction of a device-to-device copy (cuMemcpyDtoD, bytes read + written; target >= 80%);
(b) f32 matmul 4096x4096x4096: GFLOP/s against torch.matmul (cuBLAS) with TF32 off, when torch is
    installed.

Each is measured in the forms that compile here:
- "kernel": the hand-written gpu-dialect kernels of test/unit/Inputs/gpu (axpy.mir, tiled_matmul.mir),
  through --lower-to-nvvm, PTX and gpu-to-llvm: what the runtime and code generator give;
- "graph": the graph-level function through the whole --lower-to-llvm=target=gpu pipeline (loops mapped
  to the GPU by the compiler).
Times: "kernel time" sums CUDA events around each launch (the runtime's profiling), "call" is the wall
time of one call from Python (launch overhead and synchronization included), both the median of
--repeat calls after a warm-up. Arrays live in managed memory (cuda.managed_array), so calls stage
nothing. Without a CUDA driver or GPU this prints why and exits 0.

    python benchmarks/gpu.py [--repeat 10] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "..", "test", "unit", "Inputs", "gpu")


def _median_times(fn, args, repeat: int, rt) -> tuple[float, float]:
    """(median kernel ms, median call ms) over `repeat` calls after one warm-up."""
    fn(*args)
    kernel, call = [], []
    for _ in range(repeat):
        rt.kernel_time_ms = 0.0
        t0 = time.perf_counter()
        fn(*args)
        call.append((time.perf_counter() - t0) * 1e3)
        kernel.append(rt.kernel_time_ms)
    rt.kernel_time_ms = None
    return statistics.median(kernel), statistics.median(call)


def copy_bandwidth(cuda, nbytes: int, repeat: int) -> float:
    """Device-to-device copy bandwidth in GB/s, counting bytes read and written."""
    src, dst = cuda.DeviceBuffer(nbytes), cuda.DeviceBuffer(nbytes)
    src.fill_u8(1)
    times = []
    for _ in range(repeat + 1):
        start, end = cuda.Event(), cuda.Event()
        start.record()
        dst.copy_from(src)
        end.record()
        times.append(start.elapsed_ms(end))
    return 2 * nbytes / (statistics.median(times[1:]) * 1e-3) / 1e9


def graph_elementwise(rows: int, cols: int) -> str:
    """2-D, so that the 16x16 tiles of GPU_KERNEL_PASSES make 256-thread blocks."""
    t = f"tensor<{rows}x{cols}xf32>"
    return f"""func.func @main(%x: {t}, %y: {t}) -> {t} {{
  %a = graph.constant dense<2.0> : tensor<f32>
  %ax = graph.mul %x, %a : ({t}, tensor<f32>) -> {t}
  %s = graph.add %ax, %y : ({t}, {t}) -> {t}
  %r = graph.relu %s : {t}
  return %r : {t}
}}"""


def graph_matmul(n: int) -> str:
    t = f"tensor<{n}x{n}xf32>"
    return f"""func.func @main(%a: {t}, %b: {t}) -> {t} {{
  %c = graph.matmul %a, %b : ({t}, {t}) -> {t}
  return %c : {t}
}}"""


def _try_compile(ExecutionEngine, text: str, what: str):
    try:
        return ExecutionEngine(text, gpu=True)
    except Exception as e:  # noqa: BLE001 - a form that does not compile yet is reported, not fatal
        print(f"  {what}: does not compile for the GPU: {str(e).splitlines()[0][:200]}")
        return None


def elementwise(cuda, ExecutionEngine, rt, n: int, repeat: int, copy_gbs: float) -> None:
    print(f"(a) out = max(a*x + y, 0) over {n} f32 ({n * 4 >> 20} MiB per array)")
    rng = np.random.default_rng(0)
    x, y, out = (cuda.managed_array(n, np.float32) for _ in range(3))
    x[:] = rng.standard_normal(n, dtype=np.float32)
    y[:] = rng.standard_normal(n, dtype=np.float32)
    expect = np.maximum(np.float32(2.0) * x + y, 0)
    moved = 3 * n * 4
    with open(os.path.join(INPUTS, "axpy.mir")) as f:
        engine = _try_compile(ExecutionEngine, f.read(), "kernel")
    if engine is not None:
        fn = engine.lookup("main")
        k_ms, c_ms = _median_times(fn, (x, y, out, np.float32(2.0)), repeat, rt)
        ok = np.allclose(out, expect, rtol=1e-6, atol=1e-6)
        bw = moved / (k_ms * 1e-3) / 1e9
        print(f"  kernel: {k_ms:.3f} ms kernel time ({bw:.0f} GB/s = {bw / copy_gbs:.0%} of the copy), "
              f"{c_ms:.3f} ms per call, matches numpy: {ok}")
    cols = 8192
    engine = _try_compile(ExecutionEngine, graph_elementwise(n // cols, cols), "graph")
    if engine is not None:
        fn = engine.lookup("main")
        x2, y2 = x.reshape(n // cols, cols), y.reshape(n // cols, cols)
        k_ms, c_ms = _median_times(fn, (x2, y2), repeat, rt)
        got = fn(x2, y2).reshape(n)
        bw = moved / (k_ms * 1e-3) / 1e9 if k_ms else float("nan")
        print(f"  graph: {k_ms:.3f} ms kernel time ({bw:.0f} GB/s = {bw / copy_gbs:.0%} of the copy), "
              f"{c_ms:.3f} ms per call (result allocated per call), matches numpy: "
              f"{np.allclose(got, expect, rtol=1e-6, atol=1e-6)}")


def matmul(cuda, ExecutionEngine, rt, n: int, repeat: int) -> None:
    print(f"(b) matmul {n}x{n}x{n} f32")
    rng = np.random.default_rng(1)
    a, b, c = (cuda.managed_array((n, n), np.float32) for _ in range(3))
    a[:] = rng.standard_normal((n, n), dtype=np.float32)
    b[:] = rng.standard_normal((n, n), dtype=np.float32)
    flops = 2.0 * n ** 3
    ref_gflops = None
    try:
        import torch
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        ta, tb = torch.from_numpy(np.array(a)).cuda(), torch.from_numpy(np.array(b)).cuda()
        tc = ta @ tb
        torch.cuda.synchronize()
        times = []
        for _ in range(repeat):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            tc = ta @ tb
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        ref_gflops = flops / (statistics.median(times) * 1e-3) / 1e9
        expect = tc.cpu().numpy()
        print(f"  torch (cuBLAS, TF32 off): {statistics.median(times):.3f} ms, {ref_gflops:.0f} GFLOP/s")
    except ImportError:
        expect = None
        print("  torch is not installed: no cuBLAS reference")
    vs = (lambda g: f" = {g / ref_gflops:.1%} of cuBLAS") if ref_gflops else (lambda g: "")
    with open(os.path.join(INPUTS, "tiled_matmul.mir")) as f:
        engine = _try_compile(ExecutionEngine, f.read(), "kernel")
    if engine is not None:
        fn = engine.lookup("main")
        k_ms, c_ms = _median_times(fn, (a, b, c), repeat, rt)
        g = flops / (k_ms * 1e-3) / 1e9
        ok = "" if expect is None else f", max |diff| to cuBLAS {np.abs(c - expect).max():.2e}"
        print(f"  kernel (16x16 shared-memory tiles): {k_ms:.3f} ms, {g:.0f} GFLOP/s{vs(g)}, "
              f"{c_ms:.3f} ms per call{ok}")
    engine = _try_compile(ExecutionEngine, graph_matmul(n), "graph")
    if engine is not None:
        fn = engine.lookup("main")
        k_ms, c_ms = _median_times(fn, (a, b), repeat, rt)
        g = flops / (k_ms * 1e-3) / 1e9 if k_ms else float("nan")
        print(f"  graph: {k_ms:.3f} ms, {g:.0f} GFLOP/s{vs(g)}, {c_ms:.3f} ms per call")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (16M elements, 2048^3)")
    args = ap.parse_args(argv)
    from mlir_py.execution import ExecutionEngine, cuda
    from mlir_py.execution.cuda.host_runtime import install
    reason = cuda.unavailable_reason()
    if reason is not None:
        print(f"no CUDA driver/GPU available: {reason}")
        return 0
    rt = install()
    dev = rt.context.device
    print(f"device: {dev.name} ({dev.arch}, {dev.multiprocessors} SMs, {dev.total_memory >> 30} GiB); "
          f"CUDA driver {'.'.join(map(str, cuda.get_driver().version()))}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    n = (16 << 20) if args.quick else (64 << 20)
    copy_gbs = copy_bandwidth(cuda, n * 4, args.repeat)
    print(f"device-to-device copy of {n * 4 >> 20} MiB: {copy_gbs:.0f} GB/s (read + written)")
    elementwise(cuda, ExecutionEngine, rt, n, args.repeat, copy_gbs)
    matmul(cuda, ExecutionEngine, rt, 2048 if args.quick else 4096, max(3, args.repeat // 2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(HERE, ".."))
    sys.exit(main())
