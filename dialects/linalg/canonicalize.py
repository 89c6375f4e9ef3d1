"""Canonicalization patterns of linalg's structured ops (upstream's LinalgOps.cpp).

- `erase_identity_linalg_op` (EraseIdentityLinalgOp, on linalg.generic): all
  maps equal and a body that only yields block arguments: on tensors the
  results are the yielded operands (through a `tensor.cast` when only the
  static shape differs); on memrefs a copy of a buffer onto itself is erased;
- `erase_self_copy` (EraseSelfCopy): `linalg.copy` of a value onto itself;
- `fold_transpose_with_transpose`: transpose of a transpose is one transpose
  with the composed permutation;
- `fold_broadcasts`: broadcast of a broadcast is one broadcast;
- `fold_fill_with_tensor_extract`, `fold_fill_with_collapse/expand`
  (FoldFillWithTensorExtract, FoldFillWithTensorReshape): an element of a
  filled tensor is the fill value; a reshaped fill is a fill of the reshaped
  init;
- `fold_tensor_cast_producer` / `fold_tensor_cast_consumer` /
  `infer_static_shape_of_operands` (FoldTensorCastProducerOp,
  FoldTensorCastConsumerOp, InferStaticShapeOfOperands): structured ops read
  and write the most static tensor types the casts and the maps give, with
  `tensor.cast`s back to the old types for their users (when the tensor
  dialect is installed);
- `erase_dead_linalg_op` (EraseDeadLinalgOp, every structured op): an op with
  a memref operand of a static zero dimension does nothing.

The folds (transpose by the identity, broadcast by no dimension, linalg.index
of a loop of size 1) are the ops' `fold` hooks.
"""

from __future__ import annotations

from mlir_py.dialects.linalg.interface import LinalgStructuredInterface

from mlir_py.ir.affine_expr import AffineDimExpr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, RankedTensorType, TensorType
from mlir_py.ir.operation import BlockArgument, Operation, Region, Value
from mlir_py.rewrite.pattern import PatternRewriter, pattern


def _tensor_cast_class():
    """tensor.cast's op class when the tensor dialect is installed (linalg does not depend on it)."""
    try:
        from mlir_py.dialects import tensor
    except ImportError:
        return None
    return getattr(tensor, "CastOp", None)


def _cast_compatible(a, b) -> bool:
    """tensor.cast's areCastCompatible for ranked tensors: same element type and rank, dims equal or dynamic."""
    if not (isinstance(a, RankedTensorType) and isinstance(b, RankedTensorType)):
        return False
    if a.element_type is not b.element_type or len(a.shape) != len(b.shape):
        return False
    return all(x == y or DYNAMIC in (x, y) for x, y in zip(a.shape, b.shape))


@pattern("linalg.generic")
def erase_identity_linalg_op(op: Operation, rw: PatternRewriter) -> bool:
    """All maps equal, the body only yields block arguments: the op forwards its operands."""
    maps = op.get_indexing_maps()
    if any(m != maps[0] for m in maps):
        return False
    body = op.body
    if body.first_op is not body.last_op:
        return False
    y = op.get_yield()
    if y.name != "linalg.yield":
        return False
    if op.has_pure_buffer_semantics():
        ins, inits = op.get_dps_inputs(), op.get_dps_inits()
        if len(ins) != 1 or len(inits) != 1 or ins[0] is not inits[0]:
            return False
        v = y.operands[0] if y.operands else None
        if not isinstance(v, BlockArgument) or v.owner is not body:
            return False
        rw.erase_op(op)
        return True
    if not op.has_pure_tensor_semantics():
        return False
    replacements = []
    casts = []
    for v, res in zip(y.operands, op.results):
        if not isinstance(v, BlockArgument) or v.owner is not body:
            return False
        arg = op.operands[v.index]
        if arg.type is not res.type:
            if _tensor_cast_class() is None or not _cast_compatible(arg.type, res.type):
                return False
            casts.append((len(replacements), arg, res.type))
        replacements.append(arg)
    if len(replacements) != len(op.results):
        return False
    cast_cls = _tensor_cast_class()
    for i, arg, t in casts:
        rw.set_insertion_point(op)
        replacements[i] = rw.create(cast_cls.create([arg], [t])).results[0]
    rw.replace_op(op, replacements)
    return True


@pattern("linalg.copy")
def erase_self_copy(op: Operation, rw: PatternRewriter) -> bool:
    """`linalg.copy ins(%a) outs(%a)`: on tensors the result is %a, on memrefs nothing happens."""
    if list(op.inputs) != list(op.outputs):
        return False
    if op.has_pure_buffer_semantics():
        rw.erase_op(op)
    else:
        rw.replace_op(op, list(op.inputs))
    return True


