"""The C interface of a compiled function, read from its MLIR signature.

A public `func.func` is called through its `_mlir_ciface_NAME` wrapper
(MLIR's `llvm.emit_c_interface`, DESIGN §5):

- a memref argument is a pointer to its descriptor
  `{T* allocated, T* aligned, i64 offset, i64 sizes[R], i64 strides[R]}`;
- a scalar argument is passed by value (`index` as i64);
- one scalar result is the return value; a memref result, or several
  results, come back through a pointer to a struct of them passed as a new
  first argument (LLVM cannot return such structs portably through C).

The signature is read before lowering, since the llvm dialect no longer
knows which pointer was a `memref<?x4xf32>`. This module turns builtin
types into specs that hold everything the per-call checks need (numpy
dtype, rank, static sizes, layout), so a call never looks at IR.
"""

from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mlir_py.execution.errors import UnsupportedSignatureError

from mlir_py.ir.builtin_attributes import AffineMapAttr, StridedLayoutAttr
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    ComplexType,
    FloatType,
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    RankedTensorType,
)

if TYPE_CHECKING:
    from mlir_py.ir.attributes import Attribute
    from mlir_py.ir.location import Location

__all__ = ["DYNAMIC", "MemRefSpec", "ScalarSpec", "Signature", "descriptor_struct", "element_dtype",
           "signature_of"]

_INT_DTYPES = {8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}
_UINT_DTYPES = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}
_FLOAT_DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


def element_dtype(t: Attribute) -> np.dtype | None:
    """The numpy dtype of a memref element of type `t` (None when numpy has none):
    `i1` is numpy's bool (one byte, as LLVM stores i1), `index` is int64."""
    if isinstance(t, IntegerType):
        if t.width == 1:
            return np.dtype(np.bool_)
        table = _UINT_DTYPES if t.signedness == "unsigned" else _INT_DTYPES
        return np.dtype(table[t.width]) if t.width in table else None
    if isinstance(t, IndexType):
        return np.dtype(np.int64)
    if isinstance(t, FloatType):
        return np.dtype(_FLOAT_DTYPES[t.kind]) if t.kind in _FLOAT_DTYPES else None
    if isinstance(t, ComplexType) and isinstance(t.element_type, FloatType):
        kind = t.element_type.kind
        return np.dtype({"f32": np.complex64, "f64": np.complex128}[kind]) if kind in ("f32", "f64") else None
    return None


@dataclass(frozen=True)
class ScalarSpec:
    """A scalar passed or returned by value."""

    type_text: str          # as MLIR prints it: i32, index, f32
    dtype: np.dtype         # the numpy scalar type a result becomes
    ctype: type             # ctypes type of the value at the C boundary
    kind: str               # "bool", "int", "uint", "float"
    lo: int = 0             # accepted range for integer arguments (signless: both readings)
    hi: int = 0

    @property
    def is_memref(self) -> bool:
        return False


@dataclass(frozen=True)
class MemRefSpec:
    """A memref (or, once bufferized, a ranked tensor) crossing the boundary
    as a descriptor."""

    type_text: str
    dtype: np.dtype
    shape: tuple[int, ...]          # DYNAMIC where `?`
    strides: tuple[int, ...] | None  # in elements, DYNAMIC where `?`; None: identity (C-contiguous)
    offset: int                      # in elements, DYNAMIC where `?`
    is_tensor: bool = False          # a value: inputs may be copied to make them contiguous

    @property
    def is_memref(self) -> bool:
        return True

    @property
    def rank(self) -> int:
        return len(self.shape)


Spec = ScalarSpec | MemRefSpec


@dataclass(frozen=True)
class Signature:
    name: str
    inputs: tuple[Spec, ...]
    results: tuple[Spec, ...]
    location: Location | None = None

    @property
    def returns_struct(self) -> bool:
        """Results come back through a pointer passed first (MLIR's rule: a
        memref result or more than one result)."""
        return len(self.results) > 1 or any(r.is_memref for r in self.results)


def _type_text(t: Attribute) -> str:
    return str(t)


