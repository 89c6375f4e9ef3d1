"""The op definition API: one class declaration per op.

```python
class AddFOp(Op):
    '''Floating-point addition.'''
    name = "arith.addf"
    traits = [Pure, Commutative, SameOperandsAndResultType]
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    fastmath = opt_prop(FastMathFlagsAttr)
    result = result(FloatLike)
    assembly_format = "$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"
```

Declaring the class generates accessors (`op.lhs`, `op.result`), a builder
(`AddFOp(a, b)`), the verifier of the declared constraints, and - from
`assembly_format` - the custom parser and printer. Ops with more than one
variadic or optional operand group get an `operandSegmentSizes` property
as in MLIR (`resultSegmentSizes` likewise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Generic, Sequence, TypeVar, overload

from mlir_py.definition.constraints import AnyType, Constraint, as_constraint
from mlir_py.definition.traits import AllTypesMatch, SameOperandsAndResultType, TypesMatchWith, expand_traits
from mlir_py.ir.builtin_attributes import DenseArrayAttr
from mlir_py.ir.builtin_types import i32
from mlir_py.ir.operation import Block, Operation, OpOperand, OpResult, Region, Value

if TYPE_CHECKING:
    from mlir_py.ir.attributes import Attribute
    from mlir_py.ir.location import Location


class DefinitionError(Exception):
    """An op, attribute or type declaration is inconsistent."""


SINGLE, OPTIONAL, VARIADIC = "single", "optional", "variadic"


T = TypeVar("T")
_OpT = TypeVar("_OpT", bound="Op")


@dataclass
class FieldDef(Generic[T]):
    """A declared operand, result, property, region or successor of an op class.

    The metaclass replaces each declaration by a fast accessor; for type
    checkers and editors the declaration itself reads as a descriptor of `T`,
    so `op.lhs` is known to be a `Value` (`operand()`), `op.result` an
    `OpResult`, `op.body` a `Region`, a `var_*` field a list of those.
    """

    kind: str = SINGLE
    constraint: Constraint = AnyType
    name: str = ""

    if TYPE_CHECKING:
        @overload
        def __get__(self, obj: None, owner: Any) -> FieldDef[T]: ...
        @overload
        def __get__(self, obj: object, owner: Any) -> T: ...
        def __get__(self, obj: Any, owner: Any) -> Any: ...
        def __set__(self, obj: Any, value: T) -> None: ...


@dataclass
class OperandDef(FieldDef[T]):
    """`operand()`, `opt_operand()`, `var_operand()`."""


@dataclass
class ResultDef(FieldDef[T]):
    """`result()`, `opt_result()`, `var_result()`."""


@dataclass
class PropDef(FieldDef[T]):
    """`prop()`, `opt_prop()`: an inherent attribute, kept in `op.properties`."""

    default: Any = None
    #: when True the attribute lives in the discardable dict by upstream convention
    optional: bool = False


@dataclass
class RegionDef(FieldDef[T]):
    """`region()`, `var_region()`."""


@dataclass
class SuccessorDef(FieldDef[T]):
    """`successor()`, `var_successor()`."""


def operand(constraint: Any = AnyType) -> OperandDef[Value]:
    """One operand, checked against `constraint` (a type, a constraint, or a predicate) by the verifier."""
    return OperandDef(SINGLE, as_constraint(constraint))


def opt_operand(constraint: Any = AnyType) -> OperandDef[Value | None]:
    """Zero or one operand; `None` when absent."""
    return OperandDef(OPTIONAL, as_constraint(constraint))


def var_operand(constraint: Any = AnyType) -> OperandDef[list[Value]]:
    """Any number of operands. With more than one optional or variadic group the op gets
    `operandSegmentSizes`, as in MLIR."""
    return OperandDef(VARIADIC, as_constraint(constraint))


def result(constraint: Any = AnyType) -> ResultDef[OpResult]:
    """One result, checked against `constraint`."""
    return ResultDef(SINGLE, as_constraint(constraint))


def opt_result(constraint: Any = AnyType) -> ResultDef[OpResult | None]:
    """Zero or one result; `None` when absent."""
    return ResultDef(OPTIONAL, as_constraint(constraint))


def var_result(constraint: Any = AnyType) -> ResultDef[list[OpResult]]:
    """Any number of results (`resultSegmentSizes` when several groups vary)."""
    return ResultDef(VARIADIC, as_constraint(constraint))


def prop(constraint: Any = None, default: Any = None) -> PropDef[Any]:
    """A required inherent attribute (stored as a property). With a default,
    a missing value is filled in by the builder and parser."""
    return PropDef(SINGLE, as_constraint(constraint), default=default)


def opt_prop(constraint: Any = None, default: Any = None) -> PropDef[Any]:
    """An optional inherent attribute."""
    return PropDef(OPTIONAL, as_constraint(constraint), default=default, optional=True)


def region(constraint: Any = None) -> RegionDef[Region]:
    """One region; `constraint` (e.g. SizedRegion) is checked by the verifier."""
    return RegionDef(SINGLE, as_constraint(constraint))


def var_region(constraint: Any = None) -> RegionDef[list[Region]]:
    """Any number of regions."""
    return RegionDef(VARIADIC, as_constraint(constraint))


def successor() -> SuccessorDef[Block]:
    """One successor block (for terminators)."""
    return SuccessorDef(SINGLE)


def var_successor() -> SuccessorDef[list[Block]]:
    """Any number of successor blocks."""
    return SuccessorDef(VARIADIC)


@dataclass
class OpDefinition:
    name: str
    operands: list[OperandDef] = field(default_factory=list)
    results: list[ResultDef] = field(default_factory=list)
    props: dict[str, PropDef] = field(default_factory=dict)
    regions: list[RegionDef] = field(default_factory=list)
    successors: list[SuccessorDef] = field(default_factory=list)
    trait_instances: dict = field(default_factory=dict)
    operand_segments: bool = False
    result_segments: bool = False
    assembly_format: str | None = None
    custom_verify: Callable | None = None

    def field_names(self) -> set[str]:
        """Every declared field name (they are the keyword arguments of the op's builder)."""
        return ({f.name for f in self.operands} | {f.name for f in self.results} | set(self.props)
                | {f.name for f in self.regions} | {f.name for f in self.successors})


# ----------------------------------------------------------------------------
# Group ranges for variadic operands/results
# ----------------------------------------------------------------------------


def _group_sizes(defs: Sequence[FieldDef], total: int, segments: Any, what: str) -> list[int] | None:
    """Sizes of each declared group given the actual count; None if impossible."""
    if segments is not None:
        sizes = list(segments.values)
        return sizes if len(sizes) == len(defs) else None
    n_var = sum(1 for d in defs if d.kind != SINGLE)
    n_single = len(defs) - n_var
    if n_var == 0:
        return [1] * len(defs) if total == len(defs) else None
    rest = total - n_single
    if rest < 0:
        return None
    # one variadic/optional group takes the rest
    return [1 if d.kind == SINGLE else rest for d in defs]


def _make_operand_getter(idx: int, defs: list[OperandDef], seg_prop: str | None):
    kind = defs[idx].kind
    if all(d.kind == SINGLE for d in defs[:idx + 1]) and kind == SINGLE:
        def get_single(self):
            return self._operands[idx].value
        return get_single

    def get(self):
        start, size = _range(self, idx, defs, len(self._operands), seg_prop)
        vals = [o.value for o in self._operands[start:start + size]]
        if kind == SINGLE:
            return vals[0] if vals else None
        if kind == OPTIONAL:
            return vals[0] if vals else None
        return vals
    return get


def _make_result_getter(idx: int, defs: list[ResultDef], seg_prop: str | None):
    kind = defs[idx].kind
    if all(d.kind == SINGLE for d in defs[:idx + 1]) and kind == SINGLE:
        def get_single(self):
            return self.results[idx]
        return get_single

    def get(self):
        start, size = _range(self, idx, defs, len(self.results), seg_prop)
        vals = self.results[start:start + size]
        if kind != VARIADIC:
            return vals[0] if vals else None
        return vals
    return get


def _range(op: Operation, idx: int, defs: list, total: int, seg_prop: str | None) -> tuple[int, int]:
    seg = op.properties.get(seg_prop) if seg_prop else None
    sizes = _group_sizes(defs, total, seg, "")
    if sizes is None:
        raise IndexError(f"'{op.name}' has {total} values, which do not fit its declared groups")
    return sum(sizes[:idx]), sizes[idx]


def _make_region_getter(idx: int, defs: list[RegionDef]):
    if defs[idx].kind == VARIADIC:
        n_after = len(defs) - idx - 1
        return lambda self: self.regions[idx:len(self.regions) - n_after]
    return lambda self: self.regions[idx]


def _make_successor_getter(idx: int, defs: list[SuccessorDef]):
    if defs[idx].kind == VARIADIC:
        n_after = len(defs) - idx - 1
        return lambda self: self.successors[idx:len(self.successors) - n_after]
    return lambda self: self.successors[idx]


def _make_prop_getter(name: str):
    def get(self):
        return self.properties.get(name)

    def set_(self, value):
        if value is None:
            self.properties.pop(name, None)
        else:
            self.properties[name] = value
    return get, set_


# ----------------------------------------------------------------------------
# The Op base class
# ----------------------------------------------------------------------------


class _OpMeta(type):
    """Turn field declarations into a definition and accessors.

    A metaclass (rather than __init_subclass__) so `__slots__ = ()` can be
    injected: subclasses must stay dict-free for memory.
    """

    def __new__(mcs, clsname, bases, ns, **kw):
        ns.setdefault("__slots__", ())
        fields: dict[str, FieldDef] = {}
        for base in reversed(bases):
            bdef = getattr(base, "_declared_fields", None)
            if bdef:
                fields.update(bdef)
        for k, v in list(ns.items()):
            if isinstance(v, FieldDef):
                fields[k] = v
                del ns[k]
        ns["_declared_fields"] = fields
        cls = super().__new__(mcs, clsname, bases, ns, **kw)
        opname = ns.get("name")
        if not opname or not isinstance(opname, str):
            return cls
        _build_definition(cls, opname, fields)
        return cls


class Op(Operation, metaclass=_OpMeta):
    """Base of registered ops. Subclasses declare fields as class attributes."""

    __slots__ = ()
    name: ClassVar[str] = ""
    traits: ClassVar[Any] = ()
    assembly_format: ClassVar[str | None] = None
    definition: ClassVar[OpDefinition | None] = None
    #: the dialect whose ops may drop their prefix inside this op's regions
    default_dialect: ClassVar[str | None] = None
    _format: ClassVar[Any] = None

    def __init__(self, *operands: Any, result_types: Sequence[Attribute] | None = None,
                 attributes: dict[str, Attribute] | None = None, regions: Sequence[Region] | None = None,
                 successors: Sequence[Block] | None = None, location: Location | None = None, **fields: Any):
        d = self.definition
        if d is None:
            raise DefinitionError(f"{type(self).__name__} is abstract (no op name)")
        groups: list[Any] = list(operands)
        if len(groups) > len(d.operands):
            raise TypeError(f"{d.name} takes {len(d.operands)} operand groups, got {len(groups)}")
        groups += [None] * (len(d.operands) - len(groups))
        props: dict[str, Attribute] = {}
        res_groups: list[Any] = [None] * len(d.results)
        region_groups: list[Any] = [None] * len(d.regions)
        succ_groups: list[Any] = [None] * len(d.successors)
        for k, v in fields.items():
            for i, od in enumerate(d.operands):
                if od.name == k:
                    groups[i] = v
                    break
            else:
                if k in d.props:
                    if v is not None:
                        props[k] = v
                    continue
                for i, rd in enumerate(d.results):
                    if rd.name == k:
                        res_groups[i] = v
                        break
                else:
                    for i, rg in enumerate(d.regions):
                        if rg.name == k:
                            region_groups[i] = v
                            break
                    else:
                        for i, sd in enumerate(d.successors):
                            if sd.name == k:
                                succ_groups[i] = v
                                break
                        else:
                            raise TypeError(f"{d.name} has no field '{k}'")
        flat_operands, operand_sizes = _flatten(groups, d.operands, "operand", d.name)
        for k, p in d.props.items():
            if k not in props and p.default is not None:
                props[k] = p.default
        if d.operand_segments:
            props["operandSegmentSizes"] = _segment_attr(operand_sizes)
        if result_types is None:
            if any(g is not None for g in res_groups):
                result_types, result_sizes = _flatten(res_groups, d.results, "result", d.name)
            else:
                result_types = type(self).infer_result_types(flat_operands, props)
                result_sizes = None
        else:
            result_types = list(result_types)
            result_sizes = None
        if d.result_segments:
            if result_sizes is None:
                result_sizes = _group_sizes(d.results, len(result_types), None, "result") or []
            props["resultSegmentSizes"] = _segment_attr(result_sizes)
        if regions is None:
            regions = []
            for i, rd in enumerate(d.regions):
                g = region_groups[i]
                if rd.kind == VARIADIC:
                    regions.extend(g or [])
                else:
                    regions.append(g if g is not None else Region())
        if successors is None:
            successors = []
            for i, sd in enumerate(d.successors):
                g = succ_groups[i]
                if sd.kind == VARIADIC:
                    successors.extend(g or [])
                elif g is not None:
                    successors.append(g)
        Operation.__init__(self, d.name, flat_operands, result_types, props, attributes,
                           regions, successors, location)

    @classmethod
    def create(cls: type[_OpT], operands: Sequence[Any] = (), result_types: Sequence[Attribute] = (),
               properties: dict | None = None, attributes: dict | None = None,
               regions: Sequence[Region] | int = (), successors: Sequence[Block] = (),
               location: Location | None = None) -> _OpT:
        """Build from flat lists, bypassing field mapping (parsers, cloning)."""
        op = cls.__new__(cls)
        Operation.__init__(op, cls.name, operands, result_types, properties, attributes,
                           regions, successors, location)
        return op

    @classmethod
    def _create_parsed(cls, operands, result_types, props, attrs, regions, successors):
        """The assembly-format parsers' constructor: containers are fresh, take them."""
        return Operation._create_owned.__func__(cls, cls.name, operands, result_types, props, attrs,
                                                regions, successors, None)

    @classmethod
    def infer_result_types(cls, operands: list[Any], props: dict) -> list[Attribute]:
        """Result types when the builder is not given them.

        The default uses what the definition declares: SameOperandsAndResultType,
        a fixed-type constraint (`I1`), AllTypesMatch with an operand, and
        TypesMatchWith from an operand or property; optional and variadic
        results nothing determines are left empty. Ops override this for
        other rules."""
        d = cls.definition
        if not d.results:
            return []
        if SameOperandsAndResultType in cls.traits and operands:
            return [operands[0].type] * len(d.results)
        sizes = _group_sizes(d.operands, len(operands), props.get("operandSegmentSizes"), "operand")
        known: dict[str, Attribute] = {}
        if sizes is not None:
            start = 0
            for od, n in zip(d.operands, sizes):
                if od.kind != VARIADIC and n == 1:
                    known[od.name] = operands[start].type
                start += n
        traits = list(d.trait_instances.values())
        out: list[Attribute] = []
        for rd in d.results:
            t = getattr(rd.constraint, "fixed_type", None)
            for tr in traits:
                if t is not None:
                    break
                if isinstance(tr, AllTypesMatch) and rd.name in tr.names:
                    t = next((known[n] for n in tr.names if n in known), None)
                elif isinstance(tr, TypesMatchWith) and tr.rhs == rd.name:
                    src = known.get(tr.lhs)
                    if src is None and tr.lhs in props:
                        src = getattr(props[tr.lhs], "type", props[tr.lhs])
                    if src is not None:
                        t = tr.transform(src)
            if t is not None:
                out.append(t)
            elif rd.kind == SINGLE:
                raise TypeError(f"{d.name}: result types cannot be inferred; pass result_types=[...]")
        return out

    # Hooks a definition may override.
    def verify_(self) -> str | None:
        """Op-specific checks that no declaration can express."""
        return None

    def fold(self, operands: list[Attribute | None]) -> Any:
        """Fold hook: return None (no fold), an attribute or a value per result."""
        return None

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        """Patterns `canonicalize` applies to this op (upstream's getCanonicalizationPatterns); none by default."""
        return []

    def emit_op_error(self, message: str):
        """Report `'<op name>' op <message>` at this op, as upstream's emitOpError; returns the diagnostic."""
        return self.emit_error(f"'{self.name}' op {message}")


def _segment_attr(sizes: list[int]):
    return DenseArrayAttr(i32, tuple(sizes))


def _flatten(groups: list[Any], defs: Sequence[FieldDef], what: str, opname: str) -> tuple[list, list[int]]:
    flat, sizes = [], []
    for g, fd in zip(groups, defs):
        if fd.kind == SINGLE:
            if g is None:
                raise TypeError(f"{opname}: missing {what} '{fd.name}'")
            if isinstance(g, (list, tuple)):
                raise TypeError(f"{opname}: {what} '{fd.name}' takes one value, got a list")
            flat.append(g)
            sizes.append(1)
        elif fd.kind == OPTIONAL:
            if g is None or (isinstance(g, (list, tuple)) and not g):
                sizes.append(0)
            else:
                flat.append(g[0] if isinstance(g, (list, tuple)) else g)
                sizes.append(1)
        else:
            g = list(g or [])
            flat.extend(g)
            sizes.append(len(g))
    return flat, sizes


# ----------------------------------------------------------------------------
# Class construction
# ----------------------------------------------------------------------------


def _build_definition(cls, opname: str, fields: dict[str, FieldDef]) -> None:
    if "." not in opname:
        raise DefinitionError(f"{cls.__name__}: op name '{opname}' must be 'dialect.op'")
    d = OpDefinition(opname)
    for k, f in fields.items():
        f = FieldDef.__new__(type(f))
        f.__dict__.update(fields[k].__dict__)
        f.name = k
        if isinstance(f, OperandDef):
            d.operands.append(f)
        elif isinstance(f, ResultDef):
            d.results.append(f)
        elif isinstance(f, PropDef):
            d.props[k] = f
        elif isinstance(f, RegionDef):
            d.regions.append(f)
        elif isinstance(f, SuccessorDef):
            d.successors.append(f)
    d.operand_segments = sum(1 for o in d.operands if o.kind != SINGLE) > 1
    d.result_segments = sum(1 for o in d.results if o.kind != SINGLE) > 1
    if sum(1 for r in d.regions if r.kind == VARIADIC) > 1:
        raise DefinitionError(f"{opname}: at most one variadic region group is supported")
    if sum(1 for s in d.successors if s.kind == VARIADIC) > 1:
        raise DefinitionError(f"{opname}: at most one variadic successor group is supported")
    reserved = set(dir(Operation)) - {"result"}
    for k in fields:
        if k in reserved:
            raise DefinitionError(f"{opname}: field name '{k}' clashes with an Operation attribute")
    inst, keys = expand_traits(cls.traits)
    d.trait_instances = {}
    for tcls, t in inst.items():
        for c in type(t).__mro__:
            d.trait_instances.setdefault(c, t)
    d.assembly_format = cls.assembly_format
    cls.traits = keys
    cls.definition = d
    seg = "operandSegmentSizes" if d.operand_segments else None
    rseg = "resultSegmentSizes" if d.result_segments else None
    for i, o in enumerate(d.operands):
        setattr(cls, o.name, property(_make_operand_getter(i, d.operands, seg)))
    for i, r in enumerate(d.results):
        setattr(cls, r.name, property(_make_result_getter(i, d.results, rseg)))
    for k in d.props:
        setattr(cls, k, property(*_make_prop_getter(k)))
    for i, r in enumerate(d.regions):
        setattr(cls, r.name, property(_make_region_getter(i, d.regions)))
    for i, s in enumerate(d.successors):
        setattr(cls, s.name, property(_make_successor_getter(i, d.successors)))
    cls._format = None
    if cls.__doc__ is None:
        cls.__doc__ = f"The '{opname}' operation."


__all__ = [
    "Op", "OpDefinition", "DefinitionError", "operand", "opt_operand", "var_operand", "result",
    "opt_result", "var_result", "prop", "opt_prop", "region", "var_region", "successor",
    "var_successor", "OpOperand", "OpResult",
]
