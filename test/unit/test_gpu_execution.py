"""Kernels compiled by mlir_py, run on an NVIDIA GPU.

Two kinds of test over the same modules (test/unit/Inputs/gpu):
- on a GPU (skipped without one, saying why): results against numpy on
  random inputs of odd sizes;
- on any machine with a C compiler, against the fake driver (cuda_fake.py):
  the whole path from gpu-dialect IR to host code that loads the PTX and
  launches, with what reaches cuLaunchKernel checked (grid, block, the
  kernel's parameters); the fake runs no kernel, but its copies and fills
  are real, so `gpu.alloc`/`memcpy`/`memset`/`wait` are checked for values.
"""

from __future__ import annotations

import pathlib
import struct

import cuda_fake
import numpy as np
import pytest
from mlir_py.execution import ExecutionEngine, cuda

ROOT = pathlib.Path(__file__).resolve().parents[2]
INPUTS = pathlib.Path(__file__).parent / "Inputs" / "gpu"
fake_driver_path, fake_driver = cuda_fake.fake_driver_path, cuda_fake.fake_driver  # fixtures

NO_GPU = cuda.unavailable_reason()
needs_gpu = pytest.mark.skipif(NO_GPU is not None, reason=f"needs a CUDA GPU: {NO_GPU}")


def source(name: str) -> str:
    return (INPUTS / name).read_text()


def rand(rng, *shape) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


# -- on a GPU ------------------------------------------------------------------------


@needs_gpu
@pytest.mark.parametrize("n", [1, 255, 4099])
def test_elementwise_kernel(n):
    rng = np.random.default_rng(n)
    x, y = rand(rng, n), rand(rng, n)
    out = np.full(n, np.nan, np.float32)
    ExecutionEngine(source("axpy.mir"), gpu=True).lookup("main")(x, y, out, np.float32(-1.75))
    np.testing.assert_allclose(out, np.maximum(np.float32(-1.75) * x + y, 0), rtol=1e-6, atol=1e-6)


@needs_gpu
@pytest.mark.parametrize("n", [32, 1000, 70001])
def test_reduction_with_warp_shuffles(n):
    rng = np.random.default_rng(n)
    x = rand(rng, n)
    warps = -(-n // 32)
    out = np.zeros(warps, np.float32)
    ExecutionEngine(source("warp_sums.mir"), gpu=True).lookup("main")(x, out)
    want = np.pad(x, (0, warps * 32 - n)).reshape(warps, 32).sum(axis=1)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


@needs_gpu
@pytest.mark.parametrize("m, k, n", [(37, 29, 53), (128, 96, 64), (1, 1, 1)])
def test_tiled_matmul_with_shared_memory(m, k, n):
    rng = np.random.default_rng(m * k * n)
    a, b = rand(rng, m, k), rand(rng, k, n)
    c = np.zeros((m, n), np.float32)
    ExecutionEngine(source("tiled_matmul.mir"), gpu=True).lookup("main")(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-4)


@needs_gpu
def test_device_buffers_copies_and_fills():
    rng = np.random.default_rng(7)
    x = rand(rng, 1001)
    out, filled = np.zeros_like(x), np.zeros(77, np.float32)
    ExecutionEngine(source("async_copies.mir"), gpu=True).lookup("main")(x, out, filled, np.float32(3.0),
                                                                        np.float32(-0.5))
    np.testing.assert_allclose(out, 3 * x, rtol=1e-6)
    assert (filled == -0.5).all()


@needs_gpu
def test_graph_level_elementwise_through_the_pipeline():
    rng = np.random.default_rng(3)
    t = "tensor<37x129xf32>"
    text = f"""func.func @main(%x: {t}, %b: tensor<129xf32>) -> {t} {{
      %0 = graph.add %x, %b : ({t}, tensor<129xf32>) -> {t}
      %1 = graph.relu %0 : {t}
      %2 = graph.mul %1, %x : ({t}, {t}) -> {t}
      return %2 : {t}
    }}"""
    x, b = rand(rng, 37, 129), rand(rng, 129)
    got = ExecutionEngine(text, gpu=True).lookup("main")(x, b)
    np.testing.assert_allclose(got, np.maximum(x + b, 0) * x, rtol=1e-6, atol=1e-6)


@needs_gpu
def test_mlp_example_on_the_gpu():
    p = np.load(ROOT / "examples" / "mlp" / "weights.npz")
    x = np.load(ROOT / "examples" / "mlp" / "x.npy")
    got = ExecutionEngine.from_file(ROOT / "examples" / "mlp" / "mlp.mir", gpu=True).lookup("main")(x)
    h = np.maximum(x @ p["w1"] + p["b1"], np.float32(0))
    z = h @ p["w2"] + p["b2"]
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(axis=-1, keepdims=True), rtol=1e-5, atol=1e-5)


