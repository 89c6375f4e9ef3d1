"""scf through the Python API: the builders other lowerings use make verifier-clean
ops, and randomly nested scf loops and conditionals round-trip through text and
lower to a verifier-clean CFG.

Property: for a random nest of scf.for / scf.if / scf.while / scf.parallel /
scf.index_switch / scf.execute_region built with the builders,
print(parse(print(m))) == print(m) in custom and generic form, the module
verifies, canonicalize leaves it verifying, and after convert-scf-to-cf no scf
op is left and it still verifies.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlir_py.dialects import arith, cf, func, memref, scf

from mlir_py.analysis.verifier import verify
from mlir_py.builtin import ModuleOp
from mlir_py.definition.traits import LoopLikeOpInterface, is_pure, is_speculatable
from mlir_py.ir.builtin_types import FunctionType, MemRefType, f32, i1, i32, index
from mlir_py.ir.context import Context
from mlir_py.ir.operation import Block, Operation, Value
from mlir_py.pass_manager import PassManager
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string


def _ctx() -> Context:
    c = Context()
    for d in (func.DIALECT, arith.DIALECT, cf.DIALECT, memref.DIALECT, scf.DIALECT):
        c.load_dialect(d)
    return c


def _func(name: str, inputs: list, results: list) -> tuple[ModuleOp, func.FuncOp, Block]:
    m = ModuleOp()
    f = func.FuncOp.build(name, FunctionType(tuple(inputs), tuple(results)))
    m.body.first_block.append(f)
    return m, f, f.body.first_block


def _const(block: Block, value, t) -> Value:
    return block.append(arith.ConstantOp(value, t)).result


def _roundtrip(m: Operation) -> str:
    ctx = _ctx()
    assert verify(m, raise_on_error=False)
    text = print_op_to_string(m)
    again = parse_source(ctx, text, "t.mir")
    assert verify(again, raise_on_error=False)
    assert print_op_to_string(again) == text
    generic = print_op_to_string(m, generic=True)
    assert print_op_to_string(parse_source(ctx, generic, "t.mir")) == text
    return text


def test_builders_make_verifier_clean_ops():
    m, f, b = _func("f", [index, f32, i1], [f32])
    n, x, c = b.args
    c0, c1 = _const(b, 0, index), _const(b, 1, index)
    loop = b.append(scf.ForOp.build(c0, n, c1, [x]))
    body = loop.body
    s = body.append(arith.AddFOp(loop.region_iter_args[0], x)).result
    body.append(scf.YieldOp.create([s]))
    branch = b.append(scf.IfOp.build(c, [f32]))
    branch.then_block.append(scf.YieldOp.create([loop.results[0]]))
    branch.else_block.append(scf.YieldOp.create([x]))
    empty_for = b.append(scf.ForOp.build(c0, n, c1))
    assert isinstance(empty_for.body.last_op, scf.YieldOp)
    b.append(scf.IfOp.build(c, with_else=True))
    par = b.append(scf.ParallelOp.build([c0, c0], [n, n], [c1, c1]))
    assert len(par.induction_vars) == 2 and isinstance(par.body.last_op, scf.ReduceOp)
    forall = b.append(scf.ForallOp.build([0], [n], [2]))
    assert forall.mixed(forall.staticUpperBound, forall.dynamicUpperBound) == [n]
    assert not forall.is_normalized()
    sw = b.append(scf.IndexSwitchOp.build(n, [1, 4], [f32]))
    for r in sw.regions:
        r.first_block.append(scf.YieldOp.create([x]))
    ex = b.append(scf.ExecuteRegionOp.build([f32]))
    ex.regions[0].first_block.append(scf.YieldOp.create([sw.results[0]]))
    w = b.append(scf.WhileOp.build([f32], [x]))
    w.before_body.append(scf.ConditionOp(c, [w.before_body.args[0]]))
    w.after_body.append(scf.YieldOp.create([w.after_body.args[0]]))
    b.append(func.ReturnOp([branch.results[0]]))
    text = _roundtrip(m)
    assert "scf.for %arg3 = %c0 to %arg0 step %c1 iter_args(%arg4 = %arg1) -> (f32) {" in text
    assert "scf.forall (%arg3) = (0) to (%arg0) step (2) {" in text


def test_interfaces():
    m, f, b = _func("f", [index, index], [])
    n, st_ = b.args
    c0, c1 = _const(b, 0, index), _const(b, 1, index)
    step1 = b.append(scf.ForOp.build(c0, n, c1))
    stepn = b.append(scf.ForOp.build(c0, n, st_))
    b.append(func.ReturnOp([]))
    assert LoopLikeOpInterface in step1.traits
    assert LoopLikeOpInterface.get_loop_regions(step1) == [step1.region]
    # a loop with step 1 always terminates: it may be hoisted; another step may not terminate
    assert is_pure(step1) and is_speculatable(step1)
    assert not is_speculatable(stepn)


# -- random nests -------------------------------------------------------------------------------

_TYPES = [f32, i32, index]


class _Builder:
    """Random scf nests over a memref of f32 and one i1, drawing choices from hypothesis."""

    def __init__(self, draw):
        self.draw = draw

    def value(self, pool: list[Value], t) -> Value:
        cands = [v for v in pool if v.type is t]
        return self.draw(st.sampled_from(cands))

    def body(self, block: Block, pool: list[Value], depth: int, ctl: dict) -> None:
        for _ in range(self.draw(st.integers(0, 3))):
            self.stmt(block, pool, depth, ctl)

    def stmt(self, block: Block, pool: list[Value], depth: int, ctl: dict) -> None:
        kinds = ["arith", "store"] + (["for", "if", "while", "parallel", "switch", "exec"] if depth < 3 else [])
        k = self.draw(st.sampled_from(kinds))
        d = self.draw
        if k == "arith":
            t = d(st.sampled_from(_TYPES))
            a, b = self.value(pool, t), self.value(pool, t)
            op = arith.AddFOp(a, b) if t is f32 else arith.AddIOp(a, b)
            pool.append(block.append(op).result)
        elif k == "store":
            block.append(memref.StoreOp(self.value(pool, f32), ctl["mem"], [self.value(pool, index)]))
        elif k == "for":
            types = d(st.lists(st.sampled_from(_TYPES), max_size=2))
            inits = [self.value(pool, t) for t in types]
            loop = block.append(scf.ForOp.build(ctl["c0"], self.value(pool, index), ctl["c1"], inits))
            inner = pool + [loop.induction_var] + loop.region_iter_args
            self.body(loop.body, inner, depth + 1, ctl)
            if inits:
                loop.body.append(scf.YieldOp.create([self.value(inner, t) for t in types]))
            else:
                _move_terminator_last(loop.body)
            pool.extend(loop.results)
        elif k == "if":
            types = d(st.lists(st.sampled_from(_TYPES), max_size=2))
            op = block.append(scf.IfOp.build(ctl["cond"], types, with_else=d(st.booleans())))
            for r in op.regions:
                if r.is_empty():
                    continue
                inner = list(pool)
                self.body(r.first_block, inner, depth + 1, ctl)
                if types:
                    r.first_block.append(scf.YieldOp.create([self.value(inner, t) for t in types]))
                else:
                    _move_terminator_last(r.first_block)
            pool.extend(op.results)
        elif k == "while":
            t = d(st.sampled_from(_TYPES))
            w = block.append(scf.WhileOp.build([t], [self.value(pool, t)]))
            inner = pool + [w.before_body.args[0]]
            self.body(w.before_body, inner, depth + 1, ctl)
            w.before_body.append(scf.ConditionOp(ctl["cond"], [self.value(inner, t)]))
            inner = pool + [w.after_body.args[0]]
            self.body(w.after_body, inner, depth + 1, ctl)
            w.after_body.append(scf.YieldOp.create([self.value(inner, t)]))
            pool.extend(w.results)
        elif k == "parallel":
            n = d(st.integers(1, 2))
            ub = self.value(pool, index)
            p = block.append(scf.ParallelOp.build([ctl["c0"]] * n, [ub] * n, [ctl["c1"]] * n,
                                                  [self.value(pool, f32)] if d(st.booleans()) else []))
            inner = pool + p.induction_vars
            if p.results:
                p.body.append(scf.ReduceOp.build([self.value(inner, f32)]))
                rb = p.body.last_op.regions[0].first_block
                rb.append(scf.ReduceReturnOp(rb.append(arith.AddFOp(rb.args[0], rb.args[1])).result))
                term = p.body.last_op
                term.detach()
                self.body(p.body, inner, depth + 1, ctl)
                p.body.append(term)
            else:
                self.body(p.body, inner, depth + 1, ctl)
                _move_terminator_last(p.body)
            pool.extend(p.results)
        elif k == "switch":
            types = d(st.lists(st.sampled_from(_TYPES), max_size=1))
            cases = d(st.lists(st.integers(-3, 3), unique=True, max_size=2))
            sw = block.append(scf.IndexSwitchOp.build(self.value(pool, index), cases, types))
            for r in sw.regions:
                inner = list(pool)
                self.body(r.first_block, inner, depth + 1, ctl)
                r.first_block.append(scf.YieldOp.create([self.value(inner, t) for t in types]))
            pool.extend(sw.results)
        else:
            types = d(st.lists(st.sampled_from(_TYPES), max_size=1))
            ex = block.append(scf.ExecuteRegionOp.build(types))
            inner = list(pool)
            self.body(ex.regions[0].first_block, inner, depth + 1, ctl)
            ex.regions[0].first_block.append(scf.YieldOp.create([self.value(inner, t) for t in types]))
            pool.extend(ex.results)


def _move_terminator_last(block: Block) -> None:
    """The builders add a terminator first; ops appended after it go before it."""
    term = next(op for op in block.ops if isinstance(op, (scf.YieldOp, scf.ReduceOp)))
    if block.last_op is not term:
        term.detach()
        block.append(term)


@st.composite
def scf_modules(draw):
    m, f, b = _func("f", [MemRefType((8,), f32), i1, index, f32, i32], [])
    mem, cond, n, x, y = b.args
    ctl = {"mem": mem, "cond": cond, "c0": _const(b, 0, index), "c1": _const(b, 1, index)}
    pool = [n, x, y, ctl["c0"], ctl["c1"]]
    builder = _Builder(draw)
    for _ in range(draw(st.integers(1, 4))):
        builder.stmt(b, pool, 0, ctl)
    b.append(func.ReturnOp([]))
    return m


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scf_modules())
def test_random_nests_roundtrip_and_lower(m):
    text = _roundtrip(m)
    # canonicalize verifies after the pass: every scf pattern leaves valid IR
    assert PassManager.parse("builtin.module(canonicalize)").run(parse_source(_ctx(), text, "t.mir"))
    lowered = parse_source(_ctx(), text, "t.mir")
    assert PassManager.parse("builtin.module(convert-scf-to-cf)").run(lowered)
    assert verify(lowered, raise_on_error=False)
    assert not any(o.name.startswith("scf.") for o in lowered.walk())
