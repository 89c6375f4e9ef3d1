"""The CUDA driver runtime (mlir_py.execution.cuda) without a GPU: the
no-driver path, error translation and argument packing against a fake
driver (cuda_fake.py), whose "device memory" is host memory."""

from __future__ import annotations

import ctypes
import struct

import cuda_fake
import numpy as np
import pytest
from mlir_py.execution import cuda
from mlir_py.execution.cuda.context import reset
from mlir_py.execution.cuda.driver import LIBRARY_ENV

fake_driver_path, fake_driver = cuda_fake.fake_driver_path, cuda_fake.fake_driver  # fixtures


def test_missing_driver_is_unavailable_not_a_crash(monkeypatch, tmp_path):
    monkeypatch.setenv(LIBRARY_ENV, str(tmp_path / "libcuda.so.1"))
    reset()
    try:
        reason = cuda.unavailable_reason()
        assert reason is not None and reason.startswith("cannot load the CUDA driver library")
        assert not cuda.available()
        with pytest.raises(cuda.CudaUnavailable, match="cannot load the CUDA driver library"):
            cuda.DeviceBuffer(16)
        with pytest.raises(cuda.CudaUnavailable):  # the failure is remembered, and raised again
            cuda.get_driver()
    finally:
        monkeypatch.delenv(LIBRARY_ENV)
        reset()


def test_init_failure_and_no_device(fake_driver):
    fake_driver.set("init", 100)
    with pytest.raises(cuda.CudaUnavailable, match="cuInit failed: CUDA_ERROR_NO_DEVICE: no CUDA-capable device"):
        cuda.default_context()
    reset()
    fake_driver.set("init", 0)
    fake_driver.set("devices", 0)
    assert "sees no device" in (cuda.unavailable_reason() or "")


def test_device_properties(fake_driver):
    ctx = cuda.default_context()
    d = ctx.device
    assert (d.name, d.arch, d.multiprocessors, d.warp_size, d.managed_memory) == ("Fake GPU", "sm_90", 132, 32, True)
    assert ctx.memory_info() == (1 << 29, 1 << 30)
    assert cuda.get_driver().version() == (12, 4)


def test_error_names_the_call_the_code_and_the_size(fake_driver):
    fake_driver.set("alloc", 2)
    with pytest.raises(cuda.CudaError) as info:
        cuda.DeviceBuffer(1 << 20)
    e = info.value
    assert (e.call, e.code, e.name, e.description) == ("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory")
    assert str(e) == "cuMemAlloc_v2 failed (1048576 bytes): CUDA_ERROR_OUT_OF_MEMORY: out of memory"


@pytest.mark.parametrize("code, name", [(719, "CUDA_ERROR_LAUNCH_FAILED"), (12345, "CUresult 12345")])
def test_error_names_the_driver_cannot_give(fake_driver, code, name):
    fake_driver.set("alloc", code)
    with pytest.raises(cuda.CudaError) as info:
        cuda.DeviceBuffer(8)
    assert info.value.name == name
    assert info.value.description == "no description from the driver"


def test_buffers_copy_fill_and_free(fake_driver):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((37, 5)).astype(np.float32)
    buf = cuda.DeviceBuffer.from_array(a)
    np.testing.assert_array_equal(buf.copy_to_host(dtype=np.float32, shape=a.shape), a)
    other = cuda.DeviceBuffer(a.nbytes, managed=True)
    with cuda.Stream() as s:
        other.copy_from(buf, stream=s)
        out = np.empty_like(a)
        other.copy_to_host(out, stream=s)
        s.synchronize()
    np.testing.assert_array_equal(out, a)
    buf.fill_u32(int(np.float32(-2.5).view(np.uint32)))
    assert (buf.copy_to_host(dtype=np.float32) == -2.5).all()
    buf.fill_u8(7)
    assert (buf.copy_to_host() == 7).all()
    with pytest.raises(ValueError, match="has 740 bytes, the device buffer 4"):
        cuda.DeviceBuffer(4).copy_from_host(a)
    with pytest.raises(ValueError, match="C-contiguous"):
        buf.copy_from_host(a.T)
    with pytest.raises(ValueError, match="multiple of 4"):
        cuda.DeviceBuffer(6).fill_u32(1)
    frees = fake_driver.counter("fake_frees")
    buf.free()
    buf.free()  # once only
    del other
    assert fake_driver.counter("fake_frees") == frees + 2


def test_module_load_captures_the_jit_log(fake_driver):
    with pytest.raises(cuda.CudaError) as info:
        cuda.Module(".version 8.0\nINVALID\n", name="kernels")
    e = info.value
    assert e.call == "cuModuleLoadDataEx" and e.name == "CUDA_ERROR_INVALID_PTX"
    assert "line 3; error: fake error" in e.log and "module kernels" in str(e)
    m = cuda.Module(".version 8.0\n.target sm_80\n")
    assert m.info_log == "fake JIT: ok"
    with pytest.raises(cuda.CudaError, match=r"cuModuleGetFunction failed \(kernel missing_k\): CUDA_ERROR_NOT_FOUND"):
        m.kernel("missing_k")
    assert m.kernel("k") is m.kernel("k")


def test_params_are_packed_at_natural_alignment(fake_driver):
    buf = cuda.DeviceBuffer(64)
    args = [np.int8(-3), np.float32(1.5), np.int64(-7), buf, ctypes.c_int16(300), np.float64(2.25), np.bool_(True)]
    p = cuda.pack_kernel_params(args)
    assert p.offsets == [0, 4, 8, 16, 24, 32, 40]
    assert p.value_bytes(0) == struct.pack("b", -3)
    assert p.value_bytes(1) == struct.pack("f", 1.5)
    assert p.value_bytes(2) == struct.pack("q", -7)
    assert p.value_bytes(3) == struct.pack("Q", buf.ptr)
    assert p.value_bytes(4) == struct.pack("h", 300)
    assert p.value_bytes(5) == struct.pack("d", 2.25)
    assert p.value_bytes(6) == b"\x01"
    for bad in (3, 2.5, True, np.zeros(2)):
        with pytest.raises(TypeError, match="give its exact type"):
            cuda.pack_kernel_params([bad])
    assert cuda.pack_kernel_params([]).array is None


