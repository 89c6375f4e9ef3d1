"""Writes the small ONNX models the mir-import-onnx lit tests read into the folder given as argument."""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
F = TensorProto.FLOAT


def model(name, nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, [numpy_helper.from_array(a, n) for n, a in inits])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), os.path.join(out, name + ".onnx"))


rng = np.random.default_rng(0)
w = rng.standard_normal((6, 3)).astype(np.float32)
b = np.arange(3, dtype=np.float32)
model("mlp", [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"),
              helper.make_node("Add", ["h", "b"], ["a"], name="bias"),
              helper.make_node("Relu", ["a"], ["y"], name="act")],
      [helper.make_tensor_value_info("x", F, [2, 6])], [helper.make_tensor_value_info("y", F, [2, 3])],
      [("w", w), ("b", b)])
np.save(os.path.join(out, "x.npy"), np.array([[1, 0, 0, 0, 3, 1], [0, 1, -1, 2, -2, 0.5]], dtype=np.float32))
np.save(os.path.join(out, "expected.npy"), np.maximum(np.load(os.path.join(out, "x.npy")) @ w + b, 0))
model("dynamic", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
      [helper.make_tensor_value_info("x", F, ["N", 8])], [helper.make_tensor_value_info("y", F, ["N", 8])])
model("unsupported", [helper.make_node("Det", ["x"], ["y"], name="det")],
      [helper.make_tensor_value_info("x", F, [3, 3])], [helper.make_tensor_value_info("y", F, [])])
model("two_outputs", [helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1),
                      helper.make_node("Shape", ["x"], ["s"], name="shape")],
      [helper.make_tensor_value_info("x", F, [2, 6])],
      [helper.make_tensor_value_info("b", F, None), helper.make_tensor_value_info("s", TensorProto.INT64, None),
       helper.make_tensor_value_info("a", F, None)])
