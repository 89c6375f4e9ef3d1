"""Parsing affine maps, integer sets and expressions (MLIR's syntax).

A hand-written recursive descent over a lazy regex tokenizer. It builds
expressions through the same simplifying operators, in the same order as
MLIR's parser, so parsing a text here and in MLIR gives the same tree.
Errors carry the character offset so callers can report FILE:LINE:COL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple, NoReturn

from mlir_py.ir.affine_expr import (
    _BUILDERS,
    CEILDIV,
    FLOORDIV,
    MOD,
    MUL,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
    AffineSymbolExpr,
    IntegerSet,
    _add,
    _neg,
    dim,
    symbol,
)

__all__ = [
    "AffineParseError",
    "SSAAffineMap",
    "parse_affine_expr",
    "parse_affine_expr_of_ssa_ids",
    "parse_affine_map",
    "parse_affine_map_of_ssa_ids",
    "parse_affine_map_or_set",
    "parse_affine_map_or_set_prefix",
    "parse_integer_set",
]


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


class AffineParseError(ValueError):
    """A syntax error; `offset` indexes the text given to the parse function."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class SSAAffineMap(NamedTuple):
    """What `parse_affine_map_of_ssa_ids` found: the map, the SSA names that
    became its dims and symbols (in position order), and where it stopped."""

    map: AffineMap
    dim_operands: tuple[str, ...]
    symbol_operands: tuple[str, ...]
    end: int


class _Token(NamedTuple):
    kind: str  # "int", "id", "ssa", "eof", "other", or the punctuation itself
    text: str
    start: int
    end: int


# Lexes one token after optional whitespace and `//` comments.  Identifiers
# follow MLIR's bare-id; `floordiv`, `ceildiv` and `mod` are identifiers here
# and are told apart by position, as MLIR's parser does.
_TOKEN = re.compile(
    r"(?:\s|//[^\n]*)*"
    r"(?:(?P<int>0x[0-9a-fA-F]+|[0-9]+)"
    r"|(?P<id>[A-Za-z_][A-Za-z0-9_$.]*)"
    r"|(?P<ssa>%(?:[0-9]+|[A-Za-z_$.\-][A-Za-z0-9_$.\-]*)(?:#[0-9]+)?)"
    r"|(?P<punct>->|[()\[\],+\-*:<>=])"
    r"|(?P<other>.))?",
    re.ASCII | re.DOTALL,
)
_HIGH_PRECEDENCE = {"*": MUL, "floordiv": FLOORDIV, "ceildiv": CEILDIV, "mod": MOD}
# Characters that begin some MLIR token; any other one is a lexer error there.
_MLIR_TOKEN_STARTS = frozenset('%#!^@"()[]{}<>=,:?|*+-.')
_INT64_MAGNITUDE = 2**63  # MLIR accepts |INT64_MIN| so that `- 2^63` round-trips


