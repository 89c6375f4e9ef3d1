"""The bufferization dialect's own ops, and the to_tensor / to_buffer bridges the driver
puts between bufferized code and ops left on tensors."""

from __future__ import annotations

from mlir_py.ir.operation import Operation

from .model import BufferizationModel, is_tensor, register


def to_buffer(rw, v, memref_type):
    """`bufferization.to_buffer %v` placed right after the definition of `v`."""
    from mlir_py.dialects.bufferization import ToBufferOp
    op = ToBufferOp.create([v], [memref_type])
    _insert_after_def(op, v)
    return op.results[0]


def to_tensor(rw, b, tensor_type, before=None):
    """`bufferization.to_tensor %b` before `before` (else right after the definition of `b`)."""
    from mlir_py.dialects.bufferization import ToTensorOp
    op = ToTensorOp.create([b], [tensor_type])
    if before is not None:
        before.parent.insert_before(before, op)
    else:
        _insert_after_def(op, b)
    return op.results[0]


def _insert_after_def(op: Operation, v) -> None:
    from mlir_py.ir.operation import OpResult
    if isinstance(v, OpResult):
        v.op.parent.insert_after(v.op, op)
    else:
        v.block.prepend(op)


@register("bufferization.to_tensor")
class ToTensorModel(BufferizationModel):
    """The tensor view of an existing buffer: writable only when marked `writable`."""

    def result_writable(self, op, r):
        return op.properties.get("writable") is not None

    def bufferize(self, op, ctx):
        return [op.operands[0]]


@register("bufferization.to_buffer")
class ToBufferModel(BufferizationModel):
    """Replaced by the buffer of its tensor (cast to the requested type when it differs)."""

    def bufferize(self, op, ctx):
        b = ctx.buffer(op.operands[0])
        t = op.results[0].type
        if b.type is not t:
            b = ctx.cast_to(b, t)
        return [b]


@register("bufferization.alloc_tensor")
class AllocTensorModel(BufferizationModel):
    def reads(self, op, i):
        return op.copy is not None and op.operands[i] is op.copy

    def undefined_result(self, op, r):
        return op.copy is None

    def bufferize(self, op, ctx):
        if not any(ctx.analysis.is_inplace(u.owner, u.index) or id(u.owner) not in ctx.handled
                   for u in op.results[0].uses):
            return [None]
        b = ctx.alloc(op.results[0].type, sizes=list(op.dynamic_sizes))
        if op.copy is not None:
            ctx.copy(ctx.buffer(op.copy), b)
        return [b]


@register("bufferization.materialize_in_destination")
class MaterializeModel(BufferizationModel):
    """Copies `source` into `dest`: into its buffer (tensor dest, in place) or into the memref."""

    def reads(self, op, i):
        return i == 0

    def writes(self, op, i):
        return i == 1

    def aliases(self, op, i):
        return [0] if i == 1 and op.results else []

    def bufferize(self, op, ctx):
        src = ctx.buffer(op.operands[0])
        if is_tensor(op.operands[1]):
            dest = ctx.operand(op, 1)
            ctx.copy(src, dest)
            return [dest]
        ctx.copy(src, op.operands[1])
        return []


@register("bufferization.dealloc_tensor")
class DeallocTensorModel(BufferizationModel):
    def reads(self, op, i):
        return False

    def bufferize(self, op, ctx):
        from mlir_py.dialects import memref
        ctx.rw.create(memref.DeallocOp, ctx.buffer(op.operands[0]))
        return []
