"""The marshalling layer of mlir_py.execution on hand-written C-interface
functions (test/unit/Inputs/ciface_abi.ll): descriptors built from numpy
arrays, argument checks before any native call, result ownership, the GIL.
Independent of the lowering: the IR is what `llvm.emit_c_interface`
wrappers look like."""

from __future__ import annotations

import gc
import os
import pathlib
import threading
import time

import numpy as np
import pytest
from mlir_py.execution import ArgumentError, ExecutionEngine, FunctionNotFoundError, UnsupportedSignatureError
from mlir_py.execution.abi import signature_of
from mlir_py.execution.marshal import Allocation

import mlir_py as mp

IR = (pathlib.Path(__file__).parent / "Inputs" / "ciface_abi.ll").read_text()
SIGNATURES = {
    "sum": "(memref<?xf32, strided<[?], offset: ?>>) -> f32",
    "sum_c": "(memref<?xf32>) -> f32",
    "scaled": "(memref<?xf32>, f32) -> memref<?xf32>",
    "halves": "(i64) -> (memref<?xf32>, memref<?xf32>)",
    "multi": "(memref<?xf32>, f32) -> (memref<?xf32>, f32, i1)",
    "table": "() -> memref<4xf32>",
    "fma": "(memref<3x4xf32>, memref<3x4xf32>, memref<3x4xf32, strided<[?, ?], offset: ?>>) -> ()",
    "fma_static": "(memref<3x4xf32>, memref<3x4xf32>, memref<3x4xf32, strided<[8, 2], offset: 1>>) -> ()",
    "ints": "(i32, i8, i1, index, f64) -> i32",
    "topbit": "(ui8) -> i1",
    "wait_flag": "(memref<1xi64>) -> i64",
    "half_scalar": "(f16) -> f16",
}
# two signatures may share one symbol: alias them in the IR
IR += """
define float @_mlir_ciface_sum_c(ptr %d) {
  %r = call float @_mlir_ciface_sum(ptr %d)
  ret float %r
}
define void @_mlir_ciface_fma_static(ptr %a, ptr %b, ptr %c) {
  call void @_mlir_ciface_fma(ptr %a, ptr %b, ptr %c)
  ret void
}
"""

rng = np.random.default_rng(7)


@pytest.fixture(scope="module")
def engine():
    return ExecutionEngine.from_llvm_ir(IR, SIGNATURES, opt_level=2)


def rand(*shape, dtype=np.float32):
    return (rng.standard_normal(shape) * 3).astype(dtype)


def test_sum_contiguous_and_strided(engine):
    x = rand(37)
    assert engine.lookup("sum_c")(x) == pytest.approx(float(x.sum()), rel=1e-5)
    f = engine.lookup("sum")
    y = rand(200)
    for view in (y, y[::3], y[5:150:7], y[::-1], y[::-4]):
        got = f(view)
        assert isinstance(got, np.float32)
        assert got == pytest.approx(float(view.astype(np.float64).sum()), rel=1e-4, abs=1e-4)


def test_returned_memref_owns_its_buffer(engine):
    f = engine.lookup("scaled")
    x = rand(1000)
    before = Allocation.live
    y = f(x, 2.5)
    assert Allocation.live == before + 1
    np.testing.assert_allclose(y, x * np.float32(2.5), rtol=1e-6)
    assert y.dtype == np.float32 and y.flags.writeable and y.flags.c_contiguous
    view = y[10:20]
    del y
    gc.collect()
    assert Allocation.live == before + 1  # the view keeps the buffer
    np.testing.assert_allclose(view, x[10:20] * np.float32(2.5), rtol=1e-6)
    del view
    gc.collect()
    assert Allocation.live == before


def test_two_results_share_one_allocation(engine):
    before = Allocation.live
    whole, half = engine.lookup("halves")(9)
    np.testing.assert_array_equal(whole, np.arange(9, dtype=np.float32))
    np.testing.assert_array_equal(half, np.arange(4, 9, dtype=np.float32))
    assert Allocation.live == before + 1
    half[0] = 100.0  # the same memory
    assert whole[4] == 100.0
    del whole
    gc.collect()
    assert Allocation.live == before + 1
    del half
    gc.collect()
    assert Allocation.live == before


def test_result_aliasing_an_argument_is_a_view(engine):
    x = rand(16)
    before = Allocation.live
    same, twice, positive = engine.lookup("multi")(x, -1.25)
    assert Allocation.live == before  # nothing to free: the caller's array
    assert np.shares_memory(same, x) and same.base is not None
    np.testing.assert_array_equal(same, x)
    assert twice == np.float32(-2.5) and isinstance(twice, np.float32)
    assert positive == np.False_ and isinstance(positive, np.bool_)
    assert engine.lookup("multi")(x, 0.5)[2] == np.True_
    del x
    gc.collect()
    same[0] = 1.0  # still alive through the view
    assert same[0] == 1.0


