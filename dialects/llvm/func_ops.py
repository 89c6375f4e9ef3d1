"""llvm.func, llvm.call and llvm.call_intrinsic.

llvm.func's signature is an `!llvm.func<ret (args...)>`: one result (void for
none) and an optional `...` for C varargs; linkage, visibility, unnamed_addr
and calling convention are keywords before the symbol name. Inherent
attributes without syntax of their own (passthrough, target_cpu, ...) print in
`attributes {...}` next to discardable ones such as `llvm.emit_c_interface`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.func.function_interface import parse_function_op, print_function_op
from mlir_py.dialects.llvm.attributes import (
    CCONV_C,
    CCONVS,
    FASTMATH_NONE,
    LINKAGE_EXTERNAL,
    LINKAGES,
    TAILCALL_NONE,
    CConvAttr,
    CConvC,
    FastmathC,
    FastmathFlagsAttr,
    LinkageAttr,
    LinkageC,
    TailCallKindAttr,
    TailCallKindC,
    UnnamedAddr,
    Visibility,
)
from mlir_py.dialects.llvm.types import LLVMFunctionType, LLVMPointerType, LLVMVoidType

from mlir_py.analysis.symbols import lookup_symbol
from mlir_py.builtin.constraints import StrAttr
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, _segment_attr, opt_prop, prop, region, var_operand, var_result
from mlir_py.definition.traits import (
    AutomaticAllocationScope,
    CallableOpInterface,
    CallOpInterface,
    IsolatedFromAbove,
    Symbol,
    SymbolUserOpInterface,
)
from mlir_py.ir.builtin_attributes import DenseArrayAttr, IntegerAttr, StringAttr, SymbolRefAttr, TypeAttr
from mlir_py.ir.builtin_types import FunctionType, IntegerType, i32
from mlir_py.ir.operation import Block, Region

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

I64_ZERO = IntegerAttr(0, IntegerType(64))
_VISIBILITY_KW = {"hidden": 1, "protected": 2}
#: inherent attributes of llvm.func that have no syntax of their own (printed in `attributes {...}`)
_FUNC_OPTIONAL_PROPS = (
    "sym_visibility", "arg_attrs", "res_attrs", "dso_local", "comdat", "personality", "garbageCollector",
    "passthrough", "function_entry_count", "memory_effects", "section", "alignment", "no_inline", "always_inline",
    "inline_hint", "no_unwind", "will_return", "optimize_none", "vscale_range", "frame_pointer", "target_cpu",
    "tune_cpu", "target_features", "no_signed_zeros_fp_math", "no_nans_fp_math", "no_infs_fp_math",
    "unsafe_fp_math", "denormal_fp_math", "denormal_fp_math_f32", "fp_contract", "instrument_function_entry",
    "instrument_function_exit", "uwtable_kind", "reciprocal_estimates", "prefer_vector_width", "intel_offload",
    "convergent", "no_caller_saved_registers", "nocallback", "modular_format", "arm_streaming",
    "arm_locally_streaming", "arm_streaming_compatible", "arm_new_za", "arm_in_za", "arm_out_za",
    "arm_inout_za", "arm_preserves_za", "target_specific_attrs", "use_sample_profile", "returns_twice",
    "cold", "hot", "noduplicate", "no_builtins", "instrument_function_entry",
)
_FUNC_ELIDED = ("linkage", "CConv", "unnamed_addr", "visibility_")


def _llvm_function_type(inputs: list, results: list, variadic: bool) -> LLVMFunctionType:
    return LLVMFunctionType(results[0] if results else LLVMVoidType(), tuple(inputs), variadic)


class LLVMFuncOp(Op):
    """A function in the llvm dialect; without a body it is an external declaration.

    ```mlir
    llvm.func @printf(!llvm.ptr, ...) -> i32
    llvm.func internal fastcc @add(%a: i32, %b: i32) -> i32 attributes {llvm.emit_c_interface} {
      %0 = llvm.add %a, %b : i32
      llvm.return %0 : i32
    }
    ```
    """

    name = "llvm.func"
    traits = [AutomaticAllocationScope, CallableOpInterface, IsolatedFromAbove, Symbol]
    sym_name = prop(StrAttr)
    function_type = prop(AnyType)
    linkage = prop(LinkageC, default=LINKAGE_EXTERNAL)
    CConv = prop(CConvC, default=CCONV_C)
    unnamed_addr = prop(UnnamedAddr, default=I64_ZERO)
    visibility_ = prop(Visibility, default=I64_ZERO)
    body = region()
    locals().update({n: opt_prop() for n in _FUNC_OPTIONAL_PROPS})

    @classmethod
    def build(cls, sym_name: str, function_type: LLVMFunctionType, *, linkage: str = "external",
              declaration: bool = False, location=None) -> LLVMFuncOp:
        """A function with an entry block whose arguments are typed from the signature, or a declaration."""
        props: dict[str, Any] = {"sym_name": StringAttr(sym_name), "function_type": TypeAttr(function_type),
                                 "linkage": LinkageAttr(LINKAGES[linkage]), "CConv": CCONV_C,
                                 "unnamed_addr": I64_ZERO, "visibility_": I64_ZERO}
        body = Region() if declaration else Region([Block(list(function_type.params))])
        return cls.create(properties=props, regions=[body], location=location)

    @property
    def type(self) -> LLVMFunctionType:
        return self.properties["function_type"].value

    @property
    def sym_name_str(self) -> str:
        return self.properties["sym_name"].value

    def is_declaration(self) -> bool:
        return self.regions[0].is_empty()

    @property
    def entry_block(self) -> Block | None:
        return self.regions[0].first_block

    def get_callable_region(self) -> Region | None:
        return None if self.is_declaration() else self.regions[0]

    def get_argument_types(self) -> list:
        return list(self.type.params)

    def get_result_types(self) -> list:
        return list(self.type.results)

    @classmethod
    def parse(cls, parser: Parser) -> LLVMFuncOp:
        props: dict[str, Any] = {"linkage": LINKAGE_EXTERNAL, "CConv": CCONV_C, "unnamed_addr": I64_ZERO,
                                 "visibility_": I64_ZERO}
        kw = parser.peek_keyword()
        if kw in LINKAGES:
            parser.parse_keyword()
            props["linkage"] = LinkageAttr(LINKAGES[kw])
            kw = parser.peek_keyword()
        if kw in _VISIBILITY_KW:
            parser.parse_keyword()
            props["visibility_"] = IntegerAttr(_VISIBILITY_KW[kw], IntegerType(64))
            kw = parser.peek_keyword()
        if kw in ("unnamed_addr", "local_unnamed_addr"):
            parser.parse_keyword()
            props["unnamed_addr"] = UnnamedAddr.attr(kw)
            kw = parser.peek_keyword()
        if kw in CCONVS:
            parser.parse_keyword()
            props["CConv"] = CConvAttr(CCONVS[kw])
        op = parse_function_op(cls, parser, allow_variadic=True, type_builder=_llvm_function_type,
                               visibility_keyword=False)
        for k, v in props.items():
            op.properties.setdefault(k, v)
        return op

    def print(self, printer: Printer) -> None:
        p = self.properties
        words = []
        if p["linkage"] is not LINKAGE_EXTERNAL:
            words.append(p["linkage"].case_names[0])
        vis = p.get("visibility_")
        if vis is not None and vis.value:
            words.append({1: "hidden", 2: "protected"}.get(vis.value, ""))
        ua = p.get("unnamed_addr")
        if ua is not None and ua.value:
            words.append(UnnamedAddr.name_of(ua))
        if p["CConv"].value != 0:
            words.append(p["CConv"].case_names[0])
        if words:
            printer.write(" " + " ".join(words))
        print_function_op(self, printer, variadic=self.type.is_var_arg, elided=_FUNC_ELIDED,
                          visibility_keyword=False)

    def verify_(self) -> str | None:
        ft = self.properties.get("function_type")
        if not isinstance(ft, TypeAttr) or not isinstance(ft.value, LLVMFunctionType):
            return "requires attribute 'function_type' of LLVM function type"
        if self.is_declaration():
            if self.properties["linkage"].case_names[0] not in ("external", "extern_weak"):
                return "external functions must have 'external' or 'extern_weak' linkage"
            return None
        entry = self.regions[0].first_block
        params = ft.value.params
        if len(entry.args) != len(params):
            return f"entry block must have {len(params)} arguments to match function signature"
        for i, (a, t) in enumerate(zip(entry.args, params)):
            if a.type is not t:
                return (f"type of entry block argument #{i}('{a.type}') must match the type of the corresponding "
                        f"argument in function signature('{t}')")
        return None


_TAIL_KW = {"tail": 1, "musttail": 2, "notail": 3}
_CALL_ELIDED = {"callee", "var_callee_type", "CConv", "TailCallKind", "op_bundle_sizes", "operandSegmentSizes"}


def _empty_i32_array() -> DenseArrayAttr:
    return DenseArrayAttr(i32, ())


class CallOp(Op):
    """A call, direct (`@callee`) or indirect (the first operand is the function pointer); a variadic
    callee's signature is spelled with `vararg(...)`.

    ```mlir
    %r = llvm.call @add(%a, %b) : (i32, i32) -> i32
    %n = llvm.call @printf(%fmt, %x) vararg(!llvm.func<i32 (ptr, ...)>) : (!llvm.ptr, f64) -> i32
    llvm.call %fp(%a) : !llvm.ptr, (i32) -> ()
    ```
    """

    name = "llvm.call"
    traits = [CallOpInterface, SymbolUserOpInterface]
    callee_operands = var_operand(AnyType)
    op_bundle_operands = var_operand(AnyType)
    var_callee_type = opt_prop()
    callee = opt_prop()
    fastmathFlags = prop(FastmathC, default=FASTMATH_NONE)
    CConv = prop(CConvC, default=CCONV_C)
    TailCallKind = prop(TailCallKindC, default=TAILCALL_NONE)
    op_bundle_sizes = prop(default=DenseArrayAttr(i32, ()))
    result = var_result(AnyType)

    @classmethod
    def build(cls, callee: str | Any, args: Sequence[Any], result_types: Sequence[Any] = (), *,
              var_callee_type: LLVMFunctionType | None = None, location=None) -> CallOp:
        """A direct call of the symbol `callee` (a name, or an llvm.func whose signature gives the result
        types and the vararg type), or an indirect call when `callee` is a pointer value."""
        props: dict[str, Any] = {"fastmathFlags": FASTMATH_NONE, "CConv": CCONV_C, "TailCallKind": TAILCALL_NONE,
                                 "op_bundle_sizes": _empty_i32_array()}
        operands = list(args)
        if isinstance(callee, LLVMFuncOp):
            ft = callee.type
            result_types = list(ft.results)
            if ft.is_var_arg and var_callee_type is None:
                var_callee_type = ft
            callee = callee.sym_name_str
        if isinstance(callee, str):
            props["callee"] = SymbolRefAttr(callee)
        else:
            operands = [callee] + operands
        if var_callee_type is not None:
            props["var_callee_type"] = TypeAttr(var_callee_type)
        props["operandSegmentSizes"] = _segment_attr([len(operands), 0])
        return cls.create(operands, list(result_types), props, location=location)

    @property
    def args(self) -> list:
        """The call's arguments (without the function pointer of an indirect call)."""
        ops = self.callee_operands
        return ops if self.properties.get("callee") is not None else ops[1:]

    @classmethod
    def parse(cls, parser: Parser) -> CallOp:
        props: dict[str, Any] = {"fastmathFlags": FASTMATH_NONE, "CConv": CCONV_C, "TailCallKind": TAILCALL_NONE,
                                 "op_bundle_sizes": _empty_i32_array()}
        kw = parser.peek_keyword()
        if kw in CCONVS:
            parser.parse_keyword()
            props["CConv"] = CConvAttr(CCONVS[kw])
            kw = parser.peek_keyword()
        if kw in _TAIL_KW:
            parser.parse_keyword()
            props["TailCallKind"] = TailCallKindAttr(_TAIL_KW[kw])
        fptr = None
        name = parser.parse_optional_symbol_name()
        if name is not None:
            props["callee"] = SymbolRefAttr(name)
        else:
            fptr = parser.parse_operand()
        parser.expect("(")
        args = parser.parse_operand_list() if not parser.peek(")") else []
        parser.expect(")")
        if parser.parse_optional_keyword("vararg"):
            parser.expect("(")
            vpos = parser.skip_ws()
            vt = parser.parse_type()
            if not isinstance(vt, LLVMFunctionType):
                raise parser.error("expected LLVM function type", vpos)
            parser.expect(")")
            props["var_callee_type"] = TypeAttr(vt)
        attrs = parser.parse_optional_attr_dict()
        for k in list(attrs):
            if k in cls.definition.props:
                props[k] = attrs.pop(k)
        parser.expect(":")
        ptr_type = None
        if fptr is not None:
            ptr_type = parser.parse_type()
            parser.expect(",")
        tpos = parser.skip_ws()
        ft = parser.parse_type()
        if not isinstance(ft, FunctionType):
            raise parser.error("expected function type", tpos)
        if len(ft.inputs) != len(args):
            raise parser.error(f"expected {len(args)} argument types, got {len(ft.inputs)}", tpos)
        operands = parser.resolve_operands(args, list(ft.inputs)) if args else []
        if fptr is not None:
            operands = [parser.resolve_operand(fptr, ptr_type)] + operands
        props["operandSegmentSizes"] = _segment_attr([len(operands), 0])
        return cls.create(operands, list(ft.results), props, attrs)

    def print(self, printer: Printer) -> None:
        p = self.properties
        if p["CConv"].value != 0:
            printer.write(" " + p["CConv"].case_names[0])
        if p["TailCallKind"].value != 0:
            printer.write(" " + p["TailCallKind"].case_names[0])
        printer.write(" ")
        callee = p.get("callee")
        args = self.callee_operands
        if callee is not None:
            printer.print_attribute(callee)
        else:
            printer.print_operand(args[0])
            args = args[1:]
        printer.write("(")
        printer.print_operands(args)
        printer.write(")")
        vt = p.get("var_callee_type")
        if vt is not None:
            printer.write(" vararg(")
            printer.print_type(vt.value)
            printer.write(")")
        shown = {k: v for k, v in p.items() if k not in _CALL_ELIDED
                 and not (k == "fastmathFlags" and v is FASTMATH_NONE)}
        shown.update(self.attributes)
        printer.print_optional_attr_dict(shown)
        printer.write(" : ")
        if callee is None:
            printer.print_type(self.callee_operands[0].type)
            printer.write(", ")
        printer.print_function_type([a.type for a in args], [r.type for r in self.results])

    def verify_(self) -> str | None:
        if len(self.results) > 1:
            return "must have 0 or 1 result"
        callee = self.properties.get("callee")
        if callee is None:
            if not self.callee_operands or not isinstance(self.callee_operands[0].type, LLVMPointerType):
                return "indirect call expects a pointer as callee"
            return None
        fn = lookup_symbol(self, callee)
        if fn is None:
            return f"'{callee.root}' does not reference a symbol in the current scope"
        if not isinstance(fn, LLVMFuncOp):
            return None if fn.name == "llvm.mlir.global" else \
                f"'{callee.root}' does not reference a valid LLVM function"
        ft = fn.type
        args = self.args
        if ft.is_var_arg:
            if len(args) < len(ft.params):
                return "incorrect number of operands for callee"
            if self.properties.get("var_callee_type") is None:
                return "missing var_callee_type attribute for vararg call"
        elif len(args) != len(ft.params):
            return "incorrect number of operands for callee"
        for i, (a, t) in enumerate(zip(args, ft.params)):
            if a.type is not t:
                return (f"operand type mismatch: expected operand type '{t}', but provided '{a.type}' for operand "
                        f"number {i}")
        results = [r.type for r in self.results]
        if results != list(ft.results):
            return "result type mismatch"
        return None


