"""Communication between work items: gpu.shuffle (within a subgroup), gpu.subgroup_reduce and
gpu.all_reduce (a subgroup's or a workgroup's values combined, by a named operation or by a
region ending in gpu.yield), and gpu.printf.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.gpu.attributes import (
    ALL_REDUCE_OPS,
    FLOAT_REDUCTIONS,
    INT_REDUCTIONS,
    SHUFFLE_MODES,
    AllReduceOperation,
    AllReduceOperationAttr,
    ShuffleMode,
    ShuffleModeAttr,
)

from mlir_py.builtin.constraints import AnyFloat, AnyInteger, Index, IntAttrOf, UnitAttrC
from mlir_py.definition.constraints import AnyOf, AnyType, EqAttr, Predicate
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, region, result, var_operand
from mlir_py.definition.traits import (
    AllTypesMatch,
    IsolatedFromAbove,
    MemoryEffects,
    Pure,
    ReturnLike,
    SameOperandsAndResultType,
    Terminator,
    Write,
)
from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType, i1, i32
from mlir_py.ir.operation import Block, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

IntegerOrFloat = AnyOf(AnyInteger, AnyFloat, description="Integer or Float")
IntegerOrFloatOr1DVector = Predicate(
    lambda t: isinstance(t, (IntegerType, FloatType)) or (
        isinstance(t, VectorType) and len(t.shape) == 1 and isinstance(t.element_type, (IntegerType, FloatType))),
    "Integer or Float or vector of")
I32 = EqAttr(i32)
I32.description = "32-bit signless integer"
I1 = EqAttr(i1)
I1.description = "1-bit signless integer"
I32Attr = IntAttrOf(32)


def reduction_type_error(op_name: str, t: Any) -> str | None:
    """Upstream's verifyReduceOpAndType: float-only reductions need floats, integer-only ones
    integers."""
    elem = t.element_type if isinstance(t, VectorType) else t
    if (isinstance(elem, FloatType) and op_name not in FLOAT_REDUCTIONS) or \
            (isinstance(elem, IntegerType) and op_name not in INT_REDUCTIONS):
        return f"`{op_name}` reduction operation is not compatible with type '{t}'"
    return None


def _parse_unary_function_type(parser: Parser, operand: Any) -> tuple[Value, Any]:
    """`: (T) -> R` after a reduction: the operand resolved to T, and R."""
    parser.expect(":")
    pos = parser.skip_ws()
    ft = parser.parse_type()
    ins, outs = getattr(ft, "inputs", None), getattr(ft, "results", None)
    if ins is None or outs is None or len(ins) != 1 or len(outs) != 1:
        raise parser.error("expected a function type from one operand to one result", pos)
    return parser.resolve_operand(operand, ins[0]), outs[0]


def _reduction_attr(op: str | None) -> AllReduceOperationAttr | None:
    return AllReduceOperationAttr(ALL_REDUCE_OPS[op]) if op is not None else None


class AllReduceOp(Op):
    """Combines `value` across all work items of the workgroup; every work item gets the
    result. The combination is a named operation (`add`, `mul`, `minsi`, `maxnumf`, `and`, ...)
    or a region of two arguments ending in `gpu.yield`. `uniform`: all work items or none reach
    it.

    ```mlir
    %sum = gpu.all_reduce add %v {} : (f32) -> f32
    %max = gpu.all_reduce %v {
    ^bb0(%lhs: f32, %rhs: f32):
      %m = arith.maximumf %lhs, %rhs : f32
      gpu.yield %m : f32
    } : (f32) -> f32
    ```
    """

    name = "gpu.all_reduce"
    traits = [IsolatedFromAbove, SameOperandsAndResultType]
    value = operand(IntegerOrFloat)
    op = opt_prop(AllReduceOperation)
    uniform = opt_prop(UnitAttrC)
    result_ = result(IntegerOrFloat)
    body = region()

    @classmethod
    def build(cls, value: Value, op: str | None = None, *, uniform: bool = False, location: Any = None
              ) -> AllReduceOp:
        """With `op` a named reduction (the body stays empty); without, the body gets one block
        of two arguments of the value's type for the caller to fill and end with `gpu.yield`."""
        body = Region() if op is not None else Region([Block([value.type, value.type])])
        return cls(value, op=_reduction_attr(op), uniform=UnitAttr() if uniform else None, body=body,
                   location=location)

    @classmethod
    def parse(cls, parser: Parser) -> AllReduceOp:
        props: dict[str, Any] = {}
        if AllReduceOperation.peek_short(parser):
            props["op"] = AllReduceOperation.parse_short(parser)
        u = parser.parse_operand()
        if parser.parse_optional_keyword("uniform"):
            props["uniform"] = UnitAttr()
        body = parser.parse_region(isolated=True)
        attrs = parser.parse_optional_attr_dict()
        for k in ("op", "uniform"):
            if k in attrs:
                props[k] = attrs.pop(k)
        v, result_type = _parse_unary_function_type(parser, u)
        return cls.create([v], [result_type], props, attrs, [body])

    def print(self, printer: Printer) -> None:
        op = self.properties.get("op")
        if op is not None:
            printer.write(" ")
            AllReduceOperation.print_short(printer, op)
        printer.write(" " + printer.value_name(self.value))
        if "uniform" in self.properties:
            printer.write(" uniform")
        printer.write(" ")
        printer.print_region(self.body)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_function_type([self.value.type], [self.result_.type])

    def verify_(self) -> str | None:
        op = self.properties.get("op")
        body = self.body
        if body.is_empty() != (op is not None):
            self.emit_error("expected either an op attribute or a non-empty body")
            return ""
        t = self.result_.type
        if not body.is_empty():
            args = body.first_block.args  # type: ignore[union-attr]
            if len(args) != 2:
                self.emit_error("expected two region arguments")
                return ""
            if any(a.type is not t for a in args):
                self.emit_error("incorrect region argument type")
                return ""
            yields = 0
            for b in body.blocks:
                last = b.last_op
                if isinstance(last, YieldOp):
                    if len(last.values) != 1:
                        self.emit_error("expected one gpu.yield operand")
                        return ""
                    if last.values[0].type is not t:
                        self.emit_error("incorrect gpu.yield type")
                        return ""
                    yields += 1
            if not yields:
                self.emit_error("expected gpu.yield op in region")
                return ""
            return None
        err = reduction_type_error(op.case_names[0], t)
        if err:
            self.emit_error(err)
            return ""
        return None


