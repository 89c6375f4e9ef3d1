"""Minimal helpers for the lowering tests: lower with `--lower-to-llvm`, JIT
with llvmlite, and pass numpy arrays as MLIR memref descriptors through
ctypes. The real execution engine is `mlir_py.execution`; these exist so the
lowerings are checked end to end without it."""

from __future__ import annotations

import ctypes

import numpy as np

import mlir_py as mp
from mlir_py.pass_manager import PassManager


def lower(text: str):
    """Parse, verify and run `--lower-to-llvm`; returns the module (llvm dialect only)."""
    ctx = mp.Context.with_available_dialects()
    module = mp.parse(ctx, text)
    mp.verify(module)
    pm = PassManager()
    pm.add("lower-to-llvm")
    assert pm.run(module), "lower-to-llvm failed"
    return module


def descriptor_type(rank: int) -> type:
    """The ctypes struct of a rank-`rank` memref descriptor (DESIGN §5)."""
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p), ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


def descriptor(a: np.ndarray, base: np.ndarray | None = None):
    """A descriptor viewing `a` (any strides) inside `base` (default: `a` itself)."""
    base = a if base is None else base
    item = a.itemsize
    d = descriptor_type(a.ndim)()
    d.allocated = d.aligned = base.ctypes.data
    d.offset = (a.ctypes.data - base.ctypes.data) // item
    for i in range(a.ndim):
        d.sizes[i] = a.shape[i]
        d.strides[i] = a.strides[i] // item
    return d


def array_from(d, dtype, rank: int) -> np.ndarray:
    """A numpy copy of the memref a descriptor points to."""
    item = np.dtype(dtype).itemsize
    shape = [d.sizes[i] for i in range(rank)]
    strides = [d.strides[i] * item for i in range(rank)]
    n = 1 + sum((s - 1) * st for s, st in zip(shape, strides)) if all(shape) else 0
    buf = (ctypes.c_char * max(n * item, item)).from_address(d.aligned + d.offset * item)
    flat = np.frombuffer(buf, dtype=dtype)
    return np.lib.stride_tricks.as_strided(flat, shape=shape, strides=strides).copy()


class Jit:
    """A module lowered, translated by the llvm branch's `mlir_py.target.llvmir`,
    verified by llvmlite and compiled with MCJIT; `fn` gives ctypes callables of
    its `_mlir_ciface_` wrappers (the engine stays alive with this object)."""

    def __init__(self, text: str):
        import llvmlite.binding as llvm
        from mlir_py.execution.thread_pool import PARALLEL_FOR
        from mlir_py.execution.thread_pool import install as install_thread_pool
        from mlir_py.target.llvmir import translate_module_to_llvmir
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        self.ir = translate_module_to_llvmir(lower(text))
        if PARALLEL_FOR in self.ir:  # scf.parallel runs on the thread pool: the JIT must find it
            install_thread_pool()
        mod = llvm.parse_assembly(self.ir)
        mod.verify()
        tm = llvm.Target.from_default_triple().create_target_machine()
        self.engine = llvm.create_mcjit_compiler(mod, tm)
        self.engine.finalize_object()

    def fn(self, name: str, restype, *argtypes):
        addr = self.engine.get_function_address(f"_mlir_ciface_{name}")
        assert addr, f"no _mlir_ciface_{name} in the module"
        return ctypes.CFUNCTYPE(restype, *argtypes)(addr)


def free(ptr: int) -> None:
    """Release a buffer the compiled code allocated with malloc."""
    ctypes.CDLL(None).free(ctypes.c_void_p(ptr))
