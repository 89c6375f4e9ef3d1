"""Checks along the control-flow edges of scf's region ops, worded as
upstream's RegionBranchOpInterface verifier words them.

An edge goes from a point (the parent op, or a region's terminator) to a
successor (a region's entry arguments, or the op's results); the values the
point forwards must match the successor's inputs in number and type.
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.operation import Operation, Value


def point_name(source: Operation | None) -> str:
    """`parent` for the op itself, `Operation scf.yield` for a terminator."""
    return "parent" if source is None else f"Operation {source.name}"


def check_edge(source: Operation | None, successor: str, operands: Sequence[Value],
               inputs: Sequence[Attribute]) -> str | None:
    """None when `operands` fit `inputs`, else upstream's message (without the op prefix).

    `successor` is `Region #N` or `Operation <parent name>` (the parent's results)."""
    head = f"along control flow edge from {point_name(source)} to {successor}: "
    if len(operands) != len(inputs):
        return (f"{head}region branch point has {len(operands)} operands, but region successor needs "
                f"{len(inputs)} inputs")
    for i, (v, t) in enumerate(zip(operands, inputs)):
        if v.type is not t:
            return f"{head}successor operand type #{i} '{v.type}' should match successor input type #{i} '{t}'"
    return None


Edge = tuple  # (source op or None for the parent, successor name, operands, input types)


def verify_edges(op: Operation, edges: Sequence[Edge]) -> str | None:
    """Check `edges` in order; at the first broken one emit upstream's error at `op`
    with a `region branch point` note at the terminator, and return "" (reported)."""
    for source, successor, operands, inputs in edges:
        msg = check_edge(source, successor, operands, inputs)
        if msg:
            d = op.emit_error(f"'{op.name}' op {msg}")
            if source is not None:
                d.attach_note("region branch point", source.location)
            return ""
    return None


__all__ = ["check_edge", "point_name", "verify_edges"]
