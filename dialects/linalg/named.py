"""The mechanism behind linalg's named structured ops: each named op is one
class declaring, as data, what upstream's OpDSL / ODS declares:

```python
class MatmulOp(NamedStructuredOp):
    '''...one paragraph and a ```mlir example...'''
    name = "linalg.matmul"
    num_inputs = 2
    user_maps = True                      # accepts upstream's `indexing_maps = [...]` form
    cast = opt_prop(TypeFnC)              # properties as in any op declaration
    default_maps = ("(d0, d1, d2) -> (d0, d2)", "(d0, d1, d2) -> (d2, d1)", "(d0, d1, d2) -> (d0, d1)")
    iterators = ("parallel", "parallel", "reduction")

    @classmethod
    def payload(cls, b, args, props):     # the scalar step; returns the values to yield
        x, y, acc = args
        fn = type_fn_name(props.get("cast"))
        return [b.add(acc, b.mul(b.type_fn(fn, acc.type, x), b.type_fn(fn, acc.type, y)))]
```

`default_maps` and `iterators` are either constants (tuples of map text /
iterator names) or classmethods taking `(types, props)` (the operand types,
inputs then outputs) for ops whose loop count follows the operand ranks.
`payload` builds the scalar step with a `BodyBuilder` (body_builder.py).
From the declaration `NamedStructuredOp` derives the rest: the custom
syntax (`linalg.matmul ins(...) outs(...) -> t`, with the region implicit),
the region (built when parsed and when built from Python, as upstream),
`get_indexing_maps` / `get_iterator_types`, verification through the
structured-op interface, the Python builder `MatmulOp.build(inputs, outputs,
**props)`, and generalization to linalg.generic.

To add a named op: write such a class in a new file of dialects/linalg/ and
list it in `OPS` of dialects/linalg/__init__.py (nothing else changes).
Ops with extra custom syntax before `ins` override `parse_prefix` /
`print_prefix` (see `ElementwiseOp`); extra checks go in `verify_`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from mlir_py.dialects.linalg.attributes import TypeFnAttr
from mlir_py.dialects.linalg.body_builder import BodyBuilder
from mlir_py.dialects.linalg.generic_ops import (
    LinalgOp,
    YieldOp,
    body_block_types,
    parse_map,
    tensor_result_types,
)
from mlir_py.dialects.linalg.interface import DestinationStyleOpInterface, LinalgStructuredInterface
from mlir_py.dialects.linalg.syntax import (
    custom_op_error,
    parse_affine_map_list,
    parse_common_parts,
    parse_optional_result_types,
    print_common_parts,
    print_result_types,
)

from mlir_py.definition.traits import RecursiveMemoryEffects, SingleBlockImplicitTerminator
from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr, DenseArrayAttr
from mlir_py.ir.builtin_types import i32
from mlir_py.ir.operation import Block, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

NAMED_TRAITS = [DestinationStyleOpInterface, RecursiveMemoryEffects, SingleBlockImplicitTerminator("linalg.yield"),
                LinalgStructuredInterface]


def type_fn_name(attr: Any, default: str = "cast_signed") -> str:
    """The case name of an optional #linalg.type_fn attribute."""
    return attr.case_names[0] if isinstance(attr, TypeFnAttr) else default


