"""`linalg.generic` (a structured op spelled out: maps, iterators and body),
its terminator `linalg.yield`, `linalg.index`, and `LinalgOp`, the base
class every structured op with variadic `inputs`/`outputs` derives from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from mlir_py.dialects.linalg.attributes import IteratorTypeAttr
from mlir_py.dialects.linalg.interface import (
    DestinationStyleOpInterface,
    LinalgStructuredInterface,
    StructuredOpMixin,
    element_type_or_self,
)
from mlir_py.dialects.linalg.syntax import (
    custom_op_error,
    dict_entries,
    parse_common_parts,
    parse_optional_result_types,
    print_common_parts,
    print_result_types,
)

from mlir_py.builtin.constraints import AnyArrayAttr, AnyRankedTensor, AnyShaped, I64Attr, Index, StrAttr
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, opt_prop, prop, region, result, var_operand, var_result
from mlir_py.definition.traits import (
    Pure,
    RecursiveMemoryEffects,
    ReturnLike,
    SingleBlockImplicitTerminator,
    Terminator,
)
from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr, DictionaryAttr, IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import TensorType, index
from mlir_py.ir.operation import Block, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class LinalgOp(Op, StructuredOpMixin):
    """Base of structured ops with upstream's `inputs` / `outputs` / `result_tensors` / one region layout."""

    inputs = var_operand(AnyType)
    outputs = var_operand(AnyShaped)
    result_tensors = var_result(AnyRankedTensor)
    region = region()

    def get_asm_block_arg_names(self, region: Region) -> dict:
        """`%in`, `%in_0`, ..., `%out` for the body's arguments, as upstream's getAsmBlockArgumentNames."""
        block = region.first_block
        if block is None:
            return {}
        n = len(self.inputs)
        return {a: ("in" if i < n else "out") for i, a in enumerate(block.args)}


def body_block_types(inputs: Sequence[Value], outputs: Sequence[Value]) -> list:
    """The body block's argument types: each operand's element type (scalars as themselves)."""
    return [element_type_or_self(v.type) for v in list(inputs) + list(outputs)]


def tensor_result_types(outputs: Sequence[Value]) -> list:
    return [v.type for v in outputs if isinstance(v.type, TensorType)]


#: what a body callback receives and returns
BodyFn = Callable[..., Any]


def fill_body(block: Block, body: BodyFn) -> None:
    """Run a body callback `body(b, *block.args)` on a fresh block, `b` a BodyBuilder appending to it.
    The callback returns the value(s) to yield (then `linalg.yield` is appended), or ends the block with
    its own terminator and returns None."""
    from mlir_py.dialects.linalg.body_builder import BodyBuilder
    b = BodyBuilder(block)
    res = body(b, *block.args)
    if block.last_op is None or not block.last_op.has_trait(Terminator):
        if res is None:
            res = []
        elif isinstance(res, Value):
            res = [res]
        block.append(YieldOp(list(res)))


