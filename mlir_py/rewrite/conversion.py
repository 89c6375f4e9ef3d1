"""Dialect conversion: rewrite every op a `ConversionTarget` calls illegal.

Design (how this differs from upstream MLIR while keeping its contract):

- *Mutations are applied at once and journaled.* The conversion rewriter
  records an undo step for each primitive change (insert, move, erase,
  operand change, block move, block signature, in-place modification), so a
  pattern whose result cannot be legalized is undone and the next pattern is
  tried, and a failed conversion restores the IR exactly (same op objects,
  so handles held by callers stay valid). Erased ops are only unlinked, their
  operand uses dropped, and are restored on undo.
- *Type changes are bridged in the IR.* Replacing a value by values of other
  types (or by several values, 1:N) inserts a `builtin.unrealized_conversion_cast`
  from the new values to the old type ("source materialization") and moves
  the uses to it. Adaptors look through those casts, so a converted user sees
  the new values; a user converted with a TypeConverter whose operand still
  has an illegal type gets a cast to the converted type ("target
  materialization"). At the end, cast pairs that cancel out are folded away,
  dead casts are erased, and remaining ones are offered to the
  TypeConverter's materialization callbacks (default: keep the cast, for a
  later `reconcile-unrealized-casts`).
- Ops are legalized parent first (pre-order; blocks of a region in reverse
  post-order, so producers tend to come before users). An illegal op is
  folded if possible, else offered to its patterns by benefit; the ops a
  pattern creates or modifies must in turn be legal or legalizable (a
  pattern is not re-applied to ops created by its own application).

A full conversion fails when any op is left illegal (or a cast stays live
that the target does not accept); a partial conversion only when an op
explicitly marked illegal stays. On failure everything is undone and an
error `failed to legalize operation 'x.y'` is reported at each offending op.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from mlir_py.builtin import UnrealizedConversionCastOp
from mlir_py.definition.traits import ConstantLike
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.diagnostics import emit
from mlir_py.ir.operation import Block, BlockArgument, IRError, Operation, OpOperand, OpResult, Region, Value
from mlir_py.rewrite.folding import can_fold, fold_op
from mlir_py.rewrite.pattern import (
    _UNSET,
    FrozenPatternSet,
    PatternRewriter,
    RewritePattern,
    as_pattern_set,
)
from mlir_py.support.user_errors import must_propagate, user_code_error

# ----------------------------------------------------------------------------
# Target
# ----------------------------------------------------------------------------

LEGAL, DYNAMIC, ILLEGAL = "legal", "dynamic", "illegal"
LegalityFn = Callable[[Operation], "bool | None"]


def _op_names(ops: Any) -> list[str]:
    if isinstance(ops, (str, type)):
        ops = [ops]
    out = []
    for o in ops:
        name = o if isinstance(o, str) else getattr(o, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"not an op class or name: {o!r}")
        out.append(name)
    return out


def _dialect_names(dialects: Any) -> list[str]:
    if isinstance(dialects, str) or not isinstance(dialects, Iterable):
        dialects = [dialects]
    return [d if isinstance(d, str) else d.name for d in dialects]


class ConversionTarget:
    """Which ops may remain after a conversion.

    Ops are looked up by name first, then by dialect, then fall back to the
    unknown-op rule. A dynamic rule is a callback `fn(op) -> bool | None`
    (None: not legal, but not explicitly illegal either).
    """

    def __init__(self):
        self._ops: dict[str, tuple[str, LegalityFn | None]] = {}
        self._dialects: dict[str, tuple[str, LegalityFn | None]] = {}
        self._unknown: LegalityFn | None = None
        self._recursive: dict[str, LegalityFn | None] = {}

    def add_legal_op(self, *ops: Any) -> None:
        """These ops (classes or names) may remain after the conversion."""
        for n in _op_names(ops):
            self._ops[n] = (LEGAL, None)

    def add_illegal_op(self, *ops: Any) -> None:
        """These ops must be converted; a partial conversion fails if one remains."""
        for n in _op_names(ops):
            self._ops[n] = (ILLEGAL, None)

    def add_dynamically_legal_op(self, ops: Any, fn: LegalityFn) -> None:
        """These ops are legal when `fn(op)` is true (None: not legal, yet not explicitly illegal)."""
        for n in _op_names(ops):
            self._ops[n] = (DYNAMIC, fn)

    def add_legal_dialect(self, *dialects: Any) -> None:
        """Every op of these dialects (objects or names) may remain, unless an op rule says otherwise."""
        for n in _dialect_names(dialects):
            self._dialects[n] = (LEGAL, None)

    def add_illegal_dialect(self, *dialects: Any) -> None:
        """Every op of these dialects must be converted, unless an op rule says otherwise."""
        for n in _dialect_names(dialects):
            self._dialects[n] = (ILLEGAL, None)

    def add_dynamically_legal_dialect(self, dialects: Any, fn: LegalityFn) -> None:
        """Ops of these dialects are legal when `fn(op)` is true."""
        for n in _dialect_names(dialects):
            self._dialects[n] = (DYNAMIC, fn)

    def mark_unknown_ops_dynamically_legal(self, fn: LegalityFn = lambda op: True) -> None:
        """Ops no rule names are legal when `fn(op)` is (default: always); without this they are not legal."""
        self._unknown = fn

    def mark_op_recursively_legal(self, ops: Any, fn: LegalityFn | None = None) -> None:
        """When legal, the op's nested ops are legal too and left untouched."""
        for n in _op_names(ops):
            self._recursive[n] = fn

    def _info(self, op: Operation) -> tuple[str, LegalityFn | None] | None:
        name = op.name
        info = self._ops.get(name)
        if info is None:
            info = self._dialects.get(name.split(".", 1)[0])
        if info is None and self._unknown is not None:
            info = (DYNAMIC, self._unknown)
        return info

    def get_op_action(self, op: Operation) -> str | None:
        """`"legal"`, `"illegal"` or `"dynamic"` for the rule that applies to `op`, None when none does."""
        info = self._info(op)
        return None if info is None else info[0]

    def is_legal(self, op: Operation) -> bool:
        """Whether `op` may remain (a dynamic rule is evaluated now)."""
        info = self._info(op)
        if info is None:
            return False
        action, fn = info
        if action == DYNAMIC and fn is not None:
            return bool(fn(op))
        return action == LEGAL

    def is_illegal(self, op: Operation) -> bool:
        """Whether `op` must be converted: an illegal rule, or a dynamic rule answering False (not None)."""
        info = self._info(op)
        if info is None:
            return False
        action, fn = info
        if action == DYNAMIC and fn is not None:
            r = fn(op)
            return r is not None and not r
        return action == ILLEGAL

    def is_recursively_legal(self, op: Operation) -> bool:
        """Legal and marked recursively legal: its nested ops are left untouched."""
        if op.name not in self._recursive or not self.is_legal(op):
            return False
        fn = self._recursive[op.name]
        return fn is None or bool(fn(op))


