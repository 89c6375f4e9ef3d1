"""The dialects shipped with mlir_py; each is also importable on its own."""

from __future__ import annotations

import importlib

#: the shipped dialects, by module name; each module exports `DIALECT`
DIALECT_MODULES = ["builtin", "func", "arith", "math", "cf", "memref"]


def all_dialects() -> list:
    return [importlib.import_module(f"mlir_py.dialects.{name}").DIALECT for name in DIALECT_MODULES]
