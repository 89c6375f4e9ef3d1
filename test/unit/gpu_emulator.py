"""A small interpreter of GPU-level IR for tests: `gpu.launch` and
`gpu.launch_func` run on the CPU, one Python generator per thread.

The GPU passes (mapping, conversion to `gpu.launch`, promotion to workgroup
memory, outlining) are checked without a GPU by running their input and
output here on random numpy arrays and comparing with numpy. A thread is a
generator that yields at every point where the threads of a block meet -
`gpu.barrier`, `gpu.all_reduce`, `gpu.shuffle` - and the block's scheduler
resumes them together, so workgroup memory and barriers behave as on a
GPU: a thread that reads shared data before the barrier that publishes it
reads what is there (uninitialized workgroup memory is NaN), and threads
of one block that disagree on the next meeting point fail the run.

Memrefs are numpy views (a subview is a strided slice); loads and stores
are bounds-checked. Scalars are Python ints (index, integers) and numpy
scalars (floats), so f32 arithmetic rounds as on the device.
"""

from __future__ import annotations

import math
from typing import Any, Generator

import numpy as np

from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr, numpy_dtype
from mlir_py.ir.builtin_types import FloatType, MemRefType
from mlir_py.ir.operation import Operation, Region, Value

Env = dict
Gen = Generator[Any, Any, Any]


class EmulationError(Exception):
    """The IR did something a GPU would not survive (out-of-bounds access, divergent barrier...)."""


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


_INT_BIN = {
    "arith.addi": lambda a, b: a + b, "arith.subi": lambda a, b: a - b, "arith.muli": lambda a, b: a * b,
    "arith.divui": lambda a, b: a // b, "arith.remui": lambda a, b: a % b,
    "arith.divsi": _trunc_div, "arith.remsi": lambda a, b: a - _trunc_div(a, b) * b,
    "arith.ceildivsi": lambda a, b: -((-a) // b), "arith.floordivsi": lambda a, b: a // b,
    "arith.minsi": min, "arith.maxsi": max, "arith.minui": min, "arith.maxui": max,
    "arith.andi": lambda a, b: a & b, "arith.ori": lambda a, b: a | b, "arith.xori": lambda a, b: a ^ b,
    "arith.shli": lambda a, b: a << b,
}
_FLOAT_BIN = {
    "arith.addf": lambda a, b: a + b, "arith.subf": lambda a, b: a - b, "arith.mulf": lambda a, b: a * b,
    "arith.divf": lambda a, b: a / b, "arith.maximumf": max, "arith.minimumf": min, "arith.maxnumf": max,
    "arith.minnumf": min,
}
_CMPI = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "slt": lambda a, b: a < b,
         "sle": lambda a, b: a <= b, "sgt": lambda a, b: a > b, "sge": lambda a, b: a >= b,
         "ult": lambda a, b: a < b, "ule": lambda a, b: a <= b, "ugt": lambda a, b: a > b,
         "uge": lambda a, b: a >= b}
_CMPF = {"oeq": lambda a, b: a == b, "one": lambda a, b: a != b, "olt": lambda a, b: a < b,
         "ole": lambda a, b: a <= b, "ogt": lambda a, b: a > b, "oge": lambda a, b: a >= b}
_REDUCE = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "minnumf": min, "maxnumf": max,
           "minsi": min, "maxsi": max, "minimumf": min, "maximumf": max, "and": lambda a, b: a & b,
           "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b}
_MATH = {"math.exp": math.exp, "math.sqrt": math.sqrt, "math.tanh": math.tanh, "math.log": math.log}


def _enum_name(attr: Any) -> str:
    names = getattr(attr, "case_names", None)
    return names[0] if names else str(attr)


def _predicate(op: Operation, table: dict) -> Any:
    p = op.properties["predicate"]
    name = getattr(p, "case_names", None)
    if name:
        return table[name[0]]
    keys = list(table)
    return table[keys[p.value]] if isinstance(p, IntegerAttr) else table[str(p)]


def _float(t: Any, v: Any) -> Any:
    return np.dtype(numpy_dtype(t)).type(v)


