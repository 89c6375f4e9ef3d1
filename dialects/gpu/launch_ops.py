"""Launching kernels: gpu.launch (the kernel body inline, in a region), its gpu.terminator, and
gpu.launch_func (a `gpu.func` kernel of a `gpu.module`, by symbol).

A `gpu.launch` body's entry block takes 12 `index` values - block ids, thread ids, grid size
and block size, each x/y/z - then 6 more (cluster ids and sizes) when clusters are given, then
the workgroup and private memory attributions. gpu-kernel-outlining turns the body into a
`gpu.func` and the op into `gpu.launch_func`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

from mlir_py.dialects.gpu.async_ops import AsyncOp, parse_async_dependencies, print_async_dependencies
from mlir_py.dialects.gpu.attributes import ASYNC_TOKEN, PRIVATE, WORKGROUP, AsyncToken, AsyncTokens
from mlir_py.dialects.gpu.module_ops import (
    I64,
    GPUFuncOp,
    GPUModuleOp,
    NonNegI64Attr,
    parse_attributions,
    print_attributions,
    verify_attributions,
)

from mlir_py.analysis.symbols import lookup_symbol_in
from mlir_py.builtin.constraints import FlatSymbolRef, Index, SymbolRef, UnitAttrC
from mlir_py.definition.constraints import AnyOf, AnyType, EqAttr
from mlir_py.definition.opdef import (
    Op,
    _segment_attr,
    operand,
    opt_operand,
    opt_prop,
    opt_result,
    prop,
    region,
    var_operand,
)
from mlir_py.definition.traits import (
    AffineScope,
    AutomaticAllocationScope,
    HasParent,
    Pure,
    RecursiveMemoryEffects,
    SymbolUserOpInterface,
    Terminator,
)
from mlir_py.ir.builtin_attributes import IntegerAttr, SymbolRefAttr, UnitAttr
from mlir_py.ir.builtin_types import i32, index
from mlir_py.ir.operation import Block, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

LaunchIndex = AnyOf(Index, EqAttr(i32), EqAttr(I64), description="index or 32-bit or 64-bit signless integer")
I32C = EqAttr(i32)
#: block arguments of a gpu.launch body before the attributions, without and with clusters
NUM_CONFIG_ARGS = 12
NUM_CONFIG_ARGS_WITH_CLUSTERS = 18


class KernelDim3(NamedTuple):
    """Three values, one per dimension (upstream's KernelDim3)."""

    x: Value
    y: Value
    z: Value


def _dim3(values: Sequence[Value]) -> KernelDim3:
    x, y, z = values
    return KernelDim3(x, y, z)


def _parse_async_prefix(parser: Parser) -> tuple[list, list[Value], list[Value]]:
    """What both launch ops start with: `async [deps]` and a `<%stream : type>` async object,
    as (token result types, dependencies, [object] or [])."""
    token, deps_u = parse_async_dependencies(parser)
    deps = parser.resolve_operands(deps_u, ASYNC_TOKEN)
    async_obj: list[Value] = []
    if parser.parse_optional("<"):
        u = parser.parse_operand()
        parser.expect(":")
        async_obj = [parser.resolve_operand(u, parser.parse_type())]
        parser.expect(">")
    return token, deps, async_obj


class _LaunchSizes:
    """The size operands both launch ops have (upstream's getGridSizeOperandValues ...)."""

    __slots__ = ()
    gridSizeX: Value
    gridSizeY: Value
    gridSizeZ: Value
    blockSizeX: Value
    blockSizeY: Value
    blockSizeZ: Value
    clusterSizeX: Value | None
    clusterSizeY: Value | None
    clusterSizeZ: Value | None

    @property
    def has_cluster_size(self) -> bool:
        return self.clusterSizeX is not None

    @property
    def grid_size_operands(self) -> KernelDim3:
        return KernelDim3(self.gridSizeX, self.gridSizeY, self.gridSizeZ)

    @property
    def block_size_operands(self) -> KernelDim3:
        return KernelDim3(self.blockSizeX, self.blockSizeY, self.blockSizeZ)

    @property
    def cluster_size_operands(self) -> KernelDim3 | None:
        if self.clusterSizeX is None or self.clusterSizeY is None or self.clusterSizeZ is None:
            return None
        return KernelDim3(self.clusterSizeX, self.clusterSizeY, self.clusterSizeZ)


# -- gpu.launch -------------------------------------------------------------------------------


class LaunchOp(_LaunchSizes, Op):
    """Runs its body on a grid of thread blocks: `blocks(...) in (... = grid sizes)` and
    `threads(...) in (... = block sizes)` name the ids and sizes the body sees. With `async` it
    returns a token and waits on `[deps]` first; `dynamic_shared_memory_size` (i32 bytes) adds
    workgroup memory; `workgroup(...)`/`private(...)` declare memory attributions.

    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
      gpu.terminator
    }
    ```
    """

    name = "gpu.launch"
    traits = [AffineScope, AutomaticAllocationScope, RecursiveMemoryEffects]
    asyncDependencies = var_operand(AsyncTokens)
    gridSizeX = operand(Index)
    gridSizeY = operand(Index)
    gridSizeZ = operand(Index)
    blockSizeX = operand(Index)
    blockSizeY = operand(Index)
    blockSizeZ = operand(Index)
    clusterSizeX = opt_operand(Index)
    clusterSizeY = opt_operand(Index)
    clusterSizeZ = opt_operand(Index)
    dynamicSharedMemorySize = opt_operand(I32C)
    asyncObject = opt_operand(AnyType)
    cooperative = opt_prop(UnitAttrC)
    module = opt_prop(FlatSymbolRef)
    function = opt_prop(FlatSymbolRef)
    workgroup_attributions = opt_prop(NonNegI64Attr)
    asyncToken = opt_result(AsyncToken)
    body = region()

    @classmethod
    def build(cls, grid_size: Sequence[Value], block_size: Sequence[Value], *,
              cluster_size: Sequence[Value] | None = None, dynamic_shared_memory_size: Value | None = None,
              deps: Sequence[Value] = (), async_: bool = False, workgroup: Sequence[Any] = (),
              private: Sequence[Any] = (), location: Any = None) -> LaunchOp:
        """A launch whose body block has the 12 (18 with clusters) index arguments, then one per
        `workgroup` and `private` memref type. The body is left empty: the caller adds the
        kernel's ops and ends it with `gpu.terminator` (`TerminatorOp()`)."""
        grid, block = list(grid_size), list(block_size)
        clusters = list(cluster_size) if cluster_size is not None else []
        if len(grid) != 3 or len(block) != 3 or len(clusters) not in (0, 3):
            raise ValueError("gpu.launch takes three grid sizes, three block sizes and zero or three cluster sizes")
        dyn = [dynamic_shared_memory_size] if dynamic_shared_memory_size is not None else []
        deps = list(deps)
        nconfig = NUM_CONFIG_ARGS_WITH_CLUSTERS if clusters else NUM_CONFIG_ARGS
        body = Block([index] * nconfig + list(workgroup) + list(private))
        props: dict[str, Any] = {"operandSegmentSizes": _segment_attr(
            [len(deps), 1, 1, 1, 1, 1, 1] + [1 if clusters else 0] * 3 + [len(dyn), 0])}
        if workgroup:
            props["workgroup_attributions"] = IntegerAttr(len(workgroup), I64)
        return cls.create(deps + grid + block + clusters + dyn, [ASYNC_TOKEN] if async_ else [], props, None,
                          [Region([body])], (), location)

    # -- accessors --------------------------------------------------------------------

    @property
    def entry_block(self) -> Block:
        b = self.body.first_block
        assert b is not None
        return b

    @property
    def block_ids(self) -> KernelDim3:
        return _dim3(self.entry_block.args[0:3])

    @property
    def thread_ids(self) -> KernelDim3:
        return _dim3(self.entry_block.args[3:6])

    @property
    def grid_size(self) -> KernelDim3:
        """The body's grid-size arguments (`%gx` in `in (%gx = %n, ...)`)."""
        return _dim3(self.entry_block.args[6:9])

    @property
    def block_size(self) -> KernelDim3:
        return _dim3(self.entry_block.args[9:12])

    @property
    def cluster_ids(self) -> KernelDim3 | None:
        return _dim3(self.entry_block.args[12:15]) if self.has_cluster_size else None

    @property
    def cluster_size(self) -> KernelDim3 | None:
        return _dim3(self.entry_block.args[15:18]) if self.has_cluster_size else None

    @property
    def num_config_args(self) -> int:
        return NUM_CONFIG_ARGS_WITH_CLUSTERS if self.has_cluster_size else NUM_CONFIG_ARGS

    @property
    def num_workgroup_attributions(self) -> int:
        a = self.properties.get("workgroup_attributions")
        return a.value if a is not None else 0

    @property
    def workgroup_attributions_values(self) -> list[Value]:
        n = self.num_config_args
        return list(self.entry_block.args[n:n + self.num_workgroup_attributions])

    @property
    def private_attributions(self) -> list[Value]:
        return list(self.entry_block.args[self.num_config_args + self.num_workgroup_attributions:])

    # -- syntax ------------------------------------------------------------------------

    @classmethod
    def parse(cls, parser: Parser) -> LaunchOp:
        token, deps, async_obj = _parse_async_prefix(parser)

        def size_assignment(keyword: str) -> tuple[list, list, list]:
            parser.parse_keyword(keyword)
            ids = parser.parse_operand_list("(")
            if len(ids) != 3:
                raise parser.error(f"expected 3 {keyword} identifiers", parser.pos)
            parser.parse_keyword("in")
            parser.expect("(")
            sizes, operands = [], []
            for i in range(3):
                if i:
                    parser.expect(",")
                sizes.append(parser.parse_operand())
                parser.expect("=")
                operands.append(parser.parse_operand())
            parser.expect(")")
            return ids, sizes, parser.resolve_operands(operands, index)

        clusters: tuple[list, list, list] | None = None
        if parser.peek_keyword() == "clusters":
            clusters = size_assignment("clusters")
        b_ids, b_sizes, grid = size_assignment("blocks")
        t_ids, t_sizes, block = size_assignment("threads")
        dyn: list[Value] = []
        if parser.parse_optional_keyword("dynamic_shared_memory_size"):
            dyn = [parser.resolve_operand(parser.parse_operand(), i32)]
        props: dict[str, Any] = {}
        for key in ("module", "function"):
            if parser.parse_optional_keyword(key):
                parser.expect("(")
                props[key] = SymbolRefAttr(parser.parse_symbol_name(), ())
                parser.expect(")")
        if parser.parse_optional_keyword("cooperative"):
            props["cooperative"] = UnitAttr()
        wg, _ = parse_attributions(parser, "workgroup")
        pr, _ = parse_attributions(parser, "private")
        config = b_ids + t_ids + b_sizes + t_sizes
        if clusters is not None:
            config += clusters[0] + clusters[1]
        args = [(u, index, None) for u in config] + wg + pr
        body = parser.parse_region(args)
        attrs = parser.parse_optional_attr_dict()
        for k in ("operandSegmentSizes", "workgroup_attributions", "module", "function", "cooperative"):
            if k in attrs:
                props[k] = attrs.pop(k)
        if wg:
            props["workgroup_attributions"] = IntegerAttr(len(wg), I64)
        cl = clusters[2] if clusters is not None else []
        props["operandSegmentSizes"] = _segment_attr(
            [len(deps), 1, 1, 1, 1, 1, 1] + [1 if cl else 0] * 3 + [len(dyn), len(async_obj)])
        return cls.create(deps + grid + block + cl + dyn + async_obj, token, props, attrs, [body])

    def print(self, printer: Printer) -> None:
        w = printer.write
        name = printer.value_name
        if self.asyncToken is not None:
            w(" async")
            if self.asyncDependencies:
                w(" [" + ", ".join(name(v) for v in self.asyncDependencies) + "]")
        if self.asyncObject is not None:
            w(" <" + name(self.asyncObject) + " : ")
            printer.print_type(self.asyncObject.type)
            w(">")

        def size_assignment(keyword: str, ids: Sequence[Value], sizes: Sequence[Value], ops: Sequence[Value]) -> None:
            w(f" {keyword}(" + ", ".join(name(v) for v in ids) + ") in (")
            w(", ".join(f"{name(s)} = {name(o)}" for s, o in zip(sizes, ops)) + ")")

        if self.has_cluster_size:
            size_assignment("clusters", self.cluster_ids or (), self.cluster_size or (),
                            self.cluster_size_operands or ())
        size_assignment("blocks", self.block_ids, self.grid_size, self.grid_size_operands)
        size_assignment("threads", self.thread_ids, self.block_size, self.block_size_operands)
        if self.dynamicSharedMemorySize is not None:
            w(" dynamic_shared_memory_size " + name(self.dynamicSharedMemorySize))
        for key in ("module", "function"):
            ref = self.properties.get(key)
            if ref is not None:
                w(f" {key}(")
                printer.print_symbol_name(ref.value)
                w(")")
        if "cooperative" in self.properties:
            w(" cooperative")
        print_attributions(printer, "workgroup", self.workgroup_attributions_values)
        print_attributions(printer, "private", self.private_attributions)
        w(" ")
        printer.print_region(self.body, print_entry_block_args=False)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self) -> str | None:
        if self.body.is_empty():
            return "body region is empty"
        if not self.body.is_empty():
            want = self.num_config_args + self.num_workgroup_attributions
            if len(self.entry_block.args) < want:
                return f"expected at least {want} region arguments, but got {len(self.entry_block.args)}"
            err = verify_attributions(self, self.workgroup_attributions_values, WORKGROUP) or \
                verify_attributions(self, self.private_attributions, PRIVATE)
            if err:
                return err
        for block in self.body.blocks:
            last = block.last_op
            if last is None or last.successors:
                continue
            if not isinstance(last, TerminatorOp):
                d = last.emit_error("expected 'gpu.terminator' or a terminator with successors")
                d.attach_note("in 'gpu.launch' body region", self.location)
                return ""
        if not self.results and self.asyncDependencies:
            return "needs to be named when async keyword is specified"
        return None


