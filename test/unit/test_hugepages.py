"""Large buffers allocated by compiled code (execution/hugepages.py): correct contents, alignment,
freed by the returned array's owner (RSS flat over many calls), small ones untouched."""

from __future__ import annotations

import sys

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402
from mlir_py.execution.hugepages import HUGE_PAGE, install  # noqa: E402

FILL = """func.func @f(%v: f32) -> memref<{r}x{c}xf32> {{
  %m = memref.alloc() {{alignment = {align} : i64}} : memref<{r}x{c}xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %nr = arith.constant {r} : index
  %nc = arith.constant {c} : index
  scf.for %i = %c0 to %nr step %c1 {{
    scf.for %j = %c0 to %nc step %c1 {{
      %k = arith.muli %i, %nc : index
      %l = arith.addi %k, %j : index
      %n = arith.index_cast %l : index to i32
      %x = arith.sitofp %n : i32 to f32
      %y = arith.addf %x, %v : f32
      memref.store %y, %m[%i, %j] : memref<{r}x{c}xf32>
    }}
  }}
  return %m : memref<{r}x{c}xf32>
}}"""


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("r,c,align", [(1024, 1536, 64), (1000, 1000, 16), (3, 5, 64)])
def test_large_and_small_results(r, c, align):
    fn = ExecutionEngine(FILL.format(r=r, c=c, align=align)).lookup("f")
    out = fn(0.5)
    np.testing.assert_array_equal(out, np.arange(r * c, dtype=np.float32).reshape(r, c) + np.float32(0.5))
    assert out.ctypes.data % align == 0
    if sys.platform.startswith("linux") and out.nbytes >= 1 << 22:
        assert install() and out.ctypes.data % HUGE_PAGE == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_large_results_are_freed():
    fn = ExecutionEngine(FILL.format(r=1024, c=2048, align=64)).lookup("f")  # 8 MiB each
    for _ in range(3):
        fn(1.0)
    before = _rss_kib()
    for i in range(40):
        assert fn(float(i))[1023, 2047] == 1024 * 2048 - 1 + i
    assert _rss_kib() - before < 64 * 1024  # 40 leaked results would be 320 MiB
