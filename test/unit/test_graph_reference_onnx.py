"""The numpy references of the ONNX-import ops (graph_reference.py) agree with onnxruntime, so the oracle
the compiled code is held to is ONNX's semantics as the runtime models are checked against implements them.

Each check runs one ONNX node on random inputs, odd sizes, with the attributes the graph op takes. (onnx's
own Python reference is no oracle here: its LRN loops over the batch instead of the channels and its
ConvTranspose rejects groups.) Skipped where onnx / onnxruntime are not installed (they are not test
dependencies).
"""

from __future__ import annotations

import graph_reference as ref
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402

RNG = np.random.default_rng(7)
_TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
          np.dtype(np.int32): TensorProto.INT32, np.dtype(np.bool_): TensorProto.BOOL}


def run_node(op_type: str, inputs: list, out_type: int = TensorProto.FLOAT, **attrs) -> np.ndarray:
    """One node `op_type` of `inputs` (named i0, i1, ...; an empty array is an omitted optional input),
    run by onnxruntime."""
    names = [f"i{k}" if a.size or a.ndim != 1 else "" for k, a in enumerate(inputs)]
    node = helper.make_node(op_type, names, ["y"], **attrs)
    feeds = {n: a for n, a in zip(names, inputs) if n}
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(n, _TYPES[a.dtype], a.shape)
                                            for n, a in feeds.items()],
                              [helper.make_tensor_value_info("y", out_type, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("mode,ctm,nearest,out", [
    ("nearest", "half_pixel", "round_prefer_floor", (1, 2, 9, 7)),
    ("nearest", "asymmetric", "floor", (1, 2, 3, 8)),
    ("nearest", "align_corners", "round_prefer_ceil", (1, 2, 10, 2)),
    ("nearest", "pytorch_half_pixel", "ceil", (1, 2, 1, 5)),
    ("linear", "half_pixel", "round_prefer_floor", (1, 2, 8, 3)),
    ("linear", "align_corners", "round_prefer_floor", (1, 2, 9, 9)),
    ("linear", "pytorch_half_pixel", "round_prefer_floor", (1, 2, 1, 7)),
    ("linear", "half_pixel_symmetric", "round_prefer_floor", (1, 2, 7, 5)),
])
def test_resize(mode, ctm, nearest, out):
    x = randn(1, 2, 5, 4)
    empty = np.zeros(0, np.float32)
    expected = run_node("Resize", [x, empty, empty, np.array(out, np.int64)], mode=mode,
                        coordinate_transformation_mode=ctm, nearest_mode=nearest)
    np.testing.assert_allclose(ref.resize(x, out, mode, ctm, nearest), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,ctm,scales", [
    ("linear", "half_pixel", (1.0, 1.0, 1.5, 0.6)), ("nearest", "asymmetric", (1.0, 1.0, 1.5, 2.3)),
    ("linear", "align_corners", (1.0, 1.0, 2.0, 1.5)), ("linear", "pytorch_half_pixel", (1.0, 1.0, 0.2, 1.5)),
    ("nearest", "half_pixel_symmetric", (1.0, 1.0, 1.5, 0.6)), ("linear", "half_pixel_symmetric", (1.0, 1.0, 2.5, 1.2)),
])
def test_resize_scales(mode, ctm, scales):
    """With ONNX's `scales` input the output size is floor(in * scale) and the coordinates use the scale.
    (align_corners and pytorch_half_pixel only where in * scale is whole: onnxruntime then rounds the
    resized length down where ONNX's own test, test_resize_downsample_scales_linear_align_corners, keeps
    it; the references follow ONNX, see test_resize_align_corners_keeps_the_fractional_length.)"""
    x = randn(1, 2, 5, 4)
    empty = np.zeros(0, np.float32)
    expected = run_node("Resize", [x, empty, np.array(scales, np.float32)], mode=mode,
                        coordinate_transformation_mode=ctm)
    out = tuple(int(np.floor(np.float32(d) * np.float32(s))) for d, s in zip(x.shape, scales))
    assert expected.shape == out
    np.testing.assert_allclose(ref.resize(x, out, mode, ctm, scales=scales), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("strides,pads,dilations,output_padding,groups", [
    ((1, 1), (0, 0, 0, 0), (1, 1), (0, 0), 1), ((2, 2), (1, 0, 1, 1), (1, 1), (1, 0), 1),
    ((2, 1), (0, 1, 1, 0), (2, 1), (1, 0), 2), ((3, 3), (1, 1, 0, 1), (1, 1), (2, 0), 1),
])
def test_conv_transpose(strides, pads, dilations, output_padding, groups):
    x, w, b = randn(2, 4, 3, 5), randn(4, 3, 2, 3), randn(3 * groups)
    expected = run_node("ConvTranspose", [x, w, b], strides=list(strides), pads=list(pads),
                        dilations=list(dilations), output_padding=list(output_padding), group=groups)
    got = ref.conv_transpose2d(x, w, b, strides, pads, dilations, output_padding, groups)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("size", [1, 3, 5])  # onnxruntime takes odd sizes only
def test_lrn(size):
    x = randn(2, 7, 3, 2) * 3
    expected = run_node("LRN", [x], size=size, alpha=0.02, beta=0.6, bias=1.5)
    np.testing.assert_allclose(ref.lrn(x, size, 0.02, 0.6, 1.5), expected, rtol=1e-5, atol=1e-6)


def test_instance_norm_and_activations():
    x, s, b = randn(2, 3, 5, 4) * 2 + 1, randn(3), randn(3)
    np.testing.assert_allclose(ref.instance_norm(x, s, b, 1e-3),
                               run_node("InstanceNormalization", [x, s, b], epsilon=1e-3), rtol=1e-4, atol=1e-5)
    y = randn(4, 5) * 4
    np.testing.assert_allclose(ref.hard_sigmoid(y, 0.3, 0.4), run_node("HardSigmoid", [y], alpha=0.3, beta=0.4),
                               rtol=1e-6)
    np.testing.assert_allclose(ref.leaky_relu(y, 0.2), run_node("LeakyRelu", [y], alpha=0.2), rtol=1e-6)
    np.testing.assert_allclose(ref.softplus(y), run_node("Softplus", [y]), rtol=1e-5)


@pytest.mark.parametrize("op,last", [("ArgMax", 0), ("ArgMax", 1), ("ArgMin", 0), ("ArgMin", 1)])
def test_argmax_ties(op, last):
    x = RNG.integers(-2, 3, (4, 6, 5)).astype(np.float32)  # many ties
    for axis in (0, 1, -1):
        expected = run_node(op, [x], TensorProto.INT64, axis=axis, keepdims=1, select_last_index=last)
        got = ref.argext("max" if op == "ArgMax" else "min", x, axis, True, bool(last))
        np.testing.assert_array_equal(got, expected)


def test_gather_pad_cast():
    x = randn(5, 6)
    idx = np.array([[-1, 0], [3, -5]], np.int64)
    np.testing.assert_array_equal(ref.gather(x, idx, 1), run_node("Gather", [x, idx], axis=1))
    xi = RNG.integers(-9, 9, (4, 5)).astype(np.int64)
    idx = np.array([-4, 3, 0, -1], np.int64)
    np.testing.assert_array_equal(ref.gather(xi, idx, 0), run_node("Gather", [xi, idx], TensorProto.INT64, axis=0))
    for mode in ("reflect", "edge", "constant"):
        pads = np.array([1, 3, 2, 4], np.int64)
        widths = [(1, 2), (3, 4)]
        np.testing.assert_array_equal(np.pad(x, widths, mode=mode), run_node("Pad", [x, pads], mode=mode))
    f = randn(3, 4) * 50
    f[0, :3] = [0.0, -0.0, 2.5]
    for to, dt in ((TensorProto.INT64, np.int64), (TensorProto.INT32, np.int32), (TensorProto.BOOL, np.bool_)):
        np.testing.assert_array_equal(ref.cast(f, dt), run_node("Cast", [f], to, to=to))


def test_resize_align_corners_keeps_the_fractional_length():
    """ONNX's node test test_resize_downsample_scales_linear_align_corners: 2 x 4 by 0.6 is 1 x 2, and the
    coordinate of output 1 is 1 * 3 / (2.4 - 1), so the value is 3.142857 (onnxruntime gives 4)."""
    x = np.arange(1, 9, dtype=np.float32).reshape(1, 1, 2, 4)
    got = ref.resize(x, (1, 1, 1, 2), "linear", "align_corners", scales=(1, 1, 0.6, 0.6))
    np.testing.assert_allclose(got, [[[[1.0, 3.142857]]]], rtol=1e-6)
