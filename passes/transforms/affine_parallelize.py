"""`affine-parallelize`: turn affine.for loops without loop-carried
dependences into affine.parallel (upstream's AffineParallelize).

A loop is parallel when no dependence through memory is carried by it (the
conservative test of `affine_dependence`: a pair of accesses to one memref,
one of them a write, must provably touch different elements in different
iterations) and no op in it has other memory effects; with
`parallel-reductions`, iter_args that are reductions by one
arith op (addf, mulf, addi, muli, andi, ori, xori, min/max in their signed,
unsigned and float forms) become affine.parallel reductions, the combining
op moving after the loop to fold in the initial value. Loops are chosen
outermost first, before any is rewritten; `max-nested` bounds how many
affine.parallel ops may enclose a new one.

```
mir-opt --affine-parallelize="max-nested=1 parallel-reductions" f.mir
```
"""

from __future__ import annotations

import numpy as np
from mlir_py.dialects.affine import ForOp, ParallelOp
from mlir_py.dialects.memref.atomic_ops import ATOMIC_RMW_KIND
from mlir_py.passes.transforms.affine_dependence import is_loop_memory_parallel

from mlir_py.definition.traits import AffineScope
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr, DenseElementsAttr, IntegerAttr
from mlir_py.ir.builtin_types import RankedTensorType, i32, i64
from mlir_py.ir.operation import Operation, Region, Value
from mlir_py.pass_manager import Option, Pass, register_pass

_COMBINERS = {
    "arith.addf": "addf", "arith.mulf": "mulf", "arith.addi": "addi", "arith.andi": "andi", "arith.ori": "ori",
    "arith.muli": "muli", "arith.minimumf": "minimumf", "arith.maximumf": "maximumf", "arith.minsi": "mins",
    "arith.maxsi": "maxs", "arith.minui": "minu", "arith.maxui": "maxu", "arith.xori": "xori",
    "arith.maxnumf": "maxnumf", "arith.minnumf": "minnumf",
}


def supported_reduction(loop: ForOp, pos: int) -> tuple[str, Value] | None:
    """(kind, reduced value) when iter_arg `pos` is combined by a single arith op whose result is yielded."""
    arg = loop.region_iter_args[pos]
    term = loop.body.first_block.last_op
    yielded = term.operands[pos]
    combiner = getattr(yielded, "op", None)
    if combiner is None or combiner.parent is not loop.body.first_block or combiner.name not in _COMBINERS:
        return None
    uses = list(arg.uses)
    if len(uses) != 1 or uses[0].owner is not combiner or len(combiner.operands) != 2:
        return None
    if len(list(yielded.uses)) != 1:
        return None
    a, b = combiner.operands
    other = b if a is arg else a
    if other is arg:
        return None
    return _COMBINERS[combiner.name], other


def is_loop_parallel(loop: ForOp, with_reductions: bool) -> list[tuple[str, Value]] | None:
    """The reductions (possibly none) when `loop` may run in parallel, else None."""
    n = len(loop.inits)
    reductions: list[tuple[str, Value]] = []
    if n and not with_reductions:
        return None
    for i in range(n):
        red = supported_reduction(loop, i)
        if red is None:
            return None
        reductions.append(red)
    return reductions if is_loop_memory_parallel(loop) else None


def affine_parallelize(loop: ForOp, reductions: list[tuple[str, Value]]) -> ParallelOp:
    """Replace `loop` by a one-dimensional affine.parallel (upstream's affineParallelize)."""
    lb, ub = loop.lower_bound_map, loop.upper_bound_map

    def groups(n: int) -> DenseElementsAttr:
        return DenseElementsAttr(np.array([n], dtype=np.int32), RankedTensorType((1,), i32))

    props = {
        "lowerBoundsGroups": groups(lb.num_results),
        "lowerBoundsMap": AffineMapAttr(lb),
        "reductions": ArrayAttr([IntegerAttr(ATOMIC_RMW_KIND.cases[k], i64) for k, _ in reductions]),
        "steps": ArrayAttr([IntegerAttr(loop.step_value, i64)]),
        "upperBoundsGroups": groups(ub.num_results),
        "upperBoundsMap": AffineMapAttr(ub),
    }
    operands = list(loop.lower_bound_operands) + list(loop.upper_bound_operands)
    new = ParallelOp.create(operands, [v.type for _, v in reductions], props, None, [Region()], (),
                            loop.location)
    block = loop.parent
    block.insert_before(loop, new)
    body = loop.body.first_block
    body.detach()
    new.regions[0].append(body)
    term = body.last_op
    for i, (_, value) in enumerate(reductions):
        combiner = term.operands[i].op
        combiner.detach()
        block.insert_before(loop, combiner)
        combiner.set_operands([loop.inits[i], new.results[i]])
        loop.results[i].replace_all_uses_with(combiner.results[0])
    term.set_operands([v for _, v in reductions])
    for _ in reductions:
        body.erase_argument(1)
    loop.erase()
    return new


def _parallel_depth(op: Operation) -> int:
    count = 0
    parent = op.parent_op
    while parent is not None and not parent.has_trait(AffineScope):
        if isinstance(parent, ParallelOp):
            count += 1
        parent = parent.parent_op
    return count


@register_pass
class AffineParallelize(Pass):
    """Convert affine.for loops without loop-carried dependences to affine.parallel (see the module
    docstring)."""

    name = "affine-parallelize"
    summary = "Convert affine.for ops into 1-D affine.parallel"
    display_name = "AffineParallelize"
    anchor = "func.func"
    options = [
        Option("max-nested", int, 2**32 - 1, "Maximum number of nested parallel loops to produce. Defaults to "
                                             "unlimited (UINT_MAX)."),
        Option("parallel-reductions", bool, False, "Whether to parallelize reduction loops. Defaults to false."),
    ]

    def run_on_operation(self, op: Operation) -> None:
        if self.max_nested < 0:
            op.emit_error("affine-parallelize: 'max-nested' must be non-negative")
            self.signal_failure()
            return
        candidates = []
        for loop in op.walk(post_order=False):
            if isinstance(loop, ForOp):
                reductions = is_loop_parallel(loop, self.parallel_reductions)
                if reductions is not None:
                    candidates.append((loop, reductions))
        for loop, reductions in candidates:
            if _parallel_depth(loop) < self.max_nested:
                affine_parallelize(loop, reductions)


__all__ = ["AffineParallelize", "affine_parallelize", "is_loop_parallel", "supported_reduction"]
