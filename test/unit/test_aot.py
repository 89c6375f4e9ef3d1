"""AOT: the C header of a module's `_mlir_ciface_` entry points (target/c_header.py),
and the example C program of examples/aot/ linked with an object compiled from
examples/aot/matmul.mir, run and compared with numpy (skipped, with the reason,
when there is no C compiler)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
from mlir_py.target.c_header import CHeaderError, c_header, header_guard

import mlir_py as mp

ROOT = pathlib.Path(__file__).resolve().parents[2]
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler (cc, gcc or clang) on PATH")

SIGNATURES = """
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x?xf32>, %c: memref<4x?xf32, strided<[?, 1], offset: ?>>) {
  return
}
func.func @two(%x: memref<?xi64>, %s: f64, %f: i1) -> (memref<?xi64>, f32, index) {
  %c = arith.constant 1.0 : f32
  %i = arith.constant 0 : index
  return %x, %c, %i : memref<?xi64>, f32, index
}
func.func @one(%x: memref<f32>) -> memref<3xf32> {
  %a = memref.alloc() : memref<3xf32>
  return %a : memref<3xf32>
}
func.func @s(%x: ui8, %y: i16) -> i32 {
  %c = arith.constant 1 : i32
  return %c : i32
}
func.func private @hidden() {
  return
}
func.func private @decl(i32)
"""


def _module(text: str):
    return mp.parse(mp.Context.with_available_dialects(), text)


def test_header_declares_descriptors_and_wrappers():
    h = c_header(_module(SIGNATURES), "SIGS_H")
    assert "typedef struct { float *allocated; float *aligned; int64_t offset; int64_t sizes[2]; " \
           "int64_t strides[2]; } MemRef2D_f32;" in h
    assert "typedef struct { float *allocated; float *aligned; int64_t offset; } MemRef0D_f32;" in h
    assert "void _mlir_ciface_matmul(MemRef2D_f32 *arg0, MemRef2D_f32 *arg1, MemRef2D_f32 *arg2);" in h
    assert "typedef struct { MemRef1D_i64 r0; float r1; int64_t r2; } two_results;\n" \
           "void _mlir_ciface_two(two_results *result, MemRef1D_i64 *arg0, double arg1, bool arg2);" in h
    assert "void _mlir_ciface_one(MemRef1D_f32 *result, MemRef0D_f32 *arg0);" in h
    assert "int32_t _mlir_ciface_s(uint8_t arg0, int16_t arg1);" in h
    assert "hidden" not in h and "decl" not in h
    assert h.count("#ifndef SIGS_H") == 1 and h.rstrip().endswith("#endif /* SIGS_H */")
    assert header_guard("out/matmul.h") == "MATMUL_H"


def test_header_rejects_what_c_cannot_spell():
    with pytest.raises(CHeaderError, match=r"@v: argument 0: type vector<4xf32> has no C type"):
        c_header(_module("func.func @v(%x: vector<4xf32>) {\n  return\n}"))


@needs_cc
def test_header_compiles_as_c(tmp_path):
    (tmp_path / "sigs.h").write_text(c_header(_module(SIGNATURES), "SIGS_H"))
    (tmp_path / "use.c").write_text('#include "sigs.h"\nint main(void) { two_results r; (void)r; return 0; }\n')
    r = subprocess.run([CC, "-std=c11", "-Wall", "-Werror", "-fsyntax-only", str(tmp_path / "use.c")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def _tool(name: str) -> str:
    path = pathlib.Path(sys.executable).with_name(name)
    return str(path) if path.exists() else (shutil.which(name) or name)


def _lcg_matrices(seed: int, shapes):
    """The matrices examples/aot/main.c draws (its generator, in Python)."""
    state, out = seed, []
    for rows, cols in shapes:
        values = []
        for _ in range(rows * cols):
            state = (state * 1664525 + 1013904223) % 2**32
            values.append(((state >> 8) - 8388608) / 8388608)
        out.append(np.array(values, np.float32).reshape(rows, cols))
    return out


def _run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}\n{r.stdout}\n{r.stderr}"
    return r.stdout


@needs_cc
def test_example_program_links_the_object_and_the_shared_library(tmp_path):
    src = ROOT / "examples" / "aot"
    lowered, obj, header = tmp_path / "matmul.llvm.mir", tmp_path / "matmul.o", tmp_path / "matmul.h"
    _run([_tool("mir-opt"), "--lower-to-llvm", src / "matmul.mir", "-o", lowered])
    _run([_tool("mir-translate"), lowered, "--emit=obj", "-O3", "-o", obj])
    _run([_tool("mir-translate"), src / "matmul.mir", "--emit=c-header", "-o", header])
    exe = tmp_path / "matmul_demo"
    _run([CC, "-O2", "-Wall", "-Werror", "-I", tmp_path, src / "main.c", obj, "-o", exe, "-lm"])
    m, k, n, seed = 6, 9, 4, 31337
    out = _run([exe, m, k, n, seed]).splitlines()
    assert out[-1].startswith("max abs difference from C: ")
    got = np.array([[float(v) for v in line.split()] for line in out[:-1]], np.float32)
    a, b = _lcg_matrices(seed, [(m, k), (k, n)])
    np.testing.assert_allclose(got, a @ b, rtol=1e-5, atol=1e-6)
    # the same object as a shared library
    lib = tmp_path / "libmatmul.so"
    _run([CC, "-shared", obj, "-o", lib])
    exe2 = tmp_path / "matmul_demo_shared"
    _run([CC, "-O2", "-I", tmp_path, src / "main.c", "-L", tmp_path, "-lmatmul", "-Wl,-rpath," + str(tmp_path),
          "-o", exe2, "-lm"])
    assert _run([exe2, m, k, n, seed]).splitlines() == out


def test_c_header_needs_the_module_before_lowering(capsys, tmp_path):
    from mlir_py.tools.mir_translate import main
    src = tmp_path / "low.mir"
    src.write_text("llvm.func @f(%a: i32) -> i32 {\n  llvm.return %a : i32\n}\n")
    assert main([str(src), "--emit=c-header"]) == 1
    assert capsys.readouterr().err == ("mir-translate: error: the module is already in the llvm dialect and no "
                                       "`_mlir_ciface_` wrapper keeps its source signature (func.function_type): "
                                       "generate the header from the module before --lower-to-llvm, which still "
                                       "has the memref types\n")
    src.write_text("func.func @v(%x: vector<4xf32>) {\n  return\n}\n")
    assert main([str(src), "--emit=c-header"]) == 1
    assert capsys.readouterr().err.startswith(f"{src}:1:1: error: @v: argument 0: type vector<4xf32> has no C type\n"
                                              "func.func @v(")


def test_c_header_of_a_lowered_module_is_the_source_header(tmp_path):
    # the wrappers of `mir-opt --lower-to-llvm` output keep the source signature (func.function_type)
    src = ROOT / "examples" / "aot" / "matmul.mir"
    lowered, h_src, h_low = tmp_path / "m.llvm.mir", tmp_path / "a.h", tmp_path / "b.h"
    _run([_tool("mir-opt"), "--lower-to-llvm", src, "-o", lowered])
    _run([_tool("mir-translate"), src, "--emit=c-header", "-o", h_src])
    _run([_tool("mir-translate"), lowered, "--emit=c-header", "-o", h_low])
    text = h_src.read_text().replace("A_H", "B_H")
    assert "_mlir_ciface_" in text and h_low.read_text() == text


def test_c_header_rejects_a_stale_source_signature(capsys, tmp_path):
    from mlir_py.tools.mir_translate import main
    lowered = tmp_path / "m.llvm.mir"
    _run([_tool("mir-opt"), "--lower-to-llvm", ROOT / "examples" / "aot" / "matmul.mir", "-o", lowered])
    text = lowered.read_text()
    assert "func.function_type = (memref<?x?xf32>" in text
    lowered.write_text(text.replace("func.function_type = (memref<?x?xf32>", "func.function_type = (i32", 1))
    assert main([str(lowered), "--emit=c-header"]) == 1
    assert "func.function_type attribute does not match its type" in capsys.readouterr().err
