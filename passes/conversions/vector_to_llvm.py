"""`convert-vector-to-llvm`: vector ops to the llvm dialect, as upstream's pass.

First the vector-level lowerings of passes/transforms/vector_lowering.py run
(contract to reductions, multi_reduction, outer products, transposes, n-D
broadcasts, masks, 1-D transfers to (masked) loads and stores), as upstream's
pass applies its contraction/transpose/broadcast lowering patterns; then the
1-D ops that remain convert:

- n-D vectors are nested `!llvm.array`s of 1-D vectors (the shared LLVM type
  converter): `vector.extract`/`vector.insert` become `llvm.extractvalue` /
  `llvm.insertvalue` down to the 1-D vector, then `llvm.extractelement` /
  `llvm.insertelement` (positions as i64 constants, or the dynamic index);
- a scalar broadcast is `llvm.insertelement` + `llvm.shufflevector` (a splat);
  1-D strided slices are shuffles; `vector.fma` is `llvm.intr.fma`;
- `vector.reduction` is `llvm.intr.vector.reduce.*` (the accumulator is the
  start value of fadd/fmul, else combined after), reassociation only with
  `reassociate-fp-reductions` or the op's fast-math flags;
- load/store/maskedload/maskedstore/gather/scatter address the memref element
  as memref.load does and use `llvm.load`/`llvm.store` and the
  `llvm.intr.masked.*` intrinsics, aligned to the element size;
- `vector.print` becomes calls to the C library's `printf` (the execution
  engine has no MLIR runner-utils library): floats print as `%g`, integers as
  signed decimals, vectors as `( 1, 2, 3 )`, as upstream's runtime prints them.
"""

from __future__ import annotations

from mlir_py.dialects import llvm as L
from mlir_py.passes.conversions.arith_to_llvm import llvm_fastmath
from mlir_py.passes.conversions.llvm_builder import LLVMBuilder, lookup_or_create_function, op_class
from mlir_py.passes.conversions.llvm_type_converter import LLVMTypeConverter, llvm_conversion_target
from mlir_py.passes.conversions.memref_to_llvm import strided_element_ptr
from mlir_py.passes.transforms.vector_lowering import lower_vector_to_1d

from mlir_py.ir.builtin_attributes import DenseArrayAttr, FloatAttr, IntegerAttr, StringAttr
from mlir_py.ir.builtin_types import FloatType, IndexType, IntegerType, MemRefType, VectorType, i32, i64
from mlir_py.ir.operation import Operation, Value
from mlir_py.pass_manager import Option, Pass, register_pass
from mlir_py.rewrite.conversion import FunctionConversionPattern, apply_partial_conversion

# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------


def _tc(rw) -> LLVMTypeConverter:
    return rw.type_converter


def _i64(b: LLVMBuilder, v: int) -> Value:
    return b.constant(v, i64)


def _shuffle(b: LLVMBuilder, v1: Value, v2: Value, mask: list[int], et) -> Value:
    t = VectorType([len(mask)], et)
    return b._insert(op_class("llvm.shufflevector").create(
        [v1, v2], [t], {"mask": DenseArrayAttr(i32, tuple(mask))})).results[0]


def _extractelement(b: LLVMBuilder, v: Value, idx: Value) -> Value:
    return b._insert(op_class("llvm.extractelement").create([v, idx], [v.type.element_type], {})).results[0]


def _insertelement(b: LLVMBuilder, v: Value, x: Value, idx: Value) -> Value:
    return b._insert(op_class("llvm.insertelement").create([v, x, idx], [v.type], {})).results[0]


def _splat(b: LLVMBuilder, x: Value, t: VectorType) -> Value:
    """`insertelement` into poison at 0, then a zero-mask shuffle (upstream's splat)."""
    p = b.poison(t)
    v = _insertelement(b, p, x, _i64(b, 0))
    return _shuffle(b, v, v, [0] * t.shape[0], t.element_type)


