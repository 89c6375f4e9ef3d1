"""`finalize-memref-to-llvm`: memref ops as operations on descriptors.

Every ranked memref value becomes its descriptor struct (see
`llvm_type_converter`). Allocation computes the byte size as upstream does
(`getelementptr null[n]` + `ptrtoint`, so the data layout decides the
element size) and calls `malloc` (over-allocating by the alignment and
rounding the aligned pointer up when an alignment is requested) or, with
`use-aligned-alloc`, `aligned_alloc`; `dealloc` calls `free` on the
allocated pointer. Loads and stores address `aligned + offset + sum(i_k *
stride_k)` with an inbounds GEP. Views only build a new
descriptor over the same buffer (`memref_views_to_llvm.py`). `memref.global` becomes an `llvm.mlir.global`
of nested arrays, `get_global` its address in a descriptor whose allocated
pointer is the 0xdeadbeef marker (it must never be freed). `copy` is a
`memcpy` when both sides are contiguous and an element loop otherwise.
"""

from __future__ import annotations

from mlir_py.dialects import llvm as L
from mlir_py.dialects.llvm import LLVMArrayType, LLVMFunctionType, LLVMPointerType, LLVMVoidType
from mlir_py.dialects.memref.atomic_ops import ATOMIC_RMW_KIND
from mlir_py.dialects.memref.layout import strides_and_offset
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder, lookup_or_create_function, op_class
from mlir_py.passes.conversions.llvm_type_converter import (
    LLVMTypeConverter,
    MemRefDescriptor,
    is_dynamic,
    llvm_conversion_target,
)
from mlir_py.passes.conversions.memref_addressing import (
    buffer_ptr,
    descriptor_sizes,
    element_size_bytes,
    icst,
    memref_type,
    module_of,
    strided_element_ptr,
)
from mlir_py.passes.conversions.memref_views_to_llvm import memref_view_patterns

from mlir_py.definition.traits import SingleBlock
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import (
    DenseElementsAttr,
    DenseResourceElementsAttr,
    FloatAttr,
    IntegerAttr,
    UnitAttr,
)
from mlir_py.ir.builtin_types import (
    FloatType,
    IntegerType,
    MemRefType,
    RankedTensorType,
    UnrankedMemRefType,
)
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)

# ---------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------




def _size_in_bytes(b: LLVMBuilder, tc: LLVMTypeConverter, el: Attribute, count: Value) -> Value:
    gep = b.gep(b.null_ptr(), [count], el)
    return b.ptrtoint(gep, tc.index_type)


def _align_up(b: LLVMBuilder, tc: LLVMTypeConverter, v: Value, alignment: Value) -> Value:
    """(v + alignment - 1) rounded down to a multiple of alignment (upstream's createAligned)."""
    one = b.constant(1, tc.index_type)
    bump = b.sub(alignment, one)
    bumped = b.add(v, bump)
    mod = b.urem(bumped, alignment)
    return b.sub(bumped, mod)


def _fill_descriptor(b: LLVMBuilder, tc: LLVMTypeConverter, t: MemRefType, allocated: Value, aligned: Value,
                     sizes: list[Value], strides: list[Value]) -> Value:
    d = MemRefDescriptor.poison(b, tc.convert_type(t))
    d.set_allocated_ptr(allocated).set_aligned_ptr(aligned)
    d.set_offset(b.constant(0, tc.index_type))
    for i, (s, st) in enumerate(zip(sizes, strides)):
        d.set_size(i, s)
        d.set_stride(i, st)
    return d.value


