"""Reporting exceptions raised by code the framework calls on a user's behalf.

The framework calls into code it did not write: an op's `verify_`, `fold`,
custom `print`/`parse`, a rewrite pattern, a pass. When that code raises,
the person who has to act is its author, and what they need is the op (its
name and location in the input) and the exception - not "internal error".
So each call site turns the exception into a `UserCodeError` naming the op
and the hook, and the tool reports it as `FILE:LINE:COL: error: 'toy.bad' op
verifier raised ValueError: ...`.

Every `BaseException` counts, not only `Exception`: a `sys.exit()` or a
`KeyboardInterrupt` raised by a user's hook is a bug in the hook, and
letting it escape would kill mir-opt's worker thread silently. The one
exception is a `KeyboardInterrupt` in the main thread, which may be a real
Ctrl-C and must stop the program (mir-opt runs its work in another thread,
where a Ctrl-C can never arrive, so there every KeyboardInterrupt is code).
"""

from __future__ import annotations

import os
import threading
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation


def must_propagate(exc: BaseException) -> bool:
    """Exceptions a call site must let through rather than blame on user code:
    an error already attributed, deep recursion (reported as "nests too
    deeply" by the tools) and a Ctrl-C in the main thread."""
    if isinstance(exc, (UserCodeError, RecursionError)):
        return True
    return isinstance(exc, KeyboardInterrupt) and threading.current_thread() is threading.main_thread()


def describe_exception(exc: BaseException) -> str:
    """`ValueError: msg`; `sys.exit(2)` spelled as the call that raised it."""
    if isinstance(exc, SystemExit):
        args = "" if exc.code is None else repr(exc.code)
        return f"SystemExit (sys.exit({args}) was called)"
    text = str(exc)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def raise_site(exc: BaseException, prefer_file: str | None = None) -> tuple[str, int] | None:
    """(file, line) where `exc` was raised: the innermost frame in
    `prefer_file` if given and present, else the innermost frame outside
    mlir_py (the user's code), else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    if prefer_file is not None:
        want = os.path.realpath(prefer_file)
        for f in reversed(frames):
            if os.path.realpath(f.filename) == want:
                return f.filename, f.lineno or 0
    tb = exc.__traceback__
    user = None
    while tb is not None:
        if not str(tb.tb_frame.f_globals.get("__name__", "")).startswith("mlir_py"):
            user = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    if user is not None:
        return user
    return frames[-1].filename, frames[-1].lineno or 0


def debug_enabled() -> bool:
    """`MLIR_PY_DEBUG=1`: attach the Python traceback to reports of user-code exceptions."""
    return os.environ.get("MLIR_PY_DEBUG", "") not in ("", "0")


def format_traceback(exc: BaseException) -> str:
    """The traceback of `exc` as text (what `MLIR_PY_DEBUG=1` attaches)."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()


def user_code_message(op_name: str, what: str, exc: BaseException) -> str:
    """`'toy.bad' op verifier raised ValueError: msg (at toy.py:12)`."""
    site = raise_site(exc)
    where = f" (at {site[0]}:{site[1]})" if site is not None else ""
    return f"'{op_name}' op {what} raised {describe_exception(exc)}{where}"


class UserCodeError(Exception):
    """`what` (a hook such as "verifier", "custom printer", "pattern 'p'")
    raised `exc` while working on `op`. Carries the op so the report can
    point at its location; `__cause__` is the original exception."""

    def __init__(self, op: Operation, what: str, exc: BaseException):
        self.op = op
        self.what = what
        self.exc = exc
        self.location = op.location
        super().__init__(user_code_message(op.name, what, exc))

    @property
    def message(self) -> str:
        """The report without location: `'op' op verifier raised X: msg (at file:line)`."""
        return self.args[0]

    def emit(self, context: str | None = None):
        """Report as an error diagnostic at the op (a note adds `context`,
        e.g. the pass that was running; MLIR_PY_DEBUG=1 adds the traceback)."""
        from mlir_py import diagnostics
        diag = diagnostics.emit("error", self.location, self.message, op=self.op)
        if context:
            diag.attach_note(context)
        if debug_enabled():
            diag.attach_note("Python traceback:\n" + format_traceback(self.exc))
        return diag


def user_code_error(op: Operation, what: str, exc: BaseException) -> UserCodeError:
    """The error to raise `from exc` at a call site of user code."""
    err = UserCodeError(op, what, exc)
    err.__cause__ = exc
    return err
