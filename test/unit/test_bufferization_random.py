"""Property: bufferization preserves tensor semantics. Random programs on tensors (elementwise
generics whose init is any live tensor - arguments, values read later, values read by the same
op -, tensor.insert, extract_slice / insert_slice, fill of tensor.empty, scf.for accumulating into
an iter_arg while reading an outer tensor, scf.if yielding an updated or another tensor, calls of
a function that writes its argument in place) go through
one-shot-bufferize + buffer-planning (in-place decisions, copies, arena offsets), are JIT-run,
and must return what a pure numpy interpretation of the tensor program returns."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llvmlite")

from mlir_py.execution import ExecutionEngine  # noqa: E402

import mlir_py as mp  # noqa: E402
from mlir_py.pass_manager import PassManager  # noqa: E402

CTX = mp.Context().load_all_available_dialects()
N_FUNCS = 24
ID = "affine_map<(d0) -> (d0)>"


class Program:
    """One random function: its text and a numpy interpreter of it."""

    def __init__(self, rng: np.random.Generator, name: str):
        self.name = name
        self.lines: list[str] = []
        self.steps: list = []  # replayed by `reference`
        self.vals: dict[int, list[str]] = {8: ["%arg0", "%arg1"], 4: ["%arg2"]}
        self.n = 0
        for _ in range(int(rng.integers(4, 9))):
            self._step(rng)
        pool = self.vals[8] + self.vals[4]
        self.results = [pool[int(i)] for i in rng.choice(len(pool), size=2, replace=False)]

    def fresh(self) -> str:
        self.n += 1
        return f"%v{self.n}"

    def _step(self, rng) -> None:
        kind = rng.choice(["generic", "generic", "insert", "slice", "fill", "loop", "if", "call"])
        size = 8 if rng.random() < 0.7 else 4
        t = f"tensor<{size}xf32>"
        pool = self.vals[size]
        r = self.fresh()
        if kind == "generic":
            a = pool[int(rng.integers(len(pool)))]
            out = pool[int(rng.integers(len(pool)))]
            reads_out = bool(rng.random() < 0.5)
            c = float(np.round(rng.uniform(0.5, 2.0), 2))
            body = "%y = arith.mulf %x, %k : f32\n"
            body += "    %z = arith.addf %y, %o : f32\n" if reads_out else "    %z = arith.addf %y, %k : f32\n"
            self.lines.append(
                f"  %k{self.n} = arith.constant {c:e} : f32\n"
                f"  {r} = linalg.generic {{indexing_maps = [{ID}, {ID}], iterator_types = [\"parallel\"]}} "
                f"ins({a} : {t}) outs({out} : {t}) {{\n  ^bb0(%x: f32, %o: f32):\n"
                f"    {body.replace('%k', f'%k{self.n}')}    linalg.yield %z : f32\n  }} -> {t}")
            self.steps.append(("generic", r, a, out, reads_out, c))
        elif kind == "insert":
            d = pool[int(rng.integers(len(pool)))]
            i = int(rng.integers(size))
            c = float(np.round(rng.uniform(-3, 3), 2))
            self.lines.append(f"  %s{self.n} = arith.constant {c:e} : f32\n  %i{self.n} = arith.constant {i} : index\n"
                              f"  {r} = tensor.insert %s{self.n} into {d}[%i{self.n}] : {t}")
            self.steps.append(("insert", r, d, i, c))
        elif kind == "slice":
            big = self.vals[8][int(rng.integers(len(self.vals[8])))]
            off = int(rng.choice([0, 2, 4]))
            if rng.random() < 0.5:
                self.lines.append(f"  {r} = tensor.extract_slice {big}[{off}] [4] [1] : tensor<8xf32> to tensor<4xf32>")
                self.steps.append(("extract", r, big, off))
                size = 4
            else:
                small = self.vals[4][int(rng.integers(len(self.vals[4])))]
                self.lines.append(f"  {r} = tensor.insert_slice {small} into {big}[{off}] [4] [1] : "
                                  f"tensor<4xf32> into tensor<8xf32>")
                self.steps.append(("insert_slice", r, small, big, off))
                size = 8
        elif kind == "call":
            # the callee doubles its argument in place and returns it
            a = pool[int(rng.integers(len(pool)))]
            self.lines.append(f"  {r} = func.call @twice{size}({a}) : ({t}) -> {t}")
            self.steps.append(("call", r, a))
        elif kind == "loop":
            # three iterations: acc = acc + x * c, where x is read from outside the loop
            init = pool[int(rng.integers(len(pool)))]
            x = pool[int(rng.integers(len(pool)))]
            c = float(np.round(rng.uniform(0.5, 2.0), 2))
            n = self.n
            self.lines.append(
                f"  %lb{n} = arith.constant 0 : index\n  %ub{n} = arith.constant 3 : index\n"
                f"  %st{n} = arith.constant 1 : index\n  %k{n} = arith.constant {c:e} : f32\n"
                f"  {r} = scf.for %i{n} = %lb{n} to %ub{n} step %st{n} iter_args(%acc{n} = {init}) -> ({t}) {{\n"
                f"    %g{n} = linalg.generic {{indexing_maps = [{ID}, {ID}], iterator_types = [\"parallel\"]}} "
                f"ins({x} : {t}) outs(%acc{n} : {t}) {{\n    ^bb0(%x: f32, %o: f32):\n"
                f"      %y = arith.mulf %x, %k{n} : f32\n      %z = arith.addf %y, %o : f32\n"
                f"      linalg.yield %z : f32\n    }} -> {t}\n    scf.yield %g{n} : {t}\n  }}")
            self.steps.append(("loop", r, init, x, c))
        elif kind == "if":
            a = pool[int(rng.integers(len(pool)))]
            b = pool[int(rng.integers(len(pool)))]
            cond = bool(rng.random() < 0.5)
            i = int(rng.integers(size))
            c = float(np.round(rng.uniform(-3, 3), 2))
            n = self.n
            self.lines.append(
                f"  %cond{n} = arith.constant {str(cond).lower()}\n  %s{n} = arith.constant {c:e} : f32\n"
                f"  %i{n} = arith.constant {i} : index\n"
                f"  {r} = scf.if %cond{n} -> ({t}) {{\n"
                f"    %w{n} = tensor.insert %s{n} into {a}[%i{n}] : {t}\n    scf.yield %w{n} : {t}\n"
                f"  }} else {{\n    scf.yield {b} : {t}\n  }}")
            self.steps.append(("if", r, a, b, cond, i, c))
        else:
            c = float(np.round(rng.uniform(-1, 1), 2))
            self.lines.append(f"  %e{self.n} = tensor.empty() : {t}\n  %c{self.n} = arith.constant {c:e} : f32\n"
                              f"  {r} = linalg.fill ins(%c{self.n} : f32) outs(%e{self.n} : {t}) -> {t}")
            self.steps.append(("fill", r, size, c))
        self.vals[size].append(r)

    def text(self) -> str:
        types = ", ".join(self._type(v) for v in self.results)
        rets = ", ".join(self.results)
        return (f"func.func @{self.name}(%arg0: tensor<8xf32>, %arg1: tensor<8xf32>, %arg2: tensor<4xf32>) "
                f"-> ({types}) {{\n" + "\n".join(self.lines) + f"\n  return {rets} : {types}\n}}\n")

    def _type(self, v: str) -> str:
        return "tensor<8xf32>" if v in self.vals[8] else "tensor<4xf32>"

    def reference(self, a0, a1, a2) -> list[np.ndarray]:
        env = {"%arg0": a0.copy(), "%arg1": a1.copy(), "%arg2": a2.copy()}
        f32 = np.float32
        for s in self.steps:
            if s[0] == "generic":
                _, r, a, out, reads_out, c = s
                y = env[a] * f32(c)
                env[r] = (y + env[out]) if reads_out else (y + f32(c))
            elif s[0] == "insert":
                _, r, d, i, c = s
                env[r] = env[d].copy()
                env[r][i] = c
            elif s[0] == "extract":
                _, r, big, off = s
                env[r] = env[big][off:off + 4].copy()
            elif s[0] == "insert_slice":
                _, r, small, big, off = s
                env[r] = env[big].copy()
                env[r][off:off + 4] = env[small]
            elif s[0] == "call":
                env[s[1]] = env[s[2]] * f32(2)
            elif s[0] == "loop":
                _, r, init, x, c = s
                acc = env[init].copy()
                for _ in range(3):
                    acc = env[x] * f32(c) + acc
                env[r] = acc
            elif s[0] == "if":
                _, r, a, b, cond, i, c = s
                if cond:
                    env[r] = env[a].copy()
                    env[r][i] = c
                else:
                    env[r] = env[b].copy()
            else:
                _, r, size, c = s
                env[r] = np.full(size, c, dtype=f32)
        return [env[v] for v in self.results]


HELPERS = "".join(f"""
func.func private @twice{n}(%a: tensor<{n}xf32>) -> tensor<{n}xf32> {{
  %r = linalg.generic {{indexing_maps = [{ID}, {ID}], iterator_types = ["parallel"]}}
      ins(%a : tensor<{n}xf32>) outs(%a : tensor<{n}xf32>) {{
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  }} -> tensor<{n}xf32>
  return %r : tensor<{n}xf32>
}}
""" for n in (4, 8))


@pytest.fixture(scope="module")
def programs():
    rng = np.random.default_rng(8)
    progs = [Program(rng, f"f{i}") for i in range(N_FUNCS)]
    module = mp.parse(CTX, HELPERS + "\n".join(p.text() for p in progs))
    pm = PassManager()
    pm.add("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}")
    pm.add("buffer-planning")
    pm.add("convert-linalg-to-loops")
    assert pm.run(module)
    return progs, ExecutionEngine(module, opt_level=1)


def test_random_programs_match_numpy(programs):
    progs, engine = programs
    rng = np.random.default_rng(81)
    for p in progs:
        args = [rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32),
                rng.standard_normal(4).astype(np.float32)]
        want = p.reference(*args)
        got = engine.lookup(p.name)(*[a.copy() for a in args])
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6, err_msg=f"{p.name}:\n{p.text()}")
