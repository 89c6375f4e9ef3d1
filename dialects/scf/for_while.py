"""scf's sequential loops: `scf.for` (with loop-carried `iter_args`) and the
general `scf.while` with its `scf.condition` terminator.

Syntax, verifier messages and printing follow upstream MLIR (LLVM 22).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.scf.region_branch import verify_edges
from mlir_py.dialects.scf.syntax import (
    constant_int,
    custom_op_error,
    ensure_terminator,
    parse_assignment_list,
    print_initialization_list,
    terminator_of,
)

from mlir_py.builtin.constraints import I1, AnySignlessIntegerOrIndex, UnitAttrC
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, opt_prop, region, var_operand, var_result
from mlir_py.definition.traits import (
    AllTypesMatch,
    AutomaticAllocationScope,
    ConditionallySpeculatable,
    HasParent,
    LoopLikeOpInterface,
    Pure,
    RecursiveMemoryEffects,
    RegionBranchOpInterface,
    ReturnLike,
    SingleBlock,
    SingleBlockImplicitTerminator,
    Speculation,
    Terminator,
)
from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.builtin_types import FunctionType, IndexType, index
from mlir_py.ir.operation import Block, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


def _region_count_error(op: Op, names: Sequence[str]) -> str | None:
    """ODS's SizedRegion<1> check: each named region holds exactly one block."""
    for i, (r, n) in enumerate(zip(op.regions, names)):
        if r.num_blocks() != 1:
            return f"region #{i} ('{n}') failed to verify constraint: region with 1 blocks"
    return None