class TerminatorOp(Op):
    """Ends a `gpu.launch` body: the work item is done.

    ```mlir
    gpu.terminator
    ```
    """

    name = "gpu.terminator"
    traits = [HasParent("gpu.launch"), Pure, Terminator]
    assembly_format = "attr-dict"


# -- gpu.launch_func ---------------------------------------------------------------------------


class LaunchFuncOp(_LaunchSizes, AsyncOp):
    """Launches the kernel `@module::@kernel` (a `gpu.func kernel` in a `gpu.module` of a
    `gpu.container_module` module) on a grid of `blocks` of `threads`, passing `args`. Sizes are
    `index`, or i32/i64 when a `: type` follows them.

    ```mlir
    %t = gpu.launch_func async [%t0] @kernels::@k blocks in (%n, %c1, %c1) threads in (%c32, %c1, %c1)
        args(%a : memref<?xf32>, %x : f32)
    ```
    """

    name = "gpu.launch_func"
    traits = [SymbolUserOpInterface]
    asyncDependencies = var_operand(AsyncTokens)
    kernel = prop(SymbolRef)
    gridSizeX = operand(LaunchIndex)
    gridSizeY = operand(LaunchIndex)
    gridSizeZ = operand(LaunchIndex)
    blockSizeX = operand(LaunchIndex)
    blockSizeY = operand(LaunchIndex)
    blockSizeZ = operand(LaunchIndex)
    clusterSizeX = opt_operand(LaunchIndex)
    clusterSizeY = opt_operand(LaunchIndex)
    clusterSizeZ = opt_operand(LaunchIndex)
    dynamicSharedMemorySize = opt_operand(I32C)
    cooperative = opt_prop(UnitAttrC)
    kernelOperands = var_operand(AnyType)
    asyncObject = opt_operand(AnyType)
    asyncToken = opt_result(AsyncToken)

    @classmethod
    def build(cls, kernel: SymbolRefAttr | GPUFuncOp | tuple[str, str], grid_size: Sequence[Value],
              block_size: Sequence[Value], args: Sequence[Value] = (), *,
              dynamic_shared_memory_size: Value | None = None, cluster_size: Sequence[Value] | None = None,
              deps: Sequence[Value] = (), async_: bool = False, location: Any = None) -> LaunchFuncOp:
        """`gpu.launch_func @module::@kernel blocks in grid threads in block args(...)`; `kernel` is
        the symbol, a (module name, kernel name) pair, or the `gpu.func` itself (inside its module)."""
        if isinstance(kernel, GPUFuncOp):
            mod = kernel.parent_op
            if not isinstance(mod, GPUModuleOp):
                raise ValueError("the kernel gpu.func must be inside a gpu.module")
            kernel = SymbolRefAttr(mod.sym_name_str, (kernel.sym_name_str,))
        elif isinstance(kernel, tuple):
            kernel = SymbolRefAttr(kernel[0], (kernel[1],))
        grid, block = list(grid_size), list(block_size)
        clusters = list(cluster_size) if cluster_size is not None else []
        if len(grid) != 3 or len(block) != 3 or len(clusters) not in (0, 3):
            raise ValueError("gpu.launch_func takes three grid sizes, three block sizes and zero or three "
                             "cluster sizes")
        dyn = [dynamic_shared_memory_size] if dynamic_shared_memory_size is not None else []
        deps, args = list(deps), list(args)
        props: dict[str, Any] = {"kernel": kernel, "operandSegmentSizes": _segment_attr(
            [len(deps), 1, 1, 1, 1, 1, 1] + [1 if clusters else 0] * 3 + [len(dyn), len(args), 0])}
        return cls.create(deps + grid + block + clusters + dyn + args, [ASYNC_TOKEN] if async_ else [], props,
                          None, [], (), location)

    @property
    def kernel_module_name(self) -> str:
        return self.properties["kernel"].root

    @property
    def kernel_name(self) -> str:
        return self.properties["kernel"].value

    @classmethod
    def parse(cls, parser: Parser) -> LaunchFuncOp:
        token, deps, async_obj = _parse_async_prefix(parser)
        kpos = parser.skip_ws()
        kernel = parser.parse_attribute()
        if not isinstance(kernel, SymbolRefAttr):
            raise parser.error("expected symbol reference for the kernel", kpos)

        def triple(keyword: str) -> list:
            parser.parse_keyword(keyword)
            parser.parse_keyword("in")
            us = parser.parse_operand_list("(")
            if len(us) != 3:
                raise parser.error(f"expected 3 {keyword} sizes", parser.pos)
            return us

        cl_u = triple("clusters") if parser.peek_keyword() == "clusters" else []
        grid_u = triple("blocks")
        block_u = triple("threads")
        dim_t: Any = index
        if parser.parse_optional(":"):
            dim_t = parser.parse_type()
        grid = parser.resolve_operands(grid_u, dim_t)
        block = parser.resolve_operands(block_u, dim_t)
        clusters = parser.resolve_operands(cl_u, dim_t)
        dyn: list[Value] = []
        if parser.parse_optional_keyword("dynamic_shared_memory_size"):
            dyn = [parser.resolve_operand(parser.parse_operand(), i32)]
        props: dict[str, Any] = {"kernel": kernel}
        if parser.parse_optional_keyword("cooperative"):
            props["cooperative"] = UnitAttr()
        args: list[Value] = []
        if parser.parse_optional_keyword("args"):
            parser.expect("(")
            if not parser.parse_optional(")"):
                while True:
                    u = parser.parse_operand()
                    parser.expect(":")
                    args.append(parser.resolve_operand(u, parser.parse_type()))
                    if not parser.parse_optional(","):
                        break
                parser.expect(")")
        attrs = parser.parse_optional_attr_dict()
        for k in ("kernel", "cooperative", "operandSegmentSizes"):
            if k in attrs:
                props[k] = attrs.pop(k)
        props["operandSegmentSizes"] = _segment_attr(
            [len(deps), 1, 1, 1, 1, 1, 1] + [1 if clusters else 0] * 3 + [len(dyn), len(args), len(async_obj)])
        return cls.create(deps + grid + block + clusters + dyn + args + async_obj, token, props, attrs)

    def print(self, printer: Printer) -> None:
        w = printer.write
        name = printer.value_name
        w(" ")
        print_async_dependencies(printer, [r.type for r in self.results], self.asyncDependencies)
        if self.asyncObject is not None:  # the format's `<` takes no space before it
            w("<" + name(self.asyncObject) + " : ")
            printer.print_type(self.asyncObject.type)
            w(">")
        w(" ")
        printer.print_attribute(self.properties["kernel"])
        if self.has_cluster_size:
            w(" clusters in (" + ", ".join(name(v) for v in (self.clusterSizeX, self.clusterSizeY,
                                                              self.clusterSizeZ) if v is not None) + ")")
        w(" blocks in (" + ", ".join(name(v) for v in self.grid_size_operands) + ")")
        w(" threads in (" + ", ".join(name(v) for v in self.block_size_operands) + ")")
        w(" ")
        t = self.gridSizeX.type
        if t is not index:
            w(": ")
            printer.print_type(t)
        if self.dynamicSharedMemorySize is not None:
            w(" dynamic_shared_memory_size " + name(self.dynamicSharedMemorySize))
        if "cooperative" in self.properties:
            w(" cooperative")
        w(" ")
        if self.kernelOperands:
            w("args(")
            for i, v in enumerate(self.kernelOperands):
                if i:
                    w(", ")
                w(name(v) + " : ")
                printer.print_type(v.type)
            w(")")
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self) -> str | None:
        sizes = [self.gridSizeX, self.gridSizeY, self.gridSizeZ, self.blockSizeX, self.blockSizeY, self.blockSizeZ]
        if any(v.type is not sizes[0].type for v in sizes):
            return ("failed to verify that all of {gridSizeX, gridSizeY, gridSizeZ, blockSizeX, blockSizeY, "
                    "blockSizeZ} have same type")
        if self.has_cluster_size:
            cl = [self.clusterSizeX, self.clusterSizeY, self.clusterSizeZ]
            if any(v is None or v.type is not cl[0].type for v in cl):  # type: ignore[union-attr]
                return "expects types of the cluster dimensions must be the same"
        if self.asyncObject is not None and (self.results or self.asyncDependencies):
            return "stream-based and dependency-based async models are mutually exclusive"
        module = self.parent_op
        while module is not None and module.name != "builtin.module":
            module = module.parent_op
        if module is None:
            return "expected to belong to a module"
        if "gpu.container_module" not in module.attributes:
            return "expected the closest surrounding module to have the 'gpu.container_module' attribute"
        return _verify_kernel(self, module)


