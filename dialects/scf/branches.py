"""scf's branching ops: `scf.if`, `scf.index_switch` and
`scf.execute_region`. Their regions run at most once and end in `scf.yield`.

Syntax, verifier messages and printing follow upstream MLIR (LLVM 22).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.scf.for_while import YieldOp
from mlir_py.dialects.scf.region_branch import verify_edges
from mlir_py.dialects.scf.syntax import custom_op_error, ensure_terminator, terminator_of

from mlir_py.builtin.constraints import I1, DenseArrayOf, Index, UnitAttrC
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, region, var_region, var_result
from mlir_py.definition.traits import (
    RecursivelySpeculatable,
    RecursiveMemoryEffects,
    RegionBranchOpInterface,
    SingleBlockImplicitTerminator,
)
from mlir_py.ir.builtin_attributes import DenseArrayAttr, UnitAttr
from mlir_py.ir.builtin_types import i64, index
from mlir_py.ir.operation import Block, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

DenseI64ArrayAttr = DenseArrayOf(i64, "i64 dense array attribute")


class IfOp(Op):
    """Runs the `then` region when `condition` holds, else the (possibly empty)
    `else` region; with results, both regions yield them and `else` is
    required. A region's `scf.yield` without operands may be left out.

    ```mlir
    %x = scf.if %b -> (f32) {
      scf.yield %a : f32
    } else {
      scf.yield %c : f32
    }
    ```
    """

    name = "scf.if"
    traits = [RegionBranchOpInterface, SingleBlockImplicitTerminator("scf.yield"), RecursiveMemoryEffects,
              RecursivelySpeculatable]
    condition = operand(I1)
    results_ = var_result(AnyType)
    thenRegion = region()
    elseRegion = region()

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.scf.canonicalize import IF_PATTERNS
        return IF_PATTERNS

    @classmethod
    def build(cls, condition: Value, result_types: Sequence[Any] = (), *, with_else: bool = False,
              location: Any = None) -> IfOp:
        """An if with a `then` block (and an `else` block when `with_else` or there are
        results); without results the blocks already end in `scf.yield`."""
        result_types = list(result_types)
        then = Region([Block()])
        other = Region([Block()]) if with_else or result_types else Region()
        if not result_types:
            for r in (then, other):
                if not r.is_empty():
                    r.first_block.append(YieldOp.create())
        return cls.create([condition], result_types, {}, None, [then, other], (), location)

    @property
    def then_block(self) -> Block:
        b = self.thenRegion.first_block
        assert b is not None
        return b

    @property
    def else_block(self) -> Block | None:
        return self.elseRegion.first_block

    @classmethod
    def parse(cls, parser: Parser) -> IfOp:
        cond = parser.resolve_operand(parser.parse_operand(), I1.fixed_type)
        types = parser.parse_arrow_type_list() if parser.peek("->") else []
        then = parser.parse_region()
        ensure_terminator(then, YieldOp.create)
        other = Region()
        if parser.parse_optional_keyword("else"):
            other = parser.parse_region()
            ensure_terminator(other, YieldOp.create)
        attrs = parser.parse_optional_attr_dict()
        return cls.create([cond], types, {}, attrs, [then, other])

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.condition)
        terminators = bool(self.results)
        if terminators:
            w(" -> (")
            printer.print_types(r.type for r in self.results)
            w(")")
        w(" ")
        printer.print_region(self.thenRegion, print_entry_block_args=False, print_block_terminators=terminators)
        if not self.elseRegion.is_empty():
            w(" else ")
            printer.print_region(self.elseRegion, print_entry_block_args=False,
                                 print_block_terminators=terminators)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self) -> str | None:
        if self.thenRegion.num_blocks() != 1:
            return "region #0 ('thenRegion') failed to verify constraint: region with 1 blocks"
        if self.elseRegion.num_blocks() > 1:
            return "region #1 ('elseRegion') failed to verify constraint: region with at most 1 blocks"
        for i, r in enumerate(self.regions):
            b = r.first_block
            if b is not None and b.args:
                return f"region #{i} should have no arguments"
        if self.results and self.elseRegion.is_empty():
            return "must have an else block if defining values"
        types = [r.type for r in self.results]
        yields = [t for t in map(terminator_of, self.regions) if isinstance(t, YieldOp)]
        return verify_edges(self, [(t, f"Operation {self.name}", t.operands, types) for t in yields])


class IndexSwitchOp(Op):
    """Runs the case region whose value equals `arg`, or the `default` region
    when none does; every region yields the op's results.

    ```mlir
    %0 = scf.index_switch %arg0 -> i32
    case 2 {
      %1 = arith.constant 10 : i32
      scf.yield %1 : i32
    }
    default {
      %2 = arith.constant 30 : i32
      scf.yield %2 : i32
    }
    ```
    """

    name = "scf.index_switch"
    traits = [RecursiveMemoryEffects, SingleBlockImplicitTerminator("scf.yield"), RegionBranchOpInterface]
    arg = operand(Index)
    cases = prop(DenseI64ArrayAttr)
    results_ = var_result(AnyType)
    defaultRegion = region()
    caseRegions = var_region()

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.scf.canonicalize import INDEX_SWITCH_PATTERNS
        return INDEX_SWITCH_PATTERNS

    @classmethod
    def build(cls, arg: Value, cases: Sequence[int], result_types: Sequence[Any] = (), *,
              location: Any = None) -> IndexSwitchOp:
        """A switch with an empty block per region (default first, then one per case);
        the caller fills them and their yields."""
        regions = [Region([Block()]) for _ in range(len(cases) + 1)]
        props = {"cases": DenseArrayAttr(i64, tuple(cases))}
        return cls.create([arg], list(result_types), props, None, regions, (), location)

    @classmethod
    def parse(cls, parser: Parser) -> IndexSwitchOp:
        arg = parser.resolve_operand(parser.parse_operand(), index)
        attrs = parser.parse_optional_attr_dict()
        types = []
        if parser.parse_optional("->"):  # ODS `type($results)`: a bare comma-separated list
            types = [parser.parse_type()]
            while parser.parse_optional(","):
                types.append(parser.parse_type())
        values: list[int] = []
        regions: list[Region] = []
        while parser.parse_optional_keyword("case"):
            pos = parser.skip_ws()
            v = parser.parse_optional_integer()
            if v is None:
                raise custom_op_error(parser, cls.name, "expected integer value", pos)
            values.append(v)
            regions.append(parser.parse_region())
        parser.parse_keyword("default")
        default = parser.parse_region()
        ensure_terminator(default, YieldOp.create)
        props: dict[str, Any] = {"cases": DenseArrayAttr(i64, tuple(values))}
        attrs.pop("cases", None)
        return cls.create([arg], types, props, attrs, [default] + regions)

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" ")
        printer.print_operand(self.arg)
        printer.print_optional_attr_dict(self.attributes)
        if self.results:
            w(" -> ")
            printer.print_types(r.type for r in self.results)
        w(" ")
        for v, r in zip(self.cases.values, self.caseRegions):
            printer.print_new_line()
            w(f"case {v} ")
            printer.print_region(r, print_entry_block_args=False)
        printer.print_new_line()
        w("default ")
        t = terminator_of(self.defaultRegion)
        # as an ODS `$region` of a SingleBlockImplicitTerminator op: an operand-less,
        # attribute-less yield is left out
        elide = isinstance(t, YieldOp) and not t.operands and not t.attributes
        printer.print_region(self.defaultRegion, print_block_terminators=not elide)

    def verify_(self) -> str | None:
        cases = self.cases.values
        regions = self.caseRegions
        for i, r in enumerate(self.regions):
            if r.num_blocks() != 1:
                what = "defaultRegion" if i == 0 else "caseRegions"
                return f"region #{i} ('{what}') failed to verify constraint: region with 1 blocks"
        if len(cases) != len(regions):
            return f"has {len(regions)} case regions but {len(cases)} case values"
        seen = set()
        for v in cases:
            if v in seen:
                return f"has duplicate case value: {v}"
            seen.add(v)
        types = [r.type for r in self.results]
        named = [(self.defaultRegion, "default region")] + \
            [(r, f"case region #{i}") for i, r in enumerate(regions)]
        for r, what in named:
            t = terminator_of(r)
            if not isinstance(t, YieldOp):
                return f"expected region to end with scf.yield, but got {t.name if t is not None else 'nothing'}"
            if len(t.operands) != len(types):
                d = self.emit_op_error(f"expected each region to return {len(types)} values, but {what} returns "
                                       f"{len(t.operands)}")
                d.attach_note("see yield operation here", t.location)
                return ""
            for i, (v, ty) in enumerate(zip(t.operands, types)):
                if v.type is not ty:
                    d = self.emit_op_error(f"expected result #{i} of each region to be '{ty}'")
                    d.attach_note(f"{what} returns '{v.type}' here", t.location)
                    return ""
        return None


class ExecuteRegionOp(Op):
    """Runs its region exactly once: a way to hold several blocks (unstructured
    control flow) where a single block is required. The region takes no
    arguments; its `scf.yield`s give the results. `no_inline` keeps
    canonicalization from inlining it into the parent.

    ```mlir
    %v = scf.execute_region -> i64 {
      cf.cond_br %cond, ^bb1, ^bb2
    ^bb1:
      %c1 = arith.constant 1 : i64
      scf.yield %c1 : i64
    ^bb2:
      %c2 = arith.constant 2 : i64
      scf.yield %c2 : i64
    }
    ```
    """

    name = "scf.execute_region"
    traits = [RegionBranchOpInterface]
    no_inline = opt_prop(UnitAttrC)
    results_ = var_result(AnyType)
    region = region()

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.scf.canonicalize import EXECUTE_REGION_PATTERNS
        return EXECUTE_REGION_PATTERNS

    @classmethod
    def build(cls, result_types: Sequence[Any] = (), *, location: Any = None) -> ExecuteRegionOp:
        """An execute_region with one empty entry block; the caller fills it."""
        return cls.create([], list(result_types), {}, None, [Region([Block()])], (), location)

    @classmethod
    def parse(cls, parser: Parser) -> ExecuteRegionOp:
        types = parser.parse_arrow_type_list() if parser.peek("->") else []
        props: dict[str, Any] = {}
        if parser.parse_optional_keyword("no_inline"):
            props["no_inline"] = UnitAttr()
        body = parser.parse_region()
        attrs = parser.parse_optional_attr_dict()
        if "no_inline" in attrs:
            props["no_inline"] = attrs.pop("no_inline")
        return cls.create([], types, props, attrs, [body])

    def print(self, printer: Printer) -> None:
        w = printer.write
        printer.print_arrow_type_list([r.type for r in self.results])
        if "no_inline" in self.properties:
            w(" no_inline")
        w(" ")
        printer.print_region(self.region, print_entry_block_args=False)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self) -> str | None:
        b = self.region.first_block
        if b is None:
            return "region needs to have at least one block"
        if b.args:
            return "region cannot have any arguments"
        return None


__all__ = ["ExecuteRegionOp", "IfOp", "IndexSwitchOp"]
