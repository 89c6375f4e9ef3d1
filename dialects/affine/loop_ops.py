"""Structured control flow of the affine dialect: affine.for, affine.parallel,
affine.if and affine.yield (upstream syntax).

Loop bounds are affine maps of index operands (several results: the max of
the lower and the min of the upper bound), steps are constants, and
conditions are integer sets; so the iteration space of a nest is a
polyhedron that analyses and transforms can reason about exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mlir_py.dialects.affine.syntax import (
    expr_of_ssa_ids,
    name_pos,
    parse_affine_expr_of_ssa_ids,
    parse_affine_map_of_ssa_ids,
    parse_dim_and_symbol_list,
    print_dim_and_symbol_list,
    resolve_deduplicated,
)
from mlir_py.dialects.affine.validity import verify_dims_and_symbols
from mlir_py.dialects.memref.atomic_ops import ATOMIC_RMW_KIND

from mlir_py.builtin.constraints import AffineMapAttrC, AnyArrayAttr, IndexAttr, IntegerSetAttrC
from mlir_py.definition.constraints import AnyType, BaseAttr
from mlir_py.definition.opdef import Op, prop, region, var_operand, var_result
from mlir_py.definition.traits import (
    HasParent,
    LoopLikeOpInterface,
    Pure,
    RecursivelySpeculatable,
    RecursiveMemoryEffects,
    RegionBranchOpInterface,
    ReturnLike,
    SingleBlockImplicitTerminator,
    Speculation,
    Terminator,
)
from mlir_py.ir.affine_expr import AffineMap, AffineSymbolExpr, symbol
from mlir_py.ir.builtin_attributes import (
    AffineMapAttr,
    ArrayAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    IntegerAttr,
    IntegerSetAttr,
)
from mlir_py.ir.builtin_types import FloatType, IntegerType, RankedTensorType, i32, i64, index
from mlir_py.ir.operation import Block, Region

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class YieldOp(Op):
    """Ends the body of affine.for, affine.if and affine.parallel, passing
    values to the next iteration or to the op's results; implicit (and not
    printed) when it passes nothing.

    ```mlir
    affine.yield %sum : f32
    ```
    """

    name = "affine.yield"
    traits = [Pure, Terminator, ReturnLike, HasParent("affine.for", "affine.if", "affine.parallel")]
    operands_ = var_operand(AnyType)
    assembly_format = "attr-dict ($operands_^ `:` type($operands_))?"

    def verify_(self):
        parent = self.parent_op
        if parent is None:
            return None
        if len(parent.results) != len(self.operands):
            return "parent of yield must have same number of results as the yield operands"
        for r, v in zip(parent.results, self.operands):
            if r.type != v.type:
                return "types mismatch between yield op and its parent"
        return None


def _ensure_yield(body: Region) -> None:
    if body.is_empty():
        body.append(Block())
    block = body.first_block
    last = block.last_op
    if last is None or not last.has_trait(Terminator):
        block.append(YieldOp.create())


# ----------------------------------------------------------------------------
# affine.for
# ----------------------------------------------------------------------------


def _parse_bound(parser: Parser, is_lower: bool):
    """One loop bound: `%s`, an integer, or `[max|min] #map(dims)[syms]`."""
    keyword = "max" if is_lower else "min"
    has_prefix = parser.parse_optional_keyword(keyword) is not None
    if parser.peek("%"):
        u = parser.parse_operand()
        return AffineMap(0, 1, (symbol(0),)), [parser.resolve_operand(u, index)]
    pos = parser.skip_ws()
    attr = parser.parse_attribute(index)
    if isinstance(attr, AffineMapAttr):
        operands, num_dims = parse_dim_and_symbol_list(parser)
        amap = attr.value
        start = name_pos(parser, "affine.for")
        if amap.num_dims != num_dims:
            raise parser.error("custom op 'affine.for' dim operand count and affine map dim count must match", start)
        if amap.num_inputs != len(operands):
            raise parser.error("custom op 'affine.for' symbol operand count and affine map symbol count must match",
                               start)
        if amap.num_results > 1 and not has_prefix:
            which = "lower" if is_lower else "upper"
            raise parser.error(f"custom op 'affine.for' {which} loop bound affine map with multiple results "
                               f"requires '{keyword}' prefix", pos)
        return amap, operands
    if isinstance(attr, IntegerAttr):
        return AffineMap.get_constant(attr.value), []
    raise parser.error("custom op 'affine.for' expected valid affine map representation for loop bounds",
                       name_pos(parser, "affine.for"))


def _is_inline_bound(amap: AffineMap) -> bool:
    """A bound printed as a constant or as its one symbol operand rather than as a map."""
    if amap.num_results != 1:
        return False
    if amap.num_inputs == 0 and amap.is_single_constant():
        return True
    return amap.num_dims == 0 and amap.num_symbols == 1 and isinstance(amap.results[0], AffineSymbolExpr)


def _print_bound(printer: Printer, amap: AffineMap, operands, prefix: str) -> None:
    if _is_inline_bound(amap):
        if amap.num_inputs == 0:
            printer.write(str(amap.get_single_constant()))
        else:
            printer.print_operand(operands[0])
        return
    if amap.num_results > 1:
        printer.write(prefix + " ")
    printer.print_attribute(AffineMapAttr(amap))
    print_dim_and_symbol_list(printer, operands, amap.num_dims)


class ForOp(Op):
    """Runs its body for the induction variable from the lower bound (the max
    of its map's results) up to, not including, the upper bound (the min of
    its map's results), by a positive constant step; `iter_args` carry
    values from one iteration to the next and out as results.

    ```mlir
    %sum = affine.for %i = max #lb(%j)[%n] to min #ub(%j) step 4 iter_args(%acc = %zero) -> (f32) {
      %v = affine.load %A[%i] : memref<?xf32>
      %s = arith.addf %acc, %v : f32
      affine.yield %s : f32
    }
    ```
    """

    name = "affine.for"
    traits = [LoopLikeOpInterface, RecursiveMemoryEffects, RegionBranchOpInterface,
              SingleBlockImplicitTerminator("affine.yield")]
    lower_bound_operands = var_operand(AnyType)
    upper_bound_operands = var_operand(AnyType)
    inits = var_operand(AnyType)
    lowerBoundMap = prop(AffineMapAttrC)
    upperBoundMap = prop(AffineMapAttrC)
    step = prop(IndexAttr)
    results_ = var_result(AnyType)
    body = region()

    # -- accessors -----------------------------------------------------------

    @property
    def lower_bound_map(self) -> AffineMap:
        return self.lowerBoundMap.value

    @property
    def upper_bound_map(self) -> AffineMap:
        return self.upperBoundMap.value

    @property
    def step_value(self) -> int:
        return self.step.value

    @property
    def induction_var(self):
        return self.body.first_block.args[0]

    @property
    def region_iter_args(self):
        return self.body.first_block.args[1:]

    def has_constant_lower_bound(self) -> bool:
        return self.lower_bound_map.is_single_constant()

    def has_constant_upper_bound(self) -> bool:
        return self.upper_bound_map.is_single_constant()

    def get_constant_trip_count(self) -> int | None:
        """The trip count when both bounds are single constants (MLIR's getConstantTripCount, simple case)."""
        if not (self.has_constant_lower_bound() and self.has_constant_upper_bound()):
            return None
        lb, ub = self.lower_bound_map.get_single_constant(), self.upper_bound_map.get_single_constant()
        return max(0, -(-(ub - lb) // self.step_value))

    @property
    def properties_printed_inline(self) -> tuple[str, ...]:
        """Bounds printed as a constant or a lone symbol operand get no `#map` alias."""
        return tuple(name for name, amap in (("lowerBoundMap", self.lower_bound_map),
                                             ("upperBoundMap", self.upper_bound_map)) if _is_inline_bound(amap))

    # -- interfaces ----------------------------------------------------------

    def fold(self, operands):
        from mlir_py.dialects.affine.canonicalize import fold_for
        return fold_for(self)

    def get_speculatability(self) -> str:
        # A unit step terminates for any bounds; other steps are not reasoned about (upstream).
        return Speculation.RECURSIVELY_SPECULATABLE if self.step_value == 1 else Speculation.NOT_SPECULATABLE

    def get_loop_regions(self):
        return [self.body]

    # -- syntax --------------------------------------------------------------

    @classmethod
    def parse(cls, parser: Parser):
        iv = parser.parse_operand()
        parser.expect("=")
        lb_map, lb_ops = _parse_bound(parser, True)
        parser.parse_keyword("to")
        ub_map, ub_ops = _parse_bound(parser, False)
        step = 1
        if parser.parse_optional_keyword("step") is not None:
            pos = parser.skip_ws()
            attr = parser.parse_attribute(index)
            if not isinstance(attr, IntegerAttr):
                raise parser.error("invalid kind of attribute specified", pos)
            step = attr.value
            if step <= 0:
                raise parser.error("custom op 'affine.for' expected step to be representable as a positive "
                                   "signed integer", pos)
        args = [(iv, index, None)]
        inits = []
        types: list = []
        if parser.parse_optional_keyword("iter_args") is not None:
            parser.expect("(")
            pairs = []
            while True:
                a = parser.parse_operand()
                parser.expect("=")
                pairs.append((a, parser.parse_operand()))
                if not parser.parse_optional(","):
                    break
            parser.expect(")")
            types = parser.parse_arrow_type_list()
            if len(types) != len(pairs):
                raise parser.error("custom op 'affine.for' mismatch between the number of loop-carried values and "
                                   "results", name_pos(parser, cls.name))
            for (a, init), t in zip(pairs, types):
                args.append((a, t, None))
                inits.append(parser.resolve_operand(init, t))
        body = parser.parse_region(args)
        attrs = parser.parse_optional_attr_dict()
        _ensure_yield(body)
        props = {
            "lowerBoundMap": AffineMapAttr(lb_map),
            "operandSegmentSizes": DenseArrayAttr(i32, (len(lb_ops), len(ub_ops), len(inits))),
            "step": IntegerAttr(step, index),
            "upperBoundMap": AffineMapAttr(ub_map),
        }
        return cls.create(lb_ops + ub_ops + inits, types, properties=props, attributes=attrs, regions=[body])

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.induction_var)
        printer.write(" = ")
        _print_bound(printer, self.lower_bound_map, self.lower_bound_operands, "max")
        printer.write(" to ")
        _print_bound(printer, self.upper_bound_map, self.upper_bound_operands, "min")
        if self.step_value != 1:
            printer.write(f" step {self.step_value}")
        if self.inits:
            printer.write(" iter_args(")
            printer.write(", ".join(f"{printer.value_name(a)} = {printer.value_name(v)}"
                                    for a, v in zip(self.region_iter_args, self.inits)))
            printer.write(") -> (")
            printer.print_types(r.type for r in self.results)
            printer.write(")")
        printer.write(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_block_terminators=bool(self.inits))
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self):
        block = self.body.first_block
        if block is None:
            return None
        n = len(self.results)
        if self.step_value <= 0:
            return "expected step to be representable as a positive signed integer"
        if not block.args or block.args[0].type != index:
            return "expected body to have a single index argument for the induction variable"
        for what, amap, ops in (("lower", self.lower_bound_map, self.lower_bound_operands),
                                ("upper", self.upper_bound_map, self.upper_bound_operands)):
            if amap.num_inputs != len(ops):
                return f"{what} bound operand count does not match the affine map"
            if amap.num_inputs:
                err = verify_dims_and_symbols(self, ops, amap.num_dims)
                if err:
                    return err
            if amap.num_results < 1:
                return f"expected {what} bound map to have at least one result"
        if len(self.inits) != n:
            return "mismatch between the number of loop-carried values and results"
        if len(block.args) != n + 1:
            return "mismatch between the number of basic block args and results"
        for a, v, r in zip(block.args[1:], self.inits, self.results):
            if a.type != r.type or v.type != r.type:
                return "types mismatch between iter operands and results"
        return None


# ----------------------------------------------------------------------------
# affine.parallel
# ----------------------------------------------------------------------------

_FLOAT_REDUCTIONS = ("addf", "mulf", "maximumf", "minimumf", "maxnumf", "minnumf")
_INT_REDUCTIONS = ("addi", "muli", "maxs", "maxu", "mins", "minu", "ori", "andi", "xori")


def _groups_attr(groups) -> DenseElementsAttr:
    return DenseElementsAttr(np.array(groups, dtype=np.int32), RankedTensorType((len(groups),), i32))


def _parse_min_max_bounds(parser: Parser, keyword: str):
    """`(e0, max(e1, e2), ...)`: one map over deduplicated operands and the number of results per group."""
    parser.expect("(")
    parts = []
    groups: list[int] = []
    while True:
        if parser.parse_optional_keyword(keyword) is not None:
            amap, operands = parse_affine_map_of_ssa_ids(parser, "(")
            parts.append((amap, operands[:amap.num_dims], operands[amap.num_dims:]))
            groups.append(amap.num_results)
        else:
            parts.append(parse_affine_expr_of_ssa_ids(parser))
            groups.append(1)
        if not parser.parse_optional(","):
            break
    parser.expect(")")
    amap, operands = resolve_deduplicated(parser, parts)
    return amap, operands, groups


def _print_min_max_bounds(printer: Printer, amap: AffineMap, groups, operands, keyword: str) -> None:
    dims, syms = operands[:amap.num_dims], operands[amap.num_dims:]
    start = 0
    out = []
    for size in groups:
        if size == 1:
            out.append(expr_of_ssa_ids(printer, amap.results[start], dims, syms))
        else:
            sub = ", ".join(expr_of_ssa_ids(printer, e, dims, syms) for e in amap.results[start:start + size])
            out.append(f"{keyword}({sub})")
        start += size
    printer.write(", ".join(out))


class ParallelOp(Op):
    """A band of parallel loops: one induction variable per dimension, each
    from a lower bound (the max of its group of map results) to an upper
    bound (the min of its group) by a constant step; results are reduced
    across iterations with the listed `arith.atomic_rmw` kinds.

    ```mlir
    %s = affine.parallel (%i, %j) = (0, 0) to (%n, min(%m, 64)) step (1, 4) reduce ("addf") -> (f32) {
      %v = affine.load %A[%i, %j] : memref<?x?xf32>
      affine.yield %v : f32
    }
    ```
    """

    name = "affine.parallel"
    properties_printed_inline = ("lowerBoundsMap", "upperBoundsMap")
    traits = [LoopLikeOpInterface, RecursiveMemoryEffects, SingleBlockImplicitTerminator("affine.yield")]
    map_operands = var_operand(AnyType)
    reductions = prop(AnyArrayAttr)
    lowerBoundsMap = prop(AffineMapAttrC)
    lowerBoundsGroups = prop(BaseAttr(DenseElementsAttr))
    upperBoundsMap = prop(AffineMapAttrC)
    upperBoundsGroups = prop(BaseAttr(DenseElementsAttr))
    steps = prop(AnyArrayAttr)
    results_ = var_result(AnyType)
    body = region()

    @property
    def lower_bounds_map(self) -> AffineMap:
        return self.lowerBoundsMap.value

    @property
    def upper_bounds_map(self) -> AffineMap:
        return self.upperBoundsMap.value

    @property
    def lower_bounds_operands(self):
        return self.operands[:self.lower_bounds_map.num_inputs]

    @property
    def upper_bounds_operands(self):
        return self.operands[self.lower_bounds_map.num_inputs:]

    @property
    def lower_groups(self) -> list[int]:
        return [int(x) for x in self.lowerBoundsGroups.array.reshape(-1)]

    @property
    def upper_groups(self) -> list[int]:
        return [int(x) for x in self.upperBoundsGroups.array.reshape(-1)]

    @property
    def step_values(self) -> list[int]:
        return [a.value for a in self.steps]

    @property
    def reduction_kinds(self) -> list[str]:
        return [ATOMIC_RMW_KIND.names.get(a.value, "?") for a in self.reductions]

    @property
    def induction_vars(self):
        return self.body.first_block.args

    def get_loop_regions(self):
        return [self.body]

    def get_speculatability(self) -> str:
        return Speculation.NOT_SPECULATABLE

    def fold(self, operands):
        from mlir_py.dialects.affine.canonicalize import fold_parallel
        return fold_parallel(self)

    @classmethod
    def parse(cls, parser: Parser):
        ivs = parser.parse_operand_list("(")
        parser.expect("=")
        lb_map, lb_ops, lb_groups = _parse_min_max_bounds(parser, "max")
        parser.parse_keyword("to")
        ub_map, ub_ops, ub_groups = _parse_min_max_bounds(parser, "min")
        steps = [1] * len(ivs)
        if parser.parse_optional_keyword("step") is not None:
            smap, _ = parse_affine_map_of_ssa_ids(parser, "(")
            if not smap.is_constant() or smap.num_inputs:
                raise parser.error("custom op 'affine.parallel' steps must be constant integers",
                                   name_pos(parser, cls.name))
            steps = list(smap.get_constant_results())
        reductions = []
        if parser.parse_optional_keyword("reduce") is not None:
            parser.expect("(")
            while True:
                pos = parser.skip_ws()
                kind = parser.parse_string()
                if kind not in ATOMIC_RMW_KIND.cases:
                    raise parser.error(f'invalid reduction value: "{kind}"', pos)
                reductions.append(IntegerAttr(ATOMIC_RMW_KIND.cases[kind], i64))
                if not parser.parse_optional(","):
                    break
            parser.expect(")")
        types = parser.parse_arrow_type_list() if parser.peek("->") else []
        body = parser.parse_region([(u, index, None) for u in ivs])
        attrs = parser.parse_optional_attr_dict()
        _ensure_yield(body)
        props = {
            "lowerBoundsGroups": _groups_attr(lb_groups),
            "lowerBoundsMap": AffineMapAttr(lb_map),
            "reductions": ArrayAttr(reductions),
            "steps": ArrayAttr([IntegerAttr(s, i64) for s in steps]),
            "upperBoundsGroups": _groups_attr(ub_groups),
            "upperBoundsMap": AffineMapAttr(ub_map),
        }
        return cls.create(lb_ops + ub_ops, types, properties=props, attributes=attrs, regions=[body])

    def print(self, printer: Printer) -> None:
        printer.write(" (")
        printer.print_operands(self.induction_vars)
        printer.write(") = (")
        _print_min_max_bounds(printer, self.lower_bounds_map, self.lower_groups, self.lower_bounds_operands, "max")
        printer.write(") to (")
        _print_min_max_bounds(printer, self.upper_bounds_map, self.upper_groups, self.upper_bounds_operands, "min")
        printer.write(")")
        steps = self.step_values
        if any(s != 1 for s in steps):
            printer.write(" step (" + ", ".join(map(str, steps)) + ")")
        if self.results:
            printer.write(" reduce (" + ", ".join(f'"{k}"' for k in self.reduction_kinds) + ") -> (")
            printer.print_types(r.type for r in self.results)
            printer.write(")")
        printer.write(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_block_terminators=bool(self.results))
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self):
        block = self.body.first_block
        nargs = 0 if block is None else len(block.args)
        lg, ug, steps = self.lower_groups, self.upper_groups, self.steps
        if not (len(lg) == len(ug) == len(steps) == nargs):
            return (f"the number of region arguments ({nargs}) and the number of map groups for lower ({len(lg)}) "
                    f"and upper bound ({len(ug)}), and the number of steps ({len(steps)}) must all match")
        for what, groups, amap in (("lower", lg, self.lower_bounds_map), ("upper", ug, self.upper_bounds_map)):
            if any(g == 0 for g in groups):
                return f"expected {what} bound map to have at least one result"
            if sum(groups) != amap.num_results:
                return f"expected {what} bounds map to have {sum(groups)} results"
        if len(self.results) != len(self.reductions):
            return "a reduction must be specified for each output"
        for r, a in zip(self.results, self.reductions):
            kind = ATOMIC_RMW_KIND.names.get(getattr(a, "value", None))
            if kind is None:
                return "invalid reduction attribute"
            ok = (isinstance(r.type, FloatType) and kind in _FLOAT_REDUCTIONS) or \
                 (isinstance(r.type, IntegerType) and kind in _INT_REDUCTIONS)
            if not ok:
                return "result type cannot match reduction attribute"
        if len(self.operands) != self.lower_bounds_map.num_inputs + self.upper_bounds_map.num_inputs:
            return "bound operand count does not match the bound maps"
        return (verify_dims_and_symbols(self, self.lower_bounds_operands, self.lower_bounds_map.num_dims)
                or verify_dims_and_symbols(self, self.upper_bounds_operands, self.upper_bounds_map.num_dims))


# ----------------------------------------------------------------------------
# affine.if
# ----------------------------------------------------------------------------


class IfOp(Op):
    """Runs the then region when the integer set holds for the operands (dims
    in parentheses, symbols in brackets), else the optional else region;
    with results, both regions yield them.

    ```mlir
    %r = affine.if affine_set<(d0)[s0] : (d0 - s0 >= 0)>(%i)[%n] -> f32 {
      affine.yield %a : f32
    } else {
      affine.yield %b : f32
    }
    ```
    """

    name = "affine.if"
    traits = [RecursiveMemoryEffects, RecursivelySpeculatable, RegionBranchOpInterface,
              SingleBlockImplicitTerminator("affine.yield")]
    operands_ = var_operand(AnyType)
    condition = prop(IntegerSetAttrC)
    results_ = var_result(AnyType)
    then_region = region()
    else_region = region()

    @property
    def integer_set(self):
        return self.condition.value

    def fold(self, operands):
        from mlir_py.dialects.affine.canonicalize import fold_if
        return fold_if(self)

    @classmethod
    def parse(cls, parser: Parser):
        pos = parser.skip_ws()
        attr = parser.parse_attribute()
        if not isinstance(attr, IntegerSetAttr):
            raise parser.error("invalid kind of attribute specified", pos)
        operands, num_dims = parse_dim_and_symbol_list(parser)
        iset = attr.value
        start = name_pos(parser, cls.name)
        if iset.num_dims != num_dims:
            raise parser.error("custom op 'affine.if' dim operand count and integer set dim count must match",
                               start)
        if iset.num_inputs != len(operands):
            raise parser.error("custom op 'affine.if' symbol operand count and integer set symbol count must "
                               "match", start)
        types = parser.parse_arrow_type_list() if parser.peek("->") else []
        then = parser.parse_region()
        _ensure_yield(then)
        other = Region()
        if parser.parse_optional_keyword("else") is not None:
            other = parser.parse_region()
            _ensure_yield(other)
        attrs = parser.parse_optional_attr_dict()
        return cls.create(operands, types, properties={"condition": attr}, attributes=attrs, regions=[then, other])

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_attribute(self.condition)
        print_dim_and_symbol_list(printer, self.operands, self.integer_set.num_dims)
        if self.results:
            printer.print_arrow_type_list([r.type for r in self.results])
        printer.write(" ")
        terminators = bool(self.results)
        printer.print_region(self.then_region, print_entry_block_args=False, print_block_terminators=terminators)
        if not self.else_region.is_empty():
            printer.write(" else ")
            printer.print_region(self.else_region, print_entry_block_args=False,
                                 print_block_terminators=terminators)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self):
        iset = self.integer_set
        if len(self.operands) != iset.num_inputs:
            return "operand count and condition integer set dimension and symbol count must match"
        err = verify_dims_and_symbols(self, self.operands, iset.num_dims)
        if err:
            return err
        if self.results and self.else_region.is_empty():
            return "must have an else block if defining values"
        return None


OPS = [ForOp, ParallelOp, IfOp, YieldOp]
