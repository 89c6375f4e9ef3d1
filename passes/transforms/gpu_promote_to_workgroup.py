"""`gpu-promote-to-workgroup`: stage a tile of a memref in workgroup
(shared) memory, so the threads of a block read it from there instead of
from global memory - what makes a tiled matmul fast.

The tiles to stage are the `memref.subview` ops inside a `gpu.launch` that
carry the unit attribute `promote_to_workgroup`. For each one the pass

1. adds a workgroup attribution to the launch, shaped like the tile: its
   static sizes, or for a dynamic size (an edge tile) the constant bounding
   it (`arith.minsi` / `affine.min` with a constant operand or result, as
   `convert-parallel-loops-to-gpu` derives launch sizes);
2. right after the subview, copies the tile into it with all threads of the
   block: thread `t` of `n` copies elements `t, t + n, ...` of the tile (in
   row-major order), writing zero where an edge tile is smaller than the
   buffer, between two `gpu.barrier`s (the first one, needed when the tile
   is staged again in a loop, keeps threads still reading the previous tile
   from seeing it overwritten);
3. makes the tile's reads (`memref.load`) read the workgroup buffer.

```mlir
%a = memref.subview %A[%row0, %k0] [16, 16] [1, 1] {promote_to_workgroup}
    : memref<64x64xf32> to memref<16x16xf32, strided<[64, 1], offset: ?>>
%x = memref.load %a[%ty, %k] : memref<16x16xf32, strided<[64, 1], offset: ?>>
```
becomes, with `%wg` a new `workgroup(%wg : memref<16x16xf32, #gpu.address_space<workgroup>>)`:
```mlir
gpu.barrier
scf.for %e = %tid to %c256 step %nthreads { ... copy element %e of %a to %wg ... }
gpu.barrier
%x = memref.load %wg[%ty, %k] : memref<16x16xf32, #gpu.address_space<workgroup>>
```

The staging must be done by every thread of the block alike, so the pass
checks that the tile's offsets and sizes are the same for all threads (they
do not depend on thread ids) and that the subview is not under an `scf.if`
or a loop whose bounds do not meet the same test; and that the tile is only
read (`memref.load`). A subview failing a check is an error.
"""

from __future__ import annotations

from mlir_py.dialects import arith, gpu, memref, scf
from mlir_py.dialects.affine import MinOp

from mlir_py.definition.traits import is_pure
from mlir_py.ir.affine_expr import AffineConstantExpr
from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, MemRefType, i64, index
from mlir_py.ir.operation import BlockArgument, Operation, OpResult, Value
from mlir_py.pass_manager import Pass, PassFailure, register_pass
from mlir_py.rewrite.folding import constant_value
from mlir_py.rewrite.pattern import PatternRewriter

#: the unit attribute marking a subview to stage in workgroup memory
PROMOTE_ATTR = "promote_to_workgroup"

#: the static workgroup memory a block may use on every CUDA GPU (more needs dynamic shared memory)
WORKGROUP_BYTES = 48 * 1024

#: positions of the thread ids among a gpu.launch body's arguments
_THREAD_IDS = (3, 4, 5)
_BLOCK_SIZES = (9, 10, 11)


def _const_int(v: Value) -> int | None:
    a = constant_value(v)
    return a.value if isinstance(a, IntegerAttr) else None


def static_bound(v: Value) -> int | None:
    """A constant bounding the size `v` from above: its value when constant, else a constant operand of
    `arith.minsi` / constant result of `affine.min` (the sizes tiling produces for edge tiles)."""
    c = _const_int(v)
    if c is not None:
        return c
    if isinstance(v, OpResult) and isinstance(v.op, arith.MinSIOp):
        bounds = [b for b in (static_bound(o) for o in v.op.operands) if b is not None]
        return min(bounds) if bounds else None
    if isinstance(v, OpResult) and isinstance(v.op, MinOp):
        consts = [r.value for r in v.op.map.value.results if isinstance(r, AffineConstantExpr)]
        return min(consts) if consts else None
    return None


