"""memref ops that produce new views of existing buffers (no data moves).

cast, memory_space_cast, subview, reinterpret_cast, view, transpose,
extract_strided_metadata, extract_aligned_pointer_as_index,
assume_alignment and distinct_objects (reshapes are in `reshape_ops.py`).
Verifiers follow upstream MemRefOps.cpp; type-valued diagnostics quote the
type (`'memref<4xf32>'`) as MLIR's diagnostics do.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from mlir_py.dialects.memref.constraints import (
    AnyRankedOrUnrankedMemRef,
    AnyStridedMemRef,
    PositiveI32Attr,
    Rank1I8MemRef,
    RankedMemRef,
    Strided0DMemRef,
)
from mlir_py.dialects.memref.custom_directives import (
    PARSE_DYNAMIC_INDEX_LIST,
    PRINT_DYNAMIC_INDEX_LIST,
    parse_bare_affine_map,
)
from mlir_py.dialects.memref.layout import (
    canonicalize_strided_layout,
    is_identity_layout,
    sat_add,
    sat_mul,
    strides_and_offset,
    with_layout,
)

from mlir_py.builtin.constraints import DenseArrayOf, Index
from mlir_py.definition.opdef import Op, operand, prop, result, var_operand, var_result
from mlir_py.definition.traits import (
    CastOpInterface,
    OpAsmOpInterface,
    Pure,
    SameOperandsAndResultElementType,
    SameOperandsAndResultShape,
    SameOperandsAndResultType,
    Trait,
    ViewLikeOpInterface,
)
from mlir_py.ir.builtin_attributes import AffineMapAttr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, UnrankedMemRefType, i64, index
from mlir_py.text.dynamic_index_list import dispatch_index_list, mixed_index_list

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

I64Array = DenseArrayOf(i64, "i64 dense array attribute")


def _q(t) -> str:
    """A type as MLIR diagnostics print it: quoted."""
    return f"'{t}'"


# ----------------------------------------------------------------------------
# Casts
# ----------------------------------------------------------------------------


class CastOpVerifier(CastOpInterface):
    """CastOpInterface's verifier: the op's `are_cast_compatible(ins, outs)`."""

    def verify(self, op):
        ins = [o.value.type for o in op._operands]
        outs = [r.type for r in op.results]
        if not outs:
            return "expected at least one result for cast operation"
        if not type(op).are_cast_compatible(ins, outs):
            what = " " + _q(ins[0]) if len(ins) == 1 else "s " + ", ".join(map(_q, ins))
            res = " " + _q(outs[0]) if len(outs) == 1 else "s " + ", ".join(map(_q, outs))
            return f"operand type{what} and result type{res} are cast incompatible"
        return None


class CastOp(Op):
    """Converts a memref to an equivalent type: static and dynamic sizes,
    offsets and strides may trade places (a dynamic-to-static cast asserts at
    run time), and ranked/unranked forms convert into each other.

    ```mlir
    %1 = memref.cast %0 : memref<4x?xf32> to memref<?x?xf32>
    ```
    """

    name = "memref.cast"
    traits = [CastOpVerifier, OpAsmOpInterface, Pure, SameOperandsAndResultShape, ViewLikeOpInterface]
    source = operand(AnyRankedOrUnrankedMemRef)
    dest = result(AnyRankedOrUnrankedMemRef)
    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"

    def get_asm_result_name(self) -> str:
        return "cast"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.source

    @staticmethod
    def are_cast_compatible(ins, outs) -> bool:
        if len(ins) != 1 or len(outs) != 1:
            return False
        a, b = ins[0], outs[0]
        if isinstance(a, MemRefType) and isinstance(b, MemRefType):
            if a.element_type is not b.element_type:
                return False
            if a.layout is not b.layout:
                sa, sb = strides_and_offset(a), strides_and_offset(b)
                if sa is None or sb is None or len(sa[0]) != len(sb[0]):
                    return False

                def ok(x: int, y: int) -> bool:
                    return x == DYNAMIC or y == DYNAMIC or x == y
                if not ok(sa[1], sb[1]) or not all(ok(x, y) for x, y in zip(sa[0], sb[0])):
                    return False
            if a.memory_space is not b.memory_space or a.rank != b.rank:
                return False
            return all(x == DYNAMIC or y == DYNAMIC or x == y for x, y in zip(a.shape, b.shape))
        memrefs = (MemRefType, UnrankedMemRefType)
        if not isinstance(a, memrefs) or not isinstance(b, memrefs):
            return False
        if isinstance(a, UnrankedMemRefType) and isinstance(b, UnrankedMemRefType):
            return False
        return a.element_type is b.element_type and a.memory_space is b.memory_space


class MemorySpaceCastOp(Op):
    """Moves a memref to another memory space; shape, element type and
    layout stay the same.

    ```mlir
    %1 = memref.memory_space_cast %0 : memref<?xf32, 5> to memref<?xf32>
    ```
    """

    name = "memref.memory_space_cast"
    traits = [CastOpVerifier, OpAsmOpInterface, Pure, SameOperandsAndResultElementType,
              SameOperandsAndResultShape, ViewLikeOpInterface]
    source = operand(AnyRankedOrUnrankedMemRef)
    dest = result(AnyRankedOrUnrankedMemRef)
    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"

    def get_asm_result_name(self) -> str:
        return "memspacecast"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.source

    @staticmethod
    def are_cast_compatible(ins, outs) -> bool:
        if len(ins) != 1 or len(outs) != 1:
            return False
        a, b = ins[0], outs[0]
        if isinstance(a, MemRefType) and isinstance(b, MemRefType):
            return a.element_type is b.element_type and a.layout is b.layout and a.shape == b.shape
        if isinstance(a, UnrankedMemRefType) and isinstance(b, UnrankedMemRefType):
            return a.element_type is b.element_type
        return False


# ----------------------------------------------------------------------------
# Offsets, sizes and strides (subview, reinterpret_cast)
# ----------------------------------------------------------------------------


class OffsetSizeAndStrideVerifier(Trait):
    """OffsetSizeAndStrideOpInterface's verifier (ViewLikeInterface.cpp)."""

    def verify(self, op):
        ranks = op.array_attr_max_ranks()
        so, ss, st = op.static_offsets, op.static_sizes, op.static_strides
        if so is None or ss is None or st is None:
            return None  # the missing attribute is reported by the definition check
        n_off, n_size, n_stride = len(so), len(ss), len(st)
        if not (n_off == 1 and ranks[0] == 1) and n_off != n_size:
            op.emit_error(f"expected mixed offsets rank to match mixed sizes rank ({n_off} vs {n_size}) so the "
                          f"rank of the result type is well-formed.")
            return ""
        if n_size != n_stride:
            op.emit_error(f"expected mixed sizes rank to match mixed strides rank ({n_size} vs {n_stride}) so "
                          f"the rank of the result type is well-formed.")
            return ""
        for name, n, static, values in (("offset", ranks[0], so, op.offsets), ("size", ranks[1], ss, op.sizes),
                                        ("stride", ranks[2], st, op.strides)):
            if len(static) != n:
                op.emit_error(f"expected {n} {name} values, got {len(static)}")
                return ""
            n_dyn = sum(1 for x in static.values if x == DYNAMIC)
            if len(values) != n_dyn:
                op.emit_error(f"expected the number of '{name}s' to match the number of dynamic entries in "
                              f"'static_{name}s' ({len(values)} vs {n_dyn})")
                return ""
        for x in so.values:
            if x < 0 and x != DYNAMIC:
                op.emit_error(f"expected offsets to be non-negative, but got {x}")
                return ""
        for x in ss.values:
            if x < 0 and x != DYNAMIC:
                op.emit_error(f"expected sizes to be non-negative, but got {x}")
                return ""
        return None


