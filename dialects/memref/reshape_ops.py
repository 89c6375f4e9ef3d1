"""memref ops that reshape views: expand_shape, collapse_shape (reassociations
of dimensions) and reshape (a shape held in a memref). No data moves.
"""

from __future__ import annotations

from mlir_py.dialects.memref.constraints import (
    AnyRankedOrUnrankedMemRef,
    AnyStridedMemRef,
    IndexListArrayAttr,
    Rank1IntOrIndexMemRef,
)
from mlir_py.dialects.memref.custom_directives import PARSE_DYNAMIC_INDEX_LIST, PRINT_DYNAMIC_INDEX_LIST
from mlir_py.dialects.memref.layout import is_identity_layout, sat_mul, strides_and_offset, with_layout
from mlir_py.dialects.memref.view_ops import I64Array, _q

from mlir_py.builtin.constraints import Index
from mlir_py.definition.opdef import Op, operand, prop, result, var_operand
from mlir_py.definition.traits import MemoryEffects, OpAsmOpInterface, Pure, Read, ViewLikeOpInterface
from mlir_py.ir.builtin_attributes import ArrayAttr, IntegerAttr, StridedLayoutAttr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, i64
from mlir_py.text.dynamic_index_list import mixed_index_list, static_shape_mismatch, verify_output_shape

# ----------------------------------------------------------------------------
# Reassociative reshapes
# ----------------------------------------------------------------------------


def reassociation_indices(attr: ArrayAttr) -> list[list[int]]:
    return [[x.value for x in group] for group in attr]


def reassociation_attr(groups) -> ArrayAttr:
    return ArrayAttr(tuple(ArrayAttr(tuple(IntegerAttr(i, i64) for i in g)) for g in groups))


def _verify_collapsed_shape(collapsed, expanded, reassoc) -> str | None:
    """verifyCollapsedShape (multiple dynamic dims per group allowed)."""
    if len(collapsed) != len(reassoc):
        return f"invalid number of reassociation groups: found {len(reassoc)}, expected {len(collapsed)}"
    next_dim = 0
    for cdim, group in enumerate(reassoc):
        dynamic = False
        for edim in group:
            if edim != next_dim:
                return "reassociation indices must be contiguous"
            next_dim += 1
            if edim >= len(expanded):
                return f"reassociation index {edim} is out of bounds"
            if expanded[edim] == DYNAMIC:
                dynamic = True
        if (collapsed[cdim] == DYNAMIC) != dynamic:
            return f"collapsed dim ({cdim}) must be dynamic if and only if reassociation group is dynamic"
        if not dynamic:
            size = 1
            for edim in group:
                size *= expanded[edim]
            if size != collapsed[cdim]:
                return f"collapsed dim size ({collapsed[cdim]}) must equal reassociation group size ({size})"
    if not collapsed:
        if any(d != 1 for d in expanded):
            return "rank 0 memrefs can only be extended/collapsed with/from ones"
    elif next_dim != len(expanded):
        return f"expanded rank ({len(expanded)}) inconsistent with number of reassociation indices ({next_dim})"
    return None


def compute_expanded_type(src: MemRefType, shape, reassoc) -> MemRefType | None:
    """ExpandShapeOp::computeExpandedType (None when the source is not strided).

    Upstream asks the layout's isIdentity(), which is also true of a rank-1
    `strided<[1]>` (its map is `(d0) -> (d0)`): such a source expands to the
    identity layout."""
    lay = src.layout
    if is_identity_layout(src) or (isinstance(lay, StridedLayoutAttr) and tuple(lay.strides) == (1,)
                                   and lay.offset == 0):
        return MemRefType(tuple(shape), src.element_type, None, src.memory_space)
    so = strides_and_offset(src)
    if so is None:
        return None
    src_strides, offset = so
    rev: list[int] = []
    k = len(shape) - 1
    for group, stride in reversed(list(zip(reassoc, src_strides))):
        cur = stride
        for _ in group:
            rev.append(cur)
            cur = sat_mul(cur, shape[k])
            k -= 1
    strides = list(reversed(rev)) + [1] * (len(shape) - len(rev))
    return with_layout(MemRefType(tuple(shape), src.element_type, None, src.memory_space), strides[:len(shape)],
                       offset)


