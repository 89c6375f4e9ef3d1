"""The GPU mapping passes keep programs' meaning: inputs and outputs of
gpu-map-parallel-loops, convert-parallel-loops-to-gpu, scf-parallel-loop-tiling,
gpu-promote-to-workgroup, gpu-launch-sink-index-computations and
gpu-kernel-outlining run in the GPU emulator (test/unit/gpu_emulator.py, one
generator per thread, barriers honoured) on random arrays of odd sizes and
match numpy; plus the Python APIs of the passes."""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import pytest
from mlir_py.dialects import scf
from mlir_py.passes.conversions.gpu_pipeline import GPU_KERNEL_PASSES
from mlir_py.passes.conversions.parallel_loops_to_gpu import convert_parallel_loop
from mlir_py.passes.transforms.gpu_map_parallel_loops import map_parallel_op, set_mapping
from mlir_py.passes.transforms.gpu_promote_to_workgroup import static_bound

import mlir_py as mp
from mlir_py.pass_manager import PassManager, load_builtin_passes, registered_passes

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from gpu_emulator import EmulationError, Emulator  # noqa: E402

EXAMPLES = pathlib.Path(__file__).parents[2] / "examples" / "gpu"
CTX = mp.Context.with_available_dialects()
RNG = np.random.default_rng(2024)


def compile_with(text: str, passes: list[str]):
    module = mp.parse(CTX, text)
    mp.verify(module)
    pm = PassManager()
    for p in passes:
        pm.add(p)
    assert pm.run(module)
    return module


def rand(*shape) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


