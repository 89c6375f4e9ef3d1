"""`gpu-to-llvm`: the host side of the gpu dialect as calls into the CUDA runtime.

Host code keeps its gpu ops until this pass: `gpu.launch_func`,
`gpu.alloc`, `gpu.dealloc`, `gpu.memcpy`, `gpu.memset` and `gpu.wait`
become `llvm.call`s of the C functions that upstream MLIR's CUDA runtime
wrappers export (`mgpuLaunchKernel`, `mgpuMemAlloc`, ...; the JIT binds
them to mlir_py.execution.cuda.host_runtime, docs/gpu-runtime.md).

Each `gpu.module`, already lowered to llvm+nvvm (`--lower-to-nvvm`), is
compiled to PTX here (target/ptx, for `gpu-arch`) and embedded as a
constant string; upstream splits that into `gpu-module-to-binary` and the
translation of `gpu.binary`, we do both in this pass because the JIT is
the only consumer. A kernel is found on first use: a small function per
kernel loads its module (`mgpuModuleLoad`) and the kernel
(`mgpuModuleGetFunction`) once, and caches the handle in a global, so a
launch costs one load and compare before `mgpuLaunchKernel`.

Kernel arguments follow convert-gpu-to-nvvm's kernel signature: a memref
is its descriptor's fields one by one (allocated, aligned, offset, sizes,
strides), or the aligned pointer alone with
`use-bare-pointers-for-kernels`; `index` is i64. The values are stored in
a stack struct and their addresses in a pointer array (both allocated in
the function's entry block, so a launch in a loop does not grow the stack).

Streams: `!gpu.async.token` becomes the `CUstream` (`!llvm.ptr`) that
carries the work. `gpu.wait async` creates a stream; an async op runs on
its first dependency's stream (the others are waited for through events,
and destroyed when no other op uses their token) and returns it;
`gpu.wait [%t]` synchronizes and destroys the streams it waits for. A
synchronous op (no `async`) runs on the default stream and returns once
its work is done.
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects.llvm import LLVMArrayType, LLVMFunctionType, LLVMPointerType, LLVMStructType, LLVMVoidType
from mlir_py.dialects.llvm import value_ops as LV
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder, lookup_or_create_function
from mlir_py.passes.conversions.llvm_type_converter import (
    LLVMTypeConverter,
    MemRefDescriptor,
    llvm_conversion_target,
)
from mlir_py.passes.conversions.memref_addressing import buffer_ptr, descriptor_sizes, module_of

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import StringAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, MemRefType, i8, i32, i64
from mlir_py.ir.diagnostics import DiagnosticError, emit
from mlir_py.ir.operation import Block, Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)

__all__ = ["GpuToLLVM", "RUNTIME_FUNCTIONS", "check_gpu_arch", "kernel_getter_name"]

_PTR = LLVMPointerType(0)
_VOID = LLVMVoidType()

#: the runtime's C functions as host code declares them (upstream's CudaRuntimeWrappers)
RUNTIME_FUNCTIONS: dict[str, LLVMFunctionType] = {
    "mgpuModuleLoad": LLVMFunctionType(_PTR, (_PTR, i64)),
    "mgpuModuleGetFunction": LLVMFunctionType(_PTR, (_PTR, _PTR)),
    "mgpuLaunchKernel": LLVMFunctionType(_VOID, (_PTR, i64, i64, i64, i64, i64, i64, i32, _PTR, _PTR, _PTR, i64)),
    "mgpuStreamCreate": LLVMFunctionType(_PTR, ()),
    "mgpuStreamDestroy": LLVMFunctionType(_VOID, (_PTR,)),
    "mgpuStreamSynchronize": LLVMFunctionType(_VOID, (_PTR,)),
    "mgpuStreamWaitEvent": LLVMFunctionType(_VOID, (_PTR, _PTR)),
    "mgpuEventCreate": LLVMFunctionType(_PTR, ()),
    "mgpuEventDestroy": LLVMFunctionType(_VOID, (_PTR,)),
    "mgpuEventRecord": LLVMFunctionType(_VOID, (_PTR, _PTR)),
    "mgpuMemAlloc": LLVMFunctionType(_PTR, (i64, _PTR, i8)),
    "mgpuMemFree": LLVMFunctionType(_VOID, (_PTR, _PTR)),
    "mgpuMemcpy": LLVMFunctionType(_VOID, (_PTR, _PTR, i64, _PTR)),
    "mgpuMemset32": LLVMFunctionType(_VOID, (_PTR, i32, i64, _PTR)),
    "mgpuMemset16": LLVMFunctionType(_VOID, (_PTR, IntegerType(16), i64, _PTR)),
}

# operand groups of gpu.launch_func (its operandSegmentSizes), as upstream declares them
_LAUNCH_GROUPS = ("asyncDependencies", "gridSizeX", "gridSizeY", "gridSizeZ", "blockSizeX", "blockSizeY",
                  "blockSizeZ", "clusterSizeX", "clusterSizeY", "clusterSizeZ", "dynamicSharedMemorySize",
                  "kernelOperands", "asyncObject")
_ALLOC_GROUPS = ("asyncDependencies", "dynamicSizes", "symbolOperands")


def kernel_getter_name(module: str, kernel: str) -> str:
    """The host function that returns kernel `module::kernel`'s CUfunction."""
    return f"__mgpu_kernel_{module}_{kernel}"


