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

The ops the ONNX importer added (logic_ops.py, index_ops.py, and in the
files above: reduce_prod, reciprocal, softplus, sin, cos, leaky_relu,
hard_sigmoid, conv_transpose2d, global_max_pool, instance_norm, lrn) bring
i1 tensors (comparisons, not/and/or/xor, where's condition, cast) and i64
indices (gather, argmax/argmin); their docstrings list their element types.

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
    CosOp,
    DivOp,
    ErfOp,
    ExpOp,
    GeluOp,
    HardSigmoidOp,
    LeakyReluOp,
    LogOp,
    MaxOp,
    MinOp,
    MulOp,
    NegOp,
    PowOp,
    ReciprocalOp,
    ReluOp,
    RsqrtOp,
    SigmoidOp,
    SinOp,
    SoftplusOp,
    SqrtOp,
    SubOp,
    TanhOp,
)
from mlir_py.dialects.graph.index_ops import OPS as _INDEX
from mlir_py.dialects.graph.index_ops import (
    ArgMaxOp,
    ArgMinOp,
    ExpandOp,
    GatherOp,
    PadOp,
    ResizeOp,
    SliceOp,
    TileOp,
)
from mlir_py.dialects.graph.inference import ShapeError
from mlir_py.dialects.graph.logic_ops import OPS as _LOGIC
from mlir_py.dialects.graph.logic_ops import (
    AndOp,
    CastOp,
    EqualOp,
    GreaterEqualOp,
    GreaterOp,
    LessEqualOp,
    LessOp,
    NotOp,
    OrOp,
    WhereOp,
    XorOp,
)
from mlir_py.dialects.graph.nn_ops import OPS as _NN
from mlir_py.dialects.graph.nn_ops import (
    AvgPool2dOp,
    BatchNormOp,
    Conv2dOp,
    ConvTranspose2dOp,
    GemmOp,
    GlobalAvgPoolOp,
    GlobalMaxPoolOp,
    InstanceNormOp,
    LayerNormOp,
    LogSoftmaxOp,
    LrnOp,
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
    ReduceProdOp,
    ReduceSumOp,
    ReshapeOp,
    TransposeOp,
)

from mlir_py.definition.dialect import Dialect
from mlir_py.ir.builtin_attributes import DenseElementsAttr, DenseResourceElementsAttr

OPS = [*_ELEMENTWISE, *_NN, *_SHAPE, *_LOGIC, *_INDEX]


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
    "DIALECT", "GRAPH", "OPS", "GraphTypeError", "ShapeError",
    "AbsOp", "AddOp", "AndOp", "ArgMaxOp", "ArgMinOp", "AvgPool2dOp", "BatchNormOp", "CastOp", "ClipOp", "ConcatOp",
    "ConstantOp", "Conv2dOp", "ConvTranspose2dOp", "CosOp", "DivOp", "EqualOp", "ErfOp", "ExpOp", "ExpandOp",
    "FlattenOp", "GatherOp", "GeluOp", "GemmOp", "GlobalAvgPoolOp", "GlobalMaxPoolOp", "GreaterEqualOp",
    "GreaterOp", "HardSigmoidOp", "InstanceNormOp", "LayerNormOp", "LeakyReluOp", "LessEqualOp", "LessOp", "LogOp",
    "LogSoftmaxOp", "LrnOp", "MatmulOp", "MaxOp", "MaxPool2dOp", "MinOp", "MulOp", "NegOp", "NotOp", "OrOp",
    "PadOp", "PowOp", "ReciprocalOp", "ReduceMaxOp", "ReduceMeanOp", "ReduceMinOp", "ReduceProdOp", "ReduceSumOp",
    "ReluOp", "ReshapeOp", "ResizeOp", "RsqrtOp", "SigmoidOp", "SinOp", "SliceOp", "SoftmaxOp", "SoftplusOp",
    "SqrtOp", "SubOp", "TanhOp", "TileOp", "TransposeOp", "WhereOp", "XorOp",
]
