"""tensor ops on rectangular parts of tensors: extract_slice, insert_slice,
parallel_insert_slice, and pad (which grows a tensor). Offsets, sizes,
strides and padding amounts are mixed static/dynamic lists."""

from __future__ import annotations

from mlir_py.dialects.memref.view_ops import OffsetSizeAndStrideVerifier
from mlir_py.dialects.tensor.common import (
    DynamicIndexListDirective,
    I64Array,
    RankedTensor,
)

from mlir_py.builtin.constraints import Index
from mlir_py.definition.constraints import BaseAttr
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, region, result, var_operand
from mlir_py.definition.traits import (
    OpAsmOpInterface,
    Pure,
    SingleBlockImplicitTerminator,
)
from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.builtin_types import DYNAMIC, IndexType, RankedTensorType, index
from mlir_py.ir.operation import Block, Region
from mlir_py.text.dynamic_index_list import dispatch_index_list, mixed_index_list


def rank_reduction_mask(orig, reduced) -> set[int] | None:
    """computeRankReductionMask: the unit dims of `orig` dropped to get `reduced`."""
    unused: set[int] = set()
    j = 0
    for i, d in enumerate(orig):
        if j < len(reduced) and d == reduced[j]:
            j += 1
            continue
        unused.add(i)
        if d != 1:
            return None
    return unused if j == len(reduced) else None


def infer_slice_type(source: RankedTensorType, static_sizes) -> RankedTensorType:
    """ExtractSliceOp::inferResultType: the sizes, the source's element type."""
    return RankedTensorType(tuple(static_sizes), source.element_type, source.encoding)


def _slice_error(op, expected: RankedTensorType, candidate) -> str | None:
    """isRankReducedType + produceSliceErrorMsg; reports at the op (no op-name prefix, as upstream)."""
    if expected is candidate:
        return None
    if candidate.rank > expected.rank:
        msg = "expected rank to be smaller or equal to the other rank. "
    elif rank_reduction_mask(expected.shape, candidate.shape) is None:
        msg = f"expected type to be '{expected}' or a rank-reduced version. (size mismatch) "
    elif expected.element_type is not candidate.element_type:
        msg = f"expected element type to be '{expected.element_type}'"
    else:
        return None
    op.emit_error(msg)
    return ""


def _bounds_error(op, shape, offsets, sizes, strides) -> str | None:
    """verifyInBoundsSlice."""
    for i, d in enumerate(shape):
        if d == DYNAMIC or offsets[i] == DYNAMIC:
            continue
        if offsets[i] >= d:
            op.emit_error(f"offset {i} is out-of-bounds: {offsets[i]} >= {d}")
            return ""
        if sizes[i] == DYNAMIC or strides[i] == DYNAMIC:
            continue
        last = offsets[i] + (sizes[i] - 1) * strides[i]
        if last >= d:
            op.emit_error(f"slice along dimension {i} runs out-of-bounds: {last} >= {d}")
            return ""
    return None


class _OffsetsSizesStrides(DynamicIndexListDirective):
    """Accessors shared by the slice ops (OffsetSizeAndStrideOpInterface)."""

    __slots__ = ()

    @property
    def mixed_offsets(self) -> list:
        return mixed_index_list(self.offsets, self.static_offsets)

    @property
    def mixed_sizes(self) -> list:
        return mixed_index_list(self.sizes, self.static_sizes)

    @property
    def mixed_strides(self) -> list:
        return mixed_index_list(self.strides, self.static_strides)

    def dropped_dims(self) -> set[int]:
        """The unit source dims a rank-reducing slice drops (getDroppedDims)."""
        full = [s if isinstance(s, int) else DYNAMIC for s in self.mixed_sizes]
        reduced = self._slice_type().shape
        if len(full) == len(reduced):
            return set()
        mask = rank_reduction_mask(full, reduced)
        return mask if mask is not None else set()


