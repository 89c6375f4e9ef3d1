"""`loop-invariant-code-motion`: hoist loop-invariant ops out of loops
(MLIR's LoopInvariantCodeMotion).

Every op with the LoopLikeOpInterface trait is visited, inner loops first,
so what leaves an inner loop may leave the outer one too. An op at the top
level of a loop region moves out (`LoopLikeOpInterface.move_out_of_loop`,
by default right before the loop) when

- it is not a terminator;
- it has no memory effects (`is_pure`: for region ops with
  RecursiveMemoryEffects, nothing inside has any) and is speculatable
  (`is_speculatable`: Pure ops are; a division is not unless it says so),
  since it would now run even when the loop body does not;
- every value it uses, nested ops included, is defined outside the loop
  (`LoopLikeOpInterface.is_defined_outside_of_loop`) or inside the op itself.

When an op moves, its users in the loop body are looked at again, so a
chain of invariant ops leaves the loop whole.

```
mir-opt --loop-invariant-code-motion f.mir
```
"""

from __future__ import annotations

from collections import deque
from typing import Callable

from mlir_py.definition.traits import LoopLikeOpInterface, Terminator, is_pure, is_speculatable
from mlir_py.ir.operation import Operation, Region, Value
from mlir_py.pass_manager import Pass, Statistic, register_pass


def can_be_hoisted(op: Operation, defined_outside: Callable[[Value], bool]) -> bool:
    """Not a terminator, and every operand of `op` and of the ops nested in it
    is defined outside the loop (`defined_outside`) or inside `op`."""
    if Terminator in op.traits:
        return False
    for child in op.walk(post_order=False):
        for v in child.operands:
            block = v.parent_block
            owner = None if block is None or block.parent is None else block.parent.parent
            if owner is not None and op.is_ancestor(owner):
                continue
            if not defined_outside(v):
                return False
    return True


def should_move_out_of_loop(op: Operation) -> bool:
    """Free of memory effects and safe to execute speculatively."""
    return is_pure(op) and is_speculatable(op)


def move_loop_invariant_code(loop: Operation) -> int:
    """Hoist the invariant ops of one loop-like op; returns how many moved."""
    moved = 0
    regions: list[Region] = LoopLikeOpInterface.get_loop_regions(loop)
    for region in regions:
        worklist = deque(op for b in region.blocks for op in b.ops)

        def outside(v: Value) -> bool:
            return LoopLikeOpInterface.is_defined_outside_of_loop(loop, v)

        while worklist:
            op = worklist.popleft()
            if op.parent_region is not region:
                continue  # already hoisted
            if not should_move_out_of_loop(op) or not can_be_hoisted(op, outside):
                continue
            LoopLikeOpInterface.move_out_of_loop(loop, op)
            moved += 1
            for r in op.results:
                for user in r.users:
                    if user.parent_region is region:
                        worklist.append(user)
    return moved


@register_pass
class LoopInvariantCodeMotion(Pass):
    """Hoist loop-invariant, side-effect-free, speculatable ops out of every
    LoopLikeOpInterface op (see the module docstring)."""

    name = "loop-invariant-code-motion"
    summary = "Hoist loop invariant instructions outside of the loop"
    display_name = "LoopInvariantCodeMotion"
    statistics = [Statistic("num-hoisted", "ops hoisted out of loops")]

    def run_on_operation(self, op: Operation) -> None:
        loops = [o for o in op.walk() if LoopLikeOpInterface in o.traits]
        for loop in loops:
            self.stats["num-hoisted"] += move_loop_invariant_code(loop)


__all__ = ["LoopInvariantCodeMotion", "can_be_hoisted", "move_loop_invariant_code", "should_move_out_of_loop"]
