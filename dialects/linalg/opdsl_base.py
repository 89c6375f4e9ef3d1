"""What the named ops generated from upstream's OpDSL (LinalgNamedStructuredOps.yaml:
matvec, vecmat, dot, the convolutions and poolings) share beyond
`NamedStructuredOp`: memoized indexing maps.

Upstream's generated `getIndexingMaps()` stores the maps it computes in the
discardable attribute `linalg.memoized_indexing_maps` and returns that
attribute when present. The verifier asks for the maps, so every verified op
carries it: the generic form prints it, `linalg-generalize-named-ops` copies
it into the `linalg.generic` (as `attrs = {...}`), and only the named custom
form hides it. We do the same so our output diffs clean against iree-opt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.linalg.named import NamedStructuredOp
from mlir_py.dialects.linalg.syntax import print_common_parts, print_result_types

from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr
from mlir_py.ir.builtin_types import UnrankedMemRefType

if TYPE_CHECKING:
    from mlir_py.text.printer import Printer

MEMOIZED_MAPS = "linalg.memoized_indexing_maps"


def fold_memref_casts(op) -> list | None:
    """Upstream's memref::foldMemRefCast, the folder of linalg's named ops and softmax: operands produced
    by a `memref.cast` of a ranked memref read the cast's source instead. Returns the op's own results
    (an in-place fold) when something changed, else None."""
    folded = False
    for i, v in enumerate(op.operands):
        src = getattr(v, "op", None)
        if getattr(src, "name", None) == "memref.cast" and not isinstance(src.operands[0].type, UnrankedMemRefType):
            op.set_operand(i, src.operands[0])
            folded = True
    return list(op.results) if folded else None


class OpDSLNamedOp(NamedStructuredOp):
    """A named op whose maps follow from its properties alone (no `indexing_maps`), memoized as upstream."""

    #: the custom form does not print the memoized maps, so they get no `#map` alias there (the printer reads this)
    attributes_hidden_in_custom_form = (MEMOIZED_MAPS,)

    def get_indexing_maps(self) -> list[AffineMap]:
        cached = self.attributes.get(MEMOIZED_MAPS)
        if isinstance(cached, ArrayAttr) and all(isinstance(m, AffineMapAttr) for m in cached):
            return [m.value for m in cached]
        maps = self.compute_default_maps(self._types(), self.properties)
        self.attributes[MEMOIZED_MAPS] = ArrayAttr(tuple(AffineMapAttr(m) for m in maps))
        return maps

    def fold(self, operands):
        return fold_memref_casts(self)

    def print(self, printer: Printer) -> None:
        # upstream prints properties and attributes as one sorted dictionary
        shown = {k: v for k, v in self.properties.items() if k not in self.elided_props}
        shown.update((k, v) for k, v in self.attributes.items() if k != MEMOIZED_MAPS)
        printer.print_optional_attr_dict(dict(sorted(shown.items())))
        print_common_parts(printer, self.inputs, self.outputs)
        print_result_types(printer, [r.type for r in self.results])


__all__ = ["MEMOIZED_MAPS", "OpDSLNamedOp", "fold_memref_casts"]
