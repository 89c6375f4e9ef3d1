"""Folding: asking an op for its constant value or a simpler existing value.

An op's `fold(operands)` hook gets, per operand, the constant attribute of
its defining ConstantLike op (or None). Traits fold too, as in MLIR:
Involution (`f(f(x)) = x`), Idempotent (`f(f(x)) = f(x)`, `f(x, x) = x`) and
Commutative (constants move to the right: the canonical form that lets one
pattern cover both operand orders).

Results follow MLIR's OpFoldResult convention: None when nothing folded; an
empty list when the op changed in place; otherwise one Value or Attribute per
result (Attributes are turned into constant ops by the driver).
"""

from __future__ import annotations

from typing import Any

from mlir_py.definition.opdef import Op
from mlir_py.definition.traits import (
    Commutative,
    ConstantLike,
    Idempotent,
    Involution,
    MemoryEffects,
    RecursiveMemoryEffects,
    Symbol,
    Terminator,
)
from mlir_py.definition.traits import Read as _Read
from mlir_py.ir.attributes import Attribute
from mlir_py.ir.operation import Operation, OpResult, Value
from mlir_py.support.user_errors import must_propagate, user_code_error

_FOLD_TRAITS = frozenset((Commutative, Idempotent, Involution))


def constant_op_value(op: Operation) -> Attribute | None:
    """The attribute a ConstantLike op produces (its `value`, else its fold)."""
    a = op.properties.get("value")
    if a is None:
        a = op.attributes.get("value")
    if a is None and isinstance(op, Op):
        try:
            r = op.fold([])
        except BaseException as e:  # noqa: BLE001 - the op's fold hook raised: blame the op
            if must_propagate(e):
                raise
            raise user_code_error(op, "folder", e) from e
        if isinstance(r, Attribute):
            a = r
    return a


def constant_value(value: Value) -> Attribute | None:
    """The constant attribute behind `value`, if a ConstantLike op defines it."""
    if not isinstance(value, OpResult):
        return None
    op = value.op
    if ConstantLike not in op.traits:
        return None
    return constant_op_value(op)


def _has_custom_fold(cls: type) -> bool:
    f = getattr(cls, "fold", None)
    return f is not None and f is not Op.fold


#: per op class: (has a fold hook, Involution, Idempotent, Commutative), or
#: None when nothing can fold it
_fold_kind_cache: dict[type, tuple[bool, bool, bool, bool] | None] = {}


def _fold_kind(op: Operation) -> tuple[bool, bool, bool, bool] | None:
    cls = type(op)
    try:
        return _fold_kind_cache[cls]
    except KeyError:
        pass
    traits = op.traits
    kind = (_has_custom_fold(cls), Involution in traits, Idempotent in traits, Commutative in traits)
    if not any(kind):
        kind = None
    _fold_kind_cache[cls] = kind
    return kind


def can_fold(op: Operation) -> bool:
    """Cheap test whether `fold_op` can possibly do anything."""
    return _fold_kind(op) is not None


def _normalize(op: Operation, r: Any) -> list | None:
    if r is None:
        return None
    n = len(op.results)
    if isinstance(r, (Attribute, Value)):
        if n != 1:
            return None
        return [] if r is op.results[0] else [r]
    r = list(r)
    if len(r) != n or any(x is None for x in r):
        return None
    if all(x is res for x, res in zip(r, op.results)):
        return []
    return r


def fold_op(op: Operation) -> list | None:
    """Fold `op` with its own hook, then its traits (see the module docstring).

    An in-place fold has already changed `op` when this returns []."""
    kind = _fold_kind(op)
    if kind is None:
        return None
    constants = []
    for o in op._operands:
        v = o.value
        c = None
        if isinstance(v, OpResult):
            d = v.op
            if ConstantLike in d.traits:
                c = d.properties.get("value")
                if c is None:
                    c = constant_op_value(d)
        constants.append(c)
    in_place = False
    if kind[0]:
        try:
            folded = op.fold(constants)
        except BaseException as e:  # noqa: BLE001 - the op's fold hook raised: blame the op
            if must_propagate(e):
                raise
            raise user_code_error(op, "folder", e) from e
        res = _normalize(op, folded)
        if res:
            return res
        in_place = res is not None
    if kind[1] or kind[2] or kind[3]:
        res = _fold_traits(op, constants, kind)
        if res is not None:
            return res
    return [] if in_place else None


