"""The dialect-conversion framework (mlir_py.rewrite.conversion)."""

import pytest

from mlir_py.builtin import IntegerAttr, ModuleOp, UnrealizedConversionCastOp, i32, i64, index
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, operand, prop, region, result, successor, var_operand
from mlir_py.definition.traits import (
    BranchOpInterface,
    ConstantLike,
    IsolatedFromAbove,
    MemoryEffects,
    Pure,
    SameOperandsAndResultType,
    Terminator,
    Write,
)
from mlir_py.ir.attributes import TypeDef
from mlir_py.ir.context import Context
from mlir_py.ir.diagnostics import DiagnosticCollector
from mlir_py.rewrite import (
    ConversionPattern,
    ConversionTarget,
    RewritePattern,
    SignatureConversion,
    TypeConverter,
    apply_full_conversion,
    apply_partial_conversion,
    conversion_pattern,
)
from mlir_py.support.user_errors import UserCodeError
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string

# -- dialects: cv (structure), src (to convert), dst (converted) ----------------------


class PairType(TypeDef):
    name = "cv.pair"
    parameters = ()


class FuncOp(Op):
    name = "cv.func"
    traits = [IsolatedFromAbove]
    body = region()


class ContainerOp(Op):
    name = "cv.container"
    body = region()


class RetOp(Op):
    name = "cv.ret"
    traits = [Pure, Terminator]
    args = var_operand()
    assembly_format = "attr-dict ($args^ `:` type($args))?"


class BrOp(Op):
    name = "cv.br"
    traits = [Pure, Terminator, BranchOpInterface]
    args = var_operand()
    dest = successor()
    assembly_format = "$dest (`(` $args^ `:` type($args) `)`)? attr-dict"

    def get_successor_operands(self, index):
        return self.args


class UseOp(Op):
    name = "cv.use"
    traits = [MemoryEffects(Write())]
    x = operand()
    assembly_format = "$x attr-dict `:` type($x)"


CV = Dialect("cv", [FuncOp, ContainerOp, RetOp, BrOp, UseOp], types=[PairType])


def _binary(opname, traits=(), fold=None):
    ns = {"name": opname, "traits": [Pure, SameOperandsAndResultType, *traits], "lhs": operand(),
          "rhs": operand(), "result": result(), "assembly_format": "$lhs `,` $rhs attr-dict `:` type($result)"}
    if fold is not None:
        ns["fold"] = fold
    return type(opname.replace(".", "_"), (Op,), ns)


def _const(opname):
    def infer(cls, operands, props):
        return [props["value"].type]
    return type(opname.replace(".", "_"), (Op,), {
        "name": opname, "traits": [Pure, ConstantLike], "value": prop(), "result": result(),
        "assembly_format": "$value attr-dict", "infer_result_types": classmethod(infer)})


def _add_fold(self, operands):
    a, b = operands
    if a is not None and b is not None:
        return IntegerAttr(a.value + b.value, self.result.type)
    return None


SrcConst = _const("src.cst")
SrcAdd = _binary("src.add", fold=_add_fold)
SrcMul = _binary("src.mul")
SrcSub = _binary("src.sub")
SrcWeird = _binary("src.weird")


class SrcNeg(Op):
    name = "src.neg"
    traits = [Pure, SameOperandsAndResultType]
    x = operand()
    result = result()
    assembly_format = "$x attr-dict `:` type($result)"


class SrcSwap(Op):
    name = "src.swap"
    traits = [Pure, SameOperandsAndResultType]
    p = operand()
    result = result()
    assembly_format = "$p attr-dict `:` type($result)"


class SrcFirst(Op):
    name = "src.first"
    traits = [Pure]
    p = operand()
    result = result()
    assembly_format = "$p attr-dict `:` type($p) `->` type($result)"


SRC = Dialect("src", [SrcConst, SrcAdd, SrcMul, SrcSub, SrcWeird, SrcNeg, SrcSwap, SrcFirst],
              materialize_constant=lambda v, t, loc: SrcConst(value=v, location=loc))

