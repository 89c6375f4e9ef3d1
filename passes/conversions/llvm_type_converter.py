"""The type converter shared by every lowering to the llvm dialect, and the
memref descriptor helpers (upstream's LLVMTypeConverter and MemRefDescriptor).

The conversions agree on one mapping of builtin types to LLVM types, so the
casts one pass leaves for the next cancel out in `reconcile-unrealized-casts`:

| builtin | llvm dialect |
|---|---|
| `iN`, `f16`/`bf16`/`f32`/`f64`/... | themselves (`si32`/`ui32` become `i32`) |
| `index` | `i64` (`index-bitwidth` chooses another width) |
| `vector<4xf32>` | itself; `vector<2x4xf32>` -> `!llvm.array<2 x vector<4xf32>>` |
| `memref<4x?xf32>` | `!llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>` |
| `memref<f32>` (rank 0) | `!llvm.struct<(ptr, ptr, i64)>` |
| `memref<*xf32>` | `!llvm.struct<(i64, ptr)>` (rank, pointer to a ranked descriptor) |
| `memref<..., 3>` | pointers in address space 3 |
| `(i32) -> f32` (a function value) | `!llvm.ptr` |
| llvm types | themselves |

The memref descriptor is MLIR's runtime ABI (DESIGN §5): the pointer
returned by the allocator (what `free` takes), the aligned pointer the data
is addressed from, the offset in elements, then the sizes and the strides
(in elements). Function signatures expand a memref argument into these
fields one by one (`convert_function_signature`), as upstream does; the C
interface wrappers pass a pointer to the struct instead
(`convert_c_wrapper_type`).

Who uses it: `convert-{arith,math,func,cf}-to-llvm`,
`finalize-memref-to-llvm`, and the vector and execution layers (through
`LLVMTypeConverter`, `MemRefDescriptor` and `LLVMBuilder` only).
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.dialects.llvm import (
    LLVMArrayType,
    LLVMFunctionType,
    LLVMPointerType,
    LLVMStructType,
    LLVMVoidType,
    is_compatible_type,
)
from mlir_py.dialects.memref.layout import strides_and_offset
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    ComplexType,
    FloatType,
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    UnrankedMemRefType,
    VectorType,
    i64,
)
from mlir_py.ir.operation import Value
from mlir_py.rewrite.conversion import ConversionTarget, SignatureConversion, TypeConverter


def is_dynamic(x: int) -> bool:
    """A `?` size, stride or offset (ShapedType::kDynamic)."""
    return x == DYNAMIC


class LLVMTypeConverter(TypeConverter):
    """Builtin types to llvm dialect types, as upstream's LLVMTypeConverter.

    `index_bitwidth`: the width `index` becomes (upstream's `index-bitwidth`
    option; 0 means the default, 64). `use_bare_ptr_call_conv`: statically
    shaped memrefs with an identity layout cross function boundaries as a
    single pointer instead of expanded descriptors.
    """

    def __init__(self, index_bitwidth: int = 0, *, use_bare_ptr_call_conv: bool = False):
        super().__init__()
        self.index_bitwidth = index_bitwidth or 64
        self.index_type = IntegerType(self.index_bitwidth)
        self.use_bare_ptr_call_conv = use_bare_ptr_call_conv
        self.add_conversion(self._convert_one)

    # -- single types --------------------------------------------------------------------

    def _convert_one(self, t: Attribute):
        if isinstance(t, IndexType):
            return self.index_type
        if isinstance(t, IntegerType):
            return t if t.signedness == "signless" else IntegerType(t.width)
        if isinstance(t, FloatType):
            return t
        if isinstance(t, VectorType):
            return self.convert_vector_type(t)
        if isinstance(t, MemRefType):
            return self.convert_memref_type(t)
        if isinstance(t, UnrankedMemRefType):
            return self.convert_unranked_memref_type(t)
        if isinstance(t, ComplexType):
            el = self.convert_type(t.element_type)
            return None if el is None else LLVMStructType.literal([el, el])
        if isinstance(t, FunctionType):  # a function value is a pointer to the function
            return LLVMPointerType(0) if self.convert_function_signature(t)[0] is not None else None
        if is_compatible_type(t):
            return t
        return None

    def convert_vector_type(self, t: VectorType) -> Attribute | None:
        """1-D vectors stay vectors (index elements become integers); n-D
        vectors become nested arrays of 1-D vectors."""
        el = self.convert_type(t.element_type)
        if el is None or not isinstance(el, (IntegerType, FloatType)):
            return None
        shape = list(t.shape)
        scalable = list(t.scalable_dims) or [False] * len(shape)
        if not shape or any(scalable[:-1]):
            return None
        inner: Attribute = VectorType([shape[-1]], el, [scalable[-1]])
        for n in reversed(shape[:-1]):
            inner = LLVMArrayType(n, inner)
        return inner

    def memref_element_type(self, t: MemRefType | UnrankedMemRefType) -> Attribute | None:
        """The converted element type, None when the memref cannot be lowered."""
        el = self.convert_type(t.element_type)
        if el is None or not is_compatible_type(el):
            return None
        return el

    def address_space(self, t: MemRefType | UnrankedMemRefType) -> int | None:
        """The memory space as an LLVM address space (an integer attribute or none)."""
        ms = getattr(t, "memory_space", None)
        if ms is None:
            return 0
        if isinstance(ms, IntegerAttr):
            return int(ms.value)
        return None

    def pointer_type(self, t: MemRefType | UnrankedMemRefType) -> LLVMPointerType | None:
        """`!llvm.ptr` in the memref's address space."""
        a = self.address_space(t)
        return None if a is None else LLVMPointerType(a)

    def descriptor_fields(self, t: MemRefType) -> list[Attribute] | None:
        """The fields of the descriptor of `t`: ptr, ptr, index, then size and
        stride arrays (none for rank 0); None when `t` is not lowerable."""
        if self.memref_element_type(t) is None or strides_and_offset(t) is None:
            return None
        ptr = self.pointer_type(t)
        if ptr is None:
            return None
        fields: list[Attribute] = [ptr, ptr, self.index_type]
        if t.shape:
            arr = LLVMArrayType(len(t.shape), self.index_type)
            fields += [arr, arr]
        return fields

    def convert_memref_type(self, t: MemRefType) -> LLVMStructType | None:
        """The descriptor struct of a ranked memref with a strided layout."""
        fields = self.descriptor_fields(t)
        return None if fields is None else LLVMStructType.literal(fields)

    def convert_unranked_memref_type(self, t: UnrankedMemRefType) -> LLVMStructType | None:
        """`!llvm.struct<(i64, ptr)>`: the rank and a pointer to a ranked descriptor."""
        if self.memref_element_type(t) is None:
            return None
        ptr = self.pointer_type(t)
        return None if ptr is None else LLVMStructType.literal([self.index_type, ptr])

    def can_convert_to_bare_ptr(self, t: Attribute) -> bool:
        """Static shape, identity-like strides and zero offset: the bare-pointer convention applies."""
        if not isinstance(t, MemRefType) or self.convert_memref_type(t) is None:
            return False
        if any(is_dynamic(s) for s in t.shape):
            return False
        so = strides_and_offset(t)
        if so is None:
            return False
        strides, offset = so
        expect, run = [], 1
        for s in reversed(t.shape):
            expect.append(run)
            run *= s
        return offset == 0 and all(a == b or sz == 1 for a, b, sz in zip(strides, reversed(expect), t.shape))

    # -- signatures ----------------------------------------------------------------------

    def convert_call_argument(self, t: Attribute) -> list[Attribute] | None:
        """How a value of type `t` is passed to a function: a ranked memref as
        its descriptor fields one by one (or a bare pointer), an unranked one
        as (rank, pointer), anything else converted."""
        if isinstance(t, MemRefType):
            if self.use_bare_ptr_call_conv and self.can_convert_to_bare_ptr(t):
                return [self.pointer_type(t)]  # type: ignore[list-item]
            fields = self.descriptor_fields(t)
            if fields is None:
                return None
            out = fields[:3]
            out += [self.index_type] * (2 * len(t.shape))
            return out
        if isinstance(t, UnrankedMemRefType):
            s = self.convert_unranked_memref_type(t)
            return None if s is None else list(s.body)
        c = self.convert_type(t)
        return None if c is None else [c]

    def convert_call_result(self, t: Attribute) -> Attribute | None:
        """How a result of type `t` is returned: a memref as its descriptor struct (or a bare pointer)."""
        if self.use_bare_ptr_call_conv and self.can_convert_to_bare_ptr(t):
            return self.pointer_type(t)  # type: ignore[arg-type]
        return self.convert_type(t)

    def pack_function_results(self, types: Sequence[Attribute]) -> Attribute | None:
        """The single LLVM result of a function: void, the converted type, or a struct of several."""
        if not types:
            return LLVMVoidType()
        conv = [self.convert_call_result(t) for t in types]
        if any(c is None for c in conv):
            return None
        if len(conv) == 1:
            return conv[0]
        return LLVMStructType.literal(conv)  # type: ignore[arg-type]

    def convert_function_signature(self, ftype: FunctionType, *, variadic: bool = False
                                   ) -> tuple[LLVMFunctionType | None, SignatureConversion | None]:
        """The `!llvm.func` type of a function and how its arguments map to the new ones."""
        conv = SignatureConversion(len(ftype.inputs))
        for i, t in enumerate(ftype.inputs):
            r = self.convert_call_argument(t)
            if r is None:
                return None, None
            conv.add_inputs(i, r)
        res = self.pack_function_results(list(ftype.results))
        if res is None:
            return None, None
        return LLVMFunctionType(res, tuple(conv.converted_types), variadic), conv

    def convert_c_wrapper_type(self, ftype: FunctionType) -> tuple[LLVMFunctionType | None, bool]:
        """The `_mlir_ciface_` wrapper's type: memrefs as pointers to
        descriptors; a struct result (a memref, or several results) is
        written through a pointer passed first. Returns (type, result-is-argument)."""
        res = self.pack_function_results(list(ftype.results))
        if res is None:
            return None, False
        ins: list[Attribute] = []
        for t in ftype.inputs:
            if isinstance(t, (MemRefType, UnrankedMemRefType)):
                p = self.pointer_type(t)
                if p is None or self.convert_type(t) is None:
                    return None, False
                ins.append(LLVMPointerType(0))
            else:
                c = self.convert_type(t)
                if c is None:
                    return None, False
                ins.append(c)
        if isinstance(res, LLVMStructType):
            return LLVMFunctionType(LLVMVoidType(), tuple([LLVMPointerType(0)] + ins)), True
        return LLVMFunctionType(res, tuple(ins)), False


