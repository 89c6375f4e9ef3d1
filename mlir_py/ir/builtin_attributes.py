"""Builtin attributes: numbers, strings, containers, symbols, dense data, maps.

Written with the public AttrDef API. Literal forms (`42 : i32`, `"s"`,
`[..]`, `{..}`, `@sym`) are grammar-level and built by the core parser;
keyword forms (`dense<..>`, `array<..>`, `affine_map<..>`, `strided<..>`)
are registered here as keyword parsers.
"""

from __future__ import annotations

import itertools
import math
import struct
from typing import TYPE_CHECKING, Any

import numpy as np

from mlir_py.ir.affine_expr import IntegerSet
from mlir_py.ir.affine_parser import AffineParseError, parse_affine_map_or_set_prefix
from mlir_py.ir.attributes import Attribute, ParametrizedAttribute
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    ComplexType,
    FloatType,
    IndexType,
    IntegerType,
    ShapedType,
    f64,
    i1,
    i64,
)

if TYPE_CHECKING:
    from mlir_py.text.attribute_parser import AttrTypeParser
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


# ----------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------


def int_range(t: Attribute) -> tuple[int, int]:
    """Accepted literal range: signless types accept both signed and unsigned spellings."""
    if isinstance(t, IndexType):
        return -(2**63), 2**64 - 1
    w = t.width
    if t.signedness == "signed":
        return -(2 ** (w - 1)), 2 ** (w - 1) - 1
    if t.signedness == "unsigned":
        return 0, 2**w - 1
    return -(2 ** (w - 1)) if w > 1 else -1, 2**w - 1


def wrap_int(v: int, t: Attribute) -> int:
    """Canonical stored value: two's complement wrap to the width, signed unless unsigned."""
    w = 64 if isinstance(t, IndexType) else t.width
    v &= (1 << w) - 1
    if isinstance(t, IntegerType) and t.signedness == "unsigned":
        return v
    if w == 1 and t.signedness == "signless":
        return v  # i1 stays 0/1 (printed true/false); si1 is -1/0
    return v - (1 << w) if v >> (w - 1) else v


class IntegerAttr(ParametrizedAttribute):
    """`42 : i32`: `IntegerAttr(value, type=i64)`; the value is wrapped to the type's width (two's complement).

    Uniqued on (value, type). `i1` values print as `true`/`false`; use `checked` to reject an out-of-range value
    instead of wrapping it.
    """

    __slots__ = ()
    name = "builtin.integer_attr"
    parameters = ("value", "type")

    @classmethod
    def normalize(cls, value, type=None):
        if type is None:
            type = i64
        return (wrap_int(int(value), type), type)

    @classmethod
    def checked(cls, value: int, type: Attribute, parser: AttrTypeParser | None = None, pos: int | None = None):
        """`IntegerAttr(value, type)`, or an error (ParseError at `pos` when given a parser, else ValueError) when
        out of range.
        """
        lo, hi = int_range(type)
        if not lo <= value <= hi:
            msg = "integer constant out of range for attribute"
            if parser is not None:
                raise parser.error(msg, pos)
            raise ValueError(msg)
        return cls(value, type)

    def print(self, printer: Printer) -> None:
        t = self.type
        if t is i1:
            printer.write("true" if self.value else "false")
            return
        printer.write(int_to_str(self.value))
        printer.write(" : ")
        printer.print_type(t)

    def print_without_type(self, printer: Printer) -> None:
        """The value alone, for syntax that shows the type elsewhere (`arith.constant 1 : i32`)."""
        if self.type is i1:
            printer.write("true" if self.value else "false")
        else:
            printer.write(int_to_str(self.value))


def int_to_str(v: int) -> str:
    """str(v), also for integers longer than Python prints at once (sys.get_int_max_str_digits)."""
    try:
        return str(v)
    except ValueError:
        sign, v = ("-" if v < 0 else ""), abs(v)
        parts = []
        while v:
            v, r = divmod(v, 10**4000)
            parts.append(r)
        return sign + str(parts[-1]) + "".join(str(p).rjust(4000, "0") for p in reversed(parts[:-1]))


def BoolAttr(value: bool) -> IntegerAttr:
    """`true`/`false`: an i1 IntegerAttr (as upstream, BoolAttr is not a class of its own)."""
    return IntegerAttr(1 if value else 0, i1)


