"""PTX for the kernels of a module: each gpu.module (in the llvm and nvvm dialects, as
convert-gpu-to-nvvm leaves it) becomes one LLVM module for `nvptx64-nvidia-cuda` and
one PTX text, through llvmlite's NVPTX backend.

A module without gpu.module whose functions are themselves kernels (an
`llvm.func` marked `nvvm.kernel`) is one device module. Host code beside the
gpu.modules is ignored. The PTX ISA version is the lowest the architecture
needs (what LLVM picks: sm_80 -> 7.0, sm_90 -> 7.8), unless asked for.

What to compile for: the `arch` / `opt_level` / `ptx_version` given, else
what the gpu.module's `#nvvm.target<chip = "sm_90", O = 3, features =
"+ptx80">` says (upstream's gpu-module-to-binary reads the same), else sm_80
at -O3.

LLVM's code generator ends the process when it meets what it cannot select
(LLVM ERROR ...); device code is checked first (device_check), and where
the platform has fork() the code generation also runs in a child process,
so a backend failure is an error message with LLVM's words, never a crash.
"""

from __future__ import annotations

import faulthandler
import os
import re
import tempfile
from dataclasses import dataclass

from mlir_py.target.llvmir import translate_module_to_llvmir
from mlir_py.target.llvmir.codegen import CodegenError, initialize_llvm, run_optimization_pipeline
from mlir_py.target.ptx.device_check import check_device_module

from mlir_py.ir.operation import Operation

NVPTX_TRIPLE = "nvptx64-nvidia-cuda"
_ARCH = re.compile(r"sm_[1-9][0-9]*[af]?\Z")


class PTXError(Exception):
    """The architecture is unknown or LLVM's NVPTX backend rejected the module (LLVM's message)."""


@dataclass(frozen=True)
class DeviceModule:
    """One unit of device code: a gpu.module (or a whole module of kernels) and its symbol name."""

    name: str
    op: Operation


def device_modules(module: Operation) -> list[DeviceModule]:
    """The gpu.modules under `module`, in order; or `module` itself when it has none but defines kernels."""
    found = [DeviceModule(op.properties["sym_name"].value if "sym_name" in op.properties
                          else op.attributes["sym_name"].value, op)
             for op in module.walk(post_order=False) if op.name == "gpu.module"]
    if found:
        return found
    body = module.regions[0].first_block if module.regions else None
    for op in body.ops if body is not None else ():
        if op.name == "llvm.func" and ("nvvm.kernel" in op.attributes
                                       or op.properties["CConv"].case_names[0] == "ptx_kernelcc"):
            name = module.attributes.get("sym_name") or module.properties.get("sym_name")
            return [DeviceModule(name.value if name is not None else "module", module)]
    return []


def check_arch(arch: str) -> str:
    """`arch` if it is spelled as an NVPTX processor (`sm_80`, `sm_90a`, `sm_100f`); else PTXError.

    Whether LLVM knows it is checked when code is generated."""
    if not _ARCH.match(arch):
        raise PTXError(f"'{arch}' is not a GPU architecture: expected sm_XX (e.g. sm_80, sm_90, sm_90a)")
    return arch


def llvm_ir(device: DeviceModule) -> str:
    """The LLVM IR of one device module (checked for what NVPTX can compile; DiagnosticError at the op if not)."""
    check_device_module(device.op, device.name)
    return translate_module_to_llvmir(device.op, module_name=device.name)


@dataclass(frozen=True)
class PTXTarget:
    """The GPU, optimization level and PTX features (`+ptx80`, or "" for the lowest) of one device module."""

    arch: str = "sm_80"
    opt_level: int = 3
    features: str = ""


def device_target(device: DeviceModule, arch: str | None = None, opt_level: int | None = None,
                  ptx_version: int | None = None) -> PTXTarget:
    """The explicit choices, else the gpu.module's first `#nvvm.target`, else sm_80 at -O3."""
    targets = device.op.properties.get("targets") if device.op.name == "gpu.module" else None
    nvvm = next((t for t in (targets or ()) if getattr(t, "name", "") == "nvvm.target"), None)
    chip = arch or (nvvm.chip if nvvm is not None else None) or "sm_80"
    level = opt_level if opt_level is not None else (int(nvvm.O) if nvvm is not None else 3)
    if ptx_version is not None:
        features = f"+ptx{ptx_version}"
    else:
        features = nvvm.features if nvvm is not None and nvvm.features else ""
    return PTXTarget(check_arch(chip), level, features)