class ExtractSliceOp(_OffsetsSizesStrides, Op):
    """A rectangular part of a tensor: per dimension an offset, a size and a
    stride, each static or an `index` value. Unit dimensions may be dropped
    from the result type (rank reduction).

    ```mlir
    %s = tensor.extract_slice %t[%i, 0] [4, 8] [1, 1] : tensor<?x8xf32> to tensor<4x8xf32>
    ```
    """

    name = "tensor.extract_slice"
    traits = [OpAsmOpInterface, OffsetSizeAndStrideVerifier, Pure]
    source = operand(RankedTensor)
    offsets = var_operand(Index)
    sizes = var_operand(Index)
    strides = var_operand(Index)
    static_offsets = prop(I64Array)
    static_sizes = prop(I64Array)
    static_strides = prop(I64Array)
    result = result(RankedTensor)
    assembly_format = ("$source `` custom<DynamicIndexList>($offsets, $static_offsets) "
                       "custom<DynamicIndexList>($sizes, $static_sizes) "
                       "custom<DynamicIndexList>($strides, $static_strides) "
                       "attr-dict `:` type($source) `to` type($result)")

    def get_asm_result_name(self) -> str:
        return "extracted_slice"

    @classmethod
    def build_mixed(cls, source, offsets, sizes, strides, result_type=None, **kw) -> ExtractSliceOp:
        """Build from lists mixing ints and `index` values; without `result_type`
        the result type is inferred (no rank reduction)."""
        (vo, so), (vs, ss), (vt, st) = (dispatch_index_list(x) for x in (offsets, sizes, strides))
        if result_type is None:
            result_type = infer_slice_type(source.type, ss.values)
        return cls(source, vo, vs, vt, static_offsets=so, static_sizes=ss, static_strides=st,
                   result_types=[result_type], **kw)

    def array_attr_max_ranks(self) -> tuple[int, int, int]:
        r = self.source.type.rank
        return r, r, r

    def _slice_type(self):
        return self.result.type

    def verify_(self):
        src = self.source.type
        expected = infer_slice_type(src, self.static_sizes.values)
        err = _slice_error(self, expected, self.result.type)
        if err is not None:
            return err
        return _bounds_error(self, src.shape, self.static_offsets.values, self.static_sizes.values,
                             self.static_strides.values)

    def fold(self, operands):
        src = operands[0]
        res = self.result.type
        if src is not None and getattr(src, "is_splat", False) and DYNAMIC not in res.shape:
            from mlir_py.ir.builtin_attributes import DenseElementsAttr
            return DenseElementsAttr(src.splat_value(), res)
        if is_identity_slice(self, self.source.type) and self.source.type is res:
            return self.source
        producer = self.source.owner
        if isinstance(producer, InsertSliceOp) and producer.source.type is res and _same_slice(producer, self):
            return producer.source
        return None


def is_identity_slice(op, shape_type: RankedTensorType) -> bool:
    """Offsets all 0, strides all 1, sizes the whole of `shape_type`
    (a dynamic size matches when it is `tensor.dim` of the same tensor)."""
    if any(o != 0 for o in op.mixed_offsets) or any(s != 1 for s in op.mixed_strides):
        return False
    sizes = op.mixed_sizes
    if len(sizes) != shape_type.rank:
        return False
    for i, (s, d) in enumerate(zip(sizes, shape_type.shape)):
        if isinstance(s, int):
            if s != d:
                return False
        elif d != DYNAMIC:
            from mlir_py.dialects.arith import ConstantOp
            c = s.owner
            if not (isinstance(c, ConstantOp) and getattr(c.value, "value", None) == d):
                return False
        else:
            return False
    return True


def _same_slice(a, b) -> bool:
    return (a.mixed_offsets == b.mixed_offsets and a.mixed_sizes == b.mixed_sizes
            and a.mixed_strides == b.mixed_strides)


