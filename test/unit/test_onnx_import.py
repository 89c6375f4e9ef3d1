"""mlir_py.onnx: ONNX models imported as graph IR, compiled, and compared with onnxruntime on random inputs.

Each compiled model packs many operators (compiling costs seconds, the test budget is small); the
operator-by-operator sweep is onnx's backend test suite, run by benchmarks/onnx_conformance.py.
"""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from mlir_py.onnx import OnnxImportError, import_model  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

RNG = np.random.default_rng(7)


def _model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "test",
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
                              [numpy_helper.from_array(a, n) for n, a in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _w(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _small_cnn():
    """Conv (bias, pads) -> BatchNorm -> Relu -> MaxPool (ceil_mode) -> Conv (groups, stride, SAME_UPPER) -> Sum
    -> GlobalAveragePool -> Flatten -> Gemm (transB) -> Softmax."""
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["bn"], name="bn1", epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r"], name="relu1"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool1", kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
        helper.make_node("Conv", ["p", "w2"], ["c2"], name="conv2", group=4, strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("Sum", ["c2", "c2", "c2"], ["sum"], name="sum3"),
        helper.make_node("GlobalAveragePool", ["sum"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["logits"], name="fc", transB=1, alpha=0.5),
        helper.make_node("Softmax", ["logits"], ["prob"], name="softmax"),
    ]
    inits = [("w1", _w(8, 3, 3, 3)), ("b1", _w(8)), ("s", _w(8)), ("bb", _w(8)), ("m", _w(8)),
             ("v", np.abs(_w(8)) + 0.5), ("w2", _w(8, 2, 3, 3)), ("fc", _w(10, 8)), ("fcb", _w(10))]
    return _model(nodes, [("x", [2, 3, 9, 9])], ["prob", "logits"], inits)


def _shapes_and_elementwise():
    """Shape arithmetic folded at import (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), Transpose, MatMul,
    broadcasting Add/Mul/Div/Sub/Pow, Clip (opset 11 inputs), LRN, AveragePool with count_include_pad and
    ceil_mode, Squeeze/Unsqueeze, ReduceMean, Softmax of opset 11 (2-D coercion), LeakyRelu, Mean."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shp"]),
        helper.make_node("Gather", ["shp", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n"], ["n1"], axes=[0]),
        helper.make_node("Concat", ["n1", "minus1"], ["newshape"], axis=0),
        helper.make_node("LRN", ["x"], ["lrn"], size=3, alpha=1e-2, beta=0.75, bias=2.0),
        helper.make_node("AveragePool", ["lrn"], ["ap"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                         count_include_pad=1, ceil_mode=1),
        helper.make_node("Reshape", ["ap", "newshape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "wm"], ["mm"]),
        helper.make_node("Add", ["mm", "bias"], ["add"]),
        helper.make_node("Clip", ["add", "lo", "hi"], ["clip"]),
        helper.make_node("Mul", ["clip", "two"], ["mul"]),
        helper.make_node("Pow", ["mul", "two"], ["sq"]),
        helper.make_node("Sub", ["sq", "add"], ["sub"]),
        helper.make_node("Div", ["sub", "two"], ["div"]),
        helper.make_node("Unsqueeze", ["div"], ["u"], axes=[1]),
        helper.make_node("Transpose", ["u"], ["t"], perm=[2, 0, 1]),
        helper.make_node("Squeeze", ["t"], ["sqz"], axes=[2]),
        helper.make_node("LeakyRelu", ["sqz"], ["lr"], alpha=0.1),
        helper.make_node("ReduceMean", ["lr"], ["rm"], axes=[0], keepdims=1),
        helper.make_node("Mean", ["lr", "rm"], ["mean"]),
        helper.make_node("Reshape", ["mean", "shape3"], ["m3"]),
        helper.make_node("Softmax", ["m3"], ["sm"], axis=1),
    ]
    inits = [("zero", np.array(0, np.int64)), ("minus1", np.array([-1], np.int64)), ("wm", _w(4 * 4 * 4, 6)),
             ("bias", _w(6)), ("lo", np.array(-1.5, np.float32)), ("hi", np.array(1.0, np.float32)),
             ("two", np.array(2.0, np.float32)), ("shape3", np.array([2, 3, 3], np.int64))]
    return _model(nodes, [("x", [3, 4, 7, 7])], ["sm"], inits, opset=11)


def _run_onnxruntime(model, feeds):
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def test_small_cnn_matches_onnxruntime():
    from mlir_py.execution import ExecutionEngine
    model = _small_cnn()
    module = import_model(model)
    text = str(module)
    assert "func.func @main(%arg0: tensor<2x3x9x9xf32>) -> (tensor<2x10xf32>, tensor<2x10xf32>)" in text
    assert "graph.constant dense_resource<w1> : tensor<8x3x3x3xf32>" in text  # weights as blobs
    assert "graph.conv2d" in text and "groups = 4" in text
    from mlir_py.api import to_string
    assert 'loc("conv2")' in to_string(module, debuginfo=True)
    x = RNG.standard_normal((2, 3, 9, 9)).astype(np.float32)
    prob, logits = ExecutionEngine(module, opt_level=1).lookup("main")(x)
    want_prob, want_logits = _run_onnxruntime(model, {"x": x})
    np.testing.assert_allclose(logits, want_logits, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(prob, want_prob, rtol=1e-4, atol=1e-6)


def test_shape_arithmetic_and_elementwise_through_the_backend():
    from mlir_py.onnx.backend import MlirPyBackend
    model = _shapes_and_elementwise()
    rep = MlirPyBackend.prepare(model, opt_level=1)
    x = RNG.standard_normal((3, 4, 7, 7)).astype(np.float32)
    (got,) = rep.run([x])
    (want,) = _run_onnxruntime(model, {"x": x})
    assert got.shape == (2, 3, 3)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    text = str(import_model(model))  # the shape arithmetic left no op behind: only its result, a reshape
    assert "graph.reshape %" in text and "graph.gather" not in text and "graph.concat" not in text
    assert "graph.lrn" in text and "graph.leaky_relu" in text


def test_unsupported_operator_names_the_node():
    model = _model([helper.make_node("Relu", ["x"], ["r"], name="first"),
                    helper.make_node("Det", ["r"], ["y"], name="det_7")], [("x", [3, 3])], ["y"])
    with pytest.raises(OnnxImportError, match=r"node 'det_7' \(Det\): operator Det is not supported"):
        import_model(model)


def test_dynamic_batch_is_an_error_unless_fixed():
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [("x", ["N", 5])], ["y"])
    with pytest.raises(OnnxImportError, match=r"graph input 'x' has a dynamic dimension 0 \('N'\).*--batch=N"):
        import_model(model)
    assert "func.func @main(%arg0: tensor<4x5xf32>) -> tensor<4x5xf32>" in str(import_model(model, batch=4))
    with pytest.raises(OnnxImportError, match="batch must be a positive integer"):
        import_model(model, batch=0)


def test_runtime_shape_argument_is_an_error():
    nodes = [helper.make_node("Reshape", ["x", "s"], ["y"], name="r")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6]),
                                           helper.make_tensor_value_info("s", TensorProto.INT64, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    with pytest.raises(OnnxImportError, match=r"node 'r' \(Reshape\): input 1 \(shape, 's'\) must be a constant"):
        import_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))


def test_bad_inputs():
    with pytest.raises(OnnxImportError, match="not an ONNX model"):
        import_model(b"\x07garbage")
    with pytest.raises(OnnxImportError, match="no such file"):
        import_model("/nonexistent/model.onnx")
    with pytest.raises(TypeError, match="takes an onnx.ModelProto"):
        import_model(3.5)
    double = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                               [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [2])],
                               [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)])
    with pytest.raises(OnnxImportError, match="graph input 'x' has element type DOUBLE"):
        import_model(helper.make_model(double, opset_imports=[helper.make_opsetid("", 13)]))
    other = _model([helper.make_node("Gelu", ["x"], ["y"], domain="com.microsoft", name="g")], [("x", [2])], ["y"])
    other.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    with pytest.raises(OnnxImportError, match=r"node 'g' \(Gelu\): operator domain 'com.microsoft'"):
        import_model(other)


def test_constant_weights_are_folded_and_shared():
    """A weight used twice is one blob; ConstantOfShape of a constant shape is folded at import time."""
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["k"], value=helper.make_tensor("v", 1, [1], [0.5])),
             helper.make_node("MatMul", ["x", "w"], ["a"]), helper.make_node("MatMul", ["a", "w"], ["b"]),
             helper.make_node("Add", ["b", "k"], ["y"])]
    model = _model(nodes, [("x", [3, 20])], ["y"], [("w", _w(20, 20)), ("shape", np.array([3, 20], np.int64))])
    text = str(import_model(model))
    assert text.count("dense_resource<w>") == 1 and "dense_resource<k>" in text
    assert text.count("graph.matmul") == 2


def test_light_squeezenet_matches_onnxruntime():
    """The smallest model-zoo network of the onnx wheel, weights made real and perturbed, logits compared (the
    other eight run in benchmarks/onnx_conformance.py --light)."""
    from mlir_py.execution import ExecutionEngine
    from mlir_py.onnx.testing import (
        light_model_path,
        logits_model,
        onnxruntime_session,
        random_inputs,
        realize_weights,
        relative_error,
    )
    pytest.importorskip("onnxruntime")
    model = logits_model(realize_weights(onnx.load(light_model_path("squeezenet"))))
    feeds = random_inputs(model)
    got = ExecutionEngine(import_model(model), opt_level=1).lookup("main")(*feeds.values())
    want = onnxruntime_session(model).run(None, feeds)[0]
    assert got.shape == want.shape == (1, 1000, 1, 1)
    assert relative_error(got, want) <= 1e-4
