"""The ub dialect: undefined-behaviour values (MLIR's `ub`). `ub.poison` is a poison value of any type;
convert-*-to-llvm lowers it to `llvm.mlir.poison`."""

from mlir_py.definition.constraints import AnyType, BaseAttr
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op, prop, result
from mlir_py.definition.traits import ConstantLike, Pure
from mlir_py.ir.attributes import AttrDef


class PoisonAttr(AttrDef):
    """`#ub.poison`: the value of a poison constant (what folding sees)."""

    name = "ub.poison"
    parameters = ()


POISON = PoisonAttr()


class PoisonOp(Op):
    """A poison value: using it in a side effect is undefined behaviour; any fold may pick its value.

    ```mlir
    %0 = ub.poison : i32
    %1 = ub.poison : vector<4xf32>
    ```
    """

    name = "ub.poison"
    traits = [ConstantLike, Pure]
    value = prop(BaseAttr(PoisonAttr, description="poison attribute"), default=POISON)
    result = result(AnyType)
    assembly_format = "attr-dict `:` type($result)"

    def fold(self, operands):
        return self.properties.get("value", POISON)


OPS = [PoisonOp]
DIALECT = Dialect("ub", ops=OPS, attributes=[PoisonAttr], description="Undefined behaviour: poison values.")
