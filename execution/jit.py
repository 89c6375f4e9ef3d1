"""LLVM IR text to callable machine code in this process.

One `JitModule` per compiled module: target/llvmir/codegen.py parses,
verifies and optimizes the IR at -O0..-O3 for the host CPU (name and
features, so AVX-512 where the machine has it); MCJIT then compiles it and
resolves `malloc`, `free` and libm's functions from the process (`malloc`
and `aligned_alloc` of 4 MiB and more through hugepages.py), and
`mlir_py_parallel_for` from the thread pool (thread_pool.py) when the
module calls it. The
machine code lives as long as the JitModule.
"""

from __future__ import annotations

import ctypes.util
import functools
import itertools

import llvmlite.binding as llvm
import numpy as np
from mlir_py.execution.errors import CompilationError
from mlir_py.execution.hugepages import install as install_huge_page_allocator
from mlir_py.execution.thread_pool_ir import PARALLEL_FOR
from mlir_py.target.llvmir.codegen import CodegenError, TargetOptions, optimize_module

__all__ = ["JitModule"]

#: numbers the bound globals' process-wide symbols
_BOUND = itertools.count()

#: what MCJIT wants: code and data placed anywhere in this process
_JIT_TARGET = TargetOptions(reloc="default", codemodel="jitdefault")


@functools.cache
def _load_libm() -> None:
    """Math functions the lowering calls (expf, ...) must resolve in the process."""
    libm = ctypes.util.find_library("m")
    if libm:
        try:
            llvm.load_library_permanently(libm)
        except RuntimeError:  # pragma: no cover - already in the process on usual systems
            pass


class JitModule:
    """Machine code for one LLVM IR module, compiled once."""

    def __init__(self, llvm_ir: str, opt_level: int = 3, external_data: dict[str, np.ndarray] | None = None):
        """`external_data`: arrays for the module's `external` globals by name (the weights that
        translate_module_to_llvmir left out of the text); each is copied once into 64-byte aligned memory that
        lives as long as this JitModule."""
        if opt_level not in (0, 1, 2, 3):
            raise ValueError(f"opt_level must be 0, 1, 2 or 3, not {opt_level!r}")
        _load_libm()
        install_huge_page_allocator()
        if PARALLEL_FOR in llvm_ir:
            from mlir_py.execution.thread_pool import install as install_thread_pool
            try:
                install_thread_pool()
            except (OSError, ValueError) as e:
                raise CompilationError(f"the module has parallel loops, but the thread pool is unavailable: {e}"
                                       ) from None
        try:
            module, tm = optimize_module(llvm_ir, opt_level, _JIT_TARGET, name="jit")
        except CodegenError as e:
            raise CompilationError(f"LLVM rejected the translated module: {e}") from None
        self.tm = tm
        self.module = module
        self._data = [self._bind(name, array) for name, array in (external_data or {}).items()]
        self.engine = llvm.create_mcjit_compiler(module, tm)
        self.engine.finalize_object()
        self.engine.run_static_constructors()

    def _bind(self, name: str, array: np.ndarray) -> np.ndarray | None:
        """Point global `name` at an aligned copy of `array`. The process-wide symbol gets a name of its own
        (MCJIT resolves external symbols through one table), so engines never see each other's data."""
        try:
            gv = self.module.get_global_variable(name)
        except NameError:  # optimized away
            return None
        raw = np.empty(array.nbytes + 64, np.uint8)
        start = -raw.ctypes.data % 64
        data = raw[start:start + array.nbytes]
        data[:] = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
        gv.name = unique = f"{name}.mlir_py.{next(_BOUND)}"
        llvm.add_symbol(unique, data.ctypes.data)
        return raw

    def address_of(self, name: str) -> int:
        """The address of function `name`, 0 when the module has none."""
        return self.engine.get_function_address(name)

    def optimized_ir(self) -> str:
        return str(self.module)
