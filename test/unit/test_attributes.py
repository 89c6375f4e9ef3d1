"""Builtin types and attributes: uniquing, immutability, printing, parse/print fixed points."""

from __future__ import annotations

import math
import pickle
import struct

import numpy as np
import pytest

from mlir_py.ir.attributes import OpaqueAttr, OpaqueType
from mlir_py.ir.builtin_attributes import (
    AffineMapAttr,
    ArrayAttr,
    BoolAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DictionaryAttr,
    FlatSymbolRefAttr,
    FloatAttr,
    IntegerAttr,
    StridedLayoutAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
    format_float,
)
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    ComplexType,
    FloatType,
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    NoneType,
    RankedTensorType,
    TupleType,
    UnrankedMemRefType,
    UnrankedTensorType,
    VectorType,
    bf16,
    f16,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
    index,
)
from mlir_py.ir.context import Context
from mlir_py.text.parser import ParseError, parse_attribute, parse_type


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context(allow_unregistered_dialects=True)


@pytest.fixture(scope="module")
def strict() -> Context:
    return Context()


def bits64(x: float) -> bytes:
    return struct.pack("<d", x)


# ----------------------------------------------------------------------------
# Uniquing
# ----------------------------------------------------------------------------


def test_types_are_uniqued():
    assert IntegerType(32) is IntegerType(32) is i32
    assert IntegerType(32, "signless") is i32
    assert IntegerType(32, "signed") is not i32
    assert IntegerType(8, "unsigned") is IntegerType(8, "unsigned")
    assert FloatType("f32") is f32 and FloatType("bf16") is bf16
    assert IndexType() is index and NoneType() is NoneType()
    assert VectorType([4], f32) is VectorType((4,), f32)
    assert VectorType((4,), f32, (False,)) is VectorType((4,), f32)
    assert VectorType((4,), f32, (True,)) is not VectorType((4,), f32)
    assert RankedTensorType([2, DYNAMIC], f32) is RankedTensorType((2, DYNAMIC), f32, None)
    assert MemRefType([4], f32) is MemRefType((4,), f32, None, None)
    assert FunctionType((i32,), (f32,)) is FunctionType([i32], [f32])
    assert TupleType((i32, f32)) is TupleType([i32, f32])
    assert ComplexType(f32) is ComplexType(f32)
    assert UnrankedTensorType(f32) is UnrankedTensorType(f32)
    assert hash(i32) == hash(IntegerType(32))
    assert len({i32, IntegerType(32), f32}) == 2


def test_memref_default_layout_and_memory_space_are_canonical():
    # as MLIR: an identity affine_map layout and memory space 0 are the defaults
    identity = AffineMapAttr(parse_attribute(Context(), "affine_map<(d0) -> (d0)>").value)
    assert MemRefType([4], f32, identity) is MemRefType([4], f32)
    assert MemRefType([4], f32, None, IntegerAttr(0, i64)) is MemRefType([4], f32)
    assert MemRefType([4], f32, None, IntegerAttr(0, i32)) is MemRefType([4], f32)
    assert MemRefType([4], f32, None, IntegerAttr(1, i64)) is not MemRefType([4], f32)
    assert UnrankedMemRefType(f32, IntegerAttr(0, i64)) is UnrankedMemRefType(f32)


def test_attributes_are_uniqued():
    assert StringAttr("a") is StringAttr("a")
    assert IntegerAttr(3, i32) is IntegerAttr(3, i32)
    assert IntegerAttr(3, i32) is not IntegerAttr(3, i64)
    assert IntegerAttr(255, i8) is IntegerAttr(-1, i8)  # stored wrapped, signless as signed
    assert IntegerAttr(5) is IntegerAttr(5, i64)
    assert BoolAttr(True) is IntegerAttr(1, i1)
    assert ArrayAttr([i32, StringAttr("x")]) is ArrayAttr((i32, StringAttr("x")))
    assert DictionaryAttr({"b": UnitAttr(), "a": i32}) is DictionaryAttr({"a": i32, "b": UnitAttr()})
    assert DictionaryAttr({"a": i32}).get("a") is i32 and DictionaryAttr({}).get("x") is None
    assert SymbolRefAttr("a", ["b"]) is SymbolRefAttr("a", ("b",))
    assert FlatSymbolRefAttr("f") is SymbolRefAttr("f")
    assert TypeAttr(i32) is TypeAttr(i32)
    assert UnitAttr() is UnitAttr()
    assert DenseArrayAttr(i64, [1, 2]) is DenseArrayAttr(i64, (1, 2))
    assert StridedLayoutAttr([1], 0) is StridedLayoutAttr((1,))


