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
from mlir_py.dialects.func import FuncOp
from mlir_py.dialects.vector import BroadcastOp, ConstantMaskOp, FMAOp, LoadOp, MaskedLoadOp, MaskedStoreOp, StoreOp

from mlir_py.ir.builtin_attributes import DenseArrayAttr, FloatAttr, IntegerAttr
from mlir_py.ir.builtin_types import MemRefType, VectorType, i1, i64, index
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

    def __init__(self, rw: PatternRewriter, kernel: MatmulKernel, rows: int, vectors: int, width: int,
                 k_block: int = 0, m_block: int = 0):
        self.rw = rw
        self.k_block = k_block
        self.m_block = m_block
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

    def add_values(self, a: Value, b: Value) -> Value:
        if self._values.get(a) == 0:
            return b
        return self.rw.create(arith.AddIOp, a, b).result

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
        """The whole nest, at the insertion point (constants go right before it).

        The outermost loop is an `scf.parallel`: over the first batch dimension when there is one of more
        than one element, else over the row panels. Each of its iterations gets its own buffer for the
        packed panels of B (allocated in the loop body), so the iterations share nothing they write; until
        the parallel runtime lowers it, convert-scf-to-cf makes it a sequential loop."""
        kn = self.kn
        # a marker op to put hoisted constants before: the first op we create
        self._top = self.rw.create(arith.ConstantOp, IntegerAttr(0, index))
        self._consts[0] = self._top.result
        self._values[self._top.result] = 0
        if kn.init is not None:
            with self.rw.insertion_guard():
                self.rw.set_insertion_point(self._top)
                self._splat_init = self.splat(kn.init)
        self._packed = None
        self._pack_t = None
        if kn.m >= 2 * self.rows:  # else one row block: each B panel would be used once, not worth copying
            kc = self.k_block if 0 < self.k_block < kn.k else kn.k
            self._pack_t = MemRefType([kc, self.vectors * self.width], self.elem)
        m_full = kn.m - kn.m % self.rows
        mc = self.m_block - self.m_block % self.rows
        self._par_batch = bool(kn.batch) and kn.batch[0] > 1
        self._par_panels = not self._par_batch and 0 < mc < m_full
        if self._par_batch or self._par_panels or self._pack_t is None:
            self._batch([], list(kn.batch))
            return
        small = self._pack_t.num_elements * (self.elem.width // 8) <= 1 << 16
        func = self._top.get_parent_of_type(FuncOp) if small else None
        with self.rw.insertion_guard():
            if func is not None:  # on the stack, at the function's entry (not in any loop around us)
                self.rw.set_insertion_point_to_start(func.regions[0].first_block)
                self._packed = self.rw.create(memref.AllocaOp, result_types=[self._pack_t],
                                              alignment=IntegerAttr(64, i64)).result
            else:
                self.rw.set_insertion_point(self._top)
                self._packed = self.rw.create(memref.AllocOp, result_types=[self._pack_t],
                                              alignment=IntegerAttr(64, i64)).result
        self._batch([], list(kn.batch))
        if func is None:
            self.rw.create(memref.DeallocOp, self._packed)

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

    def _loop_values(self, lo: Value, hi: Value, step: int, body: Callable[[Value], None]) -> None:
        if lo in self._values and hi in self._values:
            self._loop(self._values[lo], self._values[hi], step, body)
            return
        loop = self.rw.create(scf.ForOp.build(lo, hi, self.const(step)))
        with self.rw.insertion_guard():
            self.rw.set_insertion_point(loop.body.last_op)
            body(loop.induction_var)

    def _parallel(self, hi: int, step: int, body: Callable[[Value], None]) -> None:
        """`scf.parallel` from 0 to hi by step; each iteration packs B into a buffer of its own."""
        par = self.rw.create(scf.ParallelOp.build([self.const(0)], [self.const(hi)], [self.const(step)]))
        with self.rw.insertion_guard():
            self.rw.set_insertion_point(par.body.last_op)
            iv = par.induction_vars[0]
            if self._pack_t is None:
                body(iv)
                return
            saved = self._packed
            self._packed = self.rw.create(memref.AllocOp, result_types=[self._pack_t],
                                          alignment=IntegerAttr(64, i64)).result
            body(iv)
            self.rw.create(memref.DeallocOp, self._packed)
            self._packed = saved

    def _batch(self, ivs: list[Value], rest: list[int]) -> None:
        """Batch loops, then the row panels of `m_block` rows (A's panel stays in L2, the panel's partial
        sums too), then the rows that do not fill a register block."""
        if rest:
            if not ivs and self._par_batch:
                self._parallel(rest[0], 1, lambda iv: self._batch([iv], rest[1:]))
            else:
                self._loop(0, rest[0], 1, lambda iv: self._batch(ivs + [iv], rest[1:]))
            return
        kn = self.kn
        m_full = kn.m - kn.m % self.rows
        mc = self.m_block - self.m_block % self.rows
        if 0 < mc < m_full:
            def panel(ic: Value) -> None:
                end = self.add(ic, mc)
                if m_full % mc:
                    end = self.rw.create(arith.MinSIOp, end, self.const(m_full)).result
                self._kblocks(ivs, ic, end, self.rows)
            if self._par_panels:
                self._parallel(m_full, mc, panel)
            else:
                self._loop(0, m_full, mc, panel)
        elif m_full:
            self._kblocks(ivs, self.const(0), self.const(m_full), self.rows)
        if kn.m > m_full:
            self._kblocks(ivs, self.const(m_full), None, kn.m - m_full)

    def _kblocks(self, ivs: list[Value], lo: Value, hi: Value | None, rows: int) -> None:
        """Rows lo .. hi (hi None: one block of `rows` rows at lo), the reduction in blocks of `k_block`: the
        first block starts from the initial value, the others from the partial sums in the output; the last
        one runs the epilogue."""
        k = self.kn.k
        kc = self.k_block if 0 < self.k_block < k else k
        nblocks = -(-k // kc)
        if nblocks == 1:
            self._kblock(ivs, lo, hi, rows, self.const(0), k, True, True)
            return
        self._kblock(ivs, lo, hi, rows, self.const(0), kc, True, False)
        self._loop(kc, (nblocks - 1) * kc, kc, lambda k0: self._kblock(ivs, lo, hi, rows, k0, kc, False, False))
        self._kblock(ivs, lo, hi, rows, self.const((nblocks - 1) * kc), k - (nblocks - 1) * kc, False, True)

    def _kblock(self, ivs: list[Value], lo: Value, hi: Value | None, rows: int, k0: Value, ksize: int,
                first: bool, last: bool) -> None:
        """One block of the reduction over rows lo .. hi: the column blocks (B's k_block x 16 strip packed,
        so it stays in L1), in each the row blocks."""
        kn, nr = self.kn, self.vectors * self.width
        n_full = kn.n - kn.n % nr
        full_cols = [self.width] * self.vectors
        rem = kn.n - n_full
        rem_cols = [self.width] * (rem // self.width) + ([rem % self.width] if rem % self.width else [])

        def each_j(j: Value, cols: list[int]) -> None:
            if self._packed is not None:
                self._pack_b(ivs, j, cols, k0, ksize)
            if hi is None:
                self._block(ivs, lo, j, rows, cols, k0, ksize, first, last)
            else:
                self._loop_values(lo, hi, rows, lambda i: self._block(ivs, i, j, rows, cols, k0, ksize, first, last))

        if n_full:
            self._loop(0, n_full, nr, lambda jv: each_j(jv, full_cols))
        if rem:
            each_j(self.const(n_full), rem_cols)

    def _pack_b(self, batch: list[Value], j0: Value, cols: list[int], k0: Value, ksize: int) -> None:
        """Copy B[k0 : k0 + ksize, j0 : j0 + 16] into the packed buffer, contiguous (B's rows are often a
        power of two apart, which maps a column strip onto a few cache sets), zero-padded past N."""
        kn, packed = self.kn, self._packed
        assert packed is not None

        def row(kk: Value) -> None:
            k = self.add_values(k0, kk)
            for v, lanes in enumerate(cols):
                j = self.add(j0, v * self.width)
                vec = self.load_vector(kn.b, kn.b_index(batch, k, j), lanes)
                self.rw.create(StoreOp, vec, packed, [kk, self.const(v * self.width)])
        self._loop(0, ksize, 1, row) if ksize > 1 else row(self.const(0))

    def _block(self, batch: list[Value], i0: Value, j0: Value, rows: int, cols: list[int], k0: Value,
               ksize: int, first: bool, last: bool) -> None:
        """One rows x cols block over k0 .. k0 + ksize: accumulate in registers, (last block) apply the
        epilogue, store."""
        rw, kn = self.rw, self.kn
        ri = [self.add(i0, r) for r in range(rows)]
        cj = [self.add(j0, v * self.width) for v in range(len(cols))]
        if first and self._splat_init is not None:
            inits = [self._splat_init] * (rows * len(cols))
        else:
            src = kn.acc_buffer if first else kn.out
            inits = [self.load_vector(src, batch + [ri[r], cj[v]], lanes)
                     for r in range(rows) for v, lanes in enumerate(cols)]
        loop = rw.create(scf.ForOp.build(self.const(0), self.const(ksize), self.const(1), inits))
        with rw.insertion_guard():
            rw.set_insertion_point_to_end(loop.body)
            kk = loop.induction_var
            k = self.add_values(k0, kk)
            accs = loop.region_iter_args
            if self._packed is not None:
                bv = [rw.create(LoadOp, self._packed, [kk, self.const(v * self.width)], result_types=[self.vt]).result
                      for v in range(len(cols))]
            else:
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
        if last:
            for stage in kn.epilogue:
                acc = stage(self, batch, ri, cj, acc, cols)
        for r in range(rows):
            for v, lanes in enumerate(cols):
                self.store_vector(acc[r][v], kn.out, batch + [ri[r], cj[v]], lanes)
