"""Bufferization of tensor ops: views become memref views, element access becomes
load/store, ops that build a tensor allocate and fill a buffer."""

from __future__ import annotations

from mlir_py.dialects import memref
from mlir_py.dialects.memref.layout import is_identity_layout, strides_and_offset, with_layout
from mlir_py.dialects.memref.reshape_ops import compute_collapsed_strides, compute_expanded_type
from mlir_py.dialects.memref.view_ops import SubViewOp, infer_subview_type

from mlir_py.ir.builtin_types import DYNAMIC, MemRefType
from mlir_py.ir.operation import OpResult

from .model import BufferizationModel, fully_dynamic_memref, is_tensor, register


@register("tensor.empty")
class EmptyModel(BufferizationModel):
    def undefined_result(self, op, r):
        return True

    def bufferize(self, op, ctx):
        # no buffer when every use gets a private one (out of place; copy-before-write)
        if not any(ctx.analysis.is_inplace(u.owner, u.index) or id(u.owner) not in ctx.handled
                   for u in op.results[0].uses):
            return [None]
        return [ctx.alloc(op.results[0].type, sizes=list(op.operands))]


@register("tensor.extract")
class ExtractModel(BufferizationModel):
    def bufferize(self, op, ctx):
        load = ctx.rw.create(memref.LoadOp, ctx.buffer(op.operands[0]), list(op.operands[1:]))
        return [load.results[0]]


@register("tensor.insert")
class InsertModel(BufferizationModel):
    """Writes one element of `dest` in place; the other elements are kept, so `dest` is read."""

    def writes(self, op, i):
        return i == 1

    def aliases(self, op, i):
        return [0] if i == 1 else []

    def bufferize(self, op, ctx):
        dest = ctx.operand(op, 1)
        ctx.rw.create(memref.StoreOp, op.operands[0], dest, list(op.operands[2:]))
        return [dest]


@register("tensor.dim")
class DimModel(BufferizationModel):
    def reads(self, op, i):
        return False

    def bufferize(self, op, ctx):
        return [ctx.rw.create(memref.DimOp, ctx.buffer(op.operands[0]), op.operands[1]).results[0]]


@register("tensor.rank")
class RankModel(BufferizationModel):
    def reads(self, op, i):
        return False

    def bufferize(self, op, ctx):
        return [ctx.rw.create(memref.RankOp, ctx.buffer(op.operands[0])).results[0]]


class _ViewModel(BufferizationModel):
    """Ops whose result is a view of operand 0: nothing is read or written."""

    def reads(self, op, i):
        return False

    def aliases(self, op, i):
        return [0] if i == 0 else []


@register("tensor.cast")
class CastModel(_ViewModel):
    def bufferize(self, op, ctx):
        src = ctx.operand(op, 0)
        t = op.results[0].type
        st = src.type
        rt = MemRefType(t.shape, t.element_type) if is_identity_layout(st) else fully_dynamic_memref(t)
        if rt is st:
            return [src]
        return [ctx.rw.create(memref.CastOp, src, result_types=[rt]).results[0]]


def subview(ctx, src, op, result_tensor_type):
    """memref.subview of `src` with the offsets/sizes/strides of slice op `op`, rank-reduced
    like `result_tensor_type`."""
    offs, sizes, strides = op.mixed_offsets, op.mixed_sizes, op.mixed_strides

    def static(xs):
        return [x if isinstance(x, int) else DYNAMIC for x in xs]
    full = infer_subview_type(src.type, static(offs), static(sizes), static(strides))
    rt = full
    if len(result_tensor_type.shape) != len(full.shape):
        dropped = op.dropped_dims()
        st, off = strides_and_offset(full)
        keep = [d for d in range(len(full.shape)) if d not in dropped]
        base = MemRefType([full.shape[d] for d in keep], full.element_type, None, full.memory_space)
        rt = with_layout(base, [st[d] for d in keep], off)
    return ctx.rw.create(SubViewOp.build_mixed(src, offs, sizes, strides, result_type=rt)).results[0]


@register("tensor.extract_slice")
class ExtractSliceModel(_ViewModel):
    def equivalent(self, op, i):
        return False

    def bufferize(self, op, ctx):
        return [subview(ctx, ctx.operand(op, 0), op, op.results[0].type)]


@register("tensor.insert_slice")
class InsertSliceModel(BufferizationModel):
    """Copies `source` into a view of `dest`, in place; the rest of `dest` is kept (read)."""

    def writes(self, op, i):
        return i == 1

    def aliases(self, op, i):
        return [0] if i == 1 else []

    def not_conflicting(self, a, op, r, w) -> bool:
        """A write into exactly the slice this op overwrites is no conflict with reading the dest
        (extract_slice, compute in place, insert_slice back at the same place)."""
        if r == (op, 1) and matching_extract(a, w[0].operands[w[1]], op):
            return True
        if r == (op, 0) and w == (op, 1) and matching_extract(a, op.operands[0], op):
            return True
        # writing a slice of the dest disjoint from the slice the read sees
        if w == (op, 1):
            e = _slice_source(a, r[0].operands[r[1]])
            return e is not None and a.equivalent(e.operands[0], op.operands[1]) and disjoint_slices(e, op)
        return False

    def bufferize(self, op, ctx):
        dest = ctx.operand(op, 1)
        src = ctx.buffer(op.operands[0])
        view = subview(ctx, dest, op, op.operands[0].type)
        ctx.copy(src, view)
        return [dest]


