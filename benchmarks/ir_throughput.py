"""IR throughput: parse, verify and print ops/s and peak memory, vs xDSL.

Generates a func.func with a chain of arith.addf/mulf/subf and memref.load/
store indexed by arith.constant, of 10k and 100k ops. Our phases are timed
in-process; peak memory of a whole `mir-opt FILE -o /dev/null` run and of
`xdsl-opt FILE` (when installed) is read from the children's max RSS, minus
the same tool on an empty module, so both sides pay for the same things.

    python benchmarks/ir_throughput.py [--sizes 10000,100000] [--passes]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time


def generate(num_ops: int) -> str:
    """A function body of roughly num_ops ops (constants included)."""
    lines = ["func.func @bench(%m: memref<16x16xf32>, %x: f32) {"]
    lines += [f"  %c{i} = arith.constant {i} : index" for i in range(16)]
    n = 16
    i = 0
    while n < num_ops - 1:
        a, b = f"%c{i % 16}", f"%c{(i * 7) % 16}"
        lines.append(f"  %v{i} = memref.load %m[{a}, {b}] : memref<16x16xf32>")
        lines.append(f"  %a{i} = arith.addf %v{i}, %x : f32")
        lines.append(f"  %p{i} = arith.mulf %a{i}, %v{i} : f32")
        lines.append(f"  %s{i} = arith.subf %p{i}, %x : f32")
        lines.append(f"  memref.store %s{i}, %m[{b}, {a}] : memref<16x16xf32>")
        n += 5
        i += 1
    lines.append("  return")
    lines.append("}")
    return "\n".join(lines) + "\n"


def count_ops(module) -> int:
    return sum(1 for _ in module.walk())


def bench_ours(text: str, run_passes: bool) -> dict:
    from mlir_py.analysis.verifier import verify
    from mlir_py.ir.context import Context
    from mlir_py.text.parser import parse_source
    from mlir_py.text.printer import Printer

    ctx = Context().load_all_available_dialects()
    # Warm-up: each op class compiles its assembly format on first use (once
    # per process, like xdsl-opt's import-time work that the empty run pays).
    verify(parse_source(ctx, generate(100), "warmup.mir"))
    t0 = time.perf_counter()
    module = parse_source(ctx, text, "bench.mir")
    t1 = time.perf_counter()
    verify(module)
    t2 = time.perf_counter()
    out = Printer().print_top_level(module)
    t3 = time.perf_counter()
    res = {"ops": count_ops(module), "parse": t1 - t0, "verify": t2 - t1, "print": t3 - t2, "chars": len(out)}
    if run_passes:
        try:
            from mlir_py.pass_manager import PassManager
        except ImportError:
            return res
        pm = PassManager.parse("builtin.module(canonicalize,cse)")
        t4 = time.perf_counter()
        pm.run(module)
        res["canonicalize,cse"] = time.perf_counter() - t4
    return res


def child_maxrss_kb(cmd: list[str]) -> tuple[float, int]:
    """Wall time and max RSS (KiB) of a child process run alone."""
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
            "dt=time.perf_counter()-t;"
            "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode);"
            "sys.stderr.write(r.stderr.decode()[-2000:])")
    p = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    dt, rss, rc = p.stdout.split()
    if rc != "0":
        raise RuntimeError(f"{cmd[0]} failed: {p.stderr}")
    return float(dt), int(rss)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--passes", action="store_true", help="also run canonicalize,cse")
    args = ap.parse_args()
    xdsl = shutil.which("xdsl-opt")
    mir = shutil.which("mir-opt") or os.path.join(os.path.dirname(sys.executable), "mir-opt")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.mlir")
        with open(empty, "w") as f:
            f.write("func.func @e() {\n  return\n}\n")
        for size in [int(s) for s in args.sizes.split(",")]:
            text = generate(size)
            path = os.path.join(tmp, f"bench{size}.mlir")
            with open(path, "w") as f:
                f.write(text)
            r = bench_ours(text, args.passes)
            n = r["ops"]
            total = r["parse"] + r["verify"] + r["print"]
            print(f"\n## {n} ops")
            for phase in ("parse", "verify", "print"):
                print(f"  ours {phase:7s}: {r[phase]:7.3f} s  {n / r[phase]:>10,.0f} ops/s")
            print(f"  ours total  : {total:7.3f} s  {n / total:>10,.0f} ops/s")
            _, rss_e = child_maxrss_kb([mir, empty, "-o", os.devnull])
            t_mir, rss_b = child_maxrss_kb([mir, path, "-o", os.devnull])
            ours_mem = (rss_b - rss_e) * 1024 / n
            print(f"  ours mir-opt process: {t_mir:.3f} s, peak RSS above empty run {ours_mem:,.0f} B/op")
            if "canonicalize,cse" in r:
                print(f"  ours canonicalize,cse: {r['canonicalize,cse']:.3f} s  "
                      f"{n / r['canonicalize,cse']:,.0f} ops/s")
            if xdsl:
                t_e, rss_xe = child_maxrss_kb([xdsl, empty])
                t_x, rss_xb = child_maxrss_kb([xdsl, path])
                x_time = max(t_x - t_e, 1e-9)
                x_mem = (rss_xb - rss_xe) * 1024 / n
                print(f"  xdsl-opt parse+verify+print: {x_time:7.3f} s  {n / x_time:>10,.0f} ops/s "
                      f"(process {t_x:.2f} s minus empty-file {t_e:.2f} s)")
                print(f"  xdsl peak RSS above empty run {x_mem:,.0f} B/op")
                print(f"  RATIO throughput ours/xdsl: {x_time / total:.2f}x ; memory ours/xdsl: "
                      f"{ours_mem / x_mem:.2f}x")
                if args.passes and "canonicalize,cse" in r:
                    t_xp, _ = child_maxrss_kb([xdsl, path, "-p", "canonicalize,cse"])
                    xp = max(t_xp - t_x, 1e-9)
                    print(f"  xdsl canonicalize,cse (process time minus plain run): {xp:.3f} s ; "
                          f"RATIO ours/xdsl: {xp / r['canonicalize,cse']:.2f}x")
            else:
                print("  (xdsl-opt not installed: no comparison)")


if __name__ == "__main__":
    main()