def _round_to(value: float, t: FloatType) -> float:
    k = t.kind
    if k == "f64":
        return float(value)
    if k == "f32" or k == "f16":
        with np.errstate(over="ignore"):  # out of range rounds to inf, as APFloat does; no warning
            return float(np.float32(value) if k == "f32" else np.float16(value))
    if k == "bf16":
        return _to_bf16(value)
    return float(value)


def _to_bf16(value: float) -> float:
    if math.isnan(value):
        return value
    bits = struct.unpack("<I", struct.pack("<f", np.float32(value)))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def float_bits(value: float, t: FloatType) -> int:
    """The IEEE bit pattern of `value` in type `t` (what `0x...` float literals spell)."""
    k = t.kind
    if k == "f32":
        return struct.unpack("<I", struct.pack("<f", value))[0]
    if k == "f16":
        return int(np.array(value, dtype=np.float16).view(np.uint16))
    if k == "bf16":
        return struct.unpack("<I", struct.pack("<f", value))[0] >> 16
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def float_from_bits(bits: int, t: FloatType) -> float:
    """The float value of an IEEE bit pattern of type `t`."""
    k = t.kind
    if k == "f32":
        return struct.unpack("<f", struct.pack("<I", bits & 0xFFFFFFFF))[0]
    if k == "f16":
        return float(np.array(bits & 0xFFFF, dtype=np.uint16).view(np.float16))
    if k == "bf16":
        return struct.unpack("<f", struct.pack("<I", (bits & 0xFFFF) << 16))[0]
    return struct.unpack("<d", struct.pack("<Q", bits & 0xFFFFFFFFFFFFFFFF))[0]


#: significand bits (with the implicit bit) of each float kind, as APFloat's semantics
_SIGNIFICAND_BITS = {
    "f16": 11, "bf16": 8, "f32": 24, "f64": 53, "f80": 64, "f128": 113, "tf32": 11,
    "f8E5M2": 3, "f8E4M3FN": 4, "f8E5M2FNUZ": 3, "f8E4M3FNUZ": 4, "f8E4M3B11FNUZ": 4, "f8E4M3": 4,
    "f8E3M4": 5, "f8E8M0FNU": 1, "f6E2M3FN": 4, "f6E3M2FN": 3, "f4E2M1FN": 2,
}


def _apfloat_to_string(value: float, bits: int, precision: int, max_padding: int, truncate_zero: bool) -> str:
    """LLVM's APFloat::toString for a finite value (digits exact, rounding half-up as LLVM does)."""
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        if max_padding:
            return sign + "0"
        return sign + ("0.0E+0" if truncate_zero else "0.0" + "0" * max(precision - 1, 0) + "e+00")
    if not precision:
        precision = 2 + bits * 59 // 196
    m, e = math.frexp(abs(value))
    sig, exp = int(m * (1 << 53)), e - 53
    tz = (sig & -sig).bit_length() - 1
    sig >>= tz
    exp += tz
    if exp >= 0:
        sig <<= exp
        exp = 0
    else:
        sig *= 5 ** -exp
    # AdjustToPrecision on the integer: drop surplus decimal digits by truncation
    nbits = sig.bit_length()
    required = (precision * 196 + 58) // 59
    if nbits > required:
        tens = (nbits - required) * 59 // 196
        if tens:
            exp += tens
            sig //= 10 ** tens
    s = str(sig)
    d = s.rstrip("0")
    exp += len(s) - len(d)
    # AdjustToPrecision on the digits: round half up
    n = len(d)
    if n > precision:
        if d[precision] < "5":
            kept = d[:precision].rstrip("0")
            exp += n - len(kept)
            d = kept
        else:
            i = precision - 1
            while i >= 0 and d[i] == "9":
                i -= 1
            if i < 0:
                exp += n
                d = "1"
            else:
                exp += n - (i + 1)
                d = d[:i] + chr(ord(d[i]) + 1)
    nd = len(d)
    if not max_padding:
        scientific = True
    elif exp >= 0:
        scientific = exp > max_padding or nd + exp > precision
    else:
        msd = exp + nd - 1
        scientific = msd < 0 and -msd > max_padding
    if scientific:
        e10 = exp + nd - 1
        out = d[0] + "." + ("0" if nd == 1 and truncate_zero else d[1:])
        if not truncate_zero and precision > nd - 1:
            out += "0" * (precision - nd + 1)
        es = str(abs(e10))
        if not truncate_zero and len(es) < 2:
            es = "0" + es
        return f"{sign}{out}{'E' if truncate_zero else 'e'}{'+' if e10 >= 0 else '-'}{es}"
    if exp >= 0:
        return sign + d + "0" * exp
    whole = exp + nd
    if whole > 0:
        return sign + d[:whole] + "." + d[whole:]
    return sign + "0." + "0" * -whole + d


