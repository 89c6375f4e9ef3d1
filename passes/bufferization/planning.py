"""`buffer-planning`: free every buffer, reuse memory of dead intermediates, one arena per call.

Runs on functions right after one-shot-bufferize (which allocates but never
frees). For each single-block function body:

1. **Ownership of results.** A returned buffer is the caller's to free only
   when the function allocated it (or got it owned from a call). A view of
   an argument or of a global stays a view (DESIGN §5: the ExecutionEngine
   hands back a view of the argument, or a copy of the global), and a caller
   in the module frees a call result only when the callee returns an owned
   buffer at that position (an external callee is taken to return new
   buffers), so nothing is freed that was not allocated. A
   second return of the same owned buffer is copied into a fresh
   `memref.alloc`, so nothing is freed twice.
2. **Lifetimes.** Each `memref.alloc` of the body (and each call result) has
   an alias set: itself and every memref an op derives from it (subview,
   expand/collapse_shape, cast, view, any op with a memref operand in the
   set and memref results - conservative). Its lifetime runs from the alloc
   to the last op of the body that uses any alias (an op nested in a loop or
   a linalg body counts as its top-level ancestor, so a loop keeps its
   buffers alive to its end). Buffers that reach `func.return` escape.
3. **Arena.** Intermediates of static shape and identity layout (two or more)
   are placed in one `memref.alloc` of i8 per call (alignment 64), each at a planned byte
   offset and read through `memref.view`. Offsets come from greedy
   interval colouring by decreasing size (the "memory planning" of an
   ML-systems book): a buffer goes at the lowest 64-byte-aligned offset where
   it overlaps no placed buffer whose lifetime overlaps its own, so buffers
   whose lifetimes are disjoint share memory.
   With `hoist-static` (the default) the arena is hoisted out of the
   per-call path: it is a `memref.global` of the module (the workspace,
   one per function), taken on entry by atomically setting a busy flag
   (`memref.atomic_rmw assign`) and released before the return. A call
   that finds the flag set (another thread inside the same function, or
   recursion) allocates a fresh arena and frees it, so the function stays
   reentrant. Without `hoist-static` the arena is allocated per call and
   freed before the return.
4. **Deallocation.** Every other non-escaping buffer (dynamic shapes, call
   results, and everything when `arena=false`) gets `memref.dealloc` right
   after its last use. With `arena=false`, a later static alloc takes the
   buffer of a dead one of the same type instead (simple reuse); the dealloc
   moves to the end of the last lifetime sharing it.

Allocs inside nested regions (a loop body, a branch) are freed after their
last use in their block unless they leave it through its terminator. Allocs
that already have a `memref.dealloc` and functions with several blocks are
left as they are.

Statistics: `bytes-before-planning` (the static bytes allocated per call
without reuse), `peak-bytes` (planned: arena plus the other static buffers),
`num-deallocs`, `num-reused`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mlir_py.dialects import arith, memref, scf
from mlir_py.dialects.memref.layout import is_identity_layout

from mlir_py.analysis.symbols import lookup_symbol
from mlir_py.ir.builtin_attributes import DenseElementsAttr, IntegerAttr, StringAttr, SymbolRefAttr, TypeAttr
from mlir_py.ir.builtin_types import (
    FloatType,
    IndexType,
    IntegerType,
    MemRefType,
    RankedTensorType,
    i8,
    i32,
    i64,
    index,
)
from mlir_py.ir.operation import OpResult
from mlir_py.pass_manager import Option, Pass, Statistic, register_pass

if TYPE_CHECKING:
    from mlir_py.ir.operation import Block, Operation, Value

ALIGN = 64


def _is_memref(v) -> bool:
    return isinstance(v.type, MemRefType)


def element_bytes(t) -> int | None:
    if isinstance(t, FloatType):
        return max(1, t.width // 8)
    if isinstance(t, IntegerType):
        return max(1, (t.width + 7) // 8)
    if isinstance(t, IndexType):
        return 8
    return None


def static_bytes(t: MemRefType) -> int | None:
    if not t.has_static_shape:
        return None
    eb = element_bytes(t.element_type)
    return None if eb is None else t.num_elements * eb


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


class Buffer:
    """An owned buffer of the body: its defining op, alias set and lifetime."""

    def __init__(self, value: Value, start: int):
        self.value = value
        self.start = start
        self.end = start
        self.escapes = False
        self.aliases: list[Value] = [value]
        self.offset = 0
        self.size = 0


def _top_level(op: Operation, block: Block) -> Operation | None:
    while op is not None and op.parent is not block:
        op = op.parent_op
    return op


def _root_buffer(v: Value, owned: dict[int, Buffer], derived: dict[int, Buffer]) -> Buffer | None:
    return owned.get(id(v)) or derived.get(id(v))


def analyze_lifetimes(block: Block, owned_values: list[Value]) -> tuple[list[Buffer], dict[int, int]]:
    """Lifetimes (top-level op positions) of the buffers `owned_values`, all defined in `block`."""
    pos = {id(op): i for i, op in enumerate(block.ops)}
    buffers = []
    for v in owned_values:
        b = Buffer(v, pos[id(v.op)])
        work = [v]
        seen = {id(v)}
        while work:
            x = work.pop()
            for u in x.uses:
                top = _top_level(u.owner, block)
                if top is None:
                    continue
                b.end = max(b.end, pos[id(top)])
                if top is block.terminator and (u.owner is top or u.owner.name == "func.return"):
                    b.escapes = True
                # a region terminator (scf.yield) passes the buffer on to its parent's results
                owner = u.owner
                # a call result the callee owns is a new buffer; any other may view an argument
                results = (list(owner.results) if owner.name != "func.call"
                           else [r for r in owner.results if _is_memref(r) and not is_owned_value(r)])
                if not results and owner.parent_op is not None and owner is owner.parent.terminator:
                    results = list(owner.parent_op.results)
                for r in results:
                    if _is_memref(r) and id(r) not in seen:
                        seen.add(id(r))
                        b.aliases.append(r)
                        work.append(r)
        buffers.append(b)
    return buffers, pos


def plan_offsets(buffers: list[Buffer]) -> int:
    """Greedy by size: each buffer at the lowest aligned offset clear of every placed buffer
    whose lifetime overlaps; returns the arena size."""
    placed: list[Buffer] = []
    for b in sorted(buffers, key=lambda b: (-b.size, b.start)):
        conflicts = sorted((p for p in placed if not (p.end < b.start or b.end < p.start)),
                           key=lambda p: p.offset)
        off = 0
        for p in conflicts:
            if off + b.size <= p.offset:
                break
            off = max(off, _align(p.offset + p.size))
        b.offset = off
        placed.append(b)
    return max((_align(b.offset + b.size) for b in buffers), default=0)


def _arena_alloc(size: int) -> Operation:
    return memref.AllocOp([], [], alignment=IntegerAttr(ALIGN, i64), result_types=[MemRefType((size,), i8)])


def _exchange(value: Value, flag: Value, c0: Value) -> Operation:
    return memref.AtomicRMWOp.create([value, flag, c0], [value.type],
                                     {"kind": memref.ATOMIC_RMW_KIND.attr("assign")})


def _module_block(func: Operation) -> Block | None:
    """The block of the symbol table the function lives in (where its workspace globals go)."""
    parent = func.parent_op
    if parent is None or parent.name != "builtin.module":
        return None
    return parent.regions[0].first_block


def _add_global(module_block: Block, func: Operation, base: str, t: MemRefType, value) -> str:
    """A private `memref.global` named `base` (made unique in the module) just before `func`."""
    taken = {o.properties["sym_name"].value for o in module_block.ops
             if isinstance(o.properties.get("sym_name"), StringAttr)}
    name, k = base, 0
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    props = {"sym_name": StringAttr(name), "sym_visibility": StringAttr("private"), "type": TypeAttr(t),
             "alignment": IntegerAttr(ALIGN, i64)}
    if value is not None:
        props["initial_value"] = value
    module_block.insert_before(func, memref.GlobalOp.create(properties=props))
    return name


def _const_index(block: Block, before: Operation, n: int) -> Value:
    c = arith.ConstantOp(IntegerAttr(n, index))
    block.insert_before(before, c)
    return c.results[0]


@register_pass
class BufferPlanning(Pass):
    """Frees every buffer one-shot-bufferize allocated, reuses the memory of dead
    intermediates and puts the static ones in one arena per call (see module docs)."""

    name = "buffer-planning"
    summary = "Plan buffer lifetimes: deallocations, reuse and one arena per call"
    display_name = "BufferPlanning"
    anchor = "func.func"
    options = [Option("arena", bool, True, "place static intermediates in one arena (else reuse same-type buffers)"),
               Option("hoist-static", bool, True, "keep the arena in a per-function workspace global instead of "
                      "allocating it per call (a concurrent or recursive call allocates its own)")]
    statistics = [
        Statistic("bytes-before-planning", "static bytes allocated per call before planning"),
        Statistic("peak-bytes", "static bytes allocated per call after planning (arena + other buffers)"),
        Statistic("num-deallocs", "memref.dealloc ops inserted"),
        Statistic("num-reused", "allocations that reuse the memory of a dead buffer"),
    ]

    def run_on_operation(self, op):
        body = op.regions[0]
        if body.first_block is None or body.first_block is not body.last_block:
            return
        block = body.first_block
        ret = block.terminator
        if ret is None or ret.name != "func.return":
            return
        own_branch_results(op)
        self._own_results(block, ret)
        for o in list(block.ops):
            if o.name == "memref.alloc" and not o.results[0].has_uses():
                o.erase()
        owned = [o.results[0] for o in block.ops if o.name == "memref.alloc" and not _freed(o.results[0])]
        calls = [r for o in block.ops if o.name in ("func.call", "scf.if") for r in o.results
                 if _is_memref(r) and is_owned_value(r) and not _freed(r)]
        buffers, pos = analyze_lifetimes(block, owned + calls)
        before = 0
        for b in buffers:
            n = static_bytes(b.value.type) if b.value.op.name == "memref.alloc" else None
            b.size = _align(n) if n is not None else 0
            before += b.size
        self.stats["bytes-before-planning"] += before
        plannable = [b for b in buffers if not b.escapes and b.value.op.name == "memref.alloc" and b.size
                     and is_identity_layout(b.value.type) and not b.value.op.operands]
        others = [b for b in buffers if b not in plannable]
        ops = list(block.ops)
        end = len(ops) - 1
        live: list[tuple[int, int, int]] = []  # (start, end, bytes) of what is allocated after planning
        if self.arena and (len(plannable) > 1 or (self.hoist_static and plannable)):
            size = plan_offsets(plannable)
            self._build_arena(op, block, ret, plannable, size)
            live.append((0, end, size))
        else:
            live += self._reuse(plannable, ops) if not self.arena else []
            if self.arena:
                others = plannable + others
        for b in others:
            if b.escapes:
                live.append((b.start, end, b.size))
                continue
            live.append((b.start, b.end, b.size))
            self._dealloc_after(block, ops[b.end], b.value)
        self.stats["peak-bytes"] += peak_of(live)
        for o in list(block.ops):
            for reg in o.regions:
                for nb in reg.blocks:
                    self._free_nested(nb)

    def _free_nested(self, block: Block) -> None:
        """Allocs of a nested block (a loop body, a branch): freed after their last use there,
        unless they leave through the block's terminator."""
        owned = [o.results[0] for o in block.ops if o.name == "memref.alloc" and not _freed(o.results[0])]
        owned += [r for o in block.ops if o.name in ("func.call", "scf.if") for r in o.results
                  if _is_memref(r) and is_owned_value(r) and not _freed(r)]
        if owned and block.terminator is not None:
            buffers, _ = analyze_lifetimes(block, owned)
            ops = list(block.ops)
            for b in buffers:
                if not b.escapes:
                    self._dealloc_after(block, ops[b.end], b.value)
        for o in list(block.ops):
            for reg in o.regions:
                for nb in reg.blocks:
                    self._free_nested(nb)

    # -- steps ------------------------------------------------------------------

    def _own_results(self, block: Block, ret: Operation) -> None:
        """Copy a second return of the same owned buffer (identity layout) into a fresh allocation."""
        owners: set[int] = set()
        for i, v in enumerate(ret.operands):
            if not _is_memref(v):
                continue
            root = _alias_root(v)
            if not (isinstance(root, OpResult) and is_owned_value(root) and root.op.parent is block):
                continue  # a view of an argument or a global: not the caller's to free
            if id(root) in owners and is_identity_layout(v.type):
                v = _fresh_copy(block, ret, v)
                ret.set_operand(i, v)
            owners.add(id(_alias_root(v)))

    def _dealloc_after(self, block: Block, last: Operation, v: Value) -> None:
        d = memref.DeallocOp(v)
        if last.name == "func.return" or last is block.terminator:
            block.insert_before(last, d)
        else:
            block.insert_after(last, d)
        self.stats["num-deallocs"] += 1

    def _build_arena(self, func: Operation, block: Block, ret: Operation, bufs: list[Buffer], size: int) -> None:
        module_block = _module_block(func) if self.hoist_static else None
        if module_block is not None:
            arena = self._take_workspace(func, module_block, block, ret, size)
        else:
            alloc_op = _arena_alloc(size)
            block.insert_before(block.first_op, alloc_op)
            arena = alloc_op.results[0]
            block.insert_before(ret, memref.DeallocOp(arena))
            self.stats["num-deallocs"] += 1
        for b in bufs:
            alloc = b.value.op
            shift = _const_index(block, alloc, b.offset)
            view = memref.ViewOp(arena, shift, [], result_types=[b.value.type])
            block.insert_before(alloc, view)
            b.value.replace_all_uses_with(view.results[0])
            alloc.erase()
            if any(o.start < b.start and o.offset < b.offset + b.size and b.offset < o.offset + o.size
                   for o in bufs):
                self.stats["num-reused"] += 1

    def _take_workspace(self, func: Operation, module_block: Block, block: Block, ret: Operation, size: int
                        ) -> Value:
        """The arena as the function's workspace global, guarded by a busy flag (module docs, step 3):

            %was = memref.atomic_rmw assign %c1_i32, %busy[%c0]
            %own = arith.cmpi eq, %was, %c0_i32
            %arena = scf.if %own { get_global @workspace } else { memref.alloc }
            ...
            scf.if %own { memref.atomic_rmw assign %c0_i32, %busy[%c0] } else { memref.dealloc %arena }
        """
        fname = func.properties["sym_name"].value
        arena_t, flag_t = MemRefType((size,), i8), MemRefType((1,), i32)
        ws = _add_global(module_block, func, f"__workspace_{fname}", arena_t, None)
        busy = _add_global(module_block, func, f"__workspace_{fname}_busy", flag_t,
                           DenseElementsAttr(np.zeros((1,), np.int32), RankedTensorType((1,), i32)))
        first = block.first_op

        def put(o: Operation) -> Operation:
            block.insert_before(first, o)
            return o

        flag = put(memref.GetGlobalOp.create(properties={"name": SymbolRefAttr(busy)}, result_types=[flag_t]))
        c0 = put(arith.ConstantOp(IntegerAttr(0, index))).results[0]
        zero = put(arith.ConstantOp(IntegerAttr(0, i32))).results[0]
        one = put(arith.ConstantOp(IntegerAttr(1, i32))).results[0]
        was = put(_exchange(one, flag.results[0], c0)).results[0]
        own = put(arith.CmpIOp("eq", was, zero)).results[0]
        take = put(scf.IfOp.build(own, [arena_t]))
        g = memref.GetGlobalOp.create(properties={"name": SymbolRefAttr(ws)}, result_types=[arena_t])
        take.then_block.append(g)
        take.then_block.append(scf.YieldOp.create([g.results[0]]))
        fresh = _arena_alloc(size)
        else_block = take.else_block
        assert else_block is not None
        else_block.append(fresh)
        else_block.append(scf.YieldOp.create([fresh.results[0]]))
        arena = take.results[0]
        give = scf.IfOp.build(own, with_else=True)
        block.insert_before(ret, give)
        give.then_block.insert_before(give.then_block.terminator, _exchange(zero, flag.results[0], c0))
        give_else = give.else_block
        assert give_else is not None
        give_else.insert_before(give_else.terminator, memref.DeallocOp(arena))
        self.stats["num-deallocs"] += 1
        return arena

    def _reuse(self, bufs: list[Buffer], ops: list) -> list[tuple[int, int, int]]:
        """Without an arena: a static alloc takes a dead buffer of the same type. Returns the
        live intervals of the buffers that remain."""
        holders: list[list] = []  # [buffer, end of the last lifetime sharing it]
        for b in sorted(bufs, key=lambda b: b.start):
            match = next((h for h in holders if h[0].value.type is b.value.type and h[1] < b.start), None)
            if match is not None:
                b.value.replace_all_uses_with(match[0].value)
                b.value.op.erase()
                match[1] = b.end
                self.stats["num-reused"] += 1
            else:
                holders.append([b, b.end])
        block = ops[0].parent
        for h in holders:
            self._dealloc_after(block, ops[h[1]], h[0].value)
        return [(h[0].start, h[1], h[0].size) for h in holders]


