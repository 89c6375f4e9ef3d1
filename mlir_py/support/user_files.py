"""Loading users' Python files: dialects (`--load-dialect`) and pass plugins
(`--load-pass-plugin`) go through this one loader.

The rule, so that a plugin can `import toy` and get the dialect file that
`--load-dialect toy.py` loaded - the same module object, hence the same op
classes for `isinstance` and pattern roots:

- a file is loaded as a module named after its file's stem (`toy.py` ->
  `toy`), registered in `sys.modules`, with its folder put first on
  `sys.path` (as running it as a script would), so the files of one folder
  import each other by name;
- files load in the order given; a file imported by name before its flag
  comes is not loaded again;
- loading the same file again is a no-op returning the same module;
- two different files with the same stem, or a stem that names a module
  already imported from elsewhere (`numpy.py`), are an error: one name
  cannot mean two modules.

Whatever a file raises while loading - any `BaseException`, `sys.exit()`
included - becomes a `UserFileError` whose message names the file and, where
known, the line.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import threading
from types import ModuleType

from mlir_py.support.user_errors import debug_enabled, describe_exception, format_traceback, raise_site

__all__ = ["UserFileError", "load_user_file", "loaded_user_files", "forget_user_files"]


class UserFileError(Exception):
    """A user file that cannot be found or fails to load. When the fault is
    in the file (`in_file`), `str()` is the whole report, `FILE[:LINE]:
    error: MESSAGE`; when it is the path (missing, a directory, a name
    clash), `str()` is the message for the tool to report as its own."""

    def __init__(self, path: str, message: str, line: int | None = None, *, in_file: bool = True):
        self.path = path
        self.line = line
        self.message = message
        self.in_file = in_file
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: error: {message}" if in_file else message)


#: real path -> module, in load order
_loaded: dict[str, ModuleType] = {}


def loaded_user_files() -> dict[str, ModuleType]:
    """The files loaded so far (real path -> module), in load order."""
    return dict(_loaded)


def forget_user_files(keep: dict[str, ModuleType], modules_before: dict[str, ModuleType] | None = None) -> None:
    """Unload every file not in `keep` (a `loaded_user_files()` snapshot), so
    that a later load runs it again (used by `registry_scope`). A module that
    was already in `modules_before` (a `sys.modules` snapshot taken with
    `keep`) stays imported: someone imported it before the scope."""
    for path in [p for p in _loaded if p not in keep]:
        mod = _loaded.pop(path)
        name = mod.__name__
        if sys.modules.get(name) is mod and (modules_before is None or modules_before.get(name) is not mod):
            del sys.modules[name]


def _module_file(mod: ModuleType) -> str | None:
    f = getattr(mod, "__file__", None)
    return os.path.realpath(f) if isinstance(f, str) else None


def load_user_file(path: str, kind: str = "Python file") -> ModuleType:
    """Import the user's file at `path` under its stem name (see the module
    docstring); `kind` ("dialect file", "pass plugin") words the errors."""
    if not os.path.exists(path):
        raise UserFileError(path, f"cannot open {kind} '{path}': no such file", in_file=False)
    if os.path.isdir(path):
        raise UserFileError(path, f"cannot load {kind} '{path}': it is a directory, not a Python file", in_file=False)
    real = os.path.realpath(path)
    mod = _loaded.get(real)
    if mod is not None:
        return mod
    if not os.access(real, os.R_OK):
        raise UserFileError(path, f"cannot open {kind} '{path}': permission denied", in_file=False)
    name = os.path.splitext(os.path.basename(real))[0]
    other = sys.modules.get(name)
    if other is not None:
        if _module_file(other) == real:  # imported by name before its flag came
            _loaded[real] = other
            return other
        theirs = getattr(other, "__file__", None) or "a built-in module"
        clash = next((p for p, m in _loaded.items() if m is other), None)
        if clash is not None:
            raise UserFileError(path, f"cannot load {kind} '{path}' as module '{name}': '{clash}' was already "
                                      f"loaded under that name; rename one of the files", in_file=False)
        raise UserFileError(path, f"cannot load {kind} '{path}' as module '{name}': that name is already taken "
                                  f"by {theirs}; rename the file", in_file=False)
    loader = importlib.machinery.SourceFileLoader(name, real)
    spec = importlib.util.spec_from_file_location(name, real, loader=loader)
    if spec is None:  # pragma: no cover - SourceFileLoader accepts any file
        raise UserFileError(path, f"cannot load {kind} '{path}'")
    mod = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(real)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = mod
    _loaded[real] = mod
    try:
        loader.exec_module(mod)
    except BaseException as e:  # noqa: BLE001 - anything the file raises is the file's error
        _loaded.pop(real, None)
        if sys.modules.get(name) is mod:
            del sys.modules[name]
        if isinstance(e, KeyboardInterrupt) and threading.current_thread() is threading.main_thread():
            raise  # possibly a real Ctrl-C
        raise _load_error(path, real, kind, e) from None
    return mod


def _load_error(path: str, real: str, kind: str, e: BaseException) -> UserFileError:
    line = None
    if isinstance(e, SyntaxError) and e.filename and os.path.realpath(e.filename) == real:
        line = e.lineno
        detail = f"SyntaxError: {e.msg}"
    else:
        site = raise_site(e, prefer_file=real)
        if site is not None and os.path.realpath(site[0]) == real:
            line = site[1]
        detail = describe_exception(e)
    msg = f"cannot load {kind} '{path}': {detail}"
    if debug_enabled():
        msg += "\n" + format_traceback(e)
    return UserFileError(path, msg, line)
