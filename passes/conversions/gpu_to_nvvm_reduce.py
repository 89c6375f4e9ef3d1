"""`gpu.subgroup_reduce` and `gpu.all_reduce` as warp shuffles, shared memory and barriers
(the first step of convert-gpu-to-nvvm, at the gpu level; upstream's all-reduce lowering).

Subgroup (warp of 32) reduction: a butterfly of `gpu.shuffle xor` with
offsets 1, 2, 4, 8, 16 (or `cluster_stride` times powers of two below
`cluster_size`); after it every lane holds the result.

Workgroup reduction (`gpu.all_reduce`), for any block size up to 1024:

1. each warp reduces its lanes; the last warp may be partial, so each
   shuffle says whether its source lane exists and only those values count,
   which leaves the warp's result in lane 0, broadcast by `shuffle idx 0`;
2. every warp writes its result to `buffer[warp]`, a new workgroup
   attribution `memref<32xT, #gpu.address_space<workgroup>>` of the
   enclosing gpu.func (the lanes of a warp write the same value);
3. barrier; the first `num_warps` threads (all in warp 0) reduce the
   buffer the same way and write the total to `buffer[0]`;
4. barrier; every thread reads `buffer[0]`; a last barrier lets a later
   reduction (a loop) reuse the buffer.

Values are shuffled as 32-bit: f16/bf16 through f32, i1/i8/i16 through i32
(both exact); 64-bit values are not supported (error at the op).
"""

from __future__ import annotations

from typing import Callable

from mlir_py.dialects import arith, cf, memref
from mlir_py.dialects.gpu import WORKGROUP, BarrierOp, BlockDimOp, ShuffleOp, ThreadIdOp

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, MemRefType, i32
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.pattern import PatternRewriter

WARP = 32
F32 = FloatType("f32")
Combine = Callable[[PatternRewriter, Value, Value], Value]

_FLOAT_OPS = {"add": arith.AddFOp, "mul": arith.MulFOp, "minnumf": arith.MinNumFOp, "maxnumf": arith.MaxNumFOp,
              "minimumf": arith.MinimumFOp, "maximumf": arith.MaximumFOp}
_INT_OPS = {"add": arith.AddIOp, "mul": arith.MulIOp, "minsi": arith.MinSIOp, "minui": arith.MinUIOp,
            "maxsi": arith.MaxSIOp, "maxui": arith.MaxUIOp, "and": arith.AndIOp, "or": arith.OrIOp,
            "xor": arith.XOrIOp}


class ReductionError(Exception):
    """The reduction cannot be expanded: the message goes to the op."""


def _combiner(op: Operation, t: Attribute) -> Combine:
    """How two values of type `t` combine: the `op` attribute, or the op's region (cloned inline)."""
    kind = op.properties.get("op")
    if kind is not None:
        name = kind.case_names[0]
        table = _FLOAT_OPS if isinstance(t, FloatType) else _INT_OPS
        cls = table.get(name)
        if cls is None:
            raise ReductionError(f"reduction '{name}' does not apply to {t}")
        return lambda rw, a, b: rw.create(cls, a, b).results[0]
    region = op.regions[0] if op.regions else None
    if region is None or len(list(region.blocks)) != 1:
        raise ReductionError("the reduction region must be one block")
    body = region.first_block

    def combine(rw: PatternRewriter, a: Value, b: Value) -> Value:
        mapping: dict = {body.args[0]: a, body.args[1]: b}
        for inner in body.ops:
            if inner.name == "gpu.yield":
                return mapping.get(inner.operands[0], inner.operands[0])
            rw.clone(inner, mapping)
        raise ReductionError("the reduction region must end in gpu.yield")
    return combine


def _to_32(rw: PatternRewriter, v: Value) -> tuple[Value, Callable[[Value], Value]]:
    """`v` as an i32 or f32 for shuffling, and the way back to its type."""
    t = v.type
    if t in (i32, F32):
        return v, lambda r: r
    if isinstance(t, FloatType) and t.width < 32:
        return rw.create(arith.ExtFOp, v, result_types=[F32]).results[0], \
            lambda r: rw.create(arith.TruncFOp, r, result_types=[t]).results[0]
    if isinstance(t, IntegerType) and t.width < 32:
        return rw.create(arith.ExtUIOp, v, result_types=[i32]).results[0], \
            lambda r: rw.create(arith.TruncIOp, r, result_types=[t]).results[0]
    raise ReductionError(f"reductions of {t} are not supported (shuffles move 32-bit values)")


def _c32(rw: PatternRewriter, v: int) -> Value:
    return rw.create(arith.ConstantOp, IntegerAttr(v, i32)).results[0]


def _shuffle(rw: PatternRewriter, mode: str, v: Value, offset: Value, width: Value) -> tuple[Value, Value]:
    sh = rw.insert(ShuffleOp.build(mode, v, offset, width))
    return sh.results[0], sh.results[1]


def _warp_reduce(rw: PatternRewriter, v: Value, combine: Combine, combine_t: Callable[[Value], Value],
                 from_t: Callable[[Value], Value], width: Value, partial: bool) -> Value:
    """Butterfly over `width` lanes; with `partial`, only existing source lanes count (result in lane 0)."""
    off = 1
    while off < WARP:
        s, valid = _shuffle(rw, "xor", v, _c32(rw, off), width)
        r = combine_t(combine(rw, from_t(v), from_t(s)))
        v = rw.create(arith.SelectOp, valid, r, v).results[0] if partial else r
        off *= 2
    return v