# -- examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize("passes", [
    [],
    ["gpu-promote-to-workgroup"],
    ["gpu-promote-to-workgroup", "gpu-launch-sink-index-computations", "gpu-kernel-outlining"],
], ids=["plain", "promoted", "outlined"])
def test_tiled_matmul(passes):
    module = compile_with((EXAMPLES / "matmul_tiled.mir").read_text(), passes)
    a, b = rand(19, 23), rand(23, 7)
    c = np.full((19, 7), np.nan, np.float32)
    Emulator(module).call("matmul", a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
    if passes:
        assert str(module).count("gpu.barrier") == 3  # before, between and after the two tile copies


def test_tiled_matmul_needs_its_barriers():
    """The emulator sees what a GPU would: without the barriers threads read tiles before they are written."""
    module = compile_with((EXAMPLES / "matmul_tiled.mir").read_text(), ["gpu-promote-to-workgroup"])
    for op in [o for o in module.walk() if o.name == "gpu.barrier"]:
        op.erase()
    a, b = rand(19, 23), rand(23, 7)
    c = np.zeros((19, 7), np.float32)
    Emulator(module).call("matmul", a, b, c)
    assert not np.allclose(c, a @ b, rtol=1e-5, atol=1e-5)


def test_elementwise_from_affine_parallel():
    module = compile_with((EXAMPLES / "elementwise.mir").read_text(), [
        "lower-affine", "gpu-map-parallel-loops", "convert-parallel-loops-to-gpu",
        "gpu-launch-sink-index-computations", "gpu-kernel-outlining"])
    text = str(module)
    assert "scf.parallel" not in text and text.count("gpu.launch_func") == 1
    x, bias = rand(13, 45), rand(45)
    out = np.full((13, 45), np.nan, np.float32)
    emu = Emulator(module)
    emu.call("bias_relu", x, bias, out)
    np.testing.assert_array_equal(out, np.maximum(x + bias, 0))
    assert emu.launches == 1


@pytest.mark.parametrize("tile,shape", [(16, (9, 13, 6)), (4, (9, 13, 6)), (4, (1, 1, 1)), (3, (7, 2, 11)),
                                        (5, (10, 5, 15))])
def test_codegen_matmul_accumulates_into_c(tile, shape):
    """Law: for any sizes and tile size, the promoted, outlined kernel computes C + A @ B."""
    text = """
    func.func @mm(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
      linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
      return
    }
    """
    module = compile_with(text, [f"gpu-codegen-matmul{{tile-size={tile}}}", "gpu-promote-to-workgroup",
                                 "gpu-kernel-outlining"])
    assert "workgroup(" in str(module)
    m, k, n = shape
    a, b, c = rand(m, k), rand(k, n), rand(m, n)
    want = c + a @ b
    Emulator(module).call("mm", a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("outlined", [False, True], ids=["launch", "outlined"])
@pytest.mark.parametrize("fn", ["row_sum_all_reduce", "row_sum_shuffle"])
def test_row_sum_examples(fn, outlined):
    passes = ["gpu-launch-sink-index-computations", "gpu-kernel-outlining"] if outlined else []
    module = compile_with((EXAMPLES / "reduction.mir").read_text(), passes)
    x = rand(3, 300)
    out = np.full(3, np.nan, np.float32)
    Emulator(module).call(fn, x, out)
    np.testing.assert_allclose(out, x.sum(1), rtol=1e-5, atol=1e-4)


LOOP_REDUCTION = """
func.func @row_max(%x: memref<5x40xf32>, %out: memref<5xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c40 = arith.constant 40 : index
  %low = arith.constant -1.0e30 : f32
  scf.parallel (%i) = (%c0) to (%c5) step (%c1) {
    %m = scf.parallel (%j) = (%c0) to (%c40) step (%c1) init (%low) -> f32 {
      %v = memref.load %x[%i, %j] : memref<5x40xf32>
      scf.reduce(%v : f32) {
      ^bb0(%a: f32, %b: f32):
        %r = arith.maximumf %a, %b : f32
        scf.reduce.return %r : f32
      }
    }
    memref.store %m, %out[%i] : memref<5xf32>
  }
  return
}
"""


def test_loop_reduction_becomes_all_reduce():
    x = rand(5, 40)
    want = np.full(5, np.nan, np.float32)
    Emulator(compile_with(LOOP_REDUCTION, [])).call("row_max", x, want)
    module = compile_with(LOOP_REDUCTION, ["gpu-map-parallel-loops", "convert-parallel-loops-to-gpu",
                                           "gpu-kernel-outlining"])
    assert "gpu.all_reduce" in str(module) and "scf.parallel" not in str(module)
    got = np.full(5, np.nan, np.float32)
    Emulator(module).call("row_max", x, got)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, x.max(1))


GRAPH_MODEL = """
func.func @main(%x: tensor<5x7xf32>, %w: tensor<7x9xf32>, %b: tensor<9xf32>) -> tensor<5x9xf32> {
  %0 = graph.matmul %x, %w : (tensor<5x7xf32>, tensor<7x9xf32>) -> tensor<5x9xf32>
  %1 = graph.add %0, %b : (tensor<5x9xf32>, tensor<9xf32>) -> tensor<5x9xf32>
  %2 = graph.relu %1 : tensor<5x9xf32>
  %3 = graph.softmax %2 {axis = -1 : i64} : tensor<5x9xf32>
  return %3 : tensor<5x9xf32>
}
"""


def test_graph_model_through_gpu_kernel_passes():
    """A graph-level model, bufferized, then GPU_KERNEL_PASSES: every loop nest is a kernel."""
    module = compile_with(GRAPH_MODEL, [
        "convert-graph-to-linalg", "canonicalize", "linalg-fuse-elementwise-ops",
        "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
        "buffer-planning{hoist-static=false}"] + GPU_KERNEL_PASSES)
    host = module.regions[0].first_block.first_op
    assert host.name == "func.func"
    assert not any(o.name.startswith(("scf.", "linalg.", "affine.")) for o in host.walk())
    assert "#gpu.address_space<workgroup>" in str(module)  # the matmul's tiles
    x, w, b = rand(5, 7), rand(7, 9), rand(9)
    out = Emulator(module).call("main", x, w, b)
    z = np.maximum(x @ w + b, 0)
    ref = np.exp(z - z.max(-1, keepdims=True))
    np.testing.assert_allclose(out, ref / ref.sum(-1, keepdims=True), rtol=1e-5, atol=1e-6)


def test_gpu_kernel_passes_are_registered():
    load_builtin_passes()
    for entry in GPU_KERNEL_PASSES:
        assert entry.split("{")[0] in registered_passes()


# -- convert-parallel-loops-to-gpu on random nests ----------------------------------------------

NEST = """
func.func @nest(%out: memref<{n}x{m}xi32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant {n} : index
  %m = arith.constant {m} : index
  %ti = arith.constant {ti} : index
  %tj = arith.constant {tj} : index
  %base = arith.constant {lb} : index
  %s = arith.constant {step} : index
  scf.parallel (%i0, %j0) = (%base, %c0) to (%n, %m) step (%ti, %tj) {{
    %ri = arith.subi %n, %i0 : index
    %bi = arith.minsi %ri, %ti : index
    %rj = arith.subi %m, %j0 : index
    %bj = affine.min affine_map<(d0)[s0] -> ({tj}, s0 - d0)>(%j0)[%m]
    scf.parallel (%i, %j) = (%c0, %c0) to (%bi, %bj) step (%c1, %s) {{
      %r = arith.addi %i0, %i : index
      %c = arith.addi %j0, %j : index
      %k = arith.muli %r, %m : index
      %v = arith.addi %k, %c : index
      %w = arith.index_cast %v : index to i32
      memref.store %w, %out[%r, %c] : memref<{n}x{m}xi32>
    }}
  }}
  return
}}
"""


@pytest.mark.parametrize("case", range(4))
def test_conversion_keeps_meaning_of_random_nests(case):
    """Law: a mapped nest and the gpu.launch it becomes write the same elements (each exactly once)."""
    rng = np.random.default_rng(case)
    n, m = (int(x) for x in rng.integers(1, 12, 2))
    params = dict(n=n, m=m, ti=int(rng.integers(1, 5)), tj=int(rng.integers(1, 6)), lb=int(rng.integers(0, 2)),
                  step=int(rng.integers(1, 3)))
    text = NEST.format(**params)
    want = np.full((n, m), -7, np.int32)
    Emulator(compile_with(text, [])).call("nest", want)
    for policy in ("outermost-first", "innermost-first"):
        module = compile_with(text, [f"gpu-map-parallel-loops{{mapping-policy={policy}}}",
                                     "convert-parallel-loops-to-gpu"])
        assert "scf.parallel" not in str(module)
        got = np.full((n, m), -7, np.int32)
        Emulator(module).call("nest", got)
        np.testing.assert_array_equal(got, want, err_msg=f"{params} {policy}")


def test_tiling_then_mapping_keeps_meaning():
    text = """
    func.func @add(%a: memref<37x11xf32>, %b: memref<37x11xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c37 = arith.constant 37 : index
      %c11 = arith.constant 11 : index
      scf.parallel (%i, %j) = (%c0, %c0) to (%c37, %c11) step (%c1, %c1) {
        %x = memref.load %a[%i, %j] : memref<37x11xf32>
        %y = arith.mulf %x, %x : f32
        memref.store %y, %b[%i, %j] : memref<37x11xf32>
      }
      return
    }
    """
    for options in ("parallel-loop-tile-sizes=8,4", "parallel-loop-tile-sizes=8,4 no-min-max-bounds"):
        module = compile_with(text, [f"scf-parallel-loop-tiling{{{options}}}", "canonicalize",
                                     "gpu-map-parallel-loops", "convert-parallel-loops-to-gpu"])
        assert "scf.parallel" not in str(module), options
        a = rand(37, 11)
        b = np.full((37, 11), np.nan, np.float32)
        Emulator(module).call("add", a, b)
        np.testing.assert_array_equal(b, a * a)


# -- Python APIs ---------------------------------------------------------------------------------


def _first_parallel(module) -> scf.ParallelOp:
    return next(o for o in module.walk(post_order=False) if isinstance(o, scf.ParallelOp))


def test_set_mapping_rejects_a_processor_twice():
    module = compile_with(NEST.format(n=4, m=4, ti=2, tj=2, lb=0, step=1), [])
    loop = _first_parallel(module)
    from mlir_py.dialects.gpu import loop_dim_map
    with pytest.raises(ValueError, match="same processor"):
        set_mapping(loop, [loop_dim_map("block_x"), loop_dim_map("block_x")])
    set_mapping(loop, [loop_dim_map("sequential"), loop_dim_map("sequential")])


def test_map_parallel_op_levels():
    module = compile_with(NEST.format(n=4, m=4, ti=2, tj=2, lb=0, step=1), [])
    outer = _first_parallel(module)
    map_parallel_op(outer)
    inner = next(o for o in outer.body.ops if isinstance(o, scf.ParallelOp))
    assert [m.processor_name for m in outer.attributes["mapping"].value] == ["block_x", "block_y"]
    assert [m.processor_name for m in inner.attributes["mapping"].value] == ["thread_x", "thread_y"]


def test_convert_parallel_loop_leaves_unfit_nests_unchanged():
    text = NEST.format(n=4, m=4, ti=2, tj=2, lb=0, step=1)
    module = compile_with(text, [])
    before = str(module)
    outer = _first_parallel(module)
    map_parallel_op(outer)
    inner = next(o for o in outer.body.ops if isinstance(o, scf.ParallelOp))
    del inner.attributes["mapping"]  # a nested loop without mapping does not fit
    mapped = str(module)
    assert convert_parallel_loop(outer) is False
    assert str(module) == mapped != before
    mp.verify(module)


def test_static_bound():
    module = compile_with("""
    func.func @f(%n: index) -> (index, index, index, index) {
      %c8 = arith.constant 8 : index
      %a = arith.minsi %n, %c8 : index
      %b = affine.min affine_map<(d0) -> (d0, 5, 7)>(%n)
      %c = arith.addi %n, %c8 : index
      return %c8, %a, %b, %c : index, index, index, index
    }
    """, [])
    ret = module.regions[0].first_block.first_op.regions[0].first_block.last_op
    assert [static_bound(v) for v in ret.operands] == [8, 8, 5, None]


def test_emulator_reports_out_of_bounds():
    module = compile_with("""
    func.func @f(%a: memref<4xf32>, %i: index) -> f32 {
      %v = memref.load %a[%i] : memref<4xf32>
      return %v : f32
    }
    """, [])
    with pytest.raises(EmulationError, match="out of bounds"):
        Emulator(module).call("f", np.zeros(4, np.float32), 4)