def _element_bytes(t) -> int:
    if isinstance(t, IntegerType):
        return max(1, (t.width + 7) // 8)
    if isinstance(t, FloatType):
        return max(1, t.width // 8)
    return 8


def _alignment(op: Operation, el) -> int:
    a = op.properties.get("alignment")
    return int(a.value) if a is not None else _element_bytes(el)


def _intr(b: LLVMBuilder, name: str, operands: list[Value], result_type, props: dict | None = None) -> Operation:
    return b._insert(op_class(name).create(list(operands), [result_type] if result_type is not None else [],
                                           dict(props or {})))


# ----------------------------------------------------------------------------
# extract / insert / broadcast / element-wise
# ----------------------------------------------------------------------------


def _dynamic(op) -> bool:
    return any(p < -1 for p in op.position)


def lower_extract(op, adaptor, rw) -> bool:
    src_t = op.source.type
    pos = op.position
    if src_t.rank == 0 or _scalable_nd(src_t):
        return False
    b = LLVMBuilder(rw)
    rt = _tc(rw).convert_type(op.result.type)
    if rt is None:
        return False
    if -1 in pos:
        rw.replace_op(op, [b.poison(rt)])
        return True
    dyn = list(adaptor.operands[1:])
    if any(p < -1 for p in pos[:src_t.rank - 1]):
        return False  # LLVM aggregates take constant positions
    src = adaptor.operands[0]
    if len(pos) < src_t.rank:  # a sub-vector: part of the array
        rw.replace_op(op, [b.extractvalue(src, pos)])
        return True
    row = b.extractvalue(src, pos[:-1]) if len(pos) > 1 else src
    last = dyn[-1] if pos[-1] < -1 else _i64(b, pos[-1])
    rw.replace_op(op, [_extractelement(b, row, last)])
    return True


def lower_insert(op, adaptor, rw) -> bool:
    dst_t = op.dest.type
    pos = op.position
    if dst_t.rank == 0 or _scalable_nd(dst_t):
        return False
    b = LLVMBuilder(rw)
    val, dst = adaptor.operands[0], adaptor.operands[1]
    dyn = list(adaptor.operands[2:])
    if -1 in pos:
        rw.replace_op(op, [dst])
        return True
    if any(p < -1 for p in pos[:dst_t.rank - 1]):
        return False
    if len(pos) < dst_t.rank:
        rw.replace_op(op, [b.insertvalue(dst, val, pos)])
        return True
    row = b.extractvalue(dst, pos[:-1]) if len(pos) > 1 else dst
    last = dyn[-1] if pos[-1] < -1 else _i64(b, pos[-1])
    row = _insertelement(b, row, val, last)
    rw.replace_op(op, [b.insertvalue(dst, row, pos[:-1]) if len(pos) > 1 else row])
    return True


def _scalable_nd(t: VectorType) -> bool:
    return bool(t.scalable_dims) and any(t.scalable_dims[:-1])


def lower_broadcast(op, adaptor, rw) -> bool:
    t = op.vector.type
    if t.rank != 1 or isinstance(op.source.type, VectorType):
        return False
    rt = _tc(rw).convert_type(t)
    if rt is None:
        return False
    rw.replace_op(op, [_splat(LLVMBuilder(rw), adaptor.operands[0], rt)])
    return True


def lower_fma(op, adaptor, rw) -> bool:
    t = _tc(rw).convert_type(op.result.type)
    if not isinstance(t, VectorType):
        return False
    b = LLVMBuilder(rw)
    r = _intr(b, "llvm.intr.fma", list(adaptor.operands), t, {"fastmathFlags": L.FastmathFlagsAttr(0)})
    rw.replace_op(op, [r.results[0]])
    return True


def lower_bitcast(op, adaptor, rw) -> bool:
    t = _tc(rw).convert_type(op.result.type)
    if not isinstance(t, VectorType):
        return False
    rw.replace_op(op, [LLVMBuilder(rw).op("llvm.bitcast", [adaptor.operands[0]], t)])
    return True


def lower_shape_cast(op, adaptor, rw) -> bool:
    t = _tc(rw).convert_type(op.result.type)
    if t is None or t != adaptor.operands[0].type:
        return False
    rw.replace_op(op, [adaptor.operands[0]])
    return True


def lower_from_elements(op, adaptor, rw) -> bool:
    t = _tc(rw).convert_type(op.dest.type)
    if not isinstance(t, VectorType):
        return False
    b = LLVMBuilder(rw)
    v = b.poison(t)
    for i, x in enumerate(adaptor.operands):
        v = _insertelement(b, v, x, _i64(b, i))
    rw.replace_op(op, [v])
    return True


def lower_extract_strided_slice(op, adaptor, rw) -> bool:
    t = _tc(rw).convert_type(op.result.type)
    if not isinstance(t, VectorType) or op.source.type.rank != 1:
        return False
    off, size = op.offsets[0].value, op.sizes[0].value
    src = adaptor.operands[0]
    rw.replace_op(op, [_shuffle(LLVMBuilder(rw), src, src, list(range(off, off + size)), t.element_type)])
    return True


def lower_insert_strided_slice(op, adaptor, rw) -> bool:
    if op.dest.type.rank != 1:
        return False
    b = LLVMBuilder(rw)
    off = op.offsets[0].value
    src, dst = adaptor.operands[0], adaptor.operands[1]
    n = op.value_to_store.type.shape[0]
    for k in range(n):
        dst = _insertelement(b, dst, _extractelement(b, src, _i64(b, k)), _i64(b, off + k))
    rw.replace_op(op, [dst])
    return True


# ----------------------------------------------------------------------------
# reductions
# ----------------------------------------------------------------------------

_INT_REDUCE = {"add": "add", "mul": "mul", "minui": "umin", "minsi": "smin", "maxui": "umax", "maxsi": "smax",
               "and": "and", "or": "or", "xor": "xor"}
_INT_COMBINE = {"add": "llvm.add", "mul": "llvm.mul", "minui": "llvm.intr.umin", "minsi": "llvm.intr.smin",
                "maxui": "llvm.intr.umax", "maxsi": "llvm.intr.smax", "and": "llvm.and", "or": "llvm.or",
                "xor": "llvm.xor"}
_FLOAT_REDUCE = {"minnumf": "fmin", "maxnumf": "fmax", "minimumf": "fminimum", "maximumf": "fmaximum"}
_FLOAT_COMBINE = {"minnumf": "llvm.intr.minnum", "maxnumf": "llvm.intr.maxnum", "minimumf": "llvm.intr.minimum",
                  "maximumf": "llvm.intr.maximum"}


def _lower_reduction(reassociate: bool):
    def lower_reduction(op, adaptor, rw) -> bool:
        vt = op.vector.type
        if vt.rank != 1:
            return False
        b = LLVMBuilder(rw)
        kind = op.kind_name
        src = adaptor.operands[0]
        acc = adaptor.operands[1] if op.acc is not None else None
        et = src.type.element_type
        if isinstance(et, IntegerType):
            r = _intr(b, f"llvm.intr.vector.reduce.{_INT_REDUCE[kind]}", [src], et).results[0]
            if acc is not None:
                r = b.op(_INT_COMBINE[kind], [acc, r], et)
            rw.replace_op(op, [r])
            return True
        fm = llvm_fastmath(op.fastmath)
        if reassociate and not fm.has("reassoc"):
            names = [n for n in fm.case_names if n != "none"] + ["reassoc"]
            fm = L.FastmathFlagsAttr.get(*names)
        flags = {"fastmathFlags": fm}
        if kind in ("add", "mul"):
            start = acc if acc is not None else b.constant(FloatAttr(0.0 if kind == "add" else 1.0, et), et)
            name = "llvm.intr.vector.reduce.fadd" if kind == "add" else "llvm.intr.vector.reduce.fmul"
            rw.replace_op(op, [_intr(b, name, [start, src], et, flags).results[0]])
            return True
        r = _intr(b, f"llvm.intr.vector.reduce.{_FLOAT_REDUCE[kind]}", [src], et, flags).results[0]
        if acc is not None:
            r = _intr(b, _FLOAT_COMBINE[kind], [acc, r], et, {"fastmathFlags": L.FastmathFlagsAttr(0)}).results[0]
        rw.replace_op(op, [r])
        return True
    return lower_reduction


# ----------------------------------------------------------------------------
# memory
# ----------------------------------------------------------------------------


def _ptr(rw, op, memref_value: Value, desc: Value, indices: list[Value]) -> Value | None:
    t = memref_value.type
    if not isinstance(t, MemRefType) or _tc(rw).convert_type(t) is None:
        return None
    return strided_element_ptr(LLVMBuilder(rw), _tc(rw), t, desc, indices)


def lower_load(op, adaptor, rw) -> bool:
    rt = _tc(rw).convert_type(op.result.type)
    if not isinstance(rt, VectorType):
        return False
    p = _ptr(rw, op, op.base, adaptor.operands[0], list(adaptor.operands[1:]))
    if p is None:
        return False
    rw.replace_op(op, [LLVMBuilder(rw).load(p, rt, alignment=_alignment(op, rt.element_type))])
    return True


def lower_store(op, adaptor, rw) -> bool:
    vt = adaptor.operands[0].type
    if not isinstance(vt, VectorType):
        return False
    p = _ptr(rw, op, op.base, adaptor.operands[1], list(adaptor.operands[2:]))
    if p is None:
        return False
    LLVMBuilder(rw).store(adaptor.operands[0], p, alignment=_alignment(op, vt.element_type))
    rw.erase_op(op)
    return True


def lower_maskedload(op, adaptor, rw) -> bool:
    rt = _tc(rw).convert_type(op.result.type)
    if not isinstance(rt, VectorType):
        return False
    ops = list(adaptor.operands)
    n = op.base.type.rank
    p = _ptr(rw, op, op.base, ops[0], ops[1:1 + n])
    if p is None:
        return False
    b = LLVMBuilder(rw)
    r = _intr(b, "llvm.intr.masked.load", [p, ops[1 + n], ops[2 + n]], rt,
              {"alignment": IntegerAttr(_alignment(op, rt.element_type), i64)})
    rw.replace_op(op, [r.results[0]])
    return True


def lower_maskedstore(op, adaptor, rw) -> bool:
    ops = list(adaptor.operands)
    n = op.base.type.rank
    vt = ops[2 + n].type
    if not isinstance(vt, VectorType):
        return False
    p = _ptr(rw, op, op.base, ops[0], ops[1:1 + n])
    if p is None:
        return False
    _intr(LLVMBuilder(rw), "llvm.intr.masked.store", [ops[2 + n], p, ops[1 + n]], None,
          {"alignment": IntegerAttr(_alignment(op, vt.element_type), i64)})
    rw.erase_op(op)
    return True


def _gather_ptrs(rw, op, ops: list[Value]) -> Value | None:
    n = op.base.type.rank
    p = _ptr(rw, op, op.base, ops[0], ops[1:1 + n])
    if p is None:
        return None
    idx = ops[1 + n]
    el = _tc(rw).memref_element_type(op.base.type)
    lanes = idx.type.shape[0]
    return LLVMBuilder(rw).gep(p, [idx], el, result_type=VectorType([lanes], L.LLVMPointerType(0)))


def lower_gather(op, adaptor, rw) -> bool:
    rt = _tc(rw).convert_type(op.result.type)
    if not isinstance(rt, VectorType) or op.indices.type.rank != 1:
        return False
    ops = list(adaptor.operands)
    ptrs = _gather_ptrs(rw, op, ops)
    if ptrs is None:
        return False
    n = op.base.type.rank
    r = _intr(LLVMBuilder(rw), "llvm.intr.masked.gather", [ptrs, ops[2 + n], ops[3 + n]], rt,
              {"alignment": IntegerAttr(_alignment(op, rt.element_type), i64)})
    rw.replace_op(op, [r.results[0]])
    return True


def lower_scatter(op, adaptor, rw) -> bool:
    if op.result is not None or op.indices.type.rank != 1:
        return False
    ops = list(adaptor.operands)
    ptrs = _gather_ptrs(rw, op, ops)
    if ptrs is None:
        return False
    n = op.base.type.rank
    v = ops[3 + n]
    _intr(LLVMBuilder(rw), "llvm.intr.masked.scatter", [v, ptrs, ops[2 + n]], None,
          {"alignment": IntegerAttr(_alignment(op, v.type.element_type), i64)})
    rw.erase_op(op)
    return True


# ----------------------------------------------------------------------------
# print
# ----------------------------------------------------------------------------

_PUNCT = {0: "", 1: "\n", 2: ", ", 3: "( ", 4: " )"}


def _format_and_args(b: LLVMBuilder, v: Value, t, fmt: list[str], args: list[Value]) -> None:
    """Append the printf format and arguments of value v (of original type t) to fmt/args."""
    if isinstance(t, VectorType):
        fmt.append("( ")
        for k in range(t.shape[0]):
            if k:
                fmt.append(", ")
            if t.rank == 1:
                e = _extractelement(b, v, _i64(b, k))
                _format_and_args(b, e, t.element_type, fmt, args)
            else:
                sub = VectorType(t.shape[1:], t.element_type)
                _format_and_args(b, b.extractvalue(v, [k]), sub, fmt, args)
        fmt.append(" )")
        return
    if isinstance(t, FloatType):
        if t.width < 64:
            v = b.op("llvm.fpext", [v], _f64())
        fmt.append("%g")
        args.append(v)
        return
    if isinstance(t, (IntegerType, IndexType)):
        width = 64 if isinstance(t, IndexType) else t.width
        if width < 64:
            v = b.op("llvm.zext" if width == 1 else "llvm.sext", [v], i64)
        fmt.append("%lld")
        args.append(v)
        return
    raise TypeError(f"cannot print {t}")


def _f64():
    from mlir_py.ir.builtin_types import f64
    return f64


def _lower_print(counter: list[int]):
    def lower_print(op, adaptor, rw) -> bool:
        module = op.parent_op
        while module is not None and module.name != "builtin.module":
            module = module.parent_op
        if module is None:
            return False
        b = LLVMBuilder(rw)
        fmt: list[str] = []
        args: list[Value] = []
        if op.source is not None:
            _format_and_args(b, adaptor.operands[0], op.source.type, fmt, args)
        if op.stringLiteral is not None:
            fmt.append(op.stringLiteral.value.replace("%", "%%"))
        fmt.append(_PUNCT[op.punctuation.value])
        text = "".join(fmt)
        name = _format_global(rw, module, text, counter)
        ptr = b.addressof(name)
        printf = lookup_or_create_function(rw, module, "printf",
                                           L.LLVMFunctionType(i32, [L.LLVMPointerType(0)], True))
        if printf is None or printf.name != "llvm.func":  # a `printf` of another type is already declared
            return False
        b._insert(L.CallOp.build(printf, [ptr] + args))
        rw.erase_op(op)
        return True
    return lower_print


def _format_global(rw, module, text: str, counter: list[int]) -> str:
    data = text.encode() + b"\x00"
    for g in module.regions[0].blocks[0].ops:
        if g.name == "llvm.mlir.global" and g.properties.get("value") == StringAttr(data.decode("latin-1")):
            return g.properties["sym_name"].value
    while True:
        name = f"printf_format_{counter[0]}"
        counter[0] += 1
        if not any(o.properties.get("sym_name") == StringAttr(name) for o in module.regions[0].blocks[0].ops):
            break
    g = L.GlobalOp.build(name, L.LLVMArrayType(len(data), IntegerType(8)), linkage="internal", constant=True,
                         value=StringAttr(data.decode("latin-1")))
    with rw.insertion_guard():
        rw.set_insertion_point_to_start(module.regions[0].blocks[0])
        rw.insert(g)
    return name


# ----------------------------------------------------------------------------
# the pass
# ----------------------------------------------------------------------------


def vector_to_llvm_patterns(reassociate_fp_reductions: bool = False) -> list:
    """The conversion patterns of this pass (after `lower_vector_to_1d`), for pipelines that convert several
    dialects at once."""
    table = [
        (lower_extract, "vector.extract"), (lower_insert, "vector.insert"), (lower_broadcast, "vector.broadcast"),
        (lower_fma, "vector.fma"), (lower_bitcast, "vector.bitcast"), (lower_shape_cast, "vector.shape_cast"),
        (lower_from_elements, "vector.from_elements"),
        (lower_extract_strided_slice, "vector.extract_strided_slice"),
        (lower_insert_strided_slice, "vector.insert_strided_slice"),
        (_lower_reduction(reassociate_fp_reductions), "vector.reduction"),
        (lower_load, "vector.load"), (lower_store, "vector.store"), (lower_maskedload, "vector.maskedload"),
        (lower_maskedstore, "vector.maskedstore"), (lower_gather, "vector.gather"),
        (lower_scatter, "vector.scatter"), (_lower_print([0]), "vector.print"),
    ]
    return [FunctionConversionPattern(fn, name) for fn, name in table]


@register_pass
class ConvertVectorToLLVM(Pass):
    """Lower the vector dialect to the llvm dialect (see the module docstring)."""

    name = "convert-vector-to-llvm"
    summary = "Lower the vector dialect to the LLVM dialect"
    display_name = "ConvertVectorToLLVMPass"
    options = [
        Option("reassociate-fp-reductions", bool, False,
               "Allows llvm to reassociate floating-point reductions for speed"),
        Option("vector-contract-lowering", str, "dot", "control the lowering of `vector.contract` operations",
               choices=["dot", "outerproduct"]),
    ]

    def run_on_operation(self, op) -> None:
        lower_vector_to_1d(op, self.vector_contract_lowering)
        tc = LLVMTypeConverter()
        target = llvm_conversion_target()
        target.add_illegal_dialect("vector")
        if not apply_partial_conversion(op, target, vector_to_llvm_patterns(self.reassociate_fp_reductions), tc):
            self.signal_failure()
