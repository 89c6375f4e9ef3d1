"""Parallel loops on the thread pool: the speedup of 2 threads over 1
(issue 11's target: matmul 1024 with 2 threads >= 1.8x our single-thread
time), measured in one run on one compiled module.

- matmul 1024: an `scf.parallel` over blocks of `--block` rows, each block a
  `linalg.matmul` on subviews that `linalg-codegen-matmul` makes a vector
  kernel (the tiling a kernel generator that parallelizes its outer tile
  loop produces). The kernel pass places its packing buffer at the function
  entry; this script moves such buffers into the parallel loop's body (one
  per thread), which the kernel generator must do itself before it emits
  `scf.parallel`.
- y = max(2x + b, 0) over 4096x4096 through `convert-linalg-to-parallel-loops`
  (memory-bound: two cores share the memory bandwidth);
- the fork-join cost of one parallel loop (a 2-iteration loop of one store).

The module is compiled once with `num-threads` left to the runtime and run
with `set_num_threads(1)` and `(2)` alternately; each figure is the minimum
over `--repeat` rounds (the machine is shared: minima are the stable
statistic), and numpy's single-thread time is printed for scale.

    python benchmarks/parallel.py [--size 1024] [--block 128] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # numpy's BLAS on one thread, for scale

import numpy as np  # noqa: E402


def matmul_module(n: int, block: int) -> str:
    t = f"memref<{n}x{n}xf32>"
    s = f"memref<{block}x{n}xf32, strided<[{n}, 1], offset: ?>>"
    return f"""func.func @matmul(%a: {t}, %b: {t}, %c: {t}) {{
  %c0 = arith.constant 0 : index
  %cn = arith.constant {n} : index
  %cb = arith.constant {block} : index
  scf.parallel (%i) = (%c0) to (%cn) step (%cb) {{
    %as = memref.subview %a[%i, 0] [{block}, {n}] [1, 1] : {t} to {s}
    %cs = memref.subview %c[%i, 0] [{block}, {n}] [1, 1] : {t} to {s}
    linalg.matmul ins(%as, %b : {s}, {t}) outs(%cs : {s})
    scf.reduce
  }}
  return
}}
"""


def elementwise_module(n: int) -> str:
    t = f"memref<{n}x{n}xf32>"
    return f"""#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
func.func @bias_relu(%x: {t}, %b: memref<{n}xf32>, %y: {t}) {{
  linalg.generic {{indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%x, %b : {t}, memref<{n}xf32>) outs(%y : {t}) {{
  ^bb0(%v: f32, %c: f32, %o: f32):
    %two = arith.constant 2.0 : f32
    %zero = arith.constant 0.0 : f32
    %d = arith.mulf %v, %two : f32
    %s = arith.addf %d, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }}
  return
}}
"""


TINY = """func.func @tiny(%x: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    memref.store %one, %x[%i] : memref<2xf32>
    scf.reduce
  }
  return
}
"""


def private_buffers(module) -> int:
    """Move each function-level `memref.alloca` whose uses all sit inside one scf.parallel into that
    loop's body, so each thread packs into a buffer of its own (benchmark-only; see the docstring)."""
    moved = 0
    for fn in module.regions[0].first_block.ops:
        if fn.name != "func.func" or fn.regions[0].is_empty():
            continue
        entry = fn.regions[0].first_block
        for op in list(entry.ops):
            if op.name != "memref.alloca":
                continue
            loops = set()
            for use in op.results[0].uses:
                p = use.owner
                while p is not None and p.name != "scf.parallel":
                    p = p.parent_op
                loops.add(p)
            if len(loops) == 1 and None not in loops:
                body = next(iter(loops)).regions[0].first_block
                op.detach()
                body.insert_before(body.first_op, op)
                moved += 1
    return moved


def compile_engine(text: str, pre: str, fix_buffers: bool):
    from mlir_py.execution import ExecutionEngine

    import mlir_py as mp
    from mlir_py.pass_manager import PassManager
    module = mp.parse(mp.Context.with_available_dialects(), text)
    pm = PassManager.parse(f"builtin.module({pre})")
    assert pm.run(module), pre
    if fix_buffers:
        private_buffers(module)
    t0 = time.perf_counter()
    engine = ExecutionEngine(module)
    return engine, time.perf_counter() - t0


