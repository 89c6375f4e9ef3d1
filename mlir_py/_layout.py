"""How the source tree maps onto import names.

Two things live here. The repository keeps `dialects/`, `passes/` and
`tools/` beside `mlir_py/` (they are the architecture) while they import as
`mlir_py.dialects`, `mlir_py.passes` and `mlir_py.tools`; an install maps
them (setup.py), and so does `_CheckoutFinder` when the code runs straight
from a checkout (`python -m pytest` at the root, where the source folder
`mlir_py/` shadows any install).

And import paths from before the core was split into layers: user files
written against `mlir_py.opdef`, `mlir_py.parser`,
`mlir_py.dialects.builtin.types` and the like keep working: each old name is
an alias of the module that now holds the code (the same module object, so
`isinstance` and module state are shared). New code imports the new paths or
the public entry point, `import mlir_py as mp`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
from typing import Sequence

MOVED = {
    "mlir_py.attributes": "mlir_py.ir.attributes",
    "mlir_py.location": "mlir_py.ir.location",
    "mlir_py.affine_expr": "mlir_py.ir.affine_expr",
    "mlir_py.affine_parser": "mlir_py.ir.affine_parser",
    "mlir_py.context": "mlir_py.ir.context",
    "mlir_py.diagnostics": "mlir_py.ir.diagnostics",
    "mlir_py.constraints": "mlir_py.definition.constraints",
    "mlir_py.traits": "mlir_py.definition.traits",
    "mlir_py.opdef": "mlir_py.definition.opdef",
    "mlir_py.enums": "mlir_py.definition.enums",
    "mlir_py.dialect": "mlir_py.definition.dialect",
    "mlir_py.parser": "mlir_py.text.parser",
    "mlir_py.printer": "mlir_py.text.printer",
    "mlir_py.verifier": "mlir_py.analysis.verifier",
    "mlir_py.symbols": "mlir_py.analysis.symbols",
    "mlir_py.pass_registry": "mlir_py.pass_manager",
    "mlir_py.pass_pipeline": "mlir_py.pass_manager.pipeline",
    "mlir_py.pass_instrumentation": "mlir_py.pass_manager.instrumentation",
    "mlir_py.dialects.builtin": "mlir_py.builtin",
    "mlir_py.dialects.builtin.types": "mlir_py.ir.builtin_types",
    "mlir_py.dialects.builtin.attributes": "mlir_py.ir.builtin_attributes",
    "mlir_py.dialects.builtin.ops": "mlir_py.builtin.ops",
    "mlir_py.dialects.builtin.constraints": "mlir_py.builtin.constraints",
}


#: import name -> folder beside mlir_py/ in a source checkout
SIBLINGS = {"mlir_py.dialects": "dialects", "mlir_py.passes": "passes", "mlir_py.tools": "tools",
            "mlir_py.target": "target", "mlir_py.execution": "execution", "mlir_py.frontend": "frontend",
            "mlir_py.onnx": "onnx_import"}


class _CheckoutFinder(importlib.abc.MetaPathFinder):
    """Finds the sibling folders of a source checkout under their import names."""

    def __init__(self, root: str):
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        folder = SIBLINGS.get(fullname)
        if folder is None:
            return None
        init = os.path.join(self.root, folder, "__init__.py")
        return importlib.util.spec_from_file_location(
            fullname, init, submodule_search_locations=[os.path.dirname(init)])


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves an old module name to the module object at its new path."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module) -> None:
        pass  # the target module is already executed


def install(package_path: Sequence[str]) -> None:
    """Called once by `mlir_py/__init__.py` with the package's `__path__`."""
    if any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _MovedModuleFinder())
    here = package_path[0]
    root = os.path.dirname(os.path.abspath(here))
    in_checkout = not os.path.isdir(os.path.join(here, "dialects")) and all(
        os.path.isfile(os.path.join(root, folder, "__init__.py")) for folder in SIBLINGS.values())
    if in_checkout:
        sys.meta_path.insert(1, _CheckoutFinder(root))
