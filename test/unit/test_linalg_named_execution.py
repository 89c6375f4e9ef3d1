"""batch_matmul, matvec, vecmat, dot, the 2-D convolutions and poolings on memrefs, lowered by
linalg-generalize-named-ops + convert-linalg-to-loops + --lower-to-llvm, JIT-run and compared with numpy
on random inputs (random initial outputs too: the ops accumulate into them), with non-square shapes,
strides, dilations, broadcast/transposed batch_matmul operands and integer (i8 -> i32) conversions; and
linalg.softmax on tensors through linalg-decompose-aggregated-ops + one-shot-bufferize + buffer-planning
against numpy's stable softmax on inputs large enough to overflow a naive exp."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()

PROGRAM = """
func.func @batch_matmul(%a: memref<3x5x4xf32>, %b: memref<3x4x6xf32>, %c: memref<3x5x6xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x5x4xf32>, memref<3x4x6xf32>) outs(%c : memref<3x5x6xf32>)
  return
}
func.func @batch_matmul_bcast(%at: memref<3x4x5xf32>, %w: memref<4x6xf32>, %c: memref<3x5x6xf32>) {
  linalg.batch_matmul indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>,
                                       affine_map<(d0, d1, d2, d3) -> (d3, d2)>,
                                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]
      ins(%at, %w : memref<3x4x5xf32>, memref<4x6xf32>) outs(%c : memref<3x5x6xf32>)
  return
}
func.func @batch_matmul_u8(%a: memref<2x3x4xi8>, %b: memref<2x4x5xi8>, %c: memref<2x3x5xi32>) {
  linalg.batch_matmul {cast = #linalg.type_fn<cast_unsigned>}
      ins(%a, %b : memref<2x3x4xi8>, memref<2x4x5xi8>) outs(%c : memref<2x3x5xi32>)
  return
}
func.func @matvec(%a: memref<7x5xf32>, %x: memref<5xf32>, %y: memref<7xf32>) {
  linalg.matvec ins(%a, %x : memref<7x5xf32>, memref<5xf32>) outs(%y : memref<7xf32>)
  return
}
func.func @vecmat(%x: memref<7xf32>, %a: memref<7x5xf32>, %y: memref<5xf32>) {
  linalg.vecmat ins(%x, %a : memref<7xf32>, memref<7x5xf32>) outs(%y : memref<5xf32>)
  return
}
func.func @dot(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<f32>) {
  linalg.dot ins(%a, %b : memref<?xf32>, memref<?xf32>) outs(%c : memref<f32>)
  return
}
func.func @conv_nchw(%x: memref<2x3x11x13xf32>, %w: memref<4x3x3x2xf32>, %o: memref<2x4x4x5xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>}
      ins(%x, %w : memref<2x3x11x13xf32>, memref<4x3x3x2xf32>) outs(%o : memref<2x4x4x5xf32>)
  return
}
func.func @conv_nhwc(%x: memref<1x10x9x3xf32>, %w: memref<2x3x3x4xf32>, %o: memref<1x3x3x4xf32>) {
  linalg.conv_2d_nhwc_hwcf {dilations = dense<[1, 2]> : vector<2xi64>, strides = dense<[3, 2]> : vector<2xi64>}
      ins(%x, %w : memref<1x10x9x3xf32>, memref<2x3x3x4xf32>) outs(%o : memref<1x3x3x4xf32>)
  return
}
func.func @conv_nhwc_i8(%x: memref<1x6x5x2xi8>, %w: memref<3x2x2x3xi8>, %o: memref<1x4x4x3xi32>) {
  linalg.conv_2d_nhwc_hwcf ins(%x, %w : memref<1x6x5x2xi8>, memref<3x2x2x3xi8>) outs(%o : memref<1x4x4x3xi32>)
  return
}
func.func @depthwise(%x: memref<2x3x9x8xf32>, %w: memref<3x2x3xf32>, %o: memref<2x3x4x3xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}
      ins(%x, %w : memref<2x3x9x8xf32>, memref<3x2x3xf32>) outs(%o : memref<2x3x4x3xf32>)
  return
}
func.func @pool_nchw_max(%x: memref<2x3x9x8xf32>, %win: memref<3x2xf32>, %o: memref<2x3x4x4xf32>) {
  linalg.pooling_nchw_max {strides = dense<2> : tensor<2xi64>}
      ins(%x, %win : memref<2x3x9x8xf32>, memref<3x2xf32>) outs(%o : memref<2x3x4x4xf32>)
  return
}
func.func @pool_nchw_sum(%x: memref<2x3x9x8xf32>, %win: memref<3x2xf32>, %o: memref<2x3x5x3xf32>) {
  linalg.pooling_nchw_sum {dilations = dense<[2, 3]> : tensor<2xi64>}
      ins(%x, %win : memref<2x3x9x8xf32>, memref<3x2xf32>) outs(%o : memref<2x3x5x3xf32>)
  return
}
func.func @pool_nhwc_max(%x: memref<1x9x8x3xf32>, %win: memref<2x3xf32>, %o: memref<1x4x3x3xf32>) {
  linalg.pooling_nhwc_max {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>}
      ins(%x, %win : memref<1x9x8x3xf32>, memref<2x3xf32>) outs(%o : memref<1x4x3x3xf32>)
  return
}
func.func @pool_nhwc_sum(%x: memref<1x9x8x3xf32>, %win: memref<2x3xf32>, %o: memref<1x3x2x3xf32>) {
  linalg.pooling_nhwc_sum {dilations = dense<[2, 2]> : tensor<2xi64>, strides = dense<[3, 2]> : tensor<2xi64>}
      ins(%x, %win : memref<1x9x8x3xf32>, memref<2x3xf32>) outs(%o : memref<1x3x2x3xf32>)
  return
}
"""

RNG = np.random.default_rng(20261203)


def rand(*shape, dtype=np.float32):
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return RNG.integers(max(info.min, -100), min(info.max, 100), size=shape, dtype=dtype)
    return RNG.standard_normal(shape).astype(dtype)


@pytest.fixture(scope="module")
def engine():
    module = mp.parse(CTX, PROGRAM)
    pm = PassManager()
    pm.add("linalg-generalize-named-ops")
    pm.add("convert-linalg-to-loops")
    assert pm.run(module)
    assert "linalg." not in str(module)
    return ExecutionEngine(module)


def run(engine, name, *args):
    """Call `name` on copies of `args`; returns the (updated) last argument, the output."""
    args = [np.array(a) for a in args]
    engine.lookup(name)(*args)
    return args[-1]


def windows(x, k, s, d, out):
    """For a (..., H, W) array: per window offset (kh, kw), the (..., OH, OW) slice it reads."""
    oh, ow = out
    for kh in range(k[0]):
        for kw in range(k[1]):
            h0, w0 = kh * d[0], kw * d[1]
            yield kh, kw, x[..., h0:h0 + s[0] * (oh - 1) + 1:s[0], w0:w0 + s[1] * (ow - 1) + 1:s[1]]


def test_batch_matmul(engine):
    a, b, c = rand(3, 5, 4), rand(3, 4, 6), rand(3, 5, 6)
    np.testing.assert_allclose(run(engine, "batch_matmul", a, b, c), c + a @ b, rtol=1e-5, atol=1e-5)


def test_batch_matmul_transposed_and_broadcast(engine):
    at, w, c = rand(3, 4, 5), rand(4, 6), rand(3, 5, 6)
    want = c + np.einsum("bkm,kn->bmn", at, w)
    np.testing.assert_allclose(run(engine, "batch_matmul_bcast", at, w, c), want, rtol=1e-5, atol=1e-5)


def test_batch_matmul_unsigned_cast(engine):
    a, b, c = rand(2, 3, 4, dtype=np.int8), rand(2, 4, 5, dtype=np.int8), rand(2, 3, 5, dtype=np.int32)
    want = c + a.view(np.uint8).astype(np.int32) @ b.view(np.uint8).astype(np.int32)
    np.testing.assert_array_equal(run(engine, "batch_matmul_u8", a, b, c), want)


def test_matvec_vecmat_dot(engine):
    a, x, y = rand(7, 5), rand(5), rand(7)
    np.testing.assert_allclose(run(engine, "matvec", a, x, y), y + a @ x, rtol=1e-5, atol=1e-5)
    v, z = rand(7), rand(5)
    np.testing.assert_allclose(run(engine, "vecmat", v, a, z), z + v @ a, rtol=1e-5, atol=1e-5)
    p, q, s = rand(13), rand(13), rand()
    np.testing.assert_allclose(run(engine, "dot", p, q, np.array(s)), s + p @ q, rtol=1e-5, atol=1e-5)


def test_conv_2d_nchw_fchw(engine):
    x, w, o = rand(2, 3, 11, 13), rand(4, 3, 3, 2), rand(2, 4, 4, 5)
    want = o.copy()
    for kh, kw, xs in windows(x, (3, 2), (2, 2), (2, 1), (4, 5)):
        want += np.einsum("nchw,fc->nfhw", xs, w[:, :, kh, kw])
    np.testing.assert_allclose(run(engine, "conv_nchw", x, w, o), want, rtol=1e-5, atol=1e-5)


def test_conv_2d_nhwc_hwcf(engine):
    x, w, o = rand(1, 10, 9, 3), rand(2, 3, 3, 4), rand(1, 3, 3, 4)
    xt, want = x.transpose(0, 3, 1, 2), o.copy()
    for kh, kw, xs in windows(xt, (2, 3), (3, 2), (1, 2), (3, 3)):
        want += np.einsum("nchw,cf->nhwf", xs, w[kh, kw])
    np.testing.assert_allclose(run(engine, "conv_nhwc", x, w, o), want, rtol=1e-5, atol=1e-5)


def test_conv_2d_nhwc_hwcf_i8(engine):
    x, w, o = rand(1, 6, 5, 2, dtype=np.int8), rand(3, 2, 2, 3, dtype=np.int8), rand(1, 4, 4, 3, dtype=np.int32)
    xt, want = x.transpose(0, 3, 1, 2).astype(np.int32), o.copy()
    for kh, kw, xs in windows(xt, (3, 2), (1, 1), (1, 1), (4, 4)):
        want += np.einsum("nchw,cf->nhwf", xs, w[kh, kw].astype(np.int32))
    np.testing.assert_array_equal(run(engine, "conv_nhwc_i8", x, w, o), want)


def test_depthwise_conv_2d_nchw_chw(engine):
    x, w, o = rand(2, 3, 9, 8), rand(3, 2, 3), rand(2, 3, 4, 3)
    want = o.copy()
    for kh, kw, xs in windows(x, (2, 3), (2, 1), (1, 2), (4, 3)):
        want += xs * w[None, :, kh, kw, None, None]
    np.testing.assert_allclose(run(engine, "depthwise", x, w, o), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,layout,reduce,k,s,d,out", [
    ("pool_nchw_max", "nchw", np.maximum, (3, 2), (2, 2), (1, 1), (2, 3, 4, 4)),
    ("pool_nchw_sum", "nchw", np.add, (3, 2), (1, 1), (2, 3), (2, 3, 5, 3)),
    ("pool_nhwc_max", "nhwc", np.maximum, (2, 3), (2, 2), (1, 1), (1, 4, 3, 3)),
    ("pool_nhwc_sum", "nhwc", np.add, (2, 3), (3, 2), (2, 2), (1, 3, 2, 3)),
])
def test_pooling(engine, name, layout, reduce, k, s, d, out):
    x = rand(2, 3, 9, 8) if layout == "nchw" else rand(1, 9, 8, 3)
    win, o = rand(*k), rand(*out)
    if layout == "nchw":
        want = o.copy()
        for _, _, xs in windows(x, k, s, d, out[2:]):
            want = reduce(want, xs)
    else:
        want = o.transpose(0, 3, 1, 2).copy()
        for _, _, xs in windows(x.transpose(0, 3, 1, 2), k, s, d, out[1:3]):
            want = reduce(want, xs)
        want = want.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(run(engine, name, x, win, o), want, rtol=1e-5, atol=1e-5)


SOFTMAX = """
func.func @softmax_d{d}(%x: tensor<3x7x5xf32>) -> tensor<3x7x5xf32> {{
  %e = tensor.empty() : tensor<3x7x5xf32>
  %0 = linalg.softmax dimension({d}) ins(%x : tensor<3x7x5xf32>) outs(%e : tensor<3x7x5xf32>) -> tensor<3x7x5xf32>
  return %0 : tensor<3x7x5xf32>
}}
"""


@pytest.fixture(scope="module")
def softmax_engine():
    module = mp.parse(CTX, "".join(SOFTMAX.format(d=d) for d in range(3)))
    pm = PassManager()
    for p in ("linalg-decompose-aggregated-ops",
              "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
              "buffer-planning", "convert-linalg-to-loops"):
        pm.add(p)
    assert pm.run(module)
    assert "linalg." not in str(module)
    return ExecutionEngine(module)


@pytest.mark.parametrize("d", [0, 1, 2])
def test_softmax_decomposition(softmax_engine, d):
    # large magnitudes: exp would overflow without subtracting the maximum first
    x = rand(3, 7, 5) * 60
    e = np.exp(x - x.max(axis=d, keepdims=True))
    want = e / e.sum(axis=d, keepdims=True)
    got = softmax_engine.lookup(f"softmax_d{d}")(x)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
