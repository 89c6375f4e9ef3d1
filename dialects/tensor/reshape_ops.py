"""tensor ops that change a tensor's shape, not its elements: expand_shape,
collapse_shape (reassociations of dimensions), reshape (a shape held in a
tensor) and concat (joins tensors along one dimension)."""

from __future__ import annotations

from mlir_py.dialects.tensor.common import (
    AnyTensorC,
    DynamicIndexListDirective,
    I64Array,
    IndexListArrayAttr,
    RankedTensor,
    reassociation_attr,
    reassociation_indices,
)

from mlir_py.builtin.constraints import I64Attr, Index
from mlir_py.definition.constraints import Predicate
from mlir_py.definition.opdef import Op, operand, prop, result, var_operand
from mlir_py.definition.traits import OpAsmOpInterface, Pure
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, IndexType, IntegerType, RankedTensorType, i64
from mlir_py.text.dynamic_index_list import (
    dispatch_index_list,
    mixed_index_list,
    static_shape_mismatch,
    verify_output_shape,
)

# ----------------------------------------------------------------------------
# Reassociative reshapes
# ----------------------------------------------------------------------------


def infer_collapsed_type(expanded: RankedTensorType, reassoc) -> RankedTensorType:
    """CollapseShapeOp::inferCollapsedType: a group's size is the product of its
    dims, dynamic when one of them is."""
    shape = []
    for group in reassoc:
        band = [expanded.shape[d] for d in group]
        if DYNAMIC in band:
            shape.append(DYNAMIC)
        else:
            size = 1
            for d in band:
                size *= d
            shape.append(size)
    return RankedTensorType(tuple(shape), expanded.element_type)


def _verify_reshape(op, expanded: RankedTensorType, collapsed: RankedTensorType) -> str | None:
    """verifyTensorReshapeOp (verifyReshapeLikeTypes + the inferred collapsed type)."""
    reassoc = op.reassociation_indices
    if any(not g for g in reassoc):
        return "reassociation indices must not be empty"
    if expanded.rank < collapsed.rank:
        return (f"expected the expanded type, '{expanded}' to have a higher (or same) rank than the collapsed type, "
                f"'{collapsed}'.")
    if collapsed.rank != len(reassoc):
        return (f"expected collapsed rank ({collapsed.rank}) to equal the number of reassociation maps "
                f"({len(reassoc)}).")
    n_dims = max((d for g in reassoc for d in g), default=-1) + 1
    for i in range(len(reassoc)):
        if n_dims != expanded.rank:
            return (f"expected reassociation map #{i} to have size equal to the expanded rank ({expanded.rank}), "
                    f"but it is  {n_dims}.")
    nxt = 0
    for i, g in enumerate(reassoc):
        for d in g:
            if d != nxt:
                return f"expected reassociation map #{i} to be valid and contiguous."
            nxt += 1
    if reassoc and nxt != n_dims:
        return f"expected reassociation map #{len(reassoc) - 1} to be valid and contiguous."
    start = 0
    for i, g in enumerate(reassoc):
        band = expanded.shape[start:start + len(g)]
        start += len(g)
        if DYNAMIC in band:
            if collapsed.shape[i] != DYNAMIC:
                return (f"expected dimension {i} of collapsed type to be dynamic since one or more of the "
                        f"corresponding dimensions in the expanded type is dynamic")
        else:
            size = 1
            for d in band:
                size *= d
            if collapsed.shape[i] != size:
                return f"expected dimension {i} of collapsed type to be static value of {size}"
    if DYNAMIC not in expanded.shape and DYNAMIC not in collapsed.shape:
        n_e = n_c = 1
        for d in expanded.shape:
            n_e *= d
        for d in collapsed.shape:
            n_c *= d
        if n_e != n_c:
            return f"number of elements must be preserved: {n_e} != {n_c}"
    expected = infer_collapsed_type(expanded, reassoc)
    if expected.shape != collapsed.shape or expected.element_type is not collapsed.element_type:
        return f"expected collapsed type to be '{expected}', but got '{collapsed}'"
    return None


def _fold_reshape(op, operands, inverse):
    """foldReshapeOp: an identity reshape, the inverse of the producer
    reshape (same type back), and reshapes of constants fold."""
    from mlir_py.ir.builtin_attributes import DenseElementsAttr
    res = op.result.type
    if op.src.type is res:
        return op.src
    producer = op.src.owner
    if isinstance(producer, inverse) and producer.src.type is res:
        return producer.src
    src = operands[0]
    if isinstance(src, DenseElementsAttr) and DYNAMIC not in res.shape:
        return DenseElementsAttr(src.array.reshape(res.shape), res)
    return None


