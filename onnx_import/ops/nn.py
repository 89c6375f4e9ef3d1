"""Neural-network operators: contractions, convolution, pooling, normalizations, softmax.

The graph dialect's convolution and pooling are 2-D over NCHW; 1-D forms go through them with a unit height
(reshapes around the op). ONNX's `auto_pad` and `ceil_mode` become explicit pads, computed here.
"""

from __future__ import annotations

import math

import numpy as np
from mlir_py.frontend import Tensor
from mlir_py.onnx.registry import Node, converts, normalize_axis


@converts("MatMul")
def matmul(node: Node):
    return node.g.matmul(node.tensor(0), node.tensor(1))


@converts("Gemm")
def gemm(node: Node):
    c = node.tensor(2) if node.has(2) else None
    return node.g.gemm(node.tensor(0), node.tensor(1), c, alpha=node.attr("alpha", 1.0), beta=node.attr("beta", 1.0),
                       trans_a=bool(node.attr("transA", 0)), trans_b=bool(node.attr("transB", 0)))


def _spatial(node: Node, x_rank: int) -> int:
    nd = x_rank - 2
    if nd not in (1, 2):
        raise node.error(f"only 1-D and 2-D {node.op_type} are supported (the input has {nd} spatial "
                         "dimensions)")
    return nd


def _pads(node: Node, in_sizes: list[int], kernel: list[int], strides: list[int], dilations: list[int]
          ) -> list[int]:
    """Explicit pads [begin..., end...] from `pads` or `auto_pad`."""
    nd = len(in_sizes)
    auto = node.attr("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        pads = [int(p) for p in node.attr("pads", [0] * 2 * nd)]
        if len(pads) != 2 * nd:
            raise node.error(f"pads has {len(pads)} values, expected {2 * nd}")
        return pads
    if auto == "VALID":
        return [0] * 2 * nd
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise node.error(f"unknown auto_pad '{auto}'")
    begin, end = [], []
    for size, k, s, d in zip(in_sizes, kernel, strides, dilations):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        small = total // 2
        begin.append(small if auto == "SAME_UPPER" else total - small)
        end.append(total - small if auto == "SAME_UPPER" else small)
    return begin + end


def _window(node: Node, nd: int, default_kernel: list[int] | None = None) -> tuple[list[int], list[int], list[int]]:
    """The `kernel_shape`, `strides` and `dilations` attributes of a windowed operator (Conv, ConvTranspose,
    pools), with ONNX's defaults."""
    kernel = [int(k) for k in node.attr("kernel_shape", default_kernel)]
    strides = [int(s) for s in node.attr("strides", [1] * nd)]
    dilations = [int(d) for d in node.attr("dilations", [1] * nd)]
    return kernel, strides, dilations


def _to_2d(g, x: Tensor, nd: int) -> Tensor:
    """N x C x L as N x C x 1 x L (1-D operators run as 2-D ones)."""
    return x if nd == 2 else g.reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2]))


def _pair_2d(values: list[int], nd: int, fill: int) -> list[int]:
    return values if nd == 2 else [fill, values[0]]


def _pads_2d(pads: list[int], nd: int) -> list[int]:
    return pads if nd == 2 else [0, pads[0], 0, pads[1]]


@converts("Conv")
def conv(node: Node):
    g = node.g
    x = node.tensor(0)
    nd = _spatial(node, x.ndim)
    w_shape = node.shape(1)
    kernel, strides, dilations = _window(node, nd, w_shape[2:])
    pads = _pads(node, list(x.shape[2:]), kernel, strides, dilations)
    w = node.tensor(1)
    if nd == 1:
        w = g.reshape(w, (w_shape[0], w_shape[1], 1, w_shape[2]))
    bias = node.tensor(2) if node.has(2) else None
    y = g.conv2d(_to_2d(g, x, nd), w, bias, strides=_pair_2d(strides, nd, 1), pads=_pads_2d(pads, nd),
                 dilations=_pair_2d(dilations, nd, 1), groups=int(node.attr("group", 1)))
    return y if nd == 2 else g.reshape(y, (y.shape[0], y.shape[1], y.shape[3]))


