"""convert-graph-to-linalg is sound: every case of graph_cases.py, lowered to linalg/tensor/arith/math on
tensors and evaluated by linalg_eval (each structured op by its maps and body), equals the numpy reference.

This checks the lowering alone, before bufferization and loop generation (test_graph_ops_numeric.py runs
the same cases through the whole pipeline), and that no graph op is left.
"""

from __future__ import annotations

import linalg_eval
import numpy as np
import pytest
from graph_cases import FAMILIES, Case

import mlir_py as mp


@pytest.fixture(scope="module")
def lowered():
    ctx = mp.Context.with_available_dialects()
    funcs: dict = {}

    def get(family: str):
        if family not in funcs:
            module = mp.parse(ctx, "\n".join(c.text() for c in FAMILIES[family]))
            assert mp.PassManager.parse("builtin.module(convert-graph-to-linalg)").run(module)
            mp.verify(module)
            assert not any(op.name.startswith("graph.") for op in module.walk())
            funcs[family] = {f.properties["sym_name"].value: f for f in module.regions[0].first_block.ops}
        return funcs[family]
    return get


@pytest.mark.parametrize("family,case", [(f, c) for f, cs in FAMILIES.items() for c in cs],
                         ids=lambda v: v if isinstance(v, str) else v.name)
def test_lowering_matches_numpy(lowered, family: str, case: Case):
    (got,) = linalg_eval.run(lowered(family)[case.name], *case.inputs)
    got = np.asarray(got)
    assert got.shape == case.expected.shape and got.dtype == case.expected.dtype
    if case.expected.dtype.kind == "f":
        np.testing.assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol)
    else:
        np.testing.assert_array_equal(got, case.expected)
