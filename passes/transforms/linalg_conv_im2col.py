"""`linalg-conv-im2col`: `linalg.conv_2d_nchw_fchw` on memrefs becomes an im2col copy and a matrix product
that `linalg-codegen-matmul` turns into its register-tiled kernel, with the convolution's epilogue (bias,
relu, a residual add: the elementwise op that reads the result) fused into that kernel.

Per image n, the convolution is a product: out[n] (F x OH*OW) = w (F x C*KH*KW) @ col[n] (C*KH*KW x OH*OW)
with col[n][(c, kh, kw), (oh, ow)] = x[n, c, oh * SH + kh * DH, ow * SW + kw * DW]. The pass emits

```
%w2  = memref.collapse_shape %w [[0], [1, 2, 3]]                  : F x K          (a view)
%col = memref.alloc                                               : N x C x KH x KW x OH x OW
linalg.generic (im2col: a copy, x read through the window map) ins(%x) outs(%col)
%c3  = memref.collapse_shape %col [[0], [1, 2, 3], [4, 5]]        : N x K x P
linalg.generic (b, i, j, k): out3[b, i, j] += w2[i, k] * c3[b, k, j]   (A shared by the batch)
...
memref.dealloc %col                                               (at the end of the block)
```

and the product's output is the convolution's output seen as N x F x P. The row of the product is the
output channel and its columns are the pixels, contiguous in NCHW, so the kernel's vectors run along the
pixels and a bias per channel is one broadcast scalar per row.

For the epilogue to fuse, the product must write a plain allocation: when the convolution's output is a
`memref.alloc` whose users are the convolution, `linalg.fill`s, deallocations and elementwise
`linalg.generic`s that read it through the identity map (what bufferized graph code looks like), that
allocation is replaced by a 3-D one (N x F x OH*OW) and those users are rewritten on it: the fill directly,
each elementwise generic on 3-D views (operands indexed by the identity are collapsed the same way;
operands indexed by n and f only, a bias, keep their subscripts). Otherwise the product writes a
`collapse_shape` view of the output and no epilogue fuses.

Static shapes, f32/f64, identity layouts only; other convolutions are left for convert-linalg-to-loops.
The im2col buffer costs C*KH*KW*OH*OW elements per image (the input read KH*KW times); a direct
convolution would avoid it for large images.

```
mir-opt --linalg-conv-im2col --linalg-codegen-matmul f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects import memref
from mlir_py.dialects.linalg import GenericOp
from mlir_py.dialects.linalg.conv_pool_ops import window_params
from mlir_py.dialects.memref.reshape_ops import reassociation_attr

from mlir_py.ir.affine_expr import AffineConstantExpr, AffineDimExpr, AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, f32, f64, i64
from mlir_py.ir.operation import Operation, OpResult, Value
from mlir_py.pass_manager import Pass, Statistic, register_pass
from mlir_py.rewrite import PatternRewriter


def _plain(t) -> bool:
    return isinstance(t, MemRefType) and t.layout is None and DYNAMIC not in t.shape and t.element_type in (f32, f64)


def _collapse(rw: PatternRewriter, v: Value, groups: list[list[int]]) -> Value:
    shape = v.type.shape
    new = [1] * len(groups)
    for g, dims in enumerate(groups):
        for d in dims:
            new[g] *= shape[d]
    t = MemRefType(new, v.type.element_type)
    return rw.create(memref.CollapseShapeOp, v, reassociation=reassociation_attr(groups), result_types=[t]).result


def _mul_add(b, x, y, acc):
    return b.add(acc, b.mul(x, y))


class _Epilogue3D:
    """How an elementwise generic over N x F x OH x OW is rewritten over N x F x P (None: it cannot be)."""

    @staticmethod
    def maps(op: Operation, out4: Value) -> list[tuple[int, AffineMap | None]] | None:
        """Per operand: (index, the 3-D map) with None meaning "collapse the operand and index it by the
        3-D identity"."""
        its = list(op.get_iterator_types())
        if len(its) != 4 or any(t != "parallel" for t in its) or op.results:
            return None
        if any(inner.name == "linalg.index" for inner in op.regions[0].first_block.ops):
            return None  # its body sees the loop indices: they would change meaning
        out = []
        for i, (v, m) in enumerate(zip(op.operands, op.get_indexing_maps())):
            if m.is_identity():
                if v is not out4 and not (_plain(v.type) and list(v.type.shape) == list(out4.type.shape)):
                    return None
                out.append((i, None))
                continue
            results = []
            for e in m.results:
                if isinstance(e, AffineDimExpr) and e.position in (0, 1):
                    results.append(e)
                elif isinstance(e, AffineConstantExpr):
                    results.append(e)
                else:
                    return None
            out.append((i, AffineMap(3, 0, tuple(results))))
        return out