# ----------------------------------------------------------------------------
# Types
# ----------------------------------------------------------------------------


class SignatureConversion:
    """How the arguments of a block (or a function) map to new ones: each
    original input becomes a run of new inputs, or an existing value, or
    nothing."""

    def __init__(self, num_inputs: int):
        self._mapping: list[tuple[int, int] | Value | None] = [None] * num_inputs
        self.converted_types: list[Attribute] = []

    @property
    def num_inputs(self) -> int:
        """The number of original inputs."""
        return len(self._mapping)

    def add_inputs(self, index_or_types: int | Sequence[Attribute], types: Sequence[Attribute] | None = None) -> None:
        """`add_inputs(i, types)`: input i becomes `types`; `add_inputs(types)`:
        append new inputs that no original input maps to."""
        if types is None:
            if isinstance(index_or_types, int):
                raise TypeError("add_inputs(index) needs the types the input becomes")
            self.converted_types.extend(index_or_types)
            return
        if not isinstance(index_or_types, int):
            raise TypeError("add_inputs(types, types) - did you mean add_inputs(index, types)?")
        self._mapping[index_or_types] = (len(self.converted_types), len(types))
        self.converted_types.extend(types)

    def remap_input(self, index: int, value: Value) -> None:
        """Input `index` is replaced by the existing `value` instead of new inputs."""
        self._mapping[index] = value

    def input_mapping(self, index: int) -> tuple[int, int] | Value | None:
        """For input `index`: `(first, count)` of its new inputs, an existing Value, or None (dropped)."""
        return self._mapping[index]

    def is_identity(self, types: Sequence[Attribute]) -> bool:
        """Each input maps to one new input of the same type (`types` are the originals): nothing to do."""
        return (list(types) == self.converted_types
                and all(m == (i, 1) for i, m in enumerate(self._mapping)))


