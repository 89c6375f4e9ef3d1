"""arith.cmpi, arith.cmpf and arith.select."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.arith import folding as F
from mlir_py.dialects.arith.attributes import (
    FASTMATH_NONE,
    BoolLike,
    CmpFPredicate,
    CmpIPredicate,
    FastMathAttrConstraint,
    FloatLike,
    SignlessIntegerOrIndexLike,
    i1_same_shape,
)
from mlir_py.dialects.arith.casts import ExtSIOp, ExtUIOp
from mlir_py.dialects.arith.ops import ELEMENTWISE, defining
from mlir_py.dialects.arith.traits import ArithFastMathInterface, BooleanConditionOrMatchingShape

from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, prop, result
from mlir_py.definition.traits import AllTypesMatch, Pure, SameTypeOperands, TypesMatchWith
from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import IntegerType, ShapedType, TensorType, VectorType, i1

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


def _same_shape_i1():
    return TypesMatchWith("lhs", "result", i1_same_shape,
                          "result type has i1 element type and same shape as operands")


class _CompareOp(Op):
    result = result(BoolLike)
    assembly_format = "$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs)"
    _PREDICATES = CmpIPredicate

    def __init__(self, predicate=None, lhs=None, rhs=None, **kw):
        """`CmpIOp("slt", a, b)`; the predicate may also be given as its attribute."""
        if isinstance(predicate, str):
            predicate = self._PREDICATES.attr(predicate)
        super().__init__(lhs, rhs, predicate=predicate, **kw)

    @classmethod
    def infer_result_types(cls, operands, props):
        return [i1_same_shape(operands[0].type)]

    @property
    def predicate_name(self) -> str:
        return self._PREDICATES.name_of(self.predicate)


class CmpIOp(_CompareOp):
    """Integer comparison (eq, ne, slt, sle, sgt, sge, ult, ule, ugt, uge); elementwise on shaped operands.

    ```mlir
    %x = arith.cmpi slt, %lhs, %rhs : i32
    %v = arith.cmpi eq, %a, %b : vector<4xi64>
    ```
    """

    name = "arith.cmpi"
    traits = [Pure, _same_shape_i1(), SameTypeOperands] + ELEMENTWISE
    predicate = prop(CmpIPredicate)
    lhs = operand(SignlessIntegerOrIndexLike)
    rhs = operand(SignlessIntegerOrIndexLike)
    _PREDICATES = CmpIPredicate

    def fold(self, operands):
        lhs, rhs = operands
        pred = self.predicate_name
        if self.lhs is self.rhs:
            return F.bool_attr(self.result.type, pred in F.CMPI_REFLEXIVE)
        lhs_i1 = F.element_type(self.lhs.type) is i1
        if F.is_zero(rhs):
            ext = defining(self.lhs, ExtSIOp) or defining(self.lhs, ExtUIOp)
            if ext is not None and pred == "ne":
                src = ext.in_.type
                if (isinstance(src, IntegerType) or isinstance(src, VectorType)) and F.element_type(src) is i1:
                    return ext.in_
            if lhs_i1 and pred == "ne":
                return self.lhs
        if F.is_one(rhs) and lhs_i1 and pred == "eq":
            return self.lhs
        if lhs is not None and rhs is None:
            # Move the constant to the right (in place), swapping the predicate, as upstream.
            self.properties["predicate"] = CmpIPredicate.attr(_SWAPPED_CMPI[pred])
            self.set_operands([self.rhs, self.lhs])
            return self.result
        return F.fold_binary(lhs, rhs, self.result.type, F.int_fn(self.lhs.type, F.CMPI[pred]))


#: the predicate of `cmpi(b, a)` that equals `cmpi pred (a, b)`
_SWAPPED_CMPI = {"eq": "eq", "ne": "ne", "slt": "sgt", "sgt": "slt", "sle": "sge", "sge": "sle",
                 "ult": "ugt", "ugt": "ult", "ule": "uge", "uge": "ule"}


class CmpFOp(_CompareOp):
    """Floating-point comparison: ordered (o*), unordered (u*), ord, uno, and the constant false/true.

    ```mlir
    %r1 = arith.cmpf oeq, %0, %1 : f32
    %r2 = arith.cmpf ult, %0, %1 fastmath<nnan> : tensor<42x42xf64>
    ```
    """

    name = "arith.cmpf"
    traits = [Pure, _same_shape_i1(), ArithFastMathInterface, SameTypeOperands] + ELEMENTWISE
    predicate = prop(CmpFPredicate)
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    fastmath = prop(FastMathAttrConstraint, default=FASTMATH_NONE)
    assembly_format = "$predicate `,` $lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($lhs)"
    _PREDICATES = CmpFPredicate

    def fold(self, operands):
        lhs = operands[0] if isinstance(operands[0], FloatAttr) else None
        rhs = operands[1] if isinstance(operands[1], FloatAttr) else None
        # a NaN operand decides every predicate on its own
        if lhs is not None and F.is_nan(lhs):
            rhs = lhs
        if rhs is not None and F.is_nan(rhs):
            lhs = rhs
        if lhs is None or rhs is None or isinstance(self.result.type, ShapedType):
            return None
        return IntegerAttr(int(F.cmpf(self.predicate_name, lhs.value, rhs.value)), i1)


class SelectOp(Op):
    """Choose between two values by an i1 condition, or elementwise by an i1 vector/tensor of the same shape.

    ```mlir
    %x = arith.select %cond, %t, %f : i32
    %vx = arith.select %vcond, %vt, %vf : vector<42xi1>, vector<42xf32>
    ```
    """

    name = "arith.select"
    traits = [Pure, AllTypesMatch("true_value", "false_value", "result"), BooleanConditionOrMatchingShape] \
        + ELEMENTWISE
    condition = operand(BoolLike)
    true_value = operand(AnyType)
    false_value = operand(AnyType)
    result = result(AnyType)

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[1].type]

    def verify_(self):
        c, r = self.condition.type, self.result.type
        if c is i1:
            return None
        if not isinstance(r, (TensorType, VectorType)):
            return f"expected condition to be a signless i1, but got '{c}'"
        want = i1_same_shape(r)
        if c is not want:
            return (f"expected condition type to have the same shape as the result type, expected '{want}', "
                    f"but got '{c}'")
        return None

    @classmethod
    def parse(cls, parser: Parser) -> SelectOp:
        start = parser.skip_ws()
        ops = parser.parse_operand_list()
        if len(ops) != 3:
            raise parser.error("expected 3 operands", start)
        attrs = parser.parse_optional_attr_dict()
        parser.expect(":")
        t = parser.parse_type()
        cond_t = i1
        if parser.parse_optional(","):
            cond_t, t = t, parser.parse_type()
        values = [parser.resolve_operand(u, ty) for u, ty in zip(ops, (cond_t, t, t))]
        return cls.create(values, [t], {}, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operands(self.operands)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        c = self.condition.type
        if isinstance(c, ShapedType):
            printer.print_type(c)
            printer.write(", ")
        printer.print_type(self.result.type)

    def fold(self, operands):
        cond, tv, fv = operands
        if self.true_value is self.false_value:
            return self.true_value
        if F.is_one(cond):
            return self.true_value
        if F.is_zero(cond):
            return self.false_value
        if self.result.type is i1 and F.is_one(tv) and F.is_zero(fv):
            return self.condition
        cmp = defining(self.condition, CmpIOp)
        if cmp is not None and cmp.predicate_name in ("eq", "ne"):
            a, b = self.true_value, self.false_value
            if (cmp.lhs is a and cmp.rhs is b) or (cmp.rhs is a and cmp.lhs is b):
                return a if cmp.predicate_name == "ne" else b
        return F.fold_ternary(cond, tv, fv, self.result.type, lambda c, x, y: x if c else y)


OPS = [CmpIOp, CmpFOp, SelectOp]
