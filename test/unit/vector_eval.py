"""A small numpy evaluator for functions over vector, arith, memref and scf ops, for tests.

It gives each op its documented meaning directly in numpy (vector.contract by
einsum over its indexing maps, transfer_read with padding and masks, ...), so
a lowering can be checked as a law: evaluating a function before and after the
lowering, on random inputs, gives the same results.
"""

from __future__ import annotations

import numpy as np

from mlir_py.ir.affine_expr import AffineDimExpr
from mlir_py.ir.builtin_attributes import DenseElementsAttr
from mlir_py.ir.builtin_types import VectorType

_ARITH = {
    "arith.addf": np.add, "arith.addi": np.add, "arith.subf": np.subtract, "arith.subi": np.subtract,
    "arith.mulf": np.multiply, "arith.muli": np.multiply, "arith.maxnumf": np.fmax, "arith.minnumf": np.fmin,
    "arith.maximumf": np.maximum, "arith.minimumf": np.minimum, "arith.maxsi": np.maximum,
    "arith.minsi": np.minimum, "arith.andi": np.bitwise_and, "arith.ori": np.bitwise_or,
    "arith.xori": np.bitwise_xor,
}
_CMP = {"slt": np.less, "sle": np.less_equal, "sgt": np.greater, "sge": np.greater_equal, "eq": np.equal,
        "ne": np.not_equal}
_KIND = {"add": np.add, "mul": np.multiply, "maxnumf": np.fmax, "minnumf": np.fmin, "maximumf": np.maximum,
         "minimumf": np.minimum, "maxsi": np.maximum, "minsi": np.minimum, "and": np.bitwise_and,
         "or": np.bitwise_or, "xor": np.bitwise_xor}


def _reduce(kind: str, a: np.ndarray, axis=None):
    return _KIND[kind].reduce(a, axis=axis)


def _pos(op):
    it = iter(op.dynamic_position)
    return [int(env_get(next(it))) if p < -1 else p for p in op.position]


_ENV: dict = {}


def env_get(v):
    return _ENV[v]


def run(func, args: list):
    """Evaluate a func.func on numpy arguments (memrefs are arrays, updated in place); returns its results."""
    _ENV.clear()
    for a, v in zip(func.regions[0].blocks[0].args, args):
        _ENV[a] = v
    return _block(func.regions[0].blocks[0])


def _block(block):
    for op in block.ops:
        name = op.name
        if name in ("func.return", "scf.yield"):
            return [_ENV[v] for v in op.operands]
        out = _op(op, name)
        if out is not None:
            for r, v in zip(op.results, out):
                _ENV[r] = v
    return []


def _vec_shape(t):
    return tuple(t.shape) if isinstance(t, VectorType) else ()


def _op(op, name):  # noqa: C901 - one branch per op, on purpose
    g = [_ENV.get(v) for v in op.operands]
    if name == "arith.constant":
        a = op.value
        return [np.array(a.array) if isinstance(a, DenseElementsAttr) else np.array(a.value)]
    if name in _ARITH:
        return [_ARITH[name](g[0], g[1])]
    if name == "arith.cmpi":
        return [_CMP[op.predicate_name](g[0], g[1])]
    if name == "arith.select":
        return [np.where(g[0], g[1], g[2])]
    if name in ("arith.extf", "arith.extsi"):
        return [g[0].astype(np.float64 if name == "arith.extf" else np.int64)]
    if name == "memref.dim":
        return [np.array(g[0].shape[int(g[1])])]
    if name == "memref.load":
        return [g[0][tuple(int(i) for i in g[1:])]]
    if name == "memref.store":
        g[1][tuple(int(i) for i in g[2:])] = g[0]
        return []
    if name == "scf.if":
        region = op.regions[0] if bool(g[0]) else op.regions[1]
        return _block(region.blocks[0]) if region.blocks else []
    if name == "scf.for":
        lo, hi, st = (int(x) for x in g[:3])
        carried = g[3:]
        body = op.regions[0].blocks[0]
        for i in range(lo, hi, st):
            _ENV[body.args[0]] = np.array(i)
            for a, v in zip(body.args[1:], carried):
                _ENV[a] = v
            carried = _block(body)
        return carried
    return _vector_op(op, name, g)


def _vector_op(op, name, g):  # noqa: C901
    rt = op.results[0].type if op.results else None
    if name == "vector.broadcast":
        return [np.broadcast_to(g[0], _vec_shape(rt)).copy()]
    if name == "vector.extract":
        return [np.array(g[0][tuple(_pos(op))])]
    if name == "vector.insert":
        d = g[1].copy()
        d[tuple(_pos(op))] = g[0]
        return [d]
    if name == "vector.extract_strided_slice":
        offs, sizes = [x.value for x in op.offsets], [x.value for x in op.sizes]
        return [g[0][tuple(slice(o, o + s) for o, s in zip(offs, sizes))].copy()]
    if name == "vector.insert_strided_slice":
        offs = [x.value for x in op.offsets]
        d = g[1].copy()
        lead = len(offs) - g[0].ndim
        idx = tuple(offs[:lead]) + tuple(slice(o, o + s) for o, s in zip(offs[lead:], g[0].shape))
        d[idx] = g[0]
        return [d]
    if name == "vector.shape_cast":
        return [g[0].reshape(_vec_shape(rt))]
    if name == "vector.transpose":
        return [np.transpose(g[0], op.perm)]
    if name == "vector.fma":
        return [g[0] * g[1] + g[2]]
    if name == "vector.from_elements":
        return [np.array(g).reshape(_vec_shape(rt))]
    if name == "vector.step":
        return [np.arange(rt.shape[0])]
    if name == "vector.create_mask":
        m = np.zeros(_vec_shape(rt), dtype=bool)
        m[tuple(slice(0, max(0, int(b))) for b in g)] = True
        return [m]
    if name == "vector.constant_mask":
        m = np.zeros(_vec_shape(rt), dtype=bool)
        m[tuple(slice(0, s) for s in op.sizes)] = True
        return [m]
    if name == "vector.reduction":
        r = _reduce(op.kind_name, g[0].reshape(-1))
        return [_KIND[op.kind_name](r, g[1]) if len(g) > 1 else r]
    if name == "vector.multi_reduction" and not op.dims:
        return [g[0]]
    if name == "vector.multi_reduction":
        return [_KIND[op.kind_name](_reduce(op.kind_name, g[0], axis=tuple(op.dims)), g[1])]
    if name == "vector.outerproduct":
        p = np.multiply.outer(g[0], g[1]) if g[1].ndim else g[0] * g[1]
        return [_KIND[op.kind_name](p, g[2]) if len(g) > 2 else p]
    if name == "vector.contract":
        return [_contract(op, g)]
    if name in ("vector.load", "vector.maskedload", "vector.transfer_read"):
        return [_read(op, name, g, rt)]
    if name in ("vector.store", "vector.maskedstore", "vector.transfer_write"):
        _write(op, name, g)
        return []
    raise NotImplementedError(name)


