"""mir-opt: parse, verify, transform and print IR (mlir-opt's command line).

Every failure exits with status 1 and one report, never a Python traceback:
malformed text, invalid IR, a failing pass or a user hook that raised is
`FILE:LINE:COL: error: ...` with the source line and a caret; bad flags and
unusable input or output paths are `mir-opt: error: ...` (the output is
checked before the work starts); a user file that fails to load is
`FILE[:LINE]: error: ...`. Ctrl-C is `mir-opt: interrupted`, status 130
(see tool_main.py).
"""

from __future__ import annotations

import argparse
import sys

from mlir_py.tools.diagnostic_verifier import DiagnosticVerifier
from mlir_py.tools.input_splitting import split_input
from mlir_py.tools.tool_io import Output, check_input_path, check_output_path, read_input
from mlir_py.tools.tool_main import ReportedError, ToolArgumentParser, ToolError, run_tool

from mlir_py.ir.context import Context
from mlir_py.ir.diagnostics import Diagnostic, DiagnosticHandler


def build_arg_parser() -> argparse.ArgumentParser:
    ap = ToolArgumentParser(prog="mir-opt", description="mlir_py modular optimizer driver", allow_abbrev=False)
    ap.add_argument("input", nargs="?", default="-", help="input file (default: stdin)")
    ap.add_argument("-o", dest="output", default="-", help="output file")
    ap.add_argument("--split-input-file", action="store_true",
                    help="split the input on '// -----' lines and process each chunk independently")
    ap.add_argument("--verify-diagnostics", action="store_true",
                    help="check that emitted diagnostics match expected-* comments in the input")
    ap.add_argument("--allow-unregistered-dialect", action="store_true",
                    help="keep operations of unregistered dialects opaquely")
    ap.add_argument("--mlir-print-op-generic", action="store_true", help="print operations in generic form")
    ap.add_argument("--mlir-print-debuginfo", action="store_true", help="print locations")
    ap.add_argument("--mlir-print-local-scope", action="store_true",
                    help="print attributes and types inline (no aliases) and locations in full")
    ap.add_argument("--keep-ssa-names", action="store_true",
                    help="print the SSA value names of the input (%%a) instead of upstream's (%%arg0, %%0, %%c0)")
    ap.add_argument("--load-dialect", action="append", default=[], metavar="FILE.py",
                    help="load the dialects a Python file defines (loaded as module FILE; see docs/passes.md)")
    ap.add_argument("--verify-roundtrip", action="store_true",
                    help="after parsing, check that the printed IR (generic and custom form) parses back "
                         "to the same IR")
    ap.add_argument("--mlir-disable-threading", action="store_true",
                    help="accepted for mlir-opt compatibility; a no-op, since mir-opt always runs "
                         "single-threaded")
    _add_pass_arguments(ap)
    return ap


# --- passes (wired by the pass manager: mlir_py.pass_manager.registry) ---------------
def _add_pass_arguments(ap: argparse.ArgumentParser) -> None:
    from mlir_py.pass_manager import add_pass_arguments
    add_pass_arguments(ap)


def _build_pass_manager(args, argv):
    from mlir_py.pass_manager import PassPipelineError, build_pass_manager
    try:
        return build_pass_manager(args, argv)
    except PassPipelineError as e:  # the message, then the flag as typed with a caret
        raise ToolError(f"{e.message}\n{e.context()}".rstrip()) from None


def _passes_early_exit(args) -> bool:
    """--list-passes prints the registry instead of processing input."""
    if not getattr(args, "list_passes", False):
        return False
    from mlir_py.pass_manager import print_registered_passes
    check_output_path("-")  # the list goes to stdout whatever -o says
    print_registered_passes(sys.stdout)
    return True


def _finish_passes(args) -> None:
    """Reports spanning every chunk's pass run (--mlir-timing)."""
    from mlir_py.pass_manager import print_pass_reports
    print_pass_reports(args)
# --- end passes ----------------------------------------------------------------


