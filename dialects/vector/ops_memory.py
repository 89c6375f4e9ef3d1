"""vector ops that move vectors between memory and registers.

load/store (contiguous, no bounds handling), maskedload/maskedstore,
gather/scatter, and the structured transfer_read/transfer_write (permutation
maps, padding, masks, in_bounds), with upstream MLIR's syntax and checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.memref.constraints import AccessAlignment, BoolAttrC
from mlir_py.dialects.vector.attributes import AnyVectorOfAnyRank, AnyVectorOfNonZeroRank, VectorOfI1, quoted
from mlir_py.dialects.vector.common import BoolArrayAttrC, take_props

from mlir_py.builtin.constraints import AffineMapAttrC, Index
from mlir_py.definition.constraints import AnyType, Predicate
from mlir_py.definition.opdef import Op, operand, opt_operand, opt_prop, opt_result, prop, result, var_operand
from mlir_py.definition.traits import MemoryEffects, Read, Write
from mlir_py.ir.affine_expr import AffineConstantExpr, AffineDimExpr, AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr, BoolAttr
from mlir_py.ir.builtin_types import MemRefType, RankedTensorType, VectorType, i1, index

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

MemRefOrTensor = Predicate(lambda t: isinstance(t, (MemRefType, RankedTensorType)),
                           "shaped of any type values")
AnyMemRefC = Predicate(lambda t: isinstance(t, MemRefType), "memref of any type values")
IntOrIndexVector = Predicate(lambda t: isinstance(t, VectorType), "vector of integer or index values")


def _index_count_error(base, n: int) -> str | None:
    if n != base.rank:
        return f"requires {base.rank} indices"
    return None


def _mem_effects(read: bool, write: bool):
    effects = ([Read("base")] if read else []) + ([Write("base")] if write else [])
    return MemoryEffects(*effects)


# ----------------------------------------------------------------------------
# load / store
# ----------------------------------------------------------------------------


class LoadOp(Op):
    """Reads a vector of contiguous elements starting at the indices (the
    innermost dimension must be contiguous); no bounds handling.

    ```mlir
    %1 = vector.load %base[%i, %j] : memref<100x100xf32>, vector<8xf32>
    ```
    """

    name = "vector.load"
    traits = [_mem_effects(True, False)]
    base = operand(AnyMemRefC)
    indices = var_operand(Index)
    nontemporal = opt_prop(BoolAttrC, default=BoolAttr(False))
    alignment = opt_prop(AccessAlignment)
    result = result(AnyVectorOfAnyRank)
    assembly_format = "$base `[` $indices `]` attr-dict `:` type($base) `,` type($result)"

    def verify_(self):
        base, res = self.base.type, self.result.type
        err = _index_count_error(base, len(self.indices))
        if err:
            return err
        if not isinstance(base.element_type, VectorType) and base.element_type is not res.element_type:
            return "base and result element types should match"
        return None


class StoreOp(Op):
    """Writes a vector to contiguous elements starting at the indices.

    ```mlir
    vector.store %v, %base[%i, %j] : memref<100x100xf32>, vector<8xf32>
    ```
    """

    name = "vector.store"
    traits = [_mem_effects(False, True)]
    value_to_store = operand(AnyVectorOfAnyRank)
    base = operand(AnyMemRefC)
    indices = var_operand(Index)
    nontemporal = opt_prop(BoolAttrC, default=BoolAttr(False))
    alignment = opt_prop(AccessAlignment)
    assembly_format = "$value_to_store `,` $base `[` $indices `]` attr-dict `:` type($base) `,` type($value_to_store)"

    def verify_(self):
        base, v = self.base.type, self.value_to_store.type
        err = _index_count_error(base, len(self.indices))
        if err:
            return err
        if not isinstance(base.element_type, VectorType) and base.element_type is not v.element_type:
            return "base and valueToStore element type should match"
        return None


class MaskedLoadOp(Op):
    """A 1-D load where lanes whose mask bit is clear take `pass_thru` instead
    of reading memory (so they may be out of bounds).

    ```mlir
    %0 = vector.maskedload %base[%i], %mask, %pass : memref<?xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
    ```
    """

    name = "vector.maskedload"
    traits = [_mem_effects(True, False)]
    base = operand(AnyMemRefC)
    indices = var_operand(Index)
    mask = operand(VectorOfI1)
    pass_thru = operand(AnyVectorOfNonZeroRank)
    alignment = opt_prop(AccessAlignment)
    result = result(AnyVectorOfNonZeroRank)
    assembly_format = ("$base `[` $indices `]` `,` $mask `,` $pass_thru attr-dict `:` type($base) `,` "
                       "type($mask) `,` type($pass_thru) `into` type($result)")

    def verify_(self):
        base, res = self.base.type, self.result.type
        if base.element_type is not res.element_type:
            return "base and result element type should match"
        err = _index_count_error(base, len(self.indices))
        if err:
            return err
        if self.mask.type.shape != res.shape:
            return "expected result shape to match mask shape"
        if self.pass_thru.type is not res:
            return "expected pass_thru of same type as result type"
        return None


class MaskedStoreOp(Op):
    """A 1-D store that writes only the lanes whose mask bit is set.

    ```mlir
    vector.maskedstore %base[%i], %mask, %v : memref<?xf32>, vector<8xi1>, vector<8xf32>
    ```
    """

    name = "vector.maskedstore"
    traits = [_mem_effects(False, True)]
    base = operand(AnyMemRefC)
    indices = var_operand(Index)
    mask = operand(VectorOfI1)
    value_to_store = operand(AnyVectorOfNonZeroRank)
    alignment = opt_prop(AccessAlignment)
    assembly_format = ("$base `[` $indices `]` `,` $mask `,` $value_to_store attr-dict `:` type($base) `,` "
                       "type($mask) `,` type($value_to_store)")

    def verify_(self):
        base, v = self.base.type, self.value_to_store.type
        if base.element_type is not v.element_type:
            return "base and valueToStore element type should match"
        err = _index_count_error(base, len(self.indices))
        if err:
            return err
        if self.mask.type.shape != v.shape:
            return "expected valueToStore shape to match mask shape"
        return None


class GatherOp(Op):
    """Reads `base[offsets + indices[k]]` (the indices offset the innermost
    dimension) into lane k where the mask is set, `pass_thru` elsewhere.

    ```mlir
    %g = vector.gather %base[%c0][%idx], %mask, %pass
        : memref<16xf32>, vector<4xindex>, vector<4xi1>, vector<4xf32> into vector<4xf32>
    ```
    """

    name = "vector.gather"
    traits = [_mem_effects(True, False)]
    base = operand(MemRefOrTensor)
    offsets = var_operand(Index)
    indices = operand(IntOrIndexVector)
    mask = operand(VectorOfI1)
    pass_thru = operand(AnyVectorOfNonZeroRank)
    alignment = opt_prop(AccessAlignment)
    result = result(AnyVectorOfNonZeroRank)
    assembly_format = ("$base `[` $offsets `]` `[` $indices `]` `,` $mask `,` $pass_thru attr-dict `:` type($base) "
                       "`,` type($indices) `,` type($mask) `,` type($pass_thru) `into` type($result)")

    def verify_(self):
        base, res = self.base.type, self.result.type
        if base.element_type is not res.element_type:
            return "base and result element type should match"
        if len(self.offsets) != base.rank:
            return f"requires {base.rank} indices"
        if self.indices.type.shape != res.shape:
            return "expected result dim to match indices dim"
        if self.mask.type.shape != res.shape:
            return "expected result dim to match mask dim"
        if self.pass_thru.type is not res:
            return "expected pass_thru of same type as result type"
        return None


class ScatterOp(Op):
    """Writes lane k to `base[offsets + indices[k]]` where the mask is set
    (later lanes win on collisions).

    ```mlir
    vector.scatter %base[%c0][%idx], %mask, %v : memref<16xf32>, vector<4xindex>, vector<4xi1>, vector<4xf32>
    ```
    """

    name = "vector.scatter"
    traits = [_mem_effects(False, True)]
    base = operand(MemRefOrTensor)
    offsets = var_operand(Index)
    indices = operand(IntOrIndexVector)
    mask = operand(VectorOfI1)
    value_to_store = operand(AnyVectorOfNonZeroRank)
    alignment = opt_prop(AccessAlignment)
    result = opt_result(AnyType)
    assembly_format = ("$base `[` $offsets `]` `[` $indices `]` `,` $mask `,` $value_to_store attr-dict `:` "
                       "type($base) `,` type($indices) `,` type($mask) `,` type($value_to_store) "
                       "(`->` type($result)^)?")

    def verify_(self):
        base, v = self.base.type, self.value_to_store.type
        if base.element_type is not v.element_type:
            return "base and valueToStore element type should match"
        if len(self.offsets) != base.rank:
            return f"requires {base.rank} indices"
        if self.indices.type.shape != v.shape:
            return "expected valueToStore dim to match indices dim"
        if self.mask.type.shape != v.shape:
            return "expected valueToStore dim to match mask dim"
        return None


# ----------------------------------------------------------------------------
# transfer_read / transfer_write
# ----------------------------------------------------------------------------


def minor_identity(source_rank: int, vector_rank: int) -> AffineMap:
    """(d0, ..., dn-1) -> (dn-r, ..., dn-1): the default permutation map of a transfer."""
    return AffineMap(source_rank, 0, tuple(AffineDimExpr(i) for i in range(source_rank - vector_rank, source_rank)))


def transfer_mask_type(vector: VectorType, perm: AffineMap) -> VectorType:
    """inferTransferOpMaskType: the mask is in memory order and has no broadcast dimensions."""
    dims = []
    for i, e in enumerate(perm.results):
        if isinstance(e, AffineDimExpr):
            dims.append((e.position, vector.shape[i], bool(vector.scalable_dims and vector.scalable_dims[i])))
    dims.sort()
    return VectorType([d[1] for d in dims], i1, [d[2] for d in dims])


def _bool_array(values) -> ArrayAttr:
    return ArrayAttr(tuple(BoolAttr(bool(v)) for v in values))


_TRANSFER_PROPS = ("in_bounds", "permutation_map")


def _verify_transfer(op, base, vector: VectorType, perm: AffineMap, in_bounds, mask) -> str | None:
    if not isinstance(base, (MemRefType, RankedTensorType)):
        return "requires source to be a memref or ranked tensor type"
    et = base.element_type
    if isinstance(et, VectorType):
        if vector.shape[len(vector.shape) - et.rank:] != et.shape:
            return "requires the bitwidth of the minor 1-D vector to be an integral multiple of the bitwidth of " \
                   "the minor 1-D vector of the source"
    elif et is not vector.element_type:
        return "requires source and vector to have the same element type"  # not reached from text: see parse
    if perm.num_symbols:
        return "requires permutation_map without symbols"
    if perm.num_dims != base.rank:
        return "requires a permutation_map with input dims of the same rank as the source type"
    if len(perm.results) != vector.rank:
        return "requires a permutation_map with result dims of the same rank as the vector type"
    seen = set()
    for e in perm.results:
        if isinstance(e, AffineConstantExpr) and e.value == 0:
            continue
        if not isinstance(e, AffineDimExpr):
            return "requires a projected permutation_map (at most one dim or the zero constant can appear in each " \
                   "result)"
        if e.position in seen:
            return "requires a permutation_map that is a permutation (found one dim used more than once)"
        seen.add(e.position)
    if len(in_bounds) != len(perm.results):
        return (f"expects the in_bounds attr of same rank as permutation_map results: affine_map<{perm}> vs "
                f"inBounds of size: {len(in_bounds)}")
    for e, ib in zip(perm.results, in_bounds):
        if isinstance(e, AffineConstantExpr) and not ib:
            return "requires broadcast dimensions to be in-bounds"
    if mask is not None:
        want = transfer_mask_type(vector, perm)
        if mask is not want:
            return f"expects mask type consistent with permutation map: {quoted(mask)}"
    return None


def fold_in_bounds(op, index_constants) -> bool:
    """Mark the dimensions that static sizes and constant indices prove in bounds (upstream's
    foldTransferInBoundsAttribute); True when something changed."""
    base = op.base.type
    vt = op.vector_type
    ib = op.in_bounds_values
    changed = False
    for i, e in enumerate(op.perm.results):
        if ib[i] or not isinstance(e, AffineDimExpr) or (vt.scalable_dims and vt.scalable_dims[i]):
            continue
        size = base.shape[e.position]
        c = index_constants[e.position]
        if size < 0 or c is None or not hasattr(c, "value"):
            continue
        if c.value + vt.shape[i] <= size:
            ib[i] = True
            changed = True
    if changed:
        op.in_bounds = _bool_array(ib)
    return changed


def _parse_transfer_attrs(parser: Parser, base, vector: VectorType, attrs: dict) -> dict:
    props = take_props(attrs, _TRANSFER_PROPS)
    if "permutation_map" not in props:
        props["permutation_map"] = AffineMapAttr(minor_identity(base.rank, vector.rank))
    if "in_bounds" not in props:
        props["in_bounds"] = _bool_array([False] * len(props["permutation_map"].value.results))
    return props


def _print_transfer_attrs(printer: Printer, op, base) -> None:
    shown = dict(op.attributes)
    perm = op.permutation_map
    if perm.value != minor_identity(base.rank, op.vector_type.rank):
        shown["permutation_map"] = perm
    if any(x.value for x in op.in_bounds):
        shown["in_bounds"] = op.in_bounds
    printer.print_optional_attr_dict(dict(sorted(shown.items())))


class _VectorTransfer:
    """What transfer_read and transfer_write share (upstream's
    VectorTransferOpInterface): the permutation map, the in_bounds flags, and
    the elision of a minor-identity map. Each op defines `vector_type`."""

    @property
    def perm(self) -> AffineMap:
        return self.permutation_map.value

    @property
    def properties_printed_inline(self) -> tuple[str, ...]:
        """A minor-identity permutation map is not printed, so it gets no alias."""
        return ("permutation_map",) if self.perm == minor_identity(self.base.type.rank, self.vector_type.rank) \
            else ()

    @property
    def in_bounds_values(self) -> list[bool]:
        return [bool(x.value) for x in self.in_bounds]


class TransferReadOp(_VectorTransfer, Op):
    """Reads an n-D vector from a memref or tensor at the indices: dimension i
    of the vector walks the memory dimension named by result i of
    `permutation_map` (a `0` result broadcasts). Lanes out of bounds, or
    masked off, take the padding value; `in_bounds` promises a dimension
    stays in bounds.

    ```mlir
    %v = vector.transfer_read %A[%i, %j], %pad {in_bounds = [true, false],
        permutation_map = affine_map<(d0, d1) -> (d1, d0)>} : memref<?x?xf32>, vector<8x4xf32>
    ```
    """

    name = "vector.transfer_read"
    traits = [_mem_effects(True, False)]
    base = operand(MemRefOrTensor)
    indices = var_operand(Index)
    padding = operand(AnyType)
    mask = opt_operand(VectorOfI1)
    permutation_map = prop(AffineMapAttrC)
    in_bounds = prop(BoolArrayAttrC)
    vector = result(AnyVectorOfAnyRank)

    def __init__(self, vector_type, base, indices, padding, mask=None, permutation_map=None, in_bounds=None,
                 **kw):
        perm = permutation_map or minor_identity(base.type.rank, vector_type.rank)
        ib = in_bounds if in_bounds is not None else [False] * vector_type.rank
        super().__init__(base, list(indices), padding, mask, permutation_map=AffineMapAttr(perm),
                         in_bounds=_bool_array(ib), result_types=[vector_type], **kw)

    @property
    def vector_type(self) -> VectorType:
        return self.vector.type

    @classmethod
    def parse(cls, parser: Parser) -> TransferReadOp:
        base_u = parser.parse_operand()
        parser.expect("[")
        idx = [] if parser.peek("]") else parser.parse_operand_list()
        parser.expect("]")
        parser.expect(",")
        pad_u = parser.parse_operand()
        mask_u = parser.parse_operand() if parser.parse_optional(",") else None
        attrs = parser.parse_optional_attr_dict()
        parser.expect(":")
        tpos = parser.skip_ws()
        base_t = parser.parse_type()
        parser.expect(",")
        vec_t = parser.parse_type()
        if not isinstance(base_t, (MemRefType, RankedTensorType)):
            raise parser.error("requires memref or ranked tensor type", tpos)
        if not isinstance(vec_t, VectorType):
            raise parser.error("requires vector type", tpos)
        props = _parse_transfer_attrs(parser, base_t, vec_t, attrs)
        et = base_t.element_type
        operands = [parser.resolve_operand(base_u, base_t)]
        operands += [parser.resolve_operand(u, index) for u in idx]
        operands.append(parser.resolve_operand(pad_u, et))
        if mask_u is not None:
            if isinstance(et, VectorType):
                raise parser.error("does not support masks with vector element type", tpos)
            perm = props["permutation_map"].value
            if perm.num_dims != base_t.rank:
                raise parser.error("expected a custom permutation_map when rank(source) != rank(destination)",
                                   tpos)
            operands.append(parser.resolve_operand(mask_u, transfer_mask_type(vec_t, perm)))
        props["operandSegmentSizes"] = _segments([1, len(idx), 1, 1 if mask_u is not None else 0])
        return cls.create(operands, [vec_t], props, attrs)

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.base)
        w("[")
        printer.print_operands(self.indices)
        w("], ")
        printer.print_operand(self.padding)
        if self.mask is not None:
            w(", ")
            printer.print_operand(self.mask)
        _print_transfer_attrs(printer, self, self.base.type)
        w(" : ")
        printer.print_type(self.base.type)
        w(", ")
        printer.print_type(self.vector.type)

    def verify_(self):
        base = self.base.type
        err = _index_count_error(base, len(self.indices)) if isinstance(base, (MemRefType, RankedTensorType)) \
            else None
        if err:
            return err
        err = _verify_transfer(self, base, self.vector.type, self.perm, list(self.in_bounds),
                               self.mask.type if self.mask is not None else None)
        if err:
            return err
        et = base.element_type
        if not isinstance(et, VectorType) and self.padding.type is not et:
            return "requires formal padding and source of the same elemental type"
        return None

    def fold(self, operands):
        if fold_in_bounds(self, operands[1:1 + len(self.indices)]):
            return self.vector
        return None


class TransferWriteOp(_VectorTransfer, Op):
    """Writes an n-D vector to a memref (or a tensor, giving a new tensor) at
    the indices, following `permutation_map` as transfer_read does; lanes
    out of bounds or masked off are not written.

    ```mlir
    vector.transfer_write %v, %A[%i, %j] {in_bounds = [true, true]} : vector<4x8xf32>, memref<?x?xf32>
    ```
    """

    name = "vector.transfer_write"
    traits = [_mem_effects(False, True)]
    value_to_store = operand(AnyVectorOfAnyRank)
    base = operand(MemRefOrTensor)
    indices = var_operand(Index)
    mask = opt_operand(VectorOfI1)
    permutation_map = prop(AffineMapAttrC)
    in_bounds = prop(BoolArrayAttrC)
    result = opt_result(AnyType)

    def __init__(self, value, base, indices, mask=None, permutation_map=None, in_bounds=None, **kw):
        vt = value.type
        perm = permutation_map or minor_identity(base.type.rank, vt.rank)
        ib = in_bounds if in_bounds is not None else [False] * vt.rank
        rt = [base.type] if isinstance(base.type, RankedTensorType) else []
        super().__init__(value, base, list(indices), mask, permutation_map=AffineMapAttr(perm),
                         in_bounds=_bool_array(ib), result_types=rt, **kw)

    @property
    def vector_type(self) -> VectorType:
        return self.value_to_store.type

    @classmethod
    def parse(cls, parser: Parser) -> TransferWriteOp:
        v_u = parser.parse_operand()
        parser.expect(",")
        base_u = parser.parse_operand()
        parser.expect("[")
        idx = [] if parser.peek("]") else parser.parse_operand_list()
        parser.expect("]")
        mask_u = parser.parse_operand() if parser.parse_optional(",") else None
        attrs = parser.parse_optional_attr_dict()
        parser.expect(":")
        tpos = parser.skip_ws()
        vec_t = parser.parse_type()
        parser.expect(",")
        base_t = parser.parse_type()
        if not isinstance(vec_t, VectorType):
            raise parser.error("requires vector type", tpos)
        if not isinstance(base_t, (MemRefType, RankedTensorType)):
            raise parser.error("requires memref or ranked tensor type", tpos)
        props = _parse_transfer_attrs(parser, base_t, vec_t, attrs)
        operands = [parser.resolve_operand(v_u, vec_t), parser.resolve_operand(base_u, base_t)]
        operands += [parser.resolve_operand(u, index) for u in idx]
        if mask_u is not None:
            if isinstance(base_t.element_type, VectorType):
                raise parser.error("does not support masks with vector element type", tpos)
            perm = props["permutation_map"].value
            if perm.num_dims != base_t.rank:
                raise parser.error("expected a custom permutation_map when rank(source) != rank(destination)",
                                   tpos)
            operands.append(parser.resolve_operand(mask_u, transfer_mask_type(vec_t, perm)))
        props["operandSegmentSizes"] = _segments([1, 1, len(idx), 1 if mask_u is not None else 0])
        rt = [base_t] if isinstance(base_t, RankedTensorType) else []
        return cls.create(operands, rt, props, attrs)

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.value_to_store)
        w(", ")
        printer.print_operand(self.base)
        w("[")
        printer.print_operands(self.indices)
        w("]")
        if self.mask is not None:
            w(", ")
            printer.print_operand(self.mask)
        _print_transfer_attrs(printer, self, self.base.type)
        w(" : ")
        printer.print_type(self.value_to_store.type)
        w(", ")
        printer.print_type(self.base.type)

    def verify_(self):
        base = self.base.type
        if isinstance(base, RankedTensorType) != (self.result is not None):
            return "should have a tensor result if and only if the base is a tensor"
        if self.result is not None and self.result.type is not base:
            return "expects result type to match the base type"
        err = _index_count_error(base, len(self.indices)) if isinstance(base, (MemRefType, RankedTensorType)) \
            else None
        if err:
            return err
        return _verify_transfer(self, base, self.value_to_store.type, self.perm, list(self.in_bounds),
                                self.mask.type if self.mask is not None else None)

    def fold(self, operands):
        if fold_in_bounds(self, operands[2:2 + len(self.indices)]):
            return [] if self.result is None else self.result
        return None


def _segments(sizes):
    from mlir_py.ir.builtin_attributes import DenseArrayAttr
    from mlir_py.ir.builtin_types import i32
    return DenseArrayAttr(i32, tuple(sizes))


OPS = [LoadOp, StoreOp, MaskedLoadOp, MaskedStoreOp, GatherOp, ScatterOp, TransferReadOp, TransferWriteOp]