class _AffineParser:
    def __init__(self, text: str, pos: int, ssa_ids: bool = False) -> None:
        self.text = text
        self.names: dict[str, AffineExpr] = {}
        self.ssa_ids = ssa_ids
        self.dim_operands: list[str] = []
        self.symbol_operands: list[str] = []
        self.end = pos  # end of the last consumed token
        self.tok = self._lex(pos)

    # -- tokens -------------------------------------------------------------

    def _lex(self, pos: int) -> _Token:
        match = _TOKEN.match(self.text, pos)
        kind = match.lastgroup
        if kind is None:
            return _Token("eof", "", match.end(), match.end())
        text = match.group(kind)
        start = match.start(kind)
        if kind == "other":
            # MLIR's lexer fails as soon as it reaches these.
            if text not in _MLIR_TOKEN_STARTS:
                raise AffineParseError("unexpected character", start)
            if text == "#" and not re.match(r"[\w$.\-]", self.text[start + 1 : start + 2], re.ASCII):
                raise AffineParseError("invalid attribute name", start)
        return _Token(text if kind == "punct" else kind, text, start, match.end())

    def _advance(self) -> _Token:
        tok = self.tok
        self.end = tok.end
        self.tok = self._lex(tok.end)
        return tok

    def _error(self, message: str, offset: int | None = None) -> NoReturn:
        raise AffineParseError(message, self.tok.start if offset is None else offset)

    def _wrong_token(self, message: str) -> NoReturn:
        """Report `message` just past the previous token, as MLIR does when
        the current token is not the one expected (so `(d0 +\n` blames the
        end of its line, not the start of the next)."""
        raise AffineParseError(message, len(self.text[: self.tok.start].rstrip(" \t\r\n")))

    def _expect(self, kind: str, message: str) -> _Token:
        if self.tok.kind != kind:
            self._wrong_token(message)
        return self._advance()

    def _comma_list(self, delimiter: str, parse_element: Callable[[], None], context: str) -> None:
        """`delimiter` is "(", "[" or "" (no brackets, at least one element)."""
        close = {"(": ")", "[": "]", "": ""}[delimiter]
        if delimiter:
            self._expect(delimiter, f"expected '{delimiter}'{context}")
            if self.tok.kind == close:
                self._advance()
                return
        parse_element()
        while self.tok.kind == ",":
            self._advance()
            parse_element()
        if delimiter:
            self._expect(close, f"expected '{close}'{context}")

    # -- maps and sets ------------------------------------------------------

    def parse_map_or_set(self) -> AffineMap | IntegerSet:
        dims: list[AffineExpr] = []
        syms: list[AffineExpr] = []
        self._comma_list("(", lambda: self._define(dims, AffineDimExpr), " in dimensional identifier list")
        if self.tok.kind == "[":
            self._comma_list("[", lambda: self._define(syms, AffineSymbolExpr), " in symbol list")
        if self.tok.kind == "->":
            self._advance()
            results: list[AffineExpr] = []
            self._comma_list("(", lambda: results.append(self.parse_expr()), " in affine map range")
            return AffineMap(len(dims), len(syms), results)
        self._expect(":", "expected '->' or ':'")
        constraints: list[AffineExpr] = []
        eq_flags: list[bool] = []

        def parse_constraint() -> None:
            expr, is_eq = self._parse_constraint()
            constraints.append(expr)
            eq_flags.append(is_eq)

        self._comma_list("(", parse_constraint, " in integer set constraint list")
        if not constraints:  # `()` is the degenerate "true" set, 0 == 0
            return IntegerSet(len(dims), len(syms), (AffineConstantExpr(0),), (True,))
        return IntegerSet(len(dims), len(syms), constraints, eq_flags)

    def _define(self, binders: list[AffineExpr], make: Callable[[int], AffineExpr]) -> None:
        tok = self.tok
        if tok.kind != "id":
            self._wrong_token("expected bare identifier")
        if tok.text in self.names:
            self._error(f"redefinition of identifier '{tok.text}'")
        self._advance()
        binders.append(make(len(binders)))
        self.names[tok.text] = binders[-1]

    def _parse_constraint(self) -> tuple[AffineExpr, bool]:
        lhs = self.parse_expr()
        op = self.tok
        if op.kind in (">", "<", "="):
            self._advance()
            if self.tok.kind == "=":
                self._advance()
                rhs = self.parse_expr()
                if op.kind == "<":
                    return rhs - lhs, False
                return lhs - rhs, op.kind == "="
        self._error("expected '== affine-expr' or '>= affine-expr' at end of affine constraint")

    # -- expressions --------------------------------------------------------

    def parse_expr(self) -> AffineExpr:
        # Left-associative, and built in the same order as MLIR's parser so
        # that simplification sees the same intermediate trees.
        lhs = self._parse_term(has_lhs=False)
        while self.tok.kind in ("+", "-"):
            op = self._advance()
            rhs = self._parse_term(has_lhs=True)
            lhs = _add(lhs, rhs) if op.kind == "+" else _add(lhs, _neg(rhs))
        return lhs

    def _parse_term(self, has_lhs: bool) -> AffineExpr:
        lhs = self._parse_operand(has_lhs)
        while self._at_high_precedence_op():
            op = self._advance()
            rhs = self._parse_operand(has_lhs=True)
            # MLIR blames the next operator of the chain when there is one.
            where = self.tok.start if self._at_high_precedence_op() else op.start
            lhs = self._high_precedence(op.text, lhs, rhs, where)
        return lhs

    def _at_high_precedence_op(self) -> bool:
        return self.tok.kind in ("*", "id") and self.tok.text in _HIGH_PRECEDENCE

    def _high_precedence(self, op: str, lhs: AffineExpr, rhs: AffineExpr, where: int) -> AffineExpr:
        kind = _HIGH_PRECEDENCE[op]
        if kind is MUL:
            if lhs._dim_bound and rhs._dim_bound:
                self._error(
                    "non-affine expression: at least one of the multiply operands "
                    "has to be either a constant or symbolic",
                    where,
                )
        elif rhs._dim_bound:
            self._error(
                f"non-affine expression: right operand of {op} has to be either a constant or symbolic",
                where,
            )
        return _BUILDERS[kind](lhs, rhs)

    def _parse_operand(self, has_lhs: bool) -> AffineExpr:
        tok = self.tok
        kind = tok.kind
        if kind == "int":
            value = int(tok.text, 16) if tok.text.startswith("0x") else int(tok.text)
            if value > _INT64_MAGNITUDE:
                self._error("constant too large for index")
            self._advance()
            return AffineConstantExpr(value)
        if kind == "(":
            self._advance()
            if self.tok.kind == ")":
                self._error("no expression inside parentheses")
            expr = self.parse_expr()
            self._expect(")", "expected ')'")
            return expr
        if kind == "-":
            # Negation binds tighter than any binary operator.
            self._advance()
            return _neg(self._parse_operand(has_lhs))
        if kind == "id":
            if self.ssa_ids and tok.text == "symbol":
                return self._parse_ssa_symbol()
            expr = self.names.get(tok.text)
            if expr is None:
                self._wrong_token("use of undeclared identifier")
            self._advance()
            return expr
        if kind == "ssa":
            return self._parse_ssa_id(is_symbol=False)
        if has_lhs:
            self._error("missing right operand of binary operator")
        if kind in ("+", "*"):
            self._error("missing left operand of binary operator")
        self._error("expected affine expression")

    # -- SSA-id mode (affine.load %A[%i + 1], affine.apply ...) --------------

    def _parse_ssa_symbol(self) -> AffineExpr:
        self._advance()
        self._expect("(", "expected '(' at start of SSA symbol")
        expr = self._parse_ssa_id(is_symbol=True)
        self._expect(")", "expected ')' at end of SSA symbol")
        return expr

    def _parse_ssa_id(self, is_symbol: bool) -> AffineExpr:
        if not self.ssa_ids:
            self._wrong_token("unexpected ssa identifier")
        name = self._expect("ssa", "expected ssa identifier").text
        expr = self.names.get(name)
        if expr is None:
            operands = self.symbol_operands if is_symbol else self.dim_operands
            make = AffineSymbolExpr if is_symbol else AffineDimExpr
            expr = make(len(operands))
            operands.append(name)
            self.names[name] = expr
        return expr