class ForOp(Op):
    """A counted loop: the body runs for `lowerBound` up to (excluding)
    `upperBound` by `step`, with the induction variable as its first block
    argument. `iter_args` are loop-carried values: the body receives the
    current ones after the induction variable and yields the next; the op's
    results are the final ones. Bounds and step are signless integers or index
    (the induction variable's type, spelled after `:` when not index); the
    comparison is signed unless `unsigned` is given.

    ```mlir
    %sum = scf.for %iv = %lb to %ub step %c1 iter_args(%acc = %zero) -> (f32) {
      %t = memref.load %buf[%iv] : memref<?xf32>
      %next = arith.addf %acc, %t : f32
      scf.yield %next : f32
    }
    ```
    """

    name = "scf.for"
    traits = [AutomaticAllocationScope, LoopLikeOpInterface,
              AllTypesMatch("lowerBound", "upperBound", "step"), ConditionallySpeculatable,
              RegionBranchOpInterface, SingleBlockImplicitTerminator("scf.yield"), RecursiveMemoryEffects]
    lowerBound = operand(AnySignlessIntegerOrIndex)
    upperBound = operand(AnySignlessIntegerOrIndex)
    step = operand(AnySignlessIntegerOrIndex)
    initArgs = var_operand(AnyType)
    unsignedCmp = opt_prop(UnitAttrC)
    results_ = var_result(AnyType)
    region = region()

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.scf.canonicalize import FOR_PATTERNS
        return FOR_PATTERNS

    @classmethod
    def build(cls, lower: Value, upper: Value, step: Value, iter_args: Sequence[Value] = (), *,
              unsigned: bool = False, location: Any = None) -> ForOp:
        """A loop whose body block takes the induction variable and one argument per
        iter_arg; without iter_args the body already ends in `scf.yield` (as upstream's
        builder), with them the caller adds the yield."""
        iter_args = list(iter_args)
        block = Block([lower.type] + [v.type for v in iter_args])
        props = {"unsignedCmp": UnitAttr()} if unsigned else {}
        op = cls.create([lower, upper, step] + iter_args, [v.type for v in iter_args], props, None,
                        [Region([block])], (), location)
        if not iter_args:
            block.append(YieldOp.create())
        return op

    # -- accessors ---------------------------------------------------------------

    @property
    def body(self) -> Block:
        b = self.region.first_block
        assert b is not None
        return b

    @property
    def induction_var(self) -> Value:
        return self.body.args[0]

    @property
    def region_iter_args(self) -> list[Value]:
        return list(self.body.args[1:])

    @property
    def yielded_values(self) -> list[Value]:
        t = self.body.last_op
        return list(t.operands) if t is not None else []

    def get_loop_regions(self) -> list[Region]:
        return [self.region]

    def get_speculatability(self) -> str:
        """Recursively speculatable when the step is the constant 1, since such a loop
        always terminates; otherwise not (upstream's ForOp::getSpeculatability)."""
        return Speculation.RECURSIVELY_SPECULATABLE if constant_int(self.step) == 1 \
            else Speculation.NOT_SPECULATABLE

    # -- syntax --------------------------------------------------------------------

    @classmethod
    def parse(cls, parser: Parser) -> ForOp:
        unsigned = parser.parse_optional_keyword("unsigned") is not None
        iv = parser.parse_operand()
        parser.expect("=")
        lb = parser.parse_operand()
        parser.parse_keyword("to")
        ub = parser.parse_operand()
        parser.parse_keyword("step")
        st = parser.parse_operand()
        inner, outer, types = [], [], []
        if parser.parse_optional_keyword("iter_args"):
            inner, outer = parse_assignment_list(parser)
            types = parser.parse_arrow_type_list()
        if len(inner) != len(types):
            raise custom_op_error(parser, cls.name, "mismatch in number of loop-carried values and defined values")
        t = parser.parse_type() if parser.parse_optional(":") else index
        operands = [parser.resolve_operand(lb, t), parser.resolve_operand(ub, t), parser.resolve_operand(st, t)]
        operands += parser.resolve_operands(outer, types)
        body = parser.parse_region([(iv, t, None)] + [(a, ty, None) for a, ty in zip(inner, types)])
        ensure_terminator(body, YieldOp.create)
        attrs = parser.parse_optional_attr_dict()
        props = {}
        if unsigned:
            props["unsignedCmp"] = UnitAttr()
        if "unsignedCmp" in attrs:
            props["unsignedCmp"] = attrs.pop("unsignedCmp")
        return cls.create(operands, types, props, attrs, [body])

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" unsigned " if "unsignedCmp" in self.properties else " ")
        w(f"{printer.value_name(self.induction_var)} = {printer.value_name(self.lowerBound)} to "
          f"{printer.value_name(self.upperBound)} step {printer.value_name(self.step)}")
        inits = self.initArgs
        print_initialization_list(printer, self.region_iter_args, inits, " iter_args")
        if inits:
            w(" -> (")
            printer.print_types(v.type for v in inits)
            w(")")
        w(" ")
        t = self.induction_var.type
        if not isinstance(t, IndexType):
            w(" : ")
            printer.print_type(t)
            w(" ")
        printer.print_region(self.region, print_entry_block_args=False, print_block_terminators=bool(inits))
        printer.print_optional_attr_dict(self.attributes)

    # -- verification ----------------------------------------------------------------

    def verify_(self) -> str | None:
        if len(self.initArgs) != len(self.results):
            return "mismatch in number of loop-carried values and defined values"
        err = _region_count_error(self, ["region"])
        if err:
            return err
        body = self.body
        if not body.args or body.args[0].type is not self.lowerBound.type:
            return "expected induction variable to be same type as bounds and step"
        if len(body.args) - 1 != len(self.results):
            return "mismatch in number of basic block args and defined values"
        term = body.last_op
        if not isinstance(term, YieldOp):
            return None  # the terminator's own checks report it
        iter_types = [a.type for a in body.args[1:]]
        if len(term.operands) != len(iter_types):
            return (f"different number of region iter_args and yielded values: {len(iter_types)} != "
                    f"{len(term.operands)}")
        res_types = [r.type for r in self.results]
        return verify_edges(self, [
            (None, "Region #0", self.initArgs, iter_types),
            (None, f"Operation {self.name}", self.initArgs, res_types),
            (term, "Region #0", term.operands, iter_types),
            (term, f"Operation {self.name}", term.operands, res_types),
        ])