class _Reassociative:
    __slots__ = ()

    @property
    def reassociation_indices(self) -> list[list[int]]:
        return reassociation_indices(self.reassociation)


class ExpandShapeOp(_Reassociative, DynamicIndexListDirective, Op):
    """Splits each source dimension into the group of result dimensions listed
    in `reassociation`; `output_shape` gives the result sizes (values for the
    dynamic ones).

    ```mlir
    %e = tensor.expand_shape %t [[0, 1], [2]] output_shape [%n, 4, 32] : tensor<?x32xf32> into tensor<?x4x32xf32>
    ```
    """

    name = "tensor.expand_shape"
    traits = [OpAsmOpInterface, Pure]
    src = operand(RankedTensor)
    reassociation = prop(IndexListArrayAttr)
    output_shape = var_operand(Index)
    static_output_shape = prop(I64Array)
    result = result(RankedTensor)
    assembly_format = ("$src $reassociation `output_shape` "
                       "custom<DynamicIndexList>($output_shape, $static_output_shape) attr-dict `:` "
                       "type($src) `into` type($result)")

    def get_asm_result_name(self) -> str:
        return "expanded"

    @classmethod
    def build_mixed(cls, src, reassociation, output_shape, result_type=None, **kw) -> ExpandShapeOp:
        """Build from groups of dims and a list of ints and `index` values."""
        values, static = dispatch_index_list(output_shape)
        if result_type is None:
            result_type = RankedTensorType(static.values, src.type.element_type)
        return cls(src, values, reassociation=reassociation_attr(reassociation), static_output_shape=static,
                   result_types=[result_type], **kw)

    @property
    def mixed_output_shape(self) -> list:
        return mixed_index_list(self.output_shape, self.static_output_shape)

    def verify_(self):
        src, res = self.src.type, self.result.type
        err = (verify_output_shape(self.output_shape, self.static_output_shape, res.shape)
               or _verify_reshape(self, res, src))
        return err or static_shape_mismatch(self.static_output_shape, res.shape)

    def fold(self, operands):
        return _fold_reshape(self, operands, CollapseShapeOp)


class CollapseShapeOp(_Reassociative, Op):
    """Merges each group of contiguous dimensions listed in `reassociation`
    into one dimension.

    ```mlir
    %c = tensor.collapse_shape %t [[0, 1], [2]] : tensor<?x4x32xf32> into tensor<?x32xf32>
    ```
    """

    name = "tensor.collapse_shape"
    traits = [OpAsmOpInterface, Pure]
    src = operand(RankedTensor)
    reassociation = prop(IndexListArrayAttr)
    result = result(RankedTensor)
    assembly_format = "$src $reassociation attr-dict `:` type($src) `into` type($result)"

    def get_asm_result_name(self) -> str:
        return "collapsed"

    @classmethod
    def build(cls, src, reassociation, result_type=None, **kw) -> CollapseShapeOp:
        """Build from groups of dims; the result type is inferred unless given."""
        if result_type is None:
            result_type = infer_collapsed_type(src.type, reassociation)
        return cls(src, reassociation=reassociation_attr(reassociation), result_types=[result_type], **kw)

    def verify_(self):
        return _verify_reshape(self, self.src.type, self.result.type)

    def fold(self, operands):
        return _fold_reshape(self, operands, ExpandShapeOp)


# ----------------------------------------------------------------------------
# reshape
# ----------------------------------------------------------------------------


def _is_1d_int_or_index_tensor(t) -> bool:
    return (isinstance(t, RankedTensorType) and t.rank == 1
            and isinstance(t.element_type, (IntegerType, IndexType)))


Rank1IntOrIndexTensor = Predicate(_is_1d_int_or_index_tensor,
                                  "1D tensor of signless integer or index values")


