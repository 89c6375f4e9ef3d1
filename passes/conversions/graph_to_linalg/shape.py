"""Shape ops: reshape and flatten as tensor reshapes, transpose as `linalg.transpose`, concat as
`tensor.insert_slice`s into one `tensor.empty`.

A reshape that only merges or only splits runs of adjacent dimensions is
one `tensor.collapse_shape` or `tensor.expand_shape` (metadata, no copy
after bufferization); any other reshape of a row-major tensor is a collapse
to 1-D followed by an expand (still no copy). flatten is the reshape to
its two-dimensional result.
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.dialects import linalg, tensor
from mlir_py.passes.conversions.graph_to_linalg.common import Emitter, attr, elt, normalize_axis, shape_of

from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, OpAdaptor, conversion_pattern


def regroup(big: Sequence[int], small: Sequence[int]) -> list[list[int]] | None:
    """Groups of adjacent dimensions of `big` whose products are the dimensions of `small` (a reassociation
    for collapse_shape big -> small or expand_shape small -> big), None when there is none. Size-1
    dimensions left at the end join the last group."""
    groups: list[list[int]] = []
    i = 0
    for t in small:
        if i >= len(big):
            return None
        g, p = [i], big[i]
        i += 1
        while p < t and i < len(big):
            g.append(i)
            p *= big[i]
            i += 1
        if p != t:
            return None
        groups.append(g)
    rest = list(range(i, len(big)))
    if any(big[k] != 1 for k in rest):
        return None
    if rest:
        if not groups:
            return None if small else []
        groups[-1].extend(rest)
    return groups


def reshape_value(e: Emitter, x: Value, target: Sequence[int]) -> Value:
    src = shape_of(x)
    target = tuple(target)
    if src == target:
        return x
    if len(src) > len(target):
        groups = regroup(src, target)
        if groups is not None:
            return e.collapse(x, groups)
    elif len(src) < len(target):
        groups = regroup(target, src)
        if groups is not None:
            return e.expand(x, groups, target)
    # neither only merges nor only splits (ranks 0 and 1 always regroup): through 1-D
    flat = x if len(src) == 1 else e.collapse(x, [list(range(len(src)))])
    return flat if len(target) == 1 else e.expand(flat, [list(range(len(target)))], target)


def _reshape_like_result(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    rw.replace_op(op, [reshape_value(Emitter(rw), x, shape_of(op.results[0]))])
    return True


lower_reshape = conversion_pattern("graph.reshape")(_reshape_like_result)
lower_flatten = conversion_pattern("graph.flatten")(_reshape_like_result)


@conversion_pattern("graph.transpose")
def lower_transpose(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    e = Emitter(rw)
    perm = list(attr(op, "perm"))
    if perm == list(range(len(perm))):
        rw.replace_op(op, [x])
        return True
    init = e.empty(shape_of(op.results[0]), elt(x))
    rw.replace_op(op, [e.insert(linalg.TransposeOp.build(x, init, perm)).results[0]])
    return True


@conversion_pattern("graph.concat")
def lower_concat(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    inputs = list(adaptor.operands)
    out_shape = shape_of(op.results[0])
    axis = normalize_axis(attr(op, "axis"), len(out_shape))
    e = Emitter(rw)
    if len(inputs) == 1:
        rw.replace_op(op, inputs)
        return True
    dest = e.empty(out_shape, elt(op.results[0]))
    offset = 0
    for v in inputs:
        s = shape_of(v)
        offsets = [offset if d == axis else 0 for d in range(len(s))]
        dest = e.insert(tensor.InsertSliceOp.build_mixed(v, dest, offsets, list(s), [1] * len(s))).results[0]
        offset += s[axis]
    rw.replace_op(op, [dest])
    return True


PATTERNS = [lower_reshape, lower_flatten, lower_transpose, lower_concat]

__all__ = ["PATTERNS", "regroup", "reshape_value"]
