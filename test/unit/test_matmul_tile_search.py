"""The tile-size search of `linalg-codegen-matmul{search=true}`: the winner is the fastest candidate, it is
cached on disk per CPU and shape and reused without measuring, a broken cache file is measured again, the
environment variable turns the search on, and the kernel built from a searched shape is right."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402
from mlir_py.passes.transforms import matmul_tile_search as ts  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()
M, K, N = 40, 13, 37


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MLIR_PY_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("MLIR_PY_TILE_SEARCH", raising=False)
    return tmp_path / ts.CACHE_FILE


def _compile(options: str):
    module = mp.parse(CTX, ts._module_text("f32", [], M, N, K))
    pm = PassManager()
    pm.add(f"linalg-codegen-matmul{{{options}}}")
    assert pm.run(module)
    return module


def _fake_timings(monkeypatch) -> list:
    """measure() replaced by a clock that makes the second candidate the fastest."""
    calls = []

    def fake(elem, batch, m, n, k, cfg, width, budget_s=0.3):
        calls.append(cfg)
        return 1.0 if len(calls) == 2 else 2.0
    monkeypatch.setattr(ts, "measure", fake)
    return calls


def test_winner_is_cached_and_reused(cache, monkeypatch):
    calls = _fake_timings(monkeypatch)
    module = _compile("search=true vector-width=8 rows=6 vectors=2")
    assert len(calls) == len(set(calls)) >= 4 and calls[0] == ts.TileConfig(6, 2, 256, 96)
    data = json.loads(cache.read_text())
    entry = data[ts.cpu_key()][ts.shape_key("f32", [], M, N, K, 8)]
    assert ts.TileConfig(**entry["config"]) == calls[1] and len(entry["seconds"]) == len(calls)
    # the winner's register block: its row loop steps by its rows
    assert calls[1].rows != 6 and f"step %c{calls[1].rows}" in str(module)
    calls.clear()
    _compile("search=true vector-width=8 rows=6 vectors=2")
    assert calls == []  # from the cache


def test_broken_cache_is_measured_again_and_env_turns_search_on(cache, monkeypatch):
    cache.write_text("{not json")
    calls = _fake_timings(monkeypatch)
    monkeypatch.setenv("MLIR_PY_TILE_SEARCH", "1")
    _compile("vector-width=8 rows=6 vectors=2")
    assert calls and json.loads(cache.read_text())
    monkeypatch.setenv("MLIR_PY_TILE_SEARCH", "0")
    calls.clear()
    _compile("vector-width=8 rows=6 vectors=2 k-block=64")
    assert calls == []


def test_real_measurement_and_result(cache):
    """One real search on a small product (the candidates compile and run), then the kernel against numpy."""
    module = _compile("search=true")
    assert cache.exists()
    fn = ExecutionEngine(module, opt_level=2).lookup("f")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((M, K), dtype=np.float32)
    b = rng.standard_normal((K, N), dtype=np.float32)
    c = np.empty((M, N), np.float32)
    fn(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
