"""The context: which dialects are loaded and how strict parsing is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlir_py.dialect import Dialect


class Context:
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
            from mlir_py.dialects.builtin import BUILTIN
            self.load_dialect(BUILTIN)

    def load_dialect(self, dialect: Dialect) -> Dialect:
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
        """Load every dialect shipped with mlir_py."""
        from mlir_py.dialects import all_dialects
        for d in all_dialects():
            self.load_dialect(d)
        return self

    def get_dialect(self, name: str) -> Dialect | None:
        return self.dialects.get(name)

    def get_op_class(self, name: str) -> type | None:
        return self.ops.get(name)
