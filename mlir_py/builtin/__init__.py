"""The builtin dialect: module, casts, and the core types and attributes."""

from mlir_py.builtin.ops import OPS, ModuleOp, UnrealizedConversionCastOp  # noqa: F401
from mlir_py.definition.dialect import Dialect
from mlir_py.ir.builtin_attributes import *  # noqa: F401,F403
from mlir_py.ir.builtin_attributes import ATTRIBUTES, KEYWORD_ATTRS
from mlir_py.ir.builtin_types import *  # noqa: F401,F403
from mlir_py.ir.builtin_types import KEYWORD_TYPES, TYPES

BUILTIN = Dialect("builtin", ops=OPS, attributes=ATTRIBUTES, types=TYPES,
                  description="Core types, attributes and container ops.")
BUILTIN.keyword_types.update(KEYWORD_TYPES)
BUILTIN.keyword_attrs.update(KEYWORD_ATTRS)
DIALECT = BUILTIN