class _OffsetsSizesStrides:
    """Accessors shared by subview and reinterpret_cast."""

    __slots__ = ()

    @property
    def mixed_offsets(self) -> list:
        return mixed_index_list(self.offsets, self.static_offsets)

    @property
    def mixed_sizes(self) -> list:
        return mixed_index_list(self.sizes, self.static_sizes)

    @property
    def mixed_strides(self) -> list:
        return mixed_index_list(self.strides, self.static_strides)

    parse_DynamicIndexList = PARSE_DYNAMIC_INDEX_LIST  # noqa: N815 (directive name)
    print_DynamicIndexList = PRINT_DYNAMIC_INDEX_LIST  # noqa: N815


def infer_subview_type(source: MemRefType, offsets, sizes, strides) -> MemRefType:
    """SubViewOp::inferResultType: sizes as given, strides and offset composed
    with the source's (DYNAMIC where unknown)."""
    src_strides, src_offset = strides_and_offset(source)
    offset = src_offset
    for o, s in zip(offsets, src_strides):
        offset = sat_add(offset, sat_mul(o, s))
    new_strides = [sat_mul(s, t) for s, t in zip(src_strides, strides)]
    return with_layout(MemRefType(tuple(sizes), source.element_type, None, source.memory_space),
                       new_strides, offset)


