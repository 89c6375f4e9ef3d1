"""`linalg-codegen-matmul` compiled and run: the register-tiled kernels (with fused epilogues) against numpy
on random inputs, at sizes that are not multiples of the block (row and column remainders, N below one
vector), for the named op, the equivalent generics (transposed A, batched) and f64."""

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


@pytest.fixture
def rng():
    return np.random.default_rng(20261203)


def _compile(text: str, options: str = "") -> tuple[ExecutionEngine, str]:
    module = mp.parse(CTX, text)
    pm = PassManager()
    pm.add(f"linalg-codegen-matmul{{{options}}}" if options else "linalg-codegen-matmul")
    assert pm.run(module)
    lowered = str(module)
    return ExecutionEngine(module, opt_level=2), lowered


def _mt(*shape, t="f32"):
    return "memref<" + "x".join(map(str, shape)) + f"x{t}>"


def matmul_fill(m, k, n, t="f32"):
    a, b, c = _mt(m, k, t=t), _mt(k, n, t=t), _mt(m, n, t=t)
    return f"""func.func @f(%a: {a}, %b: {b}, %c: {c}) {{
  %zero = arith.constant 0.0 : {t}
  linalg.fill ins(%zero : {t}) outs(%c : {c})
  linalg.matmul ins(%a, %b : {a}, {b}) outs(%c : {c})
  return
}}"""


def linear(m, k, n, epilogue_maps, epilogue_types, body, extra_args):
    """x @ w into a fresh buffer, then one generic reading it (plus `extra_args`) into %y."""
    a, b, c = _mt(m, k), _mt(k, n), _mt(m, n)
    args = "".join(f", %e{i}: {t}" for i, t in enumerate(epilogue_types))
    ins = ", ".join(["%alloc"] + [f"%e{i}" for i in range(len(epilogue_types))])
    ins_t = ", ".join([c] + epilogue_types)
    maps = ", ".join([ID2] + epilogue_maps + [ID2])
    bargs = ", ".join(["%in: f32"] + [f"%in_{i}: f32" for i in range(len(epilogue_types))] + ["%out: f32"])
    return f"""func.func @f(%x: {a}, %w: {b}{args}, %y: {c}) {{
  %cst = arith.constant 0.0 : f32
  %alloc = memref.alloc() {{alignment = 64 : i64}} : {c}
  linalg.fill ins(%cst : f32) outs(%alloc : {c})
  linalg.matmul ins(%x, %w : {a}, {b}) outs(%alloc : {c})
  linalg.generic {{indexing_maps = [{maps}], iterator_types = ["parallel", "parallel"]}}
      ins({ins} : {ins_t}) outs(%y : {c}) {{
  ^bb0({bargs}):
{body}
  }}
  memref.dealloc %alloc : {c}
  return
}}"""


