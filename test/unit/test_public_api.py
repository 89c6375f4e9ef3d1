"""The public surface a newcomer meets first: `import mlir_py as mp`, old import
paths, and the container APIs (views of blocks and ops, an empty module)."""

import pytest

import mlir_py as mp


def test_old_import_paths_are_the_moved_modules():
    import mlir_py.dialects.builtin.types as old_types
    import mlir_py.opdef as old_opdef
    import mlir_py.pass_registry as old_registry
    from mlir_py.dialects.builtin import BUILTIN, ModuleOp
    from mlir_py.traits import Pure

    import mlir_py.definition.opdef as opdef
    import mlir_py.ir.builtin_types as types
    import mlir_py.pass_manager as pm

    assert old_opdef is opdef and old_types is types and old_registry is pm
    assert BUILTIN.ops["builtin.module"] is ModuleOp and Pure.__module__ == "mlir_py.definition.traits"


def test_public_entry_point():
    assert set(mp.__all__) <= set(dir(mp))
    ctx = mp.Context.with_available_dialects()
    m = mp.parse(ctx, "func.func @f(%a: i32) -> i32 { func.return %a : i32 }")
    mp.verify(m)
    assert "func.func @f" in mp.to_string(m)
    fn = m.regions[0].blocks[0].ops[0]
    assert fn.name == "func.func" and len(m.regions[0].blocks) == 1
    assert list(reversed(fn.regions[0].blocks[0].ops))[0].name == "func.return"


def test_every_public_name_resolves():
    for name in mp.__all__:
        assert getattr(mp, name) is not None, name


def test_empty_module_verifies():
    mp.verify(mp.builtin.ModuleOp())
    named = mp.builtin.ModuleOp.build("m")
    mp.verify(named)
    assert str(named) == "module @m {\n}"


def test_blocks_and_ops_are_sequences():
    ctx = mp.Context.with_available_dialects()
    m = mp.parse(ctx, """
      func.func @f(%c: i1) -> i32 {
        %a = arith.constant 1 : i32
        cf.cond_br %c, ^bb1, ^bb2
      ^bb1:
        return %a : i32
      ^bb2:
        %b = arith.constant 2 : i32
        return %b : i32
      }""")
    body = m.regions[0].blocks[0].ops[0].regions[0]
    blocks = body.blocks
    assert len(blocks) == 3 and bool(blocks)
    assert blocks[-1] is body.last_block and blocks[0] is body.entry_block
    assert [len(b.ops) for b in blocks] == [2, 1, 2]
    assert [o.name for o in reversed(blocks[2].ops)] == ["func.return", "arith.constant"]
    assert blocks[1:] == [blocks[1], blocks[2]]
    with pytest.raises(IndexError):
        blocks[3]
    for op in blocks[2].ops:  # erasing the current op while iterating is safe
        if op.name == "func.return":
            op.erase()
    assert [o.name for o in blocks[2].ops] == ["arith.constant"]


def test_checkout_maps_sibling_folders(tmp_path):
    """Run from a checkout, `mlir_py.dialects` is the `dialects/` folder beside `mlir_py/`."""
    import pathlib

    from mlir_py import _layout

    root = pathlib.Path(_layout.__file__).resolve().parents[1]
    spec = _layout._CheckoutFinder(str(root)).find_spec("mlir_py.dialects")
    assert spec is not None and pathlib.Path(spec.origin) == root / "dialects" / "__init__.py"
    assert _layout._CheckoutFinder(str(root)).find_spec("mlir_py.text") is None