def test_global_memref_is_copied(engine):
    t = engine.lookup("table")()
    np.testing.assert_array_equal(t, np.array([1.5, -2.25, 3.0, 0.125], np.float32))
    t[0] = 7.0  # a copy: the module's global is untouched
    assert engine.lookup("table")()[0] == 1.5


def test_fma_static_and_strided_output(engine):
    a, b, c = rand(3, 4), rand(3, 4), rand(3, 4)
    want = a * b + c
    engine.lookup("fma")(a, b, c)
    np.testing.assert_allclose(c, want, rtol=1e-6)
    # a strided output: every other column of a wider array
    big = rand(3, 8)
    out = big[:, ::2]
    want = a * b + out
    engine.lookup("fma")(a, b, out)
    np.testing.assert_allclose(big[:, ::2], want, rtol=1e-6)
    # a static strided layout with an offset: strided<[8, 2], offset: 1> over a 3x8 buffer
    flat = rand(3 * 8 + 1)
    out = np.lib.stride_tricks.as_strided(flat[1:], shape=(3, 4), strides=(32, 8))
    want = a * b + out
    engine.lookup("fma_static")(a, b, out)
    np.testing.assert_allclose(out, want, rtol=1e-6)


def test_scalar_kinds(engine):
    f = engine.lookup("ints")
    a, b, n, d = 123456789, -77, 9001, 12.75
    got = f(a, b, True, n, d)
    want = (a * b + 2**31) % 2**32 - 2**31 + n + 12  # i32 wraps
    assert isinstance(got, np.int32) and got == want
    assert f(np.int32(3), np.int8(-2), False, 5, np.float32(1.5)) == -5
    # a signless i32 takes both readings of its bits
    assert f(0xFFFFFFFF, 1, False, 0, 0.0) == -1
    g = engine.lookup("topbit")
    assert g(200) == np.True_ and g(5) == np.False_ and isinstance(g(5), np.bool_)


@pytest.mark.parametrize("args, message", [
    ((1.5, 1, True, 0, 0.0), "argument 0 of @ints must be an integer (i32), not float"),
    ((2**32, 1, True, 0, 0.0), "argument 0 of @ints = 4294967296 is out of range for i32"),
    ((1, 300, True, 0, 0.0), "argument 1 of @ints = 300 is out of range for i8"),
    ((1, 1, 2, 0, 0.0), "argument 2 of @ints must be a bool (i1)"),
    ((1, 1, True, "3", 0.0), "argument 3 of @ints must be an integer (index), not str"),
    ((1, 1, True, 0, "x"), "argument 4 of @ints must be a real number (f64), not str"),
    ((1, 1, True, 0, True), "argument 4 of @ints must be a real number (f64), not bool"),
    ((1, 1, True, 0), "@ints takes 5 arguments (i32, i8, i1, index, f64), got 4"),
])
def test_bad_scalars(engine, args, message):
    with pytest.raises(ArgumentError) as e:
        engine.lookup("ints")(*args)
    assert message in str(e.value)


def test_bad_unsigned(engine):
    with pytest.raises(ArgumentError, match=r"argument 0 of @topbit = -1 is out of range for ui8 \(\[0, 255\]\)"):
        engine.lookup("topbit")(-1)


def _bad_arrays():
    a = rand(3, 4)
    ro = rand(3, 4)
    ro.flags.writeable = False
    return [
        ("dtype", (a.astype(np.float64), a, a), "argument 0 of @fma has dtype float64, but memref<3x4xf32> needs "
                                                  "float32"),
        ("rank", (a, a.reshape(12), a), "argument 1 of @fma has rank 1 (shape (12,)), but memref<3x4xf32> has "
                                         "rank 2"),
        ("shape", (a, rand(4, 3), a), "argument 1 of @fma has shape (4, 3), but memref<3x4xf32> needs 3x4 "
                                       "(dimension 0 must be 3)"),
        ("layout", (rand(4, 3).T, a, a), "argument 0 of @fma is not C-contiguous"),
        ("read-only", (ro, a, a), "argument 0 of @fma is a read-only array"),
        ("not an array", ([[1.0] * 4] * 3, a, a), "argument 0 of @fma must be a numpy array (memref<3x4xf32>), "
                                                  "not list"),
        ("byte order", (a.astype(">f4"), a, a), "argument 0 of @fma has dtype >f4"),
        ("count", (a, a), "@fma takes 3 arguments"),
        ("unaligned", (_unaligned(), a, a), "argument 0 of @fma is not aligned to 4 bytes"),
    ]


