"""The affine dialect's folders against Python evaluation, and the flattening
simplifier's soundness: laws checked on random maps and operand values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import mlir_py as mp
from mlir_py.ir.affine_expr import AffineMap, constant, dim, symbol
from mlir_py.ir.affine_flatten import simplify_affine_expr
from mlir_py.pass_manager import PassManager

NUM_DIMS, NUM_SYMS = 2, 2
CTX = mp.Context().load_all_available_dialects()


def _pure_trees():
    """Pure affine expressions: products and divisions by positive constants only."""
    leaves = st.one_of(
        st.tuples(st.just("c"), st.integers(-20, 20)),
        st.tuples(st.just("d"), st.integers(0, NUM_DIMS - 1)),
        st.tuples(st.just("s"), st.integers(0, NUM_SYMS - 1)),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(st.sampled_from(["+", "-"]), inner, inner),
            st.tuples(st.just("*"), inner, st.integers(-5, 5)),
            st.tuples(st.sampled_from(["floordiv", "ceildiv", "mod"]), inner, st.integers(1, 9)),
        )

    return st.recursive(leaves, extend, max_leaves=10)


def _build(tree):
    op = tree[0]
    if op in ("c", "d", "s"):
        return {"c": constant, "d": dim, "s": symbol}[op](tree[1])
    a = _build(tree[1])
    b = tree[2] if isinstance(tree[2], int) else _build(tree[2])
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "floordiv": lambda: a.floordiv(b),
            "ceildiv": lambda: a.ceildiv(b), "mod": lambda: a % b}[op]()


def _reference(tree, dims, syms):
    op = tree[0]
    if op == "c":
        return tree[1]
    if op == "d":
        return dims[tree[1]]
    if op == "s":
        return syms[tree[1]]
    a = _reference(tree[1], dims, syms)
    b = tree[2] if isinstance(tree[2], int) else _reference(tree[2], dims, syms)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "floordiv": lambda: a // b,
            "ceildiv": lambda: -(-a // b), "mod": lambda: a % b}[op]()


_VALUES = st.lists(st.integers(-50, 50), min_size=NUM_DIMS + NUM_SYMS, max_size=NUM_DIMS + NUM_SYMS)


@settings(max_examples=150, deadline=None)
@given(_pure_trees(), _VALUES)
def test_flattening_simplifier_keeps_values(tree, values):
    expr = _build(tree)
    dims, syms = values[:NUM_DIMS], values[NUM_DIMS:]
    simplified = simplify_affine_expr(expr, NUM_DIMS, NUM_SYMS)
    assert simplified.evaluate(dims, syms) == _reference(tree, dims, syms)


def _fold(op_name: str, amap: AffineMap, values: list[int]) -> int:
    consts = "\n".join(f"  %v{i} = arith.constant {v} : index" for i, v in enumerate(values))
    dims = ", ".join(f"%v{i}" for i in range(amap.num_dims))
    syms = ", ".join(f"%v{amap.num_dims + i}" for i in range(amap.num_symbols))
    text = (f"func.func @f() -> index {{\n{consts}\n"
            f"  %r = {op_name} affine_map<{amap}>({dims})[{syms}]\n  return %r : index\n}}\n")
    module = mp.parse(CTX, text)
    PassManager().add("canonicalize").run(module)
    func = module.regions[0].first_block.first_op
    ret = func.regions[0].first_block.last_op
    producer = ret.operands[0].op
    assert producer.name == "arith.constant", str(module)
    return producer.properties["value"].value


@settings(max_examples=60, deadline=None)
@given(st.lists(_pure_trees(), min_size=1, max_size=3), _VALUES, st.sampled_from(["apply", "min", "max"]))
def test_folding_on_constants_equals_evaluation(trees, values, kind):
    if kind == "apply":
        trees = trees[:1]
    amap = AffineMap(NUM_DIMS, NUM_SYMS, [_build(t) for t in trees])
    dims, syms = values[:NUM_DIMS], values[NUM_DIMS:]
    expected = [_reference(t, dims, syms) for t in trees]
    want = {"apply": expected[0], "min": min(expected), "max": max(expected)}[kind]
    assert _fold(f"affine.{kind}", amap, values) == want


def test_compose_then_fold_through_a_chain():
    text = """func.func @f(%i: index, %n: index) -> index {
  %a = affine.apply affine_map<(d0)[s0] -> (d0 * 3 + s0)>(%i)[%n]
  %b = affine.apply affine_map<(d0) -> (d0 floordiv 3)>(%a)
  return %b : index
}"""
    module = mp.parse(CTX, text)
    PassManager().add("canonicalize").run(module)
    out = str(module)
    # as iree-opt --canonicalize prints it
    assert "affine_map<()[s0, s1] -> (s1 + s0 floordiv 3)>" in out, out
    assert "affine.apply #map()[%arg1, %arg0]" in out, out
    assert out.count("affine.apply") == 1


@settings(max_examples=60, deadline=None)
@given(_pure_trees(), _VALUES)
def test_lower_affine_expansion_folds_to_the_value(tree, values):
    """lower-affine's arith sequences (floordiv/ceildiv/mod corrections included), applied to arguments
    that are then replaced by constants and folded by arith, give what the expression evaluates to."""
    from mlir_py.dialects.arith import ConstantOp

    from mlir_py.ir.builtin_attributes import IntegerAttr
    from mlir_py.ir.builtin_types import index

    amap = AffineMap(NUM_DIMS, NUM_SYMS, [_build(tree)])
    text = ("func.func @f(%a: index, %b: index, %c: index, %d: index) -> index {\n"
            f"  %r = affine.apply affine_map<{amap}>(%a, %b)[%c, %d]\n  return %r : index\n}}\n")
    module = mp.parse(CTX, text)
    PassManager().add("lower-affine").run(module)
    assert "affine." not in str(module)
    body = module.regions[0].first_block.first_op.regions[0].first_block
    for arg, v in zip(body.args, values):
        c = ConstantOp(IntegerAttr(v, index))
        body.prepend(c)
        arg.replace_all_uses_with(c.result)
    PassManager().add("canonicalize").run(module)
    producer = body.last_op.operands[0].op
    assert producer.name == "arith.constant", str(module)
    dims, syms = values[:NUM_DIMS], values[NUM_DIMS:]
    assert producer.properties["value"].value == _reference(tree, dims, syms)