DstConst = _const("dst.cst")
DstAdd = _binary("dst.add")
DstMul = _binary("dst.mul")


class DstNeg(Op):
    name = "dst.neg"
    traits = [Pure, SameOperandsAndResultType]
    x = operand()
    result = result()
    assembly_format = "$x attr-dict `:` type($result)"


class DstCast(Op):
    name = "dst.cast"
    traits = [Pure]
    x = operand()
    result = result()
    assembly_format = "$x attr-dict `:` type($x) `to` type($result)"


DST = Dialect("dst", [DstConst, DstAdd, DstMul, DstNeg, DstCast])


def parse(body: str, args: str = "%a: i32, %b: i32"):
    ctx = Context(allow_unregistered_dialects=True)
    for d in (CV, SRC, DST):
        ctx.load_dialect(d)
    return parse_source(ctx, f'"cv.func"() ({{\n^bb0({args}):\n{body}\n}}) : () -> ()', "cv.mir")


def body_text(m) -> str:
    """The function body, with the source's SSA names so that expectations
    read like the input (and a rollback must restore names too)."""
    lines = print_op_to_string(m, keep_ssa_names=True).splitlines()[2:-2]
    return "\n".join(line.strip() for line in lines)


def base_target() -> ConversionTarget:
    t = ConversionTarget()
    t.add_legal_op(ModuleOp)
    t.add_legal_dialect("cv", DST)
    t.add_illegal_dialect(SRC)
    return t


# -- patterns ---------------------------------------------------------------------------


class AddToDst(ConversionPattern):
    root = SrcAdd

    def match_and_rewrite(self, op, adaptor, rw):
        tc = rw.type_converter
        t = tc.convert_type(op.result.type) if tc else op.result.type
        rw.replace_op(op, rw.create(DstAdd(adaptor.lhs, adaptor.rhs, result_types=[t])))
        return True


@conversion_pattern(SrcConst)
def const_to_dst(op, adaptor, rw):
    tc = rw.type_converter
    t = tc.convert_type(op.result.type) if tc else op.result.type
    rw.replace_op(op, rw.create(DstConst, value=IntegerAttr(op.value.value, t)))
    return True


@conversion_pattern(SrcMul)
def mul_to_dst(op, adaptor, rw):
    rw.replace_op_with_new_op(op, DstMul, adaptor.lhs, adaptor.rhs)
    return True


@conversion_pattern(SrcNeg)
def neg_to_dst(op, adaptor, rw):
    rw.replace_op_with_new_op(op, DstNeg, adaptor.x)
    return True


@conversion_pattern(SrcSub)
def sub_to_add_neg(op, adaptor, rw):
    """Two steps: the new src ops are legalized in turn."""
    neg = rw.create(SrcNeg, adaptor.rhs)
    rw.replace_op_with_new_op(op, SrcAdd, adaptor.lhs, neg.result)
    return True


@conversion_pattern(SrcMul, benefit=5)
def mul_to_weird(op, adaptor, rw):
    """Preferred, but produces an op nothing can legalize."""
    rw.replace_op_with_new_op(op, SrcWeird, adaptor.lhs, adaptor.rhs)
    return True


class FuncSignature(ConversionPattern):
    root = FuncOp

    def match_and_rewrite(self, op, adaptor, rw):
        return rw.convert_region_types(op.body, self.type_converter) is not None


@conversion_pattern(RetOp)
def ret_conversion(op, adaptor, rw):
    rw.replace_op_with_new_op(op, RetOp, [v for vals in adaptor.operand_lists for v in vals])
    return True


@conversion_pattern(BrOp)
def br_conversion(op, adaptor, rw):
    rw.replace_op_with_new_op(op, BrOp, adaptor.flat_operands, dest=op.dest)
    return True


ADD_MUL = """
  %x = src.add %a, %b : i32
  %y = src.mul %x, %b : i32
  "other.op"(%y) : (i32) -> ()
  cv.ret %y : i32"""


# -- target -----------------------------------------------------------------------------