def load_user_files(argv: list[str]) -> None:
    """Load the `--load-dialect` and `--load-pass-plugin` files in command-line
    order, through one loader (mlir_py.support.user_files), before the flags are
    parsed: a plugin's passes become flags, and a plugin may `import` a
    dialect file named before it (or after it: the import loads it)."""
    from mlir_py.pass_manager import PassPluginError, load_pass_plugin
    from mlir_py.support.user_files import UserFileError, load_user_file
    for flag, path in user_file_flags(argv):
        try:
            if flag == "load-dialect":
                load_user_file(path, "dialect file")
            else:
                load_pass_plugin(path)
        except (UserFileError, PassPluginError) as e:
            raise (ReportedError if e.in_file else ToolError)(str(e)) from None


def user_file_flags(argv: list[str]) -> list[tuple[str, str]]:
    """(flag, path) for each `--load-dialect` / `--load-pass-plugin` (also
    `=PATH` and single-dash spellings), in order; stops at `--`."""
    found = []
    for i, a in enumerate(argv):
        if a == "--":
            break
        if a.startswith("-") and not a.startswith("--"):
            a = "-" + a
        for flag in ("load-dialect", "load-pass-plugin"):
            if a == f"--{flag}" and i + 1 < len(argv):
                found.append((flag, argv[i + 1]))
            elif a.startswith(f"--{flag}="):
                found.append((flag, a.split("=", 1)[1]))
    return found


def load_dialect_file(ctx: Context, path: str) -> None:
    """Load every Dialect object a user's file defines (the file itself is
    loaded once, by `load_user_files`, or here when called directly)."""
    from mlir_py.definition.dialect import Dialect
    from mlir_py.support.user_files import UserFileError, load_user_file
    try:
        mod = load_user_file(path, "dialect file")
    except UserFileError as e:
        raise (ReportedError if e.in_file else ToolError)(str(e)) from None
    found = [v for v in vars(mod).values() if isinstance(v, Dialect)]
    if not found:
        raise ReportedError(f"{path}: error: dialect file '{path}' defines no Dialect object")
    for d in found:
        ctx.load_dialect(d)


def make_context(args) -> Context:
    ctx = Context(allow_unregistered_dialects=args.allow_unregistered_dialect)
    ctx.load_all_available_dialects()
    for path in args.load_dialect:
        load_dialect_file(ctx, path)
    return ctx


def process_chunk(ctx: Context, text: str, filename: str, line_offset: int, args, pm_factory, emit_diag,
                  out: list[str]) -> bool:
    """Parse, verify, run passes and print one buffer. Diagnostics go to emit_diag."""
    from mlir_py.analysis.verifier import verify
    from mlir_py.support.user_errors import UserCodeError
    from mlir_py.text.parser import ParseError, parse_source
    from mlir_py.text.printer import Printer

    timing = getattr(args, "_mlir_timing_manager", None)
    try:
        with _phase(timing, "Parser"):
            module = parse_source(ctx, text, filename, line_offset=line_offset)
    except ParseError as e:
        d = Diagnostic("error", e.loc, e.message)
        for message, loc in e.notes:
            d.attach_note(message, loc)
        emit_diag(d)
        return False
    except RecursionError:
        from mlir_py.ir.location import FileLineColLoc
        emit_diag(Diagnostic("error", FileLineColLoc(filename, 1 + line_offset, 1),
                             "input nests too deeply to parse"))
        return False
    try:
        with DiagnosticHandler(emit_diag):
            if not verify(module):
                return False
            if getattr(args, "verify_roundtrip", False):
                from mlir_py.tools.roundtrip_check import verify_roundtrip
                if not verify_roundtrip(ctx, module):
                    return False
            pm = pm_factory() if pm_factory is not None else None
            if pm is not None and not pm.run(module):
                return False
            p = Printer(generic=args.mlir_print_op_generic, debuginfo=args.mlir_print_debuginfo,
                        local_scope=args.mlir_print_local_scope, keep_ssa_names=args.keep_ssa_names)
            with _phase(timing, "Output"):
                out.append(p.print_top_level(module))
                if not args.mlir_print_local_scope:
                    # mlir-opt ends each output (each split chunk's too) with a blank line
                    # after the top-level op's trailer; a local-scope print has no trailer
                    out.append("\n")
    except UserCodeError as e:  # a custom printer (or another hook outside a pass) raised
        emit_diag(Diagnostic("error", e.location, e.message, e.op))
        return False
    except RecursionError:
        emit_diag(Diagnostic("error", _deepest_location(module, filename, line_offset),
                             "input nests too deeply to process"))
        return False
    return True


