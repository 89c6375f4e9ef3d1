"""builtin.module and builtin.unrealized_conversion_cast."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, opt_prop, region, var_operand, var_result
from mlir_py.definition.traits import (
    HasOnlyGraphRegion,
    IsolatedFromAbove,
    NoTerminator,
    OpAsmOpInterface,
    Pure,
    SingleBlock,
    SymbolTable,
)
from mlir_py.ir.builtin_attributes import StringAttr
from mlir_py.ir.operation import Block, Operation, Region

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class ModuleOp(Op):
    """A top-level container of operations; its body is a single graph-region block.

    `ModuleOp()` (or `ModuleOp.build("name")`) is an empty module with its one
    block, as upstream's `ModuleOp::create`: fill `module.block`.
    Parsing text wraps top-level ops that are not one module in an implicit module.

    ```mlir
    module @m attributes {foo.bar} {
      func.func @f() { return }
    }
    ```
    """

    #: the file's `{-# ... #-}` section (mlir_py.text.resources), printed back after the module
    __slots__ = ("resource_section",)
    name = "builtin.module"
    traits = [IsolatedFromAbove, NoTerminator, SymbolTable, SingleBlock, HasOnlyGraphRegion,
              OpAsmOpInterface]
    sym_name = opt_prop(StringAttr)
    sym_visibility = opt_prop(StringAttr)
    body = region()
    #: upstream lets builtin ops drop their prefix inside a module
    default_dialect = "builtin"

    def __init__(self, *, regions: Sequence[Region] | None = None, **fields: Any):
        """`ModuleOp()` is an empty module that verifies: its body block is made here."""
        super().__init__(regions=[Region([Block()])] if regions is None else regions, **fields)

    @classmethod
    def build(cls, sym_name: str | None = None, *, location=None) -> ModuleOp:
        """An empty module (optionally named `@sym_name`), like `FuncOp.build` for functions."""
        props = {} if sym_name is None else {"sym_name": StringAttr(sym_name)}
        return cls.create(properties=props, regions=[Region([Block()])], location=location)

    #: the older spelling of `build()`
    build_empty = build

    def clone(self, mapper: dict | None = None, *, clone_regions: bool = True) -> Operation:
        """A copy that keeps the resource section: its dense_resource attributes still name blobs that exist."""
        new = super().clone(mapper, clone_regions=clone_regions)
        section = getattr(self, "resource_section", None)
        if section is not None:
            new.resource_section = copy.deepcopy(section)
        return new

    @property
    def block(self) -> Block:
        """The body block, where the module's ops go."""
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
        """`module @name attributes {...} { ... }`; an empty body gets its one block, so the result verifies."""
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
        """As upstream: the name, `attributes {...}`, then the body without entry block arguments."""
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
