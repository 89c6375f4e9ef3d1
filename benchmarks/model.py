"""The ML-layer performance targets of issue 8, side by side with numpy in one run, single-threaded.

(a) y = max(x*2 + b, 0) over 4096x4096 f32, b a row vector: one fused loop nest, against numpy's
    `np.maximum(x*2 + b, 0)` (target: >= 3x faster) and against one numpy pass over the same array,
    `np.multiply(x, 2, out=y)` (the memory floor; target: within 1.5x of it);
(b) softmax over the rows of 4096x1024 f32 against numpy's stable softmax (target: faster);
(c) matmul 512x512x512 f32 against numpy's `a @ b` (target: >= 30% of its GFLOP/s);
(d) an MLP and a small CNN end to end, and the compile time from graph IR to a callable
    (target: under 2 s for the CNN).

Each kernel is measured in two forms when the layers are there:
- "linalg, out=": linalg on memrefs whose output is a function argument, so the output is preallocated
  as in numpy's `out=`; compiled with linalg-codegen-matmul, linalg-vectorize-innermost,
  convert-linalg-to-loops and --lower-to-llvm;
- "graph": the graph-level function through the whole --lower-to-llvm pipeline; its result is a buffer
  allocated by the compiled code on every call (the tensor ABI has no out= form), which numpy's
  expression also does.
numpy runs with one BLAS thread: threadpoolctl when installed, else OPENBLAS_NUM_THREADS=1 (and the
OMP/MKL variables) set before numpy loads; the line "numpy threads:" says which.

    python benchmarks/model.py [--repeat 10] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # before numpy loads its BLAS: one thread, like the compiled code

import numpy as np  # noqa: E402

try:  # noqa: SIM105
    from threadpoolctl import threadpool_limits  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - optional
    threadpool_limits = None

ID2 = "affine_map<(d0, d1) -> (d0, d1)>"
ROW = "affine_map<(d0, d1) -> (d1)>"
COL = "affine_map<(d0, d1) -> (d0)>"
#: what runs before --lower-to-llvm for linalg-on-memref input (when the pipeline already has them,
#: running them again is a no-op)
PRE = ["linalg-codegen-matmul", "linalg-vectorize-innermost", "convert-linalg-to-loops"]


# -- the kernels as linalg on memrefs, outputs preallocated -------------------------------------------


def ew_linalg(r: int, c: int) -> str:
    t = f"memref<{r}x{c}xf32>"
    return f"""func.func @f(%x: {t}, %b: memref<{c}xf32>, %y: {t}) {{
  %two = arith.constant 2.0 : f32
  %zero = arith.constant 0.0 : f32
  linalg.generic {{indexing_maps = [{ID2}, {ROW}, {ID2}], iterator_types = ["parallel", "parallel"]}}
      ins(%x, %b : {t}, memref<{c}xf32>) outs(%y : {t}) {{
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %two : f32
    %1 = arith.addf %0, %in_0 : f32
    %2 = arith.maximumf %1, %zero : f32
    linalg.yield %2 : f32
  }}
  return
}}"""


def softmax_linalg(r: int, c: int) -> str:
    """The stable softmax as convert-graph-to-linalg writes it (max, exp(x - max), sum, divide), the
    exponentials going straight into the output."""
    t, v = f"memref<{r}x{c}xf32>", f"memref<{r}xf32>"
    red = '["parallel", "reduction"]'
    par = '["parallel", "parallel"]'
    return f"""func.func @f(%x: {t}, %y: {t}) {{
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.alloc() {{alignment = 64 : i64}} : {v}
  %s = memref.alloc() {{alignment = 64 : i64}} : {v}
  linalg.fill ins(%ninf : f32) outs(%m : {v})
  linalg.generic {{indexing_maps = [{ID2}, {COL}], iterator_types = {red}}} ins(%x : {t}) outs(%m : {v}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %out : f32
    linalg.yield %0 : f32
  }}
  linalg.generic {{indexing_maps = [{ID2}, {COL}, {ID2}], iterator_types = {par}}}
      ins(%x, %m : {t}, {v}) outs(%y : {t}) {{
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.subf %in, %in_0 : f32
    %1 = math.exp %0 : f32
    linalg.yield %1 : f32
  }}
  linalg.fill ins(%zero : f32) outs(%s : {v})
  linalg.generic {{indexing_maps = [{ID2}, {COL}], iterator_types = {red}}} ins(%y : {t}) outs(%s : {v}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }}
  linalg.generic {{indexing_maps = [{COL}, {ID2}], iterator_types = {par}}} ins(%s : {v}) outs(%y : {t}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = arith.divf %out, %in : f32
    linalg.yield %0 : f32
  }}
  memref.dealloc %m : {v}
  memref.dealloc %s : {v}
  return
}}"""


def matmul_linalg(m: int, k: int, n: int) -> str:
    a, b, c = f"memref<{m}x{k}xf32>", f"memref<{k}x{n}xf32>", f"memref<{m}x{n}xf32>"
    return f"""func.func @f(%a: {a}, %b: {b}, %c: {c}) {{
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : {c})
  linalg.matmul ins(%a, %b : {a}, {b}) outs(%c : {c})
  return
}}"""


# -- compiling and timing -----------------------------------------------------------------------------


def compile_linalg(text: str):
    """(engine, seconds): PRE, then the ExecutionEngine's own --lower-to-llvm and JIT."""
    from mlir_py.execution import ExecutionEngine

    import mlir_py as mp
    from mlir_py.pass_manager import PassManager

    t0 = time.perf_counter()
    module = mp.parse(mp.Context().load_all_available_dialects(), text)
    pm = PassManager()
    for p in PRE:
        pm.add(p)
    if not pm.run(module):
        raise SystemExit("pre-pipeline failed")
    engine = ExecutionEngine(module, opt_level=3)
    return engine, time.perf_counter() - t0


