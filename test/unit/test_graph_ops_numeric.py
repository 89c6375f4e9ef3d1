"""Every graph op, compiled through `--lower-to-llvm` (convert-graph-to-linalg at its top) and run by the
ExecutionEngine, equals its numpy reference (graph_reference.py) on random inputs.

One module per op family (graph_cases.py), each function one case, so a family costs one JIT.
"""

from __future__ import annotations

import numpy as np
import pytest
from graph_cases import FAMILIES, Case

pytest.importorskip("llvmlite")


@pytest.fixture(scope="module")
def engines():
    from mlir_py.execution import ExecutionEngine
    built: dict = {}

    def get(family: str):
        if family not in built:
            text = "\n".join(c.text() for c in FAMILIES[family])
            built[family] = ExecutionEngine(text, opt_level=0)
        return built[family]
    return get


@pytest.mark.parametrize("family,case", [(f, c) for f, cs in FAMILIES.items() for c in cs],
                         ids=lambda v: v if isinstance(v, str) else v.name)
def test_graph_op_matches_numpy(engines, family: str, case: Case):
    fn = engines(family).lookup(case.name)
    got = fn(*[np.array(a) for a in case.inputs])
    got = np.asarray(got)
    assert got.shape == case.expected.shape and got.dtype == case.expected.dtype
    if case.expected.dtype.kind == "f":
        np.testing.assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol)
    else:
        np.testing.assert_array_equal(got, case.expected)


def test_inputs_are_not_modified(engines):
    """Destination-passing style never writes into an argument: the inputs are read-only for the code."""
    case = next(c for c in FAMILIES["matmul"] if c.name == "linear_relu")
    ins = [np.array(a) for a in case.inputs]
    engines("matmul").lookup(case.name)(*ins)
    for before, after in zip(case.inputs, ins):
        np.testing.assert_array_equal(before, after)
