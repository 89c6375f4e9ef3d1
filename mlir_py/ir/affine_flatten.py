"""MLIR's flattening simplifier (`simplifyAffineExpr`, `simplifyAffineMap`).

An affine expression is flattened into one coefficient per dim, per symbol,
per "local" (a `floordiv` by a constant that does not divide evenly) and a
constant: `d0 * 2 + (d0 * 4 + 2) floordiv 2` becomes `d0 * 4 + 1`, and
`d0 mod 4` becomes `d0 - (d0 floordiv 4) * 4` in coefficient form. The
expression is then rebuilt from that form in MLIR's order (dims, symbols,
locals, constant) through the simplifying operators, so the result prints
as upstream's canonicalizer prints it.

Semi-affine expressions (a product or a division by a symbol) are returned
unchanged: upstream's separate semi-affine simplifier is not reproduced.
"""

from __future__ import annotations

import math

from mlir_py.ir.affine_expr import (
    CEILDIV,
    FLOORDIV,
    MOD,
    MUL,
    AffineBinaryOpExpr,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
    AffineSymbolExpr,
    IntegerSet,
    constant,
    dim,
    symbol,
)

__all__ = [
    "expr_from_flat_form",
    "flatten_affine_expr",
    "simplify_affine_expr",
    "simplify_affine_map",
    "simplify_integer_set",
]


class _Unflattenable(Exception):
    """Division or modulo by a non-positive constant: left for the verifier, not simplified."""


class _Flattener:
    def __init__(self, num_dims: int, num_symbols: int) -> None:
        self.num_dims = num_dims
        self.num_symbols = num_symbols
        self.locals: list[AffineExpr] = []
        self.stack: list[list[int]] = []

    @property
    def _width(self) -> int:
        return self.num_dims + self.num_symbols + len(self.locals) + 1

    def _unit(self, index: int | None, value: int = 1) -> list[int]:
        row = [0] * self._width
        row[-1 if index is None else index] = value
        return row

    def flatten(self, expr: AffineExpr) -> list[int]:
        self._walk(expr)
        return self.stack.pop()

    def _walk(self, expr: AffineExpr) -> None:
        if isinstance(expr, AffineDimExpr):
            self.stack.append(self._unit(expr.position))
        elif isinstance(expr, AffineSymbolExpr):
            self.stack.append(self._unit(self.num_dims + expr.position))
        elif isinstance(expr, AffineConstantExpr):
            self.stack.append(self._unit(None, expr.value))
        else:
            assert isinstance(expr, AffineBinaryOpExpr)
            self._walk(expr.lhs)
            self._walk(expr.rhs)
            rhs = self.stack.pop()
            lhs = self.stack[-1]
            kind = expr.kind
            if kind is MUL:
                factor = rhs[-1]
                lhs[:] = [x * factor for x in lhs]
            elif kind is MOD:
                self._mod(lhs, rhs[-1])
            elif kind is FLOORDIV or kind is CEILDIV:
                self._div(lhs, rhs[-1], kind is CEILDIV)
            else:
                lhs[:] = [a + b for a, b in zip(lhs, rhs)]

    def _local(self, div_expr: AffineExpr) -> int:
        """Index of the local standing for `div_expr`, adding it if new."""
        for i, e in enumerate(self.locals):
            if e is div_expr:
                return self.num_dims + self.num_symbols + i
        pos = self.num_dims + self.num_symbols + len(self.locals)
        for row in self.stack:
            row.insert(pos, 0)
        self.locals.append(div_expr)
        return pos

    def _div(self, lhs: list[int], divisor: int, ceil: bool) -> None:
        if divisor <= 0:
            raise _Unflattenable
        g = divisor
        for x in lhs:
            g = math.gcd(g, abs(x))
        if g != 1:
            lhs[:] = [x // g for x in lhs]
        divisor //= g
        if divisor == 1:
            return
        a = self._to_expr(lhs)
        div_expr = a.ceildiv(divisor) if ceil else a.floordiv(divisor)
        pos = self._local(div_expr)
        lhs[:] = [0] * len(lhs)
        lhs[pos] = 1

    def _mod(self, lhs: list[int], modulus: int) -> None:
        if modulus <= 0:
            raise _Unflattenable
        if all(x % modulus == 0 for x in lhs):
            lhs[:] = [0] * len(lhs)
            return
        g = modulus
        for x in lhs:
            g = math.gcd(g, abs(x))
        dividend = [x // g for x in lhs] if g != 1 else list(lhs)
        div_expr = self._to_expr(dividend).floordiv(modulus // g)
        pos = self._local(div_expr)  # may widen lhs (a row on the stack)
        lhs[pos] -= modulus

    def _to_expr(self, row: list[int]) -> AffineExpr:
        return expr_from_flat_form(row, self.num_dims, self.num_symbols, self.locals)


def expr_from_flat_form(row, num_dims: int, num_symbols: int, local_exprs) -> AffineExpr:
    """MLIR's getAffineExprFromFlatForm: dims, symbols, locals, then the constant, summed in that order."""
    expr: AffineExpr = constant(0)
    n = num_dims + num_symbols
    for j in range(n):
        if row[j]:
            term = dim(j) if j < num_dims else symbol(j - num_dims)
            expr = expr + term * row[j]
    for j in range(n, len(row) - 1):
        if row[j]:
            expr = expr + local_exprs[j - n] * row[j]
    if row[-1]:
        expr = expr + row[-1]
    return expr


def flatten_affine_expr(expr: AffineExpr, num_dims: int, num_symbols: int) -> list[int] | None:
    """Coefficients of the dims, symbols and constant of a pure affine expression that needs no locals
    (no floordiv/mod that does not divide out); None otherwise."""
    if not expr.is_pure_affine():
        return None
    flattener = _Flattener(num_dims, num_symbols)
    try:
        row = flattener.flatten(expr)
    except _Unflattenable:
        return None
    return None if flattener.locals else row


def simplify_affine_expr(expr: AffineExpr, num_dims: int, num_symbols: int) -> AffineExpr:
    """MLIR's simplifyAffineExpr for pure affine expressions; others come back unchanged."""
    if not expr.is_pure_affine():
        return expr
    flattener = _Flattener(num_dims, num_symbols)
    try:
        row = flattener.flatten(expr)
    except _Unflattenable:
        return expr
    return expr_from_flat_form(row, num_dims, num_symbols, flattener.locals)


def simplify_affine_map(amap: AffineMap) -> AffineMap:
    """MLIR's simplifyAffineMap: each result through `simplify_affine_expr`."""
    return AffineMap(amap.num_dims, amap.num_symbols,
                     tuple(simplify_affine_expr(e, amap.num_dims, amap.num_symbols) for e in amap.results))


def simplify_integer_set(iset: IntegerSet) -> IntegerSet:
    """Each constraint through `simplify_affine_expr` (the expression part of MLIR's simplifyIntegerSet)."""
    return IntegerSet(iset.num_dims, iset.num_symbols,
                      tuple(simplify_affine_expr(e, iset.num_dims, iset.num_symbols) for e in iset.constraints),
                      iset.eq_flags)
