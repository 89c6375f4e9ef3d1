"""linalg.reduce and linalg.map: structured ops with a user region, and
upstream's short form `{ arith.addf }` when that region is one payload op
applied to the block arguments in order."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Sequence

from mlir_py.dialects.linalg.generic_ops import YieldOp, body_block_types, fill_body, tensor_result_types
from mlir_py.dialects.linalg.interface import (
    DestinationStyleOpInterface,
    LinalgStructuredInterface,
    StructuredOpMixin,
    element_type_or_self,
    operand_rank,
)
from mlir_py.dialects.linalg.layout_ops import I64Array
from mlir_py.dialects.linalg.syntax import (
    custom_op_error,
    move_inherent,
    parse_common_parts,
    parse_dense_i64_list,
    print_common_parts,
    print_dense_i64_list,
)

from mlir_py.builtin.constraints import AnyRankedTensor, AnyShaped
from mlir_py.definition.opdef import Op, operand, prop, region, var_operand, var_result
from mlir_py.definition.traits import RecursiveMemoryEffects, SingleBlockImplicitTerminator
from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, RankedTensorType, i64
from mlir_py.ir.operation import Block, Operation, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

REGION_TRAITS = [DestinationStyleOpInterface, RecursiveMemoryEffects, SingleBlockImplicitTerminator("linalg.yield"),
                 LinalgStructuredInterface]

# -- the short form ------------------------------------------------------------------------


def parse_short_form(parser: Parser) -> tuple[type, dict] | None:
    """`{ dialect.op {attrs} }` before `ins`: the payload op's class and attributes, or None."""
    if not parser.parse_optional("{"):
        return None
    pos = parser.skip_ws()
    name = _parse_op_name(parser)
    cls = parser.ctx.ops.get(name)
    if cls is None:
        raise parser.error(f"custom op '{name}' is unknown", pos)
    attrs = parser.parse_optional_attr_dict()
    parser.expect("}")
    return cls, attrs


_OP_NAME = re.compile(r"[A-Za-z_][\w$.]*")


def _parse_op_name(parser: Parser) -> str:
    pos = parser.skip_ws()
    m = _OP_NAME.match(parser.text, pos)
    if m is None:
        raise parser.error("expected operation name", pos)
    parser.pos = m.end()
    return m.group(0)


def build_payload_body(cls: type, attrs: dict, operands: Sequence[Value], init_first: bool,
                       map_init: bool) -> Region:
    """upstream's addBodyWithPayloadOp: block arguments for every operand, one payload op on them
    (init first for reduce; without the init for map), its result yielded."""
    block = Block(body_block_types(operands, []))
    args = list(block.args)
    if init_first:
        pargs = ([args[-1]] if map_init else []) + args[:-1]
    else:
        pargs = args if map_init else args[:-1]
    props: dict = {}
    attrs = dict(attrs)
    move_inherent(cls, attrs, props)
    d = getattr(cls, "definition", None)
    if d is not None:
        for k, p in d.props.items():
            if k not in props and p.default is not None:
                props[k] = p.default
    rtype = element_type_or_self(operands[-1].type)
    op = cls.create(pargs, [rtype], props, attrs)
    block.append(op)
    block.append(YieldOp(list(op.results)))
    return Region([block])


def find_payload_op(block: Block, init_first: bool, num_inputs: int) -> Operation | None:
    """The single payload op the short form can show: the block is `payload; linalg.yield payload`
    and the payload's operands are the block arguments in the short form's order."""
    ops = list(block.ops)
    if len(ops) != 2:
        return None
    payload, y = ops
    if payload.regions or len(payload.results) != 1 or list(y.operands) != list(payload.results):
        return None
    args = list(block.args)
    if init_first:
        want = [args[-1]] + args[:-1]
    else:
        want = args[:num_inputs]
    if not payload.operands or list(payload.operands) != want:
        return None
    if payload.results[0].type is not args[-1].type:
        return None
    return payload


