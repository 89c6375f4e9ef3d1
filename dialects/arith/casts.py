"""arith cast ops: integer/float extension and truncation, int<->float,
index casts, bitcast, and the OCP MX scaling casts.

Each cast takes one value and yields one of the same shape; the op class
says which type pairs are compatible (`are_cast_compatible`), as MLIR's
CastOpInterface does.
"""

from __future__ import annotations

from mlir_py.dialects.arith import folding as F
from mlir_py.dialects.arith.attributes import (
    OVERFLOW_NONE,
    BitcastTypeConstraint,
    FastMathAttrConstraint,
    FloatLike,
    IndexCastTypeConstraint,
    OverflowAttrConstraint,
    RoundingMode,
    SignlessFixedWidthIntegerLike,
)
from mlir_py.dialects.arith.ops import ELEMENTWISE, defining
from mlir_py.dialects.arith.traits import (
    ArithFastMathInterface,
    ArithIntegerOverflowFlagsInterface,
    ArithRoundingModeInterface,
    CastCompatible,
    SameInputOutputTensorDims,
)

from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result
from mlir_py.definition.traits import Pure, SameOperandsAndResultShape, compatible_shapes
from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.builtin_types import (
    FloatType,
    IndexType,
    IntegerType,
    MemRefType,
    RankedTensorType,
    ShapedType,
    TensorType,
    VectorType,
)

# ---------------------------------------------------------------------------
# Cast compatibility (ArithOps.cpp helpers)
# ---------------------------------------------------------------------------


def _valid_pair(inputs, outputs) -> bool:
    """One input, one output, same tensor encoding, compatible shapes."""
    if len(inputs) != 1 or len(outputs) != 1:
        return False
    a, b = inputs[0], outputs[0]
    if isinstance(a, RankedTensorType) and isinstance(b, RankedTensorType) and a.encoding != b.encoding:
        return False
    return compatible_shapes([a, b])


def _underlying(t, element_classes, shaped=(VectorType, TensorType)):
    """The element type (or t itself) if it is one of element_classes inside an allowed container."""
    if isinstance(t, ShapedType) and not isinstance(t, shaped):
        return None
    e = F.element_type(t)
    return e if isinstance(e, element_classes) else None


def _width_change(inputs, outputs, classes, wider: bool) -> bool:
    if not _valid_pair(inputs, outputs):
        return False
    s, d = _underlying(inputs[0], classes), _underlying(outputs[0], classes)
    if s is None or d is None:
        return False
    return d.width > s.width if wider else d.width < s.width


def _int_float(inputs, outputs, src_classes, dst_classes) -> bool:
    if not _valid_pair(inputs, outputs):
        return False
    return _underlying(inputs[0], src_classes) is not None and _underlying(outputs[0], dst_classes) is not None


def _width_check(op, wider: bool):
    """verifyExtOp / verifyTruncateOp (emitted without the op-name prefix, as upstream)."""
    s, d = F.element_type(op.in_.type), F.element_type(op.out.type)
    if (s.width >= d.width) if wider else (s.width <= d.width):
        op.emit_error(f"result type '{d}' must be {'wider' if wider else 'shorter'} than operand type '{s}'")
        return ""
    return None


_CAST = [Pure, SameInputOutputTensorDims, SameOperandsAndResultShape, CastCompatible] + ELEMENTWISE


class _CastOp(Op):
    assembly_format = "$in_ attr-dict `:` type($in_) `to` type($out)"

    def __init__(self, in_=None, out_type=None, **kw):
        """`ExtSIOp(value, i64)`: the operand, then the result type."""
        if out_type is not None:
            kw["result_types"] = [out_type]
        super().__init__(in_, **kw)


# ---------------------------------------------------------------------------
# Integer <-> integer
# ---------------------------------------------------------------------------


class _IToICastOp(_CastOp):
    in_ = operand(SignlessFixedWidthIntegerLike)
    out = result(SignlessFixedWidthIntegerLike)


class ExtUIOp(_IToICastOp):
    """Zero-extend an integer to a wider integer type.

    ```mlir
    %2 = arith.extui %1 : i3 to i6
    %5 = arith.extui %0 : vector<2xi32> to vector<2xi64>
    %6 = arith.extui %1 nneg : i3 to i6
    ```
    """

    name = "arith.extui"
    traits = _CAST
    nonNeg = opt_prop(UnitAttr)
    assembly_format = "$in_ (`nneg` $nonNeg^)? attr-dict `:` type($in_) `to` type($out)"

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _width_change(inputs, outputs, IntegerType, wider=True)

    def verify_(self):
        return _width_check(self, wider=True)

    def fold(self, operands):
        inner = defining(self.in_, ExtUIOp)
        if inner is not None:  # extui(extui(x)) -> extui(x), in place
            self.set_operand(0, inner.in_)
            return self.out
        w = F.bit_width(self.in_.type)
        return F.fold_unary(operands[0], self.out.type, lambda a: F.unsigned(a, w))


