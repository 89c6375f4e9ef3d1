"""An ONNX model as one graph-dialect `func.func @main` (DESIGN §3, mir-import-onnx).

The walk: load the model (a path, bytes or a ModelProto), bring opsets older than 7 up with onnx's version
converter, fix a symbolic batch dimension when asked (`batch=N`), run onnx's shape inference, then convert the
nodes in order. The graph inputs that are not initializers become the function's arguments and the graph
outputs its results, both in the model's order. Initializers stay numpy arrays until a graph op uses them; then
they become `graph.constant`s whose data sits in `dense_resource` blobs (frontend/weights.py), so a large model
prints as its ops plus one hex string per weight. A node whose inputs are all known at import time is evaluated
right away with onnx's reference implementation (shape computations, ConstantOfShape, Constant, ...). Each op
built for a node carries `loc("node name")`, so a later diagnostic points at the ONNX node.
"""

from __future__ import annotations

import math
import os
from typing import Any

import mlir_py.onnx.ops  # noqa: F401  (registers the converters)
import numpy as np
from mlir_py.dialects.graph import GraphTypeError
from mlir_py.frontend import GraphBuilder, Tensor
from mlir_py.onnx.registry import CONVERTERS, ELEMENT_TYPE_NAMES, Node, OnnxImportError, Value

from mlir_py.builtin.ops import ModuleOp
from mlir_py.ir.location import NameLoc

#: the oldest default-domain opset the converters are written for; older models go through the version converter
MIN_OPSET = 7
#: nodes never evaluated at import time even when their inputs are constants (their results differ per run)
_NO_FOLD = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"}


def load_model(model_or_path: Any) -> Any:
    """A ModelProto from a ModelProto, a path (external data next to it is loaded too) or the model's bytes."""
    import onnx
    if isinstance(model_or_path, onnx.ModelProto):
        return model_or_path
    if isinstance(model_or_path, (bytes, bytearray)):
        try:
            return onnx.load_from_string(bytes(model_or_path))
        except Exception as e:  # noqa: BLE001 - protobuf raises its own DecodeError
            raise OnnxImportError(f"not an ONNX model: {e}") from None
    if isinstance(model_or_path, (str, os.PathLike)):
        path = os.fspath(model_or_path)
        if not os.path.isfile(path):
            raise OnnxImportError(f"{path}: no such file")
        try:
            return onnx.load(path)
        except Exception as e:  # noqa: BLE001
            raise OnnxImportError(f"{path}: not an ONNX model ({e})") from None
    raise TypeError(f"import_model takes an onnx.ModelProto, a path or bytes, not {type(model_or_path).__name__}")


def default_opset(model: Any) -> int:
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return int(o.version)
    return 1


def import_model(model_or_path: Any, *, batch: int | None = None, name: str = "main") -> ModuleOp:
    """The model as a verified `builtin.module` holding `func.func @NAME` over tensors (graph dialect), weights
    as `dense_resource` blobs. `batch` replaces a symbolic first dimension of the inputs; any other dynamic
    dimension is an error. Raises `OnnxImportError` naming the node or input at fault."""
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise OnnxImportError(f"batch must be a positive integer, got {batch!r}")
    model = upgrade_opset(load_model(model_or_path))
    return _Importer(model, name, batch, inferred_shapes(model, batch)).run()


def upgrade_opset(model: Any) -> Any:
    """The model itself when its default-domain opset is at least MIN_OPSET, else onnx's conversion of it."""
    from onnx import version_converter
    opset = default_opset(model)
    if opset >= MIN_OPSET:
        return model
    try:
        return version_converter.convert_version(model, MIN_OPSET)
    except Exception as e:  # noqa: BLE001
        raise OnnxImportError(f"opset {opset} is older than {MIN_OPSET} and onnx's version converter could not "
                              f"convert the model: {e}") from None


#: initializers with more elements than this are left out of the copy that shape inference sees
_INFERENCE_MAX_ELEMENTS = 4096


