"""The syntax of declarative assembly formats (MLIR ODS `assemblyFormat`).

`parse_format(fmt)` turns a format string into a list of `El` elements:
optional groups (with their `:` else-branches) are structured by a small
scanner, and the runs between them are parsed with a lark grammar.
`mlir_py.definition.assembly_format` compiles the elements into a parser and printer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lark import Lark, Transformer

from mlir_py.definition.opdef import DefinitionError

_GRAMMAR = r"""
start: element*
?element: literal | variable | directive
literal: LITERAL
variable: "$" NAME ANCHOR?
?directive: type_dir | qualified | ftype | attrdict | attrdictkw | propdict | custom | kwdir
type_dir: "type" "(" arg ")" ANCHOR?
qualified: "qualified" "(" (type_dir | variable) ")" ANCHOR?
ftype: "functional-type" "(" arg "," arg ")" ANCHOR?
attrdict: "attr-dict"
attrdictkw: "attr-dict-with-keyword"
propdict: "prop-dict"
custom: "custom" "<" NAME ">" "(" [carg ("," carg)*] ")" ANCHOR?
?carg: variable | type_dir | ref | attrdict
ref: "ref" "(" (variable | type_dir) ")"
kwdir: KW ANCHOR?
?arg: variable | KW
KW: "operands" | "results" | "regions" | "successors"
LITERAL: /`[^`]*`/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
ANCHOR: "^"
%import common.WS
%ignore WS
"""

_lark = Lark(_GRAMMAR, parser="lalr")


@dataclass
class El:
    kind: str  # literal, var, type, ftype, attrdict, attrdictkw, propdict, custom, kw, group
    value: Any = None
    args: list = field(default_factory=list)
    anchor: bool = False
    then: list = field(default_factory=list)
    else_: list = field(default_factory=list)
    ref: bool = False


class _ToEls(Transformer):
    def start(self, items):
        return list(items)

    def literal(self, items):
        return El("literal", str(items[0])[1:-1])

    def variable(self, items):
        return El("var", str(items[0]), anchor=len(items) > 1)

    def type_dir(self, items):
        return El("type", None, args=[_arg(items[0])], anchor=len(items) > 1)

    def qualified(self, items):
        inner = items[0]
        inner.anchor = inner.anchor or len(items) > 1
        return inner

    def ftype(self, items):
        return El("ftype", None, args=[_arg(items[0]), _arg(items[1])], anchor=len(items) > 2)

    def attrdict(self, items):
        return El("attrdict")

    def attrdictkw(self, items):
        return El("attrdictkw")

    def propdict(self, items):
        return El("propdict")

    def custom(self, items):
        name = str(items[0])
        args = [a for a in items[1:] if isinstance(a, El)]
        anchor = any(not isinstance(a, El) and a is not None and str(a) == "^" for a in items[1:])
        return El("custom", name, args=args, anchor=anchor)

    def ref(self, items):
        e = items[0]
        e.ref = True
        return e

    def kwdir(self, items):
        return El("kw", str(items[0]), anchor=len(items) > 1)


def _arg(x) -> El:
    if isinstance(x, El):
        return x
    return El("kw", str(x))


def parse_format(fmt: str) -> list[El]:
    """The elements of an ODS-style format string; raises DefinitionError for malformed syntax."""
    return _Scanner(fmt).elements()


class _Scanner:
    """Splits a format into top-level runs and parenthesised groups.

    lark parses the leaf runs; groups (with their optional else branch) are
    structured here so nesting and `:` else-branches are unambiguous.
    """

    def __init__(self, fmt: str):
        self.s = fmt
        self.i = 0

    def elements(self) -> list[El]:
        els = self._seq(top=True)
        if self.i != len(self.s):
            raise DefinitionError(f"invalid assembly format '{self.s}': unbalanced ')'")
        return els

    def _seq(self, top: bool) -> list[El]:
        out: list[El] = []
        buf_start = self.i
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "`":
                j = s.find("`", self.i + 1)
                if j < 0:
                    raise DefinitionError(f"invalid assembly format '{s}': unterminated literal")
                self.i = j + 1
                continue
            if c == "(" and self._is_group_start():
                out += self._leaf(s[buf_start:self.i])
                self.i += 1
                then = self._seq(top=False)
                if self.i >= len(s) or s[self.i] != ")":
                    raise DefinitionError(f"invalid assembly format '{s}': unterminated optional group")
                self.i += 1
                else_: list[El] = []
                rest = s[self.i:].lstrip()
                if rest.startswith(":"):
                    self.i = len(s) - len(rest) + 1
                    rest2 = s[self.i:].lstrip()
                    if not rest2.startswith("("):
                        raise DefinitionError(f"invalid assembly format '{s}': expected '(' after ':'")
                    self.i = len(s) - len(rest2) + 1
                    else_ = self._seq(top=False)
                    self.i += 1
                    rest = s[self.i:].lstrip()
                if not rest.startswith("?"):
                    raise DefinitionError(f"invalid assembly format '{s}': expected '?' after optional group")
                self.i = len(s) - len(rest) + 1
                out.append(El("group", then=then, else_=else_))
                buf_start = self.i
                continue
            if c == "(":
                # directive argument list: skip to the matching ')'
                depth = 0
                while self.i < len(s):
                    if s[self.i] == "(":
                        depth += 1
                    elif s[self.i] == ")":
                        depth -= 1
                        if depth == 0:
                            break
                    elif s[self.i] == "`":
                        self.i = s.find("`", self.i + 1)
                    self.i += 1
                self.i += 1
                continue
            if c == ")":
                if top:
                    raise DefinitionError(f"invalid assembly format '{s}': unbalanced ')'")
                break
            self.i += 1
        out += self._leaf(s[buf_start:self.i])
        return out

    def _is_group_start(self) -> bool:
        # a '(' starts a group unless it follows a directive keyword
        j = self.i - 1
        s = self.s
        while j >= 0 and s[j] in " \t\n":
            j -= 1
        k = j
        while k >= 0 and (s[k].isalnum() or s[k] in "-_"):
            k -= 1
        word = s[k + 1:j + 1]
        if word in ("type", "qualified", "functional-type", "custom", "ref", "oilist"):
            return False
        if j >= 0 and s[j] == ">":
            return False  # custom<Name>(...)
        return True

    def _leaf(self, text: str) -> list[El]:
        if not text.strip():
            return []
        try:
            return _ToEls().transform(_lark.parse(text))
        except DefinitionError:
            raise
        except Exception as e:
            tok = getattr(e, "token", None)
            if tok is not None:
                what = "unexpected end of format" if tok.type == "$END" else f"unexpected '{tok}'"
            elif getattr(e, "char", None) is not None:
                what = f"unexpected character '{e.char}'"
            else:
                what = str(e).splitlines()[0]
            raise DefinitionError(f"invalid assembly format '{self.s}': {what} in '{text.strip()}'") from None
