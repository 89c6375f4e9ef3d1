"""Bufferization of arith ops on tensors: constants become read-only globals."""

from __future__ import annotations

from mlir_py.dialects import memref

from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr, TypeAttr, UnitAttr
from mlir_py.ir.builtin_types import MemRefType, i64

from .model import BufferizationModel, register


def _type_suffix(t) -> str:
    """`tensor<2x3xf32>` -> `2x3xf32`, as upstream names constant globals."""
    return "".join(f"{d}x" for d in t.shape) + str(t.element_type)


def global_for_constant(ctx, value, t) -> str:
    """The name of a `memref.global "private" constant` holding `value`, made once per module
    (upstream's `__constant_<shape>x<type>` with `_N` suffixes for distinct values)."""
    key = (value, t)
    name = ctx.globals_cache.get(key)
    if name is not None:
        return name
    module = ctx.module
    base = "__constant_" + _type_suffix(t)
    taken = ctx.globals_cache.setdefault("__names__", set())
    if module is not None:
        for op in module.regions[0].first_block.ops:
            n = op.properties.get("sym_name")
            if isinstance(n, StringAttr):
                taken.add(n.value)
    name, k = base, 0
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    taken.add(name)
    g = memref.GlobalOp.create(properties={
        "sym_name": StringAttr(name), "sym_visibility": StringAttr("private"),
        "type": TypeAttr(MemRefType(t.shape, t.element_type)), "initial_value": value, "constant": UnitAttr(),
        "alignment": IntegerAttr(64, i64)})
    if module is None:
        raise ValueError("a tensor constant needs an enclosing module for its global")
    module.regions[0].first_block.prepend(g)
    ctx.globals_cache[key] = name
    return name


@register("arith.constant")
class ConstantModel(BufferizationModel):
    def result_writable(self, op, r):
        return False

    def bufferize(self, op, ctx):
        from mlir_py.ir.builtin_attributes import SymbolRefAttr
        t = op.results[0].type
        name = global_for_constant(ctx, op.properties["value"], t)
        g = ctx.rw.create(memref.GetGlobalOp.create(properties={"name": SymbolRefAttr(name)},
                                                   result_types=[MemRefType(t.shape, t.element_type)]))
        return [g.results[0]]
