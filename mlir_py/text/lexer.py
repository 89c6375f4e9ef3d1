"""The lexical layer of the IR parser: token regexes, positions, errors.

The parser is scannerless: every primitive matches a precompiled regex at
the current offset, so no token objects are built. `Lexer` holds the
primitives (punctuation, keywords, strings, numbers, symbol names) that
every layer above and every custom op/attribute parser uses.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from mlir_py.ir.location import FileLineColLoc, Location

if TYPE_CHECKING:
    pass

_WS = re.compile(r"(?:[ \t\r\n]+|//[^\n]*)*")
_BARE_ID = re.compile(r"[A-Za-z_][\w$.]*")
_SUFFIX_ID = re.compile(r"[\w$.-]+")
_SSA_ID = re.compile(r"%([\w$.-]+)(?:#(\d+))?")
#: fast paths: the token preceded by plain spaces (comments take the slow path)
_SP_SSA_ID = re.compile(r"[ \t\r\n]*%([\w$.-]+)(?:#(\d+))?")
_OP_HEAD = re.compile(r"%([\w$.-]+)[ \t]*=[ \t]*([A-Za-z_][\w$.]*)")
_CARET_ID = re.compile(r"\^([\w$.-]+)")
#: upstream's lexer: a letter or `_`, then letters, digits, `_`, `$`, `.`
_AT_ID = re.compile(r'@(?:([A-Za-z_][\w$.]*)|"((?:[^"\\\n]|\\.)*)")')
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
    """Bad input text, at `loc` (a FileLineColLoc); `str()` is the message alone.

    Tools render it as `FILE:LINE:COL: error: message` with the source line; raise it (via `parser.error`) from
    custom parsers rather than any other exception.
    """

    def __init__(self, message: str, loc: Location):
        super().__init__(message)
        self.message = message
        self.loc = loc
        #: (message, location) notes, e.g. upstream's "previously defined here"
        self.notes: list[tuple[str, Location]] = []

    def with_note(self, message: str, loc: Location) -> ParseError:
        """Attach a note (`previously defined here`, ...) reported after the error; returns self."""
        self.notes.append((message, loc))
        return self


class Lexer:
    """Lexical primitives over `self.text` at `self.pos` (state set by Parser)."""

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
        """The FILE:LINE:COL location of offset `pos` (line numbers shifted by the split-input offset)."""
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
        """Skip whitespace and `//` comments; the new offset."""
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        return pos

    def at_end(self) -> bool:
        """Only whitespace and comments are left."""
        return self.skip_ws() >= len(self.text)

    def peek(self, s: str) -> bool:
        """Whether the next token starts with `s`; consumes nothing (but skips whitespace)."""
        return self.text.startswith(s, self.skip_ws())

    def peek_char(self) -> str:
        """The next non-blank character, `''` at the end."""
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

    def expect(self, s: str, what: str | None = None, message: str | None = None) -> None:
        """Consume punctuation `s`; else "expected 's' WHAT" (or `message`)."""
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
        raise self.wrong_token_error(message or f"expected '{s}'" + (f" {what}" if what else ""))

    def wrong_token_error(self, message: str) -> ParseError:
        """A missing-token error placed as upstream's emitWrongTokenError places
        it (parseToken, "expected SSA operand", "expected non-function type",
        ...); errors from keyword/integer/string primitives stay at the token."""
        return ParseError(message, self.loc_at(self._wrong_token_pos(self.skip_ws())))

    def _wrong_token_pos(self, pos: int) -> int:
        """Where MLIR's emitWrongTokenError reports a missing token: just after
        the previous token (skipping blank lines and `//` comments), so the
        caret points at what the token should have followed."""
        text = self.text
        end = min(pos, len(text))
        if end == len(text) and end > 0:  # at the end of input, upstream starts one back
            end -= 1
        while True:
            while end > 0 and text[end - 1] in " \t":
                end -= 1
            if end == 0:
                return pos
            if text[end - 1] not in "\r\n":
                return end
            end -= 1
            line_start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
            comment = text.find("//", line_start, end)
            if comment != -1:
                end = comment

    def parse_optional_keyword(self, kw: str | None = None) -> str | None:
        """The next bare identifier (only `kw`, when given), consumed; else None and nothing consumed."""
        pos = _WS.match(self.text, self.pos).end()
        m = _BARE_ID.match(self.text, pos)
        if m is None or (kw is not None and m.group() != kw):
            self.pos = pos
            return None
        self.pos = m.end()
        return m.group()

    def parse_suffix_id(self, what: str) -> str:
        """A suffix identifier (`[\\w$.-]+`, as after `%`, `^` or in a resource handle)."""
        pos = self.skip_ws()
        m = _SUFFIX_ID.match(self.text, pos)
        if m is None:
            raise self.error(f"expected {what}", pos)
        self.pos = m.end()
        return m.group()

    def parse_keyword(self, kw: str | None = None, what: str = "") -> str:
        """`parse_optional_keyword` that raises ParseError instead of returning None."""
        r = self.parse_optional_keyword(kw)
        if r is None:
            raise self.error(f"expected '{kw}'" if kw else f"expected keyword{' ' + what if what else ''}")
        return r

    def peek_keyword(self) -> str | None:
        """The next bare identifier, not consumed; None when something else follows."""
        pos = self.skip_ws()
        m = _BARE_ID.match(self.text, pos)
        return None if m is None else m.group()

    def parse_optional_string(self) -> str | None:
        """A `"..."` literal, unescaped; else None."""
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
        """A `"..."` literal, unescaped, or ParseError (`expected <what>`)."""
        s = self.parse_optional_string()
        if s is None:
            raise self.error(f"expected {what}")
        return s

    def parse_optional_integer(self) -> int | None:
        """A decimal or hex integer with optional `-`; else None."""
        pos = _WS.match(self.text, self.pos).end()
        self.pos = pos
        m = _INT.match(self.text, pos)
        if m is None:
            return None
        self.pos = m.end()
        return _to_int(m.group())

    def parse_integer(self, what: str = "integer value") -> int:
        """An integer, or ParseError (`expected <what>`)."""
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
        """A floating point literal (integers accepted), or ParseError."""
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
            if self.text.startswith("@", pos) and not self.text.startswith('@"', pos):
                raise self.error("@ identifier expected to start with letter or '_'", pos + 1)
            raise self.error("expected valid '@'-identifier for symbol name")
        self.pos = m.end()
        return m.group(1) if m.group(1) is not None else _unescape(m.group(2), self, pos)

    def parse_optional_symbol_name(self) -> str | None:
        """`@name` (without the `@`) if one follows, else None."""
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


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unescape(s: str, parser: Lexer | None = None, pos: int = 0) -> str:
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


