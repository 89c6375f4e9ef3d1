"""linalg.softmax: upstream's aggregate op (not a structured op: it has no
body and no indexing maps) and its decomposition into structured ops.

`decompose_softmax` is upstream's SoftmaxOp::decomposeOperation (the
AggregatedOpInterface that `transform.structured.decompose_interface`
calls): with d the softmax dimension,

    m = max over d of x          (linalg.fill with -NaN, the identity of maxnumf; a reduction generic)
    z = exp(x - m)               (a parallel generic into the output)
    s = sum over d of z          (linalg.fill with 0; a reduction generic)
    y = z / s                    (a parallel generic into the output)

which subtracts the maximum first, so exp never overflows. Passes reach it
through `SoftmaxOp.decompose_operation(rewriter)`.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from mlir_py.dialects import arith, math, tensor
from mlir_py.dialects.linalg.core_named_ops import FillOp
from mlir_py.dialects.linalg.generic_ops import GenericOp
from mlir_py.dialects.linalg.interface import DestinationStyleOpInterface, StructuredOpMixin
from mlir_py.dialects.linalg.opdsl_base import fold_memref_casts

from mlir_py.builtin.constraints import AnyRankedTensor, I64Attr
from mlir_py.definition.constraints import Predicate
from mlir_py.definition.opdef import Op, operand, prop, var_result
from mlir_py.definition.traits import MemoryEffect, Read, Trait, Write
from mlir_py.ir.affine_expr import AffineMap, dim
from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, BaseMemRefType, FloatType, RankedTensorType, ShapedType, index

if TYPE_CHECKING:
    from mlir_py.ir.operation import Value
    from mlir_py.rewrite.pattern import PatternRewriter

AnyShapedC = Predicate(lambda t: isinstance(t, ShapedType), "shaped of any non-token type values")


class _SameElementType(Trait):
    """PredOpTrait: input and output have the same element type."""

    def verify(self, op):
        if op.input.type.element_type is not op.output.type.element_type:
            return "failed to verify that input and output have same element type"
        return None


class SoftmaxOp(Op):
    """Softmax of `input` along `dimension`, written to `output` (destination
    style: a tensor output gives the result, a memref one is written).
    Not a structured op: decompose it (`decompose_operation`) into fills and
    generics before loops are made.

    ```mlir
    %0 = linalg.softmax dimension(1) ins(%x : tensor<2x16xf32>) outs(%init : tensor<2x16xf32>) -> tensor<2x16xf32>
    ```
    """

    name = "linalg.softmax"
    traits = [_SameElementType, DestinationStyleOpInterface]
    input = operand(AnyShapedC)
    output = operand(AnyShapedC)
    dimension = prop(I64Attr)
    result = var_result(AnyRankedTensor)
    assembly_format = ("attr-dict `dimension` `(` $dimension `)` `ins` `(` $input `:` type($input) `)` "
                       "`outs` `(` $output `:` type($output) `)` (`->` type($result)^)?")

    # destination style (what DestinationStyleOpInterface reads)
    def get_dps_inputs(self) -> list[Value]:
        return [self.input]

    def get_dps_inits(self) -> list[Value]:
        return [self.output]

    get_dps_input_operands = StructuredOpMixin.get_dps_input_operands
    get_dps_init_operands = StructuredOpMixin.get_dps_init_operands
    get_num_dps_inputs = StructuredOpMixin.get_num_dps_inputs
    get_num_dps_inits = StructuredOpMixin.get_num_dps_inits
    get_tied_result = StructuredOpMixin.get_tied_result
    get_tied_init = StructuredOpMixin.get_tied_init

    def get_effects(self) -> list[MemoryEffect]:
        """Reads a memref input, reads and writes a memref output (upstream's getGenericEffectsImpl)."""
        effects: list[MemoryEffect] = []
        if isinstance(self.input.type, BaseMemRefType):
            effects.append(Read(self.input))
        if isinstance(self.output.type, BaseMemRefType):
            effects += [Read(self.output), Write(self.output)]
        return effects

    def verify_(self) -> str | None:
        a, b = self.input.type, self.output.type
        if a.has_rank and b.has_rank and (a.rank != b.rank or any(
                x != y and x != DYNAMIC and y != DYNAMIC for x, y in zip(a.shape, b.shape))):
            return "incompatible output shape"
        d = self.dimension.value
        if not 0 <= d < (a.rank if a.has_rank else 0):
            return "incorrect dimension specified"
        return None

    def fold(self, operands):
        return fold_memref_casts(self)

    @classmethod
    def build(cls, input: Value, output: Value, dimension: int, *, location: Any = None) -> SoftmaxOp:
        """Softmax of `input` along `dimension` into `output`."""
        from mlir_py.ir.builtin_types import i64
        results = [output.type] if isinstance(output.type, RankedTensorType) else []
        return cls(input, output, dimension=IntegerAttr(dimension, i64), result_types=results, location=location)

    def decompose_operation(self, rewriter: PatternRewriter) -> list[Value] | None:
        """AggregatedOpInterface: build the decomposition before this op and return its results
        (None for memref operands, which it does not handle)."""
        return decompose_softmax(self, rewriter)


def _neg_nan(t: FloatType) -> FloatAttr:
    """-NaN: the identity of arith.maxnumf that upstream's decomposition fills with."""
    nan = struct.unpack(">d", bytes.fromhex("fff8000000000000"))[0]
    return FloatAttr(nan, t)


def _maps(rank: int, d: int, all_parallel: bool) -> tuple[list[AffineMap], list[str]]:
    """(maps, iterators) of upstream's computeIteratorTypesAndIndexingMaps."""
    ident = AffineMap.get_multi_dim_identity(rank)
    reduced = AffineMap(rank, 0, tuple(dim(i) for i in range(rank) if i != d))
    iters = ["parallel" if all_parallel or i != d else "reduction" for i in range(rank)]
    return ([ident, reduced, ident] if all_parallel else [ident, reduced]), iters


def decompose_softmax(op: SoftmaxOp, rw: PatternRewriter) -> list[Value] | None:
    """Upstream's SoftmaxOp::decomposeOperation, inserted before `op`; returns the replacement values
    (the op itself is left for the caller to replace). None when the operands are not ranked tensors."""
    x, out = op.input, op.output
    xt = x.type
    if not isinstance(xt, RankedTensorType) or not isinstance(out.type, RankedTensorType):
        return None
    et, rank, d = xt.element_type, xt.rank, op.dimension.value
    rw.set_insertion_point(op)
    sizes: list[Any] = []
    for i, n in enumerate(xt.shape):
        if n == DYNAMIC:
            c = rw.create(arith.ConstantOp(value=IntegerAttr(i, index), result_types=[index])).results[0]
            sizes.append(rw.create(tensor.DimOp(x, c)).results[0])
        else:
            sizes.append(n)
    del sizes[d]
    red_t = RankedTensorType([n if isinstance(n, int) else DYNAMIC for n in sizes], et)
    empty = rw.create(tensor.EmptyOp([n for n in sizes if not isinstance(n, int)], result_types=[red_t]))
    init = empty.results[0]
    # 1. m = max over d
    neutral = rw.create(arith.ConstantOp(value=_neg_nan(et), result_types=[et])).results[0]
    max_init = rw.create(FillOp.build([neutral], [init])).results[0]
    maps, iters = _maps(rank, d, False)
    mx = rw.create(GenericOp.build([x], [max_init], maps, iters,
                                   lambda b, a, acc: b.create(arith.MaxNumFOp(a, acc)))).results[0]
    # 2. z = exp(x - m)
    maps, iters = _maps(rank, d, True)
    num = rw.create(GenericOp.build([x, mx], [out], maps, iters,
                                    lambda b, a, m, _o: b.create(math.ExpOp(b.create(arith.SubFOp(a, m)))),
                                    result_types=[xt])).results[0]
    # 3. s = sum over d
    zero = rw.create(arith.ConstantOp(value=FloatAttr(0.0, et), result_types=[et])).results[0]
    sum_init = rw.create(FillOp.build([zero], [init])).results[0]
    maps, iters = _maps(rank, d, False)
    den = rw.create(GenericOp.build([num], [sum_init], maps, iters,
                                    lambda b, a, acc: b.create(arith.AddFOp(a, acc)))).results[0]
    # 4. y = z / s
    maps, iters = _maps(rank, d, True)
    res = rw.create(GenericOp.build([num, den], [out], maps, iters,
                                    lambda b, a, s, _o: b.create(arith.DivFOp(a, s)))).results[0]
    return [res]


__all__ = ["SoftmaxOp", "decompose_softmax"]