class InsertSliceOp(_OffsetsSizesStrides, Op):
    """A copy of `dest` with the rectangular part given by offsets, sizes and
    strides replaced by `source` (whose type may drop unit dimensions of the
    sizes: rank extension).

    ```mlir
    %r = tensor.insert_slice %s into %t[%i, 0] [4, 8] [1, 1] : tensor<4x8xf32> into tensor<?x8xf32>
    ```
    """

    name = "tensor.insert_slice"
    traits = [OpAsmOpInterface, OffsetSizeAndStrideVerifier, Pure]
    source = operand(RankedTensor)
    dest = operand(RankedTensor)
    offsets = var_operand(Index)
    sizes = var_operand(Index)
    strides = var_operand(Index)
    static_offsets = prop(I64Array)
    static_sizes = prop(I64Array)
    static_strides = prop(I64Array)
    result = result(RankedTensor)
    assembly_format = ("$source `into` $dest `` custom<DynamicIndexList>($offsets, $static_offsets) "
                       "custom<DynamicIndexList>($sizes, $static_sizes) "
                       "custom<DynamicIndexList>($strides, $static_strides) "
                       "attr-dict `:` type($source) `into` type($dest)")

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[1].type]

    def get_asm_result_name(self) -> str:
        return "inserted_slice"

    @classmethod
    def build_mixed(cls, source, dest, offsets, sizes, strides, **kw) -> InsertSliceOp:
        """Build from lists mixing ints and `index` values."""
        (vo, so), (vs, ss), (vt, st) = (dispatch_index_list(x) for x in (offsets, sizes, strides))
        return cls(source, dest, vo, vs, vt, static_offsets=so, static_sizes=ss, static_strides=st,
                   result_types=[dest.type], **kw)

    def array_attr_max_ranks(self) -> tuple[int, int, int]:
        r = self.dest.type.rank
        return r, r, r

    def _slice_type(self):
        return self.source.type

    def get_dps_inits(self) -> list:
        return [self.dest]

    def verify_(self):
        if self.result.type is not self.dest.type:
            return "failed to verify that all of {dest, result} have same type"
        dst = self.dest.type
        expected = infer_slice_type(dst, self.static_sizes.values)
        err = _slice_error(self, expected, self.source.type)
        if err is not None:
            return err
        return _bounds_error(self, dst.shape, self.static_offsets.values, self.static_sizes.values,
                             self.static_strides.values)

    def fold(self, operands):
        src, dst = self.source.type, self.dest.type
        if src is dst and is_identity_slice(self, dst):
            return self.source
        producer = self.dest.owner
        # insert_slice(x into insert_slice(y into d) at the same place) -> insert_slice(x into d)
        if isinstance(producer, InsertSliceOp) and producer.source.type is src and _same_slice(producer, self):
            self.set_operand(1, producer.dest)
            return self.result
        # insert_slice(extract_slice(d) into d) at the same place -> d
        sp = self.source.owner
        if isinstance(sp, ExtractSliceOp) and sp.source is self.dest and _same_slice(sp, self):
            return self.dest
        return None


class ParallelInsertSliceOp(_OffsetsSizesStrides, Op):
    """Inserts `source` into the shared output `dest` of the enclosing
    `scf.forall` (in its `scf.forall.in_parallel` terminator); the slices of
    concurrent iterations must not overlap.

    ```mlir
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %out[%i] [4] [1] : tensor<4xf32> into tensor<64xf32>
    }
    ```
    """

    name = "tensor.parallel_insert_slice"
    traits = [OffsetSizeAndStrideVerifier]
    source = operand(RankedTensor)
    dest = operand(RankedTensor)
    offsets = var_operand(Index)
    sizes = var_operand(Index)
    strides = var_operand(Index)
    static_offsets = prop(I64Array)
    static_sizes = prop(I64Array)
    static_strides = prop(I64Array)
    assembly_format = ("$source `into` $dest `` custom<DynamicIndexList>($offsets, $static_offsets) "
                       "custom<DynamicIndexList>($sizes, $static_sizes) "
                       "custom<DynamicIndexList>($strides, $static_strides) "
                       "attr-dict `:` type($source) `into` type($dest)")

    @classmethod
    def build_mixed(cls, source, dest, offsets, sizes, strides, **kw) -> ParallelInsertSliceOp:
        """Build from lists mixing ints and `index` values."""
        (vo, so), (vs, ss), (vt, st) = (dispatch_index_list(x) for x in (offsets, sizes, strides))
        return cls(source, dest, vo, vs, vt, static_offsets=so, static_sizes=ss, static_strides=st, **kw)

    def array_attr_max_ranks(self) -> tuple[int, int, int]:
        r = self.dest.type.rank
        return r, r, r

    def _slice_type(self):
        return self.source.type

    def verify_(self):
        parent = self.parent_op
        if parent is None or parent.name != "scf.forall.in_parallel":
            self.emit_error("expected InParallelOpInterface parent, got:")
            return ""
        dst = self.dest.type
        expected = infer_slice_type(dst, self.static_sizes.values)
        err = _slice_error(self, expected, self.source.type)
        if err is not None:
            return err
        return _bounds_error(self, dst.shape, self.static_offsets.values, self.static_sizes.values,
                             self.static_strides.values)


