"""`convert-scf-parallel-to-threads`: run `scf.parallel` loops on the
process's thread pool (execution/thread_pool.py).

Each outermost `scf.parallel` of a `func.func` (an `scf.forall` without
results first becomes one, as in `convert-scf-to-cf`) becomes

- an outlined function `@<func>_parallel_<k>(!llvm.ptr, i64, i64)` that
  runs the iterations `[begin, end)` of the loop's first dimension (all of
  the other dimensions) as an `scf.parallel` of its own, which
  `convert-scf-to-cf` later makes a sequential loop nest;
- at the loop's place, its captured values stored into a context struct (an
  `llvm.alloca` in the function's entry block; memrefs as their
  descriptors, through `builtin.unrealized_conversion_cast`s that the llvm
  lowering resolves) and a call
  `mlir_py_parallel_for(@body, %ctx, %trip_count, %grain, %num_threads)`.

Values defined outside the loop by constant-like ops are cloned into the
body rather than captured, so LLVM still sees constant bounds and sizes.
Nested `scf.parallel` ops move into the outlined body and run sequentially
within one thread; a parallel loop reached at run time while another runs
(through a call) runs serially in its own thread (the runtime's rule).

Reductions: when each `scf.reduce` region is one commutative arith op of
its two arguments with a known neutral value (addf, mulf, addi, muli,
andi, ori, xori, min/max in their signed, unsigned and float forms), the
iteration space is cut into at most 128 chunks independently of the thread
count, each chunk reduces from the neutral value into its own slot, and the
caller folds the slots into the initial value in chunk order - so the result
does not depend on the thread count. Any other reduction leaves the loop
sequential, with a remark.

`num-threads` fixes the thread count of every loop; 0 (the default) lets
the runtime decide when the loop runs (`MLIR_PY_NUM_THREADS`, else the
cores the process may use); 1 leaves every loop sequential.

```
mir-opt --convert-scf-parallel-to-threads="num-threads=4" f.mir
```
"""

from __future__ import annotations

import math

from mlir_py.dialects import arith, scf
from mlir_py.dialects.func import ConstantOp as FuncConstantOp
from mlir_py.dialects.func import FuncOp, ReturnOp
from mlir_py.dialects.llvm import LLVMFunctionType, LLVMPointerType, LLVMStructType, LLVMVoidType
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder, lookup_or_create_function
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter
from mlir_py.passes.conversions.scf_to_cf import lower_forall

from mlir_py.builtin import UnrealizedConversionCastOp
from mlir_py.definition.traits import ConstantLike
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import DenseElementsAttr, FlatSymbolRefAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, FunctionType, IndexType, IntegerType, VectorType, i32, i64, index
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, Statistic, register_pass
from mlir_py.rewrite.pattern import PatternRewriter

#: the runtime entry point: (body, ctx, trip count, grain, threads)
PARALLEL_FOR = "mlir_py_parallel_for"
#: a reduction's iteration space is cut into at most this many chunks (one partial result each)
MAX_REDUCTION_CHUNKS = 128
#: the most threads one loop may ask for (execution/thread_pool.py's MAX_THREADS)
MAX_THREADS = 256

#: float combiner op -> its neutral element
_FLOAT_NEUTRAL = {"arith.addf": -0.0, "arith.mulf": 1.0, "arith.maximumf": -math.inf, "arith.minimumf": math.inf,
                  "arith.maxnumf": math.nan, "arith.minnumf": math.nan}
#: integer combiner op -> its neutral element for a bit width
_INT_NEUTRAL = {
    "arith.addi": lambda w: 0, "arith.muli": lambda w: 1, "arith.ori": lambda w: 0, "arith.xori": lambda w: 0,
    "arith.andi": lambda w: -1, "arith.maxui": lambda w: 0, "arith.minui": lambda w: -1,
    "arith.maxsi": lambda w: -(1 << (w - 1)), "arith.minsi": lambda w: (1 << (w - 1)) - 1,
}


def thread_count(text: str) -> int:
    try:
        n = int(text, 0)
    except ValueError:
        raise ValueError(f"expected a thread count from 0 to {MAX_THREADS}") from None
    if not 0 <= n <= MAX_THREADS:
        raise ValueError(f"expected a thread count from 0 to {MAX_THREADS}")
    return n


#: `num-threads`, shared by the pass and the `--lower-to-llvm` pipeline
THREAD_COUNT_OPTION = Option("num-threads", thread_count, 0, "Threads per parallel loop: 0 takes the runtime's "
                             "default (MLIR_PY_NUM_THREADS, else the usable cores) when the loop runs; 1 leaves "
                             "loops sequential")