def compute_collapsed_strides(src: MemRefType, reassoc, strict: bool = False) -> tuple[list[int], int] | None:
    """computeCollapsedLayoutMap: the collapsed strides and offset, or None for
    a non-strided source or (statically) non-contiguous groups."""
    so = strides_and_offset(src)
    if so is None:
        return None
    src_strides, offset = so
    shape = src.shape
    strides: list[int] = []
    for group in reassoc:
        ref = list(group)
        while len(ref) > 1 and shape[ref[-1]] == 1:
            ref.pop()
        if shape[ref[-1]] != DYNAMIC or len(ref) == 1:
            strides.append(src_strides[ref[-1]])
        else:
            strides.append(DYNAMIC)
    for gi in range(len(reassoc) - 1, -1, -1):
        group = reassoc[gi]
        stride = strides[gi]
        for idx in reversed(group[1:]):
            stride = sat_mul(stride, shape[idx])
            if shape[idx - 1] == 1:
                continue
            src_stride = src_strides[idx - 1]
            if strict and (stride == DYNAMIC or src_stride == DYNAMIC):
                return None
            if stride != DYNAMIC and src_stride != DYNAMIC and stride != src_stride:
                return None
    return strides, offset


def compute_collapsed_type(src: MemRefType, reassoc) -> MemRefType:
    """CollapseShapeOp::computeCollapsedType (groups assumed contiguous)."""
    shape = []
    for group in reassoc:
        size = 1
        for d in group:
            size = sat_mul(size, src.shape[d])
        shape.append(size)
    base = MemRefType(tuple(shape), src.element_type, None, src.memory_space)
    if is_identity_layout(src):
        return base
    strides, offset = compute_collapsed_strides(src, reassoc)
    return with_layout(base, strides, offset)


class ExpandShapeOp(Op):
    """Splits dimensions of a strided memref: each source dimension becomes
    the group of result dimensions listed in `reassociation`; `output_shape`
    gives the result sizes (values for the dynamic ones).

    ```mlir
    %1 = memref.expand_shape %0 [[0, 1], [2]] output_shape [%n, 4, 32] : memref<?x32xf32> into memref<?x4x32xf32>
    ```
    """

    name = "memref.expand_shape"
    traits = [OpAsmOpInterface, Pure, ViewLikeOpInterface]
    src = operand(AnyStridedMemRef)
    reassociation = prop(IndexListArrayAttr)
    output_shape = var_operand(Index)
    static_output_shape = prop(I64Array)
    result = result(AnyStridedMemRef)
    assembly_format = ("$src $reassociation `output_shape` "
                       "custom<DynamicIndexList>($output_shape, $static_output_shape) attr-dict `:` "
                       "type($src) `into` type($result)")
    parse_DynamicIndexList = PARSE_DYNAMIC_INDEX_LIST  # noqa: N815 (directive name)
    print_DynamicIndexList = PRINT_DYNAMIC_INDEX_LIST  # noqa: N815

    def get_asm_result_name(self) -> str:
        return "expand_shape"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.src

    @property
    def reassociation_indices(self) -> list[list[int]]:
        return reassociation_indices(self.reassociation)

    @property
    def mixed_output_shape(self) -> list:
        return mixed_index_list(self.output_shape, self.static_output_shape)

    def verify_(self):
        src, res = self.src.type, self.result.type
        if src.rank > res.rank:
            return (f"has source rank {src.rank} and result rank {res.rank}. This is not an expansion "
                    f"({src.rank} > {res.rank}).")
        reassoc = self.reassociation_indices
        err = _verify_collapsed_shape(src.shape, res.shape, reassoc)
        if err:
            return err
        expected = compute_expanded_type(src, res.shape, reassoc)
        if expected is None:
            return "invalid source layout map"
        if expected is not res:
            return f"expected expanded type to be {_q(expected)} but found {_q(res)}"
        return (verify_output_shape(self.output_shape, self.static_output_shape, res.shape, "bounds")
                or static_shape_mismatch(self.static_output_shape, res.shape))


