"""NVVM ops: PTX special registers, barriers and warp-level primitives (NVVMOps.td), with
upstream's names and syntax.

Each op's `llvm_intrinsic` names the LLVM intrinsic it translates to, with the operands in
the op's order (the barrier adds its default id 0): names checked against LLVM 22's NVPTX
backend (llvmlite) in test/unit/test_gpu_dialect.py. Kernels are `ptx_kernel` functions there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir_py.dialects.llvm.attributes import ConstantRangeAttr, constant_range
from mlir_py.dialects.llvm.types import LLVMStructType
from mlir_py.dialects.nvvm.attributes import (
    REDUCTION_KINDS,
    SHFL_KINDS,
    VOTE_SYNC_KINDS,
    ReductionKind,
    ReductionKindAttr,
    ShflKind,
    ShflKindAttr,
    VoteSyncKind,
    VoteSyncKindAttr,
)

from mlir_py.builtin.constraints import AnyInteger, BoolAttrC, UnitAttrC
from mlir_py.definition.constraints import AnyType, BaseAttr, EqAttr
from mlir_py.definition.opdef import Op, _segment_attr, operand, opt_operand, opt_prop, prop, result
from mlir_py.definition.traits import Pure
from mlir_py.ir.builtin_attributes import BoolAttr, UnitAttr
from mlir_py.ir.builtin_types import FloatType, IntegerType, i1, i32
from mlir_py.ir.operation import Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

I32 = EqAttr(i32)
I32.description = "32-bit signless integer"
I64 = EqAttr(IntegerType(64))
I64.description = "64-bit signless integer"
I1 = EqAttr(i1)
I1.description = "1-bit signless integer"
RangeAttr = BaseAttr(ConstantRangeAttr, description="A range of two integers, corresponding to LLVM's ConstantRange")

#: the unit attribute that marks an llvm.func as a kernel entry point (PTX `.entry`)
KERNEL_ATTR = "nvvm.kernel"
#: launch-bound attributes of kernels (array<i32: x, y, z>)
MAXNTID_ATTR = "nvvm.maxntid"
REQNTID_ATTR = "nvvm.reqntid"


# -- special registers -------------------------------------------------------------------


class _SpecialRegisterOp(Op):
    """Base of `nvvm.read.ptx.sreg.*`: reads one PTX special register; the optional `range`
    (`range <i32, 0, 1024>`) promises the value's bounds."""

    traits = [Pure]
    range = opt_prop(RangeAttr)
    res = result(I32)
    assembly_format = "(`range` $range^)? attr-dict `:` type($res)"
    LLVM_INTRINSIC = ""

    @property
    def llvm_intrinsic(self) -> str:
        """`llvm.nvvm.read.ptx.sreg.<register>`, taking no operands."""
        return self.LLVM_INTRINSIC

    @classmethod
    def build(cls, lower: int | None = None, upper: int | None = None, *, location: Any = None) -> Any:
        """The read, with `range <i32, lower, upper>` when bounds are given."""
        width = cls.definition.results[0].constraint.attr.width  # type: ignore[union-attr]
        rng = constant_range(width, lower, upper) if lower is not None and upper is not None else None
        return cls(range=rng, location=location)


def _sreg(class_name: str, reg: str, *, i64: bool = False) -> type:
    """The op class reading PTX special register `%reg` (`nvvm.read.ptx.sreg.<reg>`)."""
    doc = f"""Reads the PTX special register `%{reg.replace('.', '_') if reg.startswith('lanemask') else reg}`.

    ```mlir
    %r = nvvm.read.ptx.sreg.{reg} : {'i64' if i64 else 'i32'}
    ```
    """
    ns = {"__doc__": doc, "name": f"nvvm.read.ptx.sreg.{reg}", "LLVM_INTRINSIC": f"llvm.nvvm.read.ptx.sreg.{reg}",
          "__module__": __name__, "__qualname__": class_name}
    if i64:
        ns["res"] = result(I64)
    return type(_SpecialRegisterOp)(class_name, (_SpecialRegisterOp,), ns)


