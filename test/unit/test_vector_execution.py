"""Vector code end to end: --lower-to-llvm (convert-vector-to-scf, convert-vector-to-llvm, ...) and the JIT,
against numpy on random inputs: transfer_read with padding and masks (partly out of bounds), masked writes,
contraction, reductions of every family, shape ops, gather and masked loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mlir_py.execution import ExecutionEngine

SOURCE = Path(__file__).parent / "Inputs" / "vector_exec.mir"
rng = np.random.default_rng(2024)


def rand(*shape):
    return (rng.standard_normal(shape) * 2).astype(np.float32)


@pytest.fixture(scope="module")
def engine():
    return ExecutionEngine.from_file(str(SOURCE), opt_level=2)


def _ref_read(m, i, j, pad, mask, shape, transposed=False):
    out = np.full(shape, pad, np.float32)
    for a in range(shape[0]):
        for b in range(shape[1]):
            r, c = (i + b, j + a) if transposed else (i + a, j + b)
            if (mask is None or mask[a, b]) and r < m.shape[0] and c < m.shape[1]:
                out[a, b] = m[r, c]
    return out


def test_transfer_read_padding_and_mask(engine):
    f = engine.lookup("read_pad_mask")
    for _ in range(8):
        m = rand(int(rng.integers(2, 7)), int(rng.integers(2, 9)))
        i, j = int(rng.integers(0, m.shape[0])), int(rng.integers(0, m.shape[1]))
        b0, b1 = int(rng.integers(0, 5)), int(rng.integers(0, 7))
        pad = float(rng.standard_normal())
        out = np.zeros((3, 5), np.float32)
        f(m, i, j, pad, b0, b1, out)
        mask = np.zeros((3, 5), bool)
        mask[:b0, :b1] = True
        np.testing.assert_array_equal(out, _ref_read(m, i, j, np.float32(pad), mask, (3, 5)))


def test_transfer_read_transposed(engine):
    f = engine.lookup("read_transposed")
    for _ in range(5):
        m = rand(int(rng.integers(2, 7)), int(rng.integers(2, 7)))
        i, j = int(rng.integers(0, m.shape[0])), int(rng.integers(0, m.shape[1]))
        out = np.zeros((4, 3), np.float32)
        f(m, i, j, 9.25, out)
        np.testing.assert_array_equal(out, _ref_read(m, i, j, np.float32(9.25), None, (4, 3), transposed=True))


def test_transfer_write_masked_out_of_bounds(engine):
    f = engine.lookup("write_masked")
    for _ in range(5):
        v = rand(3, 4)
        out = rand(int(rng.integers(2, 6)), int(rng.integers(2, 6)))
        want = out.copy()
        i, j, b = int(rng.integers(0, out.shape[0])), int(rng.integers(0, out.shape[1])), int(rng.integers(0, 5))
        f(v, out, i, j, b)
        for a in range(3):
            for c in range(4):
                if a < b and c < b and i + a < out.shape[0] and j + c < out.shape[1]:
                    want[i + a, j + c] = v[a, c]
        np.testing.assert_array_equal(out, want)


def test_contract_matmul(engine):
    f = engine.lookup("matmul")
    a, b, c = rand(4, 3), rand(3, 5), rand(4, 5)
    want = c + a @ b
    f(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


def test_reductions(engine):
    f = engine.lookup("reductions")
    x = rand(2, 8)
    y = rng.integers(-1000, 1000, size=8).astype(np.int32)
    rows = np.zeros(2, np.float32)
    acc = float(rng.standard_normal())
    s, mx, p, xr, mn = f(x, acc, y, rows)
    np.testing.assert_allclose(s, x.sum() + np.float32(acc), rtol=1e-5, atol=1e-5)
    assert mx == x.max()
    np.testing.assert_allclose(p, np.prod(x[0]), rtol=1e-5)
    assert xr == np.bitwise_xor.reduce(y)
    assert mn == min(int(y.min()), 0)
    np.testing.assert_allclose(rows, x.sum(axis=1) + 1, rtol=1e-5, atol=1e-5)


def test_shape_ops(engine):
    f = engine.lookup("shapes")
    a, b = rand(3), rand(4)
    out, out2 = np.zeros((4, 3), np.float32), np.zeros(12, np.float32)
    f(a, b, out, out2)
    fm = np.outer(a, b) * b + b
    np.testing.assert_allclose(out, fm.T, rtol=1e-5, atol=1e-5)
    want2 = np.zeros(12, np.float32)
    want2[5:11] = fm.reshape(-1)[2:8]
    np.testing.assert_allclose(out2, want2, rtol=1e-5, atol=1e-5)


def test_gather_and_maskedload(engine):
    f = engine.lookup("gather_masked")
    base = rand(16)
    idx = rng.integers(0, 16, size=4).astype(np.int32)
    for k in (0, 2, 4):
        out = np.zeros((2, 4), np.float32)
        f(base, idx, k, -3.0, out)
        lanes = np.arange(4) < k
        np.testing.assert_array_equal(out[0], np.where(lanes, base[idx], np.float32(-3.0)))
        np.testing.assert_array_equal(out[1], np.where(lanes, base[1:5], np.float32(-3.0)))


def test_vector_print_output():
    """vector.print goes through printf: the text upstream's runtime prints, in order, on stdout."""
    import subprocess
    import sys
    path = Path(__file__).parent / "Inputs" / "vector_print.mir"
    code = "import sys; from mlir_py.tools.mir_run import main; sys.exit(main())"
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:4] == ["( 1.5, -2, 3.25, 4 )", "( ( 1, 2 ), ( 3, 4 ) )", "( 1, 0 )", "7, done"]
