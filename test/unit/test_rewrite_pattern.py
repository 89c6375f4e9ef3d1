"""Patterns, pattern sets and the PatternRewriter (mlir_py.rewrite.pattern)."""

import pytest

from mlir_py.builtin import IntegerAttr, i32
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, operand, prop, region, result, successor, var_operand
from mlir_py.definition.traits import (
    BranchOpInterface,
    Commutative,
    ConstantLike,
    IsolatedFromAbove,
    Pure,
    SameOperandsAndResultType,
    Terminator,
)
from mlir_py.ir.context import Context
from mlir_py.ir.location import FileLineColLoc, UnknownLoc
from mlir_py.ir.operation import Block, IRError, Operation, Region
from mlir_py.rewrite import (
    FrozenPatternSet,
    FunctionPattern,
    PatternRewriter,
    RewritePattern,
    RewriterListener,
    collect_canonicalization_patterns,
    pattern,
)
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string

# -- a tiny dialect -------------------------------------------------------------


class ConstOp(Op):
    name = "rp.const"
    traits = [Pure, ConstantLike]
    value = prop()
    result = result()
    assembly_format = "$value attr-dict"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [props["value"].type]


class AddOp(Op):
    name = "rp.add"
    traits = [Pure, Commutative, SameOperandsAndResultType]
    lhs = operand()
    rhs = operand()
    result = result()
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


class SubOp(Op):
    name = "rp.sub"
    traits = [Pure, SameOperandsAndResultType]
    lhs = operand()
    rhs = operand()
    result = result()
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


class BrOp(Op):
    name = "rp.br"
    traits = [Pure, Terminator, BranchOpInterface]
    args = var_operand()
    dest = successor()
    assembly_format = "$dest (`(` $args^ `:` type($args) `)`)? attr-dict"

    def get_successor_operands(self, index):
        return self.args


class RetOp(Op):
    name = "rp.ret"
    traits = [Pure, Terminator]
    args = var_operand()
    assembly_format = "attr-dict ($args^ `:` type($args))?"


class FuncOp(Op):
    name = "rp.func"
    traits = [IsolatedFromAbove]
    body = region()

    @classmethod
    def get_canonicalization_patterns(cls):
        return [SwapSub]


RP = Dialect("rp", [ConstOp, AddOp, SubOp, BrOp, RetOp, FuncOp])


def parse(body: str, args: str = "%a: i32, %b: i32"):
    ctx = Context(allow_unregistered_dialects=True)
    ctx.load_dialect(RP)
    m = parse_source(ctx, f'"rp.func"() ({{\n^bb0({args}):\n{body}\n}}) : () -> ()', "t.mir")
    return m, m.block.first_op


def text(op) -> str:
    return print_op_to_string(op)


def ops_of(func) -> list:
    return list(func.regions[0].first_block.ops)


class SwapSub(RewritePattern):
    root = SubOp

    def match_and_rewrite(self, op, rewriter):
        return False


class Recorder(RewriterListener):
    def __init__(self):
        self.events = []

    def notify_op_inserted(self, op):
        self.events.append(("inserted", op.name))

    def notify_op_replaced(self, op, new_values):
        self.events.append(("replaced", op.name))

    def notify_op_erased(self, op):
        self.events.append(("erased", op.name))

    def notify_op_modified(self, op):
        self.events.append(("modified", op.name))

    def notify_block_inserted(self, block):
        self.events.append(("block_inserted",))

    def notify_block_erased(self, block):
        self.events.append(("block_erased",))

    def notify_match_failure(self, op, reason):
        self.events.append(("failure", reason))


# -- patterns ---------------------------------------------------------------------


def test_pattern_roots_by_class_name_trait_and_any():
    class ByClass(RewritePattern):
        root = AddOp

    class ByTrait(RewritePattern):
        root = Commutative

    assert (ByClass().root_name, ByClass().root_trait) == ("rp.add", None)
    assert (ByTrait().root_name, ByTrait().root_trait) == (None, Commutative)
    p = RewritePattern("rp.sub", benefit=3)
    assert (p.root_name, p.benefit) == ("rp.sub", 3)
    assert RewritePattern(trait=Pure).root_trait is Pure
    anyop = RewritePattern()
    assert anyop.root_name is None and anyop.root_trait is None
    with pytest.raises(TypeError):
        RewritePattern(42)


def test_function_pattern_decorator():
    @pattern(AddOp, benefit=2)
    def fold_nothing(op, rewriter):
        """Never matches."""
        return None

    assert isinstance(fold_nothing, FunctionPattern)
    assert fold_nothing.root_name == "rp.add" and fold_nothing.benefit == 2
    assert fold_nothing.debug_name == "fold_nothing" and fold_nothing.__doc__ == "Never matches."
    assert fold_nothing.match_and_rewrite(None, None) is False

    @pattern
    def on_anything(op, rewriter):
        return True

    assert on_anything.root_name is None and on_anything.match_and_rewrite(None, None) is True

    @pattern(trait=Commutative)
    def on_commutative(op, rewriter):
        return False

    assert on_commutative.root_trait is Commutative