class Uniformity:
    """Which values inside a `gpu.launch` are the same for every thread of a block: values from outside, the
    block ids and sizes, pure ops of uniform values, induction variables of loops with uniform bounds."""

    def __init__(self, launch: Operation):
        self.launch = launch
        self.memo: dict[Value, bool] = {}

    def __call__(self, v: Value) -> bool:
        known = self.memo.get(v)
        if known is None:
            self.memo[v] = False  # a cycle through iter_args is not uniform
            known = self.memo[v] = self._compute(v)
        return known

    def _compute(self, v: Value) -> bool:
        if isinstance(v, BlockArgument):
            owner = v.owner.parent_op
            if owner is None or not self.launch.is_ancestor(owner):
                return True
            if owner is self.launch:
                return v.index not in _THREAD_IDS
            if isinstance(owner, scf.ForOp) and v.index == 0:
                return self.uniform_loop(owner)
            return False
        assert isinstance(v, OpResult)
        op = v.op
        if not self.launch.is_ancestor(op):
            return True
        return not op.regions and is_pure(op) and all(self(o) for o in op.operands)

    def uniform_loop(self, loop: scf.ForOp) -> bool:
        return self(loop.lowerBound) and self(loop.upperBound) and self(loop.step)


def _bytes(shape: list[int], elt) -> int:
    n = 1
    for d in shape:
        n *= d
    width = 64 if isinstance(elt, IndexType) else elt.width
    return n * max(1, width // 8)


def _workgroup_bytes(launch: gpu.LaunchOp) -> int:
    """The static workgroup memory the launch's attributions take."""
    return sum(_bytes(list(a.type.shape), a.type.element_type) for a in launch.workgroup_attributions_values)


def _check(sv: memref.SubViewOp, launch: Operation, uniform: Uniformity) -> list[int]:
    """The workgroup buffer's shape; raises PassFailure naming what stops the promotion."""
    t = sv.result.type
    if not isinstance(t, MemRefType):
        raise PassFailure("expected a memref result")
    if not isinstance(t.element_type, (FloatType, IntegerType, IndexType)):
        raise PassFailure(f"cannot stage elements of type {t.element_type}")
    sizes = sv.mixed_sizes
    if len(sizes) != t.rank:
        raise PassFailure("rank-reducing subviews are not supported")
    shape = []
    for size in sizes:
        bound = size if isinstance(size, int) else static_bound(size)
        if bound is None or bound <= 0:
            raise PassFailure("tile size has no constant upper bound")
        shape.append(bound)
    for v in sv.operands:
        if not uniform(v):
            raise PassFailure("tile offsets and sizes must be the same for every thread of the block")
    op = sv.parent_op
    while op is not launch:
        if not isinstance(op, scf.ForOp) or not uniform.uniform_loop(op):
            raise PassFailure("the tile must be staged where every thread of the block runs "
                              f"(not inside '{op.name if op else '?'}')")
        op = op.parent_op
    if _workgroup_bytes(launch) + _bytes(shape, t.element_type) > WORKGROUP_BYTES:
        raise PassFailure(f"the launch's workgroup memory would exceed {WORKGROUP_BYTES} bytes")
    for use in sv.result.uses:
        if not isinstance(use.owner, memref.LoadOp):
            raise PassFailure(f"a promoted tile may only be read by memref.load, not by '{use.owner.name}'")
    return shape


def _add_workgroup_attribution(launch: gpu.LaunchOp, t: MemRefType, loc) -> Value:
    """A new workgroup buffer of type `t`: an entry block argument after the launch's existing ones."""
    n = launch.num_workgroup_attributions
    v = launch.entry_block.insert_argument(launch.num_config_args + n, t, loc)
    launch.properties["workgroup_attributions"] = IntegerAttr(n + 1, i64)
    return v


class _Prologue:
    """Values every copy of one launch needs, built once at the start of its body: the linear thread id
    (`tx + bx * (ty + by * tz)`), the number of threads of a block, and constants."""

    def __init__(self, launch: gpu.LaunchOp):
        self.rw = PatternRewriter()
        self.rw.set_insertion_point_to_start(launch.entry_block)
        args = launch.entry_block.args
        tx, ty, tz = (args[i] for i in _THREAD_IDS)
        bx, by, bz = (args[i] for i in _BLOCK_SIZES)
        self.tid = self._op(arith.AddIOp, tx, self._op(arith.MulIOp, bx, self._op(
            arith.AddIOp, ty, self._op(arith.MulIOp, by, tz))))
        self.nthreads = self._op(arith.MulIOp, self._op(arith.MulIOp, bx, by), bz)
        self.constants: dict = {}

    def _op(self, cls, *args) -> Value:
        return self.rw.create(cls, *args).result

    def index(self, value: int) -> Value:
        return self.constant(IntegerAttr(value, index))

    def zero(self, t) -> Value:
        if isinstance(t, FloatType):
            return self.constant(FloatAttr(0.0, t))
        return self.constant(IntegerAttr(0, t))

    def constant(self, attr) -> Value:
        found = self.constants.get(attr)
        if found is None:
            found = self.constants[attr] = self._op(arith.ConstantOp, attr)
        return found


def _after_barrier(op: Operation) -> bool:
    """Whether a `gpu.barrier` precedes `op` with only pure ops (no regions) in between."""
    prev = op.prev_op
    while prev is not None and not isinstance(prev, gpu.BarrierOp):
        if prev.regions or not is_pure(prev):
            return False
        prev = prev.prev_op
    return prev is not None


def promote_subview(sv: memref.SubViewOp, launch: gpu.LaunchOp, uniform: Uniformity, prologue: _Prologue) -> Value:
    """Stage the tile `sv` in a new workgroup attribution of `launch`; returns the attribution."""
    shape = _check(sv, launch, uniform)
    src_type = sv.result.type
    elt = src_type.element_type
    buf = _add_workgroup_attribution(launch, MemRefType(shape, elt, None, gpu.WORKGROUP), sv.location)
    rw = PatternRewriter()
    rw.set_insertion_point_after(sv)
    if sv.parent_op is not launch and not _after_barrier(sv):
        rw.create(gpu.BarrierOp)
    numel = 1
    for n in shape:
        numel *= n
    loop = rw.insert(scf.ForOp.build(prologue.tid, prologue.index(numel), prologue.nthreads))
    assert isinstance(loop, scf.ForOp)
    rw.set_insertion_point(loop.body.last_op)
    rest = loop.induction_var
    idx: list[Value] = []
    for n in reversed(shape[1:]):
        idx.append(rw.create(arith.RemUIOp, rest, prologue.index(n)).result)
        rest = rw.create(arith.DivUIOp, rest, prologue.index(n)).result
    idx.append(rest)
    idx.reverse()
    in_bounds = None
    for i, size in zip(idx, sv.mixed_sizes):
        if isinstance(size, int):
            continue
        ok = rw.create(arith.CmpIOp, "ult", i, size).result
        in_bounds = ok if in_bounds is None else rw.create(arith.AndIOp, in_bounds, ok).result
    if in_bounds is None:
        value = rw.create(memref.LoadOp, sv.result, idx).result
    else:
        guard = rw.insert(scf.IfOp.build(in_bounds, [elt]))
        assert isinstance(guard, scf.IfOp)
        rw.set_insertion_point_to_end(guard.then_block)
        rw.insert(scf.YieldOp.create([rw.create(memref.LoadOp, sv.result, idx).result]))
        rw.set_insertion_point_to_end(guard.else_block)
        rw.insert(scf.YieldOp.create([prologue.zero(elt)]))
        rw.set_insertion_point(loop.body.last_op)
        value = guard.results[0]
    rw.create(memref.StoreOp, value, buf, idx)
    rw.set_insertion_point_after(loop)
    rw.create(gpu.BarrierOp)
    copy_ops = set(loop.walk())
    for use in list(sv.result.uses):
        if use.owner not in copy_ops:
            use.set(buf)
    del sv.attributes[PROMOTE_ATTR]
    return buf


@register_pass
class GpuPromoteToWorkgroup(Pass):
    """Stage `memref.subview` tiles marked `promote_to_workgroup` in workgroup memory (see the module
    docstring)."""

    name = "gpu-promote-to-workgroup"
    summary = "Stage marked memref tiles of gpu.launch bodies in workgroup memory, between barriers"
    display_name = "GpuPromoteToWorkgroupPass"

    def run_on_operation(self, op: Operation) -> None:
        failed = False
        for launch in [o for o in op.walk() if isinstance(o, gpu.LaunchOp)]:
            tiles = [o for o in launch.walk(post_order=False)
                     if isinstance(o, memref.SubViewOp) and PROMOTE_ATTR in o.attributes]
            if not tiles:
                continue
            uniform = Uniformity(launch)
            prologue = _Prologue(launch)
            for sv in tiles:
                try:
                    promote_subview(sv, launch, uniform, prologue)
                except PassFailure as e:
                    sv.emit_error(f"cannot promote to workgroup memory: {e.message}")
                    failed = True
        if failed:
            self.signal_failure()
        for o in op.walk():
            if PROMOTE_ATTR not in o.attributes:
                continue
            if not isinstance(o, memref.SubViewOp):
                o.emit_error("cannot promote to workgroup memory: only memref.subview tiles are promoted")
                self.signal_failure()
            elif o.get_parent_of_type(gpu.LaunchOp) is None:
                o.emit_error("cannot promote to workgroup memory: the tile is not inside a gpu.launch")
                self.signal_failure()


__all__ = ["PROMOTE_ATTR", "WORKGROUP_BYTES", "GpuPromoteToWorkgroup", "Uniformity", "promote_subview", "static_bound"]