class ExtSIOp(_IToICastOp):
    """Sign-extend an integer to a wider integer type.

    ```mlir
    %2 = arith.extsi %1 : i3 to i6
    %5 = arith.extsi %0 : vector<2xi32> to vector<2xi64>
    ```
    """

    name = "arith.extsi"
    traits = _CAST

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _width_change(inputs, outputs, IntegerType, wider=True)

    def verify_(self):
        return _width_check(self, wider=True)

    def fold(self, operands):
        inner = defining(self.in_, ExtSIOp)
        if inner is not None:  # extsi(extsi(x)) -> extsi(x), in place
            self.set_operand(0, inner.in_)
            return self.out
        w = F.bit_width(self.in_.type)
        return F.fold_unary(operands[0], self.out.type, lambda a: F.signed(a, w))


class TruncIOp(_CastOp):
    """Truncate an integer to a narrower integer type, with optional `overflow<...>` flags.

    ```mlir
    %2 = arith.trunci %1 : i5 to i4
    %5 = arith.trunci %a overflow<nsw, nuw> : i32 to i16
    ```
    """

    name = "arith.trunci"
    traits = [Pure, SameInputOutputTensorDims, SameOperandsAndResultShape, CastCompatible,
              ArithIntegerOverflowFlagsInterface] + ELEMENTWISE
    in_ = operand(SignlessFixedWidthIntegerLike)
    overflowFlags = prop(OverflowAttrConstraint, default=OVERFLOW_NONE)
    out = result(SignlessFixedWidthIntegerLike)
    assembly_format = "$in_ (`overflow` `` $overflowFlags^)? attr-dict `:` type($in_) `to` type($out)"

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _width_change(inputs, outputs, IntegerType, wider=False)

    def verify_(self):
        return _width_check(self, wider=False)

    def fold(self, operands):
        ext = defining(self.in_, ExtUIOp) or defining(self.in_, ExtSIOp)
        if ext is not None:
            if F.bit_width(ext.in_.type) > F.bit_width(self.out.type):
                self.set_operand(0, ext.in_)  # trunci(ext(a)) -> trunci(a), in place
                return self.out
            if ext.in_.type is self.out.type:
                return ext.in_  # trunci(ext(a)) -> a
        inner = defining(self.in_, TruncIOp)
        if inner is not None:  # trunci(trunci(a)) -> trunci(a), in place
            self.set_operand(0, inner.in_)
            return self.out
        return F.fold_unary(operands[0], self.out.type, lambda a: a)


# ---------------------------------------------------------------------------
# Float <-> float
# ---------------------------------------------------------------------------


class ExtFOp(_CastOp):
    """Extend a floating-point value to a wider floating-point type.

    ```mlir
    %1 = arith.extf %0 : f16 to f32
    %3 = arith.extf %2 fastmath<contract> : vector<4xbf16> to vector<4xf64>
    ```
    """

    name = "arith.extf"
    traits = [ArithFastMathInterface] + _CAST
    in_ = operand(FloatLike)
    fastmath = opt_prop(FastMathAttrConstraint)
    out = result(FloatLike)
    assembly_format = "$in_ (`fastmath` `` $fastmath^)? attr-dict `:` type($in_) `to` type($out)"

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _width_change(inputs, outputs, FloatType, wider=True)

    def verify_(self):
        return _width_check(self, wider=True)

    def fold(self, operands):
        trunc = defining(self.in_, TruncFOp)
        if trunc is not None and trunc.in_.type is self.out.type and _contract(trunc) and _contract(self):
            return trunc.in_
        t = F.element_type(self.out.type)
        return F.fold_unary(operands[0], self.out.type, lambda a: F.convert_float(a, t))


def _contract(op) -> bool:
    fm = op.fastmath
    return fm is not None and fm.has("contract")


