"""The pass manager: nested pipelines of declared passes, run with verification.

As in MLIR, a pass manager is anchored on an op name (or `any`) and holds
passes and nested pass managers; a nested pass manager runs on the ops
directly inside the regions of its parent's op (not deeper). An anchored pass
added to a pass manager anchored elsewhere is nested automatically
(`PassManager().add(StripDebug())` runs it on every `func.func` of the
module). After each pass the op is verified; a failing pass, invalid IR and a
Python exception inside a pass all become error diagnostics naming the pass,
and `run` returns False - no traceback escapes (`MLIR_PY_DEBUG=1` attaches it).

Pipelines from text (`"builtin.module(func.func(cse))"`, `pm.add("cse")`)
are built here from the syntax of `pipeline` and the names of `registry`.
"""

from __future__ import annotations

import difflib
import os
import sys
import threading
import traceback
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from mlir_py.analysis.verifier import verify
from mlir_py.definition.traits import IsolatedFromAbove
from mlir_py.ir import diagnostics
from mlir_py.pass_manager.definition import (
    ListOption,
    Option,
    Pass,
    PassDefinitionError,
    PassFailure,
    PassManagerError,
    Statistic,
)
from mlir_py.pass_manager.instrumentation import (
    IRPrinterInstrumentation,
    IRPrintingConfig,
    PassInstrumentation,
    PassTimingInstrumentation,
    TimingManager,
    print_pass_statistics,
)
from mlir_py.pass_manager.pipeline import (
    OptionEntry,
    PassPipelineError,
    PipelineElement,
    parse_pipeline_text,
)
from mlir_py.pass_manager.registry import PassPipelineInfo, lookup, unknown_name_message
from mlir_py.support.gcpause import gc_paused
from mlir_py.support.user_errors import UserCodeError, describe_exception, must_propagate, raise_site

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation

__all__ = ["ListOption", "NestedPipeline", "OpPassManager", "Option", "Pass", "PassDefinitionError", "PassFailure",
           "PassManager", "PassManagerError", "Statistic", "add_pipeline_element", "add_pipeline_text",
           "parse_pass_pipeline"]


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
        """The anchor as pipelines spell it: the op name, or `any`."""
        return "any" if self.anchor is None else self.anchor

    def add(self, p: Pass | type[Pass] | str, **options: Any) -> OpPassManager:
        """Append a pass (instance, class or registered name) and return self.

        A string is pipeline text resolved through the registry -
        `"cse,canonicalize{max-iterations=3}"` or `"func.func(cse)"`; keyword
        options are allowed with a single pass name.
        """
        if isinstance(p, str):
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
        """`nest("any")`: a nested manager for every op directly inside, whatever its name (upstream's `any(...)`)."""
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
        return parse_pass_pipeline(text, **kw)

    # -- instrumentation ----------------------------------------------------

    def add_instrumentation(self, inst: PassInstrumentation) -> PassManager:
        """Add a PassInstrumentation, whose hooks run around every pass and nested pipeline; returns self."""
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
        with diagnostics.DiagnosticHandler(counter), gc_paused():
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
    """A Ctrl-C that must stop the program (see mlir_py.support.user_errors)."""
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


# -- pipelines from text ---------------------------------------------------

def parse_pass_pipeline(text: str, *, source: str = "pass pipeline", verify_each: bool = True) -> PassManager:
    """A PassManager from `anchor(pipeline)` text, nested exactly as written."""
    elements = parse_pipeline_text(text, source=source)
    if len(elements) != 1 or not elements[0].is_anchor:
        pos = elements[1].pos if len(elements) > 1 and elements[0].is_anchor else (elements[0].pos if elements
                                                                                     else 0)
        raise PassPipelineError("expected pass pipeline to be wrapped with the anchor operation type, "
                                f"e.g. 'builtin.module({text.strip() or '...'})'", text, pos + 1, source)
    top = elements[0]
    if top.options is not None:
        raise PassPipelineError(f"op anchor '{top.name}' takes no options", text, top.options_pos + 1, source)
    pm = PassManager(top.name, nesting="explicit", verify_each=verify_each)
    try:
        _add_elements(pm, top.inner or [], text, source)
    finally:
        _set_nesting(pm, "implicit")
    return pm


def add_pipeline_text(pm: OpPassManager, text: str, options: dict[str, Any] | None = None, *,
                      source: str = "pass pipeline") -> None:
    """Append the passes of `text` (`cse,func.func(canonicalize)`) to `pm`,
    with pm's own nesting; `options` set Python values on a single pass."""
    elements = parse_pipeline_text(text, source=source)
    if options:
        if len(elements) != 1 or elements[0].is_anchor or elements[0].options is not None:
            raise PassManagerError("keyword options need exactly one pass name without '{...}'")
        entry = _resolve(elements[0], text, source)
        if isinstance(entry, PassPipelineInfo):
            by_attr = {o.attr: o for o in entry.options} | {o.name: o for o in entry.options}
            values = {}
            for k, v in options.items():
                if k not in by_attr:
                    raise PassManagerError(f"pass pipeline '{entry.name}' has no option '{k}'")
                values[by_attr[k].attr] = by_attr[k].coerce(v)
            _build_alias(pm, entry, values, elements[0], text, source)
        else:
            pm._add_pass(entry(**options))
        return
    _add_elements(pm, elements, text, source)


