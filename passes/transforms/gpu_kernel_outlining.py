"""`gpu-kernel-outlining`: every `gpu.launch` body becomes a kernel
`gpu.func` in a `gpu.module` of its own, and the launch a `gpu.launch_func`
of it (upstream's GpuKernelOutliningPass).

- The kernel is named `<enclosing symbol>_kernel` (or the launch's
  `function(@f)`); its module takes the same name, made unique in the parent
  module by a `_0`, `_1`, ... suffix, and is inserted right after the
  function holding the launch.
- The values the body uses from above become the kernel's arguments, in
  the order they are first used (ops walked in post-order) - run
  `gpu-launch-sink-index-computations` first to clone constants and index
  computations into the body instead of passing them.
- The body's block and thread ids and sizes become `gpu.block_id`,
  `gpu.thread_id`, `gpu.grid_dim` and `gpu.block_dim` ops at the kernel's
  start; workgroup and private attributions carry over; `gpu.terminator`
  becomes `gpu.return`.
- Constant launch sizes are recorded as `known_block_size` /
  `known_grid_size` on the kernel.
- Symbols the kernel refers to (device functions, globals) are cloned into
  its module.
- The outer module gets the `gpu.container_module` attribute.

```
mir-opt --gpu-launch-sink-index-computations --gpu-kernel-outlining f.mir
```
"""

from __future__ import annotations

from mlir_py.dialects import gpu
from mlir_py.passes.transforms.gpu_launch_sink_index_computations import used_values_defined_above

from mlir_py.analysis.symbols import get_symbol_name, symbol_uses, symbols_in
from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr, UnitAttr
from mlir_py.ir.builtin_types import FunctionType, i64
from mlir_py.ir.operation import Block, Operation, Value
from mlir_py.pass_manager import Pass, register_pass
from mlir_py.rewrite.folding import constant_value

#: the attribute marking a module that holds gpu.module ops
CONTAINER_MODULE_ATTR = "gpu.container_module"

_UINT32_MAX = 2**32 - 1


def _constant_dims(values: list[Value]) -> list[int] | None:
    """The three sizes when all are constants that fit 32 bits (upstream's maybeConstantDimsAttr)."""
    out = []
    for v in values:
        a = constant_value(v)
        if not isinstance(a, IntegerAttr) or not 0 <= a.value <= _UINT32_MAX:
            return None
        out.append(a.value)
    return out


class _SymbolNamer:
    """Insertion into a symbol table with upstream's renaming: a taken name gets `_<n>` with one counter for the
    whole table (SymbolTable::insert)."""

    def __init__(self, table: Operation):
        self.table = table
        self.counter = 0

    def unique(self, name: str) -> str:
        taken = {get_symbol_name(op) for op in symbols_in(self.table)}
        if name not in taken:
            return name
        while True:
            candidate = f"{name}_{self.counter}"
            self.counter += 1
            if candidate not in taken:
                return candidate


def outline_kernel(launch: gpu.LaunchOp, name: str) -> tuple[Operation, list[Value]]:
    """The kernel `gpu.func` for `launch` (not yet inserted anywhere) and the values it takes as arguments."""
    body = launch.body
    operands = used_values_defined_above(body)
    func = gpu.GPUFuncOp.build(
        name, FunctionType([v.type for v in operands], []),
        workgroup=[a.type for a in launch.workgroup_attributions_values],
        private=[a.type for a in launch.private_attributions], kernel=True,
        known_block_size=_constant_dims(list(launch.block_size_operands)),
        known_grid_size=_constant_dims(list(launch.grid_size_operands)), location=launch.location)
    # upstream's builder always records the count, 0 included
    func.properties["workgroup_attributions"] = IntegerAttr(len(launch.workgroup_attributions_values), i64)
    entry = func.regions[0].first_block
    assert entry is not None
    launch_entry = body.first_block
    assert launch_entry is not None
    config = list(launch.block_ids) + list(launch.thread_ids) + list(launch.grid_size) + list(launch.block_size)
    ids = [op_cls.build(d, location=launch.location)
           for op_cls in (gpu.BlockIdOp, gpu.ThreadIdOp, gpu.GridDimOp, gpu.BlockDimOp) for d in ("x", "y", "z")]
    if launch.has_cluster_size:
        config += list(launch.cluster_ids) + list(launch.cluster_size)
        ids += [op_cls.build(d, location=launch.location)
                for op_cls in (gpu.ClusterIdOp, gpu.ClusterDimOp) for d in ("x", "y", "z")]
    entry_values: dict = {}
    for op, arg in zip(ids, config):
        entry.append(op)
        entry_values[arg] = op.result
    attributions = launch.workgroup_attributions_values + launch.private_attributions
    for launch_arg, func_arg in zip(attributions, entry.args[len(operands):]):
        entry_values[launch_arg] = func_arg
    mapper: dict = dict(zip(operands, entry.args))
    region = func.regions[0]
    body.clone_into(region, mapper)
    for arg, value in entry_values.items():
        mapper[arg].replace_all_uses_with(value)
    for block in body.blocks:
        cloned: Block = mapper[block]
        term = cloned.last_op
        if isinstance(term, gpu.TerminatorOp):
            ret = gpu.ReturnOp.build(location=term.location)
            cloned.insert_before(term, ret)
            term.erase()
    cloned_entry: Block = mapper[launch_entry]
    for op in list(cloned_entry.ops):
        op.detach()
        entry.append(op)
    cloned_entry.erase()
    return func, operands


