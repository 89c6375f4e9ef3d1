"""A tiny loop dialect for the loop-invariant-code-motion tests, loaded with
`mir-opt --load-dialect test/passes/licm/Inputs/test_loop_dialect.py` (and
imported by test/unit/test_inline_licm_sccp.py).

```mlir
test_loop.for %i = %lb to %ub step %c1 {
  %x = arith.addi %a, %b : index        // invariant: hoisted
  test_loop.store %x : index            // writes memory: stays
  test_loop.yield
}
```
"""

from __future__ import annotations

from mlir_py.builtin.constraints import Index
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, operand, region, result, var_operand
from mlir_py.definition.traits import (
    HasParent,
    LoopLikeOpInterface,
    MemoryEffects,
    Pure,
    Read,
    RecursivelySpeculatable,
    RecursiveMemoryEffects,
    SingleBlock,
    Speculation,
    Terminator,
    Write,
)
from mlir_py.ir.builtin_types import IndexType


class ForOp(Op):
    """Runs `body` for `%i` from `lb` to `ub` by `step`; speculatable (as
    scf.for) only when the step is the constant 1, since then it terminates.

    ```mlir
    test_loop.for %i = %lb to %ub step %s {
      test_loop.yield
    }
    ```
    """

    name = "test_loop.for"
    traits = [LoopLikeOpInterface, RecursiveMemoryEffects, SingleBlock]
    lower_bound = operand(Index)
    upper_bound = operand(Index)
    step = operand(Index)
    body = region()

    def get_speculatability(self) -> str:
        d = getattr(self.step, "op", None)
        v = None if d is None or d.name != "arith.constant" else d.get_attr("value")
        if v is not None and getattr(v, "value", None) == 1:
            return Speculation.RECURSIVELY_SPECULATABLE
        return Speculation.NOT_SPECULATABLE

    @classmethod
    def parse(cls, parser) -> ForOp:
        iv = parser.parse_operand()
        parser.expect("=")
        lb = parser.parse_operand()
        parser.parse_keyword("to")
        ub = parser.parse_operand()
        parser.parse_keyword("step")
        step = parser.parse_operand()
        index = IndexType()
        body = parser.parse_region([(iv, index, None)])
        attrs = parser.parse_optional_attr_dict()
        operands = [parser.resolve_operand(u, index) for u in (lb, ub, step)]
        return cls.create(operands, [], attributes=attrs, regions=[body])

    def print(self, printer) -> None:
        printer.write(" ")
        printer.print_operand(self.regions[0].first_block.args[0])
        printer.write(" = ")
        printer.print_operand(self.lower_bound)
        printer.write(" to ")
        printer.print_operand(self.upper_bound)
        printer.write(" step ")
        printer.print_operand(self.step)
        printer.write(" ")
        printer.print_region(self.regions[0], print_entry_block_args=False)
        printer.print_optional_attr_dict(self.attributes)


class YieldOp(Op):
    """Ends a `test_loop.for` body or a `test_loop.region`, yielding the region's results."""

    name = "test_loop.yield"
    traits = [Pure, Terminator, HasParent("test_loop.for", "test_loop.region")]
    values = var_operand(AnyType)
    assembly_format = "attr-dict ($values^ `:` type($values))?"


class RegionOp(Op):
    """Runs its region once; as pure and speculatable as what it contains (like scf.execute_region).

    ```mlir
    %r = test_loop.region {
      test_loop.yield %x : i32
    } : i32
    ```
    """

    name = "test_loop.region"
    traits = [RecursiveMemoryEffects, RecursivelySpeculatable, SingleBlock]
    result_ = result(AnyType)
    body = region()
    assembly_format = "$body attr-dict `:` type($result_)"


class StoreOp(Op):
    """Writes `value` somewhere: a side effect that must stay in the loop."""

    name = "test_loop.store"
    traits = [MemoryEffects(Write())]
    value = operand(AnyType)
    assembly_format = "$value attr-dict `:` type($value)"


class LoadOp(Op):
    """Reads a value from memory: not hoisted, since a store may change it."""

    name = "test_loop.load"
    traits = [MemoryEffects(Read())]
    result_ = result(AnyType)
    assembly_format = "attr-dict `:` type($result_)"


class OpaqueOp(Op):
    """Declares no effects at all: unknown effects, never hoisted."""

    name = "test_loop.opaque"
    input = operand(AnyType)
    result_ = result(AnyType)
    assembly_format = "$input attr-dict `:` type($input) `->` type($result_)"


DIALECT = Dialect("test_loop", ops=[ForOp, YieldOp, RegionOp, StoreOp, LoadOp, OpaqueOp],
                  description="Loops and effects for the loop-invariant-code-motion tests.")
