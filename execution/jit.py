"""LLVM IR text to callable machine code in this process, through llvmlite.

One `JitModule` per compiled module: parse and verify the IR, optimize it
with LLVM's new pass manager at -O0..-O3 for the host CPU (name and
features, so AVX-512 where the machine has it), and hand it to MCJIT, which
resolves `malloc`, `free` and libm's functions from the process. The
machine code lives as long as the JitModule.
"""

from __future__ import annotations

import ctypes.util
import threading

import llvmlite.binding as llvm
from mlir_py.execution.errors import CompilationError

__all__ = ["JitModule", "host_target_machine"]

_init_lock = threading.Lock()
_initialized = False


def _initialize() -> None:
    global _initialized
    with _init_lock:
        if _initialized:
            return
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        libm = ctypes.util.find_library("m")
        if libm:  # math functions the lowering calls (expf, ...) must resolve in the process
            try:
                llvm.load_library_permanently(libm)
            except RuntimeError:  # pragma: no cover - already in the process on usual systems
                pass
        _initialized = True


def host_target_machine(opt_level: int = 3, *, jit: bool = True) -> llvm.TargetMachine:
    """A target machine for this host's CPU and features."""
    _initialize()
    target = llvm.Target.from_triple(llvm.get_process_triple())
    return target.create_target_machine(cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
                                        opt=opt_level, codemodel="jitdefault", jit=jit)


def optimize(module: llvm.ModuleRef, tm: llvm.TargetMachine, opt_level: int) -> None:
    """Run LLVM's standard -O<opt_level> module pipeline on `module` in place."""
    if opt_level <= 0:
        return
    pto = llvm.create_pipeline_tuning_options(speed_level=opt_level)
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(module, pb)


class JitModule:
    """Machine code for one LLVM IR module, compiled once."""

    def __init__(self, llvm_ir: str, opt_level: int = 3):
        if opt_level not in (0, 1, 2, 3):
            raise ValueError(f"opt_level must be 0, 1, 2 or 3, not {opt_level!r}")
        self.tm = host_target_machine(opt_level)
        try:
            module = llvm.parse_assembly(llvm_ir)
            module.verify()
        except RuntimeError as e:
            raise CompilationError(f"LLVM rejected the translated module: {str(e).strip()}") from None
        module.triple = self.tm.triple
        module.data_layout = str(self.tm.target_data)
        optimize(module, self.tm, opt_level)
        self.module = module
        self.engine = llvm.create_mcjit_compiler(module, self.tm)
        self.engine.finalize_object()
        self.engine.run_static_constructors()

    def address_of(self, name: str) -> int:
        """The address of function `name`, 0 when the module has none."""
        return self.engine.get_function_address(name)

    def has_function(self, name: str) -> bool:
        try:
            fn = self.module.get_function(name)
        except NameError:
            return False
        return not fn.is_declaration

    def optimized_ir(self) -> str:
        return str(self.module)
