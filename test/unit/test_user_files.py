"""How users' files see each other (mlir_py.support.user_files, docs/passes.md):
one loader for --load-dialect and --load-pass-plugin, command-line order,
each file once as the module named after its stem, its folder importable."""

from __future__ import annotations

import contextlib
import io
import os
import sys

import pytest
from mlir_py.tools import mir_opt

from mlir_py.pass_manager import PassPluginError, load_pass_plugin, lookup, registry_scope
from mlir_py.support.user_files import UserFileError, load_user_file, loaded_user_files

DIALECT = """
from mlir_py.definition.dialect import Dialect
from mlir_py.builtin.constraints import FloatLike
from mlir_py.definition.opdef import Op, operand, result

LOADS = globals().get("LOADS", 0) + 1

class NegOp(Op):
    name = "{ns}.neg"
    x = operand(FloatLike)
    y = result(FloatLike)
    assembly_format = "$x attr-dict `:` type($x)"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[0].type]

D = Dialect("{ns}", ops=[NegOp])
"""

PLUGIN = """
from mlir_py.pass_manager import Pass
from mlir_py.pass_manager import register_pass

import {dialect} as dialect_module
from {dialect} import NegOp

@register_pass
class DropDoubleNeg(Pass):
    '''neg(neg(x)) -> x, found with isinstance on the dialect's own class.'''
    name = "{ns}-drop-double-neg"

    def run_on_operation(self, op):
        for o in list(op.walk()):
            src = getattr(o.operands[0], "op", None) if o.operands else None
            if isinstance(o, NegOp) and isinstance(src, NegOp):
                o.results[0].replace_all_uses_with(src.x)
                o.erase()
"""

INPUT = """func.func @f(%a: f32) -> f32 {{
  %0 = {ns}.neg %a : f32
  %1 = {ns}.neg %0 : f32
  return %1 : f32
}}
"""


@pytest.fixture(autouse=True)
def scoped():
    """Files loaded (and passes registered) by a test are forgotten after it."""
    path = list(sys.path)
    with registry_scope():
        yield
    sys.path[:] = path


def write_pair(folder, ns: str, dialect_stem: str):
    folder.mkdir(parents=True, exist_ok=True)
    d = folder / f"{dialect_stem}.py"
    d.write_text(DIALECT.format(ns=ns))
    p = folder / f"{dialect_stem}_passes.py"
    p.write_text(PLUGIN.format(ns=ns, dialect=dialect_stem))
    i = folder / "input.mir"
    i.write_text(INPUT.format(ns=ns))
    return str(d), str(p), str(i)


def run_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = mir_opt.main(list(args))
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("order", ["dialect first", "plugin first", "dialect twice"])
def test_plugin_sees_the_dialect_module_the_flag_loaded(order, tmp_path):
    d, p, i = write_pair(tmp_path, "uf1", "uf1_dialect")
    flags = {"dialect first": ["--load-dialect", d, "--load-pass-plugin", p],
             "plugin first": ["--load-pass-plugin", p, "--load-dialect", d],
             "dialect twice": ["--load-dialect", d, "--load-pass-plugin", p, "--load-dialect",
                               os.path.join(os.path.dirname(d), ".", os.path.basename(d))]}[order]
    rc, out, err = run_main(i, *flags, "--uf1-drop-double-neg")
    assert rc == 0, err
    assert out.count("uf1.neg") == 1, out  # isinstance matched: the pass saw the dialect's own NegOp


def test_a_file_is_loaded_once_under_its_stem(tmp_path):
    d, p, _ = write_pair(tmp_path, "uf2", "uf2_dialect")
    mod = load_user_file(d, "dialect file")
    assert mod.__name__ == "uf2_dialect" and sys.modules["uf2_dialect"] is mod
    assert str(tmp_path) in sys.path
    assert load_user_file(d) is mod and mod.LOADS == 1          # again: a no-op
    plugin = load_pass_plugin(p)
    assert plugin.dialect_module is mod                          # `import uf2_dialect` is the same module
    assert lookup("uf2-drop-double-neg") is plugin.DropDoubleNeg


def test_import_by_name_first_then_the_flag_reuses_it(tmp_path):
    d, p, _ = write_pair(tmp_path, "uf3", "uf3_dialect")
    plugin = load_pass_plugin(p)                   # imports uf3_dialect by name
    assert load_user_file(d) is plugin.dialect_module
    assert list(loaded_user_files().values())[-1] is plugin.dialect_module


def test_two_files_with_one_stem_are_an_error(tmp_path):
    a, _, i = write_pair(tmp_path / "a", "uf4", "uf4_dialect")
    b, _, _ = write_pair(tmp_path / "b", "uf4", "uf4_dialect")
    load_user_file(a)
    with pytest.raises(UserFileError, match=f"cannot load dialect file '{b}' as module 'uf4_dialect': "
                                            "'.*a/uf4_dialect.py' was already loaded under that name; rename one"):
        load_user_file(b, "dialect file")
    rc, _, err = run_main(i, "--load-dialect", a, "--load-dialect", b)
    assert rc == 1 and err.startswith("mir-opt: error: cannot load dialect file") and "rename one" in err, err


def test_a_stem_naming_an_imported_module_is_an_error(tmp_path):
    clash = tmp_path / "json.py"
    clash.write_text("X = 1\n")
    import json  # noqa: F401 - make sure it is imported
    with pytest.raises(PassPluginError, match="as module 'json': that name is already taken by .*json"):
        load_pass_plugin(str(clash))


def test_a_failed_load_leaves_nothing_behind(tmp_path):
    bad = tmp_path / "uf5_bad.py"
    bad.write_text("X = 1\nraise RuntimeError('boom')\n")
    with pytest.raises(UserFileError) as e:
        load_user_file(str(bad), "dialect file")
    assert str(e.value) == f"{bad}:2: error: cannot load dialect file '{bad}': RuntimeError: boom"
    assert "uf5_bad" not in sys.modules and str(bad) not in loaded_user_files()
    bad.write_text("X = 2\n")                      # fixed: loads now
    assert load_user_file(str(bad)).X == 2


def test_syntax_error_points_at_its_line(tmp_path):
    bad = tmp_path / "uf6_syntax.py"
    bad.write_text("X = 1\ndef f(:\n")
    with pytest.raises(UserFileError, match=rf"^{bad}:2: error: cannot load pass plugin '{bad}': SyntaxError: "):
        load_user_file(str(bad), "pass plugin")


def test_registry_scope_forgets_loaded_files(tmp_path):
    d, _, _ = write_pair(tmp_path, "uf7", "uf7_dialect")
    with registry_scope():
        first = load_user_file(d)
    assert "uf7_dialect" not in sys.modules
    assert load_user_file(d) is not first           # loaded afresh after the scope


def test_a_module_imported_before_the_scope_stays_imported(tmp_path):
    d, _, i = write_pair(tmp_path, "uf8", "uf8_dialect")
    sys.path.insert(0, str(tmp_path))
    import uf8_dialect  # a test (or a user's script) imported it by name
    rc, _, err = run_main(i, "--load-dialect", d)  # mir-opt reuses it, and must not unload it
    assert rc == 0, err
    assert sys.modules["uf8_dialect"] is uf8_dialect and uf8_dialect.LOADS == 1
    del sys.modules["uf8_dialect"]
