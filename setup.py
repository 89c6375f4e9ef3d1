"""Maps the source folders onto the `mlir_py` import namespace.

The repository keeps dialects/, passes/ and tools/ at the top level (they are
the architecture), but they install as mlir_py.dialects, mlir_py.passes, mlir_py.tools,
mlir_py.target, mlir_py.execution, mlir_py.frontend and
mlir_py.onnx (from onnx_import/); pyproject.toml alone cannot express the sub-package list.
"""

from setuptools import find_packages, setup

ROOTS = {"mlir_py": "mlir_py", "mlir_py.dialects": "dialects", "mlir_py.passes": "passes",
         "mlir_py.tools": "tools", "mlir_py.target": "target", "mlir_py.execution": "execution",
         "mlir_py.frontend": "frontend", "mlir_py.onnx": "onnx_import"}

packages, package_dir = [], {}
for pkg, folder in ROOTS.items():
    packages.append(pkg)
    package_dir[pkg] = folder
    for sub in find_packages(folder):
        packages.append(f"{pkg}.{sub}")
        package_dir[f"{pkg}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
