"""Builtin types: integers, floats, index, shaped and structural types.

Defined with the public TypeDef API; their keyword syntax (`i32`,
`tensor<4xf32>`) is registered on the builtin dialect as keyword parsers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mlir_py.ir.attributes import Attribute, TypeAttribute

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

#: a dynamic size or offset, as MLIR's ShapedType::kDynamic (INT64_MIN)
DYNAMIC = -(2**63)


class IntegerType(TypeAttribute):
    """`i32`, `si8`, `ui64`: `IntegerType(width, signedness="signless")`; signedness is "signless", "signed" or
    "unsigned".

    Uniqued, so compare with `is` (`t is i32`). Most arithmetic is on signless integers, as upstream.
    """

    __slots__ = ()
    name = "builtin.integer"
    parameters = ("width", "signedness")

    @classmethod
    def normalize(cls, width, signedness="signless"):
        if signedness not in ("signless", "signed", "unsigned"):
            raise ValueError(f"bad integer signedness '{signedness}'")
        return (int(width), signedness)

    def print(self, printer: Printer) -> None:
        printer.write({"signless": "i", "signed": "si", "unsigned": "ui"}[self.signedness] + str(self.width))

    @property
    def is_signless(self) -> bool:
        """`iN` rather than `siN`/`uiN`: what arith ops require."""
        return self.signedness == "signless"


class IndexType(TypeAttribute):
    """`index`: the target's pointer-sized integer, for sizes and loop bounds (uniqued: compare with `is index`)."""

    __slots__ = ()
    name = "builtin.index"
    parameters = ()

    def print(self, printer: Printer) -> None:
        printer.write("index")


class NoneType(TypeAttribute):
    """`none`: the unit type."""

    __slots__ = ()
    name = "builtin.none"
    parameters = ()

    def print(self, printer: Printer) -> None:
        printer.write("none")


#: float kinds → (bit width, numpy dtype name or None)
FLOAT_KINDS = {
    "f16": (16, "float16"), "bf16": (16, None), "f32": (32, "float32"), "f64": (64, "float64"),
    "f80": (80, None), "f128": (128, None), "tf32": (19, None),
    "f8E5M2": (8, None), "f8E4M3FN": (8, None), "f8E5M2FNUZ": (8, None), "f8E4M3FNUZ": (8, None),
    "f8E4M3B11FNUZ": (8, None), "f8E4M3": (8, None), "f8E3M4": (8, None), "f8E8M0FNU": (8, None),
    "f6E2M3FN": (6, None), "f6E3M2FN": (6, None), "f4E2M1FN": (4, None),
}


class FloatType(TypeAttribute):
    """`f16`, `bf16`, `f32`, `f64` and the other kinds in FLOAT_KINDS: `FloatType("f32")`, uniqued."""

    __slots__ = ()
    name = "builtin.float"
    parameters = ("kind",)

    @classmethod
    def normalize(cls, kind):
        if kind not in FLOAT_KINDS:
            raise ValueError(f"unknown float type '{kind}'")
        return (kind,)

    @property
    def width(self) -> int:
        """Bits of storage (16 for both f16 and bf16)."""
        return FLOAT_KINDS[self.kind][0]

    def print(self, printer: Printer) -> None:
        printer.write(self.kind)


class FunctionType(TypeAttribute):
    """`(inputs) -> results`: the type of `func.func` and of callables; `inputs`/`results` are tuples."""

    __slots__ = ()
    name = "builtin.function"
    parameters = ("inputs", "results")

    def print(self, printer: Printer) -> None:
        printer.print_function_type(self.inputs, self.results)


class TupleType(TypeAttribute):
    """`tuple<t1, t2>`."""

    __slots__ = ()
    name = "builtin.tuple"
    parameters = ("types",)

    def print(self, printer: Printer) -> None:
        printer.write("tuple<")
        printer.print_types(self.types)
        printer.write(">")


class ComplexType(TypeAttribute):
    """`complex<f32>`."""

    __slots__ = ()
    name = "builtin.complex"
    parameters = ("element_type",)

    def print(self, printer: Printer) -> None:
        printer.write("complex<")
        printer.print_type(self.element_type)
        printer.write(">")


class ShapedType(TypeAttribute):
    """Base of vector, tensor and memref types (ranked or not)."""

    __slots__ = ()

    @property
    def rank(self) -> int:
        """Number of dimensions; 0 for a scalar-like `tensor<f32>`."""
        return len(self.shape)

    @property
    def has_rank(self) -> bool:
        """False for unranked tensors and memrefs (`tensor<*xf32>`), whose `shape` raises."""
        return True

    @property
    def has_static_shape(self) -> bool:
        """No dimension is DYNAMIC (`?`)."""
        return DYNAMIC not in self.shape

    @property
    def num_elements(self) -> int:
        """The product of the dimensions; meaningless with a dynamic one (check `has_static_shape` first)."""
        n = 1
        for d in self.shape:
            n *= d
        return n

    def is_dynamic_dim(self, i: int) -> bool:
        """Whether dimension `i` is `?` (DYNAMIC)."""
        return self.shape[i] == DYNAMIC

    @property
    def num_dynamic_dims(self) -> int:
        """How many dimensions are `?`: the number of size operands ops like `memref.alloc` take."""
        return sum(1 for d in self.shape if d == DYNAMIC)


