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
        np.dtype(np.int64): "i64", np.dtype(np.bool_): "i1"}


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


def bools(*shape: int) -> np.ndarray:
    return RNG.random(shape) < 0.5


def arr(vals) -> str:
    return "array<i64" + (": " + ", ".join(str(int(v)) for v in vals) if len(vals) else "") + ">"


def dense(a: np.ndarray) -> str:
    """`dense<...> : type` of `a`, each float in its shortest round-tripping spelling."""
    fmt = {}
    if a.dtype.kind == "f" and not np.isfinite(a).all():  # NaN and infinities as their bits, as MLIR spells them
        bits = np.dtype(f"u{a.dtype.itemsize}")
        fmt = {"float_kind": lambda v: repr(float(v)) if np.isfinite(v) else
               f"0x{int(np.asarray(v, a.dtype).view(bits)):X}"}
    body = np.array2string(a, separator=", ", floatmode="unique", max_line_width=1 << 20, threshold=1 << 20,
                           formatter=fmt or None)
    if a.dtype == np.bool_:
        body = body.replace("True", "true").replace("False", "false")
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


def logic_cases() -> list[Case]:
    """Comparisons, not/and/or/xor, where and cast: i1 and i64 tensors in and out, NaN and equal elements."""
    cs = []
    x, y = randn(4, 5), randn(5)
    x[0, :3] = y[:3]  # some equal elements
    x[1, 1] = np.nan
    for name, fn in {"equal": np.equal, "less": np.less, "less_equal": np.less_equal, "greater": np.greater,
                     "greater_equal": np.greater_equal}.items():
        with np.errstate(invalid="ignore"):
            cs.append(op_case(f"{name}_f32", name, [x, y], fn(x, y)))
    xi, yi = ints(3, 1, lo=-3, hi=3, dtype=np.int64), ints(4, lo=-3, hi=3, dtype=np.int64)
    cs.append(op_case("less_i64", "less", [xi, yi], xi < yi))
    cs.append(op_case("greater_equal_i32", "greater_equal", [xi.astype(np.int32), yi.astype(np.int32)], xi >= yi))
    p, q = bools(3, 5), bools(5)
    cs.append(op_case("equal_i1", "equal", [p, q], p == q))
    cs.append(op_case("not", "not", [p], ~p))
    cs.append(op_case("and", "and", [p, q], p & q))
    cs.append(op_case("or", "or", [q, p], q | p))
    cs.append(op_case("xor", "xor", [p, q], p ^ q))
    c, a, b2 = bools(3, 1), randn(3, 4), randn(4)
    cs.append(op_case("where_f32", "where", [c, a, b2], np.where(c, a, b2)))
    ci, ai, bi = bools(2, 3), ints(3, dtype=np.int64), ints(2, 1, dtype=np.int64)
    cs.append(op_case("where_i64", "where", [ci, ai, bi], np.where(ci, ai, bi)))
    cs.append(op_case("where_i1", "where", [ci, p[:2, :3], q[:3]], np.where(ci, p[:2, :3], q[:3])))
    f = randn(3, 7, scale=40.0)
    f[0, :4] = [0.0, -0.0, 2.5, -2.5]
    for dt in (np.int64, np.int32, np.float16, np.bool_):
        cs.append(op_case(f"cast_f32_{np.dtype(dt).name}", "cast", [f], ref.cast(f, dt)))
    i = ints(2, 5, lo=-1000, hi=1000, dtype=np.int64)
    i[0, 0] = 0
    for dt in (np.float32, np.int32, np.bool_):
        cs.append(op_case(f"cast_i64_{np.dtype(dt).name}", "cast", [i], ref.cast(i, dt)))
    cs.append(op_case("cast_i32_i64", "cast", [i.astype(np.int32)], i))
    cs.append(op_case("cast_f16_f32", "cast", [f.astype(np.float16)], f.astype(np.float16).astype(np.float32)))
    for dt in (np.float32, np.int64, np.int32):
        cs.append(op_case(f"cast_i1_{np.dtype(dt).name}", "cast", [p], p.astype(dt)))
    # the mask idiom of attention exporters: where(equal(mask, 0), -inf-ish, scores)
    m, s = ints(2, 5, lo=0, hi=2, dtype=np.int64), randn(2, 5)
    cs.append(Case("mask_fill", [m, s], np.where(m == 0, np.float32(-1e4), s), body="""\
  %z = "graph.constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
  %big = "graph.constant"() <{value = dense<-1.0e4> : tensor<f32>}> : () -> tensor<f32>
  %e = "graph.equal"(%arg0, %z) : (tensor<2x5xi64>, tensor<i64>) -> tensor<2x5xi1>
  %r = "graph.where"(%e, %big, %arg1) : (tensor<2x5xi1>, tensor<f32>, tensor<2x5xf32>) -> tensor<2x5xf32>"""))
    return cs