def test_target_legality_rules():
    t = ConversionTarget()
    t.add_legal_dialect("dst")
    t.add_illegal_op(DstMul)
    t.add_dynamically_legal_op("src.add", lambda op: op.result.type == i32)
    t.add_dynamically_legal_dialect("src", lambda op: None)
    m = parse("  %x = src.add %a, %b : i32\n  %y = dst.mul %x, %b : i32\n  %z = dst.add %y, %y : i32\n"
              "  %w = src.mul %z, %z : i32\n  %u = \"other.op\"(%w) : (i32) -> i32\n  cv.ret")
    add, mul, dadd, smul, other, ret = m.block.first_op.regions[0].first_block.ops
    assert t.is_legal(add) and not t.is_illegal(add)
    assert not t.is_legal(mul) and t.is_illegal(mul)
    assert t.is_legal(dadd) and t.get_op_action(dadd) == "legal"
    assert not t.is_legal(smul) and not t.is_illegal(smul) and t.get_op_action(smul) == "dynamic"
    assert not t.is_legal(other) and not t.is_illegal(other) and t.get_op_action(other) is None
    t.mark_unknown_ops_dynamically_legal(lambda op: op.name == "other.op")
    assert t.is_legal(other) and not t.is_legal(ret)
    t.add_legal_op(FuncOp)
    t.mark_op_recursively_legal(FuncOp)
    assert t.is_recursively_legal(m.block.first_op)
    with pytest.raises(TypeError):
        t.add_legal_op(42)


def test_type_converter_order_cache_and_signatures():
    tc = TypeConverter()
    calls = []
    tc.add_conversion(lambda t: t)

    @tc.add_conversion
    def index_to_i64(t):
        calls.append(t)
        return i64 if t == index else None

    tc.add_conversion(lambda t: [i32, i32] if isinstance(t, PairType) else None)
    assert tc.convert_type(index) is i64 and tc.convert_type(index) is i64 and calls == [index]
    assert tc.convert_type(i32) is i32
    assert tc.convert_type(PairType()) is None
    assert tc.convert_type_list(PairType()) == [i32, i32]
    assert tc.convert_types([index, PairType(), i32]) == [i64, i32, i32, i32]
    assert tc.is_legal(i32) and not tc.is_legal(index) and not tc.is_legal([i32, index])
    sig = tc.convert_signature([PairType(), index, i32])
    assert sig.converted_types == [i32, i32, i64, i32]
    assert [sig.input_mapping(i) for i in range(3)] == [(0, 2), (2, 1), (3, 1)]
    assert not sig.is_identity([PairType(), index, i32])
    assert tc.convert_signature([i32]).is_identity([i32])
    empty = TypeConverter()
    assert empty.convert_type(i32) is None and empty.convert_signature([i32]) is None
    s = SignatureConversion(2)
    s.add_inputs(1, [i64])
    s.add_inputs([i32])
    assert s.converted_types == [i64, i32] and s.input_mapping(0) is None


# -- partial and full ------------------------------------------------------------------------


def test_partial_conversion_converts_what_it_can():
    m = parse(ADD_MUL)
    t = ConversionTarget()
    t.add_legal_dialect("dst")
    t.add_illegal_op(SrcAdd)
    assert apply_partial_conversion(m, t, [AddToDst()])
    assert body_text(m).splitlines()[1:3] == ["%0 = dst.add %a, %b : i32", "%y = src.mul %0, %b : i32"]


def test_partial_conversion_fails_on_explicitly_illegal_and_rolls_back():
    m = parse(ADD_MUL)
    before = print_op_to_string(m, keep_ssa_names=True)
    ops_before = list(m.walk())
    with DiagnosticCollector() as diags:
        ok = apply_partial_conversion(m, base_target(), [AddToDst()])
    assert not ok
    assert print_op_to_string(m, keep_ssa_names=True) == before
    assert list(m.walk()) == ops_before  # the very same op objects are back
    assert [d.message for d in diags.errors] == [
        "failed to legalize operation 'src.mul' that was explicitly marked illegal"]
    assert diags.errors[0].location.file_line_col() == ("cv.mir", 5, 8)
    assert m.verify()