def _print_shape(printer: Printer, shape, scalable=None) -> None:
    for i, d in enumerate(shape):
        if scalable and scalable[i]:
            printer.write(f"[{d}]x")
        else:
            printer.write("?x" if d == DYNAMIC else f"{d}x")


class VectorType(ShapedType):
    """`vector<4x[8]xf32>`: fixed-size, static shape; `scalable_dims` marks the `[n]` dimensions (empty when none
    is).
    """

    __slots__ = ()
    name = "builtin.vector"
    parameters = ("shape", "element_type", "scalable_dims")

    @classmethod
    def normalize(cls, shape, element_type, scalable_dims=None):
        shape = tuple(shape)
        if scalable_dims is None or not any(scalable_dims):
            scalable_dims = ()
        return (shape, element_type, tuple(bool(s) for s in scalable_dims))

    def verify(self):
        if any(d <= 0 for d in self.shape):
            return "vector types must have positive constant sizes"
        return None

    def print(self, printer: Printer) -> None:
        printer.write("vector<")
        _print_shape(printer, self.shape, self.scalable_dims)
        printer.print_type(self.element_type)
        printer.write(">")


class TensorType(ShapedType):
    """Base of ranked and unranked tensor types, for `isinstance` checks."""

    __slots__ = ()


class RankedTensorType(TensorType):
    """`tensor<4x?xf32>` (DYNAMIC for `?`), with an optional `encoding` attribute."""

    __slots__ = ()
    name = "builtin.tensor"
    parameters = ("shape", "element_type", "encoding")

    @classmethod
    def normalize(cls, shape, element_type, encoding=None):
        return (tuple(shape), element_type, encoding)

    def verify(self):
        if any(d < 0 and d != DYNAMIC for d in self.shape):
            return "invalid tensor dimension size"
        return None

    def print(self, printer: Printer) -> None:
        printer.write("tensor<")
        _print_shape(printer, self.shape)
        printer.print_type(self.element_type)
        if self.encoding is not None:
            printer.write(", ")
            printer.print_attribute(self.encoding)
        printer.write(">")


class UnrankedTensorType(TensorType):
    """`tensor<*xf32>`: rank unknown, so no `shape`."""

    __slots__ = ()
    name = "builtin.unranked_tensor"
    parameters = ("element_type",)

    @property
    def has_rank(self) -> bool:
        return False

    @property
    def shape(self):
        """Raises AttributeError: an unranked tensor has no shape (test `has_rank` first)."""
        raise AttributeError("unranked tensor has no shape")

    def print(self, printer: Printer) -> None:
        printer.write("tensor<*x")
        printer.print_type(self.element_type)
        printer.write(">")


class BaseMemRefType(ShapedType):
    """Base of ranked and unranked memref types, for `isinstance` checks."""

    __slots__ = ()


class MemRefType(BaseMemRefType):
    """`memref<4x?xf32, layout, memory_space>`; layout None means identity."""

    __slots__ = ()
    name = "builtin.memref"
    parameters = ("shape", "element_type", "layout", "memory_space")

    @classmethod
    def normalize(cls, shape, element_type, layout=None, memory_space=None):
        # as MLIR: an identity affine_map is the default layout, memory space 0 the default space
        from mlir_py.ir.builtin_attributes import AffineMapAttr
        if isinstance(layout, AffineMapAttr) and layout.value.num_dims == len(shape) and layout.value.is_identity():
            layout = None
        return (tuple(shape), element_type, layout, _skip_default_memory_space(memory_space))

    def verify(self):
        if any(d < 0 and d != DYNAMIC for d in self.shape):
            return "invalid memref size"
        return None

    def print(self, printer: Printer) -> None:
        printer.write("memref<")
        _print_shape(printer, self.shape)
        printer.print_type(self.element_type)
        if self.layout is not None:
            printer.write(", ")
            printer.print_attribute(self.layout)
        if self.memory_space is not None:
            printer.write(", ")
            printer.print_attribute_without_type(self.memory_space) \
                if _is_i64_int(self.memory_space) else printer.print_attribute(self.memory_space)
        printer.write(">")

    def get_strides_and_offset(self) -> tuple[list[int], int]:
        """Strides and offset (DYNAMIC where unknown) of the layout."""
        from mlir_py.ir.builtin_attributes import AffineMapAttr, StridedLayoutAttr
        lay = self.layout
        if lay is None or (isinstance(lay, AffineMapAttr) and lay.value.is_identity()):
            strides = []
            acc = 1
            for d in reversed(self.shape):
                strides.append(acc)
                if d == DYNAMIC or acc == DYNAMIC:
                    acc = DYNAMIC
                else:
                    acc *= d
            return list(reversed(strides)), 0
        if isinstance(lay, StridedLayoutAttr):
            return list(lay.strides), lay.offset
        raise ValueError(f"layout {lay} is not strided")


