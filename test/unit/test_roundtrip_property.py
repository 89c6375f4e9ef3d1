"""Property tests: randomly built modules print, parse back and print the same.

The modules are built through the Python API (not from text) out of random
builtin types and attributes, unregistered ops with nested regions, blocks,
block arguments and successors, and SSA use-def chains: in SSACFG regions
operands dominate their uses, in the module's graph region they may refer
forward. For each module, in custom and generic form:

    text = print(m);  print(parse(text)) == text  and  parse(text) verifies
"""

from __future__ import annotations

import string

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlir_py.analysis.verifier import verify
from mlir_py.builtin import ModuleOp
from mlir_py.ir.attributes import OpaqueAttr, OpaqueType
from mlir_py.ir.builtin_attributes import (
    ArrayAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    StridedLayoutAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
    int_range,
)
from mlir_py.ir.builtin_types import (
    DYNAMIC,
    ComplexType,
    FloatType,
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    NoneType,
    RankedTensorType,
    TupleType,
    UnrankedMemRefType,
    UnrankedTensorType,
    VectorType,
    f16,
    f32,
    f64,
    i1,
    i64,
)
from mlir_py.ir.context import Context
from mlir_py.ir.diagnostics import DiagnosticCollector
from mlir_py.ir.operation import Block, Operation, Region, Value
from mlir_py.text.parser import ParseError, parse_attribute, parse_source, parse_type
from mlir_py.text.printer import Printer

CTX = Context(allow_unregistered_dialects=True)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------------------
# Types
# ----------------------------------------------------------------------------

int_types = st.builds(IntegerType, st.sampled_from([1, 8, 16, 32, 64, 3, 128]),
                      st.sampled_from(["signless", "signless", "signed", "unsigned"]))
float_types = st.sampled_from([FloatType(k) for k in ("f16", "bf16", "f32", "f64", "f80", "tf32", "f8E4M3FN")])
scalar_types = st.one_of(int_types, float_types, st.just(IndexType()))
dims = st.lists(st.integers(0, 5), max_size=3)
dyn_dims = st.lists(st.one_of(st.integers(0, 5), st.just(DYNAMIC)), max_size=3)


def _vector(elem):
    return st.builds(lambda ds, e: VectorType(tuple(d for d, _ in ds), e, tuple(s for _, s in ds)),
                     st.lists(st.tuples(st.integers(1, 4), st.booleans()), max_size=3), elem)


def _layouts(rank: int):
    strides = st.lists(st.one_of(st.integers(1, 64), st.just(DYNAMIC)), min_size=rank, max_size=rank)
    return st.one_of(st.none(), st.builds(lambda s, o: StridedLayoutAttr(tuple(s), o), strides,
                                          st.one_of(st.integers(0, 8), st.just(DYNAMIC))))


memory_spaces = st.one_of(st.none(), st.integers(1, 5).map(lambda n: IntegerAttr(n, i64)),
                          st.sampled_from([StringAttr("shared"), IntegerAttr(2, IntegerType(32)),
                                           OpaqueAttr("gpu.address_space", "<workgroup>")]))


@st.composite
def memref_types(draw, elem):
    shape = tuple(draw(dyn_dims))
    return MemRefType(shape, draw(elem), draw(_layouts(len(shape))), draw(memory_spaces))


def types(depth: int = 2):
    if depth == 0:
        return st.one_of(scalar_types, st.just(NoneType()))
    inner = types(depth - 1)
    elem = st.one_of(scalar_types, st.builds(ComplexType, st.one_of(float_types, int_types)))
    return st.one_of(
        scalar_types,
        st.builds(ComplexType, float_types),
        _vector(st.one_of(int_types, float_types, st.just(IndexType()))),
        st.builds(lambda d, e, enc: RankedTensorType(tuple(d), e, enc), dyn_dims, st.one_of(elem, inner),
                  st.one_of(st.none(), st.just(StringAttr("enc")), st.just(OpaqueAttr("sparse.enc", "<1>")))),
        st.builds(UnrankedTensorType, elem),
        memref_types(st.one_of(elem, _vector(float_types))),
        st.builds(UnrankedMemRefType, elem, memory_spaces),
        st.builds(lambda xs: TupleType(tuple(xs)), st.lists(inner, max_size=3)),
        st.builds(lambda a, b: FunctionType(tuple(a), tuple(b)), st.lists(inner, max_size=2),
                  st.lists(inner, max_size=2)),
        st.just(OpaqueType("foo.t", "<1, i32>")),
    )


# ----------------------------------------------------------------------------
# Attributes
# ----------------------------------------------------------------------------


@st.composite
def integer_attrs(draw):
    t = draw(st.one_of(int_types, st.just(IndexType())))
    lo, hi = int_range(t)
    return IntegerAttr(draw(st.integers(lo, hi)), t)


