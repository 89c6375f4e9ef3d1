"""Declaring a pass: `Pass`, its typed `Option`s and `Statistic`s.

A pass is a declaration - name, summary, anchor, typed options, statistics -
plus `run_on_operation`; the registry, the command-line flags, the pipeline
parser and `--list-passes` are all derived from that declaration:

```python
@register_pass
class StripDebug(Pass):
    '''Drops the `debug.*` attributes that front ends leave behind.'''
    name = "strip-debug"
    summary = "Remove debug attributes"
    anchor = "func.func"              # None: runs on whatever op it is given
    options = [Option("prefix", str, "debug.", "attribute prefix to drop")]
    statistics = [Statistic("num-removed", "attributes removed")]

    def run_on_operation(self, op):
        for o in op.walk():
            for k in [k for k in o.attributes if k.startswith(self.prefix)]:
                del o.attributes[k]
                self.stats["num-removed"] += 1
```

`anchor` names the op the pass runs on (`None`: any op it is given) -
the pass manager nests the pass accordingly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Sequence

from mlir_py.pass_manager.pipeline import format_option_value

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation


__all__ = ["ListOption", "Option", "Pass", "PassDefinitionError", "PassFailure", "PassManagerError", "Statistic"]


class PassFailure(Exception):
    """Raised inside `run_on_operation` to fail the pass; the message becomes
    an error at the op the pass ran on."""

    def __init__(self, message: str = ""):
        self.message = message
        super().__init__(message)


class PassDefinitionError(TypeError):
    """A pass declaration is inconsistent (bad option, clashing names, ...)."""


class PassManagerError(ValueError):
    """A pipeline that cannot be assembled (a pass added where it cannot run)."""


# ----------------------------------------------------------------------------
# Options and statistics
# ----------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class Option:
    """A typed pass option: `Option("max-iterations", int, 10, "help")`.

    `type` is int, float, bool, str or any callable taking the option text
    (raise ValueError to reject it). `choices` makes it an enum: a list of
    spellings, or a mapping from spelling to the value the pass sees. The
    pass reads it as an attribute with `-` turned into `_` (`self.max_iterations`).
    """

    is_list: ClassVar[bool] = False

    def __init__(self, name: str, type: Callable[[str], Any] = str, default: Any = None, help: str = "", *,
                 choices: Sequence[str] | Mapping[str, Any] | None = None):
        self.name = name
        self.type = type
        self.help = help
        self.choices: dict[str, Any] | None = None
        if choices is not None:
            self.choices = dict(choices) if isinstance(choices, Mapping) else {c: c for c in choices}
        self.attr = name.replace("-", "_")
        self.default = default

    # -- text -> value ------------------------------------------------------

    def parse_scalar(self, text: str) -> Any:
        """One value from its spelling; ValueError says what was expected."""
        if self.choices is not None:
            if text in self.choices:
                return self.choices[text]
            raise ValueError(f"expected one of {', '.join(repr(c) for c in self.choices)}")
        t = self.type
        if t is bool:
            low = text.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("expected 'true' or 'false'")
        if t is int:
            try:
                return int(text, 0)
            except ValueError:
                raise ValueError("expected an integer") from None
        if t is float:
            try:
                return float(text)
            except ValueError:
                raise ValueError("expected a number") from None
        if t is str:
            return text
        try:
            return t(text)
        except (TypeError, ValueError) as e:
            raise ValueError(str(e) or f"not a valid {getattr(t, '__name__', 'value')}") from None

    def parse_items(self, items: Sequence[str], raw: str | None) -> Any:
        """The value of `name=raw`, whose comma-separated parts are `items`.
        A flag given without a value (`{top-down}`) arrives with `raw=None`."""
        if raw is None:
            if self.type is bool and self.choices is None:
                return True
            raise ValueError("expected a value")
        text = items[0] if len(items) == 1 else raw
        return self.parse_scalar(text)

    # -- python value -> validated value ------------------------------------

    def coerce(self, value: Any) -> Any:
        """Check a value given from Python; strings are parsed as on the command line."""
        if isinstance(value, str) and self.type is not str:
            return self.parse_scalar(value)
        if self.choices is not None:
            if value in self.choices.values():
                return value
            raise ValueError(f"expected one of {', '.join(repr(c) for c in self.choices)}")
        t = self.type
        if t is bool and not isinstance(value, bool):
            raise ValueError("expected a bool")
        if t is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("expected an int")
        if t is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError("expected a number")
        if t is float:
            return float(value)
        return value

    # -- value -> text ------------------------------------------------------

    def format(self, value: Any) -> str:
        """The spelling `parse_items` reads back as `value`."""
        if self.choices is not None:
            for k, v in self.choices.items():
                if v == value:
                    return k
        if isinstance(value, bool):
            return "true" if value else "false"
        return format_option_value(str(value))

    def type_name(self) -> str:
        """The value kind `--help` and `--list-passes` show (`int`, `string`, `bool`, `number`, or `value` for
        choices).
        """
        if self.choices is not None:
            return "value"
        return {int: "int", float: "number", bool: "bool", str: "string"}.get(self.type,
                                                                          getattr(self.type, "__name__", "value"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, default={self.default!r})"


class ListOption(Option):
    """A comma-separated list option: `ListOption("tile-sizes", int, [], "help")`
    parses `tile-sizes=4,8` (items may be quoted or wrapped in `{...}`)."""

    is_list = True

    def __init__(self, name: str, type: Callable[[str], Any] = str, default: Sequence[Any] = (), help: str = "", *,
                 choices: Sequence[str] | Mapping[str, Any] | None = None):
        super().__init__(name, type, list(default), help, choices=choices)

    def parse_items(self, items: Sequence[str], raw: str | None) -> list[Any]:
        if raw is None:
            raise ValueError("expected a comma-separated list")
        return [self.parse_scalar(t) for t in items]

    def coerce(self, value: Any) -> list[Any]:
        if isinstance(value, str):
            raise ValueError("expected a list")
        return [Option.coerce(self, v) for v in value]

    def format(self, value: Any) -> str:
        return ",".join(Option.format(self, v) for v in value)

    def type_name(self) -> str:
        """The element kind followed by `,...`, as upstream shows list options."""
        return Option.type_name(self) + ",..."


class Statistic:
    """A counter a pass bumps while running: `self.stats["num-erased"] += 1`.
    `--mlir-pass-statistics` prints them after the pipeline."""

    def __init__(self, name: str, help: str = ""):
        self.name = name
        self.help = help

    def __repr__(self) -> str:
        return f"Statistic({self.name!r})"


class _Stats(dict):
    """Statistic values by name; a typo raises at once instead of counting nowhere."""

    def __missing__(self, key: str):
        raise KeyError(f"pass declares no statistic named {key!r} (declared: {', '.join(self) or 'none'})")


# ----------------------------------------------------------------------------
# Pass
# ----------------------------------------------------------------------------


class Pass:
    """Base class of every pass; see the module docstring for a declaration.

    Class attributes: `name` (the flag / pipeline name), `summary` (one line
    for `--list-passes`), `anchor` (the op name it runs on, None for any op),
    `options`, `statistics`, and optionally `display_name` (the name shown in
    IR dumps and reports; defaults to the class name, as MLIR's pass names).

    `anchor = None` (the default) is upstream's op-agnostic pass: it runs on
    whatever op its pass manager runs on - the module for `pm.add(P())` on a
    `PassManager()`, each function inside `func.func(...)`, each op directly
    nested for `any(...)` - so it must not assume an op kind. A pass with an
    anchor such as `"func.func"` added to a manager on another op is nested
    under that op automatically (`builtin.module(func.func(p))`).

    Registration (`@register_pass`) is only for finding the pass by name: on
    the `mir-opt` command line, in pipeline text, in `register_pipeline`
    aliases. `PassManager().add(MyPass(opt=1))` needs no registration.
    A pass instance is reused across ops and runs; keep per-op state local to
    `run_on_operation`.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    anchor: ClassVar[str | None] = None
    options: ClassVar[Sequence[Option]] = ()
    statistics: ClassVar[Sequence[Statistic]] = ()
    display_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "display_name" not in cls.__dict__:
            cls.display_name = cls.__name__
        _check_declaration(cls)

    def __init__(self, **options: Any):
        """Options by attribute name (`max_iterations=3`) or by flag name
        (`**{"max-iterations": 3}`); unset ones take their defaults."""
        decl = {o.attr: o for o in type(self).options}
        by_flag = {o.name: o for o in type(self).options}
        for o in decl.values():
            setattr(self, o.attr, list(o.default) if o.is_list else o.default)
        for key, value in options.items():
            o = decl.get(key) or by_flag.get(key)
            if o is None:
                raise PassManagerError(f"pass '{self.name}' has no option '{key}'"
                                       f" (options: {', '.join(by_flag) or 'none'})")
            try:
                setattr(self, o.attr, o.coerce(value))
            except ValueError as e:
                raise PassManagerError(f"invalid value {value!r} for option '{o.name}' of pass "
                                       f"'{self.name}': {e}") from None
        self.stats = _Stats({s.name: 0 for s in type(self).statistics})
        self._failed = False

    def run_on_operation(self, op: Operation) -> None:
        """Transform `op`; fail with `signal_failure()` or `raise PassFailure(msg)`."""
        raise NotImplementedError(f"pass '{self.name}' does not define run_on_operation")

    def initialize(self) -> None:
        """Called once per `PassManager.run`, before any op is visited: the
        place for work shared by all ops (building a pattern set)."""

    def can_schedule_on(self, op: Operation) -> bool:
        """Whether the pass may run on `op`; anchored passes need their op."""
        return self.anchor is None or op.name == self.anchor

    def signal_failure(self) -> None:
        """Mark this run as failed; the pipeline stops after the pass returns."""
        self._failed = True

    def option_values(self) -> dict[str, Any]:
        """Current option values by flag name."""
        return {o.name: getattr(self, o.attr) for o in type(self).options}

    def pipeline_text(self) -> str:
        """`name{opt=value ...}` with every set option, as MLIR prints pipelines."""
        opts = [o for o in sorted(type(self).options, key=lambda o: o.name) if getattr(self, o.attr) is not None]
        if not opts:
            return self.name
        body = " ".join(f"{o.name}={o.format(getattr(self, o.attr))}" for o in opts)
        return f"{self.name}{{{body}}}"

    @classmethod
    def description(cls) -> str:
        """The class docstring, stripped: the long help of `--list-passes` and the docs."""
        return (cls.__doc__ or "").strip()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pipeline_text()}>"