def test_full_conversion_reports_every_illegal_op_with_location():
    m = parse(ADD_MUL)
    before = print_op_to_string(m, keep_ssa_names=True)
    with DiagnosticCollector() as diags:
        ok = apply_full_conversion(m, base_target(), [AddToDst()])
    assert not ok and print_op_to_string(m, keep_ssa_names=True) == before
    assert [(d.message, d.location.file_line_col()[1]) for d in diags.errors] == [
        ("failed to legalize operation 'src.mul'", 5),
        ("failed to legalize operation 'other.op'", 6)]


def test_full_conversion_success():
    m = parse(ADD_MUL.replace('  "other.op"(%y) : (i32) -> ()\n', ""))
    assert apply_full_conversion(m, base_target(), [AddToDst(), mul_to_dst])
    assert body_text(m).splitlines()[1:] == ["%0 = dst.add %a, %b : i32", "%1 = dst.mul %0, %b : i32",
                                             "cv.ret %1 : i32"]
    new_add = next(op for op in m.walk() if op.name == "dst.add")
    assert new_add.location.file_line_col() == ("cv.mir", 4, 8)  # the replaced op's location


def test_unknown_ops_dynamically_legal_in_full_conversion():
    m = parse(ADD_MUL)
    t = base_target()
    t.mark_unknown_ops_dynamically_legal()
    assert apply_full_conversion(m, t, [AddToDst(), mul_to_dst])
    assert '"other.op"(%1) : (i32) -> ()' in body_text(m)


def test_new_ops_are_legalized_recursively():
    m = parse("  %x = src.sub %a, %b : i32\n  cv.ret %x : i32")
    assert apply_full_conversion(m, base_target(), [sub_to_add_neg, AddToDst(), neg_to_dst])
    assert body_text(m).splitlines()[1:] == ["%0 = dst.neg %b : i32", "%1 = dst.add %a, %0 : i32",
                                             "cv.ret %1 : i32"]


def test_pattern_whose_result_cannot_be_legalized_is_rolled_back():
    m = parse("  %y = src.mul %a, %b : i32\n  cv.ret %y : i32")
    assert apply_full_conversion(m, base_target(), [mul_to_weird, mul_to_dst])
    text = body_text(m)
    assert "src.weird" not in text and "dst.mul %a, %b" in text
    assert m.verify()


def test_failed_pattern_leaves_no_trace():
    @conversion_pattern(SrcMul, benefit=9)
    def half_done(op, adaptor, rw):
        rw.create(DstNeg, adaptor.lhs)  # builds something, then gives up
        return False

    m = parse("  %y = src.mul %a, %b : i32\n  cv.ret %y : i32")
    assert apply_full_conversion(m, base_target(), [half_done, mul_to_dst])
    assert "dst.neg" not in body_text(m)
    a = m.block.first_op.regions[0].first_block.args[0]
    assert [u.owner.name for u in a.uses] == ["dst.mul"]


def test_plain_rewrite_patterns_and_fold_during_conversion():
    class MulByRewrite(RewritePattern):
        root = SrcMul

        def match_and_rewrite(self, op, rw):
            rw.replace_op_with_new_op(op, DstMul, op.lhs, op.rhs)
            return True

    m = parse("  %c1 = src.cst 1 : i32\n  %c2 = src.cst 2 : i32\n  %s = src.add %c1, %c2 : i32\n"
              "  %y = src.mul %s, %b : i32\n  cv.ret %y : i32")
    assert apply_full_conversion(m, base_target(), [MulByRewrite(), const_to_dst])
    # src.add folded (its operands were already converted constants); the
    # folded constant is legalized in turn. Conversion does not erase dead ops.
    assert body_text(m).splitlines()[1:] == ["%0 = dst.cst 1 : i32", "%1 = dst.cst 2 : i32", "%2 = dst.cst 3 : i32",
                                             "%3 = dst.mul %2, %b : i32", "cv.ret %3 : i32"]
    m = parse("  %c1 = src.cst 1 : i32\n  %s = src.add %c1, %c1 : i32\n  cv.ret %s : i32")
    with DiagnosticCollector() as diags:
        assert not apply_full_conversion(m, base_target(), [const_to_dst], fold=False)
    assert diags.errors[0].message == "failed to legalize operation 'src.add'"


