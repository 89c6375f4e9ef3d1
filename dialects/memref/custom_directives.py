"""Shared `custom<...>` directives of the memref ops, and small parse helpers.

- `DynamicIndexList` (MLIR's ViewLikeInterface helper): `[%a, 4, %b]`, each
  entry an SSA value (recorded as `DYNAMIC` in the static array property) or
  an integer; used by subview, reinterpret_cast and expand_shape.
- `GlobalMemrefOpTypeAndInitialValue`: `memref<2xf32> = dense<...>` /
  `= uninitialized` of memref.global.
- `AccessHints`: load/store's `alignment(16) nontemporal(true)`, in either
  order (upstream's `oilist`); `nontemporal` prints only when true.
- a bare affine map (`(d0, d1) -> (d1, d0)`) as memref.transpose spells it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.ir import affine_parser as AP
from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.builtin_attributes import (
    AffineMapAttr,
    DenseElementsAttr,
    DenseResourceElementsAttr,
    IntegerAttr,
    TypeAttr,
    UnitAttr,
    _parse_dense,
)
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, RankedTensorType, i1, i64
from mlir_py.text.dynamic_index_list import parse_dynamic_index_list, print_dynamic_index_list

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


# -- DynamicIndexList ---------------------------------------------------------------


def _parse_dil(cls, parser: Parser):
    return parse_dynamic_index_list(parser)


def _print_dil(self, printer: Printer, values, static) -> None:
    print_dynamic_index_list(printer, values, static)


#: attach to an op class as `parse_DynamicIndexList` / `print_DynamicIndexList`
PARSE_DYNAMIC_INDEX_LIST = classmethod(_parse_dil)
PRINT_DYNAMIC_INDEX_LIST = _print_dil


# -- memref.global's type and initial value -------------------------------------------------


def name_pos(parser: Parser, opname: str) -> int:
    """Offset of the op name before the current position (MLIR's getNameLoc)."""
    i = parser.text.rfind(opname, 0, parser.pos)
    return i if i >= 0 else parser.pos


def parse_global_type_and_initial_value(parser: Parser, opname: str = "memref.global"):
    t = parser.parse_type()
    if not isinstance(t, MemRefType) or DYNAMIC in t.shape:
        raise parser.error(f"type should be static shaped memref, but got '{t}'", name_pos(parser, opname))
    if not parser.parse_optional("="):
        return TypeAttr(t), None
    if parser.parse_optional_keyword("uninitialized"):
        return TypeAttr(t), UnitAttr()
    tensor = RankedTensorType(t.shape, t.element_type)
    kw = parser.peek_keyword()
    if kw == "dense":
        parser.parse_keyword("dense")
        value = _parse_dense(parser, "dense", tensor)
    elif kw == "dense_resource":
        parser.parse_keyword("dense_resource")
        parser.expect("<")
        handle = parser.parse_keyword(what="resource handle")
        parser.expect(">")
        value = DenseResourceElementsAttr(handle, tensor)
    else:
        value = parser.parse_attribute(tensor)
        if not isinstance(value, (DenseElementsAttr, DenseResourceElementsAttr)):
            raise parser.error("initial value should be a unit or elements attribute", name_pos(parser, opname))
    return TypeAttr(t), value


def print_global_type_and_initial_value(printer: Printer, type_attr: TypeAttr, initial_value) -> None:
    printer.print_type(type_attr.value)
    if initial_value is None:
        return
    printer.write(" = ")
    if isinstance(initial_value, UnitAttr):
        printer.write("uninitialized")
    else:
        print_attribute_without_type(printer, initial_value)


def print_attribute_without_type(printer: Printer, a) -> None:
    """MLIR's printAttributeWithoutType for elements attributes."""
    if isinstance(a, DenseElementsAttr):
        printer.write("dense<")
        a.print_body(printer)
        printer.write(">")
    elif isinstance(a, DenseResourceElementsAttr):
        printer.write(f"dense_resource<{a.handle}>")
    else:
        printer.print_attribute_without_type(a)


# -- bare affine maps -------------------------------------------------------------


def parse_bare_affine_map(parser: Parser) -> AffineMapAttr:
    """`(d0, d1) -> (d1, d0)` without the `affine_map<>` wrapper (or a `#map` alias)."""
    pos = parser.skip_ws()
    if parser.peek("#"):
        a = parser.parse_attribute()
        if not isinstance(a, AffineMapAttr):
            raise parser.error("expected affine map", pos)
        return a
    try:
        m, end = AP.parse_affine_map_or_set_prefix(parser.text, pos)
    except AP.AffineParseError as e:
        raise parser.error(str(e.args[0]) if e.args else "invalid affine map",
                           getattr(e, "offset", pos)) from None
    if not isinstance(m, AffineMap):
        raise parser.error("expected AffineMap, but got IntegerSet", pos)
    parser.pos = end
    return AffineMapAttr(m)


# -- symbols --------------------------------------------------------------------------


def lookup_nearest_symbol(op, name: str):
    """The op named `name` in the nearest symbol table around `op` (None if none)."""
    from mlir_py.analysis.symbols import lookup_symbol
    return lookup_symbol(op, name)


def has_symbol_table_ancestor(op) -> bool:
    from mlir_py.analysis.symbols import nearest_symbol_table
    return nearest_symbol_table(op) is not None


# -- AccessHints -----------------------------------------------------------------


def parse_access_hints(parser: Parser) -> tuple[IntegerAttr | None, IntegerAttr | None]:
    alignment = nontemporal = None
    while True:
        kw = parser.peek_keyword()
        if kw == "alignment" and alignment is None:
            parser.parse_keyword(kw)
            parser.expect("(")
            alignment = IntegerAttr(parser.parse_integer(), i64)
            parser.expect(")")
        elif kw == "nontemporal" and nontemporal is None:
            parser.parse_keyword(kw)
            parser.expect("(")
            pos = parser.skip_ws()
            value = parser.parse_attribute()
            if not (isinstance(value, IntegerAttr) and value.type == i1):
                raise parser.error("expected a bool attribute for 'nontemporal'", pos)
            nontemporal = value
            parser.expect(")")
        else:
            return alignment, nontemporal


def print_access_hints(printer: Printer, alignment: IntegerAttr | None, nontemporal: IntegerAttr | None) -> None:
    if alignment is not None:
        printer.write(f" alignment({alignment.value})")
    if nontemporal is not None and nontemporal.value:
        printer.write(" nontemporal(true)")
