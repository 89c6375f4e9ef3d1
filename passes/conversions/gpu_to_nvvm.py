"""`convert-gpu-to-nvvm`: the kernels of a gpu.module down to the llvm and nvvm dialects.

Runs on each `gpu.module` (device code only; the host code that launches
the kernels is left alone), as upstream's pass does:

- `gpu.func` becomes `llvm.func`; a kernel keeps `gpu.kernel` (what
  `gpu.launch_func` looks for) and gets `nvvm.kernel` (the `.entry` marking
  the PTX translation reads) and, with `known_block_size`,
  `nvvm.maxntid`. Memref arguments are descriptors expanded into scalars
  (allocated and aligned pointers, offset, sizes, strides), or one pointer
  each with `use-bare-ptr-memref-call-conv`.
- workgroup attributions become `llvm.mlir.global internal @__wg_F_N` in
  address space 3 (PTX `.shared`); private attributions become allocas
  (address space 0: NVPTX has no allocas in the local space 5).
- `gpu.thread_id x` ... `gpu.grid_dim z`, `gpu.lane_id` read the special
  registers (`nvvm.read.ptx.sreg.tid.x` ... as i32, extended to the index
  width; a `range` when the function's known sizes or the op's `upper_bound`
  bound them); `gpu.global_id`, `gpu.subgroup_size` / `_id` /
  `num_subgroups` are computed from them (subgroups are warps of 32);
  `gpu.barrier` is `nvvm.barrier`, `gpu.shuffle` `nvvm.shfl.sync`,
  `gpu.printf` a call of CUDA's `vprintf` with the arguments packed in a
  struct on the stack (floats promoted to double), `cf.assert` a call of
  `__assertfail` when the condition is false.
- `gpu.all_reduce` and `gpu.subgroup_reduce` are first expanded into
  shuffles, workgroup memory and barriers (gpu_to_nvvm_reduce.py);
  `has-redux` lowers a uniform i32 subgroup_reduce to `nvvm.redux.sync`.
- arith, cf, func, memref and vector inside the module are lowered by the
  same patterns as on the CPU; math by gpu_to_nvvm_math.py, which keeps to what
  the NVPTX backend computes itself (no libdevice).

Memory spaces: `#gpu.address_space<global>` is address space 1,
`<workgroup>` 3, `<private>` 0, as upstream's NVVM lowering maps them.
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects import llvm as L
from mlir_py.dialects.llvm import LLVMArrayType, LLVMFunctionType, LLVMPointerType, LLVMStructType, LLVMVoidType
from mlir_py.passes.conversions.arith_to_llvm import arith_to_llvm_patterns
from mlir_py.passes.conversions.cf_to_llvm import _string_global, cf_to_llvm_patterns
from mlir_py.passes.conversions.func_to_llvm import (
    EMIT_C_INTERFACE,
    _pack_entry_memrefs,
    func_to_llvm_patterns,
    lower_return,
)
from mlir_py.passes.conversions.gpu_to_nvvm_math import check_kernel_math, gpu_math_patterns
from mlir_py.passes.conversions.gpu_to_nvvm_reduce import expand_reductions
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder, lookup_or_create_function
from mlir_py.passes.conversions.llvm_type_converter import (
    LLVMTypeConverter,
    MemRefDescriptor,
    llvm_conversion_target,
)
from mlir_py.passes.conversions.memref_to_llvm import memref_to_llvm_patterns
from mlir_py.passes.conversions.vector_to_llvm import vector_to_llvm_patterns

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import ArrayAttr, IntegerAttr, StringAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, FunctionType, IntegerType, MemRefType, i32, i64
from mlir_py.ir.location import CallSiteLoc, FileLineColLoc, NameLoc
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)

#: NVVM's address spaces for the gpu dialect's memory spaces (global, workgroup, private)
NVVM_ADDRESS_SPACES = {"global": 1, "workgroup": 3, "private": 0}
SHARED_ADDRESS_SPACE = 3
WARP_SIZE = 32


def nvvm_class(name: str) -> Any:
    """The nvvm dialect's op class `name` (imported when first needed: the pass module loads without it)."""
    from mlir_py.dialects.nvvm import DIALECT as NVVM_DIALECT
    return NVVM_DIALECT.ops[name]