def test_exception_in_pattern_rolls_back_and_propagates():
    @conversion_pattern(SrcMul)
    def boom(op, adaptor, rw):
        rw.create(DstNeg, adaptor.lhs)
        raise RuntimeError("bug")

    m = parse(ADD_MUL)
    before = print_op_to_string(m, keep_ssa_names=True)
    with pytest.raises(UserCodeError, match="'src.mul' op pattern 'boom' raised RuntimeError: bug") as e:
        apply_partial_conversion(m, base_target(), [AddToDst(), boom])
    assert isinstance(e.value.__cause__, RuntimeError)  # the pattern's own exception, with the op named
    assert print_op_to_string(m, keep_ssa_names=True) == before


def test_recursively_legal_op_is_not_entered():
    m = parse('  "cv.container"() ({\n    %x = src.add %a, %b : i32\n    cv.ret\n  }) : () -> ()\n'
              '  %y = src.add %a, %b : i32\n  cv.ret %y : i32')
    t = base_target()
    t.mark_op_recursively_legal(ContainerOp)
    assert apply_full_conversion(m, t, [AddToDst()])
    text = body_text(m)
    assert "%x = src.add %a, %b" in text and "dst.add" in text


# -- type conversion -------------------------------------------------------------------------


def index_converter() -> TypeConverter:
    tc = TypeConverter()
    tc.add_conversion(lambda t: t)
    tc.add_conversion(lambda t: i64 if t == index else None)
    return tc


def typed_target(tc: TypeConverter) -> ConversionTarget:
    t = base_target()
    t.add_dynamically_legal_op(FuncOp, lambda op: tc.is_legal(op.body))
    t.add_dynamically_legal_op([RetOp, BrOp], tc.is_legal)
    return t


INDEX_SRC = """
  %c = src.cst 1 : index
  %s = src.add %i, %c : index
  "other.use"(%s) : (index) -> ()
  cv.ret %s : index"""


def test_one_to_one_type_conversion_with_source_materialization():
    tc = index_converter()
    m = parse(INDEX_SRC, "%i: index")
    pats = [FuncSignature(tc), const_to_dst, AddToDst(), ret_conversion]
    assert apply_partial_conversion(m, typed_target(tc), pats, tc)
    assert body_text(m) == "\n".join([
        "^bb0(%i: i64):",
        "%0 = dst.cst 1 : i64",
        "%1 = dst.add %i, %0 : i64",
        "%2 = builtin.unrealized_conversion_cast %1 : i64 to index",
        '"other.use"(%2) : (index) -> ()',
        "cv.ret %1 : i64"])
    assert m.verify()


def test_materialization_callbacks_replace_casts():
    tc = index_converter()
    tc.add_source_materialization(lambda rw, t, inputs, loc: rw.create(DstCast, inputs[0], result_types=[t]).result)
    m = parse(INDEX_SRC, "%i: index")
    assert apply_partial_conversion(m, typed_target(tc), [FuncSignature(tc), const_to_dst, AddToDst(),
                                                          ret_conversion], tc)
    text = body_text(m)
    assert "%2 = dst.cast %1 : i64 to index" in text and "unrealized" not in text


