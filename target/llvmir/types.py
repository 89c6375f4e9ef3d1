"""LLVM IR spellings of types and constants.

Types: builtin scalars and 1-D vectors, and the llvm dialect's pointers,
arrays, structs and function types. Identified structs are named types
(`%name = type {...}`), collected by `TypeTranslator` as it meets them.

Constants: integer/float attributes, dense elements (vectors and nested
arrays, walked in row-major order), strings as `c"..."`. Floats use the
hexadecimal forms LLVM reads back bit-exactly.
"""

from __future__ import annotations

import re
import struct
from typing import Any

import numpy as np
from mlir_py.dialects.llvm.types import (
    LLVMArrayType,
    LLVMFunctionType,
    LLVMLabelType,
    LLVMMetadataType,
    LLVMPointerType,
    LLVMStructType,
    LLVMTokenType,
    LLVMVoidType,
)

from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType


class UnsupportedType(Exception):
    """A type with no LLVM IR counterpart (index, tensors, memrefs, multi-dimensional vectors)."""


_FLOATS = {"f16": "half", "bf16": "bfloat", "f32": "float", "f64": "double", "f80": "x86_fp80", "f128": "fp128"}
_IDENT = re.compile(r"[-a-zA-Z$._][-a-zA-Z$._0-9]*\Z")


def quote_string(s: str) -> str:
    """A double-quoted LLVM string, non-printable and quote characters escaped as `\\XX`."""
    return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else f"\\{ord(c):02X}" for c in s) + '"'


def llvm_name(name: str) -> str:
    """A global or type name, quoted when LLVM's bare identifier syntax cannot spell it."""
    if _IDENT.match(name):
        return name
    return quote_string(name)


class TypeTranslator:
    """Spells types, remembering identified structs so the module can define them first."""

    def __init__(self) -> None:
        self.named_structs: dict[str, str] = {}

    def __call__(self, t: Any) -> str:
        return self.spell(t)

    def spell(self, t: Any) -> str:
        if isinstance(t, IntegerType):
            return f"i{t.width}"
        if isinstance(t, FloatType):
            s = _FLOATS.get(str(t))
            if s is None:
                raise UnsupportedType(str(t))
            return s
        if isinstance(t, LLVMPointerType):
            return "ptr" if not t.address_space else f"ptr addrspace({t.address_space})"
        if isinstance(t, VectorType):
            if len(t.shape) != 1:
                raise UnsupportedType(str(t))
            elem = self.spell(t.element_type)
            scalable = any(t.scalable_dims) if t.scalable_dims else False
            return f"<{'vscale x ' if scalable else ''}{t.shape[0]} x {elem}>"
        if isinstance(t, LLVMArrayType):
            return f"[{t.num_elements} x {self.spell(t.element_type)}]"
        if isinstance(t, LLVMStructType):
            if t.identifier is not None:
                name = "%" + llvm_name(t.identifier)
                if t.identifier not in self.named_structs:
                    self.named_structs[t.identifier] = ""  # a placeholder ends recursion
                    self.named_structs[t.identifier] = "opaque" if t.body is None else self._body(t)
                return name
            return self._body(t)
        if isinstance(t, LLVMVoidType):
            return "void"
        if isinstance(t, LLVMFunctionType):
            params = [self.spell(p) for p in t.params] + (["..."] if t.is_var_arg else [])
            return f"{self.spell(t.return_type)} ({', '.join(params)})"
        if isinstance(t, LLVMTokenType):
            return "token"
        if isinstance(t, LLVMMetadataType):
            return "metadata"
        if isinstance(t, LLVMLabelType):
            return "label"
        raise UnsupportedType(str(t))

    def _body(self, t: LLVMStructType) -> str:
        inner = ", ".join(self.spell(f) for f in t.body)
        body = f"{{ {inner} }}" if inner else "{}"
        return f"<{body}>" if t.packed else body

    def definitions(self) -> list[str]:
        return [f"%{llvm_name(n)} = type {b}" for n, b in self.named_structs.items()]


# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------


def float_literal(v: float, t: Any) -> str:
    """A float in the hexadecimal form LLVM parses exactly (float/double use the double's bits)."""
    name = str(t)
    if name == "f16":
        return "0xH" + np.array(v, dtype=np.float16).view(np.uint16).item().to_bytes(2, "big").hex().upper()
    if name == "bf16":
        bits = np.array(v, dtype=np.float32).view(np.uint32).item()
        return f"0xR{(bits >> 16) & 0xFFFF:04X}"
    if name == "f32":
        v = float(np.float32(v))
    return "0x" + struct.pack(">d", float(v)).hex().upper()


def int_literal(v: int, t: Any) -> str:
    if isinstance(t, IntegerType) and t.width == 1:
        return "true" if v & 1 else "false"
    w = t.width if isinstance(t, IntegerType) else 64
    v &= (1 << w) - 1
    return str(v - (1 << w) if v >> (w - 1) else v)


