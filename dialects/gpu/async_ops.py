"""gpu ops the host runs on device memory, in order or asynchronously: gpu.alloc, gpu.dealloc,
gpu.memcpy, gpu.memset and gpu.wait.

Each takes a list of `!gpu.async.token` dependencies (`[%t0, %t1]`) and, with the
`async` keyword, returns a token of its own instead of blocking the host
(upstream's GPU_AsyncOpInterface and its `custom<AsyncDependencies>` syntax).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.gpu.attributes import ASYNC_TOKEN, AsyncToken, AsyncTokens
from mlir_py.dialects.memref.layout import is_identity_layout
from mlir_py.dialects.memref.ops import check_dynamic_count

from mlir_py.builtin.constraints import AnyMemRef, Index, UnitAttrC
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, opt_prop, opt_result, result, var_operand
from mlir_py.definition.opdef import operand as operand_
from mlir_py.definition.traits import Allocate, Free, MemoryEffects, OpAsmOpInterface, Read, Write
from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.builtin_types import MemRefType
from mlir_py.ir.operation import Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer


def parse_async_dependencies(parser: Parser) -> tuple[list, list]:
    """`async`? (`[` %deps `]`)?: ([token type] or [], unresolved dependencies)."""
    token = [ASYNC_TOKEN] if parser.parse_optional_keyword("async") else []
    deps = parser.parse_operand_list("[") if parser.peek("[") else []
    return token, deps


def print_async_dependencies(printer: Printer, token_types: Sequence[Any], deps: Sequence[Value]) -> None:
    """Upstream's printAsyncDependencies: `async`, then ` [%a, %b]` when there are dependencies."""
    if token_types:
        printer.write("async")
    if not deps:
        return
    if token_types:
        printer.write(" ")
    printer.write("[" + ", ".join(printer.value_name(v) for v in deps) + "]")


class AsyncOp(Op):
    """Base of the ops with `custom<AsyncDependencies>` in their format: the directive's parser
    and printer, and `is_async`."""

    @classmethod
    def parse_AsyncDependencies(cls, parser: Parser) -> tuple[list, list]:
        return parse_async_dependencies(parser)

    def print_AsyncDependencies(self, printer: Printer, token_types: Sequence[Any], deps: Sequence[Value]) -> None:
        print_async_dependencies(printer, token_types, deps)

    @property
    def is_async(self) -> bool:
        return bool(self.results) and self.results[-1].type is ASYNC_TOKEN


def _async_props_and_types(async_: bool) -> list:
    return [ASYNC_TOKEN] if async_ else []


class AllocOp(AsyncOp):
    """Allocates device memory of the result type (one `index` per `?`, then the layout's symbols),
    like `memref.alloc`; `host_shared` memory is visible to host and device.

    ```mlir
    %memref, %asyncToken = gpu.alloc async [%dep] host_shared (%width) : memref<64x?xf32, 1>
    ```
    """

    name = "gpu.alloc"
    traits = [OpAsmOpInterface, MemoryEffects(Allocate("memref"))]
    asyncDependencies = var_operand(AsyncTokens)
    dynamicSizes = var_operand(Index)
    symbolOperands = var_operand(Index)
    hostShared = opt_prop(UnitAttrC)
    memref = result(AnyMemRef)
    asyncToken = opt_result(AsyncToken)
    assembly_format = ("custom<AsyncDependencies>(type($asyncToken), $asyncDependencies) "
                       "(` ` `host_shared` $hostShared^)? ` ` `(` $dynamicSizes `)` (`` `[` $symbolOperands^ `]`)? "
                       "attr-dict `:` type($memref)")

    @classmethod
    def build(cls, memref_type: MemRefType, dynamic_sizes: Sequence[Value] = (), *, deps: Sequence[Value] = (),
              async_: bool = False, host_shared: bool = False, location: Any = None) -> AllocOp:
        """`gpu.alloc [async [deps]] (sizes) : memref_type`."""
        return cls(list(deps), list(dynamic_sizes), [], hostShared=UnitAttr() if host_shared else None,
                   result_types=[memref_type] + _async_props_and_types(async_), location=location)

    def get_asm_result_name(self) -> dict[int, str]:
        return {0: "memref", 1: "asyncToken"} if len(self.results) > 1 else {0: "memref"}

    def verify_(self) -> str | None:
        t = self.memref.type
        if not isinstance(t, MemRefType):
            return None
        err = check_dynamic_count(t, len(self.dynamicSizes))
        if err:
            return err
        layout = getattr(getattr(t, "layout", None), "value", None)
        nsym = 0 if is_identity_layout(t) else getattr(layout, "num_symbols", 0)
        if len(self.symbolOperands) != nsym:
            return "symbol operand count does not equal memref symbol count"
        return None


