"""`convert-vector-to-scf`: n-D vector.transfer_read / transfer_write on
memrefs become (n-1) levels of 1-D transfers, as upstream's pass does.

Each step peels the leading vector dimension: one transfer of rank r-1 per
position along it, each reading (writing) the memory row that the
permutation map assigns to that dimension. When that dimension is not
`in_bounds`, the row is guarded with `scf.if (index < memref.dim)`: an
out-of-bounds row reads as the padding value and is not written. Masks
follow: the peeled mask dimension is extracted (after a transpose when the
mask, which is in memory order, holds it elsewhere).

- `full-unroll=true` emits the positions one after another with static
  `vector.extract`/`vector.insert` (what convert-vector-to-llvm needs: LLVM
  aggregates take constant positions).
- `full-unroll=false` (the default) emits an `scf.for` over the positions
  that carries the vector and inserts at the induction variable; upstream
  goes through a stack buffer instead, with the same result.

```
mir-opt --convert-vector-to-scf='full-unroll=true target-rank=1' f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects import arith, memref, scf
from mlir_py.dialects.vector import BroadcastOp, ExtractOp, InsertOp, TransferReadOp, TransferWriteOp, TransposeOp

from mlir_py.ir.affine_expr import AffineDimExpr, AffineMap
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import MemRefType, VectorType, index
from mlir_py.ir.operation import Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite import RewritePattern, apply_patterns_greedily


def _const_index(rw, v: int) -> Value:
    return rw.create(arith.ConstantOp, IntegerAttr(v, index)).result


def _peel(op, vt: VectorType):
    """What peeling the leading vector dimension leaves: (memory dim or None for a broadcast, sub-vector type,
    sub-permutation map, sub in_bounds, position of the dimension in the mask or None)."""
    perm: AffineMap = op.perm
    e0 = perm.results[0]
    mem_dim = e0.position if isinstance(e0, AffineDimExpr) else None
    sub_t = VectorType(vt.shape[1:], vt.element_type, vt.scalable_dims[1:] if vt.scalable_dims else None)
    sub_perm = AffineMap(perm.num_dims, perm.num_symbols, perm.results[1:])
    sub_ib = op.in_bounds_values[1:]
    mask_pos = None
    if mem_dim is not None:
        used = sorted(e.position for e in perm.results if isinstance(e, AffineDimExpr))
        mask_pos = used.index(mem_dim)
    return mem_dim, sub_t, sub_perm, sub_ib, mask_pos


def _mask_front(rw, mask: Value | None, mask_pos: int | None) -> Value | None:
    """The mask with the peeled dimension moved to the front (None when there is no mask or nothing to peel)."""
    if mask is None or mask_pos is None or mask_pos == 0:
        return mask
    mt = mask.type
    order = [mask_pos] + [i for i in range(mt.rank) if i != mask_pos]
    return rw.create(TransposeOp, mask, order).result


class _TransferPattern(RewritePattern):
    def __init__(self, full_unroll: bool, target_rank: int):
        super().__init__()
        self.full_unroll = full_unroll
        self.target_rank = target_rank
        self._dim_cache: dict = {}

    def applies(self, op, vt: VectorType) -> bool:
        if not isinstance(op.base.type, MemRefType) or vt.rank <= self.target_rank:
            return False
        return not (vt.scalable_dims and vt.scalable_dims[0])

    def dim_of(self, rw, op, mem_dim: int) -> Value:
        """memref.dim of the peeled memory dimension, built once per rewritten op."""
        key = (id(op), mem_dim)
        if self._dim_cache.get(key) is None:
            self._dim_cache[key] = rw.create(memref.DimOp, op.base, _const_index(rw, mem_dim)).result
        return self._dim_cache[key]

    def row_indices(self, rw, op, mem_dim, k) -> tuple[list[Value], Value | None]:
        """The indices of row k (an int or an index value) and, when that row may be out of bounds, the
        i1 value that says it is not."""
        indices = list(op.indices)
        if mem_dim is None:
            return indices, None
        kv = _const_index(rw, k) if isinstance(k, int) else k
        if isinstance(k, int) and k == 0:
            idx = indices[mem_dim]
        else:
            idx = rw.create(arith.AddIOp, indices[mem_dim], kv).result
        indices[mem_dim] = idx
        if op.in_bounds_values[0]:
            return indices, None
        d = self.dim_of(rw, op, mem_dim)
        return indices, rw.create(arith.CmpIOp, "sgt", d, idx).result


class TransferReadToSCF(_TransferPattern):
    """Peel the leading dimension of an n-D transfer_read."""

    root = TransferReadOp

    def match_and_rewrite(self, op, rw) -> bool:
        vt = op.vector_type
        if not self.applies(op, vt):
            return False
        mem_dim, sub_t, sub_perm, sub_ib, mask_pos = _peel(op, vt)
        mask = _mask_front(rw, op.mask, mask_pos)
        self._dim_cache = {}
        if mem_dim is not None and not op.in_bounds_values[0]:
            self.dim_of(rw, op, mem_dim)
        acc = rw.create(BroadcastOp, op.padding, result_types=[vt]).result
        if self.full_unroll:
            for k in range(vt.shape[0]):
                row = self.read_row(rw, op, k, mem_dim, sub_t, sub_perm, sub_ib, mask, mask_pos)
                acc = rw.create(InsertOp, row, acc, [k]).result
            rw.replace_op(op, [acc])
            return True
        c0, n, c1 = _const_index(rw, 0), _const_index(rw, vt.shape[0]), _const_index(rw, 1)
        loop = rw.create(scf.ForOp.build(c0, n, c1, [acc]))
        with rw.insertion_guard():
            rw.set_insertion_point_to_end(loop.body)
            k = loop.induction_var
            row = self.read_row(rw, op, k, mem_dim, sub_t, sub_perm, sub_ib, mask, mask_pos)
            new = rw.create(InsertOp, row, loop.region_iter_args[0], [k]).result
            rw.create(scf.YieldOp, [new])
        rw.replace_op(op, [loop.results[0]])
        return True

    def read_row(self, rw, op, k, mem_dim, sub_t, sub_perm, sub_ib, mask, mask_pos) -> Value:
        indices, in_bounds = self.row_indices(rw, op, mem_dim, k)
        sub_mask = None
        if mask is not None:
            sub_mask = mask if mask_pos is None else rw.create(ExtractOp, mask, [k]).result

        def read() -> Value:
            return rw.create(TransferReadOp, sub_t, op.base, indices, op.padding, sub_mask, sub_perm, sub_ib).vector

        if in_bounds is None:
            return read()
        guard = rw.create(scf.IfOp.build(in_bounds, [sub_t]))
        with rw.insertion_guard():
            rw.set_insertion_point_to_end(guard.then_block)
            rw.create(scf.YieldOp, [read()])
            else_block = guard.else_block
            assert else_block is not None
            rw.set_insertion_point_to_end(else_block)
            rw.create(scf.YieldOp, [rw.create(BroadcastOp, op.padding, result_types=[sub_t]).result])
        return guard.results[0]


class TransferWriteToSCF(_TransferPattern):
    """Peel the leading dimension of an n-D transfer_write."""

    root = TransferWriteOp

    def match_and_rewrite(self, op, rw) -> bool:
        vt = op.vector_type
        if not self.applies(op, vt):
            return False
        mem_dim, sub_t, sub_perm, sub_ib, mask_pos = _peel(op, vt)
        mask = _mask_front(rw, op.mask, mask_pos)
        self._dim_cache = {}
        if mem_dim is not None and not op.in_bounds_values[0]:
            self.dim_of(rw, op, mem_dim)
        if self.full_unroll:
            for k in range(vt.shape[0]):
                self.write_row(rw, op, k, mem_dim, sub_perm, sub_ib, mask, mask_pos)
        else:
            c0, n, c1 = _const_index(rw, 0), _const_index(rw, vt.shape[0]), _const_index(rw, 1)
            loop = rw.create(scf.ForOp.build(c0, n, c1))
            with rw.insertion_guard():
                rw.set_insertion_point(loop.body.last_op)
                self.write_row(rw, op, loop.induction_var, mem_dim, sub_perm, sub_ib, mask, mask_pos)
        rw.erase_op(op)
        return True

    def write_row(self, rw, op, k, mem_dim, sub_perm, sub_ib, mask, mask_pos) -> None:
        indices, in_bounds = self.row_indices(rw, op, mem_dim, k)
        if in_bounds is not None:
            guard = rw.create(scf.IfOp.build(in_bounds))
            rw.set_insertion_point(guard.then_block.last_op)
        row = rw.create(ExtractOp, op.value_to_store, [k]).result
        sub_mask = None
        if mask is not None:
            sub_mask = mask if mask_pos is None else rw.create(ExtractOp, mask, [k]).result
        rw.create(TransferWriteOp, row, op.base, indices, sub_mask, sub_perm, sub_ib)
        if in_bounds is not None:
            rw.set_insertion_point_after(guard)


@register_pass
class ConvertVectorToSCF(Pass):
    """Lower n-D vector transfers on memrefs to loops (or unrolled code) of lower-rank transfers; see the
    module docstring."""

    name = "convert-vector-to-scf"
    summary = "Lower the operations from the vector dialect into the SCF dialect"
    display_name = "ConvertVectorToSCF"
    options = [
        Option("full-unroll", bool, False, "Perform full unrolling when converting vector transfers to SCF"),
        Option("target-rank", int, 1, "Target vector rank to which transfer ops should be lowered"),
        Option("lower-tensors", bool, False, "Lower transfer ops that operate on tensors"),
        Option("lower-scalable", bool, False, "Add scalable vector specific lowerings (that introduce loops)"),
    ]

    def run_on_operation(self, op) -> None:
        if self.lower_tensors or self.lower_scalable:
            op.emit_error("convert-vector-to-scf: lower-tensors and lower-scalable are not supported")
            self.signal_failure()
            return
        patterns = [TransferReadToSCF(self.full_unroll, self.target_rank),
                    TransferWriteToSCF(self.full_unroll, self.target_rank)]
        apply_patterns_greedily(op, patterns, fold=False, cse_constants=False, region_simplify=False)