class WhileOp(Op):
    """A general loop of two regions: `before` computes the condition and ends in
    `scf.condition`, which either passes its values to `after` (the loop body,
    whose `scf.yield` feeds `before` again) or ends the loop with them as the
    op's results. The operands initialize `before`'s arguments.

    ```mlir
    %res = scf.while (%arg1 = %init) : (i32) -> i32 {
      %cond = arith.cmpi slt, %arg1, %n : i32
      scf.condition(%cond) %arg1 : i32
    } do {
    ^bb0(%arg2: i32):
      %next = arith.addi %arg2, %c1 : i32
      scf.yield %next : i32
    }
    ```
    """

    name = "scf.while"
    traits = [RegionBranchOpInterface, LoopLikeOpInterface, RecursiveMemoryEffects, SingleBlock]
    inits = var_operand(AnyType)
    results_ = var_result(AnyType)
    before = region()
    after = region()

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.scf.while_patterns import WHILE_PATTERNS
        return WHILE_PATTERNS

    @classmethod
    def build(cls, result_types: Sequence[Any], inits: Sequence[Value], *, location: Any = None) -> WhileOp:
        """A loop whose `before` block takes the inits' types and whose `after` block takes
        `result_types`; the caller fills both blocks and their terminators."""
        inits = list(inits)
        before = Region([Block([v.type for v in inits])])
        after = Region([Block(list(result_types))])
        return cls.create(inits, list(result_types), {}, None, [before, after], (), location)

    @property
    def before_body(self) -> Block:
        b = self.before.first_block
        assert b is not None
        return b

    @property
    def after_body(self) -> Block:
        b = self.after.first_block
        assert b is not None
        return b

    def get_loop_regions(self) -> list[Region]:
        return [self.before, self.after]

    @classmethod
    def parse(cls, parser: Parser) -> WhileOp:
        inner, outer = [], []
        if parser.peek("("):
            inner, outer = parse_assignment_list(parser)
        tpos = parser.skip_ws()
        parser.expect(":")
        ft = parser.parse_type()
        if not isinstance(ft, FunctionType):
            raise custom_op_error(parser, cls.name, "invalid kind of type specified: expected builtin.function, "
                                  f"but found '{ft}'", tpos)
        if len(ft.inputs) != len(outer):
            raise custom_op_error(parser, cls.name, f"expected as many input types as operands (expected "
                                  f"{len(outer)} got {len(ft.inputs)})", tpos)
        operands = parser.resolve_operands(outer, list(ft.inputs))
        before = parser.parse_region([(a, t, None) for a, t in zip(inner, ft.inputs)])
        parser.parse_keyword("do")
        after = parser.parse_region()
        attrs = parser.parse_optional_attr_dict_with_keyword()
        return cls.create(operands, list(ft.results), {}, attrs, [before, after])

    def print(self, printer: Printer) -> None:
        w = printer.write
        bb = self.before.first_block
        print_initialization_list(printer, bb.args if bb is not None else [], self.inits, " ")
        w(" : ")
        printer.print_function_type([v.type for v in self.inits], [r.type for r in self.results])
        w(" ")
        printer.print_region(self.before, print_entry_block_args=False)
        w(" do ")
        printer.print_region(self.after)
        printer.print_optional_attr_dict_with_keyword(self.attributes)

    def verify_(self) -> str | None:
        err = _region_count_error(self, ["before", "after"])
        if err:
            return err
        cond = terminator_of(self.before)
        if not isinstance(cond, ConditionOp):
            return _terminator_error(self, cond, "expects the 'before' region to terminate with 'scf.condition'")
        yld = terminator_of(self.after)
        if not isinstance(yld, YieldOp):
            return _terminator_error(self, yld, "expects the 'after' region to terminate with 'scf.yield'")
        before_types = [a.type for a in self.before_body.args]
        after_types = [a.type for a in self.after_body.args]
        return verify_edges(self, [
            (None, "Region #0", self.inits, before_types),
            (cond, f"Operation {self.name}", cond.args, [r.type for r in self.results]),
            (cond, "Region #1", cond.args, after_types),
            (yld, "Region #0", yld.operands, before_types),
        ])


def _terminator_error(op: Op, term: Any, message: str) -> str:
    """Upstream's verifyAndGetTerminator: the error at the op, a note at a wrong terminator."""
    d = op.emit_op_error(message)
    if term is not None:
        d.attach_note("terminator here", term.location)
    return ""


class ConditionOp(Op):
    """Ends `scf.while`'s `before` region: when `condition` holds, `args` go to the
    `after` region, otherwise they become the loop's results.

    ```mlir
    scf.condition(%cond) %arg1, %arg2 : i32, f32
    ```
    """

    name = "scf.condition"
    traits = [HasParent("scf.while"), Pure, Terminator]
    condition = operand(I1)
    args = var_operand(AnyType)
    assembly_format = "`(` $condition `)` attr-dict ($args^ `:` type($args))?"


class _ParentOneOf(HasParent):
    """HasParent worded as upstream's ParentOneOf: all names inside one pair of quotes."""

    def verify(self, op):
        p = op.parent_op
        if p is None or p.name not in self.parents:
            return f"expects parent op to be one of '{', '.join(self.parents)}'"
        return None


class YieldOp(Op):
    """Ends the regions of scf.for, scf.if, scf.while (`after`), scf.index_switch
    and scf.execute_region, passing its operands to the parent op's results or
    the next iteration. Where the parent has no results it may be left out of
    the custom syntax.

    ```mlir
    scf.yield %next, %flag : f32, i1
    ```
    """

    name = "scf.yield"
    traits = [_ParentOneOf("scf.execute_region", "scf.for", "scf.if", "scf.index_switch", "scf.while"), Pure,
              ReturnLike, Terminator]
    results_ = var_operand(AnyType)
    assembly_format = "attr-dict ($results_^ `:` type($results_))?"


__all__ = ["ConditionOp", "ForOp", "WhileOp", "YieldOp"]
