"""The few calls a script needs, over the layers that implement them."""

from __future__ import annotations

from mlir_py.analysis.verifier import verify as _verify
from mlir_py.ir.context import Context
from mlir_py.ir.operation import Operation
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string


def parse(context: Context, text: str, filename: str = "<string>") -> Operation:
    """Parse a whole module. Raises `ParseError` (with FILE:LINE:COL) on bad text.

    The result is not verified: call `verify`, as `mir-opt` does after parsing.
    """
    return parse_source(context, text, filename)


def parse_file(context: Context, path: str) -> Operation:
    """Parse the module in the file at `path` (errors name that file)."""
    with open(path, encoding="utf-8") as f:
        return parse_source(context, f.read(), path)


def verify(op: Operation) -> None:
    """Verify `op` and everything nested in it; raises `DiagnosticError` listing every error."""
    _verify(op, raise_on_error=True)


def to_string(op: Operation, *, generic: bool = False, debuginfo: bool = False, local_scope: bool = False,
              keep_ssa_names: bool = False) -> str:
    """The text of `op` (what `str(op)` gives); the options are mir-opt's printing flags
    (`--mlir-print-op-generic`, `--mlir-print-debuginfo`, `--mlir-print-local-scope`, `--keep-ssa-names`)."""
    return print_op_to_string(op, generic=generic, debuginfo=debuginfo, local_scope=local_scope,
                              keep_ssa_names=keep_ssa_names)
