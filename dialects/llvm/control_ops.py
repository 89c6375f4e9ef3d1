"""Terminators of the llvm dialect: branches, switch, return and unreachable.

Block arguments stand for LLVM's phi nodes: a successor's operands are the
values the phis receive along that edge (the translation builds the phis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.llvm.constraints import AnyInt, AnyLLVMType

from mlir_py.builtin.constraints import I1, DenseArrayOf
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, opt_operand, opt_prop, prop, successor, var_operand, var_successor
from mlir_py.definition.traits import BranchOpInterface, Pure, ReturnLike, Terminator
from mlir_py.ir.builtin_attributes import DenseArrayAttr, DenseElementsAttr
from mlir_py.ir.builtin_types import IntegerType, VectorType, i32
from mlir_py.ir.operation import Block

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

DenseI32Array = DenseArrayOf(i32, "i32 dense array attribute")


class BrOp(Op):
    """Unconditional branch; `destOperands` become the destination's block arguments (its phis).

    ```mlir
    llvm.br ^bb1(%x : i32)
    ```
    """

    name = "llvm.br"
    traits = [BranchOpInterface, Pure, Terminator]
    destOperands = var_operand(AnyType)
    dest = successor()
    assembly_format = "$dest (`(` $destOperands^ `:` type($destOperands) `)`)? attr-dict"

    def get_successor_operands(self, index: int) -> list:
        return self.destOperands


class CondBrOp(Op):
    """Conditional branch on an i1, each edge with its own operands and optional branch weights.

    ```mlir
    llvm.cond_br %c weights([1, 2]), ^bb1, ^bb2(%x : i32)
    ```
    """

    name = "llvm.cond_br"
    traits = [BranchOpInterface, Pure, Terminator]
    condition = operand(I1)
    trueDestOperands = var_operand(AnyType)
    falseDestOperands = var_operand(AnyType)
    branch_weights = opt_prop(DenseI32Array)
    trueDest = successor()
    falseDest = successor()
    assembly_format = (
        "$condition (`weights` `(` $branch_weights^ `)` )? `,` "
        "$trueDest (`(` $trueDestOperands^ `:` type($trueDestOperands) `)`)? `,` "
        "$falseDest (`(` $falseDestOperands^ `:` type($falseDestOperands) `)`)? attr-dict"
    )

    def get_successor_operands(self, index: int) -> list:
        return self.trueDestOperands if index == 0 else self.falseDestOperands


class SwitchOp(Op):
    """Multi-way branch on an integer: the case whose value equals `value`, else the default.

    ```mlir
    llvm.switch %v : i32, ^bb1 [
      1: ^bb2(%x : i32),
      2: ^bb3
    ]
    ```
    """

    name = "llvm.switch"
    traits = [BranchOpInterface, Pure, Terminator]
    value = operand(AnyInt)
    defaultOperands = var_operand(AnyType)
    caseOperands = var_operand(AnyType)
    case_values = opt_prop(DenseElementsAttr)
    case_operand_segments = prop(DenseI32Array)
    branch_weights = opt_prop(DenseI32Array)
    defaultDestination = successor()
    caseDestinations = var_successor()

    @classmethod
    def build(cls, value: Any, default_dest: Block, default_operands: Sequence[Any] = (),
              case_values: Sequence[int] = (), case_dests: Sequence[Block] = (),
              case_operands: Sequence[Sequence[Any]] | None = None, location=None) -> SwitchOp:
        """Build from per-case lists (one operand list per case destination)."""
        case_ops = [list(c) for c in case_operands] if case_operands is not None else [[] for _ in case_dests]
        props: dict[str, Any] = {"case_operand_segments": DenseArrayAttr(i32, tuple(len(c) for c in case_ops))}
        if case_values:
            props["case_values"] = DenseElementsAttr(list(case_values), VectorType((len(case_values),), value.type))
        op = cls(value, list(default_operands), [v for c in case_ops for v in c], defaultDestination=default_dest,
                 caseDestinations=list(case_dests), location=location)
        op.properties.update(props)
        return op

    def case_values_list(self) -> list[int]:
        cv = self.properties.get("case_values")
        return [] if cv is None else [int(x) for x in cv.array.reshape(-1).tolist()]

    def case_operands_of(self, index: int) -> list:
        sizes = list(self.properties["case_operand_segments"].values)
        start = sum(sizes[:index])
        return self.caseOperands[start:start + sizes[index]]

    def get_successor_operands(self, index: int) -> list:
        return self.defaultOperands if index == 0 else self.case_operands_of(index - 1)

    @classmethod
    def parse(cls, parser: Parser) -> SwitchOp:
        u = parser.parse_operand()
        parser.expect(":")
        tpos = parser.skip_ws()
        t = parser.parse_type()
        if not isinstance(t, IntegerType):
            raise parser.error("expected integer type for the switch value", tpos)
        parser.expect(",")
        default_dest, default_ops = parser.parse_successor_and_use_list()
        parser.expect("[")
        values: list[int] = []
        dests: list[Block] = []
        case_ops: list[list] = []
        if not parser.peek("]"):
            while True:
                vpos = parser.skip_ws()
                v = parser.parse_integer()
                w = t.width
                if not -(1 << (w - 1)) <= v < (1 << w):
                    raise parser.error(f"case value is out of range for '{t}'", vpos)
                parser.expect(":")
                d, ops = parser.parse_successor_and_use_list()
                values.append(v)
                dests.append(d)
                case_ops.append(ops)
                if not parser.parse_optional(","):
                    break
        parser.expect("]")
        attrs = parser.parse_optional_attr_dict()
        props: dict[str, Any] = {}
        for k in list(attrs):
            if k in cls.definition.props:
                props[k] = attrs.pop(k)
        props["case_operand_segments"] = DenseArrayAttr(i32, tuple(len(c) for c in case_ops))
        if values:
            from mlir_py.ir.builtin_attributes import wrap_int
            props["case_values"] = DenseElementsAttr([wrap_int(v, t) for v in values], VectorType((len(values),), t))
        from mlir_py.definition.opdef import _segment_attr
        flat = [v for c in case_ops for v in c]
        props["operandSegmentSizes"] = _segment_attr([1, len(default_ops), len(flat)])
        value = parser.resolve_operand(u, t)
        return cls.create([value] + list(default_ops) + flat, [], props, attrs, (), [default_dest] + dests)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.value)
        printer.write(" : ")
        t = self.value.type
        printer.print_type(t)
        printer.write(", ")
        printer.print_successor_and_use_list(self.successors[0], self.defaultOperands)
        printer.write(" [")
        w = t.width if isinstance(t, IntegerType) else 64
        for i, v in enumerate(self.case_values_list()):
            if i:
                printer.write(",")
            printer.print_new_line()
            v &= (1 << w) - 1
            printer.write(f"  {v - (1 << w) if v >> (w - 1) else v}: ")
            printer.print_successor_and_use_list(self.successors[1 + i], self.case_operands_of(i))
        printer.print_new_line()
        printer.write("]")
        shown = dict(self.attributes)
        bw = self.properties.get("branch_weights")
        if bw is not None:
            shown["branch_weights"] = bw
        printer.print_optional_attr_dict(shown)

    def verify_(self) -> str | None:
        ncases = len(self.successors) - 1
        seg = self.properties["case_operand_segments"]
        if len(seg) != ncases:
            return f"expects number of case operand segments ({len(seg)}) to match number of case destinations " \
                   f"({ncases})"
        cv = self.properties.get("case_values")
        n = 0 if cv is None else cv.array.size
        if n != ncases:
            return f"expects number of case values ({n}) to match number of case destinations ({ncases})"
        if cv is not None and cv.type.element_type is not self.value.type:
            return "expects case value type to match condition value type"
        return None


class ReturnOp(Op):
    """Returns from the enclosing llvm.func, with at most one value.

    ```mlir
    llvm.return %x : i32
    ```
    """

    name = "llvm.return"
    traits = [Pure, ReturnLike, Terminator]
    arg = opt_operand(AnyLLVMType)
    assembly_format = "attr-dict ($arg^ `:` type($arg))?"

    def verify_(self) -> str | None:
        fn = self.parent_op
        if fn is None or fn.name != "llvm.func":
            return None
        ft = fn.properties.get("function_type")
        ft = getattr(ft, "value", None)
        results = getattr(ft, "results", None)
        if results is None:
            return None
        if not results:
            if self.arg is not None:
                return "expected no operands"
            return None
        if self.arg is None:
            return "expected 1 operand"
        if self.arg.type is not results[0]:
            return "mismatching result types"
        return None


class UnreachableOp(Op):
    """Marks a point control never reaches (LLVM `unreachable`).

    ```mlir
    llvm.unreachable
    ```
    """

    name = "llvm.unreachable"
    traits = [Terminator]
    assembly_format = "attr-dict"


OPS = [BrOp, CondBrOp, SwitchOp, ReturnOp, UnreachableOp]
