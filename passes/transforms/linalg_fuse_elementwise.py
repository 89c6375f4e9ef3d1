"""`linalg-fuse-elementwise-ops`: producer-consumer fusion of elementwise
linalg ops on tensors, as upstream's ElementwiseOpFusion.cpp.

A consumer `linalg.generic` whose input is produced by an all-parallel
generic is replaced by one generic computing both: the producer's inputs
join the consumer's (their maps composed through the inverse of the
producer's result map and the consumer's map of that operand), and the
producer's body is inlined in front of the consumer's, its yielded value
taking the place of the consumer's block argument. A chain
`max(x * 2 + b, 0)` written as two generics becomes one loop nest; an
elementwise producer also fuses into a reduction consumer when every loop
stays bounded by some operand.

What fuses (upstream's areElementwiseOpsFusable and the default control
function of the pass):
- the producer is all-parallel with pure tensor semantics, its result map a
  permutation; the fused operand is a consumer input whose map has one
  result per producer loop;
- the producer has exactly one use, so nothing is computed twice: a
  producer with several users stays as it is;
- a `linalg.fill` input becomes its scalar in the consumer's body, a splat
  (or scalar) constant input becomes a scalar `arith.constant`;
- an init that the body never reads becomes a `tensor.empty` (the consumer
  no longer depends on the producer of its destination);
- named elementwise ops (linalg.add, linalg.exp, linalg.map,
  linalg.broadcast, linalg.transpose, ...) take part too: when one of them
  would fuse with a neighbour it is first rewritten as its generic form
  (upstream fuses generics only, so there `linalg-generalize-named-ops`
  runs first);
- the clean-ups upstream runs with it: duplicate or unused inputs and dead
  results of generics are dropped (DeduplicateAndRemoveDeadOperandsAndResults,
  RemoveUnusedCycleInGenericOp), generic and affine.apply canonicalization,
  and folding.

- a generic that only transposes a dense constant (single use) becomes the
  transposed constant (upstream's populateConstantFoldLinalgOperations).

Not done: upstream's reshape propagation (fusion through
tensor.expand_shape / collapse_shape by expanding the iteration space).
"""

from __future__ import annotations

from typing import Any, Callable, cast

import numpy as np
from mlir_py.dialects import arith
from mlir_py.dialects.affine import ApplyOp
from mlir_py.dialects.affine.canonicalize import CANONICALIZATION_PATTERNS as _AFFINE_PATTERNS
from mlir_py.dialects.linalg import FillOp, GenericOp, IndexOp, YieldOp
from mlir_py.dialects.linalg.interface import is_structured_op
from mlir_py.dialects.tensor import DimOp as TensorDimOp
from mlir_py.dialects.tensor import EmptyOp

from mlir_py.definition.traits import ConstantLike
from mlir_py.ir.affine_expr import AffineDimExpr, AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, DenseElementsAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, RankedTensorType, TensorType, index
from mlir_py.ir.operation import Block, Operation, OpOperand, OpResult, Value
from mlir_py.pass_manager import Pass, Statistic, register_pass
from mlir_py.rewrite import PatternRewriter, RewritePattern, apply_patterns_greedily

#: decides whether the producer of an operand may be fused into its consumer
ControlFn = Callable[[OpOperand], bool]


def default_control(operand: OpOperand) -> bool:
    """Upstream's default: fuse only a producer with a single use, so no work is duplicated."""
    d = getattr(operand.value, "op", None)
    return d is not None and len(list(operand.value.uses)) == 1 and all(
        r is operand.value or not r.has_uses() for r in d.results)


# -- affine map helpers ---------------------------------------------------------------------------------------


def concat_maps(maps: list[AffineMap]) -> AffineMap | None:
    """All results of maps over the same dims in one map (concatAffineMaps)."""
    if not maps:
        return None
    return AffineMap(maps[0].num_dims, maps[0].num_symbols, tuple(e for m in maps for e in m.results))


def shapes_to_loops_invertible(maps: list[AffineMap], num_loops: int) -> bool:
    """Whether every loop is given its extent by some operand dimension (inversePermutation of the
    concatenated maps exists)."""
    if not maps:
        return num_loops == 0
    seen = {e.position for m in maps for e in m.results if isinstance(e, AffineDimExpr)}
    return len(seen) == num_loops


