"""tensor.gather and tensor.scatter: read or write slices of a tensor at
coordinates held in an `indices` tensor (its last dimension lists, per
slice, one coordinate per gathered/scattered dimension)."""

from __future__ import annotations

from mlir_py.dialects.tensor.common import I64Array, RankedTensor

from mlir_py.definition.constraints import BaseAttr, Predicate
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result
from mlir_py.definition.traits import AllTypesMatch, OpAsmOpInterface, Pure
from mlir_py.ir.builtin_attributes import DenseElementsAttr, UnitAttr
from mlir_py.ir.builtin_types import DYNAMIC, IndexType, IntegerType, RankedTensorType


def _is_int_or_index_tensor(t) -> bool:
    et = getattr(t, "element_type", None)
    return isinstance(t, RankedTensorType) and (
        isinstance(et, IndexType) or (isinstance(et, IntegerType) and et.signedness == "signless"))


IndicesTensor = Predicate(_is_int_or_index_tensor, "ranked tensor of signless integer or index values")
UnitAttrC = BaseAttr(UnitAttr, description="unit attribute")


def infer_gather_type(source: RankedTensorType, indices: RankedTensorType, dims, rank_reduced: bool
                      ) -> RankedTensorType:
    """GatherOp::inferResultType: the indices' batch shape, then the source's
    shape with the gathered dims as 1 (or dropped when `rank_reduced`)."""
    shape = list(indices.shape[:-1])
    for i, d in enumerate(source.shape):
        if i in dims:
            if not rank_reduced:
                shape.append(1)
            continue
        shape.append(d)
    return RankedTensorType(tuple(shape), source.element_type, source.encoding)


def _verify_dims(dims, indices_shape, rank: int, what: str, of: str) -> str | None:
    """verifyGatherOrScatterDims."""
    if not dims:
        return f"{what}_dims must be non-empty"
    if len(dims) > rank:
        return f"{what}_dims overflow {of} rank"
    if not indices_shape or indices_shape[-1] != len(dims):
        return f"{what}_dims length must match the size of last dimension of indices"
    for d in dims:
        if d < 0:
            return f"{what}_dims value must be non-negative"
        if d >= rank:
            return f"{what}_dims value must be smaller than {of} rank"
    for a, b in zip(dims, dims[1:]):
        if a >= b:
            return f"{what}_dims values must be strictly increasing"
    return None


class GatherOp(Op):
    """Gathers slices of `source`: for each coordinate tuple in the last
    dimension of `indices`, the slice at those coordinates of `gather_dims`
    (sizes 1 there, or dropped in the rank-reduced form). `unique` asserts the
    coordinates are distinct.

    ```mlir
    %g = tensor.gather %src[%idx] gather_dims([1, 2]) : (tensor<4x5x6xf32>, tensor<7x2xindex>) -> tensor<7x4x1x1xf32>
    ```
    """

    name = "tensor.gather"
    traits = [OpAsmOpInterface, Pure]
    source = operand(RankedTensor)
    indices = operand(IndicesTensor)
    gather_dims = prop(I64Array)
    unique = opt_prop(UnitAttrC)
    result = result(RankedTensor)
    assembly_format = ("$source `[` $indices `]` `gather_dims` `(` $gather_dims `)` (`unique` $unique^)? "
                       "attr-dict `:` functional-type(operands, results)")

    def get_asm_result_name(self) -> str:
        return "gather"

    def fold(self, operands):
        src, res = operands[0], self.result.type
        if isinstance(src, DenseElementsAttr) and src.is_splat and DYNAMIC not in res.shape:
            return DenseElementsAttr(src.splat_value(), res)
        return None

    def verify_(self):
        src, idx = self.source.type, self.indices.type
        dims = list(self.gather_dims.values)
        err = _verify_dims(dims, idx.shape, src.rank, "gather", "source")
        if err:
            return err
        full = infer_gather_type(src, idx, dims, False)
        reduced = infer_gather_type(src, idx, dims, True)
        res = self.result.type
        if res is not full and res is not reduced:
            return (f"result type mismatch: expected '{full}' or its rank-reduced variant '{reduced}' "
                    f"(got: '{res}')")
        return None


class ScatterOp(Op):
    """Writes slices of `source` into a copy of `dest` at the coordinates
    listed in `indices` (as tensor.gather reads them); `unique` is required.

    ```mlir
    %s = tensor.scatter %src into %dest[%idx] scatter_dims([1, 2]) unique
        : (tensor<7x4x1x1xf32>, tensor<4x5x6xf32>, tensor<7x2xindex>) -> tensor<4x5x6xf32>
    ```
    """

    name = "tensor.scatter"
    traits = [OpAsmOpInterface, Pure, AllTypesMatch("dest", "result")]
    source = operand(RankedTensor)
    dest = operand(RankedTensor)
    indices = operand(IndicesTensor)
    scatter_dims = prop(I64Array)
    unique = opt_prop(UnitAttrC)
    result = result(RankedTensor)
    assembly_format = ("$source `into` $dest `[` $indices `]` `scatter_dims` `(` $scatter_dims `)` "
                       "(`unique` $unique^)? attr-dict `:` functional-type(operands, results)")

    def get_asm_result_name(self) -> str:
        return "scatter"

    def verify_(self):
        dst, idx = self.dest.type, self.indices.type
        dims = list(self.scatter_dims.values)
        err = _verify_dims(dims, idx.shape, dst.rank, "scatter", "dest")
        if err:
            return err
        if self.unique is None:
            return "requires 'unique' attribute to be set"
        full = infer_gather_type(dst, idx, dims, False)
        reduced = infer_gather_type(dst, idx, dims, True)
        src = self.source.type
        if src is not full and src is not reduced:
            return (f"source type mismatch: expected '{full}' or its rank-reduced variant '{reduced}' "
                    f"(got: '{src}')")
        return None


OPS = [GatherOp, ScatterOp]
