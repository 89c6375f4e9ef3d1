"""linalg on tensors -> one-shot-bufferize -> buffer-planning -> convert-linalg-to-loops -> JIT, against
numpy on random inputs; and a leak check: RSS stays flat over a few thousand calls, so every buffer the
compiled code allocates is freed (by the code itself, or by the engine for returned buffers)."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()
RNG = np.random.default_rng(20261203)
W2 = RNG.standard_normal((32, 32)).astype(np.float32)


def _dense(a: np.ndarray) -> str:
    return "dense<[" + ", ".join("[" + ", ".join(f"{x:.9e}" for x in row) + "]" for row in a) + "]>"


ID2 = "affine_map<(d0, d1) -> (d0, d1)>"
ROW = "affine_map<(d0, d1) -> (d1)>"
TR = "affine_map<(d0, d1) -> (d1, d0)>"

PROGRAM = f"""
func.func @mlp(%x: tensor<16x32xf32>, %w: tensor<32x32xf32>, %b: tensor<32xf32>)
    -> (tensor<16x32xf32>, tensor<32x16xf32>) {{
  %zero = arith.constant 0.0 : f32
  %w2 = arith.constant {_dense(W2)} : tensor<32x32xf32>
  %e0 = tensor.empty() : tensor<16x32xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<16x32xf32>) -> tensor<16x32xf32>
  %m0 = linalg.matmul ins(%x, %w : tensor<16x32xf32>, tensor<32x32xf32>)
      outs(%f0 : tensor<16x32xf32>) -> tensor<16x32xf32>
  %e1 = tensor.empty() : tensor<16x32xf32>
  %h = linalg.generic {{indexing_maps = [{ID2}, {ROW}, {ID2}], iterator_types = ["parallel", "parallel"]}}
      ins(%m0, %b : tensor<16x32xf32>, tensor<32xf32>) outs(%e1 : tensor<16x32xf32>) {{
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }} -> tensor<16x32xf32>
  %e2 = tensor.empty() : tensor<16x32xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x32xf32>) -> tensor<16x32xf32>
  %m1 = linalg.matmul ins(%h, %w2 : tensor<16x32xf32>, tensor<32x32xf32>)
      outs(%f2 : tensor<16x32xf32>) -> tensor<16x32xf32>
  %e3 = tensor.empty() : tensor<32x16xf32>
  %t = linalg.generic {{indexing_maps = [{TR}, {ID2}], iterator_types = ["parallel", "parallel"]}}
      ins(%m1 : tensor<16x32xf32>) outs(%e3 : tensor<32x16xf32>) {{
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }} -> tensor<32x16xf32>
  %top = tensor.extract_slice %h[0, 0] [4, 32] [1, 1] : tensor<16x32xf32> to tensor<4x32xf32>
  %dbl = linalg.generic {{indexing_maps = [{ID2}, {ID2}], iterator_types = ["parallel", "parallel"]}}
      ins(%top : tensor<4x32xf32>) outs(%top : tensor<4x32xf32>) {{
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %v : f32
    linalg.yield %s : f32
  }} -> tensor<4x32xf32>
  %out = tensor.insert_slice %dbl into %m1[12, 0] [4, 32] [1, 1] : tensor<4x32xf32> into tensor<16x32xf32>
  return %out, %t : tensor<16x32xf32>, tensor<32x16xf32>
}}

func.func @cumsum(%x: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {{
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %r = scf.for %i = %c1 to %c16 step %c1 iter_args(%a = %x) -> (tensor<16xf32>) {{
    %p = arith.subi %i, %c1 : index
    %prev = tensor.extract %a[%p] : tensor<16xf32>
    %cur = tensor.extract %a[%i] : tensor<16xf32>
    %s = arith.addf %prev, %cur : f32
    %n = tensor.insert %s into %a[%i] : tensor<16xf32>
    scf.yield %n : tensor<16xf32>
  }}
  %e = tensor.empty() : tensor<16xf32>
  %d = linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}}
      ins(%r, %x : tensor<16xf32>, tensor<16xf32>) outs(%e : tensor<16xf32>) {{
  ^bb0(%v: f32, %w: f32, %o: f32):
    %m = arith.subf %v, %w : f32
    linalg.yield %m : f32
  }} -> tensor<16xf32>
  return %r, %d : tensor<16xf32>, tensor<16xf32>
}}