@st.composite
def float_attrs(draw):
    t = draw(st.sampled_from([f16, f32, f64, FloatType("bf16")]))
    width = {"f16": 16, "bf16": 16, "f32": 32}.get(t.kind, 64)
    if draw(st.booleans()):
        bits = draw(st.integers(0, 2**width - 1))
        a = FloatAttr.from_bits(bits, t)
        if a.value != a.value and t is not f64:
            a = FloatAttr(float("nan"), t)  # NaN payloads below f64 pass through Python floats
        return a
    return FloatAttr(draw(st.floats(allow_nan=False, width=min(width, 64) if width != 16 else 16)), t)


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
symbol_names = st.text(alphabet=string.ascii_letters + string.digits + "_$.- ", min_size=1, max_size=8)


@st.composite
def dense_attrs(draw):
    kind = draw(st.sampled_from(["int", "float", "bool", "complex"]))
    shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    n = int(np.prod(shape)) if shape else 1
    shaped = draw(st.sampled_from(["tensor", "vector"])) if all(shape) and shape else "tensor"
    if kind == "int":
        et = draw(st.sampled_from([IntegerType(8), IntegerType(32), IntegerType(64), IntegerType(16, "unsigned"),
                                   IndexType()]))
        info = np.iinfo(np.uint16 if et.name == "builtin.integer" and et.signedness == "unsigned" else
                        {8: np.int8, 16: np.int16, 32: np.int32}.get(getattr(et, "width", 64), np.int64))
        lo, hi = int(info.min), int(info.max)  # the storage range (the API does not wrap)
        vals = draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
    elif kind == "float":
        et = draw(st.sampled_from([f16, f32, f64]))
        vals = draw(st.lists(st.floats(width=16 if et is f16 else 32 if et is f32 else 64,
                                       allow_nan=False), min_size=n, max_size=n))
    elif kind == "bool":
        et = i1
        vals = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    else:
        et = ComplexType(f64)
        vals = [complex(a, b) for a, b in draw(st.lists(st.tuples(st.floats(allow_nan=False, allow_infinity=False),
                                                                  st.floats(allow_nan=False, allow_infinity=False)),
                                                        min_size=n, max_size=n))]
    if draw(st.booleans()) and n:
        vals = [vals[0]] * n  # splat
    if kind == "complex":  # complex numbers are not vector elements (VectorElementTypeInterface)
        shaped = "tensor"
    t = VectorType(shape, et) if shaped == "vector" else RankedTensorType(shape, et)
    return DenseElementsAttr(np.array(vals, dtype=object if kind == "int" else None).reshape(shape), t)


@st.composite
def dense_arrays(draw):
    et = draw(st.sampled_from([i1, IntegerType(8), IntegerType(32), i64, f32, f64]))
    if isinstance(et, FloatType):
        vals = draw(st.lists(st.floats(width=32 if et is f32 else 64), max_size=4))
    else:
        lo, hi = int_range(et)
        vals = draw(st.lists(st.integers(lo if et is not i1 else 0, hi if et is not i1 else 1), max_size=4))
    return DenseArrayAttr(et, vals)


leaf_attrs = st.one_of(
    integer_attrs(), float_attrs(), st.builds(StringAttr, text), st.just(UnitAttr()),
    st.builds(TypeAttr, types(1)), dense_arrays(), dense_attrs(),
    st.builds(lambda r, n: SymbolRefAttr(r, tuple(n)), symbol_names, st.lists(symbol_names, max_size=2)),
    st.builds(lambda s: StridedLayoutAttr(tuple(s), 0), st.lists(st.integers(1, 9), max_size=3)),
    st.just(OpaqueAttr("foo.bar", "<[1, 2], \"x\">")),
)
attr_names = st.sampled_from(["a", "b", "value", "x.y", "_z", "sym_name", "odd key", "x-y", "0num", ""])
attributes = st.recursive(
    leaf_attrs,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: ArrayAttr(tuple(xs))),
        st.dictionaries(attr_names, inner, max_size=3).map(DictionaryAttr),
    ),
    max_leaves=6,
)


# ----------------------------------------------------------------------------
# Modules
# ----------------------------------------------------------------------------

value_names = st.one_of(st.none(), st.none(), st.sampled_from(["x", "y", "val", "a.b", "c_1", "tmp$", "d-e", "x_0"]),
                        st.sampled_from(["0", "7", "arg0", "arg1", "a b", "9x", ""]))  # unusable hints
op_names = st.sampled_from(["test.a", "test.b", "foo.op", "test.with.dots", "t.x"])
value_types = st.one_of(scalar_types, types(1))


