"""Streams (ordered queues of device work) and events (points in them).

A `Stream` is created non-blocking towards the legacy default stream, so
work queued on it overlaps other streams; `None` where a stream is taken
means the default stream. `Event`s time device work: record one before and
one after, synchronize the second, and `elapsed_ms` is the device's own
clock, with no launch or Python overhead in it.
"""

from __future__ import annotations

import ctypes

from mlir_py.execution.cuda.context import Context, default_context

__all__ = ["Event", "Stream"]

_STREAM_NON_BLOCKING = 1
_EVENT_DEFAULT = 0
_EVENT_DISABLE_TIMING = 2


class Stream:
    """One CUDA stream; destroyed by `destroy()`, at the end of a `with`, or when it dies."""

    def __init__(self, context: Context | None = None):
        self.context = ctx = context if context is not None else default_context()
        ctx.make_current()
        handle = ctypes.c_void_p()
        ctx.driver.call("cuStreamCreate", ctypes.byref(handle), _STREAM_NON_BLOCKING)
        self.handle = handle.value

    def synchronize(self) -> None:
        """Wait until everything queued on the stream has run; a fault of a
        kernel queued here surfaces as CudaError."""
        self.context.make_current()
        self.context.driver.call("cuStreamSynchronize", self.handle)

    def wait(self, event: Event) -> None:
        """Later work on this stream waits for `event` (cuStreamWaitEvent)."""
        self.context.make_current()
        self.context.driver.call("cuStreamWaitEvent", self.handle, event.handle, 0)

    def destroy(self) -> None:
        handle, self.handle = self.handle, None
        if handle:
            self.context.make_current()
            self.context.driver.call("cuStreamDestroy_v2", handle)

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()

    def __del__(self):
        try:
            self.destroy()
        except Exception:  # noqa: BLE001 - never raise from a destructor
            pass


class Event:
    """A marker in a stream, with timing unless `timing=False`."""

    def __init__(self, timing: bool = True, context: Context | None = None):
        self.context = ctx = context if context is not None else default_context()
        ctx.make_current()
        handle = ctypes.c_void_p()
        ctx.driver.call("cuEventCreate", ctypes.byref(handle), _EVENT_DEFAULT if timing else _EVENT_DISABLE_TIMING)
        self.handle = handle.value

    def record(self, stream: Stream | None = None) -> Event:
        self.context.make_current()
        self.context.driver.call("cuEventRecord", self.handle, None if stream is None else stream.handle)
        return self

    def synchronize(self) -> None:
        self.context.make_current()
        self.context.driver.call("cuEventSynchronize", self.handle)

    def elapsed_ms(self, end: Event) -> float:
        """Milliseconds from this event to `end` (both recorded; `end` is
        synchronized first)."""
        end.synchronize()
        ms = ctypes.c_float()
        self.context.driver.call("cuEventElapsedTime", ctypes.byref(ms), self.handle, end.handle)
        return ms.value

    def destroy(self) -> None:
        handle, self.handle = self.handle, None
        if handle:
            self.context.make_current()
            self.context.driver.call("cuEventDestroy_v2", handle)

    def __del__(self):
        try:
            self.destroy()
        except Exception:  # noqa: BLE001 - never raise from a destructor
            pass