def parse_affine_map_or_set_prefix(text: str, start: int = 0) -> tuple[AffineMap | IntegerSet, int]:
    """Parse a map or set beginning at `start`; return it and the offset just
    past its last token.

    Lets the IR parser read `affine_map<...>` in place without first finding
    the closing `>`, which a set's `>=` makes awkward.  Offsets in errors and
    in the result index `text` itself.
    """
    parser = _AffineParser(text, start)
    return parser.parse_map_or_set(), parser.end


def parse_affine_map_or_set(text: str) -> AffineMap | IntegerSet:
    """Parse the body of `affine_map<...>` or `affine_set<...>`."""
    parser = _AffineParser(text, 0)
    result = parser.parse_map_or_set()
    if parser.tok.kind != "eof":
        # `text` stands for the inside of `affine_map<...>`: say what mlir-opt says.
        what = "affine map" if isinstance(result, AffineMap) else "integer set"
        parser._wrong_token(f"expected '>' in {what}")
    return result


def parse_affine_map(text: str) -> AffineMap:
    """An AffineMap from `(d0)[s0] -> (d0 + s0)` text; raises AffineParseError for bad text or an integer set."""
    result = parse_affine_map_or_set(text)
    if not isinstance(result, AffineMap):
        raise AffineParseError("expected AffineMap, but got IntegerSet", _first_token(text))
    return result


def parse_integer_set(text: str) -> IntegerSet:
    """An IntegerSet from `(d0)[s0] : (d0 - s0 >= 0)` text; raises AffineParseError for bad text or an affine map."""
    result = parse_affine_map_or_set(text)
    if not isinstance(result, IntegerSet):
        raise AffineParseError("expected IntegerSet, but got AffineMap", _first_token(text))
    return result


def _first_token(text: str) -> int:
    return _AffineParser(text, 0).tok.start


def parse_affine_expr(text: str, dims: Sequence[str] = (), symbols: Sequence[str] = ()) -> AffineExpr:
    """Parse a lone expression whose identifiers name dims and symbols."""
    parser = _AffineParser(text, 0)
    parser.names.update({name: dim(i) for i, name in enumerate(dims)})
    parser.names.update({name: symbol(i) for i, name in enumerate(symbols)})
    expr = parser.parse_expr()
    if parser.tok.kind != "eof":
        parser._error("encountered unexpected token")
    return expr


def parse_affine_map_of_ssa_ids(text: str, start: int = 0, delimiter: str = "[") -> SSAAffineMap:
    """Parse MLIR's affine-map-of-SSA-ids, e.g. `[%i + 1, symbol(%n)]`.

    Each new `%id` becomes the next dim, each new `symbol(%id)` the next
    symbol; a repeated name reuses its first meaning.  `delimiter` is "[",
    "(" or "" (a bare comma-separated list of at least one expression).
    """
    parser = _AffineParser(text, start, ssa_ids=True)
    exprs: list[AffineExpr] = []
    parser._comma_list(delimiter, lambda: exprs.append(parser.parse_expr()), " in affine map")
    return SSAAffineMap(
        AffineMap(len(parser.dim_operands), len(parser.symbol_operands), exprs),
        tuple(parser.dim_operands),
        tuple(parser.symbol_operands),
        parser.end,
    )


def parse_affine_expr_of_ssa_ids(text: str, start: int = 0) -> SSAAffineMap:
    """Parse one expression of SSA ids (`%i + symbol(%n)`, an affine.parallel bound) as a one-result map."""
    parser = _AffineParser(text, start, ssa_ids=True)
    expr = parser.parse_expr()
    return SSAAffineMap(
        AffineMap(len(parser.dim_operands), len(parser.symbol_operands), (expr,)),
        tuple(parser.dim_operands),
        tuple(parser.symbol_operands),
        parser.end,
    )
