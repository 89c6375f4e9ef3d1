# lit configuration: runs the .mir/.mlir tests with the installed tools.
# ruff: noqa: F821  (lit injects `config` and `lit_config`)
import os
import shutil
import sys

import lit.formats

config.name = "mlir_py"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mir", ".mlir"]
config.excludes = ["Inputs", "unit", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
# The tools live next to the Python running lit (the project's virtualenv).
_bin = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([_bin, os.environ.get("PATH", "")])
os.environ["PATH"] = config.environment["PATH"]
# mir-run and the ExecutionEngine verify after every pass of their pipeline in the tests, as mir-opt does
config.environment["MLIR_PY_VERIFY_EACH"] = "1"
for var in ("PYTHONPATH", "HOME", "MLIR_PY_DEBUG"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

for tool in ("mir-opt", "mir-translate", "mir-run", "mir-import-onnx"):
    path = shutil.which(tool)
    if path:
        config.available_features.add(tool)

filecheck = shutil.which("filecheck") or shutil.which("FileCheck")
if filecheck is None:
    lit_config.fatal("filecheck not found on PATH; install the [test] extra")
config.substitutions.append(("FileCheck", filecheck))
config.substitutions.append(("%python", sys.executable))

# NVIDIA's PTX assembler (PATH, the [gpu-test] extra's nvidia-cuda-nvcc wheel, or a CUDA toolkit): the tests
# marked `REQUIRES: ptxas` assemble the PTX that mir-translate --mir-to-ptx emits with `%ptxas`.
from mlir_py.target.ptx.ptxas import find_ptxas  # noqa: E402

_ptxas = find_ptxas()
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))

# `onnx`: the ONNX importer's tests (mir-import-onnx) need the onnx package (the [onnx] or [test] extra).
try:
    import onnx  # noqa: F401
    config.available_features.add("onnx")
except ImportError:
    pass
