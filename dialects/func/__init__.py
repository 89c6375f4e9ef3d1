"""The func dialect: `func.func`, `func.return`, `func.call`, `func.call_indirect`, `func.constant`."""

from __future__ import annotations

from mlir_py.dialects.cf import BranchOp
from mlir_py.dialects.func.ops import OPS, CallIndirectOp, CallOp, ConstantOp, FuncOp, ReturnOp

from mlir_py.definition.dialect import Dialect
from mlir_py.definition.inliner import DialectInlinerInterface
from mlir_py.ir.builtin_attributes import SymbolRefAttr
from mlir_py.ir.builtin_types import FunctionType


def _materialize_constant(value, type, loc=None):
    if isinstance(value, SymbolRefAttr) and isinstance(type, FunctionType):
        return ConstantOp.create(result_types=[type], properties={"value": value}, location=loc)
    return None


class FuncInliner(DialectInlinerInterface):
    """`func.return` in an inlined multi-block body becomes `cf.br` to the block after the call, as upstream."""

    def can_branch_from(self, terminator):
        return isinstance(terminator, ReturnOp)

    def handle_terminator(self, terminator, new_dest):
        terminator.parent.insert_before(terminator, BranchOp(list(terminator.operands), dest=new_dest,
                                                             location=terminator.location))
        terminator.erase()


DIALECT = Dialect("func", ops=OPS, materialize_constant=_materialize_constant, inliner=FuncInliner(),
                  description="Functions, calls and returns.")
FUNC = DIALECT

__all__ = ["DIALECT", "FUNC", "FuncOp", "ReturnOp", "CallOp", "CallIndirectOp", "ConstantOp"]
