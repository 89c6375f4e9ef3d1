"""The arith dialect: integer and floating-point arithmetic, comparisons,
casts and constants on scalars and on vectors/tensors of them (MLIR's
`arith`, with the same op names, attributes and custom syntax)."""

from mlir_py.dialects.arith.attributes import (  # noqa: F401
    ATTRIBUTES,
    AtomicRMWKind,
    CmpFPredicate,
    CmpIPredicate,
    FastMathFlagsAttr,
    IntegerOverflowFlagsAttr,
    RoundingMode,
    fastmath,
    overflow,
)
from mlir_py.dialects.arith.casts import OPS as _CAST_OPS
from mlir_py.dialects.arith.casts import (  # noqa: F401
    BitcastOp,
    ExtFOp,
    ExtSIOp,
    ExtUIOp,
    FPToSIOp,
    FPToUIOp,
    IndexCastOp,
    IndexCastUIOp,
    ScalingExtFOp,
    ScalingTruncFOp,
    SIToFPOp,
    TruncFOp,
    TruncIOp,
    UIToFPOp,
)
from mlir_py.dialects.arith.compare import OPS as _COMPARE_OPS
from mlir_py.dialects.arith.compare import CmpFOp, CmpIOp, SelectOp  # noqa: F401
from mlir_py.dialects.arith.ops import OPS as _ARITH_OPS
from mlir_py.dialects.arith.ops import (  # noqa: F401
    AddFOp,
    AddIOp,
    AddUIExtendedOp,
    AndIOp,
    CeilDivSIOp,
    CeilDivUIOp,
    ConstantOp,
    DivFOp,
    DivSIOp,
    DivUIOp,
    FloorDivSIOp,
    MaximumFOp,
    MaxNumFOp,
    MaxSIOp,
    MaxUIOp,
    MinimumFOp,
    MinNumFOp,
    MinSIOp,
    MinUIOp,
    MulFOp,
    MulIOp,
    MulSIExtendedOp,
    MulUIExtendedOp,
    NegFOp,
    OrIOp,
    RemFOp,
    RemSIOp,
    RemUIOp,
    ShLIOp,
    ShRSIOp,
    ShRUIOp,
    SubFOp,
    SubIOp,
    XOrIOp,
    materialize_constant,
)
from mlir_py.dialects.arith.traits import (  # noqa: F401
    ArithFastMathInterface,
    ArithIntegerOverflowFlagsInterface,
    ArithRoundingModeInterface,
)

from mlir_py.definition.dialect import Dialect

OPS = _ARITH_OPS + _CAST_OPS + _COMPARE_OPS

DIALECT = Dialect(
    "arith", ops=OPS, attributes=ATTRIBUTES, materialize_constant=materialize_constant,
    description="Basic integer and floating-point arithmetic, comparisons and casts.",
)
ARITH = DIALECT

__all__ = ["DIALECT", "ARITH", "OPS", "materialize_constant", "CmpIPredicate", "CmpFPredicate", "RoundingMode",
           "AtomicRMWKind", "FastMathFlagsAttr", "IntegerOverflowFlagsAttr", "fastmath", "overflow",
           "ArithFastMathInterface", "ArithIntegerOverflowFlagsInterface", "ArithRoundingModeInterface"] + \
    [op.__name__ for op in OPS]
