"""Run an ONNX model with mlir_py: SqueezeNet (the light model the onnx wheel ships, its weights made real and
perturbed, as mlir_py.onnx.testing does, and its last Softmax cut off so that the scores compared are the
logits, not probabilities saturated at 0 and 1) imported, compiled and run on a random image, then compared
with onnxruntime when it is installed. Also writes squeezenet.onnx and squeezenet_input.npy into the current folder,
for the command-line path:

    mir-import-onnx squeezenet.onnx -o squeezenet.mir
    mir-run squeezenet.mir -O2 --arg squeezenet_input.npy -o out.npz
"""

import time

import numpy as np
import onnx
from mlir_py.execution import ExecutionEngine
from mlir_py.onnx import import_model
from mlir_py.onnx.testing import light_model_path, logits_model, random_inputs, realize_weights, relative_error

model = logits_model(realize_weights(onnx.load(light_model_path("squeezenet"))))
onnx.save(model, "squeezenet.onnx")
(x,) = random_inputs(model).values()
np.save("squeezenet_input.npy", x)

t0 = time.perf_counter()
module = import_model("squeezenet.onnx")          # graph-dialect IR, weights as dense_resource blobs
t1 = time.perf_counter()
main = ExecutionEngine(module, opt_level=2).lookup("main")
t2 = time.perf_counter()
scores = main(x)                                   # the 1000 class scores (logits)
print(f"import {t1 - t0:.1f} s, compile {t2 - t1:.1f} s; top class {int(np.argmax(scores))}, "
      f"score {float(np.max(scores)):.4f}, scores spread {float(np.std(scores)):.4f}")

try:
    import onnxruntime
except ImportError:
    print("onnxruntime is not installed: no comparison")
else:
    sess = onnxruntime.InferenceSession("squeezenet.onnx", providers=["CPUExecutionProvider"])
    (want,) = sess.run(None, {model.graph.input[0].name: x})
    err = relative_error(scores, want)
    print(f"onnxruntime agrees: relative error {err:.1e}")
    assert err < 1e-4
