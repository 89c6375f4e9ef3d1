"""The func dialect: `func.func`, `func.return`, `func.call`, `func.call_indirect`, `func.constant`."""

from __future__ import annotations

from mlir_py.dialects.func.ops import OPS, CallIndirectOp, CallOp, ConstantOp, FuncOp, ReturnOp

from mlir_py.definition.dialect import Dialect
from mlir_py.ir.builtin_attributes import SymbolRefAttr
from mlir_py.ir.builtin_types import FunctionType


def _materialize_constant(value, type, loc=None):
    if isinstance(value, SymbolRefAttr) and isinstance(type, FunctionType):
        return ConstantOp.create(result_types=[type], properties={"value": value}, location=loc)
    return None


DIALECT = Dialect("func", ops=OPS, materialize_constant=_materialize_constant,
                  description="Functions, calls and returns.")
FUNC = DIALECT

__all__ = ["DIALECT", "FUNC", "FuncOp", "ReturnOp", "CallOp", "CallIndirectOp", "ConstantOp"]
