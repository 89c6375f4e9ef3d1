"""A GPU and the context that owns everything made on it.

The context is the device's *primary* context (cuDevicePrimaryCtxRetain),
the one the CUDA runtime and libraries such as PyTorch share, so buffers
and streams made here are valid for them too and no second context eats
device memory. A context is current per thread: every entry point that
may run on a new thread (the JIT's host callbacks, a user's worker thread)
calls `make_current()` first, which costs one driver call.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass

from mlir_py.execution.cuda.driver import Driver, get_driver, reset_driver
from mlir_py.execution.cuda.errors import CudaError, CudaUnavailable

__all__ = ["Context", "Device", "default_context", "reset"]

# CUdevice_attribute values used here
_MAX_THREADS_PER_BLOCK = 1
_MAX_SHARED_MEMORY_PER_BLOCK = 8
_WARP_SIZE = 10
_MULTIPROCESSOR_COUNT = 16
_CC_MAJOR = 75
_CC_MINOR = 76
_MANAGED_MEMORY = 83
_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97


@dataclass(frozen=True)
class Device:
    """What the code generator and the benchmarks want to know about a GPU."""

    ordinal: int
    name: str
    compute_capability: tuple[int, int]
    multiprocessors: int
    warp_size: int
    max_threads_per_block: int
    shared_memory_per_block: int
    shared_memory_per_block_optin: int
    total_memory: int
    managed_memory: bool

    @property
    def arch(self) -> str:
        """The PTX target of this device, e.g. `sm_90`."""
        return f"sm_{self.compute_capability[0]}{self.compute_capability[1]}"


def _query_device(drv: Driver, ordinal: int) -> tuple[int, Device]:
    handle = ctypes.c_int()
    drv.call("cuDeviceGet", ctypes.byref(handle), ordinal)
    name = ctypes.create_string_buffer(256)
    drv.call("cuDeviceGetName", name, 256, handle)

    def attr(a: int) -> int:
        v = ctypes.c_int()
        drv.call("cuDeviceGetAttribute", ctypes.byref(v), a, handle)
        return v.value

    total = ctypes.c_size_t()
    drv.call("cuDeviceTotalMem_v2", ctypes.byref(total), handle)
    dev = Device(ordinal, name.value.decode("utf-8", "replace"), (attr(_CC_MAJOR), attr(_CC_MINOR)),
                 attr(_MULTIPROCESSOR_COUNT), attr(_WARP_SIZE), attr(_MAX_THREADS_PER_BLOCK),
                 attr(_MAX_SHARED_MEMORY_PER_BLOCK), attr(_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN), total.value,
                 bool(attr(_MANAGED_MEMORY)))
    return handle.value, dev


class Context:
    """The primary context of one device, retained while this object lives."""

    def __init__(self, ordinal: int = 0, driver: Driver | None = None):
        self.driver = drv = driver if driver is not None else get_driver()
        self._device_handle, self.device = _query_device(drv, ordinal)
        handle = ctypes.c_void_p()
        drv.call("cuDevicePrimaryCtxRetain", ctypes.byref(handle), self._device_handle)
        self.handle = handle.value
        self._set_current = drv.fn("cuCtxSetCurrent")
        self.make_current()

    def make_current(self) -> None:
        """Make this context the calling thread's current one."""
        code = self._set_current(self.handle)
        if code:
            raise self.driver.error("cuCtxSetCurrent", code)

    def synchronize(self) -> None:
        """Wait for all work on the device (cuCtxSynchronize); an asynchronous
        fault of an earlier kernel surfaces here as CudaError."""
        self.make_current()
        self.driver.call("cuCtxSynchronize")

    def memory_info(self) -> tuple[int, int]:
        """(free, total) device memory in bytes."""
        self.make_current()
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        self.driver.call("cuMemGetInfo_v2", ctypes.byref(free), ctypes.byref(total))
        return free.value, total.value

    def __repr__(self) -> str:
        d = self.device
        return f"<cuda.Context {d.name} ({d.arch}, {d.total_memory >> 20} MiB)>"


_default_lock = threading.Lock()
_default: list[Context] = []


def default_context() -> Context:
    """The primary context of device 0, made once per process; CudaUnavailable
    without a driver or device (or when the device cannot give a context)."""
    with _default_lock:
        if not _default:
            try:
                _default.append(Context(0))
            except CudaError as e:
                raise CudaUnavailable(f"device 0 is not usable: {e.message}") from None
        ctx = _default[0]
    ctx.make_current()
    return ctx


def reset() -> None:
    """Forget the default context and the driver: the next use loads the driver
    again (tests that switch `MLIR_PY_LIBCUDA`). Objects already made keep theirs."""
    with _default_lock:
        _default.clear()
    reset_driver()