def format_float(value: float, t: FloatType) -> str:
    """MLIR's printFloatValue: `%.6e`-like when that round-trips, else APFloat's default form, else hex."""
    if math.isfinite(value):
        bits = _SIGNIFICAND_BITS.get(t.kind, 53)
        s = _apfloat_to_string(value, bits, 6, 0, False)
        if struct.pack("<d", _round_to(float(s), t)) == struct.pack("<d", value):
            return s
        s = _apfloat_to_string(value, bits, 0, 3, True)
        if "." in s:
            return s
    width = {"f16": 4, "bf16": 4, "f32": 8}.get(t.kind, 16)
    return "0x%0*X" % (width, float_bits(value, t))


class FloatAttr(ParametrizedAttribute):
    """`1.5 : f32`: `FloatAttr(value, type=f64)`; the value is rounded to the type's precision.

    Uniqued by bit pattern (as upstream's APFloat compares): `-0.0` and `0.0` are distinct, a NaN is equal to itself.
    """

    __slots__ = ()
    name = "builtin.float_attr"
    parameters = ("value", "type")
    _by_bits: dict = {}

    def __new__(cls, value, type=None):
        if type is None:
            type = f64
        value = _round_to(float(value), type)
        key = (struct.pack("<d", value), type)
        inst = cls._by_bits.get(key)
        if inst is None:
            inst = object.__new__(cls)
            object.__setattr__(inst, "parameters", (value, type))
            cls._by_bits[key] = inst
        return inst

    @classmethod
    def from_bits(cls, bits: int, type: FloatType, parser: AttrTypeParser | None = None,
                  pos: int | None = None):
        """The FloatAttr of a hexadecimal literal's bits; raises (ParseError with a parser, else ValueError) when
        too wide.
        """
        width = {"f16": 16, "bf16": 16, "f32": 32}.get(type.kind, 64)
        if bits >= (1 << width):
            msg = "hexadecimal float constant out of range for type"
            if parser is not None:
                raise parser.error(msg, pos)
            raise ValueError(msg)
        return cls(float_from_bits(bits, type), type)

    def print(self, printer: Printer) -> None:
        printer.write(format_float(self.value, self.type))
        printer.write(" : ")
        printer.print_type(self.type)

    def print_without_type(self, printer: Printer) -> None:
        """The value alone, as upstream prints floats (`%.6e`-like when that round-trips, hex for NaN/inf)."""
        printer.write(format_float(self.value, self.type))


# ----------------------------------------------------------------------------
# Strings, units, containers, types, symbols
# ----------------------------------------------------------------------------


class StringAttr(ParametrizedAttribute):
    """`"text"`: `.value` is the Python string (symbol names are StringAttrs too)."""

    __slots__ = ()
    name = "builtin.string"
    parameters = ("value",)

    def print(self, printer: Printer) -> None:
        printer.print_string_literal(self.value)


class UnitAttr(ParametrizedAttribute):
    """`unit`: present-or-absent flags; in an attribute dictionary it prints as the bare key."""

    __slots__ = ()
    name = "builtin.unit"
    parameters = ()

    def print(self, printer: Printer) -> None:
        printer.write("unit")


class ArrayAttr(ParametrizedAttribute):
    """`[a, b]`: a tuple of attributes; iterable, indexable and sized like one."""

    __slots__ = ()
    name = "builtin.array"
    parameters = ("value",)

    @classmethod
    def normalize(cls, value=()):
        return (tuple(value),)

    def __iter__(self):
        return iter(self.value)

    def __len__(self) -> int:
        return len(self.value)

    def __getitem__(self, i):
        return self.value[i]

    def print(self, printer: Printer) -> None:
        printer.write("[")
        for i, a in enumerate(self.value):
            if i:
                printer.write(", ")
            # MLIR prints elements with AttrTypeElision::May: i64 ints and f64 floats drop the type,
            # unless the float prints in hex (which would read back as an integer)
            if (isinstance(a, IntegerAttr) and a.type is i64) or (isinstance(a, FloatAttr) and a.type is f64
                                                                 and not format_float(a.value, f64).startswith("0x")):
                a.print_without_type(printer)
            else:
                printer.print_attribute(a)
        printer.write("]")