def test_float_attr_uniquing_by_bits():
    assert FloatAttr(1.0, f32) is FloatAttr(1.0, f32)
    assert FloatAttr(1.0, f32) is not FloatAttr(1.0, f64)
    assert FloatAttr(1.0) is FloatAttr(1.0, f64)
    # -0.0 == 0.0 in Python, but they are different attributes
    assert FloatAttr(-0.0, f32) is not FloatAttr(0.0, f32)
    assert math.copysign(1, FloatAttr(-0.0, f32).value) == -1
    # NaN != NaN in Python, but the same NaN is the same attribute
    nan = float("nan")
    assert FloatAttr(nan, f32) is FloatAttr(nan, f32)
    assert FloatAttr.from_bits(0x7FC00000, f32) is FloatAttr(nan, f32)
    assert FloatAttr.from_bits(0x7FC00001, f32) is not FloatAttr.from_bits(0x7FC00000, f32)
    assert FloatAttr.from_bits(0xFFC00000, f32) is not FloatAttr.from_bits(0x7FC00000, f32)
    # values are rounded to the type first
    assert FloatAttr(0.1, f32) is FloatAttr(float(np.float32(0.1)), f32)
    assert FloatAttr(0.1, f32).value == float(np.float32(0.1))
    assert FloatAttr(0.1, f16).value == float(np.float16(0.1))
    assert FloatAttr(1e6, f16).value == math.inf  # out of range rounds to inf
    with pytest.raises(ValueError):
        FloatAttr.from_bits(0x10000, f16)


def test_dense_array_float_uniquing_by_bits():
    assert DenseArrayAttr(f32, [-0.0]) is not DenseArrayAttr(f32, [0.0])
    assert DenseArrayAttr(f32, [0.0]) is DenseArrayAttr(f32, (0.0,))
    nan = float("nan")
    assert DenseArrayAttr(f64, [nan, 1.0]) is DenseArrayAttr(f64, [float("nan"), 1.0])
    assert DenseArrayAttr(f32, [0.1]) is DenseArrayAttr(f32, [float(np.float32(0.1))])
    assert DenseArrayAttr(f32, [1.0]) is not DenseArrayAttr(f64, [1.0])
    assert pickle.loads(pickle.dumps(DenseArrayAttr(f32, [-0.0]))) is DenseArrayAttr(f32, [-0.0])


def test_integer_attr_wrapping():
    assert IntegerAttr(2**64 - 1, i64).value == -1
    assert IntegerAttr(255, IntegerType(8, "unsigned")).value == 255
    assert IntegerAttr(-1, IntegerType(8, "unsigned")).value == 255
    assert IntegerAttr(2, i1).value == 0
    assert IntegerAttr(-1, index).value == -1
    with pytest.raises(ValueError, match="out of range"):
        IntegerAttr.checked(256, i8)
    assert IntegerAttr.checked(255, i8).value == -1
    assert IntegerAttr.checked(-128, i8).value == -128


def test_dense_elements_structural_equality():
    t = RankedTensorType([2], f32)
    a = DenseElementsAttr([1.0, 2.0], t)
    b = DenseElementsAttr(np.array([1.0, 2.0]), t)
    c = DenseElementsAttr([1.0, 3.0], t)
    assert a == b and hash(a) == hash(b) and a != c
    assert a != DenseElementsAttr([1, 2], RankedTensorType([2], i32))
    assert len({a, b, c}) == 2
    splat = DenseElementsAttr(5, RankedTensorType([2, 3], i32))
    assert splat.is_splat and splat.splat_value() == 5 and splat.array.shape == (2, 3)
    assert not a.is_splat
    with pytest.raises(ValueError):
        DenseElementsAttr([1, 2, 3], RankedTensorType([2], i32))


def test_immutability():
    with pytest.raises(AttributeError):
        i32.width = 64
    with pytest.raises(AttributeError):
        StringAttr("a").value = "b"
    with pytest.raises(AttributeError):
        FloatAttr(1.0).value = 2.0
    d = DenseElementsAttr([1, 2], RankedTensorType([2], i32))
    with pytest.raises(AttributeError):
        d.type = f32
    with pytest.raises(ValueError):
        d.array[0] = 7  # the numpy buffer is read-only
    src = np.array([1, 2], dtype=np.int32)
    d2 = DenseElementsAttr(src, RankedTensorType([2], i32))
    src[0] = 9  # the attribute owns a copy
    assert d2.array[0] == 1
    assert i32.parameters == (32, "signless")


