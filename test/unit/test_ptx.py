"""PTX emission (mlir_py.target.ptx): kernels become `.entry` functions for the requested GPU,
what NVPTX cannot compile is an error (never a crash), and - where NVIDIA's assembler is
installed - every PTX the lit suite produces assembles for sm_80 and sm_90."""

from __future__ import annotations

import glob
import os
import re
import shlex

import pytest
from mlir_py.target.ptx import PTXError, device_modules, emit_ptx, gpu_module_ptx
from mlir_py.target.ptx.ptxas import assemble, find_ptxas

import mlir_py as mp
from mlir_py.ir.diagnostics import DiagnosticError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PTXAS = find_ptxas()
needs_ptxas = pytest.mark.skipif(PTXAS is None, reason="ptxas not found: install the [gpu-test] extra "
                                                       "(nvidia-cuda-nvcc) or a CUDA toolkit")

KERNEL = """
llvm.mlir.global internal @buf() {addr_space = 3 : i32, alignment = 4 : i64} : !llvm.array<32 x i32>
llvm.func @k(%out: !llvm.ptr) attributes {nvvm.kernel} {
  %t = llvm.call_intrinsic "llvm.nvvm.read.ptx.sreg.tid.x"() : () -> i32
  %b = llvm.mlir.addressof @buf : !llvm.ptr<3>
  %s = llvm.getelementptr %b[0, %t] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, !llvm.array<32 x i32>
  llvm.store %t, %s : i32, !llvm.ptr<3>
  %c0 = llvm.mlir.constant(0 : i32) : i32
  llvm.call_intrinsic "llvm.nvvm.barrier.cta.sync.aligned.all"(%c0) : (i32) -> ()
  %v = llvm.load %s : !llvm.ptr<3> -> i32
  %p = llvm.getelementptr %out[%t] : (!llvm.ptr, i32) -> !llvm.ptr, i32
  llvm.store %v, %p : i32, !llvm.ptr
  llvm.return
}
"""


def _module(text: str, name: str = "test.mir"):
    ctx = mp.Context.with_available_dialects()
    m = mp.parse(ctx, text, name)
    mp.verify(m)
    return m


def test_kernel_is_an_entry_for_the_requested_arch():
    ptx = emit_ptx(_module(KERNEL), "sm_86")
    assert ".target sm_86" in ptx and ".version 7.1" in ptx
    assert ".visible .entry k(" in ptx
    assert "bar.sync" in ptx and "%tid.x" in ptx and ".shared" in ptx


def test_ptx_version_can_be_raised():
    assert ".version 8.0" in emit_ptx(_module(KERNEL), "sm_80", ptx_version=80)


def test_module_of_kernels_is_one_device_module():
    [device] = device_modules(_module(KERNEL))
    assert device.name == "module"
    assert list(gpu_module_ptx(_module(KERNEL))) == ["module"]


def test_no_device_code():
    m = _module("llvm.func @f() {\n  llvm.return\n}\n")
    assert gpu_module_ptx(m) == {}
    with pytest.raises(PTXError, match="no device code"):
        emit_ptx(m)


@pytest.mark.parametrize("arch", ["sm80", "sm_", "compute_80", "sm_80 "])
def test_misspelled_arch(arch):
    with pytest.raises(PTXError, match="is not a GPU architecture"):
        emit_ptx(_module(KERNEL), arch)


def test_unknown_arch():
    with pytest.raises(PTXError, match="'sm_12345' is not a GPU architecture the NVPTX backend knows"):
        emit_ptx(_module(KERNEL), "sm_12345")


