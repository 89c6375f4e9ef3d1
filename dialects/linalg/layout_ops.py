"""linalg.transpose and linalg.broadcast: structured ops whose body only
copies the input element, with upstream's `permutation = [...]` /
`dimensions = [...]` syntax and `%transposed` / `%broadcasted` result names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.linalg.generic_ops import YieldOp, body_block_types, tensor_result_types
from mlir_py.dialects.linalg.interface import (
    DestinationStyleOpInterface,
    LinalgStructuredInterface,
    StructuredOpMixin,
    operand_rank,
)
from mlir_py.dialects.linalg.syntax import (
    move_inherent,
    parse_common_parts,
    parse_dense_i64_list,
    print_common_parts,
    print_dense_i64_list,
)

from mlir_py.builtin.constraints import AnyRankedTensor, AnyShaped, DenseArrayOf
from mlir_py.definition.opdef import Op, operand, prop, region, var_result
from mlir_py.definition.traits import RecursiveMemoryEffects, SingleBlockImplicitTerminator
from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import TensorType, i64
from mlir_py.ir.operation import Block, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

I64Array = DenseArrayOf(i64, "i64 dense array attribute")
LAYOUT_TRAITS = [DestinationStyleOpInterface, RecursiveMemoryEffects, SingleBlockImplicitTerminator("linalg.yield"),
                 LinalgStructuredInterface]


def identity_region(inputs: Sequence[Value], outputs: Sequence[Value]) -> Region:
    """One block with an argument per operand that yields the first (upstream's buildIdentityRegion)."""
    block = Block(body_block_types(inputs, outputs))
    block.append(YieldOp([block.args[0]]))
    return Region([block])


class _CopyLikeOp(Op, StructuredOpMixin):
    """transpose / broadcast: one input, one init, an i64 array attribute, an identity body."""

    input = operand(AnyShaped)
    init = operand(AnyShaped)
    result = var_result(AnyRankedTensor)
    region = region()
    #: the array property the custom form spells after `outs(...)`
    array_name: str = ""
    result_name: str = ""

    @property
    def inputs(self) -> list[Value]:
        return [self.input]

    @property
    def outputs(self) -> list[Value]:
        return [self.init]

    def get_asm_result_name(self) -> str:
        return self.result_name

    def get_asm_block_arg_names(self, region: Region) -> dict:
        b = region.first_block
        return {} if b is None else {a: ("in" if i == 0 else "init") for i, a in enumerate(b.args)}

    def get_iterator_types(self) -> list[str]:
        return ["parallel"] * operand_rank(self.init.type)

    @classmethod
    def build(cls, input: Value, init: Value, array: Sequence[int], *, attributes: dict | None = None,
              location: Any = None):
        """The op with its identity body; the result is the init's type on tensors."""
        props = {cls.array_name: DenseArrayAttr(i64, tuple(array))}
        return cls.create([input, init], tensor_result_types([init]), props, attributes,
                          [identity_region([input, init], [])], (), location)

    @classmethod
    def parse(cls, parser: Parser):
        parts = parse_common_parts(parser, cls)
        props = dict(parts.props)
        props[cls.array_name] = DenseArrayAttr(i64, tuple(parse_dense_i64_list(parser, cls.array_name)))
        attrs = dict(parts.attrs)
        attrs.update(parser.parse_optional_attr_dict())
        move_inherent(cls, attrs, props)
        props.pop("operandSegmentSizes", None)
        operands = parts.inputs + parts.outputs
        return cls.create(operands, tensor_result_types(parts.outputs), props, attrs,
                          [identity_region(operands, [])])

    def print(self, printer: Printer) -> None:
        print_common_parts(printer, [self.input], [self.init])
        print_dense_i64_list(printer, self.array_name, self.properties[self.array_name].values)
        printer.print_optional_attr_dict({**{k: v for k, v in self.properties.items() if k != self.array_name},
                                          **self.attributes})


class TransposeOp(_CopyLikeOp):
    """Permutes the dimensions of the input into the init: dimension i of
    the init is dimension `permutation[i]` of the input.

    ```mlir
    %t = linalg.transpose ins(%a : tensor<4x8xf32>) outs(%init : tensor<8x4xf32>) permutation = [1, 0]
    ```
    """

    name = "linalg.transpose"
    traits = LAYOUT_TRAITS
    permutation = prop(I64Array)
    array_name = "permutation"
    result_name = "transposed"

    def get_indexing_maps(self) -> list[AffineMap]:
        perm = list(self.permutation.values)
        rank = operand_rank(self.init.type)
        inv = AffineMap.get_permutation(perm).inverse_permutation()
        if inv is None:
            raise ValueError("permutation is not valid")
        return [inv, AffineMap.get_multi_dim_identity(rank)]

    def fold(self, operands: list) -> Any:
        """A transpose of a tensor by the identity permutation is its input."""
        perm = list(self.permutation.values)
        if isinstance(self.input.type, TensorType) and perm == list(range(len(perm))):
            return [self.input]
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.linalg.canonicalize import TRANSPOSE_PATTERNS
        return TRANSPOSE_PATTERNS

    def verify_(self) -> str | None:
        perm = list(self.permutation.values)
        if not _ranked(self.input, self.init):
            return None  # the operand constraints report it
        if sorted(perm) != list(range(len(perm))):
            return "permutation is not valid"
        it, ot = self.input.type, self.init.type
        rank = operand_rank(it)
        if rank != operand_rank(ot):
            return f"input rank ({rank}) does not match init rank ({operand_rank(ot)})"
        if rank != len(perm):
            return f"size of permutation {len(perm)} does not match the argument rank {rank}"
        for i in range(rank):
            if it.shape[perm[i]] != ot.shape[i]:
                return (f"dim(result, {i}) = {_dim(ot.shape[i])} doesn't match dim(input, permutation[{i}]) = "
                        f"{_dim(it.shape[perm[i]])}")
        return None


class BroadcastOp(_CopyLikeOp):
    """Copies the input into every position of the added `dimensions` of
    the init (the other init dimensions are the input's, in order).

    ```mlir
    %b = linalg.broadcast ins(%bias : tensor<8xf32>) outs(%init : tensor<4x8xf32>) dimensions = [0]
    ```
    """

    name = "linalg.broadcast"
    traits = LAYOUT_TRAITS
    dimensions = prop(I64Array)
    array_name = "dimensions"
    result_name = "broadcasted"

    def get_indexing_maps(self) -> list[AffineMap]:
        rank = operand_rank(self.init.type)
        ident = AffineMap.get_multi_dim_identity(rank)
        return [ident.drop_results(list(self.dimensions.values)), ident]

    def fold(self, operands: list) -> Any:
        """A broadcast of a tensor adding no dimension is its input."""
        if isinstance(self.input.type, TensorType) and not self.dimensions.values:
            return [self.input]
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.linalg.canonicalize import BROADCAST_PATTERNS
        return BROADCAST_PATTERNS

    def verify_(self) -> str | None:
        dims = list(self.dimensions.values)
        if not _ranked(self.input, self.init):
            return None  # the operand constraints report it
        it, ot = self.input.type, self.init.type
        in_rank, init_rank = operand_rank(it), operand_rank(ot)
        if in_rank + len(dims) != init_rank:
            return (f"input rank plus added dimensions does not match init rank. input rank: {in_rank}, "
                    f"dimensions size: {len(dims)}, init rank: {init_rank}")
        for idx, d in enumerate(dims):
            if d < 0 or d >= init_rank:
                return f"dimension {idx} is out of range. expected range: [0, {init_rank - 1}], got: {d}"
        kept = [d for d in range(init_rank) if d not in dims]
        for i, d in enumerate(kept):
            if it.shape[i] != ot.shape[d]:
                return (f"input dim {i} should match init dim {d}. input: {_dim(it.shape[i])}, "
                        f"init: {_dim(ot.shape[d])}")
        return None


def _ranked(*values: Value) -> bool:
    from mlir_py.ir.builtin_types import MemRefType, RankedTensorType
    return all(isinstance(v.type, (RankedTensorType, MemRefType)) for v in values)


def _dim(d: int) -> str:
    from mlir_py.ir.builtin_types import DYNAMIC
    return "-9223372036854775808" if d == DYNAMIC else str(d)


OPS = [BroadcastOp, TransposeOp]

__all__ = ["BroadcastOp", "TransposeOp", "identity_region"]
