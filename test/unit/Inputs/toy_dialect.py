"""A toy dialect written only with the public authoring API.

Used by test/unit/test_opdef.py and, through `mir-opt --load-dialect`, by
test/unit/test_opdef.py's command-line checks. Each op exercises one part
of the API: operand/result groups, properties with defaults, regions,
successors, traits that infer types, optional groups with else branches,
`custom<...>` directives, `functional-type`, hand-written syntax, and a
user attribute and type.
"""

from __future__ import annotations

from mlir_py.builtin.constraints import (
    I1,
    AnyFloat,
    AnyMemRef,
    FloatAttrOf,
    I64Attr,
    Index,
    StrAttr,
    TypedAttr,
    UnitAttrC,
)
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import (
    Op,
    operand,
    opt_operand,
    opt_prop,
    opt_result,
    prop,
    region,
    result,
    successor,
    var_operand,
    var_region,
    var_result,
    var_successor,
)
from mlir_py.definition.traits import (
    AllTypesMatch,
    BranchOpInterface,
    Commutative,
    IsolatedFromAbove,
    NoTerminator,
    Pure,
    SameOperandsAndResultType,
    SingleBlockImplicitTerminator,
    Terminator,
    TypesMatchWith,
)
from mlir_py.ir.attributes import AttrDef, TypeDef
from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr, UnitAttr
from mlir_py.ir.builtin_types import f32, i64

# ----------------------------------------------------------------------------
# Attributes and types
# ----------------------------------------------------------------------------


class ShapeType(TypeDef):
    """`!toy.shape<[4, 5], f32>`: the default `<p0, p1>` parameter syntax."""

    name = "toy.shape"
    parameters = ("dims", "element_type")


class ColorAttr(AttrDef):
    """`#toy.color<red>`: custom parameter syntax, checked by `verify`."""

    name = "toy.color"
    parameters = ("color",)
    COLORS = ("red", "green", "blue")

    @classmethod
    def parse_parameters(cls, parser):
        parser.expect("<")
        kw = parser.parse_keyword(what="color")
        parser.expect(">")
        return cls(kw)

    def print_parameters(self, printer) -> None:
        printer.write(f"<{self.color}>")

    def verify(self):
        return None if self.color in self.COLORS else f"unknown color '{self.color}'"


class PairAttr(AttrDef):
    """`#toy.pair<1, "x">`: default syntax with a number and a string."""

    name = "toy.pair"
    parameters = ("first", "second")


# ----------------------------------------------------------------------------
# Ops
# ----------------------------------------------------------------------------


class AddOp(Op):
    """Elementwise sum; the result type is inferred from the operands.

    ```mlir
    %s = toy.add %a, %b : f32
    ```
    """

    name = "toy.add"
    traits = [Pure, Commutative, SameOperandsAndResultType]
    lhs = operand(AnyFloat)
    rhs = operand(AnyFloat)
    result = result(AnyFloat)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


class ConstantOp(Op):
    """A typed constant; the result type is the value's type."""

    name = "toy.constant"
    traits = [Pure]
    value = prop(TypedAttr)
    result = result(AnyType)
    assembly_format = "attr-dict $value"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [props["value"].type]


class CastOp(Op):
    name = "toy.cast"
    input = operand(AnyType)
    output = result(AnyType)
    assembly_format = "$input attr-dict `:` type($input) `to` type($output)"


class SelectOp(Op):
    name = "toy.select"
    traits = [Pure, AllTypesMatch("true_value", "false_value", "result")]
    condition = operand(I1)
    true_value = operand(AnyType)
    false_value = operand(AnyType)
    result = result(AnyType)
    assembly_format = "$condition `,` $true_value `,` $false_value attr-dict `:` type($result)"


class LoadOp(Op):
    name = "toy.load"
    traits = [TypesMatchWith("memref", "result", lambda t: t.element_type, "result type matches element type")]
    memref = operand(AnyMemRef)
    indices = var_operand(Index)
    result = result(AnyType)
    assembly_format = "$memref `[` $indices `]` attr-dict `:` type($memref)"


class IsNanOp(Op):
    """A fixed result type (i1) needs no `type(...)` in the format."""

    name = "toy.isnan"
    value = operand(f32)
    result = result(I1)
    assembly_format = "$value attr-dict"


class MaybeOp(Op):
    """An optional operand and an optional result."""

    name = "toy.maybe"
    input = opt_operand(AnyType)
    output = opt_result(AnyType)
    assembly_format = "($input^ `:` type($input))? attr-dict (`->` type($output)^)?"


class TwoGroupsOp(Op):
    """Two variadic operand groups: an `operandSegmentSizes` property."""

    name = "toy.two_groups"
    first = var_operand(AnyType)
    second = var_operand(AnyType)
    assembly_format = "`(` $first `)` `(` $second `)` attr-dict `:` `(` type($first) `)` `(` type($second) `)`"


class ManyResultsOp(Op):
    """Two variadic result groups: a `resultSegmentSizes` property."""

    name = "toy.many_results"
    head = var_result(AnyType)
    tail = var_result(AnyType)
    assembly_format = "attr-dict `:` `(` type($head) `)` `(` type($tail) `)`"


