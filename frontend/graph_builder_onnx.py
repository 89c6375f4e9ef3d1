"""GraphBuilder's methods for the graph ops the ONNX importer brought (comparisons and logic, where, cast,
gather, slice, pad, tile, expand, resize, argmax/argmin, reduce_prod, the extra activations,
conv_transpose2d, global_max_pool, instance_norm, lrn), kept apart from graph_builder.py to keep that file
one sitting long. Same conventions: Tensors in (numpy arrays and numbers where an operand can be a
constant), Python attribute values, a Tensor out, GraphTypeError at the call that does not fit.

Python keywords cannot be method names: graph.not/and/or/xor are `logical_not`, `logical_and`,
`logical_or`, `logical_xor`, as numpy spells them.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from mlir_py.dialects import graph
from mlir_py.dialects.graph import GraphTypeError
from mlir_py.frontend.weights import ELEMENT_TYPES, dtype_name

from mlir_py.ir.builtin_attributes import BoolAttr, DenseArrayAttr, FloatAttr, IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import RankedTensorType, f32, i64


def _i64s(values: Sequence[int]) -> DenseArrayAttr:
    return DenseArrayAttr(i64, tuple(int(v) for v in values))


def _ints(v: int | Sequence[int], n: int, what: str, op: str) -> tuple[int, ...]:
    t = (int(v),) * n if isinstance(v, (int, np.integer)) else tuple(int(x) for x in v)
    if len(t) != n:
        raise GraphTypeError(f"{op}: {what} takes one int or {n}, got {v!r}")
    return t


class OnnxOpsMixin:
    """The methods; GraphBuilder supplies `_op`, `_tensor`, `_binary`, `_operand_pair` and `_reduce`."""

    _op: Any
    _tensor: Any
    _binary: Any
    _reduce: Any

    # -- comparisons, logic, where, cast ------------------------------------------

    def equal(self, lhs: Any, rhs: Any) -> Any:
        """lhs == rhs as an i1 tensor, numpy broadcasting."""
        return self._binary(graph.EqualOp, lhs, rhs)

    def less(self, lhs: Any, rhs: Any) -> Any:
        """lhs < rhs as an i1 tensor."""
        return self._binary(graph.LessOp, lhs, rhs)

    def less_equal(self, lhs: Any, rhs: Any) -> Any:
        """lhs <= rhs as an i1 tensor."""
        return self._binary(graph.LessEqualOp, lhs, rhs)

    def greater(self, lhs: Any, rhs: Any) -> Any:
        """lhs > rhs as an i1 tensor."""
        return self._binary(graph.GreaterOp, lhs, rhs)

    def greater_equal(self, lhs: Any, rhs: Any) -> Any:
        """lhs >= rhs as an i1 tensor."""
        return self._binary(graph.GreaterEqualOp, lhs, rhs)

    def logical_not(self, x: Any) -> Any:
        """graph.not of an i1 tensor."""
        return self._op(graph.NotOp, [x])

    def logical_and(self, lhs: Any, rhs: Any) -> Any:
        """graph.and of i1 tensors."""
        return self._binary(graph.AndOp, lhs, rhs)

    def logical_or(self, lhs: Any, rhs: Any) -> Any:
        """graph.or of i1 tensors."""
        return self._binary(graph.OrOp, lhs, rhs)

    def logical_xor(self, lhs: Any, rhs: Any) -> Any:
        """graph.xor of i1 tensors."""
        return self._binary(graph.XorOp, lhs, rhs)

    def where(self, cond: Any, x: Any, y: Any) -> Any:
        """np.where(cond, x, y): cond an i1 tensor, x or y may be arrays or numbers of the other's type."""
        c = self._tensor(cond, None, "graph.where")
        like = x if not isinstance(x, (np.ndarray, np.generic, int, float, list, tuple)) else y
        tx, ty = self._tensor(x, like, "graph.where"), self._tensor(y, like, "graph.where")
        return self._op(graph.WhereOp, [c, tx, ty])

    def cast(self, x: Any, dtype: Any) -> Any:
        """x converted to `dtype` ('f32', 'f16', 'i32', 'i64', 'i1' or a numpy dtype), ONNX Cast."""
        t = self._tensor(x, None, "graph.cast")
        try:
            et = ELEMENT_TYPES[dtype_name(dtype)]
        except ValueError as e:
            raise GraphTypeError(f"graph.cast: {e}") from None
        return self._op(graph.CastOp, [t], result_types=[RankedTensorType(t.shape, et)])

    # -- indexing ------------------------------------------------------------------

    def gather(self, x: Any, indices: Any, axis: int = 0) -> Any:
        """np.take(x, indices, axis); negative indices count from the end."""
        t = self._tensor(x, None, "graph.gather")
        idx = indices if not isinstance(indices, (np.ndarray, list, tuple, int, np.integer)) else \
            self._tensor(np.asarray(indices, np.int64), None, "graph.gather")
        return self._op(graph.GatherOp, [t, idx], axis=IntegerAttr(int(axis), i64))

    def slice(self, x: Any, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int] | None = None,
              steps: Sequence[int] | None = None) -> Any:
        """ONNX Slice with clamped bounds (see graph.slice): along `axes` (default 0, 1, ...), elements
        start, start + step, ... before end (an end of -1 with a negative step runs through element 0)."""
        n = len(starts)
        axes = list(range(n)) if axes is None else list(axes)
        steps = [1] * n if steps is None else list(steps)
        return self._op(graph.SliceOp, [x], starts=_i64s(starts), ends=_i64s(ends), steps=_i64s(steps),
                        axes=_i64s(axes))

    def pad(self, x: Any, pads: Sequence[int], mode: str = "constant", value: float = 0.0) -> Any:
        """np.pad with ONNX's pads [begin..., end...]; mode "constant", "reflect" or "edge"."""
        return self._op(graph.PadOp, [x], pads=_i64s(pads), mode=StringAttr(mode), value=FloatAttr(float(value), f32))

    def tile(self, x: Any, repeats: Sequence[int]) -> Any:
        """np.tile(x, repeats), one repeat per dimension."""
        return self._op(graph.TileOp, [x], repeats=_i64s(repeats))

    def expand(self, x: Any, shape: Sequence[int]) -> Any:
        """ONNX Expand: x broadcast with `shape` (np.broadcast_shapes(x.shape, shape))."""
        t = self._tensor(x, None, "graph.expand")
        try:
            out = np.broadcast_shapes(t.shape, tuple(int(d) for d in shape))
        except ValueError:
            raise GraphTypeError(f"graph.expand: shape {t.shape} does not broadcast with {tuple(shape)}") from None
        return self._op(graph.ExpandOp, [t], result_types=[RankedTensorType(out, t.type.element_type)])

    def resize(self, x: Any, sizes: Sequence[int] | None = None, *, scales: Sequence[float] | None = None,
               mode: str = "nearest", coordinate_transformation_mode: str = "half_pixel",
               nearest_mode: str = "round_prefer_floor") -> Any:
        """ONNX Resize to `sizes`, or by `scales` (then each size is floor(in * scale), in f32)."""
        t = self._tensor(x, None, "graph.resize")
        attrs: dict = {"mode": StringAttr(mode), "coordinate_transformation_mode":
                       StringAttr(coordinate_transformation_mode), "nearest_mode": StringAttr(nearest_mode)}
        if (sizes is None) == (scales is None):
            raise GraphTypeError("graph.resize: give sizes or scales, not both")
        if scales is not None:
            sc = [float(np.float32(s)) for s in scales]
            if len(sc) != t.ndim:
                raise GraphTypeError(f"graph.resize: scales must have one value per dimension ({t.ndim})")
            sizes = [int(np.floor(np.float32(d) * np.float32(s))) for d, s in zip(t.shape, sc)]
            attrs["scales"] = DenseArrayAttr(f32, tuple(sc))
        rt = RankedTensorType(tuple(int(d) for d in sizes or ()), t.type.element_type)
        return self._op(graph.ResizeOp, [t], result_types=[rt], **attrs)

    def _arg(self, cls: type, x: Any, axis: int, keepdims: bool, select_last_index: bool) -> Any:
        return self._op(cls, [x], axis=IntegerAttr(int(axis), i64), keepdims=BoolAttr(bool(keepdims)),
                        select_last_index=BoolAttr(bool(select_last_index)))

    def argmax(self, x: Any, axis: int = 0, keepdims: bool = True, select_last_index: bool = False) -> Any:
        """The i64 index of the largest element along `axis` (the first, or the last)."""
        return self._arg(graph.ArgMaxOp, x, axis, keepdims, select_last_index)

    def argmin(self, x: Any, axis: int = 0, keepdims: bool = True, select_last_index: bool = False) -> Any:
        """The i64 index of the smallest element along `axis`."""
        return self._arg(graph.ArgMinOp, x, axis, keepdims, select_last_index)

    def reduce_prod(self, x: Any, axes: int | Sequence[int] | None = None, keepdims: bool = True) -> Any:
        """Product over `axes` (default: all)."""
        return self._reduce(graph.ReduceProdOp, x, axes, keepdims)

    # -- activations -----------------------------------------------------------------

    def reciprocal(self, x: Any) -> Any:
        """1 / x."""
        return self._op(graph.ReciprocalOp, [x])

    def softplus(self, x: Any) -> Any:
        """log(1 + exp(x))."""
        return self._op(graph.SoftplusOp, [x])

    def sin(self, x: Any) -> Any:
        """np.sin(x)."""
        return self._op(graph.SinOp, [x])

    def cos(self, x: Any) -> Any:
        """np.cos(x)."""
        return self._op(graph.CosOp, [x])

    def leaky_relu(self, x: Any, alpha: float = 0.01) -> Any:
        """x where x >= 0, else alpha * x."""
        return self._op(graph.LeakyReluOp, [x], alpha=FloatAttr(float(alpha), f32))

    def hard_sigmoid(self, x: Any, alpha: float = 0.2, beta: float = 0.5) -> Any:
        """clip(alpha * x + beta, 0, 1)."""
        return self._op(graph.HardSigmoidOp, [x], alpha=FloatAttr(float(alpha), f32),
                        beta=FloatAttr(float(beta), f32))

    # -- convolution and normalization ----------------------------------------------------

    def conv_transpose2d(self, x: Any, w: Any, bias: Any = None, *, strides: Any = 1, pads: Any = 0,
                         dilations: Any = 1, output_padding: Any = 0, groups: int = 1) -> Any:
        """ONNX ConvTranspose of NCHW `x` with C x F/groups x KH x KW `w` (+ bias per output channel); `pads`
        one int or [top, left, bottom, right]."""
        op = "graph.conv_transpose2d"
        tx = self._tensor(x, None, op)
        operands = [tx, self._tensor(w, tx, op)] + ([self._tensor(bias, tx, op)] if bias is not None else [])
        return self._op(graph.ConvTranspose2dOp, operands, strides=_i64s(_ints(strides, 2, "strides", op)),
                        pads=_i64s(_ints(pads, 4, "pads", op)), dilations=_i64s(_ints(dilations, 2, "dilations", op)),
                        output_padding=_i64s(_ints(output_padding, 2, "output_padding", op)),
                        groups=IntegerAttr(int(groups), i64))

    def global_max_pool(self, x: Any) -> Any:
        """Maximum over H and W of NCHW `x`, as N x C x 1 x 1."""
        return self._op(graph.GlobalMaxPoolOp, [x])

    def instance_norm(self, x: Any, scale: Any, bias: Any, *, epsilon: float = 1e-5) -> Any:
        """Per (n, c) normalization over the spatial dimensions, then * scale[c] + bias[c]."""
        op = "graph.instance_norm"
        return self._op(graph.InstanceNormOp, [x, self._tensor(scale, x, op), self._tensor(bias, x, op)],
                        epsilon=FloatAttr(float(epsilon), f32))

    def lrn(self, x: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, bias: float = 1.0) -> Any:
        """ONNX LRN across channels."""
        return self._op(graph.LrnOp, [x], size=IntegerAttr(int(size), i64), alpha=FloatAttr(float(alpha), f32),
                        beta=FloatAttr(float(beta), f32), bias=FloatAttr(float(bias), f32))
