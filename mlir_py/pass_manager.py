"""Passes and the pass manager.

A pass is a declaration - name, summary, anchor, typed options, statistics -
plus `run_on_operation`; the registry, the command-line flags, the pipeline
parser and `--list-passes` are all derived from that declaration:

```python
@register_pass
class StripDebug(Pass):
    '''Drops the `debug.*` attributes that front ends leave behind.'''
    name = "strip-debug"
    summary = "Remove debug attributes"
    anchor = "func.func"              # None: runs on whatever op it is given
    options = [Option("prefix", str, "debug.", "attribute prefix to drop")]
    statistics = [Statistic("num-removed", "attributes removed")]

    def run_on_operation(self, op):
        for o in op.walk():
            for k in [k for k in o.attributes if k.startswith(self.prefix)]:
                del o.attributes[k]
                self.stats["num-removed"] += 1
```

As in MLIR, a pass manager is anchored on an op name (or `any`) and holds
passes and nested pass managers; a nested pass manager runs on the ops
directly inside the regions of its parent's op (not deeper). An anchored pass
added to a pass manager anchored elsewhere is nested automatically
(`PassManager().add(StripDebug())` runs it on every `func.func` of the
module). After each pass the op is verified; a failing pass, invalid IR and a
Python exception inside a pass all become error diagnostics naming the pass,
and `run` returns False - no traceback escapes (`MLIR_PY_DEBUG=1` attaches it).
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, Mapping, Sequence

from mlir_py import diagnostics
from mlir_py.pass_instrumentation import (
    IRPrinterInstrumentation,
    IRPrintingConfig,
    PassInstrumentation,
    PassTimingInstrumentation,
    TimingManager,
    print_pass_statistics,
)
from mlir_py.pass_pipeline import format_option_value
from mlir_py.traits import IsolatedFromAbove
from mlir_py.user_errors import UserCodeError, describe_exception, raise_site
from mlir_py.verifier import verify

if TYPE_CHECKING:
    from mlir_py.ir import Operation


class PassFailure(Exception):
    """Raised inside `run_on_operation` to fail the pass; the message becomes
    an error at the op the pass ran on."""

    def __init__(self, message: str = ""):
        self.message = message
        super().__init__(message)


class PassDefinitionError(TypeError):
    """A pass declaration is inconsistent (bad option, clashing names, ...)."""


class PassManagerError(ValueError):
    """A pipeline that cannot be assembled (a pass added where it cannot run)."""


# ----------------------------------------------------------------------------
# Options and statistics
# ----------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class Option:
    """A typed pass option: `Option("max-iterations", int, 10, "help")`.

    `type` is int, float, bool, str or any callable taking the option text
    (raise ValueError to reject it). `choices` makes it an enum: a list of
    spellings, or a mapping from spelling to the value the pass sees. The
    pass reads it as an attribute with `-` turned into `_` (`self.max_iterations`).
    """

    is_list: ClassVar[bool] = False

    def __init__(self, name: str, type: Callable[[str], Any] = str, default: Any = None, help: str = "", *,
                 choices: Sequence[str] | Mapping[str, Any] | None = None):
        self.name = name
        self.type = type
        self.help = help
        self.choices: dict[str, Any] | None = None
        if choices is not None:
            self.choices = dict(choices) if isinstance(choices, Mapping) else {c: c for c in choices}
        self.attr = name.replace("-", "_")
        self.default = default

    # -- text -> value ------------------------------------------------------

    def parse_scalar(self, text: str) -> Any:
        """One value from its spelling; ValueError says what was expected."""
        if self.choices is not None:
            if text in self.choices:
                return self.choices[text]
            raise ValueError(f"expected one of {', '.join(repr(c) for c in self.choices)}")
        t = self.type
        if t is bool:
            low = text.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("expected 'true' or 'false'")
        if t is int:
            try:
                return int(text, 0)
            except ValueError:
                raise ValueError("expected an integer") from None
        if t is float:
            try:
                return float(text)
            except ValueError:
                raise ValueError("expected a number") from None
        if t is str:
            return text
        try:
            return t(text)
        except (TypeError, ValueError) as e:
            raise ValueError(str(e) or f"not a valid {getattr(t, '__name__', 'value')}") from None

    def parse_items(self, items: Sequence[str], raw: str | None) -> Any:
        """The value of `name=raw`, whose comma-separated parts are `items`.
        A flag given without a value (`{top-down}`) arrives with `raw=None`."""
        if raw is None:
            if self.type is bool and self.choices is None:
                return True
            raise ValueError("expected a value")
        text = items[0] if len(items) == 1 else raw
        return self.parse_scalar(text)

    # -- python value -> validated value ------------------------------------

    def coerce(self, value: Any) -> Any:
        """Check a value given from Python; strings are parsed as on the command line."""
        if isinstance(value, str) and self.type is not str:
            return self.parse_scalar(value)
        if self.choices is not None:
            if value in self.choices.values():
                return value
            raise ValueError(f"expected one of {', '.join(repr(c) for c in self.choices)}")
        t = self.type
        if t is bool and not isinstance(value, bool):
            raise ValueError("expected a bool")
        if t is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("expected an int")
        if t is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError("expected a number")
        if t is float:
            return float(value)
        return value

    # -- value -> text ------------------------------------------------------

    def format(self, value: Any) -> str:
        """The spelling `parse_items` reads back as `value`."""
        if self.choices is not None:
            for k, v in self.choices.items():
                if v == value:
                    return k
        if isinstance(value, bool):
            return "true" if value else "false"
        return format_option_value(str(value))

    def type_name(self) -> str:
        if self.choices is not None:
            return "value"
        return {int: "int", float: "number", bool: "bool", str: "string"}.get(self.type,
                                                                          getattr(self.type, "__name__", "value"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, default={self.default!r})"


class ListOption(Option):
    """A comma-separated list option: `ListOption("tile-sizes", int, [], "help")`
    parses `tile-sizes=4,8` (items may be quoted or wrapped in `{...}`)."""

    is_list = True

    def __init__(self, name: str, type: Callable[[str], Any] = str, default: Sequence[Any] = (), help: str = "", *,
                 choices: Sequence[str] | Mapping[str, Any] | None = None):
        super().__init__(name, type, list(default), help, choices=choices)

    def parse_items(self, items: Sequence[str], raw: str | None) -> list[Any]:
        if raw is None:
            raise ValueError("expected a comma-separated list")
        return [self.parse_scalar(t) for t in items]

    def coerce(self, value: Any) -> list[Any]:
        if isinstance(value, str):
            raise ValueError("expected a list")
        return [Option.coerce(self, v) for v in value]

    def format(self, value: Any) -> str:
        return ",".join(Option.format(self, v) for v in value)

    def type_name(self) -> str:
        return Option.type_name(self) + ",..."


class Statistic:
    """A counter a pass bumps while running: `self.stats["num-erased"] += 1`.
    `--mlir-pass-statistics` prints them after the pipeline."""

    def __init__(self, name: str, help: str = ""):
        self.name = name
        self.help = help

    def __repr__(self) -> str:
        return f"Statistic({self.name!r})"


class _Stats(dict):
    """Statistic values by name; a typo raises at once instead of counting nowhere."""

    def __missing__(self, key: str):
        raise KeyError(f"pass declares no statistic named {key!r} (declared: {', '.join(self) or 'none'})")


# ----------------------------------------------------------------------------
# Pass
# ----------------------------------------------------------------------------


class Pass:
    """Base class of every pass; see the module docstring for a declaration.

    Class attributes: `name` (the flag / pipeline name), `summary` (one line
    for `--list-passes`), `anchor` (the op name it runs on, None for any op),
    `options`, `statistics`, and optionally `display_name` (the name shown in
    IR dumps and reports; defaults to the class name, as MLIR's pass names).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    anchor: ClassVar[str | None] = None
    options: ClassVar[Sequence[Option]] = ()
    statistics: ClassVar[Sequence[Statistic]] = ()
    display_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "display_name" not in cls.__dict__:
            cls.display_name = cls.__name__
        _check_declaration(cls)

    def __init__(self, **options: Any):
        """Options by attribute name (`max_iterations=3`) or by flag name
        (`**{"max-iterations": 3}`); unset ones take their defaults."""
        decl = {o.attr: o for o in type(self).options}
        by_flag = {o.name: o for o in type(self).options}
        for o in decl.values():
            setattr(self, o.attr, list(o.default) if o.is_list else o.default)
        for key, value in options.items():
            o = decl.get(key) or by_flag.get(key)
            if o is None:
                raise PassManagerError(f"pass '{self.name}' has no option '{key}'"
                                       f" (options: {', '.join(by_flag) or 'none'})")
            try:
                setattr(self, o.attr, o.coerce(value))
            except ValueError as e:
                raise PassManagerError(f"invalid value {value!r} for option '{o.name}' of pass "
                                       f"'{self.name}': {e}") from None
        self.stats = _Stats({s.name: 0 for s in type(self).statistics})
        self._failed = False

    def run_on_operation(self, op: Operation) -> None:
        """Transform `op`; fail with `signal_failure()` or `raise PassFailure(msg)`."""
        raise NotImplementedError(f"pass '{self.name}' does not define run_on_operation")

    def initialize(self) -> None:
        """Called once per `PassManager.run`, before any op is visited: the
        place for work shared by all ops (building a pattern set)."""

    def can_schedule_on(self, op: Operation) -> bool:
        """Whether the pass may run on `op`; anchored passes need their op."""
        return self.anchor is None or op.name == self.anchor

    def signal_failure(self) -> None:
        """Mark this run as failed; the pipeline stops after the pass returns."""
        self._failed = True

    def option_values(self) -> dict[str, Any]:
        """Current option values by flag name."""
        return {o.name: getattr(self, o.attr) for o in type(self).options}

    def pipeline_text(self) -> str:
        """`name{opt=value ...}` with every set option, as MLIR prints pipelines."""
        opts = [o for o in sorted(type(self).options, key=lambda o: o.name) if getattr(self, o.attr) is not None]
        if not opts:
            return self.name
        body = " ".join(f"{o.name}={o.format(getattr(self, o.attr))}" for o in opts)
        return f"{self.name}{{{body}}}"

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or "").strip()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pipeline_text()}>"


