"""`convert-func-to-llvm`: functions, calls and returns to the llvm dialect.

Signatures follow MLIR's calling convention: a memref argument is passed as
its descriptor's fields one by one (allocated and aligned pointers, offset,
sizes, strides), and the body rebuilds the descriptor struct from them at
its start; several results are returned as one struct. With
`use-bare-ptr-memref-call-conv`, statically shaped identity-layout memrefs
pass as one pointer instead.

A function carrying `llvm.emit_c_interface` (`llvm-request-c-wrappers`
puts it on every function, `--lower-to-llvm` on every public one) also gets
the C-callable `_mlir_ciface_NAME` (DESIGN §5): memref arguments become
pointers to descriptors; a struct result (a memref, or several results) is
written through a pointer passed first. A defined function gets a wrapper
that loads the descriptors and calls it; a declared (external) one becomes
a body that stores descriptors to the stack and calls the declared
`_mlir_ciface_NAME`, as upstream does.
"""

from __future__ import annotations

from mlir_py.dialects import llvm as L
from mlir_py.dialects.llvm import LLVMPointerType, LLVMStructType
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder
from mlir_py.passes.conversions.llvm_type_converter import (
    LLVMTypeConverter,
    MemRefDescriptor,
    UnrankedMemRefDescriptor,
    llvm_conversion_target,
)

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import TypeAttr, UnitAttr
from mlir_py.ir.builtin_types import FunctionType, MemRefType, UnrankedMemRefType
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)

EMIT_C_INTERFACE = "llvm.emit_c_interface"
#: on each `_mlir_ciface_` wrapper of a defined function: the `function_type` of the func.func it wraps,
#: the memref signature that the pointers of the wrapper stand for. Read by the ExecutionEngine and
#: mir-run to call lowered input with numpy arrays (docs/execution.md). Named like upstream's
#: `func.varargs`, a func-level fact kept as a discardable attribute in the func namespace; the func
#: dialect verifies no discardable attributes, so upstream MLIR accepts it unchanged.
SOURCE_FUNCTION_TYPE = "func.function_type"
#: func.func properties / attributes that do not carry over to llvm.func as discardable attributes
_DROPPED = {"sym_name", "function_type", "sym_visibility", "arg_attrs", "res_attrs", "llvm.linkage",
            "llvm.readnone", "no_inline", SOURCE_FUNCTION_TYPE}


def _is_memref(t: Attribute) -> bool:
    return isinstance(t, (MemRefType, UnrankedMemRefType))


def pack_descriptor(b: LLVMBuilder, tc: LLVMTypeConverter, t: Attribute, fields: list[Value]) -> Value:
    """The descriptor struct of memref type `t` from its expanded fields (or from a bare pointer)."""
    st = tc.convert_type(t)
    if isinstance(t, UnrankedMemRefType):
        return UnrankedMemRefDescriptor.build(b, st, fields[0], fields[1]).value
    if len(fields) == 1:  # bare pointer
        return MemRefDescriptor.from_static_shape(b, st, t, fields[0], fields[0]).value
    return MemRefDescriptor.pack(b, st, fields).value


def unpack_descriptor(b: LLVMBuilder, tc: LLVMTypeConverter, t: Attribute, desc: Value) -> list[Value]:
    """The expanded fields of a descriptor (the aligned pointer alone for the bare convention)."""
    if isinstance(t, UnrankedMemRefType):
        d = UnrankedMemRefDescriptor(b, desc)
        return [d.rank(), d.memref_desc_ptr()]
    if tc.use_bare_ptr_call_conv and tc.can_convert_to_bare_ptr(t):
        return [MemRefDescriptor(b, desc).aligned_ptr()]
    return MemRefDescriptor(b, desc).unpack()


def _pack_results(b: LLVMBuilder, tc: LLVMTypeConverter, types: list[Attribute], values: list[Value]) -> list[Value]:
    """Return values as the single LLVM result: one value, or a struct of several."""
    if tc.use_bare_ptr_call_conv:
        values = [MemRefDescriptor(b, v).allocated_ptr() if tc.can_convert_to_bare_ptr(t) else v
                  for t, v in zip(types, values)]  # upstream returns the allocated pointer
    if len(values) <= 1:
        return values
    st = tc.pack_function_results(types)
    acc = b.poison(st)
    for i, v in enumerate(values):
        acc = b.insertvalue(acc, v, [i])
    return [acc]


