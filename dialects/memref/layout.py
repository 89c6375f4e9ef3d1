"""Strided layouts of memref types: MLIR's `getStridesAndOffset` and friends.

A memref is *strided* when element `(i0, ..., in)` lives at
`offset + sum(ik * stride_k)`; the layout is either absent (identity: the
row-major strides of the shape), `strided<[...], offset: ...>`, or an affine
map with one result that is such a linear form. `DYNAMIC` stands for `?`.
"""

from __future__ import annotations

from mlir_py.ir import affine_expr as A
from mlir_py.ir.builtin_attributes import AffineMapAttr, StridedLayoutAttr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType


def sat_mul(a: int, b: int) -> int:
    """Saturated product: anything times dynamic is dynamic (MLIR's SaturatedInteger)."""
    return DYNAMIC if a == DYNAMIC or b == DYNAMIC else a * b


def sat_add(a: int, b: int) -> int:
    return DYNAMIC if a == DYNAMIC or b == DYNAMIC else a + b


def is_identity_layout(t: MemRefType) -> bool:
    lay = t.layout
    return lay is None or (isinstance(lay, AffineMapAttr) and lay.value.is_identity())


def canonical_strides(shape) -> list[int]:
    """Row-major strides; dynamic once a dynamic (or empty) size is crossed."""
    strides: list[int] = []
    acc = 1
    for d in reversed(shape):
        strides.append(acc)
        acc = DYNAMIC if d == DYNAMIC or acc == DYNAMIC or d <= 0 else acc * d
    return list(reversed(strides))


def strides_and_offset(t) -> tuple[list[int], int] | None:
    """(strides, offset) of a ranked memref type, or None when not strided."""
    if not isinstance(t, MemRefType):
        return None
    lay = t.layout
    if lay is None:
        return canonical_strides(t.shape), 0
    if isinstance(lay, StridedLayoutAttr):
        return list(lay.strides), lay.offset
    if isinstance(lay, AffineMapAttr):
        m = lay.value
        if m.is_identity():
            return canonical_strides(t.shape), 0
        if m.num_results != 1:
            return None
        lin = _linearize(m.get_result(0))
        if lin is None:
            return None
        coeffs, offset = lin
        return [coeffs.get(i, 0) for i in range(m.num_dims)], offset
    return None


def _linearize(e) -> tuple[dict[int, int], int] | None:
    """Affine expr -> ({dim: coefficient}, constant), DYNAMIC for symbolic parts."""
    k = e.kind
    if k is A.AffineExprKind.CONSTANT:
        return {}, e.value
    if k is A.AffineExprKind.DIM:
        return {e.position: 1}, 0
    if k is A.AffineExprKind.SYMBOL:
        return {}, DYNAMIC
    if k is A.ADD:
        lhs, rhs = _linearize(e.lhs), _linearize(e.rhs)
        if lhs is None or rhs is None:
            return None
        coeffs = dict(lhs[0])
        for d, c in rhs[0].items():
            coeffs[d] = sat_add(coeffs.get(d, 0), c)
        return coeffs, sat_add(lhs[1], rhs[1])
    if k is A.MUL:
        lhs, rhs = e.lhs, e.rhs
        if not rhs.is_symbolic_or_constant():
            lhs, rhs = rhs, lhs
        if not rhs.is_symbolic_or_constant():
            return None
        inner = _linearize(lhs)
        if inner is None:
            return None
        factor = rhs.value if rhs.kind is A.AffineExprKind.CONSTANT else DYNAMIC

        def scale(c: int) -> int:
            if factor != DYNAMIC:
                return sat_mul(c, factor)
            return 0 if c == 0 else DYNAMIC
        return {d: scale(c) for d, c in inner[0].items()}, scale(inner[1])
    return None


def is_strided(t) -> bool:
    return strides_and_offset(t) is not None