def unary_onnx_cases() -> list[Case]:
    cs = []
    x = randn(3, 7, scale=3.0)
    x[0, :3] = [-30.0, 30.0, 0.0]
    with np.errstate(divide="ignore"):
        cs.append(op_case("reciprocal", "reciprocal", [x], (1.0 / x.astype(np.float64)).astype(np.float32)))
    cs.append(op_case("softplus", "softplus", [x], ref.softplus(x)))
    cs.append(op_case("softplus_tiny", "softplus", [np.float32([-20.0, -60.0, -80.0])],
                      ref.softplus(np.float32([-20.0, -60.0, -80.0])), rtol=1e-5, atol=0))
    cs.append(op_case("sin", "sin", [x], np.sin(x)))
    cs.append(op_case("cos", "cos", [x], np.cos(x)))
    cs.append(op_case("leaky_relu", "leaky_relu", [x], ref.leaky_relu(x, 0.01)))
    cs.append(op_case("leaky_relu_alpha", "leaky_relu", [x], ref.leaky_relu(x, 0.3), props=f"alpha = {f32(0.3)}"))
    cs.append(op_case("hard_sigmoid", "hard_sigmoid", [x], ref.hard_sigmoid(x, 0.2, 0.5)))
    cs.append(op_case("hard_swish_like", "hard_sigmoid", [x], ref.hard_sigmoid(x, 1 / 6, 0.5),
                      props=f"alpha = {f32(np.float32(1 / 6))}, beta = {f32(0.5)}"))
    h = x.astype(np.float16)
    cs.append(op_case("softplus_f16", "softplus", [h], ref.softplus(h), rtol=2e-3, atol=2e-3))
    for j, (axes, keep) in enumerate([([1], False), ([0, 2], True)]):
        v = randn(3, 4, 5) * 0.5 + 1.0
        cs.append(op_case(f"reduce_prod_{j}", "reduce_prod", [v],
                          np.prod(v.astype(np.float64), axis=tuple(axes), keepdims=keep).astype(np.float32),
                          props=f"axes = {arr(axes)}, keepdims = {b(keep)}", rtol=1e-5))
    vi = ints(3, 4, lo=-4, hi=5, dtype=np.int64)
    cs.append(op_case("reduce_prod_i64", "reduce_prod", [vi], np.prod(vi, axis=1),
                      props=f"axes = {arr([1])}, keepdims = false"))
    return cs