@register_pass
class LinalgConvIm2col(Pass):
    """Convolutions as an im2col copy and a matrix product (see the module docstring)."""

    name = "linalg-conv-im2col"
    summary = "linalg.conv_2d_nchw_fchw on memrefs to an im2col copy and a matmul-like generic"
    anchor = "func.func"
    statistics = [Statistic("num-convs", "convolutions rewritten"),
                  Statistic("num-epilogues", "elementwise consumers rewritten on the 3-D output")]

    def run_on_operation(self, op: Operation) -> None:
        for conv in [o for o in op.walk() if o.name == "linalg.conv_2d_nchw_fchw"]:
            self.rewrite(conv)

    def rewrite(self, conv: Operation) -> None:
        if conv.results or len(conv.inputs) != 2 or len(conv.outputs) != 1:
            return
        x, w = conv.inputs
        out = conv.outputs[0]
        if not all(_plain(v.type) for v in (x, w, out)):
            return
        if len({v.type.element_type for v in (x, w, out)}) != 1:
            return
        (sh, sw), (dh, dw) = window_params(conv.properties)
        n, c, _, _ = x.type.shape
        f, _, kh, kw = w.type.shape
        _, _, oh, ow = out.type.shape
        elem = out.type.element_type
        rw = PatternRewriter()
        rw.set_insertion_point(conv)
        out3 = self._output_3d(rw, conv, out)
        rw.set_insertion_point(conv)
        w2 = _collapse(rw, w, [[0], [1, 2, 3]])
        col_t = MemRefType([n, c, kh, kw, oh, ow], elem)
        col = rw.create(memref.AllocOp, result_types=[col_t], alignment=IntegerAttr(64, i64)).result
        window = (f"affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * {sh} + d2 * {dh}, "
                  f"d5 * {sw} + d3 * {dw})>")
        ident6 = "affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>"
        rw.create(GenericOp.build([x], [col], [window, ident6], ["parallel"] * 6, lambda b, v, _o: v,
                                  result_types=[]))
        col3 = _collapse(rw, col, [[0], [1, 2, 3], [4, 5]])
        maps = ["affine_map<(d0, d1, d2, d3) -> (d1, d3)>", "affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>",
                "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>"]
        rw.create(GenericOp.build([w2, col3], [out3], maps, ["parallel", "parallel", "parallel", "reduction"],
                                  _mul_add, result_types=[]))
        block = conv.parent
        rw.erase_op(conv)
        # freed at the end of the block: the kernel that reads it moves down to its fused epilogue
        rw.set_insertion_point(block.terminator)
        rw.create(memref.DeallocOp, col)
        self.stats["num-convs"] += 1

    def _output_3d(self, rw: PatternRewriter, conv: Operation, out: Value) -> Value:
        """The N x F x P buffer the product writes: a new allocation standing for `out` when all of `out`'s
        users can be rewritten on it, else a collapse_shape view of `out`."""
        if isinstance(out, OpResult) and out.owner.name == "memref.alloc" and not out.owner.operands:
            plans = {}
            ok = True
            for u in out.users:
                if u is conv or u.name == "memref.dealloc":
                    continue
                if u.name == "linalg.fill" and list(u.outputs) == [out] and not u.results:
                    continue
                m = _Epilogue3D.maps(u, out) if isinstance(u, GenericOp) else None
                if m is None:
                    ok = False
                    break
                plans[u] = m
            if ok:
                return self._replace_alloc(rw, out, plans)
        return _collapse(rw, out, [[0], [1], [2, 3]])

    def _replace_alloc(self, rw: PatternRewriter, out: Value, plans: dict) -> Value:
        alloc = out.owner
        n, f, oh, ow = out.type.shape
        t3 = MemRefType([n, f, oh * ow], out.type.element_type)
        rw.set_insertion_point(alloc)
        new = rw.create(memref.AllocOp, result_types=[t3], **{k: v for k, v in alloc.properties.items()
                                                               if k == "alignment"}).result
        for u in list(out.users):
            if u not in plans:
                for i, v in enumerate(u.operands):
                    if v is out:
                        u.set_operand(i, new)
                continue
            rw.set_insertion_point(u)
            new_maps = []
            for i, m in plans[u]:
                v = u.operands[i]
                if m is None:
                    u.set_operand(i, new if v is out else _collapse(rw, v, [[0], [1], [2, 3]]))
                    m = AffineMap.get_multi_dim_identity(3)
                new_maps.append(AffineMapAttr(m))
            u.properties["indexing_maps"] = ArrayAttr(tuple(new_maps))
            u.properties["iterator_types"] = ArrayAttr(tuple(u.properties["iterator_types"])[:3])
            self.stats["num-epilogues"] += 1
        rw.erase_op(alloc)
        return new


__all__ = ["LinalgConvIm2col"]
