"""The process's pool of native threads for parallel loops (`scf.parallel`).

`convert-scf-parallel-to-threads` turns a parallel loop into a call to
`mlir_py_parallel_for`; the first JIT module that calls it makes
`install()` compile the pool (thread_pool_ir.py, LLVM IR over pthreads)
once per process and tell the JIT where the function is. Nothing here
needs a C compiler, and the pool threads never touch Python: compiled
code runs on them with the GIL released.

Thread count: a pass or pipeline option (`num-threads`) fixes it per loop;
otherwise the process default applies, which is `MLIR_PY_NUM_THREADS` when
set (read once, when the pool is installed) and else the number of cores
this process may run on (`os.sched_getaffinity`). `set_num_threads`
changes the default at any time.

Shutdown: an `atexit` handler joins the workers before the interpreter
frees the pool's code, and a forked child starts with an empty pool. One
pool serves every engine, so creating engines never creates threads; the
pool has at most the largest thread count asked for, minus one (the calling
thread works too).
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import os
import sys

import llvmlite.binding as llvm
from mlir_py.execution.thread_pool_ir import MAX_WORKERS, PARALLEL_FOR, RUNTIME_IR

__all__ = ["ENV_VAR", "MAX_THREADS", "PARALLEL_FOR", "default_num_threads", "get_num_threads", "install", "main",
           "num_workers", "runtime_object", "set_num_threads", "shutdown"]

#: the environment variable giving the default thread count
ENV_VAR = "MLIR_PY_NUM_THREADS"
#: the most threads one parallel loop can use (the caller and MAX_WORKERS workers)
MAX_THREADS = MAX_WORKERS + 1


def _check_count(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_THREADS:
        raise ValueError(f"{what} must be an integer from 1 to {MAX_THREADS}, not {n!r}")
    return n


def default_num_threads(environ: dict[str, str] | None = None) -> int:
    """`MLIR_PY_NUM_THREADS` when set (ValueError when it is not a count), else the usable cores."""
    env = os.environ if environ is None else environ
    text = env.get(ENV_VAR)
    if text is not None and text.strip():
        try:
            n = int(text.strip())
        except ValueError:
            raise ValueError(f"{ENV_VAR}={text!r}: expected an integer from 1 to {MAX_THREADS}") from None
        return _check_count(n, ENV_VAR)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


class _Runtime:
    """The compiled pool: its machine code (kept for the process) and ctypes handles on its entry points."""

    def __init__(self, threads: int):
        from mlir_py.target.llvmir.codegen import TargetOptions, optimize_module
        module, tm = optimize_module(RUNTIME_IR, 2, TargetOptions(reloc="default", codemodel="jitdefault"),
                                     name="mlir_py_thread_pool")
        self.engine = llvm.create_mcjit_compiler(module, tm)
        self.engine.finalize_object()
        self.parallel_for = self.engine.get_function_address(PARALLEL_FOR)

        def fn(name: str, restype, *argtypes):
            return ctypes.CFUNCTYPE(restype, *argtypes)(self.engine.get_function_address(name))

        self.init = fn("mlir_py_parallel_init", None, ctypes.c_int64)
        self.set_default = fn("mlir_py_parallel_set_default_threads", None, ctypes.c_int64)
        self.get_default = fn("mlir_py_parallel_default_threads", ctypes.c_int64)
        self.num_workers = fn("mlir_py_parallel_num_workers", ctypes.c_int64)
        self.shutdown = fn("mlir_py_parallel_shutdown", None)
        self.reopen = fn("mlir_py_parallel_reopen", None)
        self.after_fork = fn("mlir_py_parallel_after_fork", None)
        self.init(threads)


_runtime: _Runtime | None = None


@functools.cache
def _install() -> _Runtime:
    global _runtime
    if sys.platform == "win32":  # pragma: no cover - no pthreads
        raise OSError("the parallel loop runtime needs POSIX threads")
    rt = _runtime = _Runtime(default_num_threads())
    llvm.add_symbol(PARALLEL_FOR, rt.parallel_for)
    atexit.register(rt.shutdown)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=rt.after_fork)
    return rt


def install() -> None:
    """Compile the pool and make `mlir_py_parallel_for` resolvable by the JIT (once per process).
    ValueError when `MLIR_PY_NUM_THREADS` is set but is not a thread count."""
    _install()


def set_num_threads(n: int) -> None:
    """The thread count of parallel loops compiled without a `num-threads` option, from now on."""
    _install().set_default(_check_count(n, "the thread count"))


def get_num_threads() -> int:
    """The default thread count of parallel loops."""
    return int(_install().get_default())


def num_workers() -> int:
    """How many worker threads the pool has now (0 before the first parallel loop)."""
    return int(_install().num_workers()) if _runtime is not None else 0


def shutdown(*, reopen: bool = True) -> None:
    """Join the workers now (the pool starts them again on the next parallel loop when `reopen`);
    the exit handler does the same without reopening."""
    if _runtime is None:
        return
    _runtime.shutdown()
    if reopen:
        _runtime.reopen()


def runtime_object(triple: str | None = None) -> bytes:
    """The pool as an object file, for programs that link compiled modules ahead of time
    (docs/parallel.md): they call `mlir_py_parallel_init(threads)` once before the first loop."""
    from mlir_py.target.llvmir.codegen import TargetOptions, emit_object
    return emit_object(RUNTIME_IR, 2, TargetOptions(triple=triple))


def main(argv: list[str] | None = None) -> int:
    """`python -m mlir_py.execution.thread_pool -o pool.o [--target-triple=T]`."""
    import argparse
    ap = argparse.ArgumentParser(prog="python -m mlir_py.execution.thread_pool",
                                 description="Write the parallel-loop thread pool as an object file")
    ap.add_argument("-o", dest="output", required=True, help="the object file to write")
    ap.add_argument("--target-triple", default=None, help="target triple (default: the host)")
    args = ap.parse_args(argv)
    from mlir_py.target.llvmir.codegen import CodegenError
    try:
        data = runtime_object(args.target_triple)
    except CodegenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    with open(args.output, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