def _fold_traits(op: Operation, constants: list, kind: tuple) -> list | None:
    ops = op._operands
    if len(op.results) == 1:
        if kind[1] and len(ops) == 1:
            d = ops[0].value
            if isinstance(d, OpResult) and d.op.name == op.name and d.op._operands:
                return [d.op._operands[0].value]
        if kind[2]:
            if len(ops) == 1:
                d = ops[0].value
                if isinstance(d, OpResult) and d.op.name == op.name:
                    return [d]
            elif len(ops) == 2 and ops[0].value is ops[1].value:
                return [ops[0].value]
    if kind[3] and len(ops) >= 2:
        seen_const = False
        for c in constants:
            if c is not None:
                seen_const = True
            elif seen_const:  # a constant before a non-constant: move constants right
                vals = [o.value for o in ops]
                op.set_operands([v for v, k in zip(vals, constants) if k is None]
                                + [v for v, k in zip(vals, constants) if k is not None])
                return []
    return None


# ----------------------------------------------------------------------------
# Dead ops
# ----------------------------------------------------------------------------

_NEVER, _IF_UNUSED, _CHECK = 0, 1, 2
_effect_kind_cache: dict[type, int] = {}
_dead_kind_cache: dict[type, int] = {}


def _effect_kind(op: Operation) -> int:
    """_IF_UNUSED: no effects; _NEVER: unknown effects; _CHECK: ask the op."""
    cls = type(op)
    k = _effect_kind_cache.get(cls)
    if k is None:
        traits = op.traits
        if op.definition is None:
            k = _NEVER
        elif hasattr(cls, "get_effects") or RecursiveMemoryEffects in traits:
            k = _CHECK
        else:
            t = op.get_trait(MemoryEffects)
            if t is None:
                k = _NEVER
            else:
                k = _CHECK if t.effects else _IF_UNUSED
        _effect_kind_cache[cls] = k
    return k


def _dead_kind(op: Operation) -> int:
    cls = type(op)
    k = _dead_kind_cache.get(cls)
    if k is None:
        traits = op.traits
        if op.definition is None or Terminator in traits or Symbol in traits:
            k = _NEVER
        else:
            k = _effect_kind(op)
        _dead_kind_cache[cls] = k
    return k


def would_op_be_trivially_dead(op: Operation) -> bool:
    """True if `op` could be erased were its results unused: it is not a
    terminator or symbol, and its effects (nested ones for recursive-effect
    ops) are at most reads and allocations of its own results."""
    k = _dead_kind(op)
    if k != _CHECK:
        return k == _IF_UNUSED
    stack = [op]
    while stack:
        cur = stack.pop()
        kind = _effect_kind(cur)
        if kind == _NEVER:
            return False
        if kind == _IF_UNUSED:
            continue
        recursive = RecursiveMemoryEffects in cur.traits
        if recursive:
            for r in cur.regions:
                for b in r.blocks:
                    stack.extend(b.ops)
        if hasattr(cur, "get_effects"):
            effects = cur.get_effects()
        else:
            t = cur.get_trait(MemoryEffects)
            effects = t.get_effects(cur) if t is not None else None
        if effects is None:
            if not recursive:
                return False
            continue
        for e in effects:
            if isinstance(e, _Read):
                continue
            if e.kind == "allocate" and isinstance(e.value, OpResult) and e.value.op is cur:
                continue
            return False
    return True


def is_trivially_dead(op: Operation) -> bool:
    """No uses and no effects worth keeping (MLIR's isOpTriviallyDead)."""
    for r in op.results:
        if r._first_use is not None:
            return False
    return would_op_be_trivially_dead(op)


__all__ = ["constant_op_value", "constant_value", "can_fold", "fold_op", "would_op_be_trivially_dead",
           "is_trivially_dead"]
