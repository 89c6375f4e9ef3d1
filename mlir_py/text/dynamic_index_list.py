"""Mixed static/dynamic integer lists, `[%a, 4, %b]` or `(%a, 4, %b)`
(upstream's parseDynamicIndexList / printDynamicIndexList).

Many ops keep a list whose entries are either constants or SSA values as two
fields: a dense i64 array with `DYNAMIC` where a value stands, and the
values in order (memref.subview's offsets, scf.forall's bounds,
affine.delinearize_index's basis). Their syntax is one list; this module is
the one place that reads and writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import DYNAMIC, i64
from mlir_py.ir.operation import Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser, UnresolvedOperand
    from mlir_py.text.printer import Printer

#: the delimiters upstream's AsmParser::Delimiter names Square and Paren
SQUARE, PAREN = ("[", "]"), ("(", ")")


def mixed_index_list(values: Sequence[Value], static: DenseArrayAttr) -> list:
    """Upstream's getMixedValues: static entries as ints, dynamic ones as the SSA values, in order."""
    it = iter(values)
    return [next(it, None) if x == DYNAMIC else x for x in static.values]


def dispatch_index_list(mixed: Sequence) -> tuple[list, DenseArrayAttr]:
    """Upstream's dispatchIndexOpFoldResults: ints stay static, values become
    operands and `DYNAMIC` entries of the static array."""
    values = [x for x in mixed if not isinstance(x, int)]
    return values, DenseArrayAttr(i64, tuple(x if isinstance(x, int) else DYNAMIC for x in mixed))


def parse_dynamic_index_list(parser: Parser, delimiters: tuple[str, str] = SQUARE
                             ) -> tuple[list[UnresolvedOperand], DenseArrayAttr]:
    """`[` (ssa-use | integer) (`,` ...)* `]` -> (the SSA operands, the static
    array with DYNAMIC where an operand stands)."""
    open_, close = delimiters
    parser.expect(open_)
    values: list[UnresolvedOperand] = []
    ints: list[int] = []
    if not parser.parse_optional(close):
        while True:
            if parser.peek("%"):
                values.append(parser.parse_operand())
                ints.append(DYNAMIC)
            else:
                ints.append(parser.parse_integer("SSA value or integer"))
            if not parser.parse_optional(","):
                break
        parser.expect(close, "in dynamic index list")
    return values, DenseArrayAttr(i64, tuple(ints))


def print_dynamic_index_list(printer: Printer, values: Sequence[Value], static: DenseArrayAttr | None,
                             delimiters: tuple[str, str] = SQUARE) -> None:
    """The inverse of `parse_dynamic_index_list`; a missing value (IR under
    construction) prints as upstream's `<<NULL VALUE>>`."""
    it = iter(values)
    parts = []
    for x in (static.values if static is not None else ()):
        if x == DYNAMIC:
            v = next(it, None)
            parts.append(printer.value_name(v) if v is not None else "<<NULL VALUE>>")
        else:
            parts.append(str(x))
    printer.write(delimiters[0] + ", ".join(parts) + delimiters[1])


def verify_output_shape(values: Sequence[Value], static: DenseArrayAttr, shape: Sequence[int],
                        bounds_noun: str = "dims") -> str | None:
    """The checks upstream's tensor.expand_shape and memref.expand_shape share
    on their `output_shape` list against the result's `shape` (the two differ
    only in calling the static entries "dims" or "bounds")."""
    entries = static.values
    if len(entries) != len(shape):
        return (f"expected number of static shape {bounds_noun} to be equal to the output rank ({len(shape)}) "
                f"but found {len(entries)} inputs instead")
    n_dyn = sum(1 for x in entries if x == DYNAMIC)
    if len(values) != n_dyn:
        return (f"mismatch in dynamic dims in output_shape and static_output_shape: static_output_shape has "
                f"{n_dyn} dynamic dims while output_shape has {len(values)} values")
    expected = sum(1 for d in shape if d == DYNAMIC)
    if len(values) != expected:
        return f"incorrect number of dynamic sizes, has {len(values)}, expected {expected}"
    return None


def static_shape_mismatch(static: DenseArrayAttr, shape: Sequence[int]) -> str | None:
    """Upstream's last expand_shape check: a static result size must equal its `output_shape` entry."""
    for pos, (d, s) in enumerate(zip(shape, static.values)):
        if d != DYNAMIC and d != s:
            return f"invalid output shape provided at pos {pos}"
    return None