_RESERVED = frozenset(dir(Pass)) | {"stats", "_failed"}


def _check_declaration(cls: type[Pass]) -> None:
    where = f"pass class {cls.__name__}"
    opts = cls.options
    if not isinstance(opts, (list, tuple)):
        raise PassDefinitionError(f"{where}: 'options' must be a list of Option")
    seen: set[str] = set()
    for o in opts:
        if not isinstance(o, Option):
            raise PassDefinitionError(f"{where}: {o!r} in 'options' is not an Option")
        if o.name in seen:
            raise PassDefinitionError(f"{where}: option '{o.name}' is declared twice")
        if o.attr in _RESERVED or not o.attr.isidentifier():
            raise PassDefinitionError(f"{where}: option '{o.name}' would be read as self.{o.attr}, "
                                      "which is not a free attribute name")
        seen.add(o.name)
        seen.add(o.attr)
        if o.default is not None:
            try:
                o.default = o.coerce(o.default)
            except ValueError as e:
                raise PassDefinitionError(f"{where}: default of option '{o.name}' is invalid: {e}") from None
    stats = cls.statistics
    if not isinstance(stats, (list, tuple)) or not all(isinstance(s, Statistic) for s in stats):
        raise PassDefinitionError(f"{where}: 'statistics' must be a list of Statistic")
    if len({s.name for s in stats}) != len(stats):
        raise PassDefinitionError(f"{where}: a statistic is declared twice")
    if cls.anchor is not None and (not isinstance(cls.anchor, str) or cls.anchor == "any"):
        raise PassDefinitionError(f"{where}: 'anchor' must be an op name or None (None means any op)")


