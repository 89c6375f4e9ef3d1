"""Structured ops on memrefs lowered by convert-linalg-to-{loops,affine-loops,parallel-loops}, then
--lower-to-llvm, JIT-run and compared with numpy on random inputs: a dynamic matmul after a fill, a
row reduction, a transposed and broadcast elementwise generic, a body reading linalg.index, a strided and
dilated convolution and a max pool."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()

PROGRAM = """
func.func @matmul(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x?xf32>)
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

func.func @row_sum(%a: memref<7x?xf32>, %c: memref<7xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<7x?xf32>) outs(%c : memref<7xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

func.func @transpose_broadcast(%a: memref<5x3xf32>, %b: memref<5xf32>, %c: memref<3x5xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : memref<5x3xf32>, memref<5xf32>) outs(%c : memref<3x5xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %m, %o : f32
    linalg.yield %s : f32
  }
  return
}

func.func @index(%a: memref<4x6xf32>, %c: memref<4x6xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x6xf32>) outs(%c : memref<4x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c10 = arith.constant 10 : index
    %i10 = arith.muli %i, %c10 : index
    %k = arith.addi %i10, %j : index
    %ki = arith.index_cast %k : index to i32
    %kf = arith.sitofp %ki : i32 to f32
    %s = arith.addf %x, %kf : f32
    linalg.yield %s : f32
  }
  return
}

func.func @conv(%x: memref<2x3x9x11xf32>, %w: memref<4x3x2x3xf32>, %y: memref<2x4x4x3xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
      ins(%x, %w : memref<2x3x9x11xf32>, memref<4x3x2x3xf32>) outs(%y : memref<2x4x4x3xf32>)
  return
}

func.func @max_pool(%x: memref<1x2x7x7xf32>, %k: memref<3x3xf32>, %y: memref<1x2x3x3xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %k : memref<1x2x7x7xf32>, memref<3x3xf32>) outs(%y : memref<1x2x3x3xf32>)
  return
}
"""


@pytest.fixture(scope="module", params=["convert-linalg-to-loops", "convert-linalg-to-affine-loops",
                                        "convert-linalg-to-parallel-loops"])
def engine(request):
    module = mp.parse(CTX, PROGRAM)
    pm = PassManager()
    pm.add(request.param)
    assert pm.run(module)
    assert "linalg." not in str(module)
    return ExecutionEngine(module)


@pytest.fixture
def rng():
    return np.random.default_rng(20261203)


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_matmul(engine, rng):
    a, b = f32(rng, 9, 13), f32(rng, 13, 6)
    c = f32(rng, 9, 6)  # garbage: the fill must reset it
    engine.lookup("matmul")(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


def test_row_sum(engine, rng):
    a, c = f32(rng, 7, 11), f32(rng, 7)
    want = c + a.sum(axis=1)
    engine.lookup("row_sum")(a, c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


def test_transpose_broadcast(engine, rng):
    a, b, c = f32(rng, 5, 3), f32(rng, 5), f32(rng, 3, 5)
    want = a.T * b[None, :] + c
    engine.lookup("transpose_broadcast")(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-6, atol=1e-6)


def test_index(engine, rng):
    a, c = f32(rng, 4, 6), f32(rng, 4, 6)
    i, j = np.meshgrid(np.arange(4), np.arange(6), indexing="ij")
    engine.lookup("index")(a, c)
    np.testing.assert_allclose(c, a + (10 * i + j).astype(np.float32), rtol=1e-6, atol=1e-6)


def test_conv_strided_dilated(engine, rng):
    x, w, y = f32(rng, 2, 3, 9, 11), f32(rng, 4, 3, 2, 3), f32(rng, 2, 4, 4, 3)
    want = y.copy()
    for kh in range(2):
        for kw in range(3):
            # output (oh, ow) reads input (2 * oh + kh, 3 * ow + 2 * kw)
            patch = x[:, :, kh:kh + 2 * 4:2, 2 * kw:2 * kw + 3 * 3:3]
            want += np.einsum("nchw,fc->nfhw", patch, w[:, :, kh, kw])
    engine.lookup("conv")(x, w, y)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


def test_max_pool(engine, rng):
    x, k = f32(rng, 1, 2, 7, 7), f32(rng, 3, 3)
    y = np.full((1, 2, 3, 3), -np.inf, np.float32)
    want = np.max([x[:, :, i:i + 5:2, j:j + 5:2] for i in range(3) for j in range(3)], axis=0)
    engine.lookup("max_pool")(x, k, y)
    np.testing.assert_allclose(y, want)