class CollapseShapeOp(Op):
    """Merges groups of contiguous dimensions of a strided memref into one
    dimension each, as listed in `reassociation`.

    ```mlir
    %1 = memref.collapse_shape %0 [[0, 1], [2]] : memref<?x4x32xf32> into memref<?x32xf32>
    ```
    """

    name = "memref.collapse_shape"
    traits = [OpAsmOpInterface, Pure, ViewLikeOpInterface]
    src = operand(AnyStridedMemRef)
    reassociation = prop(IndexListArrayAttr)
    result = result(AnyStridedMemRef)
    assembly_format = "$src $reassociation attr-dict `:` type($src) `into` type($result)"

    def get_asm_result_name(self) -> str:
        return "collapse_shape"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.src

    @property
    def reassociation_indices(self) -> list[list[int]]:
        return reassociation_indices(self.reassociation)

    def verify_(self):
        src, res = self.src.type, self.result.type
        if src.rank < res.rank:
            return (f"has source rank {src.rank} and result rank {res.rank}. This is not a collapse "
                    f"({src.rank} < {res.rank}).")
        reassoc = self.reassociation_indices
        err = _verify_collapsed_shape(res.shape, src.shape, reassoc)
        if err:
            return err
        base = MemRefType(res.shape, src.element_type, None, src.memory_space)
        if is_identity_layout(src):
            expected = base
        else:
            collapsed = compute_collapsed_strides(src, reassoc)
            if collapsed is None:
                return "invalid source layout map or collapsing non-contiguous dims"
            expected = with_layout(base, *collapsed)
        if expected is not res:
            return f"expected collapsed type to be {_q(expected)} but found {_q(res)}"
        return None


# ----------------------------------------------------------------------------
# reshape
# ----------------------------------------------------------------------------


class ReshapeOp(Op):
    """Reinterprets an identity-layout memref with the shape held in a 1-D
    `shape` memref (a ranked result needs a statically sized shape operand).

    ```mlir
    %1 = memref.reshape %0(%shape) : (memref<4x1xf32>, memref<1xi32>) -> memref<4xf32>
    ```
    """

    name = "memref.reshape"
    traits = [OpAsmOpInterface, ViewLikeOpInterface, MemoryEffects(Read("shape"))]
    source = operand(AnyRankedOrUnrankedMemRef)
    shape = operand(Rank1IntOrIndexMemRef)
    result = result(AnyRankedOrUnrankedMemRef)
    assembly_format = "$source `(` $shape `)` attr-dict `:` functional-type(operands, results)"

    def get_asm_result_name(self) -> str:
        return "reshape"

    def get_view_source(self):
        """ViewLikeOpInterface: the memref this op is a view of."""
        return self.source

    def verify_(self):
        src, res = self.source.type, self.result.type
        if src.element_type is not res.element_type:
            return "element types of source and destination memref types should be the same"
        if isinstance(src, MemRefType) and not is_identity_layout(src):
            return "source memref type should have identity affine map"
        shape_size = self.shape.type.shape[0]
        if isinstance(res, MemRefType):
            if not is_identity_layout(res):
                return "result memref type should have identity affine map"
            if shape_size == DYNAMIC:
                return ("cannot use shape operand with dynamic length to reshape to statically-ranked memref "
                        "type")
            if shape_size != res.rank:
                return "length of shape operand differs from the result's memref rank"
        return None


OPS = [ExpandShapeOp, CollapseShapeOp, ReshapeOp]