def best(fn, repeat: int) -> float:
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def np_softmax(x):
    m = x.max(axis=1, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=1, keepdims=True)


def graph_available() -> bool:
    """Whether this build lowers graph IR: the model builder exists and --lower-to-llvm starts at graph."""
    try:
        from mlir_py.frontend import GraphBuilder  # noqa: F401
        from mlir_py.passes.conversions.pipelines import LOWER_TO_LLVM
    except ImportError:
        return False
    return any(p.startswith("convert-graph-to-linalg") for p in LOWER_TO_LLVM)


def compile_graph(g):
    """(function, seconds) for a GraphBuilder's graph, from building the module to a callable."""
    t0 = time.perf_counter()
    fn = g.compile()
    return fn, time.perf_counter() - t0


def report(label: str, t: float, ref: float, ref_label: str, extra: str = "") -> None:
    print(f"  {label}: {t * 1e3:8.2f} ms   {ref_label} {ref * 1e3:8.2f} ms   ratio {ref / t:5.2f}x{extra}")


# -- (a) .. (d) ---------------------------------------------------------------------------------------------


def part_a(rng, repeat: int, r: int, c: int, graph: bool) -> None:
    print(f"(a) y = max(x*2 + b, 0), {r}x{c} f32, b a row vector")
    x = rng.standard_normal((r, c), dtype=np.float32)
    b = rng.standard_normal(c, dtype=np.float32)
    y = np.empty_like(x)
    want = np.maximum(x * 2 + b, 0)
    t_np = best(lambda: np.maximum(x * 2 + b, 0), repeat)
    t_floor = best(lambda: np.multiply(x, 2, out=y), repeat)
    print(f"  numpy np.maximum(x*2+b, 0): {t_np * 1e3:.2f} ms (allocates); "
          f"np.multiply(x, 2, out=y): {t_floor * 1e3:.2f} ms (preallocated, the memory floor)")
    eng, ct = compile_linalg(ew_linalg(r, c))
    fn = eng.lookup("f")
    fn(x, b, y)
    assert np.allclose(y, want)
    t = best(lambda: fn(x, b, y), repeat)
    print(f"  linalg, out= (preallocated): {t * 1e3:.2f} ms: {t_np / t:.2f}x faster than numpy's expression "
          f"(target >= 3), {t / t_floor:.2f}x the floor (target <= 1.5); compile {ct:.2f} s")
    if graph:
        from mlir_py.frontend import GraphBuilder
        g = GraphBuilder("main")
        xi = g.input((r, c), "f32")
        g.output(g.relu(g.add(g.mul(xi, g.constant(np.float32(2.0))), g.input((c,), "f32"))))
        gf, gct = compile_graph(g)
        assert np.allclose(gf(x, b), want)
        tg = best(lambda: gf(x, b), repeat)
        print(f"  graph (result allocated per call): {tg * 1e3:.2f} ms: {t_np / tg:.2f}x faster than numpy's "
              f"expression, {tg / t_floor:.2f}x the floor; compile {gct:.2f} s")


