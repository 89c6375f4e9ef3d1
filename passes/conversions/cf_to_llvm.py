"""`convert-cf-to-llvm`: cf branches to llvm branches, cf.assert to a check that aborts.

`cf.br`/`cf.cond_br`/`cf.switch` become `llvm.br`/`llvm.cond_br`/`llvm.switch`
with converted operands; the argument types of each successor block are
converted on the way (its branch operands and its arguments must agree), as
upstream's `getConvertedBlock` does. `cf.assert %c, "msg"` splits its block:
the assertion branches on `%c` to the rest of the block, or to a block that
prints the message with `puts` (a private global string `@assert_msg`) and
calls `abort`.
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects import llvm as L
from mlir_py.dialects.llvm import LLVMArrayType, LLVMFunctionType, LLVMPointerType, LLVMVoidType
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder, lookup_or_create_function
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter, llvm_conversion_target

from mlir_py.ir.builtin_attributes import StringAttr
from mlir_py.ir.builtin_types import IntegerType, i8
from mlir_py.ir.operation import Block, Operation
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)


def converted_block(rw: ConversionPatternRewriter, block: Block) -> Block | None:
    """`block` with its argument types converted (done once, by its first converted predecessor)."""
    tc = rw.type_converter
    if tc.is_legal(block):
        return block
    conv = tc.convert_block_signature(block)
    if conv is None:
        return None
    rw.apply_signature_conversion(block, conv, tc)
    return block


def lower_br(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    dest = converted_block(rw, op.successors[0])
    if dest is None:
        return False
    rw.replace_op(op, L.BrOp(list(adaptor.operands), dest=dest))
    return True


def lower_cond_br(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    t, f = (converted_block(rw, s) for s in op.successors)
    if t is None or f is None:
        return False
    ops = adaptor.operands
    n_true = len(op.get_successor_operands(0))
    new = L.CondBrOp(ops[0], ops[1:1 + n_true], ops[1 + n_true:], trueDest=t, falseDest=f)
    if "branch_weights" in op.properties:
        new.properties["branch_weights"] = op.properties["branch_weights"]
    rw.replace_op(op, new)
    return True


def lower_switch(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    dests = [converted_block(rw, s) for s in op.successors]
    if any(d is None for d in dests):
        return False
    ops = adaptor.operands
    n_default = len(op.get_successor_operands(0))
    props = {k: v for k, v in op.properties.items() if k in ("case_values", "case_operand_segments")}
    new = L.SwitchOp(ops[0], ops[1:1 + n_default], ops[1 + n_default:], defaultDestination=dests[0],
                     caseDestinations=dests[1:])
    new.properties.update(props)
    rw.replace_op(op, new)
    return True


def _string_global(rw: Any, module: Operation, base: str, text: str) -> str:
    """A private constant global holding `text` NUL-terminated; returns its (unique) name."""
    data = text.encode() + b"\0"
    names = {o.properties["sym_name"].value for o in module.regions[0].blocks[0].ops
             if "sym_name" in o.properties}
    name, k = base, 0
    while name in names:
        name = f"{base}_{k}"
        k += 1
    g = L.GlobalOp.build(name, LLVMArrayType(len(data), i8), linkage="internal", constant=True,
                         value=StringAttr(data.decode("latin-1")))
    with rw.insertion_guard():
        rw.set_insertion_point_to_start(module.regions[0].blocks[0])
        rw.insert(g)
    return name


def lower_assert(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    module = op.parent_op
    while module is not None and module.name != "builtin.module":
        module = module.parent_op
    if module is None:
        return False
    block = op.parent
    cont = rw.split_block(block, op.next_op)
    fail = rw.create_block(block.parent, [])
    msg = op.properties["msg"].value
    ptr = LLVMPointerType(0)
    name = _string_global(rw, module, "assert_msg", msg)
    lookup_or_create_function(rw, module, "puts", LLVMFunctionType(IntegerType(32), (ptr,)))
    lookup_or_create_function(rw, module, "abort", LLVMFunctionType(LLVMVoidType(), ()))
    with rw.insertion_guard():
        rw.set_insertion_point_to_end(fail)
        b = LLVMBuilder(rw, op.location)
        addr = b.addressof(name)
        first = b.gep(addr, [0, 0], LLVMArrayType(len(msg.encode()) + 1, i8))
        b.call("puts", [first], [IntegerType(32)])
        b.call("abort", [])
        rw.insert(L.UnreachableOp())
    rw.set_insertion_point(op)
    rw.replace_op(op, L.CondBrOp(adaptor.operands[0], [], [], trueDest=cont, falseDest=fail))
    return True


def cf_to_llvm_patterns() -> list:
    return [FunctionConversionPattern(lower_br, "cf.br"), FunctionConversionPattern(lower_cond_br, "cf.cond_br"),
            FunctionConversionPattern(lower_switch, "cf.switch"),
            FunctionConversionPattern(lower_assert, "cf.assert")]


@register_pass
class ConvertControlFlowToLLVM(Pass):
    """Lower the cf dialect to llvm branches (see the module docstring)."""

    name = "convert-cf-to-llvm"
    summary = "Convert ControlFlow operations to the LLVM dialect"
    display_name = "ConvertControlFlowToLLVMPass"
    options = [Option("index-bitwidth", int, 0, "Bitwidth of the index type, 0 to use size of machine word")]

    def run_on_operation(self, op):
        target = llvm_conversion_target()
        target.add_illegal_dialect("cf")
        if not apply_partial_conversion(op, target, cf_to_llvm_patterns(), LLVMTypeConverter(self.index_bitwidth)):
            self.signal_failure()
