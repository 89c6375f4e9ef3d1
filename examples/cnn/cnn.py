"""A small CNN built with the Python model builder, compiled to native code
and checked against numpy:

    conv 3x3 (1 -> 8 channels, pad 1) -> relu -> max-pool 2x2
      -> flatten -> gemm (512 -> 10) -> softmax

    python examples/cnn/cnn.py

Prints the compile time (graph IR to a callable) and the largest difference
from the numpy reference on a random batch; exits 1 if it exceeds 1e-5.
"""

import sys
import time

import numpy as np
from mlir_py.frontend import GraphBuilder

N, C, H, W, F, CLASSES = 4, 1, 16, 16, 8, 10
rng = np.random.default_rng(7)
conv_w = (rng.standard_normal((F, C, 3, 3)) / 3).astype(np.float32)
conv_b = rng.standard_normal(F).astype(np.float32)
fc_w = (rng.standard_normal((CLASSES, F * (H // 2) * (W // 2))) / 20).astype(np.float32)
fc_b = rng.standard_normal(CLASSES).astype(np.float32)


def build() -> GraphBuilder:
    g = GraphBuilder("main")
    x = g.input((N, C, H, W), "f32")
    y = g.conv2d(x, g.constant(conv_w, name="conv.weight"), g.constant(conv_b, name="conv.bias", inline=False),
                 strides=1, pads=1)
    y = g.max_pool2d(g.relu(y), kernel=2, strides=2)
    y = g.gemm(g.flatten(y, axis=1), g.constant(fc_w, name="fc.weight"),
               g.constant(fc_b, name="fc.bias", inline=False), trans_b=True)
    g.output(g.softmax(y, axis=-1))
    return g


def reference(x: np.ndarray) -> np.ndarray:
    """The same network in numpy (convolution as a sum over the 3x3 taps)."""
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((N, F, H, W), np.float32)
    for i in range(3):
        for j in range(3):
            y += np.einsum("nchw,fc->nfhw", xp[:, :, i:i + H, j:j + W], conv_w[:, :, i, j])
    y = np.maximum(y + conv_b[None, :, None, None], 0)
    y = y.reshape(N, F, H // 2, 2, W // 2, 2).max(axis=(3, 5))
    z = y.reshape(N, -1) @ fc_w.T + fc_b
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main() -> int:
    start = time.perf_counter()
    model = build().compile(opt_level=3)
    compile_s = time.perf_counter() - start
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    got = model(x)
    diff = float(np.abs(got - reference(x)).max())
    print(f"cnn: compiled in {compile_s:.2f} s; output {got.shape}, max |mir - numpy| = {diff:.3g}")
    return 0 if diff <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
