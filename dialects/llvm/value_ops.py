"""Constants and globals of the llvm dialect: llvm.mlir.constant/undef/poison/zero, llvm.mlir.global and
llvm.mlir.addressof. These have no LLVM IR instruction of their own: the translation turns them into
LLVM constants and global variables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.dialects.llvm.attributes import (
    LINKAGES,
    LinkageAttr,
    LinkageC,
    TLSMode,
    UnnamedAddr,
    Visibility,
)
from mlir_py.dialects.llvm.constraints import AnyLLVMType, AnyPtr
from mlir_py.dialects.llvm.types import LLVMArrayType, LLVMPointerType

from mlir_py.builtin.constraints import FlatSymbolRef, I32Attr, I64Attr, StrAttr, UnitAttrC
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, opt_prop, prop, region, result
from mlir_py.definition.traits import ConstantLike, IsolatedFromAbove, Pure, SingleBlock, Symbol
from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr, TypeAttr, UnitAttr
from mlir_py.ir.builtin_types import IntegerType, i8
from mlir_py.ir.operation import Region

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

I32_ZERO = IntegerAttr(0, IntegerType(32))
I64_ZERO = IntegerAttr(0, IntegerType(64))


class ConstantOp(Op):
    """A constant: an integer, float, string or dense elements attribute; dense values may initialize
    vectors and (nested) arrays.

    ```mlir
    %c = llvm.mlir.constant(42 : i32) : i32
    %v = llvm.mlir.constant(dense<[1.0, 2.0]> : vector<2xf32>) : vector<2xf32>
    ```
    """

    name = "llvm.mlir.constant"
    traits = [ConstantLike, Pure]
    value = prop()
    res = result(AnyLLVMType)
    assembly_format = "`(` $value `)` attr-dict `:` type($res)"

    def __init__(self, value=None, type=None, **kw):
        """`ConstantOp(IntegerAttr(1, i32))`, or `ConstantOp(attr, type)` when the result type differs."""
        if type is not None:
            kw["result_types"] = [type]
        super().__init__(value=value, **kw)

    @classmethod
    def infer_result_types(cls, operands, props):
        return [props["value"].type]

    def fold(self, operands):
        return self.properties["value"]

    def verify_(self) -> str | None:
        v = self.properties["value"]
        t = self.res.type
        if isinstance(v, StringAttr):
            if not (isinstance(t, LLVMArrayType) and isinstance(t.element_type, IntegerType)
                    and t.element_type.width == 8):
                return "expected array type of i8 for a string attribute"
            return None
        if isinstance(v, (IntegerAttr,)) and isinstance(t, IntegerType) and v.type is not t:
            if not isinstance(v.type, IntegerType) or v.type.width != t.width:
                return "expected integer type of width " + str(t.width) if isinstance(v.type, IntegerType) \
                    else None
        return None


class _NullaryValue(Op):
    traits = [Pure]
    res = result(AnyLLVMType)
    assembly_format = "attr-dict `:` type($res)"


class UndefOp(_NullaryValue):
    """An undefined value of any type; the usual start of building a struct with llvm.insertvalue.

    ```mlir
    %s = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64)>
    ```
    """

    name = "llvm.mlir.undef"


class PoisonOp(_NullaryValue):
    """A poison value of any type (LLVM `poison`).

    ```mlir
    %p = llvm.mlir.poison : vector<4xf32>
    ```
    """

    name = "llvm.mlir.poison"


class ZeroOp(_NullaryValue):
    """The all-zero value of a type (LLVM `zeroinitializer`, `null` for pointers).

    ```mlir
    %z = llvm.mlir.zero : !llvm.ptr
    ```
    """

    name = "llvm.mlir.zero"


class AddressOfOp(Op):
    """The address of a global or function, as a pointer.

    ```mlir
    %p = llvm.mlir.addressof @table : !llvm.ptr
    ```
    """

    name = "llvm.mlir.addressof"
    traits = [Pure]
    global_name = prop(FlatSymbolRef)
    res = result(AnyPtr)
    assembly_format = "$global_name attr-dict `:` qualified(type($res))"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [LLVMPointerType()]


_GLOBAL_ELIDED = ("sym_name", "global_type", "constant", "value", "linkage", "unnamed_addr", "tls_mode",
                  "visibility_")


class GlobalOp(Op):
    """A global variable: a symbol with a type, linkage, and an initial value given as an attribute
    or computed by a region ending in llvm.return.

    ```mlir
    llvm.mlir.global internal constant @t(dense<[1, 2]> : tensor<2xi32>) {addr_space = 0 : i32} : !llvm.array<2 x i32>
    llvm.mlir.global external @p() {addr_space = 0 : i32} : !llvm.ptr {
      %0 = llvm.mlir.zero : !llvm.ptr
      llvm.return %0 : !llvm.ptr
    }
    ```
    """

    name = "llvm.mlir.global"
    traits = [IsolatedFromAbove, SingleBlock, Symbol]
    global_type = prop(AnyType)
    constant = opt_prop(UnitAttrC)
    sym_name = prop(StrAttr)
    linkage = prop(LinkageC, default=LinkageAttr(LINKAGES["external"]))
    dso_local = opt_prop(UnitAttrC)
    externally_initialized = opt_prop(UnitAttrC)
    value = opt_prop()
    alignment = opt_prop(I64Attr)
    addr_space = prop(I32Attr, default=I32_ZERO)
    unnamed_addr = prop(UnnamedAddr, default=I64_ZERO)
    section = opt_prop(StrAttr)
    tls_mode = prop(TLSMode, default=I64_ZERO)
    visibility_ = prop(Visibility, default=I64_ZERO)
    initializer = region()

    @classmethod
    def build(cls, sym_name: str, type: Any, *, linkage: str = "external", constant: bool = False,
              value: Any = None, alignment: int | None = None, addr_space: int = 0, location=None) -> GlobalOp:
        """A global with an attribute initializer (or none); add an initializer region afterwards if wanted."""
        props: dict[str, Any] = {"sym_name": StringAttr(sym_name), "global_type": TypeAttr(type),
                                 "linkage": LinkageAttr(LINKAGES[linkage]),
                                 "addr_space": IntegerAttr(addr_space, IntegerType(32)),
                                 "unnamed_addr": I64_ZERO, "tls_mode": I64_ZERO, "visibility_": I64_ZERO}
        if constant:
            props["constant"] = UnitAttr()
        if value is not None:
            props["value"] = value
        if alignment is not None:
            props["alignment"] = IntegerAttr(alignment, IntegerType(64))
        return cls.create(properties=props, regions=[Region()], location=location)

    @property
    def type(self) -> Any:
        return self.properties["global_type"].value

    @property
    def sym_name_str(self) -> str:
        return self.properties["sym_name"].value

    @classmethod
    def parse(cls, parser: Parser) -> GlobalOp:
        props: dict[str, Any] = {"addr_space": I32_ZERO, "unnamed_addr": I64_ZERO, "tls_mode": I64_ZERO,
                                 "visibility_": I64_ZERO}
        kw = parser.peek_keyword()
        props["linkage"] = LinkageAttr(LINKAGES["external"])
        if kw in LINKAGES:
            parser.parse_keyword()
            props["linkage"] = LinkageAttr(LINKAGES[kw])
        kw = parser.peek_keyword()
        if kw in ("unnamed_addr", "local_unnamed_addr"):
            parser.parse_keyword()
            props["unnamed_addr"] = UnnamedAddr.attr(kw)
        if parser.parse_optional_keyword("thread_local"):
            props["tls_mode"] = TLSMode.attr("thread_local")
        if parser.parse_optional_keyword("constant"):
            props["constant"] = UnitAttr()
        props["sym_name"] = StringAttr(parser.parse_symbol_name())
        parser.expect("(")
        if not parser.parse_optional(")"):
            props["value"] = parser.parse_attribute()
            parser.expect(")")
        attrs = parser.parse_optional_attr_dict()
        for k in list(attrs):
            if k in cls.definition.props:
                props[k] = attrs.pop(k)
        tpos = parser.skip_ws()
        if parser.parse_optional(":"):
            t = parser.parse_type()
        else:
            v = props.get("value")
            if not isinstance(v, StringAttr):
                raise parser.error("type can only be omitted for string globals", tpos)
            t = LLVMArrayType(len(v.value.encode("latin-1", "replace")), i8)
        props["global_type"] = TypeAttr(t)
        r = parser.parse_optional_region() if parser.peek("{") else None
        return cls.create(properties=props, attributes=attrs, regions=[r if r is not None else Region()])

    def print(self, printer: Printer) -> None:
        p = self.properties
        printer.write(" " + p["linkage"].case_names[0])
        ua = p.get("unnamed_addr")
        if ua is not None and ua.value:
            printer.write(" " + UnnamedAddr.name_of(ua))
        if p.get("tls_mode") is not None and p["tls_mode"].value:
            printer.write(" thread_local")
        if "constant" in p:
            printer.write(" constant")
        printer.write(" ")
        printer.print_symbol_name(p["sym_name"].value)
        printer.write("(")
        v = p.get("value")
        if v is not None:
            printer.print_attribute(v)
        printer.write(")")
        shown = {k: a for k, a in p.items() if k not in _GLOBAL_ELIDED}
        shown.update(self.attributes)
        printer.print_optional_attr_dict(shown)
        if not isinstance(v, StringAttr):
            printer.write(" : ")
            printer.print_type(self.type)
        body = self.regions[0]
        if not body.is_empty():
            printer.write(" ")
            printer.print_region(body, print_entry_block_args=False)

    def verify_(self) -> str | None:
        has_region = not self.regions[0].is_empty()
        if has_region and self.properties.get("value") is not None:
            return "cannot have both initializer value and region"
        return None


OPS = [ConstantOp, UndefOp, PoisonOp, ZeroOp, AddressOfOp, GlobalOp]
