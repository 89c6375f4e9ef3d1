"""Pieces of linalg's custom syntax shared by generic and named ops (upstream's
parseCommonStructuredOpParts / printCommonStructuredOpParts):

    [<{props}>] [{attrs}] [ins(%a, %b : t, t)] [outs(%c : t)]

and the `-> types` result list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.ir.builtin_attributes import DictionaryAttr

if TYPE_CHECKING:
    from mlir_py.ir.operation import Value
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


def custom_op_error(parser: Parser, opname: str, message: str, pos: int | None = None):
    """A ParseError worded as upstream's `custom op '<name>' ...`."""
    if pos is None:
        i = parser.text.rfind(opname, 0, parser.pos)
        pos = i if i >= 0 else parser.pos
    return parser.error(f"custom op '{opname}' {message}", pos)


def dict_entries(d: Any) -> dict:
    """A DictionaryAttr's entries as a Python dict."""
    if isinstance(d, DictionaryAttr):
        v = d.entries
        return dict(v.items() if hasattr(v, "items") else v)
    return dict(d)


@dataclass
class CommonParts:
    props: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)
    input_types: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    output_types: list = field(default_factory=list)
    attrs_pos: int = 0


def parse_common_parts(parser: Parser, cls: type) -> CommonParts:
    """`[<{props}>] [{attrs}] [ins(...)] [outs(...)]`, operands resolved; inherent attributes written in the
    dictionary move to the properties (as upstream accepts both spellings)."""
    out = CommonParts()
    if parser.parse_optional("<"):
        pos = parser.skip_ws()
        d = parser.parse_attribute()
        if not isinstance(d, DictionaryAttr):
            raise parser.error("expected a dictionary of properties", pos)
        out.props.update(dict_entries(d))
        parser.expect(">")
    out.attrs_pos = parser.skip_ws()
    out.attrs = parser.parse_optional_attr_dict()
    ins_pos = outs_pos = parser.pos
    in_ops: list = []
    out_ops: list = []
    if parser.parse_optional_keyword("ins"):
        parser.expect("(")
        ins_pos = parser.skip_ws()
        in_ops = parser.parse_operand_list()
        out.input_types = parser.parse_colon_type_list()
        parser.expect(")")
    if parser.parse_optional_keyword("outs"):
        outs_pos = parser.skip_ws()
        parser.expect("(")
        out_ops = parser.parse_operand_list()
        out.output_types = parser.parse_colon_type_list()
        parser.expect(")")
    out.inputs = parser.resolve_operands(in_ops, out.input_types, ins_pos)
    out.outputs = parser.resolve_operands(out_ops, out.output_types, outs_pos)
    move_inherent(cls, out.attrs, out.props)
    return out


def move_inherent(cls: type, attrs: dict, props: dict) -> None:
    """Move the op's declared properties out of a parsed attribute dictionary."""
    d = getattr(cls, "definition", None)
    names = set(d.props) if d is not None else set()
    names.add("operandSegmentSizes")
    for k in list(attrs):
        if k in names:
            props[k] = attrs.pop(k)


def print_common_parts(printer: Printer, inputs: Sequence[Value], outputs: Sequence[Value]) -> None:
    """` ins(%a : t) outs(%b : t)`, each part only when non-empty."""
    if inputs:
        printer.write(" ins(")
        printer.print_operands(inputs)
        printer.write(" : ")
        printer.print_types(v.type for v in inputs)
        printer.write(")")
    if outputs:
        printer.write(" outs(")
        printer.print_operands(outputs)
        printer.write(" : ")
        printer.print_types(v.type for v in outputs)
        printer.write(")")


def parse_optional_result_types(parser: Parser) -> list:
    """`-> t` / `-> (t, u)`, or nothing."""
    if parser.peek("->"):
        return parser.parse_arrow_type_list()
    return []


def print_result_types(printer: Printer, types: Sequence[Any]) -> None:
    """` -> t` / ` -> (t, u)` (printOptionalArrowTypeList), nothing when there are no results."""
    types = list(types)
    if not types:
        return
    printer.write(" -> ")
    if len(types) == 1:
        printer.print_type(types[0])
    else:
        printer.write("(")
        printer.print_types(types)
        printer.write(")")


def parse_affine_map_list(parser: Parser) -> list:
    """`[affine_map<...>, #map, ...]` as AffineMapAttrs ("expected affine map attribute" otherwise)."""
    from mlir_py.ir.builtin_attributes import AffineMapAttr
    parser.expect("[")
    maps: list = []
    if parser.parse_optional("]"):
        return maps
    while True:
        pos = parser.skip_ws()
        a = parser.parse_attribute()
        if not isinstance(a, AffineMapAttr):
            raise parser.error("expected affine map attribute", pos)
        maps.append(a)
        if not parser.parse_optional(","):
            break
    parser.expect("]")
    return maps


def parse_dense_i64_list(parser: Parser, name: str) -> list[int]:
    """`name = [1, 0]` (upstream's parseDenseI64ArrayAttr)."""
    parser.parse_keyword(name)
    parser.expect("=")
    parser.expect("[")
    vals: list[int] = []
    if parser.parse_optional("]"):
        return vals
    while True:
        vals.append(parser.parse_integer())
        if not parser.parse_optional(","):
            break
    parser.expect("]")
    return vals


def print_dense_i64_list(printer: Printer, name: str, values: Sequence[int]) -> None:
    """` name = [1, 0] ` with upstream's trailing space."""
    printer.write(f" {name} = [{', '.join(str(v) for v in values)}] ")
