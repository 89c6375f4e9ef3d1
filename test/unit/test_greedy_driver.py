"""The greedy pattern driver (mlir_py.rewrite.greedy)."""


from mlir_py.builtin import IntegerAttr, i1
from mlir_py.builtin.constraints import I1
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, operand, prop, region, result, successor, var_operand
from mlir_py.definition.traits import (
    Allocate,
    BranchOpInterface,
    Commutative,
    ConstantLike,
    Idempotent,
    Involution,
    IsolatedFromAbove,
    MemoryEffects,
    Pure,
    Read,
    RecursiveMemoryEffects,
    SameOperandsAndResultType,
    Terminator,
    Write,
)
from mlir_py.ir.context import Context
from mlir_py.ir.location import UnknownLoc
from mlir_py.rewrite import (
    RewritePattern,
    RewriterListener,
    apply_patterns_greedily,
    is_trivially_dead,
    pattern,
)
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string

# -- a tiny dialect -------------------------------------------------------------


class ConstOp(Op):
    name = "gd.const"
    traits = [Pure, ConstantLike]
    value = prop()
    result = result()
    assembly_format = "$value attr-dict"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [props["value"].type]


class AddOp(Op):
    name = "gd.add"
    traits = [Pure, Commutative, SameOperandsAndResultType]
    lhs = operand()
    rhs = operand()
    result = result()
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    def fold(self, operands):
        lhs, rhs = operands
        if lhs is not None and rhs is not None:
            return IntegerAttr(lhs.value + rhs.value, self.result.type)
        if rhs is not None and rhs.value == 0:
            return self.lhs
        return None


class MulOp(Op):
    name = "gd.mul"
    traits = [Pure, Commutative, SameOperandsAndResultType]
    lhs = operand()
    rhs = operand()
    result = result()
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


class NegOp(Op):
    name = "gd.neg"
    traits = [Pure, Involution, SameOperandsAndResultType]
    x = operand()
    result = result()
    assembly_format = "$x attr-dict `:` type($result)"


class AbsOp(Op):
    name = "gd.abs"
    traits = [Pure, Idempotent, SameOperandsAndResultType]
    x = operand()
    result = result()
    assembly_format = "$x attr-dict `:` type($result)"


class LoadOp(Op):
    name = "gd.load"
    traits = [MemoryEffects(Read())]
    result = result()
    assembly_format = "attr-dict `:` type($result)"


class AllocOp(Op):
    name = "gd.alloc"
    traits = [MemoryEffects(Allocate("result"))]
    result = result()
    assembly_format = "attr-dict `:` type($result)"


class StoreOp(Op):
    name = "gd.store"
    traits = [MemoryEffects(Write())]
    x = operand()
    assembly_format = "$x attr-dict `:` type($x)"


class ScopeOp(Op):
    """Its effects are those of its body."""
    name = "gd.scope"
    traits = [RecursiveMemoryEffects]
    body = region()
    result = result()


class YieldOp(Op):
    name = "gd.yield"
    traits = [Pure, Terminator]
    args = var_operand()
    assembly_format = "attr-dict ($args^ `:` type($args))?"


class BrOp(Op):
    name = "gd.br"
    traits = [Pure, Terminator, BranchOpInterface]
    args = var_operand()
    dest = successor()
    assembly_format = "$dest (`(` $args^ `:` type($args) `)`)? attr-dict"

    def get_successor_operands(self, index):
        return self.args


class CondBrOp(Op):
    name = "gd.cond_br"
    traits = [Pure, Terminator, BranchOpInterface]
    cond = operand(I1)
    true_args = var_operand()
    false_args = var_operand()
    true_dest = successor()
    false_dest = successor()
    assembly_format = ("$cond `,` $true_dest (`(` $true_args^ `:` type($true_args) `)`)? `,` "
                       "$false_dest (`(` $false_args^ `:` type($false_args) `)`)? attr-dict")

    def get_successor_operands(self, index):
        return self.true_args if index == 0 else self.false_args


class FuncOp(Op):
    name = "gd.func"
    traits = [IsolatedFromAbove]
    body = region()


def _materialize(value, type, loc):
    return ConstOp(value=value, location=loc) if isinstance(value, IntegerAttr) else None


GD = Dialect("gd", [ConstOp, AddOp, MulOp, NegOp, AbsOp, LoadOp, AllocOp, StoreOp, ScopeOp, YieldOp, BrOp,
                    CondBrOp, FuncOp], materialize_constant=_materialize)


def parse(body: str, args: str = "%a: i32, %b: i32"):
    ctx = Context(allow_unregistered_dialects=True)
    ctx.load_dialect(GD)
    return parse_source(ctx, f'"gd.func"() ({{\n^bb0({args}):\n{body}\n}}) : () -> ()', "gd.mir")


