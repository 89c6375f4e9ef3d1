"""Arith's own op traits: ODS predicate traits and the arith op interfaces.

The predicate traits are listed before the native traits in each op, so
they are checked in the order ODS-generated verifiers check them.
"""

from __future__ import annotations

from mlir_py.definition.traits import CastOpInterface, Trait
from mlir_py.ir.builtin_types import ShapedType, TensorType


class ArithFastMathInterface(Trait):
    """The op carries a `fastmath` attribute (#arith.fastmath)."""

    @staticmethod
    def fastmath_attr_name() -> str:
        return "fastmath"


class ArithIntegerOverflowFlagsInterface(Trait):
    """The op carries an `overflowFlags` attribute (#arith.overflow)."""

    @staticmethod
    def overflow_attr_name() -> str:
        return "overflowFlags"


class ArithRoundingModeInterface(Trait):
    """The op carries an optional `roundingmode` attribute."""


def _tensor_shape(t):
    if isinstance(t, TensorType):
        return tuple(t.shape) if t.has_rank else None
    return ()


class SameInputOutputTensorDims(Trait):
    """Tensor operand and result dims are identical (dynamic only matches dynamic)."""

    def verify(self, op):
        if _tensor_shape(op.operand(0).type) != _tensor_shape(op.results[0].type):
            return "failed to verify that input and output have the same tensor dimensions"
        return None


class BooleanConditionOrMatchingShape(Trait):
    """select's condition is a scalar i1, or shaped like the result."""

    def verify(self, op):
        from mlir_py.ir.builtin_types import i1
        c, r = op.condition.type, op.result.type
        if c is i1:
            return None
        if isinstance(c, ShapedType) and isinstance(r, ShapedType) and c.has_rank and r.has_rank \
                and tuple(c.shape) == tuple(r.shape):
            return None
        return "failed to verify that condition is signless i1 or has matching shape"


class CastCompatible(CastOpInterface):
    """CastOpInterface: the op class decides with `are_cast_compatible(inputs, outputs)`."""

    def verify(self, op):
        outs = [r.type for r in op.results]
        if not outs:
            return "expected at least one result for cast operation"
        ins = [o.value.type for o in op.op_operands]
        if type(op).are_cast_compatible(ins, outs):
            return None
        operand = "operand types []" if not ins else (f"operand type '{ins[0]}'" if len(ins) == 1 else
                                                      "operand types " + ", ".join(f"'{t}'" for t in ins))
        result = f"result type '{outs[0]}'" if len(outs) == 1 else \
            "result types " + ", ".join(f"'{t}'" for t in outs)
        return f"{operand} and {result} are cast incompatible"
