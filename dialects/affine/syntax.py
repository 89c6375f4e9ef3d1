"""Custom-syntax pieces shared by the affine ops (upstream's AffineOps.cpp helpers).

Affine ops spell their maps in two ways: an attribute followed by a dim and
symbol list (`#map(%i)[%n]`, as affine.apply and loop bounds), or an
"affine map of SSA ids" where the operands appear inside the expressions
(`%A[%i + 1, symbol(%n)]`, as affine.load). Both parse to a map plus its
operands, dims first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from mlir_py.ir import affine_parser
from mlir_py.ir.affine_expr import AffineExpr, AffineMap, dim, symbol
from mlir_py.ir.affine_parser import AffineParseError, SSAAffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr
from mlir_py.ir.builtin_types import index
from mlir_py.text.parser import UnresolvedOperand

if TYPE_CHECKING:
    from mlir_py.ir.operation import Value
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

_SSA = re.compile(r"%([\w$.-]+)(?:#(\d+))?")
_DIM_OR_SYMBOL = re.compile(r"\b([ds])(\d+)\b")


def name_pos(parser: Parser, opname: str) -> int:
    """Offset of the op name before the current position (upstream's getNameLoc)."""
    i = parser.text.rfind(opname, 0, parser.pos)
    return i if i >= 0 else parser.pos


def _unresolved(parser: Parser, names: Sequence[str], start: int) -> list[UnresolvedOperand]:
    out = []
    for name in names:
        m = _SSA.fullmatch(name)
        assert m is not None
        pos = parser.text.find(name, start)
        out.append(UnresolvedOperand((m.group(1), int(m.group(2) or 0), pos if pos >= 0 else start)))
    return out


def _ssa_map(parser: Parser, parse) -> tuple[AffineMap, list[UnresolvedOperand], list[UnresolvedOperand]]:
    start = parser.skip_ws()
    try:
        found: SSAAffineMap = parse(parser.text, start)
    except AffineParseError as e:
        raise parser.error(e.message, e.offset) from None
    parser.pos = found.end
    return (found.map, _unresolved(parser, found.dim_operands, start),
            _unresolved(parser, found.symbol_operands, start))


def parse_affine_map_of_ssa_ids(parser: Parser, delimiter: str = "[") -> tuple[AffineMap, list[UnresolvedOperand]]:
    """`[%i + 1, symbol(%n)]`: the map and its operands (dims, then symbols), unresolved."""
    def parse(text: str, pos: int) -> SSAAffineMap:
        return affine_parser.parse_affine_map_of_ssa_ids(text, pos, delimiter)

    amap, dims, syms = _ssa_map(parser, parse)
    return amap, dims + syms


def parse_affine_expr_of_ssa_ids(parser: Parser) -> tuple[AffineMap, list[UnresolvedOperand],
                                                           list[UnresolvedOperand]]:
    """One expression of SSA ids as a one-result map, with its dim and symbol operands apart."""
    return _ssa_map(parser, affine_parser.parse_affine_expr_of_ssa_ids)


def parse_dim_and_symbol_list(parser: Parser) -> tuple[list[Value], int]:
    """`(%d0, %d1)[%s0]` (the square part optional): index operands and the number of dims."""
    dims = parser.parse_operand_list("(")
    syms = parser.parse_operand_list("[") if parser.peek("[") else []
    return parser.resolve_operands(dims + syms, index), len(dims)


def parse_map_and_operands(parser: Parser) -> tuple[AffineMap, list[Value], int]:
    """`#map(%d)[%s]` as affine.apply and affine.min/max write it; checks the operand counts as upstream."""
    pos = parser.skip_ws()
    attr = parser.parse_attribute()
    if not isinstance(attr, AffineMapAttr):
        raise parser.error("invalid kind of attribute specified", pos)
    operands, num_dims = parse_dim_and_symbol_list(parser)
    return attr.value, operands, num_dims


def print_dim_and_symbol_list(printer: Printer, operands: Sequence[Value], num_dims: int) -> None:
    """`(%d0, %d1)[%s0]`: the brackets only when there are symbols."""
    printer.write("(")
    printer.print_operands(operands[:num_dims])
    printer.write(")")
    if len(operands) > num_dims:
        printer.write("[")
        printer.print_operands(operands[num_dims:])
        printer.write("]")


def expr_of_ssa_ids(printer: Printer, expr: AffineExpr, dims: Sequence[Value], syms: Sequence[Value]) -> str:
    """`d0 + s0 * 2` with `%i` for the dims and `symbol(%n)` for the symbols (printAffineExprOfSSAIds)."""
    def name(m: re.Match) -> str:
        i = int(m.group(2))
        if m.group(1) == "d":
            return printer.value_name(dims[i])
        return f"symbol({printer.value_name(syms[i])})"

    return _DIM_OR_SYMBOL.sub(name, str(expr))


def print_affine_map_of_ssa_ids(printer: Printer, amap: AffineMap, operands: Sequence[Value]) -> None:
    """The results of `amap` separated by `, `, operands spelled in place (no brackets)."""
    dims, syms = operands[:amap.num_dims], operands[amap.num_dims:]
    printer.write(", ".join(expr_of_ssa_ids(printer, e, dims, syms) for e in amap.results))


def resolve_deduplicated(parser: Parser, groups: Sequence[tuple[AffineMap, list[UnresolvedOperand],
                                                                list[UnresolvedOperand]]]) -> tuple[AffineMap, list]:
    """Concatenate maps parsed one by one into one map over deduplicated operands (dims, then symbols), as
    upstream's affine.parallel bound parser does."""
    dim_values: list[Value] = []
    sym_values: list[Value] = []
    results: list[AffineExpr] = []
    for amap, dims, syms in groups:
        dvals = parser.resolve_operands(dims, index) if dims else []
        svals = parser.resolve_operands(syms, index) if syms else []
        dim_repl = []
        for v in dvals:
            if v not in dim_values:
                dim_values.append(v)
            dim_repl.append(dim(dim_values.index(v)))
        sym_repl = []
        for v in svals:
            if v not in sym_values:
                sym_values.append(v)
            sym_repl.append(symbol(sym_values.index(v)))
        results += [e.replace_dims_and_symbols(dim_repl, sym_repl) for e in amap.results]
    return AffineMap(len(dim_values), len(sym_values), results), dim_values + sym_values
