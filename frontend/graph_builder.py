"""`GraphBuilder`: graph-dialect IR from numpy-like Python calls.

Each method builds one graph op at the end of the function being built,
with its result type inferred by the op itself (the rules of
mlir_py.dialects.graph), and checks it with the op's verifier on the spot:
a wrong shape, axis or element type raises `GraphTypeError` at the call
that caused it, naming the op, instead of surfacing later as a diagnostic in
a printed module. See docs/frontend.md.
"""

from __future__ import annotations

import os
import sys
from math import prod
from typing import Any, Sequence, Union

import numpy as np
from mlir_py.dialects import func, graph
from mlir_py.dialects.graph import GraphTypeError
from mlir_py.frontend.graph_builder_onnx import OnnxOpsMixin
from mlir_py.frontend.weights import ELEMENT_TYPES, NUMPY_DTYPES, array_dtype_name, blob_text, dtype_name, resource_name

from mlir_py.analysis.verifier import verify
from mlir_py.builtin.ops import ModuleOp
from mlir_py.ir.builtin_attributes import (
    BoolAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DenseResourceElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TypeAttr,
)
from mlir_py.ir.builtin_types import FunctionType, RankedTensorType, f32, i64
from mlir_py.ir.diagnostics import DiagnosticCollector
from mlir_py.ir.location import FileLineColLoc, Location
from mlir_py.ir.operation import Block, Operation, Region, Value
from mlir_py.text.resources import ResourceSection, set_resources

_HERE = os.path.dirname(os.path.abspath(__file__))

#: constants with more elements than this become `dense_resource` blobs; smaller ones stay inline
#: `dense<...>`, where canonicalization can fold them
INLINE_LIMIT = 16


class Tensor:
    """A value of the graph being built: its shape and element type, and operators that call the builder
    (`x + y`, `x @ w`, `-x`, `x * 2.0`)."""

    __slots__ = ("builder", "value")

    def __init__(self, builder: GraphBuilder, value: Value):
        self.builder = builder
        self.value = value

    @property
    def type(self) -> RankedTensorType:
        return self.value.type  # type: ignore[return-value]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.type.shape)

    @property
    def dtype(self) -> str:
        """The element type's name: 'f32', 'f16', 'i32' or 'i64'."""
        return str(self.type.element_type)

    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    def __repr__(self) -> str:
        return f"Tensor({self.type})"

    def __add__(self, other: Any) -> Tensor:
        return self.builder.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return self.builder.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return self.builder.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return self.builder.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return self.builder.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return self.builder.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return self.builder.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return self.builder.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return self.builder.pow(self, other)

    def __matmul__(self, other: Any) -> Tensor:
        return self.builder.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self.builder.matmul(other, self)

    def __neg__(self) -> Tensor:
        return self.builder.neg(self)


Operand = Union[Tensor, np.ndarray, float, int]


def _i64s(values: Sequence[int]) -> DenseArrayAttr:
    return DenseArrayAttr(i64, tuple(int(v) for v in values))


