"""Source locations, as MLIR's LocationAttr family.

Every parsed op carries a FileLineColLoc; diagnostics use it to print
`FILE:LINE:COL: error: ...` with the source line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.ir.attributes import ParametrizedAttribute

if TYPE_CHECKING:
    from mlir_py.text.printer import Printer


class Location(ParametrizedAttribute):
    """Locations compare structurally: the parser builds one per op without
    going through the uniquing table (see `FileLineColLoc.fast`)."""

    __slots__ = ("_hash",)

    def __eq__(self, other):
        return self is other or (type(other) is type(self) and other.parameters == self.parameters)

    def __hash__(self):
        try:
            return self._hash
        except AttributeError:  # computed once: nested locations (callsite chains) stay linear
            h = hash((type(self), self.parameters))
            object.__setattr__(self, "_hash", h)
            return h

    def file_line_col(self) -> tuple[str, int, int] | None:
        """The first file position this location names, if any."""
        return None

    def print(self, printer: Printer) -> None:
        printer.write("loc(")
        self.print_inner(printer)
        printer.write(")")

    def print_inner(self, printer: Printer) -> None:
        """The location without `loc(...)` around it (how locations nest inside one another)."""
        raise TypeError("abstract location")


class UnknownLoc(Location):
    """`loc(unknown)`: no source position (ops built in Python get it unless given one)."""

    __slots__ = ()
    name = "builtin.unknown_loc"
    parameters = ()

    @classmethod
    def get(cls) -> UnknownLoc:
        """The unknown location (upstream's `UnknownLoc::get`)."""
        return cls()

    def print_inner(self, printer: Printer) -> None:
        printer.write("unknown")


class FileLineColLoc(Location):
    """`loc("file":line:col)`, 1-based: what every parsed op carries and diagnostics render."""

    __slots__ = ()
    name = "builtin.file_line_col_loc"
    parameters = ("filename", "line", "column")

    @classmethod
    def fast(cls, filename: str, line: int, column: int) -> FileLineColLoc:
        """An un-uniqued instance: one per parsed op, so uniquing would only cost."""
        loc = object.__new__(cls)
        object.__setattr__(loc, "parameters", (filename, line, column))
        return loc

    def file_line_col(self):
        return self.parameters

    def print_inner(self, printer: Printer) -> None:
        printer.print_string_literal(self.filename)
        printer.write(f":{self.line}:{self.column}")


class FileLineColRange(Location):
    """A source range, `"f":16:1 to :20` or `"f":16:1 to 17:3`; a range of
    one position is a FileLineColLoc (the parser builds that instead)."""

    __slots__ = ()
    name = "builtin.file_line_col_range"
    parameters = ("filename", "line", "column", "end_line", "end_column")

    def file_line_col(self):
        return self.parameters[:3]

    def print_inner(self, printer: Printer) -> None:
        printer.print_string_literal(self.filename)
        printer.write(f":{self.line}:{self.column} to ")
        printer.write(f":{self.end_column}" if self.end_line == self.line else f"{self.end_line}:{self.end_column}")


class NameLoc(Location):
    """`loc("name"(child))`: a named location, e.g. a variable name, optionally around a `child` location."""

    __slots__ = ()
    name = "builtin.name_loc"
    parameters = ("loc_name", "child")

    def file_line_col(self):
        return self.child.file_line_col() if self.child is not None else None

    def print_inner(self, printer: Printer) -> None:
        printer.print_string_literal(self.loc_name)
        if self.child is not None and not isinstance(self.child, UnknownLoc):
            printer.write("(")
            printer.print_location_inner(self.child)
            printer.write(")")


class CallSiteLoc(Location):
    """`loc(callsite(callee at caller))`: where an inlined op came from (`callee`) and where it was called."""

    __slots__ = ()
    name = "builtin.call_site_loc"
    parameters = ("callee", "caller")

    def file_line_col(self):
        return self.callee.file_line_col() or self.caller.file_line_col()

    def print_inner(self, printer: Printer) -> None:
        printer.write("callsite(")
        printer.print_location_inner(self.callee)
        printer.write(" at ")
        printer.print_location_inner(self.caller)
        printer.write(")")


class FusedLoc(Location):
    """`loc(fused<metadata>[locs])`: several locations merged, as when ops are combined; diagnostics use the first
    file position.
    """

    __slots__ = ()
    name = "builtin.fused_loc"
    parameters = ("locations", "metadata")

    def file_line_col(self):
        for loc in self.locations:
            flc = loc.file_line_col()
            if flc is not None:
                return flc
        return None

    def print_inner(self, printer: Printer) -> None:
        printer.write("fused")
        if self.metadata is not None:
            printer.write("<")
            printer.print_attribute(self.metadata)
            printer.write(">")
        printer.write("[")
        for i, loc in enumerate(self.locations):
            if i:
                printer.write(", ")
            printer.print_location_inner(loc)
        printer.write("]")


# ----------------------------------------------------------------------------
# Packed source locations
# ----------------------------------------------------------------------------


class _Source:
    __slots__ = ("filename", "text", "line_offset", "line_starts")

    def __init__(self, filename: str, text: str, line_offset: int):
        self.filename = filename
        self.text = text
        self.line_offset = line_offset
        self.line_starts = None


_SOURCES: list[_Source] = []
_OFFSET_BITS = 40


def register_source_for_locs(filename: str, text: str, line_offset: int = 0) -> int:
    """A source id for `pack_source_loc`. The text is kept only until a
    location is first decoded; then its line table (8 bytes a line) replaces it."""
    _SOURCES.append(_Source(filename, text, line_offset))
    return len(_SOURCES) - 1


def pack_source_loc(source_id: int, offset: int) -> int:
    """An op's location as one int, `source_id` and a byte offset: cheaper than a FileLineColLoc per parsed op."""
    return (source_id << _OFFSET_BITS) | offset


def decode_source_loc(code: int) -> FileLineColLoc:
    """The FileLineColLoc a packed location stands for (builds the source's line table on first use)."""
    import bisect
    from array import array
    src = _SOURCES[code >> _OFFSET_BITS]
    offset = code & ((1 << _OFFSET_BITS) - 1)
    starts = src.line_starts
    if starts is None:
        starts = array("q", [0])
        text = src.text
        i = text.find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        src.line_starts = starts
        src.text = None
    line = bisect.bisect_right(starts, offset)
    return FileLineColLoc.fast(src.filename, line + src.line_offset, offset - starts[line - 1] + 1)