def _slice_source(a, v):
    """The extract_slice `v` is a view of (through in-place ops that only make aliases), or None."""
    while isinstance(v, OpResult):
        if v.op.name == "tensor.extract_slice":
            return v.op
        op = v.op
        ins = [i for i, o in enumerate(op.operands) if is_tensor(o) and v.index in a.aliases(op, i)
               and a.is_inplace(op, i) and not a.writes(op, i)]
        if len(ins) != 1:
            return None
        v = op.operands[ins[0]]
    return None


def disjoint_slices(x, y) -> bool:
    """Whether two slices of one tensor (static offsets, sizes, strides) share no element:
    their ranges are apart in some dimension."""
    for ox, sx, tx, oy, sy, ty in zip(x.mixed_offsets, x.mixed_sizes, x.mixed_strides,
                                      y.mixed_offsets, y.mixed_sizes, y.mixed_strides):
        if not all(isinstance(n, int) for n in (ox, sx, tx, oy, sy, ty)):
            continue
        if sx == 0 or sy == 0:
            return True
        if ox + (sx - 1) * tx < oy or oy + (sy - 1) * ty < ox:
            return True
    return False


def matching_extract(a, v, insert) -> bool:
    """Whether every value `v` comes from (through in-place aliasing ops) is an extract_slice of
    the insert's dest buffer at the insert's offsets, sizes and strides."""
    def same(x) -> bool:
        if not (isinstance(x, OpResult) and x.op.name == "tensor.extract_slice"):
            return False
        e = x.op
        return (a.equivalent(e.operands[0], insert.operands[1]) and e.mixed_offsets == insert.mixed_offsets
                and e.mixed_sizes == insert.mixed_sizes and e.mixed_strides == insert.mixed_strides)
    work, seen = [v], set()
    while work:
        x = work.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if same(x):
            continue
        if not isinstance(x, OpResult):
            return False
        ins = [i for i, o in enumerate(x.op.operands)
               if is_tensor(o) and x.index in a.aliases(x.op, i) and a.is_inplace(x.op, i)]
        if not ins:
            return False
        work += [x.op.operands[i] for i in ins]
    return True


@register("tensor.expand_shape")
class ExpandShapeModel(_ViewModel):
    def bufferize(self, op, ctx):
        src = ctx.operand(op, 0)
        t = op.results[0].type
        rt = compute_expanded_type(src.type, t.shape, op.reassociation_indices)
        new = memref.ExpandShapeOp.create(
            [src] + list(op.output_shape), [rt],
            {"reassociation": op.properties["reassociation"],
             "static_output_shape": op.properties["static_output_shape"]})
        return [ctx.rw.create(new).results[0]]


@register("tensor.collapse_shape")
class CollapseShapeModel(_ViewModel):
    def bufferize(self, op, ctx):
        src = ctx.operand(op, 0)
        t = op.results[0].type
        base = MemRefType(t.shape, t.element_type, None, src.type.memory_space)
        if is_identity_layout(src.type):
            rt = base
        else:
            collapsed = compute_collapsed_strides(src.type, op.reassociation_indices, strict=True)
            if collapsed is None:  # not collapsible in place: collapse a contiguous copy
                src = ctx.operand(op, 0)  # asked again, as upstream (a new to_buffer for an unknown source)
                nb = ctx.alloc(src.type, like=src)
                ctx.copy(src, nb)
                src, rt = nb, base
            else:
                rt = with_layout(base, *collapsed)
        new = memref.CollapseShapeOp.create([src], [rt], {"reassociation": op.properties["reassociation"]})
        return [ctx.rw.create(new).results[0]]


@register("tensor.from_elements")
class FromElementsModel(BufferizationModel):
    def bufferize(self, op, ctx):
        t = op.results[0].type
        b = ctx.alloc(t)
        shape = list(t.shape)
        # upstream makes one index constant per position of the largest dimension, first
        consts = [ctx.const_index(n) for n in range(max(shape))] if shape else []
        for k, v in enumerate(op.operands):
            idx, rem = [], k
            for d in reversed(shape):
                idx.append(rem % d)
                rem //= d
            ctx.rw.create(memref.StoreOp, v, b, [consts[n] for n in reversed(idx)])
        return [b]