# -- against the fake driver -----------------------------------------------------------


def test_launch_reaches_the_driver_with_the_kernel_abi(fake_driver):
    fn = ExecutionEngine(source("axpy.mir"), gpu=True).lookup("main")
    n = 1000
    x, y = np.arange(n, dtype=np.float32), np.ones(n, np.float32)
    out = np.full(n, 7.0, np.float32)
    sizes = [8] * 15 + [4, 8]  # three rank-1 descriptors, then f32 and index
    fake_driver.expect_params(sizes)
    launches = fake_driver.counter("fake_launches")
    fn(x, y, out, np.float32(2.5))
    assert fake_driver.counter("fake_launches") == launches + 1
    assert fake_driver.last_function() == "axpy_relu"
    assert fake_driver.dims() == ((4, 1, 1), (256, 1, 1), 0)
    words = [struct.unpack("<q", p)[0] for p in fake_driver.params(sizes[:15])]
    for d in range(3):  # allocated == aligned (the staged buffer), offset 0, size n, stride 1
        allocated, aligned, offset, size, stride = words[5 * d:5 * d + 5]
        assert allocated == aligned != 0 and (offset, size, stride) == (0, n, 1)
    assert len({words[0], words[5], words[10]}) == 3
    last = fake_driver.params(sizes)
    assert struct.unpack("<f", last[15])[0] == 2.5 and struct.unpack("<q", last[16])[0] == n
    assert (out == 7.0).all()  # the fake runs no kernel, and the staged copy came back unchanged
    ptx = fake_driver.last_image()  # the kernel declares the parameters the host passed, in order
    entry = ptx[ptx.index(".entry axpy_relu("):]
    kinds = [line.split()[1] for line in entry[:entry.index(")")].splitlines() if ".param" in line]
    assert kinds == [".u64"] * 15 + [".f32", ".u64"]


def test_device_memory_copies_fills_and_streams(fake_driver):
    fn = ExecutionEngine(source("async_copies.mir"), gpu=True).lookup("main")
    rng = np.random.default_rng(0)
    x = rand(rng, 101)
    out, filled = np.zeros_like(x), np.zeros(9, np.float32)
    frees = fake_driver.counter("fake_frees")
    fn(x, out, filled, np.float32(3.0), np.float32(-0.5))
    np.testing.assert_array_equal(out, x)  # copied in and out through a device buffer (no kernel ran)
    assert (filled == -0.5).all()
    assert fake_driver.counter("fake_frees") >= frees + 1  # gpu.dealloc


def test_returned_gpu_buffer_is_owned_by_python(fake_driver):
    fn = ExecutionEngine(source("copy_out.mir"), gpu=True).lookup("main")
    x = np.arange(13, dtype=np.float32)
    frees = fake_driver.counter("fake_frees")
    got = fn(x)
    np.testing.assert_array_equal(got, x)
    before = fake_driver.counter("fake_frees")
    del got
    assert fake_driver.counter("fake_frees") == before + 1 and before >= frees


def test_a_failed_launch_is_a_cuda_error_and_the_next_call_works(fake_driver):
    fn = ExecutionEngine(source("axpy.mir"), gpu=True).lookup("main")
    x = np.ones(10, np.float32)
    fake_driver.set("launch", 701)
    with pytest.raises(cuda.CudaError, match=r"cuLaunchKernel failed \(grid \(1, 1, 1\), block \(256, 1, 1\).*\): "
                                             "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"):
        fn(x, x.copy(), x.copy(), np.float32(1.0))
    fake_driver.set("launch", 0)
    launches = fake_driver.counter("fake_launches")
    fn(x, x.copy(), x.copy(), np.float32(1.0))
    assert fake_driver.counter("fake_launches") == launches + 1


