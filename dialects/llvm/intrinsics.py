"""The `llvm.intr.*` ops: LLVM intrinsics with ops of their own (LLVMIntrinsicOps.td).

Each op maps to one intrinsic, overloaded on the types `INTRINSIC_OVERLOADS`
names (the translation mangles `llvm.fabs.f32`, `llvm.memcpy.p0.p0.i64`
from them). Math intrinsics carry fastmath flags; those upstream gives no
custom syntax print in generic form, as upstream prints them.
"""

from __future__ import annotations

from mlir_py.dialects.llvm.attributes import FASTMATH_NONE, FastmathC
from mlir_py.dialects.llvm.constraints import AnyInt, AnyPtr, FloatLikeC, I1Like, IntLike

from mlir_py.builtin.constraints import BoolAttrC, I32Attr, I64Attr
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result, var_operand
from mlir_py.definition.traits import MemoryEffects, Pure, Read, SameOperandsAndResultType, Write
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import i32

EMPTY_I32_ARRAY = DenseArrayAttr(i32, ())
_FN = "`(` operands `)` attr-dict `:` functional-type(operands, results)"
_FN_FM = "`(` operands `)` (`fastmath` `` $fastmathFlags^)? attr-dict `:` functional-type(operands, results)"

#: for each intrinsic op, which types overload it: "res" the result, an int an operand index
INTRINSIC_OVERLOADS: dict[str, tuple] = {}


def _doc(name: str, what: str, example: str) -> str:
    return f"{what}\n\n    ```mlir\n    {example}\n    ```\n    "


def _make(cls_name: str, mnemonic: str, what: str, example: str, fields: dict, traits: list,
          fmt: str | None, overloads: tuple = ("res",)) -> type:
    ns = dict(fields)
    ns.update({"__doc__": _doc(mnemonic, what, example), "name": f"llvm.intr.{mnemonic}", "traits": traits,
               "assembly_format": fmt, "__module__": __name__})
    INTRINSIC_OVERLOADS[f"llvm.intr.{mnemonic}"] = overloads
    return type(cls_name, (Op,), ns)


def _float_unary(cls_name: str, mnemonic: str, what: str) -> type:
    return _make(cls_name, mnemonic, what, f"%r = llvm.intr.{mnemonic}(%x) : (f32) -> f32",
                 {"in_": operand(FloatLikeC), "fastmathFlags": prop(FastmathC, default=FASTMATH_NONE),
                  "res": result(FloatLikeC)}, [Pure, SameOperandsAndResultType], _FN_FM)


def _float_binary(cls_name: str, mnemonic: str, what: str) -> type:
    return _make(cls_name, mnemonic, what, f"%r = llvm.intr.{mnemonic}(%a, %b) : (f32, f32) -> f32",
                 {"a": operand(FloatLikeC), "b": operand(FloatLikeC),
                  "fastmathFlags": prop(FastmathC, default=FASTMATH_NONE), "res": result(FloatLikeC)},
                 [Pure, SameOperandsAndResultType], _FN_FM)


def _int_unary(cls_name: str, mnemonic: str, what: str) -> type:
    return _make(cls_name, mnemonic, what, f"%r = llvm.intr.{mnemonic}(%x) : (i32) -> i32",
                 {"in_": operand(IntLike), "res": result(IntLike)}, [Pure, SameOperandsAndResultType], _FN)


def _int_binary(cls_name: str, mnemonic: str, what: str) -> type:
    return _make(cls_name, mnemonic, what, f"%r = llvm.intr.{mnemonic}(%a, %b) : (i32, i32) -> i32",
                 {"a": operand(IntLike), "b": operand(IntLike), "res": result(IntLike)},
                 [Pure, SameOperandsAndResultType], _FN)


_UNARY_F = [
    ("FAbsOp", "fabs", "Absolute value."), ("SqrtOp", "sqrt", "Square root."), ("ExpOp", "exp", "e to the x."),
    ("Exp2Op", "exp2", "2 to the x."), ("LogOp", "log", "Natural logarithm."), ("Log2Op", "log2", "Base-2 log."),
    ("Log10Op", "log10", "Base-10 logarithm."), ("SinOp", "sin", "Sine."), ("CosOp", "cos", "Cosine."),
    ("TanOp", "tan", "Tangent."), ("TanhOp", "tanh", "Hyperbolic tangent."),
    ("FloorOp", "floor", "Round toward negative infinity."), ("CeilOp", "ceil", "Round toward positive infinity."),
    ("FTruncOp", "trunc", "Round toward zero."), ("RoundOp", "round", "Round half away from zero."),
    ("RoundEvenOp", "roundeven", "Round half to even."), ("RintOp", "rint", "Round in the current mode."),
    ("NearbyintOp", "nearbyint", "Round in the current mode without inexact."),
]
_BINARY_F = [
    ("PowOp", "pow", "x to the y."), ("CopySignOp", "copysign", "Magnitude of a with the sign of b."),
    ("MinNumOp", "minnum", "IEEE minNum: the non-NaN operand if one is NaN."),
    ("MaxNumOp", "maxnum", "IEEE maxNum: the non-NaN operand if one is NaN."),
    ("MinimumOp", "minimum", "IEEE 754-2019 minimum: NaN if either is NaN; -0 < +0."),
    ("MaximumOp", "maximum", "IEEE 754-2019 maximum: NaN if either is NaN; -0 < +0."),
]
_UNARY_I = [("CtPopOp", "ctpop", "Number of set bits."), ("BitReverseOp", "bitreverse", "Reverses the bits."),
            ("ByteSwapOp", "bswap", "Reverses the bytes.")]
