"""canonicalize, cse, symbol-dce and view-op-graph through the Python API."""

import io

import pytest
from mlir_py.passes.transforms.canonicalize import Canonicalizer
from mlir_py.passes.transforms.cse import CSE, dominator_tree_children
from mlir_py.passes.transforms.symbol_dce import SymbolDCE
from mlir_py.passes.transforms.view_op_graph import ViewOpGraph

from mlir_py.analysis.verifier import verify
from mlir_py.builtin import IntegerAttr, i32
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, operand, prop, region, result
from mlir_py.definition.traits import ConstantLike, Pure, SameOperandsAndResultType, Terminator
from mlir_py.ir.context import Context
from mlir_py.pass_manager import PassManager, lookup
from mlir_py.rewrite import pattern
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string

# -- a user dialect: its patterns come from its op classes and the dialect --------


class GConstOp(Op):
    name = "gp.const"
    traits = [Pure, ConstantLike]
    value = prop()
    result = result()
    assembly_format = "$value attr-dict"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [props["value"].type]


class GNegOp(Op):
    name = "gp.neg"
    traits = [Pure, SameOperandsAndResultType]
    x = operand()
    result = result()
    assembly_format = "$x attr-dict `:` type($result)"

    @classmethod
    def get_canonicalization_patterns(cls):
        return [neg_neg]


class GIdOp(Op):
    name = "gp.id"
    traits = [Pure, SameOperandsAndResultType]
    x = operand()
    result = result()
    assembly_format = "$x attr-dict `:` type($result)"


class GMapOp(Op):
    """A pure op with a region (for structural CSE)."""

    name = "gp.map"
    traits = [Pure]
    x = operand()
    body = region()
    result = result()


class GYieldOp(Op):
    name = "gp.yield"
    traits = [Pure, Terminator]
    x = operand()


@pattern(GNegOp)
def neg_neg(op, rw):
    inner = op.x.op if hasattr(op.x, "op") else None
    if isinstance(inner, GNegOp):
        rw.replace_op(op, [inner.x])
        return True
    return False


@pattern(GIdOp)
def drop_id(op, rw):
    rw.replace_op(op, [op.x])
    return True


def _materialize(value, type, loc=None):
    return GConstOp.create(result_types=[type], properties={"value": value}, location=loc)


GP = Dialect("gp", ops=[GConstOp, GNegOp, GIdOp, GMapOp, GYieldOp], materialize_constant=_materialize)
GP.canonicalization_patterns.append(drop_id)


@pytest.fixture
def ctx():
    c = Context(allow_unregistered_dialects=True).load_all_available_dialects()
    c.load_dialect(GP)
    return c


def parse(ctx, text):
    m = parse_source(ctx, text, "test.mir")
    assert verify(m)
    return m


def run(module, *passes, **kw):
    pm = PassManager(**kw)
    for p in passes:
        pm.add(p)
    ok = pm.run(module)
    return ok


# -- registration ------------------------------------------------------------------


def test_passes_are_registered_under_upstream_names():
    assert lookup("canonicalize") is Canonicalizer
    assert lookup("cse") is CSE
    assert lookup("symbol-dce") is SymbolDCE
    assert lookup("view-op-graph") is ViewOpGraph
    assert Canonicalizer().pipeline_text() == (
        "canonicalize{disable-patterns= enable-patterns= max-iterations=10 max-num-rewrites=-1 "
        "region-simplify=normal test-convergence=false top-down=true}")


def test_region_simplify_accepts_booleans():
    assert Canonicalizer(region_simplify=False).region_simplify == "disabled"
    assert Canonicalizer(**{"region-simplify": True}).region_simplify == "normal"
    assert Canonicalizer(region_simplify="aggressive").region_simplify == "aggressive"
    assert Canonicalizer(region_simplify="false").region_simplify == "disabled"
    pm = PassManager.parse("builtin.module(canonicalize{region-simplify=false})")
    assert "region-simplify=disabled" in pm.pipeline_text()


# -- canonicalize --------------------------------------------------------------------


def test_canonicalize_folds_and_uses_user_dialect_patterns(ctx):
    m = parse(ctx, """
      func.func @f(%a: i32) -> (i32, i32) {
        %c2 = arith.constant 2 : i32
        %c3 = arith.constant 3 : i32
        %s = arith.addi %c2, %c3 : i32
        %n = gp.neg %a : i32
        %nn = gp.neg %n : i32
        %i = gp.id %nn : i32
        return %s, %i : i32, i32
      }""")
    assert run(m, "canonicalize")
    text = print_op_to_string(m)
    assert "gp." not in text
    assert "arith.constant 5 : i32" in text
    assert "return %c5_i32, %a" in text


