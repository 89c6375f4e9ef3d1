"""The CUDA driver library (`libcuda.so.1`) over ctypes, loaded on first use.

Why the driver API and not the runtime (`libcudart`): the driver ships with
the GPU's kernel module, so a machine that can run CUDA at all has it, with
no toolkit installed; it JIT-compiles PTX itself (cuModuleLoadDataEx), and
that is all this project hands it. Nothing here links against CUDA: a
process without a driver imports this module fine and gets
`CudaUnavailable` the first time it asks for the GPU.

`Driver` wraps one loaded library: a prototype per entry point (declared
once, on first use, from `_PROTOTYPES`), and `call(name, *args)`, which
turns a non-zero `CUresult` into `CudaError` naming the call and the
driver's name and text for the code. `get_driver()` is the process's
driver, initialized (`cuInit`) once; its failure is remembered, so asking
again is cheap and says the same thing. `MLIR_PY_LIBCUDA` names another
library to load instead (an unusual install; the tests' fake driver).
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any

from mlir_py.execution.cuda.errors import CUDA_ERROR_NAMES, CudaError, CudaUnavailable

__all__ = ["CUdeviceptr", "Driver", "LIBRARY_ENV", "get_driver", "reset_driver"]

#: environment variable naming the driver library to load instead of libcuda.so.1
LIBRARY_ENV = "MLIR_PY_LIBCUDA"
_DEFAULT_NAMES = ("libcuda.so.1", "libcuda.so")

_int, _uint, _size = ctypes.c_int, ctypes.c_uint, ctypes.c_size_t
_p, _pp = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
CUdeviceptr = ctypes.c_uint64
_pint, _psize, _pdptr = ctypes.POINTER(_int), ctypes.POINTER(_size), ctypes.POINTER(CUdeviceptr)
_pstr = ctypes.POINTER(ctypes.c_char_p)

#: argument types of each entry point used (every one returns a CUresult, an int);
#: handles (CUcontext, CUmodule, CUfunction, CUstream, CUevent) are void*
_PROTOTYPES: dict[str, tuple] = {
    "cuInit": (_uint,),
    "cuDriverGetVersion": (_pint,),
    "cuGetErrorName": (_int, _pstr),
    "cuGetErrorString": (_int, _pstr),
    "cuDeviceGetCount": (_pint,),
    "cuDeviceGet": (_pint, _int),
    "cuDeviceGetName": (ctypes.c_char_p, _int, _int),
    "cuDeviceGetAttribute": (_pint, _int, _int),
    "cuDeviceTotalMem_v2": (_psize, _int),
    "cuDevicePrimaryCtxRetain": (_pp, _int),
    "cuDevicePrimaryCtxRelease_v2": (_int,),
    "cuCtxSetCurrent": (_p,),
    "cuCtxGetCurrent": (_pp,),
    "cuCtxSynchronize": (),
    "cuModuleLoadData": (_pp, _p),
    "cuModuleLoadDataEx": (_pp, _p, _uint, _pint, _pp),
    "cuModuleUnload": (_p,),
    "cuModuleGetFunction": (_pp, _p, ctypes.c_char_p),
    "cuFuncGetAttribute": (_pint, _int, _p),
    "cuFuncSetAttribute": (_p, _int, _int),
    "cuMemAlloc_v2": (_pdptr, _size),
    "cuMemAllocManaged": (_pdptr, _size, _uint),
    "cuMemFree_v2": (CUdeviceptr,),
    "cuMemGetInfo_v2": (_psize, _psize),
    "cuMemPrefetchAsync": (CUdeviceptr, _size, _int, _p),
    "cuMemHostAlloc": (_pp, _size, _uint),
    "cuMemFreeHost": (_p,),
    "cuMemHostRegister_v2": (_p, _size, _uint),
    "cuMemHostUnregister": (_p,),
    "cuMemcpyHtoD_v2": (CUdeviceptr, _p, _size),
    "cuMemcpyDtoH_v2": (_p, CUdeviceptr, _size),
    "cuMemcpyDtoD_v2": (CUdeviceptr, CUdeviceptr, _size),
    "cuMemcpyHtoDAsync_v2": (CUdeviceptr, _p, _size, _p),
    "cuMemcpyDtoHAsync_v2": (_p, CUdeviceptr, _size, _p),
    "cuMemcpyDtoDAsync_v2": (CUdeviceptr, CUdeviceptr, _size, _p),
    "cuMemcpyAsync": (CUdeviceptr, CUdeviceptr, _size, _p),
    "cuMemsetD8_v2": (CUdeviceptr, ctypes.c_ubyte, _size),
    "cuMemsetD32_v2": (CUdeviceptr, _uint, _size),
    "cuMemsetD8Async": (CUdeviceptr, ctypes.c_ubyte, _size, _p),
    "cuMemsetD16Async": (CUdeviceptr, ctypes.c_ushort, _size, _p),
    "cuMemsetD32Async": (CUdeviceptr, _uint, _size, _p),
    "cuLaunchKernel": (_p, _uint, _uint, _uint, _uint, _uint, _uint, _uint, _p, _pp, _pp),
    "cuStreamCreate": (_pp, _uint),
    "cuStreamSynchronize": (_p,),
    "cuStreamWaitEvent": (_p, _p, _uint),
    "cuStreamDestroy_v2": (_p,),
    "cuEventCreate": (_pp, _uint),
    "cuEventRecord": (_p, _p),
    "cuEventSynchronize": (_p,),
    "cuEventElapsedTime": (ctypes.POINTER(ctypes.c_float), _p, _p),
    "cuEventDestroy_v2": (_p,),
}


class Driver:
    """One loaded driver library: typed entry points and error translation.
    Construction loads the library only; `initialize()` calls cuInit."""

    def __init__(self, path: str | None = None):
        names = (path,) if path else _DEFAULT_NAMES
        reasons = []
        for name in names:
            try:
                self.lib = ctypes.CDLL(name)
                self.path = name
                break
            except OSError as e:
                reasons.append(str(e).strip() or name)
        else:
            raise CudaUnavailable(f"cannot load the CUDA driver library ({'; '.join(reasons)})")
        self._fns: dict[str, Any] = {}

    def fn(self, name: str):
        """The ctypes function for entry point `name`, typed from `_PROTOTYPES`."""
        f = self._fns.get(name)
        if f is None:
            try:
                f = getattr(self.lib, name)
            except AttributeError:
                raise CudaUnavailable(f"the CUDA driver library {self.path} has no {name} "
                                      "(a driver older than this runtime needs?)") from None
            f.argtypes = list(_PROTOTYPES[name])
            f.restype = ctypes.c_int
            self._fns[name] = f
        return f

    def call(self, name: str, *args: Any, context: str = "") -> None:
        """`name(*args)`; a non-zero CUresult raises CudaError."""
        code = self.fn(name)(*args)
        if code:
            raise self.error(name, code, context=context)

    def error(self, call: str, code: int, log: str = "", context: str = "") -> CudaError:
        return CudaError(call, code, self.error_name(code), self.error_string(code), log, context)

    def error_name(self, code: int) -> str:
        """`CUDA_ERROR_...` for `code`: the driver's own name, else our table's."""
        return self._describe("cuGetErrorName", code) or CUDA_ERROR_NAMES.get(code, f"CUresult {code}")

    def error_string(self, code: int) -> str:
        return self._describe("cuGetErrorString", code) or "no description from the driver"

    def _describe(self, entry: str, code: int) -> str | None:
        try:
            f = self.fn(entry)
        except CudaUnavailable:
            return None
        text = ctypes.c_char_p()
        if f(code, ctypes.byref(text)) or not text.value:
            return None
        return text.value.decode("utf-8", "replace")

    def initialize(self) -> int:
        """cuInit, then the number of devices; CudaUnavailable when either fails
        or there is no device."""
        code = self.fn("cuInit")(0)
        if code:
            raise CudaUnavailable(f"cuInit failed: {self.error_name(code)}: {self.error_string(code)} "
                                  f"(driver library {self.path})")
        count = ctypes.c_int()
        code = self.fn("cuDeviceGetCount")(ctypes.byref(count))
        if code:
            raise CudaUnavailable(f"cuDeviceGetCount failed: {self.error_name(code)}: {self.error_string(code)}")
        if count.value < 1:
            raise CudaUnavailable(f"the CUDA driver ({self.path}) sees no device")
        return count.value

    def version(self) -> tuple[int, int]:
        """The driver's CUDA version, e.g. (12, 4)."""
        v = ctypes.c_int()
        self.call("cuDriverGetVersion", ctypes.byref(v))
        return v.value // 1000, v.value % 1000 // 10


_lock = threading.Lock()
_state: dict[str, Any] = {}


def get_driver() -> Driver:
    """The process's driver, loaded and initialized on the first call.
    Raises CudaUnavailable (the same one every time) when there is none."""
    with _lock:
        if "driver" in _state:
            return _state["driver"]
        if "failure" in _state:
            raise _state["failure"]
        try:
            drv = Driver(os.environ.get(LIBRARY_ENV) or None)
            drv.initialize()
        except CudaUnavailable as e:
            _state["failure"] = e
            raise
        _state["driver"] = drv
        return drv


def reset_driver() -> None:
    """Forget the process's driver (and a remembered failure): the next
    `get_driver()` loads again. For tests that switch `MLIR_PY_LIBCUDA`; objects
    made from the old driver keep using it."""
    with _lock:
        _state.clear()