def fill_with_map(ctx, buf, region=None, value=None) -> None:
    """`linalg.map outs(buf)` whose body is `region`'s (block arguments = the indices, as
    `linalg.index` ops; the `tensor.yield`ed value is yielded), or yields `value`."""
    from mlir_py.dialects.linalg import IndexOp, MapOp

    from mlir_py.ir.builtin_attributes import IntegerAttr
    from mlir_py.ir.builtin_types import i64

    def body(b, _init):
        if region is None:
            return value
        src = region.first_block
        mapper = {}
        for d, arg in enumerate(src.args):
            mapper[arg] = b.create(IndexOp(dim=IntegerAttr(d, i64)))
        out = None
        for o in src.ops:
            if o.name == "tensor.yield":
                out = mapper.get(o.operands[0], o.operands[0])
                break
            b.create(o.clone(mapper))
        return out
    ctx.rw.insert(MapOp.build([], buf, body))


@register("tensor.splat")
class SplatModel(BufferizationModel):
    def bufferize(self, op, ctx):
        b = ctx.alloc(op.results[0].type, sizes=list(op.operands[1:]))
        fill_with_map(ctx, b, value=op.operands[0])
        return [b]


@register("tensor.generate")
class GenerateModel(BufferizationModel):
    def bufferize(self, op, ctx):
        b = ctx.alloc(op.results[0].type, sizes=list(op.operands))
        fill_with_map(ctx, b, region=op.regions[0])
        return [b]


@register("tensor.pad")
class PadModel(BufferizationModel):
    """A new buffer filled with the padding value, then the source copied into its interior."""

    def bufferize(self, op, ctx):
        from mlir_py.dialects import arith
        t = op.results[0].type
        src = ctx.buffer(op.operands[0])
        low, high = op.mixed_low, op.mixed_high
        sizes = []
        for d, n in enumerate(t.shape):
            if n >= 0:
                continue
            size = ctx.rw.create(memref.DimOp, src, ctx.const_index(d)).results[0]
            for x in (low[d], high[d]):
                v = ctx.const_index(x) if isinstance(x, int) else x
                size = ctx.rw.create(arith.AddIOp, size, v).results[0]
            sizes.append(size)
        b = ctx.alloc(t, sizes=sizes)
        fill_with_map(ctx, b, region=op.regions[0])
        st = op.operands[0].type
        src_sizes = [n if n >= 0 else ctx.rw.create(memref.DimOp, src, ctx.const_index(d)).results[0]
                     for d, n in enumerate(st.shape)]
        view = _subview_mixed(ctx, b, list(low), src_sizes, [1] * len(st.shape))
        ctx.copy(src, view)
        return [b]


@register("tensor.concat")
class ConcatModel(BufferizationModel):
    """A new buffer; each input copied into its part along `dim`."""

    def bufferize(self, op, ctx):
        from mlir_py.dialects import arith
        t = op.results[0].type
        dim = op.properties["dim"].value
        srcs = [ctx.buffer(v) for v in op.operands]
        sizes = []
        for d, n in enumerate(t.shape):
            if n >= 0:
                continue
            if d != dim:
                sizes.append(ctx.rw.create(memref.DimOp, srcs[0], ctx.const_index(d)).results[0])
                continue
            total = None
            for s in srcs:
                x = ctx.rw.create(memref.DimOp, s, ctx.const_index(d)).results[0]
                total = x if total is None else ctx.rw.create(arith.AddIOp, total, x).results[0]
            sizes.append(total)
        b = ctx.alloc(t, sizes=sizes)
        offset: object = 0
        for s in srcs:
            st = s.type
            ssz = [n if n >= 0 else ctx.rw.create(memref.DimOp, s, ctx.const_index(d)).results[0]
                   for d, n in enumerate(st.shape)]
            offs = [0] * len(st.shape)
            offs[dim] = offset
            view = _subview_mixed(ctx, b, offs, ssz, [1] * len(st.shape))
            ctx.copy(s, view)
            if isinstance(offset, int) and isinstance(ssz[dim], int):
                offset = offset + ssz[dim]
            else:
                a = ctx.const_index(offset) if isinstance(offset, int) else offset
                c = ctx.const_index(ssz[dim]) if isinstance(ssz[dim], int) else ssz[dim]
                offset = ctx.rw.create(arith.AddIOp, a, c).results[0]
        return [b]


@register("tensor.reshape")
class ReshapeModel(BufferizationModel):
    """A view with the new shape (copied first when the source is not contiguous)."""

    def reads(self, op, i):
        return i == 1

    def aliases(self, op, i):
        return [0] if i == 0 else []

    def bufferize(self, op, ctx):
        src = ctx.operand(op, 0)
        if not is_identity_layout(src.type):
            nb = ctx.alloc(src.type, like=src)
            ctx.copy(src, nb)
            src = nb
        shape = ctx.buffer(op.operands[1])
        t = op.results[0].type
        rt = MemRefType(t.shape, t.element_type)
        return [ctx.rw.create(memref.ReshapeOp, src, shape, result_types=[rt]).results[0]]


def _subview_mixed(ctx, src, offsets, sizes, strides):
    def static(xs):
        return [x if isinstance(x, int) else DYNAMIC for x in xs]
    rt = infer_subview_type(src.type, static(offsets), static(sizes), static(strides))
    return ctx.rw.create(SubViewOp.build_mixed(src, offsets, sizes, strides, result_type=rt)).results[0]