def test_canonicalize_disable_and_enable_patterns(ctx):
    src = """
      func.func @f(%a: i32) -> i32 {
        %n = gp.neg %a : i32
        %nn = gp.neg %n : i32
        %i = gp.id %nn : i32
        return %i : i32
      }"""
    m = parse(ctx, src)
    assert run(m, Canonicalizer(disable_patterns=["neg_neg"]))
    text = print_op_to_string(m)
    assert text.count("gp.neg") == 2 and "gp.id" not in text
    m = parse(ctx, src)
    assert run(m, Canonicalizer(enable_patterns=["neg_neg"]))
    text = print_op_to_string(m)
    assert "gp.neg" not in text and "gp.id" in text


def test_canonicalize_test_convergence_fails_the_pipeline(ctx):
    from mlir_py.ir.diagnostics import DiagnosticHandler
    m = parse(ctx, """
      func.func @f(%a: i32) -> i32 {
        %c1 = arith.constant 1 : i32
        %0 = arith.addi %c1, %a : i32
        return %0 : i32
      }""")
    diags = []
    with DiagnosticHandler(diags.append):
        ok = run(m, Canonicalizer(max_iterations=1, test_convergence=True))
    assert not ok
    assert any("failed to converge within 1 iterations" in d.message for d in diags)
    # Without the flag non-convergence is fine: canonicalization is best effort.
    m2 = parse(ctx, "func.func @g(%a: i32) -> i32 {\n %c = arith.constant 1 : i32\n"
                    " %0 = arith.addi %c, %a : i32\n return %0 : i32\n}")
    assert run(m2, Canonicalizer(max_iterations=1))


def test_canonicalize_leaves_canonical_ir_alone(ctx):
    src = """module {
  func.func @f(%a: i32, %b: i32) -> i32 {
    %0 = arith.addi %a, %b : i32
    %1 = arith.muli %0, %a : i32
    return %1 : i32
  }
}
"""
    m = parse(ctx, src)
    before = print_op_to_string(m)
    assert run(m, "canonicalize")
    assert print_op_to_string(m) == before


# -- cse ----------------------------------------------------------------------------------


def test_cse_statistics(ctx):
    m = parse(ctx, """
      func.func @f(%a: i32, %b: i32) -> (i32, i32) {
        %dead = arith.subi %a, %b : i32
        %0 = arith.addi %a, %b : i32
        %1 = arith.addi %a, %b : i32
        %2 = arith.muli %0, %0 : i32
        %3 = arith.muli %1, %1 : i32
        return %2, %3 : i32, i32
      }""")
    p = CSE()
    assert run(m, p)
    assert p.stats["num-cse'd"] == 2
    assert p.stats["num-dce'd"] == 1
    assert "return %1, %1" in print_op_to_string(m)


def test_cse_statistics_report(ctx):
    m = parse(ctx, "func.func @f(%a: i32) -> (i32, i32) {\n %0 = arith.addi %a, %a : i32\n"
                   " %1 = arith.addi %a, %a : i32\n return %0, %1 : i32, i32\n}")
    out = io.StringIO()
    pm = PassManager().add("cse")
    pm.enable_statistics(stream=out)
    assert pm.run(m)
    assert "(S) 1 num-cse'd" in out.getvalue()


def _map(x, y, body_op="arith.addi"):
    return f"""%{y} = "gp.map"(%{x}) ({{
        ^bb0(%e: i32):
          %t = {body_op} %e, %e : i32
          "gp.yield"(%t) : (i32) -> ()
        }}) : (i32) -> i32"""


def test_cse_compares_regions_structurally(ctx):
    m = parse(ctx, f"""
      func.func @f(%a: i32) -> (i32, i32, i32) {{
        {_map("a", "0")}
        {_map("a", "1")}
        {_map("a", "2", "arith.muli")}
        return %0, %1, %2 : i32, i32, i32
      }}""")
    p = CSE()
    assert run(m, p)
    text = print_op_to_string(m)
    assert text.count('"gp.map"') == 2
    assert p.stats["num-cse'd"] == 1
    assert verify(m)


def test_cse_reuses_values_of_enclosing_regions(ctx):
    m = parse(ctx, """
      func.func @f(%a: i32) -> i32 {
        %x = arith.addi %a, %a : i32
        %0 = "gp.map"(%a) ({
        ^bb0(%e: i32):
          %y = arith.addi %a, %a : i32
          %t = arith.muli %y, %e : i32
          "gp.yield"(%t) : (i32) -> ()
        }) : (i32) -> i32
        %r = arith.addi %x, %0 : i32
        return %r : i32
      }""")
    assert run(m, "cse")
    text = print_op_to_string(m)
    assert text.count("arith.addi %arg0, %arg0") == 1
    assert "arith.muli %0, %arg1" in text