class Emulator:
    """Runs functions of a module; `call(name, *args)` takes numpy arrays (memrefs, modified in place) and
    Python numbers and returns the results."""

    def __init__(self, module: Operation, warp_size: int = 32):
        self.module = module
        self.warp_size = warp_size
        self.symbols: dict[str, Operation] = {}
        for op in module.regions[0].first_block.ops:
            name = op.get_attr("sym_name")
            if name is not None:
                self.symbols[name.value] = op
        self.launches = 0

    # -- entry points ------------------------------------------------------------------------

    def call(self, name: str, *args: Any) -> Any:
        func = self.symbols[name]
        entry = func.regions[0].first_block
        env: Env = dict(zip(entry.args, args))
        results = self._run_to_end(self.exec_region(func.regions[0], env, []))
        return results[0] if len(results) == 1 else tuple(results)

    def _run_to_end(self, gen: Gen) -> Any:
        try:
            event = next(gen)
        except StopIteration as stop:
            return stop.value
        raise EmulationError(f"'{event[0]}' outside a gpu kernel")

    # -- regions and blocks ------------------------------------------------------------------

    def exec_region(self, region: Region, env: Env, args: list, ctx: dict | None = None) -> Gen:
        """Run a region from its entry block (following cf branches); returns the terminator's operands."""
        block = region.first_block
        assert block is not None
        for a, v in zip(block.args, args):
            env[a] = v
        while True:
            for op in block.ops:
                if op.next_op is None:
                    term = op
                    break
                yield from self.exec_op(op, env, ctx)
            name = term.name
            if name == "cf.br":
                block = term.successors[0]
                for a, v in zip(block.args, [env[o] for o in term.operands]):
                    env[a] = v
                continue
            if name == "cf.cond_br":
                raise EmulationError("cf.cond_br is not emulated")
            if name in ("gpu.terminator", "gpu.return", "func.return", "scf.yield", "scf.reduce.return",
                        "gpu.yield", "scf.condition"):
                return [env[o] for o in term.operands]
            if name == "scf.reduce":
                return [env[o] for o in term.operands]
            yield from self.exec_op(term, env, ctx)
            return []

    def exec_op(self, op: Operation, env: Env, ctx: dict | None) -> Gen:
        name = op.name
        ops = [env[v] if v in env else self._undefined(v, op) for v in op.operands]
        fn = _INT_BIN.get(name)
        if fn is not None:
            env[op.results[0]] = fn(*ops)
            return
        fn = _FLOAT_BIN.get(name)
        if fn is not None:
            env[op.results[0]] = _float(op.results[0].type, fn(*ops))
            return
        handler = getattr(self, "op_" + name.replace(".", "_"), None)
        if handler is None:
            raise EmulationError(f"op '{name}' is not emulated")
        result = handler(op, ops, env, ctx)
        if isinstance(result, Generator):
            result = yield from result
        if result is not None:
            for r, v in zip(op.results, result):
                env[r] = v

    def _undefined(self, v: Value, op: Operation) -> Any:
        raise EmulationError(f"'{op.name}' uses a value that was not computed")

    # -- arith, math, affine -----------------------------------------------------------------

    def op_arith_constant(self, op, ops, env, ctx):
        a = op.properties["value"]
        t = op.results[0].type
        if isinstance(a, FloatAttr):
            return [_float(t, a.value)]
        if isinstance(a, IntegerAttr):
            return [int(a.value)]
        if isinstance(a, DenseElementsAttr):
            return [np.array(a.to_numpy())]
        raise EmulationError(f"constant {a} is not emulated")

    def op_arith_cmpi(self, op, ops, env, ctx):
        return [bool(_predicate(op, _CMPI)(*ops))]

    def op_arith_cmpf(self, op, ops, env, ctx):
        return [bool(_predicate(op, _CMPF)(*ops))]

    def op_arith_select(self, op, ops, env, ctx):
        return [ops[1] if ops[0] else ops[2]]

    def op_arith_index_cast(self, op, ops, env, ctx):
        return [int(ops[0])]

    def op_arith_negf(self, op, ops, env, ctx):
        return [-ops[0]]

    def op_math_exp(self, op, ops, env, ctx):
        return [_float(op.results[0].type, _MATH[op.name](ops[0]))]

    op_math_sqrt = op_math_tanh = op_math_log = op_math_exp

    def _map(self, op, ops):
        amap = op.map.value
        return amap.evaluate(ops[:amap.num_dims], ops[amap.num_dims:])

    def op_affine_apply(self, op, ops, env, ctx):
        return [self._map(op, ops)[0]]

    def op_affine_min(self, op, ops, env, ctx):
        return [min(self._map(op, ops))]

    def op_affine_max(self, op, ops, env, ctx):
        return [max(self._map(op, ops))]

    # -- memref ------------------------------------------------------------------------------

    def _index(self, arr: np.ndarray, idx: list[int], op: Operation) -> tuple:
        if len(idx) != arr.ndim or any(not 0 <= i < n for i, n in zip(idx, arr.shape)):
            raise EmulationError(f"'{op.name}' out of bounds: index {idx} of shape {list(arr.shape)}")
        return tuple(idx)

    def op_memref_load(self, op, ops, env, ctx):
        arr = ops[0]
        return [arr[self._index(arr, ops[1:], op)]]

    def op_memref_store(self, op, ops, env, ctx):
        arr = ops[1]
        arr[self._index(arr, ops[2:], op)] = ops[0]

    def op_memref_dim(self, op, ops, env, ctx):
        return [ops[0].shape[ops[1]]]

    def op_memref_alloc(self, op, ops, env, ctx):
        t = op.results[0].type
        dyn = iter(ops)
        shape = [next(dyn) if t.is_dynamic_dim(d) else n for d, n in enumerate(t.shape)]
        return [self._fresh(shape, t.element_type)]

    op_memref_alloca = op_memref_alloc

    def op_memref_dealloc(self, op, ops, env, ctx):
        return None

    def op_memref_view(self, op, ops, env, ctx):
        src, shift, *sizes = ops
        t = op.results[0].type
        dyn = iter(sizes)
        shape = [next(dyn) if t.is_dynamic_dim(d) else n for d, n in enumerate(t.shape)]
        dtype = np.dtype(numpy_dtype(t.element_type))
        nbytes = int(np.prod(shape)) * dtype.itemsize
        if shift + nbytes > src.nbytes:
            raise EmulationError("memref.view out of bounds")
        return [src[shift:shift + nbytes].view(dtype).reshape(shape)]

    def op_memref_copy(self, op, ops, env, ctx):
        ops[1][...] = ops[0]

    def op_memref_cast(self, op, ops, env, ctx):
        return [ops[0]]

    def op_memref_subview(self, op, ops, env, ctx):
        src = ops[0]
        vals = iter(ops[1:])
        offs, sizes, strides = ([next(vals) if isinstance(x, Value) else x for x in lst]
                                for lst in (op.mixed_offsets, op.mixed_sizes, op.mixed_strides))
        for o, s, st, n in zip(offs, sizes, strides, src.shape):
            if s and not (0 <= o and o + (s - 1) * st < n):
                raise EmulationError(f"memref.subview out of bounds: offset {o} size {s} of {n}")
        view = src[tuple(slice(o, o + s * st, st) for o, s, st in zip(offs, sizes, strides))]
        rtype = op.results[0].type
        if view.ndim != rtype.rank:
            view = view.reshape([n for n in view.shape if n != 1] if rtype.rank < view.ndim else view.shape)
        return [view]

    def _fresh(self, shape: list[int], elt: Any) -> np.ndarray:
        dtype = np.dtype(numpy_dtype(elt))
        if isinstance(elt, FloatType):
            return np.full(shape, np.nan, dtype)
        return np.full(shape, -1, dtype)  # all bits set: also NaN when an i8 arena is viewed as floats

    # -- scf ---------------------------------------------------------------------------------

    def op_scf_for(self, op, ops, env, ctx):
        lb, ub, step, *carried = ops
        i = lb
        while i < ub:
            carried = yield from self.exec_region(op.regions[0], env, [i, *carried], ctx)
            i += step
        return carried

    def op_scf_if(self, op, ops, env, ctx):
        region = op.regions[0] if ops[0] else op.regions[1]
        if region.first_block is None:
            return []
        return (yield from self.exec_region(region, env, [], ctx))

    def op_scf_parallel(self, op, ops, env, ctx):
        n = len(op.body.args)
        lbs, ubs, steps, inits = ops[:n], ops[n:2 * n], ops[2 * n:3 * n], ops[3 * n:]
        acc = list(inits)
        reduce = op.body.last_op
        for point in np.ndindex(*[max(0, -((lb - ub) // st)) for lb, ub, st in zip(lbs, ubs, steps)]):
            ivs = [lb + k * st for lb, k, st in zip(lbs, point, steps)]
            values = yield from self.exec_region(op.regions[0], env, ivs, ctx)
            for i, (region, v) in enumerate(zip(reduce.regions, values)):
                acc[i] = self._run_to_end(self.exec_region(region, {}, [acc[i], v], ctx))[0]
        return acc

    # -- func --------------------------------------------------------------------------------

    def op_func_call(self, op, ops, env, ctx):
        callee = self.symbols.get(op.properties["callee"].value)
        if callee is None and ctx is not None:
            callee = ctx["module_symbols"].get(op.properties["callee"].value)
        results = yield from self.exec_region(callee.regions[0], {}, ops, ctx)
        return results

    # -- gpu ---------------------------------------------------------------------------------

    def op_gpu_launch(self, op, ops, env, ctx):
        grid, block = op.grid_size_operands, op.block_size_operands
        grid = [env[v] for v in grid]
        block = [env[v] for v in block]
        body = op.body
        wg_types = [a.type for a in op.workgroup_attributions_values]
        pv_types = [a.type for a in op.private_attributions]

        def thread(bid, tid, shared):
            priv = [self._fresh(list(t.shape), t.element_type) for t in pv_types]
            args = list(bid) + list(tid) + grid + block + shared + priv
            c = {"tid": tid, "bid": bid, "grid": grid, "block": block, "module_symbols": {}}
            return self.exec_region(body, dict(env), args, c)

        self._launch(grid, block, wg_types, thread)
        return [] if not op.results else [None]

    def op_gpu_launch_func(self, op, ops, env, ctx):
        ref = op.properties["kernel"]
        module = self.symbols[ref.root]
        symbols = {s.get_attr("sym_name").value: s for s in module.regions[0].first_block.ops
                   if s.get_attr("sym_name") is not None}
        func = symbols[ref.value]
        grid = [env[v] for v in op.grid_size_operands]
        block = [env[v] for v in op.block_size_operands]
        args = [env[v] for v in op.kernelOperands]
        wg_types = [a.type for a in func.workgroup_attributions_values]
        pv_types = [a.type for a in func.private_attributions]

        def thread(bid, tid, shared):
            priv = [self._fresh(list(t.shape), t.element_type) for t in pv_types]
            c = {"tid": tid, "bid": bid, "grid": grid, "block": block, "module_symbols": symbols}
            return self.exec_region(func.regions[0], {}, args + shared + priv, c)

        self._launch(grid, block, wg_types, thread)
        return [] if not op.results else [None]

    def _launch(self, grid: list[int], block: list[int], wg_types: list[MemRefType], thread) -> None:
        self.launches += 1
        for bid in np.ndindex(*reversed(grid)):
            bid = tuple(reversed(bid))
            shared = [self._fresh(list(t.shape), t.element_type) for t in wg_types]
            tids = [tuple(reversed(t)) for t in np.ndindex(*reversed(block))]
            self._run_block([thread(bid, tid, shared) for tid in tids], block)

    def _run_block(self, threads: list[Gen], block: list[int]) -> None:
        replies: list[Any] = [None] * len(threads)
        live = list(range(len(threads)))
        while live:
            events = {}
            for i in live:
                try:
                    events[i] = threads[i].send(replies[i])
                except StopIteration:
                    events[i] = None
            kinds = {e[0] if e else "exit" for e in events.values()}
            if len(kinds) != 1:
                raise EmulationError(f"threads of a block diverge: {sorted(kinds)}")
            kind = kinds.pop()
            if kind == "exit":
                return
            if kind == "barrier":
                replies = [None] * len(threads)
            elif kind == "all_reduce":
                values = [events[i][1] for i in live]
                combine = events[live[0]][2]
                total = values[0]
                for v in values[1:]:
                    total = combine(total, v)
                replies = [total] * len(threads)
            elif kind == "shuffle":
                replies = self._shuffle([events[i] for i in live])

    def _shuffle(self, events: list) -> list:
        out = []
        for lane_id, (_, mode, value, offset, width) in enumerate(events):
            base = lane_id - lane_id % self.warp_size
            lane = lane_id % self.warp_size
            src = {"xor": lane ^ offset, "up": lane - offset, "down": lane + offset, "idx": offset}[mode]
            ok = 0 <= src < width and base + src < len(events)
            out.append((events[base + src][2] if ok else value, ok))
        return out

    def _id(self, op, ctx, key):
        d = {"x": 0, "y": 1, "z": 2}[_enum_name(op.properties["dimension"])]
        return [ctx[key][d]]

    def op_gpu_thread_id(self, op, ops, env, ctx):
        return self._id(op, ctx, "tid")

    def op_gpu_block_id(self, op, ops, env, ctx):
        return self._id(op, ctx, "bid")

    def op_gpu_block_dim(self, op, ops, env, ctx):
        return self._id(op, ctx, "block")

    def op_gpu_grid_dim(self, op, ops, env, ctx):
        return self._id(op, ctx, "grid")

    def op_gpu_barrier(self, op, ops, env, ctx):
        yield ("barrier",)

    def op_gpu_all_reduce(self, op, ops, env, ctx):
        kind = op.properties.get("op")
        if kind is not None:
            combine = _REDUCE[_enum_name(kind)]
        else:
            region = op.regions[0]

            def combine(a, b):
                return self._run_to_end(self.exec_region(region, {}, [a, b], ctx))[0]
        result = yield ("all_reduce", ops[0], combine)
        return [result]

    def op_gpu_shuffle(self, op, ops, env, ctx):
        value, offset, width = ops
        result, ok = yield ("shuffle", _enum_name(op.properties["mode"]), value, offset, width)
        return [result, ok]

