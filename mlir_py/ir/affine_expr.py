"""Affine expressions, affine maps and integer sets: MLIR's `affine_map<...>`
and `affine_set<...>`.

Every object here is uniqued in a module-level table: building the same
expression, map or set twice yields the same Python object, so `==` is an
identity test and objects key dictionaries cheaply, as in MLIR's context.

Building an expression runs the same local simplifier that MLIR's `AffineExpr`
operators run, rule for rule and in the same order, because simplification is
visible in printed IR and has to agree with `mlir-opt`; the rules were checked
against a recent upstream MLIR by differential testing of parse-and-print.  The
one deliberate difference is marked "Unlike MLIR".

Parsing lives in `mlir_py.ir.affine_parser`.
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

__all__ = [
    "AffineBinaryOpExpr",
    "AffineConstantExpr",
    "AffineDimExpr",
    "AffineExpr",
    "AffineExprKind",
    "AffineMap",
    "AffineSymbolExpr",
    "IntegerSet",
    "constant",
    "dim",
    "get_affine_binary_op_expr",
    "simplify_affine_map",
    "symbol",
]


class AffineExprKind(enum.Enum):
    """The node kinds of an affine expression (MLIR's AffineExprKind); the binary ones carry their syntax."""

    ADD = "+"
    MUL = "*"
    MOD = "mod"
    FLOORDIV = "floordiv"
    CEILDIV = "ceildiv"
    CONSTANT = "constant"
    DIM = "dim"
    SYMBOL = "symbol"


ADD = AffineExprKind.ADD
MUL = AffineExprKind.MUL
MOD = AffineExprKind.MOD
FLOORDIV = AffineExprKind.FLOORDIV
CEILDIV = AffineExprKind.CEILDIV

# One table for expressions, maps and sets; keys start with a tag.  Entries
# live forever, like MLIR's context-owned storage.
_UNIQUED: dict[tuple, Any] = {}
_T = TypeVar("_T")


def _unique(cls: type[_T], key: tuple, **fields: object) -> _T:
    obj = _UNIQUED.get(key)
    if obj is None:
        obj = object.__new__(cls)
        for name, value in fields.items():
            object.__setattr__(obj, name, value)
        obj = _UNIQUED.setdefault(key, obj)
    return obj


class _Immutable:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    # Uniqued: a copy must be the object itself or identity comparison breaks.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo: dict):
        return self


# ---------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------


class AffineExpr(_Immutable):
    """A node of a uniqued affine expression tree.

    Build with `dim`, `symbol`, `constant` and the Python operators
    (`+ - * % //`, unary `-`, `.ceildiv`), which simplify as MLIR does.
    Equality and hashing are by identity, which is exact because of uniquing.
    """

    # _dim_bound/_sym_bound: one past the highest dim/symbol position used, so
    # "is symbolic" and map validation are O(1).  _divisor: the largest known
    # divisor, needed by every floordiv/mod simplification.
    __slots__ = ("_dim_bound", "_sym_bound", "_divisor")
    kind: AffineExprKind

    # -- operators ----------------------------------------------------------

    def __add__(self, other: AffineExpr | int) -> AffineExpr:
        rhs = _coerce(other)
        return NotImplemented if rhs is None else _add(self, rhs)

    def __radd__(self, other: int) -> AffineExpr:
        lhs = _coerce(other)
        return NotImplemented if lhs is None else _add(lhs, self)

    def __sub__(self, other: AffineExpr | int) -> AffineExpr:
        rhs = _coerce(other)
        return NotImplemented if rhs is None else _add(self, _neg(rhs))

    def __rsub__(self, other: int) -> AffineExpr:
        lhs = _coerce(other)
        return NotImplemented if lhs is None else _add(lhs, _neg(self))

    def __mul__(self, other: AffineExpr | int) -> AffineExpr:
        rhs = _coerce(other)
        return NotImplemented if rhs is None else _mul(self, rhs)

    def __rmul__(self, other: int) -> AffineExpr:
        # MLIR's `int * expr` is `expr * int`.
        rhs = _coerce(other)
        return NotImplemented if rhs is None else _mul(self, rhs)

    def __neg__(self) -> AffineExpr:
        return _neg(self)

    def __pos__(self) -> AffineExpr:
        return self

    def __mod__(self, other: AffineExpr | int) -> AffineExpr:
        rhs = _coerce(other)
        return NotImplemented if rhs is None else _mod(self, rhs)

    def __rmod__(self, other: int) -> AffineExpr:
        lhs = _coerce(other)
        return NotImplemented if lhs is None else _mod(lhs, self)

    def __floordiv__(self, other: AffineExpr | int) -> AffineExpr:
        rhs = _coerce(other)
        return NotImplemented if rhs is None else _floordiv(self, rhs)

    def __rfloordiv__(self, other: int) -> AffineExpr:
        lhs = _coerce(other)
        return NotImplemented if lhs is None else _floordiv(lhs, self)

    def floordiv(self, other: AffineExpr | int) -> AffineExpr:
        """`self floordiv other`, simplified (Python's `//` on affine expressions does the same)."""
        return _floordiv(self, _coerce_or_raise(other))

    def ceildiv(self, other: AffineExpr | int) -> AffineExpr:
        """`self ceildiv other`, simplified: division rounding up."""
        return _ceildiv(self, _coerce_or_raise(other))

    # -- queries ------------------------------------------------------------

    def is_symbolic_or_constant(self) -> bool:
        """Uses no dims: a loop-invariant value in affine terms."""
        return self._dim_bound == 0

    def is_pure_affine(self) -> bool:
        """True if mul, div and mod only ever take a constant operand.

        This is MLIR's definition; expressions that also multiply or divide by
        symbols are "semi-affine" and still valid in maps.
        """
        return True

    def get_largest_known_divisor(self) -> int:
        """The largest integer known to divide every value of the expression (0 for the constant 0)."""
        return self._divisor

    def is_multiple_of(self, factor: int) -> bool:
        """Whether every value is a multiple of `factor`, from the known divisor (sound, may say no for a true
        multiple).
        """
        # Unlike MLIR, floordiv/ceildiv use the (sound) divisor rule rather
        # than gcd(lhs divisor, rhs divisor): `(d0 * 6) floordiv 4` is not
        # a multiple of 2.
        if factor == 0:
            return self._divisor == 0
        return self._divisor % factor == 0

    def is_function_of_dim(self, position: int) -> bool:
        """Whether `d<position>` occurs."""
        return any(isinstance(e, AffineDimExpr) and e.position == position for e in self.walk())

    def is_function_of_symbol(self, position: int) -> bool:
        """Whether `s<position>` occurs."""
        return any(isinstance(e, AffineSymbolExpr) and e.position == position for e in self.walk())

    def walk(self) -> Iterator[AffineExpr]:
        """Yield every sub-expression in post-order, as MLIR's walk visits."""
        yield self

    # -- rewriting ----------------------------------------------------------

    def replace_dims_and_symbols(
        self,
        dims: Sequence[AffineExpr],
        symbols: Sequence[AffineExpr] = (),
    ) -> AffineExpr:
        """Substitute dim i by dims[i] and symbol j by symbols[j].

        Positions past the end of a list are left alone, as in MLIR.  The
        result is re-simplified bottom-up.
        """
        return self

    def replace_dims(self, dims: Sequence[AffineExpr]) -> AffineExpr:
        """`replace_dims_and_symbols(dims, ())`: substitute dims only."""
        return self.replace_dims_and_symbols(dims, ())

    def replace_symbols(self, symbols: Sequence[AffineExpr]) -> AffineExpr:
        """`replace_dims_and_symbols((), symbols)`: substitute symbols only."""
        return self.replace_dims_and_symbols((), symbols)

    def replace(self, mapping: Mapping[AffineExpr, AffineExpr]) -> AffineExpr:
        """Replace whole sub-expressions; the outermost match wins."""
        return mapping.get(self, self)

    def shift_dims(self, num_dims: int, shift: int, offset: int = 0) -> AffineExpr:
        """Renumber dims [offset, num_dims) to [offset + shift, ...)."""
        dims = [dim(i if i < offset else i + shift) for i in range(num_dims)]
        return self.replace_dims_and_symbols(dims, ())

    def shift_symbols(self, num_symbols: int, shift: int, offset: int = 0) -> AffineExpr:
        """Renumber symbols [offset, num_symbols) to [offset + shift, ...), as `shift_dims` does for dims."""
        syms = [symbol(i if i < offset else i + shift) for i in range(num_symbols)]
        return self.replace_dims_and_symbols((), syms)

    def compose(self, map: AffineMap) -> AffineExpr:
        """Feed `map`'s results in as this expression's dims."""
        return self.replace_dims_and_symbols(map.results, ())

    def simplify(self) -> AffineExpr:
        """Rebuild bottom-up through the simplifying constructors.

        Only useful for trees built with the raw `AffineBinaryOpExpr`
        constructor; this is not MLIR's flattening `simplifyAffineExpr`.
        """
        return self

    # -- evaluation and printing -------------------------------------------

    def evaluate(self, dims: Sequence[int], symbols: Sequence[int] = ()) -> int:
        """Value for the given dim and symbol values.

        floordiv rounds toward negative infinity, ceildiv toward positive
        infinity, and `mod` by a positive divisor is non-negative.  What MLIR
        folds to poison (division by zero, mod by a non-positive value)
        raises ValueError.
        """
        if len(dims) < self._dim_bound or len(symbols) < self._sym_bound:
            raise ValueError(
                f"'{self}' needs {self._dim_bound} dim and {self._sym_bound} "
                f"symbol values, got {len(dims)} and {len(symbols)}"
            )
        return self._eval(dims, symbols)

    def _eval(self, dims: Sequence[int], symbols: Sequence[int]) -> int:
        raise NotImplementedError

    def _print_into(self, out: list[str], strong: bool) -> None:
        raise NotImplementedError

    def __str__(self) -> str:
        out: list[str] = []
        self._print_into(out, False)
        return "".join(out)

    def __repr__(self) -> str:
        return f"AffineExpr({self})"


class AffineDimExpr(AffineExpr):
    """`d<position>`: a dimension input; build with `dim(i)`. Uniqued."""

    __slots__ = ("position",)
    kind = AffineExprKind.DIM
    position: int

    def __new__(cls, position: int) -> AffineDimExpr:
        _check_position(position, "dim")
        return _unique(cls, ("d", position), position=position, _dim_bound=position + 1, _sym_bound=0, _divisor=1)

    def __reduce__(self):
        return (AffineDimExpr, (self.position,))

    def replace_dims_and_symbols(self, dims, symbols=()):
        return dims[self.position] if self.position < len(dims) else self

    def _eval(self, dims, symbols):
        return dims[self.position]

    def _print_into(self, out, strong):
        out.append(f"d{self.position}")


class AffineSymbolExpr(AffineExpr):
    """`s<position>`: a symbol input (loop-invariant); build with `symbol(i)`. Uniqued."""

    __slots__ = ("position",)
    kind = AffineExprKind.SYMBOL
    position: int

    def __new__(cls, position: int) -> AffineSymbolExpr:
        _check_position(position, "symbol")
        return _unique(cls, ("s", position), position=position, _dim_bound=0, _sym_bound=position + 1, _divisor=1)

    def __reduce__(self):
        return (AffineSymbolExpr, (self.position,))

    def replace_dims_and_symbols(self, dims, symbols=()):
        return symbols[self.position] if self.position < len(symbols) else self

    def _eval(self, dims, symbols):
        return symbols[self.position]

    def _print_into(self, out, strong):
        out.append(f"s{self.position}")


class AffineConstantExpr(AffineExpr):
    """An integer constant; build with `constant(v)`, or mix ints into expressions (`dim(0) + 1`). Uniqued."""

    __slots__ = ("value",)
    kind = AffineExprKind.CONSTANT
    value: int

    def __new__(cls, value: int) -> AffineConstantExpr:
        if type(value) is not int:
            if isinstance(value, bool) or not hasattr(value, "__index__"):
                raise TypeError(f"affine constant must be an int, got {value!r}")
            value = operator.index(value)  # numpy integers and the like
        return _unique(cls, ("c", value), value=value, _dim_bound=0, _sym_bound=0, _divisor=abs(value))

    def __reduce__(self):
        return (AffineConstantExpr, (self.value,))

    def _eval(self, dims, symbols):
        return self.value

    def _print_into(self, out, strong):
        out.append(str(self.value))


class AffineBinaryOpExpr(AffineExpr):
    """`lhs <kind> rhs`.

    Calling the class builds the node as given, without simplification (the
    equivalent of MLIR's storage uniquer).  Use the operators or
    `get_affine_binary_op_expr` to get MLIR's canonical form.
    """

    __slots__ = ("kind", "lhs", "rhs")
    lhs: AffineExpr
    rhs: AffineExpr

    def __new__(cls, kind: AffineExprKind, lhs: AffineExpr, rhs: AffineExpr) -> AffineBinaryOpExpr:
        key = ("b", kind, lhs, rhs)
        node = _UNIQUED.get(key)
        if node is not None:
            return node
        if kind not in _BUILDERS:
            raise ValueError(f"{kind} is not a binary affine operation")
        if not (isinstance(lhs, AffineExpr) and isinstance(rhs, AffineExpr)):
            raise TypeError("operands of an affine binary op must be AffineExpr")
        dim_bound, sym_bound = max(lhs._dim_bound, rhs._dim_bound), max(lhs._sym_bound, rhs._sym_bound)
        divisor = _binary_divisor(kind, lhs, rhs)
        return _unique(
            cls, key, kind=kind, lhs=lhs, rhs=rhs, _dim_bound=dim_bound, _sym_bound=sym_bound, _divisor=divisor
        )

    def __reduce__(self):
        return (AffineBinaryOpExpr, (self.kind, self.lhs, self.rhs))

    def is_pure_affine(self) -> bool:
        lhs, rhs = self.lhs, self.rhs
        if not (lhs.is_pure_affine() and rhs.is_pure_affine()):
            return False
        if self.kind is ADD:
            return True
        if self.kind is MUL:
            return isinstance(lhs, AffineConstantExpr) or isinstance(rhs, AffineConstantExpr)
        return isinstance(rhs, AffineConstantExpr)

    def walk(self) -> Iterator[AffineExpr]:
        yield from self.lhs.walk()
        yield from self.rhs.walk()
        yield self

    def replace_dims_and_symbols(self, dims, symbols=()):
        lhs = self.lhs.replace_dims_and_symbols(dims, symbols)
        rhs = self.rhs.replace_dims_and_symbols(dims, symbols)
        if lhs is self.lhs and rhs is self.rhs:
            return self
        return _BUILDERS[self.kind](lhs, rhs)

    def replace(self, mapping):
        if self in mapping:
            return mapping[self]
        lhs, rhs = self.lhs.replace(mapping), self.rhs.replace(mapping)
        if lhs is self.lhs and rhs is self.rhs:
            return self
        return _BUILDERS[self.kind](lhs, rhs)

    def simplify(self) -> AffineExpr:
        return _BUILDERS[self.kind](self.lhs.simplify(), self.rhs.simplify())

    def _eval(self, dims, symbols):
        return _fold(self.kind, self.lhs._eval(dims, symbols), self.rhs._eval(dims, symbols))

    def _print_into(self, out, strong):
        # Mirrors AsmPrinter's printAffineExprInternal: only `+` is weak,
        # every other operator parenthesises its operands when they are
        # binary, and negative coefficients of a sum print as ` - `.
        if strong:
            out.append("(")
        lhs, rhs = self.lhs, self.rhs
        if self.kind is not ADD:
            if self.kind is MUL and rhs is _MINUS_ONE:
                out.append("-")
                lhs._print_into(out, True)
            else:
                lhs._print_into(out, True)
                out.append(_SPELLING[self.kind])
                rhs._print_into(out, True)
        else:
            lhs._print_into(out, False)
            _print_addend(rhs, out)
        if strong:
            out.append(")")


def _print_addend(rhs: AffineExpr, out: list[str]) -> None:
    if _is_binary(rhs, MUL) and isinstance(rhs.rhs, AffineConstantExpr):
        factor = rhs.rhs.value
        if factor == -1:
            out.append(" - ")
            rhs.lhs._print_into(out, _is_binary(rhs.lhs, ADD))
            return
        if factor < -1:
            out.append(" - ")
            rhs.lhs._print_into(out, True)
            out.append(f" * {-factor}")
            return
    if isinstance(rhs, AffineConstantExpr) and rhs.value < 0:
        out.append(f" - {-rhs.value}")
        return
    out.append(" + ")
    rhs._print_into(out, False)


_SPELLING = {
    MUL: " * ",
    FLOORDIV: " floordiv ",
    CEILDIV: " ceildiv ",
    MOD: " mod ",
}


def dim(position: int) -> AffineDimExpr:
    """`d<position>`, for building expressions with Python operators (`dim(0) * 2 + symbol(0)`)."""
    return AffineDimExpr(position)


def symbol(position: int) -> AffineSymbolExpr:
    """`s<position>`, for building expressions with Python operators."""
    return AffineSymbolExpr(position)


def constant(value: int) -> AffineConstantExpr:
    """The constant `value` as an affine expression."""
    return AffineConstantExpr(value)


def get_affine_binary_op_expr(kind: AffineExprKind, lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr:
    """Build `lhs kind rhs` in MLIR's simplified form."""
    return _BUILDERS[kind](lhs, rhs)


def _check_position(position: int, what: str) -> None:
    if type(position) is not int or position < 0:
        raise ValueError(f"{what} position must be a non-negative int, got {position!r}")


def _coerce(value: object) -> AffineExpr | None:
    if isinstance(value, AffineExpr):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return AffineConstantExpr(value)
    return None


def _coerce_or_raise(value: object) -> AffineExpr:
    expr = _coerce(value)
    if expr is None:
        raise TypeError(f"expected an AffineExpr or int, got {value!r}")
    return expr


def _is_binary(expr: AffineExpr, kind: AffineExprKind) -> bool:
    return type(expr) is AffineBinaryOpExpr and expr.kind is kind


def _const(expr: AffineExpr) -> int | None:
    return expr.value if type(expr) is AffineConstantExpr else None


def _fold(kind: AffineExprKind, lhs: int, rhs: int) -> int:
    if kind is ADD:
        return lhs + rhs
    if kind is MUL:
        return lhs * rhs
    if kind is MOD:
        if rhs < 1:
            raise ValueError(f"'{lhs} mod {rhs}' is undefined: the modulus must be positive")
        return lhs % rhs
    if rhs == 0:
        raise ValueError(f"'{lhs} {kind.value} 0' is undefined: division by zero")
    return lhs // rhs if kind is FLOORDIV else -(-lhs // rhs)


def _binary_divisor(kind: AffineExprKind, lhs: AffineExpr, rhs: AffineExpr) -> int:
    if kind is MUL:
        return lhs._divisor * rhs._divisor
    if kind is ADD or kind is MOD:
        return math.gcd(lhs._divisor, rhs._divisor)
    # floordiv/ceildiv: an exact quotient of a known multiple.
    divisor = _const(rhs)
    if divisor and lhs._divisor % divisor == 0:
        return abs(lhs._divisor // divisor)
    return 1


# -- the simplifier: MLIR's simplifyAdd/Mul/FloorDiv/CeilDiv/Mod ----------------
# Each returns None when no rule applies and the raw node should be built.


def _simplify_add(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr | None:
    lc, rc = _const(lhs), _const(rhs)
    if lc is not None and rc is not None:
        return AffineConstantExpr(lc + rc)
    # Constants go right, and a symbolic term goes right of a dim term.
    if lc is not None or (lhs._dim_bound == 0 and rhs._dim_bound != 0):
        return _add(rhs, lhs)
    if _out_of_order(lhs, rhs):
        return _add(rhs, lhs)
    if rc == 0:
        return lhs
    left_sum_const = _const(lhs.rhs) if _is_binary(lhs, ADD) else None
    # (x + c1) + c2 -> x + (c1 + c2)
    if left_sum_const is not None and rc is not None:
        return _add(lhs.lhs, AffineConstantExpr(left_sum_const + rc))
    # c1 * x + c2 * x -> (c1 + c2) * x, where a bare x counts as 1 * x.
    first, c1 = _split_coefficient(lhs)
    second, c2 = _split_coefficient(rhs)
    if first is second:
        return _mul(first, AffineConstantExpr(c1 + c2))
    # (x + c) + y -> (x + y) + c
    if left_sum_const is not None:
        return _add(_add(lhs.lhs, rhs), lhs.rhs)
    return _simplify_add_of_quotient(lhs, rhs)


def _out_of_order(lhs: AffineExpr, rhs: AffineExpr) -> bool:
    """`d1 + d0`, `s1 * s0`: two dims or two symbols in descending order."""
    return type(lhs) is type(rhs) and type(lhs) in (AffineDimExpr, AffineSymbolExpr) and lhs.position > rhs.position


def _split_coefficient(expr: AffineExpr) -> tuple[AffineExpr, int]:
    if _is_binary(expr, MUL) and type(expr.rhs) is AffineConstantExpr:
        return expr.lhs, expr.rhs.value
    return expr, 1


def _simplify_add_of_quotient(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr | None:
    """Rules for `lhs + rhs` where rhs involves `x floordiv q`.

    `x - (x floordiv q) * q` becomes `x mod q` (q symbolic, or a positive
    constant), and a product `(x floordiv q) * k` is offered to the last
    term of a sum on its left, as upstream does since it stopped folding
    `x + (x floordiv -4) * 4` and `x + (x floordiv 4 - 4)` into mods.
    """
    if type(rhs) is not AffineBinaryOpExpr:
        return None
    product, factor = rhs.lhs, rhs.rhs
    # x + ((x floordiv q) * q) * -1
    if factor is _MINUS_ONE and _is_binary(product, MUL):
        quotient, q = product.lhs, product.rhs
        if not _is_binary(quotient, FLOORDIV):
            return None
        if quotient.rhs is q and quotient.lhs is lhs:
            return _mod(lhs, q)
    if rhs.kind is not MUL or not _is_binary(product, FLOORDIV):
        return None
    # x + (x floordiv c) * -c
    c = _const(product.rhs)
    if c is not None and c >= 1 and product.lhs is lhs and _const(factor) == -c:
        return _mod(lhs, product.rhs)
    # (y + z) + (x floordiv q) * k -> y + (z + (x floordiv q) * k), when the
    # inner sum simplifies.
    if _is_binary(lhs, ADD):
        inner = _simplify_add(lhs.rhs, rhs)
        if inner is not None:
            return _add(lhs.lhs, inner)
    return None


def _simplify_mul(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr | None:
    lc, rc = _const(lhs), _const(rhs)
    if lc is not None and rc is not None:
        return AffineConstantExpr(lc * rc)
    if lhs._dim_bound and rhs._dim_bound:
        # Not even semi-affine; MLIR asserts.  Kept as built so that
        # substitution into semi-affine maps does not crash.
        return None
    # The constant, or else the symbolic operand, goes right.
    if rhs._dim_bound or lc is not None or _out_of_order(lhs, rhs):
        return _mul(rhs, lhs)
    if rc == 1:
        return lhs
    if rc == 0:
        return rhs
    if _is_binary(lhs, MUL) and type(lhs.rhs) is AffineConstantExpr:
        # (x * c1) * c2 -> x * (c1 * c2); (x * c) * y -> (x * y) * c
        if rc is not None:
            return _mul(lhs.lhs, AffineConstantExpr(lhs.rhs.value * rc))
        return _mul(_mul(lhs.lhs, rhs), lhs.rhs)
    return None


def _simplify_floordiv(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr | None:
    lc, rc = _const(lhs), _const(rhs)
    if rc is None:
        return AffineConstantExpr(1) if lhs is rhs else None
    if rc == 0:  # undefined; left for the verifier to report
        return None
    if lc is not None:
        return AffineConstantExpr(lc // rc)
    if rc == 1:
        return lhs
    if _is_binary(lhs, MUL):
        factor = _const(lhs.rhs)
        if factor is not None and factor % rc == 0:
            return _mul(lhs.lhs, AffineConstantExpr(factor // rc))
    if _is_binary(lhs, ADD) and (lhs.lhs._divisor % rc == 0 or lhs.rhs._divisor % rc == 0):
        return _add(_floordiv(lhs.lhs, rhs), _floordiv(lhs.rhs, rhs))
    return None


def _simplify_ceildiv(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr | None:
    lc, rc = _const(lhs), _const(rhs)
    if rc is None:
        return AffineConstantExpr(1) if lhs is rhs else None
    if rc == 0:
        return None
    if lc is not None:
        return AffineConstantExpr(-(-lc // rc))
    if rc == 1:
        return lhs
    if _is_binary(lhs, MUL):
        factor = _const(lhs.rhs)
        if factor is not None and factor % rc == 0:
            return _mul(lhs.lhs, AffineConstantExpr(factor // rc))
    return None


def _simplify_mod(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr | None:
    lc, rc = _const(lhs), _const(rhs)
    if rc is None:
        return AffineConstantExpr(0) if lhs is rhs else None
    if rc < 1:  # mod by a non-positive value is undefined
        return None
    if lc is not None:
        return AffineConstantExpr(lc % rc)
    if lhs._divisor % rc == 0:
        return AffineConstantExpr(0)
    if _is_binary(lhs, ADD):
        # (x + y) mod c drops whichever term is a multiple of c.
        if lhs.lhs._divisor % rc == 0:
            return _mod(lhs.rhs, rhs)
        if lhs.rhs._divisor % rc == 0:
            return _mod(lhs.lhs, rhs)
    if _is_binary(lhs, MOD):
        # (x mod a) mod b -> x mod b when b divides a.
        inner = _const(lhs.rhs)
        if inner is not None and inner >= 1 and inner % rc == 0:
            return _mod(lhs.lhs, rhs)
    return None


def _builder(
    kind: AffineExprKind,
    simplify: Callable[[AffineExpr, AffineExpr], AffineExpr | None],
) -> Callable[[AffineExpr, AffineExpr], AffineExpr]:
    def build(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr:
        simplified = simplify(lhs, rhs)
        if simplified is not None:
            return simplified
        return AffineBinaryOpExpr(kind, lhs, rhs)

    return build


_add = _builder(ADD, _simplify_add)
_mul = _builder(MUL, _simplify_mul)
_floordiv = _builder(FLOORDIV, _simplify_floordiv)
_ceildiv = _builder(CEILDIV, _simplify_ceildiv)
_mod = _builder(MOD, _simplify_mod)
_BUILDERS = {ADD: _add, MUL: _mul, FLOORDIV: _floordiv, CEILDIV: _ceildiv, MOD: _mod}
_MINUS_ONE = AffineConstantExpr(-1)


def _neg(expr: AffineExpr) -> AffineExpr:
    return _mul(expr, _MINUS_ONE)


# ---------------------------------------------------------------------------
# Maps and sets
# ---------------------------------------------------------------------------


def _check_inputs(num_dims: int, num_symbols: int, exprs: tuple, what: str) -> None:
    for count, name in ((num_dims, "dims"), (num_symbols, "symbols")):
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(f"number of {name} must be a non-negative int, got {count!r}")
    for expr in exprs:
        if not isinstance(expr, AffineExpr):
            raise TypeError(f"{what} entries must be AffineExpr, got {expr!r}")
        if expr._dim_bound > num_dims or expr._sym_bound > num_symbols:
            raise ValueError(f"'{expr}' uses more than the {num_dims} dims and {num_symbols} symbols of its {what}")


def _binders(num_dims: int, num_symbols: int) -> str:
    text = "(" + ", ".join(f"d{i}" for i in range(num_dims)) + ")"
    if num_symbols:
        text += "[" + ", ".join(f"s{i}" for i in range(num_symbols)) + "]"
    return text


def _check_values(obj: AffineMap | IntegerSet, dims: Sequence[int], syms: Sequence[int]) -> None:
    if len(dims) != obj.num_dims or len(syms) != obj.num_symbols:
        raise ValueError(
            f"{obj!r} takes {obj.num_dims} dims and {obj.num_symbols} symbols, got {len(dims)} and {len(syms)}"
        )


class AffineMap(_Immutable):
    """`(d0, ...)[s0, ...] -> (expr, ...)`; uniqued and immutable.

    `AffineMap(num_dims, num_symbols, results)` returns the one map with that
    content.  Results are stored as given: build them simplified.
    """

    __slots__ = ("num_dims", "num_symbols", "results", "_text")
    num_dims: int
    num_symbols: int
    results: tuple[AffineExpr, ...]

    def __new__(cls, num_dims: int, num_symbols: int, results: Iterable[AffineExpr] = ()) -> AffineMap:
        results = tuple(results)
        key = ("map", num_dims, num_symbols, results)
        found = _UNIQUED.get(key)
        if found is not None:
            return found
        _check_inputs(num_dims, num_symbols, results, "affine map")
        return _unique(cls, key, num_dims=num_dims, num_symbols=num_symbols, results=results, _text=None)

    def __reduce__(self):
        return (AffineMap, (self.num_dims, self.num_symbols, self.results))

    # -- constructors ---------------------------------------------------------

    @classmethod
    def empty(cls, num_dims: int = 0, num_symbols: int = 0) -> AffineMap:
        """`(dims)[symbols] -> ()`: a map with no results."""
        return cls(num_dims, num_symbols, ())

    @classmethod
    def get_constant(cls, value: int) -> AffineMap:
        """`() -> (value)`."""
        return cls(0, 0, (AffineConstantExpr(value),))

    @classmethod
    def get_identity(cls, num_dims: int) -> AffineMap:
        """`(d0, ..., dN-1) -> (d0, ..., dN-1)`: the default memref layout."""
        return cls(num_dims, 0, tuple(dim(i) for i in range(num_dims)))

    @classmethod
    def get_multi_dim_identity(cls, num_dims: int) -> AffineMap:
        """Same as `get_identity` (upstream's name)."""
        return cls.get_identity(num_dims)

    @classmethod
    def get_minor_identity(cls, num_dims: int, num_results: int) -> AffineMap:
        """The identity on the trailing `num_results` dims."""
        if not 0 <= num_results <= num_dims:
            raise ValueError(f"minor identity needs 0 <= {num_results} <= {num_dims}")
        first = num_dims - num_results
        return cls(num_dims, 0, tuple(dim(first + i) for i in range(num_results)))

    @classmethod
    def get_multi_dim_map_with_targets(cls, num_dims: int, targets: Iterable[int]) -> AffineMap:
        """`(d0, ...) -> (d<t0>, d<t1>, ...)` for `targets` (any dims, repeats allowed)."""
        return cls(num_dims, 0, tuple(dim(t) for t in targets))

    @classmethod
    def get_permutation(cls, permutation: Sequence[int]) -> AffineMap:
        """`(d0, ...) -> (d{p[0]}, d{p[1]}, ...)`."""
        if sorted(permutation) != list(range(len(permutation))) or not permutation:
            raise ValueError(f"{list(permutation)} is not a permutation")
        return cls.get_multi_dim_map_with_targets(len(permutation), permutation)

    # -- queries --------------------------------------------------------------

    @property
    def num_inputs(self) -> int:
        """Dims plus symbols: the number of values `evaluate` takes."""
        return self.num_dims + self.num_symbols

    @property
    def num_results(self) -> int:
        """The number of result expressions."""
        return len(self.results)

    def get_result(self, index: int) -> AffineExpr:
        """Result expression `index`."""
        return self.results[index]

    def get_dim_position(self, index: int) -> int:
        """The dim number of result `index`; raises ValueError when that result is not a plain dim."""
        result = self.results[index]
        if not isinstance(result, AffineDimExpr):
            raise ValueError(f"result {index} of {self!r} is not a dim")
        return result.position

    def is_empty(self) -> bool:
        """No results."""
        return not self.results

    def is_identity(self) -> bool:
        """Results are exactly d0, d1, ... (symbols are ignored, as in MLIR)."""
        return len(self.results) == self.num_dims and all(
            type(r) is AffineDimExpr and r.position == i for i, r in enumerate(self.results)
        )

    def is_minor_identity(self) -> bool:
        """The identity on the trailing dims (`(d0, d1, d2) -> (d1, d2)`), as vector transfers use."""
        return self.num_dims >= self.num_results and self is AffineMap.get_minor_identity(
            self.num_dims, self.num_results
        )

    def is_constant(self) -> bool:
        """Every result is a constant (true for a map with no results)."""
        return all(type(r) is AffineConstantExpr for r in self.results)

    def get_constant_results(self) -> tuple[int, ...]:
        """The constant results; raises ValueError unless `is_constant`."""
        if not self.is_constant():
            raise ValueError(f"{self!r} has non-constant results")
        return tuple(r.value for r in self.results)

    def is_single_constant(self) -> bool:
        """Exactly one result, a constant."""
        return len(self.results) == 1 and type(self.results[0]) is AffineConstantExpr

    def get_single_constant(self) -> int:
        """The one constant result; raises ValueError unless `is_single_constant`."""
        if not self.is_single_constant():
            raise ValueError(f"{self!r} is not a single constant")
        return self.results[0].value

    def is_projected_permutation(self, allow_zero_in_results: bool = False) -> bool:
        """Each result is a distinct dim (or, if allowed, the constant 0)."""
        if self.num_symbols or len(self.results) > self.num_inputs:
            return False
        seen: set[int] = set()
        for result in self.results:
            if type(result) is AffineDimExpr:
                if result.position in seen:
                    return False
                seen.add(result.position)
            elif not (allow_zero_in_results and _const(result) == 0):
                return False
        return True

    def is_permutation(self) -> bool:
        """A bijection on the dims (`(d0, d1) -> (d1, d0)`); no symbols."""
        return self.num_dims == len(self.results) and self.is_projected_permutation()

    def is_function_of_dim(self, position: int) -> bool:
        """Whether any result uses `d<position>`."""
        return any(r.is_function_of_dim(position) for r in self.results)

    def is_function_of_symbol(self, position: int) -> bool:
        """Whether any result uses `s<position>`."""
        return any(r.is_function_of_symbol(position) for r in self.results)

    # -- transformations ------------------------------------------------------

    def evaluate(self, dims: Sequence[int], symbols: Sequence[int] = ()) -> tuple[int, ...]:
        """The results for concrete dim and symbol values; raises ValueError for the wrong number of values."""
        _check_values(self, dims, symbols)
        return tuple(r._eval(dims, symbols) for r in self.results)

    def compose(self, other: AffineMap) -> AffineMap:
        """`self ∘ other`, as MLIR's `AffineMap::compose`.

        The result takes other's dims, and this map's symbols followed by
        other's symbols: `self.compose(other).evaluate(x, s_self + s_other)
        == self.evaluate(other.evaluate(x, s_other), s_self)`.
        """
        if self.num_dims != other.num_results:
            raise ValueError(
                f"cannot compose {self!r} with {other!r}: {self.num_dims} dims but {other.num_results} results"
            )
        shifted = other.shift_symbols(self.num_symbols)
        return AffineMap(
            other.num_dims,
            self.num_symbols + other.num_symbols,
            tuple(r.replace_dims_and_symbols(shifted.results, ()) for r in self.results),
        )

    def replace_dims_and_symbols(
        self,
        dims: Sequence[AffineExpr],
        symbols: Sequence[AffineExpr] = (),
        num_result_dims: int | None = None,
        num_result_symbols: int | None = None,
    ) -> AffineMap:
        """Substitute into every result; counts default to this map's."""
        return AffineMap(
            self.num_dims if num_result_dims is None else num_result_dims,
            self.num_symbols if num_result_symbols is None else num_result_symbols,
            tuple(r.replace_dims_and_symbols(dims, symbols) for r in self.results),
        )

    def shift_dims(self, shift: int, offset: int = 0) -> AffineMap:
        """Add `shift` dims, renumbering those from `offset` up by `shift`."""
        return AffineMap(
            self.num_dims + shift,
            self.num_symbols,
            tuple(r.shift_dims(self.num_dims, shift, offset) for r in self.results),
        )

    def shift_symbols(self, shift: int, offset: int = 0) -> AffineMap:
        """Add `shift` symbols, renumbering those from `offset` up by `shift` (used by `compose`)."""
        return AffineMap(
            self.num_dims,
            self.num_symbols + shift,
            tuple(r.shift_symbols(self.num_symbols, shift, offset) for r in self.results),
        )

    def get_sub_map(self, result_positions: Iterable[int]) -> AffineMap:
        """The map keeping only the results at `result_positions`, in that order."""
        return AffineMap(self.num_dims, self.num_symbols, tuple(self.results[i] for i in result_positions))

    def get_major_sub_map(self, num_results: int) -> AffineMap:
        """The first `num_results` results."""
        return self.get_sub_map(range(min(num_results, self.num_results)))

    def get_minor_sub_map(self, num_results: int) -> AffineMap:
        """The last `num_results` results."""
        count = min(num_results, self.num_results)
        return self.get_sub_map(range(self.num_results - count, self.num_results))

    def drop_results(self, positions: Iterable[int]) -> AffineMap:
        """The map without the results at `positions`."""
        dropped = set(positions)
        return self.get_sub_map(i for i in range(self.num_results) if i not in dropped)

    def drop_result(self, position: int) -> AffineMap:
        """The map without result `position`."""
        return self.drop_results((position,))

    def inverse_permutation(self) -> AffineMap | None:
        """The map sending each result position back to its dim, or None.

        As MLIR's `inversePermutation`: non-dim results and repeated dims are
        skipped, and None (MLIR's null map) is returned unless every dim is
        reached.  Maps with symbols are rejected.
        """
        if self.is_empty():
            return self
        if self.num_symbols:
            raise ValueError(f"inverse_permutation of {self!r}, which has symbols")
        inverse: list[AffineExpr | None] = [None] * self.num_dims
        for index, result in enumerate(self.results):
            if type(result) is AffineDimExpr and inverse[result.position] is None:
                inverse[result.position] = dim(index)
        results = [e for e in inverse if e is not None]
        if len(results) != len(inverse):
            return None
        return AffineMap(self.num_results, 0, results)

    def simplify(self) -> AffineMap:
        """Re-simplify every result (`simplify_affine_map`); not upstream's flattening simplifyAffineMap."""
        return simplify_affine_map(self)

    def __str__(self) -> str:
        if self._text is None:
            results = ", ".join(str(r) for r in self.results)
            text = f"{_binders(self.num_dims, self.num_symbols)} -> ({results})"
            object.__setattr__(self, "_text", text)
            return text
        return self._text

    def __repr__(self) -> str:
        return f"affine_map<{self}>"


def simplify_affine_map(map: AffineMap) -> AffineMap:
    """Re-run construction-time simplification over every result.

    Not MLIR's flattening `simplifyAffineMap`: maps built through the
    operators or the parser are already in the form this produces.
    """
    return AffineMap(map.num_dims, map.num_symbols, tuple(r.simplify() for r in map.results))


class IntegerSet(_Immutable):
    """`(d0, ...)[s0, ...] : (c0 == 0, c1 >= 0, ...)`; uniqued and immutable.

    Constraint i reads `constraints[i] == 0` when `eq_flags[i]`, else
    `constraints[i] >= 0`.
    """

    __slots__ = ("num_dims", "num_symbols", "constraints", "eq_flags", "_text")
    num_dims: int
    num_symbols: int
    constraints: tuple[AffineExpr, ...]
    eq_flags: tuple[bool, ...]

    def __new__(
        cls,
        num_dims: int,
        num_symbols: int,
        constraints: Iterable[AffineExpr],
        eq_flags: Iterable[bool],
    ) -> IntegerSet:
        constraints = tuple(constraints)
        eq_flags = tuple(bool(f) for f in eq_flags)
        key = ("set", num_dims, num_symbols, constraints, eq_flags)
        found = _UNIQUED.get(key)
        if found is not None:
            return found
        if len(constraints) != len(eq_flags):
            raise ValueError(f"{len(constraints)} constraints but {len(eq_flags)} equality flags")
        _check_inputs(num_dims, num_symbols, constraints, "integer set")
        fields = dict(num_dims=num_dims, num_symbols=num_symbols, constraints=constraints, eq_flags=eq_flags)
        return _unique(cls, key, **fields, _text=None)

    def __reduce__(self):
        return (IntegerSet, (self.num_dims, self.num_symbols, self.constraints, self.eq_flags))

    @classmethod
    def get_empty(cls, num_dims: int, num_symbols: int = 0) -> IntegerSet:
        """MLIR's canonical empty set, `1 == 0`."""
        return cls(num_dims, num_symbols, (AffineConstantExpr(1),), (True,))

    def is_empty_integer_set(self) -> bool:
        """Whether this is the canonical empty set `1 == 0` (not a general emptiness test)."""
        return self is IntegerSet.get_empty(self.num_dims, self.num_symbols)

    @property
    def num_inputs(self) -> int:
        """Dims plus symbols: the number of values `contains` takes."""
        return self.num_dims + self.num_symbols

    @property
    def num_constraints(self) -> int:
        """Equalities plus inequalities."""
        return len(self.constraints)

    @property
    def num_equalities(self) -> int:
        """Constraints of the form `e == 0`."""
        return sum(self.eq_flags)

    @property
    def num_inequalities(self) -> int:
        """Constraints of the form `e >= 0`."""
        return len(self.eq_flags) - sum(self.eq_flags)

    def get_constraint(self, index: int) -> AffineExpr:
        """Constraint expression `index` (compare it with 0 as `is_eq(index)` says)."""
        return self.constraints[index]

    def is_eq(self, index: int) -> bool:
        """Whether constraint `index` is `== 0` (else `>= 0`)."""
        return self.eq_flags[index]

    def contains(self, dims: Sequence[int], symbols: Sequence[int] = ()) -> bool:
        """Whether the point (dims, symbols) satisfies every constraint."""
        _check_values(self, dims, symbols)
        for expr, is_eq in zip(self.constraints, self.eq_flags):
            value = expr._eval(dims, symbols)
            if value < 0 or (is_eq and value != 0):
                return False
        return True

    def replace_dims_and_symbols(
        self,
        dims: Sequence[AffineExpr],
        symbols: Sequence[AffineExpr] = (),
        num_result_dims: int | None = None,
        num_result_symbols: int | None = None,
    ) -> IntegerSet:
        """Substitute into every constraint; the dim and symbol counts default to this set's."""
        return IntegerSet(
            self.num_dims if num_result_dims is None else num_result_dims,
            self.num_symbols if num_result_symbols is None else num_result_symbols,
            tuple(c.replace_dims_and_symbols(dims, symbols) for c in self.constraints),
            self.eq_flags,
        )

    def __str__(self) -> str:
        if self._text is None:
            constraints = ", ".join(f"{c} {'==' if eq else '>='} 0" for c, eq in zip(self.constraints, self.eq_flags))
            text = f"{_binders(self.num_dims, self.num_symbols)} : ({constraints})"
            object.__setattr__(self, "_text", text)
            return text
        return self._text

    def __repr__(self) -> str:
        return f"affine_set<{self}>"
