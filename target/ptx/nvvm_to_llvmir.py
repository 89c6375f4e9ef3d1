"""The nvvm dialect in LLVM IR: its ops become calls of NVPTX intrinsics, its function attributes
become the kernel calling convention and launch-bound attributes (upstream's NVVMToLLVMIRTranslation).

- `nvvm.kernel` on an `llvm.func` makes it a kernel: the `ptx_kernel`
  calling convention, which NVPTX emits as `.entry` (LLVM 20 and later no
  longer read the `nvvm.annotations` metadata for that).
- `nvvm.maxntid` / `nvvm.reqntid` (`array<i32: x, y, z>`), `nvvm.minctasm`
  and `nvvm.maxnreg` (`i32`) become the function attributes NVPTX turns into
  `.maxntid`, `.reqntid`, `.minnctapersm` and `.maxnreg`.
- `nvvm.read.ptx.sreg.*` read special registers (`%tid.x`, `%ctaid.x`, ...),
  `nvvm.barrier` is `bar.sync` (`barrier.sync` unaligned), `nvvm.shfl.sync` is
  `shfl.sync`, `nvvm.vote.sync` is `vote.sync`, `nvvm.redux.sync` is
  `redux.sync` (sm_80 and later).
"""

from __future__ import annotations

from typing import Any

from mlir_py.target.llvmir.intrinsics import mangle
from mlir_py.target.llvmir.translate import DialectTranslation, FunctionHeader, ModuleTranslator, TranslationError

from mlir_py.ir.builtin_attributes import IntegerAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType
from mlir_py.ir.operation import Operation

_LAUNCH_BOUNDS_3D = {"nvvm.maxntid": "nvvm.maxntid", "nvvm.reqntid": "nvvm.reqntid"}
_LAUNCH_BOUNDS_1D = {"nvvm.minctasm": "nvvm.minctasm", "nvvm.maxnreg": "nvvm.maxnreg"}
_REDUX_KINDS = ("add", "and", "max", "min", "or", "umax", "umin", "xor")
_SHFL_KINDS = ("bfly", "up", "down", "idx")
_VOTE_KINDS = ("any", "all", "ballot", "uni")


def _kind(op: Operation, name: str, allowed: tuple[str, ...]) -> str:
    """The case of an enum property (`#nvvm.shfl_kind<bfly>` -> "bfly"), checked against `allowed`."""
    attr = op.properties.get(name) or op.attributes.get(name)
    case = None
    if attr is not None:
        names = getattr(attr, "case_names", None)
        if names:
            case = names[0]
        elif hasattr(attr, "value") and isinstance(attr.value, str):
            case = attr.value
    if case not in allowed:
        raise TranslationError(op, f"'{op.name}' op has no supported '{name}' (expected one of "
                                   f"{', '.join(allowed)}), cannot be translated to LLVM IR")
    return case


def _ints(attr: Any) -> list[int] | None:
    values = getattr(attr, "values", None)
    if values is not None:
        return [int(v) for v in values]
    if isinstance(attr, IntegerAttr):
        return [attr.value]
    return None


