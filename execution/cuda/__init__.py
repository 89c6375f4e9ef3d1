"""Running PTX kernels on an NVIDIA GPU through the CUDA driver API (ctypes).

    from mlir_py.execution import cuda
    ctx = cuda.default_context()                  # CudaUnavailable without a driver/GPU
    mod = cuda.Module(ptx_text)                   # the driver JIT-compiles the PTX
    x = cuda.DeviceBuffer.from_array(a)
    mod.kernel("scale").launch(grid=(n // 256,), block=(256,), args=[x, np.float32(2.0)])
    ctx.synchronize()
    a2 = x.copy_to_host(dtype=np.float32)

Nothing is loaded at import: the driver library is opened on the first
call that needs it. `available()` / `unavailable_reason()` ask without
raising. The JIT's host code reaches the same runtime through the C-ABI
functions of `host_runtime` (docs/gpu-runtime.md).
"""

from mlir_py.execution.cuda.context import Context, Device, default_context
from mlir_py.execution.cuda.driver import Driver, get_driver
from mlir_py.execution.cuda.errors import CudaError, CudaUnavailable
from mlir_py.execution.cuda.memory import DeviceBuffer, copy_device_to_device, managed_array, managed_buffer_of
from mlir_py.execution.cuda.module import Kernel, Module
from mlir_py.execution.cuda.params import KernelParams, pack_kernel_params
from mlir_py.execution.cuda.stream import Event, Stream

__all__ = ["Context", "CudaError", "CudaUnavailable", "Device", "DeviceBuffer", "Driver", "Event", "Kernel",
           "KernelParams", "Module", "Stream", "available", "copy_device_to_device", "default_context",
           "get_driver", "managed_array", "managed_buffer_of", "pack_kernel_params", "unavailable_reason"]


def unavailable_reason() -> str | None:
    """None when a CUDA device can be used here, else why not (one line)."""
    try:
        default_context()
    except CudaUnavailable as e:
        return e.message
    return None


def available() -> bool:
    """Whether a CUDA driver and device can be used in this process."""
    return unavailable_reason() is None
