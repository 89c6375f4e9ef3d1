"""scf lowered end to end (`--lower-to-llvm`: convert-scf-to-cf, then the llvm
lowerings), compiled with llvmlite and run against numpy on random inputs:
a reduction with iter_args, a while loop, scf.if inside a loop, an
scf.parallel reduction, scf.index_switch / scf.execute_region, scf.forall
writing its output, and a nest whose canonicalization drops loops.
"""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
from llvm_jit_helpers import Jit, descriptor

RNG = np.random.default_rng(20261203)



def _addr(keep: list, a: np.ndarray) -> int:
    """The address of a descriptor of `a`, kept alive in `keep` for the call."""
    d = descriptor(a)
    keep.append(d)
    return ctypes.addressof(d)

KERNELS = """
func.func @sum_sq(%m: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %m, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %m[%i] : memref<?xf64>
    %sq = arith.mulf %v, %v : f64
    %s = arith.addf %acc, %sq : f64
    scf.yield %s : f64
  }
  return %r : f64
}

// The index of the first prefix sum above %limit (or the length).
func.func @first_above(%m: memref<?xi64>, %limit: i64) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i64
  %n = memref.dim %m, %c0 : memref<?xi64>
  %r:2 = scf.while (%i = %c0, %s = %z) : (index, i64) -> (index, i64) {
    %in = arith.cmpi slt, %i, %n : index
    %below = arith.cmpi sle, %s, %limit : i64
    %go = arith.andi %in, %below : i1
    scf.condition(%go) %i, %s : index, i64
  } do {
  ^bb0(%j: index, %t: i64):
    %v = memref.load %m[%j] : memref<?xi64>
    %t2 = arith.addi %t, %v : i64
    %j2 = arith.addi %j, %c1 : index
    scf.yield %j2, %t2 : index, i64
  }
  return %r#0 : index
}

// Sum of the positive elements and count of the others, with scf.if.
func.func @split_sum(%m: memref<?xf32>, %count: memref<1xi32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %z = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %n = memref.dim %m, %c0 : memref<?xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero, %k = %z) -> (f32, i32) {
    %v = memref.load %m[%i] : memref<?xf32>
    %pos = arith.cmpf ogt, %v, %zero : f32
    %a, %b = scf.if %pos -> (f32, i32) {
      %s = arith.addf %acc, %v : f32
      scf.yield %s, %k : f32, i32
    } else {
      %k2 = arith.addi %k, %one : i32
      scf.yield %acc, %k2 : f32, i32
    }
    scf.yield %a, %b : f32, i32
  }
  memref.store %r#1, %count[%c0] : memref<1xi32>
  return %r#0 : f32
}

// Max over a 2-D array with an scf.parallel reduction.
func.func @max2d(%m: memref<?x?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %lowest = arith.constant -3.0e38 : f32
  %n = memref.dim %m, %c0 : memref<?x?xf32>
  %k = memref.dim %m, %c1 : memref<?x?xf32>
  %r = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %k) step (%c1, %c1) init (%lowest) -> f32 {
    %v = memref.load %m[%i, %j] : memref<?x?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%l: f32, %rr: f32):
      %mx = arith.maximumf %l, %rr : f32
      scf.reduce.return %mx : f32
    }
  }
  return %r : f32
}

// out[i] = in[i] * (i mod 3 == 0 ? 2 : i mod 3 == 1 ? -1 : 0.5), through
// scf.index_switch inside scf.forall, and an scf.execute_region.
func.func @scale(%in: memref<?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  scf.forall (%i) in (%n) {
    %r = arith.remui %i, %c3 : index
    %f = scf.index_switch %r -> f32
    case 0 {
      %two = arith.constant 2.0 : f32
      scf.yield %two : f32
    }
    case 1 {
      %m1 = arith.constant -1.0 : f32
      scf.yield %m1 : f32
    }
    default {
      %h = scf.execute_region -> f32 {
        %half = arith.constant 0.5 : f32
        scf.yield %half : f32
      }
      scf.yield %h : f32
    }
    %v = memref.load %in[%i] : memref<?xf32>
    %w = arith.mulf %v, %f : f32
    memref.store %w, %out[%i] : memref<?xf32>
  }
  return
}

// A 3-deep nest whose single-iteration middle loop canonicalization removes:
// acc += sum_i sum_j m[i, j] * (i + 1).
func.func @weighted(%m: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %m, %c0 : memref<?x?xf64>
  %k = memref.dim %m, %c1 : memref<?x?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> (f64) {
    %w = arith.addi %i, %c1 : index
    %wi = arith.index_cast %w : index to i64
    %wf = arith.sitofp %wi : i64 to f64
    %b = scf.for %once = %c0 to %c1 step %c1 iter_args(%x = %a) -> (f64) {
      %c = scf.for %j = %c0 to %k step %c1 iter_args(%y = %x) -> (f64) {
        %v = memref.load %m[%i, %j] : memref<?x?xf64>
        %p = arith.mulf %v, %wf : f64
        %s = arith.addf %y, %p : f64
        scf.yield %s : f64
      }
      scf.yield %c : f64
    }
    scf.yield %b : f64
  }
  return %r : f64
}
"""