class NVVMTranslation(DialectTranslation):
    def amend_function(self, tr: ModuleTranslator, func: Operation, name: str, attr: Any,
                       header: FunctionHeader) -> None:
        if name == "nvvm.kernel":
            if not isinstance(attr, UnitAttr):
                raise TranslationError(func, "'nvvm.kernel' must be a unit attribute")
            header.cconv = "ptx_kernel"
        elif name in _LAUNCH_BOUNDS_3D or name in _LAUNCH_BOUNDS_1D:
            values = _ints(attr)
            want = 3 if name in _LAUNCH_BOUNDS_3D else 1
            if values is None or not 1 <= len(values) <= want or any(v <= 0 for v in values):
                shape = "an array<i32> of 1 to 3 positive sizes" if want == 3 else "a positive i32"
                raise TranslationError(func, f"'{name}' must be {shape}, got {attr}")
            header.attributes.append(f'"{name}"="{",".join(str(v) for v in values)}"')

    def instruction(self, tr: ModuleTranslator, op: Operation, lhs: str) -> str:
        name = op.name
        if name.startswith("nvvm.read.ptx.sreg."):
            ret = tr.ty(op.results[0].type, op)
            rng = op.properties.get("range")
            if rng is not None:  # `range(i32 0, 1024)` on the call: what LLVM may assume of the value
                ret_attr = f"range({ret} {rng.lower}, {rng.upper}) "
                tr._declare("llvm." + name, ret, [])
                return f"{lhs}call {ret_attr}{ret} @llvm.{name}()"
            return self._call(tr, op, lhs, "llvm." + name, ret, [])
        if name == "nvvm.barrier":
            return self._barrier(tr, op)
        if name == "nvvm.shfl.sync":
            return self._shuffle(tr, op, lhs)
        if name == "nvvm.vote.sync":
            kind = _kind(op, "kind", _VOTE_KINDS)
            ret = tr.ty(op.results[0].type, op)
            return self._call(tr, op, lhs, f"llvm.nvvm.vote.{kind}.sync", ret,
                              [self._arg(tr, op, 0), self._arg(tr, op, 1)])
        if name == "nvvm.redux.sync":
            kind = _kind(op, "kind", _REDUX_KINDS)
            if op.results[0].type != IntegerType(32):
                raise TranslationError(op, "'nvvm.redux.sync' op is translated for i32 only")
            return self._call(tr, op, lhs, f"llvm.nvvm.redux.sync.{kind}", "i32",
                              [self._arg(tr, op, 0), self._arg(tr, op, 1)])
        raise TranslationError(op, f"'{name}' op cannot be translated to LLVM IR")

    @staticmethod
    def _arg(tr: ModuleTranslator, op: Operation, i: int) -> tuple[str, str]:
        v = op.operands[i]
        return tr.ty(v.type, op), tr.value(v)

    @staticmethod
    def _call(tr: ModuleTranslator, op: Operation, lhs: str, callee: str, ret: str,
              args: list[tuple[str, str]]) -> str:
        tr._declare(callee, ret, [t for t, _ in args])
        return f"{lhs}call {ret} @{callee}({', '.join(f'{t} {v}' for t, v in args)})"

    def _barrier(self, tr: ModuleTranslator, op: Operation) -> str:
        """`bar.sync id[, count]`: barrier 0 and all threads of the CTA unless the operands say otherwise."""
        segments = _ints(op.properties.get("operandSegmentSizes")) or [0, 0]
        has_id, has_count = (bool(segments[0]), bool(segments[1])) if len(segments) == 2 else (False, False)
        operands = iter(op.operands)
        barrier_id = self._arg(tr, op, 0) if has_id else ("i32", "0")
        if has_id:
            next(operands)
        aligned = op.properties.get("aligned")
        flavour = "aligned." if aligned is None or bool(getattr(aligned, "value", True)) else ""
        if has_count:
            count_value = next(operands)
            count = (tr.ty(count_value.type, op), tr.value(count_value))
            return self._call(tr, op, "", f"llvm.nvvm.barrier.cta.sync.{flavour}count", "void", [barrier_id, count])
        return self._call(tr, op, "", f"llvm.nvvm.barrier.cta.sync.{flavour}all", "void", [barrier_id])

    def _shuffle(self, tr: ModuleTranslator, op: Operation, lhs: str) -> str:
        kind = _kind(op, "kind", _SHFL_KINDS)
        value_type = op.operands[1].type
        if value_type not in (IntegerType(32), FloatType("f32")):
            raise TranslationError(op, f"'nvvm.shfl.sync' op shuffles i32 or f32, not {value_type}")
        with_pred = "return_value_and_is_valid" in op.properties or "return_value_and_is_valid" in op.attributes
        suffix = mangle(value_type) + ("p" if with_pred else "")
        ret = tr.ty(op.results[0].type, op)
        args = [self._arg(tr, op, i) for i in range(4)]
        return self._call(tr, op, lhs, f"llvm.nvvm.shfl.sync.{kind}.{suffix}", ret, args)


TRANSLATION = NVVMTranslation()
