"""Watching a pass pipeline run: IR dumps, timing and statistics reports.

The pass manager calls the hooks of `PassInstrumentation` around every pass
and nested pipeline; everything here is built on those hooks, so a user's
own instrumentation (a profiler, a tracer) sees exactly what these see. The
output formats are mlir-opt's, so scripts and habits carry over:
`// -----// IR Dump After CSE (cse) //----- //`, the `... Execution time
report ...` tree, the `... Pass statistics report ...` listing.

Nothing here imports the pass manager; pipelines are read through their
public shape (`pm.passes`, whose nested entries carry `nested_pm`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, TextIO

from mlir_py.text.printer import print_op_to_string

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation

__all__ = [
    "IRPrinterInstrumentation", "IRPrintingConfig", "PassInstrumentation",
    "PassTimingInstrumentation", "Timer", "TimingManager", "print_pass_statistics",
]


_RULE = "===" + "-" * 73 + "==="


def _banner(title: str) -> str:
    return f"{_RULE}\n{' ' * ((80 - len(title)) // 2)}{title}\n{_RULE}\n"


class PassInstrumentation:
    """Hooks around pass execution; override the ones you need.

    `pipeline` is the nested pass manager about to run on `op` (its
    `anchor_name` is `'func.func'`, `'any'`, ...) and `parent` the entry of
    the enclosing pass list that nests it. A failing pass gets
    `run_after_pass_failed` instead of `run_after_pass`.
    """

    def run_before_pipeline(self, pipeline: Any, op: Operation, parent: Any) -> None:
        """Before the nested `pipeline` runs on `op` (once per op it is scheduled on)."""

    def run_after_pipeline(self, pipeline: Any, op: Operation, parent: Any) -> None:
        """After the nested `pipeline` ran on `op`, whether or not it succeeded."""

    def run_before_pass(self, pass_: Any, op: Operation) -> None:
        """Before `pass_` runs on `op`; the op may be printed or fingerprinted here, not modified."""

    def run_after_pass(self, pass_: Any, op: Operation) -> None:
        """After `pass_` succeeded on `op` (and, with verify-each, the IR verified afterwards)."""

    def run_after_pass_failed(self, pass_: Any, op: Operation) -> None:
        """After `pass_` failed on `op` (instead of `run_after_pass`); the IR may be half-rewritten."""


# ----------------------------------------------------------------------------
# IR printing
# ----------------------------------------------------------------------------


@dataclass
class IRPrintingConfig:
    """Which passes get an IR dump and how it is printed.

    `before` / `after` hold pass names (`cse`); the `*_all` flags select every
    pass. `after_change` limits the after-dumps to passes that changed the IR
    (given alone, it selects every pass that does); `after_failure` dumps,
    in generic form, the IR a failing pass left; `module_scope` prints the
    whole top-level op instead of the op the pass ran on.
    """

    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    before_all: bool = False
    after_all: bool = False
    after_change: bool = False
    after_failure: bool = False
    module_scope: bool = False
    generic: bool = False
    debuginfo: bool = False
    #: the printing flags of the main output (--mlir-print-local-scope, --keep-ssa-names)
    local_scope: bool = False
    keep_ssa_names: bool = False
    stream: TextIO | None = None

    @property
    def enabled(self) -> bool:
        """Whether any pass would get a dump (the command line installs the IR printer only then)."""
        return bool(self.before or self.after or self.before_all or self.after_all or self.after_change
                    or self.after_failure)


class IRPrinterInstrumentation(PassInstrumentation):
    """Dumps the IR around passes, as `--mlir-print-ir-*` asks."""

    def __init__(self, config: IRPrintingConfig):
        self.config = config
        self._fingerprints: dict[int, str | None] = {}

    def _selects_after(self, p: Any) -> bool:
        c = self.config
        if c.after_all or p.name in c.after:
            return True
        return c.after_change and not c.after

    def run_before_pass(self, p: Any, op: Operation) -> None:
        c = self.config
        if c.after_change and self._selects_after(p):
            self._fingerprints[id(p)] = _fingerprint(op)
        if c.before_all or p.name in c.before:
            self._dump("Before", p, op)

    def run_after_pass(self, p: Any, op: Operation) -> None:
        if not self._selects_after(p):
            return
        if self.config.after_change:
            before = self._fingerprints.pop(id(p), None)
            if before is not None and before == _fingerprint(op):
                return
        self._dump("After", p, op)

    def run_after_pass_failed(self, p: Any, op: Operation) -> None:
        self._fingerprints.pop(id(p), None)
        if self.config.after_failure:
            self._dump("After", p, op, failed=True, generic=True)

    def _dump(self, when: str, p: Any, op: Operation, *, failed: bool = False, generic: bool | None = None) -> None:
        c = self.config
        title = f"// -----// IR Dump {when} {p.display_name}{' Failed' if failed else ''} ({p.name})"
        target = op
        if c.module_scope:
            sym = getattr(op.get_attr("sym_name"), "value", None)
            title += f" ('{op.name}' operation" + (f": @{sym}" if isinstance(sym, str) else "") + ")"
            while target.parent_op is not None:
                target = target.parent_op
        # a nested op prints in local scope, as MLIR's IR printing does: names
        # start at the op, attributes and types print inline
        text = _print_op(target, c.generic if generic is None else generic, c.debuginfo,
                         local_scope=c.local_scope or target.parent is not None,
                         keep_ssa_names=c.keep_ssa_names)
        out = c.stream if c.stream is not None else sys.stderr
        out.write(f"{title} //----- //\n{text}\n\n")
        out.flush()


def _print_op(op: Operation, generic: bool, debuginfo: bool, **flags: bool) -> str:
    try:
        return print_op_to_string(op, generic=generic, debuginfo=debuginfo, **flags)
    except Exception as e:  # IR a pass broke must not turn a dump into a crash
        if not generic:
            return _print_op(op, True, debuginfo, **flags)
        return f"<<cannot print '{op.name}': {type(e).__name__}: {e}>>"


def _fingerprint(op: Operation) -> str | None:
    """The generic form with locations: any change a pass can make shows in it."""
    try:
        return print_op_to_string(op, generic=True, debuginfo=True)
    except Exception:
        return None


# ----------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------


class Timer:
    """Wall time accumulated over any number of start/stop intervals, with
    children keyed by identity so that a pass run on a hundred functions
    shows once, with the sum of its runs."""

    def __init__(self, name: str, *, hidden: bool = False):
        self.name = name
        #: left out of the tree display (its children move up); listed in the list display
        self.hidden = hidden
        self.wall = 0.0
        self.children: dict[Any, Timer] = {}
        self._started: float | None = None

    def nest(self, key: Any, name: str | Callable[[], str], *, hidden: bool = False) -> Timer:
        """The child timer under `key`, created on first use with `name` (a callable name is evaluated only then);
        a `hidden` timer shows in the list display only, as upstream's pipeline-collection timers."""
        t = self.children.get(key)
        if t is None:
            t = Timer(name() if callable(name) else name, hidden=hidden)
            self.children[key] = t
        return t

    def start(self) -> Timer:
        """Start an interval; returns the timer, for `t.nest(...).start()`."""
        self._started = time.perf_counter()
        return self

    def stop(self) -> None:
        """End the running interval and add it to `wall`; no-op when not running."""
        if self._started is not None:
            self.wall += time.perf_counter() - self._started
            self._started = None

    def elapsed(self) -> float:
        """Accumulated time, including a running interval."""
        if self._started is None:
            return self.wall
        return self.wall + time.perf_counter() - self._started

    def __enter__(self) -> Timer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class TimingManager:
    """The timer tree behind `--mlir-timing`.

    The root runs from the manager's creation to the report; a tool times
    its own phases with `with tm.phase("Parser"):`, and pass managers nest
    pipelines and passes under the root. Time no child covers is `Rest`.

    The two displays are mlir-opt's: `tree` shows the timers nested, in the
    order they were first started, without the root and hidden timers;
    `list` merges every timer of the tree - root and hidden ones included -
    by name and sorts them by wall time, longest first (ties keep the order
    of first appearance, where mlir-opt's unstable sort leaves it open).
    """

    def __init__(self, display: str = "tree"):
        if display not in ("tree", "list"):
            raise ValueError(f"timing display must be 'tree' or 'list', not {display!r}")
        self.display = display
        self.root = Timer("root").start()

    def phase(self, name: str) -> Timer:
        """A top-level timer for a tool phase; use as a context manager."""
        return self.root.nest(("phase", name), name)

    def print_report(self, stream: TextIO | None = None) -> None:
        """Write mlir-opt's `... Execution time report ...` (wall time and share per pass; a tree or a flat
        list as `display` says) to `stream`, default stderr."""
        out = stream if stream is not None else sys.stderr
        total = self.root.elapsed()
        lines = [_banner("... Execution time report ..."),
                 f"  Total Execution Time: {total:.4f} seconds\n\n",
                 "  ----Wall Time----  ----Name----\n"]

        def entry(indent: int, name: str, wall: float) -> None:
            pct = 100.0 * wall / total if total > 0 else 0.0
            lines.append(f"  {wall:8.4f} ({pct:5.1f}%)  {' ' * indent}{name}\n")

        if self.display == "tree":
            def tree(t: Timer, indent: int) -> None:
                if not t.hidden:
                    entry(indent, t.name, t.elapsed())
                for c in t.children.values():
                    tree(c, indent if t.hidden else indent + 2)
            for c in self.root.children.values():
                tree(c, 0)
        else:
            merged: dict[str, float] = {}

            def collect(t: Timer) -> None:
                merged[t.name] = merged.get(t.name, 0.0) + t.elapsed()
                for c in t.children.values():
                    collect(c)
            merged[self.root.name] = total  # the root is still running: read it once
            for c in self.root.children.values():
                collect(c)
            for name, wall in sorted(merged.items(), key=lambda kv: -kv[1]):
                entry(0, name, wall)
        rest = total - sum(c.elapsed() for c in self.root.children.values())
        entry(0, "Rest", max(rest, 0.0))
        entry(0, "Total", total)
        out.write("".join(lines))
        out.flush()


