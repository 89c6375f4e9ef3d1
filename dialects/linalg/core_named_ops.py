"""linalg.fill, linalg.copy and linalg.matmul, declared on the named-op
mechanism (dialects/linalg/named.py)."""

from __future__ import annotations

from typing import Any, Sequence

from mlir_py.dialects.linalg.attributes import TypeFnC
from mlir_py.dialects.linalg.generic_ops import parse_map
from mlir_py.dialects.linalg.interface import element_type_or_self, operand_rank
from mlir_py.dialects.linalg.named import NamedStructuredOp, type_fn_name

from mlir_py.definition.opdef import opt_prop
from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.builtin_types import ShapedType


def _out_rank(types: Sequence[Any]) -> int:
    return operand_rank(types[-1]) if types else 0


def _identity_maps(types: Sequence[Any], props: dict) -> list[AffineMap]:
    """One identity map of the output's rank per operand (elementwise ops)."""
    n = _out_rank(types)
    return [AffineMap.get_multi_dim_identity(n) for _ in types]


def _all_parallel(types: Sequence[Any], props: dict) -> list[str]:
    return ["parallel"] * _out_rank(types)


class FillOp(NamedStructuredOp):
    """Writes the scalar `value` (of the output's element type) to every
    element of the output.

    ```mlir
    %0 = linalg.fill ins(%zero : f32) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
    """

    name = "linalg.fill"
    num_inputs = 1
    iterators = staticmethod(_all_parallel)

    @classmethod
    def default_maps(cls, types: Sequence[Any], props: dict) -> list[AffineMap]:
        n = _out_rank(types)
        return [AffineMap(n, 0, ()), AffineMap.get_multi_dim_identity(n)]

    @classmethod
    def payload(cls, b, args, props):
        value, out = args
        del out
        return [value]

    @classmethod
    def check_parsed(cls, inputs, outputs, props):
        if inputs and isinstance(inputs[0].type, ShapedType):
            return "expected op with scalar input"
        return None

    def verify_(self) -> str | None:
        if self.inputs and isinstance(self.inputs[0].type, ShapedType):
            return "expected op with scalar input"
        if self.inputs and self.outputs:
            vt, et = self.inputs[0].type, element_type_or_self(self.outputs[0].type)
            if vt is not et:
                return f"expected fill value type ('{vt}') to match output element type ('{et}')"
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.linalg.canonicalize import FILL_PATTERNS
        return FILL_PATTERNS

    @property
    def value(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]


class CopyOp(NamedStructuredOp):
    """Copies the input to the output element by element (converting the
    element type with `cast`, signed by default).

    ```mlir
    %0 = linalg.copy ins(%a : tensor<4x16xf32>) outs(%b : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
    """

    name = "linalg.copy"
    num_inputs = 1
    cast = opt_prop(TypeFnC)
    default_maps = staticmethod(_identity_maps)
    iterators = staticmethod(_all_parallel)

    @classmethod
    def payload(cls, b, args, props):
        x, out = args
        return [b.type_fn(type_fn_name(props.get("cast")), out.type, x)]

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.linalg.canonicalize import COPY_PATTERNS
        return COPY_PATTERNS


class MatmulOp(NamedStructuredOp):
    """C += A * B over (m, n, k), with A and B converted to C's element type
    by `cast` (signed by default). Upstream's `indexing_maps = [...]` form
    reads A or B transposed or broadcast.

    ```mlir
    %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
    %1 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>,
                                        affine_map<(d0, d1, d2) -> (d0, d1)>]
           ins(%at, %b : tensor<8x4xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
    """

    name = "linalg.matmul"
    num_inputs = 2
    user_maps = True
    cast = opt_prop(TypeFnC)
    default_maps = ("(d0, d1, d2) -> (d0, d2)", "(d0, d1, d2) -> (d2, d1)", "(d0, d1, d2) -> (d0, d1)")
    iterators = ("parallel", "parallel", "reduction")

    @classmethod
    def payload(cls, b, args, props):
        x, y, acc = args
        fn = type_fn_name(props.get("cast"))
        return [b.add(acc, b.mul(b.type_fn(fn, acc.type, x), b.type_fn(fn, acc.type, y)))]

    def verify_(self) -> str | None:
        """User maps may transpose an operand or broadcast it along k only (upstream's
        verifyExtendedMatmulSemantic)."""
        try:
            maps = self.get_indexing_maps()
        except ValueError:
            return None
        defaults = [parse_map(m) for m in self.default_maps]
        if len(maps) != 3 or maps == defaults:
            return None
        for m, d in zip(maps[:2], defaults[:2]):
            if any(e not in d.results for e in m.results):
                return "Unexpected dim expression in map result."
            if m.num_results < d.num_results:
                if m.num_results != 1 or not m.results[0].is_function_of_dim(m.num_dims - 1):
                    return "Invalid broadcast requested, should be (d2)."
        return None


OPS = [CopyOp, FillOp, MatmulOp]

__all__ = ["CopyOp", "FillOp", "MatmulOp"]