def _unpack_results(b: LLVMBuilder, tc: LLVMTypeConverter, types: list[Attribute], result: Value | None
                    ) -> list[Value]:
    """The original results from the single LLVM result of a call."""
    if result is None:
        return []
    vals = [result] if len(types) == 1 else [b.extractvalue(result, [i]) for i in range(len(types))]
    if tc.use_bare_ptr_call_conv:
        vals = [pack_descriptor(b, tc, t, [v]) if tc.can_convert_to_bare_ptr(t) else v
                for t, v in zip(types, vals)]
    return vals


# ---------------------------------------------------------------------------
# func.func
# ---------------------------------------------------------------------------


def _func_attrs(op: Operation) -> dict[str, Attribute]:
    return {k: v for k, v in op.attributes.items() if k not in _DROPPED}


def make_llvm_func(name: str, ftype, *, linkage: Attribute | None = None, location=None) -> Operation:
    """A bodyless `llvm.func` (its region is filled by the caller). External linkage by default and no
    symbol visibility, as upstream: a private `func.func` declaration must stay linkable."""
    fn = L.LLVMFuncOp.build(name, ftype, declaration=True, location=location)
    if linkage is not None:
        fn.properties["linkage"] = linkage
    return fn


def _make_llvm_func(rw, name: str, ftype, src: Operation) -> Operation:
    fn = make_llvm_func(name, ftype, linkage=src.attributes.get("llvm.linkage"), location=src.location)
    rw.insert(fn)
    return fn


