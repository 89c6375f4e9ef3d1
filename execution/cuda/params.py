"""Kernel arguments as cuLaunchKernel wants them: an array of pointers, one
to each argument's value.

The kernel's parameter list is fixed by its PTX (`.param .u64`, `.param
.f32`, ...) and the driver copies `sizeof(param)` bytes from each pointer,
so a value of the wrong width is read as garbage, not rejected. That is
why a Python `int` or `float` is refused here: its width is a guess. Each
argument says its type: a numpy scalar (`np.float32(2.0)`, `np.int64(n)`),
a ctypes value (`ctypes.c_int32(7)`), or a `DeviceBuffer` (its address, a
64-bit pointer). The values sit in one buffer at their natural alignment;
`KernelParams` keeps it alive as long as the pointer array.
"""

from __future__ import annotations

import ctypes
from typing import Any, Sequence

import numpy as np

__all__ = ["KernelParams", "pack_kernel_params"]

_SIMPLE_CTYPES = (ctypes.c_bool, ctypes.c_int8, ctypes.c_uint8, ctypes.c_int16, ctypes.c_uint16, ctypes.c_int32,
                  ctypes.c_uint32, ctypes.c_int64, ctypes.c_uint64, ctypes.c_float, ctypes.c_double,
                  ctypes.c_void_p)


def _value_bytes(arg: Any, i: int) -> tuple[bytes, int]:
    """(the bytes of argument `i`, its alignment)."""
    from mlir_py.execution.cuda.memory import DeviceBuffer
    if isinstance(arg, DeviceBuffer):
        return int(arg.ptr).to_bytes(8, "little"), 8
    if isinstance(arg, np.generic):  # before int/float: np.float64 is a float
        if arg.dtype.kind not in "biuf":
            raise TypeError(f"kernel argument {i} has dtype {arg.dtype}, which no kernel parameter takes")
        return arg.tobytes(), arg.dtype.alignment
    if isinstance(arg, (bool, int, float)) or isinstance(arg, np.ndarray):
        kind = "an array" if isinstance(arg, np.ndarray) else f"a Python {type(arg).__name__}"
        raise TypeError(f"kernel argument {i} is {kind}: give its exact type (np.int32(..), np.int64(..), "
                        "np.float32(..), a ctypes value) or a DeviceBuffer")
    if isinstance(arg, _SIMPLE_CTYPES):
        size = ctypes.sizeof(arg)
        return ctypes.string_at(ctypes.addressof(arg), size), ctypes.alignment(arg)
    if isinstance(arg, ctypes.Structure):  # a by-value struct parameter
        return ctypes.string_at(ctypes.addressof(arg), ctypes.sizeof(arg)), ctypes.alignment(arg)
    raise TypeError(f"kernel argument {i} of type {type(arg).__name__} is not a numpy scalar, ctypes value "
                    "or DeviceBuffer")


class KernelParams:
    """The `void**` for cuLaunchKernel's kernelParams and the storage it points into."""

    def __init__(self, values: list[bytes], aligns: list[int]):
        offsets, end = [], 0
        for v, a in zip(values, aligns):
            end = (end + a - 1) // a * a
            offsets.append(end)
            end += len(v)
        self.storage = (ctypes.c_uint64 * max(1, (end + 7) // 8))()  # 8-byte aligned
        base = ctypes.addressof(self.storage)
        for v, off in zip(values, offsets):
            ctypes.memmove(base + off, v, len(v))
        self.offsets = offsets
        self.sizes = [len(v) for v in values]
        self.pointers = (ctypes.c_void_p * max(1, len(values)))(*[base + off for off in offsets])
        self.count = len(values)

    @property
    def array(self):
        """What cuLaunchKernel's `kernelParams` takes (None for a kernel without parameters)."""
        return ctypes.cast(self.pointers, ctypes.POINTER(ctypes.c_void_p)) if self.count else None

    def value_bytes(self, i: int) -> bytes:
        """The bytes that parameter `i`'s pointer points to."""
        return ctypes.string_at(self.pointers[i], self.sizes[i])


def pack_kernel_params(args: Sequence[Any]) -> KernelParams:
    """Pack `args` (see the module docstring for what each may be)."""
    values, aligns = [], []
    for i, a in enumerate(args):
        v, al = _value_bytes(a, i)
        values.append(v)
        aligns.append(al)
    return KernelParams(values, aligns)
