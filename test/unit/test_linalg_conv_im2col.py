"""`linalg-conv-im2col` compiled and run: convolutions as im2col + the matmul kernel, against numpy on random
inputs with odd sizes, strides, dilations and padding; with the epilogue (bias, relu, a residual add) fused
into the kernel when the graph pipeline produces it, and into a caller's buffer when it does not."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402
from mlir_py.frontend import GraphBuilder  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()


def conv_ref(x, w, stride=(1, 1), dil=(1, 1)):
    """NCHW x FCHW, no padding (pad x first), in float64."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh = (h - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i * dil[0]:i * dil[0] + stride[0] * (oh - 1) + 1:stride[0],
                      j * dil[1]:j * dil[1] + stride[1] * (ow - 1) + 1:stride[1]]
            out += np.einsum("nchw,fc->nfhw", patch.astype(np.float64), w[:, :, i, j].astype(np.float64))
    return out


@pytest.mark.parametrize("n,c,h,w,f,k,stride,dil,pad", [
    (2, 3, 11, 9, 5, 3, 1, 1, 1),     # odd sizes, pixels not a multiple of the vector
    (1, 1, 28, 28, 8, 3, 1, 1, 0),    # the benchmark's CNN layer
    (3, 4, 13, 17, 7, 3, 2, 1, 1),    # stride 2
    (1, 2, 12, 12, 17, 3, 1, 2, 0),   # dilation 2, more filters than one register block
    (1, 5, 1, 1, 3, 1, 1, 1, 0),      # 1x1 everything
])
def test_graph_conv_bias_relu_residual(n, c, h, w, f, k, stride, dil, pad):
    rng = np.random.default_rng(n * 100 + c * 10 + f)
    xw = rng.standard_normal((f, c, k, k)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    g = GraphBuilder("main")
    x = g.input((n, c, h, w), "f32")
    y = g.conv2d(x, g.constant(xw, name="w"), g.constant(b, name="b"), strides=stride, pads=pad, dilations=dil)
    out_shape = y.type.shape
    r = g.input(tuple(out_shape), "f32")
    g.output(g.add(g.relu(y), r))
    module = g.module()
    pm = PassManager()
    pm.add("convert-graph-to-linalg,canonicalize,linalg-fuse-elementwise-ops,one-shot-bufferize{"
           "bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},"
           "func.func(linalg-conv-im2col,linalg-codegen-matmul)")
    assert pm.run(module)
    ir = str(module)
    assert "linalg.conv" not in ir and "vector.fma" in ir
    fused = ir.count("linalg.generic") == 1  # only the im2col copy is left: bias, relu and residual in the kernel
    assert fused, ir
    fn = ExecutionEngine(module, opt_level=2).lookup("main")
    xv = rng.standard_normal((n, c, h, w)).astype(np.float32)
    rv = rng.standard_normal(tuple(out_shape)).astype(np.float32)
    xp = np.pad(xv, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    want = np.maximum(conv_ref(xp, xw, (stride, stride), (dil, dil)) + b[None, :, None, None], 0) + rv
    np.testing.assert_allclose(fn(xv, rv), want, rtol=1e-5, atol=1e-5)


def test_caller_buffer_without_fusion():
    """The output is a function argument: the product writes a collapsed view of it, C += conv."""
    t_x, t_w, t_o = "memref<2x3x9x8xf32>", "memref<6x3x2x3xf32>", "memref<2x6x8x6xf32>"
    module = mp.parse(CTX, f"""func.func @f(%x: {t_x}, %w: {t_w}, %o: {t_o}) {{
  linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
    ins(%x, %w : {t_x}, {t_w}) outs(%o : {t_o})
  return
}}""")
    pm = PassManager()
    pm.add("linalg-conv-im2col")
    assert pm.run(module)
    assert "memref.collapse_shape %arg2 [[0], [1], [2, 3]]" in str(module)
    fn = ExecutionEngine(module, opt_level=2).lookup("f")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    w = rng.standard_normal((6, 3, 2, 3)).astype(np.float32)
    o = rng.standard_normal((2, 6, 8, 6)).astype(np.float32)
    want = o + conv_ref(x, w)
    fn(x, w, o)
    np.testing.assert_allclose(o, want, rtol=1e-5, atol=1e-5)