def test_unhashable_parameters_are_rejected():
    with pytest.raises(TypeError, match="hashable"):
        StringAttr({"not": "hashable"})


def test_wrong_parameter_count():
    with pytest.raises(TypeError):
        StringAttr("a", "b")
    with pytest.raises(ValueError):
        IntegerType(32, "weird")
    with pytest.raises(ValueError):
        FloatType("f33")


def test_pickle_keeps_identity():
    for a in (i32, f32, MemRefType([4, DYNAMIC], f32), StringAttr("x"), IntegerAttr(3, i8), FloatAttr(-0.0, f32),
              ArrayAttr([i32, UnitAttr()])):
        assert pickle.loads(pickle.dumps(a)) is a


def test_shaped_type_queries():
    t = RankedTensorType([2, DYNAMIC, 3], f32)
    assert t.rank == 3 and t.has_rank and not t.has_static_shape and t.num_dynamic_dims == 1
    assert t.is_dynamic_dim(1) and not t.is_dynamic_dim(0)
    assert RankedTensorType([2, 3], f32).num_elements == 6
    assert not UnrankedTensorType(f32).has_rank
    with pytest.raises(AttributeError):
        _ = UnrankedTensorType(f32).shape
    assert MemRefType([2, 3], f32).get_strides_and_offset() == ([3, 1], 0)
    assert MemRefType([DYNAMIC, 3, 4], f32).get_strides_and_offset() == ([12, 4, 1], 0)
    assert MemRefType([3, DYNAMIC, 4], f32).get_strides_and_offset() == ([DYNAMIC, 4, 1], 0)
    strided = MemRefType([4], f32, StridedLayoutAttr([2], DYNAMIC))
    assert strided.get_strides_and_offset() == ([2], DYNAMIC)
    assert i32.is_signless and not IntegerType(8, "signed").is_signless
    assert f16.width == 16 and bf16.width == 16 and f64.width == 64


# ----------------------------------------------------------------------------
# Printing and parse/print fixed points
# ----------------------------------------------------------------------------


def test_print_built_types():
    assert str(i32) == "i32" and str(IntegerType(8, "signed")) == "si8" and str(IntegerType(7, "unsigned")) == "ui7"
    assert str(index) == "index" and str(NoneType()) == "none" and str(bf16) == "bf16"
    assert str(VectorType([2, 4], f32, [False, True])) == "vector<2x[4]xf32>"
    assert str(RankedTensorType([DYNAMIC, 4], f32)) == "tensor<?x4xf32>"
    assert str(RankedTensorType([], i1)) == "tensor<i1>"
    assert str(RankedTensorType([4], f32, StringAttr("enc"))) == 'tensor<4xf32, "enc">'
    assert str(UnrankedTensorType(f32)) == "tensor<*xf32>"
    assert str(MemRefType([4], f32, StridedLayoutAttr([1], DYNAMIC), IntegerAttr(3, i64))) == \
        "memref<4xf32, strided<[1], offset: ?>, 3>"
    assert str(MemRefType([4], f32, None, IntegerAttr(3, i32))) == "memref<4xf32, 3 : i32>"
    assert str(UnrankedMemRefType(f32, StringAttr("s"))) == 'memref<*xf32, "s">'
    assert str(FunctionType((), ())) == "() -> ()"
    assert str(FunctionType((i32,), (FunctionType((), ()),))) == "(i32) -> (() -> ())"
    assert str(FunctionType((i32, f32), (i32, f32))) == "(i32, f32) -> (i32, f32)"
    assert str(TupleType(())) == "tuple<>" and str(ComplexType(f64)) == "complex<f64>"


