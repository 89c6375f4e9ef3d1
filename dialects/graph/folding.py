"""Constant folding and algebraic identities of the graph ops, with numpy.

Folding evaluates an op whose operands are all inline `dense<...>` constants,
as long as the result has at most FOLD_LIMIT elements: small constant
subgraphs (shape arithmetic, a scaled bias) disappear, while weights (large,
usually `dense_resource` blobs) are never copied into the IR as text.
Values are computed at the element type's precision (f16 in f16), integers
with the two's complement wrap-around of their width.

Identities return an operand, and only where that is exact for every input
and the operand already has the result type (broadcasting can grow it):
x + 0 and x - 0 for integers, x + (-0.0) and x - (+0.0) for floats (x + 0.0
turns -0.0 into +0.0, so it does not fold), x * 1, x / 1.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from mlir_py.ir.builtin_attributes import DenseElementsAttr, numpy_dtype
from mlir_py.ir.builtin_types import FloatType
from mlir_py.ir.operation import OpResult

#: the most elements a folded constant may have
FOLD_LIMIT = 16384


def dense_array(attr: Any) -> np.ndarray | None:
    """The numpy value of an inline dense constant (None for anything else, e.g. dense_resource)."""
    return attr.array if isinstance(attr, DenseElementsAttr) else None


def small_enough(op: Any) -> bool:
    t = op.results[0].type
    return math.prod(t.shape) <= FOLD_LIMIT


def make(array: np.ndarray, type: Any) -> DenseElementsAttr:
    return DenseElementsAttr(np.asarray(array).astype(numpy_dtype(type.element_type), copy=False), type)


def _is_float(t: Any) -> bool:
    return isinstance(t.element_type, FloatType)


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    if np.any(b == 0):
        return None
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


def maximum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IEEE 754-2019 maximum (arith.maximumf): NaN wins and -0.0 < +0.0, so the order of operands does not
    matter (np.maximum returns its first operand for 0.0 vs -0.0)."""
    r = np.maximum(a, b)
    if r.dtype.kind == "f":
        zeros = (a == 0) & (b == 0)
        r = np.where(zeros, np.where(np.signbit(a) & np.signbit(b), -0.0, 0.0).astype(r.dtype), r)
    return r


def minimum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IEEE 754-2019 minimum (arith.minimumf): NaN wins and -0.0 < +0.0."""
    r = np.minimum(a, b)
    if r.dtype.kind == "f":
        zeros = (a == 0) & (b == 0)
        r = np.where(zeros, np.where(np.signbit(a) | np.signbit(b), -0.0, 0.0).astype(r.dtype), r)
    return r


_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], Any]] = {
    "graph.add": np.add, "graph.sub": np.subtract, "graph.mul": np.multiply,
    "graph.max": maximum, "graph.min": minimum, "graph.pow": np.power,
    "graph.and": np.logical_and, "graph.or": np.logical_or, "graph.xor": np.logical_xor,
}


def _splat_is(attr: Any, value: float, negative_zero: bool | None = None) -> bool:
    if not isinstance(attr, DenseElementsAttr) or not attr.is_splat:
        return False
    v = attr.splat_value()
    if v != value:
        return False
    if negative_zero is not None:
        return math.copysign(1.0, v) < 0 if negative_zero else math.copysign(1.0, v) > 0
    return True


def binary(op: Any, operands: list[Any]) -> Any:
    lhs_t, res_t = op.lhs.type, op.results[0].type
    a, b = dense_array(operands[0]), dense_array(operands[1])
    if a is not None and b is not None and small_enough(op):
        with np.errstate(all="ignore"):
            if op.name == "graph.div":
                out = a / b if _is_float(res_t) else _int_div(a.astype(np.int64), b.astype(np.int64))
            else:
                out = _BINARY[op.name](a, b)
        if out is not None:
            return make(np.broadcast_to(out, res_t.shape), res_t)
        return None
    if lhs_t != res_t:
        return None
    rhs = operands[1]
    flt = _is_float(res_t)
    if op.name == "graph.add" and _splat_is(rhs, 0, negative_zero=True if flt else None):
        return op.lhs
    if op.name == "graph.sub" and _splat_is(rhs, 0, negative_zero=False if flt else None):
        return op.lhs
    if op.name in ("graph.mul", "graph.div") and _splat_is(rhs, 1):
        return op.lhs
    return None


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x


def _gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _prop(op: Any, name: str) -> Any:
    """A property's Python value, its declared default when absent."""
    a = op.properties.get(name)
    if a is None:
        a = type(op).definition.props[name].default
    return a.values if hasattr(a, "values") else a.value


