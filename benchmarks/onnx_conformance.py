"""ONNX backend conformance of mlir_py: onnx's backend test suite run through `mlir_py.onnx.backend`, and the
per-operator pass/fail table written to docs/onnx-conformance.md.

    python benchmarks/onnx_conformance.py [--jobs 2] [--only REGEX] [--light] [--out docs/onnx-conformance.md]

What runs:
- the node tests: every test case onnx ships generators for (`onnx.backend.test.case.node.collect_testcases()`,
  the same cases `python -m onnx.backend.test.cmd_tools generate-data` would write; this onnx wheel writes only
  the model tests to disk, so the cases are collected in memory);
- the model tests stored in the wheel (`simple`, `pytorch-operator`, `pytorch-converted`: model.onnx and
  test_data_set_N/ with inputs and expected outputs);
- with `--light`, the light model-zoo networks compared with onnxruntime on random inputs with perturbed weights
  (mlir_py.onnx.testing; the shipped reference outputs are degenerate), relative error of the logits <= 1e-4.

A test passes when every output has the expected dtype and shape and matches within the case's rtol/atol
(onnx's defaults: 1e-3 / 1e-7), as onnx's own runner checks. A failure is classified: the importer's reason
(unsupported operator, attribute, element type, runtime-valued shape argument), a compile error, a numeric
mismatch (with the largest error) or a crash. Each test runs in a worker process, so a crash costs one test.
"""

from __future__ import annotations

import argparse
import collections
import glob
import multiprocessing as mp
import os
import platform
import re
import sys
import time
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIGHT_HEADING = "## Light model-zoo networks (vs onnxruntime, perturbed weights, logits)"
OPT_LEVEL = 1  # tiny models: compile time dominates, -O1 keeps the sweep short


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(str(message).split())
    message = re.sub(r"^node '[^']*' \(\w+\): ", "", message)
    return message if len(message) <= limit else message[:limit - 3] + "..."


def run_case(task: tuple[str, bytes, list[list[np.ndarray]], list[list[np.ndarray]], float, float]
             ) -> tuple[str, str, str]:
    """(name, status, detail) for one test: status 'pass', 'unsupported', 'compile', 'mismatch' or 'error'."""
    name, model_bytes, inputs_sets, outputs_sets, rtol, atol = task
    import onnx
    from mlir_py.execution import CompilationError
    from mlir_py.onnx import OnnxImportError
    from mlir_py.onnx.backend import MlirPyBackend
    try:
        model = onnx.load_from_string(model_bytes)
        rep = MlirPyBackend.prepare(model, opt_level=OPT_LEVEL)
        for inputs, expected in zip(inputs_sets, outputs_sets):
            got = rep.run(inputs)  # compiles here when a shape argument is a graph input
            if len(got) != len(expected):
                return name, "mismatch", f"{len(got)} outputs, expected {len(expected)}"
            for i, (g, w) in enumerate(zip(got, expected)):
                if not isinstance(w, np.ndarray):
                    return name, "unsupported", f"output {i} is a {type(w).__name__}, not a tensor"
                g = np.asarray(g)
                if g.dtype != w.dtype:
                    return name, "mismatch", f"output {i} has dtype {g.dtype}, expected {w.dtype}"
                if g.shape != w.shape:
                    return name, "mismatch", f"output {i} has shape {g.shape}, expected {w.shape}"
                try:
                    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
                except AssertionError:
                    err = np.max(np.abs(g.astype(np.float64) - w)) if g.size else 0.0
                    return name, "mismatch", f"output {i} differs (max abs error {err:.3g}, rtol {rtol}, atol {atol})"
        return name, "pass", ""
    except OnnxImportError as e:
        return name, "unsupported", _short(e)
    except CompilationError as e:
        return name, "compile", _short(e)
    except Exception as e:  # noqa: BLE001 - a failure of this test, recorded with its reason
        return name, "error", _short(f"{type(e).__name__}: {e}")


def _array(a: Any) -> Any:
    """A test value as a numpy array; sequences, maps and optionals stay as they are (no graph input takes them)."""
    from onnx import TensorProto, numpy_helper
    if isinstance(a, TensorProto):
        return numpy_helper.to_array(a)
    return a if isinstance(a, (list, dict, type(None))) else np.asarray(a)


def node_tasks(only: re.Pattern | None) -> tuple[list[tuple], dict[str, str]]:
    """The node test cases as tasks, and each test's operator."""
    import warnings

    from onnx.backend.test.case import node
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node.collect_testcases()
    ops = {c.name: c.model.graph.node[0].op_type for c in cases if len(c.model.graph.node) == 1}
    tasks, op_of = [], {}
    for c in cases:
        if only is not None and not only.search(c.name):
            continue
        base = re.sub(r"_expanded(_ver\d+)?$", "", c.name)
        op_of[c.name] = ops.get(c.name) or ops.get(base) or c.model.graph.node[-1].op_type
        ins = [[_array(a) for a in inputs] for inputs, _ in c.data_sets]
        outs = [[_array(a) for a in outputs] for _, outputs in c.data_sets]
        tasks.append((c.name, c.model.SerializeToString(), ins, outs, c.rtol, c.atol))
    return tasks, op_of


