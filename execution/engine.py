"""`ExecutionEngine`: a module compiled once, its public functions callable
from Python with numpy arrays and scalars (DESIGN §5).

    engine = ExecutionEngine.from_file("model.mir", opt_level=3)
    fn = engine.lookup("main")
    out = fn(x, w, 3.5)

Compiling is parse -> verify -> read the signatures of the public
`func.func`s (their memref types are gone after lowering) -> mark them
`llvm.emit_c_interface` -> `--lower-to-llvm` (skipped when the input is
already in the llvm dialect) -> translate to LLVM IR -> optimize and JIT.
Input already lowered keeps its memref signatures on the `_mlir_ciface_`
wrappers, as the `func.function_type` attribute that convert-func-to-llvm
writes there: such functions are called exactly as unlowered ones.
Each step that fails raises `CompilationError`; when the IR is at fault it
carries located diagnostics (`FILE:LINE:COL: error: ...`).

`gpu=True` compiles for an NVIDIA GPU (docs/gpu-runtime.md): the lowering
is `--lower-to-llvm=target=gpu` (loops become kernels, compiled to PTX for
`gpu_arch`), the JIT's host code calls the CUDA runtime of
mlir_py.execution.cuda, and `lookup` returns a `GpuFunction` that stages
numpy arrays in GPU-reachable memory. Without a driver or device the
constructor raises `CudaUnavailable` before doing anything else.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from mlir_py.execution.abi import Signature, signature_of
from mlir_py.execution.errors import CompilationError, FunctionNotFoundError, UnsupportedSignatureError
from mlir_py.execution.function import JitFunction
from mlir_py.execution.jit import JitModule

from mlir_py.ir.context import Context
from mlir_py.ir.operation import Operation

if TYPE_CHECKING:
    from mlir_py.execution.cuda.gpu_function import GpuFunction

__all__ = ["ExecutionEngine"]

#: ops that may remain in a module that is "already in the llvm dialect"
_LLVM_LEVEL_DIALECTS = ("llvm.", "builtin.module")


class ExecutionEngine:
    """A JIT-compiled module. Construction compiles; `lookup` is cheap."""

    def __init__(self, text_or_module: str | Operation, opt_level: int = 3, *, filename: str = "<string>",
                 context: Context | None = None, gpu: bool = False, gpu_arch: str | None = None):
        if opt_level not in (0, 1, 2, 3):
            raise ValueError(f"opt_level must be 0, 1, 2 or 3, not {opt_level!r}")
        self.opt_level = opt_level
        self.timings: dict[str, float] = {}
        t0 = time.perf_counter()
        self.gpu_runtime = _gpu_runtime() if gpu else None  # CudaUnavailable before any work
        self.gpu_arch = gpu_arch or (_default_gpu_arch(self.gpu_runtime) if gpu else None)
        module = self._module_from(text_or_module, filename, context)
        self.signatures: dict[str, Signature] = {}
        self._unsupported: dict[str, UnsupportedSignatureError] = {}
        self._symbols: dict[str, str] = {}
        self.input_was_llvm = _is_llvm_level(module)
        t1 = time.perf_counter()
        self.timings["parse"] = t1 - t0
        if not self.input_was_llvm:
            self._record_signatures(module)
            _lower_to_llvm(module, self.gpu_arch)
        else:
            self._record_c_wrapper_signatures(module)
        t2 = time.perf_counter()
        self.timings["lower"] = t2 - t1
        external_data: dict = {}  # large weights: bound by the JIT, not parsed from text
        self.llvm_ir = _translate(module, external_data)
        t3 = time.perf_counter()
        self.timings["translate"] = t3 - t2
        self._jit = JitModule(self.llvm_ir, opt_level, external_data)
        self.timings["jit"] = time.perf_counter() - t3
        self.compile_time = time.perf_counter() - t0
        if self.input_was_llvm:
            self._record_llvm_signatures()
        self._functions: dict[str, JitFunction | GpuFunction] = {}

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike, opt_level: int = 3, *, context: Context | None = None,
                  gpu: bool = False, gpu_arch: str | None = None) -> ExecutionEngine:
        """Compile the module in the file at `path` (`.mir` or `.mlir`)."""
        path = os.fspath(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return cls(text, opt_level, filename=path, context=context, gpu=gpu, gpu_arch=gpu_arch)

    @classmethod
    def from_llvm_ir(cls, llvm_ir: str, signatures: dict[str, str], opt_level: int = 3) -> ExecutionEngine:
        """An engine over hand-written (or separately translated) LLVM IR that
        defines `_mlir_ciface_NAME` for each `NAME: "(memref<?xf32>, f32) -> f32"` in
        `signatures`: how code produced elsewhere is called with numpy."""
        from mlir_py.ir.builtin_types import FunctionType as FT
        from mlir_py.text.parser import parse_type
        self = cls.__new__(cls)
        self.opt_level = opt_level
        self.gpu_runtime = self.gpu_arch = None
        self.timings = {}
        ctx = Context.with_available_dialects()
        self.signatures = {}
        self._unsupported = {}
        self._symbols = {}
        for name, text in signatures.items():
            ft = parse_type(ctx, text)
            if not isinstance(ft, FT):
                raise ValueError(f"signature of {name} is not a function type: {text}")
            try:
                self.signatures[name] = signature_of(name, ft)
            except UnsupportedSignatureError as e:
                self._unsupported[name] = e
        self.input_was_llvm = False
        self.llvm_ir = llvm_ir
        t0 = time.perf_counter()
        self._jit = JitModule(llvm_ir, opt_level)
        self.compile_time = self.timings["jit"] = time.perf_counter() - t0
        self._functions = {}
        return self

    @staticmethod
    def _module_from(text_or_module: str | Operation, filename: str, context: Context | None) -> Operation:
        from mlir_py.analysis.verifier import verify
        from mlir_py.ir.diagnostics import DiagnosticCollector, register_source
        from mlir_py.text.parser import ParseError, parse_source
        if isinstance(text_or_module, Operation):
            module = text_or_module.clone()  # lowering rewrites it: leave the caller's module alone
        elif isinstance(text_or_module, str):
            ctx = context if context is not None else Context.with_available_dialects()
            register_source(filename, text_or_module)
            try:
                module = parse_source(ctx, text_or_module, filename)
            except ParseError as e:
                from mlir_py.ir.diagnostics import Diagnostic
                d = Diagnostic("error", e.loc, e.message)
                for message, loc in e.notes:
                    d.attach_note(message, loc)
                raise CompilationError(e.message, [d], e.loc) from None
        else:
            raise TypeError(f"ExecutionEngine takes module text or a module Operation, not "
                            f"{type(text_or_module).__name__}")
        with DiagnosticCollector() as diags:
            ok = verify(module)
        if not ok or diags.errors:
            raise CompilationError("the module does not verify", diags.errors or diags.diagnostics)
        return module

    def _record_signatures(self, module: Operation) -> None:
        """Read each public function's signature and ask the lowering for its C wrapper."""
        from mlir_py.ir.builtin_attributes import UnitAttr
        for op in _top_level_ops(module):
            if op.name != "func.func" or not op.regions or op.regions[0].is_empty():
                continue
            vis = op.properties.get("sym_visibility")
            if vis is not None and vis.value != "public":
                continue
            name = op.properties["sym_name"].value
            ftype = op.properties["function_type"].value
            try:
                self.signatures[name] = signature_of(name, ftype, op.location)
            except UnsupportedSignatureError as e:
                self._unsupported[name] = e
                continue
            op.attributes["llvm.emit_c_interface"] = UnitAttr()

    def _record_c_wrapper_signatures(self, module: Operation) -> None:
        """Input already in the llvm dialect: each public `_mlir_ciface_NAME`
        wrapper that carries the source `func.function_type` is @NAME with that
        signature (checked against the wrapper's own type by `lowered_c_interface`)."""
        from mlir_py.passes.conversions.func_to_llvm import SOURCE_FUNCTION_TYPE, lowered_c_interface
        for name, ftype, op in lowered_c_interface(module):
            self._symbols[name] = op.properties["sym_name"].value
            if ftype is None:
                self._unsupported[name] = UnsupportedSignatureError(
                    f"@{op.properties['sym_name'].value}: its {SOURCE_FUNCTION_TYPE} attribute "
                    f"{op.attributes[SOURCE_FUNCTION_TYPE]} does not match its type "
                    f"{op.properties['function_type'].value}", op.location)
                continue
            try:
                self.signatures[name] = signature_of(name, ftype, op.location)
            except UnsupportedSignatureError as e:
                self._unsupported[name] = e

    def _record_llvm_signatures(self) -> None:
        """The other public functions of input already in the llvm dialect: without
        a recorded source signature only those over scalars are callable (directly,
        by their own name)."""
        from mlir_py.execution.llvm_signature import llvm_signature
        for fn in self._jit.module.functions:
            if fn.is_declaration or fn.name.startswith("_mlir_ciface_") or fn.linkage.name in ("internal",
                                                                                             "private"):
                continue
            if fn.name in self.signatures or fn.name in self._unsupported:
                continue  # called through its C wrapper
            self._symbols[fn.name] = fn.name
            sig = llvm_signature(fn)
            if isinstance(sig, str):
                self._unsupported[fn.name] = UnsupportedSignatureError(f"@{fn.name}: {sig}")
            else:
                self.signatures[fn.name] = sig

    # -- use ------------------------------------------------------------------

    @property
    def function_names(self) -> list[str]:
        """The public functions that `lookup` can return, sorted."""
        return sorted(self.signatures)

    def lookup(self, name: str) -> JitFunction | GpuFunction:
        """The callable for public function `name` (`@` optional); FunctionNotFoundError
        (a KeyError) names the available ones when there is no such function."""
        name = name[1:] if name.startswith("@") else name
        fn = self._functions.get(name)
        if fn is not None:
            return fn
        if name in self._unsupported:
            raise self._unsupported[name]
        sig = self.signatures.get(name)
        if sig is None:
            avail = ", ".join("@" + n for n in self.function_names) or "none"
            raise FunctionNotFoundError(f"no public function @{name} in the module (available: {avail})")
        symbol = self._symbols.get(name, "_mlir_ciface_" + name)
        address = self._jit.address_of(symbol)
        if not address:
            raise CompilationError(f"the compiled module has no symbol {symbol} (was @{name} lowered with "
                                   "llvm.emit_c_interface?)", location=sig.location)
        fn = JitFunction(sig, address, self)
        if self.gpu_runtime is not None:
            from mlir_py.execution.cuda.gpu_function import GpuFunction
            fn = GpuFunction(fn, self.gpu_runtime)
        self._functions[name] = fn
        return fn

    def __getitem__(self, name: str) -> JitFunction | GpuFunction:
        return self.lookup(name)

    def __contains__(self, name: str) -> bool:
        return (name[1:] if name.startswith("@") else name) in self.signatures

    def invoke(self, name: str, *args: Any) -> Any:
        """`lookup(name)(*args)`."""
        return self.lookup(name)(*args)

    @property
    def optimized_llvm_ir(self) -> str:
        """The LLVM IR after -O<opt_level>, as the JIT compiled it."""
        return self._jit.optimized_ir()


