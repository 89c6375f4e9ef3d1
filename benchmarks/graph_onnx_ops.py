"""The graph ops added for ONNX import, compiled through --lower-to-llvm, against numpy and onnxruntime in one
run, single-threaded, at sizes a vision or language model meets them.

For each op: the best of `--repeat` calls of the compiled graph-level function (its result allocated by the
compiled code, as numpy's expression allocates its own), the plainest vectorized numpy that computes the same
thing, and onnxruntime's CPU kernel for the node (one intra-op thread) when onnx and onnxruntime are
installed. Ratios > 1 mean the compiled code is faster. Results are checked against numpy before timing.

    python benchmarks/graph_onnx_ops.py [--repeat 20] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

RNG = np.random.default_rng(0)
_ELT = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64", np.dtype(np.bool_): "i1"}


def ttype(a: np.ndarray | tuple, dtype=None) -> str:
    shape, dt = (a.shape, a.dtype) if isinstance(a, np.ndarray) else (a, np.dtype(dtype))
    return "tensor<" + "".join(f"{d}x" for d in shape) + _ELT[dt] + ">"


def best(fn, args, repeat: int) -> float:
    fn(*args)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return min(times)


def onnx_session(op_type: str, inputs: list[np.ndarray], out: np.ndarray, **attrs):
    """An onnxruntime session running one node on `inputs` (constant inputs as initializers), or None."""
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    types = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
             np.dtype(np.bool_): TensorProto.BOOL}
    names = [f"i{k}" for k in range(len(inputs))]
    feeds, inits = {}, []
    for n, a in zip(names, inputs):
        if isinstance(a, tuple):  # ("const", array): an initializer
            inits.append(numpy_helper.from_array(a[1], n))
        else:
            feeds[n] = a
    graph = helper.make_graph([helper.make_node(op_type, names, ["y"], **attrs)], "g",
                              [helper.make_tensor_value_info(n, types[a.dtype], a.shape) for n, a in feeds.items()],
                              [helper.make_tensor_value_info("y", types[out.dtype], out.shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return lambda *args: sess.run(None, dict(zip(feeds, args)))[0]


def resize_linear_2x(x: np.ndarray) -> np.ndarray:
    """Bilinear 2x upsampling of the last two dims, half_pixel, as vectorized numpy (separable)."""
    def axis(a, n, ax):
        c = np.clip((np.arange(2 * n) + 0.5) / 2 - 0.5, 0, n - 1)
        lo = np.floor(c).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        w = (c - lo).astype(np.float32)
        shape = [1] * a.ndim
        shape[ax] = -1
        return np.take(a, lo, ax) * (1 - w).reshape(shape) + np.take(a, hi, ax) * w.reshape(shape)
    return axis(axis(x, x.shape[2], 2), x.shape[3], 3)


def func(inputs: list[np.ndarray], result: tuple, dtype, op: str, attrs: str = "", pre: str = "") -> str:
    """`func.func @f` of `inputs` (%a0, %a1, ...) returning `%r = <op> <operands> {attrs}`: the operands are
    all inputs unless `op` names them; `pre` holds the constants it names."""
    args = ", ".join(f"%a{k}: {ttype(a)}" for k, a in enumerate(inputs))
    rt = ttype(result, dtype)
    name, _, operands = op.partition(" ")
    operands = operands or ", ".join(f"%a{k}" for k in range(len(inputs)))
    types = op_types(pre, inputs, operands)
    attrs = f" {{{attrs}}}" if attrs else ""
    return (f"func.func @f({args}) -> {rt} {{\n{pre}  %r = {name} {operands}{attrs} : ({types}) -> {rt}\n"
            f"  return %r : {rt}\n}}")


def op_types(pre: str, inputs: list[np.ndarray], operands: str) -> str:
    """The operand types of `operands`, reading constants' types from `pre`."""
    known = {f"%a{k}": ttype(a) for k, a in enumerate(inputs)}
    for line in pre.splitlines():
        lhs, _, rhs = line.strip().partition(" = ")
        known[lhs] = rhs.rsplit(" : ", 1)[1]
    return ", ".join(known[o.strip()] for o in operands.split(","))


