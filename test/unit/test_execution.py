"""ExecutionEngine end to end (DESIGN §5): .mir source -> --lower-to-llvm ->
LLVM IR -> JIT, called with numpy arrays on random inputs and compared with
numpy; every bad argument is a Python exception before any native call."""

from __future__ import annotations

import gc
import os
import pathlib

import numpy as np
import pytest
from mlir_py.execution import (
    ArgumentError,
    CompilationError,
    ExecutionEngine,
    FunctionNotFoundError,
    UnsupportedSignatureError,
)
from mlir_py.execution.marshal import Allocation

import mlir_py as mp

ROOT = pathlib.Path(__file__).resolve().parents[2]
rng = np.random.default_rng(1234)


def rand(*shape, dtype=np.float32):
    return (rng.standard_normal(shape) * 2).astype(dtype)


MATMUL = """
func.func @matmul(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf32>
  %k = memref.dim %a, %c1 : memref<?x?xf32>
  %n = memref.dim %b, %c1 : memref<?x?xf32>
  scf.for %i = %c0 to %m step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      %init = memref.load %c[%i, %j] : memref<?x?xf32>
      %dot = scf.for %l = %c0 to %k step %c1 iter_args(%acc = %init) -> (f32) {
        %x = memref.load %a[%i, %l] : memref<?x?xf32>
        %y = memref.load %b[%l, %j] : memref<?x?xf32>
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %acc, %p : f32
        scf.yield %s : f32
      }
      memref.store %dot, %c[%i, %j] : memref<?x?xf32>
    }
  }
  return
}

func.func @scaled(%x: memref<?xf32>, %s: f32) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    %w = arith.mulf %v, %s : f32
    memref.store %w, %y[%i] : memref<?xf32>
  }
  return %y : memref<?xf32>
}

func.func @sum_and_max(%x: memref<16xf32>) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.000000e+00 : f32
  %first = memref.load %x[%c0] : memref<16xf32>
  %r:2 = scf.for %i = %c0 to %c16 step %c1 iter_args(%s = %zero, %m = %first) -> (f32, f32) {
    %v = memref.load %x[%i] : memref<16xf32>
    %s1 = arith.addf %s, %v : f32
    %m1 = arith.maximumf %m, %v : f32
    scf.yield %s1, %m1 : f32, f32
  }
  return %r#0, %r#1 : f32, f32
}

func.func private @helper() -> i32 {
  %c = arith.constant 7 : i32
  return %c : i32
}
"""


@pytest.fixture(scope="module")
def engine():
    return ExecutionEngine(MATMUL, opt_level=2)


def test_matmul_in_place_vs_numpy(engine):
    fn = engine.lookup("matmul")
    for m, k, n in ((5, 7, 3), (16, 9, 12), (1, 4, 1)):
        a, b, c = rand(m, k), rand(k, n), rand(m, n)
        want = c + a @ b
        assert fn(a, b, c) is None
        np.testing.assert_allclose(c, want, rtol=1e-4, atol=1e-5)


def test_returned_memref_vs_numpy_and_ownership(engine):
    x = rand(257)
    before = Allocation.live
    y = engine.lookup("scaled")(x, -1.75)
    assert Allocation.live == before + 1
    np.testing.assert_allclose(y, x * np.float32(-1.75), rtol=1e-6)
    del y
    gc.collect()
    assert Allocation.live == before


def test_several_scalar_results(engine):
    x = rand(16)
    s, m = engine.lookup("sum_and_max")(x)
    assert isinstance(s, np.float32) and isinstance(m, np.float32)
    assert s == pytest.approx(float(x.sum()), rel=1e-5, abs=1e-5)
    assert m == x.max()


def test_private_functions_are_not_callable(engine):
    with pytest.raises(FunctionNotFoundError) as e:
        engine.lookup("helper")
    assert str(e.value) == "no public function @helper in the module (available: @matmul, @scaled, @sum_and_max)"
    assert engine.function_names == ["matmul", "scaled", "sum_and_max"]


