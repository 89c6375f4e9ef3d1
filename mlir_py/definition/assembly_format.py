"""The declarative assembly format: MLIR ODS `assemblyFormat`, in Python.

A format string such as `$lhs `,` $rhs attr-dict `:` type($result)` is
parsed once (`format_syntax`, with lark) into elements, checked against the op definition,
and compiled into two Python functions - a parser and a printer - whose
source can be inspected with `format.parser_source` / `printer_source`.

Types that the format does not spell are inferred, in this order: the
constraint's fixed type (`Index`, `I1`), equalities declared by traits
(SameOperandsAndResultType, AllTypesMatch, TypesMatchWith), then the op's
`infer_result_types`.
"""

from __future__ import annotations

from typing import Any

from mlir_py.definition.constraints import AnyType
from mlir_py.definition.format_syntax import El, parse_format
from mlir_py.definition.opdef import OPTIONAL, SINGLE, VARIADIC, DefinitionError, Op, _segment_attr
from mlir_py.definition.traits import (
    AllTypesMatch,
    IsolatedFromAbove,
    SameOperandsAndResultType,
    SameTypeOperands,
    SingleBlockImplicitTerminator,
    Terminator,
    TypesMatchWith,
)
from mlir_py.definition.traits import SameOperandsAndResultType as _Same
from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.operation import Block, Region

# ----------------------------------------------------------------------------
# Compilation
# ----------------------------------------------------------------------------


class CompiledFormat:
    """An op's `assembly_format` compiled to a parser and a printer (`.parse`, `.print`), checked against the op.

    Raises DefinitionError when the format does not fit the op (an operand never spelled, a type that cannot be
    inferred). The generated Python is kept in `parser_source` / `printer_source` for reading.
    """

    def __init__(self, cls, fmt: str):
        self.cls = cls
        self.fmt = fmt
        self.elements = parse_format(fmt)
        self.parser_source = ""
        self.printer_source = ""
        _Compiler(cls, self).compile()

    def __repr__(self) -> str:
        return f"<format of {self.cls.name}: {self.fmt}>"


def compile_op_format(cls, fmt: str) -> CompiledFormat:
    """Compile `fmt` for op class `cls` (see CompiledFormat); ops get theirs through `op_format`, compiled on first
    use.
    """
    return CompiledFormat(cls, fmt)


