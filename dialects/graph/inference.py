"""Shape inference for the graph dialect, on plain tuples of ints.

Each rule takes operand shapes and attribute values and returns the result
shape, or raises `ShapeError` with a message that names what is wrong. The
ops call them twice: to infer result types when built (Python builder,
custom syntax) and in the verifier, which compares the inferred type with
the written one. Keeping the rules free of IR makes them easy to test
against numpy (test/unit/test_graph_inference.py).
"""

from __future__ import annotations

from math import prod
from typing import Sequence

import numpy as np

Shape = tuple[int, ...]


class ShapeError(ValueError):
    """Operands or attributes that no result shape fits; the message says why."""


def _s(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    """`axis` in [-rank, rank) as a non-negative index (negative counts from the end)."""
    if not -rank <= axis < rank:
        raise ShapeError(f"{what} {axis} is out of range for rank {rank} (expected [{-rank}, {rank}))")
    return axis + rank if axis < 0 else axis


def broadcast(a: Shape, b: Shape) -> Shape:
    """numpy broadcasting of two shapes (np.broadcast_shapes)."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and da != 1 and db != 1:
            raise ShapeError(f"operand shapes {_s(a)} and {_s(b)} are not broadcast-compatible "
                             f"(dimension {-i}: {da} vs {db})")
        out.append(db if da == 1 else da)
    return tuple(reversed(out))


def matmul(a: Shape, b: Shape) -> Shape:
    """np.matmul: 1-D operands get a dimension prepended (a) / appended (b) and removed again; batch dims
    broadcast."""
    if not a or not b:
        raise ShapeError("matmul operands must have rank at least 1")
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ShapeError(f"contracting dimensions differ: {_s(a)} @ {_s(b)} ({a2[-1]} vs {b2[-2]})")
    batch = broadcast(a2[:-2], b2[:-2])
    out = batch + ((a2[-2],) if len(a) > 1 else ()) + ((b2[-1],) if len(b) > 1 else ())
    return out


def gemm(a: Shape, b: Shape, c: Shape | None, trans_a: bool, trans_b: bool) -> Shape:
    """ONNX Gemm: op(a) is MxK, op(b) is KxN; c, if given, broadcasts (one way) to MxN."""
    if len(a) != 2 or len(b) != 2:
        raise ShapeError(f"gemm operands a and b must be 2-D, got {_s(a)} and {_s(b)}")
    m, k = (a[1], a[0]) if trans_a else a
    k2, n = (b[1], b[0]) if trans_b else b
    if k != k2:
        raise ShapeError(f"contracting dimensions differ: {k} (a) vs {k2} (b)")
    if c is not None:
        try:
            full = broadcast(c, (m, n))
        except ShapeError:
            full = None
        if full != (m, n):
            raise ShapeError(f"c of shape {_s(c)} does not broadcast to the result shape {_s((m, n))}")
    return (m, n)


def _window_out(size: int, kernel: int, stride: int, pad_lo: int, pad_hi: int, dilation: int, dim: str) -> int:
    effective = dilation * (kernel - 1) + 1
    span = size + pad_lo + pad_hi - effective
    if span < 0:
        raise ShapeError(f"the {dim} window ({effective} with dilation) is larger than the padded input "
                         f"({size + pad_lo + pad_hi})")
    return span // stride + 1


def _check_window_attrs(strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int]) -> None:
    if len(strides) != 2:
        raise ShapeError(f"strides must have 2 values, got {len(strides)}")
    if len(pads) != 4:
        raise ShapeError(f"pads must have 4 values [top, left, bottom, right], got {len(pads)}")
    if len(dilations) != 2:
        raise ShapeError(f"dilations must have 2 values, got {len(dilations)}")
    if any(s < 1 for s in strides):
        raise ShapeError(f"strides must be positive, got {list(strides)}")
    if any(p < 0 for p in pads):
        raise ShapeError(f"pads must be non-negative, got {list(pads)}")
    if any(d < 1 for d in dilations):
        raise ShapeError(f"dilations must be positive, got {list(dilations)}")


def conv2d(x: Shape, w: Shape, bias: Shape | None, strides: Sequence[int], pads: Sequence[int],
           dilations: Sequence[int], groups: int) -> Shape:
    """NCHW input, FCHW weights (C = input channels / groups), optional bias of F."""
    if len(x) != 4:
        raise ShapeError(f"input must be 4-D (NCHW), got {_s(x)}")
    if len(w) != 4:
        raise ShapeError(f"weights must be 4-D (FCHW), got {_s(w)}")
    _check_window_attrs(strides, pads, dilations)
    n, c, h, wd = x
    f, cw, kh, kw = w
    if groups < 1:
        raise ShapeError(f"groups must be positive, got {groups}")
    if c % groups or f % groups:
        raise ShapeError(f"input channels ({c}) and filters ({f}) must be multiples of groups ({groups})")
    if cw * groups != c:
        raise ShapeError(f"weights have {cw} input channels per group, expected {c // groups} "
                         f"({c} channels / {groups} groups)")
    if bias is not None and bias != (f,):
        raise ShapeError(f"bias must have shape {f} (one value per filter), got {_s(bias)}")
    oh = _window_out(h, kh, strides[0], pads[0], pads[2], dilations[0], "height")
    ow = _window_out(wd, kw, strides[1], pads[1], pads[3], dilations[1], "width")
    return (n, f, oh, ow)


def pool2d(x: Shape, kernel: Sequence[int], strides: Sequence[int], pads: Sequence[int]) -> Shape:
    """NCHW pooling; each pad must be smaller than the kernel along its dimension (ONNX), so no window lies
    wholly in the padding."""
    if len(x) != 4:
        raise ShapeError(f"input must be 4-D (NCHW), got {_s(x)}")
    if len(kernel) != 2:
        raise ShapeError(f"kernel must have 2 values, got {len(kernel)}")
    if any(k < 1 for k in kernel):
        raise ShapeError(f"kernel sizes must be positive, got {list(kernel)}")
    _check_window_attrs(strides, pads, (1, 1))
    if pads[0] >= kernel[0] or pads[2] >= kernel[0] or pads[1] >= kernel[1] or pads[3] >= kernel[1]:
        raise ShapeError(f"pads {list(pads)} must be smaller than the kernel {list(kernel)}")
    n, c, h, w = x
    oh = _window_out(h, kernel[0], strides[0], pads[0], pads[2], 1, "height")
    ow = _window_out(w, kernel[1], strides[1], pads[1], pads[3], 1, "width")
    return (n, c, oh, ow)


def global_pool(x: Shape) -> Shape:
    if len(x) != 4:
        raise ShapeError(f"input must be 4-D (NCHW), got {_s(x)}")
    return (x[0], x[1], 1, 1)


def batch_norm(x: Shape, params: Sequence[Shape]) -> Shape:
    """x is N x C x ...; scale, bias, mean and var are vectors of C."""
    if len(x) < 2:
        raise ShapeError(f"input must have rank at least 2 (N x C x ...), got {_s(x)}")
    for name, p in zip(("scale", "bias", "mean", "var"), params):
        if p != (x[1],):
            raise ShapeError(f"{name} must have shape {x[1]} (one value per channel), got {_s(p)}")
    return x


def layer_norm(x: Shape, scale: Shape, bias: Shape, axis: int) -> Shape:
    """Normalizes over dimensions axis..rank-1; scale and bias have exactly those dimensions."""
    a = normalize_axis(axis, len(x))
    norm = x[a:]
    for name, p in (("scale", scale), ("bias", bias)):
        if p != norm:
            raise ShapeError(f"{name} must have the normalized shape {_s(norm)}, got {_s(p)}")
    return x


def reduce(x: Shape, axes: Sequence[int], keepdims: bool) -> Shape:
    if not axes:
        raise ShapeError("axes must not be empty")
    norm = [normalize_axis(a, len(x)) for a in axes]
    if len(set(norm)) != len(norm):
        raise ShapeError(f"axes {list(axes)} name a dimension twice")
    if keepdims:
        return tuple(1 if i in norm else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in norm)


def reshape(x: Shape, result: Shape) -> Shape:
    if prod(x) != prod(result):
        raise ShapeError(f"cannot reshape {_s(x)} ({prod(x)} elements) to {_s(result)} "
                         f"({prod(result)} elements)")
    return result


def transpose(x: Shape, perm: Sequence[int]) -> Shape:
    if sorted(perm) != list(range(len(x))):
        raise ShapeError(f"perm {list(perm)} is not a permutation of 0..{len(x) - 1}")
    return tuple(x[p] for p in perm)


def concat(inputs: Sequence[Shape], axis: int) -> Shape:
    if not inputs:
        raise ShapeError("needs at least one input")
    first = inputs[0]
    a = normalize_axis(axis, len(first))
    total = 0
    for i, s in enumerate(inputs):
        if len(s) != len(first) or any(d != e for j, (d, e) in enumerate(zip(s, first)) if j != a):
            raise ShapeError(f"input #{i} of shape {_s(s)} differs from input #0 ({_s(first)}) "
                             f"outside axis {a}")
        total += s[a]
    return first[:a] + (total,) + first[a + 1:]


def flatten(x: Shape, axis: int) -> Shape:
    """ONNX Flatten: (prod(x[:axis]), prod(x[axis:])); axis in [-rank, rank]."""
    r = len(x)
    if not -r <= axis <= r:
        raise ShapeError(f"axis {axis} is out of range for rank {r} (expected [{-r}, {r}])")
    a = axis + r if axis < 0 else axis
    return (prod(x[:a]), prod(x[a:]))


# -- ops added for ONNX import ----------------------------------------------------------------------------


def gather(x: Shape, indices: Shape, axis: int) -> Shape:
    """np.take(x, indices, axis): the indexed dimension is replaced by the indices' shape."""
    a = normalize_axis(axis, len(x))
    if x[a] == 0:
        raise ShapeError(f"cannot gather from the empty dimension {a}")
    return x[:a] + indices + x[a + 1:]


def slice_(x: Shape, starts: Sequence[int], ends: Sequence[int], steps: Sequence[int],
           axes: Sequence[int]) -> Shape:
    """ONNX Slice with its bounds already clamped: along each of `axes`, the elements start, start + step, ...
    before `end`. A positive step needs 0 <= start <= end <= dim; a negative one dim > start >= end >= -1
    (-1: through element 0). Other dimensions are kept whole."""
    n = len(starts)
    if not (len(ends) == len(steps) == len(axes) == n):
        raise ShapeError(f"starts, ends, steps and axes must have one value per sliced axis, got "
                         f"{n}, {len(ends)}, {len(steps)} and {len(axes)}")
    norm = [normalize_axis(a, len(x)) for a in axes]
    if len(set(norm)) != len(norm):
        raise ShapeError(f"axes {list(axes)} name a dimension twice")
    out = list(x)
    for a, s, e, st in zip(norm, starts, ends, steps):
        d = x[a]
        if st > 0:
            if not 0 <= s <= e <= d:
                raise ShapeError(f"slice of dimension {a} (size {d}) with step {st} needs 0 <= start <= end "
                                 f"<= {d}, got start {s}, end {e}")
            out[a] = (e - s + st - 1) // st
        elif st < 0:
            if not d > s >= e >= -1:
                raise ShapeError(f"slice of dimension {a} (size {d}) with step {st} needs {d} > start >= end "
                                 f">= -1, got start {s}, end {e}")
            out[a] = (s - e - st - 1) // -st
        else:
            raise ShapeError(f"the step along dimension {a} is 0")
    return tuple(out)


def pad(x: Shape, pads: Sequence[int], mode: str) -> Shape:
    """np.pad with [begin..., end...] amounts per dimension; "reflect" needs each amount below the dimension
    (one reflection, as ONNX), "edge" a non-empty dimension."""
    r = len(x)
    if len(pads) != 2 * r:
        raise ShapeError(f"pads must have {2 * r} values (begin and end per dimension), got {len(pads)}")
    if any(p < 0 for p in pads):
        raise ShapeError(f"pads must be non-negative, got {list(pads)}")
    for i, d in enumerate(x):
        lo, hi = pads[i], pads[r + i]
        if mode == "reflect" and (lo >= d or hi >= d) and (lo or hi):
            raise ShapeError(f"reflect pads of dimension {i} must be smaller than its size {d}, got {lo} and {hi}")
        if mode == "edge" and d == 0 and (lo or hi):
            raise ShapeError(f"edge padding of the empty dimension {i}")
    return tuple(d + pads[i] + pads[r + i] for i, d in enumerate(x))


def broadcast3(a: Shape, b: Shape, c: Shape) -> Shape:
    return broadcast(broadcast(a, b), c)


def arg_reduce(x: Shape, axis: int, keepdims: bool) -> Shape:
    a = normalize_axis(axis, len(x))
    if x[a] == 0:
        raise ShapeError(f"cannot take the index of an extreme over the empty dimension {a}")
    return x[:a] + ((1,) if keepdims else ()) + x[a + 1:]


def conv_transpose2d(x: Shape, w: Shape, bias: Shape | None, strides: Sequence[int], pads: Sequence[int],
                     dilations: Sequence[int], output_padding: Sequence[int], groups: int) -> Shape:
    """NCHW input, C x F/groups x KH x KW weights (ONNX ConvTranspose): each output dimension is
    `stride * (in - 1) + output_padding + dilation * (k - 1) + 1 - pad_lo - pad_hi`."""
    if len(x) != 4:
        raise ShapeError(f"input must be 4-D (NCHW), got {_s(x)}")
    if len(w) != 4:
        raise ShapeError(f"weights must be 4-D (C x F/groups x KH x KW), got {_s(w)}")
    _check_window_attrs(strides, pads, dilations)
    if len(output_padding) != 2:
        raise ShapeError(f"output_padding must have 2 values, got {len(output_padding)}")
    for i in range(2):
        if not 0 <= output_padding[i] < max(strides[i], dilations[i]):
            raise ShapeError(f"output_padding {list(output_padding)} must be non-negative and smaller than the "
                             f"stride or the dilation")
    n, c, h, wd = x
    cw, fg, kh, kw = w
    if groups < 1:
        raise ShapeError(f"groups must be positive, got {groups}")
    if cw != c:
        raise ShapeError(f"weights have {cw} input channels, the input {c}")
    if c % groups:
        raise ShapeError(f"input channels ({c}) must be a multiple of groups ({groups})")
    f = fg * groups
    if bias is not None and bias != (f,):
        raise ShapeError(f"bias must have shape {f} (one value per output channel), got {_s(bias)}")
    out = []
    for size, k, s, lo, hi, d, op, dim in ((h, kh, strides[0], pads[0], pads[2], dilations[0], output_padding[0],
                                           "height"),
                                          (wd, kw, strides[1], pads[1], pads[3], dilations[1], output_padding[1],
                                           "width")):
        o = s * (size - 1) + op + d * (k - 1) + 1 - lo - hi
        if o < 1:
            raise ShapeError(f"the pads leave no output along the {dim}")
        out.append(o)
    return (n, f, out[0], out[1])


def instance_norm(x: Shape, scale: Shape, bias: Shape) -> Shape:
    """x is N x C x D1 x ... (at least one spatial dimension); scale and bias are vectors of C."""
    if len(x) < 3:
        raise ShapeError(f"input must have rank at least 3 (N x C x D1 ...), got {_s(x)}")
    for name, p in (("scale", scale), ("bias", bias)):
        if p != (x[1],):
            raise ShapeError(f"{name} must have shape {x[1]} (one value per channel), got {_s(p)}")
    return x


def channels_first(x: Shape, what: str = "input") -> Shape:
    if len(x) < 3:
        raise ShapeError(f"{what} must have rank at least 3 (N x C x D1 ...), got {_s(x)}")
    return x


def resize(x: Shape, result: Shape) -> Shape:
    """The result type gives the sizes; the rank is the input's and no dimension is empty."""
    if len(x) != len(result):
        raise ShapeError(f"result rank {len(result)} differs from the input rank {len(x)}")
    if any(d < 1 for d in x) or any(d < 1 for d in result):
        raise ShapeError(f"cannot resize {_s(x)} to {_s(result)}: empty dimension")
    return result


def resize_scales(x: Shape, result: Shape, scales: Sequence[float]) -> Shape:
    """With explicit scales (f32, as ONNX's), each output size is floor(in * scale) computed in f32."""
    if len(scales) != len(x):
        raise ShapeError(f"scales must have one value per dimension ({len(x)}), got {len(scales)}")
    if any(not s > 0 for s in scales):
        raise ShapeError(f"scales must be positive, got {list(scales)}")
    for i, (d, s, o) in enumerate(zip(x, scales, result)):
        want = int(np.floor(np.float32(d) * np.float32(s)))  # the f32 product, as runtimes compute it
        if want != o:
            raise ShapeError(f"dimension {i}: {d} scaled by {s} has {want} elements, the result {o}")
    return tuple(result)


def tile(x: Shape, repeats: Sequence[int]) -> Shape:
    if len(repeats) != len(x):
        raise ShapeError(f"repeats must have one value per dimension ({len(x)}), got {len(repeats)}")
    if any(r < 0 for r in repeats):
        raise ShapeError(f"repeats must be non-negative, got {list(repeats)}")
    return tuple(d * r for d, r in zip(x, repeats))


def expand(x: Shape, result: Shape) -> Shape:
    """ONNX Expand: the result (written) is the broadcast of x with the requested shape, so x broadcasts to it."""
    try:
        full = broadcast(x, result)
    except ShapeError:
        full = None
    if full != tuple(result):
        raise ShapeError(f"input of shape {_s(x)} does not broadcast to {_s(result)}")
    return tuple(result)