def print_short_form(printer: Printer, payload: Operation) -> None:
    printer.write(f" {{ {payload.name}")
    shown = dict(payload.properties)
    shown.update(payload.attributes)
    for k, v in list(shown.items()):
        if getattr(v, "name", "") == "arith.fastmath" and not getattr(v, "value", 1):
            del shown[k]
            break
    printer.print_optional_attr_dict(shown)
    printer.write(" }")


def print_long_region(printer: Printer, region: Region) -> None:
    """A newline, `(%in: f32, %init: f32) ` and the region, one level deeper (upstream's printing of
    reduce's and map's region)."""
    printer.indent += printer.indent_width
    printer.write("\n" + " " * printer.indent + "(")
    block = region.first_block
    if block is not None:
        printer.print_block_args(block)
    printer.write(") ")
    printer.print_region(region, print_entry_block_args=False)
    printer.indent -= printer.indent_width


def parse_long_region(parser: Parser) -> Region:
    """`(%a: t, ...) { ... }`."""
    parser.expect("(")
    args = []
    if not parser.parse_optional(")"):
        while True:
            u, t, _, loc = parser.parse_argument(allow_attrs=True)
            args.append((u, t, loc))
            if not parser.parse_optional(","):
                break
        parser.expect(")")
    return parser.parse_region(args)


def _in_init_names(region: Region, num_inputs: int) -> dict:
    b = region.first_block
    return {} if b is None else {a: ("in" if i < num_inputs else "init") for i, a in enumerate(b.args)}


def _all_ranked(values: Sequence[Value]) -> bool:
    return all(isinstance(v.type, (RankedTensorType, MemRefType)) for v in values)


def _shape(t: Any) -> str:
    return ", ".join("-9223372036854775808" if d == DYNAMIC else str(d) for d in t.shape)


# -- reduce ---------------------------------------------------------------------------------


