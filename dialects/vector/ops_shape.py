"""vector ops that build, take apart and reshape vectors in registers.

broadcast, extract, insert, extract_strided_slice, insert_strided_slice,
shape_cast, transpose, from_elements, bitcast, step, create_mask,
constant_mask. Syntax, property names and verifier messages are upstream
MLIR's (LLVM 22); folds are the simple ones upstream has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.memref.custom_directives import PARSE_DYNAMIC_INDEX_LIST, PRINT_DYNAMIC_INDEX_LIST
from mlir_py.dialects.vector.attributes import (
    AnyVectorOfAnyRank,
    AnyVectorOfNonZeroRank,
    VectorOfI1,
    element_type,
    num_elements,
    quoted,
)
from mlir_py.dialects.vector.common import (
    I64ArrayAttrC,
    defining,
    i64_array,
    ints,
    scalar_attr_value,
    splat,
    splat_of,
    take_props,
)

from mlir_py.builtin.constraints import DenseArrayOf, Index
from mlir_py.definition.constraints import AnyType, Predicate
from mlir_py.definition.opdef import Op, operand, prop, result, var_operand
from mlir_py.definition.traits import AllTypesMatch, OpAsmOpInterface, Pure
from mlir_py.ir.builtin_attributes import DenseArrayAttr, DenseElementsAttr
from mlir_py.ir.builtin_types import DYNAMIC, FloatType, IndexType, IntegerType, VectorType, i64

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

#: a position that selects nothing: extract gives poison, insert does nothing (kPoisonIndex)
POISON_INDEX = -1


def _same_element_type(op, a, b) -> str | None:
    if element_type(a) is not element_type(b):
        return "failed to verify that source operand and result have same element type"
    return None


# ----------------------------------------------------------------------------
# broadcast
# ----------------------------------------------------------------------------


def broadcast_error(src, dst: VectorType) -> str | None:
    """isBroadcastableTo: None when `src` (scalar or vector) broadcasts to `dst`, else upstream's message."""
    if not isinstance(src, VectorType):
        return None
    if src.rank > dst.rank:
        return "source rank higher than destination rank"
    lead = dst.rank - src.rank
    ss = src.scalable_dims or (False,) * src.rank
    ds = dst.scalable_dims or (False,) * dst.rank
    for r in range(src.rank):
        sd, dd = src.shape[r], dst.shape[lead + r]
        if sd == 1 and not ss[r]:
            continue
        if sd != dd or ss[r] != ds[lead + r]:
            def show(d, s):
                return f"[{d}]" if s else str(d)
            return f"dimension mismatch ({show(sd, ss[r])} vs. {show(dd, ds[lead + r])})"
    return None


class BroadcastOp(Op):
    """Broadcasts a scalar or a k-D vector to an n-D vector: missing leading
    dimensions are duplicated and trailing unit dimensions stretched.

    ```mlir
    %1 = vector.broadcast %0 : f32 to vector<16xf32>
    %2 = vector.broadcast %1 : vector<16xf32> to vector<4x16xf32>
    ```
    """

    name = "vector.broadcast"
    traits = [Pure]
    source = operand(AnyType)
    vector = result(AnyVectorOfAnyRank)
    assembly_format = "$source attr-dict `:` type($source) `to` type($vector)"

    def verify_(self):
        return _same_element_type(self, self.source.type, self.vector.type) or broadcast_error(
            self.source.type, self.vector.type)

    def fold(self, operands):
        src = self.source
        if src.type is self.vector.type:
            return src
        c = operands[0]
        v = scalar_attr_value(c)
        if v is None:
            v = splat_of(c)
        if v is not None:
            return splat(v, self.vector.type)
        inner = defining(src, BroadcastOp)
        if inner is not None:  # broadcast(broadcast(x)) -> broadcast(x): upstream's BroadcastFolder
            self.set_operand(0, inner.source)
            return self.vector
        return None


# ----------------------------------------------------------------------------
# extract / insert
# ----------------------------------------------------------------------------


def _position_error(pos: list[int], shape, what: str, allow_poison: bool) -> str | None:
    for i, p in enumerate(pos):
        if p == DYNAMIC:
            continue
        if (p < 0 or p >= shape[i]) and not (allow_poison and p == POISON_INDEX):
            if allow_poison:
                return (f"expected position attribute #{i + 1} to be a non-negative integer smaller than the "
                        f"corresponding {what} dimension or poison (-1)")
            return (f"expected position attribute #{i + 1} to be a non-negative integer smaller than the "
                    f"corresponding {what} dimension")
    return None


