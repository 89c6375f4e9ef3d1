"""Constant folding computes what the compiled code computes: each case of graph_cases.py whose operands
are all made `graph.constant`s folds, under `--canonicalize`, to a constant equal to the case's numpy
reference (the same oracle test_graph_ops_numeric.py holds the JIT-compiled code to).

The families are those whose ops the ONNX importer relies on folding (shape arithmetic on constants):
comparisons, logic, where, cast, gather, slice, pad, tile, expand, argmax/argmin, reduce_prod, and the new
unary ops; every case of them whose ops all have folders folds (a composite case through softmax does not).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from graph_cases import FAMILIES, Case, dense, ttype
from mlir_py.dialects import graph

import mlir_py as mp
from mlir_py.definition.opdef import Op

_FOLDED = ("logic", "unary_onnx", "index")
_FOLDERS = {op.name for op in graph.OPS if op.fold is not Op.fold}


def _foldable(case: Case) -> bool:
    return all(name in _FOLDERS for name in re.findall(r'"(graph\.[a-z_0-9]+)"', case.body))


def _as_constants(case: Case) -> str:
    body = case.body
    consts = []
    for i, a in enumerate(case.inputs):
        consts.append(f'  %k{i} = "graph.constant"() <{{value = {dense(a)}}}> : () -> {ttype(a)}')
        body = re.sub(rf"%arg{i}\b", f"%k{i}", body)
    rt = ttype(case.expected)
    return f"func.func @{case.name}() -> {rt} {{\n" + "\n".join(consts) + f"\n{body}\n  return %r : {rt}\n}}\n"


@pytest.fixture(scope="module")
def folded():
    ctx = mp.Context.with_available_dialects()
    cache: dict = {}

    def get(family: str) -> dict:
        if family not in cache:
            module = mp.parse(ctx, "\n".join(_as_constants(c) for c in FAMILIES[family]))
            assert mp.PassManager.parse("builtin.module(canonicalize)").run(module)
            mp.verify(module)
            cache[family] = {f.properties["sym_name"].value: f for f in module.regions[0].first_block.ops}
        return cache[family]
    return get


@pytest.mark.parametrize("family,case", [(f, c) for f in _FOLDED for c in FAMILIES[f] if _foldable(c)],
                         ids=lambda v: v if isinstance(v, str) else v.name)
def test_folding_matches_numpy(folded, family: str, case: Case):
    fn = folded(family)[case.name]
    ret = fn.regions[0].first_block.last_op.operand(0)
    src = ret.owner
    assert src.name == "graph.constant", f"{src.name} did not fold"
    got = np.asarray(src.properties["value"].array)
    assert got.shape == case.expected.shape and got.dtype == case.expected.dtype
    if case.expected.dtype.kind == "f":
        np.testing.assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol)
    else:
        np.testing.assert_array_equal(got, case.expected)