def test_frozen_pattern_set_orders_by_benefit_and_root():
    low = RewritePattern(AddOp, benefit=1)
    high = RewritePattern("rp.add", benefit=5)
    trait = RewritePattern(trait=Commutative, benefit=3)
    anyop = RewritePattern(benefit=4)
    sub = RewritePattern(SubOp, benefit=9)
    ps = FrozenPatternSet([low, [high, trait], anyop, sub])
    assert len(ps) == 5
    _, f = parse("  %x = rp.add %a, %b : i32\n  %y = rp.sub %a, %b : i32\n  rp.ret")
    add, sub_op, ret = ops_of(f)
    assert ps.patterns_for(add) == [high, anyop, trait, low]
    assert ps.patterns_for(sub_op) == [sub, anyop]
    assert ps.patterns_for(ret) == [anyop]
    assert ps.patterns_for(add) is ps.patterns_for(add)  # cached per class
    unregistered = Operation("other.op")
    by_name = RewritePattern("other.op", benefit=7)
    assert FrozenPatternSet([by_name, anyop]).patterns_for(unregistered) == [by_name, anyop]
    # classes are instantiated; sets merge
    merged = FrozenPatternSet([SwapSub]) + ps
    assert isinstance(merged.patterns[0], SwapSub) and len(merged) == 6
    with pytest.raises(TypeError):
        FrozenPatternSet([object()])


def test_collect_canonicalization_patterns():
    RP.canonicalization_patterns = [RewritePattern(AddOp)]
    try:
        pats = collect_canonicalization_patterns([RP])
    finally:
        RP.canonicalization_patterns = []
    assert [type(p) for p in pats] == [RewritePattern, SwapSub]


# -- rewriter -----------------------------------------------------------------------


def test_insertion_points_and_create():
    _, f = parse("  %x = rp.add %a, %b : i32\n  rp.ret %x : i32")
    add, ret = ops_of(f)
    a, b = f.regions[0].first_block.args
    rw = PatternRewriter()
    with pytest.raises(IRError):
        rw.insert(SubOp(a, b))
    rw.set_insertion_point_after(add)
    s1 = rw.create(SubOp, add.result, b)
    rw.set_insertion_point(add)
    s2 = rw.create(SubOp(a, a))
    rw.set_insertion_point_to_start(add.parent)
    c = rw.create(ConstOp, value=IntegerAttr(1, i32))
    rw.set_insertion_point_to_end(add.parent)
    with rw.insertion_guard():
        rw.set_insertion_point(c)
        rw.create(ConstOp, value=IntegerAttr(2, i32))
    assert rw.insertion_point == (add.parent, None)
    assert [o.name for o in ops_of(f)] == ["rp.const", "rp.const", "rp.sub", "rp.add", "rp.sub", "rp.ret"]
    assert s1.lhs is add.result and s2.parent is add.parent
    with pytest.raises(IRError):
        rw.insert(s1)  # already inserted
    with pytest.raises(TypeError):
        rw.create(s1, a)


def test_default_location_for_new_ops():
    _, f = parse("  %x = rp.add %a, %b : i32\n  rp.ret %x : i32")
    add, _ = ops_of(f)
    rw = PatternRewriter()
    rw.set_insertion_point(add)
    rw.default_location = add.location
    new = rw.create(SubOp, add.lhs, add.rhs)
    assert new.location == add.location and isinstance(add.location, FileLineColLoc)
    explicit = FileLineColLoc("x.mir", 9, 9)
    assert rw.create(SubOp(add.lhs, add.rhs, location=explicit)).location is explicit
    rw.default_location = None
    assert isinstance(rw.create(SubOp, add.lhs, add.rhs).location, UnknownLoc)


def test_replace_op_with_values_and_with_new_op():
    _, f = parse("  %x = rp.add %a, %b : i32\n  %y = rp.add %x, %x : i32\n  rp.ret %y : i32")
    add1, add2, ret = ops_of(f)
    rec = Recorder()
    rw = PatternRewriter(rec)
    a = f.regions[0].first_block.args[0]
    rw.replace_op(add1, [a])
    assert add2.operands == [a, a] and add1.parent is None
    assert rec.events == [("replaced", "rp.add"), ("modified", "rp.add"), ("modified", "rp.add"),
                          ("erased", "rp.add")]
    rec.events.clear()
    new = rw.replace_op_with_new_op(add2, SubOp, a, a)
    assert ret.operands == [new.result] and new.next_op is ret
    assert rec.events[0] == ("inserted", "rp.sub") and rec.events[-1] == ("erased", "rp.add")
    # an op not yet inserted is put before the replaced one
    sub2 = SubOp(a, a)
    rw.replace_op(new, sub2)
    assert sub2.next_op is ret and ret.operands == [sub2.result]
    with pytest.raises(IRError):
        rw.replace_op(sub2, [a, a])