def test_dominator_tree(ctx):
    m = parse(ctx, """
      func.func @f(%c: i1) {
        cf.cond_br %c, ^bb1, ^bb2
      ^bb1:
        cf.br ^bb3
      ^bb2:
        cf.br ^bb3
      ^bb3:
        return
      ^bb4:
        cf.br ^bb3
      }""")
    region = m.regions[0].first_block.first_op.regions[0]
    b0, b1, b2, b3, b4 = region.blocks
    children = dominator_tree_children(region)
    assert children[b0] == [b1, b2, b3]
    assert children[b1] == children[b2] == children[b3] == []
    assert b4 not in children  # unreachable: not in the tree


def test_cse_on_a_long_chain(ctx):
    # speed at scale: benchmarks/ir_throughput.py --passes (canonicalize,cse), not timed here
    n = 4000
    lines = ["func.func @f(%m: memref<4xf32>, %i: index) -> f32 {", "  %acc0 = memref.load %m[%i] : memref<4xf32>"]
    for k in range(n):
        lines.append(f"  %l{k} = memref.load %m[%i] : memref<4xf32>")
        lines.append(f"  %acc{k + 1} = arith.addf %acc{k}, %l{k} : f32")
    lines += [f"  return %acc{n} : f32", "}"]
    m = parse(ctx, "\n".join(lines))
    p = CSE()
    assert run(m, p, verify_each=False)
    assert p.stats["num-cse'd"] == n


# -- symbol-dce --------------------------------------------------------------------------------


def test_symbol_dce(ctx):
    m = parse(ctx, """
      module {
        func.func private @dead()
        func.func private @live()
        func.func private @live_by_nested_ref()
        func.func @public() {
          call @live() : () -> ()
          "test.op"() {refs = [@inner::@g], plain = {x = @live_by_nested_ref}} : () -> ()
          return
        }
        module @inner {
          func.func nested @g()
          func.func nested @h()
        }
      }""")
    p = SymbolDCE()
    assert run(m, p)
    text = print_op_to_string(m)
    assert "@dead" not in text and "@h" not in text
    assert "@live()" in text and "@live_by_nested_ref" in text and "@g()" in text
    assert p.stats["num-dce'd"] == 2


def test_symbol_dce_needs_a_symbol_table(ctx):
    from mlir_py.ir.diagnostics import DiagnosticHandler
    m = parse(ctx, "func.func @f() {\n  return\n}")
    func_op = m.regions[0].first_block.first_op
    diags = []
    with DiagnosticHandler(diags.append):
        ok = PassManager("func.func").add(SymbolDCE()).run(func_op)
    assert not ok
    assert any("does not define a symbol table" in d.message for d in diags)


# -- view-op-graph -----------------------------------------------------------------------------


def test_view_op_graph(ctx):
    src = """module {
  func.func @f(%a: i32) -> i32 {
    %c = arith.constant 42 : i32
    %0 = arith.addi %a, %c : i32
    return %0 : i32
  }
}
"""
    m = parse(ctx, src)
    out = io.StringIO()
    assert run(m, ViewOpGraph(stream=out))
    dot = out.getvalue()
    assert dot.startswith("digraph G {\n  compound = true;\n")
    assert dot.rstrip().endswith("}")
    assert 'label = "builtin.module : ()\\n"' in dot
    assert "subgraph cluster_" in dot
    assert 'label = "arith.constant : (i32)\\n\\nvalue: 42 : i32"' in dot
    assert 'label = "arg0", shape = ellipse' in dot
    import re
    assert len(re.findall(r"^  v\d+ -> v\d+ ", dot, re.M)) == 3  # a and c into addi, addi into return
    assert print_op_to_string(m, keep_ssa_names=True) == src.rstrip("\n")  # the IR is unchanged


def test_view_op_graph_options(ctx, tmp_path):
    m = parse(ctx, "func.func @f(%a: i32) -> i32 {\n %0 = arith.addi %a, %a : i32\n return %0 : i32\n}")
    path = tmp_path / "g.dot"
    assert run(m, ViewOpGraph(print_attrs=False, print_result_types=False, print_data_flow_edges=False,
                              print_control_flow_edges=True, output_file=str(path)))
    dot = path.read_text()
    assert 'label = "arith.addi"' in dot
    assert "style = dashed" in dot and "style = solid" not in dot


def test_constants_are_still_uniqued_after_canonicalize_cse(ctx):
    m = parse(ctx, """
      func.func @f(%a: i32) -> i32 {
        %c1 = arith.constant 1 : i32
        %x = arith.addi %a, %c1 : i32
        %c1b = arith.constant 1 : i32
        %y = arith.addi %a, %c1b : i32
        %z = arith.muli %x, %y : i32
        return %z : i32
      }""")
    assert run(m, "canonicalize", "cse")
    text = print_op_to_string(m)
    assert text.count("arith.constant") == 1 and text.count("arith.addi") == 1
    assert IntegerAttr(1, i32) is IntegerAttr(1, i32)
