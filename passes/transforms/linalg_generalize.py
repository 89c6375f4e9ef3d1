"""`linalg-generalize-named-ops`: rewrite every named structured op (fill,
copy, matmul, elementwise, transpose, broadcast, reduce, map and the named
ops other files declare) as the linalg.generic it stands for (upstream's
LinalgGeneralizeNamedOpsPass).

The generic gets the op's indexing maps, iterator types, inputs, inits and
discardable attributes, and takes over its region (the body the named op
built when parsed or created); inherent attributes such as matmul's `cast`
are already expressed by that body and are dropped. Like upstream, the
rewrite runs in the greedy driver, so unused tensor results are erased and
constants in bodies are hoisted as any greedy pass does.

```
mir-opt --linalg-generalize-named-ops f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects.linalg import GenericOp, LinalgStructuredInterface

from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import i32
from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import Pass, register_pass
from mlir_py.rewrite.greedy import apply_patterns_greedily
from mlir_py.rewrite.pattern import FrozenPatternSet, PatternRewriter, RewritePattern


def generalize_named_op(op: Operation, rw: PatternRewriter) -> GenericOp | None:
    """The linalg.generic equivalent to structured op `op`, replacing it (None for a generic or an op
    without exactly one region)."""
    if isinstance(op, GenericOp) or len(op.regions) != 1:
        return None
    inputs = op.get_dps_inputs()
    outputs = op.get_dps_inits()
    maps = op.get_indexing_maps()
    iterators = op.get_iterator_types()
    generic = GenericOp.build(inputs, outputs, maps, iterators, attributes=dict(op.attributes),
                              result_types=[r.type for r in op.results], location=op.location)
    generic.properties["operandSegmentSizes"] = DenseArrayAttr(i32, (len(inputs), len(outputs)))
    generic.regions[0].first_block.erase()
    rw.set_insertion_point(op)
    rw.insert(generic)
    rw.inline_region_before(op.regions[0], generic.regions[0])
    rw.replace_op(op, list(generic.results))
    return generic


class GeneralizeNamedOp(RewritePattern):
    """Any structured op but linalg.generic becomes a linalg.generic."""

    root = LinalgStructuredInterface

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        return generalize_named_op(op, rw) is not None


@register_pass
class LinalgGeneralizeNamedOps(Pass):
    """Convert named ops into generic ops (see the module docstring)."""

    name = "linalg-generalize-named-ops"
    summary = "Convert named ops into generic ops"
    display_name = "LinalgGeneralizeNamedOpsPass"

    def run_on_operation(self, op: Operation) -> None:
        apply_patterns_greedily(op, FrozenPatternSet([GeneralizeNamedOp()]))


__all__ = ["GeneralizeNamedOp", "LinalgGeneralizeNamedOps", "generalize_named_op"]