def reduction_combiner(region) -> Operation | None:
    """The single arith op combining a reduce region's two arguments, when it has a neutral value."""
    block = region.first_block
    ops = list(block.ops)
    if len(ops) != 2 or ops[0].name not in _FLOAT_NEUTRAL.keys() | _INT_NEUTRAL.keys() or len(ops[0].operands) != 2:
        return None
    comb, ret = ops
    if set(comb.operands) != set(block.args) or len(set(block.args)) != 2 or list(ret.operands) != [comb.results[0]]:
        return None
    return comb


def neutral_value(name: str, t: Attribute) -> Attribute | None:
    """The constant `x` with `combine(x, y) == y` for the combiner op `name` on type `t`."""
    element = t.element_type if isinstance(t, VectorType) else t
    if isinstance(element, FloatType) and name in _FLOAT_NEUTRAL:
        scalar: float | int = _FLOAT_NEUTRAL[name]
    elif isinstance(element, (IntegerType, IndexType)) and name in _INT_NEUTRAL:
        scalar = _INT_NEUTRAL[name](element.width if isinstance(element, IntegerType) else 64)
    else:
        return None
    if isinstance(t, VectorType):
        return DenseElementsAttr(scalar, t)
    if isinstance(t, FloatType):
        return FloatAttr(float(scalar), t)
    return IntegerAttr(int(scalar), t)


def _is_cloneable(v: Value) -> bool:
    """Defined by a constant-like op with no operands or regions: cloned into the body, not captured."""
    op = getattr(v, "op", None)
    return op is not None and not op.operands and not op.regions and op.has_trait(ConstantLike)