# ----------------------------------------------------------------------------
# Pass managers
# ----------------------------------------------------------------------------


class NestedPipeline:
    """The entry of a pass list that runs a nested pass manager on child ops
    (MLIR's OpToOpPassAdaptor)."""

    def __init__(self, nested_pm: OpPassManager):
        self.nested_pm = nested_pm

    def __repr__(self) -> str:
        return f"<NestedPipeline {self.nested_pm.pipeline_text()}>"


class OpPassManager:
    """An ordered list of passes and nested pass managers for one anchor op.

    `nesting="implicit"` (the default, mlir-opt's command-line behaviour)
    nests an anchored pass that does not match the anchor; `"explicit"`
    (textual pipelines) refuses it, so a pipeline runs exactly as written.
    """

    def __init__(self, anchor: str | None = "builtin.module", *, nesting: str = "implicit"):
        if nesting not in ("implicit", "explicit"):
            raise ValueError(f"nesting must be 'implicit' or 'explicit', not {nesting!r}")
        self.anchor = None if anchor == "any" else anchor
        self.nesting = nesting
        self.passes: list[Pass | NestedPipeline] = []

    @property
    def anchor_name(self) -> str:
        return "any" if self.anchor is None else self.anchor

    def add(self, p: Pass | type[Pass] | str, **options: Any) -> OpPassManager:
        """Append a pass (instance, class or registered name) and return self.

        A string is pipeline text resolved through the registry -
        `"cse,canonicalize{max-iterations=3}"` or `"func.func(cse)"`; keyword
        options are allowed with a single pass name.
        """
        if isinstance(p, str):
            from mlir_py.pass_registry import add_pipeline_text  # the registry builds on this module
            add_pipeline_text(self, p, options)
            return self
        if isinstance(p, type) and issubclass(p, Pass):
            p = p(**options)
        elif options:
            raise PassManagerError("keyword options are only accepted with a pass class or name")
        if isinstance(p, OpPassManager):
            self.passes.append(NestedPipeline(p))
            return self
        if not isinstance(p, Pass):
            raise TypeError(f"cannot add {p!r} to a pass manager: not a Pass")
        self._add_pass(p)
        return self

    def _add_pass(self, p: Pass) -> None:
        if p.anchor is not None and self.anchor is not None and p.anchor != self.anchor:
            if self.nesting == "explicit":
                raise PassManagerError(
                    f"pass '{p.name}' runs on '{p.anchor}' ops and cannot be added to a pass manager on "
                    f"'{self.anchor_name}'; did you mean to nest it: {p.anchor}({p.name})?")
            last = self.passes[-1] if self.passes else None
            if isinstance(last, NestedPipeline) and last.nested_pm.anchor == p.anchor:
                last.nested_pm._add_pass(p)
            else:
                self.nest(p.anchor)._add_pass(p)
            return
        self.passes.append(p)

    def nest(self, anchor: str) -> OpPassManager:
        """A new pass manager for the `anchor` ops (or `"any"`) nested here."""
        nested = OpPassManager(anchor, nesting=self.nesting)
        self.passes.append(NestedPipeline(nested))
        return nested

    def nest_any(self) -> OpPassManager:
        return self.nest("any")

    def __len__(self) -> int:
        return len(self.passes)

    def __iter__(self) -> Iterator[Pass | NestedPipeline]:
        return iter(self.passes)

    def all_passes(self) -> Iterator[Pass]:
        """Every pass, nested ones included, in pipeline order."""
        for p in self.passes:
            if isinstance(p, NestedPipeline):
                yield from p.nested_pm.all_passes()
            else:
                yield p

    def pipeline_text(self) -> str:
        """`anchor(pass,nested(...))` - parses back into the same pipeline."""
        inner = ",".join(p.nested_pm.pipeline_text() if isinstance(p, NestedPipeline) else p.pipeline_text()
                         for p in self.passes)
        return f"{self.anchor_name}({inner})"

    def __str__(self) -> str:
        return self.pipeline_text()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pipeline_text()}>"

    def _coalesce(self) -> None:
        """Merge adjacent nested managers of the same anchor, as MLIR does before
        running: `func.func(a),func.func(b)` visits each function once."""
        merged: list[Pass | NestedPipeline] = []
        for p in self.passes:
            if isinstance(p, NestedPipeline):
                p.nested_pm._coalesce()
                prev = merged[-1] if merged else None
                if isinstance(prev, NestedPipeline) and prev.nested_pm.anchor == p.nested_pm.anchor:
                    prev.nested_pm.passes.extend(p.nested_pm.passes)
                    prev.nested_pm._coalesce()
                    continue
            merged.append(p)
        self.passes = merged


