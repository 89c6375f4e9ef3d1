"""The bufferization dialect's ops: the bridge between tensor values and buffers.

`to_tensor` / `to_buffer` mark the boundary between tensor IR and memref IR
(One-Shot Bufferize inserts and later folds them), `alloc_tensor` and
`materialize_in_destination` steer where a tensor's future buffer lives,
`dealloc_tensor` frees one, and `clone` copies a buffer into a fresh one.
Names, operands, properties, syntax and verifier messages are upstream
MLIR's (LLVM 22: `to_memref` was renamed `to_buffer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.builtin.constraints import Index, UnitAttrC
from mlir_py.definition.constraints import Predicate
from mlir_py.definition.opdef import Op, operand, opt_operand, opt_prop, opt_result, result, var_operand
from mlir_py.definition.traits import Allocate, MemoryEffects, Pure, Read, Write
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    MemRefType,
    RankedTensorType,
    ShapedType,
    TensorType,
    UnrankedMemRefType,
    UnrankedTensorType,
    i32,
    index,
)

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

# -- constraints, worded as upstream's ODS words them ----------------------------

TensorLike = Predicate(lambda t: isinstance(t, TensorType), "TensorLikeType instance")
BufferLike = Predicate(lambda t: isinstance(t, (MemRefType, UnrankedMemRefType)), "BufferLikeType instance")
AnyTensorC = Predicate(lambda t: isinstance(t, TensorType), "tensor of any non-token type values")
AnyMemRefC = Predicate(lambda t: isinstance(t, (MemRefType, UnrankedMemRefType)),
                       "ranked or unranked memref of any non-token type values")
AnyShapedC = Predicate(lambda t: isinstance(t, ShapedType), "shaped of any type values")
AnyAttrC = Predicate(lambda a: True, "any attribute")


def tensor_type_of(buffer_type):
    """The tensor type a buffer type bufferizes from (upstream's
    memref::getTensorTypeFromMemRefType): same shape and element type, no
    layout or memory space."""
    if isinstance(buffer_type, MemRefType):
        return RankedTensorType(buffer_type.shape, buffer_type.element_type)
    return UnrankedTensorType(buffer_type.element_type)


def _check_tensor_buffer_match(op, tensor_t, buffer_t) -> str | None:
    """Upstream's verifyCompatibleBufferType of the builtin tensor types:
    shape and element type agree (layout and memory space are free)."""
    if tensor_t.has_rank != buffer_t.has_rank or (tensor_t.has_rank and tensor_t.shape != buffer_t.shape):
        op.emit_error("shapes do not match")
        return "failed to verify that specified tensor and buffer types match"
    if tensor_t.element_type is not buffer_t.element_type:
        op.emit_error("element types do not match")
        return "failed to verify that specified tensor and buffer types match"
    return None


class ToTensorOp(Op):
    """A tensor holding a buffer's contents: the way tensor IR reads a memref.
    `restrict` promises that this is the only tensor made from the buffer (or
    an alias of it), which One-Shot Bufferize requires; `writable` lets ops
    on the tensor bufferize in place into the buffer.

    ```mlir
    %t = bufferization.to_tensor %m restrict writable : memref<4x?xf32> to tensor<4x?xf32>
    ```
    """

    name = "bufferization.to_tensor"
    traits = [MemoryEffects(Read("buffer"))]
    buffer = operand(BufferLike)
    restrict = opt_prop(UnitAttrC)
    writable = opt_prop(UnitAttrC)
    result = result(TensorLike)
    assembly_format = ("$buffer (`restrict` $restrict^)? (`writable` $writable^)? attr-dict "
                       "`:` type($buffer) `to` type($result)")

    @classmethod
    def infer_result_types(cls, operands, props):
        return [tensor_type_of(operands[0].type)]

    def verify_(self):
        return _check_tensor_buffer_match(self, self.result.type, self.buffer.type)

    def fold(self, operands):
        # to_tensor(to_buffer(t)) -> t, only when nothing runs in between:
        # a cheap stand-in for proving that no write reached the buffer.
        src = self.buffer.owner
        if isinstance(src, ToBufferOp) and src.next_op is self:
            return src.tensor
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.bufferization.canonicalize import TO_TENSOR_PATTERNS
        return TO_TENSOR_PATTERNS


class ToBufferOp(Op):
    """The future buffer of a tensor: the way memref IR reads (or, without
    `read_only`, writes) a tensor during gradual bufferization; a specialized
    `unrealized_conversion_cast`. Formerly `bufferization.to_memref`.

    ```mlir
    %m = bufferization.to_buffer %t read_only : tensor<4x?xf32> to memref<4x?xf32, strided<[?, 1], offset: ?>>
    ```
    """

    name = "bufferization.to_buffer"
    traits = [Pure]
    tensor = operand(TensorLike)
    read_only = opt_prop(UnitAttrC)
    buffer = result(BufferLike)
    assembly_format = "$tensor (`read_only` $read_only^)? attr-dict `:` type($tensor) `to` type($buffer)"

    def verify_(self):
        return _check_tensor_buffer_match(self, self.tensor.type, self.buffer.type)

    def fold(self, operands):
        # to_buffer(to_tensor(m)) -> m when the types agree (other cases are a
        # canonicalization: they need a cast or a copy).
        src = self.tensor.owner
        if isinstance(src, ToTensorOp) and src.buffer.type is self.buffer.type:
            return src.buffer
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.bufferization.canonicalize import TO_BUFFER_PATTERNS
        return TO_BUFFER_PATTERNS


class CloneOp(Op):
    """A fresh buffer with the contents of `input`. Implementations may alias
    the two instead of copying, so neither may be written afterwards.

    ```mlir
    %1 = bufferization.clone %0 : memref<?xf32> to memref<?xf32>
    ```
    """

    name = "bufferization.clone"
    traits = [MemoryEffects(Read("input"), Write("output"), Allocate("output"))]
    input = operand(AnyMemRefC)
    output = result(AnyMemRefC)
    assembly_format = "$input attr-dict `:` type($input) `to` type($output)"

    def fold(self, operands):
        # clone(memref.cast(x)) -> clone(x) (upstream's foldMemRefCast)
        src = self.input.owner
        if getattr(src, "name", None) == "memref.cast" and isinstance(src.operands[0].type, MemRefType):
            self.set_operand(0, src.operands[0])
            return self.output
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.bufferization.canonicalize import CLONE_PATTERNS
        return CLONE_PATTERNS


class DeallocTensorOp(Op):
    """Frees the buffer behind a tensor (a `memref.dealloc` once bufferized),
    for manual deallocation in tensor IR.

    ```mlir
    bufferization.dealloc_tensor %t : tensor<1024x1024xf64>
    ```
    """

    name = "bufferization.dealloc_tensor"
    tensor = operand(AnyTensorC)
    assembly_format = "$tensor attr-dict `:` type($tensor)"


class AllocTensorOp(Op):
    """A new, uninitialized tensor that always bufferizes to a fresh
    allocation: one `index` per `?` dimension, or `copy` to start from another
    tensor's contents (its sizes then come from `copy`). `memory_space` picks
    the allocation's memory space; `size_hint` is for sparse tensors. An
    anchor to control in-place decisions of One-Shot Bufferize.

    ```mlir
    %0 = bufferization.alloc_tensor(%d) <{memory_space = 1 : i64}> : tensor<4x?xf32>
    %1 = bufferization.alloc_tensor() copy(%t) : tensor<4x?xf32>
    ```
    """

    name = "bufferization.alloc_tensor"
    dynamic_sizes = var_operand(Index)
    copy = opt_operand(AnyTensorC)
    size_hint = opt_operand(Index)
    memory_space = opt_prop(AnyAttrC)
    result = result(AnyTensorC)

    @classmethod
    def build(cls, type, dynamic_sizes=(), copy=None, size_hint=None, memory_space=None, *, location=None):
        """An alloc_tensor of `type` (sizes or `copy`, as the op requires)."""
        return cls(list(dynamic_sizes), copy, size_hint, memory_space=memory_space, result_types=[type],
                   location=location)

    @classmethod
    def parse(cls, parser: Parser) -> AllocTensorOp:
        sizes = parser.parse_operand_list("(")
        copy = size_hint = None
        if parser.parse_optional_keyword("copy"):
            parser.expect("(")
            copy = parser.parse_operand()
            parser.expect(")")
        if parser.parse_optional_keyword("size_hint"):
            parser.expect("=")
            size_hint = parser.parse_operand()
        props = {}
        if parser.parse_optional("<"):
            props.update(parser.parse_attr_dict_body())
            parser.expect(">")
        pos = parser.skip_ws()
        attrs = parser.parse_optional_attr_dict()
        for k in attrs:
            if k in cls.definition.props:
                raise parser.error(f"custom op '{cls.name}' inherent attribute '{k}' cannot be parsed from "
                                   "attr-dict when strict properties in assembly format is enabled", pos)
        parser.expect(":")
        t = parser.parse_type()
        operands = parser.resolve_operands(sizes, index)
        if copy is not None:
            operands.append(parser.resolve_operand(copy, t))
        if size_hint is not None:
            operands.append(parser.resolve_operand(size_hint, index))
        props["operandSegmentSizes"] = DenseArrayAttr(
            i32, (len(sizes), int(copy is not None), int(size_hint is not None)))
        return cls.create(operands, [t], props, attrs)

    def print(self, printer: Printer) -> None:
        w = printer.write
        w("(")
        printer.print_operands(self.dynamic_sizes)
        w(")")
        if self.copy is not None:
            w(" copy(")
            printer.print_operand(self.copy)
            w(")")
        if self.size_hint is not None:
            w(" size_hint=")
            printer.print_operand(self.size_hint)
        props = {k: v for k, v in self.properties.items() if k != "operandSegmentSizes"}
        if props:
            w(" <")
            printer.print_attr_dict(props)
            w(">")
        printer.print_optional_attr_dict(self.attributes)
        w(" : ")
        printer.print_type(self.result.type)

    def verify_(self):
        t = self.result.type
        if self.copy is not None and self.dynamic_sizes:
            self.emit_error("dynamic sizes not needed when copying a tensor")
            return ""
        if self.copy is None and isinstance(t, RankedTensorType) and len(self.dynamic_sizes) != t.num_dynamic_dims:
            return f"incorrect number of dynamic sizes, has {len(self.dynamic_sizes)}, expected {t.num_dynamic_dims}"
        if self.copy is not None and self.copy.type is not t:
            self.emit_error("expected that `copy` and return type match")
            return ""
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.bufferization.canonicalize import ALLOC_TENSOR_PATTERNS
        return ALLOC_TENSOR_PATTERNS


class MaterializeInDestinationOp(Op):
    """Guarantees that `source`'s data ends up in `dest`: the future buffer of
    a tensor `dest` (then the op yields the updated tensor), or the memref
    `dest` itself (then it has no result, and `writable` is required;
    `restrict` as on `to_tensor`). Bufferizes to a copy unless a rewrite
    computes `source` in place.

    ```mlir
    %r = bufferization.materialize_in_destination %t in %d : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    bufferization.materialize_in_destination %t in restrict writable %m : (tensor<4xf32>, memref<4xf32>) -> ()
    ```
    """

    name = "bufferization.materialize_in_destination"
    source = operand(AnyTensorC)
    dest = operand(AnyShapedC)
    restrict = opt_prop(UnitAttrC)
    writable = opt_prop(UnitAttrC)
    result = opt_result(AnyTensorC)
    assembly_format = ("$source `in` (`restrict` $restrict^)? (`writable` $writable^)? $dest attr-dict "
                       "`:` functional-type(operands, results)")

    @classmethod
    def infer_result_types(cls, operands, props):
        t = operands[1].type
        return [t] if isinstance(t, TensorType) else []

    def get_effects(self) -> list:
        """A memref `dest` is written; a tensor one is only a value."""
        return [Write(self.dest)] if isinstance(self.dest.type, (MemRefType, UnrankedMemRefType)) else []

    def verify_(self):
        src, dest = self.source.type, self.dest.type
        if src.element_type is not getattr(dest, "element_type", None):
            return "failed to verify that all of {source, dest} have same element type"
        is_buffer = isinstance(dest, (MemRefType, UnrankedMemRefType))
        if not isinstance(dest, TensorType) and not is_buffer:
            return "'dest' must be a tensor or a memref"
        if isinstance(dest, TensorType):
            if len(self.results) != 1:
                return "tensor 'dest' implies exactly one tensor result"
            if self.results[0].type is not dest:
                return "result and 'dest' types must match"
        elif self.results:
            return "memref 'dest' implies zero results"
        if self.restrict is not None and not is_buffer:
            return "'restrict' is valid only for memref destinations"
        if (self.writable is not None) != is_buffer:
            return "'writable' must be specified if and only if the destination is of memref type"
        if src.has_rank and dest.has_rank and src.rank != dest.rank:
            return f"source rank ({src.rank}) does not match destination rank ({dest.rank})"
        if src.has_rank != dest.has_rank or (src.has_rank and any(
                a != b and a != DYNAMIC and b != DYNAMIC for a, b in zip(src.shape, dest.shape))):
            return "source/destination shapes are incompatible"
        return None


OPS = [AllocTensorOp, CloneOp, DeallocTensorOp, MaterializeInDestinationOp, ToBufferOp, ToTensorOp]

__all__ = ["OPS", "AllocTensorOp", "CloneOp", "DeallocTensorOp", "MaterializeInDestinationOp", "ToBufferOp",
           "ToTensorOp", "tensor_type_of"]