def test_erase_op_requires_no_uses_and_erase_block():
    _, f = parse("  %x = rp.add %a, %b : i32\n  rp.br ^bb1\n^bb1:\n  %y = rp.add %a, %a : i32\n  rp.ret %x : i32")
    add, br = ops_of(f)
    rw = PatternRewriter(Recorder())
    with pytest.raises(IRError):
        rw.erase_op(add)
    bb1 = f.regions[0].last_block
    rw.erase_block(bb1)
    assert f.regions[0].num_blocks() == 1 and not add.result.has_uses()
    assert rw.listener.events == [("erased", "rp.ret"), ("erased", "rp.add"), ("block_erased",)]
    rw.erase_op(add)
    assert [o.name for o in ops_of(f)] == ["rp.br"]


def test_replace_all_uses_and_conditional_replacement():
    _, f = parse("  %x = rp.add %a, %b : i32\n  %y = rp.sub %a, %a : i32\n  rp.ret %a, %y : i32, i32")
    add, sub, ret = ops_of(f)
    a, b = f.regions[0].first_block.args
    rw = PatternRewriter(Recorder())
    rw.replace_uses_with_if(a, b, lambda use: use.owner is sub)
    assert sub.operands == [b, b] and ret.operands[0] is a
    rw.replace_all_uses_with(a, add.result)
    assert add.operands == [add.result, b] and ret.operands[0] is add.result
    rw.replace_all_op_uses_with(sub, [b])
    assert ret.operands == [add.result, b] and sub.parent is not None


def test_modify_in_place_and_moves():
    _, f = parse("  %x = rp.add %a, %b : i32\n  %y = rp.sub %a, %b : i32\n  rp.ret %y : i32")
    add, sub, ret = ops_of(f)
    rec = Recorder()
    rw = PatternRewriter(rec)
    rw.modify_op_in_place(sub, lambda: sub.set_operand(0, add.result))
    with rw.modifying(add):
        add.attributes["rp.tag"] = IntegerAttr(1, i32)
    assert rec.events == [("modified", "rp.sub"), ("modified", "rp.add")]
    rw.move_op_after(add, sub)
    assert [o.name for o in ops_of(f)] == ["rp.sub", "rp.add", "rp.ret"]
    rw.move_op_before(add, sub)
    assert [o.name for o in ops_of(f)] == ["rp.add", "rp.sub", "rp.ret"]
    assert rec.events[-1] == ("inserted", "rp.add")
    with pytest.raises(ZeroDivisionError):
        rw.modify_op_in_place(add, lambda: 1 / 0)


def test_split_merge_and_inline_blocks():
    _, f = parse("  %x = rp.add %a, %b : i32\n  %y = rp.sub %x, %b : i32\n  rp.ret %y : i32")
    add, sub, ret = ops_of(f)
    region = f.regions[0]
    entry = region.first_block
    rec = Recorder()
    rw = PatternRewriter(rec)
    tail = rw.split_block(entry, sub)
    assert [o.name for o in entry.ops] == ["rp.add"] and [o.name for o in tail.ops] == ["rp.sub", "rp.ret"]
    assert tail.prev_block is entry and rec.events[0] == ("block_inserted",)
    rw.merge_blocks(tail, entry)
    assert region.num_blocks() == 1 and [o.name for o in entry.ops] == ["rp.add", "rp.sub", "rp.ret"]
    assert ("block_erased",) in rec.events

    # inline a block with an argument before an op
    other = Block([i32])
    a = entry.args[0]
    other.append(SubOp(other.args[0], other.args[0]))
    rw.inline_block_before(other, ret, [a])
    moved = ret.prev_op
    assert moved.name == "rp.sub" and moved.operands == [a, a]
    with pytest.raises(IRError):
        rw.merge_blocks(Block([i32]), entry, [])


def test_create_block_clone_and_inline_region():
    _, f = parse("  %x = rp.add %a, %b : i32\n  rp.ret %x : i32")
    add, ret = ops_of(f)
    rec = Recorder()
    rw = PatternRewriter(rec)
    r = Region()
    blk = rw.create_block(r, [i32])
    assert rw.insertion_block is blk and blk.arg_types == [i32]
    mapper = {add.lhs: blk.args[0]}
    c = rw.clone(add, mapper)
    assert c.parent is blk and c.operands[0] is blk.args[0] and c is not add
    rw.create(RetOp, [c.result])
    rw.inline_region_before(r, f.regions[0])
    assert r.is_empty() and f.regions[0].num_blocks() == 2 and f.regions[0].last_block is blk
    assert rec.events.count(("block_inserted",)) == 2


def test_notify_match_failure():
    rec = Recorder()
    assert PatternRewriter(rec).notify_match_failure(None, "no constant") is False
    assert rec.events == [("failure", "no constant")]


def test_printed_result_after_rewrites():
    m, f = parse("  %x = rp.add %a, %b : i32\n  rp.ret %x : i32")
    add, ret = ops_of(f)
    rw = PatternRewriter()
    rw.replace_op_with_new_op(add, SubOp, add.rhs, add.lhs)
    assert "%0 = rp.sub %arg1, %arg0 : i32" in text(m)
