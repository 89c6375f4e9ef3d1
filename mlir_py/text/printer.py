"""Printer for the textual IR, producing what mlir-opt prints.

Value names are MLIR's, byte for byte: its numbering (parent region before
nested ones, `%argN` for entry block arguments, `^bbN` per region) and the
names ops give their results (`get_asm_result_name`, MLIR's
getAsmResultNames: `%c0`, `%cst`, `%alloc`) or their regions' arguments
(`get_asm_block_arg_names`). The names the source used survive only with
keep_ssa_names. The public methods are the printing API for custom
op/attribute/type printers and formats.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from mlir_py.definition.assembly_format import op_format
from mlir_py.definition.traits import IsolatedFromAbove, Terminator
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import AffineMapAttr, DistinctAttr, IntegerSetAttr, UnitAttr
from mlir_py.ir.builtin_types import FunctionType
from mlir_py.ir.location import CallSiteLoc, FusedLoc, Location, NameLoc, UnknownLoc
from mlir_py.ir.operation import Block, Operation, Region, Value
from mlir_py.support.gcpause import gc_paused
from mlir_py.support.user_errors import must_propagate, user_code_error
from mlir_py.text.resources import print_resource_section, resources_of

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
    """Prints IR as mlir-opt does; also the API a custom op's `print(self, printer)` receives (MLIR's
    OpAsmPrinter).

    Users normally call `mlir_py.to_string(op)` or `str(op)`; construct one for options: `generic` (generic op
    form everywhere), `debuginfo` (append `loc(...)`), `print_aliases` (`#map = affine_map<...>` definitions
    up front, as upstream aliases affine maps and integer sets). `local_scope`
    (`--mlir-print-local-scope`: attributes and types inline, no alias definitions), `keep_ssa_names` (our
    `--keep-ssa-names`: the SSA names the source used, `%a`, where MLIR renumbers `%0`). Call
    `print_top_level(op)` once per Printer.

    A custom `print` is called after the printer has written the result names, `=` and the op name, so it writes
    a leading space itself (`printer.write(" ")`), then mirrors its `parse` in the same order:
    `print_operand(s)`, punctuation with `write`, `print_attribute`, `print_optional_attr_dict(attrs, elided)`
    (leave out what the syntax already shows), `print_type(s)`, `print_region`, `print_successor`. The trailing
    location is the printer's job. Output must parse back to the same IR (print/parse fixed point).
    """

    def __init__(self, *, generic: bool = False, debuginfo: bool = False, indent_width: int = 2,
                 print_aliases: bool = True, local_scope: bool = False, keep_ssa_names: bool = False):
        self._out: list[str] = []
        self._chunks: list[str] = []
        self.write = self._out.append
        self.generic = generic
        self.debuginfo = debuginfo
        self.indent_width = indent_width
        self.indent = 0
        self.print_aliases = print_aliases
        self.local_scope = local_scope
        self.keep_ssa_names = keep_ssa_names
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
        """Everything written so far, as one string."""
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
        """`op` and everything nested in it, as a string: names values and blocks, alias definitions first.

        The entry point; `print_op` is for use from inside a printer, where names are already assigned.
        """
        with gc_paused():
            return self._print_top_level(op)

    def _print_top_level(self, op: Operation) -> str:
        if self.print_aliases and not self.local_scope:
            self._collect_aliases(op)
            for attr, name in self._aliases.items():
                self.write(f"#{name} = ")
                self._print_attr_uncached(attr)
                self.write("\n")
        self._number_scope(op)
        self._strip = "builtin."
        self.print_op(op)
        self.write("\n")
        self.write(print_resource_section(op, resources_of(op)))
        return self.getvalue()

    def _collect_aliases(self, root: Operation) -> None:
        """Aliases as upstream's printer gives them: affine maps and sets,
        locations and distinct attributes used as attribute values (nested
        ones too); printed sorted by nesting depth, then by alias name, then by
        first appearance, and numbered per name in that order."""
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

        def visit_dicts(op: Operation, inline, hidden=()) -> None:
            for d in (op.properties, op.attributes):
                for k in sorted(d) if len(d) > 1 else d:
                    if not (inline and d is op.properties and k in inline) and not (hidden and k in hidden):
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
                # properties an op's custom form spells inline (memref.transpose's map) get no alias,
                # nor do attributes it does not print (linalg's memoized indexing maps)
                visit_dicts(op, getattr(op, "properties_printed_inline", ()),
                            getattr(op, "attributes_hidden_in_custom_form", ()))
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
        """Assign names to everything nested in root, MLIR's way (SSANameState).

        Each region gets its own used-name scope on top of its parent's (MLIR's
        ScopedHashTable): sibling regions, e.g. two functions, may reuse a name.
        MLIR pushes nested regions in order and pops the last one first; a region
        starts from the counters its parent region ended with (no reset at
        IsolatedFromAbove ops).  The generic form prints unique SSA ids (MLIR's
        shouldPrintUniqueSSAIDs): counters then run on, never restored, and ops
        give no names (no OpAsmOpInterface in the generic form)."""
        unique_ids = self.generic
        keep = self.keep_ssa_names
        asm_names = not unique_ids
        names = self._names
        bnames = self._block_names
        # The names in use are one set; each region's scope is the list of names
        # it added, undone when the walk leaves its subtree (MLIR's
        # ScopedHashTable). Regions pop off a stack, so the open scopes always
        # form one path from the root: before numbering a region, close scopes
        # until its parent's is innermost.
        used: set[str] = set()
        top: list[str] = []
        scopes: list[list[str]] = [top]
        stack: list[tuple[Region, int, int, int, list]] = [(r, 0, 0, 0, top) for r in root.regions]
        next_value = next_arg = conflict = 0
        scope = top

        def unique(base: str) -> str:
            nonlocal conflict
            if base in used:
                probe = base + "_"
                while True:
                    cand = probe + str(conflict)
                    conflict += 1
                    if cand not in used:
                        base = cand
                        break
            used.add(base)
            scope.append(base)
            return base

        if root.results:
            for r in root.results:
                if r not in names:
                    hint = r.name_hint if keep else None
                    names[r] = "%" + (unique(hint) if hint and _HINT_OK.match(hint) else str(len(names)))
        while stack:
            if unique_ids:
                # kept source names (our extension: MLIR's generic form has none)
                # still restore the conflict counter, so both forms agree on them
                region, _, _, conflict, parent = stack.pop()
            else:
                region, next_value, next_arg, conflict, parent = stack.pop()
            while scopes[-1] is not parent:
                used.difference_update(scopes.pop())
            scope = []
            scopes.append(scope)
            arg_names = None
            if asm_names:
                hook = getattr(region.parent, "get_asm_block_arg_names", None)
                if hook is not None and region.parent.definition is not None:
                    arg_names = hook(region)
            next_block = 0
            for block in region.blocks:
                bnames[block] = f"^bb{next_block}"
                next_block += 1
                entry = block.parent is not None and block.parent._first_block is block
                for a in block.args:
                    hint = a.name_hint if keep else None
                    if hint is not None and _HINT_OK.match(hint):
                        names[a] = "%" + unique(hint)
                        continue
                    if arg_names:
                        given = arg_names.get(a)
                        if given:
                            names[a] = "%" + unique(sanitize_identifier(given))
                            continue
                    if entry:
                        names[a] = "%" + unique(f"arg{next_arg}")
                        next_arg += 1
                    else:
                        names[a] = f"%{next_value}"
                        next_value += 1
                op = block._first
                while op is not None:
                    res = op.results
                    if res:
                        if keep:
                            groups = _result_groups(op, res, asm_names)
                        elif asm_names and op.definition is not None:
                            groups = _asm_result_groups(op, res)
                        else:
                            groups = None
                        if groups is None:
                            nm = f"%{next_value}"
                            next_value += 1
                            if len(res) == 1:
                                names[res[0]] = nm
                            else:
                                for i, r in enumerate(res):
                                    names[r] = f"{nm}#{i}"
                        else:
                            # result groups (`%a, %b:2 = ...`): [(start, end, hint)]
                            for start, end, hint in groups:
                                if hint:
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
                            stack.append((r, next_value, next_arg, conflict, scope))
                    op = op._next

    def value_name(self, v: Value) -> str:
        """The name `v` prints as (`%0`, `%arg1`, `%c0`...); `<<UNKNOWN SSA VALUE>>` for a value outside the
        printed IR.
        """
        n = self._names.get(v)
        if n is None:
            return "<<UNKNOWN SSA VALUE>>"
        return n

    # ------------------------------------------------------------------
    # Operations
    # ------------------------------------------------------------------

    def print_op(self, op: Operation) -> None:
        """Result names, `=`, then the op in custom form when it has one (generic form otherwise or when `generic`)."""
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
        try:
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
        except BaseException as e:  # noqa: BLE001 - a printer hook raised: blame the op, not the printer
            if must_propagate(e):
                raise
            raise user_code_error(op, "custom printer" if custom else "printer", e) from e
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
        """`"dialect.op"(%a) <{props}> ({regions}) {attrs} : (types) -> types`: what any op can print as."""
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
        """`{ ... }` with blocks indented one level.

        Custom ops pass the flags their syntax needs, as upstream's printRegion: `print_entry_block_args=False`
        when the op's syntax already shows the entry arguments (as `func.func`), `print_block_terminators=False`
        for an implicit terminator, `print_empty_block=True` to keep an empty entry block visible.
        """
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
        """The block's arguments as `%a: type, ...` (names only when `with_types` is false), no parentheses."""
        for i, a in enumerate(block.args):
            if i:
                self.write(", ")
            self.write(self._names.get(a, "<<UNKNOWN SSA VALUE>>"))
            if with_types:
                self.write(": ")
                self.print_type(a.type)

    def print_successor(self, block: Block) -> None:
        """A block reference `^bbN`."""
        self.write(self._block_names.get(block, "^<<UNKNOWN>>"))

    def print_successor_and_use_list(self, block: Block, values: Sequence[Value]) -> None:
        """`^bbN(%a, %b : t1, t2)`, or just `^bbN` when there are no values (as upstream)."""
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
        """The value's SSA name."""
        self.write(self._names.get(v) or "<<UNKNOWN SSA VALUE>>")

    def print_operands(self, vs: Iterable[Value]) -> None:
        """SSA names separated by `, `."""
        names = self._names
        self.write(", ".join(names.get(v) or "<<UNKNOWN SSA VALUE>>" for v in vs))

    # ------------------------------------------------------------------
    # Types and attributes
    # ------------------------------------------------------------------

    def print_type(self, t: Attribute) -> None:
        """A type as upstream spells it (builtin types without `!`, dialect types as `!dialect.name<...>`)."""
        s = self._attr_strings.get(t)
        if s is None:
            s = self._render(t)
        self.write(s)

    def print_types(self, ts: Iterable[Attribute]) -> None:
        """Types separated by `, `."""
        first = True
        for t in ts:
            if not first:
                self.write(", ")
            first = False
            self.print_type(t)

    def print_attribute(self, a: Attribute) -> None:
        """An attribute, or its `#alias` when aliases are printed and one was assigned."""
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
        """One parameter of a parametrized attribute or type: an Attribute, a quoted string, `true`/`false`, a
        number.
        """
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
        """`s` quoted and escaped as MLIR string literals are."""
        self.write(quote_string(s))

    def print_symbol_name(self, s: str) -> None:
        """`@name`, quoted (`@"a b"`) when it is not a bare identifier."""
        if _SYMBOL_OK.match(s):
            self.write("@" + s)
        else:
            self.write("@" + quote_string(s))

    def print_attr_dict(self, attrs: dict[str, Attribute]) -> None:
        """`{a = 1, b}` with keys sorted and unit attributes as bare keys, as upstream prints dictionaries."""
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
        """` attributes {...}` (as `builtin.module` uses), nothing when all attributes are elided."""
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
        """`(inputs) -> results`."""
        self._print_function_type(inputs, results)

    def print_function_result_types(self, results: Sequence[Attribute]) -> None:
        """One result bare, otherwise parenthesised (also a lone function type, to stay unambiguous)."""
        if len(results) == 1 and not isinstance(results[0], FunctionType):
            self.print_type(results[0])
        else:
            self.write("(")
            self.print_types(results)
            self.write(")")

    def print_arrow_type_list(self, types: Sequence[Attribute]) -> None:
        """` -> results` when there are results, nothing otherwise."""
        if types:
            self.write(" -> ")
            self.print_function_result_types(types)

    def print_location(self, loc: Attribute) -> None:
        """`loc(...)` for the location."""
        loc.print(self)

    def print_new_line(self) -> None:
        """A newline indented to the current nesting level (for ops laying out their own lines)."""
        self.write("\n")
        self.write(" " * self.indent)