class ReduceOp(Op, StructuredOpMixin):
    """Reduces the inputs over `dimensions` into the inits with the combiner
    region (block arguments: the input elements, then the accumulators;
    yields the new accumulators). The short form names a single combiner op.

    ```mlir
    %sum = linalg.reduce { arith.addf } ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4xf32>) dimensions = [1]
    %max = linalg.reduce ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4xf32>) dimensions = [1]
      (%in: f32, %init: f32) {
        %m = arith.maximumf %in, %init : f32
        linalg.yield %m : f32
      }
    ```
    """

    name = "linalg.reduce"
    traits = REGION_TRAITS
    #: inputs then inits, in equal numbers (upstream's SameVariadicOperandSize: no segment sizes)
    operands_ = var_operand(AnyShaped)
    dimensions = prop(I64Array)
    results_ = var_result(AnyRankedTensor)
    combiner = region()

    @property
    def inputs(self) -> list[Value]:
        ops = self.operands
        return ops[:len(ops) // 2]

    @property
    def inits(self) -> list[Value]:
        ops = self.operands
        return ops[len(ops) // 2:]

    @property
    def outputs(self) -> list[Value]:
        return self.inits

    @classmethod
    def build(cls, inputs: Sequence[Value], inits: Sequence[Value], dimensions: Sequence[int],
              body: Callable[..., Any], *, attributes: dict | None = None, location: Any = None) -> ReduceOp:
        """`body(b, *input_elements, *accumulators)` returns the new accumulator(s)."""
        inputs, inits = list(inputs), list(inits)
        block = Block(body_block_types(inputs, inits))
        op = cls.create(inputs + inits, tensor_result_types(inits),
                        {"dimensions": DenseArrayAttr(i64, tuple(dimensions))}, attributes, [Region([block])], (),
                        location)
        fill_body(block, body)
        return op

    def get_asm_result_name(self) -> str:
        return "reduced"

    def get_asm_block_arg_names(self, region: Region) -> dict:
        return _in_init_names(region, len(self.inputs))

    def get_iterator_types(self) -> list[str]:
        dims = set(self.dimensions.values)
        return ["reduction" if i in dims else "parallel" for i in range(operand_rank(self.inputs[0].type))]

    def get_indexing_maps(self) -> list[AffineMap]:
        rank = operand_rank(self.inputs[0].type)
        ident = AffineMap.get_multi_dim_identity(rank)
        red = ident.drop_results(sorted(set(self.dimensions.values)))
        return [ident] * len(self.inputs) + [red] * len(self.inits)

    @classmethod
    def parse(cls, parser: Parser) -> ReduceOp:
        short = parse_short_form(parser)
        parts = parse_common_parts(parser, cls)
        props = dict(parts.props)
        props["dimensions"] = DenseArrayAttr(i64, tuple(parse_dense_i64_list(parser, "dimensions")))
        attrs = dict(parts.attrs)
        attrs.update(parser.parse_optional_attr_dict())
        move_inherent(cls, attrs, props)
        props.pop("operandSegmentSizes", None)
        operands = parts.inputs + parts.outputs
        if short is not None:
            if not operands:
                raise custom_op_error(parser, cls.name, "expected operands for the short form")
            body = build_payload_body(short[0], short[1], operands, init_first=True, map_init=True)
        else:
            body = parse_long_region(parser)
        return cls.create(operands, tensor_result_types(parts.outputs), props, attrs, [body])

    def print(self, printer: Printer) -> None:
        block = self.combiner.first_block
        payload = find_payload_op(block, True, len(self.inputs)) if block is not None else None
        if payload is not None:
            print_short_form(printer, payload)
        print_common_parts(printer, self.inputs, self.inits)
        print_dense_i64_list(printer, "dimensions", self.dimensions.values)
        printer.print_optional_attr_dict({**{k: v for k, v in self.properties.items() if k != "dimensions"},
                                          **self.attributes})
        if payload is None:
            print_long_region(printer, self.combiner)

    def verify_(self) -> str | None:
        ins, inits = self.inputs, self.inits
        if not _all_ranked(self.operands):
            return None  # the operand constraints report it
        if len(self.operands) % 2:
            return "expects the same number of inputs and inits"
        for i in range(1, len(ins)):
            if ins[i].type.shape != ins[0].type.shape:
                return (f"expects all inputs to have the same shapes. Shape at input-index {i} is not equal to the "
                        "shape at input-index 0.")
        for i in range(1, len(inits)):
            if inits[i].type.shape != inits[0].type.shape:
                return (f"expects all outputs to have the same shapes. Shape at output-index {i} is not equal to "
                        "the shape at output-index 0.")
        it, ot = ins[0].type, inits[0].type
        rank = operand_rank(it)
        dims = list(self.dimensions.values)
        for d in dims:
            if d < 0 or d >= rank:
                return f"dimensions for reduction should be in the range [0, {rank - 1}]."
        kept = [s for i, s in enumerate(it.shape) if i not in dims]
        if len(kept) != operand_rank(ot):
            return f"number of dimensions after reduction {len(kept)} doesn't match the init rank {operand_rank(ot)}"
        if tuple(kept) != tuple(ot.shape):
            return (f"init dimensions [{_shape(ot)}] doesn't match input dimensions after reduction "
                    f"[{', '.join('-9223372036854775808' if d == DYNAMIC else str(d) for d in kept)}]")
        block = self.combiner.first_block
        if block is None or len(block.args) != len(self.operands):
            return "mismatching number of operands and block arguments"
        for v, a in zip(ins, block.args):
            if v.type.element_type is not a.type:
                return (f"input element type '{v.type.element_type}' does not match corresponding block argument "
                        f"type '{a.type}'")
        for v, a in zip(inits, block.args[len(block.args) - len(inits):]):
            if v.type.element_type is not a.type:
                return (f"output element type '{v.type.element_type}' does not match corresponding block argument "
                        f"type '{a.type}'")
        return None


# -- map -------------------------------------------------------------------------------------


class MapOp(Op, StructuredOpMixin):
    """Applies the mapper region to the input elements at each position and
    writes the yielded value to the init (block arguments: the input elements,
    then the init's element). The short form names a single op applied to the
    inputs.

    ```mlir
    %s = linalg.map { arith.addf } ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%init : tensor<4xf32>)
    %r = linalg.map ins(%a : tensor<4xf32>) outs(%init : tensor<4xf32>)
      (%in: f32, %init: f32) {
        %e = math.exp %in : f32
        linalg.yield %e : f32
      }
    ```
    """

    name = "linalg.map"
    traits = REGION_TRAITS
    inputs = var_operand(AnyShaped)
    init = operand(AnyShaped)
    result = var_result(AnyRankedTensor)
    mapper = region()

    @property
    def outputs(self) -> list[Value]:
        return [self.init]

    @classmethod
    def build(cls, inputs: Sequence[Value], init: Value, body: Callable[..., Any], *,
              attributes: dict | None = None, location: Any = None) -> MapOp:
        """`body(b, *input_elements, init_element)` returns the value to write."""
        inputs = list(inputs)
        block = Block(body_block_types(inputs, [init]))
        op = cls.create(inputs + [init], tensor_result_types([init]), {}, attributes, [Region([block])], (),
                        location)
        fill_body(block, body)
        return op

    def get_asm_result_name(self) -> str:
        return "mapped"

    def get_asm_block_arg_names(self, region: Region) -> dict:
        return _in_init_names(region, len(self.inputs))

    def get_iterator_types(self) -> list[str]:
        return ["parallel"] * operand_rank(self.init.type)

    def get_indexing_maps(self) -> list[AffineMap]:
        ident = AffineMap.get_multi_dim_identity(operand_rank(self.init.type))
        return [ident] * (len(self.inputs) + 1)

    @classmethod
    def parse(cls, parser: Parser) -> MapOp:
        short = parse_short_form(parser)
        parts = parse_common_parts(parser, cls)
        props = dict(parts.props)
        attrs = dict(parts.attrs)
        attrs.update(parser.parse_optional_attr_dict())
        move_inherent(cls, attrs, props)
        props.pop("operandSegmentSizes", None)
        operands = parts.inputs + parts.outputs
        if short is not None:
            if not operands:
                body = Region()
            else:
                body = build_payload_body(short[0], short[1], operands, init_first=False, map_init=False)
        else:
            body = parse_long_region(parser)
        return cls.create(operands, tensor_result_types(parts.outputs), props, attrs, [body])

    def print(self, printer: Printer) -> None:
        block = self.mapper.first_block
        payload = find_payload_op(block, False, len(self.inputs)) if block is not None else None
        if payload is not None:
            print_short_form(printer, payload)
        print_common_parts(printer, self.inputs, [self.init])
        printer.print_optional_attr_dict({**self.properties, **self.attributes})
        if payload is None:
            print_long_region(printer, self.mapper)

    def verify_(self) -> str | None:
        if not _all_ranked(self.operands):
            return None  # the operand constraints report it
        block = self.mapper.first_block
        args = list(block.args) if block is not None else []
        ins = self.inputs
        if len(ins) + 1 != len(args):
            return (f"expects number of operands to match the arity of mapper, but got: {len(ins) + 1} and "
                    f"{len(args)}")
        for a, v in zip(args, ins):
            et = v.type.element_type
            if a.type is not et:
                return f"expected element type of input '{et}' to match bbArg type '{a.type}'"
        for v in ins:
            if tuple(v.type.shape) != tuple(self.init.type.shape):
                return f"expected shape of input ({_shape(v.type)}) to match shape of output ({_shape(self.init.type)})"
        return None


OPS = [MapOp, ReduceOp]

__all__ = ["MapOp", "ReduceOp", "find_payload_op"]