def _unaligned():
    raw = np.zeros(12 * 4 + 1, np.uint8)
    x = raw[1:].view(np.float32).reshape(3, 4)
    assert not x.flags.aligned
    return x


@pytest.mark.parametrize("name, args, message", _bad_arrays(), ids=[c[0] for c in _bad_arrays()])
def test_bad_arrays(engine, name, args, message):
    keep = [np.array(x, copy=True) if isinstance(x, np.ndarray) else x for x in args]
    with pytest.raises(ArgumentError) as e:
        engine.lookup("fma")(*args)
    assert message in str(e.value)
    assert isinstance(e.value, TypeError) and isinstance(e.value, ValueError)
    for before, x in zip(keep, args):  # nothing ran
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(before, x)


def test_static_strides_are_checked(engine):
    a = rand(3, 4)
    with pytest.raises(ArgumentError, match=r"argument 2 of @fma_static has stride 4 in dimension 0 \(in elements\), "
                                            r"but memref<3x4xf32, strided<\[8, 2\], offset: 1>> needs 8"):
        engine.lookup("fma_static")(a, a, rand(3, 4))
    with pytest.raises(ArgumentError, match="stride 2 bytes in dimension 1, not a multiple of the element size 4"):
        raw = rand(3, 8)
        engine.lookup("fma")(a, a, np.lib.stride_tricks.as_strided(raw, (3, 4), (32, 2)))


def test_lookup_errors(engine):
    with pytest.raises(FunctionNotFoundError) as e:
        engine.lookup("nope")
    assert isinstance(e.value, KeyError)
    assert str(e.value).startswith("no public function @nope in the module (available: @fma, @fma_static, @halves")
    with pytest.raises(UnsupportedSignatureError, match=r"@half_scalar: argument 0 of type f16 is not supported"):
        engine.lookup("half_scalar")
    assert engine.lookup("@sum") is engine.lookup("sum")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS is read from /proc (Linux)")
def test_no_leak_over_10000_calls(engine):
    f = engine.lookup("scaled")
    x = rand(4096)  # 16 KiB a result: 160 MiB over the loop if results leaked
    for _ in range(200):
        f(x, 1.5)
    gc.collect()
    before_live, before_rss = Allocation.live, _rss_bytes()
    for _ in range(10_000):
        y = f(x, 1.5)
    del y
    gc.collect()
    assert Allocation.live == before_live
    assert _rss_bytes() - before_rss < 8 * 2**20


def test_call_releases_the_gil(engine):
    flag = np.zeros(1, np.int64)

    def release():
        time.sleep(0.05)
        flag[0] = 1  # needs the GIL: runs only while the native call has let go of it

    t = threading.Thread(target=release)
    t.start()
    seen = engine.lookup("wait_flag")(flag)
    t.join()
    assert seen == 1


def test_concurrent_calls_get_their_own_scratch(engine):
    f = engine.lookup("scaled")
    inputs = [rand(500) for _ in range(4)]
    errors = []

    def work(x):
        for _ in range(200):
            y = f(x, -0.5)
            if not np.array_equal(y, x * np.float32(-0.5)):
                errors.append("mismatch")

    threads = [threading.Thread(target=work, args=(x,)) for x in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("type_text, dtype", [
    ("memref<2xi1>", np.bool_), ("memref<2xi8>", np.int8), ("memref<2xsi16>", np.int16),
    ("memref<2xui32>", np.uint32), ("memref<2xindex>", np.int64), ("memref<2xf16>", np.float16),
    ("memref<2xf64>", np.float64), ("memref<2xcomplex<f32>>", np.complex64),
])
def test_element_dtypes(type_text, dtype):
    ft = mp.parse_type(mp.Context.with_available_dialects(), f"({type_text}) -> ()")
    assert signature_of("f", ft).inputs[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("type_text, reason", [
    ("memref<2xbf16>", "element type bf16 has no numpy dtype"),
    ("memref<2xf32, 1>", "memory space 1 is not host memory"),
    ("memref<2xf32, affine_map<(d0) -> (d0 * 2)>>", "is not strided"),
    ("vector<4xf32>", "is not supported (scalars:"),
    ("i128", "is not supported"),
])
def test_unsupported_types(type_text, reason):
    ft = mp.parse_type(mp.Context.with_available_dialects(), f"({type_text}) -> ()")
    with pytest.raises(UnsupportedSignatureError, match=r"@f: argument 0 of type .*" + reason.replace("(", r"\(")):
        signature_of("f", ft)