def extracted_type(src: VectorType, n: int):
    """The type of `vector.extract` at `n` positions: the element type, or the trailing vector."""
    if n >= src.rank:
        return src.element_type
    return VectorType(src.shape[n:], src.element_type, src.scalable_dims[n:] if src.scalable_dims else None)


def _dynamic_count_error(static: list[int], dynamic: list) -> str | None:
    if sum(1 for p in static if p == DYNAMIC) != len(dynamic):
        return ("mismatch between dynamic and static positions (kDynamic marker but no corresponding dynamic "
                "position) -- this can only happen due to an incorrect fold/rewrite")
    return None


class ExtractOp(Op):
    """Takes the element or sub-vector at a position (each index static or an
    `index` value); the result is the element when every dimension is
    indexed, else the trailing sub-vector. `-1` selects poison.

    ```mlir
    %1 = vector.extract %0[3] : vector<8x16xf32> from vector<4x8x16xf32>
    %2 = vector.extract %0[2, %i, 3] : f32 from vector<4x8x16xf32>
    ```
    """

    name = "vector.extract"
    traits = [Pure]
    source = operand(AnyVectorOfAnyRank)
    dynamic_position = var_operand(Index)
    static_position = prop(DenseArrayOf(i64))
    result = result(AnyType)
    assembly_format = ("$source `` custom<DynamicIndexList>($dynamic_position, $static_position) attr-dict "
                       "`:` type($result) `from` type($source)")
    parse_DynamicIndexList = PARSE_DYNAMIC_INDEX_LIST  # noqa: N815 (directive name)
    print_DynamicIndexList = PRINT_DYNAMIC_INDEX_LIST  # noqa: N815

    def __init__(self, source, position, **kw):
        """`ExtractOp(v, [0, i])`: ints are static, values dynamic positions."""
        dyn = [p for p in position if not isinstance(p, int)]
        static = [p if isinstance(p, int) else DYNAMIC for p in position]
        kw.setdefault("result_types", [extracted_type(source.type, len(static))])
        super().__init__(source, dyn, static_position=DenseArrayAttr(i64, tuple(static)), **kw)

    @property
    def position(self) -> list[int]:
        return list(self.static_position.values)

    def mixed_position(self) -> list:
        it = iter(self.dynamic_position)
        return [next(it) if p == DYNAMIC else p for p in self.position]

    def verify_(self):
        src = self.source.type
        pos = self.position
        if len(pos) > src.rank:
            return "expected position attribute of rank no greater than vector rank"
        err = _dynamic_count_error(pos, self.dynamic_position) or _position_error(pos, src.shape, "vector", True)
        if err:
            return err
        want = extracted_type(src, len(pos))
        if self.result.type is not want:  # upstream's InferTypeOpInterface check reports twice
            self.emit_op_error(f"inferred type(s) {quoted(want)} are incompatible with return type(s) of "
                               f"operation {quoted(self.result.type)}")
            return "failed to infer returned types"
        return None

    def fold(self, operands):
        pos = self.position
        if not pos:
            return self.source if self.source.type is self.result.type else None
        if DYNAMIC in pos or POISON_INDEX in pos:
            return None
        v = splat_of(operands[0])
        if v is not None:
            rt = self.result.type
            return splat(v, rt) if isinstance(rt, VectorType) else v_attr(v, rt)
        src = self.source.owner if hasattr(self.source, "owner") else None
        if isinstance(src, BroadcastOp):
            b = src.source
            if b.type is self.result.type:
                return b
            if not isinstance(b.type, VectorType) and not isinstance(self.result.type, VectorType):
                return b
        if isinstance(src, FromElementsOp):
            strides = [1] * src.dest.type.rank
            for i in range(len(strides) - 2, -1, -1):
                strides[i] = strides[i + 1] * src.dest.type.shape[i + 1]
            if len(pos) == len(strides):
                return src.elements[sum(p * st for p, st in zip(pos, strides))]
        if isinstance(src, InsertOp) and src.position == pos and src.value_to_store.type is self.result.type:
            return src.value_to_store
        if isinstance(src, ExtractOp) and DYNAMIC not in src.position and POISON_INDEX not in src.position:
            self.set_operand(0, src.source)  # extract(extract(x, p), q) -> extract(x, p ++ q)
            self.static_position = DenseArrayAttr(i64, tuple(src.position + pos))
            return self.result
        if isinstance(operands[0], DenseElementsAttr) and not isinstance(self.result.type, VectorType):
            return v_attr(operands[0].array[tuple(pos)].item(), self.result.type)
        return None


