"""builtin.module and builtin.unrealized_conversion_cast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.builtin.attributes import StringAttr

from mlir_py.constraints import AnyType
from mlir_py.ir import Block, Region
from mlir_py.opdef import Op, opt_prop, region, var_operand, var_result
from mlir_py.traits import (
    HasOnlyGraphRegion,
    IsolatedFromAbove,
    NoTerminator,
    OpAsmOpInterface,
    Pure,
    SingleBlock,
    SymbolTable,
)

if TYPE_CHECKING:
    from mlir_py.parser import Parser
    from mlir_py.printer import Printer


class ModuleOp(Op):
    """A top-level container of operations; its body is a single graph-region block.

    ```mlir
    module @m attributes {foo.bar} {
      func.func @f() { return }
    }
    ```
    """

    #: the file's `{-# ... #-}` section (mlir_py.resources), printed back after the module
    __slots__ = ("resource_section",)
    name = "builtin.module"
    traits = [IsolatedFromAbove, NoTerminator, SymbolTable, SingleBlock, HasOnlyGraphRegion,
              OpAsmOpInterface]
    sym_name = opt_prop(StringAttr)
    sym_visibility = opt_prop(StringAttr)
    body = region()
    #: upstream lets builtin ops drop their prefix inside a module
    default_dialect = "builtin"

    @classmethod
    def build_empty(cls, location=None) -> ModuleOp:
        return cls.create(regions=[Region([Block()])], location=location)

    @property
    def block(self) -> Block:
        return self.regions[0].first_block

    def verify_(self):
        if self.regions[0].is_empty():
            return "expects a non-empty region"
        for k in self.attributes:
            if "." not in k:
                return f"can only contain attributes with dialect-prefixed names, found: '{k}'"
        return None

    @classmethod
    def parse(cls, parser: Parser) -> ModuleOp:
        props = {}
        if parser.peek("@"):
            props["sym_name"] = StringAttr(parser.parse_symbol_name())
        attrs = parser.parse_optional_attr_dict_with_keyword()
        if "sym_visibility" in attrs:  # inherent, spelled in the attribute dictionary as upstream prints it
            props["sym_visibility"] = attrs.pop("sym_visibility")
        r = parser.parse_region(isolated=True)
        if r.is_empty():
            r.append(Block())
        return cls.create(properties=props, attributes=attrs, regions=[r])

    def print(self, printer: Printer) -> None:
        name = self.properties.get("sym_name")
        if name is not None:
            printer.write(" ")
            printer.print_symbol_name(name.value)
        attrs = self.attributes
        vis = self.properties.get("sym_visibility")
        if vis is not None:
            attrs = {"sym_visibility": vis, **attrs}
        printer.print_optional_attr_dict_with_keyword(attrs)
        printer.write(" ")
        if self.regions[0].first_block is not None and self.regions[0].first_block.is_empty():
            printer.write("{\n" + " " * printer.indent + "}")
            return
        printer.print_region(self.regions[0], print_entry_block_args=False)


class UnrealizedConversionCastOp(Op):
    """A cast between type systems that a later pass must resolve.

    ```mlir
    %1 = builtin.unrealized_conversion_cast %0 : i64 to index
    ```
    """

    name = "builtin.unrealized_conversion_cast"
    traits = [Pure]
    inputs = var_operand(AnyType)
    outputs = var_result(AnyType)
    assembly_format = "($inputs^ `:` type($inputs))? `to` type($outputs) attr-dict"

    def verify_(self):
        if not self.results:
            return "expected at least one result for cast operation"
        return None


OPS = [ModuleOp, UnrealizedConversionCastOp]
