"""GraphBuilder's methods for the ONNX-import ops build what they say: a model using them compiles and
equals numpy, bool and int64 tensors cross in and out (a bool constant large enough to become a
dense_resource blob among them), and misuse raises GraphTypeError at the call."""

from __future__ import annotations

import graph_reference as ref
import numpy as np
import pytest
from mlir_py.frontend import GraphBuilder, GraphTypeError

pytest.importorskip("llvmlite")


def test_masked_lookup_model_matches_numpy():
    rng = np.random.default_rng(3)
    table = rng.standard_normal((9, 4)).astype(np.float32)
    keep = rng.random((3, 5)) < 0.5                        # 15 bools > INLINE_LIMIT... with the extra row below
    keep = np.concatenate([keep, rng.random((1, 5)) < 0.5])  # 20 elements: a dense_resource blob
    g = GraphBuilder("f")
    ids = g.input((4, 5), "i64")
    x = g.input((4, 5, 4), "f32")
    emb = g.gather(table, ids)                             # 4x5x4
    y = g.add(emb, x)
    mask = g.logical_and(g.constant(keep), g.greater(g.reduce_sum(y, 2, keepdims=False), 0.0))
    scores = g.where(mask, g.reduce_max(y, 2, keepdims=False), -1.0)
    best = g.argmax(scores, axis=1, keepdims=False)
    flat = g.cast(g.logical_not(mask), "f32")
    up = g.resize(g.reshape(y, (1, 4, 5, 4)), scales=(1, 1, 2, 1.5), mode="linear")
    g.output(best, flat, g.leaky_relu(up, 0.2), g.slice(ids, [3], [-1], axes=[0], steps=[-1]))
    fn = g.compile(opt_level=0)
    ids_v = rng.integers(-9, 9, (4, 5)).astype(np.int64)
    x_v = rng.standard_normal((4, 5, 4)).astype(np.float32)
    got_best, got_flat, got_up, got_rev = fn(ids_v, x_v)
    yv = ref.gather(table, ids_v, 0) + x_v
    m = keep & (yv.sum(axis=2) > 0)
    np.testing.assert_array_equal(got_best, np.argmax(np.where(m, yv.max(axis=2), np.float32(-1.0)), axis=1))
    np.testing.assert_array_equal(got_flat, (~m).astype(np.float32))
    up_ref = ref.resize(yv.reshape(1, 4, 5, 4), (1, 4, 10, 6), "linear", scales=(1, 1, 2, 1.5))
    np.testing.assert_allclose(got_up, ref.leaky_relu(up_ref, 0.2), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got_rev, ids_v[::-1])


def test_conv_transpose_pad_tile_expand():
    rng = np.random.default_rng(4)
    xv, wv = rng.standard_normal((1, 2, 3, 3)).astype(np.float32), rng.standard_normal((2, 3, 2, 2)).astype(np.float32)
    g = GraphBuilder("f")
    x = g.input((1, 2, 3, 3))
    y = g.conv_transpose2d(x, wv, strides=2, pads=[0, 1, 1, 0], output_padding=1)
    z = g.pad(g.instance_norm(y, np.ones(3, np.float32), np.zeros(3, np.float32)), [0, 0, 1, 2, 0, 0, 1, 2], "reflect")
    g.output(g.global_max_pool(z), g.tile(x, [1, 2, 1, 1]), g.expand(g.lrn(x, 3), (2, 1, 1, 1)))
    pooled, tiled, expanded = g.compile(opt_level=0)(xv)
    yr = ref.conv_transpose2d(xv, wv, strides=(2, 2), pads=(0, 1, 1, 0), output_padding=(1, 1))
    zr = np.pad(ref.instance_norm(yr, np.ones(3, np.float32), np.zeros(3, np.float32)),
                [(0, 0), (0, 0), (1, 1), (2, 2)], mode="reflect")
    np.testing.assert_allclose(pooled, zr.max(axis=(2, 3), keepdims=True), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(tiled, np.tile(xv, (1, 2, 1, 1)))
    np.testing.assert_allclose(expanded, np.broadcast_to(ref.lrn(xv, 3), (2, 2, 3, 3)), rtol=1e-5)


def test_misuse_raises_at_the_call():
    g = GraphBuilder("f")
    x = g.input((2, 3))
    with pytest.raises(GraphTypeError, match="graph.gather"):
        g.gather(x, np.array([0, 1]), axis=2)
    with pytest.raises(GraphTypeError, match="graph.not"):
        g.logical_not(x)
    with pytest.raises(GraphTypeError, match="graph.cast"):
        g.cast(x, "f64")
    with pytest.raises(GraphTypeError, match="graph.expand"):
        g.expand(x, (4, 4))
    with pytest.raises(GraphTypeError, match="graph.resize"):
        g.resize(x, (4, 6), scales=(2, 2))
    with pytest.raises(GraphTypeError, match="graph.pad"):
        g.pad(x, [0, 3, 0, 0], "reflect")