def test_print_built_attributes():
    assert str(IntegerAttr(-1, i8)) == "-1 : i8"
    assert str(IntegerAttr(7)) == "7 : i64"
    assert str(BoolAttr(False)) == "false"
    assert str(FloatAttr(1.0, f32)) == "1.000000e+00 : f32"
    assert str(StringAttr('a"b\\c\n\t\x01')) == r'"a\22b\\c\0A\09\01"'
    assert str(ArrayAttr([IntegerAttr(1), FloatAttr(2.0), IntegerAttr(3, i32), FloatAttr(4.0, f32)])) == \
        "[1, 2.000000e+00, 3 : i32, 4.000000e+00 : f32]"
    assert str(DictionaryAttr({"b": UnitAttr(), "a": StringAttr("x"), "odd key": i32})) == \
        '{a = "x", b, "odd key" = i32}'
    assert str(SymbolRefAttr("a", ("b", "c d"))) == '@a::@b::@"c d"'
    assert str(SymbolRefAttr("0bad")) == '@"0bad"'
    assert str(TypeAttr(f32)) == "f32" and str(UnitAttr()) == "unit"
    assert str(DenseArrayAttr(i32, [])) == "array<i32>"
    assert str(DenseArrayAttr(i1, [1, 0])) == "array<i1: true, false>"
    assert str(DenseArrayAttr(f32, [0.5])) == "array<f32: 5.000000e-01>"
    assert str(StridedLayoutAttr([DYNAMIC, 1], 0)) == "strided<[?, 1]>"
    assert str(DenseElementsAttr([[1, 2], [3, 4]], RankedTensorType([2, 2], i32))) == \
        "dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>"
    assert str(DenseElementsAttr(np.zeros((0,)), RankedTensorType([0], f32))) == "dense<> : tensor<0xf32>"
    assert str(DenseElementsAttr([True, False], RankedTensorType([2], i1))) == "dense<[true, false]> : tensor<2xi1>"
    assert str(DenseElementsAttr(7, RankedTensorType([], i64))) == "dense<7> : tensor<i64>"
    assert str(OpaqueAttr("foo.bar", "<1>")) == "#foo.bar<1>"
    assert str(OpaqueType("foo.t", "")) == "!foo.t"


def test_repr_is_readable():
    assert repr(i32) == "IntegerType(i32)"
    assert repr(StringAttr("x")) == 'StringAttr("x")'
    assert "dense<" in repr(DenseElementsAttr([1], RankedTensorType([1], i32)))


FLOAT_FORMS = [
    # (value, type, MLIR's spelling)
    (1.0, f32, "1.000000e+00"),
    (1.0, f64, "1.000000e+00"),
    (0.1, f32, "1.000000e-01"),
    (0.1, f64, "1.000000e-01"),
    (-0.0, f32, "-0.000000e+00"),
    (0.0, f64, "0.000000e+00"),
    (2.5e-3, f32, "2.500000e-03"),
    (1.5e300, f64, "1.500000e+300"),
    (65504.0, f16, "6.550400e+04"),
    (3.14159, f16, "3.140630e+00"),  # LLVM truncates the excess digits
    (0.1, f16, "9.997550e-02"),
    (0.1, bf16, "1.000980e-01"),
    # not representable in 6 digits: APFloat's default (shortest-precision) form
    (1.234567, f32, "1.23456705"),
    (0.123456789, f32, "0.123456791"),
    (1.0000001, f64, "1.0000001000000001"),
    (0.30000000000000004, f64, "0.30000000000000004"),
    (1.23456789e20, f64, "1.23456789E+20"),
    (1.2345678e-4, f64, "1.2345678000000001E-4"),
    # no '.' in the default form: hex
    (123456789.0, f32, "0x4CEB79A3"),
    (math.inf, f32, "0x7F800000"),
    (-math.inf, f32, "0xFF800000"),
    (math.nan, f32, "0x7FC00000"),
    (math.inf, f16, "0x7C00"),
    (math.inf, bf16, "0x7F80"),
    (math.inf, f64, "0x7FF0000000000000"),
    (math.nan, f64, "0x7FF8000000000000"),
]


@pytest.mark.parametrize("value,t,expected", FLOAT_FORMS)
def test_float_formatting_as_mlir(ctx, value, t, expected):
    a = FloatAttr(value, t)
    assert format_float(a.value, t) == expected
    assert str(a) == f"{expected} : {t}"
    # and it reads back as the very same attribute
    assert parse_attribute(ctx, str(a)) is a


def test_float_formatting_round_trips_random_values(ctx):
    rng = np.random.default_rng(1)
    for t, dtype, bits in ((f32, np.uint32, 32), (f16, np.uint16, 16), (f64, np.uint64, 64)):
        raw = rng.integers(0, 2**bits - 1, size=400, dtype=np.uint64 if bits == 64 else np.uint32)
        for b in raw:
            a = FloatAttr.from_bits(int(b) & ((1 << bits) - 1), t)
            if math.isnan(a.value) and t is not f64:
                continue  # NaN payloads below f64 go through Python floats
            back = parse_attribute(ctx, str(a))
            assert back is a, (str(a), int(b))


