"""mlir_py.frontend.GraphBuilder: the IR it builds, its errors, its weights, and the compiled function
against numpy (through `--lower-to-llvm`)."""

from __future__ import annotations

import pathlib
import re
import sys

import numpy as np
import pytest
from mlir_py.dialects import graph
from mlir_py.frontend import INLINE_LIMIT, GraphBuilder, GraphTypeError, Tensor

import mlir_py as mp
from mlir_py.ir.location import FileLineColLoc

RNG = np.random.default_rng(2026)


def _blob(module_text: str, handle: str, dtype, shape) -> np.ndarray:
    """The array a resource blob of the printed module holds (parsed back from the text)."""
    m = re.search(rf'^\s*{re.escape(handle)}: "0x([0-9A-F]+)"', module_text, flags=re.M)
    assert m, f"no blob {handle}"
    data = bytes.fromhex(m.group(1))
    assert int.from_bytes(data[:4], "little") == np.dtype(dtype).itemsize
    return np.frombuffer(data[4:], dtype=dtype).reshape(shape)


def _mlp():
    g = GraphBuilder("main")
    x = g.input((4, 96), "f32")
    w1 = RNG.standard_normal((96, 48)).astype(np.float32)
    b1 = RNG.standard_normal(48).astype(np.float32)
    w2 = RNG.standard_normal((48, 10)).astype(np.float32)
    h = g.relu(g.add(g.matmul(x, g.constant(w1, name="fc1.weight")), g.constant(b1, name="fc1.bias")))
    y = g.softmax(g.matmul(h, g.constant(w2, name="fc2.weight")), axis=-1)
    g.output(y)
    return g, (w1, b1, w2)


def test_mlp_ir_types_and_weights():
    g, (w1, b1, w2) = _mlp()
    text = str(g.module())
    assert "func.func @main(%arg0: tensor<4x96xf32>) -> tensor<4x10xf32>" in text
    assert "graph.constant dense_resource<fc1.weight> : tensor<96x48xf32>" in text
    assert "graph.add %0, %cst_0 : (tensor<4x48xf32>, tensor<48xf32>) -> tensor<4x48xf32>" in text
    assert "graph.softmax %3 : tensor<4x10xf32>" in text
    np.testing.assert_array_equal(_blob(text, "fc1.weight", np.float32, w1.shape), w1)
    np.testing.assert_array_equal(_blob(text, "fc1.bias", np.float32, b1.shape), b1)
    np.testing.assert_array_equal(_blob(text, "fc2.weight", np.float32, w2.shape), w2)
    assert len(text) < 3 * (w1.nbytes + b1.nbytes + w2.nbytes)  # hex, not decimal text
    # the printed module is a valid program, and printing is a fixed point
    ctx = mp.Context.with_available_dialects()
    again = mp.parse(ctx, text)
    mp.verify(again)
    assert str(again) == text


def test_every_graph_op_has_a_method():
    """graph.not/and/or/xor (Python keywords, and their kin) take numpy's names: logical_not, ..."""
    methods = {n for n in dir(GraphBuilder) if not n.startswith("_")}
    names = {op.name.split(".", 1)[1] for op in graph.OPS}
    names = {f"logical_{n}" if n in ("not", "and", "or", "xor") else n for n in names}
    missing = names - methods
    assert missing == set()


def test_small_constants_inline_and_scalars_take_the_tensor_type():
    g = GraphBuilder("f")
    x = g.input((2, 3), "f16")
    y = (x * 2 + np.ones(3)) / 4.0
    small = g.constant(np.arange(INLINE_LIMIT, dtype=np.int32))
    big = g.constant(np.arange(INLINE_LIMIT + 1, dtype=np.int64), name="9 bad name")
    g.output(y, small, big)
    text = str(g.module())
    assert "graph.constant dense<2.000000e+00> : tensor<f16>" in text
    assert "graph.constant dense<1.000000e+00> : tensor<3xf16>" in text
    inline = ", ".join(str(i) for i in range(INLINE_LIMIT))
    assert f"graph.constant dense<[{inline}]> : tensor<{INLINE_LIMIT}xi32>" in text
    assert f"graph.constant dense_resource<_9_bad_name> : tensor<{INLINE_LIMIT + 1}xi64>" in text
    np.testing.assert_array_equal(_blob(text, "_9_bad_name", np.int64, (INLINE_LIMIT + 1,)),
                                  np.arange(INLINE_LIMIT + 1))
    assert y.shape == (2, 3) and y.dtype == "f16"


