"""mir-opt: parse, verify, transform and print IR (mlir-opt's command line).

Every failure - malformed text, invalid IR, a failing pass, bad flags - is
reported as `FILE:LINE:COL: error: ...` with the source line and a caret,
and exits with status 1; no Python traceback reaches the user.
"""

from __future__ import annotations

import argparse
import os
import sys

from mlir_py.tools.diagnostic_verifier import DiagnosticVerifier
from mlir_py.tools.input_splitting import split_input

from mlir_py.context import Context
from mlir_py.diagnostics import Diagnostic, DiagnosticHandler


class UsageError(Exception):
    pass


class _ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit(2) with usage; keep one error style
        raise UsageError(message)


def build_arg_parser() -> argparse.ArgumentParser:
    ap = _ArgParser(prog="mir-opt", description="mlir_py modular optimizer driver", allow_abbrev=False)
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
    ap.add_argument("--load-dialect", action="append", default=[], metavar="FILE.py",
                    help="load a user dialect defined in a Python file")
    _add_pass_arguments(ap)
    return ap


# --- passes (wired by the pass manager: mlir_py.pass_registry) ---------------
def _add_pass_arguments(ap: argparse.ArgumentParser) -> None:
    from mlir_py.pass_registry import add_pass_arguments
    add_pass_arguments(ap)


def _build_pass_manager(args, argv):
    from mlir_py.pass_registry import PassPipelineError, build_pass_manager
    try:
        return build_pass_manager(args, argv)
    except PassPipelineError as e:  # the message, then the flag as typed with a caret
        raise UsageError(f"{e.message}\n{e.context()}".rstrip()) from None


def _passes_early_exit(args) -> bool:
    """--list-passes prints the registry instead of processing input."""
    if not getattr(args, "list_passes", False):
        return False
    from mlir_py.pass_registry import print_registered_passes
    print_registered_passes(sys.stdout)
    return True


def _finish_passes(args) -> None:
    """Reports spanning every chunk's pass run (--mlir-timing)."""
    from mlir_py.pass_registry import print_pass_reports
    print_pass_reports(args)
# --- end passes ----------------------------------------------------------------


def load_dialect_file(ctx: Context, path: str) -> None:
    """Import a user's .py file and load every Dialect object it defines."""
    import importlib.util

    from mlir_py.dialect import Dialect
    if not os.path.exists(path):
        raise UsageError(f"cannot open dialect file '{path}'")
    name = "mir_user_dialect_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # the user's file: report its error, not ours
        if os.environ.get("MLIR_PY_DEBUG"):
            raise
        raise UsageError(f"cannot load dialect file '{path}': {type(e).__name__}: {e}") from None
    found = [v for v in vars(mod).values() if isinstance(v, Dialect)]
    if not found:
        raise UsageError(f"'{path}' defines no Dialect object")
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
    from mlir_py.parser import ParseError, parse_source
    from mlir_py.printer import Printer
    from mlir_py.verifier import verify

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
        from mlir_py.location import FileLineColLoc
        emit_diag(Diagnostic("error", FileLineColLoc(filename, 1 + line_offset, 1),
                             "input nests too deeply to parse"))
        return False
    try:
        with DiagnosticHandler(emit_diag):
            if not verify(module):
                return False
            pm = pm_factory() if pm_factory is not None else None
            if pm is not None and not pm.run(module):
                return False
        p = Printer(generic=args.mlir_print_op_generic, debuginfo=args.mlir_print_debuginfo)
        with _phase(timing, "Output"):
            out.append(p.print_top_level(module))
    except RecursionError:
        from mlir_py.location import FileLineColLoc
        emit_diag(Diagnostic("error", FileLineColLoc(filename, 1 + line_offset, 1),
                             "input nests too deeply to process"))
        return False
    return True


def _phase(timing, name: str):
    """A --mlir-timing row for a tool phase (a no-op context without timing)."""
    import contextlib
    return timing.phase(name) if timing is not None else contextlib.nullcontext()


def run(argv: list[str]) -> int:
    ap = build_arg_parser()
    args = ap.parse_args(argv)
    if _passes_early_exit(args):
        return 0
    ctx = make_context(args)
    pm_factory = None
    pm_probe = _build_pass_manager(args, argv)
    if pm_probe is not None:
        pm_factory = lambda: _build_pass_manager(args, argv)  # noqa: E731 (fresh state per chunk)
    if args.input == "-":
        buf = getattr(sys.stdin, "buffer", None)
        data = buf.read() if buf is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
        filename = "<stdin>"
    else:
        try:
            with open(args.input, "rb") as f:
                data = f.read()
        except OSError as e:
            raise UsageError(f"could not open input file '{args.input}': {e.strerror}") from None
        filename = args.input
    text = _decode_input(data, filename)
    if text is None:
        return 1
    chunks = split_input(text) if args.split_input_file else [(text, 0)]
    outputs: list[str] = []
    ok = True
    from mlir_py.diagnostics import register_source
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
    if args.output == "-":
        sys.stdout.write(result)
    else:
        with open(args.output, "w") as f:
            f.write(result)
    _finish_passes(args)
    return 0 if ok else 1


def _decode_input(data: bytes, filename: str) -> str | None:
    """The input as text; invalid UTF-8 is an error at its line and (byte) column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        from mlir_py.diagnostics import register_source
        from mlir_py.location import FileLineColLoc
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        register_source(filename, data.decode("utf-8", errors="replace"))
        d = Diagnostic("error", FileLineColLoc(filename, line, col),
                       f"invalid UTF-8 byte 0x{data[e.start]:02X} in input")
        print(d.render(), file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    """Entry point; runs in a thread with a large stack so deep nesting cannot crash."""
    import threading
    if argv is None:
        argv = sys.argv[1:]
    result = [1]
    threading.stack_size(512 * 1024 * 1024)
    sys.setrecursionlimit(50000)
    t = threading.Thread(target=lambda: result.__setitem__(0, _main(argv)))
    t.start()
    t.join()
    return result[0]


def _main(argv: list[str]) -> int:
    try:
        code = run(argv)
    except UsageError as e:
        print(f"mir-opt: error: {e}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    except Exception as e:  # last line of defence: never show a traceback
        if os.environ.get("MLIR_PY_DEBUG"):
            raise
        print(f"mir-opt: error: internal error: {type(e).__name__}: {e} (set MLIR_PY_DEBUG=1 for a traceback)",
              file=sys.stderr)
        code = 1
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
