"""`gpu-launch-sink-index-computations`: clone the cheap values a `gpu.launch`
body uses from above - constants, `memref.dim`, `arith.select`,
`arith.cmpi`, and what they in turn need - into the start of the body
(upstream's sinkOperationsIntoLaunchOp), so `gpu-kernel-outlining` passes
fewer kernel arguments and the kernel sees the constants.

```mlir
%c4 = arith.constant 4 : index
gpu.launch ... {
  %c4_0 = arith.constant 4 : index      // cloned; uses inside the body now take it
  ...
```

The originals stay where they were (other users may need them; canonicalize
removes them otherwise). An op is sunk only when each operand is sunk too or
is already a value the body takes from above.
"""

from __future__ import annotations

from typing import Callable

from mlir_py.dialects import gpu

from mlir_py.ir.operation import Operation, OpResult, Region, Value
from mlir_py.pass_manager import Pass, register_pass

#: the ops whose sinking pays (upstream's isSinkingBeneficiaryDefault)
SINKABLE_OPS = frozenset({"arith.constant", "func.constant", "memref.dim", "arith.select", "arith.cmpi"})


def _default_beneficiary(op: Operation) -> bool:
    return op.name in SINKABLE_OPS


def used_values_defined_above(region: Region) -> list[Value]:
    """The values used in `region` (ops walked in post-order, operands in order) that are defined in a region
    enclosing it, each once (upstream's getUsedValuesDefinedAbove)."""
    ancestors: set[int] = set()
    parent = region.parent
    r = parent.parent_region if parent is not None else None
    while r is not None:
        ancestors.add(id(r))
        owner = r.parent
        r = owner.parent_region if owner is not None else None
    seen: dict[Value, None] = {}
    for op in region.walk():
        for v in op.operands:
            if v not in seen and id(_parent_region(v)) in ancestors:
                seen[v] = None
    return list(seen)


def _parent_region(v: Value) -> Region | None:
    if isinstance(v, OpResult):
        block = v.op.parent
    else:
        block = v.owner  # type: ignore[attr-defined]
    return block.parent if block is not None else None


def _extract(op: Operation, dependencies: set[Value], chosen: dict[Operation, None], available: set[Value],
             beneficiary: Callable[[Operation], bool]) -> bool:
    """Whether `op` can be sunk (recording it and the ops it needs in `chosen`, defs before uses)."""
    if op in chosen:
        return True
    if not beneficiary(op):
        return False
    for v in op.operands:
        if v in available:
            continue
        d = v.op if isinstance(v, OpResult) else None
        if (d is None or not _extract(d, dependencies, chosen, available, beneficiary)) and v not in dependencies:
            return False
    chosen[op] = None
    available.update(op.results)
    return True


def sink_operations_into_launch(launch: Operation,
                                beneficiary: Callable[[Operation], bool] = _default_beneficiary) -> None:
    """Clone what `launch`'s body uses from above and `beneficiary` accepts into the body's start; uses inside
    the body take the clones."""
    body = launch.regions[0]
    candidates = used_values_defined_above(body)
    dependencies = set(candidates)
    chosen: dict[Operation, None] = {}
    available: set[Value] = set()
    for v in candidates:
        if isinstance(v, OpResult):
            _extract(v.op, dependencies, chosen, available, beneficiary)
    entry = body.first_block
    assert entry is not None
    anchor = entry.first_op
    mapper: dict = {}
    for op in chosen:
        clone = op.clone(mapper)
        entry.insert_before(anchor, clone)
        for old, new in zip(op.results, clone.results):
            old.replace_uses_with_if(new, lambda use: launch.is_ancestor(use.owner) and use.owner is not launch)


@register_pass
class GpuLaunchSinkIndexComputations(Pass):
    """Sink constants and index computations into `gpu.launch` bodies (see the module docstring)."""

    name = "gpu-launch-sink-index-computations"
    summary = "Sink index computations into gpu.launch body"
    display_name = "GpuLaunchSinkIndexComputationsPass"

    def run_on_operation(self, op: Operation) -> None:
        for launch in [o for o in op.walk() if isinstance(o, gpu.LaunchOp)]:
            sink_operations_into_launch(launch)


__all__ = ["SINKABLE_OPS", "GpuLaunchSinkIndexComputations", "sink_operations_into_launch",
           "used_values_defined_above"]