CONTROL = """
// gcd by scf.while, the number of steps as a second result
func.func @gcd(%a: i64, %b: i64) -> (i64, i32) {
  %c0 = arith.constant 0 : i64
  %z = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %r:3 = scf.while (%x = %a, %y = %b, %n = %z) : (i64, i64, i32) -> (i64, i64, i32) {
    %more = arith.cmpi ne, %y, %c0 : i64
    scf.condition(%more) %x, %y, %n : i64, i64, i32
  } do {
  ^bb0(%x: i64, %y: i64, %n: i32):
    %rem = arith.remsi %x, %y : i64
    %n1 = arith.addi %n, %one : i32
    scf.yield %y, %rem, %n1 : i64, i64, i32
  }
  return %r#0, %r#2 : i64, i32
}

// recursion through func.call
func.func @fib(%n: i32) -> i64 {
  %c2 = arith.constant 2 : i32
  %one = arith.constant 1 : i32
  %small = arith.cmpi slt, %n, %c2 : i32
  %r = scf.if %small -> (i64) {
    %e = arith.extsi %n : i32 to i64
    scf.yield %e : i64
  } else {
    %n1 = arith.subi %n, %one : i32
    %n2 = arith.subi %n, %c2 : i32
    %f1 = func.call @fib(%n1) : (i32) -> i64
    %f2 = func.call @fib(%n2) : (i32) -> i64
    %s = arith.addi %f1, %f2 : i64
    scf.yield %s : i64
  }
  return %r : i64
}

// integer arithmetic wraps (two's complement), as numpy's fixed-width integers
func.func @wrap(%a: i32, %b: i32, %c: i8) -> (i32, i32, i8, i1) {
  %s = arith.addi %a, %b : i32
  %p = arith.muli %a, %b : i32
  %c100 = arith.constant 100 : i8
  %t = arith.addi %c, %c100 : i8
  %lt = arith.cmpi ult, %a, %b : i32
  return %s, %p, %t, %lt : i32, i32, i8, i1
}

func.func @math(%x: memref<64xf32>, %y: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %x[%i] : memref<64xf32>
    %e = math.exp %v : f32
    %t = math.tanh %v : f32
    %a = math.absf %v : f32
    %r = math.sqrt %a : f32
    %s1 = arith.addf %e, %t : f32
    %s2 = arith.addf %s1, %r : f32
    memref.store %s2, %y[%i] : memref<64xf32>
  }
  return
}
"""


@pytest.fixture(scope="module")
def control():
    return ExecutionEngine(CONTROL)


def test_while_loop(control):
    import math
    gcd = control.lookup("gcd")
    for _ in range(5):
        a, b = (int(v) for v in rng.integers(1, 10**12, size=2))
        g, steps = gcd(a, b)
        assert g == math.gcd(a, b) and isinstance(g, np.int64) and isinstance(steps, np.int32)
        assert steps >= 1


def test_recursion(control):
    want = [0, 1]
    for _ in range(30):
        want.append(want[-1] + want[-2])
    fib = control.lookup("fib")
    for n in (0, 1, 2, 17, 25):
        assert fib(n) == want[n]


def test_integer_wraparound(control):
    wrap = control.lookup("wrap")
    for _ in range(20):
        a, b = (int(v) for v in rng.integers(-2**31, 2**31, size=2))
        c = int(rng.integers(-128, 128))
        s, p, t, lt = wrap(a, b, c)
        with np.errstate(over="ignore"):
            assert s == np.int32(a) + np.int32(b)
            assert p == np.int32(a) * np.int32(b)
            assert t == np.int8(c) + np.int8(100)
        assert lt == (a % 2**32 < b % 2**32)


def test_math_functions_within_tolerance(control):
    x = rand(64)
    y = np.empty(64, np.float32)
    control.lookup("math")(x, y)
    want = np.exp(x) + np.tanh(x) + np.sqrt(np.abs(x))
    np.testing.assert_allclose(y, want, rtol=2e-6, atol=1e-6)


