"""A compiled host function that launches kernels, called with numpy arrays.

Kernels can only read memory the GPU can reach, and a numpy array is
ordinary (pageable) host memory. So each array argument is *staged*: copied
into a managed buffer (reachable from host code and kernels at the same
address) before the call, and copied back afterwards when it is writable
(the function may have written its output there). An array already in
managed memory (`cuda.managed_array`) is passed as it is, with no copy:
that is how data stays on the device across calls. Staging buffers are
reused from call to call (a pool per function, so concurrent callers each
get their own).

After the native call: a runtime error recorded by the host callbacks is
raised (`HostRuntime.raise_pending`), then the context is synchronized, so
a kernel's fault is a `CudaError` here and results are complete before
numpy reads them. Results the compiled code allocated with `gpu.alloc` are
owned by the runtime (`GpuAllocation`) and freed with the last array
viewing them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mlir_py.execution.abi import MemRefSpec
from mlir_py.execution.cuda.host_runtime import HostRuntime
from mlir_py.execution.cuda.memory import managed_array, managed_buffer_of, prefetch_to_device

__all__ = ["GpuFunction"]


class GpuFunction:
    """`fn(*args)` like `JitFunction`, for a function whose kernels run on the GPU."""

    def __init__(self, jit_function: Any, runtime: HostRuntime):
        self.jit = jit_function
        self.signature = jit_function.signature
        self.name = jit_function.name
        self.runtime = runtime
        self._memref_args = [i for i, s in enumerate(self.signature.inputs) if isinstance(s, MemRefSpec)]
        self._pool: list[dict[int, np.ndarray]] = []

    def __repr__(self) -> str:
        return "<GpuFunction" + repr(self.jit)[len("<JitFunction"):]

    def _stage(self, args: tuple, staging: dict[int, np.ndarray]) -> tuple[list, list]:
        call_args = list(args)
        copied_back = []
        for i in self._memref_args:
            if i >= len(args):
                break
            a = args[i]
            if not isinstance(a, np.ndarray) or managed_buffer_of(a) is not None:
                continue  # not an array (the call reports it), or already reachable from the GPU
            s = staging.get(i)
            if s is None or s.shape != a.shape or s.dtype != a.dtype:
                s = staging[i] = managed_array(a.shape, a.dtype, context=self.runtime.context)
            np.copyto(s, a)
            prefetch_to_device(self.runtime.context, s.ctypes.data, s.nbytes)
            call_args[i] = s
            if a.flags.writeable:
                copied_back.append((a, s))
        return call_args, copied_back

    @staticmethod
    def _unstaged(result: Any, staging: dict[int, np.ndarray]) -> Any:
        """A result viewing a staging buffer (a returned argument) is copied out:
        the next call reuses the buffer."""
        if not staging:
            return result
        buffers = {id(managed_buffer_of(s)) for s in staging.values()}

        def fix(r):
            if isinstance(r, np.ndarray) and id(managed_buffer_of(r)) in buffers:
                return r.copy()
            return r
        return tuple(fix(r) for r in result) if isinstance(result, tuple) else fix(result)

    def __call__(self, *args: Any) -> Any:
        rt = self.runtime
        rt.context.make_current()
        try:
            staging = self._pool.pop()
        except IndexError:
            staging = {}
        try:
            call_args, copied_back = self._stage(args, staging)
            rt.take_error()  # an error left over from an interrupted call is not this call's
            result = self.jit(*call_args)
            rt.raise_pending()
            rt.context.synchronize()
            for a, s in copied_back:
                np.copyto(a, s)
            return self._unstaged(result, staging)
        finally:
            self._pool.append(staging)
