"""The one place where the IR reaches the layers above it.

An op or attribute prints itself (`str(op)`, the text layer) and an op
verifies itself (`op.verify()`, the analysis layer), as in upstream's IR
library. Those layers import the IR, so the IR binds them late: here, on
first use, and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlir_py.ir.attributes import Attribute
    from mlir_py.ir.operation import Operation


def op_to_string(op: Operation) -> str:
    """`str(op)`: the op printed as mlir-opt would (text layer, bound on first use)."""
    from mlir_py.text.printer import print_op_to_string
    return print_op_to_string(op)


def attr_to_string(attr: Attribute) -> str:
    """`str(attr)`: the attribute or type printed alone (text layer, bound on first use)."""
    from mlir_py.text.printer import attr_to_string
    return attr_to_string(attr)


def verify(op: Operation) -> bool:
    """`op.verify()`: run the verifier (analysis layer, bound on first use)."""
    from mlir_py.analysis.verifier import verify
    return verify(op)