def test_backend_failure_is_an_error_not_a_crash():
    """redux.sync needs sm_80: on sm_75 LLVM stops with 'Cannot select', which must not end this process."""
    text = """
    llvm.func @k(%a: i32) attributes {nvvm.kernel} {
      %m = llvm.mlir.constant(-1 : i32) : i32
      %0 = llvm.call_intrinsic "llvm.nvvm.redux.sync.add"(%a, %m) : (i32, i32) -> i32
      llvm.return
    }"""
    with pytest.raises(PTXError, match="Cannot select"):
        emit_ptx(_module(text), "sm_75")
    assert "redux.sync.add" in emit_ptx(_module(text), "sm_80")


def test_libm_math_is_rejected_at_the_op():
    text = """
    llvm.func @k(%x: f64) attributes {nvvm.kernel} {
      %0 = llvm.intr.cos(%x) {fastmathFlags = #llvm.fastmath<afn>} : (f64) -> f64
      llvm.return
    }"""
    with pytest.raises(DiagnosticError, match=r"test.mir:3:12: error: the NVPTX backend lowers 'llvm.cos' for f32"):
        emit_ptx(_module(text))


# -- every PTX of the lit suite assembles ---------------------------------------------------------------

_PTX_DIRS = ("test/target/ptx", "test/conversions/convert-gpu-to-nvvm", "test/conversions/lower-to-nvvm")


def _ptx_runs() -> list[tuple[str, str]]:
    """(file, command) for each RUN line of the lit suite that prints PTX and is expected to succeed (those
    writing a file with -o are assembled by their lit test itself)."""
    out = []
    for d in _PTX_DIRS:
        for path in sorted(glob.glob(os.path.join(ROOT, "..", d, "*.mir"))):
            for line in open(path):
                m = re.match(r"\s*// RUN: (.*)", line)
                cmd = m.group(1) if m else ""
                if "--mir-to-ptx" in cmd and not cmd.startswith("not ") and " -o " not in cmd:
                    out.append((os.path.relpath(path, os.path.join(ROOT, "..")), cmd))
    return out


def _run_pipeline(path: str, command: str) -> str:
    """The PTX a RUN line (`[mir-opt %s FLAGS |] mir-translate [%s] FLAGS [-o F] [| FileCheck ...]`) prints."""
    from mlir_py.tools import mir_opt

    stages = [shlex.split(s) for s in command.split("|")]
    stages = [s for s in stages if s and s[0] != "FileCheck"]
    text = None
    tmp_in = None
    for argv in stages:
        tool, args = argv[0], [a.replace("%s", path).replace("%S", os.path.dirname(path)) for a in argv[1:]]
        if "-o" in args:
            i = args.index("-o")
            del args[i:i + 2]
        if tool == "mir-opt":
            import tempfile
            with tempfile.NamedTemporaryFile("r", suffix=".mir", delete=False) as f:
                tmp_in = f.name
            assert mir_opt.main(args + ["-o", tmp_in]) == 0, command
            text = open(tmp_in).read()
        else:
            assert tool == "mir-translate", command
            inputs = [a for a in args if not a.startswith("-")]
            source = open(inputs[0]).read() if inputs else text
            arch = next((a.split("=", 1)[1] for a in args if a.startswith("--gpu-arch=")), None)
            opt = next((int(a[2:]) for a in args if re.fullmatch(r"-O[0-3]", a)), None)
            return emit_ptx(_module(source, path), arch, opt)
    raise AssertionError(f"no mir-translate in {command}")


@needs_ptxas
@pytest.mark.parametrize("path,command", _ptx_runs(), ids=lambda v: v if v.endswith(".mir") else "")
def test_lit_ptx_assembles_for_sm80_and_sm90(path, command):
    ptx = _run_pipeline(os.path.join(ROOT, "..", path), command)
    target = re.search(r"^\.target (sm_\d+)([af]?)", ptx, re.M)
    assert target is not None
    for arch in ("sm_80", "sm_90"):
        if int(target.group(1)[3:]) <= int(arch[3:]) and not target.group(2):
            assert assemble(ptx, arch), (path, arch)
        elif target.group(1) == arch:
            assert assemble(ptx, arch + target.group(2)), (path, arch)