def inferred_shapes(model: Any, batch: int | None) -> dict[str, tuple[int, ...]]:
    """Static shapes of the model's values by onnx's shape inference, run on a copy without the large weights
    (their shapes are enough, and serializing a 100 MB model twice would cost seconds)."""
    from onnx import helper, shape_inference
    g = model.graph
    big = [t for t in g.initializer if math.prod(t.dims) > _INFERENCE_MAX_ELEMENTS]
    big_names = {t.name for t in big}
    inputs = [i for i in g.input if i.name not in big_names]
    if batch is not None:
        inputs = [_with_batch(i, batch) for i in inputs]
    inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in big]
    skeleton = helper.make_graph(list(g.node), g.name or "graph", inputs, list(g.output),
                                 [t for t in g.initializer if t.name not in big_names], value_info=list(g.value_info))
    m = helper.make_model(skeleton, opset_imports=list(model.opset_import), ir_version=model.ir_version)
    m.functions.extend(model.functions)
    try:
        m = shape_inference.infer_shapes(m)
    except Exception as e:  # noqa: BLE001 - onnx raises InferenceError and others
        raise OnnxImportError(f"onnx shape inference failed: {e}") from None
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.output):
        tt = vi.type.tensor_type
        if vi.type.HasField("tensor_type") and tt.HasField("shape") and all(d.HasField("dim_value")
                                                                            for d in tt.shape.dim):
            shapes[vi.name] = tuple(int(d.dim_value) for d in tt.shape.dim)
    return shapes


def _with_batch(vi: Any, batch: int) -> Any:
    """`vi` with a symbolic first dimension replaced by `batch`."""
    import onnx
    if not vi.type.HasField("tensor_type"):
        return vi
    dims = vi.type.tensor_type.shape.dim
    if not len(dims) or dims[0].HasField("dim_value"):
        return vi
    copy = onnx.ValueInfoProto()
    copy.CopyFrom(vi)
    copy.type.tensor_type.shape.dim[0].Clear()
    copy.type.tensor_type.shape.dim[0].dim_value = batch
    return copy


def _dtype_name(elem_type: int) -> str | None:
    return ELEMENT_TYPE_NAMES.get(elem_type)


