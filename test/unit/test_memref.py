"""The memref dialect: builders, accessors, verifiers, effects and syntax details."""

from __future__ import annotations

import pytest
from mlir_py.dialects import memref
from mlir_py.dialects.memref.layout import canonical_strides, canonicalize_strided_layout, strides_and_offset

from mlir_py.analysis.verifier import verify
from mlir_py.builtin.ops import ModuleOp
from mlir_py.definition.assembly_format import op_format
from mlir_py.definition.traits import Allocate, Free, Read, Write, get_memory_effects, is_pure
from mlir_py.ir import affine_parser as A
from mlir_py.ir.builtin_attributes import (
    AffineMapAttr,
    BoolAttr,
    DenseArrayAttr,
    IntegerAttr,
    StridedLayoutAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
)
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    MemRefType,
    UnrankedMemRefType,
    f32,
    i32,
    i64,
    index,
)
from mlir_py.ir.context import Context
from mlir_py.ir.diagnostics import DiagnosticCollector
from mlir_py.ir.operation import Block, Operation, Region
from mlir_py.text.parser import ParseError, parse_source
from mlir_py.text.printer import print_op_to_string


@pytest.fixture(scope="module")
def ctx() -> Context:
    c = Context(allow_unregistered_dialects=True)
    c.load_all_available_dialects()
    return c


def values(*types):
    """Fresh SSA values of the given types (results of unregistered ops)."""
    return [Operation("test.src", (), [t]).result for t in types]


def errors_of(op: Operation) -> list[str]:
    with DiagnosticCollector() as c:
        verify(op)
    return [d.message for d in c.errors]


def in_module(*ops: Operation) -> ModuleOp:
    """A module holding `ops`, after the detached ops that define their operands."""
    m = ModuleOp.build_empty()
    for op in ops:
        for walked in op.walk():
            for v in walked.operands:
                src = getattr(v, "op", None)
                if src is not None and src.parent is None and src.name == "test.src":
                    m.block.append(src)
    for op in ops:
        m.block.append(op)
    return m


def roundtrip(ctx, text: str) -> str:
    m = parse_source(ctx, text, "t.mir")
    verify(m)
    out = print_op_to_string(m)
    again = print_op_to_string(parse_source(ctx, out, "t2.mir"))
    assert again == out
    generic = print_op_to_string(m, generic=True)
    assert print_op_to_string(parse_source(ctx, generic, "t3.mir")) == out
    return out


M16 = MemRefType((16, 16), f32)


# -- the dialect -------------------------------------------------------------------------


def test_dialect_has_the_upstream_op_set():
    names = set(memref.DIALECT.ops)
    expected = {
        "alloc", "alloca", "alloca_scope", "alloca_scope.return", "assume_alignment", "atomic_rmw", "atomic_yield",
        "cast", "collapse_shape", "copy", "dealloc", "dim", "distinct_objects", "dma_start", "dma_wait",
        "expand_shape", "extract_aligned_pointer_as_index", "extract_strided_metadata", "generic_atomic_rmw",
        "get_global", "global", "load", "memory_space_cast", "prefetch", "rank", "realloc", "reinterpret_cast",
        "reshape", "store", "subview", "transpose", "view",
    }
    assert names == {f"memref.{n}" for n in expected}


@pytest.mark.parametrize("cls", memref.OPS, ids=lambda c: c.name)
def test_every_op_documents_itself_with_an_example(cls):
    assert "```mlir" in cls.__doc__
    assert getattr(memref, cls.__name__) is cls


# -- builders and accessors ---------------------------------------------------------------


def test_load_store_builders_infer_types():
    m, i, j, v = values(M16, index, index, f32)
    load = memref.LoadOp(m, [i, j])
    assert load.result.type is f32
    assert load.memref is m and load.indices == [i, j]
    assert load.nontemporal.value == 0  # the builder fills in the default
    store = memref.StoreOp(v, m, [i, j])
    assert store.value is v and store.memref is m and store.indices == [i, j]
    assert not store.results
    assert errors_of(in_module(load, store)) == []


def test_alloc_builder_sets_segments_and_alignment():
    d, s = values(index, index)
    t = MemRefType((8, DYNAMIC), f32, AffineMapAttr(A.parse_affine_map("(d0, d1)[s0] -> (d0 + s0, d1)")))
    op = memref.AllocOp([d], [s], alignment=IntegerAttr(64, i64), result_types=[t])
    assert op.dynamic_sizes == [d] and op.symbol_operands == [s]
    assert list(op.properties["operandSegmentSizes"]) == [1, 1]
    assert op.alignment.value == 64
    assert errors_of(in_module(op)) == []


