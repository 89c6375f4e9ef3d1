"""The op/attribute/type authoring API, with the toy dialect of Inputs/toy_dialect.py."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from mlir_py.analysis.verifier import verify
from mlir_py.builtin.constraints import I1
from mlir_py.definition.assembly_format import op_format
from mlir_py.definition.constraints import AnyType
from mlir_py.definition.opdef import (
    DefinitionError,
    Op,
    operand,
    opt_operand,
    result,
    var_region,
    var_result,
)
from mlir_py.definition.traits import AllTypesMatch, NoMemoryEffect, Pure, Terminator
from mlir_py.ir.builtin_attributes import (
    DenseArrayAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    UnitAttr,
)
from mlir_py.ir.builtin_types import MemRefType, f32, i1, i32, i64, index
from mlir_py.ir.context import Context
from mlir_py.ir.diagnostics import DiagnosticCollector, DiagnosticError
from mlir_py.ir.operation import Block, Operation, Region
from mlir_py.text.parser import ParseError, parse_source
from mlir_py.text.printer import Printer

HERE = os.path.dirname(os.path.abspath(__file__))
TOY_PATH = os.path.join(HERE, "Inputs", "toy_dialect.py")
REPO = os.path.dirname(os.path.dirname(HERE))
MIR_OPT = os.path.join(os.path.dirname(sys.executable), "mir-opt")


def _load_toy():
    spec = importlib.util.spec_from_file_location("toy_dialect_for_tests", TOY_PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


toy = _load_toy()


@pytest.fixture(scope="module")
def ctx() -> Context:
    c = Context(allow_unregistered_dialects=True)
    c.load_dialect(toy.DIALECT)
    return c


def values(*types):
    """Fresh SSA values of the given types (results of unregistered ops)."""
    return [Operation("test.src", (), [t]).result for t in types]


def errors_of(op: Operation) -> list[str]:
    with DiagnosticCollector() as c:
        verify(op)
    return [d.message for d in c.errors]


def roundtrip(ctx: Context, src: str) -> tuple[str, str]:
    """Custom and generic forms, printed with the source's SSA names so the
    expectations read like the input; both the kept and the upstream names
    must be fixed points in both forms."""
    m = parse_source(ctx, src)
    assert verify(m)
    custom = Printer(keep_ssa_names=True).print_top_level(m)
    generic = Printer(generic=True, keep_ssa_names=True).print_top_level(m)
    for text in (custom, generic):
        m2 = parse_source(ctx, text)
        assert verify(m2)
        assert Printer(keep_ssa_names=True).print_top_level(m2) == custom
        assert Printer(generic=True, keep_ssa_names=True).print_top_level(m2) == generic
    for generic_form in (False, True):
        upstream = Printer(generic=generic_form).print_top_level(m)
        assert Printer(generic=generic_form).print_top_level(parse_source(ctx, upstream)) == upstream
    return custom, generic


def body(text: str) -> str:
    """The module body of printed IR, dedented, without `module {` / `}`."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "module {" and lines[-1] == "}"
    return "\n".join(line[2:] for line in lines[1:-1])


# ----------------------------------------------------------------------------
# Definitions: fields, traits, docs
# ----------------------------------------------------------------------------


def test_definition_introspection():
    d = toy.AddOp.definition
    assert d.name == "toy.add"
    assert [o.name for o in d.operands] == ["lhs", "rhs"] and [r.name for r in d.results] == ["result"]
    assert not d.operand_segments
    assert toy.TwoGroupsOp.definition.operand_segments
    assert toy.ManyResultsOp.definition.result_segments
    assert set(toy.PropsOp.definition.props) == {"mode", "alpha", "count", "flag"}
    # traits are a set of classes; implied traits are included
    assert Pure in toy.AddOp.traits and NoMemoryEffect in toy.AddOp.traits
    assert toy.AddOp.dialect is toy.DIALECT and toy.DIALECT.ops["toy.add"] is toy.AddOp
    assert "Elementwise sum" in toy.AddOp.__doc__
    assert toy.CastOp.__doc__ == "The 'toy.cast' operation."
    assert toy.DIALECT.attributes["toy.color"] is toy.ColorAttr and toy.DIALECT.types["toy.shape"] is toy.ShapeType