def v_attr(value, t):
    """A scalar constant attribute of type t."""
    from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
    if isinstance(t, FloatType):
        return FloatAttr(float(value), t)
    return IntegerAttr(int(value), t)


class InsertOp(Op):
    """Writes a scalar or sub-vector into a copy of `dest` at a position
    (static or `index` values); the result has dest's type.

    ```mlir
    %2 = vector.insert %0, %1 [3] : vector<8x16xf32> into vector<4x8x16xf32>
    %5 = vector.insert %3, %4 [2, %i, 3] : f32 into vector<4x8x16xf32>
    ```
    """

    name = "vector.insert"
    traits = [Pure, AllTypesMatch("dest", "result")]
    value_to_store = operand(AnyType)
    dest = operand(AnyVectorOfAnyRank)
    dynamic_position = var_operand(Index)
    static_position = prop(DenseArrayOf(i64))
    result = result(AnyVectorOfAnyRank)
    assembly_format = ("$value_to_store `,` $dest custom<DynamicIndexList>($dynamic_position, $static_position) "
                       "attr-dict `:` type($value_to_store) `into` type($dest)")
    parse_DynamicIndexList = PARSE_DYNAMIC_INDEX_LIST  # noqa: N815
    print_DynamicIndexList = PRINT_DYNAMIC_INDEX_LIST  # noqa: N815

    def __init__(self, value, dest, position, **kw):
        dyn = [p for p in position if not isinstance(p, int)]
        static = [p if isinstance(p, int) else DYNAMIC for p in position]
        kw.setdefault("result_types", [dest.type])
        super().__init__(value, dest, dyn, static_position=DenseArrayAttr(i64, tuple(static)), **kw)

    @property
    def position(self) -> list[int]:
        return list(self.static_position.values)

    def mixed_position(self) -> list:
        it = iter(self.dynamic_position)
        return [next(it) if p == DYNAMIC else p for p in self.position]

    def verify_(self):
        dst = self.dest.type
        pos = self.position
        if len(pos) > dst.rank:
            return "expected position attribute of rank no greater than dest vector rank"
        src = self.value_to_store.type
        if isinstance(src, VectorType):
            if src.rank + len(pos) != dst.rank:
                return "expected position attribute rank + source rank to match dest vector rank"
        elif len(pos) != dst.rank:
            return "expected position attribute rank to match the dest vector rank"
        return _dynamic_count_error(pos, self.dynamic_position) or _position_error(
            pos, dst.shape, "dest vector", False)

    def fold(self, operands):
        pos = self.position
        if not pos and self.value_to_store.type is self.result.type:
            return self.value_to_store
        return None


# ----------------------------------------------------------------------------
# strided slices
# ----------------------------------------------------------------------------


def _confined(vals, lo_hi, name: str) -> str | None:
    for i, (v, (lo, hi)) in enumerate(zip(vals, lo_hi)):
        if not lo <= v < hi:
            return f"expected {name} dimension {i} to be confined to [{lo}, {hi})"
    return None


def _parse_slice_attrs(parser: Parser, names) -> dict:
    props = {}
    for i, n in enumerate(names):
        if i:
            parser.expect(",")
        parser.parse_keyword(n)
        parser.expect("=")
        props[n] = parser.parse_attribute()
    return props


def _print_slice_attrs(printer: Printer, op, names) -> None:
    for i, n in enumerate(names):
        printer.write(", " if i else " ")
        printer.write(f"{n} = ")
        printer.print_attribute(op.properties[n])