def _is_token(t: Attribute) -> bool:
    return getattr(type(t), "name", None) == "gpu.async.token"


def _groups(op: Operation, names: tuple[str, ...], values: list[Value]) -> dict[str, list[Value]]:
    """`values` (the op's operands, or their converted adaptor values) split by the op's segments."""
    seg = op.properties.get("operandSegmentSizes")
    sizes = list(seg.values) if seg is not None else []
    out, at = {}, 0
    for name, n in zip(names, sizes):
        out[name] = values[at:at + n]
        at += n
    return out


class _Runtime(LLVMBuilder):
    """An LLVMBuilder whose `call` of a runtime function declares it first."""

    def __init__(self, rw: Any, op: Operation):
        super().__init__(rw, op.location)
        self.module = module_of(op)

    def call(self, callee: str, args, result_types=()) -> Operation:
        if callee in RUNTIME_FUNCTIONS and self.module is not None:
            lookup_or_create_function(self.rw, self.module, callee, RUNTIME_FUNCTIONS[callee])
        return super().call(callee, args, result_types)


def _tc(rw: ConversionPatternRewriter) -> LLVMTypeConverter:
    return rw.type_converter  # type: ignore[return-value]


def _last_use(op: Operation, i: int) -> bool:
    """Whether `op` is the only user of its operand `i` (a token no other op waits for)."""
    return op.operands[i].has_one_use()


def wait_on_stream(b: _Runtime, stream: Value, other: Value, release: bool) -> None:
    """Later work on `stream` waits for what is queued on `other` (an event);
    `other` is destroyed when nothing else uses its token (CUDA releases it
    once its work is done)."""
    event = b.call("mgpuEventCreate", [], [_PTR]).results[0]
    b.call("mgpuEventRecord", [event, other])
    b.call("mgpuStreamWaitEvent", [stream, event])
    b.call("mgpuEventDestroy", [event])
    if release:
        b.call("mgpuStreamDestroy", [other])


class _Streams:
    """Which stream an op's work goes on (see the module docstring)."""

    def __init__(self, op: Operation, deps: list[Value], b: _Runtime):
        self.op = op
        self.is_async = any(_is_token(r.type) for r in op.results)
        self.b = b
        if self.is_async:
            if deps:
                self.stream = deps[0]
                for i, extra in enumerate(deps[1:], 1):
                    wait_on_stream(b, self.stream, extra, _last_use(op, i))
            else:
                self.stream = b.call("mgpuStreamCreate", [], [_PTR]).results[0]
        else:
            for d in deps:  # a synchronous op waits for what it depends on
                b.call("mgpuStreamSynchronize", [d])
            self.stream = b.null_ptr()

    def results(self, values: list[Value]) -> list[Value]:
        """`values` followed by the token (the stream) when the op is async."""
        return values + [self.stream] if self.is_async else values


