"""Parsing, printing and verifying function-like ops, as upstream's
`function_interface_impl` does it.

Shared by every op that looks like `func.func` (`gpu.func`, `llvm.func` may
reuse it): `[visibility] @name(%arg0: t {attrs}, ...) -> (t {attrs})
attributes {...} {body}`. Argument and result attributes live in the
`arg_attrs` / `res_attrs` properties as arrays of dictionaries, present only
when some entry is non-empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from mlir_py.ir.builtin_attributes import ArrayAttr, DictionaryAttr, StringAttr, TypeAttr
from mlir_py.ir.builtin_types import FunctionType
from mlir_py.ir.operation import Block, Operation, Region

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

VISIBILITIES = ("public", "private", "nested")

#: attributes the custom syntax spells elsewhere, never in `attributes {...}`
_ELIDED = ("sym_name", "sym_visibility", "function_type", "arg_attrs", "res_attrs")


def dict_array(dicts: list[dict]) -> ArrayAttr | None:
    """The `arg_attrs`/`res_attrs` value for per-entry dictionaries: None when all are empty."""
    if not any(dicts):
        return None
    return ArrayAttr(tuple(DictionaryAttr.from_dict(d) for d in dicts))


def _func_type(inputs: list, results: list, variadic: bool) -> Any:
    return FunctionType(tuple(inputs), tuple(results))


@dataclass
class FunctionSignature:
    """What `(%a: t {attrs}, ...) -> (t {attrs})` spells; `entry_args` are the named arguments as
    (operand, type, location) for the entry block, `named` whether arguments had names."""

    entry_args: list[tuple[Any, Any, Any]]
    arg_types: list
    arg_attrs: list[dict]
    result_types: list
    res_attrs: list[dict]
    variadic: bool
    named: bool | None


def parse_function_signature(parser: Parser, *, allow_variadic: bool = False) -> FunctionSignature:
    """The argument list and the optional `-> results` of a function-like op (upstream's
    parseFunctionSignatureWithArguments)."""
    # (%a: t {attrs} loc(..), ...) or (t {attrs}, ...)
    entry_args: list[tuple[Any, Any, Any]] = []
    arg_types: list = []
    arg_attrs: list[dict] = []
    named: bool | None = None
    variadic = False
    parser.expect("(")
    if not parser.parse_optional(")"):
        while True:
            pos = parser.skip_ws()
            if variadic:
                raise parser.error("variadic arguments must be in the end of the argument list", pos)
            if allow_variadic and parser.parse_optional("..."):
                variadic = True
            elif parser.peek("%"):
                if named is False:  # the preceding argument had no name
                    raise parser.error("expected type instead of SSA identifier", pos)
                named = True
                u, t, attrs, loc = parser.parse_argument(allow_attrs=True)
                entry_args.append((u, t, loc))
                arg_types.append(t)
                arg_attrs.append(attrs)
            else:
                if named is True:  # the preceding argument had a name
                    raise parser.error("expected SSA identifier", pos)
                named = False
                arg_types.append(parser.parse_type())
                arg_attrs.append(parser.parse_optional_attr_dict())
                parser.parse_optional_location()
            if not parser.parse_optional(","):
                break
        parser.expect(")", "to end argument list")

    result_types: list = []
    res_attrs: list[dict] = []
    if parser.parse_optional("->"):
        if not parser.parse_optional("("):
            result_types.append(parser.parse_type())
            res_attrs.append({})
        elif not parser.parse_optional(")"):
            while True:
                result_types.append(parser.parse_type())
                res_attrs.append(parser.parse_optional_attr_dict())
                if not parser.parse_optional(","):
                    break
            parser.expect(")")
    return FunctionSignature(entry_args, arg_types, arg_attrs, result_types, res_attrs, variadic, named)


def parse_function_op(cls, parser: Parser, *, allow_variadic: bool = False,
                      type_builder: Callable[[list, list, bool], Any] = _func_type,
                      visibility_keyword: bool = True) -> Operation:
    """Parse everything after the op name into an op of class `cls`.

    `type_builder(inputs, results, variadic)` makes the `function_type`
    value (llvm.func builds its own function type). Without
    `visibility_keyword` (llvm.func, whose `private` is a linkage) the
    visibility is an ordinary entry of the attribute dictionary."""
    props: dict[str, Any] = {}
    for vis in VISIBILITIES if visibility_keyword else ():
        if parser.parse_optional_keyword(vis):
            props["sym_visibility"] = StringAttr(vis)
            break
    props["sym_name"] = StringAttr(parser.parse_symbol_name())

    sig = parse_function_signature(parser, allow_variadic=allow_variadic)
    entry_args, named = sig.entry_args, sig.named
    props["function_type"] = TypeAttr(type_builder(sig.arg_types, sig.result_types, sig.variadic))

    attr_pos = parser.skip_ws()
    attrs = parser.parse_optional_attr_dict_with_keyword()
    for disallowed in ("sym_visibility", "sym_name", "function_type")[0 if visibility_keyword else 1:]:
        if disallowed in attrs:
            raise parser.error(f"'{disallowed}' is an inferred attribute and should not be specified in "
                               f"the explicit attribute dictionary", attr_pos)
    # inherent attributes written in the dictionary (no_inline) become properties
    definition = cls.definition
    for k in list(attrs):
        if k in definition.props:
            props[k] = attrs.pop(k)
    a = dict_array(sig.arg_attrs)
    if a is not None:
        props["arg_attrs"] = a
    r = dict_array(sig.res_attrs)
    if r is not None:
        props["res_attrs"] = r

    body_pos = parser.skip_ws()
    if parser.peek("{"):
        # unnamed arguments give an entry block without them; the verifier complains
        region = parser.parse_region(entry_args if named else None, isolated=True)
        if region.is_empty():
            raise parser.error("expected non-empty function body", body_pos)
    else:
        region = Region()
    return cls.create(properties=props, attributes=attrs, regions=[region])


def print_function_signature(op: Operation, printer: Printer, *, variadic: bool = False) -> None:
    """`(%arg0: t {attrs}, ...) -> (t {attrs})` from the op's `function_type`, `arg_attrs`,
    `res_attrs` and entry block (upstream's printFunctionSignature)."""
    ftype = op.get_attr("function_type").value
    body = op.regions[0]
    external = body.is_empty()
    arg_attrs = op.get_attr("arg_attrs")
    printer.write("(")
    for i, t in enumerate(ftype.inputs):
        if i:
            printer.write(", ")
        attrs = dict(arg_attrs[i].entries) if arg_attrs is not None and i < len(arg_attrs) else {}
        if not external and i < len(body.first_block.args):
            arg = body.first_block.args[i]
            printer.print_operand(arg)
            printer.write(": ")
            printer.print_type(arg.type)
            printer.print_optional_attr_dict(attrs)
            if printer.debuginfo and arg.loc is not None:
                printer.write(" ")
                printer.print_location(arg.loc)
        else:
            printer.print_type(t)
            printer.print_optional_attr_dict(attrs)
    if variadic:
        if ftype.inputs:
            printer.write(", ")
        printer.write("...")
    printer.write(")")
    if ftype.results:
        printer.write(" -> ")
        res_attrs = op.get_attr("res_attrs")
        rdicts = [dict(res_attrs[i].entries) if res_attrs is not None and i < len(res_attrs) else {}
                  for i in range(len(ftype.results))]
        parens = len(ftype.results) > 1 or isinstance(ftype.results[0], FunctionType) or bool(rdicts[0])
        if parens:
            printer.write("(")
        for i, t in enumerate(ftype.results):
            if i:
                printer.write(", ")
            printer.print_type(t)
            printer.print_optional_attr_dict(rdicts[i])
        if parens:
            printer.write(")")


def print_function_op(op: Operation, printer: Printer, *, variadic: bool = False,
                      elided: tuple[str, ...] = (), visibility_keyword: bool = True) -> None:
    """Print everything after the op name, as upstream's printFunctionOp; `elided` names more attributes
    the caller's syntax spells itself."""
    printer.write(" ")
    vis = op.get_attr("sym_visibility") if visibility_keyword else None
    if vis is not None:
        printer.write(vis.value + " ")
    printer.print_symbol_name(op.get_attr("sym_name").value)
    print_function_signature(op, printer, variadic=variadic)
    body = op.regions[0]
    external = body.is_empty()
    shown = dict(op.properties)
    shown.update(op.attributes)
    hidden = _ELIDED if visibility_keyword else tuple(k for k in _ELIDED if k != "sym_visibility")
    printer.print_optional_attr_dict_with_keyword(shown, hidden + elided)
    if not external:
        printer.write(" ")
        printer.print_region(body, print_entry_block_args=False)


def verify_function_op(op: Operation) -> str | None:
    """Upstream's FunctionOpInterface checks: attribute arrays and the entry block."""
    ft = op.get_attr("function_type")
    if not isinstance(ft, TypeAttr) or not isinstance(ft.value, FunctionType):
        return "requires attribute 'function_type' of function type"
    ftype = ft.value
    for key, what, count in (("arg_attrs", "argument", len(ftype.inputs)),
                             ("res_attrs", "result", len(ftype.results))):
        arr = op.get_attr(key)
        if arr is None:
            continue
        if not isinstance(arr, ArrayAttr):
            return f"expects {what} attribute array to be an ArrayAttr"
        if len(arr) != count:
            return (f"expects {what} attribute array to have the same number of elements as the number of "
                    f"function {what}s, got {len(arr)}, but expected {count}")
        for d in arr:
            if not isinstance(d, DictionaryAttr):
                return f"expects {what} attribute dictionary to be a DictionaryAttr, but got `{d}`"
            for name, _ in d.entries:
                if "." not in name:
                    return f"{what}s may only have dialect attributes"
    body = op.regions[0]
    if body.is_empty():
        return None
    entry: Block = body.first_block
    if len(entry.args) != len(ftype.inputs):
        return f"entry block must have {len(ftype.inputs)} arguments to match function signature"
    for i, (a, t) in enumerate(zip(entry.args, ftype.inputs)):
        if a.type is not t:
            return (f"type of entry block argument #{i}('{a.type}') must match the type of the corresponding "
                    f"argument in function signature('{t}')")
    return None


def build_function_body(arg_types) -> Region:
    """A region with one entry block whose arguments have `arg_types`."""
    return Region([Block(list(arg_types))])