def _ceil_extra(node: Node, sizes: list[int], kernel: list[int], strides: list[int], pads: list[int]) -> list[int]:
    """Extra end padding that makes floor division give ceil_mode's output size (a window that would start in
    the end padding is dropped, as ONNX and PyTorch do)."""
    nd = len(sizes)
    extra = []
    for i in range(nd):
        span = sizes[i] + pads[i] + pads[nd + i] - kernel[i]
        out = -(-span // strides[i]) + 1
        if (out - 1) * strides[i] >= sizes[i] + pads[i]:
            out -= 1
        extra.append(max((out - 1) * strides[i] - span, 0))
    return extra


def _window_counts(sizes: list[int], kernel: list[int], strides: list[int], pads: list[int], extra: list[int],
                   inside: bool) -> np.ndarray:
    """Per output position, how many window elements lie in the input (`inside`) or in input plus pads."""
    nd = len(sizes)
    axes = []
    for i in range(nd):
        lo, hi = (0, sizes[i]) if inside else (-pads[i], sizes[i] + pads[nd + i])
        n_out = (sizes[i] + pads[i] + pads[nd + i] + extra[i] - kernel[i]) // strides[i] + 1
        starts = np.arange(n_out) * strides[i] - pads[i]
        axes.append(np.minimum(starts + kernel[i], hi) - np.maximum(starts, lo))
    counts = axes[0]
    for a in axes[1:]:
        counts = np.multiply.outer(counts, a)
    return counts.astype(np.float32)


@converts("MaxPool", "AveragePool")
def pool(node: Node):
    g = node.g
    x = node.tensor(0)
    nd = _spatial(node, x.ndim)
    if node.output_used(1):
        raise node.error("the Indices output of MaxPool is not supported")
    kernel, strides, dilations = _window(node, nd)
    if any(d != 1 for d in dilations):
        raise node.error(f"dilations {dilations} are not supported (pooling windows are dense)")
    sizes = list(x.shape[2:])
    pads = _pads(node, sizes, kernel, strides, dilations)
    extra = _ceil_extra(node, sizes, kernel, strides, pads) if node.attr("ceil_mode", 0) else [0] * nd
    full = pads[:nd] + [p + e for p, e in zip(pads[nd:], extra)]
    if any(p >= k for p, k in zip(full[:nd] + full[nd:], kernel + kernel)):
        raise node.error(f"pads {full} are not all smaller than the kernel {kernel}")
    x2 = _to_2d(g, x, nd)
    args = dict(strides=_pair_2d(strides, nd, 1), pads=_pads_2d(full, nd))
    if node.op_type == "MaxPool":
        y = g.max_pool2d(x2, _pair_2d(kernel, nd, 1), **args)
    else:
        include = bool(node.attr("count_include_pad", 0))
        if include and any(extra) and any(pads):
            # count the real pads but not ceil_mode's extra ones: rescale the in-bounds average
            y = g.avg_pool2d(x2, _pair_2d(kernel, nd, 1), count_include_pad=False, **args)
            ratio = _window_counts(sizes, kernel, strides, pads, extra, True) / \
                _window_counts(sizes, kernel, strides, pads, extra, False)
            y = g.mul(y, ratio.reshape(y.shape[2:]).astype(np.float32 if x.dtype == "f32" else np.float16))
        else:
            y = g.avg_pool2d(x2, _pair_2d(kernel, nd, 1), count_include_pad=include and any(pads), **args)
    return y if nd == 2 else g.reshape(y, (y.shape[0], y.shape[1], y.shape[3]))


@converts("GlobalAveragePool", "GlobalMaxPool")
def global_pool(node: Node):
    x = node.tensor(0)
    if x.ndim == 4:
        return node.g.global_avg_pool(x) if node.op_type == "GlobalAveragePool" else \
            node.g.global_max_pool(x)
    axes = list(range(2, x.ndim))
    return (node.g.reduce_mean if node.op_type == "GlobalAveragePool" else node.g.reduce_max)(x, axes, True)


@converts("BatchNormalization")
def batch_norm(node: Node):
    if node.opset < 9 and node.attr("spatial", 1) != 1:
        raise node.error("spatial = 0 (per-element statistics) is not supported")
    if node.attr("training_mode", 0) or any(node.output_used(i) for i in range(1, node.num_outputs)):
        raise node.error("training mode (running statistics outputs) is not supported")
    x = node.tensor(0)
    if x.ndim == 2:
        x4 = node.g.reshape(x, (*x.shape, 1, 1))
        y = node.g.batch_norm(x4, node.tensor(1), node.tensor(2), node.tensor(3), node.tensor(4),
                              epsilon=node.attr("epsilon", 1e-5))
        return node.g.reshape(y, x.shape)
    return node.g.batch_norm(x, node.tensor(1), node.tensor(2), node.tensor(3), node.tensor(4),
                             epsilon=node.attr("epsilon", 1e-5))


@converts("InstanceNormalization")
def instance_norm(node: Node):
    x = node.tensor(0)
    eps = float(node.attr("epsilon", 1e-5))
    if x.ndim == 4:
        return node.g.instance_norm(x, node.tensor(1), node.tensor(2), epsilon=eps)
    # N x C x D1 x ... as N x C x 1 x (D1 * ...)
    flat = node.g.reshape(x, (x.shape[0], x.shape[1], 1, math.prod(x.shape[2:])))
    y = node.g.instance_norm(flat, node.tensor(1), node.tensor(2), epsilon=eps)
    return node.g.reshape(y, x.shape)


@converts("LayerNormalization")
def layer_norm(node: Node):
    if any(node.output_used(i) for i in (1, 2)):
        raise node.error("the Mean and InvStdDev outputs are not supported")
    x = node.tensor(0)
    axis = normalize_axis(node, int(node.attr("axis", -1)), x.ndim)
    norm_shape = x.shape[axis:]

    def param(i: int, fill: float) -> Tensor:
        if not node.has(i):
            return node.g.constant(np.full(norm_shape, fill, dtype=np.float32))
        if node.shape(i) == norm_shape:
            return node.tensor(i)
        v = node.inputs[i]
        if isinstance(v, np.ndarray):
            return node.g.constant(np.broadcast_to(v, norm_shape).astype(np.float32))
        raise node.error(f"input {i} of shape {node.shape(i)} must have the normalized shape {norm_shape}")
    return node.g.layer_norm(x, param(1, 1.0), param(2, 0.0), axis=axis, epsilon=node.attr("epsilon", 1e-5))


@converts("Softmax", "LogSoftmax")
def softmax(node: Node):
    """From opset 13 one axis (default -1); before, the input is seen as 2-D at `axis` (default 1) and the
    softmax runs over the flattened trailing dimensions."""
    g = node.g
    x = node.tensor(0)
    fn = g.softmax if node.op_type == "Softmax" else g.log_softmax
    if node.opset >= 13:
        return fn(x, axis=int(node.attr("axis", -1)))
    axis = int(node.attr("axis", 1))
    axis = axis + x.ndim if axis < 0 else axis
    if axis >= x.ndim - 1:
        return fn(x, axis=-1)
    flat = g.reshape(x, (math.prod(x.shape[:axis]), math.prod(x.shape[axis:])))
    return g.reshape(fn(flat, axis=-1), x.shape)


@converts("LRN")
def lrn(node: Node):
    return node.g.lrn(node.tensor(0), node.attr("size"), node.attr("alpha", 1e-4), node.attr("beta", 0.75),
                      node.attr("bias", 1.0))


@converts("ConvTranspose")
def conv_transpose(node: Node):
    """Explicit pads from `pads`, `auto_pad` or `output_shape` (whose total padding splits as ONNX says: an odd
    element at the end for SAME_UPPER, at the beginning otherwise)."""
    g = node.g
    x = node.tensor(0)
    nd = _spatial(node, x.ndim)
    w_shape = node.shape(1)
    kernel, strides, dilations = _window(node, nd, w_shape[2:])
    out_pad = [int(p) for p in node.attr("output_padding", [0] * nd)]
    sizes = list(x.shape[2:])
    output_shape = node.attr("output_shape")
    auto = node.attr("auto_pad", "NOTSET")
    if output_shape is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
        targets = [int(v) for v in output_shape][-nd:] if output_shape is not None else \
            [size * s for size, s in zip(sizes, strides)]
        begin, end = [], []
        for i in range(nd):
            total = strides[i] * (sizes[i] - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1 - targets[i]
            if total < 0:
                raise node.error(f"output_shape {targets} is larger than the transposed convolution produces")
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            begin.append(lo)
            end.append(total - lo)
        pads = begin + end
    elif auto == "VALID":
        pads = [0] * 2 * nd
    else:
        pads = [int(p) for p in node.attr("pads", [0] * 2 * nd)]
    w = node.tensor(1)
    if nd == 1:
        w = g.reshape(w, (w_shape[0], w_shape[1], 1, w_shape[2]))
    y = g.conv_transpose2d(_to_2d(g, x, nd), w, node.tensor(2) if node.has(2) else None,
                           strides=_pair_2d(strides, nd, 1), pads=_pads_2d(pads, nd),
                           dilations=_pair_2d(dilations, nd, 1), output_padding=_pair_2d(out_pad, nd, 0),
                           groups=int(node.attr("group", 1)))
    return y if nd == 2 else g.reshape(y, (y.shape[0], y.shape[1], y.shape[3]))
