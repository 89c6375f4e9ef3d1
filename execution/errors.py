"""What a caller of compiled code can catch.

A bad argument must never reach native code: it is caught in Python and
raised as `ArgumentError`, which is both a TypeError (a wrong kind or dtype)
and a ValueError (a wrong shape or value), so code written for either kind
of failure catches it. The message names the argument (`argument 2 of
@main`). `location` is where the function is declared, so a tool can point
at the signature in the source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlir_py.ir.diagnostics import Diagnostic
    from mlir_py.ir.location import Location


class ExecutionError(Exception):
    """Base of the errors mlir_py.execution raises itself."""

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location


class ArgumentError(ExecutionError, TypeError, ValueError):
    """An argument that does not match the function's signature (count, kind,
    dtype, rank, static size, strides, range); raised before any native call."""


class UnsupportedSignatureError(ExecutionError, TypeError):
    """A function whose argument or result types have no C-interface mapping
    to numpy and ctypes here (an f16 scalar, a vector value, a non-strided
    layout); raised by `lookup`, never half-way through a call."""


class FunctionNotFoundError(ExecutionError, KeyError):
    """`lookup` of a name the module does not define as a public function."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.message


class CompilationError(ExecutionError):
    """The module did not parse, verify, lower, translate or compile. When the
    IR itself is at fault, `diagnostics` holds the located errors (each
    renders as `FILE:LINE:COL: error: ...` with the source line)."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None,
                 location: Location | None = None):
        super().__init__(message, location)
        self.diagnostics = list(diagnostics or [])

    def __str__(self) -> str:
        if self.diagnostics:
            return "\n".join(d.render() for d in self.diagnostics)
        return self.message
