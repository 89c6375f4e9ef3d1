"""Scaling table for adversarial input shapes: time and peak memory at n, 10n, 100n.

Each shape is a construction that once made a phase quadratic, exponential
or memory-hungry (issue 6, "hostile scale"). Each size runs in a child
process with a memory cap and a time limit, so a regression shows as a
ratio far above 10 (or as "limit") instead of taking the machine down.
The ratio columns are time(10n)/time(n) and time(100n)/time(10n): near 10
is linear, near 100 quadratic.

    python benchmarks/hostile_scale.py [--shapes a,b] [--scale 1.0] [--limit-s 120] [--mem-gb 4]

The shapes:

- `cfbr-chain`: canonicalize a function of n blocks linked by `cf.br`
  (block merging must not rescan the chain);
- `diamonds`: verify a function of n if/else diamonds (`cf.cond_br`) whose
  join blocks use values from earlier joins (dominance queries);
- `deep-nesting`: parse, verify and print `builtin.module`s nested n
  deep; past the nesting limit the run must fail fast with a located error;
- `recursion-inline`: `--inline` on n independent cycles of three mutually
  recursive functions (each cycle expanded a bounded number of times);
- `diagnostics`: `mir-opt --split-input-file` on n chunks that each fail to
  verify, so n diagnostics quote their source lines;
- `ir-module`: parse, verify and print the module of
  benchmarks/ir_throughput.py (n ops; 100n is the 1M-op target).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# -- generators ------------------------------------------------------------------------


def gen_cfbr_chain(n: int) -> str:
    """n blocks linked by `cf.br`, each only forwarding its argument to the
    next (every branch into the chain could be forwarded to its end)."""
    lines = ["func.func @chain(%x: i32) -> i32 {", "  cf.br ^bb1(%x : i32)"]
    for i in range(1, n + 1):
        lines.append(f"^bb{i}(%a{i}: i32):")
        lines.append(f"  cf.br ^bb{i + 1}(%a{i} : i32)")
    lines.append(f"^bb{n + 1}(%r: i32):")
    lines.append("  %s = arith.addi %r, %x : i32")
    lines.append("  return %s : i32")
    lines.append("}")
    return "\n".join(lines) + "\n"


def gen_diamonds(n: int) -> str:
    """n diamonds in a row; each join reads the previous join's value and the
    entry's, so every use needs a dominance query across blocks."""
    lines = ["func.func @diamonds(%c: i1, %x: i32) -> i32 {",
             "  %v0 = arith.addi %x, %x : i32",
             "  cf.br ^j0"]
    for i in range(n):
        lines.append(f"^j{i}:")
        lines.append(f"  cf.cond_br %c, ^t{i}, ^f{i}")
        lines.append(f"^t{i}:")
        lines.append(f"  %tv{i} = arith.addi %v{i}, %x : i32")
        lines.append(f"  cf.br ^m{i}(%tv{i} : i32)")
        lines.append(f"^f{i}:")
        lines.append(f"  cf.br ^m{i}(%v{i} : i32)")
        lines.append(f"^m{i}(%p{i}: i32):")
        lines.append(f"  %v{i + 1} = arith.addi %p{i}, %v0 : i32")
        lines.append(f"  cf.br ^j{i + 1}")
    lines.append(f"^j{n}:")
    lines.append(f"  return %v{n} : i32")
    lines.append("}")
    return "\n".join(lines) + "\n"


def gen_deep_nesting(n: int) -> str:
    """`builtin.module`s nested n deep (indented up to 8 levels: the text
    stays linear in n)."""
    lines = [f"{'  ' * min(i, 8)}module {{" for i in range(n)]
    lines.append("func.func @deep() {")
    lines.append("  return")
    lines.append("}")
    lines += [f"{'  ' * min(i, 8)}}}" for i in reversed(range(n))]
    return "\n".join(lines) + "\n"


def gen_recursion(n: int) -> str:
    """n cycles f -> g -> h -> f, each called once from a public function."""
    lines = []
    for i in range(n):
        names = [f"f{i}", f"g{i}", f"h{i}"]
        for k, name in enumerate(names):
            callee = names[(k + 1) % 3]
            lines += [f"func.func private @{name}(%x: i32) -> i32 {{",
                      "  %y = arith.addi %x, %x : i32",
                      f"  %z = func.call @{callee}(%y) : (i32) -> i32",
                      "  return %z : i32",
                      "}"]
        lines += [f"func.func @main{i}(%x: i32) -> i32 {{",
                  f"  %r = func.call @f{i}(%x) : (i32) -> i32",
                  "  return %r : i32",
                  "}"]
    return "\n".join(lines) + "\n"


def gen_diagnostics(n: int) -> str:
    chunk = ("func.func @f{i}(%x: i32) -> i64 {{\n"
             "  %y = arith.addi %x, %x : i32\n"
             "  return %y : i32\n"
             "}}\n")
    return "// -----\n".join(chunk.format(i=i) for i in range(n))


def gen_ir_module(n: int) -> str:
    sys.path.insert(0, HERE)
    from ir_throughput import generate
    return generate(n)


# -- the measured runs (in a child process) -------------------------------------------


def _ctx():
    from mlir_py.ir.context import Context
    return Context().load_all_available_dialects()


