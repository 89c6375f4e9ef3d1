"""tensor ops that create, read, write and query whole tensors: empty, extract,
insert, dim, rank, cast, bitcast, from_elements, splat, generate, yield.
Verifiers and folders follow upstream TensorOps.cpp."""

from __future__ import annotations

from mlir_py.dialects.tensor.common import (
    AnyTensorC,
    Non0RankedOrUnrankedTensor,
    RankedTensor,
    StaticShapeTensor,
    q,
)

from mlir_py.builtin.constraints import Index
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, region, result, var_operand
from mlir_py.definition.traits import (
    CastOpInterface,
    HasParent,
    NoMemoryEffect,
    OpAsmOpInterface,
    Pure,
    RecursiveMemoryEffects,
    ReturnLike,
    SingleBlockImplicitTerminator,
    Terminator,
    TypesMatchWith,
)
from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    FloatType,
    IndexType,
    IntegerType,
    RankedTensorType,
    TensorType,
    UnrankedTensorType,
    index,
)
from mlir_py.ir.operation import Block, Region


def element_attr(value, element_type):
    """A scalar constant attribute of `element_type` (None for types arith cannot hold)."""
    if isinstance(element_type, FloatType):
        return FloatAttr(float(value), element_type)
    if isinstance(element_type, (IntegerType, IndexType)):
        return IntegerAttr(int(value), element_type)
    return None


def constant_ints(operands) -> list[int] | None:
    """The values of constant index operands, or None when one is not constant."""
    out = []
    for a in operands:
        if not isinstance(a, IntegerAttr):
            return None
        out.append(a.value)
    return out


# ----------------------------------------------------------------------------
# empty
# ----------------------------------------------------------------------------


class EmptyOp(Op):
    """A tensor of the given shape whose contents are unspecified: only its
    shape matters (destination of destination-passing-style ops). One `index`
    operand per `?` of the result type.

    ```mlir
    %0 = tensor.empty(%n) : tensor<?x4xf32>
    ```
    """

    name = "tensor.empty"
    traits = [Pure]
    dynamicSizes = var_operand(Index)  # noqa: N815 (upstream's name)
    result = result(RankedTensor)
    assembly_format = "`(`$dynamicSizes`)` attr-dict `:` type($result)"

    def verify_(self):
        n = sum(1 for d in self.result.type.shape if d == DYNAMIC)
        if len(self.dynamicSizes) != n:
            return f"incorrect number of dynamic sizes, has {len(self.dynamicSizes)}, expected {n}"
        return None

    @classmethod
    def build(cls, sizes, element_type, **kw) -> EmptyOp:
        """An empty tensor of the given sizes (ints and `index` values mixed)."""
        t = RankedTensorType(tuple(x if isinstance(x, int) else DYNAMIC for x in sizes), element_type)
        return cls([x for x in sizes if not isinstance(x, int)], result_types=[t], **kw)

    def get_dynamic_size(self, dim: int):
        """The operand giving the size of dynamic result dimension `dim`."""
        shape = self.result.type.shape
        return self.dynamicSizes[sum(1 for d in shape[:dim] if d == DYNAMIC)]

    @property
    def mixed_sizes(self) -> list:
        it = iter(self.dynamicSizes)
        return [next(it) if d == DYNAMIC else d for d in self.result.type.shape]


# ----------------------------------------------------------------------------
# Element access
# ----------------------------------------------------------------------------


class ExtractOp(Op):
    """Reads the element of a ranked tensor at the given indices.

    ```mlir
    %e = tensor.extract %t[%i, %j] : tensor<4x?xf32>
    ```
    """

    name = "tensor.extract"
    traits = [OpAsmOpInterface, Pure,
              TypesMatchWith("tensor", "result", lambda t: t.element_type,
                             "result type matches element type of tensor")]
    tensor = operand(RankedTensor)
    indices = var_operand(Index)
    result = result(AnyType)
    assembly_format = "$tensor `[` $indices `]` attr-dict `:` type($tensor)"

    def get_asm_result_name(self) -> str:
        return "extracted"

    def verify_(self):
        if self.tensor.type.rank != len(self.indices):
            return "incorrect number of indices for extract_element"
        return None

    def fold(self, operands):
        src = operands[0]
        if isinstance(src, DenseElementsAttr) and src.is_splat:
            return element_attr(src.splat_value(), src.type.element_type)
        producer = self.tensor.owner
        idx = constant_ints(operands[1:])
        if idx is None:
            return None
        t = self.tensor.type
        if isinstance(producer, FromElementsOp):
            flat = 0
            for i, d in zip(idx, t.shape):
                if not 0 <= i < d:
                    return None
                flat = flat * d + i
            return producer.elements[flat]
        if isinstance(src, DenseElementsAttr):
            if any(not 0 <= i < d for i, d in zip(idx, t.shape)):
                return None
            return element_attr(src.array[tuple(idx)].item(), t.element_type)
        return None


