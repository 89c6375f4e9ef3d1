"""`linalg-codegen-matmul`: matrix products on memrefs become register-tiled vector kernels, with the
elementwise ops that consume them fused into the kernel's epilogue ("linear + bias + relu in one kernel").

Runs on linalg on memrefs (after bufferization, before convert-linalg-to-loops). It takes any structured
op whose body is `out + a * b` (`linalg.matmul`, also with transposed-A `indexing_maps`,
`linalg.batch_matmul`, or the equivalent `linalg.generic`) over static f32/f64 memrefs whose result
dimension n is the innermost dimension of B and of the output, and replaces it by the kernel of
`matmul_kernel.py`:

- a `linalg.fill` of the output right before the product (nothing reading it in between) becomes the
  accumulators' initial value: the fill pass over memory disappears;
- the elementwise `linalg.generic`s (all-parallel, identity-indexed output) that read the product's buffer,
  when that buffer is a `memref.alloc` with no other use than the fill, the product, the consumer and
  deallocations, are fused one after another: their scalar bodies (arith/math ops) are applied to the
  accumulator vectors before the single store, other operands (a bias row `(i, j) -> (j)`, a column
  `(i, j) -> (i)`, a full matrix) are loaded as vectors or broadcast scalars, and the intermediate buffer is
  erased. The kernel is emitted where the last fused op was, so nothing in between may write (or free) what
  the kernel reads; ops in between with unknown memory effects stop the fusion.

Products the pass does not take (dynamic shapes, other element types, B transposed) are left for
convert-linalg-to-loops. Options: `rows` x `vectors` vectors of `vector-width` lanes per register block
(defaults for the host, host_vectors.py: 8 x 3 x 16 with AVX-512, 6 x 2 x 8 with AVX2), `fuse-epilogue`,
`search` (time a few tile shapes per product shape and cache the winner: matmul_tile_search.py).

```
mir-opt --linalg-codegen-matmul="rows=4 vectors=3" f.mir
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlir_py.dialects import memref
from mlir_py.dialects.linalg import is_structured_op
from mlir_py.passes.transforms.host_vectors import default_register_block, host_f32_lanes, host_vector_registers
from mlir_py.passes.transforms.matmul_kernel import KernelBuilder, MatmulKernel
from mlir_py.passes.transforms.matmul_tile_search import TileConfig, search, search_enabled
from mlir_py.passes.transforms.vector_body import VectorBody, vectorizable_body

from mlir_py.definition.traits import Free, Write, get_memory_effects
from mlir_py.ir.affine_expr import AffineConstantExpr, AffineDimExpr, AffineMap
from mlir_py.ir.builtin_types import DYNAMIC, MemRefType, VectorType, f32, f64
from mlir_py.ir.operation import BlockArgument, Operation, OpResult, Value
from mlir_py.pass_manager import Option, Pass, Statistic, register_pass
from mlir_py.rewrite import PatternRewriter

VIEW_OPS = {"memref.subview", "memref.cast", "memref.collapse_shape", "memref.expand_shape",
            "memref.reinterpret_cast", "memref.reshape", "memref.transpose", "memref.view"}


# -- structured ops, seen through the interface -------------------------------------------------------


def is_structured(op: Operation) -> bool:
    return is_structured_op(op) and hasattr(op, "inputs") and hasattr(op, "outputs")


def _body(op: Operation):
    return op.regions[0].first_block


def _static_memref(t, elem=None) -> bool:
    return isinstance(t, MemRefType) and DYNAMIC not in t.shape and (elem is None or t.element_type is elem)


def _unit_inner_stride(t: MemRefType) -> bool:
    if t.layout is None:
        return True
    try:
        strides, _ = t.get_strides_and_offset()
    except ValueError:
        return False
    return not strides or strides[-1] == 1


def _dims(m: AffineMap) -> list[int] | None:
    """The dimension positions of a projected permutation (None when a result is not a plain dimension)."""
    out = []
    for e in m.results:
        if not isinstance(e, AffineDimExpr):
            return None
        out.append(e.position)
    return out


def _is_mul_add(op: Operation) -> bool:
    """The body is `yield out + a * b` (either operand order), nothing else."""
    body = _body(op)
    ops = list(body.ops)
    if len(ops) != 3 or len(body.args) != 3:
        return False
    mul, add, yld = ops
    a, b, c = body.args
    if mul.name != "arith.mulf" or add.name != "arith.addf" or yld.operands != [add.result]:
        return False
    return set(mul.operands) == {a, b} and len(set(mul.operands)) == 2 and set(add.operands) == {c, mul.result}


@dataclass
class Contraction:
    op: Operation
    a: Value
    b: Value
    c: Value
    batch: list[int]
    m: int
    n: int
    k: int
    a_dims: list[int]
    b_dims: list[int]
    dim_roles: dict[int, str]


def match_contraction(op: Operation, widths: dict) -> Contraction | None:
    """`op` as a (batch) matrix product this pass can emit, or None."""
    if not is_structured(op) or len(op.inputs) != 2 or len(op.outputs) != 1:
        return None
    a, b = op.inputs
    c = op.outputs[0]
    ct = c.type
    if not _static_memref(ct) or ct.element_type not in widths or op.results:
        return None
    if not all(_static_memref(v.type, ct.element_type) for v in (a, b)):
        return None
    if not (_unit_inner_stride(b.type) and _unit_inner_stride(ct)):
        return None
    maps = op.get_indexing_maps()
    its = list(op.get_iterator_types())
    dims = [_dims(m) for m in maps]
    if any(d is None for d in dims) or maps[2].num_dims != len(its):
        return None
    ad, bd, cd = dims
    assert ad is not None and bd is not None and cd is not None
    red = [i for i, t in enumerate(its) if t == "reduction"]
    if len(red) != 1 or len(cd) < 2 or len(cd) != len(its) - 1 or cd != sorted(cd) or red[0] in cd:
        return None
    k = red[0]
    *batch, m, n = cd
    a_batch = batch if len(ad) == len(batch) + 2 else []  # A may be shared by the batch (a conv's filter)
    if sorted(ad) != sorted(a_batch + [m, k]) or sorted(bd) != sorted(batch + [k, n]):
        return None
    if ad[:len(a_batch)] != a_batch or bd[:len(batch)] != batch or bd[-1] != n:
        return None
    if not _is_mul_add(op):
        return None
    shape = {}
    for v, ds in ((a, ad), (b, bd), (c, cd)):
        for size, d in zip(v.type.shape, ds):
            if shape.setdefault(d, size) != size:
                return None
    roles = {d: "b" for d in batch} | {m: "m", n: "n", k: "k"}
    return Contraction(op, a, b, c, [shape[d] for d in batch], shape[m], shape[n], shape[k], ad, bd, roles)


# -- aliasing, as far as this pass needs it -------------------------------------------------------------


def _root(v: Value) -> Value:
    while isinstance(v, OpResult) and v.owner.name in VIEW_OPS:
        v = v.owner.operands[0]
    return v


def _is_alloc(v: Value) -> bool:
    return isinstance(v, OpResult) and v.owner.name in ("memref.alloc", "memref.alloca")


def _is_argument(v: Value) -> bool:
    op = v.owner.parent_op if isinstance(v, BlockArgument) else None
    return op is not None and op.name == "func.func"


def _global_name(v: Value):
    return v.owner.properties.get("name") if isinstance(v, OpResult) and v.owner.name == "memref.get_global" \
        else None


def _may_alias(x: Value, y: Value) -> bool:
    """Distinct allocations never alias; nor, by this pass's assumption, distinct function arguments (the
    calling convention of bufferized functions: a caller does not pass one buffer twice), nor a global and
    anything but itself."""
    rx, ry = _root(x), _root(y)
    if rx is ry:
        return True
    known = [_is_alloc(r) or _is_argument(r) or _global_name(r) is not None for r in (rx, ry)]
    if all(known):
        gx, gy = _global_name(rx), _global_name(ry)
        return gx is not None and gx == gy
    return not (_is_alloc(rx) or _is_alloc(ry))


def _written_or_freed(op: Operation) -> list[Value] | None:
    """The memrefs `op` writes or frees (None: unknown, assume anything)."""
    if is_structured(op):
        for inner in _body(op).ops:
            if get_memory_effects(inner) != []:
                return None
        return [v for v in op.outputs if isinstance(v.type, MemRefType)]
    effects = get_memory_effects(op)
    if effects is None:
        return None
    out = []
    for e in effects:
        if isinstance(e, (Write, Free)):
            if e.value is None:
                return None
            out.append(e.value)
    return out


# -- epilogues --------------------------------------------------------------------------------------------


@dataclass
class Epilogue:
    """One fused elementwise op: `chained` is the index of its input that reads the previous stage."""

    op: Operation
    chained: int
    loads: list[tuple[int, list]] = field(default_factory=list)


def match_epilogue(op: Operation, buf: Value, rank: int, n_dim: int) -> Epilogue | None:
    """`op` as an elementwise consumer of `buf` that can run on the accumulators, or None."""
    if not is_structured(op) or len(op.outputs) != 1 or op.results:
        return None
    its = list(op.get_iterator_types())
    if len(its) != rank or any(t != "parallel" for t in its):
        return None
    maps = op.get_indexing_maps()
    out = op.outputs[0]
    if not (_static_memref(out.type, buf.type.element_type) and out.type.shape == buf.type.shape
            and _unit_inner_stride(out.type) and maps[-1].is_identity()):
        return None
    chained = [i for i, v in enumerate(op.inputs) if v is buf]
    if len(chained) != 1 or not maps[chained[0]].is_identity():
        return None
    ep = Epilogue(op, chained[0])
    for i, (v, m) in enumerate(zip(op.inputs, maps)):
        if i == chained[0]:
            continue
        if not isinstance(v.type, MemRefType) or DYNAMIC in v.type.shape:
            return None
        subs = []
        for e, size in zip(m.results, v.type.shape):
            if isinstance(e, AffineDimExpr):
                subs.append(e.position)
            elif isinstance(e, AffineConstantExpr) and e.value == 0 and size == 1:
                subs.append(None)
            else:
                return None
        if n_dim in subs[:-1] or (subs and subs[-1] == n_dim and not _unit_inner_stride(v.type)):
            return None
        ep.loads.append((i, subs))
    return ep if vectorizable_body(op, len(op.inputs)) else None


class _Stage:
    """The epilogue op's body, cloned on vectors for each accumulator of a block."""

    def __init__(self, ep: Epilogue, rank: int):
        self.ep = ep
        self.rank = rank

    def __call__(self, kb: KernelBuilder, batch, ri, cj, acc, cols):
        rw = kb.rw
        op = self.ep.op
        body = _body(op)
        loaded: dict = {}
        vb = VectorBody(rw, kb.width)
        out = []
        for r in range(len(ri)):
            row = []
            for v, lanes in enumerate(cols):
                dim_val = list(batch) + [ri[r], cj[v]]
                mapping: dict = {body.args[self.ep.chained]: acc[r][v]}
                for i, subs in self.ep.loads:
                    idx = [kb.const(0) if d is None else dim_val[d] for d in subs]
                    vec = bool(subs) and subs[-1] == self.rank - 1
                    key = (i, tuple(id(x) for x in idx), lanes if vec else 0)
                    if key not in loaded:
                        base = op.inputs[i]
                        if vec:
                            loaded[key] = kb.load_vector(base, idx, lanes)
                        else:
                            loaded[key] = kb.splat(rw.create(memref.LoadOp, base, idx).result)
                    mapping[body.args[i]] = loaded[key]
                vb.run(body, mapping)
                row.append(mapping[body.terminator.operands[0]])
            out.append(row)
        return out


