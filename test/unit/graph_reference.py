"""numpy references for the graph dialect's ops (DESIGN §6), the oracle of test_graph_ops_numeric.py.

Written from the op definitions (numpy/ONNX semantics), not from the
lowering: each is the plainest numpy that computes the op, in float64 where
an accumulation would otherwise differ from a float32 loop only by rounding.
"""

from __future__ import annotations

import math

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])  # the C library's erf; numpy has none


def erf(x: np.ndarray) -> np.ndarray:
    return _erf(x.astype(np.float64)).astype(x.dtype)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    d = x.astype(np.float64)
    if approximate == "tanh":
        y = 0.5 * d * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (d + 0.044715 * d ** 3)))
    else:
        y = 0.5 * d * (1.0 + erf(d / math.sqrt(2.0)))
    return y.astype(x.dtype)


def rsqrt(x: np.ndarray) -> np.ndarray:
    return (1.0 / np.sqrt(x.astype(np.float64))).astype(x.dtype)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, np.zeros((), x.dtype))


def clip(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.minimum(np.maximum(x, np.asarray(lo, x.dtype)), np.asarray(hi, x.dtype))


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)


def gemm(a, b, c=None, alpha=1.0, beta=1.0, trans_a=False, trans_b=False) -> np.ndarray:
    a64 = a.astype(np.float64).T if trans_a else a.astype(np.float64)
    b64 = b.astype(np.float64).T if trans_b else b.astype(np.float64)
    y = alpha * (a64 @ b64)
    if c is not None:
        y = y + beta * c.astype(np.float64)
    return y.astype(a.dtype)


def _pad_hw(x: np.ndarray, pads, value: float) -> np.ndarray:
    top, left, bottom, right = pads
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def _windows(xp: np.ndarray, kernel, strides, dilations) -> np.ndarray:
    """[N, C, OH, OW, KH, KW]: the input element under each kernel tap of each output position."""
    n, c, h, w = xp.shape
    kh, kw = kernel
    sh, sw = strides
    dh, dw = dilations
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    out = np.empty((n, c, oh, ow, kh, kw), xp.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, :, :, i, j] = xp[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh,
                                       j * dw: j * dw + sw * (ow - 1) + 1: sw]
    return out


def conv2d(x, w, bias=None, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), groups=1) -> np.ndarray:
    """NCHW input, FCHW weights (C = input channels / groups), ONNX Conv."""
    n, c, _, _ = x.shape
    f, cg, kh, kw = w.shape
    assert c == cg * groups and f % groups == 0
    win = _windows(_pad_hw(x.astype(np.float64), pads, 0.0), (kh, kw), strides, dilations)
    fg = f // groups
    outs = []
    for g in range(groups):
        xs = win[:, g * cg:(g + 1) * cg]                       # N, Cg, OH, OW, KH, KW
        ws = w[g * fg:(g + 1) * fg].astype(np.float64)         # Fg, Cg, KH, KW
        outs.append(np.einsum("ncyxij,fcij->nfyx", xs, ws))
    y = np.concatenate(outs, axis=1)
    if bias is not None:
        y = y + bias.astype(np.float64)[None, :, None, None]
    return y.astype(x.dtype)


def max_pool2d(x, kernel, strides=(1, 1), pads=(0, 0, 0, 0)) -> np.ndarray:
    win = _windows(_pad_hw(x, pads, -np.inf), kernel, strides, (1, 1))
    return win.max(axis=(4, 5)).astype(x.dtype)


def avg_pool2d(x, kernel, strides=(1, 1), pads=(0, 0, 0, 0), count_include_pad=False) -> np.ndarray:
    win = _windows(_pad_hw(x.astype(np.float64), pads, 0.0), kernel, strides, (1, 1))
    total = win.sum(axis=(4, 5))
    if count_include_pad:
        return (total / (kernel[0] * kernel[1])).astype(x.dtype)
    ones = np.ones((1, 1) + x.shape[2:])
    counts = _windows(_pad_hw(ones, pads, 0.0), kernel, strides, (1, 1)).sum(axis=(4, 5))
    return (total / counts).astype(x.dtype)


def global_avg_pool(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64).mean(axis=(2, 3), keepdims=True).astype(x.dtype)


