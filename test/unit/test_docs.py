"""The tutorials in docs/ are executable.

Block kinds, by their info string:
- ```python: run in order, in one namespace, in a scratch folder;
- ```python file=NAME / ```mlir file=NAME: appended to NAME in that folder
  (a user's files; the folder is importable while the blocks run);
- ```console: `$ mir-opt ...` lines run there as a shell would (the command
  line exactly as written), and what they print must be the lines that follow,
  up to the SSA value names (the printer's naming is not the tutorial's point).
"""

import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

from mlir_py.pass_manager import registry_scope

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
TUTORIALS = sorted(p for p in DOCS.glob("tutorial-*.md"))
BIN = pathlib.Path(sys.executable).parent
_BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", flags=re.S | re.M)


def blocks(path: pathlib.Path) -> list[tuple[str, dict, str]]:
    """(language, {key: value} of the info string, text) per fenced block."""
    out = []
    for lang, info, text in _BLOCK.findall(path.read_text()):
        attrs = dict(kv.split("=", 1) for kv in info.split() if "=" in kv)
        out.append((lang, attrs, text))
    return out


def python_blocks(path: pathlib.Path) -> list[str]:
    return [text for lang, attrs, text in blocks(path) if lang == "python" and "file" not in attrs]


def _normalize_ssa(text: str) -> str:
    """%names renumbered by first appearance, so any naming scheme compares equal."""
    names: dict[str, str] = {}
    return re.sub(r"%[\w$.#-]+", lambda m: names.setdefault(m.group(), f"%v{len(names)}"), text)


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_tutorial_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    all_blocks = blocks(path)
    assert any(lang == "python" for lang, _, _ in all_blocks), f"{path.name} has no python blocks"
    files: list[str] = []
    for lang, attrs, text in all_blocks:
        if "file" in attrs:
            with open(tmp_path / attrs["file"], "a") as f:
                f.write(text)
            files.append(pathlib.Path(attrs["file"]).stem)
    monkeypatch.syspath_prepend(str(tmp_path))
    env: dict = {"__name__": f"tutorial_{path.stem}"}
    try:
        with registry_scope():  # passes the tutorial registers do not outlive it
            for i, (lang, attrs, text) in enumerate(all_blocks):
                if lang == "python" and "file" not in attrs:
                    exec(compile(text, f"{path.name}[block {i}]", "exec"), env)
                elif lang == "console":
                    _run_console(text, tmp_path)
    finally:
        for name in files:
            sys.modules.pop(name, None)


def _run_console(text: str, folder: pathlib.Path) -> None:
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        assert lines[i].startswith("$ "), f"console block must start with '$ ': {lines[i]!r}"
        argv = shlex.split(lines[i][2:])
        expected = []
        i += 1
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        tool = BIN / argv[0]
        assert tool.exists(), f"unknown tool {argv[0]}"
        env = {k: v for k, v in os.environ.items() if k != "MLIR_PY_DEBUG"}
        r = subprocess.run([str(tool), *argv[1:]], cwd=folder, capture_output=True, text=True, timeout=300,
                           env=env)
        assert r.returncode == 0, r.stderr
        assert _normalize_ssa(r.stdout.rstrip("\n")) == _normalize_ssa("\n".join(expected)), r.stdout
