"""The llvm dialect: LLVM IR's instructions, types and intrinsics as MLIR ops (MLIR's `llvm`, same op names,
properties and custom syntax). It is the last level before translation to LLVM IR text
(`mlir_py.target.llvmir`): scalars are builtin types, pointers are opaque `!llvm.ptr`, and block arguments
play the part of phi nodes."""

from mlir_py.dialects.llvm.arith_ops import *  # noqa: F401,F403
from mlir_py.dialects.llvm.arith_ops import OPS as _ARITH_OPS
from mlir_py.dialects.llvm.attributes import (  # noqa: F401
    ATTRIBUTES,
    CConvAttr,
    ConstantRangeAttr,
    FastmathFlagsAttr,
    LinkageAttr,
    TailCallKindAttr,
    constant_range,
    overflow_flags,
)
from mlir_py.dialects.llvm.control_ops import OPS as _CONTROL_OPS
from mlir_py.dialects.llvm.control_ops import BrOp, CondBrOp, ReturnOp, SwitchOp, UnreachableOp  # noqa: F401
from mlir_py.dialects.llvm.func_ops import OPS as _FUNC_OPS
from mlir_py.dialects.llvm.func_ops import CallIntrinsicOp, CallOp, LLVMFuncOp  # noqa: F401
from mlir_py.dialects.llvm.intrinsics import OPS as _INTR_OPS
from mlir_py.dialects.llvm.memory_ops import OPS as _MEMORY_OPS
from mlir_py.dialects.llvm.memory_ops import (  # noqa: F401
    AllocaOp,
    ExtractElementOp,
    ExtractValueOp,
    GEPOp,
    InsertElementOp,
    InsertValueOp,
    LoadOp,
    ShuffleVectorOp,
    StoreOp,
)
from mlir_py.dialects.llvm.types import (  # noqa: F401
    TYPES,
    LLVMArrayType,
    LLVMFunctionType,
    LLVMPointerType,
    LLVMStructType,
    LLVMVoidType,
    is_compatible_type,
)
from mlir_py.dialects.llvm.value_ops import OPS as _VALUE_OPS
from mlir_py.dialects.llvm.value_ops import (  # noqa: F401
    AddressOfOp,
    ConstantOp,
    GlobalOp,
    PoisonOp,
    UndefOp,
    ZeroOp,
)

from mlir_py.definition.dialect import Dialect


def _materialize_constant(value, type, loc=None):
    """Folding's constant materializer: llvm.mlir.constant for scalars and dense values."""
    from mlir_py.ir.builtin_attributes import DenseElementsAttr, FloatAttr, IntegerAttr
    if not isinstance(value, (IntegerAttr, FloatAttr, DenseElementsAttr)):
        return None
    return ConstantOp.create(result_types=[type], properties={"value": value}, location=loc)


OPS = _ARITH_OPS + _CONTROL_OPS + _FUNC_OPS + _VALUE_OPS + _MEMORY_OPS + _INTR_OPS
DIALECT = Dialect("llvm", ops=OPS, attributes=ATTRIBUTES, types=TYPES, materialize_constant=_materialize_constant,
                  description="LLVM IR as MLIR ops: the input of the translation to LLVM IR.")
LLVM = DIALECT
