"""`math-polynomial-approximation`: f32 exp, tanh and erf compiled (as vectors through
linalg-vectorize-innermost, and as scalars after convert-linalg-to-loops) and compared with the float64
reference in ulps, over ranges that include denormal results, overflow, +-0, +-inf and NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()
N = 40001
REF = {"exp": np.exp, "tanh": np.tanh, "erf": np.vectorize(math.erf, otypes=[np.float64])}
#: (op, range of the sweep, most ulps allowed)
CASES = [("exp", (-105.0, 90.0), 2), ("tanh", (-12.0, 12.0), 2), ("erf", (-5.0, 5.0), 3)]
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 1e-42, 88.72, 88.73, -87.3, -103.9, 0.625,
           -0.625, 1.0, -1.0, 3.9, 4.0, 200.0, -200.0]


def _compile(op: str, vectors: str | None):
    t = f"memref<{N + len(SPECIAL)}xf32>"
    text = f"""func.func @f(%x: {t}, %y: {t}) {{
  linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                   iterator_types = ["parallel"]}} ins(%x : {t}) outs(%y : {t}) {{
  ^bb0(%in: f32, %out: f32):
    %0 = math.{op} %in : f32
    linalg.yield %0 : f32
  }}
  return
}}"""
    module = mp.parse(CTX, text)
    pm = PassManager()
    pm.add(f"linalg-vectorize-innermost{{vector-width={vectors}}}" if vectors else "convert-linalg-to-loops")
    assert pm.run(module)
    lowered = str(module)
    assert ("vector<" in lowered) == bool(vectors)
    return ExecutionEngine(module, opt_level=2).lookup("f")


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got - want| in units of the f32 spacing at want (exact where both are the same inf or NaN)."""
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    spacing = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        err = np.abs(got.astype(np.float64) - want) / spacing
    return np.where(same, 0.0, err)


@pytest.mark.parametrize("vectors", ["16", "8", None], ids=["vector16", "vector8", "scalar"])
@pytest.mark.parametrize("op,span,max_ulps", CASES, ids=[c[0] for c in CASES])
def test_against_float64(op, span, max_ulps, vectors):
    fn = _compile(op, vectors)
    rng = np.random.default_rng(11)
    x = np.concatenate([np.linspace(*span, N // 2), rng.uniform(*span, N - N // 2), SPECIAL]).astype(np.float32)
    y = np.empty_like(x)
    fn(x, y)
    want = REF[op](x.astype(np.float64))
    want = np.where(np.abs(want) > np.finfo(np.float32).max, np.copysign(np.inf, want), want)  # overflows in f32
    err = _ulps(y, want)
    worst = int(np.argmax(err))
    assert err[worst] <= max_ulps, f"{op}({x[worst]!r}) = {y[worst]!r}, want {want[worst]!r}: {err[worst]:.2f} ulp"
    # signs of zero, infinities and NaN exactly
    assert np.array_equal(np.signbit(y[want == 0]), np.signbit(want[want == 0].astype(np.float32)))
    assert np.array_equal(np.isnan(y), np.isnan(want))
