"""What every graph op shares: tensor constraints by element type, and the
base class that turns a shape rule (inference.py) into result-type inference
for builders and parsers and into the verifier's check of a written type."""

from __future__ import annotations

from typing import Any, Sequence

from mlir_py.dialects.graph.inference import ShapeError

from mlir_py.definition.constraints import Predicate
from mlir_py.definition.opdef import Op
from mlir_py.ir.builtin_attributes import StringAttr
from mlir_py.ir.builtin_types import DYNAMIC, RankedTensorType, f16, f32, i1, i32, i64

#: element types by what an op accepts (the docstring of each op says which)
FLOAT32 = (f32,)
FLOATS = (f32, f16)
NUMBERS = (f32, f16, i32, i64)
INTEGERS = (i32, i64)
BOOL = (i1,)
#: every element type a graph tensor may have (compare results, where conditions and casts bring in i1)
ANY = (f32, f16, i32, i64, i1)


class GraphTypeError(ValueError):
    """Raised by a builder (no result types given) when the operands or attributes of a graph op fit no result;
    the message starts with the op name."""


def _names(types: Sequence[Any]) -> str:
    return " or ".join(str(t) for t in types)


def TensorOf(types: Sequence[Any]) -> Predicate:
    """A ranked tensor with a static shape whose element type is one of `types`."""
    allowed = tuple(types)
    return Predicate(lambda t: isinstance(t, RankedTensorType) and t.element_type in allowed
                     and DYNAMIC not in t.shape and t.encoding is None,
                     f"statically shaped tensor of {_names(allowed)} values")


def StringOf(*values: str) -> Predicate:
    """A string attribute naming one of `values` (an op's mode)."""
    quoted = " or ".join(f'"{v}"' for v in values)
    return Predicate(lambda a: isinstance(a, StringAttr) and a.value in values, f"string attribute {quoted}")


class GraphOp(Op):
    """Base of the graph ops whose result type follows from operands and attributes.

    Subclasses define `infer(cls, types, attr)` returning the result type (or raising ShapeError), where `types`
    are the operand types in order (None for an absent optional operand) and `attr(name)` gives a property
    with its default filled in.
    """

    @classmethod
    def infer(cls, types: list[Any], attr) -> Any:
        raise NotImplementedError

    @classmethod
    def _infer_from(cls, types: list[Any], props: dict) -> Any:
        defs = cls.definition.props

        def attr(name: str) -> Any:
            v = props.get(name)
            return v if v is not None else defs[name].default
        return cls.infer(types, attr)

    @classmethod
    def _grouped_types(cls, operands: list[Any], props: dict) -> list[Any]:
        return [v.type for v in operands]

    @classmethod
    def infer_result_types(cls, operands: list[Any], props: dict) -> list[Any]:
        try:
            return [cls._infer_from(cls._grouped_types(operands, props), props)]
        except ShapeError as e:
            raise GraphTypeError(f"{cls.name}: {e}") from None

    def verify_(self) -> str | None:
        try:
            expected = self._infer_from(self._grouped_types([o.value for o in self.op_operands],
                                                            self.properties), self.properties)
        except ShapeError as e:
            return str(e)
        got = self.results[0].type
        if got != expected:
            return f"result type '{got}' does not match the inferred type '{expected}'"
        return None


def same_element_type(types: Sequence[Any], names: Sequence[str]) -> Any:
    """The common element type of `types` (None entries skipped); ShapeError naming the operands otherwise."""
    et = None
    first = ""
    for t, n in zip(types, names):
        if t is None:
            continue
        if et is None:
            et, first = t.element_type, n
        elif t.element_type != et:
            raise ShapeError(f"{n} has element type {t.element_type}, but {first} has {et}")
    return et


def tensor(shape: Sequence[int], et: Any) -> RankedTensorType:
    return RankedTensorType(tuple(shape), et)


def ints(attr: Any) -> tuple[int, ...]:
    """The values of an `array<i64: ...>`."""
    return tuple(attr.values) if hasattr(attr, "values") else tuple(attr)