class TypeConverter:
    """Ordered type conversion callbacks plus materializations.

    `add_conversion(fn)`: `fn(type)` returns a type, a list of types (1:N,
    `[]` drops the value) or None to let the next callback try. Callbacks
    added last are tried first, as in MLIR, so a catch-all identity
    conversion is added first. Results are cached per type.

    Materializations `fn(rewriter, type_or_types, inputs, location)` return
    a Value (or values) built at the rewriter's insertion point, or None.
    Source ones rebuild an old-typed value from new values, target ones the
    converted value(s) from an unconverted value. They run when a
    conversion finishes, on the casts still needed; without one the
    `builtin.unrealized_conversion_cast` stays.
    """

    def __init__(self):
        self._conversions: list[Callable[[Attribute], Any]] = []
        self._source: list[Callable] = []
        self._target: list[Callable] = []
        self._cache: dict[Attribute, tuple | None] = {}

    def add_conversion(self, fn: Callable[[Attribute], Any]) -> Callable:
        """Add a conversion callback (tried before those added earlier); usable as a decorator."""
        self._conversions.append(fn)
        self._cache.clear()
        return fn

    def add_source_materialization(self, fn: Callable) -> Callable:
        """Add `fn(rewriter, old_type, new_values, loc)` rebuilding an old-typed value; usable as a decorator."""
        self._source.append(fn)
        return fn

    def add_target_materialization(self, fn: Callable) -> Callable:
        """Add `fn(rewriter, new_type_or_types, [old_value], loc)` converting a value; usable as a decorator."""
        self._target.append(fn)
        return fn

    def _convert(self, t: Attribute) -> tuple | None:
        try:
            return self._cache[t]
        except KeyError:
            pass
        res = None
        for fn in reversed(self._conversions):
            r = fn(t)
            if r is None:
                continue
            res = tuple(r) if isinstance(r, (list, tuple)) else (r,)
            break
        self._cache[t] = res
        return res

    def convert_type_list(self, t: Attribute) -> list[Attribute] | None:
        """The types `t` converts to (possibly several or none), None on failure."""
        r = self._convert(t)
        return None if r is None else list(r)

    def convert_type(self, t: Attribute) -> Attribute | None:
        """The single type `t` converts to; None if it fails or is not 1:1."""
        r = self._convert(t)
        return r[0] if r is not None and len(r) == 1 else None

    def convert_types(self, types: Iterable[Attribute]) -> list[Attribute] | None:
        """The concatenated conversions of `types`, None when any fails."""
        out: list[Attribute] = []
        for t in types:
            r = self._convert(t)
            if r is None:
                return None
            out.extend(r)
        return out

    def is_legal(self, x: Any) -> bool:
        """For a type: it converts to itself. For an op: its operand and
        result types are legal. For a region or block: its block argument
        types are. For a sequence: all elements are."""
        if isinstance(x, Operation):
            return (all(self.is_legal(o.value.type) for o in x._operands)
                    and all(self.is_legal(r.type) for r in x.results))
        if isinstance(x, Region):
            return all(self.is_legal(a.type) for b in x.blocks for a in b.args)
        if isinstance(x, Block):
            return all(self.is_legal(a.type) for a in x.args)
        if isinstance(x, Attribute):
            r = self._convert(x)
            return r is not None and len(r) == 1 and r[0] == x
        return all(self.is_legal(e) for e in x)

    def is_signature_legal(self, function_type: Attribute) -> bool:
        """Whether a FunctionType's inputs and results are all legal (as func.func patterns check)."""
        return self.is_legal(list(function_type.inputs)) and self.is_legal(list(function_type.results))

    def convert_signature(self, types: Sequence[Attribute]) -> SignatureConversion | None:
        """How arguments of `types` map to converted ones (1:N allowed), None when a type fails to convert."""
        conv = SignatureConversion(len(types))
        for i, t in enumerate(types):
            r = self._convert(t)
            if r is None:
                return None
            conv.add_inputs(i, r)
        return conv

    def convert_block_signature(self, block: Block) -> SignatureConversion | None:
        """`convert_signature` of the block's argument types."""
        return self.convert_signature(block.arg_types)

    def materialize(self, kind: str, rewriter: PatternRewriter, types: Sequence[Attribute],
                    inputs: Sequence[Value], loc: Any) -> list[Value] | None:
        """Run the `kind` ("source"/"target") materializations, newest first, until one returns `len(types)`
        values; else None.
        """
        fns = self._source if kind == "source" else self._target
        arg = types[0] if len(types) == 1 else list(types)
        for fn in reversed(fns):
            r = fn(rewriter, arg, list(inputs), loc)
            if r is None:
                continue
            r = [r] if isinstance(r, Value) else list(r)
            if len(r) == len(types):
                return r
        return None


# ----------------------------------------------------------------------------
# Patterns
# ----------------------------------------------------------------------------


def _operand_groups(op: Operation) -> dict[str, tuple[int, int, str]]:
    d = op.definition
    if d is None:
        return {}
    total = len(op._operands)
    seg = op.properties.get("operandSegmentSizes") if d.operand_segments else None
    if seg is not None:
        sizes = list(seg.values)
    else:
        n_single = sum(1 for od in d.operands if od.kind == "single")
        rest = max(total - n_single, 0)
        sizes = [1 if od.kind == "single" else rest for od in d.operands]
    out = {}
    pos = 0
    for od, n in zip(d.operands, sizes):
        out[od.name] = (pos, n, od.kind)
        pos += n
    return out


