"""Translation of the llvm dialect to LLVM IR, checked by LLVM itself: every module parses and verifies
in llvmlite, compiles for several targets, and JIT-compiled functions compute what numpy computes on
random inputs."""

from __future__ import annotations

import ctypes
import glob
import os

import llvmlite.binding as llvm
import numpy as np
import pytest
from mlir_py.target.llvmir import translate_module_to_llvmir
from mlir_py.target.llvmir.codegen import (
    TargetOptions,
    emit_assembly,
    emit_object,
    optimize_module,
    parse_and_verify,
)

import mlir_py as mp
from mlir_py.ir.diagnostics import DiagnosticError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = np.random.default_rng(20261203)


def _module(text: str, name: str = "test.mir"):
    ctx = mp.Context.with_available_dialects()
    m = mp.parse(ctx, text, name)
    mp.verify(m)
    return m


def _translate(text: str, **kw) -> str:
    return translate_module_to_llvmir(_module(text), **kw)


class Jit:
    """MCJIT over the optimized module; keeps the engine alive as long as the functions are used."""

    def __init__(self, text: str, opt_level: int = 2):
        ir = _translate(text)
        mod, tm = optimize_module(ir, opt_level, TargetOptions(reloc="default", codemodel="jitdefault"))
        self.engine = llvm.create_mcjit_compiler(mod, tm)
        self.engine.finalize_object()
        self.mod = mod

    def fn(self, name: str, restype, *argtypes):
        addr = self.engine.get_function_address(name)
        assert addr, name
        f = ctypes.CFUNCTYPE(restype, *argtypes)(addr)
        f._jit = self  # type: ignore[attr-defined]  # the machine code lives as long as the engine
        return f


def _lit_inputs() -> list[str]:
    files = sorted(glob.glob(os.path.join(ROOT, "dialects", "llvm", "*.mir")))
    files += sorted(glob.glob(os.path.join(ROOT, "target", "llvmir", "*.mir")))
    return [f for f in files if not f.endswith(("invalid.mir", "errors.mir"))]


@pytest.mark.parametrize("path", _lit_inputs(), ids=os.path.basename)
def test_every_llvm_test_module_translates_to_verified_llvm_ir(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for debug in (False, True):
        ir = translate_module_to_llvmir(_module(text, path), debug_info=debug)
        parse_and_verify(ir)


ADD = """
llvm.func @add(%a: i32, %b: i32) -> i32 {
  %0 = llvm.add %a, %b : i32
  llvm.return %0 : i32
}
"""


@pytest.mark.parametrize("triple", ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu",
                                    "riscv64-unknown-linux-gnu"])
def test_assembly_and_objects_for_other_targets(triple):
    ir = _translate(ADD)
    asm = emit_assembly(ir, 2, TargetOptions(triple=triple))
    assert "add" in asm and "add:" in asm
    obj = emit_object(ir, 2, TargetOptions(triple=triple))
    assert obj[:4] == b"\x7fELF"


def test_jit_integer_add_wraps_like_int32():
    add = Jit(ADD).fn("add", ctypes.c_int32, ctypes.c_int32, ctypes.c_int32)
    a = RNG.integers(-2**31, 2**31, 50, dtype=np.int64).astype(np.int32)
    b = RNG.integers(-2**31, 2**31, 50, dtype=np.int64).astype(np.int32)
    got = np.array([add(int(x), int(y)) for x, y in zip(a, b)], dtype=np.int32)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(got, a + b)


LOOP = """
llvm.func @sum_squares(%n: i64) -> i64 {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  llvm.br ^header(%c0, %c0 : i64, i64)
^header(%i: i64, %acc: i64):
  %done = llvm.icmp "sge" %i, %n : i64
  llvm.cond_br %done, ^exit, ^body
^body:
  %sq = llvm.mul %i, %i : i64
  %acc2 = llvm.add %acc, %sq : i64
  %i2 = llvm.add %i, %c1 : i64
  llvm.br ^header(%i2, %acc2 : i64, i64)
^exit:
  llvm.return %acc : i64
}
"""


@pytest.mark.parametrize("opt_level", [0, 3])
def test_jit_loop_with_block_arguments_as_phis(opt_level):
    f = Jit(LOOP, opt_level).fn("sum_squares", ctypes.c_int64, ctypes.c_int64)
    for n in RNG.integers(-5, 2000, 20):
        assert f(int(n)) == sum(i * i for i in range(max(int(n), 0)))


LIBM = """
llvm.func @cos(f64) -> f64
llvm.func @scaled_cos(%x: f64, %k: f64) -> f64 {
  %0 = llvm.call @cos(%x) : (f64) -> f64
  %1 = llvm.fmul %0, %k : f64
  %2 = llvm.intr.fma(%1, %k, %x) : (f64, f64, f64) -> f64
  llvm.return %2 : f64
}
"""