def scalar_spec(t: Attribute) -> ScalarSpec | None:
    text = _type_text(t)
    if isinstance(t, IndexType):
        return ScalarSpec(text, np.dtype(np.int64), ctypes.c_int64, "int", -(2**63), 2**63 - 1)
    if isinstance(t, IntegerType):
        w = t.width
        if w == 1:
            return ScalarSpec(text, np.dtype(np.bool_), ctypes.c_uint8, "bool", 0, 1)
        if w not in _INT_DTYPES:
            return None
        if t.signedness == "unsigned":
            ct = {8: ctypes.c_uint8, 16: ctypes.c_uint16, 32: ctypes.c_uint32, 64: ctypes.c_uint64}[w]
            return ScalarSpec(text, np.dtype(_UINT_DTYPES[w]), ct, "uint", 0, 2**w - 1)
        ct = {8: ctypes.c_int8, 16: ctypes.c_int16, 32: ctypes.c_int32, 64: ctypes.c_int64}[w]
        # a signless integer has no sign of its own: accept both readings of its bits
        hi = 2**w - 1 if t.signedness == "signless" else 2**(w - 1) - 1
        return ScalarSpec(text, np.dtype(_INT_DTYPES[w]), ct, "int", -(2**(w - 1)), hi)
    if isinstance(t, FloatType):
        ct = {"f32": ctypes.c_float, "f64": ctypes.c_double}.get(t.kind)
        if ct is None:
            return None
        return ScalarSpec(text, np.dtype(_FLOAT_DTYPES[t.kind]), ct, "float")
    return None


def memref_spec(t: Attribute) -> MemRefSpec | str:
    """The spec of a memref/tensor type, or why it has none."""
    text = _type_text(t)
    if isinstance(t, RankedTensorType):
        dt = element_dtype(t.element_type)
        if dt is None:
            return f"element type {t.element_type} has no numpy dtype"
        return MemRefSpec(text, dt, tuple(t.shape), None, 0, is_tensor=True)
    assert isinstance(t, MemRefType)
    dt = element_dtype(t.element_type)
    if dt is None:
        return f"element type {t.element_type} has no numpy dtype"
    if t.memory_space is not None:
        ms = t.memory_space
        return f"memory space {getattr(ms, 'value', ms)} is not host memory"
    lay = t.layout
    if lay is None or (isinstance(lay, AffineMapAttr) and lay.value.is_identity()):
        return MemRefSpec(text, dt, tuple(t.shape), None, 0)
    if isinstance(lay, StridedLayoutAttr):
        return MemRefSpec(text, dt, tuple(t.shape), tuple(lay.strides), lay.offset)
    return f"layout {lay} is not strided"


def signature_of(name: str, ftype: FunctionType, location: Location | None = None) -> Signature:
    """The C-interface signature of function `name`; raises UnsupportedSignatureError naming the
    first argument or result that numpy and ctypes cannot carry."""

    def spec(t: Attribute, what: str) -> Spec:
        if isinstance(t, (MemRefType, RankedTensorType)):
            s = memref_spec(t)
            if isinstance(s, str):
                raise UnsupportedSignatureError(f"@{name}: {what} of type {t} is not supported: {s}", location)
            return s
        s = scalar_spec(t)
        if s is None:
            raise UnsupportedSignatureError(
                f"@{name}: {what} of type {t} is not supported (scalars: i1, i8-i64, index, f32, f64; "
                "arrays: memref or tensor of those, f16 or complex)", location)
        return s

    ins = tuple(spec(t, f"argument {i}") for i, t in enumerate(ftype.inputs))
    outs = tuple(spec(t, f"result {i}") for i, t in enumerate(ftype.results))
    return Signature(name, ins, outs, location)


# -- descriptors ------------------------------------------------------------

_DESCRIPTOR_CACHE: dict[tuple[str, int], type[ctypes.Structure]] = {}


def descriptor_struct(ctype: type, rank: int) -> type[ctypes.Structure]:
    """The ctypes Structure of a rank-`rank` descriptor with element type `ctype`
    (cached): what `_mlir_ciface_` functions read, and what C code declares."""
    key = (ctype.__name__, rank)
    cls = _DESCRIPTOR_CACHE.get(key)
    if cls is None:
        fields = [("allocated", ctypes.POINTER(ctype)), ("aligned", ctypes.POINTER(ctype)),
                  ("offset", ctypes.c_int64)]
        if rank:
            fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
        cls = type(f"MemRef{rank}D_{ctype.__name__}", (ctypes.Structure,), {"_fields_": fields})
        _DESCRIPTOR_CACHE[key] = cls
    return cls


def descriptor_format(rank: int) -> struct.Struct:
    """The descriptor's bytes as a struct format: two pointers, then 1 + 2*rank int64s
    (native order and alignment, which is LLVM's for `{ptr, ptr, i64, [R x i64], [R x i64]}`)."""
    return struct.Struct(f"@PPq{2 * rank}q")


def descriptor_size(rank: int) -> int:
    return descriptor_format(rank).size
