"""`convert-math-to-llvm`: math ops that LLVM has an intrinsic for.

`math.sqrt` -> `llvm.intr.sqrt`, `math.exp` -> `llvm.intr.exp`, ... with the
fast-math flags carried over; `expm1`, `log1p` and `rsqrt` are built from
exp/log/sqrt as upstream builds them; `ctlz`/`cttz` pass `false` for
"zero is poison", `absi` likewise. Functions without an LLVM intrinsic
(tanh, erf, atan, cbrt, ...) are not touched here: `convert-math-to-libm`
turns them into calls to the C library (`tanhf`, `erf`, ...), as upstream
splits the work. Scalars and 1-D vectors lower directly, n-D vectors are
unrolled.
"""

from __future__ import annotations

from mlir_py.dialects.llvm import LLVMArrayType
from mlir_py.passes.conversions.arith_to_llvm import build_elementwise, llvm_fastmath
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter, llvm_conversion_target

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import IntegerType, VectorType
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Pass, register_pass
from mlir_py.rewrite.conversion import (
    ConversionPatternRewriter,
    FunctionConversionPattern,
    OpAdaptor,
    apply_partial_conversion,
)

#: math op -> the llvm intrinsic op it becomes, one to one (fast-math flags carried)
INTRINSICS: dict[str, str] = {
    "math.absf": "llvm.intr.fabs", "math.ceil": "llvm.intr.ceil", "math.copysign": "llvm.intr.copysign",
    "math.cos": "llvm.intr.cos", "math.sin": "llvm.intr.sin", "math.exp": "llvm.intr.exp",
    "math.exp2": "llvm.intr.exp2", "math.floor": "llvm.intr.floor", "math.fma": "llvm.intr.fma",
    "math.log": "llvm.intr.log", "math.log10": "llvm.intr.log10", "math.log2": "llvm.intr.log2",
    "math.powf": "llvm.intr.pow", "math.round": "llvm.intr.round", "math.roundeven": "llvm.intr.roundeven",
    "math.sqrt": "llvm.intr.sqrt", "math.trunc": "llvm.intr.trunc",
}
#: integer intrinsics without fast-math flags
INT_INTRINSICS: dict[str, str] = {"math.ctpop": "llvm.intr.ctpop"}
#: integer intrinsics taking an extra `i1 false` ("zero / INT_MIN is poison": no)
POISON_FLAG_INTRINSICS: dict[str, tuple[str, str]] = {
    "math.ctlz": ("llvm.intr.ctlz", "is_zero_poison"), "math.cttz": ("llvm.intr.cttz", "is_zero_poison"),
    "math.absi": ("llvm.intr.abs", "is_int_min_poison"),
}


def _fm(op: Operation) -> dict[str, Attribute]:
    return {"fastmathFlags": llvm_fastmath(op.properties.get("fastmath"))}


def _intrinsic(src: str, dst: str, with_fastmath: bool) -> FunctionConversionPattern:
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        t = rw.type_converter.convert_type(op.results[0].type)
        if t is None:
            return False
        props = _fm(op) if with_fastmath else {}
        rw.replace_op(op, [build_elementwise(rw, dst, adaptor.operands, t, props)])
        return True
    lower.__name__ = f"lower_{src.split('.', 1)[1]}"
    return FunctionConversionPattern(lower, src)


def _poison_flag(src: str, dst: str, flag: str) -> FunctionConversionPattern:
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        t = rw.type_converter.convert_type(op.results[0].type)
        if t is None:
            return False
        rw.replace_op(op, [build_elementwise(rw, dst, adaptor.operands, t,
                                             {flag: IntegerAttr(0, IntegerType(1))})])
        return True
    lower.__name__ = f"lower_{src.split('.', 1)[1]}"
    return FunctionConversionPattern(lower, src)


def _one_like(b: LLVMBuilder, t: Attribute) -> Value:
    """1.0 of the (1-D vector or scalar) float type `t`."""
    if isinstance(t, VectorType):
        return b.constant(DenseElementsAttr(1.0, t), t)
    return b.constant(FloatAttr(1.0, t), t)


def _composite(name: str, build) -> FunctionConversionPattern:
    """A math op built from a few llvm ops on each scalar / 1-D vector part."""
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        t = rw.type_converter.convert_type(op.results[0].type)
        if t is None:
            return False
        b = LLVMBuilder(rw)
        fm = _fm(op)

        def one(v: Value, ty: Attribute) -> Value:
            if isinstance(ty, LLVMArrayType):
                acc = b.poison(ty)
                for i in range(ty.num_elements):
                    acc = b.insertvalue(acc, one(b.extractvalue(v, [i]), ty.element_type), [i])
                return acc
            return build(b, v, ty, fm)
        rw.replace_op(op, [one(adaptor.operands[0], t)])
        return True
    lower.__name__ = f"lower_{name}"
    return FunctionConversionPattern(lower, f"math.{name}")


def _expm1(b: LLVMBuilder, x: Value, t: Attribute, fm: dict) -> Value:
    one = _one_like(b, t)
    return b.op("llvm.fsub", [b.op("llvm.intr.exp", [x], t, fm), one], t, fm)


def _log1p(b: LLVMBuilder, x: Value, t: Attribute, fm: dict) -> Value:
    one = _one_like(b, t)
    return b.op("llvm.intr.log", [b.op("llvm.fadd", [one, x], t, fm)], t, fm)


def _rsqrt(b: LLVMBuilder, x: Value, t: Attribute, fm: dict) -> Value:
    one = _one_like(b, t)
    return b.op("llvm.fdiv", [one, b.op("llvm.intr.sqrt", [x], t, fm)], t, fm)


def math_to_llvm_patterns() -> list:
    """The patterns of this pass."""
    pats = [_intrinsic(s, d, True) for s, d in INTRINSICS.items()]
    pats += [_intrinsic(s, d, False) for s, d in INT_INTRINSICS.items()]
    pats += [_poison_flag(s, d, f) for s, (d, f) in POISON_FLAG_INTRINSICS.items()]
    pats += [_composite("expm1", _expm1), _composite("log1p", _log1p), _composite("rsqrt", _rsqrt)]
    return pats


#: the math ops this pass lowers; the others are left for convert-math-to-libm
HANDLED = set(INTRINSICS) | set(INT_INTRINSICS) | set(POISON_FLAG_INTRINSICS) | {
    "math.expm1", "math.log1p", "math.rsqrt"}


@register_pass
class ConvertMathToLLVM(Pass):
    """Lower the math ops LLVM has intrinsics for (see the module docstring)."""

    name = "convert-math-to-llvm"
    summary = "Convert Math dialect to LLVM dialect"
    display_name = "ConvertMathToLLVMPass"

    def run_on_operation(self, op):
        target = llvm_conversion_target()
        target.add_illegal_op(*sorted(HANDLED))
        if not apply_partial_conversion(op, target, math_to_llvm_patterns(), LLVMTypeConverter()):
            self.signal_failure()
