"""graph.matmul (numpy's matmul) and graph.gemm (ONNX Gemm) as linalg contractions on a zero-filled init.

matmul picks the most specific form:
- 2-D @ 2-D: `linalg.matmul`;
- 3-D @ 3-D with the same batch size: `linalg.batch_matmul`;
- N-D @ 2-D (a batch of rows times one matrix, the linear layer of a
  sequence model): the batch dimensions of `a` are collapsed into its rows,
  one `linalg.matmul`, and the result expanded back - a pure regrouping, no copy;
- otherwise (1-D operands, batch broadcasting): one `linalg.generic` with
  loops (batch..., m, n, k) whose maps broadcast the batch dimensions as
  numpy does (missing leading dims dropped, size-1 dims read at 0) and drop
  m or n for a 1-D operand; 1-D @ 1-D reduces into a rank-0 tensor.

gemm is `linalg.matmul` with upstream's `indexing_maps` for the transposed
operands (a transpose is a map, never a copy), then, when alpha != 1 or a
C is added, one elementwise generic `alpha * acc + beta * C` with C
broadcast (one way) to M x N through its map.
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.dialects.linalg import BatchMatmulOp, MatmulOp
from mlir_py.passes.conversions.graph_to_linalg.common import (
    PARALLEL,
    REDUCTION,
    Emitter,
    amap,
    attr,
    broadcast_map,
    elt,
    identity,
    shape_of,
)

from mlir_py.ir.affine_expr import AffineExpr, dim
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, OpAdaptor, conversion_pattern


def _contract(e: Emitter, a: Value, b: Value, init: Value, maps=None) -> Value:
    """a @ b accumulated into `init` with linalg.matmul (`maps`: upstream's indexing_maps form)."""
    kw = {"indexing_maps": maps} if maps is not None else {}
    return e.insert(MatmulOp.build([a, b], [init], **kw)).results[0]


def _mac(b, x: Value, y: Value, acc: Value) -> Value:
    return b.add(acc, b.mul(x, y))


def _batch_exprs(shape: Sequence[int], batch: Sequence[int]) -> list[AffineExpr | int]:
    """Map results reading the batch dimensions `shape` of an operand inside the loops `batch`."""
    lo, la = len(batch), len(shape)
    return [0 if s == 1 and batch[lo - la + i] != 1 else dim(lo - la + i) for i, s in enumerate(shape)]


def lower_matmul_values(e: Emitter, a: Value, b: Value, out_shape: Sequence[int]) -> Value:
    sa, sb = shape_of(a), shape_of(b)
    et = elt(a)
    if len(sa) == 2 and len(sb) == 2:
        return _contract(e, a, b, e.full(out_shape, et, 0))
    if len(sa) == 3 and len(sb) == 3 and sa[0] == sb[0]:
        return e.insert(BatchMatmulOp.build([a, b], [e.full(out_shape, et, 0)])).results[0]
    if len(sa) > 2 and len(sb) == 2:
        rows = 1
        for s in sa[:-1]:
            rows *= s
        flat = e.collapse(a, [list(range(len(sa) - 1)), [len(sa) - 1]])
        y = _contract(e, flat, b, e.full([rows, sb[1]], et, 0))
        return e.expand(y, [list(range(len(out_shape) - 1)), [len(out_shape) - 1]], out_shape)
    # the general loop nest: batch..., [m], [n], k
    a_mat, b_mat = len(sa) >= 2, len(sb) >= 2
    batch = list(out_shape[:len(out_shape) - int(a_mat) - int(b_mat)])
    nb = len(batch)
    m = dim(nb) if a_mat else None
    n = dim(nb + int(a_mat)) if b_mat else None
    k = dim(nb + int(a_mat) + int(b_mat))
    loops = nb + int(a_mat) + int(b_mat) + 1
    a_res: list[AffineExpr | int] = (_batch_exprs(sa[:-2], batch) + [m, k]) if a_mat else [k]  # type: ignore[list-item]
    b_res: list[AffineExpr | int] = (_batch_exprs(sb[:-2], batch) + [k, n]) if b_mat else [k]  # type: ignore[list-item]
    out_res = [dim(i) for i in range(loops - 1)]
    maps = [amap(loops, a_res), amap(loops, b_res), amap(loops, out_res)]
    iters = [PARALLEL] * (loops - 1) + [REDUCTION]
    return e.generic([a, b], e.full(out_shape, et, 0), maps, iters, _mac)


@conversion_pattern("graph.matmul")
def lower_matmul(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    a, b = adaptor.operands
    rw.replace_op(op, [lower_matmul_values(Emitter(rw), a, b, shape_of(op.results[0]))])
    return True


@conversion_pattern("graph.gemm")
def lower_gemm(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    operands = list(adaptor.operands)
    a, b = operands[0], operands[1]
    c = operands[2] if len(operands) > 2 else None
    alpha, beta = attr(op, "alpha"), attr(op, "beta")
    ta, tb = attr(op, "trans_a"), attr(op, "trans_b")
    e = Emitter(rw)
    out_shape = shape_of(op.results[0])
    et = elt(op.results[0])
    maps = None
    if ta or tb:
        d0, d1, d2 = dim(0), dim(1), dim(2)
        maps = [amap(3, [d2, d0] if ta else [d0, d2]), amap(3, [d1, d2] if tb else [d2, d1]), amap(3, [d0, d1])]
    acc = _contract(e, a, b, e.full(out_shape, et, 0), maps)
    if c is not None and beta == 0.0:
        c = None
    if alpha == 1.0 and c is None:
        rw.replace_op(op, [acc])
        return True

    def scaled(bb, x: Value, k: float) -> Value:
        return x if k == 1.0 else bb.mul(bb.constant(k, x.type), x)
    if c is None:
        body = lambda bb, x, out: scaled(bb, x, alpha)  # noqa: E731
        y = e.generic([acc], e.empty(out_shape, et), [identity(2), identity(2)], [PARALLEL] * 2, body)
    else:
        body = lambda bb, x, cv, out: bb.add(scaled(bb, x, alpha), scaled(bb, cv, beta))  # noqa: E731
        y = e.generic([acc, c], e.empty(out_shape, et), [identity(2), broadcast_map(shape_of(c), out_shape),
                                                           identity(2)], [PARALLEL] * 2, body)
    rw.replace_op(op, [y])
    return True


PATTERNS = [lower_matmul, lower_gemm]

__all__ = ["PATTERNS", "lower_matmul_values"]