def _rank_reduction_mask(orig, reduced) -> set[int] | None:
    """computeRankReductionMask: the unit dims of `orig` dropped to get `reduced`."""
    unused: set[int] = set()
    j = 0
    for i, d in enumerate(orig):
        if j < len(reduced) and d == reduced[j]:
            j += 1
            continue
        unused.add(i)
        if d != 1:
            return None
    return unused if j == len(reduced) else None


def _memref_rank_reduction_mask(orig: MemRefType, reduced: MemRefType, sizes) -> set[int] | None:
    """computeMemRefRankReductionMask: like the shape-only mask but a dropped
    unit dim must also drop its stride (tells apart several unit dims)."""
    unused: set[int] = set()
    if orig.rank == reduced.rank:
        return unused
    unused = {i for i, s in enumerate(sizes) if isinstance(s, int) and s == 1}
    if len(unused) + reduced.rank == orig.rank:
        return unused
    so, sr = strides_and_offset(orig), strides_and_offset(reduced)
    if so is None or sr is None:
        return None
    have, want = Counter(so[0]), Counter(sr[0])
    for dim in sorted(unused):
        st = so[0][dim]
        if have[st] > want[st]:
            have[st] -= 1
        elif have[st] == want[st]:
            unused.discard(dim)
        else:
            return None
    return unused if len(unused) + reduced.rank == orig.rank else None


