"""What the NVPTX backend can compile on its own, checked before LLVM sees the module.

The backend has no libm: `llvm.exp.f32`, `llvm.log.f32`, `llvm.sin.f64`, ...
have no lowering and LLVM stops the whole process ("no libcall available
for fexp"). CUDA programs take these from libdevice (`__nv_expf`), which is
not linked here. So device code is checked first and such ops are errors at
the op, with what to do instead:

- math intrinsics without any NVPTX lowering are rejected;
- `exp2` lowers (`ex2.approx`) for f32 and f16 only; `sin`, `cos` and `tanh`
  lower (`sin.approx`, ...) for f32 and f16 with the `afn` fast-math flag only;
- calls of functions the module declares but does not define must be CUDA's
  device runtime (`vprintf`, `malloc`, `free`, `__assertfail`): anything else
  (`expf`, `__nv_expf`) would fail when the driver loads the PTX.
"""

from __future__ import annotations

from mlir_py.dialects.llvm.attributes import FASTMATH_CASES

from mlir_py.ir.builtin_types import FloatType, VectorType
from mlir_py.ir.diagnostics import Diagnostic, DiagnosticError
from mlir_py.ir.operation import Operation

#: math intrinsics that NVPTX cannot lower for any type
NO_NVPTX_LOWERING = frozenset({"exp", "exp10", "log", "log2", "log10", "tan", "asin", "acos", "atan", "atan2",
                               "sinh", "cosh", "pow", "powi", "lround", "llround", "lrint", "llrint", "frexp",
                               "ldexp", "sincos", "modf"})
#: lowered to `.approx` instructions for f32/f16; `True`: only with the `afn` flag
APPROX_ONLY = {"exp2": False, "sin": True, "cos": True, "tanh": True}
#: functions the CUDA driver provides to PTX without linking
DEVICE_RUNTIME = frozenset({"vprintf", "malloc", "free", "__assertfail"})


def _element(t):
    return t.element_type if isinstance(t, VectorType) else t


def _has_afn(op: Operation) -> bool:
    fm = op.properties.get("fastmathFlags")
    return fm is not None and bool(fm.value & FASTMATH_CASES["afn"])


def _intrinsic_problem(base: str, op: Operation) -> str | None:
    if base in NO_NVPTX_LOWERING:
        return (f"the NVPTX backend has no lowering for 'llvm.{base}' and libdevice is not linked; lower math "
                "ops inside kernels with convert-gpu-to-nvvm (exp/log through ex2/lg2), or compute it another way")
    if base in APPROX_ONLY:
        t = _element(op.results[0].type) if op.results else None
        if t not in (FloatType("f32"), FloatType("f16")):
            return f"the NVPTX backend lowers 'llvm.{base}' for f32 and f16 only (an approximation), not for {t}"
        if APPROX_ONLY[base] and not _has_afn(op):
            return (f"the NVPTX backend lowers 'llvm.{base}' only as an approximation: the op needs the `afn` "
                    "fast-math flag")
    return None


def _ops_in_llvm_dialects(module: Operation):
    """The ops under `module` in pre-order, not descending into an op outside llvm/nvvm (reported once)."""
    stack = [op for region in reversed(module.regions) for block in reversed(list(region.blocks))
             for op in reversed(list(block.ops))]
    while stack:
        op = stack.pop()
        yield op
        if op.name.split(".", 1)[0] in ("llvm", "nvvm"):
            stack.extend(op for region in reversed(op.regions) for block in reversed(list(region.blocks))
                         for op in reversed(list(block.ops)))


def check_device_module(module: Operation, name: str) -> None:
    """Raise DiagnosticError at each op of the device module that NVPTX cannot compile (all of them at once)."""
    diags: list[Diagnostic] = []
    where = f"gpu.module @{name}" if module.name == "gpu.module" else "the module"
    body = module.regions[0].first_block if module.regions else None
    declared: set[str] = set()
    for op in body.ops if body is not None else ():
        if op.name == "llvm.func" and op.regions[0].is_empty():
            declared.add(op.properties["sym_name"].value)
    for op in _ops_in_llvm_dialects(module):
        problem = None
        dialect = op.name.split(".", 1)[0]
        if dialect not in ("llvm", "nvvm"):
            problem = (f"'{op.name}' op cannot be translated to PTX: the kernels of {where} must be in "
                       "the llvm and nvvm dialects (lower them first, e.g. with mir-opt --lower-to-nvvm)")
        elif op.name.startswith("llvm.intr."):
            problem = _intrinsic_problem(op.name[len("llvm.intr."):], op)
        elif op.name == "llvm.call_intrinsic":
            parts = op.properties["intrin"].value.split(".")
            if len(parts) >= 2 and parts[0] == "llvm":
                problem = _intrinsic_problem(parts[1], op)
        elif op.name == "llvm.call":
            callee = op.properties.get("callee")
            if callee is not None and callee.root in declared and callee.root not in DEVICE_RUNTIME:
                problem = (f"call of '{callee.root}', a function {where} declares but does not define: "
                           "device code can only call functions of its own module and CUDA's device runtime "
                           f"({', '.join(sorted(DEVICE_RUNTIME))}); libdevice is not linked")
        if problem is not None:
            diags.append(Diagnostic("error", op.location, problem, op=op))
    if diags:
        raise DiagnosticError(diags)
