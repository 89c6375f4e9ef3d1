"""`lower-affine`: the affine dialect to scf, arith, memref and vector
(upstream's AffineToStandard and AffineExpandIndexOps), op for op as
upstream builds it:

- affine expressions expand into `arith` ops: `+` to addi, `*` to muli
  (`overflow<nsw>`), `mod` to remsi with a sign correction (cmpi slt, addi,
  select), `floordiv` and `ceildiv` to divsi with the pre- and post-correction
  sequences that round toward -inf / +inf; constants are `arith.constant`
  ops created where they are used;
- several results of a bound or of affine.min/max reduce with a chain of
  arith.maxsi / arith.minsi;
- affine.for -> scf.for (bounds expanded before the loop, step a constant),
  affine.parallel -> scf.parallel (reductions become scf.reduce regions
  started from the reduction's identity), affine.if -> scf.if on the
  conjunction (arith.andi) of `cmpi sge/eq` of each constraint against 0,
  affine.yield -> scf.yield;
- affine.apply/min/max -> their expansion; affine.load/store/prefetch/dma ->
  memref ops, affine.vector_load/store -> vector.load/store, with the
  subscripts expanded;
- affine.delinearize_index / linearize_index -> floordivsi / remsi / muli /
  addi sequences over the suffix products of the basis.

As upstream, an op is folded before it is lowered (affine.if and affine.for
canonicalize their operands in place), and an op that cannot be lowered (a
division by a non-positive constant) stays as it is.

```
mir-opt --lower-affine f.mir
```
"""

from __future__ import annotations

from typing import Sequence

from mlir_py.dialects.affine import (
    ApplyOp,
    DelinearizeIndexOp,
    DmaStartOp,
    DmaWaitOp,
    ForOp,
    IfOp,
    LinearizeIndexOp,
    LoadOp,
    MaxOp,
    MinOp,
    ParallelOp,
    PrefetchOp,
    StoreOp,
    VectorLoadOp,
    VectorStoreOp,
)
from mlir_py.dialects.affine.apply_ops import DYNAMIC
from mlir_py.dialects.arith import (
    AddFOp,
    AddIOp,
    AndIOp,
    CmpIOp,
    ConstantOp,
    DivSIOp,
    FloorDivSIOp,
    MaximumFOp,
    MaxNumFOp,
    MaxSIOp,
    MaxUIOp,
    MinimumFOp,
    MinNumFOp,
    MinSIOp,
    MinUIOp,
    MulFOp,
    MulIOp,
    OrIOp,
    RemSIOp,
    SelectOp,
    SubIOp,
    XOrIOp,
)
from mlir_py.dialects.arith.attributes import overflow
from mlir_py.dialects.memref import DmaStartOp as MemRefDmaStartOp
from mlir_py.dialects.memref import DmaWaitOp as MemRefDmaWaitOp
from mlir_py.dialects.memref import LoadOp as MemRefLoadOp
from mlir_py.dialects.memref import PrefetchOp as MemRefPrefetchOp
from mlir_py.dialects.memref import StoreOp as MemRefStoreOp
from mlir_py.dialects.scf import ForOp as SCFForOp
from mlir_py.dialects.scf import IfOp as SCFIfOp
from mlir_py.dialects.scf import ParallelOp as SCFParallelOp
from mlir_py.dialects.scf import ReduceOp, ReduceReturnOp
from mlir_py.dialects.scf import YieldOp as SCFYieldOp
from mlir_py.dialects.vector import LoadOp as VectorLoad
from mlir_py.dialects.vector import StoreOp as VectorStore

from mlir_py.definition.traits import LoopLikeOpInterface
from mlir_py.ir.affine_expr import (
    ADD,
    CEILDIV,
    FLOORDIV,
    MOD,
    AffineBinaryOpExpr,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
    AffineSymbolExpr,
)
from mlir_py.ir.builtin_attributes import DenseArrayAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, i1, i32, index
from mlir_py.ir.operation import Block, Operation, Region, Value
from mlir_py.pass_manager import Pass, register_pass
from mlir_py.rewrite.conversion import ConversionTarget, apply_partial_conversion
from mlir_py.rewrite.pattern import PatternRewriter, pattern