class GenericOp(LinalgOp):
    """The general structured op: a loop nest over `iterator_types`, where each
    operand is accessed through its `indexing_maps` entry (inputs, then
    outputs) and the region computes one step from the elements (one block
    argument per operand) and yields the new output elements. On tensors each
    output yields a result; on memrefs the outputs are written in place.
    `doc` and `library_call` are optional strings; other attributes follow
    `attrs =`.

    ```mlir
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                         iterator_types = ["parallel", "reduction"]}
        ins(%a : tensor<4x8xf32>) outs(%acc : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    } -> tensor<4xf32>
    ```
    """

    name = "linalg.generic"
    traits = [DestinationStyleOpInterface, RecursiveMemoryEffects, SingleBlockImplicitTerminator("linalg.yield"),
              LinalgStructuredInterface]
    indexing_maps = prop(AnyArrayAttr)
    iterator_types = prop(AnyArrayAttr)
    doc = opt_prop(StrAttr)
    library_call = opt_prop(StrAttr)

    _TRAIT_ATTRS = ("doc", "indexing_maps", "iterator_types", "library_call")

    @classmethod
    def build(cls, inputs: Sequence[Value], outputs: Sequence[Value], indexing_maps: Sequence[AffineMap | str],
              iterator_types: Sequence[str], body: BodyFn | None = None, *, doc: str | None = None,
              library_call: str | None = None, attributes: dict | None = None,
              result_types: Sequence[Any] | None = None, location: Any = None) -> GenericOp:
        """A generic op; `body(b, *args)` builds the payload (see the package docstring)."""
        maps = [parse_map(m) for m in indexing_maps]
        props: dict = {
            "indexing_maps": ArrayAttr(tuple(AffineMapAttr(m) for m in maps)),
            "iterator_types": ArrayAttr(tuple(IteratorTypeAttr.get(t) for t in iterator_types)),
        }
        if doc is not None:
            props["doc"] = StringAttr(doc)
        if library_call is not None:
            props["library_call"] = StringAttr(library_call)
        inputs, outputs = list(inputs), list(outputs)
        from mlir_py.ir.builtin_attributes import DenseArrayAttr
        from mlir_py.ir.builtin_types import i32
        props["operandSegmentSizes"] = DenseArrayAttr(i32, (len(inputs), len(outputs)))
        block = Block(body_block_types(inputs, outputs))
        rtypes = list(result_types) if result_types is not None else tensor_result_types(outputs)
        op = cls.create(inputs + outputs, rtypes, props, attributes, [Region([block])], (), location)
        if body is not None:
            fill_body(block, body)
        return op

    def get_indexing_maps(self) -> list[AffineMap]:
        maps = self.indexing_maps
        if not isinstance(maps, ArrayAttr) or any(not isinstance(m, AffineMapAttr) for m in maps):
            raise ValueError("expected indexing_maps to be an array of affine maps")
        return [m.value for m in maps]

    def get_iterator_types(self) -> list[str]:
        its = self.iterator_types
        if not isinstance(its, ArrayAttr) or any(not isinstance(t, IteratorTypeAttr) for t in its):
            raise ValueError("expected iterator_types to be an array of #linalg.iterator_type")
        return [t.case_names[0] for t in its]

    def verify_(self) -> str | None:
        its = self.iterator_types
        if isinstance(its, ArrayAttr) and any(not isinstance(t, IteratorTypeAttr) for t in its):
            return "expected iterator_types to be an array of #linalg.iterator_type"
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.linalg.canonicalize import GENERIC_PATTERNS
        return GENERIC_PATTERNS

    # -- syntax ---------------------------------------------------------------------------

    @classmethod
    def parse(cls, parser: Parser) -> GenericOp:
        pos = parser.skip_ws()
        d = parser.parse_attribute()
        if not isinstance(d, DictionaryAttr):
            raise parser.error("expected attribute value", pos)
        pos = parser.skip_ws()
        trait = dict_entries(d)
        its = trait.get("iterator_types")
        if isinstance(its, ArrayAttr):
            conv = []
            for x in its:
                if isinstance(x, StringAttr):
                    if x.value not in IteratorTypeAttr.CASES:
                        raise custom_op_error(parser, cls.name, f"unexpected iterator_type ({x.value})", pos)
                    conv.append(IteratorTypeAttr.get(x.value))
                else:
                    conv.append(x)
            trait["iterator_types"] = ArrayAttr(tuple(conv))
        parts = parse_common_parts(parser, cls)
        props = dict(parts.props)
        attrs = dict(parts.attrs)
        for k, v in trait.items():
            if k in cls._TRAIT_ATTRS:
                props[k] = v
            else:
                attrs[k] = v
        if parser.parse_optional_keyword("attrs"):
            parser.expect("=")
            extra = parser.parse_optional_attr_dict()
            attrs.update(extra)
        from mlir_py.dialects.linalg.syntax import move_inherent
        move_inherent(cls, attrs, props)
        from mlir_py.ir.builtin_attributes import DenseArrayAttr
        from mlir_py.ir.builtin_types import i32
        props.setdefault("operandSegmentSizes", DenseArrayAttr(i32, (len(parts.inputs), len(parts.outputs))))
        body = parser.parse_region()
        rtypes = parse_optional_result_types(parser)
        return cls.create(parts.inputs + parts.outputs, rtypes, props, attrs, [body])

    def print(self, printer: Printer) -> None:
        w = printer.write
        shown: dict = {}
        for k in self._TRAIT_ATTRS:
            v = self.properties.get(k)
            if v is None:
                continue
            if k == "iterator_types" and isinstance(v, ArrayAttr):
                v = ArrayAttr(tuple(StringAttr(t.case_names[0]) if isinstance(t, IteratorTypeAttr) else t
                                    for t in v))
            shown[k] = v
        w(" ")
        printer.print_attr_dict(shown)
        print_common_parts(printer, self.inputs, self.outputs)
        if self.attributes:
            w(" attrs = ")
            printer.print_optional_attr_dict(self.attributes)
        if not self.region.is_empty():
            w(" ")
            printer.print_region(self.region)
        print_result_types(printer, [r.type for r in self.results])


