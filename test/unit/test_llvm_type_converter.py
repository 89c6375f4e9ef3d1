"""The shared LLVM type converter and memref descriptor helpers
(mlir_py.passes.conversions.llvm_type_converter)."""

import pytest
from mlir_py.dialects.llvm import LLVMArrayType, LLVMFunctionType, LLVMPointerType, LLVMStructType, LLVMVoidType
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter

import mlir_py as mp
from mlir_py.ir.builtin_types import IntegerType, f32, i32, i64, index

CTX = mp.Context.with_available_dialects()


def t(text: str):
    """A type from its text (through a function signature, the parser's public entry)."""
    m = mp.parse(CTX, f"func.func private @f(%a: {text})")
    return m.regions[0].blocks[0].first_op.properties["function_type"].value.inputs[0]


PTR = LLVMPointerType(0)


def desc(rank: int, ptr=PTR, idx=i64):
    body = [ptr, ptr, idx]
    if rank:
        body += [LLVMArrayType(rank, idx)] * 2
    return LLVMStructType.literal(body)


@pytest.mark.parametrize("src, expected", [
    ("i32", i32), ("f32", f32), ("index", i64), ("si8", IntegerType(8)),
    ("vector<4xf32>", t("vector<4xf32>")), ("vector<4xindex>", t("vector<4xi64>")),
    ("vector<2x3xf32>", LLVMArrayType(2, t("vector<3xf32>"))),
    ("memref<f32>", desc(0)), ("memref<4x?xf32>", desc(2)),
    ("memref<4xf32, strided<[2], offset: ?>>", desc(1)),
    ("memref<4xf32, 3>", desc(1, LLVMPointerType(3))),
    ("memref<*xf32>", LLVMStructType.literal([i64, PTR])),
    ("!llvm.ptr", PTR),
])
def test_type_conversion(src, expected):
    assert LLVMTypeConverter().convert_type(t(src)) == expected


@pytest.mark.parametrize("src", ["tensor<4xf32>", "memref<4xf32, \"foo\">", "memref<4xtensor<2xf32>>",
                                 "memref<4x4xf32, affine_map<(d0, d1) -> (d0 floordiv 2 + d1)>>"])
def test_unconvertible_types(src):
    assert LLVMTypeConverter().convert_type(t(src)) is None


def test_index_bitwidth():
    tc = LLVMTypeConverter(32)
    assert tc.convert_type(index) == IntegerType(32)
    assert tc.convert_type(t("memref<?xf32>")) == desc(1, idx=IntegerType(32))


def test_function_signature_expands_memrefs():
    tc = LLVMTypeConverter()
    fty = mp.parse(CTX, "func.func private @f(memref<?x4xf32>, i32) -> (memref<2xf32>, f32)") \
        .regions[0].blocks[0].first_op.properties["function_type"].value
    llvm_ty, conv = tc.convert_function_signature(fty)
    assert llvm_ty == LLVMFunctionType(LLVMStructType.literal([desc(1), f32]),
                                       (PTR, PTR, i64, i64, i64, i64, i64, i32))
    assert conv.input_mapping(0) == (0, 7) and conv.input_mapping(1) == (7, 1)
    # the C interface: descriptors by pointer, the struct result through a pointer passed first
    wrapper, result_is_arg = tc.convert_c_wrapper_type(fty)
    assert result_is_arg and wrapper == LLVMFunctionType(LLVMVoidType(), (PTR, PTR, i32))


def test_bare_pointer_convention_only_for_static_identity_layouts():
    tc = LLVMTypeConverter(use_bare_ptr_call_conv=True)
    assert tc.convert_call_argument(t("memref<4x4xf32>")) == [PTR]
    assert len(tc.convert_call_argument(t("memref<?x4xf32>"))) == 7
    assert len(tc.convert_call_argument(t("memref<4xf32, strided<[2]>>"))) == 5
