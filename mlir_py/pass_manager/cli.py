"""The pass manager on the command line: one flag per registered pass and
pipeline, `--pass-pipeline`, IR printing/timing/statistics flags, and
`--list-passes` (what `mir-opt` builds its argument parser from)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence, TextIO

from mlir_py.pass_manager.definition import Pass, PassManagerError
from mlir_py.pass_manager.instrumentation import IRPrintingConfig, TimingManager
from mlir_py.pass_manager.manager import PassManager, add_pipeline_element, parse_pass_pipeline
from mlir_py.pass_manager.pipeline import PassPipelineError, PipelineElement, parse_options_text
from mlir_py.pass_manager.registry import (
    PassPipelineInfo,
    PassPluginError,
    load_builtin_passes,
    load_errors,
    load_pass_plugin,
    lookup,
    registered_passes,
    registered_pipelines,
    unknown_name_message,
)

__all__ = ["add_pass_arguments", "build_pass_manager", "print_pass_reports", "print_registered_passes"]


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
            if not isinstance(lookup(name), type):
                msg = unknown_name_message(name, passes_only=True)
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
                add_pipeline_element(pm, PipelineElement(name, 0, options=entries), opts, flag)
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
    for module, err in sorted(load_errors().items()):
        lines.append(f"warning: passes in {module} are missing: it failed to import: {err}")
    out.write("\n".join(lines) + ("\n" if lines else ""))
