"""Scalar pieces of the generated bodies that linalg's BodyBuilder leaves to its users.

`BodyBuilder.binary` already picks `addf`/`addi`, `maximumf`/`maxsi`,
`divf`/`divsi` by element type (float max/min propagate NaN as numpy's
`maximum`; integer division truncates toward zero, as the graph dialect's
folder does); what the graph ops need beyond it is here: negation and
absolute value of either kind, the identities of max/min reductions, and
`index` values as numbers.
"""

from __future__ import annotations

import math

from mlir_py.dialects import arith
from mlir_py.dialects import math as M

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, i64
from mlir_py.ir.operation import Value


def is_float(t: Attribute) -> bool:
    return isinstance(t, FloatType)


def lowest(t: Attribute) -> float | int:
    """The identity of max: -inf, or the smallest integer of the type."""
    return -math.inf if is_float(t) else -(1 << (t.width - 1))  # type: ignore[attr-defined]


def highest(t: Attribute) -> float | int:
    """The identity of min: +inf, or the largest integer of the type."""
    return math.inf if is_float(t) else (1 << (t.width - 1)) - 1  # type: ignore[attr-defined]


def scalar_attr(value: float | int, t: Attribute) -> Attribute:
    if isinstance(t, FloatType):
        return FloatAttr(float(value), t)
    assert isinstance(t, IntegerType)
    return IntegerAttr(int(value), t)


def neg(b, x: Value) -> Value:
    if is_float(x.type):
        return b.create(arith.NegFOp(x))
    return b.sub(b.constant(0, x.type), x)


def absolute(b, x: Value) -> Value:
    return b.create(M.AbsFOp(x) if is_float(x.type) else M.AbsIOp(x))


def index_to(b, i: Value, t: Attribute) -> Value:
    """An `index` value as a number of type `t` (through i64 for floats)."""
    if is_float(t):
        return b.create(arith.SIToFPOp(b.create(arith.IndexCastOp(i, result_types=[i64])), result_types=[t]))
    return b.create(arith.IndexCastOp(i, result_types=[t]))


__all__ = ["absolute", "highest", "index_to", "is_float", "lowest", "neg", "scalar_attr"]