def scalar_literal(v: Any, t: Any) -> str:
    if isinstance(t, FloatType):
        return float_literal(float(v), t)
    if isinstance(t, IntegerType):
        return int_literal(int(v), t)
    raise UnsupportedType(str(t))


def _elements_literal(values: list, t: Any, spell: TypeTranslator) -> str:
    """Consume `values` (row-major scalars) to build a constant of type t."""
    if isinstance(t, VectorType):
        n = t.shape[0]
        et = t.element_type
        es = spell(et)
        items = [f"{es} {scalar_literal(values.pop(), et)}" for _ in range(n)]
        return "<" + ", ".join(items) + ">"
    if isinstance(t, LLVMArrayType):
        et = t.element_type
        es = spell(et)
        items = [f"{es} {_elements_literal(values, et, spell)}" for _ in range(t.num_elements)]
        return "[" + ", ".join(items) + "]"
    if isinstance(t, LLVMStructType):
        items = [f"{spell(f)} {_elements_literal(values, f, spell)}" for f in t.body or ()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    return scalar_literal(values.pop(), t)


def _leaf_type(t: Any) -> Any:
    """The scalar type at the bottom of nested arrays / a vector (None when structs are involved)."""
    while isinstance(t, (LLVMArrayType, VectorType)):
        t = t.element_type
    return t if isinstance(t, (FloatType, IntegerType)) else None


def _leaf_literals(flat: np.ndarray, et: Any) -> list[str] | None:
    """`scalar_literal` of every element of `flat`, vectorized; None for the types it leaves to the slow path."""
    if isinstance(et, FloatType):
        name = str(et)
        if name == "f16":
            return [f"0xH{b:04X}" for b in flat.astype(np.float16).view(np.uint16).tolist()]
        if name in ("f32", "f64"):
            d = flat.astype(np.float32 if name == "f32" else np.float64).astype(np.float64)
            return [f"0x{b:016X}" for b in d.view(np.uint64).tolist()]
        return None
    if isinstance(et, IntegerType) and et.width in (8, 16, 32, 64) and flat.dtype.kind in "iub":
        return [str(v) for v in flat.astype(f"int{et.width}").tolist()]
    return None


def _elements_text(leaves: list[str], t: Any, spell: TypeTranslator) -> str:
    """`_elements_literal` over scalars already spelled (popped from the end of `leaves`)."""
    if isinstance(t, VectorType):
        es = spell(t.element_type)
        return "<" + ", ".join(f"{es} {leaves.pop()}" for _ in range(t.shape[0])) + ">"
    if isinstance(t, LLVMArrayType):
        et = t.element_type
        es = spell(et)
        if isinstance(et, (FloatType, IntegerType)):
            return "[" + ", ".join(f"{es} {leaves.pop()}" for _ in range(t.num_elements)) + "]"
        return "[" + ", ".join(f"{es} {_elements_text(leaves, et, spell)}" for _ in range(t.num_elements)) + "]"
    return leaves.pop()


def _leaf_count(t: Any) -> int:
    if isinstance(t, VectorType):
        return t.shape[0]
    if isinstance(t, LLVMArrayType):
        return t.num_elements * _leaf_count(t.element_type)
    return 1


def constant_literal(attr: Any, t: Any, spell: TypeTranslator) -> str:
    """The constant (without its type) for an attribute initializing a value of type t."""
    if isinstance(attr, IntegerAttr):
        if isinstance(t, (VectorType, LLVMArrayType)):
            return _splat(int(attr.value), attr.type, t, spell)
        return int_literal(attr.value, t)
    if isinstance(attr, FloatAttr):
        if isinstance(t, (VectorType, LLVMArrayType)):
            return _splat(float(attr.value), attr.type, t, spell)
        return float_literal(float(attr.value), t)
    if isinstance(attr, StringAttr):
        data = attr.value.encode("latin-1", "surrogateescape") if isinstance(attr.value, str) else attr.value
        return 'c"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:02X}" for b in data) + '"'
    if isinstance(attr, DenseElementsAttr):
        arr = np.asarray(attr.array)
        flat = arr.reshape(-1)
        n = _leaf_count(t)
        if flat.size == 1 and n != 1:
            flat = np.repeat(flat, n)
        if flat.size != n:
            raise UnsupportedType(f"{attr.type} does not fill {t}")
        if not np.any(flat):
            return "zeroinitializer"
        leaves = _leaf_literals(flat, _leaf_type(t))
        if leaves is not None:  # numpy formats every element at once: weights of 10^5+ elements stay cheap
            leaves.reverse()
            return _elements_text(leaves, t, spell)
        values = [x.item() if hasattr(x, "item") else x for x in flat][::-1]
        return _elements_literal(values, t, spell)
    raise UnsupportedType(f"attribute {attr}")


def _splat(v: Any, scalar_t: Any, t: Any, spell: TypeTranslator) -> str:
    n = _leaf_count(t)
    return _elements_literal([v] * n, t, spell)
