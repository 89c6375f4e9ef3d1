"""The rewrite half of one-shot-bufferize: tensor ops become memref ops.

Ops are visited in program order. Each tensor value gets a buffer (a
memref value): the analysis says, per operand, whether the op may use the
operand's buffer directly (in place) or needs a private copy, which is an
`memref.alloc` right before the op, filled with `memref.copy` only when the
old contents matter (upstream's canOmitTensorCopy). An op that only makes
an alias (extract_slice, a reshape) whose operand is out of place copies
its result instead, which is usually smaller. The model of each op then
builds the memref form, and the tensor ops are erased at the end. Tensor
values still used by ops that were not bufferized get a
`bufferization.to_tensor`; tensors entering from such ops get a
`bufferization.to_buffer`.

Function boundaries (bufferize-function-boundaries): function arguments
and results become memrefs, with the layout that
function-boundary-type-conversion asks for (identity: plain memrefs, a
returned view is copied into a fresh buffer; fully-dynamic: strided with
`?` everywhere; infer: arguments fully dynamic, results as computed).
Functions are processed callees first so a call knows its callee's
signature and which arguments it writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.dialects import memref
from mlir_py.dialects.memref.view_ops import CastOp as MemRefCastOp

from mlir_py.ir.builtin_attributes import IntegerAttr, StringAttr, TypeAttr
from mlir_py.ir.builtin_types import FunctionType, MemRefType, index
from mlir_py.ir.operation import OpResult
from mlir_py.rewrite import PatternRewriter

from .analysis import OneShotAnalysis
from .model import fully_dynamic_memref, identity_memref, is_tensor, model_of

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation, Value


#: the call facts of the functions bufferized so far (callee name -> (args written, result -> arg)),
#: read by the func.call model; set by `bufferize_module`
CURRENT_CALL_INFO: dict = {}


class BufferizationError(Exception):
    """An op that cannot be bufferized; reported at `op`."""

    def __init__(self, op: Operation, message: str):
        super().__init__(message)
        self.op = op


class Options:
    def __init__(self, *, function_boundaries: bool = False, boundary_layout: str = "infer-layout-map",
                 unknown_layout: str = "fully-dynamic-layout-map", copy_before_write: bool = False,
                 dialect_filter: list[str] | None = None, alignment: int = 64, allow_unknown_ops: bool = False,
                 allow_return_allocs_from_loops: bool = False):
        self.allow_return_allocs_from_loops = allow_return_allocs_from_loops
        self.allow_unknown_ops = allow_unknown_ops
        self.function_boundaries = function_boundaries
        self.boundary_layout = boundary_layout
        self.unknown_layout = unknown_layout
        self.copy_before_write = copy_before_write
        self.dialect_filter = dialect_filter
        self.alignment = alignment

    def arg_type(self, t) -> Any:
        if self.boundary_layout == "identity-layout-map":
            return identity_memref(t)
        return fully_dynamic_memref(t)

    def unknown_type(self, t) -> Any:
        if self.unknown_layout == "identity-layout-map":
            return identity_memref(t)
        return fully_dynamic_memref(t)


class BufferizeContext:
    """What a model's `bufferize` works with: the rewriter (positioned
    before the op), the buffers of tensor values, and helpers to allocate."""

    def __init__(self, analysis: OneShotAnalysis, options: Options, module: Operation | None,
                 globals_cache: dict):
        self.analysis = analysis
        self.options = options
        self.module = module
        self.globals_cache = globals_cache
        self.rw = PatternRewriter()
        self.buf: dict[Value, Value] = {}
        #: ids of the ops being bufferized (erased at the end)
        self.handled: set[int] = set()
        #: (tensor region argument, its memref replacement) of rewritten loops, erased at the end
        self.retyped_args: list = []
        #: loop body block id -> the memref iter_args, in order
        self.loop_args: dict[int, list] = {}

    # -- buffers -----------------------------------------------------------------

    def buffer(self, v: Value) -> Value:
        """The buffer holding tensor `v` (read access; no copy)."""
        b = self.buf.get(v)
        if b is not None:
            return b
        # a tensor from an op left alone (or a function argument without boundaries): a new
        # to_buffer right after its definition at each request, as upstream
        from .bufferization_models import to_buffer
        return to_buffer(self.rw, v, self.options.unknown_type(v.type))

    def operand(self, op: Operation, i: int) -> Value:
        """The buffer operand `i` of `op` uses: its own, or the private copy made for it."""
        return self.operand_buffers.get(i) or self.buffer(op.operands[i])

    def alloc(self, t, like: Value | None = None, sizes: list | None = None) -> Value:
        """A new identity-layout buffer of tensor/memref type `t`; the dynamic sizes
        come from `sizes` (values, one per `?`) or from the buffer `like`."""
        mt = MemRefType(t.shape, t.element_type)
        dyn = list(sizes) if sizes is not None else []
        if sizes is None and mt.num_dynamic_dims:
            assert like is not None
            for d, n in enumerate(t.shape):
                if n < 0:
                    dyn.append(self.rw.create(memref.DimOp, like, self.const_index(d)).result)
        align = IntegerAttr(self.options.alignment, _i64())
        return self.rw.create(memref.AllocOp, dyn, [], alignment=align, result_types=[mt]).result

    def copy(self, src: Value, dst: Value) -> None:
        self.rw.create(memref.CopyOp, src, dst)

    def const_index(self, n: int) -> Value:
        from mlir_py.dialects import arith
        return self.rw.create(arith.ConstantOp, IntegerAttr(n, index)).result

    def cast_to(self, b: Value, t: MemRefType) -> Value:
        """`b` as type `t`: itself, a memref.cast, or a copy into a new buffer when the layouts are
        not cast-compatible."""
        if b.type is t:
            return b
        if _cast_compatible(b.type, t):
            return self.rw.create(MemRefCastOp, b, result_types=[t]).result
        nb = self.alloc(t, like=b)
        self.copy(b, nb)
        return nb

    # -- driving -----------------------------------------------------------------

    def bufferize_op(self, op: Operation) -> bool:
        """Bufferize one op; False when the model updated it in place (keep it)."""
        a = self.analysis
        m = model_of(op)
        assert m is not None
        self.rw.set_insertion_point(op)
        self.rw.default_location = op.location
        self.operand_buffers: dict[int, Value] = {}
        copied_results: list[int] = []
        for i, v in enumerate(op.operands):
            if not is_tensor(v) or a.is_inplace(op, i):
                continue
            if a.copies_result(op, i):
                copied_results += a.aliases(op, i)
                continue
            need_copy = not a.can_omit_copy(op, i)
            sizes = _reified_sizes(v)
            src = self.buffer(v) if need_copy or (v.type.num_dynamic_dims and sizes is None) else None
            nb = self.alloc(v.type, like=src, sizes=sizes)
            if need_copy:
                assert src is not None
                self.copy(src, nb)
            self.operand_buffers[i] = nb
        new = m.bufferize(op, self)
        if new is None:
            return False
        for r, nv in zip(op.results, new):
            if not is_tensor(r):
                if nv is not None:
                    r.replace_all_uses_with(nv)
                continue
            if r.index in copied_results:
                nb = self.alloc(r.type, like=nv)
                if a.is_value_read(r):
                    self.copy(nv, nb)
                nv = nb
            if nv is None:
                continue
            self.buf[r] = nv
            if any(id(u.owner) not in self.handled for u in r.uses):
                from .bufferization_models import to_tensor
                t = to_tensor(self.rw, nv, r.type, before=op)
                r.replace_uses_with_if(t, lambda u: id(u.owner) not in self.handled)
        return True


def _reified_sizes(v: Value) -> list | None:
    """The dynamic sizes of a tensor made by an op that lists them (tensor.empty, alloc_tensor)."""
    if isinstance(v, OpResult) and v.op.name in ("tensor.empty", "bufferization.alloc_tensor"):
        return [x for x in v.op.operands if not is_tensor(x)][:v.type.num_dynamic_dims]
    return None


def _tensor_op(op: Operation) -> bool:
    return any(is_tensor(v) for v in op.operands) or any(is_tensor(v) for v in op.results)


def _i64():
    from mlir_py.ir.builtin_types import i64
    return i64


def _cast_compatible(a: MemRefType, b: MemRefType) -> bool:
    """Whether `memref.cast` from a to b can never fail at run time: every static size, stride
    and offset of b is the same static value in a (a dynamic one in b accepts anything)."""
    from mlir_py.dialects.memref.layout import strides_and_offset
    if a.element_type is not b.element_type or len(a.shape) != len(b.shape):
        return False
    sa, sb = strides_and_offset(a), strides_and_offset(b)
    if sa is None or sb is None:
        return False
    pairs = list(zip(a.shape, b.shape)) + list(zip(sa[0], sb[0])) + [(sa[1], sb[1])]
    return all(y < -(2**62) or x == y for x, y in pairs)


def call_order(funcs: list[Operation]) -> list[Operation]:
    """Callees before callers (module order otherwise; cycles in module order)."""
    by_name = {f.sym_name.value: f for f in funcs}
    done: set[int] = set()
    out: list[Operation] = []

    def visit(f, stack):
        if id(f) in done or id(f) in stack:
            return
        stack.add(id(f))
        for op in f.walk():
            if op.name == "func.call":
                callee = by_name.get(op.callee.value)
                if callee is not None:
                    visit(callee, stack)
        done.add(id(f))
        out.append(f)

    for f in funcs:
        visit(f, set())
    return out


def bufferize_module(module: Operation, options: Options, *, analysis_only: bool = False) -> None:
    """Analyze and bufferize every function of `module` (one op: a module or a function)."""
    if module.name == "func.func":
        funcs, top = [module], None
    else:
        funcs = [op for op in module.regions[0].first_block.ops if op.name == "func.func"] if module.regions else []
        top = module
    call_info = CURRENT_CALL_INFO
    call_info.clear()
    globals_cache: dict = {}
    for f in call_order(funcs):
        if f.is_declaration():
            if options.function_boundaries:
                _convert_declaration(f, options)
            continue
        a = OneShotAnalysis([f], function_boundaries=options.function_boundaries,
                            copy_before_write=options.copy_before_write, dialect_filter=options.dialect_filter,
                            call_info=call_info)
        a.run()
        if not options.allow_return_allocs_from_loops:
            _check_loop_yields(a)
        if not options.copy_before_write:
            _record_call_info(f, a, call_info)
        if analysis_only:
            annotate(f, a, options)
            continue
        bufferize_function(f, a, options, top, globals_cache)


def _check_loop_yields(a: OneShotAnalysis) -> None:
    """As upstream without allow-return-allocs-from-loops: a loop must yield its iter_arg's buffer."""
    for op in a.ops:
        if op.name != "scf.yield" or op.parent_op is None or op.parent_op.name != "scf.for":
            continue
        args = op.parent.args[1:]
        for k, v in enumerate(op.operands):
            if is_tensor(v) and not a.equivalent(v, args[k]):
                raise BufferizationError(op, f"Yield operand #{k} is not equivalent to the corresponding iter bbArg")


