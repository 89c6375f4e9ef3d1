"""Maps together with their SSA operands: composing producer affine.apply ops
into a map and canonicalizing the operand list (upstream's
composeAffineMapAndOperands and canonicalizeMapAndOperands).

These keep the meaning of `map(operands)` while moving toward one form:
operands that are symbols in symbol positions, no duplicate or unused
operands, constants folded into the expressions, and expressions simplified
by the flattening simplifier; so equal index computations become equal
maps that CSE and the folders can recognise.
"""

from __future__ import annotations

from typing import TypeVar

from mlir_py.dialects.affine.validity import is_valid_dim, is_valid_symbol

from mlir_py.ir.affine_expr import (
    AffineDimExpr,
    AffineExpr,
    AffineMap,
    AffineSymbolExpr,
    IntegerSet,
    constant,
    dim,
    symbol,
)
from mlir_py.ir.affine_flatten import simplify_affine_map
from mlir_py.ir.builtin_attributes import IntegerAttr
from mlir_py.ir.operation import Value
from mlir_py.rewrite.folding import constant_value

_M = TypeVar("_M", AffineMap, IntegerSet)


def _exprs(m: AffineMap | IntegerSet) -> tuple[AffineExpr, ...]:
    return m.results if isinstance(m, AffineMap) else m.constraints


def _replace(m: _M, dims, syms, num_dims: int, num_syms: int) -> _M:
    return m.replace_dims_and_symbols(dims, syms, num_dims, num_syms)


def constant_index(v: Value) -> int | None:
    """The value of an integer constant operand, else None."""
    a = constant_value(v)
    return a.value if isinstance(a, IntegerAttr) and isinstance(a.value, int) else None


def _promote_symbols(m: _M, operands: list[Value]) -> tuple[_M, list[Value]]:
    """Dims whose operand is a valid symbol become symbols (canonicalizePromotedSymbols)."""
    nd, ns = m.num_dims, m.num_symbols
    result: list[Value] = []
    promoted: list[Value] = []
    dims: list[AffineExpr] = []
    for i in range(nd):
        v = operands[i]
        if is_valid_symbol(v):
            dims.append(symbol(ns + len(promoted)))
            promoted.append(v)
        else:
            dims.append(dim(len(result)))
            result.append(v)
    n_dims = len(result)
    result += operands[nd:] + promoted
    return _replace(m, dims, [], n_dims, ns + len(promoted)), result


def _demote_dims(m: _M, operands: list[Value]) -> tuple[_M, list[Value]]:
    """Symbols whose operand is only a valid dim become dims (legalizeDemotedDims)."""
    nd = m.num_dims
    demoted: list[Value] = []
    sym_ops: list[Value] = []
    syms: list[AffineExpr] = []
    for v in operands[nd:]:
        if is_valid_dim(v) and not is_valid_symbol(v):
            syms.append(dim(nd + len(demoted)))
            demoted.append(v)
        else:
            syms.append(symbol(len(sym_ops)))
            sym_ops.append(v)
    return _replace(m, [], syms, nd + len(demoted), len(sym_ops)), operands[:nd] + demoted + sym_ops


def canonicalize_map_and_operands(m: _M, operands: list[Value]) -> tuple[_M, list[Value]]:
    """Promote symbols, demote dims, drop unused and duplicate operands, fold constant symbols."""
    if not operands:
        return m, operands
    m, operands = _promote_symbols(m, list(operands))
    m, operands = _demote_dims(m, operands)
    used_dims: set[int] = set()
    used_syms: set[int] = set()
    for e in _exprs(m):
        for sub in e.walk():
            if isinstance(sub, AffineDimExpr):
                used_dims.add(sub.position)
            elif isinstance(sub, AffineSymbolExpr):
                used_syms.add(sub.position)
    nd = m.num_dims
    result: list[Value] = []
    dim_map: list[AffineExpr] = [dim(0)] * nd
    seen: dict[Value, AffineExpr] = {}
    for i in range(nd):
        if i not in used_dims:
            continue
        v = operands[i]
        if v not in seen:
            seen[v] = dim(len(result))
            result.append(v)
        dim_map[i] = seen[v]
    num_dims = len(result)
    sym_map: list[AffineExpr] = [symbol(0)] * m.num_symbols
    seen = {}
    for i in range(m.num_symbols):
        if i not in used_syms:
            continue
        v = operands[nd + i]
        c = constant_index(v)
        if c is not None:
            sym_map[i] = constant(c)
            continue
        if v not in seen:
            seen[v] = symbol(len(result) - num_dims)
            result.append(v)
        sym_map[i] = seen[v]
    return _replace(m, dim_map, sym_map, num_dims, len(result) - num_dims), result


def _replace_by_apply(m: AffineMap, pos: int, dims: list, syms: list) -> AffineMap | None:
    """Substitute the affine.apply defining dims/syms entry `pos` into `m` (replaceDimOrSym)."""
    is_dim = pos < len(dims)
    lst, i = (dims, pos) if is_dim else (syms, pos - len(dims))
    v = lst[i]
    op = getattr(v, "op", None) if v is not None else None
    if op is None or op.name != "affine.apply":
        return None
    lst[i] = None
    cmap, cops = canonicalize_map_and_operands(op.map.value, list(op.operands))
    repl = cmap.shift_dims(len(dims)).shift_symbols(len(syms)).results[0]
    dims.extend(cops[:cmap.num_dims])
    syms.extend(cops[cmap.num_dims:])
    target = dim(i) if is_dim else symbol(i)
    return AffineMap(len(dims), len(syms), tuple(e.replace({target: repl}) for e in m.results))


def compose_affine_map_and_operands(m: AffineMap, operands: list[Value]) -> tuple[AffineMap, list[Value]]:
    """Fold the maps of affine.apply producers of the operands into `m`, then canonicalize and simplify."""
    if not m.results:
        m, operands = canonicalize_map_and_operands(m, operands)
        return simplify_affine_map(m), operands
    dims: list = list(operands[:m.num_dims])
    syms: list = list(operands[m.num_dims:])
    changed = True
    while changed:
        changed = False
        for pos in range(len(dims) + len(syms)):
            new = _replace_by_apply(m, pos, dims, syms)
            if new is not None:
                m = new
                changed = True
                break
    result: list[Value] = []
    nd = 0
    dim_repl: list[AffineExpr] = []
    for v in dims:
        if v is None:
            dim_repl.append(constant(0))
        else:
            dim_repl.append(dim(nd))
            nd += 1
            result.append(v)
    sym_repl: list[AffineExpr] = []
    ns = 0
    for v in syms:
        if v is None:
            sym_repl.append(constant(0))
        else:
            sym_repl.append(symbol(ns))
            ns += 1
            result.append(v)
    m = m.replace_dims_and_symbols(dim_repl, sym_repl, nd, ns)
    m, result = canonicalize_map_and_operands(m, result)
    return simplify_affine_map(m), result
