"""memref ops that allocate, access and describe buffers.

alloc/alloca/realloc/dealloc, alloca_scope, load/store, copy, dim/rank,
global/get_global, prefetch, atomics, alignment and aliasing assumptions,
DMA and pointer extraction. View-producing ops are in `view_ops.py`.
Syntax, operand order and attribute names are upstream MLIR's (LLVM 22).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.memref.constraints import (
    AccessAlignment,
    AnyAttrC,
    AnyNon0RankedOrUnrankedMemRef,
    AnyRankedOrUnrankedMemRef,
    AnyStaticShapeMemRef,
    BoolAttrC,
    MemRefTypeAttr,
    Rank1MemRef,
    RankedMemRef,
    StrAttrC,
    SymbolNameAttr,
    UnitAttrC,
)
from mlir_py.dialects.memref.custom_directives import (
    has_symbol_table_ancestor,
    lookup_nearest_symbol,
    parse_access_hints,
    parse_global_type_and_initial_value,
    print_access_hints,
    print_global_type_and_initial_value,
)
from mlir_py.dialects.memref.layout import is_identity_layout

from mlir_py.builtin.constraints import FlatSymbolRef, Index
from mlir_py.definition.constraints import AnyType, as_constraint
from mlir_py.definition.opdef import (
    OPTIONAL,
    SINGLE,
    Op,
    PropDef,
    operand,
    opt_operand,
    opt_prop,
    prop,
    region,
    result,
    var_operand,
    var_result,
)
from mlir_py.definition.traits import (
    Allocate,
    AutomaticAllocationScope,
    Free,
    HasParent,
    MemoryEffects,
    NoMemoryEffect,
    OpAsmOpInterface,
    Pure,
    Read,
    RecursiveMemoryEffects,
    RegionBranchOpInterface,
    ReturnLike,
    SameOperandsElementType,
    SameOperandsShape,
    SingleBlockImplicitTerminator,
    Symbol,
    SymbolUserOpInterface,
    Terminator,
    TypesMatchWith,
    Write,
)
from mlir_py.ir.builtin_attributes import BoolAttr, IntegerAttr
from mlir_py.ir.builtin_types import MemRefType, index
from mlir_py.ir.operation import Block

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

#: resource of stack allocations (MLIR's AutomaticAllocationScopeResource)
AUTOMATIC_ALLOCATION_SCOPE = "AutomaticAllocationScope"


def element_type(t):
    """memref<...xT> -> T: the TypesMatchWith transform of load/store/atomics."""
    return t.element_type


def _inherent_attr(cls, key: str, constraint, *, optional: bool = False) -> None:
    """Declare an inherent attribute whose name cannot be a Python field
    (`name` is the op name): it gets no generated accessor, but the verifier,
    generic parser and assembly format know it."""
    d = cls.definition
    d.props[key] = PropDef(OPTIONAL if optional else SINGLE, as_constraint(constraint), name=key,
                           optional=optional)


# ----------------------------------------------------------------------------
# Allocation
# ----------------------------------------------------------------------------


def check_index_count(memref_type, n: int) -> str | None:
    """The shared rank check of load, store and atomic_rmw."""
    if n != memref_type.rank:
        return f"invalid number of indices for accessed memref, expected {memref_type.rank} but got {n}"
    return None


def check_dynamic_count(t, n: int) -> str | None:
    """verifyDynamicDimensionCount: one size operand per `?` of the type."""
    if n != t.num_dynamic_dims:
        return f"incorrect number of dynamic sizes, has {n}, expected {t.num_dynamic_dims}"
    return None


def _verify_alloc_like(op) -> str | None:
    t = op.memref.type
    err = check_dynamic_count(t, len(op.dynamic_sizes))
    if err:
        return err
    num_symbols = 0 if is_identity_layout(t) else getattr(getattr(t.layout, "value", None), "num_symbols", 0)
    if len(op.symbol_operands) != num_symbols:
        return (f"symbol operand count does not equal memref symbol count: expected {num_symbols}, "
                f"got {len(op.symbol_operands)}")
    return None


class AllocOp(Op):
    """Allocates a heap buffer of the result type: one `index` operand per `?`
    dimension, then in brackets one per symbol of the layout map.

    ```mlir
    %0 = memref.alloc(%d)[%s] alignment = 64 : memref<8x?xf32, affine_map<(d0, d1)[s0] -> (d0 + s0, d1)>>
    ```
    """

    name = "memref.alloc"
    traits = [OpAsmOpInterface, MemoryEffects(Allocate("memref"))]
    dynamic_sizes = var_operand(Index)
    symbol_operands = var_operand(Index)
    alignment = opt_prop(AccessAlignment)
    memref = result(RankedMemRef)
    assembly_format = ("`(`$dynamic_sizes`)` (`` `[` $symbol_operands^ `]`)? (`alignment` `=` $alignment^)? "
                       "attr-dict `:` type($memref)")

    def get_asm_result_name(self) -> str:
        return "alloc"

    def verify_(self):
        return _verify_alloc_like(self)


class AllocaOp(Op):
    """Allocates a stack buffer, released when control leaves the nearest
    enclosing op with the AutomaticAllocationScope trait (`func.func`,
    `memref.alloca_scope`); operands as for `memref.alloc`.

    ```mlir
    %0 = memref.alloca(%d) : memref<8x?xf32>
    ```
    """

    name = "memref.alloca"
    traits = [OpAsmOpInterface, MemoryEffects(Allocate("memref", AUTOMATIC_ALLOCATION_SCOPE))]
    dynamic_sizes = var_operand(Index)
    symbol_operands = var_operand(Index)
    alignment = opt_prop(AccessAlignment)
    memref = result(RankedMemRef)
    assembly_format = ("`(`$dynamic_sizes`)` (`` `[` $symbol_operands^ `]`)? (`alignment` `=` $alignment^)? "
                       "attr-dict `:` type($memref)")

    def get_asm_result_name(self) -> str:
        return "alloca"

    def verify_(self):
        p = self.parent_op
        while p is not None and not p.has_trait(AutomaticAllocationScope):
            p = p.parent_op
        if p is None:
            return "requires an ancestor op with AutomaticAllocationScope trait"
        return _verify_alloc_like(self)


class ReallocOp(Op):
    """Resizes a 1-D buffer, possibly moving it: the source is freed and the
    result allocated, keeping the data up to the smaller size.

    ```mlir
    %1 = memref.realloc %0(%n) alignment = 8 : memref<64xf32> to memref<?xf32>
    ```
    """

    name = "memref.realloc"
    traits = [MemoryEffects(Free("source"), Allocate("result"))]
    source = operand(Rank1MemRef)
    dynamic_result_size = opt_operand(Index)
    alignment = opt_prop(AccessAlignment)
    result = result(Rank1MemRef)
    assembly_format = ("$source (`(` $dynamic_result_size^ `)`)? (`alignment` `=` $alignment^)? attr-dict "
                       "`:` type($source) `to` type(results)")

    def verify_(self):
        src, res = self.source.type, self.result.type
        if not is_identity_layout(src):
            self.emit_error(f"unsupported layout for source memref type '{src}'")
            return ""
        if not is_identity_layout(res):
            self.emit_error(f"unsupported layout for result memref type '{res}'")
            return ""
        if src.memory_space is not res.memory_space:
            self.emit_error(f"different memory spaces specified for source memref type '{src}' and result "
                            f"memref type '{res}'")
            return ""
        if src.element_type is not res.element_type:
            self.emit_error(f"source element type ('{src.element_type}') does not match result element type "
                            f"('{res.element_type}')")
            return ""
        if res.num_dynamic_dims and self.dynamic_result_size is None:
            self.emit_error(f"missing dimension operand for result type '{res}'")
            return ""
        if not res.num_dynamic_dims and self.dynamic_result_size is not None:
            self.emit_error(f"unnecessary dimension operand for result type '{res}'")
            return ""
        return None


class DeallocOp(Op):
    """Frees a buffer obtained from `memref.alloc`.

    ```mlir
    memref.dealloc %0 : memref<8x64xf32>
    ```
    """

    name = "memref.dealloc"
    traits = [MemoryEffects(Free("memref"))]
    memref = operand(AnyRankedOrUnrankedMemRef)
    assembly_format = "$memref attr-dict `:` type($memref)"


class AllocaScopeOp(Op):
    """An explicit scope for `memref.alloca`: stack buffers allocated in the
    body are released when control leaves it. Results are what the body's
    `memref.alloca_scope.return` yields; a result-less return may be omitted.

    ```mlir
    %r = memref.alloca_scope -> (f32) {
      %buf = memref.alloca() : memref<4xf32>
      %v = memref.load %buf[%c0] : memref<4xf32>
      memref.alloca_scope.return %v : f32
    }
    ```
    """

    name = "memref.alloca_scope"
    traits = [AutomaticAllocationScope, RegionBranchOpInterface,
              SingleBlockImplicitTerminator("memref.alloca_scope.return"), RecursiveMemoryEffects]
    outputs = var_result(AnyType)
    body_region = region()

    @classmethod
    def parse(cls, parser: Parser) -> AllocaScopeOp:
        types = parser.parse_arrow_type_list() if parser.peek("->") else []
        body = parser.parse_region()
        if body.is_empty():
            body.append(Block())
        attrs = parser.parse_optional_attr_dict()
        op = cls.create(result_types=types, attributes=attrs, regions=[body])
        last = body.first_block.last_op
        if last is None or not last.has_trait(Terminator):
            body.first_block.append(AllocaScopeReturnOp.create())
        return op

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        if self.results:
            printer.write(" -> (")
            printer.print_types(r.type for r in self.results)
            printer.write(")")
        printer.write(" ")
        printer.print_region(self.body_region, print_entry_block_args=False,
                             print_block_terminators=bool(self.results))
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self):
        b = self.body_region.first_block
        if b is None:
            return "expects a non-empty region"
        if b.args:
            return "requires zero region arguments"
        term = b.last_op
        if term is not None and term.has_trait(Terminator):
            n, m = len(term.operands), len(self.results)
            if n != m:
                return (f"along control flow edge from Region #0 to parent results: source has {n} operands, "
                        f"but target successor needs {m}")
            for i, (v, r) in enumerate(zip(term.operands, self.results)):
                if v.type is not r.type:
                    return (f"along control flow edge from Region #0 to parent results: source type #{i} "
                            f"{v.type} should match input type #{i} {r.type}")
        return None


class AllocaScopeReturnOp(Op):
    """Terminates a `memref.alloca_scope` body and yields its results.

    ```mlir
    memref.alloca_scope.return %v : f32
    ```
    """

    name = "memref.alloca_scope.return"
    traits = [HasParent("memref.alloca_scope"), Pure, ReturnLike, Terminator]
    values = var_operand(AnyType)
    assembly_format = "attr-dict ($values^ `:` type($values))?"


# ----------------------------------------------------------------------------
# Element access
# ----------------------------------------------------------------------------



class LoadOp(Op):
    """Reads the element at the given indices (one `index` per dimension); the
    result has the memref's element type. `nontemporal` and `alignment` are
    hints for the LLVM lowering.

    ```mlir
    %v = memref.load %m[%i, %j] alignment(16) nontemporal(true) : memref<4x4xf32>
    ```
    """

    name = "memref.load"
    traits = [TypesMatchWith("memref", "result", element_type, "result type matches element type of 'memref'"),
              MemoryEffects(Read("memref"))]
    memref = operand(RankedMemRef)
    indices = var_operand(Index)
    nontemporal = opt_prop(BoolAttrC, default=BoolAttr(False))
    alignment = opt_prop(AccessAlignment)
    result = result(AnyType)
    assembly_format = ("$memref `[` $indices `]` `` custom<AccessHints>($alignment, $nontemporal) attr-dict "
                       "`:` type($memref)")
    parse_AccessHints = classmethod(lambda cls, parser: parse_access_hints(parser))  # noqa: N815 (directive name)
    print_AccessHints = staticmethod(print_access_hints)  # noqa: N815

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[0].type.element_type]

    def verify_(self):
        return check_index_count(self._operands[0].value.type, len(self._operands) - 1)


class StoreOp(Op):
    """Writes `value` (of the memref's element type) at the given indices.

    ```mlir
    memref.store %v, %m[%i, %j] : memref<4x4xf32>
    ```
    """

    name = "memref.store"
    traits = [TypesMatchWith("memref", "value", element_type, "type of 'value' matches element type of 'memref'"),
              MemoryEffects(Write("memref"))]
    value = operand(AnyType)
    memref = operand(RankedMemRef)
    indices = var_operand(Index)
    nontemporal = opt_prop(BoolAttrC, default=BoolAttr(False))
    alignment = opt_prop(AccessAlignment)
    assembly_format = ("$value `,` $memref `[` $indices `]` `` custom<AccessHints>($alignment, $nontemporal) attr-dict "
                       "`:` type($memref)")
    parse_AccessHints = classmethod(lambda cls, parser: parse_access_hints(parser))  # noqa: N815 (directive name)
    print_AccessHints = staticmethod(print_access_hints)  # noqa: N815

    def verify_(self):
        return check_index_count(self._operands[1].value.type, len(self._operands) - 2)


class CopyOp(Op):
    """Copies all elements of `source` into `target` (same element type and
    shape; layouts may differ).

    ```mlir
    memref.copy %a, %b : memref<?xf32> to memref<?xf32, strided<[2]>>
    ```
    """

    name = "memref.copy"
    traits = [SameOperandsElementType, SameOperandsShape, MemoryEffects(Read("source"), Write("target"))]
    source = operand(AnyRankedOrUnrankedMemRef)
    target = operand(AnyRankedOrUnrankedMemRef)
    assembly_format = "$source `,` $target attr-dict `:` type($source) `to` type($target)"


# ----------------------------------------------------------------------------
# Shape queries
# ----------------------------------------------------------------------------


class DimOp(Op):
    """The size of dimension `index` of a memref (undefined if out of bounds).

    ```mlir
    %n = memref.dim %m, %c1 : memref<4x?xf32>
    ```
    """

    name = "memref.dim"
    traits = [OpAsmOpInterface, NoMemoryEffect]
    source = operand(AnyNon0RankedOrUnrankedMemRef)
    index = operand(Index)
    result = result(Index)
    assembly_format = "attr-dict $source `,` $index `:` type($source)"

    def get_asm_result_name(self) -> str:
        return "dim"

    def fold(self, operands):
        idx = operands[1]
        t = self.source.type
        if not isinstance(idx, IntegerAttr) or not isinstance(t, MemRefType):
            return None
        if 0 <= idx.value < t.rank and not t.is_dynamic_dim(idx.value):
            return IntegerAttr(t.shape[idx.value], index)
        return None


class RankOp(Op):
    """The rank of a (possibly unranked) memref.

    ```mlir
    %r = memref.rank %m : memref<*xf32>
    ```
    """

    name = "memref.rank"
    traits = [Pure]
    memref = operand(AnyRankedOrUnrankedMemRef)
    result = result(Index)
    assembly_format = "$memref attr-dict `:` type($memref)"

    def fold(self, operands):
        t = self.memref.type
        return IntegerAttr(t.rank, index) if isinstance(t, MemRefType) else None


# ----------------------------------------------------------------------------
# Globals
# ----------------------------------------------------------------------------


class GlobalOp(Op):
    """Declares (no initial value) or defines a statically shaped global
    buffer; `= uninitialized` defines it without contents, `constant` makes
    writes undefined.

    ```mlir
    memref.global "private" constant @c : memref<2xi32> = dense<[1, 4]> alignment = 64
    ```
    """

    name = "memref.global"
    traits = [Symbol]
    sym_name = prop(SymbolNameAttr())
    sym_visibility = opt_prop(StrAttrC())
    type = prop(MemRefTypeAttr)
    initial_value = opt_prop(AnyAttrC)
    constant = opt_prop(UnitAttrC)
    alignment = opt_prop(AccessAlignment)
    assembly_format = ("($sym_visibility^)? (`constant` $constant^)? $sym_name `:` "
                       "custom<GlobalMemrefOpTypeAndInitialValue>($type, $initial_value) "
                       "(`alignment` `=` $alignment^)? attr-dict")

    @classmethod
    def parse_GlobalMemrefOpTypeAndInitialValue(cls, parser: Parser):  # noqa: N802 (directive name)
        return parse_global_type_and_initial_value(parser, cls.name)

    def print_GlobalMemrefOpTypeAndInitialValue(self, printer: Printer, type_attr, initial_value):  # noqa: N802
        print_global_type_and_initial_value(printer, type_attr, initial_value)

    @property
    def is_external(self) -> bool:
        return self.initial_value is None

    @property
    def is_uninitialized(self) -> bool:
        from mlir_py.ir.builtin_attributes import UnitAttr
        return isinstance(self.initial_value, UnitAttr)

    def verify_(self):
        from mlir_py.ir.builtin_attributes import DenseElementsAttr, DenseResourceElementsAttr, UnitAttr
        vis = self.sym_visibility
        if vis is not None and vis.value not in ("public", "private", "nested"):
            return f'visibility expected to be one of ["public", "private", "nested"], but got "{vis.value}"'
        t = self.type.value
        if not isinstance(t, MemRefType) or not t.has_static_shape:
            return f"type should be static shaped memref, but got '{t}'"
        init = self.initial_value
        if init is None:
            return None
        if not isinstance(init, (UnitAttr, DenseElementsAttr, DenseResourceElementsAttr)):
            return f"initial value should be a unit or elements attribute, but got {init}"
        if isinstance(init, (DenseElementsAttr, DenseResourceElementsAttr)):
            et = init.type.element_type
            if et is not t.element_type:
                return f"initial value element expected to be of type '{t.element_type}', but was of type '{et}'"
            if tuple(init.type.shape) != tuple(t.shape):
                return (f"initial value shape expected to be {', '.join(map(str, t.shape))} but was "
                        f"{', '.join(map(str, init.type.shape))}")
        return None


class GetGlobalOp(Op):
    """The buffer of a `memref.global` (writing to a constant one is undefined).

    ```mlir
    %g = memref.get_global @c : memref<2xi32>
    ```
    """

    name = "memref.get_global"
    traits = [Pure, SymbolUserOpInterface]
    result = result(AnyStaticShapeMemRef)
    assembly_format = "$name `:` type($result) attr-dict"

    @property
    def global_name(self):
        """The `name` attribute (@sym): `op.name` is the op's own name."""
        return self.properties.get("name")

    def verify_(self):
        if not has_symbol_table_ancestor(self):
            return None
        ref = self.global_name
        g = lookup_nearest_symbol(self, ref.value)
        if not isinstance(g, GlobalOp):
            return f"'{ref.value}' does not reference a valid global memref"
        t = self.result.type
        gt = g.type.value if g.type is not None else None
        if gt is not t:
            return f"result type '{t}' does not match type '{gt}' of the global memref @{ref.value}"
        return None


_inherent_attr(GetGlobalOp, "name", FlatSymbolRef)


OPS = [AllocOp, AllocaOp, ReallocOp, DeallocOp, AllocaScopeOp, AllocaScopeReturnOp, LoadOp, StoreOp, CopyOp,
       DimOp, RankOp, GlobalOp, GetGlobalOp]
