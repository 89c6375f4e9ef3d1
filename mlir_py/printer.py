"""Printer for the textual IR, producing what mlir-opt prints.

Value names follow MLIR's numbering (per isolated region, parent region
before nested ones, `%argN` for entry block arguments, `^bbN` per region);
names the user wrote survive unless purely numeric. The public methods are
the printing API for custom op/attribute/type printers and formats.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from mlir_py.attributes import Attribute
from mlir_py.gcpause import gc_paused
from mlir_py.ir import Block, Operation, Region, Value

if TYPE_CHECKING:
    pass

_BARE_ID_FULL = re.compile(r"[A-Za-z_][\w$.]*\Z")
_NAME_OK = re.compile(r"[\w$.-]+\Z")
#: a symbol name upstream's lexer reads bare after `@`; others are quoted
_SYMBOL_OK = re.compile(r"[A-Za-z_][\w$.]*\Z")
#: a name hint the printer may use: an MLIR suffix-id that is not a number and not
#: `argN` (the parser drops those, so printing them would not be a fixed point)
_HINT_OK = re.compile(r"(?!arg\d+\Z)[A-Za-z_$.-][\w$.-]*\Z")


class Printer:
    def __init__(self, *, generic: bool = False, debuginfo: bool = False, indent_width: int = 2,
                 print_aliases: bool = True, local_scope: bool = False):
        self._out: list[str] = []
        self._chunks: list[str] = []
        self.write = self._out.append
        self.generic = generic
        self.debuginfo = debuginfo
        self.indent_width = indent_width
        self.indent = 0
        self.print_aliases = print_aliases
        self.local_scope = local_scope
        self._names: dict[Value, str] = {}
        self._block_names: dict[Block, str] = {}
        self._attr_strings: dict[Attribute, str] = {}
        self._aliases: dict[Attribute, str] = {}
        self._distinct_ids: dict[Attribute, int] = {}
        #: "dialect." prefix that ops in the region being printed may drop;
        #: _UNSET until a region or the top level sets it
        self._strip: Any = _UNSET

    def distinct_id(self, a: Attribute) -> int:
        """`distinct[N]` ids are renumbered 0, 1, ... in printing order, as upstream does."""
        n = self._distinct_ids.get(a)
        if n is None:
            n = self._distinct_ids[a] = len(self._distinct_ids)
        return n

    def print_location_inner(self, loc: Attribute) -> None:
        """A location nested in another: its alias if it has one."""
        alias = self._aliases.get(loc)
        if alias is not None:
            self.write("#" + alias)
        else:
            loc.print_inner(self)

    def getvalue(self) -> str:
        if self._chunks:
            self._flush()
            return "".join(self._chunks)
        return "".join(self._out)

    def _flush(self) -> None:
        """Join the pending fragments: a string per op costs far more memory
        as list entries than as text."""
        self._chunks.append("".join(self._out))
        self._out.clear()

    # ------------------------------------------------------------------
    # Top level
    # ------------------------------------------------------------------

    def print_top_level(self, op: Operation) -> str:
        with gc_paused():
            return self._print_top_level(op)

    def _print_top_level(self, op: Operation) -> str:
        if self.print_aliases:
            self._collect_aliases(op)
            for attr, name in self._aliases.items():
                self.write(f"#{name} = ")
                self._print_attr_uncached(attr)
                self.write("\n")
        self._number_scope(op)
        self._strip = "builtin."
        self.print_op(op)
        self.write("\n")
        from mlir_py.resources import print_resource_section, resources_of
        self.write(print_resource_section(op, resources_of(op)))
        return self.getvalue()

    def _collect_aliases(self, root: Operation) -> None:
        """Aliases as upstream's printer gives them: affine maps and sets,
        locations and distinct attributes used as attribute values (nested
        ones too); printed sorted by nesting depth, then by alias name, then by
        first appearance, and numbered per name in that order."""
        from mlir_py.dialects.builtin.attributes import AffineMapAttr, DistinctAttr, IntegerSetAttr, UnitAttr
        from mlir_py.location import CallSiteLoc, FusedLoc, Location, NameLoc, UnknownLoc
        found: dict[Attribute, tuple[str, int]] = {}

        def kind_of(a: Any) -> str | None:
            if isinstance(a, AffineMapAttr):
                return "map"
            if isinstance(a, IntegerSetAttr):
                return "set"
            if isinstance(a, Location):
                return "loc"
            if isinstance(a, DistinctAttr) and not isinstance(a.referenced, UnitAttr):
                return "distinct"
            return None

        def children(a: Any) -> list:
            if isinstance(a, CallSiteLoc):
                return [a.callee, a.caller]
            if isinstance(a, FusedLoc):
                return list(a.locations) + ([a.metadata] if a.metadata is not None else [])
            if isinstance(a, NameLoc):
                return [] if a.child is None or isinstance(a.child, UnknownLoc) else [a.child]
            out = []
            for p in getattr(a, "parameters", None) or ():
                if isinstance(p, Attribute):
                    out.append(p)
                elif isinstance(p, tuple):
                    out.extend(q for q in p if isinstance(q, Attribute))
            return out

        def visit(a: Any) -> int:
            """The alias depth of `a`'s printed form (-1: no alias inside)."""
            got = found.get(a)
            if got is not None:
                return got[1]
            depth = max((visit(c) for c in children(a)), default=-1)
            kind = kind_of(a)
            if kind is None:
                return depth
            found[a] = (kind, depth + 1)
            return depth + 1

        seen: set[int] = set()

        def visit_once(a: Any) -> None:
            if id(a) not in seen:
                seen.add(id(a))
                visit(a)

        def visit_dicts(op: Operation, inline) -> None:
            for d in (op.properties, op.attributes):
                for k in sorted(d) if len(d) > 1 else d:
                    if not (inline and d is op.properties and k in inline):
                        visit_once(d[k])

        if self.generic:
            # upstream's alias walk for the generic form: nested regions first,
            # then operand and result types, then the attributes
            def visit_generic(op: Operation) -> None:
                for r in op.regions:
                    for b in r.blocks:
                        for a in b.args:
                            visit_once(a.type)
                        for o in b.ops:
                            visit_generic(o)
                for v in op.operands:
                    visit_once(v.type)
                for r in op.results:
                    visit_once(r.type)
                visit_dicts(op, ())
            visit_generic(root)
        else:
            # visit in printing order (dictionaries print sorted) so alias numbers
            # follow first appearance, as MLIR's printer assigns them
            for op in root.walk(post_order=False):
                # properties an op's custom form spells inline (memref.transpose's map) get no alias
                visit_dicts(op, getattr(op, "properties_printed_inline", ()))
                for r in op.results:
                    visit_once(r.type)
        attrs = list(found)
        order = sorted(range(len(attrs)), key=lambda i: (found[attrs[i]][1], found[attrs[i]][0], i))
        counts: dict[str, int] = {}
        for i in order:
            a = attrs[i]
            kind = found[a][0]
            n = counts.get(kind, 0)
            counts[kind] = n + 1
            self._aliases[a] = kind if n == 0 else f"{kind}{n}"

    # ------------------------------------------------------------------
    # SSA names
    # ------------------------------------------------------------------

    def _number_scope(self, root: Operation) -> None:
        """Assign names to everything nested in root, MLIR's way."""
        used: set[str] = set()
        # each region gets its own used-name scope on top of its parent's (MLIR's
        # ScopedHashTable): sibling regions, e.g. two functions, may reuse a name
        # MLIR pushes nested regions in order and pops the last one first; a
        # region starts from the counters its parent region ended with (no reset
        # at IsolatedFromAbove ops).  The generic form prints unique SSA ids
        # (MLIR's shouldPrintUniqueSSAIDs): counters then run on, never restored.
        unique_ids = self.generic
        stack: list[tuple[Region, int, int, int, set[str]]] = [(r, 0, 0, 0, used) for r in root.regions]
        next_value = next_arg = 0
        names = self._names
        bnames = self._block_names
        conflict = [0]
        owned = True  # `used` may be the parent's set until this region adds a name

        def own() -> None:
            nonlocal used, owned
            if not owned:
                used = set(used)
                owned = True

        def unique(base: str) -> str:
            own()
            if base not in used:
                used.add(base)
                return base
            while True:
                cand = f"{base}_{conflict[0]}"
                conflict[0] += 1
                if cand not in used:
                    used.add(cand)
                    return cand

        for r in root.results:
            if r not in names:
                hint = r.name_hint
                names[r] = "%" + (unique(hint) if hint and _HINT_OK.match(hint) else str(len(names)))
        while stack:
            if unique_ids:
                # hint-derived names (our extension: MLIR's generic form has none)
                # still restore the conflict counter, so both forms agree on them
                region, _, _, conflict[0], used = stack.pop()
            else:
                region, next_value, next_arg, conflict[0], used = stack.pop()
            owned = False
            next_block = 0
            for block in region.blocks:
                bnames[block] = f"^bb{next_block}"
                next_block += 1
                entry = block.parent is not None and block.parent._first_block is block
                for a in block.args:
                    hint = a.name_hint
                    if hint is not None and _HINT_OK.match(hint):
                        names[a] = "%" + unique(hint)
                    elif entry:
                        nm = f"arg{next_arg}"
                        next_arg += 1
                        while nm in used:
                            nm = f"arg{next_arg}"
                            next_arg += 1
                        names[a] = "%" + nm
                        own()
                        used.add(nm)
                    else:
                        names[a] = f"%{next_value}"
                        next_value += 1
                op = block._first
                while op is not None:
                    res = op.results
                    if res:
                        # result groups (`%a, %b:2 = ...`): [(start, end, hint)]
                        for start, end, hint in _result_groups(op, res, not unique_ids):
                            if hint is not None and _HINT_OK.match(hint):
                                nm = "%" + unique(hint)
                            else:
                                nm = f"%{next_value}"
                                next_value += 1
                            if end - start == 1:
                                names[res[start]] = nm
                            else:
                                for i in range(start, end):
                                    names[res[i]] = f"{nm}#{i - start}"
                    op = op._next
            # nested regions, in order (so the last one pops first, as in MLIR)
            for block in region.blocks:
                op = block._first
                while op is not None:
                    if op.regions:
                        for r in op.regions:
                            stack.append((r, next_value, next_arg, conflict[0], used))
                    op = op._next

    def value_name(self, v: Value) -> str:
        n = self._names.get(v)
        if n is None:
            return "<<UNKNOWN SSA VALUE>>"
        return n

    # ------------------------------------------------------------------
    # Operations
    # ------------------------------------------------------------------

    def print_op(self, op: Operation) -> None:
        write = self.write
        res = op.results
        if res:
            n = self._names.get(res[0])
            if n is None:
                n = "<<UNKNOWN SSA VALUE>>"
            if len(res) == 1:
                write(n)
            else:
                write(", ".join(b if c == 1 else f"{b}:{c}" for b, c in _group_bases(self._names, res)))
            write(" = ")
        custom = None
        if not self.generic and op.definition is not None:
            cls = type(op)
            custom = _CUSTOM_PRINTERS.get(cls)
            if custom is None:
                custom = _custom_printer_of(cls)
        if custom:
            strip = self._strip
            name = op.name
            if strip is _UNSET:
                write(self._short_name(op))
            elif strip is not None and name.startswith(strip) and name.count(".") == 1:
                write(name[len(strip):])
            else:
                write(name)
            custom(op, self)
        else:
            self.print_generic_op(op)
        if self.debuginfo:
            write(" ")
            self.print_location(op.location)

    def _short_name(self, op: Operation) -> str:
        name = op.name
        p = op.parent
        if p is None:
            return name[8:] if name.startswith("builtin.") else name
        if p is not None:
            r = p.parent
            if r is not None:
                parent = r.parent
                if parent is not None:
                    dd = getattr(parent, "default_dialect", None)
                    if dd and name.startswith(dd) and name[len(dd)] == ".":
                        return name[len(dd) + 1:]
        return name

    def print_generic_op(self, op: Operation) -> None:
        write = self.write
        write('"')
        write(op.name)
        write('"(')
        first = True
        names = self._names
        for o in op._operands:
            if not first:
                write(", ")
            first = False
            write(names.get(o.value) or "<<UNKNOWN SSA VALUE>>")
        write(")")
        if op.successors:
            write("[")
            write(", ".join(self._block_names.get(b, "^<<UNKNOWN>>") for b in op.successors))
            write("]")
        if op.properties:
            write(" <")
            self.print_attr_dict(op.properties)
            write(">")
        if op.regions:
            write(" (")
            for i, r in enumerate(op.regions):
                if i:
                    write(", ")
                self.print_region(r, print_entry_block_args=True, print_empty_block=True)
            write(")")
        if op.attributes:
            write(" ")
            self.print_attr_dict(op.attributes)
        write(" : ")
        self._print_function_type([o.value.type for o in op._operands], [r.type for r in op.results])

    # ------------------------------------------------------------------
    # Regions and blocks
    # ------------------------------------------------------------------

    def print_region(self, region: Region, *, print_entry_block_args: bool = True,
                     print_empty_block: bool = False, print_block_terminators: bool = True) -> None:
        write = self.write
        write("{")
        self.indent += self.indent_width
        saved_strip = self._strip
        dd = getattr(region.parent, "default_dialect", None)
        self._strip = dd + "." if dd else None
        first = True
        for block in region.blocks:
            if first:
                first = False
                show_label = (print_entry_block_args and block.args) or \
                    (print_empty_block and block._first is None)
                if show_label:
                    self._print_block_label(block, is_entry=True)
            else:
                self._print_block_label(block, is_entry=False)
            indent = " " * self.indent
            op = block._first
            last = block._last
            while op is not None:
                if op is last and not print_block_terminators and not op.results and _is_terminator(op):
                    break
                write("\n")
                write(indent)
                self.print_op(op)
                op = op._next
                if len(self._out) > 32768:
                    self._flush()
        self._strip = saved_strip
        self.indent -= self.indent_width
        write("\n")
        write(" " * self.indent)
        write("}")

    def _print_block_label(self, block: Block, is_entry: bool) -> None:
        write = self.write
        write("\n")
        write(" " * (self.indent - self.indent_width))
        write(self._block_names.get(block, "^<<UNKNOWN>>"))
        if block.args:
            write("(")
            for i, a in enumerate(block.args):
                if i:
                    write(", ")
                write(self._names.get(a, "<<UNKNOWN SSA VALUE>>"))
                write(": ")
                self.print_type(a.type)
                if self.debuginfo and a.loc is not None:
                    write(" ")
                    self.print_location(a.loc)
            write(")")
        write(":")
        if not is_entry:
            preds, order = self._predecessors(block)
            if not preds:
                write("  // no predecessors")
            else:
                # one entry per edge, as MLIR's getPredecessors (a cond_br to the
                # same block twice is two predecessors)
                names = ", ".join(self._block_names.get(p, "^?") for p in sorted(preds, key=order.__getitem__))
                if len(preds) == 1:
                    write(f"  // pred: {names}")
                else:
                    write(f"  // {len(preds)} preds: {names}")

    def _predecessors(self, block: Block) -> tuple[list[Block], dict[Block, int]]:
        """block.predecessors and the block order, computed once per region
        (scanning the region for every block label would be quadratic)."""
        cache = self.__dict__.setdefault("_pred_cache", {})
        region = block.parent
        entry = cache.get(region)
        if entry is None:
            preds: dict[Block, list[Block]] = {}
            order: dict[Block, int] = {}
            for i, b in enumerate(region.blocks):
                order[b] = i
                t = b._last
                if t is not None:
                    for succ in t.successors:
                        preds.setdefault(succ, []).append(b)
            entry = cache[region] = (preds, order)
        return entry[0].get(block, []), entry[1]

    def print_block_args(self, block: Block, *, with_types: bool = True) -> None:
        for i, a in enumerate(block.args):
            if i:
                self.write(", ")
            self.write(self._names.get(a, "<<UNKNOWN SSA VALUE>>"))
            if with_types:
                self.write(": ")
                self.print_type(a.type)

    def print_successor(self, block: Block) -> None:
        self.write(self._block_names.get(block, "^<<UNKNOWN>>"))

    def print_successor_and_use_list(self, block: Block, values: Sequence[Value]) -> None:
        self.print_successor(block)
        if values:
            self.write("(")
            self.print_operands(values)
            self.write(" : ")
            self.print_types(v.type for v in values)
            self.write(")")

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------

    def print_operand(self, v: Value) -> None:
        self.write(self._names.get(v) or "<<UNKNOWN SSA VALUE>>")

    def print_operands(self, vs: Iterable[Value]) -> None:
        names = self._names
        self.write(", ".join(names.get(v) or "<<UNKNOWN SSA VALUE>>" for v in vs))

    # ------------------------------------------------------------------
    # Types and attributes
    # ------------------------------------------------------------------

    def print_type(self, t: Attribute) -> None:
        s = self._attr_strings.get(t)
        if s is None:
            s = self._render(t)
        self.write(s)

    def print_types(self, ts: Iterable[Attribute]) -> None:
        first = True
        for t in ts:
            if not first:
                self.write(", ")
            first = False
            self.print_type(t)

    def print_attribute(self, a: Attribute) -> None:
        s = self._attr_strings.get(a)
        if s is None:
            alias = self._aliases.get(a)
            if alias is not None:
                s = "#" + alias
                self._attr_strings[a] = s
            else:
                s = self._render(a)
        self.write(s)

    def _render(self, a: Attribute) -> str:
        out = self._out
        start = len(out)
        self._print_attr_uncached(a)
        s = "".join(out[start:])
        del out[start:]
        try:
            self._attr_strings[a] = s
        except TypeError:
            pass
        return s

    def _print_attr_uncached(self, a: Attribute) -> None:
        a.print(self)

    def print_attribute_without_type(self, a: Attribute) -> None:
        """Integer/float attributes without their `: type` suffix (formats elide it)."""
        fn = getattr(a, "print_without_type", None)
        if fn is not None:
            fn(self)
        else:
            self.print_attribute(a)

    def print_parameter(self, p: Any) -> None:
        if isinstance(p, Attribute):
            self.print_attribute(p)
        elif isinstance(p, str):
            self.print_string_literal(p)
        elif isinstance(p, bool):
            self.write("true" if p else "false")
        elif isinstance(p, int):
            self.write(repr(p))
        elif isinstance(p, float):
            s = repr(p)
            self.write(s.replace("e", ".0e") if "e" in s and "." not in s else s)  # 1e-05 -> 1.0e-05
        elif isinstance(p, tuple):
            self.write("[")
            for i, q in enumerate(p):
                if i:
                    self.write(", ")
                self.print_parameter(q)
            self.write("]")
        elif p is None:
            self.write("none")
        else:
            self.write(str(p))

    def print_string_literal(self, s: str) -> None:
        self.write(quote_string(s))

    def print_symbol_name(self, s: str) -> None:
        if _SYMBOL_OK.match(s):
            self.write("@" + s)
        else:
            self.write("@" + quote_string(s))

    def print_attr_dict(self, attrs: dict[str, Attribute]) -> None:
        from mlir_py.dialects.builtin.attributes import UnitAttr
        write = self.write
        write("{")
        first = True
        for k in sorted(attrs):
            if not first:
                write(", ")
            first = False
            write(k if _BARE_ID_FULL.match(k) else quote_string(k))
            v = attrs[k]
            if not isinstance(v, UnitAttr):
                write(" = ")
                self.print_attribute(v)
        write("}")

    def print_optional_attr_dict(self, attrs: dict[str, Attribute], elided: Iterable[str] = ()) -> None:
        """` {a = b}` with a leading space, or nothing when empty after elision."""
        if not attrs:
            return
        elided = set(elided)
        shown = {k: v for k, v in attrs.items() if k not in elided}
        if shown:
            self.write(" ")
            self.print_attr_dict(shown)

    def print_optional_attr_dict_with_keyword(self, attrs: dict[str, Attribute], elided: Iterable[str] = ()) -> None:
        elided = set(elided)
        shown = {k: v for k, v in attrs.items() if k not in elided}
        if shown:
            self.write(" attributes ")
            self.print_attr_dict(shown)

    def _print_function_type(self, inputs: Sequence[Attribute], results: Sequence[Attribute]) -> None:
        self.write("(")
        self.print_types(inputs)
        self.write(") -> ")
        self.print_function_result_types(results)

    def print_function_type(self, inputs: Sequence[Attribute], results: Sequence[Attribute]) -> None:
        self._print_function_type(inputs, results)

    def print_function_result_types(self, results: Sequence[Attribute]) -> None:
        from mlir_py.dialects.builtin.types import FunctionType
        if len(results) == 1 and not isinstance(results[0], FunctionType):
            self.print_type(results[0])
        else:
            self.write("(")
            self.print_types(results)
            self.write(")")

    def print_arrow_type_list(self, types: Sequence[Attribute]) -> None:
        if types:
            self.write(" -> ")
            self.print_function_result_types(types)

    def print_location(self, loc: Attribute) -> None:
        loc.print(self)

    def print_new_line(self) -> None:
        self.write("\n")
        self.write(" " * self.indent)


