"""llvm dialect types: printing then parsing gives the same (uniqued) type, and every type that can be a
value's type translates to an LLVM type that LLVM parses (checked by building a global of that type)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from mlir_py.dialects.llvm.types import (
    LLVMArrayType,
    LLVMFunctionType,
    LLVMPointerType,
    LLVMStructType,
    LLVMVoidType,
)
from mlir_py.target.llvmir.codegen import parse_and_verify
from mlir_py.target.llvmir.types import TypeTranslator

import mlir_py as mp
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType

_scalars = st.one_of(
    st.sampled_from([1, 8, 16, 32, 64, 128]).map(IntegerType),
    st.sampled_from(["f16", "bf16", "f32", "f64"]).map(FloatType),
    st.integers(0, 3).map(LLVMPointerType),
)
_vectors = st.tuples(st.integers(1, 8), st.one_of(st.sampled_from([8, 32]).map(IntegerType),
                                                   st.just(FloatType("f32")), st.just(LLVMPointerType(0)))
                     ).map(lambda p: VectorType((p[0],), p[1]))
_names = st.text(alphabet="abcxyz_.0123", min_size=1, max_size=6)


def _extend(inner):
    return st.one_of(
        st.tuples(st.integers(0, 5), inner).map(lambda p: LLVMArrayType(p[0], p[1])),
        st.tuples(st.lists(inner, max_size=4), st.booleans()).map(lambda p: LLVMStructType.literal(p[0], p[1])),
        st.tuples(_names, st.lists(inner, max_size=3), st.booleans()).map(
            lambda p: LLVMStructType.identified("s" + p[0], p[1], p[2])),
    )


value_types = st.recursive(st.one_of(_scalars, _vectors), _extend, max_leaves=8)
function_types = st.tuples(st.one_of(value_types, st.just(LLVMVoidType())), st.lists(value_types, max_size=3),
                           st.booleans()).map(lambda p: LLVMFunctionType(p[0], tuple(p[1]), p[2]))


def _ctx():
    return mp.Context.with_available_dialects()


def _roundtrip(t):
    text = f"llvm.func @f() {{\n  %0 = llvm.mlir.undef : {t}\n  llvm.return\n}}\n"
    m = mp.parse(_ctx(), text, "t.mir")
    return m.regions[0].first_block.first_op.regions[0].first_block.first_op.results[0].type


@settings(max_examples=150, deadline=None)
@given(st.one_of(value_types, function_types, st.just(LLVMStructType.identified("opaque_one"))))
def test_types_print_then_parse_to_the_same_type(t):
    assert _roundtrip(t) is t


@settings(max_examples=60, deadline=None)
@given(st.lists(value_types, min_size=1, max_size=4))
def test_value_types_translate_to_types_llvm_accepts(types):
    spell = TypeTranslator()
    seen: dict[str, object] = {}
    for t in types:  # one body per identified name, as in a real module
        for name, body in _identified(t):
            if seen.setdefault(name, body) != body:
                return
    globals_ = [f"@g{i} = global {spell(t)} zeroinitializer" for i, t in enumerate(types)]
    parse_and_verify("\n".join(spell.definitions() + globals_))


def _identified(t):
    if isinstance(t, LLVMStructType):
        if t.identifier is not None:
            yield t.identifier, t.body
        for f in t.body or ():
            yield from _identified(f)
    elif isinstance(t, LLVMArrayType):
        yield from _identified(t.element_type)
