"""Descriptor arithmetic shared by the memref lowerings: index constants,
element sizes, the sizes and strides of a new buffer, and the address of an
element (upstream's getStridedElementPtr)."""

from __future__ import annotations

from mlir_py.dialects.llvm import LLVMArrayType, LLVMPointerType
from mlir_py.dialects.memref.layout import strides_and_offset
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter, MemRefDescriptor, is_dynamic

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_types import FloatType, IntegerType, MemRefType, VectorType
from mlir_py.ir.operation import Operation, Value


def module_of(op: Operation) -> Operation | None:
    """The `builtin.module` around `op`, where runtime functions (malloc, free) are declared."""
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


def memref_type(v: Value) -> MemRefType:
    """The ranked memref type of `v` (the callers checked it converts)."""
    return v.type  # type: ignore[return-value]


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
