"""The math dialect: elementwise math (sin, exp, powf, ctlz, isnan, ...) on
scalars, vectors and tensors, with upstream MLIR's names and syntax.

Folded results are materialized as constants by the arith dialect, as
upstream's MathDialect::materializeConstant does.
"""

from __future__ import annotations

from mlir_py.dialects.math.ops import (
    OPS,
    AbsFOp,
    AbsIOp,
    AcoshOp,
    AcosOp,
    AsinhOp,
    AsinOp,
    Atan2Op,
    AtanhOp,
    AtanOp,
    CbrtOp,
    CeilOp,
    ClampFOp,
    CopySignOp,
    CoshOp,
    CosOp,
    CountLeadingZerosOp,
    CountTrailingZerosOp,
    CtPopOp,
    ErfcOp,
    ErfOp,
    Exp2Op,
    ExpM1Op,
    ExpOp,
    FloorOp,
    FmaOp,
    FPowIOp,
    IPowIOp,
    IsFiniteOp,
    IsInfOp,
    IsNaNOp,
    IsNormalOp,
    Log1pOp,
    Log2Op,
    Log10Op,
    LogOp,
    PowFOp,
    RoundEvenOp,
    RoundOp,
    RsqrtOp,
    SincosOp,
    SinhOp,
    SinOp,
    SqrtOp,
    TanhOp,
    TanOp,
    TruncOp,
)

from mlir_py.definition.dialect import Dialect


def _materialize_constant(value, type, loc=None):
    """Constants of folded math ops are arith.constant ops."""
    from mlir_py.dialects.arith import DIALECT as ARITH
    hook = ARITH.materialize_constant
    return hook(value, type, loc) if hook is not None else None


DIALECT = Dialect("math", ops=OPS, materialize_constant=_materialize_constant,
                  description="Elementwise math on scalars, vectors and tensors.")
MATH = DIALECT

__all__ = [
    "DIALECT", "MATH", "OPS", "AbsFOp", "AbsIOp", "AcosOp", "AcoshOp", "AsinOp", "AsinhOp", "AtanOp", "Atan2Op",
    "AtanhOp", "CbrtOp", "CeilOp", "ClampFOp", "CopySignOp", "CosOp", "CoshOp", "CountLeadingZerosOp",
    "CountTrailingZerosOp", "CtPopOp", "ErfOp", "ErfcOp", "ExpOp", "Exp2Op", "ExpM1Op", "FloorOp", "FmaOp",
    "FPowIOp", "IPowIOp", "IsFiniteOp", "IsInfOp", "IsNaNOp", "IsNormalOp", "LogOp", "Log10Op", "Log1pOp",
    "Log2Op", "PowFOp", "RoundOp", "RoundEvenOp", "RsqrtOp", "SinOp", "SincosOp", "SinhOp", "SqrtOp", "TanOp",
    "TanhOp", "TruncOp",
]