class SubViewOp(_OffsetsSizesStrides, Op):
    """A view of a rectangular part of a memref: per dimension an offset, a
    size and a stride, each static or an `index` value. Unit dimensions may be
    dropped from the result (rank reduction).

    ```mlir
    %1 = memref.subview %0[%i, 4] [2, 2] [1, 1] : memref<8x8xf32> to memref<2x2xf32, strided<[8, 1], offset: ?>>
    ```
    """

    name = "memref.subview"
    traits = [OpAsmOpInterface, ViewLikeOpInterface, OffsetSizeAndStrideVerifier, Pure]
    source = operand(RankedMemRef)
    offsets = var_operand(Index)
    sizes = var_operand(Index)
    strides = var_operand(Index)
    static_offsets = prop(I64Array)
    static_sizes = prop(I64Array)
    static_strides = prop(I64Array)
    result = result(RankedMemRef)
    assembly_format = ("$source `` custom<DynamicIndexList>($offsets, $static_offsets) "
                       "custom<DynamicIndexList>($sizes, $static_sizes) "
                       "custom<DynamicIndexList>($strides, $static_strides) "
                       "attr-dict `:` type($source) `to` type($result)")

    def get_asm_result_name(self) -> str:
        return "subview"

    @classmethod
    def build_mixed(cls, source, offsets, sizes, strides, result_type=None, **kw) -> SubViewOp:
        """Build from lists mixing ints and `index` values; without `result_type`
        the result type is inferred (no rank reduction)."""
        (vo, so), (vs, ss), (vt, st) = (dispatch_index_list(x) for x in (offsets, sizes, strides))
        if result_type is None:
            result_type = infer_subview_type(source.type, so.values, ss.values, st.values)
        return cls(source, vo, vs, vt, static_offsets=so, static_sizes=ss, static_strides=st,
                   result_types=[result_type], **kw)

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.source

    def array_attr_max_ranks(self) -> tuple[int, int, int]:
        r = self.source.type.rank
        return r, r, r

    def verify_(self):
        base, sub = self.source.type, self.result.type
        so, ss, st = self.static_offsets.values, self.static_sizes.values, self.static_strides.values
        if base.memory_space is not sub.memory_space:
            self.emit_error(f"different memory spaces specified for base memref type {_q(base)} and subview "
                            f"memref type {_q(sub)}")
            return ""
        if strides_and_offset(base) is None:
            self.emit_error(f"base type {_q(base)} is not strided")
            return ""
        expected = infer_subview_type(base, so, ss, st)

        def fail(msg: str) -> str:
            self.emit_error(msg)
            return ""
        layout_msg = (f"expected result type to be {_q(expected)} or a rank-reduced version. (mismatch of result "
                      f"layout), but got {_q(sub)}")
        if expected is not sub:
            if sub.rank > expected.rank:
                return fail(f"expected result rank to be smaller or equal to the source rank, but got {_q(sub)}")
            if _rank_reduction_mask(expected.shape, sub.shape) is None:
                return fail(f"expected result type to be {_q(expected)} or a rank-reduced version. (mismatch of "
                            f"result sizes), but got {_q(sub)}")
            if expected.element_type is not sub.element_type:
                return fail(f"expected result element type to be {_q(expected.element_type)}, but got {_q(sub)}")
        es, ss_ = strides_and_offset(expected), strides_and_offset(sub)
        if es is None or ss_ is None or es[1] != ss_[1]:
            return fail(layout_msg)
        dropped = _memref_rank_reduction_mask(expected, sub, self.mixed_sizes)
        if dropped is None:
            return fail(layout_msg)
        kept = [s for i, s in enumerate(es[0]) if i not in dropped]
        if kept != list(ss_[0]):
            return fail(layout_msg)
        for i, d in enumerate(base.shape):
            if d == DYNAMIC or so[i] == DYNAMIC:
                continue
            if so[i] >= d:
                return fail(f"offset {i} is out-of-bounds: {so[i]} >= {d}")
            if ss[i] == DYNAMIC or st[i] == DYNAMIC:
                continue
            last = so[i] + (ss[i] - 1) * st[i]
            if last >= d:
                return fail(f"slice along dimension {i} runs out-of-bounds: {last} >= {d}")
        return None