# -- launches ---------------------------------------------------------------------

def _kernel_arguments(b: _Runtime, tc: LLVMTypeConverter, originals: list[Value], converted: list[Value],
                      bare: bool) -> list[Value] | None:
    """The kernel's parameters, flattened as convert-gpu-to-nvvm declares them."""
    out: list[Value] = []
    for orig, value in zip(originals, converted):
        t = orig.type
        if isinstance(t, MemRefType):
            d = MemRefDescriptor(b, value)
            if bare and tc.can_convert_to_bare_ptr(t):
                out.append(buffer_ptr(b, tc, t, value))
                continue
            out += [d.allocated_ptr(), d.aligned_ptr(), d.offset()]
            out += [d.size(i) for i in range(t.rank)] + [d.stride(i) for i in range(t.rank)]
        elif isinstance(t, (IndexType, IntegerType, FloatType)) or tc.convert_type(t) == t:
            out.append(value)
        else:
            return None
    return out


def _entry_block_alloca(rw: ConversionPatternRewriter, op: Operation, b: _Runtime, elem_type: Attribute,
                        count: int) -> Value:
    """An alloca of `count` x `elem_type` at the start of the enclosing function."""
    fn = op.parent_op
    while fn is not None and fn.name not in ("func.func", "llvm.func"):
        fn = fn.parent_op
    with rw.insertion_guard():
        if fn is not None:
            rw.set_insertion_point_to_start(fn.regions[0].blocks[0])
        n = b.constant(count, i64)
        return b.alloca(n, elem_type)


def lower_launch_func(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter, bare: bool = False
                      ) -> bool:
    tc = _tc(rw)
    groups = _groups(op, _LAUNCH_GROUPS, list(adaptor.operands))
    originals = _groups(op, _LAUNCH_GROUPS, list(op.operands))
    if not groups or any(groups[g] for g in ("clusterSizeX", "clusterSizeY", "clusterSizeZ")):
        return False
    if groups["asyncObject"]:
        return False
    kernel = op.properties["kernel"]
    module_name = _symbol_text(kernel.root)
    kernel_name = _symbol_text(kernel.nested[-1]) if kernel.nested else None
    if kernel_name is None or module_of(op) is None:
        return False
    b = _Runtime(rw, op)
    params = _kernel_arguments(b, tc, originals["kernelOperands"], groups["kernelOperands"], bare)
    if params is None:
        return False
    getter = kernel_getter_name(module_name, kernel_name)
    module = module_of(op)
    if module is None or lookup_or_create_function(rw, module, getter, LLVMFunctionType(_PTR, ())) is None:
        return False
    streams = _Streams(op, groups["asyncDependencies"], b)
    function = b.call(getter, [], [_PTR]).results[0]
    if params:
        struct_t = LLVMStructType.literal([p.type for p in params])
        storage = _entry_block_alloca(rw, op, b, struct_t, 1)
        pointers = _entry_block_alloca(rw, op, b, _PTR, len(params))
        for i, p in enumerate(params):
            field = b.gep(storage, [0, i], struct_t)
            b.store(p, field)
            b.store(field, b.gep(pointers, [i], _PTR))
        args_ptr = pointers
    else:
        args_ptr = b.null_ptr()
    smem = groups["dynamicSharedMemorySize"]
    sizes = [groups[g][0] for g in _LAUNCH_GROUPS[1:7]]
    b.call("mgpuLaunchKernel", [function, *sizes, smem[0] if smem else b.constant(0, i32), streams.stream,
                                args_ptr, b.null_ptr(), b.constant(len(params), i64)])
    if not streams.is_async:
        b.call("mgpuStreamSynchronize", [streams.stream])
    if op.results:
        rw.replace_op(op, streams.results([]))
    else:
        rw.erase_op(op)
    return True