_NSW = overflow("nsw")


class LoweringError(Exception):
    """An expression that cannot be expanded (division or modulo by a non-positive constant)."""


def _const(rw: PatternRewriter, value: int) -> Value:
    return rw.create(ConstantOp, IntegerAttr(value, index)).result


def expand_affine_expr(rw: PatternRewriter, expr: AffineExpr, dims: Sequence[Value],
                       syms: Sequence[Value]) -> Value:
    """Arith ops computing `expr` at the insertion point (upstream's AffineApplyExpander)."""
    if isinstance(expr, AffineDimExpr):
        return dims[expr.position]
    if isinstance(expr, AffineSymbolExpr):
        return syms[expr.position]
    if isinstance(expr, AffineConstantExpr):
        return _const(rw, expr.value)
    assert isinstance(expr, AffineBinaryOpExpr)
    kind = expr.kind
    if kind in (MOD, FLOORDIV, CEILDIV) and isinstance(expr.rhs, AffineConstantExpr) and expr.rhs.value <= 0:
        what = "modulo" if kind is MOD else "division"
        raise LoweringError(f"{what} by non-positive value is not supported")
    lhs = expand_affine_expr(rw, expr.lhs, dims, syms)
    rhs = expand_affine_expr(rw, expr.rhs, dims, syms)
    if kind is ADD:
        return rw.create(AddIOp, lhs, rhs).result
    if kind is MOD:
        rem = rw.create(RemSIOp, lhs, rhs).result
        zero = _const(rw, 0)
        negative = rw.create(CmpIOp, "slt", rem, zero).result
        corrected = rw.create(AddIOp, rem, rhs).result
        return rw.create(SelectOp, negative, corrected, rem).result
    if kind is FLOORDIV:
        zero = _const(rw, 0)
        minus_one = _const(rw, -1)
        negative = rw.create(CmpIOp, "slt", lhs, zero).result
        negated_decremented = rw.create(SubIOp, minus_one, lhs).result
        dividend = rw.create(SelectOp, negative, negated_decremented, lhs).result
        quotient = rw.create(DivSIOp, dividend, rhs).result
        corrected = rw.create(SubIOp, minus_one, quotient).result
        return rw.create(SelectOp, negative, corrected, quotient).result
    if kind is CEILDIV:
        zero = _const(rw, 0)
        one = _const(rw, 1)
        non_positive = rw.create(CmpIOp, "sle", lhs, zero).result
        negated = rw.create(SubIOp, zero, lhs).result
        decremented = rw.create(SubIOp, lhs, one).result
        dividend = rw.create(SelectOp, non_positive, negated, decremented).result
        quotient = rw.create(DivSIOp, dividend, rhs).result
        negated_quotient = rw.create(SubIOp, zero, quotient).result
        incremented = rw.create(AddIOp, quotient, one).result
        return rw.create(SelectOp, non_positive, negated_quotient, incremented).result
    return rw.create(MulIOp, lhs, rhs, overflowFlags=_NSW).result


def expand_affine_map(rw: PatternRewriter, amap: AffineMap, operands: Sequence[Value]) -> list[Value]:
    """One value per result of `amap` applied to `operands` (dims first)."""
    dims, syms = operands[:amap.num_dims], operands[amap.num_dims:]
    return [expand_affine_expr(rw, e, dims, syms) for e in amap.results]


def _reduce_chain(rw: PatternRewriter, cls: type, values: list[Value]) -> Value:
    acc = values[0]
    for v in values[1:]:
        acc = rw.create(cls, acc, v).result
    return acc


