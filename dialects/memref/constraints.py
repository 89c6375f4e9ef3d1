"""Type and attribute constraints of the memref dialect, worded as ODS words them.

The descriptions are what verifier messages quote (`operand #0 must be
memref of any type values, but got 'f32'`), so they follow ODS's
`MemRefOf`, `MemRefRankOf`, `AnyStridedMemRef`, `ConfinedAttr<...>` texts.
"""

from __future__ import annotations

from mlir_py.dialects.memref.layout import strides_and_offset

from mlir_py.builtin.constraints import BoolAttrC, UnitAttrC  # noqa: F401 (re-exported)
from mlir_py.definition.constraints import Constraint, Predicate
from mlir_py.ir.builtin_attributes import ArrayAttr, IntegerAttr, StringAttr, TypeAttr
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    FloatType,
    IndexType,
    IntegerType,
    MemRefType,
    UnrankedMemRefType,
    i8,
    i32,
    i64,
)


def _signless_int(t) -> bool:
    return isinstance(t, IntegerType) and t.signedness == "signless"


def _int_or_float(t) -> bool:
    return _signless_int(t) or isinstance(t, FloatType)


# -- types --------------------------------------------------------------------

#: ODS `AnyMemRef` (= MemRefOf<[AnyType]>): a ranked memref
RankedMemRef = Predicate(lambda t: isinstance(t, MemRefType), "memref of any type values")
AnyRankedOrUnrankedMemRef = Predicate(lambda t: isinstance(t, (MemRefType, UnrankedMemRefType)),
                                      "ranked or unranked memref of any type values")
AnyNon0RankedOrUnrankedMemRef = Predicate(
    lambda t: isinstance(t, UnrankedMemRefType) or (isinstance(t, MemRefType) and t.rank > 0),
    "unranked.memref of any type values or non-0-ranked.memref of any type values")
AnyStridedMemRef = Predicate(lambda t: isinstance(t, MemRefType) and strides_and_offset(t) is not None,
                             "strided memref of any type values")
AnyStaticShapeMemRef = Predicate(lambda t: isinstance(t, MemRefType) and DYNAMIC not in t.shape,
                                 "statically shaped memref of any type values")
Strided0DMemRef = Predicate(
    lambda t: isinstance(t, MemRefType) and t.rank == 0 and strides_and_offset(t) is not None,
    "strided memref of any type values of ranks 0")
IntOrFloat = Predicate(_int_or_float, "signless integer or floating-point")
IntOrFloatMemRef = Predicate(lambda t: isinstance(t, MemRefType) and _int_or_float(t.element_type),
                             "memref of signless integer or floating-point values")
Rank1MemRef = Predicate(lambda t: isinstance(t, MemRefType) and t.rank == 1, "1D memref of any type values")
Rank1I8MemRef = Predicate(lambda t: isinstance(t, MemRefType) and t.rank == 1 and t.element_type is i8,
                          "1D memref of 8-bit signless integer values")
Rank1IntOrIndexMemRef = Predicate(
    lambda t: isinstance(t, MemRefType) and t.rank == 1
    and (_signless_int(t.element_type) or isinstance(t.element_type, IndexType)),
    "1D memref of signless integer or index values")


# -- attributes -----------------------------------------------------------------


def _int_attr(width: int, pred, description: str) -> Constraint:
    t = i64 if width == 64 else i32
    c = Predicate(lambda a: isinstance(a, IntegerAttr) and a.type is t and pred(a.value), description)
    c.fixed_type = t
    return c


#: `alignment` of alloc/alloca/realloc/global/load/store:
#: ConfinedAttr<OptionalAttr<I64Attr>, [IntPositive, IntPowerOf2]>
AccessAlignment = _int_attr(64, lambda v: v > 0 and v & (v - 1) == 0,
                            "64-bit signless integer attribute whose value is positive and whose value is a "
                            "power of two > 0")
#: assume_alignment `alignment`: ConfinedAttr<I32Attr, [IntPositive]>
PositiveI32Attr = _int_attr(32, lambda v: v > 0, "32-bit signless integer attribute whose value is positive")
#: prefetch `localityHint`
LocalityHint = _int_attr(32, lambda v: 0 <= v <= 3,
                         "32-bit signless integer attribute whose minimum value is 0 whose maximum value is 3")
I64AttrC = _int_attr(64, lambda v: True, "64-bit signless integer attribute")
AnyAttrC = Predicate(lambda a: True, "any attribute")
MemRefTypeAttr = Predicate(lambda a: isinstance(a, TypeAttr) and isinstance(a.value, MemRefType),
                           "memref type attribute")


def _is_index_list_array(a) -> bool:
    return isinstance(a, ArrayAttr) and all(
        isinstance(g, ArrayAttr) and all(isinstance(x, IntegerAttr) and x.type is i64 for x in g) for g in a)


#: expand_shape/collapse_shape `reassociation`: IndexListArrayAttr
IndexListArrayAttr = Predicate(_is_index_list_array, "Array of 64-bit integer array attributes")


class SymbolNameAttr(Constraint):
    """ODS SymbolNameAttr: a StringAttr that formats spell `@name`."""

    description = "string attribute"
    classes = (StringAttr,)

    def verify(self, value):
        return None if isinstance(value, StringAttr) else f"must be {self.description}, but got {value}"

    def parse_short(self, parser):
        return StringAttr(parser.parse_symbol_name())

    def peek_short(self, parser) -> bool:
        return parser.peek("@")

    def print_short(self, printer, attr) -> None:
        printer.print_symbol_name(attr.value)


class StrAttrC(Constraint):
    """ODS StrAttr; in a format it is the quoted string (`"private"`)."""

    description = "string attribute"
    classes = (StringAttr,)

    def verify(self, value):
        return None if isinstance(value, StringAttr) else f"must be {self.description}, but got {value}"

    def parse_short(self, parser):
        return StringAttr(parser.parse_string())

    def peek_short(self, parser) -> bool:
        return parser.peek('"')

    def print_short(self, printer, attr) -> None:
        printer.print_string_literal(attr.value)
