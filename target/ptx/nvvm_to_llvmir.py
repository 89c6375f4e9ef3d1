"""The nvvm dialect in LLVM IR: its ops become calls of NVPTX intrinsics, its function attributes
become the kernel calling convention and launch-bound attributes (upstream's NVVMToLLVMIRTranslation).

- `nvvm.kernel` on an `llvm.func` makes it a kernel: the `ptx_kernel`
  calling convention, which NVPTX emits as `.entry` (LLVM 20 and later no
  longer read the `nvvm.annotations` metadata for that).
- `nvvm.maxntid` / `nvvm.reqntid` (`array<i32: x, y, z>`), `nvvm.minctasm`
  and `nvvm.maxnreg` (`i32`) become the function attributes NVPTX turns into
  `.maxntid`, `.reqntid`, `.minnctapersm` and `.maxnreg`.
- every nvvm op is a call of the intrinsic its `llvm_intrinsic` names (the
  dialect keeps that mapping, one place for it), with the op's operands in
  order: `nvvm.read.ptx.sreg.tid.x` is `@llvm.nvvm.read.ptx.sreg.tid.x()`
  (its `range` a `range(i32 lo, hi)` on the call), `nvvm.barrier` is
  `@llvm.nvvm.barrier.cta.sync.aligned.all(i32 0)` (barrier id 0 when the
  op has none), `nvvm.shfl.sync` `@llvm.nvvm.shfl.sync.bfly.f32`, ...
"""

from __future__ import annotations

from typing import Any

from mlir_py.target.llvmir.translate import DialectTranslation, FunctionHeader, ModuleTranslator, TranslationError

from mlir_py.ir.builtin_attributes import IntegerAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType
from mlir_py.ir.operation import Operation

_LAUNCH_BOUNDS_3D = ("nvvm.maxntid", "nvvm.reqntid")
_LAUNCH_BOUNDS_1D = ("nvvm.minctasm", "nvvm.maxnreg")
#: ops whose optional first operand (the barrier id) is 0 in the intrinsic when absent
_DEFAULT_BARRIER_ID = ("nvvm.barrier", "nvvm.barrier.arrive")


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
        intrinsic = getattr(op, "llvm_intrinsic", None)
        if not intrinsic:
            raise TranslationError(op, f"'{op.name}' op cannot be translated to LLVM IR")
        problem = self._unsupported(op)
        if problem is not None:
            raise TranslationError(op, problem)
        args = [(tr.ty(v.type, op), tr.value(v)) for v in op.operands]
        if op.name in _DEFAULT_BARRIER_ID and getattr(op, "barrierId", None) is None:
            args.insert(0, ("i32", "0"))
        ret = tr.ty(op.results[0].type, op) if op.results else "void"
        tr._declare(intrinsic, ret, [t for t, _ in args])
        rng = op.properties.get("range")
        ret_attr = f"range({ret} {rng.lower}, {rng.upper}) " if rng is not None else ""
        return f"{lhs}call {ret_attr}{ret} @{intrinsic}({', '.join(f'{t} {v}' for t, v in args)})"

    @staticmethod
    def _unsupported(op: Operation) -> str | None:
        """What the intrinsic name alone cannot express (LLVM would reject or miscompile it)."""
        if op.name == "nvvm.shfl.sync" and op.operands[1].type not in (IntegerType(32), FloatType("f32")):
            return f"'nvvm.shfl.sync' op shuffles i32 or f32, not {op.operands[1].type}"
        if op.name == "nvvm.redux.sync":
            flags = [k for k in ("abs", "nan") if getattr(op.properties.get(k), "value", False)]
            if flags:
                return f"'nvvm.redux.sync' op with {' and '.join(flags)} cannot be translated to LLVM IR"
        return None


TRANSLATION = NVVMTranslation()