def _producer_operand_map_in_fused(arg_map: AffineMap, producer_result_map: AffineMap,
                                   consumer_map: AffineMap) -> AffineMap:
    """consumer loops -> producer operand indices: argMap o inverse(producer result map) o consumer map."""
    inv = producer_result_map.inverse_permutation()
    assert inv is not None, "the producer's result map is a permutation"
    return arg_map.compose(inv).compose(consumer_map)


# -- fusability -----------------------------------------------------------------------------------------------


def _operand_index(op: Operation, operand: OpOperand) -> int:
    return op._operands.index(operand)


def are_elementwise_ops_fusable(operand: OpOperand) -> bool:
    """upstream's areElementwiseOpsFusable for `operand` of a generic consumer."""
    consumer: Any = operand.owner
    producer: Any = getattr(operand.value, "op", None)
    if not isinstance(producer, GenericOp) or not isinstance(consumer, GenericOp):
        return False
    if not producer.has_pure_tensor_semantics() or not isinstance(operand.value.type, RankedTensorType):
        return False
    if producer.get_num_parallel_loops() != producer.get_num_loops():
        return False
    if operand not in consumer.get_dps_input_operands():
        return False
    consumer_map = consumer.get_matching_indexing_map(operand)
    if consumer_map.num_results != producer.get_num_loops():
        return False
    result = operand.value
    assert isinstance(result, OpResult)
    producer_result_map = producer.get_matching_indexing_map(producer.get_tied_init(result))
    if not producer_result_map.is_permutation():
        return False
    if consumer.get_num_reduction_loops():
        covered = [False] * consumer.get_num_loops()

        def cover(m: AffineMap) -> None:
            for e in m.results:
                if isinstance(e, AffineDimExpr):
                    covered[e.position] = True

        for o, m in zip(consumer.get_structured_operands(), consumer.get_indexing_maps()):
            if o.value is not operand.value:
                cover(m)
        for o in producer.get_dps_input_operands():
            cover(_producer_operand_map_in_fused(producer.get_matching_indexing_map(o), producer_result_map,
                                                 consumer_map))
        if not all(covered):
            return False
    return True


def _can_drop(producer: Any, consumer: Any, ignore: list[OpOperand]) -> bool:
    maps = []
    for op in (producer, consumer):
        for o, m in zip(op.get_structured_operands(), op.get_indexing_maps()):
            if o not in ignore:
                maps.append(m)
    if not maps:
        return producer.get_num_loops() == 0 and consumer.get_num_loops() == 0
    return shapes_to_loops_invertible(maps, maps[0].num_dims) if len({m.num_dims for m in maps}) == 1 else False


def preserved_producer_results(producer: Any, consumer: Any, fused: OpOperand) -> set[int]:
    """The producer results the fused op must still compute (used elsewhere, or needed to bound a loop)."""
    keep: set[int] = set()
    ignore = [fused]
    for i, r in enumerate(producer.results):
        init = producer.get_dps_init_operands()[i]
        ignore.append(init)
        if (producer.payload_uses_value_from_operand(init) or not _can_drop(producer, consumer, ignore)
                or any(u.owner is not consumer for u in r.uses)):
            keep.add(i)
            ignore.pop()
    return keep


# -- the fusion -----------------------------------------------------------------------------------------------


