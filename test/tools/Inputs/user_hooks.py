"""A dialect whose hooks raise, for test/tools/user-code-errors.mir: each op
breaks one hook the framework calls (verifier, printer, parser, folder,
pattern), with an `Exception` or a `BaseException` that is not one.
"""

from __future__ import annotations

import sys

from mlir_py.builtin.constraints import SignlessIntegerLike
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, operand, result
from mlir_py.rewrite import pattern


class Custom(BaseException):
    """Not an Exception: escapes `except Exception`."""


class BadVerifyOp(Op):
    name = "hooks.bad_verify"
    input = operand(SignlessIntegerLike)

    def verify_(self):
        raise ValueError("verifier bug")


class ExitVerifyOp(Op):
    name = "hooks.exit_verify"

    def verify_(self):
        sys.exit(4)


class BadPrintOp(Op):
    name = "hooks.bad_print"

    @classmethod
    def parse(cls, parser):
        return cls()

    def print(self, printer):
        raise RuntimeError("printer bug")


class BadParseOp(Op):
    name = "hooks.bad_parse"

    @classmethod
    def parse(cls, parser):
        return {}["missing"]

    def print(self, printer):
        pass


class BadFoldOp(Op):
    name = "hooks.bad_fold"
    input = operand(SignlessIntegerLike)
    output = result(SignlessIntegerLike)
    assembly_format = "$input attr-dict `:` type($input)"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[0].type]

    def fold(self, operands):
        raise Custom("folder bug")


class BadPatternOp(Op):
    name = "hooks.bad_pattern"
    input = operand(SignlessIntegerLike)
    assembly_format = "$input attr-dict `:` type($input)"

    @classmethod
    def get_canonicalization_patterns(cls):
        return [explode]


@pattern(BadPatternOp)
def explode(op, rewriter):
    raise KeyboardInterrupt  # raised by code, not by Ctrl-C: the pattern's bug


HOOKS = Dialect("hooks", ops=[BadVerifyOp, ExitVerifyOp, BadPrintOp, BadParseOp, BadFoldOp, BadPatternOp])