class _Outliner:
    """Rewrites one module's parallel loops (see the module docstring)."""

    def __init__(self, module: Operation, num_threads: int, pass_: Pass):
        self.module = module
        self.num_threads = num_threads
        self.pass_ = pass_
        self.tc = LLVMTypeConverter()
        self.rw = PatternRewriter()
        self.names = {op.properties["sym_name"].value for op in module.regions[0].first_block.ops
                      if "sym_name" in op.properties}
        self.ptr = LLVMPointerType(0)
        self.anchor: Operation = module

    def run(self) -> None:
        for fn in list(self.module.regions[0].first_block.ops):
            if not isinstance(fn, FuncOp) or fn.regions[0].is_empty():
                continue
            for forall in [op for op in fn.walk() if isinstance(op, scf.ForallOp) and not op.results]:
                self.rw.set_insertion_point(forall)
                lower_forall.match_and_rewrite(forall, self.rw)  # bufferized scf.forall: an scf.parallel
            self.anchor = fn  # outlined bodies follow their function, in source order
            for loop in [op for op in fn.walk(post_order=False) if isinstance(op, scf.ParallelOp)
                         and _outermost(op, fn)]:
                self.outline(loop, fn)

    # -- one loop -------------------------------------------------------------

    def outline(self, loop: scf.ParallelOp, fn: FuncOp) -> None:
        combiners = []
        if loop.results:
            reduce = loop.body.last_op
            for i, region in enumerate(reduce.regions):
                comb = reduction_combiner(region)
                if comb is None or neutral_value(comb.name, loop.results[i].type) is None:
                    loop.emit_remark(f"scf.parallel left sequential: reduction #{i} is not one commutative "
                                     "arith op with a neutral value")
                    return
                combiners.append(comb)
        captured = self.captured_values(loop)
        fields = []
        for v in captured:
            lt = self.tc.convert_type(v.type)
            if lt is None:
                loop.emit_remark(f"scf.parallel left sequential: a captured value of type {v.type} has no LLVM type")
                return
            fields.append(lt)
        result_fields = [self.tc.convert_type(r.type) for r in loop.results]
        if any(t is None for t in result_fields):
            loop.emit_remark("scf.parallel left sequential: a result type has no LLVM type")
            return
        if loop.results:
            fields += [i64, self.ptr]  # grain and the partial results' slots
        ctx_type = LLVMStructType.literal(fields)
        slot_type = LLVMStructType.literal(result_fields)
        body_fn = self.make_body(loop, fn, captured, ctx_type, slot_type, combiners)
        self.make_call(loop, fn, body_fn, captured, ctx_type, slot_type, combiners)
        self.pass_.stats["num-outlined"] += 1

    def captured_values(self, loop: scf.ParallelOp) -> list[Value]:
        """Values defined outside `loop` that its bounds and body use (constant-like ones excepted)."""
        return [v for v in _used_from_outside(loop) if not _is_cloneable(v)]

    def fresh_name(self, base: str) -> str:
        k = 0
        while f"{base}_parallel_{k}" in self.names:
            k += 1
        name = f"{base}_parallel_{k}"
        self.names.add(name)
        return name

    def make_body(self, loop: scf.ParallelOp, fn: FuncOp, captured: list[Value], ctx_type: LLVMStructType,
                  slot_type: LLVMStructType, combiners: list[Operation]) -> FuncOp:
        rw = self.rw
        name = self.fresh_name(fn.properties["sym_name"].value)
        body_fn = FuncOp.build(name, FunctionType([self.ptr, i64, i64], []), visibility="private",
                               location=loop.location)
        self.module.regions[0].first_block.insert_after(self.anchor, body_fn)
        self.anchor = body_fn
        entry = body_fn.regions[0].first_block
        ctx, begin, end = entry.args
        rw.set_insertion_point_to_end(entry)
        b = LLVMBuilder(rw, loop.location)
        mapping: dict[Value, Value] = {}
        for i, v in enumerate(captured):
            field = b.gep(ctx, [0, i], ctx_type)
            loaded = b.load(field, ctx_type.body[i])
            mapping[v] = self.cast(loaded, v.type)
        for v in _used_from_outside(loop):
            if v not in mapping:
                mapping[v] = rw.clone(v.op).results[0]  # type: ignore[attr-defined] - constant-like

        def get(v: Value) -> Value:
            return mapping.get(v, v)

        lb0, ub0, step0 = get(loop.lowerBound[0]), get(loop.upperBound[0]), get(loop.step[0])
        first = rw.create(arith.IndexCastOp, begin, result_types=[index]).result
        last = rw.create(arith.IndexCastOp, end, result_types=[index]).result
        lo = rw.create(arith.AddIOp, lb0, rw.create(arith.MulIOp, first, step0).result).result
        hi = rw.create(arith.AddIOp, lb0, rw.create(arith.MulIOp, last, step0).result).result
        hi = rw.create(arith.MinSIOp, hi, ub0).result
        lbs = [lo] + [get(v) for v in loop.lowerBound[1:]]
        ubs = [hi] + [get(v) for v in loop.upperBound[1:]]
        steps = [step0] + [get(v) for v in loop.step[1:]]
        inits = [rw.create(arith.ConstantOp, neutral_value(comb.name, r.type)).result
                 for comb, r in zip(combiners, loop.results)]
        inner = scf.ParallelOp.build(lbs, ubs, steps, inits, location=loop.location)
        rw.insert(inner)
        inner.body.erase()
        inner.regions[0].take_body(loop.regions[0])
        for old, new in mapping.items():
            old.replace_uses_with_if(new, lambda use: body_fn.is_ancestor(use.owner))
        if loop.results:
            nfields = len(ctx_type.body)
            grain = b.load(b.gep(ctx, [0, nfields - 2], ctx_type), i64)
            slots = b.load(b.gep(ctx, [0, nfields - 1], ctx_type), self.ptr)
            chunk = rw.create(arith.DivSIOp, begin, grain).result
            slot = b.gep(slots, [chunk], slot_type)
            for i, r in enumerate(inner.results):
                b.store(self.cast(r, slot_type.body[i]), b.gep(slot, [0, i], slot_type))
        rw.create(ReturnOp, [])
        return body_fn

    def make_call(self, loop: scf.ParallelOp, fn: FuncOp, body_fn: FuncOp, captured: list[Value],
                  ctx_type: LLVMStructType, slot_type: LLVMStructType, combiners: list[Operation]) -> None:
        rw = self.rw
        b = LLVMBuilder(rw, loop.location)
        entry = fn.regions[0].first_block
        rw.set_insertion_point_to_start(entry)
        ctx = slots = None
        if ctx_type.body:
            ctx = b.alloca(b.constant(1, i64), ctx_type)
            if loop.results:
                slots = b.alloca(b.constant(MAX_REDUCTION_CHUNKS, i64), slot_type)
        rw.set_insertion_point(loop)
        for i, v in enumerate(captured):
            b.store(self.cast(v, ctx_type.body[i]), b.gep(ctx, [0, i], ctx_type))
        lb, ub, step = loop.lowerBound[0], loop.upperBound[0], loop.step[0]
        c1 = rw.create(arith.ConstantOp, IntegerAttr(1, index)).result
        c0 = rw.create(arith.ConstantOp, IntegerAttr(0, index)).result
        span = rw.create(arith.SubIOp, ub, lb).result
        trips = rw.create(arith.MaxSIOp, self.ceil_div(span, step, c1), c0).result
        n = rw.create(arith.IndexCastOp, trips, result_types=[i64]).result
        one = rw.create(arith.ConstantOp, IntegerAttr(1, i64)).result
        if loop.results:
            cmax = rw.create(arith.ConstantOp, IntegerAttr(MAX_REDUCTION_CHUNKS, i64)).result
            grain = rw.create(arith.MaxSIOp, self.ceil_div(n, cmax, one), one).result
            nfields = len(ctx_type.body)
            b.store(grain, b.gep(ctx, [0, nfields - 2], ctx_type))
            b.store(slots, b.gep(ctx, [0, nfields - 1], ctx_type))
        else:
            grain = b.constant(0, i64)
        if ctx is None:
            ctx = b.null_ptr()
        fn_type = body_fn.properties["function_type"].value
        ref = rw.create(FuncConstantOp.create([], [fn_type], {"value": _symbol_ref(body_fn)})).results[0]
        fn_ptr = self.cast(ref, self.ptr)
        threads = b.constant(self.num_threads, i32)
        runtime = LLVMFunctionType(LLVMVoidType(), [self.ptr, self.ptr, i64, i64, i32])
        lookup_or_create_function(rw, self.module, PARALLEL_FOR, runtime)
        b.call(PARALLEL_FOR, [fn_ptr, ctx, n, grain, threads])
        if not loop.results:
            rw.erase_op(loop)
            return
        # fold the chunks' partial results into the initial values, in chunk order
        chunks = self.ceil_div(n, grain, one)
        upper = rw.create(arith.IndexCastOp, chunks, result_types=[index]).result
        fold = scf.ForOp.build(c0, upper, c1, list(loop.initVals))
        rw.insert(fold)
        rw.set_insertion_point_to_start(fold.body)
        k = rw.create(arith.IndexCastOp, fold.induction_var, result_types=[i64]).result
        slot = b.gep(slots, [k], slot_type)
        combined = []
        for i, (acc, comb) in enumerate(zip(fold.region_iter_args, combiners)):
            part = self.cast(b.load(b.gep(slot, [0, i], slot_type), slot_type.body[i]), acc.type)
            lhs, rhs = comb.parent.args
            combined.append(rw.clone(comb, {lhs: acc, rhs: part}).results[0])
        rw.create(scf.YieldOp, combined)
        rw.replace_op(loop, list(fold.results))

    def ceil_div(self, a: Value, b: Value, one: Value) -> Value:
        """`(a + b - 1) / b` for a positive `b` (the `arith.ceildivsi` that needs no expansion when a >= 0)."""
        rw = self.rw
        top = rw.create(arith.SubIOp, rw.create(arith.AddIOp, a, b).result, one).result
        return rw.create(arith.DivSIOp, top, b).result

    def cast(self, v: Value, t: Attribute) -> Value:
        """`v` as type `t`: itself, an index cast, or an unrealized cast the llvm lowering resolves."""
        if v.type == t:
            return v
        rw = self.rw
        if isinstance(v.type, IndexType) and isinstance(t, IntegerType) or \
                isinstance(t, IndexType) and isinstance(v.type, IntegerType):
            return rw.create(arith.IndexCastOp, v, result_types=[t]).result
        return rw.create(UnrealizedConversionCastOp.create([v], [t])).results[0]


