"""Op traits and interfaces.

A trait is a class; ops list traits (classes or configured instances) in
their definition. `op.has_trait(Pure)` is a set lookup. Traits that can be
checked declaratively carry a `verify(op) -> message | None`; interfaces are
traits whose methods the op implements (`CallOpInterface.get_callee`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlir_py.ir.builtin_attributes import StringAttr
from mlir_py.ir.builtin_types import DYNAMIC, ShapedType, TensorType, VectorType

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation


class Trait:
    """Base of op traits and interfaces (MLIR's OpTrait / OpInterface), listed in an op's `traits`.

    List the class (`Pure`) or, for parametrized traits, an instance (`HasParent("func.func")`);
    `op.has_trait(Pure)` is a set lookup on the class, `op.get_trait(HasParent)` returns the instance. A
    subclass overrides `verify` for what the trait promises; many traits only mark a property that passes and
    folders query (Commutative, ConstantLike, ReturnLike, ...).
    """

    #: traits implied by this one (Pure implies NoMemoryEffect...)
    implies: ClassVar[tuple[type, ...]] = ()
    #: the verdict depends only on operand/result types (the verifier memoizes it)
    types_only: ClassVar[bool] = False

    def verify(self, op: Operation) -> str | None:
        """Check that `op` keeps the trait's promise: None when it does, else the message.

        The verifier prefixes the message with `'op.name' op ` (as upstream's emitOpError) and runs trait checks
        before the op's own `verify_`; a check that already emitted its own diagnostics returns "".
        """
        return None

    def __repr__(self) -> str:
        return type(self).__name__


def _shape(t):
    return getattr(t, "shape", None)


def _element_type(t):
    return getattr(t, "element_type", t)


def compatible_shapes(types) -> bool:
    """MLIR's verifyCompatibleShapes: all shaped or none; scalable vectors only
    with scalable vectors; equal ranks among ranked ones; dims equal or dynamic."""
    types = list(types)
    shaped = [t for t in types if isinstance(t, ShapedType)]
    if not shaped:
        return True
    if len(shaped) != len(types):
        return False
    scalable = [isinstance(t, VectorType) and any(t.scalable_dims) for t in types]
    if any(scalable) and not all(scalable):
        return False
    shapes = [t.shape for t in shaped if t.has_rank]
    if not shapes:
        return True
    if any(len(s) != len(shapes[0]) for s in shapes):
        return False
    for dims in zip(*shapes):
        static = {d for d in dims if d != DYNAMIC}
        if len(static) > 1:
            return False
    return True


# -- structural ---------------------------------------------------------------


class Terminator(Trait):
    """The op ends its block (MLIR's IsTerminator); an SSACFG block must end in one."""

    def verify(self, op):
        b = op.parent
        if b is not None and b._last is not op:
            return "must be the last operation in the parent block"
        return None


class NoTerminator(Trait):
    """Regions of this op's blocks need no terminator (builtin.module)."""


class IsolatedFromAbove(Trait):
    """Regions cannot use values defined outside the op."""


class SingleBlock(Trait):
    """Each region holds at most one block (MLIR's SingleBlock)."""

    def verify(self, op):
        for i, r in enumerate(op.regions):
            if not r.is_empty() and not r.has_one_block():
                return f"expects region #{i} to have 0 or 1 blocks"
        return None


class SingleBlockImplicitTerminator(SingleBlock):
    """A single block whose terminator the custom syntax may omit."""

    def __init__(self, terminator: str = ""):
        self.terminator = terminator


class HasParent(Trait):
    """The op must sit directly in one of the named ops (`HasParent("func.func")`, MLIR's HasParent / ParentOneOf)."""

    def __init__(self, *parents: str):
        self.parents = parents

    def verify(self, op):
        p = op.parent_op
        if p is None or p.name not in self.parents:
            names = ", ".join(f"'{n}'" for n in self.parents)
            return f"expects parent op {'to be one of ' if len(self.parents) > 1 else ''}{names}"
        return None


class AffineScope(Trait):
    """Marks an op that opens a new affine symbol scope (as `func.func` upstream): the affine dialect's dim and
    symbol rules start over at its regions."""


class AutomaticAllocationScope(Trait):
    """Marks an op whose region frees `memref.alloca` memory on exit (as `func.func`); a marker."""


class RecursiveMemoryEffects(Trait):
    """The op's effects are those of the ops in its regions."""


# -- symbols ------------------------------------------------------------------


class SymbolTable(Trait):
    """The op's regions define a symbol table (MLIR's SymbolTable): symbol names of the nested ops are unique.

    Symbol lookup (`mlir_py.analysis.symbols.lookup_symbol`) searches the nearest such op.
    """

    def verify(self, op):
        seen = {}
        for r in op.regions:
            for b in r.blocks:
                for child in b.ops:
                    sym = child.properties.get("sym_name") or child.attributes.get("sym_name")
                    if not isinstance(sym, StringAttr):
                        continue  # as MLIR: only a string `sym_name` names a symbol
                    name = sym.value
                    if name in seen:
                        d = child.emit_error(f"redefinition of symbol named '{name}'")
                        d.attach_note("see existing symbol definition here", seen[name].location)
                        return ""
                    seen[name] = child
        return None


class Symbol(Trait):
    """The op defines a symbol: it must have a `sym_name` string attribute (MLIR's Symbol interface)."""

    def verify(self, op):
        if op.get_attr("sym_name") is None:
            return "requires string attribute 'sym_name'"
        return None


# -- types --------------------------------------------------------------------


class SameOperandsAndResultType(Trait):
    """All operands and results have one type (MLIR's SameOperandsAndResultType); lets formats spell one type."""

    types_only = True

    def verify(self, op):
        types = [o.value.type for o in op._operands] + [r.type for r in op.results]
        if types and any(t is not types[0] for t in types):
            return "requires the same type for all operands and results"
        return None


class SameTypeOperands(Trait):
    """All operands have one type."""

    types_only = True

    def verify(self, op):
        types = [o.value.type for o in op._operands]
        if types and any(t is not types[0] for t in types):
            return "requires all operands to have the same type"
        return None


class SameOperandsAndResultShape(Trait):
    """Operands and results have compatible shapes (a dynamic dim matches any size)."""

    types_only = True

    def verify(self, op):
        types = [o.value.type for o in op._operands] + [r.type for r in op.results]
        if not compatible_shapes(types):
            return "requires the same shape for all operands and results"
        return None


class SameOperandsAndResultElementType(Trait):
    """Operands and results have one element type (the type itself for scalars)."""

    types_only = True

    def verify(self, op):
        types = [o.value.type for o in op._operands] + [r.type for r in op.results]
        if len({_element_type(t) for t in types}) > 1:
            return "requires the same element type for all operands and results"
        return None


class SameOperandsShape(Trait):
    """Operands have compatible shapes (a dynamic dim matches any size)."""

    types_only = True

    def verify(self, op):
        if not compatible_shapes(o.value.type for o in op._operands):
            return "requires the same shape for all operands"
        return None


class SameOperandsElementType(Trait):
    """Operands have one element type (the type itself for scalars)."""

    types_only = True

    def verify(self, op):
        if len({_element_type(o.value.type) for o in op._operands}) > 1:
            return "requires the same element type for all operands"
        return None


class AllTypesMatch(Trait):
    """The named operands/results/attributes' types are all equal."""

    def __init__(self, *names: str):
        self.names = names

    def verify(self, op):
        types = []
        for n in self.names:
            v = getattr(op, n)
            if v is None:
                continue
            t = getattr(v, "type", v)
            types.append(t)
        if any(t is not types[0] for t in types[1:]):
            # a trailing `_` only dodges a Python name clash (`operand_`): upstream's name has none
            return f"failed to verify that all of {{{', '.join(n.rstrip('_') for n in self.names)}}} have same type"
        return None


class TypesMatchWith(Trait):
    """`rhs`'s type is `transform(lhs's type)` (memref.load: result = element type).

    Checked by the verifier, and used by assembly formats to infer the type
    of `rhs` when the format only spells `lhs`'s."""

    def __init__(self, lhs: str, rhs: str, transform, description: str = ""):
        self.lhs = lhs
        self.rhs = rhs
        self.transform = transform
        self.description = description or f"type of '{rhs}' matches '{lhs}'"

    def verify(self, op):
        a = getattr(op, self.lhs)
        b = getattr(op, self.rhs)
        if a is None or b is None:
            return None
        ta = getattr(a, "type", a)
        if isinstance(b, list):
            tb = [getattr(x, "type", x) for x in b]
            try:
                want = self.transform(ta)
            except (AttributeError, TypeError, ValueError):
                return f"failed to verify that {self.description}"
            if any(t is not want for t in tb):
                return f"failed to verify that {self.description}"
            return None
        tb = getattr(b, "type", b)
        try:
            ok = self.transform(ta) is tb
        except (AttributeError, TypeError, ValueError):
            ok = False
        return None if ok else f"failed to verify that {self.description}"


class Elementwise(Trait):
    """The op applies to each element (MLIR's Elementwise): vector/tensor operands and results share a shape,
    scalars broadcast.
    """

    types_only = True

    def verify(self, op):
        # MLIR's verifyElementwise: vectors/tensors are mappable, scalars broadcast
        mappable = (VectorType, TensorType)
        res = [r.type for r in op.results if isinstance(r.type, mappable)]
        opd = [o.value.type for o in op._operands if isinstance(o.value.type, mappable)]
        if not res and not opd:
            return None
        if res and not opd:
            return "if a result is non-scalar, then at least one operand must be non-scalar"
        if not res:
            return "if an operand is non-scalar, then there must be at least one non-scalar result"
        if len(res) != len(op.results):
            return "if an operand is non-scalar, then all results must be non-scalar"
        types = opd + res
        if any(type(t) is not type(types[0]) for t in types) or not compatible_shapes(types):
            return "all non-scalar operands/results must have the same shape and base type"
        return None


class Scalarizable(Trait):
    """Elementwise op that may be applied to scalars (MLIR's Scalarizable); a marker."""


class Vectorizable(Trait):
    """Elementwise op that may be applied to vectors (MLIR's Vectorizable); a marker."""


class Tensorizable(Trait):
    """Elementwise op that may be applied to tensors (MLIR's Tensorizable); a marker."""


# -- semantics ----------------------------------------------------------------


class Commutative(Trait):
    """Operand order does not matter: folding moves constants to the right, so patterns match one order only."""


class Idempotent(Trait):
    """`f(f(x)) = f(x)` (and `f(x, x) = x` for binary ops): the folder applies it without a fold hook."""


class Involution(Trait):
    """`f(f(x)) = x`: the folder applies it without a fold hook."""


class ConstantLike(Trait):
    """The op materializes a constant (its `value` attribute); folding and the greedy driver read and deduplicate it."""


class ReturnLike(Trait):
    """A terminator returning control and values to the parent op (as `func.return`); the inliner rewrites these."""


# -- memory effects -------------------------------------------------------------


class MemoryEffect:
    """An effect on a resource; `value` is the affected operand/result or None."""

    kind: ClassVar[str] = ""

    def __init__(self, value: Any = None, resource: str = "default"):
        self.value = value
        self.resource = resource

    def __repr__(self) -> str:
        return f"{self.kind}({self.value!r})"


class Allocate(MemoryEffect):
    """Effect: allocates the resource (memref.alloc's result)."""

    kind = "allocate"


class Free(MemoryEffect):
    """Effect: frees the resource (memref.dealloc's operand)."""

    kind = "free"


class Read(MemoryEffect):
    """Effect: reads the resource (memref.load's `memref`)."""

    kind = "read"


class Write(MemoryEffect):
    """Effect: writes the resource (memref.store's `memref`)."""

    kind = "write"


class MemoryEffects(Trait):
    """Declared effects. Each entry is an effect class, optionally tied to a
    field name: `MemoryEffects(Read("memref"))` reads the `memref` operand."""

    def __init__(self, *effects: MemoryEffect | type):
        self.effects = tuple(e() if isinstance(e, type) else e for e in effects)

    def get_effects(self, op: Operation) -> list[MemoryEffect]:
        """The declared effects with field names replaced by `op`'s values (e.g. `Read(<the memref operand>)`)."""
        out = []
        for e in self.effects:
            v = getattr(op, e.value) if isinstance(e.value, str) else e.value
            out.append(type(e)(v, e.resource))
        return out


class NoMemoryEffect(MemoryEffects):
    """The op has no memory effects: dead-code elimination may erase it when unused (part of `Pure`)."""

    def __init__(self):
        super().__init__()


class AlwaysSpeculatable(Trait):
    """The op may be executed speculatively, e.g. hoisted out of a loop (part of `Pure`)."""


class Pure(Trait):
    """No memory effects and always speculatable (MLIR's Pure): unused, it is dead (`is_trivially_dead`); CSE may
    merge duplicates.
    """

    implies = (NoMemoryEffect, AlwaysSpeculatable)


def get_memory_effects(op: Operation) -> list[MemoryEffect] | None:
    """The op's effects, or None when unknown (treat as any effect)."""
    t = op.get_trait(MemoryEffects) or op.get_trait(NoMemoryEffect)
    if hasattr(op, "get_effects"):
        return op.get_effects()
    if t is not None:
        effects = t.get_effects(op)
    elif op.has_trait(RecursiveMemoryEffects):
        effects = []
    else:
        return None
    if op.has_trait(RecursiveMemoryEffects):
        for r in op.regions:
            for nested in r.walk():
                sub = get_memory_effects(nested)
                if sub is None:
                    return None
                effects.extend(sub)
    return effects


def is_pure(op: Operation) -> bool:
    """No memory effects at all (recursively for region ops)."""
    effects = get_memory_effects(op)
    return effects is not None and not effects


# -- speculation ----------------------------------------------------------------


class Speculation:
    """What `get_speculatability()` returns (MLIR's `Speculation::Speculatability`)."""

    NOT_SPECULATABLE = "not_speculatable"
    SPECULATABLE = "speculatable"
    #: speculatable if every op in its regions is (scf.if, a loop known to terminate)
    RECURSIVELY_SPECULATABLE = "recursively_speculatable"


class RecursivelySpeculatable(Trait):
    """The op may be executed speculatively when all ops in its regions may
    (MLIR's RecursivelySpeculatableImplTrait)."""


def is_speculatable(op: Operation) -> bool:
    """Whether executing `op` where it would not have run is harmless: no
    undefined behaviour, no trap, termination (MLIR's `isSpeculatable`).

    AlwaysSpeculatable (implied by Pure) says yes; RecursivelySpeculatable
    asks the ops in the regions; an op may instead define
    `get_speculatability() -> Speculation.*` (ConditionallySpeculatable ops
    such as a division, speculatable only for a known non-zero divisor).
    Anything else is not speculatable."""
    fn = getattr(op, "get_speculatability", None)
    if fn is not None:
        kind = fn()
    elif AlwaysSpeculatable in op.traits:
        kind = Speculation.SPECULATABLE
    elif RecursivelySpeculatable in op.traits:
        kind = Speculation.RECURSIVELY_SPECULATABLE
    else:
        return False
    if kind == Speculation.SPECULATABLE:
        return True
    if kind != Speculation.RECURSIVELY_SPECULATABLE:
        return False
    for r in op.regions:
        for b in r.blocks:
            for nested in b.ops:
                if not is_speculatable(nested):
                    return False
    return True


# -- regions --------------------------------------------------------------------


class RegionKind:
    """The two kinds of region (MLIR's RegionKind): SSACFG (dominance, terminators) and GRAPH (neither)."""

    SSACFG = "ssacfg"
    GRAPH = "graph"


class HasOnlyGraphRegion(Trait):
    """All regions of the op are graph regions (no dominance, no terminator needed)."""


def region_kind(op: Operation, index: int) -> str:
    """The kind of `op`'s region `index`: GRAPH for HasOnlyGraphRegion ops, else the op's `get_region_kind(i)`,
    else SSACFG.
    """
    if op.definition is None:
        return RegionKind.SSACFG
    if HasOnlyGraphRegion in op.traits:
        return RegionKind.GRAPH
    fn = getattr(op, "get_region_kind", None)
    return fn(index) if fn is not None else RegionKind.SSACFG


# -- interfaces ---------------------------------------------------------------


class CallOpInterface(Trait):
    """Ops implement `get_callee() -> SymbolRefAttr | Value` and `get_arg_operands()`."""


class CallableOpInterface(Trait):
    """Ops implement `get_callable_region()`, `get_argument_types()`, `get_result_types()`."""


class BranchOpInterface(Trait):
    """Ops implement `get_successor_operands(index) -> list[Value]`."""

    def verify(self, op):
        for i, succ in enumerate(op.successors):
            operands = op.get_successor_operands(i)
            # upstream emits these without the "'op' op" prefix
            if len(operands) != len(succ.args):
                op.emit_error(f"branch has {len(operands)} operands for successor #{i}, "
                              f"but target block has {len(succ.args)}")
                return ""
            for j, (v, a) in enumerate(zip(operands, succ.args)):
                if v.type is not a.type:
                    op.emit_error(f"type mismatch for bb argument #{j} of successor #{i}")
                    return ""
        return None


class RegionBranchOpInterface(Trait):
    """Marks ops whose regions branch among themselves and back to the op (scf.if/for upstream); a marker here."""


class LoopLikeOpInterface(Trait):
    """A loop: its regions run any number of times (scf.for, affine.for, ...).

    The interface methods are called through the trait,
    `LoopLikeOpInterface.get_loop_regions(op)`; each uses the op's own method
    of the same name (without the `op` argument) when the op class defines
    one, else the default below. loop-invariant-code-motion relies on them.
    """

    @staticmethod
    def get_loop_regions(op: Operation) -> list:
        """The regions that form the loop body; default: all of the op's regions."""
        fn = getattr(type(op), "get_loop_regions", None)
        return list(fn(op)) if fn is not None else list(op.regions)

    @staticmethod
    def is_defined_outside_of_loop(op: Operation, value: Any) -> bool:
        """Whether `value` is defined outside the loop; default: its defining
        block is not nested in `op`."""
        fn = getattr(type(op), "is_defined_outside_of_loop", None)
        if fn is not None:
            return fn(op, value)
        block = getattr(value, "parent_block", None)
        region = None if block is None else block.parent
        owner = None if region is None else region.parent
        return owner is None or not op.is_ancestor(owner)

    @staticmethod
    def move_out_of_loop(op: Operation, inner: Operation) -> None:
        """Hoist the invariant `inner` out of the loop; default: right before `op`."""
        fn = getattr(type(op), "move_out_of_loop", None)
        if fn is not None:
            fn(op, inner)
        else:
            inner.move_before(op)


class SymbolUserOpInterface(Trait):
    """Marks ops that reference symbols (func.call); their op-specific symbol checks live in `verify_`."""


class OpAsmOpInterface(Trait):
    """The op names its results or regions' arguments for printing (`get_asm_result_name`), as upstream's
    OpAsmOpInterface.
    """


class ViewLikeOpInterface(Trait):
    """The result is a view of an operand's memory (memref.subview, memref.cast); a marker for aliasing analyses."""


class CastOpInterface(Trait):
    """A cast between types (arith.extsi, memref.cast); its op decides which casts are compatible."""


class ConditionallySpeculatable(Trait):
    """Speculatable depending on operands (integer division): the op defines `get_speculatability()`."""


def expand_traits(traits) -> tuple[dict[type, Trait], frozenset]:
    """Instantiate trait classes and add implied traits."""
    instances: dict[type, Trait] = {}
    todo = list(traits)
    while todo:
        t = todo.pop(0)
        inst = t() if isinstance(t, type) else t
        cls = type(inst)
        if cls in instances:
            continue
        instances[cls] = inst
        todo.extend(cls.implies)
    keys = set()
    for cls in instances:
        keys.update(c for c in cls.__mro__ if issubclass(c, Trait) and c is not Trait)
    return instances, frozenset(keys)
