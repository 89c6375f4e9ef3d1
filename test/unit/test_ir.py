"""The generic IR API: use lists, block/region structure, walking, cloning."""

from __future__ import annotations

import gc
import sys

import pytest

from mlir_py.builtin import ModuleOp
from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import f32, i32, i64, index
from mlir_py.ir.context import Context
from mlir_py.ir.operation import Block, BlockArgument, IRError, Operation, OpResult, Region
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import Printer


def op(name: str, operands=(), results=(), **kw) -> Operation:
    return Operation(name, operands, results, **kw)


def block_names(b: Block) -> list[str]:
    return [o.name for o in b.ops]


def text(m: Operation, **kw) -> str:
    return Printer(**kw).print_top_level(m)


@pytest.fixture
def ctx() -> Context:
    return Context(allow_unregistered_dialects=True)


# ----------------------------------------------------------------------------
# Values and use lists
# ----------------------------------------------------------------------------


def test_results_and_uses():
    a = op("t.a", results=[i32])
    b = op("t.b", [a.result, a.result], [i32])
    c = op("t.c", [a.result])
    v = a.result
    assert isinstance(v, OpResult) and v.owner is a and v.index == 0 and v.type is i32
    assert v.num_uses() == 3
    assert not v.has_one_use()
    assert sorted(u.index for u in v.uses if u.owner is b) == [0, 1]
    assert list(v.users).count(b) == 2 and c in list(v.users)
    assert b.operands == [v, v] and b.num_operands == 2 and b.operand(1) is v
    assert c.result_types == []
    with pytest.raises(IRError):
        _ = c.result  # no results
    two = op("t.two", results=[i32, f32])
    with pytest.raises(IRError):
        _ = two.result


def test_replace_all_uses_with():
    a = op("t.a", results=[i32])
    a2 = op("t.a2", results=[i32])
    users = [op("t.u", [a.result, a.result]) for _ in range(5)]
    a.result.replace_all_uses_with(a2.result)
    assert not a.result.has_uses()
    assert a2.result.num_uses() == 10
    for u in users:
        assert u.operands == [a2.result, a2.result]
    # replacing with itself is a no-op
    a2.result.replace_all_uses_with(a2.result)
    assert a2.result.num_uses() == 10
    # op-level RAUW with another op, and with a wrong count
    a.replace_all_uses_with(a2)
    with pytest.raises(IRError):
        a2.replace_all_uses_with([])
    a2.replace_all_uses_with([a.result])
    assert a.result.num_uses() == 10 and not a2.has_uses()


def test_replace_uses_with_if():
    a = op("t.a", results=[i32])
    b = op("t.b", results=[i32])
    u1 = op("t.keep", [a.result])
    u2 = op("t.swap", [a.result, a.result])
    a.result.replace_uses_with_if(b.result, lambda use: use.owner.name == "t.swap" and use.index == 1)
    assert u1.operands == [a.result]
    assert u2.operands == [a.result, b.result]
    assert a.result.num_uses() == 2 and b.result.has_one_use()


def test_set_operand_and_set_operands():
    a = op("t.a", results=[i32])
    b = op("t.b", results=[i32])
    u = op("t.u", [a.result, a.result])
    u.set_operand(0, b.result)
    assert u.operands == [b.result, a.result]
    assert a.result.has_one_use() and b.result.has_one_use()
    u.set_operand(0, b.result)  # same value: nothing changes
    assert b.result.num_uses() == 1
    u.set_operands([b.result, b.result, b.result])
    assert not a.result.has_uses() and b.result.num_uses() == 3
    assert [o.index for o in u.op_operands] == [0, 1, 2]
    u.drop_all_uses_of_operands()
    assert not b.result.has_uses() and u.operands == []


def test_use_list_unlink_middle_first_last():
    a = op("t.a", results=[i32])
    users = [op(f"t.u{i}", [a.result]) for i in range(4)]
    # newest use is first in the intrusive list; remove first, middle and last
    for i in (3, 1, 0):
        users[i].erase()
        remaining = {u.owner.name for u in a.result.uses}
        assert users[i].name not in remaining
    assert [u.owner for u in a.result.uses] == [users[2]]
    users[2].erase()
    assert not a.result.has_uses() and a.result._first_use is None


def test_erase_with_uses_is_an_error():
    blk = Block()
    a = blk.append(op("t.a", results=[i32]))
    u = blk.append(op("t.u", [a.result]))
    with pytest.raises(IRError, match="still used by 't.u'"):
        a.erase()
    assert a.parent is blk and block_names(blk) == ["t.a", "t.u"]
    u.erase()
    a.erase()
    assert blk.is_empty()


