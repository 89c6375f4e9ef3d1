"""Helpers shared by the tensor ops: mixed static/dynamic lists, reassociation
groups, and the constraints the op declarations use."""

from __future__ import annotations

from mlir_py.builtin.constraints import DenseArrayOf
from mlir_py.definition.constraints import BaseAttr, Predicate
from mlir_py.ir.builtin_attributes import ArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import DYNAMIC, RankedTensorType, TensorType, UnrankedTensorType, i64
from mlir_py.text.dynamic_index_list import parse_dynamic_index_list, print_dynamic_index_list

I64Array = DenseArrayOf(i64, "i64 dense array attribute")
RankedTensor = BaseAttr(RankedTensorType, description="ranked tensor of any type values")
AnyTensorC = BaseAttr(RankedTensorType, UnrankedTensorType, description="tensor of any type values")


def _is_static_tensor(t) -> bool:
    return isinstance(t, RankedTensorType) and DYNAMIC not in t.shape


StaticShapeTensor = Predicate(_is_static_tensor, "statically shaped tensor of any type values")


def _is_non0_tensor(t) -> bool:
    return isinstance(t, UnrankedTensorType) or (isinstance(t, RankedTensorType) and len(t.shape) > 0)


Non0RankedOrUnrankedTensor = Predicate(_is_non0_tensor, "non-0-ranked or unranked tensor")


def _is_index_list_array(a) -> bool:
    return isinstance(a, ArrayAttr) and all(
        isinstance(g, ArrayAttr) and all(isinstance(x, IntegerAttr) and x.type is i64 for x in g) for g in a)


#: expand_shape/collapse_shape `reassociation`
IndexListArrayAttr = Predicate(_is_index_list_array, "Array of 64-bit integer array attributes")


def q(t) -> str:
    """A type as MLIR diagnostics print it: quoted."""
    return f"'{t}'"


def reassociation_indices(attr: ArrayAttr) -> list[list[int]]:
    return [[x.value for x in group] for group in attr]


def reassociation_attr(groups) -> ArrayAttr:
    return ArrayAttr(tuple(ArrayAttr(tuple(IntegerAttr(i, i64) for i in g)) for g in groups))


def is_tensor(t) -> bool:
    return isinstance(t, TensorType)


class DynamicIndexListDirective:
    """`custom<DynamicIndexList>` for the ops' assembly formats."""

    __slots__ = ()

    @classmethod
    def parse_DynamicIndexList(cls, parser):  # noqa: N802 (directive name)
        return parse_dynamic_index_list(parser)

    def print_DynamicIndexList(self, printer, values, static) -> None:  # noqa: N802
        print_dynamic_index_list(printer, values, static)
