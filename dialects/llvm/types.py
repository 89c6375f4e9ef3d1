"""The llvm dialect's types (LLVMTypes.td).

Scalars are builtin types (`i32`, `f32`, `vector<4xf32>`), as upstream: only
what builtin cannot spell is an llvm type. Inside another llvm type the
`!llvm.` prefix is dropped (`!llvm.struct<(i32, ptr, array<2 x f32>)>`), so
the parameter parsers read bare `ptr`, `struct<...>`, `array<...>`, `func<...>`
and `void` before falling back to any builtin or dialect type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.ir.attributes import Attribute, TypeAttribute
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class LLVMType(TypeAttribute):
    """Base of the llvm dialect's own types: prints `!llvm.<body>` outside llvm types, `<body>` inside."""

    __slots__ = ()

    def print(self, printer: Printer) -> None:
        printer.write("!llvm.")
        self.print_body(printer)

    def print_body(self, printer: Printer) -> None:
        printer.write(self.mnemonic)
        self.print_parameters(printer)

    def print_parameters(self, printer: Printer) -> None:  # no parameters by default
        return None

    @classmethod
    def parse_parameters(cls, parser: Parser) -> Any:
        return cls()


def print_nested_type(printer: Printer, t: Attribute) -> None:
    """A type inside an llvm type: llvm types lose their `!llvm.` prefix."""
    if isinstance(t, LLVMType):
        t.print_body(printer)
    else:
        printer.print_type(t)


def parse_nested_type(parser: Parser) -> Attribute:
    """A type inside an llvm type: a bare llvm mnemonic or any other type."""
    parser.skip_ws()
    kw = parser.peek_keyword()
    cls = _NESTED.get(kw) if kw is not None else None
    if cls is not None:
        pos = parser.skip_ws()
        parser.parse_keyword()
        return parser._call_attr_parser(cls, pos)
    return parser.parse_type()


class LLVMVoidType(LLVMType):
    """The result type of a function that returns nothing: `!llvm.void`."""

    name = "llvm.void"
    parameters = ()


class LLVMTokenType(LLVMType):
    """`!llvm.token`: values of intrinsics that cannot be inspected or stored."""

    name = "llvm.token"
    parameters = ()


class LLVMMetadataType(LLVMType):
    """`!llvm.metadata`: operands of intrinsics that take metadata."""

    name = "llvm.metadata"
    parameters = ()


class LLVMLabelType(LLVMType):
    """`!llvm.label`."""

    name = "llvm.label"
    parameters = ()


class LLVMPointerType(LLVMType):
    """An opaque pointer in an address space: `!llvm.ptr`, `!llvm.ptr<1>`."""

    name = "llvm.ptr"
    parameters = ("address_space",)

    @classmethod
    def normalize(cls, *params) -> tuple:
        return (int(params[0]) if params else 0,)

    def print_parameters(self, printer: Printer) -> None:
        if self.address_space:
            printer.write(f"<{self.address_space}>")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> LLVMPointerType:
        if parser.parse_optional("<"):
            n = parser.parse_integer()
            parser.expect(">")
            return cls(n)
        return cls(0)

    def verify(self) -> str | None:
        if self.address_space < 0:
            return "address space must be non-negative"
        return None


class LLVMArrayType(LLVMType):
    """A fixed number of elements of one type: `!llvm.array<4 x f32>`."""

    name = "llvm.array"
    parameters = ("num_elements", "element_type")

    def print_parameters(self, printer: Printer) -> None:
        printer.write(f"<{self.num_elements} x ")
        print_nested_type(printer, self.element_type)
        printer.write(">")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> LLVMArrayType:
        parser.expect("<")
        n = parser.parse_integer()
        parser.skip_ws()
        parser.parse_keyword("x")
        t = parse_nested_type(parser)
        parser.expect(">")
        return cls(n, t)

    def verify(self) -> str | None:
        if not is_valid_element_type(self.element_type):
            return f"invalid array element type: '{self.element_type}'"
        return None