_DIMS = ("x", "y", "z")
ThreadIdXOp, ThreadIdYOp, ThreadIdZOp = (_sreg(f"ThreadId{d.upper()}Op", f"tid.{d}") for d in _DIMS)
BlockDimXOp, BlockDimYOp, BlockDimZOp = (_sreg(f"BlockDim{d.upper()}Op", f"ntid.{d}") for d in _DIMS)
BlockIdXOp, BlockIdYOp, BlockIdZOp = (_sreg(f"BlockId{d.upper()}Op", f"ctaid.{d}") for d in _DIMS)
GridDimXOp, GridDimYOp, GridDimZOp = (_sreg(f"GridDim{d.upper()}Op", f"nctaid.{d}") for d in _DIMS)
ClusterIdXOp, ClusterIdYOp, ClusterIdZOp = (_sreg(f"ClusterId{d.upper()}Op", f"clusterid.{d}") for d in _DIMS)
ClusterDimXOp, ClusterDimYOp, ClusterDimZOp = (_sreg(f"ClusterDim{d.upper()}Op", f"nclusterid.{d}") for d in _DIMS)
BlockInClusterIdXOp, BlockInClusterIdYOp, BlockInClusterIdZOp = (
    _sreg(f"BlockInClusterId{d.upper()}Op", f"cluster.ctaid.{d}") for d in _DIMS)
ClusterDimBlocksXOp, ClusterDimBlocksYOp, ClusterDimBlocksZOp = (
    _sreg(f"ClusterDimBlocks{d.upper()}Op", f"cluster.nctaid.{d}") for d in _DIMS)
LaneIdOp = _sreg("LaneIdOp", "laneid")
WarpSizeOp = _sreg("WarpSizeOp", "warpsize")
WarpIdOp = _sreg("WarpIdOp", "warpid")
WarpDimOp = _sreg("WarpDimOp", "nwarpid")
SmIdOp = _sreg("SmIdOp", "smid")
SmDimOp = _sreg("SmDimOp", "nsmid")
GridIdOp = _sreg("GridIdOp", "gridid")
ClockOp = _sreg("ClockOp", "clock")
Clock64Op = _sreg("Clock64Op", "clock64", i64=True)
GlobalTimerOp = _sreg("GlobalTimerOp", "globaltimer", i64=True)
ClusterCtaRankOp = _sreg("ClusterCtaRankOp", "cluster.ctarank")
ClusterCtaCountOp = _sreg("ClusterCtaCountOp", "cluster.nctarank")
LaneMaskEqOp, LaneMaskLeOp, LaneMaskLtOp, LaneMaskGeOp, LaneMaskGtOp = (
    _sreg(f"LaneMask{c.capitalize()}Op", f"lanemask.{c}") for c in ("eq", "le", "lt", "ge", "gt"))

#: gpu dimension ops -> nvvm register op per dimension ("x", "y", "z")
THREAD_ID = dict(zip(_DIMS, (ThreadIdXOp, ThreadIdYOp, ThreadIdZOp)))
BLOCK_DIM = dict(zip(_DIMS, (BlockDimXOp, BlockDimYOp, BlockDimZOp)))
BLOCK_ID = dict(zip(_DIMS, (BlockIdXOp, BlockIdYOp, BlockIdZOp)))
GRID_DIM = dict(zip(_DIMS, (GridDimXOp, GridDimYOp, GridDimZOp)))

SPECIAL_REGISTER_OPS = [
    ThreadIdXOp, ThreadIdYOp, ThreadIdZOp, BlockDimXOp, BlockDimYOp, BlockDimZOp, BlockIdXOp, BlockIdYOp, BlockIdZOp,
    GridDimXOp, GridDimYOp, GridDimZOp, ClusterIdXOp, ClusterIdYOp, ClusterIdZOp, ClusterDimXOp, ClusterDimYOp,
    ClusterDimZOp, BlockInClusterIdXOp, BlockInClusterIdYOp, BlockInClusterIdZOp, ClusterDimBlocksXOp,
    ClusterDimBlocksYOp, ClusterDimBlocksZOp, LaneIdOp, WarpSizeOp, WarpIdOp, WarpDimOp, SmIdOp, SmDimOp, GridIdOp,
    ClusterCtaRankOp, ClusterCtaCountOp, ClockOp, Clock64Op, GlobalTimerOp,
    LaneMaskEqOp, LaneMaskLeOp, LaneMaskLtOp, LaneMaskGeOp, LaneMaskGtOp]