def _fill_kernel_module(module: Operation, func: Operation, parent: Operation) -> str:
    """Put `func` into `module` (renamed if the name is taken there) with clones of the symbols of `parent` it
    refers to, transitively; returns the kernel's name."""
    body = module.regions[0].first_block
    assert body is not None
    name = _SymbolNamer(module).unique(get_symbol_name(func) or "kernel")
    func.properties["sym_name"] = StringAttr(name)
    body.append(func)
    names = {get_symbol_name(s) for s in symbols_in(module)}
    worklist = [func]
    while worklist:
        op = worklist.pop()
        for _, ref in symbol_uses(op):
            sym = getattr(ref, "root", None)
            if sym is None or sym in names:
                continue
            found = next((s for s in symbols_in(parent) if get_symbol_name(s) == sym), None)
            if found is None:
                continue
            clone = found.clone()
            body.append(clone)
            names.add(sym)
            worklist.append(clone)
    return name


def _launch_func(launch: gpu.LaunchOp, module_name: str, func_name: str, operands: list[Value]) -> Operation:
    clusters = launch.cluster_size_operands
    return gpu.LaunchFuncOp.build(
        (module_name, func_name), list(launch.grid_size_operands), list(launch.block_size_operands), operands,
        dynamic_shared_memory_size=launch.dynamicSharedMemorySize,
        cluster_size=list(clusters) if clusters is not None else None, deps=list(launch.asyncDependencies),
        async_=bool(launch.results), location=launch.location)


@register_pass
class GpuKernelOutlining(Pass):
    """Outline `gpu.launch` bodies to `gpu.func` kernels in `gpu.module`s (see the module docstring)."""

    name = "gpu-kernel-outlining"
    summary = "Outline gpu.launch bodies to kernel functions"
    anchor = "builtin.module"
    display_name = "GpuKernelOutliningPass"

    def run_on_operation(self, op: Operation) -> None:
        namer = _SymbolNamer(op)
        modified = False
        for func in list(symbols_in(op)):
            insert_after = func
            for launch in [o for o in func.walk(post_order=False) if isinstance(o, gpu.LaunchOp)]:
                fn_ref = launch.properties.get("function")
                kernel_name = fn_ref.root if fn_ref is not None else f"{get_symbol_name(func)}_kernel"
                kernel, operands = outline_kernel(launch, kernel_name)
                mod_ref = launch.properties.get("module")
                module = None
                if mod_ref is not None:
                    module = next((s for s in symbols_in(op) if isinstance(s, gpu.GPUModuleOp)
                                   and get_symbol_name(s) == mod_ref.root), None)
                if module is None:
                    module_name = namer.unique(mod_ref.root if mod_ref is not None else kernel_name)
                    module = gpu.GPUModuleOp.build(module_name, location=kernel.location)
                    insert_after.parent.insert_after(insert_after, module)
                    insert_after = module
                kernel_name = _fill_kernel_module(module, kernel, op)
                module_name = get_symbol_name(module) or kernel_name
                call = _launch_func(launch, module_name, kernel_name, operands)
                launch.parent.insert_before(launch, call)
                launch.replace_all_uses_with(call)
                launch.erase()
                modified = True
        if modified:
            op.attributes[CONTAINER_MODULE_ATTR] = UnitAttr()


__all__ = ["CONTAINER_MODULE_ATTR", "GpuKernelOutlining", "outline_kernel"]
