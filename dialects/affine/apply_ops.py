"""Index arithmetic of the affine dialect: affine.apply, affine.min, affine.max,
affine.delinearize_index and affine.linearize_index (upstream syntax)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.affine.syntax import (
    name_pos,
    parse_map_and_operands,
    print_dim_and_symbol_list,
)
from mlir_py.dialects.affine.validity import is_valid_dim, is_valid_symbol

from mlir_py.builtin.constraints import AffineMapAttrC, DenseArrayOf, Index
from mlir_py.definition.constraints import AnyOf, BaseAttr
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result, var_operand, var_result
from mlir_py.definition.traits import Pure
from mlir_py.ir.builtin_attributes import AffineMapAttr, BoolAttr, DenseArrayAttr, IntegerAttr, UnitAttr
from mlir_py.ir.builtin_types import DYNAMIC, i32, i64, index
from mlir_py.text.dynamic_index_list import PAREN, parse_dynamic_index_list, print_dynamic_index_list

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

#: a dynamic entry of a static basis (ShapedType::kDynamic)


class _MapOp(Op):
    """affine.apply/min/max: `#map(%dims)[%syms]`, one index result."""

    traits = [Pure]
    map = prop(AffineMapAttrC)
    map_operands = var_operand(Index)
    result_ = result(Index)

    @classmethod
    def parse(cls, parser: Parser):
        start = name_pos(parser, cls.name)
        amap, operands, num_dims = parse_map_and_operands(parser)
        attrs = parser.parse_optional_attr_dict()
        if cls.name == "affine.apply" and (amap.num_dims != num_dims or amap.num_inputs != len(operands)):
            raise parser.error("custom op 'affine.apply' dimension or symbol index mismatch", start)
        return cls.create(operands, [index], properties={"map": AffineMapAttr(amap)}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_attribute(self.map)
        print_dim_and_symbol_list(printer, self.operands, self.map.value.num_dims)
        printer.print_optional_attr_dict(self.attributes)

    @property
    def affine_map(self):
        """The map as an AffineMap."""
        return self.map.value

    def _verify_counts(self) -> str | None:
        amap = self.map.value
        if len(self.operands) != amap.num_inputs:
            return "operand count and affine map dimension and symbol count must match"
        return None


class ApplyOp(_MapOp):
    """Applies a one-result affine map to index operands: dims in parentheses,
    symbols in brackets.

    ```mlir
    %r = affine.apply affine_map<(d0)[s0] -> (d0 * 4 + s0)>(%i)[%n]
    ```
    """

    name = "affine.apply"

    def fold(self, operands):
        from mlir_py.dialects.affine.canonicalize import fold_apply
        return fold_apply(self, operands)

    def verify_(self):
        err = self._verify_counts()
        if err:
            return err
        amap = self.map.value
        if amap.num_results != 1:
            return "mapping must produce one value"
        for v in self.operands[amap.num_dims:]:
            if is_valid_dim(v) and not is_valid_symbol(v):
                # upstream reports this one without the op-name prefix
                self.emit_error("dimensional operand cannot be used as a symbol")
                return ""
        return None


class MinOp(_MapOp):
    """The minimum of the results of an affine map.

    ```mlir
    %m = affine.min affine_map<(d0)[s0] -> (1000, d0 + 512, s0)>(%i)[%n]
    ```
    """

    name = "affine.min"

    def fold(self, operands):
        from mlir_py.dialects.affine.canonicalize import fold_min_max
        return fold_min_max(self, operands, True)

    def verify_(self):
        if not self.map.value.results:
            return "affine map expect at least one result"
        return self._verify_counts()


class MaxOp(_MapOp):
    """The maximum of the results of an affine map.

    ```mlir
    %m = affine.max affine_map<(d0)[s0] -> (0, d0 - s0)>(%i)[%n]
    ```
    """

    name = "affine.max"

    def fold(self, operands):
        from mlir_py.dialects.affine.canonicalize import fold_min_max
        return fold_min_max(self, operands, False)

    def verify_(self):
        if not self.map.value.results:
            return "affine map expect at least one result"
        return self._verify_counts()


def _verify_basis(op, static: DenseArrayAttr, dynamic) -> str | None:
    if sum(1 for x in static.values if x == DYNAMIC) != len(dynamic):
        return ("mismatch between dynamic and static basis (kDynamic marker but no corresponding dynamic basis "
                "entry) -- this can only happen due to an incorrect fold/rewrite")
    if any(x != DYNAMIC and x <= 0 for x in static.values):
        return "no zero or negative basis elements may be static"
    return None


class DelinearizeIndexOp(Op):
    """Splits a linear index into a multi-index over a basis (the sizes of
    the dimensions, outermost first; the outermost may be left out, giving it
    no bound).

    ```mlir
    %r:3 = affine.delinearize_index %i into (4, %n, 8) : index, index, index
    ```
    """

    name = "affine.delinearize_index"
    traits = [Pure]
    linear_index = operand(Index)
    dynamic_basis = var_operand(Index)
    static_basis = prop(DenseArrayOf(i64))
    multi_index = var_result(Index)

    @classmethod
    def parse(cls, parser: Parser):
        lin = parser.parse_operand()
        parser.parse_keyword("into")
        dyn, static = parse_dynamic_index_list(parser, PAREN)
        attrs = parser.parse_optional_attr_dict()
        types = parser.parse_colon_type_list()
        operands = [parser.resolve_operand(lin, index)] + parser.resolve_operands(dyn, index)
        return cls.create(operands, types, properties={"static_basis": static}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.linear_index)
        printer.write(" into ")
        print_dynamic_index_list(printer, self.dynamic_basis, self.static_basis, PAREN)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_types(r.type for r in self.results)

    @property
    def basis_size(self) -> int:
        return len(self.static_basis.values)

    def verify_(self):
        n, m = self.basis_size, len(self.results)
        if m == 0:
            return "must produce at least one index"
        if n != m and n + 1 != m:
            return "should return an index for each basis element and up to one extra index"
        return _verify_basis(self, self.static_basis, self.dynamic_basis)


class LinearizeIndexOp(Op):
    """Combines a multi-index into a linear index over a basis (the outermost
    size may be left out); `disjoint` promises each index is within its
    bound.

    ```mlir
    %l = affine.linearize_index disjoint [%i, %j] by (4, 8) : index
    ```
    """

    name = "affine.linearize_index"
    traits = [Pure]
    multi_index = var_operand(Index)
    dynamic_basis = var_operand(Index)
    static_basis = prop(DenseArrayOf(i64))
    disjoint = opt_prop(AnyOf(BaseAttr(UnitAttr), BaseAttr(IntegerAttr), description="unit or bool property"))
    linear_index = result(Index)

    @classmethod
    def parse(cls, parser: Parser):
        disjoint = parser.parse_optional_keyword("disjoint") is not None
        idx = parser.parse_operand_list("[")
        parser.parse_keyword("by")
        dyn, static = parse_dynamic_index_list(parser, PAREN)
        attrs = parser.parse_optional_attr_dict()
        parser.expect(":")
        t = parser.parse_type()
        operands = parser.resolve_operands(idx, index) + parser.resolve_operands(dyn, index)
        props = {"static_basis": static, "disjoint": UnitAttr() if disjoint else BoolAttr(False),
                 "operandSegmentSizes": DenseArrayAttr(i32, (len(idx), len(dyn)))}
        return cls.create(operands, [t], properties=props, attributes=attrs)

    @property
    def is_disjoint(self) -> bool:
        return isinstance(self.disjoint, UnitAttr)

    def print(self, printer: Printer) -> None:
        printer.write(" disjoint [" if self.is_disjoint else " [")
        printer.print_operands(self.multi_index)
        printer.write("] by ")
        print_dynamic_index_list(printer, self.dynamic_basis, self.static_basis, PAREN)
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.linear_index.type)

    def verify_(self):
        n, m = len(self.static_basis.values), len(self.multi_index)
        if m == 0:
            return "should be passed at least one index"
        if n != m and n + 1 != m:
            return "should be passed a basis element for each index except possibly the first"
        return _verify_basis(self, self.static_basis, self.dynamic_basis)


OPS = [ApplyOp, MinOp, MaxOp, DelinearizeIndexOp, LinearizeIndexOp]
