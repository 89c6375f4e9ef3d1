"""Every public class, function and method of the core carries a docstring.

The core (`mlir_py/` without the shipped dialects, passes and tools) is what
users program against; a public name without a docstring leaves them reading
the source to learn its contract. Walked with `inspect` over the imported
modules: names imported from elsewhere are skipped (they are checked where
they are defined), and so are dunder methods (their contract is Python's).
A method overriding a documented one inherits its docstring (`inspect.getdoc`):
`SymbolTable.verify` keeps the contract `Trait.verify` states. Accessors generated
by another module (an op's field properties, made by `opdef`) are documented
where they are generated.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import textwrap
import types

import pytest

CORE = pathlib.Path(__file__).resolve().parents[2] / "mlir_py"

#: public names allowed to stay undocumented (none today); an entry must go once its
#: name has a docstring (test_allow_list_holds_only_undocumented_names says when)
ALLOWED_MISSING: set[str] = set()


def _core_modules() -> list[str]:
    mods = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if any(p.startswith("_") for p in parts[1:]):
            continue
        mods.append(".".join(parts))
    return mods


def _public(name: str) -> bool:
    return not name.startswith("_")


def _members(cls: type):
    """(name, function, docstring) for the public methods and properties `cls` itself defines."""
    for name, raw in vars(cls).items():
        if not _public(name):
            continue
        if isinstance(raw, (staticmethod, classmethod)):
            yield name, raw.__func__, raw.__func__.__doc__
        elif isinstance(raw, property) and raw.fget is not None:
            yield name, raw.fget, raw.__doc__  # a property's doc= or its getter's docstring
        elif inspect.isfunction(raw):
            yield name, raw, raw.__doc__


def _generated(cls: type, member) -> bool:
    """An accessor made by the code that builds `cls` (an op's field properties), documented there."""
    return getattr(member, "__module__", cls.__module__) != cls.__module__


def _method_doc(cls: type, name: str, doc: str | None) -> str | None:
    """`doc`, else the docstring of the method it overrides in a base class of `cls`."""
    if doc:
        return doc
    for base in cls.__mro__[1:]:
        raw = vars(base).get(name)
        if raw is not None:
            doc = raw.__doc__ if isinstance(raw, property) else inspect.getdoc(raw)
            if doc:
                return doc
    return None


def undocumented(module) -> list[str]:
    """Qualified names of the public classes, functions and methods `module` defines without a docstring."""
    missing = []
    for name, obj in vars(module).items():
        if not _public(name) or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(obj):
            if obj.__qualname__ != name:
                continue  # an alias of a class defined under another name
            if not obj.__doc__:
                missing.append(f"{module.__name__}.{name}")
            for mname, member, doc in _members(obj):
                if not _generated(obj, member) and not _method_doc(obj, mname, doc):
                    missing.append(f"{module.__name__}.{name}.{mname}")
        elif inspect.isfunction(obj) and obj.__name__ == name and not obj.__doc__:
            missing.append(f"{module.__name__}.{name}")
    return missing


@pytest.mark.parametrize("modname", _core_modules())
def test_public_names_have_docstrings(modname):
    missing = [n for n in undocumented(importlib.import_module(modname)) if n not in ALLOWED_MISSING]
    assert not missing, "public names without a docstring:\n  " + "\n  ".join(missing)


def test_allow_list_holds_only_undocumented_names():
    still = {n for m in _core_modules() for n in undocumented(importlib.import_module(m))}
    assert ALLOWED_MISSING <= still, f"documented now, drop from ALLOWED_MISSING: {sorted(ALLOWED_MISSING - still)}"


FAKE_MODULE = textwrap.dedent('''
    from inspect import getdoc

    class Base:
        """Documented."""

        def hook(self):
            """The contract overrides keep."""

    class Bare(Base):
        def hook(self): ...
        def method(self): ...
        @property
        def prop(self): ...
        @classmethod
        def make(cls): ...
        def _private(self): ...

    def function(): ...
    def _helper(): ...
''')


def test_checker_sees_what_is_missing():
    m = types.ModuleType("fake_core")
    exec(FAKE_MODULE, m.__dict__)
    assert sorted(undocumented(m)) == ["fake_core.Bare", "fake_core.Bare.make", "fake_core.Bare.method",
                                       "fake_core.Bare.prop", "fake_core.function"]