class DictionaryAttr(ParametrizedAttribute):
    """Entries sorted by name, as MLIR keeps them."""

    __slots__ = ()
    name = "builtin.dictionary"
    parameters = ("entries",)

    @classmethod
    def normalize(cls, entries=()):
        if isinstance(entries, dict):
            entries = entries.items()
        return (tuple(sorted(entries, key=lambda kv: kv[0])),)

    @classmethod
    def from_dict(cls, d: dict[str, Attribute]) -> DictionaryAttr:
        """A DictionaryAttr from a dict, entries sorted by name as upstream keeps them."""
        return cls(tuple(sorted(d.items(), key=lambda kv: kv[0])))

    @property
    def value(self) -> dict[str, Attribute]:
        """The entries as a new dict."""
        return dict(self.entries)

    def get(self, key: str, default=None):
        """The attribute under `key`, else `default`; a linear scan (dictionaries are small)."""
        for k, v in self.entries:
            if k == key:
                return v
        return default

    def print(self, printer: Printer) -> None:
        printer.print_attr_dict(dict(self.entries))


class TypeAttr(ParametrizedAttribute):
    """A type used as an attribute value (`function_type = (i32) -> i32` of func.func); `.value` is the type."""

    __slots__ = ()
    name = "builtin.type_attr"
    parameters = ("value",)

    def print(self, printer: Printer) -> None:
        printer.print_type(self.value)


class SymbolRefAttr(ParametrizedAttribute):
    """`@root::@nested...`; with no nested references it is a flat symbol ref."""

    __slots__ = ()
    name = "builtin.symbol_ref"
    parameters = ("root", "nested")

    @classmethod
    def normalize(cls, root, nested=()):
        return (root, tuple(nested))

    @property
    def value(self) -> str:
        """The leaf name (for flat references, the only name)."""
        return self.nested[-1] if self.nested else self.root

    @property
    def is_flat(self) -> bool:
        """A plain `@name` with no nested `::@path`."""
        return not self.nested

    def print(self, printer: Printer) -> None:
        printer.print_symbol_name(self.root)
        for n in self.nested:
            printer.write("::")
            printer.print_symbol_name(n)


def FlatSymbolRefAttr(name: str) -> SymbolRefAttr:
    """`@name`: a SymbolRefAttr without nested references (upstream's FlatSymbolRefAttr)."""
    return SymbolRefAttr(name, ())


# ----------------------------------------------------------------------------
# Dense arrays: array<i64: 1, 2>
# ----------------------------------------------------------------------------


class DenseArrayAttr(ParametrizedAttribute):
    """`array<i32: 1, 2>`: a tuple of Python numbers of one integer or float element type."""

    __slots__ = ()
    name = "builtin.dense_array"
    parameters = ("element_type", "values")

    @classmethod
    def normalize(cls, element_type, values=()):
        if isinstance(element_type, FloatType):
            vals = tuple(_round_to(float(v), element_type) for v in values)
        else:
            vals = tuple(wrap_int(int(v), element_type) for v in values)
        return (element_type, vals)

    def __new__(cls, element_type, values=()):
        if not isinstance(element_type, FloatType):
            return ParametrizedAttribute.__new__(cls, element_type, values)
        # float arrays are uniqued by bits: -0.0 and 0.0 differ, equal NaNs are one attribute
        et, vals = cls.normalize(element_type, values)
        key = (et, struct.pack(f"<{len(vals)}d", *vals))
        inst = cls._instances.get(key)
        if inst is None:
            inst = object.__new__(cls)
            object.__setattr__(inst, "parameters", (et, vals))
            cls._instances[key] = inst
        return inst

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i):
        return self.values[i]

    def print(self, printer: Printer) -> None:
        printer.write("array<")
        printer.print_type(self.element_type)
        if self.values:
            printer.write(": ")
            et = self.element_type
            if isinstance(et, FloatType):
                printer.write(", ".join(format_float(v, et) for v in self.values))
            elif et is i1:
                printer.write(", ".join("true" if v else "false" for v in self.values))
            else:
                printer.write(", ".join(map(str, self.values)))
        printer.write(">")


def _parse_dense_array(parser: Parser, kw: str) -> Attribute:
    parser.expect("<")
    tpos = parser.skip_ws()
    et = parser.parse_type()
    if not isinstance(et, (IntegerType, FloatType)):
        raise parser.error("expected integer or float type", tpos)
    vals: list = []
    if parser.parse_optional(":"):
        while True:
            vals.append(_parse_scalar(parser, et))
            if not parser.parse_optional(","):
                break
    parser.expect(">")
    return DenseArrayAttr(et, tuple(vals))


