"""Tile-size search for `linalg-codegen-matmul{search=true}` (or `MLIR_PY_TILE_SEARCH=1`): a few register-block
and cache-block shapes are compiled and timed for the product's shape on this CPU, and the fastest is kept in
a small JSON file, so each shape is measured once per machine.

The cache is `$MLIR_PY_CACHE_DIR/matmul-tiles.json` (default `~/.cache/mlir_py/`), keyed by the CPU (LLVM's
host CPU name and a hash of its feature string) and the shape (`f32 b2 m64 n128 k256`). A shape is timed as a
plain product (fill + matmul into an argument) with each candidate of `candidates()`: the host default
first, then a handful of others around it (taller or wider register blocks, shorter or longer reduction
blocks, larger row panels); each candidate is compiled at -O3 and timed as the best of a few calls on random
data. The default without a search is the first candidate, so the search can only keep or beat it (up to
timing noise, which the best-of-N damps). A write that fails (read-only home) only loses the cache.

This runs the JIT from inside a pass, which is why it is opt-in: a search costs about a second per
candidate and shape the first time.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import time
from dataclasses import asdict, dataclass

from mlir_py.passes.transforms.host_vectors import host_features

CACHE_FILE = "matmul-tiles.json"
_SEARCHING = False


def search_enabled(option: bool) -> bool:
    """The pass option, or `MLIR_PY_TILE_SEARCH=1` in the environment; never inside a search."""
    return not _SEARCHING and (option or os.environ.get("MLIR_PY_TILE_SEARCH") == "1")


@dataclass(frozen=True)
class TileConfig:
    rows: int
    vectors: int
    k_block: int
    m_block: int

    def options(self, width: int) -> str:
        return (f"rows={self.rows} vectors={self.vectors} vector-width={width} k-block={self.k_block} "
                f"m-block={self.m_block}")


def candidates(default: TileConfig, registers: int) -> list[TileConfig]:
    """The default first, then shapes that keep the accumulators, B's vectors and a broadcast in
    `registers` vector registers, and other cache blocks."""
    r, v, kb, mb = default.rows, default.vectors, default.k_block, default.m_block
    out = [default]
    for rows, vectors in ((12, 2), (6, 4), (14, 2), (4, 3), (8, 2), (4, 2)):
        if rows * vectors + vectors + 1 <= registers and (rows, vectors) != (r, v):
            out.append(TileConfig(rows, vectors, kb, mb - mb % rows or rows))
        if len(out) >= 4:
            break
    out += [TileConfig(r, v, kb // 2, mb), TileConfig(r, v, kb * 2, mb), TileConfig(r, v, kb, mb * 2)]
    return out


def cache_path() -> pathlib.Path:
    base = os.environ.get("MLIR_PY_CACHE_DIR")
    root = pathlib.Path(base) if base else pathlib.Path.home() / ".cache" / "mlir_py"
    return root / CACHE_FILE


def cpu_key() -> str:
    from mlir_py.target.llvmir.codegen import host_cpu_and_features
    name, _ = host_cpu_and_features()
    digest = hashlib.sha1(",".join(sorted(host_features())).encode()).hexdigest()[:12]
    return f"{name}-{digest}"


def shape_key(elem: str, batch: list[int], m: int, n: int, k: int, width: int) -> str:
    b = "x".join(map(str, batch)) or "1"
    return f"{elem} b{b} m{m} n{n} k{k} w{width}"


def _load(path: pathlib.Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _store(path: pathlib.Path, cpu: str, key: str, cfg: TileConfig, seconds: dict) -> None:
    data = _load(path)
    data.setdefault(cpu, {})[key] = {"config": asdict(cfg), "seconds": seconds}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(path)  # atomic: concurrent compilers never read half a file
    except OSError:
        pass


def _module_text(elem: str, batch: list[int], m: int, n: int, k: int) -> str:
    pre = "".join(f"{b}x" for b in batch)
    a, b, c = f"memref<{pre}{m}x{k}x{elem}>", f"memref<{pre}{k}x{n}x{elem}>", f"memref<{pre}{m}x{n}x{elem}>"
    op = "linalg.batch_matmul" if batch else "linalg.matmul"
    if len(batch) > 1:
        raise ValueError("one batch dimension at most")
    return f"""func.func @f(%a: {a}, %b: {b}, %c: {c}) {{
  %zero = arith.constant 0.0 : {elem}
  linalg.fill ins(%zero : {elem}) outs(%c : {c})
  {op} ins(%a, %b : {a}, {b}) outs(%c : {c})
  return
}}"""


def measure(elem: str, batch: list[int], m: int, n: int, k: int, cfg: TileConfig, width: int,
            budget_s: float = 0.3) -> float:
    """Seconds per call of the product with `cfg` (best of several calls within about `budget_s`)."""
    import numpy as np
    from mlir_py.execution import ExecutionEngine

    import mlir_py as mp
    from mlir_py.pass_manager import PassManager

    module = mp.parse(mp.Context().load_all_available_dialects(), _module_text(elem, batch, m, n, k))
    pm = PassManager()
    pm.add(f"linalg-codegen-matmul{{{cfg.options(width)}}}")
    if not pm.run(module):
        raise RuntimeError("linalg-codegen-matmul failed on the search's own module")
    fn = ExecutionEngine(module, opt_level=3).lookup("f")
    dt = np.float32 if elem == "f32" else np.float64
    rng = np.random.default_rng(0)
    a = rng.standard_normal((*batch, m, k)).astype(dt)
    b = rng.standard_normal((*batch, k, n)).astype(dt)
    c = np.empty((*batch, m, n), dt)
    fn(a, b, c)
    best = float("inf")
    start = time.perf_counter()
    for i in range(50):
        t0 = time.perf_counter()
        fn(a, b, c)
        best = min(best, time.perf_counter() - t0)
        if i >= 2 and time.perf_counter() - start > budget_s:
            break
    return best


def search(elem: str, batch: list[int], m: int, n: int, k: int, default: TileConfig, width: int,
           registers: int) -> TileConfig:
    """The cached winner for this shape on this CPU, else measure the candidates and cache the winner."""
    path = cache_path()
    cpu, key = cpu_key(), shape_key(elem, batch, m, n, k, width)
    hit = _load(path).get(cpu, {}).get(key)
    if isinstance(hit, dict) and isinstance(hit.get("config"), dict):
        try:
            return TileConfig(**hit["config"])
        except TypeError:
            pass  # a cache from another version: measure again
    if len(batch) > 1:
        return default
    global _SEARCHING
    seconds = {}
    _SEARCHING = True  # the candidates' own compiles must not search again (MLIR_PY_TILE_SEARCH=1)
    try:
        for cfg in candidates(default, registers):
            seconds[cfg] = measure(elem, batch, m, n, k, cfg, width)
    finally:
        _SEARCHING = False
    winner = min(seconds, key=lambda c: seconds[c])
    _store(path, cpu, key, winner, {c.options(width): round(s, 9) for c, s in seconds.items()})
    return winner


__all__ = ["TileConfig", "cache_path", "candidates", "cpu_key", "measure", "search", "search_enabled", "shape_key"]
