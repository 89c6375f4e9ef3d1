"""What linalg's structured ops compute, checked against numpy on random inputs.

A small reference interpreter runs any structured op from the interface alone
(indexing maps, loop ranges, scalar body), so one law covers every op: for
random shapes and data, a function of named ops (built with the Python
builders) computes what numpy computes, and after `linalg-generalize-named-ops`
(through text, custom and generic form) the generics compute the same.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from mlir_py.dialects import func, linalg

from mlir_py.analysis.verifier import verify
from mlir_py.builtin import ModuleOp
from mlir_py.ir.builtin_types import FunctionType, MemRefType, RankedTensorType, f32, i1, i32
from mlir_py.ir.context import Context
from mlir_py.pass_manager import PassManager
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string

_F = {
    "arith.addf": lambda a, b: a + b, "arith.subf": lambda a, b: a - b, "arith.mulf": lambda a, b: a * b,
    "arith.divf": lambda a, b: a / b, "arith.maximumf": max, "arith.minimumf": min, "arith.negf": lambda a: -a,
    "arith.addi": lambda a, b: a + b, "arith.subi": lambda a, b: a - b, "arith.muli": lambda a, b: a * b,
    "arith.divsi": lambda a, b: int(a / b), "arith.maxsi": max, "arith.minsi": min,
    "arith.select": lambda c, a, b: a if c else b,
    "math.exp": math.exp, "math.log": math.log, "math.sqrt": math.sqrt, "math.tanh": math.tanh,
    "math.absf": abs, "math.floor": math.floor, "math.ceil": math.ceil, "math.erf": math.erf,
    "math.rsqrt": lambda a: 1 / math.sqrt(a), "math.powf": lambda a, b: a ** b,
    "arith.extsi": lambda a: a, "arith.sitofp": float, "arith.index_cast": int,
}


def _eval_body(block, args, idx, outer):
    env = dict(outer)
    env.update(zip(block.args, args))
    for o in block.ops:
        if o.name == "linalg.yield":
            return [env[v] for v in o.operands]
        if o.name == "arith.constant":
            env[o.results[0]] = o.properties["value"].value
        elif o.name == "linalg.index":
            env[o.results[0]] = idx[o.dim.value]
        else:
            env[o.results[0]] = _F[o.name](*[env[v] for v in o.operands])
    raise AssertionError("body without linalg.yield")


def run_structured(op, operand_arrays, outer=None):
    """The op's results (tensors) after writing the inits (memrefs, in place) as the interface describes."""
    maps = op.get_indexing_maps()
    n_in = op.get_num_dps_inputs()
    ranges = [None] * op.get_num_loops()
    for arr, m in zip(operand_arrays, maps):
        for r, e in enumerate(m.results):
            if hasattr(e, "position") and ranges[e.position] is None:
                ranges[e.position] = np.shape(arr)[r]
    outs = []
    for v, arr in zip(op.get_dps_inits(), operand_arrays[n_in:]):
        outs.append(arr if isinstance(v.type, MemRefType) else np.array(arr, copy=True))
    for idx in np.ndindex(*ranges):
        args = []
        for k, (arr, m) in enumerate(zip(list(operand_arrays[:n_in]) + outs, maps)):
            pos = m.evaluate(list(idx))
            args.append(arr[pos].item() if np.ndim(arr) else (arr.item() if hasattr(arr, "item") else arr))
        vals = _eval_body(op.body, args, idx, outer or {})
        for out, m, v in zip(outs, maps[n_in:], vals):
            out[m.evaluate(list(idx))] = v
    return [o for o, v in zip(outs, op.get_dps_inits()) if not isinstance(v.type, MemRefType)]


