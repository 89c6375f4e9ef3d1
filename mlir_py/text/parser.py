"""Parser for the textual IR (MLIR syntax): SSA values, blocks, regions, ops.

Three layers, each a class the next extends: `lexer.Lexer` (token regexes
matched at an offset - no token objects), `parse_attributes.AttrTypeParser`
(types, attributes, locations; types cached by their source text) and
`Parser` here. Parsed ops keep a packed source offset that becomes a
FILE:LINE:COL location on demand.

The methods without a leading underscore form the public parsing API that
custom op/attribute/type parsers and the assembly-format compiler use (as
MLIR's OpAsmParser / DialectAsmParser).
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Callable

from mlir_py.builtin.ops import ModuleOp
from mlir_py.definition.assembly_format import op_format
from mlir_py.definition.opdef import DefinitionError
from mlir_py.definition.traits import IsolatedFromAbove
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_types import FunctionType
from mlir_py.ir.diagnostics import register_source
from mlir_py.ir.location import (
    CallSiteLoc,
    FusedLoc,
    Location,
    NameLoc,
    pack_source_loc,
    register_source_for_locs,
)
from mlir_py.ir.operation import Block, BlockArgument, Operation, Region, Value
from mlir_py.support.gcpause import gc_paused
from mlir_py.support.user_errors import must_propagate, user_code_message
from mlir_py.text.attribute_parser import AttrTypeParser, _DeferredLoc
from mlir_py.text.lexer import (
    _CARET_ID,
    _EXCL_ID,
    _HASH_ID,
    _OP_HEAD,
    _OPNAME,
    _SP_SSA_ID,
    _SSA_ID,
    _WS,
    ParseError,  # noqa: F401 (re-exported: part of this module's API)
    _to_int,
)
from mlir_py.text.resources import ResourceSection, parse_resource_section, set_resources

if TYPE_CHECKING:
    from mlir_py.ir.context import Context

class UnresolvedOperand(tuple):
    """An operand reference whose type is not yet known (`%x#1` at `pos`).

    A tuple (name, number, pos): built by C code, no per-operand __init__.
    """

    __slots__ = ()
    name = property(itemgetter(0))
    number = property(itemgetter(1))
    pos = property(itemgetter(2))

    def __repr__(self) -> str:
        return f"%{self[0]}" + (f"#{self[1]}" if self[1] else "")


class _ForwardRef(Value):
    """Placeholder for a value used before its definition."""

    __slots__ = ("pos",)


class _Scope:
    __slots__ = ("values", "isolated", "forward", "def_pos")

    def __init__(self, isolated: bool):
        self.values: dict[str, list[Value]] = {}
        self.isolated = isolated
        self.forward: dict[tuple[str, int], _ForwardRef] = {}
        #: where each name was defined, for "previously defined here" notes
        self.def_pos: dict[str, int] = {}


class _BlockScope:
    __slots__ = ("blocks", "defined", "first_use")

    def __init__(self):
        self.blocks: dict[str, Block] = {}
        self.defined: set[str] = set()
        self.first_use: dict[str, int] = {}


class Parser(AttrTypeParser):
    """The textual IR parser; also the API a custom op's `parse(cls, parser)` receives (MLIR's OpAsmParser).

    One Parser per source text: it holds the SSA and block scopes, the `#alias`/`!alias` definitions and the
    source offsets that become FILE:LINE:COL locations. Users normally call `mlir_py.parse` / `parse_source`
    instead of constructing one; the context decides which ops, attributes and types are known.

    A custom `parse(cls, parser)` is called right after the op name was consumed (result names and `=` too) and
    must return the built op (usually `cls.create(...)`); the parser binds the results and reads a trailing
    `loc(...)` itself. Mirror your `print` in this order:

    1. operands: `parse_operand` / `parse_operand_list` (names only: SSA values are typed later);
    2. fixed punctuation and keywords: `expect`, `parse_optional`, `parse_keyword`, `parse_optional_keyword`;
    3. attributes: `parse_attribute`, `parse_optional_attr_dict` (or `..._with_keyword`);
    4. types: `parse_colon_type`, `parse_type`, `parse_type_list`, `parse_arrow_type_list`;
    5. `resolve_operand(s)`, each name with its type: only now are operands `Value`s;
    6. regions (`parse_region`, entry arguments from `parse_argument`) and successors (`parse_successor`).

    Every failure raises `ParseError` located at the offending text (`self.error(msg, pos)` builds one); never
    raise a bare Python exception for bad input.
    """

    def __init__(self, ctx: Context, text: str, filename: str = "<stdin>", *, line_offset: int = 0):
        self.ctx = ctx
        self.text = text
        self.pos = 0
        self.filename = filename
        self.line_offset = line_offset
        self._line_starts: list[int] | None = None
        self.type_aliases: dict[str, Attribute] = {}
        self.attr_aliases: dict[str, Attribute] = {}
        #: `distinct[N]<...>` by N: one attribute per id within a parse
        self.distinct_attrs: dict[int, Attribute] = {}
        self._resources: ResourceSection | None = None
        self._deferred_locs: list[tuple[Operation | BlockArgument, str, int]] = []
        self._scopes: list[_Scope] = [_Scope(True)]
        self._block_scopes: list[_BlockScope] = []
        #: enclosing op classes, for default dialects and isolation
        self._default_dialects: list[str | None] = [None]
        self._type_cache = ctx.type_cache
        self._local_type_cache: dict[str, Attribute] = {}
        self._ops = ctx.ops
        self._allow_unregistered = ctx.allow_unregistered_dialects
        #: ops store `_loc_base | offset`, decoded to FILE:LINE:COL on demand;
        #: the source is registered with the first op (attribute/type-only parses never are)
        self._loc_base: int | None = None

    # ------------------------------------------------------------------
    # SSA values
    # ------------------------------------------------------------------

    def parse_operand(self) -> UnresolvedOperand:
        """`%name` or `%name#N`, not yet resolved: its type is known only later, so call `resolve_operand` with it.

        Raises ParseError ("expected SSA operand") when no `%` name follows.
        """
        m = _SP_SSA_ID.match(self.text, self.pos)
        if m is not None:
            self.pos = m.end()
            n = m.group(2)
            return UnresolvedOperand((m.group(1), _to_int(n) if n else 0, m.start(1) - 1))
        pos = _WS.match(self.text, self.pos).end()
        m = _SSA_ID.match(self.text, pos)
        if m is None:
            self.pos = pos
            raise self.wrong_token_error("expected SSA operand")
        self.pos = m.end()
        n = m.group(2)
        return UnresolvedOperand((m.group(1), _to_int(n) if n else 0, pos))

    def parse_optional_operand(self) -> UnresolvedOperand | None:
        """`parse_operand` if a `%` follows, else None and nothing consumed."""
        if not self.peek("%"):
            return None
        return self.parse_operand()

    def parse_operand_list(self, delimiter: str | None = None) -> list[UnresolvedOperand]:
        """Comma-separated operands; delimiter "(" / "[" wraps them."""
        close = {"(": ")", "[": "]", None: None}[delimiter]
        if delimiter is not None:
            self.expect(delimiter)
            if self.parse_optional(close):
                return []
        elif not self.peek("%"):
            return []
        ops = [self.parse_operand()]
        while self.parse_optional(","):
            ops.append(self.parse_operand())
        if close is not None:
            self.expect(close)
        return ops

    def resolve_operand(self, u: UnresolvedOperand, type: Attribute) -> Value:
        """The Value that `u` names, given the type the op's syntax says it has.

        A use before its definition (legal in graph regions and across blocks) yields a forward reference that
        the definition replaces; a type that disagrees with the definition or a prior use raises ParseError, and
        so does a name not visible across an `IsolatedFromAbove` boundary.
        """
        name, number, _ = u
        for scope in reversed(self._scopes):
            vals = scope.values.get(name)
            if vals is not None:
                if number >= len(vals):
                    raise self.error(f"operation only has {len(vals)} results", u.pos)
                v = vals[number]
                if v.type is not type:
                    e = self.error(f"use of value '%{name}' expects different type than prior uses: "
                                   f"'{type}' vs '{v.type}'", u.pos)
                    if name in scope.def_pos:
                        e.with_note("prior use here", self.loc_at(scope.def_pos[name]))
                    raise e
                return v
            if scope.isolated:
                break
        # forward reference (or a reference to a value defined later)
        scope = self._scopes[-1]
        key = (name, u.number)
        fr = scope.forward.get(key)
        if fr is None:
            fr = _ForwardRef(type)
            fr.pos = u.pos
            scope.forward[key] = fr
        elif fr.type is not type:
            raise self.error(f"use of value '%{name}' expects different type than prior uses: "
                             f"'{type}' vs '{fr.type}'", u.pos).with_note("prior use here", self.loc_at(fr.pos))
        return fr

    def resolve_operands(self, us: list[UnresolvedOperand], types: list[Attribute] | Attribute,
                         pos: int | None = None) -> list[Value]:
        """`resolve_operand` for each of `us`; `types` is one type per operand, or a single type shared by all.

        Raises ParseError when the counts differ (located at `pos`, else at the first operand).
        """
        if not isinstance(types, (list, tuple)):
            types = [types] * len(us)
        if len(us) != len(types):
            raise self.error(f"{len(us)} operands present, but expected {len(types)}",
                             pos if pos is not None else (us[0].pos if us else None))
        return [self.resolve_operand(u, t) for u, t in zip(us, types)]

    def _define_values(self, name: str, values: list[Value], pos: int) -> None:
        scope = self._scopes[-1]
        if name in scope.values:
            e = self.error(f"redefinition of SSA value '%{name}'", pos)
            if name in scope.def_pos:
                e.with_note("previously defined here", self.loc_at(scope.def_pos[name]))
            raise e
        scope.values[name] = values
        scope.def_pos[name] = pos
        if scope.forward:
            for i, v in enumerate(values):
                fr = scope.forward.pop((name, i), None)
                if fr is not None:
                    if fr.type is not v.type:
                        raise self.error(f"definition of SSA value '%{name}#{i}' has type '{v.type}', "
                                         f"but a prior use expects '{fr.type}'", pos)
                    fr.replace_all_uses_with(v)
        if not name.isdigit() and not (name.startswith("arg") and name[3:].isdigit()):
            if len(values) == 1:
                values[0].name_hint = name
            else:
                for v in values:
                    v.name_hint = name

    def _push_scope(self, isolated: bool) -> None:
        self._scopes.append(_Scope(isolated))

    def _pop_scope(self) -> None:
        scope = self._scopes.pop()
        if scope.forward:
            # Unresolved names may be defined in an enclosing (non-isolated) scope
            # after this region: hand them up, unless the scope was isolated.
            if scope.isolated or not self._scopes:
                (name, _), fr = min(scope.forward.items(), key=lambda kv: kv[1].pos)
                raise self.error(f"use of undeclared SSA value name '%{name}'", fr.pos)
            outer = self._scopes[-1]
            for key, fr in scope.forward.items():
                vals = None
                for s in reversed(self._scopes):
                    vals = s.values.get(key[0])
                    if vals is not None or s.isolated:
                        break
                if vals is not None and key[1] < len(vals):
                    v = vals[key[1]]
                    if v.type is not fr.type:
                        raise self.error(f"use of value '%{key[0]}' expects different type than prior uses: "
                                         f"'{fr.type}' vs '{v.type}'", fr.pos)
                    fr.replace_all_uses_with(v)
                    continue
                prev = outer.forward.get(key)
                if prev is None:
                    outer.forward[key] = fr
                else:
                    fr.replace_all_uses_with(prev)

    # ------------------------------------------------------------------
    # Blocks and regions
    # ------------------------------------------------------------------

    def parse_successor(self) -> Block:
        """`^bb` as a Block of the enclosing region; a block used before its label is created now."""
        pos = _WS.match(self.text, self.pos).end()
        m = _CARET_ID.match(self.text, pos)
        if m is None:
            self.pos = pos
            raise self.error("expected block name")
        self.pos = m.end()
        return self._get_block(m.group(1), pos)

    def parse_optional_successor(self) -> Block | None:
        """`parse_successor` if a `^` follows, else None and nothing consumed."""
        if not self.peek("^"):
            return None
        return self.parse_successor()

    def parse_successor_and_use_list(self) -> tuple[Block, list[Value]]:
        """`^bb1(%a, %b : i32, f32)` as cf.br and friends write it."""
        block = self.parse_successor()
        values: list[Value] = []
        if self.parse_optional("("):
            ops = self.parse_operand_list()
            self.expect(":")
            types = [self.parse_type()]
            while self.parse_optional(","):
                types.append(self.parse_type())
            self.expect(")")
            values = self.resolve_operands(ops, types)
        return block, values

    def _get_block(self, name: str, pos: int) -> Block:
        if not self._block_scopes:
            raise self.error("block reference outside of a region", pos)
        bs = self._block_scopes[-1]
        b = bs.blocks.get(name)
        if b is None:
            b = Block()
            bs.blocks[name] = b
            bs.first_use[name] = pos
        return b

    def parse_region(self, arguments: list[tuple[UnresolvedOperand, Attribute, Location | None]] | None = None,
                     *, isolated: bool = False) -> Region:
        """`{ ... }`; `arguments` (from the op's syntax) become the entry block's args."""
        region = Region()
        self.expect("{")
        self._push_scope(isolated)
        self._block_scopes.append(_BlockScope())
        failed = False
        try:
            entry_args = arguments
            if entry_args and self.peek("^"):
                raise self.error("invalid block name in region with named arguments")
            if not self.peek("^") or entry_args:
                if self.peek("}") and not entry_args:
                    self.pos += 1
                    return region
                block = Block()
                region.append(block)
                if entry_args:
                    for u, t, loc in entry_args:
                        # as MLIR: an argument without loc(...) is located at its name
                        a = block.add_argument(t, loc if loc is not None else self.loc_at(u.pos))
                        if isinstance(loc, _DeferredLoc):
                            self._deferred_locs.append((a, loc.alias, loc.pos))
                        scope = self._scopes[-1]
                        if u.name in scope.values:
                            raise self.error(f"region entry argument '%{u.name}' is already in use", u.pos) \
                                .with_note("previously referenced here", self.loc_at(scope.def_pos[u.name]))
                        self._define_values(u.name, [a], u.pos)
                self._parse_block_body(block)
            elif entry_args:
                raise self.error("invalid block name in region with named arguments")
            while self.peek("^"):
                self._parse_labeled_block(region)
            self.expect("}", "to end region")
            bs = self._block_scopes[-1]
            for name, b in bs.blocks.items():
                if name not in bs.defined:
                    raise self.error("reference to an undefined block", bs.first_use[name])
            return region
        except BaseException:
            failed = True
            raise
        finally:
            self._block_scopes.pop()
            if failed:  # the real error wins: no "undeclared SSA value" check on the way out
                self._scopes.pop()
            else:
                self._pop_scope()

    def parse_optional_region(self, arguments=None, *, isolated: bool = False) -> Region | None:
        """`parse_region` if a `{` follows, else None and nothing consumed."""
        if not self.peek("{"):
            return None
        return self.parse_region(arguments, isolated=isolated)

    def _parse_labeled_block(self, region: Region) -> None:
        pos = self.skip_ws()
        m = _CARET_ID.match(self.text, pos)
        if m is None:
            raise self.error("expected block name")
        self.pos = m.end()
        name = m.group(1)
        bs = self._block_scopes[-1]
        if name in bs.defined:
            raise self.error(f"redefinition of block '^{name}'", pos)
        bs.defined.add(name)
        block = bs.blocks.get(name)
        if block is None:
            block = Block()
            bs.blocks[name] = block
        region.append(block)
        if self.parse_optional("("):
            if not self.parse_optional(")"):
                while True:
                    u = self.parse_operand()
                    self.expect(":")
                    t = self.parse_type()
                    loc = self.parse_optional_location()
                    a = block.add_argument(t, loc if loc is not None else self.loc_at(u.pos))
                    if isinstance(loc, _DeferredLoc):
                        self._deferred_locs.append((a, loc.alias, loc.pos))
                        a.loc = None
                    self._define_values(u.name, [a], u.pos)
                    if not self.parse_optional(","):
                        break
                self.expect(")")
        self.expect(":", "after block name")
        self._parse_block_body(block)

    def _parse_block_body(self, block: Block) -> None:
        text = self.text
        while True:
            pos = _WS.match(text, self.pos).end()
            self.pos = pos
            c = text[pos:pos + 1]
            if c == "}" or c == "^" or not c:
                return
            op = self.parse_operation()
            block.append(op)

    def parse_argument(self, *, allow_type: bool = True, allow_attrs: bool = False,
                       allow_loc: bool = True) -> tuple[UnresolvedOperand, Attribute | None, dict, Location | None]:
        """`%name : type {attrs} loc(...)` as in function signatures."""
        u = self.parse_operand()
        t = None
        if allow_type:
            self.expect(":")
            t = self.parse_type()
        attrs = self.parse_optional_attr_dict() if allow_attrs else {}
        loc = self.parse_optional_location() if allow_loc else None
        return u, t, attrs, loc

    # ------------------------------------------------------------------
    # Operations
    # ------------------------------------------------------------------

    def parse_operation(self) -> Operation:
        """One operation in custom or generic form, with its result bindings and trailing `loc(...)`.

        Custom forms dispatch on the op name (after the enclosing op's `default_dialect`, then `builtin.`) to
        the op class's hand-written `parse` or its compiled `assembly_format`.
        """
        text = self.text
        pos = self.pos
        result_names: list[tuple[str, int, int]] = []
        num_results = 0
        m = _OP_HEAD.match(text, pos) if text.startswith("%", pos) else None
        if m is not None and "." in m.group(2):
            # `%name = dialect.op` - the common case, in one match
            result_names.append((m.group(1), 1, pos))
            num_results = 1
            pos = m.start(2)
            self.pos = pos
        elif text.startswith("%", pos):
            while True:
                p = _WS.match(text, self.pos).end()
                m = _SSA_ID.match(text, p)
                if m is None or m.group(2) is not None:
                    self.pos = p
                    raise self.error("expected valid ssa identifier")
                self.pos = m.end()
                count = 1
                if text.startswith(":", self.pos):
                    self.pos += 1
                    count = self.parse_integer("number of results")
                    if count < 1:
                        raise self.error("expected named operation to have at least 1 result", p)
                result_names.append((m.group(1), count, p))
                num_results += count
                if not self.parse_optional(","):
                    break
            self.expect("=", "after SSA name")
            pos = _WS.match(text, self.pos).end()
            self.pos = pos
        c = text[pos:pos + 1]
        if c == '"':
            op = self._parse_generic_operation()
        else:
            op = self._parse_custom_operation()
        if result_names:
            if num_results != len(op.results):
                raise self.error(f"operation defines {len(op.results)} results but was provided "
                                 f"{num_results} to bind", pos)
            i = 0
            for name, count, p in result_names:
                self._define_values(name, op.results[i:i + count], p)  # pyright: ignore[reportArgumentType]
                i += count
        c = text[self.pos:self.pos + 1]
        loc = None if c == "\n" or c == "" else self.parse_optional_location()
        if loc is not None:
            if isinstance(loc, _DeferredLoc):
                self._deferred_locs.append((op, loc.alias, loc.pos))
            else:
                op.location = loc
        else:
            base = self._loc_base
            if base is None:
                base = self._loc_base = pack_source_loc(
                    register_source_for_locs(self.filename, self.text, self.line_offset), 0)
            op._loc = base | pos
        return op

    def _parse_generic_operation(self) -> Operation:
        pos = self.pos
        name = self.parse_string()
        if not name:
            raise self.error("empty operation name is invalid", pos)
        cls = self._ops.get(name)
        if cls is None:
            dialect = name.split(".", 1)[0]
            if "." in name and dialect in self.ctx.dialects:  # even with --allow-unregistered-dialect
                raise self.error(f"unregistered operation '{name}' found in dialect ('{dialect}') that does not "
                                 f"allow unknown operations", pos)
            if not self._allow_unregistered:
                raise self.error("operation being parsed with an unregistered dialect. If this is intended, please "
                                 "use -allow-unregistered-dialect with the MLIR tool used")
        self.expect("(", "to start operand list")
        operands = self.parse_operand_list() if not self.peek(")") else []
        self.expect(")", "to end operand list")
        successors: list[Block] = []
        if self.parse_optional("["):
            successors.append(self.parse_successor())
            while self.parse_optional(","):
                successors.append(self.parse_successor())
            self.expect("]")
        props: dict[str, Attribute] = {}
        if self.parse_optional("<"):
            self.expect("{")
            self.pos -= 1
            props = self.parse_attr_dict_body()
            self.expect(">")
        regions: list[Region] = []
        isolated = cls is not None and _is_isolated(cls)
        if self.parse_optional("("):
            self._default_dialects.append(getattr(cls, "default_dialect", None) if cls else None)
            try:
                regions.append(self.parse_region(isolated=isolated))
                while self.parse_optional(","):
                    regions.append(self.parse_region(isolated=isolated))
            finally:
                self._default_dialects.pop()
            self.expect(")")
        attrs = self.parse_optional_attr_dict()
        tpos = self.skip_ws()
        self.expect(":", "followed by operation type")
        ftype = self.parse_type()
        if not isinstance(ftype, FunctionType):
            raise self.error("expected function type", tpos)
        values = self.resolve_operands(operands, list(ftype.inputs), tpos)
        if cls is not None and cls.definition is not None:
            # inherent attributes written in the attribute dict (older MLIR) move to properties
            for k in list(attrs):
                if k in cls.definition.props or k in ("operandSegmentSizes", "resultSegmentSizes"):
                    if k not in props:
                        props[k] = attrs.pop(k)
            # as MLIR's populateDefaultProperties: default-valued attributes are always set
            for k, pd in cls.definition.props.items():
                if pd.default is not None and pd.kind == "single" and k not in props:
                    props[k] = pd.default
            op = object.__new__(cls)
        else:
            op = Operation.__new__(Operation)
        Operation.__init__(op, name, values, ftype.results, props, attrs, regions, successors, None)
        return op

    def _parse_custom_operation(self) -> Operation:
        pos = self.pos
        m = _OPNAME.match(self.text, pos)
        if m is None:
            raise self.error("expected operation name in quotes")
        name = m.group()
        self.pos = m.end()
        cls = self._ops.get(name)
        if cls is None:
            default = self._default_dialects[-1]
            if default:
                cls = self._ops.get(f"{default}.{name}")
            if cls is None and "." not in name:
                cls = self._ops.get(f"builtin.{name}")
        if cls is None:
            if "." in name and name.split(".", 1)[0] not in self.ctx.dialects:
                raise self.error(f"Dialect `{name.split('.', 1)[0]}' not found for custom op '{name}' ", pos)
            raise self.error(f"custom op '{name}' is unknown", pos)
        parse = _CUSTOM_PARSERS.get(cls)
        if parse is None:
            try:
                parse = _custom_parser_of(cls)
            except DefinitionError as e:  # a user dialect's format is compiled on first use
                raise self.error(str(e), pos) from None
            if parse is None:
                raise self.error(f"'{cls.name}' has no custom assembly form; use the generic form", pos)
        self._default_dialects.append(cls.default_dialect)
        try:
            op = parse(self)
        except ParseError:
            raise
        except BaseException as e:  # noqa: BLE001 - the op's custom parser raised: an error at the op
            if must_propagate(e):
                raise
            raise self.error(user_code_message(cls.name, "custom parser", e), pos) from None
        finally:
            self._default_dialects.pop()
        return op

    # ------------------------------------------------------------------
    # Top level
    # ------------------------------------------------------------------

    def parse_module(self) -> Operation:
        """Parse a whole file: aliases, then ops; a lone builtin.module is the result."""
        text = self.text
        block = Block()
        self._block_scopes.append(_BlockScope())
        while True:
            pos = self.skip_ws()
            if pos >= len(text):
                break
            c = text[pos]
            if c == "#" or c == "!":
                self._parse_alias_definition()
                continue
            if c == "{" and text.startswith("{-#", pos):
                self._parse_resource_section()
                continue
            block.append(self.parse_operation())
        bs = self._block_scopes.pop()
        if bs.blocks:
            name, p = next(iter(bs.first_use.items()))
            raise self.error("reference to an undefined block", p)
        scope = self._scopes[-1]
        if scope.forward:
            (name, _), fr = min(scope.forward.items(), key=lambda kv: kv[1].pos)
            raise self.error(f"use of undeclared SSA value name '%{name}'", fr.pos)
        self._resolve_deferred_locs(block)
        first = block.first_op
        if first is not None and first.next_op is None and isinstance(first, ModuleOp):
            first.detach()
            module = first
        else:
            module = ModuleOp.create(regions=[Region([Block()])], location=self.loc_at(0))
            body = module.regions[0].first_block
            for op in list(block.ops):
                op.detach()
                body.append(op)
        if self._resources is not None:
            set_resources(module, self._resources)
        return module

    def _parse_alias_definition(self) -> None:
        pos = self.pos
        is_type = self.text[pos] == "!"
        m = (_EXCL_ID if is_type else _HASH_ID).match(self.text, pos)
        if m is None:
            raise self.error("expected alias name")
        name = m.group(1)
        self.pos = m.end()
        if "." in name:
            raise self.error("expected attribute alias identifier without '.'" if not is_type else
                             "expected type alias identifier without '.'", pos)
        self.expect("=", "in alias definition")
        table = self.type_aliases if is_type else self.attr_aliases
        if name in table:
            raise self.error(f"redefinition of {'type' if is_type else 'attribute'} alias id '{name}'", pos)
        if is_type:
            table[name] = self.parse_type()
        else:
            if self.peek("loc"):
                save = self.pos
                loc = self.parse_optional_location()
                if loc is not None:
                    table[name] = loc
                    return
                self.pos = save
            table[name] = self.parse_attribute()

    def _parse_resource_section(self) -> None:
        if self.text.find("#-}", self.pos) < 0:
            raise self.error("expected '#-}' to end the resource section")
        self.pos += 3
        section = parse_resource_section(self)
        if self._resources is None:
            self._resources = section
        else:
            self._resources.merge(section)

    def _resolve_deferred_locs(self, top: Block | None = None) -> None:
        for target, alias, pos in self._deferred_locs:
            loc = self._resolve_loc(_DeferredLoc(alias, pos), ())
            if isinstance(target, Operation):
                target.location = loc
            else:
                target.loc = loc
        self._deferred_locs.clear()
        if getattr(self, "_nested_deferred_locs", False) and top is not None:
            # aliases used inside other locations (`loc("name"(#loc1))`)
            self._nested_deferred_locs = False
            for root in top.ops:
                for op in root.walk():
                    op.location = self._resolve_loc(op.location, ())
                    for r in op.regions:
                        for b in r.blocks:
                            for a in b.args:
                                if a.loc is not None:
                                    a.loc = self._resolve_loc(a.loc, ())

    def _resolve_loc(self, loc: Location, seen: tuple[str, ...]) -> Location:
        """loc with every alias reference replaced by the alias's location."""
        if isinstance(loc, _DeferredLoc):
            a = self.attr_aliases.get(loc.alias)
            if not isinstance(a, Location):
                raise self.error(f"undefined location alias '#{loc.alias}'" if a is None else
                                 f"expected location, but found '{a}'", loc.pos)
            if loc.alias in seen:
                raise self.error(f"location alias '#{loc.alias}' refers to itself", loc.pos)
            return self._resolve_loc(a, seen + (loc.alias,))
        if isinstance(loc, NameLoc):
            c = self._resolve_loc(loc.child, seen)
            return loc if c is loc.child else NameLoc(loc.loc_name, c)
        if isinstance(loc, CallSiteLoc):
            a, b = self._resolve_loc(loc.callee, seen), self._resolve_loc(loc.caller, seen)
            return loc if (a is loc.callee and b is loc.caller) else CallSiteLoc(a, b)
        if isinstance(loc, FusedLoc):
            ls = tuple(self._resolve_loc(x, seen) for x in loc.locations)
            return loc if all(x is y for x, y in zip(ls, loc.locations)) else FusedLoc(ls, loc.metadata)
        return loc


#: op class -> its custom parse function (hand-written or compiled format)
_CUSTOM_PARSERS: dict[type, Callable] = {}


def _custom_parser_of(cls):
    if _inherited_parse(cls) is not None or "parse" in cls.__dict__:
        fn = cls.parse
    else:
        fmt = op_format(cls)
        if fmt is None:
            return None
        fn = fmt.parse
    _CUSTOM_PARSERS[cls] = fn
    return fn


def _inherited_parse(cls):
    for base in cls.__mro__[1:]:
        if "parse" in base.__dict__:
            return base.__dict__["parse"]
    return None


def _is_isolated(cls) -> bool:
    return IsolatedFromAbove in cls.traits


def parse_source(ctx: Context, text: str, filename: str = "<stdin>", *, line_offset: int = 0) -> Operation:
    """Parse a whole source buffer into a module. Raises ParseError."""
    register_source(filename, text, line_offset)
    p = Parser(ctx, text, filename, line_offset=line_offset)
    with gc_paused():
        try:
            return p.parse_module()
        except RecursionError:
            # the parser recurses once per nesting level: blame the token it
            # stopped at, where the nesting went past what the stack holds
            raise p.error("input nests too deeply to parse") from None



def parse_attribute(ctx: Context, text: str) -> Attribute:
    """One attribute from `text` (all of it: trailing characters raise ParseError); dialect attributes need their
    dialect in `ctx`.
    """
    p = Parser(ctx, text, "<attribute>")
    a = p.parse_attribute()
    if not p.at_end():
        raise p.error("unexpected trailing characters")
    return a


def parse_type(ctx: Context, text: str) -> Attribute:
    """One type from `text` (all of it: trailing characters raise ParseError); dialect types need their dialect in
    `ctx`.
    """
    p = Parser(ctx, text, "<type>")
    t = p.parse_type()
    if not p.at_end():
        raise p.error("unexpected trailing characters")
    return t
