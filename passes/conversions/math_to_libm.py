"""`convert-math-to-libm`: math ops on f32/f64 scalars as calls to the C math library.

What LLVM has no intrinsic for (`math.tanh`, `math.erf`, `math.atan2`,
`math.cbrt`, ...) is computed by libm: each op becomes a `func.call` of the
libm function for its type (`tanhf` for f32, `tanh` for f64), declared
once per module as a private `func.func` marked `llvm.readnone` (math ops
have no side effects, so the call may be moved or removed like the op).
`convert-func-to-llvm` then lowers the calls and declarations; the JIT
resolves the names in the C library of the process. Upstream's pass;
vectors and other float types are left alone.
"""

from __future__ import annotations

from mlir_py.dialects.func import CallOp, FuncOp

from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.builtin_types import FloatType, FunctionType
from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import Pass, Statistic, register_pass

#: math op -> libm name of its f64 version (the f32 one adds `f`)
LIBM: dict[str, str] = {
    "math.acos": "acos", "math.acosh": "acosh", "math.asin": "asin", "math.asinh": "asinh",
    "math.atan": "atan", "math.atanh": "atanh", "math.atan2": "atan2", "math.cbrt": "cbrt",
    "math.ceil": "ceil", "math.cos": "cos", "math.cosh": "cosh", "math.erf": "erf", "math.erfc": "erfc",
    "math.exp": "exp", "math.exp2": "exp2", "math.expm1": "expm1", "math.floor": "floor", "math.fma": "fma",
    "math.log": "log", "math.log10": "log10", "math.log1p": "log1p", "math.log2": "log2",
    "math.powf": "pow", "math.round": "round", "math.roundeven": "roundeven", "math.sin": "sin",
    "math.sinh": "sinh", "math.sqrt": "sqrt", "math.tan": "tan", "math.tanh": "tanh", "math.trunc": "trunc",
}


def libm_name(op: Operation) -> str | None:
    """The libm function computing `op`, None when its type has none."""
    base = LIBM.get(op.name)
    if base is None or len(op.results) != 1:
        return None
    t = op.results[0].type
    if not isinstance(t, FloatType) or t.width not in (32, 64):
        return None
    return base + ("f" if t.width == 32 else "")


@register_pass
class ConvertMathToLibm(Pass):
    """Replace math ops by calls to libm (see the module docstring)."""

    name = "convert-math-to-libm"
    summary = "Convert Math dialect to libm calls"
    display_name = "ConvertMathToLibmPass"
    statistics = [Statistic("num-calls", "math ops replaced by libm calls")]

    def run_on_operation(self, op):
        if not op.regions or not op.regions[0].blocks:
            return
        body = op.regions[0].blocks[0]
        symbols = {o.properties["sym_name"].value: o for o in body.ops if "sym_name" in o.properties}
        todo = [o for o in op.walk() if o.name in LIBM]
        for o in todo:
            name = libm_name(o)
            if name is None:
                continue
            if name not in symbols:
                ftype = FunctionType([v.type for v in o.operands], [r.type for r in o.results])
                decl = FuncOp.build(name, ftype, visibility="private", declaration=True, location=o.location)
                decl.attributes["llvm.readnone"] = UnitAttr()
                body.insert_before(body.first_op, decl)
                symbols[name] = decl
            call = CallOp.build(name, list(o.operands), [r.type for r in o.results], location=o.location)
            o.parent.insert_before(o, call)
            o.results[0].replace_all_uses_with(call.results[0])
            o.erase()
            self.stats["num-calls"] += 1


__all__ = ["LIBM", "ConvertMathToLibm", "libm_name"]