def _unary_fn(op: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    n = op.name
    if n == "graph.neg":
        return np.negative
    if n == "graph.relu":
        return lambda x: maximum(x, np.zeros(x.shape, x.dtype))
    if n == "graph.abs":
        return np.abs
    if n == "graph.sigmoid":
        return lambda x: 1 / (1 + np.exp(-x))
    if n == "graph.tanh":
        return np.tanh
    if n == "graph.exp":
        return np.exp
    if n == "graph.log":
        return np.log
    if n == "graph.sqrt":
        return np.sqrt
    if n == "graph.rsqrt":
        return lambda x: 1 / np.sqrt(x)
    if n == "graph.erf":
        return _erf
    if n == "graph.gelu":
        approx = op.properties.get("approximate")
        return lambda x: _gelu(x, approx.value if approx is not None else "none")
    if n == "graph.not":
        return np.logical_not
    if n == "graph.reciprocal":
        return lambda x: 1 / x
    if n == "graph.softplus":
        return lambda x: np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    if n == "graph.sin":
        return np.sin
    if n == "graph.cos":
        return np.cos
    if n == "graph.leaky_relu":
        alpha = _prop(op, "alpha")
        return lambda x: np.where(x >= 0, x, x * x.dtype.type(alpha))
    if n == "graph.hard_sigmoid":
        alpha, beta = _prop(op, "alpha"), _prop(op, "beta")
        return lambda x: np.clip(x * x.dtype.type(alpha) + x.dtype.type(beta), 0, 1)
    if n == "graph.clip":
        lo, hi = op.properties.get("min"), op.properties.get("max")
        def clip(x: np.ndarray) -> np.ndarray:
            low = np.full(x.shape, lo.value if lo is not None else -math.inf, x.dtype)
            high = np.full(x.shape, hi.value if hi is not None else math.inf, x.dtype)
            return minimum(maximum(x, low), high)
        return clip
    return None


def unary(op: Any, operands: list[Any]) -> Any:
    x = dense_array(operands[0])
    if x is None or not small_enough(op):
        return None
    fn = _unary_fn(op)
    if fn is None:
        return None
    with np.errstate(all="ignore"):
        out = fn(x)
    return make(out, op.results[0].type)


def reshape(op: Any, operands: list[Any]) -> Any:
    """Same type: the input; a reshape of a reshape back to the original type: the original; a constant:
    the constant reshaped."""
    res_t = op.results[0].type
    if op.x.type == res_t:
        return op.x
    src = op.x.op if isinstance(op.x, OpResult) else None
    if src is not None and src.name == "graph.reshape" and src.x.type == res_t:
        return src.x
    x = dense_array(operands[0])
    if x is not None and small_enough(op):
        return make(x.reshape(res_t.shape), res_t)
    return None


def transpose(op: Any, operands: list[Any]) -> Any:
    perm = list(op.perm.values)
    if perm == list(range(len(perm))):
        return op.x
    x = dense_array(operands[0])
    if x is not None and small_enough(op):
        return make(np.transpose(x, perm), op.results[0].type)
    return None


def concat(op: Any, operands: list[Any]) -> Any:
    if len(op.inputs) == 1:
        return op.inputs[0]
    arrays = [a for a in map(dense_array, operands) if a is not None]
    if len(arrays) == len(operands) and small_enough(op):
        axis = op.axis.value % len(op.results[0].type.shape)
        return make(np.concatenate(arrays, axis=axis), op.results[0].type)
    return None


# -- ops added for ONNX import: what the importer's shape arithmetic (Shape -> Gather -> Slice -> Concat ->
# Cast -> Reshape, masks built with Equal / Where) needs folded ----------------------------------------------

_COMPARE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "graph.equal": np.equal, "graph.less": np.less, "graph.less_equal": np.less_equal,
    "graph.greater": np.greater, "graph.greater_equal": np.greater_equal,
}


def compare(op: Any, operands: list[Any]) -> Any:
    a, b = dense_array(operands[0]), dense_array(operands[1])
    if a is None or b is None or not small_enough(op):
        return None
    res_t = op.results[0].type
    with np.errstate(all="ignore"):
        return make(np.broadcast_to(_COMPARE[op.name](a, b), res_t.shape), res_t)


def where(op: Any, operands: list[Any]) -> Any:
    res_t = op.results[0].type
    c = dense_array(operands[0])
    if c is not None and c.size and (c.all() or not c.any()):
        chosen = op.x if c.all() else op.y
        if chosen.type == res_t:
            return chosen
    arrays = [dense_array(v) for v in operands]
    if any(a is None for a in arrays) or not small_enough(op):
        return None
    return make(np.broadcast_to(np.where(*arrays), res_t.shape), res_t)


