"""The pass manager, bottom up: declaring passes (`definition`: Pass, Option,
Statistic), the `pipeline` text syntax, the `registry` of pass and pipeline
names, the `manager` that nests and runs them with verification,
`instrumentation` (IR printing, timing, statistics) and `cli` (mir-opt's
flags derived from the registry).

`from mlir_py.pass_manager import ...` is the import path users write; every
public name of those modules is here.
"""

from mlir_py.pass_manager.cli import *  # noqa: F401,F403
from mlir_py.pass_manager.definition import *  # noqa: F401,F403
from mlir_py.pass_manager.instrumentation import *  # noqa: F401,F403
from mlir_py.pass_manager.manager import *  # noqa: F401,F403
from mlir_py.pass_manager.pipeline import *  # noqa: F401,F403
from mlir_py.pass_manager.registry import *  # noqa: F401,F403