def fuse_elementwise_ops(rw: PatternRewriter, fused: OpOperand) -> dict[Value, Value] | None:
    """Build the fused generic before the consumer; the replacements of the producer's and consumer's
    results, or None (nothing built) when the fused op could not bound its loops."""
    producer: Any = fused.value.op  # type: ignore[attr-defined]
    consumer: Any = fused.owner
    result = fused.value
    assert isinstance(result, OpResult)
    keep = preserved_producer_results(producer, consumer, fused)
    consumer_inputs = consumer.get_dps_input_operands()
    k = consumer_inputs.index(fused)
    consumer_map = consumer.get_matching_indexing_map(fused)
    producer_result_map = producer.get_matching_indexing_map(producer.get_tied_init(result))
    inputs: list[Value] = []
    outputs: list[Value] = []
    maps: list[AffineMap] = []
    result_types: list[Any] = []
    for o in consumer_inputs[:k]:
        inputs.append(o.value)
        maps.append(consumer.get_matching_indexing_map(o))
    for o in producer.get_dps_input_operands():
        inputs.append(o.value)
        maps.append(_producer_operand_map_in_fused(producer.get_matching_indexing_map(o), producer_result_map,
                                                   consumer_map))
    for o in consumer_inputs[k + 1:]:
        inputs.append(o.value)
        maps.append(consumer.get_matching_indexing_map(o))
    for i, o in enumerate(producer.get_dps_init_operands()):
        if i not in keep:
            continue
        outputs.append(o.value)
        maps.append(_producer_operand_map_in_fused(producer.get_matching_indexing_map(o), producer_result_map,
                                                   consumer_map))
        result_types.append(o.value.type)
    for o in consumer.get_dps_init_operands():
        outputs.append(o.value)
        maps.append(consumer.get_matching_indexing_map(o))
        if isinstance(o.value.type, TensorType):
            result_types.append(o.value.type)
    if not shapes_to_loops_invertible(maps, consumer.get_num_loops()):
        return None
    fused_op: Any = rw.create(GenericOp.build(inputs, outputs, maps, consumer.get_iterator_types(),
                                              result_types=result_types, location=consumer.location))
    inv = producer_result_map.inverse_permutation()
    assert inv is not None
    consumer_to_producer = inv.compose(consumer_map)
    _fused_region(rw, fused_op, producer, consumer, fused, k, keep, consumer_to_producer)
    repl: dict[Value, Value] = {}
    n = 0
    for i, r in enumerate(producer.results):
        if i in keep:
            repl[r] = fused_op.results[n]
            n += 1
    for r in consumer.results:
        repl[r] = fused_op.results[n]
        n += 1
    return repl


def _fused_region(rw: PatternRewriter, fused_op: Any, producer: Any, consumer: Any, fused: OpOperand, k: int,
                  keep: set[int], consumer_to_producer: AffineMap) -> None:
    """The fused body: index ops for the producer's linalg.index, the producer's payload, then the consumer's
    with the fused block argument replaced by the producer's yielded value (upstream's
    generateFusedElementwiseOpRegion)."""
    pblock: Block = producer.body
    cblock: Block = consumer.body
    fblock: Block = fused_op.body
    fargs = list(fblock.args)
    mapper: dict = {}
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(fblock)
        if any(isinstance(o, IndexOp) for o in pblock.ops):
            ivs = [rw.create(IndexOp, dim=IntegerAttr(d, _i64()), location=producer.location).result
                   for d in range(fused_op.get_num_loops())]
            for o in pblock.ops:
                if isinstance(o, IndexOp):
                    sub = consumer_to_producer.get_sub_map([o.dim.value])
                    mapper[o.result] = rw.create(ApplyOp, ivs, map=AffineMapAttr(sub), result_types=[index],
                                                 location=producer.location).result
        n_cin = consumer.get_num_dps_inputs()
        n_pin = producer.get_num_dps_inputs()
        it = iter(fargs)
        for a in list(cblock.args)[:k]:
            mapper[a] = next(it)
        for a in list(pblock.args)[:n_pin]:
            mapper[a] = next(it)
        for a in list(cblock.args)[k + 1:n_cin]:
            mapper[a] = next(it)
        for i, a in enumerate(list(pblock.args)[n_pin:]):
            if i in keep:
                mapper[a] = next(it)
        for a in list(cblock.args)[n_cin:]:
            mapper[a] = next(it)
        for o in list(pblock.ops)[:-1]:
            if not isinstance(o, IndexOp):
                rw.clone(o, mapper)
        pyield = pblock.last_op
        assert pyield is not None
        result = fused.value
        assert isinstance(result, OpResult)
        y = pyield.operands[result.index]
        mapper[cblock.args[k]] = mapper.get(y, y)
        for o in list(cblock.ops)[:-1]:
            rw.clone(o, mapper)
        cyield = cblock.last_op
        assert cyield is not None
        vals = [mapper.get(v, v) for i, v in enumerate(pyield.operands) if i in keep]
        vals += [mapper.get(v, v) for v in cyield.operands]
        rw.create(YieldOp, vals, location=fused_op.location)


def _i64():
    from mlir_py.ir.builtin_types import i64
    return i64


