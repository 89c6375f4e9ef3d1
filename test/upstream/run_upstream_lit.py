"""Run upstream MLIR's own lit tests with `iree-opt` and with `mir-opt` in its place.

Upstream's test files are not part of this project (they are read from a
directory the developer provides; nothing of them is copied into the tree).
For every RUN line of every file:

1. it runs with `mlir-opt` meaning `iree-opt` (current upstream);
2. the lines that pass there run again with `mlir-opt` meaning `mir-opt`.

A RUN line counts for us when it passes with both. Lines that fail with
iree-opt use test-only passes (`-test-...`), features iree-opt lacks or
FileCheck features our Python `filecheck` lacks; they are reported as
excluded, never as failures.

    python test/upstream/run_upstream_lit.py DIR_OR_FILES... [-v] [--markdown FILE]

lit is emulated, not imported: `%s %t %S %p` and `// DEFINE:` substitutions,
`\\`-continued RUN lines, `not` (and `not --crash`), `FileCheck` mapped to the
Python `filecheck`, and each RUN line run by bash with pipefail. Files with
`REQUIRES:` lines are skipped (they need a build configuration we do not
have). Exit status 0 when every line iree-opt passes also passes with mir-opt.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

_RUN = re.compile(r"^\s*//\s*RUN:(.*)$")
_DEFINE = re.compile(r"^\s*//\s*(RE)?DEFINE:\s*%\{([\w.-]+)\}\s*=(.*)$")
_REQUIRES = re.compile(r"^\s*//\s*(REQUIRES|UNSUPPORTED):")
_UNKNOWN_SUBST = re.compile(r"%(\{[\w.-]+\}|[a-zA-Z_][\w]*)")


def run_lines(text: str) -> list[str]:
    """The RUN commands of a file, continuation lines joined and DEFINEs applied."""
    defines: dict[str, str] = {}
    out: list[str] = []
    pending = ""
    for line in text.splitlines():
        d = _DEFINE.match(line)
        if d:
            defines[d.group(2)] = d.group(3).strip()
            continue
        m = _RUN.match(line)
        if not m:
            continue
        part = m.group(1).rstrip()
        if part.endswith("\\"):
            pending += part[:-1] + " "
            continue
        cmd = (pending + part).strip()
        pending = ""
        for name, value in defines.items():
            cmd = cmd.replace("%{" + name + "}", value)
        out.append(cmd)
    return out


def substitute(cmd: str, path: Path, tmp: Path) -> str | None:
    """lit's substitutions; None when the line needs one we cannot provide."""
    cmd = (cmd.replace("%s", str(path)).replace("%S", str(path.parent))
           .replace("%p", str(path.parent)).replace("%t", str(tmp)))
    cmd = re.sub(r"\bFileCheck\b", "filecheck", cmd)
    return None if _UNKNOWN_SUBST.search(cmd.replace("%%", "")) else cmd


_SHIM_NOT = """#!/usr/bin/env python3
import subprocess, sys
args = sys.argv[1:]
crash = args[:1] == ["--crash"]
if crash:
    args = args[1:]
rc = subprocess.call(args)
if crash:
    sys.exit(0 if rc < 0 or rc > 128 else 1)
sys.exit(0 if rc != 0 else 1)
"""


