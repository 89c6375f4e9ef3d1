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
ELEMENTWISE_KINDS = {
    "exp": 0, "log": 1, "abs": 2, "ceil": 3, "floor": 4, "negf": 5, "reciprocal": 6, "round": 7, "sqrt": 8,
    "rsqrt": 9, "square": 10, "tanh": 11, "erf": 12,
    "add": 13, "sub": 14, "mul": 15, "div": 16, "div_unsigned": 17, "max_signed": 18, "min_signed": 19,
    "max_unsigned": 20, "min_unsigned": 21, "powf": 22,
    "select": 23,
}
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