class PropsOp(Op):
    """Properties with defaults: a default value is neither required nor printed."""

    name = "toy.props"
    mode = prop(StrAttr, default=StringAttr("fast"))
    alpha = opt_prop(FloatAttrOf(f32))
    count = prop(I64Attr, default=IntegerAttr(1, i64))
    flag = opt_prop(UnitAttrC)
    assembly_format = "(`flag` $flag^)? (`alpha` `=` $alpha^)? (`count` `=` $count^)? attr-dict"


class RequiredPropOp(Op):
    name = "toy.required"
    label = prop(StrAttr)
    assembly_format = "$label attr-dict"


class ElseOp(Op):
    """An optional group with an else branch: `toy.else some %x : i32` or `toy.else none`."""

    name = "toy.else"
    input = opt_operand(AnyType)
    assembly_format = "(`some` $input^ `:` type($input)) : (`none`)? attr-dict"


class CustomOp(Op):
    """`custom<Bracketed>($value, type($value))` calls parse_Bracketed / print_Bracketed."""

    name = "toy.custom"
    value = operand(AnyType)
    assembly_format = "custom<Bracketed>($value, type($value)) attr-dict"

    @classmethod
    def parse_Bracketed(cls, parser):
        parser.expect("<<")
        u = parser.parse_operand()
        parser.expect("as")
        t = parser.parse_type()
        parser.expect(">>")
        return u, t

    def print_Bracketed(self, printer, value, type) -> None:
        printer.write("<<")
        printer.print_operand(value)
        printer.write(" as ")
        printer.print_type(type)
        printer.write(">>")


class CallOp(Op):
    """`functional-type(operands, results)` spells all types at once."""

    name = "toy.call"
    callee = prop(StrAttr)
    args = var_operand(AnyType)
    res = var_result(AnyType)
    assembly_format = "$callee `(` $args `)` attr-dict `:` functional-type($args, $res)"


class YieldOp(Op):
    name = "toy.yield"
    traits = [Terminator, Pure]
    values = var_operand(AnyType)
    assembly_format = "attr-dict ($values^ `:` type($values))?"


class ScopeOp(Op):
    """One region whose terminator (`toy.yield`) the custom form may omit."""

    name = "toy.scope"
    traits = [SingleBlockImplicitTerminator("toy.yield")]
    results_ = var_result(AnyType)
    body = region()
    assembly_format = "(`->` type($results_)^)? $body attr-dict"


class IsolatedOp(Op):
    """Regions isolated from above; no terminator needed."""

    name = "toy.isolated"
    traits = [IsolatedFromAbove, NoTerminator]
    bodies = var_region()
    assembly_format = "attr-dict-with-keyword $bodies"


class BranchOp(Op):
    name = "toy.br"
    traits = [Terminator, BranchOpInterface]
    args = var_operand(AnyType)
    dest = successor()
    assembly_format = "$dest (`(` $args^ `:` type($args) `)`)? attr-dict"

    def get_successor_operands(self, index: int) -> list:
        return self.args


class SwitchOp(Op):
    name = "toy.switch"
    traits = [Terminator]
    default = successor()
    cases = var_successor()
    assembly_format = "$default `,` `[` $cases `]` attr-dict"


class PositiveOp(Op):
    """A hand-written verify_ for what no constraint can say."""

    name = "toy.positive"
    value = prop(I64Attr)
    assembly_format = "$value attr-dict"

    def verify_(self):
        if self.value.value <= 0:
            return f"expects a positive value, got {self.value.value}"
        return None


class PrintOp(Op):
    """Hand-written syntax: `toy.print %x, %y : f32, i64`."""

    name = "toy.print"
    inputs = var_operand(AnyType)

    @classmethod
    def parse(cls, parser) -> PrintOp:
        us = parser.parse_operand_list()
        types = parser.parse_colon_type_list() if us else []
        attrs = parser.parse_optional_attr_dict()
        return cls.create(parser.resolve_operands(us, types), attributes=attrs)

    def print(self, printer) -> None:
        if self.inputs:
            printer.write(" ")
            printer.print_operands(self.inputs)
            printer.write(" : ")
            printer.print_types(v.type for v in self.inputs)
        printer.print_optional_attr_dict(self.attributes)


class PaintOp(Op):
    """Uses the user attribute and type."""

    name = "toy.paint"
    color = prop(ColorAttr)
    shape = result(ShapeType)
    assembly_format = "$color attr-dict `:` type($shape)"


class GenericOnlyOp(Op):
    """No custom syntax at all: always printed in generic form."""

    name = "toy.generic_only"
    flag = opt_prop(UnitAttr)


OPS = [AddOp, ConstantOp, CastOp, SelectOp, LoadOp, IsNanOp, MaybeOp, TwoGroupsOp, ManyResultsOp, PropsOp,
       RequiredPropOp, ElseOp, CustomOp, CallOp, YieldOp, ScopeOp, IsolatedOp, BranchOp, SwitchOp, PositiveOp,
       PrintOp, PaintOp, GenericOnlyOp]

DIALECT = Dialect("toy", ops=OPS, attributes=[ColorAttr, PairAttr], types=[ShapeType],
                  description="A dialect for testing the authoring API.")
