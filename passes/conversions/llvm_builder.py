"""Building llvm dialect ops from lowering patterns: `LLVMBuilder`.

A lowering emits the same few llvm ops over and over (constants, the
insert/extract of descriptor fields, address arithmetic, calls to runtime
functions); this keeps each emission one call long and spells the ops'
properties the way the llvm dialect stores them (upstream's names, so the
generic form matches mlir-opt's). The builder inserts at the rewriter's
insertion point, so it works with a dialect-conversion rewriter (journaled)
as with a plain one.
"""

from __future__ import annotations

from typing import Any, Sequence

from mlir_py.dialects.llvm import DIALECT as LLVM_DIALECT
from mlir_py.dialects.llvm import (
    CallOp,
    LLVMArrayType,
    LLVMFuncOp,
    LLVMFunctionType,
    LLVMPointerType,
    LLVMStructType,
)
from mlir_py.dialects.llvm.attributes import FASTMATH_NONE

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import DenseArrayAttr, FloatAttr, IntegerAttr, SymbolRefAttr, TypeAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, i32, i64
from mlir_py.ir.operation import Operation, Value

#: the `rawConstantIndices` entry of a dynamic GEP index (GEPOp::kDynamicIndex)
GEP_DYNAMIC_INDEX = -(2**31)
#: GEPNoWrapFlags bits (`inbounds` is inbounds_flag|nusw)
GEP_INBOUNDS, GEP_NUW = 3, 4


def op_class(name: str) -> type:
    """The llvm dialect's op class named `name` (KeyError when the dialect lacks it)."""
    return LLVM_DIALECT.ops[name]


def _overflow(nsw: bool = False, nuw: bool = False) -> IntegerAttr:
    return IntegerAttr((1 if nsw else 0) | (2 if nuw else 0), i32)


def _i64_array(pos: Sequence[int]) -> DenseArrayAttr:
    return DenseArrayAttr(i64, tuple(int(p) for p in pos))


def member_type(t: Attribute, pos: Sequence[int]) -> Attribute:
    """The type at `pos` inside a struct/array type (what extractvalue yields)."""
    for p in pos:
        if isinstance(t, LLVMStructType):
            t = (t.body or ())[p]
        elif isinstance(t, LLVMArrayType):
            t = t.element_type
        else:
            raise TypeError(f"position {list(pos)} does not index into {t}")
    return t


#: llvm.icmp predicate numbers
ICMP = {"eq": 0, "ne": 1, "slt": 2, "sle": 3, "sgt": 4, "sge": 5, "ult": 6, "ule": 7, "ugt": 8, "uge": 9}