@pytest.fixture(scope="module")
def jit():
    return Jit(KERNELS)


def test_reduction_with_iter_args(jit):
    keep: list = []
    f = jit.fn("sum_sq", ctypes.c_double, ctypes.c_void_p)
    for n in (0, 1, 17, 1000):
        a = RNG.standard_normal(n)
        assert f(_addr(keep, a)) == pytest.approx(float(np.sum(a * a)), rel=1e-12, abs=1e-12)


def test_while_loop(jit):
    keep: list = []
    f = jit.fn("first_above", ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)
    for n in (0, 5, 200):
        a = RNG.integers(-50, 100, size=n, dtype=np.int64)
        limit = int(RNG.integers(0, 2000))
        prefix = np.cumsum(a)
        # the loop stops at the first i whose prefix sum before it exceeds the limit
        sums = np.concatenate([[0], prefix])
        above = np.nonzero(sums > limit)[0]
        expect = int(above[0]) if len(above) else n
        assert f(_addr(keep, a), limit) == expect


def test_if_inside_loop(jit):
    keep: list = []
    f = jit.fn("split_sum", ctypes.c_float, ctypes.c_void_p, ctypes.c_void_p)
    a = RNG.standard_normal(301).astype(np.float32)
    count = np.zeros(1, dtype=np.int32)
    got = f(_addr(keep, a), _addr(keep, count))
    pos = a[a > 0]
    expect = np.float32(0)
    for v in pos:  # the loop's order of float additions
        expect = np.float32(expect + v)
    assert got == pytest.approx(float(expect), rel=1e-6)
    assert count[0] == int(np.sum(~(a > 0)))


def test_parallel_reduction(jit):
    keep: list = []
    f = jit.fn("max2d", ctypes.c_float, ctypes.c_void_p)
    for shape in ((13, 29), (1, 1), (40, 3)):
        a = RNG.standard_normal(shape).astype(np.float32)
        assert f(_addr(keep, a)) == float(a.max())


def test_forall_switch_execute_region(jit):
    keep: list = []
    f = jit.fn("scale", None, ctypes.c_void_p, ctypes.c_void_p)
    a = RNG.standard_normal(50).astype(np.float32)
    out = np.full(50, np.nan, dtype=np.float32)
    f(_addr(keep, a), _addr(keep, out))
    factors = np.array([2.0, -1.0, 0.5], dtype=np.float32)[np.arange(50) % 3]
    np.testing.assert_array_equal(out, a * factors)


def test_canonicalized_nest(jit):
    keep: list = []
    assert "scf." not in jit.ir
    f = jit.fn("weighted", ctypes.c_double, ctypes.c_void_p)
    a = RNG.standard_normal((9, 11))
    expect = float(np.sum(a * (np.arange(9) + 1)[:, None]))
    assert f(_addr(keep, a)) == pytest.approx(expect, rel=1e-12)
