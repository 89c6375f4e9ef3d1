"""Helpers shared by the vector op families: integer-array properties, folding to splat constants,
and moving inherent attributes out of a parsed attribute dictionary."""

from __future__ import annotations

from mlir_py.definition.constraints import Predicate
from mlir_py.ir.builtin_attributes import ArrayAttr, DenseElementsAttr, IntegerAttr
from mlir_py.ir.builtin_types import VectorType, i64
from mlir_py.ir.operation import OpResult

#: ODS I64ArrayAttr: `[0, 2]`, an array of i64 integer attributes
I64ArrayAttrC = Predicate(lambda a: isinstance(a, ArrayAttr) and all(
    isinstance(x, IntegerAttr) and x.type is i64 for x in a), "64-bit integer array attribute")
BoolArrayAttrC = Predicate(lambda a: isinstance(a, ArrayAttr) and all(
    isinstance(x, IntegerAttr) and x.type.width == 1 for x in a), "1-bit boolean array attribute")


def i64_array(values) -> ArrayAttr:
    return ArrayAttr(tuple(IntegerAttr(int(v), i64) for v in values))


def ints(a) -> list[int]:
    """The Python ints of an I64ArrayAttr / BoolArrayAttr / DenseArrayAttr (empty for None)."""
    if a is None:
        return []
    vals = getattr(a, "values", None)
    if vals is not None and not isinstance(a, ArrayAttr):
        return list(vals)
    return [x.value for x in a]


def take_props(attrs: dict, names) -> dict:
    """Move the inherent attributes `names` out of a parsed attr-dict into a properties dict."""
    return {n: attrs.pop(n) for n in names if n in attrs}


def splat_of(a):
    """The scalar of a splat DenseElementsAttr constant operand, else None."""
    if isinstance(a, DenseElementsAttr) and a.is_splat:
        return a.splat_value()
    return None


def splat(value, t: VectorType) -> DenseElementsAttr:
    return DenseElementsAttr(value, t)


def scalar_attr_value(a):
    """The Python number of an IntegerAttr/FloatAttr constant operand, else None."""
    if a is None or isinstance(a, DenseElementsAttr):
        return None
    return getattr(a, "value", None)


def defining(v, cls):
    """The op of class `cls` that defines `v`, else None."""
    if isinstance(v, OpResult) and isinstance(v.owner, cls):
        return v.owner
    return None