def test_subview_accessors_give_mixed_values():
    m, i = values(M16, index)
    op = memref.SubViewOp(
        m, [i], [], [], static_offsets=DenseArrayAttr(i64, (DYNAMIC, 4)), static_sizes=DenseArrayAttr(i64, (2, 2)),
        static_strides=DenseArrayAttr(i64, (1, 1)),
        result_types=[MemRefType((2, 2), f32, StridedLayoutAttr((16, 1), DYNAMIC))])
    assert op.mixed_offsets == [i, 4]
    assert op.mixed_sizes == [2, 2]
    assert op.mixed_strides == [1, 1]
    assert list(op.properties["operandSegmentSizes"]) == [1, 1, 0, 0]
    assert errors_of(in_module(op)) == []


def test_generic_atomic_rmw_builder_creates_the_region_argument():
    m, i = values(MemRefType((10,), f32), index)
    op = memref.GenericAtomicRMWOp(m, [i])
    assert op.result.type is f32
    arg = op.current_value
    assert arg.type is f32
    op.atomic_body.first_block.append(memref.AtomicYieldOp(arg))
    assert errors_of(in_module(op)) == []


def test_extract_strided_metadata_splits_sizes_and_strides(ctx):
    m = parse_source(ctx, """
      func.func @f(%m: memref<4x?xf32>) {
        %b, %o, %s:2, %t:2 = memref.extract_strided_metadata %m
            : memref<4x?xf32> -> memref<f32>, index, index, index, index, index
        return
      }""", "t.mir")
    op = next(o for o in m.walk() if isinstance(o, memref.ExtractStridedMetadataOp))
    assert op.base_buffer.type is MemRefType((), f32)
    assert op.sizes == op.results[2:4] and op.strides == op.results[4:6]
    assert memref.ExtractStridedMetadataOp.infer_types(op.source.type) == [MemRefType((), f32)] + [index] * 5


def test_dma_start_accessors(ctx):
    m = parse_source(ctx, """
      func.func @f(%a: memref<4x4xf32>, %b: memref<16xf32, 1>, %t: memref<1xi32>, %i: index, %n: index) {
        memref.dma_start %a[%i, %i], %b[%i], %n, %t[%i], %n, %i : memref<4x4xf32>, memref<16xf32, 1>, memref<1xi32>
        return
      }""", "t.mir")
    op = next(o for o in m.walk() if isinstance(o, memref.DmaStartOp))
    f = op.parent_op
    a, b, t, i, n = f.regions[0].first_block.args
    assert op.src_memref is a and op.src_indices == [i, i]
    assert op.dst_memref is b and op.dst_indices == [i]
    assert op.num_elements is n and op.tag_memref is t and op.tag_indices == [i]
    assert op.is_strided and op.stride is n and op.num_elements_per_stride is i


# -- memory effects ----------------------------------------------------------------------


def _effects(op):
    return [(type(e), e.value, e.resource) for e in get_memory_effects(op)]


def test_memory_effects_name_the_affected_values():
    m, v, i, d = values(M16, f32, index, index)
    load = memref.LoadOp(m, [i, i])
    assert _effects(load) == [(Read, m, "default")]
    store = memref.StoreOp(v, m, [i, i])
    assert _effects(store) == [(Write, m, "default")]
    alloc = memref.AllocOp([], [], result_types=[M16])
    assert _effects(alloc) == [(Allocate, alloc.memref, "default")]
    alloca = memref.AllocaOp([], [], result_types=[M16])
    assert _effects(alloca) == [(Allocate, alloca.memref, "AutomaticAllocationScope")]
    assert _effects(memref.DeallocOp(m)) == [(Free, m, "default")]
    n = values(M16)[0]
    assert _effects(memref.CopyOp(m, n)) == [(Read, m, "default"), (Write, n, "default")]
    src = values(MemRefType((4,), f32))[0]
    realloc = memref.ReallocOp(src, [d], result_types=[MemRefType((DYNAMIC,), f32)])
    assert _effects(realloc) == [(Free, src, "default"), (Allocate, realloc.result, "default")]
    atomic = memref.AtomicRMWOp(v, m, [i, i], kind=memref.ATOMIC_RMW_KIND.attr("addf"), result_types=[f32])
    assert _effects(atomic) == [(Read, m, "default"), (Write, m, "default")]