def parse_map(m: AffineMap | AffineMapAttr | str) -> AffineMap:
    """An AffineMap from a map, its attribute, or its text (`"(d0, d1) -> (d1)"` or `"affine_map<...>"`)."""
    if isinstance(m, AffineMap):
        return m
    if isinstance(m, AffineMapAttr):
        return m.value
    from mlir_py.ir.affine_parser import parse_affine_map
    text = m.strip()
    if text.startswith("affine_map<") and text.endswith(">"):
        text = text[len("affine_map<"):-1]
    return parse_affine_map(text)


class YieldOp(Op):
    """Ends a structured op's body, giving the new element of each output
    (in order, of each output's element type).

    ```mlir
    linalg.yield %sum, %max : f32, f32
    ```
    """

    name = "linalg.yield"
    traits = [Pure, ReturnLike, Terminator]
    values = var_operand(AnyType)

    def __init__(self, values: Sequence[Value] = (), **kw):
        super().__init__(list(values), **kw)

    @classmethod
    def parse(cls, parser: Parser) -> YieldOp:
        us = parser.parse_operand_list()
        attrs = parser.parse_optional_attr_dict()
        types = parser.parse_colon_type_list() if us else []
        return cls.create(parser.resolve_operands(us, types), [], None, attrs)

    def print(self, printer: Printer) -> None:
        vals = self.values
        if vals:
            printer.write(" ")
            printer.print_operands(vals)
        printer.print_optional_attr_dict(self.attributes)
        if vals:
            printer.write(" : ")
            printer.print_types(v.type for v in vals)

    def verify_(self) -> str | None:
        parent = self.parent_op
        if parent is None or not parent.has_trait(LinalgStructuredInterface):
            return "expected parent op with LinalgOp interface"
        if parent.verify_():
            return None  # the parent reports the defect (upstream does not verify inside a failed op)
        inits = parent.get_dps_inits()
        vals = self.values
        if len(vals) != len(inits):
            return (f"expected number of yield values ({len(vals)}) to match the number of inits / outs operands "
                    f"of the enclosing LinalgOp ({len(inits)})")
        for i, (v, o) in enumerate(zip(vals, inits)):
            et = element_type_or_self(o.type)
            if v.type is not et:
                return (f"type of yield operand {i + 1} ('{v.type}') doesn't match the element type of the "
                        f"enclosing linalg.generic op ('{et}')")
        return None


class IndexOp(Op):
    """The current value of loop `dim` of the enclosing structured op, inside
    its body (e.g. to compute iota or masks).

    ```mlir
    %i = linalg.index 0 : index
    ```
    """

    name = "linalg.index"
    traits = [Pure]
    dim = prop(I64Attr)
    result = result(Index)
    assembly_format = "$dim attr-dict `:` type($result)"

    @classmethod
    def infer_result_types(cls, operands: list, props: dict) -> list:
        return [index]

    def fold(self, operands: list) -> Any:
        """The index of a loop of static size 1 is always 0."""
        parent = self.parent_op
        if parent is None or not parent.has_trait(LinalgStructuredInterface):
            return None
        try:
            ranges = parent.get_static_loop_ranges()
        except (ValueError, IndexError, AttributeError):
            return None
        d = self.dim.value
        if 0 <= d < len(ranges) and ranges[d] == 1:
            return IntegerAttr(0, index)
        return None

    def verify_(self) -> str | None:
        if self.dim.value < 0:
            return ("attribute 'dim' failed to verify constraint: 64-bit signless integer attribute whose minimum "
                    "value is 0")
        parent = self.parent_op
        if parent is None or not parent.has_trait(LinalgStructuredInterface):
            return "expected parent op with LinalgOp interface"
        n = parent.get_num_loops()
        if n <= self.dim.value:
            return (f"expected dim ({self.dim.value}) to be lower than the number of loops ({n}) of the enclosing "
                    "LinalgOp")
        return None


__all__ = ["GenericOp", "IndexOp", "LinalgOp", "YieldOp", "parse_map"]
