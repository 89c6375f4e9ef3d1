"""Dev-only conformance check: our lit inputs print as upstream's iree-opt prints them.

Runs test/upstream/compare_with_iree.py over every lit input (custom and
generic form); skipped when iree-opt (pip install iree-base-compiler) is
not installed. SSA names are compared modulo naming until the printer's
default names are upstream's (see the script's docstring).
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[1] / "upstream" / "compare_with_iree.py"


def _load():
    spec = importlib.util.spec_from_file_location("compare_with_iree", _SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


cmp = _load()
IREE = cmp.find_iree_opt()
pytestmark = pytest.mark.skipif(IREE is None, reason="iree-opt is not installed")


def test_normalization_forgives_names_only():
    a = "%0 = arith.addi %arg0, %arg1 : i32\n%sum, %overflow = x.y %0\n"
    b = "%0 = arith.addi %a, %b : i32\n%1:2 = x.y %0\n\n"
    assert cmp.normalize_names(a) == cmp.normalize_names(b)
    assert cmp.normalize_names("arith.addi %a, %b : i32") != cmp.normalize_names("arith.subi %a, %b : i32")


def test_lit_inputs_print_as_upstream():
    rep = cmp.compare(IREE, cmp.lit_inputs())
    out = io.StringIO()
    cmp.print_report(rep, verbose=True, out=out)
    assert rep.chunks > 100, out.getvalue()
    assert not rep.mir_rejects and not rep.different, out.getvalue()