def run_function(fn, inputs):
    env = dict(zip(fn.body.first_block.args, inputs))
    for o in fn.body.first_block.ops:
        if o.name == "func.return":
            return [env[v] for v in o.operands]
        if o.name == "arith.constant":  # hoisted out of a body by the greedy driver
            env[o.results[0]] = o.properties["value"].value
            continue
        assert linalg.is_structured_op(o), o.name
        res = run_structured(o, [env[v] for v in o.operands], env)
        env.update(zip(o.results, res))
    raise AssertionError("no return")


def _generalized(module):
    ctx = Context.with_available_dialects()
    m = parse_source(ctx, print_op_to_string(module, generic=True))
    assert PassManager.parse("builtin.module(linalg-generalize-named-ops)").run(m)
    verify(m)
    m = parse_source(ctx, print_op_to_string(m))
    fn = next(o for o in m.walk() if o.name == "func.func")
    assert all(o.name in ("linalg.generic", "func.return", "arith.constant") for o in fn.body.first_block.ops)
    return fn


def _module(arg_types, result_types, build):
    m = ModuleOp()
    f = func.FuncOp.build("f", FunctionType(tuple(arg_types), tuple(result_types)))
    m.body.first_block.append(f)
    block = f.body.first_block
    results = build(block, *block.args)
    block.append(func.ReturnOp(results))
    verify(m)
    return m, f


def _t(*shape, et=f32):
    return RankedTensorType(tuple(shape), et)


