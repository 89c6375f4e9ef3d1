"""func and cf dialects through the Python API: builders, interfaces, symbol lookup."""

import pytest
from mlir_py.dialects import cf, func

from mlir_py.analysis.symbols import (
    get_symbol_name,
    get_symbol_visibility,
    lookup_symbol,
    lookup_symbol_in,
    nearest_symbol_table,
    symbol_uses,
)
from mlir_py.analysis.verifier import verify
from mlir_py.builtin import ModuleOp, StringAttr, SymbolRefAttr
from mlir_py.definition.traits import (
    BranchOpInterface,
    CallableOpInterface,
    CallOpInterface,
    ReturnLike,
    Symbol,
    Terminator,
    is_pure,
)
from mlir_py.ir.builtin_types import FunctionType, f32, i1, i32, i64
from mlir_py.ir.context import Context
from mlir_py.ir.diagnostics import DiagnosticError
from mlir_py.ir.operation import Block
from mlir_py.text.parser import ParseError, parse_source
from mlir_py.text.printer import print_op_to_string


@pytest.fixture
def ctx():
    c = Context()
    c.load_dialect(func.DIALECT)
    c.load_dialect(cf.DIALECT)
    return c


def parse(ctx, text):
    m = parse_source(ctx, text, "test.mir")
    verify(m)
    return m


def roundtrip(ctx, text):
    m = parse(ctx, text)
    out = print_op_to_string(m)
    assert print_op_to_string(parse(ctx, out)) == out
    generic = print_op_to_string(m, generic=True)
    assert print_op_to_string(parse(ctx, generic)) == out
    return out


NESTED = """
module @top {
  func.func private @f(i32) -> i32
  module @inner {
    func.func private @g() -> ()
    func.func @user() {
      call @g() : () -> ()
      return
    }
  }
  func.func @caller(%x: i32) -> i32 {
    %r = call @f(%x) : (i32) -> i32
    %f = constant @f : (i32) -> i32
    return %r : i32
  }
}
"""


def test_build_function_and_print(ctx):
    m = ModuleOp.build_empty()
    fn = func.FuncOp.build("add", FunctionType((i32, i32), (i32,)))
    m.block.append(fn)
    a, _ = fn.entry_block.args
    fn.entry_block.append(func.ReturnOp([a]))
    verify(m)
    assert print_op_to_string(m) == (
        "module {\n"
        "  func.func @add(%arg0: i32, %arg1: i32) -> i32 {\n"
        "    return %arg0 : i32\n"
        "  }\n"
        "}")
    assert fn.get_argument_types() == [i32, i32]
    assert fn.get_result_types() == [i32]
    assert fn.get_callable_region() is fn.regions[0]
    assert fn.has_trait(CallableOpInterface) and fn.has_trait(Symbol)


def test_declaration(ctx):
    m = ModuleOp.build_empty()
    fn = func.FuncOp.build("ext", FunctionType((f32,), ()), visibility="private", declaration=True)
    m.block.append(fn)
    verify(m)
    assert fn.is_declaration() and fn.get_callable_region() is None
    assert print_op_to_string(m) == "module {\n  func.func private @ext(f32)\n}"


def test_public_declaration_rejected(ctx):
    m = ModuleOp.build_empty()
    m.block.append(func.FuncOp.build("ext", FunctionType((), ()), declaration=True))
    with pytest.raises(DiagnosticError, match="symbol declaration cannot have public visibility"):
        verify(m)


def test_multi_block_roundtrip(ctx):
    out = roundtrip(ctx, """
func.func @f(%c: i1, %a: i32, %b: i32) -> i32 {
  cf.cond_br %c, ^bb1(%a : i32), ^bb2
^bb1(%x: i32):
  cf.br ^bb3(%x : i32)
^bb2:
  cf.switch %a : i32, [
    default: ^bb3(%b : i32),
    5: ^bb1(%b : i32)
  ]
^bb3(%y: i32):
  return %y : i32
}
""")
    assert "^bb1(%0: i32):  // 2 preds: ^bb0, ^bb2" in out
    assert "^bb3(%1: i32):  // 2 preds: ^bb1, ^bb2" in out
    assert "      5: ^bb1(%arg2 : i32)\n    ]" in out


def test_names_are_scoped_per_function(ctx):
    src = """
func.func @a(%x: i32) -> i32 { return %x : i32 }
func.func @b(%x: i32) -> i32 { return %x : i32 }
"""
    out = roundtrip(ctx, src)
    assert "func.func @b(%arg0: i32)" in out
    kept = print_op_to_string(parse(ctx, src), keep_ssa_names=True)
    assert "func.func @a(%x: i32)" in kept and "func.func @b(%x: i32)" in kept


def test_lookup_symbol(ctx):
    m = parse(ctx, NESTED)
    top = m if get_symbol_name(m) == "top" else m.block.ops[0]
    inner = lookup_symbol_in(top, "inner")
    assert get_symbol_name(inner) == "inner"
    g = lookup_symbol_in(top, SymbolRefAttr("inner", ("g",)))
    assert isinstance(g, func.FuncOp) and g.sym_name_str == "g"
    assert get_symbol_visibility(g) == "private"
    user = lookup_symbol_in(inner, "user")
    call = user.entry_block.ops[0]
    # from inside @inner the nearest table is @inner: @g resolves, @f does not
    assert nearest_symbol_table(call) is inner
    assert lookup_symbol(call, "g") is g
    assert lookup_symbol(call, SymbolRefAttr("f", ())) is None
    assert lookup_symbol(call, StringAttr("g")) is g
    assert call.resolve_callee() is g
    assert lookup_symbol_in(top, SymbolRefAttr("inner", ("nope",))) is None
    assert lookup_symbol_in(top, SymbolRefAttr("f", ("g",))) is None  # @f is not a symbol table