def part_b(rng, repeat: int, r: int, c: int, graph: bool) -> None:
    print(f"(b) softmax over the rows of {r}x{c} f32")
    x = rng.standard_normal((r, c), dtype=np.float32)
    y = np.empty_like(x)
    want = np_softmax(x)
    t_np = best(lambda: np_softmax(x), repeat)
    eng, ct = compile_linalg(softmax_linalg(r, c))
    fn = eng.lookup("f")
    fn(x, y)
    assert np.allclose(y, want, rtol=1e-5, atol=1e-7)
    t = best(lambda: fn(x, y), repeat)
    report("linalg, out= (preallocated)", t, t_np, "numpy (allocates)", f" (target > 1); compile {ct:.2f} s")
    if graph:
        from mlir_py.frontend import GraphBuilder
        g = GraphBuilder("main")
        g.output(g.softmax(g.input((r, c), "f32"), axis=-1))
        gf, gct = compile_graph(g)
        assert np.allclose(gf(x), want, rtol=1e-5, atol=1e-7)
        tg = best(lambda: gf(x), repeat)
        report("graph (result allocated per call)", tg, t_np, "numpy", f"; compile {gct:.2f} s")


def part_c(rng, repeat: int, n: int, graph: bool) -> None:
    print(f"(c) matmul {n}x{n}x{n} f32")
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    flops = 2.0 * n ** 3
    t_np = best(lambda: a @ b, repeat)
    eng, ct = compile_linalg(matmul_linalg(n, n, n))
    fn = eng.lookup("f")
    fn(a, b, c)
    assert np.allclose(c, a @ b, rtol=1e-4, atol=1e-3)
    t = best(lambda: fn(a, b, c), repeat)
    print(f"  numpy a @ b: {flops / t_np / 1e9:.1f} GFLOP/s")
    print(f"  linalg, out= (preallocated): {flops / t / 1e9:.1f} GFLOP/s = {t_np / t:.0%} of numpy "
          f"(target >= 30%); compile {ct:.2f} s")
    if graph:
        from mlir_py.frontend import GraphBuilder
        g = GraphBuilder("main")
        g.output(g.matmul(g.input((n, n), "f32"), g.input((n, n), "f32")))
        gf, gct = compile_graph(g)
        assert np.allclose(gf(a, b), a @ b, rtol=1e-4, atol=1e-3)
        tg = best(lambda: gf(a, b), repeat)
        print(f"  graph (result allocated per call): {flops / tg / 1e9:.1f} GFLOP/s = {t_np / tg:.0%} of numpy; "
              f"compile {gct:.2f} s")


