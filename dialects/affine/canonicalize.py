"""Folders and canonicalization patterns of the affine dialect (upstream's AffineOps.cpp).

- affine.apply/min/max and the memory ops compose the maps of their
  affine.apply operands and canonicalize map and operands (SimplifyAffineOp);
- affine.apply folds to an operand (identity result) or a constant, affine.min
  and affine.max fold results over constant operands and to a constant when
  all are;
- a one-result affine.min/max becomes affine.apply; duplicate results go,
  and results are ordered by their coefficients;
- affine.if composes and canonicalizes its condition's operands, drops an
  empty else, and is inlined when its set is the canonical `0 == 0` or
  `1 == 0`; affine.parallel composes producer applies into its bounds;
- affine.for folds constant-operand bounds to constants, composes and
  canonicalizes its bound maps, and folds away when it runs zero times or its
  body only forwards iter_args.
"""

from __future__ import annotations

from mlir_py.dialects.affine.map_utils import (
    canonicalize_map_and_operands,
    compose_affine_map_and_operands,
    constant_index,
)

from mlir_py.ir.affine_expr import AffineConstantExpr, AffineDimExpr, AffineMap, AffineSymbolExpr, IntegerSet, constant
from mlir_py.ir.affine_flatten import flatten_affine_expr
from mlir_py.ir.builtin_attributes import AffineMapAttr, DenseArrayAttr, IntegerAttr, IntegerSetAttr
from mlir_py.ir.builtin_types import i32, index
from mlir_py.ir.operation import Operation
from mlir_py.rewrite.pattern import FunctionPattern, PatternRewriter


def _const_operands(operands) -> list[int | None]:
    return [getattr(a, "value", None) if isinstance(a, IntegerAttr) else None for a in operands]


def partial_constant_fold(amap: AffineMap, values: list[int | None]) -> tuple[AffineMap, list[int] | None]:
    """Results whose inputs are all constant become constants (AffineMap::partialConstantFold); the integer
    results when every one folded. Undefined results (division by zero) are left alone."""
    dims, syms = values[:amap.num_dims], values[amap.num_dims:]
    exprs = []
    ints: list[int] | None = []
    for e in amap.results:
        folded = None
        try:
            needed = [s for s in e.walk() if isinstance(s, (AffineDimExpr, AffineSymbolExpr))]
            if all((dims[s.position] if isinstance(s, AffineDimExpr) else syms[s.position]) is not None
                   for s in needed):
                folded = e.evaluate([d or 0 for d in dims], [s or 0 for s in syms])
        except ValueError:
            folded = None
        if folded is None:
            exprs.append(e)
            ints = None
        else:
            exprs.append(constant(folded))
            if ints is not None:
                ints.append(folded)
    return AffineMap(amap.num_dims, amap.num_symbols, exprs), ints


def fold_apply(op, operands):
    """An identity result is its operand; constant operands give a constant."""
    amap: AffineMap = op.map.value
    expr = amap.results[0]
    if isinstance(expr, AffineDimExpr):
        return op.operands[expr.position]
    if isinstance(expr, AffineSymbolExpr):
        return op.operands[amap.num_dims + expr.position]
    _, ints = partial_constant_fold(amap, _const_operands(operands))
    if ints is None:
        return None
    return IntegerAttr(ints[0], index)


def fold_min_max(op, operands, is_min: bool):
    """Fold results over constant operands in place; all constant: the min (max) of them."""
    amap: AffineMap = op.map.value
    folded, ints = partial_constant_fold(amap, _const_operands(operands))
    if folded.num_symbols == 1 and folded.num_dims == 0 and folded.num_results == 1 and \
            isinstance(folded.results[0], AffineSymbolExpr):
        return op.operands[0]
    if ints is None:
        if folded is amap:
            return None
        op.properties["map"] = AffineMapAttr(folded)
        return op.results[0]
    if not ints:
        return None
    return IntegerAttr(min(ints) if is_min else max(ints), index)


# -- SimplifyAffineOp -----------------------------------------------------------------------


def _simplified(op: Operation, amap: AffineMap, operands) -> tuple[AffineMap, list] | None:
    new_map, new_ops = compose_affine_map_and_operands(amap, list(operands))
    new_map, new_ops = canonicalize_map_and_operands(new_map, new_ops)
    if new_map is amap and len(new_ops) == len(operands) and all(a is b for a, b in zip(new_ops, operands)):
        return None
    return new_map, new_ops


def simplify_map_op(op: Operation, rw: PatternRewriter) -> bool:
    """Compose producer applies into the map and canonicalize it with its operands."""
    res = _simplified(op, op.map.value, op.operands)
    if res is None:
        return False
    new_map, new_ops = res
    rw.replace_op_with_new_op(op, type(op), new_ops, result_types=[index],
                              map=AffineMapAttr(new_map))
    return True