class ExtractStridedSliceOp(Op):
    """Takes the slice of a vector that starts at `offsets` and spans `sizes`
    along the leading dimensions (unit strides only); trailing dimensions are
    taken whole.

    ```mlir
    %1 = vector.extract_strided_slice %0 offsets = [0, 2], sizes = [2, 4], strides = [1, 1]
        : vector<4x8x16xf32> to vector<2x4x16xf32>
    ```
    """

    name = "vector.extract_strided_slice"
    traits = [Pure]
    source = operand(AnyVectorOfNonZeroRank)
    offsets = prop(I64ArrayAttrC)
    sizes = prop(I64ArrayAttrC)
    strides = prop(I64ArrayAttrC)
    result = result(AnyVectorOfAnyRank)
    _NAMES = ("offsets", "sizes", "strides")

    def __init__(self, source, offsets, sizes, strides=None, **kw):
        src = source.type
        shape = list(sizes) + list(src.shape[len(sizes):])
        kw.setdefault("result_types", [VectorType(shape, src.element_type)])
        super().__init__(source, offsets=i64_array(offsets), sizes=i64_array(sizes),
                         strides=i64_array(strides or [1] * len(sizes)), **kw)

    @classmethod
    def parse(cls, parser: Parser) -> ExtractStridedSliceOp:
        u = parser.parse_operand()
        props = _parse_slice_attrs(parser, cls._NAMES)
        attrs = parser.parse_optional_attr_dict()
        props.update(take_props(attrs, cls._NAMES))
        parser.expect(":")
        src = parser.parse_type()
        parser.parse_keyword("to")
        dst = parser.parse_type()
        return cls.create([parser.resolve_operand(u, src)], [dst], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.source)
        _print_slice_attrs(printer, self, self._NAMES)
        printer.print_optional_attr_dict(self.attributes, self._NAMES)
        printer.write(" : ")
        printer.print_type(self.source.type)
        printer.write(" to ")
        printer.print_type(self.result.type)

    def verify_(self):
        src = self.source.type
        offs, sizes, strides = ints(self.offsets), ints(self.sizes), ints(self.strides)
        for n, v in zip(self._NAMES, (offs, sizes, strides)):
            if len(v) > src.rank:
                return f"expected {n} attribute of rank no greater than vector rank"
        if not len(offs) == len(sizes) == len(strides):
            return "expected offsets, sizes and strides attributes of same size"
        shape = src.shape
        err = (_confined(offs, [(0, d) for d in shape], "offsets")
               or _confined(sizes, [(1, d + 1) for d in shape], "sizes"))
        if err:
            return err
        if any(s != 1 for s in strides):
            return "expected strides to be confined to [1, 2)"
        for i, (o, s) in enumerate(zip(offs, sizes)):
            if not 1 <= o + s <= shape[i]:
                return f"expected sum(offsets, sizes) dimension {i} to be confined to [1, {shape[i] + 1})"
        scal = src.scalable_dims[:len(sizes)] if src.scalable_dims else None
        for i, sc in enumerate(scal or ()):
            if sc and (offs[i] != 0 or sizes[i] != shape[i]):
                return f"expected size at idx={i} to match the corresponding base size from the input vector"
        want = VectorType(list(sizes) + list(shape[len(sizes):]), src.element_type, src.scalable_dims)
        if self.result.type is not want:
            return f"expected result type to be {quoted(want)}"
        return None

    def fold(self, operands):
        if self.source.type is self.result.type:
            return self.source
        v = splat_of(operands[0])
        if v is not None:
            return splat(v, self.result.type)
        return None


