"""Arithmetic, comparison, select and cast ops of the llvm dialect: one op per LLVM IR instruction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.llvm.attributes import (
    FASTMATH_NONE,
    OVERFLOW_NONE,
    FastmathC,
    FCmpPredicate,
    ICmpPredicate,
    parse_overflow_flags,
    print_overflow_flags,
)
from mlir_py.dialects.llvm.constraints import AnyLLVMType, FloatLikeC, I1Like, IntLike, PtrLike
from mlir_py.dialects.llvm.types import LLVMPointerType

from mlir_py.builtin.constraints import IntAttrOf, UnitAttrC
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result
from mlir_py.definition.traits import Commutative, Pure, SameOperandsAndResultType
from mlir_py.ir.builtin_types import IntegerType, VectorType, i1

if TYPE_CHECKING:
    from mlir_py.text.printer import Printer

OverflowFlagsC = IntAttrOf(32, "LLVM integer overflow flags")


class _OverflowDirective:
    """`custom<OverflowFlags>($overflowFlags)`: `overflow<nsw, nuw>`, elided when none."""

    @classmethod
    def parse_OverflowFlags(cls, parser):  # noqa: N802 (directive name)
        return parse_overflow_flags(parser)

    def print_OverflowFlags(self, printer: Printer, flags) -> None:  # noqa: N802
        print_overflow_flags(printer, flags)


class _IntBin(Op):
    traits = [Pure, SameOperandsAndResultType]
    lhs = operand(IntLike)
    rhs = operand(IntLike)
    res = result(IntLike)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($res)"


class _IntBinOverflow(_OverflowDirective, _IntBin):
    overflowFlags = prop(OverflowFlagsC, default=OVERFLOW_NONE)
    assembly_format = "$lhs `,` $rhs `` custom<OverflowFlags>($overflowFlags) attr-dict `:` type($res)"


class _IntBinExact(_IntBin):
    isExact = opt_prop(UnitAttrC)
    assembly_format = "(`exact` $isExact^)? $lhs `,` $rhs attr-dict `:` type($res)"


def _doc(op_name: str, what: str, example: str) -> str:
    return f"{what}\n\n    ```mlir\n    {example}\n    ```\n    "


def _int_op(cls_name: str, mnemonic: str, base: type, what: str, commutative: bool = False) -> type:
    extra = " overflow<nsw>" if base is _IntBinOverflow else ""
    ex = f"%r = llvm.{mnemonic} %a, %b{extra} : i32"
    traits = [Pure, SameOperandsAndResultType] + ([Commutative] if commutative else [])
    return type(cls_name, (base,), {"__doc__": _doc(mnemonic, what, ex), "name": f"llvm.{mnemonic}",
                                    "traits": traits, "__module__": __name__})


AddOp = _int_op("AddOp", "add", _IntBinOverflow, "Integer addition (LLVM `add`), wrapping unless flagged.", True)
SubOp = _int_op("SubOp", "sub", _IntBinOverflow, "Integer subtraction (LLVM `sub`).")
MulOp = _int_op("MulOp", "mul", _IntBinOverflow, "Integer multiplication (LLVM `mul`).", True)
ShlOp = _int_op("ShlOp", "shl", _IntBinOverflow, "Shift left (LLVM `shl`); poison when the shift is too wide.")
UDivOp = _int_op("UDivOp", "udiv", _IntBinExact, "Unsigned division (LLVM `udiv`); undefined for a zero divisor.")
SDivOp = _int_op("SDivOp", "sdiv", _IntBinExact, "Signed division (LLVM `sdiv`), rounding toward zero.")
LShrOp = _int_op("LShrOp", "lshr", _IntBinExact, "Logical shift right (LLVM `lshr`).")
AShrOp = _int_op("AShrOp", "ashr", _IntBinExact, "Arithmetic shift right (LLVM `ashr`).")
URemOp = _int_op("URemOp", "urem", _IntBin, "Unsigned remainder (LLVM `urem`).")
SRemOp = _int_op("SRemOp", "srem", _IntBin, "Signed remainder (LLVM `srem`), with the sign of the dividend.")
AndOp = _int_op("AndOp", "and", _IntBin, "Bitwise and (LLVM `and`).", True)
XOrOp = _int_op("XOrOp", "xor", _IntBin, "Bitwise exclusive or (LLVM `xor`).", True)


class OrOp(_IntBin):
    """Bitwise or (LLVM `or`); `disjoint` promises no bit is set in both operands.

    ```mlir
    %r = llvm.or disjoint %a, %b : i32
    ```
    """

    name = "llvm.or"
    traits = [Pure, SameOperandsAndResultType, Commutative]
    isDisjoint = opt_prop(UnitAttrC)
    assembly_format = "(`disjoint` $isDisjoint^)? $lhs `,` $rhs attr-dict `:` type($res)"


class _FloatBin(Op):
    traits = [Pure, SameOperandsAndResultType]
    lhs = operand(FloatLikeC)
    rhs = operand(FloatLikeC)
    fastmathFlags = prop(FastmathC, default=FASTMATH_NONE)
    res = result(FloatLikeC)
    assembly_format = "$lhs `,` $rhs (`fastmath` `` $fastmathFlags^)? attr-dict `:` type($res)"


def _float_op(cls_name: str, mnemonic: str, what: str, commutative: bool = False) -> type:
    ex = f"%r = llvm.{mnemonic} %a, %b fastmath<nnan, ninf> : f32"
    traits = [Pure, SameOperandsAndResultType] + ([Commutative] if commutative else [])
    return type(cls_name, (_FloatBin,), {"__doc__": _doc(mnemonic, what, ex), "name": f"llvm.{mnemonic}",
                                         "traits": traits, "__module__": __name__})


FAddOp = _float_op("FAddOp", "fadd", "Floating-point addition (LLVM `fadd`).", True)
FSubOp = _float_op("FSubOp", "fsub", "Floating-point subtraction (LLVM `fsub`).")
FMulOp = _float_op("FMulOp", "fmul", "Floating-point multiplication (LLVM `fmul`).", True)
FDivOp = _float_op("FDivOp", "fdiv", "Floating-point division (LLVM `fdiv`).")
FRemOp = _float_op("FRemOp", "frem", "Floating-point remainder (LLVM `frem`, as C's fmod).")


class FNegOp(Op):
    """Floating-point negation (LLVM `fneg`): flips the sign bit, NaNs included.

    ```mlir
    %r = llvm.fneg %a fastmath<nnan> : f32
    ```
    """

    name = "llvm.fneg"
    traits = [Pure, SameOperandsAndResultType]
    operand_ = operand(FloatLikeC)
    fastmathFlags = prop(FastmathC, default=FASTMATH_NONE)
    res = result(FloatLikeC)
    assembly_format = "$operand_ (`fastmath` `` $fastmathFlags^)? attr-dict `:` type($res)"


def _i1_like(t):
    if isinstance(t, VectorType):
        return VectorType(t.shape, i1, t.scalable_dims)
    return i1


class ICmpOp(Op):
    """Integer or pointer comparison (LLVM `icmp`); the predicate prints as a string.

    ```mlir
    %c = llvm.icmp "slt" %a, %b : i32
    ```
    """

    name = "llvm.icmp"
    traits = [Pure]
    predicate = prop(ICmpPredicate)
    lhs = operand(AnyLLVMType)
    rhs = operand(AnyLLVMType)
    res = result(I1Like)

    @classmethod
    def parse(cls, parser):
        return _parse_cmp(cls, parser, ICmpPredicate, fastmath=False)

    def print(self, printer: Printer) -> None:
        _print_cmp(self, printer, ICmpPredicate)

    @classmethod
    def infer_result_types(cls, operands, props):
        return [_i1_like(operands[0].type)]

    def verify_(self) -> str | None:
        if self.lhs.type is not self.rhs.type:
            return "failed to verify that all of {lhs, rhs} have same type"
        t = self.lhs.type
        e = t.element_type if isinstance(t, VectorType) else t
        if not isinstance(e, (IntegerType, LLVMPointerType)):
            return "operand #0 must be integer, LLVM pointer type or a vector of them, but got " + f"'{t}'"
        if self.res.type is not _i1_like(t):
            return "result type must be i1 (or a vector of i1) of the operands' shape"
        return None


class FCmpOp(Op):
    """Floating-point comparison (LLVM `fcmp`), ordered (`o..`) or unordered (`u..`).

    ```mlir
    %c = llvm.fcmp "olt" %a, %b fastmath<nnan> : f32
    ```
    """

    name = "llvm.fcmp"
    traits = [Pure]
    predicate = prop(FCmpPredicate)
    lhs = operand(FloatLikeC)
    rhs = operand(FloatLikeC)
    fastmathFlags = prop(FastmathC, default=FASTMATH_NONE)
    res = result(I1Like)

    @classmethod
    def parse(cls, parser):
        return _parse_cmp(cls, parser, FCmpPredicate, fastmath=True)

    def print(self, printer: Printer) -> None:
        _print_cmp(self, printer, FCmpPredicate)

    @classmethod
    def infer_result_types(cls, operands, props):
        return [_i1_like(operands[0].type)]

    def verify_(self) -> str | None:
        if self.lhs.type is not self.rhs.type:
            return "failed to verify that all of {lhs, rhs} have same type"
        if self.res.type is not _i1_like(self.lhs.type):
            return "result type must be i1 (or a vector of i1) of the operands' shape"
        return None


def _parse_cmp(cls, parser, enum, *, fastmath: bool):
    pos = parser.skip_ws()
    s = parser.parse_string("predicate string")
    if s not in enum.cases:
        raise parser.error(f"'{s}' is an incorrect value of the 'predicate' attribute", pos)
    a = parser.parse_operand()
    parser.expect(",")
    b = parser.parse_operand()
    props = {"predicate": enum.attr(s)}
    if fastmath:
        props["fastmathFlags"] = FASTMATH_NONE
        if parser.parse_optional_keyword("fastmath"):
            from mlir_py.dialects.llvm.attributes import FastmathFlagsAttr
            props["fastmathFlags"] = FastmathFlagsAttr.parse_parameters(parser)
    attrs = parser.parse_optional_attr_dict()
    for k in list(attrs):
        if k in cls.definition.props:
            props[k] = attrs.pop(k)
    t = parser.parse_colon_type()
    ops = [parser.resolve_operand(a, t), parser.resolve_operand(b, t)]
    return cls.create(ops, [_i1_like(t)], props, attrs)


def _print_cmp(op, printer: Printer, enum) -> None:
    printer.write(f' "{enum.name_of(op.properties["predicate"])}" ')
    printer.print_operands([op.lhs, op.rhs])
    fm = op.properties.get("fastmathFlags")
    if fm is not None and fm.value:
        printer.write(" fastmath")
        fm.print_parameters(printer)
    printer.print_optional_attr_dict(op.attributes)
    printer.write(" : ")
    printer.print_type(op.lhs.type)


class SelectOp(Op):
    """Picks `trueValue` where `condition` is set, else `falseValue` (LLVM `select`), elementwise for vectors.

    ```mlir
    %r = llvm.select %c, %a, %b : i1, i32
    ```
    """

    name = "llvm.select"
    traits = [Pure]
    condition = operand(I1Like)
    trueValue = operand(AnyLLVMType)
    falseValue = operand(AnyLLVMType)
    fastmathFlags = prop(FastmathC, default=FASTMATH_NONE)
    res = result(AnyLLVMType)
    assembly_format = ("operands (`fastmath` `` $fastmathFlags^)? attr-dict `:` type($condition) `,` "
                       "type($res)")

    @classmethod
    def infer_operand_types(cls, name, env):
        return env["t_res"]

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[1].type]

    def verify_(self) -> str | None:
        if not (self.trueValue.type is self.falseValue.type is self.res.type):
            return "failed to verify that all of {trueValue, falseValue, res} have same type"
        return None


class _Cast(Op):
    traits = [Pure]
    arg = operand(AnyLLVMType)
    res = result(AnyLLVMType)
    assembly_format = "$arg attr-dict `:` type($arg) `to` type($res)"


def _cast(cls_name: str, mnemonic: str, what: str, src, dst, ex: str, base: type = _Cast, **extra) -> type:
    ns = {"__doc__": _doc(mnemonic, what, f"%r = llvm.{mnemonic} {ex}"), "name": f"llvm.{mnemonic}",
          "arg": operand(src), "res": result(dst), "__module__": __name__}
    ns.update(extra)
    return type(cls_name, (base,), ns)


class _CastOverflow(_OverflowDirective, _Cast):
    overflowFlags = prop(OverflowFlagsC, default=OVERFLOW_NONE)
    assembly_format = "$arg `` custom<OverflowFlags>($overflowFlags) attr-dict `:` type($arg) `to` type($res)"


class _CastNNeg(_Cast):
    nonNeg = opt_prop(UnitAttrC)
    assembly_format = "(`nneg` $nonNeg^)? $arg attr-dict `:` type($arg) `to` type($res)"


TruncOp = _cast("TruncOp", "trunc", "Integer truncation to a narrower type.", IntLike, IntLike,
                "%a : i64 to i32", _CastOverflow)
ZExtOp = _cast("ZExtOp", "zext", "Zero extension; `nneg` promises the operand is non-negative.", IntLike, IntLike,
               "%a : i32 to i64", _CastNNeg)
SExtOp = _cast("SExtOp", "sext", "Sign extension to a wider integer type.", IntLike, IntLike, "%a : i32 to i64")
FPTruncOp = _cast("FPTruncOp", "fptrunc", "Floating-point truncation to a narrower type.", FloatLikeC, FloatLikeC,
                  "%a : f64 to f32")
FPExtOp = _cast("FPExtOp", "fpext", "Floating-point extension to a wider type.", FloatLikeC, FloatLikeC,
                "%a : f32 to f64")
FPToSIOp = _cast("FPToSIOp", "fptosi", "Float to signed integer, rounding toward zero.", FloatLikeC, IntLike,
                 "%a : f32 to i32")
FPToUIOp = _cast("FPToUIOp", "fptoui", "Float to unsigned integer, rounding toward zero.", FloatLikeC, IntLike,
                 "%a : f32 to i32")
SIToFPOp = _cast("SIToFPOp", "sitofp", "Signed integer to float.", IntLike, FloatLikeC, "%a : i32 to f32")
UIToFPOp = _cast("UIToFPOp", "uitofp", "Unsigned integer to float; `nneg` promises a non-negative operand.",
                 IntLike, FloatLikeC, "%a : i32 to f32", _CastNNeg)
BitcastOp = _cast("BitcastOp", "bitcast", "Reinterprets the bits as another type of the same size.",
                  AnyLLVMType, AnyLLVMType, "%a : f32 to i32")
PtrToIntOp = _cast("PtrToIntOp", "ptrtoint", "Pointer to integer (its address).", PtrLike, IntLike,
                   "%p : !llvm.ptr to i64")
IntToPtrOp = _cast("IntToPtrOp", "inttoptr", "Integer to pointer.", IntLike, PtrLike, "%a : i64 to !llvm.ptr")
AddrSpaceCastOp = _cast("AddrSpaceCastOp", "addrspacecast", "Pointer from one address space to another.",
                        PtrLike, PtrLike, "%p : !llvm.ptr to !llvm.ptr<1>")

OPS = [AddOp, SubOp, MulOp, ShlOp, UDivOp, SDivOp, LShrOp, AShrOp, URemOp, SRemOp, AndOp, OrOp, XOrOp,
       FAddOp, FSubOp, FMulOp, FDivOp, FRemOp, FNegOp, ICmpOp, FCmpOp, SelectOp,
       TruncOp, ZExtOp, SExtOp, FPTruncOp, FPExtOp, FPToSIOp, FPToUIOp, SIToFPOp, UIToFPOp, BitcastOp,
       PtrToIntOp, IntToPtrOp, AddrSpaceCastOp]
