"""The graph-op test cases shared by test_graph_to_linalg.py (the lowering, evaluated on tensors) and
test_graph_ops_numeric.py (the whole pipeline, JIT-compiled): one function per case, grouped in families,
each with random inputs and its numpy reference (graph_reference.py).

Broadcasting edge cases, negative axes, strides/pads/dilations/groups, keepdims, transposed gemm operands.
The functions are written in the graph dialect's generic form, which needs nothing of its custom syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import graph_reference as ref
import numpy as np

RNG = np.random.default_rng(20261203)

_ELT = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16", np.dtype(np.int32): "i32",
        np.dtype(np.int64): "i64"}


def ttype(a: np.ndarray) -> str:
    return "tensor<" + "".join(f"{d}x" for d in a.shape) + _ELT[a.dtype] + ">"


def randn(*shape: int, scale: float = 1.0) -> np.ndarray:
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.1, 2.0, shape).astype(np.float32)


def ints(*shape: int, lo: int = -50, hi: int = 50, dtype=np.int32) -> np.ndarray:
    return RNG.integers(lo, hi, shape).astype(dtype)


@dataclass
class Case:
    """One function: `ops` in the generic form, over the arguments `inputs`, returning `expected`."""

    name: str
    inputs: list[np.ndarray]
    expected: np.ndarray
    body: str
    rtol: float = 1e-5
    atol: float = 1e-6
    consts: list[str] = field(default_factory=list)

    def text(self) -> str:
        args = ", ".join(f"%arg{i}: {ttype(a)}" for i, a in enumerate(self.inputs))
        rt = ttype(self.expected)
        return (f"func.func @{self.name}({args}) -> {rt} {{\n{self.body}\n"
                f"  return %r : {rt}\n}}\n")


def op_case(name: str, op: str, inputs: list[np.ndarray], expected: np.ndarray, props: str = "",
            **tol: float) -> Case:
    """A case whose function is one `graph.<op>` of all its arguments."""
    operands = ", ".join(f"%arg{i}" for i in range(len(inputs)))
    types = ", ".join(ttype(a) for a in inputs)
    p = f" <{{{props}}}>" if props else ""
    body = f'  %r = "graph.{op}"({operands}){p} : ({types}) -> {ttype(expected)}'
    return Case(name, inputs, np.asarray(expected), body, **tol)


def arr(vals) -> str:
    return "array<i64" + (": " + ", ".join(str(int(v)) for v in vals) if len(vals) else "") + ">"


def dense(a: np.ndarray) -> str:
    """`dense<...> : type` of `a`, each float in its shortest round-tripping spelling."""
    body = np.array2string(a, separator=", ", floatmode="unique", max_line_width=1 << 20, threshold=1 << 20)
    return f"dense<{body}> : {ttype(a)}"


def b(flag: bool) -> str:
    return "true" if flag else "false"


def f32(v: float) -> str:
    text = repr(float(v))
    if "." not in text:  # MLIR spells 1e-05 as 1.0e-05
        text = text.replace("e", ".0e")
    return f"{text} : f32"


# ---------------------------------------------------------------------------------------------------------
# The families
# ---------------------------------------------------------------------------------------------------------


def elementwise_cases() -> list[Case]:
    cs = []
    binary = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum, "min": np.minimum}
    shapes = [((4, 16), (16,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((5, 3), ()), ((1, 5), (4, 1, 1)),
              ((2, 1, 4), (2, 3, 4))]
    for i, (name, fn) in enumerate(binary.items()):
        for j, (sa, sb) in enumerate(shapes):
            if (i + j) % 2 and j > 1:  # every op sees the first two shapes, the rest alternate
                continue
            x, y = randn(*sa), randn(*sb)
            cs.append(op_case(f"{name}_{j}", name, [x, y], fn(x, y)))
    x, y = randn(4, 5), positive(4, 1) * np.sign(randn(4, 1))
    cs.append(op_case("div_col", "div", [x, y], x / y))
    x, y = positive(3, 4), randn(4)
    cs.append(op_case("pow_row", "pow", [x, y], np.power(x, y), rtol=1e-5))
    unary = {
        "neg": (randn, np.negative), "relu": (randn, ref.relu), "sigmoid": (randn, ref.sigmoid),
        "tanh": (randn, np.tanh), "exp": (randn, np.exp), "log": (positive, np.log), "sqrt": (positive, np.sqrt),
        "rsqrt": (positive, ref.rsqrt), "abs": (randn, np.abs), "erf": (randn, ref.erf),
    }
    for name, (gen, fn) in unary.items():
        x = gen(3, 7)
        cs.append(op_case(name, name, [x], fn(x)))
    x = randn(2, 9, scale=2.0)
    cs.append(op_case("gelu_erf", "gelu", [x], ref.gelu(x), props='approximate = "none"'))
    cs.append(op_case("gelu_tanh", "gelu", [x], ref.gelu(x, "tanh"), props='approximate = "tanh"'))
    x = randn(5, 6)
    cs.append(op_case("clip", "clip", [x], ref.clip(x, -0.5, 0.75), props=f"max = {f32(0.75)}, min = {f32(-0.5)}"))
    # integers: exact arithmetic
    xi, yi = ints(3, 4), ints(4)
    cs.append(op_case("add_i32", "add", [xi, yi], xi + yi))
    cs.append(op_case("max_i32", "max", [xi, yi], np.maximum(xi, yi)))
    cs.append(op_case("neg_i32", "neg", [xi], -xi))
    cs.append(op_case("abs_i32", "abs", [xi], np.abs(xi)))
    cs.append(op_case("relu_i32", "relu", [xi], np.maximum(xi, 0)))
    xl, yl = ints(2, 3, dtype=np.int64), ints(2, 1, dtype=np.int64)
    cs.append(op_case("mul_i64", "mul", [xl, yl], xl * yl))
    pi, qi = ints(3, 4, lo=1, hi=100), ints(3, 4, lo=1, hi=9)
    cs.append(op_case("div_i32", "div", [pi, qi], pi // qi))
    # f16: the same bodies on half floats (references rounded from float64)
    h, hb = randn(3, 5).astype(np.float16), randn(5).astype(np.float16)
    cs.append(op_case("add_f16", "add", [h, hb], (h.astype(np.float64) + hb).astype(np.float16), rtol=1e-3,
                      atol=1e-3))
    cs.append(op_case("sigmoid_f16", "sigmoid", [h], ref.sigmoid(h.astype(np.float64)).astype(np.float16),
                      rtol=2e-3, atol=2e-3))
    return cs


def matmul_cases() -> list[Case]:
    cs = []
    for j, (sa, sb) in enumerate([((4, 8), (8, 16)), ((8,), (8, 5)), ((4, 8), (8,)), ((8,), (8,)),
                                  ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
                                  ((2, 1, 3, 4), (5, 4, 6)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,))]):
        x, y = randn(*sa), randn(*sb)
        cs.append(op_case(f"matmul_{j}", "matmul", [x, y], ref.matmul(x, y)))
    a, w = randn(4, 8), randn(8, 5)
    cs.append(op_case("gemm_plain", "gemm", [a, w], ref.gemm(a, w),
                      props=f"alpha = {f32(1.0)}, beta = {f32(1.0)}, trans_a = false, trans_b = false"))
    for j, (ta, tb, sc, alpha, beta) in enumerate([(False, False, (5,), 0.5, 2.0), (True, False, (4, 5), 1.0, 1.0),
                                                  (False, True, (4, 1), 1.5, -1.0), (True, True, (1,), 1.0, 0.5),
                                                  (False, False, (1, 5), 1.0, 0.0)]):
        a = randn(8, 4) if ta else randn(4, 8)
        w = randn(5, 8) if tb else randn(8, 5)
        c = randn(*sc)
        cs.append(op_case(f"gemm_{j}", "gemm", [a, w, c], ref.gemm(a, w, c, alpha, beta, ta, tb),
                          props=f"alpha = {f32(alpha)}, beta = {f32(beta)}, trans_a = {b(ta)}, trans_b = {b(tb)}"))
    x, w, bias = randn(6, 8), randn(8, 5), randn(5)
    cs.append(Case("linear_relu", [x, w, bias], ref.relu(ref.matmul(x, w) + bias), body="""\
  %0 = "graph.matmul"(%arg0, %arg1) : (tensor<6x8xf32>, tensor<8x5xf32>) -> tensor<6x5xf32>
  %1 = "graph.add"(%0, %arg2) : (tensor<6x5xf32>, tensor<5xf32>) -> tensor<6x5xf32>
  %r = "graph.relu"(%1) : (tensor<6x5xf32>) -> tensor<6x5xf32>"""))
    return cs


def conv_props(strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), groups=1) -> str:
    return f"dilations = {arr(dilations)}, groups = {groups} : i64, pads = {arr(pads)}, strides = {arr(strides)}"


def pool_props(kernel, strides=(1, 1), pads=(0, 0, 0, 0), count_include_pad=None) -> str:
    p = f"kernel = {arr(kernel)}, pads = {arr(pads)}, strides = {arr(strides)}"
    return p if count_include_pad is None else f"count_include_pad = {b(count_include_pad)}, " + p


def conv_cases() -> list[Case]:
    cs = []
    convs = [  # x shape, w shape, bias?, strides, pads, dilations, groups
        ((1, 3, 8, 8), (4, 3, 3, 3), False, (1, 1), (0, 0, 0, 0), (1, 1), 1),
        ((2, 3, 9, 7), (4, 3, 3, 2), True, (2, 2), (1, 0, 2, 1), (1, 1), 1),
        ((1, 2, 9, 9), (3, 2, 3, 3), False, (1, 2), (1, 1, 1, 1), (2, 2), 1),
        ((1, 4, 6, 6), (6, 2, 3, 3), True, (1, 1), (0, 1, 0, 1), (1, 1), 2),
        ((2, 3, 7, 7), (3, 1, 3, 3), True, (1, 1), (1, 1, 1, 1), (1, 1), 3),
        ((1, 3, 6, 5), (6, 1, 2, 2), False, (2, 1), (0, 0, 1, 1), (1, 2), 3),
    ]
    for j, (sx, sw, has_bias, st, pd, dl, g) in enumerate(convs):
        x, w = randn(*sx), randn(*sw)
        ins = [x, w] + ([randn(sw[0])] if has_bias else [])
        cs.append(op_case(f"conv_{j}", "conv2d", ins, ref.conv2d(*ins, strides=st, pads=pd, dilations=dl, groups=g),
                          props=conv_props(st, pd, dl, g), rtol=1e-4, atol=1e-5))
    pools = [((1, 3, 8, 8), (2, 2), (2, 2), (0, 0, 0, 0)), ((2, 2, 7, 9), (3, 3), (2, 2), (1, 1, 1, 1)),
             ((1, 2, 6, 7), (3, 2), (2, 1), (1, 0, 1, 1))]
    for j, (sx, k, st, pd) in enumerate(pools):
        x = randn(*sx)
        cs.append(op_case(f"max_pool_{j}", "max_pool2d", [x], ref.max_pool2d(x, k, st, pd),
                          props=pool_props(k, st, pd)))
        for inc in (True, False):
            cs.append(op_case(f"avg_pool_{j}_{int(inc)}", "avg_pool2d", [x], ref.avg_pool2d(x, k, st, pd, inc),
                              props=pool_props(k, st, pd, inc)))
    x = randn(2, 3, 5, 4)
    cs.append(op_case("global_avg_pool", "global_avg_pool", [x], ref.global_avg_pool(x)))
    xh = randn(1, 2, 5, 5).astype(np.float16)
    cs.append(op_case("max_pool_f16", "max_pool2d", [xh], ref.max_pool2d(xh, (3, 3), (2, 2), (1, 1, 1, 1)),
                      props=pool_props((3, 3), (2, 2), (1, 1, 1, 1))))
    return cs


def norm_cases() -> list[Case]:
    cs = []
    x = randn(3, 4, 5)
    for j, (kind, axes, keep) in enumerate([("sum", [1], True), ("sum", [0, 1, 2], False), ("mean", [-1, 0], False),
                                            ("max", [2], False), ("min", [-2], True), ("mean", [1, 2], True)]):
        cs.append(op_case(f"reduce_{kind}_{j}", f"reduce_{kind}", [x], ref.reduce(kind, x, axes, keep),
                          props=f"axes = {arr(axes)}, keepdims = {b(keep)}"))
    xi = ints(3, 4)
    cs.append(op_case("reduce_max_i32", "reduce_max", [xi], ref.reduce("max", xi, [1], False),
                      props=f"axes = {arr([1])}, keepdims = false"))
    for j, (shape, axis, scale) in enumerate([((4, 10), -1, 1.0), ((2, 5, 3), 1, 1.0), ((6, 4), 0, 1.0),
                                              ((3, 8), -1, 60.0)]):
        x = randn(*shape, scale=scale)
        cs.append(op_case(f"softmax_{j}", "softmax", [x], ref.softmax(x, axis), props=f"axis = {axis} : i64"))
        cs.append(op_case(f"log_softmax_{j}", "log_softmax", [x], ref.log_softmax(x, axis),
                          props=f"axis = {axis} : i64", atol=1e-5))
    for j, (shape, axis) in enumerate([((4, 16), -1), ((2, 3, 4), 1), ((2, 3, 5), 2)]):
        x = randn(*shape, scale=3.0) + 5.0
        norm = shape[axis:] if axis >= 0 else shape[axis:]
        s, t = randn(*norm), randn(*norm)
        cs.append(op_case(f"layer_norm_{j}", "layer_norm", [x, s, t], ref.layer_norm(x, s, t, axis, 1e-5),
                          props=f"axis = {axis} : i64, epsilon = {f32(1e-5)}", rtol=1e-4, atol=1e-5))
    x = randn(2, 3, 4, 4)
    g, bb, m, v = randn(3), randn(3), randn(3), positive(3)
    cs.append(op_case("batch_norm_args", "batch_norm", [x, g, bb, m, v], ref.batch_norm(x, g, bb, m, v, 1e-3),
                      props=f"epsilon = {f32(1e-3)}", rtol=1e-5, atol=1e-5))
    cst = "\n".join(f'  %c{i} = "graph.constant"() <{{value = {dense(a)}}}> : () -> tensor<3xf32>'
                    for i, a in enumerate((g, bb, m, v)))
    cs.append(Case("batch_norm_consts", [x], ref.batch_norm(x, g, bb, m, v, 1e-3), rtol=1e-5, atol=1e-5, body=f"""\
{cst}
  %r = "graph.batch_norm"(%arg0, %c0, %c1, %c2, %c3) <{{epsilon = {f32(1e-3)}}}> : (tensor<2x3x4x4xf32>, \
tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>"""))
    return cs


def shape_cases() -> list[Case]:
    cs = []
    for j, (sx, sy) in enumerate([((2, 3, 4), (6, 4)), ((6, 4), (2, 3, 2, 2)), ((2, 3, 4), (4, 6)),
                                  ((1, 6), (2, 1, 3)), ((24,), (2, 3, 4)), ((2, 3, 4), (24,)), ((1, 1), ())]):
        x = randn(*sx)
        cs.append(op_case(f"reshape_{j}", "reshape", [x], x.reshape(sy)))
    x = randn(2, 3, 4)
    for axis in (0, 1, 2, 3):
        cs.append(op_case(f"flatten_{axis}", "flatten", [x], ref.flatten(x, axis), props=f"axis = {axis} : i64"))
    for j, perm in enumerate([(1, 0, 2), (0, 2, 1), (2, 0, 1)]):
        cs.append(op_case(f"transpose_{j}", "transpose", [x], x.transpose(perm), props=f"perm = {arr(perm)}"))
    y = randn(4, 5, 3, 2)
    cs.append(op_case("transpose_nchw", "transpose", [y], y.transpose(0, 2, 3, 1), props=f"perm = {arr((0, 2, 3, 1))}"))
    a, c, d = randn(2, 3), randn(2, 1), randn(2, 4)
    cs.append(op_case("concat_1", "concat", [a, c, d], np.concatenate([a, c, d], 1), props="axis = 1 : i64"))
    cs.append(op_case("concat_neg", "concat", [a, d], np.concatenate([a, d], -1), props="axis = -1 : i64"))
    e = randn(3, 3)
    cs.append(op_case("concat_0", "concat", [a, e, a], np.concatenate([a, e, a], 0), props="axis = 0 : i64"))
    k = randn(2, 3)
    cs.append(Case("constant_add", [a], a + k, body=f"""\
  %k = "graph.constant"() <{{value = {dense(k)}}}> : () -> tensor<2x3xf32>
  %r = "graph.add"(%arg0, %k) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>"""))
    return cs


FAMILIES = {"elementwise": elementwise_cases(), "matmul": matmul_cases(), "conv": conv_cases(),
            "norm": norm_cases(), "shape": shape_cases()}
