"""mir-import-onnx: an ONNX model as graph-dialect IR (DESIGN §3).

    mir-import-onnx MODEL.onnx [-o OUT.mir] [--batch=N]

Prints one `func.func @main` whose arguments are the graph inputs that are not initializers and whose results
are the graph outputs, in the model's order; weights are `dense_resource` blobs in the resource section. A model
the importer cannot convert is `MODEL.onnx: error: node 'NAME' (OP): why`, exit status 1 (mlir_py.onnx).
"""

from __future__ import annotations

import argparse
import sys

from mlir_py.tools.tool_io import Output, check_input_path, check_output_path
from mlir_py.tools.tool_main import ReportedError, ToolArgumentParser, ToolError, run_tool


def build_arg_parser() -> argparse.ArgumentParser:
    ap = ToolArgumentParser(prog="mir-import-onnx", description="import an ONNX model as graph-dialect IR",
                    allow_abbrev=False)
    ap.add_argument("input", help="the .onnx model file ('-' for standard input)")
    ap.add_argument("-o", dest="output", default="-", help="output file (default: stdout)")
    ap.add_argument("--batch", type=int, default=None, metavar="N",
                    help="fix a symbolic first (batch) dimension of the graph inputs to N")
    ap.add_argument("--mlir-print-debuginfo", dest="debuginfo", action="store_true",
                    help="print the ops' locations (the ONNX node names)")
    ap.add_argument("--mlir-print-op-generic", dest="generic", action="store_true", help="print the generic op form")
    return ap


def run(argv: list[str]) -> int:
    args = build_arg_parser().parse_args(argv)
    if args.batch is not None and args.batch < 1:
        raise ToolError(f"--batch must be a positive integer, got {args.batch}")
    check_input_path(args.input)
    check_output_path(args.output)
    try:
        from mlir_py.onnx import OnnxImportError, import_model
    except ImportError as e:
        raise ToolError(f"the onnx package is needed ({e}); install it with: pip install mlir_py[onnx]") from None
    source = args.input
    if source == "-":
        from mlir_py.tools.tool_io import read_input
        source, _ = read_input("-")
    try:
        module = import_model(source, batch=args.batch)
    except OnnxImportError as e:
        message = str(e)
        if message.startswith(args.input + ": "):
            message = message[len(args.input) + 2:]
        raise ReportedError(f"{args.input}: error: {message}") from None
    from mlir_py.api import to_string
    text = to_string(module, generic=args.generic, debuginfo=args.debuginfo)
    Output(args.output).write(text if text.endswith("\n") else text + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point (see mlir_py.tools.tool_main for exit codes and Ctrl-C)."""
    return run_tool("mir-import-onnx", run, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
