"""A memref.global initialized from a dense_resource blob carries the blob's values into compiled code."""

from __future__ import annotations

import numpy as np
from mlir_py.execution import ExecutionEngine


def test_dense_resource_global_values_reach_compiled_code():
    w = np.random.default_rng(7).standard_normal((3, 4)).astype(np.float32)
    text = f'''
memref.global "private" constant @weights : memref<3x4xf32> = dense_resource<w0>
func.func @f(%out: memref<3x4xf32>) {{
  %0 = memref.get_global @weights : memref<3x4xf32>
  memref.copy %0, %out : memref<3x4xf32> to memref<3x4xf32>
  return
}}
{{-#
  dialect_resources: {{
    builtin: {{
      w0: "0x04000000{w.tobytes().hex().upper()}"
    }}
  }}
#-}}
'''
    out = np.zeros((3, 4), np.float32)
    ExecutionEngine(text).lookup("f")(out)
    np.testing.assert_array_equal(out, w)
