"""Constraints on operand/result types and attribute values, as data.

A constraint answers `verify(value) -> error message | None` and describes
itself for docs and messages. Dialects compose the generic combinators here
with their own base classes (`builtin.constraints` has AnyInteger, TensorOf...).
"""

from __future__ import annotations

from typing import Any, Callable


class Constraint:
    """Base of the constraints on an operand's or result's type or an attribute's value (ODS's
    TypeConstraint/AttrConstraint).

    Subclasses set `description` (shown in messages: "must be <description>, but got ...") and override
    `verify`; `a | b` is AnyOf(a, b). Set `fixed_type` when only one type satisfies it, so formats omit it.
    """

    description = "any"
    #: the single type a value must have (formats infer it); for attribute
    #: constraints, the type a typed attribute must have (formats elide it)
    fixed_type: Any = None

    def verify(self, value: Any) -> str | None:
        """None when `value` (a type, or an attribute) satisfies the constraint, else the message the verifier
        reports.
        """
        return None

    def __or__(self, other: Constraint) -> Constraint:
        return AnyOf(self, other)

    def __repr__(self) -> str:
        return f"<{self.description}>"


class _Any(Constraint):
    description = "any type"


AnyType = _Any()
AnyAttr = _Any()


class Predicate(Constraint):
    """A constraint given by a Python predicate and a description."""

    def __init__(self, fn: Callable[[Any], bool], description: str):
        self.fn = fn
        self.description = description

    def verify(self, value):
        return None if self.fn(value) else f"must be {self.description}, but got {value}"


class BaseAttr(Constraint):
    """Any attribute or type of the given class(es)."""

    def __init__(self, *classes: type, description: str | None = None):
        self.classes = classes
        self.description = description or " or ".join(getattr(c, "name", c.__name__) for c in classes)

    def verify(self, value):
        return None if isinstance(value, self.classes) else f"must be {self.description}, but got {value}"


class EqAttr(Constraint):
    """Exactly this attribute or type."""

    def __init__(self, attr: Any):
        self.attr = attr
        self.description = str(attr)
        #: a type constraint naming one type lets formats omit that type
        self.fixed_type = attr if getattr(attr, "is_type", False) else None

    def verify(self, value):
        return None if value == self.attr else f"must be {self.attr}, but got {value}"


class AnyOf(Constraint):
    """Satisfied by any of `options` (ODS's AnyTypeOf); `a | b` builds one."""

    def __init__(self, *options: Constraint, description: str | None = None):
        self.options = options
        self.description = description or " or ".join(o.description for o in options)

    def verify(self, value):
        for o in self.options:
            if o.verify(value) is None:
                return None
        return f"must be {self.description}, but got {value}"


def as_constraint(c: Any) -> Constraint:
    """Accept a Constraint, an attribute class, or an attribute instance."""
    if isinstance(c, Constraint):
        return c
    if isinstance(c, type):
        return BaseAttr(c)
    if c is None:
        return AnyType
    return EqAttr(c)
