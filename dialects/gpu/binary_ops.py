"""Compiled device code and host-side device management: gpu.binary (what a gpu.module becomes
once compiled: one `#gpu.object` per target), `#gpu.object`, `#gpu.select_object`, and
gpu.host_register / gpu.host_unregister / gpu.set_default_device.

```mlir
gpu.binary @kernels  [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "// PTX ...">]
```
A `gpu.launch_func @kernels::@k` may then name the binary instead of the module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.builtin.constraints import StrAttr
from mlir_py.definition.constraints import AnyAttr, BaseAttr, EqAttr, Predicate
from mlir_py.definition.opdef import Op, operand, prop
from mlir_py.definition.traits import Symbol
from mlir_py.ir.attributes import ParametrizedAttribute
from mlir_py.ir.builtin_attributes import ArrayAttr, DictionaryAttr, StringAttr
from mlir_py.ir.builtin_types import UnrankedMemRefType, i32

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

#: how an object's string is to be read; `fatbin` is the default and is not printed
OBJECT_FORMATS = ("offload", "assembly", "bin", "fatbin")


class ObjectAttr(ParametrizedAttribute):
    """One compiled form of a gpu.module: the target it was compiled for, the format of the
    string (`assembly` for PTX text, `bin` for a cubin, `fatbin`, `offload` for LLVM bitcode),
    optional `properties`, and the bytes themselves (as a string).

    ```mlir
    #gpu.object<#nvvm.target<chip = "sm_80">, assembly = "...">
    ```
    """

    name = "gpu.object"
    parameters = ("target", "format", "properties", "object")

    @classmethod
    def get(cls, target: Any, object: str, format: str = "fatbin", properties: DictionaryAttr | None = None
            ) -> ObjectAttr:
        return cls(target, format, properties, object)

    def verify(self) -> str | None:
        if self.format not in OBJECT_FORMATS:
            return f"invalid object format '{self.format}'"
        return None

    def print_parameters(self, printer: Printer) -> None:
        printer.write("<")
        printer.print_attribute(self.target)
        printer.write(", ")
        if self.properties is not None:
            printer.write("properties = ")
            printer.print_attribute(self.properties)
            printer.write(", ")
        if self.format != "fatbin":
            printer.write(f"{self.format} = ")
        printer.print_string_literal(self.object)
        printer.write(">")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> ObjectAttr:
        parser.expect("<")
        target = parser.parse_attribute()
        parser.expect(",")
        props = None
        if parser.parse_optional_keyword("properties"):
            parser.expect("=")
            pos = parser.skip_ws()
            props = parser.parse_attribute()
            if not isinstance(props, DictionaryAttr):
                raise parser.error("expected a dictionary attribute", pos)
            parser.expect(",")
        fmt = "fatbin"
        pos = parser.skip_ws()
        kw = parser.parse_optional_keyword()
        if kw is not None:
            if kw not in OBJECT_FORMATS:
                raise parser.error(f"expected one of [{', '.join(OBJECT_FORMATS)}] for the object format", pos)
            fmt = kw
            parser.expect("=")
        obj = parser.parse_string()
        parser.expect(">")
        return cls(target, fmt, props, obj)


class SelectObjectAttr(ParametrizedAttribute):
    """The default offloading handler of gpu.binary: embeds one object, the first one or the
    one picked by index or target.

    ```mlir
    #gpu.select_object<1 : i64>
    ```
    """

    name = "gpu.select_object"
    parameters = ("target",)

    def print_parameters(self, printer: Printer) -> None:
        if self.target is not None:
            printer.write("<")
            printer.print_attribute(self.target)
            printer.write(">")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> SelectObjectAttr:
        if not parser.parse_optional("<"):
            return cls(None)
        a = parser.parse_attribute()
        parser.expect(">")
        return cls(a)


DEFAULT_HANDLER = SelectObjectAttr(None)
ObjectArray = Predicate(lambda a: isinstance(a, ArrayAttr) and len(a) >= 1 and all(isinstance(o, ObjectAttr)
                                                                                    for o in a),
                        "an array of GPU object attributes with at least 1 elements")


class BinaryOp(Op):
    """A compiled gpu.module: its objects (one per target) and the handler that chooses which
    to embed in the host program; a symbol, so `gpu.launch_func` can name it.

    ```mlir
    gpu.binary @kernels  [#gpu.object<#nvvm.target, assembly = "...">]
    ```
    """

    name = "gpu.binary"
    traits = [Symbol]
    sym_name = prop(StrAttr)
    offloadingHandler = prop(AnyAttr, default=DEFAULT_HANDLER)
    objects = prop(ObjectArray)

    @classmethod
    def build(cls, sym_name: str, objects: Sequence[ObjectAttr], handler: Any = None, *,
              location: Any = None) -> BinaryOp:
        return cls(sym_name=StringAttr(sym_name), objects=ArrayAttr(tuple(objects)),
                   offloadingHandler=handler if handler is not None else DEFAULT_HANDLER, location=location)

    @classmethod
    def parse(cls, parser: Parser) -> BinaryOp:
        props: dict[str, Any] = {"sym_name": StringAttr(parser.parse_symbol_name()),
                                 "offloadingHandler": DEFAULT_HANDLER}
        if parser.parse_optional("<"):
            props["offloadingHandler"] = parser.parse_attribute()
            parser.expect(">")
        attrs = parser.parse_optional_attr_dict()
        for k in ("objects", "offloadingHandler"):
            if k in attrs:
                props[k] = attrs.pop(k)
        if "objects" not in props:
            props["objects"] = parser.parse_attribute()
        return cls.create([], [], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_symbol_name(self.properties["sym_name"].value)
        # custom<OffloadingHandler> prints nothing for the default handler
        printer.write(" ")
        h = self.properties.get("offloadingHandler")
        if h is not None and h is not DEFAULT_HANDLER:
            printer.write("<")
            printer.print_attribute(h)
            printer.write(">")
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" ")
        printer.print_attribute(self.properties["objects"])


UnrankedMemRef = BaseAttr(UnrankedMemRefType, description="unranked.memref of any non-token type values")


class HostRegisterOp(Op):
    """Makes host memory accessible to the device (page-locks it).

    ```mlir
    gpu.host_register %m : memref<*xf32>
    ```
    """

    name = "gpu.host_register"
    value = operand(UnrankedMemRef)
    assembly_format = "$value attr-dict `:` type($value)"


class HostUnregisterOp(Op):
    """Undoes `gpu.host_register`.

    ```mlir
    gpu.host_unregister %m : memref<*xf32>
    ```
    """

    name = "gpu.host_unregister"
    value = operand(UnrankedMemRef)
    assembly_format = "$value attr-dict `:` type($value)"


I32 = EqAttr(i32)
I32.description = "32-bit signless integer"


class SetDefaultDeviceOp(Op):
    """Selects the device later gpu ops of this thread run on.

    ```mlir
    gpu.set_default_device %dev
    ```
    """

    name = "gpu.set_default_device"
    devIndex = operand(I32)
    assembly_format = "attr-dict $devIndex"


OPS = [BinaryOp, HostRegisterOp, HostUnregisterOp, SetDefaultDeviceOp]
ATTRIBUTES = [ObjectAttr, SelectObjectAttr]
