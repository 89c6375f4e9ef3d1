"""mir-run: compile a module with the JIT and call one of its functions
(in the spirit of mlir-cpu-runner and iree-run-module; DESIGN §3).

    mir-run FILE [-e ENTRY] [--arg A.npy ...] [--arg-scalar 3.5:f32 ...]
            [-o OUT.npz] [-O0..-O3] [--gpu] [--gpu-arch=sm_XX] [--benchmark=N]

The input is lowered with `--lower-to-llvm` (input already in the llvm
dialect passes through; its memref functions are called through the
`_mlir_ciface_` wrappers, which carry their source signature as
`func.function_type`) and compiled once. `--arg` and `--arg-scalar` give
the entry's arguments in command-line order: an array from a .npy file for
a memref, a number for a scalar (`3.5`, `7:i32`; the type, when given, must
be the parameter's). Results are saved as `result0`, `result1`, ... in
OUT.npz, or printed as numpy prints them. `--gpu` lowers with
`--lower-to-llvm=target=gpu` and runs the loops as CUDA kernels
(docs/gpu-runtime.md); without a CUDA driver or GPU it reports
`error: no CUDA driver/GPU available: REASON` and exits 1.

Every failure is one report and exit status 1, never a traceback: a bad
file or argument that the function's signature rejects is
`FILE:LINE:COL: error: ...` at the function, with the source line; a bad
flag, a missing function or an unreadable .npy is `mir-run: error: ...`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from mlir_py.tools.tool_io import check_input_path, check_output_path, read_input
from mlir_py.tools.tool_main import ReportedError, ToolArgumentParser, ToolError, run_tool

TOOL = "mir-run"


class _Ordered(argparse.Action):
    """--arg and --arg-scalar share one list, in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = getattr(namespace, self.dest, None) or []
        items.append((option_string, values))
        setattr(namespace, self.dest, items)


def build_arg_parser() -> argparse.ArgumentParser:
    ap = ToolArgumentParser(prog=TOOL, description="JIT-compile a module and call a function", allow_abbrev=False)
    ap.add_argument("input", help="input file (.mir/.mlir; '-' for stdin)")
    ap.add_argument("-e", "--entry", default="main", help="the function to call (default: main)")
    ap.add_argument("--arg", dest="args", action=_Ordered, default=[], metavar="A.npy",
                    help="the next argument: an array from a .npy file (for a memref)")
    ap.add_argument("--arg-scalar", dest="args", action=_Ordered, metavar="VALUE[:TYPE]",
                    help="the next argument: a scalar such as 3.5, 3.5:f32, 7:i32, true:i1")
    ap.add_argument("-o", dest="output", default=None, metavar="OUT.npz",
                    help="save the results as result0, result1, ... in an .npz file instead of printing them")
    ap.add_argument("-O", dest="opt_level", default="3", choices=["0", "1", "2", "3"], metavar="LEVEL",
                    help="LLVM optimization level, -O0 to -O3 (default: -O3)")
    ap.add_argument("--gpu", action="store_true",
                    help="run the loops as CUDA kernels on the GPU (lowering with --lower-to-llvm=target=gpu)")
    ap.add_argument("--gpu-arch", default=None, metavar="sm_XX",
                    help="with --gpu: the PTX target (default: the device's, at most sm_80)")
    ap.add_argument("--benchmark", type=_positive_int, default=None, metavar="N",
                    help="call the entry N times after a warm-up; print the min and median time per call")
    return ap


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number of calls, got '{text}'") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of calls, got '{text}'")
    return n


# -- arguments ------------------------------------------------------------------

def _load_npy(path: str):
    import numpy as np
    try:
        value = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ToolError(f"cannot read argument '{path}': No such file or directory") from None
    except IsADirectoryError:
        raise ToolError(f"cannot read argument '{path}': it is a directory") from None
    except (OSError, ValueError, EOFError) as e:
        raise ToolError(f"cannot read argument '{path}': not a valid .npy file ({_short(e)})") from None
    if not isinstance(value, np.ndarray):  # an .npz archive
        try:
            value.close()
        except AttributeError:
            pass
        raise ToolError(f"cannot read argument '{path}': it is an .npz archive; --arg takes one .npy array")
    # a file holds a value: a Fortran-order array is loaded in C order, the layout memrefs have
    return value if value.flags.c_contiguous else np.ascontiguousarray(value)


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


_TRUE, _FALSE = ("true", "1"), ("false", "0")


def _parse_scalar(text: str, spec, what: str):
    """The Python value of `--arg-scalar text` for parameter `spec` (None when the
    parameter is not a scalar: the caller reports that)."""
    value, _, type_text = text.rpartition(":") if ":" in text else (text, "", "")
    value = value.strip()
    if type_text and type_text != spec.type_text:
        raise ToolError(f"{what} has type {spec.type_text}, but --arg-scalar {text} is {type_text}")
    try:
        if spec.kind == "float":
            return float(value)
        if spec.kind == "bool":
            low = value.lower()
            if low in _TRUE or low in _FALSE:
                return low in _TRUE
            raise ValueError
        return int(value, 0)
    except ValueError:
        raise ToolError(f"{what}: --arg-scalar {text} is not a valid {spec.type_text} value") from None