def test_views_and_queries_are_pure_but_dma_and_prefetch_are_unknown():
    m, i = values(M16, index)
    assert is_pure(memref.CastOp(m, result_types=[MemRefType((DYNAMIC, DYNAMIC), f32)]))
    assert is_pure(memref.DimOp(m, i, result_types=[index]))
    assert is_pure(memref.RankOp(m, result_types=[index]))
    get = memref.GetGlobalOp(result_types=[M16], name=SymbolRefAttr("g"))
    assert is_pure(get)
    # upstream declares no effects for these: passes must assume anything
    prefetch = memref.PrefetchOp(m, [i, i], isWrite=BoolAttr(False), localityHint=IntegerAttr(3, i32),
                                 isDataCache=BoolAttr(True))
    assert get_memory_effects(prefetch) is None


def test_alloca_scope_effects_are_those_of_its_body(ctx):
    m = parse_source(ctx, """
      func.func @f(%i: index) {
        memref.alloca_scope {
          %a = memref.alloca() : memref<4xf32>
          %v = memref.load %a[%i] : memref<4xf32>
        }
        return
      }""", "t.mir")
    scope = next(o for o in m.walk() if isinstance(o, memref.AllocaScopeOp))
    kinds = [type(e) for e in get_memory_effects(scope)]
    assert kinds == [Allocate, Read]


# -- verifiers ---------------------------------------------------------------------------


def test_load_index_count_and_result_type():
    m, i = values(M16, index)
    op = memref.LoadOp(m, [i])
    assert errors_of(in_module(op)) == [
        "'memref.load' op invalid number of indices for accessed memref, expected 2 but got 1"]
    m, i = values(M16, index)
    bad = memref.LoadOp.create([m, i, i], [i32])
    assert errors_of(in_module(bad)) == [
        "'memref.load' op failed to verify that result type matches element type of 'memref'"]


def test_store_index_count():
    m, v, i = values(M16, f32, index)
    assert errors_of(in_module(memref.StoreOp(v, m, [i, i, i]))) == [
        "'memref.store' op invalid number of indices for accessed memref, expected 2 but got 3"]


def test_alloc_dynamic_size_count():
    d = values(index)[0]
    op = memref.AllocOp([d], [], result_types=[MemRefType((DYNAMIC, DYNAMIC), f32)])
    assert errors_of(in_module(op)) == ["'memref.alloc' op incorrect number of dynamic sizes, has 1, expected 2"]


def test_alloca_needs_an_allocation_scope():
    op = memref.AllocaOp([], [], result_types=[M16])
    assert errors_of(in_module(op)) == [
        "'memref.alloca' op requires an ancestor op with AutomaticAllocationScope trait"]


def test_cast_compatibility():
    ok = memref.CastOp.are_cast_compatible
    dyn = MemRefType((DYNAMIC, DYNAMIC), f32)
    assert ok([M16], [dyn]) and ok([dyn], [M16])
    assert ok([M16], [UnrankedMemRefType(f32)]) and ok([UnrankedMemRefType(f32)], [M16])
    assert not ok([UnrankedMemRefType(f32)], [UnrankedMemRefType(f32)])
    assert not ok([M16], [MemRefType((16, 8), f32)])
    assert not ok([M16], [MemRefType((16, 16), i32)])
    assert not ok([M16], [MemRefType((16, 16), f32, None, IntegerAttr(1, i64))])
    strided = MemRefType((16, 16), f32, StridedLayoutAttr((DYNAMIC, 1), DYNAMIC))
    assert ok([M16], [strided]) and ok([strided], [M16])
    assert not ok([M16], [MemRefType((16, 16), f32, StridedLayoutAttr((32, 1), 0))])


def test_dim_folds_static_sizes():
    m, i = values(MemRefType((4, DYNAMIC), f32), index)
    op = memref.DimOp(m, i, result_types=[index])
    assert op.fold([None, IntegerAttr(0, index)]) is IntegerAttr(4, index)
    assert op.fold([None, IntegerAttr(1, index)]) is None
    assert op.fold([None, IntegerAttr(7, index)]) is None
    assert memref.RankOp(m, result_types=[index]).fold([None]) is IntegerAttr(2, index)


def test_get_global_looks_up_the_nearest_symbol_table():
    g = memref.GlobalOp(sym_name=StringAttr("g"), type=TypeAttr(MemRefType((2,), f32)))
    get_ok = memref.GetGlobalOp(result_types=[MemRefType((2,), f32)], name=SymbolRefAttr("g"))
    get_bad_type = memref.GetGlobalOp(result_types=[MemRefType((3,), f32)], name=SymbolRefAttr("g"))
    get_missing = memref.GetGlobalOp(result_types=[MemRefType((2,), f32)], name=SymbolRefAttr("nope"))
    assert get_ok.global_name is SymbolRefAttr("g")
    assert errors_of(in_module(g, get_ok)) == []
    g2 = memref.GlobalOp(sym_name=StringAttr("g"), type=TypeAttr(MemRefType((2,), f32)))
    assert errors_of(in_module(g2, get_bad_type, get_missing)) == [
        "'memref.get_global' op result type 'memref<3xf32>' does not match type 'memref<2xf32>' of the global "
        "memref @g",
        "'memref.get_global' op 'nope' does not reference a valid global memref"]