def simplify_access(op: Operation, rw: PatternRewriter) -> bool:
    """Compose producer applies into the subscript map of a read (memref first)."""
    res = _simplified(op, op.map.value, op.operands[1:])
    if res is None:
        return False
    new_map, new_ops = res
    with rw.modifying(op):
        op.set_operands([op.operands[0]] + new_ops)
        op.properties["map"] = AffineMapAttr(new_map)
    return True


def simplify_store(op: Operation, rw: PatternRewriter) -> bool:
    """Compose producer applies into the subscript map of a write (value and memref first)."""
    res = _simplified(op, op.map.value, op.operands[2:])
    if res is None:
        return False
    new_map, new_ops = res
    with rw.modifying(op):
        op.set_operands(op.operands[:2] + new_ops)
        op.properties["map"] = AffineMapAttr(new_map)
    return True


def single_result_min_max(op: Operation, rw: PatternRewriter) -> bool:
    """`affine.min` of one expression is an `affine.apply` of it."""
    if op.map.value.num_results != 1:
        return False
    from mlir_py.dialects.affine.apply_ops import ApplyOp
    rw.replace_op_with_new_op(op, ApplyOp, list(op.operands), result_types=[index], map=op.map)
    return True


def sort_min_max_results(op: Operation, rw: PatternRewriter) -> bool:
    """Order min/max results by their flattened coefficients, dims first (canonicalizeMapExprAndTermOrder)."""
    amap: AffineMap = op.map.value
    rows = [flatten_affine_expr(e, amap.num_dims, amap.num_symbols) for e in amap.results]
    if any(r is None for r in rows) or rows == sorted(rows):
        return False
    order = sorted(range(len(rows)), key=lambda i: rows[i])
    new_map = AffineMap(amap.num_dims, amap.num_symbols, [amap.results[i] for i in order])
    rw.replace_op_with_new_op(op, type(op), list(op.operands), result_types=[index], map=AffineMapAttr(new_map))
    return True


def dedup_min_max(op: Operation, rw: PatternRewriter) -> bool:
    """Repeated results of a min/max map go."""
    amap: AffineMap = op.map.value
    seen = []
    for e in amap.results:
        if e not in seen:
            seen.append(e)
    if len(seen) == amap.num_results:
        return False
    with rw.modifying(op):
        op.properties["map"] = AffineMapAttr(AffineMap(amap.num_dims, amap.num_symbols, seen))
    return True


# -- affine.for -------------------------------------------------------------------------------


def _remove_duplicate_exprs(amap: AffineMap) -> AffineMap:
    seen = []
    for e in amap.results:
        if e not in seen:
            seen.append(e)
    return amap if len(seen) == amap.num_results else AffineMap(amap.num_dims, amap.num_symbols, seen)


def _set_bounds(op, lb_map: AffineMap, lb_ops, ub_map: AffineMap, ub_ops) -> None:
    inits = list(op.inits)
    op.set_operands(list(lb_ops) + list(ub_ops) + inits)
    op.properties["lowerBoundMap"] = AffineMapAttr(lb_map)
    op.properties["upperBoundMap"] = AffineMapAttr(ub_map)
    op.properties["operandSegmentSizes"] = DenseArrayAttr(i32, (len(lb_ops), len(ub_ops), len(inits)))


def _fold_bound(amap: AffineMap, operands, is_lower: bool) -> AffineMap | None:
    """All operands constant: the bound as one constant (the max of a lower, the min of an upper bound)."""
    if amap.num_results == 1 and isinstance(amap.results[0], AffineConstantExpr) and not operands:
        return None
    values = [constant_index(v) for v in operands]
    if any(v is None for v in values):
        return None
    try:
        results = amap.evaluate(values[:amap.num_dims], values[amap.num_dims:])
    except ValueError:
        return None
    if not results:
        return None
    return AffineMap.get_constant(max(results) if is_lower else min(results))


def fold_for(op):
    """Constant bounds, canonical bound maps, and the zero-trip-count fold (see the module docstring)."""
    changed = False
    lb_map, lb_ops = op.lower_bound_map, list(op.lower_bound_operands)
    ub_map, ub_ops = op.upper_bound_map, list(op.upper_bound_operands)
    folded = _fold_bound(lb_map, lb_ops, True)
    if folded is not None:
        lb_map, lb_ops, changed = folded, [], True
    folded = _fold_bound(ub_map, ub_ops, False)
    if folded is not None:
        ub_map, ub_ops, changed = folded, [], True
    new_lb, new_lb_ops = compose_affine_map_and_operands(lb_map, lb_ops)
    new_lb, new_lb_ops = canonicalize_map_and_operands(new_lb, new_lb_ops)
    new_lb = _remove_duplicate_exprs(new_lb)
    new_ub, new_ub_ops = compose_affine_map_and_operands(ub_map, ub_ops)
    new_ub, new_ub_ops = canonicalize_map_and_operands(new_ub, new_ub_ops)
    new_ub = _remove_duplicate_exprs(new_ub)
    if new_lb is not lb_map:
        lb_map, lb_ops, changed = new_lb, new_lb_ops, True
    if new_ub is not ub_map:
        ub_map, ub_ops, changed = new_ub, new_ub_ops, True
    if changed:
        _set_bounds(op, lb_map, lb_ops, ub_map, ub_ops)
    if op.results and op.get_constant_trip_count() == 0:
        return list(op.inits)
    return list(op.results) if changed else None