VIEWS = """
// a subview of the argument comes back as a view of the caller's array
func.func @inner(%x: memref<6x8xf32>) -> memref<4x4xf32, strided<[8, 1], offset: 10>> {
  %v = memref.subview %x[1, 2] [4, 4] [1, 1] : memref<6x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 10>>
  return %v : memref<4x4xf32, strided<[8, 1], offset: 10>>
}

// a strided argument: any numpy view of matching rank
func.func @total(%x: memref<?x?xf32, strided<[?, ?], offset: ?>>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.000000e+00 : f32
  %m = memref.dim %x, %c0 : memref<?x?xf32, strided<[?, ?], offset: ?>>
  %n = memref.dim %x, %c1 : memref<?x?xf32, strided<[?, ?], offset: ?>>
  %r = scf.for %i = %c0 to %m step %c1 iter_args(%a = %zero) -> (f32) {
    %r2 = scf.for %j = %c0 to %n step %c1 iter_args(%b = %a) -> (f32) {
      %v = memref.load %x[%i, %j] : memref<?x?xf32, strided<[?, ?], offset: ?>>
      %s = arith.addf %b, %v : f32
      scf.yield %s : f32
    }
    scf.yield %r2 : f32
  }
  return %r : f32
}

memref.global "private" constant @table : memref<4xi32> = dense<[3, -1, 4, 1]>

func.func @table_copy() -> memref<4xi32> {
  %t = memref.get_global @table : memref<4xi32>
  return %t : memref<4xi32>
}
"""


def test_subview_result_is_a_view_of_the_argument():
    e = ExecutionEngine(VIEWS)
    x = rand(6, 8)
    before = Allocation.live
    v = e.lookup("inner")(x)
    assert Allocation.live == before
    np.testing.assert_array_equal(v, x[1:5, 2:6])
    assert np.shares_memory(v, x)
    v[0, 0] = 42.0
    assert x[1, 2] == 42.0


def test_strided_arguments():
    f = ExecutionEngine(VIEWS).lookup("total")
    x = rand(9, 10)
    for view in (x, x[::2, 1::3], x.T, x[::-1, ::-2]):
        assert f(view) == pytest.approx(float(view.astype(np.float64).sum()), rel=1e-4, abs=1e-4)


def test_global_result_is_copied():
    e = ExecutionEngine(VIEWS)
    t = e.lookup("table_copy")()
    np.testing.assert_array_equal(t, np.array([3, -1, 4, 1], np.int32))
    t[0] = 0
    assert e.lookup("table_copy")()[0] == 3


# -- bad input ----------------------------------------------------------------------

def test_each_bad_argument(engine):
    fn = engine.lookup("matmul")
    a, b, c = rand(3, 4), rand(4, 2), rand(3, 2)
    cases = [
        ((a.astype(np.float64), b, c), "argument 0 of @matmul has dtype float64, but memref<?x?xf32> needs float32"),
        ((a, b[0], c), "argument 1 of @matmul has rank 1 (shape (2,)), but memref<?x?xf32> has rank 2"),
        ((a, b, np.asfortranarray(rand(3, 2))), "argument 2 of @matmul is not C-contiguous"),
        ((a, b), "@matmul takes 3 arguments (memref<?x?xf32>, memref<?x?xf32>, memref<?x?xf32>), got 2"),
        ((a, b, c, c), "@matmul takes 3 arguments"),
        ((a, b, 1.0), "argument 2 of @matmul must be a numpy array (memref<?x?xf32>), not float"),
    ]
    for args, message in cases:
        with pytest.raises(ArgumentError) as e:
            fn(*args)
        assert message in str(e.value)
        assert e.value.location is not None and e.value.location.file_line_col()[1] == 2  # the func.func line
    with pytest.raises(ArgumentError, match=r"argument 0 of @sum_and_max has shape \(15,\), but memref<16xf32> "
                                            r"needs 16 \(dimension 0 must be 16\)"):
        engine.lookup("sum_and_max")(rand(15))
    with pytest.raises(ArgumentError, match="argument 1 of @scaled must be a real number"):
        engine.lookup("scaled")(rand(3), "2")


def test_compile_errors_are_located():
    with pytest.raises(CompilationError) as e:
        ExecutionEngine("func.func @f() {\n  %x = arith.addi : i32\n}", filename="bad.mir")
    assert str(e.value).startswith("bad.mir:2:")
    with pytest.raises(CompilationError) as e:
        ExecutionEngine("func.func @f(%a: i32) -> f32 {\n  return %a : i32\n}", filename="bad.mir")
    assert "bad.mir:2:3: error: type of return operand 0 ('i32') doesn't match" in str(e.value)
    with pytest.raises(TypeError):
        ExecutionEngine(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="opt_level"):
        ExecutionEngine(MATMUL, opt_level=5)


