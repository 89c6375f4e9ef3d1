"""The llvm dialect's enums and flag attributes (LLVMEnums.td, LLVMAttrDefs.td).

Dialect attributes (`#llvm.linkage<internal>`, `#llvm.cconv<fastcc>`,
`#llvm.fastmath<nnan, ninf>`, `#llvm.tailcallkind<tail>`) are enum
attributes; the rest are integer-backed enums stored as plain integers, as
upstream stores them (`predicate = 2 : i64`, `overflowFlags = 1 : i32`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.definition.constraints import BaseAttr
from mlir_py.definition.enums import IntEnum, enum_attr
from mlir_py.ir.attributes import ParametrizedAttribute
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import IntegerType

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

LINKAGES = {
    "private": 0, "internal": 1, "available_externally": 2, "linkonce": 3, "weak": 4, "common": 5,
    "appending": 6, "extern_weak": 7, "linkonce_odr": 8, "weak_odr": 9, "external": 10,
}
LinkageAttr = enum_attr("llvm.linkage", LINKAGES, class_name="LinkageAttr")

CCONVS = {
    "ccc": 0, "fastcc": 8, "coldcc": 9, "cc_10": 10, "cc_11": 11, "anyregcc": 13, "preserve_mostcc": 14,
    "preserve_allcc": 15, "swiftcc": 16, "cxx_fast_tlscc": 17, "tailcc": 18, "cfguard_checkcc": 19,
    "swifttailcc": 20, "x86_stdcallcc": 64, "x86_fastcallcc": 65, "arm_apcscc": 66, "arm_aapcscc": 67,
    "arm_aapcs_vfpcc": 68, "msp430_intrcc": 69, "x86_thiscallcc": 70, "ptx_kernelcc": 71, "ptx_devicecc": 72,
    "spir_funccc": 75, "spir_kernelcc": 76, "intel_ocl_bicc": 77, "x86_64_sysvcc": 78, "win64cc": 79,
    "x86_vectorcallcc": 80, "amdgpu_kernelcc": 91, "aarch64_vector_pcs": 97,
}
CConvAttr = enum_attr("llvm.cconv", CCONVS, class_name="CConvAttr")

TailCallKindAttr = enum_attr("llvm.tailcallkind", {"none": 0, "tail": 1, "musttail": 2, "notail": 3},
                             class_name="TailCallKindAttr")

FASTMATH_CASES = {
    "none": 0, "nnan": 1, "ninf": 2, "nsz": 4, "arcp": 8, "contract": 16, "afn": 32, "reassoc": 64, "fast": 127,
}
#: `#llvm.fastmath<nnan, ninf>`
FastmathFlagsAttr = enum_attr("llvm.fastmath", FASTMATH_CASES, bits=True, none_case="none", all_case="fast",
                              class_name="FastmathFlagsAttr", separator=", ")
FASTMATH_NONE = FastmathFlagsAttr(0)

ICmpPredicate = IntEnum("predicate", {
    "eq": 0, "ne": 1, "slt": 2, "sle": 3, "sgt": 4, "sge": 5, "ult": 6, "ule": 7, "ugt": 8, "uge": 9,
})
FCmpPredicate = IntEnum("predicate", {
    "_false": 0, "oeq": 1, "ogt": 2, "oge": 3, "olt": 4, "ole": 5, "one": 6, "ord": 7, "ueq": 8, "ugt": 9,
    "uge": 10, "ult": 11, "ule": 12, "une": 13, "uno": 14, "_true": 15,
})
AtomicOrdering = IntEnum("ordering", {
    "not_atomic": 0, "unordered": 1, "monotonic": 2, "acquire": 4, "release": 5, "acq_rel": 6, "seq_cst": 7,
})
Visibility = IntEnum("visibility_", {"default": 0, "hidden": 1, "protected": 2})
UnnamedAddr = IntEnum("unnamed_addr", {"": 0, "local_unnamed_addr": 1, "unnamed_addr": 2})
TLSMode = IntEnum("tls_mode", {"not_thread_local": 0, "thread_local": 1, "local_dynamic": 2, "initial_exec": 3,
                               "local_exec": 4})

I32, I64 = IntegerType(32), IntegerType(64)
OVERFLOW_NONE = IntegerAttr(0, I32)
GEP_NOWRAP_NONE = IntegerAttr(0, I32)
ORDERING_NONE = IntegerAttr(0, I64)
LINKAGE_EXTERNAL = LinkageAttr(LINKAGES["external"])
CCONV_C = CConvAttr(0)
TAILCALL_NONE = TailCallKindAttr(0)

FastmathC = BaseAttr(FastmathFlagsAttr, description="LLVM fastmath flags")
LinkageC = BaseAttr(LinkageAttr, description="LLVM Linkage specification")
CConvC = BaseAttr(CConvAttr, description="LLVM Calling Convention specification")
TailCallKindC = BaseAttr(TailCallKindAttr, description="Tail Call Kind")

OVERFLOW_BITS = {"nsw": 1, "nuw": 2}
#: GEPNoWrapFlags: `inbounds` is inbounds_flag|nusw
GEP_BITS = {"inbounds_flag": 1, "nusw": 2, "nuw": 4}


def overflow_flags(*names: str) -> IntegerAttr:
    """`overflow_flags("nsw")` -> the `overflowFlags` property value."""
    v = 0
    for n in names:
        v |= OVERFLOW_BITS[n]
    return IntegerAttr(v, I32)


def parse_overflow_flags(parser: Parser) -> IntegerAttr:
    """`overflow<nsw, nuw>` or nothing."""
    if not parser.parse_optional_keyword("overflow"):
        return OVERFLOW_NONE
    parser.expect("<")
    v = 0
    while True:
        pos = parser.skip_ws()
        kw = parser.parse_optional_keyword()
        if kw not in OVERFLOW_BITS:
            raise parser.error("expected one of [nsw, nuw] for integer overflow flags", pos)
        v |= OVERFLOW_BITS[kw]
        if not parser.parse_optional(","):
            break
    parser.expect(">")
    return IntegerAttr(v, I32)


def print_overflow_flags(printer: Printer, flags: IntegerAttr | None) -> None:
    v = flags.value if flags is not None else 0
    if v:
        printer.write(" overflow<" + ", ".join(n for n, b in OVERFLOW_BITS.items() if v & b) + ">")


def parse_gep_flags(parser: Parser) -> IntegerAttr:
    """`inbounds`, `nusw`, `nuw`, joined with `|`, or nothing."""
    v = 0
    while True:
        kw = parser.peek_keyword()
        if kw == "inbounds":
            v |= 3
        elif kw in ("nusw", "nuw"):
            v |= GEP_BITS[kw]
        else:
            break
        parser.parse_keyword()
        if not parser.parse_optional("|"):
            break
    return IntegerAttr(v, I32)


def gep_flags_str(v: int) -> str:
    names = []
    if v & 3 == 3:
        names.append("inbounds")
    elif v & 2:
        names.append("nusw")
    if v & 4:
        names.append("nuw")
    return "|".join(names)


class ConstantRangeAttr(ParametrizedAttribute):
    """`#llvm.constant_range<i32, 0, 1024>`: the half-open range [lower, upper) of an iN value
    (wrapping; lower == upper is the full or the empty set), as the `range` of nvvm special
    register reads."""

    name = "llvm.constant_range"
    parameters = ("width", "lower", "upper")

    def verify(self) -> str | None:
        if not isinstance(self.width, int) or self.width <= 0:
            return "expected a positive bit width"
        if self.lower == self.upper and self.lower not in (0, -1) and self.lower != (1 << self.width) - 1:
            return "lower and upper bounds cannot be equal unless both are the minimum or maximum value"
        return None

    def print_parameters(self, printer: Printer) -> None:
        printer.write(f"<i{self.width}, {self.lower}, {self.upper}>")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> ConstantRangeAttr:
        parser.expect("<")
        pos = parser.skip_ws()
        t = parser.parse_type()
        if not isinstance(t, IntegerType):
            raise parser.error("expected integer type", pos)
        parser.expect(",")
        lo = parser.parse_integer()
        parser.expect(",")
        hi = parser.parse_integer()
        parser.expect(">")
        return cls(t.width, _signed(lo, t.width), _signed(hi, t.width))


def _signed(v: int, width: int) -> int:
    """The value as an N-bit two's complement number (upstream prints APInts signed)."""
    v &= (1 << width) - 1
    return v - (1 << width) if v >> (width - 1) else v


def constant_range(width: int, lower: int, upper: int) -> ConstantRangeAttr:
    """`#llvm.constant_range<iN, lower, upper>` with the bounds wrapped to N bits."""
    return ConstantRangeAttr(width, _signed(lower, width), _signed(upper, width))


ATTRIBUTES = [LinkageAttr, CConvAttr, TailCallKindAttr, FastmathFlagsAttr, ConstantRangeAttr]
