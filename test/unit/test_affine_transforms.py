"""The affine loop transforms against brute force: the dependence test behind
affine-parallelize never calls a loop parallel when two different iterations
touch one element (one of them writing)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import mlir_py as mp
from mlir_py.pass_manager import PassManager

CTX = mp.Context().load_all_available_dialects()
TRIP = 12


def _conflict(read, write) -> bool:
    """Brute force: distinct iterations i != j with write(i) == read(j) or write(i) == write(j)."""
    (a, b), (c, d) = read, write
    for i in range(TRIP):
        for j in range(TRIP):
            if i != j and (c * i + d == a * j + b or c * i + d == c * j + d):
                return True
    return False


@settings(max_examples=150, deadline=None)
@given(st.tuples(st.integers(-3, 3), st.integers(0, 40)), st.tuples(st.integers(-3, 3), st.integers(0, 40)))
def test_parallelize_is_sound(read, write):
    (a, b), (c, d) = read, write
    text = f"""func.func @f(%A: memref<200xf32>) {{
  affine.for %i = 0 to {TRIP} {{
    %v = affine.load %A[%i * {a} + {b + 50}] : memref<200xf32>
    affine.store %v, %A[%i * {c} + {d + 50}] : memref<200xf32>
  }}
  return
}}"""
    module = mp.parse(CTX, text)
    PassManager().add("affine-parallelize").run(module)
    parallel = "affine.parallel" in str(module)
    if parallel:
        assert not _conflict((a, b + 50), (c, d + 50)), str(module)
    if not _conflict((a, b + 50), (c, d + 50)) and a == c and a != 0 and b == d:
        assert parallel  # same element in the same iteration only: the test proves it