def strided_linear_map(strides, offset) -> A.AffineMap:
    """MLIR's makeStridedLinearLayoutMap: `offset + sum(d_i * stride_i)` with a
    new symbol for the dynamic offset and for each dynamic stride."""
    n_sym = 0
    if offset == DYNAMIC:
        expr = A.symbol(n_sym)
        n_sym += 1
    else:
        expr = A.constant(offset)
    for i, s in enumerate(strides):
        if s == DYNAMIC:
            mult = A.symbol(n_sym)
            n_sym += 1
        else:
            mult = A.constant(s)
        expr = expr + A.dim(i) * mult
    return A.AffineMap(len(strides), n_sym, [expr])


def canonicalize_strided_layout(t: MemRefType) -> MemRefType:
    """MLIR's MemRefType::canonicalizeStridedLayout: drop a layout that spells
    the identity, otherwise keep it as a simplified affine map."""
    if is_identity_layout(t):
        return t
    lay = t.layout
    if isinstance(lay, StridedLayoutAttr):
        m = strided_linear_map(lay.strides, lay.offset)
    else:
        m = lay.value
    if m.num_results > 1:
        return t
    if m.num_dims == 0 and m.num_symbols == 0:
        r = m.get_result(0)
        if r.kind is A.AffineExprKind.CONSTANT and r.value == 0:
            return MemRefType(t.shape, t.element_type, None, t.memory_space)
        return t
    if not t.shape:
        return t
    canonical = strided_linear_map(canonical_strides(t.shape), 0)
    simplified = _linear_normal_form(m.get_result(0).simplify(), m.num_dims, m.num_symbols)
    if _same_layout_expr(canonical, m, simplified):
        return MemRefType(t.shape, t.element_type, None, t.memory_space)
    return MemRefType(t.shape, t.element_type,
                      AffineMapAttr(A.AffineMap(m.num_dims, m.num_symbols, [simplified])), t.memory_space)


def _linear_normal_form(e: A.AffineExpr, num_dims: int, num_symbols: int) -> A.AffineExpr:
    """A linear expression rebuilt in the order upstream's flattening
    simplifyAffineExpr gives (dims, then symbols, then the constant), so
    `d1 * 3 + d0` and `d0 + d1 * 3` compare equal; others are left as they are."""
    def linear(x: A.AffineExpr) -> bool:
        k = x.kind
        if k is A.AffineExprKind.ADD:
            return linear(x.lhs) and linear(x.rhs)
        if k is A.AffineExprKind.MUL:
            return (x.rhs.kind is A.AffineExprKind.CONSTANT and linear(x.lhs)) or \
                (x.lhs.kind is A.AffineExprKind.CONSTANT and linear(x.rhs))
        return k in (A.AffineExprKind.DIM, A.AffineExprKind.SYMBOL, A.AffineExprKind.CONSTANT)
    if not linear(e):
        return e
    zd, zs = [0] * num_dims, [0] * num_symbols
    const = e.evaluate(zd, zs)
    out: A.AffineExpr | None = None
    for i in range(num_dims + num_symbols):
        unit = [0] * (num_dims + num_symbols)
        unit[i] = 1
        c = e.evaluate(unit[:num_dims], unit[num_dims:]) - const
        if c:
            term = (A.dim(i) if i < num_dims else A.symbol(i - num_dims)) * c
            out = term if out is None else out + term
    if out is None:
        return A.constant(const)
    return out + const if const else out


def _same_layout_expr(canonical: A.AffineMap, m: A.AffineMap, simplified) -> bool:
    # makeCanonicalStridedLayoutExpr uses symbols for strides past a dynamic size;
    # a strided<> layout with the same dynamic pattern compares equal here.
    return canonical.get_result(0).simplify() is simplified and canonical.num_symbols == m.num_symbols


def with_layout(t: MemRefType, strides, offset) -> MemRefType:
    """`t` with a strided layout (no layout when it is the identity one)."""
    return MemRefType(t.shape, t.element_type, StridedLayoutAttr(tuple(strides), offset), t.memory_space)
