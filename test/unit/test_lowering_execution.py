"""Lowered code runs: `--lower-to-llvm`, translation, llvmlite's JIT, and the
`_mlir_ciface_` wrappers called through ctypes with descriptors of random
numpy arrays, compared with numpy."""

import ctypes
import math

import numpy as np
import pytest

pytest.importorskip("llvmlite")
pytest.importorskip("mlir_py.target.llvmir")

from llvm_jit_helpers import Jit, array_from, descriptor, descriptor_type, free  # noqa: E402

P = ctypes.c_void_p
ref = ctypes.addressof


@pytest.fixture
def rng():
    return np.random.default_rng(20261203)


def test_elementwise_loop_with_libm(rng):
    jit = Jit("""
func.func @add_tanh(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<?xf32>) {
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
}""")
    f = jit.fn("add_tanh", None, P, P, P)
    a, b = rng.standard_normal((2, 37)).astype(np.float32)
    c = np.full(37, np.nan, np.float32)
    da, db, dc = descriptor(a), descriptor(b), descriptor(c)
    f(ref(da), ref(db), ref(dc))
    np.testing.assert_allclose(c, np.tanh(a + b), rtol=1e-6, atol=1e-6)


def test_strided_subview_sum(rng):
    jit = Jit("""
func.func @sum(%m: memref<8x8xf32>, %o: index) -> f32 {
  %v = memref.subview %m[1, %o] [3, 3] [2, 2] : memref<8x8xf32> to memref<3x3xf32, strided<[16, 2], offset: ?>>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %z = arith.constant 0.0 : f32
  cf.br ^h(%c0, %z : index, f32)
^h(%k: index, %acc: f32):
  %d = arith.cmpi slt, %k, %c3 : index
  cf.cond_br %d, ^b, ^e
^b:
  %x0 = memref.load %v[%k, %c0] : memref<3x3xf32, strided<[16, 2], offset: ?>>
  %x2 = memref.load %v[%k, %c2] : memref<3x3xf32, strided<[16, 2], offset: ?>>
  %s0 = arith.addf %acc, %x0 : f32
  %s1 = arith.addf %s0, %x2 : f32
  %k1 = arith.addi %k, %c1 : index
  cf.br ^h(%k1, %s1 : index, f32)
^e:
  return %acc : f32
}""")
    f = jit.fn("sum", ctypes.c_float, P, ctypes.c_int64)
    m = rng.standard_normal((8, 8)).astype(np.float32)
    d = descriptor(m)
    for o in (0, 1, 2):
        view = m[1:7:2, o:o + 6:2]
        assert f(ref(d), o) == pytest.approx(float(view[:, 0].sum() + view[:, 2].sum()), rel=1e-5)