_RESERVED = frozenset(dir(Pass)) | {"stats", "_failed"}


def _check_declaration(cls: type[Pass]) -> None:
    where = f"pass class {cls.__name__}"
    opts = cls.options
    if not isinstance(opts, (list, tuple)):
        raise PassDefinitionError(f"{where}: 'options' must be a list of Option")
    seen: set[str] = set()
    for o in opts:
        if not isinstance(o, Option):
            raise PassDefinitionError(f"{where}: {o!r} in 'options' is not an Option")
        if o.name in seen:
            raise PassDefinitionError(f"{where}: option '{o.name}' is declared twice")
        if o.attr in _RESERVED or not o.attr.isidentifier():
            raise PassDefinitionError(f"{where}: option '{o.name}' would be read as self.{o.attr}, "
                                      "which is not a free attribute name")
        seen.add(o.name)
        seen.add(o.attr)
        if o.default is not None:
            try:
                o.default = o.coerce(o.default)
            except ValueError as e:
                raise PassDefinitionError(f"{where}: default of option '{o.name}' is invalid: {e}") from None
    stats = cls.statistics
    if not isinstance(stats, (list, tuple)) or not all(isinstance(s, Statistic) for s in stats):
        raise PassDefinitionError(f"{where}: 'statistics' must be a list of Statistic")
    if len({s.name for s in stats}) != len(stats):
        raise PassDefinitionError(f"{where}: a statistic is declared twice")
    if cls.anchor is not None and (not isinstance(cls.anchor, str) or cls.anchor == "any"):
        raise PassDefinitionError(f"{where}: 'anchor' must be an op name or None (None means any op)")


# ----------------------------------------------------------------------------
# Pass managers
# ----------------------------------------------------------------------------