def fold_if(op):
    """Compose producer applies into the condition and canonicalize it with its operands (in place)."""
    iset = op.condition.value
    operands = list(op.operands)
    if any(getattr(getattr(v, "op", None), "name", None) == "affine.apply" for v in operands):
        amap = AffineMap(iset.num_dims, iset.num_symbols, iset.constraints)
        amap, operands = compose_affine_map_and_operands(amap, operands)
        iset = IntegerSet(amap.num_dims, amap.num_symbols, amap.results, iset.eq_flags)
    iset, operands = canonicalize_map_and_operands(iset, operands)
    if iset is op.condition.value and len(operands) == len(op.operands) and \
            all(a is b for a, b in zip(operands, op.operands)):
        return None
    op.set_operands(operands)
    op.properties["condition"] = IntegerSetAttr(iset)
    return list(op.results)


def fold_parallel(op):
    """Compose producer applies into both bound maps (canonicalizeLoopBounds of affine.parallel), in place."""
    lb, lb_ops = op.lower_bounds_map, list(op.lower_bounds_operands)
    ub, ub_ops = op.upper_bounds_map, list(op.upper_bounds_operands)
    new_lb, new_lb_ops = compose_affine_map_and_operands(lb, lb_ops)
    new_ub, new_ub_ops = compose_affine_map_and_operands(ub, ub_ops)
    same = (new_lb is lb and new_ub is ub and len(new_lb_ops) == len(lb_ops) and len(new_ub_ops) == len(ub_ops)
            and all(a is b for a, b in zip(new_lb_ops + new_ub_ops, lb_ops + ub_ops)))
    if same:
        return None
    op.set_operands(new_lb_ops + new_ub_ops)
    op.properties["lowerBoundsMap"] = AffineMapAttr(new_lb)
    op.properties["upperBoundsMap"] = AffineMapAttr(new_ub)
    return list(op.results)


def simplify_dead_else(op: Operation, rw: PatternRewriter) -> bool:
    """An else region holding only its yield goes when the if has no results."""
    other = op.else_region
    if op.results or other.is_empty() or len(other.first_block) != 1:
        return False
    with rw.modifying(op):
        rw.erase_block(other.first_block)
    return True


def always_true_or_false_if(op: Operation, rw: PatternRewriter) -> bool:
    """`1 == 0` runs the else branch (or nothing), `0 == 0` the then branch, inlined in place."""
    iset: IntegerSet = op.condition.value
    if iset.is_empty_integer_set():
        if not op.results and op.else_region.is_empty():
            rw.erase_op(op)
            return True
        block = op.else_region.first_block
    elif iset.num_equalities == 1 and iset.num_inequalities == 0 and iset.constraints[0] is constant(0):
        block = op.then_region.first_block
    else:
        return False
    term = block.last_op
    values = list(term.operands)
    rw.inline_block_before(block, op)
    rw.replace_op(op, values)
    rw.erase_op(term)
    return True


def fold_empty_loop(op: Operation, rw: PatternRewriter) -> bool:
    """A body that only yields: the results are the inits or values from outside (AffineForEmptyLoopFolder)."""
    block = op.body.first_block
    if block is None or len(block) != 1 or not op.results:
        return False
    trip = op.get_constant_trip_count()
    if trip == 0:
        rw.replace_op(op, list(op.inits))
        return True
    yield_op = block.last_op
    iter_args = list(op.region_iter_args)
    replacements = []
    outside = out_of_order = False
    for i, v in enumerate(yield_op.operands):
        if v is op.induction_var:
            return False
        if v in iter_args:
            pos = iter_args.index(v)
            out_of_order |= pos != i
            replacements.append(op.inits[pos])
        else:
            outside = True
            replacements.append(v)
    if trip is None and (outside or out_of_order):
        return False
    if trip is not None and trip >= 2 and out_of_order:
        return False
    rw.replace_op(op, replacements)
    return True




#: the affine dialect's canonicalization patterns, by root op (the dialect registers them)
_PATTERNS_BY_OP = {
    "affine.apply": [simplify_map_op],
    "affine.min": [single_result_min_max, dedup_min_max, simplify_map_op, sort_min_max_results],
    "affine.max": [single_result_min_max, dedup_min_max, simplify_map_op, sort_min_max_results],
    "affine.load": [simplify_access],
    "affine.vector_load": [simplify_access],
    "affine.prefetch": [simplify_access],
    "affine.store": [simplify_store],
    "affine.vector_store": [simplify_store],
    "affine.for": [fold_empty_loop],
    "affine.if": [simplify_dead_else, always_true_or_false_if],
}
CANONICALIZATION_PATTERNS = [FunctionPattern(fn, name) for name, fns in _PATTERNS_BY_OP.items() for fn in fns]