def llvm_conversion_target() -> ConversionTarget:
    """The llvm dialect is legal (upstream's LLVMConversionTarget)."""
    target = ConversionTarget()
    target.add_legal_dialect("llvm")
    return target


class MemRefDescriptor:
    """A ranked memref descriptor held in an SSA value of the descriptor struct type.

    Getters emit `llvm.extractvalue`, setters `llvm.insertvalue` and update
    `self.value`; positions are upstream's (`[0]` allocated, `[1]` aligned,
    `[2]` offset, `[3, i]` size i, `[4, i]` stride i).
    """

    ALLOCATED, ALIGNED, OFFSET, SIZES, STRIDES = 0, 1, 2, 3, 4

    def __init__(self, b: LLVMBuilder, value: Value):
        self.b = b
        self.value = value

    @property
    def type(self) -> LLVMStructType:
        return self.value.type  # type: ignore[return-value]

    @property
    def rank(self) -> int:
        body = self.type.body or ()
        return body[3].num_elements if len(body) > 3 else 0

    @property
    def index_type(self) -> Attribute:
        return (self.type.body or ())[2]

    @classmethod
    def poison(cls, b: LLVMBuilder, struct_type: Attribute) -> MemRefDescriptor:
        """An empty descriptor (`llvm.mlir.poison`) to fill with the setters."""
        return cls(b, b.poison(struct_type))

    def _get(self, pos: list[int]) -> Value:
        return self.b.extractvalue(self.value, pos)

    def _set(self, pos: list[int], v: Value) -> MemRefDescriptor:
        self.value = self.b.insertvalue(self.value, v, pos)
        return self

    def allocated_ptr(self) -> Value:
        return self._get([0])

    def set_allocated_ptr(self, v: Value) -> MemRefDescriptor:
        return self._set([0], v)

    def aligned_ptr(self) -> Value:
        return self._get([1])

    def set_aligned_ptr(self, v: Value) -> MemRefDescriptor:
        return self._set([1], v)

    def offset(self) -> Value:
        return self._get([2])

    def set_offset(self, v: Value) -> MemRefDescriptor:
        return self._set([2], v)

    def set_constant_offset(self, v: int) -> MemRefDescriptor:
        return self._set([2], self.b.constant(v, self.index_type))

    def size(self, i: int) -> Value:
        return self._get([3, i])

    def set_size(self, i: int, v: Value) -> MemRefDescriptor:
        return self._set([3, i], v)

    def set_constant_size(self, i: int, v: int) -> MemRefDescriptor:
        return self._set([3, i], self.b.constant(v, self.index_type))

    def stride(self, i: int) -> Value:
        return self._get([4, i])

    def set_stride(self, i: int, v: Value) -> MemRefDescriptor:
        return self._set([4, i], v)

    def set_constant_stride(self, i: int, v: int) -> MemRefDescriptor:
        return self._set([4, i], self.b.constant(v, self.index_type))

    def sizes(self) -> list[Value]:
        return [self.size(i) for i in range(self.rank)]

    def strides(self) -> list[Value]:
        return [self.stride(i) for i in range(self.rank)]

    # -- static knowledge -----------------------------------------------------------------

    @staticmethod
    def size_or_constant(d: MemRefDescriptor, t: MemRefType, i: int) -> Value:
        """Size i: a constant when `t` knows it statically, else read from the descriptor."""
        s = t.shape[i]
        return d.size(i) if is_dynamic(s) else d.b.constant(s, d.index_type)

    def stride_or_constant(self, t: MemRefType, i: int) -> Value:
        """Stride i: a constant when the layout of `t` fixes it."""
        so = strides_and_offset(t)
        if so is not None and not is_dynamic(so[0][i]):
            return self.b.constant(so[0][i], self.index_type)
        return self.stride(i)

    def offset_or_constant(self, t: MemRefType) -> Value:
        so = strides_and_offset(t)
        if so is not None and not is_dynamic(so[1]):
            return self.b.constant(so[1], self.index_type)
        return self.offset()

    # -- packing into / out of function arguments ----------------------------------------

    @classmethod
    def pack(cls, b: LLVMBuilder, struct_type: LLVMStructType, values: Sequence[Value]) -> MemRefDescriptor:
        """A descriptor from the expanded fields (ptr, ptr, offset, sizes..., strides...),
        inserted in upstream's order (each size followed by its stride)."""
        d = cls.poison(b, struct_type)
        d.set_allocated_ptr(values[0]).set_aligned_ptr(values[1]).set_offset(values[2])
        rank = (len(values) - 3) // 2
        for i in range(rank):
            d.set_size(i, values[3 + i])
            d.set_stride(i, values[3 + rank + i])
        return d

    def unpack(self) -> list[Value]:
        """The expanded fields, in the order `pack` takes them."""
        return [self.allocated_ptr(), self.aligned_ptr(), self.offset()] + self.sizes() + self.strides()

    @classmethod
    def from_static_shape(cls, b: LLVMBuilder, struct_type: LLVMStructType, t: MemRefType,
                          allocated: Value, aligned: Value) -> MemRefDescriptor:
        """A descriptor of a statically shaped, strided memref over the given pointers."""
        so = strides_and_offset(t)
        assert so is not None and not any(is_dynamic(s) for s in t.shape)
        strides, offset = so
        d = cls.poison(b, struct_type)
        d.set_allocated_ptr(allocated).set_aligned_ptr(aligned).set_constant_offset(offset)
        for i, (s, st) in enumerate(zip(t.shape, strides)):
            d.set_constant_size(i, s)
            d.set_constant_stride(i, st)
        return d


class UnrankedMemRefDescriptor:
    """An unranked descriptor `{i64 rank, ptr descriptor}`."""

    def __init__(self, b: LLVMBuilder, value: Value):
        self.b = b
        self.value = value

    def rank(self) -> Value:
        return self.b.extractvalue(self.value, [0])

    def memref_desc_ptr(self) -> Value:
        return self.b.extractvalue(self.value, [1])

    @classmethod
    def build(cls, b: LLVMBuilder, struct_type: Attribute, rank: Value, ptr: Value) -> UnrankedMemRefDescriptor:
        v = b.poison(struct_type)
        v = b.insertvalue(v, rank, [0])
        v = b.insertvalue(v, ptr, [1])
        return cls(b, v)


__all__ = ["DYNAMIC", "LLVMTypeConverter", "MemRefDescriptor", "UnrankedMemRefDescriptor", "i64",
           "is_dynamic", "llvm_conversion_target"]
