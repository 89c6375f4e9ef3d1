"""The textual pass pipeline: `builtin.module(func.func(cse,canonicalize{max-iterations=3}))`.

This module owns the syntax only - it turns text into `PipelineElement`s and
knows nothing about which passes exist; `pass_registry` resolves the names.
The syntax is mlir-opt's, so pipelines move between the two tools:

    pipeline := (element (',' element)*)?
    element  := NAME options? ('(' pipeline ')')?       an op anchor when followed by '(...)'
    options  := '{' (KEY ('=' value)?)* '}'              space-separated, as in mlir-opt
    value    := item (',' item)*                         a list when there is a comma
    item     := BARE ('(' ... ')')? | "str" | 'str' | '{' ... '}' | '(' ... ')'

Every error carries the column it blames, because a pipeline is usually one
long command-line argument and "invalid pipeline" alone does not say where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

__all__ = [
    "OptionEntry", "PassPipelineError", "PipelineElement",
    "format_option_value", "parse_options_text", "parse_pipeline_text",
]


_GRAMMAR = r"""
pipeline: [element ("," element)*]
element: NAME options? nested?
nested: "(" pipeline ")"
options: "{" option_list "}"
option_list: option*
option: KEY (EQ value | EMPTY_EQ)?
value: item ("," item)*
item: BARE paren?
    | STRING
    | braces
    | paren
braces: "{" _balanced* "}"
paren: "(" _balanced* ")"
_balanced: BARE | STRING | "," | braces | paren

NAME: /[A-Za-z_][A-Za-z0-9_.$-]*/
KEY: /[^\s{}()=,"']+/
BARE: /[^\s{}(),"']+/
STRING: /"[^"]*"/ | /'[^']*'/
EQ: "="
EMPTY_EQ.2: /=(?=[\s}]|$)/

