"""A tool's input and output streams, checked before the work starts.

An output that cannot be written (a missing folder, a directory, a closed
stdout, no permission, a full file system) must be reported before minutes
of work, with what is wrong with the path; mlir-opt likewise opens its
output file before processing. What no check can see in advance - a device
such as /dev/full that refuses the bytes, a pipe closed by the reader - is
reported when the write fails, with the path and the reason, never as an
internal error.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from typing import TextIO

from mlir_py.tools.tool_main import ToolError


def check_output_path(path: str) -> None:
    """Raise ToolError if `path` (`-` for stdout) clearly cannot be written."""
    if path == "-":
        if not _stream_usable(sys.stdout, 1):
            raise ToolError("cannot write the output: standard output is closed")
        return
    what = f"cannot write output file '{path}'"
    if path == "":
        raise ToolError("cannot write output file '': the name is empty")
    if os.path.isdir(path):
        raise ToolError(f"{what}: it is a directory")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(parent):
        raise ToolError(f"{what}: directory '{os.path.dirname(path) or parent}' does not exist")
    if not os.path.isdir(parent):
        raise ToolError(f"{what}: '{os.path.dirname(path)}' is not a directory")
    exists = os.path.exists(path)
    if exists and not os.access(path, os.W_OK):
        raise ToolError(f"{what}: permission denied")
    if not exists and not os.access(parent, os.W_OK | os.X_OK):
        raise ToolError(f"{what}: permission denied (cannot create files in '{parent}')")
    if not exists or stat.S_ISREG(os.stat(path).st_mode):
        try:
            fs = os.statvfs(parent)
        except OSError:
            return
        if fs.f_blocks > 0 and fs.f_bavail == 0:
            raise ToolError(f"{what}: no space left on device")


def check_input_path(path: str) -> None:
    """Raise ToolError if the input (`-` for stdin) cannot be read."""
    if path == "-":
        if not _stream_usable(sys.stdin, 0):
            raise ToolError("cannot read the input: standard input is closed")
        return
    if not os.path.exists(path):
        raise ToolError(f"could not open input file '{path}': No such file or directory")
    if os.path.isdir(path):
        raise ToolError(f"could not open input file '{path}': it is a directory")


def read_input(path: str) -> tuple[bytes, str]:
    """The input's bytes and the name diagnostics use for it."""
    if path == "-":
        try:
            buf = getattr(sys.stdin, "buffer", None)
            data = buf.read() if buf is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
        except (OSError, ValueError) as e:
            raise ToolError(f"could not read standard input: {_reason(e)}") from None
        return data, "<stdin>"
    try:
        with open(path, "rb") as f:
            return f.read(), path
    except OSError as e:
        raise ToolError(f"could not open input file '{path}': {_reason(e)}") from None


class Output:
    """The output stream, opened before the work (`-` is stdout). A file is
    opened, and so created or truncated, once the input has been read, so
    `-o` may name the input file."""

    def __init__(self, path: str):
        self.path = path
        self._file: TextIO | None = None

    def open(self) -> None:
        if self.path == "-":
            return
        try:
            self._file = open(self.path, "w", encoding="utf-8", errors="surrogateescape")
        except OSError as e:
            raise ToolError(f"cannot write output file '{self.path}': {_reason(e)}") from None

    def write(self, text: str) -> None:
        """Write and flush everything; a failure is a ToolError naming the path."""
        if self.path == "-":
            out = sys.stdout
            try:
                fd = _real_fd(out)
                if fd is None:  # an in-memory stream (tests redirect sys.stdout)
                    out.write(text)
                    out.flush()
                else:
                    # os.write on the descriptor: a buffered text stream can lose the
                    # error of a pipe closed half-way through a large write
                    out.flush()
                    view = memoryview(text.encode("utf-8", "surrogateescape"))
                    while view:
                        view = view[os.write(fd, view):]
            except (OSError, ValueError) as e:
                _silence_stdout()
                raise ToolError(f"cannot write to standard output: {_reason(e)}") from None
            return
        if self._file is None:
            self.open()
        f = self._file
        try:
            f.write(text)
            f.flush()
            f.close()
        except OSError as e:
            try:
                f.close()
            except OSError:
                pass
            raise ToolError(f"cannot write output file '{self.path}': {_reason(e)}") from None
        finally:
            self._file = None


def _real_fd(stream) -> int | None:
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def _stream_usable(stream, fd: int) -> bool:
    if stream is None or getattr(stream, "closed", False):
        return False
    try:
        real = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return True  # an in-memory stream (tests redirect sys.stdout)
    try:
        os.fstat(real)
    except OSError:
        return False
    return True


def _silence_stdout() -> None:
    """After a failed write to stdout, point fd 1 at /dev/null so that the
    interpreter's final flush of what is left cannot fail a second time."""
    try:
        if sys.stdout is not None and sys.stdout.fileno() == 1:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.errno is not None:
        return e.strerror or errno.errorcode.get(e.errno, str(e))
    return str(e)