# -- the pass ---------------------------------------------------------------------------------------------


def _single_consumer(buf: Value, skip: set) -> Operation | None:
    """The one structured op, besides those in `skip`, that reads `buf`, when nothing else may observe the
    values it held before that op: the other uses are deallocations, or, when the consumer writes `buf`
    in place, anything after the consumer in the same block."""
    users = {u for u in buf.users if u not in skip and u.name != "memref.dealloc"}
    consumers = [u for u in users if is_structured(u) and buf in list(u.inputs)]
    if len(consumers) != 1:
        return None
    found = consumers[0]
    others = users - {found}
    if not others:
        return found
    if list(found.outputs) != [buf]:
        return None
    if all(u.parent is found.parent and found.is_before_in_block(u) for u in others):
        return found
    return None


def _fill_before(ct: Contraction) -> Operation | None:
    """A linalg.fill of the product's output that is the last op touching it before the product."""
    op = ct.op
    if any(isinstance(u.type, MemRefType) for user in ct.c.users for u in user.results):
        return None  # views of the output: give up rather than track them
    prev = op.prev_op
    while prev is not None:
        if ct.c in prev.operands:
            if prev.name == "linalg.fill" and list(prev.outputs) == [ct.c] and not prev.results:
                value = prev.inputs[0]
                return prev if not isinstance(value.type, (MemRefType, VectorType)) else None
            return None
        prev = prev.prev_op
    return None