def test_erase_unsafe_drops_dangling_uses():
    blk = Block()
    a = blk.append(op("t.a", results=[i32]))
    blk.append(op("t.u", [a.result]))
    a.erase(safe=False)
    assert block_names(blk) == ["t.u"]
    assert not a.result.has_uses()


def test_erase_drops_uses_from_nested_regions():
    outer = Block()
    a = outer.append(op("t.a", results=[i32]))
    holder = outer.append(op("t.holder", regions=1))
    inner = Block()
    holder.regions[0].append(inner)
    inner.append(op("t.use", [a.result]))
    assert a.result.has_one_use()
    holder.erase()
    assert not a.result.has_uses()
    a.erase()


def test_block_argument_uses_and_erase():
    b = Block([i32, f32])
    assert [type(x) for x in b.args] == [BlockArgument, BlockArgument]
    assert b.arg_types == [i32, f32]
    u = b.append(op("t.u", [b.args[1]]))
    with pytest.raises(IRError):
        b.erase_argument(1)
    b.erase_argument(0)
    assert [a.index for a in b.args] == [0] and b.args[0].type is f32
    c = b.insert_argument(0, i64)
    assert [a.type for a in b.args] == [i64, f32] and [a.index for a in b.args] == [0, 1]
    assert c.owner is b and c.parent_block is b
    u.erase()
    b.erase_argument(1)
    assert b.arg_types == [i64]


# ----------------------------------------------------------------------------
# Blocks: O(1) insert/erase, moves, splitting
# ----------------------------------------------------------------------------


def test_block_insertion_api():
    b = Block()
    x = b.append(op("t.x"))
    z = b.append(op("t.z"))
    y = b.insert_before(z, op("t.y"))
    w = b.prepend(op("t.w"))
    v = b.insert_after(z, op("t.v"))
    q = b.insert_before(None, op("t.q"))  # None anchor: at the end
    p = b.insert_after(None, op("t.p"))  # None anchor: at the start
    assert block_names(b) == ["t.p", "t.w", "t.x", "t.y", "t.z", "t.v", "t.q"]
    assert [o.name for o in b.ops_reversed()] == list(reversed(block_names(b)))
    assert b.first_op is p and b.last_op is q and b.terminator is q and len(b) == 7
    assert x.next_op is y and y.prev_op is x and p.prev_op is None and q.next_op is None
    assert w.is_before_in_block(v) and not v.is_before_in_block(w)
    for o in (p, w, x, y, z, v, q):
        assert o.parent is b
    with pytest.raises(IRError, match="already in a block"):
        b.append(x)
    with pytest.raises(IRError):
        Block().insert_before(None, x)