# -- barriers --------------------------------------------------------------------------------


class BarrierOp(Op):
    """Waits until the threads of the CTA (or `number_of_threads` of them) reach barrier `id`
    (default 0): PTX `bar.sync` (`barrier.sync` when `aligned = false`).

    ```mlir
    nvvm.barrier
    nvvm.barrier id = %id number_of_threads = %n
    ```
    """

    name = "nvvm.barrier"
    barrierId = opt_operand(I32)
    numberOfThreads = opt_operand(I32)
    aligned = prop(BoolAttrC, default=BoolAttr(True))

    @property
    def llvm_intrinsic(self) -> str:
        """`llvm.nvvm.barrier.cta.sync[.aligned].all(i32 id)`, or `.count(i32 id, i32 n)` with a
        thread count (id 0 when the op has none)."""
        a = self.properties.get("aligned")
        kind = "count" if self.numberOfThreads is not None else "all"
        return f"llvm.nvvm.barrier.cta.sync{'.aligned' if a is None or a.value else ''}.{kind}"

    @classmethod
    def build(cls, barrier_id: Value | None = None, number_of_threads: Value | None = None, *,
              aligned: bool = True, location: Any = None) -> BarrierOp:
        ops = [v for v in (barrier_id, number_of_threads) if v is not None]
        props = {"aligned": BoolAttr(aligned), "operandSegmentSizes": _segment_attr(
            [int(barrier_id is not None), int(number_of_threads is not None)])}
        return cls.create(ops, [], props, None, [], (), location)

    @classmethod
    def parse(cls, parser: Parser) -> BarrierOp:
        ops: list[Value] = []
        sizes = [0, 0]
        for i, kw in enumerate(("id", "number_of_threads")):
            if parser.parse_optional_keyword(kw):
                parser.expect("=")
                ops.append(parser.resolve_operand(parser.parse_operand(), i32))
                sizes[i] = 1
        props: dict[str, Any] = {"aligned": BoolAttr(True)}
        if parser.parse_optional_keyword("aligned"):
            parser.expect("=")
            pos = parser.skip_ws()
            kw = parser.parse_optional_keyword()
            if kw not in ("true", "false"):
                raise parser.error("expected 'true' or 'false'", pos)
            props["aligned"] = BoolAttr(kw == "true")
        attrs = parser.parse_optional_attr_dict()
        for k in ("aligned", "operandSegmentSizes"):
            if k in attrs:
                props[k] = attrs.pop(k)
        props["operandSegmentSizes"] = _segment_attr(sizes)
        return cls.create(ops, [], props, attrs)

    def print(self, printer: Printer) -> None:
        if self.barrierId is not None:
            printer.write(" id = " + printer.value_name(self.barrierId))
        if self.numberOfThreads is not None:
            printer.write(" number_of_threads = " + printer.value_name(self.numberOfThreads))
        a = self.properties.get("aligned")
        if a is not None and not a.value:
            printer.write(" aligned = false")
        printer.print_optional_attr_dict(self.attributes)


class BarrierArriveOp(Op):
    """Arrives at barrier `id` (default 0) without waiting, counting toward its
    `number_of_threads` (PTX `bar.arrive`).

    ```mlir
    nvvm.barrier.arrive id = %id number_of_threads = %n
    ```
    """

    name = "nvvm.barrier.arrive"
    barrierId = opt_operand(I32)
    numberOfThreads = operand(I32)
    aligned = prop(BoolAttrC, default=BoolAttr(True))
    assembly_format = ("(`id` `=` $barrierId^)? `number_of_threads` `=` $numberOfThreads "
                       "(`aligned` `=` $aligned^)? attr-dict")

    @property
    def llvm_intrinsic(self) -> str:
        """`llvm.nvvm.barrier.cta.arrive[.aligned].count(i32 id, i32 n)` (id 0 when the op has none)."""
        a = self.properties.get("aligned")
        return f"llvm.nvvm.barrier.cta.arrive{'.aligned' if a is None or a.value else ''}.count"


