"""Debug info for `mir-translate -g`: a DICompileUnit for the module, a DISubprogram per defined
function and a DILocation (line and column of the op's FILE:LINE:COL) on every instruction, so
debuggers and profilers map machine code back to the .mir source."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlir_py.target.llvmir.translate import ModuleTranslator


def _file_line_col(loc: Any) -> tuple[str, int, int] | None:
    fn = getattr(loc, "file_line_col", None)
    if fn is None:
        return None
    try:
        flc = fn()
    except Exception:  # noqa: BLE001 - locations without a file position
        return None
    return tuple(flc) if flc else None  # type: ignore[return-value]


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\5C").replace('"', "\\22") + '"'


class DebugInfo:
    """Builds the debug metadata while the translator emits functions."""

    def __init__(self, translator: ModuleTranslator, module: Any):
        self.t = translator
        self.files: dict[str, str] = {}
        self.cu: str | None = None
        self.scope: str | None = None
        self.scope_line = 0
        flc = _file_line_col(module.location)
        self.default_file = flc[0] if flc else "<unknown>"

    def file(self, name: str) -> str:
        f = self.files.get(name)
        if f is None:
            d, b = os.path.split(os.path.abspath(name)) if name != "<unknown>" else ("", name)
            f = self.files[name] = self.t.md(f"!DIFile(filename: {_quote(b)}, directory: {_quote(d)})")
        return f

    def compile_unit(self) -> str:
        if self.cu is None:
            f = self.file(self.default_file)
            self.cu = self.t.new_md(f'distinct !DICompileUnit(language: DW_LANG_C, file: {f}, producer: "mlir_py", '
                                    "isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug)")
        return self.cu

    def subprogram(self, op: Any) -> str:
        """Attach a DISubprogram to the function being defined; returns ` !dbg !N` for its header."""
        cu = self.compile_unit()
        flc = _file_line_col(op.location) or (self.default_file, 0, 0)
        f = self.file(flc[0])
        ty = self.t.md("!DISubroutineType(types: !{})")
        name = _quote(op.properties["sym_name"].value)
        self.scope_line = flc[1]
        self.scope = self.t.new_md(
            f"distinct !DISubprogram(name: {name}, linkageName: {name}, scope: {f}, file: {f}, line: {flc[1]}, "
            f"type: {ty}, scopeLine: {flc[1]}, spFlags: DISPFlagDefinition, unit: {cu})")
        return f" !dbg {self.scope}"

    def location(self, op: Any) -> str:
        """`, !dbg !N` for an instruction: the op's line and column in the current function."""
        flc = _file_line_col(op.location)
        line, col = (flc[1], flc[2]) if flc else (self.scope_line, 0)
        return f", !dbg {self.t.md(f'!DILocation(line: {line}, column: {col}, scope: {self.scope})')}"

    def end_function(self) -> None:
        self.scope = None

    def finish(self) -> None:
        """Create the module-level nodes (before the translator writes out the metadata list)."""
        self._named: list[str] = []
        if self.cu is None:
            return
        version = self.t.md('!{i32 2, !"Debug Info Version", i32 3}')
        dwarf = self.t.md('!{i32 7, !"Dwarf Version", i32 4}')
        self._named = [f"!llvm.dbg.cu = !{{{self.cu}}}", f"!llvm.module.flags = !{{{version}, {dwarf}}}"]

    def named_metadata(self) -> list[str]:
        return self._named