def peak_of(intervals: list[tuple[int, int, int]]) -> int:
    """The largest sum of sizes live at one point (closed intervals)."""
    points = sorted({s for s, _, _ in intervals})
    return max((sum(n for s, e, n in intervals if s <= p <= e) for p in points), default=0)


def _fresh_copy(block: Block, before: Operation, v: Value) -> Value:
    """A new buffer (same type) holding a copy of `v`, made before `before`."""
    t = v.type
    nt = MemRefType(t.shape, t.element_type, None, t.memory_space)
    dyn = []
    for d, n in enumerate(t.shape):
        if n < 0:
            dim = memref.DimOp(v, _const_index(block, before, d))
            block.insert_before(before, dim)
            dyn.append(dim.results[0])
    a = memref.AllocOp(dyn, [], alignment=IntegerAttr(ALIGN, i64), result_types=[nt])
    block.insert_before(before, a)
    block.insert_before(before, memref.CopyOp(v, a.results[0]))
    new = a.results[0]
    if nt is not t:
        c = memref.CastOp(new, result_types=[t])
        block.insert_before(before, c)
        new = c.results[0]
    return new


def _freed(v: Value) -> bool:
    """Already planned: the buffer has a `memref.dealloc` (planning leaves such buffers alone,
    so running it twice frees nothing twice)."""
    return any(u.owner.name == "memref.dealloc" for u in v.uses)