def test_get_global_requires_its_name():
    op = memref.GetGlobalOp(result_types=[MemRefType((2,), f32)])
    assert "'memref.get_global' op requires attribute 'name'" in errors_of(in_module(op))


def test_global_initial_value_must_match_the_type(ctx):
    from mlir_py.ir.builtin_attributes import DenseElementsAttr
    from mlir_py.ir.builtin_types import RankedTensorType
    g = memref.GlobalOp(sym_name=StringAttr("g"), type=TypeAttr(MemRefType((2,), f32)),
                        initial_value=DenseElementsAttr([1, 2], RankedTensorType((2,), i32)))
    assert errors_of(in_module(g)) == [
        "'memref.global' op initial value element expected to be of type 'f32', but was of type 'i32'"]
    g = memref.GlobalOp(sym_name=StringAttr("g"), type=TypeAttr(MemRefType((2,), f32)), initial_value=UnitAttr())
    assert g.is_uninitialized and not g.is_external
    assert errors_of(in_module(g)) == []


# -- syntax ------------------------------------------------------------------------------


def test_load_and_store_use_the_compiled_format_and_stay_lean():
    src = op_format(memref.LoadOp).parser_source
    assert "infer_result_types" not in src  # result type comes from TypesMatchWith
    assert "parse_optional" not in src.split("attrs = parser.parse_optional_attr_dict()")[0]
    assert src.count("parser.") <= 12
    store = op_format(memref.StoreOp).parser_source
    assert "infer_result_types" not in store and "result_types = []" in store
    assert memref.LoadOp.__dict__.get("parse") is None and memref.StoreOp.__dict__.get("parse") is None


def test_dynamic_index_list_static_array(ctx):
    m = parse_source(ctx, """
      func.func @f(%m: memref<16x16xf32>, %i: index) {
        %0 = memref.subview %m[%i, 4] [2, 2] [1, 1] : memref<16x16xf32> to memref<2x2xf32, strided<[16, 1], offset: ?>>
        return
      }""", "t.mir")
    op = next(o for o in m.walk() if isinstance(o, memref.SubViewOp))
    assert op.static_offsets is DenseArrayAttr(i64, (DYNAMIC, 4))
    assert op.static_offsets.values[0] == -9223372036854775808
    assert "static_offsets = array<i64: -9223372036854775808, 4>" in print_op_to_string(m, generic=True)


def test_empty_dynamic_index_list_roundtrips(ctx):
    out = roundtrip(ctx, """
      func.func @f(%m: memref<f32>) {
        %0 = memref.reinterpret_cast %m to offset: [0], sizes: [], strides: [] : memref<f32> to memref<f32>
        return
      }""")
    assert "offset: [0], sizes: [], strides: []" in out


def test_symbols_and_alignment_print_as_upstream(ctx):
    out = roundtrip(ctx, """
      func.func @f(%d: index, %s: index) {
        %0 = memref.alloc(%d)[%s] {alignment = 64} : memref<8x?xf32, affine_map<(d0, d1)[s0] -> (d0 + s0, d1)>>
        return
      }""")
    assert "%alloc = memref.alloc(%arg0)[%arg1] alignment = 64 : memref<8x?xf32, #map>" in out


def test_reassociation_prints_without_integer_types(ctx):
    out = roundtrip(ctx, """
      func.func @f(%m: memref<4x4xf32>) {
        %0 = memref.collapse_shape %m [[0, 1]] : memref<4x4xf32> into memref<16xf32>
        return
      }""")
    assert "memref.collapse_shape %arg0 [[0, 1]] : memref<4x4xf32> into memref<16xf32>" in out


def test_global_forms_roundtrip(ctx):
    out = roundtrip(ctx, """
      memref.global "private" constant @c : memref<2xi32> = dense<[1, 4]> {alignment = 64}
      memref.global @z : memref<3xf16> = uninitialized
      memref.global "private" @y : memref<4xi32>
    """)
    assert 'memref.global "private" constant @c : memref<2xi32> = dense<[1, 4]> alignment = 64' in out
    assert "memref.global @z : memref<3xf16> = uninitialized" in out
    assert 'memref.global "private" @y : memref<4xi32>\n' in out


