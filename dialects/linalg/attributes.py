"""linalg's enum attributes (LinalgEnums.td / LinalgBase.td).

- `#linalg.iterator_type<parallel>`: one loop of a structured op; inside
  `linalg.generic`'s custom form it is spelled as the string `"parallel"`.
- `#linalg.type_fn<cast_signed>`: how a named op's body converts operands to
  the accumulator's element type (matmul's `cast`).
- `#linalg.elementwise_kind<exp>`: the scalar function of `linalg.elementwise`;
  inside that op's custom form it prints stripped, as `<exp>`.
"""

from __future__ import annotations

from mlir_py.definition.constraints import BaseAttr
from mlir_py.definition.enums import enum_attr

IteratorTypeAttr = enum_attr("linalg.iterator_type", {"parallel": 0, "reduction": 1}, class_name="IteratorTypeAttr")
TypeFnAttr = enum_attr("linalg.type_fn", {"cast_signed": 0, "cast_unsigned": 1}, class_name="TypeFnAttr")

#: upstream's ElementwiseKind cases, in upstream's order (unary, binary, ternary)
ELEMENTWISE_KINDS = {name: i for i, name in enumerate((
    "exp", "log", "abs", "ceil", "floor", "negf", "reciprocal", "round", "sqrt", "rsqrt", "square", "tanh", "erf",
    "sin", "cos", "tan", "acos", "acosh", "asin", "asinh", "atan", "atanh", "log10", "log1p", "log2",
    "add", "sub", "mul", "div", "div_unsigned", "max_signed", "min_signed", "max_unsigned", "min_unsigned", "powf",
    "select"))}
#: the kinds by arity (upstream's ElementwiseArityGroup)
UNARY_KINDS = tuple(ELEMENTWISE_KINDS)[:25]
BINARY_KINDS = tuple(ELEMENTWISE_KINDS)[25:35]
TERNARY_KINDS = ("select",)
ElementwiseKindAttr = enum_attr("linalg.elementwise_kind", ELEMENTWISE_KINDS, class_name="ElementwiseKindAttr")

IteratorTypeC = BaseAttr(IteratorTypeAttr, description="Iterator type")
TypeFnC = BaseAttr(TypeFnAttr, description="allowed 32-bit signless integer cases: 0, 1")
ElementwiseKindC = BaseAttr(ElementwiseKindAttr, description="allowed 32-bit signless integer cases")

PARALLEL = "parallel"
REDUCTION = "reduction"


def iterator_type(name: str) -> IteratorTypeAttr:
    """`iterator_type("parallel")` -> #linalg.iterator_type<parallel>."""
    return IteratorTypeAttr.get(name)


ATTRIBUTES = [IteratorTypeAttr, TypeFnAttr, ElementwiseKindAttr]
