"""The graph dialect: ML operators on statically shaped tensors (DESIGN.md §6).

The level a model is written at (frontend.GraphBuilder, mir-import-onnx):
numpy/ONNX semantics, result types inferred from operands and attributes
(`inference.py`) and checked by the verifier whenever a type is written.
`convert-graph-to-linalg` lowers every op. The element types each op
accepts are in its docstring; in short:

- f32, f16, i32, i64: constant, add, sub, mul, div, max, min, neg, relu, abs,
  matmul, reduce_sum/max/min, reshape, transpose, concat, flatten;
- f32, f16: pow, sigmoid, tanh, exp, log, sqrt, rsqrt, clip, gemm, conv2d,
  max_pool2d, avg_pool2d, global_avg_pool, reduce_mean;
- f32 only: erf, gelu, softmax, log_softmax, batch_norm, layer_norm.

All operands of an op share one element type. Custom syntax: unary ops
spell one type (`graph.relu %x : tensor<4xf32>`), the others a function
type (`graph.add %a, %b : (tensor<4x16xf32>, tensor<16xf32>) ->
tensor<4x16xf32>`); attributes go in the attribute dictionary and are
left out when at their default. Folded values become graph.constant ops.
"""

from __future__ import annotations

from mlir_py.dialects.graph.canonicalize import PATTERNS
from mlir_py.dialects.graph.common import GraphTypeError
from mlir_py.dialects.graph.elementwise_ops import OPS as _ELEMENTWISE
from mlir_py.dialects.graph.elementwise_ops import (
    AbsOp,
    AddOp,
    ClipOp,
    ConstantOp,
    DivOp,
    ErfOp,
    ExpOp,
    GeluOp,
    LogOp,
    MaxOp,
    MinOp,
    MulOp,
    NegOp,
    PowOp,
    ReluOp,
    RsqrtOp,
    SigmoidOp,
    SqrtOp,
    SubOp,
    TanhOp,
)
from mlir_py.dialects.graph.inference import ShapeError
from mlir_py.dialects.graph.nn_ops import OPS as _NN
from mlir_py.dialects.graph.nn_ops import (
    AvgPool2dOp,
    BatchNormOp,
    Conv2dOp,
    GemmOp,
    GlobalAvgPoolOp,
    LayerNormOp,
    LogSoftmaxOp,
    MatmulOp,
    MaxPool2dOp,
    SoftmaxOp,
)
from mlir_py.dialects.graph.shape_ops import OPS as _SHAPE
from mlir_py.dialects.graph.shape_ops import (
    ConcatOp,
    FlattenOp,
    ReduceMaxOp,
    ReduceMeanOp,
    ReduceMinOp,
    ReduceSumOp,
    ReshapeOp,
    TransposeOp,
)

from mlir_py.definition.dialect import Dialect
from mlir_py.ir.builtin_attributes import DenseElementsAttr, DenseResourceElementsAttr

OPS = [*_ELEMENTWISE, *_NN, *_SHAPE]


def _materialize_constant(value, type, loc=None):
    """Folded tensors become graph.constant ops."""
    if isinstance(value, (DenseElementsAttr, DenseResourceElementsAttr)) and value.type == type:
        return ConstantOp.create(result_types=[type], properties={"value": value}, location=loc)
    return None


DIALECT = Dialect("graph", ops=OPS, materialize_constant=_materialize_constant,
                  description="ML operators on statically shaped tensors, with inferred result types.")
DIALECT.canonicalization_patterns.extend(PATTERNS)
GRAPH = DIALECT

__all__ = [
    "DIALECT", "GRAPH", "OPS", "GraphTypeError", "ShapeError", "AbsOp", "AddOp", "AvgPool2dOp", "BatchNormOp",
    "ClipOp", "ConcatOp", "ConstantOp", "Conv2dOp", "DivOp", "ErfOp", "ExpOp", "FlattenOp", "GeluOp", "GemmOp",
    "GlobalAvgPoolOp", "LayerNormOp", "LogOp", "LogSoftmaxOp", "MatmulOp", "MaxOp", "MaxPool2dOp", "MinOp",
    "MulOp", "NegOp", "PowOp", "ReduceMaxOp", "ReduceMeanOp", "ReduceMinOp", "ReduceSumOp", "ReluOp",
    "ReshapeOp", "RsqrtOp", "SigmoidOp", "SoftmaxOp", "SqrtOp", "SubOp", "TanhOp", "TransposeOp",
]
