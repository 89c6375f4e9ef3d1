"""SSA names as upstream prints them: op-given names (MLIR's OpAsmOpInterface),
uniquing, the generic form, --keep-ssa-names and local scope."""

import subprocess
import sys

import pytest

from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, operand, prop, region, result
from mlir_py.definition.traits import IsolatedFromAbove, Terminator
from mlir_py.ir.context import Context
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import Printer, print_op_to_string, sanitize_identifier


class PairOp(Op):
    name = "sn.pair"
    lo = result()
    hi = result()
    assembly_format = "attr-dict `:` type($lo) `,` type($hi)"

    def get_asm_result_name(self):
        return {0: "lo", 1: "hi"}


class LabelOp(Op):
    """Names its result after a property, so tests can feed any string."""
    name = "sn.label"
    label = prop()
    result = result()
    assembly_format = "$label attr-dict `:` type($result)"

    def get_asm_result_name(self):
        return self.properties["label"].value


class LoopOp(Op):
    name = "sn.loop"
    body = region()

    def get_asm_block_arg_names(self, region):
        return {region.first_block.args[0]: "iv"}


class YieldOp(Op):
    name = "sn.yield"
    traits = [Terminator]
    args = operand()
    assembly_format = "$args attr-dict `:` type($args)"


class IsolatedOp(Op):
    name = "sn.isolated"
    traits = [IsolatedFromAbove]
    body = region()


SN = Dialect("sn", [PairOp, LabelOp, LoopOp, YieldOp, IsolatedOp])


@pytest.fixture
def ctx():
    c = Context(allow_unregistered_dialects=True).load_all_available_dialects()
    c.load_dialect(SN)
    return c


def printed(ctx, src: str, **flags) -> str:
    return Printer(**flags).print_top_level(parse_source(ctx, src, "t.mir"))


def test_result_groups_are_named_and_uniqued(ctx):
    out = printed(ctx, """
      %a:2 = sn.pair : i32, i32
      %b:2 = sn.pair : i32, i32
      "test.use"(%a#1, %b#0) : (i32, i32) -> ()
    """)
    assert "%lo, %hi = sn.pair : i32, i32" in out
    # one conflict counter for the whole scope, as upstream
    assert "%lo_0, %hi_1 = sn.pair : i32, i32" in out
    assert '"test.use"(%hi, %lo_0)' in out


@pytest.mark.parametrize("label,name", [
    ("x", "%x"), ("9lives", "%_9lives"), ("two words", "%two_words"), ("a/b", "%a2Fb"),
    ("\u00e9t\u00e9", "%C3A9tC3A9"), ("c-1_i8.$", "%c-1_i8.$"),
])
def test_op_given_names_are_sanitized_as_upstream(ctx, label, name):
    assert sanitize_identifier(label) == name[1:]
    out = printed(ctx, f'%r = sn.label "{label}" : i32')
    assert f"{name} = sn.label" in out
    # and the printed name parses back to the same text
    assert printed(ctx, out) == out


def test_region_argument_names_from_the_parent_op(ctx):
    out = printed(ctx, """
      func.func @f(%p: i32) {
        "sn.loop"() ({
        ^bb0(%i: i32, %x: i32):
          "sn.loop"() ({
          ^bb0(%j: i32):
            sn.yield %j : i32
          }) : () -> ()
          sn.yield %x : i32
        }) : () -> ()
        "sn.loop"() ({
        ^bb0(%k: i32):
          sn.yield %k : i32
        }) : () -> ()
        return
      }""")
    # an argument the op names takes no `argN`; names are scoped per region:
    # the nested loop's `iv` is uniqued against its parent's, the sibling's is not
    assert "^bb0(%iv: i32, %arg1: i32):" in out
    assert "^bb0(%iv_0: i32):\n        sn.yield %iv_0 : i32" in out
    assert "^bb0(%iv: i32):\n      sn.yield %iv : i32" in out


