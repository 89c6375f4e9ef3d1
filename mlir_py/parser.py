"""Parser for the textual IR (MLIR syntax).

Scannerless recursive descent: every primitive matches a precompiled regex
at the current offset, so no token objects are built. Types and attributes
are cached by their source text (`memref<16x16xf32>` is parsed once per
file, then looked up), and locations are computed from offsets only when an
op is created.

The methods without a leading underscore form the public parsing API that
custom op/attribute/type parsers and the assembly-format compiler use (as
MLIR's OpAsmParser / DialectAsmParser).
"""

from __future__ import annotations

import bisect
import re
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable

from mlir_py.attributes import Attribute, OpaqueAttr, OpaqueType
from mlir_py.gcpause import gc_paused
from mlir_py.ir import Block, BlockArgument, Operation, Region, Value
from mlir_py.location import (
    CallSiteLoc,
    FileLineColLoc,
    FusedLoc,
    Location,
    NameLoc,
    UnknownLoc,
    pack_source_loc,
    register_source_for_locs,
)

if TYPE_CHECKING:
    from mlir_py.context import Context

_WS = re.compile(r"(?:[ \t\r\n]+|//[^\n]*)*")
_BARE_ID = re.compile(r"[A-Za-z_][\w$.]*")
_SUFFIX_ID = re.compile(r"[\w$.-]+")
_SSA_ID = re.compile(r"%([\w$.-]+)(?:#(\d+))?")
#: fast paths: the token preceded by plain spaces (comments take the slow path)
_SP_SSA_ID = re.compile(r"[ \t\r\n]*%([\w$.-]+)(?:#(\d+))?")
_OP_HEAD = re.compile(r"%([\w$.-]+)[ \t]*=[ \t]*([A-Za-z_][\w$.]*)")
_CARET_ID = re.compile(r"\^([\w$.-]+)")
_AT_ID = re.compile(r'@(?:([\w$.-]+)|"((?:[^"\\\n]|\\.)*)")')
_HASH_ID = re.compile(r"#([\w$.-]+)")
_EXCL_ID = re.compile(r"!([\w$.-]+)")
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_INT = re.compile(r"-?(?:0x[0-9a-fA-F]+|\d+)(?![\w.])")
_HEX_INT = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?")
_NUMBER = re.compile(r"-?(?:0x[0-9a-fA-F]+|\d+(\.\d*(?:[eE][-+]?\d+)?)?)")
_INTEGER_TYPE = re.compile(r"(si|ui|i)([1-9]\d*)$")
#: a type written without parentheses: keyword or !name, then an optional <...>
#: with up to three levels of nesting; looked up whole in the type cache
_SIMPLE_TYPE = re.compile(r"!?[A-Za-z_][\w$.]*(?:<(?:[^<>\n]|<(?:[^<>\n]|<[^<>\n]*>)*>)*>)?")
_OPNAME = re.compile(r"[A-Za-z_][\w$.]*")


class ParseError(Exception):
    def __init__(self, message: str, loc: Location):
        super().__init__(message)
        self.message = message
        self.loc = loc


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
    __slots__ = ("values", "isolated", "forward")

    def __init__(self, isolated: bool):
        self.values: dict[str, list[Value]] = {}
        self.isolated = isolated
        self.forward: dict[tuple[str, int], _ForwardRef] = {}


class _BlockScope:
    __slots__ = ("blocks", "defined", "first_use")

    def __init__(self):
        self.blocks: dict[str, Block] = {}
        self.defined: set[str] = set()
        self.first_use: dict[str, int] = {}


