"""Large buffers that JIT-compiled code allocates get transparent huge pages (Linux), as numpy's do.

A 64 MiB result buffer is 16384 fresh 4 KiB pages: the first write to each one is a page fault, and on
a virtual machine those faults cost more than computing the result (about 200 ms against 10 ms for
`max(x*2 + b, 0)` over 4096x4096 f32 here). numpy asks for huge pages (`madvise(MADV_HUGEPAGE)`) on
allocations of 4 MiB and more, so its temporaries fault 2 MiB at a time; compiled code that calls
plain `malloc` would lose to numpy on allocation alone.

`install()` compiles two small functions once per process and makes the JIT resolve `malloc` and
`aligned_alloc` to them: below 4 MiB they are the C library's functions; from 4 MiB on they return
`aligned_alloc(2 MiB, size rounded up to 2 MiB)` advised `MADV_HUGEPAGE`. The memory is the C
library's, so `free` (compiled code's `memref.dealloc`, or the owner of a returned array) releases it
as before. Other platforms keep plain `malloc`.
"""

from __future__ import annotations

import functools
import sys

import llvmlite.binding as llvm

#: allocations from this size on get huge pages (numpy's threshold)
HUGE_THRESHOLD = 1 << 22
HUGE_PAGE = 1 << 21
MADV_HUGEPAGE = 14

_IR = f"""
declare ptr @malloc(i64)
declare ptr @aligned_alloc(i64, i64)
declare i32 @madvise(ptr, i64, i32)

define internal ptr @huge(i64 %n) {{
  %r = add i64 %n, {HUGE_PAGE - 1}
  %size = and i64 %r, {-HUGE_PAGE}
  %p = call ptr @aligned_alloc(i64 {HUGE_PAGE}, i64 %size)
  %null = icmp eq ptr %p, null
  br i1 %null, label %done, label %advise
advise:
  %ignored = call i32 @madvise(ptr %p, i64 %size, i32 {MADV_HUGEPAGE})
  br label %done
done:
  ret ptr %p
}}

define ptr @mlir_py_malloc(i64 %n) {{
  %big = icmp uge i64 %n, {HUGE_THRESHOLD}
  br i1 %big, label %large, label %small
small:
  %p = call ptr @malloc(i64 %n)
  ret ptr %p
large:
  %q = call ptr @huge(i64 %n)
  ret ptr %q
}}

define ptr @mlir_py_aligned_alloc(i64 %align, i64 %n) {{
  %big = icmp uge i64 %n, {HUGE_THRESHOLD}
  %fits = icmp ule i64 %align, {HUGE_PAGE}
  %both = and i1 %big, %fits
  br i1 %both, label %large, label %small
small:
  %p = call ptr @aligned_alloc(i64 %align, i64 %n)
  ret ptr %p
large:
  %q = call ptr @huge(i64 %n)
  ret ptr %q
}}
"""

_keep: list = []  # the engine holding the two functions' code, alive for the process


@functools.cache
def install() -> bool:
    """Route the JIT's `malloc` / `aligned_alloc` through the huge-page versions (once; Linux only).
    Returns whether it did."""
    if not sys.platform.startswith("linux"):
        return False
    from mlir_py.target.llvmir.codegen import TargetOptions, optimize_module

    module, tm = optimize_module(_IR, 2, TargetOptions(reloc="default", codemodel="jitdefault"),
                                 name="mlir_py_alloc")
    engine = llvm.create_mcjit_compiler(module, tm)
    engine.finalize_object()  # binds this module's own malloc/aligned_alloc to the C library's
    _keep.append(engine)
    llvm.add_symbol("malloc", engine.get_function_address("mlir_py_malloc"))
    llvm.add_symbol("aligned_alloc", engine.get_function_address("mlir_py_aligned_alloc"))
    return True
