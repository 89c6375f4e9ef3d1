"""`convert-arith-to-llvm`: arith ops to their llvm dialect counterparts.

Most ops map one to one (`arith.addi` -> `llvm.add`, flags carried over:
overflow flags as they are, fast-math flags renamed into LLVM's);
comparisons keep their predicate numbers; min/max become the `llvm.intr.*`
intrinsics; `index_cast` becomes sext/zext/trunc or nothing; the extended
multiplications widen, multiply and split. `ceildivsi`, `ceildivui` and
`floordivsi` have no LLVM instruction: they are first expanded into arith
ops (upstream's arith-expand patterns, which this pass also runs) that are
then lowered. Scalars and 1-D vectors lower directly; n-D vectors (arrays
of 1-D vectors after conversion) are unrolled over the array.

Unlike upstream, arith ops that cannot be converted (tensors, n-D scalable
vectors) make the pass fail with `failed to legalize operation`, so a
pipeline does not silently leave them behind.
"""

from __future__ import annotations

from typing import Any, Callable

from mlir_py.dialects import arith
from mlir_py.dialects import llvm as L
from mlir_py.dialects.llvm import LLVMArrayType
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter, llvm_conversion_target

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import DenseElementsAttr, IntegerAttr
from mlir_py.ir.builtin_types import IndexType, IntegerType, VectorType
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)

# ---------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------


def llvm_fastmath(flags: Attribute | None) -> Attribute:
    """`#arith.fastmath<...>` as `#llvm.fastmath<...>` (the two enums number the flags differently)."""
    if flags is None or not flags.value:
        return L.FastmathFlagsAttr(0)
    names = [n for n in flags.case_names if n not in ("none", "fast")]
    if flags.value == 127:
        names = ["fast"]
    return L.FastmathFlagsAttr.get(*names)


def llvm_overflow(flags: Attribute | None) -> Attribute:
    """`#arith.overflow<nsw, nuw>` as the llvm ops' `overflowFlags` (same bit values)."""
    return IntegerAttr(flags.value if flags is not None else 0, IntegerType(32))


def _props(op: Operation, kind: str) -> dict[str, Attribute]:
    if kind == "fastmath":
        return {"fastmathFlags": llvm_fastmath(op.properties.get("fastmath"))}
    if kind == "overflow":
        return {"overflowFlags": llvm_overflow(op.properties.get("overflowFlags"))}
    if kind == "exact" and "isExact" in op.properties:
        return {"isExact": op.properties["isExact"]}
    return {}


# ---------------------------------------------------------------------------
# One-to-one ops (scalars and 1-D vectors; n-D vectors unrolled)
# ---------------------------------------------------------------------------

#: arith op -> (llvm op, which properties carry over)
ONE_TO_ONE: dict[str, tuple[str, str]] = {
    "arith.addi": ("llvm.add", "overflow"), "arith.subi": ("llvm.sub", "overflow"),
    "arith.muli": ("llvm.mul", "overflow"), "arith.shli": ("llvm.shl", "overflow"),
    "arith.divsi": ("llvm.sdiv", "exact"), "arith.divui": ("llvm.udiv", "exact"),
    "arith.remsi": ("llvm.srem", ""), "arith.remui": ("llvm.urem", ""),
    "arith.andi": ("llvm.and", ""), "arith.ori": ("llvm.or", ""), "arith.xori": ("llvm.xor", ""),
    "arith.shrsi": ("llvm.ashr", "exact"), "arith.shrui": ("llvm.lshr", "exact"),
    "arith.maxsi": ("llvm.intr.smax", ""), "arith.maxui": ("llvm.intr.umax", ""),
    "arith.minsi": ("llvm.intr.smin", ""), "arith.minui": ("llvm.intr.umin", ""),
    "arith.addf": ("llvm.fadd", "fastmath"), "arith.subf": ("llvm.fsub", "fastmath"),
    "arith.mulf": ("llvm.fmul", "fastmath"), "arith.divf": ("llvm.fdiv", "fastmath"),
    "arith.remf": ("llvm.frem", "fastmath"), "arith.negf": ("llvm.fneg", "fastmath"),
    "arith.maximumf": ("llvm.intr.maximum", "fastmath"), "arith.minimumf": ("llvm.intr.minimum", "fastmath"),
    "arith.maxnumf": ("llvm.intr.maxnum", "fastmath"), "arith.minnumf": ("llvm.intr.minnum", "fastmath"),
    "arith.extsi": ("llvm.sext", ""), "arith.extui": ("llvm.zext", ""),
    "arith.trunci": ("llvm.trunc", "overflow"), "arith.extf": ("llvm.fpext", ""),
    "arith.sitofp": ("llvm.sitofp", ""), "arith.uitofp": ("llvm.uitofp", ""),
    "arith.fptosi": ("llvm.fptosi", ""), "arith.fptoui": ("llvm.fptoui", ""),
    "arith.bitcast": ("llvm.bitcast", ""), "arith.select": ("llvm.select", ""),
}


