"""Vector lowerings preserve meaning: convert-vector-to-scf (both modes) and the n-D -> 1-D vector lowerings that
convert-vector-to-llvm starts with, checked by evaluating each function before and after on random inputs
(test/unit/vector_eval.py gives every op its meaning in numpy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mlir_py.passes.conversions.vector_to_scf import ConvertVectorToSCF
from mlir_py.passes.transforms.vector_lowering import lower_vector_to_1d
from vector_eval import run

import mlir_py as mp

CASES = (Path(__file__).parent / "Inputs" / "vector_lowering_cases.mir").read_text()

_DTYPES = {"f32": np.float32, "f16": np.float16, "i32": np.int32, "i1": np.bool_, "index": np.int64}


def _random(t, rng):
    from mlir_py.ir.builtin_types import MemRefType, VectorType
    if isinstance(t, (VectorType, MemRefType)):
        shape = [d if d >= 0 else int(rng.integers(3, 7)) for d in t.shape]
        et = str(t.element_type)
    else:
        shape, et = [], str(t)
    dt = _DTYPES[et]
    if dt is np.bool_:
        return rng.random(shape) < 0.6
    if et == "index":
        return np.array(int(rng.integers(0, 6)))
    if np.issubdtype(dt, np.integer):
        return rng.integers(-50, 50, size=shape).astype(dt)
    return (rng.standard_normal(shape) * 3).astype(dt)


def _funcs(module):
    return [op for op in module.regions[0].blocks[0].ops if op.name == "func.func"]


def _lowered(transform):
    ctx = mp.Context().load_all_available_dialects()
    m = mp.parse(ctx, CASES)
    transform(m)
    mp.verify(m)
    return m


def _scf_then_1d(full_unroll: bool):
    def t(m):
        ConvertVectorToSCF(full_unroll=full_unroll).run_on_operation(m)
        lower_vector_to_1d(m)
    return t


def _outer(m):
    lower_vector_to_1d(m, "outerproduct")


@pytest.mark.parametrize("transform", [lower_vector_to_1d, _outer, _scf_then_1d(True), _scf_then_1d(False)],
                         ids=["to-1d", "to-1d-outerproduct", "scf-unrolled+1d", "scf-loops+1d"])
def test_lowering_matches_reference(transform):
    ref = mp.parse(mp.Context().load_all_available_dialects(), CASES)
    low = _lowered(transform)
    rng = np.random.default_rng(7)
    for f_ref, f_low in zip(_funcs(ref), _funcs(low)):
        for _trial in range(3):
            args = [_random(a.type, rng) for a in f_ref.regions[0].blocks[0].args]
            args2 = [a.copy() for a in args]
            want = run(f_ref, args)
            got = run(f_low, args2)
            name = f_ref.properties["sym_name"].value
            for w, g in zip(want, got):
                np.testing.assert_allclose(np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64),
                                           rtol=2e-3, atol=1e-4, err_msg=name)
            for a, b in zip(args, args2):  # memrefs written in place
                np.testing.assert_array_equal(a, b, err_msg=name)


def test_lowering_leaves_only_1d_vector_ops():
    m = _lowered(_scf_then_1d(True))
    from mlir_py.ir.builtin_types import VectorType
    for op in m.walk():
        if op.name.startswith("vector."):
            assert op.name not in ("vector.contract", "vector.multi_reduction", "vector.outerproduct",
                                   "vector.transpose", "vector.create_mask", "vector.constant_mask",
                                   "vector.transfer_read", "vector.transfer_write"), op.name
            for v in list(op.results):
                if op.name not in ("vector.extract", "vector.insert"):
                    assert not isinstance(v.type, VectorType) or v.type.rank <= 1, (op.name, v.type)
