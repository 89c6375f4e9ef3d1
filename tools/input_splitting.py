"""Splitting a buffer on `// -----` markers (mlir-opt --split-input-file)."""

from __future__ import annotations

import re

_MARKER = re.compile(r"^[ \t]*//[ \t]*-----[ \t]*$", re.M)


def split_input(text: str) -> list[tuple[str, int]]:
    """Chunks and the number of lines before each, so locations stay file-relative."""
    chunks = []
    start = 0
    line = 0
    for m in _MARKER.finditer(text):
        chunk = text[start:m.start()]
        chunks.append((chunk, line))
        line += chunk.count("\n") + text[m.start():m.end()].count("\n")
        start = m.end()
    chunks.append((text[start:], line))
    return chunks