def build_elementwise(rw: Any, op_name: str, operands: list[Value], result_type: Attribute,
                      props: dict[str, Attribute]) -> Value:
    """`op_name` on operands of scalar / 1-D vector type, or unrolled over the
    arrays an n-D vector converts to (upstream's handleMultidimensionalVectors).
    Operands that are not arrays (a select's i1 condition) are used as they are."""
    b = LLVMBuilder(rw)
    if not isinstance(result_type, LLVMArrayType):
        return b.op(op_name, operands, result_type, props)
    acc = b.poison(result_type)
    for i in range(result_type.num_elements):
        parts = [b.extractvalue(v, [i]) if isinstance(v.type, LLVMArrayType) else v for v in operands]
        acc = b.insertvalue(acc, build_elementwise(rw, op_name, parts, result_type.element_type, props), [i])
    return acc


def _one_to_one(src: str, dst: str, kind: str) -> FunctionConversionPattern:
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        t = rw.type_converter.convert_type(op.results[0].type)
        if t is None:
            return False
        operands = adaptor.operands
        if src == "arith.bitcast" and operands[0].type == t:
            rw.replace_op(op, [operands[0]])  # IdentityBitcastLowering
            return True
        props = _props(op, kind)
        if dst == "llvm.select":
            props = {}
        rw.replace_op(op, [build_elementwise(rw, dst, operands, t, props)])
        return True
    lower.__name__ = f"lower_{src.split('.', 1)[1]}"
    return FunctionConversionPattern(lower, src)


# ---------------------------------------------------------------------------
# Ops with their own lowering
# ---------------------------------------------------------------------------


def _retype_index(attr: Attribute, t: Attribute) -> Attribute:
    """An index-typed attribute retyped to the converted integer (vector) type: the llvm verifier
    wants `llvm.mlir.constant(3 : i64) : i64`, not `(3 : index) : i64`."""
    if isinstance(attr, DenseElementsAttr) and attr.type != t and isinstance(t, VectorType):
        return DenseElementsAttr(attr.array, t)
    if isinstance(attr, IntegerAttr) and isinstance(attr.type, IndexType) and isinstance(t, IntegerType):
        return IntegerAttr(attr.value, t)
    return attr


