"""Loading PTX into the GPU and launching its kernels.

The driver's JIT compiles PTX for the device at load time
(cuModuleLoadDataEx), so one PTX text runs on every GPU at least as new as
its `.target`. The JIT's error and info logs are captured: PTX the driver
rejects raises CudaError with the log (which names the PTX line), not just
`CUDA_ERROR_INVALID_PTX`.
"""

from __future__ import annotations

import ctypes
from typing import Any, Sequence

from mlir_py.execution.cuda.context import Context, default_context
from mlir_py.execution.cuda.params import pack_kernel_params
from mlir_py.execution.cuda.stream import Stream

__all__ = ["Kernel", "Module", "grid_dims"]

_LOG_SIZE = 1 << 14
# CUjit_option values
_INFO_LOG_BUFFER, _INFO_LOG_BUFFER_SIZE, _ERROR_LOG_BUFFER, _ERROR_LOG_BUFFER_SIZE = 3, 4, 5, 6
# CUfunction_attribute values
_FUNC_MAX_THREADS_PER_BLOCK, _FUNC_SHARED_SIZE_BYTES, _FUNC_LOCAL_SIZE_BYTES, _FUNC_NUM_REGS = 0, 1, 3, 4
_FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8


def _image_bytes(image: str | bytes) -> bytes:
    """PTX must reach the driver NUL-terminated; a cubin/fatbin (ELF) goes as it is."""
    data = image.encode("utf-8") if isinstance(image, str) else bytes(image)
    if data.startswith(b"\x7fELF") or data.endswith(b"\0"):
        return data
    return data + b"\0"


class Module:
    """A loaded PTX (or cubin) image; `info_log` is what the JIT said about it."""

    def __init__(self, image: str | bytes, *, name: str = "", context: Context | None = None):
        self.context = ctx = context if context is not None else default_context()
        self.name = name
        self._image = _image_bytes(image)  # the driver may read it lazily: keep it
        info = ctypes.create_string_buffer(_LOG_SIZE)
        err = ctypes.create_string_buffer(_LOG_SIZE)
        options = (ctypes.c_int * 4)(_INFO_LOG_BUFFER, _INFO_LOG_BUFFER_SIZE, _ERROR_LOG_BUFFER,
                                     _ERROR_LOG_BUFFER_SIZE)
        values = (ctypes.c_void_p * 4)(ctypes.addressof(info), _LOG_SIZE, ctypes.addressof(err), _LOG_SIZE)
        handle = ctypes.c_void_p()
        ctx.make_current()
        code = ctx.driver.fn("cuModuleLoadDataEx")(ctypes.byref(handle), self._image, 4, options, values)
        self.info_log = info.value.decode("utf-8", "replace")
        if code:
            what = f"module {name}" if name else ""
            raise ctx.driver.error("cuModuleLoadDataEx", code, err.value.decode("utf-8", "replace"), what)
        self.handle = handle.value
        self._kernels: dict[str, Kernel] = {}

    def kernel(self, name: str) -> Kernel:
        """The kernel `name` (its PTX `.entry` name); CudaError CUDA_ERROR_NOT_FOUND
        when the module has none."""
        k = self._kernels.get(name)
        if k is None:
            handle = ctypes.c_void_p()
            self.context.make_current()
            self.context.driver.call("cuModuleGetFunction", ctypes.byref(handle), self.handle, name.encode(),
                                     context=f"kernel {name}")
            k = self._kernels[name] = Kernel(self, handle.value, name)
        return k

    def unload(self) -> None:
        handle, self.handle = self.handle, None
        self._kernels.clear()
        if handle:
            self.context.make_current()
            self.context.driver.call("cuModuleUnload", handle)

    def __del__(self):
        try:
            self.unload()
        except Exception:  # noqa: BLE001 - never raise from a destructor
            pass


def grid_dims(dims: int | Sequence[int], what: str) -> tuple[int, int, int]:
    """(x, y, z) from an int or 1-3 ints, each 1..2**31-1."""
    t = (dims,) if isinstance(dims, int) else tuple(dims)
    if not 1 <= len(t) <= 3:
        raise ValueError(f"{what} has 1 to 3 dimensions, not {len(t)}")
    for d in t:
        if not isinstance(d, int) or isinstance(d, bool) or not 1 <= d < 1 << 31:
            raise ValueError(f"{what} sizes are ints from 1 to 2**31-1, not {t}")
    return (t + (1, 1))[:3]  # type: ignore[return-value]


class Kernel:
    """One `.entry` of a loaded module."""

    def __init__(self, module: Module, handle: int, name: str):
        self.module = module
        self.handle = handle
        self.name = name

    def attribute(self, attr: int) -> int:
        v = ctypes.c_int()
        self.module.context.driver.call("cuFuncGetAttribute", ctypes.byref(v), attr, self.handle)
        return v.value

    @property
    def num_registers(self) -> int:
        return self.attribute(_FUNC_NUM_REGS)

    @property
    def max_threads_per_block(self) -> int:
        return self.attribute(_FUNC_MAX_THREADS_PER_BLOCK)

    @property
    def static_shared_memory(self) -> int:
        return self.attribute(_FUNC_SHARED_SIZE_BYTES)

    def allow_dynamic_shared_memory(self, nbytes: int) -> None:
        """Let launches ask for `nbytes` of dynamic shared memory (above 48 KiB
        needs this opt-in)."""
        self.module.context.driver.call("cuFuncSetAttribute", self.handle, _FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                        nbytes, context=f"kernel {self.name}")

    def launch(self, grid: int | Sequence[int], block: int | Sequence[int], args: Sequence[Any] = (),
               *, shared_memory: int = 0, stream: Stream | None = None) -> None:
        """Queue the kernel on `stream` (the default stream when None). Launch
        errors (too many threads, too much shared memory) raise here; faults
        while it runs surface at the next synchronization."""
        gx, gy, gz = grid_dims(grid, "the grid")
        bx, by, bz = grid_dims(block, "the block")
        if not isinstance(shared_memory, int) or shared_memory < 0:
            raise ValueError(f"shared_memory is a byte count, not {shared_memory!r}")
        params = pack_kernel_params(args)
        ctx = self.module.context
        ctx.make_current()
        ctx.driver.call("cuLaunchKernel", self.handle, gx, gy, gz, bx, by, bz, shared_memory,
                        None if stream is None else stream.handle, params.array, None,
                        context=f"kernel {self.name}, grid {(gx, gy, gz)}, block {(bx, by, bz)}")
