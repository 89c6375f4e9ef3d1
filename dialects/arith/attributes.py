"""Arith enums, flag attributes and type constraints (ArithBase.td).

- `#arith.fastmath<...>` and `#arith.overflow<...>` are dialect attributes
  (ODS EnumAttr over a bit enum); inside an op's custom form they print
  stripped: `fastmath<nnan,ninf>`, `overflow<nsw, nuw>`.
- Comparison predicates, rounding modes and atomic kinds are integer-backed
  enums (ODS I64EnumAttr / I32EnumAttr): `predicate = 2 : i64` in generic
  form, a keyword (`slt`) in custom form.
- The type constraints carry upstream's descriptions, so verifier messages
  read as mlir-opt's ("operand #0 must be signless-integer-like, ...").
"""

from __future__ import annotations

from mlir_py.definition.constraints import BaseAttr, Predicate
from mlir_py.definition.enums import IntEnum, enum_attr
from mlir_py.ir.builtin_attributes import (
    DenseElementsAttr,
    DenseResourceElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
)
from mlir_py.ir.builtin_types import (
    FloatType,
    IndexType,
    IntegerType,
    MemRefType,
    RankedTensorType,
    TensorType,
    UnrankedTensorType,
    VectorType,
    i1,
)

# ---------------------------------------------------------------------------
# Flag attributes
# ---------------------------------------------------------------------------

FASTMATH_CASES = {
    "none": 0, "reassoc": 1, "nnan": 2, "ninf": 4, "nsz": 8, "arcp": 16, "contract": 32, "afn": 64,
    "fast": 127,
}

#: `#arith.fastmath<nnan,ninf>`: floating-point fast-math flags
FastMathFlagsAttr = enum_attr("arith.fastmath", FASTMATH_CASES, bits=True, none_case="none", all_case="fast",
                              class_name="FastMathFlagsAttr")

#: `#arith.overflow<nsw, nuw>`: no-signed-wrap / no-unsigned-wrap flags
IntegerOverflowFlagsAttr = enum_attr("arith.overflow", {"none": 0, "nsw": 1, "nuw": 2}, bits=True,
                                     none_case="none", class_name="IntegerOverflowFlagsAttr", separator=", ")

#: constraints naming the enums as ODS summaries do (used in verifier messages)
FastMathAttrConstraint = BaseAttr(FastMathFlagsAttr, description="Floating point fast math flags")
OverflowAttrConstraint = BaseAttr(IntegerOverflowFlagsAttr, description="Integer overflow arith flags")

FASTMATH_NONE = FastMathFlagsAttr(0)
OVERFLOW_NONE = IntegerOverflowFlagsAttr(0)


def fastmath(*flags: str) -> FastMathFlagsAttr:
    """`fastmath("nnan", "ninf")` -> #arith.fastmath<nnan,ninf>."""
    return FastMathFlagsAttr.get(*flags) if flags else FASTMATH_NONE


def overflow(*flags: str) -> IntegerOverflowFlagsAttr:
    """`overflow("nsw")` -> #arith.overflow<nsw>."""
    return IntegerOverflowFlagsAttr.get(*flags) if flags else OVERFLOW_NONE


# ---------------------------------------------------------------------------
# Integer-backed enums
# ---------------------------------------------------------------------------

CmpIPredicate = IntEnum("predicate", {
    "eq": 0, "ne": 1, "slt": 2, "sle": 3, "sgt": 4, "sge": 5, "ult": 6, "ule": 7, "ugt": 8, "uge": 9,
})

CmpFPredicate = IntEnum("predicate", {
    "false": 0, "oeq": 1, "ogt": 2, "oge": 3, "olt": 4, "ole": 5, "one": 6, "ord": 7,
    "ueq": 8, "ugt": 9, "uge": 10, "ult": 11, "ule": 12, "une": 13, "uno": 14, "true": 15,
})

RoundingMode = IntEnum("roundingmode", {
    "to_nearest_even": 0, "downward": 1, "upward": 2, "toward_zero": 3, "to_nearest_away": 4,
}, width=32)
RoundingMode.description = "Floating point rounding mode"

#: the reduction kinds of memref.atomic_rmw / affine.atomic_rmw (arith::AtomicRMWKind)
AtomicRMWKind = IntEnum("kind", {
    "addf": 0, "addi": 1, "andi": 2, "assign": 3, "maximumf": 4, "maxnumf": 5, "maxs": 6, "maxu": 7,
    "minimumf": 8, "minnumf": 9, "mins": 10, "minu": 11, "mulf": 12, "muli": 13, "ori": 14, "xori": 15,
})

# ---------------------------------------------------------------------------
# Type constraints (CommonTypeConstraints.td / ArithOps.td wording)
# ---------------------------------------------------------------------------


def _signless_int(t) -> bool:
    return isinstance(t, IntegerType) and t.signedness == "signless"


def _signless_int_or_index(t) -> bool:
    return _signless_int(t) or isinstance(t, IndexType)


def _float(t) -> bool:
    return isinstance(t, FloatType)


def _like(scalar):
    """A scalar, or a vector or tensor (ranked or not) of such scalars."""
    def check(t) -> bool:
        if isinstance(t, (VectorType, TensorType)):
            return scalar(t.element_type)
        return scalar(t)
    return check


def _memref_of(scalar):
    return lambda t: isinstance(t, MemRefType) and scalar(t.element_type)


SignlessIntegerOrIndexLike = Predicate(_like(_signless_int_or_index), "signless-integer-like")
SignlessFixedWidthIntegerLike = Predicate(_like(_signless_int), "signless-fixed-width-integer-like")
FloatLike = Predicate(_like(_float), "floating-point-like")
BoolLike = Predicate(_like(lambda t: t is i1), "bool-like")
IndexCastTypeConstraint = Predicate(
    lambda t: _like(_signless_int_or_index)(t) or _memref_of(_signless_int_or_index)(t),
    "signless-integer-like or memref of signless-integer")
BitcastTypeConstraint = Predicate(
    lambda t: _like(lambda e: _signless_int(e) or _float(e))(t) or _memref_of(lambda e: _signless_int(e)
                                                                               or _float(e))(t),
    "signless-integer-or-float-like or memref of signless-integer or float")

#: attributes that carry a type (MLIR's TypedAttrInterface); strings are typed too
TypedAttr = BaseAttr(IntegerAttr, FloatAttr, DenseElementsAttr, DenseResourceElementsAttr, StringAttr,
                     description="TypedAttr instance")


def i1_same_shape(t):
    """i1, or the vector/tensor type of t's shape with i1 elements (getI1SameShape)."""
    if isinstance(t, VectorType):
        return VectorType(t.shape, i1, t.scalable_dims)
    if isinstance(t, RankedTensorType):
        return RankedTensorType(t.shape, i1, t.encoding)
    if isinstance(t, UnrankedTensorType):
        return UnrankedTensorType(i1)
    if isinstance(t, MemRefType):
        return MemRefType(t.shape, i1, t.layout, t.memory_space)
    return i1


ATTRIBUTES = [FastMathFlagsAttr, IntegerOverflowFlagsAttr]