def test_generic_form_uses_no_op_given_names(ctx):
    src = """
      %a:2 = sn.pair : i32, i32
      "sn.loop"() ({
      ^bb0(%i: i32):
        sn.yield %i : i32
      }) : () -> ()
    """
    out = printed(ctx, src, generic=True)
    assert '%0:2 = "sn.pair"() : () -> (i32, i32)' in out
    assert "^bb0(%arg0: i32):" in out and "iv" not in out


def test_keep_ssa_names(ctx):
    src = """
      func.func @f(%a: i32) -> i32 {
        %sum = arith.addi %a, %a : i32
        %0 = arith.constant 1 : i32
        %p:2 = sn.pair : i32, i32
        return %sum : i32
      }"""
    out = printed(ctx, src)
    assert "func.func @f(%arg0: i32) -> i32 {\n    %0 = arith.addi %arg0, %arg0 : i32" in out
    kept = printed(ctx, src, keep_ssa_names=True)
    assert "func.func @f(%a: i32) -> i32 {\n    %sum = arith.addi %a, %a : i32" in kept
    # a numeric source name is no name: the op's own name, or a number, is used
    assert "%c1_i32 = arith.constant 1 : i32" in kept
    assert "%p:2 = sn.pair : i32, i32" in kept
    assert printed(ctx, kept, keep_ssa_names=True) == kept
    assert print_op_to_string(parse_source(ctx, src, "t.mir"), keep_ssa_names=True) == kept.rstrip("\n")


def test_local_scope_numbers_from_the_isolated_ancestor(ctx):
    m = parse_source(ctx, """
      #m = affine_map<(d0) -> (d0)>
      %x = "test.x"() {map = #m} : () -> i32
      "sn.isolated"() ({
        %y = "test.y"() {map = #m} : () -> i32
      }) : () -> ()
    """, "t.mir")
    iso = next(op for op in m.walk() if op.name == "sn.isolated")
    # numbered from the top: the module's %0 comes first
    assert '%1 = "test.y"() {map = affine_map<(d0) -> (d0)>}' in print_op_to_string(iso)
    local = print_op_to_string(iso, local_scope=True)
    assert '%0 = "test.y"() {map = affine_map<(d0) -> (d0)>}' in local
    top = Printer(local_scope=True).print_top_level(m)
    assert "#map" not in top and top.startswith("module {")


def test_integer_names_of_any_width(ctx):
    big = 10 ** 5000 + 7
    digits = f"{big // 10**4000}{big % 10**4000:04000d}"  # str(big) exceeds Python's default limit
    src = f"func.func @f() -> i20000 {{\n  %c = arith.constant {digits} : i20000\n  return %c : i20000\n}}"
    out = printed(ctx, src)
    assert f"%c{digits}_i20000 = arith.constant {digits} : i20000" in out
    out = printed(ctx, src.replace(digits, "-" + digits))
    assert f"%c-{digits}_i20000 = arith.constant -{digits} : i20000" in out


def test_mir_opt_flags(tmp_path):
    src = tmp_path / "in.mir"
    src.write_text("#m = affine_map<(d0) -> (d0 + 1)>\n"
                   "func.func @f(%a: memref<4xf32, #m>) {\n  return\n}\n")

    def run(*flags):
        r = subprocess.run([sys.executable, "-m", "mlir_py.tools.mir_opt", str(src), *flags],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    assert "func.func @f(%arg0: memref<4xf32, #map>)" in run()
    assert "func.func @f(%a: memref<4xf32, #map>)" in run("--keep-ssa-names")
    # mlir-opt ends its output with a blank line after the module, except in local scope
    assert run().endswith("}\n\n")
    local = run("--mlir-print-local-scope")
    assert local.startswith("module {") and local.endswith("}\n")
    assert "memref<4xf32, affine_map<(d0) -> (d0 + 1)>>" in local