def test_trait_queries():
    a, b = values(f32, f32)
    op = toy.SelectOp(*values(i1), a, b)
    assert op.has_trait(Pure) and not op.has_trait(Terminator)
    t = op.get_trait(AllTypesMatch)
    assert isinstance(t, AllTypesMatch) and t.names == ("true_value", "false_value", "result")
    assert op.is_registered and not Operation("x.y").is_registered


# ----------------------------------------------------------------------------
# Builders and accessors
# ----------------------------------------------------------------------------


def test_builder_positional_and_keyword():
    a, b = values(f32, f32)
    add = toy.AddOp(a, b)
    assert add.name == "toy.add" and add.operands == [a, b]
    assert add.lhs is a and add.rhs is b
    assert add.result.type is f32 and add.result_types == [f32]  # inferred: SameOperandsAndResultType
    add2 = toy.AddOp(rhs=b, lhs=a)
    assert add2.operands == [a, b]
    add3 = toy.AddOp(a, rhs=b, attributes={"note": StringAttr("x")})
    assert add3.attributes == {"note": StringAttr("x")}


def test_builder_errors():
    a, b = values(f32, f32)
    with pytest.raises(TypeError, match="missing operand 'rhs'"):
        toy.AddOp(a)
    with pytest.raises(TypeError, match="takes 2 operand groups, got 3"):
        toy.AddOp(a, b, a)
    with pytest.raises(TypeError, match="has no field 'bogus'"):
        toy.AddOp(a, b, bogus=1)
    with pytest.raises(TypeError, match="takes one value, got a list"):
        toy.AddOp([a], b)
    with pytest.raises(TypeError, match="result types cannot be inferred"):
        toy.CastOp(a)
    with pytest.raises(DefinitionError, match="abstract"):
        Op()


def test_builder_explicit_result_types():
    a, = values(i32)
    c = toy.CastOp(a, result_types=[index])
    assert c.output.type is index
    c2 = toy.CastOp(a, output=index)
    assert c2.output.type is index and c2.input is a


def test_builder_infers_result_types_from_declarations():
    c, a, b = values(i1, f32, f32)
    sel = toy.SelectOp(c, a, b)  # AllTypesMatch(true_value, false_value, result)
    assert sel.result.type is f32
    m, i = values(MemRefType([4], i64), index)
    load = toy.LoadOp(m, [i])  # TypesMatchWith(memref -> element type)
    assert load.result.type is i64
    isnan = toy.IsNanOp(a)  # a fixed-type constraint (I1)
    assert isnan.result.type is i1
    # optional and variadic results that nothing determines are empty
    assert toy.MaybeOp(a).results == [] and toy.CallOp(callee=StringAttr("f")).results == []
    with pytest.raises(TypeError, match="result types cannot be inferred"):
        toy.CastOp(a)


def test_builder_infer_result_types_hook():
    c = toy.ConstantOp(value=IntegerAttr(3, i32))
    assert c.result.type is i32 and c.value is IntegerAttr(3, i32)
    assert c.properties == {"value": IntegerAttr(3, i32)}


def test_optional_and_variadic_groups():
    a, b, c = values(f32, f32, i32)
    m0 = toy.MaybeOp()
    assert m0.input is None and m0.output is None and m0.operands == []
    m1 = toy.MaybeOp(a, output=i32)
    assert m1.input is a and m1.output.type is i32
    m2 = toy.MaybeOp([a])  # a one-element list is accepted for an optional group
    assert m2.input is a
    two = toy.TwoGroupsOp([a, b], [c])
    assert two.first == [a, b] and two.second == [c]
    assert two.properties["operandSegmentSizes"] is DenseArrayAttr(i32, [2, 1])
    empty = toy.TwoGroupsOp()
    assert empty.first == [] and empty.second == []
    assert empty.properties["operandSegmentSizes"] is DenseArrayAttr(i32, [0, 0])
    many = toy.ManyResultsOp(head=[i32], tail=[f32, f32])
    assert [r.type for r in many.head] == [i32] and [r.type for r in many.tail] == [f32, f32]
    assert many.properties["resultSegmentSizes"] is DenseArrayAttr(i32, [1, 2])
    m, = values(MemRefType([4, 4], f32))
    i, j = values(index, index)
    load = toy.LoadOp(m, [i, j], result_types=[f32])
    assert load.memref is m and load.indices == [i, j]