TYPE_FORMS = [
    "i1", "i32", "si8", "ui16", "i128", "index", "none", "f16", "bf16", "f32", "f64", "f80", "f128", "tf32",
    "f8E4M3FN", "f8E5M2", "f4E2M1FN",
    "tensor<4x?xf32>", "tensor<*xf32>", "tensor<f32>", "tensor<0xi8>", "tensor<4xf32, \"enc\">",
    "tensor<4xf32, #foo.enc<1>>", "tensor<2xtensor<3xi8>>", "tensor<4xvector<4xf32>>", "tensor<2xcomplex<f32>>",
    "memref<4x4xf32>", "memref<f32>", "memref<?x?xf32>", "memref<4xf32, 1>", "memref<4xf32, 2 : i32>",
    "memref<4xf32, \"shared\">", "memref<4xf32, #foo.space<workgroup>>",
    "memref<4xf32, strided<[1], offset: ?>>", "memref<4x4xf32, strided<[?, 1], offset: 4>, 3>",
    "memref<4x4xf32, affine_map<(d0, d1) -> (d1, d0)>>", "memref<4xf32, affine_map<(d0)[s0] -> (d0 + s0)>, 1>",
    "memref<*xf32>", "memref<*xf32, 2>", "memref<4xmemref<2xi8>>",
    "vector<4xf32>", "vector<f32>", "vector<[4]xf32>", "vector<2x[4]xi1>", "vector<[2]x[4]xf32>",
    "complex<f32>", "complex<i8>", "tuple<>", "tuple<i32, f32>", "tuple<tuple<i32>, tuple<>>",
    "() -> ()", "(i32) -> f32", "(i32, f32) -> (i32, f32)", "() -> (() -> ())", "((i32) -> i32) -> i1",
    "!foo.bar", "!foo.bar<i32, \"x\">", "!foo<\"abc\">", "!foo.t<[1, 2], {a = 1 : i64}>",
]


@pytest.mark.parametrize("src", TYPE_FORMS)
def test_type_fixed_point(ctx, src):
    t = parse_type(ctx, src)
    assert str(t) == src
    assert parse_type(ctx, str(t)) is t


CANONICALIZED_TYPES = [
    ("memref<4xf32, 0>", "memref<4xf32>"),
    ("memref<4xf32, 0 : i32>", "memref<4xf32>"),
    ("memref<4xf32, affine_map<(d0) -> (d0)>>", "memref<4xf32>"),
    ("memref<4xf32, affine_map<(d0) -> (d0)>, 1>", "memref<4xf32, 1>"),
    ("memref<*xf32, 0>", "memref<*xf32>"),
    ("memref<4xf32, strided<[1], offset: 0>>", "memref<4xf32, strided<[1]>>"),
    ("vector< 4 x f32 >", "vector<4xf32>"),  # upstream allows whitespace between shape tokens
    ("tensor<4x f32>", "tensor<4xf32>"),
    ("(i32)->(f32)", "(i32) -> f32"),
    ("tuple< i32 >", "tuple<i32>"),
]


@pytest.mark.parametrize("src,expected", CANONICALIZED_TYPES)
def test_type_canonical_spelling(ctx, src, expected):
    if expected is None:
        with pytest.raises(ParseError):
            parse_type(ctx, src)
        return
    t = parse_type(ctx, src)
    assert str(t) == expected
    assert parse_type(ctx, expected) is t


