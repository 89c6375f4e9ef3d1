"""The IR: operations, values, blocks and regions; attributes and types
(builtin's among them, as in upstream's IR library); locations; affine maps;
the context; diagnostics.

The lowest layer of the core. At run time it imports nothing above it but
through one late-bound hook (`operation._services`), by which IR objects
print, verify and diagnose themselves, as upstream's IR library does.
"""

from mlir_py.ir.operation import Block, BlockArgument, IRError, Operation, OpOperand, OpResult, Region, Value

__all__ = ["Block", "BlockArgument", "IRError", "Operation", "OpOperand", "OpResult", "Region", "Value"]