class OpAdaptor:
    """The operands of `op` as the conversion sees them.

    `operand_lists[i]` are the values standing for operand i (several for
    a 1:N type conversion). `operands[i]` and the named accessors
    (`adaptor.lhs`) give one value per operand (a list for variadic groups);
    for a 1:N-converted operand that is the original, materialized value.
    `get(name)` gives the lists of a named group. Other names (properties)
    read through to the op.
    """

    __slots__ = ("op", "operand_lists")

    def __init__(self, op: Operation, operand_lists: list[list[Value]]):
        self.op = op
        self.operand_lists = operand_lists

    @property
    def operands(self) -> list[Value]:
        """One value per operand: the converted value, or the original for a 1:N-converted operand."""
        return [vals[0] if len(vals) == 1 else o.value for vals, o in zip(self.operand_lists, self.op._operands)]

    @property
    def flat_operands(self) -> list[Value]:
        """Every converted value, 1:N expansions inlined, in operand order."""
        return [v for vals in self.operand_lists for v in vals]

    def __getitem__(self, i: int) -> Value:
        return self.operands[i]

    def __len__(self) -> int:
        return len(self.operand_lists)

    def get(self, name: str) -> list[list[Value]]:
        """The value lists of the named operand group (one list per operand of the group)."""
        start, n, _ = _operand_groups(self.op)[name]
        return self.operand_lists[start:start + n]

    def __getattr__(self, name: str) -> Any:
        groups = _operand_groups(self.op)
        if name in groups:
            start, n, kind = groups[name]
            vals = self.operands[start:start + n]
            if kind == "variadic":
                return vals
            return vals[0] if vals else None
        return getattr(self.op, name)


class ConversionPattern(RewritePattern):
    """A pattern that sees converted operands:
    `match_and_rewrite(op, adaptor, rewriter) -> bool`. Its `type_converter`
    (else the conversion's) decides the operand types in the adaptor."""

    def __init__(self, type_converter: TypeConverter | None = None, root: Any = _UNSET, *,
                 benefit: int | None = None, trait: type | None = None):
        super().__init__(root, benefit=benefit, trait=trait)
        self.type_converter = type_converter

    def match_and_rewrite(self, op: Operation, adaptor: OpAdaptor,  # type: ignore[override]
                          rewriter: ConversionPatternRewriter) -> bool:
        """Rewrite `op` through `rewriter` and return True, or return False (changing nothing) when it does not
        apply.

        `adaptor` holds the operands as converted so far; use them, not `op.operands`, to build the new ops.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define match_and_rewrite")


class FunctionConversionPattern(ConversionPattern):
    """A function `fn(op, adaptor, rewriter) -> bool` as a ConversionPattern; made by `@conversion_pattern`."""

    def __init__(self, fn: Callable, root: Any = None, *, benefit: int = 1, trait: type | None = None,
                 type_converter: TypeConverter | None = None):
        super().__init__(type_converter, root, benefit=benefit, trait=trait)
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", "conversion_pattern")
        self.__doc__ = fn.__doc__

    def match_and_rewrite(self, op, adaptor, rewriter):
        return bool(self.fn(op, adaptor, rewriter))

    @property
    def debug_name(self) -> str:
        """The function's name, as shown in pattern statistics and debug output."""
        return self.__name__


def conversion_pattern(root: Any = None, *, benefit: int = 1, trait: type | None = None,
                       type_converter: TypeConverter | None = None):
    """Decorator: `def fn(op, adaptor, rewriter) -> bool` as a ConversionPattern."""
    def deco(fn: Callable) -> FunctionConversionPattern:
        return FunctionConversionPattern(fn, root, benefit=benefit, trait=trait, type_converter=type_converter)
    return deco


# ----------------------------------------------------------------------------
# The journaling rewriter
# ----------------------------------------------------------------------------


def _relink(use: OpOperand) -> None:
    v = use.value
    nxt = v._first_use
    use._prev = None
    use._next = nxt
    if nxt is not None:
        nxt._prev = use
    v._first_use = use


def _ops_within(op: Operation) -> list[Operation]:
    out = [op]
    if op.regions:
        out.extend(o for o in op.walk() if o is not op)
    return out


