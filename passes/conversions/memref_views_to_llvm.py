"""The view ops of `finalize-memref-to-llvm`: a new descriptor over the same buffer.

`subview`, `reinterpret_cast`, `cast`, `transpose`, `expand_shape`,
`collapse_shape`, `view`, `reshape`, `memory_space_cast` and
`extract_strided_metadata` copy the pointers and compute offset, sizes and
strides. Upstream first rewrites most of them with `expand-strided-metadata`;
here the arithmetic is emitted directly, and every value the result type
fixes statically is a constant (the others are computed only when needed).
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects.memref.layout import strides_and_offset
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter, MemRefDescriptor, is_dynamic
from mlir_py.passes.conversions.memref_addressing import (
    descriptor_sizes,
    icst,
    memref_type,
    strided_element_ptr,
)

from mlir_py.ir.builtin_types import IntegerType, MemRefType
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, FunctionConversionPattern, OpAdaptor

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
    src_t, rt = memref_type(op.operands[0]), memref_type(op.results[0])
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
    src_t, rt = op.operands[0].type, memref_type(op.results[0])
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
    src_t, rt = memref_type(op.operands[0]), memref_type(op.results[0])
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
    src_t, rt = memref_type(op.operands[0]), memref_type(op.results[0])
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
    src_t, rt = memref_type(op.operands[0]), memref_type(op.results[0])
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
    rt = memref_type(op.results[0])
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
    src_t = memref_type(op.operands[0])
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


def memref_view_patterns() -> list:
    """The view patterns, for `finalize-memref-to-llvm` and other conversions."""
    P = FunctionConversionPattern  # noqa: N806
    return [
        P(lower_subview, "memref.subview"), P(lower_reinterpret_cast, "memref.reinterpret_cast"),
        P(lower_cast, "memref.cast"), P(lower_transpose, "memref.transpose"),
        P(lower_expand_shape, "memref.expand_shape"), P(lower_collapse_shape, "memref.collapse_shape"),
        P(lower_view, "memref.view"), P(lower_reshape, "memref.reshape"),
        P(lower_memory_space_cast, "memref.memory_space_cast"),
        P(lower_extract_strided_metadata, "memref.extract_strided_metadata"),
    ]