def _top_level_ops(module: Operation):
    if not module.regions or module.regions[0].is_empty():
        return []
    return list(module.regions[0].first_block.ops)


def _is_llvm_level(module: Operation) -> bool:
    """True when every op is already in the llvm dialect: such input is not lowered again."""
    any_op = False
    for op in module.walk():
        if op is module:
            continue
        any_op = True
        if not op.name.startswith(_LLVM_LEVEL_DIALECTS):
            return False
    return any_op


def _gpu_runtime():
    """The CUDA host runtime, its symbols bound in the JIT (CudaUnavailable without a GPU)."""
    from mlir_py.execution.cuda.host_runtime import install
    return install()


def _default_gpu_arch(runtime) -> str:
    """PTX for the device, capped at sm_80: newer GPUs JIT-compile sm_80 PTX
    (docs/gpu-runtime.md)."""
    major, minor = runtime.context.device.compute_capability
    return "sm_80" if (major, minor) >= (8, 0) else f"sm_{major}{minor}"


#: the environment variable that makes the engine verify after every pass of its pipeline
VERIFY_EACH_ENV = "MLIR_PY_VERIFY_EACH"


def _verify_each() -> bool:
    value = os.environ.get(VERIFY_EACH_ENV, "0").strip()
    if value not in ("0", "1"):
        raise CompilationError(f"{VERIFY_EACH_ENV}={value!r}: expected 0 or 1")
    return value == "1"