def body_text(m) -> str:
    """The printed function body, one op per line, without indentation, with
    the source's SSA names: they show which op survived a rewrite."""
    lines = print_op_to_string(m, keep_ssa_names=True).splitlines()[2:-2]
    return "\n".join(line.strip() for line in lines)


def run(src: str, patterns=(), **kw):
    m = parse(src)
    changed, converged = apply_patterns_greedily(m, patterns, **kw)
    return m, changed, converged


# -- folding -------------------------------------------------------------------------


def test_fold_constants_materializes_one_hoisted_constant():
    m, changed, converged = run("""
  %c1 = gd.const 1 : i32
  %c2 = gd.const 2 : i32
  %x = gd.add %c1, %c2 : i32
  %y = gd.add %a, %x : i32
  gd.yield %y : i32""")
    assert (changed, converged) == (True, True)
    assert body_text(m) == "^bb0(%a: i32, %b: i32):\n%0 = gd.const 3 : i32\n%y = gd.add %a, %0 : i32\ngd.yield %y : i32"


def test_fold_to_existing_value_and_commutative_canonical_order():
    m, _, _ = run("""
  %z = gd.const 0 : i32
  %x = gd.add %z, %a : i32
  %c = gd.const 5 : i32
  %y = gd.mul %c, %b : i32
  gd.yield %x, %y : i32, i32""")
    # add(0, a) -> add(a, 0) -> a; mul(5, b) -> mul(b, 5)
    assert body_text(m).splitlines()[1:] == [
        "%c = gd.const 5 : i32", "%y = gd.mul %b, %c : i32", "gd.yield %a, %y : i32, i32"]


def test_trait_folds_involution_and_idempotent():
    m, _, _ = run("""
  %n1 = gd.neg %a : i32
  %n2 = gd.neg %n1 : i32
  %p1 = gd.abs %b : i32
  %p2 = gd.abs %p1 : i32
  gd.yield %n2, %p2 : i32, i32""")
    assert body_text(m).splitlines()[1:] == ["%p1 = gd.abs %b : i32", "gd.yield %a, %p1 : i32, i32"]


def test_fold_disabled_keeps_ops():
    src = """
  %c1 = gd.const 1 : i32
  %x = gd.add %c1, %c1 : i32
  gd.yield %x : i32"""
    m, changed, converged = run(src, fold=False)
    assert not changed and converged
    assert "gd.add %c1, %c1" in body_text(m)


def test_materialization_failure_leaves_op():
    GD.materialize_constant = None
    try:
        m, _, converged = run("""
  %c1 = gd.const 1 : i32
  %x = gd.add %c1, %c1 : i32
  gd.yield %x : i32""")
    finally:
        GD.materialize_constant = _materialize
    assert converged and "gd.add %c1, %c1" in body_text(m)


def test_constants_deduplicated_and_hoisted_out_of_nested_regions():
    m, changed, _ = run("""
  %c1 = gd.const 7 : i32
  %s = "gd.scope"() ({
    %c2 = gd.const 7 : i32
    %c3 = gd.const 8 : i32
    %x = gd.add %c2, %a : i32
    %y = gd.add %x, %c3 : i32
    gd.yield %y : i32
  }) : () -> i32
  gd.store %s : i32
  gd.yield""")
    assert changed
    # as upstream: each constant met out of place moves to the front of the entry block
    assert body_text(m).splitlines()[1:6] == [
        "%c3 = gd.const 8 : i32", "%c1 = gd.const 7 : i32", '%s = "gd.scope"() ({',
        "%x = gd.add %a, %c1 : i32", "%y = gd.add %x, %c3 : i32"]
    c3 = next(op for op in m.walk() if op.name == "gd.const")
    assert isinstance(c3.location, UnknownLoc)


def test_cse_constants_disabled_materializes_in_place():
    m, _, _ = run("""
  %c1 = gd.const 1 : i32
  %x = gd.add %c1, %c1 : i32
  %y = gd.add %a, %x : i32
  gd.yield %y : i32""", cse_constants=False)
    assert body_text(m).splitlines()[1:] == ["%0 = gd.const 2 : i32", "%y = gd.add %a, %0 : i32",
                                             "gd.yield %y : i32"]


# -- dead code ----------------------------------------------------------------------------


def test_dead_ops_erased_effects_kept():
    m, _, _ = run("""
  %x = gd.add %a, %b : i32
  %l = gd.load : i32
  %m = gd.alloc : i32
  %u = "unreg.unknown"(%a) : (i32) -> i32
  gd.store %a : i32
  gd.yield""")
    assert body_text(m).splitlines()[1:] == ['%u = "unreg.unknown"(%a) : (i32) -> i32', "gd.store %a : i32",
                                             "gd.yield"]


