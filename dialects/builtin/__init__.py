"""The builtin dialect: module, casts, and the core types and attributes."""

from mlir_py.dialects.builtin.attributes import *  # noqa: F401,F403
from mlir_py.dialects.builtin.attributes import ATTRIBUTES, KEYWORD_ATTRS
from mlir_py.dialects.builtin.ops import OPS, ModuleOp, UnrealizedConversionCastOp  # noqa: F401
from mlir_py.dialects.builtin.types import *  # noqa: F401,F403
from mlir_py.dialects.builtin.types import KEYWORD_TYPES, TYPES

from mlir_py.dialect import Dialect

BUILTIN = Dialect("builtin", ops=OPS, attributes=ATTRIBUTES, types=TYPES,
                  description="Core types, attributes and container ops.")
BUILTIN.keyword_types.update(KEYWORD_TYPES)
BUILTIN.keyword_attrs.update(KEYWORD_ATTRS)
DIALECT = BUILTIN
