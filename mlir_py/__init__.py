"""mlir_py: an MLIR-style compiler framework in Python.

One entry point for users::

    import mlir_py as mp

    ctx = mp.Context.with_available_dialects()
    module = mp.parse(ctx, "func.func @f(%a: i32) -> i32 { return %a : i32 }")
    mp.verify(module)
    print(module)

The layers, bottom up: `ir` (IR data structures, builtin attributes and
types, locations, diagnostics), `definition` (the op/attribute/type
authoring API), `builtin` (the builtin dialect), `text` (parser, printer),
`analysis` (verifier, symbols), `rewrite` (patterns, drivers, conversion)
and `pass_manager`. Shipped dialects are `mlir_py.dialects.<name>`, passes
`mlir_py.passes`, tools `mlir_py.tools`.
"""

from __future__ import annotations

from mlir_py import _layout

_layout.install(__path__)

# The public surface, imported bottom-up (layer order). Deeper paths stay
# importable for what is not listed here.
from mlir_py import builtin  # noqa: E402
from mlir_py.api import parse, parse_file, to_string, verify  # noqa: E402
from mlir_py.definition import constraints, traits  # noqa: E402
from mlir_py.definition.dialect import Dialect  # noqa: E402
from mlir_py.definition.opdef import (  # noqa: E402
    DefinitionError,
    Op,
    operand,
    opt_operand,
    opt_prop,
    opt_result,
    prop,
    region,
    result,
    successor,
    var_operand,
    var_region,
    var_result,
    var_successor,
)
from mlir_py.ir.attributes import AttrDef, Attribute, ParametrizedAttribute, TypeAttribute, TypeDef  # noqa: E402
from mlir_py.ir.context import Context  # noqa: E402
from mlir_py.ir.diagnostics import DiagnosticError  # noqa: E402
from mlir_py.ir.location import FileLineColLoc, Location, NameLoc, UnknownLoc  # noqa: E402
from mlir_py.ir.operation import (  # noqa: E402
    Block,
    BlockArgument,
    IRError,
    Operation,
    OpOperand,
    OpResult,
    Region,
    Value,
)
from mlir_py.pass_manager.manager import (  # noqa: E402
    ListOption,
    OpPassManager,
    Option,
    Pass,
    PassFailure,
    PassManager,
    Statistic,
)
from mlir_py.pass_manager.registry import register_pass, register_pipeline  # noqa: E402
from mlir_py.rewrite.greedy import apply_patterns_greedily  # noqa: E402
from mlir_py.rewrite.pattern import PatternRewriter, RewritePattern, pattern  # noqa: E402
from mlir_py.text.lexer import ParseError  # noqa: E402
from mlir_py.text.parser import Parser, parse_attribute, parse_type  # noqa: E402
from mlir_py.text.printer import Printer  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AttrDef", "Attribute", "Block", "BlockArgument", "Context", "DefinitionError", "DiagnosticError", "Dialect",
    "FileLineColLoc", "IRError", "ListOption", "Location", "NameLoc", "Op", "OpOperand", "OpPassManager",
    "OpResult", "Operation", "Option", "ParametrizedAttribute", "ParseError", "Parser", "Pass", "PassFailure",
    "PassManager", "PatternRewriter", "Printer", "Region", "RewritePattern", "Statistic", "TypeAttribute", "TypeDef",
    "UnknownLoc", "Value", "apply_patterns_greedily", "builtin", "constraints", "operand", "opt_operand",
    "opt_prop", "opt_result", "parse", "parse_attribute", "parse_file", "parse_type", "pattern", "prop",
    "region", "register_pass", "register_pipeline", "result", "successor", "to_string", "traits",
    "var_operand", "var_region", "var_result", "var_successor", "verify",
]