def test_symbol_uses(ctx):
    m = parse(ctx, NESTED)
    uses = [(op.name, ref.value) for op, ref in symbol_uses(m)]
    assert ("func.call", "g") in uses
    assert ("func.call", "f") in uses
    assert ("func.constant", "f") in uses


def test_call_interfaces(ctx):
    m = parse(ctx, NESTED)
    caller = next(op for op in m.walk() if isinstance(op, func.FuncOp) and op.sym_name_str == "caller")
    call, const, ret = list(caller.entry_block.ops)
    assert call.has_trait(CallOpInterface)
    assert call.get_callee() == SymbolRefAttr("f", ())
    assert call.get_arg_operands() == [caller.entry_block.args[0]]
    assert const.fold([]) == SymbolRefAttr("f", ())
    assert is_pure(const) and not is_pure(call)
    assert ret.has_trait(ReturnLike) and ret.has_trait(Terminator)
    assert print_op_to_string(m).count("%f = constant @f") == 1


def test_branch_interface(ctx):
    m = parse(ctx, """
func.func @f(%c: i1, %a: i32, %b: f32) {
  cf.cond_br %c, ^bb1(%a : i32), ^bb2(%a, %b : i32, f32)
^bb1(%x: i32):
  cf.switch %x : i32, [
    default: ^bb2(%x, %b : i32, f32),
    1: ^bb1(%x : i32),
    2: ^bb3
  ]
^bb2(%y: i32, %z: f32):
  cf.br ^bb3
^bb3:
  return
}
""")
    fn = m.block.ops[0]
    blocks = list(fn.regions[0].blocks)
    cond = blocks[0].terminator
    a, b = fn.entry_block.args[1:]
    assert cond.has_trait(BranchOpInterface)
    assert cond.get_successor_operands(0) == [a]
    assert cond.get_successor_operands(1) == [a, b]
    sw = blocks[1].terminator
    x = blocks[1].args[0]
    assert sw.case_values_list() == [1, 2]
    assert sw.get_successor_operands(0) == [x, b]
    assert sw.get_successor_operands(1) == [x]
    assert sw.get_successor_operands(2) == []
    from mlir_py.builtin import IntegerAttr
    assert sw.get_successor_for_operands([IntegerAttr(2, i32)]) is blocks[3]
    assert sw.get_successor_for_operands([IntegerAttr(9, i32)]) is blocks[2]
    assert sw.get_successor_for_operands([None]) is None
    assert cond.get_successor_for_operands([IntegerAttr(1, i1)]) is blocks[1]
    assert blocks[2].terminator.get_successor_operands(0) == []


def test_build_branches(ctx):
    m = ModuleOp.build_empty()
    fn = func.FuncOp.build("f", FunctionType((i1, i64), ()))
    m.block.append(fn)
    c, n = fn.entry_block.args
    region = fn.regions[0]
    exit_block = Block()
    loop = Block([i64])
    region.append(loop)
    region.append(exit_block)
    fn.entry_block.append(cf.BranchOp([n], dest=loop))
    loop.append(cf.SwitchOp.build(loop.args[0], exit_block, [], [0, 1], [loop, exit_block],
                                  [[loop.args[0]], []]))
    exit_block.append(cf.AssertOp(c, msg=StringAttr("ok")))
    exit_block.append(func.ReturnOp([]))
    verify(m)
    out = print_op_to_string(m)
    assert "cf.br ^bb1(%arg1 : i64)" in out
    assert "0: ^bb1(%0 : i64)" in out
    assert 'cf.assert %arg0, "ok"' in out
    assert print_op_to_string(parse(ctx, out)) == out


def test_branch_operand_mismatch(ctx):
    with pytest.raises(DiagnosticError, match="branch has 1 operands for successor #0, but target block has 0"):
        parse(ctx, "func.func @f(%a: i32) {\n  cf.br ^bb1(%a : i32)\n^bb1:\n  return\n}")


def test_parse_errors(ctx):
    with pytest.raises(ParseError, match="expected non-empty function body"):
        parse_source(ctx, "func.func @f() {}", "t.mir")
    with pytest.raises(ParseError, match="case value is out of range for 'i8'"):
        parse_source(ctx, "func.func @f(%a: i8) {\n cf.switch %a : i8, [ default: ^bb1, 300: ^bb1 ]\n"
                          "^bb1:\n return\n}", "t.mir")


def test_materialize_constant(ctx):
    t = FunctionType((i32,), (i32,))
    op = func.DIALECT.materialize_constant(SymbolRefAttr("f", ()), t)
    assert isinstance(op, func.ConstantOp) and op.results[0].type is t
    assert func.DIALECT.materialize_constant(StringAttr("x"), t) is None


def test_call_builder(ctx):
    m = ModuleOp.build_empty()
    callee = func.FuncOp.build("g", FunctionType((i32,), (f32,)), visibility="private", declaration=True)
    caller = func.FuncOp.build("h", FunctionType((i32,), (f32,)))
    m.block.append(callee)
    m.block.append(caller)
    call = func.CallOp.build(callee, [caller.entry_block.args[0]])
    caller.entry_block.append(call)
    caller.entry_block.append(func.ReturnOp(call.results))
    verify(m)
    assert "%0 = call @g(%arg0) : (i32) -> f32" in print_op_to_string(m)
    assert call.resolve_callee() is callee