def lower_map_max(rw: PatternRewriter, amap: AffineMap, operands: Sequence[Value]) -> Value:
    """The max of the results (a lower bound)."""
    return _reduce_chain(rw, MaxSIOp, expand_affine_map(rw, amap, operands))


def lower_map_min(rw: PatternRewriter, amap: AffineMap, operands: Sequence[Value]) -> Value:
    """The min of the results (an upper bound)."""
    return _reduce_chain(rw, MinSIOp, expand_affine_map(rw, amap, operands))


def _replace_terminator(rw: PatternRewriter, block: Block, make) -> None:
    term = block.last_op
    assert term is not None and term.name == "affine.yield"
    rw.set_insertion_point(term)
    rw.replace_op(term, make(list(term.operands)))


def _fail(op: Operation, rw: PatternRewriter, err: LoweringError) -> bool:
    """As upstream, an op whose expressions cannot be expanded is left in place (a partial conversion)."""
    return False


@pattern(ForOp)
def lower_for(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, ForOp)
    try:
        lb = lower_map_max(rw, op.lower_bound_map, op.lower_bound_operands)
        ub = lower_map_min(rw, op.upper_bound_map, op.upper_bound_operands)
    except LoweringError as e:
        return _fail(op, rw, e)
    step = _const(rw, op.step_value)
    inits = list(op.inits)
    new = SCFForOp.create([lb, ub, step] + inits, [v.type for v in inits], {}, None, [Region()], (), op.location)
    rw.insert(new)
    rw.inline_region_before(op.body, new.regions[0])
    body = new.regions[0].first_block
    _replace_terminator(rw, body, lambda vals: rw.create(SCFYieldOp, vals))
    rw.replace_op(op, list(new.results))
    return True


@pattern(IfOp)
def lower_if(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, IfOp)
    iset = op.integer_set
    zero = _const(rw, 0)
    operands = list(op.operands)
    cond = None
    try:
        for expr, is_eq in zip(iset.constraints, iset.eq_flags):
            value = expand_affine_expr(rw, expr, operands[:iset.num_dims], operands[iset.num_dims:])
            cmp = rw.create(CmpIOp, "eq" if is_eq else "sge", value, zero).result
            cond = cmp if cond is None else rw.create(AndIOp, cond, cmp).result
    except LoweringError as e:
        return _fail(op, rw, e)
    if cond is None:
        cond = rw.create(ConstantOp, IntegerAttr(1, i1)).result
    has_else = not op.else_region.is_empty()
    new = SCFIfOp.create([cond], [r.type for r in op.results], {}, None, [Region(), Region()], (), op.location)
    rw.insert(new)
    rw.inline_region_before(op.then_region, new.regions[0])
    _replace_terminator(rw, new.regions[0].first_block, lambda vals: rw.create(SCFYieldOp, vals))
    if has_else:
        rw.inline_region_before(op.else_region, new.regions[1])
        _replace_terminator(rw, new.regions[1].first_block, lambda vals: rw.create(SCFYieldOp, vals))
    rw.replace_op(op, list(new.results))
    return True


_FLOAT_SPECIAL = {
    # identity of each float reduction, as an f32/f64 bit pattern builder
    "addf": 0.0, "mulf": 1.0, "maximumf": float("-inf"), "minimumf": float("inf"),
    "maxnumf": "-nan", "minnumf": "nan",
}
#: the positive quiet NaN of the IEEE kinds (maxnumf/minnumf start from NaN, which every number beats)
_QUIET_NAN = {"f16": 0x7E00, "bf16": 0x7FC0, "f32": 0x7FC00000, "f64": 0x7FF8000000000000}
_REDUCTION_OPS = {
    "addf": AddFOp, "mulf": MulFOp, "maximumf": MaximumFOp, "minimumf": MinimumFOp, "maxnumf": MaxNumFOp,
    "minnumf": MinNumFOp, "addi": AddIOp, "muli": MulIOp, "maxs": MaxSIOp, "maxu": MaxUIOp, "mins": MinSIOp,
    "minu": MinUIOp, "ori": OrIOp, "andi": AndIOp, "xori": XOrIOp,
}