def own_branch_results(func: Operation) -> None:
    """An scf.if where one branch yields a new buffer and another an outside one: the outside
    one is copied, so the result always owns its buffer (and can be freed). A result that is
    already deallocated somewhere (planned before, e.g. a workspace taken or allocated) is left
    as it is."""
    for op in list(func.walk()):
        if op.name != "scf.if":
            continue
        yields = [reg.first_block.terminator for reg in op.regions if reg.first_block is not None]
        for r in op.results:
            if not _is_memref(r) or len(yields) != 2 or _freed(r):
                continue
            xs = [y.operands[r.index] for y in yields]
            fresh = [isinstance(x, OpResult) and x.op.parent is y.parent and is_owned_value(x)
                     for x, y in zip(xs, yields)]
            if any(fresh) and not all(fresh):
                for x, y, f in zip(xs, yields, fresh):
                    if not f:
                        y.set_operand(r.index, _fresh_copy(y.parent, y, x))


def is_owned_value(v: Value) -> bool:
    """A buffer its defining op hands over: an alloc, a call result the callee owns (see
    `_callee_returns_owned`), or an scf.if result whose branches each yield (once) an owned
    buffer made in the branch."""
    if not isinstance(v, OpResult):
        return False
    if v.op.name == "memref.alloc":
        return True
    if v.op.name == "func.call":
        return _callee_returns_owned(v.op, v.index)
    if v.op.name != "scf.if":
        return False
    for reg in v.op.regions:
        y = reg.first_block.terminator if reg.first_block is not None else None
        if y is None:
            return False
        x = y.operands[v.index]
        if not (isinstance(x, OpResult) and x.op.parent is reg.first_block and is_owned_value(x)):
            return False
        if sum(1 for o in y.operands if o is x) != 1:
            return False
    return True