def index_cases() -> list[Case]:
    cs = []
    x = randn(5, 7)
    for j, (ishape, axis) in enumerate([((3,), 0), ((2, 3), 1), ((), -1), ((4, 1), 0)]):
        idx = RNG.integers(-x.shape[axis], x.shape[axis], ishape).astype(np.int64)
        cs.append(op_case(f"gather_{j}", "gather", [x, idx], ref.gather(x, idx, axis % 2),
                          props=f"axis = {axis} : i64"))
    idx32 = np.array([[2, -1], [0, 4]], np.int32)
    cs.append(op_case("gather_i32", "gather", [x, idx32], ref.gather(x, idx32, 0), props="axis = 0 : i64"))
    for j, (vals, axis) in enumerate([(np.array(-2), 1), (np.array([[0, 2], [4, 6]]), 1), (np.array([3, 1]), 0),
                                      (np.array([1, 2, 3]), 0), (np.array([[-6, -5]]), -1)]):
        # constant indices: a strided slice when they step up evenly, else the generic
        k = vals.astype(np.int64)
        cs.append(Case(f"gather_const_{j}", [x], ref.gather(x, k, axis % 2), body=f"""\
  %k = "graph.constant"() <{{value = {dense(k)}}}> : () -> {ttype(k)}
  %r = "graph.gather"(%arg0, %k) <{{axis = {axis} : i64}}> : ({ttype(x)}, {ttype(k)}) -> \
{ttype(ref.gather(x, k, axis % 2))}"""))
    xi = ints(3, 4, 5, dtype=np.int64)
    idx = np.array([4, 0, -2], np.int64)
    cs.append(op_case("gather_i64_data", "gather", [xi, idx], ref.gather(xi, idx, 2), props="axis = 2 : i64"))
    y = randn(6, 7, 5)
    for j, (starts, ends, steps, axes) in enumerate([([1], [5], [1], [0]), ([0, 1], [7, 4], [3, 1], [1, 2]),
                                                     ([5], [-1], [-1], [0]), ([6, 4], [0, -1], [-2, -3], [1, -1]),
                                                     ([2, 0], [2, 5], [1, 2], [0, 2])]):
        index = [slice(None)] * 3
        for a, s0, e0, st in zip(axes, starts, ends, steps):
            index[a % 3] = slice(s0, None if e0 < 0 else e0, st)
        cs.append(op_case(f"slice_{j}", "slice", [y], y[tuple(index)],
                          props=f"axes = {arr(axes)}, ends = {arr(ends)}, starts = {arr(starts)}, "
                                f"steps = {arr(steps)}"))
    z = randn(4, 5)
    zi = ints(4, 5)
    for j, (pads, mode, value) in enumerate([((1, 2, 0, 3), "constant", 0.0), ((0, 1, 2, 0), "constant", -1.5),
                                              ((3, 2, 2, 4), "reflect", 0.0), ((2, 0, 1, 6), "edge", 0.0)]):
        widths = [(pads[0], pads[2]), (pads[1], pads[3])]
        kw = {"constant_values": value} if mode == "constant" else {}
        cs.append(op_case(f"pad_{mode}_{j}", "pad", [z], np.pad(z, widths, mode=mode, **kw),
                          props=f'mode = "{mode}", pads = {arr(pads)}, value = {f32(value)}'))
    cs.append(op_case("pad_reflect_i32", "pad", [zi], np.pad(zi, [(1, 2), (3, 1)], mode="reflect"),
                      props=f'mode = "reflect", pads = {arr((1, 3, 2, 1))}'))
    cs.append(op_case("pad_constant_i32", "pad", [zi], np.pad(zi, [(1, 0), (0, 2)], constant_values=7),
                      props=f'pads = {arr((1, 0, 0, 2))}, value = {f32(7.0)}'))
    t = randn(2, 3, 1)
    for j, reps in enumerate([(2, 1, 3), (1, 3, 1), (3, 2, 2)]):
        cs.append(op_case(f"tile_{j}", "tile", [t], np.tile(t, reps), props=f"repeats = {arr(reps)}"))
    p = bools(2, 3)
    cs.append(op_case("tile_i1", "tile", [p], np.tile(p, (2, 2)), props=f"repeats = {arr((2, 2))}"))
    for j, (sx, sy) in enumerate([((3, 1), (2, 3, 4)), ((5,), (3, 5)), ((1, 1), (2, 3))]):
        e = randn(*sx)
        cs.append(op_case(f"expand_{j}", "expand", [e], np.broadcast_to(e, sy).copy()))
    a = randn(4, 6, 5)
    a[1, 2, 0] = a[1, 4, 0] = a[1, 5, 0] = 9.0   # ties
    a[2, 3, 1] = np.nan
    a[0, :, 2] = -np.inf
    for j, (kind, axis, keep, last) in enumerate([("max", 1, False, False), ("max", 1, True, True),
                                                  ("min", -1, False, False), ("min", 0, True, True),
                                                  ("max", 2, True, False)]):
        cs.append(op_case(f"arg{kind}_{j}", f"arg{kind}", [a], ref.argext(kind, a, axis, keep, last),
                          props=f"axis = {axis} : i64, keepdims = {b(keep)}, select_last_index = {b(last)}"))
    # a transformer head in miniature: embedding lookup, masked scores, softmax, argmax (ops fused together)
    table, ids, lens = randn(11, 6), RNG.integers(-11, 11, (2, 5)).astype(np.int64), np.array([3, 5], np.int64)
    emb = ref.gather(table, ids, 0)                                   # 2x5x6
    scores = emb.sum(axis=2, dtype=np.float64).astype(np.float32)     # 2x5
    masked = np.where(np.arange(5)[None, :] < lens[:, None], scores, np.float32(-1e9))
    cs.append(Case("embed_mask_argmax", [table, ids, lens], ref.argext("max", ref.softmax(masked, -1), 1, False,
                                                                           False), body="""\
  %e = "graph.gather"(%arg0, %arg1) <{axis = 0 : i64}> : (tensor<11x6xf32>, tensor<2x5xi64>) -> tensor<2x5x6xf32>
  %s = "graph.reduce_sum"(%e) <{axes = array<i64: 2>, keepdims = false}> : (tensor<2x5x6xf32>) -> tensor<2x5xf32>
  %pos = "graph.constant"() <{value = dense<[0, 1, 2, 3, 4]> : tensor<5xi64>}> : () -> tensor<5xi64>
  %l = "graph.reshape"(%arg2) : (tensor<2xi64>) -> tensor<2x1xi64>
  %m = "graph.less"(%pos, %l) : (tensor<5xi64>, tensor<2x1xi64>) -> tensor<2x5xi1>
  %big = "graph.constant"() <{value = dense<-1.0e9> : tensor<f32>}> : () -> tensor<f32>
  %w = "graph.where"(%m, %s, %big) : (tensor<2x5xi1>, tensor<2x5xf32>, tensor<f32>) -> tensor<2x5xf32>
  %p = "graph.softmax"(%w) <{axis = -1 : i64}> : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %r = "graph.argmax"(%p) <{axis = 1 : i64, keepdims = false}> : (tensor<2x5xf32>) -> tensor<2xi64>"""))
    ai = ints(3, 7, lo=-3, hi=3, dtype=np.int32)
    cs.append(op_case("argmax_i32", "argmax", [ai], ref.argext("max", ai, 1, False, False),
                      props="axis = 1 : i64, keepdims = false"))
    cs.append(op_case("argmin_i32_last", "argmin", [ai], ref.argext("min", ai, 1, False, True),
                      props="axis = 1 : i64, keepdims = false, select_last_index = true"))
    return cs


