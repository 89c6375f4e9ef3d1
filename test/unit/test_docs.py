"""The tutorials in docs/ are executable: their ```python blocks run in order."""

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
TUTORIALS = sorted(p for p in DOCS.glob("tutorial-*.md"))


def python_blocks(path: pathlib.Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), flags=re.S | re.M)


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_tutorial_runs(path, capsys):
    blocks = python_blocks(path)
    assert blocks, f"{path.name} has no python blocks"
    env: dict = {"__name__": f"tutorial_{path.stem}"}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{path.name}[block {i}]", "exec"), env)
