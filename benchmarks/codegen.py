"""Code generation: JIT compile latency, a loop-level matmul against numpy,
and the per-call overhead of ExecutionEngine. Single thread; numpy is
measured in the same run (its BLAS limited to one thread when threadpoolctl
or the environment allows).

- compile latency of a ~1k-op function and of the 512x512x512 matmul, split
  into parse+verify, --lower-to-llvm, translation and LLVM -O3 + JIT;
- the matmul written with affine loops (affine.load/store), naive and after
  `affine-loop-tile`, at -O3: GFLOP/s and the ratio to numpy's `a @ b`
  (scf loops when the affine dialect is not available);
- the per-call overhead of a 3-argument call of an empty function.

    OPENBLAS_NUM_THREADS=1 python benchmarks/codegen.py [--size 512] [--tile 32] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import timeit

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # before numpy loads its BLAS: single thread, like the compiled code

import numpy as np  # noqa: E402


def chain_function(num_ops: int) -> str:
    """A straight-line f32 function of about num_ops arith/math ops."""
    lines = ["func.func @chain(%x: f32, %y: f32) -> f32 {"]
    prev, other = "%x", "%y"
    ops = ["arith.addf", "arith.mulf", "arith.subf", "arith.maximumf"]
    for i in range(num_ops - 1):
        lines.append(f"  %v{i} = {ops[i % 4]} {prev}, {other} : f32")
        prev, other = f"%v{i}", prev
    lines.append(f"  return {prev} : f32")
    lines.append("}")
    return "\n".join(lines) + "\n"


def affine_matmul(n: int) -> str:
    t = f"memref<{n}x{n}xf32>"
    return f"""func.func @matmul(%a: {t}, %b: {t}, %c: {t}) {{
  affine.for %i = 0 to {n} {{
    affine.for %j = 0 to {n} {{
      affine.for %k = 0 to {n} {{
        %x = affine.load %a[%i, %k] : {t}
        %y = affine.load %b[%k, %j] : {t}
        %z = affine.load %c[%i, %j] : {t}
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %z, %p : f32
        affine.store %s, %c[%i, %j] : {t}
      }}
    }}
  }}
  return
}}
"""


def scf_matmul(n: int) -> str:
    t = f"memref<{n}x{n}xf32>"
    return f"""func.func @matmul(%a: {t}, %b: {t}, %c: {t}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant {n} : index
  scf.for %i = %c0 to %n step %c1 {{
    scf.for %j = %c0 to %n step %c1 {{
      scf.for %k = %c0 to %n step %c1 {{
        %x = memref.load %a[%i, %k] : {t}
        %y = memref.load %b[%k, %j] : {t}
        %z = memref.load %c[%i, %j] : {t}
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %z, %p : f32
        memref.store %s, %c[%i, %j] : {t}
      }}
    }}
  }}
  return
}}
"""


EMPTY3 = """func.func @three(%a: memref<64x64xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  return
}
func.func @three_dynamic(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  return
}
func.func @scalar(%a: f32, %b: i64, %c: f32) -> f32 {
  return %a : f32
}
"""


def affine_available() -> bool:
    """Whether this checkout has the affine dialect and its lowering."""
    import mlir_py as mp
    from mlir_py.pass_manager import registry
    try:
        mp.parse(mp.Context.with_available_dialects(), affine_matmul(4))
        registry.load_builtin_passes()
        return registry.lookup("lower-affine") is not None

    except Exception:  # noqa: BLE001 - unknown dialect
        return False


def compile_engine(text: str, pre_pipeline: str | None = None, opt_level: int = 3):
    """An ExecutionEngine, with `pre_pipeline` (e.g. affine-loop-tile) run on the parsed module first."""
    from mlir_py.execution import ExecutionEngine

    import mlir_py as mp
    if pre_pipeline is None:
        return ExecutionEngine(text, opt_level)
    from mlir_py.pass_manager import PassManager
    t0 = time.perf_counter()
    module = mp.parse(mp.Context.with_available_dialects(), text)
    mp.verify(module)
    pm = PassManager.parse(f"builtin.module({pre_pipeline})")
    if not pm.run(module):
        raise SystemExit(f"{pre_pipeline} failed")
    pre = time.perf_counter() - t0
    engine = ExecutionEngine(module, opt_level)
    engine.timings["pre-pipeline"] = pre
    return engine


def fmt_timings(engine) -> str:
    parts = [f"{k} {v * 1e3:.0f} ms" for k, v in engine.timings.items()]
    return ", ".join(parts)


def time_calls(fn, args, repeat: int) -> float:
    fn(*args)  # warm-up
    return min(_once(fn, args) for _ in range(repeat))


def _once(fn, args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--tile", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ops", type=int, default=1000)
    args = ap.parse_args(argv)

    import llvmlite.binding as llvm
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, LLVM {'.'.join(map(str, llvm.llvm_version_info))} ({llvm.get_host_cpu_name()})")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")

    # 1. compile latency of a ~1k-op function
    from mlir_py.execution import ExecutionEngine
    ExecutionEngine(chain_function(20))  # warm-up: imports, pass registry, assembly formats
    src = chain_function(args.ops)
    engine = ExecutionEngine(src)
    x, y = 0.5, 0.25
    engine.lookup("chain")(x, y)
    print(f"compile {args.ops}-op function: {engine.compile_time * 1e3:.0f} ms ({fmt_timings(engine)})")

    # 2. the matmul
    n = args.size
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    flops = 2.0 * n * n * n
    t_np = min(timeit.repeat(lambda: a @ b, number=1, repeat=max(args.repeat, 5)))
    print(f"numpy {n}x{n}x{n} f32 matmul: {t_np * 1e3:.2f} ms, {flops / t_np / 1e9:.2f} GFLOP/s")
    use_affine = affine_available()
    text = affine_matmul(n) if use_affine else scf_matmul(n)
    kind = "affine" if use_affine else "scf (affine dialect unavailable)"
    variants = [("naive", None)]
    if use_affine:
        tile = f"affine-loop-tile{{tile-size={args.tile}}}"
        variants.append((tile, f"func.func({tile})"))
    want = a @ b
    for label, pre in variants:
        try:
            eng = compile_engine(text, pre)
        except SystemExit as e:
            print(f"{kind} matmul {label}: not run ({e})")
            continue
        fn = eng.lookup("matmul")
        c = np.zeros((n, n), np.float32)
        fn(a, b, c)
        err = float(np.max(np.abs(c - want)))
        t = min(_timed_zeroed(fn, a, b, n) for _ in range(args.repeat))
        print(f"{kind} matmul {label} -O3: compile {eng.compile_time * 1e3:.0f} ms ({fmt_timings(eng)}); "
              f"{t * 1e3:.1f} ms, {flops / t / 1e9:.2f} GFLOP/s, {t / t_np:.1f}x numpy's time "
              f"(max abs error {err:.1e})")

    # 3. per-call overhead
    eng = ExecutionEngine(EMPTY3)
    m = [rng.standard_normal((64, 64)).astype(np.float32) for _ in range(3)]
    for name, call_args in (("three", m), ("three_dynamic", m), ("scalar", (1.5, 7, 2.5))):
        fn = eng.lookup(name)
        number = 20000
        best = min(timeit.repeat(lambda: fn(*call_args), number=number, repeat=5)) / number
        print(f"per-call overhead, @{name} ({', '.join(s.type_text for s in fn.signature.inputs)}): "
              f"{best * 1e6:.2f} us")
    base = min(timeit.repeat(lambda: np.add(m[0], m[1], out=m[2]), number=20000, repeat=5)) / 20000
    print(f"(for scale: numpy np.add(a, b, out=c) on 64x64 f32: {base * 1e6:.2f} us)")
    return 0


def _timed_zeroed(fn, a, b, n) -> float:
    c = np.zeros((n, n), np.float32)
    t0 = time.perf_counter()
    fn(a, b, c)
    return time.perf_counter() - t0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    sys.exit(main())

