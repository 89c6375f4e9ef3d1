"""NVIDIA's PTX assembler, where one is installed: the independent check that the PTX we emit is valid
for a GPU (the test suite assembles every PTX it produces for sm_80 and sm_90).

Found on PATH, in the `nvidia-cuda-nvcc` wheel (the `[gpu-test]` extra puts
it at site-packages/nvidia/cu13/bin/ptxas; CUDA 12's wheel used
nvidia/cuda_nvcc/bin), or under $CUDA_HOME / $CUDA_PATH / /usr/local/cuda.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

_WHEEL_DIRS = (("nvidia", "cu13", "bin"), ("nvidia", "cuda_nvcc", "bin"))


class PtxasError(Exception):
    """ptxas rejected the PTX: its messages."""


def _candidates() -> list[str]:
    out = []
    found = shutil.which("ptxas")
    if found:
        out.append(found)
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    roots.update(p for p in sys.path if p.endswith("site-packages"))
    for root in sorted(roots):
        for parts in _WHEEL_DIRS:
            out.append(os.path.join(root, *parts, "ptxas"))
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            out.append(os.path.join(os.environ[var], "bin", "ptxas"))
    out.append("/usr/local/cuda/bin/ptxas")
    return out


def find_ptxas() -> str | None:
    """The path of an executable ptxas, or None."""
    for path in _candidates():
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def assemble(ptx: str, arch: str = "sm_80", ptxas: str | None = None) -> bytes:
    """Assemble `ptx` for `arch` with ptxas (a cubin); PtxasError with ptxas's messages if it is rejected."""
    exe = ptxas or find_ptxas()
    if exe is None:
        raise PtxasError("ptxas not found (install the [gpu-test] extra, or the CUDA toolkit)")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "module.ptx")
        dst = os.path.join(tmp, "module.cubin")
        with open(src, "w") as f:
            f.write(ptx)
        r = subprocess.run([exe, f"-arch={arch}", src, "-o", dst], capture_output=True, text=True)
        if r.returncode != 0:
            raise PtxasError((r.stderr or r.stdout).strip() or f"ptxas exited with status {r.returncode}")
        with open(dst, "rb") as f:
            return f.read()