def _symbol_ref(fn: FuncOp) -> Attribute:
    return FlatSymbolRefAttr(fn.properties["sym_name"].value)


def _used_from_outside(loop: scf.ParallelOp) -> list[Value]:
    """The loop's bounds and the values its body uses that are defined outside it, in order of use."""
    seen: dict[Value, None] = dict.fromkeys(list(loop.lowerBound) + list(loop.upperBound) + list(loop.step))
    for op in loop.walk(post_order=False):
        if op is not loop:
            for v in op.operands:
                if not _defined_inside(v, loop):
                    seen.setdefault(v)
    return list(seen)


def _outermost(op: Operation, fn: Operation) -> bool:
    """Not nested in another scf.parallel, nor in device code (a `gpu.launch` body) of `fn`."""
    p = op.parent_op
    while p is not None and p is not fn:
        if isinstance(p, scf.ParallelOp) or p.name.startswith("gpu."):
            return False
        p = p.parent_op
    return True


def _defined_inside(v: Value, loop: Operation) -> bool:
    block = v.parent_block if hasattr(v, "parent_block") else None
    if block is None:
        return False
    owner = block.parent_op
    return owner is not None and (owner is loop or loop.is_ancestor(owner))


@register_pass
class ConvertSCFParallelToThreads(Pass):
    """Outline each outermost scf.parallel and call the thread pool on it (see the module docstring)."""

    name = "convert-scf-parallel-to-threads"
    summary = "Run scf.parallel loops on a pool of native threads (outlined bodies, mlir_py_parallel_for)"
    display_name = "ConvertSCFParallelToThreads"
    anchor = "builtin.module"
    options = [THREAD_COUNT_OPTION]
    statistics = [Statistic("num-outlined", "Parallel loops sent to the thread pool")]

    def run_on_operation(self, op: Operation) -> None:
        if self.num_threads == 1:
            return
        _Outliner(op, self.num_threads, self).run()


__all__ = ["MAX_REDUCTION_CHUNKS", "PARALLEL_FOR", "THREAD_COUNT_OPTION", "ConvertSCFParallelToThreads",
           "neutral_value", "reduction_combiner", "thread_count"]
