"""linalg.elementwise: upstream's one named op for every elementwise scalar
function (it replaced linalg.add, linalg.exp, ... upstream), declared on the
named-op mechanism with its `<kind>` prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.linalg.attributes import (
    BINARY_KINDS,
    ELEMENTWISE_KINDS,
    UNARY_KINDS,
    ElementwiseKindAttr,
    ElementwiseKindC,
)
from mlir_py.dialects.linalg.core_named_ops import _all_parallel, _identity_maps
from mlir_py.dialects.linalg.named import NamedStructuredOp
from mlir_py.dialects.linalg.syntax import custom_op_error

from mlir_py.definition.opdef import prop

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


def kind_arity(kind: str) -> int:
    """1 for unary kinds, 2 for binary, 3 for select."""
    if kind in UNARY_KINDS:
        return 1
    if kind in BINARY_KINDS:
        return 2
    return 3


class ElementwiseOp(NamedStructuredOp):
    """Applies the scalar function `kind` (exp, log, ..., add, sub, ...,
    select) to the inputs element by element, writing the output. All loops
    are parallel; the maps default to identities of the output's rank and may
    be given (`indexing_maps = [...]`) to broadcast or transpose inputs.

    ```mlir
    %0 = linalg.elementwise <exp> ins(%a : tensor<4x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
    %1 = linalg.elementwise <add> indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>,
                                                   affine_map<(d0, d1) -> (d0, d1)>]
           ins(%bias, %x : tensor<8xf32>, tensor<4x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
    ```
    """

    name = "linalg.elementwise"
    user_maps = True
    kind = prop(ElementwiseKindC)
    default_maps = staticmethod(_identity_maps)
    iterators = staticmethod(_all_parallel)
    elided_props = ("operandSegmentSizes", "indexing_maps", "kind")

    @classmethod
    def num_region_args(cls, props: dict) -> int | None:
        k = props.get("kind")
        return kind_arity(k.case_names[0]) + 1 if isinstance(k, ElementwiseKindAttr) else None

    @classmethod
    def payload(cls, b, args, props):
        kind = props["kind"].case_names[0]
        if kind in UNARY_KINDS:
            return [b.unary(kind, args[0])]
        if kind in BINARY_KINDS:
            return [b.binary(kind, args[0], args[1])]
        return [b.select(args[0], args[1], args[2])]

    @classmethod
    def build(cls, inputs: Sequence[Any], outputs: Sequence[Any], *, kind: str | ElementwiseKindAttr = "add",
              **kw: Any):
        """`ElementwiseOp.build([a, b], [out], kind="add")`; `indexing_maps=` optional."""
        if isinstance(kind, str):
            kind = ElementwiseKindAttr.get(kind)
        return super().build(inputs, outputs, kind=kind, **kw)

    @classmethod
    def parse_prefix(cls, parser: Parser, props: dict) -> None:
        parser.expect("<")
        pos = parser.skip_ws()
        name = parser.parse_optional_keyword()
        if name not in ELEMENTWISE_KINDS:
            cases = ", ".join(ELEMENTWISE_KINDS)
            raise custom_op_error(parser, cls.name, "expected ::mlir::linalg::ElementwiseKind to be one of: "
                                  f"{cases}", pos)
        parser.expect(">")
        props["kind"] = ElementwiseKindAttr.get(name)

    def print_prefix(self, printer: Printer) -> None:
        printer.write(f" <{self.kind.case_names[0]}>")

    def verify_(self) -> str | None:
        n = kind_arity(self.kind.case_names[0])
        if len(self.inputs) != n:
            return f"expected {n} inputs for kind '{self.kind.case_names[0]}', got {len(self.inputs)}"
        if len(self.outputs) != 1:
            return f"expected 1 output, got {len(self.outputs)}"
        return None

    @property
    def kind_name(self) -> str:
        return self.kind.case_names[0]


OPS = [ElementwiseOp]

__all__ = ["ElementwiseOp", "kind_arity"]