class CallIntrinsicOp(Op):
    """A call of an LLVM intrinsic by name, for intrinsics without an llvm.intr op of their own.

    ```mlir
    %r = llvm.call_intrinsic "llvm.fabs.f32"(%x) : (f32) -> f32
    ```
    """

    name = "llvm.call_intrinsic"
    intrin = prop(StrAttr)
    args = var_operand(AnyType)
    op_bundle_operands = var_operand(AnyType)
    fastmathFlags = prop(FastmathC, default=FASTMATH_NONE)
    op_bundle_sizes = prop(default=DenseArrayAttr(i32, ()))
    res = var_result(AnyType)

    @classmethod
    def build(cls, intrin: str, args: Sequence[Any], result_types: Sequence[Any] = (), location=None):
        props = {"intrin": StringAttr(intrin), "fastmathFlags": FASTMATH_NONE,
                 "op_bundle_sizes": _empty_i32_array(), "operandSegmentSizes": _segment_attr([len(args), 0])}
        return cls.create(list(args), list(result_types), props, location=location)

    @classmethod
    def parse(cls, parser: Parser) -> CallIntrinsicOp:
        props: dict[str, Any] = {"intrin": StringAttr(parser.parse_string()), "fastmathFlags": FASTMATH_NONE,
                                 "op_bundle_sizes": _empty_i32_array()}
        parser.expect("(")
        args = parser.parse_operand_list() if not parser.peek(")") else []
        parser.expect(")")
        attrs = parser.parse_optional_attr_dict()
        for k in list(attrs):
            if k in cls.definition.props:
                props[k] = attrs.pop(k)
        parser.expect(":")
        tpos = parser.skip_ws()
        ft = parser.parse_type()
        if not isinstance(ft, FunctionType) or len(ft.inputs) != len(args):
            raise parser.error("expected a function type with one input per argument", tpos)
        operands = parser.resolve_operands(args, list(ft.inputs)) if args else []
        props["operandSegmentSizes"] = _segment_attr([len(operands), 0])
        return cls.create(operands, list(ft.results), props, attrs)

    def print(self, printer: Printer) -> None:
        p = self.properties
        printer.write(" ")
        printer.print_string_literal(p["intrin"].value)
        printer.write("(")
        printer.print_operands(self.args)
        printer.write(")")
        shown = {k: v for k, v in p.items() if k not in ("intrin", "op_bundle_sizes", "operandSegmentSizes")
                 and not (k == "fastmathFlags" and v is FASTMATH_NONE)}
        shown.update(self.attributes)
        printer.print_optional_attr_dict(shown)
        printer.write(" : ")
        printer.print_function_type([a.type for a in self.args], [r.type for r in self.results])


_ = FastmathFlagsAttr
OPS = [LLVMFuncOp, CallOp, CallIntrinsicOp]
