"""Compares what `mir-run` computed for mlp.mir (an .npz with `result0`)
with the same model in numpy, and prints the largest difference.

    python examples/mlp/check.py mlp_out.npz

Exits 1 when the difference is beyond float32 rounding (1e-5).
"""

import pathlib
import sys

import numpy as np

here = pathlib.Path(__file__).parent
got = np.load(sys.argv[1])["result0"]
x = np.load(here / "x.npy")
p = np.load(here / "weights.npz")

h = np.maximum(x @ p["w1"] + p["b1"], np.float32(0))
z = h @ p["w2"] + p["b2"]
e = np.exp(z - z.max(axis=-1, keepdims=True))
want = e / e.sum(axis=-1, keepdims=True)

diff = float(np.abs(got - want).max())
print(f"mlp: output {got.shape} {got.dtype}, max |mir - numpy| = {diff:.3g}")
sys.exit(0 if got.shape == want.shape and diff <= 1e-5 else 1)