class NamedStructuredOp(LinalgOp):
    """Base of the named structured ops: subclasses declare maps, iterators and payload (module docstring)."""

    traits = NAMED_TRAITS
    #: how many inputs the body expects (None: any number)
    num_inputs: ClassVar[int | None] = None
    #: how many outputs
    num_outputs: ClassVar[int] = 1
    #: the op has upstream's `indexing_maps` property (set to the defaults when not written)
    user_maps: ClassVar[bool] = False
    #: the maps when the op has no `indexing_maps`: map texts, or a classmethod (types, props) -> maps
    default_maps: ClassVar[Any] = ()
    #: the iterator types: names, or a classmethod (types, props) -> names
    iterators: ClassVar[Any] = ()

    # -- the declaration's hooks -------------------------------------------------------------

    @classmethod
    def payload(cls, b: BodyBuilder, args: Sequence[Value], props: dict) -> list[Value]:
        """Build the scalar step in `b` from the block arguments; return the values to yield."""
        raise NotImplementedError(f"{cls.__name__} declares no payload")

    @classmethod
    def compute_default_maps(cls, types: Sequence[Any], props: dict) -> list[AffineMap]:
        dm = cls.default_maps
        if callable(dm):
            return list(dm(types, props))
        return [parse_map(m) for m in dm]

    @classmethod
    def compute_iterators(cls, types: Sequence[Any], props: dict) -> list[str]:
        it = cls.iterators
        if callable(it):
            return list(it(types, props))
        return list(it)

    @classmethod
    def parse_prefix(cls, parser: Parser, props: dict) -> None:
        """Custom syntax between the op name and the common parts (none by default)."""

    def print_prefix(self, printer: Printer) -> None:
        """Print what `parse_prefix` reads."""

    #: properties never shown in the custom form's attribute dictionary
    elided_props: ClassVar[tuple[str, ...]] = ("operandSegmentSizes", "indexing_maps")

    # -- the interface ----------------------------------------------------------------------

    def _types(self) -> list:
        return [v.type for v in list(self.inputs) + list(self.outputs)]

    def get_indexing_maps(self) -> list[AffineMap]:
        maps = self.properties.get("indexing_maps")
        if maps is not None:
            if not isinstance(maps, ArrayAttr) or any(not isinstance(m, AffineMapAttr) for m in maps):
                raise ValueError("expected indexing_maps to be an array of affine maps")
            return [m.value for m in maps]
        return self.compute_default_maps(self._types(), self.properties)

    def get_iterator_types(self) -> list[str]:
        return self.compute_iterators(self._types(), self.properties)

    def get_default_indexing_maps(self) -> list[AffineMap]:
        return self.compute_default_maps(self._types(), self.properties)

    # -- building --------------------------------------------------------------------------------

    @classmethod
    def fill_region(cls, region: Region, inputs: Sequence[Value], outputs: Sequence[Value], props: dict) -> None:
        """The body upstream's region builder makes: one block, the declared step, `linalg.yield`."""
        block = Block(body_block_types(inputs, outputs))
        region.append(block)
        vals = cls.payload(BodyBuilder(block), list(block.args), props)
        block.append(YieldOp(list(vals)))

    @classmethod
    def build(cls, inputs: Sequence[Value], outputs: Sequence[Value], *, attributes: dict | None = None,
              result_types: Sequence[Any] | None = None, location: Any = None, **props: Any):
        """The op on `inputs` / `outputs` with its body; properties by keyword (`cast=...`,
        `indexing_maps=[...]` as maps or map texts). Tensor outputs give the results."""
        inputs, outputs = list(inputs), list(outputs)
        p = {k: v for k, v in props.items() if v is not None}
        if "indexing_maps" in p and not isinstance(p["indexing_maps"], ArrayAttr):
            p["indexing_maps"] = ArrayAttr(tuple(AffineMapAttr(parse_map(m)) for m in p["indexing_maps"]))
        if cls.user_maps and "indexing_maps" not in p:
            maps = cls.compute_default_maps([v.type for v in inputs + outputs], p)
            p["indexing_maps"] = ArrayAttr(tuple(AffineMapAttr(m) for m in maps))
        p["operandSegmentSizes"] = DenseArrayAttr(i32, (len(inputs), len(outputs)))
        region = Region()
        cls.fill_region(region, inputs, outputs, p)
        rtypes = list(result_types) if result_types is not None else tensor_result_types(outputs)
        return cls.create(inputs + outputs, rtypes, p, attributes, [region], (), location)

    # -- syntax ----------------------------------------------------------------------------------

    @classmethod
    def parse(cls, parser: Parser):
        props: dict = {}
        cls.parse_prefix(parser, props)
        if cls.user_maps and parser.parse_optional_keyword("indexing_maps"):
            parser.expect("=")
            props["indexing_maps"] = ArrayAttr(tuple(parse_affine_map_list(parser)))
        parts = parse_common_parts(parser, cls)
        props.update(parts.props)
        types = parts.input_types + parts.output_types
        if cls.user_maps and "indexing_maps" not in props:
            try:
                maps = cls.compute_default_maps(types, props)
            except (ValueError, IndexError, AttributeError) as e:
                raise custom_op_error(parser, cls.name, str(e)) from None
            props["indexing_maps"] = ArrayAttr(tuple(AffineMapAttr(m) for m in maps))
        props["operandSegmentSizes"] = DenseArrayAttr(i32, (len(parts.inputs), len(parts.outputs)))
        rtypes = parse_optional_result_types(parser)
        expected = cls.num_region_args(props)
        if expected is not None and expected != len(types):
            raise custom_op_error(parser, cls.name, f"[parseNamedStructuredOpRegion] ods-gen generated region "
                                  f"expects {expected} args, got {len(types)}", parser.skip_ws())
        err = cls.check_parsed(parts.inputs, parts.outputs, props)
        if err:
            raise parser.error(err, parser.text.rfind(cls.name, 0, parser.pos))
        region = Region()
        try:
            cls.fill_region(region, parts.inputs, parts.outputs, props)
        except (TypeError, ValueError, IndexError, KeyError) as e:
            raise custom_op_error(parser, cls.name, f"cannot build the body: {e}") from None
        return cls.create(parts.inputs + parts.outputs, rtypes, props, parts.attrs, [region])

    @classmethod
    def num_region_args(cls, props: dict) -> int | None:
        """The block argument count the body is written for (None when any count works)."""
        if cls.num_inputs is None:
            return None
        return cls.num_inputs + cls.num_outputs

    @classmethod
    def check_parsed(cls, inputs: Sequence[Value], outputs: Sequence[Value], props: dict) -> str | None:
        """An error (at the op) for operands the body cannot be built for; None when fine."""
        return None

    @property
    def properties_printed_inline(self) -> tuple[str, ...]:
        """Default maps are not printed in the custom form, so they get no `#map` alias (as upstream)."""
        if self.user_maps and not self._prints_maps():
            return ("indexing_maps",)
        return ()

    def _prints_maps(self) -> bool:
        maps = self.properties.get("indexing_maps")
        if maps is None:
            return False
        try:
            return [m.value for m in maps] != self.get_default_indexing_maps()
        except (ValueError, IndexError, AttributeError):
            return True

    def print(self, printer: Printer) -> None:
        self.print_prefix(printer)
        if self.user_maps:
            maps = self.properties.get("indexing_maps")
            if maps is not None and self._prints_maps():
                printer.write(" indexing_maps = [")
                for i, m in enumerate(maps):
                    if i:
                        printer.write(", ")
                    printer.print_attribute(m)
                printer.write("]")
        shown = {k: v for k, v in self.properties.items() if k not in self.elided_props}
        shown.update(self.attributes)
        printer.print_optional_attr_dict(shown)
        print_common_parts(printer, self.inputs, self.outputs)
        print_result_types(printer, [r.type for r in self.results])


__all__ = ["NAMED_TRAITS", "NamedStructuredOp", "type_fn_name"]
