"""Type constraints of the llvm dialect's ops, worded as LLVMOpBase.td words them."""

from __future__ import annotations

from mlir_py.dialects.llvm.types import LLVMArrayType, LLVMPointerType, LLVMStructType, is_compatible_type

from mlir_py.definition.constraints import Predicate
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType


def _int(t) -> bool:
    return isinstance(t, IntegerType) and t.signedness == "signless"


def _float(t) -> bool:
    return isinstance(t, FloatType)


def _ptr(t) -> bool:
    return isinstance(t, LLVMPointerType)


def _scalar_or_vector(pred):
    return lambda t: pred(t) or (isinstance(t, VectorType) and pred(t.element_type))


AnyLLVMType = Predicate(is_compatible_type, "LLVM dialect-compatible type")
IntLike = Predicate(_scalar_or_vector(_int), "integer or LLVM dialect-compatible vector of integer")
FloatLikeC = Predicate(_scalar_or_vector(_float),
                       "floating point LLVM type or LLVM dialect-compatible vector of floating point LLVM type")
PtrLike = Predicate(_scalar_or_vector(_ptr), "LLVM pointer type or LLVM dialect-compatible vector of LLVM pointer type")
AnyPtr = Predicate(_ptr, "LLVM pointer type")
AnyVectorC = Predicate(lambda t: isinstance(t, VectorType), "LLVM dialect-compatible vector type")
AggregateC = Predicate(lambda t: isinstance(t, (LLVMStructType, LLVMArrayType)), "LLVM aggregate type")
I1Like = Predicate(_scalar_or_vector(lambda t: _int(t) and t.width == 1),
                   "1-bit signless integer or LLVM dialect-compatible vector of 1-bit signless integer")
AnyInt = Predicate(_int, "signless integer")
