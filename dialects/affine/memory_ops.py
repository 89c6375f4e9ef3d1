"""Memory access of the affine dialect: affine.load/store, affine.vector_load/
vector_store, affine.prefetch and affine.dma_start/dma_wait (upstream syntax).

Each subscript list is an affine map applied to the index operands; the
custom form writes the operands inside the expressions (`%A[%i + 1, %j]`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.affine.syntax import name_pos, parse_affine_map_of_ssa_ids, print_affine_map_of_ssa_ids
from mlir_py.dialects.affine.validity import verify_dims_and_symbols

from mlir_py.builtin.constraints import AffineMapAttrC, AnyMemRef, AnyRankedMemRef, AnyVector, BoolAttrC, I32Attr
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, prop, result, var_operand
from mlir_py.definition.traits import MemoryEffects, Read, Write
from mlir_py.ir.builtin_attributes import AffineMapAttr, BoolAttr, IntegerAttr
from mlir_py.ir.builtin_types import IndexType, MemRefType, i32, index

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


def _print_access(printer: Printer, memref, amap: AffineMapAttr, operands) -> None:
    printer.print_operand(memref)
    printer.write("[")
    print_affine_map_of_ssa_ids(printer, amap.value, operands)
    printer.write("]")


def verify_indexing(op: Op, amap: AffineMapAttr, operands, memref_type, what: str = "load") -> str | None:
    """Upstream's verifyMemoryOpIndexing: map arity against the memref and the operands, then dim/symbol
    validity of the operands."""
    m = amap.value
    if isinstance(memref_type, MemRefType) and m.num_results != memref_type.rank:
        return "affine map num results must equal memref rank"
    if m.num_inputs != len(operands):
        return "expects as many subscripts as affine map inputs"
    for v in operands:
        if not isinstance(v.type, IndexType):
            return f"index to {what} must have 'index' type"
    return verify_dims_and_symbols(op, operands, m.num_dims)


class LoadOp(Op):
    """Reads the element of `memref` at the affine subscripts.

    ```mlir
    %v = affine.load %A[%i + 1, symbol(%n) * 2] : memref<100x100xf32>
    ```
    """

    name = "affine.load"
    properties_printed_inline = ("map",)
    traits = [MemoryEffects(Read("memref"))]
    memref = operand(AnyRankedMemRef)
    indices = var_operand(AnyType)
    map = prop(AffineMapAttrC)
    result_ = result(AnyType)

    @classmethod
    def parse(cls, parser: Parser):
        mem = parser.parse_operand()
        amap, idx = parse_affine_map_of_ssa_ids(parser)
        attrs = parser.parse_optional_attr_dict()
        t = parser.parse_colon_type()
        operands = [parser.resolve_operand(mem, t)] + parser.resolve_operands(idx, index)
        if not isinstance(t, MemRefType):
            raise parser.error(f"expected memref type, got '{t}'", name_pos(parser, cls.name))
        return cls.create(operands, [t.element_type], properties={"map": AffineMapAttr(amap)}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        _print_access(printer, self.memref, self.map, self.indices)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.memref.type)

    def verify_(self):
        if self.result_.type != self.memref.type.element_type:
            return "result type must match element type of memref"
        return verify_indexing(self, self.map, self.indices, self.memref.type)


class StoreOp(Op):
    """Writes `value` to the element of `memref` at the affine subscripts.

    ```mlir
    affine.store %v, %A[%i, %j + 1] : memref<100x100xf32>
    ```
    """

    name = "affine.store"
    properties_printed_inline = ("map",)
    traits = [MemoryEffects(Write("memref"))]
    value = operand(AnyType)
    memref = operand(AnyRankedMemRef)
    indices = var_operand(AnyType)
    map = prop(AffineMapAttrC)

    @classmethod
    def parse(cls, parser: Parser):
        val = parser.parse_operand()
        parser.expect(",")
        mem = parser.parse_operand()
        amap, idx = parse_affine_map_of_ssa_ids(parser)
        attrs = parser.parse_optional_attr_dict()
        t = parser.parse_colon_type()
        if not isinstance(t, MemRefType):
            raise parser.error(f"expected memref type, got '{t}'", name_pos(parser, cls.name))
        operands = [parser.resolve_operand(val, t.element_type), parser.resolve_operand(mem, t)]
        operands += parser.resolve_operands(idx, index)
        return cls.create(operands, [], properties={"map": AffineMapAttr(amap)}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.value)
        printer.write(", ")
        _print_access(printer, self.memref, self.map, self.indices)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.memref.type)

    def verify_(self):
        if self.value.type != self.memref.type.element_type:
            return "value to store must have the same type as memref element type"
        return verify_indexing(self, self.map, self.indices, self.memref.type, "store")


def _verify_vector(op) -> str | None:
    if op.memref.type.element_type != op.vector_type.element_type:
        return "requires memref and vector types of the same elemental type"
    return None


class VectorLoadOp(Op):
    """Reads a vector from `memref` starting at the affine subscripts.

    ```mlir
    %v = affine.vector_load %A[%i, %j * 8] : memref<100x100xf32>, vector<8xf32>
    ```
    """

    name = "affine.vector_load"
    properties_printed_inline = ("map",)
    traits = [MemoryEffects(Read("memref"))]
    memref = operand(AnyRankedMemRef)
    indices = var_operand(AnyType)
    map = prop(AffineMapAttrC)
    result_ = result(AnyVector)

    @property
    def vector_type(self):
        return self.result_.type

    @classmethod
    def parse(cls, parser: Parser):
        mem = parser.parse_operand()
        amap, idx = parse_affine_map_of_ssa_ids(parser)
        attrs = parser.parse_optional_attr_dict()
        t = parser.parse_colon_type()
        parser.expect(",")
        vt = parser.parse_type()
        operands = [parser.resolve_operand(mem, t)] + parser.resolve_operands(idx, index)
        return cls.create(operands, [vt], properties={"map": AffineMapAttr(amap)}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        _print_access(printer, self.memref, self.map, self.indices)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.memref.type)
        printer.write(", ")
        printer.print_type(self.result_.type)

    def verify_(self):
        return verify_indexing(self, self.map, self.indices, self.memref.type) or _verify_vector(self)


class VectorStoreOp(Op):
    """Writes a vector to `memref` starting at the affine subscripts.

    ```mlir
    affine.vector_store %v, %A[%i, %j * 8] : memref<100x100xf32>, vector<8xf32>
    ```
    """

    name = "affine.vector_store"
    properties_printed_inline = ("map",)
    traits = [MemoryEffects(Write("memref"))]
    value = operand(AnyVector)
    memref = operand(AnyRankedMemRef)
    indices = var_operand(AnyType)
    map = prop(AffineMapAttrC)

    @property
    def vector_type(self):
        return self.value.type

    @classmethod
    def parse(cls, parser: Parser):
        val = parser.parse_operand()
        parser.expect(",")
        mem = parser.parse_operand()
        amap, idx = parse_affine_map_of_ssa_ids(parser)
        attrs = parser.parse_optional_attr_dict()
        t = parser.parse_colon_type()
        parser.expect(",")
        vt = parser.parse_type()
        operands = [parser.resolve_operand(val, vt), parser.resolve_operand(mem, t)]
        operands += parser.resolve_operands(idx, index)
        return cls.create(operands, [], properties={"map": AffineMapAttr(amap)}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.value)
        printer.write(", ")
        _print_access(printer, self.memref, self.map, self.indices)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.memref.type)
        printer.write(", ")
        printer.print_type(self.value.type)

    def verify_(self):
        return verify_indexing(self, self.map, self.indices, self.memref.type, "store") or _verify_vector(self)


class PrefetchOp(Op):
    """Hints that the element at the affine subscripts will be read or
    written soon; locality 0 (none) to 3 (keep in cache), data or
    instruction cache.

    ```mlir
    affine.prefetch %A[%i, %j + 5], read, locality<3>, data : memref<400x400xi32>
    ```
    """

    name = "affine.prefetch"
    properties_printed_inline = ("map",)
    traits = [MemoryEffects(Read("memref"), Write("memref"))]
    memref = operand(AnyRankedMemRef)
    indices = var_operand(AnyType)
    isWrite = prop(BoolAttrC)
    localityHint = prop(I32Attr)
    isDataCache = prop(BoolAttrC)
    map = prop(AffineMapAttrC)

    @classmethod
    def parse(cls, parser: Parser):
        mem = parser.parse_operand()
        amap, idx = parse_affine_map_of_ssa_ids(parser)
        parser.expect(",")
        pos = parser.skip_ws()
        rw = parser.parse_keyword()
        if rw not in ("read", "write"):
            raise parser.error("rw specifier has to be 'read' or 'write'", pos)
        parser.expect(",")
        parser.parse_keyword("locality")
        parser.expect("<")
        hint = parser.parse_integer()
        parser.expect(">")
        parser.expect(",")
        pos = parser.skip_ws()
        cache = parser.parse_keyword()
        if cache not in ("data", "instr"):
            raise parser.error("cache type has to be 'data' or 'instr'", pos)
        attrs = parser.parse_optional_attr_dict()
        t = parser.parse_colon_type()
        operands = [parser.resolve_operand(mem, t)] + parser.resolve_operands(idx, index)
        props = {"isDataCache": BoolAttr(cache == "data"), "isWrite": BoolAttr(rw == "write"),
                 "localityHint": IntegerAttr(hint, i32), "map": AffineMapAttr(amap)}
        return cls.create(operands, [], properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        _print_access(printer, self.memref, self.map, self.indices)
        rw = "write" if self.isWrite.value else "read"
        cache = "data" if self.isDataCache.value else "instr"
        printer.write(f", {rw}, locality<{self.localityHint.value}>, {cache}")
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.memref.type)

    def verify_(self):
        m = self.map.value
        if m.num_results != self.memref.type.rank:
            return "affine.prefetch affine map num results must equal memref rank"
        if m.num_inputs != len(self.indices):
            return "too few operands"
        if not 0 <= self.localityHint.value <= 3:
            return "'localityHint' attribute failed to satisfy constraint: 32-bit signless integer attribute " \
                   "whose minimum value is 0 whose maximum value is 3"
        return verify_dims_and_symbols(self, self.indices, m.num_dims)


def _rank(v) -> int:
    t = v.type
    return t.rank if isinstance(t, MemRefType) else 0


class DmaStartOp(Op):
    """Starts a non-blocking copy of `num_elements` elements from
    `src[...]` to `dst[...]`, signalling `tag[...]` on completion; an
    optional stride and elements-per-stride pair makes it strided. The
    subscripts are affine maps of the index operands.

    ```mlir
    affine.dma_start %src[%i, %j], %dst[%k, 0], %tag[0], %n : memref<40x128xf32>, memref<2x1024xf32, 2>, memref<1xi32>
    ```
    """

    name = "affine.dma_start"
    properties_printed_inline = ("src_map", "dst_map", "tag_map")
    traits = [MemoryEffects(Read(), Write())]
    args = var_operand(AnyType)
    src_map = prop(AffineMapAttrC)
    dst_map = prop(AffineMapAttrC)
    tag_map = prop(AffineMapAttrC)

    # Operand layout: src, src_indices..., dst, dst_indices..., tag, tag_indices..., num_elements,
    # [stride, num_elements_per_stride]
    def _positions(self) -> tuple[int, int, int]:
        dst = 1 + self.src_map.value.num_inputs
        tag = dst + 1 + self.dst_map.value.num_inputs
        num = tag + 1 + self.tag_map.value.num_inputs
        return dst, tag, num

    @property
    def src_memref(self):
        return self.operands[0]

    @property
    def src_indices(self):
        return self.operands[1:self._positions()[0]]

    @property
    def dst_memref(self):
        return self.operands[self._positions()[0]]

    @property
    def dst_indices(self):
        dst, tag, _ = self._positions()
        return self.operands[dst + 1:tag]

    @property
    def tag_memref(self):
        return self.operands[self._positions()[1]]

    @property
    def tag_indices(self):
        _, tag, num = self._positions()
        return self.operands[tag + 1:num]

    @property
    def num_elements(self):
        return self.operands[self._positions()[2]]

    @property
    def is_strided(self) -> bool:
        return len(self.operands) > self._positions()[2] + 1

    @classmethod
    def parse(cls, parser: Parser):
        start = name_pos(parser, cls.name)
        src = parser.parse_operand()
        src_map, src_idx = parse_affine_map_of_ssa_ids(parser)
        parser.expect(",")
        dst = parser.parse_operand()
        dst_map, dst_idx = parse_affine_map_of_ssa_ids(parser)
        parser.expect(",")
        tag = parser.parse_operand()
        tag_map, tag_idx = parse_affine_map_of_ssa_ids(parser)
        parser.expect(",")
        num = parser.parse_operand()
        strides = []
        while parser.parse_optional(","):
            strides.append(parser.parse_operand())
        if strides and len(strides) != 2:
            raise parser.error("expected two stride related operands", start)
        attrs = parser.parse_optional_attr_dict()
        types = parser.parse_colon_type_list()
        if len(types) != 3:
            raise parser.error("expected three types", start)
        ops = [parser.resolve_operand(src, types[0])] + parser.resolve_operands(src_idx, index)
        ops += [parser.resolve_operand(dst, types[1])] + parser.resolve_operands(dst_idx, index)
        ops += [parser.resolve_operand(tag, types[2])] + parser.resolve_operands(tag_idx, index)
        ops += [parser.resolve_operand(num, index)] + parser.resolve_operands(strides, index)
        props = {"dst_map": AffineMapAttr(dst_map), "src_map": AffineMapAttr(src_map),
                 "tag_map": AffineMapAttr(tag_map)}
        return cls.create(ops, [], properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        _print_access(printer, self.src_memref, self.src_map, self.src_indices)
        printer.write(", ")
        _print_access(printer, self.dst_memref, self.dst_map, self.dst_indices)
        printer.write(", ")
        _print_access(printer, self.tag_memref, self.tag_map, self.tag_indices)
        printer.write(", ")
        printer.print_operands(self.operands[self._positions()[2]:])
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_types([self.src_memref.type, self.dst_memref.type, self.tag_memref.type])

    def verify_(self):
        _, _, num = self._positions()
        if len(self.operands) not in (num + 1, num + 3):
            return "incorrect number of operands"
        for what, mem, amap in (("source", self.src_memref, self.src_map), ("destination", self.dst_memref,
                                self.dst_map), ("tag", self.tag_memref, self.tag_map)):
            if not isinstance(mem.type, MemRefType):
                return f"expected DMA {what} to be of memref type"
            if amap.value.num_results != mem.type.rank:
                return f"affine map num results must equal {what} memref rank" if what != "tag" else \
                    "tag memref rank must match tag map results"
        for v in self.operands[num:]:
            if not isinstance(v.type, IndexType):
                return "num elements/stride operands must be of index type"
        for amap, idx in ((self.src_map, self.src_indices), (self.dst_map, self.dst_indices),
                          (self.tag_map, self.tag_indices)):
            err = verify_dims_and_symbols(self, idx, amap.value.num_dims)
            if err:
                return err
        return None


class DmaWaitOp(Op):
    """Blocks until the DMA signalling `tag[...]` has moved `num_elements` elements.

    ```mlir
    affine.dma_wait %tag[0], %n : memref<1xi32>
    ```
    """

    name = "affine.dma_wait"
    properties_printed_inline = ("tag_map",)
    traits = [MemoryEffects(Read(), Write())]
    tag_memref = operand(AnyMemRef)
    tag_indices = var_operand(AnyType)
    num_elements = operand(AnyType)
    tag_map = prop(AffineMapAttrC)

    @classmethod
    def parse(cls, parser: Parser):
        tag = parser.parse_operand()
        tag_map, idx = parse_affine_map_of_ssa_ids(parser)
        parser.expect(",")
        num = parser.parse_operand()
        attrs = parser.parse_optional_attr_dict()
        t = parser.parse_colon_type()
        ops = [parser.resolve_operand(tag, t)] + parser.resolve_operands(idx, index)
        ops.append(parser.resolve_operand(num, index))
        return cls.create(ops, [], properties={"tag_map": AffineMapAttr(tag_map)}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        _print_access(printer, self.tag_memref, self.tag_map, self.tag_indices)
        printer.write(", ")
        printer.print_operand(self.num_elements)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.tag_memref.type)

    def verify_(self):
        if not isinstance(self.num_elements.type, IndexType):
            return "expected num elements to be of index type"
        return verify_dims_and_symbols(self, self.tag_indices, self.tag_map.value.num_dims)


OPS = [LoadOp, StoreOp, VectorLoadOp, VectorStoreOp, PrefetchOp, DmaStartOp, DmaWaitOp]