class PassManager(OpPassManager):
    """The top-level pass manager: runs its pipeline on an op.

    ```python
    pm = PassManager.parse("builtin.module(func.func(cse,canonicalize))")
    pm = PassManager().add("cse")
    pm.nest("func.func").add(MyPass(max_iterations=3))
    ok = pm.run(module)      # diagnostics went to the active handler
    ```
    """

    def __init__(self, anchor: str | None = "builtin.module", *, nesting: str = "implicit",
                 verify_each: bool = True):
        super().__init__(anchor, nesting=nesting)
        self.verify_each = verify_each
        self.instrumentations: list[PassInstrumentation] = []
        self.statistics_display: str | None = None
        self.statistics_stream = None
        self.timing: TimingManager | None = None

    @classmethod
    def parse(cls, text: str, **kw: Any) -> PassManager:
        """A pass manager from `anchor(pipeline)` text; raises PassPipelineError
        (with the column) for text that does not parse or names unknown passes."""
        from mlir_py.pass_registry import parse_pass_pipeline  # the registry builds on this module
        return parse_pass_pipeline(text, **kw)

    # -- instrumentation ----------------------------------------------------

    def add_instrumentation(self, inst: PassInstrumentation) -> PassManager:
        self.instrumentations.append(inst)
        return self

    def enable_ir_printing(self, config: IRPrintingConfig | None = None, **kw: Any) -> PassManager:
        """Dump IR around passes; keywords are `IRPrintingConfig` fields
        (`after_all=True`, `before={"cse"}`, `stream=...`)."""
        if config is None:
            for k in ("before", "after"):
                if k in kw:
                    kw[k] = frozenset(kw[k])
            config = IRPrintingConfig(**kw)
        return self.add_instrumentation(IRPrinterInstrumentation(config))

    def enable_timing(self, manager: TimingManager | None = None) -> TimingManager:
        """Time passes under `manager` (a new one by default) and return it;
        printing the report is the caller's, since a tool times more than passes."""
        if manager is None:
            manager = TimingManager()
        self.timing = manager
        self.add_instrumentation(PassTimingInstrumentation(manager))
        return manager

    def enable_statistics(self, display: str = "pipeline", stream=None) -> PassManager:
        """Print the statistics report at the end of every run."""
        if display not in ("pipeline", "list"):
            raise ValueError(f"statistics display must be 'pipeline' or 'list', not {display!r}")
        self.statistics_display = display
        self.statistics_stream = stream
        return self

    # -- running ------------------------------------------------------------

    def run(self, op: Operation) -> bool:
        """Run the pipeline on `op`; False when a pass failed or broke the IR.

        Diagnostics go to the innermost installed handler (stderr when there
        is none); they are never raised, so a caller only checks the result.
        """
        counter = _ErrorCounter()
        with diagnostics.DiagnosticHandler(counter):
            if self.passes and self.anchor is not None and op.name != self.anchor:
                op.emit_error(f"can't run '{self.anchor_name}' pass manager on '{op.name}' op")
                return False
            self._coalesce()
            runner = _Runner(self, counter)
            ok = runner.initialize(op) and runner.run_pipeline(self, op)
        if self.statistics_display is not None:
            print_pass_statistics(self, self.statistics_stream, self.statistics_display)
        return ok