ATTR_FORMS = [
    "42 : i32", "-1 : i8", "0 : i64", "42 : index", "-5 : si8", "200 : ui8", "true", "false",
    "-1 : i128", "-170141183460469231731687303715884105728 : i128",
    "1.000000e+00 : f32", "-2.500000e-03 : f32", "0x7F800000 : f32", "0x7FC00000 : f32", "0xFF800000 : f32",
    "0x7C00 : f16", "0x7FF8000000000000 : f64", "1.000000e+00 : bf16",
    '"hello"', r'"esc\0A\09\22\\"', r'"\00\7F"', '""', "unit",
    "[]", "[1, 2, 3]", "[1, 2.000000e+00, \"s\", i32, [unit]]", "[1 : i32, 4.000000e+00 : f32]",
    "{}", "{a = 1 : i32, b, \"c d\" = \"e\"}", "{a = {b = {c = [1]}}}",
    "@foo", "@foo::@bar::@baz", '@"quoted name"', '@"a b"::@c',
    "i32", "f32", "tensor<4xf32>", "(i32) -> f32", "!foo.t",
    "array<i64>", "array<i64: 1, 2, 3>", "array<i8: 127, -128>", "array<i1: true, false>",
    "array<f32: 1.000000e+00, 2.500000e+00>", "array<f64: 0x7FF8000000000000>",
    "dense<1.000000e+00> : tensor<4xf32>", "dense<[1, 2, 3]> : tensor<3xi32>",
    "dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>", "dense<true> : tensor<2xi1>", "dense<[true, false]> : tensor<2xi1>",
    "dense<(1.000000e+00,2.000000e+00)> : tensor<2xcomplex<f32>>",
    "dense<[(1,2), (3,4)]> : tensor<2xcomplex<i32>>", "dense<> : tensor<0xf32>", "dense<> : tensor<0x4xi32>",
    "dense<7> : tensor<i32>", "dense<1> : vector<4xi32>", "dense<2> : tensor<2xindex>",
    "dense<[0x7FC00000, 1.000000e+00]> : tensor<2xf32>", "dense<[1.000000e+00, 2.000000e+00]> : tensor<2xbf16>",
    "dense<1> : memref<2xi32>", "dense<255> : tensor<2xui8>",
    "dense_resource<blob1> : tensor<4xf32>",
    "strided<[]>", "strided<[1]>", "strided<[?, 1], offset: ?>", "strided<[4, 1], offset: 2>",
    "affine_map<(d0, d1) -> (d1, d0)>", "affine_map<() -> ()>", "affine_map<(d0)[s0] -> (d0 floordiv 2, s0 mod 3)>",
    "affine_set<(d0) : (d0 >= 0)>", "affine_set<(d0, d1)[s0] : (d0 - s0 >= 0, d1 == 0)>",
    "#foo.bar", "#foo.bar<1, 2>", '#foo.bar<"x", [1, 2]>', "#foo<\"opaque\">",
]


@pytest.mark.parametrize("src", ATTR_FORMS)
def test_attribute_fixed_point(ctx, src):
    a = parse_attribute(ctx, src)
    assert str(a) == src
    b = parse_attribute(ctx, str(a))
    assert b is a or b == a


CANONICALIZED_ATTRS = [
    ("1.0 : f32", "1.000000e+00 : f32"),
    ("0.1", "1.000000e-01 : f64"),
    ("1.5e-7 : f32", "1.500000e-07 : f32"),
    ("1.0E+2 : f64", "1.000000e+02 : f64"),
    ("-0.0 : f32", "-0.000000e+00 : f32"),
    ("3 : f32", "3.000000e+00 : f32"),
    ("0x3F800000 : f32", "1.000000e+00 : f32"),
    ("0x3C00 : f16", "1.000000e+00 : f16"),
    ("0x10 : i32", "16 : i32"),
    ("-0x10 : i32", "-16 : i32"),
    ("255 : i8", "-1 : i8"),
    ("1 : i1", "true"),
    ("0 : i1", "false"),
    ("42", "42 : i64"),
    ("18446744073709551615 : index", "-1 : index"),
    ("0x8000000000000000 : i64", "-9223372036854775808 : i64"),
    ("{b = 1, a = 2}", "{a = 2 : i64, b = 1 : i64}"),
    ("{a = unit}", "{a}"),
    ('{"plain" = 1}', "{plain = 1 : i64}"),
    ("[1.0]", "[1.000000e+00]"),
    ("array<i8: 128>", "array<i8: -128>"),
    ("array<i1: true, 1>", "array<i1: true, true>"),
    ("array<f32: 0x3F800000>", "array<f32: 1.000000e+00>"),
    ("dense<[]> : tensor<0xi32>", "dense<> : tensor<0xi32>"),
    ("dense<[[[1]]]> : tensor<1x1x1xi64>", "dense<1> : tensor<1x1x1xi64>"),
    ("dense<[1, 1, 1]> : tensor<3xi32>", "dense<1> : tensor<3xi32>"),
    ('dense<"0x0000803F0000004000004040"> : tensor<3xf32>',
     "dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>"),
    ('dense<"0x0000803F"> : tensor<3xf32>', "dense<1.000000e+00> : tensor<3xf32>"),  # hex splat
    ('dense<"0x01020304"> : tensor<2x2xi8>', "dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>"),
    ('dense<"0x01"> : tensor<2x2xi1>', "dense<true> : tensor<2x2xi1>"),
    ('dense<"0xFFFF"> : tensor<2xi8>', "dense<-1> : tensor<2xi8>"),
    ("dense<0xFFFF> : tensor<2xi16>", "dense<-1> : tensor<2xi16>"),
    ("dense<[0x3F800000, 2.0]> : tensor<2xf32>", "dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>"),
    ("dense<0> : tensor<0x4xi32>", "dense<> : tensor<0x4xi32>"),
    ("strided<[1], offset: 0>", "strided<[1]>"),
    # `\XX` escapes are bytes; printed as llvm::printEscapedString: non-ASCII as `\XX`
    (r'"\C3\BC\e2\9c\93"', r'"\C3\BC\E2\9C\93"'),
    ('"ü✓"', r'"\C3\BC\E2\9C\93"'),
    (r'"esc\n\t\"\\"', r'"esc\0A\09\22\\"'),
    (r'"\FF\C3"', r'"\FF\C3"'),
    (r'"\41\7e"', '"A~"'),
    ("affine_set<(d0)[s0]: (d0 >= 0, -d0 + s0 - 1 >= 0)>", "affine_set<(d0)[s0] : (d0 >= 0, -d0 + s0 - 1 >= 0)>"),
]


