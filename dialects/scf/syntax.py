"""Pieces of syntax that several scf ops share: assignment lists
(`iter_args(%a = %x)`), index lists that mix SSA values and integers
(`scf.forall`'s bounds), implicit terminators, and constant operands.

They mirror upstream's parseAssignmentList / printInitializationList /
parseDynamicIndexList helpers, so each op's custom syntax reads like its
upstream counterpart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from mlir_py.definition.traits import ConstantLike, Terminator
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.operation import Block, Operation, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser, UnresolvedOperand
    from mlir_py.text.printer import Printer


def parse_assignment_list(parser: Parser) -> tuple[list[UnresolvedOperand], list[UnresolvedOperand]]:
    """`(%inner = %outer, ...)`: the region arguments and the values bound to them."""
    inner: list[UnresolvedOperand] = []
    outer: list[UnresolvedOperand] = []
    parser.expect("(")
    if parser.parse_optional(")"):
        return inner, outer
    while True:
        inner.append(parser.parse_operand())
        parser.expect("=")
        outer.append(parser.parse_operand())
        if not parser.parse_optional(","):
            break
    parser.expect(")")
    return inner, outer


def print_initialization_list(printer: Printer, inner: Sequence[Value], outer: Sequence[Value],
                              prefix: str = "") -> None:
    """`<prefix>(%inner = %outer, ...)`, nothing when there are no values (upstream's printInitializationList)."""
    if not outer:
        return
    printer.write(prefix + "(")
    printer.write(", ".join(f"{printer.value_name(a)} = {printer.value_name(b)}" for a, b in zip(inner, outer)))
    printer.write(")")


def ensure_terminator(region: Region, make_terminator: Callable[[], Operation]) -> None:
    """Give a region parsed without its terminator one (upstream's ensureTerminator):
    an empty region gets a block, a block not ending in a terminator gets `make_terminator()`."""
    if region.is_empty():
        region.append(Block())
    block = region.first_block
    assert block is not None
    last = block.last_op
    if last is None or not last.has_trait(Terminator):
        block.append(make_terminator())


def custom_op_error(parser: Parser, opname: str, message: str, pos: int | None = None):
    """A parse error worded as upstream's OpAsmParser::emitError (`custom op 'scf.for' ...`), at `pos` or
    else at the op name (upstream's getNameLoc)."""
    if pos is None:
        i = parser.text.rfind(opname, 0, parser.pos)
        pos = i if i >= 0 else parser.pos
    return parser.error(f"custom op '{opname}' {message}", pos)


def constant_int(v: Value) -> int | None:
    """The integer a constant-like op defines for `v` (upstream's getConstantIntValue), else None."""
    owner = getattr(v, "owner", None)
    if not isinstance(owner, Operation) or not owner.has_trait(ConstantLike):
        return None
    a = owner.properties.get("value") or owner.attributes.get("value")
    return a.value if isinstance(a, IntegerAttr) else None


def constant_bool(v: Value) -> bool | None:
    """True/False for an `i1` constant, else None."""
    c = constant_int(v)
    return None if c is None else bool(c & 1)


def terminator_of(region: Region) -> Operation | None:
    """The last op of the region's first block, or None."""
    b = region.first_block
    return None if b is None else b.last_op


__all__ = [
    "constant_bool", "constant_int", "custom_op_error", "ensure_terminator", "parse_assignment_list",
    "print_initialization_list", "terminator_of",
]
