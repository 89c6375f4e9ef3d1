"""The gpu dialect's attributes and types (GPUBase.td, GPUDeviceMappingAttr.td, ParallelLoopMapperAttr.td).

- `!gpu.async.token`: the value async ops return and wait on.
- Enums: `#gpu.dim<x>` (dimension of an id op), `#gpu.address_space<workgroup>`
  (memref memory spaces), `#gpu.barrier_scope<workgroup>`, `#gpu.all_reduce_op<add>`,
  `#gpu.shuffle_mode<xor>`. Inside an op's custom form they print bare (`gpu.thread_id x`,
  `gpu.shuffle xor ...`): `KeywordEnum` is the constraint formats use for that.
- Mapping attributes of `scf.forall`: `#gpu.block<x>`, `#gpu.thread<y>`,
  `#gpu.warp<z>`, `#gpu.warpgroup<x>`, `#gpu.lane<linear_dim_0>`, `#gpu.memory_space<private>`.
- `#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>`:
  the entries of the `mapping` array that gpu-map-parallel-loops puts on `scf.parallel`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.definition.constraints import Constraint, EqAttr
from mlir_py.definition.enums import enum_attr
from mlir_py.ir.affine_expr import AffineMap
from mlir_py.ir.affine_parser import AffineParseError, parse_affine_map_or_set_prefix
from mlir_py.ir.attributes import ParametrizedAttribute, TypeAttribute

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class AsyncTokenType(TypeAttribute):
    """`!gpu.async.token`: orders async gpu ops; produced with `async`, consumed in `[...]` dependency lists."""

    name = "gpu.async.token"
    parameters = ()


ASYNC_TOKEN = AsyncTokenType()
#: the type constraint of token operands and results (one type, so formats never spell it)
AsyncToken = EqAttr(ASYNC_TOKEN)
AsyncToken.description = "async token type"
#: the same for variadic dependency lists (upstream's messages say "variadic of")
AsyncTokens = EqAttr(ASYNC_TOKEN)
AsyncTokens.description = "variadic of async token type"


class KeywordEnum(Constraint):
    """A dialect enum attribute that an op's custom form spells as its bare case name
    (`gpu.thread_id x` for `#gpu.dim<x>`), as ODS EnumAttr parameters of op formats print."""

    def __init__(self, attr_cls: type, attr_name: str, description: str):
        self.attr_cls = attr_cls
        self.attr_name = attr_name
        self.classes = (attr_cls,)
        self.description = description

    def verify(self, value: Any) -> str | None:
        return None if isinstance(value, self.attr_cls) else f"must be {self.description}, but got {value}"

    def parse_short(self, parser: Parser) -> Any:
        pos = parser.skip_ws()
        kw = parser.parse_optional_keyword()
        cases = self.attr_cls.CASES
        if kw not in cases:
            raise parser.error("expected string or keyword containing one of the following enum values for "
                               f"attribute '{self.attr_name}' [{', '.join(cases)}]", pos)
        return self.attr_cls(cases[kw])

    def peek_short(self, parser: Parser) -> bool:
        return parser.peek_keyword() in self.attr_cls.CASES

    def print_short(self, printer: Printer, attr: Any) -> None:
        printer.write(attr.case_names[0] if isinstance(attr, self.attr_cls) else str(attr))


DIMENSIONS = {"x": 0, "y": 1, "z": 2}
DimensionAttr = enum_attr("gpu.dim", DIMENSIONS, class_name="DimensionAttr")
Dimension = KeywordEnum(DimensionAttr, "dimension", "a dimension, either 'x', 'y', or 'z'")

ADDRESS_SPACES = {"global": 1, "workgroup": 2, "private": 3, "constant": 4}
AddressSpaceAttr = enum_attr("gpu.address_space", ADDRESS_SPACES, class_name="AddressSpaceAttr")
WORKGROUP = AddressSpaceAttr(ADDRESS_SPACES["workgroup"])
PRIVATE = AddressSpaceAttr(ADDRESS_SPACES["private"])
GLOBAL = AddressSpaceAttr(ADDRESS_SPACES["global"])

BARRIER_SCOPES = {"subgroup": 0, "workgroup": 1, "cluster": 2}
BarrierScopeAttr = enum_attr("gpu.barrier_scope", BARRIER_SCOPES, class_name="BarrierScopeAttr")
BARRIER_WORKGROUP = BarrierScopeAttr(BARRIER_SCOPES["workgroup"])

ALL_REDUCE_OPS = {"add": 0, "mul": 1, "minui": 2, "minsi": 3, "minnumf": 4, "maxui": 5, "maxsi": 6, "maxnumf": 7,
                  "and": 8, "or": 9, "xor": 10, "minimumf": 11, "maximumf": 12}
AllReduceOperationAttr = enum_attr("gpu.all_reduce_op", ALL_REDUCE_OPS, class_name="AllReduceOperationAttr")
AllReduceOperation = KeywordEnum(AllReduceOperationAttr, "op",
                                 "built-in reduction operations supported by gpu.allreduce.")
#: the reductions that apply to integers and to floats
INT_REDUCTIONS = frozenset({"add", "mul", "minui", "minsi", "maxui", "maxsi", "and", "or", "xor"})
FLOAT_REDUCTIONS = frozenset({"add", "mul", "minnumf", "maxnumf", "minimumf", "maximumf"})

SHUFFLE_MODES = {"xor": 0, "up": 1, "down": 2, "idx": 3}
ShuffleModeAttr = enum_attr("gpu.shuffle_mode", SHUFFLE_MODES, class_name="ShuffleModeAttr")
ShuffleMode = KeywordEnum(ShuffleModeAttr, "mode", "Indexing modes supported by gpu.shuffle.")

# -- scf.forall mapping ---------------------------------------------------------

MAPPING_IDS = {"x": 0, "y": 1, "z": 2, **{f"linear_dim_{i}": 3 + i for i in range(10)}}
BlockMappingAttr = enum_attr("gpu.block", MAPPING_IDS, class_name="BlockMappingAttr")
ThreadMappingAttr = enum_attr("gpu.thread", MAPPING_IDS, class_name="ThreadMappingAttr")
WarpMappingAttr = enum_attr("gpu.warp", MAPPING_IDS, class_name="WarpMappingAttr")
WarpgroupMappingAttr = enum_attr("gpu.warpgroup", MAPPING_IDS, class_name="WarpgroupMappingAttr")
LaneMappingAttr = enum_attr("gpu.lane", MAPPING_IDS, class_name="LaneIdMappingAttr")
MemorySpaceMappingAttr = enum_attr("gpu.memory_space", ADDRESS_SPACES, class_name="MemorySpaceMappingAttr")

# -- scf.parallel mapping ---------------------------------------------------------

PROCESSORS = {"block_x": 0, "block_y": 1, "block_z": 2, "thread_x": 3, "thread_y": 4, "thread_z": 5,
              "sequential": 6}
PROCESSOR_NAMES = {v: k for k, v in PROCESSORS.items()}


class ParallelLoopDimMappingAttr(ParametrizedAttribute):
    """How one loop of an `scf.parallel` maps to the hardware: the processor (`block_x` ...
    `thread_z`, or `sequential`), the map from processor id to induction variable, and the map
    from the loop's upper bound to the launch size (upstream's ParallelLoopDimMappingAttr).

    ```mlir
    #gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>
    ```
    """

    name = "gpu.loop_dim_map"
    parameters = ("processor", "map", "bound")

    @property
    def processor_name(self) -> str:
        return PROCESSOR_NAMES[self.processor]

    def verify(self) -> str | None:
        if self.processor not in PROCESSOR_NAMES:
            return f"invalid processor {self.processor}"
        return None

    def print_parameters(self, printer: Printer) -> None:
        printer.write(f"<processor = {self.processor_name}, map = {self.map}, bound = {self.bound}>")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> ParallelLoopDimMappingAttr:
        parser.expect("<")
        parser.parse_keyword("processor")
        parser.expect("=")
        pos = parser.skip_ws()
        kw = parser.parse_optional_keyword()
        if kw not in PROCESSORS:
            raise parser.error(f"expected ::mlir::gpu::Processor to be one of: {', '.join(PROCESSORS)}", pos)
        parser.expect(",")
        parser.parse_keyword("map")
        parser.expect("=")
        m = _parse_map(parser)
        parser.expect(",")
        parser.parse_keyword("bound")
        parser.expect("=")
        b = _parse_map(parser)
        parser.expect(">")
        return cls(PROCESSORS[kw], m, b)


def _parse_map(parser: Parser) -> AffineMap:
    pos = parser.skip_ws()
    try:
        m, end = parse_affine_map_or_set_prefix(parser.text, pos)
    except AffineParseError as e:
        raise parser.error(e.message, e.offset) from None
    if not isinstance(m, AffineMap):
        raise parser.error("expected an affine map", pos)
    parser.pos = end
    return m


def loop_dim_map(processor: str, map: AffineMap | None = None, bound: AffineMap | None = None
                 ) -> ParallelLoopDimMappingAttr:
    """`#gpu.loop_dim_map<processor = P, map = M, bound = B>`; the maps default to the 1-D identity."""
    ident = AffineMap.get_identity(1)
    return ParallelLoopDimMappingAttr(PROCESSORS[processor], map or ident, bound or ident)


ATTRIBUTES = [DimensionAttr, AddressSpaceAttr, BarrierScopeAttr, AllReduceOperationAttr, ShuffleModeAttr,
              BlockMappingAttr, ThreadMappingAttr, WarpMappingAttr, WarpgroupMappingAttr, LaneMappingAttr,
              MemorySpaceMappingAttr, ParallelLoopDimMappingAttr]
TYPES = [AsyncTokenType]