def cast_array(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """graph.cast's conversion: floats to integers truncate toward zero, integers wrap, anything to bool is
    `!= 0`."""
    if dtype == np.bool_:
        return x != 0
    if x.dtype.kind == "f" and dtype.kind in "iu":
        x = np.trunc(x)
        with np.errstate(all="ignore"):
            return x.astype(np.int64).astype(dtype)
    if x.dtype.kind in "iub" and dtype.kind in "iu":
        return x.astype(np.int64).astype(dtype)
    return x.astype(dtype)


def cast(op: Any, operands: list[Any]) -> Any:
    res_t = op.results[0].type
    if op.x.type == res_t:
        return op.x
    x = dense_array(operands[0])
    if x is None or not small_enough(op):
        return None
    if x.dtype.kind == "f" and numpy_dtype(res_t.element_type).kind in "iu" and not np.isfinite(x).all():
        return None  # undefined: left to the target
    return make(cast_array(x, numpy_dtype(res_t.element_type)), res_t)


def gather(op: Any, operands: list[Any]) -> Any:
    x, idx = dense_array(operands[0]), dense_array(operands[1])
    if x is None or idx is None or not small_enough(op):
        return None
    axis = _prop(op, "axis") % x.ndim
    size = x.shape[axis]
    if np.any((idx < -size) | (idx >= size)):
        return None  # out of range: an error ONNX leaves to the runtime
    return make(np.take(x, idx.astype(np.int64), axis=axis), op.results[0].type)


def slices(shape: tuple[int, ...], starts, ends, steps, axes) -> tuple[slice, ...]:
    """graph.slice's attributes as Python slices (an end of -1 with a negative step runs through 0)."""
    index = [slice(None)] * len(shape)
    for a, s, e, st in zip(axes, starts, ends, steps):
        index[a % len(shape)] = slice(s, None if e < 0 else e, st)
    return tuple(index)


def slice_(op: Any, operands: list[Any]) -> Any:
    res_t = op.results[0].type
    if op.x.type == res_t and all(st == 1 for st in _prop(op, "steps")):
        return op.x  # every slice is whole
    x = dense_array(operands[0])
    if x is None or not small_enough(op):
        return None
    idx = slices(x.shape, *(_prop(op, n) for n in ("starts", "ends", "steps", "axes")))
    return make(x[idx], res_t)


def pad(op: Any, operands: list[Any]) -> Any:
    pads = _prop(op, "pads")
    if not any(pads):
        return op.x
    x = dense_array(operands[0])
    if x is None or not small_enough(op):
        return None
    r = x.ndim
    widths = [(pads[i], pads[r + i]) for i in range(r)]
    mode = _prop(op, "mode")
    if mode == "constant":
        value = np.asarray(_prop(op, "value"), np.float64)
        fill = value.astype(x.dtype) if x.dtype.kind == "f" else cast_array(value, x.dtype)
        return make(np.pad(x, widths, constant_values=fill), op.results[0].type)
    return make(np.pad(x, widths, mode=mode), op.results[0].type)


def tile(op: Any, operands: list[Any]) -> Any:
    if all(r == 1 for r in _prop(op, "repeats")):
        return op.x
    x = dense_array(operands[0])
    if x is None or not small_enough(op):
        return None
    return make(np.tile(x, _prop(op, "repeats")), op.results[0].type)


def expand(op: Any, operands: list[Any]) -> Any:
    res_t = op.results[0].type
    if op.x.type == res_t:
        return op.x
    x = dense_array(operands[0])
    if x is None or not small_enough(op):
        return None
    return make(np.broadcast_to(x, res_t.shape), res_t)


def arg_reduce(op: Any, operands: list[Any]) -> Any:
    x = dense_array(operands[0])
    if x is None or not small_enough(op):
        return None
    axis = _prop(op, "axis") % x.ndim
    fn = np.argmax if op.name == "graph.argmax" else np.argmin
    if _prop(op, "select_last_index"):
        flipped = np.flip(x, axis)
        out = x.shape[axis] - 1 - fn(flipped, axis=axis)
    else:
        out = fn(x, axis=axis)
    if _prop(op, "keepdims"):
        out = np.expand_dims(out, axis)
    return make(out, op.results[0].type)


_REDUCE: dict[str, Callable[..., np.ndarray]] = {
    "graph.reduce_sum": np.sum, "graph.reduce_mean": np.mean, "graph.reduce_max": np.max,
    "graph.reduce_min": np.min, "graph.reduce_prod": np.prod,
}


def reduce(op: Any, operands: list[Any]) -> Any:
    """A reduction of a constant, in the element type (integers wrap; max/min let a NaN win as np.max does)."""
    x = dense_array(operands[0])
    if x is None or not small_enough(op) or x.size == 0:
        return None
    axes = tuple(a % x.ndim for a in _prop(op, "axes"))
    extra = {} if op.name in ("graph.reduce_max", "graph.reduce_min") else {"dtype": x.dtype}
    with np.errstate(all="ignore"):
        out = _REDUCE[op.name](x, axis=axes, **extra)
    return make(np.asarray(out).reshape(op.results[0].type.shape), op.results[0].type)
