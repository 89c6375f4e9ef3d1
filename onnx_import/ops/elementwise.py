"""Elementwise operators: unary math, broadcasting binary arithmetic, the variadic Sum/Mean/Max/Min, Clip."""

from __future__ import annotations

import numpy as np
from mlir_py.onnx.registry import Node, converts

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
    return [x]


@converts("Reciprocal")
def reciprocal(node: Node):
    x = node.tensor(0)
    return node.g.div(np.array(1, dtype=np.float32 if x.dtype == "f32" else np.float16), x)


@converts("HardSigmoid")
def hard_sigmoid(node: Node):
    x = node.tensor(0)
    alpha, beta = float(node.attr("alpha", 0.2)), float(node.attr("beta", 0.5))
    return node.g.clip(node.g.add(node.g.mul(x, np.float32(alpha)), np.float32(beta)), 0.0, 1.0)


@converts("LeakyRelu")
def leaky_relu(node: Node):
    """max(x, 0) + alpha * min(x, 0)."""
    x = node.tensor(0)
    alpha = float(node.attr("alpha", 0.01))
    return node.g.add(node.g.relu(x), node.g.mul(node.g.min(x, np.float32(0)), np.float32(alpha)))


@converts("Softplus")
def softplus(node: Node):
    x = node.tensor(0)
    return node.g.log(node.g.add(node.g.exp(x), np.float32(1)))