def _alias_root(v: Value) -> Value:
    """Follow view-like ops (one memref operand) back to the buffer they view."""
    while isinstance(v, OpResult):
        srcs = [o for o in v.op.operands if _is_memref(o)]
        if is_owned_value(v) or len(srcs) != 1:
            return v
        v = srcs[0]
    return v


_CALLEES_IN_PROGRESS: set[int] = set()


def _callee_returns_owned(call: Operation, index: int) -> bool:
    """Whether every `func.return` of the callee returns, at `index`, a buffer the callee owns
    (allocated, or owned from its own calls) and returns once. An external callee is taken to
    return new buffers, as upstream's deallocation assumes of function results; recursion
    counts as not owned (a leak is safer than freeing a buffer nobody allocated)."""
    callee = lookup_symbol(call, call.properties["callee"])
    if callee is None or not callee.regions or callee.regions[0].first_block is None:
        return True
    if id(callee) in _CALLEES_IN_PROGRESS:
        return False
    _CALLEES_IN_PROGRESS.add(id(callee))
    try:
        for blk in callee.regions[0].blocks:
            t = blk.terminator
            if t is None or t.name != "func.return":
                continue
            root = _alias_root(t.operands[index])
            if not is_owned_value(root):
                return False
            if sum(1 for o in t.operands if _is_memref(o) and _alias_root(o) is root) != 1:
                return False
        return True
    finally:
        _CALLEES_IN_PROGRESS.discard(id(callee))