def _contract(op, g):
    letters = "abcdefghijklmnop"
    n = len(op.iterators)
    subs = ["".join(letters[e.position] for e in m.results) for m in op.maps]
    lhs, rhs, acc = g
    et = np.asarray(acc).dtype
    full = letters[:n]
    # lhs and rhs broadcast over the iterators they do not index
    a = np.einsum(f"{subs[0]}->{''.join(c for c in full if c in subs[0])}", lhs.astype(et))
    b = np.einsum(f"{subs[1]}->{''.join(c for c in full if c in subs[1])}", rhs.astype(et))
    shape = op.iteration_bounds()
    a = a.reshape([shape[i] if letters[i] in subs[0] else 1 for i in range(n)])
    b = b.reshape([shape[i] if letters[i] in subs[1] else 1 for i in range(n)])
    prod = a * b
    red = tuple(i for i, t in enumerate(op.iterators) if t == "reduction")
    r = _reduce(op.kind_name, prod, axis=red)
    kept = "".join(letters[i] for i in range(n) if op.iterators[i] == "parallel")
    r = np.einsum(f"{kept}->{subs[2]}", r) if kept else r
    return _KIND[op.kind_name](r, acc)


def _read(op, name, g, rt):
    base = g[0]
    shape = _vec_shape(rt)
    if name == "vector.load":
        idx = [int(i) for i in g[1:]]
        flat = base[tuple(idx[:-1])]
        return flat[idx[-1]: idx[-1] + shape[-1]].copy()
    if name == "vector.maskedload":
        r = base.ndim
        idx = [int(i) for i in g[1:1 + r]]
        mask, passthru = g[1 + r], g[2 + r]
        out = passthru.copy()
        for k in range(shape[0]):
            if mask[k]:
                out[k] = base[tuple(idx[:-1]) + (idx[-1] + k,)]
        return out
    r = base.ndim
    idx = [int(i) for i in g[1:1 + r]]
    pad = g[1 + r]
    mask = g[2 + r] if len(g) > 2 + r else None
    out = np.full(shape, pad, dtype=base.dtype)
    res = op.perm.results
    mdims = sorted(e.position for e in res if isinstance(e, AffineDimExpr))
    for vidx in np.ndindex(*shape):
        mem = list(idx)
        ok = True
        for i, e in enumerate(res):
            if isinstance(e, AffineDimExpr):
                mem[e.position] += vidx[i]
        for d in range(r):
            if not 0 <= mem[d] < base.shape[d]:
                ok = False
        if mask is not None:
            midx = tuple(vidx[[j for j, e in enumerate(res) if isinstance(e, AffineDimExpr)
                               and e.position == d][0]] for d in mdims)
            ok = ok and bool(mask[midx])
        if ok:
            out[vidx] = base[tuple(mem)]
    return out


def _write(op, name, g):
    if name == "vector.store":
        v, base = g[0], g[1]
        idx = [int(i) for i in g[2:]]
        base[tuple(idx[:-1])][idx[-1]: idx[-1] + v.shape[-1]] = v
        return
    if name == "vector.maskedstore":
        base = g[0]
        r = base.ndim
        idx = [int(i) for i in g[1:1 + r]]
        mask, v = g[1 + r], g[2 + r]
        for k in range(v.shape[0]):
            if mask[k]:
                base[tuple(idx[:-1]) + (idx[-1] + k,)] = v[k]
        return
    v, base = g[0], g[1]
    r = base.ndim
    idx = [int(i) for i in g[2:2 + r]]
    mask = g[2 + r] if len(g) > 2 + r else None
    res = op.perm.results
    mdims = sorted(e.position for e in res if isinstance(e, AffineDimExpr))
    for vidx in np.ndindex(*v.shape):
        mem = list(idx)
        for i, e in enumerate(res):
            if isinstance(e, AffineDimExpr):
                mem[e.position] += vidx[i]
        ok = all(0 <= mem[d] < base.shape[d] for d in range(r))
        if mask is not None:
            midx = tuple(vidx[[j for j, e in enumerate(res) if isinstance(e, AffineDimExpr)
                               and e.position == d][0]] for d in mdims)
            ok = ok and bool(mask[midx])
        if ok:
            base[tuple(mem)] = v[vidx]
