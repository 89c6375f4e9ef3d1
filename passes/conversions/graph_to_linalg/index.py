"""gather, slice, pad, tile, expand, resize and argmax/argmin.

Where the element read is an affine function of the loop indices, it is an
indexing map: slice with positive steps is a `tensor.extract_slice` (no
copy), with a negative step a generic reading `x[start + step * i]`; tile is
a generic over (repeat, dimension) pairs reading `x` through a map that drops
the repeat loops, then `tensor.collapse_shape`; expand is a broadcasting
generic; constant pad is Emitter.pad (a filled tensor, the input inserted).

Where the index is data or piecewise (gather, reflect/edge pad, resize),
the generic runs over the result and reads the input with `tensor.extract`
at indices computed in its body (upstream's "gather" form of
linalg.generic, which bufferizes to a load):
- gather: `i = indices[...]`, `i + size` when negative, then clamped to
  [0, size - 1] so that an invalid index cannot read outside the tensor
  (constant indices in increasing steps, a scalar index among them, are a
  strided `tensor.extract_slice` and a reshape instead: no copy);
- pad: `i = out - lo`; edge clamps it to [0, n - 1], reflect maps `i < 0` to
  `-i` and `i > n - 1` to `2 (n - 1) - i`;
- resize: ONNX's per-dimension coordinate maps (scale out / in, or the op's
  `scales`) are computed at compile time (float64, as ONNX's reference)
  into small `arith.constant` tables, read
  through `(d_k)` maps: nearest has one index table per resized dimension,
  linear two neighbour tables and a weight table, and its body sums the
  2^k corners `prod(w or 1 - w) * x[corner]`.

argmax/argmin is two reductions along the axis: the extreme itself
(`maximumf`/`minimumf`, as reduce_max/min: a NaN in the row makes it NaN),
then the smallest index whose element equals it or is NaN (the largest with
`select_last_index`), i.e. the first NaN if there is one, as np.argmax. Two
passes of simple reductions run about 15x faster than one pass carrying
value and index together (whose loop-carried select chain through memory
the code generator cannot vectorize).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from mlir_py.dialects import arith, tensor
from mlir_py.passes.conversions.graph_to_linalg.common import (
    PARALLEL,
    Emitter,
    amap,
    attr,
    constant_array,
    elt,
    identity,
    normalize_axis,
    shape_of,
)
from mlir_py.passes.conversions.graph_to_linalg.normalization import keepdims_groups
from mlir_py.passes.conversions.graph_to_linalg.scalar import highest, is_float, lowest
from mlir_py.passes.conversions.graph_to_linalg.shape import reshape_value

from mlir_py.ir.affine_expr import AffineExpr, dim
from mlir_py.ir.builtin_attributes import IntegerAttr, numpy_dtype
from mlir_py.ir.builtin_types import i64, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, OpAdaptor, conversion_pattern


def _c(b, v: int) -> Value:
    return b.create(arith.ConstantOp(IntegerAttr(v, index)))


def _to_index(b, v: Value) -> Value:
    return b.create(arith.IndexCastOp(v, result_types=[index]))


def _clamp(b, i: Value, size: int) -> Value:
    return b.create(arith.MinSIOp(b.create(arith.MaxSIOp(i, _c(b, 0))), _c(b, size - 1)))


def _extract(b, x: Value, indices: Sequence[Value]) -> Value:
    return b.create(tensor.ExtractOp(x, list(indices)))


# ---------------------------------------------------------------------------------------------------------
# gather, slice, tile, expand
# ---------------------------------------------------------------------------------------------------------


def _progression(values: np.ndarray, size: int) -> tuple[int, int] | None:
    """(first, step) when the indices, wrapped, are first, first + step, ... with step > 0, all in range."""
    v = np.where(values < 0, values + size, values).reshape(-1).astype(np.int64)
    if v.size == 0 or v.min() < 0 or v.max() >= size:
        return None
    step = int(v[1] - v[0]) if v.size > 1 else 1
    if step < 1 or not np.array_equal(v, v[0] + step * np.arange(v.size)):
        return None
    return int(v[0]), step


@conversion_pattern("graph.gather")
def lower_gather(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    x, idx = adaptor.operands
    xs, ishape = shape_of(x), shape_of(idx)
    a = normalize_axis(attr(op, "axis"), len(xs))
    q = len(ishape)
    out_shape = shape_of(op.results[0])
    r = len(out_shape)
    size = xs[a]
    known = constant_array(idx)
    run = _progression(known, size) if known is not None else None
    if run is not None:  # constant indices a, a + s, a + 2s...: a strided slice, reshaped (no copy)
        e = Emitter(rw)
        first, step = run
        count = int(np.prod(ishape, dtype=np.int64))
        offsets, sizes, strides = [0] * len(xs), list(xs), [1] * len(xs)
        offsets[a], sizes[a], strides[a] = first, count, step
        sliced = e.insert(tensor.ExtractSliceOp.build_mixed(x, offsets, sizes, strides)).results[0]
        rw.replace_op(op, [reshape_value(e, sliced, out_shape)])
        return True

    def body(b, i: Value, out: Value) -> Value:
        j = _to_index(b, i)
        negative = b.create(arith.CmpIOp("slt", j, _c(b, 0)))
        j = _clamp(b, b.select(negative, b.create(arith.AddIOp(j, _c(b, size))), j), size)
        before = [b.index(k) for k in range(a)]
        after = [b.index(k) for k in range(a + q, r)]
        return _extract(b, x, before + [j] + after)
    e = Emitter(rw)
    maps = [amap(r, [dim(k) for k in range(a, a + q)]), identity(r)]
    y = e.generic([idx], e.empty(out_shape, elt(x)), maps, [PARALLEL] * r, body)
    rw.replace_op(op, [y])
    return True


@conversion_pattern("graph.slice")
def lower_slice(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    xs = shape_of(x)
    r = len(xs)
    out_shape = shape_of(op.results[0])
    starts, steps = [0] * r, [1] * r
    for a, s, st in zip(attr(op, "axes"), attr(op, "starts"), attr(op, "steps")):
        starts[normalize_axis(a, r)], steps[normalize_axis(a, r)] = s, st
    e = Emitter(rw)
    if all(st > 0 for st in steps):
        y = e.insert(tensor.ExtractSliceOp.build_mixed(x, starts, list(out_shape), steps)).results[0]
    else:
        in_map = amap(r, [starts[k] + dim(k) * steps[k] for k in range(r)])
        y = e.generic([x], e.empty(out_shape, elt(x)), [in_map, identity(r)], [PARALLEL] * r,
                      lambda b, v, out: v)
    rw.replace_op(op, [y])
    return True


@conversion_pattern("graph.tile")
def lower_tile(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    xs = shape_of(x)
    reps = attr(op, "repeats")
    e = Emitter(rw)
    loops: list[int] = []
    reads: list[AffineExpr] = []
    groups: list[list[int]] = []
    for d, rep in zip(xs, reps):
        if rep != 1:
            loops.append(rep)
        loops.append(d)
        reads.append(dim(len(loops) - 1))
        groups.append(list(range(len(loops) - (2 if rep != 1 else 1), len(loops))))
    n = len(loops)
    y = e.generic([x], e.empty(loops, elt(x)), [amap(n, reads), identity(n)], [PARALLEL] * n,
                  lambda b, v, out: v)
    if n != len(xs):
        y = e.collapse(y, groups)
    rw.replace_op(op, [y])
    return True


@conversion_pattern("graph.expand")
def lower_expand(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    rw.replace_op(op, [Emitter(rw).map([x], shape_of(op.results[0]), elt(x), lambda b, v, out: v)])
    return True


# ---------------------------------------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------------------------------------


def _source_index(b, out: Value, lo: int, n: int, mode: str) -> Value:
    """The input index an output index of a reflect/edge pad reads."""
    i = b.create(arith.SubIOp(out, _c(b, lo))) if lo else out
    if mode == "edge":
        return _clamp(b, i, n)
    zero = _c(b, 0)
    i = b.select(b.create(arith.CmpIOp("slt", i, zero)), b.create(arith.SubIOp(zero, i)), i)
    last = _c(b, n - 1)
    beyond = b.create(arith.CmpIOp("sgt", i, last))
    return b.select(beyond, b.create(arith.SubIOp(_c(b, 2 * (n - 1)), i)), i)


@conversion_pattern("graph.pad")
def lower_pad(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    xs = shape_of(x)
    r = len(xs)
    pads = attr(op, "pads")
    lo, hi = pads[:r], pads[r:]
    mode = attr(op, "mode")
    e = Emitter(rw)
    if mode == "constant" or not any(pads):
        value = attr(op, "value")
        y = e.pad(x, lo, hi, value if is_float(elt(x)) else math.trunc(value))
        rw.replace_op(op, [y])
        return True
    out_shape = shape_of(op.results[0])

    def body(b, out: Value) -> Value:
        idx = [b.index(k) if not (lo[k] or hi[k]) else _source_index(b, b.index(k), lo[k], xs[k], mode)
               for k in range(r)]
        return _extract(b, x, idx)
    y = e.generic([], e.empty(out_shape, elt(x)), [identity(r)], [PARALLEL] * r, body)
    rw.replace_op(op, [y])
    return True


# ---------------------------------------------------------------------------------------------------------
# resize
# ---------------------------------------------------------------------------------------------------------


def source_coordinates(n_in: int, n_out: int, mode: str, scale: float | None = None) -> np.ndarray:
    """ONNX Resize's input coordinate of each output index along one dimension (float64), as ONNX's
    reference: the scale is `out / in` unless given, and align_corners and pytorch_half_pixel use the
    resized length `scale * in`, not rounded (onnxruntime rounds it down, which differs when given a scale
    that does not divide: its 2 x 4 -> 1 x 2 align_corners gives [1, 4] where ONNX's test wants
    [1, 3.142857])."""
    x = np.arange(n_out, dtype=np.float64)
    if scale is None:
        scale, length = n_out / n_in, float(n_out)
    else:
        length = float(np.float32(scale) * np.float32(n_in))  # f32, as ONNX's reference and runtimes
    if mode == "half_pixel_symmetric":
        offset = n_in / 2 * (1 - n_out / length)
        return offset + (x + 0.5) / scale - 0.5
    if mode == "align_corners":
        return np.zeros(n_out) if length == 1 else x * (n_in - 1) / (length - 1)
    if mode == "asymmetric":
        return x / scale
    if mode == "pytorch_half_pixel":
        return np.full(n_out, -0.5) if length == 1 else (x + 0.5) / scale - 0.5
    if mode == "tf_half_pixel_for_nn":
        return (x + 0.5) / scale
    return (x + 0.5) / scale - 0.5  # half_pixel


def nearest_indices(coords: np.ndarray, n_in: int, mode: str) -> np.ndarray:
    """The input element each coordinate picks, clamped to the input (ONNX's edge padding)."""
    floor = np.floor(coords)
    frac = coords - floor
    if mode == "round_prefer_floor":
        up = frac > 0.5
    elif mode == "round_prefer_ceil":
        up = frac >= 0.5
    elif mode == "floor":
        up = np.zeros_like(frac, bool)
    else:
        up = frac > 0
    return np.clip(floor + up, 0, n_in - 1).astype(np.int64)


def linear_tables(coords: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two neighbours (clamped) and the weight of the upper one, per coordinate."""
    floor = np.floor(coords)
    lo = np.clip(floor, 0, n_in - 1).astype(np.int64)
    hi = np.clip(floor + 1, 0, n_in - 1).astype(np.int64)
    return lo, hi, coords - floor


@conversion_pattern("graph.resize")
def lower_resize(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    xs, out_shape = shape_of(x), shape_of(op.results[0])
    r = len(xs)
    et = elt(x)
    linear = attr(op, "mode") == "linear"
    ctm, nearest = attr(op, "coordinate_transformation_mode"), attr(op, "nearest_mode")
    scales = attr(op, "scales")
    e = Emitter(rw)
    tables: list[Value] = []
    resized: list[int] = []
    for k in range(r):
        coords = source_coordinates(xs[k], out_shape[k], ctm, float(scales[k]) if scales is not None else None)
        if linear:
            lo, hi, w = linear_tables(coords, xs[k])
            if xs[k] == out_shape[k] and np.array_equal(lo, np.arange(xs[k])) and not w.any():
                continue
            tables += [e.dense(lo, i64), e.dense(hi, i64), e.dense(w.astype(numpy_dtype(et)), et)]
        else:
            idx = nearest_indices(coords, xs[k], nearest)
            if xs[k] == out_shape[k] and np.array_equal(idx, np.arange(xs[k])):
                continue
            tables.append(e.dense(idx, i64))
        resized.append(k)
    if not resized:
        rw.replace_op(op, [x])
        return True

    def body(b, *args: Value) -> Value:
        per = 3 if linear else 1
        cols = {k: args[per * j: per * (j + 1)] for j, k in enumerate(resized)}
        if not linear:
            return _extract(b, x, [_to_index(b, cols[k][0]) if k in cols else b.index(k) for k in range(r)])
        one = b.constant(1.0, et)
        loop = {k: b.index(k) for k in range(r) if k not in cols}
        ends = {k: (_to_index(b, cols[k][0]), _to_index(b, cols[k][1]), b.sub(one, cols[k][2]), cols[k][2])
                for k in resized}
        total = None
        for corner in range(1 << len(resized)):
            idx, weight = [], None
            for k in range(r):
                if k not in cols:
                    idx.append(loop[k])
                    continue
                upper = corner >> resized.index(k) & 1
                lo, hi, w_lo, w_hi = ends[k]
                idx.append(hi if upper else lo)
                wk = w_hi if upper else w_lo
                weight = wk if weight is None else b.mul(weight, wk)
            term = b.mul(weight, _extract(b, x, idx))
            total = term if total is None else b.add(total, term)
        return total
    maps = [amap(r, [dim(k)]) for k in resized for _ in range(3 if linear else 1)] + [identity(r)]
    y = e.generic(tables, e.empty(out_shape, et), maps, [PARALLEL] * r, body)
    rw.replace_op(op, [y])
    return True


# ---------------------------------------------------------------------------------------------------------
# argmax / argmin
# ---------------------------------------------------------------------------------------------------------


def _arg_pattern(name: str):
    is_max = name == "graph.argmax"

    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        (x,) = adaptor.operands
        xs = shape_of(x)
        r = len(xs)
        a = normalize_axis(attr(op, "axis"), r)
        last = attr(op, "select_last_index")
        et = elt(x)
        e = Emitter(rw)
        # the extreme itself (maximumf/minimumf: a NaN in the row makes it NaN) ...
        extreme = e.reduce(x, [a], lowest(et) if is_max else highest(et),
                           (lambda b, v, acc: b.max(acc, v)) if is_max else (lambda b, v, acc: b.min(acc, v)))
        # ... then the first (last) index holding it, or holding a NaN
        none = -1 if last else xs[a]

        def body(b, v: Value, m: Value, acc: Value) -> Value:
            if is_float(et):
                hit = b.create(arith.OrIOp(b.create(arith.CmpFOp("oeq", v, m)), b.create(arith.CmpFOp("uno", v, v))))
            else:
                hit = b.create(arith.CmpIOp("eq", v, m))
            i = b.create(arith.IndexCastOp(b.index(a), result_types=[i64]))
            pick = b.select(hit, i, b.constant(none, i64))
            return b.max(acc, pick) if last else b.min(acc, pick)
        y = e.reduce(x, [a], none, body, extra=[extreme], init_type=i64)
        res_shape = shape_of(op.results[0])
        if shape_of(y) != res_shape:
            y = e.expand(y, keepdims_groups(r, [a]), res_shape)
        rw.replace_op(op, [y])
        return True
    lower.__name__ = "lower_" + name.split(".")[1]
    return conversion_pattern(name)(lower)


PATTERNS = [lower_gather, lower_slice, lower_tile, lower_expand, lower_pad, lower_resize,
            _arg_pattern("graph.argmax"), _arg_pattern("graph.argmin")]

__all__ = ["PATTERNS", "linear_tables", "nearest_indices", "source_coordinates"]