@register_pass
class LinalgCodegenMatmul(Pass):
    """Register-tiled vector kernels for matrix products on memrefs, with fused elementwise epilogues
    (see the module docstring)."""

    name = "linalg-codegen-matmul"
    summary = "Matmul on memrefs to a register-tiled vector kernel with fused elementwise epilogue"
    anchor = "func.func"
    options = [
        Option("rows", int, 0, "rows of the output per register block (0: for the host, 8 with AVX-512, else 6)"),
        Option("vectors", int, 0, "vectors per row of a register block (0: for the host, 3 with AVX-512, else 2)"),
        Option("vector-width", int, 0, "f32 lanes per vector, f64 uses half (0: the host's widest vector)"),
        Option("k-block", int, 256, "reduction length per pass over the output (0: all of it)"),
        Option("m-block", int, 96, "rows of A per panel, rounded down to a multiple of rows (0: all)"),
        Option("fuse-epilogue", bool, True, "fuse elementwise consumers into the kernel"),
        Option("search", bool, False, "time a few tile shapes for each product's shape on this CPU and keep the "
                                      "fastest, cached on disk (also MLIR_PY_TILE_SEARCH=1)"),
    ]
    statistics = [Statistic("num-kernels", "products turned into kernels"),
                  Statistic("num-fused", "elementwise ops fused into kernel epilogues"),
                  Statistic("num-fills-folded", "fills folded into the accumulator initialization")]

    def run_on_operation(self, op: Operation) -> None:
        if min(self.rows, self.vectors, self.vector_width, self.k_block, self.m_block) < 0 or self.vector_width == 1:
            op.emit_error("linalg-codegen-matmul: rows and vectors must not be negative, vector-width 0 or at "
                          "least 2, k-block and m-block not negative")
            self.signal_failure()
            return
        width = self.vector_width or host_f32_lanes()
        rows, vectors = default_register_block(host_vector_registers())
        self._shape = (self.rows or rows, self.vectors or vectors)
        self._search = search_enabled(self.search)
        widths = {f32: width, f64: max(1, width // 2)}
        candidates = [o for o in op.walk() if is_structured(o)]
        for cand in candidates:
            if cand.parent is None:
                continue
            ct = match_contraction(cand, widths)
            if ct is not None:
                self.rewrite(ct, widths[ct.c.type.element_type])

    def _chain(self, ct: Contraction, fill: Operation | None) -> tuple[list[Epilogue], Value]:
        """The fusable elementwise consumers, in order, and the buffer the last one writes."""
        chain: list[Epilogue] = []
        buf = ct.c
        rank = len(ct.batch) + 2
        skip: set = {ct.op} | ({fill} if fill is not None else set())
        protected = [ct.a, ct.b]
        last = ct.op
        while self.fuse_epilogue and _is_alloc(buf):
            user = _single_consumer(buf, skip)
            if user is None or user.parent is not last.parent or not last.is_before_in_block(user):
                break
            ep = match_epilogue(user, buf, rank, rank - 1)
            if ep is None:
                break
            inputs = [user.inputs[i] for i, _ in ep.loads]
            if not self._safe_between(last, user, protected + inputs, {e.op for e in chain} | skip):
                break
            if any(_may_alias(x, user.outputs[0]) for x in protected + inputs) and user.outputs[0] is not buf:
                break
            protected += inputs
            chain.append(ep)
            skip = {user}
            last = user
            if user.outputs[0] is buf:
                break  # in place: the chain ends on the buffer itself
            buf = user.outputs[0]
        return chain, buf

    @staticmethod
    def _safe_between(first: Operation, last: Operation, read: list[Value], fused: set) -> bool:
        """Nothing strictly between `first` and `last` writes or frees what the kernel will read later."""
        cur = first.next_op
        while cur is not None and cur is not last:
            if cur not in fused:
                written = _written_or_freed(cur)
                if written is None or any(_may_alias(w, r) for w in written for r in read):
                    return False
            cur = cur.next_op
        return cur is last

    def rewrite(self, ct: Contraction, width: int) -> None:
        fill = _fill_before(ct)
        chain, out = self._chain(ct, fill)
        anchor = chain[-1].op if chain else ct.op
        rank = len(ct.batch) + 2
        roles = ct.dim_roles

        def a_index(batch, m, k, _d=ct.a_dims):
            it = iter(batch)
            return [next(it) if roles[d] == "b" else (m if roles[d] == "m" else k) for d in _d]

        def b_index(batch, k, n, _d=ct.b_dims):
            it = iter(batch)
            return [next(it) if roles[d] == "b" else (k if roles[d] == "k" else n) for d in _d]

        kernel = MatmulKernel(ct.a, ct.b, out, ct.m, ct.n, ct.k, ct.batch, a_index, b_index,
                              fill.inputs[0] if fill is not None else None, ct.c,
                              [_Stage(ep, rank) for ep in chain])
        cfg = TileConfig(self._shape[0], self._shape[1], self.k_block, self.m_block)
        if self._search and len(ct.batch) <= 1:
            elem = "f32" if ct.c.type.element_type is f32 else "f64"
            cfg = search(elem, ct.batch, ct.m, ct.n, ct.k, cfg, width, host_vector_registers())
        rw = PatternRewriter()
        rw.set_insertion_point(anchor)
        KernelBuilder(rw, kernel, cfg.rows, cfg.vectors, width, cfg.k_block, cfg.m_block).emit()
        # what the kernel replaces
        self.stats["num-kernels"] += 1
        self.stats["num-fused"] += len(chain)
        dead_bufs = []
        if fill is not None:
            rw.erase_op(fill)
            self.stats["num-fills-folded"] += 1
        rw.erase_op(ct.op)
        prev = ct.c
        for ep in chain:
            dead_bufs.append(prev)
            prev = ep.op.outputs[0]
            rw.erase_op(ep.op)
        for buf in dead_bufs:
            if buf is out or not _is_alloc(buf):
                continue
            if all(u.name == "memref.dealloc" for u in buf.users):
                for u in list(buf.users):
                    rw.erase_op(u)
                rw.erase_op(buf.owner)


__all__ = ["LinalgCodegenMatmul", "match_contraction", "match_epilogue", "is_structured"]