@pytest.mark.parametrize("src,expected", CANONICALIZED_ATTRS)
def test_attribute_canonical_spelling(ctx, src, expected):
    a = parse_attribute(ctx, src)
    assert str(a) == expected
    b = parse_attribute(ctx, expected)
    assert b is a or b == a
    assert str(b) == expected


def test_dense_values_are_decoded(ctx):
    d = parse_attribute(ctx, 'dense<"0x0000803F00000040"> : tensor<2xf32>')
    assert d.array.tolist() == [1.0, 2.0] and d.array.dtype == np.float32
    d = parse_attribute(ctx, "dense<[(1.0, 2.0), (3.0, 4.0)]> : tensor<2xcomplex<f64>>")
    assert d.array.tolist() == [1 + 2j, 3 + 4j]
    d = parse_attribute(ctx, "dense<[1, 255]> : tensor<2xui8>")
    assert d.array.tolist() == [1, 255]
    d = parse_attribute(ctx, "dense<5> : tensor<2x2xi32>")
    assert d.is_splat and d.array.tolist() == [[5, 5], [5, 5]]
    a = parse_attribute(ctx, "array<i64: 1, -2>")
    assert list(a) == [1, -2] and len(a) == 2 and a[1] == -2 and a.element_type is i64


ATTR_ERRORS = [
    ("99999999999999999999 : i64", "integer constant out of range"),
    ("-129 : i8", "integer constant out of range"),
    ("256 : ui8", "integer constant out of range"),
    ("-1 : ui8", "integer constant out of range"),
    ("2 : i1", "integer constant out of range"),
    ("1.5 : i32", "floating point value not valid for specified type"),
    ("0x10000 : f16", "hexadecimal float constant out of range"),
    ("1 : tensor<2xi32>", "invalid type"),
    ("dense<[[1, 2], [3]]> : tensor<2x2xi32>", "ranks are not consistent"),
    ("dense<[1, 2]> : tensor<3xi32>", "inferred shape of elements literal ([2]) does not match type ([3])"),
    ("dense<1.5> : tensor<2xi32>", "expected integer elements, but parsed floating-point"),
    ("dense<true> : tensor<2xf32>", "expected floating-point elements, but parsed boolean"),
    ("dense<300> : tensor<2xi8>", "integer constant out of range"),
    ('dense<"0xZZ"> : tensor<1xi8>', "malformed hex string"),
    ('dense<"0x0102"> : tensor<4xi8>', "elements hex data size is invalid"),
    ('dense<"abc"> : tensor<4xi8>', "expected hex string"),
    ("dense<1> : tensor<?xi32>", "elements literal type must have static shape"),
    ("dense<1> : tensor<*xi32>", "elements literal type must be a ranked shaped type"),
    ("dense<1> : i32", "elements literal type must be a ranked shaped type"),
    ("dense<(1, 2)> : tensor<2xi32>", "unexpected complex element"),
    ("dense<1> : tensor<2xcomplex<f32>>", "expected complex element"),
    ("dense<[1]> : tensor<i32>", "does not match type"),
    ("dense<foo> : tensor<1xi32>", "expected element literal of primitive type"),
    ("array<index: 1>", "expected integer or float type"),
    ("array<i32: 1.5>", "expected integer elements, but parsed floating-point"),
    ("array<i8: 300>", "integer constant out of range"),
    ("array<i32: x>", "expected integer or float literal"),
    ("{a = 1, a = 2}", "duplicate key 'a' in dictionary attribute"),
    ("{1 = 2}", "expected attribute name"),
    ("[1, 2", "expected ']'"),
    ('"unterminated', "expected '\"' in string literal"),
    (r'"bad \q escape"', "unknown escape in string literal"),
    ("#undefined_alias", "undefined symbol alias id 'undefined_alias'"),
    ("strided<[1], offs: 0>", "expected 'offset'"),
    ("strided<[x]>", "expected integer value"),
    ("affine_map<(d0) -> (d1)>", ""),
    ("@", "@ identifier expected to start with letter or '_'"),
    ("%x", "expected attribute value"),
    ("", "expected attribute value"),
]