def _parse_scalar(parser: Parser, et: Attribute):
    pos = parser.skip_ws()
    kw = parser.parse_optional_keyword()
    if kw is not None:
        if kw in ("true", "false") and et is i1:
            return 1 if kw == "true" else 0
        if isinstance(et, FloatType) and kw in ("inf", "nan"):
            return float(kw)
        raise parser.error("expected integer or float literal", pos)
    v = parser.parse_optional_number()
    if v is None:
        raise parser.error("expected integer or float literal", pos)
    if isinstance(et, FloatType):
        if isinstance(v, int) and parser.text[pos:parser.pos].lstrip("-").startswith("0x"):
            return float_from_bits(v, et)
        return float(v)
    if isinstance(v, float):
        raise parser.error("expected integer elements, but parsed floating-point", pos)
    lo, hi = int_range(et)
    if not lo <= v <= hi:
        raise parser.error("integer constant out of range", pos)
    return v


# ----------------------------------------------------------------------------
# Dense elements: dense<...> : tensor<...>
# ----------------------------------------------------------------------------


def numpy_dtype(t: Attribute) -> np.dtype:
    """The numpy storage dtype of an element type."""
    if isinstance(t, IntegerType):
        w = t.width
        if w == 1:
            return np.dtype(np.bool_)
        size = 8 if w <= 8 else 16 if w <= 16 else 32 if w <= 32 else 64
        if w > 64:
            return np.dtype(object)
        return np.dtype(f"{'u' if t.signedness == 'unsigned' else 'i'}{size // 8}")
    if isinstance(t, IndexType):
        return np.dtype(np.int64)
    if isinstance(t, FloatType):
        k = t.kind
        return np.dtype({"f16": np.float16, "f32": np.float32, "f64": np.float64}.get(k, np.float32))
    if isinstance(t, ComplexType):
        et = t.element_type
        return np.dtype(np.complex64 if isinstance(et, FloatType) and et.kind in ("f32", "f16") else np.complex128)
    raise ValueError(f"element type {t} has no dense storage")


class DenseElementsAttr(Attribute):
    """Dense int/float/complex elements of a shaped type, backed by numpy.

    Not uniqued (arrays can be large); equality and hash are structural.
    """

    __slots__ = ("type", "array", "_hash", "__weakref__")
    name = "builtin.dense_elements"

    def __init__(self, array: Any, type: ShapedType):
        arr = np.asarray(array, dtype=numpy_dtype(type.element_type))
        if arr.shape != tuple(type.shape):
            if arr.size == 1:
                arr = np.broadcast_to(arr.reshape(()), type.shape)
            else:
                raise ValueError(f"dense elements shape {arr.shape} does not match type {type}")
        if isinstance(type.element_type, FloatType) and type.element_type.kind == "bf16":
            arr = np.vectorize(_to_bf16, otypes=[np.float32])(arr) if arr.size else arr
        arr = np.array(arr)  # own, contiguous copy
        arr.flags.writeable = False
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "array", arr)
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, k, v):
        raise AttributeError("DenseElementsAttr is immutable")

    @property
    def is_splat(self) -> bool:
        """All elements are equal (a non-empty tensor): prints as `dense<v>` and folds as a scalar."""
        a = self.array.reshape(-1)
        if a.size == 0:
            return False
        if a.dtype.kind == "O":
            first = a[0]
            return all(x == first for x in a.tolist())
        b = np.ascontiguousarray(a).view(np.uint8).reshape(a.size, -1)  # bitwise: -0.0 != 0.0, NaN payloads
        return bool((b == b[0]).all())

    def splat_value(self):
        """The first element as a Python scalar; the value of every element when `is_splat`."""
        return self.array.reshape(-1)[:1].tolist()[0]  # a Python scalar for every dtype (object too)

    def _key(self):
        a = self.array  # object arrays (integers wider than 64 bits) compare by value, not by pointer
        return tuple(a.reshape(-1).tolist()) if a.dtype.kind == "O" else a.tobytes()

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, DenseElementsAttr) and other.type is self.type
                and self.array.shape == other.array.shape and self._key() == other._key())

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash((self.type, self._key()))
            object.__setattr__(self, "_hash", h)
        return h

    def __repr__(self) -> str:
        return f"DenseElementsAttr({self})"

    def print(self, printer: Printer) -> None:
        printer.write("dense<")
        self.print_body(printer)
        printer.write("> : ")
        printer.print_type(self.type)

    def print_body(self, printer: Printer) -> None:
        """What goes between `dense<` and `>`: the splat value, else nested `[...]` lists (nothing when empty)."""
        et = self.type.element_type
        a = self.array
        if a.size == 0:
            return
        if self.is_splat:
            printer.write(_fmt_elem(self.splat_value(), et))
            return
        printer.write(_fmt_nested(a, et))