def _skip_default_memory_space(ms: Attribute | None) -> Attribute | None:
    from mlir_py.ir.builtin_attributes import IntegerAttr
    return None if isinstance(ms, IntegerAttr) and ms.value == 0 else ms


def _is_i64_int(a: Attribute) -> bool:
    from mlir_py.ir.builtin_attributes import IntegerAttr
    return isinstance(a, IntegerAttr) and a.type is i64


class UnrankedMemRefType(BaseMemRefType):
    """`memref<*xf32, space>`: rank unknown, so no `shape`."""

    __slots__ = ()
    name = "builtin.unranked_memref"
    parameters = ("element_type", "memory_space")

    @classmethod
    def normalize(cls, element_type, memory_space=None):
        return (element_type, _skip_default_memory_space(memory_space))

    @property
    def has_rank(self) -> bool:
        return False

    @property
    def shape(self):
        """Raises AttributeError: an unranked memref has no shape (test `has_rank` first)."""
        raise AttributeError("unranked memref has no shape")

    def print(self, printer: Printer) -> None:
        printer.write("memref<*x")
        printer.print_type(self.element_type)
        if self.memory_space is not None:
            printer.write(", ")
            printer.print_attribute_without_type(self.memory_space) \
                if _is_i64_int(self.memory_space) else printer.print_attribute(self.memory_space)
        printer.write(">")


# ----------------------------------------------------------------------------
# Common instances
# ----------------------------------------------------------------------------

i1 = IntegerType(1)
i8 = IntegerType(8)
i16 = IntegerType(16)
i32 = IntegerType(32)
i64 = IntegerType(64)
index = IndexType()
f16 = FloatType("f16")
bf16 = FloatType("bf16")
f32 = FloatType("f32")
f64 = FloatType("f64")
none = NoneType()


# ----------------------------------------------------------------------------
# Keyword parsers
# ----------------------------------------------------------------------------

#: tokens may be separated by whitespace, as upstream's lexer allows (`4 x ? x f32`)
_DIMS = re.compile(r"(?:(?:\d+|\?|\[[ \t\r\n]*\d+[ \t\r\n]*\])[ \t\r\n]*x[ \t\r\n]*)*")
_DIM_SPLIT = re.compile(r"[ \t\r\n]*x[ \t\r\n]*")


def parse_dimension_list(parser: Parser, *, allow_dynamic: bool = True, allow_scalable: bool = False
                         ) -> tuple[tuple[int, ...], tuple[bool, ...]]:
    """`4x?x[8]x` (the trailing `x` included) → (shape, scalable flags)."""
    pos = parser.skip_ws()
    m = _DIMS.match(parser.text, pos)
    shape, scalable = [], []
    for part in _DIM_SPLIT.split(m.group())[:-1]:
        part = part.replace(" ", "").replace("\t", "").replace("\r", "").replace("\n", "")
        if part == "?":
            if not allow_dynamic:  # upstream then reads `?` as the element type
                raise parser.error("expected non-function type", pos + m.group().index("?"))
            shape.append(DYNAMIC)
            scalable.append(False)
        elif part.startswith("["):
            if not allow_scalable:
                raise parser.error("unexpected scalable dimension", pos)
            shape.append(_dimension(parser, part[1:-1], pos))
            scalable.append(True)
        else:
            shape.append(_dimension(parser, part, pos))
            scalable.append(False)
    parser.pos = m.end()
    if allow_scalable and parser.text.startswith("[", m.end()):
        _bad_scalable_dimension(parser)
    return tuple(shape), tuple(scalable)


def _bad_scalable_dimension(parser: Parser) -> None:
    # `[4` or `[4]` not followed by `x`: upstream's two messages, each just after the last good token
    m = re.compile(r"\[[ \t\r\n]*\d*").match(parser.text, parser.pos)
    assert m is not None
    end = m.end()
    if not parser.text.startswith("]", end):
        raise parser.error("missing ']' closing scalable dimension", end)
    raise parser.error("expected 'x' in dimension list", end + 1)


def _dimension(parser: Parser, digits: str, pos: int) -> int:
    # as MLIR: a static size must fit in int64
    if len(digits) > 19 or int(digits) > 2**63 - 1:
        raise parser.error("invalid dimension", pos)
    return int(digits)