@pytest.mark.parametrize("src,message", ATTR_ERRORS)
def test_attribute_errors(ctx, src, message):
    with pytest.raises(ParseError) as e:
        parse_attribute(ctx, src)
    assert message in e.value.message
    assert e.value.loc.file_line_col() is not None


TYPE_ERRORS = [
    ("i0", "expected non-function type"),
    ("i16777216", "integer bitwidth is limited to 16777215 bits"),
    ("vector<0xf32>", "vector types must have positive constant sizes"),
    ("vector<4x?xf32>", "expected non-function type"),
    ("tensor<[4]xf32>", "unexpected scalable dimension"),
    ("tensor<4xf32", "expected '>'"),
    ("memref<4xf32, affine_map<(d0, d1) -> (d0)>>", "memref layout mismatch between rank and affine map: 1 != 2"),
    ("(i32) -> (i32) -> i32", "unexpected trailing characters"),
    ("(i32", "expected ')'"),
    ("(i32) f32", "expected '->'"),
    ("!undefined", "undefined symbol alias id 'undefined'"),
    ("tuple<i32", "expected '>'"),
    ("complex<>", "expected non-function type"),
    ("%", "expected non-function type"),
]


@pytest.mark.parametrize("src,message", TYPE_ERRORS)
def test_type_errors(ctx, src, message):
    with pytest.raises(ParseError) as e:
        parse_type(ctx, src)
    assert message in e.value.message


def test_unregistered_dialect_attributes_need_the_flag(strict):
    with pytest.raises(ParseError, match="dialect 'foo' is unknown"):
        parse_attribute(strict, "#foo.bar<1>")
    with pytest.raises(ParseError, match="dialect 'foo' is unknown"):
        parse_type(strict, "!foo.bar")
    with pytest.raises(ParseError, match="dialect 'builtin' provides no attribute named 'nope'"):
        parse_attribute(strict, "#builtin.nope")
    with pytest.raises(ParseError, match="dialect 'builtin' provides no type named 'nope'"):
        parse_type(strict, "!builtin.nope")


def test_opaque_attributes_keep_their_text(ctx):
    a = parse_attribute(ctx, "#foo.bar<a >= b, [x], \"s>\">")
    assert isinstance(a, OpaqueAttr) and str(a) == '#foo.bar<a >= b, [x], "s>">'
    t = parse_type(ctx, "!foo.t<(i32) -> i32, <nested<deep>>>")
    assert isinstance(t, OpaqueType) and str(t) == "!foo.t<(i32) -> i32, <nested<deep>>>"
    assert parse_type(ctx, str(t)) is t


def test_denormal_and_extreme_floats(ctx):
    tiny = FloatAttr.from_bits(1, f32)
    assert tiny.value == float(np.float32(1e-45)) and parse_attribute(ctx, str(tiny)) is tiny
    big = FloatAttr(3.0e38, f32)
    assert parse_attribute(ctx, str(big)) is big
    assert parse_attribute(ctx, "4.0e38 : f32") is FloatAttr(math.inf, f32)
    assert parse_attribute(ctx, "1.0e400 : f64") is FloatAttr(math.inf, f64)
    assert bits64(parse_attribute(ctx, "-0.0 : f64").value) == bits64(-0.0)
