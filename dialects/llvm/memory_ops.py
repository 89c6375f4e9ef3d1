"""Memory and aggregate ops of the llvm dialect: alloca, load, store, getelementptr, and the
struct/array (insertvalue, extractvalue) and vector element ops.

load and store print their remaining properties as `<alignment = 4, nontemporal>` after the
keywords, as upstream LLVM 22 does; alloca keeps `{alignment = 16 : i64}` in its attribute dictionary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.llvm.attributes import (
    GEP_NOWRAP_NONE,
    ORDERING_NONE,
    AtomicOrdering,
    gep_flags_str,
    parse_gep_flags,
)
from mlir_py.dialects.llvm.constraints import AggregateC, AnyInt, AnyLLVMType, AnyPtr, AnyVectorC, PtrLike
from mlir_py.dialects.llvm.types import LLVMArrayType, LLVMPointerType, LLVMStructType

from mlir_py.builtin.constraints import DenseArrayOf, I64Attr, UnitAttrC
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import Op, operand, opt_prop, prop, result, var_operand
from mlir_py.definition.traits import MemoryEffects, Pure, Read, Write
from mlir_py.ir.builtin_attributes import DenseArrayAttr, IntegerAttr, StringAttr, TypeAttr, UnitAttr
from mlir_py.ir.builtin_types import IntegerType, VectorType, i32, i64

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

DYNAMIC_INDEX = -2147483648  # GEPOp::kDynamicIndex
I32Array = DenseArrayOf(i32, "i32 dense array attribute")
I64Array = DenseArrayOf(i64, "i64 dense array attribute")


def _move_props(cls, attrs: dict, props: dict) -> None:
    for k in list(attrs):
        if k in cls.definition.props:
            props[k] = attrs.pop(k)


class AllocaOp(Op):
    """Stack allocation of `arraySize` elements of `elem_type`, freed when the function returns.

    ```mlir
    %p = llvm.alloca %n x f32 {alignment = 16 : i64} : (i64) -> !llvm.ptr
    ```
    """

    name = "llvm.alloca"
    arraySize = operand(AnyInt)
    alignment = opt_prop(I64Attr)
    elem_type = prop()
    inalloca = opt_prop(UnitAttrC)
    res = result(AnyPtr)

    @classmethod
    def build(cls, elem_type: Any, array_size: Any, alignment: int | None = None, location=None) -> AllocaOp:
        props: dict[str, Any] = {"elem_type": TypeAttr(elem_type)}
        if alignment is not None:
            props["alignment"] = IntegerAttr(alignment, i64)
        return cls.create([array_size], [LLVMPointerType()], props, location=location)

    @classmethod
    def parse(cls, parser: Parser) -> AllocaOp:
        props: dict[str, Any] = {}
        if parser.parse_optional_keyword("inalloca"):
            props["inalloca"] = UnitAttr()
        u = parser.parse_operand()
        parser.parse_keyword("x")
        props["elem_type"] = TypeAttr(parser.parse_type())
        attrs = parser.parse_optional_attr_dict()
        _move_props(cls, attrs, props)
        parser.expect(":")
        tpos = parser.skip_ws()
        ft = parser.parse_type()
        if not hasattr(ft, "inputs") or len(ft.inputs) != 1 or len(ft.results) != 1:
            raise parser.error("expected trailing function type with one argument and one result", tpos)
        return cls.create([parser.resolve_operand(u, ft.inputs[0])], [ft.results[0]], props, attrs)

    def print(self, printer: Printer) -> None:
        p = self.properties
        printer.write(" inalloca " if "inalloca" in p else " ")
        printer.print_operand(self.arraySize)
        printer.write(" x ")
        printer.print_type(p["elem_type"].value)
        shown = {k: v for k, v in p.items() if k not in ("elem_type", "inalloca")}
        shown.update(self.attributes)
        printer.print_optional_attr_dict(shown)
        printer.write(" : ")
        printer.print_function_type([self.arraySize.type], [self.res.type])


_ACCESS_KEYWORDS = ("volatile_", "ordering", "syncscope", "invariant", "invariantGroup", "dereferenceable")


def _parse_access_tail(cls, parser: Parser, props: dict, *, load: bool) -> dict:
    """`atomic [syncscope("s")] ordering`, `invariant`, `invariant_group`, `dereferenceable<...>`, `<props>`,
    `{attrs}`."""
    if parser.parse_optional_keyword("atomic"):
        if parser.parse_optional_keyword("syncscope"):
            parser.expect("(")
            props["syncscope"] = StringAttr(parser.parse_string())
            parser.expect(")")
        props["ordering"] = AtomicOrdering.parse_short(parser)
    if load and parser.parse_optional_keyword("invariant"):
        props["invariant"] = UnitAttr()
    if parser.parse_optional_keyword("invariant_group"):
        props["invariantGroup"] = UnitAttr()
    if load and parser.parse_optional_keyword("dereferenceable"):
        from mlir_py.text.attribute_parser import AttrTypeParser  # noqa: F401 (parser API only)
        attr_cls = parser.ctx.attributes.get("llvm.dereferenceable")
        if attr_cls is None:
            raise parser.error("dereferenceable attributes are not supported")
        props["dereferenceable"] = attr_cls.parse_parameters(parser)
    if parser.parse_optional("<"):
        while True:
            pos = parser.skip_ws()
            key = parser.parse_keyword(what="property name")
            if key not in cls.definition.props:
                raise parser.error(f"'{key}' is not a property of '{cls.name}'", pos)
            if parser.parse_optional("="):
                if key == "alignment":
                    props[key] = IntegerAttr(parser.parse_integer(), i64)
                else:
                    props[key] = parser.parse_attribute()
            else:
                props[key] = UnitAttr()
            if not parser.parse_optional(","):
                break
        parser.expect(">")
    attrs = parser.parse_optional_attr_dict()
    return attrs


def _print_access_tail(op: Op, printer: Printer, *, load: bool) -> None:
    p = op.properties
    ordering = p.get("ordering")
    if ordering is not None and ordering.value:
        printer.write(" atomic")
        sc = p.get("syncscope")
        if sc is not None:
            printer.write(" syncscope(")
            printer.print_string_literal(sc.value)
            printer.write(")")
        printer.write(" " + AtomicOrdering.name_of(ordering))
    if "invariant" in p:
        printer.write(" invariant")
    if "invariantGroup" in p:
        printer.write(" invariant_group")
    d = p.get("dereferenceable")
    if d is not None:
        printer.write(" dereferenceable")
        d.print_parameters(printer)
    rest = sorted((k, v) for k, v in p.items() if k not in _ACCESS_KEYWORDS)
    if rest:
        parts = []
        for k, v in rest:
            if isinstance(v, UnitAttr):
                parts.append(k)
            elif k == "alignment":
                parts.append(f"{k} = {v.value}")
            else:
                parts.append(f"{k} = {v}")
        printer.write(" <" + ", ".join(parts) + ">")
    printer.print_optional_attr_dict(op.attributes)


class LoadOp(Op):
    """Reads a value of the result type through a pointer; optionally volatile, atomic, nontemporal.

    ```mlir
    %v = llvm.load %p <alignment = 4> : !llvm.ptr -> f32
    %w = llvm.load volatile %p atomic acquire <alignment = 8> : !llvm.ptr -> i64
    ```
    """

    name = "llvm.load"
    traits = [MemoryEffects(Read())]
    addr = operand(AnyPtr)
    alignment = opt_prop(I64Attr)
    volatile_ = opt_prop(UnitAttrC)
    nontemporal = opt_prop(UnitAttrC)
    invariant = opt_prop(UnitAttrC)
    invariantGroup = opt_prop(UnitAttrC)
    ordering = prop(AtomicOrdering, default=ORDERING_NONE)
    syncscope = opt_prop()
    dereferenceable = opt_prop()
    access_groups = opt_prop()
    alias_scopes = opt_prop()
    noalias_scopes = opt_prop()
    tbaa = opt_prop()
    res = result(AnyLLVMType)

    @classmethod
    def build(cls, type: Any, addr: Any, alignment: int | None = None, *, volatile: bool = False,
              nontemporal: bool = False, location=None) -> LoadOp:
        props: dict[str, Any] = {"ordering": ORDERING_NONE}
        if alignment is not None:
            props["alignment"] = IntegerAttr(alignment, i64)
        if volatile:
            props["volatile_"] = UnitAttr()
        if nontemporal:
            props["nontemporal"] = UnitAttr()
        return cls.create([addr], [type], props, location=location)

    @classmethod
    def parse(cls, parser: Parser) -> LoadOp:
        props: dict[str, Any] = {"ordering": ORDERING_NONE}
        if parser.parse_optional_keyword("volatile"):
            props["volatile_"] = UnitAttr()
        u = parser.parse_operand()
        attrs = _parse_access_tail(cls, parser, props, load=True)
        _move_props(cls, attrs, props)
        parser.expect(":")
        pt = parser.parse_type()
        parser.expect("->")
        rt = parser.parse_type()
        return cls.create([parser.resolve_operand(u, pt)], [rt], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" volatile " if "volatile_" in self.properties else " ")
        printer.print_operand(self.addr)
        _print_access_tail(self, printer, load=True)
        printer.write(" : ")
        printer.print_type(self.addr.type)
        printer.write(" -> ")
        printer.print_type(self.res.type)


class StoreOp(Op):
    """Writes `value` through a pointer; optionally volatile, atomic, nontemporal.

    ```mlir
    llvm.store %v, %p <alignment = 4> : f32, !llvm.ptr
    llvm.store volatile %v, %p <nontemporal> : f32, !llvm.ptr
    ```
    """

    name = "llvm.store"
    traits = [MemoryEffects(Write())]
    value = operand(AnyLLVMType)
    addr = operand(AnyPtr)
    alignment = opt_prop(I64Attr)
    volatile_ = opt_prop(UnitAttrC)
    nontemporal = opt_prop(UnitAttrC)
    invariantGroup = opt_prop(UnitAttrC)
    ordering = prop(AtomicOrdering, default=ORDERING_NONE)
    syncscope = opt_prop()
    access_groups = opt_prop()
    alias_scopes = opt_prop()
    noalias_scopes = opt_prop()
    tbaa = opt_prop()

    @classmethod
    def build(cls, value: Any, addr: Any, alignment: int | None = None, *, volatile: bool = False,
              nontemporal: bool = False, location=None) -> StoreOp:
        props: dict[str, Any] = {"ordering": ORDERING_NONE}
        if alignment is not None:
            props["alignment"] = IntegerAttr(alignment, i64)
        if volatile:
            props["volatile_"] = UnitAttr()
        if nontemporal:
            props["nontemporal"] = UnitAttr()
        return cls.create([value, addr], [], props, location=location)

    @classmethod
    def parse(cls, parser: Parser) -> StoreOp:
        props: dict[str, Any] = {"ordering": ORDERING_NONE}
        if parser.parse_optional_keyword("volatile"):
            props["volatile_"] = UnitAttr()
        uv = parser.parse_operand()
        parser.expect(",")
        ua = parser.parse_operand()
        attrs = _parse_access_tail(cls, parser, props, load=False)
        _move_props(cls, attrs, props)
        parser.expect(":")
        vt = parser.parse_type()
        parser.expect(",")
        pt = parser.parse_type()
        return cls.create([parser.resolve_operand(uv, vt), parser.resolve_operand(ua, pt)], [], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" volatile " if "volatile_" in self.properties else " ")
        printer.print_operand(self.value)
        printer.write(", ")
        printer.print_operand(self.addr)
        _print_access_tail(self, printer, load=False)
        printer.write(" : ")
        printer.print_type(self.value.type)
        printer.write(", ")
        printer.print_type(self.addr.type)


class GEPOp(Op):
    """Address arithmetic (LLVM `getelementptr`): indices step through `elem_type` from `base`; constant
    indices are stored inline, dynamic ones are operands.

    ```mlir
    %q = llvm.getelementptr inbounds %p[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %f = llvm.getelementptr %p[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i32, f64)>
    ```
    """

    name = "llvm.getelementptr"
    traits = [Pure]
    base = operand(PtrLike)
    dynamicIndices = var_operand(AnyType)
    rawConstantIndices = prop(I32Array)
    elem_type = prop()
    noWrapFlags = prop(default=GEP_NOWRAP_NONE)
    res = result(PtrLike)

    @classmethod
    def build(cls, base: Any, elem_type: Any, indices: Sequence[Any], *, inbounds: bool = False,
              result_type: Any = None, location=None) -> GEPOp:
        """`indices` mixes Python ints (constant) and values (dynamic)."""
        raw, dyn = [], []
        for i in indices:
            if isinstance(i, int):
                raw.append(i)
            else:
                raw.append(DYNAMIC_INDEX)
                dyn.append(i)
        props = {"rawConstantIndices": DenseArrayAttr(i32, tuple(raw)), "elem_type": TypeAttr(elem_type),
                 "noWrapFlags": IntegerAttr(3 if inbounds else 0, i32)}
        rt = result_type if result_type is not None else base.type
        return cls.create([base] + dyn, [rt], props, location=location)

    def indices(self) -> list:
        """Each index: an int or the dynamic Value, in order."""
        dyn = iter(self.dynamicIndices)
        return [next(dyn) if r == DYNAMIC_INDEX else r for r in self.properties["rawConstantIndices"].values]

    @classmethod
    def parse(cls, parser: Parser) -> GEPOp:
        props: dict[str, Any] = {"noWrapFlags": parse_gep_flags(parser)}
        ub = parser.parse_operand()
        parser.expect("[")
        raw: list[int] = []
        dyn = []
        if not parser.peek("]"):
            while True:
                if parser.peek("%"):
                    dyn.append(parser.parse_operand())
                    raw.append(DYNAMIC_INDEX)
                else:
                    raw.append(parser.parse_integer("SSA value or integer"))
                if not parser.parse_optional(","):
                    break
        parser.expect("]")
        props["rawConstantIndices"] = DenseArrayAttr(i32, tuple(raw))
        attrs = parser.parse_optional_attr_dict()
        _move_props(cls, attrs, props)
        parser.expect(":")
        tpos = parser.skip_ws()
        ft = parser.parse_type()
        if not hasattr(ft, "inputs") or len(ft.inputs) != 1 + len(dyn) or len(ft.results) != 1:
            raise parser.error(f"expected function type with {1 + len(dyn)} inputs and one result", tpos)
        parser.expect(",")
        props["elem_type"] = TypeAttr(parser.parse_type())
        operands = [parser.resolve_operand(ub, ft.inputs[0])]
        operands += [parser.resolve_operand(u, t) for u, t in zip(dyn, ft.inputs[1:])]
        return cls.create(operands, [ft.results[0]], props, attrs)

    def print(self, printer: Printer) -> None:
        p = self.properties
        flags = gep_flags_str(p["noWrapFlags"].value)
        printer.write(f" {flags} " if flags else " ")
        printer.print_operand(self.base)
        printer.write("[")
        for i, x in enumerate(self.indices()):
            if i:
                printer.write(", ")
            if isinstance(x, int):
                printer.write(str(x))
            else:
                printer.print_operand(x)
        printer.write("]")
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_function_type([o.type for o in self.operands], [self.res.type])
        printer.write(", ")
        printer.print_type(p["elem_type"].value)

    def verify_(self) -> str | None:
        raw = self.properties["rawConstantIndices"].values
        if sum(1 for r in raw if r == DYNAMIC_INDEX) != len(self.dynamicIndices):
            return "expected as many dynamic indices as specified in 'rawConstantIndices'"
        for v in self.dynamicIndices:
            t = v.type
            e = t.element_type if isinstance(t, VectorType) else t
            if not isinstance(e, IntegerType):
                return "operand #1 must be variadic of signless integer or LLVM dialect-compatible vector of " \
                       "signless integer, but got " + f"'{t}'"
        t = self.properties["elem_type"].value
        for pos, x in enumerate(self.indices()[1:], start=1):
            if isinstance(t, LLVMStructType):
                if not isinstance(x, int):
                    return "expected index into a struct to be a constant"
                if t.body is None or not 0 <= x < len(t.body):
                    return f"index {pos} indexing a struct is out of bounds"
                t = t.body[x]
            elif isinstance(t, (LLVMArrayType, VectorType)):
                t = t.element_type
            else:
                return f"type {t} cannot be indexed (index #{x})"
        return None


def aggregate_element_type(t: Any, position: Sequence[int]) -> Any:
    """The type at `position` inside nested structs/arrays, or None when the position is invalid."""
    for i in position:
        if isinstance(t, LLVMStructType):
            if t.body is None or not 0 <= i < len(t.body):
                return None
            t = t.body[i]
        elif isinstance(t, LLVMArrayType):
            if not 0 <= i < t.num_elements:
                return None
            t = t.element_type
        else:
            return None
    return t


def _check_aggregate(parser: Parser, t: Any, pos: int, name: str) -> None:
    if not isinstance(t, (LLVMStructType, LLVMArrayType)):
        raise parser.error(f"custom op '{name}' expected LLVM IR structure/array type, got: '{t}'", pos)


def _parse_position(parser: Parser) -> DenseArrayAttr:
    parser.expect("[")
    vals = [parser.parse_integer()]
    while parser.parse_optional(","):
        vals.append(parser.parse_integer())
    parser.expect("]")
    return DenseArrayAttr(i64, tuple(vals))


def _print_position(printer: Printer, pos: DenseArrayAttr) -> None:
    printer.write("[" + ", ".join(str(v) for v in pos.values) + "]")


class ExtractValueOp(Op):
    """Reads the field at `position` of a struct or array value.

    ```mlir
    %f = llvm.extractvalue %s[1] : !llvm.struct<(i32, f64)>
    ```
    """

    name = "llvm.extractvalue"
    traits = [Pure]
    container = operand(AggregateC)
    position = prop(I64Array)
    res = result(AnyLLVMType)

    @classmethod
    def build(cls, container: Any, position: Sequence[int], location=None) -> ExtractValueOp:
        t = aggregate_element_type(container.type, position)
        if t is None:
            raise ValueError(f"invalid position {list(position)} into {container.type}")
        return cls.create([container], [t], {"position": DenseArrayAttr(i64, tuple(position))}, location=location)

    @classmethod
    def parse(cls, parser: Parser) -> ExtractValueOp:
        u = parser.parse_operand()
        props = {"position": _parse_position(parser)}
        attrs = parser.parse_optional_attr_dict()
        _move_props(cls, attrs, props)
        tpos = parser.skip_ws()
        t = parser.parse_colon_type()
        _check_aggregate(parser, t, tpos, cls.name)
        rt = aggregate_element_type(t, props["position"].values)
        if rt is None:
            raise parser.error(f"invalid position {list(props['position'].values)} into {t}", tpos)
        return cls.create([parser.resolve_operand(u, t)], [rt], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.container)
        _print_position(printer, self.properties["position"])
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.container.type)
        printer.write(" ")

    def verify_(self) -> str | None:
        t = aggregate_element_type(self.container.type, self.properties["position"].values)
        if t is None:
            return "invalid position"
        if t is not self.res.type:
            return f"Type mismatch: extracting from {self.container.type} should produce {t} but this op " \
                   f"returns {self.res.type}"
        return None


class InsertValueOp(Op):
    """Returns the struct or array with the field at `position` replaced by `value`.

    ```mlir
    %s1 = llvm.insertvalue %x, %s0[0] : !llvm.struct<(i32, f64)>
    ```
    """

    name = "llvm.insertvalue"
    traits = [Pure]
    container = operand(AggregateC)
    value = operand(AnyLLVMType)
    position = prop(I64Array)
    res = result(AggregateC)

    @classmethod
    def build(cls, container: Any, value: Any, position: Sequence[int], location=None) -> InsertValueOp:
        return cls.create([container, value], [container.type], {"position": DenseArrayAttr(i64, tuple(position))},
                          location=location)

    @classmethod
    def parse(cls, parser: Parser) -> InsertValueOp:
        uv = parser.parse_operand()
        parser.expect(",")
        uc = parser.parse_operand()
        props = {"position": _parse_position(parser)}
        attrs = parser.parse_optional_attr_dict()
        _move_props(cls, attrs, props)
        tpos = parser.skip_ws()
        t = parser.parse_colon_type()
        _check_aggregate(parser, t, tpos, cls.name)
        vt = aggregate_element_type(t, props["position"].values)
        if vt is None:
            raise parser.error(f"invalid position {list(props['position'].values)} into {t}", tpos)
        return cls.create([parser.resolve_operand(uc, t), parser.resolve_operand(uv, vt)], [t], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operand(self.value)
        printer.write(", ")
        printer.print_operand(self.container)
        _print_position(printer, self.properties["position"])
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.container.type)
        printer.write(" ")

    def verify_(self) -> str | None:
        t = aggregate_element_type(self.container.type, self.properties["position"].values)
        if t is None:
            return "invalid position"
        if t is not self.value.type:
            return f"Type mismatch: cannot insert {self.value.type} into {self.container.type}"
        if self.res.type is not self.container.type:
            return "result type must match the container type"
        return None


class ExtractElementOp(Op):
    """Reads one element of a vector at a dynamic position.

    ```mlir
    %e = llvm.extractelement %v[%i : i32] : vector<4xf32>
    ```
    """

    name = "llvm.extractelement"
    traits = [Pure]
    vector = operand(AnyVectorC)
    position = operand(AnyInt)
    res = result(AnyLLVMType)
    assembly_format = "$vector `[` $position `:` type($position) `]` attr-dict `:` type($vector)"

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[0].type.element_type]


class InsertElementOp(Op):
    """Returns the vector with one element, at a dynamic position, replaced.

    ```mlir
    %w = llvm.insertelement %x, %v[%i : i32] : vector<4xf32>
    ```
    """

    name = "llvm.insertelement"
    traits = [Pure]
    vector = operand(AnyVectorC)
    value = operand(AnyLLVMType)
    position = operand(AnyInt)
    res = result(AnyVectorC)
    assembly_format = "$value `,` $vector `[` $position `:` type($position) `]` attr-dict `:` type($vector)"

    @classmethod
    def infer_operand_types(cls, name, env):
        if name == "value":
            return env["t_vector"].element_type
        return env["t_vector"]

    @classmethod
    def infer_result_types(cls, operands, props):
        return [operands[0].type]


class ShuffleVectorOp(Op):
    """Builds a vector from elements of two vectors picked by a constant mask (-1: poison lane).

    ```mlir
    %s = llvm.shufflevector %a, %b [0, 4, 1, 5] : vector<4xf32>
    ```
    """

    name = "llvm.shufflevector"
    traits = [Pure]
    v1 = operand(AnyVectorC)
    v2 = operand(AnyVectorC)
    mask = prop(I32Array)
    res = result(AnyVectorC)

    @classmethod
    def build(cls, v1: Any, v2: Any, mask: Sequence[int], location=None) -> ShuffleVectorOp:
        t = v1.type
        rt = VectorType((len(mask),), t.element_type, (False,)) if mask else t
        return cls.create([v1, v2], [rt], {"mask": DenseArrayAttr(i32, tuple(mask))}, location=location)

    @classmethod
    def parse(cls, parser: Parser) -> ShuffleVectorOp:
        u1 = parser.parse_operand()
        parser.expect(",")
        u2 = parser.parse_operand()
        parser.expect("[")
        vals: list[int] = []
        if not parser.peek("]"):
            vals.append(parser.parse_integer())
            while parser.parse_optional(","):
                vals.append(parser.parse_integer())
        parser.expect("]")
        props = {"mask": DenseArrayAttr(i32, tuple(vals))}
        attrs = parser.parse_optional_attr_dict()
        _move_props(cls, attrs, props)
        t = parser.parse_colon_type()
        if not isinstance(t, VectorType):
            raise parser.error("expected a vector type")
        rt = VectorType((len(vals),), t.element_type, (False,))
        return cls.create([parser.resolve_operand(u1, t), parser.resolve_operand(u2, t)], [rt], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operands([self.v1, self.v2])
        printer.write(" [" + ", ".join(str(v) for v in self.properties["mask"].values) + "]")
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.v1.type)
        printer.write(" ")

    def verify_(self) -> str | None:
        if self.v1.type is not self.v2.type:
            return "failed to verify that all of {v1, v2} have same type"
        return None


OPS = [AllocaOp, LoadOp, StoreOp, GEPOp, ExtractValueOp, InsertValueOp, ExtractElementOp, InsertElementOp,
       ShuffleVectorOp]
_ = (LLVMPointerType, IntegerAttr)