_BINARY_I = [("SMaxOp", "smax", "Signed maximum."), ("SMinOp", "smin", "Signed minimum."),
             ("UMaxOp", "umax", "Unsigned maximum."), ("UMinOp", "umin", "Unsigned minimum.")]

_ops: list[type] = []
for _n, _m, _w in _UNARY_F:
    _ops.append(_float_unary(_n, _m, _w))
for _n, _m, _w in _BINARY_F:
    _ops.append(_float_binary(_n, _m, _w))
for _n, _m, _w in _UNARY_I:
    _ops.append(_int_unary(_n, _m, _w))
for _n, _m, _w in _BINARY_I:
    _ops.append(_int_binary(_n, _m, _w))

PowIOp = _make("PowIOp", "powi", "Float to an integer power.", "%r = llvm.intr.powi(%x, %n) : (f32, i32) -> f32",
               {"val": operand(FloatLikeC), "power": operand(AnyInt),
                "fastmathFlags": prop(FastmathC, default=FASTMATH_NONE), "res": result(FloatLikeC)},
               [Pure], _FN_FM, ("res", 1))
FMAOp = _make("FMAOp", "fma", "Fused multiply-add a*b+c, rounded once.",
              "%r = llvm.intr.fma(%a, %b, %c) : (f32, f32, f32) -> f32",
              {"a": operand(FloatLikeC), "b": operand(FloatLikeC), "c": operand(FloatLikeC),
               "fastmathFlags": prop(FastmathC, default=FASTMATH_NONE), "res": result(FloatLikeC)},
              [Pure, SameOperandsAndResultType], _FN_FM)
FMulAddOp = _make("FMulAddOp", "fmuladd", "a*b+c, fused when the target makes that faster.",
                  "%r = llvm.intr.fmuladd(%a, %b, %c) : (f32, f32, f32) -> f32",
                  {"a": operand(FloatLikeC), "b": operand(FloatLikeC), "c": operand(FloatLikeC),
                   "fastmathFlags": prop(FastmathC, default=FASTMATH_NONE), "res": result(FloatLikeC)},
                  [Pure, SameOperandsAndResultType], _FN_FM)
CountLeadingZerosOp = _make(
    "CountLeadingZerosOp", "ctlz", "Number of leading zero bits; poison for 0 when `is_zero_poison`.",
    '%r = "llvm.intr.ctlz"(%x) <{is_zero_poison = false}> : (i32) -> i32',
    {"in_": operand(IntLike), "is_zero_poison": prop(BoolAttrC), "res": result(IntLike)},
    [Pure, SameOperandsAndResultType], None)
CountTrailingZerosOp = _make(
    "CountTrailingZerosOp", "cttz", "Number of trailing zero bits; poison for 0 when `is_zero_poison`.",
    '%r = "llvm.intr.cttz"(%x) <{is_zero_poison = false}> : (i32) -> i32',
    {"in_": operand(IntLike), "is_zero_poison": prop(BoolAttrC), "res": result(IntLike)},
    [Pure, SameOperandsAndResultType], None)
AbsOp = _make("AbsOp", "abs", "Integer absolute value; poison for INT_MIN when `is_int_min_poison`.",
              '%r = "llvm.intr.abs"(%x) <{is_int_min_poison = false}> : (i32) -> i32',
              {"in_": operand(IntLike), "is_int_min_poison": prop(BoolAttrC), "res": result(IntLike)},
              [Pure, SameOperandsAndResultType], None)