# -- memory -----------------------------------------------------------------------

def _byte_size(b: LLVMBuilder, tc: LLVMTypeConverter, t: MemRefType, count: Value) -> Value:
    el = tc.memref_element_type(t)
    return b.ptrtoint(b.gep(b.null_ptr(), [count], el), i64)


def lower_alloc(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc = _tc(rw)
    t = op.results[0].type
    if not isinstance(t, MemRefType) or tc.convert_type(t) is None or t.layout is not None:
        return False
    groups = _groups(op, _ALLOC_GROUPS, list(adaptor.operands))
    if groups.get("symbolOperands") or module_of(op) is None:
        return False
    b = _Runtime(rw, op)
    streams = _Streams(op, groups["asyncDependencies"], b)
    sizes, strides, count = descriptor_sizes(b, tc, t, groups["dynamicSizes"])
    host_shared = b.constant(1 if "hostShared" in op.properties else 0, i8)
    ptr = b.call("mgpuMemAlloc", [_byte_size(b, tc, t, count), streams.stream, host_shared], [_PTR]).results[0]
    d = MemRefDescriptor.poison(b, tc.convert_type(t))
    d.set_allocated_ptr(ptr).set_aligned_ptr(ptr).set_offset(b.constant(0, tc.index_type))
    for i, (s, st) in enumerate(zip(sizes, strides)):
        d.set_size(i, s).set_stride(i, st)
    rw.replace_op(op, streams.results([d.value]))
    return True


def lower_dealloc(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    values = list(adaptor.operands)
    if not isinstance(op.operands[-1].type, MemRefType) or module_of(op) is None:
        return False
    b = _Runtime(rw, op)
    streams = _Streams(op, values[:-1], b)
    b.call("mgpuMemFree", [MemRefDescriptor(b, values[-1]).allocated_ptr(), streams.stream])
    _finish(op, rw, streams)
    return True


def _element_count(b: LLVMBuilder, t: MemRefType, desc: Value) -> Value:
    d = MemRefDescriptor(b, desc)
    count: Value | None = None
    for i in range(t.rank):
        s = d.size(i)
        count = s if count is None else b.mul(count, s)
    return count if count is not None else b.constant(1, i64)


def _contiguous(t: MemRefType) -> bool:
    """Copies and fills take whole buffers: identity layouts (as upstream's lowering)."""
    return t.layout is None


def lower_memcpy(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc = _tc(rw)
    values = list(adaptor.operands)
    dst_t, src_t = op.operands[-2].type, op.operands[-1].type
    if not (isinstance(dst_t, MemRefType) and isinstance(src_t, MemRefType) and _contiguous(dst_t)
            and _contiguous(src_t)) or module_of(op) is None:
        return False
    b = _Runtime(rw, op)
    streams = _Streams(op, values[:-2], b)
    nbytes = _byte_size(b, tc, dst_t, _element_count(b, dst_t, values[-2]))
    b.call("mgpuMemcpy", [buffer_ptr(b, tc, dst_t, values[-2]), buffer_ptr(b, tc, src_t, values[-1]), nbytes,
                          streams.stream])
    _finish(op, rw, streams)
    return True


def lower_memset(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc = _tc(rw)
    values = list(adaptor.operands)
    dst_t, value_t = op.operands[-2].type, op.operands[-1].type
    width = getattr(value_t, "width", None)
    if not isinstance(dst_t, MemRefType) or not _contiguous(dst_t) or width not in (16, 32):
        return False
    fn = "mgpuMemset32" if width == 32 else "mgpuMemset16"
    if module_of(op) is None:
        return False
    b = _Runtime(rw, op)
    streams = _Streams(op, values[:-2], b)
    value = values[-1]
    if isinstance(value_t, FloatType):
        value = b.op("llvm.bitcast", [value], IntegerType(width))
    b.call(fn, [buffer_ptr(b, tc, dst_t, values[-2]), value, _element_count(b, dst_t, values[-2]), streams.stream])
    _finish(op, rw, streams)
    return True


def _finish(op: Operation, rw: ConversionPatternRewriter, streams: _Streams) -> None:
    if op.results:
        rw.replace_op(op, streams.results([]))
    else:
        rw.erase_op(op)


def lower_wait(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    if module_of(op) is None:
        return False
    b = _Runtime(rw, op)
    deps = list(adaptor.operands)
    if op.results:  # gpu.wait async [deps]: a new stream after all of them
        stream = b.call("mgpuStreamCreate", [], [_PTR]).results[0]
        for i, d in enumerate(deps):
            wait_on_stream(b, stream, d, _last_use(op, i))
        rw.replace_op(op, [stream])
        return True
    for d in deps:  # gpu.wait [deps]: the host waits, and the streams are done with
        b.call("mgpuStreamSynchronize", [d])
        b.call("mgpuStreamDestroy", [d])
    rw.erase_op(op)
    return True


def gpu_host_patterns(use_bare_pointers_for_kernels: bool = False) -> list:
    """The patterns of `gpu-to-llvm` (the host ops; kernels are embedded afterwards)."""
    P = FunctionConversionPattern  # noqa: N806

    def launch(op, adaptor, rw):
        return lower_launch_func(op, adaptor, rw, use_bare_pointers_for_kernels)
    return [P(launch, "gpu.launch_func"), P(lower_alloc, "gpu.alloc"), P(lower_dealloc, "gpu.dealloc"),
            P(lower_memcpy, "gpu.memcpy"), P(lower_memset, "gpu.memset"), P(lower_wait, "gpu.wait")]


# -- kernels ------------------------------------------------------------------------

_GETTERS = """
llvm.func internal @__mgpu_module_{m}() -> !llvm.ptr {{
  %0 = llvm.mlir.addressof @__mgpu_module_{m}_handle : !llvm.ptr
  %1 = llvm.load %0 : !llvm.ptr -> !llvm.ptr
  %2 = llvm.mlir.zero : !llvm.ptr
  %3 = llvm.icmp "eq" %1, %2 : !llvm.ptr
  llvm.cond_br %3, ^bb1, ^bb2(%1 : !llvm.ptr)
^bb1:
  %4 = llvm.mlir.addressof @__mgpu_module_{m}_ptx : !llvm.ptr
  %5 = llvm.mlir.constant({size} : i64) : i64
  %6 = llvm.call @mgpuModuleLoad(%4, %5) : (!llvm.ptr, i64) -> !llvm.ptr
  llvm.store %6, %0 : !llvm.ptr, !llvm.ptr
  llvm.br ^bb2(%6 : !llvm.ptr)
^bb2(%7: !llvm.ptr):
  llvm.return %7 : !llvm.ptr
}}
"""

_KERNEL_GETTER = """
llvm.func internal @{getter}() -> !llvm.ptr {{
  %0 = llvm.mlir.addressof @{getter}_handle : !llvm.ptr
  %1 = llvm.load %0 : !llvm.ptr -> !llvm.ptr
  %2 = llvm.mlir.zero : !llvm.ptr
  %3 = llvm.icmp "eq" %1, %2 : !llvm.ptr
  llvm.cond_br %3, ^bb1, ^bb2(%1 : !llvm.ptr)
^bb1:
  %4 = llvm.call @__mgpu_module_{m}() : () -> !llvm.ptr
  %5 = llvm.mlir.addressof @{getter}_name : !llvm.ptr
  %6 = llvm.call @mgpuModuleGetFunction(%4, %5) : (!llvm.ptr, !llvm.ptr) -> !llvm.ptr
  llvm.store %6, %0 : !llvm.ptr, !llvm.ptr
  llvm.br ^bb2(%6 : !llvm.ptr)
^bb2(%7: !llvm.ptr):
  llvm.return %7 : !llvm.ptr
}}
"""


def _symbol_text(x: Any) -> str:
    return x if isinstance(x, str) else getattr(x, "value", str(x))


def _handle_global(name: str) -> Operation:
    """`llvm.mlir.global internal @name() : !llvm.ptr` initialized to null."""
    g = LV.GlobalOp.build(name, _PTR, linkage="internal")
    block = g.regions[0].append(Block())
    b = LLVMBuilder(_AppendRewriter(block))
    b.ret([b.null_ptr()])
    return g


def _string_global(name: str, data: bytes) -> Operation:
    text = data.decode("latin-1")
    return LV.GlobalOp.build(name, LLVMArrayType(len(data), i8), linkage="internal", constant=True,
                             value=StringAttr(text))


class _AppendRewriter:
    """The one method LLVMBuilder needs, appending to a block (IR built outside a pattern)."""

    def __init__(self, block):
        self.block = block

    def insert(self, op: Operation) -> Operation:
        self.block.append(op)
        return op


def _parse_functions(module: Operation, text: str) -> list[Operation]:
    from mlir_py.ir.context import Context
    from mlir_py.text.parser import parse_source
    parsed = parse_source(Context.with_available_dialects(), text, "<gpu-to-llvm>")
    return [op.detach() for op in list(parsed.regions[0].blocks[0].ops)]


def _kernel_names(gpu_module: Operation) -> list[str]:
    """The `.entry` functions: llvm.funcs marked nvvm.kernel or with the ptx_kernel calling convention."""
    names = []
    for op in gpu_module.regions[0].blocks[0].ops:
        if op.name != "llvm.func":
            continue
        cconv = op.properties.get("CConv")
        if "nvvm.kernel" in op.attributes or (cconv is not None and cconv.case_names[0] == "ptx_kernelcc"):
            names.append(op.properties["sym_name"].value)
    return names


def embed_gpu_modules(module: Operation, arch: str, emit_ptx) -> bool:
    """Each `gpu.module` as PTX in a global plus the per-kernel getters the
    launches call; the gpu.modules are erased. False (an error emitted) when a
    module does not compile."""
    top = module.regions[0].blocks[0]
    used = {op.properties["sym_name"].value: op for op in top.ops
            if op.name == "llvm.func" and op.properties["sym_name"].value.startswith("__mgpu_kernel_")}
    for gm in [op for op in top.ops if op.name == "gpu.module"]:
        m = gm.properties["sym_name"].value
        kernels = _kernel_names(gm)
        try:
            ptx = emit_ptx(gm, arch)
        except DiagnosticError as e:  # device code NVPTX cannot compile, located at the op
            for d in e.diagnostics:
                emitted = emit(d.severity, d.location, d.message)
                for note in getattr(d, "notes", []):
                    emitted.attach_note(note.message, note.location)
            return False
        except Exception as e:  # noqa: BLE001 - the emitter's error (PTXError), reported at the module
            gm.emit_error(f"cannot compile gpu.module @{m} to PTX: {e}")
            return False
        data = ptx.encode("utf-8") + b"\0"
        new = [_string_global(f"__mgpu_module_{m}_ptx", data), _handle_global(f"__mgpu_module_{m}_handle")]
        new += _parse_functions(module, _GETTERS.format(m=m, size=len(data)))
        for k in kernels:
            getter = kernel_getter_name(m, k)
            new += [_string_global(f"{getter}_name", k.encode() + b"\0"), _handle_global(f"{getter}_handle")]
            new += _parse_functions(module, _KERNEL_GETTER.format(getter=getter, m=m))
            declaration = used.pop(getter, None)  # what the launches declared, now defined
            if declaration is not None:
                declaration.erase()
        for op in new:
            top.insert_before(gm, op)
        gm.erase()
    for name, op in used.items():
        if not op.regions or not op.regions[0].blocks:  # a declaration: no gpu.module defined that kernel
            op.emit_error(f"gpu.launch_func of a kernel that no gpu.module defines ({name})")
            return False
    for name in ("mgpuModuleLoad", "mgpuModuleGetFunction"):
        if not any(op.name == "llvm.func" and op.properties["sym_name"].value == name for op in top.ops):
            from mlir_py.dialects.llvm import LLVMFuncOp
            top.insert_before(next(iter(top.ops), None), LLVMFuncOp.build(name, RUNTIME_FUNCTIONS[name],
                                                                          declaration=True))
    return True


def default_ptx_emitter(gpu_module: Operation, arch: str) -> str:
    """PTX for a gpu.module in llvm+nvvm form (target/ptx, docs/ptx.md)."""
    from mlir_py.target.ptx import DeviceModule, compile_llvm_ir_to_ptx, llvm_ir
    name = gpu_module.properties["sym_name"].value
    return compile_llvm_ir_to_ptx(llvm_ir(DeviceModule(name, gpu_module)), arch)


def _unsupported(op: Operation) -> str | None:
    """Why gpu-to-llvm cannot lower `op` (None when it can or need not)."""
    name = op.name
    if name == "gpu.launch_func":
        g = _groups(op, _LAUNCH_GROUPS, list(op.operands))
        if any(g.get(k) for k in ("clusterSizeX", "clusterSizeY", "clusterSizeZ")):
            return "gpu-to-llvm does not lower launches with thread block clusters"
        if g.get("asyncObject"):
            return "gpu-to-llvm does not lower launches on an explicit async object"
    elif name == "gpu.alloc":
        t = op.results[0].type
        if isinstance(t, MemRefType) and t.layout is not None:
            return "gpu-to-llvm allocates identity-layout memrefs only"
        if _groups(op, _ALLOC_GROUPS, list(op.operands)).get("symbolOperands"):
            return "gpu-to-llvm does not lower gpu.alloc with symbol operands"
    elif name in ("gpu.memcpy", "gpu.memset"):
        count = 2 if name == "gpu.memcpy" else 1
        for v in op.operands[len(op.operands) - 2:][:count]:
            if isinstance(v.type, MemRefType) and not _contiguous(v.type):
                return f"{name} of a memref with a non-identity layout is not supported by gpu-to-llvm"
        if name == "gpu.memset" and getattr(op.operands[-1].type, "width", None) not in (16, 32):
            return "gpu-to-llvm fills 16- and 32-bit elements only (mgpuMemset16/32)"
    return None


def check_gpu_arch(text: str) -> str:
    from mlir_py.target.ptx.emit import PTXError, check_arch
    try:
        return check_arch(text)
    except PTXError as e:
        raise ValueError(str(e)) from None


@register_pass
class GpuToLLVM(Pass):
    """Lower host-side gpu ops to CUDA runtime calls and embed the kernels' PTX (module docstring)."""

    name = "gpu-to-llvm"
    summary = "Convert GPU dialect to LLVM dialect with GPU runtime calls"
    display_name = "GpuToLLVMConversionPass"
    anchor = "builtin.module"
    options = [
        Option("use-bare-pointers-for-kernels", bool, False,
               "Pass a statically shaped, identity-layout memref to kernels as its aligned pointer alone"),
        Option("gpu-arch", check_gpu_arch, "sm_80", "The PTX target the gpu.modules are compiled for (sm_XX)"),
    ]

    def run_on_operation(self, op):
        bad = [(o, why) for o in op.walk() for why in [_unsupported(o)] if why is not None]
        for o, why in bad:
            o.emit_error(why)
        if bad:
            self.signal_failure()
            return
        tc = LLVMTypeConverter()
        tc.add_conversion(lambda t: _PTR if _is_token(t) else None)
        target = llvm_conversion_target()
        for name in ("gpu.launch_func", "gpu.alloc", "gpu.dealloc", "gpu.memcpy", "gpu.memset", "gpu.wait"):
            target.add_illegal_op(name)
        patterns = gpu_host_patterns(self.use_bare_pointers_for_kernels)
        if not apply_partial_conversion(op, target, patterns, tc):
            self.signal_failure()
            return
        if not embed_gpu_modules(op, self.gpu_arch, default_ptx_emitter):
            self.signal_failure()