class _Builder:
    """Builds random IR through the API, drawing every choice from hypothesis."""

    def __init__(self, draw):
        self.draw = draw
        self.graph_values: list[Value] = []  # module-level results (a graph region: use before def is fine)

    def op(self, visible: list[Value], depth: int, successors: list[Block], forward: bool) -> Operation:
        d = self.draw
        pool = visible + (self.graph_values if forward else [])
        operands = d(st.lists(st.sampled_from(pool), max_size=3)) if pool else []
        results = d(st.lists(value_types, max_size=3))
        attrs = d(st.dictionaries(attr_names, attributes, max_size=2))
        props = d(st.dictionaries(attr_names, leaf_attrs, max_size=1))
        nregions = d(st.integers(0, 2)) if depth > 0 else 0
        op = Operation(d(op_names), operands, results, properties=props, attributes=attrs,
                       successors=successors)
        hint = d(value_names)
        if hint is not None:
            for r in op.results:
                r.name_hint = hint
        if forward:
            self.graph_values.extend(op.results)
        for _ in range(nregions):
            op.regions.append(self.region(op, visible, depth - 1))
        return op

    def region(self, parent: Operation, visible: list[Value], depth: int) -> Region:
        d = self.draw
        r = Region()
        r.parent = parent
        nblocks = d(st.integers(0, 3))
        blocks = [r.append(Block(d(st.lists(value_types, max_size=2)))) for _ in range(nblocks)]
        for b in blocks:
            for a in b.args:
                a.name_hint = d(value_names)
        for b in blocks:
            local = list(visible) + list(b.args)
            nops = d(st.integers(0, 3))
            for i in range(nops):
                last = i == nops - 1
                # successors: blocks of the same region, never the entry block
                succ = d(st.lists(st.sampled_from(blocks[1:]), max_size=2)) if last and len(blocks) > 1 else []
                o = self.op(local, depth, succ, forward=False)
                b.append(o)
                local.extend(o.results)
            if d(st.integers(0, 9)) == 0:  # now and then an isolated nested module
                inner = ModuleOp.build_empty()
                for _ in range(d(st.integers(0, 2))):
                    inner.block.append(self.op([], depth - 1, [], forward=False))
                b.insert_before(b.last_op if b.last_op is not None and b.last_op.successors else None, inner)
        return r

    def module(self) -> ModuleOp:
        d = self.draw
        m = ModuleOp.build_empty()
        for _ in range(d(st.integers(1, 4))):
            m.block.append(self.op([], 2, [], forward=True))
        # a module is a symbol table: drop repeated `sym_name`s the draws may have produced
        names: set = set()
        for o in m.block.ops:
            for dct in (o.properties, o.attributes):
                sym = dct.get("sym_name")
                if isinstance(sym, StringAttr):
                    if sym.value in names:
                        del dct["sym_name"]
                    else:
                        names.add(sym.value)
        # the module body is a graph region: re-pick some operand lists among all
        # of its values, so uses may come before (or be) their definition
        if self.graph_values:
            for o in list(m.block.ops):
                if d(st.booleans()):
                    o.set_operands(d(st.lists(st.sampled_from(self.graph_values), max_size=3)))
        return m


@st.composite
def modules(draw):
    return _Builder(draw).module()


def _print(m: Operation, generic: bool) -> str:
    return Printer(generic=generic).print_top_level(m)


def _check_fixed_point(m: Operation) -> None:
    with DiagnosticCollector() as c:
        assert verify(m), [d.render() for d in c.diagnostics]
    for generic in (False, True):
        text = _print(m, generic)
        try:
            m2 = parse_source(CTX, text, "<roundtrip>")
        except ParseError as e:
            raise AssertionError(f"{e.loc}: {e.message}\n{text}") from None
        with DiagnosticCollector() as c:
            assert verify(m2), (text, [d.render() for d in c.diagnostics])
        assert _print(m2, generic) == text
        # and across forms
        assert _print(m2, not generic) == _print(m, not generic)


@SETTINGS
@given(types(3))
def test_random_types_round_trip(t):
    s = str(t)
    assert parse_type(CTX, s) is t, s


@SETTINGS
@given(attributes)
def test_random_attributes_round_trip(a):
    s = str(a)
    b = parse_attribute(CTX, s)
    assert b is a or b == a, s
    assert str(b) == s


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
def test_random_modules_round_trip(m):
    _check_fixed_point(m)


def test_forward_reference_in_graph_region_example():
    m = ModuleOp.build_empty()
    a = Operation("test.a", [], [i64])
    a.set_operands([a.result])  # uses its own result
    b = Operation("test.b", [a.result], [f32])
    a.set_operands([a.result, b.result])
    m.block.append(a)
    m.block.append(b)
    _check_fixed_point(m)
    assert '%0 = "test.a"(%0, %1) : (i64, f32) -> i64' in _print(m, False)