# ----------------------------------------------------------------------------
# pad
# ----------------------------------------------------------------------------


def infer_pad_type(source: RankedTensorType, low, high) -> RankedTensorType | None:
    """PadOp::inferResultType: static where the source size and both amounts are."""
    if len(low) != source.rank or len(high) != source.rank:
        return None
    shape = []
    for d, lo, hi in zip(source.shape, low, high):
        shape.append(DYNAMIC if DYNAMIC in (d, lo, hi) else d + lo + hi)
    return RankedTensorType(tuple(shape), source.element_type)


class PadOp(DynamicIndexListDirective, Op):
    """Grows a tensor by `low` and `high` elements per dimension; the new
    elements take the value the region yields (block arguments: the result
    index). `nofold` keeps a pad that adds nothing (a copy).

    ```mlir
    %p = tensor.pad %t low[0, 1] high[2, %h] {
    ^bb0(%i: index, %j: index):
      tensor.yield %zero : f32
    } : tensor<4x4xf32> to tensor<6x?xf32>
    ```
    """

    name = "tensor.pad"
    traits = [OpAsmOpInterface, Pure, SingleBlockImplicitTerminator("tensor.yield")]
    source = operand(RankedTensor)
    low = var_operand(Index)
    high = var_operand(Index)
    static_low = prop(I64Array)
    static_high = prop(I64Array)
    nofold = opt_prop(BaseAttr(UnitAttr, description="unit attribute"))
    result = result(RankedTensor)
    region = region()
    assembly_format = ("$source (`nofold` $nofold^)? `low` `` custom<DynamicIndexList>($low, $static_low) "
                       "`high` `` custom<DynamicIndexList>($high, $static_high) $region attr-dict "
                       "`:` type($source) `to` type($result)")

    def get_asm_result_name(self) -> str:
        return "padded"

    @classmethod
    def build(cls, source, low, high, pad_value, result_type=None, nofold: bool = False, **kw) -> PadOp:
        """Pad `source` by `low`/`high` (ints and `index` values mixed) with the
        scalar `pad_value` (defined outside the pad); the result type is
        inferred unless given."""
        from mlir_py.dialects.tensor.ops import YieldOp
        (vl, sl), (vh, sh) = dispatch_index_list(low), dispatch_index_list(high)
        if result_type is None:
            result_type = infer_pad_type(source.type, sl.values, sh.values)
        block = Block([index] * source.type.rank)
        block.append(YieldOp(pad_value))
        props = {"static_low": sl, "static_high": sh}
        if nofold:
            props["nofold"] = UnitAttr()
        return cls(source, vl, vh, result_types=[result_type], regions=[Region([block])], **props, **kw)

    @property
    def mixed_low(self) -> list:
        return mixed_index_list(self.low, self.static_low)

    @property
    def mixed_high(self) -> list:
        return mixed_index_list(self.high, self.static_high)

    def get_constant_padding_value(self):
        """The yielded value when it is defined outside the body (getConstantPaddingValue)."""
        block = self.region.first_block
        if block is None or block.last_op is None:
            return None
        v = block.last_op.operands[0]
        return None if v.parent_block is block else v

    def verify_(self):
        src, res = self.source.type, self.result.type
        expected = infer_pad_type(src, self.static_low.values, self.static_high.values)
        if expected is None:
            self.emit_error(f"failed to infer expectedType from sourceType '{src}', specified resultType is '{res}'")
            return ""
        if res.rank != expected.rank or any(r != e and e != DYNAMIC for r, e in zip(res.shape, expected.shape)):
            self.emit_error(f"specified type '{res}' does not match the inferred type '{expected}'")
            return ""
        block = self.region.first_block
        if block is None:
            return None
        if len(block.args) != res.rank:
            self.emit_error(f"expected the block to have {res.rank} arguments")
            return ""
        for i, a in enumerate(block.args):
            if not isinstance(a.type, IndexType):
                return f"expected block argument {i + 1} to be an index"
        term = block.last_op
        if term is not None and term.name == "tensor.yield" and term.operands[0].type is not res.element_type:
            return "expected yield type to match shape element type"
        return None

    def fold(self, operands):
        res = self.result.type
        if DYNAMIC not in res.shape and self.source.type is res and self.nofold is None:
            return self.source
        return None


OPS = [ExtractSliceOp, InsertSliceOp, ParallelInsertSliceOp, PadOp]