def _lower_alloc(use_aligned_alloc: bool):
    def lower_alloc(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
        t = memref_type(op.results[0])
        st = tc.convert_type(t)
        el = tc.memref_element_type(t)
        module = module_of(op)
        if st is None or el is None or module is None or strides_and_offset(t) is None:
            return False
        b = LLVMBuilder(rw)
        sizes, strides, count = descriptor_sizes(b, tc, t, list(adaptor.operands))
        nbytes = _size_in_bytes(b, tc, el, count)
        ptr = LLVMPointerType(0)
        align_attr = op.properties.get("alignment")
        if use_aligned_alloc:
            align = int(align_attr.value) if align_attr is not None else max(16, _pow2(element_size_bytes(tc, el)))
            alignment = b.constant(align, tc.index_type)
            if not _size_multiple_of(tc, t, el, align):
                nbytes = _align_up(b, tc, nbytes, alignment)
            if lookup_or_create_function(rw, module, "aligned_alloc",
                                         LLVMFunctionType(ptr, (tc.index_type, tc.index_type))) is None:
                return False
            allocated = b.call("aligned_alloc", [alignment, nbytes], [ptr]).results[0]
            aligned = allocated
        else:
            if lookup_or_create_function(rw, module, "malloc", LLVMFunctionType(ptr, (tc.index_type,))) is None:
                return False
            if align_attr is not None:
                alignment = b.constant(int(align_attr.value), tc.index_type)
                total = b.add(nbytes, alignment)
                allocated = b.call("malloc", [total], [ptr]).results[0]
                as_int = b.ptrtoint(allocated, tc.index_type)
                aligned = b.inttoptr(_align_up(b, tc, as_int, alignment), ptr)
            else:
                allocated = b.call("malloc", [nbytes], [ptr]).results[0]
                aligned = allocated
        rw.replace_op(op, [_fill_descriptor(b, tc, t, allocated, aligned, sizes, strides)])
        return True
    return lower_alloc


def _pow2(n: int) -> int:
    p = 1
    while p < n:
        p *= 2
    return p


def _size_multiple_of(tc: LLVMTypeConverter, t: MemRefType, el: Attribute, align: int) -> bool:
    if any(is_dynamic(s) for s in t.shape):
        return False
    n = element_size_bytes(tc, el)
    for s in t.shape:
        n *= s
    return n % align == 0


def lower_alloca(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = memref_type(op.results[0])
    el = tc.memref_element_type(t)
    if tc.convert_type(t) is None or el is None:
        return False
    b = LLVMBuilder(rw)
    sizes, strides, count = descriptor_sizes(b, tc, t, list(adaptor.operands))
    align_attr = op.properties.get("alignment")
    p = b.alloca(count, el, alignment=int(align_attr.value) if align_attr is not None else None,
                 address_space=tc.address_space(t) or 0)
    rw.replace_op(op, [_fill_descriptor(b, tc, t, p, p, sizes, strides)])
    return True


def lower_dealloc(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    module = module_of(op)
    t = op.operands[0].type
    if module is None or not isinstance(t, MemRefType) or tc.convert_type(t) is None:
        return False
    if lookup_or_create_function(rw, module, "free", LLVMFunctionType(LLVMVoidType(), (LLVMPointerType(0),))) is None:
        return False
    b = LLVMBuilder(rw)
    ptr = MemRefDescriptor(b, adaptor.operands[0]).allocated_ptr()
    rw.replace_op(op, b.call("free", [ptr]))
    return True


# ---------------------------------------------------------------------------
# Element access
# ---------------------------------------------------------------------------


def _alignment(op: Operation) -> int | None:
    a = op.properties.get("alignment")
    return int(a.value) if a is not None else None


def _mark_nontemporal(op: Operation, access: Operation) -> None:
    """memref's `nontemporal = true` becomes the llvm access's `nontemporal` unit property."""
    nt = op.properties.get("nontemporal")
    if nt is not None and nt.value:
        access.properties["nontemporal"] = UnitAttr()


def lower_load(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = memref_type(op.operands[0])
    rt = tc.convert_type(op.results[0].type)
    if tc.convert_type(t) is None or rt is None:
        return False
    b = LLVMBuilder(rw)
    ptr = strided_element_ptr(b, tc, t, adaptor.operands[0], list(adaptor.operands[1:]))
    value = b.load(ptr, rt, alignment=_alignment(op))
    _mark_nontemporal(op, value.op)
    rw.replace_op(op, [value])
    return True


def lower_store(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = memref_type(op.operands[1])
    if tc.convert_type(t) is None or tc.convert_type(op.operands[0].type) is None:
        return False
    b = LLVMBuilder(rw)
    ptr = strided_element_ptr(b, tc, t, adaptor.operands[1], list(adaptor.operands[2:]))
    store = b.store(adaptor.operands[0], ptr, alignment=_alignment(op))
    _mark_nontemporal(op, store)
    rw.replace_op(op, store)
    return True


#: memref.atomic_rmw kinds that are one `llvm.atomicrmw` (upstream's matchSimpleAtomicOp); mulf/muli are not
_ATOMIC_BIN_OPS = {"addf": "fadd", "maximumf": "fmaximum", "minimumf": "fminimum", "maxnumf": "fmax",
                   "minnumf": "fmin", "addi": "add", "assign": "xchg", "maxs": "max", "maxu": "umax", "mins": "min",
                   "minu": "umin", "ori": "_or", "xori": "_xor", "andi": "_and"}


def lower_atomic_rmw(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`llvm.atomicrmw ... acq_rel` on the element's address, as upstream lowers it."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    bin_op = _ATOMIC_BIN_OPS.get(ATOMIC_RMW_KIND.name_of(op.properties["kind"]))
    t = memref_type(op.operands[1])
    if bin_op is None or tc.convert_type(t) is None:
        return False
    b = LLVMBuilder(rw)
    ptr = strided_element_ptr(b, tc, t, adaptor.operands[1], list(adaptor.operands[2:]))
    rw.replace_op(op, [b.atomicrmw(bin_op, ptr, adaptor.operands[0])])
    return True


def lower_prefetch(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`llvm.intr.prefetch` of the element's address (rw, locality hint, data/instruction cache)."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = memref_type(op.operands[0])
    if tc.convert_type(t) is None:
        return False
    b = LLVMBuilder(rw)
    ptr = strided_element_ptr(b, tc, t, adaptor.operands[0], list(adaptor.operands[1:]))
    i32 = IntegerType(32)
    p = op.properties
    rw.replace_op(op, b.insert_op(op_class("llvm.intr.prefetch")(
        ptr, rw=IntegerAttr(int(bool(p["isWrite"].value)), i32), hint=IntegerAttr(int(p["localityHint"].value), i32),
        cache=IntegerAttr(int(bool(p["isDataCache"].value)), i32))))
    return True


def _const_index(v: Value) -> int | None:
    """The value of an index/integer constant (arith or llvm), else None."""
    op = getattr(v, "op", None)
    if op is None:
        return None
    if op.name == "builtin.unrealized_conversion_cast" and len(op.operands) == 1:
        return _const_index(op.operands[0])
    if op.name in ("arith.constant", "llvm.mlir.constant"):
        a = op.properties.get("value")
        if isinstance(a, IntegerAttr):
            return int(a.value)
    return None


def lower_dim(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = op.operands[0].type
    if not isinstance(t, MemRefType) or tc.convert_type(t) is None:
        return False
    b = LLVMBuilder(rw)
    idx = _const_index(op.operands[1])
    if idx is not None and 0 <= idx < len(t.shape):
        if not is_dynamic(t.shape[idx]):
            rw.replace_op(op, [icst(b, tc, t.shape[idx])])
        else:
            rw.replace_op(op, [MemRefDescriptor(b, adaptor.operands[0]).size(idx)])
        return True
    # a dynamic (or out of bounds) index: spill the size array and load from it
    sizes_t = LLVMArrayType(len(t.shape), tc.index_type)
    sizes = b.extractvalue(adaptor.operands[0], [3])
    slot = b.alloca(b.constant(1, tc.index_type), sizes_t)
    b.store(sizes, slot)
    p = b.gep(slot, [0, adaptor.operands[1]], sizes_t)
    rw.replace_op(op, [b.load(p, tc.index_type)])
    return True


def lower_rank(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = op.operands[0].type
    b = LLVMBuilder(rw)
    if isinstance(t, MemRefType):
        rw.replace_op(op, [icst(b, tc, len(t.shape))])
    elif isinstance(t, UnrankedMemRefType) and tc.convert_type(t) is not None:
        rw.replace_op(op, [b.extractvalue(adaptor.operands[0], [0])])
    else:
        return False
    return True


def lower_extract_aligned_pointer(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = op.operands[0].type
    if not isinstance(t, MemRefType) or tc.convert_type(t) is None:
        return False
    b = LLVMBuilder(rw)
    rw.replace_op(op, [b.ptrtoint(MemRefDescriptor(b, adaptor.operands[0]).aligned_ptr(), tc.index_type)])
    return True


def lower_assume_alignment(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """A promise only: the value passes through (the descriptor is unchanged)."""
    if rw.type_converter.convert_type(op.operands[0].type) is None:
        return False
    rw.replace_op(op, [adaptor.operands[0]])
    return True


def lower_alloca_scope(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """Inline the body between `llvm.intr.stacksave` and `llvm.intr.stackrestore`, so its
    allocas are released when the scope is left (upstream's lowering)."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    parent = op.parent_op
    body = op.regions[0]
    if parent is None or parent.has_trait(SingleBlock) or not body.blocks:
        return rw.notify_match_failure(op, "the scope is inlined into a multi-block region")
    types = [tc.convert_type(r.type) for r in op.results]
    if any(t is None for t in types):
        return False
    block = op.parent
    cont = rw.split_block(block, op.next_op)
    cont_args = rw.create_block(block.parent, types, before=cont)
    first, last = body.blocks[0], body.blocks[-1]
    ret = last.last_op
    rw.inline_region_before(body, block.parent, cont_args)
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(block)
        saved = rw.insert(op_class("llvm.intr.stacksave")(result_types=[LLVMPointerType(0)])).results[0]
        rw.insert(L.BrOp([], dest=first))
        rw.set_insertion_point(ret)
        rw.insert(op_class("llvm.intr.stackrestore")(saved))
        rw.replace_op(ret, L.BrOp(list(ret.operands), dest=cont_args))
        rw.set_insertion_point_to_end(cont_args)
        rw.insert(L.BrOp([], dest=cont))
    rw.replace_op(op, list(cont_args.args))
    return True


# ---------------------------------------------------------------------------
# copy
# ---------------------------------------------------------------------------


def _contiguous(t: Attribute) -> bool:
    if not isinstance(t, MemRefType):
        return False
    so = strides_and_offset(t)
    if so is None:
        return False
    strides, _ = so
    expect = 1
    for s, st in zip(reversed(t.shape), reversed(strides)):
        if s != 1 and st != expect:
            return False
        if is_dynamic(s):
            return all(is_dynamic(x) or x == 1 for x in t.shape) and False
        expect *= s
    return True


def lower_copy(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, dst_t = op.operands[0].type, op.operands[1].type
    if not (isinstance(src_t, MemRefType) and isinstance(dst_t, MemRefType)):
        return False
    el = tc.memref_element_type(src_t)
    if tc.convert_type(src_t) is None or tc.convert_type(dst_t) is None or el is None:
        return False
    b = LLVMBuilder(rw)
    src, dst = adaptor.operands
    if (src_t.layout is None or _contiguous(src_t)) and (dst_t.layout is None or _contiguous(dst_t)):
        d = MemRefDescriptor(b, src)
        count: Value = icst(b, tc, 1)
        for i in range(len(src_t.shape)):
            count = b.mul(count, d.size(i))
        nbytes = b.mul(count, _size_in_bytes(b, tc, el, b.constant(1, tc.index_type)))
        rw.replace_op(op, b.memcpy(buffer_ptr(b, tc, dst_t, dst), buffer_ptr(b, tc, src_t, src), nbytes))
        return True
    parent = op.parent_op
    if parent is None or parent.has_trait(SingleBlock):
        return rw.notify_match_failure(op, "a strided copy needs a loop, which a single-block region cannot hold")
    return _copy_loop(op, rw, tc, src_t, dst_t, src, dst)


def _copy_loop(op: Operation, rw: ConversionPatternRewriter, tc: LLVMTypeConverter, src_t: MemRefType,
               dst_t: MemRefType, src: Value, dst: Value) -> bool:
    """Strided copy as a nest of counted loops over the linear index, built from llvm blocks:
    one loop over `n = prod(sizes)` elements, de-linearizing the index on each step."""
    b = LLVMBuilder(rw)
    block = op.parent
    el = tc.memref_element_type(src_t)
    d = MemRefDescriptor(b, src)
    sizes = [d.size(i) for i in range(len(src_t.shape))]
    total: Value = icst(b, tc, 1)
    for s in sizes:
        total = b.mul(total, s)
    zero = icst(b, tc, 0)
    cont = rw.split_block(block, op)
    header = rw.create_block(block.parent, [tc.index_type], before=cont)
    body = rw.create_block(block.parent, [], before=cont)
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(block)
        rw.insert(L.BrOp([zero], dest=header))
        rw.set_insertion_point_to_end(header)
        hb = LLVMBuilder(rw, op.location)
        i = header.args[0]
        cond = hb.icmp("slt", i, total)
        rw.insert(L.CondBrOp(cond, [], [], trueDest=body, falseDest=cont))
        rw.set_insertion_point_to_end(body)
        bb = LLVMBuilder(rw, op.location)
        rem = i
        idx: list[Value] = [None] * len(sizes)  # type: ignore[list-item]
        for k in reversed(range(len(sizes))):
            if k == 0:
                idx[k] = rem
            else:
                idx[k] = bb.urem(rem, sizes[k])
                rem = bb.udiv(rem, sizes[k])
        v = bb.load(strided_element_ptr(bb, tc, src_t, src, idx), el)
        bb.store(v, strided_element_ptr(bb, tc, dst_t, dst, idx))
        nxt = bb.add(i, icst(bb, tc, 1))
        rw.insert(L.BrOp([nxt], dest=header))
    rw.erase_op(op)
    return True


# ---------------------------------------------------------------------------
# Globals
# ---------------------------------------------------------------------------


def _global_type(tc: LLVMTypeConverter, t: MemRefType) -> Attribute | None:
    el = tc.memref_element_type(t)
    if el is None:
        return None
    out = el
    for n in reversed(t.shape):
        out = LLVMArrayType(n, out)
    return out


def lower_global(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = op.properties["type"].value
    gt = _global_type(tc, t)
    if gt is None or any(is_dynamic(s) for s in t.shape):
        return False
    init = op.properties.get("initial_value")
    value = None
    if isinstance(init, DenseElementsAttr):
        value = init
        if len(t.shape) == 0:
            scalar = init.splat_value()
            et = tc.convert_type(t.element_type)
            value = FloatAttr(float(scalar), et) if isinstance(et, FloatType) else IntegerAttr(int(scalar), et)
        elif isinstance(init.type, MemRefType) or init.type != RankedTensorType(t.shape, t.element_type):
            value = DenseElementsAttr(init.array, RankedTensorType(t.shape, t.element_type))
    elif isinstance(init, DenseResourceElementsAttr) and len(t.shape) > 0:
        # the blob stays in the resource section; the LLVM IR translation reads it from there
        value = DenseResourceElementsAttr(init.handle, RankedTensorType(t.shape, t.element_type))
    vis = op.properties.get("sym_visibility")
    private = vis is not None and vis.value == "private"
    align = op.properties.get("alignment")
    g = L.GlobalOp.build(op.properties["sym_name"].value, gt, linkage="private" if private else "external",
                         constant="constant" in op.properties, value=value,
                         alignment=int(align.value) if align is not None else None,
                         addr_space=tc.address_space(t) or 0)
    g.location = op.location
    rw.insert(g)
    if value is None:  # uninitialized: an initializer region yielding undef, as upstream
        with rw.insertion_guard():
            blk = rw.create_block(g.regions[0], [])
            rw.set_insertion_point_to_end(blk)
            b = LLVMBuilder(rw, op.location)
            b.ret([b.undef(gt)])
    rw.erase_op(op)
    return True


def lower_get_global(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = memref_type(op.results[0])
    gt = _global_type(tc, t)
    st = tc.convert_type(t)
    if gt is None or st is None:
        return False
    b = LLVMBuilder(rw)
    ptr_t = LLVMPointerType(tc.address_space(t) or 0)
    addr = b.addressof(op.properties["name"].value, ptr_t)
    aligned = b.gep(addr, [0] * (len(t.shape) + 1), gt)
    marker = b.inttoptr(b.constant(0xDEADBEEF, tc.index_type), ptr_t)
    rw.replace_op(op, [MemRefDescriptor.from_static_shape(b, st, t, marker, aligned).value])
    return True


def memref_to_llvm_patterns(use_aligned_alloc: bool = False) -> list:
    """The patterns of `finalize-memref-to-llvm`."""
    P = FunctionConversionPattern  # noqa: N806
    return [
        P(_lower_alloc(use_aligned_alloc), "memref.alloc"), P(lower_alloca, "memref.alloca"),
        P(lower_dealloc, "memref.dealloc"), P(lower_load, "memref.load"), P(lower_store, "memref.store"),
        P(lower_atomic_rmw, "memref.atomic_rmw"), P(lower_prefetch, "memref.prefetch"), P(lower_dim, "memref.dim"),
        P(lower_rank, "memref.rank"),
        P(lower_copy, "memref.copy"), P(lower_alloca_scope, "memref.alloca_scope"),
        P(lower_extract_aligned_pointer, "memref.extract_aligned_pointer_as_index"),
        P(lower_assume_alignment, "memref.assume_alignment"),
        P(lower_global, "memref.global"), P(lower_get_global, "memref.get_global"),
    ] + memref_view_patterns()


@register_pass
class FinalizeMemRefToLLVM(Pass):
    """Lower memref ops to descriptor operations in the llvm dialect (see the module docstring)."""

    name = "finalize-memref-to-llvm"
    summary = "Finalize MemRef dialect to LLVM dialect conversion"
    display_name = "FinalizeMemRefToLLVMConversionPass"
    anchor = "builtin.module"
    options = [
        Option("use-aligned-alloc", bool, False, "Use aligned_alloc in place of malloc for heap allocations"),
        Option("index-bitwidth", int, 0, "Bitwidth of the index type, 0 to use size of machine word"),
    ]

    def run_on_operation(self, op):
        tc = LLVMTypeConverter(self.index_bitwidth)
        target = llvm_conversion_target()
        target.add_illegal_dialect("memref")
        if not apply_partial_conversion(op, target, memref_to_llvm_patterns(self.use_aligned_alloc), tc):
            self.signal_failure()
