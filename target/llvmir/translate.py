"""Translation of a module in the llvm dialect to LLVM IR text.

The module's globals and functions become LLVM globals and functions, one
instruction per op. What LLVM spells differently:

- block arguments are phi nodes; each predecessor's successor operands are
  the incoming values along its edge (one phi entry per edge);
- llvm.mlir.constant/undef/poison/zero/addressof define no instruction: their
  results are constants written at each use;
- a global's initializer region is evaluated to a constant (insertvalue,
  getelementptr on constants...);
- `llvm.intr.*` ops are calls of intrinsics, declared once per module.

Anything outside the llvm dialect (and builtin.module) is an error at the
op: "... cannot be translated to LLVM IR", raised as `DiagnosticError`,
unless a dialect translation knows the op: other dialects' ops and the
discardable attributes they put on functions (nvvm's intrinsics and its
`nvvm.kernel` marking) are translated by a `DialectTranslation` registered
in `DIALECT_TRANSLATIONS`, as upstream's LLVMTranslationDialectInterface does.
With `debug_info=True`, every function gets a DISubprogram and every
instruction the DILocation of its op's FILE:LINE:COL.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from mlir_py.dialects.llvm.attributes import FASTMATH_CASES, AtomicBinOp, gep_flags_str
from mlir_py.dialects.llvm.memory_ops import DYNAMIC_INDEX
from mlir_py.dialects.llvm.types import (
    LLVMArrayType,
    LLVMFunctionType,
    LLVMPointerType,
    LLVMStructType,
    LLVMVoidType,
)
from mlir_py.target.llvmir.debuginfo import DebugInfo
from mlir_py.target.llvmir.intrinsics import ALIGNED_POINTER_OPERAND, EXTRA_ARGS, intrinsic_name
from mlir_py.target.llvmir.types import (
    TypeTranslator,
    UnsupportedType,
    constant_literal,
    int_literal,
    llvm_name,
    quote_string,
)

from mlir_py.ir.builtin_attributes import (
    ArrayAttr,
    DenseElementsAttr,
    DenseResourceElementsAttr,
    IntegerAttr,
    StringAttr,
    UnitAttr,
)
from mlir_py.ir.builtin_types import FloatType, IntegerType, VectorType
from mlir_py.ir.diagnostics import Diagnostic, DiagnosticError
from mlir_py.ir.operation import Block, Operation, Value


class TranslationError(Exception):
    """Carries the op that cannot be translated and why; turned into a diagnostic at that op."""

    def __init__(self, op: Operation | None, message: str):
        super().__init__(message)
        self.op = op
        self.message = message


_INT_BINARY = {"llvm.add", "llvm.sub", "llvm.mul", "llvm.shl", "llvm.udiv", "llvm.sdiv", "llvm.lshr", "llvm.ashr",
               "llvm.urem", "llvm.srem", "llvm.and", "llvm.or", "llvm.xor"}
_FLOAT_BINARY = {"llvm.fadd", "llvm.fsub", "llvm.fmul", "llvm.fdiv", "llvm.frem"}
_CASTS = {"llvm.trunc", "llvm.zext", "llvm.sext", "llvm.fptrunc", "llvm.fpext", "llvm.fptosi", "llvm.fptoui",
          "llvm.sitofp", "llvm.uitofp", "llvm.bitcast", "llvm.ptrtoint", "llvm.inttoptr", "llvm.addrspacecast"}
_CONSTANT_OPS = {"llvm.mlir.constant", "llvm.mlir.undef", "llvm.mlir.poison", "llvm.mlir.zero",
                 "llvm.mlir.addressof"}
_ORDERINGS = {1: "unordered", 2: "monotonic", 4: "acquire", 5: "release", 6: "acq_rel", 7: "seq_cst"}
_FMF_ORDER = ("nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc")
#: arg/result attributes `llvm.X = N` that LLVM spells `X(N)` or `X N`
_INT_PARAM_ATTRS = {"align": "align {}", "dereferenceable": "dereferenceable({})",
                    "dereferenceable_or_null": "dereferenceable_or_null({})", "alignstack": "alignstack({})"}
_TYPE_PARAM_ATTRS = ("byval", "byref", "sret", "inalloca", "preallocated", "elementtype")
_FUNC_UNIT_ATTRS = {"no_inline": "noinline", "always_inline": "alwaysinline", "inline_hint": "inlinehint",
                    "no_unwind": "nounwind", "will_return": "willreturn", "optimize_none": "optnone",
                    "convergent": "convergent", "cold": "cold", "hot": "hot", "returns_twice": "returns_twice",
                    "noduplicate": "noduplicate", "nocallback": "nocallback"}
_FUNC_STRING_ATTRS = {"target_cpu": "target-cpu", "tune_cpu": "tune-cpu", "frame_pointer": "frame-pointer",
                      "prefer_vector_width": "prefer-vector-width"}


#: `llvm.cconv` cases whose LLVM IR keyword is not the case name
_CCONV_KEYWORDS = {"ptx_kernelcc": "ptx_kernel", "ptx_devicecc": "ptx_device", "spir_funccc": "spir_func",
                   "spir_kernelcc": "spir_kernel", "amdgpu_kernelcc": "amdgpu_kernel"}


@dataclass
class FunctionHeader:
    """What a dialect translation may change in a function's definition: its calling convention keyword
    and extra function attributes (`"nvvm.maxntid"="128,1,1"`)."""

    cconv: str
    attributes: list[str] = field(default_factory=list)


class DialectTranslation:
    """How the ops of one dialect outside llvm, and its discardable attributes on `llvm.func`, become LLVM IR."""

    def instruction(self, tr: ModuleTranslator, op: Operation, lhs: str) -> str:
        """The instruction text for `op` (`lhs` is `"%vN = "`, or empty without a result)."""
        raise TranslationError(op, f"'{op.name}' op cannot be translated to LLVM IR")

    def amend_function(self, tr: ModuleTranslator, func: Operation, name: str, attr: Any,
                       header: FunctionHeader) -> None:
        """Apply the discardable attribute `name = attr` of `func` to its header (unknown ones are ignored)."""


#: dialect name -> the module whose `TRANSLATION` translates it; imported on first use, so the llvm
#: translation does not depend on the targets that extend it
DIALECT_TRANSLATIONS: dict[str, str] = {"nvvm": "mlir_py.target.ptx.nvvm_to_llvmir"}
_loaded_translations: dict[str, DialectTranslation] = {}


def dialect_translation(name: str) -> DialectTranslation | None:
    """The translation of the dialect that `name` (an op or attribute name `dialect.x`) belongs to."""
    dialect = name.split(".", 1)[0]
    t = _loaded_translations.get(dialect)
    if t is None and dialect in DIALECT_TRANSLATIONS:
        t = _loaded_translations[dialect] = importlib.import_module(DIALECT_TRANSLATIONS[dialect]).TRANSLATION
    return t


def fastmath_str(attr: Any) -> str:
    """LLVM's fast-math flag words (`fast` when all are set)."""
    v = attr.value if attr is not None else 0
    if not v:
        return ""
    if v == FASTMATH_CASES["fast"]:
        return "fast "
    return " ".join(n for n in _FMF_ORDER if v & FASTMATH_CASES[n]) + " "


