"""The context: which dialects are loaded and how strict parsing is.

The core knows one dialect by name, builtin. Every other dialect a context
can load is *available* through a provider: a function returning dialects,
found under the `mlir_py.dialects` entry-point group of installed
distributions (this project declares its shipped dialects there, and so can a
user's package) or registered at run time with `register_dialect_provider`.
Providers are imported only when a context asks for the available dialects,
so the core imports no dialect package.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from mlir_py.definition.dialect import Dialect

#: the module holding the builtin dialect; every context loads it
BUILTIN_MODULE = "mlir_py.builtin"
ENTRY_POINT_GROUP = "mlir_py.dialects"

_providers: list[Callable[[], Iterable[Dialect]]] = []
_entry_points_read = False


def register_dialect_provider(provider: Callable[[], Iterable[Dialect]]) -> None:
    """Make the dialects `provider()` returns available to `load_all_available_dialects`."""
    if provider not in _providers:
        _providers.append(provider)


def available_dialects() -> list[Dialect]:
    """Every dialect the registered providers and `mlir_py.dialects` entry points return (imported on first call)."""
    global _entry_points_read
    if not _entry_points_read:
        _entry_points_read = True
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            register_dialect_provider(ep.load())
    return [d for provider in _providers for d in provider()]


class Context:
    """Loaded dialects (ops, attributes and types by name) and parsing policy.

    `Context()` loads the builtin dialect only (`builtin.module`, the builtin
    types and attributes): parsing `func.func` or `arith.addi` with it fails
    with "custom op ... is unknown". `Context.with_available_dialects()` loads
    every shipped dialect (arith, cf, func, math, memref, ...) and those of
    installed plugins; `load_dialect(d)` loads one. Unlike upstream's
    MLIRContext, the IR does not point back to its context: a context is
    needed to parse, not to build, print or verify IR.

    `allow_unregistered_dialects` keeps ops, attributes and types of unknown
    dialects opaquely (mlir-opt's `--allow-unregistered-dialect`).
    """

    def __init__(self, *, allow_unregistered_dialects: bool = False, load_builtin: bool = True):
        self.dialects: dict[str, Dialect] = {}
        self.ops: dict[str, type] = {}
        self.attributes: dict[str, type] = {}
        self.types: dict[str, type] = {}
        self.keyword_types: dict = {}
        self.keyword_attrs: dict = {}
        self.allow_unregistered_dialects = allow_unregistered_dialects
        #: source text of types/attributes -> parsed value (parser fast path)
        self.type_cache: dict[str, object] = {}
        if load_builtin:
            self.load_dialect(importlib.import_module(BUILTIN_MODULE).DIALECT)

    @classmethod
    def with_available_dialects(cls, *, allow_unregistered_dialects: bool = False) -> Context:
        """A context with every available dialect loaded (what `mir-opt` uses)."""
        return cls(allow_unregistered_dialects=allow_unregistered_dialects).load_all_available_dialects()

    def load_dialect(self, dialect: Dialect) -> Dialect:
        """Make `dialect`'s ops, attributes and types parseable in this context; loading it again is a no-op.

        A different dialect under a loaded name takes the name over, its definitions shadowing the old ones.
        """
        old = self.dialects.get(dialect.name)
        if old is dialect:
            return dialect
        self.dialects[dialect.name] = dialect
        self.ops.update(dialect.ops)
        self.attributes.update(dialect.attributes)
        self.types.update(dialect.types)
        self.keyword_types.update(dialect.keyword_types)
        self.keyword_attrs.update(dialect.keyword_attrs)
        self.type_cache.clear()
        return dialect

    def load_all_available_dialects(self) -> Context:
        """Load every available dialect: the shipped ones and those of installed plugins."""
        for d in available_dialects():
            self.load_dialect(d)
        return self

    def get_dialect(self, name: str) -> Dialect | None:
        """The loaded dialect called `name`, or None."""
        return self.dialects.get(name)

    def get_op_class(self, name: str) -> type | None:
        """The op class registered for the full name (`"arith.addi"`), or None."""
        return self.ops.get(name)
