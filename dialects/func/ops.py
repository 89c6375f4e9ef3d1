"""The func dialect: functions, calls and returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.func.function_interface import (
    VISIBILITIES,
    build_function_body,
    parse_function_op,
    print_function_op,
    verify_function_op,
)

from mlir_py.analysis.symbols import lookup_symbol
from mlir_py.builtin.constraints import FlatSymbolRef, FunctionTypeAttr, StrAttr
from mlir_py.definition.constraints import AnyType, BaseAttr
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, region, result, var_operand, var_result
from mlir_py.definition.traits import (
    AffineScope,
    AutomaticAllocationScope,
    CallableOpInterface,
    CallOpInterface,
    ConstantLike,
    HasParent,
    IsolatedFromAbove,
    OpAsmOpInterface,
    Pure,
    ReturnLike,
    Symbol,
    SymbolUserOpInterface,
    Terminator,
)
from mlir_py.ir.builtin_attributes import (
    ArrayAttr,
    DictionaryAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
)
from mlir_py.ir.builtin_types import FunctionType
from mlir_py.ir.operation import Region

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

DictArrayAttr = BaseAttr(ArrayAttr, description="Array of dictionary attributes")
FunctionTypeC = BaseAttr(FunctionType, description="function type")


def _types_str(types: Sequence[Any]) -> str:
    # MLIR quotes each type streamed into a diagnostic
    return ", ".join(f"'{t}'" for t in types)


class FuncOp(Op):
    """A function: a symbol with a signature and (unless a declaration) a body
    whose entry block arguments are the function's arguments.

    ```mlir
    func.func @add(%a: i32, %b: i32 {my.attr}) -> (i32 {my.res}) attributes {my.fn} {
      %0 = arith.addi %a, %b : i32
      return %0 : i32
    }
    func.func private @decl(i32) -> i32
    ```
    """

    name = "func.func"
    traits = [AffineScope, AutomaticAllocationScope, CallableOpInterface, IsolatedFromAbove, Symbol,
              OpAsmOpInterface]
    default_dialect = "func"
    sym_name = prop(StrAttr)
    function_type = prop(FunctionTypeAttr)
    sym_visibility = opt_prop(StrAttr)
    arg_attrs = opt_prop(DictArrayAttr)
    res_attrs = opt_prop(DictArrayAttr)
    no_inline = opt_prop(BaseAttr(UnitAttr, description="unit attribute"))
    body = region()

    @classmethod
    def build(cls, sym_name: str, function_type: FunctionType, *, visibility: str | None = None,
              declaration: bool = False, location=None) -> FuncOp:
        """A function with an entry block (args typed from the signature), or a declaration."""
        props: dict[str, Any] = {"sym_name": StringAttr(sym_name), "function_type": TypeAttr(function_type)}
        if visibility is not None:
            props["sym_visibility"] = StringAttr(visibility)
        body = Region() if declaration else build_function_body(function_type.inputs)
        return cls.create(properties=props, regions=[body], location=location)

    # -- accessors ---------------------------------------------------------

    @property
    def sym_name_str(self) -> str:
        return self.properties["sym_name"].value

    @property
    def type(self) -> FunctionType:
        return self.properties["function_type"].value

    @property
    def visibility(self) -> str:
        v = self.properties.get("sym_visibility")
        return v.value if v is not None else "public"

    def is_declaration(self) -> bool:
        return self.regions[0].is_empty()

    @property
    def entry_block(self):
        return self.regions[0].first_block

    # -- CallableOpInterface ----------------------------------------------

    def get_callable_region(self) -> Region | None:
        return None if self.is_declaration() else self.regions[0]

    def get_argument_types(self) -> list:
        return list(self.type.inputs)

    def get_result_types(self) -> list:
        return list(self.type.results)

    def get_arg_attr_dict(self, i: int) -> DictionaryAttr | None:
        a = self.properties.get("arg_attrs")
        return a[i] if a is not None else None

    def get_res_attr_dict(self, i: int) -> DictionaryAttr | None:
        a = self.properties.get("res_attrs")
        return a[i] if a is not None else None

    # -- syntax and verification ----------------------------------------

    @classmethod
    def parse(cls, parser: Parser) -> FuncOp:
        return parse_function_op(cls, parser)

    def print(self, printer: Printer) -> None:
        print_function_op(self, printer)

    def verify_(self) -> str | None:
        vis = self.get_attr("sym_visibility")
        if vis is not None and vis.value not in VISIBILITIES:
            return f'visibility expected to be one of ["public", "private", "nested"], but got {vis}'
        if self.is_declaration() and (vis is None or vis.value == "public"):
            return "symbol declaration cannot have public visibility"
        return verify_function_op(self)


class ReturnOp(Op):
    """Returns from the enclosing `func.func`; operands match its result types.

    ```mlir
    func.func @foo() -> (i32, f8) {
      ...
      return %0, %1 : i32, f8
    }
    ```
    """

    name = "func.return"
    traits = [Pure, HasParent("func.func"), ReturnLike, Terminator]
    operands_ = var_operand(AnyType)
    assembly_format = "attr-dict ($operands_^ `:` type($operands_))?"

    def verify_(self) -> str | None:
        fn = self.parent_op
        if not isinstance(fn, FuncOp) or not isinstance(fn.get_attr("function_type"), TypeAttr):
            return None
        results = fn.type.results
        n = len(self._operands)
        if n != len(results):
            return f"has {n} operands, but enclosing function (@{fn.sym_name_str}) returns {len(results)}"
        for i, (o, t) in enumerate(zip(self._operands, results)):
            if o.value.type is not t:
                self.emit_error(f"type of return operand {i} ('{o.value.type}') doesn't match function result "
                                f"type ('{t}') in function @{fn.sym_name_str}")
                return ""
        return None


def _lookup_func(op: Op, ref: SymbolRefAttr) -> FuncOp | None:
    target = lookup_symbol(op, ref)
    return target if isinstance(target, FuncOp) else None


class CallOp(Op):
    """Calls the function named by a symbol; operand and result types must
    match the callee's signature.

    ```mlir
    %r = func.call @my_add(%a, %b) : (i32, i32) -> i32
    ```
    """

    name = "func.call"
    traits = [CallOpInterface, SymbolUserOpInterface]
    callee = prop(FlatSymbolRef)
    arg_attrs = opt_prop(DictArrayAttr)
    res_attrs = opt_prop(DictArrayAttr)
    no_inline = opt_prop(BaseAttr(UnitAttr, description="unit attribute"))
    operands_ = var_operand(AnyType)
    results_ = var_result(AnyType)
    assembly_format = ("$callee `(` $operands_ `)` (`<` `no_inline` $no_inline^ `>`)? attr-dict `:` "
                       "functional-type($operands_, results)")

    @classmethod
    def build(cls, callee: str | FuncOp, args: Sequence[Any], result_types: Sequence[Any] | None = None,
              location=None) -> CallOp:
        """`func.call @callee(args)`; result types default to the callee's when given a FuncOp."""
        if isinstance(callee, FuncOp):
            if result_types is None:
                result_types = callee.get_result_types()
            callee = callee.sym_name_str
        return cls.create(list(args), list(result_types or []), {"callee": SymbolRefAttr(callee, ())},
                          location=location)

    def get_callee(self) -> SymbolRefAttr:
        return self.properties["callee"]

    def get_arg_operands(self) -> list:
        return self.operands

    def resolve_callee(self) -> FuncOp | None:
        return _lookup_func(self, self.properties["callee"])

    def verify_(self) -> str | None:
        ref = self.properties.get("callee")
        if not isinstance(ref, SymbolRefAttr):
            return "requires a 'callee' symbol reference attribute"
        fn = _lookup_func(self, ref)
        if fn is None:
            return f"'{ref.value}' does not reference a valid function"
        if not isinstance(fn.get_attr("function_type"), TypeAttr):
            return None
        ftype = fn.type
        if len(ftype.inputs) != len(self._operands):
            return "incorrect number of operands for callee"
        for i, (o, t) in enumerate(zip(self._operands, ftype.inputs)):
            if o.value.type is not t:
                return (f"operand type mismatch: expected operand type '{t}', but provided '{o.value.type}' "
                        f"for operand number {i}")
        if len(ftype.results) != len(self.results):
            return "incorrect number of results for callee"
        for i, (r, t) in enumerate(zip(self.results, ftype.results)):
            if r.type is not t:
                d = self.emit_op_error(f"result type mismatch at index {i}")
                d.attach_note(f"      op result types: {_types_str(self.result_types)}")
                d.attach_note(f"function result types: {_types_str(ftype.results)}")
                return ""
        return None