def test_properties_defaults_and_setters():
    p = toy.PropsOp()
    assert p.mode is StringAttr("fast") and p.count is IntegerAttr(1, i64)
    assert p.alpha is None and p.flag is None
    p.alpha = FloatAttr(2.0, f32)
    assert p.properties["alpha"] is FloatAttr(2.0, f32)
    p.alpha = None
    assert "alpha" not in p.properties
    q = toy.PropsOp(mode=StringAttr("slow"), flag=UnitAttr(), alpha=None)
    assert q.mode is StringAttr("slow") and q.flag is UnitAttr() and "alpha" not in q.properties
    assert q.get_attr("mode") is StringAttr("slow")


def test_regions_and_successors_builders():
    r = Region([Block()])
    s = toy.ScopeOp(body=r, result_types=[])
    assert s.body is r and r.parent is s
    iso = toy.IsolatedOp(bodies=[Region(), Region()])
    assert len(iso.bodies) == 2 and len(iso.regions) == 2
    dest, other = Block([f32]), Block()
    a, = values(f32)
    br = toy.BranchOp([a], dest=dest)
    assert br.dest is dest and br.args == [a] and br.successors == [dest]
    sw = toy.SwitchOp(default=dest, cases=[other, dest])
    assert sw.default is dest and sw.cases == [other, dest]


def test_repr_is_readable():
    a, b = values(f32, f32)
    add = toy.AddOp(a, b)
    assert repr(add) == "<AddOp 'toy.add' (%0: f32, %1: f32) -> 1 results>"
    assert repr(Operation("x.y")) == "<Operation 'x.y' () -> 0 results>"


# ----------------------------------------------------------------------------
# Verification of declared constraints
# ----------------------------------------------------------------------------


def test_verify_constraints_and_traits():
    x, y = values(i32, i32)
    # as MLIR, the first failing constraint of an op is reported
    assert errors_of(toy.AddOp(x, y)) == ["'toy.add' op operand #0 must be floating-point, but got 'i32'"]
    a, b = values(f32, f32)
    assert errors_of(toy.AddOp(a, b)) == []
    c, d = values(f32, i1)
    mixed = toy.AddOp(c, *values(f32), result_types=[toy.ShapeType((1,), f32)])
    assert "'toy.add' op result #0 must be floating-point" in errors_of(mixed)[0]
    sel = toy.SelectOp(d, c, *values(i32), result_types=[f32])
    assert errors_of(sel) == ["'toy.select' op failed to verify that all of {true_value, false_value, result} "
                              "have same type"]
    m, i = values(MemRefType([4], f32), index)
    bad_load = toy.LoadOp(m, [i], result_types=[i32])
    assert errors_of(bad_load) == ["'toy.load' op failed to verify that result type matches element type"]
    assert errors_of(toy.LoadOp(m, [i], result_types=[f32])) == []


def test_verify_props_regions_successors():
    missing = toy.RequiredPropOp.create()
    assert errors_of(missing) == ["'toy.required' op requires attribute 'label'"]
    wrong = toy.RequiredPropOp(label=IntegerAttr(1, i64))
    assert errors_of(wrong) == ["'toy.required' op attribute 'label' failed to satisfy constraint: string attribute"]
    # an attribute with a default may be absent
    assert errors_of(toy.PropsOp.create()) == []
    no_region = toy.ScopeOp.create()
    assert errors_of(no_region) == ["'toy.scope' op requires one region"]
    no_succ = toy.BranchOp.create()
    assert errors_of(no_succ) == ["'toy.br' op requires 1 successor"]


def test_verify_operand_counts():
    a, = values(f32)
    op = toy.AddOp.create([a], [f32])
    assert errors_of(op) == ["'toy.add' op expected 2 operands, but found 1"]
    two = toy.TwoGroupsOp.create([a])
    assert errors_of(two) == ["'toy.two_groups' op requires attribute 'operandSegmentSizes'"]
    two.properties["operandSegmentSizes"] = DenseArrayAttr(i32, [1, 1])
    assert "operand count (1) does not match with the total size (2)" in errors_of(two)[0]