def _identity(rw: PatternRewriter, kind: str, t) -> Value:
    """The value a reduction starts from (upstream's arith::getIdentityValue)."""
    if isinstance(t, FloatType):
        ident = _FLOAT_SPECIAL[kind]
        if isinstance(ident, str):
            if t.kind not in _QUIET_NAN:
                raise LoweringError(f"no NaN identity known for '{t}'")
            bits = _QUIET_NAN[t.kind]
            if ident.startswith("-"):
                bits |= 1 << (t.width - 1)
            attr = FloatAttr.from_bits(bits, t)
        else:
            attr = FloatAttr(ident, t)
        return rw.create(ConstantOp, attr).result
    assert isinstance(t, IntegerType)
    w = t.width
    value = {"addi": 0, "muli": 1, "ori": 0, "xori": 0, "andi": -1, "maxu": 0, "minu": -1,
             "maxs": -(1 << (w - 1)), "mins": (1 << (w - 1)) - 1}[kind]
    return rw.create(ConstantOp, IntegerAttr(value, t)).result


@pattern(ParallelOp)
def lower_parallel(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, ParallelOp)
    lower, upper = [], []
    lb_map, ub_map = op.lower_bounds_map, op.upper_bounds_map
    lb_start = ub_start = 0
    try:
        for lg, ug in zip(op.lower_groups, op.upper_groups):
            sub = lb_map.get_sub_map(range(lb_start, lb_start + lg))
            lower.append(lower_map_max(rw, sub, op.lower_bounds_operands))
            sub = ub_map.get_sub_map(range(ub_start, ub_start + ug))
            upper.append(lower_map_min(rw, sub, op.upper_bounds_operands))
            lb_start += lg
            ub_start += ug
    except LoweringError as e:
        return _fail(op, rw, e)
    steps = [_const(rw, s) for s in op.step_values]
    kinds = op.reduction_kinds
    try:
        inits = [_identity(rw, k, r.type) for k, r in zip(kinds, op.results)]
    except LoweringError as e:
        return _fail(op, rw, e)
    props = {"operandSegmentSizes": DenseArrayAttr(i32, (len(lower), len(upper), len(steps), len(inits)))}
    new = SCFParallelOp.create(lower + upper + steps + inits, [r.type for r in op.results], props, None,
                               [Region()], (), op.location)
    rw.insert(new)
    rw.inline_region_before(op.body, new.regions[0])
    body = new.regions[0].first_block
    term = body.last_op
    assert term is not None
    values = list(term.operands)
    rw.set_insertion_point(term)
    reduce = rw.create(ReduceOp.create(values, [], {}, None,
                                       [Region([Block([v.type, v.type])]) for v in values], (), term.location))
    rw.erase_op(term)
    for kind, region in zip(kinds, reduce.regions):
        block = region.first_block
        rw.set_insertion_point_to_end(block)
        combined = rw.create(_REDUCTION_OPS[kind], block.args[0], block.args[1]).result
        rw.create(ReduceReturnOp, combined)
    rw.replace_op(op, list(new.results))
    return True


def _expanded_indices(rw: PatternRewriter, op: Operation, amap: AffineMap, operands) -> list[Value] | None:
    try:
        return expand_affine_map(rw, amap, list(operands))
    except LoweringError as e:
        _fail(op, rw, e)
        return None


@pattern(ApplyOp)
def lower_apply(op: Operation, rw: PatternRewriter) -> bool:
    values = _expanded_indices(rw, op, op.map.value, op.operands)
    if values is None:
        return False
    rw.replace_op(op, values)
    return True


@pattern(MinOp)
def lower_min(op: Operation, rw: PatternRewriter) -> bool:
    values = _expanded_indices(rw, op, op.map.value, op.operands)
    if values is None:
        return False
    rw.replace_op(op, [_reduce_chain(rw, MinSIOp, values)])
    return True


