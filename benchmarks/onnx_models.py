"""The light model-zoo networks of the onnx wheel: import time, compile time and single-thread inference time
with mlir_py, side by side with onnxruntime (one intra-op thread) in the same run, and the relative error of
the logits between the two (random input, weights perturbed as in mlir_py.onnx.testing).

    python benchmarks/onnx_models.py [--models squeezenet,resnet50] [--repeat 5] [--opt-level 2]

Import is `mlir_py.onnx.import_model` on the loaded model (weights made real first, not timed); compile is
`ExecutionEngine(module)` (--lower-to-llvm, translation, LLVM, JIT); inference is the median of `--repeat`
calls after one warm-up, for both runtimes. Results go in docs/benchmarks.md under "ONNX models".
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("MLIR_PY_NUM_THREADS", "1")  # single thread, as onnxruntime below


def _median_time(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    import onnx
    from mlir_py.execution import ExecutionEngine
    from mlir_py.onnx import import_model
    from mlir_py.onnx.testing import (
        LIGHT_MODELS,
        light_model_path,
        logits_model,
        onnxruntime_session,
        random_inputs,
        realize_weights,
        relative_error,
    )
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(LIGHT_MODELS), help="comma-separated light model names")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--opt-level", type=int, default=2,
                    help="LLVM level (default 2: -O3 takes minutes on the unrolled convolutions)")
    args = ap.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, onnx {onnx.__version__}, -O{args.opt_level}")
    print("| model | weights | import | compile | mlir_py | onnxruntime (1 thread) | ratio | rel. error |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        model = logits_model(realize_weights(onnx.load(light_model_path(name))))
        mb = sum(t.ByteSize() for t in model.graph.initializer) / 1e6
        t0 = time.perf_counter()
        module = import_model(model)
        t1 = time.perf_counter()
        fn = ExecutionEngine(module, opt_level=args.opt_level).lookup("main")
        t2 = time.perf_counter()
        feeds = random_inputs(model)
        args_ = list(feeds.values())
        sess = onnxruntime_session(model, threads=1)
        ours = _median_time(lambda: fn(*args_), args.repeat)
        theirs = _median_time(lambda: sess.run(None, feeds), args.repeat)
        err = relative_error(fn(*args_), sess.run(None, feeds)[0])
        print(f"| {name} | {mb:.0f} MB | {t1 - t0:.1f} s | {t2 - t1:.1f} s | {ours * 1e3:.1f} ms | "
              f"{theirs * 1e3:.1f} ms | {ours / theirs:.2f}x | {err:.1e} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