def run_cfbr_chain(text: str) -> dict:
    from mlir_py.pass_manager import PassManager
    from mlir_py.text.parser import parse_source
    module = parse_source(_ctx(), text, "chain.mir")
    pm = PassManager.parse("builtin.module(func.func(canonicalize))")
    t = time.perf_counter()
    ok = pm.run(module)
    dt = time.perf_counter() - t
    blocks = sum(1 for o in module.walk() if o.name == "func.func" for r in o.regions for _ in r.blocks)
    return {"time": dt, "ok": ok, "note": f"{blocks} block(s) left in the function"}


def run_diamonds(text: str) -> dict:
    from mlir_py.analysis.verifier import verify
    from mlir_py.text.parser import parse_source
    module = parse_source(_ctx(), text, "diamonds.mir")
    t = time.perf_counter()
    ok = verify(module, raise_on_error=False)
    return {"time": time.perf_counter() - t, "ok": ok}


def run_deep_nesting(text: str) -> dict:
    return _run_mir_opt(text, [])


def run_recursion(text: str) -> dict:
    r = _run_mir_opt(text, ["--inline"])
    return r


def run_diagnostics(text: str) -> dict:
    return _run_mir_opt(text, ["--split-input-file"])


def run_ir_module(text: str) -> dict:
    from mlir_py.analysis.verifier import verify
    from mlir_py.text.parser import parse_source
    from mlir_py.text.printer import Printer
    ctx = _ctx()
    verify(parse_source(ctx, gen_ir_module(100), "warmup.mir"))
    t = time.perf_counter()
    module = parse_source(ctx, text, "module.mir")
    t1 = time.perf_counter()
    ok = verify(module, raise_on_error=False)
    t2 = time.perf_counter()
    out = Printer().print_top_level(module)
    t3 = time.perf_counter()
    return {"time": t3 - t, "ok": ok,
            "note": f"parse {t1 - t:.2f} s, verify {t2 - t1:.2f} s, print {t3 - t2:.2f} s, {len(out) >> 20} MiB out"}


def _run_mir_opt(text: str, flags: list[str]) -> dict:
    """mir-opt's own entry point in-process, stderr and stdout counted, not kept."""
    import contextlib
    import io
    import tempfile

    from mlir_py.tools import mir_opt
    with tempfile.NamedTemporaryFile("w", suffix=".mir", delete=False) as f:
        f.write(text)
    out, err = io.StringIO(), io.StringIO()
    try:
        t = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = mir_opt.main([f.name, *flags])
        dt = time.perf_counter() - t
    finally:
        os.unlink(f.name)
    errs = err.getvalue()
    first = errs.split("\n", 1)[0].replace(f.name, "IN")
    note = f"rc={rc}, {errs.count(': error: ')} errors, {out.getvalue().count(chr(10))} lines out"
    if rc and errs.count(": error: ") == 1:
        note += f"; {first[:70]}"
    return {"time": dt, "ok": rc == 0, "note": note}


SHAPES = {
    # name: (generator, runner, n)
    "cfbr-chain": (gen_cfbr_chain, run_cfbr_chain, 1000),
    "diamonds": (gen_diamonds, run_diamonds, 100),
    "deep-nesting": (gen_deep_nesting, run_deep_nesting, 100),
    "recursion-inline": (gen_recursion, run_recursion, 10),
    "diagnostics": (gen_diagnostics, run_diagnostics, 200),
    "ir-module": (gen_ir_module, run_ir_module, 10000),
}


def child(shape: str, n: int, mem_gb: float) -> None:
    cap = int(mem_gb * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    gen, runner, _ = SHAPES[shape]
    text = gen(n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        r = runner(text)
    except MemoryError:
        r = {"time": None, "ok": False, "note": f"MemoryError (cap {mem_gb} GB)"}
    r["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r["base_mb"] = base / 1024
    print(json.dumps(r))


def measure(shape: str, n: int, limit_s: float, mem_gb: float) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", shape, str(n), "--mem-gb", str(mem_gb)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit_s)
    except subprocess.TimeoutExpired:
        return {"time": None, "ok": False, "note": f"time limit ({limit_s:.0f} s)"}
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        tail = p.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"time": None, "ok": False, "note": f"crashed: {tail[0][:80]}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every base n")
    ap.add_argument("--limit-s", type=float, default=120.0, help="time limit of one run")
    ap.add_argument("--mem-gb", type=float, default=4.0, help="address-space cap of one run")
    ap.add_argument("--child", nargs=2, metavar=("SHAPE", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.mem_gb)
        return
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("| shape | n | time | peak RSS | RSS above input | ratio | notes |")
    print("|---|---|---|---|---|---|---|")
    for shape in args.shapes.split(","):
        _, _, n0 = SHAPES[shape]
        prev = None
        for mult in (1, 10, 100):
            n = max(1, int(n0 * args.scale)) * mult
            r = measure(shape, n, args.limit_s, args.mem_gb)
            t = r.get("time")
            ratio = f"{t / prev:.1f}x" if t is not None and prev else "-"
            prev = t if t else None
            ts = f"{t:.3f} s" if t is not None else "-"
            rss = f"{r['rss_mb']:.0f} MB" if "rss_mb" in r else "-"
            above = f"{r['rss_mb'] - r['base_mb']:.0f} MB" if "rss_mb" in r else "-"
            print(f"| {shape} | {n:,} | {ts} | {rss} | {above} | {ratio} | {r.get('note', '')} |", flush=True)


if __name__ == "__main__":
    main()