def test_recursive_effects_region_op():
    pure_src = """
  %s = "gd.scope"() ({
    %x = gd.add %a, %b : i32
    gd.yield %x : i32
  }) : () -> i32
  gd.yield"""
    m, _, _ = run(pure_src)
    assert body_text(m).splitlines()[1:] == ["gd.yield"]
    effect_src = pure_src.replace("gd.yield %x : i32", "gd.store %x : i32\n    gd.yield %x : i32")
    m, _, _ = run(effect_src)
    assert "gd.scope" in body_text(m)
    scope = next(op for op in m.walk() if op.name == "gd.scope")
    assert not is_trivially_dead(scope)


def test_dead_chain_erased_in_one_run():
    m, _, converged = run("""
  %x = gd.add %a, %b : i32
  %y = gd.mul %x, %x : i32
  %z = gd.neg %y : i32
  gd.yield""")
    assert converged and body_text(m).splitlines()[1:] == ["gd.yield"]


# -- patterns ------------------------------------------------------------------------------


@pattern(MulOp)
def mul_by_two_is_add(op, rw):
    c = op.rhs.owner if hasattr(op.rhs, "op") else None
    if c is None or c.name != "gd.const" or c.value.value != 2:
        return False
    rw.replace_op_with_new_op(op, AddOp, op.lhs, op.lhs)
    return True


def test_pattern_then_fold_chain():
    m, changed, converged = run("""
  %c2 = gd.const 2 : i32
  %c0 = gd.const 0 : i32
  %y = gd.mul %c2, %a : i32
  %z = gd.add %y, %c0 : i32
  gd.yield %z : i32""", [mul_by_two_is_add])
    assert (changed, converged) == (True, True)
    assert body_text(m).splitlines()[1:] == ["%0 = gd.add %a, %a : i32", "gd.yield %0 : i32"]
    assert m.walk().__next__  # IR still walkable


def test_patterns_applied_by_benefit():
    applied = []

    class Low(RewritePattern):
        root = NegOp
        benefit = 1

        def match_and_rewrite(self, op, rw):
            applied.append("low")
            rw.replace_op_with_new_op(op, AbsOp, op.x)
            return True

    class High(RewritePattern):
        root = NegOp
        benefit = 2

        def match_and_rewrite(self, op, rw):
            applied.append("high")
            return rw.notify_match_failure(op, "not this one")

    m, _, _ = run("  %n = gd.neg %a : i32\n  gd.yield %n : i32", [Low(), High()])
    assert applied == ["high", "low"]
    assert "gd.abs %a" in body_text(m)


def test_top_down_and_bottom_up_order():
    seen = []

    @pattern(AddOp)
    def record(op, rw):
        seen.append(op.result.name_hint)
        return False

    src = "  %x = gd.add %a, %b : i32\n  %y = gd.add %x, %b : i32\n  gd.yield %y : i32"
    run(src, [record])
    assert seen == ["x", "y"]
    seen.clear()
    run(src, [record], top_down=False)
    assert seen == ["y", "x"]


def test_max_iterations_reports_non_convergence():
    toggles = []

    @pattern(NegOp)
    def flip(op, rw):
        toggles.append(1)
        with rw.modifying(op):
            op.attributes["gd.flag"] = IntegerAttr(len(toggles) % 2, i1)
        return True

    m, changed, converged = run("  %n = gd.neg %a : i32\n  gd.yield %n : i32", [flip], max_iterations=3,
                                max_num_rewrites=-1)
    assert changed and not converged
    # each iteration keeps re-applying the modifying pattern until the limit cuts in
    toggles.clear()
    _, _, converged = run("  %n = gd.neg %a : i32\n  gd.yield %n : i32", [flip], max_num_rewrites=5)
    assert not converged and len(toggles) == 5


def test_max_iterations_one_cannot_confirm_convergence():
    src = "  %c = gd.const 1 : i32\n  %x = gd.add %c, %c : i32\n  gd.yield %x : i32"
    _, changed, converged = run(src, max_iterations=1)
    assert changed and not converged
    _, changed, converged = run(src, max_iterations=2)
    assert changed and converged


def test_no_change_reports_unchanged():
    m, changed, converged = run("  %x = gd.add %a, %b : i32\n  gd.yield %x : i32")
    assert (changed, converged) == (False, True)