class ReinterpretCastOp(_OffsetsSizesStrides, Op):
    """A view of the source's underlying buffer with a new offset, sizes and
    strides (relative to the buffer's base, unlike subview).

    ```mlir
    %1 = memref.reinterpret_cast %0 to offset: [0], sizes: [%n, 10], strides: [10, 1]
        : memref<*xf32> to memref<?x10xf32, strided<[10, 1]>>
    ```
    """

    name = "memref.reinterpret_cast"
    traits = [OpAsmOpInterface, OffsetSizeAndStrideVerifier, Pure, ViewLikeOpInterface]
    source = operand(AnyRankedOrUnrankedMemRef)
    offsets = var_operand(Index)
    sizes = var_operand(Index)
    strides = var_operand(Index)
    static_offsets = prop(I64Array)
    static_sizes = prop(I64Array)
    static_strides = prop(I64Array)
    result = result(AnyStridedMemRef)
    assembly_format = ("$source `to` `offset` `` `:` custom<DynamicIndexList>($offsets, $static_offsets) "
                       "`` `,` `sizes` `` `:` custom<DynamicIndexList>($sizes, $static_sizes) "
                       "`` `,` `strides` `` `:` custom<DynamicIndexList>($strides, $static_strides) "
                       "attr-dict `:` type($source) `to` type($result)")

    def get_asm_result_name(self) -> str:
        return "reinterpret_cast"

    @classmethod
    def build_mixed(cls, source, offset, sizes, strides, result_type=None, **kw) -> ReinterpretCastOp:
        """Build from an offset and lists mixing ints and `index` values; without
        `result_type` it is the strided type they describe."""
        (vo, so), (vs, ss), (vt, st) = (dispatch_index_list(x) for x in ([offset], sizes, strides))
        if result_type is None:
            src = source.type
            result_type = with_layout(MemRefType(ss.values, src.element_type, None, src.memory_space), st.values,
                                      so.values[0])
        return cls(source, vo, vs, vt, static_offsets=so, static_sizes=ss, static_strides=st,
                   result_types=[result_type], **kw)

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.source

    def array_attr_max_ranks(self) -> tuple[int, int, int]:
        r = self.result.type.rank
        return 1, r, r

    def verify_(self):
        src, res = self.source.type, self.result.type

        def fail(msg: str) -> str:
            self.emit_error(msg)
            return ""
        if src.memory_space is not res.memory_space:
            return fail(f"different memory spaces specified for source type {_q(src)} and result memref type "
                        f"{_q(res)}")
        if src.element_type is not res.element_type:
            return fail(f"source element type ({_q(src.element_type)}) does not match result element type "
                        f"({_q(res.element_type)})")

        def show(x: int) -> str:
            return "dynamic" if x == DYNAMIC else str(x)
        for i, (r, e) in enumerate(zip(res.shape, self.static_sizes.values)):
            if r != DYNAMIC and r != e:
                return fail(f"expected result type with size = {show(e)} instead of {r} in dim = {i}")
        so = strides_and_offset(res)
        if so is None:
            return fail(f"expected result type to have strided layout but found {_q(res)}")
        strides, offset = so
        e = self.static_offsets.values[0]
        if offset != DYNAMIC and offset != e:
            return fail(f"expected result type with offset = {show(e)} instead of {offset}")
        for i, (r, e) in enumerate(zip(strides, self.static_strides.values)):
            if r != DYNAMIC and r != e:
                return fail(f"expected result type with stride = {show(e)} instead of {r} in dim = {i}")
        return None


# ----------------------------------------------------------------------------
# view, transpose, reshape
# ----------------------------------------------------------------------------


class ViewOp(Op):
    """An N-D contiguous memref of any element type carved out of a 1-D `i8`
    buffer at a byte shift; one `index` operand per `?` result dimension.

    ```mlir
    %1 = memref.view %0[%shift][%n] : memref<2048xi8> to memref<?x4xf32>
    ```
    """

    name = "memref.view"
    traits = [OpAsmOpInterface, ViewLikeOpInterface, Pure]
    source = operand(Rank1I8MemRef)
    byte_shift = operand(Index)
    sizes = var_operand(Index)
    result = result(RankedMemRef)
    assembly_format = ("$source `[` $byte_shift `]` `` `[` $sizes `]` attr-dict "
                       "`:` type($source) `to` type(results)")

    def get_asm_result_name(self) -> str:
        return "view"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.source

    def verify_(self):
        base, view = self.source.type, self.result.type
        if not is_identity_layout(base):
            self.emit_error(f"unsupported map for base memref type {_q(base)}")
            return ""
        if not is_identity_layout(view):
            self.emit_error(f"unsupported map for result memref type {_q(view)}")
            return ""
        if base.memory_space is not view.memory_space:
            self.emit_error(f"different memory spaces specified for base memref type {_q(base)} and view memref "
                            f"type {_q(view)}")
            return ""
        if len(self.sizes) != view.num_dynamic_dims:
            return f"incorrect number of dynamic sizes, has {len(self.sizes)}, expected {view.num_dynamic_dims}"
        return None