def test_inferred_shapes_of_the_methods():
    g = GraphBuilder()
    img = g.input((2, 3, 16, 16))
    w = RNG.standard_normal((8, 3, 3, 3)).astype(np.float32)
    c = g.conv2d(img, w, np.zeros(8, np.float32), strides=2, pads=1)
    assert c.shape == (2, 8, 8, 8)
    assert g.conv2d(img, w, pads=(1, 0), dilations=(2, 1)).shape == (2, 8, 14, 14)
    p = g.max_pool2d(c, 2, strides=2)
    assert p.shape == (2, 8, 4, 4)
    assert g.avg_pool2d(c, (3, 3), pads=[1, 1, 1, 1], count_include_pad=True).shape == (2, 8, 8, 8)
    assert g.global_avg_pool(c).shape == (2, 8, 1, 1)
    f = g.flatten(p)
    assert f.shape == (2, 128)
    fc = g.gemm(f, RNG.standard_normal((10, 128)).astype(np.float32), np.zeros(10, np.float32), trans_b=True)
    assert fc.shape == (2, 10)
    assert g.log_softmax(fc).shape == (2, 10)
    assert g.reduce_mean(c, axes=(2, 3), keepdims=False).shape == (2, 8)
    assert g.reduce_sum(c).shape == (1, 1, 1, 1)
    assert g.reduce_max(c, -1, keepdims=False).shape == (2, 8, 8)
    assert g.reshape(c, (2, -1, 4)).shape == (2, 128, 4)
    assert g.transpose(c).shape == (8, 8, 8, 2)
    assert g.transpose(c, (0, 2, 3, 1)).shape == (2, 8, 8, 8)
    assert g.concat([c, c], axis=1).shape == (2, 16, 8, 8)
    assert (c @ g.input((8, 5))).shape == (2, 8, 8, 5)
    bn = g.batch_norm(c, *(np.ones(8, np.float32) for _ in range(4)))
    ln = g.layer_norm(bn, np.ones((8, 8), np.float32), np.zeros((8, 8), np.float32), axis=-2)
    assert ln.shape == c.shape
    for m in ("neg", "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "rsqrt", "abs", "erf", "gelu"):
        assert getattr(g, m)(fc).shape == (2, 10)
    assert g.clip(fc, 0.0, 6.0).shape == (2, 10)
    assert g.pow(fc, 2.0).shape == g.max(fc, 0.0).shape == g.min(fc, 1.0).shape == g.sub(1.0, fc).shape
    g.output(ln)
    mp.verify(g.module())


@pytest.mark.parametrize("build, message", [
    (lambda g, x: g.add(x, g.input((5,))), "graph.add: operand shapes 3x4 and 5 are not broadcast-compatible"),
    (lambda g, x: g.matmul(x, g.input((3, 2))), "graph.matmul: contracting dimensions differ"),
    (lambda g, x: g.softmax(x, axis=2), "graph.softmax: axis 2 is out of range for rank 2"),
    (lambda g, x: g.reduce_sum(x, axes=(0, -2)), r"graph.reduce_sum: axes \[0, -2\] name a dimension twice"),
    (lambda g, x: g.transpose(x, (0, 0)), r"graph.transpose: perm \[0, 0\] is not a permutation"),
    (lambda g, x: g.reshape(x, (5, -1)), r"graph.reshape: cannot reshape \(3, 4\)"),
    (lambda g, x: g.concat([x, g.input((3, 5))], axis=0), "graph.concat: input #1 of shape 3x5"),
    (lambda g, x: g.conv2d(g.input((1, 3, 8, 8)), g.input((4, 2, 3, 3))), "graph.conv2d: weights have 2 input"),
    (lambda g, x: g.max_pool2d(x, 2), r"graph.max_pool2d: input must be 4-D \(NCHW\), got 3x4"),
    (lambda g, x: g.softmax(g.input((3,), "f16")), "'graph.softmax' op operand #0 must be statically shaped tensor "
                                                   "of f32 values"),
    (lambda g, x: g.gelu(x, approximate="fast"), "'graph.gelu' op attribute 'approximate' failed"),
    (lambda g, x: g.add(x, GraphBuilder().input((3, 4))), "graph.add: the tensor belongs to another GraphBuilder"),
    (lambda g, x: g.relu("x"), "graph.relu: expected a Tensor of this builder, got str"),
    (lambda g, x: g.conv2d(g.input((1, 3, 8, 8)), g.input((4, 3, 3, 3)), pads=(1, 2, 3)), "graph.conv2d: pads"),
])
def test_errors_name_the_op_and_leave_the_graph_intact(build, message):
    g = GraphBuilder()
    x = g.input((3, 4))
    with pytest.raises(GraphTypeError, match=message):
        build(g, x)
    assert not list(x.value.uses)  # a failed op leaves no use behind
    g.output(g.relu(x))
    mp.verify(g.module())


def test_finished_graph_takes_no_more_ops():
    g = GraphBuilder()
    x = g.input((2,))
    g.output(x)
    with pytest.raises(GraphTypeError, match="graph.relu: the graph is finished"):
        g.relu(x)
    assert g.module() is g.module()
    with pytest.raises(GraphTypeError, match="module: call output"):
        GraphBuilder().module()
    with pytest.raises(ValueError, match="unsupported element type 'f64'"):
        GraphBuilder().input((2,), "f64")


def test_tensor_repr_and_properties():
    g = GraphBuilder()
    x = g.input((2, 3), np.int32)
    assert isinstance(x, Tensor) and repr(x) == "Tensor(tensor<2x3xi32>)"
    assert (x.shape, x.dtype, x.ndim) == ((2, 3), "i32", 2)


def test_mlp_compiles_and_matches_numpy():
    g, (w1, b1, w2) = _mlp()
    fn = g.compile(opt_level=2)
    x = RNG.standard_normal((4, 96)).astype(np.float32)
    h = np.maximum(x @ w1 + b1, 0)
    logits = h @ w2
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(fn(x), e / e.sum(axis=-1, keepdims=True), rtol=1e-4, atol=1e-6)


DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "frontend.md"


def _doc_blocks() -> list[tuple[bool, str]]:
    """(needs the pipeline, code) per python block of docs/frontend.md."""
    found = re.findall(r"^```python([^\n]*)\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)
    return [("needs=pipeline" in info, code) for info, code in found]


def _run_doc(with_pipeline: bool) -> None:
    env: dict = {"__name__": "frontend_tutorial"}
    for i, (needs, code) in enumerate(_doc_blocks()):
        if needs and not with_pipeline:
            continue
        exec(compile(code, f"frontend.md[block {i}]", "exec"), env)


def test_tutorial_builds():
    assert any(needs for needs, _ in _doc_blocks())
    _run_doc(with_pipeline=False)


def test_tutorial_runs():
    _run_doc(with_pipeline=True)


def test_ops_carry_the_model_code_location():
    g = GraphBuilder()
    x = g.input((2,))
    y = g.relu(x); line = sys._getframe().f_lineno  # noqa: E702 - the op's line, measured on it
    g.output(y)
    assert y.value.op.location == FileLineColLoc(__file__, line, 1)
    assert f'loc("{__file__}":{line}:1)' in mp.to_string(g.module(), debuginfo=True)
