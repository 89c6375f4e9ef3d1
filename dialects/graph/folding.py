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
