"""`symbol-dce`: erase private symbols nothing references (MLIR's SymbolDCE).

Liveness starts from the roots of the symbol table the pass runs on: every
op that is not a symbol, and every symbol that is not private. A live op
makes live every symbol it references - through a `SymbolRefAttr` anywhere
in its properties or attributes, or in those of the ops nested in it, with
`@a::@b` making both `@a` and `@b` live - resolved in the nearest symbol
table around it. A live nested symbol table (a public or referenced
`module @m`) has its own symbols considered the same way; a private one no
one references goes away with everything in it. Finally every dead symbol
is erased (`num-dce'd`).
"""

from __future__ import annotations

from mlir_py.analysis.symbols import get_symbol_name, get_symbol_visibility, is_symbol_table
from mlir_py.ir.attributes import Attribute, ParametrizedAttribute
from mlir_py.ir.builtin_attributes import SymbolRefAttr
from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import Pass, Statistic, register_pass

_NO_REFS: tuple = ()
_refs_cache: dict[int, tuple[Attribute, tuple]] = {}


def _refs_in(a: Attribute) -> tuple:
    """The SymbolRefAttrs inside attribute `a`, at any depth of its parameters
    (not inside types, nor the nested names of a reference)."""
    if isinstance(a, SymbolRefAttr):
        return (a,)
    if not isinstance(a, ParametrizedAttribute) or a.is_type:
        return _NO_REFS
    hit = _refs_cache.get(id(a))
    if hit is not None and hit[0] is a:
        return hit[1]
    out: list[Attribute] = []
    stack: list = list(a.parameters)
    while stack:
        p = stack.pop()
        if isinstance(p, SymbolRefAttr):
            out.append(p)
        elif isinstance(p, (tuple, list)):
            stack.extend(p)
        elif isinstance(p, ParametrizedAttribute) and not p.is_type:
            stack.extend(p.parameters)
    refs = tuple(out) if out else _NO_REFS
    _refs_cache[id(a)] = (a, refs)  # uniqued attributes live forever: their ids are stable
    return refs


def _is_symbol(op: Operation) -> bool:
    return op.definition is not None and get_symbol_name(op) is not None


class _Tables:
    """Name -> symbol maps of symbol tables, built on first use (SymbolTableCollection)."""

    def __init__(self):
        self._maps: dict[Operation, dict[str, Operation]] = {}

    def lookup(self, table: Operation, name: str) -> Operation | None:
        m = self._maps.get(table)
        if m is None:
            m = self._maps[table] = {}
            for r in table.regions:
                for b in r.blocks:
                    for op in b.ops:
                        n = get_symbol_name(op)
                        if n is not None:
                            m.setdefault(n, op)
        return m.get(name)

    def resolve_all(self, table: Operation, ref: Attribute) -> list[Operation]:
        """The symbols `@a::@b::@c` names, outermost first ([] when any is missing)."""
        root = getattr(ref, "root", None)
        names = [root] + list(getattr(ref, "nested", ()) or ()) if root is not None else []
        out: list[Operation] = []
        cur: Operation | None = table
        for n in names:
            if cur is None or not is_symbol_table(cur):
                return []
            cur = self.lookup(cur, n)
            if cur is None:
                return []
            out.append(cur)
        return out


def _uses_below(op: Operation, nested_tables: list[Operation]) -> list[Attribute] | None:
    """SymbolRefAttrs in `op` and the ops nested in it, not looking inside
    nested symbol tables (their own attributes count; they go to
    `nested_tables`). None when an unregistered op with a region might hide
    a symbol table (MLIR's isPotentiallyUnknownSymbolTable)."""
    out: list[Attribute] = []
    stack = [op]
    while stack:
        o = stack.pop()
        if o.definition is None and len(o.regions) == 1:
            return None
        for d in (o.properties, o.attributes):
            if d:
                for a in d.values():
                    out.extend(_refs_in(a))
        if o is not op and is_symbol_table(o):
            nested_tables.append(o)
            continue
        for r in o.regions:
            for b in r.blocks:
                stack.extend(b.ops)
    return out


@register_pass
class SymbolDCE(Pass):
    """Eliminate dead symbols (see the module docstring)."""

    name = "symbol-dce"
    summary = "Eliminate dead symbols"
    statistics = [Statistic("num-dce'd", "Number of symbols DCE'd")]

    def run_on_operation(self, op: Operation) -> None:
        if not is_symbol_table(op):
            op.emit_error(f"'{op.name}' op was scheduled to run under SymbolDCE, but does not define a symbol table")
            self.signal_failure()
            return
        # The root is hidden (nothing outside can name its symbols) unless it
        # is itself a non-private symbol nested in something.
        hidden = True
        if op.parent_op is not None and _is_symbol(op):
            hidden = get_symbol_visibility(op) == "private"
        live: set[Operation] = set()
        if not self._compute_liveness(op, _Tables(), hidden, live):
            self.signal_failure()
            return
        tables = [o for o in op.walk() if is_symbol_table(o)]  # post-order: inner tables first
        for t in tables:
            for b in t.regions[0].blocks if t.regions else ():
                for sym in list(b.ops):
                    if _is_symbol(sym) and sym not in live and not sym.has_uses():
                        sym.erase()
                        self.stats["num-dce'd"] += 1

    def _compute_liveness(self, table_op: Operation, tables: _Tables, hidden: bool, live: set[Operation]) -> bool:
        """Mark the live symbols of `table_op` (and of the live tables nested
        in it); False after an error."""
        worklist: list[Operation] = []
        for b in table_op.regions[0].blocks if table_op.regions else ():
            for o in b.ops:
                if not _is_symbol(o):
                    worklist.append(o)
                    continue
                vis = get_symbol_visibility(o)
                discardable = (hidden or vis == "private") and vis != "public"
                if not discardable and o not in live:
                    live.add(o)
                    worklist.append(o)
        while worklist:
            o = worklist.pop()
            nested: list[Operation] = []
            if is_symbol_table(o):
                sym_hidden = hidden or not _is_symbol(o) or get_symbol_visibility(o) == "private"
                if not self._compute_liveness(o, tables, sym_hidden, live):
                    return False
                uses = list(_refs_in_attrs(o))
            else:
                found = _uses_below(o, nested)
                if found is None:
                    o.emit_error("operation contains potentially unknown symbol table, meaning that we can't "
                                 "reliable compute symbol uses")
                    return False
                uses = found
            parent = o.parent_op
            if parent is not None and is_symbol_table(parent):
                for ref in uses:
                    for sym in tables.resolve_all(parent, ref):
                        if sym not in live:
                            live.add(sym)
                            worklist.append(sym)
            for t in nested:
                # A symbol table inside a non-symbol-table op (a module in a
                # function's region): its symbols are seen from its own ops only.
                t_hidden = hidden or not _is_symbol(t) or get_symbol_visibility(t) == "private"
                if not self._compute_liveness(t, tables, t_hidden, live):
                    return False
        return True


def _refs_in_attrs(op: Operation):
    for d in (op.properties, op.attributes):
        if d:
            for a in d.values():
                yield from _refs_in(a)
