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
    from mlir_py.text.printer import print_op_to_string
    return print_op_to_string(op)


def attr_to_string(attr: Attribute) -> str:
    from mlir_py.text.printer import attr_to_string
    return attr_to_string(attr)


def verify(op: Operation) -> bool:
    from mlir_py.analysis.verifier import verify
    return verify(op)
