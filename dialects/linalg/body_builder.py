"""Building a structured op's scalar body from Python (upstream's
RegionBuilderHelper): the callback that fills a `linalg.generic` and the
declared bodies of the named ops both use a `BodyBuilder`.

Each method appends one scalar op (arith/math) at the end of the block and
returns its result, so a body reads as the computation:

```python
def body(b, x, y, acc):
    return b.add(acc, b.mul(b.cast(acc.type, x), b.cast(acc.type, y)))
```
"""

from __future__ import annotations

from typing import Any, Sequence

from mlir_py.dialects import arith, math

from mlir_py.ir.builtin_attributes import FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType
from mlir_py.ir.operation import Block, Operation, Value

#: the ops upstream's buildUnaryFn emits (float operands)
UNARY_FLOAT = {
    "exp": math.ExpOp, "log": math.LogOp, "abs": math.AbsFOp, "ceil": math.CeilOp, "floor": math.FloorOp,
    "negf": arith.NegFOp, "round": math.RoundOp, "sqrt": math.SqrtOp, "rsqrt": math.RsqrtOp,
    "tanh": math.TanhOp, "erf": math.ErfOp, "sin": math.SinOp, "cos": math.CosOp, "tan": math.TanOp,
    "acos": math.AcosOp, "acosh": math.AcoshOp, "asin": math.AsinOp, "asinh": math.AsinhOp, "atan": math.AtanOp,
    "atanh": math.AtanhOp, "log10": math.Log10Op, "log1p": math.Log1pOp, "log2": math.Log2Op,
}


