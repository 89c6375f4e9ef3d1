"""Parallel loops on the thread pool, end to end (`--lower-to-llvm` runs
`convert-scf-parallel-to-threads`; execution/thread_pool.py runs the loops):
compared with numpy on random data of odd sizes under 1, 2 and 3 threads,
reductions independent of the thread count, nested parallel loops (in one
function, and reached through a call from inside a running loop),
affine.parallel, scf.forall and linalg through parallel loops; the thread count from
the pass option, the runtime default and `MLIR_PY_NUM_THREADS`; application
threads calling parallel code at once; no threads
leaked by many engines, and a clean exit with the pool busy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from mlir_py.execution import ExecutionEngine
from mlir_py.execution import thread_pool as tp

import mlir_py as mp
from mlir_py.pass_manager import PassManager

RNG = np.random.default_rng(20261203)
SIZES = [(1, 1), (7, 3), (257, 5), (1023, 2)]

KERNELS = """
func.func @affine_map(%x: memref<?x?xf32>, %y: memref<?x?xf32>, %b: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<?x?xf32>
    %s = arith.mulf %v, %two : f32
    %t = arith.addf %s, %b : f32
    %r = arith.maximumf %t, %zero : f32
    memref.store %r, %y[%i, %j] : memref<?x?xf32>
    scf.reduce
  }
  return
}

// every third row, from row 1: a lower bound and a step that are not 0 and 1
func.func @strided_rows(%x: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  scf.parallel (%i) = (%c1) to (%m) step (%c3) {
    scf.for %j = %c0 to %n step %c1 {
      %v = memref.load %x[%i, %j] : memref<?x?xf32>
      %w = arith.negf %v : f32
      memref.store %w, %x[%i, %j] : memref<?x?xf32>
    }
    scf.reduce
  }
  return
}

func.func @sum(%x: memref<?xf32>, %init: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%init) -> f32 {
    %v = memref.load %x[%i] : memref<?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%l: f32, %rr: f32):
      %s = arith.addf %l, %rr : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}

// integer sum and float max of a 2-D array in one loop
func.func @sum_max(%x: memref<?x?xi32>, %y: memref<?x?xf32>) -> (i32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i32
  %lowest = arith.constant 0xFF800000 : f32
  %m = memref.dim %x, %c0 : memref<?x?xi32>
  %n = memref.dim %x, %c1 : memref<?x?xi32>
  %r:2 = scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) init (%zero, %lowest) -> (i32, f32) {
    %a = memref.load %x[%i, %j] : memref<?x?xi32>
    %b = memref.load %y[%i, %j] : memref<?x?xf32>
    scf.reduce(%a, %b : i32, f32) {
    ^bb0(%l: i32, %rr: i32):
      %s = arith.addi %l, %rr : i32
      scf.reduce.return %s : i32
    }, {
    ^bb0(%l: f32, %rr: f32):
      %s = arith.maximumf %l, %rr : f32
      scf.reduce.return %s : f32
    }
  }
  return %r#0, %r#1 : i32, f32
}

// a parallel loop inside a parallel loop: y[i, j] = x[i, j] + i
func.func @nested(%x: memref<?x?xf32>, %y: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    %ii = arith.index_cast %i : index to i32
    %fi = arith.sitofp %ii : i32 to f32
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %v = memref.load %x[%i, %j] : memref<?x?xf32>
      %s = arith.addf %v, %fi : f32
      memref.store %s, %y[%i, %j] : memref<?x?xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// row sums, each by a function with a parallel reduction of its own, called
// from a parallel loop: the inner loops find the pool busy and run serially
func.func private @row_sum(%x: memref<?x?xf32>, %i: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  %r = scf.parallel (%j) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %v = memref.load %x[%i, %j] : memref<?x?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%l: f32, %rr: f32):
      %s = arith.addf %l, %rr : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}