%import common.WS
%ignore WS
"""

_PARSER = Lark(_GRAMMAR, start=["pipeline", "option_list"], parser="lalr", lexer="contextual",
               propagate_positions=True, maybe_placeholders=False)

#: how lark's terminal names read in an error message
_TERMINAL_WORDS = {
    "NAME": "a pass or operation name",
    "KEY": "an option name",
    "BARE": "an option value",
    "STRING": "an option value",
    "COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "EQ": "'='",
    "EMPTY_EQ": "'='",
    "$END": "the end of the pipeline",
}


class PassPipelineError(Exception):
    """A pipeline or pass option that cannot be parsed or resolved.

    `column` is 1-based in `text`; `source` names where the text came from
    (`--pass-pipeline`, `--canonicalize`, ...). `str()` renders it like every
    other diagnostic: `SOURCE:1:COL: error: MESSAGE`, the text, a caret.
    """

    def __init__(self, message: str, text: str = "", column: int = 1, source: str = "pass pipeline"):
        self.message = message
        self.text = text
        self.column = max(1, column)
        self.source = source
        super().__init__(message)

    def context(self) -> str:
        """The offending text with a caret under the column."""
        if not self.text:
            return ""
        line = self.text.replace("\n", " ")
        return f"{line}\n{' ' * min(self.column - 1, len(line))}^"

    def rebased(self, prefix: str, source: str | None = None) -> PassPipelineError:
        """The same error with `prefix` put in front of the text (the command-line
        flag the text came from), so the caret lines up with what the user typed."""
        return PassPipelineError(self.message, prefix + self.text, self.column + len(prefix),
                                 source if source is not None else self.source)

    def __str__(self) -> str:
        if not self.text:
            return f"{self.source}: error: {self.message}"
        head = f"{self.source}:1:{self.column}: error: {self.message}"
        ctx = self.context()
        return f"{head}\n{ctx}" if ctx else head


@dataclass
class OptionEntry:
    """`key=value` inside `{...}`; `items` are the comma-separated parts of the
    value with quotes and one level of braces removed, each with its offset."""

    key: str
    key_pos: int
    value: str | None = None
    value_pos: int = 0
    items: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class PipelineElement:
    """One pass (or pass pipeline alias) or, when `inner` is set, an op-anchored
    nested pipeline. Offsets (`pos`, ...) are 0-based into the parsed text."""

    name: str
    pos: int
    options: list[OptionEntry] | None = None
    options_text: str | None = None
    options_pos: int = 0
    inner: list[PipelineElement] | None = None
    inner_pos: int = 0

    @property
    def is_anchor(self) -> bool:
        """Whether this is an `op(...)` nested pipeline rather than a pass or alias."""
        return self.inner is not None


def parse_pipeline_text(text: str, *, source: str = "pass pipeline") -> list[PipelineElement]:
    """The elements of a (possibly empty) comma-separated pipeline."""
    _check_balanced(text, source)
    tree = _parse(text, "pipeline", source)
    return _elements(tree, text)


def parse_options_text(text: str, *, source: str = "pass options") -> list[OptionEntry]:
    """The entries of an option list without its braces: `max-iterations=3 top-down=false`.

    This is what follows `=` in `--canonicalize=...`; one surrounding pair of
    braces is tolerated since mlir-opt users sometimes write them.
    """
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}") and _closing_brace(stripped, 0) == len(stripped) - 1:
        offset = text.index("{") + 1
        inner = text[offset:text.rindex("}")]
        try:
            entries = parse_options_text(inner, source=source)
        except PassPipelineError as e:
            raise PassPipelineError(e.message, text, e.column + offset, source) from None
        for en in entries:
            en.key_pos += offset
            en.value_pos += offset
            en.items = [(t, p + offset) for t, p in en.items]
        return entries
    _check_balanced(text, source)
    tree = _parse(text, "option_list", source)
    return _option_entries(tree, text)


# ----------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------


def _parse(text: str, start: str, source: str) -> Tree:
    try:
        return _PARSER.parse(text, start=start)
    except UnexpectedInput as e:
        raise _translate(e, text, source) from None


def _check_balanced(text: str, source: str) -> None:
    """Bracket and quote errors, found before the grammar sees the text.

    An LALR parser reports a missing `)` at the end of the input; the useful
    place to point at is the bracket that was never closed.
    """
    stack: list[tuple[str, int]] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            end = text.find(c, i + 1)
            if end < 0:
                raise PassPipelineError("unterminated string in pass options", text, i + 1, source)
            i = end + 1
            continue
        if c in "({":
            stack.append((c, i))
        elif c in ")}":
            if not stack:
                if c == ")":
                    msg = "encountered extra closing ')' creating unbalanced parentheses while parsing pipeline"
                else:
                    msg = "encountered extra closing '}' with no matching '{'"
                raise PassPipelineError(msg, text, i + 1, source)
            opener, pos = stack.pop()
            want = ")" if opener == "(" else "}"
            if opener == "{" and c == ")":
                raise PassPipelineError("missing closing '}' while processing pass options", text, pos + 1, source)
            if c != want:
                raise PassPipelineError(f"expected '{want}' to close the '{opener}' at column {pos + 1}, "
                                        f"found '{c}'", text, i + 1, source)
        i += 1
    if stack:
        opener, pos = stack[-1]
        if opener == "{":
            msg = "missing closing '}' while processing pass options"
        else:
            msg = "encountered unbalanced parentheses while parsing pipeline: this '(' is never closed"
        raise PassPipelineError(msg, text, pos + 1, source)


def _closing_brace(text: str, open_pos: int) -> int:
    depth = 0
    i = open_pos
    while i < len(text):
        c = text[i]
        if c in "\"'":
            end = text.find(c, i + 1)
            if end < 0:
                return -1
            i = end + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _describe_expected(expected: set[str]) -> str:
    words = []
    for t in sorted(expected, key=lambda t: (t == "$END", t)):
        w = _TERMINAL_WORDS.get(t, repr(t))
        if w not in words:
            words.append(w)
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _translate(e: UnexpectedInput, text: str, source: str) -> PassPipelineError:
    if isinstance(e, UnexpectedToken):
        tok: Token = e.token
        expected = set(e.expected) | set(getattr(e, "accepts", None) or ())
        if tok.type == "$END":
            pos = len(text)
            found = "the end of the pipeline"
        else:
            pos = tok.start_pos or 0
            found = f"'{tok.value}'"
        if tok.type in ("NAME", "KEY", "BARE") and "COMMA" in expected and "NAME" not in expected \
                and "KEY" not in expected:
            return PassPipelineError(f"expected ',' after parsing pipeline element, found {found}", text,
                                     pos + 1, source)
        if tok.type == "EQ" and "KEY" not in expected:
            return PassPipelineError("unexpected '=': options must follow a pass name inside '{...}'", text,
                                     pos + 1, source)
        return PassPipelineError(f"expected {_describe_expected(expected)}, found {found}", text, pos + 1, source)
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream
        ch = text[pos] if pos < len(text) else ""
        allowed = set(e.allowed or ())
        return PassPipelineError(f"unexpected character '{ch}'; expected {_describe_expected(allowed)}", text,
                                 pos + 1, source)
    if isinstance(e, UnexpectedEOF):
        return PassPipelineError(f"unexpected end of pipeline; expected {_describe_expected(set(e.expected))}",
                                 text, len(text) + 1, source)
    return PassPipelineError(str(e), text, getattr(e, "column", 1) or 1, source)


# ----------------------------------------------------------------------------
# Tree -> elements
# ----------------------------------------------------------------------------


def _elements(tree: Tree, text: str) -> list[PipelineElement]:
    out = []
    for el in tree.children:
        name_tok = el.children[0]
        elem = PipelineElement(str(name_tok), name_tok.start_pos)
        for part in el.children[1:]:
            if part.data == "options":
                lst = part.children[0]
                elem.options = _option_entries(lst, text)
                elem.options_pos = part.meta.start_pos
                elem.options_text = text[part.meta.start_pos + 1:part.meta.end_pos - 1]
            else:  # nested
                elem.inner = _elements(part.children[0], text)
                elem.inner_pos = part.meta.start_pos
        out.append(elem)
    return out


def _option_entries(tree: Tree, text: str) -> list[OptionEntry]:
    out = []
    for opt in tree.children:
        key = opt.children[0]
        entry = OptionEntry(str(key), key.start_pos)
        if len(opt.children) > 2:
            value = opt.children[2]
            entry.value_pos = value.meta.start_pos
            entry.value = text[value.meta.start_pos:value.meta.end_pos]
            entry.items = [(_item_text(item, text), item.meta.start_pos) for item in value.children]
        elif len(opt.children) == 2:  # `key=` with nothing after: an empty value, as in mlir-opt
            entry.value_pos = opt.children[1].end_pos
            entry.value = ""
        out.append(entry)
    return out


def _item_text(item: Tree, text: str) -> str:
    raw = text[item.meta.start_pos:item.meta.end_pos]
    first = item.children[0]
    if isinstance(first, Token) and first.type == "STRING":
        return raw[1:-1]
    if isinstance(first, Tree) and first.data == "braces":
        return raw[1:-1].strip()
    return raw


def format_option_value(value: str) -> str:
    """Spell a scalar value so that parsing it back gives the same string: bare
    when it reads back as one item (`3`, `func.func(cse)`), quoted otherwise."""
    if value:
        try:
            entries = parse_options_text(f"x={value}")
        except PassPipelineError:
            entries = []
        if len(entries) == 1 and entries[0].items == [(value, 2)]:
            return value
    quote = "'" if '"' in value else '"'
    return f"{quote}{value}{quote}"
