"""Device memory: allocation, copies between host and device, fills.

`DeviceBuffer` owns one allocation (cuMemAlloc, or cuMemAllocManaged for
memory that host code and kernels both touch) and frees it once: on
`free()`, or when the object dies. Copies take numpy arrays on the host
side and check their size against the buffer before any driver call, so
a wrong array is a ValueError, never a write past the end. Every copy and
fill has a synchronous form and an asynchronous one on a `Stream`; for the
asynchronous ones the host array must stay alive (and, for true overlap,
be pinned) until the stream is synchronized, as with CUDA itself.
"""

from __future__ import annotations

import ctypes
import threading
from typing import TYPE_CHECKING

import numpy as np
from mlir_py.execution.cuda.context import Context, default_context
from mlir_py.execution.cuda.errors import CudaError

if TYPE_CHECKING:
    from mlir_py.execution.cuda.stream import Stream

__all__ = ["DeviceBuffer", "allocate", "copy_device_to_device", "managed_array", "managed_buffer_of",
           "prefetch_to_device", "release"]

_ATTACH_GLOBAL = 1  # CU_MEM_ATTACH_GLOBAL: managed memory any stream may touch
_HOSTALLOC_PORTABLE, _HOSTALLOC_DEVICEMAP = 1, 2
_NOT_SUPPORTED = 801  # CUDA_ERROR_NOT_SUPPORTED
_NO_MANAGED: set = set()  # contexts whose driver refused managed memory
_pinned: set[int] = set()  # "managed" buffers that are pinned host memory instead
_pinned_lock = threading.Lock()


def _host_array(a: np.ndarray, what: str, writable: bool = False) -> np.ndarray:
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{what} must be a numpy array, not {type(a).__name__}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{what} must be C-contiguous (use np.ascontiguousarray)")
    if writable and not a.flags.writeable:
        raise ValueError(f"{what} is read-only")
    return a


#: managed buffers from this size on are moved to the device in one transfer
#: (cuMemPrefetchAsync) rather than page by page on the kernels' first touch
PREFETCH_THRESHOLD = 1 << 20


def prefetch_to_device(ctx: Context, ptr: int, nbytes: int, stream: int | None = None) -> None:
    """Ask the driver to move managed memory to the device ahead of use. Only
    a hint: a driver without cuMemPrefetchAsync, or one that refuses, changes
    nothing (the pages then move on first touch)."""
    if nbytes < PREFETCH_THRESHOLD:
        return
    try:
        ctx.driver.fn("cuMemPrefetchAsync")(ptr, nbytes, ctx.device.ordinal, stream)
    except Exception:  # noqa: BLE001 - see the docstring
        pass


def allocate(ctx: Context, nbytes: int, managed: bool) -> int:
    """cuMemAlloc / cuMemAllocManaged of `nbytes` (at least 1: an empty buffer
    still has an address). Managed memory larger than the device's free memory
    is refused here (CUDA_ERROR_OUT_OF_MEMORY) rather than asked for: the driver
    would oversubscribe, and on some systems that stalls the GPU. Where the
    driver has no managed memory (a device or a virtualized system without
    it), a managed buffer is pinned host memory mapped for the device
    (cuMemHostAlloc): reachable from both sides at one address, slower for
    kernels."""
    ctx.make_current()
    size = max(nbytes, 1)
    ptr = ctypes.c_uint64()
    if not managed:
        ctx.driver.call("cuMemAlloc_v2", ctypes.byref(ptr), size, context=f"{nbytes} bytes")
        return ptr.value
    if ctx.device.managed_memory and ctx not in _NO_MANAGED:
        free, _ = ctx.memory_info()
        if size > free:
            raise CudaError("cuMemAllocManaged", 2, "CUDA_ERROR_OUT_OF_MEMORY",
                            f"{nbytes} bytes of managed memory asked for, {free} bytes of device memory free "
                            "(refused before the call)")
        code = ctx.driver.fn("cuMemAllocManaged")(ctypes.byref(ptr), size, _ATTACH_GLOBAL)
        if code == 0:
            prefetch_to_device(ctx, ptr.value, size)
            return ptr.value
        if code != _NOT_SUPPORTED:
            raise ctx.driver.error("cuMemAllocManaged", code, context=f"{nbytes} bytes")
        _NO_MANAGED.add(ctx)
    # no managed memory here: pinned host memory mapped into the device's address space
    host = ctypes.c_void_p()
    ctx.driver.call("cuMemHostAlloc", ctypes.byref(host), size, _HOSTALLOC_PORTABLE | _HOSTALLOC_DEVICEMAP,
                    context=f"{nbytes} bytes")
    with _pinned_lock:
        _pinned.add(host.value or 0)
    return host.value or 0