def _fmt_elem(v, et) -> str:
    if et is i1:
        return "true" if v else "false"
    if isinstance(et, FloatType):
        return format_float(float(v), et)
    if isinstance(et, ComplexType):
        inner = et.element_type
        return f"({_fmt_elem(v.real, inner)},{_fmt_elem(v.imag, inner)})"  # no space, as MLIR
    return int_to_str(int(v))


def _fmt_nested(a: np.ndarray, et) -> str:
    if a.ndim == 0:
        return _fmt_elem(a.item(), et)
    if a.ndim == 1:
        return "[" + ", ".join(_fmt_elem(x, et) for x in a.tolist()) + "]"
    return "[" + ", ".join(_fmt_nested(sub, et) for sub in a) + "]"


def _parse_dense(parser: Parser, kw: str, type: Attribute | None = None) -> Attribute:
    """`dense<...> : type`; with `type` given (MLIR's parseAttribute(attr, type)) no `: type` follows."""
    start = parser.pos
    parser.expect("<")
    hexblob = None
    literal = None
    if parser.parse_optional(">"):
        literal = []
        empty = True
    else:
        empty = False
        if parser.peek('"'):
            hexblob = parser.parse_string()
        else:
            literal = _parse_dense_literal(parser)
        parser.expect(">")
    tpos = parser.skip_ws()
    if type is None:
        parser.expect(":", "after dense literal")
        tpos = parser.skip_ws()
        t = parser.parse_type()
    else:
        t = type
    if not isinstance(t, ShapedType) or not t.has_rank:
        raise parser.error("elements literal type must be a ranked shaped type", tpos)
    if DYNAMIC in t.shape:
        raise parser.error("elements literal type must have static shape", tpos)
    et = t.element_type
    try:
        dtype = numpy_dtype(et)
    except ValueError as e:
        raise parser.error(str(e), tpos) from None
    if hexblob is not None:
        if not hexblob.startswith("0x"):
            raise parser.error("expected hex string or literal in dense elements", start)
        try:
            raw = bytes.fromhex(hexblob[2:])
        except ValueError:
            raise parser.error("malformed hex string in dense elements", start) from None
        n = t.num_elements
        esize = dtype.itemsize
        if dtype.kind == "O":
            raise parser.error(f"hex data is not supported for element type {et}", start)
        if len(raw) == esize:
            _check_splat_size(parser, t, start)
            arr = np.broadcast_to(np.frombuffer(raw, dtype=dtype), (n,)).reshape(t.shape)
        elif len(raw) == esize * n:
            arr = np.frombuffer(raw, dtype=dtype).reshape(t.shape)
        else:
            raise parser.error(f"elements hex data size is invalid for provided type: got {len(raw)} bytes, "
                               f"expected {esize * n}", start)
        return DenseElementsAttr(arr, t)
    if empty:
        if t.num_elements != 0:
            raise parser.error(f"inferred shape of elements literal ([0]) does not match type ({_shape_str(t)})",
                               start)
        return DenseElementsAttr(np.zeros(t.shape, dtype=dtype), t)
    assert literal is not None, "an empty literal returned above"
    shape, flat = literal
    values = []
    for v, pos in flat:
        values.append(_convert_elem(parser, v, et, pos))
    if shape == () and len(values) == 1:
        _check_splat_size(parser, t, start)
        return DenseElementsAttr(np.full(t.shape, values[0], dtype=dtype), t)
    if tuple(shape) != tuple(t.shape):
        raise parser.error(f"inferred shape of elements literal ([{', '.join(map(str, shape))}]) does not match "
                           f"type ([{', '.join(map(str, t.shape))}])", start)
    arr = np.array(values, dtype=dtype).reshape(t.shape)
    return DenseElementsAttr(arr, t)


#: splats are stored expanded (numpy arrays): refuse ones that could not fit in memory
MAX_SPLAT_ELEMENTS = 1 << 26


def _check_splat_size(parser: Parser, t, pos: int) -> None:
    if t.num_elements > MAX_SPLAT_ELEMENTS:
        raise parser.error(f"splat of {t.num_elements} elements is too large to materialize "
                           f"(limit {MAX_SPLAT_ELEMENTS})", pos)


def _shape_str(t) -> str:
    return "[" + ", ".join(map(str, t.shape)) + "]"


