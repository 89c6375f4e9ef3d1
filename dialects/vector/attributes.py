"""Vector enums and shared type helpers (VectorAttributes.td, VectorOps.td's constraints).

- `#vector.kind<add>`: the combining kind of reductions, contractions and
  outer products; inside an op's custom form it prints stripped (`<add>`).
- `#vector.iterator_type<parallel>`: contraction iterators (the custom form of
  vector.contract spells them as strings, `"parallel"`).
- `#vector.punctuation<newline>`: what vector.print writes after the value.
"""

from __future__ import annotations

from mlir_py.definition.constraints import BaseAttr, Predicate
from mlir_py.definition.enums import enum_attr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, VectorType, i1

#: upstream's CombiningKind cases, in upstream's order
COMBINING_KINDS = {
    "add": 0, "mul": 1, "minui": 2, "minsi": 3, "minnumf": 4, "maxui": 5, "maxsi": 6, "maxnumf": 7,
    "and": 8, "or": 9, "xor": 10, "maximumf": 11, "minimumf": 12,
}
CombiningKindAttr = enum_attr("vector.kind", COMBINING_KINDS, class_name="CombiningKindAttr")
IteratorTypeAttr = enum_attr("vector.iterator_type", {"parallel": 0, "reduction": 1}, class_name="IteratorTypeAttr")
PunctuationAttr = enum_attr("vector.punctuation", {
    "no_punctuation": 0, "newline": 1, "comma": 2, "open": 3, "close": 4,
}, class_name="PunctuationAttr")

CombiningKindC = BaseAttr(CombiningKindAttr, description="Kind of combining function for contractions and reductions")
PunctuationC = BaseAttr(PunctuationAttr, description="Punctuation for separating vectors or vector elements")

#: kinds defined only on integers / only on floats (isSupportedCombiningKind)
INT_ONLY_KINDS = {"minui", "minsi", "maxui", "maxsi", "and", "or", "xor"}
FLOAT_ONLY_KINDS = {"minnumf", "maxnumf", "minimumf", "maximumf"}


def kind(name: str) -> CombiningKindAttr:
    """`kind("add")` -> #vector.kind<add>."""
    return CombiningKindAttr.get(name)


def kind_supports(kind_name: str, element_type) -> bool:
    """Whether a combining kind is defined on an element type (index and integers share the integer kinds)."""
    if isinstance(element_type, (IntegerType, IndexType)):
        return kind_name not in FLOAT_ONLY_KINDS
    if isinstance(element_type, FloatType):
        return kind_name not in INT_ONLY_KINDS
    return False


def is_vector(t) -> bool:
    return isinstance(t, VectorType)


def element_type(t):
    """T for a vector of T, else the type itself (getElementTypeOrSelf)."""
    return t.element_type if isinstance(t, VectorType) else t


def num_elements(t: VectorType) -> int:
    n = 1
    for d in t.shape:
        n *= d
    return n


def mask_type(t: VectorType) -> VectorType:
    """The i1 vector of t's shape (scalable dims kept)."""
    return VectorType(t.shape, i1, t.scalable_dims)


def quoted(t) -> str:
    return f"'{t}'"


AnyVectorOfAnyRank = Predicate(is_vector, "vector of any type values")
AnyVectorOfNonZeroRank = Predicate(lambda t: is_vector(t) and t.rank > 0, "vector of any type values")
VectorOfI1 = Predicate(lambda t: is_vector(t) and t.element_type is i1, "vector of 1-bit signless integer values")
VectorOfIndex = Predicate(lambda t: is_vector(t) and isinstance(t.element_type, IndexType),
                          "vector of index values")

ATTRIBUTES = [CombiningKindAttr, IteratorTypeAttr, PunctuationAttr]
