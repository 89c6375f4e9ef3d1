"""Elementwise graph ops: one `linalg.generic` each, all loops parallel, operands broadcast through their
indexing maps (common.broadcast_map); plus graph.constant, which becomes an `arith.constant` tensor.

Formulas, in the element type of the op:
- relu = max(x, 0); clip = min(max(x, lo), hi) (float bounds rounded to integers for integer tensors);
- sigmoid = 1 / (1 + exp(-x)) (exp(-x) overflows to +inf for very negative x and gives 0, not NaN);
- gelu exact = x/2 * (1 + erf(x / sqrt 2)); gelu tanh = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)));
- rsqrt is `math.rsqrt`, pow is `math.powf`, erf is `math.erf` (libm's erff);
- reciprocal = 1 / x; sin, cos are `math.sin`, `math.cos`;
- softplus = max(x, 0) + log1p(exp(-|x|)), with log1p(u) = u where 1 + u rounds to 1 and
  log(1 + u) * u / ((1 + u) - 1) elsewhere (exact to a few ulps; `log(1 + u)` alone loses all of a small u,
  so softplus of a very negative x would be 0 instead of exp(x));
- leaky_relu = x < 0 ? alpha * x : x (a NaN stays NaN); hard_sigmoid = min(max(alpha * x + beta, 0), 1).
"""

from __future__ import annotations

import math
from typing import Callable

from mlir_py.dialects import arith
from mlir_py.dialects import math as M
from mlir_py.passes.conversions.graph_to_linalg.common import Emitter, attr, elt
from mlir_py.passes.conversions.graph_to_linalg.scalar import absolute, is_float, neg

from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, OpAdaptor, conversion_pattern


def _result_shape(op: Operation) -> tuple[int, ...]:
    return tuple(op.results[0].type.shape)  # type: ignore[attr-defined]


def _lower_map(op: Operation, operands: list[Value], rw: ConversionPatternRewriter, body: Callable) -> bool:
    e = Emitter(rw)
    rw.replace_op(op, [e.map(operands, _result_shape(op), elt(op.results[0]), body)])
    return True


@conversion_pattern("graph.constant")
def lower_constant(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    rw.replace_op(op, [rw.insert(arith.ConstantOp(op.properties["value"])).results[0]])
    return True


#: graph op -> the body of its generic, from the BodyBuilder and the operands' elements
BINARY: dict[str, Callable] = {
    "graph.add": lambda b, x, y: b.add(x, y),
    "graph.sub": lambda b, x, y: b.sub(x, y),
    "graph.mul": lambda b, x, y: b.mul(x, y),
    "graph.div": lambda b, x, y: b.div(x, y),
    "graph.max": lambda b, x, y: b.max(x, y),
    "graph.min": lambda b, x, y: b.min(x, y),
    "graph.pow": lambda b, x, y: b.create(M.PowFOp(x, y)),
}


def _sigmoid(b, x: Value) -> Value:
    one = b.constant(1.0, x.type)
    return b.div(one, b.add(one, b.create(M.ExpOp(neg(b, x)))))


def _gelu(b, x: Value, approximate: str) -> Value:
    t = x.type
    half_x = b.mul(b.constant(0.5, t), x)
    if approximate == "tanh":
        cube = b.mul(x, b.mul(x, x))
        inner = b.mul(b.constant(math.sqrt(2.0 / math.pi), t), b.add(x, b.mul(b.constant(0.044715, t), cube)))
        g = b.create(M.TanhOp(inner))
    else:
        g = b.create(M.ErfOp(b.mul(x, b.constant(1.0 / math.sqrt(2.0), t))))
    return b.mul(half_x, b.add(b.constant(1.0, t), g))


def _softplus(b, x: Value) -> Value:
    t = x.type
    one = b.constant(1.0, t)
    u = b.create(M.ExpOp(neg(b, absolute(b, x))))
    w = b.add(one, u)
    log1p = b.div(b.mul(b.create(M.LogOp(w)), u), b.sub(w, one))
    exact = b.create(arith.CmpFOp("oeq", w, one))
    return b.add(b.max(x, b.constant(0.0, t)), b.select(exact, u, log1p))


UNARY: dict[str, Callable] = {
    "graph.neg": neg,
    "graph.relu": lambda b, x: b.max(x, b.constant(0, x.type)),
    "graph.abs": absolute,
    "graph.sigmoid": _sigmoid,
    "graph.tanh": lambda b, x: b.create(M.TanhOp(x)),
    "graph.exp": lambda b, x: b.create(M.ExpOp(x)),
    "graph.log": lambda b, x: b.create(M.LogOp(x)),
    "graph.sqrt": lambda b, x: b.create(M.SqrtOp(x)),
    "graph.rsqrt": lambda b, x: b.create(M.RsqrtOp(x)),
    "graph.erf": lambda b, x: b.create(M.ErfOp(x)),
    "graph.reciprocal": lambda b, x: b.div(b.constant(1.0, x.type), x),
    "graph.softplus": _softplus,
    "graph.sin": lambda b, x: b.create(M.SinOp(x)),
    "graph.cos": lambda b, x: b.create(M.CosOp(x)),
}


def _binary(name: str, body: Callable):
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        return _lower_map(op, list(adaptor.operands), rw, lambda b, x, y, out: body(b, x, y))
    lower.__name__ = "lower_" + name.split(".")[1]
    return conversion_pattern(name)(lower)


def _unary(name: str, body: Callable):
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        return _lower_map(op, list(adaptor.operands), rw, lambda b, x, out: body(b, x))
    lower.__name__ = "lower_" + name.split(".")[1]
    return conversion_pattern(name)(lower)


@conversion_pattern("graph.gelu")
def lower_gelu(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    approximate = attr(op, "approximate")
    return _lower_map(op, list(adaptor.operands), rw, lambda b, x, out: _gelu(b, x, approximate))


@conversion_pattern("graph.clip")
def lower_clip(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    lo, hi = attr(op, "min"), attr(op, "max")
    (x,) = adaptor.operands
    if not is_float(elt(x)):
        return rw.notify_match_failure(op, "clip of an integer tensor")

    def body(b, v: Value, out: Value) -> Value:
        if lo != -math.inf:
            v = b.max(v, b.constant(lo, v.type))
        if hi != math.inf:
            v = b.min(v, b.constant(hi, v.type))
        return v
    return _lower_map(op, [x], rw, body)


@conversion_pattern("graph.leaky_relu")
def lower_leaky_relu(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    alpha = attr(op, "alpha")

    def body(b, v: Value, out: Value) -> Value:
        negative = b.create(arith.CmpFOp("olt", v, b.constant(0.0, v.type)))
        return b.select(negative, b.mul(v, b.constant(alpha, v.type)), v)
    return _lower_map(op, list(adaptor.operands), rw, body)


@conversion_pattern("graph.hard_sigmoid")
def lower_hard_sigmoid(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    alpha, beta = attr(op, "alpha"), attr(op, "beta")

    def body(b, v: Value, out: Value) -> Value:
        t = v.type
        y = b.add(b.mul(v, b.constant(alpha, t)), b.constant(beta, t))
        return b.min(b.max(y, b.constant(0.0, t)), b.constant(1.0, t))
    return _lower_map(op, list(adaptor.operands), rw, body)


PATTERNS = ([lower_constant, lower_gelu, lower_clip, lower_leaky_relu, lower_hard_sigmoid]
            + [_binary(n, f) for n, f in BINARY.items()] + [_unary(n, f) for n, f in UNARY.items()])

__all__ = ["BINARY", "PATTERNS", "UNARY"]
