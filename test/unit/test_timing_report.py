"""The --mlir-timing reports, with fixed times so the layout can be checked
exactly: the tree in first-start order without the root and hidden timers,
the list as mlir-opt prints it (every timer, root and hidden ones included,
merged by name, longest first)."""

from __future__ import annotations

import io
import re

from mlir_py.pass_manager import TimingManager


def fixed_manager(display: str) -> TimingManager:
    tm = TimingManager(display)
    tm.root.stop()
    tm.root.wall = 10.0
    for key, name, wall, parent, hidden in [
        ("p", "Parser", 1.0, None, False),
        ("c", "Pipeline Collection : ['func.func']", 4.5, None, True),
        ("f", "'func.func' Pipeline", 4.0, "c", False),
        ("cse1", "CSE", 1.5, "f", False),
        ("canon", "Canonicalizer", 2.0, "f", False),
        ("cse2", "CSE", 1.0, None, False),
        ("o", "Output", 0.25, None, False),
    ]:
        owner = tm.root if parent is None else _find(tm.root, parent)
        t = owner.nest(key, name, hidden=hidden)
        t.wall = wall
    return tm


def _find(timer, key):
    if key in timer.children:
        return timer.children[key]
    for c in timer.children.values():
        found = _find(c, key)
        if found is not None:
            return found
    return None


def rows(tm: TimingManager) -> list[tuple[str, str, str]]:
    out = io.StringIO()
    tm.print_report(out)
    lines = out.getvalue().splitlines()
    assert lines[3] == "  Total Execution Time: 10.0000 seconds"
    assert lines[5] == "  ----Wall Time----  ----Name----"
    return [re.fullmatch(r"  +(\d+\.\d{4}) \( *(\d+\.\d)%\)  (.*)", ln).groups() for ln in lines[6:]]


def test_list_is_merged_by_name_and_sorted_by_wall_time():
    assert rows(fixed_manager("list")) == [
        ("10.0000", "100.0", "root"),
        ("4.5000", "45.0", "Pipeline Collection : ['func.func']"),
        ("4.0000", "40.0", "'func.func' Pipeline"),
        ("2.5000", "25.0", "CSE"),                # 1.5 nested + 1.0 at the top: one row
        ("2.0000", "20.0", "Canonicalizer"),
        ("1.0000", "10.0", "Parser"),
        ("0.2500", "2.5", "Output"),
        ("3.2500", "32.5", "Rest"),               # 10 - (1 + 4.5 + 1 + 0.25)
        ("10.0000", "100.0", "Total"),
    ]


def test_tree_hides_the_root_and_hidden_timers():
    assert [(w, name) for w, _, name in rows(fixed_manager("tree"))] == [
        ("1.0000", "Parser"),
        ("4.0000", "'func.func' Pipeline"),       # its hidden parent's children move up
        ("1.5000", "  CSE"),
        ("2.0000", "  Canonicalizer"),
        ("1.0000", "CSE"),
        ("0.2500", "Output"),
        ("3.2500", "Rest"),
        ("10.0000", "Total"),
    ]
