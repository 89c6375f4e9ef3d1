"""The scf dialect: structured control flow (loops and conditionals whose
regions nest), upstream MLIR's ops and syntax."""

from __future__ import annotations

from mlir_py.dialects.scf.branches import ExecuteRegionOp, IfOp, IndexSwitchOp
from mlir_py.dialects.scf.for_while import ConditionOp, ForOp, WhileOp, YieldOp
from mlir_py.dialects.scf.parallel import ForallOp, InParallelOp, ParallelOp, ReduceOp, ReduceReturnOp

from mlir_py.definition.dialect import Dialect

OPS = [ConditionOp, ExecuteRegionOp, ForOp, ForallOp, IfOp, InParallelOp, IndexSwitchOp, ParallelOp, ReduceOp,
       ReduceReturnOp, WhileOp, YieldOp]

DIALECT = Dialect("scf", ops=OPS, description="Structured control flow: loops and conditionals as regions.")
SCF = DIALECT

__all__ = ["DIALECT", "SCF", "ConditionOp", "ExecuteRegionOp", "ForOp", "ForallOp", "IfOp", "InParallelOp",
           "IndexSwitchOp", "ParallelOp", "ReduceOp", "ReduceReturnOp", "WhileOp", "YieldOp"]