class TruncFOp(_CastOp):
    """Truncate a floating-point value to a narrower type, rounding per `roundingmode` (default: nearest even).

    ```mlir
    %1 = arith.truncf %0 : f32 to f16
    %2 = arith.truncf %0 to_nearest_even fastmath<fast> : f64 to f32
    ```
    """

    name = "arith.truncf"
    traits = [Pure, SameInputOutputTensorDims, SameOperandsAndResultShape, ArithRoundingModeInterface,
              ArithFastMathInterface, CastCompatible] + ELEMENTWISE
    in_ = operand(FloatLike)
    roundingmode = opt_prop(RoundingMode)
    fastmath = opt_prop(FastMathAttrConstraint)
    out = result(FloatLike)
    assembly_format = ("$in_ ($roundingmode^)? (`fastmath` `` $fastmath^)? attr-dict "
                       "`:` type($in_) `to` type($out)")

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _width_change(inputs, outputs, FloatType, wider=False)

    def verify_(self):
        return _width_check(self, wider=False)

    def fold(self, operands):
        ext = defining(self.in_, ExtFOp)
        if ext is not None:
            src = F.element_type(ext.in_.type)
            if src.width > F.element_type(self.out.type).width:
                self.set_operand(0, ext.in_)  # truncf(extf(a)) -> truncf(a), in place
                return self.out
            if ext.in_.type is self.out.type:
                return ext.in_  # truncf(extf(a)) -> a
        t = F.element_type(self.out.type)
        return F.fold_unary(operands[0], self.out.type, lambda a: F.convert_float(a, t))


class ScalingExtFOp(Op):
    """Upcast with a per-element scale (OCP MX): `extf(in) * extf(scale)`.

    ```mlir
    %a = arith.scaling_extf %b, %c : f4E2M1FN, f8E8M0FNU to f32
    ```
    """

    name = "arith.scaling_extf"
    traits = [Pure, SameInputOutputTensorDims, ArithFastMathInterface, CastCompatible] + ELEMENTWISE
    in_ = operand(FloatLike)
    scale = operand(FloatLike)
    fastmath = opt_prop(FastMathAttrConstraint)
    out = result(FloatLike)
    assembly_format = ("$in_ `,` $scale (`fastmath` `` $fastmath^)? attr-dict `:` type($in_) `,` type($scale) "
                       "`to` type($out)")

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _width_change(inputs[:1], outputs, FloatType, wider=True)

    def verify_(self):
        return _width_check(self, wider=True)


class ScalingTruncFOp(Op):
    """Downcast with a per-element scale (OCP MX): `truncf(in / extf(scale))`.

    ```mlir
    %a = arith.scaling_truncf %b, %c : f32, f8E8M0FNU to f4E2M1FN
    ```
    """

    name = "arith.scaling_truncf"
    traits = [Pure, SameInputOutputTensorDims, ArithRoundingModeInterface, ArithFastMathInterface,
              CastCompatible] + ELEMENTWISE
    in_ = operand(FloatLike)
    scale = operand(FloatLike)
    roundingmode = opt_prop(RoundingMode)
    fastmath = opt_prop(FastMathAttrConstraint)
    out = result(FloatLike)
    assembly_format = ("$in_ `,` $scale ($roundingmode^)? (`fastmath` `` $fastmath^)? attr-dict `:` "
                       "type($in_) `,` type($scale) `to` type($out)")

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _width_change(inputs[:1], outputs, FloatType, wider=False)

    def verify_(self):
        return _width_check(self, wider=False)


# ---------------------------------------------------------------------------
# Integer <-> float
# ---------------------------------------------------------------------------


class _IToFCastOp(_CastOp):
    in_ = operand(SignlessFixedWidthIntegerLike)
    out = result(FloatLike)
    traits = _CAST

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _int_float(inputs, outputs, IntegerType, FloatType)

    def _fold(self, operands, is_signed: bool):
        t = F.element_type(self.out.type)
        if not F.foldable_float(t):
            return None
        w = F.bit_width(self.in_.type)
        conv = F.signed if is_signed else F.unsigned
        return F.fold_unary(operands[0], self.out.type, lambda a: F.int_to_float(conv(a, w), t))


class UIToFPOp(_IToFCastOp):
    """Convert an unsigned integer to floating point, rounding to nearest even.

    ```mlir
    %1 = arith.uitofp %0 : i32 to f32
    %2 = arith.uitofp %0 nneg : i32 to f32
    ```
    """

    name = "arith.uitofp"
    traits = _CAST
    nonNeg = opt_prop(UnitAttr)
    assembly_format = "$in_ (`nneg` $nonNeg^)? attr-dict `:` type($in_) `to` type($out)"

    def fold(self, operands):
        return self._fold(operands, is_signed=False)


class SIToFPOp(_IToFCastOp):
    """Convert a signed integer to floating point, rounding to nearest even.

    ```mlir
    %1 = arith.sitofp %0 : i32 to f32
    ```
    """

    name = "arith.sitofp"
    traits = _CAST

    def fold(self, operands):
        return self._fold(operands, is_signed=True)