def _mlp(rng, batch: int):
    from mlir_py.frontend import GraphBuilder
    w1 = (rng.standard_normal((784, 256)) * 0.05).astype(np.float32)
    b1 = rng.standard_normal(256).astype(np.float32)
    w2 = (rng.standard_normal((256, 10)) * 0.05).astype(np.float32)
    b2 = rng.standard_normal(10).astype(np.float32)
    g = GraphBuilder("main")
    x = g.input((batch, 784), "f32")
    h = g.relu(g.add(g.matmul(x, g.constant(w1, name="w1")), g.constant(b1, name="b1")))
    g.output(g.softmax(g.add(g.matmul(h, g.constant(w2, name="w2")), g.constant(b2, name="b2")), axis=-1))

    def ref(xv):
        return np_softmax(np.maximum(xv @ w1 + b1, 0) @ w2 + b2)
    return g, ref, (batch, 784)


def _cnn(rng, batch: int):
    from mlir_py.frontend import GraphBuilder
    cw = (rng.standard_normal((8, 1, 3, 3)) * 0.3).astype(np.float32)
    cb = rng.standard_normal(8).astype(np.float32)
    fw = (rng.standard_normal((8 * 13 * 13, 10)) * 0.05).astype(np.float32)
    fb = rng.standard_normal(10).astype(np.float32)
    g = GraphBuilder("main")
    x = g.input((batch, 1, 28, 28), "f32")
    h = g.relu(g.conv2d(x, g.constant(cw, name="conv.w"), g.constant(cb, name="conv.b")))
    h = g.max_pool2d(h, kernel=[2, 2], strides=[2, 2])
    h = g.flatten(h, axis=1)
    g.output(g.softmax(g.gemm(h, g.constant(fw, name="fc.w"), g.constant(fb, name="fc.b")), axis=-1))

    def ref(xv):
        win = np.lib.stride_tricks.sliding_window_view(xv, (3, 3), axis=(2, 3))  # n, 1, 26, 26, 3, 3
        conv = np.tensordot(win, cw, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2) + cb[None, :, None, None]
        r = np.maximum(conv, 0)
        p = r.reshape(batch, 8, 13, 2, 13, 2).max(axis=(3, 5))
        return np_softmax(p.reshape(batch, -1) @ fw + fb)
    return g, ref, (batch, 1, 28, 28)


def part_d(rng, repeat: int) -> None:
    print("(d) models end to end (graph IR -> callable; results allocated per call)")
    for name, make, batch in (("MLP 784-256-10", _mlp, 64), ("CNN conv3x3x8-relu-pool-fc10", _cnn, 16)):
        try:
            g, ref, shape = make(rng, batch)
            fn, ct = compile_graph(g)
        except Exception as e:  # a layer missing on this branch: say so, keep going
            print(f"  {name}: not run ({type(e).__name__}: {str(e).splitlines()[0][:120]})")
            continue
        x = rng.standard_normal(shape, dtype=np.float32)
        got, want = fn(x), ref(x)
        err = float(np.max(np.abs(got - want)))
        t = best(lambda: fn(x), repeat)
        t_np = best(lambda: ref(x), repeat)
        print(f"  {name}, batch {batch}: compile {ct:.2f} s; {t * 1e3:.2f} ms per call, numpy {t_np * 1e3:.2f} ms "
              f"(ratio {t_np / t:.2f}x); max |diff| {err:.1e}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run, not the targets)")
    args = ap.parse_args(argv)
    import llvmlite.binding as llvm

    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, LLVM {'.'.join(map(str, llvm.llvm_version_info))} ({llvm.get_host_cpu_name()})")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if threadpool_limits is not None:
        threadpool_limits(1)
        print("numpy threads: 1 (threadpoolctl.threadpool_limits(1))")
    else:
        print(f"numpy threads: OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']} (threadpoolctl not installed)")
    graph = graph_available()
    if not graph:
        print("graph-level forms: not run (no convert-graph-to-linalg in --lower-to-llvm on this build)")
    rng = np.random.default_rng(0)
    q = args.quick
    part_a(rng, args.repeat, 512 if q else 4096, 512 if q else 4096, graph)
    part_b(rng, args.repeat, 512 if q else 4096, 256 if q else 1024, graph)
    part_c(rng, args.repeat, 128 if q else 512, graph)
    if graph:
        part_d(rng, max(3, args.repeat // 2))
    return 0


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
