"""A C header for the `_mlir_ciface_` entry points of a module: what C code
includes to call an object compiled from it (the AOT form; docs/aot.md).

The header needs each memref's element type and rank, which the llvm
dialect no longer spells (only pointers are left): it is generated from the
module before lowering, or from one that `--lower-to-llvm` lowered, whose
`_mlir_ciface_` wrappers keep the source signature (`func.function_type`).
Per (element type, rank) it declares MLIR's descriptor

    typedef struct { float *allocated; float *aligned; int64_t offset;
                     int64_t sizes[2]; int64_t strides[2]; } MemRef2D_f32;

and per public function the wrapper's prototype, following MLIR's C
interface (`llvm.emit_c_interface`): memref arguments by pointer, scalars by
value, one scalar result as the return value, and a memref result or
several results through a pointer passed first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mlir_py.passes.conversions.func_to_llvm import SOURCE_FUNCTION_TYPE, lowered_c_interface

from mlir_py.ir.builtin_types import (
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
    from mlir_py.ir.operation import Operation

__all__ = ["CHeaderError", "c_header", "c_prototype"]


class CHeaderError(Exception):
    """A public function whose signature has no C spelling (say, a vector argument)."""

    def __init__(self, message: str, location=None):
        super().__init__(message)
        self.message = message
        self.location = location


_FLOATS = {"f16": "_Float16", "f32": "float", "f64": "double"}


def _scalar_c_type(t: Attribute) -> str | None:
    if isinstance(t, IndexType):
        return "int64_t"
    if isinstance(t, IntegerType):
        if t.width == 1:
            return "bool"
        if t.width in (8, 16, 32, 64):
            return f"{'u' if t.signedness == 'unsigned' else ''}int{t.width}_t"
        return None
    if isinstance(t, FloatType):
        return _FLOATS.get(t.kind)
    if isinstance(t, ComplexType) and isinstance(t.element_type, FloatType) and t.element_type.kind in ("f32", "f64"):
        return f"{_FLOATS[t.element_type.kind]} _Complex"
    return None


def _type_tag(t: Attribute) -> str:
    """`f32`, `i64`, `ui8`, `index`, `complex_f32`: a C identifier part naming an element type."""
    return re.sub(r"[^0-9A-Za-z]+", "_", str(t)).strip("_")


class _Header:
    def __init__(self) -> None:
        self.structs: dict[str, str] = {}

    def descriptor(self, t: MemRefType | RankedTensorType, where: str, location) -> str:
        elt = _scalar_c_type(t.element_type)
        if elt is None:
            raise CHeaderError(f"{where}: element type {t.element_type} has no C type", location)
        if isinstance(t, MemRefType) and t.memory_space is not None:
            ms = t.memory_space
            raise CHeaderError(f"{where}: memory space {getattr(ms, 'value', ms)} is not host memory", location)
        rank = len(t.shape)
        name = f"MemRef{rank}D_{_type_tag(t.element_type)}"
        if name not in self.structs:
            dims = f" int64_t sizes[{rank}]; int64_t strides[{rank}];" if rank else ""
            self.structs[name] = (f"typedef struct {{ {elt} *allocated; {elt} *aligned; int64_t offset;{dims} }} "
                                  f"{name};")
        return name

    def value_type(self, t: Attribute, where: str, location) -> tuple[str, bool]:
        """(C type, is a descriptor)."""
        if isinstance(t, (MemRefType, RankedTensorType)):
            return self.descriptor(t, where, location), True
        c = _scalar_c_type(t)
        if c is None:
            raise CHeaderError(f"{where}: type {t} has no C type", location)
        return c, False


def c_prototype(name: str, ftype: FunctionType, header: _Header | None = None, location=None) -> str:
    """The declaration of `_mlir_ciface_NAME` (after the typedefs it needs, when `header` collects them)."""
    h = header if header is not None else _Header()
    params: list[str] = []
    results = [h.value_type(t, f"@{name}: result {i}", location) for i, t in enumerate(ftype.results)]
    pre = ""
    if len(results) > 1:
        fields = " ".join(f"{c} r{i};" for i, (c, _) in enumerate(results))
        pre = f"typedef struct {{ {fields} }} {name}_results;\n"
        params.append(f"{name}_results *result")
        ret = "void"
    elif results and results[0][1]:
        params.append(f"{results[0][0]} *result")
        ret = "void"
    else:
        ret = results[0][0] if results else "void"
    for i, t in enumerate(ftype.inputs):
        c, is_desc = h.value_type(t, f"@{name}: argument {i}", location)
        params.append(f"{c} *arg{i}" if is_desc else f"{c} arg{i}")
    sig = f"({', '.join(str(t) for t in ftype.inputs)}) -> ({', '.join(str(t) for t in ftype.results)})"
    return (f"/* func.func @{name}{sig} */\n{pre}"
            f"{ret} _mlir_ciface_{name}({', '.join(params) or 'void'});")


def _entry_points(module: Operation):
    """(name, source FunctionType, location) of each C entry point: the public
    func.funcs of a module before lowering, else the wrappers of a lowered one."""
    body = module.regions[0].first_block if module.regions and not module.regions[0].is_empty() else None
    if body is None:
        return []
    funcs = []
    for op in body.ops:
        if op.name != "func.func" or op.regions[0].is_empty():
            continue
        vis = op.properties.get("sym_visibility")
        if vis is not None and vis.value != "public":
            continue
        funcs.append((op.properties["sym_name"].value, op.properties["function_type"].value, op.location))
    if funcs or not any(op.name == "llvm.func" for op in body.ops):
        return funcs
    entries = []
    for name, ftype, op in lowered_c_interface(module):
        if ftype is None:
            raise CHeaderError(f"@_mlir_ciface_{name}: its {SOURCE_FUNCTION_TYPE} attribute does not match its "
                               "type", op.location)
        entries.append((name, ftype, op.location))
    if not entries:
        raise CHeaderError("the module is already in the llvm dialect and no `_mlir_ciface_` wrapper keeps its "
                           f"source signature ({SOURCE_FUNCTION_TYPE}): generate the header from the module "
                           "before --lower-to-llvm, which still has the memref types")
    return entries


def c_header(module: Operation, guard: str = "MLIR_PY_MODULE_H") -> str:
    """The header declaring the `_mlir_ciface_` wrapper of every public function
    defined in `module` (before `--lower-to-llvm`, or lowered by it). Raises
    CHeaderError at the first signature C cannot spell."""
    h = _Header()
    protos = [c_prototype(name, ftype, h, loc) for name, ftype, loc in _entry_points(module)]
    lines = ["/* C interface of an mlir_py module (generated by mir-translate --emit=c-header). */",
             f"#ifndef {guard}",
             f"#define {guard}",
             "",
             "#include <stdbool.h>",
             "#include <stdint.h>",
             "",
             "#ifdef __cplusplus",
             'extern "C" {',
             "#endif",
             "",
             "/* MLIR's memref descriptor: the element at (i, j) is",
             " * aligned[offset + i * strides[0] + j * strides[1]]. A memref a function returns",
             " * was malloc'ed by it unless `allocated` is (void *)0xdeadbeef (a memref.global);",
             " * release it with free(d.allocated). */"]
    lines += list(h.structs.values())
    lines.append("")
    for p in protos:
        lines += [p, ""]
    lines += ["#ifdef __cplusplus", "}", "#endif", "", f"#endif /* {guard} */", ""]
    return "\n".join(lines)


def header_guard(path: str) -> str:
    """`OUT_H` for `out.h`: a guard macro from a file name."""
    import os
    base = re.sub(r"[^0-9A-Za-z]+", "_", os.path.basename(path)).strip("_").upper() or "MLIR_PY_MODULE_H"
    return base if not base[0].isdigit() else "_" + base
