"""Symbols and symbol tables, as MLIR's `SymbolTable` helpers.

A symbol is an op with a `sym_name` string attribute (property or
discardable) directly inside an op with the `SymbolTable` trait. References
are `SymbolRefAttr`s: `@f`, or `@mod::@f` for a symbol nested in the symbol
table `@mod`. Lookups go to the *nearest* enclosing symbol table only, as
`SymbolTable::lookupNearestSymbolFrom` does.
"""

from __future__ import annotations

from typing import Iterator

from mlir_py.definition.traits import SymbolTable
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import ArrayAttr, DictionaryAttr, SymbolRefAttr
from mlir_py.ir.operation import Operation


def get_symbol_name(op: Operation) -> str | None:
    """The op's `sym_name`, or None when it is not a symbol."""
    a = op.get_attr("sym_name")
    return getattr(a, "value", None) if a is not None else None


def get_symbol_visibility(op: Operation) -> str:
    """`public` (the default), `private` or `nested`."""
    a = op.get_attr("sym_visibility")
    return a.value if a is not None else "public"


def is_symbol_table(op: Operation) -> bool:
    """Whether `op` is a registered op with the SymbolTable trait (an unregistered op never is)."""
    return op.definition is not None and SymbolTable in op.traits


def nearest_symbol_table(from_op: Operation) -> Operation | None:
    """`from_op` itself or its closest ancestor with the SymbolTable trait."""
    op: Operation | None = from_op
    while op is not None and not is_symbol_table(op):
        op = op.parent_op
    return op


def symbols_in(table: Operation) -> Iterator[Operation]:
    """The symbol ops directly inside a symbol table op."""
    for r in table.regions:
        for b in r.blocks:
            for op in b.ops:
                if get_symbol_name(op) is not None:
                    yield op


def lookup_symbol_in(table: Operation, name_or_ref: str | Attribute) -> Operation | None:
    """Resolve a name or (nested) reference inside the given symbol table op."""
    root, nested = _split(name_or_ref)
    op = _lookup_flat(table, root)
    for n in nested:
        if op is None or not is_symbol_table(op):
            return None
        op = _lookup_flat(op, n)
    return op


def lookup_symbol(from_op: Operation, name_or_ref: str | Attribute) -> Operation | None:
    """Resolve `@name` / `@a::@b` in the nearest symbol table around `from_op`."""
    table = nearest_symbol_table(from_op)
    if table is None:
        return None
    return lookup_symbol_in(table, name_or_ref)


def symbol_uses(op: Operation) -> Iterator[tuple[Operation, Attribute]]:
    """Every (user op, SymbolRefAttr) in `op` and below, including references
    nested inside array and dictionary attributes."""
    for o in op.walk(post_order=False):
        for d in (o.properties, o.attributes):
            for a in d.values():
                for ref in _refs_in(a):
                    yield o, ref


def _refs_in(a: Attribute) -> Iterator[Attribute]:
    if isinstance(a, SymbolRefAttr):
        yield a
    elif isinstance(a, ArrayAttr):
        for x in a.value:
            yield from _refs_in(x)
    elif isinstance(a, DictionaryAttr):
        for _, x in a.entries:
            yield from _refs_in(x)


def _split(name_or_ref: str | Attribute) -> tuple[str, tuple[str, ...]]:
    if isinstance(name_or_ref, str):
        return name_or_ref, ()
    root = getattr(name_or_ref, "root", None)
    if root is None:  # a StringAttr
        return name_or_ref.value, ()
    return root, tuple(name_or_ref.nested)


def _lookup_flat(table: Operation, name: str) -> Operation | None:
    for op in symbols_in(table):
        if get_symbol_name(op) == name:
            return op
    return None


__all__ = [
    "get_symbol_name", "get_symbol_visibility", "is_symbol_table", "nearest_symbol_table", "symbols_in",
    "lookup_symbol_in", "lookup_symbol", "symbol_uses",
]