@pattern(MaxOp)
def lower_max(op: Operation, rw: PatternRewriter) -> bool:
    values = _expanded_indices(rw, op, op.map.value, op.operands)
    if values is None:
        return False
    rw.replace_op(op, [_reduce_chain(rw, MaxSIOp, values)])
    return True


@pattern(LoadOp)
def lower_load(op: Operation, rw: PatternRewriter) -> bool:
    idx = _expanded_indices(rw, op, op.map.value, op.indices)
    if idx is None:
        return False
    rw.replace_op_with_new_op(op, MemRefLoadOp, op.memref, idx)
    return True


@pattern(StoreOp)
def lower_store(op: Operation, rw: PatternRewriter) -> bool:
    idx = _expanded_indices(rw, op, op.map.value, op.indices)
    if idx is None:
        return False
    rw.replace_op_with_new_op(op, MemRefStoreOp, op.value, op.memref, idx)
    return True


@pattern(VectorLoadOp)
def lower_vector_load(op: Operation, rw: PatternRewriter) -> bool:
    idx = _expanded_indices(rw, op, op.map.value, op.indices)
    if idx is None:
        return False
    rw.replace_op_with_new_op(op, VectorLoad, op.memref, idx, result_types=[op.result_.type])
    return True


@pattern(VectorStoreOp)
def lower_vector_store(op: Operation, rw: PatternRewriter) -> bool:
    idx = _expanded_indices(rw, op, op.map.value, op.indices)
    if idx is None:
        return False
    rw.replace_op_with_new_op(op, VectorStore, op.value, op.memref, idx)
    return True


@pattern(PrefetchOp)
def lower_prefetch(op: Operation, rw: PatternRewriter) -> bool:
    idx = _expanded_indices(rw, op, op.map.value, op.indices)
    if idx is None:
        return False
    rw.replace_op_with_new_op(op, MemRefPrefetchOp, op.memref, idx, isWrite=op.isWrite,
                              localityHint=op.localityHint, isDataCache=op.isDataCache)
    return True


@pattern(DmaStartOp)
def lower_dma_start(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, DmaStartOp)
    src = _expanded_indices(rw, op, op.src_map.value, op.src_indices)
    dst = _expanded_indices(rw, op, op.dst_map.value, op.dst_indices)
    tag = _expanded_indices(rw, op, op.tag_map.value, op.tag_indices)
    if src is None or dst is None or tag is None:
        return False
    rest = list(op.operands[op._positions()[2]:])
    operands = [op.src_memref] + src + [op.dst_memref] + dst + [rest[0], op.tag_memref] + tag + rest[1:]
    rw.replace_op(op, rw.create(MemRefDmaStartOp.create(operands, [], {}, None, (), (), op.location)))
    return True


@pattern(DmaWaitOp)
def lower_dma_wait(op: Operation, rw: PatternRewriter) -> bool:
    tag = _expanded_indices(rw, op, op.tag_map.value, op.tag_indices)
    if tag is None:
        return False
    operands = [op.tag_memref] + tag + [op.num_elements]
    rw.replace_op(op, rw.create(MemRefDmaWaitOp.create(operands, [], {}, None, (), (), op.location)))
    return True


def _compute_strides(rw: PatternRewriter, dynamic: Sequence[Value], static: Sequence[int],
                     non_negative: bool) -> list[Value]:
    """Suffix products of the basis, innermost last (AffineExpandIndexOps' computeStrides)."""
    flags = overflow("nsw", "nuw") if non_negative else _NSW
    result: list[Value] = []
    dyn_index = len(dynamic)
    dyn_part: Value | None = None
    static_part = 1
    for elem in reversed(static):
        if elem == DYNAMIC:
            v = dynamic[dyn_index - 1]
            dyn_part = v if dyn_part is None else rw.create(MulIOp, dyn_part, v, overflowFlags=flags).result
            dyn_index -= 1
        else:
            static_part *= elem
        if dyn_part is not None and static_part == 1:
            result.append(dyn_part)
        else:
            stride = _const(rw, static_part)
            if dyn_part is not None:
                stride = rw.create(MulIOp, dyn_part, stride, overflowFlags=flags).result
            result.append(stride)
    return result[::-1]


