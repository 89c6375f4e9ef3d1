"""Parsing types, attributes and locations (the middle layer of the parser).

Types are cached by their source text (`memref<16x16xf32>` is parsed once
per file, then looked up); builtin keyword types and attributes come from
the dialects' keyword parsers, dialect ones from their classes.
"""

from __future__ import annotations

from typing import Any

from mlir_py.ir import builtin_attributes as B
from mlir_py.ir.attributes import Attribute, OpaqueAttr, OpaqueType
from mlir_py.ir.builtin_attributes import DictionaryAttr, TypeAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, FunctionType, IndexType, IntegerType, f64, i64
from mlir_py.ir.location import (
    CallSiteLoc,
    FileLineColLoc,
    FileLineColRange,
    FusedLoc,
    Location,
    NameLoc,
    UnknownLoc,
)
from mlir_py.support.user_errors import describe_exception, must_propagate, raise_site
from mlir_py.text.lexer import (
    _BARE_ID,
    _EXCL_ID,
    _HASH_ID,
    _INTEGER_TYPE,
    _NUMBER,
    _SIMPLE_TYPE,
    _WS,
    Lexer,
    ParseError,
    _to_int,
)


class AttrTypeParser(Lexer):
    """Types, attributes and locations; see Parser for the state it uses."""

    # ------------------------------------------------------------------
    # Types
    # ------------------------------------------------------------------

    def parse_type(self) -> Attribute:
        """A type: builtin (`i32`, `memref<4xf32>`), `!alias`, or `!dialect.name<...>` from a loaded dialect.

        Raises ParseError for an unknown dialect type (unless the context allows unregistered dialects). Results
        are cached per context by source text, so parsing the same type again costs one dict lookup.
        """
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        text = self.text
        m = _SIMPLE_TYPE.match(text, pos)
        if m is not None:
            key = m.group()
            t = (self._local_type_cache if key[0] == "!" else self._type_cache).get(key)
            if t is not None:
                self.pos = m.end()
                return t
            t = self._parse_type_uncached()
            if self.pos == m.end():
                (self._local_type_cache if key[0] == "!" else self._type_cache)[key] = t
            return t
        return self._parse_type_uncached()

    def parse_optional_type(self) -> Attribute | None:
        """`parse_type` if a type can start here, else None and nothing consumed."""
        c = self.peek_char()
        if c == "(" or c == "!" or (c and (c.isalpha() or c == "_")):
            save = self.pos
            kw = self.peek_keyword()
            if kw is not None and c != "!" and not self._is_type_keyword(kw):
                self.pos = save
                return None
            return self.parse_type()
        return None

    def peek_type(self) -> bool:
        """Whether a type (not a function type) could start here."""
        c = self.peek_char()
        if c == "!":
            return True
        kw = self.peek_keyword()
        return kw is not None and self._is_type_keyword(kw)

    def _is_type_keyword(self, kw: str) -> bool:
        return kw in self.ctx.keyword_types or _INTEGER_TYPE.match(kw) is not None

    def _parse_type_uncached(self) -> Attribute:
        text = self.text
        pos = self.pos
        c = text[pos:pos + 1]
        if c == "(":
            return self._parse_function_type()
        if c == "!":
            return self._parse_dialect_type()
        m = _BARE_ID.match(text, pos)
        if m is None:
            raise self.wrong_token_error("expected non-function type")
        kw = m.group()
        fn = self.ctx.keyword_types.get(kw)
        if fn is not None:
            self.pos = m.end()
            return fn(self, kw)
        im = _INTEGER_TYPE.match(kw)
        if im is not None:
            self.pos = m.end()
            width = _to_int(im.group(2))
            if width > 16777215:
                raise self.error("integer bitwidth is limited to 16777215 bits", pos)
            sign = {"i": "signless", "si": "signed", "ui": "unsigned"}[im.group(1)]
            return IntegerType(width, sign)
        raise self.wrong_token_error("expected non-function type")

    def _parse_function_type(self) -> Attribute:
        inputs = self.parse_type_list_parens()
        self.expect("->", "in function type")
        results = self.parse_function_result_types()
        return FunctionType(tuple(inputs), tuple(results))

    def parse_type_list_parens(self) -> list[Attribute]:
        """`(t1, t2)` or `()`."""
        self.expect("(")
        if self.parse_optional(")"):
            return []
        types = [self.parse_type()]
        while self.parse_optional(","):
            types.append(self.parse_type())
        self.expect(")")
        return types

    def parse_function_result_types(self) -> list[Attribute]:
        """Either `(t1, t2)` or a single non-parenthesized type."""
        if self.peek("("):
            save = self.pos
            try:
                return self.parse_type_list_parens()
            except ParseError:
                self.pos = save
                return [self.parse_type()]
        return [self.parse_type()]

    def parse_type_list(self) -> list[Attribute]:
        """Comma-separated types without parentheses (may be empty if none follow)."""
        t = self.parse_optional_type()
        if t is None:
            return []
        types = [t]
        while self.parse_optional(","):
            types.append(self.parse_type())
        return types

    def parse_colon_type(self) -> Attribute:
        """`: type`."""
        self.expect(":")
        return self.parse_type()

    def parse_colon_type_list(self) -> list[Attribute]:
        """`: t1, t2, ...` (at least one type)."""
        self.expect(":")
        types = [self.parse_type()]
        while self.parse_optional(","):
            types.append(self.parse_type())
        return types

    def parse_arrow_type_list(self) -> list[Attribute]:
        """`-> type` or `-> (types)`."""
        self.expect("->")
        return self.parse_function_result_types()

    def _parse_dialect_type(self) -> Attribute:
        pos = self.pos
        m = _EXCL_ID.match(self.text, pos)
        if m is None:
            raise self.error("expected type alias or dialect type after '!'")
        ident = m.group(1)
        self.pos = m.end()
        if "." not in ident:
            if ident in self.type_aliases:
                return self.type_aliases[ident]
            if self.text.startswith("<", self.pos) and (ident in self.ctx.dialects or self._allow_unregistered):
                body = self._balanced()
                return self._opaque_pretty(ident, body, True)
            raise self.error(f"undefined symbol alias id '{ident}'", pos)
        cls = self.ctx.types.get(ident)
        if cls is not None:
            return self._call_attr_parser(cls, pos)
        dialect = ident.split(".", 1)[0]
        if dialect in self.ctx.dialects and not self._allow_unregistered:
            raise self.error(f"dialect '{dialect}' provides no type named '{ident.split('.', 1)[1]}'", pos)
        if not self._allow_unregistered:
            raise self.error(f"dialect '{dialect}' is unknown (use --allow-unregistered-dialect to keep it opaquely)",
                             pos)
        body = self._balanced() if self.text.startswith("<", self.pos) else ""
        return OpaqueType(ident, body)

    @staticmethod
    def _opaque_pretty(dialect: str, body: str, is_type: bool) -> Attribute:
        """`!dialect<"...">` / `#dialect<...>`: kept as written (no dialect here parses this form)."""
        return (OpaqueType if is_type else OpaqueAttr)(dialect, body)

    def _call_attr_parser(self, cls, pos: int) -> Attribute:
        try:
            a = cls.parse_parameters(self)
            err = a.verify()
        except ParseError:
            raise
        except (ValueError, TypeError) as e:
            raise self.error(str(e), pos) from None
        except BaseException as e:  # noqa: BLE001 - the attribute's own parser or verifier raised
            if must_propagate(e):
                raise
            kind = "type" if getattr(cls, "is_type", False) else "attribute"
            site = raise_site(e)
            where = f" (at {site[0]}:{site[1]})" if site is not None else ""
            raise self.error(f"'{cls.name}' {kind} parser raised {describe_exception(e)}{where}", pos) from None
        if err:
            raise self.error(err, pos)
        return a

    # ------------------------------------------------------------------
    # Attributes
    # ------------------------------------------------------------------

    def parse_attribute(self, type: Attribute | None = None) -> Attribute:
        """An attribute; `type` is the type the syntax already gave (e.g. after `:`) for literals that need one.

        An integer or float literal with neither `: type` nor `type` gets upstream's default (i64, f64).
        """
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        text = self.text
        c = text[pos:pos + 1]
        if c == '"':
            return B.StringAttr(self.parse_string())
        if c == "[":
            self.pos += 1
            if self.parse_optional("]"):
                return B.ArrayAttr(())
            elems = [self.parse_attribute()]
            while self.parse_optional(","):
                elems.append(self.parse_attribute())
            self.expect("]", "in array attribute")
            return B.ArrayAttr(tuple(elems))
        if c == "{":
            return self.parse_attr_dict_attr()
        if c == "@":
            root = self.parse_symbol_name()
            nested = []
            while self.text.startswith("::", self.pos) and self.text.startswith("@", self.pos + 2):
                self.pos += 2
                nested.append(self.parse_symbol_name())
            return B.SymbolRefAttr(root, tuple(nested))
        if c == "#":
            return self._parse_hash_attr()
        if c == "-" or c.isdigit():
            return self._parse_number_attr(type)
        m = _BARE_ID.match(text, pos)
        if m is not None:
            kw = m.group()
            if kw == "true" or kw == "false":
                self.pos = m.end()
                return B.BoolAttr(kw == "true")
            if kw == "unit":
                self.pos = m.end()
                return B.UnitAttr()
            if kw == "loc":  # a location as an attribute value
                loc = self.parse_optional_location()
                if isinstance(loc, _DeferredLoc):
                    known = self.attr_aliases.get(loc.alias)
                    if not isinstance(known, Location):
                        raise self.error(f"undefined symbol alias id '{loc.alias}'", loc.pos)
                    loc = known
                if loc is None:
                    raise self.error("expected location", self.pos)
                return loc
            fn = self.ctx.keyword_attrs.get(kw)
            if fn is not None:
                self.pos = m.end()
                return fn(self, kw)
        if c == "(" or c == "!" or m is not None:
            return B.TypeAttr(self.parse_type())
        raise self.wrong_token_error("expected attribute value")

    def parse_optional_attribute(self) -> Attribute | None:
        """`parse_attribute` if an attribute can start here, else None and nothing consumed."""
        c = self.peek_char()
        if not c or c in ")]}>,:=" or c == "%" or c == "^":
            return None
        return self.parse_attribute()

    def _parse_number_attr(self, type: Attribute | None) -> Attribute:
        pos = self.pos
        m = _NUMBER.match(self.text, pos)
        if m is None:
            raise self.wrong_token_error("expected attribute value")
        self.pos = m.end()
        lit = m.group()
        is_float = m.group(1) is not None
        if type is None and self.parse_optional(":"):
            type = self.parse_type()
        if type is None:
            type = f64 if is_float else i64
        if isinstance(type, FloatType):
            if is_float:
                return B.FloatAttr(float(lit), type)
            if lit.lstrip("-").startswith("0x"):
                return B.FloatAttr.from_bits(int(lit, 16), type, self, pos)
            return B.FloatAttr(float(lit), type)  # float(): no overflow for huge literals
        if isinstance(type, (IntegerType, IndexType)):
            if is_float:
                raise self.error("floating point value not valid for specified type", pos)
            v = _to_int(lit)
            return B.IntegerAttr.checked(v, type, self, pos)
        raise self.error(f"invalid type '{type}' for a numeric literal", pos)

    def _parse_hash_attr(self) -> Attribute:
        pos = self.pos
        m = _HASH_ID.match(self.text, pos)
        if m is None:
            raise self.error("expected attribute alias or dialect attribute after '#'")
        ident = m.group(1)
        self.pos = m.end()
        if "." not in ident:
            a = self.attr_aliases.get(ident)
            if a is not None:
                return a
            if self.text.startswith("<", self.pos) and (ident in self.ctx.dialects or self._allow_unregistered):
                return self._opaque_pretty(ident, self._balanced(), False)
            raise self.error(f"undefined symbol alias id '{ident}'", pos)
        cls = self.ctx.attributes.get(ident)
        if cls is not None:
            return self._call_attr_parser(cls, pos)
        dialect = ident.split(".", 1)[0]
        if not self._allow_unregistered:
            if dialect in self.ctx.dialects:
                raise self.error(f"dialect '{dialect}' provides no attribute named '{ident.split('.', 1)[1]}'",
                                 pos)
            raise self.error(f"dialect '{dialect}' is unknown (use --allow-unregistered-dialect to keep it "
                             f"opaquely)", pos)
        body = self._balanced() if self.text.startswith("<", self.pos) else ""
        return OpaqueAttr(ident, body)

    def parse_attr_dict_attr(self):
        """`{...}` as a DictionaryAttr."""
        return DictionaryAttr.from_dict(self.parse_attr_dict_body())

    def parse_attr_dict_body(self) -> dict[str, Attribute]:
        """`{a = 1, b}` → dict (a name alone means unit)."""
        self.expect("{")
        out: dict[str, Attribute] = {}
        if self.parse_optional("}"):
            return out
        while True:
            pos = self.skip_ws()
            name = self.parse_optional_keyword()
            if name is None:
                name = self.parse_optional_string()
                if name is None:
                    raise self.error("expected attribute name")
            if name in out:
                raise self.error(f"duplicate key '{name}' in dictionary attribute", pos)
            if self.parse_optional("="):
                out[name] = self.parse_attribute()
            else:
                out[name] = UnitAttr()
            if not self.parse_optional(","):
                break
        self.expect("}", "in attribute dictionary")
        return out

    def parse_optional_attr_dict(self) -> dict[str, Attribute]:
        """`{a = 1, b}` as a dict, or `{}` when no `{` follows; duplicate keys raise ParseError."""
        if self.peek("{"):
            return self.parse_attr_dict_body()
        return {}

    def parse_optional_attr_dict_with_keyword(self) -> dict[str, Attribute]:
        """`attributes {...}` (the builtin.module spelling), or `{}`."""
        if self.parse_optional_keyword("attributes"):
            return self.parse_attr_dict_body()
        return {}

    def parse_parameter(self) -> Any:
        """A parameter of a user attribute/type in the default `<...>` syntax."""
        c = self.peek_char()
        if c == '"':
            return self.parse_string()
        if c == "-" or c.isdigit():
            v = self.parse_optional_number()
            if v is None:
                raise self.error("expected integer or float literal")
            return v
        if c == "[":  # a tuple, as Printer.print_parameter writes it
            self.expect("[")
            items = []
            if not self.parse_optional("]"):
                items.append(self.parse_parameter())
                while self.parse_optional(","):
                    items.append(self.parse_parameter())
                self.expect("]")
            return tuple(items)
        a = self.parse_attribute()
        return a.value if isinstance(a, TypeAttr) else a  # `f32` as a parameter is the type itself

    # ------------------------------------------------------------------
    # Locations
    # ------------------------------------------------------------------

    def parse_optional_location(self) -> Location | None:
        """`loc(...)` (or an alias to one), else None."""
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        if not self.text.startswith("loc", pos):
            return None
        m = _BARE_ID.match(self.text, pos)
        if m.group() != "loc":
            return None
        self.pos = m.end()
        self.expect("(")
        if self.peek("#"):
            # a location alias, possibly defined later in the file
            m2 = _HASH_ID.match(self.text, self.pos)
            if m2 is None:
                raise self.error("expected location alias name")
            self.pos = m2.end()
            self.expect(")")
            return _DeferredLoc(m2.group(1), m2.start())
        loc = self.parse_location_inner()
        self.expect(")")
        return loc

    def parse_location_inner(self) -> Location:
        """The location between `loc(` and `)`: unknown, file:line:col, name, callsite, fused."""
        pos = self.skip_ws()
        if self.text.startswith('"', pos):
            s = self.parse_string()
            if self.parse_optional(":"):
                return self._parse_file_line_col_range(s)
            child = None
            if self.parse_optional("("):
                child = self.parse_location_inner()
                self.expect(")")
            return NameLoc(s, child if child is not None else UnknownLoc())
        kw = self.parse_optional_keyword()
        if kw == "unknown":
            return UnknownLoc()
        if kw == "callsite":
            self.expect("(")
            callee = self.parse_location_inner()
            self.parse_keyword("at")
            caller = self.parse_location_inner()
            self.expect(")")
            return CallSiteLoc(callee, caller)
        if kw == "fused":
            meta = None
            if self.parse_optional("<"):
                meta = self.parse_attribute()
                self.expect(">")
            self.expect("[")
            locs = [self.parse_location_inner()]
            while self.parse_optional(","):
                locs.append(self.parse_location_inner())
            self.expect("]")
            return FusedLoc(tuple(locs), meta)
        if self.peek("#"):
            m2 = _HASH_ID.match(self.text, self.pos)
            if m2 is None:
                raise self.error("expected location alias name")
            self.pos = m2.end()
            known = self.attr_aliases.get(m2.group(1))
            if isinstance(known, Location) and not _has_deferred(known):
                return known
            self._nested_deferred_locs = True  # resolved once the whole file is read
            return _DeferredLoc(m2.group(1), m2.start())
        raise self.error("expected location instance", pos)


    def _parse_file_line_col_range(self, filename: str) -> Location:
        """After `"file":`: `line`, `line:col`, `line:col to :col`, `line:col to line:col`."""
        def number(what: str) -> int:
            start = self.skip_ws()
            v = self.parse_optional_integer()
            if v is None or v < 0:
                self.pos = start
                raise self.wrong_token_error(f"expected integer {what} number in FileLineColRange")
            return v
        line = number("line")
        if not self.parse_optional(":"):
            return FileLineColLoc(filename, line, 0)
        col = number("column")
        if self.parse_optional_keyword("to") is None:
            return FileLineColLoc(filename, line, col)
        end_line = line
        if not self.parse_optional(":"):
            end_line = self.parse_optional_integer()
            if end_line is None or not self.parse_optional(":"):
                raise self.wrong_token_error("expected either integer or `:` post `to` in FileLineColRange")
        end_col = number("column")
        if (end_line, end_col) == (line, col):
            return FileLineColLoc(filename, line, col)
        return FileLineColRange(filename, line, col, end_line, end_col)


class _DeferredLoc(Location):
    """A `loc(#alias)` whose alias may be defined later in the file."""

    __slots__ = ()
    name = "builtin.deferred_loc"
    parameters = ("alias", "pos")


def _has_deferred(loc: Location) -> bool:
    if isinstance(loc, _DeferredLoc):
        return True
    if isinstance(loc, NameLoc):
        return _has_deferred(loc.child)
    if isinstance(loc, CallSiteLoc):
        return _has_deferred(loc.callee) or _has_deferred(loc.caller)
    if isinstance(loc, FusedLoc):
        return any(_has_deferred(x) for x in loc.locations)
    return False