def model_tasks(only: re.Pattern | None) -> tuple[list[tuple], dict[str, str]]:
    """The model tests stored in the onnx wheel (simple, pytorch-operator, pytorch-converted)."""
    import onnx
    from onnx import numpy_helper
    data = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    tasks, kind_of = [], {}
    for kind in ("simple", "pytorch-operator", "pytorch-converted"):
        for d in sorted(glob.glob(os.path.join(data, kind, "test_*"))):
            name = os.path.basename(d)
            if only is not None and not only.search(name):
                continue
            model_path = os.path.join(d, "model.onnx")
            if not os.path.isfile(model_path):
                continue
            ins, outs = [], []
            for ds in sorted(glob.glob(os.path.join(d, "test_data_set_*"))):
                def read(prefix: str) -> list[np.ndarray]:
                    arrays = []
                    for f in sorted(glob.glob(os.path.join(ds, f"{prefix}_*.pb")),
                                    key=lambda p: int(re.findall(r"(\d+)\.pb$", p)[0])):
                        t = onnx.TensorProto()
                        with open(f, "rb") as fh:
                            t.ParseFromString(fh.read())
                        arrays.append(numpy_helper.to_array(t))
                    return arrays
                ins.append(read("input"))
                outs.append(read("output"))
            with open(model_path, "rb") as fh:
                tasks.append((name, fh.read(), ins, outs, 1e-3, 1e-7))
            kind_of[name] = kind
    return tasks, kind_of


def light_results(names: list[str]) -> list[tuple[str, str, str]]:
    """The light model-zoo networks against onnxruntime (perturbed weights, logits)."""
    import onnx
    from mlir_py.execution import ExecutionEngine
    from mlir_py.onnx import import_model
    from mlir_py.onnx.testing import (
        light_model_path,
        logits_model,
        onnxruntime_session,
        random_inputs,
        realize_weights,
        relative_error,
    )
    results = []
    for name in names:
        try:
            model = logits_model(realize_weights(onnx.load(light_model_path(name))))
            t0 = time.perf_counter()
            module = import_model(model)
            t1 = time.perf_counter()
            fn = ExecutionEngine(module, opt_level=2).lookup("main")
            t2 = time.perf_counter()
            feeds = random_inputs(model)
            got = fn(*feeds.values())
            want = onnxruntime_session(model).run(None, feeds)[0]
            err = relative_error(got, want)
            status = "pass" if err <= 1e-4 else "mismatch"
            results.append((f"light_{name}", status, f"relative error {err:.2g}; import {t1 - t0:.1f} s, "
                                                     f"compile {t2 - t1:.1f} s"))
        except Exception as e:  # noqa: BLE001
            results.append((f"light_{name}", "error", _short(f"{type(e).__name__}: {e}")))
        print(*results[-1], flush=True)
    return results


def run_all(tasks: list[tuple], jobs: int) -> dict[str, tuple[str, str]]:
    results: dict[str, tuple[str, str]] = {}
    ctx = mp.get_context("spawn")
    with ctx.Pool(jobs, maxtasksperchild=25) as pool:
        pending = [(t[0], pool.apply_async(run_case, (t,))) for t in tasks]
        for i, (name, r) in enumerate(pending):
            try:
                _, status, detail = r.get(timeout=600)
            except mp.TimeoutError:
                status, detail = "error", "timed out or crashed the worker"
            results[name] = (status, detail)
            if (i + 1) % 100 == 0:
                print(f"  {i + 1}/{len(pending)}", flush=True)
    return results


#: why a failure that is not the importer's refusal happens (the table shows these next to the failure)
KNOWN_REASONS = {
    "test_causal_conv_with_state_silu_fp16_expanded": "f16 arithmetic: the expanded function computes and rounds "
    "in f16 at every step, the reference in f32 with one rounding",
}


def _summary_end(lines: list[str]) -> int:
    """The index just after the summary bullets."""
    return max(i for i, line in enumerate(lines) if line.startswith("- ")) + 1


