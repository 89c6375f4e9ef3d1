"""The LLVM intrinsic behind each `llvm.intr.*` op: its mangled name, argument list and declaration.

An overloaded intrinsic's name carries the types it is overloaded on
(`llvm.fabs.v4f32`, `llvm.memcpy.p0.p0.i64`, `llvm.masked.load.v4f32.p0`);
`INTRINSIC_OVERLOADS` in the dialect says which types those are for each op.
Flags that are properties in MLIR (`is_zero_poison`, `isVolatile`) are
immediate i1/i32 arguments in LLVM IR.
"""

from __future__ import annotations

from typing import Any, Callable

from mlir_py.dialects.llvm.intrinsics import INTRINSIC_OVERLOADS
from mlir_py.dialects.llvm.types import LLVMPointerType

from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType


def mangle(t: Any) -> str:
    """The type suffix LLVM uses in overloaded intrinsic names."""
    if isinstance(t, IntegerType):
        return f"i{t.width}"
    if isinstance(t, FloatType):
        return str(t)
    if isinstance(t, LLVMPointerType):
        return f"p{t.address_space}"
    if isinstance(t, VectorType):
        scalable = "nx" if t.scalable_dims and any(t.scalable_dims) else ""
        return f"{scalable}v{t.shape[0]}{mangle(t.element_type)}"
    raise ValueError(f"cannot mangle {t}")


def intrinsic_name(op: Any) -> str:
    """`llvm.intr.fabs` on f32 -> `llvm.fabs.f32`."""
    base = "llvm." + op.name[len("llvm.intr."):]
    overloads = INTRINSIC_OVERLOADS.get(op.name, ("res",))
    parts = [base]
    for o in overloads:
        t = op.results[0].type if o == "res" else op.operands[o].type
        parts.append(mangle(t))
    return ".".join(parts)


def _i1(name: str) -> Callable[[Any], list[tuple[str, str]]]:
    return lambda op: [("i1", "true" if op.properties[name].value else "false")]


def _i32(*names: str) -> Callable[[Any], list[tuple[str, str]]]:
    return lambda op: [("i32", str(op.properties[n].value)) for n in names]


#: extra immediate arguments appended after the operands, per op
EXTRA_ARGS: dict[str, Callable[[Any], list[tuple[str, str]]]] = {
    "llvm.intr.ctlz": _i1("is_zero_poison"),
    "llvm.intr.cttz": _i1("is_zero_poison"),
    "llvm.intr.abs": _i1("is_int_min_poison"),
    "llvm.intr.memcpy": _i1("isVolatile"),
    "llvm.intr.memmove": _i1("isVolatile"),
    "llvm.intr.memset": _i1("isVolatile"),
    "llvm.intr.prefetch": _i32("rw", "hint", "cache"),
}

#: ops whose alignment becomes an `align N` attribute on their pointer operand (index)
ALIGNED_POINTER_OPERAND = {
    "llvm.intr.masked.load": 0, "llvm.intr.masked.store": 1,
    "llvm.intr.masked.gather": 0, "llvm.intr.masked.scatter": 1,
}