class FuseElementwiseOps(RewritePattern):
    """Fuse the producer of the first fusable operand of a generic into it (see the module docstring)."""

    root = GenericOp

    def __init__(self, control: ControlFn = default_control):
        super().__init__()
        self.control = control

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        for operand in list(op._operands):
            if not are_elementwise_ops_fusable(operand) or not self.control(operand):
                continue
            producer = operand.value.op  # type: ignore[attr-defined]
            repl = fuse_elementwise_ops(rw, operand)
            if repl is None:
                return rw.notify_match_failure(op, "fused op failed loop bound computation check")
            for orig, new in repl.items():
                rw.replace_uses_with_if(orig, new, lambda use, p=producer: getattr(use.value, "op", None) is not p)
            rw.erase_op(op)
            return True
        return False


# -- constants, fills and destinations --------------------------------------------------------------------------


def convert_scalar(rw: PatternRewriter, v: Value, to_type: Any) -> Value:
    """`v` converted to `to_type` with signed semantics (upstream's convertScalarToDtype)."""
    ft = v.type
    if ft is to_type:
        return v
    if isinstance(ft, FloatType) and isinstance(to_type, FloatType):
        cls = arith.ExtFOp if to_type.width > ft.width else arith.TruncFOp
    elif isinstance(ft, IntegerType) and isinstance(to_type, FloatType):
        cls = arith.SIToFPOp
    elif isinstance(ft, FloatType) and isinstance(to_type, IntegerType):
        cls = arith.FPToSIOp
    elif isinstance(ft, IntegerType) and isinstance(to_type, IntegerType):
        cls = arith.ExtSIOp if to_type.width > ft.width else arith.TruncIOp
    elif isinstance(ft, IndexType) or isinstance(to_type, IndexType):
        cls = arith.IndexCastOp
    else:
        return v
    return rw.create(cls, v, result_types=[to_type]).results[0]


class FoldFillWithGenericOp(RewritePattern):
    """A generic input produced by linalg.fill: the body uses the fill value instead of the element."""

    root = GenericOp

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        g: Any = op
        if not g.has_pure_tensor_semantics():
            return False
        found = False
        for o in g.get_dps_input_operands():
            if not g.payload_uses_value_from_operand(o):
                continue
            fill = getattr(o.value, "op", None)
            if not isinstance(fill, FillOp):
                continue
            found = True
            val = convert_scalar(rw, fill.inputs[0], fill.results[0].type.element_type)
            rw.replace_all_uses_with(g.get_matching_block_argument(o), val)
        return found


def _scalar_constant(op: Operation | None) -> Any:
    """The scalar a constant op stands for: a splat of ints or floats, or an int/float constant."""
    if op is None or ConstantLike not in op.traits:
        return None
    v = op.properties.get("value") or op.attributes.get("value")
    if isinstance(v, DenseElementsAttr) and v.is_splat:
        et = v.type.element_type
        if isinstance(et, FloatType):
            return FloatAttr(float(v.splat_value()), et)
        if isinstance(et, IntegerType):
            return IntegerAttr(int(v.splat_value()), et)
        return None
    if isinstance(v, (IntegerAttr, FloatAttr)):
        return v
    return None


class FoldScalarOrSplatConstant(RewritePattern):
    """A splat-constant (or scalar constant) input becomes a scalar constant inside the body."""

    root = GenericOp

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        g: Any = op
        if not g.has_pure_tensor_semantics():
            return False
        for o in g.get_dps_input_operands():
            d = getattr(o.value, "op", None)
            attr = _scalar_constant(d)
            if attr is None:
                continue
            assert d is not None
            maps = [m for x, m in zip(g.get_structured_operands(), g.get_indexing_maps()) if x is not o]
            if not shapes_to_loops_invertible(maps, g.get_num_loops()):
                return rw.notify_match_failure(op, "fused op loop bound computation failed")
            make = getattr(d.dialect, "materialize_constant", None)
            c = make(attr, attr.type, d.location) if make is not None else None
            if c is None:
                return rw.notify_match_failure(op, "failed to materialize scalar constant")
            rw.insert(c)
            inputs = [x.value for x in g.get_dps_input_operands() if x is not o]
            new: Any = rw.create(GenericOp.build(inputs, g.get_dps_inits(), maps, g.get_iterator_types(),
                                                 result_types=[r.type for r in op.results],
                                                 attributes=dict(op.attributes) or None))
            _move_body(rw, g, new, {g.get_matching_block_argument(o): c.results[0]})
            rw.replace_op(op, list(new.results))
            return True
        return False


