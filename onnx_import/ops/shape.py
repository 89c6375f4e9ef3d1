"""Shape and data-movement operators, and reductions.

Shape-only operators (Squeeze, Unsqueeze, Reshape, Flatten) become graph.reshape with the result shape computed
here; `Shape` and `Size` of a statically shaped tensor fold to numpy constants, so the shape arithmetic models
carry (Shape -> Gather -> Concat -> Reshape) is evaluated at import time.
"""

from __future__ import annotations

import math

import numpy as np
from mlir_py.onnx.registry import Node, converts, normalize_axis


@converts("Shape")
def shape(node: Node):
    dims = list(node.shape(0))
    start, end = int(node.attr("start", 0)), node.attr("end")
    return np.array(dims[start:None if end is None else int(end)], dtype=np.int64)


@converts("Size")
def size(node: Node):
    return np.array(math.prod(node.shape(0)), dtype=np.int64)


@converts("Reshape")
def reshape(node: Node):
    x = node.tensor(0)
    target = [int(d) for d in node.const(1, "shape").reshape(-1)] if node.opset >= 5 else list(node.attr("shape"))
    allow_zero = bool(node.attr("allowzero", 0))
    dims = [x.shape[i] if d == 0 and not allow_zero and i < x.ndim else d for i, d in enumerate(target)]
    if dims.count(-1) > 1:
        raise node.error(f"shape {target} has more than one -1")
    if -1 in dims:
        known = math.prod(d for d in dims if d != -1)
        if known == 0 or math.prod(x.shape) % known:
            raise node.error(f"cannot reshape {x.shape} to {target}")
        dims[dims.index(-1)] = math.prod(x.shape) // known
    if math.prod(dims) != math.prod(x.shape):
        raise node.error(f"cannot reshape {x.shape} ({math.prod(x.shape)} elements) to {target}")
    return node.g.reshape(x, dims)


@converts("Flatten")
def flatten(node: Node):
    return node.g.flatten(node.tensor(0), axis=int(node.attr("axis", 1)))


@converts("Transpose")
def transpose(node: Node):
    perm = node.attr("perm")
    return node.g.transpose(node.tensor(0), None if perm is None else [int(p) for p in perm])


@converts("Concat")
def concat(node: Node):
    parts = [node.tensor(i) for i in range(len(node.inputs)) if node.has(i)]
    return node.g.concat(parts, axis=int(node.attr("axis")))


@converts("Squeeze")
def squeeze(node: Node):
    x = node.tensor(0)
    axes = node.ints_attr_or_input("axes", 1)
    if axes is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    axes = {normalize_axis(node, a, x.ndim) for a in axes}
    for a in axes:
        if x.shape[a] != 1:
            raise node.error(f"cannot squeeze dimension {a} of size {x.shape[a]}")
    return node.g.reshape(x, [d for i, d in enumerate(x.shape) if i not in axes])


@converts("Unsqueeze")
def unsqueeze(node: Node):
    x = node.tensor(0)
    axes = node.ints_attr_or_input("axes", 1)
    if axes is None:
        raise node.error("axes are missing")
    rank = x.ndim + len(axes)
    axes = sorted(normalize_axis(node, a, rank) for a in axes)
    dims = list(x.shape)
    for a in axes:
        dims.insert(a, 1)
    return node.g.reshape(x, dims)


_REDUCE = {"ReduceSum": "reduce_sum", "ReduceMean": "reduce_mean", "ReduceMax": "reduce_max",
           "ReduceMin": "reduce_min"}
#: the opset from which each reduction takes its axes as an input instead of an attribute
_AXES_INPUT_FROM = {"ReduceSum": 13}


@converts("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceL1", "ReduceL2",
          "ReduceLogSum", "ReduceLogSumExp")
def reduce(node: Node):
    g = node.g
    x = node.tensor(0)
    axes = node.ints_attr_or_input("axes", 1)
    keepdims = bool(node.attr("keepdims", 1))
    if not axes:
        if node.attr("noop_with_empty_axes", 0):
            return x
        axes = list(range(x.ndim))
    axes = sorted({normalize_axis(node, a, x.ndim) for a in axes})
    t = node.op_type
    if t in _REDUCE:
        return getattr(g, _REDUCE[t])(x, axes, keepdims)
    if t == "ReduceSumSquare":
        return g.reduce_sum(g.mul(x, x), axes, keepdims)
    if t == "ReduceL1":
        return g.reduce_sum(g.abs(x), axes, keepdims)
    if t == "ReduceL2":
        return g.sqrt(g.reduce_sum(g.mul(x, x), axes, keepdims))
    if t == "ReduceLogSum":
        return g.log(g.reduce_sum(x, axes, keepdims))
    # ReduceLogSumExp, shifted by the maximum so large inputs do not overflow
    m = g.reduce_max(x, axes, True)
    s = g.log(g.reduce_sum(g.exp(g.sub(x, m)), axes, True))
    out = g.add(s, m)
    if keepdims:
        return out
    return g.reshape(out, [d for i, d in enumerate(x.shape) if i not in axes])