class PassTimingInstrumentation(PassInstrumentation):
    """Times every pass and nested pipeline under `parent` (by default the
    manager's root), as `'func.func' Pipeline` / `CSE` entries. As in MLIR,
    a nested pipeline sits under a hidden `Pipeline Collection : ['func.func']`
    timer (the pass that runs it), which only the list display shows."""

    def __init__(self, manager: TimingManager, parent: Timer | None = None):
        self.manager = manager
        self.parent = parent if parent is not None else manager.root
        self._active: list[Timer] = []

    def _top(self) -> Timer:
        return self._active[-1] if self._active else self.parent

    def run_before_pipeline(self, pipeline: Any, op: Operation, parent: Any) -> None:
        collection = self._top().nest(parent, lambda: f"Pipeline Collection : ['{pipeline.anchor_name}']",
                                      hidden=True)
        self._active.append(collection.start())
        t = collection.nest(pipeline, lambda: f"'{pipeline.anchor_name}' Pipeline")
        self._active.append(t.start())

    def run_after_pipeline(self, pipeline: Any, op: Operation, parent: Any) -> None:
        self._active.pop().stop()
        self._active.pop().stop()

    def run_before_pass(self, p: Any, op: Operation) -> None:
        self._active.append(self._top().nest(p, p.display_name).start())

    def run_after_pass(self, pass_: Any, op: Operation) -> None:
        self._active.pop().stop()

    run_after_pass_failed = run_after_pass