class Parser:
    def __init__(self, ctx: Context, text: str, filename: str = "<stdin>", *, line_offset: int = 0):
        self.ctx = ctx
        self.text = text
        self.pos = 0
        self.filename = filename
        self.line_offset = line_offset
        self._line_starts: list[int] | None = None
        self.type_aliases: dict[str, Attribute] = {}
        self.attr_aliases: dict[str, Attribute] = {}
        self._deferred_locs: list[tuple[Operation | BlockArgument, str, int]] = []
        self._scopes: list[_Scope] = [_Scope(True)]
        self._block_scopes: list[_BlockScope] = []
        #: enclosing op classes, for default dialects and isolation
        self._default_dialects: list[str | None] = [None]
        self._type_cache = ctx.type_cache
        self._local_type_cache: dict[str, Attribute] = {}
        self._ops = ctx.ops
        self._allow_unregistered = ctx.allow_unregistered_dialects
        #: ops store `_loc_base | offset`, decoded to FILE:LINE:COL on demand
        self._loc_base = pack_source_loc(register_source_for_locs(filename, text, line_offset), 0)

    # ------------------------------------------------------------------
    # Positions, locations and errors
    # ------------------------------------------------------------------

    def _line_col(self, pos: int) -> tuple[int, int]:
        if self._line_starts is None:
            starts = [0]
            text = self.text
            i = text.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, pos)
        return line + self.line_offset, pos - self._line_starts[line - 1] + 1

    def loc_at(self, pos: int) -> FileLineColLoc:
        line, col = self._line_col(pos)
        return FileLineColLoc.fast(self.filename, line, col)

    def loc(self) -> FileLineColLoc:
        """Location of the next token."""
        return self.loc_at(self.skip_ws())

    def error(self, message: str, pos: int | None = None) -> ParseError:
        """Build a ParseError at pos (default: next token); callers `raise` it."""
        if pos is None:
            pos = self.skip_ws()
        return ParseError(message, self.loc_at(min(pos, len(self.text))))

    # ------------------------------------------------------------------
    # Lexical primitives
    # ------------------------------------------------------------------

    def skip_ws(self) -> int:
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        return pos

    def at_end(self) -> bool:
        return self.skip_ws() >= len(self.text)

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.skip_ws())

    def peek_char(self) -> str:
        pos = self.skip_ws()
        return self.text[pos:pos + 1]

    def parse_optional(self, s: str) -> bool:
        """Consume punctuation `s` if it is next."""
        text = self.text
        pos = self.pos
        if text.startswith(s, pos):
            self.pos = pos + len(s)
            return True
        pos = _WS.match(self.text, self.pos).end()
        if self.text.startswith(s, pos):
            self.pos = pos + len(s)
            return True
        self.pos = pos
        return False

    def expect(self, s: str, what: str | None = None) -> None:
        text = self.text
        pos = self.pos
        if text.startswith(s, pos):
            self.pos = pos + len(s)
            return
        if text.startswith(s, pos + 1) and text[pos] == " ":
            self.pos = pos + 1 + len(s)
            return
        pos = _WS.match(self.text, self.pos).end()
        if self.text.startswith(s, pos):
            self.pos = pos + len(s)
            return
        self.pos = pos
        raise self.error(f"expected '{s}'" + (f" {what}" if what else ""), self._wrong_token_pos(pos))

    def _wrong_token_pos(self, pos: int) -> int:
        """Where MLIR's emitWrongTokenError reports a missing token: at `pos`,
        unless that token starts a line; then at the end of the previous token
        (skipping blank lines and `//` comments)."""
        text = self.text
        if text[text.rfind("\n", 0, pos) + 1:pos].strip(" \t"):
            return pos
        end = pos
        while True:
            while end > 0 and text[end - 1] in " \t\r\n":
                end -= 1
            comment = text.find("//", text.rfind("\n", 0, end) + 1, end)
            if comment == -1:
                return end
            end = comment

    def parse_optional_keyword(self, kw: str | None = None) -> str | None:
        pos = _WS.match(self.text, self.pos).end()
        m = _BARE_ID.match(self.text, pos)
        if m is None or (kw is not None and m.group() != kw):
            self.pos = pos
            return None
        self.pos = m.end()
        return m.group()

    def parse_keyword(self, kw: str | None = None, what: str = "") -> str:
        r = self.parse_optional_keyword(kw)
        if r is None:
            raise self.error(f"expected '{kw}'" if kw else f"expected keyword{' ' + what if what else ''}")
        return r

    def peek_keyword(self) -> str | None:
        pos = self.skip_ws()
        m = _BARE_ID.match(self.text, pos)
        return None if m is None else m.group()

    def parse_optional_string(self) -> str | None:
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        m = _STRING.match(self.text, pos)
        if m is None:
            if self.text.startswith('"', pos):  # a quote with no closing quote on its line
                raise self.error("expected '\"' in string literal", pos)
            return None
        self.pos = m.end()
        return _unescape(m.group(1), self, pos)

    def parse_string(self, what: str = "string literal") -> str:
        s = self.parse_optional_string()
        if s is None:
            raise self.error(f"expected {what}")
        return s

    def parse_optional_integer(self) -> int | None:
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        m = _INT.match(self.text, pos)
        if m is None:
            return None
        self.pos = m.end()
        return _to_int(m.group())

    def parse_integer(self, what: str = "integer value") -> int:
        v = self.parse_optional_integer()
        if v is None:
            raise self.error(f"expected {what}")
        return v

    def parse_optional_number(self) -> int | float | None:
        """An integer or float literal (ints stay ints)."""
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        m = _NUMBER.match(self.text, pos)
        if m is None:
            return None
        self.pos = m.end()
        s = m.group()
        if m.group(1):
            return float(s)
        return _to_int(s)

    def parse_float(self) -> float:
        v = self.parse_optional_number()
        if v is None:
            raise self.error("expected floating point literal")
        return float(v)

    def parse_symbol_name(self) -> str:
        """`@name` or `@"quoted"` → the name."""
        pos = _WS.match(self.text, self.pos).end()
        m = _AT_ID.match(self.text, pos)
        if m is None:
            self.pos = pos
            raise self.error("expected valid '@'-identifier for symbol name")
        self.pos = m.end()
        return m.group(1) if m.group(1) is not None else _unescape(m.group(2), self, pos)

    def parse_optional_symbol_name(self) -> str | None:
        if not self.peek("@"):
            return None
        return self.parse_symbol_name()

    def _balanced(self, open_ch: str = "<", close_ch: str = ">") -> str:
        """Consume and return a balanced bracket group starting at pos."""
        text = self.text
        start = self.pos
        if not text.startswith(open_ch, start):
            return ""
        depth = 0
        i = start
        pairs = {"<": ">", "(": ")", "[": "]", "{": "}"}
        stack = []
        while i < len(text):
            c = text[i]
            if c == '"':
                m = _STRING.match(text, i)
                if m is None:
                    raise self.error("unterminated string literal", i)
                i = m.end()
                continue
            if c in pairs:
                stack.append(pairs[c])
                depth += 1
            elif c in ")]}>":
                if c == ">" and ((i > 0 and text[i - 1] == "-") or text.startswith(">=", i)):
                    i += 1  # `->` and `>=` (affine_set constraints) are operators, not brackets
                    continue
                if not stack or stack[-1] != c:
                    raise self.error(f"unbalanced '{c}'", i)
                stack.pop()
                if not stack:
                    self.pos = i + 1
                    return text[start:i + 1]
            i += 1
        raise self.error(f"unbalanced '{open_ch}': missing '{close_ch}'", start)

    # ------------------------------------------------------------------
    # Types
    # ------------------------------------------------------------------

    def parse_type(self) -> Attribute:
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
            raise self.error("expected non-function type")
        kw = m.group()
        fn = self.ctx.keyword_types.get(kw)
        if fn is not None:
            self.pos = m.end()
            return fn(self, kw)
        im = _INTEGER_TYPE.match(kw)
        if im is not None:
            self.pos = m.end()
            from mlir_py.dialects.builtin.types import IntegerType
            width = _to_int(im.group(2))
            if width > 16777215:
                raise self.error("integer bitwidth is limited to 16777215 bits", pos)
            sign = {"i": "signless", "si": "signed", "ui": "unsigned"}[im.group(1)]
            return IntegerType(width, sign)
        raise self.error("expected non-function type")

    def _parse_function_type(self) -> Attribute:
        from mlir_py.dialects.builtin.types import FunctionType
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
        self.expect(":")
        return self.parse_type()

    def parse_colon_type_list(self) -> list[Attribute]:
        self.expect(":")
        types = [self.parse_type()]
        while self.parse_optional(","):
            types.append(self.parse_type())
        return types

    def parse_arrow_type_list(self) -> list[Attribute]:
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
        except ParseError:
            raise
        except (ValueError, TypeError) as e:
            raise self.error(str(e), pos) from None
        err = a.verify()
        if err:
            raise self.error(err, pos)
        return a

    # ------------------------------------------------------------------
    # Attributes
    # ------------------------------------------------------------------

    def parse_attribute(self, type: Attribute | None = None) -> Attribute:
        from mlir_py.dialects.builtin import attributes as B
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
            fn = self.ctx.keyword_attrs.get(kw)
            if fn is not None:
                self.pos = m.end()
                return fn(self, kw)
        if c == "(" or c == "!" or m is not None:
            return B.TypeAttr(self.parse_type())
        raise self.error("expected attribute value")

    def parse_optional_attribute(self) -> Attribute | None:
        c = self.peek_char()
        if not c or c in ")]}>,:=" or c == "%" or c == "^":
            return None
        return self.parse_attribute()

    def _parse_number_attr(self, type: Attribute | None) -> Attribute:
        from mlir_py.dialects.builtin import attributes as B
        from mlir_py.dialects.builtin.types import FloatType, IndexType, IntegerType, f64, i64
        pos = self.pos
        m = _NUMBER.match(self.text, pos)
        if m is None:
            raise self.error("expected attribute value")
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
        from mlir_py.dialects.builtin.attributes import DictionaryAttr
        return DictionaryAttr.from_dict(self.parse_attr_dict_body())

    def parse_attr_dict_body(self) -> dict[str, Attribute]:
        """`{a = 1, b}` → dict (a name alone means unit)."""
        from mlir_py.dialects.builtin.attributes import UnitAttr
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
        if self.peek("{"):
            return self.parse_attr_dict_body()
        return {}

    def parse_optional_attr_dict_with_keyword(self) -> dict[str, Attribute]:
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
        from mlir_py.dialects.builtin.attributes import TypeAttr
        return a.value if isinstance(a, TypeAttr) else a  # `f32` as a parameter is the type itself

    # ------------------------------------------------------------------
    # Locations
    # ------------------------------------------------------------------

    def parse_optional_location(self) -> Location | None:
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
        pos = self.skip_ws()
        if self.text.startswith('"', pos):
            s = self.parse_string()
            if self.parse_optional(":"):
                line = self.parse_integer("line number")
                self.expect(":")
                col = self.parse_integer("column number")
                return FileLineColLoc(s, line, col)
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

    # ------------------------------------------------------------------
    # SSA values
    # ------------------------------------------------------------------

    def parse_operand(self) -> UnresolvedOperand:
        m = _SP_SSA_ID.match(self.text, self.pos)
        if m is not None:
            self.pos = m.end()
            n = m.group(2)
            return UnresolvedOperand((m.group(1), _to_int(n) if n else 0, m.start(1) - 1))
        pos = _WS.match(self.text, self.pos).end()
        m = _SSA_ID.match(self.text, pos)
        if m is None:
            self.pos = pos
            raise self.error("expected SSA operand")
        self.pos = m.end()
        n = m.group(2)
        return UnresolvedOperand((m.group(1), _to_int(n) if n else 0, pos))

    def parse_optional_operand(self) -> UnresolvedOperand | None:
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
        name, number, _ = u
        for scope in reversed(self._scopes):
            vals = scope.values.get(name)
            if vals is not None:
                if number >= len(vals):
                    raise self.error(f"operation only has {len(vals)} results", u.pos)
                v = vals[number]
                if v.type is not type:
                    raise self.error(f"use of value '%{name}' expects different type than prior uses: "
                                     f"'{type}' vs '{v.type}'", u.pos)
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
                             f"'{type}' vs '{fr.type}'", u.pos)
        return fr

    def resolve_operands(self, us: list[UnresolvedOperand], types: list[Attribute] | Attribute,
                         pos: int | None = None) -> list[Value]:
        if not isinstance(types, (list, tuple)):
            types = [types] * len(us)
        if len(us) != len(types):
            raise self.error(f"{len(us)} operands present, but expected {len(types)}",
                             pos if pos is not None else (us[0].pos if us else None))
        return [self.resolve_operand(u, t) for u, t in zip(us, types)]

    def _define_values(self, name: str, values: list[Value], pos: int) -> None:
        scope = self._scopes[-1]
        if name in scope.values:
            raise self.error(f"redefinition of SSA value '%{name}'", pos)
        scope.values[name] = values
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
        pos = _WS.match(self.text, self.pos).end()
        m = _CARET_ID.match(self.text, pos)
        if m is None:
            self.pos = pos
            raise self.error("expected block name")
        self.pos = m.end()
        return self._get_block(m.group(1), pos)

    def parse_optional_successor(self) -> Block | None:
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
        finally:
            self._block_scopes.pop()
            self._pop_scope()

    def parse_optional_region(self, arguments=None, *, isolated: bool = False) -> Region | None:
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
                self._define_values(name, op.results[i:i + count], p)
                i += count
        c = text[self.pos:self.pos + 1]
        loc = None if c == "\n" or c == "" else self.parse_optional_location()
        if loc is not None:
            if isinstance(loc, _DeferredLoc):
                self._deferred_locs.append((op, loc.alias, loc.pos))
            else:
                op.location = loc
        else:
            op._loc = self._loc_base | pos
        return op

    def _op_class(self, name: str, pos: int):
        cls = self._ops.get(name)
        if cls is None and not self._allow_unregistered:
            dialect = name.split(".", 1)[0]
            if dialect in self.ctx.dialects:
                raise self.error(f"custom op '{name}' is unknown" if "." in name else
                                 "operation being parsed with an unregistered dialect", pos)
            raise self.error(f"operation '{name}' is from an unregistered dialect '{dialect}' "
                             f"(use --allow-unregistered-dialect)", pos)
        return cls

    def _parse_generic_operation(self) -> Operation:
        pos = self.pos
        name = self.parse_string()
        if not name:
            raise self.error("empty operation name is invalid", pos)
        if self._ops.get(name) is None and not self._allow_unregistered:
            dialect = name.split(".", 1)[0]
            if dialect in self.ctx.dialects:
                raise self.error(f"unregistered operation '{name}' found in dialect ('{dialect}') that does not "
                                 f"allow unknown operations", pos)
            raise self.error(f"operation '{name}' is from an unregistered dialect '{dialect}' "
                             f"(use --allow-unregistered-dialect)", pos)
        cls = self._ops.get(name)
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
        from mlir_py.dialects.builtin.types import FunctionType
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
            op = cls.__new__(cls)
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
            if self._allow_unregistered and "." in name and name.split(".", 1)[0] not in self.ctx.dialects:
                raise self.error(f"custom op '{name}' is unknown (unregistered ops must use the generic "
                                 f"form)", pos)
            raise self.error(f"custom op '{name}' is unknown", pos)
        parse = _CUSTOM_PARSERS.get(cls)
        if parse is None:
            from mlir_py.opdef import DefinitionError
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
        except (ValueError, TypeError, IndexError, KeyError) as e:
            raise self.error(f"failed to parse '{name}': {e}", pos) from None
        finally:
            self._default_dialects.pop()
        return op

    # ------------------------------------------------------------------
    # Top level
    # ------------------------------------------------------------------

    def parse_module(self) -> Operation:
        """Parse a whole file: aliases, then ops; a lone builtin.module is the result."""
        from mlir_py.dialects.builtin.ops import ModuleOp
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
                self._skip_resource_section()
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
            return first
        module = ModuleOp.create(regions=[Region([Block()])], location=self.loc_at(0))
        body = module.regions[0].first_block
        for op in list(block.ops):
            op.detach()
            body.append(op)
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

    def _skip_resource_section(self) -> None:
        end = self.text.find("#-}", self.pos)
        if end < 0:
            raise self.error("expected '#-}' to end the resource section")
        self.pos = end + 3

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