class DeallocOp(AsyncOp):
    """Frees memory allocated by `gpu.alloc`.

    ```mlir
    %token = gpu.dealloc async [%dep] %memref : memref<8x64xf32, 1>
    ```
    """

    name = "gpu.dealloc"
    traits = [MemoryEffects(Free("memref"))]
    asyncDependencies = var_operand(AsyncTokens)
    memref = operand_(AnyMemRef)
    asyncToken = opt_result(AsyncToken)
    assembly_format = "custom<AsyncDependencies>(type($asyncToken), $asyncDependencies) $memref attr-dict `:` " \
                      "type($memref)"

    @classmethod
    def build(cls, memref: Value, *, deps: Sequence[Value] = (), async_: bool = False,
              location: Any = None) -> DeallocOp:
        return cls(list(deps), memref, result_types=_async_props_and_types(async_), location=location)


class MemcpyOp(AsyncOp):
    """Copies the contents of `src` into `dst` (same element type and shape; either may be on
    the host or the device).

    ```mlir
    %token = gpu.memcpy async [%dep] %dst, %src : memref<?xf32, 1>, memref<?xf32>
    ```
    """

    name = "gpu.memcpy"
    traits = [MemoryEffects(Write("dst"), Read("src"))]
    asyncDependencies = var_operand(AsyncTokens)
    dst = operand_(AnyMemRef)
    src = operand_(AnyMemRef)
    asyncToken = opt_result(AsyncToken)
    assembly_format = ("custom<AsyncDependencies>(type($asyncToken), $asyncDependencies) $dst`,` $src attr-dict "
                       "`:` type($dst)`,` type($src)")

    @classmethod
    def build(cls, dst: Value, src: Value, *, deps: Sequence[Value] = (), async_: bool = False,
              location: Any = None) -> MemcpyOp:
        return cls(list(deps), dst, src, result_types=_async_props_and_types(async_), location=location)

    def verify_(self) -> str | None:
        s, d = self.src.type, self.dst.type
        if getattr(s, "element_type", None) is not getattr(d, "element_type", None):
            return "arguments have incompatible element type"
        if getattr(s, "shape", None) != getattr(d, "shape", None):
            return "arguments have incompatible shape"
        return None


class MemsetOp(AsyncOp):
    """Sets every element of `dst` to `value` (of the element type).

    ```mlir
    %token = gpu.memset async [%dep] %dst, %value : memref<?xf32, 1>, f32
    ```
    """

    name = "gpu.memset"
    traits = [MemoryEffects(Write("dst"))]
    asyncDependencies = var_operand(AsyncTokens)
    dst = operand_(AnyMemRef)
    value = operand_(AnyType)
    asyncToken = opt_result(AsyncToken)
    assembly_format = ("custom<AsyncDependencies>(type($asyncToken), $asyncDependencies) $dst`,` $value attr-dict "
                       "`:` type($dst)`,` type($value)")

    @classmethod
    def build(cls, dst: Value, value: Value, *, deps: Sequence[Value] = (), async_: bool = False,
              location: Any = None) -> MemsetOp:
        return cls(list(deps), dst, value, result_types=_async_props_and_types(async_), location=location)

    def verify_(self) -> str | None:
        if getattr(self.dst.type, "element_type", None) is not self.value.type:
            return "failed to verify that all of {dst, value} have same element type"
        return None


class WaitOp(AsyncOp):
    """Waits for its dependencies: without `async` the host blocks until they have completed;
    with `async` it returns one token that stands for all of them.

    ```mlir
    %t = gpu.wait async [%t0, %t1]
    gpu.wait [%t]
    ```
    """

    name = "gpu.wait"
    asyncDependencies = var_operand(AsyncTokens)
    asyncToken = opt_result(AsyncToken)
    assembly_format = "custom<AsyncDependencies>(type($asyncToken), $asyncDependencies) attr-dict"

    @classmethod
    def get_canonicalization_patterns(cls) -> list:
        from mlir_py.dialects.gpu.canonicalize import WAIT_PATTERNS
        return WAIT_PATTERNS

    @classmethod
    def build(cls, deps: Sequence[Value] = (), *, async_: bool = False, location: Any = None) -> WaitOp:
        return cls(list(deps), result_types=_async_props_and_types(async_), location=location)


OPS = [AllocOp, DeallocOp, MemcpyOp, MemsetOp, WaitOp]
