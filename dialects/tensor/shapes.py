"""Result shapes of tensor-producing ops as IR (upstream's
ReifyRankedShapedTypeOpInterface and tensor::getMixedSizes).

Passes that materialize buffers or loops need the size of every result
dimension: an `int` where the type is static, else an `index` Value built at
the builder's insertion point (`tensor.dim`, `arith.addi`/`arith.muli`,
`tensor.extract`). `b` is anything with `create(op_class, *args, **kw)`,
such as a `PatternRewriter` positioned before the op that needs the sizes.

```python
from mlir_py.dialects.tensor import get_mixed_sizes, reify_result_shapes
sizes = reify_result_shapes(rewriter, pad_op)[0]   # e.g. [6, <Value>]
dims = get_mixed_sizes(rewriter, some_tensor)        # ints and tensor.dim results
```
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects.tensor.gather_ops import GatherOp, ScatterOp
from mlir_py.dialects.tensor.ops import (
    BitcastOp,
    CastOp,
    DimOp,
    EmptyOp,
    ExtractOp,
    FromElementsOp,
    GenerateOp,
    SplatOp,
)
from mlir_py.dialects.tensor.reshape_ops import CollapseShapeOp, ConcatOp, ExpandShapeOp, ReshapeOp
from mlir_py.dialects.tensor.slice_ops import ExtractSliceOp, PadOp

from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, RankedTensorType, index
from mlir_py.ir.operation import OpResult, Value

MixedSize = Any  # int | Value


def const_index(b, value: int) -> Value:
    """An `arith.constant <value> : index`."""
    from mlir_py.dialects.arith import ConstantOp
    return b.create(ConstantOp, IntegerAttr(value, index)).results[0]


def get_mixed_size(b, value: Value, dim: int) -> MixedSize:
    """The size of dimension `dim` of ranked tensor `value`: the int when
    static, else a new `tensor.dim` (upstream's tensor::getMixedSize)."""
    d = value.type.shape[dim]
    if d != DYNAMIC:
        return d
    return b.create(DimOp, value, const_index(b, dim)).results[0]


def get_mixed_sizes(b, value: Value) -> list[MixedSize]:
    """Every dimension of ranked tensor `value` (tensor::getMixedSizes)."""
    return [get_mixed_size(b, value, i) for i in range(value.type.rank)]


def as_value(b, size: MixedSize) -> Value:
    """An `index` Value for a mixed size (a constant for an int)."""
    return const_index(b, size) if isinstance(size, int) else size


def add_sizes(b, *sizes: MixedSize) -> MixedSize:
    """The sum of mixed sizes: an int when all are, else `arith.addi`s."""
    from mlir_py.dialects.arith import AddIOp
    static = sum(s for s in sizes if isinstance(s, int))
    dynamic = [s for s in sizes if not isinstance(s, int)]
    if not dynamic:
        return static
    acc = dynamic[0]
    for v in dynamic[1:]:
        acc = b.create(AddIOp, acc, v).results[0]
    if static:
        acc = b.create(AddIOp, acc, const_index(b, static)).results[0]
    return acc


def mul_sizes(b, *sizes: MixedSize) -> MixedSize:
    """The product of mixed sizes: an int when all are, else `arith.muli`s."""
    from mlir_py.dialects.arith import MulIOp
    static = 1
    dynamic = []
    for s in sizes:
        if isinstance(s, int):
            static *= s
        else:
            dynamic.append(s)
    if not dynamic:
        return static
    acc = dynamic[0]
    for v in dynamic[1:]:
        acc = b.create(MulIOp, acc, v).results[0]
    if static != 1:
        acc = b.create(MulIOp, acc, const_index(b, static)).results[0]
    return acc


def _static_or(t: RankedTensorType, sizes: list[MixedSize]) -> list[MixedSize]:
    """Prefer the result type's static sizes over computed ones."""
    return [d if d != DYNAMIC else s for d, s in zip(t.shape, sizes)]


def _reify(b, op) -> list[MixedSize] | None:
    t = op.results[0].type
    if isinstance(op, (EmptyOp, SplatOp, GenerateOp)):
        it = iter(op.operands[1:] if isinstance(op, SplatOp) else op.operands)
        return [next(it) if d == DYNAMIC else d for d in t.shape]
    if isinstance(op, FromElementsOp):
        return list(t.shape)
    if isinstance(op, ExtractSliceOp):
        dropped = op.dropped_dims()
        return _static_or(t, [s for i, s in enumerate(op.mixed_sizes) if i not in dropped])
    if isinstance(op, ExpandShapeOp):
        return _static_or(t, op.mixed_output_shape)
    if isinstance(op, (CastOp, BitcastOp)):
        src = op.source
        if not isinstance(src.type, RankedTensorType):
            return None if DYNAMIC in t.shape else list(t.shape)
        return [d if d != DYNAMIC else get_mixed_size(b, src, i) for i, d in enumerate(t.shape)]
    if isinstance(op, CollapseShapeOp):
        out = []
        for d, group in zip(t.shape, op.reassociation_indices):
            out.append(d if d != DYNAMIC else mul_sizes(b, *[get_mixed_size(b, op.src, i) for i in group]))
        return out
    if isinstance(op, PadOp):
        out = []
        for i, (d, lo, hi) in enumerate(zip(t.shape, op.mixed_low, op.mixed_high)):
            out.append(d if d != DYNAMIC else add_sizes(b, get_mixed_size(b, op.source, i), lo, hi))
        return out
    if isinstance(op, ConcatOp):
        dim = op.dim.value
        out = []
        for i, d in enumerate(t.shape):
            if d != DYNAMIC:
                out.append(d)
            elif i == dim:
                out.append(add_sizes(b, *[get_mixed_size(b, v, i) for v in op.inputs]))
            else:
                known = next((v.type.shape[i] for v in op.inputs if v.type.shape[i] != DYNAMIC), None)
                out.append(known if known is not None else get_mixed_size(b, op.inputs[0], i))
        return out
    if isinstance(op, GatherOp):
        idx = op.indices
        batch = [get_mixed_size(b, idx, i) for i in range(idx.type.rank - 1)]
        dims = set(op.gather_dims.values)
        rest = []
        full = len(batch) + op.source.type.rank == t.rank
        for i in range(op.source.type.rank):
            if i in dims:
                if full:
                    rest.append(1)
                continue
            rest.append(get_mixed_size(b, op.source, i))
        return _static_or(t, batch + rest)
    if isinstance(op, ScatterOp):
        return _static_or(t, get_mixed_sizes(b, op.dest))
    if isinstance(op, ReshapeOp):
        from mlir_py.dialects.arith import IndexCastOp
        out = []
        for i, d in enumerate(t.shape):
            if d != DYNAMIC:
                out.append(d)
                continue
            v = b.create(ExtractOp, op.shape, [const_index(b, i)]).results[0]
            if v.type is not index:
                v = b.create(IndexCastOp, v, result_types=[index]).results[0]
            out.append(v)
        return out
    return None


def reify_result_shapes(b, op) -> list[list[MixedSize]] | None:
    """The sizes of each ranked-tensor result of `op` (ints and `index`
    Values), or None when they cannot be expressed. Destination-style ops
    (tensor.insert, tensor.insert_slice, linalg ops: any op
    with `get_dps_inits()`) have the shapes of their tensor inits."""
    results = [r for r in op.results if isinstance(r.type, RankedTensorType)]
    if not results:
        return []
    get_inits = getattr(op, "get_dps_inits", None)
    if get_inits is not None:
        inits = [v for v in get_inits() if isinstance(v.type, RankedTensorType)]
        if len(inits) == len(results):
            return [_static_or(r.type, get_mixed_sizes(b, v)) for r, v in zip(results, inits)]
    if len(results) == 1 and len(op.results) == 1:
        sizes = _reify(b, op)
        if sizes is not None:
            return [sizes]
    if all(DYNAMIC not in r.type.shape for r in results):
        return [list(r.type.shape) for r in results]
    return None


def reify_dim(b, value: Value, dim: int) -> MixedSize:
    """The size of one dimension of `value`, through its producer's
    reification when it has one (else `tensor.dim` of the value itself)."""
    t = value.type
    if t.shape[dim] != DYNAMIC:
        return t.shape[dim]
    if isinstance(value, OpResult):
        shapes = reify_result_shapes(b, value.op)
        if shapes:
            ranked = [r for r in value.op.results if isinstance(r.type, RankedTensorType)]
            if value in ranked:
                return shapes[ranked.index(value)][dim]
    return get_mixed_size(b, value, dim)
