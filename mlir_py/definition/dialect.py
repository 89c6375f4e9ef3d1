"""Dialects group ops, attributes and types under a namespace.

A dialect is a plain object built from the classes it owns; the same API is
used by the project's dialects and by a user's `--load-dialect FILE.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

from mlir_py.definition.assembly_format import op_format
from mlir_py.definition.inliner import DialectInlinerInterface

if TYPE_CHECKING:
    from mlir_py.ir.attributes import Attribute
    from mlir_py.ir.operation import Operation
    from mlir_py.text.parser import Parser


class Dialect:
    """A namespace of ops, attributes and types.

    `keyword_types` / `keyword_attrs` map a bare keyword (`i32`, `tensor`,
    `dense`) to a parse function; only builtin uses them, since other
    dialects' attributes and types are spelled `#name.x` / `!name.x`.
    `materialize_constant(value_attr, type, loc)` builds a constant op for
    folding; `default_dialect` tells nested op names without prefix.
    """

    def __init__(
        self,
        name: str,
        ops: Iterable[type] = (),
        attributes: Iterable[type] = (),
        types: Iterable[type] = (),
        *,
        materialize_constant: Callable[..., Operation | None] | None = None,
        inliner: DialectInlinerInterface | None = None,
        description: str = "",
    ):
        self.name = name
        self.description = description
        self.ops: dict[str, type] = {}
        self.attributes: dict[str, type] = {}
        self.types: dict[str, type] = {}
        self.keyword_types: dict[str, Callable[[Parser, str], Attribute]] = {}
        self.keyword_attrs: dict[str, Callable[[Parser, str], Attribute]] = {}
        self.materialize_constant = materialize_constant
        #: how this dialect's ops take part in inlining (see `mlir_py.definition.inliner`)
        self.inliner = inliner if inliner is not None else DialectInlinerInterface()
        self.canonicalization_patterns: list[Any] = []
        for op in ops:
            self.add_op(op)
        for a in attributes:
            self.add_attribute(a)
        for t in types:
            self.add_type(t)

    def add_op(self, cls: type) -> type:
        """Add an op class. A user's op has its assembly format compiled here,
        so a format that cannot work is a DefinitionError naming the op when
        the dialect is defined, not a failure on the first op parsed. The
        shipped dialects (modules under `mlir_py.`) skip it to keep start-up
        fast; the test suite compiles every shipped format instead."""
        name = cls.name
        if not name.startswith(self.name + "."):
            raise ValueError(f"op '{name}' does not belong to dialect '{self.name}'")
        if getattr(cls, "assembly_format", None) and not str(getattr(cls, "__module__", "")).startswith("mlir_py."):
            op_format(cls)
        self.ops[name] = cls
        cls.dialect = self
        return cls

    def add_attribute(self, cls: type) -> type:
        """Register an attribute class under its `name` (`dialect.mnemonic`); returns it."""
        self.attributes[cls.name] = cls
        cls.dialect = self
        return cls

    def add_type(self, cls: type) -> type:
        """Register a type class under its `name` (`dialect.mnemonic`); returns it."""
        self.types[cls.name] = cls
        cls.dialect = self
        return cls

    def op(self, cls: type) -> type:
        """Class decorator form of `add_op`."""
        return self.add_op(cls)

    def attribute(self, cls: type) -> type:
        """Class decorator form of `add_attribute`."""
        return self.add_attribute(cls)

    def type(self, cls: type) -> type:
        """Class decorator form of `add_type`."""
        return self.add_type(cls)

    def __repr__(self) -> str:
        return f"<Dialect {self.name}: {len(self.ops)} ops>"