class BarWarpSyncOp(Op):
    """Waits until the threads of `mask` in the warp reach it (PTX `bar.warp.sync`).

    ```mlir
    nvvm.bar.warp.sync %mask : i32
    ```
    """

    name = "nvvm.bar.warp.sync"
    mask = operand(I32)
    assembly_format = "$mask attr-dict `:` type($mask)"
    llvm_intrinsic = "llvm.nvvm.bar.warp.sync"


class _ClusterBarrierOp(Op):
    aligned = opt_prop(UnitAttrC)
    assembly_format = "(`aligned` $aligned^)? attr-dict"
    INTRINSIC = ""

    @property
    def llvm_intrinsic(self) -> str:
        """The intrinsic, with `.aligned` when the op is."""
        return self.INTRINSIC + (".aligned" if "aligned" in self.properties else "")


class ClusterArriveOp(_ClusterBarrierOp):
    """Arrives at the cluster barrier, ordering earlier memory accesses (PTX
    `barrier.cluster.arrive`, sm_90).

    ```mlir
    nvvm.cluster.arrive
    ```
    """

    name = "nvvm.cluster.arrive"
    INTRINSIC = "llvm.nvvm.barrier.cluster.arrive"


class ClusterArriveRelaxedOp(_ClusterBarrierOp):
    """Arrives at the cluster barrier without ordering memory accesses (PTX
    `barrier.cluster.arrive.relaxed`, sm_90).

    ```mlir
    nvvm.cluster.arrive.relaxed aligned
    ```
    """

    name = "nvvm.cluster.arrive.relaxed"
    INTRINSIC = "llvm.nvvm.barrier.cluster.arrive.relaxed"


class ClusterWaitOp(_ClusterBarrierOp):
    """Waits until every thread of the cluster has arrived (PTX `barrier.cluster.wait`, sm_90).

    ```mlir
    nvvm.cluster.wait
    ```
    """

    name = "nvvm.cluster.wait"
    INTRINSIC = "llvm.nvvm.barrier.cluster.wait"


class FenceScClusterOp(Op):
    """A sequentially consistent fence at cluster scope (PTX `fence.sc.cluster`, sm_90).

    ```mlir
    nvvm.fence.sc.cluster
    ```
    """

    name = "nvvm.fence.sc.cluster"
    assembly_format = "attr-dict"
    llvm_intrinsic = "llvm.nvvm.fence.sc.cluster"


# -- warp-level primitives ------------------------------------------------------------------


class ShflSyncOp(Op):
    """Exchanges `val` between the threads of `thread_mask` in a warp (PTX `shfl.sync`):
    `bfly` (xor), `up`, `down`, `idx` by `offset`, within segments given by `mask_and_clamp`.
    With `return_value_and_is_valid` the result is `!llvm.struct<(T, i1)>`, the i1 telling
    whether the source lane was in range.

    ```mlir
    %r = nvvm.shfl.sync bfly %mask, %v, %offset, %c31 : f32 -> f32
    ```
    """

    name = "nvvm.shfl.sync"
    thread_mask = operand(I32)
    val = operand(AnyType)
    offset = operand(I32)
    mask_and_clamp = operand(I32)
    kind = prop(ShflKind)
    return_value_and_is_valid = opt_prop(UnitAttrC)
    res = result(AnyType)
    assembly_format = ("$kind $thread_mask `,` $val `,` $offset `,` $mask_and_clamp "
                       "(`return_value_and_is_valid` $return_value_and_is_valid^)? attr-dict `:` type($val) `->` "
                       "type($res)")

    @classmethod
    def build(cls, kind: str, thread_mask: Value, val: Value, offset: Value, mask_and_clamp: Value, *,
              with_valid: bool = False, location: Any = None) -> ShflSyncOp:
        """`kind` one of bfly/up/down/idx; `with_valid` returns `!llvm.struct<(T, i1)>`."""
        t = LLVMStructType.literal([val.type, i1]) if with_valid else val.type
        return cls(thread_mask, val, offset, mask_and_clamp, kind=ShflKindAttr(SHFL_KINDS[kind]),
                   return_value_and_is_valid=UnitAttr() if with_valid else None, result_types=[t],
                   location=location)

    @property
    def llvm_intrinsic(self) -> str:
        """`llvm.nvvm.shfl.sync.<kind>.<i32|f32>[p]` (`p`: the struct with the validity bit)."""
        t = self.val.type
        suffix = "f32" if isinstance(t, FloatType) else "i32"
        return f"llvm.nvvm.shfl.sync.{self.kind.case_names[0]}.{suffix}{'p' if self.return_value_and_is_valid else ''}"

    def verify_(self) -> str | None:
        vt, t = self.val.type, self.res.type
        if self.return_value_and_is_valid is None:
            if t is not vt:
                return f"expected return type to be of type '{vt}' but got '{t}' instead"
            return None
        body = getattr(t, "body", None)
        if not isinstance(t, LLVMStructType) or body is None or len(body) != 2:
            return "expected return type to be a two-element struct"
        if body[0] is not vt:
            return f"expected first element in the returned struct to be of type '{vt}' but got '{body[0]}' instead"
        if body[1] is not i1:
            return f"expected second element in the returned struct to be of type 'i1' but got '{body[1]}' instead"
        return None