class InsertOp(Op):
    """A copy of `dest` with the element at the given indices replaced by
    `scalar` (SSA value semantics: `dest` is unchanged).

    ```mlir
    %t2 = tensor.insert %v into %t[%i] : tensor<4xf32>
    ```
    """

    name = "tensor.insert"
    traits = [OpAsmOpInterface, Pure,
              TypesMatchWith("dest", "result", lambda t: t, "result type matches type of dest"),
              TypesMatchWith("dest", "scalar", lambda t: t.element_type,
                             "scalar type matches element type of dest")]
    scalar = operand(AnyType)
    dest = operand(RankedTensor)
    indices = var_operand(Index)
    result = result(RankedTensor)
    assembly_format = "$scalar `into` $dest `[` $indices `]` attr-dict `:` type($dest)"

    @classmethod
    def infer_operand_types(cls, name, env):
        return env["t_dest"].element_type if name == "scalar" else None

    def get_asm_result_name(self) -> str:
        return "inserted"

    def verify_(self):
        if self.dest.type.rank != len(self.indices):
            return "incorrect number of indices"
        return None

    def fold(self, operands):
        scalar, dest = operands[0], operands[1]
        if (isinstance(dest, DenseElementsAttr) and dest.is_splat and scalar is not None
                and element_attr(dest.splat_value(), dest.type.element_type) == scalar):
            return dest
        return None

    def get_dps_inits(self) -> list:
        return [self.dest]


# ----------------------------------------------------------------------------
# Shape queries
# ----------------------------------------------------------------------------


class DimOp(Op):
    """The size of dimension `index` of a tensor (undefined if out of bounds).

    ```mlir
    %d = tensor.dim %t, %c1 : tensor<4x?xf32>
    ```
    """

    name = "tensor.dim"
    traits = [OpAsmOpInterface, NoMemoryEffect]
    source = operand(Non0RankedOrUnrankedTensor)
    index = operand(Index)
    result = result(Index)
    assembly_format = "attr-dict $source `,` $index `:` type($source)"

    def get_asm_result_name(self) -> str:
        return "dim"

    def fold(self, operands):
        from mlir_py.dialects.tensor.slice_ops import ExtractSliceOp
        idx = operands[1]
        t = self.source.type
        if not isinstance(idx, IntegerAttr) or not isinstance(t, RankedTensorType):
            return None
        i = idx.value
        if not 0 <= i < t.rank:
            return None
        if t.shape[i] != DYNAMIC:
            return IntegerAttr(t.shape[i], index)
        producer = self.source.owner
        if isinstance(producer, GenerateOp):
            return producer.dynamicExtents[sum(1 for d in t.shape[:i] if d == DYNAMIC)]
        if isinstance(producer, ExtractSliceOp) and producer.result.type.rank == producer.source.type.rank:
            size = producer.mixed_sizes[i]
            if not isinstance(size, int):
                return size
        if isinstance(producer, CastOp) and can_fold_into_consumer(producer):
            self.set_operand(0, producer.source)
            return self.result
        return None


class RankOp(Op):
    """The rank of a (possibly unranked) tensor.

    ```mlir
    %r = tensor.rank %t : tensor<*xf32>
    ```
    """

    name = "tensor.rank"
    traits = [OpAsmOpInterface, NoMemoryEffect]
    tensor = operand(AnyTensorC)
    result = result(Index)
    assembly_format = "$tensor attr-dict `:` type($tensor)"

    def get_asm_result_name(self) -> str:
        return "rank"

    def fold(self, operands):
        t = self.tensor.type
        return IntegerAttr(t.rank, index) if isinstance(t, RankedTensorType) else None


# ----------------------------------------------------------------------------
# Casts
# ----------------------------------------------------------------------------


def join_shapes(a, b):
    """joinShapes: the most static type both `a` and `b` may be cast to, or None."""
    if isinstance(a, UnrankedTensorType):
        return b
    if isinstance(b, UnrankedTensorType):
        return a
    if a.rank != b.rank:
        return None
    dims = []
    for x, y in zip(a.shape, b.shape):
        if x == DYNAMIC:
            dims.append(y)
        elif y == DYNAMIC or x == y:
            dims.append(x)
        else:
            return None
    return RankedTensorType(tuple(dims), a.element_type, a.encoding)


def _compatible_shapes(a, b) -> bool:
    if isinstance(a, UnrankedTensorType) or isinstance(b, UnrankedTensorType):
        return True
    return a.rank == b.rank and all(x == DYNAMIC or y == DYNAMIC or x == y for x, y in zip(a.shape, b.shape))


