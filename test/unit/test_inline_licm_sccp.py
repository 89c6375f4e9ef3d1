"""The inline, loop-invariant-code-motion and sccp passes through their
Python API: the call graph and its SCC order, one-call inlining, the
simplification pipeline hook, dead callables, the LoopLikeOpInterface
defaults and speculatability, and the SCCP lattice."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest
from mlir_py.dialects.arith import DIALECT as ARITH
from mlir_py.dialects.func import DIALECT as FUNC
from mlir_py.dialects.func import CallOp, FuncOp
from mlir_py.passes.transforms.inline import (
    CallGraph,
    InlinerPass,
    dead_private_callables,
    inline_call,
    resolve_callable,
)
from mlir_py.passes.transforms.loop_invariant_code_motion import (
    can_be_hoisted,
    move_loop_invariant_code,
    should_move_out_of_loop,
)
from mlir_py.passes.transforms.sccp import OVERDEFINED, Constant, ConstantPropagation

from mlir_py.analysis.symbols import lookup_symbol
from mlir_py.builtin import UnitAttr
from mlir_py.definition.inliner import DialectInlinerInterface
from mlir_py.definition.traits import (
    LoopLikeOpInterface,
    RecursivelySpeculatable,
    Speculation,
    is_speculatable,
)
from mlir_py.ir.context import Context
from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import Pass, PassManager, lookup, register_pass, registry_scope
from mlir_py.text.parser import parse_source

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load_test_loop_dialect():
    path = ROOT / "test" / "passes" / "licm" / "Inputs" / "test_loop_dialect.py"
    name = "mlir_py_test_loop_dialect"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


TL = _load_test_loop_dialect()


def parse(text: str, *extra) -> Operation:
    ctx = Context(allow_unregistered_dialects=True)
    ctx.load_all_available_dialects()
    for d in extra:
        ctx.load_dialect(d)
    m = parse_source(ctx, text, "test.mir")
    assert m.verify()
    return m


def func(module: Operation, name: str) -> FuncOp:
    f = lookup_symbol(module, name)
    assert isinstance(f, FuncOp)
    return f


def names(op: Operation) -> list[str]:
    """The op names directly in the (single-block) body of op, in order."""
    return [o.name for o in op.regions[0].first_block.ops]


def run(module: Operation, pipeline: str) -> None:
    assert PassManager().add(pipeline).run(module)


# ----------------------------------------------------------------------------
# Registration
# ----------------------------------------------------------------------------


def test_passes_registered_with_upstream_names():
    for name in ("inline", "loop-invariant-code-motion", "sccp"):
        cls = lookup(name)
        assert cls is not None and issubclass(cls, Pass), name
    assert [o.name for o in InlinerPass.options] == [
        "default-pipeline", "op-pipelines", "max-iterations", "inlining-threshold"]
    assert InlinerPass().pipeline_text().startswith("inline{default-pipeline=canonicalize ")


# ----------------------------------------------------------------------------
# inline
# ----------------------------------------------------------------------------

CALLS = """
func.func @leaf(%x: i32) -> i32 {
  %r = arith.muli %x, %x : i32
  return %r : i32
}
func.func @mid(%x: i32) -> i32 {
  %r = call @leaf(%x) : (i32) -> i32
  return %r : i32
}
func.func @top(%x: i32) -> i32 {
  %r = call @mid(%x) : (i32) -> i32
  %s = call @self(%r) : (i32) -> i32
  return %s : i32
}
func.func @self(%x: i32) -> i32 {
  %r = call @self(%x) : (i32) -> i32
  return %r : i32
}
func.func @ping(%x: i32) -> i32 {
  %r = call @pong(%x) : (i32) -> i32
  return %r : i32
}
func.func @pong(%x: i32) -> i32 {
  %r = call @ping(%x) : (i32) -> i32
  return %r : i32
}
func.func private @decl(i32) -> i32
"""


def test_call_graph_sccs_are_bottom_up():
    m = parse(CALLS)
    cg = CallGraph(m)
    assert {n.op.sym_name_str for n in cg.nodes.values()} == {"leaf", "mid", "top", "self", "ping", "pong"}
    order = [sorted(n.op.sym_name_str for n in scc) for scc in cg.sccs_bottom_up()]
    assert order.index(["leaf"]) < order.index(["mid"]) < order.index(["top"])
    assert order.index(["self"]) < order.index(["top"])
    assert ["ping", "pong"] in order
    self_node = cg.nodes[func(m, "self")]
    assert self_node.calls == [self_node]


def test_resolve_callable_by_symbol_and_value():
    m = parse(CALLS + """
    func.func @ind(%x: i32) -> i32 {
      %f = func.constant @leaf : (i32) -> i32
      %r = func.call_indirect %f(%x) : (i32) -> i32
      return %r : i32
    }""")
    call = next(o for o in func(m, "mid").walk() if isinstance(o, CallOp))
    assert resolve_callable(call) is func(m, "leaf")
    ind = next(o for o in func(m, "ind").walk() if o.name == "func.call_indirect")
    assert resolve_callable(ind).name == "func.constant"  # not callable: no node, not inlined


def test_inline_call_single_block():
    m = parse(CALLS)
    call = next(o for o in func(m, "mid").walk() if isinstance(o, CallOp))
    leaf = func(m, "leaf")
    groups = inline_call(call, leaf, leaf.regions[0])
    assert [[o.name for o in g] for g in groups] == [["arith.muli"]]
    call.erase()
    assert names(func(m, "mid")) == ["arith.muli", "func.return"]
    assert names(leaf) == ["arith.muli", "func.return"]  # the callee is cloned, not moved
    assert m.verify()


def test_inline_call_refuses_without_changing_anything():
    m = parse(CALLS)
    call = next(o for o in func(m, "mid").walk() if isinstance(o, CallOp))
    call.properties["no_inline"] = UnitAttr()
    leaf = func(m, "leaf")
    before = str(m)
    assert inline_call(call, leaf, leaf.regions[0]) is None
    assert str(m) == before


def test_pass_inlines_bottom_up_and_skips_recursion():
    m = parse(CALLS)
    run(m, "inline{default-pipeline=}")
    top = func(m, "top")
    assert [o.name for o in top.walk() if isinstance(o, CallOp)] == ["func.call"]
    assert next(o for o in top.walk() if isinstance(o, CallOp)).get_callee().value == "self"
    assert "func.call" not in names(func(m, "mid"))
    for f, callee in (("self", "self"), ("ping", "pong"), ("pong", "ping")):
        calls = [o for o in func(m, f).walk() if isinstance(o, CallOp)]
        assert [c.get_callee().value for c in calls] == [callee]


def test_multi_block_callee_branches_to_continuation():
    m = parse("""
    func.func @pick(%c: i1, %a: i32, %b: i32) -> i32 {
      cf.cond_br %c, ^bb1, ^bb2
    ^bb1:
      return %a : i32
    ^bb2:
      return %b : i32
    }
    func.func @caller(%c: i1, %a: i32) -> i32 {
      %r = call @pick(%c, %a, %a) : (i1, i32, i32) -> i32
      %s = arith.addi %r, %a : i32
      return %s : i32
    }""")
    run(m, "inline{default-pipeline=}")
    caller = func(m, "caller")
    blocks = list(caller.regions[0].blocks)
    assert len(blocks) == 4
    assert [o.name for o in blocks[0].ops] == ["cf.cond_br"]
    assert [o.name for o in blocks[1].ops] == ["cf.br"] and blocks[1].last_op.successors == [blocks[3]]
    assert [o.name for o in blocks[3].ops] == ["arith.addi", "func.return"]
    assert len(blocks[3].args) == 1
    assert blocks[3].first_op.operands[0] is blocks[3].args[0]


def test_simplification_pipeline_runs_on_each_callable():
    seen: list[str] = []

    class Record(Pass):
        name = "test-inline-record"
        anchor = "func.func"

        def run_on_operation(self, op):
            calls = sum(1 for o in op.walk() if isinstance(o, CallOp))
            seen.append(f"{op.properties['sym_name'].value}:{calls}")

    m = parse(CALLS)
    with registry_scope():
        register_pass(Record)
        run(m, "inline{default-pipeline=test-inline-record}")
    # before inlining into mid (one call), then after it (none left)
    assert seen.index("mid:1") < seen.index("mid:0")
    assert "leaf:0" in seen and "top:2" in seen and "top:1" in seen
    assert seen.count("leaf:0") == 1  # nothing inlined into leaf: simplified once


def test_missing_default_pipeline_pass_is_skipped():
    m = parse(CALLS)
    with registry_scope():
        from mlir_py.pass_manager import unregister
        unregister("canonicalize")
        run(m, "inline")
    assert "func.call" not in names(func(m, "mid"))


def test_dead_private_callables():
    m = parse("""
    func.func private @a() { return }
    func.func private @b() {
      call @a() : () -> ()
      return
    }
    func.func private @kept_by_attr() { return }
    func.func private @recursive() {
      call @recursive() : () -> ()
      return
    }
    func.func @public() { return }
    "test.user"() {ref = @kept_by_attr} : () -> ()
    """)
    dead = dead_private_callables(m, CallGraph(m))
    assert sorted(f.sym_name_str for f in dead) == ["a", "b"]


def test_dialect_can_veto_inlining():
    m = parse(CALLS)
    class NoMuli(DialectInlinerInterface):
        def is_legal_to_inline(self, op, dest):
            return op.name != "arith.muli"

    saved, ARITH.inliner = ARITH.inliner, NoMuli()
    try:
        run(m, "inline{default-pipeline=}")
    finally:
        ARITH.inliner = saved
    assert "func.call" in names(func(m, "mid"))


MULTI_BLOCK = """
func.func private @pick(%c: i1, %a: i32, %b: i32) -> i32 {
  cf.cond_br %c, ^t, ^f
^t:
  return %a : i32
^f:
  return %b : i32
}
func.func @caller(%c: i1, %a: i32) -> i32 {
  %r = call @pick(%c, %a, %a) : (i1, i32, i32) -> i32
  return %r : i32
}
"""


def test_multi_block_returns_become_branches_through_the_dialect():
    m = parse(MULTI_BLOCK)
    run(m, "inline{default-pipeline=}")
    ops = [o.name for o in func(m, "caller").walk()]
    assert ops.count("cf.br") == 2 and "func.call" not in ops


def test_a_return_no_dialect_can_branch_from_keeps_the_call():
    m = parse(MULTI_BLOCK)
    saved, FUNC.inliner = FUNC.inliner, DialectInlinerInterface()
    try:
        run(m, "inline{default-pipeline=}")
    finally:
        FUNC.inliner = saved
    assert "func.call" in names(func(m, "caller"))


# ----------------------------------------------------------------------------
# loop-invariant-code-motion
# ----------------------------------------------------------------------------

LOOP = """
func.func @f(%lb: index, %ub: index, %a: index, %b: index) {
  %c1 = arith.constant 1 : index
  test_loop.for %i = %lb to %ub step %c1 {
    %x = arith.addi %a, %b : index
    %y = arith.muli %x, %i : index
    %d = arith.divsi %a, %b : index
    test_loop.store %y : index
    test_loop.store %d : index
    test_loop.yield
  }
  return
}
"""


def _loop(m: Operation) -> Operation:
    return next(o for o in m.walk() if o.name == "test_loop.for")


def test_loop_like_defaults():
    m = parse(LOOP, TL.DIALECT)
    loop = _loop(m)
    assert LoopLikeOpInterface in loop.traits
    assert LoopLikeOpInterface.get_loop_regions(loop) == list(loop.regions)
    f = func(m, "f")
    a = f.regions[0].first_block.args[2]
    iv = loop.regions[0].first_block.args[0]
    inner = loop.regions[0].first_block.first_op
    assert LoopLikeOpInterface.is_defined_outside_of_loop(loop, a)
    assert not LoopLikeOpInterface.is_defined_outside_of_loop(loop, iv)
    assert not LoopLikeOpInterface.is_defined_outside_of_loop(loop, inner.result)
    LoopLikeOpInterface.move_out_of_loop(loop, inner)
    assert inner.next_op is loop


def test_speculatability():
    m = parse(LOOP, TL.DIALECT)
    body = list(_loop(m).regions[0].first_block.ops)
    addi, muli, divsi, store = body[0], body[1], body[2], body[3]
    assert is_speculatable(addi) and should_move_out_of_loop(addi)
    assert not is_speculatable(divsi) and not should_move_out_of_loop(divsi)
    assert not should_move_out_of_loop(store)
    outside = lambda v: LoopLikeOpInterface.is_defined_outside_of_loop(_loop(m), v)  # noqa: E731
    assert can_be_hoisted(addi, outside) and not can_be_hoisted(muli, outside)
    assert is_speculatable(_loop(m)) is False  # stores inside
    assert RecursivelySpeculatable in TL.RegionOp.traits
    assert _loop(m).get_speculatability() == Speculation.RECURSIVELY_SPECULATABLE


def test_move_loop_invariant_code_counts_and_keeps_effects():
    m = parse(LOOP, TL.DIALECT)
    loop = _loop(m)
    assert move_loop_invariant_code(loop) == 1
    assert names(loop) == ["arith.muli", "arith.divsi", "test_loop.store", "test_loop.store",
                           "test_loop.yield"]
    assert names(func(m, "f")) == ["arith.constant", "arith.addi", "test_loop.for", "func.return"]
    assert move_loop_invariant_code(loop) == 0


def test_loop_op_can_override_interface_methods():
    moved = []

    class Hooked(TL.ForOp):
        name = "test_loop.for"  # same op, own hooks

        def get_loop_regions(self):
            return []

        def move_out_of_loop(self, op):
            moved.append(op)

    m = parse(LOOP, TL.DIALECT)
    loop = _loop(m)
    loop.__class__ = Hooked
    assert move_loop_invariant_code(loop) == 0
    Hooked.get_loop_regions = lambda self: list(self.regions)
    assert move_loop_invariant_code(loop) == 1 and moved[0].name == "arith.addi"


def test_licm_pass_statistic():
    m = parse(LOOP, TL.DIALECT)
    pm = PassManager().add("loop-invariant-code-motion")
    assert pm.run(m)
    p = next(pm.all_passes())
    assert p.stats["num-hoisted"] == 1


# ----------------------------------------------------------------------------
# sccp
# ----------------------------------------------------------------------------

CFG = """
func.func @f(%arg0: i32, %c: i1) -> i32 {
  %t = arith.constant true
  %one = arith.constant 1 : i32
  cf.cond_br %t, ^bb1, ^bb2(%arg0 : i32)
^bb1:
  %two = arith.addi %one, %one : i32
  cf.cond_br %c, ^bb2(%two : i32), ^bb3(%two : i32)
^bb2(%x: i32):
  return %x : i32
^bb3(%y: i32):
  %z = arith.addi %y, %arg0 : i32
  return %z : i32
}
"""


def test_sccp_lattice_and_executable_blocks():
    m = parse(CFG)
    a = ConstantPropagation(m)
    a.run()
    f = func(m, "f")
    b0, b1, b2, b3 = f.regions[0].blocks
    assert all(a.is_executable(b) for b in (b0, b1, b2, b3))
    two = b1.first_op.result
    assert isinstance(a.lattice(two), Constant) and a.lattice(two).value.value == 2
    assert a.lattice(b2.args[0]) == a.lattice(two)  # only the edge from ^bb1 is taken
    assert a.lattice(b0.args[0]) == OVERDEFINED
    assert a.lattice(b3.first_op.result) == OVERDEFINED


def test_sccp_unreached_values_stay_unknown():
    m = parse("""
    func.func @f(%a: i32) -> i32 {
      %false = arith.constant false
      cf.cond_br %false, ^bb1, ^bb2
    ^bb1:
      %x = arith.addi %a, %a : i32
      return %x : i32
    ^bb2:
      return %a : i32
    }""")
    a = ConstantPropagation(m)
    a.run()
    b1 = list(func(m, "f").regions[0].blocks)[1]
    assert not a.is_executable(b1)
    assert a.lattice(b1.first_op.result) is None


def test_sccp_pass_rewrites_and_counts():
    m = parse(CFG)
    pm = PassManager().add("sccp")
    assert pm.run(m)
    p = next(pm.all_passes())
    assert p.stats["num-replaced"] >= 3 and p.stats["num-erased"] >= 2
    f = func(m, "f")
    b2 = list(f.regions[0].blocks)[2]
    ret = b2.last_op
    assert ret.operands[0].op.name == "arith.constant"
    assert ret.operands[0].op.parent is f.regions[0].first_block
    assert m.verify()


def test_sccp_does_not_fold_in_place():
    # commutative ops would move constants in canonicalize; SCCP only simulates
    m = parse("""
    func.func @f(%a: i32) -> i32 {
      %c = arith.constant 3 : i32
      %r = arith.addi %c, %a : i32
      return %r : i32
    }""")
    run(m, "sccp")
    addi = next(o for o in m.walk() if o.name == "arith.addi")
    assert addi.operands[1] is func(m, "f").regions[0].first_block.args[0]


@pytest.mark.parametrize("name", ["inline", "loop-invariant-code-motion", "sccp"])
def test_passes_leave_verified_ir_on_empty_module(name):
    m = parse("")
    run(m, name)
    assert m.verify()
