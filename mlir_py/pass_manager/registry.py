"""The pass registry: names of declared passes and pipeline aliases.

`@register_pass` adds a declared `Pass` class under its `name`;
`register_pipeline` adds an alias that expands into passes. The registry is
the only place names are resolved, so a pass written by a user (loaded with
`--load-pass-plugin FILE.py`) behaves exactly like a shipped one. Shipped
passes are found by importing every module under `mlir_py.passes` the first
time a name is looked up - a new pass file needs no wiring.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from mlir_py.pass_manager.definition import Option, Pass, PassManagerError
from mlir_py.support.user_files import UserFileError, forget_user_files, load_user_file, loaded_user_files

if TYPE_CHECKING:
    from mlir_py.pass_manager.manager import OpPassManager

__all__ = [
    "PassPipelineInfo", "PassPluginError", "load_builtin_passes", "load_errors", "load_pass_plugin", "lookup",
    "register_pass",
    "register_pipeline", "registered_passes", "registered_pipelines", "registry_scope",
    "unknown_name_message",
    "unregister",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.$-]*\Z")


@dataclass(frozen=True)
class PassPipelineInfo:
    """A registered pipeline alias: `builder(pm)` - or `builder(pm, options)`
    when `options` are declared - appends its passes to `pm`."""

    name: str
    summary: str
    builder: Callable[..., Any]
    options: tuple[Option, ...] = ()

    def build(self, pm: OpPassManager, values: dict[str, Any]) -> None:
        """Append the alias's passes to `pm`, with `values` (by option attribute name) over the declared defaults."""
        if self.options:
            ns = SimpleNamespace(**{o.attr: list(o.default) if o.is_list else o.default for o in self.options})
            for k, v in values.items():
                setattr(ns, k, v)
            self.builder(pm, ns)
        else:
            self.builder(pm)


class PassPluginError(Exception):
    """A `--load-pass-plugin` file that is missing or fails to import.
    `in_file` as for `mlir_py.support.user_files.UserFileError`."""

    in_file = False


_passes: dict[str, type[Pass]] = {}
_pipelines: dict[str, PassPipelineInfo] = {}
_plugins: dict[str, ModuleType] = {}
_builtin_loaded = False
#: pass modules under mlir_py.passes that failed to import -> the error
_load_errors: dict[str, str] = {}


# ----------------------------------------------------------------------------
# Registration
# ----------------------------------------------------------------------------


def _check_name(name: Any, what: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name) or name == "any":
        raise PassManagerError(f"{what} name {name!r} is not a valid pass name (letters, digits, '-', '_', '.')")


def register_pass(cls: type[Pass]) -> type[Pass]:
    """Add a pass class to the registry (usable as a class decorator).

    Registering the same class again is a no-op, so modules may be imported
    twice; a different class under a taken name is an error.

    Needed only to refer to the pass by `name` (command line, pipeline text,
    `pm.add("name")`, `--list-passes`); `pm.add(MyPass())` works without it.
    """
    if not (isinstance(cls, type) and issubclass(cls, Pass)):
        raise TypeError(f"register_pass expects a Pass subclass, got {cls!r}")
    _check_name(cls.name, f"pass class {cls.__name__}:")
    old = _passes.get(cls.name)
    if old is not None and old is not cls and (old.__module__, old.__qualname__) != (cls.__module__,
                                                                                      cls.__qualname__):
        raise PassManagerError(f"pass '{cls.name}' is already registered by {old.__module__}.{old.__qualname__}")
    if cls.name in _pipelines:
        raise PassManagerError(f"'{cls.name}' is already registered as a pass pipeline")
    _passes[cls.name] = cls
    return cls


def register_pipeline(name: str, summary: str, builder: Callable[..., Any] | None = None, *,
                      options: Sequence[Option] = ()) -> Any:
    """Register a pipeline alias; without `builder`, a decorator for it.

    ```python
    @register_pipeline("cleanup", "Canonicalize, then CSE")
    def cleanup(pm):
        pm.add("canonicalize").add("cse")
    ```
    The builder runs with implicit nesting, so it may add anchored passes
    (`func.func` ones) directly.
    """
    if builder is None:
        return lambda fn: (register_pipeline(name, summary, fn, options=options), fn)[1]
    _check_name(name, "pipeline")
    if name in _passes:
        raise PassManagerError(f"'{name}' is already registered as a pass")
    old = _pipelines.get(name)
    if old is not None and old.builder is not builder:
        raise PassManagerError(f"pass pipeline '{name}' is already registered")
    info = PassPipelineInfo(name, summary, builder, tuple(options))
    _pipelines[name] = info
    return info