def lower_constant(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """`llvm.mlir.constant` with the same value (index ones retyped to the index width)."""
    t = rw.type_converter.convert_type(op.results[0].type)
    if t is None:
        return False
    value = op.properties["value"]
    if isinstance(t, LLVMArrayType):  # an n-D vector: an array of 1-D vector constants
        if not isinstance(value, DenseElementsAttr):
            return False
        rw.replace_op(op, [_array_constant(LLVMBuilder(rw), value.array, t)])
        return True
    rw.replace_op(op, [LLVMBuilder(rw).constant(_retype_index(value, t), t)])
    return True


def _array_constant(b: LLVMBuilder, array, t: Attribute) -> Value:
    """`array` (numpy, leading dims = the array nest) as poison + insertvalue of 1-D constants."""
    if not isinstance(t, LLVMArrayType):
        return b.constant(DenseElementsAttr(array, t), t)
    acc = b.poison(t)
    for i in range(t.num_elements):
        acc = b.insertvalue(acc, _array_constant(b, array[i], t.element_type), [i])
    return acc


def lower_cmpi(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    t = rw.type_converter.convert_type(op.results[0].type)
    if t is None:
        return False
    pred = IntegerAttr(op.properties["predicate"].value, IntegerType(64))
    rw.replace_op(op, [build_elementwise(rw, "llvm.icmp", adaptor.operands, t, {"predicate": pred})])
    return True


def lower_cmpf(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    t = rw.type_converter.convert_type(op.results[0].type)
    if t is None:
        return False
    pred = IntegerAttr(op.properties["predicate"].value, IntegerType(64))
    props = {"predicate": pred, "fastmathFlags": llvm_fastmath(op.properties.get("fastmath"))}
    rw.replace_op(op, [build_elementwise(rw, "llvm.fcmp", adaptor.operands, t, props)])
    return True


def lower_truncf(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    t = rw.type_converter.convert_type(op.results[0].type)
    if t is None or op.properties.get("roundingmode") is not None:
        return False  # a rounding mode needs the constrained intrinsic
    rw.replace_op(op, [build_elementwise(rw, "llvm.fptrunc", adaptor.operands, t, {})])
    return True


def _int_width(t: Attribute) -> int:
    return (t.element_type if isinstance(t, VectorType) else t).width


def _lower_index_cast(ext: str) -> Callable:
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        t = rw.type_converter.convert_type(op.results[0].type)
        if t is None or isinstance(t, LLVMArrayType):
            return False
        src = adaptor.operands[0]
        sw, tw = _int_width(src.type), _int_width(t)
        if sw == tw:
            rw.replace_op(op, [src])
        elif tw < sw:
            rw.replace_op(op, [LLVMBuilder(rw).op("llvm.trunc", [src], t, {"overflowFlags": llvm_overflow(None)})])
        else:
            rw.replace_op(op, [LLVMBuilder(rw).op(ext, [src], t)])
        return True
    lower.__name__ = "lower_index_cast" if ext == "llvm.sext" else "lower_index_castui"
    return lower


def lower_addui_extended(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """sum = a + b (wrapping); the carry is `sum < a` unsigned (upstream uses
    `llvm.intr.uadd.with.overflow`, which computes the same pair)."""
    tc = rw.type_converter
    st, ot = tc.convert_type(op.results[0].type), tc.convert_type(op.results[1].type)
    if st is None or ot is None:
        return False
    lhs, rhs = adaptor.operands
    total = build_elementwise(rw, "llvm.add", [lhs, rhs], st, {"overflowFlags": llvm_overflow(None)})
    carry = build_elementwise(rw, "llvm.icmp", [total, lhs], ot, {"predicate": IntegerAttr(6, IntegerType(64))})
    rw.replace_op(op, [total, carry])
    return True


def _lower_mul_extended(signed: bool) -> Callable:
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        t = rw.type_converter.convert_type(op.results[0].type)
        if t is None or isinstance(t, LLVMArrayType):
            return False
        w = _int_width(t)
        wide_el = IntegerType(2 * w)
        wide = VectorType(list(t.shape), wide_el) if isinstance(t, VectorType) else wide_el
        b = LLVMBuilder(rw)
        ext = "llvm.sext" if signed else "llvm.zext"
        lhs, rhs = (b.op(ext, [v], wide) for v in adaptor.operands)
        prod = b.op("llvm.mul", [lhs, rhs], wide, {"overflowFlags": llvm_overflow(None)})
        low = b.op("llvm.trunc", [prod], t, {"overflowFlags": llvm_overflow(None)})
        shift_attr: Attribute = IntegerAttr(w, wide_el)
        if isinstance(wide, VectorType):
            shift_attr = DenseElementsAttr(w, wide)
        shift = b.constant(shift_attr, wide)
        high = b.op("llvm.trunc", [b.op("llvm.lshr", [prod, shift], wide)], t,
                    {"overflowFlags": llvm_overflow(None)})
        rw.replace_op(op, [low, high])
        return True
    lower.__name__ = "lower_mulsi_extended" if signed else "lower_mului_extended"
    return lower


# ---------------------------------------------------------------------------
# Expansions into arith ops (upstream's populateCeilFloorDivExpandOpsPatterns)
# ---------------------------------------------------------------------------


def _const_like(rw: Any, v: int, t: Attribute) -> Value:
    if isinstance(t, VectorType):
        attr = DenseElementsAttr(v, t)
        return rw.create(arith.ConstantOp, attr).results[0]
    return rw.create(arith.ConstantOp, IntegerAttr(v, t)).results[0]


def expand_ceildivsi(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """ceil(a / b) = q + 1 when the remainder is non-zero and has b's sign, else q."""
    return _expand_signed_div(op, adaptor, rw, ceil=True)


def expand_floordivsi(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """floor(a / b) = q - 1 when the remainder is non-zero and its sign differs from b's, else q."""
    return _expand_signed_div(op, adaptor, rw, ceil=False)


def _expand_signed_div(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter, *, ceil: bool) -> bool:
    t = rw.type_converter.convert_type(op.results[0].type)
    if t is None or isinstance(t, LLVMArrayType):
        return False
    a, b = adaptor.operands
    zero, one = _const_like(rw, 0, t), _const_like(rw, 1, t)
    q = rw.create(arith.DivSIOp, a, b).results[0]
    r = rw.create(arith.RemSIOp, a, b).results[0]
    r_nz = rw.create(arith.CmpIOp, "ne", r, zero).results[0]
    r_neg = rw.create(arith.CmpIOp, "slt", r, zero).results[0]
    b_neg = rw.create(arith.CmpIOp, "slt", b, zero).results[0]
    same = rw.create(arith.CmpIOp, "eq" if ceil else "ne", r_neg, b_neg).results[0]
    adjust = rw.create(arith.AndIOp, r_nz, same).results[0]
    moved = rw.create(arith.AddIOp if ceil else arith.SubIOp, q, one).results[0]
    rw.replace_op(op, [rw.create(arith.SelectOp, adjust, moved, q).results[0]])
    return True


def expand_ceildivui(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    """ceil(a / b) = a == 0 ? 0 : (a - 1) / b + 1 (unsigned, no overflow)."""
    t = rw.type_converter.convert_type(op.results[0].type)
    if t is None or isinstance(t, LLVMArrayType):
        return False
    a, b = adaptor.operands
    zero, one = _const_like(rw, 0, t), _const_like(rw, 1, t)
    is_zero = rw.create(arith.CmpIOp, "eq", a, zero).results[0]
    minus = rw.create(arith.SubIOp, a, one).results[0]
    q = rw.create(arith.DivUIOp, minus, b).results[0]
    plus = rw.create(arith.AddIOp, q, one).results[0]
    rw.replace_op(op, [rw.create(arith.SelectOp, is_zero, zero, plus).results[0]])
    return True


def arith_to_llvm_patterns() -> list:
    """The patterns of this pass, for pipelines that convert several dialects at once."""
    pats = [_one_to_one(src, dst, kind) for src, (dst, kind) in ONE_TO_ONE.items()]
    pats += [
        FunctionConversionPattern(lower_constant, "arith.constant"),
        FunctionConversionPattern(lower_cmpi, "arith.cmpi"),
        FunctionConversionPattern(lower_cmpf, "arith.cmpf"),
        FunctionConversionPattern(lower_truncf, "arith.truncf"),
        FunctionConversionPattern(_lower_index_cast("llvm.sext"), "arith.index_cast"),
        FunctionConversionPattern(_lower_index_cast("llvm.zext"), "arith.index_castui"),
        FunctionConversionPattern(lower_addui_extended, "arith.addui_extended"),
        FunctionConversionPattern(_lower_mul_extended(True), "arith.mulsi_extended"),
        FunctionConversionPattern(_lower_mul_extended(False), "arith.mului_extended"),
        FunctionConversionPattern(expand_ceildivsi, "arith.ceildivsi"),
        FunctionConversionPattern(expand_ceildivui, "arith.ceildivui"),
        FunctionConversionPattern(expand_floordivsi, "arith.floordivsi"),
    ]
    return pats


@register_pass
class ConvertArithToLLVM(Pass):
    """Lower the arith dialect to the llvm dialect (see the module docstring)."""

    name = "convert-arith-to-llvm"
    summary = "Convert Arith dialect to LLVM dialect"
    display_name = "ArithToLLVMConversionPass"
    options = [Option("index-bitwidth", int, 0, "Bitwidth of the index type, 0 to use size of machine word")]

    def run_on_operation(self, op):
        tc = LLVMTypeConverter(self.index_bitwidth)
        target = llvm_conversion_target()
        target.add_illegal_dialect("arith")
        if not apply_partial_conversion(op, target, arith_to_llvm_patterns(), tc):
            self.signal_failure()