def test_jit_call_to_libm():
    f = Jit(LIBM).fn("scaled_cos", ctypes.c_double, ctypes.c_double, ctypes.c_double)
    x = RNG.uniform(-10, 10, 30)
    k = RNG.uniform(-3, 3, 30)
    got = np.array([f(a, b) for a, b in zip(x, k)])
    np.testing.assert_allclose(got, np.cos(x) * k * k + x, rtol=1e-12, atol=1e-12)


STRUCT = """
llvm.func @make(%a: i64, %b: f64) -> !llvm.struct<(i64, f64)> {
  %u = llvm.mlir.undef : !llvm.struct<(i64, f64)>
  %s0 = llvm.insertvalue %a, %u[0] : !llvm.struct<(i64, f64)>
  %s1 = llvm.insertvalue %b, %s0[1] : !llvm.struct<(i64, f64)>
  llvm.return %s1 : !llvm.struct<(i64, f64)>
}
llvm.func @combine(%a: i64, %b: f64) -> f64 {
  %s = llvm.call @make(%a, %b) : (i64, f64) -> !llvm.struct<(i64, f64)>
  %x = llvm.extractvalue %s[0] : !llvm.struct<(i64, f64)>
  %y = llvm.extractvalue %s[1] : !llvm.struct<(i64, f64)>
  %xf = llvm.sitofp %x : i64 to f64
  %r = llvm.fsub %xf, %y : f64
  llvm.return %r : f64
}
"""


class _Pair(ctypes.Structure):
    _fields_ = [("a", ctypes.c_int64), ("b", ctypes.c_double)]


def test_jit_struct_insert_and_extract():
    jit = Jit(STRUCT, 0)
    make = jit.fn("make", _Pair, ctypes.c_int64, ctypes.c_double)
    combine = jit.fn("combine", ctypes.c_double, ctypes.c_int64, ctypes.c_double)
    for a, b in zip(RNG.integers(-10**6, 10**6, 20), RNG.normal(size=20)):
        p = make(int(a), float(b))
        assert (p.a, p.b) == (int(a), float(b))
        assert combine(int(a), float(b)) == float(a) - float(b)


MEMORY = """
llvm.mlir.global internal constant @weights(dense<[0.5, -1.25, 2.0, 3.5]> : tensor<4xf32>) : !llvm.array<4 x f32>
llvm.func @axpy(%x: !llvm.ptr, %y: !llvm.ptr, %n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %c3 = llvm.mlir.constant(3 : i64) : i64
  %w = llvm.mlir.addressof @weights : !llvm.ptr
  llvm.br ^loop(%c0 : i64)
^loop(%i: i64):
  %done = llvm.icmp "sge" %i, %n : i64
  llvm.cond_br %done, ^exit, ^body
^body:
  %lane = llvm.and %i, %c3 : i64
  %wp = llvm.getelementptr inbounds %w[0, %lane] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<4 x f32>
  %a = llvm.load %wp : !llvm.ptr -> f32
  %xp = llvm.getelementptr inbounds %x[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
  %yp = llvm.getelementptr inbounds %y[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
  %xv = llvm.load %xp <alignment = 4> : !llvm.ptr -> f32
  %yv = llvm.load %yp <alignment = 4> : !llvm.ptr -> f32
  %ax = llvm.fmul %a, %xv : f32
  %r = llvm.fadd %ax, %yv : f32
  llvm.store %r, %yp <alignment = 4> : f32, !llvm.ptr
  %i2 = llvm.add %i, %c1 : i64
  llvm.br ^loop(%i2 : i64)
^exit:
  llvm.return
}
"""


@pytest.mark.parametrize("opt_level", [0, 3])
def test_jit_loads_stores_geps_and_a_dense_global(opt_level):
    f = Jit(MEMORY, opt_level).fn("axpy", None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)
    n = 37
    x = RNG.normal(size=n).astype(np.float32)
    y = RNG.normal(size=n).astype(np.float32)
    expect = np.tile(np.array([0.5, -1.25, 2.0, 3.5], np.float32), 10)[:n] * x + y
    f(x.ctypes.data, y.ctypes.data, n)
    np.testing.assert_allclose(y, expect, rtol=1e-6)


SWITCH_VECTOR = """
llvm.func @pick(%v: i32) -> i32 {
  %c10 = llvm.mlir.constant(10 : i32) : i32
  %c20 = llvm.mlir.constant(20 : i32) : i32
  %c30 = llvm.mlir.constant(30 : i32) : i32
  llvm.switch %v : i32, ^done(%c30 : i32) [
    1: ^done(%c10 : i32),
    -2: ^done(%c20 : i32),
    7: ^other
  ]
^other:
  %m = llvm.mul %v, %v : i32
  llvm.return %m : i32
^done(%r: i32):
  llvm.return %r : i32
}
llvm.func @dot4(%p: !llvm.ptr, %q: !llvm.ptr) -> f32 {
  %a = llvm.load %p <alignment = 4> : !llvm.ptr -> vector<4xf32>
  %b = llvm.load %q <alignment = 4> : !llvm.ptr -> vector<4xf32>
  %m = llvm.fmul %a, %b : vector<4xf32>
  %z = llvm.mlir.constant(0.0 : f32) : f32
  %s = llvm.intr.vector.reduce.fadd(%z, %m) : (f32, vector<4xf32>) -> f32
  llvm.return %s : f32
}
"""


