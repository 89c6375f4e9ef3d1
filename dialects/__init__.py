"""The dialects shipped with mlir_py; each is also importable on its own."""

from __future__ import annotations

import importlib

from mlir_py.builtin import DIALECT as BUILTIN

#: the shipped dialects, by module name; each module exports `DIALECT`
DIALECT_MODULES = ["func", "arith", "math", "cf", "memref", "scf", "llvm", "ub", "affine", "vector", "tensor",
                   "linalg", "bufferization", "graph", "gpu", "nvvm"]


def all_dialects() -> list:
    """The shipped dialects, builtin first (pyproject.toml names this as their provider)."""
    return [BUILTIN] + [importlib.import_module(f"mlir_py.dialects.{name}").DIALECT for name in DIALECT_MODULES]