def unregister(name: str) -> None:
    """Remove a pass or pipeline (tests register their own and clean up)."""
    _passes.pop(name, None)
    _pipelines.pop(name, None)


@contextlib.contextmanager
def registry_scope() -> Iterator[None]:
    """Everything registered (and every plugin loaded) inside the block is
    forgotten after it. The shipped passes are loaded first, so they survive.
    """
    load_builtin_passes()
    saved: list[tuple[dict[str, Any], dict[str, Any]]] = [(d, dict(d)) for d in (_passes, _pipelines, _plugins)]
    files, modules = loaded_user_files(), dict(sys.modules)
    try:
        yield
    finally:
        for d, content in saved:
            d.clear()
            d.update(content)
        forget_user_files(files, modules)


def lookup(name: str) -> type[Pass] | PassPipelineInfo | None:
    """The pass class or pipeline registered as `name` (pipelines first, as MLIR)."""
    load_builtin_passes()
    return _pipelines.get(name) or _passes.get(name)


def registered_passes() -> dict[str, type[Pass]]:
    """Every registered pass class by name, sorted (imports the shipped passes first)."""
    load_builtin_passes()
    return dict(sorted(_passes.items()))


def registered_pipelines() -> dict[str, PassPipelineInfo]:
    """Every registered pipeline alias by name, sorted (imports the shipped passes first)."""
    load_builtin_passes()
    return dict(sorted(_pipelines.items()))


def load_builtin_passes() -> None:
    """Import every module under `mlir_py.passes`, whose declarations register them.

    A module that fails to import is skipped and remembered rather than
    taking every other pass down with it; the failure is shown where it
    matters - when a pass name is not found, and in `--list-passes`.
    """
    global _builtin_loaded
    if _builtin_loaded:
        return
    _builtin_loaded = True
    try:
        pkg = importlib.import_module("mlir_py.passes")
    except ModuleNotFoundError as e:
        if e.name == "mlir_py.passes":
            return
        raise

    def failed(name: str) -> None:
        exc = sys.exc_info()[1]
        _load_errors[name] = f"{type(exc).__name__}: {exc}"

    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=failed):
        if info.name in sys.modules or any(info.name.startswith(bad + ".") for bad in _load_errors):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as e:  # one broken pass module must not disable the others
            _load_errors[info.name] = f"{type(e).__name__}: {e}"


def unknown_name_message(name: str, *, passes_only: bool = False) -> str:
    """"'x' does not refer to a registered pass", with the closest name and why shipped passes may be missing."""
    known = list(_passes) if passes_only else list(_passes) + list(_pipelines)
    msg = f"'{name}' does not refer to a registered pass{'' if passes_only else ' or pass pipeline'}"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        msg += f"; did you mean '{close[0]}'?"
    return msg if passes_only else msg + _load_error_note()


def load_errors() -> dict[str, str]:
    """Shipped pass modules that failed to import, with the error."""
    return dict(_load_errors)


def _load_error_note() -> str:
    if not _load_errors:
        return ""
    return " (" + "; ".join(f"{m} failed to import: {err}" for m, err in sorted(_load_errors.items())) + ")"


def load_pass_plugin(path: str) -> ModuleType:
    """Import a user's Python file; its `@register_pass` declarations register
    its passes. The file is loaded by `mlir_py.support.user_files` - the loader of
    `--load-dialect` too - as the module named after its stem, so it can
    `import` a dialect file of its folder and share its classes. Loading the
    same file twice is a no-op."""
    full = os.path.abspath(path)
    mod = _plugins.get(full)
    if mod is not None:
        return mod
    try:
        mod = load_user_file(path, "pass plugin")
    except UserFileError as e:
        err = PassPluginError(str(e))
        err.in_file = e.in_file
        raise err from e.__cause__
    _plugins[full] = mod
    return mod


# ----------------------------------------------------------------------------
# Text -> pass managers
# ----------------------------------------------------------------------------
