"""The ONNX backend interface (`onnx.backend.base.Backend`) over the importer and the ExecutionEngine, so that
onnx's backend test suite and any code written against that interface run models with mlir_py:

    from mlir_py.onnx.backend import MlirPyBackend
    rep = MlirPyBackend.prepare(model)          # import + --lower-to-llvm + JIT, once
    outputs = rep.run([x])                      # a tuple of numpy arrays, in the graph's output order

`prepare` raises `OnnxImportError` for a model the importer cannot convert and `CompilationError` when the
compiler fails; `run` checks the inputs' count, and the ExecutionEngine their dtypes and shapes. A graph input
that the compiler needs as a constant (a Reshape's shape, a Slice's bounds) is bound at the first `run`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from mlir_py.onnx.importer import default_opset, import_model, load_model
from mlir_py.onnx.registry import OnnxImportError
from onnx import ModelProto, NodeProto, helper
from onnx.backend.base import Backend, BackendRep, namedtupledict


class MlirPyBackendRep(BackendRep):
    """A prepared model: the compiled `main` and the names of its inputs and outputs.

    A model whose shape arguments (Reshape's shape, Slice's bounds, ...) are graph inputs cannot be compiled
    before their values are known: such a model is compiled at the first `run`, with those inputs bound to the
    given values (a specialization, cached by those values); the other inputs stay arguments.
    """

    def __init__(self, model: Any, opt_level: int, batch: int | None, bound: tuple[str, ...] = ()):
        self.model = model
        self.opt_level = opt_level
        self.batch = batch
        self.bound = bound
        inits = {t.name for t in model.graph.initializer}
        self.input_names = [i.name for i in model.graph.input if i.name not in inits]
        self.output_names = [o.name for o in model.graph.output]
        self._compiled: dict[bytes, tuple[Any, list[str]]] = {}
        if not bound:
            self._compiled[b""] = self._compile({})

    def _compile(self, values: dict[str, np.ndarray]) -> tuple[Any, list[str]]:
        from mlir_py.execution import ExecutionEngine
        module = import_model(_with_initializers(self.model, values) if values else self.model, batch=self.batch)
        self.engine = ExecutionEngine(module, opt_level=self.opt_level)
        return self.engine.lookup("main"), [n for n in self.input_names if n not in values]

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
        by_name = {n: np.asarray(a) for n, a in zip(self.input_names, args)}
        while True:
            bound = {n: by_name[n] for n in self.bound}
            key = b"".join(v.dtype.str.encode() + str(v.shape).encode() + v.tobytes() for v in bound.values())
            if key in self._compiled:
                break
            try:
                self._compiled[key] = self._compile(bound)
            except OnnxImportError as e:
                if e.needs_value not in by_name or e.needs_value in self.bound:
                    raise
                self.bound += (e.needs_value,)
        fn, arg_names = self._compiled[key]
        out = fn(*[by_name[n] for n in arg_names])
        outs = out if isinstance(out, tuple) else (out,)
        names = [n if n.isidentifier() else f"output_{i}" for i, n in enumerate(self.output_names)]
        if len(set(names)) != len(names):
            return tuple(outs)
        return namedtupledict("Outputs", names)(*outs)


def _with_initializers(model: Any, values: dict[str, np.ndarray]) -> Any:
    """A copy of `model` where the graph inputs in `values` are initializers holding those values."""
    import onnx
    from onnx import numpy_helper
    m = onnx.ModelProto()
    m.CopyFrom(model)
    m.graph.initializer.extend(numpy_helper.from_array(v, n) for n, v in values.items())
    kept = [i for i in m.graph.input if i.name not in values]
    del m.graph.input[:]
    m.graph.input.extend(kept)
    m.ir_version = max(m.ir_version, 4)
    return m


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
        """Import and compile `model` (a ModelProto, path or bytes). Options: `opt_level` (default 2), `batch`
        (fixes a symbolic batch dimension)."""
        if not cls.supports_device(device):
            raise ValueError(f"mlir_py runs ONNX models on the CPU only, not on {device!r}")
        proto = load_model(model)
        opt_level, batch = int(kwargs.get("opt_level", cls.opt_level)), kwargs.get("batch")
        inputs = {i.name for i in proto.graph.input} - {t.name for t in proto.graph.initializer}
        try:
            return MlirPyBackendRep(proto, opt_level, batch)
        except OnnxImportError as e:
            if e.needs_value not in inputs:
                raise
            return MlirPyBackendRep(proto, opt_level, batch, (e.needs_value,))  # compiled at the first run

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
