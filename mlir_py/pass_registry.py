"""The pass registry, and everything derived from it: pipelines from text,
mir-opt's pass flags and `--list-passes`.

`@register_pass` adds a declared `Pass` class under its `name`;
`register_pipeline` adds an alias that expands into passes. The registry is
the only place names are resolved, so a pass written by a user (loaded with
`--load-pass-plugin FILE.py`) behaves exactly like a shipped one. Shipped
passes are found by importing every module under `mlir_py.passes` the first
time a name is looked up - a new pass file needs no wiring.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import Any, Callable, Iterator, Sequence, TextIO

from mlir_py.pass_instrumentation import IRPrintingConfig, TimingManager
from mlir_py.pass_manager import OpPassManager, Option, Pass, PassManager, PassManagerError
from mlir_py.pass_pipeline import (
    OptionEntry,
    PassPipelineError,
    PipelineElement,
    parse_options_text,
    parse_pipeline_text,
)

__all__ = [
    "PassPipelineError", "PassPipelineInfo", "PassPluginError", "add_pass_arguments", "add_pipeline_text",
    "build_pass_manager", "load_builtin_passes", "load_pass_plugin", "lookup", "parse_pass_pipeline",
    "print_pass_reports", "print_registered_passes", "register_pass", "register_pipeline", "registered_passes",
    "registered_pipelines", "registry_scope", "unregister",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.$-]*\Z")


@dataclass(frozen=True)
class PassPipelineInfo:
    """A registered pipeline alias: `builder(pm)` - or `builder(pm, options)`
    when `options` are declared - appends its passes to `pm`."""

    name: str
    summary: str
    builder: Callable[..., Any]
    options: tuple[Option, ...] = ()

    def build(self, pm: OpPassManager, values: dict[str, Any]) -> None:
        if self.options:
            ns = SimpleNamespace(**{o.attr: list(o.default) if o.is_list else o.default for o in self.options})
            for k, v in values.items():
                setattr(ns, k, v)
            self.builder(pm, ns)
        else:
            self.builder(pm)


class PassPluginError(Exception):
    """A `--load-pass-plugin` file that is missing or fails to import."""


_passes: dict[str, type[Pass]] = {}
_pipelines: dict[str, PassPipelineInfo] = {}
_plugins: dict[str, ModuleType] = {}
_builtin_loaded = False
#: pass modules under mlir_py.passes that failed to import -> the error
_load_errors: dict[str, str] = {}


# ----------------------------------------------------------------------------
# Registration
# ----------------------------------------------------------------------------


def _check_name(name: Any, what: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name) or name == "any":
        raise PassManagerError(f"{what} name {name!r} is not a valid pass name (letters, digits, '-', '_', '.')")


def register_pass(cls: type[Pass]) -> type[Pass]:
    """Add a pass class to the registry (usable as a class decorator).

    Registering the same class again is a no-op, so modules may be imported
    twice; a different class under a taken name is an error.
    """
    if not (isinstance(cls, type) and issubclass(cls, Pass)):
        raise TypeError(f"register_pass expects a Pass subclass, got {cls!r}")
    _check_name(cls.name, f"pass class {cls.__name__}:")
    old = _passes.get(cls.name)
    if old is not None and old is not cls and (old.__module__, old.__qualname__) != (cls.__module__,
                                                                                      cls.__qualname__):
        raise PassManagerError(f"pass '{cls.name}' is already registered by {old.__module__}.{old.__qualname__}")
    if cls.name in _pipelines:
        raise PassManagerError(f"'{cls.name}' is already registered as a pass pipeline")
    _passes[cls.name] = cls
    return cls


def register_pipeline(name: str, summary: str, builder: Callable[..., Any] | None = None, *,
                      options: Sequence[Option] = ()) -> Any:
    """Register a pipeline alias; without `builder`, a decorator for it.

    ```python
    @register_pipeline("cleanup", "Canonicalize, then CSE")
    def cleanup(pm):
        pm.add("canonicalize").add("cse")
    ```
    The builder runs with implicit nesting, so it may add anchored passes
    (`func.func` ones) directly.
    """
    if builder is None:
        return lambda fn: (register_pipeline(name, summary, fn, options=options), fn)[1]
    _check_name(name, "pipeline")
    if name in _passes:
        raise PassManagerError(f"'{name}' is already registered as a pass")
    old = _pipelines.get(name)
    if old is not None and old.builder is not builder:
        raise PassManagerError(f"pass pipeline '{name}' is already registered")
    info = PassPipelineInfo(name, summary, builder, tuple(options))
    _pipelines[name] = info
    return info


def unregister(name: str) -> None:
    """Remove a pass or pipeline (tests register their own and clean up)."""
    _passes.pop(name, None)
    _pipelines.pop(name, None)


@contextlib.contextmanager
def registry_scope() -> Iterator[None]:
    """Everything registered (and every plugin loaded) inside the block is
    forgotten after it. The shipped passes are loaded first, so they survive.
    """
    load_builtin_passes()
    saved = [(d, dict(d)) for d in (_passes, _pipelines, _plugins)]
    try:
        yield
    finally:
        for d, content in saved:
            d.clear()
            d.update(content)


def lookup(name: str) -> type[Pass] | PassPipelineInfo | None:
    """The pass class or pipeline registered as `name` (pipelines first, as MLIR)."""
    load_builtin_passes()
    return _pipelines.get(name) or _passes.get(name)


def registered_passes() -> dict[str, type[Pass]]:
    load_builtin_passes()
    return dict(sorted(_passes.items()))


def registered_pipelines() -> dict[str, PassPipelineInfo]:
    load_builtin_passes()
    return dict(sorted(_pipelines.items()))


def load_builtin_passes() -> None:
    """Import every module under `mlir_py.passes`, whose declarations register them.

    A module that fails to import is skipped and remembered rather than
    taking every other pass down with it; the failure is shown where it
    matters - when a pass name is not found, and in `--list-passes`.
    """
    global _builtin_loaded
    if _builtin_loaded:
        return
    _builtin_loaded = True
    try:
        pkg = importlib.import_module("mlir_py.passes")
    except ModuleNotFoundError as e:
        if e.name == "mlir_py.passes":
            return
        raise

    def failed(name: str) -> None:
        exc = sys.exc_info()[1]
        _load_errors[name] = f"{type(exc).__name__}: {exc}"

    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=failed):
        if info.name in sys.modules or any(info.name.startswith(bad + ".") for bad in _load_errors):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as e:  # one broken pass module must not disable the others
            _load_errors[info.name] = f"{type(e).__name__}: {e}"


def _load_error_note() -> str:
    if not _load_errors:
        return ""
    return " (" + "; ".join(f"{m} failed to import: {err}" for m, err in sorted(_load_errors.items())) + ")"


def load_pass_plugin(path: str) -> ModuleType:
    """Import a user's Python file; its `@register_pass` declarations register
    its passes. Loading the same file twice is a no-op."""
    full = os.path.abspath(path)
    mod = _plugins.get(full)
    if mod is not None:
        return mod
    if not os.path.isfile(full):
        raise PassPluginError(f"cannot open pass plugin '{path}'")
    modname = "mlir_py_pass_plugin_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(full))[0]) \
        + f"_{len(_plugins)}"
    spec = importlib.util.spec_from_file_location(modname, full)
    if spec is None or spec.loader is None:
        raise PassPluginError(f"cannot load pass plugin '{path}': not a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # the plugin's bug is reported as the plugin's
        del sys.modules[modname]
        raise PassPluginError(f"cannot load pass plugin '{path}': {type(e).__name__}: {e}") from e
    _plugins[full] = mod
    return mod


# ----------------------------------------------------------------------------
# Text -> pass managers
# ----------------------------------------------------------------------------


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
        _add_element(pm, el, text, source)


def _add_element(pm: OpPassManager, el: PipelineElement, text: str, source: str) -> None:
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
    try:
        pm._add_pass(p)
    except PassManagerError as e:
        raise PassPipelineError(str(e), text, el.pos + 1, source) from None


def _resolve(el: PipelineElement, text: str, source: str) -> type[Pass] | PassPipelineInfo:
    entry = lookup(el.name)
    if entry is not None:
        return entry
    msg = f"'{el.name}' does not refer to a registered pass or pass pipeline"
    close = difflib.get_close_matches(el.name, list(_passes) + list(_pipelines), n=1)
    if close:
        msg += f"; did you mean '{close[0]}'?"
    raise PassPipelineError(msg + _load_error_note(), text, el.pos + 1, source)


def _build_alias(pm: OpPassManager, info: PassPipelineInfo, values: dict[str, Any], el: PipelineElement,
                 text: str, source: str) -> None:
    saved = pm.nesting
    pm.nesting = "implicit"
    try:
        info.build(pm, values)
    except PassPipelineError:
        raise
    except Exception as e:  # a broken alias is reported where it was named
        raise PassPipelineError(f"pass pipeline '{info.name}' failed to build: {type(e).__name__}: {e}", text,
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


def _cli_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("", "1", "true"):
        return True
    if low in ("0", "false"):
        return False
    raise argparse.ArgumentTypeError(f"expected 0 or 1, got '{text}'")


class _PassFlag(argparse.Action):
    """`--name[=options]`; records (name, flag, options) in command-line order,
    since the order of passes is the order of the flags and argparse keeps
    only one value per destination."""

    def __init__(self, option_strings: list[str], dest: str, pass_name: str = "", help: str | None = None,
                 **_ignored: Any):
        super().__init__(option_strings, dest="pass_flags", nargs="?", const="", default=None,
                         metavar="OPTIONS", help=help)
        self.pass_name = pass_name

    def __call__(self, parser, namespace, values, option_string=None):
        flags = getattr(namespace, "pass_flags", None)
        if flags is None:
            flags = []
            setattr(namespace, "pass_flags", flags)
        flags.append((self.pass_name, option_string or f"--{self.pass_name}", values or ""))


def _flag_help(entry: type[Pass] | PassPipelineInfo) -> str:
    opts = entry.options
    text = entry.summary or ""
    if opts:
        text += " [options: " + ", ".join(o.name for o in opts) + "]"
    return text.replace("%", "%%")


def add_pass_arguments(ap: argparse.ArgumentParser) -> None:
    """Add the pass flags to mir-opt's parser.

    Adds `--pass-pipeline`, `--list-passes`, `--verify-each`, the
    `--mlir-print-ir-*` / `--mlir-timing` / `--mlir-pass-statistics`
    instrumentation flags, `--load-pass-plugin` and one `--<name>[=options]`
    per registered pass and pipeline. The parser's `parse_known_args` is
    wrapped so that, before parsing, plugins named on the command line are
    loaded (their passes get flags), a bare `--cse` does not swallow the input
    file that follows it, and mlir-opt's single-dash spellings (`-cse`,
    `-pass-pipeline=...`) of long flags are accepted.
    """
    load_builtin_passes()
    g = ap.add_argument_group("pass pipeline")
    g.add_argument("--pass-pipeline", metavar="PIPELINE",
                   help="a textual pass pipeline, e.g. 'builtin.module(func.func(cse,canonicalize))'")
    g.add_argument("--list-passes", action="store_true", help="print the registered passes and pipelines, then exit")
    g.add_argument("--verify-each", type=_cli_bool, nargs="?", const=True, default=True, metavar="0|1",
                   help="verify the IR after each pass (default 1)")
    g.add_argument("--load-pass-plugin", action="append", default=[], metavar="FILE.py",
                   help="load passes registered by a Python file")
    g.add_argument("--dump-pass-pipeline", action="store_true", help="print the pass pipeline before running it")
    i = ap.add_argument_group("pass instrumentation")
    i.add_argument("--mlir-print-ir-before", action="append", default=[], metavar="PASS",
                   help="print the IR before the named passes (repeat or use commas)")
    i.add_argument("--mlir-print-ir-after", action="append", default=[], metavar="PASS",
                   help="print the IR after the named passes (repeat or use commas)")
    i.add_argument("--mlir-print-ir-before-all", action="store_true", help="print the IR before every pass")
    i.add_argument("--mlir-print-ir-after-all", action="store_true", help="print the IR after every pass")
    i.add_argument("--mlir-print-ir-after-change", action="store_true",
                   help="print the IR after a pass only when it changed (alone: after every pass that changes it)")
    i.add_argument("--mlir-print-ir-after-failure", action="store_true",
                   help="print the IR (generic form) after a pass that failed")
    i.add_argument("--mlir-print-ir-module-scope", action="store_true",
                   help="print the whole top-level op instead of the op the pass ran on")
    i.add_argument("--mlir-timing", action="store_true", help="print the execution time of each pass")
    i.add_argument("--mlir-timing-display", choices=("tree", "list"), default="tree",
                   help="layout of the timing report")
    i.add_argument("--mlir-pass-statistics", action="store_true", help="print the statistics of each pass")
    i.add_argument("--mlir-pass-statistics-display", choices=("pipeline", "list"), default="pipeline",
                   help="layout of the statistics report")
    passes = ap.add_argument_group("passes", "each flag adds a pass (or pipeline); options go after '=', "
                                             "e.g. --canonicalize='max-iterations=3 top-down=false'")
    flagged: set[str] = set()

    def add_flags() -> None:
        for name, entry in list(registered_pipelines().items()) + list(registered_passes().items()):
            if name in flagged:
                continue
            flagged.add(name)
            try:
                passes.add_argument(f"--{name}", action=_PassFlag, pass_name=name, help=_flag_help(entry))
            except argparse.ArgumentError:
                raise PassManagerError(f"pass '{name}' clashes with the mir-opt flag --{name}") from None

    add_flags()
    parse_known = ap.parse_known_args

    def parse_known_args(args: Sequence[str] | None = None, namespace: Any = None):
        raw = list(sys.argv[1:] if args is None else args)
        for path in _plugin_paths(_normalize_argv(ap, raw, set())):
            try:
                load_pass_plugin(path)
            except PassPluginError as e:
                ap.error(str(e))
        add_flags()
        return parse_known(_normalize_argv(ap, raw, flagged | {"verify-each"}), namespace)

    ap.parse_known_args = parse_known_args  # type: ignore[method-assign]


def _normalize_argv(ap: argparse.ArgumentParser, argv: list[str], optional_value: set[str]) -> list[str]:
    long_flags = {s for s in ap._option_string_actions if s.startswith("--")}
    out: list[str] = []
    for i, a in enumerate(argv):
        if a == "--":
            out.extend(argv[i:])
            break
        if a.startswith("-") and not a.startswith("--") and len(a) > 2:
            if "-" + a.split("=", 1)[0] in long_flags:
                a = "-" + a
        if a.startswith("--") and "=" not in a and a[2:] in optional_value:
            a += "="  # `--cse FILE` must not read FILE as the options of cse
        out.append(a)
    return out


def _plugin_paths(argv: list[str]) -> list[str]:
    paths = []
    for i, a in enumerate(argv):
        if a.startswith("--load-pass-plugin="):
            paths.append(a.split("=", 1)[1])
        elif a == "--load-pass-plugin" and i + 1 < len(argv):
            paths.append(argv[i + 1])
    return paths


def _pass_names(values: Sequence[str], flag: str) -> frozenset[str]:
    names = set()
    for v in values:
        for name in v.split(","):
            name = name.strip()
            if not name:
                continue
            if lookup(name) is None or name in _pipelines:
                msg = f"'{name}' does not refer to a registered pass"
                close = difflib.get_close_matches(name, list(_passes), n=1)
                if close:
                    msg += f"; did you mean '{close[0]}'?"
                arg = f"{flag}={v}"
                raise PassPipelineError(msg, arg, arg.index(name, len(flag) + 1) + 1, flag)
            names.add(name)
    return frozenset(names)


def build_pass_manager(args: Any, argv: Sequence[str] | None = None, *,
                       anchor: str = "builtin.module") -> PassManager:
    """The PassManager the parsed command line asks for.

    Pass flags are added in command-line order (each flag recorded itself
    while argparse ran, so `argv` is not needed; it is accepted for the
    tool's convenience). A `--pass-pipeline` names its own anchor; otherwise
    the passes go into a `builtin.module` pass manager with implicit nesting.
    Raises PassPipelineError, whose `message` and `context()` (the flag as
    typed, with a caret) make the error line.

    `--mlir-timing` shares one TimingManager across calls with the same
    `args` (mir-opt builds a pass manager per `--split-input-file` chunk);
    `print_pass_reports(args)` prints its report at the end.
    """
    flags = getattr(args, "pass_flags", None) or []
    text = getattr(args, "pass_pipeline", None)
    verify_each = getattr(args, "verify_each", True)
    if text is not None and flags:
        raise PassPipelineError(f"'--pass-pipeline' cannot be combined with individual pass flags "
                                f"('{flags[0][1]}'); put every pass in the pipeline", source="mir-opt")
    if text is not None:
        try:
            pm = parse_pass_pipeline(text, source="--pass-pipeline", verify_each=verify_each)
        except PassPipelineError as e:
            raise e.rebased("--pass-pipeline=") from None
    else:
        pm = PassManager(anchor, verify_each=verify_each)
        for name, flag, opts in flags:
            try:
                entries = parse_options_text(opts, source=flag) if opts.strip() else []
                _add_element(pm, PipelineElement(name, 0, options=entries), opts, flag)
            except PassPipelineError as e:
                raise e.rebased(f"{flag}=") from None
    config = IRPrintingConfig(
        before=_pass_names(getattr(args, "mlir_print_ir_before", None) or [], "--mlir-print-ir-before"),
        after=_pass_names(getattr(args, "mlir_print_ir_after", None) or [], "--mlir-print-ir-after"),
        before_all=getattr(args, "mlir_print_ir_before_all", False),
        after_all=getattr(args, "mlir_print_ir_after_all", False),
        after_change=getattr(args, "mlir_print_ir_after_change", False),
        after_failure=getattr(args, "mlir_print_ir_after_failure", False),
        module_scope=getattr(args, "mlir_print_ir_module_scope", False),
        generic=getattr(args, "mlir_print_op_generic", False),
        debuginfo=getattr(args, "mlir_print_debuginfo", False),
        local_scope=getattr(args, "mlir_print_local_scope", False),
        keep_ssa_names=getattr(args, "keep_ssa_names", False))
    if config.enabled:
        pm.enable_ir_printing(config)
    if getattr(args, "mlir_timing", False):
        tm = getattr(args, "_mlir_timing_manager", None)
        if tm is None:
            tm = TimingManager(getattr(args, "mlir_timing_display", "tree"))
            setattr(args, "_mlir_timing_manager", tm)
        pm.enable_timing(tm)
    if getattr(args, "mlir_pass_statistics", False):
        pm.enable_statistics(getattr(args, "mlir_pass_statistics_display", "pipeline"))
    if getattr(args, "dump_pass_pipeline", False) and not getattr(args, "_mlir_pipeline_dumped", False):
        setattr(args, "_mlir_pipeline_dumped", True)
        sys.stderr.write(f"Pass Manager with {len(pm.passes)} passes:\n{pm.pipeline_text()}\n\n")
    return pm


def print_pass_reports(args: Any, stream: TextIO | None = None) -> None:
    """The end-of-run reports that span all pass manager runs (`--mlir-timing`)."""
    tm = getattr(args, "_mlir_timing_manager", None)
    if tm is not None:
        tm.print_report(stream)


def print_registered_passes(stream: TextIO | None = None) -> None:
    """`--list-passes`: every pass and pipeline with its summary and options."""
    out = stream if stream is not None else sys.stdout
    sections = [("Passes", registered_passes()), ("Pass Pipelines", registered_pipelines())]
    rows: list[tuple[int, str, str, str]] = []  # indent, left, separator, text
    for title, entries in sections:
        if not entries and title != "Passes":
            continue
        rows.append((-1, f"{title}:", "", ""))
        for name, entry in entries.items():
            rows.append((2, f"--{name}", "-   ", entry.summary))
            for o in sorted(entry.options, key=lambda o: o.name):
                left = f"--{o.name}" if o.type is bool and not o.is_list else f"--{o.name}=<{o.type_name()}>"
                help_ = o.help
                if o.default not in (None, [], ()):
                    help_ += f" (default: {o.format(o.default)})"
                rows.append((4, left, "- ", help_))
                for choice in (o.choices or {}):
                    rows.append((6, f"={choice}", "", ""))
    width = max((ind + len(left) for ind, left, _, _ in rows if ind >= 0), default=0) + 4
    lines = []
    for ind, left, sep, text in rows:
        if ind < 0:
            lines.append(left)
        elif sep:
            lines.append(f"{' ' * ind}{left:<{width - ind}}{sep}{text}".rstrip())
        else:
            lines.append(f"{' ' * ind}{left}")
    for module, err in sorted(_load_errors.items()):
        lines.append(f"warning: passes in {module} are missing: it failed to import: {err}")
    out.write("\n".join(lines) + ("\n" if lines else ""))
