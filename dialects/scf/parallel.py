"""scf's parallel loops: `scf.parallel` with its `scf.reduce` /
`scf.reduce.return` reductions, and `scf.forall` with its
`scf.forall.in_parallel` terminator.

Syntax, verifier messages and printing follow upstream MLIR (LLVM 22).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.scf.syntax import (
    constant_int,
    custom_op_error,
    ensure_terminator,
    parse_assignment_list,
    print_initialization_list,
    terminator_of,
)

from mlir_py.builtin.constraints import AnyArrayAttr, AnyRankedTensor, DenseArrayOf, Index
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import (
    Op,
    _segment_attr,
    operand,
    opt_prop,
    prop,
    region,
    var_operand,
    var_region,
    var_result,
)
from mlir_py.definition.traits import (
    AutomaticAllocationScope,
    HasOnlyGraphRegion,
    HasParent,
    LoopLikeOpInterface,
    NoTerminator,
    Pure,
    RecursiveMemoryEffects,
    RegionBranchOpInterface,
    SingleBlock,
    SingleBlockImplicitTerminator,
    Terminator,
)
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import DYNAMIC, IndexType, i64, index
from mlir_py.ir.operation import Block, Region, Value
from mlir_py.text.dynamic_index_list import PAREN, parse_dynamic_index_list, print_dynamic_index_list

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

DenseI64ArrayAttr = DenseArrayOf(i64, "i64 dense array attribute")


class ParallelOp(Op):
    """A loop nest whose iterations may run in any order or at once: one index
    induction variable per (lower bound, upper bound, step) triple. Results
    come from reductions: the body ends in `scf.reduce`, whose i-th operand is
    combined, by its i-th region, into the i-th result starting from the i-th
    `init` value.

    ```mlir
    %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) init (%zero) -> f32 {
      %v = memref.load %buf[%i, %j] : memref<?x?xf32>
      scf.reduce(%v : f32) {
      ^bb0(%lhs: f32, %rhs: f32):
        %s = arith.addf %lhs, %rhs : f32
        scf.reduce.return %s : f32
      }
    }
    ```
    """

    name = "scf.parallel"
    traits = [AutomaticAllocationScope, LoopLikeOpInterface, RecursiveMemoryEffects, RegionBranchOpInterface,
              SingleBlockImplicitTerminator("scf.reduce")]
    lowerBound = var_operand(Index)
    upperBound = var_operand(Index)
    step = var_operand(Index)
    initVals = var_operand(AnyType)
    results_ = var_result(AnyType)
    region = region()

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.scf.canonicalize import PARALLEL_PATTERNS
        return PARALLEL_PATTERNS

    @classmethod
    def build(cls, lower: Sequence[Value], upper: Sequence[Value], steps: Sequence[Value],
              inits: Sequence[Value] = (), *, location: Any = None) -> ParallelOp:
        """A loop nest whose body block takes one index per loop. Without inits the body
        already ends in an empty `scf.reduce`; with them the caller adds the reduce."""
        lower, upper, steps, inits = list(lower), list(upper), list(steps), list(inits)
        block = Block([index] * len(steps))
        props = {"operandSegmentSizes": _segment_attr([len(lower), len(upper), len(steps), len(inits)])}
        op = cls.create(lower + upper + steps + inits, [v.type for v in inits], props, None,
                        [Region([block])], (), location)
        if not inits:
            block.append(ReduceOp.create())
        return op

    @property
    def body(self) -> Block:
        b = self.region.first_block
        assert b is not None
        return b

    @property
    def induction_vars(self) -> list[Value]:
        return list(self.body.args)

    def get_loop_regions(self) -> list[Region]:
        return [self.region]

    @classmethod
    def parse(cls, parser: Parser) -> ParallelOp:
        ivs = parser.parse_operand_list("(")
        parser.expect("=")
        n = len(ivs)

        def bounds(what: str) -> list[Value]:
            pos = parser.skip_ws()
            us = parser.parse_operand_list("(")
            if len(us) != n:
                raise custom_op_error(parser, cls.name, f"expected {n} operands", pos)
            return parser.resolve_operands(us, index)

        lbs = bounds("lower")
        parser.parse_keyword("to")
        ubs = bounds("upper")
        parser.parse_keyword("step")
        steps = bounds("step")
        init_us = []
        if parser.parse_optional_keyword("init"):
            init_us = parser.parse_operand_list("(")
        types = parser.parse_arrow_type_list() if parser.peek("->") else []
        inits = parser.resolve_operands(init_us, types)
        body = parser.parse_region([(u, index, None) for u in ivs])
        ensure_terminator(body, ReduceOp.create)
        attrs = parser.parse_optional_attr_dict()
        props = {"operandSegmentSizes": _segment_attr([n, n, n, len(inits)])}
        attrs.pop("operandSegmentSizes", None)
        return cls.create(lbs + ubs + steps + inits, types, props, attrs, [body])

    def print(self, printer: Printer) -> None:
        w = printer.write
        names = printer.value_name
        w(" (" + ", ".join(names(a) for a in self.body.args) + ") = (")
        w(", ".join(names(v) for v in self.lowerBound) + ") to (")
        w(", ".join(names(v) for v in self.upperBound) + ") step (")
        w(", ".join(names(v) for v in self.step) + ")")
        if self.initVals:
            w(" init (" + ", ".join(names(v) for v in self.initVals) + ")")
        printer.print_arrow_type_list([r.type for r in self.results])
        w(" ")
        printer.print_region(self.region, print_entry_block_args=False)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self) -> str | None:
        steps = self.step
        if not steps:
            return "needs at least one tuple element for lowerBound, upperBound and step"
        for s in steps:
            c = constant_int(s)
            if c is not None and c <= 0:
                return "constant step operand must be positive"
        if self.region.num_blocks() != 1:
            return "region #0 ('region') failed to verify constraint: region with 1 blocks"
        body = self.body
        if len(body.args) != len(steps):
            return (f"expects the same number of induction variables: {len(body.args)} as bound and step "
                    f"values: {len(steps)}")
        if any(not isinstance(a.type, IndexType) for a in body.args):
            return "expects arguments for the induction variable to be of index type"
        reduce = body.last_op
        if not isinstance(reduce, ReduceOp):
            d = self.emit_op_error("expects body to terminate with 'scf.reduce'")
            if reduce is not None:
                d.attach_note("terminator here", reduce.location)
            return ""
        nres, nred, ninit = len(self.results), len(reduce.reductions), len(self.initVals)
        if nres != nred:
            return f"expects number of results: {nres} to be the same as number of reductions: {nred}"
        if nres != ninit:
            return f"expects number of results: {nres} to be the same as number of initial values: {ninit}"
        for i, (r, v) in enumerate(zip(self.results, reduce.operands_)):
            if r.type is not v.type:
                reduce.emit_op_error(f"expects type of {i}-th reduction operand: '{v.type}' to be the same as the "
                                     f"{i}-th result type: '{r.type}'")
                return ""
        return None


class ReduceOp(Op):
    """Ends an `scf.parallel` body: the i-th operand is this iteration's
    contribution to the i-th result, and the i-th region (two arguments of the
    operand's type) combines two partial values with `scf.reduce.return`.

    ```mlir
    scf.reduce(%v : f32) {
    ^bb0(%lhs: f32, %rhs: f32):
      %s = arith.addf %lhs, %rhs : f32
      scf.reduce.return %s : f32
    }
    ```
    """

    name = "scf.reduce"
    traits = [HasParent("scf.parallel"), Terminator, RecursiveMemoryEffects]
    operands_ = var_operand(AnyType)
    reductions = var_region()
    assembly_format = "(`(` $operands_^ `:` type($operands_) `)`)? $reductions attr-dict"

    @classmethod
    def build(cls, operands: Sequence[Value] = (), *, location: Any = None) -> ReduceOp:
        """A reduce with one region per operand, each with a block taking two values of
        the operand's type; the caller fills them."""
        operands = list(operands)
        regions = [Region([Block([v.type, v.type])]) for v in operands]
        return cls.create(operands, [], {}, None, regions, (), location)

    def verify_(self) -> str | None:
        for i, (v, r) in enumerate(zip(self.operands_, self.reductions)):
            if r.num_blocks() != 1:
                return f"region #{i} ('reductions') failed to verify constraint: region with 1 blocks"
            b = r.first_block
            assert b is not None
            if b.is_empty():
                return f"{i}-th reduction has an empty body"
            if len(b.args) != 2 or any(a.type is not v.type for a in b.args):
                return f"expected two block arguments with type '{v.type}' in the {i}-th reduction region"
            if not isinstance(b.last_op, ReduceReturnOp):
                return "reduction bodies must be terminated with an 'scf.reduce.return' op"
        return None


class ReduceReturnOp(Op):
    """Ends an `scf.reduce` region with the combined value.

    ```mlir
    scf.reduce.return %s : f32
    ```
    """

    name = "scf.reduce.return"
    traits = [HasParent("scf.reduce"), Pure, Terminator]
    result = operand(AnyType)
    assembly_format = "$result attr-dict `:` type($result)"

    def verify_(self) -> str | None:
        b = self.parent
        if b is None or not b.args:
            return None
        t = b.args[0].type
        if self.result.type is not t:
            return f"must have type '{t}' (the type of the reduction inputs)"
        return None


class ForallOp(Op):
    """A multi-dimensional parallel loop whose bounds may each be a constant or
    an index value; with lower bounds 0 and steps 1 it prints in the short
    `in (%n, 8)` form. `shared_outs` are tensors every iteration may update
    through the `scf.forall.in_parallel` terminator; the op returns their
    final values. An optional `mapping` names the processing units per loop.

    ```mlir
    scf.forall (%i, %j) in (%n, 8) {
      memref.store %v, %buf[%i, %j] : memref<?x8xf32>
    } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
    ```
    """

    name = "scf.forall"
    traits = [AutomaticAllocationScope, LoopLikeOpInterface, RecursiveMemoryEffects,
              SingleBlockImplicitTerminator("scf.forall.in_parallel"), RegionBranchOpInterface]
    dynamicLowerBound = var_operand(Index)
    dynamicUpperBound = var_operand(Index)
    dynamicStep = var_operand(Index)
    staticLowerBound = prop(DenseI64ArrayAttr)
    staticUpperBound = prop(DenseI64ArrayAttr)
    staticStep = prop(DenseI64ArrayAttr)
    outputs = var_operand(AnyRankedTensor)
    mapping = opt_prop(AnyArrayAttr)
    results_ = var_result(AnyType)
    region = region()

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.scf.canonicalize import FORALL_PATTERNS
        return FORALL_PATTERNS

    @classmethod
    def build(cls, lower: Sequence[int | Value], upper: Sequence[int | Value], steps: Sequence[int | Value],
              outputs: Sequence[Value] = (), mapping: Any = None, *, location: Any = None) -> ForallOp:
        """Each bound is an int (static) or an index Value (dynamic). The body block takes
        one index per loop and the outputs; it ends in an empty `scf.forall.in_parallel`."""
        outputs = list(outputs)

        def split(xs: Sequence[int | Value]) -> tuple[list[Value], DenseArrayAttr]:
            dyn = [x for x in xs if isinstance(x, Value)]
            return dyn, DenseArrayAttr(i64, tuple(DYNAMIC if isinstance(x, Value) else int(x) for x in xs))

        dl, sl = split(lower)
        du, su = split(upper)
        ds, ss = split(steps)
        props: dict[str, Any] = {"staticLowerBound": sl, "staticUpperBound": su, "staticStep": ss,
                                 "operandSegmentSizes": _segment_attr([len(dl), len(du), len(ds), len(outputs)])}
        if mapping is not None:
            props["mapping"] = mapping
        block = Block([index] * len(sl.values) + [v.type for v in outputs])
        block.append(InParallelOp.build())
        return cls.create(dl + du + ds + outputs, [v.type for v in outputs], props, None,
                          [Region([block])], (), location)

    @property
    def body(self) -> Block:
        b = self.region.first_block
        assert b is not None
        return b

    @property
    def rank(self) -> int:
        return len(self.staticLowerBound.values)

    @property
    def induction_vars(self) -> list[Value]:
        return list(self.body.args[:self.rank])

    @property
    def region_out_args(self) -> list[Value]:
        return list(self.body.args[self.rank:])

    def get_loop_regions(self) -> list[Region]:
        return [self.region]

    def mixed(self, static: DenseArrayAttr, dynamic: Sequence[Value]) -> list[int | Value]:
        """The bounds of one kind as ints and Values in loop order (upstream's getMixed*)."""
        it = iter(dynamic)
        return [next(it) if x == DYNAMIC else x for x in static.values]

    def is_normalized(self) -> bool:
        """Lower bounds all 0 and steps all 1 (a constant op's value counts, as upstream)."""
        def all_eq(xs: list[int | Value], want: int) -> bool:
            return all((x if isinstance(x, int) else constant_int(x)) == want for x in xs)
        return all_eq(self.mixed(self.staticLowerBound, self.dynamicLowerBound), 0) and \
            all_eq(self.mixed(self.staticStep, self.dynamicStep), 1)

    @classmethod
    def parse(cls, parser: Parser) -> ForallOp:
        ivs = parser.parse_operand_list("(")
        n = len(ivs)
        if parser.parse_optional_keyword("in"):
            dl, ds = [], []
            du, su = parse_dynamic_index_list(parser, PAREN)
            sl = DenseArrayAttr(i64, (0,) * n)
            ss = DenseArrayAttr(i64, (1,) * n)
        else:
            parser.expect("=")
            dl, sl = parse_dynamic_index_list(parser, PAREN)
            parser.parse_keyword("to")
            du, su = parse_dynamic_index_list(parser, PAREN)
            parser.parse_keyword("step")
            ds, ss = parse_dynamic_index_list(parser, PAREN)
        operands = parser.resolve_operands(dl, index) + parser.resolve_operands(du, index) + \
            parser.resolve_operands(ds, index)
        inner, outer, types = [], [], []
        pos = parser.skip_ws()
        if parser.parse_optional_keyword("shared_outs"):
            inner, outer = parse_assignment_list(parser)
            types = parser.parse_arrow_type_list() if parser.peek("->") else []
            if len(types) != len(outer):
                raise custom_op_error(parser, cls.name, f"number of operands and types do not match: got "
                                      f"{len(outer)} operands and {len(types)} types", pos)
            operands += parser.resolve_operands(outer, types, pos)
        body = parser.parse_region([(u, index, None) for u in ivs] + [(a, t, None) for a, t in zip(inner, types)])
        ensure_terminator(body, InParallelOp.build)
        attrs = parser.parse_optional_attr_dict()
        props: dict[str, Any] = {}
        for k in ("mapping", "staticLowerBound", "staticUpperBound", "staticStep", "operandSegmentSizes"):
            if k in attrs:
                props[k] = attrs.pop(k)
        props.update({"staticLowerBound": sl, "staticUpperBound": su, "staticStep": ss,
                      "operandSegmentSizes": _segment_attr([len(dl), len(du), len(ds), len(outer)])})
        return cls.create(operands, types, props, attrs, [body])

    def print(self, printer: Printer) -> None:
        w = printer.write
        w(" (" + ", ".join(printer.value_name(v) for v in self.induction_vars))
        if self.is_normalized():
            w(") in ")
            print_dynamic_index_list(printer, self.dynamicUpperBound, self.staticUpperBound, PAREN)
        else:
            w(") = ")
            print_dynamic_index_list(printer, self.dynamicLowerBound, self.staticLowerBound, PAREN)
            w(" to ")
            print_dynamic_index_list(printer, self.dynamicUpperBound, self.staticUpperBound, PAREN)
            w(" step ")
            print_dynamic_index_list(printer, self.dynamicStep, self.staticStep, PAREN)
        print_initialization_list(printer, self.region_out_args, self.outputs, " shared_outs")
        w(" ")
        if self.region_out_args:
            w("-> (")
            printer.print_types(r.type for r in self.results)
            w(") ")
        printer.print_region(self.region, print_entry_block_args=False,
                             print_block_terminators=bool(self.results))
        # upstream prints the inherent `mapping` in the one sorted dictionary with the rest
        attrs = dict(self.attributes)
        m = self.properties.get("mapping")
        if m is not None:
            attrs["mapping"] = m
        printer.print_optional_attr_dict({k: attrs[k] for k in sorted(attrs)})

    def verify_(self) -> str | None:
        rank = self.rank
        outs = self.outputs
        if len(self.results) != len(outs):
            return f"produces {len(self.results)} results, but has only {len(outs)} outputs"
        if self.region.num_blocks() != 1:
            return "region #0 ('region') failed to verify constraint: region with 1 blocks"
        body = self.body
        if len(body.args) != rank + len(outs):
            return f"region expects {rank} arguments"
        for i in range(rank):
            if not isinstance(body.args[i].type, IndexType):
                return f"expects {i}-th block argument to be an index"
        for i, v in enumerate(outs):
            if body.args[rank + i].type is not v.type:
                return f"type mismatch between {i}-th output and corresponding block argument"
        m = self.properties.get("mapping")
        if m is not None and len(m) and len(m) != rank:
            return "mapping attribute size must match op rank"
        for what, static, dyn in (("lower bound", self.staticLowerBound, self.dynamicLowerBound),
                                  ("upper bound", self.staticUpperBound, self.dynamicUpperBound),
                                  ("step", self.staticStep, self.dynamicStep)):
            if len(static.values) != rank:
                return f"expected {rank} {what} values, got {len(static.values)}"
            ndyn = sum(1 for x in static.values if x == DYNAMIC)
            if ndyn != len(dyn):
                self.emit_error(f"expected {ndyn} dynamic {what} values")  # upstream: no op prefix
                return ""
        term = terminator_of(self.region)
        if term is not None and term.has_trait(Terminator) and not isinstance(term, InParallelOp):
            d = self.emit_op_error("expects regions to end with 'scf.forall.in_parallel', found "
                                   f"'{term.name}'")
            d.attach_note("in custom textual format, the absence of terminator implies "
                          "'scf.forall.in_parallel'", term.location)
            return ""
        return None


class InParallelOp(Op):
    """Ends an `scf.forall` body; its region lists the ops (such as
    `tensor.parallel_insert_slice`) that combine each iteration's part into the
    loop's shared outputs.

    ```mlir
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[%i] [1] [1] : tensor<1xf32> into tensor<8xf32>
    }
    ```
    """

    name = "scf.forall.in_parallel"
    traits = [HasParent("scf.forall"), Pure, Terminator, NoTerminator, SingleBlock, HasOnlyGraphRegion]
    region = region()

    @classmethod
    def build(cls, *, location: Any = None) -> InParallelOp:
        """An empty terminator (one empty block)."""
        return cls.create([], [], {}, None, [Region([Block()])], (), location)

    @classmethod
    def parse(cls, parser: Parser) -> InParallelOp:
        body = parser.parse_region()
        if body.is_empty():
            body.append(Block())
        attrs = parser.parse_optional_attr_dict()
        return cls.create([], [], {}, attrs, [body])

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_region(self.region, print_entry_block_args=False, print_block_terminators=False)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self) -> str | None:
        if self.region.num_blocks() != 1:
            return "region #0 ('region') failed to verify constraint: region with 1 blocks"
        return None


__all__ = ["ForallOp", "InParallelOp", "ParallelOp", "ReduceOp", "ReduceReturnOp"]
