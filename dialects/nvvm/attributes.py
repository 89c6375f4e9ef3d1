"""The nvvm dialect's attributes (NVVMOps.td): `#nvvm.target<...>` (what a gpu.module compiles
for) and the enums of its ops (`#nvvm.shfl_kind<bfly>`, `#nvvm.vote_sync_kind<ballot>`,
`#nvvm.reduction_kind<add>`), which the ops' custom forms spell bare."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.dialects.gpu.attributes import KeywordEnum

from mlir_py.definition.enums import enum_attr
from mlir_py.ir.attributes import ParametrizedAttribute
from mlir_py.ir.builtin_attributes import ArrayAttr, DictionaryAttr, StringAttr

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

SHFL_KINDS = {"bfly": 0, "up": 1, "down": 2, "idx": 3}
ShflKindAttr = enum_attr("nvvm.shfl_kind", SHFL_KINDS, class_name="ShflKindAttr")
ShflKind = KeywordEnum(ShflKindAttr, "kind", "NVVM shuffle kind")

VOTE_SYNC_KINDS = {"any": 0, "all": 1, "ballot": 2, "uni": 3}
VoteSyncKindAttr = enum_attr("nvvm.vote_sync_kind", VOTE_SYNC_KINDS, class_name="VoteSyncKindAttr")
VoteSyncKind = KeywordEnum(VoteSyncKindAttr, "kind", "NVVM vote sync kind")

REDUCTION_KINDS = {"add": 0, "and": 1, "max": 2, "min": 3, "or": 4, "umax": 5, "umin": 6, "xor": 7, "fmin": 8,
                   "fmax": 9}
ReductionKindAttr = enum_attr("nvvm.reduction_kind", REDUCTION_KINDS, class_name="ReductionKindAttr")
ReductionKind = KeywordEnum(ReductionKindAttr, "kind", "NVVM reduction kind")

DEFAULT_TRIPLE = "nvptx64-nvidia-cuda"
DEFAULT_CHIP = "sm_75"


class NVVMTargetAttr(ParametrizedAttribute):
    """What to compile a `gpu.module` for: optimization level `O` (0-3), target triple, `chip`
    (`sm_80`), PTX `features` (`+ptx76`), extra `flags`, bitcode files to `link`. Parameters at
    their defaults (O = 2, triple = "nvptx64-nvidia-cuda", chip = "sm_75", no features) are not
    printed.

    ```mlir
    gpu.module @kernels [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx76">] {
    }
    ```
    """

    name = "nvvm.target"
    parameters = ("O", "triple", "chip", "features", "flags", "link", "verifyTarget")
    #: the parameters in printing order with their defaults (None: absent unless given)
    DEFAULTS: dict[str, Any] = {"O": 2, "triple": DEFAULT_TRIPLE, "chip": DEFAULT_CHIP, "features": "",
                                "flags": None, "link": None, "verifyTarget": True}

    @classmethod
    def get(cls, chip: str = DEFAULT_CHIP, features: str = "", O: int = 2, triple: str = DEFAULT_TRIPLE,
            flags: DictionaryAttr | None = None, link: ArrayAttr | None = None,
            verify_target: bool = True) -> NVVMTargetAttr:
        """`#nvvm.target<...>` from Python values."""
        return cls(O, triple, chip, features, flags, link, verify_target)

    def verify(self) -> str | None:
        if not isinstance(self.O, int) or not 0 <= self.O <= 3:
            return "The optimization level must be a number between 0 and 3."
        if not self.triple:
            return "The target triple cannot be empty."
        if not self.chip:
            return "The target chip cannot be empty."
        if self.link is not None:
            for f in self.link:
                if not isinstance(f, StringAttr):
                    return "All the elements in the `link` array must be strings."
        return None

    def print_parameters(self, printer: Printer) -> None:
        shown = [(k, getattr(self, k)) for k, d in self.DEFAULTS.items() if getattr(self, k) not in (None, d)]
        if not shown:
            return
        printer.write("<")
        for i, (k, v) in enumerate(shown):
            printer.write((", " if i else "") + f"{k} = ")
            if isinstance(v, bool):
                printer.write("true" if v else "false")
            elif isinstance(v, int):
                printer.write(str(v))
            elif isinstance(v, str):
                printer.print_string_literal(v)
            else:
                printer.print_attribute(v)
        printer.write(">")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> NVVMTargetAttr:
        values = dict(cls.DEFAULTS)
        if not parser.parse_optional("<"):
            return cls(*values.values())
        if parser.parse_optional(">"):
            return cls(*values.values())
        seen: set[str] = set()
        while True:
            pos = parser.skip_ws()
            key = parser.parse_optional_keyword()
            if key not in cls.DEFAULTS or key in seen:
                raise parser.error(f"duplicate or unknown struct parameter name: {key}", pos)
            seen.add(key)
            parser.expect("=")
            vpos = parser.skip_ws()
            if key == "O":
                values[key] = parser.parse_integer()
            elif key in ("triple", "chip", "features"):
                values[key] = parser.parse_string("string")
            elif key == "verifyTarget":
                kw = parser.parse_optional_keyword()
                if kw not in ("true", "false"):
                    raise parser.error("expected 'true' or 'false'", vpos)
                values[key] = kw == "true"
            else:
                a = parser.parse_attribute()
                want = DictionaryAttr if key == "flags" else ArrayAttr
                if not isinstance(a, want):
                    raise parser.error(f"expected {'a dictionary' if key == 'flags' else 'an array'} attribute",
                                       vpos)
                values[key] = a
            if not parser.parse_optional(","):
                break
        parser.expect(">")
        return cls(*values.values())


ATTRIBUTES = [NVVMTargetAttr, ShflKindAttr, VoteSyncKindAttr, ReductionKindAttr]