def _mem(cls_name: str, mnemonic: str, what: str, second: str) -> type:
    fields = {"dst": operand(AnyPtr), second: operand(AnyType), "len": operand(AnyInt),
              "isVolatile": prop(BoolAttrC), "access_groups": opt_prop(), "alias_scopes": opt_prop(),
              "noalias_scopes": opt_prop(), "tbaa": opt_prop(), "arg_attrs": opt_prop()}
    ov = ("0", "1", "2") if second == "src" else ("0", "2")
    ex = (f'"llvm.intr.{mnemonic}"(%dst, %{second}, %n) <{{isVolatile = false}}> : '
          f'(!llvm.ptr, {"!llvm.ptr" if second == "src" else "i8"}, i64) -> ()')
    return _make(cls_name, mnemonic, what, ex, fields, [MemoryEffects(Read(), Write())], None,
                 tuple(int(x) for x in ov))


MemcpyOp = _mem("MemcpyOp", "memcpy", "Copies `len` bytes between non-overlapping buffers.", "src")
MemmoveOp = _mem("MemmoveOp", "memmove", "Copies `len` bytes between possibly overlapping buffers.", "src")
MemsetOp = _mem("MemsetOp", "memset", "Fills `len` bytes with an i8 value.", "val")


def _reduce(cls_name: str, mnemonic: str, what: str, kind: str) -> type:
    full = f"vector.reduce.{mnemonic}"
    if kind == "int":
        return _make(cls_name, full, what, f'%r = "llvm.intr.{full}"(%v) : (vector<4xi32>) -> i32',
                     {"in_": operand(AnyType), "res": result(AnyType)}, [Pure], None, (0,))
    if kind == "fminmax":
        return _make(cls_name, full, what, f"%r = llvm.intr.{full}(%v) : (vector<4xf32>) -> f32",
                     {"in_": operand(AnyType), "fastmathFlags": prop(FastmathC, default=FASTMATH_NONE),
                      "res": result(AnyType)}, [Pure], _FN_FM, (0,))
    return _make(cls_name, full, what, f"%r = llvm.intr.{full}(%start, %v) : (f32, vector<4xf32>) -> f32",
                 {"start_value": operand(AnyType), "input": operand(AnyType),
                  "fastmathFlags": prop(FastmathC, default=FASTMATH_NONE), "res": result(AnyType)},
                 [Pure], _FN_FM, (1,))


_REDUCE = [
    ("VectorReduceAddOp", "add", "Sum of the lanes (wrapping).", "int"),
    ("VectorReduceMulOp", "mul", "Product of the lanes (wrapping).", "int"),
    ("VectorReduceAndOp", "and", "Bitwise and of the lanes.", "int"),
    ("VectorReduceOrOp", "or", "Bitwise or of the lanes.", "int"),
    ("VectorReduceXorOp", "xor", "Bitwise xor of the lanes.", "int"),
    ("VectorReduceSMaxOp", "smax", "Signed maximum of the lanes.", "int"),
    ("VectorReduceSMinOp", "smin", "Signed minimum of the lanes.", "int"),
    ("VectorReduceUMaxOp", "umax", "Unsigned maximum of the lanes.", "int"),
    ("VectorReduceUMinOp", "umin", "Unsigned minimum of the lanes.", "int"),
    ("VectorReduceFMaxOp", "fmax", "maxnum of the lanes.", "fminmax"),
    ("VectorReduceFMinOp", "fmin", "minnum of the lanes.", "fminmax"),
    ("VectorReduceFMaximumOp", "fmaximum", "IEEE maximum of the lanes (NaN-propagating).", "fminmax"),
    ("VectorReduceFMinimumOp", "fminimum", "IEEE minimum of the lanes (NaN-propagating).", "fminmax"),
    ("VectorReduceFAddOp", "fadd", "start + the sum of the lanes, in order unless `reassoc`.", "facc"),
    ("VectorReduceFMulOp", "fmul", "start * the product of the lanes, in order unless `reassoc`.", "facc"),
]
for _n, _m, _w, _k in _REDUCE:
    _ops.append(_reduce(_n, _m, _w, _k))


MaskedLoadOp = _make(
    "MaskedLoadOp", "masked.load", "Loads the lanes whose mask bit is set; the others come from `pass_thru`.",
    "%r = llvm.intr.masked.load(%p, %m, %pt), alignment(4) : (!llvm.ptr, vector<4xi1>, vector<4xf32>) -> "
    "vector<4xf32>",
    {"data": operand(AnyPtr), "mask": operand(I1Like), "pass_thru": operand(AnyType),
     "alignment": prop(I64Attr), "nontemporal": opt_prop(), "res": result(AnyType)},
    [MemoryEffects(Read())],
    "`(` operands `)` `,` `alignment` `(` $alignment `)` attr-dict `:` functional-type(operands, results)",
    ("res", 0))
