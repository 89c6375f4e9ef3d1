"""mir-run (DESIGN §3): runs a function on .npy inputs, saves or prints the
results, benchmarks; every bad input is one error line (with the source line
when there is a location), exit 1, no traceback."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from mlir_py.tools.mir_run import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
MLP = str(ROOT / "test" / "unit" / "Inputs" / "dense_layer.mir")  # loop level: relu(x @ w + b)
rng = np.random.default_rng(99)

SCALARS = """func.func @axpb(%x: memref<?xf32>, %a: f32, %b: i32) -> (memref<?xf32>, i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  %bf = arith.sitofp %b : i32 to f32
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    %m = arith.mulf %v, %a : f32
    %s = arith.addf %m, %bf : f32
    memref.store %s, %y[%i] : memref<?xf32>
  }
  %two = arith.constant 2 : i32
  %b2 = arith.muli %b, %two : i32
  return %y, %b2 : memref<?xf32>, i32
}
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mlp_inputs(tmp_path):
    x = rng.standard_normal((4, 8)).astype(np.float32)
    w = rng.standard_normal((8, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    paths = []
    for name, v in (("x", x), ("w", w), ("b", b)):
        p = tmp_path / f"{name}.npy"
        np.save(p, v)
        paths.append(p)
    return (x, w, b), paths


def test_saves_results_to_npz(capsys, tmp_path, mlp_inputs):
    (x, w, b), (px, pw, pb) = mlp_inputs
    out = tmp_path / "out.npz"
    code, stdout, err = run(capsys, MLP, "--arg", px, "--arg", pw, "--arg", pb, "-o", out)
    assert (code, stdout, err) == (0, "", "")
    with np.load(out) as z:
        assert list(z.keys()) == ["result0"]
        np.testing.assert_allclose(z["result0"], np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)


def test_prints_numpy_repr(capsys, mlp_inputs):
    (x, w, b), (px, pw, pb) = mlp_inputs
    code, out, err = run(capsys, MLP, "--arg", px, "--arg", pw, "--arg", pb, "-O0")
    assert code == 0 and err == ""
    assert out.startswith("result0 = array([[") and out.rstrip().endswith("dtype=float32)")
    with np.printoptions(threshold=np.inf):
        want = np.maximum(x @ w + b, 0)
    got = eval(out.split("=", 1)[1], {"array": np.array, "float32": np.float32})  # noqa: S307 - our own output
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_scalars_in_order_and_several_results(capsys, tmp_path):
    src = tmp_path / "s.mir"
    src.write_text(SCALARS)
    x = rng.standard_normal(10).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "o.npz"
    code, _, err = run(capsys, src, "-e", "axpb", "--arg", tmp_path / "x.npy", "--arg-scalar", "-1.5:f32",
                       "--arg-scalar", "7", "-o", out)
    assert (code, err) == (0, "")
    with np.load(out) as z:
        np.testing.assert_allclose(z["result0"], x * np.float32(-1.5) + 7, rtol=1e-6)
        assert z["result1"] == 14 and z["result1"].dtype == np.int32


def test_benchmark(capsys, mlp_inputs):
    _, (px, pw, pb) = mlp_inputs
    code, out, err = run(capsys, MLP, "--arg", px, "--arg", pw, "--arg", pb, "--benchmark=5")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("compile time: ") and lines[0].endswith(" ms")
    assert lines[1].startswith("@main: 5 calls after a warm-up, min ") and lines[1].endswith(" ms per call")
    assert "median" in lines[1] and lines[2].startswith("result0 = array(")


def _error(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert "Traceback" not in err
    return err


def test_wrong_dtype_rank_shape_are_located(capsys, tmp_path, mlp_inputs):
    (x, w, b), (px, pw, pb) = mlp_inputs
    bad = tmp_path / "bad.npy"
    np.save(bad, x.astype(np.float64))
    err = _error(capsys, MLP, "--arg", bad, "--arg", pw, "--arg", pb)
    assert err.startswith(f"{MLP}:4:1: error: argument 0 of @main has dtype float64, but memref<4x8xf32> needs "
                          f"float32 (from --arg {bad})\nfunc.func @main(")
    np.save(bad, x.reshape(32))
    assert "argument 0 of @main has rank 1 (shape (32,)), but memref<4x8xf32> has rank 2" in \
        _error(capsys, MLP, "--arg", bad, "--arg", pw, "--arg", pb)
    np.save(bad, w.T)
    assert "argument 1 of @main has shape (3, 8), but memref<8x3xf32> needs 8x3 (dimension 0 must be 8)" in \
        _error(capsys, MLP, "--arg", px, "--arg", bad, "--arg", pb)


def test_too_few_arguments(capsys, mlp_inputs):
    _, (px, pw, _) = mlp_inputs
    err = _error(capsys, MLP, "--arg", px, "--arg", pw)
    assert err.startswith(f"{MLP}:4:1: error: @main takes 3 arguments (memref<4x8xf32>, memref<8x3xf32>, "
                          "memref<3xf32>), got 2\n")


def test_missing_function(capsys, mlp_inputs):
    assert _error(capsys, MLP, "-e", "nope") == \
        "mir-run: error: no public function @nope in the module (available: @main)\n"


def test_bad_npy_files(capsys, tmp_path, mlp_inputs):
    _, (px, pw, pb) = mlp_inputs
    junk = tmp_path / "junk.npy"
    junk.write_bytes(b"not numpy at all")
    assert _error(capsys, MLP, "--arg", junk, "--arg", pw, "--arg", pb).startswith(
        f"mir-run: error: cannot read argument '{junk}': not a valid .npy file")
    assert _error(capsys, MLP, "--arg", tmp_path / "missing.npy", "--arg", pw, "--arg", pb) == \
        f"mir-run: error: cannot read argument '{tmp_path / 'missing.npy'}': No such file or directory\n"
    npz = tmp_path / "z.npz"
    np.savez(npz, a=np.zeros(3))
    assert "it is an .npz archive" in _error(capsys, MLP, "--arg", npz, "--arg", pw, "--arg", pb)


def test_scalar_and_array_mix_ups(capsys, tmp_path, mlp_inputs):
    _, (px, pw, pb) = mlp_inputs
    assert "argument 1 of @main is a memref<8x3xf32>: give it as an array with --arg FILE.npy, not --arg-scalar 2" \
        in _error(capsys, MLP, "--arg", px, "--arg-scalar", "2", "--arg", pb)
    src = tmp_path / "s.mir"
    src.write_text(SCALARS)
    np.save(tmp_path / "x.npy", rng.standard_normal(3).astype(np.float32))
    assert "argument 1 of @axpb has type f32, but --arg-scalar 2:i32 is i32" in \
        _error(capsys, src, "-e", "axpb", "--arg", tmp_path / "x.npy", "--arg-scalar", "2:i32", "--arg-scalar", "1")
    assert "argument 2 of @axpb: --arg-scalar 1.5 is not a valid i32 value" in \
        _error(capsys, src, "-e", "axpb", "--arg", tmp_path / "x.npy", "--arg-scalar", "2", "--arg-scalar", "1.5")
    assert "argument 2 of @axpb is a scalar (i32): give it with --arg-scalar" in \
        _error(capsys, src, "-e", "axpb", "--arg", tmp_path / "x.npy", "--arg-scalar", "2", "--arg", px)
    assert "argument 2 of @axpb = 4294967296 is out of range for i32" in \
        _error(capsys, src, "-e", "axpb", "--arg", tmp_path / "x.npy", "--arg-scalar", "2", "--arg-scalar",
               str(2**32))


def test_bad_source_and_flags(capsys, tmp_path):
    src = tmp_path / "bad.mir"
    src.write_text("func.func @main() {\n  %x = arith.addi : i32\n}\n")
    assert _error(capsys, src).startswith(f"{src}:2:")
    assert _error(capsys, tmp_path / "none.mir") == \
        f"mir-run: error: could not open input file '{tmp_path / 'none.mir'}': No such file or directory\n"
    assert _error(capsys, MLP, "--benchmark=0") == \
        "mir-run: error: argument --benchmark: expected a positive number of calls, got '0'\n"
    assert "invalid choice: '9'" in _error(capsys, MLP, "-O9")
    assert _error(capsys, MLP, "--gpu-arch=sm_90") == "mir-run: error: --gpu-arch needs --gpu\n"
    from mlir_py.execution import cuda
    if not cuda.available():  # test_gpu_execution.py runs --gpu where there is a GPU (or the fake driver)
        assert _error(capsys, MLP, "--gpu").startswith("mir-run: error: no CUDA driver/GPU available: ")


def test_runs_a_module_lowered_by_mir_opt(capsys, tmp_path, mlp_inputs):
    from mlir_py.tools.mir_opt import main as mir_opt
    (x, w, b), (px, pw, pb) = mlp_inputs
    lowered = tmp_path / "mlp.llvm.mir"
    assert mir_opt(["--lower-to-llvm", MLP, "-o", str(lowered)]) == 0
    assert "llvm.func @_mlir_ciface_main(" in lowered.read_text() and "func.func @" not in lowered.read_text()
    out = tmp_path / "out.npz"
    code, stdout, err = run(capsys, lowered, "--arg", px, "--arg", pw, "--arg", pb, "-o", out)
    assert (code, stdout, err) == (0, "", "")
    with np.load(out) as z:
        np.testing.assert_allclose(z["result0"], np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)
    bad = tmp_path / "bad.npy"
    np.save(bad, w.T)
    err = _error(capsys, lowered, "--arg", px, "--arg", bad, "--arg", pb)
    assert "error: argument 1 of @main has shape (3, 8), but memref<8x3xf32> needs 8x3 (dimension 0 must be 8)" \
        in err and "\n  llvm.func @_mlir_ciface_main(" in err


PARALLEL = """func.func @main(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %v = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %v, %m[%i] : memref<8xf32>
    scf.reduce
  }
  return
}
"""


def test_an_unlocated_compile_error_is_one_tool_error_line(tmp_path):
    """A bad MLIR_PY_NUM_THREADS fails the compilation with no IR location: `mir-run: error: ...`, exit 1
    (in a child process: the variable is read once per process, when the thread pool starts)."""
    import os
    import subprocess
    import sys
    src, arg = tmp_path / "par.mir", tmp_path / "m.npy"
    src.write_text(PARALLEL)
    np.save(arg, np.zeros(8, np.float32))
    env = dict(os.environ, MLIR_PY_NUM_THREADS="abc")
    p = subprocess.run([sys.executable, "-m", "mlir_py.tools.mir_run", str(src), "--arg", str(arg)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 1
    assert p.stderr.startswith("mir-run: error: the module has parallel loops, but the thread pool is unavailable: "
                               "MLIR_PY_NUM_THREADS='abc'"), p.stderr
    assert "Traceback" not in p.stderr