def _convert_declaration(f: Operation, options: Options) -> None:
    ft = f.type
    results = []
    for t in ft.results:
        if is_tensor(t):
            t = identity_memref(t) if options.boundary_layout == "identity-layout-map" else fully_dynamic_memref(t)
        results.append(t)
    inputs = [options.arg_type(t) if is_tensor(t) else t for t in ft.inputs]
    f.properties["function_type"] = TypeAttr(FunctionType(tuple(inputs), tuple(results)))


def _record_call_info(f: Operation, a: OneShotAnalysis, call_info: dict) -> None:
    """What callers need: which arguments the function writes, which results alias which argument."""
    args = list(f.regions[0].first_block.args)
    access = [a.arg_access(f, x) if is_tensor(x) else "none" for x in args]
    written = [x in ("write", "read-write") for x in access]
    read = [x in ("read", "read-write") for x in access]
    ret = f.regions[0].last_block.terminator
    aliased: list = []
    if ret is not None:
        for v in ret.operands:
            aliased.append(next((j for j, x in enumerate(args) if is_tensor(v) and is_tensor(x)
                                 and a.equivalent(x, v)), None))
    call_info[f.sym_name.value] = (written, aliased, read)


def annotate(f: Operation, a: OneShotAnalysis, options: Options) -> None:
    """test-analysis-only: upstream's `__inplace_operands_attr__` and `bufferization.access` marks."""
    from mlir_py.ir.builtin_attributes import ArrayAttr
    for op in a.ops:
        if not any(is_tensor(v) for v in op.operands):
            continue
        marks = [StringAttr(("true" if a.is_inplace(op, i) else "false") if is_tensor(v) else "none")
                 for i, v in enumerate(op.operands)]
        op.attributes["__inplace_operands_attr__"] = ArrayAttr(tuple(marks))
    if options.function_boundaries:
        from mlir_py.ir.builtin_attributes import DictionaryAttr
        ret = f.regions[0].last_block.terminator
        info = CURRENT_CALL_INFO.get(f.sym_name.value)
        if ret is not None and info is not None and any(j is not None for j in info[1]):
            ret.attributes["__equivalent_func_args__"] = ArrayAttr(tuple(
                IntegerAttr(-1 if j is None else j, _i64()) for j in info[1]))
        args = f.regions[0].first_block.args
        dicts = []
        for i, x in enumerate(args):
            d = f.get_arg_attr_dict(i)
            entries = dict(d.value) if d is not None else {}
            if is_tensor(x):
                entries["bufferization.access"] = StringAttr(a.arg_access(f, x))
            dicts.append(DictionaryAttr(entries))
        if any(d.value for d in dicts):
            f.properties["arg_attrs"] = ArrayAttr(tuple(dicts))


