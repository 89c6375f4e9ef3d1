"""vector ops that combine elements: fma, reduction, multi_reduction,
contract, outerproduct; and print (the debugging output op).

Syntax and verifier messages are upstream MLIR's (LLVM 22), including
outerproduct's printer, which shows the attribute dictionary only when an
accumulator is present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlir_py.dialects.arith.attributes import FASTMATH_NONE, FastMathAttrConstraint, FastMathFlagsAttr
from mlir_py.dialects.vector.attributes import (
    AnyVectorOfAnyRank,
    AnyVectorOfNonZeroRank,
    CombiningKindAttr,
    CombiningKindC,
    IteratorTypeAttr,
    PunctuationAttr,
    PunctuationC,
    element_type,
    kind,
    kind_supports,
    quoted,
)
from mlir_py.dialects.vector.common import take_props

from mlir_py.builtin.constraints import AnyArrayAttr, DenseArrayOf, StrAttr
from mlir_py.definition.constraints import AnyType, Predicate
from mlir_py.definition.opdef import Op, operand, opt_operand, opt_prop, prop, result
from mlir_py.definition.traits import AllTypesMatch, MemoryEffects, Pure, Write
from mlir_py.ir.affine_expr import AffineConstantExpr, AffineDimExpr
from mlir_py.ir.builtin_attributes import AffineMapAttr, ArrayAttr, DenseArrayAttr, DictionaryAttr, StringAttr
from mlir_py.ir.builtin_types import FloatType, VectorType, i64

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

FloatVector = Predicate(lambda t: isinstance(t, VectorType) and isinstance(t.element_type, FloatType),
                        "vector of floating-point values")
IteratorTypeArrayC = Predicate(lambda a: isinstance(a, ArrayAttr) and all(isinstance(x, IteratorTypeAttr) for x in a),
                               "Iterator type should be an enum.")


class FMAOp(Op):
    """Fused multiply-add of vectors, lane by lane: `lhs * rhs + acc` rounded once.

    ```mlir
    %3 = vector.fma %0, %1, %2 : vector<8x16xf32>
    ```
    """

    name = "vector.fma"
    traits = [Pure, AllTypesMatch("lhs", "rhs", "acc", "result")]
    lhs = operand(FloatVector)
    rhs = operand(FloatVector)
    acc = operand(FloatVector)
    result = result(FloatVector)
    assembly_format = "$lhs `,` $rhs `,` $acc attr-dict `:` type($lhs)"


class ReductionOp(Op):
    """Reduces a 1-D vector to a scalar with a combining kind, optionally
    combined with an accumulator.

    ```mlir
    %1 = vector.reduction <add>, %0 : vector<16xf32> into f32
    %2 = vector.reduction <maxsi>, %v, %acc : vector<4xi32> into i32
    ```
    """

    name = "vector.reduction"
    traits = [Pure]
    kind = prop(CombiningKindC)
    vector = operand(AnyVectorOfAnyRank)
    acc = opt_operand(AnyType)
    fastmath = prop(FastMathAttrConstraint, default=FASTMATH_NONE)
    dest = result(AnyType)
    assembly_format = ("$kind `,` $vector (`,` $acc^)? (`fastmath` `` $fastmath^)? attr-dict `:` type($vector) "
                       "`into` type($dest)")

    def __init__(self, kind_name: str, vector, acc=None, fastmath: FastMathFlagsAttr | None = None, **kw):
        kw.setdefault("result_types", [vector.type.element_type])
        super().__init__(vector, acc, kind=kind(kind_name), fastmath=fastmath or FASTMATH_NONE, **kw)

    @classmethod
    def infer_operand_types(cls, name: str, env: dict) -> list:
        return [env["t_dest"]] * len(env["u_acc"])

    @property
    def kind_name(self) -> str:
        return self.kind.case_names[0]

    @classmethod
    def get_canonicalization_patterns(cls):
        from mlir_py.dialects.vector.canonicalize import single_element_reduction
        return [single_element_reduction]

    def verify_(self):
        v, d = self.vector.type, self.dest.type
        if v.element_type is not d:
            return "failed to verify that source operand and result have same element type"
        if self.acc is not None and self.acc.type is not d:
            return "failed to verify that dest and acc have the same type"
        if v.rank > 1:
            return f"unsupported reduction rank: {v.rank}"
        if not kind_supports(self.kind_name, d):
            return f"unsupported reduction type ''{d}'' for kind '{self.kind_name}'"
        return None


class MultiDimReductionOp(Op):
    """Reduces the listed dimensions of an n-D vector with a combining kind,
    starting from the accumulator (whose type is the result type).

    ```mlir
    %1 = vector.multi_reduction <add>, %0, %acc0 [1, 3] : vector<4x8x16x32xf32> to vector<4x16xf32>
    ```
    """

    name = "vector.multi_reduction"
    traits = [Pure, AllTypesMatch("dest", "acc")]
    kind = prop(CombiningKindC)
    source = operand(AnyVectorOfNonZeroRank)
    acc = operand(AnyType)
    reduction_dims = prop(DenseArrayOf(i64))
    dest = result(AnyType)
    assembly_format = ("$kind `,` $source `,` $acc attr-dict $reduction_dims `:` type($source) `to` "
                       "type($dest)")

    def __init__(self, kind_name: str, source, acc, reduction_dims, **kw):
        kw.setdefault("result_types", [acc.type])
        super().__init__(source, acc, kind=kind(kind_name),
                         reduction_dims=DenseArrayAttr(i64, tuple(reduction_dims)), **kw)

    @property
    def kind_name(self) -> str:
        return self.kind.case_names[0]

    @property
    def dims(self) -> list[int]:
        return list(self.reduction_dims.values)

    def reduced_type(self):
        """The type left after removing the reduced dimensions (the element type when all are)."""
        s = self.source.type
        keep = [i for i in range(s.rank) if i not in self.dims]
        if not keep:
            return s.element_type
        sc = s.scalable_dims
        return VectorType([s.shape[i] for i in keep], s.element_type, [sc[i] for i in keep] if sc else None)

    def verify_(self):
        s = self.source.type
        for d in self.dims:
            if d < 0 or d >= s.rank:
                return f"reduction dimension out of range: {d}"
        if element_type(self.dest.type) is not s.element_type:
            return "failed to verify that source operand and result have same element type"
        want = self.reduced_type()
        if self.dest.type is not want:
            return f"destination type {quoted(self.dest.type)} is incompatible with source type {quoted(s)}"
        return None

    def fold(self, operands):
        if self.source.type.rank == 1 and not self.dims:
            return self.source  # as upstream: a reduction over no dimension is its source
        return None

    @classmethod
    def get_canonicalization_patterns(cls):
        from mlir_py.dialects.vector.canonicalize import unit_dim_multi_reduction
        return [unit_dim_multi_reduction]


# ----------------------------------------------------------------------------
# contract
# ----------------------------------------------------------------------------

_TRAIT_ATTRS = ("indexing_maps", "iterator_types", "kind")


class ContractionOp(Op):
    """Sums products of `lhs` and `rhs` over the reduction iterators and
    combines them with `acc`; `indexing_maps` map the iteration space to each
    operand, `iterator_types` say which iterators are parallel and which reduce.

    ```mlir
    %3 = vector.contract {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>,
                                           affine_map<(i, j, k) -> (i, j)>],
                          iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
        %a, %b, %c : vector<4x3xf32>, vector<3x7xf32> into vector<4x7xf32>
    ```
    """

    name = "vector.contract"
    traits = [Pure]
    lhs = operand(AnyVectorOfNonZeroRank)
    rhs = operand(AnyVectorOfNonZeroRank)
    acc = operand(AnyType)
    indexing_maps = prop(AnyArrayAttr)
    iterator_types = prop(IteratorTypeArrayC)
    kind = prop(CombiningKindC, default=CombiningKindAttr(0))
    fastmath = prop(FastMathAttrConstraint, default=FASTMATH_NONE)
    result = result(AnyType)

    def __init__(self, lhs, rhs, acc, indexing_maps, iterator_types, kind_name: str = "add", **kw):
        kw.setdefault("result_types", [acc.type])
        super().__init__(lhs, rhs, acc, indexing_maps=ArrayAttr(tuple(AffineMapAttr(m) for m in indexing_maps)),
                         iterator_types=ArrayAttr(tuple(IteratorTypeAttr.get(t) for t in iterator_types)),
                         kind=kind(kind_name), **kw)

    @property
    def maps(self) -> list:
        return [m.value for m in self.indexing_maps]

    @property
    def iterators(self) -> list[str]:
        return [t.case_names[0] for t in self.iterator_types]

    @property
    def kind_name(self) -> str:
        return self.kind.case_names[0]

    @classmethod
    def parse(cls, parser: Parser) -> ContractionOp:
        pos = parser.skip_ws()
        trait = parser.parse_attribute()
        if not isinstance(trait, DictionaryAttr):
            raise parser.error("expected an attribute dictionary", pos)
        props = dict(trait.value) if hasattr(trait, "value") else dict(trait)
        us = parser.parse_operand_list()
        if len(us) != 3:
            raise parser.error("expected 3 operands", pos)
        attrs = parser.parse_optional_attr_dict()
        props.update(take_props(attrs, _TRAIT_ATTRS + ("fastmath",)))
        parser.expect(":")
        lt = parser.parse_type()
        parser.expect(",")
        rt = parser.parse_type()
        parser.parse_keyword("into")
        at = parser.parse_type()
        its = props.get("iterator_types")
        if not isinstance(its, ArrayAttr):
            raise parser.error("expected 'iterator_types' attribute", pos)
        conv = []
        for x in its:
            if isinstance(x, StringAttr) and x.value in IteratorTypeAttr.CASES:
                conv.append(IteratorTypeAttr.get(x.value))
            elif isinstance(x, IteratorTypeAttr):
                conv.append(x)
            else:
                raise parser.error(f"unexpected iterator_type ({x})", pos)
        props["iterator_types"] = ArrayAttr(tuple(conv))
        props.setdefault("kind", CombiningKindAttr(0))
        props.setdefault("fastmath", FASTMATH_NONE)
        operands = [parser.resolve_operand(u, t) for u, t in zip(us, (lt, rt, at))]
        return cls.create(operands, [at], props, attrs)

    def print(self, printer: Printer) -> None:
        shown = {}
        for k, v in self.properties.items():
            if k == "iterator_types":
                shown[k] = ArrayAttr(tuple(StringAttr(t.case_names[0]) for t in v))
            elif k in _TRAIT_ATTRS or (k == "fastmath" and v != FASTMATH_NONE):
                shown[k] = v
        printer.write(" ")
        printer.print_attribute(DictionaryAttr(dict(sorted(shown.items()))))
        printer.write(" ")
        printer.print_operands([self.lhs, self.rhs, self.acc])
        printer.print_optional_attr_dict(self.attributes)
        printer.write(" : ")
        printer.print_type(self.lhs.type)
        printer.write(", ")
        printer.print_type(self.rhs.type)
        printer.write(" into ")
        printer.print_type(self.result.type)

    def iteration_bounds(self) -> list[int]:
        """The size of each iterator, read from the operand that indexes it."""
        bounds = [0] * len(self.iterator_types)
        for m, t in zip(self.maps, (self.lhs.type, self.rhs.type, self.acc.type)):
            if not isinstance(t, VectorType):
                continue
            for r, e in enumerate(m.results):
                if isinstance(e, AffineDimExpr) and bounds[e.position] == 0:
                    bounds[e.position] = t.shape[r]
        return bounds

    def contracting_dim_map(self) -> list[tuple[int, int]]:
        """(lhs dim, rhs dim) pairs of the reduction iterators."""
        return self._dim_pairs("reduction")

    def batch_dim_map(self) -> list[tuple[int, int]]:
        return self._dim_pairs("parallel")

    def _dim_pairs(self, it: str) -> list[tuple[int, int]]:
        lm, rm = self.maps[0], self.maps[1]
        out = []
        for d, kind_ in enumerate(self.iterators):
            if kind_ != it:
                continue
            li = _result_index(lm, d)
            ri = _result_index(rm, d)
            if li is not None and ri is not None:
                out.append((li, ri))
        return out

    def verify_(self):
        lt, rt, at, res = self.lhs.type, self.rhs.type, self.acc.type, self.result.type
        if lt.element_type is not rt.element_type:
            return "failed to verify that lhs and rhs have same element type"
        if element_type(at) is not element_type(res):
            return "failed to verify that third operand acc and result have same element type"
        maps = list(self.indexing_maps)
        if any(not isinstance(m, AffineMapAttr) for m in maps):
            return "failed to verify that indexing_maps is an array of affine maps"
        if len(maps) != 3:
            return "expected an indexing map for each vector operand"
        n = len(self.iterator_types)
        for i, (m, t) in enumerate(zip(self.maps, (lt, rt, at))):
            if m.num_symbols:
                return f"expected indexing map {i} to have no symbols"
            if m.num_dims != n:
                return f"expected indexing map {i} to have {n} number of inputs"
            rank = t.rank if isinstance(t, VectorType) else 0
            if len(m.results) != rank:
                return f"expected indexing map {i} to have {rank} number of outputs"
            if any(not isinstance(e, (AffineDimExpr, AffineConstantExpr)) for e in m.results):
                return f"expected indexing map {i} to be a projected permutation of its inputs"
        contracting = self.contracting_dim_map()
        if not contracting:
            return "expected at least one contracting dimension pair"
        for li, ri in contracting:
            if lt.shape[li] != rt.shape[ri]:
                return "invalid contracting dimension map"
        for li, ri in self.batch_dim_map():
            if lt.shape[li] != rt.shape[ri]:
                return "invalid batch dimension map"
        bounds = self.iteration_bounds()
        am = self.maps[2]
        if isinstance(at, VectorType):
            want = [bounds[e.position] for e in am.results if isinstance(e, AffineDimExpr)]
            if list(at.shape) != want:
                return "invalid accumulator/result vector shape"
        if at is not res:
            return "failed to verify that acc and result have the same type"
        if not kind_supports(self.kind_name, element_type(res)):
            return "unsupported contraction type"
        return None


def _result_index(m, d: int) -> int | None:
    for i, e in enumerate(m.results):
        if isinstance(e, AffineDimExpr) and e.position == d:
            return i
    return None


class OuterProductOp(Op):
    """The outer product of two 1-D vectors (a 2-D result), or an AXPY when
    `rhs` is a scalar; combined with the optional accumulator by `kind`.

    ```mlir
    %2 = vector.outerproduct %0, %1, %acc {kind = #vector.kind<add>} : vector<4xf32>, vector<8xf32>
    %3 = vector.outerproduct %0, %s : vector<4xf32>, f32
    ```
    """

    name = "vector.outerproduct"
    traits = [Pure]
    lhs = operand(AnyVectorOfNonZeroRank)
    rhs = operand(AnyType)
    acc = opt_operand(AnyVectorOfNonZeroRank)
    kind = prop(CombiningKindC, default=CombiningKindAttr(0))
    result = result(AnyVectorOfNonZeroRank)

    def __init__(self, lhs, rhs, acc=None, kind_name: str = "add", **kw):
        kw.setdefault("result_types", [outer_result_type(lhs.type, rhs.type)])
        super().__init__(lhs, rhs, acc, kind=kind(kind_name), **kw)

    @property
    def kind_name(self) -> str:
        return self.kind.case_names[0]

    @classmethod
    def parse(cls, parser: Parser) -> OuterProductOp:
        pos = parser.skip_ws()
        us = parser.parse_operand_list()
        if len(us) < 2:
            raise parser.error("expected at least 2 operands", pos)
        attrs = parser.parse_optional_attr_dict()
        props = take_props(attrs, ("kind",))
        props.setdefault("kind", CombiningKindAttr(0))
        parser.expect(":")
        tpos = parser.skip_ws()
        lt = parser.parse_type()
        parser.expect(",")
        rt = parser.parse_type()
        if not isinstance(lt, VectorType):
            raise parser.error("expected vector type for operand #1", tpos)
        res = outer_result_type(lt, rt)
        operands = [parser.resolve_operand(us[0], lt), parser.resolve_operand(us[1], rt)]
        if len(us) > 2:
            operands.append(parser.resolve_operand(us[2], res))
        return cls.create(operands, [res], props, attrs)

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_operands([self.lhs, self.rhs])
        if self.acc is not None:  # upstream prints the attributes (kind included) only here
            printer.write(", ")
            printer.print_operand(self.acc)
            printer.print_optional_attr_dict(dict(sorted({**self.properties, **self.attributes}.items())))
        printer.write(" : ")
        printer.print_type(self.lhs.type)
        printer.write(", ")
        printer.print_type(self.rhs.type)

    def verify_(self):
        lt, rt, res = self.lhs.type, self.rhs.type, self.result.type
        if lt.rank != 1:
            return "expected 1-d vector for operand #1"
        if isinstance(rt, VectorType):
            if rt.rank != 1:
                return "expected 1-d vector for operand #2"
            if res.rank != 2:
                return "expected 2-d vector result"
            if lt.shape[0] != res.shape[0]:
                return "expected #1 operand dim to match result dim #1"
            if rt.shape[0] != res.shape[1]:
                return "expected #2 operand dim to match result dim #2"
        else:
            if res.rank != 1:
                return "expected 1-d vector result"
            if lt.shape[0] != res.shape[0]:
                return "expected #1 operand dim to match result dim #1"
        if self.acc is not None and self.acc.type is not res:
            return "expected operand #3 of same type as result type"
        if not kind_supports(self.kind_name, res.element_type):
            return "unsupported outerproduct type"
        return None


def outer_result_type(lt: VectorType, rt) -> VectorType:
    if isinstance(rt, VectorType):
        ls = lt.scalable_dims[0] if lt.scalable_dims else False
        rs = rt.scalable_dims[0] if rt.scalable_dims else False
        return VectorType([lt.shape[0], rt.shape[0]], lt.element_type, [ls, rs])
    return lt


# ----------------------------------------------------------------------------
# print
# ----------------------------------------------------------------------------


class PrintOp(Op):
    """Prints a scalar or vector (`( 1, 2, 3 )`), or a string, followed by the
    punctuation (a newline by default) - for tests and debugging.

    ```mlir
    vector.print %v : vector<4xf32>
    vector.print str "done\n"
    vector.print %x : f32 punctuation <comma>
    ```
    """

    name = "vector.print"
    traits = [MemoryEffects(Write("source"))]
    source = opt_operand(AnyType)
    punctuation = prop(PunctuationC, default=PunctuationAttr(1))
    stringLiteral = opt_prop(StrAttr)  # noqa: N815 (upstream's property name)

    @classmethod
    def parse(cls, parser: Parser) -> PrintOp:
        operands = []
        props: dict = {}
        u = parser.parse_optional_operand()
        if u is not None:
            parser.expect(":")
            operands.append(parser.resolve_operand(u, parser.parse_type()))
        while True:
            if parser.parse_optional_keyword("str"):
                props["stringLiteral"] = parser.parse_attribute()
            elif parser.parse_optional_keyword("punctuation"):
                props["punctuation"] = PunctuationAttr.parse_parameters(parser)
            else:
                break
        attrs = parser.parse_optional_attr_dict()
        props.update(take_props(attrs, ("punctuation", "stringLiteral")))
        props.setdefault("punctuation", PunctuationAttr(1))
        return cls.create(operands, [], props, attrs)

    def print(self, printer: Printer) -> None:
        w = printer.write
        if self.source is not None:
            w(" ")
            printer.print_operand(self.source)
            w(" : ")
            printer.print_type(self.source.type)
        if self.stringLiteral is not None:
            w(" str ")
            printer.print_attribute(self.stringLiteral)
        if self.punctuation.value != 1:
            w(" punctuation ")
            self.punctuation.print_parameters(printer)
        printer.print_optional_attr_dict(self.attributes)

    def verify_(self):
        if self.stringLiteral is not None and (self.source is not None or self.punctuation.value != 1):
            return "failed to verify that `source` or `punctuation` are not set when printing strings"
        return None


OPS = [FMAOp, ReductionOp, MultiDimReductionOp, ContractionOp, OuterProductOp, PrintOp]
