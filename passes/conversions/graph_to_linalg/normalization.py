"""Reductions, softmax / log_softmax, layer_norm, instance_norm, batch_norm and lrn as linalg generics.

A reduction is one generic with `reduction` iterators on the reduced axes,
accumulating into a `linalg.fill`ed init without those dimensions (0 for
sums, 1 for products, -inf / the smallest integer for max, +inf / the largest for min);
`keepdims` regroups the result with `tensor.expand_shape` (no copy); mean
scales the sum by 1/count.

Numerically stable forms, each a short sequence of generics over the data:
- softmax: m = max(x); e = exp(x - m); y = e / sum(e);
- log_softmax: m = max(x); lse = m + log(sum(exp(x - m))) (the exp inside
  the sum's body, nothing stored); y = x - lse;
- layer_norm over axis..rank-1: mean first, then the variance as the mean of
  (x - mean)^2 (two passes, no E[x^2] - E[x]^2 cancellation), r = rsqrt(var + eps),
  y = (x - mean) * r * scale + bias;
- instance_norm is layer_norm's computation over the spatial dimensions
  2..rank-1, with scale and bias read per channel;
- lrn: the squares of the channels summed over a window of `size` channels
  (a generic with one reduction loop over the window, whose extent an empty
  operand of `size` elements gives, as for the named pooling ops, reading the input
  padded with zeros along C: `(size - 1) / 2` channels before, the rest
  after), then y = x * (bias + alpha / size * sum)^-beta (`math.powf`);
- batch_norm (inference) folded to y = x * s[c] + t[c] with s = scale / sqrt(var + eps) and
  t = bias - mean * s: computed in float64 at compile time when the four
  operands are constants (graph.constant / arith.constant, dense or
  dense_resource), else by two small generics over the C channels.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from mlir_py.dialects import math as M
from mlir_py.passes.conversions.graph_to_linalg.common import (
    PARALLEL,
    REDUCTION,
    Emitter,
    amap,
    attr,
    constant_array,
    elt,
    identity,
    normalize_axis,
    shape_of,
)
from mlir_py.passes.conversions.graph_to_linalg.scalar import highest, lowest

from mlir_py.ir.affine_expr import dim
from mlir_py.ir.builtin_attributes import numpy_dtype
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, OpAdaptor, conversion_pattern


def keepdims_groups(rank: int, axes: Sequence[int]) -> list[list[int]]:
    """Reassociation from the reduced tensor to the keepdims one: each size-1 reduced dimension joins the
    group of the kept dimension before it (leading ones the first group); [] when nothing is kept."""
    kept = [i for i in range(rank) if i not in axes]
    if not kept:
        return []
    groups: list[list[int]] = [[] for _ in kept]
    g = 0
    for i in range(rank):
        if i in kept:
            g = kept.index(i)
        groups[g].append(i)
    return groups


def _reduced_map(rank: int, axes: Sequence[int]):
    return amap(rank, [dim(i) for i in range(rank) if i not in axes])


def _count(shape: Sequence[int], axes: Sequence[int]) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


REDUCTIONS = {
    "graph.reduce_sum": (lambda t: 0, lambda b, v, acc: b.add(acc, v)),
    "graph.reduce_mean": (lambda t: 0, lambda b, v, acc: b.add(acc, v)),
    "graph.reduce_max": (lowest, lambda b, v, acc: b.max(acc, v)),
    "graph.reduce_min": (highest, lambda b, v, acc: b.min(acc, v)),
    "graph.reduce_prod": (lambda t: 1, lambda b, v, acc: b.mul(acc, v)),
}


def _reduce_pattern(name: str):
    init_of, body = REDUCTIONS[name]

    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        (x,) = adaptor.operands
        shape = shape_of(x)
        axes = sorted({normalize_axis(a, len(shape)) for a in attr(op, "axes")})
        e = Emitter(rw)
        y = e.reduce(x, axes, init_of(elt(x)), body)
        if name == "graph.reduce_mean":
            inv = 1.0 / _count(shape, axes)
            ys = shape_of(y)
            y = e.generic([y], e.empty(ys, elt(y)), [identity(len(ys))] * 2, [PARALLEL] * len(ys),
                          lambda b, v, out: b.mul(v, b.constant(inv, v.type)))
        res_shape = shape_of(op.results[0])
        if shape_of(y) != res_shape:
            y = e.expand(y, keepdims_groups(len(shape), axes), res_shape)
        rw.replace_op(op, [y])
        return True
    lower.__name__ = "lower_" + name.split(".")[1]
    return conversion_pattern(name)(lower)


def _drop_axis_generic(e: Emitter, inputs: Sequence[Value], reduced: Sequence[bool], shape: Sequence[int],
                       axes: Sequence[int], body) -> Value:
    """An elementwise generic over `shape`; inputs marked `reduced` lack `axes` and are read through the
    map that drops them."""
    r = len(shape)
    maps = [_reduced_map(r, axes) if red else identity(r) for red in reduced] + [identity(r)]
    return e.generic(list(inputs), e.empty(shape, elt(inputs[0])), maps, [PARALLEL] * r, body)


def _map_reduced(e: Emitter, inputs: Sequence[Value], body) -> Value:
    """An elementwise generic over the shape of the (reduced) inputs."""
    s = shape_of(inputs[0])
    return e.generic(list(inputs), e.empty(s, elt(inputs[0])), [identity(len(s))] * (len(inputs) + 1),
                     [PARALLEL] * len(s), body)


def softmax_values(e: Emitter, x: Value, axis: int, log: bool) -> Value:
    shape = shape_of(x)
    axes = [normalize_axis(axis, len(shape))]
    m = e.reduce(x, axes, lowest(elt(x)), lambda b, v, acc: b.max(acc, v))
    if log:
        s = e.reduce(x, axes, 0.0, lambda b, v, mv, acc: b.add(acc, b.create(M.ExpOp(b.sub(v, mv)))), extra=[m])
        lse = _map_reduced(e, [m, s], lambda b, mv, sv, out: b.add(mv, b.create(M.LogOp(sv))))
        return _drop_axis_generic(e, [x, lse], [False, True], shape, axes, lambda b, v, lv, out: b.sub(v, lv))
    ex = _drop_axis_generic(e, [x, m], [False, True], shape, axes,
                            lambda b, v, mv, out: b.create(M.ExpOp(b.sub(v, mv))))
    s = e.reduce(ex, axes, 0.0, lambda b, v, acc: b.add(acc, v))
    return _drop_axis_generic(e, [ex, s], [False, True], shape, axes, lambda b, v, sv, out: b.div(v, sv))


def _softmax_pattern(name: str, log: bool):
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        (x,) = adaptor.operands
        rw.replace_op(op, [softmax_values(Emitter(rw), x, attr(op, "axis"), log)])
        return True
    lower.__name__ = "lower_" + name.split(".")[1]
    return conversion_pattern(name)(lower)


def _mean_rstd(e: Emitter, x: Value, axes: Sequence[int], eps: float) -> tuple[Value, Value]:
    """The mean of `x` over `axes` and the reciprocal of the standard deviation (biased, `eps` added), both
    without those dimensions: two passes over x, so no E[x^2] - E[x]^2 cancellation."""
    inv = 1.0 / _count(shape_of(x), axes)
    total = e.reduce(x, axes, 0.0, lambda b, v, acc: b.add(acc, v))
    mean = _map_reduced(e, [total], lambda b, s, out: b.mul(s, b.constant(inv, s.type)))

    def sq_dev(b, v, mv, acc):
        d = b.sub(v, mv)
        return b.add(acc, b.mul(d, d))
    ssd = e.reduce(x, axes, 0.0, sq_dev, extra=[mean])
    rstd = _map_reduced(e, [ssd], lambda b, s, out: b.create(M.RsqrtOp(
        b.add(b.mul(s, b.constant(inv, s.type)), b.constant(eps, s.type)))))
    return mean, rstd


def _normalized(b, v, mv, rv, sv, bv, out):
    return b.add(b.mul(b.mul(b.sub(v, mv), rv), sv), bv)


def _normalize(e: Emitter, x: Value, axes: Sequence[int], param_dims: Sequence[int], scale: Value, bias: Value,
               eps: float) -> Value:
    """(x - mean) * rsqrt(var + eps) * scale + bias, the statistics over `axes`, scale and bias indexed by the
    dimensions `param_dims` of x."""
    shape = shape_of(x)
    r = len(shape)
    mean, rstd = _mean_rstd(e, x, axes, eps)
    red, params = _reduced_map(r, axes), amap(r, [dim(i) for i in param_dims])
    return e.generic([x, mean, rstd, scale, bias], e.empty(shape, elt(x)),
                     [identity(r), red, red, params, params, identity(r)], [PARALLEL] * r, _normalized)


@conversion_pattern("graph.layer_norm")
def lower_layer_norm(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    x, scale, bias = adaptor.operands
    r = len(shape_of(x))
    axes = list(range(normalize_axis(attr(op, "axis"), r), r))
    rw.replace_op(op, [_normalize(Emitter(rw), x, axes, axes, scale, bias, attr(op, "epsilon"))])
    return True


@conversion_pattern("graph.instance_norm")
def lower_instance_norm(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    x, scale, bias = adaptor.operands
    axes = list(range(2, len(shape_of(x))))
    rw.replace_op(op, [_normalize(Emitter(rw), x, axes, [1], scale, bias, attr(op, "epsilon"))])
    return True


@conversion_pattern("graph.lrn")
def lower_lrn(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    shape = shape_of(x)
    r = len(shape)
    size, alpha, beta, bias = attr(op, "size"), attr(op, "alpha"), attr(op, "beta"), attr(op, "bias")
    before = (size - 1) // 2
    e = Emitter(rw)
    lo, hi = [0] * r, [0] * r
    lo[1], hi[1] = before, size - 1 - before
    xp = e.pad(x, lo, hi, 0.0)
    # loops (n, c, d..., k): k runs over the window, its extent given by an empty operand of `size` (as the
    # named pooling ops do)
    reads = [dim(i) + dim(r) if i == 1 else dim(i) for i in range(r)]
    maps = [amap(r + 1, reads), amap(r + 1, [dim(r)]), amap(r + 1, [dim(i) for i in range(r)])]
    sq = e.generic([xp, e.empty([size], elt(x))], e.full(shape, elt(x), 0.0), maps, [PARALLEL] * r + [REDUCTION],
                   lambda b, v, _, acc: b.add(acc, b.mul(v, v)))

    def body(b, v, s, out):
        t = v.type
        base = b.add(b.constant(bias, t), b.mul(s, b.constant(alpha / size, t)))
        return b.mul(v, b.create(M.PowFOp(base, b.constant(-beta, t))))
    y = e.generic([x, sq], e.empty(shape, elt(x)), [identity(r)] * 3, [PARALLEL] * r, body)
    rw.replace_op(op, [y])
    return True


@conversion_pattern("graph.batch_norm")
def lower_batch_norm(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    x, scale, bias, mean, var = adaptor.operands
    eps = attr(op, "epsilon")
    shape = shape_of(x)
    et = elt(x)
    e = Emitter(rw)
    consts = [constant_array(v) for v in (scale, bias, mean, var)]
    if all(c is not None for c in consts):
        g, bt, mu, va = (np.asarray(c, np.float64) for c in consts)  # type: ignore[arg-type]
        s64 = g / np.sqrt(va + np.float64(np.float32(eps)))
        dt = numpy_dtype(et)
        s = e.dense(s64.astype(dt), et)
        t = e.dense((bt - mu * s64).astype(dt), et)
    else:
        s = _map_reduced(e, [scale, var], lambda b, gv, vv, out: b.mul(gv, b.create(M.RsqrtOp(
            b.add(vv, b.constant(eps, vv.type))))))
        t = _map_reduced(e, [bias, mean, s], lambda b, bv, mv, sv, out: b.sub(bv, b.mul(mv, sv)))
    r = len(shape)
    chan = amap(r, [dim(1)])
    y = e.generic([x, s, t], e.empty(shape, et), [identity(r), chan, chan, identity(r)], [PARALLEL] * r,
                  lambda b, v, sv, tv, out: b.add(b.mul(v, sv), tv))
    rw.replace_op(op, [y])
    return True


PATTERNS = ([_reduce_pattern(n) for n in REDUCTIONS]
            + [_softmax_pattern("graph.softmax", False), _softmax_pattern("graph.log_softmax", True),
               lower_layer_norm, lower_instance_norm, lower_batch_norm, lower_lrn])

__all__ = ["PATTERNS", "keepdims_groups", "softmax_values"]
