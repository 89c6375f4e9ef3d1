"""convert-gpu-to-nvvm: the f32 approximations of math inside kernels match numpy, and the pass's
Python entry points.

The approximations are built from llvm ops by the same patterns the pass uses; here they run on
the host CPU (JIT), where `llvm.exp2` / `llvm.sin` are libm's instead of the GPU's `ex2.approx` /
`sin.approx` (a further 2 ulp / 1e-6 on the GPU): what is checked is the range reduction, the
polynomials and the special values."""

from __future__ import annotations

import numpy as np
import pytest
from mlir_py.execution import ExecutionEngine
from mlir_py.passes.conversions.gpu_to_nvvm_math import APPROXIMATIONS, gpu_math_patterns
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter, llvm_conversion_target

import mlir_py as mp
from mlir_py.rewrite.conversion import apply_partial_conversion

RNG = np.random.default_rng(20261203)
OPS = [name[len("math."):] for name in APPROXIMATIONS]


@pytest.fixture(scope="module")
def engine():
    body = "\n".join(f"""
    func.func @{n}(%a: memref<?xf32>, %b: memref<?xf32>) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %a, %c0 : memref<?xf32>
      scf.for %i = %c0 to %n step %c1 {{
        %x = memref.load %a[%i] : memref<?xf32>
        %y = math.{n} %x : f32
        memref.store %y, %b[%i] : memref<?xf32>
      }}
      return
    }}""" for n in OPS)
    m = mp.parse(mp.Context.with_available_dialects(), body, "approx.mir")
    target = llvm_conversion_target()
    target.add_illegal_dialect("math")
    assert apply_partial_conversion(m, target, gpu_math_patterns(), LLVMTypeConverter())
    return ExecutionEngine(m, opt_level=2)


def _run(engine, name: str, x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    engine.lookup(name)(x, out)
    return out


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got - want| in units of the float32 spacing at `want` (a float64 reference)."""
    spacing = np.spacing(np.abs(want.astype(np.float32))).astype(np.float64)
    return np.abs(got.astype(np.float64) - want) / spacing


def test_exp_within_an_ulp(engine):
    x = RNG.uniform(-87, 88, 4001).astype(np.float32)
    assert _ulps(_run(engine, "exp", x), np.exp(x.astype(np.float64))).max() <= 1.0


@pytest.mark.parametrize("name,ref,bound", [("log", np.log, 1.0), ("log2", np.log2, 2.0), ("log10", np.log10, 2.0)])
def test_logs_over_all_exponents(engine, name, ref, bound):
    """Normal and denormal inputs from 1e-40 to 1e38, and the neighbours of 1."""
    x = np.concatenate([np.exp(RNG.uniform(-92, 88, 4000)), [1e-45, 1.0, 0.99999994, 1.0000001, 2.0]])
    x = x.astype(np.float32)
    assert _ulps(_run(engine, name, x), ref(x.astype(np.float64))).max() <= bound


def test_special_values(engine):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0], np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(_run(engine, "log", x), np.log(x))
        np.testing.assert_array_equal(_run(engine, "exp", x[:5]), np.exp(x[:5]))
        np.testing.assert_array_equal(_run(engine, "tanh", x[:5]), np.tanh(x[:5]))
    assert _run(engine, "exp", np.array([100.0, -110.0], np.float32)).tolist() == [np.inf, 0.0]


@pytest.mark.parametrize("name,ref", [("sin", np.sin), ("cos", np.cos)])
def test_sin_cos_after_reduction(engine, name, ref):
    x = RNG.uniform(-1000, 1000, 4000).astype(np.float32)
    assert np.abs(_run(engine, name, x) - ref(x.astype(np.float64))).max() < 1e-5


def test_tanh_small_and_large(engine):
    x = np.concatenate([RNG.uniform(-10, 10, 4000), RNG.uniform(-1e-3, 1e-3, 500), [0.6249, 0.6251, 30.0]])
    x = x.astype(np.float32)
    assert _ulps(_run(engine, "tanh", x), np.tanh(x.astype(np.float64))).max() <= 2.0
