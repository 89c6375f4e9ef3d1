"""Loop utilities shared by the affine loop transforms (upstream's LoopUtils
and LoopAnalysis, the parts that tiling, unrolling and parallelization need).

Trip counts are computed symbolically: `(ub - lb) ceildiv step` over the
bounds' operands, canonicalized, so an intra-tile loop `%t to %t + 32` has
the constant trip count 32 although neither bound is a constant.
"""

from __future__ import annotations

from mlir_py.dialects.affine import ForOp, YieldOp
from mlir_py.dialects.affine.map_utils import canonicalize_map_and_operands, compose_affine_map_and_operands

from mlir_py.ir.affine_expr import AffineConstantExpr, AffineMap
from mlir_py.ir.affine_flatten import simplify_affine_map
from mlir_py.ir.builtin_attributes import AffineMapAttr, DenseArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import i32, index
from mlir_py.ir.operation import Block, Operation, Region, Value


def trip_count_map(loop: ForOp) -> tuple[AffineMap, list[Value]] | None:
    """`(ub_i - lb) ceildiv step` per upper-bound result over the bounds' operands, or None for a
    multi-result lower bound (upstream's getTripCountMapAndOperands, operands in its order)."""
    lb, ub = loop.lower_bound_map, loop.upper_bound_map
    step = loop.step_value
    if loop.has_constant_lower_bound() and loop.has_constant_upper_bound():
        span = max(0, ub.get_single_constant() - lb.get_single_constant())
        return AffineMap.get_constant(-(-span // step)), []
    if lb.num_results != 1:
        return None
    lb_ops, ub_ops = list(loop.lower_bound_operands), list(loop.upper_bound_operands)
    # AffineValueMap::difference: dims of ub then lb, symbols of ub then lb
    shifted = lb.shift_dims(ub.num_dims).shift_symbols(ub.num_symbols)
    exprs = [e - shifted.results[0] for e in ub.results]
    operands = ub_ops[:ub.num_dims] + lb_ops[:lb.num_dims] + ub_ops[ub.num_dims:] + lb_ops[lb.num_dims:]
    amap = AffineMap(ub.num_dims + lb.num_dims, ub.num_symbols + lb.num_symbols, exprs)
    amap, operands = compose_affine_map_and_operands(amap, operands)
    amap, operands = canonicalize_map_and_operands(amap, operands)
    amap = simplify_affine_map(amap)
    amap = AffineMap(amap.num_dims, amap.num_symbols, [e.ceildiv(step) for e in amap.results])
    return amap, operands


def constant_trip_count(loop: ForOp) -> int | None:
    """The number of iterations when it is a constant (the min over the upper bound's results), else None."""
    found = trip_count_map(loop)
    if found is None:
        return None
    amap, _ = found
    if not amap.results or not all(isinstance(e, AffineConstantExpr) for e in amap.results):
        return None
    return max(0, min(e.value for e in amap.results))


def largest_divisor_of_trip_count(loop: ForOp) -> int:
    """The largest integer known to divide the trip count (the count itself when constant)."""
    found = trip_count_map(loop)
    if found is None:
        return 1
    amap, _ = found
    divisor = 0
    for e in amap.results:
        d = abs(e.value) if isinstance(e, AffineConstantExpr) else e.get_largest_known_divisor()
        divisor = d if divisor == 0 else _gcd(divisor, d)
    return divisor if amap.results else 1


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def perfectly_nested_band(root: ForOp) -> list[ForOp]:
    """`root` and the loops each one's body holds alone (besides its terminator), outermost first."""
    band = [root]
    while True:
        block = band[-1].body.first_block
        ops = list(block.ops)
        if len(ops) != 2 or not isinstance(ops[0], ForOp):
            return band
        band.append(ops[0])


def build_for(lb_map: AffineMap, lb_ops, ub_map: AffineMap, ub_ops, step: int, location=None) -> ForOp:
    """A new affine.for whose body holds only the implicit affine.yield."""
    block = Block([index])
    block.append(YieldOp.create())
    props = {
        "lowerBoundMap": AffineMapAttr(lb_map),
        "operandSegmentSizes": DenseArrayAttr(i32, (len(lb_ops), len(ub_ops), 0)),
        "step": IntegerAttr(step, index),
        "upperBoundMap": AffineMapAttr(ub_map),
    }
    return ForOp.create(list(lb_ops) + list(ub_ops), [], props, None, [Region([block])], (), location)


def set_bounds(loop: ForOp, lb_map: AffineMap, lb_ops, ub_map: AffineMap, ub_ops) -> None:
    """Replace both bounds of `loop` (iter_args kept)."""
    inits = list(loop.inits)
    loop.set_operands(list(lb_ops) + list(ub_ops) + inits)
    loop.properties["lowerBoundMap"] = AffineMapAttr(lb_map)
    loop.properties["upperBoundMap"] = AffineMapAttr(ub_map)
    loop.properties["operandSegmentSizes"] = DenseArrayAttr(i32, (len(lb_ops), len(ub_ops), len(inits)))


def move_body(src: Block, dst: Block) -> None:
    """Move every op of `src` but its terminator before `dst`'s terminator."""
    anchor = dst.last_op
    for op in list(src.ops)[:-1]:
        op.detach()
        dst.insert_before(anchor, op)


def top_level_loops(func: Operation) -> list[ForOp]:
    """The affine.for ops directly in the function's body blocks."""
    out: list[ForOp] = []
    for region in func.regions:
        for block in region.blocks:
            out.extend(op for op in block.ops if isinstance(op, ForOp))
    return out