class ConversionPatternRewriter(PatternRewriter):
    """The rewriter of a dialect conversion (see the module docstring).

    Beyond PatternRewriter: `replace_op` accepts, per result, a list of
    values (1:N); `apply_signature_conversion` / `convert_region_types`
    retype block arguments in place; `get_remapped_value(s)` sees through
    the conversion's casts; `type_converter` is the current pattern's.
    """

    def __init__(self, type_converter: TypeConverter | None = None):
        super().__init__(None)
        self.type_converter = type_converter
        self._journal: list[tuple[str, Any, Callable[[], Any]]] = []
        self._erased: set[Operation] = set()
        #: materialization casts this conversion made: op -> (kind, converter)
        self._casts: dict[Operation, tuple[str, TypeConverter | None]] = {}

    # -- journal ------------------------------------------------------------------

    def journal_position(self) -> int:
        """A mark to `rollback` to: the number of undo steps so far."""
        return len(self._journal)

    def rollback(self, position: int = 0) -> None:
        """Undo every change made after `position`, newest first (same op objects restored)."""
        j = self._journal
        while len(j) > position:
            j.pop()[2]()

    def commit(self) -> None:
        """Forget the undo steps: the changes so far can no longer be rolled back."""
        self._journal.clear()

    def is_erased(self, op: Operation) -> bool:
        """Whether `op` was erased by this conversion (it is only unlinked until the conversion commits)."""
        return op in self._erased

    # -- primitives -----------------------------------------------------------------

    def _link_op(self, op, block, before, created):
        block.insert_before(before, op)
        if created:
            def undo():
                if op.parent is not None:
                    op.parent._unlink_op(op)
                op._drop_references()
                self._casts.pop(op, None)
            self._journal.append(("insert", op, undo))
        else:
            self._journal.append(("move", op, lambda: op.parent._unlink_op(op)))

    def _unlink_op(self, op):
        block, nxt = op.parent, op._next
        block._unlink_op(op)
        self._journal.append(("unlink", op, lambda: block.insert_before(nxt, op)))

    def _destroy_op(self, op):
        block, nxt = op.parent, op._next
        if block is not None:
            block._unlink_op(op)
        dying = _ops_within(op)
        dropped = self._drop_uses(dying)

        def undo():
            for use in reversed(dropped):
                _relink(use)
            self._erased.difference_update(dying)
            if block is not None:
                block.insert_before(nxt, op)
        self._journal.append(("erase", op, undo))

    def _drop_uses(self, dying: list[Operation]) -> list[OpOperand]:
        dropped = []
        for o in dying:
            for use in o._operands:
                use._unlink()
                dropped.append(use)
        self._erased.update(dying)
        return dropped

    def _set_operand(self, use, value):
        old = use.value
        use.set(value)
        self._journal.append(("operand", use.owner, lambda: use.set(old)))

    def _link_block(self, block, region, before):
        PatternRewriter._link_block(self, block, region, before)
        self._journal.append(("block", None, lambda: block.parent._unlink_block(block)))

    def _unlink_block(self, block):
        region, nxt = block.parent, block._next_block
        assert region is not None, "only a block in a region is unlinked"
        region._unlink_block(block)
        self._journal.append(("block", None, lambda: PatternRewriter._link_block(self, block, region, nxt)))

    def _destroy_block(self, block):
        dying = [o for op in block.ops for o in _ops_within(op)]
        dropped = self._drop_uses(dying)
        region, nxt = block.parent, block._next_block
        if region is not None:
            region._unlink_block(block)

        def undo():
            if region is not None:
                PatternRewriter._link_block(self, block, region, nxt)
            for use in reversed(dropped):
                _relink(use)
            self._erased.difference_update(dying)
        self._journal.append(("block", None, undo))

    def _set_block_args(self, block, args):
        old = block.args
        PatternRewriter._set_block_args(self, block, args)
        self._journal.append(("args", None, lambda: PatternRewriter._set_block_args(self, block, old)))

    def start_op_modification(self, op):
        objs = list(op._operands)
        vals = [o.value for o in objs]
        props, attrs = dict(op.properties), dict(op.attributes)
        succs, loc = list(op.successors), op.location
        rtypes = [r.type for r in op.results]

        def undo():
            for o in op._operands:
                o._unlink()
            for o, v in zip(objs, vals):
                o.value = v
                _relink(o)
            op._operands = list(objs)
            op.properties.clear()
            op.properties.update(props)
            op.attributes.clear()
            op.attributes.update(attrs)
            op.successors = list(succs)
            op.location = loc
            for r, t in zip(op.results, rtypes):
                r.type = t
        self._journal.append(("modify", op, undo))

    def cancel_op_modification(self, op):
        for kind, o, undo in reversed(self._journal):
            if kind == "modify" and o is op:
                undo()
                return

    def clone(self, op: Operation, mapper: dict | None = None) -> Operation:
        """`PatternRewriter.clone`, journaled so that a rollback removes the copies."""
        new = super().clone(op, mapper)
        for nested in _ops_within(new)[1:]:
            self._journal.append(("created", nested, lambda: None))
        return new

    # -- replacement with materializations -----------------------------------------------

    def replace_op(self, op: Operation, values: Any) -> None:
        """Replace `op`'s results; per result a Value, a list of values
        (1:N), or None when unused. Differently typed replacements are
        bridged by a cast until the users are converted."""
        if isinstance(values, (Operation, Value)):
            values = self._replacement_values(op, values)
        values = list(values)
        if len(values) != len(op.results):
            raise IRError(f"replacing {len(op.results)} results of '{op.name}' with {len(values)} values")
        anchor_ip = self._cast_point(op)
        for r, v in zip(op.results, values):
            self._replace_value(r, v, op.location, anchor_ip)
        self.erase_op(op)

    replace = replace_op
    replace_op_with_multiple = replace_op

    def replace_all_uses_with(self, old: Value, new: Any) -> None:
        """Replace `old` by a value or values (1:N); other types are bridged by a source cast."""
        if isinstance(old, OpResult):
            ip, loc = self._cast_point(old.op), old.op.location
        else:
            ip, loc = (old.block, old.block._first), old.loc or _parent_loc(old.block)
        self._replace_value(old, new, loc, ip)

    replace_uses_of_block_argument = replace_all_uses_with

    def _cast_point(self, op: Operation) -> tuple[Block, Operation | None]:
        if self._block is not None and self._block is op.parent:
            return self._block, self._before
        assert op.parent is not None, "a converted op is in a block"
        return op.parent, op

    def _replace_value(self, old: Value, new: Any, loc: Any, ip: tuple) -> None:
        if new is None:
            if old._first_use is not None:
                raise IRError("a replaced value that is still used needs a replacement")
            return
        vals = [new] if isinstance(new, Value) else list(new)
        if old._first_use is None:
            return
        if len(vals) == 1 and vals[0].type == old.type:
            PatternRewriter.replace_all_uses_with(self, old, vals[0])
            return
        cast = self._make_cast(vals, [old.type], "source", loc, ip, self.type_converter)
        PatternRewriter.replace_all_uses_with(self, old, cast.results[0])

    def _make_cast(self, inputs: Sequence[Value], types: Sequence[Attribute], kind: str, loc: Any,
                   ip: tuple, converter: TypeConverter | None) -> Operation:
        cast = UnrealizedConversionCastOp(list(inputs), result_types=list(types), location=loc)
        saved = self._block, self._before
        self._block, self._before = ip
        try:
            self.insert(cast)
        finally:
            self._block, self._before = saved
        self._casts[cast] = (kind, converter)
        return cast

    def get_remapped_values(self, value: Value) -> list[Value]:
        """The values `value` has been replaced by so far (itself if none)."""
        seen = 0
        while isinstance(value, OpResult) and seen < 64:
            info = self._casts.get(value.op)
            if info is None or info[0] != "source" or value.op in self._erased:
                break
            ins = [o.value for o in value.op._operands]
            if len(ins) != 1:
                return ins
            value = ins[0]
            seen += 1
        return [value]

    def get_remapped_value(self, value: Value) -> Value:
        """The single value `value` was replaced by so far (itself when none, or when 1:N)."""
        vals = self.get_remapped_values(value)
        return vals[0] if len(vals) == 1 else value

    def _remap_operands(self, op: Operation, converter: TypeConverter | None) -> list[list[Value]] | None:
        out = []
        made: dict[Value, list[Value]] = {}
        for o in op._operands:
            v = o.value
            if v in made:
                out.append(made[v])
                continue
            repl = self.get_remapped_values(v)
            if converter is None:
                out.append(repl)
                continue
            want = converter.convert_type_list(v.type)
            if want is None:
                return None
            if len(repl) == len(want) and all(a.type == t for a, t in zip(repl, want)):
                out.append(repl)
            elif len(want) == 1 and want[0] == v.type:
                out.append([v])
            elif not want:
                out.append([])
            else:
                cast = self._make_cast(repl, want, "target", op.location, (op.parent, op), converter)
                made[v] = list(cast.results)
                out.append(made[v])
        return out

    # -- block signatures ---------------------------------------------------------------

    def apply_signature_conversion(self, block: Block, conversion: SignatureConversion,
                                   type_converter: TypeConverter | None = None) -> Block:
        """Retype `block`'s arguments in place as `conversion` says; old
        arguments still used are rebuilt from the new ones by casts at the
        start of the block."""
        old_args = list(block.args)
        if conversion.num_inputs != len(old_args):
            raise IRError(f"signature conversion for {conversion.num_inputs} inputs applied to a block "
                          f"with {len(old_args)} arguments")
        origin: dict[int, BlockArgument] = {}
        for i, a in enumerate(old_args):
            m = conversion.input_mapping(i)
            if isinstance(m, tuple):
                for k in range(m[0], m[0] + m[1]):
                    origin[k] = a
        new_args = []
        for k, t in enumerate(conversion.converted_types):
            src = origin.get(k)
            na = BlockArgument(t, block, k, src.loc if src is not None else None)
            mapped = conversion.input_mapping(src.index) if src is not None else None
            if src is not None and isinstance(mapped, tuple) and mapped[1] == 1:
                na.name_hint = src.name_hint
            new_args.append(na)
        self._set_block_args(block, new_args)
        ip = (block, block._first)
        loc = _parent_loc(block)
        conv = type_converter or self.type_converter
        for i, old in enumerate(old_args):
            if old._first_use is None:
                continue
            m = conversion.input_mapping(i)
            if isinstance(m, Value):
                repl = [m]
            elif m is None:
                repl = []
            else:
                repl = new_args[m[0]:m[0] + m[1]]
            if len(repl) == 1 and repl[0].type == old.type:
                PatternRewriter.replace_all_uses_with(self, old, repl[0])
                continue
            cast = self._make_cast(repl, [old.type], "source", old.loc or loc, ip, conv)
            PatternRewriter.replace_all_uses_with(self, old, cast.results[0])
        return block

    def convert_region_types(self, region: Region, type_converter: TypeConverter,
                             entry_conversion: SignatureConversion | None = None) -> Block | None:
        """Convert the argument types of every block of `region` (the entry
        block with `entry_conversion` when given); None if a type does not
        convert."""
        for block in list(region.blocks):
            if block is region._first_block and entry_conversion is not None:
                conv = entry_conversion
            else:
                conv = type_converter.convert_block_signature(block)
                if conv is None:
                    return None
            if not conv.is_identity(block.arg_types):
                self.apply_signature_conversion(block, conv, type_converter)
        return region._first_block


