"""The tensor dialect's Python API: builders (types inferred as upstream's
builders infer them) and the result-shape reification other passes use;
reified sizes are checked against sizes computed here, on random shapes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from mlir_py.dialects import tensor
from mlir_py.dialects.tensor.shapes import as_value

import mlir_py as mp
from mlir_py.analysis.verifier import verify
from mlir_py.ir.builtin_types import DYNAMIC, RankedTensorType, f32
from mlir_py.pass_manager import PassManager
from mlir_py.rewrite.pattern import PatternRewriter
from mlir_py.text.printer import print_op_to_string

CTX = mp.Context().load_all_available_dialects()


def _func(text: str):
    module = mp.parse(CTX, text)
    fn = module.regions[0].first_block.first_op
    return module, fn.regions[0].first_block


def test_builders_infer_upstream_types():
    module, block = _func("func.func @f(%t: tensor<8x?xf32>, %n: index, %z: f32) {\n  return\n}\n")
    t, n, z = block.args
    rw = PatternRewriter()
    rw.set_insertion_point(block.last_op)
    e = rw.create(tensor.EmptyOp.build([4, n], f32))
    s = rw.create(tensor.ExtractSliceOp.build_mixed(t, [0, n], [2, n], [1, 1]))
    i = rw.create(tensor.InsertSliceOp.build_mixed(s.results[0], e.results[0], [0, 0], [2, n], [1, 1]))
    c = rw.create(tensor.CollapseShapeOp.build(i.results[0], [[0, 1]]))
    x = rw.create(tensor.ExpandShapeOp.build_mixed(c.results[0], [[0, 1]], [2, n]))
    p = rw.create(tensor.PadOp.build(t, [1, 0], [n, 2], z))
    k = rw.create(tensor.ConcatOp.build(0, [t, t]))
    g = rw.create(tensor.GenerateOp.build(RankedTensorType((3,), f32), [], lambda b, idx: z))
    assert verify(module)
    got = [print_op_to_string(op).strip() for op in (e, s, i, c, x, p, k, g)]
    assert [r.results[0].type for r in (e, s, i, c, x, p, k, g)] == [
        mp.parse_type(CTX, s) for s in ("tensor<4x?xf32>", "tensor<2x?xf32>", "tensor<4x?xf32>", "tensor<?xf32>",
                                        "tensor<2x?xf32>", "tensor<?x?xf32>", "tensor<16x?xf32>", "tensor<3xf32>")]
    assert got[1].endswith("[0, %arg1] [2, %arg1] [1, 1] : tensor<8x?xf32> to tensor<2x?xf32>"), got[1]
    assert "low[1, 0] high[%arg1, 2]" in got[5], got[5]
    # the printed module parses back to the same text (the builders made well-formed ops)
    text = str(module)
    assert str(mp.parse(CTX, text)) == text


def _reified_after_canonicalize(text: str, op_name: str) -> list[int]:
    """Reify the result sizes of the one `op_name` op as the function's
    returned values, canonicalize (constant sizes fold), read the constants."""
    module, block = _func(text)
    op = next(o for o in block.ops if o.name == op_name)
    ret = block.last_op
    rw = PatternRewriter()
    rw.set_insertion_point(ret)
    sizes = tensor.reify_result_shapes(rw, op)[0]
    values = [as_value(rw, s) for s in sizes]
    for k, v in enumerate(values):
        ret.set_operand(k, v)
    assert verify(module)
    PassManager().add("canonicalize").run(module)
    out = []
    for v in block.last_op.operands:
        assert v.owner.name == "arith.constant", str(module)
        out.append(v.owner.properties["value"].value)
    return out


def _empty(name: str, dims: list[int], dynamic: list[bool]) -> tuple[str, str]:
    """A tensor.empty with constant sizes where `dynamic` (so the type has `?`)."""
    consts, operands = [], []
    for k, (d, dyn) in enumerate(zip(dims, dynamic)):
        if dyn:
            consts.append(f"  %{name}_c{k} = arith.constant {d} : index")
            operands.append(f"%{name}_c{k}")
    shape = "x".join("?" if dyn else str(d) for d, dyn in zip(dims, dynamic))
    t = f"tensor<{shape}xf32>"
    return "\n".join(consts + [f"  %{name} = tensor.empty({', '.join(operands)}) : {t}"]), t


def _wrap(body: str, rank: int) -> str:
    zeros = ", ".join(["%zero"] * rank)
    return (f"func.func @f() -> ({', '.join(['index'] * rank)}) {{\n  %zero = arith.constant 0 : index\n"
            f"  %pad = arith.constant 0.0 : f32\n{body}\n  return {zeros} : {', '.join(['index'] * rank)}\n}}\n")


_dims = st.lists(st.integers(1, 6), min_size=1, max_size=3)


@settings(max_examples=10, deadline=None)
@given(_dims, st.data())
def test_reify_pad(dims, data):
    rank = len(dims)
    dyn = data.draw(st.lists(st.booleans(), min_size=rank, max_size=rank))
    low = data.draw(st.lists(st.integers(0, 3), min_size=rank, max_size=rank))
    high = data.draw(st.lists(st.integers(0, 3), min_size=rank, max_size=rank))
    dyn_amount = data.draw(st.lists(st.booleans(), min_size=rank, max_size=rank))
    src, t = _empty("src", dims, dyn)
    consts = [f"  %a{k} = arith.constant {high[k]} : index" for k in range(rank)]
    hi = ", ".join(f"%a{k}" if dyn_amount[k] else str(high[k]) for k in range(rank))
    lo = ", ".join(map(str, low))
    res = "x".join("?" if dyn[k] or dyn_amount[k] else str(dims[k] + low[k] + high[k]) for k in range(rank))
    args = ", ".join(f"%i{k}: index" for k in range(rank))
    body = "\n".join([src] + consts + [
        f"  %p = tensor.pad %src low[{lo}] high[{hi}] {{\n  ^bb0({args}):\n    tensor.yield %pad : f32\n"
        f"  }} : {t} to tensor<{res}xf32>"])
    assert _reified_after_canonicalize(_wrap(body, rank), "tensor.pad") == \
        [d + lo_ + hi_ for d, lo_, hi_ in zip(dims, low, high)]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4), st.data())
def test_reify_collapse_and_expand(dims, data):
    rank = len(dims)
    dyn = data.draw(st.lists(st.booleans(), min_size=rank, max_size=rank))
    cuts = sorted(data.draw(st.sets(st.integers(1, rank - 1))))
    bounds = [0] + cuts + [rank]
    groups = [list(range(a, b)) for a, b in zip(bounds, bounds[1:])]
    src, t = _empty("src", dims, dyn)
    sizes = []
    for g in groups:
        n = 1
        for d in g:
            n *= dims[d]
        sizes.append(n)
    res = "x".join("?" if any(dyn[d] for d in g) else str(s) for g, s in zip(groups, sizes))
    reassoc = "[" + ", ".join("[" + ", ".join(map(str, g)) + "]" for g in groups) + "]"
    body = f"{src}\n  %c = tensor.collapse_shape %src {reassoc} : {t} into tensor<{res}xf32>"
    assert _reified_after_canonicalize(_wrap(body, len(groups)), "tensor.collapse_shape") == sizes
    # and back: expand the collapsed tensor to the original dims (output_shape gives them)
    flat, ft = _empty("flat", sizes, [any(dyn[d] for d in g) for g in groups])
    consts = [f"  %o{k} = arith.constant {d} : index" for k, d in enumerate(dims) if dyn[k]]
    out = ", ".join(f"%o{k}" if dyn[k] else str(d) for k, d in enumerate(dims))
    expand = f"  %x = tensor.expand_shape %flat {reassoc} output_shape [{out}] : {ft} into {t}"
    body = "\n".join([flat] + consts + [expand])
    assert _reified_after_canonicalize(_wrap(body, rank), "tensor.expand_shape") == dims


@settings(max_examples=10, deadline=None)
@given(st.lists(st.lists(st.integers(1, 5), min_size=2, max_size=2), min_size=1, max_size=3), st.data())
def test_reify_concat_and_slice(shapes, data):
    width = shapes[0][1]
    shapes = [[r, width] for r, _ in shapes]
    parts, types = [], []
    for k, s in enumerate(shapes):
        dyn = data.draw(st.lists(st.booleans(), min_size=2, max_size=2))
        text, t = _empty(f"in{k}", s, dyn)
        parts.append(text)
        types.append(t)
    total = sum(r for r, _ in shapes)
    ins = ", ".join(f"%in{k}" for k in range(len(shapes)))
    body = "\n".join(parts + [f"  %c = tensor.concat dim(0) {ins} : ({', '.join(types)}) -> tensor<?x?xf32>"])
    assert _reified_after_canonicalize(_wrap(body, 2), "tensor.concat") == [total, width]
    rows = data.draw(st.integers(1, total))
    src, t = _empty("src", [total, width], [True, True])
    body = (f"{src}\n  %n = arith.constant {rows} : index\n"
            f"  %s = tensor.extract_slice %src[0, 0] [%n, 1] [1, 1] : {t} to tensor<?xf32>")
    assert _reified_after_canonicalize(_wrap(body, 1), "tensor.extract_slice") == [rows]


def test_reify_destination_style_and_dim():
    text = ("func.func @f(%t: tensor<?x4xf32>, %s: tensor<2x2xf32>) -> tensor<?x4xf32> {\n"
            "  %r = tensor.insert_slice %s into %t[0, 0] [2, 2] [1, 1] : tensor<2x2xf32> into tensor<?x4xf32>\n"
            "  return %r : tensor<?x4xf32>\n}\n")
    module, block = _func(text)
    op = block.first_op
    rw = PatternRewriter()
    rw.set_insertion_point(op)
    sizes = tensor.reify_result_shapes(rw, op)[0]
    assert sizes[1] == 4
    dim = sizes[0].owner
    assert dim.name == "tensor.dim" and dim.source is block.args[0]
    assert tensor.reify_dim(rw, op.results[0], 1) == 4
    assert verify(module)


def test_mixed_sizes_of_static_tensor_build_nothing():
    module, block = _func("func.func @f(%t: tensor<3x5xf32>) {\n  return\n}\n")
    rw = PatternRewriter()
    rw.set_insertion_point(block.last_op)
    assert tensor.get_mixed_sizes(rw, block.args[0]) == [3, 5]
    assert len(list(block.ops)) == 1
    assert DYNAMIC not in block.args[0].type.shape


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_constant_folds_match_numpy(rows, cols, data):
    """collapse/expand of a dense constant and extract from it fold to the
    element numpy gives (reshape is row-major, as upstream's)."""
    import numpy as np
    values = np.array(data.draw(st.lists(st.integers(-100, 100), min_size=rows * cols, max_size=rows * cols)),
                      dtype=np.int32).reshape(rows, cols)
    k = data.draw(st.integers(0, rows * cols - 1))
    i, j = divmod(k, rows)  # the expanded shape is (cols, rows)
    dense = "[" + ", ".join("[" + ", ".join(map(str, r)) + "]" for r in values.tolist()) + "]"
    text = (f"func.func @f() -> (i32, i32) {{\n"
            f"  %c = arith.constant dense<{dense}> : tensor<{rows}x{cols}xi32>\n"
            f"  %f = tensor.collapse_shape %c [[0, 1]] : tensor<{rows}x{cols}xi32> into tensor<{rows * cols}xi32>\n"
            f"  %e = tensor.expand_shape %f [[0, 1]] output_shape [{cols}, {rows}] : tensor<{rows * cols}xi32> "
            f"into tensor<{cols}x{rows}xi32>\n"
            f"  %i = arith.constant {i} : index\n  %j = arith.constant {j} : index\n  %k = arith.constant {k} : index\n"
            f"  %a = tensor.extract %e[%i, %j] : tensor<{cols}x{rows}xi32>\n"
            f"  %b = tensor.extract %f[%k] : tensor<{rows * cols}xi32>\n"
            f"  return %a, %b : i32, i32\n}}\n")
    module, block = _func(text)
    PassManager().add("canonicalize").run(module)
    got = [v.owner.properties["value"].value for v in block.last_op.operands]
    assert got == [int(values.reshape(cols, rows)[i, j]), int(values.reshape(-1)[k])]


def test_unclosed_index_list_is_reported_as_upstream():
    import pytest

    from mlir_py.text.parser import ParseError
    text = ("func.func @f(%t: tensor<3x4xf32>) {\n"
            "  %0 = tensor.extract_slice %t[0, 0] [1, 1] [1 : tensor<3x4xf32> to tensor<1x1xf32>\n  return\n}\n")
    with pytest.raises(ParseError, match=r"expected '\]' in dynamic index list"):
        mp.parse(CTX, text)


_OTHER_OPS = [
    # (body defining the op, op name, expected sizes)
    ("%c5 = arith.constant 5 : index\n  %g = tensor.generate %c5 {\n  ^bb0(%i: index, %j: index):\n"
     "    tensor.yield %pad : f32\n  } : tensor<?x3xf32>", "tensor.generate", [5, 3]),
    ("%c6 = arith.constant 6 : index\n  %s = tensor.splat %pad[%c6] : tensor<2x?xf32>", "tensor.splat", [2, 6]),
    ("%c7 = arith.constant 7 : index\n  %e = tensor.empty(%c7) : tensor<?x2xf32>\n"
     "  %c = tensor.cast %e : tensor<?x2xf32> to tensor<?x?xf32>", "tensor.cast", [7, 2]),
    ("%c7 = arith.constant 7 : index\n  %e = tensor.empty(%c7) : tensor<?x5x6xf32>\n"
     "  %i = arith.constant dense<[[1], [2], [3]]> : tensor<3x1xindex>\n"
     "  %g = tensor.gather %e[%i] gather_dims([1]) : (tensor<?x5x6xf32>, tensor<3x1xindex>) -> tensor<3x?x1x6xf32>",
     "tensor.gather", [3, 7, 1, 6]),
    ("%c7 = arith.constant 7 : index\n  %e = tensor.empty(%c7) : tensor<?x5xf32>\n"
     "  %s = tensor.empty(%c7) : tensor<3x?xf32>\n"
     "  %i = arith.constant dense<[[1], [2], [3]]> : tensor<3x1xindex>\n"
     "  %r = tensor.scatter %s into %e[%i] scatter_dims([1]) unique"
     " : (tensor<3x?xf32>, tensor<?x5xf32>, tensor<3x1xindex>) -> tensor<?x5xf32>", "tensor.scatter", [7, 5]),
    ("%e = tensor.empty() : tensor<12xf32>\n  %shape = arith.constant dense<[3, 4]> : tensor<2xi32>\n"
     "  %r = tensor.reshape %e(%shape) : (tensor<12xf32>, tensor<2xi32>) -> tensor<?x?xf32>", "tensor.reshape", [3, 4]),
]


def test_reify_other_ops():
    for body, name, expected in _OTHER_OPS:
        assert _reified_after_canonicalize(_wrap("  " + body, len(expected)), name) == expected, name
