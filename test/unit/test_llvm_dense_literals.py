"""Dense initializers are spelled by numpy all at once; the text is what the per-element path spells."""

from __future__ import annotations

import numpy as np
import pytest
from mlir_py.dialects.llvm.types import LLVMArrayType
from mlir_py.target.llvmir.types import TypeTranslator, _elements_literal, constant_literal

from mlir_py.ir.builtin_attributes import DenseElementsAttr
from mlir_py.ir.builtin_types import RankedTensorType, VectorType, f16, f32, f64, i8, i16, i32, i64

RNG = np.random.default_rng(11)
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 65504.0, -3.5]


def _arrays(et, shape):
    n = int(np.prod(shape))
    if et in (f16, f32, f64):
        a = RNG.standard_normal(n) * 10.0 ** RNG.integers(-8, 8, n)
        a[: len(SPECIAL)] = SPECIAL[: n]
        with np.errstate(over="ignore"):  # large values become f16 infinities on purpose
            return a.astype(np.float16 if et is f16 else np.float64).reshape(shape)
    w = et.width
    return RNG.integers(-(1 << (w - 1)), 1 << (w - 1), n, dtype=np.int64).reshape(shape)


@pytest.mark.parametrize("et", [f16, f32, f64, i8, i16, i32, i64], ids=str)
@pytest.mark.parametrize("shape", [(9,), (3, 4), (2, 3, 5)], ids=str)
def test_numpy_spelling_matches_the_per_element_one(et, shape):
    attr = DenseElementsAttr(_arrays(et, shape), RankedTensorType(shape, et))
    t = et
    for n in reversed(shape):
        t = LLVMArrayType(n, t)
    spell = TypeTranslator()
    slow = _elements_literal([x.item() for x in attr.array.reshape(-1)][::-1], t, spell)
    assert constant_literal(attr, t, spell) == slow


def test_vector_initializer():
    attr = DenseElementsAttr(np.array([1.5, -0.0, np.nan, 2.0], np.float32), RankedTensorType((4,), f32))
    t = VectorType((4,), f32)
    spell = TypeTranslator()
    slow = _elements_literal([x.item() for x in attr.array][::-1], t, spell)
    assert constant_literal(attr, t, spell) == slow
