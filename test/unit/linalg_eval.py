"""A small numpy evaluator for functions over linalg, tensor, arith and math ops on tensors, for tests.

Each structured op (generic or named, through the structured-op interface)
is run by its definition: its body, evaluated with numpy arrays over all
parallel loop points at once, once per point of the reduction loops, reading
every operand through its indexing map. tensor ops are numpy reshapes, pads
and slice copies. So a lowering to linalg-on-tensors can be checked against
numpy directly, independent of bufferization and loop generation.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from mlir_py.ir.affine_expr import AffineExprKind
from mlir_py.ir.builtin_attributes import DenseElementsAttr, numpy_dtype

_BIN = {
    "arith.addf": np.add, "arith.addi": np.add, "arith.subf": np.subtract, "arith.subi": np.subtract,
    "arith.mulf": np.multiply, "arith.muli": np.multiply, "arith.divf": np.divide,
    "arith.maximumf": np.maximum, "arith.minimumf": np.minimum, "arith.maxsi": np.maximum,
    "arith.minsi": np.minimum, "math.powf": np.power, "arith.andi": np.logical_and, "arith.ori": np.logical_or,
}
_UN = {
    "arith.negf": np.negative, "math.exp": np.exp, "math.log": np.log, "math.tanh": np.tanh, "math.sqrt": np.sqrt,
    "math.absf": np.abs, "math.absi": np.abs,
    "math.rsqrt": lambda x: (1 / np.sqrt(x)).astype(np.asarray(x).dtype),
    "math.erf": lambda x: np.vectorize(math.erf, otypes=[np.float64])(x).astype(np.asarray(x).dtype),
    "math.sin": np.sin, "math.cos": np.cos,
}
_CMPF = {"oeq": np.equal, "olt": np.less, "ole": np.less_equal, "ogt": np.greater, "oge": np.greater_equal,
         "une": np.not_equal, "uno": lambda a, b: np.isnan(a) | np.isnan(b),
         "ord": lambda a, b: ~(np.isnan(a) | np.isnan(b))}
#: casts by numpy's astype; fptosi truncates toward zero as astype does
_CASTS = ("arith.index_cast", "arith.sitofp", "arith.uitofp", "arith.fptosi", "arith.extsi", "arith.extui",
          "arith.trunci", "arith.extf", "arith.truncf")
_CMP = {"slt": np.less, "sle": np.less_equal, "sgt": np.greater, "sge": np.greater_equal, "eq": np.equal,
        "ne": np.not_equal}


def _expr(e, dims):
    k = e.kind
    if k is AffineExprKind.DIM:
        return dims[e.position]
    if k is AffineExprKind.CONSTANT:
        return e.value
    lhs, rhs = _expr(e.lhs, dims), _expr(e.rhs, dims)
    if k is AffineExprKind.ADD:
        return lhs + rhs
    if k is AffineExprKind.MUL:
        return lhs * rhs
    if k is AffineExprKind.MOD:
        return np.mod(lhs, rhs)
    if k is AffineExprKind.FLOORDIV:
        return np.floor_divide(lhs, rhs)
    return -np.floor_divide(-lhs, rhs)


def _scalar_op(op, env):
    """One scalar (or elementwise array) op of a body or a function; its result value."""
    name = op.name
    xs = [env[v] for v in op.operands]
    if name == "arith.constant":
        a = op.properties["value"]
        if isinstance(a, DenseElementsAttr):
            return np.array(a.array)
        return np.asarray(a.value, numpy_dtype(op.results[0].type))[()]
    if name in _BIN:
        return _BIN[name](xs[0], xs[1])
    if name == "arith.divsi":
        q = np.abs(xs[0]) // np.abs(xs[1])
        return np.where((xs[0] < 0) != (xs[1] < 0), -q, q).astype(np.asarray(xs[0]).dtype)
    if name in _UN:
        return _UN[name](xs[0])
    if name == "arith.cmpi":
        return _CMP[op.predicate_name](xs[0], xs[1])
    if name == "arith.cmpf":
        return _CMPF[op.predicate_name](xs[0], xs[1])
    if name == "arith.xori":
        a = np.asarray(xs[0])
        return np.logical_xor(a, xs[1]) if a.dtype == np.bool_ else np.bitwise_xor(a, xs[1])
    if name == "arith.select":
        return np.where(xs[0], xs[1], xs[2])
    if name in _CASTS:
        return np.asarray(xs[0]).astype(numpy_dtype(op.results[0].type))
    if name == "tensor.extract":
        return np.asarray(xs[0])[tuple(np.asarray(i) for i in xs[1:])]
    raise NotImplementedError(name)


def _structured(op, env):
    maps = op.get_indexing_maps()
    iters = op.get_iterator_types()
    ranges = op.get_static_loop_ranges()
    operands = [env[v] for v in list(op.inputs) + list(op.outputs)]
    n_in = len(op.inputs)
    outs = [np.array(o) for o in operands[n_in:]]
    par = [d for d, it in enumerate(iters) if it == "parallel"]
    red = [d for d, it in enumerate(iters) if it != "parallel"]
    grid = np.indices([ranges[d] for d in par]) if par else np.zeros((0,), np.int64)
    block = op.regions[0].first_block
    for point in itertools.product(*[range(ranges[d]) for d in red]):
        dims: list = [None] * len(iters)
        for k, d in enumerate(par):
            dims[d] = grid[k]
        for k, d in enumerate(red):
            dims[d] = np.int64(point[k])
        shape = grid.shape[1:] if par else ()

        def read(arr, m):
            idx = tuple(np.broadcast_to(np.asarray(_expr(e, dims)), shape) for e in m.results)
            return arr[idx] if idx else np.broadcast_to(arr[()], shape)
        local = dict(env)
        for arg, arr, m in zip(block.args, operands[:n_in] + outs, maps):
            local[arg] = read(arr, m)
        for body_op in block.ops:
            if body_op.name == "linalg.yield":
                for out, m, v in zip(outs, maps[n_in:], body_op.operands):
                    idx = tuple(np.broadcast_to(np.asarray(_expr(e, dims)), shape) for e in m.results)
                    val = np.broadcast_to(np.asarray(local[v]), shape)
                    out[idx] = val
                break
            if body_op.name == "linalg.index":
                local[body_op.results[0]] = np.broadcast_to(dims[body_op.properties["dim"].value], shape)
                continue
            local[body_op.results[0]] = _scalar_op(body_op, local)
    return outs


def _tensor_op(op, env):
    name = op.name
    t = op.results[0].type if op.results else None
    if name == "tensor.empty":
        return np.zeros(t.shape, numpy_dtype(t.element_type))
    src = env[op.operands[0]]
    if name in ("tensor.expand_shape", "tensor.collapse_shape"):
        return np.array(src).reshape(t.shape)
    if name == "tensor.pad":
        value = env[op.regions[0].first_block.last_op.operands[0]]
        lo, hi = op.static_low.values, op.static_high.values
        return np.pad(src, list(zip(lo, hi)), constant_values=value).astype(src.dtype)
    if name == "tensor.extract_slice":
        sl = tuple(slice(o, o + s * st, st) for o, s, st in zip(op.static_offsets.values, op.static_sizes.values,
                                                              op.static_strides.values))
        return np.array(src[sl]).reshape(t.shape)
    if name == "tensor.insert_slice":
        dest = np.array(env[op.operands[1]])
        sl = tuple(slice(o, o + s * st, st) for o, s, st in zip(op.static_offsets.values, op.static_sizes.values,
                                                              op.static_strides.values))
        dest[sl] = src.reshape(dest[sl].shape)
        return dest
    raise NotImplementedError(name)


def run(func, *args):
    """Evaluate the `func.func` op `func` on numpy arrays; the returned values."""
    block = func.regions[0].first_block
    env = dict(zip(block.args, args))
    for op in block.ops:
        if op.name == "func.return":
            return [env[v] for v in op.operands]
        if hasattr(op, "get_indexing_maps"):
            with np.errstate(all="ignore"):  # a select's unchosen side may divide by zero, as compiled code does
                values = _structured(op, env)
            for r, v in zip(op.results, values):
                env[r] = v
        elif op.name.startswith("tensor."):
            env[op.results[0]] = _tensor_op(op, env)
        else:
            env[op.results[0]] = _scalar_op(op, env)
    raise ValueError("no func.return")
