"""`gpu-codegen-matmul`: `linalg.matmul` on memrefs becomes a `gpu.launch` of
the tiled shared-memory matmul (examples/gpu/matmul_tiled.mir, but
accumulating into C as `linalg.matmul` does).

One block of T x T threads (`tile-size=T`, default 16) owns a T x T tile of
C; thread (tx, ty) owns `C[row0 + ty, col0 + tx]`, starts from its value and
adds the products of K in steps of T. The T x T tiles of A and B for a step
are `memref.subview`s marked `promote_to_workgroup`, so
`gpu-promote-to-workgroup` (run next) stages them in workgroup memory
between barriers and every element of A and B is read from global memory
once per block instead of T times. Edge tiles are `arith.minsi` sizes, so
any M, N, K work; threads outside C load, add and store nothing.

```
mir-opt f.mir --gpu-codegen-matmul --gpu-promote-to-workgroup --gpu-kernel-outlining
```

It takes `linalg.matmul` with the default indexing maps over rank-2
memrefs of one float element type; anything else (transposed operands,
mixed types, tensors) is left to `convert-linalg-to-parallel-loops`.
"""

from __future__ import annotations

from mlir_py.dialects import arith, gpu, memref, scf
from mlir_py.passes.transforms.gpu_promote_to_workgroup import PROMOTE_ATTR

from mlir_py.ir.affine_expr import AffineMap, dim
from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, MemRefType, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, PassFailure, Statistic, register_pass
from mlir_py.rewrite.pattern import PatternRewriter

_MATMUL_MAPS = [AffineMap(3, 0, (dim(0), dim(2))), AffineMap(3, 0, (dim(2), dim(1))),
                AffineMap(3, 0, (dim(0), dim(1)))]


def is_gpu_matmul(op: Operation) -> bool:
    """A `linalg.matmul` this pass takes: default maps, rank-2 memrefs of one float type."""
    if op.name != "linalg.matmul" or len(op.operands) != 3:
        return False
    types = [v.type for v in op.operands]
    if not all(isinstance(t, MemRefType) and t.rank == 2 for t in types):
        return False
    elt = types[0].element_type
    if not isinstance(elt, FloatType) or any(t.element_type != elt for t in types):
        return False
    return list(op.get_indexing_maps()) == _MATMUL_MAPS  # type: ignore[attr-defined]


class _Builder:
    """Creates ops at one insertion point; small helpers for the kernel's index arithmetic."""

    def __init__(self, rw: PatternRewriter):
        self.rw = rw

    def c(self, value: int) -> Value:
        return self.rw.create(arith.ConstantOp, IntegerAttr(value, index)).result

    def op(self, cls, *args, **kw) -> Value:
        return self.rw.create(cls, *args, **kw).result


