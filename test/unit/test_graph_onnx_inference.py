"""The result types of the graph ops added for ONNX import agree with numpy on random shapes and attributes.

As test_graph_inference.py: each op is built from Python (its result type
inferred), the verifier accepts it, and its shape equals what numpy computes
(np.take, slicing, np.pad, np.tile, np.argmax, np.where); ConvTranspose's
size is counted by scattering each input position's window. Operands that
fit no result make the builder raise GraphTypeError naming the op.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlir_py.dialects import graph

from mlir_py.analysis.verifier import verify
from mlir_py.ir.builtin_attributes import BoolAttr, DenseArrayAttr, IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import RankedTensorType, f32, i1, i64
from mlir_py.ir.operation import Block

_dims = st.integers(1, 4)
_shapes = st.lists(_dims, min_size=1, max_size=4).map(tuple)


def _args(*types):
    b = Block([RankedTensorType(s, et) for s, et in types])
    return b, b.args


def _built(block, op):
    block.append(op)
    assert verify(op), f"verifier rejected {op}"
    return tuple(op.results[0].type.shape), op.results[0].type.element_type


def _i64s(*v):
    return DenseArrayAttr(i64, v)


@settings(max_examples=40, deadline=None)
@given(_shapes, st.lists(_dims, max_size=2).map(tuple), st.data())
def test_gather_like_np_take(shape, ishape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    block, (x, idx) = _args((shape, f32), (ishape, i64))
    expected = np.take(np.zeros(shape), np.zeros(ishape, np.int64), axis=axis).shape
    assert _built(block, graph.GatherOp(x, idx, axis=IntegerAttr(axis, i64))) == (expected, f32)


@st.composite
def _slice_args(draw):
    shape = draw(st.lists(st.integers(1, 7), min_size=1, max_size=3).map(tuple))
    r = len(shape)
    axes = draw(st.lists(st.integers(-r, r - 1), min_size=1, max_size=r, unique_by=lambda a: a % r))
    starts, ends, steps = [], [], []
    for a in axes:
        d = shape[a]
        step = draw(st.sampled_from([1, 2, 3, -1, -2]))
        if step > 0:
            s = draw(st.integers(0, d))
            e = draw(st.integers(s, d))
        else:
            s = draw(st.integers(0, d - 1))
            e = draw(st.integers(-1, s))
        starts.append(s)
        ends.append(e)
        steps.append(step)
    return shape, starts, ends, steps, axes


@settings(max_examples=60, deadline=None)
@given(_slice_args())
def test_slice_like_numpy(args):
    shape, starts, ends, steps, axes = args
    index = [slice(None)] * len(shape)
    for a, s, e, st_ in zip(axes, starts, ends, steps):
        index[a] = slice(s, None if e < 0 else e, st_)
    expected = np.zeros(shape)[tuple(index)].shape
    block, (x,) = _args((shape, f32))
    op = graph.SliceOp(x, starts=_i64s(*starts), ends=_i64s(*ends), steps=_i64s(*steps), axes=_i64s(*axes))
    assert _built(block, op) == (expected, f32)


@settings(max_examples=40, deadline=None)
@given(_shapes, st.data(), st.sampled_from(["constant", "reflect", "edge"]))
def test_pad_like_np_pad(shape, data, mode):
    r = len(shape)
    pads = [data.draw(st.integers(0, 4)) for _ in range(2 * r)]
    block, (x,) = _args((shape, f32))
    op_args = dict(pads=_i64s(*pads), mode=StringAttr(mode))
    fits = mode != "reflect" or all(pads[i] < d and pads[r + i] < d or not (pads[i] or pads[r + i])
                                    for i, d in enumerate(shape))
    if not fits:
        with pytest.raises(graph.GraphTypeError, match="graph.pad"):
            graph.PadOp(x, **op_args)
        return
    expected = np.pad(np.zeros(shape), [(pads[i], pads[r + i]) for i in range(r)], mode=mode).shape
    assert _built(block, graph.PadOp(x, **op_args)) == (expected, f32)


@settings(max_examples=30, deadline=None)
@given(_shapes, st.data())
def test_tile_expand_argmax_like_numpy(shape, data):
    r = len(shape)
    reps = [data.draw(st.integers(0, 3)) for _ in range(r)]
    block, (x,) = _args((shape, f32))
    assert _built(block, graph.TileOp(x, repeats=_i64s(*reps))) == (np.tile(np.zeros(shape), reps).shape, f32)
    axis = data.draw(st.integers(-r, r - 1))
    keep = data.draw(st.booleans())
    expected = np.argmax(np.zeros(shape), axis=axis, keepdims=keep).shape
    for cls in (graph.ArgMaxOp, graph.ArgMinOp):
        assert _built(block, cls(x, axis=IntegerAttr(axis, i64), keepdims=BoolAttr(keep))) == (expected, i64)
    big = (2,) + tuple(data.draw(st.integers(1, 3)) if d == 1 else d for d in shape)
    t = RankedTensorType(big, f32)
    assert _built(block, graph.ExpandOp(x, result_types=[t])) == (big, f32)


@settings(max_examples=40, deadline=None)
@given(_shapes, _shapes, st.data())
def test_compare_and_where_broadcast_like_numpy(a, b, data):
    c = tuple(data.draw(st.sampled_from([1, d])) for d in a)
    block, (x, y, cond) = _args((a, f32), (b, f32), (c, i1))
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        for cls in (graph.LessOp, graph.EqualOp):
            with pytest.raises(graph.GraphTypeError, match=cls.name):
                cls(x, y)
        return
    assert _built(block, graph.GreaterEqualOp(x, y)) == (expected, i1)
    assert _built(block, graph.WhereOp(cond, x, y)) == (np.broadcast_shapes(a, b, c), f32)


def _scattered_size(size, k, stride, lo, hi, dil, out_pad):
    """The output length of a transposed convolution: one past the last position any tap of any input element
    reaches, plus the output padding, less the pads."""
    last = max(i * stride + j * dil for i in range(size) for j in range(k))
    return last + 1 + out_pad - lo - hi


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3),
       st.lists(st.integers(1, 3), min_size=2, max_size=2), st.lists(st.integers(0, 2), min_size=4, max_size=4),
       st.lists(st.integers(1, 2), min_size=2, max_size=2), st.data())
def test_conv_transpose_output_size(groups, cpg, h, w, fpg, strides, pads, dil, data):
    c, f = groups * cpg, groups * fpg
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    op_ = [data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(strides, dil)]
    block, vals = _args(((1, c, h, w), f32), ((c, fpg, kh, kw), f32), ((f,), f32))
    props = dict(strides=_i64s(*strides), pads=_i64s(*pads), dilations=_i64s(*dil), output_padding=_i64s(*op_),
                 groups=IntegerAttr(groups, i64))
    oh = _scattered_size(h, kh, strides[0], pads[0], pads[2], dil[0], op_[0])
    ow = _scattered_size(w, kw, strides[1], pads[1], pads[3], dil[1], op_[1])
    if oh < 1 or ow < 1:
        with pytest.raises(graph.GraphTypeError, match="graph.conv_transpose2d"):
            graph.ConvTranspose2dOp(*vals, **props)
        return
    assert _built(block, graph.ConvTranspose2dOp(*vals, **props)) == ((1, f, oh, ow), f32)


def test_cast_expand_resize_need_a_result_type():
    block, (x,) = _args(((2, 3), f32))
    for cls in (graph.CastOp, graph.ExpandOp, graph.ResizeOp):
        with pytest.raises(TypeError, match=cls.name):
            cls(x)
    assert _built(block, graph.CastOp(x, result_types=[RankedTensorType((2, 3), i64)])) == ((2, 3), i64)
    assert _built(block, graph.ResizeOp(x, result_types=[RankedTensorType((5, 1), f32)])) == ((5, 1), f32)