class InsertStridedSliceOp(Op):
    """Writes a vector into a copy of `dest` at `offsets` (unit strides); the
    source may have lower rank than dest, filling its trailing dimensions.

    ```mlir
    %2 = vector.insert_strided_slice %0, %1 offsets = [0, 0, 2], strides = [1, 1]
        : vector<2x4xf32> into vector<16x4x8xf32>
    ```
    """

    name = "vector.insert_strided_slice"
    traits = [Pure, AllTypesMatch("dest", "res")]
    value_to_store = operand(AnyVectorOfNonZeroRank)
    dest = operand(AnyVectorOfNonZeroRank)
    offsets = prop(I64ArrayAttrC)
    strides = prop(I64ArrayAttrC)
    res = result(AnyVectorOfNonZeroRank)
    _NAMES = ("offsets", "strides")

    def __init__(self, value, dest, offsets, strides=None, **kw):
        kw.setdefault("result_types", [dest.type])
        super().__init__(value, dest, offsets=i64_array(offsets),
                         strides=i64_array(strides or [1] * value.type.rank), **kw)

    @classmethod
    def parse(cls, parser: Parser) -> InsertStridedSliceOp:
        a = parser.parse_operand()
        parser.expect(",")
        b = parser.parse_operand()
        props = _parse_slice_attrs(parser, cls._NAMES)
        attrs = parser.parse_optional_attr_dict()
        props.update(take_props(attrs, cls._NAMES))
        parser.expect(":")
        src = parser.parse_type()
        parser.parse_keyword("into")
        dst = parser.parse_type()
        return cls.create([parser.resolve_operand(a, src), parser.resolve_operand(b, dst)], [dst], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operands([self.value_to_store, self.dest])
        _print_slice_attrs(printer, self, self._NAMES)
        printer.print_optional_attr_dict(self.attributes, self._NAMES)
        printer.write(" : ")
        printer.print_type(self.value_to_store.type)
        printer.write(" into ")
        printer.print_type(self.dest.type)

    def verify_(self):
        src, dst = self.value_to_store.type, self.dest.type
        offs, strides = ints(self.offsets), ints(self.strides)
        if len(offs) != dst.rank:
            return "expected offsets of same size as destination vector rank"
        if len(strides) != src.rank:
            return "expected strides of same size as source vector rank"
        if src.rank > dst.rank:
            return "expected source rank to be no greater than destination rank"
        err = _confined(offs, [(0, d) for d in dst.shape], "offsets")
        if err:
            return err
        if any(s != 1 for s in strides):
            return "expected strides to be confined to [1, 2)"
        full = [1] * (dst.rank - src.rank) + list(src.shape)
        for i, (o, s) in enumerate(zip(offs, full)):
            if not 1 <= o + s <= dst.shape[i]:
                return (f"expected sum(offsets, source vector shape) dimension {i} to be confined to "
                        f"[1, {dst.shape[i] + 1})")
        if src.element_type is not dst.element_type:
            return "failed to verify that all of {valueToStore, dest} have same element type"
        return None

    def fold(self, operands):
        if self.value_to_store.type is self.dest.type:
            return self.value_to_store
        return None


# ----------------------------------------------------------------------------
# shape_cast, transpose, bitcast
# ----------------------------------------------------------------------------


class ShapeCastOp(Op):
    """Reinterprets a vector with another shape of the same number of elements
    (row-major order is kept).

    ```mlir
    %1 = vector.shape_cast %0 : vector<4x3xf32> to vector<12xf32>
    ```
    """

    name = "vector.shape_cast"
    traits = [Pure]
    source = operand(AnyVectorOfAnyRank)
    result = result(AnyVectorOfAnyRank)
    assembly_format = "$source attr-dict `:` type($source) `to` type($result)"

    def verify_(self):
        s, r = self.source.type, self.result.type
        if s.element_type is not r.element_type:
            return (f"source element type ({quoted(s.element_type)}) does not match result element type "
                    f"({quoted(r.element_type)})")
        ns, nr = num_elements(s), num_elements(r)
        if ns != nr:
            return f"has different number of elements at source ({ns}) and result ({nr})"
        if sum(s.scalable_dims or ()) != sum(r.scalable_dims or ()):
            return "has different number of scalable dims at source ({}) and result ({})".format(
                sum(s.scalable_dims or ()), sum(r.scalable_dims or ()))
        return None

    def fold(self, operands):
        src, res = self.source, self.result.type
        if src.type is res:
            return src
        v = splat_of(operands[0])
        if v is not None:
            return splat(v, res)
        if isinstance(operands[0], DenseElementsAttr):
            return DenseElementsAttr(operands[0].array.reshape(res.shape), res)
        inner = defining(src, ShapeCastOp)
        if inner is not None:  # shape_cast(shape_cast(x)) -> shape_cast(x), or x
            if inner.source.type is res:
                return inner.source
            self.set_operand(0, inner.source)
            return self.result
        return None

    @classmethod
    def get_canonicalization_patterns(cls):
        from mlir_py.dialects.vector.canonicalize import shape_cast_of_broadcast
        return [shape_cast_of_broadcast]


class TransposeOp(Op):
    """Permutes the dimensions of a vector: result dimension i is source
    dimension `permutation[i]`.

    ```mlir
    %1 = vector.transpose %0, [1, 0] : vector<2x3xf32> to vector<3x2xf32>
    ```
    """

    name = "vector.transpose"
    traits = [Pure]
    vector = operand(AnyVectorOfAnyRank)
    permutation = prop(DenseArrayOf(i64))
    result = result(AnyVectorOfAnyRank)
    assembly_format = "$vector `,` $permutation attr-dict `:` type($vector) `to` type($result)"

    def __init__(self, vector, permutation, **kw):
        t = vector.type
        sc = t.scalable_dims
        kw.setdefault("result_types", [VectorType([t.shape[p] for p in permutation], t.element_type,
                                                  [sc[p] for p in permutation] if sc else None)])
        super().__init__(vector, permutation=DenseArrayAttr(i64, tuple(permutation)), **kw)

    @property
    def perm(self) -> list[int]:
        return list(self.permutation.values)

    def verify_(self):
        s, r = self.vector.type, self.result.type
        perm = self.perm
        if s.rank != r.rank:
            return f"vector result rank mismatch: {r.rank}"
        if len(perm) != s.rank:
            return f"transposition length mismatch: {len(perm)}"
        seen = [False] * s.rank
        for i, p in enumerate(perm):
            if p < 0 or p >= s.rank:
                return f"transposition index out of range: {p}"
            if seen[p]:
                return f"duplicate position index: {p}"
            seen[p] = True
            if r.shape[i] != s.shape[p]:
                return f"dimension size mismatch at: {p}"
        return None

    def fold(self, operands):
        perm = self.perm
        if perm == sorted(perm):
            return self.vector
        v = splat_of(operands[0])
        if v is not None:
            return splat(v, self.result.type)
        inner = defining(self.vector, TransposeOp)
        if inner is not None:  # transpose(transpose(x, p), q) -> transpose(x, p o q)
            composed = [inner.perm[q] for q in perm]
            self.set_operand(0, inner.vector)
            self.permutation = DenseArrayAttr(i64, tuple(composed))
            return self.result
        return None


def _bits(t) -> int:
    et = t.element_type
    if isinstance(et, IndexType):
        return 0
    return et.width


class BitCastOp(Op):
    """Reinterprets the bits of a vector: only the innermost dimension may
    change size, keeping the bit width of each 1-D row.

    ```mlir
    %1 = vector.bitcast %0 : vector<5x1x4x3xf32> to vector<5x1x4x6xi16>
    ```
    """

    name = "vector.bitcast"
    traits = [Pure]
    source = operand(AnyVectorOfAnyRank)
    result = result(AnyVectorOfAnyRank)
    assembly_format = "$source attr-dict `:` type($source) `to` type($result)"

    def verify_(self):
        s, r = self.source.type, self.result.type
        if s.rank != r.rank:
            return "failed to verify that all of {source, result} have same rank"
        for i in range(s.rank - 1):
            if s.shape[i] != r.shape[i]:
                return "dimension size mismatch at: " + str(i)
        sb = _bits(s) * (s.shape[-1] if s.rank else 1)
        rb = _bits(r) * (r.shape[-1] if r.rank else 1)
        if sb != rb:
            return "source/result bitwidth of the minor 1-D vectors must be equal"
        return None

    def fold(self, operands):
        if self.source.type is self.result.type:
            return self.source
        inner = defining(self.source, BitCastOp)
        if inner is not None and inner.source.type is self.result.type:
            return inner.source
        return None


# ----------------------------------------------------------------------------
# building vectors
# ----------------------------------------------------------------------------


class FromElementsOp(Op):
    """Builds a vector from scalars, in row-major order (one per element).

    ```mlir
    %1 = vector.from_elements %a, %b, %c : vector<3xf32>
    %2 = vector.from_elements %a, %b, %c, %d, %e, %f : vector<2x3xf32>
    ```
    """

    name = "vector.from_elements"
    traits = [Pure]
    elements = var_operand(AnyType)
    dest = result(AnyVectorOfAnyRank)

    @classmethod
    def parse(cls, parser: Parser) -> FromElementsOp:
        start = parser.skip_ws()
        us = parser.parse_operand_list()
        attrs = parser.parse_optional_attr_dict()
        parser.expect(":")
        t = parser.parse_type()
        if not isinstance(t, VectorType):
            raise parser.error(f"invalid kind of type specified: expected builtin.vector, but found '{t}'")
        n = num_elements(t)
        if len(us) != n:
            raise parser.error(f"custom op '{cls.name}' number of operands and types do not match: got "
                               f"{len(us)} operands and {n} types", start)
        return cls.create([parser.resolve_operand(u, t.element_type) for u in us], [t], {}, attrs)

    def print(self, printer: Printer) -> None:
        if self.elements:
            printer.write(" ")
            printer.print_operands(self.elements)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.dest.type)

    def verify_(self):
        t = self.dest.type
        if len(self.elements) != num_elements(t):
            return ("failed to verify that operand types match result element type")
        if any(e.type is not t.element_type for e in self.elements):
            return "failed to verify that operand types match result element type"
        return None

    def fold(self, operands):
        if operands and all(scalar_attr_value(a) is not None for a in operands):
            import numpy as np
            vals = np.array([scalar_attr_value(a) for a in operands]).reshape(self.dest.type.shape)
            return DenseElementsAttr(vals, self.dest.type)
        return None