def test_custom_verify_hook():
    assert errors_of(toy.PositiveOp(value=IntegerAttr(3, i64))) == []
    assert errors_of(toy.PositiveOp(value=IntegerAttr(-2, i64))) == [
        "'toy.positive' op expects a positive value, got -2"]


def test_verify_without_handler_raises():
    with pytest.raises(DiagnosticError, match="expects a positive value"):
        verify(toy.PositiveOp(value=IntegerAttr(0, i64)))
    assert verify(toy.PositiveOp(value=IntegerAttr(1, i64)), raise_on_error=True)


def test_user_attribute_verify_in_parser(ctx):
    with pytest.raises(ParseError, match="unknown color 'purple'"):
        parse_source(ctx, "%p = toy.paint <purple> : !toy.shape<[1], f32>")


# ----------------------------------------------------------------------------
# Assembly formats: custom forms and generic forms round-trip
# ----------------------------------------------------------------------------


FORMS = [
    # (input, expected custom form or None when the input is already canonical)
    ("%b = toy.add %a, %a : f32", None),
    ("%b = toy.add %a, %a {note = 1 : i64} : f32", None),
    ("%c = toy.constant 3 : i32", None),
    ("%c = toy.constant dense<1.0> : tensor<2xf32>", "%c = toy.constant dense<1.000000e+00> : tensor<2xf32>"),
    ("%d = toy.cast %a : f32 to index", None),
    ("%s = toy.select %t, %a, %a : f32", None),
    ("%l = toy.load %m[%i, %i] : memref<4x4xf32>", None),
    ("%l = toy.load %m[] : memref<4x4xf32>", None),
    ("%n = toy.isnan %a", None),
    ("toy.maybe", None),
    ("toy.maybe %a : f32", None),
    ("%o = toy.maybe %a : f32 -> i32", None),
    ("%o = toy.maybe -> i32", None),
    ("toy.two_groups(%a, %a) (%i) : (f32, f32) (index)", None),
    ("toy.two_groups() () : () ()", None),
    ("toy.two_groups () (%i) : () (index)", "toy.two_groups() (%i) : () (index)"),
    ("%r:3 = toy.many_results : (i32) (f32, f32)", None),
    ("toy.many_results : () ()", None),
    ("toy.props", None),
    ("toy.props flag alpha = 2.0 count = 3 {mode = \"slow\"}",
     "toy.props flag alpha = 2.000000e+00 count = 3 {mode = \"slow\"}"),
    ("toy.props count = 1", "toy.props"),  # a default value is not printed
    ("toy.props {mode = \"fast\"}", "toy.props"),
    ("toy.props {count = 7}", "toy.props count = 7"),  # inherent attributes in attr-dict move to properties
    ("toy.required \"x\"", None),
    ("toy.else some %a : f32", None),
    ("toy.else none", None),
    ("toy.custom <<%a as f32>>", None),
    ("toy.custom<<%a as f32>>", "toy.custom <<%a as f32>>"),
    ("%cr:2 = toy.call \"f\"(%a, %i) : (f32, index) -> (i1, i1)", None),
    ("toy.call \"g\"() : () -> ()", None),
    ("%x = toy.call \"h\"(%a) : (f32) -> f32", None),
    ("%sc = toy.scope -> f32 {\n  toy.yield %a : f32\n}", None),
    ("toy.scope {\n}", None),
    ("toy.scope {\n  toy.yield\n}", "toy.scope {\n}"),  # the implicit terminator is elided
    ("toy.scope {\n  \"test.x\"() : () -> ()\n}", None),
    ("toy.isolated {\n  %z = \"test.z\"() : () -> i32\n}, {\n}", None),
    ("toy.isolated attributes {k} {\n}", None),
    ("toy.positive 3", None),
    ("toy.print %a, %i : f32, index", None),
    ("%p = toy.paint <red> : !toy.shape<[4, 5], f32>", None),
    ("\"toy.generic_only\"() <{flag}> : () -> ()", None),
    ("\"test.attr\"() {pair = #toy.pair<1, \"x\">, c = #toy.color<blue>} : () -> ()",
     "\"test.attr\"() {c = #toy.color<blue>, pair = #toy.pair<1, \"x\">} : () -> ()"),
]