class SubgroupReduceOp(Op):
    """Combines `value` across the work items of a subgroup (a vector element-wise), or across
    clusters of `size` lanes `stride` apart; every participating lane gets its cluster's result.

    ```mlir
    %sum = gpu.subgroup_reduce add %v cluster(size = 4) : (f32) -> f32
    ```
    """

    name = "gpu.subgroup_reduce"
    traits = [Pure, SameOperandsAndResultType]
    value = operand(IntegerOrFloatOr1DVector)
    op = prop(AllReduceOperation)
    uniform = opt_prop(UnitAttrC)
    cluster_size = opt_prop(I32Attr)
    cluster_stride = prop(I32Attr, default=IntegerAttr(1, i32))
    result_ = result(IntegerOrFloatOr1DVector)

    @classmethod
    def build(cls, value: Value, op: str, *, uniform: bool = False, cluster_size: int | None = None,
              cluster_stride: int = 1, location: Any = None) -> SubgroupReduceOp:
        return cls(value, op=_reduction_attr(op), uniform=UnitAttr() if uniform else None,
                   cluster_size=IntegerAttr(cluster_size, i32) if cluster_size is not None else None,
                   cluster_stride=IntegerAttr(cluster_stride, i32), location=location)

    @classmethod
    def parse(cls, parser: Parser) -> SubgroupReduceOp:
        props: dict[str, Any] = {"op": AllReduceOperation.parse_short(parser)}
        u = parser.parse_operand()
        if parser.parse_optional_keyword("uniform"):
            props["uniform"] = UnitAttr()
        props["cluster_stride"] = IntegerAttr(1, i32)
        if parser.parse_optional_keyword("cluster"):
            parser.expect("(")
            parser.parse_keyword("size")
            parser.expect("=")
            props["cluster_size"] = IntegerAttr(parser.parse_integer(), i32)
            if parser.parse_optional(","):
                parser.parse_keyword("stride")
                parser.expect("=")
                props["cluster_stride"] = IntegerAttr(parser.parse_integer(), i32)
            parser.expect(")")
        attrs = parser.parse_optional_attr_dict()
        for k in ("op", "uniform", "cluster_size", "cluster_stride"):
            if k in attrs:
                props[k] = attrs.pop(k)
        v, result_type = _parse_unary_function_type(parser, u)
        return cls.create([v], [result_type], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        AllReduceOperation.print_short(printer, self.properties["op"])
        printer.write(" " + printer.value_name(self.value))
        if "uniform" in self.properties:
            printer.write(" uniform")
        size = self.properties.get("cluster_size")
        if size is not None:
            printer.write(f" cluster(size = {size.value}")
            stride = self.properties.get("cluster_stride")
            if stride is not None and stride.value != 1:
                printer.write(f", stride = {stride.value}")
            printer.write(")")
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_function_type([self.value.type], [self.result_.type])

    def verify_(self) -> str | None:
        t = self.result_.type
        if isinstance(t, VectorType) and any(getattr(t, "scalable_dims", ()) or ()):
            return "is not compatible with scalable vector types"
        err = reduction_type_error(self.properties["op"].case_names[0], t)
        if err:
            self.emit_error(err)
            return ""
        size = self.properties.get("cluster_size")
        if size is not None and (size.value <= 0 or size.value & (size.value - 1)):
            return f"cluster size {size.value} is not a power of two"
        stride = self.properties["cluster_stride"].value
        if stride != 1 and size is None:
            return "cluster stride can only be specified if cluster size is specified"
        if stride <= 0 or stride & (stride - 1):
            return f"cluster stride {stride} is not a power of two"
        return None


class ShuffleOp(Op):
    """Exchanges `value` between the lanes of a subgroup: lane i reads the value of lane
    `i xor offset` (`xor`), `i - offset` (`up`), `i + offset` (`down`) or `offset` (`idx`),
    among the first `width` lanes; `valid` is false when that lane is out of range.

    ```mlir
    %shfl, %valid = gpu.shuffle xor %v, %offset, %width : f32
    ```
    """

    name = "gpu.shuffle"
    traits = [Pure, AllTypesMatch("value", "shuffleResult")]
    value = operand(IntegerOrFloatOr1DVector)
    offset = operand(I32)
    width = operand(I32)
    mode = prop(ShuffleMode)
    shuffleResult = result(IntegerOrFloatOr1DVector)
    valid = result(I1)
    assembly_format = "$mode $value `,` $offset `,` $width attr-dict `:` type($value)"

    @classmethod
    def build(cls, mode: str, value: Value, offset: Value, width: Value, *, location: Any = None) -> ShuffleOp:
        """`mode` one of xor/up/down/idx."""
        return cls(value, offset, width, mode=ShuffleModeAttr(SHUFFLE_MODES[mode]), location=location)

    def get_asm_result_name(self) -> dict[int, str]:
        return {0: "shuffleResult", 1: "valid"}


class YieldOp(Op):
    """Ends a `gpu.all_reduce` body (and other gpu regions) with the combined value.

    ```mlir
    gpu.yield %sum : f32
    ```
    """

    name = "gpu.yield"
    traits = [Pure, ReturnLike, Terminator]
    values = var_operand(AnyType)
    assembly_format = "attr-dict ($values^ `:` type($values))?"

    @classmethod
    def build(cls, values: Sequence[Value] = (), *, location: Any = None) -> YieldOp:
        return cls(list(values), location=location)


FormatString = Predicate(lambda a: isinstance(a, StringAttr), "string attribute")
PrintfArg = AnyOf(AnyInteger, Index, AnyFloat, description="variadic of integer or index or floating-point")


class PrintfOp(Op):
    """Prints `format` (printf-style) with the arguments, from every work item that executes
    it.

    ```mlir
    gpu.printf "thread %d: %f\\n", %tid, %v : index, f32
    ```
    """

    name = "gpu.printf"
    traits = [MemoryEffects(Write())]
    format = prop(FormatString)
    args = var_operand(PrintfArg)

    @classmethod
    def build(cls, format: str, args: Sequence[Value] = (), *, location: Any = None) -> PrintfOp:
        return cls(list(args), format=StringAttr(format), location=location)

    @classmethod
    def parse(cls, parser: Parser) -> PrintfOp:
        props: dict[str, Any] = {"format": StringAttr(parser.parse_string())}
        attrs = parser.parse_optional_attr_dict()
        if "format" in attrs:
            props["format"] = attrs.pop("format")
        args: list[Value] = []
        if parser.parse_optional(","):
            us = [parser.parse_operand()]
            while parser.parse_optional(","):
                us.append(parser.parse_operand())
            parser.expect(":")
            types = parser.parse_type_list()
            args = parser.resolve_operands(us, types)
        return cls.create(args, [], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_string_literal(self.properties["format"].value)
        printer.print_optional_attr_dict(self.attributes)
        if self.args:
            printer.write(", " + ", ".join(printer.value_name(v) for v in self.args) + " : ")
            printer.print_types(v.type for v in self.args)


OPS = [AllReduceOp, SubgroupReduceOp, ShuffleOp, YieldOp, PrintfOp]
