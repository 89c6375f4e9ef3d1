"""numpy arrays as graph constants: element types, and the blobs of `dense_resource` weights.

A blob in the `{-# dialect_resources #-}` section is MLIR's hex string:
`"0x"`, four bytes of alignment (little-endian; the element size here), then
the elements' little-endian bytes in row-major order, the format the LLVM IR
translation and mlir-opt read back.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from mlir_py.ir.builtin_types import f16, f32, i1, i32, i64

#: graph element types by the names the builder accepts, and their numpy dtypes (i1: the results of comparisons)
ELEMENT_TYPES = {"f32": f32, "f16": f16, "i32": i32, "i64": i64, "i1": i1}
NUMPY_DTYPES = {"f32": np.dtype(np.float32), "f16": np.dtype(np.float16), "i32": np.dtype(np.int32),
                "i64": np.dtype(np.int64), "i1": np.dtype(np.bool_)}
_BY_NUMPY = {v: k for k, v in NUMPY_DTYPES.items()}


def dtype_name(dtype: Any) -> str:
    """'f32', 'f16', 'i32', 'i64' or 'i1' for a name ('f32', 'float32') or numpy dtype; ValueError otherwise."""
    if isinstance(dtype, str) and dtype in ELEMENT_TYPES:
        return dtype
    try:
        npd = np.dtype(dtype)
    except TypeError:
        npd = None
    if npd is None or npd not in _BY_NUMPY:
        raise ValueError(f"unsupported element type {dtype!r}: the graph dialect takes f32, f16, i32, i64 and i1")
    return _BY_NUMPY[npd]


def array_dtype_name(array: np.ndarray) -> str:
    """The graph element type of a numpy array: float64 becomes f32 and Python ints i64, as a model expects."""
    if array.dtype == np.float64:
        return "f32"
    if array.dtype.kind in "iu" and array.dtype not in _BY_NUMPY:
        return "i64"
    return dtype_name(array.dtype)


def blob_text(array: np.ndarray) -> str:
    """The quoted hex string of `array`'s bytes, as the resource section holds it."""
    a = np.ascontiguousarray(array)
    data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    return f'"0x{a.dtype.itemsize:02X}000000{data.hex().upper()}"'


def resource_name(hint: str | None, taken: set[str]) -> str:
    """A resource handle from `hint` (letters, digits, `_` and `.` kept), made unique among `taken`."""
    base = re.sub(r"[^A-Za-z0-9_.]", "_", hint or "weight") or "weight"
    if not (base[0].isalpha() or base[0] == "_"):
        base = "_" + base
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name