def _verify_kernel(op: LaunchFuncOp, module: Any) -> str | None:
    """What upstream checks when verifying `gpu.container_module`: the kernel exists, is a
    kernel, and takes the operands given."""
    ref = op.properties["kernel"]
    container = lookup_symbol_in(module, ref.root)
    if container is None:
        return f"kernel container '{ref.root}' is undefined"
    if container.name == "gpu.binary":
        return None
    if not isinstance(container, GPUModuleOp):
        return f"kernel module '{ref.root}' is undefined"
    fn = lookup_symbol_in(module, ref)
    if fn is None:
        return f"kernel function '{ref}' is undefined"
    if not isinstance(fn, GPUFuncOp) and "function_type" not in fn.properties:
        d = op.emit_op_error(f"referenced kernel '{ref}' is not a function")
        d.attach_note("see the kernel definition here", fn.location)
        return ""
    if isinstance(fn, GPUFuncOp):
        if not fn.is_kernel:
            return "kernel function is missing the 'gpu.kernel' attribute"
    elif "gpu.kernel" not in fn.attributes:
        return "kernel function is missing the 'gpu.kernel' attribute"
    if not isinstance(fn, GPUFuncOp):
        return None
    inputs = fn.type.inputs
    if len(inputs) != len(op.kernelOperands):
        return f"got {len(op.kernelOperands)} kernel operands but expected {len(inputs)}"
    for i, (v, t) in enumerate(zip(op.kernelOperands, inputs)):
        if v.type is not t:
            return f"type of function argument {i} does not match"
    return None


OPS = [LaunchOp, TerminatorOp, LaunchFuncOp]
__all__ = ["KernelDim3", "LaunchFuncOp", "LaunchOp", "TerminatorOp"]