IntOrIndexVector1D = Predicate(lambda t: isinstance(t, VectorType) and t.rank == 1
                               and isinstance(t.element_type, (IndexType, IntegerType)),
                               "vector of index values of ranks 1")


class StepOp(Op):
    """The vector `[0, 1, 2, ..., N-1]` of index type (a linear sequence).

    ```mlir
    %0 = vector.step : vector<4xindex>
    ```
    """

    name = "vector.step"
    traits = [Pure]
    result = result(IntOrIndexVector1D)
    assembly_format = "attr-dict `:` type($result)"


class VectorScaleOp(Op):
    """The runtime multiple of the scalable dimensions (`vector<[4]xf32>` holds
    `4 * vscale` lanes); 1 on targets without scalable vectors.

    ```mlir
    %vscale = vector.vscale
    ```
    """

    name = "vector.vscale"
    traits = [Pure, OpAsmOpInterface]
    res = result(Index)
    assembly_format = "attr-dict"

    def get_asm_result_name(self) -> str:
        return "vscale"


class CreateMaskOp(Op):
    """A mask that is set in the box `[0, %bound_i)` of each dimension (bounds
    are clamped to the vector's size).

    ```mlir
    %1 = vector.create_mask %c3, %c2 : vector<4x3xi1>
    ```
    """

    name = "vector.create_mask"
    traits = [Pure]
    operands_ = var_operand(Index)
    result = result(VectorOfI1)
    assembly_format = "$operands_ attr-dict `:` type(results)"

    def verify_(self):
        if len(self.operands_) != self.result.type.rank:
            return "must specify an operand for each result vector dimension"
        return None

    @classmethod
    def get_canonicalization_patterns(cls):
        from mlir_py.dialects.vector.canonicalize import create_mask_to_constant_mask
        return [create_mask_to_constant_mask]


