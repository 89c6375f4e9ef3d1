"""The ONNX backend interface (`onnx.backend.base.Backend`) over the importer and the ExecutionEngine, so that
onnx's backend test suite and any code written against that interface run models with mlir_py:

    from mlir_py.onnx.backend import MlirPyBackend
    rep = MlirPyBackend.prepare(model)          # import + --lower-to-llvm + JIT, once
    outputs = rep.run([x])                      # a tuple of numpy arrays, in the graph's output order

`prepare` raises `OnnxImportError` for a model the importer cannot convert and `CompilationError` when the
compiler fails; `run` checks the inputs' count, and the ExecutionEngine their dtypes and shapes.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from mlir_py.onnx.importer import default_opset, import_model, load_model
from onnx import ModelProto, NodeProto, helper
from onnx.backend.base import Backend, BackendRep, namedtupledict


class MlirPyBackendRep(BackendRep):
    """A prepared model: the compiled `main` and the names of its inputs and outputs."""

    def __init__(self, fn: Any, input_names: list[str], output_names: list[str], engine: Any):
        self.fn = fn
        self.input_names = input_names
        self.output_names = output_names
        self.engine = engine

    def run(self, inputs: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Run on `inputs`: a list in the graph's input order, a dict by name, or one array for a one-input
        graph. Returns the outputs as a named tuple (by position or by output name)."""
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"missing inputs: {', '.join(missing)}")
            args = [inputs[n] for n in self.input_names]
        elif isinstance(inputs, np.ndarray):
            args = [inputs]
        else:
            args = list(inputs)
        if len(args) != len(self.input_names):
            raise ValueError(f"the model takes {len(self.input_names)} inputs "
                             f"({', '.join(self.input_names)}), got {len(args)}")
        out = self.fn(*[np.asarray(a) for a in args])
        outs = out if isinstance(out, tuple) else (out,)
        names = [n if n.isidentifier() else f"output_{i}" for i, n in enumerate(self.output_names)]
        if len(set(names)) != len(names):
            return tuple(outs)
        return namedtupledict("Outputs", names)(*outs)


class MlirPyBackend(Backend):
    """mlir_py as an ONNX backend: CPU only, static shapes."""

    #: the ExecutionEngine's optimization level for prepared models
    opt_level = 2

    @classmethod
    def is_compatible(cls, model: ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        return device.upper().startswith("CPU")

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device.upper().startswith("CPU")

    @classmethod
    def prepare(cls, model: Any, device: str = "CPU", **kwargs: Any) -> MlirPyBackendRep:
        from mlir_py.execution import ExecutionEngine
        if not cls.supports_device(device):
            raise ValueError(f"mlir_py runs ONNX models on the CPU only, not on {device!r}")
        proto = load_model(model)
        module = import_model(proto, batch=kwargs.get("batch"))
        engine = ExecutionEngine(module, opt_level=int(kwargs.get("opt_level", cls.opt_level)))
        inits = {t.name for t in proto.graph.initializer}
        inputs = [i.name for i in proto.graph.input if i.name not in inits]
        outputs = [o.name for o in proto.graph.output]
        return MlirPyBackendRep(engine.lookup("main"), inputs, outputs, engine)

    @classmethod
    def run_model(cls, model: Any, inputs: Any, device: str = "CPU", **kwargs: Any) -> tuple[Any, ...]:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: NodeProto, inputs: Any, device: str = "CPU",
                 outputs_info: Sequence[tuple[Any, tuple[int, ...]]] | None = None, **kwargs: Any
                 ) -> tuple[Any, ...]:
        """Run one node: a model of that node alone, its inputs typed after `inputs`."""
        arrays = [np.asarray(a) for a in (inputs.values() if isinstance(inputs, dict) else inputs)]
        names = [n for n in node.input if n]
        graph_inputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
                        for n, a in zip(names, arrays)]
        graph_outputs = [helper.make_empty_tensor_value_info(n) for n in node.output if n]
        graph = helper.make_graph([node], "run_node", graph_inputs, graph_outputs)
        opset = kwargs.get("opset_version")
        opsets = [helper.make_opsetid("", int(opset))] if opset is not None else None
        model = helper.make_model(graph, opset_imports=opsets) if opsets else helper.make_model(graph)
        return cls.run_model(model, arrays, device)


prepare = MlirPyBackend.prepare
run_model = MlirPyBackend.run_model
run_node = MlirPyBackend.run_node
supports_device = MlirPyBackend.supports_device

__all__ = ["MlirPyBackend", "MlirPyBackendRep", "default_opset", "prepare", "run_model", "run_node",
           "supports_device"]