# ----------------------------------------------------------------------------
# Execution
# ----------------------------------------------------------------------------


class _ErrorCounter:
    """Forwards diagnostics to the handler outside the run, counting errors,
    so a failed pass that already explained itself is not blamed twice."""

    def __init__(self):
        self.outer = diagnostics._handlers[-1] if diagnostics._handlers else diagnostics._default_handler
        self.errors = 0

    def __call__(self, diag: diagnostics.Diagnostic) -> None:
        if diag.severity == "error":
            self.errors += 1
        self.outer(diag)


def _debug() -> bool:
    return os.environ.get("MLIR_PY_DEBUG", "") not in ("", "0")


def _is_interrupt(exc: BaseException) -> bool:
    """A Ctrl-C that must stop the program (see mlir_py.user_errors)."""
    return isinstance(exc, KeyboardInterrupt) and threading.current_thread() is threading.main_thread()


def _report_crash(op: Operation, what: str, exc: BaseException, pass_: Pass | None = None) -> None:
    """An exception escaped a pass (or its setup): an error naming the pass
    and, for a hook that raised inside it, the op the hook was working on;
    the file and line where it was raised point the author at the bug."""
    if isinstance(exc, UserCodeError):
        exc.emit(f"while running pass '{pass_.name}'" if pass_ is not None else None)
        return
    prefer = None
    if pass_ is not None:
        prefer = getattr(sys.modules.get(type(pass_).__module__), "__file__", None)
    site = raise_site(exc, prefer_file=prefer)
    where = f" (at {site[0]}:{site[1]})" if site is not None else ""
    msg = f"{what} raised {describe_exception(exc)}{where}"
    if not _debug():
        msg += " (set MLIR_PY_DEBUG=1 for a traceback)"
    diag = op.emit_error(msg)
    if _debug():
        diag.attach_note("Python traceback:\n" + "".join(traceback.format_exception(exc)).rstrip())


