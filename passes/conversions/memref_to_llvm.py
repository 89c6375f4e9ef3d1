"""`finalize-memref-to-llvm`: memref ops as operations on descriptors.

Every ranked memref value becomes its descriptor struct (see
`llvm_type_converter`). Allocation computes the byte size as upstream does
(`getelementptr null[n]` + `ptrtoint`, so the data layout decides the
element size) and calls `malloc` (over-allocating by the alignment and
rounding the aligned pointer up when an alignment is requested) or, with
`use-aligned-alloc`, `aligned_alloc`; `dealloc` calls `free` on the
allocated pointer. Loads and stores address `aligned + offset + sum(i_k *
stride_k)` with an inbounds GEP. Views (`subview`, `reinterpret_cast`,
`expand_shape`, `collapse_shape`, `cast`, `view`, `transpose`) only build a
new descriptor over the same buffer - upstream first rewrites most of them
with `expand-strided-metadata`; here the descriptor arithmetic is done
directly, taking every offset, size and stride the result type knows
statically as a constant. `memref.global` becomes an `llvm.mlir.global`
of nested arrays, `get_global` its address in a descriptor whose allocated
pointer is the 0xdeadbeef marker (it must never be freed). `copy` is a
`memcpy` when both sides are contiguous and an element loop otherwise.
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects import llvm as L
from mlir_py.dialects.llvm import LLVMArrayType, LLVMFunctionType, LLVMPointerType, LLVMVoidType
from mlir_py.dialects.memref.layout import strides_and_offset
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder, lookup_or_create_function, op_class
from mlir_py.passes.conversions.llvm_type_converter import (
    LLVMTypeConverter,
    MemRefDescriptor,
    is_dynamic,
    llvm_conversion_target,
)

from mlir_py.definition.traits import SingleBlock
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import (
    FloatType,
    IndexType,
    IntegerType,
    MemRefType,
    RankedTensorType,
    UnrankedMemRefType,
    VectorType,
)
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)

INDEX = IndexType()


def _module_of(op: Operation) -> Operation | None:
    p = op.parent_op
    while p is not None and p.name != "builtin.module":
        p = p.parent_op
    return p


def icst(b: LLVMBuilder, tc: LLVMTypeConverter, v: int) -> Value:
    """An index-typed constant: `llvm.mlir.constant(v : i64) : i64` (the llvm verifier wants the
    attribute's type to be the result's)."""
    return b.constant(v, tc.index_type)


def element_size_bytes(tc: LLVMTypeConverter, t: Attribute) -> int:
    """The allocation size of an element (what `getelementptr null[1]` measures)."""
    t = tc.convert_type(t) or t
    if isinstance(t, IntegerType):
        return max(1, 1 << max(0, (t.width - 1).bit_length() - 3)) if t.width > 8 else 1
    if isinstance(t, FloatType):
        return max(1, t.width // 8)
    if isinstance(t, VectorType):
        n = 1
        for d in t.shape:
            n *= d
        raw = n * element_size_bytes(tc, t.element_type)
        p = 1
        while p < raw:
            p *= 2
        return p
    if isinstance(t, LLVMPointerType):
        return 8
    if isinstance(t, LLVMArrayType):
        return t.num_elements * element_size_bytes(tc, t.element_type)
    return 8


def _memref_type(v: Value) -> MemRefType:
    return v.type  # type: ignore[return-value]


# ---------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------


def descriptor_sizes(b: LLVMBuilder, tc: LLVMTypeConverter, t: MemRefType, dynamic: list[Value]
                     ) -> tuple[list[Value], list[Value], Value]:
    """Sizes, row-major strides and the element count of a new buffer (upstream's getMemRefDescriptorSizes)."""
    dyn = iter(dynamic)
    sizes = [next(dyn) if is_dynamic(s) else icst(b, tc, s) for s in t.shape]
    strides: list[Value] = [None] * len(sizes)  # type: ignore[list-item]
    running = icst(b, tc, 1)
    static = 1
    for i in reversed(range(len(sizes))):
        strides[i] = running
        use_size = static == 1
        if is_dynamic(t.shape[i]):
            static = None  # type: ignore[assignment]
        elif static is not None:
            static *= t.shape[i]
        if use_size:
            running = sizes[i]
        elif static is None:
            running = b.mul(running, sizes[i])
        else:
            running = icst(b, tc, static)
    return sizes, strides, running


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
        t = _memref_type(op.results[0])
        st = tc.convert_type(t)
        el = tc.memref_element_type(t)
        module = _module_of(op)
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
            lookup_or_create_function(rw, module, "aligned_alloc",
                                      LLVMFunctionType(ptr, (tc.index_type, tc.index_type)))
            allocated = b.call("aligned_alloc", [alignment, nbytes], [ptr]).results[0]
            aligned = allocated
        else:
            lookup_or_create_function(rw, module, "malloc", LLVMFunctionType(ptr, (tc.index_type,)))
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
    t = _memref_type(op.results[0])
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
    module = _module_of(op)
    t = op.operands[0].type
    if module is None or not isinstance(t, MemRefType) or tc.convert_type(t) is None:
        return False
    lookup_or_create_function(rw, module, "free", LLVMFunctionType(LLVMVoidType(), (LLVMPointerType(0),)))
    b = LLVMBuilder(rw)
    ptr = MemRefDescriptor(b, adaptor.operands[0]).allocated_ptr()
    rw.replace_op(op, b.call("free", [ptr]))
    return True


# ---------------------------------------------------------------------------
# Element access
# ---------------------------------------------------------------------------


def buffer_ptr(b: LLVMBuilder, tc: LLVMTypeConverter, t: MemRefType, desc: Value) -> Value:
    """The aligned pointer advanced by the offset (a no-op for a static zero offset)."""
    d = MemRefDescriptor(b, desc)
    ptr = d.aligned_ptr()
    so = strides_and_offset(t)
    off = so[1] if so is not None else None
    if off == 0:
        return ptr
    val = d.offset() if off is None or is_dynamic(off) else icst(b, tc, off)
    return b.gep(ptr, [val], tc.memref_element_type(t))


def strided_element_ptr(b: LLVMBuilder, tc: LLVMTypeConverter, t: MemRefType, desc: Value,
                        indices: list[Value]) -> Value:
    """The address of element `indices` (upstream's getStridedElementPtr, inbounds|nuw)."""
    so = strides_and_offset(t)
    assert so is not None
    strides = so[0]
    base = buffer_ptr(b, tc, t, desc)
    d = MemRefDescriptor(b, desc)
    index: Value | None = None
    for i, idx in enumerate(indices):
        inc = idx
        if strides[i] != 1:
            stride = d.stride(i) if is_dynamic(strides[i]) else icst(b, tc, strides[i])
            inc = b.mul(inc, stride, nsw=True, nuw=True)
        index = inc if index is None else b.add(index, inc, nsw=True, nuw=True)
    if index is None:
        return base
    return b.gep(base, [index], tc.memref_element_type(t), inbounds=True, nuw=True)


def _alignment(op: Operation) -> int | None:
    a = op.properties.get("alignment")
    return int(a.value) if a is not None else None


def lower_load(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = _memref_type(op.operands[0])
    rt = tc.convert_type(op.results[0].type)
    if tc.convert_type(t) is None or rt is None:
        return False
    b = LLVMBuilder(rw)
    ptr = strided_element_ptr(b, tc, t, adaptor.operands[0], list(adaptor.operands[1:]))
    rw.replace_op(op, [b.load(ptr, rt, alignment=_alignment(op))])
    return True


def lower_store(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    t = _memref_type(op.operands[1])
    if tc.convert_type(t) is None or tc.convert_type(op.operands[0].type) is None:
        return False
    b = LLVMBuilder(rw)
    ptr = strided_element_ptr(b, tc, t, adaptor.operands[1], list(adaptor.operands[2:]))
    rw.replace_op(op, b.store(adaptor.operands[0], ptr, alignment=_alignment(op)))
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


# ---------------------------------------------------------------------------
# Views: new descriptors over the same buffer
# ---------------------------------------------------------------------------


def _mixed(op: Operation, static_key: str, dynamic: list[Value]) -> list[int | Value]:
    it = iter(dynamic)
    return [next(it) if is_dynamic(s) else int(s) for s in op.properties[static_key].values]


def _as_value(b: LLVMBuilder, tc: LLVMTypeConverter, x: int | Value) -> Value:
    return x if isinstance(x, Value) else icst(b, tc, x)


def _new_view(b: LLVMBuilder, tc: LLVMTypeConverter, rt: MemRefType, src: MemRefDescriptor,
              offset, sizes: list, strides: list) -> Value:
    """A descriptor of type `rt` over `src`'s pointers; each entry an int, a Value, or a
    zero-argument function building it, used only where `rt` does not fix the value statically."""
    so = strides_and_offset(rt)
    assert so is not None
    r_strides, r_off = so
    d = MemRefDescriptor.poison(src.b, tc.convert_type(rt))
    d.set_allocated_ptr(src.allocated_ptr()).set_aligned_ptr(src.aligned_ptr())

    def val(static: int, x) -> Value:
        if not is_dynamic(static):
            return icst(b, tc, static)
        x = x() if callable(x) else x
        return _as_value(b, tc, x)
    d.set_offset(val(r_off, offset))
    for i in range(len(rt.shape)):
        d.set_size(i, val(rt.shape[i], sizes[i]))
        d.set_stride(i, val(r_strides[i], strides[i]))
    return d.value


def _mul(b: LLVMBuilder, tc: LLVMTypeConverter, x, y) -> int | Value:
    if isinstance(x, int) and isinstance(y, int):
        return x * y
    if isinstance(x, int) and x == 1:
        return y
    if isinstance(y, int) and y == 1:
        return x
    return b.mul(_as_value(b, tc, x), _as_value(b, tc, y))


def _add(b: LLVMBuilder, tc: LLVMTypeConverter, x, y) -> int | Value:
    if isinstance(x, int) and isinstance(y, int):
        return x + y
    if isinstance(x, int) and x == 0:
        return y
    if isinstance(y, int) and y == 0:
        return x
    return b.add(_as_value(b, tc, x), _as_value(b, tc, y))


def _src_layout(b: LLVMBuilder, src_t: MemRefType, d: MemRefDescriptor) -> tuple[Any, list]:
    """The source's offset and strides, static where its type says so (lazily read otherwise)."""
    so = strides_and_offset(src_t)
    assert so is not None
    strides, off = so
    offset = _Lazy(d.offset) if is_dynamic(off) else off
    st = [_Lazy(lambda i=i: d.stride(i)) if is_dynamic(s) else s for i, s in enumerate(strides)]
    return offset, st


def _force(x):
    return x() if callable(x) else x


class _Lazy:
    """A value built on first use only (and once): descriptor fields the result type may make constant."""

    def __init__(self, fn):
        self.fn, self.value = fn, None

    def __call__(self):
        if self.value is None:
            self.value = self.fn()
        return self.value


def _rank_reduction_kept(sizes: list, result_shape) -> list[int] | None:
    """Which source dims a rank-reducing subview keeps (greedy, as computeRankReductionMask)."""
    kept, j = [], 0
    for i, s in enumerate(sizes):
        rs = result_shape[j] if j < len(result_shape) else None
        static = s if isinstance(s, int) else None
        if rs is not None and (static == rs or (static is None and is_dynamic(rs))) and \
                len(sizes) - i >= len(result_shape) - j:
            if static == 1 and len(sizes) - i > len(result_shape) - j and not (rs == 1):
                continue
            kept.append(i)
            j += 1
        elif static == 1:
            continue
        else:
            return None
    return kept if j == len(result_shape) else None


def lower_subview(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, rt = _memref_type(op.operands[0]), _memref_type(op.results[0])
    if tc.convert_type(src_t) is None or tc.convert_type(rt) is None or strides_and_offset(rt) is None:
        return False
    n = len(src_t.shape)
    dyn = list(adaptor.operands[1:])
    seg = op.properties.get("operandSegmentSizes")
    counts = list(seg.values) if seg is not None else [0, 0, 0, 0]
    offs_d = dyn[:counts[1]]
    sizes_d = dyn[counts[1]:counts[1] + counts[2]]
    strides_d = dyn[counts[1] + counts[2]:]
    offsets = _mixed(op, "static_offsets", offs_d)
    sizes = _mixed(op, "static_sizes", sizes_d)
    steps = _mixed(op, "static_strides", strides_d)
    kept = list(range(n)) if len(rt.shape) == n else _rank_reduction_kept(sizes, rt.shape)
    if kept is None:
        return False
    b = LLVMBuilder(rw)
    d = MemRefDescriptor(b, adaptor.operands[0])
    src_off, src_strides = _src_layout(b, src_t, d)

    def offset():
        acc = _force(src_off)
        for i in range(n):
            if isinstance(offsets[i], int) and offsets[i] == 0:
                continue
            acc = _add(b, tc, acc, _mul(b, tc, offsets[i], _force(src_strides[i])))
        return acc
    new_strides = [(lambda i=i: _mul(b, tc, _force(src_strides[i]), steps[i])) for i in kept]
    rw.replace_op(op, [_new_view(b, tc, rt, d, offset, [sizes[i] for i in kept], new_strides)])
    return True


def lower_reinterpret_cast(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, rt = op.operands[0].type, _memref_type(op.results[0])
    if not isinstance(src_t, MemRefType) or tc.convert_type(src_t) is None or tc.convert_type(rt) is None:
        return False
    dyn = list(adaptor.operands[1:])
    seg = op.properties.get("operandSegmentSizes")
    counts = list(seg.values) if seg is not None else [0, 0, 0, 0]
    offs = _mixed(op, "static_offsets", dyn[:counts[1]])
    sizes = _mixed(op, "static_sizes", dyn[counts[1]:counts[1] + counts[2]])
    strides = _mixed(op, "static_strides", dyn[counts[1] + counts[2]:])
    b = LLVMBuilder(rw)
    d = MemRefDescriptor(b, adaptor.operands[0])
    rw.replace_op(op, [_new_view(b, tc, rt, d, offs[0], sizes, strides)])
    return True


def lower_cast(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """Ranked to ranked: the same descriptor (only static knowledge changes)."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, rt = op.operands[0].type, op.results[0].type
    if not (isinstance(src_t, MemRefType) and isinstance(rt, MemRefType)):
        return False
    if tc.convert_type(src_t) is None or tc.convert_type(src_t) != tc.convert_type(rt):
        return False
    rw.replace_op(op, [adaptor.operands[0]])
    return True


def lower_transpose(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, rt = _memref_type(op.operands[0]), _memref_type(op.results[0])
    if tc.convert_type(src_t) is None or tc.convert_type(rt) is None:
        return False
    perm = [e.position for e in op.properties["permutation"].value.results]
    b = LLVMBuilder(rw)
    d = MemRefDescriptor(b, adaptor.operands[0])
    src_off, src_strides = _src_layout(b, src_t, d)
    sizes = [(lambda p=p: d.size(p)) for p in perm]
    strides = [src_strides[p] for p in perm]
    rw.replace_op(op, [_new_view(b, tc, rt, d, src_off, sizes, strides)])
    return True


def lower_expand_shape(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, rt = _memref_type(op.operands[0]), _memref_type(op.results[0])
    if tc.convert_type(src_t) is None or tc.convert_type(rt) is None or strides_and_offset(rt) is None:
        return False
    groups = [[int(x.value) for x in g.value] for g in op.properties["reassociation"].value]
    out = _mixed(op, "static_output_shape", list(adaptor.operands[1:]))
    b = LLVMBuilder(rw)
    d = MemRefDescriptor(b, adaptor.operands[0])
    src_off, src_strides = _src_layout(b, src_t, d)
    strides: list = [None] * len(rt.shape)
    for s, g in enumerate(groups):
        run = src_strides[s]
        for r in reversed(g):
            strides[r] = run
            run = _Lazy(lambda run=run, r=r: _mul(b, tc, _force(run), out[r]))
    rw.replace_op(op, [_new_view(b, tc, rt, d, src_off, out, strides)])
    return True


def lower_collapse_shape(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, rt = _memref_type(op.operands[0]), _memref_type(op.results[0])
    if tc.convert_type(src_t) is None or tc.convert_type(rt) is None or strides_and_offset(rt) is None:
        return False
    groups = [[int(x.value) for x in g.value] for g in op.properties["reassociation"].value]
    b = LLVMBuilder(rw)
    d = MemRefDescriptor(b, adaptor.operands[0])
    src_off, src_strides = _src_layout(b, src_t, d)
    src_sizes = [_Lazy(lambda i=i: d.size(i)) if is_dynamic(s) else s for i, s in enumerate(src_t.shape)]
    sizes, strides = [], []
    for g in groups:
        def size(g=g):
            acc = 1
            for i in g:
                acc = _mul(b, tc, acc, _force(src_sizes[i]))
            return acc
        sizes.append(size)
        inner = next((i for i in reversed(g) if src_t.shape[i] != 1), g[-1]) if g else 0
        strides.append(src_strides[inner] if g else 1)
    rw.replace_op(op, [_new_view(b, tc, rt, d, src_off, sizes, strides)])
    return True


def lower_view(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`memref.view %buf[%shift][sizes]`: the aligned pointer moved by `shift` bytes, a contiguous layout."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    rt = _memref_type(op.results[0])
    st = tc.convert_type(rt)
    if tc.convert_type(op.operands[0].type) is None or st is None:
        return False
    b = LLVMBuilder(rw)
    src = MemRefDescriptor(b, adaptor.operands[0])
    sizes, strides, _ = descriptor_sizes(b, tc, rt, list(adaptor.operands[2:]))
    d = MemRefDescriptor.poison(b, st)
    d.set_allocated_ptr(src.allocated_ptr())
    aligned = b.gep(src.aligned_ptr(), [adaptor.operands[1]], IntegerType(8))
    d.set_aligned_ptr(aligned).set_offset(icst(b, tc, 0))
    for i, (s, t) in enumerate(zip(sizes, strides)):
        d.set_size(i, s)
        d.set_stride(i, t)
    rw.replace_op(op, [d.value])
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


def lower_reshape(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`memref.reshape %src(%shape)` to a ranked type: the sizes are the static
    ones or loaded from `%shape`; the strides are row-major (the layouts are identities)."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, shape_t, rt = op.operands[0].type, op.operands[1].type, op.results[0].type
    if not (isinstance(src_t, MemRefType) and isinstance(rt, MemRefType)):
        return False
    if tc.convert_type(src_t) is None or tc.convert_type(rt) is None or tc.convert_type(shape_t) is None:
        return False
    b = LLVMBuilder(rw)
    src = MemRefDescriptor(b, adaptor.operands[0])
    shape_el = tc.memref_element_type(shape_t)
    sizes: list[Value] = []
    for i, s in enumerate(rt.shape):
        if not is_dynamic(s):
            sizes.append(icst(b, tc, s))
            continue
        v = b.load(strided_element_ptr(b, tc, shape_t, adaptor.operands[1], [icst(b, tc, i)]), shape_el)
        w, iw = shape_el.width, tc.index_type.width
        sizes.append(v if w == iw else b.sext(v, tc.index_type) if w < iw else b.trunc(v, tc.index_type))
    d = MemRefDescriptor.poison(b, tc.convert_type(rt))
    d.set_allocated_ptr(src.allocated_ptr()).set_aligned_ptr(src.aligned_ptr()).set_offset(icst(b, tc, 0))
    stride: Value | None = None
    for i in reversed(range(len(sizes))):
        stride = icst(b, tc, 1) if stride is None else b.mul(stride, sizes[i + 1])
        d.set_size(i, sizes[i])
        d.set_stride(i, stride)
    rw.replace_op(op, [d.value])
    return True


def lower_memory_space_cast(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """The same descriptor with both pointers `addrspacecast` to the new space."""
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t, rt = op.operands[0].type, op.results[0].type
    if not (isinstance(src_t, MemRefType) and isinstance(rt, MemRefType)):
        return False
    st = tc.convert_type(rt)
    ptr = tc.pointer_type(rt)
    if tc.convert_type(src_t) is None or st is None or ptr is None:
        return False
    b = LLVMBuilder(rw)
    src = MemRefDescriptor(b, adaptor.operands[0])
    d = MemRefDescriptor.poison(b, st)
    d.set_allocated_ptr(b.op("llvm.addrspacecast", [src.allocated_ptr()], ptr))
    d.set_aligned_ptr(b.op("llvm.addrspacecast", [src.aligned_ptr()], ptr))
    d.set_offset(src.offset())
    for i in range(len(rt.shape)):
        d.set_size(i, src.size(i))
        d.set_stride(i, src.stride(i))
    rw.replace_op(op, [d.value])
    return True


def lower_extract_strided_metadata(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    tc: LLVMTypeConverter = rw.type_converter  # type: ignore[assignment]
    src_t = _memref_type(op.operands[0])
    base_t = op.results[0].type
    if tc.convert_type(src_t) is None or tc.convert_type(base_t) is None:
        return False
    b = LLVMBuilder(rw)
    d = MemRefDescriptor(b, adaptor.operands[0])
    base = MemRefDescriptor.poison(b, tc.convert_type(base_t))
    base.set_allocated_ptr(d.allocated_ptr()).set_aligned_ptr(d.aligned_ptr()).set_offset(icst(b, tc, 0))
    rank = len(src_t.shape)
    rw.replace_op(op, [base.value, d.offset()] + d.sizes() + d.strides() if rank else [base.value, d.offset()])
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
    t = _memref_type(op.results[0])
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
    P = FunctionConversionPattern  # noqa: N806
    return [
        P(_lower_alloc(use_aligned_alloc), "memref.alloc"), P(lower_alloca, "memref.alloca"),
        P(lower_dealloc, "memref.dealloc"), P(lower_load, "memref.load"), P(lower_store, "memref.store"),
        P(lower_dim, "memref.dim"), P(lower_rank, "memref.rank"), P(lower_copy, "memref.copy"),
        P(lower_subview, "memref.subview"), P(lower_reinterpret_cast, "memref.reinterpret_cast"),
        P(lower_cast, "memref.cast"), P(lower_transpose, "memref.transpose"),
        P(lower_expand_shape, "memref.expand_shape"), P(lower_collapse_shape, "memref.collapse_shape"),
        P(lower_view, "memref.view"), P(lower_extract_strided_metadata, "memref.extract_strided_metadata"),
        P(lower_extract_aligned_pointer, "memref.extract_aligned_pointer_as_index"),
        P(lower_assume_alignment, "memref.assume_alignment"), P(lower_reshape, "memref.reshape"),
        P(lower_memory_space_cast, "memref.memory_space_cast"), P(lower_alloca_scope, "memref.alloca_scope"),
        P(lower_global, "memref.global"), P(lower_get_global, "memref.get_global"),
    ]


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
