"""--verify-diagnostics: match emitted diagnostics against expected-* comments.

Syntax as mlir-opt: `// expected-error @+1 {{substring}}`, `@-N`, `@above`,
`@below` (the nearest line in that direction that is not itself a
designator), no `@` for the same line; `expected-warning`, `-note`, `-remark`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TextIO

from mlir_py.ir.diagnostics import Diagnostic

# the message runs to the last `}}` of the line, as in MLIR (regexes may nest `{{...}}`)
_EXPECT = re.compile(r"expected-(error|warning|note|remark)(-re)?\s*(?:@([+-]\d+|above|below|\d+))?\s*\{\{(.*)\}\}")


@dataclass
class _Expected:
    severity: str
    line: int
    col: int
    text: str
    regex: bool
    designator_line: int
    matched: bool = False

    def matches(self, msg: str) -> bool:
        if self.regex:
            try:
                return re.search(_mlir_regex(self.text), msg) is not None
            except re.error:
                return False
        return self.text in msg


_POSIX = {"digit": "0-9", "alpha": "a-zA-Z", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
          "space": " \\t\\n\\r\\f\\v", "xdigit": "0-9a-fA-F", "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")}


def _posix_classes(rx: str) -> str:
    """llvm::Regex (POSIX) bracket classes such as `[[:digit:]]` in Python's syntax."""
    return re.sub(r"\[:(\w+):\]", lambda m: _POSIX.get(m.group(1), m.group(0)), rx)


def _mlir_regex(pattern: str) -> str:
    """`expected-error-re` mixes literal text with {{regex}} groups."""
    out = []
    i = 0
    while i < len(pattern):
        j = pattern.find("{{", i)
        if j < 0:
            out.append(re.escape(pattern[i:]))
            break
        out.append(re.escape(pattern[i:j]))
        k = pattern.find("}}", j + 2)
        if k < 0:
            out.append(re.escape(pattern[j:]))
            break
        out.append("(?:" + _posix_classes(pattern[j + 2:k]) + ")")
        i = k + 2
    return "".join(out)


class DiagnosticVerifier:
    def __init__(self, filename: str, text: str, line_offset: int):
        self.filename = filename
        self.expected: list[_Expected] = []
        self.unexpected: list[Diagnostic] = []
        lines = text.split("\n")
        designator_lines = set()
        parsed = []
        for i, line in enumerate(lines):
            for m in _EXPECT.finditer(line):
                designator_lines.add(i)
                parsed.append((i, m))
        for i, m in parsed:
            where = m.group(3)
            if where is None:
                target = i
            elif where == "above":
                target = i - 1
                while target in designator_lines:
                    target -= 1
            elif where == "below":
                target = i + 1
                while target in designator_lines:
                    target += 1
            elif where[0] in "+-":
                target = i + int(where)
            else:
                target = int(where) - 1 - line_offset
            self.expected.append(_Expected(m.group(1), target + 1 + line_offset, m.start() + 1, m.group(4),
                                           m.group(2) is not None, i + 1 + line_offset))

    def handle(self, diag: Diagnostic) -> None:
        self._check(diag)
        # notes may be attached after emission: look at them when finishing
        self._pending = getattr(self, "_pending", [])
        self._pending.append(diag)

    def _check(self, diag: Diagnostic) -> None:
        flc = diag.location.file_line_col() if diag.location is not None else None
        for e in self.expected:
            if e.matched or e.severity != diag.severity:
                continue
            if flc is not None and flc[1] == e.line and e.matches(diag.message):
                e.matched = True
                return
        self.unexpected.append(diag)

    def finish(self, err: TextIO) -> bool:
        for d in getattr(self, "_pending", []):
            for n in d.notes:
                self._check(n)
        ok = True
        for d in self.unexpected:
            ok = False
            flc = d.location.file_line_col() if d.location is not None else None
            if flc is None:
                print(f"{self.filename}: error: unexpected {d.severity}: {d.message}", file=err)
            else:
                rendered = Diagnostic("error", d.location, f"unexpected {d.severity}: {d.message}").render()
                print(rendered, file=err)
        for e in self.expected:
            if not e.matched:
                ok = False
                from mlir_py.ir.location import FileLineColLoc
                d = Diagnostic("error", FileLineColLoc(self.filename, e.designator_line, e.col),
                               f'expected {e.severity} "{e.text}" was not produced')
                print(d.render(), file=err)
        return ok
