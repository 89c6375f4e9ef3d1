"""Adversarial shapes stay near-linear: checked by counting work and memory, never by timing.

Each test builds one of the shapes of benchmarks/hostile_scale.py at a size
where a quadratic algorithm does hundreds of times the work a linear one
does, and bounds a count (calls, line tables built, bytes per block) that
only the quadratic version would exceed.
"""

from __future__ import annotations

import contextlib
import io
import random
import tracemalloc

import pytest
from mlir_py.dialects.cf import canonicalize as cf_canon
from mlir_py.tools import mir_opt

from mlir_py.analysis.dominance import DominanceInfo, DominatorTree
from mlir_py.analysis.verifier import verify
from mlir_py.ir import diagnostics
from mlir_py.ir.context import Context
from mlir_py.ir.operation import Block, Region
from mlir_py.pass_manager import PassManager
from mlir_py.text.parser import ParseError, parse_source
from mlir_py.text.printer import print_op_to_string


@pytest.fixture(scope="module")
def ctx():
    return Context().load_all_available_dialects()


def _func_region(module):
    return module.regions[0].first_block.first_op.regions[0]


# -- dominance -------------------------------------------------------------------------------


def _diamonds(n: int) -> str:
    lines = ["func.func @d(%c: i1, %x: i32) -> i32 {", "  %v0 = arith.addi %x, %x : i32", "  cf.br ^j0"]
    for i in range(n):
        lines += [f"^j{i}:", f"  cf.cond_br %c, ^t{i}, ^f{i}",
                  f"^t{i}:", f"  cf.br ^m{i}(%v{i} : i32)",
                  f"^f{i}:", f"  cf.br ^m{i}(%x : i32)",
                  f"^m{i}(%p{i}: i32):", f"  %v{i + 1} = arith.addi %p{i}, %v0 : i32", f"  cf.br ^j{i + 1}"]
    lines += [f"^j{n}:", f"  return %v{n} : i32", "}"]
    return "\n".join(lines) + "\n"


def test_verifying_many_diamonds_needs_memory_linear_in_blocks(ctx):
    """Dominator sets would hold ~blocks/2 entries per block (about 50 KB a
    block here); a dominator tree holds a few entries per block."""
    n = 1500
    m = parse_source(ctx, _diamonds(n), "d.mir")
    tracemalloc.start()
    try:
        assert verify(m)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / (4 * n) < 2048, f"{peak / (4 * n):.0f} bytes per block"


def test_dominance_errors_still_reported_across_diamonds(ctx):
    text = _diamonds(50).replace("  %v1 = arith.addi %p0, %v0 : i32", "  %v1 = arith.addi %p0, %tv : i32")
    text = text.replace("^t0:\n", "^t0:\n  %tv = arith.addi %x, %x : i32\n")
    m = parse_source(ctx, text, "d.mir")
    with diagnostics.DiagnosticCollector() as c:
        assert not verify(m, raise_on_error=False)
    assert [d.message for d in c.errors] == ["operand #1 does not dominate this use"]


def _naive_dominators(entry: Block, succs: dict) -> dict:
    """Dominator sets by the textbook dataflow equations (the reference)."""
    reach, todo = {entry}, [entry]
    while todo:
        for s in succs[todo.pop()]:
            if s not in reach:
                reach.add(s)
                todo.append(s)
    dom = {b: set(reach) for b in reach}
    dom[entry] = {entry}
    changed = True
    while changed:
        changed = False
        for b in reach:
            if b is entry:
                continue
            preds = [p for p in reach if b in succs[p]]
            new = set.intersection(*(dom[p] for p in preds)) | {b}
            if new != dom[b]:
                dom[b], changed = new, True
    return dom


@pytest.mark.parametrize("seed", range(25))
def test_dominator_tree_matches_dominator_sets_on_random_cfgs(ctx, seed):
    r = random.Random(seed)
    n = r.randint(2, 14)
    # nothing branches back to the entry block (a region's entry has no predecessors)
    targets = [[r.randrange(1, n) for _ in range(r.choice([0, 1, 1, 2, 2, 3]))] for _ in range(n)]
    lines = ["func.func @g(%c: i32) {"]
    for i, ts in enumerate(targets):
        if i:
            lines.append(f"^bb{i}:")
        if not ts:
            lines.append("  return")
        elif len(ts) == 1:
            lines.append(f"  cf.br ^bb{ts[0]}")
        else:
            cases = ", ".join(f"{k}: ^bb{t}" for k, t in enumerate(ts[1:]))
            lines.append(f"  cf.switch %c : i32, [default: ^bb{ts[0]}, {cases}]")
    text = "\n".join(lines) + "\n}\n"
    m = parse_source(ctx, text, "g.mir")
    region = _func_region(m)
    blocks = list(region.blocks)
    succs = {b: list(b.last_op.successors) for b in blocks}
    ref = _naive_dominators(blocks[0], succs)
    tree = DominatorTree(region)
    for a in blocks:
        assert tree.is_reachable(a) == (a in ref)
        for b in blocks:
            expected = (a in ref[b]) if b in ref else True  # unreachable b: dominated by all
            assert tree.dominates(a, b) == expected, (blocks.index(a), blocks.index(b), text)
            assert tree.properly_dominates(a, b) == (expected and a is not b)
    for b, d in tree.idom.items():  # the tree's parent links are the immediate dominators
        if d is not None:
            assert d in ref[b] and all(x in ref[d] for x in ref[b] - {b})
    assert verify(m)


