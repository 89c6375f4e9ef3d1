"""`gpu-host-shared-buffers`: the host's buffers in memory the kernels can reach.

After the loops become kernels (`convert-parallel-loops-to-gpu`,
`gpu-kernel-outlining`), host functions pass their buffers to
`gpu.launch_func`, but a buffer from `memref.alloc` is `malloc`ed host
memory and one from `memref.get_global` lives in the JIT's data section:
a kernel cannot read either. This pass, for a module that launches
kernels, makes every host buffer reachable:

- `memref.alloc` becomes `gpu.alloc host_shared` (managed memory: host
  code and kernels use it at the same address), or plain `gpu.alloc`
  (device memory) when only kernels and gpu ops use it, and
  `memref.dealloc` becomes `gpu.dealloc`, in every host function, so a
  buffer a function returns to another is freed by the allocator that
  made it;
- each global a host function reads is copied once, at the function's
  entry, into a `host_shared` buffer that every `memref.get_global` of it
  in the function then means (freed before each return unless returned).

Function arguments are the caller's business: the ExecutionEngine stages
numpy arrays in managed memory (docs/gpu-runtime.md). Buffers with a
non-identity layout, which `gpu.alloc` cannot make, are left alone.
"""

from __future__ import annotations

from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.builtin_types import MemRefType
from mlir_py.ir.context import Context
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Pass, register_pass

__all__ = ["GpuHostSharedBuffers"]


def _op_class(name: str) -> type:
    cls = Context.with_available_dialects().get_op_class(name)
    if cls is None:
        raise LookupError(f"the {name.split('.')[0]} dialect is not available")
    return cls


def _segments(*sizes: int):
    from mlir_py.ir.builtin_attributes import DenseArrayAttr
    from mlir_py.ir.builtin_types import i32
    return DenseArrayAttr(i32, tuple(sizes))


def _gpu_alloc(t: MemRefType, dynamic_sizes: list[Value], loc, host_shared: bool = True) -> Operation:
    props: dict = {"operandSegmentSizes": _segments(0, len(dynamic_sizes), 0)}
    if host_shared:
        props["hostShared"] = UnitAttr()
    return _op_class("gpu.alloc").create(dynamic_sizes, [t], props, location=loc)


def _host_functions(module: Operation) -> list[Operation]:
    return [op for op in module.regions[0].blocks[0].ops if op.name == "func.func" and op.regions[0].blocks]


def _launches_kernels(module: Operation) -> bool:
    return any(op.name == "gpu.launch_func" for op in module.walk())


_DEVICE_USERS = ("gpu.launch_func", "gpu.memcpy", "gpu.memset", "gpu.dealloc", "memref.dealloc")


def _device_only(v: Value) -> bool:
    """Whether only kernels and gpu ops touch the buffer `v` (then it needs no
    host mapping: plain device memory, cheaper to allocate than managed)."""
    return all(use.owner.name in _DEVICE_USERS for use in v.uses)


def _returned(v: Value) -> bool:
    """Whether `v`, or a view made from it, reaches a func.return."""
    seen, work = set(), [v]
    while work:
        x = work.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        for use in x.uses:
            user = use.owner
            if user.name == "func.return":
                return True
            work += [r for r in user.results if isinstance(r.type, MemRefType)]
    return False


def _convert_function(fn: Operation) -> None:
    entry = fn.regions[0].blocks[0]
    dealloc_cls = _op_class("gpu.dealloc")
    copy_cls = _op_class("memref.copy")
    copies: dict[str, Value] = {}
    first = next(iter(entry.ops), None)
    for op in list(fn.walk()):
        if op.name == "memref.alloc":
            t = op.results[0].type
            if not isinstance(t, MemRefType) or t.layout is not None or op.properties.get("symbolOperands"):
                continue
            new = _gpu_alloc(t, list(op.operands), op.location, not _device_only(op.results[0]))
            op.parent.insert_before(op, new)
            op.results[0].replace_all_uses_with(new.results[0])
            op.erase()
        elif op.name == "memref.dealloc":
            new = dealloc_cls.create([op.operands[0]], [], {}, location=op.location)
            op.parent.insert_before(op, new)
            op.erase()
        elif op.name == "memref.get_global":
            t = op.results[0].type
            if not isinstance(t, MemRefType) or t.layout is not None:
                continue
            name = op.properties["name"].value
            shared = copies.get(name)
            if shared is None:
                g = op.clone()
                alloc = _gpu_alloc(t, [], op.location)
                copy = copy_cls.create([g.results[0], alloc.results[0]], [], {}, location=op.location)
                for new in (g, alloc, copy):
                    entry.insert_before(first, new)
                shared = copies[name] = alloc.results[0]
            op.results[0].replace_all_uses_with(shared)
            op.erase()
    for shared in copies.values():
        if _returned(shared):
            continue
        for ret in [op for op in fn.walk() if op.name == "func.return"]:
            ret.parent.insert_before(ret, dealloc_cls.create([shared], [], {}, location=ret.location))


@register_pass
class GpuHostSharedBuffers(Pass):
    """Allocate host buffers as GPU-reachable managed memory in modules that launch kernels."""

    name = "gpu-host-shared-buffers"
    summary = "Allocate the host's buffers as host_shared GPU memory in modules that launch kernels"
    anchor = "builtin.module"

    def run_on_operation(self, op):
        if not _launches_kernels(op):
            return
        for fn in _host_functions(op):
            _convert_function(fn)