def bufferize_function(f: Operation, a: OneShotAnalysis, options: Options, module: Operation | None,
                       globals_cache: dict) -> None:
    ctx = BufferizeContext(a, options, module, globals_cache)
    entry = f.regions[0].first_block
    old_args = list(entry.args)
    boundary = options.function_boundaries
    if boundary:
        for x in old_args:
            if is_tensor(x):
                ctx.buf[x] = entry.insert_argument(x.index + 1, options.arg_type(x.type), x.loc)
    def order(o):
        m = model_of(o)
        if m is not None and m.post_order:  # after its nested ops
            return max((a.pos[x] for x in o.walk() if x in a.pos), default=a.pos[o]) + 0.5
        return a.pos[o]
    ops = sorted(a.ops, key=order)
    ctx.handled = {id(op) for op in ops}
    if not options.allow_unknown_ops and options.dialect_filter is None:
        for op in f.walk():
            if op is not f and id(op) not in ctx.handled and op.name != "func.return" and _tensor_op(op):
                raise BufferizationError(op, "op was not bufferized")
    erase: list[Operation] = []
    for op in ops:
        if ctx.bufferize_op(op):
            erase.append(op)
    for op in reversed(erase):
        op.erase(safe=False)
    for old, new in reversed(ctx.retyped_args):
        if old.has_uses():
            from .bufferization_models import to_tensor
            ctx.rw.set_insertion_point_to_start(old.block)
            old.replace_all_uses_with(to_tensor(ctx.rw, new, old.type))
        old.block.erase_argument(old.index)
    if boundary:
        from .bufferization_models import to_tensor
        for x in reversed(old_args):
            if is_tensor(x):
                if x.has_uses():
                    x.replace_all_uses_with(to_tensor(ctx.rw, ctx.buf[x], x.type))
                entry.erase_argument(x.index)
        ret = entry.parent.last_block.terminator if entry.parent is not None else None
        results = [v.type for v in ret.operands] if ret is not None else f.type.results
        f.properties["function_type"] = TypeAttr(FunctionType(tuple(x.type for x in entry.args),
                                                              tuple(results)))


def memref_type_for_result(ctx: BufferizeContext, v: Value) -> MemRefType:
    """The boundary type of a returned tensor (identity / fully dynamic); None: keep the buffer's."""
    layout = ctx.options.boundary_layout
    if layout == "identity-layout-map":
        return identity_memref(v.type)
    if layout == "fully-dynamic-layout-map":
        return fully_dynamic_memref(v.type)
    return None  # type: ignore[return-value]


__all__ = ["BufferizeContext", "Options", "bufferize_module", "BufferizationError", "OpResult"]
