"""Attributes and types: immutable, hashable, uniqued values.

A `ParametrizedAttribute` subclass is uniqued on (class, parameters): building
the same attribute twice returns the same object, so equality is identity and
hashing is free. This is the definition API for users too: a dialect's own
attribute or type is a subclass of `AttrDef` / `TypeDef` naming its parameters.

Syntax: a user attribute prints as `#dialect.mnemonic<params>` and a type as
`!dialect.mnemonic<params>`. The parameter list defaults to a comma-separated
list of parameter values; a class overrides `parse_parameters` /
`print_parameters` (or sets `assembly_format`) for its own syntax.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlir_py.ir import hooks

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


class Attribute:
    """Base of every attribute (and type)."""

    __slots__ = ()
    #: fully qualified name: "builtin.integer", "toy.shape"
    name: ClassVar[str] = ""
    is_type: ClassVar[bool] = False
    #: set by Dialect registration
    dialect: ClassVar[Any] = None

    @property
    def mnemonic(self) -> str:
        """The name without the dialect prefix (`"array"` for `builtin.array`): what the syntax spells after
        `#dialect.`.
        """
        return self.name.split(".", 1)[1] if "." in self.name else self.name

    def print(self, printer: Printer) -> None:
        """Print the attribute's full syntax (with the `#`/`!` prefix)."""
        raise TypeError(f"{type(self).__name__} does not define how to print itself")

    def verify(self) -> str | None:
        """Return an error message when the parameters are invalid."""
        return None

    def __str__(self) -> str:
        return hooks.attr_to_string(self)


class ParametrizedAttribute(Attribute):
    """An attribute uniqued by its parameter tuple."""

    __slots__ = ("parameters", "__weakref__")
    #: names of the parameters, in order; accessors are generated
    param_names: ClassVar[tuple[str, ...]] = ()
    _instances: ClassVar[dict]

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._instances = {}
        names = cls.__dict__.get("parameters")
        if isinstance(names, (tuple, list)):
            cls.param_names = tuple(names)
            del cls.parameters  # the class-level declaration; instances use the slot
        for i, n in enumerate(cls.param_names):
            if n not in cls.__dict__:
                setattr(cls, n, property(_param_getter(i), doc=f"parameter '{n}'"))

    def __new__(cls, *params):
        if len(params) != len(cls.param_names):
            params = cls.normalize(*params)
        hashable = True
        try:
            return cls._instances[params]
        except KeyError:
            pass
        except TypeError:  # e.g. a list: normalize() makes it a tuple
            hashable = False
        norm = cls.normalize(*params)
        try:
            inst = cls._instances.get(norm)
        except TypeError as e:  # unhashable parameter
            raise TypeError(f"{cls.__name__} parameters must be hashable: {params!r}") from e
        if inst is None:
            inst = object.__new__(cls)
            object.__setattr__(inst, "parameters", norm)
            cls._instances[norm] = inst
        if hashable:
            cls._instances[params] = inst
        return inst

    def __init__(self, *params):
        pass

    @classmethod
    def normalize(cls, *params) -> tuple:
        """Canonicalize constructor arguments into the parameter tuple."""
        if len(params) != len(cls.param_names):
            raise TypeError(f"{cls.__name__} takes {len(cls.param_names)} parameters "
                            f"({', '.join(cls.param_names)}), got {len(params)}")
        return tuple(tuple(p) if isinstance(p, list) else p for p in params)

    def __setattr__(self, k, v):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self):
        return (type(self), self.parameters)

    def __repr__(self) -> str:
        try:
            return f"{type(self).__name__}({str(self)})"
        except Exception:
            return f"{type(self).__name__}{self.parameters!r}"

    # Default syntax for user attributes: #dialect.mnemonic<p0, p1>
    def print(self, printer: Printer) -> None:
        printer.write("!" if self.is_type else "#")
        printer.write(self.name)
        self.print_parameters(printer)

    def print_parameters(self, printer: Printer) -> None:
        """Print what follows the mnemonic; the default writes `<p0, p1, ...>` (or the compiled `assembly_format`).

        Override together with `parse_parameters` for a custom syntax; both must round-trip.
        """
        fmt = type(self).__dict__.get("_compiled_format")
        if fmt is not None:
            fmt.print(self, printer)
            return
        if not self.parameters:
            return
        printer.write("<")
        for i, p in enumerate(self.parameters):
            if i:
                printer.write(", ")
            printer.print_parameter(p)
        printer.write(">")

    @classmethod
    def parse_parameters(cls, parser: Parser) -> ParametrizedAttribute:
        """Parse what follows the mnemonic; the default reads `<p0, p1, ...>`."""
        fmt = cls.__dict__.get("_compiled_format")
        if fmt is not None:
            return fmt.parse(cls, parser)
        if not cls.param_names:
            return cls()
        parser.expect("<")
        params = []
        for i in range(len(cls.param_names)):
            if i:
                parser.expect(",")
            params.append(parser.parse_parameter())
        parser.expect(">")
        return cls(*params)


def _param_getter(i: int):
    def get(self):
        return self.parameters[i]
    return get


class TypeAttribute(ParametrizedAttribute):
    """A type: an attribute that lives in type position (`!d.t<...>`, `i32`)."""

    __slots__ = ()
    is_type: ClassVar[bool] = True


# Public authoring names: a user's dialect subclasses these.
AttrDef = ParametrizedAttribute
TypeDef = TypeAttribute


class OpaqueAttr(ParametrizedAttribute):
    """An attribute of an unregistered dialect, kept as its source text."""

    name = "builtin.opaque_attr"
    parameters = ("dialect_name", "body")

    def print(self, printer: Printer) -> None:
        printer.write("#" + self.dialect_name + self.body)


class OpaqueType(TypeAttribute):
    """A type of an unregistered dialect, kept as its source text."""

    name = "builtin.opaque_type"
    parameters = ("dialect_name", "body")

    def print(self, printer: Printer) -> None:
        printer.write("!" + self.dialect_name + self.body)