def _set_nesting(pm: OpPassManager, nesting: str) -> None:
    pm.nesting = nesting
    for p in pm.passes:
        nested = getattr(p, "nested_pm", None)
        if nested is not None:
            _set_nesting(nested, nesting)


def _add_elements(pm: OpPassManager, elements: list[PipelineElement], text: str, source: str) -> None:
    for el in elements:
        add_pipeline_element(pm, el, text, source)


def add_pipeline_element(pm: OpPassManager, el: PipelineElement, text: str, source: str) -> None:
    """Add one parsed pipeline element to `pm`: a pass, an alias expanded in place, or an `op(...)` nested pipeline."""
    if el.is_anchor:
        if el.options is not None:
            raise PassPipelineError(f"op anchor '{el.name}' takes no options", text, el.options_pos + 1, source)
        _add_elements(pm.nest(el.name), el.inner or [], text, source)
        return
    entry = _resolve(el, text, source)
    if isinstance(entry, PassPipelineInfo):
        values = _option_values(entry.options, el.options or [], f"pass pipeline '{el.name}'", text, source)
        _build_alias(pm, entry, values, el, text, source)
        return
    values = _option_values(entry.options, el.options or [], f"pass '{el.name}'", text, source)
    try:
        p = entry(**values)
    except Exception as e:  # a pass constructor rejecting its options is a pipeline error
        raise PassPipelineError(f"cannot create pass '{el.name}': {e}", text, el.pos + 1, source) from None
    except BaseException as e:  # noqa: BLE001 - sys.exit() in a constructor is still the pass's bug
        if must_propagate(e):
            raise
        raise PassPipelineError(f"cannot create pass '{el.name}': {describe_exception(e)}", text, el.pos + 1,
                                source) from None
    try:
        pm._add_pass(p)
    except PassManagerError as e:
        raise PassPipelineError(str(e), text, el.pos + 1, source) from None


def _resolve(el: PipelineElement, text: str, source: str) -> type[Pass] | PassPipelineInfo:
    entry = lookup(el.name)
    if entry is not None:
        return entry
    raise PassPipelineError(unknown_name_message(el.name), text, el.pos + 1, source)


def _build_alias(pm: OpPassManager, info: PassPipelineInfo, values: dict[str, Any], el: PipelineElement,
                 text: str, source: str) -> None:
    saved = pm.nesting
    pm.nesting = "implicit"
    try:
        info.build(pm, values)
    except PassPipelineError:
        raise
    except BaseException as e:  # noqa: BLE001 - a broken alias (even sys.exit()) is reported where it was named
        if must_propagate(e):
            raise
        raise PassPipelineError(f"pass pipeline '{info.name}' failed to build: {describe_exception(e)}", text,
                                el.pos + 1, source) from None
    finally:
        _set_nesting(pm, saved)


def _option_values(options: Sequence[Option], entries: list[OptionEntry], owner: str, text: str,
                   source: str) -> dict[str, Any]:
    by_name = {o.name: o for o in options}
    values: dict[str, Any] = {}
    for e in entries:
        o = by_name.get(e.key)
        if o is None:
            msg = f"no such option '{e.key}' for {owner}"
            if by_name:
                close = difflib.get_close_matches(e.key, list(by_name), n=1)
                msg += f"; did you mean '{close[0]}'?" if close else f" (options: {', '.join(sorted(by_name))})"
            else:
                msg += " (it takes no options)"
            raise PassPipelineError(msg, text, e.key_pos + 1, source)
        if o.is_list and e.value is not None:
            for item, pos in e.items:
                try:
                    o.parse_scalar(item)
                except ValueError as ex:
                    raise PassPipelineError(f"invalid value '{item}' in list option '{o.name}' of {owner}: {ex}",
                                            text, pos + 1, source) from None
        try:
            values[o.attr] = o.parse_items([t for t, _ in e.items], e.value)
        except ValueError as ex:
            if e.value is None:
                raise PassPipelineError(f"option '{o.name}' of {owner} needs a value: {o.name}=<{o.type_name()}>",
                                        text, e.key_pos + 1, source) from None
            raise PassPipelineError(f"invalid value '{e.value}' for option '{o.name}' of {owner}: {ex}", text,
                                    e.value_pos + 1, source) from None
    return values


# ----------------------------------------------------------------------------
# The command line (mir-opt)
# ----------------------------------------------------------------------------
