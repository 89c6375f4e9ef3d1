"""Ops whose hand-written syntax does not round-trip, for
test/tools/verify-roundtrip.mir: `lossy.drop` forgets its `n` attribute when
printed; `lossy.garble` prints text its own parser rejects."""

from __future__ import annotations

from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, opt_prop
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.builtin_types import i64


class DropOp(Op):
    name = "lossy.drop"
    n = opt_prop()

    @classmethod
    def parse(cls, parser):
        value = parser.parse_optional_integer()
        return cls(n=IntegerAttr(value, i64)) if value is not None else cls()

    def print(self, printer):
        pass  # the bug: `n` is not printed


class GarbleOp(Op):
    name = "lossy.garble"

    @classmethod
    def parse(cls, parser):
        parser.parse_keyword("ok")
        return cls()

    def print(self, printer):
        printer.write(" not-ok")


LOSSY = Dialect("lossy", ops=[DropOp, GarbleOp])