PRELUDE = """%a = "test.f"() : () -> f32
%i = "test.i"() : () -> index
%t = "test.t"() : () -> i1
%m = "test.m"() : () -> memref<4x4xf32>
"""


@pytest.mark.parametrize("src,expected", FORMS)
def test_custom_form_round_trip(ctx, src, expected):
    custom, generic = roundtrip(ctx, PRELUDE + src + "\n")
    got = body(custom).split("\n")[4:]
    assert "\n".join(got) == (expected if expected is not None else src)
    # the generic form spells every op name in quotes
    assert not any(line.lstrip().startswith("toy.") or "= toy." in line for line in generic.split("\n"))


def test_generic_forms_of_toy_ops(ctx):
    custom, generic = roundtrip(ctx, PRELUDE + """
toy.two_groups(%a) () : (f32) ()
%r:3 = toy.many_results : (i32) (f32, f32)
toy.props flag
%c = toy.constant 3 : i32
toy.scope {
}
""")
    g = generic
    assert '"toy.two_groups"(%a) <{operandSegmentSizes = array<i32: 1, 0>}> : (f32) -> ()' in g
    assert '%r:3 = "toy.many_results"() <{resultSegmentSizes = array<i32: 1, 2>}> : () -> (i32, f32, f32)' in g
    assert '"toy.props"() <{count = 1 : i64, flag, mode = "fast"}> : () -> ()' in g
    assert '%c = "toy.constant"() <{value = 3 : i32}> : () -> i32' in g
    assert '"toy.scope"() ({\n    "toy.yield"() : () -> ()\n  }) : () -> ()' in generic


def test_generic_form_accepts_inherent_attrs_in_attr_dict(ctx):
    m = parse_source(ctx, '"toy.required"() {label = "x", other = 1} : () -> ()')
    op = m.block.first_op
    assert op.properties == {"label": StringAttr("x")} and set(op.attributes) == {"other"}
    assert body(Printer().print_top_level(m)) == 'toy.required "x" {other = 1 : i64}'


CUSTOM_FORM_ERRORS = [
    # (op text, message, line: the op is on line 5, 6 is the end of the input)
    ("toy.add %a, %a", "expected ':'", 5),
    ("toy.add %a : f32", "expected ','", 5),
    ("%x = toy.add %a, %nope : f32", "use of undeclared SSA value name '%nope'", 5),
    ("%x = toy.add %a, %i : f32", "use of value '%i' expects different type than prior uses: 'f32' vs 'index'", 5),
    ("toy.else maybe", "expected 'none'", 5),
    ("toy.custom <%a as f32>>", "expected '<<'", 5),
    ("%p = toy.paint #toy.color<red> : !toy.shape<[1], f32>", "expected '<'", 5),
    ("toy.nope", "custom op 'toy.nope' is unknown", 5),
    ("toy.generic_only", "'toy.generic_only' has no custom assembly form", 5),
    ("toy.required", "expected attribute value", 5),  # after the previous token, as upstream
    ("%o = toy.maybe : f32", "operation defines 0 results but was provided 1 to bind", 5),
    ("%o:2 = toy.add %a, %a : f32", "operation defines 1 results but was provided 2 to bind", 5),
]


@pytest.mark.parametrize("src,message,line", CUSTOM_FORM_ERRORS)
def test_custom_form_errors(ctx, src, message, line):
    with pytest.raises(ParseError) as e:
        parse_source(ctx, PRELUDE + src + "\n")
    assert message in e.value.message
    assert e.value.loc.file_line_col()[1] == line


# ----------------------------------------------------------------------------
# Definition errors
# ----------------------------------------------------------------------------


def _op_class(fmt: str | None = None, **fields):
    ns = dict(name="bad.op", **fields)
    if fmt is not None:
        ns["assembly_format"] = fmt
    return type(Op)("BadOp", (Op,), ns)