def make_shims(root: Path, tool: str, filecheck: str) -> Path:
    """A bin folder where `mlir-opt` is `tool`, and `not`/`filecheck` exist."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mlir-opt").write_text(f'#!/bin/sh\nexec "{tool}" "$@"\n')
    (root / "filecheck").write_text(f'#!/bin/sh\nexec "{filecheck}" "$@"\n')
    (root / "not").write_text(_SHIM_NOT.replace("python3", sys.executable, 1))
    for f in ("mlir-opt", "filecheck", "not"):
        (root / f).chmod(0o755)
    return root


def run_one(cmd: str, shim: Path, cwd: Path, timeout: float) -> tuple[bool, str]:
    env = dict(os.environ, PATH=f"{shim}{os.pathsep}{os.environ.get('PATH', '')}")
    try:
        p = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timeout after {timeout:.0f} s"
    return p.returncode == 0, (p.stderr or p.stdout)[-4000:]


@dataclass
class FileResult:
    path: Path
    skipped: str | None = None
    lines: list[tuple[str, bool, bool | None, str]] = field(default_factory=list)

    @property
    def reference_passes(self) -> int:
        return sum(1 for _, ref, _, _ in self.lines if ref)

    @property
    def ours_passes(self) -> int:
        return sum(1 for _, ref, ours, _ in self.lines if ref and ours)


def check_file(path: Path, iree_shim: Path, mir_shim: Path, work: Path, timeout: float) -> FileResult:
    text = path.read_text(errors="replace")
    res = FileResult(path)
    if any(_REQUIRES.match(line) for line in text.splitlines()):
        res.skipped = "REQUIRES/UNSUPPORTED"
        return res
    runs = run_lines(text)
    if not runs:
        res.skipped = "no RUN line"
        return res
    for i, raw in enumerate(runs):
        cmd = substitute(raw, path, work / f"{path.stem}.{i}.tmp")
        if cmd is None or "mlir-opt" not in cmd:
            res.lines.append((raw, False, None, "unsupported substitution or not an mlir-opt line"))
            continue
        ref, _ = run_one(cmd, iree_shim, work, timeout)
        if not ref:
            res.lines.append((raw, False, None, "fails with iree-opt"))
            continue
        ours, log = run_one(cmd, mir_shim, work, timeout)
        res.lines.append((raw, True, ours, "" if ours else log))
    return res


def collect(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.rglob("*.mlir")) if p.is_dir() else [p]
    return files


def markdown(results: list[FileResult], base: Path | None) -> str:
    rows = ["| file | RUN lines | pass with iree-opt | pass with mir-opt |", "|---|---|---|---|"]
    for r in results:
        name = str(r.path.relative_to(base)) if base and r.path.is_relative_to(base) else r.path.name
        if r.skipped:
            rows.append(f"| {name} | skipped: {r.skipped} | | |")
        else:
            rows.append(f"| {name} | {len(r.lines)} | {r.reference_passes} | {r.ours_passes} |")
    ref = sum(r.reference_passes for r in results)
    ours = sum(r.ours_passes for r in results)
    rows.append(f"| **total** | {sum(len(r.lines) for r in results)} | {ref} | {ours} |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", help="upstream .mlir test files or folders of them")
    ap.add_argument("--iree-opt", default=None, help="iree-opt binary (default: next to Python, then PATH)")
    ap.add_argument("--mir-opt", default=None, help="mir-opt binary (default: next to Python, then PATH)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per RUN line")
    ap.add_argument("--base", type=Path, default=None, help="print file names relative to this folder")
    ap.add_argument("--markdown", type=Path, default=None, help="also write the table to this file")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the log of every line mir-opt fails")
    args = ap.parse_args(argv)

    here = Path(sys.executable).parent
    iree = args.iree_opt or (str(here / "iree-opt") if (here / "iree-opt").exists() else shutil.which("iree-opt"))
    mir = args.mir_opt or (str(here / "mir-opt") if (here / "mir-opt").exists() else shutil.which("mir-opt"))
    filecheck = str(here / "filecheck") if (here / "filecheck").exists() else shutil.which("filecheck")
    if not iree or not mir or not filecheck:
        print("run_upstream_lit: needs iree-opt, mir-opt and filecheck (pip install iree-base-compiler filecheck)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="upstream-lit-") as tmp:
        work = Path(tmp)
        iree_shim = make_shims(work / "iree-bin", iree, filecheck)
        mir_shim = make_shims(work / "mir-bin", mir, filecheck)
        results = []
        for path in collect(args.paths):
            r = check_file(path.resolve(), iree_shim, mir_shim, work, args.timeout)
            results.append(r)
            if r.skipped:
                continue
            print(f"{path}: {r.ours_passes}/{r.reference_passes} (of {len(r.lines)} RUN lines)", flush=True)
            if args.verbose:
                for raw, ref, ours, log in r.lines:
                    if ref and not ours:
                        print(f"  FAIL: {raw}\n" + "".join(f"    {line}\n" for line in log.splitlines()[-25:]))
    table = markdown(results, args.base)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    return 0 if all(r.ours_passes == r.reference_passes for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