class _Compiler:
    def __init__(self, cls, out: CompiledFormat):
        self.cls = cls
        self.out = out
        d = cls.definition
        self.d = d
        self.operands = {o.name: o for o in d.operands}
        self.results = {r.name: r for r in d.results}
        self.props = d.props
        self.regions = {r.name: r for r in d.regions}
        self.successors = {s.name: s for s in d.successors}
        self.used_props: set[str] = set()
        self.typed: set[str] = set()  # operand/result names whose types the format spells
        self.seen_operands: set[str] = set()
        self.all_operands_dir = False
        self.all_types_operands = False
        self.all_results_types = False
        self.has_attr_dict = False

    def err(self, msg: str) -> DefinitionError:
        return DefinitionError(f"{self.d.name}: assembly format '{self.out.fmt}': {msg}")

    def compile(self) -> None:
        els = self.out.elements
        self._check(els)
        if not self.has_attr_dict:
            raise self.err("'attr-dict' directive not found")
        ns: dict[str, Any] = {"cls": self.cls, "SINGLE": SINGLE}
        self.ns = ns
        psrc = self._gen_parser(els)
        wsrc = self._gen_printer(els)
        self.out.parser_source = psrc
        self.out.printer_source = wsrc
        ns["UnitAttr"] = UnitAttr
        exec(compile(psrc, f"<format parser {self.d.name}>", "exec"), ns)
        exec(compile(wsrc, f"<format printer {self.d.name}>", "exec"), ns)
        self.out.parse = ns["parse"]
        self.out.print = ns["print_"]

    # -- validation -------------------------------------------------------

    def _bind(self, n: str) -> None:
        if n in self._bound:
            raise self.err(f"'${n}' is already bound")
        self._bound.add(n)

    def _check(self, els: list[El]) -> None:
        self._bound: set[str] = getattr(self, "_bound", set())
        for e in els:
            if e.kind == "var":
                n = e.value
                self._bind(n)
                if n in self.operands:
                    self.seen_operands.add(n)
                elif n in self.props:
                    self.used_props.add(n)
                elif n not in self.regions and n not in self.successors and n not in self.results:
                    raise self.err(f"'${n}' is not an operand, attribute, region or successor")
                elif n in self.results:
                    raise self.err(f"result '${n}' cannot be printed directly; use type(${n})")
            elif e.kind == "type":
                self._check_type_arg(e.args[0])
            elif e.kind == "ftype":
                for a in e.args:
                    self._check_type_arg(a)
            elif e.kind in ("attrdict", "attrdictkw"):
                if self.has_attr_dict:
                    raise self.err("'attr-dict' directive has already been seen")
                self.has_attr_dict = True
            elif e.kind == "kw" and e.value == "operands":
                self.all_operands_dir = True
            elif e.kind == "custom":
                for a in e.args:
                    if a.kind == "var":
                        if not a.ref:
                            self._bind(a.value)
                        if a.value in self.operands:
                            self.seen_operands.add(a.value)
                        elif a.value in self.props:
                            self.used_props.add(a.value)
                    elif a.kind == "type":
                        self._check_type_arg(a.args[0])
                    elif a.kind == "attrdict":
                        self.has_attr_dict = True
            elif e.kind == "group":
                self._check(e.then)
                self._check(e.else_)

    def _check_type_arg(self, a: El) -> None:
        if a.kind == "kw":
            if a.value == "operands":
                self.all_types_operands = True
            elif a.value == "results":
                self.all_results_types = True
            return
        n = a.value
        if n not in self.operands and n not in self.results:
            raise self.err(f"type(${n}): '${n}' is not an operand or result")
        self.typed.add(n)

    # -- helpers ----------------------------------------------------------

    def _kind(self, name: str) -> str:
        f = self.operands.get(name) or self.results.get(name)
        return f.kind

    def _attr_class(self, name: str):
        c = self.props[name].constraint
        classes = getattr(c, "classes", None)
        if classes and len(classes) == 1:
            return classes[0]
        return getattr(c, "attr_class", None)

    def _is_unit(self, name: str) -> bool:
        return self._attr_class(name) is UnitAttr

    # -- parser generation ------------------------------------------------

    def _gen_parser(self, els: list[El]) -> str:
        L: list[str] = []
        L.append("def parse(parser):")
        L.append("    start = parser.pos")
        L.append("    props = {}")
        L.append("    attrs = {}")
        for n, o in self.operands.items():
            L.append(f"    u_{n} = {'None' if o.kind == SINGLE else '[]'}")
        for n in list(self.operands) + list(self.results):
            f = self.operands.get(n) or self.results.get(n)
            L.append(f"    t_{n} = {'None' if f.kind == SINGLE else '[]'}")
        for n, r in self.regions.items():
            L.append(f"    r_{n} = {'None' if r.kind == SINGLE else '[]'}")
        for n, s in self.successors.items():
            L.append(f"    s_{n} = {'None' if s.kind == SINGLE else '[]'}")
        L.append("    u_all = None")
        L.append("    t_all_operands = None")
        L.append("    t_all_results = None")
        self._gen_parse_els(els, L, 1)
        self._gen_resolution(L)
        return "\n".join(L) + "\n"

    def _gen_parse_els(self, els: list[El], L: list[str], ind: int) -> None:
        for e in els:
            self._gen_parse_el(e, L, ind)

    def _gen_parse_el(self, e: El, L: list[str], ind: int) -> None:
        p = "    " * ind
        k = e.kind
        if k == "literal":
            v = e.value
            if v in ("", " ", "\\n"):
                return
            if v[0].isalpha() or v[0] == "_":
                L.append(f"{p}parser.parse_keyword({v!r})")
            else:
                L.append(f"{p}parser.expect({v!r})")
        elif k == "var":
            n = e.value
            if n in self.operands:
                kind = self.operands[n].kind
                if kind == SINGLE:
                    L.append(f"{p}u_{n} = parser.parse_operand()")
                elif kind == OPTIONAL:
                    L.append(f"{p}u_{n} = [parser.parse_operand()] if parser.peek('%') else []")
                else:
                    L.append(f"{p}u_{n} = parser.parse_operand_list()")
            elif n in self.props:
                self._gen_parse_attr(n, L, p)
            elif n in self.regions:
                iso = "True" if self._isolated() else "False"
                if self.regions[n].kind == VARIADIC:
                    L.append(f"{p}r_{n} = []")
                    L.append(f"{p}if parser.peek('{{'):")
                    L.append(f"{p}    r_{n}.append(parser.parse_region(isolated={iso}))")
                    L.append(f"{p}    while parser.parse_optional(','):")
                    L.append(f"{p}        r_{n}.append(parser.parse_region(isolated={iso}))")
                else:
                    L.append(f"{p}r_{n} = parser.parse_region(isolated={iso})")
            elif n in self.successors:
                if self.successors[n].kind == VARIADIC:
                    L.append(f"{p}s_{n} = []")
                    L.append(f"{p}if parser.peek('^'):")
                    L.append(f"{p}    s_{n}.append(parser.parse_successor())")
                    L.append(f"{p}    while parser.parse_optional(','):")
                    L.append(f"{p}        s_{n}.append(parser.parse_successor())")
                else:
                    L.append(f"{p}s_{n} = parser.parse_successor()")
        elif k == "type":
            self._gen_parse_type(e.args[0], L, p)
        elif k == "ftype":
            L.append(f"{p}_ins = parser.parse_type_list_parens()")
            L.append(f"{p}_outs = parser.parse_arrow_type_list()")
            self._assign_types(e.args[0], "_ins", L, p)
            self._assign_types(e.args[1], "_outs", L, p)
        elif k == "attrdict":
            L.append(f"{p}attrs = parser.parse_optional_attr_dict()")
        elif k == "attrdictkw":
            L.append(f"{p}attrs = parser.parse_optional_attr_dict_with_keyword()")
        elif k == "propdict":
            L.append(f"{p}if parser.parse_optional('<'):")
            L.append(f"{p}    props.update(parser.parse_attr_dict_body())")
            L.append(f"{p}    parser.expect('>')")
        elif k == "kw":
            v = e.value
            if v == "operands":
                L.append(f"{p}u_all = parser.parse_operand_list()")
            elif v == "regions":
                L.append(f"{p}r_all = []")
                L.append(f"{p}while parser.peek('{{'):")
                L.append(f"{p}    r_all.append(parser.parse_region())")
                L.append(f"{p}    if not parser.parse_optional(','): break")
            elif v == "successors":
                L.append(f"{p}s_all = []")
                L.append(f"{p}if parser.peek('^'):")
                L.append(f"{p}    s_all.append(parser.parse_successor())")
                L.append(f"{p}    while parser.parse_optional(','):")
                L.append(f"{p}        s_all.append(parser.parse_successor())")
            else:
                raise self.err(f"'{v}' cannot be used here")
        elif k == "custom":
            fn = f"parse_{e.value}"
            if not hasattr(self.cls, fn):
                raise self.err(f"custom<{e.value}> needs a classmethod '{fn}(parser, ...)'")
            targets = []
            for a in e.args:
                if a.ref:
                    continue
                targets.append(self._custom_target(a))
            refs = [self._custom_target(a) for a in e.args if a.ref]
            ref_args = "".join(", " + r for r in refs)
            if targets:
                L.append(f"{p}_c = cls.{fn}(parser{ref_args})")
                if len(targets) == 1:
                    L.append(f"{p}{targets[0]} = _c")
                else:
                    L.append(f"{p}{', '.join(targets)} = _c")
            else:
                L.append(f"{p}cls.{fn}(parser{ref_args})")
            for a in e.args:
                if a.kind == "var" and a.value in self.props and not a.ref:
                    L.append(f"{p}if props.get({a.value!r}) is None: props.pop({a.value!r}, None)")
        elif k == "group":
            self._gen_parse_group(e, L, ind)
        else:
            raise self.err(f"unsupported element {k}")

    def _custom_target(self, a: El) -> str:
        if a.kind == "var":
            n = a.value
            if n in self.operands:
                return f"u_{n}"
            if n in self.props:
                return f"props[{n!r}]"
            if n in self.regions:
                return f"r_{n}"
            if n in self.successors:
                return f"s_{n}"
            raise self.err(f"custom directive argument '${n}' is unknown")
        if a.kind == "type":
            inner = a.args[0]
            return f"t_{inner.value}"
        if a.kind == "attrdict":
            return "attrs"
        raise self.err("unsupported custom directive argument")

    def _stripped(self, n: str):
        """A dialect attribute class printed without its `#dialect.name` prefix."""
        cls = self._attr_class(n)
        if cls is not None and isinstance(cls, type) and getattr(cls, "name", "").split(".")[0] not in \
                ("builtin", "") and hasattr(cls, "parse_parameters"):
            return cls
        return None

    def _gen_parse_attr(self, n: str, L: list[str], p: str) -> None:
        self.used_props.add(n)
        c = self.props[n].constraint
        fixed = getattr(c, "fixed_type", None)
        if hasattr(c, "parse_short"):
            self.ns[f"C_{n}"] = c
            L.append(f"{p}props[{n!r}] = C_{n}.parse_short(parser)")
        elif self._stripped(n) is not None:
            self.ns[f"A_{n}"] = self._stripped(n)
            L.append(f"{p}props[{n!r}] = parser._call_attr_parser(A_{n}, parser.skip_ws())")
        elif fixed is not None:
            self.ns[f"T_{n}"] = fixed
            L.append(f"{p}props[{n!r}] = parser.parse_attribute(T_{n})")
        else:
            L.append(f"{p}props[{n!r}] = parser.parse_attribute()")

    def _gen_parse_type(self, a: El, L: list[str], p: str) -> None:
        if a.kind == "kw":
            if a.value == "operands":
                L.append(f"{p}t_all_operands = parser.parse_type_list()")
            elif a.value == "results":
                L.append(f"{p}t_all_results = parser.parse_type_list()")
            return
        n = a.value
        kind = self._kind(n)
        if kind == SINGLE:
            L.append(f"{p}t_{n} = parser.parse_type()")
        elif kind == OPTIONAL:
            L.append(f"{p}_t = parser.parse_optional_type()")
            L.append(f"{p}t_{n} = [] if _t is None else [_t]")
        else:
            L.append(f"{p}t_{n} = parser.parse_type_list()")

    def _assign_types(self, a: El, src: str, L: list[str], p: str) -> None:
        if a.kind == "kw":
            L.append(f"{p}t_all_{'operands' if a.value == 'operands' else 'results'} = list({src})")
            return
        n = a.value
        if self._kind(n) == SINGLE:
            L.append(f"{p}if len({src}) != 1: raise parser.error('expected one type for ${n}')")
            L.append(f"{p}t_{n} = {src}[0]")
        else:
            L.append(f"{p}t_{n} = list({src})")

    def _gen_parse_group(self, e: El, L: list[str], ind: int) -> None:
        p = "    " * ind
        # spacing literals (`` ` ` ``) parse nothing: the first real element decides presence
        lead = 0
        while lead < len(e.then) - 1 and e.then[lead].kind == "literal" and e.then[lead].value in ("", " ", "\\n"):
            lead += 1
        first = e.then[lead]
        cond = self._presence_test(first)
        L.append(f"{p}if {cond}:")
        anchor_unit = [x.value for x in e.then if x.kind == "var" and x.anchor and x.value in self.props
                       and self._is_unit(x.value)]
        if first.kind == "literal" and first.value not in ("", " "):
            rest = e.then[lead + 1:]
        else:
            rest = e.then[lead:]
        for n in anchor_unit:
            L.append(f"{p}    props[{n!r}] = UnitAttr()")
        body_start = len(L)
        for x in rest:
            if x.kind == "var" and x.value in anchor_unit:
                continue
            self._gen_parse_el(x, L, ind + 1)
        if len(L) == body_start and not anchor_unit:
            L.append(f"{p}    pass")
        if e.else_:
            L.append(f"{p}else:")
            n0 = len(L)
            self._gen_parse_els(e.else_, L, ind + 1)
            if len(L) == n0:
                L.append(f"{p}    pass")

    def _presence_test(self, e: El) -> str:
        k = e.kind
        if k == "literal":
            v = e.value
            if v[0].isalpha() or v[0] == "_":
                return f"parser.parse_optional_keyword({v!r})"
            return f"parser.parse_optional({v!r})"
        if k == "var":
            n = e.value
            if n in self.operands:
                return "parser.peek('%')"
            if n in self.regions:
                return "parser.peek('{')"
            if n in self.successors:
                return "parser.peek('^')"
            if n in self.props:
                c = self.props[n].constraint
                if hasattr(c, "peek_short"):
                    self.ns[f"C_{n}"] = c
                    return f"C_{n}.peek_short(parser)"
                if self._stripped(n) is not None:
                    return "parser.peek('<')"
                return "(parser.peek_char() not in (')', ']', '}', '>', ',', ':', '=', '->', '') " \
                       "and not parser.peek('->') and not parser.peek('attributes'))"
        if k == "type":
            return "parser.peek_type()"
        if k == "attrdict":
            return "parser.peek('{')"
        if k == "kw" and e.value == "operands":
            return "parser.peek('%')"
        if k == "kw" and e.value == "regions":
            return "parser.peek('{')"
        if k == "kw" and e.value == "successors":
            return "parser.peek('^')"
        if k == "custom":
            fn = f"peek_{e.value}"
            if hasattr(self.cls, fn):
                return f"cls.{fn}(parser)"
        raise self.err("cannot use this element first in an optional group")

    def _isolated(self) -> bool:
        return IsolatedFromAbove in self.cls.traits

    # -- type resolution --------------------------------------------------

    def _gen_resolution(self, L: list[str]) -> None:
        d = self.d
        p = "    "
        # inherent attributes written in the attr-dict move to properties
        L.append(f"{p}for _k in [k for k in attrs if k in _PROPS]:")
        L.append(f"{p}    props[_k] = attrs.pop(_k)")
        self.ns["_PROPS"] = frozenset(self.props) | {"operandSegmentSizes", "resultSegmentSizes"}
        for n, pd in self.props.items():
            if pd.default is not None and pd.kind == SINGLE:
                self.ns[f"D_{n}"] = pd.default
                L.append(f"{p}if {n!r} not in props: props[{n!r}] = D_{n}")
        # explicit all-operands / all-results forms
        if self.all_operands_dir or self.all_types_operands:
            names = [o.name for o in d.operands]
            if self.all_operands_dir and len(d.operands) > 1 and any(o.kind != SINGLE for o in d.operands):
                raise self.err("'operands' with several variadic groups is not supported")
            if self.all_operands_dir:
                if len(d.operands) == 1 and d.operands[0].kind != SINGLE:
                    L.append(f"{p}u_{names[0]} = u_all")
                else:
                    for i, n in enumerate(names):
                        L.append(f"{p}u_{n} = u_all[{i}] if u_all is not None and len(u_all) > {i} else None")
            if self.all_types_operands:
                if len(d.operands) == 1 and d.operands[0].kind != SINGLE:
                    L.append(f"{p}t_{names[0]} = t_all_operands")
                else:
                    for i, n in enumerate(names):
                        L.append(f"{p}t_{n} = t_all_operands[{i}] if len(t_all_operands) > {i} else None")
                    self.typed.update(names)
                self.typed.update(names)
        if self.all_results_types:
            names = [r.name for r in d.results]
            if len(d.results) == 1 and d.results[0].kind != SINGLE:
                L.append(f"{p}t_{names[0]} = t_all_results")
            else:
                for i, n in enumerate(names):
                    L.append(f"{p}t_{n} = t_all_results[{i}] if len(t_all_results) > {i} else None")
            self.typed.update(names)
        # fixed types from constraints
        for f in list(d.operands) + list(d.results):
            if f.name in self.typed:
                continue
            fixed = getattr(f.constraint, "fixed_type", None)
            if fixed is not None:
                self.ns[f"F_{f.name}"] = fixed
                if f.kind == SINGLE:
                    L.append(f"{p}t_{f.name} = F_{f.name}")
                else:
                    L.append(f"{p}t_{f.name} = [F_{f.name}] * len(u_{f.name})" if f.name in self.operands
                             else f"{p}t_{f.name} = [F_{f.name}]")
                self.typed.add(f.name)
        # equalities from traits
        groups: list[list[str]] = []
        if SameOperandsAndResultType in self.cls.traits:
            groups.append([o.name for o in d.operands] + [r.name for r in d.results])
        if SameTypeOperands in self.cls.traits:
            groups.append([o.name for o in d.operands])
        for t in d.trait_instances.values():
            if isinstance(t, AllTypesMatch):
                groups.append([n for n in t.names if n in self.operands or n in self.results])
        matches = [t for t in d.trait_instances.values() if isinstance(t, TypesMatchWith)]
        for _ in range(4):
            progress = False
            for g in groups:
                known = [n for n in g if n in self.typed and self._kind(n) == SINGLE]
                if not known:
                    continue
                src = known[0]
                for n in g:
                    if n in self.typed:
                        continue
                    if self._kind(n) == SINGLE:
                        L.append(f"{p}t_{n} = t_{src}")
                    else:
                        L.append(f"{p}t_{n} = [t_{src}] * len(u_{n})" if n in self.operands else
                                 f"{p}t_{n} = [t_{src}]")
                    self.typed.add(n)
                    progress = True
            for i, t in enumerate(matches):
                if t.lhs in self.typed and t.rhs not in self.typed and self._kind(t.lhs) == SINGLE:
                    self.ns[f"M_{i}"] = t.transform
                    # as ODS: check the source type before a transformer sees it
                    src = self.operands.get(t.lhs) or self.results.get(t.lhs)
                    if src.constraint is not AnyType:
                        self.ns[f"V_{t.lhs}"] = src.constraint
                        msg = f"'{t.lhs.rstrip('_')}' must be {src.constraint.description}, but got "
                        L.append(f"{p}if V_{t.lhs}.verify(t_{t.lhs}) is not None: "
                                 f"raise parser.error({msg!r} + repr(str(t_{t.lhs})), start)")
                    if self._kind(t.rhs) == SINGLE:
                        L.append(f"{p}t_{t.rhs} = M_{i}(t_{t.lhs})")
                    else:
                        L.append(f"{p}t_{t.rhs} = [M_{i}(t_{t.lhs})] * len(u_{t.rhs})")
                    self.typed.add(t.rhs)
                    progress = True
            if not progress:
                break
        # resolve operands
        for o in d.operands:
            n = o.name
            if n not in self.seen_operands and not self.all_operands_dir:
                raise self.err(f"operand '${n}' not found in the format")
            if n not in self.typed:
                hook = getattr(self.cls, "infer_operand_types", None)
                if hook is None:
                    raise self.err(f"type of operand '${n}' is not known: add type(${n}) or a type constraint")
                L.append(f"{p}t_{n} = cls.infer_operand_types({n!r}, locals())")
                self.typed.add(n)
            if o.kind == SINGLE:
                L.append(f"{p}v_{n} = [parser.resolve_operand(u_{n}, t_{n})]")
            else:
                L.append(f"{p}v_{n} = parser.resolve_operands(u_{n}, t_{n}, start)")
        ops = " + ".join(f"v_{o.name}" for o in d.operands) or "[]"
        L.append(f"{p}operands = {ops}")
        if d.operand_segments:
            L.append(f"{p}props['operandSegmentSizes'] = _seg([{', '.join(f'len(v_{o.name})' for o in d.operands)}])")
        # result types
        untyped = [r.name for r in d.results if r.name not in self.typed]
        if untyped:
            if getattr(self.cls.infer_result_types, "__func__", None) is Op.infer_result_types.__func__ \
                    and _Same not in self.cls.traits:
                raise self.err(f"type of result '${untyped[0]}' is not known: add type(${untyped[0]}), a type "
                               f"constraint, a type-equality trait or infer_result_types")
            L.append(f"{p}result_types = cls.infer_result_types(operands, props)")
        else:
            parts = []
            for r in d.results:
                parts.append(f"[t_{r.name}]" if r.kind == SINGLE else f"list(t_{r.name})")
            L.append(f"{p}result_types = {' + '.join(parts) or '[]'}")
        if d.result_segments:
            if untyped:
                raise self.err("variadic result groups need their types in the format")
            L.append(f"{p}props['resultSegmentSizes'] = _seg([{', '.join(f'len(t_{r.name})' for r in d.results)}])")
        self.ns["_seg"] = _segment_attr
        # regions and successors
        rparts = []
        for r in d.regions:
            if r.name not in self._mentioned(self.out.elements):
                rparts.append("[Region()]" if r.kind == SINGLE else "[]")
            else:
                rparts.append(f"[r_{r.name}]" if r.kind == SINGLE else f"r_{r.name}")
        self.ns["Region"] = Region
        L.append(f"{p}regions = {' + '.join(rparts) or '[]'}")
        if any(e.kind == "kw" and e.value == "regions" for e in self._flat(self.out.elements)):
            L.append(f"{p}regions = r_all")
        sparts = []
        for s in d.successors:
            sparts.append(f"[s_{s.name}]" if s.kind == SINGLE else f"s_{s.name}")
        L.append(f"{p}successors = {' + '.join(sparts) or '[]'}")
        if any(e.kind == "kw" and e.value == "successors" for e in self._flat(self.out.elements)):
            L.append(f"{p}successors = s_all")
        L.append(f"{p}op = cls._create_parsed(operands, result_types, props, attrs, regions, successors)")
        t = d.trait_instances.get(SingleBlockImplicitTerminator)
        if t is not None and t.terminator:
            self.ns["_ensure_terminator"] = _ensure_terminator
            L.append(f"{p}_ensure_terminator(op, {t.terminator!r}, parser)")
        L.append(f"{p}return op")

    def _mentioned(self, els: list[El]) -> set[str]:
        out = set()
        for e in self._flat(els):
            if e.kind == "var":
                out.add(e.value)
            for a in e.args:
                if a.kind == "var":
                    out.add(a.value)
        return out

    def _flat(self, els: list[El]):
        for e in els:
            yield e
            if e.kind == "group":
                yield from self._flat(e.then)
                yield from self._flat(e.else_)

    # -- printer generation -----------------------------------------------

    def _gen_printer(self, els: list[El]) -> str:
        L = ["def print_(op, printer):", "    w = printer.write"]
        elided = set(self.used_props) | {"operandSegmentSizes", "resultSegmentSizes"}
        self.ns["_ELIDED"] = frozenset(elided)
        defaults = {n: p.default for n, p in self.props.items() if p.default is not None}
        self.ns["_DEFAULTS"] = defaults
        state = {"space": True, "punct": False}
        self._gen_print_els(els, L, 1, state)
        return "\n".join(_merge_writes(L)) + "\n"

    def _gen_print_els(self, els: list[El], L: list[str], ind: int, st: dict) -> None:
        for e in els:
            self._gen_print_el(e, L, ind, st)

    def _space(self, L: list[str], p: str, st: dict) -> None:
        if st["space"] or not st["punct"]:
            L.append(f"{p}w(' ')")
        st["punct"] = False
        st["space"] = True

    def _gen_print_el(self, e: El, L: list[str], ind: int, st: dict) -> None:
        p = "    " * ind
        k = e.kind
        if k == "literal":
            v = e.value
            if v == " ":
                L.append(f"{p}w(' ')")
                st["punct"] = False
                st["space"] = False
                return
            if v == "":
                st["punct"] = True
                st["space"] = False
                return
            if v == "\\n":
                L.append(f"{p}printer.print_new_line()")
                st["space"] = False
                st["punct"] = True
                return
            if st["space"] and _space_before(v, st["punct"]):
                L.append(f"{p}w(' ')")
            L.append(f"{p}w({v!r})")
            st["space"] = not (len(v) == 1 and v in "<({[")
            st["punct"] = not (v[0] == "_" or v[0].isalpha())
            return
        if k == "attrdict":
            L.append(f"{p}printer.print_optional_attr_dict(_attrs_for_print(op, _DEFAULTS), _ELIDED)")
            self.ns["_attrs_for_print"] = _attrs_for_print
            st["punct"] = False
            return
        if k == "attrdictkw":
            L.append(f"{p}printer.print_optional_attr_dict_with_keyword(_attrs_for_print(op, _DEFAULTS), _ELIDED)")
            self.ns["_attrs_for_print"] = _attrs_for_print
            st["punct"] = False
            return
        if k == "group":
            self._gen_print_group(e, L, ind, st)
            return
        self._space(L, p, st)
        if k == "var":
            n = e.value
            if n in self.operands:
                kind = self.operands[n].kind
                if kind == SINGLE:
                    L.append(f"{p}printer.print_operand(op.{n})")
                elif kind == OPTIONAL:
                    L.append(f"{p}if op.{n} is not None: printer.print_operand(op.{n})")
                else:
                    L.append(f"{p}printer.print_operands(op.{n})")
            elif n in self.props:
                c = self.props[n].constraint
                fixed = getattr(c, "fixed_type", None)
                if hasattr(c, "print_short"):
                    self.ns[f"C_{n}"] = c
                    L.append(f"{p}C_{n}.print_short(printer, op.properties[{n!r}])")
                elif self._stripped(n) is not None:
                    L.append(f"{p}op.properties[{n!r}].print_parameters(printer)")
                elif fixed is not None:
                    L.append(f"{p}printer.print_attribute_without_type(op.properties[{n!r}])")
                else:
                    L.append(f"{p}printer.print_attribute(op.properties[{n!r}])")
            elif n in self.regions:
                printer_call = self._region_print_call()
                if self.regions[n].kind == VARIADIC:
                    L.append(f"{p}for _i, _r in enumerate(op.{n}):")
                    L.append(f"{p}    if _i: w(', ')")
                    L.append(f"{p}    {printer_call.format('_r')}")
                else:
                    L.append(f"{p}{printer_call.format('op.' + n)}")
            elif n in self.successors:
                if self.successors[n].kind == VARIADIC:
                    L.append(f"{p}for _i, _s in enumerate(op.{n}):")
                    L.append(f"{p}    if _i: w(', ')")
                    L.append(f"{p}    printer.print_successor(_s)")
                else:
                    L.append(f"{p}printer.print_successor(op.{n})")
        elif k == "type":
            self._gen_print_type(e.args[0], L, p)
        elif k == "ftype":
            L.append(f"{p}printer.print_function_type({self._types_expr(e.args[0])}, "
                     f"{self._types_expr(e.args[1])})")
        elif k == "propdict":
            L.append(f"{p}if op.properties: w('<'); printer.print_attr_dict(op.properties); w('>')")
        elif k == "kw":
            v = e.value
            if v == "operands":
                L.append(f"{p}printer.print_operands(op.operands)")
            elif v == "regions":
                L.append(f"{p}for _i, _r in enumerate(op.regions):")
                L.append(f"{p}    if _i: w(', ')")
                L.append(f"{p}    printer.print_region(_r)")
            elif v == "successors":
                L.append(f"{p}for _i, _s in enumerate(op.successors):")
                L.append(f"{p}    if _i: w(', ')")
                L.append(f"{p}    printer.print_successor(_s)")
        elif k == "custom":
            fn = f"print_{e.value}"
            if not hasattr(self.cls, fn):
                raise self.err(f"custom<{e.value}> needs a method '{fn}(self, printer, ...)'")
            args = []
            for a in e.args:
                if a.kind == "var":
                    n = a.value
                    if n in self.props:
                        args.append(f"op.properties.get({n!r})")
                    else:
                        args.append(f"op.{n}")
                elif a.kind == "type":
                    args.append(self._types_expr(a.args[0], single_ok=True))
                elif a.kind == "attrdict":
                    args.append("op.attributes")
            L.append(f"{p}op.{fn}(printer{''.join(', ' + a for a in args)})")

    def _region_print_call(self) -> str:
        t = self.d.trait_instances.get(SingleBlockImplicitTerminator)
        if t is not None and t.terminator:
            self.ns["_print_terminator"] = _should_print_terminator
            return "printer.print_region({0}, print_block_terminators=_print_terminator({0}))"
        return "printer.print_region({0})"

    def _types_expr(self, a: El, single_ok: bool = False) -> str:
        if a.kind == "kw":
            return "[o.value.type for o in op.op_operands]" if a.value == "operands" else \
                "[r.type for r in op.results]"
        n = a.value
        kind = self._kind(n)
        if kind == SINGLE:
            return f"op.{n}.type" if single_ok else f"[op.{n}.type]"
        if kind == OPTIONAL:
            return f"([] if op.{n} is None else [op.{n}.type])"
        return f"[v.type for v in op.{n}]"

    def _gen_print_type(self, a: El, L: list[str], p: str) -> None:
        if a.kind == "kw":
            L.append(f"{p}printer.print_types({self._types_expr(a)})")
            return
        n = a.value
        kind = self._kind(n)
        if kind == SINGLE:
            L.append(f"{p}printer.print_type(op.{n}.type)")
        else:
            L.append(f"{p}printer.print_types({self._types_expr(a)})")

    def _gen_print_group(self, e: El, L: list[str], ind: int, st: dict) -> None:
        p = "    " * ind
        anchor = next((x for x in self._flat(e.then) if x.anchor), None)
        if anchor is None:
            raise self.err("optional group has no anchor ('^')")
        cond = self._print_presence(anchor)
        L.append(f"{p}if {cond}:")
        n0 = len(L)
        st_then = dict(st)
        unit_anchor = anchor.kind == "var" and anchor.value in self.props and self._is_unit(anchor.value)
        for x in e.then:
            if unit_anchor and x is anchor:
                continue
            self._gen_print_el(x, L, ind + 1, st_then)
        if len(L) == n0:
            L.append(f"{p}    pass")
        if e.else_:
            L.append(f"{p}else:")
            n1 = len(L)
            st_else = dict(st)
            self._gen_print_els(e.else_, L, ind + 1, st_else)
            if len(L) == n1:
                L.append(f"{p}    pass")
        # after an optional group MLIR's printer assumes a space may be needed
        st["space"] = True
        st["punct"] = False

    def _print_presence(self, a: El) -> str:
        if a.kind == "type":
            a = a.args[0]
        if a.kind == "var":
            n = a.value
            if n in self.operands or n in self.results:
                kind = self._kind(n)
                if kind == SINGLE:
                    return "True"
                if kind == OPTIONAL:
                    return f"op.{n} is not None"
                return f"len(op.{n}) > 0"
            if n in self.props:
                d = self.props[n].default
                if d is not None:
                    self.ns[f"D_{n}"] = d
                    return f"op.properties.get({n!r}) not in (None, D_{n})"
                return f"op.properties.get({n!r}) is not None"
            if n in self.regions:
                if self.regions[n].kind == VARIADIC:
                    return f"len(op.{n}) > 0"
                return f"not op.{n}.is_empty()"
            if n in self.successors:
                return f"len(op.{n}) > 0" if self.successors[n].kind == VARIADIC else "True"
        if a.kind == "kw":
            return {"operands": "op.num_operands > 0", "results": "len(op.results) > 0",
                    "regions": "len(op.regions) > 0", "successors": "len(op.successors) > 0"}[a.value]
        if a.kind == "attrdict":
            return "bool(op.attributes)"
        if a.kind == "custom":
            first = a.args[0] if a.args else None
            if first is not None:
                return self._print_presence(first)
        raise self.err("unsupported optional group anchor")