def _events_for_middle_edits(n: int) -> int:
    """Profiler events (Python and C calls) spent erasing and re-inserting
    one op in the middle of an n-op block: the same for every n when neither
    edit walks the block (no timing involved, so load cannot make it flaky)."""
    b = Block()
    ops = [b.append(op("t.x")) for _ in range(n)]
    middle, anchor = ops[n // 2], ops[n // 2 + 1]
    events = 0

    def count(frame, event, arg):
        nonlocal events
        events += 1

    gc.collect()  # a collection during the edits would run other tests' finalizers (profiler events too)
    gc.disable()
    sys.setprofile(count)
    try:
        middle.erase()
        b.insert_before(anchor, op("t.y"))
    finally:
        sys.setprofile(None)
        gc.enable()
    assert len(b) == n
    return events


def test_block_insert_and_erase_are_constant_time():
    # the ops are an intrusive list: no container of them to scan in C either
    assert not any(isinstance(getattr(Block(), s, None), (list, dict)) for s in Block.__slots__ if s != "args")
    assert _events_for_middle_edits(100) == _events_for_middle_edits(10000)


def test_iteration_survives_erasing_current_op():
    b = Block()
    for i in range(6):
        b.append(op(f"t.{i}"))
    for o in b.ops:
        if int(o.name[2:]) % 2 == 0:
            o.erase()
    assert block_names(b) == ["t.1", "t.3", "t.5"]


def test_detach_and_move():
    b1, b2 = Block(), Block()
    a = b1.append(op("t.a"))
    c = b1.append(op("t.c"))
    x = b2.append(op("t.x"))
    d = a.detach()
    assert d is a and a.parent is None and a.prev_op is None and a.next_op is None
    assert block_names(b1) == ["t.c"]
    a.detach()  # detaching a detached op is harmless
    b1.append(a)
    a.move_before(c)
    assert block_names(b1) == ["t.a", "t.c"]
    a.move_after(c)
    assert block_names(b1) == ["t.c", "t.a"]
    c.move_after(x)  # across blocks
    assert block_names(b1) == ["t.a"] and block_names(b2) == ["t.x", "t.c"] and c.parent is b2
    c.move_before(x)
    assert block_names(b2) == ["t.c", "t.x"]
    assert b1.first_op is a and b1.last_op is a


def test_detached_op_keeps_operands():
    a = op("t.a", results=[i32])
    b = Block()
    u = b.append(op("t.u", [a.result]))
    u.detach()
    assert a.result.has_one_use() and u.operands == [a.result]


def test_split_before():
    r = Region()
    b = r.append(Block([i32]))
    ops = [b.append(op(f"t.{i}")) for i in range(4)]
    nb = b.split_before(ops[2])
    assert block_names(b) == ["t.0", "t.1"] and block_names(nb) == ["t.2", "t.3"]
    assert nb.parent is r and b.next_block is nb and nb.prev_block is b
    assert r.block_list == [b, nb] and nb.args == []
    assert all(o.parent is nb for o in ops[2:])
    assert b.last_op is ops[1] and nb.first_op is ops[2]
    # splitting before the first op leaves an empty block
    nb2 = nb.split_before(ops[2])
    assert nb.is_empty() and block_names(nb2) == ["t.2", "t.3"]
    assert r.num_blocks() == 3


def test_block_structure_queries():
    r = Region()
    b0 = r.append(Block())
    b1 = r.append(Block())
    b2 = r.insert_block_after(b0, Block())
    assert r.block_list == [b0, b2, b1]
    b3 = r.insert_block_before(b0, Block())
    assert r.entry_block is b3 and b3.is_entry_block() and not b0.is_entry_block()
    assert r.first_block is b3 and r.last_block is b1
    b0.append(op("t.br", successors=[b1, b2, b1]))
    b2.append(op("t.br", successors=[b1]))
    assert b0.successors == [b1, b2, b1]
    assert b1.predecessors == [b0, b0, b2]
    assert b3.successors == [] and b3.predecessors == []
    b2.detach()
    assert r.block_list == [b3, b0, b1] and b2.parent is None
    with pytest.raises(IRError):
        r.append(b0)
    assert not r.has_one_block()
    holder = op("t.holder", regions=[r])
    assert r.parent is holder and b0.parent_op is holder and r.parent_op is holder
    with pytest.raises(IRError, match="region already belongs"):
        op("t.other", regions=[r])


def test_block_erase_drops_uses():
    a = op("t.a", results=[i32])
    r = Region()
    b = r.append(Block())
    b.append(op("t.u", [a.result]))
    b.erase()
    assert r.is_empty() and not a.result.has_uses()


def test_parent_queries():
    m = ModuleOp.build_empty()
    inner = op("t.holder", regions=1)
    m.block.append(inner)
    blk = inner.regions[0].append(Block())
    leaf = blk.append(op("t.leaf"))
    assert leaf.parent_op is inner and inner.parent_op is m and m.parent_op is None
    assert leaf.parent_region is inner.regions[0]
    assert leaf.get_parent_of_type(ModuleOp) is m
    assert m.is_ancestor(leaf) and m.is_ancestor(m) and not inner.is_ancestor(m)


# ----------------------------------------------------------------------------
# Walking
# ----------------------------------------------------------------------------


WALK_SRC = """
"t.root"() ({
  "t.a"() ({
    "t.a1"() : () -> ()
  ^bb1:
    "t.a2"() ({
      "t.a2x"() : () -> ()
    }) : () -> ()
  }) : () -> ()
  "t.b"() : () -> ()
}, {
  "t.c"() : () -> ()
}) : () -> ()
"""


def test_walk_orders(ctx):
    m = parse_source(ctx, WALK_SRC)
    root = m.block.first_op
    post = [o.name for o in root.walk()]
    pre = [o.name for o in root.walk(post_order=False)]
    assert post == ["t.a1", "t.a2x", "t.a2", "t.a", "t.b", "t.c", "t.root"]
    assert pre == ["t.root", "t.a", "t.a1", "t.a2", "t.a2x", "t.b", "t.c"]
    seen = []
    assert root.walk(lambda o: seen.append(o.name)) is None
    assert seen == post
    # region and block walks exclude the owner
    assert [o.name for o in root.regions[1].walk()] == ["t.c"]
    assert [o.name for o in root.regions[0].first_block.walk(post_order=False)] == [
        "t.a", "t.a1", "t.a2", "t.a2x", "t.b"]


def test_walk_allows_erasing_visited_op(ctx):
    m = parse_source(ctx, WALK_SRC)
    for o in m.walk():
        if o.name in ("t.a1", "t.a2x", "t.b"):
            o.erase()
    assert [o.name for o in m.walk()] == ["t.a2", "t.a", "t.c", "t.root", "builtin.module"]


# ----------------------------------------------------------------------------
# Cloning
# ----------------------------------------------------------------------------


def test_clone_simple_with_mapping():
    a = op("t.a", results=[i32])
    b = op("t.b", results=[i32])
    u = op("t.u", [a.result, a.result], [f32], attributes={"x": IntegerAttr(1, i32)},
           properties={"p": StringAttr("s")})
    mapper = {a.result: b.result}
    c = u.clone(mapper)
    assert c is not u and c.name == "t.u" and c.parent is None
    assert c.operands == [b.result, b.result]
    assert a.result.num_uses() == 2  # the original is untouched
    assert mapper[u.result] is c.result and c.result.type is f32
    assert c.attributes == u.attributes and c.attributes is not u.attributes
    assert c.properties == u.properties and c.properties is not u.properties
    c.attributes["y"] = IntegerAttr(2, i32)
    assert "y" not in u.attributes
    # unmapped operands keep referring to the original values
    d = u.clone()
    assert d.operands == [a.result, a.result] and a.result.num_uses() == 4


CLONE_SRC = """
%outer = "t.outer"() : () -> i32
"t.holder"(%outer) ({
^bb0(%arg: i32):
  "t.br"(%late)[^bb2] : (i64) -> ()
^bb1:
  %late = "t.def"(%arg, %outer) : (i32, i32) -> i64
  "t.br"()[^bb2] : () -> ()
^bb2:
  "t.nested"() ({
    "t.use"(%late, %arg) : (i64, i32) -> ()
  }) : () -> ()
  "t.ret"() : () -> ()
}) : (i32) -> ()
"""


def test_clone_nested_regions_and_forward_refs(ctx):
    m = parse_source(ctx, CLONE_SRC)
    holder = m.block.last_op
    outer = m.block.first_op.result
    before = text(m)
    copy = holder.clone()
    m.block.append(copy)
    # the original still prints the same and the copy is self-contained
    blocks = copy.regions[0].block_list
    old_blocks = holder.regions[0].block_list
    assert len(blocks) == 3 and not set(blocks) & set(old_blocks)
    new_arg = blocks[0].args[0]
    assert new_arg is not old_blocks[0].args[0] and new_arg.type is i32
    br, = blocks[0].ops
    new_def = blocks[1].first_op
    # forward reference (use before def in a later block) points at the copy
    assert br.operands == [new_def.result]
    assert br.successors == [blocks[2]]
    assert blocks[1].last_op.successors == [blocks[2]]
    assert new_def.operands == [new_arg, outer]  # values from above stay shared
    use = blocks[2].first_op.regions[0].first_block.first_op
    assert use.operands == [new_def.result, new_arg]
    # nothing in the copy refers to the original region
    old_values = {o.result for o in holder.walk() if len(o.results) == 1} | set(old_blocks[0].args)
    for o in copy.walk():
        assert not set(o.operands) & old_values
        assert not set(o.successors) & set(old_blocks)
    assert outer.num_uses() == 4  # holder operand + def, in both copies
    after = text(m)
    assert after.startswith(before.rstrip("}\n"))
    assert after.count('"t.def"') == 2


def test_clone_without_regions(ctx):
    m = parse_source(ctx, CLONE_SRC)
    holder = m.block.last_op
    c = holder.clone(clone_regions=False)
    assert len(c.regions) == 1 and c.regions[0].is_empty() and c.regions[0].parent is c


def test_clone_registered_op_keeps_class(ctx):
    m = ModuleOp.build_empty()
    m.block.append(op("t.x"))
    c = m.clone()
    assert type(c) is ModuleOp and c.block is not m.block
    assert [o.name for o in c.block.ops] == ["t.x"]


def test_clone_round_trips(ctx):
    m = parse_source(ctx, CLONE_SRC)
    assert text(m.clone()) == text(m)
    assert text(m.clone(), generic=True) == text(m, generic=True)


# ----------------------------------------------------------------------------
# Regions
# ----------------------------------------------------------------------------


def test_region_take_body():
    src = Region()
    b1 = src.append(Block([i32]))
    b2 = src.append(Block())
    b1.append(op("t.x", [b1.args[0]]))
    dst = Region()
    b0 = dst.append(Block())
    dst.take_body(src)
    assert src.is_empty() and dst.block_list == [b0, b1, b2]
    assert b1.parent is dst and b2.parent is dst
    assert b1.first_op.operands == [b1.args[0]]
    holder = op("t.h", regions=[dst])
    assert b1.parent_op is holder


def test_region_counts_and_repr():
    r = Region([Block(), Block()])
    assert r.num_blocks() == 2 and "2 blocks" in repr(r)
    b = Block([i32])
    b.append(op("t.x"))
    assert "1 args" in repr(b) and "1 ops" in repr(b)
    o = op("t.u", [b.args[0]], [index])
    assert "t.u" in repr(o) and "1 results" in repr(o)


def test_print_detached_op_and_unknown_values():
    a = op("t.a", results=[i32])
    u = op("t.u", [a.result], [f32])
    # a standalone op whose operand is not defined anywhere still prints
    s = str(u)
    assert '"t.u"(<<UNKNOWN SSA VALUE>>) : (i32) -> f32' in s


def test_str_of_module(ctx):
    m = parse_source(ctx, '%0 = "t.a"() {k = 3 : i32} : () -> i32\n')
    assert str(m) == 'module {\n  %0 = "t.a"() {k = 3 : i32} : () -> i32\n}'


def test_printer_ignores_unusable_name_hints(ctx):
    m = ModuleOp.build_empty()
    ops = [op(f"t.{i}", results=[i32]) for i in range(6)]
    for o, hint in zip(ops, ["1", None, "a b", "arg0", "good", "9lives"]):
        o.result.name_hint = hint
        m.block.append(o)
    holder = m.block.append(op("t.h", regions=1))
    blk = holder.regions[0].append(Block([i32, i32]))
    blk.args[0].name_hint = "arg1"
    s = text(m, keep_ssa_names=True)
    assert [line.split(" = ")[0].strip() for line in s.split("\n")[1:7]] == ["%0", "%1", "%2", "%3", "%good", "%4"]
    assert "^bb0(%arg0: i32, %arg1: i32):" in s
    assert text(parse_source(ctx, s), keep_ssa_names=True) == s
    # by default no hint is used: names are upstream's
    s = text(m)
    assert [line.split(" = ")[0].strip() for line in s.split("\n")[1:7]] == ["%0", "%1", "%2", "%3", "%4", "%5"]


def _verify_messages(m: Operation) -> list[str]:
    from mlir_py.analysis.verifier import verify
    from mlir_py.ir.diagnostics import DiagnosticCollector
    with DiagnosticCollector() as c:
        verify(m)
    return [d.message for d in c.diagnostics] + [n.message for d in c.diagnostics for n in d.notes]


def test_verifier_isolated_from_above():
    # text cannot express this (the parser scopes names), the API can
    m = ModuleOp.build_empty()
    a = m.block.append(op("t.def", results=[i32]))
    inner = m.block.append(ModuleOp.build_empty())
    inner.block.append(op("t.use", [a.result]))
    assert _verify_messages(m) == ["'t.use' op using value defined outside the region",
                                   "required by region isolation constraints"]


def test_verifier_value_not_in_any_block():
    m = ModuleOp.build_empty()
    floating = op("t.def", results=[i32])
    m.block.append(op("t.use", [floating.result]))
    assert _verify_messages(m) == ["'t.use' op operand #0 is a value that is not defined in any block"]


def test_verifier_successor_in_other_region():
    m = ModuleOp.build_empty()
    h1 = m.block.append(op("t.h", regions=1))
    h2 = m.block.append(op("t.h", regions=1))
    other = h2.regions[0].append(Block())
    b = h1.regions[0].append(Block())
    b.append(op("t.br", successors=[other]))
    assert _verify_messages(m) == ["'t.br' op reference to block defined in another region"]


def test_packed_locations_register_sources_only_for_ops():
    """Attribute/type parses keep no source alive; op locations decode after the text is dropped."""
    from mlir_py.ir import location
    from mlir_py.ir.context import Context
    from mlir_py.text.parser import parse_attribute, parse_source
    ctx = Context(allow_unregistered_dialects=True)
    before = len(location._SOURCES)
    parse_attribute(ctx, "[1 : i32, \"s\"]")
    assert len(location._SOURCES) == before
    m = parse_source(ctx, '\n  "t.a"() : () -> ()\n"t.b"() : () -> ()\n', "locs.mir")
    a, b = list(m.regions[0].first_block.ops)
    assert len(location._SOURCES) == before + 1
    assert a.location.file_line_col() == ("locs.mir", 2, 3)
    assert location._SOURCES[-1].text is None  # replaced by the line table
    assert b.location.file_line_col() == ("locs.mir", 3, 1)
