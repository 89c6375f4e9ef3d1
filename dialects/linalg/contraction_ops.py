"""Contractions beyond matmul: linalg.batch_matmul (upstream's ODS op, with
the `indexing_maps` form for transposed and broadcast operands), and the
OpDSL ops linalg.matvec, linalg.vecmat and linalg.dot.

Each body is upstream's: the accumulator plus the product of both inputs,
each converted to the accumulator's element type (signed by default).
"""

from __future__ import annotations

from mlir_py.dialects.linalg.attributes import TypeFnC
from mlir_py.dialects.linalg.named import NAMED_TRAITS, NamedStructuredOp, type_fn_name
from mlir_py.dialects.linalg.opdsl_base import OpDSLNamedOp, fold_memref_casts

from mlir_py.definition.opdef import opt_prop
from mlir_py.definition.traits import Trait
from mlir_py.ir.affine_expr import AffineDimExpr, AffineExpr, AffineMap


def _multiply_accumulate(b, args, fn: str = "cast_signed"):
    """acc + cast(x) * cast(y): the body every op of this file shares."""
    x, y, acc = args
    return [b.add(acc, b.mul(b.type_fn(fn, acc.type, x), b.type_fn(fn, acc.type, y)))]


def _uses_dim(e: AffineExpr, d: int) -> bool:
    """AffineExpr::isFunctionOfDim."""
    if isinstance(e, AffineDimExpr):
        return e.position == d
    lhs, rhs = getattr(e, "lhs", None), getattr(e, "rhs", None)
    return (lhs is not None and _uses_dim(lhs, d)) or (rhs is not None and _uses_dim(rhs, d))


_BATCH, _M, _N, _K = 0, 1, 2, 3


def _valid_broadcast(m: AffineMap, is_lhs: bool) -> bool:
    """A 1-D operand must be indexed by k; a 2-D LHS by (batch or m, k), a 2-D RHS by (batch, k) or (k, n)."""
    r = m.results
    if len(r) == 1:
        return _uses_dim(r[0], _K)
    if len(r) == 2:
        if is_lhs:
            return (_uses_dim(r[0], _BATCH) or _uses_dim(r[0], _M)) and _uses_dim(r[1], _K)
        return ((_uses_dim(r[0], _BATCH) and _uses_dim(r[1], _K))
                or (_uses_dim(r[0], _K) and _uses_dim(r[1], _N)))
    return False


def verify_batch_matmul_maps(op) -> str | None:
    """Upstream's checks of user-written batch_matmul maps: each operand reads only its default dims,
    broadcasts keep k (and batch or m / n), the batch dim stays first, the output is (batch, m, n)."""
    maps = op.properties.get("indexing_maps")
    if maps is None:
        return None
    if len(maps) != 3:
        return "Indexing_map attribute must have 3 affine maps."
    user = [m.value for m in maps]
    if user == op.get_default_indexing_maps():
        return None
    defaults = op.get_default_indexing_maps()
    for i in range(2):
        m, dm = user[i], defaults[i]
        if not set(m.results) <= set(dm.results):
            return "Unexpected result dim expression (outside the set of default result dims)."
        if len(m.results) < len(dm.results):
            if not _valid_broadcast(m, i == 0):
                return "Invalid broadcast requested."
        elif not _uses_dim(m.results[0], _BATCH):
            return "Invalid batch dimension expression."
    out = user[2]
    if len(out.results) != 3:
        return f"expects 3 dims, but got ({len(out.results)})."
    if not all(_uses_dim(out.results[i], i) for i in range(3)):
        return "Invalid output map result dimension."
    return None


class _BatchMatmulMaps(Trait):
    """batch_matmul's own map checks, which upstream runs before the structured-op interface's."""

    def verify(self, op):
        return verify_batch_matmul_maps(op)


class BatchMatmulOp(NamedStructuredOp):
    """C[b] += A[b] * B[b] over (batch, m, n, k), with A and B converted to
    C's element type by `cast` (signed by default). Upstream's
    `indexing_maps = [...]` form reads A or B transposed, or broadcast along
    the batch (a 2-D operand) or along m / n (a 1-D operand indexed by k).

    ```mlir
    %0 = linalg.batch_matmul ins(%a, %b : tensor<2x3x4xf32>, tensor<2x4x5xf32>)
           outs(%c : tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
    %1 = linalg.batch_matmul indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>,
                                              affine_map<(d0, d1, d2, d3) -> (d3, d2)>,
                                              affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]
           ins(%at, %w : tensor<2x4x3xf32>, tensor<4x5xf32>) outs(%c : tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
    ```
    """

    name = "linalg.batch_matmul"
    traits = [_BatchMatmulMaps] + NAMED_TRAITS
    num_inputs = 2
    user_maps = True
    cast = opt_prop(TypeFnC)
    default_maps = ("(d0, d1, d2, d3) -> (d0, d1, d3)", "(d0, d1, d2, d3) -> (d0, d3, d2)",
                    "(d0, d1, d2, d3) -> (d0, d1, d2)")
    iterators = ("parallel", "parallel", "parallel", "reduction")

    @classmethod
    def payload(cls, b, args, props):
        return _multiply_accumulate(b, args, type_fn_name(props.get("cast")))

    def fold(self, operands):
        return fold_memref_casts(self)


class MatvecOp(OpDSLNamedOp):
    """y[m] += A[m, n] * x[n], operands converted to y's element type (signed).

    ```mlir
    linalg.matvec ins(%a, %x : memref<3x4xf32>, memref<4xf32>) outs(%y : memref<3xf32>)
    ```
    """

    name = "linalg.matvec"
    num_inputs = 2
    default_maps = ("(d0, d1) -> (d0, d1)", "(d0, d1) -> (d1)", "(d0, d1) -> (d0)")
    iterators = ("parallel", "reduction")

    @classmethod
    def payload(cls, b, args, props):
        return _multiply_accumulate(b, args)


class VecmatOp(OpDSLNamedOp):
    """y[n] += x[m] * A[m, n], operands converted to y's element type (signed).

    ```mlir
    %0 = linalg.vecmat ins(%x, %a : tensor<3xf32>, tensor<3x4xf32>) outs(%y : tensor<4xf32>) -> tensor<4xf32>
    ```
    """

    name = "linalg.vecmat"
    num_inputs = 2
    default_maps = ("(d0, d1) -> (d1)", "(d0, d1) -> (d1, d0)", "(d0, d1) -> (d0)")
    iterators = ("parallel", "reduction")

    @classmethod
    def payload(cls, b, args, props):
        return _multiply_accumulate(b, args)


class DotOp(OpDSLNamedOp):
    """The inner product of two vectors added to a 0-d accumulator (signed
    conversion to its element type).

    ```mlir
    %0 = linalg.dot ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%acc : tensor<f32>) -> tensor<f32>
    ```
    """

    name = "linalg.dot"
    num_inputs = 2
    default_maps = ("(d0) -> (d0)", "(d0) -> (d0)", "(d0) -> ()")
    iterators = ("reduction",)

    @classmethod
    def payload(cls, b, args, props):
        return _multiply_accumulate(b, args)


OPS = [BatchMatmulOp, DotOp, MatvecOp, VecmatOp]

__all__ = ["BatchMatmulOp", "DotOp", "MatvecOp", "VecmatOp", "verify_batch_matmul_maps"]
