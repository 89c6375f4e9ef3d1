"""Constraints over builtin types, for use in op definitions of any dialect."""

from __future__ import annotations

from mlir_py.definition.constraints import AnyOf, BaseAttr, Constraint, EqAttr, Predicate
from mlir_py.ir.builtin_attributes import (
    AffineMapAttr,
    ArrayAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    IntegerSetAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
    _parse_scalar,
)
from mlir_py.ir.builtin_types import (
    ComplexType,
    FloatType,
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    RankedTensorType,
    ShapedType,
    TensorType,
    UnrankedMemRefType,
    VectorType,
    i1,
    index,
)


def _is_signless_int(t) -> bool:
    return isinstance(t, IntegerType) and t.signedness == "signless"


AnyInteger = BaseAttr(IntegerType, description="integer")
SignlessInteger = Predicate(_is_signless_int, "signless integer")
I1 = EqAttr(i1)
I1.description = "1-bit signless integer"  # as ODS words I1 in messages
Index = EqAttr(index)
AnyFloat = BaseAttr(FloatType, description="floating-point")
AnyComplex = BaseAttr(ComplexType, description="complex-type")
AnySignlessIntegerOrIndex = Predicate(lambda t: _is_signless_int(t) or isinstance(t, IndexType),
                                      "signless integer or index")
AnyTensor = BaseAttr(TensorType, description="tensor of any type values")
AnyRankedTensor = BaseAttr(RankedTensorType, description="ranked tensor of any type values")
AnyMemRef = BaseAttr(MemRefType, UnrankedMemRefType, description="memref of any type values")
AnyRankedMemRef = BaseAttr(MemRefType, description="ranked memref of any type values")
AnyUnrankedMemRef = BaseAttr(UnrankedMemRefType, description="unranked memref of any type values")
AnyVector = BaseAttr(VectorType, description="vector of any type values")
AnyShaped = BaseAttr(ShapedType, description="shaped of any type values")


def _container_of(scalar, containers=(VectorType, TensorType)):
    def check(t) -> bool:
        if scalar(t):
            return True
        return isinstance(t, containers) and scalar(t.element_type)
    return check


def ScalarLike(scalar_pred, what: str, containers=(VectorType, TensorType)) -> Constraint:
    """A scalar, or a vector/tensor of such scalars (MLIR's "...-like" constraints)."""
    return Predicate(_container_of(scalar_pred, containers), f"{what}-like")


SignlessIntegerLike = ScalarLike(_is_signless_int, "signless-integer")
SignlessIntegerOrIndexLike = ScalarLike(lambda t: _is_signless_int(t) or isinstance(t, IndexType),
                                        "signless-integer-or-index")
BoolLike = ScalarLike(lambda t: t is i1, "bool")
FloatLike = ScalarLike(lambda t: isinstance(t, FloatType), "floating-point")
IndexLike = ScalarLike(lambda t: isinstance(t, IndexType), "index")


def MemRefOf(*element_classes) -> Constraint:
    """A ranked or unranked memref whose element type is an instance of one of `element_classes` (ODS MemRefOf)."""
    return Predicate(lambda t: isinstance(t, (MemRefType, UnrankedMemRefType))
                     and isinstance(t.element_type, element_classes), "memref of given element types")


# Attribute constraints
AnyIntegerAttr = BaseAttr(IntegerAttr, description="integer attribute")
AnyFloatAttr = BaseAttr(FloatAttr, description="float attribute")
StrAttr = BaseAttr(StringAttr, description="string attribute")
AnyArrayAttr = BaseAttr(ArrayAttr, description="array attribute")
DictAttr = BaseAttr(DictionaryAttr, description="dictionary of named attribute values")
TypedAttr = AnyOf(AnyIntegerAttr, AnyFloatAttr, BaseAttr(DenseElementsAttr), description="TypedAttr instance")
UnitAttrC = BaseAttr(UnitAttr, description="unit attribute")
SymbolRef = BaseAttr(SymbolRefAttr, description="symbol reference attribute")
FlatSymbolRef = Predicate(lambda a: isinstance(a, SymbolRefAttr) and not a.nested,
                          "flat symbol reference attribute")
FunctionTypeAttr = Predicate(lambda a: isinstance(a, TypeAttr) and isinstance(a.value, FunctionType),
                             "type attribute of function type")
AnyTypeAttr = BaseAttr(TypeAttr, description="any type attribute")
AffineMapAttrC = BaseAttr(AffineMapAttr, description="AffineMap attribute")
IntegerSetAttrC = BaseAttr(IntegerSetAttr, description="IntegerSet attribute")
ElementsAttr = BaseAttr(DenseElementsAttr, description="constant vector/tensor attribute")


def IntAttrOf(width: int, description: str | None = None) -> Constraint:
    """An integer attribute of `width` bits (ODS I32Attr/I64Attr); formats omit its type."""
    c = Predicate(lambda a: isinstance(a, IntegerAttr) and isinstance(a.type, IntegerType)
                  and a.type.width == width, description or f"{width}-bit signless integer attribute")
    c.fixed_type = IntegerType(width)
    return c


I64Attr = IntAttrOf(64)
I32Attr = IntAttrOf(32)
IndexAttr = Predicate(lambda a: isinstance(a, IntegerAttr) and isinstance(a.type, IndexType), "index attribute")
IndexAttr.fixed_type = index
BoolAttrC = Predicate(lambda a: isinstance(a, IntegerAttr) and a.type is i1, "bool attribute")
BoolAttrC.fixed_type = i1


def FloatAttrOf(t, description: str | None = None) -> Constraint:
    """A float attribute of type `t` (ODS F32Attr/F64Attr); formats omit its type."""
    c = Predicate(lambda a: isinstance(a, FloatAttr) and a.type is t, description or f"{t} float attribute")
    c.fixed_type = t
    return c


class _DenseArrayOf(Predicate):
    """In assembly formats a dense array prints as ODS does: `[1, 2]`."""

    def __init__(self, element_type, description: str):
        super().__init__(lambda a: isinstance(a, DenseArrayAttr) and a.element_type is element_type, description)
        self.element_type = element_type

    def parse_short(self, parser):
        parser.expect("[")
        vals: list = []
        if not parser.parse_optional("]"):
            while True:
                vals.append(_parse_scalar(parser, self.element_type))
                if not parser.parse_optional(","):
                    break
            parser.expect("]")
        return DenseArrayAttr(self.element_type, tuple(vals))

    def print_short(self, printer, attr) -> None:
        body = str(attr)  # array<T: a, b>
        printer.write("[" + (body.split(": ", 1)[1][:-1] if ": " in body else "") + "]")


def DenseArrayOf(element_type, description: str | None = None) -> Constraint:
    """A `array<T: ...>` of element type `element_type` (ODS DenseI64ArrayAttr...); formats spell it `[1, 2]`."""
    return _DenseArrayOf(element_type, description or f"{element_type} dense array attribute")