func.func @row_sums(%x: memref<?x?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    %s = func.call @row_sum(%x, %i) : (memref<?x?xf32>, index) -> f32
    memref.store %s, %out[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

func.func @forall_square(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.forall (%i) in (%n) {
    %v = memref.load %x[%i] : memref<?xf32>
    %w = arith.mulf %v, %v : f32
    memref.store %w, %x[%i] : memref<?xf32>
  }
  return
}

// iteration 0 waits (up to 250 x 2 ms) until iteration 1 has set the flag,
// then reports what it saw: 1 only if the two ran at the same time
func.func private @usleep(i32) -> i32

func.func @rendezvous(%flag: memref<1xi32>, %met: memref<1xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %tries = arith.constant 250 : i32
  %pause = arith.constant 2000 : i32
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    %first = arith.cmpi eq, %i, %c0 : index
    scf.if %first {
      %n = scf.while (%k = %zero) : (i32) -> i32 {
        %s = func.call @usleep(%pause) : (i32) -> i32
        %v = memref.load %flag[%c0] : memref<1xi32>
        %unset = arith.cmpi eq, %v, %zero : i32
        %more = arith.cmpi slt, %k, %tries : i32
        %go = arith.andi %unset, %more : i1
        scf.condition(%go) %k : i32
      } do {
      ^bb0(%k: i32):
        %k1 = arith.addi %k, %one : i32
        scf.yield %k1 : i32
      }
      %v = memref.load %flag[%c0] : memref<1xi32>
      memref.store %v, %met[%c0] : memref<1xi32>
    } else {
      memref.store %one, %flag[%c0] : memref<1xi32>
    }
    scf.reduce
  }
  return
}

func.func @affine_scale(%x: memref<?xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %three = arith.constant 3.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  affine.parallel (%i) = (0) to (%n) {
    %v = affine.load %x[%i] : memref<?xf32>
    %w = arith.mulf %v, %three : f32
    affine.store %w, %y[%i] : memref<?xf32>
  }
  return
}
"""


@pytest.fixture(scope="module")
def engine():
    e = ExecutionEngine(KERNELS)
    assert "mlir_py_parallel_for" in e.llvm_ir
    yield e
    tp.set_num_threads(tp.default_num_threads())


@pytest.fixture(params=[1, 2, 3], ids=["1-thread", "2-threads", "3-threads"])
def threads(request):
    tp.set_num_threads(request.param)
    return request.param


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("shape", SIZES, ids=str)
def test_elementwise_and_strided(engine, threads, shape):
    x = rand(*shape)
    y = np.full_like(x, np.nan)
    engine["affine_map"](x, y, np.float32(0.25))
    np.testing.assert_array_equal(y, np.maximum(x * np.float32(2) + np.float32(0.25), 0))
    z = x.copy()
    engine["strided_rows"](z)
    expect = x.copy()
    expect[1::3] *= -1
    np.testing.assert_array_equal(z, expect)


def test_iterations_run_at_the_same_time(engine):
    """With 2 threads the two iterations overlap (iteration 0 sees iteration 1's store while it waits);
    on one thread they cannot."""
    for threads, expect in ((2, 1), (1, 0)):
        tp.set_num_threads(threads)
        flag, met = np.zeros(1, np.int32), np.full(1, -1, np.int32)
        engine["rendezvous"](flag, met)
        assert met[0] == expect and flag[0] == 1, threads


def test_reductions(engine, threads):
    for n in (0, 1, 7, 257, 1023, 100_003):
        x = rand(n)
        got = engine["sum"](x, np.float32(1.5))
        assert got == pytest.approx(float(x.astype(np.float64).sum()) + 1.5, rel=1e-4, abs=1e-3)
    for m, n in SIZES:
        a = RNG.integers(-1000, 1000, (m, n)).astype(np.int32)
        b = rand(m, n)
        s, mx = engine["sum_max"](a, b)
        assert s == int(a.sum()) and mx == float(b.max())


def test_reduction_does_not_depend_on_thread_count(engine):
    x = rand(100_003)
    results = set()
    for t in (1, 2, 3, 5):
        tp.set_num_threads(t)
        results.add(float(engine["sum"](x, np.float32(0))))
    assert len(results) == 1


@pytest.mark.parametrize("shape", SIZES, ids=str)
def test_nested_parallel_loops(engine, threads, shape):
    x = rand(*shape)
    y = np.empty_like(x)
    engine["nested"](x, y)
    np.testing.assert_array_equal(y, x + np.arange(shape[0], dtype=np.float32)[:, None])
    out = np.empty(shape[0], dtype=np.float32)
    engine["row_sums"](x, out)
    np.testing.assert_allclose(out, x.astype(np.float64).sum(axis=1), rtol=1e-5, atol=1e-5)


def test_affine_parallel_and_forall(engine, threads):
    x = rand(1023)
    y = np.empty_like(x)
    engine["affine_scale"](x, y)
    np.testing.assert_array_equal(y, x * np.float32(3))
    engine["forall_square"](y)
    np.testing.assert_array_equal(y, (x * np.float32(3)) ** 2)


MATMUL = """
func.func @matmul(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}
"""


@pytest.mark.parametrize("num_threads", [2, 3])
def test_linalg_through_parallel_loops_with_the_pass_option(num_threads):
    """The pipeline's `parallel-loops` (convert-linalg-to-parallel-loops) and `num-threads` options."""
    ctx = mp.Context.with_available_dialects()
    module = mp.parse(ctx, MATMUL)
    pm = PassManager.parse(f"builtin.module(lower-to-llvm{{parallel-loops num-threads={num_threads}}})")
    assert pm.run(module)
    e = ExecutionEngine(module)
    assert f"i32 {num_threads})" in e.llvm_ir
    for m, k, n in ((1, 1, 1), (7, 5, 3), (33, 17, 65)):
        a, b = rand(m, k), rand(k, n)
        c = rand(m, n)
        expect = c + a @ b
        e["matmul"](a, b, c)
        np.testing.assert_allclose(c, expect, rtol=1e-5, atol=1e-5)


def test_default_thread_count_from_the_environment():
    assert tp.default_num_threads({"MLIR_PY_NUM_THREADS": "3"}) == 3
    assert tp.default_num_threads({}) == len(os.sched_getaffinity(0))
    for bad in ("0", "-2", "two", "257"):
        with pytest.raises(ValueError, match="MLIR_PY_NUM_THREADS"):
            tp.default_num_threads({"MLIR_PY_NUM_THREADS": bad})
    with pytest.raises(ValueError, match="thread count"):
        tp.set_num_threads(0)


SMALL = """
func.func @inc(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<?xf32>
    %w = arith.addf %v, %one : f32
    memref.store %w, %x[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
"""


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
def test_many_engines_leak_no_threads():
    tp.shutdown()  # the pool of earlier tests' thread counts
    tp.set_num_threads(3)
    try:
        ExecutionEngine(SMALL)["inc"](np.zeros(64, np.float32))
        before = _os_threads()
        module = mp.parse(mp.Context.with_available_dialects(), SMALL)
        for _ in range(50):
            x = np.zeros(64, np.float32)
            ExecutionEngine(module, opt_level=0)["inc"](x)
            assert (x == 1).all()
        assert _os_threads() == before
        assert tp.num_workers() <= 2
        tp.shutdown()  # join the workers now; the next loop starts them again
        assert tp.num_workers() == 0 and _os_threads() == before - 2
        x = np.zeros(64, np.float32)
        ExecutionEngine(module, opt_level=0)["inc"](x)
        assert (x == 1).all() and tp.num_workers() == 2
    finally:
        tp.set_num_threads(tp.default_num_threads())


def test_concurrent_callers():
    """Application threads calling parallel code at once: one gets the pool, the others run serially."""
    f = ExecutionEngine(SMALL)["inc"]
    tp.set_num_threads(3)
    errors: list = []

    def work():
        for _ in range(30):
            x = np.zeros(5000, np.float32)
            f(x)
            if not (x == 1).all():
                errors.append(x)

    try:
        pool = [threading.Thread(target=work) for _ in range(4)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    finally:
        tp.set_num_threads(tp.default_num_threads())
    assert not errors


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_gets_a_pool_of_its_own():
    e = ExecutionEngine(SMALL)
    tp.set_num_threads(2)
    e["inc"](np.zeros(64, np.float32))
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        x = np.zeros(1000, np.float32)
        e["inc"](x)
        os._exit(0 if (x == 1).all() else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


EXIT_SCRIPT = textwrap.dedent("""
    import threading, numpy as np
    from mlir_py.execution import ExecutionEngine
    from mlir_py.execution import thread_pool as tp
    assert tp.get_num_threads() == 3, tp.get_num_threads()
    f = ExecutionEngine('''{kernel}''')["inc"]
    x = np.zeros(1 << 16, np.float32)
    f(x)
    assert (x == 1).all() and tp.num_workers() == 2
    def spin():  # still calling into the pool when the interpreter exits
        y = np.zeros(1 << 16, np.float32)
        while True:
            f(y)
    threading.Thread(target=spin, daemon=True).start()
    print("done")
""")


def test_exit_with_the_pool_busy(tmp_path):
    env = dict(os.environ, MLIR_PY_NUM_THREADS="3")
    script = tmp_path / "exit.py"
    script.write_text(EXIT_SCRIPT.format(kernel=SMALL))
    r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "done", r.stderr


def test_bad_environment_is_a_compilation_error(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("from mlir_py.execution import CompilationError, ExecutionEngine\n"
                      f"try:\n    ExecutionEngine('''{SMALL}''')\n"
                      "except CompilationError as e:\n    print(e)\n")
    env = dict(os.environ, MLIR_PY_NUM_THREADS="many")
    r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "MLIR_PY_NUM_THREADS='many': expected an integer from 1 to 256" in r.stdout