def _asm_result_groups(op: Operation, res) -> list[tuple[int, int, str | None]] | None:
    """The op's own result names (MLIR's getAsmResultNames) as groups, or None
    when it gives none.

    `get_asm_result_name()` returns a name for all results (one group), or a
    dict {result index: name} where each key starts a group, as MLIR anchors
    result groups at the results setNameFn was called for."""
    get_name = _ASM_NAME_HOOKS.get(type(op), _UNSET)
    if get_name is _UNSET:
        get_name = _ASM_NAME_HOOKS[type(op)] = getattr(type(op), "get_asm_result_name", None)
    if get_name is None:
        return None
    named = get_name(op)
    if not named:
        return None
    if isinstance(named, dict):
        starts = sorted({0} | set(named))
        ends = starts[1:] + [len(res)]
        return [(s, e, sanitize_identifier(named[s]) if named.get(s) else None) for s, e in zip(starts, ends)]
    return [(0, len(res), sanitize_identifier(named))]


def _result_groups(op: Operation, res, asm_names: bool = True) -> list[tuple[int, int, str | None]] | None:
    """Result groups with the names the source gave (kept-names mode).

    Source names start a group wherever the name changes; results with no
    usable source name fall back to the op's own names (asm_names: MLIR's
    generic form uses none)."""
    if len(res) == 1:
        h = res[0].name_hint
        if h is not None and _HINT_OK.match(h):
            return [(0, 1, h)]
        return _asm_result_groups(op, res) if asm_names and op.definition is not None else None
    hints = [h if h is not None and _HINT_OK.match(h) else None for h in (r.name_hint for r in res)]
    if all(h is None for h in hints):
        return _asm_result_groups(op, res) if asm_names and op.definition is not None else None
    groups: list[tuple[int, int, str | None]] = []
    start = 0
    for i in range(1, len(res) + 1):
        if i == len(res) or hints[i] != hints[start]:
            groups.append((start, i, hints[start]))
            start = i
    return groups


