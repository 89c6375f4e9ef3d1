"""The C-ABI runtime that JIT-compiled host code calls for its GPU work.

`gpu-to-llvm` (passes/conversions/gpu_host_to_llvm.py) lowers host-side
gpu ops to calls of the functions below, with upstream MLIR's names and
signatures (its CUDA runtime wrappers: `mgpuLaunchKernel`, `mgpuMemAlloc`,
...), so the host IR reads like mlir-opt's. Here each is a ctypes
CFUNCTYPE callback into this runtime; `install()` binds the symbols in
the JIT (llvmlite's `add_symbol`) before a GPU module is compiled, once
per process.

A C function cannot raise. A failing driver call inside a callback is
recorded as the calling thread's *pending error*; from then on the
thread's GPU calls do nothing (an allocation still returns usable host
memory, so host code never touches a null pointer), and the caller of the
compiled function (`GpuFunction`) raises the pending error once the
native call returns. So a bad launch is a Python `CudaError` naming
`cuLaunchKernel` and the kernel, never a crash or a silently wrong result.

Memory from `mgpuMemAlloc` is device memory, or managed memory when the
op said `host_shared` (host code reads and writes it at the same address).
A buffer compiled code returns to Python is owned by a `GpuAllocation`,
which frees it when the last numpy view of it dies.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from typing import Any

from mlir_py.execution.cuda.context import Context, default_context
from mlir_py.execution.cuda.errors import CudaError, CudaUnavailable
from mlir_py.execution.cuda.memory import allocate, release

__all__ = ["HOST_FUNCTIONS", "GpuAllocation", "HostRuntime", "install", "runtime"]

_p, _i64, _size = ctypes.c_void_p, ctypes.c_int64, ctypes.c_size_t

#: name -> (result type, argument types) of each C function host code may call
HOST_FUNCTIONS: dict[str, tuple[Any, tuple]] = {
    "mgpuModuleLoad": (_p, (_p, _size)),
    "mgpuModuleUnload": (None, (_p,)),
    "mgpuModuleGetFunction": (_p, (_p, ctypes.c_char_p)),
    "mgpuLaunchKernel": (None, (_p, _i64, _i64, _i64, _i64, _i64, _i64, ctypes.c_int32, _p,
                                ctypes.POINTER(_p), ctypes.POINTER(_p), _size)),
    "mgpuStreamCreate": (_p, ()),
    "mgpuStreamDestroy": (None, (_p,)),
    "mgpuStreamSynchronize": (None, (_p,)),
    "mgpuStreamWaitEvent": (None, (_p, _p)),
    "mgpuEventCreate": (_p, ()),
    "mgpuEventDestroy": (None, (_p,)),
    "mgpuEventSynchronize": (None, (_p,)),
    "mgpuEventRecord": (None, (_p, _p)),
    "mgpuMemAlloc": (_p, (ctypes.c_uint64, _p, ctypes.c_uint8)),
    "mgpuMemFree": (None, (_p, _p)),
    "mgpuMemcpy": (None, (_p, _p, _size, _p)),
    "mgpuMemset32": (None, (_p, ctypes.c_uint32, _size, _p)),
    "mgpuMemset16": (None, (_p, ctypes.c_uint16, _size, _p)),
}

_libc = ctypes.CDLL(None)
_malloc = _libc.malloc
_malloc.argtypes, _malloc.restype = [_size], _p
_free = _libc.free
_free.argtypes, _free.restype = [_p], None


class GpuAllocation:
    """Owns a buffer `mgpuMemAlloc` made that compiled code returned to Python."""

    __slots__ = ("pointer", "runtime", "__weakref__")

    def __init__(self, runtime: HostRuntime, pointer: int):
        self.runtime = runtime
        self.pointer = pointer

    def __del__(self):
        p, self.pointer = self.pointer, 0
        if p:
            try:
                self.runtime.free(p)
            except Exception:  # noqa: BLE001 - never raise from a destructor
                pass


class HostRuntime:
    """The state behind the callbacks: one per process (`runtime()`)."""

    def __init__(self, context: Context):
        self.context = context
        self.driver = context.driver
        self._local = threading.local()
        self._lock = threading.Lock()
        self.modules: dict[int, Any] = {}       # CUmodule -> Module (kept loaded)
        self.allocations: dict[int, int] = {}   # device/managed pointer -> size
        self.host_fallbacks: set[int] = set()   # malloc'ed stand-ins for failed allocations
        self.launches = 0
        self.kernel_time_ms: float | None = None  # summed kernel time when profiling
        self._callbacks: dict[str, Any] = {}

    # -- errors ---------------------------------------------------------------

    def _failed(self) -> bool:
        return getattr(self._local, "error", None) is not None

    def _record(self, e: Exception) -> None:
        if getattr(self._local, "error", None) is None:
            self._local.error = e

    def take_error(self) -> Exception | None:
        """The calling thread's pending error (cleared)."""
        e = getattr(self._local, "error", None)
        self._local.error = None
        return e

    def raise_pending(self) -> None:
        e = self.take_error()
        if e is not None:
            raise e

    def _call(self, name: str, *args: Any, context: str = "") -> bool:
        """One driver call from a callback: False (and the error recorded) on failure."""
        try:
            self.context.make_current()
            self.driver.call(name, *args, context=context)
            return True
        except (CudaError, CudaUnavailable) as e:
            self._record(e)
            return False

    # -- modules and launches -------------------------------------------------

    def module_load(self, data: int, size: int) -> int:
        from mlir_py.execution.cuda.module import Module
        if self._failed():
            return 0
        try:
            image = ctypes.string_at(data, size) if size else ctypes.string_at(data)
            m = Module(image, context=self.context)
        except (CudaError, CudaUnavailable) as e:
            self._record(e)
            return 0
        with self._lock:
            self.modules[m.handle] = m
        return m.handle

    def module_unload(self, handle: int) -> None:
        with self._lock:
            m = self.modules.pop(handle or 0, None)
        if m is not None:
            try:
                m.unload()
            except CudaError as e:
                self._record(e)

    def module_get_function(self, handle: int, name: bytes) -> int:
        if self._failed() or not handle:
            return 0
        m = self.modules.get(handle)
        text = name.decode("utf-8", "replace")
        try:
            if m is None:
                raise CudaError("cuModuleGetFunction", 400, "CUDA_ERROR_INVALID_HANDLE",
                                "the module was not loaded by this runtime", context=f"kernel {text}")
            return m.kernel(text).handle
        except CudaError as e:
            self._record(e)
            return 0

    def launch(self, function: int, gx: int, gy: int, gz: int, bx: int, by: int, bz: int, smem: int,
               stream: int, params: Any, extra: Any, count: int) -> None:
        if self._failed() or not function:
            return
        dims = (gx, gy, gz, bx, by, bz)
        if any(not 1 <= d < 1 << 31 for d in dims):
            self._record(CudaError("cuLaunchKernel", 1, "CUDA_ERROR_INVALID_VALUE",
                                   f"grid {dims[:3]} / block {dims[3:]}: every size must be 1..2**31-1"))
            return
        timing = self.kernel_time_ms is not None
        if timing:
            start, end = self._event(), self._event()
            self._call("cuEventRecord", start, stream)
        self.launches += 1
        self._call("cuLaunchKernel", function, gx, gy, gz, bx, by, bz, smem, stream, params, extra,
                   context=f"grid {dims[:3]}, block {dims[3:]}, {smem} bytes of dynamic shared memory")
        if timing:
            ms = ctypes.c_float()
            if self._call("cuEventRecord", end, stream) and self._call("cuEventSynchronize", end) \
                    and self._call("cuEventElapsedTime", ctypes.byref(ms), start, end):
                self.kernel_time_ms = (self.kernel_time_ms or 0.0) + ms.value
            self._call("cuEventDestroy_v2", start)
            self._call("cuEventDestroy_v2", end)

    def _event(self) -> int:
        h = ctypes.c_void_p()
        self._call("cuEventCreate", ctypes.byref(h), 0)
        return h.value or 0

    # -- streams and events ---------------------------------------------------

    def stream_create(self) -> int:
        h = ctypes.c_void_p()
        if not self._failed():
            self._call("cuStreamCreate", ctypes.byref(h), 1)
        return h.value or 0

    def stream_destroy(self, stream: int) -> None:
        if stream:
            self._call("cuStreamDestroy_v2", stream)

    def stream_synchronize(self, stream: int) -> None:
        if not self._failed():
            self._call("cuStreamSynchronize", stream)

    def stream_wait_event(self, stream: int, event: int) -> None:
        if not self._failed() and event:
            self._call("cuStreamWaitEvent", stream, event, 0)

    def event_create(self) -> int:
        h = ctypes.c_void_p()
        if not self._failed():
            self._call("cuEventCreate", ctypes.byref(h), 2)  # CU_EVENT_DISABLE_TIMING
        return h.value or 0

    def event_destroy(self, event: int) -> None:
        if event:
            self._call("cuEventDestroy_v2", event)

    def event_synchronize(self, event: int) -> None:
        if not self._failed() and event:
            self._call("cuEventSynchronize", event)

    def event_record(self, event: int, stream: int) -> None:
        if not self._failed() and event:
            self._call("cuEventRecord", event, stream)

    # -- memory ---------------------------------------------------------------

    def alloc(self, nbytes: int, stream: int, host_shared: int) -> int:
        size = max(int(nbytes), 1)
        if not self._failed():
            try:
                ptr = allocate(self.context, size, bool(host_shared))
            except (CudaError, CudaUnavailable) as e:
                self._record(e)
            else:
                with self._lock:
                    self.allocations[ptr] = size
                return ptr
        # the call will raise: host code still gets memory it may touch until then
        p = _malloc(size) or 0
        if p:
            with self._lock:
                self.host_fallbacks.add(p)
        return p

    def free(self, pointer: int, stream: int = 0) -> None:
        if not pointer:
            return
        with self._lock:
            fallback = pointer in self.host_fallbacks
            if fallback:
                self.host_fallbacks.discard(pointer)
            else:
                known = self.allocations.pop(pointer, None) is not None
        if fallback:
            _free(pointer)
        elif known:
            try:
                release(self.context, pointer)
            except (CudaError, CudaUnavailable) as e:
                self._record(e)
        else:
            self._record(CudaError("cuMemFree", 1, "CUDA_ERROR_INVALID_VALUE",
                                   f"0x{pointer:x} was not allocated by gpu.alloc"))

    def memcpy(self, dst: int, src: int, nbytes: int, stream: int) -> None:
        if not self._failed() and nbytes:
            if self._call("cuMemcpyAsync", dst, src, nbytes, stream, context=f"{nbytes} bytes") and not stream:
                self._call("cuStreamSynchronize", None)

    def memset32(self, dst: int, value: int, count: int, stream: int) -> None:
        if not self._failed() and count:
            if self._call("cuMemsetD32Async", dst, value, count, stream) and not stream:
                self._call("cuStreamSynchronize", None)

    def memset16(self, dst: int, value: int, count: int, stream: int) -> None:
        if not self._failed() and count:
            if self._call("cuMemsetD16Async", dst, value, count, stream) and not stream:
                self._call("cuStreamSynchronize", None)

    def owner_of(self, pointer: int) -> GpuAllocation | None:
        """The owner for a buffer compiled code returned (`marshal.foreign_owners`)."""
        if pointer in self.allocations or pointer in self.host_fallbacks:
            return GpuAllocation(self, pointer)
        return None

    # -- binding --------------------------------------------------------------

    def callbacks(self) -> dict[str, Any]:
        """The CFUNCTYPE object of each HOST_FUNCTIONS entry (kept alive here)."""
        if not self._callbacks:
            impl = {
                "mgpuModuleLoad": self.module_load, "mgpuModuleUnload": self.module_unload,
                "mgpuModuleGetFunction": self.module_get_function, "mgpuLaunchKernel": self.launch,
                "mgpuStreamCreate": self.stream_create, "mgpuStreamDestroy": self.stream_destroy,
                "mgpuStreamSynchronize": self.stream_synchronize, "mgpuStreamWaitEvent": self.stream_wait_event,
                "mgpuEventCreate": self.event_create, "mgpuEventDestroy": self.event_destroy,
                "mgpuEventSynchronize": self.event_synchronize, "mgpuEventRecord": self.event_record,
                "mgpuMemAlloc": self.alloc, "mgpuMemFree": self.free, "mgpuMemcpy": self.memcpy,
                "mgpuMemset32": self.memset32, "mgpuMemset16": self.memset16,
            }
            for name, (restype, argtypes) in HOST_FUNCTIONS.items():
                self._callbacks[name] = ctypes.CFUNCTYPE(restype, *argtypes)(_guarded(self, impl[name], restype))
        return self._callbacks