def expand_subgroup_reduce(rw: PatternRewriter, op: Operation) -> None:
    rw.set_insertion_point(op)
    value = op.operands[0]
    combine = _combiner(op, value.type)
    v, back = _to_32(rw, value)
    to_32 = _to_32_fn(rw, value.type)
    size = op.properties.get("cluster_size")
    stride = op.properties.get("cluster_stride")
    n = size.value if size is not None else WARP
    step = stride.value if stride is not None else 1
    width = _c32(rw, WARP)
    off = 1
    while off < n:
        s, _ = _shuffle(rw, "xor", v, _c32(rw, off * step), width)
        v = to_32(combine(rw, back(v), back(s)))
        off *= 2
    rw.replace_op(op, [back(v)])


def _to_32_fn(rw: PatternRewriter, t: Attribute) -> Callable[[Value], Value]:
    if t in (i32, F32):
        return lambda v: v
    if isinstance(t, FloatType):
        return lambda v: rw.create(arith.ExtFOp, v, result_types=[F32]).results[0]
    return lambda v: rw.create(arith.ExtUIOp, v, result_types=[i32]).results[0]


def expand_all_reduce(rw: PatternRewriter, op: Operation) -> None:
    func = op.parent_op
    while func is not None and func.name != "gpu.func":
        func = func.parent_op
    if func is None:
        raise ReductionError("gpu.all_reduce must be inside a gpu.func (it needs workgroup memory)")
    if op.parent_op is not func:
        raise ReductionError("gpu.all_reduce inside a region of another op is not supported (it splits its block)")
    value = op.operands[0]
    combine = _combiner(op, value.type)
    rw.set_insertion_point(op)
    v, back = _to_32(rw, value)
    to_32 = _to_32_fn(rw, value.type)
    buffer_t = MemRefType([WARP], v.type, None, WORKGROUP)
    buffer = func.add_workgroup_attribution(buffer_t)  # type: ignore[attr-defined]

    def dim(cls: type, d: str) -> Value:
        idx = rw.insert(cls.build(d)).results[0]  # type: ignore[attr-defined]
        return rw.create(arith.IndexCastOp, idx, result_types=[i32]).results[0]

    tx, ty, tz = dim(ThreadIdOp, "x"), dim(ThreadIdOp, "y"), dim(ThreadIdOp, "z")
    bx, by, bz = dim(BlockDimOp, "x"), dim(BlockDimOp, "y"), dim(BlockDimOp, "z")

    def add(a, b):
        return rw.create(arith.AddIOp, a, b).results[0]

    def mul(a, b):
        return rw.create(arith.MulIOp, a, b).results[0]

    size = mul(mul(bx, by), bz)
    inv = add(tx, mul(bx, add(ty, mul(by, tz))))
    warp = rw.create(arith.ShRUIOp, inv, _c32(rw, 5)).results[0]
    left = rw.create(arith.SubIOp, size, rw.create(arith.ShLIOp, warp, _c32(rw, 5)).results[0]).results[0]
    active = rw.create(arith.MinUIOp, left, _c32(rw, WARP)).results[0]

    def reduce_and_broadcast(x: Value, width: Value) -> Value:
        r = _warp_reduce(rw, x, combine, to_32, back, width, partial=True)
        return _shuffle(rw, "idx", r, _c32(rw, 0), width)[0]

    def index(x: Value) -> Value:
        return rw.create(arith.IndexCastOp, x, result_types=[IndexType()]).results[0]

    partial_result = reduce_and_broadcast(v, active)
    rw.create(memref.StoreOp, partial_result, buffer, [index(warp)])
    rw.insert(BarrierOp.build())
    num_warps = rw.create(arith.ShRUIOp, add(size, _c32(rw, WARP - 1)), _c32(rw, 5)).results[0]
    first = rw.create(arith.CmpIOp, "ult", inv, num_warps).results[0]

    block = op.parent
    join = rw.split_block(block, op)
    second = rw.create_block(block.parent, [], before=join)
    rw.set_insertion_point_to_end(block)
    rw.create(cf.CondBranchOp, first, [], [], trueDest=second, falseDest=join)
    rw.set_insertion_point_to_end(second)
    w = rw.create(memref.LoadOp, buffer, [index(inv)]).results[0]
    rw.create(memref.StoreOp, reduce_and_broadcast(w, num_warps), buffer, [index(_c32(rw, 0))])
    rw.create(cf.BranchOp, [], dest=join)
    rw.set_insertion_point(op)
    rw.insert(BarrierOp.build())
    total = rw.create(memref.LoadOp, buffer, [index(_c32(rw, 0))]).results[0]
    rw.insert(BarrierOp.build())
    rw.replace_op(op, [back(total)])


def expand_reductions(module: Operation, keep_redux: bool = False) -> bool:
    """Expand every all_reduce and subgroup_reduce under `module` (errors at the ops it cannot); True if all
    were. With `keep_redux`, uniform i32 subgroup reductions stay for `nvvm.redux.sync`."""
    rw = PatternRewriter()
    ok = True
    for op in [o for o in module.walk() if o.name in ("gpu.all_reduce", "gpu.subgroup_reduce")]:
        if keep_redux and op.name == "gpu.subgroup_reduce" and op.operands[0].type == i32 and \
                "uniform" in op.properties and op.properties.get("cluster_size") is None:
            continue
        try:
            if op.name == "gpu.all_reduce":
                expand_all_reduce(rw, op)
            else:
                expand_subgroup_reduce(rw, op)
        except ReductionError as e:
            op.emit_error(str(e))
            ok = False
    return ok
