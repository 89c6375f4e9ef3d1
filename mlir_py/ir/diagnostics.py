"""Diagnostics: errors, warnings, notes and remarks attached to locations.

Producers call `emit` (or `op.emit_error`); whoever is listening is the
innermost handler installed with `DiagnosticHandler` (a context manager).
Tools install one that renders `FILE:LINE:COL: error: msg`, the source line
and a caret; `--verify-diagnostics` installs one that matches expectations;
the Python API installs a collector and raises.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from mlir_py.ir.location import Location
    from mlir_py.ir.operation import Operation

SEVERITIES = ("error", "warning", "note", "remark")

class _SourceBuffer:
    """A registered buffer and, once a diagnostic first quotes it, its line
    table: each later quote is a lookup, so n diagnostics cost O(n + size)."""

    __slots__ = ("text", "line_offset", "_starts")

    def __init__(self, text: str, line_offset: int):
        self.text = text
        self.line_offset = line_offset
        self._starts: array | None = None

    def starts(self) -> array:
        if self._starts is None:
            starts = array("q", [0])
            text = self.text
            i = text.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
            self._starts = starts
        return self._starts

    def line(self, line: int) -> str | None:
        """Text of the file's line `line` (1-based, counting the buffer's offset)."""
        starts = self.starts()
        k = line - 1 - self.line_offset
        if k < 0 or k >= len(starts):
            return None
        end = starts[k + 1] - 1 if k + 1 < len(starts) else len(self.text)
        return self.text[starts[k]:end]

    def holds(self, text: str, line_offset: int) -> bool:
        """Whether `text`, placed at `line_offset`, is this buffer or one of its
        later chunks (`--split-input-file`): then the buffer stays, with its
        line table. A chunk at the buffer's own first line replaces it, so a
        buffer reused under the same name never quotes stale lines past its end."""
        if line_offset == self.line_offset:
            return text is self.text or text == self.text
        k = line_offset - self.line_offset
        if k < 0:
            return False
        starts = self.starts()
        if k >= len(starts):
            return False
        # a chunk may begin inside its first line (after a split marker)
        j = text.find("\n")
        end = starts[k + 1] - 1 if k + 1 < len(starts) else len(self.text)
        at = end - (len(text) if j < 0 else j)
        return at >= starts[k] and self.text.startswith(text, at)


#: filename -> the buffer diagnostics quote lines from
_sources: dict[str, _SourceBuffer] = {}


def register_source(filename: str, text: str, line_offset: int = 0) -> None:
    """Make diagnostics in `filename` quote their lines from `text`, whose first
    line is the file's line `line_offset + 1`. A chunk of a buffer already
    registered (the same text at the same lines) keeps the whole buffer."""
    cur = _sources.get(filename)
    if cur is not None and cur.holds(text, line_offset):
        return
    _sources[filename] = _SourceBuffer(text, line_offset)


def source_line(filename: str, line: int) -> str | None:
    """Line `line` (1-based, of the file) of a registered source, or None when it was not registered."""
    buf = _sources.get(filename)
    return None if buf is None else buf.line(line)


class Diagnostic:
    """One error, warning, remark or note at a location (MLIR's Diagnostic); `op` is the op it is about, if any.

    Handed to the innermost handler when emitted; `render()` gives `FILE:LINE:COL: error: msg` with the source
    line, as mlir-opt prints it.
    """

    __slots__ = ("severity", "location", "message", "notes", "op")

    def __init__(self, severity: str, location: Location | None, message: str, op: Operation | None = None):
        self.severity = severity
        self.location = location
        self.message = message
        self.notes: list[Diagnostic] = []
        self.op = op

    def attach_note(self, message: str, location: Location | None = None) -> Diagnostic:
        """Add a `note:` (at `location`, default this diagnostic's) rendered after it; returns the note."""
        note = Diagnostic("note", location if location is not None else self.location, message)
        self.notes.append(note)
        return note

    def render(self, with_notes: bool = True) -> str:
        """The diagnostic as the tools print it: `FILE:LINE:COL: severity: message`, source line and caret, then
        its notes.
        """
        out = [_render_one(self)]
        if with_notes:
            out.extend(_render_one(n) for n in self.notes)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"<Diagnostic {self.severity}: {self.message}>"


def _render_one(d: Diagnostic) -> str:
    flc = d.location.file_line_col() if d.location is not None else None
    if flc is None:
        prefix = "loc(unknown)" if d.location is None else _loc_text(d.location)
        return f"{prefix}: {d.severity}: {d.message}"
    fname, line, col = flc
    text = f"{fname}:{line}:{col}: {d.severity}: {d.message}"
    src = source_line(fname, line)
    if src is not None:
        caret_col = max(col - 1, 0)
        lead = "".join(ch if ch == "\t" else " " for ch in src[:caret_col])
        text += f"\n{src}\n{lead}^"
    return text


def _loc_text(loc: Location) -> str:
    try:
        return str(loc)
    except Exception:  # a location that cannot print itself still yields a diagnostic
        return "loc(?)"


class DiagnosticError(Exception):
    """Raised by the Python API when an operation fails with diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))


_handlers: list[Callable[[Diagnostic], Any]] = []


class DiagnosticHandler:
    """Install `fn` as the innermost diagnostic handler for a `with` block."""

    def __init__(self, fn: Callable[[Diagnostic], Any]):
        self.fn = fn

    def __enter__(self):
        _handlers.append(self.fn)
        return self

    def __exit__(self, *exc):
        _handlers.remove(self.fn)
        return False


class DiagnosticCollector(DiagnosticHandler):
    """Collect diagnostics instead of printing them."""

    def __init__(self):
        self.diagnostics: list[Diagnostic] = []
        super().__init__(self.diagnostics.append)

    @property
    def errors(self) -> list[Diagnostic]:
        """The collected diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity == "error"]

    def raise_if_errors(self) -> None:
        """Raise DiagnosticError carrying the collected errors, if any (the Python API's way to fail)."""
        if self.errors:
            raise DiagnosticError(self.errors)


def _default_handler(diag: Diagnostic) -> None:
    import sys
    print(diag.render(), file=sys.stderr)


def emit(severity: str, location: Location | None, message: str, op: Operation | None = None) -> Diagnostic:
    """Create a diagnostic and hand it to the innermost handler.

    Notes attached after `emit` returns are still seen by handlers that
    render lazily (the tools render once the producing phase finishes).
    """
    diag = Diagnostic(severity, location, message, op)
    (_handlers[-1] if _handlers else _default_handler)(diag)
    return diag