class ReshapeOp(Op):
    """Reshapes a tensor to the shape held in the 1-D `shape` tensor (a
    ranked result needs a statically sized shape operand); the element count
    stays the same.

    ```mlir
    %r = tensor.reshape %t(%shape) : (tensor<4x1xf32>, tensor<1xi32>) -> tensor<4xf32>
    ```
    """

    name = "tensor.reshape"
    traits = [OpAsmOpInterface, Pure]
    source = operand(AnyTensorC)
    shape = operand(Rank1IntOrIndexTensor)
    result = result(AnyTensorC)
    assembly_format = "$source `(` $shape `)` attr-dict `:` functional-type(operands, results)"

    def get_asm_result_name(self) -> str:
        return "reshape"

    def verify_(self):
        src, res = self.source.type, self.result.type
        if src.element_type is not res.element_type:
            return "element types of source and destination tensor types should be the same"
        shape_size = self.shape.type.shape[0]
        if isinstance(res, RankedTensorType):
            if isinstance(src, RankedTensorType) and DYNAMIC not in src.shape and DYNAMIC not in res.shape:
                n_src = n_res = 1
                for d in src.shape:
                    n_src *= d
                for d in res.shape:
                    n_res *= d
                if n_src != n_res:
                    return "source and destination tensor should have the same number of elements"
            if shape_size == DYNAMIC:
                return ("cannot use shape operand with dynamic length to reshape to statically-ranked tensor "
                        "type")
            if shape_size != res.rank:
                return "length of shape operand differs from the result's tensor rank"
        return None

    def fold(self, operands):
        from mlir_py.ir.builtin_attributes import DenseElementsAttr
        src = operands[0]
        res = self.result.type
        if (isinstance(src, DenseElementsAttr) and src.is_splat and isinstance(res, RankedTensorType)
                and DYNAMIC not in res.shape):
            return DenseElementsAttr(src.splat_value(), res)
        producer = self.source.owner
        if isinstance(producer, ReshapeOp):
            self.set_operand(0, producer.source)
            return self.result
        if self.source.type is not res or not isinstance(res, RankedTensorType):
            return None
        if res.rank == 1:
            return self.source
        from mlir_py.dialects.tensor.ops import DimOp, FromElementsOp
        from mlir_py.dialects.tensor.pattern_utils import const_int
        shape = self.shape.owner
        if isinstance(shape, FromElementsOp):
            for i, v in enumerate(shape.elements):
                if isinstance(v.owner, DimOp) and v.owner.source is self.source and const_int(v.owner.index) == i:
                    continue
                c = const_int(v)
                if c is None or c != res.shape[i] or res.shape[i] == DYNAMIC:
                    return None
            return self.source
        return None


# ----------------------------------------------------------------------------
# concat
# ----------------------------------------------------------------------------


def infer_concat_type(dim: int, types) -> RankedTensorType:
    """ConcatOp::inferResultType: sizes summed along `dim` (dynamic if one is),
    the most static of the inputs' sizes elsewhere."""
    first = types[0]
    shape = list(first.shape)
    for t in types[1:]:
        for i in range(first.rank):
            if i != dim and shape[i] == DYNAMIC:
                shape[i] = t.shape[i]
    total = 0
    for t in types:
        d = t.shape[dim]
        if d == DYNAMIC or total == DYNAMIC:
            total = DYNAMIC
        else:
            total += d
    shape[dim] = total
    return RankedTensorType(tuple(shape), first.element_type)


class ConcatOp(Op):
    """Joins tensors of equal rank along dimension `dim`; the other
    dimensions must agree.

    ```mlir
    %c = tensor.concat dim(0) %a, %b : (tensor<3x6xf32>, tensor<3x6xf32>) -> tensor<6x6xf32>
    ```
    """

    name = "tensor.concat"
    traits = [OpAsmOpInterface, Pure]
    dim = prop(I64Attr)
    inputs = var_operand(RankedTensor)
    result = result(RankedTensor)
    assembly_format = "`dim` `(` $dim `)` $inputs attr-dict `:` functional-type(operands, results)"

    def get_asm_result_name(self) -> str:
        return "concat"

    @classmethod
    def build(cls, dim: int, inputs, **kw) -> ConcatOp:
        """Build with the inferred result type."""
        return cls(list(inputs), dim=IntegerAttr(dim, i64),
                   result_types=[infer_concat_type(dim, [v.type for v in inputs])], **kw)

    def verify_(self):
        types = [v.type for v in self.inputs]
        if not types:
            return "requires at least one input"
        res = self.result.type
        rank = res.rank
        for i, t in enumerate(types):
            if t.rank != rank:
                return "rank of concatenated inputs must match result rank"
            if t.element_type is not res.element_type:
                return "inputs and result element type must match"
        dim = self.dim.value
        if dim >= rank:
            return "concatenation dim must be less than the tensor rank"
        sizes = [DYNAMIC] * rank
        for t in types:
            for i in range(rank):
                if i == dim or t.shape[i] == DYNAMIC:
                    continue
                if sizes[i] != DYNAMIC and sizes[i] != t.shape[i]:
                    return f"static concatenation size mismatch along non-concatenated dimension {i}"
                sizes[i] = t.shape[i]
        inferred = infer_concat_type(dim, types)
        if inferred.rank != rank or any(r != DYNAMIC and e != DYNAMIC and r != e
                                        for r, e in zip(res.shape, inferred.shape)):
            return f"result type '{res}'does not match inferred shape '{inferred}' static sizes"
        return None

    def fold(self, operands):
        if len(self.inputs) == 1 and self.inputs[0].type is self.result.type:
            return self.inputs[0]
        return None


OPS = [ExpandShapeOp, CollapseShapeOp, ReshapeOp, ConcatOp]