class _DeferredLoc(Location):
    """A `loc(#alias)` whose alias may be defined later in the file."""

    __slots__ = ()
    name = "builtin.deferred_loc"
    parameters = ("alias", "pos")


#: op class -> its custom parse function (hand-written or compiled format)
_CUSTOM_PARSERS: dict[type, Callable] = {}


def _custom_parser_of(cls):
    if _inherited_parse(cls) is not None or "parse" in cls.__dict__:
        fn = cls.parse
    else:
        from mlir_py.opdef import op_format
        fmt = op_format(cls)
        if fmt is None:
            return None
        fn = fmt.parse
    _CUSTOM_PARSERS[cls] = fn
    return fn


def _to_int(s: str) -> int:
    """int(s, 0), also for decimal literals longer than Python converts at once
    (sys.get_int_max_str_digits); range checks then report them as errors."""
    try:
        return int(s, 0)
    except ValueError:
        digits = s.lstrip("-")
        if not digits.isdigit():
            raise
        v = 0
        for i in range(0, len(digits), 4000):
            chunk = digits[i:i + 4000]
            v = v * 10 ** len(chunk) + int(chunk)
        return -v if s.startswith("-") else v


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


def _inherited_parse(cls):
    for base in cls.__mro__[1:]:
        if "parse" in base.__dict__:
            return base.__dict__["parse"]
    return None