class NVVMTypeConverter(LLVMTypeConverter):
    """The llvm type converter with the gpu dialect's address spaces mapped to NVVM's."""

    def address_space(self, t):
        ms = getattr(t, "memory_space", None)
        if ms is not None and getattr(ms, "name", None) == "gpu.address_space":
            return NVVM_ADDRESS_SPACES.get(ms.case_names[0])
        return super().address_space(t)


# -- gpu.func / gpu.return ------------------------------------------------------------------------


def _attribution_alignment(op: Operation, key: str, i: int) -> int:
    attrs = op.properties.get(key)
    if attrs is None or i >= len(attrs):
        return 0
    a = dict(attrs[i].entries).get("llvm.align")
    return int(a.value) if isinstance(a, IntegerAttr) else 0


def _static_memref(t: Attribute) -> bool:
    return isinstance(t, MemRefType) and all(s >= 0 for s in t.shape)


def lower_gpu_func(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: NVVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    ftype: FunctionType = op.properties["function_type"].value
    llvm_type, conv = tc.convert_function_signature(ftype)
    if llvm_type is None or conv is None:
        return rw.notify_match_failure(op, "signature cannot be converted")
    name = op.properties["sym_name"].value
    entry = op.regions[0].first_block
    n_in = len(ftype.inputs)
    wg_count = op.properties["workgroup_attributions"].value if "workgroup_attributions" in op.properties else 0
    attributions = list(entry.args[n_in:]) if entry is not None else []
    if any(not _static_memref(a.type) or tc.convert_type(a.type) is None for a in attributions):
        return rw.notify_match_failure(op, "attributions must be statically shaped memrefs")

    # workgroup buffers: module-level globals in the shared address space, created before the function
    globals_: list[tuple[str, Attribute]] = []
    for i, a in enumerate(attributions[:wg_count]):
        t: MemRefType = a.type
        el = tc.convert_type(t.element_type)
        arr = LLVMArrayType(max(1, _num_elements(t)), el)
        gname = f"__wg_{name}_{i}"
        align = _attribution_alignment(op, "workgroup_attrib_attrs", i)
        g = L.GlobalOp.build(gname, arr, linkage="internal", alignment=align or None,
                             addr_space=SHARED_ADDRESS_SPACE, location=op.location)
        rw.insert(g)
        globals_.append((gname, arr))

    fn = L.LLVMFuncOp.build(name, llvm_type, declaration=True, location=op.location)
    for k, v in op.attributes.items():
        fn.attributes[k] = v
    if "kernel" in op.properties:
        fn.attributes["gpu.kernel"] = UnitAttr()
    for key in ("known_block_size", "known_grid_size"):
        if key in op.properties:
            fn.attributes[f"gpu.{key}"] = op.properties[key]
    if "kernel" in op.properties:
        fn.attributes["nvvm.kernel"] = UnitAttr()
        if "known_block_size" in op.properties:
            fn.attributes["nvvm.maxntid"] = op.properties["known_block_size"]
    for k in ("arg_attrs", "res_attrs"):
        if k in op.properties and len(conv.converted_types) == n_in:
            fn.properties[k] = op.properties[k]
    rw.insert(fn)

    if entry is not None:
        # the attributions' descriptors, built at the start of the body; the block arguments go away
        with rw.insertion_guard():
            rw.set_insertion_point_to_start(entry)
            b = LLVMBuilder(rw, op.location)
            for i, a in enumerate(attributions):
                t = a.type
                st = tc.convert_type(t)
                el = tc.convert_type(t.element_type)
                if i < wg_count:
                    gname, arr = globals_[i]
                    base = b.addressof(gname, LLVMPointerType(SHARED_ADDRESS_SPACE))
                    ptr = b.gep(base, [0, 0], arr)
                else:
                    align = _attribution_alignment(op, "private_attrib_attrs", i - wg_count)
                    ptr = b.alloca(b.constant(_num_elements(t), tc.index_type), el, alignment=align or None,
                                   address_space=tc.address_space(t) or 0)
                desc = MemRefDescriptor.from_static_shape(b, st, t, ptr, ptr).value
                # bridged by the rewriter's own cast, placed here after the descriptor (not at the block start)
                rw._replace_value(a, desc, a.loc, rw.insertion_point)
        full = _with_dropped_attributions(conv, n_in + len(attributions))
        rw.inline_region_before(op.regions[0], fn.regions[0])
        old_args = list(entry.args)
        rw.apply_signature_conversion(entry, full, tc)
        _pack_entry_memrefs(rw, tc, entry, ftype, conv, old_args[:n_in])
    rw.erase_op(op)
    return True


def _num_elements(t: MemRefType) -> int:
    n = 1
    for s in t.shape:
        n *= s
    return n


def _with_dropped_attributions(conv, total: int):
    """`conv` (for the function's inputs) extended to `total` block arguments, the extra ones dropped."""
    from mlir_py.rewrite.conversion import SignatureConversion
    full = SignatureConversion(total)
    for i in range(conv.num_inputs):
        m = conv.input_mapping(i)
        if isinstance(m, tuple):
            full.add_inputs(i, conv.converted_types[m[0]:m[0] + m[1]])
    return full


# -- ids, barrier, shuffle -----------------------------------------------------------------------

#: gpu index op -> the special register it reads (with `.x` / `.y` / `.z` appended)
SPECIAL_REGISTERS = {"gpu.thread_id": "tid", "gpu.block_dim": "ntid", "gpu.block_id": "ctaid",
                     "gpu.grid_dim": "nctaid", "gpu.cluster_id": "clusterid", "gpu.cluster_dim": "nclusterid",
                     "gpu.cluster_block_id": "cluster.ctaid", "gpu.cluster_dim_blocks": "cluster.nctaid"}


def _to_index(b: LLVMBuilder, tc: LLVMTypeConverter, v: Value) -> Value:
    """An i32 special register value at the index width (sign-extended as upstream)."""
    if tc.index_bitwidth > 32:
        return b.sext(v, tc.index_type)
    if tc.index_bitwidth < 32:
        return b.trunc(v, tc.index_type)
    return v


#: special register -> which launch bound limits it: (known_*_size attribute, dimension register)
_BOUNDED = {"tid": ("known_block_size", False), "ntid": ("known_block_size", True),
            "ctaid": ("known_grid_size", False), "nctaid": ("known_grid_size", True)}


def _upper_bound(op: Operation, reg: str) -> int | None:
    """What bounds the register (upstream's order: the op's `upper_bound`, else the enclosing function's
    known block / grid size, as a gpu.func property or an llvm.func `gpu.known_*` attribute)."""
    ub = op.properties.get("upper_bound")
    if ub is not None:
        return int(ub.value)
    kind = _BOUNDED.get(reg.split(".")[0])
    if kind is None:
        return None
    f = op.parent_op
    while f is not None and f.name not in ("gpu.func", "llvm.func", "func.func"):
        f = f.parent_op
    if f is None:
        return None
    sizes = f.properties.get(kind[0]) or f.attributes.get(f"gpu.{kind[0]}")
    if sizes is None:
        return None
    return int(list(sizes.values)["xyz".index(reg[-1])])


def _lower_special_register(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`nvvm.read.ptx.sreg.*` (i32, with `range` when a bound is known), extended to the index width."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    if op.name == "gpu.lane_id":
        reg, bound, is_dim = "laneid", _upper_bound(op, "laneid") or WARP_SIZE, False
    else:
        reg = f"{SPECIAL_REGISTERS[op.name]}.{op.properties['dimension'].case_names[0]}"
        bound = _upper_bound(op, reg)
        is_dim = _BOUNDED.get(reg.split(".")[0], ("", False))[1]
    cls = nvvm_class(f"nvvm.read.ptx.sreg.{reg}")
    if bound is not None:
        lower, upper = (1, bound + 1) if is_dim else (0, bound)
        read = cls.build(lower, min(upper, 2**31 - 1), location=op.location)
    else:
        read = cls.build(location=op.location)
    b = LLVMBuilder(rw, op.location)
    rw.insert(read)
    rw.replace_op(op, [_to_index(b, tc, read.results[0])])
    return True


def _sreg(rw: ConversionPatternRewriter, reg: str, op: Operation) -> Value:
    """An unbounded i32 read of special register `reg`."""
    return rw.insert(nvvm_class(f"nvvm.read.ptx.sreg.{reg}").build(location=op.location)).results[0]


def lower_global_id(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`ctaid * ntid + tid` along the dimension, at the index width."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    d = op.properties["dimension"].case_names[0]
    b = LLVMBuilder(rw, op.location)
    ids = [_to_index(b, tc, _sreg(rw, f"{r}.{d}", op)) for r in ("ctaid", "ntid", "tid")]
    rw.replace_op(op, [b.add(b.mul(ids[0], ids[1]), ids[2])])
    return True


def lower_subgroup_op(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """Subgroups are warps: their size is `%warpsize`; the id is the linear thread id / 32, their
    number the block size rounded up to warps."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    b = LLVMBuilder(rw, op.location)
    if op.name == "gpu.subgroup_size":
        rw.replace_op(op, [_to_index(b, tc, _sreg(rw, "warpsize", op))])
        return True
    nt = [_sreg(rw, f"ntid.{d}", op) for d in "xyz"]
    warp = b.constant(WARP_SIZE, i32)
    if op.name == "gpu.num_subgroups":
        size = b.mul(b.mul(nt[0], nt[1]), nt[2])
        value = b.udiv(b.add(size, b.constant(WARP_SIZE - 1, i32)), warp)
    else:
        t = [_sreg(rw, f"tid.{d}", op) for d in "xyz"]
        linear = b.add(t[0], b.mul(nt[0], b.add(t[1], b.mul(nt[1], t[2]))))
        value = b.udiv(linear, warp)
    rw.replace_op(op, [_to_index(b, tc, value)])
    return True


def lower_barrier(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """A workgroup barrier is `nvvm.barrier` (`bar.sync 0`), a subgroup's `nvvm.bar.warp.sync -1`, a
    cluster's `nvvm.cluster.arrive` then `nvvm.cluster.wait` (sm_90)."""
    scope = op.properties.get("scope")
    scope_name = scope.case_names[0] if scope is not None else "workgroup"
    if scope_name == "workgroup":
        rw.insert(nvvm_class("nvvm.barrier").build(location=op.location))
    elif scope_name == "subgroup":
        mask = LLVMBuilder(rw, op.location).constant(-1, i32)
        rw.insert(nvvm_class("nvvm.bar.warp.sync")(mask, location=op.location))
    else:
        rw.insert(nvvm_class("nvvm.cluster.arrive")(location=op.location))
        rw.insert(nvvm_class("nvvm.cluster.wait")(location=op.location))
    rw.erase_op(op)
    return True


#: gpu.shuffle mode -> nvvm.shfl.sync kind
SHUFFLE_KINDS = {"xor": "bfly", "up": "up", "down": "down", "idx": "idx"}


def lower_shuffle(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`width` lanes take part: mask `-1 >> (32 - width)`, clamp `width - 1` (`32 - width` for up)."""
    value, offset, width = adaptor.operands
    if value.type not in (i32, FloatType("f32")):
        return rw.notify_match_failure(op, "nvvm.shfl.sync shuffles i32 and f32 values")
    b = LLVMBuilder(rw, op.location)
    one, minus_one, thirty_two = b.constant(1, i32), b.constant(-1, i32), b.constant(WARP_SIZE, i32)
    inactive = b.sub(thirty_two, width)
    mask = b.op("llvm.lshr", [minus_one, inactive])
    mode = op.properties["mode"].case_names[0]
    clamp = inactive if mode == "up" else b.sub(width, one)
    pred_used = op.results[1].has_uses()
    shfl = rw.insert(nvvm_class("nvvm.shfl.sync").build(SHUFFLE_KINDS[mode], mask, value, offset, clamp,
                                                        with_valid=pred_used, location=op.location)).results[0]
    if pred_used:
        rw.replace_op(op, [b.extractvalue(shfl, [0]), b.extractvalue(shfl, [1])])
    else:
        rw.replace_op(op, [shfl, None])
    return True


def lower_subgroup_reduce_redux(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`has-redux`: a uniform i32 subgroup_reduce is one `redux.sync` (sm_80 and later)."""
    kinds = {"add": "add", "minsi": "min", "maxsi": "max", "minui": "umin", "maxui": "umax", "and": "and",
             "or": "or", "xor": "xor"}
    kind = kinds.get(op.properties["op"].case_names[0])
    if "uniform" not in op.properties or op.operands[0].type != i32 or kind is None or \
            op.properties.get("cluster_size") is not None:
        return rw.notify_match_failure(op, "redux.sync takes uniform i32 reductions of the whole subgroup")
    b = LLVMBuilder(rw, op.location)
    red = rw.insert(nvvm_class("nvvm.redux.sync").build(kind, adaptor.operands[0], b.constant(-1, i32),
                                                        location=op.location))
    rw.replace_op(op, [red.results[0]])
    return True


# -- printf -------------------------------------------------------------------------------------


def lower_printf(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`vprintf(format, args)`: the format a private constant string, the arguments a struct on the
    stack (C's default promotions: floats to double, small integers to i32)."""
    module = op.parent_op
    while module is not None and module.name != "gpu.module":
        module = module.parent_op
    if module is None:
        return rw.notify_match_failure(op, "gpu.printf outside a gpu.module")
    ptr = LLVMPointerType(0)
    vprintf = lookup_or_create_function(rw, module, "vprintf", LLVMFunctionType(i32, (ptr, ptr)))
    if vprintf is None:
        return False
    fmt = op.properties["format"].value.encode() + b"\0"
    body = module.regions[0].first_block
    taken = {o.properties["sym_name"].value for o in body.ops if "sym_name" in o.properties}
    n = 0
    while f"printfFormat_{n}" in taken:
        n += 1
    arr = LLVMArrayType(len(fmt), IntegerType(8))
    g = L.GlobalOp.build(f"printfFormat_{n}", arr, linkage="internal", constant=True,
                         value=StringAttr(fmt.decode("latin-1")), location=op.location)
    with rw.insertion_guard():
        rw.set_insertion_point_to_start(body)
        rw.insert(g)
    b = LLVMBuilder(rw, op.location)
    fmt_ptr = b.gep(b.addressof(g.properties["sym_name"].value), [0, 0], arr)
    args: list[Value] = []
    for v in adaptor.operands:
        t = v.type
        if isinstance(t, FloatType) and t != FloatType("f64"):
            v = b.op("llvm.fpext", [v], FloatType("f64"))
        elif isinstance(t, IntegerType) and t.width < 32:
            v = b.op("llvm.zext" if t.width == 1 else "llvm.sext", [v], i32)
        args.append(v)
    if args:
        st = LLVMStructType.literal([a.type for a in args])
        buf = b.alloca(b.constant(1, i64), st)
        for i, a in enumerate(args):
            b.store(a, b.gep(buf, [0, i], st))
    else:
        buf = b.null_ptr()
    b.call("vprintf", [fmt_ptr, buf], [i32])
    rw.erase_op(op)
    return True


# -- cf.assert -----------------------------------------------------------------------------------


def lower_assert(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """A failed assertion calls CUDA's `__assertfail(message, file, line, function, 1)`, which
    reports it and stops the kernel (the CPU lowering's puts/abort do not exist on the device)."""
    module = op.parent_op
    while module is not None and module.name != "gpu.module":
        module = module.parent_op
    if module is None:
        return False
    ptr = LLVMPointerType(0)
    ftype = LLVMFunctionType(LLVMVoidType(), (ptr, ptr, i32, ptr, i64))
    decl = lookup_or_create_function(rw, module, "__assertfail", ftype)
    if decl is None:
        return False
    decl.properties["passthrough"] = ArrayAttr([StringAttr("noreturn")])
    loc = op.location
    func_name = "(unknown)"
    while isinstance(loc, (CallSiteLoc, NameLoc)):
        if isinstance(loc, NameLoc):
            func_name = loc.loc_name
            loc = loc.child
        else:
            loc = loc.callee
    file, line = (loc.filename, loc.line) if isinstance(loc, FileLineColLoc) else ("(unknown)", 0)
    block = op.parent
    cont = rw.split_block(block, op.next_op)
    fail = rw.create_block(block.parent, [])
    strings = [(_string_global(rw, module, f"assert_{what}", text), text)
               for what, text in (("message", op.properties["msg"].value), ("file", file), ("func", func_name))]
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(fail)
        b = LLVMBuilder(rw, op.location)
        msg, fname, fn = (b.gep(b.addressof(n), [0, 0], LLVMArrayType(len(t.encode()) + 1, IntegerType(8)))
                          for n, t in strings)
        b.call("__assertfail", [msg, fname, b.constant(line, i32), fn, b.constant(1, i64)])
        rw.insert(L.BrOp([], dest=cont))
    rw.set_insertion_point(op)
    rw.replace_op(op, L.CondBrOp(adaptor.operands[0], [], [], trueDest=cont, falseDest=fail))
    return True


# -- the pass -----------------------------------------------------------------------------------


def _check_attributions(module: Operation) -> bool:
    """Workgroup and private buffers become globals and allocas of a fixed size: report the others (and
    shuffles of values `shfl.sync` cannot move)."""
    ok = True
    for f in module.walk():
        if f.name == "gpu.shuffle" and f.operands[0].type not in (i32, FloatType("f32")):
            f.emit_error(f"shuffles of {f.operands[0].type} are not supported: nvvm.shfl.sync moves i32 and f32 "
                         "values")
            ok = False
        if f.name != "gpu.func" or f.regions[0].first_block is None:
            continue
        n = len(f.properties["function_type"].value.inputs)
        for a in f.regions[0].first_block.args[n:]:
            if not _static_memref(a.type):
                f.emit_error(f"workgroup and private attributions must be statically shaped memrefs, got {a.type}")
                ok = False
    return ok


def gpu_to_nvvm_patterns(has_redux: bool = False) -> list:
    """The gpu op patterns (upstream's populateGpuToNVVMConversionPatterns, less math)."""
    pats = [FunctionConversionPattern(lower_gpu_func, "gpu.func"),
            FunctionConversionPattern(lower_return, "gpu.return"),
            FunctionConversionPattern(lower_barrier, "gpu.barrier"),
            FunctionConversionPattern(lower_shuffle, "gpu.shuffle"),
            FunctionConversionPattern(lower_printf, "gpu.printf"),
            FunctionConversionPattern(lower_assert, "cf.assert", benefit=2)]
    pats += [FunctionConversionPattern(_lower_special_register, name) for name in SPECIAL_REGISTERS]
    pats.append(FunctionConversionPattern(_lower_special_register, "gpu.lane_id"))
    pats.append(FunctionConversionPattern(lower_global_id, "gpu.global_id"))
    pats += [FunctionConversionPattern(lower_subgroup_op, name)
             for name in ("gpu.subgroup_size", "gpu.subgroup_id", "gpu.num_subgroups")]
    if has_redux:
        pats.append(FunctionConversionPattern(lower_subgroup_reduce_redux, "gpu.subgroup_reduce", benefit=2))
    return pats


@register_pass
class ConvertGpuToNVVM(Pass):
    """Lower the device code of a gpu.module to the llvm and nvvm dialects (see the module docstring)."""

    name = "convert-gpu-to-nvvm"
    summary = "Generate NVVM operations for gpu operations"
    display_name = "ConvertGpuOpsToNVVMOps"
    anchor = "gpu.module"
    options = [
        Option("index-bitwidth", int, 0, "Bitwidth of the index type, 0 to use size of machine word"),
        Option("use-bare-ptr-memref-call-conv", bool, False,
               "Replace memref arguments in GPU functions with bare pointers. All memrefs must have static "
               "shape."),
        Option("has-redux", bool, False, "Target gpu supports redux"),
    ]

    def run_on_operation(self, op):
        if not (check_kernel_math(op) & _check_attributions(op)):
            self.signal_failure()
            return
        body = op.regions[0].first_block
        for f in list(body.ops) if body is not None else ():
            if f.name == "func.func":
                f.attributes[EMIT_C_INTERFACE] = UnitAttr()
        if not expand_reductions(op, keep_redux=self.has_redux):
            self.signal_failure()
            return
        tc = NVVMTypeConverter(self.index_bitwidth, use_bare_ptr_call_conv=self.use_bare_ptr_memref_call_conv)
        target = llvm_conversion_target()
        target.add_legal_dialect("nvvm")
        target.add_illegal_dialect("gpu", "func", "math")
        target.add_legal_op("gpu.module", "gpu.yield")
        patterns = (gpu_to_nvvm_patterns(self.has_redux) + gpu_math_patterns() + arith_to_llvm_patterns()
                    + cf_to_llvm_patterns() + memref_to_llvm_patterns() + vector_to_llvm_patterns()
                    + func_to_llvm_patterns())
        if not apply_partial_conversion(op, target, patterns, tc):
            self.signal_failure()


__all__ = ["NVVM_ADDRESS_SPACES", "ConvertGpuToNVVM", "NVVMTypeConverter", "gpu_to_nvvm_patterns", "nvvm_class"]
