"""Canonicalization of graph IR keeps its meaning, bit for bit, on random programs.

Random programs of elementwise, reshape, transpose, flatten and concat ops
over inputs and small constants (splats of 0, -0.0 and 1 among them, the
identities' edge cases) are evaluated by a numpy reference interpreter
before and after `--canonicalize`, on inputs that include -0.0, NaN and
infinities; results must be equal bit for bit (NaN payloads aside).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from mlir_py.frontend import GraphBuilder, GraphTypeError

from mlir_py.pass_manager import PassManager


def _ieee_max(a, b):
    """arith.maximumf: NaN wins, -0.0 < +0.0 (np.maximum keeps its first operand on a tie of zeros)."""
    with np.errstate(invalid="ignore"):
        r = np.where(np.isnan(a) | np.isnan(b), np.nan, np.where(a > b, a, b)).astype(np.result_type(a, b))
        if r.dtype.kind == "f":
            r = np.where((a == 0) & (b == 0), np.where(np.signbit(a) & np.signbit(b), -0.0, 0.0), r).astype(r.dtype)
    return r


def _ieee_min(a, b):
    with np.errstate(invalid="ignore"):
        r = np.where(np.isnan(a) | np.isnan(b), np.nan, np.where(a < b, a, b)).astype(np.result_type(a, b))
        if r.dtype.kind == "f":
            r = np.where((a == 0) & (b == 0), np.where(np.signbit(a) | np.signbit(b), -0.0, 0.0), r).astype(r.dtype)
    return r


_BINARY = {"graph.add": np.add, "graph.sub": np.subtract, "graph.mul": np.multiply, "graph.max": _ieee_max,
           "graph.min": _ieee_min}


def _div(a, b):
    if a.dtype.kind == "f":
        return a / b
    q = np.abs(a) // np.where(b == 0, 1, np.abs(b))
    return np.where((a < 0) != (b < 0), -q, q).astype(a.dtype)


def interpret(module, args):
    """Run the module's one function with numpy; the graph dialect's semantics for the ops used here."""
    fn = module.block.first_op
    block = fn.regions[0].first_block
    env = dict(zip(block.args, args))
    with np.errstate(all="ignore"):
        return _run(block, env)


def _run(block, env):
    for op in block.ops:
        ins = [env[v] for v in op.operands]
        p = op.properties
        if op.name == "func.return":
            return ins
        if op.name == "graph.constant":
            out = np.asarray(p["value"].array)
        elif op.name in _BINARY:
            out = _BINARY[op.name](*ins)
        elif op.name == "graph.div":
            out = _div(*ins)
        elif op.name == "graph.neg":
            out = -ins[0]
        elif op.name == "graph.relu":
            out = _ieee_max(ins[0], np.zeros_like(ins[0]))
        elif op.name == "graph.abs":
            out = np.abs(ins[0])
        elif op.name in ("graph.reshape", "graph.flatten"):
            out = ins[0].reshape(op.results[0].type.shape)
        elif op.name == "graph.transpose":
            out = np.transpose(ins[0], p["perm"].values)
        elif op.name == "graph.concat":
            out = np.concatenate(ins, axis=p["axis"].value)
        else:
            raise AssertionError(f"no reference for {op.name}")
        out = np.asarray(out, dtype=ins[0].dtype if ins else out.dtype)
        assert out.shape == tuple(op.results[0].type.shape), op.name
        env[op.results[0]] = out
    raise AssertionError("no return")


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        return bool((nan_a == nan_b).all() and (a[~nan_a].tobytes() == b[~nan_b].tobytes()))
    return a.tobytes() == b.tobytes()


_SPECIAL = [0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.nan, 3.25]


@st.composite
def programs(draw):
    """(builder, inputs): a random graph over one or two inputs of shape 2x3."""
    dtype = draw(st.sampled_from(["f32", "i32"]))
    np_dtype = np.float32 if dtype == "f32" else np.int32
    g = GraphBuilder("f")
    xs = [g.input((2, 3), dtype) for _ in range(draw(st.integers(1, 2)))]
    vals = list(xs)
    for _ in range(draw(st.integers(1, 7))):
        v = draw(st.sampled_from(vals))
        kind = draw(st.sampled_from(["binary", "const_binary", "const_binary", "const_binary", "unary", "reshape",
                                     "transpose", "transpose", "flatten", "concat"]))
        try:
            if kind == "binary":
                w = draw(st.sampled_from(vals))
                vals.append(getattr(g, draw(st.sampled_from(["add", "sub", "mul", "max", "min"])))(v, w))
            elif kind == "const_binary":
                shape = draw(st.sampled_from([(), (1,), v.shape[-1:], v.shape]))
                choices = [0.0, -0.0, 1.0, 0.0, -0.0, 1.0, 2.0] if dtype == "f32" else [0, 1, 0, -3]
                splat = draw(st.sampled_from(choices))
                c = g.constant(np.full(shape, splat, np_dtype)) if draw(st.booleans()) else \
                    g.constant(np.asarray(draw(st.lists(st.sampled_from([0, 1, 2, -2]), min_size=int(np.prod(shape)),
                                                        max_size=int(np.prod(shape)))), np_dtype).reshape(shape))
                op = draw(st.sampled_from(["add", "sub", "mul", "div", "max", "min"]))
                if op == "div" and dtype == "i32":
                    op = "mul"
                a, b = (v, c) if draw(st.booleans()) else (c, v)
                vals.append(getattr(g, op)(a, b))
            elif kind == "unary":
                vals.append(getattr(g, draw(st.sampled_from(["neg", "relu", "abs"])))(v))
            elif kind == "reshape":
                n = int(np.prod(v.shape))
                shapes = [(n,), (1, n), (n, 1), (-1, 2) if n % 2 == 0 else (n,)]
                vals.append(g.reshape(v, draw(st.sampled_from(shapes))))
            elif kind == "transpose":
                vals.append(g.transpose(v, draw(st.permutations(range(v.ndim)))))
            elif kind == "flatten":
                vals.append(g.flatten(v, draw(st.integers(0, v.ndim))))
            else:
                w = draw(st.sampled_from(vals))
                vals.append(g.concat([v, w], axis=draw(st.integers(-v.ndim, v.ndim - 1))) if v.ndim else v)
        except GraphTypeError:
            continue  # shapes that do not fit: draw another op
    outs = draw(st.lists(st.sampled_from(vals), min_size=1, max_size=3))
    g.output(*outs)
    inputs = []
    for _ in xs:
        if dtype == "f32":
            inputs.append(np.asarray(draw(st.lists(st.sampled_from(_SPECIAL), min_size=6, max_size=6)),
                                     np.float32).reshape(2, 3))
        else:
            inputs.append(np.asarray(draw(st.lists(st.integers(-5, 5), min_size=6, max_size=6)),
                                     np.int32).reshape(2, 3))
    return g, inputs


@settings(max_examples=40, deadline=None)
@given(programs())
def test_canonicalize_keeps_the_meaning(program):
    g, inputs = program
    module = g.module()
    before = interpret(module, inputs)
    canon = module.clone()
    assert PassManager().add("canonicalize").run(canon)
    after = interpret(canon, inputs)
    for b, a in zip(before, after):
        assert _same_bits(b, a), f"{module}\n--- canonicalized:\n{canon}\n{b}\n{a}"


def test_identities_exhaustively():
    """Every binary op with a splat 0, -0.0 or 1 on either side, broadcast or not, on values with -0.0, NaN and
    infinities: what the identities fold must be bit-exact."""
    x_f = np.asarray(_SPECIAL[:6], np.float32).reshape(2, 3)
    x_i = np.arange(-3, 3, dtype=np.int32).reshape(2, 3)
    for dtype, x_val, splats in (("f32", x_f, [0.0, -0.0, 1.0]), ("i32", x_i, [0, 1])):
        for op in ("add", "sub", "mul", "div", "max", "min"):
            for splat in splats:
                for shape in [(), (3,), (2, 3), (1, 2, 3)]:
                    for const_first in (False, True):
                        if op == "div" and (dtype == "i32" and splat == 0 or const_first):
                            continue
                        g = GraphBuilder("f")
                        x = g.input((2, 3), dtype)
                        c = g.constant(np.full(shape, splat, x_val.dtype))
                        g.output(getattr(g, op)(c, x) if const_first else getattr(g, op)(x, c))
                        module = g.module()
                        canon = module.clone()
                        assert PassManager().add("canonicalize").run(canon)
                        b, a = interpret(module, [x_val])[0], interpret(canon, [x_val])[0]
                        assert _same_bits(b, a), f"{module}\n--- canonicalized:\n{canon}"