class ConstantMaskOp(Op):
    """A mask set in the box `[0, mask_dim_sizes[i])`; all-false when any size is 0.

    ```mlir
    %1 = vector.constant_mask [3, 2] : vector<4x3xi1>
    ```
    """

    name = "vector.constant_mask"
    traits = [Pure]
    mask_dim_sizes = prop(DenseArrayOf(i64))
    result = result(VectorOfI1)
    assembly_format = "$mask_dim_sizes attr-dict `:` type(results)"

    @property
    def sizes(self) -> list[int]:
        return list(self.mask_dim_sizes.values)

    def verify_(self):
        t = self.result.type
        sizes = self.sizes
        if len(sizes) != t.rank:
            return "must specify array attr of size equal vector result rank"
        for s, d in zip(sizes, t.shape):
            if s < 0 or s > d:
                return "array attr of size out of bounds of vector result dimension size"
        if any(s == 0 for s in sizes) and any(s != 0 for s in sizes):
            return "expected all mask dim sizes to be zeros, as a result of conjunction with zero mask dim"
        return None

    def fold(self, operands):
        t = self.result.type
        sizes = self.sizes
        if all(s == d for s, d in zip(sizes, t.shape)) and not any(t.scalable_dims or ()):
            return splat(True, t)
        if all(s == 0 for s in sizes):
            return splat(False, t)
        return None


OPS = [BroadcastOp, ExtractOp, InsertOp, ExtractStridedSliceOp, InsertStridedSliceOp, ShapeCastOp, TransposeOp,
       BitCastOp, FromElementsOp, StepOp, VectorScaleOp, CreateMaskOp, ConstantMaskOp]