def lower_func(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    ftype: FunctionType = op.properties["function_type"].value
    llvm_type, conv = tc.convert_function_signature(ftype)
    if llvm_type is None or conv is None:
        return False
    name = op.properties["sym_name"].value
    fn = _make_llvm_func(rw, name, llvm_type, op)
    fn.attributes.update(_func_attrs(op))
    for k in ("arg_attrs", "res_attrs"):
        if k in op.properties and len(conv.converted_types) == len(ftype.inputs):
            fn.properties[k] = op.properties[k]
    body = op.regions[0]
    if body.blocks:
        rw.inline_region_before(body, fn.regions[0])
        entry = fn.regions[0].blocks[0]
        old_args = list(entry.args)
        rw.apply_signature_conversion(entry, conv, tc)
        _pack_entry_memrefs(rw, tc, entry, ftype, conv, old_args)
    emit_c = EMIT_C_INTERFACE in op.attributes
    if emit_c:
        rw.set_insertion_point_after(fn)
        if body.blocks or fn.regions[0].blocks:
            _wrap_for_external_callers(rw, tc, fn, name, ftype, llvm_type)
        else:
            _wrap_external_function(rw, tc, fn, name, ftype, llvm_type)
    rw.erase_op(op)
    return True


def _pack_entry_memrefs(rw, tc: LLVMTypeConverter, entry, ftype: FunctionType, conv, old_args) -> None:
    """Rebuild each memref argument's descriptor at the entry from its expanded
    fields (the signature conversion bridged them with an N:1 cast)."""
    for i, t in enumerate(ftype.inputs):
        if not _is_memref(t):
            continue
        m = conv.input_mapping(i)
        if not isinstance(m, tuple):
            continue
        first, n = m
        fields = list(entry.args[first:first + n])
        cast = next((u for u in fields[0].users if u.name == "builtin.unrealized_conversion_cast"
                     and [o for o in u.operands] == fields), None)
        if cast is None:
            continue
        with rw.insertion_guard():
            rw.set_insertion_point(cast)
            desc = pack_descriptor(LLVMBuilder(rw, old_args[i].loc), tc, t, fields)
            rw.replace_all_uses_with(cast.results[0], desc)
            rw.erase_op(cast)


def _wrap_for_external_callers(rw, tc: LLVMTypeConverter, fn: Operation, name: str, ftype: FunctionType,
                               llvm_type) -> None:
    """`_mlir_ciface_NAME(descriptor pointers...)` calling the converted function."""
    wtype, result_is_arg = tc.convert_c_wrapper_type(ftype)
    if wtype is None:
        return
    w = make_llvm_func(f"_mlir_ciface_{name}", wtype, location=fn.location)
    w.attributes.update({k: v for k, v in fn.attributes.items() if k != "llvm.linkage"})
    w.attributes[SOURCE_FUNCTION_TYPE] = TypeAttr(ftype)
    rw.insert(w)
    entry = rw.create_block(w.regions[0], list(wtype.inputs))
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(entry)
        b = LLVMBuilder(rw, fn.location)
        args = list(entry.args)
        out_ptr = args.pop(0) if result_is_arg else None
        call_args: list[Value] = []
        for t, a in zip(ftype.inputs, args):
            if _is_memref(t):
                desc = b.load(a, tc.convert_type(t))
                call_args += unpack_descriptor(b, tc, t, desc)
            else:
                call_args.append(a)
        results = list(llvm_type.results)
        call = b.call(name, call_args, results)
        if out_ptr is not None:
            b.store(call.results[0], out_ptr)
            b.ret([])
        else:
            b.ret(list(call.results))


def _wrap_external_function(rw, tc: LLVMTypeConverter, fn: Operation, name: str, ftype: FunctionType,
                            llvm_type) -> None:
    """Give the declaration `fn` a body that calls the declared `_mlir_ciface_NAME`."""
    wtype, result_is_arg = tc.convert_c_wrapper_type(ftype)
    if wtype is None:
        return
    w = make_llvm_func(f"_mlir_ciface_{name}", wtype, location=fn.location)
    rw.insert(w)
    entry = rw.create_block(fn.regions[0], list(llvm_type.inputs))
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(entry)
        b = LLVMBuilder(rw, fn.location)
        args = list(entry.args)
        call_args: list[Value] = []
        one = None
        res_ptr = None
        if result_is_arg:
            one = b.constant(1, tc.index_type)
            res_ptr = b.alloca(one, llvm_type.return_type)
            call_args.append(res_ptr)
        pos = 0
        for t in ftype.inputs:
            n = len(tc.convert_call_argument(t) or [])
            fields = args[pos:pos + n]
            pos += n
            if _is_memref(t):
                desc = pack_descriptor(b, tc, t, fields)
                ptr = b.alloca(b.constant(1, tc.index_type), desc.type)
                b.store(desc, ptr)
                call_args.append(ptr)
            else:
                call_args += fields
        call = b.call(f"_mlir_ciface_{name}", call_args, list(wtype.results))
        if res_ptr is not None:
            b.ret([b.load(res_ptr, llvm_type.return_type)])
        else:
            b.ret(list(call.results))


# ---------------------------------------------------------------------------
# func.call / func.return
# ---------------------------------------------------------------------------


def lower_call(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    b = LLVMBuilder(rw)
    args: list[Value] = []
    for o, v in zip(op.operands, adaptor.operands):
        t = o.type
        if _is_memref(t):
            if tc.convert_type(t) is None or v.type != tc.convert_type(t):
                return False
            args += unpack_descriptor(b, tc, t, v)
        else:
            if tc.convert_type(t) is None:
                return False
            args.append(v)
    rtypes = [r.type for r in op.results]
    ret = tc.pack_function_results(rtypes)
    if ret is None:
        return False
    call = b.call(op.properties["callee"].root, args, [] if not rtypes else [ret])
    rw.replace_op(op, _unpack_results(b, tc, rtypes, call.results[0] if rtypes else None))
    return True


def lower_constant(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`func.constant @f` is the function's address."""
    if rw.type_converter.convert_type(op.results[0].type) is None:
        return False
    rw.replace_op(op, [LLVMBuilder(rw).addressof(op.properties["value"].value)])
    return True


def lower_call_indirect(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """A call through a function pointer, with the arguments and results of a direct call."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    b = LLVMBuilder(rw)
    args: list[Value] = []
    for o, v in list(zip(op.operands, adaptor.operands))[1:]:
        if tc.convert_type(o.type) is None:
            return False
        args += unpack_descriptor(b, tc, o.type, v) if _is_memref(o.type) else [v]
    rtypes = [r.type for r in op.results]
    ret = tc.pack_function_results(rtypes)
    if ret is None:
        return False
    call = b.insert_op(L.CallOp.build(adaptor.operands[0], args, [] if not rtypes else [ret]))
    rw.replace_op(op, _unpack_results(b, tc, rtypes, call.results[0] if rtypes else None))
    return True


def lower_return(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    types = [o.type for o in op.operands]
    if any(tc.convert_type(t) is None for t in types):
        return False
    if any(isinstance(t, UnrankedMemRefType) for t in types):
        # its descriptor lives in the callee's stack frame: upstream copies it to the heap for the
        # caller to free, a protocol not implemented here - refuse rather than return a dangling pointer
        return rw.notify_match_failure(op, "returning an unranked memref is not supported")
    b = LLVMBuilder(rw)
    vals = _pack_results(b, tc, types, list(adaptor.operands))
    rw.replace_op(op, b.ret(vals))
    return True


def lowered_c_interface(module: Operation):
    """The C entry points of a module that `--lower-to-llvm` already lowered:
    `(NAME, source FunctionType or None, wrapper op)` for each public, defined
    `_mlir_ciface_NAME` that carries SOURCE_FUNCTION_TYPE. The type is None
    when the attribute does not match the wrapper's own type (a stale or
    hand-edited attribute must not make a caller pass the wrong pointers).
    The ExecutionEngine and the C header generator read signatures this way."""
    tc = LLVMTypeConverter()
    body = module.regions[0].first_block if module.regions and not module.regions[0].is_empty() else None
    for op in (body.ops if body is not None else ()):
        if op.name != "llvm.func" or not op.regions or op.regions[0].is_empty():
            continue
        symbol = op.properties["sym_name"].value
        attr = op.attributes.get(SOURCE_FUNCTION_TYPE)
        linkage = op.properties.get("linkage")
        if not symbol.startswith("_mlir_ciface_") or attr is None or (
                linkage is not None and str(linkage).endswith(("internal>", "private>"))):
            continue
        ftype = attr.value if isinstance(attr, TypeAttr) else None
        if not isinstance(ftype, FunctionType) or tc.convert_c_wrapper_type(ftype)[0] != \
                op.properties["function_type"].value:
            ftype = None
        yield symbol[len("_mlir_ciface_"):], ftype, op


def func_to_llvm_patterns() -> list:
    return [FunctionConversionPattern(lower_func, "func.func"), FunctionConversionPattern(lower_call, "func.call"),
            FunctionConversionPattern(lower_return, "func.return"),
            FunctionConversionPattern(lower_constant, "func.constant"),
            FunctionConversionPattern(lower_call_indirect, "func.call_indirect")]


@register_pass
class ConvertFuncToLLVM(Pass):
    """Lower func.func / call / return to the llvm dialect (see the module docstring)."""

    name = "convert-func-to-llvm"
    summary = "Convert from the Func dialect to the LLVM dialect"
    display_name = "ConvertFuncToLLVMPass"
    anchor = "builtin.module"
    options = [
        Option("use-bare-ptr-memref-call-conv", bool, False,
               "Replace FuncOp's MemRef arguments with bare pointers to the MemRef element types"),
        Option("index-bitwidth", int, 0, "Bitwidth of the index type, 0 to use size of machine word"),
    ]

    def run_on_operation(self, op):
        tc = LLVMTypeConverter(self.index_bitwidth, use_bare_ptr_call_conv=self.use_bare_ptr_memref_call_conv)
        target = llvm_conversion_target()
        target.add_illegal_dialect("func")
        if not apply_partial_conversion(op, target, func_to_llvm_patterns(), tc):
            self.signal_failure()


@register_pass
class RequestCWrappers(Pass):
    """Mark functions for `_mlir_ciface_` wrapper emission by `convert-func-to-llvm`.

    Upstream marks every function it runs on; `public-only` (ours) skips
    private ones, which is what `--lower-to-llvm` uses: the C interface is
    for callers outside the module, and a private declaration (a libm
    function) must keep its plain C signature."""

    name = "llvm-request-c-wrappers"
    summary = "Request C wrapper emission for all functions"
    display_name = "LLVMRequestCWrappersPass"
    anchor = "func.func"
    options = [Option("public-only", bool, False, "Only mark public functions")]

    def run_on_operation(self, op):
        vis = op.properties.get("sym_visibility")
        if self.public_only and vis is not None and vis.value != "public":
            return
        op.attributes[EMIT_C_INTERFACE] = UnitAttr()


__all__ = ["EMIT_C_INTERFACE", "SOURCE_FUNCTION_TYPE", "ConvertFuncToLLVM", "RequestCWrappers",
           "func_to_llvm_patterns", "lowered_c_interface", "pack_descriptor", "unpack_descriptor",
           "LLVMPointerType", "LLVMStructType"]