def _lower_to_llvm(module: Operation, gpu_arch: str | None = None) -> None:
    """The pipeline verifies the result once, not after each of its ~30 passes: on a ResNet-50 the
    per-pass verification was more than half of the lowering time. `MLIR_PY_VERIFY_EACH=1` verifies
    after every pass, as `mir-opt` does by default; the test suite sets it (test/unit/conftest.py,
    test/lit.cfg.py), so a pass that leaves invalid IR is caught where it happens."""
    from mlir_py.analysis.verifier import verify
    from mlir_py.ir.diagnostics import DiagnosticCollector
    from mlir_py.pass_manager import PassManager, add_pipeline_text
    pm = PassManager(verify_each=_verify_each())
    pipeline = "lower-to-llvm" if gpu_arch is None else f"lower-to-llvm{{target=gpu gpu-arch={gpu_arch}}}"
    try:
        add_pipeline_text(pm, pipeline)
    except Exception as e:  # noqa: BLE001 - the alias is missing: not a user error, but say so
        raise CompilationError(f"the --lower-to-llvm pipeline is not available: {e}") from None
    with DiagnosticCollector() as diags:
        ok = pm.run(module) and verify(module, raise_on_error=False)
    if not ok or diags.errors:
        raise CompilationError("lowering to the llvm dialect failed", diags.errors or diags.diagnostics)


def _translate(module: Operation, external_data: dict | None = None) -> str:
    from mlir_py.target.llvmir import translate_module_to_llvmir

    from mlir_py.ir.diagnostics import DiagnosticError
    try:
        return translate_module_to_llvmir(module, external_data=external_data)
    except DiagnosticError as e:
        raise CompilationError("translation to LLVM IR failed", e.diagnostics) from None