def infer_transpose_type(t: MemRefType, perm) -> MemRefType:
    """The input type with sizes and strides permuted by the map."""
    strides, offset = strides_and_offset(t)
    order = [r.position for r in perm.results]
    shape = tuple(t.shape[i] for i in order)
    return with_layout(MemRefType(shape, t.element_type, None, t.memory_space), [strides[i] for i in order], offset)


class TransposeOp(Op):
    """A view with dimensions permuted by an affine permutation map (sizes and
    strides are permuted; no data moves).

    ```mlir
    %1 = memref.transpose %0 (d0, d1) -> (d1, d0) : memref<?x?xf32> to memref<?x?xf32, strided<[1, ?]>>
    ```
    """

    name = "memref.transpose"
    traits = [OpAsmOpInterface, Pure]
    in_ = operand(AnyStridedMemRef)
    permutation = prop(AffineMapAttr)
    result = result(AnyStridedMemRef)
    #: the custom form prints the map itself, so it gets no `#map` alias
    properties_printed_inline = ("permutation",)

    def get_asm_result_name(self) -> str:
        return "transpose"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.in_

    @classmethod
    def parse(cls, parser: Parser) -> TransposeOp:
        u = parser.parse_operand()
        perm = parse_bare_affine_map(parser)
        attrs = parser.parse_optional_attr_dict()
        parser.expect(":")
        src = parser.parse_type()
        v = parser.resolve_operand(u, src)
        parser.parse_keyword("to")
        dst = parser.parse_type()
        props = {"permutation": perm}
        if "permutation" in attrs:
            attrs.pop("permutation")
        return cls.create([v], [dst], props, attrs)

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.in_)
        w(" ")
        w(str(self.permutation.value))
        printer.print_optional_attr_dict(self.attributes, ("permutation",))
        w(" : ")
        printer.print_type(self.in_.type)
        w(" to ")
        printer.print_type(self.result.type)

    def verify_(self):
        perm = self.permutation.value
        if not perm.is_permutation():
            return "expected a permutation map"
        src, res = self.in_.type, self.result.type
        if perm.num_dims != src.rank:
            return "expected a permutation map of same rank as the input"
        canonical = canonicalize_strided_layout(infer_transpose_type(src, perm))
        if canonicalize_strided_layout(res) is not canonical:
            return (f"result type {_q(canonicalize_strided_layout(res))} is not equivalent to the canonical "
                    f"transposed input type {_q(canonical)}")
        return None


# ----------------------------------------------------------------------------
# Metadata
# ----------------------------------------------------------------------------