def test_unsupported_signature_is_reported_at_lookup():
    e = ExecutionEngine("func.func @v(%x: vector<4xf32>) -> vector<4xf32> {\n  return %x : vector<4xf32>\n}\n"
                        "func.func @ok(%x: i32) -> i32 {\n  return %x : i32\n}", filename="v.mir")
    with pytest.raises(UnsupportedSignatureError, match="@v: argument 0 of type vector<4xf32> is not supported") as ex:
        e.lookup("v")
    assert ex.value.location.file_line_col() == ("v.mir", 1, 1)
    assert e.lookup("ok")(-5) == -5


def test_module_operation_is_not_changed(tmp_path):
    ctx = mp.Context.with_available_dialects()
    module = mp.parse(ctx, MATMUL)
    before = str(module)
    e = ExecutionEngine(module, opt_level=0)
    assert str(module) == before
    a, b, c = rand(2, 3), rand(3, 4), rand(2, 4)
    want = c + a @ b
    e.lookup("matmul")(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-6)
    path = tmp_path / "m.mir"
    path.write_text(MATMUL)
    want = c + a @ b
    ExecutionEngine.from_file(path, opt_level=1).lookup("matmul")(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-6)


def test_llvm_dialect_input_is_not_lowered_again():
    e = ExecutionEngine("llvm.func @twice(%a: i32) -> i32 {\n  %0 = llvm.add %a, %a : i32\n  llvm.return %0 : i32\n}")
    assert e.input_was_llvm
    assert e.lookup("twice")(21) == 42


def test_example_mlp_matches_numpy():
    """examples/mlp/mlp.mir is graph level, its weights dense_resource blobs (weights.npz has them)."""
    e = ExecutionEngine.from_file(ROOT / "examples" / "mlp" / "mlp.mir")
    p = np.load(ROOT / "examples" / "mlp" / "weights.npz")
    x = rand(8, 64)
    z = np.maximum(x @ p["w1"] + p["b1"], 0) @ p["w2"] + p["b2"]
    want = np.exp(z - z.max(axis=-1, keepdims=True))
    want /= want.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(e.lookup("main")(x), want, rtol=1e-5, atol=1e-6)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS is read from /proc (Linux)")
def test_no_leak_over_10000_calls(engine):
    f = engine.lookup("scaled")
    x = rand(4096)  # a 16 KiB result per call: 160 MiB if they leaked
    for _ in range(100):
        f(x, 0.5)
    gc.collect()
    live, rss = Allocation.live, _rss_bytes()
    for _ in range(10_000):
        y = f(x, 0.5)
    del y
    gc.collect()
    assert Allocation.live == live
    assert _rss_bytes() - rss < 8 * 2**20


AFFINE_MATMUL = """
func.func @matmul(%a: memref<24x20xf32>, %b: memref<20x18xf32>, %c: memref<24x18xf32>) {
  affine.for %i = 0 to 24 {
    affine.for %j = 0 to 18 {
      affine.for %k = 0 to 20 {
        %x = affine.load %a[%i, %k] : memref<24x20xf32>
        %y = affine.load %b[%k, %j] : memref<20x18xf32>
        %z = affine.load %c[%i, %j] : memref<24x18xf32>
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %z, %p : f32
        affine.store %s, %c[%i, %j] : memref<24x18xf32>
      }
    }
  }
  return
}
"""


@pytest.mark.parametrize("tile", [None, 8])
def test_affine_matmul_naive_and_tiled(tile):
    module = mp.parse(mp.Context.with_available_dialects(), AFFINE_MATMUL)
    if tile is not None:  # tiles of 8 leave partial tiles (24x18x20): min/max bounds
        from mlir_py.pass_manager import PassManager
        assert PassManager.parse(f"builtin.module(func.func(affine-loop-tile{{tile-size={tile}}}))").run(module)
        assert "to min #map" in str(module)
    fn = ExecutionEngine(module).lookup("matmul")
    a, b, c = rand(24, 20), rand(20, 18), rand(24, 18)
    want = c + a @ b
    fn(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-4, atol=1e-5)


# -- input already lowered ------------------------------------------------------------