def _is_fp(t: Any) -> bool:
    if isinstance(t, VectorType):
        t = t.element_type
    if isinstance(t, (LLVMArrayType,)):
        return _is_fp(t.element_type)
    return isinstance(t, FloatType)


def _call_fmf(op: Operation) -> str:
    """Fast-math flags on a call or select: LLVM allows them only when the result is floating point."""
    if not op.results or not _is_fp(op.results[0].type):
        return ""
    return fastmath_str(op.properties.get("fastmathFlags"))


def _overflow_str(op: Operation) -> str:
    a = op.properties.get("overflowFlags")
    v = a.value if a is not None else 0
    return ("nuw " if v & 2 else "") + ("nsw " if v & 1 else "")


class _Function:
    """Per-function state: the LLVM spelling of each value (a name or an inline constant), block labels."""

    def __init__(self) -> None:
        self.names: dict[Value, str] = {}
        self.labels: dict[Block, str] = {}
        #: (terminator, successor index) -> the label that edge jumps to, when not the block's own
        self.edge_labels: dict[tuple[Operation, int], str] = {}
        #: trampoline blocks: label -> the block label it branches to
        self.trampolines: dict[Block, list[tuple[str, str]]] = {}


#: blobs from this size on can stay out of the LLVM IR text (translate_module_to_llvmir's `external_data`)
EXTERNAL_MIN_BYTES = 4096


