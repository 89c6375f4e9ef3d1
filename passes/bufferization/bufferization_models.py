"""The bufferization dialect's own ops, and the to_tensor / to_buffer bridges the driver
puts between bufferized code and ops left on tensors."""

from __future__ import annotations

from mlir_py.ir.operation import Operation


def to_buffer(rw, v, memref_type, after=None):
    """`bufferization.to_buffer %v` placed right after the definition of `v`."""
    from mlir_py.dialects.bufferization import ToBufferOp
    op = ToBufferOp.create([v], [memref_type])
    _insert_after_def(op, v)
    return op.results[0]


def to_tensor(rw, b, tensor_type):
    """`bufferization.to_tensor %b` right after the definition of buffer `b`."""
    from mlir_py.dialects.bufferization import ToTensorOp
    op = ToTensorOp.create([b], [tensor_type])
    _insert_after_def(op, b)
    return op.results[0]


def _insert_after_def(op: Operation, v) -> None:
    from mlir_py.ir.operation import OpResult
    if isinstance(v, OpResult):
        v.op.parent.insert_after(v.op, op)
    else:
        v.block.prepend(op)