func.func @passthrough(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<2x2xf32>) {{
  %c = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  return %x, %c : tensor<8xf32>, tensor<2x2xf32>
}}
"""


def reference(x, w, b):
    h = np.maximum(x @ w + b, 0)
    m1 = h @ W2
    out = m1.copy()
    out[12:16] = 2 * h[0:4]
    return out, m1.T


def compile_program(options: str) -> ExecutionEngine:
    module = mp.parse(CTX, PROGRAM)
    pm = PassManager()
    pm.add("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}")
    pm.add(f"buffer-planning{{{options}}}")
    pm.add("convert-linalg-to-loops")
    assert pm.run(module)
    text = str(module)
    assert "tensor<" not in text and "linalg." not in text
    assert text.count("memref.dealloc") >= 1
    return ExecutionEngine(module, opt_level=1)  # -O3 would only cost compile time here


@pytest.fixture(scope="module", params=["", "hoist-static=false", "arena=false"],
                ids=["workspace", "arena-per-call", "reuse"])
def engine(request):
    return compile_program(request.param)


def test_matches_numpy(engine):
    fn = engine.lookup("mlp")
    for _ in range(3):
        x = RNG.standard_normal((16, 32)).astype(np.float32)
        w = RNG.standard_normal((32, 32)).astype(np.float32)
        b = RNG.standard_normal(32).astype(np.float32)
        x0, w0, b0 = x.copy(), w.copy(), b.copy()
        out, t = fn(x, w, b)
        want_out, want_t = reference(x, w, b)
        np.testing.assert_allclose(out, want_out, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(t, want_t, rtol=1e-4, atol=1e-4)
        # inputs are not written (their buffers are read-only uses here)
        assert np.array_equal(x, x0) and np.array_equal(w, w0) and np.array_equal(b, b0)


def test_concurrent_calls(engine):
    """Threads calling one function at once (the GIL is released in compiled code): one of them holds
    the workspace, the others allocate their own arena; every result is still right."""
    from concurrent.futures import ThreadPoolExecutor
    fn = engine.lookup("mlp")
    inputs = [tuple(RNG.standard_normal(s).astype(np.float32) for s in ((16, 32), (32, 32), (32,)))
              for _ in range(8)]
    wants = [reference(*args) for args in inputs]

    def run(k: int) -> bool:
        ok = True
        for _ in range(300):
            out, t = fn(*inputs[k])
            ok &= np.allclose(out, wants[k][0], rtol=1e-4, atol=1e-4) and np.allclose(t, wants[k][1], rtol=1e-4,
                                                                                         atol=1e-4)
        return ok

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(run, range(8)))


def test_loop_carried_tensor(engine):
    """scf.for with a tensor iter_arg, its init read after the loop (so the loop works on a copy)."""
    x = RNG.standard_normal(16).astype(np.float32)
    x0 = x.copy()
    r, d = engine.lookup("cumsum")(x)
    np.testing.assert_allclose(r, np.cumsum(x0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(d, np.cumsum(x0) - x0, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(x, x0)


def test_returned_argument_is_a_view_and_constant_a_copy(engine):
    """DESIGN §5: a returned argument comes back as a view of the caller's array (nothing is
    freed twice); a returned constant is copied out of its global (the next call sees it intact)."""
    x = RNG.standard_normal(8).astype(np.float32)
    y, c = engine.lookup("passthrough")(x)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(c, [[1, 2], [3, 4]])
    x[:] = 0
    np.testing.assert_array_equal(y, x)
    c[:] = 7
    np.testing.assert_array_equal(engine.lookup("passthrough")(x)[1], [[1, 2], [3, 4]])


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_no_leak(engine):
    """~2000 calls: without buffer-planning each call leaves ~2 KiB behind (~4 MiB)."""
    fn = engine.lookup("mlp")
    x = RNG.standard_normal((16, 32)).astype(np.float32)
    w = RNG.standard_normal((32, 32)).astype(np.float32)
    b = RNG.standard_normal(32).astype(np.float32)
    for _ in range(200):
        fn(x, w, b)
    before = _rss_bytes()
    for _ in range(2000):
        fn(x, w, b)
    grown = _rss_bytes() - before
    assert grown < 2**20, f"RSS grew by {grown} bytes over 2000 calls"  # unplanned: ~4 MiB