def _is_isolated(cls) -> bool:
    from mlir_py.traits import IsolatedFromAbove
    return IsolatedFromAbove in cls.traits


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unescape(s: str, parser: Parser | None = None, pos: int = 0) -> str:
    if "\\" not in s:
        return s
    # as in MLIR, `\XX` is a byte: escaped UTF-8 sequences are their characters, and
    # bytes that are not UTF-8 survive as surrogate escapes (printed back as `\XX`)
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in _ESCAPES:
                out += _ESCAPES[n].encode()
                i += 2
                continue
            h = s[i + 1:i + 3]
            if len(h) == 2 and all(ch in "0123456789abcdefABCDEF" for ch in h):
                out.append(int(h, 16))
                i += 3
                continue
            if parser is not None:
                raise parser.error("unknown escape in string literal", pos + i + 1)
        out += c.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_source(ctx: Context, text: str, filename: str = "<stdin>", *, line_offset: int = 0) -> Operation:
    """Parse a whole source buffer into a module. Raises ParseError."""
    from mlir_py.diagnostics import register_source
    register_source(filename, text)
    p = Parser(ctx, text, filename, line_offset=line_offset)
    with gc_paused():
        return p.parse_module()



def parse_attribute(ctx: Context, text: str) -> Attribute:
    p = Parser(ctx, text, "<attribute>")
    a = p.parse_attribute()
    if not p.at_end():
        raise p.error("unexpected trailing characters")
    return a


def parse_type(ctx: Context, text: str) -> Attribute:
    p = Parser(ctx, text, "<type>")
    t = p.parse_type()
    if not p.at_end():
        raise p.error("unexpected trailing characters")
    return t