def _result_groups(op: Operation, res, asm_names: bool = True) -> list[tuple[int, int, str | None]]:
    """Split an op's results into named groups, as MLIR's getAsmResultNames does.

    User-written names start a group wherever the hint changes; otherwise the
    op's `get_asm_result_name()` may return a name (one group) or a dict
    {result index: name} (each key starts a group).  The generic form
    (asm_names false) uses no op-given names, as MLIR's generic printer."""
    hints = [r.name_hint for r in res]
    if hints[0] is None and all(h is None for h in hints):
        if not asm_names or op.definition is None:
            return [(0, len(res), None)]
        get_name = getattr(op, "get_asm_result_name", None)
        named = get_name() if get_name is not None else None
        if isinstance(named, dict):
            starts = sorted({0} | set(named))
            ends = starts[1:] + [len(res)]
            return [(s, e, named.get(s)) for s, e in zip(starts, ends)]
        return [(0, len(res), named)]
    if len(res) == 1:
        return [(0, 1, hints[0])]
    groups: list[tuple[int, int, str | None]] = []
    start = 0
    for i in range(1, len(res) + 1):
        if i == len(res) or hints[i] != hints[start]:
            groups.append((start, i, hints[start]))
            start = i
    return groups


def _group_bases(names: dict, res) -> list[tuple[str, int]]:
    """[(name without `#i`, count)] for consecutive results sharing a base name."""
    out: list[list] = []
    for r in res:
        n = names.get(r) or "<<UNKNOWN SSA VALUE>>"
        base = n.split("#", 1)[0]
        if out and out[-1][0] == base and "#" in n:
            out[-1][1] += 1
        else:
            out.append([base, 1])
    return [(b, c) for b, c in out]