def _lowered(text: str, generic: bool = False) -> str:
    """`text` after --lower-to-llvm, printed: what `mir-opt --lower-to-llvm` writes."""
    module = mp.parse(mp.Context.with_available_dialects(), text)
    pm = mp.PassManager()
    pm.add("lower-to-llvm")
    assert pm.run(module)
    return mp.to_string(module, generic=generic)


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
def test_lowered_input_is_called_with_its_source_signatures(engine, generic):
    lowered = ExecutionEngine(_lowered(MATMUL, generic), opt_level=2)
    assert lowered.input_was_llvm
    # a private func.func stays linkable after lowering (external llvm.func): callable like any scalar llvm.func
    assert lowered.function_names == ["helper", *engine.function_names]
    assert engine.function_names == ["matmul", "scaled", "sum_and_max"]
    assert lowered.signatures["scaled"].inputs == engine.signatures["scaled"].inputs
    a, b = rand(6, 5), rand(5, 4)
    c1 = rand(6, 4)
    c2 = c1.copy()
    engine.lookup("matmul")(a, b, c1)
    lowered.lookup("matmul")(a, b, c2)
    np.testing.assert_array_equal(c1, c2)
    x = rand(33)
    np.testing.assert_array_equal(lowered.lookup("scaled")(x, 0.625), engine.lookup("scaled")(x, 0.625))
    x = rand(16)
    assert lowered.lookup("sum_and_max")(x) == engine.lookup("sum_and_max")(x)
    assert lowered.lookup("sum_and_max")(x)[1] == x.max()


def test_lowered_input_checks_arguments_as_the_source_does():
    e = ExecutionEngine(_lowered(MATMUL), filename="low.mir")
    fn = e.lookup("matmul")
    a, b, c = rand(3, 4), rand(4, 2), rand(3, 2)
    with pytest.raises(ArgumentError, match="argument 0 of @matmul has dtype float64, but memref<.x.xf32> needs "
                                            "float32") as ex:
        fn(a.astype(np.float64), b, c)
    file, line, _ = ex.value.location.file_line_col()
    assert file == "low.mir" and "llvm.func @_mlir_ciface_matmul(" in _lowered(MATMUL).splitlines()[line - 1]
    with pytest.raises(ArgumentError, match=r"@matmul takes 3 arguments \(memref<\?x\?xf32>, memref<\?x\?xf32>, "
                                            r"memref<\?x\?xf32>\), got 2"):
        fn(a, b)
    with pytest.raises(ArgumentError, match=r"argument 0 of @sum_and_max has shape \(15,\), but memref<16xf32> "
                                            r"needs 16 \(dimension 0 must be 16\)"):
        e.lookup("sum_and_max")(rand(15))


def test_lowered_source_signature_must_match_the_wrapper():
    text = _lowered(MATMUL).replace("func.function_type = (memref<16xf32>) -> (f32, f32)",
                                    "func.function_type = (memref<16xf32>, f32) -> (f32, f32)")
    assert "(memref<16xf32>, f32) -> (f32, f32)" in text
    e = ExecutionEngine(text)
    with pytest.raises(UnsupportedSignatureError, match="@_mlir_ciface_sum_and_max: its func.function_type "
                                                        "attribute .* does not match its type"):
        e.lookup("sum_and_max")
    assert e.lookup("scaled")(np.arange(3, dtype=np.float32), 2.0).tolist() == [0.0, 2.0, 4.0]


def test_verify_each_environment_variable(monkeypatch):
    """MLIR_PY_VERIFY_EACH=1 (the test suite's setting) verifies after every pass of the engine's pipeline,
    0 once at the end (the default); anything else is a clear CompilationError."""
    src = "func.func @f(%a: f32) -> f32 {\n  %0 = arith.addf %a, %a : f32\n  return %0 : f32\n}\n"
    for value in ("0", "1"):
        monkeypatch.setenv("MLIR_PY_VERIFY_EACH", value)
        assert ExecutionEngine(src, opt_level=0).lookup("f")(1.5) == 3.0
    monkeypatch.setenv("MLIR_PY_VERIFY_EACH", "yes")
    with pytest.raises(CompilationError, match="MLIR_PY_VERIFY_EACH='yes': expected 0 or 1"):
        ExecutionEngine(src, opt_level=0)
