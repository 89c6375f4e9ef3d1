"""--verify-roundtrip: the printed IR parses back into the same IR.

As mlir-opt does, right after parsing (before any pass): print the module,
parse the text back, and compare the two modules printed in generic form
with locations - the one form that shows every operand, attribute, region
and location, so any loss shows. mlir-opt checks the generic textual form
and bytecode; we have no bytecode, so the second check is the custom form,
where hand-written printers and parsers (and assembly formats) can drop or
mangle something. A failure is an error on the top-level op naming the form
and showing a unified diff of the two generic prints.
"""

from __future__ import annotations

import difflib

from mlir_py.ir.context import Context
from mlir_py.ir.operation import Operation
from mlir_py.text.lexer import ParseError
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import Printer

#: diff lines shown before "... (N more lines)"
MAX_DIFF_LINES = 60


def _print(op: Operation, generic: bool) -> str:
    return Printer(generic=generic, debuginfo=True).print_top_level(op)


def _print_unnamed(op: Operation) -> str:
    """The generic form with locations, every value numbered by position: a
    value's name is not part of the IR (and our printer keeps the source's
    names, so they would differ between the module and its reparse)."""
    values = [v for o in op.walk() for v in o.results]
    values += [a for o in op.walk() for r in o.regions for b in r.blocks for a in b.args]
    saved = [v.name_hint for v in values]
    try:
        for v in values:
            v.name_hint = None
        return _print(op, generic=True)
    finally:
        for v, hint in zip(values, saved):
            v.name_hint = hint


def verify_roundtrip(ctx: Context, module: Operation) -> bool:
    """Both checks; errors go to the active diagnostic handler."""
    reference = _print_unnamed(module)
    ok = _check(ctx, module, reference, generic=True, what="textual")
    return _check(ctx, module, reference, generic=False, what="custom-form textual") and ok


def _check(ctx: Context, module: Operation, reference: str, *, generic: bool, what: str) -> bool:
    text = reference if generic else _print(module, generic=False)
    buffer = f"<{what} round-trip>"
    try:
        again = parse_source(ctx, text, buffer)
    except ParseError as e:
        diag = module.emit_error(f"'{module.name}' op failed to parse {what} content back, cannot verify "
                                 f"round-trip: {e.message}")
        line = _line_of(e, text)
        if line is not None:
            diag.attach_note(f"in the printed text: {line}")
        return False
    roundtrip = _print_unnamed(again)
    if roundtrip == reference:
        return True
    diff = list(difflib.unified_diff(reference.splitlines(), roundtrip.splitlines(), "reference", "roundtripped",
                                     lineterm="", n=1))
    more = len(diff) - MAX_DIFF_LINES
    shown = diff[:MAX_DIFF_LINES] + ([f"... ({more} more lines)"] if more > 0 else [])
    module.emit_error(f"'{module.name}' op {what} roundTrip testing roundtripped module differs from reference:\n"
                      + "\n".join(shown))
    return False


def _line_of(e: ParseError, text: str) -> str | None:
    flc = e.loc.file_line_col() if e.loc is not None else None
    if flc is None:
        return None
    lines = text.split("\n")
    line = flc[1]
    return lines[line - 1].strip() if 1 <= line <= len(lines) else None
