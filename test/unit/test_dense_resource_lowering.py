"""A memref.global initialized from a dense_resource blob carries the blob's values into compiled code."""

from __future__ import annotations

import numpy as np
from mlir_py.execution import ExecutionEngine

import mlir_py as mp


def _program(w: np.ndarray) -> str:
    return f'''
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


def test_dense_resource_global_values_reach_compiled_code():
    w = np.random.default_rng(7).standard_normal((3, 4)).astype(np.float32)
    out = np.zeros((3, 4), np.float32)
    ExecutionEngine(_program(w)).lookup("f")(out)
    np.testing.assert_array_equal(out, w)


def test_engine_over_a_module_object_keeps_its_blobs():
    """The engine lowers a clone of a module it is given; the clone keeps the resource section."""
    w = np.random.default_rng(8).standard_normal((3, 4)).astype(np.float32)
    module = mp.parse(mp.Context.with_available_dialects(), _program(w))
    out = np.zeros((3, 4), np.float32)
    ExecutionEngine(module).lookup("f")(out)
    np.testing.assert_array_equal(out, w)
    assert "dialect_resources" in str(module)  # the caller's module is left alone