class BodyBuilder:
    """Appends scalar ops to a structured op's body block (see the module docstring)."""

    def __init__(self, block: Block):
        self.block = block

    def create(self, op: Operation) -> Any:
        """Append any op; returns its single result (or the op when it has none or several)."""
        self.block.append(op)
        return op.results[0] if len(op.results) == 1 else op

    # -- upstream's TypeFn --------------------------------------------------------------------

    def cast(self, to_type: Any, v: Value, unsigned: bool = False) -> Value:
        """`v` converted to `to_type` (upstream's convertScalarToDtype): ext/trunc between widths,
        int<->float with signed or unsigned semantics, index_cast to/from index; the value itself when the
        types agree or no conversion exists."""
        ft = v.type
        if ft is to_type:
            return v
        if isinstance(to_type, IntegerType):
            if isinstance(ft, FloatType):
                return self.create((arith.FPToUIOp if unsigned else arith.FPToSIOp)(v, result_types=[to_type]))
            if isinstance(ft, IndexType):
                return self.create(arith.IndexCastOp(v, result_types=[to_type]))
            if isinstance(ft, IntegerType):
                if to_type.width > ft.width:
                    return self.create((arith.ExtUIOp if unsigned else arith.ExtSIOp)(v, result_types=[to_type]))
                if to_type.width < ft.width:
                    return self.create(arith.TruncIOp(v, result_types=[to_type]))
                return v
        elif isinstance(to_type, FloatType):
            if isinstance(ft, IntegerType):
                return self.create((arith.UIToFPOp if unsigned else arith.SIToFPOp)(v, result_types=[to_type]))
            if isinstance(ft, FloatType):
                if to_type.width > ft.width:
                    return self.create(arith.ExtFOp(v, result_types=[to_type]))
                if to_type.width < ft.width:
                    return self.create(arith.TruncFOp(v, result_types=[to_type]))
                return v
        elif isinstance(to_type, IndexType) and isinstance(ft, IntegerType):
            return self.create(arith.IndexCastOp(v, result_types=[to_type]))
        return v

    def type_fn(self, fn: str, to_type: Any, v: Value) -> Value:
        """`cast_signed` / `cast_unsigned` by name."""
        return self.cast(to_type, v, unsigned=(fn == "cast_unsigned"))

    # -- upstream's UnaryFn / BinaryFn / TernaryFn -------------------------------------------------------

    def unary(self, fn: str, x: Value) -> Value:
        """exp, log, abs, ceil, floor, negf, reciprocal, round, sqrt, rsqrt, square, tanh, erf, sin, cos, tan,
        acos, acosh, asin, asinh, atan, atanh, log10, log1p, log2. Built for any operand type, as upstream: a
        non-float operand leaves an op the verifier rejects."""
        if fn == "reciprocal":
            one = self.constant(1.0, x.type)
            return self.create(arith.DivFOp(one, x))
        if fn == "square":
            return self.create(arith.MulFOp(x, x))
        return self.create(UNARY_FLOAT[fn](x))

    def binary(self, fn: str, x: Value, y: Value) -> Value:
        """add, sub, mul, div, div_unsigned, max_signed, min_signed, max_unsigned, min_unsigned, powf."""
        fl = isinstance(x.type, FloatType) and isinstance(y.type, FloatType)
        integer = isinstance(x.type, IntegerType) and isinstance(y.type, IntegerType)
        if not fl and not integer:
            raise TypeError(f"binary function '{fn}' needs two floats or two integers, got {x.type}, {y.type}")
        boolean = integer and x.type.width == 1 and y.type.width == 1
        table = {
            "add": arith.AddFOp if fl else (arith.OrIOp if boolean else arith.AddIOp),
            "sub": arith.SubFOp if fl else arith.SubIOp,
            "mul": arith.MulFOp if fl else (arith.AndIOp if boolean else arith.MulIOp),
            "div": arith.DivFOp if fl else arith.DivSIOp,
            "div_unsigned": arith.DivUIOp,
            "max_signed": arith.MaximumFOp if fl else arith.MaxSIOp,
            "min_signed": arith.MinimumFOp if fl else arith.MinSIOp,
            "max_unsigned": arith.MaximumFOp if fl else arith.MaxUIOp,
            "min_unsigned": arith.MinimumFOp if fl else arith.MinUIOp,
            "powf": math.PowFOp,
        }
        if fn in ("sub", "div") and boolean:
            raise TypeError(f"unsupported operation: {fn} with bools")
        if fn in ("div_unsigned", "max_unsigned", "min_unsigned") and not integer:
            raise TypeError(f"unsupported operation: {fn} needs integer operands")
        if fn == "powf" and not fl:
            raise TypeError("powf needs floating-point operands")
        return self.create(table[fn](x, y))

    def select(self, cond: Value, x: Value, y: Value) -> Value:
        return self.create(arith.SelectOp(cond, x, y))

    # shorthands a callback reads well with
    def add(self, x: Value, y: Value) -> Value:
        return self.binary("add", x, y)

    def sub(self, x: Value, y: Value) -> Value:
        return self.binary("sub", x, y)

    def mul(self, x: Value, y: Value) -> Value:
        return self.binary("mul", x, y)

    def div(self, x: Value, y: Value) -> Value:
        return self.binary("div", x, y)

    def max(self, x: Value, y: Value) -> Value:
        return self.binary("max_signed", x, y)

    def min(self, x: Value, y: Value) -> Value:
        return self.binary("min_signed", x, y)

    # -- leaves --------------------------------------------------------------------------------------

    def constant(self, value: float | int, type: Any) -> Value:
        """An `arith.constant` of a scalar type."""
        attr = FloatAttr(float(value), type) if isinstance(type, FloatType) else IntegerAttr(int(value), type)
        return self.create(arith.ConstantOp(value=attr, result_types=[type]))

    def index(self, dim: int) -> Value:
        """`linalg.index dim`: the current value of loop `dim`."""
        from mlir_py.dialects.linalg.generic_ops import IndexOp

        from mlir_py.ir.builtin_attributes import IntegerAttr as IA
        from mlir_py.ir.builtin_types import i64
        return self.create(IndexOp(dim=IA(dim, i64)))

    def yield_(self, values: Sequence[Value]) -> None:
        from mlir_py.dialects.linalg.generic_ops import YieldOp
        self.block.append(YieldOp(list(values)))