class _Runner:
    def __init__(self, pm: PassManager, counter: _ErrorCounter):
        self.inst = list(pm.instrumentations)
        self.verify_each = pm.verify_each
        self.counter = counter
        self.pm = pm

    def initialize(self, op: Operation) -> bool:
        for p in self.pm.all_passes():
            try:
                p.initialize()
            except PassFailure as e:
                op.emit_error(f"pass '{p.name}' failed to initialize" + (f": {e.message}" if e.message else ""))
                return False
            except BaseException as e:  # noqa: BLE001 - sys.exit() in a pass is the pass's bug too
                if _is_interrupt(e):
                    raise
                _report_crash(op, f"initializing pass '{p.name}'", e, p)
                return False
        return True

    def run_pipeline(self, pm: OpPassManager, op: Operation) -> bool:
        for entry in pm.passes:
            ok = self.run_nested(entry, op) if isinstance(entry, NestedPipeline) else self.run_pass(entry, op)
            if not ok:
                return False
        return True

    def run_nested(self, entry: NestedPipeline, op: Operation) -> bool:
        npm = entry.nested_pm
        for region in op.regions:
            for block in region.blocks:
                for child in list(block.ops):
                    if npm.anchor is None:
                        if not _schedulable_anywhere(npm, child):
                            continue
                    elif child.name != npm.anchor:
                        continue
                    elif not child.is_registered:
                        child.emit_error(f"'{child.name}' op trying to schedule a pass on an unregistered "
                                         "operation")
                        return False
                    elif IsolatedFromAbove not in child.traits:
                        child.emit_error(f"'{child.name}' op trying to schedule a pass on an operation not "
                                         "marked as 'IsolatedFromAbove'")
                        return False
                    for i in self.inst:
                        i.run_before_pipeline(npm, child, entry)
                    ok = self.run_pipeline(npm, child)
                    for i in reversed(self.inst):
                        i.run_after_pipeline(npm, child, entry)
                    if not ok:
                        return False
        return True

    def run_pass(self, p: Pass, op: Operation) -> bool:
        if not p.can_schedule_on(op):
            op.emit_error(f"'{op.name}' op trying to schedule pass '{p.name}' on an unsupported operation")
            return False
        for i in self.inst:
            i.run_before_pass(p, op)
        p._failed = False
        errors_before = self.counter.errors
        message: str | None = None
        try:
            p.run_on_operation(op)
            failed = p._failed
        except PassFailure as e:
            failed = True
            message = e.message
        except BaseException as e:  # noqa: BLE001 - a bug in a pass (even sys.exit()) is reported
            if _is_interrupt(e):
                raise
            _report_crash(op, f"pass '{p.name}'", e, p)
            failed = True
            errors_before = -1
        if failed:
            if message:
                op.emit_error(f"pass '{p.name}' failed: {message}")
            elif self.counter.errors == errors_before:
                op.emit_error(f"pass '{p.name}' failed")
        elif self.verify_each:
            failed = not self._verify(p, op)
        for i in reversed(self.inst):
            if failed:
                i.run_after_pass_failed(p, op)
            else:
                i.run_after_pass(p, op)
        return not failed

    def _verify(self, p: Pass, op: Operation) -> bool:
        try:
            ok = verify(op)
        except BaseException as e:  # noqa: BLE001
            if _is_interrupt(e):
                raise
            _report_crash(op, f"verifying the IR after pass '{p.name}'", e)
            return False
        if not ok:
            op.emit_error(f"pass '{p.name}' failed: it produced IR that does not verify")
        return ok


def _schedulable_anywhere(pm: OpPassManager, op: Operation) -> bool:
    """An `any` pass manager runs on isolated, registered ops its passes accept."""
    if not op.is_registered or IsolatedFromAbove not in op.traits:
        return False
    return all(p.can_schedule_on(op) for p in pm.all_passes())
