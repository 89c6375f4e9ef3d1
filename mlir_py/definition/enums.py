"""Enumerations as attributes, in MLIR's two flavours.

- `IntEnum`: an integer attribute restricted to named cases (ODS
  I64EnumAttr): generic form `{predicate = 2 : i64}`, custom form `slt`.
- `enum_attr(...)`: a dialect attribute class (ODS EnumAttr), e.g.
  `#arith.fastmath<nnan,ninf>`; in an op's custom form it prints stripped,
  as `<nnan,ninf>`. With `bits=True` cases combine as flags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.definition.constraints import Constraint
from mlir_py.ir.attributes import ParametrizedAttribute
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import IntegerType

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class IntEnum(Constraint):
    """An integer property restricted to named cases (ODS I64EnumAttr / I32EnumAttr), e.g. arith.cmpi's predicate.

    Stored as an IntegerAttr of `width` bits; the generic form shows the number (`{predicate = 2 : i64}`), the
    custom form the case name (`slt`). Use it as a `prop(...)` constraint; formats parse and print the short
    form through `parse_short` / `print_short`.
    """

    def __init__(self, name: str, cases: dict[str, int], width: int = 64):
        self.name = name
        self.cases = dict(cases)
        self.names = {v: k for k, v in cases.items()}
        self.type = IntegerType(width)
        # ODS's wording for I64EnumAttr/I32EnumAttr constraints
        self.description = f"allowed {width}-bit signless integer cases: {', '.join(map(str, cases.values()))}"

    def attr(self, case: str):
        """The IntegerAttr of case `case` (KeyError for an unknown case)."""
        return IntegerAttr(self.cases[case], self.type)

    def name_of(self, attr) -> str:
        """The case name of an attribute of this enum (KeyError for a value outside the cases)."""
        return self.names[attr.value]

    def verify(self, value):
        if isinstance(value, IntegerAttr) and value.type is self.type and value.value in self.names:
            return None
        return f"must be {self.description}, but got {value}"

    def parse_short(self, parser: Parser):
        """A case name (keyword or string) as its IntegerAttr; ParseError listing the cases otherwise."""
        pos = parser.skip_ws()
        kw = parser.parse_optional_keyword()
        if kw is None:
            s = parser.parse_optional_string()
            kw = s
        if kw not in self.cases:
            raise parser.error("expected string or keyword containing one of the following enum values for "
                               f"attribute '{self.name}' [{', '.join(self.cases)}]", pos)
        return self.attr(kw)

    def peek_short(self, parser: Parser) -> bool:
        """Whether the next keyword is one of the cases (for optional groups)."""
        return parser.peek_keyword() in self.cases

    def print_short(self, printer: Printer, attr) -> None:
        """The case name (the number for a value outside the cases, so bad IR still prints)."""
        printer.write(self.names.get(attr.value, str(attr.value)))


def enum_attr(qualified_name: str, cases: dict[str, int], *, bits: bool = False, none_case: str | None = None,
              all_case: str | None = None, class_name: str | None = None, separator: str = ",") -> type:
    """Build an AttrDef class `#dialect.name<case>` whose single parameter is the int value.

    `separator` is what prints between flags (ODS's BitEnumAttr `separator`:
    `#arith.fastmath<nnan,ninf>` but `#arith.overflow<nsw, nuw>`)."""

    names = {v: k for k, v in cases.items()}

    class _Enum(ParametrizedAttribute):
        __slots__ = ()
        name = qualified_name
        parameters = ("value",)
        CASES = cases

        @classmethod
        def get(cls, *case_names: str):
            v = 0
            for c in case_names:
                v |= cases[c]
            return cls(v if bits else cases[case_names[0]])

        @property
        def case_names(self) -> list[str]:
            v = self.value
            if not bits:
                return [names[v]]
            if v == 0:
                return [none_case] if none_case else []
            if all_case is not None and v == cases[all_case]:
                return [all_case]
            return [n for n, b in cases.items() if b and (v & b) == b and bin(b).count("1") == 1]

        def has(self, case: str) -> bool:
            return (self.value & cases[case]) == cases[case] if bits else self.value == cases[case]

        def verify(self):
            if not bits and self.value not in names:
                return f"invalid {qualified_name} value {self.value}"
            return None

        def print_parameters(self, printer: Printer) -> None:
            printer.write("<" + separator.join(self.case_names) + ">")

        @classmethod
        def parse_parameters(cls, parser: Parser):
            parser.expect("<")
            v = 0
            while True:
                pos = parser.skip_ws()
                kw = parser.parse_optional_keyword()
                if kw is None:
                    kw = parser.parse_optional_string()
                if kw not in cases:
                    raise parser.error(f"expected one of [{', '.join(cases)}] for {qualified_name}", pos)
                v = (v | cases[kw]) if bits else cases[kw]
                if not bits or not parser.parse_optional(","):
                    break
            parser.expect(">")
            return cls(v)

    _Enum.__name__ = _Enum.__qualname__ = class_name or "".join(
        p.capitalize() for p in qualified_name.replace(".", "_").split("_")) + "Attr"
    return _Enum