def _call_arguments(fn, items: list[tuple[str, str]]) -> list:
    sig = fn.signature
    values = []
    for i, (flag, text) in enumerate(items):
        what = f"argument {i} of @{sig.name}"
        spec = sig.inputs[i] if i < len(sig.inputs) else None
        if flag == "--arg":
            if spec is not None and not spec.is_memref:
                raise ToolError(f"{what} is a scalar ({spec.type_text}): give it with --arg-scalar, not --arg {text}")
            values.append(_load_npy(text))
        else:
            if spec is None:  # too many: the call reports the count
                values.append(text)
                continue
            if spec.is_memref:
                raise ToolError(f"{what} is a {spec.type_text}: give it as an array with --arg FILE.npy, "
                                f"not --arg-scalar {text}")
            values.append(_parse_scalar(text, spec, what))
    return values


# -- output ---------------------------------------------------------------------

def _as_tuple(result) -> tuple:
    if result is None:
        return ()
    return result if isinstance(result, tuple) else (result,)


def _save(path: str, results: tuple) -> None:
    import numpy as np
    arrays = {f"result{i}": np.asarray(r) for i, r in enumerate(results)}
    try:
        with open(path, "wb") as f:
            np.savez(f, **arrays)
    except OSError as e:
        raise ToolError(f"cannot write output file '{path}': {e.strerror or e}") from None


def _print(results: tuple) -> None:
    for i, r in enumerate(results):
        print(f"result{i} = {r!r}")


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


# -- the tool -------------------------------------------------------------------

def _run(argv: list[str]) -> int:
    from mlir_py.execution import (
        ArgumentError,
        CompilationError,
        ExecutionEngine,
        FunctionNotFoundError,
        UnsupportedSignatureError,
    )
    from mlir_py.execution.cuda.errors import CudaError, CudaUnavailable
    args = build_arg_parser().parse_args(_join_negative_scalars(argv))
    check_input_path(args.input)
    if args.output is not None:
        check_output_path(args.output)
    data, filename = read_input(args.input)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ReportedError(f"{filename}:{line}:{col}: error: invalid UTF-8 byte 0x{data[e.start]:02X} in input") \
            from None
    if args.gpu_arch is not None and not args.gpu:
        raise ToolError("--gpu-arch needs --gpu")
    try:
        engine = ExecutionEngine(text, int(args.opt_level), filename=filename, gpu=args.gpu,
                                 gpu_arch=args.gpu_arch)
    except CompilationError as e:
        if not e.diagnostics:  # nothing located to show (e.g. a bad MLIR_PY_NUM_THREADS): `mir-run: error: ...`
            raise ToolError(e.message) from None
        raise ReportedError(str(e)) from None
    except CudaUnavailable as e:
        raise ToolError(f"no CUDA driver/GPU available: {e.message}") from None
    try:
        fn = engine.lookup(args.entry)
    except FunctionNotFoundError as e:
        raise ToolError(e.message) from None
    except (UnsupportedSignatureError, CompilationError) as e:
        raise _located(e) from None
    call_args = _call_arguments(fn, args.args or [])
    try:
        result = fn(*call_args)
        if args.benchmark is not None:
            times = []
            clock = time.perf_counter
            for _ in range(args.benchmark):
                t0 = clock()
                result = fn(*call_args)
                times.append(clock() - t0)
            print(f"compile time: {_ms(engine.compile_time)}")
            print(f"@{fn.name}: {args.benchmark} calls after a warm-up, min {_ms(min(times))}, "
                  f"median {_ms(statistics.median(times))} per call")
    except ArgumentError as e:
        raise _located(e, _argument_source(e, args.args or [])) from None
    except CudaError as e:
        raise ToolError(f"@{fn.name} failed on the GPU: {e.message}") from None
    results = _as_tuple(result)
    if args.output is not None:
        _save(args.output, results)
    else:
        _print(results)
    return 0


def _join_negative_scalars(argv: list[str]) -> list[str]:
    """`--arg-scalar -1.5:f32` as `--arg-scalar=-1.5:f32`: argparse would take the
    value for an option because it starts with '-'."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--":
            out += argv[i:]
            break
        if argv[i] == "--arg-scalar" and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"--arg-scalar={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def _argument_source(e, items: list[tuple[str, str]]) -> str:
    """` (from --arg x.npy)` for the argument an error names."""
    import re
    m = re.match(r"argument (\d+) of ", e.message)
    if m and int(m.group(1)) < len(items):
        flag, text = items[int(m.group(1))]
        return f" (from {flag} {text})"
    return ""


def _located(e, suffix: str = "") -> Exception:
    """`FILE:LINE:COL: error: ...` at the function when the error has a location."""
    from mlir_py.ir.diagnostics import Diagnostic
    message = e.message + suffix
    if e.location is not None and e.location.file_line_col() is not None:
        return ReportedError(Diagnostic("error", e.location, message).render())
    return ToolError(message)


def main(argv: list[str] | None = None) -> int:
    """Entry point: see mlir_py.tools.tool_main for threads, Ctrl-C and exit codes."""
    if argv is None:
        argv = sys.argv[1:]
    return run_tool(TOOL, _run, list(argv))


if __name__ == "__main__":
    sys.exit(main())
