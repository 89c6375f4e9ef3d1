"""`--lower-to-llvm`: the output is pure llvm dialect, verifies, and upstream
MLIR (iree-opt) accepts it as printed."""

import os
import shutil
import subprocess
import sys

import pytest
from llvm_jit_helpers import lower
from mlir_py.passes.conversions.pipelines import LOWER_TO_LLVM

import mlir_py as mp
from mlir_py.pass_manager import registered_passes

EXAMPLES = {
    "memref_loop": """
func.func @add(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  cf.br ^h(%c0 : index)
^h(%i: index):
  %d = arith.cmpi slt, %i, %n : index
  cf.cond_br %d, ^b, ^e
^b:
  %x = memref.load %a[%i] : memref<?xf32>
  %y = memref.load %b[%i] : memref<?xf32>
  %s = arith.addf %x, %y : f32
  %t = math.tanh %s : f32
  memref.store %t, %c[%i] : memref<?xf32>
  %j = arith.addi %i, %c1 : index
  cf.br ^h(%j : index)
^e:
  return
}
""",
    "views_and_globals": """
memref.global "private" constant @table : memref<4xf32> = dense<[1.5, 2.5, -3.0, 4.25]>
func.func @views(%m: memref<8x8xf32>, %o: index) -> (memref<3x3xf32, strided<[16, 2], offset: ?>>, f32) {
  %v = memref.subview %m[1, %o] [3, 3] [2, 2] : memref<8x8xf32> to memref<3x3xf32, strided<[16, 2], offset: ?>>
  %f = memref.collapse_shape %m [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  %t = memref.get_global @table : memref<4xf32>
  %x = memref.load %t[%o] : memref<4xf32>
  %y = memref.load %f[%o] : memref<64xf32>
  %r = arith.mulf %x, %y : f32
  return %v, %r : memref<3x3xf32, strided<[16, 2], offset: ?>>, f32
}
""",
    "alloc_copy_assert": """
func.func @make(%n: index, %x: memref<?x3xf32, strided<[5, 1], offset: ?>>) -> memref<?x3xf32> {
  %0 = memref.alloc(%n) {alignment = 32 : i64} : memref<?x3xf32>
  memref.copy %x, %0 : memref<?x3xf32, strided<[5, 1], offset: ?>> to memref<?x3xf32>
  %c0 = arith.constant 0 : index
  %d = memref.dim %0, %c0 : memref<?x3xf32>
  %ok = arith.cmpi eq, %d, %n : index
  cf.assert %ok, "size mismatch"
  return %0 : memref<?x3xf32>
}
""",
    "scalars": """
func.func @ints(%a: i32, %b: i32, %i: index) -> (i32, i64, i1) {
  %0 = arith.ceildivsi %a, %b : i32
  %1 = arith.maxsi %0, %b : i32
  %2 = arith.index_cast %i : index to i64
  %lo, %hi = arith.mului_extended %a, %b : i32
  %3 = arith.cmpi ult, %lo, %hi : i32
  return %1, %2, %3 : i32, i64, i1
}
func.func private @floats(%x: f64, %v: vector<4xf32>) -> (f64, vector<4xf32>) {
  %0 = math.log1p %x : f64
  %1 = math.erf %0 : f64
  %2 = math.rsqrt %v : vector<4xf32>
  %3 = arith.maximumf %2, %v : vector<4xf32>
  return %1, %3 : f64, vector<4xf32>
}
""",
}


def test_pipeline_names_only_registered_passes():
    names = [p.split("{", 1)[0] for p in LOWER_TO_LLVM]
    missing = [n for n in names if n not in registered_passes()]
    assert not missing


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_output_is_pure_llvm_and_verifies(name):
    module = lower(EXAMPLES[name])
    mp.verify(module)
    left = sorted({op.name for op in module.walk() if not op.name.startswith("llvm.") and op is not module})
    assert not left


def _iree_opt() -> str | None:
    here = os.path.join(os.path.dirname(sys.executable), "iree-opt")
    return here if os.path.exists(here) else shutil.which("iree-opt")


@pytest.mark.skipif(_iree_opt() is None, reason="iree-opt (upstream MLIR) is not installed")
@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_upstream_accepts_the_output(name, generic):
    text = mp.to_string(lower(EXAMPLES[name]), generic=generic)
    r = subprocess.run([_iree_opt(), "-"], input=text, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr + "\n" + text
    # the source signature on each C wrapper (func.function_type, ours) is kept as upstream prints it
    wrappers = [line.strip() for line in mp.to_string(lower(EXAMPLES[name])).splitlines()
                if "llvm.func @_mlir_ciface_" in line and "{func.function_type = " in line]
    assert wrappers
    printed = {line.strip() for line in r.stdout.splitlines()}
    assert all(w in printed for w in wrappers), r.stdout