def _move_body(rw: PatternRewriter, old: Any, new: Any, fixed: dict) -> None:
    """Clone `old`'s body into `new`'s fresh block: block arguments in `fixed` get their value, the others
    map in order onto `new`'s arguments."""
    src: Block = old.body
    dst: Block = new.body
    it = iter(dst.args)
    mapper: dict = dict(fixed)
    for a in src.args:
        if a not in fixed:
            mapper[a] = next(it)
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(dst)
        for o in src.ops:
            rw.clone(o, mapper)


class RemoveOutsDependency(RewritePattern):
    """An init the body never reads becomes a fresh tensor.empty of its shape."""

    root = GenericOp

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        g: Any = op
        changed = False
        for o in g.get_dps_init_operands():
            t = o.value.type
            if g.payload_uses_value_from_operand(o) or not isinstance(t, RankedTensorType):
                continue
            if isinstance(getattr(o.value, "op", None), EmptyOp):
                continue
            sizes = []
            for d in range(t.rank):
                if t.is_dynamic_dim(d):
                    c = rw.create(arith.ConstantOp, IntegerAttr(d, index)).result
                    sizes.append(rw.create(TensorDimOp, o.value, c).result)
            empty = rw.create(EmptyOp, sizes, result_types=[t]).results[0]
            with rw.modifying(op):
                o.set(empty)
            changed = True
        return changed


class FoldConstantTranspose(RewritePattern):
    """A generic that only permutes a dense constant (one input, one output, permutation maps, a body that
    yields its input) becomes the permuted constant (upstream's populateConstantFoldLinalgOperations).
    Resource blobs are not folded, as upstream."""

    root = GenericOp

    def __init__(self, control: ControlFn = default_control):
        super().__init__()
        self.control = control

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        g: Any = op
        if not g.has_pure_tensor_semantics() or g.get_num_dps_inputs() != 1 or g.get_num_dps_inits() != 1:
            return False
        out_t = op.results[0].type if len(op.results) == 1 else None
        if not isinstance(out_t, RankedTensorType) or not out_t.has_static_shape:
            return False
        inp, init = g.get_dps_input_operands()[0], g.get_dps_init_operands()[0]
        if not isinstance(inp.value.type, RankedTensorType):
            return False
        et = out_t.element_type
        if not isinstance(et, (IntegerType, FloatType)) or inp.value.type.element_type is not et:
            return False
        in_map, out_map = g.get_indexing_maps()
        if not (in_map.is_permutation() and out_map.is_permutation()) or g.payload_uses_value_from_operand(init):
            return False
        block: Block = g.body
        yield_op = block.last_op
        if len(block) != 1 or yield_op is None or any(v is not block.args[0] for v in yield_op.operands):
            return False
        d = getattr(inp.value, "op", None)
        if d is None or ConstantLike not in d.traits:
            return False
        attr = d.properties.get("value") or d.attributes.get("value")
        if not isinstance(attr, DenseElementsAttr) or not self.control(inp):
            return False
        in_pos = [e.position for e in in_map.results]
        out_pos = [e.position for e in out_map.results]
        loops = attr.array.reshape(inp.value.type.shape).transpose(np.argsort(in_pos))
        value = DenseElementsAttr(np.ascontiguousarray(loops.transpose(out_pos)), out_t)
        rw.replace_op(op, [rw.create(arith.ConstantOp, value).results[0]])
        return True


# -- clean-ups of generic operands and results ---------------------------------------------------------------


def _result_dead(g: Any, i: int) -> bool:
    """upstream's isResultValueDead."""
    r = g.results[i]
    if r.has_uses():
        return False
    init = g.get_dps_init_operands()[i]
    if not g.payload_uses_value_from_operand(init):
        return True
    arg = g.get_region_output_args()[i]
    uses = list(arg.uses)
    if len(uses) != 1:
        return False
    user = uses[0].owner
    if user.results and any(x.has_uses() for x in user.results):
        return False
    if not isinstance(user, YieldOp):
        return False
    return user.operands[i] is arg


