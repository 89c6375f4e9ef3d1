"""`linalg-vectorize-innermost` compiled and run against numpy on random inputs: elementwise ops with
broadcast operands and remainders, row reductions, the softmax chain (with the polynomial exp), bodies
that read the output, f64, and the exp polynomial over its whole range."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llvmlite")
pytest.importorskip("mlir_py.dialects.linalg")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()
ID2 = "affine_map<(d0, d1) -> (d0, d1)>"
ROW = "affine_map<(d0, d1) -> (d1)>"
COL = "affine_map<(d0, d1) -> (d0)>"
PAR2 = '["parallel", "parallel"]'
RED2 = '["parallel", "reduction"]'


@pytest.fixture
def rng():
    return np.random.default_rng(20261203)


def _compile(text: str) -> tuple[ExecutionEngine, str]:
    module = mp.parse(CTX, text)
    pm = PassManager()
    pm.add("linalg-vectorize-innermost{vector-width=8}")  # the sizes below are chosen around 8 lanes
    assert pm.run(module)
    ir = str(module)
    return ExecutionEngine(module, opt_level=2), ir


def _t(*shape, e="f32"):
    return "memref<" + "x".join(map(str, shape)) + f"x{e}>"


@pytest.mark.parametrize("r,c", [(3, 13), (4, 8), (2, 5), (5, 40)])
def test_elementwise_row_and_column_operands(rng, r, c):
    t = _t(r, c)
    eng, ir = _compile(f"""func.func @f(%x: {t}, %b: {_t(c)}, %s: {_t(r)}, %y: {t}) {{
  %two = arith.constant 2.0 : f32
  linalg.generic {{indexing_maps = [{ID2}, {ROW}, {COL}, {ID2}], iterator_types = {PAR2}}}
      ins(%x, %b, %s : {t}, {_t(c)}, {_t(r)}) outs(%y : {t}) {{
  ^bb0(%in: f32, %in_0: f32, %in_1: f32, %out: f32):
    %0 = arith.mulf %in, %two : f32
    %1 = arith.addf %0, %in_0 : f32
    %2 = arith.maximumf %1, %in_1 : f32
    linalg.yield %2 : f32
  }}
  return
}}""")
    assert "linalg." not in ir and "vector<8xf32>" in ir
    x = rng.standard_normal((r, c), dtype=np.float32)
    b = rng.standard_normal(c, dtype=np.float32)
    s = rng.standard_normal(r, dtype=np.float32)
    y = np.empty((r, c), np.float32)
    eng.lookup("f")(x, b, s, y)
    np.testing.assert_array_equal(y, np.maximum(x * 2 + b, s[:, None]))


@pytest.mark.parametrize("body,ref", [("arith.addf", np.sum), ("arith.maximumf", np.max), ("arith.minimumf", np.min)])
@pytest.mark.parametrize("c", [5, 8, 29])
def test_row_reductions(rng, body, ref, c):
    r = 3
    t = _t(r, c)
    eng, ir = _compile(f"""func.func @f(%x: {t}, %o: {_t(r)}) {{
  linalg.generic {{indexing_maps = [{ID2}, {COL}], iterator_types = {RED2}}} ins(%x : {t}) outs(%o : {_t(r)}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = {body} %in, %out : f32
    linalg.yield %0 : f32
  }}
  return
}}""")
    assert "linalg." not in ir
    x = rng.standard_normal((r, c), dtype=np.float32)
    o = rng.standard_normal(r, dtype=np.float32)
    want = ref(np.concatenate([x, o[:, None]], axis=1), axis=1)
    eng.lookup("f")(x, o)
    np.testing.assert_allclose(o, want, rtol=1e-6, atol=1e-6)


def test_softmax_chain_with_fill_and_output_read(rng):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import model  # the benchmark's softmax: fill, max, exp, fill, sum, divide in place
    r, c = 5, 37
    eng, ir = _compile(model.softmax_linalg(r, c))
    assert "linalg." not in ir and "math.exp" not in ir and "vector.reduction <add>" in ir
    x = (rng.standard_normal((r, c)) * 10).astype(np.float32)
    y = np.empty_like(x)
    eng.lookup("f")(x, y)
    np.testing.assert_allclose(y, model.np_softmax(x), rtol=1e-5, atol=1e-7)


def test_exp_polynomial_over_its_range():
    n = 4096
    t = _t(n)
    eng, ir = _compile(f"""func.func @f(%x: {t}, %y: {t}) {{
  linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                   iterator_types = ["parallel"]}} ins(%x : {t}) outs(%y : {t}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }}
  return
}}""")
    assert "math.exp" not in ir
    x = np.linspace(-87.0, 88.0, n, dtype=np.float32)
    y = np.empty_like(x)
    eng.lookup("f")(x, y)
    np.testing.assert_allclose(y, np.exp(x), rtol=3e-7)
    x = np.array([-200.0, -100.0, 0.0, 1.0] * (n // 4), dtype=np.float32)
    eng.lookup("f")(x, y)
    np.testing.assert_allclose(y, np.exp(x), rtol=3e-7, atol=1e-37)


def test_f64_and_left_alone(rng):
    """f64 uses 4 lanes; a transposed read (the innermost loop not last in the operand) is left as is."""
    t = _t(3, 6, e="f64")
    eng, ir = _compile(f"""func.func @f(%x: {t}, %y: {t}) {{
  linalg.generic {{indexing_maps = [{ID2}, {ID2}], iterator_types = {PAR2}}} ins(%x : {t}) outs(%y : {t}) {{
  ^bb0(%in: f64, %out: f64):
    %0 = arith.mulf %in, %in : f64
    linalg.yield %0 : f64
  }}
  return
}}""")
    assert "vector<4xf64>" in ir
    x = rng.standard_normal((3, 6))
    y = np.empty_like(x)
    eng.lookup("f")(x, y)
    np.testing.assert_array_equal(y, x * x)
    module = mp.parse(CTX, f"""func.func @g(%x: {_t(4, 4)}, %y: {_t(4, 4)}) {{
  linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, {ID2}], iterator_types = {PAR2}}}
      ins(%x : {_t(4, 4)}) outs(%y : {_t(4, 4)}) {{
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }}
  return
}}""")
    pm = PassManager()
    pm.add("linalg-vectorize-innermost{vector-width=8}")  # the sizes below are chosen around 8 lanes
    assert pm.run(module)
    assert "linalg.generic" in str(module)


def test_row_groups_only_when_row_local(rng):
    """A 1-D op feeding a 2-D op along its columns (another row's values) stays a loop of its own; a 2-D
    chain reading the same row fuses; both against numpy."""
    t, v = _t(13, 13), _t(13)
    eng, ir = _compile(f"""func.func @f(%x: {t}, %a: {v}, %w: {v}, %t: {t}, %y: {t}) {{
  linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}}
      ins(%a : {v}) outs(%w : {v}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %in : f32
    linalg.yield %0 : f32
  }}
  linalg.generic {{indexing_maps = [{ID2}, {ROW}, {ID2}], iterator_types = {PAR2}}}
      ins(%x, %w : {t}, {v}) outs(%t : {t}) {{
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.addf %in, %in_0 : f32
    linalg.yield %0 : f32
  }}
  linalg.generic {{indexing_maps = [{ID2}, {ID2}, {ID2}], iterator_types = {PAR2}}}
      ins(%t, %x : {t}, {t}) outs(%y : {t}) {{
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    linalg.yield %0 : f32
  }}
  return
}}""")
    # the 1-D op alone (vectors, before the loop; in a row group it would be one scalar store per row), the
    # two 2-D ops in one loop over the rows
    assert ir.count("scf.parallel") == 1 and "memref.store" not in ir
    assert ir.index("arith.mulf") < ir.index("scf.parallel")
    x = rng.standard_normal((13, 13), dtype=np.float32)
    a = rng.standard_normal(13, dtype=np.float32)
    w, tt, y = np.empty(13, np.float32), np.empty((13, 13), np.float32), np.empty((13, 13), np.float32)
    eng.lookup("f")(x, a, w, tt, y)
    np.testing.assert_allclose(y, (x + a * a) * x, rtol=1e-6)
