"""The cf dialect: `cf.br`, `cf.cond_br`, `cf.switch`, `cf.assert`."""

from __future__ import annotations

from mlir_py.dialects.cf.ops import OPS, AssertOp, BranchOp, CondBranchOp, SwitchOp

from mlir_py.definition.dialect import Dialect

DIALECT = Dialect("cf", ops=OPS, description="Unstructured control flow between blocks.")
CF = DIALECT

__all__ = ["DIALECT", "CF", "AssertOp", "BranchOp", "CondBranchOp", "SwitchOp"]
