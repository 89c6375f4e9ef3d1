"""What examples/mlp/mlp.mir computes, in numpy: compare with mir-run's output.

Run with --regenerate to write new random inputs (x.npy, w.npy, b.npy).
"""

import pathlib
import sys

import numpy as np

here = pathlib.Path(__file__).parent
if "--regenerate" in sys.argv:
    rng = np.random.default_rng(2026)
    np.save(here / "x.npy", rng.standard_normal((4, 8)).astype(np.float32))
    np.save(here / "w.npy", rng.standard_normal((8, 3)).astype(np.float32))
    np.save(here / "b.npy", rng.standard_normal(3).astype(np.float32))

x, w, b = (np.load(here / f"{name}.npy") for name in ("x", "w", "b"))
print("numpy   =", repr(np.maximum(x @ w + b, np.float32(0))))
