"""Fusion preserves the numbers: random programs of elementwise linalg ops on tensors (broadcast and
transposed operands, transposed results, fills, linalg.index, shared producers, a final row reduction)
are compiled with and without linalg-fuse-elementwise-ops (then one-shot-bufferize,
convert-linalg-to-loops, --lower-to-llvm) and both agree with a numpy evaluation of the same program on
random inputs; fusion must also have removed ops."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()
R, C = 5, 7
MAPS = {"rc": "(d0, d1)", "cr": "(d1, d0)", "c": "(d1)"}
TYPES = {"rc": f"tensor<{R}x{C}xf32>", "cr": f"tensor<{C}x{R}xf32>", "c": f"tensor<{C}xf32>"}
BINARY = {"arith.addf": np.add, "arith.subf": np.subtract, "arith.mulf": np.multiply,
          "arith.maximumf": np.maximum, "arith.minimumf": np.minimum}
UNARY = {"arith.negf": np.negative, "math.tanh": np.tanh, "math.absf": np.abs}


def _view(a, layout):
    """A value as an R x C array."""
    return {"rc": a, "cr": a.T, "c": a[None, :]}[layout]


class Program:
    """One random function: its text and a numpy evaluation."""

    def __init__(self, rng, name):
        self.name = name
        self.rng = rng
        self.lines = []
        self.args = []  # (name, layout)
        self.nodes = []  # (ssa name, layout)
        self.steps = []  # numpy evaluation, in order
        self.uses = {}

    def operand(self):
        i = int(self.rng.integers(len(self.nodes)))
        self.uses[i] = self.uses.get(i, 0) + 1
        return i

    def build(self):
        rng = self.rng
        for k in range(3):
            layout = ["rc", "cr", "c"][k] if k < 3 else "rc"
            self.args.append((f"%x{k}", layout))
            self.nodes.append((f"%x{k}", layout))
            self.steps.append(("arg", k))
        n = 0
        for _ in range(int(rng.integers(4, 8))):
            kind = rng.choice(["binary", "unary", "index", "fill"], p=[0.5, 0.25, 0.15, 0.1])
            out_layout = "cr" if rng.random() < 0.2 else "rc"
            name = f"%v{n}"
            n += 1
            if kind == "fill":
                value = float(rng.uniform(-2, 2))
                self.lines.append(f"  %c{n} = arith.constant {value!r} : f32")
                self.lines.append(f"  %e{n} = tensor.empty() : {TYPES['rc']}")
                self.lines.append(f"  {name} = linalg.fill ins(%c{n} : f32) outs(%e{n} : {TYPES['rc']}) -> "
                                  f"{TYPES['rc']}")
                self.nodes.append((name, "rc"))
                self.steps.append(("fill", np.float32(value)))
                continue
            ins = [self.operand()] if kind != "binary" else [self.operand(), self.operand()]
            op = rng.choice(list(BINARY)) if kind == "binary" else rng.choice(list(UNARY))
            self._generic(name, ins, str(op), kind, out_layout)
        self._reduce()

    def _generic(self, name, ins, op, kind, out_layout):
        ops = [self.nodes[i] for i in ins]
        maps = [f"affine_map<(d0, d1) -> {MAPS[lay]}>" for _, lay in ops]
        maps.append(f"affine_map<(d0, d1) -> {MAPS[out_layout]}>")
        args = ", ".join(f"%a{j}: f32" for j in range(len(ops)))
        body = []
        if kind == "binary":
            body.append(f"    %r = {op} %a0, %a1 : f32")
        elif kind == "unary":
            body.append(f"    %r = {op} %a0 : f32")
        else:
            body += ["    %i = linalg.index 0 : index", "    %j = linalg.index 1 : index",
                     f"    %c = arith.constant {C} : index", "    %ic = arith.muli %i, %c : index",
                     "    %k = arith.addi %ic, %j : index", "    %ki = arith.index_cast %k : index to i32",
                     "    %kf = arith.sitofp %ki : i32 to f32", "    %s = arith.constant 0.05 : f32",
                     "    %ks = arith.mulf %kf, %s : f32", "    %r = arith.addf %a0, %ks : f32"]
        t = TYPES[out_layout]
        self.lines.append(f"  %e_{name[1:]} = tensor.empty() : {t}")
        self.lines.append(
            f"  {name} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
            f"iterator_types = [\"parallel\", \"parallel\"]}} "
            f"ins({', '.join(n for n, _ in ops)} : {', '.join(TYPES[lay] for _, lay in ops)}) "
            f"outs(%e_{name[1:]} : {t}) {{")
        self.lines.append(f"  ^bb0({args}, %o: f32):")
        self.lines += body
        self.lines.append("    linalg.yield %r : f32")
        self.lines.append(f"  }} -> {t}")
        self.nodes.append((name, out_layout))
        self.steps.append(("generic", ins, op, kind, out_layout))

    def _reduce(self):
        i = len(self.nodes) - 1
        src, lay = self.nodes[i]
        self.lines.append(
            f"  %sum = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> {MAPS[lay]}>, "
            f"affine_map<(d0, d1) -> (d0)>], iterator_types = [\"parallel\", \"reduction\"]}} "
            f"ins({src} : {TYPES[lay]}) outs(%init : tensor<{R}xf32>) {{")
        self.lines += ["  ^bb0(%a: f32, %acc: f32):", "    %r = arith.addf %a, %acc : f32",
                       "    linalg.yield %r : f32", f"  }} -> tensor<{R}xf32>"]
        self.shared = int(self.rng.integers(3, len(self.nodes)))  # also returned: a second use

    def text(self):
        params = ", ".join(f"{n}: {TYPES[lay]}" for n, lay in self.args) + f", %init: tensor<{R}xf32>"
        shared, lay = self.nodes[self.shared]
        return (f"func.func @{self.name}({params}) -> (tensor<{R}xf32>, {TYPES[lay]}) {{\n"
                + "\n".join(self.lines)
                + f"\n  return %sum, {shared} : tensor<{R}xf32>, {TYPES[lay]}\n}}\n")

    def evaluate(self, inputs, init):
        vals = []
        ii, jj = np.meshgrid(np.arange(R), np.arange(C), indexing="ij")
        for step in self.steps:
            if step[0] == "arg":
                vals.append(inputs[step[1]])
            elif step[0] == "fill":
                vals.append(np.full((R, C), step[1], np.float32))
            else:
                _, ins, op, kind, out_layout = step
                xs = [_view(vals[i], self.nodes[i][1]) for i in ins]
                if kind == "binary":
                    r = BINARY[op](xs[0], xs[1])
                elif kind == "unary":
                    r = UNARY[op](xs[0])
                else:
                    r = xs[0] + (ii * C + jj).astype(np.float32) * np.float32(0.05)
                r = np.broadcast_to(r, (R, C)).astype(np.float32)
                vals.append(r.T.copy() if out_layout == "cr" else r)
        last = _view(vals[-1], self.nodes[-1][1])
        return init + last.sum(axis=1, dtype=np.float32), vals[self.shared]


def _compile(text, fuse):
    module = mp.parse(CTX, text)
    pm = PassManager()
    if fuse:
        pm.add("linalg-fuse-elementwise-ops")
    pm.add("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}")
    pm.add("convert-linalg-to-loops")
    assert pm.run(module)
    return ExecutionEngine(module)


def test_fused_and_unfused_programs_agree():
    rng = np.random.default_rng(8)
    programs = []
    for n in range(6):
        p = Program(rng, f"f{n}")
        p.build()
        programs.append(p)
    text = "\n".join(p.text() for p in programs)
    fused_ir = mp.parse(CTX, text)
    pm = PassManager()
    pm.add("linalg-fuse-elementwise-ops")
    assert pm.run(fused_ir)
    assert str(fused_ir).count("linalg.generic") < text.count("linalg.generic")
    engines = [_compile(text, False), _compile(text, True)]
    for p in programs:
        inputs = [rng.standard_normal(s).astype(np.float32) for s in [(R, C), (C, R), (C,)]]
        init = rng.standard_normal(R).astype(np.float32)
        want_sum, want_shared = p.evaluate(inputs, init)
        for eng in engines:
            got_sum, got_shared = eng.lookup(p.name)(*[x.copy() for x in inputs], init.copy())
            np.testing.assert_allclose(got_sum, want_sum, rtol=1e-5, atol=1e-5, err_msg=p.text())
            np.testing.assert_allclose(got_shared, want_shared, rtol=1e-5, atol=1e-5, err_msg=p.text())
