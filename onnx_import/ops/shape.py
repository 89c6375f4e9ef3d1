"""Shape and data-movement operators, and reductions.

Shape-only operators (Squeeze, Unsqueeze, Reshape, Flatten) become graph.reshape with the result shape computed
here; `Shape` and `Size` of a statically shaped tensor fold to numpy constants, so the shape arithmetic models
carry (Shape -> Gather -> Concat -> Reshape) is evaluated at import time.
"""

from __future__ import annotations

import math

import numpy as np
from mlir_py.frontend.weights import NUMPY_DTYPES
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
    present = [i for i in range(len(node.inputs)) if node.has(i)]
    nonempty = [i for i in present if math.prod(node.shape(i)) > 0]
    parts = [node.tensor(i) for i in (nonempty or present[:1])]  # empty operands add nothing
    if len(parts) == 1:
        return parts[0]
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


@converts("ReduceProd")
def reduce_prod(node: Node):
    x = node.tensor(0)
    axes = node.ints_attr_or_input("axes", 1)
    if not axes:
        if node.attr("noop_with_empty_axes", 0):
            return x
        axes = list(range(x.ndim))
    axes = sorted({normalize_axis(node, a, x.ndim) for a in axes})
    return node.g.reduce_prod(x, axes, bool(node.attr("keepdims", 1)))


@converts("ArgMax", "ArgMin")
def arg_reduce(node: Node):
    fn = node.g.argmax if node.op_type == "ArgMax" else node.g.argmin
    return fn(node.tensor(0), int(node.attr("axis", 0)), bool(node.attr("keepdims", 1)),
              bool(node.attr("select_last_index", 0)))


@converts("Gather")
def gather(node: Node):
    x = node.tensor(0)
    axis = normalize_axis(node, int(node.attr("axis", 0)), x.ndim)
    idx = node.inputs[1]
    if isinstance(idx, np.ndarray):
        size = x.shape[axis]
        if np.any((idx < -size) | (idx >= size)):
            raise node.error(f"indices out of range for a dimension of size {size}")
    return node.g.gather(x, node.tensor(1), axis)