def preserves_static_information(source, target) -> bool:
    """preservesStaticInformation: `target` is at least as static as `source`."""
    if isinstance(source, UnrankedTensorType) or isinstance(target, UnrankedTensorType):
        return isinstance(source, UnrankedTensorType)
    if source.rank != target.rank:
        return False
    return all(s == DYNAMIC or s == t for s, t in zip(source.shape, target.shape))


def can_fold_into_consumer(cast: CastOp) -> bool:
    """canFoldIntoConsumerOp: the cast only loses static information, so a
    consumer may read its source instead."""
    src, dst = cast.source.type, cast.dest.type
    if isinstance(src, RankedTensorType) and isinstance(dst, RankedTensorType) and src.encoding is not dst.encoding:
        return False
    return preserves_static_information(dst, src)


def can_fold_into_producer(cast: CastOp) -> bool:
    """canFoldIntoProducerOp: the cast only adds static information."""
    return preserves_static_information(cast.source.type, cast.dest.type)


class _CastVerifier(CastOpInterface):
    def verify(self, op):
        a, b = op.operands[0].type, op.results[0].type
        if not type(op).are_cast_compatible([a], [b]):
            return f"operand type {q(a)} and result type {q(b)} are cast incompatible"
        return None


class CastOp(Op):
    """Converts a tensor to a type of the same element type and compatible
    shape: static and dynamic sizes trade places (a dynamic-to-static cast
    asserts at run time), ranked and unranked convert into each other.

    ```mlir
    %1 = tensor.cast %0 : tensor<4x?xf32> to tensor<?x?xf32>
    ```
    """

    name = "tensor.cast"
    traits = [_CastVerifier, OpAsmOpInterface, Pure]
    source = operand(AnyTensorC)
    dest = result(AnyTensorC)
    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"

    def get_asm_result_name(self) -> str:
        return "cast"

    @staticmethod
    def are_cast_compatible(ins, outs) -> bool:
        if len(ins) != 1 or len(outs) != 1:
            return False
        a, b = ins[0], outs[0]
        if not isinstance(a, TensorType) or not isinstance(b, TensorType):
            return False
        return a.element_type is b.element_type and _compatible_shapes(a, b)

    def fold(self, operands):
        return self.source if self.source.type is self.dest.type else None


class BitcastOp(Op):
    """Reinterprets the bits of a tensor's elements as another element type of
    the same width; the shapes must be compatible.

    ```mlir
    %1 = tensor.bitcast %0 : tensor<4xi32> to tensor<4xf32>
    ```
    """

    name = "tensor.bitcast"
    traits = [_CastVerifier, Pure]
    source = operand(AnyTensorC)
    dest = result(AnyTensorC)
    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"

    @staticmethod
    def are_cast_compatible(ins, outs) -> bool:
        if len(ins) != 1 or len(outs) != 1:
            return False
        a, b = ins[0], outs[0]
        if not isinstance(a, TensorType) or not isinstance(b, TensorType):
            return False
        if not _compatible_shapes(a, b):
            return False
        wa, wb = _bit_width(a.element_type), _bit_width(b.element_type)
        return wa is not None and wa == wb

    def fold(self, operands):
        return self.source if self.source.type is self.dest.type else None


def _bit_width(t) -> int | None:
    if isinstance(t, IntegerType):
        return t.width
    if isinstance(t, FloatType):
        return {"f16": 16, "bf16": 16, "f32": 32, "f64": 64, "f80": 80, "f128": 128, "tf32": 19}.get(t.kind, 8)
    return None


# ----------------------------------------------------------------------------
# Building tensors from scalars
# ----------------------------------------------------------------------------


class FromElementsOp(Op):
    """A statically shaped tensor from its elements in row-major order.

    ```mlir
    %t = tensor.from_elements %a, %b, %c, %d : tensor<2x2xf32>
    ```
    """

    name = "tensor.from_elements"
    traits = [OpAsmOpInterface, Pure,
              TypesMatchWith("result", "elements", lambda t: t.element_type,
                             "operand types match result element type")]
    elements = var_operand(AnyType)
    result = result(StaticShapeTensor)
    assembly_format = "$elements attr-dict `:` type($result)"

    @classmethod
    def infer_operand_types(cls, name, env):
        if name == "elements":
            t = env["t_result"]
            n = 1
            for d in t.shape:
                n *= d
            return [t.element_type] * n
        return None

    def get_asm_result_name(self) -> str:
        return "from_elements"

    def verify_(self):
        n = 1
        for d in self.result.type.shape:
            n *= d
        if len(self.elements) != n:  # upstream's type constraint lists one element type per element
            return "failed to verify that operand types match result element type"
        return None

    def fold(self, operands):
        if operands and all(a is not None for a in operands):
            if all(isinstance(a, (IntegerAttr, FloatAttr)) for a in operands):
                t = self.result.type
                return DenseElementsAttr([a.value for a in operands], t) if t.rank else \
                    DenseElementsAttr(operands[0].value, t)
        return None


