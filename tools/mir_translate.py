"""mir-translate: llvm-dialect IR to LLVM IR, assembly or an object file (mlir-translate's job, plus llc's).

    mir-translate FILE --mir-to-llvmir [-O0..-O3] [-g] [-o OUT]
    mir-translate FILE --emit=llvm|asm|obj [--target-triple=T] [-O0..-O3] [-g] [-o OUT]
    mir-translate FILE --emit=c-header [-o OUT.h]
    mir-translate FILE --mir-to-ptx [--gpu-arch=sm_80] [-O0..-O3] [-o OUT.ptx]

`--mir-to-llvmir` prints the translation as is (optimized only when an -O
level is given); `--emit` optimizes (default -O2) for the host CPU, or for
`--target-triple`, and prints LLVM IR or assembly, or writes an object file.
The input must already be in the llvm dialect (`mir-opt --lower-to-llvm`
gets it there): any other op is `FILE:LINE:COL: error: ... cannot be
translated to LLVM IR`, exit status 1, as are parse and verifier errors.
`--emit=c-header` is the exception: it reads the module before lowering (it
needs the memref types), or one `--lower-to-llvm` lowered (its C wrappers keep
them in `func.function_type`), and writes the C declarations of its
`_mlir_ciface_` entry points (mlir_py.target.c_header, docs/aot.md).
`--mir-to-ptx` prints the PTX of the kernels of every gpu.module (lowered to
llvm+nvvm by `mir-opt --lower-to-nvvm`; host code beside them is ignored) for
`--gpu-arch` (default: the gpu.module's `#nvvm.target`, else sm_80 at -O3),
through LLVM's NVPTX backend
(mlir_py.target.ptx, docs/ptx.md).
"""

from __future__ import annotations

import argparse
import sys

from mlir_py.tools.tool_io import Output, check_input_path, check_output_path, read_input
from mlir_py.tools.tool_main import ToolArgumentParser, ToolError, run_tool

from mlir_py.ir.diagnostics import Diagnostic, DiagnosticError, DiagnosticHandler


def build_arg_parser() -> argparse.ArgumentParser:
    ap = ToolArgumentParser(prog="mir-translate", description="translate llvm-dialect IR to LLVM IR or machine code",
                    allow_abbrev=False)
    ap.add_argument("input", nargs="?", default="-", help="input file (default: stdin)")
    ap.add_argument("-o", dest="output", default="-", help="output file")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--mir-to-llvmir", "--mlir-to-llvmir", dest="to_llvmir", action="store_true",
                      help="translate to LLVM IR (the default)")
    what.add_argument("--mir-to-ptx", "--mlir-to-ptx", dest="to_ptx", action="store_true",
                      help="PTX of the kernels of every gpu.module (in llvm+nvvm: mir-opt --lower-to-nvvm)")
    what.add_argument("--emit", choices=["llvm", "asm", "obj", "c-header"],
                      help="optimized LLVM IR, assembly or an object file; or the C header of the "
                           "_mlir_ciface_ entry points (of a module before lowering or lowered by --lower-to-llvm)")
    ap.add_argument("--target-triple", default=None, help="target triple (default: the host, with its CPU features)")
    ap.add_argument("--mcpu", default=None, help="target CPU (default: the host's, or generic for a triple)")
    ap.add_argument("--mattr", default=None, help="target features, e.g. +avx2,-avx512f")
    ap.add_argument("--gpu-arch", default=None,
                    help="the GPU to emit PTX for, sm_XX (default: the gpu.module's #nvvm.target chip, else sm_80)")
    ap.add_argument("-g", dest="debug_info", action="store_true", help="emit debug info from the ops' locations")
    for n in range(4):
        ap.add_argument(f"-O{n}", dest="opt_level", action="store_const", const=n, help=f"optimization level {n}")
    return ap


def _fail(diags: list[Diagnostic]) -> int:
    for d in diags:
        print(d.render(), file=sys.stderr)
    return 1


