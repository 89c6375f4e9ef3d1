"""Signatures of functions in input that was already in the llvm dialect.

Functions with a `_mlir_ciface_` wrapper that carries `func.function_type`
are called through it with their source signature (engine.py). Any other
function has no memref types left to read, so it can be called from Python
only when its parameters and result are integers or floats (directly, by its
own name: a scalar-only function is its own C interface). The types are read
from the translated LLVM IR.
"""

from __future__ import annotations

from typing import Any

from mlir_py.execution.abi import Signature, scalar_spec

from mlir_py.ir.builtin_types import FloatType, IntegerType

__all__ = ["llvm_signature"]


def _builtin_type(t: Any):
    kind = t.type_kind.name
    if kind == "integer":
        return IntegerType(t.type_width) if t.type_width in (1, 8, 16, 32, 64) else None
    if kind == "float":
        return FloatType("f32")
    if kind == "double":
        return FloatType("f64")
    return None


def llvm_signature(fn: Any) -> Signature | str:
    """The Signature of llvmlite function `fn`, or why Python cannot call it."""
    ft = fn.global_value_type
    if ft.is_function_vararg:
        return "a variadic function cannot be called from Python"
    ins = []
    for i, t in enumerate(ft.get_function_parameters()):
        bt = _builtin_type(t)
        if bt is None:
            return (f"parameter {i} has LLVM type {t}; input already in the llvm dialect has lost its memref types, "
                    "so only functions over integers and floats are callable (functions over memrefs are callable "
                    "through the _mlir_ciface_ wrapper that convert-func-to-llvm writes for llvm.emit_c_interface, "
                    "as --lower-to-llvm does for public functions)")
        ins.append(scalar_spec(bt))
    ret = ft.get_function_return()
    outs = []
    if ret.type_kind.name != "void":
        bt = _builtin_type(ret)
        if bt is None:
            return f"the result has LLVM type {ret}, which Python cannot receive (only integers and floats)"
        outs.append(scalar_spec(bt))
    return Signature(fn.name, tuple(ins), tuple(outs))
