"""`convert-parallel-loops-to-gpu`: `scf.parallel` nests annotated by
`gpu-map-parallel-loops` become `gpu.launch` ops (upstream's SCFToGPU
ParallelToGpuLaunchLowering), op for op as upstream builds them.

For each outermost `scf.parallel` with a `mapping` attribute, a
`gpu.launch` starts with all sizes `1` and the nest is spliced into its body:

- a dimension mapped to a block or thread id becomes
  `affine.apply (d0)[s0, s1] -> (d0 * s0 + s1)` of that id, the step and the
  lower bound (composed with the mapping's `map`); its launch size is
  `affine.apply (d0)[s0, s1] -> ((d0 - s0) ceildiv s1)` of the upper bound,
  lower bound and step (composed with `bound`), computed before the launch.
  An upper bound defined inside the nest (a tiled loop's `affine.min`) is
  replaced by a static bound derived from it (a constant `affine.min`
  result, either side of `arith.minsi`, a product of such) and the body is
  guarded by `scf.if %id < %bound`;
- a `sequential` dimension becomes an `scf.for`;
- a nested `scf.parallel` with one reduction mapped to threads ends in a
  `gpu.all_reduce` with the reduction's region.

Ops with side effects may only appear in the innermost scope, or before a
nested loop that does not touch the buffers they write. A nest that does not
fit (no mapping on a nested loop, a processor mapped twice, a lower bound or
step defined inside the nest, a bound that cannot be derived, side effects
elsewhere, results on the outermost loop) is left as it is, as upstream
leaves it; a `mapping` entry that is not a `#gpu.loop_dim_map` is an error.
Attributes of the loops other than `mapping` move to the `gpu.launch`.

```
mir-opt --gpu-map-parallel-loops --convert-parallel-loops-to-gpu f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects import arith, gpu, scf
from mlir_py.dialects.affine import ApplyOp, MinOp
from mlir_py.passes.transforms.gpu_map_parallel_loops import MAPPING_ATTR

from mlir_py.definition.traits import Write, get_memory_effects, is_pure
from mlir_py.ir.affine_expr import AffineConstantExpr, AffineMap, dim, symbol
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, index
from mlir_py.ir.operation import BlockArgument, Operation, OpResult, Region, Value
from mlir_py.pass_manager import Pass, PassFailure, register_pass
from mlir_py.rewrite.folding import constant_value
from mlir_py.rewrite.pattern import PatternRewriter, RewriterListener

#: processors 0-5 (block_x ... thread_z) are also the positions of their ids among a gpu.launch body's
#: arguments and of their sizes among its size operands; 6 is sequential
_SEQUENTIAL = 6

_LOWER_AND_STEP = AffineMap(1, 2, (dim(0) * symbol(0) + symbol(1),))
_ITERATIONS = AffineMap(1, 2, ((dim(0) - symbol(0)).ceildiv(symbol(1)),))


class _NoMatch(Exception):
    """The nest cannot be converted; it stays as it is."""


def _const_int(v: Value) -> int | None:
    a = constant_value(v)
    return a.value if isinstance(a, IntegerAttr) else None


def _index_const(rw: PatternRewriter, value: int, loc=None) -> Value:
    op = arith.ConstantOp(IntegerAttr(value, index))
    if loc is not None:
        op.location = loc
    return rw.insert(op).result


def _apply(rw: PatternRewriter, amap: AffineMap, operands: list[Value]) -> Value:
    return rw.create(ApplyOp, operands, map=AffineMapAttr(amap), result_types=[index]).result


def _defining_region(v: Value) -> Region | None:
    if isinstance(v, BlockArgument):
        return v.owner.parent
    assert isinstance(v, OpResult)
    block = v.op.parent
    return block.parent if block is not None else None


def _region_is_ancestor(outer: Region | None, inner: Region | None) -> bool:
    while inner is not None:
        if inner is outer:
            return True
        parent = inner.parent
        inner = parent.parent_region if parent is not None else None
    return False


def derive_static_upper_bound(v: Value, rw: PatternRewriter) -> Value | None:
    """A constant bounding `v` from above, as upstream's deriveStaticUpperBound builds it (new constants at the
    insertion point): an index constant itself, a constant result of `affine.min`, either operand of
    `arith.minsi`, the product of two such bounds of the same sign."""
    if isinstance(v, OpResult) and isinstance(v.op, arith.ConstantOp) and v.type == index:
        return v
    if isinstance(v, OpResult) and isinstance(v.op, MinOp):
        for r in v.op.map.value.results:
            if isinstance(r, AffineConstantExpr):
                return _index_const(rw, r.value, v.op.location)
    if isinstance(v, OpResult) and isinstance(v.op, arith.MinSIOp):
        for operand in v.op.operands:
            bound = derive_static_upper_bound(operand, rw)
            if bound is not None:
                return bound
    if isinstance(v, OpResult) and isinstance(v.op, arith.MulIOp):
        lhs = derive_static_upper_bound(v.op.operands[0], rw)
        rhs = derive_static_upper_bound(v.op.operands[1], rw) if lhs is not None else None
        a = _const_int(lhs) if lhs is not None else None
        b = _const_int(rhs) if rhs is not None else None
        if a is not None and b is not None:
            if (a < 0) != (b < 0):
                return None
            return _index_const(rw, a * b, v.op.location)
    return None


class _Recorder(RewriterListener):
    """Remembers what the conversion inserted, to take it back when the nest does not fit."""

    def __init__(self) -> None:
        self.inserted: list[Operation] = []

    def notify_op_inserted(self, op: Operation) -> None:
        self.inserted.append(op)


def _may_alias(a: Value, b: Value) -> bool:
    """Conservative aliasing (upstream's LocalAliasAnalysis, in small): values seen through view ops alias
    unless they come from two different allocations, or an allocation and a function argument."""
    ra, rb = _alias_root(a), _alias_root(b)
    if ra is rb:
        return True
    alloc_a, alloc_b = _is_allocation(ra), _is_allocation(rb)
    if alloc_a and alloc_b:
        return False
    if (alloc_a and _is_function_argument(rb)) or (alloc_b and _is_function_argument(ra)):
        return False
    return True


def _alias_root(v: Value) -> Value:
    while isinstance(v, OpResult) and hasattr(v.op, "get_view_source"):
        v = v.op.get_view_source()
    return v


def _is_allocation(v: Value) -> bool:
    return isinstance(v, OpResult) and v.op.name in ("memref.alloc", "memref.alloca")


def _is_function_argument(v: Value) -> bool:
    if not isinstance(v, BlockArgument):
        return False
    owner = v.owner.parent_op
    return owner is not None and owner.name == "func.func" and v.owner.is_entry_block


def _written_buffers(op: Operation) -> list[Value]:
    """The memrefs `op` (with its regions) writes; raises _NoMatch when that is not known."""
    effects = get_memory_effects(op)
    if effects is None:
        raise _NoMatch("an op with unknown memory effects")
    out = []
    for e in effects:
        if isinstance(e, Write):
            if e.value is None:
                raise _NoMatch("a write to an unknown buffer")
            out.append(e.value)
    return out


def _touches(nested: Operation, written: list[Value]) -> bool:
    """Whether an op in `nested` reads or writes a buffer that may alias one in `written` (or has effects that
    are not known)."""
    for o in nested.walk():
        if o.regions:
            continue  # the ops inside are walked themselves
        effects = get_memory_effects(o)
        if effects is None:
            return True
        for e in effects:
            if e.kind in ("read", "write") and (e.value is None or any(_may_alias(e.value, w) for w in written)):
                return True
    return False


class _LaunchBuilder:
    """The state of converting one nest: the launch, the value map from the nest to the launch body, the launch
    sizes found so far and the worklist of ops still to clone (the launch op itself marks the end of a scope)."""

    def __init__(self, rw: PatternRewriter, launch: Operation):
        self.rw = rw
        self.launch = launch
        self.body = launch.regions[0].first_block
        self.mapping: dict = {}
        self.bounds: dict[int, Value] = {}
        self.worklist: list[Operation] = []

    def lookup(self, v: Value) -> Value:
        return self.mapping.get(v, v)

    def launch_independent(self, v: Value) -> bool:
        return _region_is_ancestor(_defining_region(v), self.launch.parent_region)

    def ensure_launch_independent(self, v: Value) -> Value | None:
        if self.launch_independent(v):
            return v
        c = _const_int(v)
        if c is not None:
            return _index_const(self.rw, c, v.op.location if isinstance(v, OpResult) else None)
        return None

    def process_parallel_loop(self, op: scf.ParallelOp) -> None:
        """Map the loop's dimensions (ids, launch sizes, guards, sequential loops) and queue its body."""
        rw = self.rw
        rw.default_location = op.location  # what this loop's dimensions create is located at the loop
        mapping = op.attributes.get(MAPPING_ATTR)
        if not isinstance(mapping, ArrayAttr) or len(op.results) > 1:
            raise _NoMatch("loop without mapping or with several reductions")
        entries = list(mapping.value)
        for entry in entries:
            if not isinstance(entry, gpu.ParallelLoopDimMappingAttr):
                op.emit_op_error("expected mapping attribute for lowering to GPU")
                raise PassFailure()
            for m in (entry.map, entry.bound):
                if not m.is_empty() and (m.num_inputs != 1 or m.num_results != 1):
                    op.emit_op_error(f"expected mapping maps from one dimension to one result, but got {m}")
                    raise PassFailure()
        if len(entries) != len(op.induction_vars):
            op.emit_op_error(f"expected {len(op.induction_vars)} mapping attributes, one per loop dimension, "
                             f"but got {len(entries)}")
            raise PassFailure()
        for annotation, iv, lb, ub, step in zip(entries, op.induction_vars, op.lowerBound, op.upperBound, op.step):
            processor = annotation.processor
            if processor != _SEQUENTIAL:
                operand = self.body.args[processor]
                mapped_step = self.ensure_launch_independent(self.lookup(step))
                mapped_lb = self.ensure_launch_independent(self.lookup(lb))
                if mapped_step is None or mapped_lb is None:
                    raise _NoMatch("lower bound / step must be constant or defined above the gpu.launch")
                new_index = _apply(rw, annotation.map.compose(_LOWER_AND_STEP), [operand, mapped_step, mapped_lb])
                if not annotation.bound.is_empty():
                    self._launch_bound(op, annotation, processor, lb, ub, step, new_index)
            else:
                loop = rw.insert(scf.ForOp.build(self.lookup(lb), self.lookup(ub), self.lookup(step)))
                assert isinstance(loop, scf.ForOp)
                new_index = loop.induction_var
                rw.set_insertion_point_to_start(loop.body)
                self.worklist.append(self.launch)
            self.mapping[iv] = new_index
        for name, value in op.attributes.items():
            if name != MAPPING_ATTR:
                self.launch.attributes[name] = value
        body = op.body
        term = body.last_op
        if isinstance(term, scf.ReduceOp) and len(term.operands) == 1:
            self.worklist.append(term)
        self.worklist.extend(reversed([o for o in body.ops if o is not term]))

    def _launch_bound(self, op, annotation, processor, lb, ub, step, new_index) -> None:
        rw = self.rw
        if not self.launch_independent(lb) and _const_int(lb) is None:
            raise _NoMatch("lower bound defined in the nest")
        if not self.launch_independent(step) and _const_int(step) is None:
            raise _NoMatch("step defined in the nest")
        precise = self.launch_independent(ub) or _const_int(ub) is not None
        with rw.insertion_guard():
            rw.set_insertion_point(self.launch)
            bound_ub = ub
            if not precise:
                bound_ub = derive_static_upper_bound(ub, rw)
                if bound_ub is None:
                    raise _NoMatch("cannot derive loop-invariant upper bound for number of iterations")
            operands = [self.ensure_launch_independent(self.lookup(v)) for v in (bound_ub, lb, step)]
            if any(v is None for v in operands):
                raise _NoMatch("launch size not computable above the gpu.launch")
            size = _apply(rw, annotation.bound.compose(_ITERATIONS), operands)
            if processor in self.bounds:
                raise _NoMatch(f"cannot redefine the bound for processor {processor}")
            self.bounds[processor] = size
        if not precise:
            pred = rw.create(arith.CmpIOp, "slt", new_index, self.lookup(ub)).result
            guard = rw.insert(scf.IfOp.build(pred))
            assert isinstance(guard, scf.IfOp)
            rw.set_insertion_point_to_start(guard.then_block)
            self.worklist.append(self.launch)

    def run(self, root: scf.ParallelOp) -> None:
        rw = self.rw
        self.process_parallel_loop(root)
        seen_side_effects = False
        left_nesting_scope = False
        written: list[Value] = []
        while self.worklist:
            op = self.worklist.pop()
            if isinstance(op, scf.ParallelOp):
                if seen_side_effects and _touches(op, written):
                    raise _NoMatch("side effects before a nested loop that touches the same buffers")
                self.process_parallel_loop(op)
            elif op is self.launch:
                block = rw.insertion_block
                assert block is not None and block.parent_op is not None
                rw.set_insertion_point_after(block.parent_op)
                left_nesting_scope = True
                seen_side_effects = False
                written = []
            elif isinstance(op, scf.ReduceOp):
                self._all_reduce(op)
            else:
                clone = rw.clone(op, self.mapping)
                if not is_pure(clone):
                    written.extend(_written_buffers(clone))
                seen_side_effects |= not is_pure(clone) or bool(clone.regions)
                if seen_side_effects and left_nesting_scope:
                    raise _NoMatch("side effects outside the innermost scope")
        for processor, size in self.bounds.items():
            self.launch.set_operand(processor, size)

    def _all_reduce(self, reduce: scf.ReduceOp) -> None:
        """The one reduction of a nested loop becomes a `gpu.all_reduce` over the block's threads."""
        loop = reduce.parent_op
        assert isinstance(loop, scf.ParallelOp)
        if loop.get_parent_of_type(scf.ParallelOp) is None:
            raise _NoMatch("a reduction on the outermost loop")
        mapping = loop.attributes.get(MAPPING_ATTR)
        if any(not 3 <= m.processor <= 5 for m in getattr(mapping, "value", ())):
            raise _NoMatch("a reduction over loops not mapped to threads")
        value = reduce.operands[0]
        new_value = self.mapping.get(value)
        if new_value is None or not isinstance(value.type, (IntegerType, FloatType)):
            raise _NoMatch("reduction of a value defined outside the loop, or not a scalar")
        if isinstance(value.type, IntegerType) and value.type.signedness != "signless":
            raise _NoMatch("reduction of a signed or unsigned integer")
        region = reduce.regions[0]
        for o in region.walk():
            for v in o.operands:
                if not _region_is_ancestor(region, _defining_region(v)):
                    raise _NoMatch("the reduction region uses values from above")
        if self.rw.insertion_block is not self.body and self.rw.insertion_block.parent_op is not self.launch:
            raise _NoMatch("a reduction inside a guard or sequential loop")
        red = self.rw.insert(gpu.AllReduceOp.build(new_value, location=self.launch.location))
        red_region = red.regions[0]
        for b in list(red_region.blocks):
            b.erase()
        region.clone_into(red_region, {})
        block = red_region.first_block
        ret = block.last_op
        ret_value = ret.operands[0]
        block.insert_before(ret, gpu.YieldOp.build([ret_value], location=ret.location))
        ret.erase()
        self.mapping[loop.results[0]] = red.results[0]


def convert_parallel_loop(root: scf.ParallelOp) -> bool:
    """Replace the nest rooted at `root` by a `gpu.launch`; False (IR unchanged) when it does not fit."""
    recorder = _Recorder()
    rw = PatternRewriter(recorder)
    rw.set_insertion_point(root)
    rw.default_location = root.location
    one = _index_const(rw, 1)
    launch = rw.insert(gpu.LaunchOp.build([one] * 3, [one] * 3, location=root.location))
    body = launch.regions[0].first_block
    rw.set_insertion_point_to_end(body)
    rw.insert(gpu.TerminatorOp.create())
    rw.set_insertion_point_to_start(body)
    builder = _LaunchBuilder(rw, launch)
    try:
        if root.results:
            raise _NoMatch("results on the outermost loop")
        builder.run(root)
    except (_NoMatch, PassFailure) as e:
        launch.erase(safe=False)
        for op in reversed(recorder.inserted):
            if op.parent is not None and not launch.is_ancestor(op):
                op.erase(safe=False)
        if isinstance(e, PassFailure):
            raise
        return False
    root.erase()
    return True


@register_pass
class ConvertParallelLoopToGpu(Pass):
    """Turn mapped `scf.parallel` nests into `gpu.launch` (see the module docstring)."""

    name = "convert-parallel-loops-to-gpu"
    summary = "Convert mapped scf.parallel ops to gpu launch operations"
    display_name = "ConvertParallelLoopToGpu"

    def run_on_operation(self, op: Operation) -> None:
        roots = [p for p in op.walk(post_order=False)
                 if isinstance(p, scf.ParallelOp) and MAPPING_ATTR in p.attributes]
        for root in roots:
            if root.parent is None or root.get_parent_of_type(scf.ParallelOp) is not None:
                continue
            convert_parallel_loop(root)


__all__ = ["ConvertParallelLoopToGpu", "convert_parallel_loop", "derive_static_upper_bound"]