@pattern(DelinearizeIndexOp)
def lower_delinearize(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, DelinearizeIndexOp)
    linear = op.linear_index
    n = len(op.results)
    static = list(op.static_basis.values)
    if n == len(static):
        static = static[1:]
    if n == 1:
        rw.replace_op(op, [linear])
        return True
    strides = _compute_strides(rw, op.dynamic_basis, static, True)
    zero = _const(rw, 0)
    results = [rw.create(FloorDivSIOp, linear, strides[0]).result]

    def mod_term(stride: Value) -> Value:
        rem = rw.create(RemSIOp, linear, stride).result
        negative = rw.create(CmpIOp, "slt", rem, zero).result
        corrected = rw.create(AddIOp, rem, stride, overflowFlags=_NSW).result
        return rw.create(SelectOp, negative, corrected, rem).result

    for this, nxt in zip(strides, strides[1:]):
        results.append(rw.create(DivSIOp, mod_term(this), nxt).result)
    results.append(mod_term(strides[-1]))
    rw.replace_op(op, results)
    return True


def _invariant_loop_depth(op: Operation, value: Value) -> int:
    """How many enclosing loops `value` is invariant in (numEnclosingInvariantLoops)."""
    count = 0
    cur = op
    loop = cur.parent_op
    while loop is not None:
        if LoopLikeOpInterface in loop.traits:
            if not LoopLikeOpInterface.is_defined_outside_of_loop(loop, value):
                break
            count += 1
        cur = loop
        loop = cur.parent_op
    return count


@pattern(LinearizeIndexOp)
def lower_linearize(op: Operation, rw: PatternRewriter) -> bool:
    assert isinstance(op, LinearizeIndexOp)
    multi = list(op.multi_index)
    if not multi:
        rw.replace_op(op, [_const(rw, 0)])
        return True
    static = list(op.static_basis.values)
    if len(multi) == len(static):
        static = static[1:]
    strides = _compute_strides(rw, op.dynamic_basis, static, op.is_disjoint)
    scaled = []
    for stride, idx in zip(strides, multi[:-1]):
        scaled.append((rw.create(MulIOp, idx, stride, overflowFlags=_NSW).result, _invariant_loop_depth(op, idx)))
    scaled.append((multi[-1], _invariant_loop_depth(op, multi[-1])))
    scaled.sort(key=lambda p: -p[1])
    result = scaled[0][0]
    for v, _ in scaled[1:]:
        result = rw.create(AddIOp, result, v, overflowFlags=_NSW).result
    rw.replace_op(op, [result])
    return True


PATTERNS = [lower_for, lower_if, lower_parallel, lower_apply, lower_min, lower_max, lower_load, lower_store,
            lower_vector_load, lower_vector_store, lower_prefetch, lower_dma_start, lower_dma_wait,
            lower_delinearize, lower_linearize]


@register_pass
class LowerAffine(Pass):
    """Lower the affine dialect to scf, arith, memref and vector (see the module docstring)."""

    name = "lower-affine"
    summary = "Lower Affine operations to a combination of Arith and SCF operations"
    display_name = "LowerAffinePass"

    def run_on_operation(self, op: Operation) -> None:
        # as upstream: the target dialects are legal and every other op is "unknown", converted when a
        # pattern applies and otherwise left as it is
        target = ConversionTarget()
        target.add_legal_dialect("arith", "memref", "scf", "vector")
        if not apply_partial_conversion(op, target, PATTERNS):
            self.signal_failure()


__all__ = ["PATTERNS", "LowerAffine", "expand_affine_expr", "expand_affine_map", "lower_map_max", "lower_map_min"]
