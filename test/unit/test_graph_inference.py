"""The graph dialect's result types agree with numpy on random shapes.

Each property builds the op from Python (so its result type is inferred),
checks the verifier accepts it, and compares the shape with what numpy
computes on arrays of those shapes; where numpy refuses the shapes, the
builder must raise GraphTypeError naming the op. Window ops are compared
with a sliding-window count over the padded input, written independently
of the inference formula.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mlir_py.dialects import graph

from mlir_py.analysis.verifier import verify
from mlir_py.ir.builtin_attributes import BoolAttr, DenseArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import RankedTensorType, f32, i64
from mlir_py.ir.operation import Block

_dims = st.integers(1, 4)
_shapes = st.lists(_dims, min_size=0, max_size=4).map(tuple)


def _args(*shapes):
    b = Block([RankedTensorType(s, f32) for s in shapes])
    return b, b.args


def _built(block, op):
    block.append(op)
    assert verify(op), f"verifier rejected {op}"
    return tuple(op.results[0].type.shape)


def _arr(shape):
    return np.zeros(shape, np.float32)


def _i64s(*v):
    return DenseArrayAttr(i64, v)


@st.composite
def _shape_pairs(draw):
    a = draw(_shapes)
    b = list(a[draw(st.integers(0, len(a))):])
    for i in range(len(b)):
        if draw(st.booleans()):
            b[i] = 1 if draw(st.booleans()) else draw(_dims)
    b = [draw(_dims) for _ in range(draw(st.integers(0, 1)))] + b
    return (a, tuple(b)) if draw(st.booleans()) else (tuple(b), a)


@settings(max_examples=60, deadline=None)
@given(_shape_pairs(), st.sampled_from([graph.AddOp, graph.SubOp, graph.MulOp, graph.DivOp, graph.MaxOp,
                                        graph.MinOp, graph.PowOp]))
def test_binary_broadcast_like_numpy(shapes, cls):
    a, b = shapes
    block, (x, y) = _args(a, b)
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(graph.GraphTypeError, match=cls.name):
            cls(x, y)
        return
    assert _built(block, cls(x, y)) == expected


@st.composite
def _matmul_shapes(draw):
    m, k, n = draw(_dims), draw(_dims), draw(_dims)
    batch_a, batch_b = draw(_shape_pairs())
    a = batch_a + (m, k) if draw(st.booleans()) else (k,)
    b = batch_b + (k, n) if draw(st.booleans()) else (k,)
    if draw(st.integers(0, 5)) == 0:  # sometimes a wrong contraction
        b = b[:-2] + (k + 1,) + b[-1:] if len(b) > 1 else (k + 1,)
    return a, b


@settings(max_examples=60, deadline=None)
@given(_matmul_shapes())
def test_matmul_like_numpy(shapes):
    a, b = shapes
    block, (x, y) = _args(a, b)
    try:
        expected = np.matmul(_arr(a), _arr(b)).shape
    except ValueError:
        with pytest.raises(graph.GraphTypeError, match="graph.matmul"):
            graph.MatmulOp(x, y)
        return
    assert _built(block, graph.MatmulOp(x, y)) == expected


@settings(max_examples=40, deadline=None)
@given(_dims, _dims, _dims, st.booleans(), st.booleans(), st.sampled_from(["none", "n", "mn", "1n", "m1", "bad"]))
def test_gemm_like_numpy(m, k, n, ta, tb, c_kind):
    a = (k, m) if ta else (m, k)
    b = (n, k) if tb else (k, n)
    c = {"none": None, "n": (n,), "mn": (m, n), "1n": (1, n), "m1": (m, 1), "bad": (m + 1, n)}[c_kind]
    block, vals = _args(a, b, *([c] if c else []))
    expected = (_arr(a).T if ta else _arr(a)) @ (_arr(b).T if tb else _arr(b))
    props = {"trans_a": BoolAttr(ta), "trans_b": BoolAttr(tb)}
    if c_kind == "bad":
        with pytest.raises(graph.GraphTypeError, match="graph.gemm"):
            graph.GemmOp(*vals, **props)
        return
    if c is not None:
        assert np.broadcast_shapes(expected.shape, c) == expected.shape
    assert _built(block, graph.GemmOp(*vals, **props)) == expected.shape


@st.composite
def _reduce_args(draw):
    shape = draw(st.lists(_dims, min_size=1, max_size=4).map(tuple))
    r = len(shape)
    axes = draw(st.lists(st.integers(-r, r - 1), min_size=1, max_size=r, unique_by=lambda a: a % r))
    return shape, tuple(axes), draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(_reduce_args(), st.sampled_from([graph.ReduceSumOp, graph.ReduceMeanOp, graph.ReduceMaxOp,
                                        graph.ReduceMinOp]))
def test_reductions_like_numpy(args, cls):
    shape, axes, keepdims = args
    block, (x,) = _args(shape)
    expected = np.sum(_arr(shape), axis=axes, keepdims=keepdims).shape
    op = cls(x, axes=_i64s(*axes), keepdims=BoolAttr(keepdims))
    assert _built(block, op) == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(_dims, min_size=1, max_size=4).map(tuple), st.integers(-6, 6))
def test_softmax_axis_and_flatten(shape, axis):
    block, (x,) = _args(shape)
    r = len(shape)
    if -r <= axis < r:
        assert _built(block, graph.SoftmaxOp(x, axis=IntegerAttr(axis, i64))) == shape
    else:
        with pytest.raises(graph.GraphTypeError, match="graph.softmax"):
            graph.SoftmaxOp(x, axis=IntegerAttr(axis, i64))
    if -r <= axis <= r:
        a = axis + r if axis < 0 else axis
        expected = _arr(shape).reshape(int(np.prod(shape[:a])), -1).shape
        assert _built(block, graph.FlattenOp(x, axis=IntegerAttr(axis, i64))) == expected
    else:
        with pytest.raises(graph.GraphTypeError, match="graph.flatten"):
            graph.FlattenOp(x, axis=IntegerAttr(axis, i64))


@settings(max_examples=40, deadline=None)
@given(st.lists(_dims, min_size=1, max_size=4).map(tuple), st.randoms(use_true_random=False))
def test_transpose_like_numpy(shape, rnd):
    perm = list(range(len(shape)))
    rnd.shuffle(perm)
    block, (x,) = _args(shape)
    assert _built(block, graph.TransposeOp(x, perm=_i64s(*perm))) == np.transpose(_arr(shape), perm).shape


@settings(max_examples=40, deadline=None)
@given(st.lists(_dims, min_size=1, max_size=3).map(tuple), st.lists(_dims, min_size=1, max_size=3),
       st.data())
def test_concat_like_numpy(shape, sizes, data):
    r = len(shape)
    axis = data.draw(st.integers(-r, r - 1))
    a = axis % r
    shapes = [shape[:a] + (s,) + shape[a + 1:] for s in sizes]
    block, vals = _args(*shapes)
    expected = np.concatenate([_arr(s) for s in shapes], axis=axis).shape
    assert _built(block, graph.ConcatOp(vals, axis=IntegerAttr(axis, i64))) == expected


def _windows(size, k, stride, lo, hi, dil):
    """Number of window positions, counted by sliding a dilated window over the padded input."""
    padded = size + lo + hi
    count = 0
    start = 0
    while start + dil * (k - 1) < padded:
        count += 1
        start += stride
    return count


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(3, 9), st.integers(3, 9),
       st.integers(1, 3), st.integers(1, 3), st.lists(st.integers(1, 3), min_size=2, max_size=2),
       st.lists(st.integers(0, 2), min_size=4, max_size=4), st.lists(st.integers(1, 2), min_size=2, max_size=2),
       st.booleans())
def test_conv2d_output_size(n, groups, cpg, h, w, fpg, kh, strides, pads, dil, bias):
    c, f = groups * cpg, groups * fpg
    kw = 3 - kh + 1
    block, vals = _args((n, c, h, w), (f, cpg, kh, kw), *([(f,)] if bias else []))
    props = dict(strides=_i64s(*strides), pads=_i64s(*pads), dilations=_i64s(*dil),
                 groups=IntegerAttr(groups, i64))
    oh = _windows(h, kh, strides[0], pads[0], pads[2], dil[0])
    ow = _windows(w, kw, strides[1], pads[1], pads[3], dil[1])
    if oh == 0 or ow == 0:
        with pytest.raises(graph.GraphTypeError, match="graph.conv2d"):
            graph.Conv2dOp(*vals, **props)
        return
    assert _built(block, graph.Conv2dOp(*vals, **props)) == (n, f, oh, ow)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(2, 9), st.lists(st.integers(1, 3), min_size=2, max_size=2),
       st.lists(st.integers(1, 3), min_size=2, max_size=2), st.lists(st.integers(0, 2), min_size=4, max_size=4),
       st.sampled_from([graph.MaxPool2dOp, graph.AvgPool2dOp]))
def test_pool_output_size(h, w, kernel, strides, pads, cls):
    assume(pads[0] < kernel[0] and pads[2] < kernel[0] and pads[1] < kernel[1] and pads[3] < kernel[1])
    block, (x,) = _args((2, 3, h, w))
    props = dict(kernel=_i64s(*kernel), strides=_i64s(*strides), pads=_i64s(*pads))
    oh = _windows(h, kernel[0], strides[0], pads[0], pads[2], 1)
    ow = _windows(w, kernel[1], strides[1], pads[1], pads[3], 1)
    if oh == 0 or ow == 0:
        with pytest.raises(graph.GraphTypeError, match=cls.name):
            cls(x, **props)
        return
    assert _built(block, cls(x, **props)) == (2, 3, oh, ow)


def test_reshape_needs_a_result_type():
    block, (x,) = _args((2, 3))
    with pytest.raises(TypeError, match="graph.reshape"):
        graph.ReshapeOp(x)
    assert _built(block, graph.ReshapeOp(x, result_types=[RankedTensorType((3, 2), f32)])) == (3, 2)