MaskedStoreOp = _make(
    "MaskedStoreOp", "masked.store", "Stores the lanes whose mask bit is set.",
    "llvm.intr.masked.store(%v, %p, %m), alignment(4) : vector<4xf32>, vector<4xi1> into !llvm.ptr",
    {"value": operand(AnyType), "data": operand(AnyPtr), "mask": operand(I1Like), "alignment": prop(I64Attr)},
    [MemoryEffects(Write())],
    "`(` $value `,` $data `,` $mask `)` `,` `alignment` `(` $alignment `)` attr-dict `:` type($value) `,` "
    "type($mask) `into` type($data)", (0, 1))
MaskedGatherOp = _make(
    "MaskedGatherOp", "masked.gather", "Loads each enabled lane through its own pointer.",
    "%r = llvm.intr.masked.gather(%ps, %m, %pt), alignment(4) : (vector<4x!llvm.ptr>, vector<4xi1>, "
    "vector<4xf32>) -> vector<4xf32>",
    {"ptrs": operand(AnyType), "mask": operand(I1Like), "pass_thru": operand(AnyType),
     "alignment": prop(I64Attr), "res": result(AnyType)}, [MemoryEffects(Read())],
    "`(` operands `)` `,` `alignment` `(` $alignment `)` attr-dict `:` functional-type(operands, results)",
    ("res", 0))
MaskedScatterOp = _make(
    "MaskedScatterOp", "masked.scatter", "Stores each enabled lane through its own pointer.",
    "llvm.intr.masked.scatter(%v, %ps, %m), alignment(4) : vector<4xf32>, vector<4xi1> into vector<4x!llvm.ptr>",
    {"value": operand(AnyType), "ptrs": operand(AnyType), "mask": operand(I1Like), "alignment": prop(I64Attr)},
    [MemoryEffects(Write())],
    "`(` $value `,` $ptrs `,` $mask `)` `,` `alignment` `(` $alignment `)` attr-dict `:` type($value) `,` "
    "type($mask) `into` type($ptrs)", (0, 1))
StackSaveOp = _make("StackSaveOp", "stacksave", "The current stack position, for stackrestore.",
                    "%sp = llvm.intr.stacksave : !llvm.ptr", {"res": result(AnyPtr)},
                    [MemoryEffects(Read(), Write())], "attr-dict `:` qualified(type($res))", ("res",))
StackRestoreOp = _make("StackRestoreOp", "stackrestore", "Frees the allocas made since the matching stacksave.",
                       "llvm.intr.stackrestore %sp : !llvm.ptr", {"ptr": operand(AnyPtr)},
                       [MemoryEffects(Read(), Write())], "$ptr attr-dict `:` qualified(type($ptr))", (0,))
AssumeOp = _make("AssumeOp", "assume", "Lets the optimizer assume the condition holds.",
                 "llvm.intr.assume %c : i1",
                 {"cond": operand(I1Like), "op_bundle_operands": var_operand(AnyType),
                  "op_bundle_sizes": prop(default=EMPTY_I32_ARRAY), "op_bundle_tags": opt_prop()},
                 [MemoryEffects(Write())], None, ())


def _parse_assume(cls, parser):
    u = parser.parse_operand()
    attrs = parser.parse_optional_attr_dict()
    t = parser.parse_colon_type()
    props = {"op_bundle_sizes": EMPTY_I32_ARRAY}
    return cls.create([parser.resolve_operand(u, t)], [], props, attrs)


def _print_assume(self, printer):
    printer.write(" ")
    printer.print_operand(self.cond)
    printer.print_optional_attr_dict(self.attributes)
    printer.write(" : ")
    printer.print_type(self.cond.type)


AssumeOp.parse = classmethod(_parse_assume)  # type: ignore[attr-defined]
AssumeOp.print = _print_assume  # type: ignore[method-assign]
PrefetchOp = _make("PrefetchOp", "prefetch", "A hint to bring memory into the cache (rw: 0 read / 1 write; "
                   "hint: locality 0-3; cache: 0 instruction / 1 data).",
                   '"llvm.intr.prefetch"(%p) <{cache = 1 : i32, hint = 3 : i32, rw = 0 : i32}> : (!llvm.ptr) -> ()',
                   {"addr": operand(AnyPtr), "rw": prop(I32Attr), "hint": prop(I32Attr), "cache": prop(I32Attr)},
                   [MemoryEffects(Read(), Write())], None, (0,))

OPS = _ops + [PowIOp, FMAOp, FMulAddOp, CountLeadingZerosOp, CountTrailingZerosOp, AbsOp, MemcpyOp, MemmoveOp,
              MemsetOp, MaskedLoadOp, MaskedStoreOp, MaskedGatherOp, MaskedScatterOp, StackSaveOp, StackRestoreOp,
              AssumeOp, PrefetchOp]
