"""Comparisons, not/and/or/xor, where and cast: one elementwise `linalg.generic` each, operands broadcast
through their indexing maps as for the arithmetic ops (elementwise.py).

- comparisons: `arith.cmpf` with the ordered predicates (oeq, olt, ole, ogt,
  oge: false when either side is NaN, as numpy) or `arith.cmpi` with the
  signed ones, into an i1 tensor;
- not is `xori x, true`; and/or/xor are `andi`/`ori`/`xori` on i1;
- where is `arith.select`;
- cast: `fptosi` (truncation toward zero), `sitofp`, `extsi`/`trunci`,
  `extf`/`truncf`; to i1 `cmpf une x, 0.0` / `cmpi ne x, 0`; from i1 `uitofp`
  / `extui` (true is 1, not -1).
"""

from __future__ import annotations

from mlir_py.dialects import arith
from mlir_py.passes.conversions.graph_to_linalg.common import Emitter, elt, shape_of
from mlir_py.passes.conversions.graph_to_linalg.scalar import is_float

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_types import i1
from mlir_py.ir.operation import Operation, Value
from mlir_py.rewrite.conversion import ConversionPatternRewriter, OpAdaptor, conversion_pattern

#: graph comparison -> (cmpf predicate, cmpi predicate)
COMPARE = {
    "graph.equal": ("oeq", "eq"), "graph.less": ("olt", "slt"), "graph.less_equal": ("ole", "sle"),
    "graph.greater": ("ogt", "sgt"), "graph.greater_equal": ("oge", "sge"),
}

LOGICAL = {"graph.and": arith.AndIOp, "graph.or": arith.OrIOp, "graph.xor": arith.XOrIOp}


def compare(b, predicate: str, x: Value, y: Value) -> Value:
    """`x <predicate> y` by its graph op name (a key of COMPARE) for floats or integers."""
    fp, ip = COMPARE[predicate]
    return b.create(arith.CmpFOp(fp, x, y) if is_float(x.type) else arith.CmpIOp(ip, x, y))


def _map(op: Operation, operands: list[Value], rw: ConversionPatternRewriter, body) -> bool:
    e = Emitter(rw)
    rw.replace_op(op, [e.map(operands, shape_of(op.results[0]), elt(op.results[0]), body)])
    return True


def _compare_pattern(name: str):
    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        return _map(op, list(adaptor.operands), rw, lambda b, x, y, out: compare(b, name, x, y))
    lower.__name__ = "lower_" + name.split(".")[1]
    return conversion_pattern(name)(lower)


def _logical_pattern(name: str):
    cls = LOGICAL[name]

    def lower(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
        return _map(op, list(adaptor.operands), rw, lambda b, x, y, out: b.create(cls(x, y)))
    lower.__name__ = "lower_" + name.split(".")[1]
    return conversion_pattern(name)(lower)


@conversion_pattern("graph.not")
def lower_not(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    return _map(op, list(adaptor.operands), rw, lambda b, x, out: b.create(arith.XOrIOp(x, b.constant(1, i1))))


@conversion_pattern("graph.where")
def lower_where(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    return _map(op, list(adaptor.operands), rw, lambda b, c, x, y, out: b.select(c, x, y))


def convert(b, x: Value, to: Attribute) -> Value:
    """graph.cast of one element (see the module docstring)."""
    src = x.type
    if src == to:
        return x
    if to == i1:
        zero = b.constant(0, src)
        return b.create(arith.CmpFOp("une", x, zero) if is_float(src) else arith.CmpIOp("ne", x, zero))
    return b.cast(to, x, unsigned=(src == i1))


@conversion_pattern("graph.cast")
def lower_cast(op: Operation, adaptor: OpAdaptor, rw: ConversionPatternRewriter) -> bool:
    (x,) = adaptor.operands
    to = elt(op.results[0])
    if elt(x) == to:
        rw.replace_op(op, [x])
        return True
    return _map(op, [x], rw, lambda b, v, out: convert(b, v, to))


PATTERNS = ([_compare_pattern(n) for n in COMPARE] + [_logical_pattern(n) for n in LOGICAL]
            + [lower_not, lower_where, lower_cast])

__all__ = ["COMPARE", "PATTERNS", "compare", "convert"]