_UNSET = object()

#: op class -> its custom print function, or False for "generic form only"
_CUSTOM_PRINTERS: dict[type, Any] = {}


def _custom_printer_of(cls) -> Any:
    fn = getattr(cls, "print", None)
    if fn is None:
        from mlir_py.opdef import op_format
        fmt = op_format(cls)
        fn = fmt.print if fmt is not None else False
    _CUSTOM_PRINTERS[cls] = fn
    return fn


def _is_terminator(op: Operation) -> bool:
    from mlir_py.traits import Terminator
    return Terminator in op.traits


def quote_string(s: str) -> str:
    """`"..."` as llvm::printEscapedString writes it: printable ASCII as is
    (backslash doubled), every other byte of the UTF-8 text as `\\XX`."""
    out = ['"']
    # surrogateescape: bytes that are not UTF-8 come from the parser as U+DC80..U+DCFF
    for b in s.encode("utf-8", "surrogateescape"):
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F and b != 0x22:
            out.append(chr(b))
        else:
            out.append("\\%02X" % b)
    out.append('"')
    return "".join(out)


def print_op_to_string(op: Operation, *, generic: bool = False, debuginfo: bool = False) -> str:
    """Print op as a top-level (or standalone) operation.

    A nested op is printed with the value names its enclosing top-level op
    gives it, so operands defined outside still read as `%0`, `%arg0`."""
    p = Printer(generic=generic, debuginfo=debuginfo)
    if op.parent is None:
        return p.print_top_level(op).rstrip("\n")
    root = op
    while root.parent_op is not None:
        root = root.parent_op
    with gc_paused():
        p.print_aliases = False
        p._number_scope(root)
        p.print_op(op)
    return p.getvalue()


def attr_to_string(a: Attribute) -> str:
    p = Printer(print_aliases=False)
    p.print_attribute(a)
    return p.getvalue()