def best(fn, repeat: int) -> float:
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def speedup(call, repeat: int) -> tuple[float, float, float]:
    """Min time with 1 and with 2 threads, alternating rounds so both see the same machine load, and
    the process's CPU time with 2 threads over that with 1 (about 1: the threads split the work, none
    is repeated or spent waiting; on a busy machine it tells the split apart from the wall time)."""
    from mlir_py.execution import thread_pool
    t1 = t2 = float("inf")
    cpu = [0.0, 0.0]
    for _ in range(repeat):
        for k, threads in enumerate((1, 2)):
            thread_pool.set_num_threads(threads)
            c0 = time.process_time()
            t = best(call, 1)
            cpu[k] += time.process_time() - c0
            t1, t2 = (min(t1, t), t2) if threads == 1 else (t1, min(t2, t))
    thread_pool.set_num_threads(thread_pool.default_num_threads())
    return t1, t2, cpu[1] / cpu[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--block", type=int, default=128)
    ap.add_argument("--elementwise-size", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    n, rng = args.size, np.random.default_rng(0)
    print(f"# {platform.machine()} {platform.processor() or ''}, usable cores {len(os.sched_getaffinity(0))}, "
          f"load average {os.getloadavg()[0]:.1f}, numpy {np.__version__}")

    engine, ct = compile_engine(matmul_module(n, args.block), "func.func(linalg-codegen-matmul)", True)
    fn = engine["matmul"]
    a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    c = np.zeros((n, n), np.float32)
    fn(a, b, c)
    assert np.allclose(c, a @ b, rtol=1e-3, atol=1e-2), "matmul is wrong"
    t1, t2, cpu = speedup(lambda: fn(a, b, c), args.repeat)
    tn = best(lambda: np.matmul(a, b, out=c), args.repeat)
    flop = 2.0 * n ** 3
    print(f"matmul {n} (blocks of {args.block} rows, compile {ct:.2f} s): 1 thread {t1 * 1e3:.1f} ms "
          f"({flop / t1 / 1e9:.0f} GFLOP/s), 2 threads {t2 * 1e3:.1f} ms ({flop / t2 / 1e9:.0f} GFLOP/s), "
          f"speedup {t1 / t2:.2f}x (CPU time 2/1 threads {cpu:.2f}); numpy 1 thread {tn * 1e3:.1f} ms")

    m = args.elementwise_size
    engine, ct = compile_engine(elementwise_module(m), "func.func(convert-linalg-to-parallel-loops)", False)
    fn = engine["bias_relu"]
    x, bias = rng.standard_normal((m, m), dtype=np.float32), rng.standard_normal(m, dtype=np.float32)
    y = np.empty_like(x)
    fn(x, bias, y)
    assert np.array_equal(y, np.maximum(x * np.float32(2) + bias, 0)), "elementwise is wrong"
    t1, t2, cpu = speedup(lambda: fn(x, bias, y), args.repeat)
    tn = best(lambda: np.multiply(x, 2, out=y), args.repeat)
    print(f"max(2x + b, 0) {m}x{m} (parallel loops): 1 thread {t1 * 1e3:.1f} ms, 2 threads {t2 * 1e3:.1f} ms, "
          f"speedup {t1 / t2:.2f}x (CPU time 2/1 threads {cpu:.2f}); numpy np.multiply(x, 2, out=y) "
          f"{tn * 1e3:.1f} ms")
    fork_join_overhead(2000, 5)


def fork_join_overhead(calls: int, repeat: int) -> None:
    """What one parallel loop costs beyond its work: a 2-iteration loop storing one float per iteration,
    per call from Python, serially (1 thread) and on the pool (2 threads: wake a worker, join it)."""
    from mlir_py.execution import ExecutionEngine, thread_pool
    fn = ExecutionEngine(TINY)["tiny"]
    x = np.zeros(2, np.float32)
    per = {}
    for threads in (1, 2):
        thread_pool.set_num_threads(threads)
        fn(x)
        per[threads] = best(lambda: [fn(x) for _ in range(calls)], repeat) / calls
    thread_pool.set_num_threads(thread_pool.default_num_threads())
    print(f"fork-join: a 2-iteration parallel loop per call {per[1] * 1e6:.1f} us with 1 thread (serial), "
          f"{per[2] * 1e6:.1f} us with 2 (the pool's wake-up and join: {(per[2] - per[1]) * 1e6:.1f} us)")


if __name__ == "__main__":
    main()