def write_table(path: str, node: dict[str, tuple[str, str]], op_of: dict[str, str],
                models: dict[str, tuple[str, str]], kind_of: dict[str, str], light: list[tuple[str, str, str]],
                seconds: float) -> None:
    import onnx
    by_op: dict[str, list[tuple[str, str, str]]] = collections.defaultdict(list)
    for name, (status, detail) in node.items():
        by_op[op_of[name]].append((name, status, detail))
    n_pass = sum(s == "pass" for s, _ in node.values())
    lines = [
        "# ONNX backend conformance",
        "",
        "Generated by `python benchmarks/onnx_conformance.py --light` (do not edit by hand): onnx's backend test "
        "suite run through `mlir_py.onnx.backend.MlirPyBackend` (import, `--lower-to-llvm`, JIT at -O1). A test "
        "passes when every output has the expected dtype and shape and matches within the test's tolerances "
        "(onnx's runner's check). docs/onnx.md explains the importer and the reasons listed here.",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, onnx {onnx.__version__}, "
        f"{platform.machine()}, Python {platform.python_version()}, {seconds / 60:.0f} min.",
        "",
        f"- node tests: **{n_pass} / {len(node)} pass** over {len(by_op)} operators",
    ]
    if models:
        m_pass = sum(s == "pass" for s, _ in models.values())
        lines.append(f"- model tests in the wheel: **{m_pass} / {len(models)} pass**")
    if light:
        lines.append(f"- light model-zoo networks vs onnxruntime: **{sum(s == 'pass' for _, s, _ in light)} / "
                     f"{len(light)} pass**")
    lines += ["", "Failure kinds: *unsupported* (the importer's error: an operator, attribute or element type the "
              "graph dialect does not have, or an input that must be a constant), *compile* (the compiler "
              "rejected the imported IR), *mismatch* (wrong values, dtype or shape), *error* (an exception while "
              "running).", "", "## Node tests by operator", "", "| operator | pass | tests | failures |",
              "|---|---|---|---|"]
    for op in sorted(by_op):
        rows = sorted(by_op[op])
        passed = sum(s == "pass" for _, s, _ in rows)
        reasons: dict[str, list[str]] = collections.defaultdict(list)
        for name, status, detail in rows:
            if status != "pass":
                why = f" ({KNOWN_REASONS[name]})" if name in KNOWN_REASONS else ""
                reasons[f"{status}: {detail}{why}"].append(name)
        text = "; ".join(f"{', '.join(ns)} — {r}" for r, ns in reasons.items()).replace("|", "\\|")
        lines.append(f"| {op} | {passed} | {len(rows)} | {text} |")
    if models:
        lines += ["", "## Model tests", "", "| test | suite | result |", "|---|---|---|"]
        for name in sorted(models):
            status, detail = models[name]
            lines.append(f"| {name} | {kind_of[name]} | {status}{': ' + detail if detail else ''} |".replace(
                "\\", "\\\\"))
    if light:
        lines += ["", LIGHT_HEADING, "", "| model | result |", "|---|---|"]
        lines += [f"| {name} | {status}: {detail} |" for name, status, detail in light]
    elif os.path.isfile(path):  # not rerun: keep the previous run's section (it takes most of an hour)
        old = open(path).read()
        if LIGHT_HEADING in old:
            kept = old[old.index(LIGHT_HEADING):].rstrip("\n")
            rows = [r for r in kept.splitlines() if r.startswith("| light_")]
            summary = (f"- light model-zoo networks vs onnxruntime (previous run): **"
                       f"{sum('| pass:' in r for r in rows)} / {len(rows)} pass**")
            lines.insert(_summary_end(lines), summary)
            lines += ["", kept]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    ap.add_argument("--only", default=None, help="run only the tests whose name matches this regex")
    ap.add_argument("--light", action="store_true", help="also compare the light model-zoo networks (slow)")
    ap.add_argument("--no-models", action="store_true", help="skip the model tests stored in the wheel")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "onnx-conformance.md"),
                    help="where to write the table ('-' for none)")
    args = ap.parse_args(argv)
    only = re.compile(args.only) if args.only else None
    t0 = time.perf_counter()
    tasks, op_of = node_tasks(only)
    print(f"{len(tasks)} node tests", flush=True)
    node = run_all(tasks, args.jobs)
    models, kind_of = {}, {}
    if not args.no_models:
        mtasks, kind_of = model_tasks(only)
        print(f"{len(mtasks)} model tests", flush=True)
        models = run_all(mtasks, args.jobs)
    light = []
    if args.light:
        from mlir_py.onnx.testing import LIGHT_MODELS
        light = light_results(list(LIGHT_MODELS))
    seconds = time.perf_counter() - t0
    for name, (status, detail) in sorted({**node, **models}.items()):
        if status != "pass":
            print(f"{name}: {status}: {detail}")
    print(f"node tests: {sum(s == 'pass' for s, _ in node.values())} / {len(node)} pass; "
          f"model tests: {sum(s == 'pass' for s, _ in models.values())} / {len(models)}")
    if args.out != "-":
        write_table(args.out, node, op_of, models, kind_of, light, seconds)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