class SplatOp(Op):
    """A tensor with every element equal to `input`; one `index` operand per
    dynamic dimension of the result.

    ```mlir
    %t = tensor.splat %v[%n] : tensor<?x8xf32>
    ```
    """

    name = "tensor.splat"
    traits = [OpAsmOpInterface, Pure,
              TypesMatchWith("aggregate", "input", lambda t: t.element_type,
                             "operand type matches element type of result")]
    input = operand(AnyType)
    dynamicSizes = var_operand(Index)  # noqa: N815 (upstream's name)
    aggregate = result(RankedTensor)
    assembly_format = "$input (`[` $dynamicSizes^ `]`)? attr-dict `:` type($aggregate)"

    def get_asm_result_name(self) -> str:
        return "splat"

    def verify_(self):
        n = sum(1 for d in self.aggregate.type.shape if d == DYNAMIC)
        if len(self.dynamicSizes) != n:
            return f"incorrect number of dynamic sizes, has {len(self.dynamicSizes)}, expected {n}"
        return None

    def fold(self, operands):
        v = operands[0]
        t = self.aggregate.type
        if isinstance(v, (IntegerAttr, FloatAttr)) and DYNAMIC not in t.shape:
            return DenseElementsAttr(v.value, t)
        return None


class GenerateOp(Op):
    """A tensor whose element at each index is what the body yields for it
    (block arguments: one `index` per dimension); one `index` operand per
    dynamic dimension of the result.

    ```mlir
    %t = tensor.generate %n {
    ^bb0(%i: index, %j: index):
      %v = arith.index_cast %i : index to i32
      tensor.yield %v : i32
    } : tensor<?x3xi32>
    ```
    """

    name = "tensor.generate"
    traits = [OpAsmOpInterface, RecursiveMemoryEffects, SingleBlockImplicitTerminator("tensor.yield")]
    dynamicExtents = var_operand(Index)  # noqa: N815 (upstream's name)
    result = result(RankedTensor)
    body = region()
    assembly_format = "$dynamicExtents $body attr-dict `:` type($result)"

    def get_asm_result_name(self) -> str:
        return "generated"

    @classmethod
    def build(cls, result_type: RankedTensorType, dynamic_extents, body, **kw) -> GenerateOp:
        """`body(b, indices) -> Value` builds the element at `indices` (the block
        arguments) with `b`, a rewriter inserting into the new block (`b.create(
        OpClass, ...)`); the yield is added for it."""
        from mlir_py.rewrite.pattern import PatternRewriter
        block = Block([index] * result_type.rank)
        op = cls.create(list(dynamic_extents), [result_type], {}, None, [Region([block])], (), kw.get("location"))
        b = PatternRewriter()
        b.set_insertion_point_to_end(block)
        b.create(YieldOp, body(b, list(block.args)))
        return op

    def verify_(self):
        t = self.result.type
        n = sum(1 for d in t.shape if d == DYNAMIC)
        if n != len(self.dynamicExtents):
            return f"incorrect number of dynamic sizes, has {len(self.dynamicExtents)}, expected {n}"
        block = self.body.first_block
        if block is None:
            return None
        msg = None
        if len(block.args) != t.rank:
            msg = "must have one body argument per input dimension"
        elif any(not isinstance(a.type, IndexType) for a in block.args):
            msg = "all body arguments must be index"
        elif isinstance(block.last_op, YieldOp) and block.last_op.value.type is not t.element_type:
            return "body must be terminated with a `yield` operation of the tensor element type"
        if msg is not None:  # upstream's emitError: no op-name prefix
            self.emit_error(msg)
            return ""
        return None


class _ParentOneOf(HasParent):
    """ParentOneOf, with upstream's wording of the list (`'a, b'`)."""

    def verify(self, op):
        p = op.parent_op
        if p is None or p.name not in self.parents:
            return f"expects parent op to be one of '{', '.join(self.parents)}'"
        return None


class YieldOp(Op):
    """Yields the element value from the body of `tensor.generate` or the
    padding value from the body of `tensor.pad`.

    ```mlir
    tensor.yield %v : f32
    ```
    """

    name = "tensor.yield"
    traits = [_ParentOneOf("tensor.generate", "tensor.pad"), Pure, ReturnLike, Terminator]
    value = operand(AnyType)
    assembly_format = "$value attr-dict `:` type($value)"


OPS = [EmptyOp, ExtractOp, InsertOp, DimOp, RankOp, CastOp, BitcastOp, FromElementsOp, SplatOp, GenerateOp, YieldOp]
