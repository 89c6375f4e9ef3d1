"""What every family of graph-op lowerings shares: building the linalg/tensor ops in destination-passing
style, numpy broadcasting as indexing maps, reductions, and reading attributes and constants.

`Emitter` wraps the conversion rewriter: each method inserts one op before
the graph op being lowered and returns its result, so a lowering reads as
the computation (`e.generic([x, y], e.empty(shape, et), maps, iters, body)`).

Broadcasting never copies: an operand of lower rank loses the leading loop
dimensions from its map, and a size-1 dimension broadcast against a larger
one is read at the constant index 0 (`(d0, d1) -> (0, d1)`), so the loop
nest reads the same element again, as numpy's strides of 0 do.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from mlir_py.dialects import arith, tensor
from mlir_py.dialects.linalg import FillOp, GenericOp
from mlir_py.passes.conversions.graph_to_linalg.scalar import scalar_attr

from mlir_py.ir.affine_expr import AffineExpr, AffineMap, constant, dim
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import (
    DenseArrayAttr,
    DenseElementsAttr,
    DenseResourceElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    numpy_dtype,
)
from mlir_py.ir.builtin_types import RankedTensorType
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.pattern import PatternRewriter
from mlir_py.text.resources import resources_of

PARALLEL, REDUCTION = "parallel", "reduction"

#: a body callback: (BodyBuilder, *block arguments) -> the values to yield
Body = Callable[..., Any]


def shape_of(v: Value) -> tuple[int, ...]:
    return tuple(v.type.shape)  # type: ignore[attr-defined]


def elt(v: Value) -> Attribute:
    return v.type.element_type  # type: ignore[attr-defined]


def tensor_type(shape: Sequence[int], et: Attribute) -> RankedTensorType:
    return RankedTensorType(list(shape), et)


def identity(rank: int) -> AffineMap:
    return AffineMap(rank, 0, [dim(i) for i in range(rank)])


def amap(num_dims: int, results: Sequence[AffineExpr | int]) -> AffineMap:
    return AffineMap(num_dims, 0, [constant(r) if isinstance(r, int) else r for r in results])


def broadcast_map(shape: Sequence[int], loops: Sequence[int]) -> AffineMap:
    """The map reading an operand of `shape` inside the loop nest `loops` (numpy broadcasting, trailing
    dimensions aligned): missing leading dimensions are dropped, broadcast size-1 dimensions read index 0."""
    r, k = len(loops), len(shape)
    results: list[AffineExpr | int] = []
    for i, s in enumerate(shape):
        j = r - k + i
        results.append(0 if s == 1 and loops[j] != 1 else dim(j))
    return amap(r, results)


def normalize_axis(axis: int, rank: int) -> int:
    return axis + rank if axis < 0 else axis


# ---------------------------------------------------------------------------------------------------------
# Attributes and constants
# ---------------------------------------------------------------------------------------------------------


def attr(op: Operation, name: str) -> Any:
    """A property as a Python value (int, float, bool, str, tuple of ints), its declared default when absent."""
    a = op.properties.get(name)
    if a is None:
        a = op.attributes.get(name)
    if a is None:
        d = type(op).definition.props.get(name)  # type: ignore[attr-defined]
        a = d.default if d is not None else None
    if isinstance(a, DenseArrayAttr):
        return tuple(a.values)
    if isinstance(a, IntegerAttr):
        return bool(a.value) if getattr(a.type, "width", 0) == 1 else int(a.value)
    if isinstance(a, FloatAttr):
        return float(a.value)
    if isinstance(a, StringAttr):
        return a.value
    return a


def resource_array(attr_: DenseResourceElementsAttr, op: Operation) -> np.ndarray | None:
    """The elements of a `dense_resource` blob, read from the resource section of `op`'s module: MLIR's
    hex string, 4 bytes of alignment, then the little-endian elements in row-major order."""
    top = op
    while top.parent_op is not None:
        top = top.parent_op
    section = resources_of(top)
    if section is None:
        return None
    blob = section.dialect.get("builtin", {}).get(attr_.handle)
    if not isinstance(blob, str):
        return None
    text = blob.strip().strip('"')
    if not text.startswith("0x"):
        return None
    raw = bytes.fromhex(text[2:])[4:]
    t = attr_.type
    dt = numpy_dtype(t.element_type)
    if len(raw) != dt.itemsize * int(np.prod(t.shape, dtype=np.int64)):
        return None
    return np.frombuffer(raw, dt.newbyteorder("<")).astype(dt).reshape(t.shape)


def constant_array(v: Value) -> np.ndarray | None:
    """The elements of `v` when a graph.constant or arith.constant defines it, else None."""
    op = v.owner
    if not isinstance(op, Operation) or op.name not in ("graph.constant", "arith.constant"):
        return None
    a = op.properties.get("value")
    if isinstance(a, DenseElementsAttr):
        return np.asarray(a.array)
    if isinstance(a, DenseResourceElementsAttr):
        return resource_array(a, op)
    return None


# ---------------------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------------------


class Emitter:
    """Inserts linalg/tensor/arith ops before the op being lowered (see the module docstring)."""

    def __init__(self, rw: PatternRewriter):
        self.rw = rw

    def insert(self, op: Operation) -> Operation:
        self.rw.insert(op)
        return op

    def scalar(self, value: float | int, et: Attribute) -> Value:
        return self.insert(arith.ConstantOp(scalar_attr(value, et))).results[0]

    def dense(self, array: np.ndarray, et: Attribute) -> Value:
        """An `arith.constant dense<...>` tensor of `array`'s values."""
        t = tensor_type(array.shape, et)
        return self.insert(arith.ConstantOp(DenseElementsAttr(array, t))).results[0]

    def empty(self, shape: Sequence[int], et: Attribute) -> Value:
        return self.insert(tensor.EmptyOp(result_types=[tensor_type(shape, et)])).results[0]

    def fill(self, value: float | int, dest: Value) -> Value:
        return self.insert(FillOp.build([self.scalar(value, elt(dest))], [dest])).results[0]

    def full(self, shape: Sequence[int], et: Attribute, value: float | int) -> Value:
        """A tensor of `shape` filled with `value` (the init of a reduction)."""
        return self.fill(value, self.empty(shape, et))

    def generic(self, inputs: Sequence[Value], outputs: Value | Sequence[Value], maps: Sequence[AffineMap],
                iterators: Sequence[str], body: Body) -> Any:
        """A linalg.generic; one output gives its result, several a list."""
        outs = [outputs] if isinstance(outputs, Value) else list(outputs)
        op = self.insert(GenericOp.build(list(inputs), outs, list(maps), list(iterators), body))
        return op.results[0] if isinstance(outputs, Value) else list(op.results)

    def map(self, inputs: Sequence[Value], shape: Sequence[int], et: Attribute, body: Body) -> Value:
        """An elementwise generic over `shape` whose inputs broadcast to it (numpy rules)."""
        maps = [broadcast_map(shape_of(v), shape) for v in inputs] + [identity(len(shape))]
        return self.generic(inputs, self.empty(shape, et), maps, [PARALLEL] * len(shape), body)

    def reduce(self, x: Value, axes: Sequence[int], init: float | int, body: Body,
               extra: Sequence[Value] = (), init_type: Attribute | None = None) -> Value:
        """Reduce `x` over `axes` into a tensor without those dimensions, starting from `init`:
        `body(b, x_elem, *extra_elems, acc)`; each `extra` operand has the shape of the result (read
        through the reduced map) or of `x`. The result has x's element type unless `init_type` says."""
        shape = shape_of(x)
        r = len(shape)
        kept = [i for i in range(r) if i not in axes]
        out_map = amap(r, [dim(i) for i in kept])
        maps = [identity(r)]
        for v in extra:
            maps.append(identity(r) if shape_of(v) == shape else out_map)
        maps.append(out_map)
        out = self.full([shape[i] for i in kept], init_type or elt(x), init)
        iters = [REDUCTION if i in axes else PARALLEL for i in range(r)]
        return self.generic([x, *extra], out, maps, iters, body)

    # -- tensor reshapes -----------------------------------------------------------------------------

    def collapse(self, v: Value, groups: Sequence[Sequence[int]]) -> Value:
        return self.insert(tensor.CollapseShapeOp.build(v, [list(g) for g in groups])).results[0]

    def expand(self, v: Value, groups: Sequence[Sequence[int]], shape: Sequence[int]) -> Value:
        return self.insert(tensor.ExpandShapeOp.build_mixed(v, [list(g) for g in groups], list(shape))).results[0]

    def pad(self, v: Value, low: Sequence[int], high: Sequence[int], value: float | int) -> Value:
        """`v` surrounded by `low`/`high` elements of `value` (nothing when all are 0): a filled
        `tensor.empty` of the padded shape with `v` inserted at offset `low`. This is what `tensor.pad`
        bufferizes to (an alloc, a fill, a copy into a subview), spelled with ops that every later pass
        (bufferization, fusion, loops) handles."""
        if not any(low) and not any(high):
            return v
        src = shape_of(v)
        shape = [s + lo + hi for s, lo, hi in zip(src, low, high)]
        dest = self.full(shape, elt(v), value)
        op = tensor.InsertSliceOp.build_mixed(v, dest, list(low), list(src), [1] * len(src))
        return self.insert(op).results[0]


__all__ = ["PARALLEL", "REDUCTION", "Emitter", "amap", "attr", "broadcast_map", "constant_array", "elt",
           "identity", "normalize_axis", "shape_of", "tensor_type"]