def test_full_conversion_with_live_materialization_fails():
    tc = index_converter()
    m = parse("  %s = src.add %i, %i : index\n  cv.use %s : index\n  cv.ret", "%i: index")
    before = print_op_to_string(m, keep_ssa_names=True)
    t = typed_target(tc)
    with DiagnosticCollector() as diags:
        ok = apply_full_conversion(m, t, [FuncSignature(tc), AddToDst(), ret_conversion], tc)
    assert not ok and print_op_to_string(m, keep_ssa_names=True) == before
    assert [d.message for d in diags.errors] == [
        "failed to legalize unresolved materialization from (i64) to (index) that remained live after conversion"]
    assert diags.errors[0].notes[0].message == "see existing live user here"
    assert diags.errors[0].notes[0].location.file_line_col()[1] == 4
    # accepting the cast makes it a success that keeps it
    t.add_legal_op(UnrealizedConversionCastOp)
    assert apply_full_conversion(m, t, [FuncSignature(tc), AddToDst(), ret_conversion], tc)
    assert "builtin.unrealized_conversion_cast %0 : i64 to index" in body_text(m)


def test_target_materialization_for_unconverted_producer():
    """A user converted before its producer gets a cast to the legal type;
    the producer's later replacement cancels it out."""
    tc = index_converter()
    m = parse("  cv.br ^bb2\n^bb1:\n  %s = src.add %x, %x : index\n  cv.ret %s : index\n"
              "^bb2:\n  %x = \"other.make\"() : () -> index\n  cv.br ^bb1", "%i: index")
    assert apply_partial_conversion(m, typed_target(tc), [FuncSignature(tc), AddToDst(), ret_conversion], tc)
    text = body_text(m)
    assert "%0 = builtin.unrealized_conversion_cast %x : index to i64" in text
    assert "dst.add %0, %0 : i64" in text
    assert m.verify()
    # once the producer converts too, the two casts cancel out
    m = parse("  cv.br ^bb2\n^bb1:\n  %s = src.add %x, %x : index\n  cv.ret %s : index\n"
              "^bb2:\n  %x = src.cst 4 : index\n  cv.br ^bb1", "%i: index")
    assert apply_full_conversion(m, typed_target(tc), [FuncSignature(tc), AddToDst(), ret_conversion,
                                                       const_to_dst], tc)
    text = body_text(m)
    assert "unrealized" not in text
    assert "%0 = dst.add %1, %1 : i64" in text and "%1 = dst.cst 4 : i64" in text
    assert m.verify()


def test_region_signature_conversion_across_blocks():
    tc = index_converter()
    m = parse("  cv.br ^bb1(%i : index)\n^bb1(%j: index):\n  %s = src.add %j, %j : index\n  cv.ret %s : index",
              "%i: index")
    pats = [FuncSignature(tc), AddToDst(), ret_conversion, br_conversion]
    assert apply_full_conversion(m, typed_target(tc), pats, tc)
    assert body_text(m) == "\n".join([
        "^bb0(%i: i64):", "cv.br ^bb1(%i : i64)", "^bb1(%j: i64):  // pred: ^bb0",
        "%0 = dst.add %j, %j : i64", "cv.ret %0 : i64"])
    assert m.verify()


def test_one_to_many_type_conversion():
    tc = TypeConverter()
    tc.add_conversion(lambda t: t)
    tc.add_conversion(lambda t: [i32, i32] if isinstance(t, PairType) else None)

    @conversion_pattern(SrcSwap)
    def swap(op, adaptor, rw):
        (x, y), = adaptor.get("p")
        assert adaptor.operand_lists == [[x, y]]
        rw.replace_op(op, [[y, x]])
        return True

    @conversion_pattern(SrcFirst)
    def first(op, adaptor, rw):
        x, _ = adaptor.operand_lists[0]
        rw.replace_op(op, [x])
        return True

    m = parse("  %q = src.swap %p : !cv.pair\n  %f = src.first %q : !cv.pair -> i32\n"
              "  cv.use %q : !cv.pair\n  cv.ret %f : i32", "%p: !cv.pair")
    t = typed_target(tc)
    assert apply_partial_conversion(m, t, [FuncSignature(tc), swap, first, ret_conversion], tc)
    assert body_text(m) == "\n".join([
        "^bb0(%arg0: i32, %arg1: i32):",
        "%0 = builtin.unrealized_conversion_cast %arg1, %arg0 : i32, i32 to !cv.pair",
        "cv.use %0 : !cv.pair",
        "cv.ret %arg1 : i32"])
    assert m.verify()


