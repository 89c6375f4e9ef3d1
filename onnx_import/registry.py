"""What an operator converter sees, and the table of converters by ONNX operator name.

A converter is a function `(node: Node) -> value or list of values` registered with `@converts("Relu", ...)`;
it reads the node's inputs and attributes through `Node` and builds graph ops with `node.g` (a GraphBuilder).
A value is either a `Tensor` of the function being built or a numpy array: inputs known at import time
(initializers, `Constant`, anything computed from them, the folded `Shape` of a static tensor) stay numpy
arrays until an op needs them as an operand, so shape arithmetic folds away and Reshape/Slice/Pad find their
shape arguments as constants.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np
from mlir_py.frontend import GraphBuilder, Tensor

from mlir_py.ir.builtin_attributes import BoolAttr, DenseArrayAttr, FloatAttr, IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import f32, i64

Value = Union[Tensor, np.ndarray]

#: ONNX element types the graph dialect has (TensorProto data type number -> graph element type name)
ELEMENT_TYPE_NAMES = {1: "f32", 10: "f16", 6: "i32", 7: "i64", 9: "i1"}


class OnnxImportError(ValueError):
    """A model the importer cannot turn into graph IR. The message names the node (its name and operator) or the
    graph input at fault, and says why. `needs_value` names the value, when the reason is that it must be known
    at compile time but is computed at run time (the backend can then compile once the inputs are known)."""

    def __init__(self, message: str, needs_value: str | None = None):
        super().__init__(message)
        self.needs_value = needs_value


#: ONNX operator name -> converter
CONVERTERS: dict[str, Callable[[Node], Any]] = {}


def converts(*op_types: str) -> Callable:
    """Register the decorated function as the converter of `op_types`."""
    def register(fn: Callable) -> Callable:
        for t in op_types:
            CONVERTERS[t] = fn
        return fn
    return register


class Node:
    """One ONNX node being converted: its inputs as values, its attributes, the opset, and the builder."""

    def __init__(self, proto: Any, inputs: list[Value | None], input_names: list[str], opset: int,
                 g: GraphBuilder, materialize: Callable[[int], Tensor], used: set[str]):
        from onnx import helper
        self.proto = proto
        self.op_type: str = proto.op_type
        self.inputs = inputs
        self.input_names = input_names
        self.opset = opset
        self.g = g
        self._materialize = materialize
        self._used = used
        self.attrs: dict[str, Any] = {a.name: helper.get_attribute_value(a) for a in proto.attribute}

    @property
    def num_outputs(self) -> int:
        return len(self.proto.output)

    def output_used(self, i: int) -> bool:
        """Whether output `i` is named and read by a later node or returned by the graph."""
        return i < len(self.proto.output) and self.proto.output[i] in self._used

    def error(self, message: str) -> OnnxImportError:
        return OnnxImportError(message)

    # -- inputs ---------------------------------------------------------------

    def has(self, i: int) -> bool:
        return i < len(self.inputs) and self.inputs[i] is not None

    def tensor(self, i: int) -> Tensor:
        """Input `i` as a Tensor operand (a constant input becomes a graph.constant, once per name)."""
        if not self.has(i):
            raise self.error(f"input {i} is missing")
        v = self.inputs[i]
        return v if isinstance(v, Tensor) else self._materialize(i)

    def const(self, i: int, what: str) -> np.ndarray:
        """Input `i`, which must be known at import time (an initializer or computed from constants)."""
        if not self.has(i):
            raise self.error(f"input {i} ({what}) is missing")
        v = self.inputs[i]
        if isinstance(v, Tensor):
            raise OnnxImportError(f"input {i} ({what}, '{self.input_names[i]}') must be a constant: it is "
                                  "computed at run time, and the graph dialect needs it at compile time",
                                  needs_value=self.input_names[i])
        return v

    def optional_const(self, i: int, what: str) -> np.ndarray | None:
        return self.const(i, what) if self.has(i) else None

    def shape(self, i: int) -> tuple[int, ...]:
        v = self.inputs[i]
        return tuple(v.shape) if v is not None else ()

    def dtype(self, i: int) -> str:
        """The graph element type name of input `i` ('f32', 'i64', ...)."""
        from mlir_py.frontend.weights import array_dtype_name
        v = self.inputs[i]
        if isinstance(v, Tensor):
            return v.dtype
        assert v is not None
        return "i1" if v.dtype == np.bool_ else array_dtype_name(v)

    def rank(self, i: int) -> int:
        return len(self.shape(i))

    # -- attributes -------------------------------------------------------------

    def attr(self, name: str, default: Any = None) -> Any:
        v = self.attrs.get(name, default)
        return v.decode() if isinstance(v, bytes) else v

    def ints_attr_or_input(self, name: str, i: int, default: Sequence[int] | None = None) -> list[int] | None:
        """A list given as attribute `name` (older opsets) or as constant input `i` (newer ones)."""
        if name in self.attrs:
            return [int(v) for v in self.attrs[name]]
        if self.has(i):
            return [int(v) for v in np.asarray(self.const(i, name)).reshape(-1)]
        return None if default is None else list(default)


def i64s(values: Sequence[int]) -> DenseArrayAttr:
    return DenseArrayAttr(i64, tuple(int(v) for v in values))


def i64_attr(v: int) -> IntegerAttr:
    return IntegerAttr(int(v), i64)


def f32_attr(v: float) -> FloatAttr:
    return FloatAttr(float(v), f32)


def bool_attr(v: bool) -> BoolAttr:
    return BoolAttr(bool(v))


def str_attr(v: str) -> StringAttr:
    return StringAttr(v)


def normalize_axis(node: Node, axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise node.error(f"axis {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis
