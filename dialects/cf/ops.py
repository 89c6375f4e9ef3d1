"""The cf dialect: unstructured control flow between the blocks of a region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.builtin.constraints import I1, AnyInteger, DenseArrayOf, StrAttr
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import (
    Op,
    operand,
    opt_prop,
    prop,
    successor,
    var_operand,
    var_successor,
)
from mlir_py.definition.traits import BranchOpInterface, MemoryEffects, Pure, Terminator, Write
from mlir_py.ir.builtin_attributes import DenseArrayAttr, DenseElementsAttr
from mlir_py.ir.builtin_types import IntegerType, VectorType, i32
from mlir_py.ir.operation import Block

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

DenseI32ArrayAttr = DenseArrayOf(i32, "i32 dense array attribute")


class AssertOp(Op):
    """Aborts the program with `msg` when `arg` is false; otherwise does nothing.

    ```mlir
    cf.assert %b, "Expected ... to be true"
    ```
    """

    name = "cf.assert"
    traits = [MemoryEffects(Write())]
    arg = operand(I1)
    msg = prop(StrAttr)
    assembly_format = "$arg `,` $msg attr-dict"

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.cf.canonicalize import ASSERT_PATTERNS
        return ASSERT_PATTERNS


class BranchOp(Op):
    """Jumps to `dest`, passing `destOperands` as its block arguments.

    ```mlir
    ^bb2:
      %2 = call @someFn() : () -> tensor<*xf32>
      cf.br ^bb3(%2 : tensor<*xf32>)
    ^bb3(%3: tensor<*xf32>):
    ```
    """

    name = "cf.br"
    traits = [BranchOpInterface, Pure, Terminator]
    destOperands = var_operand(AnyType)
    dest = successor()
    assembly_format = "$dest (`(` $destOperands^ `:` type($destOperands) `)`)? attr-dict"

    def get_successor_operands(self, index: int) -> list:
        return self.operands

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.cf.canonicalize import BRANCH_PATTERNS
        return BRANCH_PATTERNS

    def get_successor_for_operands(self, operands: Sequence[Any]) -> Block:
        return self.successors[0]


class CondBranchOp(Op):
    """Jumps to `trueDest` when `condition` is set, else to `falseDest`, each
    with its own operands; optional `weights` give the branch probabilities.

    ```mlir
    func.func @select(%a: i32, %b: i32, %flag: i1) -> i32 {
      cf.cond_br %flag weights([60, 40]), ^bb1(%a : i32), ^bb1(%b : i32)
    ^bb1(%x : i32):
      return %x : i32
    }
    ```
    """

    name = "cf.cond_br"
    traits = [BranchOpInterface, Pure, Terminator]
    condition = operand(I1)
    trueDestOperands = var_operand(AnyType)
    falseDestOperands = var_operand(AnyType)
    branch_weights = opt_prop(DenseI32ArrayAttr)
    trueDest = successor()
    falseDest = successor()
    assembly_format = (
        "$condition (`weights` `(` $branch_weights^ `)` )? `,` "
        "$trueDest (`(` $trueDestOperands^ `:` type($trueDestOperands) `)`)? `,` "
        "$falseDest (`(` $falseDestOperands^ `:` type($falseDestOperands) `)`)? attr-dict"
    )

    def get_successor_operands(self, index: int) -> list:
        return self.trueDestOperands if index == 0 else self.falseDestOperands

    def get_successor_for_operands(self, operands: Sequence[Any]) -> Block | None:
        c = operands[0] if operands else None
        v = getattr(c, "value", None)
        if v is None:
            return None
        return self.successors[0] if v else self.successors[1]

    def verify_(self) -> str | None:
        return _verify_weights(self, self.properties.get("branch_weights"))

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.cf.canonicalize import COND_BRANCH_PATTERNS
        return COND_BRANCH_PATTERNS


def _verify_weights(op: Op, weights: DenseArrayAttr | None) -> str | None:
    if weights is None or not len(weights):
        return None
    n = len(op.successors)
    if len(weights) != n:
        op.emit_error(f"expects number of branch weights to match number of successors: {len(weights)} vs {n}")
        return ""
    if all(w == 0 for w in weights):
        op.emit_error("branch weights cannot all be zero")
        return ""
    return None


class SwitchOp(Op):
    """Jumps to the destination whose case value equals `flag`, or to the
    default destination; each destination has its own operands.

    ```mlir
    cf.switch %flag : i32, [
      default: ^bb1(%a : i32),
      42: ^bb1(%b : i32),
      43: ^bb3(%c : i32)
    ]
    ```
    """

    name = "cf.switch"
    traits = [BranchOpInterface, Pure, Terminator]
    flag = operand(AnyInteger)
    defaultOperands = var_operand(AnyType)
    caseOperands = var_operand(AnyType)
    case_values = opt_prop(DenseElementsAttr)
    case_operand_segments = prop(DenseI32ArrayAttr)
    defaultDestination = successor()
    caseDestinations = var_successor()

    @classmethod
    def build(cls, flag: Any, default_dest: Block, default_operands: Sequence[Any] = (),
              case_values: Sequence[int] = (), case_dests: Sequence[Block] = (),
              case_operands: Sequence[Sequence[Any]] | None = None, location=None) -> SwitchOp:
        """Build from per-case lists, as upstream's builder does."""
        case_operands = list(case_operands) if case_operands is not None else [[] for _ in case_dests]
        props: dict[str, Any] = {"case_operand_segments": DenseArrayAttr(i32, tuple(len(c) for c in case_operands))}
        if case_values:
            props["case_values"] = DenseElementsAttr(list(case_values), VectorType((len(case_values),), flag.type))
        flat_cases = [v for c in case_operands for v in c]
        op = cls(flag, list(default_operands), flat_cases, defaultDestination=default_dest,
                 caseDestinations=list(case_dests), location=location)
        op.properties.update(props)
        return op

    # -- accessors ---------------------------------------------------------

    def case_values_list(self) -> list[int]:
        cv = self.properties.get("case_values")
        return [] if cv is None else [int(x) for x in cv.array.reshape(-1).tolist()]

    def case_operands_of(self, index: int) -> list:
        seg = self.properties.get("case_operand_segments")
        sizes = list(seg.values) if seg is not None else []
        start = sum(sizes[:index])
        return self.caseOperands[start:start + sizes[index]]

    def get_successor_operands(self, index: int) -> list:
        if index == 0:
            return self.defaultOperands
        return self.case_operands_of(index - 1)

    def get_successor_for_operands(self, operands: Sequence[Any]) -> Block | None:
        c = operands[0] if operands else None
        values = self.case_values_list()
        if not values:
            return self.successors[0]
        v = getattr(c, "value", None)
        if v is None:
            return None
        for i, cv in enumerate(values):
            if cv == v:
                return self.successors[1 + i]
        return self.successors[0]

    # -- syntax ------------------------------------------------------------

    @classmethod
    def parse(cls, parser: Parser) -> SwitchOp:
        u_flag = parser.parse_operand()
        parser.expect(":")
        tpos = parser.skip_ws()
        flag_type = parser.parse_type()
        if not isinstance(flag_type, IntegerType):
            raise parser.error("expected integer type for the switch flag", tpos)
        parser.expect(",")
        parser.expect("[")
        parser.parse_keyword("default")
        parser.expect(":")
        default_dest, default_operands = parser.parse_successor_and_use_list()
        values: list[int] = []
        dests: list[Block] = []
        case_operands: list[list] = []
        w = flag_type.width
        while parser.parse_optional(","):
            vpos = parser.skip_ws()
            v = parser.parse_integer()
            if not -(1 << (w - 1)) <= v < (1 << w):
                raise parser.error(f"case value is out of range for '{flag_type}'", vpos)
            values.append(v)
            parser.expect(":")
            dest, ops = parser.parse_successor_and_use_list()
            dests.append(dest)
            case_operands.append(ops)
        parser.expect("]")
        attrs = parser.parse_optional_attr_dict()
        flag = parser.resolve_operand(u_flag, flag_type)
        props: dict[str, Any] = {}
        for k in list(attrs):
            if k in cls.definition.props or k == "operandSegmentSizes":
                props[k] = attrs.pop(k)
        props["case_operand_segments"] = DenseArrayAttr(i32, tuple(len(c) for c in case_operands))
        if values:
            from mlir_py.ir.builtin_attributes import wrap_int
            props["case_values"] = DenseElementsAttr([wrap_int(v, flag_type) for v in values],
                                                     VectorType((len(values),), flag_type))
        flat = [v for c in case_operands for v in c]
        from mlir_py.definition.opdef import _segment_attr
        props["operandSegmentSizes"] = _segment_attr([1, len(default_operands), len(flat)])
        return cls.create([flag] + list(default_operands) + flat, [], props, attrs, (),
                          [default_dest] + dests)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.flag)
        printer.write(" : ")
        flag_type = self.flag.type
        printer.print_type(flag_type)
        printer.write(", [")
        printer.print_new_line()
        printer.write("  default: ")
        printer.print_successor_and_use_list(self.successors[0], self.defaultOperands)
        values = self.case_values_list()
        if values:
            w = flag_type.width if isinstance(flag_type, IntegerType) else 64
            for i, v in enumerate(values):
                printer.write(",")
                printer.print_new_line()
                # upstream prints the APInt as signed, whatever the width (i1 1 is -1)
                v &= (1 << w) - 1
                printer.write(f"  {v - (1 << w) if v >> (w - 1) else v}: ")
                printer.print_successor_and_use_list(self.successors[1 + i], self.case_operands_of(i))
            printer.print_new_line()
        printer.write("]")
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self) -> str | None:
        seg = self.properties.get("case_operand_segments")
        ncases = len(self.successors) - 1
        if seg is not None:
            if len(seg) != ncases:
                return (f"expected {ncases} case operand segments (one per case destination), "
                        f"but got {len(seg)}")
            if sum(seg.values) != len(self.caseOperands):
                return "case operand count does not match the sum of 'case_operand_segments'"
        cv = self.properties.get("case_values")
        if cv is None and ncases == 0:
            return None
        if cv is None:
            return f"number of case values (0) should match number of case destinations ({ncases})"
        flag_type = self.flag.type
        et = cv.type.element_type
        if et is not flag_type:
            return f"'flag' type ('{flag_type}') should match case value type ('{et}')"
        if cv.array.size != ncases:
            return (f"number of case values ({cv.array.size}) should match number of case destinations "
                    f"({ncases})")
        return None


OPS = [AssertOp, BranchOp, CondBranchOp, SwitchOp]