def _pair(v: int | Sequence[int], what: str, op: str) -> tuple[int, ...]:
    t = (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(int(x) for x in v)
    if len(t) != 2:
        raise GraphTypeError(f"{op}: {what} takes one int or two, got {v!r}")
    return t


def _pads(v: int | Sequence[int], op: str) -> tuple[int, ...]:
    """One int for all sides, two (height, width) for both sides of each, or four [top, left, bottom, right]."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * 4
    t = tuple(int(x) for x in v)
    if len(t) == 2:
        return t + t
    if len(t) != 4:
        raise GraphTypeError(f"{op}: pads takes one int, two (height, width) or four [top, left, bottom, "
                             f"right], got {v!r}")
    return t


def _caller_location() -> FileLineColLoc:
    """The line of the model code that called the builder, so a diagnostic from a later pass (or
    `--mlir-print-debuginfo`) points at the user's source."""
    f = sys._getframe(2)
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == _HERE:
        f = f.f_back
    if f is None:
        return FileLineColLoc("<unknown>", 0, 0)
    return FileLineColLoc(f.f_code.co_filename, f.f_lineno, 1)


class GraphBuilder(OnnxOpsMixin):
    """Builds one `func.func` over tensors in the graph dialect.

    ```python
    g = GraphBuilder("main")
    x = g.input((4, 784), "f32")
    w = g.constant(np.random.rand(784, 128).astype(np.float32), name="fc1.weight")
    y = g.softmax(g.relu(g.matmul(x, w)), axis=-1)
    g.output(y)
    module = g.module()            # builtin.module { func.func @main(...) }, weights as dense_resource blobs
    fn = g.compile(opt_level=3)    # callable with numpy arrays
    ```

    Every graph op is a method taking Tensors (or numpy arrays / Python scalars where an operand can be a
    constant) and Python attribute values, and returning a Tensor. Errors raise `GraphTypeError` at the call.
    """

    def __init__(self, name: str = "main"):
        self.name = name
        self._block = Block()
        self._outputs: list[Value] | None = None
        self._blobs: dict[str, str] = {}
        self._handles: set[str] = set()
        self._module: ModuleOp | None = None
        #: when set, the location of every op built from now on (an importer's `loc("node name")`); by default
        #: each op gets the line of the Python code that called the builder
        self.location: Location | None = None

    # -- graph inputs, constants and outputs -----------------------------------

    def input(self, shape: Sequence[int], dtype: Any = "f32", name: str | None = None) -> Tensor:
        """A new argument of the function, of static `shape` and element type `dtype`."""
        self._check_open("input")
        shape = tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise GraphTypeError(f"input: dimensions must be non-negative, got {shape}")
        arg = self._block.add_argument(RankedTensorType(shape, ELEMENT_TYPES[dtype_name(dtype)]))
        if name:
            arg.name_hint = name
        return Tensor(self, arg)

    def constant(self, value: Any, dtype: Any = None, name: str | None = None, *,
                 inline: bool | None = None) -> Tensor:
        """A graph.constant holding `value` (a numpy array, nested list or scalar) as element type `dtype`
        (default: the array's, float64 as f32). Beyond INLINE_LIMIT elements (or with `inline=False`) the
        data goes to a `dense_resource` blob named after `name`, not into the IR text."""
        self._check_open("constant")
        array = np.asarray(value)
        et_name = dtype_name(dtype) if dtype is not None else array_dtype_name(array)
        array = array.astype(NUMPY_DTYPES[et_name], copy=False)
        t = RankedTensorType(array.shape, ELEMENT_TYPES[et_name])
        if inline is None:
            inline = array.size <= INLINE_LIMIT
        if inline:
            attr: Any = DenseElementsAttr(array, t)
        else:
            handle = resource_name(name, self._handles)
            self._blobs[handle] = blob_text(array)
            attr = DenseResourceElementsAttr(handle, t)
        return self._emit(graph.ConstantOp.create(result_types=[t], properties={"value": attr}))

    def output(self, *tensors: Tensor) -> None:
        """Ends the function: it returns `tensors`, in order. No ops can be added afterwards."""
        self._check_open("output")
        if not tensors:
            raise GraphTypeError("output: a graph returns at least one tensor")
        values = [self._value(t, "output") for t in tensors]
        self._block.append(func.ReturnOp(values))
        self._outputs = values

    def module(self) -> ModuleOp:
        """The built module: `func.func @NAME` over tensors plus the weights' resource section. Built once
        (after `output`); later calls return the same module."""
        if self._module is not None:
            return self._module
        if self._outputs is None:
            raise GraphTypeError("module: call output(...) first")
        ftype = FunctionType(tuple(a.type for a in self._block.args), tuple(v.type for v in self._outputs))
        fn = func.FuncOp.create(properties={"sym_name": StringAttr(self.name), "function_type": TypeAttr(ftype)},
                                regions=[Region([self._block])])
        module = ModuleOp()
        module.block.append(fn)
        if self._blobs:
            set_resources(module, ResourceSection(dialect={"builtin": dict(self._blobs)}))
        verify(module)
        self._module = module
        return module

    def compile(self, opt_level: int = 3) -> Any:
        """The function compiled through `--lower-to-llvm` by ExecutionEngine: call it with numpy arrays
        (one result comes back as an array, several as a tuple)."""
        from mlir_py.execution import ExecutionEngine
        return ExecutionEngine(self.module(), opt_level=opt_level).lookup(self.name)

    # -- elementwise ---------------------------------------------------------

    def add(self, lhs: Operand, rhs: Operand) -> Tensor:
        """lhs + rhs, numpy broadcasting."""
        return self._binary(graph.AddOp, lhs, rhs)

    def sub(self, lhs: Operand, rhs: Operand) -> Tensor:
        """lhs - rhs, numpy broadcasting."""
        return self._binary(graph.SubOp, lhs, rhs)

    def mul(self, lhs: Operand, rhs: Operand) -> Tensor:
        """lhs * rhs, numpy broadcasting."""
        return self._binary(graph.MulOp, lhs, rhs)

    def div(self, lhs: Operand, rhs: Operand) -> Tensor:
        """lhs / rhs, numpy broadcasting (integers truncate toward zero)."""
        return self._binary(graph.DivOp, lhs, rhs)

    def max(self, lhs: Operand, rhs: Operand) -> Tensor:
        """np.maximum(lhs, rhs)."""
        return self._binary(graph.MaxOp, lhs, rhs)

    def min(self, lhs: Operand, rhs: Operand) -> Tensor:
        """np.minimum(lhs, rhs)."""
        return self._binary(graph.MinOp, lhs, rhs)

    def pow(self, lhs: Operand, rhs: Operand) -> Tensor:
        """lhs ** rhs (floats)."""
        return self._binary(graph.PowOp, lhs, rhs)

    def neg(self, x: Tensor) -> Tensor:
        """-x."""
        return self._op(graph.NegOp, [x])

    def relu(self, x: Tensor) -> Tensor:
        """max(x, 0)."""
        return self._op(graph.ReluOp, [x])

    def sigmoid(self, x: Tensor) -> Tensor:
        """1 / (1 + exp(-x))."""
        return self._op(graph.SigmoidOp, [x])

    def tanh(self, x: Tensor) -> Tensor:
        """np.tanh(x)."""
        return self._op(graph.TanhOp, [x])

    def exp(self, x: Tensor) -> Tensor:
        """np.exp(x)."""
        return self._op(graph.ExpOp, [x])

    def log(self, x: Tensor) -> Tensor:
        """np.log(x)."""
        return self._op(graph.LogOp, [x])

    def sqrt(self, x: Tensor) -> Tensor:
        """np.sqrt(x)."""
        return self._op(graph.SqrtOp, [x])

    def rsqrt(self, x: Tensor) -> Tensor:
        """1 / np.sqrt(x)."""
        return self._op(graph.RsqrtOp, [x])

    def abs(self, x: Tensor) -> Tensor:
        """np.abs(x)."""
        return self._op(graph.AbsOp, [x])

    def erf(self, x: Tensor) -> Tensor:
        """The error function (f32)."""
        return self._op(graph.ErfOp, [x])

    def gelu(self, x: Tensor, approximate: str = "none") -> Tensor:
        """GELU, exact ("none") or with the tanh approximation ("tanh") (f32)."""
        return self._op(graph.GeluOp, [x], approximate=StringAttr(approximate))

    def clip(self, x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
        """np.clip(x, min, max); None leaves that side open."""
        attrs = {}
        if min is not None:
            attrs["min"] = FloatAttr(float(min), f32)
        if max is not None:
            attrs["max"] = FloatAttr(float(max), f32)
        return self._op(graph.ClipOp, [x], **attrs)

    # -- contractions, convolution, pooling -------------------------------------

    def matmul(self, a: Operand, b: Operand) -> Tensor:
        """np.matmul(a, b): 1-D operands promoted, batch dimensions broadcast."""
        ta, tb = self._operand_pair(a, b, "graph.matmul")
        return self._op(graph.MatmulOp, [ta, tb])

    def gemm(self, a: Tensor, b: Operand, c: Operand | None = None, *, alpha: float = 1.0, beta: float = 1.0,
             trans_a: bool = False, trans_b: bool = False) -> Tensor:
        """alpha * op(a) @ op(b) + beta * c (ONNX Gemm; op transposes when trans_* is set; c broadcasts)."""
        ta = self._tensor(a, None, "graph.gemm")
        operands = [ta, self._tensor(b, ta, "graph.gemm")]
        if c is not None:
            operands.append(self._tensor(c, ta, "graph.gemm"))
        return self._op(graph.GemmOp, operands, alpha=FloatAttr(float(alpha), f32), beta=FloatAttr(float(beta), f32),
                        trans_a=BoolAttr(bool(trans_a)), trans_b=BoolAttr(bool(trans_b)))

    def conv2d(self, x: Tensor, w: Operand, bias: Operand | None = None, *, strides: Any = 1, pads: Any = 0,
               dilations: Any = 1, groups: int = 1) -> Tensor:
        """2-D convolution of NCHW `x` with FCHW `w` (+ bias per filter). `pads`: one int, (height, width), or
        [top, left, bottom, right]."""
        op = "graph.conv2d"
        tx = self._tensor(x, None, op)
        operands = [tx, self._tensor(w, tx, op)]
        if bias is not None:
            operands.append(self._tensor(bias, tx, op))
        return self._op(graph.Conv2dOp, operands, strides=_i64s(_pair(strides, "strides", op)),
                        pads=_i64s(_pads(pads, op)), dilations=_i64s(_pair(dilations, "dilations", op)),
                        groups=IntegerAttr(int(groups), i64))

    def max_pool2d(self, x: Tensor, kernel: Any, *, strides: Any = None, pads: Any = 0) -> Tensor:
        """Max pooling over `kernel` windows of NCHW `x`; strides default to 1 (ONNX)."""
        op = "graph.max_pool2d"
        return self._op(graph.MaxPool2dOp, [x], kernel=_i64s(_pair(kernel, "kernel", op)),
                        strides=_i64s(_pair(1 if strides is None else strides, "strides", op)),
                        pads=_i64s(_pads(pads, op)))

    def avg_pool2d(self, x: Tensor, kernel: Any, *, strides: Any = None, pads: Any = 0,
                   count_include_pad: bool = False) -> Tensor:
        """Average pooling over `kernel` windows of NCHW `x`; strides default to 1 (ONNX)."""
        op = "graph.avg_pool2d"
        return self._op(graph.AvgPool2dOp, [x], kernel=_i64s(_pair(kernel, "kernel", op)),
                        strides=_i64s(_pair(1 if strides is None else strides, "strides", op)),
                        pads=_i64s(_pads(pads, op)), count_include_pad=BoolAttr(bool(count_include_pad)))

    def global_avg_pool(self, x: Tensor) -> Tensor:
        """Mean over H and W of NCHW `x`, as N x C x 1 x 1."""
        return self._op(graph.GlobalAvgPoolOp, [x])

    # -- normalization -----------------------------------------------------------

    def batch_norm(self, x: Tensor, scale: Operand, bias: Operand, mean: Operand, var: Operand, *,
                   epsilon: float = 1e-5) -> Tensor:
        """Inference batch norm over channel dimension 1."""
        op = "graph.batch_norm"
        params = [self._tensor(p, x, op) for p in (scale, bias, mean, var)]
        return self._op(graph.BatchNormOp, [x, *params], epsilon=FloatAttr(float(epsilon), f32))

    def softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        """Softmax along `axis`."""
        return self._op(graph.SoftmaxOp, [x], axis=IntegerAttr(int(axis), i64))

    def log_softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        """Log of softmax along `axis`."""
        return self._op(graph.LogSoftmaxOp, [x], axis=IntegerAttr(int(axis), i64))

    def layer_norm(self, x: Tensor, scale: Operand, bias: Operand, *, axis: int = -1,
                   epsilon: float = 1e-5) -> Tensor:
        """Layer norm over dimensions axis.. (scale and bias have those dimensions)."""
        op = "graph.layer_norm"
        return self._op(graph.LayerNormOp, [x, self._tensor(scale, x, op), self._tensor(bias, x, op)],
                        axis=IntegerAttr(int(axis), i64), epsilon=FloatAttr(float(epsilon), f32))

    # -- reductions and data movement ----------------------------------------------

    def _reduce(self, cls: type, x: Tensor, axes: int | Sequence[int] | None, keepdims: bool) -> Tensor:
        t = self._tensor(x, None, cls.name)
        if axes is None:
            axes = range(t.ndim)
        elif isinstance(axes, (int, np.integer)):
            axes = [int(axes)]
        return self._op(cls, [t], axes=_i64s(list(axes)), keepdims=BoolAttr(bool(keepdims)))

    def reduce_sum(self, x: Tensor, axes: int | Sequence[int] | None = None, keepdims: bool = True) -> Tensor:
        """Sum over `axes` (default: all), keeping them as size 1 unless keepdims=False."""
        return self._reduce(graph.ReduceSumOp, x, axes, keepdims)

    def reduce_mean(self, x: Tensor, axes: int | Sequence[int] | None = None, keepdims: bool = True) -> Tensor:
        """Mean over `axes` (default: all)."""
        return self._reduce(graph.ReduceMeanOp, x, axes, keepdims)

    def reduce_max(self, x: Tensor, axes: int | Sequence[int] | None = None, keepdims: bool = True) -> Tensor:
        """Maximum over `axes` (default: all)."""
        return self._reduce(graph.ReduceMaxOp, x, axes, keepdims)

    def reduce_min(self, x: Tensor, axes: int | Sequence[int] | None = None, keepdims: bool = True) -> Tensor:
        """Minimum over `axes` (default: all)."""
        return self._reduce(graph.ReduceMinOp, x, axes, keepdims)

    def reshape(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        """x in `shape`; one dimension may be -1 (inferred from the element count)."""
        t = self._tensor(x, None, "graph.reshape")
        dims = [int(d) for d in shape]
        total = prod(t.shape)
        if dims.count(-1) > 1 or any(d < -1 for d in dims):
            raise GraphTypeError(f"graph.reshape: shape {tuple(dims)} may have one -1 and no other negative size")
        if -1 in dims:
            known = prod(d for d in dims if d != -1)
            if known == 0 or total % known:
                raise GraphTypeError(f"graph.reshape: cannot reshape {t.shape} ({total} elements) to "
                                     f"{tuple(dims)}")
            dims[dims.index(-1)] = total // known
        rt = RankedTensorType(tuple(dims), t.type.element_type)
        return self._op(graph.ReshapeOp, [t], result_types=[rt])

    def transpose(self, x: Tensor, perm: Sequence[int] | None = None) -> Tensor:
        """np.transpose(x, perm); default reverses the dimensions."""
        t = self._tensor(x, None, "graph.transpose")
        p = list(reversed(range(t.ndim))) if perm is None else list(perm)
        return self._op(graph.TransposeOp, [t], perm=_i64s(p))

    def concat(self, inputs: Sequence[Operand], axis: int) -> Tensor:
        """np.concatenate(inputs, axis)."""
        if not inputs:
            raise GraphTypeError("graph.concat: needs at least one input")
        like = next((i for i in inputs if isinstance(i, Tensor)), None)
        ts = [self._tensor(i, like, "graph.concat") for i in inputs]
        return self._op(graph.ConcatOp, [ts], axis=IntegerAttr(int(axis), i64))

    def flatten(self, x: Tensor, axis: int = 1) -> Tensor:
        """2-D: dimensions before `axis` as rows, the rest as columns (ONNX Flatten)."""
        return self._op(graph.FlattenOp, [x], axis=IntegerAttr(int(axis), i64))

    # -- plumbing ----------------------------------------------------------------------

    def op(self, cls: type, operands: Sequence[Any], result_types: list | None = None, **attrs: Any) -> Tensor:
        """Any graph op by its class (`graph.GatherOp`), for ops without a method of their own: operands are
        Tensors (a list for a variadic operand), attributes are attribute objects; without `result_types` the op
        infers its result."""
        return self._op(cls, list(operands), result_types, **attrs)

    def _check_open(self, what: str) -> None:
        if self._outputs is not None:
            raise GraphTypeError(f"{what}: the graph is finished (output() was called)")

    def _value(self, t: Any, op: str) -> Value:
        if not isinstance(t, Tensor):
            raise GraphTypeError(f"{op}: expected a Tensor of this builder, got {type(t).__name__}")
        if t.builder is not self:
            raise GraphTypeError(f"{op}: the tensor belongs to another GraphBuilder")
        return t.value

    def _tensor(self, v: Operand, like: Tensor | None, op: str) -> Tensor:
        """`v` as a Tensor; an array or scalar becomes a constant of `like`'s element type."""
        if isinstance(v, Tensor):
            self._value(v, op)
            return v
        if isinstance(v, (np.ndarray, np.generic, int, float, list, tuple)) and not isinstance(v, bool):
            return self.constant(v, dtype=like.dtype if like is not None else None)
        raise GraphTypeError(f"{op}: expected a Tensor, numpy array or number, got {type(v).__name__}")

    def _operand_pair(self, a: Operand, b: Operand, op: str) -> tuple[Tensor, Tensor]:
        like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
        if like is None:
            raise GraphTypeError(f"{op}: at least one operand must be a Tensor")
        return self._tensor(a, like, op), self._tensor(b, like, op)

    def _binary(self, cls: type, lhs: Operand, rhs: Operand) -> Tensor:
        a, b = self._operand_pair(lhs, rhs, cls.name)
        return self._op(cls, [a, b])

    def _op(self, cls: type, operands: list, result_types: list | None = None, **attrs: Any) -> Tensor:
        self._check_open(cls.name)
        values = [[self._value(t, cls.name) for t in o] if isinstance(o, list) else self._value(o, cls.name)
                  for o in operands]
        op = cls(*values, result_types=result_types, **attrs)  # raises GraphTypeError when no type fits
        return self._emit(op)

    def _emit(self, op: Operation) -> Tensor:
        op.location = self.location if self.location is not None else _caller_location()
        with DiagnosticCollector() as diags:
            ok = verify(op, raise_on_error=False)
        if not ok:
            op.drop_all_uses_of_operands()
            message = diags.errors[0].message if diags.errors else f"'{op.name}' op failed to verify"
            raise GraphTypeError(message)
        self._block.append(op)
        return Tensor(self, op.results[0])
