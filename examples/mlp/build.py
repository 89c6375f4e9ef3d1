"""Writes the graph-level two-layer perceptron `mlp.mir` (weights as
`dense_resource` blobs inside it), a random input batch `x.npy`, and
`weights.npz` for `check.py`'s numpy reference.

    python examples/mlp/build.py      # only needed to change the model

The model: softmax(relu(x @ W1 + b1) @ W2 + b2) over rows, 8 x 64 -> 32 -> 10.
"""

import pathlib

import numpy as np
from mlir_py.frontend import GraphBuilder

here = pathlib.Path(__file__).parent
rng = np.random.default_rng(2026)
weights = {
    "w1": (rng.standard_normal((64, 32)) / 8).astype(np.float32),
    "b1": rng.standard_normal(32).astype(np.float32),
    "w2": (rng.standard_normal((32, 10)) / 6).astype(np.float32),
    "b2": rng.standard_normal(10).astype(np.float32),
}

g = GraphBuilder("main")
x = g.input((8, 64), "f32")
h = g.relu(g.add(g.matmul(x, g.constant(weights["w1"], name="fc1.weight")),
                 g.constant(weights["b1"], name="fc1.bias", inline=False)))
y = g.softmax(g.add(g.matmul(h, g.constant(weights["w2"], name="fc2.weight")),
                    g.constant(weights["b2"], name="fc2.bias", inline=False)), axis=-1)
g.output(y)

(here / "mlp.mir").write_text(str(g.module()))
np.save(here / "x.npy", rng.standard_normal((8, 64)).astype(np.float32))
np.savez(here / "weights.npz", **weights)