def release(ctx: Context, ptr: int) -> None:
    """Free what `allocate` returned (cuMemFree, or cuMemFreeHost for pinned memory)."""
    ctx.make_current()
    with _pinned_lock:
        pinned = ptr in _pinned
        _pinned.discard(ptr)
    if pinned:
        ctx.driver.call("cuMemFreeHost", ptr)
    else:
        ctx.driver.call("cuMemFree_v2", ptr)


class DeviceBuffer:
    """`nbytes` of device memory (managed: reachable from host code too at the
    same address). `ptr` is the CUdeviceptr as an int."""

    def __init__(self, nbytes: int, *, managed: bool = False, context: Context | None = None):
        if not isinstance(nbytes, int) or nbytes < 0:
            raise ValueError(f"a buffer size is a non-negative int, not {nbytes!r}")
        self.context = ctx = context if context is not None else default_context()
        self.nbytes = nbytes
        self.managed = managed
        self.ptr = 0
        self.ptr = allocate(ctx, nbytes, managed)

    @classmethod
    def from_array(cls, a: np.ndarray, *, managed: bool = False, context: Context | None = None) -> DeviceBuffer:
        """A new buffer holding a copy of `a`."""
        a = _host_array(a, "the source array")
        buf = cls(a.nbytes, managed=managed, context=context)
        buf.copy_from_host(a)
        return buf

    # -- copies -------------------------------------------------------------

    def _check_size(self, a: np.ndarray, what: str) -> None:
        if a.nbytes != self.nbytes:
            raise ValueError(f"{what} has {a.nbytes} bytes, the device buffer {self.nbytes}")

    def copy_from_host(self, a: np.ndarray, stream: Stream | None = None) -> None:
        """Host -> device (cuMemcpyHtoD, or cuMemcpyHtoDAsync on `stream`)."""
        a = _host_array(a, "the source array")
        self._check_size(a, "the source array")
        if not self.nbytes:
            return
        self.context.make_current()
        src = a.ctypes.data
        if stream is None:
            self.context.driver.call("cuMemcpyHtoD_v2", self.ptr, src, self.nbytes)
        else:
            self.context.driver.call("cuMemcpyHtoDAsync_v2", self.ptr, src, self.nbytes, stream.handle)

    def copy_to_host(self, out: np.ndarray | None = None, *, dtype=np.uint8, shape=None,
                     stream: Stream | None = None) -> np.ndarray:
        """Device -> host into `out` (or a new array of `shape`/`dtype`, by default
        the bytes); returns the host array."""
        if out is None:
            dt = np.dtype(dtype)
            shape = (self.nbytes // dt.itemsize,) if shape is None else tuple(shape)
            out = np.empty(shape, dt)
        out = _host_array(out, "the destination array", writable=True)
        self._check_size(out, "the destination array")
        if self.nbytes:
            self.context.make_current()
            if stream is None:
                self.context.driver.call("cuMemcpyDtoH_v2", out.ctypes.data, self.ptr, self.nbytes)
            else:
                self.context.driver.call("cuMemcpyDtoHAsync_v2", out.ctypes.data, self.ptr, self.nbytes,
                                         stream.handle)
        return out

    def copy_from(self, src: DeviceBuffer, stream: Stream | None = None) -> None:
        """Device -> device, the whole of `src` (same size)."""
        if src.nbytes != self.nbytes:
            raise ValueError(f"the source buffer has {src.nbytes} bytes, the destination {self.nbytes}")
        copy_device_to_device(self.ptr, src.ptr, self.nbytes, stream, self.context)

    # -- fills --------------------------------------------------------------

    def fill_u8(self, value: int, stream: Stream | None = None) -> None:
        """Every byte = `value` (cuMemsetD8)."""
        if not 0 <= value < 256:
            raise ValueError(f"a byte value is 0..255, not {value}")
        if self.nbytes:
            self.context.make_current()
            if stream is None:
                self.context.driver.call("cuMemsetD8_v2", self.ptr, value, self.nbytes)
            else:
                self.context.driver.call("cuMemsetD8Async", self.ptr, value, self.nbytes, stream.handle)

    def fill_u32(self, value: int, stream: Stream | None = None) -> None:
        """Every 32-bit word = `value` (cuMemsetD32); `np.float32(x).view(np.uint32)`
        fills with a float."""
        if self.nbytes % 4:
            raise ValueError(f"a 32-bit fill needs a size that is a multiple of 4, not {self.nbytes}")
        value = int(value)
        if not 0 <= value < 1 << 32:
            raise ValueError(f"a 32-bit fill value is 0..2**32-1, not {value}")
        if self.nbytes:
            self.context.make_current()
            if stream is None:
                self.context.driver.call("cuMemsetD32_v2", self.ptr, value, self.nbytes // 4)
            else:
                self.context.driver.call("cuMemsetD32Async", self.ptr, value, self.nbytes // 4, stream.handle)

    # -- lifetime -----------------------------------------------------------

    def free(self) -> None:
        """Release the memory now (idempotent)."""
        ptr, self.ptr = self.ptr, 0
        if ptr:
            release(self.context, ptr)

    def __del__(self):
        try:
            self.free()
        except Exception:  # noqa: BLE001 - a destructor must not raise (e.g. a context gone at exit)
            pass

    def __repr__(self) -> str:
        kind = "managed" if self.managed else "device"
        return f"<cuda.DeviceBuffer {self.nbytes} bytes {kind} at 0x{self.ptr:x}>"


def copy_device_to_device(dst: int, src: int, nbytes: int, stream: Stream | None = None,
                          context: Context | None = None) -> None:
    """`nbytes` from device address `src` to `dst` (cuMemcpyDtoD / Async)."""
    ctx = context if context is not None else default_context()
    if nbytes <= 0:
        return
    ctx.make_current()
    if stream is None:
        ctx.driver.call("cuMemcpyDtoD_v2", dst, src, nbytes)
    else:
        ctx.driver.call("cuMemcpyDtoDAsync_v2", dst, src, nbytes, stream.handle)


def managed_array(shape, dtype=np.float32, *, context: Context | None = None) -> np.ndarray:
    """An uninitialized numpy array in managed memory: host code, numpy and
    kernels all use it at the same address, so a GPU function takes it
    without staging a copy (and benchmarks keep their data on the device)."""
    dt = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    count = 1
    for d in shape:
        count *= d
    buf = DeviceBuffer(count * dt.itemsize, managed=True, context=context)
    mem = (ctypes.c_char * max(buf.nbytes, 1)).from_address(buf.ptr)
    mem._buffer = buf  # type: ignore[attr-defined] - the array keeps the memory alive
    return np.frombuffer(mem, dt, count).reshape(shape)


def managed_buffer_of(a: np.ndarray) -> DeviceBuffer | None:
    """The managed DeviceBuffer that `a`'s memory lies in (None for host memory)."""
    base = a
    while isinstance(base, np.ndarray):
        base = base.base
    buf = getattr(base, "_buffer", None)
    if not isinstance(buf, DeviceBuffer) or not buf.managed or not buf.ptr:
        return None
    start = a.__array_interface__["data"][0]
    return buf if buf.ptr <= start <= buf.ptr + buf.nbytes else None