def build_tiled_matmul(op: Operation, tile: int) -> Operation:
    """Replace the matmul `op` by its gpu.launch; returns the launch."""
    a, b, c = op.operands
    elt = c.type.element_type
    rw = PatternRewriter()
    rw.set_insertion_point(op)
    h = _Builder(rw)
    c0, c1, ct = h.c(0), h.c(1), h.c(tile)
    m = h.op(memref.DimOp, a, c0)
    k = h.op(memref.DimOp, a, c1)
    n = h.op(memref.DimOp, b, c1)
    gx = h.op(arith.CeilDivSIOp, n, ct)
    gy = h.op(arith.CeilDivSIOp, m, ct)
    launch = rw.insert(gpu.LaunchOp.build([gx, gy, c1], [ct, ct, c1], location=op.location))
    assert isinstance(launch, gpu.LaunchOp)
    body = launch.entry_block
    bx, by = launch.block_ids.x, launch.block_ids.y
    tx, ty = launch.thread_ids.x, launch.thread_ids.y
    rw.set_insertion_point_to_end(body)
    zero = h.op(arith.ConstantOp, FloatAttr(0.0, elt))
    row0 = h.op(arith.MulIOp, by, ct)
    col0 = h.op(arith.MulIOp, bx, ct)
    row = h.op(arith.AddIOp, row0, ty)
    col = h.op(arith.AddIOp, col0, tx)
    rows = h.op(arith.MinSIOp, h.op(arith.SubIOp, m, row0), ct)
    cols = h.op(arith.MinSIOp, h.op(arith.SubIOp, n, col0), ct)
    inside = h.op(arith.AndIOp, h.op(arith.CmpIOp, "slt", row, m), h.op(arith.CmpIOp, "slt", col, n))

    def guarded(then_fn, else_value: Value) -> Value:
        """`scf.if %inside -> T { then_fn() } else { else_value }` at the insertion point."""
        guard = rw.insert(scf.IfOp.build(inside, [elt]))
        assert isinstance(guard, scf.IfOp)
        after = rw.insertion_point
        rw.set_insertion_point_to_end(guard.then_block)
        rw.insert(scf.YieldOp.create([then_fn()]))
        rw.set_insertion_point_to_end(guard.else_block)
        rw.insert(scf.YieldOp.create([else_value]))
        rw.restore_insertion_point(after)
        return guard.results[0]

    init = guarded(lambda: h.op(memref.LoadOp, c, [row, col]), zero)
    steps = rw.insert(scf.ForOp.build(c0, k, ct, [init]))
    assert isinstance(steps, scf.ForOp)
    rw.set_insertion_point_to_start(steps.body)
    k0, acc = steps.induction_var, steps.region_iter_args[0]
    ks = h.op(arith.MinSIOp, h.op(arith.SubIOp, k, k0), ct)
    tiles = []
    for src, offsets, sizes in ((a, [row0, k0], [rows, ks]), (b, [k0, col0], [ks, cols])):
        sv = rw.insert(memref.SubViewOp.build_mixed(src, offsets, sizes, [1, 1]))
        sv.attributes[PROMOTE_ATTR] = UnitAttr()
        tiles.append(sv.result)

    def dot() -> Value:
        loop = rw.insert(scf.ForOp.build(c0, ks, c1, [acc]))
        assert isinstance(loop, scf.ForOp)
        rw.set_insertion_point_to_start(loop.body)
        kk, s = loop.induction_var, loop.region_iter_args[0]
        x = h.op(memref.LoadOp, tiles[0], [ty, kk])
        y = h.op(memref.LoadOp, tiles[1], [kk, tx])
        s2 = h.op(arith.AddFOp, s, h.op(arith.MulFOp, x, y))
        rw.insert(scf.YieldOp.create([s2]))
        rw.set_insertion_point_after(loop)
        return loop.results[0]

    rw.insert(scf.YieldOp.create([guarded(dot, acc)]))
    rw.set_insertion_point_after(steps)
    store = rw.insert(scf.IfOp.build(inside))
    assert isinstance(store, scf.IfOp)
    rw.set_insertion_point(store.then_block.last_op)
    rw.create(memref.StoreOp, steps.results[0], c, [row, col])
    rw.set_insertion_point_to_end(body)
    rw.insert(gpu.TerminatorOp.create())
    op.erase()
    return launch


@register_pass
class GpuCodegenMatmul(Pass):
    """Turn `linalg.matmul` on memrefs into tiled shared-memory GPU kernels (see the module docstring)."""

    name = "gpu-codegen-matmul"
    summary = "Matmul on memrefs to a gpu.launch of T x T threads with tiles marked for workgroup promotion"
    display_name = "GpuCodegenMatmulPass"
    options = [Option("tile-size", int, 16, "threads per block dimension and tile size (1 to 32)")]
    statistics = [Statistic("num-matmuls", "matmuls turned into GPU kernels")]

    def run_on_operation(self, op: Operation) -> None:
        if not 1 <= self.tile_size <= 32:
            raise PassFailure("'tile-size' must be between 1 and 32 (a block has at most 1024 threads)")
        for mm in [o for o in op.walk() if is_gpu_matmul(o)]:
            build_tiled_matmul(mm, self.tile_size)
            self.stats["num-matmuls"] += 1


__all__ = ["GpuCodegenMatmul", "build_tiled_matmul", "is_gpu_matmul"]