class CallIndirectOp(Op):
    """Calls a function value (e.g. one produced by `func.constant`).

    ```mlir
    %f = func.constant @my_add : (i32, i32) -> i32
    %r = func.call_indirect %f(%a, %b) : (i32, i32) -> i32
    ```
    """

    name = "func.call_indirect"
    traits = [CallOpInterface]
    callee = operand(FunctionTypeC)
    callee_operands = var_operand(AnyType)
    arg_attrs = opt_prop(DictArrayAttr)
    res_attrs = opt_prop(DictArrayAttr)
    results_ = var_result(AnyType)
    assembly_format = "$callee `(` $callee_operands `)` attr-dict `:` type($callee)"

    @classmethod
    def infer_operand_types(cls, name: str, env: dict) -> list:
        return list(env["t_callee"].inputs)

    @classmethod
    def infer_result_types(cls, operands: list, props: dict) -> list:
        t = operands[0].type if operands else None
        if not isinstance(t, FunctionType):
            raise TypeError("func.call_indirect: callee must have a function type")
        return list(t.results)

    def get_callee(self):
        return self.operands[0]

    def get_arg_operands(self) -> list:
        return self.operands[1:]

    def verify_(self) -> str | None:
        ftype = self._operands[0].value.type
        if [o.value.type for o in self._operands[1:]] != list(ftype.inputs):
            return "failed to verify that callee input types match argument types"
        if self.result_types != list(ftype.results):
            return "failed to verify that callee result types match result types"
        return None


class ConstantOp(Op):
    """Materializes a reference to a function as an SSA value of function type.

    ```mlir
    %f = func.constant @my_add : (i32, i32) -> i32
    ```
    """

    name = "func.constant"
    traits = [ConstantLike, Pure, SymbolUserOpInterface, OpAsmOpInterface]
    value = prop(FlatSymbolRef)
    result_ = result(AnyType)
    assembly_format = "attr-dict $value `:` type(results)"

    def get_asm_result_name(self) -> str:
        return "f"

    def fold(self, operands):
        return self.properties["value"]

    def verify_(self) -> str | None:
        ref = self.properties.get("value")
        fn = _lookup_func(self, ref)
        if fn is None:
            return f"reference to undefined function '{ref.value}'"
        if isinstance(fn.get_attr("function_type"), TypeAttr) and fn.type is not self.results[0].type:
            return "reference to function with mismatched type"
        return None


OPS = [FuncOp, ReturnOp, CallOp, CallIndirectOp, ConstantOp]