def _codegen(ir: str, arch: str, opt_level: int, features: str) -> str:
    import llvmlite.binding as llvm
    initialize_llvm()
    target = llvm.Target.from_triple(NVPTX_TRIPLE)
    tm = target.create_target_machine(cpu=arch, features=features, opt=opt_level)
    try:
        mod = llvm.parse_assembly(ir)
        mod.verify()
    except RuntimeError as e:
        raise CodegenError(str(e).strip()) from None
    mod.triple = NVPTX_TRIPLE
    mod.data_layout = str(tm.target_data)
    run_optimization_pipeline(mod, tm, opt_level)
    return tm.emit_assembly(mod)


def _codegen_isolated(ir: str, arch: str, opt_level: int, features: str) -> str:
    """`_codegen` in a forked child: LLVM's fatal errors and warnings come back as its stderr text."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                faulthandler.disable()  # LLVM's abort is expected here; its message goes to `err`
                os.dup2(err.fileno(), 2)
                try:
                    out.write(b"P" + _codegen(ir, arch, opt_level, features).encode())
                except CodegenError as e:
                    out.write(b"E" + str(e).encode())
                out.flush()
                status = 0
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        err.seek(0)
        out.seek(0)
        stderr = err.read().decode(errors="replace").strip()
        result = out.read().decode(errors="replace")
    if "is not a recognized processor" in stderr:
        raise PTXError(f"'{arch}' is not a GPU architecture the NVPTX backend knows")
    if "is not a recognized feature" in stderr:
        raise PTXError(f"'{features}' are not PTX features the NVPTX backend knows (expected e.g. +ptx80)")
    if os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0 or not result:
        detail = stderr.splitlines() or ["it stopped without a message"]
        raise PTXError("LLVM's NVPTX backend failed: " + "; ".join(line for line in detail[:4] if line))
    if result.startswith("E"):
        raise PTXError(f"LLVM rejected the device code: {result[1:]}")
    return result[1:]


def compile_llvm_ir_to_ptx(ir: str, arch: str = "sm_80", opt_level: int = 3, ptx_version: int | None = None,
                           features: str = "") -> str:
    """PTX for LLVM IR text: `ptx_version` 80 asks for PTX ISA 8.0 (default: the lowest `arch` needs)."""
    check_arch(arch)
    if not 0 <= opt_level <= 3:
        raise PTXError(f"optimization level must be 0..3, got {opt_level}")
    if ptx_version is not None:
        features = f"+ptx{ptx_version}"
    if hasattr(os, "fork"):
        return _codegen_isolated(ir, arch, opt_level, features)
    try:
        return _codegen(ir, arch, opt_level, features)
    except CodegenError as e:
        raise PTXError(f"LLVM rejected the device code: {e}") from None


def gpu_module_ptx(module: Operation, arch: str | None = None, opt_level: int | None = None,
                   ptx_version: int | None = None) -> dict[str, str]:
    """PTX text of each gpu.module under `module`, by the gpu.module's symbol name, in module order.

    This is what a runtime loads (cuModuleLoadData): the kernels of
    `gpu.module @kernels` are the `.entry` functions of `result["kernels"]`.
    Raises DiagnosticError (at the op) for device code outside llvm+nvvm or
    that NVPTX cannot compile, PTXError for an unknown arch or a backend
    failure; an empty dict when there is no device code. `arch` (sm_XX), `opt_level` (0-3) and
    `ptx_version` (80 for PTX ISA 8.0) default to the gpu.module's `#nvvm.target`, else sm_80, -O3
    and the lowest PTX version the arch needs."""
    if arch is not None:
        check_arch(arch)
    out: dict[str, str] = {}
    for device in device_modules(module):
        t = device_target(device, arch, opt_level, ptx_version)
        out[device.name] = compile_llvm_ir_to_ptx(llvm_ir(device), t.arch, t.opt_level, features=t.features)
    return out


def emit_ptx(module: Operation, arch: str | None = None, opt_level: int | None = None,
             ptx_version: int | None = None) -> str:
    """The PTX of every gpu.module under `module`, as mir-translate --mir-to-ptx prints it: with one gpu.module
    exactly its PTX file; with several, each one after a `// gpu.module @NAME` line."""
    per_module = gpu_module_ptx(module, arch, opt_level, ptx_version)
    if not per_module:
        raise PTXError("no device code: the input has no gpu.module and no llvm.func marked nvvm.kernel")
    if len(per_module) == 1:
        return next(iter(per_module.values()))
    return "".join(f"// gpu.module @{name}\n{ptx}" for name, ptx in per_module.items())