def test_launch_passes_dims_and_params_to_the_driver(fake_driver):
    m = cuda.Module(".version 8.0\n")
    k = m.kernel("scale")
    buf = cuda.DeviceBuffer(16)
    sizes = [8, 4, 4]
    fake_driver.expect_params(sizes)
    k.launch((3, 2), 128, [buf, np.float32(0.5), np.int32(-9)], shared_memory=256)
    assert fake_driver.last_function() == "scale"
    assert fake_driver.dims() == ((3, 2, 1), (128, 1, 1), 256)
    assert fake_driver.params(sizes) == [struct.pack("Q", buf.ptr), struct.pack("f", 0.5), struct.pack("i", -9)]
    with pytest.raises(ValueError, match="the block sizes"):
        k.launch(1, (0,), [])
    with pytest.raises(ValueError, match="1 to 3 dimensions"):
        k.launch((1, 1, 1, 1), 1, [])
    fake_driver.set("launch", 701)
    with pytest.raises(cuda.CudaError, match=r"cuLaunchKernel failed \(kernel scale, grid \(4, 1, 1\), "
                                             r"block \(1024, 1, 1\)\): CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"):
        k.launch(4, 1024, [])


def test_events_time_and_sync_errors_surface(fake_driver):
    start, end = cuda.Event(), cuda.Event()
    start.record()
    end.record()
    assert start.elapsed_ms(end) == 1.5
    fake_driver.set("sync", 700)
    with pytest.raises(cuda.CudaError, match="cuCtxSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS"):
        cuda.default_context().synchronize()


def test_managed_memory_beyond_the_free_memory_is_refused(fake_driver):
    with pytest.raises(cuda.CudaError, match="CUDA_ERROR_OUT_OF_MEMORY.*refused before the call"):
        cuda.DeviceBuffer(1 << 30, managed=True)  # the fake has 512 MiB free
    a = cuda.managed_array((3, 5), np.float32)
    a[:] = 1.5
    assert cuda.managed_buffer_of(a[1:]) is cuda.managed_buffer_of(a) is not None
    assert cuda.managed_buffer_of(np.ones(3)) is None


def _c(rt, name):
    """The C function pointer host code calls, as a ctypes function."""
    from mlir_py.execution.cuda.host_runtime import HOST_FUNCTIONS
    restype, argtypes = HOST_FUNCTIONS[name]
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(rt.callbacks()[name], ctypes.c_void_p).value)


def test_host_runtime_records_errors_instead_of_raising_through_c(fake_driver):
    from mlir_py.execution.cuda.host_runtime import install
    rt = install()
    alloc, free, memset32 = _c(rt, "mgpuMemAlloc"), _c(rt, "mgpuMemFree"), _c(rt, "mgpuMemset32")
    p = alloc(64, None, 1)
    assert p and rt.take_error() is None
    memset32(p, 0x3FC00000, 16, None)  # 1.5f, on the default stream
    assert (np.ctypeslib.as_array((ctypes.c_float * 16).from_address(p)) == 1.5).all()
    free(p, None)
    free(12345, None)  # not ours: recorded, nothing freed
    with pytest.raises(cuda.CudaError, match="0x3039 was not allocated by gpu.alloc"):
        rt.raise_pending()
    fake_driver.set("alloc", 2)
    q = alloc(32, None, 0)  # fails: host memory stands in until the caller raises
    assert q
    ctypes.memset(q, 0, 32)
    fake_driver.set("alloc", 0)
    r = alloc(32, None, 0)
    assert r not in rt.allocations  # after an error, later GPU work is skipped
    free(q, None)
    free(r, None)
    with pytest.raises(cuda.CudaError, match="cuMemAlloc_v2 failed .*CUDA_ERROR_OUT_OF_MEMORY"):
        rt.raise_pending()
    assert rt.take_error() is None and not rt.host_fallbacks


def test_returned_buffers_are_freed_by_the_runtime(fake_driver):
    from mlir_py.execution.cuda.host_runtime import GpuAllocation, install
    rt = install()
    p = _c(rt, "mgpuMemAlloc")(16, None, 1)
    owner = rt.owner_of(p)
    assert isinstance(owner, GpuAllocation) and rt.owner_of(p + 4) is None
    frees = fake_driver.counter("fake_frees")
    del owner
    assert fake_driver.counter("fake_frees") == frees + 1 and p not in rt.allocations


def test_without_managed_memory_shared_buffers_are_pinned_host_memory(fake_driver):
    fake_driver.set("managed", 801)  # CUDA_ERROR_NOT_SUPPORTED
    a = cuda.managed_array(7, np.float32)
    a[:] = np.arange(7)
    assert cuda.managed_buffer_of(a) is not None and a.sum() == 21
    frees, host_frees = fake_driver.counter("fake_frees"), fake_driver.counter("fake_host_frees")
    del a
    assert (fake_driver.counter("fake_frees"), fake_driver.counter("fake_host_frees")) == (frees, host_frees + 1)
    fake_driver.set("managed", 2)  # any other error is an error
    reset()
    with pytest.raises(cuda.CudaError, match="cuMemAllocManaged failed"):
        cuda.DeviceBuffer(8, managed=True)