@pattern("linalg.transpose")
def fold_transpose_with_transpose(op: Operation, rw: PatternRewriter) -> bool:
    """transpose(transpose(x, p1), p2) == transpose(x, [p1[p2[i]]])."""
    d = getattr(op.input, "owner", None)
    if not isinstance(d, Operation) or d.name != "linalg.transpose":
        return False
    p1, p2 = list(d.permutation.values), list(op.permutation.values)
    perm = [p1[p] for p in p2]
    new = type(op).build(d.input, op.init, perm, location=op.location)
    rw.set_insertion_point(op)
    rw.insert(new)
    rw.replace_op(op, list(new.results))
    return True


@pattern("linalg.broadcast")
def fold_broadcasts(op: Operation, rw: PatternRewriter) -> bool:
    """broadcast(broadcast(x, d1), d2): one broadcast adding d2 and d1 mapped through d2's kept dims."""
    d = getattr(op.input, "owner", None)
    if not isinstance(d, Operation) or d.name != "linalg.broadcast":
        return False
    dims = list(op.dimensions.values)
    rank = len(op.init.type.shape)
    kept = [i for i in range(rank) if i not in dims]
    folded = sorted(dims + [kept[x] for x in d.dimensions.values])
    new = type(op).build(d.input, op.init, folded, location=op.location)
    rw.set_insertion_point(op)
    rw.insert(new)
    rw.replace_op(op, list(new.results))
    return True


@pattern(trait=LinalgStructuredInterface)
def erase_dead_linalg_op(op: Operation, rw: PatternRewriter) -> bool:
    """A memref operand with a static 0 dimension means zero iterations (tensors of size 0 are only a
    convention upstream, so they are left)."""
    for v in op.operands:
        t = v.type
        if isinstance(t, MemRefType) and 0 in t.shape:
            if op.results:
                return False
            rw.erase_op(op)
            return True
    return False


def _fill_producer(v) -> Operation | None:
    d = getattr(v, "owner", None)
    return d if isinstance(d, Operation) and d.name == "linalg.fill" and d.results else None


@pattern("tensor.extract")
def fold_fill_with_tensor_extract(op: Operation, rw: PatternRewriter) -> bool:
    """An element of a filled tensor is the fill value (FoldFillWithTensorExtract)."""
    fill = _fill_producer(op.operands[0])
    if fill is None:
        return False
    rw.replace_op(op, [fill.inputs[0]])
    return True


def _fold_fill_with_reshape(op: Operation, rw: PatternRewriter) -> bool:
    """reshape(fill(v, init)) == fill(v, reshape(init)) (FoldFillWithTensorReshape)."""
    fill = _fill_producer(op.operands[0])
    if fill is None:
        return False
    rw.set_insertion_point(op)
    new_init = rw.insert(op.clone({op.operands[0]: fill.outputs[0]}))
    new_fill = type(fill).build([fill.inputs[0]], [new_init.results[0]], location=fill.location)
    rw.insert(new_fill)
    rw.replace_op(op, list(new_fill.results))
    return True


fold_fill_with_collapse = pattern("tensor.collapse_shape")(_fold_fill_with_reshape)
fold_fill_with_expand = pattern("tensor.expand_shape")(_fold_fill_with_reshape)

# -- tensor.cast ----------------------------------------------------------------------------


def _preserves_static_information(source, target) -> bool:
    """`target` keeps every static size of `source` (upstream's preservesStaticInformation)."""
    if not (isinstance(source, RankedTensorType) and isinstance(target, RankedTensorType)):
        return False
    if source.element_type is not target.element_type or len(source.shape) != len(target.shape):
        return False
    return all(s == DYNAMIC or s == t for s, t in zip(source.shape, target.shape))


def _cast_source(v) -> Value | None:
    """The source of a `tensor.cast` defining `v` that only loses static information (so the consumer may
    read the source instead: upstream's canFoldIntoConsumerOp)."""
    d = getattr(v, "owner", None)
    if not isinstance(d, Operation) or d.name != "tensor.cast":
        return None
    src = d.operands[0]
    return src if _preserves_static_information(v.type, src.type) else None


def _clone_with(op: Operation, operands: list, result_types: list, rw: PatternRewriter) -> Operation:
    """`op` with new operands and result types, its regions copied (upstream's linalg `clone`)."""
    new = type(op).create(operands, result_types, dict(op.properties), dict(op.attributes),
                          [Region() for _ in op.regions], (), op.location)
    for r, nr in zip(op.regions, new.regions):
        r.clone_into(nr, {})
    rw.insert(new)
    return new


def _cast(rw: PatternRewriter, v: Value, t) -> Value:
    return rw.create(_tensor_cast_class().create([v], [t])).results[0]


def _replace_casting_back(op: Operation, new: Operation, rw: PatternRewriter) -> None:
    repl = []
    for old, nr in zip(op.results, new.results):
        repl.append(nr if nr.type is old.type else _cast(rw, nr, old.type))
    rw.replace_op(op, repl)


