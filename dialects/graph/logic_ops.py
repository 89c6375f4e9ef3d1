"""The boolean side of the graph dialect: comparisons (-> i1), not/and/or/xor, where, and cast between
element types.

These bring i1 tensors into graph programs: ONNX exporters compute masks
(attention, padding) and shape arithmetic with them, and the importer
needs them as ops of their own. A boolean tensor is `tensor<...xi1>`; it
crosses the ExecutionEngine boundary as a numpy bool array.
"""

from __future__ import annotations

from mlir_py.dialects.graph import folding
from mlir_py.dialects.graph import inference as inf
from mlir_py.dialects.graph.common import ANY, BOOL, NUMBERS, GraphOp, TensorOf, same_element_type, tensor

from mlir_py.definition.opdef import Op, operand, result
from mlir_py.definition.traits import Commutative, Involution, Pure, SameOperandsAndResultType
from mlir_py.ir.builtin_types import i1


class _CompareOp(GraphOp):
    traits = [Pure]
    lhs = operand(TensorOf(NUMBERS))
    rhs = operand(TensorOf(NUMBERS))
    result = result(TensorOf(BOOL))
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        same_element_type(types, ("lhs", "rhs"))
        return tensor(inf.broadcast(types[0].shape, types[1].shape), i1)

    def fold(self, operands):
        return folding.compare(self, operands)


class EqualOp(_CompareOp):
    """Elementwise `lhs == rhs` with numpy broadcasting, as an i1 tensor (a NaN equals nothing). f32, f16, i32,
    i64, i1.

    ```mlir
    %2 = graph.equal %0, %1 : (tensor<4x3xi64>, tensor<3xi64>) -> tensor<4x3xi1>
    ```
    """

    name = "graph.equal"
    traits = [Pure, Commutative]
    lhs = operand(TensorOf(ANY))
    rhs = operand(TensorOf(ANY))


class LessOp(_CompareOp):
    """Elementwise `lhs < rhs` with numpy broadcasting, as an i1 tensor (false where either is NaN; integers
    signed). f32, f16, i32, i64.

    ```mlir
    %2 = graph.less %0, %1 : (tensor<4xf32>, tensor<f32>) -> tensor<4xi1>
    ```
    """

    name = "graph.less"


class LessEqualOp(_CompareOp):
    """Elementwise `lhs <= rhs` with numpy broadcasting, as an i1 tensor. f32, f16, i32, i64.

    ```mlir
    %2 = graph.less_equal %0, %1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
    ```
    """

    name = "graph.less_equal"


class GreaterOp(_CompareOp):
    """Elementwise `lhs > rhs` with numpy broadcasting, as an i1 tensor. f32, f16, i32, i64.

    ```mlir
    %2 = graph.greater %0, %1 : (tensor<2x1xi32>, tensor<3xi32>) -> tensor<2x3xi1>
    ```
    """

    name = "graph.greater"


class GreaterEqualOp(_CompareOp):
    """Elementwise `lhs >= rhs` with numpy broadcasting, as an i1 tensor. f32, f16, i32, i64.

    ```mlir
    %2 = graph.greater_equal %0, %1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
    ```
    """

    name = "graph.greater_equal"


class NotOp(Op):
    """Elementwise logical negation of an i1 tensor.

    ```mlir
    %1 = graph.not %0 : tensor<4xi1>
    ```
    """

    name = "graph.not"
    traits = [Pure, SameOperandsAndResultType, Involution]
    x = operand(TensorOf(BOOL))
    result = result(TensorOf(BOOL))
    assembly_format = "$x attr-dict `:` type($x)"

    def fold(self, operands):
        return folding.unary(self, operands)


class _LogicalOp(GraphOp):
    traits = [Pure, Commutative]
    lhs = operand(TensorOf(BOOL))
    rhs = operand(TensorOf(BOOL))
    result = result(TensorOf(BOOL))
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        return tensor(inf.broadcast(types[0].shape, types[1].shape), i1)

    def fold(self, operands):
        return folding.binary(self, operands)


class AndOp(_LogicalOp):
    """Elementwise logical and of i1 tensors, with numpy broadcasting.

    ```mlir
    %2 = graph.and %0, %1 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
    ```
    """

    name = "graph.and"


class OrOp(_LogicalOp):
    """Elementwise logical or of i1 tensors, with numpy broadcasting.

    ```mlir
    %2 = graph.or %0, %1 : (tensor<4xi1>, tensor<1xi1>) -> tensor<4xi1>
    ```
    """

    name = "graph.or"


class XorOp(_LogicalOp):
    """Elementwise logical exclusive or of i1 tensors, with numpy broadcasting.

    ```mlir
    %2 = graph.xor %0, %1 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
    ```
    """

    name = "graph.xor"


class WhereOp(GraphOp):
    """`x` where `cond` holds, else `y` (np.where): the three operands broadcast together; x and y share the
    element type of the result. cond i1; x, y f32, f16, i32, i64, i1.

    ```mlir
    %3 = graph.where %0, %1, %2 : (tensor<4x1xi1>, tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
    ```
    """

    name = "graph.where"
    traits = [Pure]
    cond = operand(TensorOf(BOOL))
    x = operand(TensorOf(ANY))
    y = operand(TensorOf(ANY))
    result = result(TensorOf(ANY))
    assembly_format = "$cond `,` $x `,` $y attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer(cls, types, attr):
        c, x, y = types
        et = same_element_type([x, y], ("x", "y"))
        return tensor(inf.broadcast3(c.shape, x.shape, y.shape), et)

    def fold(self, operands):
        return folding.where(self, operands)


class CastOp(Op):
    """The elements of `x` converted to the result's element type (ONNX Cast), same shape. Floats to integers
    truncate toward zero (out-of-range values and NaN are undefined, as in ONNX); integers to floats and f32 to
    f16 round to nearest even; integers narrow by wrapping and widen by sign extension; anything to i1 is
    `x != 0` (NaN gives true); i1 to numbers is 0 or 1. f32, f16, i32, i64, i1 either way.

    ```mlir
    %1 = graph.cast %0 : (tensor<2x3xf32>) -> tensor<2x3xi64>
    ```
    """

    name = "graph.cast"
    traits = [Pure]
    x = operand(TensorOf(ANY))
    result = result(TensorOf(ANY))
    assembly_format = "$x attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer_result_types(cls, operands, props):
        raise TypeError("graph.cast: the result type gives the element type; pass result_types=[...]")

    def verify_(self) -> str | None:
        src, dst = self.x.type, self.result.type
        if src.shape != dst.shape:
            return f"result shape {inf._s(dst.shape)} differs from the input's {inf._s(src.shape)}"
        return None

    def fold(self, operands):
        return folding.cast(self, operands)


OPS = [EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, NotOp, AndOp, OrOp, XorOp, WhereOp, CastOp]