def test_global_type_must_be_static(ctx):
    with pytest.raises(ParseError, match="type should be static shaped memref, but got 'memref<\\?xf32>'"):
        parse_source(ctx, "memref.global @g : memref<?xf32>", "t.mir")


def test_atomic_rmw_kind_accepts_the_old_string_spelling(ctx):
    out = roundtrip(ctx, """
      func.func @f(%m: memref<10xf32>, %i: index, %v: f32) {
        %0 = memref.atomic_rmw "addf" %v, %m[%i] : (f32, memref<10xf32>) -> f32
        return
      }""")
    assert "memref.atomic_rmw addf %arg2, %arg0[%arg1] : (f32, memref<10xf32>) -> f32" in out


def test_alloca_scope_inserts_its_implicit_terminator(ctx):
    m = parse_source(ctx, """
      func.func @f() {
        memref.alloca_scope {
        }
        return
      }""", "t.mir")
    scope = next(o for o in m.walk() if isinstance(o, memref.AllocaScopeOp))
    assert isinstance(scope.body_region.first_block.last_op, memref.AllocaScopeReturnOp)
    assert errors_of(m) == []


def test_extract_strided_metadata_names_its_result_groups(ctx):
    m = parse_source(ctx, """
      func.func @f(%m: memref<4x?xf32>) {
        %0:6 = memref.extract_strided_metadata %m
            : memref<4x?xf32> -> memref<f32>, index, index, index, index, index
        "test.use"(%0#3, %0#5) : (index, index) -> ()
        return
      }""", "t.mir")
    out = print_op_to_string(m)
    assert "%base_buffer, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %arg0" in out
    assert '"test.use"(%sizes#1, %strides#1)' in out


# -- strided layouts ---------------------------------------------------------------------


def test_strides_and_offset_of_layouts():
    assert strides_and_offset(MemRefType((4, 8, 2), f32)) == ([16, 2, 1], 0)
    assert strides_and_offset(MemRefType((4, DYNAMIC, 2), f32)) == ([DYNAMIC, 2, 1], 0)
    assert canonical_strides((DYNAMIC, 4)) == [4, 1]
    strided = MemRefType((4, 4), f32, StridedLayoutAttr((8, 1), 3))
    assert strides_and_offset(strided) == ([8, 1], 3)
    m = A.parse_affine_map("(d0, d1)[s0, s1] -> (s0 + d0 * s1 + d1)")
    assert strides_and_offset(MemRefType((4, 4), f32, AffineMapAttr(m))) == ([DYNAMIC, 1], DYNAMIC)
    m = A.parse_affine_map("(d0, d1) -> (d0 * 8 + d1 * 2 + 5)")
    assert strides_and_offset(MemRefType((4, 4), f32, AffineMapAttr(m))) == ([8, 2], 5)
    not_strided = A.parse_affine_map("(d0) -> (d0 floordiv 8, d0 mod 8)")
    assert strides_and_offset(MemRefType((64,), f32, AffineMapAttr(not_strided))) is None


def test_canonicalize_strided_layout_drops_identity_layouts():
    t = MemRefType((4, 4), f32, StridedLayoutAttr((4, 1), 0))
    assert canonicalize_strided_layout(t) is MemRefType((4, 4), f32)
    t = MemRefType((4, 4), f32, StridedLayoutAttr((1, 4), 0))
    assert str(canonicalize_strided_layout(t)) == "memref<4x4xf32, affine_map<(d0, d1) -> (d0 + d1 * 4)>>"


def test_generic_atomic_rmw_builder_keeps_a_given_region():
    m, i = values(MemRefType((10,), f32), index)
    r = Region([Block([f32])])
    op = memref.GenericAtomicRMWOp(m, [i], atomic_body=r)
    assert op.atomic_body is r


def test_mixed_builders_infer_result_types():
    m, i, n = values(M16, index, index)
    sub = memref.SubViewOp.build_mixed(m, [i, 4], [2, n], [1, 2])
    assert sub.result.type is MemRefType((2, DYNAMIC), f32, StridedLayoutAttr((16, 2), DYNAMIC))
    assert sub.static_offsets is DenseArrayAttr(i64, (DYNAMIC, 4))
    assert sub.offsets == [i] and sub.sizes == [n] and sub.strides == []
    assert sub.get_view_source() is m
    rc = memref.ReinterpretCastOp.build_mixed(m, 0, [256], [1])
    assert rc.result.type is MemRefType((256,), f32, StridedLayoutAttr((1,), 0))
    assert errors_of(in_module(sub, rc)) == []