@pytest.mark.parametrize("m,k,n", [(13, 7, 21), (6, 5, 16), (1, 1, 1), (5, 3, 7), (20, 33, 40)])
def test_matmul_with_fill(rng, m, k, n):
    eng, ir = _compile(matmul_fill(m, k, n))
    assert "linalg." not in ir and "vector.fma" in ir
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = rng.standard_normal((m, n), dtype=np.float32)
    eng.lookup("f")(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("options", ["rows=4 vectors=3", "rows=1 vectors=1 vector-width=4",
                                     "k-block=4 m-block=4", "k-block=2 m-block=12"])
def test_matmul_accumulates_without_fill(rng, options):
    m, k, n = 11, 9, 29
    a_t, b_t, c_t = _mt(m, k), _mt(k, n), _mt(m, n)
    eng, ir = _compile(f"""func.func @f(%a: {a_t}, %b: {b_t}, %c: {c_t}) {{
  linalg.matmul ins(%a, %b : {a_t}, {b_t}) outs(%c : {c_t})
  return
}}""", options)
    assert "linalg." not in ir
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = rng.standard_normal((m, n), dtype=np.float32)
    want = c + a @ b
    eng.lookup("f")(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


def test_f64(rng):
    m, k, n = 7, 5, 11
    eng, ir = _compile(matmul_fill(m, k, n, "f64"), "vector-width=8")
    assert "vector<4xf64>" in ir
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    c = np.zeros((m, n))
    eng.lookup("f")(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-12)


@pytest.mark.parametrize("m,k,n,options", [(13, 7, 21, ""), (64, 32, 48, ""), (3, 4, 5, ""),
                                           (40, 27, 37, "k-block=8 m-block=12"), (13, 9, 21, "k-block=4 m-block=7")])
def test_linear_bias_relu_fused(rng, m, k, n, options):
    body = """    %0 = arith.addf %in, %in_0 : f32
    %1 = arith.maximumf %0, %cst : f32
    linalg.yield %1 : f32"""
    eng, ir = _compile(linear(m, k, n, [ROW], [_mt(n)], body, 1), options)
    # one kernel, no intermediate buffer (only packing buffers for B's panels)
    allocs = [line for line in ir.splitlines() if "memref.alloc" in line]
    assert "linalg." not in ir and not any(line.endswith(f": {_mt(m, n)}") for line in allocs), allocs
    x = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((k, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32)
    y = np.empty((m, n), np.float32)
    eng.lookup("f")(x, w, bias, y)
    np.testing.assert_allclose(y, np.maximum(x @ w + bias, 0), rtol=1e-5, atol=1e-5)


def test_column_and_matrix_operands_and_constants(rng):
    m, k, n = 9, 6, 19
    body = """    %two = arith.constant 2.0 : f32
    %0 = arith.mulf %in, %two : f32
    %1 = arith.addf %0, %in_0 : f32
    %2 = arith.subf %1, %in_1 : f32
    %3 = arith.cmpf ogt, %2, %cst : f32
    %4 = arith.select %3, %2, %in_1 : f32
    %5 = math.tanh %4 : f32
    linalg.yield %5 : f32"""
    eng, ir = _compile(linear(m, k, n, [COL, ID2], [_mt(m), _mt(m, n)], body, 2))
    assert "linalg." not in ir
    x = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((k, n), dtype=np.float32)
    col = rng.standard_normal(m, dtype=np.float32)
    full = rng.standard_normal((m, n), dtype=np.float32)
    y = np.empty((m, n), np.float32)
    eng.lookup("f")(x, w, col, full, y)
    t = 2 * (x @ w) + col[:, None] - full
    np.testing.assert_allclose(y, np.tanh(np.where(t > 0, t, full)), rtol=1e-5, atol=1e-5)


def test_chain_of_two_epilogues_and_in_place(rng):
    """bias add into a second buffer, then relu in place on it, which the function returns."""
    m, k, n = 10, 8, 12
    a, b, c = _mt(m, k), _mt(k, n), _mt(m, n)
    eng, ir = _compile(f"""func.func @f(%x: {a}, %w: {b}, %bias: {_mt(n)}) -> {c} {{
  %cst = arith.constant 0.0 : f32
  %alloc = memref.alloc() : {c}
  linalg.fill ins(%cst : f32) outs(%alloc : {c})
  linalg.matmul ins(%x, %w : {a}, {b}) outs(%alloc : {c})
  %alloc_1 = memref.alloc() : {c}
  linalg.generic {{indexing_maps = [{ID2}, {ROW}, {ID2}], iterator_types = ["parallel", "parallel"]}}
      ins(%alloc, %bias : {c}, {_mt(n)}) outs(%alloc_1 : {c}) {{
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.addf %in, %in_0 : f32
    linalg.yield %0 : f32
  }}
  memref.dealloc %alloc : {c}
  linalg.generic {{indexing_maps = [{ID2}, {ID2}], iterator_types = ["parallel", "parallel"]}}
      ins(%alloc_1 : {c}) outs(%alloc_1 : {c}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %cst : f32
    linalg.yield %0 : f32
  }}
  return %alloc_1 : {c}
}}""")
    assert "linalg." not in ir and ir.count("memref.alloc(") == 1
    x = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((k, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32)
    np.testing.assert_allclose(eng.lookup("f")(x, w, bias), np.maximum(x @ w + bias, 0), rtol=1e-5, atol=1e-5)


def test_generic_transposed_a_and_batched(rng):
    bt, m, k, n = 3, 5, 7, 10
    at, b_t, c_t = _mt(bt, k, m), _mt(bt, k, n), _mt(bt, m, n)
    maps = ("affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, "
            "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>")
    eng, ir = _compile(f"""func.func @f(%a: {at}, %b: {b_t}, %c: {c_t}) {{
  linalg.generic {{indexing_maps = [{maps}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
      ins(%a, %b : {at}, {b_t}) outs(%c : {c_t}) {{
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }}
  return
}}""")
    assert "linalg." not in ir
    a = rng.standard_normal((bt, k, m), dtype=np.float32)
    b = rng.standard_normal((bt, k, n), dtype=np.float32)
    c = rng.standard_normal((bt, m, n), dtype=np.float32)
    want = c + np.einsum("bkm,bkn->bmn", a, b)
    eng.lookup("f")(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


def test_named_batch_matmul(rng):
    bt, m, k, n = 3, 13, 7, 21
    a_t, b_t, c_t = _mt(bt, m, k), _mt(bt, k, n), _mt(bt, m, n)
    eng, ir = _compile(f"""func.func @f(%a: {a_t}, %b: {b_t}, %c: {c_t}) {{
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : {c_t})
  linalg.batch_matmul ins(%a, %b : {a_t}, {b_t}) outs(%c : {c_t})
  return
}}""")
    assert "linalg." not in ir
    a = rng.standard_normal((bt, m, k), dtype=np.float32)
    b = rng.standard_normal((bt, k, n), dtype=np.float32)
    c = np.empty((bt, m, n), np.float32)
    eng.lookup("f")(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


def test_sigmoid_epilogue_uses_the_exp_polynomial(rng):
    m, k, n = 14, 10, 19
    body = """    %one = arith.constant 1.0 : f32
    %0 = arith.addf %in, %in_0 : f32
    %1 = arith.negf %0 : f32
    %2 = math.exp %1 : f32
    %3 = arith.addf %2, %one : f32
    %4 = arith.divf %one, %3 : f32
    linalg.yield %4 : f32"""
    eng, ir = _compile(linear(m, k, n, [ROW], [_mt(n)], body, 1))
    assert "linalg." not in ir and "math.exp" not in ir
    x = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((k, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32)
    y = np.empty((m, n), np.float32)
    eng.lookup("f")(x, w, bias, y)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-(x @ w + bias))), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("m,k,n", [(257, 1023, 7), (7, 257, 1023), (1, 7, 257), (1023, 1, 33)])
def test_odd_sizes_host_defaults(rng, m, k, n):
    """Issue 11's edge sizes (1, 7, 257, 1023) with the host's default blocks: row and column remainders,
    several panels and reduction blocks, a vector row longer than the packed panel."""
    eng, ir = _compile(matmul_fill(m, k, n))
    assert "linalg." not in ir
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), np.float32)
    eng.lookup("f")(a, b, c)
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)