class DeduplicateAndRemoveDeadOperandsAndResults(RewritePattern):
    """Drop generic inputs the body does not read or that repeat (same value and map), and tensor outputs
    whose result is dead, when the loops stay bounded."""

    root = GenericOp

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        g: Any = op
        all_ops = g.get_structured_operands()
        all_maps = g.get_indexing_maps()
        map_of = dict(zip(all_ops, all_maps))
        dropped: list[OpOperand] = []

        def can_drop() -> bool:
            maps = [map_of[o] for o in all_ops if o not in dropped]
            return shapes_to_loops_invertible(maps, g.get_num_loops())

        in_pos: dict[int, int] = {}
        new_inputs: list[Value] = []
        new_maps: list[AffineMap] = []
        seen: dict = {}
        for i, o in enumerate(g.get_dps_input_operands()):
            if not g.payload_uses_value_from_operand(o):
                dropped.append(o)
                if can_drop():
                    continue
                dropped.pop()
            key = (o.value, map_of[o])
            if key in seen:
                in_pos[i] = seen[key]
                dropped.append(o)
                continue
            in_pos[i] = len(new_inputs)
            seen[key] = len(new_inputs)
            new_inputs.append(o.value)
            new_maps.append(map_of[o])
        out_pos: dict[int, int] = {}
        new_outputs: list[Value] = []
        inits = g.get_dps_init_operands()
        if not g.has_pure_tensor_semantics():
            for i, o in enumerate(inits):
                out_pos[i] = len(new_outputs)
                new_outputs.append(o.value)
                new_maps.append(map_of[o])
        else:
            yield_op = g.get_yield()
            seen_out: dict = {}
            for i, o in enumerate(inits):
                key = (o.value, map_of[o], yield_op.operands[i])
                if _result_dead(g, i):
                    dropped.append(o)
                    if can_drop():
                        continue
                    dropped.pop()
                if not g.payload_uses_value_from_operand(o) and key in seen_out:
                    out_pos[i] = seen_out[key]
                    dropped.append(o)
                    continue
                out_pos[i] = len(new_outputs)
                seen_out[key] = len(new_outputs)
                new_outputs.append(o.value)
                new_maps.append(map_of[o])
        if len(new_inputs) + len(new_outputs) == len(all_ops):
            return False
        new: Any = rw.create(GenericOp.build(new_inputs, new_outputs, new_maps, g.get_iterator_types(),
                                             doc=_str_prop(g, "doc"), library_call=_str_prop(g, "library_call"),
                                             attributes=dict(op.attributes) or None))
        block: Block = g.body
        nblock: Block = new.body
        n_in = g.get_num_dps_inputs()
        repl: list[Value | None] = [None] * len(block.args)
        for i, j in in_pos.items():
            repl[i] = nblock.args[j]
        for i, j in out_pos.items():
            repl[n_in + i] = nblock.args[len(new_inputs) + j]
        if len(new_outputs) != len(inits):
            old_yield = block.last_op
            assert old_yield is not None
            vals: list[Any] = [None] * len(new_outputs)
            for i, v in enumerate(old_yield.operands):
                if i in out_pos:
                    vals[out_pos[i]] = v
            with rw.insertion_guard():
                rw.set_insertion_point(old_yield)
                rw.replace_op(old_yield, rw.create(YieldOp, vals))
        # dropped arguments (None) have no uses left
        rw.merge_blocks(block, nblock, cast("list[Value]", repl))
        results: list[Value | None] = [None] * len(op.results)
        for i in range(len(op.results)):
            if i in out_pos:
                results[i] = new.results[out_pos[i]]
        rw.replace_op(op, results)
        return True


def _str_prop(op: Operation, name: str) -> str | None:
    v = op.properties.get(name)
    return getattr(v, "value", None) if v is not None else None


class RemoveUnusedCycleInGenericOp(RewritePattern):
    """A dead tensor result whose output argument only feeds one op that is yielded back in place: the
    yield forwards the argument instead, so the output can then be dropped."""

    root = GenericOp

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        g: Any = op
        if not g.has_pure_tensor_semantics():
            return False
        changed = False
        for i, r in enumerate(g.results):
            if r.has_uses():
                continue
            arg = g.get_region_output_args()[i]
            uses = list(arg.uses)
            if len(uses) != 1:
                continue
            cycle = uses[0].owner
            if len(cycle.results) != 1:
                continue
            cuses = list(cycle.results[0].uses)
            if len(cuses) != 1 or not isinstance(cuses[0].owner, YieldOp):
                continue
            if cuses[0].owner.operands[i] is not cycle.results[0]:
                continue
            rw.replace_op(cycle, [arg])
            changed = True
        return changed