_IDENT_PUNCT = frozenset("$._-")


def sanitize_identifier(name: str) -> str:
    """A name as MLIR's sanitizeIdentifier makes it a valid SSA suffix-id:
    a leading digit gets a `_` prefix (it would read as a number), a space
    becomes `_`, any other invalid character its hex code."""
    if name.isascii() and (name.replace("_", "a").replace("$", "a").replace(".", "a").replace("-", "a").isalnum()):
        return "_" + name if name[0].isdigit() else name
    out = ["_"] if name[0].isdigit() else []
    for ch in name.encode("utf-8", "surrogateescape"):
        c = chr(ch)
        if (c.isascii() and c.isalnum()) or c in _IDENT_PUNCT:
            out.append(c)
        elif c == " ":
            out.append("_")
        else:
            out.append("%X" % ch)
    return "".join(out)


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

#: op class -> its get_asm_result_name, or None
_ASM_NAME_HOOKS: dict[type, Any] = {}

#: op class -> its custom print function, or False for "generic form only"
_CUSTOM_PRINTERS: dict[type, Any] = {}


def _custom_printer_of(cls) -> Any:
    fn = getattr(cls, "print", None)
    if fn is None:
        fmt = op_format(cls)
        fn = fmt.print if fmt is not None else False
    _CUSTOM_PRINTERS[cls] = fn
    return fn


def _is_terminator(op: Operation) -> bool:
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


def print_op_to_string(op: Operation, *, generic: bool = False, debuginfo: bool = False,
                       local_scope: bool = False, keep_ssa_names: bool = False) -> str:
    """Print op as a top-level (or standalone) operation.

    A nested op is printed with the value names its enclosing top-level op
    gives it, so operands defined outside still read as `%0`, `%arg0`; with
    local_scope, as MLIR's Operation::print, numbering starts at the closest
    op (op itself included) that is IsolatedFromAbove, and no aliases print."""
    p = Printer(generic=generic, debuginfo=debuginfo, local_scope=local_scope, keep_ssa_names=keep_ssa_names)
    if op.parent is None:
        return p.print_top_level(op).rstrip("\n")
    root = op
    while root.parent_op is not None:
        if local_scope and IsolatedFromAbove in root.traits:
            break
        root = root.parent_op
    with gc_paused():
        p.print_aliases = False
        p._number_scope(root)
        p.print_op(op)
    return p.getvalue()


def attr_to_string(a: Attribute) -> str:
    """An attribute or type printed alone, without aliases (its `str()`)."""
    p = Printer(print_aliases=False)
    p.print_attribute(a)
    return p.getvalue()