def _deepest_location(module, filename: str, line_offset: int):
    """Where the nesting is deepest (the first such op): what a phase that
    ran out of stack was working on. Found with an explicit stack."""
    from mlir_py.ir.location import FileLineColLoc, UnknownLoc
    best, best_depth = None, -1
    stack = [(module, 0)]
    while stack:
        op, depth = stack.pop()
        if depth > best_depth and not isinstance(op.location, UnknownLoc):
            best, best_depth = op, depth
        for r in reversed(op.regions):
            for b in reversed(list(r.blocks)):
                stack.extend((o, depth + 1) for o in b.ops_reversed())
    return best.location if best is not None else FileLineColLoc(filename, 1 + line_offset, 1)


def _phase(timing, name: str):
    """A --mlir-timing row for a tool phase (a no-op context without timing)."""
    import contextlib
    return timing.phase(name) if timing is not None else contextlib.nullcontext()


def run(argv: list[str]) -> int:
    """mir-opt's work; every user file and pass it loads is forgotten after."""
    from mlir_py.pass_manager import registry_scope
    with registry_scope():
        return _run(argv)


def _run(argv: list[str]) -> int:
    load_user_files(argv)
    ap = build_arg_parser()
    args = ap.parse_args(argv)
    if _passes_early_exit(args):
        return 0
    check_output_path(args.output)
    check_input_path(args.input)
    ctx = make_context(args)
    pm_factory = None
    pm_probe = _build_pass_manager(args, argv)
    if pm_probe is not None:
        pm_factory = lambda: _build_pass_manager(args, argv)  # noqa: E731 (fresh state per chunk)
    data, filename = read_input(args.input)
    output = Output(args.output)
    output.open()
    text = _decode_input(data, filename)
    if text is None:
        return 1
    chunks = split_input(text) if args.split_input_file else [(text, 0)]
    outputs: list[str] = []
    ok = True
    from mlir_py.ir.diagnostics import register_source
    register_source(filename, text)
    for chunk, line_offset in chunks:
        out: list[str] = []
        if args.verify_diagnostics:
            verifier = DiagnosticVerifier(filename, chunk, line_offset)
            process_chunk(ctx, chunk, filename, line_offset, args, pm_factory, verifier.handle, out)
            register_source(filename, text)
            if not verifier.finish(sys.stderr):
                ok = False
        else:
            diags: list[Diagnostic] = []
            good = process_chunk(ctx, chunk, filename, line_offset, args, pm_factory, diags.append, out)
            register_source(filename, text)
            for d in diags:
                print(d.render(), file=sys.stderr)
            if not good or any(d.severity == "error" for d in diags):
                ok = False
        outputs.append("".join(out))
    result = "// -----\n".join(outputs) if args.split_input_file else "".join(outputs)
    output.write(result)
    _finish_passes(args)
    return 0 if ok else 1


def _decode_input(data: bytes, filename: str) -> str | None:
    """The input as text; invalid UTF-8 is an error at its line and (byte) column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        from mlir_py.ir.diagnostics import register_source
        from mlir_py.ir.location import FileLineColLoc
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        register_source(filename, data.decode("utf-8", errors="replace"))
        d = Diagnostic("error", FileLineColLoc(filename, line, col),
                       f"invalid UTF-8 byte 0x{data[e.start]:02X} in input")
        print(d.render(), file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    """Entry point: see mlir_py.tools.tool_main for threads, Ctrl-C and exit codes."""
    if argv is None:
        argv = sys.argv[1:]
    return run_tool("mir-opt", run, list(argv))


if __name__ == "__main__":
    sys.exit(main())