def test_ptx_the_driver_rejects_is_reported_with_the_jit_log(fake_driver):
    text = source("axpy.mir").replace("@axpy_relu", "@INVALID_kernel")  # the fake rejects PTX saying INVALID
    fn = ExecutionEngine(text, gpu=True).lookup("main")
    x = np.ones(4, np.float32)
    with pytest.raises(cuda.CudaError, match="cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX") as info:
        fn(x, x.copy(), x.copy(), np.float32(1.0))
    assert "fake error" in info.value.log


def test_engine_without_a_driver_says_why(tmp_path, monkeypatch):
    from mlir_py.execution.cuda.context import reset
    monkeypatch.setenv("MLIR_PY_LIBCUDA", str(tmp_path / "libcuda.so.1"))
    reset()
    try:
        with pytest.raises(cuda.CudaUnavailable, match="cannot load the CUDA driver library"):
            ExecutionEngine("func.func @main() { return }", gpu=True)
    finally:
        monkeypatch.delenv("MLIR_PY_LIBCUDA")
        reset()


def test_mir_run_gpu_without_a_driver(tmp_path, monkeypatch, capsys):
    from mlir_py.execution.cuda.context import reset
    from mlir_py.tools.mir_run import main
    monkeypatch.setenv("MLIR_PY_LIBCUDA", str(tmp_path / "libcuda.so.1"))
    reset()
    try:
        assert main([str(INPUTS / "copy_out.mir"), "--gpu"]) == 1
    finally:
        monkeypatch.delenv("MLIR_PY_LIBCUDA")
        reset()
    err = capsys.readouterr().err
    assert err.startswith("mir-run: error: no CUDA driver/GPU available: cannot load the CUDA driver library")
    assert "Traceback" not in err


def test_mir_run_gpu_with_the_fake_driver(fake_driver, tmp_path, capsys):
    from mlir_py.tools.mir_run import main
    x = np.arange(5, dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    assert main([str(INPUTS / "copy_out.mir"), "--gpu", "--arg", str(tmp_path / "x.npy"),
                 "-o", str(tmp_path / "out.npz")]) == 0, capsys.readouterr().err
    np.testing.assert_array_equal(np.load(tmp_path / "out.npz")["result0"], x)


F32 = np.float32
#: each test module with arguments for a small call
CALLS = {
    "axpy.mir": lambda rng: (rand(rng, 50), rand(rng, 50), np.zeros(50, F32), F32(2)),
    "warp_sums.mir": lambda rng: (rand(rng, 100), np.zeros(4, F32)),
    "tiled_matmul.mir": lambda rng: (rand(rng, 5, 7), rand(rng, 7, 3), np.zeros((5, 3), F32)),
    "async_copies.mir": lambda rng: (rand(rng, 9), np.zeros(9, F32), np.zeros(3, F32), F32(2), F32(1)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_kernels_load_as_ptx_that_ptxas_accepts(fake_driver, name):
    from mlir_py.target.ptx.ptxas import assemble, find_ptxas
    fn = ExecutionEngine(source(name), gpu=True).lookup("main")
    launches = fake_driver.counter("fake_launches")
    fn(*CALLS[name](np.random.default_rng(0)))
    assert fake_driver.counter("fake_launches") == launches + 1
    ptx = fake_driver.last_image()
    assert ".visible .entry" in ptx and ".target sm_80" in ptx
    if find_ptxas() is None:
        pytest.skip("no ptxas to assemble the PTX with (the [gpu-test] extra)")
    for arch in ("sm_80", "sm_90"):
        assert assemble(ptx, arch)


GRAPH_ELEMENTWISE = """func.func @main(%x: tensor<37x129xf32>, %b: tensor<129xf32>) -> tensor<37x129xf32> {
  %0 = graph.add %x, %b : (tensor<37x129xf32>, tensor<129xf32>) -> tensor<37x129xf32>
  %1 = graph.relu %0 : tensor<37x129xf32>
  return %1 : tensor<37x129xf32>
}"""


def test_graph_level_function_compiles_and_launches(fake_driver):
    """--lower-to-llvm=target=gpu end to end: 16x16 tiles on blocks and threads."""
    rng = np.random.default_rng(1)
    fn = ExecutionEngine(GRAPH_ELEMENTWISE, gpu=True).lookup("main")
    launches = fake_driver.counter("fake_launches")
    out = fn(rand(rng, 37, 129), rand(rng, 129))
    assert out.shape == (37, 129) and out.dtype == np.float32
    assert fake_driver.counter("fake_launches") == launches + 1
    assert fake_driver.dims()[:2] == ((9, 3, 1), (16, 16, 1))
