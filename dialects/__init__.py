"""The dialects shipped with mlir_py; each is also importable on its own."""

from __future__ import annotations

import importlib

#: module name → attribute holding the Dialect object
DIALECT_MODULES = ["builtin", "func", "arith", "math", "cf", "memref"]


def all_dialects() -> list:
    out = []
    for name in DIALECT_MODULES:
        try:
            mod = importlib.import_module(f"mlir_py.dialects.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"mlir_py.dialects.{name}":
                continue  # not written yet
            raise
        out.append(mod.DIALECT if hasattr(mod, "DIALECT") else getattr(mod, name.upper()))
    return out