def resize_cases() -> list[Case]:
    cs = []
    x = randn(1, 2, 5, 4)
    combos = [("nearest", "half_pixel", "round_prefer_floor", (1, 2, 10, 8)),
              ("nearest", "asymmetric", "floor", (1, 2, 9, 7)),
              ("nearest", "align_corners", "round_prefer_ceil", (1, 2, 3, 6)),
              ("nearest", "tf_half_pixel_for_nn", "ceil", (1, 2, 7, 3)),
              ("nearest", "half_pixel", "round_prefer_ceil", (1, 2, 15, 12)),
              ("linear", "half_pixel", "round_prefer_floor", (1, 2, 8, 7)),
              ("linear", "align_corners", "round_prefer_floor", (1, 2, 9, 3)),
              ("linear", "asymmetric", "round_prefer_floor", (1, 2, 3, 8)),
              ("linear", "pytorch_half_pixel", "round_prefer_floor", (1, 2, 1, 9)),
              ("linear", "half_pixel_symmetric", "round_prefer_floor", (2, 2, 10, 4))]
    for j, (mode, ctm, nm, out) in enumerate(combos):
        cs.append(op_case(f"resize_{mode}_{j}", "resize", [x], ref.resize(x, out, mode, ctm, nm),
                          props=f'coordinate_transformation_mode = "{ctm}", mode = "{mode}", nearest_mode = "{nm}"',
                          rtol=1e-5, atol=1e-6))
    # explicit scales that do not divide the sizes: 5 * 1.5 -> 7, 4 * 0.6 -> 2, 5 * 1/3 -> 1
    for j, (mode, ctm, sc) in enumerate([("linear", "half_pixel", (1.0, 1.0, 1.5, 0.6)),
                                         ("nearest", "asymmetric", (1.0, 1.0, 1.5, 2.3)),
                                         ("linear", "align_corners", (1.0, 1.0, 1 / 3, 1.7)),
                                         ("nearest", "pytorch_half_pixel", (1.0, 1.0, 0.3, 0.6)),
                                         ("linear", "half_pixel_symmetric", (1.0, 1.0, 1.5, 0.6))]):
        out = tuple(int(np.floor(np.float32(d) * np.float32(s))) for d, s in zip(x.shape, sc))
        scales = "array<f32: " + ", ".join(repr(float(np.float32(s))) for s in sc) + ">"
        cs.append(op_case(f"resize_scales_{j}", "resize", [x], ref.resize(x, out, mode, ctm, scales=sc),
                          props=f'coordinate_transformation_mode = "{ctm}", mode = "{mode}", scales = {scales}',
                          rtol=1e-5, atol=1e-6))
    return cs


