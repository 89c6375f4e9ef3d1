"""Canonicalization patterns of the bufferization ops (upstream's BufferizationOps.cpp).

- `to_buffer(to_tensor(m))` whose types differ becomes `m` cast to the result
  type when the cast always succeeds at run time, else a fresh buffer and a
  copy (same types fold away in `ToBufferOp.fold`);
- `to_buffer(tensor.cast(t))` becomes `memref.cast(to_buffer(t))`;
- `memref.dim` / `memref.load` (`read_only` only) of a `to_buffer` read the
  tensor (`tensor.dim` / `tensor.extract`); `tensor.dim` of a `to_tensor`
  reads the buffer (`memref.dim`);
- `alloc_tensor` sizes that are constants move into the type (a
  `tensor.cast` restores the old type); `tensor.dim` of an `alloc_tensor`'s
  dynamic dimension is its size operand (or the `copy`'s `tensor.dim`);
- `bufferization.clone` without uses is erased; a clone whose source or
  result is freed in its own block (and nothing else is freed in between)
  is replaced by the source, and that `memref.dealloc` is erased.
"""

from __future__ import annotations

from mlir_py.dialects import tensor
from mlir_py.dialects.arith import ConstantOp
from mlir_py.dialects.bufferization.ops import AllocTensorOp, CloneOp, ToBufferOp, ToTensorOp
from mlir_py.dialects.memref import AllocOp, CastOp, CopyOp, DimOp, LoadOp
from mlir_py.dialects.memref.layout import strides_and_offset

from mlir_py.definition.traits import Free, ViewLikeOpInterface, get_memory_effects
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, RankedTensorType, UnrankedMemRefType, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.folding import constant_value
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def _guaranteed_cast_compatible(src: MemRefType, dst: MemRefType) -> bool:
    """A memref.cast from `src` to `dst` cannot fail at run time: no dynamic
    offset or stride becomes a static one."""
    a, b = strides_and_offset(src), strides_and_offset(dst)
    if a is None or b is None:
        return False

    def dyn_to_static(x: int, y: int) -> bool:
        return x == DYNAMIC and y != DYNAMIC
    return not dyn_to_static(a[1], b[1]) and not any(dyn_to_static(x, y) for x, y in zip(a[0], b[0]))


def cast_or_realloc(rw: PatternRewriter, value: Value, dest: MemRefType) -> Value | None:
    """`value` as a `dest` memref: a memref.cast where one always succeeds,
    else a new allocation of `dest` holding a copy (upstream's
    castOrReallocMemRefValue); None when element type or rank differ."""
    src = value.type
    if src.element_type is not dest.element_type or src.rank != dest.rank:
        return None
    if CastOp.are_cast_compatible([src], [dest]) and _guaranteed_cast_compatible(src, dest):
        return rw.create(CastOp, value, result_types=[dest]).results[0]
    sizes = []
    for i, n in enumerate(dest.shape):
        if n == DYNAMIC:
            c = rw.create(ConstantOp, value=IntegerAttr(i, index)).results[0]
            sizes.append(rw.create(DimOp, value, c).results[0])
    alloc = rw.create(AllocOp, sizes, [], result_types=[dest]).results[0]
    rw.create(CopyOp, value, alloc)
    return alloc


@pattern(ToBufferOp)
def to_buffer_to_tensor_folding(op: Operation, rw: PatternRewriter) -> bool:
    """`to_buffer(to_tensor(m))` -> `m` as the result type (cast or copy)."""
    src = op.tensor.owner
    if not isinstance(src, ToTensorOp):
        return False
    m, dest = src.buffer, op.buffer.type
    if m.type is dest:
        rw.replace_op(op, [m])
        return True
    if isinstance(m.type, MemRefType) and isinstance(dest, MemRefType):
        rw.set_insertion_point(op)
        new = cast_or_realloc(rw, m, dest)
        if new is None:
            return False
        rw.replace_op(op, [new])
        return True
    if isinstance(m.type, UnrankedMemRefType) and isinstance(dest, MemRefType):
        return False  # would need a copy of unknown rank
    rw.replace_op_with_new_op(op, CastOp, m, result_types=[dest])
    return True


@pattern(ToBufferOp)
def to_buffer_of_cast(op: Operation, rw: PatternRewriter) -> bool:
    """`to_buffer(tensor.cast(t))` -> `memref.cast(to_buffer(t))`: the buffer
    keeps the result's layout and memory space with `t`'s shape."""
    cast = op.tensor.owner
    if not isinstance(cast, tensor.CastOp) or not isinstance(cast.source.type, RankedTensorType):
        return False
    src, res = cast.source.type, op.buffer.type
    if isinstance(res, MemRefType):
        buf_t = MemRefType(src.shape, src.element_type, res.layout, res.memory_space)
    else:
        buf_t = MemRefType(src.shape, src.element_type, None, res.memory_space)
    rw.set_insertion_point(op)
    buf = rw.create(ToBufferOp, cast.source, read_only=op.read_only, result_types=[buf_t]).results[0]
    rw.replace_op_with_new_op(op, CastOp, buf, result_types=[res])
    return True


@pattern(DimOp)
def dim_of_to_buffer(op: Operation, rw: PatternRewriter) -> bool:
    """`memref.dim(to_buffer(t), i)` -> `tensor.dim(t, i)`."""
    src = op.source.owner
    if not isinstance(src, ToBufferOp):
        return False
    rw.replace_op_with_new_op(op, tensor.DimOp, src.tensor, op.index)
    return True