def _parse_dense_literal(parser: Parser) -> tuple[tuple, list]:
    """Nested lists → (shape, [(value, pos)]), checking the nesting is rectangular."""
    flat: list = []

    def elem():
        pos = parser.skip_ws()
        if parser.parse_optional("("):
            re = _scalar_token(parser)
            parser.expect(",")
            im = _scalar_token(parser)
            parser.expect(")")
            flat.append(((re, im), pos))
            return ()
        if parser.parse_optional("["):
            if parser.parse_optional("]"):
                return (0,)
            sub = elem()
            n = 1
            while parser.parse_optional(","):
                p2 = parser.skip_ws()
                s2 = elem()
                if s2 != sub:
                    raise parser.error("tensor literal is invalid; ranks are not consistent between elements", p2)
                n += 1
            parser.expect("]")
            return (n,) + sub
        flat.append((_scalar_token(parser), pos))
        return ()

    shape = elem()
    return shape, flat


def _scalar_token(parser: Parser):
    pos = parser.skip_ws()
    kw = parser.parse_optional_keyword()
    if kw is not None:
        if kw in ("true", "false"):
            return kw == "true"
        if kw in ("inf", "nan"):
            return float(kw)
        raise parser.error("expected element literal of primitive type", pos)
    text = parser.text
    v = parser.parse_optional_number()
    if v is None:
        raise parser.error("expected element literal of primitive type", pos)
    if isinstance(v, int) and text[pos:parser.pos].lstrip("-").startswith("0x"):
        return ("hex", v)
    return v


def _convert_elem(parser: Parser, v, et, pos):
    if isinstance(et, ComplexType):
        if not isinstance(v, tuple) or len(v) != 2 or v[0] == "hex":
            raise parser.error("expected complex element as (real, imag)", pos)
        return complex(_convert_elem(parser, v[0], et.element_type, pos),
                       _convert_elem(parser, v[1], et.element_type, pos))
    if isinstance(v, tuple) and v and v[0] == "hex":
        if isinstance(et, FloatType):
            return float_from_bits(v[1], et)
        v = v[1]
    if isinstance(v, tuple):
        raise parser.error("unexpected complex element for non-complex type", pos)
    if et is i1:
        if isinstance(v, bool):
            return v
        if v in (0, 1) and not isinstance(v, float):
            return bool(v)
        raise parser.error("expected i1 type for 'true' or 'false' values", pos)
    if isinstance(et, FloatType):
        if isinstance(v, bool):
            raise parser.error("expected floating-point elements, but parsed boolean", pos)
        return float(v)
    if isinstance(v, bool):
        raise parser.error("expected integer elements, but parsed boolean", pos)
    if isinstance(v, float):
        raise parser.error("expected integer elements, but parsed floating-point", pos)
    lo, hi = int_range(et)
    if not lo <= v <= hi:
        raise parser.error("integer constant out of range for type", pos)
    return wrap_int(v, et)


# ----------------------------------------------------------------------------
# Affine maps and sets; strided layouts
# ----------------------------------------------------------------------------


class AffineMapAttr(ParametrizedAttribute):
    """`affine_map<(d0) -> (d0)>`: an AffineMap as an attribute (memref layouts, affine ops)."""

    __slots__ = ()
    name = "builtin.affine_map"
    parameters = ("value",)

    def print(self, printer: Printer) -> None:
        printer.write(f"affine_map<{self.value}>")


class IntegerSetAttr(ParametrizedAttribute):
    """`affine_set<(d0) : (d0 >= 0)>`: an IntegerSet as an attribute."""

    __slots__ = ()
    name = "builtin.integer_set"
    parameters = ("value",)

    def print(self, printer: Printer) -> None:
        printer.write(f"affine_set<{self.value}>")


def _parse_affine(parser: Parser, kw: str) -> Attribute:
    """`affine_map<...>` / `affine_set<...>`, parsed in place (sets contain `>=`)."""
    parser.expect("<", f"after '{kw}'")
    start = parser.pos
    try:
        value, end = parse_affine_map_or_set_prefix(parser.text, start)
    except AffineParseError as e:
        raise parser.error(e.message, e.offset) from None
    want_set = kw == "affine_set"
    if isinstance(value, IntegerSet) != want_set:
        raise parser.error(f"expected {'integer set' if want_set else 'affine map'}", start)
    parser.pos = end
    parser.expect(">", f"to end {kw}")
    return IntegerSetAttr(value) if want_set else AffineMapAttr(value)


