"""Running a command-line tool's body: exit codes, Ctrl-C and the last line
of defence against tracebacks, shared by the mir-* tools.

The body runs in a worker thread with a large stack, so deeply nested input
cannot overflow the C stack. Python delivers Ctrl-C (SIGINT) to the main
thread only, which here just waits for the worker: a handler there prints
one line and ends the process with status 130 (128 + SIGINT, as shells
expect) at once, whatever the worker was doing - parsing, a pass, a user's
plugin. A KeyboardInterrupt inside the worker therefore never comes from
the keyboard: it was raised by code, and the call sites of user code report
it as that code's error (see mlir_py.support.user_errors).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Callable

EXIT_INTERRUPTED = 130


class ToolError(Exception):
    """A failure to report as `TOOL: error: MESSAGE`, exit status 1."""


class ReportedError(Exception):
    """A failure whose message is already the whole report (for example
    `FILE:LINE: error: ...` for a user's file); printed as is, exit status 1."""


class ToolExit(Exception):
    """argparse finished the run itself (`--help`): exit with `status`."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class ToolArgumentParser(argparse.ArgumentParser):
    """argparse with the tools' one error style: a bad flag is a ToolError (`TOOL: error: ...`, status 1,
    not argparse's usage and status 2), and `--help` ends the run through ToolExit (status 0)."""

    def error(self, message: str):
        raise ToolError(message)

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            print(message, file=sys.stderr, end="")
        raise ToolExit(status)


def run_tool(tool: str, body: Callable[[list[str]], int], argv: list[str]) -> int:
    """Run `body(argv)` in a big-stack worker thread; its exit status."""
    result = [1]

    def work() -> None:
        result[0] = _guarded(tool, body, argv)

    old_handler = _install_interrupt_handler(tool)
    try:
        old_size = threading.stack_size(512 * 1024 * 1024)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 50000))
        t = threading.Thread(target=work, name=f"{tool}-main", daemon=True)
        t.start()
        threading.stack_size(old_size)
        try:
            while t.is_alive():
                t.join(0.5)  # wake up regularly: a signal handler runs between waits
        except KeyboardInterrupt:  # no handler could be installed (not the main thread)
            _interrupted(tool)
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGINT, old_handler)
    return result[0]


def _install_interrupt_handler(tool: str):
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return signal.signal(signal.SIGINT, lambda signum, frame: _interrupted(tool))
    except (ValueError, OSError):  # pragma: no cover - embedded interpreters
        return None


def _interrupted(tool: str) -> None:
    """Ctrl-C: one line, status 130, now (the worker may be deep in a pass)."""
    try:
        os.write(2, f"{tool}: interrupted\n".encode())
    except OSError:
        pass
    os._exit(EXIT_INTERRUPTED)


def _guarded(tool: str, body: Callable[[list[str]], int], argv: list[str]) -> int:
    from mlir_py.support.user_errors import debug_enabled, describe_exception, raise_site
    try:
        code = body(argv)
    except ToolExit as e:
        code = e.status
    except ToolError as e:
        _err(f"{tool}: error: {e}")
        code = 1
    except ReportedError as e:
        _err(str(e))
        code = 1
    except KeyboardInterrupt:
        _err(f"{tool}: interrupted")
        code = EXIT_INTERRUPTED
    except BaseException as e:  # noqa: BLE001 - last line of defence: never show a traceback
        if debug_enabled():
            import traceback
            traceback.print_exc()
        site = raise_site(e)
        where = f" (at {site[0]}:{site[1]})" if site is not None else ""
        hint = "" if debug_enabled() else " (set MLIR_PY_DEBUG=1 for a traceback)"
        _err(f"{tool}: error: internal error: {describe_exception(e)}{where}{hint}")
        code = 1
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        pass
    return code


def _err(text: str) -> None:
    stream = sys.stderr
    if stream is None:
        return
    try:
        print(text, file=stream)
        stream.flush()
    except (OSError, ValueError):
        pass