def _guarded(rt: HostRuntime, fn, restype):
    """`fn` with every Python exception recorded as the pending error: nothing
    may unwind through the JIT's C frames."""
    failed = None if restype is None else 0

    def callback(*args):
        try:
            r = fn(*args)
            return failed if r is None and restype is not None else r
        except BaseException as e:  # noqa: BLE001 - see the docstring
            rt._record(e if isinstance(e, Exception) else RuntimeError(f"interrupted: {e!r}"))
            return failed
    return callback


_runtimes: list[HostRuntime] = []  # every one made: compiled code may still call their callbacks
_runtime_lock = threading.Lock()


def runtime() -> HostRuntime:
    """The process's host runtime on the default context (CudaUnavailable without a GPU)."""
    ctx = default_context()
    with _runtime_lock:
        if not _runtimes or _runtimes[-1].context is not ctx:
            _runtimes.append(HostRuntime(ctx))
        return _runtimes[-1]


@functools.cache
def _bound_symbols() -> dict[str, int]:
    return {}


def install() -> HostRuntime:
    """Bind the mgpu* symbols in the JIT to `runtime()`'s callbacks and let
    returned GPU buffers be owned here; idempotent. Returns the runtime."""
    import llvmlite.binding as llvm
    from mlir_py.execution import marshal
    rt = runtime()
    bound = _bound_symbols()
    for name, cb in rt.callbacks().items():
        address = ctypes.cast(cb, ctypes.c_void_p).value or 0
        if bound.get(name) != address:
            llvm.add_symbol(name, address)
            bound[name] = address
    marshal.foreign_owners[:] = [f for f in marshal.foreign_owners if getattr(f, "__self__", None) is None
                                 or not isinstance(f.__self__, HostRuntime)]
    marshal.foreign_owners.append(rt.owner_of)
    return rt