def _merge_writes(lines: list[str]) -> list[str]:
    """Fuse consecutive literal writes (`w(' ')`, `w(',')`) into one call."""
    import ast
    out: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("w(") and stripped.endswith(")") and out:
            prev = out[-1]
            pstripped = prev.lstrip()
            indent = line[:len(line) - len(stripped)]
            if pstripped.startswith("w(") and prev[:len(prev) - len(pstripped)] == indent:
                try:
                    a = ast.literal_eval(pstripped[2:-1])
                    b = ast.literal_eval(stripped[2:-1])
                except (ValueError, SyntaxError):
                    out.append(line)
                    continue
                if isinstance(a, str) and isinstance(b, str):
                    out[-1] = f"{indent}w({a + b!r})"
                    continue
        out.append(line)
    return out


def _space_before(v: str, last_punct: bool) -> bool:
    if len(v) != 1 and v != "->":
        return True
    if last_punct:
        return v[0] not in ">)}],"
    return v[0] not in "<>(){}[],"


def _attrs_for_print(op, defaults: dict) -> dict:
    """Discardable attributes plus inherent ones not at their default value."""
    props = op.properties
    if not props:
        return op.attributes
    out = dict(op.attributes)
    for k, v in props.items():
        if defaults.get(k) is not v:
            out[k] = v
    return out


def _should_print_terminator(region) -> bool:
    b = region.first_block
    if b is None or b.last_op is None:
        return True
    t = b.last_op
    return bool(t.op_operands or t.attributes or t.properties or t.results)


def _ensure_terminator(op, name: str, parser) -> None:
    cls = parser.ctx.ops.get(name)
    for r in op.regions:
        if r.is_empty():
            r.append(Block())
        b = r.first_block
        last = b.last_op
        if last is None or Terminator not in last.traits:
            t = cls.create(location=op.location) if cls is not None else None
            if t is not None:
                b.append(t)


def op_format(cls) -> Any:
    """The compiled assembly format of an op class (compiled on first use)."""
    f = cls.__dict__.get("_format")
    if f is None:
        fmt = cls.assembly_format
        if fmt is None:
            return None
        f = compile_op_format(cls, fmt)
        cls._format = f
    return f