# -- named elementwise ops ------------------------------------------------------------------------------------


def _elementwise_named(op: Operation | None) -> bool:
    """A named structured op on tensors that is all-parallel (linalg.add, linalg.map, linalg.broadcast, ...):
    the ops fusion takes part in once they are generics. Fill is left for FoldFillWithGenericOp."""
    if op is None or isinstance(op, (GenericOp, FillOp)) or not is_structured_op(op):
        return False
    s: Any = op
    return s.has_pure_tensor_semantics() and s.get_num_parallel_loops() == s.get_num_loops()


def _named_reduce(op: Operation | None) -> bool:
    """linalg.reduce on tensors: a consumer an elementwise producer fuses into once it is a generic.
    Contractions (matmul, conv) stay named: their kernels need them recognizable, and fusing a producer
    into them would recompute it once per reduction step."""
    if op is None or op.name != "linalg.reduce":
        return False
    s: Any = op
    return s.has_pure_tensor_semantics()


def _would_fuse(op: Operation) -> bool:
    """Whether a named op has a neighbour it would fuse with as a generic: a single-use all-parallel
    structured producer of one of its inputs, or (an elementwise op) a consumer that is its only user."""
    s: Any = op
    for o in s.get_dps_input_operands():
        d = getattr(o.value, "op", None)
        if (isinstance(d, GenericOp) or _elementwise_named(d)) and default_control(o):
            producer: Any = d
            if producer.get_num_parallel_loops() == producer.get_num_loops():
                return True
    if _elementwise_named(op) and len(op.results) == 1:
        uses = list(op.results[0].uses)
        if len(uses) == 1:
            user: Any = uses[0].owner
            if isinstance(user, GenericOp) or _elementwise_named(user) or _named_reduce(user):
                return uses[0] in user.get_dps_input_operands()
    return False


class GeneralizeFusableNamedOp(RewritePattern):
    """A named elementwise op (or linalg.reduce) next to something it fuses with becomes its
    linalg.generic."""

    def match_and_rewrite(self, op: Operation, rw: PatternRewriter) -> bool:
        if not (_elementwise_named(op) or _named_reduce(op)) or not _would_fuse(op):
            return False
        s: Any = op
        new: Any = rw.create(GenericOp.build(s.get_dps_inputs(), s.get_dps_inits(), s.get_indexing_maps(),
                                             s.get_iterator_types(), result_types=[r.type for r in op.results]))
        _move_body(rw, s, new, {})
        rw.replace_op(op, list(new.results))
        return True


# -- the pass -------------------------------------------------------------------------------------------------


def elementwise_fusion_patterns(control: ControlFn = default_control) -> list:
    """The pattern list of the pass (upstream's populateElementwiseOpsFusionPatterns plus the clean-ups the
    pass adds)."""
    from mlir_py.dialects import linalg
    pats: list = [FuseElementwiseOps(control), FoldFillWithGenericOp(), FoldScalarOrSplatConstant(),
                  RemoveOutsDependency(), DeduplicateAndRemoveDeadOperandsAndResults(),
                  RemoveUnusedCycleInGenericOp(), GeneralizeFusableNamedOp(), FoldConstantTranspose(control)]
    pats += [p for p in _AFFINE_PATTERNS if p.root_name == "affine.apply"]
    pats += list(GenericOp.get_canonicalization_patterns())
    pats += [p for p in linalg.DIALECT.canonicalization_patterns if p not in pats]
    return pats


@register_pass
class LinalgFuseElementwiseOps(Pass):
    """Fuse elementwise linalg ops on tensors; see the module docstring."""

    name = "linalg-fuse-elementwise-ops"
    summary = "Fuse elementwise operations on tensors"
    display_name = "LinalgElementwiseOpFusionPass"
    anchor = None
    statistics = [Statistic("num-fused", "structured ops removed by fusion")]

    def run_on_operation(self, op) -> None:
        before = sum(1 for o in op.walk() if is_structured_op(o))
        apply_patterns_greedily(op, elementwise_fusion_patterns())
        after = sum(1 for o in op.walk() if is_structured_op(o))
        self.stats["num-fused"] += max(0, before - after)