# ----------------------------------------------------------------------------
# Statistics
# ----------------------------------------------------------------------------


@dataclass
class _StatLine:
    name: str
    help: str
    value: int


@dataclass
class _Entry:
    name: str
    stats: list[_StatLine] = field(default_factory=list)


def print_pass_statistics(pm: Any, stream: TextIO | None = None, display: str = "pipeline") -> None:
    """The `--mlir-pass-statistics` report for the passes of `pm`.

    `pipeline` mirrors the nesting (`'func.func' Pipeline` then its passes);
    `list` merges passes of the same name and sorts them.
    """
    out = stream if stream is not None else sys.stderr
    lines = [_banner("... Pass statistics report ...")]

    def stat_lines(p: Any) -> list[_StatLine]:
        return [_StatLine(s.name, s.help, p.stats[s.name]) for s in type(p).statistics]

    def emit(indent: int, e: _Entry) -> None:
        lines.append(f"{' ' * indent}{e.name}\n")
        if not e.stats:
            return
        stats = sorted(e.stats, key=lambda s: s.name)
        wn = max(len(s.name) for s in stats)
        wv = max(len(str(s.value)) for s in stats)
        for s in stats:
            lines.append(f"{' ' * (indent + 2)}(S) {s.value:>{wv}} {s.name:<{wn}} - {s.help}\n")

    if display == "list":
        merged: dict[str, _Entry] = {}
        for p in _all_passes(pm.passes):
            stats = stat_lines(p)
            if not stats:
                continue
            e = merged.get(p.display_name)
            if e is None:
                merged[p.display_name] = _Entry(p.display_name, stats)
            else:
                for mine, more in zip(e.stats, stats):
                    mine.value += more.value
        for name in sorted(merged):
            emit(2, merged[name])
    else:
        def walk(entries: Iterable[Any], indent: int) -> None:
            for p in entries:
                nested = getattr(p, "nested_pm", None)
                if nested is not None:
                    emit(indent, _Entry(f"'{nested.anchor_name}' Pipeline"))
                    walk(nested.passes, indent + 2)
                else:
                    emit(indent, _Entry(p.display_name, stat_lines(p)))
        walk(pm.passes, 0)
    lines.append("\n")
    out.write("".join(lines))
    out.flush()


def _all_passes(entries: Iterable[Any]) -> Iterable[Any]:
    for p in entries:
        nested = getattr(p, "nested_pm", None)
        if nested is not None:
            yield from _all_passes(nested.passes)
        else:
            yield p