class LLVMFunctionType(LLVMType):
    """A function signature: `!llvm.func<i32 (ptr, ...)>`, `!llvm.func<void ()>`.

    One result (void when the function returns nothing); `is_var_arg` marks
    a C-style variadic function."""

    name = "llvm.func"
    parameters = ("return_type", "params", "is_var_arg")

    @classmethod
    def normalize(cls, *params) -> tuple:
        ret, args = params[0], tuple(params[1])
        return (ret, args, bool(params[2]) if len(params) > 2 else False)

    @property
    def inputs(self) -> tuple:
        return self.params

    @property
    def results(self) -> tuple:
        return () if isinstance(self.return_type, LLVMVoidType) else (self.return_type,)

    def print_parameters(self, printer: Printer) -> None:
        printer.write("<")
        print_nested_type(printer, self.return_type)
        printer.write(" (")
        for i, t in enumerate(self.params):
            if i:
                printer.write(", ")
            print_nested_type(printer, t)
        if self.is_var_arg:
            printer.write(", ..." if self.params else "...")
        printer.write(")>")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> LLVMFunctionType:
        parser.expect("<")
        ret = parse_nested_type(parser)
        parser.expect("(")
        params: list = []
        var_arg = False
        if not parser.parse_optional(")"):
            while True:
                if parser.parse_optional("..."):
                    var_arg = True
                    break
                params.append(parse_nested_type(parser))
                if not parser.parse_optional(","):
                    break
            parser.expect(")")
        parser.expect(">")
        return cls(ret, tuple(params), var_arg)

    def verify(self) -> str | None:
        for t in self.params:
            if isinstance(t, LLVMVoidType):
                return "invalid function argument type: !llvm.void"
        return None


class LLVMStructType(LLVMType):
    """A struct, literal (`!llvm.struct<(i64, ptr)>`, uniqued by its body) or
    identified (`!llvm.struct<"name", (...)>`, `!llvm.struct<"name", opaque>`);
    `packed` removes the padding between fields."""

    name = "llvm.struct"
    parameters = ("identifier", "body", "packed")

    @classmethod
    def normalize(cls, *params) -> tuple:
        ident = params[0]
        body = params[1] if len(params) > 1 else ()
        packed = params[2] if len(params) > 2 else False
        return (ident, None if body is None else tuple(body), bool(packed))

    @classmethod
    def literal(cls, body: Sequence[Attribute], packed: bool = False) -> LLVMStructType:
        return cls(None, tuple(body), packed)

    @classmethod
    def identified(cls, name: str, body: Sequence[Attribute] | None = None, packed: bool = False) -> LLVMStructType:
        """A named struct; `body=None` is opaque."""
        return cls(name, None if body is None else tuple(body), packed)

    @property
    def is_opaque(self) -> bool:
        return self.body is None

    @property
    def is_identified(self) -> bool:
        return self.identifier is not None

    def print_parameters(self, printer: Printer) -> None:
        printer.write("<")
        if self.identifier is not None:
            printer.print_string_literal(self.identifier)
            printer.write(", ")
        if self.packed:
            printer.write("packed ")
        if self.body is None:
            printer.write("opaque>")
            return
        printer.write("(")
        for i, t in enumerate(self.body):
            if i:
                printer.write(", ")
            print_nested_type(printer, t)
        printer.write(")>")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> LLVMStructType:
        parser.expect("<")
        ident = parser.parse_optional_string()
        if ident is not None:
            parser.expect(",")
        packed = parser.parse_optional_keyword("packed") is not None
        if ident is not None and parser.parse_optional_keyword("opaque"):
            parser.expect(">")
            return cls(ident, None, packed)
        parser.expect("(")
        body: list = []
        if not parser.parse_optional(")"):
            body.append(parse_nested_type(parser))
            while parser.parse_optional(","):
                body.append(parse_nested_type(parser))
            parser.expect(")")
        parser.expect(">")
        return cls(ident, tuple(body), packed)

    def verify(self) -> str | None:
        for t in self.body or ():
            if not is_valid_element_type(t):
                return f"invalid LLVM structure element type: '{t}'"
        return None


_NESTED = {"ptr": LLVMPointerType, "array": LLVMArrayType, "func": LLVMFunctionType, "struct": LLVMStructType,
           "void": LLVMVoidType, "token": LLVMTokenType, "metadata": LLVMMetadataType, "label": LLVMLabelType}


def is_valid_element_type(t: Attribute) -> bool:
    """Types that can be struct fields and array elements (no void, function, label, metadata, token)."""
    return not isinstance(t, (LLVMVoidType, LLVMFunctionType, LLVMLabelType, LLVMMetadataType, LLVMTokenType))


def is_compatible_type(t: Attribute) -> bool:
    """Types the llvm dialect's ops accept: llvm types, signless integers, floats and vectors of them."""
    if isinstance(t, LLVMType):
        return True
    if isinstance(t, IntegerType):
        return t.signedness == "signless"
    if isinstance(t, FloatType):
        return True
    if isinstance(t, VectorType):
        e = t.element_type
        return isinstance(e, (IntegerType, FloatType, LLVMPointerType))
    return False


TYPES = [LLVMVoidType, LLVMTokenType, LLVMMetadataType, LLVMLabelType, LLVMPointerType, LLVMArrayType,
         LLVMFunctionType, LLVMStructType]