class _Importer:
    def __init__(self, model: Any, name: str, batch: int | None, inferred: dict[str, tuple[int, ...]]):
        self.model = model
        self.batch = batch
        self.graph = model.graph
        self.opset = default_opset(model)
        self.g = GraphBuilder(name)
        self.values: dict[str, Value] = {}
        self.materialized: dict[str, Tensor] = {}
        self.inferred = inferred
        self.used = {name for n in self.graph.node for name in n.input if name} | {o.name for o in self.graph.output}

    def run(self) -> ModuleOp:
        from onnx import numpy_helper
        graph = self.graph
        for t in graph.initializer:
            self.values[t.name] = numpy_helper.to_array(t)
        for inp in graph.input:
            if inp.name in self.values:
                continue
            self.values[inp.name] = self._argument(inp if self.batch is None else _with_batch(inp, self.batch))
        for index, proto in enumerate(graph.node):
            self._convert(index, proto)
        self.g.location = None
        results = []
        for out in graph.output:
            if out.name not in self.values:
                raise OnnxImportError(f"graph output '{out.name}' is not computed by any node")
            v = self.values[out.name]
            results.append(v if isinstance(v, Tensor) else self._constant(out.name, v))
        self.g.output(*results)
        return self.g.module()

    def _argument(self, vi: Any) -> Tensor:
        if not vi.type.HasField("tensor_type"):
            raise OnnxImportError(f"graph input '{vi.name}' is not a tensor (sequences, maps and optionals are not "
                                  "supported)")
        tt = vi.type.tensor_type
        dtype = _dtype_name(tt.elem_type)
        if dtype is None:
            from onnx import TensorProto
            raise OnnxImportError(f"graph input '{vi.name}' has element type "
                                  f"{TensorProto.DataType.Name(tt.elem_type)}, which the graph dialect does not "
                                  "have (it takes float, float16, int32, int64 and bool)")
        if not tt.HasField("shape"):
            raise OnnxImportError(f"graph input '{vi.name}' has no shape: the graph dialect needs static shapes")
        shape = []
        for i, d in enumerate(tt.shape.dim):
            if not d.HasField("dim_value"):
                what = f"'{d.dim_param}'" if d.dim_param else "an unknown size"
                hint = " (fix the batch size with --batch=N, or batch=N in import_model)" if i == 0 else ""
                raise OnnxImportError(f"graph input '{vi.name}' has a dynamic dimension {i} ({what}): the graph "
                                      f"dialect needs static shapes{hint}")
            shape.append(int(d.dim_value))
        self.g.location = NameLoc(vi.name, None)
        return self.g.input(shape, dtype)

    def _constant(self, name: str, array: np.ndarray) -> Tensor:
        t = self.materialized.get(name)
        if t is None:
            if array.dtype == np.float64:
                array = array.astype(np.float32)
            try:
                t = self.g.constant(array, name=name)
            except ValueError as e:
                raise OnnxImportError(f"constant '{name}': {e}") from None
            self.materialized[name] = t
        return t

    def _convert(self, index: int, proto: Any) -> None:
        label = proto.name or (proto.output[0] if proto.output else f"#{index}")
        where = f"node '{label}' ({proto.op_type})"
        if proto.domain not in ("", "ai.onnx"):
            raise OnnxImportError(f"{where}: operator domain '{proto.domain}' is not supported (only the default "
                                  "ONNX domain is)")
        inputs: list[Value | None] = []
        for name in proto.input:
            if name == "":
                inputs.append(None)
                continue
            if name not in self.values:
                raise OnnxImportError(f"{where}: input '{name}' is not defined before the node")
            inputs.append(self.values[name])
        self.g.location = NameLoc(label, None)
        try:
            if proto.op_type not in _NO_FOLD and all(not isinstance(v, Tensor) for v in inputs) and \
                    not any(a.type in (5, 10) for a in proto.attribute):  # GRAPH / GRAPHS: If, Loop, Scan
                outputs = self._fold(proto, inputs)
            else:
                converter = CONVERTERS.get(proto.op_type)
                if converter is None:
                    raise OnnxImportError(f"operator {proto.op_type} is not supported")
                node = Node(proto, inputs, list(proto.input), self.opset, self.g,
                            lambda i: self._constant(proto.input[i], inputs[i]), self.used)  # type: ignore[arg-type]
                outputs = converter(node)
        except OnnxImportError as e:
            raise OnnxImportError(f"{where}: {e}", e.needs_value) from None
        except GraphTypeError as e:
            raise OnnxImportError(f"{where}: {e}") from None
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        for i, name in enumerate(proto.output):
            if name == "" or name not in self.used:
                continue
            if i >= len(outputs) or outputs[i] is None:
                raise OnnxImportError(f"{where}: output {i} ('{name}') is not supported")
            v = outputs[i]
            expected = self.inferred.get(name)
            if expected is not None and tuple(v.shape) != expected:
                raise OnnxImportError(f"{where}: output '{name}' has shape {tuple(v.shape)} here but "
                                      f"{expected} by onnx's shape inference")
            self.values[name] = v

    def _fold(self, proto: Any, inputs: list[Value | None]) -> list[np.ndarray]:
        from onnx import helper
        from onnx.reference import ReferenceEvaluator
        feeds = {n: v for n, v in zip(proto.input, inputs) if n != ""}
        try:
            # a one-node model, so that the node runs with the semantics of the model's opset
            graph = helper.make_graph(
                [proto], "fold",
                [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
                 for n, v in feeds.items()],
                [helper.make_empty_tensor_value_info(o) for o in proto.output if o])
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
            return list(ReferenceEvaluator(model).run(None, feeds))
        except Exception as e:  # noqa: BLE001 - the reference runtime raises anything
            raise OnnxImportError(f"evaluating the node on its constant inputs failed: {e}") from None
