"""What the CUDA runtime raises.

Two failures look alike from far away and mean different things:
`CudaUnavailable` says this process cannot use a GPU at all (no driver
library, a driver that fails to initialize, no device), which callers test
for and skip or report as one line; `CudaError` is a failed driver call on
a working GPU (a bad launch, an out-of-memory, PTX the driver rejects),
which names the call and the driver's own name and text for the
`CUresult`, plus the JIT log when a module failed to load.
"""

from __future__ import annotations

from mlir_py.execution.errors import ExecutionError

__all__ = ["CUDA_ERROR_NAMES", "CudaError", "CudaUnavailable"]

#: `CUresult` names for the codes this runtime meets most, used when the
#: driver cannot name a code itself (cuGetErrorName missing or failing)
CUDA_ERROR_NAMES: dict[int, str] = {
    0: "CUDA_SUCCESS", 1: "CUDA_ERROR_INVALID_VALUE", 2: "CUDA_ERROR_OUT_OF_MEMORY",
    3: "CUDA_ERROR_NOT_INITIALIZED", 4: "CUDA_ERROR_DEINITIALIZED", 34: "CUDA_ERROR_STUB_LIBRARY",
    46: "CUDA_ERROR_DEVICE_UNAVAILABLE", 100: "CUDA_ERROR_NO_DEVICE", 101: "CUDA_ERROR_INVALID_DEVICE",
    200: "CUDA_ERROR_INVALID_IMAGE", 201: "CUDA_ERROR_INVALID_CONTEXT", 209: "CUDA_ERROR_NO_BINARY_FOR_GPU",
    218: "CUDA_ERROR_INVALID_PTX", 221: "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
    222: "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", 400: "CUDA_ERROR_INVALID_HANDLE", 500: "CUDA_ERROR_NOT_FOUND",
    600: "CUDA_ERROR_NOT_READY", 700: "CUDA_ERROR_ILLEGAL_ADDRESS", 701: "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
    702: "CUDA_ERROR_LAUNCH_TIMEOUT", 716: "CUDA_ERROR_MISALIGNED_ADDRESS", 719: "CUDA_ERROR_LAUNCH_FAILED",
    801: "CUDA_ERROR_NOT_SUPPORTED", 802: "CUDA_ERROR_SYSTEM_NOT_READY", 803: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
    999: "CUDA_ERROR_UNKNOWN",
}


class CudaUnavailable(ExecutionError):
    """No usable CUDA driver or GPU in this process: the driver library is
    missing or cannot be loaded, cuInit fails, or there is no device. The
    message says which; `mir-run --gpu` prints it after
    `error: no CUDA driver/GPU available: `."""


class CudaError(ExecutionError):
    """A CUDA driver call that returned an error. `call` is the driver
    function (`cuLaunchKernel`), `code` the CUresult, `name` its enum name
    (`CUDA_ERROR_INVALID_PTX`), `description` the driver's text for it and
    `log` the JIT's error log for a module that did not load."""

    def __init__(self, call: str, code: int, name: str, description: str, log: str = "",
                 context: str = ""):
        what = f" ({context})" if context else ""
        message = f"{call} failed{what}: {name}: {description}"
        if log:
            message += "\n" + log.rstrip()
        super().__init__(message)
        self.call = call
        self.code = code
        self.name = name
        self.description = description
        self.log = log
