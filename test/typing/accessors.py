"""What editors and type checkers see of a declared op (checked by pyright in the test command)."""

from typing import assert_type

from mlir_py.builtin.constraints import I1
from mlir_py.definition.opdef import Op, operand, opt_operand, region, result, successor, var_operand, var_result
from mlir_py.ir.operation import Block, OpResult, Region, Value


class SelectLike(Op):
    name = "toy.select_like"
    cond = operand(I1)
    rest = var_operand()
    maybe = opt_operand()
    out = result()
    outs = var_result()
    body = region()
    dest = successor()


def check(op: SelectLike) -> None:
    assert_type(op.cond, Value)
    assert_type(op.rest, list[Value])
    assert_type(op.maybe, Value | None)
    assert_type(op.out, OpResult)
    assert_type(op.outs, list[OpResult])
    assert_type(op.body, Region)
    assert_type(op.dest, Block)