FORMAT_ERRORS = [
    ("$nope attr-dict", {}, "'$nope' is not an operand, attribute, region or successor"),
    ("$a `:` type($a)", {"a": operand()}, "'attr-dict' directive not found"),
    ("$a attr-dict", {"a": operand()}, "type of operand '$a' is not known"),
    ("attr-dict", {"a": operand(I1)}, "operand '$a' not found in the format"),
    ("attr-dict", {"r": result()}, "type of result '$r' is not known"),
    ("$a `:` type($a attr-dict", {"a": operand()}, "unexpected 'attr-dict'"),
    ("$a `: type($a) attr-dict", {"a": operand()}, "unterminated literal"),
    ("$a ) attr-dict : type($a)", {"a": operand()}, "unbalanced ')'"),
    ("($a)? attr-dict", {"a": opt_operand(I1)}, "optional group has no anchor ('^')"),
    ("($a^) attr-dict", {"a": opt_operand(I1)}, "expected '?' after optional group"),
    ("$a attr-dict `:` type($b)", {"a": operand(I1)}, "type($b): '$b' is not an operand or result"),
    ("$r attr-dict", {"r": result(I1)}, "result '$r' cannot be printed directly"),
    ("$a attr-dict foo(bar)", {"a": operand(I1)}, "unexpected 'foo'"),
    ("custom<Nope>($a) attr-dict", {"a": operand(I1)}, "custom<Nope> needs a classmethod 'parse_Nope"),
    ("attr-dict attr-dict", {}, "'attr-dict' directive has already been seen"),
    ("$a $a attr-dict", {"a": operand(I1)}, "'$a' is already bound"),
    ("attr-dict", {"r": var_result(), "s": var_result()}, "type of result '$r' is not known"),
]


@pytest.mark.parametrize("fmt,fields,message", FORMAT_ERRORS)
def test_format_definition_errors(fmt, fields, message):
    cls = _op_class(fmt, **fields)  # formats compile on first use
    with pytest.raises(DefinitionError) as e:
        op_format(cls)
    assert message in str(e.value)
    assert str(e.value).startswith(("bad.op: assembly format", "invalid assembly format"))
    assert "\n" not in str(e.value)


def test_class_definition_errors():
    with pytest.raises(DefinitionError, match="op name 'nodot' must be 'dialect.op'"):
        _op_class(None).__class__("X", (Op,), {"name": "nodot"})
    with pytest.raises(DefinitionError, match="field name 'operands' clashes"):
        _op_class(None, operands=operand())
    with pytest.raises(DefinitionError, match="at most one variadic region group"):
        _op_class(None, a=var_region(), b=var_region())
    with pytest.raises(ValueError, match="does not belong to dialect"):
        from mlir_py.definition.dialect import Dialect
        Dialect("other", ops=[toy.AddOp])


def test_format_introspection():
    fmt = op_format(toy.AddOp)
    assert "def parse(parser)" in fmt.parser_source and "def print_(op, printer)" in fmt.printer_source
    assert "toy.add" in repr(fmt)


def test_subclassing_keeps_fields():
    class Base(Op):
        x = operand(AnyType)

    class Derived(Base):
        name = "bad.derived"
        y = result(AnyType)
        assembly_format = "$x attr-dict `:` type($x) `->` type($y)"

    assert [o.name for o in Derived.definition.operands] == ["x"]
    v, = values(i32)
    d = Derived(v, y=f32)
    assert d.x is v and d.y.type is f32


def test_user_type_and_attribute_api(ctx):
    t = toy.ShapeType((4, 5), f32)
    assert t is toy.ShapeType([4, 5], f32) and t.dims == (4, 5) and t.element_type is f32
    assert str(t) == "!toy.shape<[4, 5], f32>"
    c = toy.ColorAttr("red")
    assert str(c) == "#toy.color<red>" and c.verify() is None and toy.ColorAttr("x").verify()
    p = toy.PairAttr(1, "x")
    assert str(p) == '#toy.pair<1, "x">'
    from mlir_py.text.parser import parse_attribute, parse_type
    assert parse_type(ctx, "!toy.shape<[4, 5], f32>") is t
    assert parse_attribute(ctx, "#toy.color<green>") is toy.ColorAttr("green")
    assert parse_attribute(ctx, '#toy.pair<1, "x">') is p
    with pytest.raises(ParseError, match="unknown color"):
        parse_attribute(ctx, "#toy.color<mauve>")
    with pytest.raises(ParseError, match="provides no attribute named 'nope'"):
        parse_attribute(_strict_with_toy(), "#toy.nope")
    # default parameter syntax: tuples, numbers, strings, types and attributes read back as written
    for a in (toy.PairAttr(1e-05, (1, 2.5, "x", ())), toy.PairAttr(-3, 1e20), toy.PairAttr(i64, (f32, i1))):
        assert parse_attribute(ctx, str(a)) is a


