"""The core's layers import one way: each subpackage only from those below it.

Read from the source (module-level imports, outside `if TYPE_CHECKING:`), so
a new upward import or a function-local import that hides a cycle fails here
before it shows up as an import-order bug.
"""

import ast
import pathlib

import pytest

CORE = pathlib.Path(__file__).resolve().parents[2] / "mlir_py"
#: bottom-up; a module may import from its own layer and those before it
LAYERS = ["support", "ir", "definition", "builtin", "text", "analysis", "rewrite", "pass_manager"]
#: the IR prints and verifies itself through this one late-bound hook
LATE_BOUND = {"ir/hooks.py"}
#: function-local imports inside one layer that break no layering
SAME_LAYER_LOCAL = {("ir/builtin_types.py", "mlir_py.ir.builtin_attributes")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "mlir_py" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def _imports(tree: ast.Module):
    """(module, function_local) for every `mlir_py` import outside TYPE_CHECKING blocks."""
    def visit(node, local):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.orelse:
                    yield from visit(sub, local)
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("mlir_py"):
                yield child.module, local
            elif isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.startswith("mlir_py"):
                        yield a.name, local
            yield from visit(child, local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))
    yield from visit(tree, False)


def _core_files():
    return sorted(p for p in CORE.rglob("*.py") if p.parent != CORE)


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(CORE)))
def test_imports_run_down_the_layers(path):
    rel = str(path.relative_to(CORE))
    own = LAYERS.index(rel.split("/")[0])
    for module, local in _imports(ast.parse(path.read_text())):
        assert not module.startswith(("mlir_py.dialects", "mlir_py.passes", "mlir_py.tools")), (
            f"{rel} imports {module}: the core knows no shipped dialect, pass or tool")
        layer = _layer(module)
        if layer is None:
            continue
        if rel in LATE_BOUND:
            continue
        assert LAYERS.index(layer) <= own, f"{rel} ({LAYERS[own]}) imports {module} from the layer above"
        if local:
            assert (rel, module) in SAME_LAYER_LOCAL, f"{rel} imports {module} inside a function"


def test_checker_sees_a_violation():
    bad = ast.parse("from mlir_py.text.parser import Parser\ndef f():\n    from mlir_py.ir import x\n")
    assert list(_imports(bad)) == [("mlir_py.text.parser", False), ("mlir_py.ir", True)]
    guarded = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mlir_py.text import p\n")
    assert list(_imports(guarded)) == []