def test_listener_sees_driver_changes():
    events = []

    class L(RewriterListener):
        def notify_op_inserted(self, op):
            events.append(("inserted", op.name))

        def notify_op_erased(self, op):
            events.append(("erased", op.name))

        def notify_op_replaced(self, op, vals):
            events.append(("replaced", op.name))

        def notify_op_modified(self, op):
            events.append(("modified", op.name))

    run("  %c = gd.const 1 : i32\n  %x = gd.add %c, %c : i32\n  %d = gd.neg %a : i32\n  gd.yield %x : i32",
        listener=L())
    assert ("erased", "gd.neg") in events
    assert ("inserted", "gd.const") in events and ("replaced", "gd.add") in events
    assert ("erased", "gd.add") in events and ("modified", "gd.yield") in events


def test_apply_to_a_single_region():
    m = parse("  %c = gd.const 1 : i32\n  %x = gd.add %c, %c : i32\n  gd.yield %x : i32")
    func = m.block.first_op
    changed, converged = apply_patterns_greedily(func.regions[0], [])
    assert changed and converged
    assert "gd.const 2" in body_text(m)


# -- region simplification ---------------------------------------------------------------


def test_unreachable_blocks_erased_and_single_predecessor_merged():
    m, changed, converged = run("""
  %x = gd.add %a, %b : i32
  gd.br ^bb1(%x : i32)
^bb1(%y: i32):
  gd.br ^bb2
^bb2:
  gd.yield %y : i32
^bb3(%q: i32):
  %dead = gd.add %q, %q : i32
  gd.br ^bb3(%dead : i32)""")
    assert (changed, converged) == (True, True)
    assert body_text(m).splitlines()[1:] == ["%x = gd.add %a, %b : i32", "gd.yield %x : i32"]


def test_block_with_two_predecessors_not_merged():
    m, _, _ = run("""
  %c = gd.const 1 : i1
  gd.cond_br %c, ^bb1, ^bb2
^bb1:
  gd.store %a : i32
  gd.br ^bb3(%a : i32)
^bb2:
  gd.store %b : i32
  gd.br ^bb3(%b : i32)
^bb3(%r: i32):
  gd.yield %r : i32""")
    text = body_text(m)
    assert "^bb3(%r: i32)" in text and "gd.cond_br %c, ^bb1, ^bb2" in text


def test_dead_block_arguments_erased_through_cond_br_and_loops():
    m, changed, _ = run("""
  %c = "unreg.cond"() : () -> i1
  gd.cond_br %c, ^bb1(%a, %b : i32, i32), ^bb2(%b : i32)
^bb1(%u: i32, %v: i32):
  gd.store %v : i32
  gd.br ^bb1(%u, %v : i32, i32)
^bb2(%w: i32):
  gd.yield""")
    assert changed
    text = body_text(m)
    # %u is only forwarded back into itself and %w is unused
    assert "gd.cond_br %c, ^bb1(%b : i32), ^bb2" in text
    assert "^bb1(%v: i32):" in text and "gd.br ^bb1(%v : i32)" in text
    assert "^bb2:" in text
    condbr = next(op for op in m.walk() if op.name == "gd.cond_br")
    assert list(condbr.properties["operandSegmentSizes"]) == [1, 1, 0]
    assert condbr.verify()


def test_region_simplify_disabled():
    src = "  gd.br ^bb1\n^bb1:\n  gd.yield"
    m, changed, _ = run(src, region_simplify=False)
    assert not changed and "^bb1" in body_text(m)


# -- scale -------------------------------------------------------------------------------------


def test_large_function():
    # speed at scale: benchmarks/ir_throughput.py --passes (canonicalize,cse), not timed here
    n = 5000
    lines = ["  %c0 = gd.const 0 : i32", "  %v0 = gd.add %a, %c0 : i32"]
    for i in range(1, n):
        lines.append(f"  %k{i} = gd.const {i % 7} : i32")
        lines.append(f"  %v{i} = gd.add %k{i}, %v{i - 1} : i32")
    lines.append(f"  gd.yield %v{n - 1} : i32")
    m = parse("\n".join(lines))
    changed, converged = apply_patterns_greedily(m, [mul_by_two_is_add])
    assert changed and converged
    assert sum(1 for op in m.walk() if op.name == "gd.const") == 6  # 1..6; zero folded away


def test_fold_that_always_claims_a_change_terminates():
    class Stubborn(Op):
        name = "gd.stubborn"
        traits = [Pure, SameOperandsAndResultType]
        x = operand()
        result = result()
        assembly_format = "$x attr-dict `:` type($result)"

        def fold(self, operands):
            return self.result  # "changed in place", every time

    GD.add_op(Stubborn)
    m, changed, converged = run("  %s = gd.stubborn %a : i32\n  gd.yield %s : i32", max_iterations=2)
    assert changed and not converged