class ModuleTranslator:
    """Translates one builtin.module of llvm-dialect ops; `translate()` returns the LLVM IR text."""

    def __init__(self, module: Operation, *, debug_info: bool = False, module_name: str | None = None,
                 external_data: dict[str, np.ndarray] | None = None):
        self.module = module
        #: when a dict: constant globals holding a large `dense_resource` blob are declared `external` and their
        #: data put here by LLVM symbol name, for a JIT to bind to memory (text would cost seconds per megabyte)
        self.external_data = external_data
        self.types = TypeTranslator()
        self.declarations: dict[str, str] = {}
        self.metadata: list[str] = []
        self.metadata_ids: dict[str, int] = {}
        self.dbg = DebugInfo(self, module) if debug_info else None
        self.module_name = module_name
        self.fn: _Function | None = None

    # -- helpers ------------------------------------------------------------

    def ty(self, t: Any, op: Operation | None = None) -> str:
        try:
            return self.types.spell(t)
        except UnsupportedType:
            raise TranslationError(op, f"type '{t}' cannot be translated to LLVM IR") from None

    def md(self, text: str) -> str:
        """A numbered module metadata node `!N = text`, shared between identical nodes."""
        n = self.metadata_ids.get(text)
        if n is None:
            n = len(self.metadata)
            self.metadata.append(text)
            self.metadata_ids[text] = n
        return f"!{n}"

    def new_md(self, text: str) -> str:
        """A metadata node that is never merged with another (distinct nodes, debug info)."""
        n = len(self.metadata)
        self.metadata.append(text)
        return f"!{n}"

    def value(self, v: Value) -> str:
        assert self.fn is not None
        name = self.fn.names.get(v)
        if name is None:
            owner = getattr(v, "op", None)
            raise TranslationError(owner, "value used before its definition was translated")
        return name

    def typed(self, v: Value, op: Operation | None = None) -> str:
        return f"{self.ty(v.type, op)} {self.value(v)}"

    # -- module ---------------------------------------------------------------

    def translate(self) -> str:
        body = self.module.regions[0].first_block if self.module.regions else None
        globals_: list[str] = []
        functions: list[str] = []
        for op in (body.ops if body is not None else ()):
            if op.name == "llvm.func":
                functions.append(self.function(op))
            elif op.name == "llvm.mlir.global":
                globals_.append(self.global_(op))
            else:
                raise TranslationError(op, f"'{op.name}' op cannot be translated to LLVM IR: only llvm dialect "
                                           "functions and globals may appear at module level")
        if self.dbg is not None:
            self.dbg.finish()
        out: list[str] = []
        if self.module_name:
            out.append(f"; ModuleID = '{self.module_name}'")
            out.append(f"source_filename = {quote_string(self.module_name)}")
        out.extend(self.types.definitions())
        out.extend(globals_)
        out.extend(functions)
        out.extend(self.declarations.values())
        out.extend(f"!{i} = {m}" for i, m in enumerate(self.metadata))
        if self.dbg is not None:
            out.extend(self.dbg.named_metadata())
        return "\n".join(out) + "\n"

    # -- globals --------------------------------------------------------------

    def global_(self, op: Operation) -> str:
        p = op.properties
        t = p["global_type"].value
        ts = self.ty(t, op)
        linkage = p["linkage"].case_names[0]
        region = op.regions[0]
        value = p.get("value")
        init: str | None
        external = False
        if not region.is_empty():
            init = self.evaluate_initializer(op, region)
        elif external := self._external(op, value, t):
            init, linkage = None, "external"
        elif value is not None:
            try:
                if isinstance(value, DenseResourceElementsAttr):
                    value = self.resource_elements(op, value)
                init = constant_literal(value, t, self.types)
            except UnsupportedType as e:
                raise TranslationError(op, f"global initializer {value} cannot be translated to LLVM IR "
                                           f"({e})") from None
        else:
            init = None
        words = [f"@{llvm_name(p['sym_name'].value)} ="]
        if init is None and linkage in ("external", "extern_weak"):
            words.append("external" if linkage == "external" else "extern_weak")
        elif linkage != "external":
            words.append(linkage)
        vis = p.get("visibility_")
        if vis is not None and vis.value and linkage not in ("private", "internal"):  # local symbols: default
            words.append({1: "hidden", 2: "protected"}[vis.value])
        if "dso_local" in p and not external:  # bound at JIT time to memory anywhere in the process
            words.append("dso_local")
        tls = p.get("tls_mode")
        if tls is not None and tls.value:
            words.append({1: "thread_local", 2: "thread_local(localdynamic)", 3: "thread_local(initialexec)",
                          4: "thread_local(localexec)"}[tls.value])
        ua = p.get("unnamed_addr")
        if ua is not None and ua.value:
            words.append({1: "local_unnamed_addr", 2: "unnamed_addr"}[ua.value])
        asp = p.get("addr_space")
        if asp is not None and asp.value:
            words.append(f"addrspace({asp.value})")
        if "externally_initialized" in p:
            words.append("externally_initialized")
        words.append("constant" if "constant" in p else "global")
        words.append(ts)
        if init is None and linkage not in ("external", "extern_weak"):
            init = "undef"
        if init is not None:
            words.append(init)
        text = " ".join(words)
        sec = p.get("section")
        if sec is not None:
            text += f', section "{sec.value}"'
        align = p.get("alignment")
        if align is not None:
            text += f", align {align.value}"
        return text

    def _external(self, op: Operation, value: Any, t: Any) -> bool:
        """Declare this global `external`, its data in `external_data`? (A large blob of a constant.)"""
        if self.external_data is None or not isinstance(value, DenseResourceElementsAttr) or \
                "constant" not in op.properties:
            return False
        array = self.resource_array(op, value)
        if array.nbytes < EXTERNAL_MIN_BYTES:
            return False
        self.external_data[llvm_name(op.properties["sym_name"].value)] = array
        return True

    def resource_elements(self, op: Operation, attr: DenseResourceElementsAttr) -> DenseElementsAttr:
        """The elements of a `dense_resource<handle>` blob of the file's resource section."""
        return DenseElementsAttr(self.resource_array(op, attr), attr.type)

    def resource_array(self, op: Operation, attr: DenseResourceElementsAttr) -> np.ndarray:
        """The data of a `dense_resource<handle>` blob of the file's resource section, as a numpy array."""
        from mlir_py.text.resources import resources_of
        root = self.module  # a gpu.module's resources are its top-level module's
        while root.parent_op is not None:
            root = root.parent_op
        section = resources_of(root)
        blob = section.dialect.get("builtin", {}).get(attr.handle) if section is not None else None
        if blob is None:
            raise TranslationError(op, f"dense resource '{attr.handle}' has no blob in the resource section")
        text = blob.strip('"')
        et = attr.type.element_type
        dtypes = {"f16": np.float16, "f32": np.float32, "f64": np.float64}
        dtype = dtypes.get(str(et)) if isinstance(et, FloatType) else \
            {1: np.bool_, 8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}.get(getattr(et, "width", 0))
        if not text.startswith("0x") or dtype is None:
            raise TranslationError(op, f"dense resource '{attr.handle}' of {attr.type} cannot be translated")
        data = bytes.fromhex(text[2:])[4:]  # the first 4 bytes are the blob's alignment
        return np.frombuffer(data, dtype=dtype).reshape(attr.type.shape)

    def evaluate_initializer(self, gop: Operation, region: Any) -> str:
        """Fold the initializer region's ops to one LLVM constant."""
        env: dict[Value, tuple[Any, str]] = {}  # value -> (type, constant text or aggregate list)
        block = region.first_block
        for op in block.ops:
            if op.name == "llvm.return":
                v = env[op.operands[0]]
                return self._const_text(v[0], v[1])
            if op.name in _CONSTANT_OPS:
                env[op.results[0]] = (op.results[0].type, self.constant_op(op))
            elif op.name == "llvm.insertvalue":
                agg_t, agg = env[op.operands[0]]
                _, val = env[op.operands[1]]
                agg = self._expand(agg_t, agg)
                pos = list(op.properties["position"].values)
                agg = self._insert(agg_t, agg, pos, val)
                env[op.results[0]] = (agg_t, agg)
            elif op.name == "llvm.getelementptr":
                base_t, base = env[op.operands[0]]
                idx = [f"i32 {r}" for r in op.properties["rawConstantIndices"].values]
                if any(r == DYNAMIC_INDEX for r in op.properties["rawConstantIndices"].values):
                    raise TranslationError(op, "a global initializer's getelementptr needs constant indices")
                flags = gep_flags_str(op.properties["noWrapFlags"].value).replace("|", " ")
                et = self.ty(op.properties["elem_type"].value, op)
                text = f"getelementptr {flags + ' ' if flags else ''}({et}, {self.ty(base_t, op)} {base}, " \
                       f"{', '.join(idx)})"
                env[op.results[0]] = (op.results[0].type, text)
            elif op.name in ("llvm.ptrtoint", "llvm.inttoptr", "llvm.bitcast", "llvm.addrspacecast"):
                st, sv = env[op.operands[0]]
                kw = op.name.split(".")[1]
                text = f"{kw} ({self.ty(st, op)} {self._const_text(st, sv)} to {self.ty(op.results[0].type, op)})"
                env[op.results[0]] = (op.results[0].type, text)
            else:
                raise TranslationError(op, f"'{op.name}' op cannot be translated to LLVM IR in a global "
                                           "initializer")
        raise TranslationError(gop, "global initializer region must end in llvm.return")

    def _expand(self, t: Any, v: Any) -> Any:
        """A constant aggregate as a list of (type, value) fields, so a field can be replaced."""
        if isinstance(v, list):
            return v
        if isinstance(t, LLVMStructType):
            fields = list(t.body or ())
        elif isinstance(t, LLVMArrayType):
            fields = [t.element_type] * t.num_elements
        else:
            raise TranslationError(None, f"cannot insert into {t}")
        fill = {"undef": "undef", "poison": "poison", "zeroinitializer": "zeroinitializer"}.get(v)
        if fill is None:
            raise TranslationError(None, "insertvalue into a non-trivial constant aggregate is not supported")
        return [(f, self._zero(f) if fill == "zeroinitializer" else fill) for f in fields]

    def _zero(self, t: Any) -> str:
        if isinstance(t, LLVMPointerType):
            return "null"
        if isinstance(t, (LLVMStructType, LLVMArrayType, VectorType)):
            return "zeroinitializer"
        if isinstance(t, IntegerType):
            return "0"
        return "0.0"

    def _insert(self, t: Any, agg: list, pos: list[int], val: Any) -> list:
        i = pos[0]
        ft = agg[i][0]
        if len(pos) == 1:
            agg[i] = (ft, val)
        else:
            agg[i] = (ft, self._insert(ft, self._expand(ft, agg[i][1]), pos[1:], val))
        return agg

    def _const_text(self, t: Any, v: Any) -> str:
        if not isinstance(v, list):
            return v
        items = ", ".join(f"{self.ty(ft)} {self._const_text(ft, fv)}" for ft, fv in v)
        if isinstance(t, LLVMArrayType):
            return f"[{items}]"
        body = f"{{ {items} }}" if items else "{}"
        return f"<{body}>" if getattr(t, "packed", False) else body

    # -- constants --------------------------------------------------------------

    def constant_op(self, op: Operation) -> str:
        t = op.results[0].type
        name = op.name
        if name == "llvm.mlir.undef":
            return "undef"
        if name == "llvm.mlir.poison":
            return "poison"
        if name == "llvm.mlir.zero":
            return self._zero(t)
        if name == "llvm.mlir.addressof":
            return "@" + llvm_name(op.properties["global_name"].root)
        value = op.properties["value"]
        if isinstance(value, DenseResourceElementsAttr):
            value = self.resource_elements(op, value)
        try:
            return constant_literal(value, t, self.types)
        except UnsupportedType as e:
            raise TranslationError(op, f"constant {value} cannot be translated to LLVM IR ({e})") from None

    # -- functions ------------------------------------------------------------

    def _param_attrs(self, d: Any, op: Operation, elem_type_of: Any = None) -> str:
        if d is None:
            return ""
        words = []
        for k, v in d.entries:
            if not k.startswith("llvm."):
                continue
            k = k[5:]
            if isinstance(v, UnitAttr):
                words.append(k)
            elif k in _INT_PARAM_ATTRS and isinstance(v, IntegerAttr):
                words.append(_INT_PARAM_ATTRS[k].format(v.value))
            elif k in _TYPE_PARAM_ATTRS and hasattr(v, "value"):
                words.append(f"{k}({self.ty(v.value, op)})")
            elif isinstance(v, StringAttr):
                words.append(f'"{k}"="{v.value}"')
        return "".join(" " + w for w in words)

    def _function_attrs(self, op: Operation) -> str:
        p = op.properties
        words = []
        for k, w in _FUNC_UNIT_ATTRS.items():
            if k in p:
                words.append(w)
                if k == "optimize_none" and "no_inline" not in p:
                    words.append("noinline")
        for k, w in _FUNC_STRING_ATTRS.items():
            v = p.get(k)
            if isinstance(v, StringAttr):
                words.append(f'"{w}"="{v.value}"')
        tf = p.get("target_features")
        if tf is not None:
            feats = getattr(tf, "features", None)
            if feats is None and isinstance(tf, StringAttr):
                feats = tf.value
            if feats is not None:
                words.append(f'"target-features"="{feats if isinstance(feats, str) else ",".join(feats)}"')
        pt = p.get("passthrough")
        if isinstance(pt, ArrayAttr):
            for a in pt:
                if isinstance(a, StringAttr):
                    words.append(a.value if a.value.isidentifier() else f'"{a.value}"')
                elif isinstance(a, ArrayAttr) and len(a) == 2:
                    words.append(f'"{a[0].value}"="{a[1].value}"')
        return "".join(" " + w for w in words)

    def function(self, op: Operation) -> str:
        p = op.properties
        ft: LLVMFunctionType = p["function_type"].value
        name = "@" + llvm_name(p["sym_name"].value)
        linkage = p["linkage"].case_names[0]
        cconv = p["CConv"].case_names[0]
        ret = self.ty(ft.return_type, op)
        arg_attrs = p.get("arg_attrs")
        res_attrs = p.get("res_attrs")
        ret_attrs = self._param_attrs(res_attrs[0] if res_attrs is not None and len(res_attrs) else None, op)
        ret_attrs = ret_attrs.strip() + " " if ret_attrs else ""
        head = []
        if linkage != "external":
            head.append(linkage)
        vis = p.get("visibility_")
        if vis is not None and vis.value and linkage not in ("private", "internal"):
            head.append({1: "hidden", 2: "protected"}[vis.value])
        if "dso_local" in p:
            head.append("dso_local")
        header = FunctionHeader(_CCONV_KEYWORDS.get(cconv, cconv))
        for k, v in op.attributes.items():
            ext = dialect_translation(k)
            if ext is not None:
                ext.amend_function(self, op, k, v, header)
        if header.cconv != "ccc":
            head.append(header.cconv)
        ua = p.get("unnamed_addr")
        prefix = " ".join(head) + " " if head else ""
        ua_text = {1: " local_unnamed_addr", 2: " unnamed_addr"}.get(ua.value if ua is not None else 0, "")
        fattrs = self._function_attrs(op) + "".join(" " + a for a in header.attributes)
        sec = p.get("section")
        tail = (f' section "{sec.value}"' if sec is not None else "")
        align = p.get("alignment")
        if align is not None:
            tail += f" align {align.value}"
        if op.regions[0].is_empty():
            params = [self.ty(t, op) + self._param_attrs(arg_attrs[i] if arg_attrs is not None else None, op)
                      for i, t in enumerate(ft.params)]
            if ft.is_var_arg:
                params.append("...")
            return f"declare {prefix}{ret_attrs}{ret} {name}({', '.join(params)}){ua_text}{fattrs}{tail}"

        fn = self.fn = _Function()
        blocks = list(op.regions[0].blocks)
        entry = blocks[0]
        params = []
        for i, (a, t) in enumerate(zip(entry.args, ft.params)):
            nm = f"%arg{i}"
            fn.names[a] = nm
            params.append(self.ty(t, op) + self._param_attrs(arg_attrs[i] if arg_attrs is not None else None, op)
                          + " " + nm)
        if ft.is_var_arg:
            params.append("...")
        dbg_attach = self.dbg.subprogram(op) if self.dbg is not None else ""
        lines = [f"define {prefix}{ret_attrs}{ret} {name}({', '.join(params)}){ua_text}{fattrs}{tail}{dbg_attach} {{"]
        for i, b in enumerate(blocks):
            fn.labels[b] = f"bb{i}"
        # result names are fixed up front so phis may refer to values defined later (back edges)
        for b in blocks:
            for a in (b.args if b is not entry else ()):
                fn.names[a] = f"%b{blocks.index(b)}a{a.index}"
            for inner in b.ops:
                if inner.name in _CONSTANT_OPS:
                    fn.names[inner.results[0]] = self.constant_op(inner)
                else:
                    for r in inner.results:
                        fn.names[r] = f"%v{len(fn.names)}"
        n = 0
        for b in blocks:
            for inner in b.ops:
                for r in inner.results:
                    if not fn.names[r].startswith("%v"):
                        continue
                    fn.names[r] = f"%v{n}"
                    n += 1
        preds = self._incoming(blocks)
        for i, b in enumerate(blocks):
            lines.append(f"bb{i}:")
            if b is not entry:
                for a in b.args:
                    entries = preds.get((b, a.index), [])
                    if not entries:
                        raise TranslationError(op, f"block argument #{a.index} of a block without predecessors "
                                                   "cannot become a phi node")
                    inc = ", ".join(f"[ {self.value(v)}, %{pb} ]" for pb, v in entries)
                    lines.append(f"  {fn.names[a]} = phi {self.ty(a.type, op)} {inc}")
            for inner in b.ops:
                if inner.name in _CONSTANT_OPS:
                    continue
                text = self.instruction(inner)
                if text is None:
                    continue
                if self.dbg is not None:
                    text += self.dbg.location(inner)
                lines.append("  " + text)
            for label, dest in fn.trampolines.get(b, ()):
                lines.append(f"{label}:")
                lines.append(f"  br label %{dest}" + (self.dbg.location(b.last_op) if self.dbg is not None else ""))
        lines.append("}")
        self.fn = None
        if self.dbg is not None:
            self.dbg.end_function()
        return "\n".join(lines)

    def _incoming(self, blocks: list[Block]) -> dict[tuple[Block, int], list[tuple[str, Value]]]:
        """For each (block, argument index): the (predecessor label, value) of every edge into it.

        A terminator with several edges to one block that has arguments (a switch whose cases pass
        different values) cannot give one phi different values from one predecessor: each edge after
        the first goes through a trampoline block of its own, as upstream's legalize-for-export does."""
        fn = self.fn
        assert fn is not None
        out: dict[tuple[Block, int], list[tuple[str, Value]]] = {}
        for b in blocks:
            term = b.last_op
            if term is None:
                continue
            get = getattr(term, "get_successor_operands", None)
            seen: set[Block] = set()
            for si, s in enumerate(term.successors):
                vals = list(get(si)) if get is not None else []
                if len(vals) != len(s.args):
                    raise TranslationError(term, "successor operands do not match the destination's arguments")
                source = fn.labels[b]
                if s in seen and s.args:
                    source = f"{fn.labels[b]}.e{si}"
                    fn.edge_labels[(term, si)] = source
                    fn.trampolines.setdefault(b, []).append((source, fn.labels[s]))
                seen.add(s)
                for ai, v in enumerate(vals):
                    out.setdefault((s, ai), []).append((source, v))
        return out

    def target(self, op: Operation, index: int) -> str:
        """The label the terminator's successor `index` jumps to (a trampoline or the block)."""
        fn = self.fn
        assert fn is not None
        return fn.edge_labels.get((op, index)) or fn.labels[op.successors[index]]

    # -- instructions ---------------------------------------------------------

    def instruction(self, op: Operation) -> str | None:
        name = op.name
        res = self.fn.names.get(op.results[0]) if op.results else None  # type: ignore[union-attr]
        lhs = f"{res} = " if res is not None else ""
        p = op.properties
        if name in _INT_BINARY:
            a, b = op.operands
            flags = _overflow_str(op)
            if "isExact" in p:
                flags += "exact "
            if "isDisjoint" in p:
                flags += "disjoint "
            return f"{lhs}{name[5:]} {flags}{self.typed(a, op)}, {self.value(b)}"
        if name in _FLOAT_BINARY:
            a, b = op.operands
            return f"{lhs}{name[5:]} {fastmath_str(p.get('fastmathFlags'))}{self.typed(a, op)}, {self.value(b)}"
        if name == "llvm.fneg":
            return f"{lhs}fneg {fastmath_str(p.get('fastmathFlags'))}{self.typed(op.operands[0], op)}"
        if name == "llvm.icmp":
            from mlir_py.dialects.llvm.attributes import ICmpPredicate
            a, b = op.operands
            return f"{lhs}icmp {ICmpPredicate.name_of(p['predicate'])} {self.typed(a, op)}, {self.value(b)}"
        if name == "llvm.fcmp":
            from mlir_py.dialects.llvm.attributes import FCmpPredicate
            a, b = op.operands
            pred = FCmpPredicate.name_of(p["predicate"]).lstrip("_")
            return f"{lhs}fcmp {fastmath_str(p.get('fastmathFlags'))}{pred} {self.typed(a, op)}, {self.value(b)}"
        if name == "llvm.select":
            c, a, b = op.operands
            return (f"{lhs}select {_call_fmf(op)}{self.typed(c, op)}, {self.typed(a, op)}, "
                    f"{self.typed(b, op)}")
        if name in _CASTS:
            flags = _overflow_str(op) + ("nneg " if "nonNeg" in p else "")
            return f"{lhs}{name[5:]} {flags}{self.typed(op.operands[0], op)} to {self.ty(op.results[0].type, op)}"
        if name == "llvm.alloca":
            text = f"{lhs}alloca {'inalloca ' if 'inalloca' in p else ''}{self.ty(p['elem_type'].value, op)}, " \
                   f"{self.typed(op.operands[0], op)}"
            if "alignment" in p and p["alignment"].value:
                text += f", align {p['alignment'].value}"
            asp = op.results[0].type.address_space
            if asp:
                text += f", addrspace({asp})"
            return text
        if name == "llvm.load":
            return self._load(op, lhs)
        if name == "llvm.store":
            return self._store(op)
        if name == "llvm.atomicrmw":
            return self._atomicrmw(op, lhs)
        if name == "llvm.getelementptr":
            return self._gep(op, lhs)
        if name == "llvm.extractvalue":
            pos = ", ".join(str(i) for i in p["position"].values)
            return f"{lhs}extractvalue {self.typed(op.operands[0], op)}, {pos}"
        if name == "llvm.insertvalue":
            pos = ", ".join(str(i) for i in p["position"].values)
            return f"{lhs}insertvalue {self.typed(op.operands[0], op)}, {self.typed(op.operands[1], op)}, {pos}"
        if name == "llvm.extractelement":
            v, i = op.operands
            return f"{lhs}extractelement {self.typed(v, op)}, {self.typed(i, op)}"
        if name == "llvm.insertelement":
            v, x, i = op.operands
            return f"{lhs}insertelement {self.typed(v, op)}, {self.typed(x, op)}, {self.typed(i, op)}"
        if name == "llvm.shufflevector":
            a, b = op.operands
            mask = p["mask"].values
            ms = ", ".join("i32 poison" if m == -1 else f"i32 {m}" for m in mask)
            return f"{lhs}shufflevector {self.typed(a, op)}, {self.typed(b, op)}, <{len(mask)} x i32> <{ms}>"
        if name == "llvm.call":
            return self._call(op, lhs)
        if name == "llvm.call_intrinsic":
            return self._call_intrinsic(op, lhs)
        if name.startswith("llvm.intr."):
            return self._intrinsic(op, lhs)
        if name == "llvm.br":
            return f"br label %{self.target(op, 0)}"
        if name == "llvm.cond_br":
            text = f"br {self.typed(op.operands[0], op)}, label %{self.target(op, 0)}, label %{self.target(op, 1)}"
            return text + self._weights(p.get("branch_weights"))
        if name == "llvm.switch":
            return self._switch(op)
        if name == "llvm.return":
            return f"ret {self.typed(op.operands[0], op)}" if op.operands else "ret void"
        if name == "llvm.unreachable":
            return "unreachable"
        ext = dialect_translation(name)
        if ext is not None:
            return ext.instruction(self, op, lhs)
        raise TranslationError(op, f"'{name}' op cannot be translated to LLVM IR")

    def _weights(self, w: Any) -> str:
        if w is None or not len(w.values):
            return ""
        ws = ", ".join(f"i32 {x}" for x in w.values)
        node = '!{!"branch_weights", ' + ws + "}"
        return f", !prof {self.md(node)}"

    def _switch(self, op: Operation) -> str:
        t = op.operands[0].type
        cases = []
        for i, v in enumerate(op.case_values_list()):  # type: ignore[attr-defined]
            cases.append(f"{self.ty(t, op)} {int_literal(v, t)}, label %{self.target(op, 1 + i)}")
        body = " ".join(cases)
        text = f"switch {self.typed(op.operands[0], op)}, label %{self.target(op, 0)} [{body}]"
        return text + self._weights(op.properties.get("branch_weights"))

    def _access_suffix(self, op: Operation) -> str:
        p = op.properties
        text = ""
        if "alignment" in p and p["alignment"].value:
            text += f", align {p['alignment'].value}"
        if "nontemporal" in p:
            text += f", !nontemporal {self.md('!{i32 1}')}"
        if "invariantGroup" in p:
            text += f", !invariant.group {self.md('!{}')}"
        if "invariant" in p:
            text += f", !invariant.load {self.md('!{}')}"
        return text

    def _atomic(self, op: Operation) -> tuple[str, str]:
        o = op.properties.get("ordering")
        if o is None or not o.value:
            return "", ""
        sc = op.properties.get("syncscope")
        scope = f' syncscope("{sc.value}")' if sc is not None else ""
        return "atomic ", f"{scope} {_ORDERINGS[o.value]}"

    def _load(self, op: Operation, lhs: str) -> str:
        atomic, order = self._atomic(op)
        vol = "volatile " if "volatile_" in op.properties else ""
        return (f"{lhs}load {atomic}{vol}{self.ty(op.results[0].type, op)}, {self.typed(op.operands[0], op)}"
                f"{order}{self._access_suffix(op)}")

    def _store(self, op: Operation) -> str:
        atomic, order = self._atomic(op)
        vol = "volatile " if "volatile_" in op.properties else ""
        v, ptr = op.operands
        return f"store {atomic}{vol}{self.typed(v, op)}, {self.typed(ptr, op)}{order}{self._access_suffix(op)}"

    def _atomicrmw(self, op: Operation, lhs: str) -> str:
        _, order = self._atomic(op)
        vol = "volatile " if "volatile_" in op.properties else ""
        bin_op = AtomicBinOp.name_of(op.properties["bin_op"]).lstrip("_")
        ptr, v = op.operands
        return (f"{lhs}atomicrmw {vol}{bin_op} {self.typed(ptr, op)}, {self.typed(v, op)}{order}"
                f"{self._access_suffix(op)}")

    def _gep(self, op: Operation, lhs: str) -> str:
        p = op.properties
        flags = gep_flags_str(p["noWrapFlags"].value).replace("|", " ")
        dyn = iter(op.operands[1:])
        idx = []
        for r in p["rawConstantIndices"].values:
            if r == DYNAMIC_INDEX:
                idx.append(self.typed(next(dyn), op))
            else:
                idx.append(f"i32 {r}")
        et = self.ty(p["elem_type"].value, op)
        rest = "".join(", " + i for i in idx)
        return f"{lhs}getelementptr {flags + ' ' if flags else ''}{et}, {self.typed(op.operands[0], op)}{rest}"

    def _call(self, op: Operation, lhs: str) -> str:
        p = op.properties
        callee = p.get("callee")
        args = list(op.operands)
        if callee is not None:
            target = "@" + llvm_name(callee.root)
        else:
            target = self.value(args[0])
            args = args[1:]
        ret = self.ty(op.results[0].type, op) if op.results else "void"
        vt = p.get("var_callee_type")
        sig = ret
        if vt is not None:
            sig = self.ty(vt.value, op)
        tk = p.get("TailCallKind")
        tail = {1: "tail ", 2: "musttail ", 3: "notail "}.get(tk.value if tk is not None else 0, "")
        cc = p.get("CConv")
        ccs = "" if cc is None or cc.value == 0 else cc.case_names[0] + " "
        fm = _call_fmf(op)
        argtext = ", ".join(self.typed(a, op) for a in args)
        return f"{lhs}{tail}call {fm}{ccs}{sig} {target}({argtext})"

    def _declare(self, name: str, ret: str, params: list[str]) -> None:
        if name not in self.declarations:
            self.declarations[name] = f"declare {ret} @{llvm_name(name)}({', '.join(params)})"

    def _call_intrinsic(self, op: Operation, lhs: str) -> str:
        name = op.properties["intrin"].value
        ret = self.ty(op.results[0].type, op) if op.results else "void"
        self._declare(name, ret, [self.ty(a.type, op) for a in op.operands])
        fm = _call_fmf(op)
        argtext = ", ".join(self.typed(a, op) for a in op.operands)
        return f"{lhs}call {fm}{ret} @{llvm_name(name)}({argtext})"

    def _intrinsic(self, op: Operation, lhs: str) -> str:
        try:
            name = intrinsic_name(op)
        except (ValueError, IndexError) as e:
            raise TranslationError(op, f"'{op.name}' op cannot be translated to LLVM IR ({e})") from None
        ret = self.ty(op.results[0].type, op) if op.results else "void"
        args = [(self.ty(a.type, op), self.value(a)) for a in op.operands]
        extra = EXTRA_ARGS.get(op.name)
        if extra is not None:
            args += extra(op)
        aligned = ALIGNED_POINTER_OPERAND.get(op.name)
        self._declare(name, ret, [t for t, _ in args])
        parts = []
        for i, (t, v) in enumerate(args):
            if i == aligned:
                parts.append(f"{t} align {op.properties['alignment'].value} {v}")
            else:
                parts.append(f"{t} {v}")
        fm = _call_fmf(op)
        return f"{lhs}call {fm}{ret} @{name}({', '.join(parts)})"


