"""A graph-level model through the whole `--lower-to-llvm` pipeline, as a user meets it: `mir-run` on a
.mir file with .npy inputs, and many calls through the ExecutionEngine without memory growth (every buffer
the pipeline allocates is freed or handed to the returned array)."""

from __future__ import annotations

import graph_reference as ref
import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.tools.mir_run import main  # noqa: E402

#: conv -> relu -> max pool -> flatten -> gemm -> softmax, the issue's small CNN in miniature
CNN = """
func.func @main(%x: tensor<2x3x16x16xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>, %fc: tensor<10x512xf32>,
                %fb: tensor<10xf32>) -> tensor<2x10xf32> {
  %0 = graph.conv2d %x, %w, %b {pads = array<i64: 1, 1, 1, 1>}
         : (tensor<2x3x16x16xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<2x8x16x16xf32>
  %1 = graph.relu %0 : tensor<2x8x16x16xf32>
  %2 = graph.max_pool2d %1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
         : (tensor<2x8x16x16xf32>) -> tensor<2x8x8x8xf32>
  %3 = graph.flatten %2 : (tensor<2x8x8x8xf32>) -> tensor<2x512xf32>
  %4 = graph.gemm %3, %fc, %fb {trans_b = true}
         : (tensor<2x512xf32>, tensor<10x512xf32>, tensor<10xf32>) -> tensor<2x10xf32>
  %5 = graph.softmax %4 {axis = -1 : i64} : tensor<2x10xf32>
  return %5 : tensor<2x10xf32>
}
"""


def cnn_inputs(rng) -> list[np.ndarray]:
    shapes = [(2, 3, 16, 16), (8, 3, 3, 3), (8,), (10, 512), (10,)]
    return [(rng.standard_normal(s) * (0.1 if len(s) == 2 else 1.0)).astype(np.float32) for s in shapes]


def cnn_reference(x, w, b, fc, fb) -> np.ndarray:
    y = ref.relu(ref.conv2d(x, w, b, pads=(1, 1, 1, 1)))
    y = ref.max_pool2d(y, (2, 2), (2, 2))
    y = ref.gemm(y.reshape(2, -1), fc, fb, trans_b=True)
    return ref.softmax(y, -1)


def test_mir_run_graph_level_file(tmp_path, capsys):
    rng = np.random.default_rng(8)
    src = tmp_path / "cnn.mir"
    src.write_text(CNN)
    args = cnn_inputs(rng)
    paths = []
    for i, a in enumerate(args):
        paths += ["--arg", str(tmp_path / f"a{i}.npy")]
        np.save(tmp_path / f"a{i}.npy", a)
    out = tmp_path / "out.npz"
    assert main([str(src), *paths, "-o", str(out)]) == 0, capsys.readouterr().err
    got = np.load(out)["result0"]
    np.testing.assert_allclose(got, cnn_reference(*args), rtol=1e-4, atol=1e-6)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/statm"), reason="needs /proc")
def test_repeated_calls_do_not_grow_memory():
    """Each call allocates about 45 KB of intermediates: leaking them over 400 calls adds about 17 MB."""
    from mlir_py.execution import ExecutionEngine
    fn = ExecutionEngine(CNN, opt_level=0).lookup("main")
    args = cnn_inputs(np.random.default_rng(9))
    expected = cnn_reference(*args)
    for _ in range(20):
        fn(*args)
    before = _rss_bytes()
    for _ in range(400):
        y = fn(*args)
    grown = _rss_bytes() - before
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-6)
    assert grown < 8 << 20, f"RSS grew by {grown / 2**20:.1f} MiB over 400 calls"