def test_one_to_many_rollback_restores_block_signature():
    tc = TypeConverter()
    tc.add_conversion(lambda t: t)
    tc.add_conversion(lambda t: [i32, i32] if isinstance(t, PairType) else None)
    m = parse("  %f = src.first %p : !cv.pair -> i32\n  cv.ret %f : i32", "%p: !cv.pair")
    before = print_op_to_string(m, keep_ssa_names=True)
    block = m.block.first_op.regions[0].first_block
    arg = block.args[0]
    with DiagnosticCollector() as diags:
        assert not apply_full_conversion(m, typed_target(tc), [FuncSignature(tc), ret_conversion], tc)
    assert print_op_to_string(m, keep_ssa_names=True) == before and block.args == [arg]
    assert [u.owner.name for u in arg.uses] == ["src.first"]
    assert diags.errors[0].message == "failed to legalize operation 'src.first'"


class NewFuncOp(Op):
    name = "dst.func"
    traits = [IsolatedFromAbove]
    body = region()


DST.add_op(NewFuncOp)


def test_every_kind_of_mutation_is_undone():
    ran = []

    @conversion_pattern(FuncOp)
    def mangle(op, adaptor, rw):
        body = op.body
        entry = body.first_block
        add, sub, ret = list(entry.ops)
        tail = rw.split_block(entry, sub)
        rw.create_block(body, [i32], before=tail)
        rw.create(RetOp, [])
        rw.move_op_before(ret, sub)
        rw.modify_op_in_place(add, lambda: add.set_operand(0, add.rhs))
        with rw.modifying(sub):
            sub.attributes["cv.tag"] = IntegerAttr(1, i32)
        rw.set_insertion_point(add)
        c = rw.clone(add)
        rw.replace_all_uses_with(add.result, c.result)
        rw.erase_op(add)
        rw.merge_blocks(tail, entry)
        rw.erase_block(body.last_block)
        new = rw.create(NewFuncOp(location=op.location))
        rw.inline_region_before(body, new.body)
        rw.convert_region_types(new.body, index_converter())
        rw.erase_op(op)
        rw.erase_op(new)
        ran.append(True)
        return False

    m = parse("  %x = src.add %i, %i : index\n  %y = src.sub %x, %x : index\n  cv.ret %y : index", "%i: index")
    func = m.block.first_op
    before = print_op_to_string(m, generic=True, keep_ssa_names=True)
    ops_before = list(m.walk())
    uses_before = {id(op): [[(u.owner, u.index) for u in r.uses] for r in op.results] for op in ops_before}
    t = base_target()
    t.add_illegal_op(FuncOp)
    with DiagnosticCollector():
        assert not apply_partial_conversion(m, t, [mangle])
    assert ran
    assert print_op_to_string(m, generic=True, keep_ssa_names=True) == before
    assert list(m.walk()) == ops_before and m.block.first_op is func
    for op in ops_before:
        assert [[(u.owner, u.index) for u in r.uses] for r in op.results] == uses_before[id(op)]
    assert m.verify()


def test_function_replaced_by_a_new_op():
    tc = index_converter()

    @conversion_pattern(FuncOp)
    def to_new_func(op, adaptor, rw):
        new = rw.create(NewFuncOp)
        rw.inline_region_before(op.body, new.body)
        if rw.convert_region_types(new.body, tc) is None:
            return False
        rw.erase_op(op)
        return True

    m = parse("  %x = src.add %i, %i : index\n  cv.ret %x : index", "%i: index")
    t = typed_target(tc)
    assert apply_full_conversion(m, t, [to_new_func, AddToDst(), ret_conversion], tc)
    text = print_op_to_string(m, keep_ssa_names=True)
    assert '"dst.func"() ({\n  ^bb0(%i: i64):' in text and "dst.add %i, %i : i64" in text
    assert m.verify()
