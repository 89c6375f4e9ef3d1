"""The whole suite runs the ExecutionEngine's pipeline with verification after every pass (users get one
verification at the end: docs/execution.md), so a pass that leaves invalid IR fails the test that ran it."""

import os

os.environ.setdefault("MLIR_PY_VERIFY_EACH", "1")