class _FToICastOp(_CastOp):
    in_ = operand(FloatLike)
    out = result(SignlessFixedWidthIntegerLike)

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _int_float(inputs, outputs, FloatType, IntegerType)

    def _fold(self, operands, is_signed: bool):
        w = F.bit_width(self.out.type)
        return F.fold_unary(operands[0], self.out.type, lambda a: F.float_to_int(a, w, is_signed))


class FPToUIOp(_FToICastOp):
    """Convert floating point to an unsigned integer, rounding toward zero.

    ```mlir
    %1 = arith.fptoui %0 : f32 to i32
    ```
    """

    name = "arith.fptoui"
    traits = _CAST

    def fold(self, operands):
        return self._fold(operands, is_signed=False)


class FPToSIOp(_FToICastOp):
    """Convert floating point to a signed integer, rounding toward zero.

    ```mlir
    %1 = arith.fptosi %0 : f32 to i32
    ```
    """

    name = "arith.fptosi"
    traits = _CAST

    def fold(self, operands):
        return self._fold(operands, is_signed=True)


# ---------------------------------------------------------------------------
# Index casts and bitcast
# ---------------------------------------------------------------------------


def _index_compatible(inputs, outputs) -> bool:
    if not _valid_pair(inputs, outputs):
        return False
    shaped = (VectorType, TensorType, MemRefType)
    s = _underlying(inputs[0], (IntegerType, IndexType), shaped)
    d = _underlying(outputs[0], (IntegerType, IndexType), shaped)
    if s is None or d is None:
        return False
    return (isinstance(s, IndexType) and isinstance(d, IntegerType) and d.is_signless) or \
        (isinstance(s, IntegerType) and s.is_signless and isinstance(d, IndexType))


class _IndexCastBase(_CastOp):
    in_ = operand(IndexCastTypeConstraint)
    out = result(IndexCastTypeConstraint)

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        return _index_compatible(inputs, outputs)

    def _fold(self, operands, is_signed: bool):
        src_w = F.bit_width(self.in_.type)
        ext = F.signed if is_signed else F.unsigned
        # extend from the source width; a narrower result wraps (truncates) on construction
        r = F.fold_unary(operands[0], self.out.type, lambda a: ext(a, src_w))
        if r is not None:
            return r
        inner = defining(self.in_, type(self))
        if inner is not None and inner.in_.type is self.out.type and \
                F.bit_width(inner.out.type) >= F.bit_width(inner.in_.type):
            return inner.in_
        return None


class IndexCastOp(_IndexCastBase):
    """Cast between index and a signless integer (sign-extending or truncating).

    ```mlir
    %1 = arith.index_cast %0 : index to i32
    %3 = arith.index_cast %2 : vector<4xi64> to vector<4xindex>
    ```
    """

    name = "arith.index_cast"
    traits = _CAST

    def fold(self, operands):
        return self._fold(operands, is_signed=True)


class IndexCastUIOp(_IndexCastBase):
    """Cast between index and a signless integer (zero-extending or truncating).

    ```mlir
    %1 = arith.index_castui %0 : i32 to index
    %2 = arith.index_castui %0 nneg : i32 to index
    ```
    """

    name = "arith.index_castui"
    traits = _CAST
    nonNeg = opt_prop(UnitAttr)
    assembly_format = "$in_ (`nneg` $nonNeg^)? attr-dict `:` type($in_) `to` type($out)"

    def fold(self, operands):
        return self._fold(operands, is_signed=False)


class BitcastOp(_CastOp):
    """Reinterpret the bits of an integer or float as another type of the same width.

    ```mlir
    %1 = arith.bitcast %0 : f32 to i32
    %3 = arith.bitcast %2 : vector<2xi16> to vector<2xf16>
    ```
    """

    name = "arith.bitcast"
    traits = _CAST
    in_ = operand(BitcastTypeConstraint)
    out = result(BitcastTypeConstraint)

    @classmethod
    def are_cast_compatible(cls, inputs, outputs) -> bool:
        if not _valid_pair(inputs, outputs):
            return False
        shaped = (VectorType, TensorType, MemRefType)
        s = _underlying(inputs[0], (IntegerType, FloatType), shaped)
        d = _underlying(outputs[0], (IntegerType, FloatType), shaped)
        return s is not None and d is not None and s.width == d.width

    def fold(self, operands):
        src, dst = F.element_type(self.in_.type), F.element_type(self.out.type)
        return F.fold_unary(operands[0], self.out.type, lambda a: F.bitcast_value(a, src, dst))


OPS = [
    ExtUIOp, ExtSIOp, ExtFOp, ScalingExtFOp, TruncIOp, TruncFOp, ScalingTruncFOp, UIToFPOp, SIToFPOp,
    FPToUIOp, FPToSIOp, IndexCastOp, IndexCastUIOp, BitcastOp,
]
