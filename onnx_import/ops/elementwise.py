"""Elementwise operators: unary math, broadcasting binary arithmetic, the variadic Sum/Mean/Max/Min, Clip."""

from __future__ import annotations

import numpy as np
from mlir_py.onnx.registry import ELEMENT_TYPE_NAMES, Node, converts

_UNARY = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Exp": "exp", "Log": "log", "Sqrt": "sqrt",
    "Abs": "abs", "Neg": "neg", "Erf": "erf",
}

_BINARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Pow": "pow", "Max": "max", "Min": "min",
           "Sum": "add", "Mean": "add"}


@converts(*_UNARY)
def unary(node: Node):
    return getattr(node.g, _UNARY[node.op_type])(node.tensor(0))


@converts("Add", "Sub", "Mul", "Div")
def binary(node: Node):
    return getattr(node.g, _BINARY[node.op_type])(node.tensor(0), node.tensor(1))


@converts("Pow")
def pow_(node: Node):
    base = node.tensor(0)
    if isinstance(node.inputs[1], np.ndarray):
        exponent = node.inputs[1]
        if exponent.size == 1 and float(exponent.reshape(-1)[0]) == 2.0 and exponent.ndim <= base.ndim:
            return node.g.mul(base, base)
        if exponent.dtype != np.float32 and base.dtype == "f32":
            return node.g.pow(base, node.g.constant(exponent.astype(np.float32)))
    return node.g.pow(base, node.tensor(1))


@converts("Sum", "Mean", "Max", "Min")
def variadic(node: Node):
    """Chains of the binary op, left to right; Mean divides the sum by the count."""
    present = [i for i in range(len(node.inputs)) if node.has(i)]
    if not present:
        raise node.error("needs at least one input")
    fn = getattr(node.g, _BINARY[node.op_type])
    acc = node.tensor(present[0])
    for i in present[1:]:
        acc = fn(acc, node.tensor(i))
    if node.op_type == "Mean" and len(present) > 1:
        acc = node.g.div(acc, len(present))
    return acc


@converts("Clip")
def clip(node: Node):
    """Bounds are attributes before opset 11, optional constant inputs from then on."""
    if node.opset < 11:
        lo, hi = node.attr("min"), node.attr("max")
    else:
        lo_a, hi_a = node.optional_const(1, "min"), node.optional_const(2, "max")
        lo = None if lo_a is None else float(lo_a.reshape(-1)[0])
        hi = None if hi_a is None else float(hi_a.reshape(-1)[0])
    x = node.tensor(0)
    if x.dtype not in ("f32", "f16"):
        out = x
        if lo is not None:
            out = node.g.max(out, np.array(lo).astype(np.int64 if x.dtype == "i64" else np.int32))
        if hi is not None:
            out = node.g.min(out, np.array(hi).astype(np.int64 if x.dtype == "i64" else np.int32))
        return out
    return node.g.clip(x, lo, hi)


@converts("Gelu")
def gelu(node: Node):
    return node.g.gelu(node.tensor(0), approximate=node.attr("approximate", "none"))


@converts("Identity", "Dropout")
def identity(node: Node):
    """Identity and inference-time Dropout pass their input through; Dropout's mask output is all true."""
    x = node.inputs[0]
    if node.op_type == "Dropout" and node.output_used(1):
        raise node.error("the mask output of Dropout is not supported")
    if node.op_type == "Dropout" and (node.attr("is_test", 1) == 0 and node.opset < 7 or
                                      node.has(2) and bool(node.const(2, "training_mode").reshape(-1)[0])):
        raise node.error("training mode (random dropout) is not supported")
    return [x]


@converts("Reciprocal", "Softplus", "Sin", "Cos")
def unary_new(node: Node):
    return getattr(node.g, node.op_type.lower())(node.tensor(0))


@converts("HardSigmoid")
def hard_sigmoid(node: Node):
    return node.g.hard_sigmoid(node.tensor(0), node.attr("alpha", 0.2), node.attr("beta", 0.5))


@converts("HardSwish")
def hard_swish(node: Node):
    x = node.tensor(0)
    return node.g.mul(x, node.g.hard_sigmoid(x, 1 / 6, 0.5))


@converts("LeakyRelu")
def leaky_relu(node: Node):
    return node.g.leaky_relu(node.tensor(0), node.attr("alpha", 0.01))


@converts("PRelu")
def prelu(node: Node):
    """max(x, 0) + slope * min(x, 0), the slope broadcasting."""
    x = node.tensor(0)
    return node.g.add(node.g.relu(x), node.g.mul(node.g.min(x, 0.0), node.tensor(1)))


@converts("Elu", "Selu", "Celu", "ThresholdedRelu", "Softsign", "Mish")
def activation(node: Node):
    g = node.g
    x = node.tensor(0)
    t = node.op_type
    if t == "Softsign":
        return g.div(x, g.add(g.abs(x), 1.0))
    if t == "Mish":
        return g.mul(x, g.tanh(g.softplus(x)))
    if t == "ThresholdedRelu":
        return g.where(g.greater(x, float(node.attr("alpha", 1.0))), x, 0.0)
    if t == "Celu":
        alpha = float(node.attr("alpha", 1.0))
        return g.add(g.relu(x), g.min(g.mul(g.sub(g.exp(g.div(x, alpha)), 1.0), alpha), 0.0))
    alpha = float(node.attr("alpha", 1.0 if t == "Elu" else 1.67326319217681884765625))
    negative = g.mul(g.sub(g.exp(g.min(x, 0.0)), 1.0), alpha)  # exp of min(x, 0): no overflow on the other side
    y = g.add(g.relu(x), negative)
    return y if t == "Elu" else g.mul(y, float(node.attr("gamma", 1.05070102214813232421875)))


_COMPARE = {"Equal": "equal", "Less": "less", "Greater": "greater", "LessOrEqual": "less_equal",
            "GreaterOrEqual": "greater_equal", "And": "logical_and", "Or": "logical_or", "Xor": "logical_xor"}


@converts(*_COMPARE)
def compare(node: Node):
    return getattr(node.g, _COMPARE[node.op_type])(node.tensor(0), node.tensor(1))


@converts("Not")
def not_(node: Node):
    return node.g.logical_not(node.tensor(0))


@converts("Where")
def where(node: Node):
    return node.g.where(node.tensor(0), node.tensor(1), node.tensor(2))


@converts("Cast", "CastLike")
def cast(node: Node):
    x = node.tensor(0)
    if node.op_type == "Cast":
        to = int(node.attr("to"))
        et = ELEMENT_TYPE_NAMES.get(to)
        if et is None:
            from onnx import TensorProto
            raise node.error(f"casting to {TensorProto.DataType.Name(to)} is not supported (the graph dialect has "
                             "float, float16, int32, int64 and bool)")
    else:
        et = node.dtype(1)
    if et == x.dtype:
        return x
    return node.g.cast(x, et)
