"""The structured-op interface (upstream's LinalgStructuredInterface and
DestinationStyleOpInterface), shared by linalg.generic and every named op.

A structured op is a perfect loop nest described as data: one affine
`indexing_map` per operand (inputs, then outputs) from the loop indices to
the operand's indices, one iterator type per loop ("parallel" or
"reduction"), and a single-block region computing one scalar step (block
arguments: one element per input, then per output; terminator
`linalg.yield`). Outputs are destinations (DPS "inits"): on tensors each one
is tied to one result of the same type, on memrefs the op writes them in
place and has no results. Passes written against this interface (loops,
fusion, bufferization, tiling) see generic and named ops alike.

- `LinalgStructuredInterface` is the trait that marks a structured op
  (`op.has_trait(LinalgStructuredInterface)` or `is_structured_op(op)`) and
  runs upstream's interface verifier.
- `StructuredOpMixin` gives the accessors (`get_indexing_maps`,
  `get_iterator_types`, `get_num_loops`, `get_dps_inputs`, `get_dps_inits`,
  `get_tied_result`, `body`, ...) and the analyses passes need
  (`is_elementwise`, `get_static_loop_ranges`, `get_loop_dim_sources`,
  `payload_ops`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.definition.traits import MemoryEffect, Read, Trait, Write
from mlir_py.ir.affine_expr import AffineDimExpr, AffineMap
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr
from mlir_py.ir.builtin_types import DYNAMIC, BaseMemRefType, MemRefType, RankedTensorType, ShapedType, TensorType

if TYPE_CHECKING:
    from mlir_py.ir.operation import Block, Operation, OpOperand, OpResult, Value


def element_type_or_self(t: Any) -> Any:
    """The element type of a shaped type, else the type itself (getElementTypeOrSelf)."""
    return t.element_type if isinstance(t, ShapedType) else t


def operand_rank(t: Any) -> int:
    """The rank a map must produce for an operand of type `t` (scalars have rank 0)."""
    return len(t.shape) if isinstance(t, (RankedTensorType, MemRefType)) else 0


class DestinationStyleOpInterface(Trait):
    """Outputs ("inits") are destinations: one tensor result per tensor init, same type, none for memrefs."""

    def verify(self, op):
        inits = op.get_dps_inits()
        tensor_inits = [v for v in inits if isinstance(v.type, TensorType)]
        if len(op.results) != len(tensor_inits):
            return (f"expected the number of tensor results ({len(op.results)}) to be equal to the number of "
                    f"output tensors ({len(tensor_inits)})")
        n_in = len(op.get_dps_inputs())
        for init, res in zip(tensor_inits, op.results):
            if init.type is not res.type:
                idx = n_in + inits.index(init)
                return (f"expected type of operand #{idx} ('{init.type}') to match type of corresponding result "
                        f"('{res.type}')")
        return None


class LinalgStructuredInterface(Trait):
    """Marks a linalg structured op and checks its indexing maps, iterators, body and static shapes.

    Upstream verifies the interface with the regions (after the op's own `verify`), so the op's
    `verify_` runs first here and its message wins; list this trait last."""

    def verify(self, op):
        err = op.verify_()
        if err:
            return err
        return verify_structured_op(op)


def is_structured_op(op: Operation) -> bool:
    """Whether a pass may treat `op` through the structured-op interface."""
    return op.has_trait(LinalgStructuredInterface)


class StructuredOpMixin:
    """Accessors of the structured-op interface; mixed into each structured op class.

    Ops declare `inputs` and `outputs` (or provide them as properties) and one region;
    they provide `get_indexing_maps()` and `get_iterator_types()`.
    """

    __slots__ = ()

    if TYPE_CHECKING:
        inputs: list[Value]
        outputs: list[Value]
        results: list[OpResult]
        regions: list[Any]
        _operands: list[OpOperand]

    # -- the interface ------------------------------------------------------------

    def get_indexing_maps(self) -> list[AffineMap]:
        """One map per operand, inputs then outputs, from the loop indices to the operand's indices."""
        raise NotImplementedError

    def get_iterator_types(self) -> list[str]:
        """One of "parallel" / "reduction" per loop."""
        raise NotImplementedError

    def get_num_loops(self) -> int:
        return len(self.get_iterator_types())

    def get_num_parallel_loops(self) -> int:
        return sum(1 for t in self.get_iterator_types() if t == "parallel")

    def get_num_reduction_loops(self) -> int:
        return sum(1 for t in self.get_iterator_types() if t == "reduction")

    def get_parallel_dims(self) -> list[int]:
        return [i for i, t in enumerate(self.get_iterator_types()) if t == "parallel"]

    def get_reduction_dims(self) -> list[int]:
        return [i for i, t in enumerate(self.get_iterator_types()) if t == "reduction"]

    # -- destination style --------------------------------------------------------------

    def get_dps_inputs(self) -> list[Value]:
        return list(self.inputs)

    def get_dps_inits(self) -> list[Value]:
        return list(self.outputs)

    def get_num_dps_inputs(self) -> int:
        return len(self.get_dps_inputs())

    def get_num_dps_inits(self) -> int:
        return len(self.get_dps_inits())

    def get_dps_input_operands(self) -> list[OpOperand]:
        return list(self._operands[:self.get_num_dps_inputs()])

    def get_dps_init_operands(self) -> list[OpOperand]:
        n = self.get_num_dps_inputs()
        return list(self._operands[n:n + self.get_num_dps_inits()])

    def is_dps_init(self, operand: OpOperand) -> bool:
        return operand in self.get_dps_init_operands()

    def get_tied_result(self, operand: OpOperand) -> OpResult | None:
        """The result tied to a tensor init operand (None for inputs and memref inits)."""
        inits = self.get_dps_init_operands()
        if operand not in inits:
            return None
        k = 0
        for o in inits:
            if o is operand:
                return self.results[k] if isinstance(o.value.type, TensorType) else None
            if isinstance(o.value.type, TensorType):
                k += 1
        return None

    def get_tied_init(self, result: OpResult) -> OpOperand:
        """The init operand a tensor result is tied to."""
        k = self.results.index(result)
        for o in self.get_dps_init_operands():
            if isinstance(o.value.type, TensorType):
                if k == 0:
                    return o
                k -= 1
        raise ValueError("result has no tied init")

    def has_pure_tensor_semantics(self) -> bool:
        return all(not isinstance(o.value.type, BaseMemRefType) for o in self._operands)

    def has_pure_buffer_semantics(self) -> bool:
        return all(not isinstance(o.value.type, TensorType) for o in self._operands)

    # -- operands and maps -----------------------------------------------------------------

    def get_structured_operands(self) -> list[OpOperand]:
        """Inputs then inits, as OpOperands (the order of the indexing maps and block arguments)."""
        return list(self._operands[:self.get_num_dps_inputs() + self.get_num_dps_inits()])

    def get_matching_indexing_map(self, operand: OpOperand) -> AffineMap:
        return self.get_indexing_maps()[self.get_structured_operands().index(operand)]

    def get_indexing_maps_array(self) -> ArrayAttr:
        """The maps as upstream's `indexing_maps` attribute value."""
        return ArrayAttr(tuple(AffineMapAttr(m) for m in self.get_indexing_maps()))

    # -- the body ------------------------------------------------------------------------

    @property
    def body(self) -> Block:
        """The single block computing one scalar step."""
        b = self.regions[0].first_block
        assert b is not None, "structured op without a body block"
        return b

    def get_matching_block_argument(self, operand: OpOperand) -> Value:
        return self.body.args[self.get_structured_operands().index(operand)]

    def get_region_input_args(self) -> list[Value]:
        return list(self.body.args[:self.get_num_dps_inputs()])

    def get_region_output_args(self) -> list[Value]:
        n = self.get_num_dps_inputs()
        return list(self.body.args[n:n + self.get_num_dps_inits()])

    def get_yield(self) -> Operation:
        t = self.body.last_op
        assert t is not None
        return t

    def payload_ops(self) -> list[Operation]:
        """The body's ops before the terminator: the scalar computation."""
        return [o for o in self.body.ops if o is not self.body.last_op]

    def payload_uses_value_from_operand(self, operand: OpOperand) -> bool:
        """Whether the body reads the element of `operand` (an unread init may be replaced by tensor.empty)."""
        return self.get_matching_block_argument(operand).has_uses()

    # -- analyses passes need ---------------------------------------------------------------

    def is_elementwise(self) -> bool:
        """All loops parallel, all maps projected permutations, init maps permutations, and a payload of
        scalar ops only (upstream's linalg::isElementwise): the op maps elements to elements."""
        if self.get_num_loops() != self.get_num_parallel_loops():
            return False
        maps = self.get_indexing_maps()
        if not all(m.is_projected_permutation() for m in maps):
            return False
        n = self.get_num_dps_inputs()
        if not all(m.is_permutation() for m in maps[n:]):
            return False
        for o in self.payload_ops():
            if o.regions or any(isinstance(r.type, ShapedType) for r in o.results):
                return False
        return True

    def get_loop_dim_sources(self) -> list[tuple[Value, int]]:
        """For each loop, an (operand, dimension) whose size is the loop's trip count: the first operand
        dimension its map indexes with just that loop (upstream's createLoopRanges reads these)."""
        out: list[tuple[Value, int] | None] = [None] * self.get_num_loops()
        for o, m in zip(self.get_structured_operands(), self.get_indexing_maps()):
            for r, e in enumerate(m.results):
                if isinstance(e, AffineDimExpr) and out[e.position] is None:
                    out[e.position] = (o.value, r)
        if any(x is None for x in out):
            raise ValueError(f"'{getattr(self, 'name', '?')}': a loop is not indexed by any operand dimension")
        return [x for x in out if x is not None]

    def get_static_loop_ranges(self) -> list[int]:
        """Each loop's trip count from the static operand shapes (DYNAMIC where only a dynamic dim gives it)."""
        sizes = [DYNAMIC] * self.get_num_loops()
        for o, m in zip(self.get_structured_operands(), self.get_indexing_maps()):
            t = o.value.type
            if not isinstance(t, (RankedTensorType, MemRefType)):
                continue
            for r, e in enumerate(m.results):
                if isinstance(e, AffineDimExpr) and sizes[e.position] == DYNAMIC:
                    sizes[e.position] = t.shape[r]
        return sizes

    def get_effects(self) -> list[MemoryEffect]:
        """Reads of memref inputs and inits, writes of memref inits; none on tensors (upstream's
        getGenericEffectsImpl). Inits are read only when the body uses them, as upstream."""
        effects: list[MemoryEffect] = []
        for o in self.get_dps_input_operands():
            if isinstance(o.value.type, BaseMemRefType):
                effects.append(Read(o.value))
        for o in self.get_dps_init_operands():
            if not isinstance(o.value.type, BaseMemRefType):
                continue
            if self.regions and self.regions[0].first_block is not None and self.payload_uses_value_from_operand(o):
                effects.append(Read(o.value))
            effects.append(Write(o.value))
        return effects


# -- verification ------------------------------------------------------------------------


def verify_structured_op(op: Any) -> str | None:
    """upstream's verifyStructuredOpInterface, with its messages."""
    try:
        maps = op.get_indexing_maps()
    except (ValueError, TypeError, AttributeError) as e:
        return str(e)
    operands = op.get_structured_operands()
    if len(maps) != len(operands):
        return (f"expected the number of indexing_map ({len(maps)}) to be equal to the number of input/output "
                f"operands ({len(operands)})")
    iterators = op.get_iterator_types()
    n_loops = len(iterators)
    if maps and not _invertible(maps):
        return f"invalid indexing maps are non-invertible: ({_concat(maps)})"
    for i, (o, m) in enumerate(zip(operands, maps)):
        if m.num_symbols:
            return f"unexpected symbols in indexing_map #{i}"
        if m.num_dims != n_loops:
            return f"expected indexing_map #{i} to have {n_loops} dim(s) to match the number of loops"
        rank = operand_rank(o.value.type)
        if m.num_results != rank:
            return f"expected operand #{i} rank ({rank}) to match the result rank of indexing_map ({m.num_results})"
    region = op.regions[0] if op.regions else None
    block = region.first_block if region is not None else None
    if block is None:
        return "expected a region with one block"
    if len(block.args) != len(operands):
        return "expected as many non-induction variable region arguments as the number of input/output operands"
    for i, (o, a) in enumerate(zip(operands, block.args)):
        et = element_type_or_self(o.value.type)
        if a.type is not et:
            return (f"expected type of bb argument #{i} ('{a.type}') to match element or self type of the "
                    f"corresponding operand ('{et}')")
    return _verify_static_shapes(op, operands, maps, n_loops)


def _concat(maps: list[AffineMap]) -> AffineMap:
    """All results over the widest dim/symbol space (upstream's concatAffineMaps, the loops-to-shapes map)."""
    nd = max(m.num_dims for m in maps)
    ns = max(m.num_symbols for m in maps)
    return AffineMap(nd, ns, tuple(e for m in maps for e in m.results))


def _invertible(maps: list[AffineMap]) -> bool:
    """Every loop appears alone as some operand dimension (upstream's inversePermutation succeeds)."""
    m = _concat(maps)
    seen = {e.position for e in m.results if isinstance(e, AffineDimExpr)}
    return all(d in seen for d in range(m.num_dims))


def _verify_static_shapes(op, operands, maps, n_loops) -> str | None:
    """Each loop's size as read from one operand must fit every other operand indexing with it."""
    ranges = [DYNAMIC] * n_loops
    for o, m in zip(operands, maps):
        t = o.value.type
        if not isinstance(t, (RankedTensorType, MemRefType)):
            continue
        for r, e in enumerate(m.results):
            if isinstance(e, AffineDimExpr) and ranges[e.position] == DYNAMIC and t.shape[r] != DYNAMIC:
                ranges[e.position] = t.shape[r]
    if any(r == DYNAMIC for r in ranges):
        return None
    for i, (o, m) in enumerate(zip(operands, maps)):
        t = o.value.type
        if not isinstance(t, (RankedTensorType, MemRefType)):
            continue
        for r, e in enumerate(m.results):
            dim = t.shape[r]
            if dim == DYNAMIC:
                continue
            if isinstance(e, AffineDimExpr):
                want = ranges[e.position]
                if want != dim:
                    return (f"inferred input/output operand #{i} has shape's dimension #{r} to be {want}, "
                            f"but found {dim}")
            else:
                hi = e.evaluate([x - 1 for x in ranges]) + 1
                if hi > dim:
                    return (f"inferred input/output operand #{i} has shape's dimension #{r} to be greater than "
                            f"or equal to {hi}, but found {dim}")
    return None