@pattern(LoadOp)
def load_of_to_buffer(op: Operation, rw: PatternRewriter) -> bool:
    """`memref.load(to_buffer(t) read_only)[i]` -> `tensor.extract t[i]`."""
    src = op.memref.owner
    if not isinstance(src, ToBufferOp) or src.read_only is None:
        return False
    rw.replace_op_with_new_op(op, tensor.ExtractOp, src.tensor, list(op.indices))
    return True


@pattern(tensor.DimOp)
def dim_of_to_tensor(op: Operation, rw: PatternRewriter) -> bool:
    """`tensor.dim(to_tensor(m), i)` -> `memref.dim(m, i)`."""
    src = op.source.owner
    if not isinstance(src, ToTensorOp):
        return False
    rw.replace_op_with_new_op(op, DimOp, src.buffer, op.index)
    return True


def _const_int(v: Value) -> int | None:
    a = constant_value(v)
    return a.value if isinstance(a, IntegerAttr) else None


@pattern(tensor.DimOp)
def dim_of_alloc_tensor(op: Operation, rw: PatternRewriter) -> bool:
    """`tensor.dim` of a dynamic dimension of an `alloc_tensor` is the size
    it was given (the `copy`'s size when it copies)."""
    alloc, i = op.source.owner, _const_int(op.index)
    if not isinstance(alloc, AllocTensorOp) or i is None:
        return False
    t = alloc.result.type
    if not 0 <= i < t.rank or not t.is_dynamic_dim(i):
        return False
    if alloc.copy is not None:
        rw.replace_op_with_new_op(op, tensor.DimOp, alloc.copy, op.index)
    else:
        rw.replace_op(op, [alloc.dynamic_sizes[sum(1 for d in t.shape[:i] if d == DYNAMIC)]])
    return True


@pattern(AllocTensorOp)
def alloc_tensor_static_sizes(op: Operation, rw: PatternRewriter) -> bool:
    """Constant sizes move into the type: `alloc_tensor(%a, %c5) : tensor<?x?xf32>`
    -> `tensor.cast (alloc_tensor(%a) : tensor<?x5xf32>)` (as upstream, the new
    op carries neither `memory_space` nor `size_hint`)."""
    if op.copy is not None:
        return False
    t = op.result.type
    shape, sizes, it = list(t.shape), [], iter(op.dynamic_sizes)
    for i, d in enumerate(t.shape):
        if d != DYNAMIC:
            continue
        v = next(it)
        c = _const_int(v)
        if c is None:
            sizes.append(v)
        else:
            shape[i] = c
    new_t = RankedTensorType(shape, t.element_type, t.encoding)
    if new_t is t:
        return False
    rw.set_insertion_point(op)
    new = rw.create(AllocTensorOp.build(new_t, sizes)).results[0]
    rw.replace_op_with_new_op(op, tensor.CastOp, new, result_types=[t])
    return True


def _has_free_of(user: Operation, value: Value) -> bool:
    effects = get_memory_effects(user) or []
    return any(isinstance(e, Free) and e.value is value for e in effects)


def _find_dealloc(value: Value) -> tuple[bool, Operation | None]:
    """(found at most one, that op or None): upstream's memref::findDealloc."""
    found = None
    for use in value.uses:
        if _has_free_of(use.owner, value):
            if found is not None:
                return False, None
            found = use.owner
    return True, found


@pattern(CloneOp)
def simplify_clones(op: Operation, rw: PatternRewriter) -> bool:
    """A clone whose source or result is freed in its block, with no other
    free in between, is its source: drop the clone and that free."""
    if not op.output.has_uses():
        rw.erase_op(op)
        return True
    source, out_t = op.input, op.output.type
    if source.type is not out_t and not CastOp.are_cast_compatible([source.type], [out_t]):
        return False
    canonical = source
    while isinstance(canonical.owner, Operation) and canonical.owner.has_trait(ViewLikeOpInterface):
        view = canonical.owner
        if len(view.results) != 1 or canonical is not view.results[0]:
            break
        canonical = view.get_view_source()
    ok, clone_dealloc = _find_dealloc(op.output)
    if not ok:
        return False
    ok, source_dealloc = _find_dealloc(canonical)
    if not ok:
        return False
    if clone_dealloc is not None and source_dealloc is not None and clone_dealloc.parent is source_dealloc.parent:
        return False
    block = op.parent
    if clone_dealloc is not None and clone_dealloc.parent is block:
        redundant = clone_dealloc
    elif source_dealloc is not None and source_dealloc.parent is block:
        redundant = source_dealloc
    else:
        return False
    pos = op.next_op
    while pos is not redundant:
        if pos is None:
            return False
        effects = get_memory_effects(pos)
        if effects is not None and any(isinstance(e, Free) for e in effects):
            return False
        pos = pos.next_op
    if source.type is not out_t:
        rw.set_insertion_point(op)
        source = rw.create(CastOp, source, result_types=[out_t]).results[0]
    rw.replace_op(op, [source])
    rw.erase_op(redundant)
    return True


TO_TENSOR_PATTERNS = [dim_of_to_tensor]
TO_BUFFER_PATTERNS = [to_buffer_of_cast, to_buffer_to_tensor_folding, dim_of_to_buffer, load_of_to_buffer]
CLONE_PATTERNS = [simplify_clones]
ALLOC_TENSOR_PATTERNS = [dim_of_alloc_tensor, alloc_tensor_static_sizes]

__all__ = ["ALLOC_TENSOR_PATTERNS", "CLONE_PATTERNS", "TO_BUFFER_PATTERNS", "TO_TENSOR_PATTERNS", "cast_or_realloc"]