def cases(quick: bool):
    s = 2 if quick else 1
    f32 = np.float32
    x = RNG.standard_normal((1, 32, 64 // s, 64 // s)).astype(f32)
    h, w = x.shape[2:]
    up = (1, 32, 2 * h, 2 * w)
    scales = ("const", np.array([1, 1, 2, 2], f32))
    no_roi = ("const", np.zeros(0, f32))
    yield ("resize nearest 2x", func([x], up, f32, "graph.resize"), [x], lambda a: a.repeat(2, 2).repeat(2, 3),
           ("Resize", [x, no_roi, scales], {}))
    yield ("resize linear 2x", func([x], up, f32, "graph.resize", 'mode = "linear"'), [x], resize_linear_2x,
           ("Resize", [x, no_roi, scales], {"mode": "linear"}))
    yield ("pad reflect 3", func([x], (1, 32, h + 6, w + 6), f32, "graph.pad",
                                 'mode = "reflect", pads = array<i64: 0, 0, 3, 3, 0, 0, 3, 3>'), [x],
           lambda a: np.pad(a, [(0, 0), (0, 0), (3, 3), (3, 3)], mode="reflect"),
           ("Pad", [x, ("const", np.array([0, 0, 3, 3, 0, 0, 3, 3], np.int64))], {"mode": "reflect"}))
    table = RNG.standard_normal((8192, 256)).astype(f32)
    ids = RNG.integers(0, 8192, (8, 128)).astype(np.int64)
    yield ("gather embedding", func([table, ids], (8, 128, 256), f32, "graph.gather"), [table, ids],
           lambda t, i: np.take(t, i, axis=0), ("Gather", [table, ids], {}))
    m = RNG.standard_normal((1024 // s, 1024)).astype(f32)
    mask = RNG.random(m.shape) < 0.5
    big = "  %big = graph.constant dense<-1.0e9> : tensor<f32>\n"
    yield ("where(mask, x, -1e9)", func([mask, m], m.shape, f32, "graph.where %a0, %a1, %big", pre=big), [mask, m],
           lambda c, a: np.where(c, a, f32(-1e9)), ("Where", [mask, m, ("const", np.array(-1e9, f32))], {}))
    zero = "  %z = graph.constant dense<0.0> : tensor<f32>\n"
    yield ("less -> i1", func([m], m.shape, np.bool_, "graph.less %a0, %z", pre=zero), [m], lambda a: a < 0,
           ("Less", [m, ("const", np.array(0, f32))], {}))
    yield ("cast f32 -> i64", func([m], m.shape, np.int64, "graph.cast"), [m], lambda a: a.astype(np.int64),
           ("Cast", [m], {"to": 7}))
    logits = RNG.standard_normal((512 // s, 1000)).astype(f32)
    yield ("argmax rows", func([logits], (logits.shape[0],), np.int64, "graph.argmax",
                               "axis = 1 : i64, keepdims = false"), [logits], lambda a: np.argmax(a, axis=1),
           ("ArgMax", [logits], {"axis": 1, "keepdims": 0}))
    xc = RNG.standard_normal((1, 32, 32 // s, 32 // s)).astype(f32)
    wc = (RNG.standard_normal((32, 16, 4, 4)) * 0.1).astype(f32)
    yield ("conv_transpose2d 4x4/2", func([xc, wc], (1, 16, 2 * xc.shape[2], 2 * xc.shape[3]), f32,
                                          "graph.conv_transpose2d",
                                          "pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>"),
           [xc, wc], None, ("ConvTranspose", [xc, wc], {"strides": [2, 2], "pads": [1, 1, 1, 1]}))
    sc, bc = RNG.standard_normal(32).astype(f32), RNG.standard_normal(32).astype(f32)

    def inorm(a, g, b):
        mu = a.mean(axis=(2, 3), keepdims=True)
        return (a - mu) / np.sqrt(a.var(axis=(2, 3), keepdims=True) + 1e-5) * g[:, None, None] + b[:, None, None]
    yield ("instance_norm", func([x, sc, bc], x.shape, f32, "graph.instance_norm"), [x, sc, bc], inorm,
           ("InstanceNormalization", [x, sc, bc], {}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = ap.parse_args(argv)
    from mlir_py.execution import ExecutionEngine
    print(f"machine: {platform.machine()} {platform.processor() or ''}, python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'op':26} {'compiled':>10} {'numpy':>10} {'ort':>10} {'vs numpy':>9} {'vs ort':>8}")
    for name, text, inputs, np_fn, ort_spec in cases(args.quick):
        fn = ExecutionEngine(text, opt_level=3).lookup("f")
        got = np.asarray(fn(*inputs))
        t_c = best(fn, inputs, args.repeat)
        t_np = t_ort = None
        if np_fn is not None:
            want = np_fn(*inputs)
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
            t_np = best(np_fn, inputs, args.repeat)
        ort_fn = onnx_session(ort_spec[0], ort_spec[1], got, **ort_spec[2])
        if ort_fn is not None:
            feeds = [a for a in ort_spec[1] if not isinstance(a, tuple)]
            np.testing.assert_allclose(got, ort_fn(*feeds), rtol=1e-4, atol=1e-4)
            t_ort = best(ort_fn, feeds, args.repeat)

        def ms(t):
            return f"{t * 1e3:9.3f}ms" if t is not None else f"{'-':>11}"

        def ratio(t):
            return f"{t / t_c:8.2f}x" if t is not None else f"{'-':>9}"
        print(f"{name:26} {ms(t_c)} {ms(t_np)} {ms(t_ort)} {ratio(t_np)} {ratio(t_ort)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