def test_integer_wrap_and_division_semantics(rng):
    jit = Jit("""
func.func @wrap(%a: i32, %b: i32) -> i32 {
  %0 = arith.muli %a, %b : i32
  %1 = arith.addi %0, %a : i32
  return %1 : i32
}
func.func @divs(%a: i32, %b: i32) -> (i32) {
  %0 = arith.floordivsi %a, %b : i32
  %1 = arith.ceildivsi %a, %b : i32
  %2 = arith.remsi %a, %b : i32
  %3 = arith.ceildivui %a, %b : i32
  %c1000 = arith.constant 1000 : i32
  %4 = arith.muli %0, %c1000 : i32
  %5 = arith.addi %4, %1 : i32
  %6 = arith.muli %5, %c1000 : i32
  %7 = arith.addi %6, %2 : i32
  %8 = arith.muli %7, %c1000 : i32
  %9 = arith.addi %8, %3 : i32
  return %9 : i32
}
func.func @narrow(%a: i8, %b: i8) -> i8 {
  %0 = arith.addi %a, %b : i8
  %1 = arith.shrsi %0, %b : i8
  return %1 : i8
}""")
    wrap = jit.fn("wrap", ctypes.c_int32, ctypes.c_int32, ctypes.c_int32)
    for a, b in rng.integers(-2**31, 2**31, size=(100, 2)).tolist():
        assert wrap(a, b) == np.array([a * b + a]).astype(np.int64).astype(np.int32)[0]
    divs = jit.fn("divs", ctypes.c_int32, ctypes.c_int32, ctypes.c_int32)
    for a, b in rng.integers(1, 300, size=(100, 2)).tolist():
        for sa, sb in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
            x, y = sa * a, sb * b
            ceil_u = -(-(x % 2**32) // (y % 2**32))
            want = ((x // y) * 1000 + -(-x // y)) * 1000 + int(math.fmod(x, y))
            want = np.array([want * 1000 + ceil_u]).astype(np.int64).astype(np.int32)[0]
            assert divs(x, y) == want, (x, y)
    narrow = jit.fn("narrow", ctypes.c_int8, ctypes.c_int8, ctypes.c_int8)
    for a in rng.integers(-128, 128, size=40).tolist():
        b = int(rng.integers(0, 8))
        assert narrow(a, b) == np.int8(np.int8(a) + np.int8(b)) >> b


def test_math_functions_within_tolerance(rng):
    jit = Jit("""
func.func @m32(%x: f32, %y: f32) -> f32 {
  %0 = math.exp %x : f32
  %1 = math.log1p %0 : f32
  %2 = math.rsqrt %1 : f32
  %3 = math.atan2 %2, %y : f32
  %4 = math.erf %3 : f32
  %5 = math.powf %1, %y : f32
  %6 = arith.addf %4, %5 : f32
  return %6 : f32
}
func.func @m64(%x: f64) -> f64 {
  %0 = math.expm1 %x : f64
  %1 = math.cbrt %0 : f64
  %2 = math.sin %1 : f64
  %3 = math.floor %x : f64
  %4 = math.fma %2, %3, %x : f64
  return %4 : f64
}""")
    m32 = jit.fn("m32", ctypes.c_float, ctypes.c_float, ctypes.c_float)
    m64 = jit.fn("m64", ctypes.c_double, ctypes.c_double)
    for x, y in rng.uniform(-2, 2, size=(50, 2)).tolist():
        e = math.log1p(math.exp(x))
        want = math.erf(math.atan2(1 / math.sqrt(e), y)) + e ** y
        assert m32(x, y) == pytest.approx(want, rel=1e-4, abs=1e-5)
        c = math.expm1(x)
        cbrt = math.copysign(abs(c) ** (1 / 3), c)
        assert m64(x) == pytest.approx(math.sin(cbrt) * math.floor(x) + x, rel=1e-12, abs=1e-12)


def test_alloc_strided_copy_and_returned_memref(rng):
    jit = Jit("""
func.func @make(%n: index, %x: memref<?x3xf32, strided<[5, 1], offset: ?>>) -> memref<?x3xf32> {
  %0 = memref.alloc(%n) {alignment = 64 : i64} : memref<?x3xf32>
  memref.copy %x, %0 : memref<?x3xf32, strided<[5, 1], offset: ?>> to memref<?x3xf32>
  return %0 : memref<?x3xf32>
}""")
    f = jit.fn("make", None, P, ctypes.c_int64, P)
    base = rng.standard_normal((7, 5)).astype(np.float32)
    view = base[1:6, 2:5]
    dx = descriptor(view, base)
    out = descriptor_type(2)()
    f(ref(out), 5, ref(dx))
    try:
        assert out.aligned % 64 == 0 and list(out.sizes) == [5, 3] and list(out.strides) == [3, 1]
        np.testing.assert_array_equal(array_from(out, np.float32, 2), view)
    finally:
        free(out.allocated)


def test_reshapes_globals_and_contiguous_copy(rng):
    jit = Jit("""
memref.global "private" constant @table : memref<4xf32> = dense<[1.5, 2.5, -3.0, 4.25]>
func.func @mix(%x: memref<4x6xf32>, %y: memref<4x6xf32>, %i: index, %j: index) -> f32 {
  memref.copy %x, %y : memref<4x6xf32> to memref<4x6xf32>
  %0 = memref.collapse_shape %y [[0, 1]] : memref<4x6xf32> into memref<24xf32>
  %1 = memref.expand_shape %0 [[0, 1, 2]] output_shape [2, 3, 4] : memref<24xf32> into memref<2x3x4xf32>
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %a = memref.load %0[%i] : memref<24xf32>
  %b = memref.load %1[%c1, %c2, %j] : memref<2x3x4xf32>
  %t = memref.get_global @table : memref<4xf32>
  %g = memref.load %t[%j] : memref<4xf32>
  %r = arith.mulf %a, %b : f32
  %s = arith.addf %r, %g : f32
  return %s : f32
}""")
    f = jit.fn("mix", ctypes.c_float, P, P, ctypes.c_int64, ctypes.c_int64)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    y = np.zeros_like(x)
    dx, dy = descriptor(x), descriptor(y)
    table = np.array([1.5, 2.5, -3.0, 4.25], np.float32)
    for i, j in zip(rng.integers(0, 24, 5).tolist(), rng.integers(0, 4, 5).tolist()):
        want = x.reshape(-1)[i] * x.reshape(2, 3, 4)[1, 2, j] + table[j]
        assert f(ref(dx), ref(dy), i, j) == pytest.approx(float(want), rel=1e-6)
    np.testing.assert_array_equal(y, x)


def test_recursion_and_indirect_calls(rng):
    jit = Jit("""
func.func @fib(%n: i64) -> i64 {
  %c2 = arith.constant 2 : i64
  %small = arith.cmpi slt, %n, %c2 : i64
  cf.cond_br %small, ^base, ^rec
^base:
  return %n : i64
^rec:
  %c1 = arith.constant 1 : i64
  %a = arith.subi %n, %c1 : i64
  %b = arith.subi %n, %c2 : i64
  %fa = call @fib(%a) : (i64) -> i64
  %f = constant @fib : (i64) -> i64
  %fb = call_indirect %f(%b) : (i64) -> i64
  %s = arith.addi %fa, %fb : i64
  return %s : i64
}""")
    fib = jit.fn("fib", ctypes.c_int64, ctypes.c_int64)
    seq = [0, 1]
    while len(seq) < 25:
        seq.append(seq[-1] + seq[-2])
    for n in rng.integers(0, 25, size=6).tolist():
        assert fib(n) == seq[n]