class VoteSyncOp(Op):
    """A warp vote over `pred` among the threads of `mask` (PTX `vote.sync`): `ballot` gives
    the i32 bitmask of threads whose predicate holds; `any`, `all`, `uni` give an i1.

    ```mlir
    %b = nvvm.vote.sync ballot %mask, %pred -> i32
    ```
    """

    name = "nvvm.vote.sync"
    mask = operand(I32)
    pred = operand(I1)
    kind = prop(VoteSyncKind)
    res = result(AnyInteger)
    assembly_format = "$kind $mask `,` $pred attr-dict `->` type($res)"

    @classmethod
    def build(cls, kind: str, mask: Value, pred: Value, *, location: Any = None) -> VoteSyncOp:
        return cls(mask, pred, kind=VoteSyncKindAttr(VOTE_SYNC_KINDS[kind]),
                   result_types=[i32 if kind == "ballot" else i1], location=location)

    @property
    def llvm_intrinsic(self) -> str:
        """`llvm.nvvm.vote.<kind>.sync(i32 mask, i1 pred)`."""
        return f"llvm.nvvm.vote.{self.kind.case_names[0]}.sync"

    def verify_(self) -> str | None:
        ballot = self.kind.case_names[0] == "ballot"
        if ballot and self.res.type is not i32:
            return "vote.sync 'ballot' returns an i32"
        if not ballot and self.res.type is not i1:
            return "vote.sync 'any', 'all' and 'uni' returns an i1"
        return None


class ReduxSyncOp(Op):
    """Reduces `val` across the threads of `mask_and_clamp` in a warp (PTX `redux.sync`, sm_80+).

    ```mlir
    %r = nvvm.redux.sync add %v, %mask : i32 -> i32
    ```
    """

    name = "nvvm.redux.sync"
    val = operand(AnyType)
    mask_and_clamp = operand(I32)
    kind = prop(ReductionKind)
    abs = prop(BoolAttrC, default=BoolAttr(False))
    nan = prop(BoolAttrC, default=BoolAttr(False))
    res = result(AnyType)
    assembly_format = ("$kind $val `,` $mask_and_clamp (`abs` `=` $abs^)? (`nan` `=` $nan^)? attr-dict `:` "
                       "type($val) `->` type($res)")

    @classmethod
    def build(cls, kind: str, val: Value, mask_and_clamp: Value, *, location: Any = None) -> ReduxSyncOp:
        return cls(val, mask_and_clamp, kind=ReductionKindAttr(REDUCTION_KINDS[kind]), result_types=[val.type],
                   location=location)

    @property
    def llvm_intrinsic(self) -> str:
        """`llvm.nvvm.redux.sync.<kind>(i32 value, i32 mask)` (integer kinds)."""
        return f"llvm.nvvm.redux.sync.{self.kind.case_names[0]}"


OPS = SPECIAL_REGISTER_OPS + [BarrierOp, BarrierArriveOp, BarWarpSyncOp, ClusterArriveOp, ClusterArriveRelaxedOp,
                              ClusterWaitOp, FenceScClusterOp, ShflSyncOp, VoteSyncOp, ReduxSyncOp]