def test_dominance_info_looks_through_nested_regions():
    ctx = Context(allow_unregistered_dialects=True).load_all_available_dialects()
    m = parse_source(ctx, """
      func.func @f(%c: i1) {
        cf.cond_br %c, ^a, ^b
      ^a:
        cf.br ^b
      ^b:
        "test.holder"() ({
          "test.inner"() : () -> ()
        }) : () -> ()
        return
      }""", "n.mir")
    top = m.regions[0].first_block
    region = _func_region(m)
    entry, a, b = region.blocks
    nested = b.first_op.regions[0].first_block
    info = DominanceInfo()
    assert info.dominates(entry, nested) and info.dominates(b, nested)
    assert not info.dominates(a, nested)  # a does not dominate b, which holds it
    assert not info.properly_dominates(nested, nested) and info.dominates(nested, nested)
    assert info.dominates(top, entry)  # the module's block holds the function
    assert not info.dominates(entry, top)
    assert not info.dominates(entry, Region([Block()]).first_block)  # an unrelated region


# -- canonicalize on long cf.br chains -------------------------------------------------------


def _forwarding_chain(n: int, with_args: bool) -> str:
    lines = ["func.func @chain(%x: i32) -> i32 {", "  cf.br ^bb1(%x : i32)" if with_args else "  cf.br ^bb1"]
    for i in range(1, n + 1):
        if with_args:
            lines += [f"^bb{i}(%a{i}: i32):", f"  cf.br ^bb{i + 1}(%a{i} : i32)"]
        else:
            lines += [f"^bb{i}:", f"  cf.br ^bb{i + 1}"]
    lines += [f"^bb{n + 1}(%r: i32):" if with_args else f"^bb{n + 1}:",
              "  return %r : i32" if with_args else "  return %x : i32", "}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("with_args", [True, False])
def test_branch_forwarding_walks_a_chain_once(ctx, monkeypatch, with_args):
    n = 2000
    calls = [0]
    real = cf_canon._collapse_branch

    def counting(successor, operands):
        calls[0] += 1
        return real(successor, operands)

    monkeypatch.setattr(cf_canon, "_collapse_branch", counting)
    m = parse_source(ctx, _forwarding_chain(n, with_args), "c.mir")
    assert PassManager.parse("builtin.module(func.func(canonicalize))").run(m)
    region = _func_region(m)
    assert len(list(region.blocks)) == 1
    assert region.first_block.first_op.name == "func.return"
    assert calls[0] < 10 * n, f"{calls[0]} forwarding steps for {n} blocks"


def test_forwarding_keeps_argument_mapping_through_a_compressed_chain(ctx):
    """Blocks entered from several places are redirected with the operands
    each one forwards, so no path reads the wrong value."""
    m = parse_source(ctx, """
      func.func @f(%c: i1, %x: i32, %y: i32) -> i32 {
        cf.cond_br %c, ^a(%x, %y : i32, i32), ^b(%y : i32)
      ^a(%p: i32, %q: i32):
        cf.br ^b(%q : i32)
      ^b(%r: i32):
        cf.br ^c(%r, %x : i32, i32)
      ^c(%s: i32, %t: i32):
        cf.br ^d(%t, %s : i32, i32)
      ^d(%u: i32, %v: i32):
        %w = arith.subi %u, %v : i32
        return %w : i32
      }""", "f.mir")
    assert PassManager.parse("builtin.module(func.func(canonicalize))").run(m)
    out = print_op_to_string(m)
    assert "cf.cond_br %c, ^bb1(%x, %y : i32, i32), ^bb1(%x, %y : i32, i32)" not in out
    # whichever way it is spelled, both paths end in x - y
    assert verify(m)
    assert out.count("arith.subi") == 1


# -- diagnostics quoting their lines -----------------------------------------------------------


def test_many_split_diagnostics_build_one_line_table(tmp_path, monkeypatch):
    n = 1500
    chunk = "func.func @f{i}(%x: i32) -> i64 {{\n  %y = arith.addi %x, %x : i32\n  return %y : i32\n}}\n"
    path = tmp_path / "many.mir"
    path.write_text("// -----\n".join(chunk.format(i=i) for i in range(n)))
    builds = [0]
    real = diagnostics._SourceBuffer.starts

    def counting(self):
        if self._starts is None:
            builds[0] += 1
        return real(self)

    monkeypatch.setattr(diagnostics._SourceBuffer, "starts", counting)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert mir_opt.main([str(path), "--split-input-file"]) == 1
    text = err.getvalue()
    assert text.count(": error: ") == n
    last = text.strip().split("\n")
    assert last[-2] == "  return %y : i32"  # the quoted line of the last chunk's error
    assert f"many.mir:{4 * n + n - 2}:3: error:" in text
    assert builds[0] <= 3, f"{builds[0]} line tables built for {n} diagnostics"


def test_source_line_of_a_buffer_registered_as_chunks():
    diagnostics.register_source("chunks.mir", "a\nb\n// -----\nc\nd\n")
    diagnostics.register_source("chunks.mir", "\nc\nd\n", 2)  # a chunk of it: the whole stays
    assert [diagnostics.source_line("chunks.mir", i) for i in range(1, 7)] == ["a", "b", "// -----", "c", "d", ""]
    diagnostics.register_source("chunks.mir", "x\ny\n", 0)  # another text: replaces it
    assert diagnostics.source_line("chunks.mir", 1) == "x"
    assert diagnostics.source_line("chunks.mir", 4) is None
    diagnostics.register_source("chunks.mir", "z\n", 5)  # not part of it: a buffer at an offset
    assert diagnostics.source_line("chunks.mir", 6) == "z"
    assert diagnostics.source_line("chunks.mir", 1) is None


# -- nesting past the stack -------------------------------------------------------------------


def _nested_modules(depth: int) -> str:
    return "module {\n" * depth + "func.func @deep() {\n  return\n}\n" + "}\n" * depth


def test_too_deep_nesting_is_reported_where_it_happens(tmp_path):
    depth = 20000
    path = tmp_path / "deep.mir"
    path.write_text(_nested_modules(depth))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert mir_opt.main([str(path)]) == 1
    first = err.getvalue().split("\n")[0]
    assert first.endswith("error: input nests too deeply to parse"), first
    line = int(first.split(":")[1])
    assert 1000 < line <= depth, first


def test_too_deep_nesting_while_processing_points_at_the_deepest_op(ctx, monkeypatch):
    import mlir_py.analysis.verifier

    def overflow(module):
        raise RecursionError
    monkeypatch.setattr(mlir_py.analysis.verifier, "verify", overflow)
    text = _nested_modules(3)
    diags = []
    ok = mir_opt.process_chunk(ctx, text, "deep.mir", 0, mir_opt.build_arg_parser().parse_args([]), None,
                               diags.append, [])
    assert not ok
    assert [d.message for d in diags] == ["input nests too deeply to process"]
    assert diags[0].location.file_line_col() == ("deep.mir", 5, 3)  # the return, innermost


def test_parse_source_raises_a_located_error_on_deep_nesting(ctx):
    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        with pytest.raises(ParseError) as e:
            parse_source(ctx, _nested_modules(500), "deep.mir")
    finally:
        sys.setrecursionlimit(limit)
    assert e.value.message == "input nests too deeply to parse"
    assert e.value.loc.file_line_col()[1] > 10


# -- inlining recursive cycles ----------------------------------------------------------------


def _cycles(n: int, length: int, calls: int) -> str:
    out = []
    for i in range(n):
        for k in range(length):
            body = ["  %v = arith.addi %x, %x : i32"]
            cur = "%v"
            for j in range(calls):
                body.append(f"  %c{j} = func.call @f{i}_{(k + 1) % length}({cur}) : (i32) -> i32")
                cur = f"%c{j}"
            out.append(f"func.func private @f{i}_{k}(%x: i32) -> i32 {{\n" + "\n".join(body)
                       + f"\n  return {cur} : i32\n}}")
        out.append(f"func.func @main{i}(%x: i32) -> i32 {{\n  %r = func.call @f{i}_0(%x) : (i32) -> i32\n"
                   "  return %r : i32\n}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("length,calls", [(1, 1), (2, 2), (3, 1), (4, 2)])
def test_inlining_a_recursive_cycle_is_bounded_whatever_the_iterations(ctx, length, calls):
    """Each further iteration finds nothing new to inline: the op count after
    1 and after 20 iterations is the same, and linear in the number of cycles."""
    counts = {}
    for n in (1, 10):
        for iters in (1, 20):
            m = parse_source(ctx, _cycles(n, length, calls), "r.mir")
            pm = PassManager.parse(f"builtin.module(inline{{default-pipeline= max-iterations={iters}}})")
            assert pm.run(m)
            counts[n, iters] = sum(1 for _ in m.walk())
    assert counts[1, 1] == counts[1, 20]
    assert counts[10, 1] == counts[10, 20]
    assert counts[10, 1] - 1 == 10 * (counts[1, 1] - 1)  # one module op; the rest per cycle
