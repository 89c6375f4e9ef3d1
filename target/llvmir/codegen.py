"""Machine code from LLVM IR text through llvmlite: parse and verify, optimize with LLVM's new pass
manager at -O0..-O3, and emit assembly, object code or optimized IR for the host or a given triple.

The host target uses the host CPU's name and features (AVX-512 where the
machine has it), so JIT-compiled code (mlir_py.execution) is as fast as the
machine allows; a `--target-triple` (x86_64, aarch64, riscv64, ...) uses that
target's generic CPU. `optimize_module` returns the llvmlite ModuleRef and
the TargetMachine so the execution engine reuses both.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import llvmlite.binding as llvm


class CodegenError(Exception):
    """LLVM rejected the IR or the target: the message is LLVM's."""


@functools.cache
def initialize_llvm() -> None:
    """Initialize every target LLVM was built with (once per process)."""
    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()


@dataclass(frozen=True)
class TargetOptions:
    """What to compile for: `triple=None` is the host, with the host CPU and its features.

    The defaults suit object files (position-independent, default code model); a JIT passes
    `reloc="default", codemodel="jitdefault"`."""

    triple: str | None = None
    cpu: str | None = None
    features: str | None = None
    reloc: str = "pic"
    codemodel: str = "default"


def host_cpu_and_features() -> tuple[str, str]:
    """The host CPU's name and its feature string (`+avx2,+avx512f,...`)."""
    initialize_llvm()
    try:
        features = llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # some hosts do not report features
        features = ""
    return llvm.get_host_cpu_name(), features


def create_target_machine(options: TargetOptions | None = None, opt_level: int = 2) -> Any:
    """A TargetMachine for `options` (the host by default), at codegen level opt_level (0..3)."""
    initialize_llvm()
    options = options or TargetOptions()
    if options.triple is None:
        triple = llvm.get_process_triple()
        cpu, features = host_cpu_and_features()
    else:
        triple = options.triple
        cpu, features = "", ""
    if options.cpu is not None:
        cpu = options.cpu
    if options.features is not None:
        features = options.features
    try:
        target = llvm.Target.from_triple(triple)
    except RuntimeError as e:
        raise CodegenError(f"unknown target triple '{triple}': {str(e).strip()}") from None
    return target.create_target_machine(cpu=cpu, features=features, opt=opt_level, reloc=options.reloc,
                                        codemodel=options.codemodel)


def parse_and_verify(ir: str, name: str = "module") -> Any:
    """An llvmlite ModuleRef for the IR text; CodegenError with LLVM's message if it is invalid."""
    initialize_llvm()
    try:
        mod = llvm.parse_assembly(ir)
        mod.name = name
        mod.verify()
    except RuntimeError as e:
        raise CodegenError(str(e).strip()) from None
    return mod


def run_optimization_pipeline(mod: Any, tm: Any, opt_level: int) -> None:
    """LLVM's default<O{n}> module pipeline (new pass manager), with loop and SLP vectorization at -O2+."""
    if opt_level <= 0:
        return
    pto = llvm.create_pipeline_tuning_options(speed_level=min(opt_level, 3))
    pto.loop_vectorization = opt_level >= 2
    pto.slp_vectorization = opt_level >= 2
    pto.loop_unrolling = opt_level >= 2
    pb = llvm.create_pass_builder(tm, pto)
    mpm = pb.getModulePassManager()
    mpm.run(mod, pb)


def optimize_module(ir: str, opt_level: int = 2, options: TargetOptions | None = None,
                    name: str = "module") -> tuple[Any, Any]:
    """Parse, verify, set the target's triple and data layout, optimize: (ModuleRef, TargetMachine)."""
    if not 0 <= opt_level <= 3:
        raise CodegenError(f"optimization level must be 0..3, got {opt_level}")
    tm = create_target_machine(options, opt_level)
    mod = parse_and_verify(ir, name)
    mod.triple = tm.triple
    mod.data_layout = str(tm.target_data)
    run_optimization_pipeline(mod, tm, opt_level)
    try:
        mod.verify()
    except RuntimeError as e:
        raise CodegenError(str(e).strip()) from None
    return mod, tm


def emit_llvm(ir: str, opt_level: int = 2, options: TargetOptions | None = None) -> str:
    """The optimized LLVM IR text (with the target's triple and data layout)."""
    mod, _ = optimize_module(ir, opt_level, options)
    return str(mod)


def emit_assembly(ir: str, opt_level: int = 2, options: TargetOptions | None = None) -> str:
    """Target assembly for the IR."""
    mod, tm = optimize_module(ir, opt_level, options)
    return tm.emit_assembly(mod)


def emit_object(ir: str, opt_level: int = 2, options: TargetOptions | None = None) -> bytes:
    """An object file (ELF, Mach-O or COFF as the triple says) for the IR."""
    mod, tm = optimize_module(ir, opt_level, options)
    return tm.emit_object(mod)
