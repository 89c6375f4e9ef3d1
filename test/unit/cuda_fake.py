"""A fake CUDA driver for tests on machines without a GPU.

`fake_driver` compiles Inputs/fake_libcuda.c with the C compiler once per
session and points `MLIR_PY_LIBCUDA` at it; the returned ctypes handle is
the same library the runtime loaded (dlopen shares it), so a test sets the
fake's knobs (`set`) and reads what it recorded (`params`, `launches`).
Without a C compiler the tests that need it skip, saying so.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess

import pytest

SOURCE = os.path.join(os.path.dirname(__file__), "Inputs", "fake_libcuda.c")


def build_fake(directory) -> str:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler to build the fake CUDA driver")
    out = os.path.join(str(directory), "libcuda_fake.so")
    r = subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", out, SOURCE], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"the fake CUDA driver did not build: {r.stderr.strip()[:200]}")
    return out


class FakeDriver:
    """The loaded fake and its knobs."""

    def __init__(self, path: str):
        self.path = path
        self.lib = ctypes.CDLL(path)
        self.lib.fake_set.argtypes = [ctypes.c_char_p, ctypes.c_int]

    def set(self, what: str, value: int) -> None:
        self.lib.fake_set(what.encode(), value)

    def counter(self, name: str) -> int:
        return ctypes.c_int.in_dll(self.lib, name).value

    def expect_params(self, sizes: list[int]) -> None:
        """Record the next launch's first len(sizes) parameters, of these sizes."""
        ctypes.c_int.in_dll(self.lib, "fake_param_count").value = len(sizes)
        arr = (ctypes.c_int * 64).in_dll(self.lib, "fake_param_sizes")
        for i, s in enumerate(sizes):
            arr[i] = s

    def params(self, sizes: list[int]) -> list[bytes]:
        rows = ((ctypes.c_ubyte * 16) * 64).in_dll(self.lib, "fake_params")
        return [bytes(rows[i])[:s] for i, s in enumerate(sizes)]

    def dims(self) -> tuple[tuple[int, ...], tuple[int, ...], int]:
        grid = (ctypes.c_uint * 3).in_dll(self.lib, "fake_grid")
        block = (ctypes.c_uint * 3).in_dll(self.lib, "fake_block")
        return tuple(grid), tuple(block), ctypes.c_uint.in_dll(self.lib, "fake_smem").value

    def last_function(self) -> str:
        return (ctypes.c_char * 64).in_dll(self.lib, "fake_last_function").value.decode()

    def last_image(self) -> str:
        """The PTX of the last cuModuleLoadDataEx."""
        p = ctypes.c_char_p.in_dll(self.lib, "fake_last_image").value
        return (p or b"").decode()

    def reset_knobs(self) -> None:
        for what, v in (("init", 0), ("devices", 1), ("alloc", 0), ("launch", 0), ("load", 218), ("sync", 0),
                         ("managed", 0)):
            self.set(what, v)
        ctypes.c_int.in_dll(self.lib, "fake_param_count").value = 0


@pytest.fixture(scope="session")
def fake_driver_path(tmp_path_factory) -> str:
    return build_fake(tmp_path_factory.mktemp("fake_cuda"))


@pytest.fixture
def fake_driver(fake_driver_path, monkeypatch):
    from mlir_py.execution.cuda.context import reset
    from mlir_py.execution.cuda.driver import LIBRARY_ENV
    monkeypatch.setenv(LIBRARY_ENV, fake_driver_path)
    reset()
    fake = FakeDriver(fake_driver_path)
    fake.reset_knobs()
    yield fake
    fake.reset_knobs()
    monkeypatch.delenv(LIBRARY_ENV)
    reset()