class StridedLayoutAttr(ParametrizedAttribute):
    """`strided<[s0, s1], offset: o>`: a memref layout; DYNAMIC strides/offset print as `?`."""

    __slots__ = ()
    name = "builtin.strided_layout"
    parameters = ("strides", "offset")

    @classmethod
    def normalize(cls, strides, offset=0):
        return (tuple(strides), offset)

    def print(self, printer: Printer) -> None:
        s = ", ".join("?" if x == DYNAMIC else str(x) for x in self.strides)
        printer.write(f"strided<[{s}]")
        if self.offset != 0:
            printer.write(", offset: " + ("?" if self.offset == DYNAMIC else str(self.offset)))
        printer.write(">")


def _parse_strided(parser: Parser, kw: str) -> Attribute:
    parser.expect("<")
    parser.expect("[")
    strides = []
    if not parser.parse_optional("]"):
        while True:
            strides.append(_int_or_dynamic(parser))
            if not parser.parse_optional(","):
                break
        parser.expect("]")
    offset = 0
    if parser.parse_optional(","):
        parser.parse_keyword("offset")
        parser.expect(":")
        offset = _int_or_dynamic(parser)
    parser.expect(">")
    return StridedLayoutAttr(tuple(strides), offset)


def _int_or_dynamic(parser: Parser) -> int:
    if parser.parse_optional("?"):
        return DYNAMIC
    pos = parser.skip_ws()
    v = parser.parse_integer()
    if not -(2**63) < v < 2**63:  # int64, as MLIR; INT64_MIN is `?`
        raise parser.error("integer value out of range for a stride or offset", pos)
    return v


class DenseResourceElementsAttr(ParametrizedAttribute):
    """`dense_resource<name> : type`: a handle to a blob kept out of line."""

    __slots__ = ()
    name = "builtin.dense_resource_elements"
    parameters = ("handle", "type")

    def print(self, printer: Printer) -> None:
        printer.write(f"dense_resource<{self.handle}> : ")
        printer.print_type(self.type)


def _parse_dense_resource(parser: Parser, kw: str) -> Attribute:
    parser.expect("<")
    handle = parser.parse_suffix_id("resource handle")
    parser.expect(">")
    parser.expect(":")
    return DenseResourceElementsAttr(handle, parser.parse_type())


class DistinctAttr(ParametrizedAttribute):
    """`distinct[N]<attr>`: an attribute identical only to itself. `N` numbers
    it within one file; a fresh `uid` per parsed id keeps two equal payloads
    apart, and the printer renumbers in printing order as upstream does."""

    __slots__ = ()
    name = "builtin.distinct"
    parameters = ("referenced", "uid")
    _uids = itertools.count()

    @classmethod
    def fresh(cls, referenced: Attribute) -> DistinctAttr:
        """A new distinct attribute, unequal to every other, wrapping `referenced` (upstream's DistinctAttr::create)."""
        return cls(referenced, next(cls._uids))

    def print(self, printer: Printer) -> None:
        printer.write(f"distinct[{printer.distinct_id(self)}]<")
        if not isinstance(self.referenced, UnitAttr):
            printer.print_attribute(self.referenced)
        printer.write(">")


def _parse_distinct(parser: Parser, kw: str) -> Attribute:
    parser.expect("[")
    pos = parser.skip_ws()
    n = parser.parse_optional_integer()
    if n is None or n < 0:
        raise parser.error("expected distinct ID", pos)
    parser.expect("]")
    parser.expect("<")
    ref = UnitAttr() if parser.parse_optional(">") else None
    if ref is None:
        ref = parser.parse_attribute()
        parser.expect(">")
    table = parser.distinct_attrs
    known = table.get(n)
    if known is None:
        known = table[n] = DistinctAttr.fresh(ref)
    elif known.referenced != ref:
        raise parser.error(f"referenced attribute does not match previous definition: {known.referenced}", pos)
    return known


KEYWORD_ATTRS = {
    "distinct": _parse_distinct,
    "dense": _parse_dense,
    "array": _parse_dense_array,
    "affine_map": _parse_affine,
    "affine_set": _parse_affine,
    "strided": _parse_strided,
    "dense_resource": _parse_dense_resource,
}

ATTRIBUTES = [IntegerAttr, FloatAttr, StringAttr, UnitAttr, ArrayAttr, DictionaryAttr, TypeAttr, SymbolRefAttr,
              DenseArrayAttr, AffineMapAttr, IntegerSetAttr, StridedLayoutAttr, DenseResourceElementsAttr,
              DistinctAttr]