def _parent_loc(block: Block) -> Any:
    p = block.parent_op
    return None if p is None else p.location


# ----------------------------------------------------------------------------
# The driver
# ----------------------------------------------------------------------------


def _blocks_in_dominance_order(region: Region) -> list[Block]:
    first = region._first_block
    if first is None:
        return []
    if first._next_block is None:
        return [first]
    visited = {first}
    post: list[Block] = []
    stack = [(first, iter(first.successors))]
    while stack:
        b, it = stack[-1]
        for s in it:
            if s not in visited and s.parent is region:
                visited.add(s)
                stack.append((s, iter(s.successors)))
                break
        else:
            stack.pop()
            post.append(b)
    post.reverse()
    post.extend(b for b in region.blocks if b not in visited)
    return post


class _Converter:
    def __init__(self, target: ConversionTarget, patterns: FrozenPatternSet,
                 type_converter: TypeConverter | None, full: bool, fold: bool):
        self.target = target
        self.patterns = patterns
        self.type_converter = type_converter
        self.full = full
        self.fold = fold
        self.rw = ConversionPatternRewriter(type_converter)
        self._active: set = set()

    def run(self, root: Operation) -> bool:
        rw = self.rw
        todo: list[Operation] = []
        self._collect(root, todo)
        failed: list[Operation] = []
        errors: list[tuple[Any, str, Any]] = []
        try:
            for op in todo:
                if op in rw._erased:
                    continue
                if not self.legalize(op) and (self.full or self.target.is_illegal(op)):
                    failed.append(op)
            failed = [op for op in failed if op not in rw._erased and not self.target.is_legal(op)]
            if not failed:
                errors = self._finalize_casts()
        except BaseException:
            rw.rollback(0)
            raise
        if failed or errors:
            rw.rollback(0)
            for op in failed:
                suffix = "" if self.full else " that was explicitly marked illegal"
                op.emit_error(f"failed to legalize operation '{op.name}'{suffix}")
            for loc, msg, user_loc in errors:
                d = emit("error", loc, msg)
                if user_loc is not None:
                    d.attach_note("see existing live user here", user_loc)
            return False
        rw.commit()
        return True

    def _collect(self, op: Operation, out: list[Operation]) -> None:
        out.append(op)
        if not op.regions or self.target.is_recursively_legal(op):
            return
        for r in op.regions:
            for b in _blocks_in_dominance_order(r):
                cur = b._first
                while cur is not None:
                    self._collect(cur, out)
                    cur = cur._next

    # -- legalization ---------------------------------------------------------------

    def legalize(self, op: Operation) -> bool:
        if self.target.is_legal(op):
            return True
        rw = self.rw
        if self.fold and self._legalize_with_fold(op):
            return True
        for p in self.patterns.patterns_for(op):
            if p in self._active:
                continue
            mark = rw.journal_position()
            self._active.add(p)
            try:
                ok = self._apply(p, op) and self._legalize_results(op, mark)
            finally:
                self._active.discard(p)
            if ok:
                return True
            rw.rollback(mark)
        return False

    def _apply(self, p: RewritePattern, op: Operation) -> bool:
        rw = self.rw
        saved = rw._block, rw._before, rw.default_location, rw.type_converter
        rw._block, rw._before = op.parent, op
        rw.default_location = op.location
        try:
            if isinstance(p, ConversionPattern):
                conv = p.type_converter or self.type_converter
                lists = rw._remap_operands(op, conv)
                if lists is None:
                    return False
                rw.type_converter = conv
                return bool(p.match_and_rewrite(op, OpAdaptor(op, lists), rw))
            return bool(p.match_and_rewrite(op, rw))
        except BaseException as e:  # noqa: BLE001 - the pattern raised: blame it and its op
            if must_propagate(e):
                raise
            raise user_code_error(op, f"pattern '{p.debug_name}'", e) from e
        finally:
            rw._block, rw._before, rw.default_location, rw.type_converter = saved

    def _legalize_results(self, root: Operation, mark: int) -> bool:
        rw = self.rw
        seen: set[Operation] = set()
        todo: list[Operation] = []
        for kind, o, _ in rw._journal[mark:]:
            if kind in ("insert", "created", "modify") and o not in seen:
                seen.add(o)
                todo.append(o)
        if root not in seen:
            todo.append(root)
        for o in todo:
            if o in rw._erased or o in rw._casts or (o.parent is None and o is not root):
                continue
            if not self.legalize(o):
                return False
        return True

    def _legalize_with_fold(self, op: Operation) -> bool:
        if ConstantLike in op.traits or not can_fold(op):
            return False
        rw = self.rw
        mark = rw.journal_position()
        rw.start_op_modification(op)
        res = fold_op(op)
        if res is None:
            rw.rollback(mark)
            return False
        if not res:
            # as upstream: an in-place fold is kept and the changed op is legalized by the patterns
            rw.finalize_op_modification(op)
            return False
        saved = rw._block, rw._before, rw.default_location
        rw._block, rw._before = op.parent, op
        rw.default_location = op.location
        try:
            values = []
            for v, r in zip(res, op.results):
                if isinstance(v, Value):
                    values.append(v)
                    continue
                make = getattr(op.dialect, "materialize_constant", None)
                c = make(v, r.type, op.location) if make is not None else None
                if c is None:
                    rw.rollback(mark)
                    return False
                if c.parent is None:
                    rw.insert(c)
                values.append(c.results[0])
            rw.replace_op(op, values)
        finally:
            rw._block, rw._before, rw.default_location = saved
        if not self._legalize_results(op, mark):
            rw.rollback(mark)
            return False
        return True

    # -- casts ------------------------------------------------------------------------

    def _finalize_casts(self) -> list[tuple[Any, str, Any]]:
        rw = self.rw
        alive = lambda c: c not in rw._erased and c.parent is not None  # noqa: E731
        changed = True
        while changed:
            changed = False
            for c in list(rw._casts):
                if not alive(c):
                    continue
                ins = [o.value for o in c._operands]
                out_types = [r.type for r in c.results]
                src = None
                if ins and isinstance(ins[0], OpResult):
                    d = ins[0].op
                    if (d in rw._casts and alive(d) and len(d.results) == len(ins)
                            and all(v is r for v, r in zip(ins, d.results))
                            and [o.value.type for o in d._operands] == out_types):
                        src = [o.value for o in d._operands]
                if src is None and [v.type for v in ins] == out_types:
                    src = ins
                if src is not None:
                    for r, v in zip(c.results, src):
                        PatternRewriter.replace_all_uses_with(rw, r, v)
                    rw.erase_op(c)
                    changed = True
            for c in reversed(list(rw._casts)):
                if alive(c) and not c.has_uses():
                    rw.erase_op(c)
                    changed = True
        errors = []
        for c, (kind, conv) in list(rw._casts.items()):
            if not alive(c):
                continue
            conv = conv or self.type_converter
            if conv is not None:
                rw.set_insertion_point(c)
                rw.default_location = c.location
                vals = conv.materialize(kind, rw, [r.type for r in c.results],
                                        [o.value for o in c._operands], c.location)
                rw.default_location = None
                if vals is not None:
                    for r, v in zip(c.results, vals):
                        PatternRewriter.replace_all_uses_with(rw, r, v)
                    rw.erase_op(c)
                    continue
            if self.full and not self.target.is_legal(c):
                user = next(iter(c.results[0].users), None)
                ins = ", ".join(str(o.value.type) for o in c._operands)
                outs = ", ".join(str(r.type) for r in c.results)
                errors.append((c.location, f"failed to legalize unresolved materialization from ({ins}) to "
                                           f"({outs}) that remained live after conversion",
                               None if user is None else user.location))
        return errors


def _apply(root: Operation, target: ConversionTarget, patterns: Any, type_converter: TypeConverter | None,
           full: bool, fold: bool) -> bool:
    return _Converter(target, as_pattern_set(patterns), type_converter, full, fold).run(root)


def apply_partial_conversion(root: Operation, target: ConversionTarget, patterns: Any,
                             type_converter: TypeConverter | None = None, *, fold: bool = True) -> bool:
    """Legalize what the patterns can; fails (and undoes everything) only if
    an op explicitly marked illegal remains."""
    return _apply(root, target, patterns, type_converter, False, fold)


def apply_full_conversion(root: Operation, target: ConversionTarget, patterns: Any,
                          type_converter: TypeConverter | None = None, *, fold: bool = True) -> bool:
    """Every op (root included) must end up legal; otherwise errors are
    reported at the ops left illegal and the IR is restored."""
    return _apply(root, target, patterns, type_converter, True, fold)