def _slice(g, x, starts: list[int], ends: list[int], axes: list[int], steps: list[int]):
    """graph.slice with ONNX's clamping of start and end done here (the op takes them already clamped)."""
    cs, ce = [], []
    for s, e, a, st in zip(starts, ends, axes, steps):
        dim = x.shape[a]
        s = s + dim if s < 0 else s
        e = e + dim if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), dim), min(max(e, 0), dim)
            e = max(e, s)
        else:
            s, e = min(max(s, -1), dim - 1), min(max(e, -1), dim - 1)
            e = min(e, s)
        cs.append(s)
        ce.append(e)
    shape = list(x.shape)
    for s, e, a, st in zip(cs, ce, axes, steps):
        shape[a] = max(0, -(-(e - s) // st))
    if 0 in shape:  # nothing selected: an empty constant
        return g.constant(np.zeros(shape, dtype=NUMPY_DTYPES[x.dtype]))
    return g.slice(x, cs, ce, axes, steps)


@converts("Slice")
def slice_(node: Node):
    x = node.tensor(0)
    if node.opset < 10:
        starts, ends = list(node.attr("starts")), list(node.attr("ends"))
        axes = list(node.attr("axes", range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts = [int(v) for v in node.const(1, "starts").reshape(-1)]
        ends = [int(v) for v in node.const(2, "ends").reshape(-1)]
        axes = node.ints_attr_or_input("", 3, list(range(len(starts))))
        steps = node.ints_attr_or_input("", 4, [1] * len(starts))
    axes = [normalize_axis(node, int(a), x.ndim) for a in axes]
    if any(s == 0 for s in steps):
        raise node.error("a step is 0")
    if len(set(axes)) != len(axes):
        raise node.error(f"axes {axes} repeat an axis")
    big = 2 ** 62  # INT64_MAX / INT64_MIN mean "to the end"
    starts = [max(min(int(s), big), -big) for s in starts]
    ends = [max(min(int(e), big), -big) for e in ends]
    return _slice(node.g, x, starts, ends, axes, [int(s) for s in steps])


@converts("Split")
def split(node: Node):
    """One graph.slice per output."""
    x = node.tensor(0)
    axis = normalize_axis(node, int(node.attr("axis", 0)), x.ndim)
    n = node.num_outputs
    sizes = node.attr("split")
    if sizes is None and node.opset >= 13 and node.has(1):
        sizes = [int(v) for v in node.const(1, "split").reshape(-1)]
    dim = x.shape[axis]
    if sizes is None:
        parts = int(node.attr("num_outputs", n))
        chunk = -(-dim // parts)
        sizes = [min(chunk, dim - i * chunk) for i in range(parts)]
    sizes = [int(s) for s in sizes]
    if sum(sizes) != dim or len(sizes) != n:
        raise node.error(f"split sizes {sizes} do not cover dimension {axis} of size {dim} with {n} outputs")
    outs, start = [], 0
    for s in sizes:
        outs.append(_slice(node.g, x, [start], [start + s], [axis], [1]))
        start += s
    return outs


@converts("Expand")
def expand(node: Node):
    x = node.tensor(0)
    target = [int(d) for d in node.const(1, "shape").reshape(-1)]
    try:
        same = tuple(np.broadcast_shapes(tuple(x.shape), tuple(target))) == tuple(x.shape)
    except ValueError:
        raise node.error(f"shape {target} does not broadcast with the input's {x.shape}") from None
    return x if same else node.g.expand(x, target)


@converts("Tile")
def tile(node: Node):
    x = node.tensor(0)
    repeats = [int(r) for r in node.const(1, "repeats").reshape(-1)]
    return node.g.tile(x, repeats)


@converts("Pad")
def pad(node: Node):
    x = node.tensor(0)
    mode = node.attr("mode", "constant")
    if node.opset < 11:
        pads, value = [int(p) for p in node.attr("pads")], float(node.attr("value", 0.0))
    else:
        pads = [int(p) for p in node.const(1, "pads").reshape(-1)]
        value = float(node.const(2, "constant_value").reshape(-1)[0]) if node.has(2) else 0.0
        if node.has(3):  # opset 18: pads for these axes only
            axes = [normalize_axis(node, int(a), x.ndim) for a in node.const(3, "axes").reshape(-1)]
            full = [0] * 2 * x.ndim
            for i, a in enumerate(axes):
                full[a], full[x.ndim + a] = pads[i], pads[len(axes) + i]
            pads = full
    if mode not in ("constant", "reflect", "edge"):
        raise node.error(f"mode '{mode}' is not supported (constant, reflect and edge are)")
    if len(pads) != 2 * x.ndim:
        raise node.error(f"pads has {len(pads)} values, expected {2 * x.ndim}")
    if any(p < 0 for p in pads):  # negative pads crop: pad the positive part, then slice
        positive = [max(p, 0) for p in pads]
        x = node.g.pad(x, positive, mode, value) if any(positive) else x
        starts = [-min(p, 0) for p in pads[:x.ndim]]
        ends = [x.shape[i] + min(pads[x.ndim + i], 0) for i in range(x.ndim)]
        return _slice(node.g, x, starts, ends, list(range(x.ndim)), [1] * x.ndim)
    return node.g.pad(x, pads, mode, value)


@converts("Resize", "Upsample")
def resize(node: Node):
    """Output sizes from `sizes` or floor(in * scales); before opset 11 (Upsample, Resize-10) coordinates are
    'asymmetric' and nearest rounds down."""
    x = node.tensor(0)
    mode = node.attr("mode", "nearest")
    if mode not in ("nearest", "linear", "bilinear"):
        raise node.error(f"mode '{mode}' is not supported (nearest and linear are)")
    mode = "linear" if mode == "bilinear" else mode
    scales = sizes = None
    if node.op_type == "Upsample" and node.opset < 9:
        scales = [float(s) for s in node.attr("scales")]
    elif node.op_type == "Upsample" or node.opset < 11:
        scales = [float(s) for s in node.const(1, "scales").reshape(-1)]
    else:
        if node.has(2) and node.const(2, "scales").size:
            scales = [float(s) for s in node.const(2, "scales").reshape(-1)]
        if node.has(3) and node.const(3, "sizes").size:
            sizes = [int(s) for s in node.const(3, "sizes").reshape(-1)]
    axes = node.attr("axes")
    if axes is not None:
        axes = [normalize_axis(node, int(a), x.ndim) for a in axes]
        if scales is not None:
            full = [1.0] * x.ndim
            for a, s in zip(axes, scales):
                full[a] = s
            scales = full
        if sizes is not None:
            full_sizes = list(x.shape)
            for a, s in zip(axes, sizes):
                full_sizes[a] = s
            sizes = full_sizes
    if sizes is not None and node.attr("keep_aspect_ratio_policy", "stretch") != "stretch":
        raise node.error("keep_aspect_ratio_policy other than 'stretch' is not supported")
    if node.opset < 11:
        ctm, nearest = "asymmetric", "floor"
    else:
        ctm, nearest = node.attr("coordinate_transformation_mode", "half_pixel"), \
            node.attr("nearest_mode", "round_prefer_floor")
        if ctm == "tf_crop_and_resize":
            raise node.error("coordinate_transformation_mode 'tf_crop_and_resize' is not supported")
        if node.attr("exclude_outside", 0):
            raise node.error("exclude_outside is not supported")
        if node.attr("antialias", 0):
            raise node.error("antialias is not supported")
    if sizes is None and (scales is None or len(scales) != x.ndim):
        raise node.error("needs scales or sizes for every dimension")
    return node.g.resize(x, sizes, scales=None if sizes is not None else scales, mode=mode,
                         coordinate_transformation_mode=ctm, nearest_mode=nearest)


@converts("DepthToSpace", "SpaceToDepth")
def depth_space(node: Node):
    g = node.g
    x = node.tensor(0)
    b = int(node.attr("blocksize"))
    n, c, h, w = x.shape
    if node.op_type == "SpaceToDepth":
        perm = [0, 3, 5, 1, 2, 4] if node.attr("mode", "DCR") == "DCR" else [0, 1, 3, 5, 2, 4]
        t = g.transpose(g.reshape(x, (n, c, h // b, b, w // b, b)), perm)
        return g.reshape(t, (n, c * b * b, h // b, w // b))
    if node.attr("mode", "DCR") == "DCR":
        t = g.transpose(g.reshape(x, (n, b, b, c // (b * b), h, w)), [0, 3, 4, 1, 5, 2])
    else:
        t = g.transpose(g.reshape(x, (n, c // (b * b), b, b, h, w)), [0, 1, 4, 2, 5, 3])
    return g.reshape(t, (n, c // (b * b), h * b, w * b))
