"""graph.conv2d, the 2-D pools and global_avg_pool as linalg convolution-shaped loop nests.

Padding of the spatial dimensions (pads are [top, left, bottom, right]) is
the input inserted into a filled tensor (Emitter.pad), 0 for conv and
average pooling and -inf for max pooling (a padded element never wins, as
ONNX/PyTorch define it). The
window reads `x[n, c, oh*sh + kh*dh, ow*sw + kw*dw]`.

- conv2d, groups == 1: `linalg.conv_2d_nchw_fchw` (loops n, f, oh, ow |
  c, kh, kw) on a zero-filled init, strides and dilations as its properties.
- conv2d, depthwise (groups == C == F): `linalg.depthwise_conv_2d_nchw_chw`
  with w regrouped from C x 1 x KH x KW to C x KH x KW (`tensor.collapse_shape`).
- conv2d, other groups (a channel multiplier included): the
  channels are regrouped without a copy, x as N x G x C/G x H x W and w as
  G x F/G x C/G x KH x KW (`tensor.expand_shape`), one generic with loops
  (n, g, fg, oh, ow | cg, kh, kw), and the result collapsed back to N x F x OH x OW.
- bias: an elementwise epilogue `y + bias[f]` (the graph's own add would be
  the same generic, so elementwise fusion treats both alike).
- max/avg pool: `linalg.pooling_nchw_max` / `linalg.pooling_nchw_sum` (loops
  n, c, oh, ow | kh, kw) with a `tensor.empty` window operand of KH x KW that
  gives the kernel loops their extent; avg divides the sum by KH*KW, or - count_include_pad false -
  by the number of non-pad elements of each window, computed per output
  position from `linalg.index`: (min(oh*sh - top + KH, H) - max(oh*sh - top, 0)) times the same for w.
- global_avg_pool: a sum over H and W, then one generic scaling by 1/(H*W)
  into N x C x 1 x 1; global_max_pool: a max over H and W (init -inf, NaN
  wins) read into N x C x 1 x 1 by `tensor.expand_shape`.
- conv_transpose2d, groups == 1: every input pixel's contribution to every
  kernel tap at once, one `linalg.matmul` (N*H*W x C) @ (C x F*KH*KW) of
  the channels-last input with the weights (both reshaped without a copy
  but for the input's transpose), then KH*KW strided accumulations
  (col2im): tap (i, j) adds its column block to the window of the
  zero-filled uncropped output starting at (i*dh, j*dw) with the stride
  as step, a generic whose init is that `tensor.extract_slice` (in place
  after bufferization); the pads crop with one more extract_slice, output
  padding is in the uncropped size. No multiplication by zeros.
- conv_transpose2d, groups > 1: the convolution (stride 1, same dilation)
  of the input spread out by the stride (`tensor.insert_slice` with
  strides into a zero tensor) and padded by `dilation * (k - 1) - pad` on
  each side (plus output_padding at the end; a negative amount crops), with
  the kernel flipped and its channel dimensions swapped per group:
  w'[g*F/g + f, c, i, j] = w[g*C/g + c, f, KH-1-i, KW-1-j], then conv2d's
  grouped generic above.
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.dialects import arith, linalg, tensor
from mlir_py.passes.conversions.graph_to_linalg.common import (
    PARALLEL,
    REDUCTION,
    Emitter,
    amap,
    attr,
    elt,
    identity,
    shape_of,
)
from mlir_py.passes.conversions.graph_to_linalg.matmul import lower_matmul_values
from mlir_py.passes.conversions.graph_to_linalg.scalar import index_to, lowest

from mlir_py.ir.affine_expr import dim
from mlir_py.ir.builtin_attributes import DenseElementsAttr, IntegerAttr
from mlir_py.ir.builtin_types import RankedTensorType, i64, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, OpAdaptor, conversion_pattern


def _window_props(strides: Sequence[int], dilations: Sequence[int]) -> dict:
    """The `strides` / `dilations` properties of the named window ops (`dense<...> : tensor<2xi64>`)."""
    t = RankedTensorType([2], i64)
    return {"strides": DenseElementsAttr(list(strides), t), "dilations": DenseElementsAttr(list(dilations), t)}


def _pad_spatial(e: Emitter, x: Value, pads: Sequence[int], value: float) -> Value:
    top, left, bottom, right = pads
    return e.pad(x, [0, 0, top, left], [0, 0, bottom, right], value)


def _mac(b, x: Value, w: Value, acc: Value) -> Value:
    return b.add(acc, b.mul(x, w))


def conv2d_values(e: Emitter, x: Value, w: Value, bias: Value | None, out_shape: Sequence[int],
                  strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int], groups: int) -> Value:
    et = elt(x)
    sh, sw = strides
    dh, dw = dilations
    xp = _pad_spatial(e, x, pads, 0.0)
    n_, f_, oh_, ow_ = out_shape
    f, cg, kh, kw = shape_of(w)
    window = _window_props(strides, dilations)
    if groups == 1:
        y = e.insert(linalg.Conv2DNchwFchwOp.build([xp, w], [e.full(out_shape, et, 0)], **window)).results[0]
    elif cg == 1 and f == groups:
        wd = e.collapse(w, [[0, 1], [2], [3]])
        y = e.insert(linalg.DepthwiseConv2DNchwChwOp.build([xp, wd], [e.full(out_shape, et, 0)],
                                                          **window)).results[0]
    else:
        g, fg = groups, f // groups
        _, _, hp, wp = shape_of(xp)
        xg = e.expand(xp, [[0], [1, 2], [3], [4]], [n_, g, cg, hp, wp])
        wg = e.expand(w, [[0, 1], [2], [3], [4]], [g, fg, cg, kh, kw])
        n, gi, fi, oh, ow, c, i, j = (dim(k) for k in range(8))
        maps = [amap(8, [n, gi, c, oh * sh + i * dh, ow * sw + j * dw]), amap(8, [gi, fi, c, i, j]),
                amap(8, [n, gi, fi, oh, ow])]
        yg = e.generic([xg, wg], e.full([n_, g, fg, oh_, ow_], et, 0), maps, [PARALLEL] * 5 + [REDUCTION] * 3,
                       _mac)
        y = e.collapse(yg, [[0], [1, 2], [3], [4]])
    return add_bias(e, y, bias)


def add_bias(e: Emitter, y: Value, bias: Value | None) -> Value:
    """`y + bias[f]` over N x F x OH x OW (the graph's own add would be the same generic)."""
    if bias is None:
        return y
    maps = [identity(4), amap(4, [dim(1)]), identity(4)]
    return e.generic([y, bias], e.empty(shape_of(y), elt(y)), maps, [PARALLEL] * 4, lambda b, v, bv, out: b.add(v, bv))


@conversion_pattern("graph.conv2d")
def lower_conv2d(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    operands = list(adaptor.operands)
    bias = operands[2] if len(operands) > 2 else None
    y = conv2d_values(Emitter(rw), operands[0], operands[1], bias, shape_of(op.results[0]), attr(op, "strides"),
                      attr(op, "pads"), attr(op, "dilations"), attr(op, "groups"))
    rw.replace_op(op, [y])
    return True


def _pool(e: Emitter, op_class: type, x: Value, out_shape: Sequence[int], kernel: Sequence[int],
          strides: Sequence[int], pads: Sequence[int], pad_value: float, init: float) -> Value:
    et = elt(x)
    xp = _pad_spatial(e, x, pads, pad_value)
    window = e.empty(kernel, et)
    return e.insert(op_class.build([xp, window], [e.full(out_shape, et, init)],
                                   **_window_props(strides, (1, 1)))).results[0]


@conversion_pattern("graph.max_pool2d")
def lower_max_pool2d(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    low = lowest(elt(x))
    y = _pool(Emitter(rw), linalg.PoolingNchwMaxOp, x, shape_of(op.results[0]), attr(op, "kernel"),
              attr(op, "strides"), attr(op, "pads"), low, low)
    rw.replace_op(op, [y])
    return True


def _window_count(b, pos: Value, stride: int, pad_lo: int, kernel: int, size: int) -> Value:
    """How many of the `kernel` window elements starting at `pos*stride - pad_lo` lie inside [0, size)."""
    def c(v: int) -> Value:
        return b.create(arith.ConstantOp(IntegerAttr(v, index)))
    start = b.create(arith.SubIOp(b.create(arith.MulIOp(pos, c(stride))), c(pad_lo)))
    end = b.create(arith.MinSIOp(b.create(arith.AddIOp(start, c(kernel))), c(size)))
    return b.create(arith.SubIOp(end, b.create(arith.MaxSIOp(start, c(0)))))


@conversion_pattern("graph.avg_pool2d")
def lower_avg_pool2d(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    kernel, strides, pads = attr(op, "kernel"), attr(op, "strides"), attr(op, "pads")
    out_shape = shape_of(op.results[0])
    et = elt(x)
    e = Emitter(rw)
    total = _pool(e, linalg.PoolingNchwSumOp, x, out_shape, kernel, strides, pads, 0.0, 0.0)
    _, _, h, w = shape_of(x)
    if attr(op, "count_include_pad") or not any(pads):
        inv = 1.0 / (kernel[0] * kernel[1])

        def body(b, s: Value, out: Value) -> Value:
            return b.mul(s, b.constant(inv, s.type))
    else:
        top, left = pads[0], pads[1]

        def body(b, s: Value, out: Value) -> Value:
            ch = _window_count(b, b.index(2), strides[0], top, kernel[0], h)
            cw = _window_count(b, b.index(3), strides[1], left, kernel[1], w)
            return b.div(s, index_to(b, b.create(arith.MulIOp(ch, cw)), s.type))
    y = e.generic([total], e.empty(out_shape, et), [identity(4)] * 2, [PARALLEL] * 4, body)
    rw.replace_op(op, [y])
    return True


@conversion_pattern("graph.global_avg_pool")
def lower_global_avg_pool(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    n, c, h, w = shape_of(x)
    e = Emitter(rw)
    total = e.reduce(x, [2, 3], 0.0, lambda b, v, acc: b.add(acc, v))
    inv = 1.0 / (h * w)
    y = e.generic([total], e.empty([n, c, 1, 1], elt(x)), [amap(4, [dim(0), dim(1)]), identity(4)],
                  [PARALLEL] * 4, lambda b, s, out: b.mul(s, b.constant(inv, s.type)))
    rw.replace_op(op, [y])
    return True


@conversion_pattern("graph.global_max_pool")
def lower_global_max_pool(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    e = Emitter(rw)
    m = e.reduce(x, [2, 3], lowest(elt(x)), lambda b, v, acc: b.max(acc, v))
    rw.replace_op(op, [e.expand(m, [[0], [1, 2, 3]], shape_of(op.results[0]))])
    return True


def _flipped_weights(e: Emitter, w: Value, groups: int) -> Value:
    """ConvTranspose weights C x F/g x KH x KW as conv2d's F x C/g x KH x KW, the kernel rotated by 180
    degrees."""
    c, fg, kh, kw = shape_of(w)
    cg = c // groups
    wg = e.expand(w, [[0, 1], [2], [3], [4]], [groups, cg, fg, kh, kw]) if groups > 1 else w
    if groups > 1:
        g, f, ci, i, j = (dim(k) for k in range(5))
        in_map = amap(5, [g, ci, f, (kh - 1) - i, (kw - 1) - j])
        out = e.generic([wg], e.empty([groups, fg, cg, kh, kw], elt(w)), [in_map, identity(5)], [PARALLEL] * 5,
                        lambda b, v, o: v)
        return e.collapse(out, [[0, 1], [2], [3], [4]])
    f, ci, i, j = (dim(k) for k in range(4))
    in_map = amap(4, [ci, f, (kh - 1) - i, (kw - 1) - j])
    return e.generic([w], e.empty([fg, c, kh, kw], elt(w)), [in_map, identity(4)], [PARALLEL] * 4,
                     lambda b, v, o: v)


def _conv_transpose_col2im(e: Emitter, x: Value, w: Value, full: Sequence[int], strides: Sequence[int],
                           dilations: Sequence[int]) -> Value:
    """groups == 1: every input pixel's contribution to each kernel tap at once, as one matmul
    (N*H*W x C) @ (C x F*KH*KW), then KH*KW strided accumulations into the zero-filled, uncropped output
    `full` (N x F x HF x WF): tap (i, j) adds cols[n, h, w, f, i, j] to y[n, f, i*dh + h*sh, j*dw + w*sw],
    a generic whose init is that strided window of y (so it bufferizes in place). No multiplication by the
    zeros a stride-spread input would hold."""
    n, c, h, wd = shape_of(x)
    _, f, kh, kw = shape_of(w)
    et = elt(x)
    xt = e.insert(linalg.TransposeOp.build(x, e.empty([n, h, wd, c], et), [0, 2, 3, 1])).results[0]
    rows = e.collapse(xt, [[0, 1, 2], [3]])
    cols = lower_matmul_values(e, rows, e.collapse(w, [[0], [1, 2, 3]]), [n * h * wd, f * kh * kw])
    cols = e.expand(cols, [[0, 1, 2], [3, 4, 5]], [n, h, wd, f, kh, kw])
    y = e.full(full, et, 0)
    for i in range(kh):
        for j in range(kw):
            offsets, sizes, steps = [0, 0, i * dilations[0], j * dilations[1]], [n, f, h, wd], [1, 1, *strides]
            window = e.insert(tensor.ExtractSliceOp.build_mixed(y, offsets, sizes, steps)).results[0]
            tap = amap(4, [dim(0), dim(2), dim(3), dim(1), i, j])
            added = e.generic([cols], window, [tap, identity(4)], [PARALLEL] * 4, lambda b, t, acc: b.add(acc, t))
            y = e.insert(tensor.InsertSliceOp.build_mixed(added, y, offsets, sizes, steps)).results[0]
    return y


@conversion_pattern("graph.conv_transpose2d")
def lower_conv_transpose2d(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    operands = list(adaptor.operands)
    x, w = operands[0], operands[1]
    bias = operands[2] if len(operands) > 2 else None
    strides, pads, dilations = attr(op, "strides"), attr(op, "pads"), attr(op, "dilations")
    out_pad, groups = attr(op, "output_padding"), attr(op, "groups")
    n, c, h, wd = shape_of(x)
    _, fg, kh, kw = shape_of(w)
    out_shape = shape_of(op.results[0])
    e = Emitter(rw)
    if groups == 1:
        full = [n, fg, (h - 1) * strides[0] + dilations[0] * (kh - 1) + 1 + out_pad[0],
                (wd - 1) * strides[1] + dilations[1] * (kw - 1) + 1 + out_pad[1]]
        y = _conv_transpose_col2im(e, x, w, full, strides, dilations)
        if list(full) != list(out_shape):  # the pads crop
            y = e.insert(tensor.ExtractSliceOp.build_mixed(y, [0, 0, pads[0], pads[1]], list(out_shape),
                                                           [1, 1, 1, 1])).results[0]
        rw.replace_op(op, [add_bias(e, y, bias)])
        return True
    # groups > 1: spread by the stride, padded by dilation * (k - 1) - pad (+ output_padding at the end)
    lo = [dilations[0] * (kh - 1) - pads[0], dilations[1] * (kw - 1) - pads[1]]
    hi = [dilations[0] * (kh - 1) - pads[2] + out_pad[0], dilations[1] * (kw - 1) - pads[3] + out_pad[1]]
    spread = [(h - 1) * strides[0] + 1, (wd - 1) * strides[1] + 1]
    full = [n, c] + [s + max(a, 0) + max(b, 0) for s, a, b in zip(spread, lo, hi)]
    if tuple(strides) == (1, 1):
        xs = e.pad(x, [0, 0, max(lo[0], 0), max(lo[1], 0)], [0, 0, max(hi[0], 0), max(hi[1], 0)], 0.0)
    else:
        dest = e.full(full, elt(x), 0)
        xs = e.insert(tensor.InsertSliceOp.build_mixed(x, dest, [0, 0, max(lo[0], 0), max(lo[1], 0)],
                                                        [n, c, h, wd], [1, 1, strides[0], strides[1]])).results[0]
    if min(lo + hi) < 0:  # a pad larger than the kernel's reach crops
        start = [0, 0, max(-lo[0], 0), max(-lo[1], 0)]
        size = [n, c] + [f - st - max(-b, 0) for f, st, b in zip(full[2:], start[2:], hi)]
        xs = e.insert(tensor.ExtractSliceOp.build_mixed(xs, start, size, [1, 1, 1, 1])).results[0]
    y = conv2d_values(e, xs, _flipped_weights(e, w, groups), bias, out_shape, (1, 1), (0, 0, 0, 0), dilations,
                      groups)
    rw.replace_op(op, [y])
    return True


PATTERNS = [lower_conv2d, lower_max_pool2d, lower_avg_pool2d, lower_global_avg_pool, lower_global_max_pool,
            lower_conv_transpose2d]

__all__ = ["PATTERNS", "add_bias", "conv2d_values"]