def batch_norm(x, scale, bias, mean, var, epsilon=1e-5) -> np.ndarray:
    shape = (1, -1) + (1,) * (x.ndim - 2)
    d = [a.astype(np.float64).reshape(shape) for a in (scale, bias, mean, var)]
    y = (x.astype(np.float64) - d[2]) / np.sqrt(d[3] + epsilon) * d[0] + d[1]
    return y.astype(x.dtype)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    d = x.astype(np.float64)
    e = np.exp(d - d.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(x.dtype)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    d = x.astype(np.float64)
    s = d - d.max(axis=axis, keepdims=True)
    return (s - np.log(np.exp(s).sum(axis=axis, keepdims=True))).astype(x.dtype)


def layer_norm(x, scale, bias, axis=-1, epsilon=1e-5) -> np.ndarray:
    axis = axis % x.ndim
    axes = tuple(range(axis, x.ndim))
    d = x.astype(np.float64)
    mean = d.mean(axis=axes, keepdims=True)
    var = ((d - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (d - mean) / np.sqrt(var + epsilon) * scale.astype(np.float64) + bias.astype(np.float64)
    return y.astype(x.dtype)


def reduce(kind: str, x: np.ndarray, axes, keepdims: bool) -> np.ndarray:
    axes = tuple(range(x.ndim)) if len(axes) == 0 else tuple(a % x.ndim for a in axes)
    fn = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}[kind]
    src = x.astype(np.float64) if kind in ("sum", "mean") and x.dtype.kind == "f" else x
    return np.asarray(fn(src, axis=axes, keepdims=keepdims)).astype(x.dtype)


def flatten(x: np.ndarray, axis: int) -> np.ndarray:
    axis = axis % (x.ndim + 1) if axis < 0 else axis
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    return x.reshape(outer, -1)


# -- the ops added for ONNX import (ONNX's operator definitions where numpy has none) ---------------------


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x.astype(np.float64)).astype(x.dtype)


def leaky_relu(x: np.ndarray, alpha: float) -> np.ndarray:
    d = x.astype(np.float64)
    return np.where(d < 0, np.float64(np.float32(alpha)) * d, d).astype(x.dtype)


def hard_sigmoid(x: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    d = x.astype(np.float64)
    return np.clip(np.float64(np.float32(alpha)) * d + np.float64(np.float32(beta)), 0, 1).astype(x.dtype)


def cast(x: np.ndarray, dtype) -> np.ndarray:
    """ONNX Cast: to bool is `!= 0`; floats to integers truncate toward zero (inputs here are in range)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return x != 0
    if x.dtype.kind == "f" and dtype.kind == "i":
        return np.trunc(x).astype(dtype)
    return x.astype(dtype)


def gather(x: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    """np.take, negative indices counting from the end."""
    size = x.shape[axis]
    return np.take(x, np.where(indices < 0, indices + size, indices), axis=axis)


def argext(kind: str, x: np.ndarray, axis: int, keepdims: bool, last: bool) -> np.ndarray:
    fn = np.argmax if kind == "max" else np.argmin
    if last:
        out = x.shape[axis] - 1 - fn(np.flip(x, axis), axis=axis)
    else:
        out = fn(x, axis=axis)
    return np.expand_dims(out, axis) if keepdims else out


def conv_transpose2d(x, w, bias=None, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), output_padding=(0, 0),
                     groups=1) -> np.ndarray:
    """ONNX ConvTranspose by its definition: every input element scatters x * w over its window."""
    n, c, h, wd = x.shape
    _, fg, kh, kw = w.shape
    cg = c // groups
    sh, sw = strides
    dh, dw = dilations
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
    y = np.zeros((n, fg * groups, full_h, full_w))
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    for g in range(groups):
        xg = x64[:, g * cg:(g + 1) * cg]
        wg = w64[g * cg:(g + 1) * cg]
        for i in range(h):
            for j in range(wd):
                for p in range(kh):
                    for q in range(kw):
                        y[:, g * fg:(g + 1) * fg, i * sh + p * dh, j * sw + q * dw] += xg[:, :, i, j] @ wg[:, :, p, q]
    y = y[:, :, pads[0]:full_h - pads[2], pads[1]:full_w - pads[3]]
    if bias is not None:
        y = y + bias.astype(np.float64)[None, :, None, None]
    return y.astype(x.dtype)


def instance_norm(x, scale, bias, epsilon=1e-5) -> np.ndarray:
    d = x.astype(np.float64)
    axes = tuple(range(2, x.ndim))
    mean = d.mean(axis=axes, keepdims=True)
    var = ((d - mean) ** 2).mean(axis=axes, keepdims=True)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (d - mean) / np.sqrt(var + epsilon) * scale.astype(np.float64).reshape(shape) \
        + bias.astype(np.float64).reshape(shape)
    return y.astype(x.dtype)


def lrn(x, size, alpha=1e-4, beta=0.75, bias=1.0) -> np.ndarray:
    """ONNX LRN: the sum of squares over channels [c - floor((size-1)/2), c + ceil((size-1)/2)] that exist."""
    d = x.astype(np.float64)
    c = x.shape[1]
    sq = np.zeros_like(d)
    for ch in range(c):
        lo, hi = max(0, ch - (size - 1) // 2), min(c - 1, ch + (size - 1) - (size - 1) // 2)
        sq[:, ch] = (d[:, lo:hi + 1] ** 2).sum(axis=1)
    return (d / (bias + alpha / size * sq) ** beta).astype(x.dtype)


def _resize_coordinate(x: int, n_in: int, n_out: int, mode: str, scale: float) -> float:
    """ONNX's coordinate transformations; `length` is the resized length before rounding (the spec's
    output_width, an f32 product), which align_corners and pytorch_half_pixel use."""
    length = float(np.float32(scale) * np.float32(n_in))
    if mode == "half_pixel_symmetric":
        return n_in / 2 * (1 - n_out / length) + (x + 0.5) / scale - 0.5
    if mode == "align_corners":
        return 0.0 if length == 1 else x * (n_in - 1) / (length - 1)
    if mode == "asymmetric":
        return x / scale
    if mode == "pytorch_half_pixel":
        return -0.5 if length == 1 else (x + 0.5) / scale - 0.5
    if mode == "tf_half_pixel_for_nn":
        return (x + 0.5) / scale
    return (x + 0.5) / scale - 0.5


def _resize_1d(data: np.ndarray, n_out: int, x: int, mode: str, ctm: str, nearest: str, scale: float) -> float:
    """One output element of a 1-D resize as ONNX's reference computes it: the two neighbours of the
    coordinate in the edge-padded input (so indices clamp) and their coefficients."""
    n = len(data)
    pos = _resize_coordinate(x, n, n_out, ctm, scale)
    if pos == math.floor(pos):
        left, right, ratio = int(pos) - 1, int(pos), 1.0
    else:
        left, right = math.floor(pos), math.floor(pos) + 1
        ratio = pos - left
    lv, rv = data[min(max(left, 0), n - 1)], data[min(max(right, 0), n - 1)]
    if mode == "linear":
        return (1 - ratio) * lv + ratio * rv
    if ratio == 1.0:
        return rv
    take_right = {"round_prefer_floor": ratio > 0.5, "round_prefer_ceil": ratio >= 0.5, "floor": False,
                  "ceil": True}[nearest]
    return rv if take_right else lv


def resize(x: np.ndarray, out_shape, mode="nearest", ctm="half_pixel", nearest="round_prefer_floor",
           scales=None) -> np.ndarray:
    """ONNX Resize to `out_shape` (scales out / in unless given, as f32 values), one dimension at a time (both
    interpolations are separable), in float64, as ONNX's reference implementation computes it."""
    y = x.astype(np.float64)
    for axis, n_out in enumerate(out_shape):
        scale = float(np.float32(scales[axis])) if scales is not None else n_out / x.shape[axis]
        moved = np.moveaxis(y, axis, -1)
        out = np.empty(moved.shape[:-1] + (n_out,))
        for idx in np.ndindex(moved.shape[:-1]):
            for k in range(n_out):
                out[idx + (k,)] = _resize_1d(moved[idx], n_out, k, mode, ctm, nearest, scale)
        y = np.moveaxis(out, -1, axis)
    return y.astype(x.dtype)
