"""Round-trip our lit inputs through mir-opt and upstream's iree-opt and diff them.

A dev-only conformance check: ops that exist upstream must print exactly as
upstream prints them, in custom and in generic form. Every `test/**/*.mir`
input is split on `// -----`; files that need our own dialects or passes
(`--load-dialect`, `--load-pass-plugin`) or that are meant to fail
(`not mir-opt`, `--verify-diagnostics`) are skipped, as are chunks that
iree-opt itself rejects (those test syntax of ours, or are broken on purpose).

SSA names: the printer is being switched to upstream's names (`%0`, `%arg0`,
`%c0`, ...). Until that lands, outputs are also compared *modulo SSA value and
block names* (each name replaced by its order of first appearance); the
report says how many chunks match exactly and how many only modulo names.

    python test/upstream/compare_with_iree.py [--iree-opt PATH] [-v] [FILES...]

Exit status: 0 when every compared chunk matches (modulo names unless
`--exact`), 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_MARKER = re.compile(r"^[ \t]*//[ \t]*-----[ \t]*$", re.M)
_SKIP_RUN = ("--load-dialect", "--load-pass-plugin", "--verify-diagnostics", "not mir-opt")
_NAME = re.compile(r"%[A-Za-z_$.\-0-9]+|\^[A-Za-z_$.\-0-9]+")
_GROUP = re.compile(r"%_(:\d+|#\d+)")
_RESULTS = re.compile(r"%_(, %_)* =")


def find_iree_opt(explicit: str | None = None) -> str | None:
    """iree-opt from the flag, next to this Python (the venv), or on PATH."""
    if explicit:
        return explicit
    here = Path(sys.executable).parent / "iree-opt"
    if here.exists():
        return str(here)
    return shutil.which("iree-opt")


def lit_inputs(paths: list[str] | None = None) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    return sorted(p for p in (ROOT / "test").rglob("*.mir") if "Inputs" not in p.parts and "Output" not in p.parts)


def run_lines(text: str) -> list[str]:
    return [line.split("RUN:", 1)[1] for line in text.splitlines() if "RUN:" in line]


def skip_reason(text: str) -> str | None:
    runs = run_lines(text)
    if not any("mir-opt" in r for r in runs):
        return "no mir-opt RUN line"
    for r in runs:
        for flag in _SKIP_RUN:
            if flag in r:
                return f"RUN line uses `{flag}`"
    return None


def split_chunks(text: str) -> list[tuple[str, int]]:
    """(chunk, first line number) pairs, as --split-input-file splits."""
    out, start, line = [], 0, 1
    for m in _MARKER.finditer(text):
        chunk = text[start:m.start()]
        out.append((chunk, line))
        line += chunk.count("\n") + 1
        start = m.end()
    out.append((text[start:], line))
    return out


def normalize_names(text: str) -> str:
    """Every SSA value and block name replaced by one placeholder.

    Lossy on purpose: upstream's naming also decides between `%sum, %overflow =`
    and `%0:2 =` (and `%0#1` uses), so a result group counts as one name.
    Trailing blank lines are dropped too: upstream ends its output with one,
    which belongs to the same printer change as the names."""
    text = _NAME.sub(lambda m: m.group()[0] + "_", text)
    text = _GROUP.sub("%_", text)
    text = _RESULTS.sub("%_ =", text)
    return text.rstrip("\n")


def run_mir_opt(path: str, flags: list[str]) -> tuple[int, str, str]:
    """mir-opt in this process (its start-up would dominate the run time)."""
    from mlir_py.tools.mir_opt import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([path, *flags])
    return rc, out.getvalue(), err.getvalue()


def run_iree_opt(iree: str, path: str, flags: list[str]) -> tuple[int, str, str]:
    p = subprocess.run([iree, path, *flags], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


@dataclass
class Report:
    files: int = 0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    iree_rejects: list[str] = field(default_factory=list)
    mir_rejects: list[str] = field(default_factory=list)
    exact: int = 0
    modulo_names: int = 0
    different: list[tuple[str, str]] = field(default_factory=list)


def compare_chunk(iree: str, where: str, chunk: str, flags: list[str], rep: Report, exact_only: bool) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(chunk)
        tmp = f.name
    try:
        for form in ([], ["--mlir-print-op-generic"]):
            label = f"{where}{' (generic)' if form else ''}"
            rc_i, out_i, err_i = run_iree_opt(iree, tmp, flags + form)
            if rc_i != 0:
                rep.iree_rejects.append(f"{label}: {err_i.strip().splitlines()[0] if err_i.strip() else rc_i}")
                return
            rep.chunks += 1
            rc_m, out_m, err_m = run_mir_opt(tmp, flags + form)
            if rc_m != 0:
                rep.mir_rejects.append(f"{label}: {err_m.strip().splitlines()[0] if err_m.strip() else rc_m}")
                continue
            if out_m == out_i:
                rep.exact += 1
            elif not exact_only and normalize_names(out_m) == normalize_names(out_i):
                rep.modulo_names += 1
            else:
                diff = "".join(difflib.unified_diff(out_i.splitlines(True), out_m.splitlines(True),
                                                    "iree-opt", "mir-opt", n=1))
                rep.different.append((label, diff))
    finally:
        os.unlink(tmp)


def compare(iree: str, files: list[Path], exact_only: bool = False) -> Report:
    rep = Report()
    for path in files:
        text = path.read_text()
        rel = os.path.relpath(path, ROOT)
        reason = skip_reason(text)
        if reason:
            rep.skipped_files.append((rel, reason))
            continue
        rep.files += 1
        flags = ["--allow-unregistered-dialect"] if any("--allow-unregistered-dialect" in r
                                                         for r in run_lines(text)) else []
        for chunk, line in split_chunks(text):
            if not chunk.strip() or not any(not ln.lstrip().startswith("//") and ln.strip()
                                            for ln in chunk.splitlines()):
                continue
            # keep line numbers file-relative in diagnostics
            compare_chunk(iree, f"{rel}:{line}", "\n" * (line - 1) + chunk, flags, rep, exact_only)
    return rep


def print_report(rep: Report, verbose: bool, out=sys.stdout) -> None:
    w = out.write
    w(f"files compared: {rep.files}; skipped: {len(rep.skipped_files)}\n")
    w(f"chunk outputs compared (custom + generic): {rep.chunks}\n")
    w(f"  identical: {rep.exact}\n")
    w(f"  identical modulo SSA/block names and the final blank line only: {rep.modulo_names}"
      " (expected while the printer's default names differ from upstream's)\n")
    w(f"  different: {len(rep.different)}\n")
    w(f"  rejected by mir-opt but accepted by iree-opt: {len(rep.mir_rejects)}\n")
    w(f"chunks iree-opt rejects (not compared): {len(rep.iree_rejects)}\n")
    for m in rep.mir_rejects:
        w(f"MIR-OPT REJECTS {m}\n")
    for label, diff in rep.different:
        w(f"DIFFERENT {label}\n")
        if verbose:
            w(diff)
    if verbose:
        for m in rep.iree_rejects:
            w(f"iree-opt rejects {m}\n")
        for f, why in rep.skipped_files:
            w(f"skipped {f}: {why}\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--iree-opt")
    ap.add_argument("--exact", action="store_true", help="do not forgive differences in SSA names")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    iree = find_iree_opt(args.iree_opt)
    if iree is None:
        print("compare_with_iree: iree-opt not found (pip install iree-base-compiler)", file=sys.stderr)
        return 2
    rep = compare(iree, lit_inputs(args.files), args.exact)
    print_report(rep, args.verbose)
    return 0 if not rep.different and not rep.mir_rejects else 1


if __name__ == "__main__":
    sys.exit(main())