class LLVMBuilder:
    """Creates llvm ops at `rewriter`'s insertion point (see the module docstring)."""

    def __init__(self, rewriter: Any, location: Any = None):
        self.rw = rewriter
        self.loc = location

    def insert_op(self, op: Operation) -> Operation:
        """Insert an op built elsewhere (with this builder's location when it has none)."""
        return self._insert(op)

    def _insert(self, op: Operation) -> Operation:
        if self.loc is not None and op.location is None:
            op.location = self.loc
        self.rw.insert(op)
        return op

    # -- constants ----------------------------------------------------------------------

    def constant(self, value: Any, type: Attribute = i64) -> Value:
        """`llvm.mlir.constant(value : type) : type`; an Attribute `value` is used as is."""
        if not isinstance(value, Attribute):
            if isinstance(type, FloatType):
                value = FloatAttr(float(value), type)
            elif isinstance(type, IntegerType):
                value = IntegerAttr(int(value), type)
            else:
                raise TypeError(f"no scalar constant of type {type}")
        return self._insert(op_class("llvm.mlir.constant").create([], [type], {"value": value})).results[0]

    def poison(self, type: Attribute) -> Value:
        return self._insert(op_class("llvm.mlir.poison").create([], [type], {})).results[0]

    def undef(self, type: Attribute) -> Value:
        return self._insert(op_class("llvm.mlir.undef").create([], [type], {})).results[0]

    def zero(self, type: Attribute) -> Value:
        return self._insert(op_class("llvm.mlir.zero").create([], [type], {})).results[0]

    def null_ptr(self, address_space: int = 0) -> Value:
        return self.zero(LLVMPointerType(address_space))

    def addressof(self, name: str, type: Attribute | None = None) -> Value:
        return self._insert(op_class("llvm.mlir.addressof").create(
            [], [type or LLVMPointerType(0)], {"global_name": SymbolRefAttr(name, ())})).results[0]

    # -- aggregates ---------------------------------------------------------------------

    def extractvalue(self, container: Value, pos: Sequence[int]) -> Value:
        t = member_type(container.type, pos)
        return self._insert(op_class("llvm.extractvalue").create([container], [t],
                                                                 {"position": _i64_array(pos)})).results[0]

    def insertvalue(self, container: Value, value: Value, pos: Sequence[int]) -> Value:
        return self._insert(op_class("llvm.insertvalue").create([container, value], [container.type],
                                                                {"position": _i64_array(pos)})).results[0]

    # -- arithmetic ---------------------------------------------------------------------

    def op(self, name: str, operands: Sequence[Value], result_type: Attribute | None = None,
           props: dict | None = None) -> Value:
        """Any one-result llvm op by name (`"llvm.add"`); the result type defaults to the first operand's."""
        cls = op_class(name)
        t = result_type if result_type is not None else operands[0].type
        return self._insert(cls(*operands, result_types=[t], **dict(props or {}))).results[0]

    def add(self, a: Value, b: Value, *, nsw: bool = False, nuw: bool = False) -> Value:
        return self.op("llvm.add", [a, b], props={"overflowFlags": _overflow(nsw, nuw)})

    def sub(self, a: Value, b: Value) -> Value:
        return self.op("llvm.sub", [a, b], props={"overflowFlags": _overflow()})

    def mul(self, a: Value, b: Value, *, nsw: bool = False, nuw: bool = False) -> Value:
        return self.op("llvm.mul", [a, b], props={"overflowFlags": _overflow(nsw, nuw)})

    def udiv(self, a: Value, b: Value) -> Value:
        return self.op("llvm.udiv", [a, b])

    def sdiv(self, a: Value, b: Value) -> Value:
        return self.op("llvm.sdiv", [a, b])

    def urem(self, a: Value, b: Value) -> Value:
        return self.op("llvm.urem", [a, b])

    def icmp(self, predicate: str, a: Value, b: Value) -> Value:
        return self.op("llvm.icmp", [a, b], IntegerType(1), {"predicate": IntegerAttr(ICMP[predicate], i64)})

    def select(self, c: Value, a: Value, b: Value) -> Value:
        return self.op("llvm.select", [c, a, b], a.type, {"fastmathFlags": FASTMATH_NONE})

    def ptrtoint(self, p: Value, type: Attribute = i64) -> Value:
        return self.op("llvm.ptrtoint", [p], type)

    def inttoptr(self, v: Value, type: Attribute | None = None) -> Value:
        return self.op("llvm.inttoptr", [v], type or LLVMPointerType(0))

    def sext(self, v: Value, type: Attribute) -> Value:
        return self.op("llvm.sext", [v], type)

    def trunc(self, v: Value, type: Attribute) -> Value:
        return self.op("llvm.trunc", [v], type, {"overflowFlags": _overflow()})

    # -- memory -------------------------------------------------------------------------

    def gep(self, base: Value, indices: Sequence[Value | int], elem_type: Attribute, *,
            inbounds: bool = False, nuw: bool = False, result_type: Attribute | None = None) -> Value:
        """`llvm.getelementptr [inbounds|nuw] %base[...]`: integers become constant indices."""
        dyn = [i for i in indices if isinstance(i, Value)]
        raw = [GEP_DYNAMIC_INDEX if isinstance(i, Value) else int(i) for i in indices]
        flags = (GEP_INBOUNDS if inbounds else 0) | (GEP_NUW if nuw else 0)
        props = {"rawConstantIndices": DenseArrayAttr(i32, tuple(raw)), "elem_type": TypeAttr(elem_type),
                 "noWrapFlags": IntegerAttr(flags, i32)}
        return self._insert(op_class("llvm.getelementptr")(base, dyn, result_types=[result_type or base.type],
                                                           **props)).results[0]

    def load(self, ptr: Value, type: Attribute, *, alignment: int | None = None) -> Value:
        props = {} if alignment is None else {"alignment": IntegerAttr(alignment, i64)}
        return self._insert(op_class("llvm.load")(ptr, result_types=[type], **props)).results[0]

    def store(self, value: Value, ptr: Value, *, alignment: int | None = None) -> Operation:
        props = {} if alignment is None else {"alignment": IntegerAttr(alignment, i64)}
        return self._insert(op_class("llvm.store")(value, ptr, **props))

    def atomicrmw(self, bin_op: str, ptr: Value, value: Value, ordering: str = "acq_rel") -> Value:
        return self._insert(op_class("llvm.atomicrmw").build(bin_op, ptr, value, ordering)).results[0]

    def alloca(self, size: Value, elem_type: Attribute, *, alignment: int | None = None,
               address_space: int = 0) -> Value:
        props: dict[str, Attribute] = {"elem_type": TypeAttr(elem_type)}
        if alignment:
            props["alignment"] = IntegerAttr(alignment, i64)
        return self._insert(op_class("llvm.alloca")(size, result_types=[LLVMPointerType(address_space)],
                                                    **props)).results[0]

    def memcpy(self, dst: Value, src: Value, size: Value) -> Operation:
        return self._insert(op_class("llvm.intr.memcpy")(dst, src, size, isVolatile=IntegerAttr(0, IntegerType(1))))

    # -- calls --------------------------------------------------------------------------

    def call(self, callee: str, args: Sequence[Value], result_types: Sequence[Attribute] = ()) -> Operation:
        """`llvm.call @callee(args)`; `result_types` empty for a void call."""
        return self._insert(CallOp.build(callee, list(args), list(result_types)))

    def ret(self, values: Sequence[Value] = ()) -> Operation:
        return self._insert(op_class("llvm.return")(list(values)))


def lookup_or_create_function(rewriter: Any, module: Operation, name: str, ftype: LLVMFunctionType
                              ) -> Operation | None:
    """The `llvm.func @name` declared at the start of `module`, created if missing
    (upstream's LLVM::lookupOrCreateFn for malloc, free, libm functions...).

    An existing `llvm.func` of another type is an error at it (upstream's
    "redefinition of reserved function"), and None is returned: a call to it
    would not verify."""
    for op in module.regions[0].blocks[0].ops:
        sym = op.properties.get("sym_name")
        if op.name in ("llvm.func", "func.func") and sym is not None and sym.value == name:
            have = op.properties["function_type"].value
            if op.name == "llvm.func" and have != ftype:
                op.emit_error(f"redefinition of reserved function '{name}' of different type '{have}' is prohibited")
                return None
            return op
    fn = LLVMFuncOp.build(name, ftype, declaration=True)
    with rewriter.insertion_guard():
        rewriter.set_insertion_point_to_start(module.regions[0].blocks[0])
        rewriter.insert(fn)
    return fn


__all__ = ["GEP_DYNAMIC_INDEX", "ICMP", "LLVMBuilder", "lookup_or_create_function", "member_type", "op_class"]
