"""memref ops for atomics, prefetching and DMA transfers.

atomic_rmw (with arith's AtomicRMWKind), generic_atomic_rmw and its
atomic_yield terminator, prefetch, dma_start and dma_wait. Syntax and
verifier messages are upstream MLIR's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.memref.constraints import BoolAttrC, IntOrFloat, IntOrFloatMemRef, LocalityHint, RankedMemRef
from mlir_py.dialects.memref.custom_directives import name_pos
from mlir_py.dialects.memref.ops import check_index_count, element_type

from mlir_py.builtin.constraints import Index
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.enums import IntEnum
from mlir_py.definition.opdef import Op, operand, prop, region, result, var_operand
from mlir_py.definition.traits import (
    AllTypesMatch,
    HasParent,
    MemoryEffects,
    Pure,
    Read,
    ReturnLike,
    SingleBlockImplicitTerminator,
    Terminator,
    TypesMatchWith,
    Write,
    is_pure,
)
from mlir_py.ir.builtin_attributes import BoolAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, MemRefType, i32, index
from mlir_py.ir.operation import Block, Region

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


# ----------------------------------------------------------------------------
# Prefetch and atomics
# ----------------------------------------------------------------------------


class PrefetchOp(Op):
    """Prefetches the element at the given indices: `read`/`write`, a locality
    hint from 0 (none) to 3 (keep in cache), and the `data`/`instr` cache.

    ```mlir
    memref.prefetch %m[%i, %j], read, locality<3>, data : memref<400x400xi32>
    ```
    """

    name = "memref.prefetch"
    memref = operand(RankedMemRef)
    indices = var_operand(Index)
    isWrite = prop(BoolAttrC)  # noqa: N815 (upstream attribute name)
    localityHint = prop(LocalityHint)  # noqa: N815
    isDataCache = prop(BoolAttrC)  # noqa: N815

    @classmethod
    def parse(cls, parser: Parser) -> PrefetchOp:
        m = parser.parse_operand()
        idx = parser.parse_operand_list("[")
        parser.expect(",")
        rw = parser.parse_keyword(what="'read' or 'write'")
        parser.expect(",")
        parser.parse_keyword("locality")
        parser.expect("<")
        hint = parser.parse_attribute(i32)
        parser.expect(">")
        parser.expect(",")
        cache = parser.parse_keyword(what="'data' or 'instr'")
        attrs = parser.parse_optional_attr_dict()
        parser.expect(":")
        t = parser.parse_type()
        if rw not in ("read", "write"):
            raise parser.error("rw specifier has to be 'read' or 'write'", name_pos(parser, cls.name))
        if cache not in ("data", "instr"):
            raise parser.error("cache type has to be 'data' or 'instr'", name_pos(parser, cls.name))
        operands = [parser.resolve_operand(m, t)] + parser.resolve_operands(idx, index)
        props = {"isWrite": BoolAttr(rw == "write"), "localityHint": hint, "isDataCache": BoolAttr(cache == "data")}
        for k in [k for k in attrs if k in props]:
            props[k] = attrs.pop(k)
        return cls.create(operands, [], props, attrs)

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.memref)
        w("[")
        printer.print_operands(self.indices)
        w("], ")
        w("write" if self.isWrite.value else "read")
        w(f", locality<{self.localityHint.value}>, ")
        w("data" if self.isDataCache.value else "instr")
        printer.print_optional_attr_dict(self.attributes, ("localityHint", "isWrite", "isDataCache"))
        w(" : ")
        printer.print_type(self.memref.type)

    def verify_(self):
        if len(self._operands) != 1 + self.memref.type.rank:
            return "too few indices"
        return None


#: arith::AtomicRMWKind (an I64EnumAttr; printed as its keyword)
ATOMIC_RMW_KIND = IntEnum("kind", {
    "addf": 0, "addi": 1, "andi": 2, "assign": 3, "maximumf": 4, "maxnumf": 5, "maxs": 6, "maxu": 7,
    "minimumf": 8, "minnumf": 9, "mins": 10, "minu": 11, "mulf": 12, "muli": 13, "ori": 14, "xori": 15,
})
_FLOAT_KINDS = ("addf", "maximumf", "minimumf", "mulf")
_INT_KINDS = ("addi", "maxs", "maxu", "mins", "minu", "muli", "ori", "xori", "andi")


class AtomicRMWOp(Op):
    """Atomically combines `value` into the element at the indices with `kind`
    and returns the element's previous contents.

    ```mlir
    %old = memref.atomic_rmw addf %v, %m[%i] : (f32, memref<10xf32>) -> f32
    ```
    """

    name = "memref.atomic_rmw"
    traits = [AllTypesMatch("value", "result"),
              TypesMatchWith("memref", "value", element_type, "value type matches element type of memref"),
              MemoryEffects(Read("memref"), Write("memref"))]
    kind = prop(ATOMIC_RMW_KIND)
    value = operand(IntOrFloat)
    memref = operand(IntOrFloatMemRef)
    indices = var_operand(Index)
    result = result(IntOrFloat)
    assembly_format = ("$kind $value `,` $memref `[` $indices `]` attr-dict `:` `(` type($value) `,` "
                       "type($memref) `)` `->` type($result)")

    def verify_(self):
        err = check_index_count(self.memref.type, len(self._operands) - 2)
        if err:
            return err
        k = ATOMIC_RMW_KIND.name_of(self.kind)
        vt = self.value.type
        if k in _FLOAT_KINDS and not isinstance(vt, FloatType):
            return f"with kind '{k}' expects a floating-point type"
        if k in _INT_KINDS and not isinstance(vt, IntegerType):
            return f"with kind '{k}' expects an integer type"
        return None


class GenericAtomicRMWOp(Op):
    """Atomically replaces the element at the indices with what the region
    yields; the region's argument is the current value and its ops must be
    free of side effects. Returns the value stored.

    ```mlir
    %x = memref.generic_atomic_rmw %m[%i] : memref<10xf32> {
    ^bb0(%current: f32):
      %inc = arith.addf %current, %one : f32
      memref.atomic_yield %inc : f32
    }
    ```
    """

    name = "memref.generic_atomic_rmw"
    traits = [SingleBlockImplicitTerminator("memref.atomic_yield"),
              TypesMatchWith("memref", "result", element_type, "result type matches element type of memref"),
              MemoryEffects(Read("memref"), Write("memref"))]
    memref = operand(IntOrFloatMemRef)
    indices = var_operand(Index)
    result = result(IntOrFloat)
    atomic_body = region()

    def __init__(self, memref, indices=(), **kw):
        """Builds the op with an entry block taking the current value."""
        et = memref.type.element_type
        if "regions" not in kw and "atomic_body" not in kw:
            kw["atomic_body"] = Region([Block([et])])
        super().__init__(memref, list(indices), result_types=[et], **kw)

    @property
    def current_value(self):
        return self.atomic_body.first_block.args[0]

    @classmethod
    def parse(cls, parser: Parser) -> GenericAtomicRMWOp:
        m = parser.parse_operand()
        idx = parser.parse_operand_list("[")
        parser.expect(":")
        tpos = parser.skip_ws()
        t = parser.parse_type()
        if not isinstance(t, MemRefType):
            raise parser.error(f"'memref' must be memref of signless integer or floating-point values, but got "
                               f"'{t}'", tpos)
        operands = [parser.resolve_operand(m, t)] + parser.resolve_operands(idx, index)
        body = parser.parse_region()
        attrs = parser.parse_optional_attr_dict()
        return cls.create(operands, [t.element_type], {}, attrs, [body])

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.memref)
        w("[")
        printer.print_operands(self.indices)
        w("] : ")
        printer.print_type(self.memref.type)
        w(" ")
        printer.print_region(self.atomic_body)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self):
        b = self.atomic_body.first_block
        if b is None or len(b.args) != 1:
            return "expected single number of entry block arguments"
        if self.result.type is not b.args[0].type:
            return "expected block argument of the same type result type"
        for nested in self.atomic_body.walk(post_order=False):
            if not is_pure(nested):
                nested.emit_error("body of 'memref.generic_atomic_rmw' should contain only operations with no "
                                  "side effects")
                return ""
        return None


class AtomicYieldOp(Op):
    """Yields the new value from a `memref.generic_atomic_rmw` region.

    ```mlir
    memref.atomic_yield %inc : f32
    ```
    """

    name = "memref.atomic_yield"
    traits = [HasParent("memref.generic_atomic_rmw"), Pure, ReturnLike, Terminator]
    result = operand(AnyType)
    assembly_format = "$result attr-dict `:` type($result)"

    def verify_(self):
        parent = self.parent_op
        pt = parent.results[0].type if parent is not None and parent.results else None
        if pt is not self.result.type:
            return f"types mismatch between yield op: '{self.result.type}' and its parent: '{pt}'"
        return None


# ----------------------------------------------------------------------------
# DMA
# ----------------------------------------------------------------------------


def _rank(v) -> int:
    t = v.type
    return t.rank if isinstance(t, MemRefType) else 0


class DmaStartOp(Op):
    """Starts a non-blocking transfer of `num_elements` elements from
    `src[indices]` to `dst[indices]`, signalling completion on `tag[indices]`;
    an optional stride and elements-per-stride pair describe strided transfers.

    ```mlir
    memref.dma_start %src[%i, %j], %dst[%k, %l], %n, %tag[%c0]
        : memref<40x128xf32>, memref<2x1024xf32, 1>, memref<1xi32, 2>
    ```
    """

    name = "memref.dma_start"
    args = var_operand(AnyType)

    # Operand layout: src, src_indices..., dst, dst_indices..., num_elements, tag, tag_indices...,
    # [stride, num_elements_per_stride]
    @property
    def src_memref(self):
        return self.operands[0]

    @property
    def src_indices(self):
        return self.operands[1:1 + _rank(self.src_memref)]

    def _dst_pos(self) -> int:
        return 1 + _rank(self.src_memref)

    @property
    def dst_memref(self):
        return self.operands[self._dst_pos()]

    @property
    def dst_indices(self):
        p = self._dst_pos()
        return self.operands[p + 1:p + 1 + _rank(self.dst_memref)]

    def _num_elements_pos(self) -> int:
        return self._dst_pos() + 1 + _rank(self.dst_memref)

    @property
    def num_elements(self):
        return self.operands[self._num_elements_pos()]

    @property
    def tag_memref(self):
        return self.operands[self._num_elements_pos() + 1]

    @property
    def tag_indices(self):
        p = self._num_elements_pos() + 2
        return self.operands[p:p + _rank(self.tag_memref)]

    @property
    def is_strided(self) -> bool:
        return len(self._operands) != self._num_elements_pos() + 2 + _rank(self.tag_memref)

    @property
    def stride(self):
        return self.operands[-2] if self.is_strided else None

    @property
    def num_elements_per_stride(self):
        return self.operands[-1] if self.is_strided else None

    @classmethod
    def parse(cls, parser: Parser) -> DmaStartOp:
        src = parser.parse_operand()
        src_idx = parser.parse_operand_list("[")
        parser.expect(",")
        dst = parser.parse_operand()
        dst_idx = parser.parse_operand_list("[")
        parser.expect(",")
        num = parser.parse_operand()
        parser.expect(",")
        tag = parser.parse_operand()
        tag_idx = parser.parse_operand_list("[")
        strides = []
        while parser.parse_optional(","):
            strides.append(parser.parse_operand())
        if strides and len(strides) != 2:
            raise parser.error("expected two stride related operands", name_pos(parser, cls.name))
        types = parser.parse_colon_type_list()
        if len(types) != 3:
            raise parser.error("fewer/more types expected", name_pos(parser, cls.name))
        ops = [parser.resolve_operand(src, types[0])] + parser.resolve_operands(src_idx, index)
        ops += [parser.resolve_operand(dst, types[1])] + parser.resolve_operands(dst_idx, index)
        ops += [parser.resolve_operand(num, index), parser.resolve_operand(tag, types[2])]
        ops += parser.resolve_operands(tag_idx, index) + parser.resolve_operands(strides, index)
        return cls.create(ops, [])

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.src_memref)
        w("[")
        printer.print_operands(self.src_indices)
        w("], ")
        printer.print_operand(self.dst_memref)
        w("[")
        printer.print_operands(self.dst_indices)
        w("], ")
        printer.print_operand(self.num_elements)
        w(", ")
        printer.print_operand(self.tag_memref)
        w("[")
        printer.print_operands(self.tag_indices)
        w("]")
        if self.is_strided:
            w(", ")
            printer.print_operand(self.stride)
            w(", ")
            printer.print_operand(self.num_elements_per_stride)
        printer.print_optional_attr_dict(self.attributes)
        w(" : ")
        printer.print_types([self.src_memref.type, self.dst_memref.type, self.tag_memref.type])

    def verify_(self):
        ops = self.operands
        n = len(ops)
        if n < 4:
            return "expected at least 4 operands"
        if not isinstance(ops[0].type, MemRefType):
            return "expected source to be of memref type"
        src_rank = ops[0].type.rank
        if n < src_rank + 4:
            return f"expected at least {src_rank + 4} operands"
        if any(v.type is not index for v in ops[1:1 + src_rank]):
            return "expected source indices to be of index type"
        if not isinstance(ops[1 + src_rank].type, MemRefType):
            return "expected destination to be of memref type"
        dst_rank = ops[1 + src_rank].type.rank
        expected = src_rank + dst_rank + 4
        if n < expected:
            return f"expected at least {expected} operands"
        if any(v.type is not index for v in ops[2 + src_rank:2 + src_rank + dst_rank]):
            return "expected destination indices to be of index type"
        if ops[2 + src_rank + dst_rank].type is not index:
            return "expected num elements to be of index type"
        tag = ops[3 + src_rank + dst_rank]
        if not isinstance(tag.type, MemRefType):
            return "expected tag to be of memref type"
        expected += tag.type.rank
        if n < expected:
            return f"expected at least {expected} operands"
        if any(v.type is not index for v in ops[4 + src_rank + dst_rank:expected]):
            return "expected tag indices to be of index type"
        if n != expected and n != expected + 2:
            return "incorrect number of operands"
        if n == expected + 2 and (ops[-2].type is not index or ops[-1].type is not index):
            return "expected stride and num elements per stride to be of type index"
        return None


class DmaWaitOp(Op):
    """Blocks until the DMA signalling on `tag[indices]` has completed.

    ```mlir
    memref.dma_wait %tag[%c0], %n : memref<1xi32, 2>
    ```
    """

    name = "memref.dma_wait"
    tag_memref = operand(RankedMemRef)
    tag_indices = var_operand(Index)
    num_elements = operand(Index)
    assembly_format = "$tag_memref `[` $tag_indices `]` `,` $num_elements attr-dict `:` type($tag_memref)"

    def verify_(self):
        n, rank = len(self.tag_indices), self.tag_memref.type.rank
        if n != rank:
            return (f"expected tagIndices to have the same number of elements as the tagMemRef rank, expected "
                    f"{rank}, but got {n}")
        return None


OPS = [AtomicRMWOp, GenericAtomicRMWOp, AtomicYieldOp, PrefetchOp, DmaStartOp, DmaWaitOp]