def _strict_with_toy() -> Context:
    c = Context()
    c.load_dialect(toy.DIALECT)
    return c


def test_unregistered_toy_op_in_strict_context():
    c = _strict_with_toy()
    with pytest.raises(ParseError, match="unregistered operation 'toy.nope' found in dialect"):
        parse_source(c, '"toy.nope"() : () -> ()')


# ----------------------------------------------------------------------------
# --load-dialect with mir-opt
# ----------------------------------------------------------------------------


def run_mir_opt(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("MLIR_PY_DEBUG", None)
    return subprocess.run([MIR_OPT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_mir_opt_load_dialect():
    src = PRELUDE + "%b = toy.add %a, %a : f32\n%p = toy.paint <green> : !toy.shape<[2], f32>\n"
    r = run_mir_opt("--load-dialect", TOY_PATH, "--allow-unregistered-dialect", stdin=src)
    assert r.returncode == 0, r.stderr
    assert "%4 = toy.add %0, %0 : f32" in r.stdout
    assert "%5 = toy.paint <green> : !toy.shape<[2], f32>" in r.stdout
    r = run_mir_opt("--load-dialect", TOY_PATH, "--allow-unregistered-dialect", "--mlir-print-op-generic",
                    "--keep-ssa-names", stdin=src)
    assert r.returncode == 0 and '"toy.add"(%a, %a) : (f32, f32) -> f32' in r.stdout
    assert '<{color = #toy.color<green>}>' in r.stdout


def test_mir_opt_load_dialect_reports_errors(tmp_path):
    src = "%x = toy.positive 0\n"
    r = run_mir_opt("--load-dialect", TOY_PATH, stdin="toy.positive 0\n")
    assert r.returncode == 1 and "<stdin>:1:1: error: 'toy.positive' op expects a positive value, got 0" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_mir_opt(stdin="toy.positive 1\n")  # not loaded
    assert r.returncode == 1 and "error:" in r.stderr and "toy" in r.stderr
    r = run_mir_opt("--load-dialect", str(tmp_path / "missing.py"), stdin=src)
    assert r.returncode == 1 and "missing.py" in r.stderr and "Traceback" not in r.stderr
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    r = run_mir_opt("--load-dialect", str(empty), stdin=src)
    assert r.returncode == 1 and "defines no Dialect" in r.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("from mlir_py.definition.opdef import Op\nclass A(Op):\n    name = 'nodot'\n")
    r = run_mir_opt("--load-dialect", str(broken), stdin=src)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "cannot load dialect file" in r.stderr and "op name 'nodot' must be 'dialect.op'" in r.stderr
    badfmt = tmp_path / "badfmt.py"
    badfmt.write_text(
        "from mlir_py.definition.dialect import Dialect\nfrom mlir_py.definition.opdef import Op, operand\n"
        "class A(Op):\n    name = 'bf.a'\n    x = operand()\n    assembly_format = '$x attr-dict'\n"
        "DIALECT = Dialect('bf', ops=[A])\n")
    r = run_mir_opt("--load-dialect", str(badfmt), stdin='bf.a %x\n')
    assert r.returncode == 1 and "Traceback" not in r.stderr
    # an invalid format fails when the dialect is defined (line 7: `Dialect(...)`), before any input is read
    assert r.stderr.startswith(f"{badfmt}:7: error: cannot load dialect file '{badfmt}': DefinitionError: bf.a: "
                               "assembly format '$x attr-dict': type of operand '$x' is not known"), r.stderr
