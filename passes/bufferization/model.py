"""Bufferization models: what one-shot-bufferize needs to know about an op.

Upstream attaches a BufferizableOpInterface to each op; here a model is a
plain object registered under the op's name, kept with the pass (a dialect
never imports passes). The analysis asks a model, per tensor operand,
whether the op reads it, writes it, and which results may share its buffer
("alias" it); the rewrite asks the model to build the memref form of the op.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, RankedTensorType, TensorType

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation, Value

    from .driver import BufferizeContext

#: op name -> model; filled by the *_models modules of this package
MODELS: dict[str, BufferizationModel] = {}

#: the analysis running now (models that need analysis facts, like scf.for, read it)
CURRENT: list = [None]


def register(*names: str):
    """Class decorator: one instance of the model serves every op named."""
    def deco(cls):
        inst = cls()
        for n in names:
            MODELS[n] = inst
        return cls
    return deco


def model_of(op: Operation) -> BufferizationModel | None:
    m = MODELS.get(op.name)
    if m is None and hasattr(op, "get_indexing_maps") and hasattr(op, "outputs"):
        m = MODELS.get("<structured>")
    return m


def is_tensor(v: Value | Any) -> bool:
    return isinstance(getattr(v, "type", v), TensorType)


class BufferizationModel:
    """Defaults describe an op that reads its tensor operands and creates new
    tensors for its results (an op that aliases nothing)."""

    def reads(self, op: Operation, i: int) -> bool:
        """Whether the op reads the contents of tensor operand `i`."""
        return True

    def writes(self, op: Operation, i: int) -> bool:
        """Whether the op writes into the buffer of operand `i` (when in place)."""
        return False

    def aliases(self, op: Operation, i: int) -> list[int]:
        """Indices of the results that share the buffer of operand `i` when it is in place."""
        return []

    def equivalent(self, op: Operation, i: int) -> bool:
        """Whether the aliasing results are the very buffer of operand `i` (not a part of it)."""
        return True

    def extra_aliases(self, op: Operation, i: int) -> list:
        """Values other than the op's own results that share operand `i`'s buffer when it is in
        place (a loop's region argument, the parent's result for a yield)."""
        return []

    def must_be_inplace(self, op: Operation, i: int) -> bool:
        return False

    def result_sources(self, op: Operation, r: int) -> list | None:
        """Values whose contents result `r` holds at the end of the op (a loop's yielded value),
        for finding the definition a read sees; None: the in-place aliasing operands."""
        return None

    def arg_definition(self, op: Operation, arg: Value):
        """The write (op, operand index) that defines region argument `arg` of `op`, or None."""
        return None

    #: bufferize after the ops nested in the op (its result types come from its body)
    post_order = False

    def elementwise(self, op: Operation, i: int, j: int) -> bool:
        """True when operand `i` may live in operand `j`'s buffer although the op
        reads one and writes the other: each element is read before it is written."""
        return False

    def result_writable(self, op: Operation, r: int) -> bool:
        """Whether the buffer of result `r` may be written (constants may not)."""
        return True

    def undefined_result(self, op: Operation, r: int) -> bool:
        """Whether result `r` has undefined contents (no copy needed to duplicate it)."""
        return False

    def bufferize(self, op: Operation, ctx: BufferizeContext) -> list[Any]:
        """Build the memref form before `op`: per result, its buffer (tensor
        results) or the value that replaces it (other results)."""
        raise NotImplementedError


def identity_memref(t: RankedTensorType) -> MemRefType:
    return MemRefType(t.shape, t.element_type)


def fully_dynamic_memref(t: RankedTensorType) -> MemRefType:
    from mlir_py.ir.builtin_attributes import StridedLayoutAttr
    return MemRefType(t.shape, t.element_type, StridedLayoutAttr(tuple([DYNAMIC] * len(t.shape)), DYNAMIC))