def _memory_space(parser: Parser) -> Attribute:
    # a bare integer is `N : i64` (printed without its type); `1 : i32` keeps its type
    return parser.parse_attribute()


def _parse_tensor(parser: Parser, kw: str) -> Attribute:
    parser.expect("<", "in tensor type")
    if parser.parse_optional("*"):
        parser.expect("x", "in dimension list")
        et = parser.parse_type()
        parser.expect(">", "in tensor type")
        return UnrankedTensorType(et)
    shape, _ = parse_dimension_list(parser)
    et = parser.parse_type()
    enc = parser.parse_attribute() if parser.parse_optional(",") else None
    parser.expect(">", "in tensor type")
    return RankedTensorType(shape, et, enc)


def _parse_memref(parser: Parser, kw: str) -> Attribute:
    parser.expect("<", "in memref type")
    if parser.parse_optional("*"):
        parser.expect("x", "in dimension list")
        et = parser.parse_type()
        ms = None
        if parser.parse_optional(","):
            ms = _memory_space(parser)
            if parser.parse_optional(","):
                _memory_space(parser)  # upstream reports the error after the second one
                raise parser.error("multiple memory spaces specified in memref type")
            parser.expect(">", message="expected ',' or '>'")
        else:
            parser.expect(">", message="expected ',' or '>' in memref type")
        return UnrankedMemRefType(et, ms)
    shape, _ = parse_dimension_list(parser)
    et = parser.parse_type()
    layout = ms = None
    from mlir_py.ir.builtin_attributes import AffineMapAttr, StridedLayoutAttr
    lpos = None
    if parser.parse_optional(","):
        lpos = parser.skip_ws()
        a = _memory_space(parser)
        if isinstance(a, (AffineMapAttr, StridedLayoutAttr)):
            layout = a
            if parser.parse_optional(","):
                ms = _memory_space(parser)
        else:
            ms = a
        if parser.parse_optional(","):
            _memory_space(parser)
            raise parser.error("multiple memory spaces specified in memref type")
    parser.expect(">", message="expected ',' or '>'" if lpos is not None else "expected ',' or '>' in memref type")
    if isinstance(layout, AffineMapAttr) and layout.value.num_dims != len(shape):
        raise parser.error("memref layout mismatch between rank and affine map: "
                           f"{len(shape)} != {layout.value.num_dims}", lpos)
    if isinstance(layout, StridedLayoutAttr) and len(layout.strides) != len(shape):
        raise parser.error("expected the number of strides to match the rank", lpos)
    return MemRefType(shape, et, layout, ms)


#: builtin types that are not vector elements (upstream's VectorElementTypeInterface holds integers, index,
#: floats and some dialect types such as `!llvm.ptr`)
_NON_VECTOR_ELEMENT_TYPES = (NoneType, FunctionType, TupleType, ComplexType, ShapedType)


def _parse_vector(parser: Parser, kw: str) -> Attribute:
    pos = parser.pos - len(kw)
    parser.expect("<", "in vector type")
    shape, scalable = parse_dimension_list(parser, allow_dynamic=False, allow_scalable=True)
    et = parser.parse_type()
    parser.expect(">", "in vector type")
    if any(d <= 0 for d in shape):
        raise parser.error("vector types must have positive constant sizes but got "
                           + ", ".join(map(str, shape)), pos)
    if isinstance(et, _NON_VECTOR_ELEMENT_TYPES):  # other dialects' types (`!llvm.ptr`) may be elements
        raise parser.error("failed to verify 'elementType': VectorElementTypeInterface instance", pos)
    return VectorType(shape, et, scalable)


def _parse_complex(parser: Parser, kw: str) -> Attribute:
    parser.expect("<", "in complex type")
    et = parser.parse_type()
    parser.expect(">", "in complex type")
    return ComplexType(et)


def _parse_tuple(parser: Parser, kw: str) -> Attribute:
    parser.expect("<", "in tuple type")
    if parser.parse_optional(">"):
        return TupleType(())
    types = [parser.parse_type()]
    while parser.parse_optional(","):
        types.append(parser.parse_type())
    parser.expect(">", "in tuple type")
    return TupleType(tuple(types))


KEYWORD_TYPES = {
    "index": lambda p, kw: index,
    "none": lambda p, kw: none,
    "tensor": _parse_tensor,
    "memref": _parse_memref,
    "vector": _parse_vector,
    "complex": _parse_complex,
    "tuple": _parse_tuple,
}
for _k in FLOAT_KINDS:
    KEYWORD_TYPES[_k] = (lambda t: lambda p, kw: t)(FloatType(_k))

TYPES = [IntegerType, IndexType, NoneType, FloatType, FunctionType, TupleType, ComplexType, VectorType,
         RankedTensorType, UnrankedTensorType, MemRefType, UnrankedMemRefType]