def test_jit_switch_with_distinct_case_values_and_vector_reduction():
    jit = Jit(SWITCH_VECTOR)
    pick = jit.fn("pick", ctypes.c_int32, ctypes.c_int32)
    for v in list(RNG.integers(-4, 9, 30)) + [1, -2, 7]:
        v = int(v)
        assert pick(v) == {1: 10, -2: 20, 7: 49}.get(v, 30)
    dot = jit.fn("dot4", ctypes.c_float, ctypes.c_void_p, ctypes.c_void_p)
    for _ in range(10):
        a = RNG.normal(size=4).astype(np.float32)
        b = RNG.normal(size=4).astype(np.float32)
        assert dot(a.ctypes.data, b.ctypes.data) == pytest.approx(float(np.dot(a, b)), rel=1e-5)


def test_constants_are_bit_exact():
    """Random integer and float constants come back unchanged (the hex float forms are exact)."""
    ints = RNG.integers(-2**63, 2**63, 8, dtype=np.int64)
    floats = RNG.normal(size=8).astype(np.float32)
    doubles = RNG.normal(size=8) * 1e10
    body = []
    for i, v in enumerate(ints):
        body.append(f"llvm.func @i{i}() -> i64 {{\n  %0 = llvm.mlir.constant({v} : i64) : i64\n"
                    f"  llvm.return %0 : i64\n}}")
    for i, v in enumerate(floats):
        body.append(f"llvm.func @f{i}() -> f32 {{\n  %0 = llvm.mlir.constant({float(v)!r} : f32) : f32\n"
                    f"  llvm.return %0 : f32\n}}")
    for i, v in enumerate(doubles):
        body.append(f"llvm.func @d{i}() -> f64 {{\n  %0 = llvm.mlir.constant({float(v)!r} : f64) : f64\n"
                    f"  llvm.return %0 : f64\n}}")
    jit = Jit("\n".join(body), 0)
    for i, v in enumerate(ints):
        assert jit.fn(f"i{i}", ctypes.c_int64)() == int(v)
    for i, v in enumerate(floats):
        assert np.float32(jit.fn(f"f{i}", ctypes.c_float)()) == v
    for i, v in enumerate(doubles):
        assert jit.fn(f"d{i}", ctypes.c_double)() == float(v)


def test_python_builders_make_translatable_functions():
    from mlir_py.dialects import llvm as L

    from mlir_py.ir.builtin_attributes import IntegerAttr
    from mlir_py.ir.builtin_types import f64, i64
    from mlir_py.ir.operation import Block, Region

    s = L.LLVMStructType.literal([i64, L.LLVMPointerType()])
    assert str(s) == "!llvm.struct<(i64, ptr)>"
    assert str(L.LLVMArrayType(4, L.LLVMStructType.literal([f64]))) == "!llvm.array<4 x struct<(f64)>>"
    assert str(L.LLVMPointerType(1)) == "!llvm.ptr<1>"
    assert str(L.LLVMStructType.identified("node", None)) == '!llvm.struct<"node", opaque>'
    ft = L.LLVMFunctionType(i64, [i64, i64])
    assert str(ft) == "!llvm.func<i64 (i64, i64)>"
    fn = L.LLVMFuncOp.build("mul_add", ft)
    a, b = fn.entry_block.args
    blk = fn.entry_block
    prod = blk.append(L.MulOp(a, b))
    one = blk.append(L.ConstantOp(IntegerAttr(1, i64)))
    total = blk.append(L.AddOp(prod.res, one.res, overflowFlags=L.overflow_flags("nsw")))
    blk.append(L.ReturnOp(total.res))
    module = _module("")
    module.regions[0].first_block.append(fn)
    mp.verify(module)
    assert "llvm.add %0, %1 overflow<nsw> : i64" in mp.to_string(module)
    f = Jit(mp.to_string(module)).fn("mul_add", ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)
    for x, y in RNG.integers(-10**4, 10**4, (10, 2)):
        assert f(int(x), int(y)) == int(x) * int(y) + 1
    _ = (Block, Region)


def test_ops_outside_the_llvm_dialect_are_diagnostics_at_the_op():
    m = _module("""llvm.func @f(%a: i32) -> i32 {
  %0 = arith.addi %a, %a : i32
  llvm.return %0 : i32
}""")
    with pytest.raises(DiagnosticError) as e:
        translate_module_to_llvmir(m)
    assert "test.mir:2:8: error: 'arith.addi' op cannot be translated to LLVM IR" in str(e.value)
