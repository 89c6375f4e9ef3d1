"""Atomic read-modify-write (`llvm.atomicrmw`): the one instruction memref.atomic_rmw lowers to,
and what buffer-planning's workspace slot (a flag exchanged on entry and exit) is built from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.dialects.llvm.attributes import FLOAT_ATOMIC_BIN_OPS, AtomicBinOp, AtomicOrdering
from mlir_py.dialects.llvm.constraints import AnyLLVMType, AnyPtr
from mlir_py.dialects.llvm.memory_ops import _move_props

from mlir_py.builtin.constraints import I64Attr, UnitAttrC
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result
from mlir_py.definition.traits import MemoryEffects, Read, Write
from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType, i64

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class AtomicRMWOp(Op):
    """Atomically replaces `*ptr` with `bin_op(*ptr, val)` and returns the old value.

    ```mlir
    %old = llvm.atomicrmw xchg %p, %v acq_rel : !llvm.ptr, i32
    %sum = llvm.atomicrmw volatile fadd %p, %f syncscope("agent") monotonic <alignment = 4> : !llvm.ptr, f32
    ```
    """

    name = "llvm.atomicrmw"
    traits = [MemoryEffects(Read(), Write())]
    ptr = operand(AnyPtr)
    val = operand(AnyLLVMType)
    bin_op = prop(AtomicBinOp)
    ordering = prop(AtomicOrdering)
    syncscope = opt_prop()
    alignment = opt_prop(I64Attr)
    volatile_ = opt_prop(UnitAttrC)
    access_groups = opt_prop()
    alias_scopes = opt_prop()
    noalias_scopes = opt_prop()
    tbaa = opt_prop()
    res = result(AnyLLVMType)

    @classmethod
    def build(cls, bin_op: str, ptr: Any, val: Any, ordering: str = "seq_cst", *, alignment: int | None = None,
              location=None) -> AtomicRMWOp:
        props: dict[str, Any] = {"bin_op": AtomicBinOp.attr(bin_op), "ordering": AtomicOrdering.attr(ordering)}
        if alignment is not None:
            props["alignment"] = IntegerAttr(alignment, i64)
        return cls.create([ptr, val], [val.type], props, location=location)

    def verify_(self):
        t = self.val.type
        if self.res.type != t:
            return "expected LLVM IR result type to match type for operand #1"
        elem = t.element_type if isinstance(t, VectorType) else t
        op = self.bin_op.value
        if op in FLOAT_ATOMIC_BIN_OPS:
            if not isinstance(elem, FloatType):
                return "expected LLVM IR floating point type"
        elif op == 0:  # xchg: an integer, float or pointer
            if isinstance(t, VectorType):
                return "unexpected LLVM IR type for 'xchg' bin_op"
        elif not isinstance(t, IntegerType):
            return "expected LLVM IR integer type"
        if self.ordering.value < 2:
            return "expected at least 'monotonic' ordering"
        return None

    @classmethod
    def parse(cls, parser: Parser) -> AtomicRMWOp:
        props: dict[str, Any] = {}
        if parser.parse_optional_keyword("volatile"):
            props["volatile_"] = UnitAttr()
        props["bin_op"] = AtomicBinOp.parse_short(parser)
        up = parser.parse_operand()
        parser.expect(",")
        uv = parser.parse_operand()
        if parser.parse_optional_keyword("syncscope"):
            parser.expect("(")
            props["syncscope"] = StringAttr(parser.parse_string())
            parser.expect(")")
        props["ordering"] = AtomicOrdering.parse_short(parser)
        if parser.parse_optional("<"):
            pos = parser.skip_ws()
            if parser.parse_keyword(what="property name") != "alignment":
                raise parser.error(f"expected 'alignment' in '{cls.name}' properties", pos)
            parser.expect("=")
            props["alignment"] = IntegerAttr(parser.parse_integer(), i64)
            parser.expect(">")
        attrs = parser.parse_optional_attr_dict()
        _move_props(cls, attrs, props)
        parser.expect(":")
        pt = parser.parse_type()
        parser.expect(",")
        vt = parser.parse_type()
        return cls.create([parser.resolve_operand(up, pt), parser.resolve_operand(uv, vt)], [vt], props, attrs)

    def print(self, printer: Printer) -> None:
        p = self.properties
        printer.write(" volatile " if "volatile_" in p else " ")
        printer.write(AtomicBinOp.name_of(p["bin_op"]) + " ")
        printer.print_operand(self.ptr)
        printer.write(", ")
        printer.print_operand(self.val)
        sc = p.get("syncscope")
        if sc is not None:
            printer.write(" syncscope(")
            printer.print_string_literal(sc.value)
            printer.write(")")
        printer.write(" " + AtomicOrdering.name_of(p["ordering"]))
        if "alignment" in p:
            printer.write(f" <alignment = {p['alignment'].value}>")
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.ptr.type)
        printer.write(", ")
        printer.print_type(self.val.type)


OPS = [AtomicRMWOp]
