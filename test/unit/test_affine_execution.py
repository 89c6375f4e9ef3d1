"""Affine code compiled and run: lower-affine inside --lower-to-llvm, the
loop transforms before it, results against numpy on random inputs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llvmlite")
pytest.importorskip("mlir_py.target.llvmir")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()
M, N, K = 19, 13, 23  # not multiples of the tile sizes or unroll factors

MATMUL = f"""
func.func @matmul(%A: memref<{M}x{K}xf32>, %B: memref<{K}x{N}xf32>, %C: memref<{M}x{N}xf32>) {{
  affine.for %i = 0 to {M} {{
    affine.for %j = 0 to {N} {{
      affine.for %k = 0 to {K} {{
        %a = affine.load %A[%i, %k] : memref<{M}x{K}xf32>
        %b = affine.load %B[%k, %j] : memref<{K}x{N}xf32>
        %c = affine.load %C[%i, %j] : memref<{M}x{N}xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        affine.store %s, %C[%i, %j] : memref<{M}x{N}xf32>
      }}
    }}
  }}
  return
}}
"""


@pytest.fixture
def rng():
    return np.random.default_rng(20261203)


def _engine(text: str, *passes: str) -> ExecutionEngine:
    module = mp.parse(CTX, text)
    if passes:
        pm = PassManager()
        for p in passes:
            pm.add(p)
        assert pm.run(module)
    assert "affine." in str(module)
    return ExecutionEngine(module)


@pytest.mark.parametrize("passes", [
    (),
    ("affine-loop-tile{tile-sizes=4,8,5}",),
    ("affine-loop-tile{tile-sizes=8,4,16}", "affine-loop-unroll{unroll-factor=3}"),
    ("affine-parallelize",),
], ids=["naive", "tiled", "tiled-unrolled", "parallel"])
def test_matmul(rng, passes):
    f = _engine(MATMUL, *passes).lookup("matmul")
    a = rng.standard_normal((M, K)).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    c = rng.standard_normal((M, N)).astype(np.float32)
    expected = c + a @ b
    f(a, b, c)
    np.testing.assert_allclose(c, expected, rtol=1e-5, atol=1e-5)


def test_reduction_iter_args_unrolled_with_cleanup(rng):
    text = """
func.func @dot(%A: memref<?xf32>, %B: memref<?xf32>, %init: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %A, %c0 : memref<?xf32>
  %r = affine.for %i = 0 to %n iter_args(%s = %init) -> (f32) {
    %a = affine.load %A[%i] : memref<?xf32>
    %b = affine.load %B[%i] : memref<?xf32>
    %p = arith.mulf %a, %b : f32
    %t = arith.addf %s, %p : f32
    affine.yield %t : f32
  }
  return %r : f32
}
"""
    f = _engine(text, "affine-loop-unroll{unroll-factor=4}").lookup("dot")
    for n in (0, 1, 7, 33):
        a = rng.standard_normal(n).astype(np.float32)
        b = rng.standard_normal(n).astype(np.float32)
        init = float(rng.standard_normal())
        np.testing.assert_allclose(f(a, b, init), init + float(np.dot(a, b)), rtol=1e-5, atol=1e-5)


def test_expression_semantics_on_negative_values(rng):
    """floordiv rounds down, ceildiv up, mod is non-negative, also for negative operands (x = i + off with a
    negative offset); affine.if and min/max pick the right values; delinearize/linearize agree."""
    text = """
func.func @exprs(%Out: memref<?x8xi64>, %off: index, %lo: index, %hi: index) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %Out, %c0 : memref<?x8xi64>
  affine.for %i = 0 to %n {
    %fd = affine.apply affine_map<(d0)[s0] -> ((d0 + s0) floordiv 3)>(%i)[%off]
    %cd = affine.apply affine_map<(d0)[s0] -> ((d0 + s0) ceildiv 4)>(%i)[%off]
    %md = affine.apply affine_map<(d0)[s0] -> ((d0 + s0) mod 5)>(%i)[%off]
    %mn = affine.min affine_map<(d0)[s0, s1] -> ((d0 + s0) * 2 - 1, s1)>(%i)[%off, %hi]
    %mx = affine.max affine_map<(d0)[s0, s1] -> ((d0 + s0) * -3 + 7, s1)>(%i)[%off, %lo]
    %d:2 = affine.delinearize_index %md into (5) : index, index
    %l = affine.linearize_index disjoint [%fd, %md] by (5) : index
    %r0 = arith.index_cast %fd : index to i64
    %r1 = arith.index_cast %cd : index to i64
    %r2 = arith.index_cast %md : index to i64
    %r3 = arith.index_cast %mn : index to i64
    %r4 = arith.index_cast %mx : index to i64
    %r5 = arith.index_cast %d#1 : index to i64
    %r6 = arith.index_cast %l : index to i64
    affine.store %r0, %Out[%i, 0] : memref<?x8xi64>
    affine.store %r1, %Out[%i, 1] : memref<?x8xi64>
    affine.store %r2, %Out[%i, 2] : memref<?x8xi64>
    affine.store %r3, %Out[%i, 3] : memref<?x8xi64>
    affine.store %r4, %Out[%i, 4] : memref<?x8xi64>
    affine.store %r5, %Out[%i, 5] : memref<?x8xi64>
    affine.store %r6, %Out[%i, 6] : memref<?x8xi64>
    affine.if affine_set<(d0)[s0, s1] : (d0 + s0 - s1 >= 0)>(%i)[%off, %lo] {
      %one = arith.constant 1 : i64
      affine.store %one, %Out[%i, 7] : memref<?x8xi64>
    } else {
      %m1 = arith.constant -1 : i64
      affine.store %m1, %Out[%i, 7] : memref<?x8xi64>
    }
  }
  return
}
"""
    f = _engine(text).lookup("exprs")
    n = 60
    off, lo, hi = int(rng.integers(-45, -20)), int(rng.integers(-10, 0)), int(rng.integers(0, 10))
    out = rng.integers(-100, 100, size=(n, 8)).astype(np.int64)
    f(out, off, lo, hi)
    x = np.arange(n, dtype=np.int64) + off
    expected = np.stack([x // 3, -(-x // 4), x % 5, np.minimum(2 * x - 1, hi), np.maximum(-3 * x + 7, lo),
                         x % 5, (x // 3) * 5 + x % 5, np.where(x >= lo, 1, -1)], axis=1)
    np.testing.assert_array_equal(out, expected)