@pattern(trait=LinalgStructuredInterface)
def fold_tensor_cast_producer(op: Operation, rw: PatternRewriter) -> bool:
    """Operands that are `tensor.cast`s losing static sizes are replaced by the casts' sources; results whose
    type changes are cast back (FoldTensorCastProducerOp)."""
    if _tensor_cast_class() is None or not any(_cast_source(v) is not None for v in op.operands):
        return False
    inits = set(id(o) for o in op.get_dps_init_operands())
    operands, rtypes = [], []
    for o in op.op_operands:
        src = _cast_source(o.value)
        v = src if src is not None else o.value
        operands.append(v)
        if id(o) in inits and isinstance(v.type, TensorType):
            rtypes.append(v.type)
    rw.set_insertion_point(op)
    new = _clone_with(op, operands, rtypes, rw)
    _replace_casting_back(op, new, rw)
    return True


@pattern("tensor.cast")
def fold_tensor_cast_consumer(op: Operation, rw: PatternRewriter) -> bool:
    """A `tensor.cast` to a more static type of a structured op's result: the op computes the static type
    from a cast of its init (FoldTensorCastConsumerOp)."""
    src = op.operands[0]
    lop = getattr(src, "owner", None)
    if not isinstance(lop, Operation) or not lop.has_trait(LinalgStructuredInterface):
        return False
    if not _preserves_static_information(src.type, op.results[0].type) or op.parent is not lop.parent:
        return False
    k = lop.results.index(src)
    rtype = op.results[0].type
    rw.set_insertion_point(lop)
    init = lop.get_tied_init(src)
    new_init = _cast(rw, init.value, rtype)
    operands = list(lop.operands)
    operands[init.index] = new_init
    rtypes = [r.type for r in lop.results]
    rtypes[k] = rtype
    new = _clone_with(lop, operands, rtypes, rw)
    back = _cast(rw, new.results[k], src.type)
    results = list(new.results)
    results[k] = back
    rw.replace_op(lop, results)
    rw.replace_op(op, [new.results[k]])
    return True


@pattern(trait=LinalgStructuredInterface)
def infer_static_shape_of_operands(op: Operation, rw: PatternRewriter) -> bool:
    """Dynamic sizes that other operands give statically through the maps are cast to static; results
    are cast back (InferStaticShapeOfOperands)."""
    if _tensor_cast_class() is None or not op.has_pure_tensor_semantics():
        return False
    maps = op.get_indexing_maps()
    if any(not m.is_projected_permutation() for m in maps):
        return False
    operands = op.get_structured_operands()
    sizes: dict[int, int] = {}
    for o, m in zip(operands, maps):
        t = o.value.type
        if not isinstance(t, RankedTensorType):
            continue
        shape = t.shape
        src = _cast_static_source(o.value)
        if src is not None:
            shape = src.type.shape
        for i, e in enumerate(m.results):
            if shape[i] != DYNAMIC and isinstance(e, AffineDimExpr):
                sizes.setdefault(e.position, shape[i])
    inits = set(id(o) for o in op.get_dps_init_operands())
    new_operands = list(op.operands)
    rtypes = []
    changed = False
    rw.set_insertion_point(op)
    for o, m in zip(operands, maps):
        t = o.value.type
        if not isinstance(t, RankedTensorType):
            continue
        if all(d != DYNAMIC for d in t.shape) and id(o) in inits:
            rtypes.append(t)
            continue
        shape = list(t.shape)
        need = False
        for i, e in enumerate(m.results):
            if shape[i] == DYNAMIC and isinstance(e, AffineDimExpr) and e.position in sizes:
                shape[i] = sizes[e.position]
                need = True
        nt = RankedTensorType(tuple(shape), t.element_type, t.encoding) if need else t
        if need:
            changed = True
            new_operands[o.index] = _cast(rw, o.value, nt)
        if id(o) in inits:
            rtypes.append(nt)
    if not changed:
        return False
    new = _clone_with(op, new_operands, rtypes, rw)
    _replace_casting_back(op, new, rw)
    return True


def _cast_static_source(v) -> Value | None:
    d = getattr(v, "owner", None)
    if isinstance(d, Operation) and d.name == "tensor.cast":
        t = d.operands[0].type
        if isinstance(t, RankedTensorType) and all(x != DYNAMIC for x in t.shape):
            return d.operands[0]
    return None


GENERIC_PATTERNS = [erase_identity_linalg_op]
FILL_PATTERNS = [fold_fill_with_tensor_extract, fold_fill_with_collapse, fold_fill_with_expand]
COPY_PATTERNS = [erase_self_copy]
TRANSPOSE_PATTERNS = [fold_transpose_with_transpose]
BROADCAST_PATTERNS = [fold_broadcasts]
DIALECT_PATTERNS = [erase_dead_linalg_op, fold_tensor_cast_consumer, fold_tensor_cast_producer,
                    infer_static_shape_of_operands]

__all__ = ["BROADCAST_PATTERNS", "COPY_PATTERNS", "DIALECT_PATTERNS", "FILL_PATTERNS", "GENERIC_PATTERNS",
           "TRANSPOSE_PATTERNS"]