class ExtractStridedMetadataOp(Op):
    """Splits a strided memref into its 0-D base buffer, offset, sizes and
    strides (the inverse of reinterpret_cast on the base).

    ```mlir
    %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %m
        : memref<10x?xf32> -> memref<f32>, index, index, index, index, index
    ```
    """

    name = "memref.extract_strided_metadata"
    traits = [OpAsmOpInterface, Pure, ViewLikeOpInterface]
    source = operand(AnyStridedMemRef)
    base_buffer = result(Strided0DMemRef)
    offset = result(Index)
    #: the sizes then the strides (upstream's two same-sized variadic groups)
    sizes_and_strides = var_result(Index)

    @property
    def sizes(self) -> list:
        r = self.sizes_and_strides
        return r[:len(r) // 2]

    @property
    def strides(self) -> list:
        r = self.sizes_and_strides
        return r[len(r) // 2:]

    def get_asm_result_name(self) -> dict[int, str]:
        names = {0: "base_buffer", 1: "offset"}
        rank = (len(self.results) - 2) // 2
        if rank:
            names[2] = "sizes"
            names[2 + rank] = "strides"
        return names

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.source

    @staticmethod
    def infer_types(source) -> list | None:
        if not isinstance(source, MemRefType):
            return None
        base = MemRefType((), source.element_type, None, source.memory_space)
        return [base, index] + [index] * (2 * source.rank)

    @classmethod
    def infer_result_types(cls, operands, props):
        return cls.infer_types(operands[0].type)

    @classmethod
    def parse(cls, parser: Parser) -> ExtractStridedMetadataOp:
        u = parser.parse_operand()
        parser.expect(":")
        t = parser.parse_type()
        v = parser.resolve_operand(u, t)
        parser.expect("->")
        types = [parser.parse_type()]
        while parser.parse_optional(","):
            types.append(parser.parse_type())
        attrs = parser.parse_optional_attr_dict()
        return cls.create([v], types, {}, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.source)
        printer.write(" : ")
        printer.print_type(self.source.type)
        printer.write(" -> ")
        printer.print_types(r.type for r in self.results)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self):
        inferred = self.infer_types(self.source.type)
        actual = [r.type for r in self.results]
        if inferred != actual:
            return (f"inferred type(s) {', '.join(map(_q, inferred or []))} are incompatible with return type(s) "
                    f"of operation {', '.join(map(_q, actual))}")
        return None


# ----------------------------------------------------------------------------
# Pointers
# ----------------------------------------------------------------------------


class ExtractAlignedPointerAsIndexOp(Op):
    """The buffer's aligned pointer as an `index` (for lowering only).

    ```mlir
    %p = memref.extract_aligned_pointer_as_index %m : memref<4x4xf32> -> index
    ```
    """

    name = "memref.extract_aligned_pointer_as_index"
    traits = [OpAsmOpInterface, Pure]
    source = operand(AnyRankedOrUnrankedMemRef)
    aligned_pointer = result(Index)
    assembly_format = "$source `:` type($source) `->` type(results) attr-dict"

    def get_asm_result_name(self) -> str:
        return "intptr"


# ----------------------------------------------------------------------------
# Assumptions
# ----------------------------------------------------------------------------


class AssumeAlignmentOp(Op):
    """Returns its operand with the assumption that the buffer is aligned to
    `alignment` bytes (a power of two); misaligned buffers give poison.

    ```mlir
    %a = memref.assume_alignment %m, 16 : memref<4x4xf16>
    ```
    """

    name = "memref.assume_alignment"
    traits = [OpAsmOpInterface, Pure, ViewLikeOpInterface, SameOperandsAndResultType]
    memref = operand(RankedMemRef)
    alignment = prop(PositiveI32Attr)
    result = result(RankedMemRef)
    assembly_format = "$memref `,` $alignment attr-dict `:` type($memref)"

    def get_asm_result_name(self) -> str:
        return "assume_align"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.memref

    def verify_(self):
        a = self.alignment.value
        if a & (a - 1):
            return "alignment must be power of 2"
        return None


class DistinctObjectsOp(Op):
    """Returns its operands unchanged, with the assumption that accesses
    through different results never alias (loads and stores to them may be
    reordered).

    ```mlir
    %a2, %b2 = memref.distinct_objects %a, %b : memref<?xf32>, memref<?xf32>
    ```
    """

    name = "memref.distinct_objects"
    traits = [Pure]
    memrefs = var_operand(RankedMemRef)
    outputs = var_result(RankedMemRef)
    assembly_format = "$memrefs attr-dict `:` type($memrefs)"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [v.type for v in operands]

    def verify_(self):
        if [o.value.type for o in self._operands] != [r.type for r in self.results]:
            return "operand types and result types must match"
        if not self._operands:
            return "expected at least one operand"
        return None


OPS = [CastOp, MemorySpaceCastOp, SubViewOp, ReinterpretCastOp, ViewOp, TransposeOp, ExtractStridedMetadataOp,
       ExtractAlignedPointerAsIndexOp, AssumeAlignmentOp, DistinctObjectsOp]
