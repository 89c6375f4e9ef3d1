"""docs/graph.md covers every graph op, and its example block is valid IR; so is the example in each op's
docstring."""

from __future__ import annotations

import pathlib
import re

import pytest
from mlir_py.dialects import graph

import mlir_py as mp
from mlir_py.analysis.verifier import verify
from mlir_py.text.parser import Parser

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "graph.md"


def test_every_op_in_the_table():
    text = DOC.read_text()
    table = "\n".join(line for line in text.splitlines() if line.startswith("| `graph."))
    named = set()
    for cell in re.findall(r"^\| ([^|]+) \|", table, flags=re.M):
        words = re.findall(r"`([a-z_0-9.]+)`", cell)
        named |= {w if w.startswith("graph.") else f"graph.{w}" for w in words}
    assert named == {op.name for op in graph.OPS}


def test_examples_parse_and_verify():
    blocks = re.findall(r"^```mlir\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)
    assert blocks
    module = mp.parse(mp.Context.with_available_dialects(), blocks[0])
    mp.verify(module)
    used = {op.name for op in module.walk() if op.name.startswith("graph.")}
    assert used == {op.name for op in graph.OPS}


@pytest.mark.parametrize("op", graph.OPS, ids=lambda o: o.name)
def test_docstring_examples_parse_and_verify(op):
    """Each op's docstring shows it in use; the example parses as that op and passes the verifier."""
    m = re.search(r"```mlir\n(.*?)```", op.__doc__ or "", re.S)
    assert m, f"{op.name} has no ```mlir example"
    text = re.sub(r"\n\s+(?=[:{])", " ", m.group(1))  # an op continued on an indented line
    ctx = mp.Context.with_available_dialects()
    for line in filter(None, (ln.strip() for ln in text.splitlines())):
        parsed = Parser(ctx, line).parse_operation()
        assert parsed.name == op.name, line
        assert verify(parsed), line