def nn_onnx_cases() -> list[Case]:
    cs = []
    convs = [  # x, w, bias?, strides, pads, dilations, output_padding, groups
        ((1, 3, 4, 5), (3, 2, 3, 3), False, (1, 1), (0, 0, 0, 0), (1, 1), (0, 0), 1),
        ((2, 4, 3, 3), (4, 3, 3, 2), True, (2, 2), (1, 0, 1, 1), (1, 1), (1, 0), 1),
        ((1, 4, 5, 4), (4, 2, 2, 3), True, (2, 1), (0, 1, 1, 0), (2, 1), (1, 0), 2),
        ((1, 3, 4, 4), (3, 1, 3, 3), False, (1, 2), (2, 2, 2, 1), (1, 1), (0, 1), 3),
        ((1, 2, 3, 3), (2, 2, 1, 1), False, (3, 3), (1, 1, 0, 1), (1, 1), (2, 0), 1),
    ]
    for j, (sx, sw, has_bias, st, pd, dl, op_, g) in enumerate(convs):
        x, w = randn(*sx), randn(*sw)
        ins = [x, w] + ([randn(sw[1] * g)] if has_bias else [])
        expected = ref.conv_transpose2d(*ins, strides=st, pads=pd, dilations=dl, output_padding=op_, groups=g)
        props = (f"dilations = {arr(dl)}, groups = {g} : i64, output_padding = {arr(op_)}, pads = {arr(pd)}, "
                 f"strides = {arr(st)}")
        cs.append(op_case(f"conv_transpose_{j}", "conv_transpose2d", ins, expected, props=props, rtol=1e-4,
                          atol=1e-5))
    x = randn(2, 3, 5, 3)
    x[1, 2, 3, 1] = np.nan
    cs.append(op_case("global_max_pool", "global_max_pool", [x], np.max(x, axis=(2, 3), keepdims=True)))
    for j, shape in enumerate([(2, 3, 5, 4), (1, 4, 7)]):
        v = randn(*shape, scale=2.0) + 3.0
        s, t = randn(shape[1]), randn(shape[1])
        cs.append(op_case(f"instance_norm_{j}", "instance_norm", [v, s, t], ref.instance_norm(v, s, t, 1e-3),
                          props=f"epsilon = {f32(1e-3)}", rtol=1e-4, atol=1e-5))
    for j, (shape, size, alpha, beta, bias) in enumerate([((1, 7, 3, 3), 3, 1e-2, 0.75, 1.0),
                                                          ((2, 5, 4), 4, 2e-1, 0.5, 2.0),
                                                          ((1, 3, 2, 2), 5, 1e-4, 0.75, 1.0)]):
        v = randn(*shape, scale=3.0)
        cs.append(op_case(f"lrn_{j}", "lrn", [v], ref.lrn(v, size, alpha, beta, bias),
                          props=f"alpha = {f32(alpha)}, beta = {f32(beta)}, bias = {f32(bias)}, size = {size} : i64",
                          rtol=1e-5, atol=1e-6))
    # a decoder block in miniature: upsample by a transposed conv, normalize, activate, resize, reflect-pad, pool
    x, w, bias = randn(1, 4, 3, 3), randn(4, 2, 3, 3), randn(2)
    s_, t_ = positive(2), randn(2)
    y = ref.conv_transpose2d(x, w, bias, strides=(2, 2), pads=(1, 1, 1, 1), output_padding=(1, 1))   # 1x2x6x6
    y = ref.leaky_relu(ref.instance_norm(y, s_, t_, 1e-5), 0.1)
    y = ref.resize(y, (1, 2, 9, 9), "linear", "half_pixel")
    y = np.pad(y, [(0, 0), (0, 0), (1, 1), (2, 2)], mode="reflect")                              # 1x2x11x13
    y = np.max(y, axis=(2, 3), keepdims=True)
    cs.append(Case("decoder_block", [x, w, bias, s_, t_], y, rtol=1e-4, atol=1e-5, body=f"""\
  %0 = "graph.conv_transpose2d"(%arg0, %arg1, %arg2) <{{output_padding = {arr((1, 1))}, pads = {arr((1, 1, 1, 1))}, \
strides = {arr((2, 2))}}}> : (tensor<1x4x3x3xf32>, tensor<4x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x6x6xf32>
  %1 = "graph.instance_norm"(%0, %arg3, %arg4) : (tensor<1x2x6x6xf32>, tensor<2xf32>, tensor<2xf32>) \
-> tensor<1x2x6x6xf32>
  %2 = "graph.leaky_relu"(%1) <{{alpha = {f32(0.1)}}}> : (tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  %3 = "graph.resize"(%2) <{{mode = "linear"}}> : (tensor<1x2x6x6xf32>) -> tensor<1x2x9x9xf32>
  %4 = "graph.pad"(%3) <{{mode = "reflect", pads = {arr((0, 0, 1, 2, 0, 0, 1, 2))}}}> : (tensor<1x2x9x9xf32>) \
-> tensor<1x2x11x13xf32>
  %r = "graph.global_max_pool"(%4) : (tensor<1x2x11x13xf32>) -> tensor<1x2x1x1xf32>"""))
    return cs


FAMILIES = {"elementwise": elementwise_cases(), "matmul": matmul_cases(), "conv": conv_cases(),
            "norm": norm_cases(), "shape": shape_cases(), "logic": logic_cases(), "unary_onnx": unary_onnx_cases(),
            "index": index_cases(), "resize": resize_cases(), "nn_onnx": nn_onnx_cases()}