def _check(m, f, inputs, expected):
    got = run_function(f, inputs)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    gen = run_function(_generalized(m), inputs)
    for g, e in zip(gen, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed", range(3))
def test_mlp_layer_matches_numpy(seed):
    """fill + matmul (A transposed through indexing_maps) + broadcast bias add + relu as max_signed."""
    rng = np.random.default_rng(seed)
    r = random.Random(seed)
    m_, k, n = r.randint(1, 4), r.randint(1, 5), r.randint(1, 4)
    at, w, bias = (rng.standard_normal(s).astype(np.float32) for s in ((k, m_), (k, n), (n,)))
    out0 = np.zeros((m_, n), np.float32)

    def build(b, at_v, w_v, bias_v, zero_v, init_v):
        fill = linalg.FillOp.build([zero_v], [init_v])
        mm = linalg.MatmulOp.build([at_v, w_v], [fill.results[0]], indexing_maps=[
            "(d0, d1, d2) -> (d2, d0)", "(d0, d1, d2) -> (d2, d1)", "(d0, d1, d2) -> (d0, d1)"])
        add = linalg.ElementwiseOp.build([bias_v, mm.results[0]], [init_v], kind="add", indexing_maps=[
            "(d0, d1) -> (d1)", "(d0, d1) -> (d0, d1)", "(d0, d1) -> (d0, d1)"])
        zeros = linalg.FillOp.build([zero_v], [init_v])
        relu = linalg.ElementwiseOp.build([add.results[0], zeros.results[0]], [init_v], kind="max_signed")
        for o in (fill, mm, add, zeros, relu):
            b.append(o)
        return [relu.results[0]]

    mod, f = _module([_t(k, m_), _t(k, n), _t(n), f32, _t(m_, n)], [_t(m_, n)], build)
    _check(mod, f, [at, w, bias, 0.0, out0], [np.maximum(at.T @ w + bias, 0)])


@pytest.mark.parametrize("seed", range(3))
def test_layout_reduce_map_match_numpy(seed):
    rng = np.random.default_rng(100 + seed)
    r = random.Random(seed)
    a_, b_ = r.randint(1, 4), r.randint(1, 5)
    x = rng.standard_normal((a_, b_)).astype(np.float32)
    v = rng.standard_normal((b_,)).astype(np.float32)

    def build(b, x_v, v_v, t_init, b_init, r_init, m_init):
        t = linalg.TransposeOp.build(x_v, t_init, [1, 0])
        bc = linalg.BroadcastOp.build(v_v, b_init, [0])
        red = linalg.ReduceOp.build([x_v], [r_init], [1], lambda bb, xi, acc: bb.max(xi, acc))
        mp = linalg.MapOp.build([x_v, bc.results[0]], m_init, lambda bb, p, q, o: bb.mul(bb.unary("exp", p), q))
        cp = linalg.CopyOp.build([mp.results[0]], [m_init])
        for o in (t, bc, red, mp, cp):
            b.append(o)
        return [t.results[0], red.results[0], cp.results[0]]

    mod, f = _module([_t(a_, b_), _t(b_), _t(b_, a_), _t(a_, b_), _t(a_), _t(a_, b_)],
                     [_t(b_, a_), _t(a_), _t(a_, b_)], build)
    inits = [np.zeros((b_, a_), np.float32), np.zeros((a_, b_), np.float32),
             np.full((a_,), -np.inf, np.float32), np.zeros((a_, b_), np.float32)]
    _check(mod, f, [x, v] + inits, [x.T, x.max(axis=1), np.exp(x) * v])


@pytest.mark.parametrize("seed", range(3))
def test_generic_with_index_and_integer_matmul(seed):
    """A generic reading linalg.index, and an i8 x i8 -> i32 matmul (signed casts), against numpy."""
    rng = np.random.default_rng(200 + seed)
    n = random.Random(seed).randint(1, 5)
    a = rng.integers(-128, 127, (n, 3)).astype(np.int8)
    w = rng.integers(-128, 127, (3, n)).astype(np.int8)
    s = rng.standard_normal((n,)).astype(np.float32)

    def build(b, a_v, w_v, c_v, s_v, o_v):
        mm = linalg.MatmulOp.build([a_v, w_v], [c_v])
        g = linalg.GenericOp.build([s_v], [o_v], ["(d0) -> (d0)"] * 2, ["parallel"],
                                   lambda bb, x, o: bb.mul(x, bb.cast(f32, bb.cast(i32, bb.index(0)))))
        b.append(mm)
        b.append(g)
        return [mm.results[0], g.results[0]]

    from mlir_py.ir.builtin_types import i8
    mod, f = _module([_t(n, 3, et=i8), _t(3, n, et=i8), _t(n, n, et=i32), _t(n), _t(n)],
                     [_t(n, n, et=i32), _t(n)], build)
    c0 = np.zeros((n, n), np.int32)
    _check(mod, f, [a, w, c0, s, np.zeros(n, np.float32)],
           [a.astype(np.int32) @ w.astype(np.int32), s * np.arange(n, dtype=np.float32)])


def test_select_and_memref_outputs():
    """elementwise <select> on tensors, and a memref generic written in place."""
    rng = np.random.default_rng(7)
    c = rng.integers(0, 2, (3, 4)).astype(bool)
    x, y = rng.standard_normal((2, 3, 4)).astype(np.float32)

    def build(b, c_v, x_v, y_v, o_v):
        sel = linalg.ElementwiseOp.build([c_v, x_v, y_v], [o_v], kind="select")
        b.append(sel)
        return [sel.results[0]]

    mod, f = _module([_t(3, 4, et=i1), _t(3, 4), _t(3, 4), _t(3, 4)], [_t(3, 4)], build)
    _check(mod, f, [c, x, y, np.zeros((3, 4), np.float32)], [np.where(c, x, y)])

    mt = MemRefType((3, 4), f32)
    m2 = ModuleOp()
    fn = func.FuncOp.build("g", FunctionType((mt, mt), ()))
    m2.body.first_block.append(fn)
    blk = fn.body.first_block
    op = linalg.GenericOp.build([blk.args[0]], [blk.args[1]], ["(d0, d1) -> (d0, d1)"] * 2,
                                ["parallel", "parallel"], lambda bb, u, o: bb.add(u, o))
    blk.append(op)
    blk.append(func.ReturnOp([]))
    verify(m2)
    buf = y.copy()
    assert run_structured(op, [x, buf]) == []
    np.testing.assert_allclose(buf, x + y, rtol=1e-6)
