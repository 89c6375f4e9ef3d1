"""The pass manager: declared passes with typed options (`manager`), the
registry that turns declarations into CLI flags and textual pipelines
(`registry`, `pipeline`), and instrumentation (IR printing, timing).

`from mlir_py.pass_manager import Pass, PassManager, ...` is the import path
users write; the names below are its public surface.
"""

from mlir_py.pass_manager.manager import (  # noqa: F401
    ListOption,
    NestedPipeline,
    OpPassManager,
    Option,
    Pass,
    PassDefinitionError,
    PassFailure,
    PassManager,
    PassManagerError,
    Statistic,
)
