"""Checking imported models against onnxruntime: the light model-zoo networks shipped in the onnx wheel, made
into meaningful tests.

The shipped light models build every weight with `ConstantOfShape` (all weights equal), so their outputs are
degenerate: a constant softmax matches whatever a runtime computes. `realize_weights` replaces each such weight
(and each float initializer) by an initializer perturbed by a factor 1 + 0.01 * U(-1, 1), and `logits_model`
returns the input of the final Softmax instead of its output, where a wrong result cannot hide. The benchmark,
the conformance script and the tests all use these.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

#: the light models in the onnx wheel's backend test data, smallest compile first
LIGHT_MODELS = ("squeezenet", "shufflenet", "bvlc_alexnet", "zfnet512", "inception_v1", "densenet121",
                "inception_v2", "resnet50", "vgg19")


def light_model_path(name: str) -> str:
    """The path of `light_NAME.onnx` inside the installed onnx package."""
    import onnx
    path = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light", f"light_{name}.onnx")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: this onnx wheel does not ship light_{name}")
    return path


def realize_weights(model: Any, seed: int = 0) -> Any:
    """A copy of `model` whose ConstantOfShape nodes with constant inputs are initializers, and whose float
    initializers are all multiplied by 1 + 0.01 * U(-1, 1) elementwise."""
    import onnx
    from onnx import numpy_helper
    rng = np.random.default_rng(seed)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    keep, new = [], []
    for node in g.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in consts:
            value = np.zeros(1, np.float32)
            for a in node.attribute:
                if a.name == "value":
                    value = numpy_helper.to_array(a.t)
            new.append((node.output[0], np.full(consts[node.input[0]].astype(np.int64), value.reshape(-1)[0],
                                                dtype=value.dtype)))
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    used = {name for n in keep for name in n.input} | {o.name for o in g.output}
    inits = [(t.name, numpy_helper.to_array(t)) for t in g.initializer if t.name in used] + new
    del g.initializer[:]
    for name, a in inits:
        if a.dtype.kind == "f":
            a = (a * (1 + 0.01 * rng.uniform(-1, 1, a.shape))).astype(a.dtype)
        g.initializer.append(numpy_helper.from_array(a, name))
    names = {name for name, _ in inits} | set(consts)
    inputs = [i for i in g.input if i.name not in names]
    del g.input[:]
    g.input.extend(inputs)
    m.ir_version = max(m.ir_version, 4)  # initializers that are not graph inputs
    return m


def logits_model(model: Any) -> Any:
    """`model` returning the input of its last Softmax (the logits) when a Softmax produces its only output."""
    import onnx
    g = model.graph
    last = g.node[-1] if len(g.node) else None
    if last is None or last.op_type != "Softmax" or len(g.output) != 1 or g.output[0].name != last.output[0]:
        return model
    m = onnx.ModelProto()
    m.CopyFrom(model)
    del m.graph.node[-1]
    del m.graph.output[:]
    m.graph.output.append(onnx.helper.make_tensor_value_info(last.input[0], onnx.TensorProto.FLOAT, None))
    return m


def random_inputs(model: Any, seed: int = 0) -> dict[str, np.ndarray]:
    """Standard-normal float32 arrays for the model's graph inputs (static shapes)."""
    rng = np.random.default_rng(seed)
    inits = {t.name for t in model.graph.initializer}
    feeds = {}
    for i in model.graph.input:
        if i.name in inits:
            continue
        shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
        feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def onnxruntime_session(model: Any, threads: int = 1) -> Any:
    """An onnxruntime CPU session over `model` with `threads` intra-op threads (graph optimizations on)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max |want| (one number for a whole output)."""
    scale = float(np.max(np.abs(want))) or 1.0
    return float(np.max(np.abs(got.astype(np.float64) - want))) / scale
