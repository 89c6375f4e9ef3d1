"""linalg's Python builders: generic from (inputs, outputs, maps, iterators, body callback) and each named op
from its operands build verifier-clean ops that print as the parsed text does, and the structured-op interface
answers the same for built and parsed ops."""

from __future__ import annotations

from mlir_py.dialects import func, linalg

from mlir_py.analysis.verifier import verify
from mlir_py.builtin import ModuleOp
from mlir_py.ir.builtin_types import DYNAMIC, FunctionType, MemRefType, RankedTensorType, f32, i8, i32
from mlir_py.ir.context import Context
from mlir_py.text.parser import parse_source
from mlir_py.text.printer import print_op_to_string


def _ctx() -> Context:
    return Context.with_available_dialects()


def _func(inputs, results):
    m = ModuleOp()
    f = func.FuncOp.build("f", FunctionType(tuple(inputs), tuple(results)))
    m.body.first_block.append(f)
    return m, f.body.first_block


def _roundtrip(m) -> str:
    text = print_op_to_string(m)
    again = print_op_to_string(parse_source(_ctx(), text))
    assert again == text
    return text


def test_generic_builder_reduction_on_tensors():
    t = RankedTensorType((4, 8), f32)
    r = RankedTensorType((4,), f32)
    m, block = _func([t, r], [r])
    a, init = block.args
    op = linalg.GenericOp.build([a], [init], ["(d0, d1) -> (d0, d1)", "(d0, d1) -> (d0)"],
                                ["parallel", "reduction"], lambda b, x, acc: b.add(x, acc))
    block.append(op)
    block.append(func.ReturnOp([op.results[0]]))
    verify(m)
    text = _roundtrip(m)
    assert 'iterator_types = ["parallel", "reduction"]' in text
    assert "^bb0(%in: f32, %out: f32):" in text
    assert op.get_num_loops() == 2 and op.get_reduction_dims() == [1]
    assert op.get_static_loop_ranges() == [4, 8]
    assert not op.is_elementwise()
    assert op.get_tied_result(op.get_dps_init_operands()[0]) is op.results[0]
    assert op.get_tied_init(op.results[0]).value is init
    assert linalg.is_structured_op(op)


def test_generic_builder_on_memrefs_has_no_results_and_effects():
    t = MemRefType((DYNAMIC,), f32)
    m, block = _func([t, t], [])
    a, out = block.args
    op = linalg.GenericOp.build([a], [out], ["(d0) -> (d0)"] * 2, ["parallel"],
                                lambda b, x, o: b.unary("exp", x))
    block.append(op)
    block.append(func.ReturnOp([]))
    verify(m)
    _roundtrip(m)
    assert not op.results
    assert op.is_elementwise()
    kinds = sorted(type(e).__name__ for e in op.get_effects())
    assert kinds == ["Read", "Write"]  # the body does not read the init
    assert op.get_static_loop_ranges() == [DYNAMIC]
    assert op.get_loop_dim_sources() == [(a, 0)]


def test_named_builders_match_parsed_ops():
    a_t, b_t, c_t = (RankedTensorType(s, f32) for s in ((4, 8), (8, 16), (4, 16)))
    m, block = _func([a_t, b_t, c_t, f32], [c_t])
    a, b, c, s = block.args
    fill = linalg.FillOp.build([s], [c])
    block.append(fill)
    mm = linalg.MatmulOp.build([a, b], [fill.results[0]])
    block.append(mm)
    cp = linalg.CopyOp.build([mm.results[0]], [c])
    block.append(cp)
    block.append(func.ReturnOp([cp.results[0]]))
    verify(m)
    text = _roundtrip(m)
    assert "linalg.matmul ins(%arg0, %arg1 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%0 : tensor<4x16xf32>)" \
        in text
    parsed = parse_source(_ctx(), text)
    pmm = next(o for o in parsed.walk() if o.name == "linalg.matmul")
    assert pmm.get_indexing_maps() == mm.get_indexing_maps()
    assert pmm.get_iterator_types() == ["parallel", "parallel", "reduction"]
    assert [o.name for o in pmm.body.ops] == ["arith.mulf", "arith.addf", "linalg.yield"]


def test_matmul_builder_transposed_maps_and_unsigned_cast():
    a_t = RankedTensorType((8, 4), i8)
    b_t = RankedTensorType((8, 16), i8)
    c_t = RankedTensorType((4, 16), i32)
    m, block = _func([a_t, b_t, c_t], [c_t])
    a, b, c = block.args
    maps = ["(d0, d1, d2) -> (d2, d0)", "(d0, d1, d2) -> (d2, d1)", "(d0, d1, d2) -> (d0, d1)"]
    mm = linalg.MatmulOp.build([a, b], [c], indexing_maps=maps, cast=linalg.TypeFnAttr.get("cast_unsigned"))
    block.append(mm)
    block.append(func.ReturnOp([mm.results[0]]))
    verify(m)
    text = _roundtrip(m)
    assert "linalg.matmul indexing_maps = [#map, #map1, #map2] {cast = #linalg.type_fn<cast_unsigned>}" in text
    assert [o.name for o in mm.body.ops] == ["arith.extui", "arith.extui", "arith.muli", "arith.addi",
                                            "linalg.yield"]


def test_verifier_rejects_shape_mismatch_of_built_op():
    a_t, b_t, c_t = (RankedTensorType(s, f32) for s in ((4, 8), (7, 16), (4, 16)))
    m, block = _func([a_t, b_t, c_t], [c_t])
    a, b, c = block.args
    mm = linalg.MatmulOp.build([a, b], [c])
    block.append(mm)
    block.append(func.ReturnOp([mm.results[0]]))
    try:
        verify(m)
    except Exception as e:  # noqa: BLE001 - the verifier's diagnostic error
        assert "inferred input/output operand #1 has shape's dimension #0 to be 8, but found 7" in str(e)
    else:
        raise AssertionError("shape mismatch not reported")