def translate_module_to_llvmir(module: Operation, *, debug_info: bool = False, module_name: str | None = None,
                               external_data: dict[str, np.ndarray] | None = None) -> str:
    """LLVM IR text for a builtin.module whose ops are all in the llvm dialect.

    With `external_data` (a dict, filled here), constant globals initialized by `dense_resource` blobs of at
    least EXTERNAL_MIN_BYTES become `external` declarations and their arrays go into the dict by symbol name:
    the JIT binds them to that memory (execution/jit.py) instead of parsing the weights back from text.
    Raises `DiagnosticError` with one error at the first op that cannot be translated."""
    try:
        return ModuleTranslator(module, debug_info=debug_info, module_name=module_name,
                                external_data=external_data).translate()
    except TranslationError as e:
        op = e.op if e.op is not None else module
        raise DiagnosticError([Diagnostic("error", op.location, e.message, op=op)]) from None


def find_untranslatable_op(module: Operation) -> Operation | None:
    """The first op (in walk order) outside the llvm dialect and the dialects with a translation; the module
    itself is allowed."""
    for op in module.walk(post_order=False):
        if op is module:
            continue
        if not op.name.startswith("llvm.") and op.name.split(".", 1)[0] not in DIALECT_TRANSLATIONS:
            return op
    return None


_ = (LLVMVoidType, VectorType)
