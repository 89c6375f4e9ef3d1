"""The register-tiled matmul kernel that `linalg-codegen-matmul` emits: scf loops and 1-D vector ops on memrefs.

The output is cut into blocks of `rows` x (`vectors` * `width`) elements. Each
block keeps its accumulators in vector registers for the whole reduction (the
`scf.for` over k carries them as iter_args): per k it loads `vectors` vectors
of one row of B, broadcasts one element of A per row and issues
`rows * vectors` `vector.fma`. After the reduction the epilogue (the bodies of
the fused elementwise ops, lifted to vectors) runs on the accumulators and the
block is stored once. With the defaults (6 rows x 2 vectors of 8 f32: twelve
ymm accumulators, two for B, one broadcast) this is the classic AVX2 kernel
shape; LLVM keeps everything in registers, no spills.

Remainders need no scalar code: the last block row has `M % rows` rows (its
own unrolled kernel), and the last block column uses masked loads and stores
(`vector.maskedload`/`maskedstore` with a constant mask) for its partial vector.
All shapes are static, so every block shape is known when the code is emitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from mlir_py.dialects import arith, memref, scf
from mlir_py.dialects.vector import BroadcastOp, ConstantMaskOp, FMAOp, LoadOp, MaskedLoadOp, MaskedStoreOp, StoreOp

from mlir_py.ir.builtin_attributes import DenseArrayAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import VectorType, i1, i64, index
from mlir_py.ir.operation import Value
from mlir_py.rewrite import PatternRewriter

#: an epilogue stage: given (the builder, batch indices, the row index of each block row, the column index of
#: each vector, the accumulators [row][vector], the lanes of each vector) returns the new accumulators
EpilogueStage = Callable[["KernelBuilder", list[Value], list[Value], list[Value], list[list[Value]], list[int]],
                         list[list[Value]]]


@dataclass
class MatmulKernel:
    """What the kernel computes: out[b.., m, n] = epilogue(init + sum_k a(b.., m, k) * b(b.., k, n)).

    `a_index(batch, m, k)` / `b_index(batch, k, n)` give the subscripts of one element (B's last subscript
    must be n: its rows are loaded as vectors). `init` is a scalar to start from (a fused linalg.fill), or
    None to start from what `acc_buffer` holds. `out` is where the result goes (identity-indexed)."""

    a: Value
    b: Value
    out: Value
    m: int
    n: int
    k: int
    batch: list[int]
    a_index: Callable[[list[Value], Value, Value], list[Value]]
    b_index: Callable[[list[Value], Value, Value], list[Value]]
    init: Value | None
    acc_buffer: Value
    epilogue: list[EpilogueStage] = field(default_factory=list)


class KernelBuilder:
    """Emits a MatmulKernel at the rewriter's insertion point."""

    def __init__(self, rw: PatternRewriter, kernel: MatmulKernel, rows: int, vectors: int, width: int):
        self.rw = rw
        self.kn = kernel
        self.rows = rows
        self.vectors = vectors
        self.width = width
        self.elem = kernel.out.type.element_type
        self.vt = VectorType([width], self.elem)
        self._consts: dict[int, Value] = {}
        self._values: dict[Value, int] = {}
        self._masks: dict[int, Value] = {}
        self._zero: Value | None = None
        self._splat_init: Value | None = None

    # -- small helpers ---------------------------------------------------------------------------

    def const(self, v: int) -> Value:
        c = self._consts.get(v)
        if c is None:
            with self.rw.insertion_guard():
                self.rw.set_insertion_point(self._top)
                c = self.rw.create(arith.ConstantOp, IntegerAttr(v, index)).result
            self._consts[v] = c
            self._values[c] = v
        return c

    def add(self, base: Value, off: int) -> Value:
        if off == 0:
            return base
        known = self._values.get(base)
        if known is not None:
            return self.const(known + off)
        return self.rw.create(arith.AddIOp, base, self.const(off)).result

    def mask(self, lanes: int) -> Value:
        m = self._masks.get(lanes)
        if m is None:
            with self.rw.insertion_guard():
                self.rw.set_insertion_point(self._top)
                m = self.rw.create(ConstantMaskOp, mask_dim_sizes=DenseArrayAttr(i64, (lanes,)),
                                   result_types=[VectorType([self.width], i1)]).result
            self._masks[lanes] = m
        return m

    def zero_vector(self) -> Value:
        if self._zero is None:
            with self.rw.insertion_guard():
                self.rw.set_insertion_point(self._top)
                z = self.rw.create(arith.ConstantOp, FloatAttr(0.0, self.elem)).result
                self._zero = self.rw.create(BroadcastOp, z, result_types=[self.vt]).result
        return self._zero

    def load_vector(self, base: Value, indices: list[Value], lanes: int) -> Value:
        """A vector of `lanes` elements (the rest zero) from a contiguous row."""
        if lanes == self.width:
            return self.rw.create(LoadOp, base, indices, result_types=[self.vt]).result
        return self.rw.create(MaskedLoadOp, base, indices, self.mask(lanes), self.zero_vector(),
                              result_types=[self.vt]).result

    def store_vector(self, value: Value, base: Value, indices: list[Value], lanes: int) -> None:
        if lanes == self.width:
            self.rw.create(StoreOp, value, base, indices)
        else:
            self.rw.create(MaskedStoreOp, base, indices, self.mask(lanes), value)

    def splat(self, scalar: Value) -> Value:
        return self.rw.create(BroadcastOp, scalar, result_types=[self.vt]).result

    # -- the loop nest ---------------------------------------------------------------------------

    def emit(self) -> None:
        """The whole nest, at the insertion point (constants go right before it)."""
        kn = self.kn
        # a marker op to put hoisted constants before: the first op we create
        self._top = self.rw.create(arith.ConstantOp, IntegerAttr(0, index))
        self._consts[0] = self._top.result
        self._values[self._top.result] = 0
        if kn.init is not None:
            with self.rw.insertion_guard():
                self.rw.set_insertion_point(self._top)
                self._splat_init = self.splat(kn.init)
        self._batch([], list(kn.batch))

    def _loop(self, lo: int, hi: int, step: int, body: Callable[[Value], None]) -> None:
        """`scf.for` from lo to hi by step, or the body once when there is one iteration."""
        if hi <= lo:
            return
        if hi - lo <= step:
            body(self.const(lo))
            return
        loop = self.rw.create(scf.ForOp.build(self.const(lo), self.const(hi), self.const(step)))
        with self.rw.insertion_guard():
            self.rw.set_insertion_point(loop.body.last_op)
            body(loop.induction_var)

    def _batch(self, ivs: list[Value], rest: list[int]) -> None:
        if rest:
            self._loop(0, rest[0], 1, lambda iv: self._batch(ivs + [iv], rest[1:]))
            return
        kn, nr = self.kn, self.vectors * self.width
        n_full, m_full = kn.n - kn.n % nr, kn.m - kn.m % self.rows
        full_cols = [self.width] * self.vectors
        rem = kn.n - n_full
        rem_cols = [self.width] * (rem // self.width) + ([rem % self.width] if rem % self.width else [])

        def column(j: Value, cols: list[int]) -> None:
            self._loop(0, m_full, self.rows, lambda i: self._block(ivs, i, j, self.rows, cols))
            if kn.m > m_full:
                self._block(ivs, self.const(m_full), j, kn.m - m_full, cols)

        self._loop(0, n_full, nr, lambda j: column(j, full_cols))
        if rem:
            column(self.const(n_full), rem_cols)

    def _block(self, batch: list[Value], i0: Value, j0: Value, rows: int, cols: list[int]) -> None:
        """One rows x cols block: accumulate over k in registers, apply the epilogue, store."""
        rw, kn = self.rw, self.kn
        ri = [self.add(i0, r) for r in range(rows)]
        cj = [self.add(j0, v * self.width) for v in range(len(cols))]
        if self._splat_init is not None:
            inits = [self._splat_init] * (rows * len(cols))
        else:
            inits = [self.load_vector(kn.acc_buffer, batch + [ri[r], cj[v]], lanes)
                     for r in range(rows) for v, lanes in enumerate(cols)]
        loop = rw.create(scf.ForOp.build(self.const(0), self.const(kn.k), self.const(1), inits))
        with rw.insertion_guard():
            rw.set_insertion_point_to_end(loop.body)
            k = loop.induction_var
            accs = loop.region_iter_args
            bv = [self.load_vector(kn.b, kn.b_index(batch, k, cj[v]), lanes) for v, lanes in enumerate(cols)]
            new = []
            for r in range(rows):
                a = rw.create(memref.LoadOp, kn.a, kn.a_index(batch, ri[r], k)).result
                av = self.splat(a)
                for v in range(len(cols)):
                    new.append(rw.create(FMAOp, av, bv[v], accs[r * len(cols) + v]).result)
            rw.create(scf.YieldOp, new)
        res: list[Value] = list(loop.results)
        acc: list[list[Value]] = [[res[r * len(cols) + v] for v in range(len(cols))] for r in range(rows)]
        for stage in kn.epilogue:
            acc = stage(self, batch, ri, cj, acc, cols)
        for r in range(rows):
            for v, lanes in enumerate(cols):
                self.store_vector(acc[r][v], kn.out, batch + [ri[r], cj[v]], lanes)