def run(argv: list[str]) -> int:
    args = build_arg_parser().parse_args(argv)
    check_output_path(args.output)
    check_input_path(args.input)
    data, filename = read_input(args.input)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ToolError(f"input is not valid UTF-8 (byte {e.start})") from None

    from mlir_py.target.llvmir import find_untranslatable_op, translate_module_to_llvmir

    from mlir_py.analysis.verifier import verify
    from mlir_py.ir.context import Context
    from mlir_py.ir.diagnostics import register_source
    from mlir_py.text.parser import ParseError, parse_source

    ctx = Context()
    ctx.load_all_available_dialects()
    register_source(filename, text)
    try:
        module = parse_source(ctx, text, filename)
    except ParseError as e:
        d = Diagnostic("error", e.loc, e.message)
        for message, loc in e.notes:
            d.attach_note(message, loc)
        return _fail([d])
    diags: list[Diagnostic] = []
    with DiagnosticHandler(diags.append):
        ok = verify(module)
    if not ok or any(d.severity == "error" for d in diags):
        return _fail(diags)
    if args.emit == "c-header":
        return _emit_c_header(module, filename, args.output)
    if args.to_ptx:
        return _emit_ptx(module, args)
    if args.gpu_arch is not None:
        raise ToolError("--gpu-arch is an option of --mir-to-ptx")
    bad = find_untranslatable_op(module)
    if bad is not None:
        return _fail([Diagnostic("error", bad.location,
                                 f"'{bad.name}' op cannot be translated to LLVM IR: the input must be in the llvm "
                                 "dialect (lower it first, e.g. with mir-opt --lower-to-llvm)", op=bad)])
    try:
        ir = translate_module_to_llvmir(module, debug_info=args.debug_info, module_name=filename)
    except DiagnosticError as e:
        return _fail(e.diagnostics)

    output = Output(args.output)
    if args.emit is None and args.opt_level is None and args.target_triple is None:
        output.write(ir)
        return 0
    from mlir_py.target.llvmir.codegen import CodegenError, TargetOptions, optimize_module
    opt = args.opt_level if args.opt_level is not None else 2
    options = TargetOptions(triple=args.target_triple, cpu=args.mcpu, features=args.mattr)
    try:
        mod, tm = optimize_module(ir, opt, options, name=filename)
        if args.emit == "obj":
            _write_bytes(args.output, tm.emit_object(mod))
            return 0
        result = tm.emit_assembly(mod) if args.emit == "asm" else str(mod)
    except CodegenError as e:
        raise ToolError(f"LLVM: {e}") from None
    output.write(result)
    return 0


def _emit_c_header(module, filename: str, path: str) -> int:
    from mlir_py.target.c_header import CHeaderError, c_header, header_guard
    try:
        text = c_header(module, header_guard(path) if path != "-" else "MLIR_PY_MODULE_H")
    except CHeaderError as e:
        if e.location is None:
            raise ToolError(e.message) from None
        return _fail([Diagnostic("error", e.location, e.message)])
    Output(path).write(text)
    return 0


def _emit_ptx(module, args) -> int:
    from mlir_py.target.ptx import PTXError, emit_ptx
    for flag, given in (("--target-triple", args.target_triple), ("--mcpu", args.mcpu), ("--mattr", args.mattr),
                        ("-g", args.debug_info)):
        if given:
            raise ToolError(f"{flag} is not an option of --mir-to-ptx (the target is nvptx64-nvidia-cuda; "
                            "use --gpu-arch)")
    try:
        ptx = emit_ptx(module, args.gpu_arch, args.opt_level)
    except DiagnosticError as e:
        return _fail(e.diagnostics)
    except PTXError as e:
        raise ToolError(str(e)) from None
    Output(args.output).write(ptx)
    return 0


def _write_bytes(path: str, data: bytes) -> None:
    try:
        if path == "-":
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            with open(path, "wb") as f:
                f.write(data)
    except OSError as e:
        raise ToolError(f"cannot write output file '{path}': {e.strerror or e}") from None


def main(argv: list[str] | None = None) -> int:
    """Entry point (see mlir_py.tools.tool_main for exit codes and Ctrl-C)."""
    return run_tool("mir-translate", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
