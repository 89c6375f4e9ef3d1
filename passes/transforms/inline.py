"""`inline`: inline calls bottom-up over the call graph (MLIR's Inliner).

The pass runs on a symbol table op (a module), as upstream's does. The
call graph has one node per callable op with a body (CallableOpInterface
with a `get_callable_region()`), an edge per call op (CallOpInterface,
callee resolved by symbol lookup, or the defining op of a callee value) and
an edge from an op to the callables nested in it. Its strongly connected
components are visited callees first. For each component the pass, up to
`max-iterations` times, simplifies its callables with `default-pipeline`
(canonicalize; `op-pipelines` per op name) and then inlines the calls in
them, including the calls that inlining brings in. A call is not inlined when

- its callee calls itself or the caller (direct or mutual recursion), the
  call sits inside its own callee, or the same callee was already inlined on
  the way to this call (the inline history, kept across iterations: a
  cycle is expanded once into a caller outside it);
- the call or the callee carries `no_inline`, an op of the body is
  unregistered, or its dialect's inliner interface (`dialect.inliner`, a
  `DialectInlinerInterface`) vetoes it;
- argument or result types differ from the callee's (no conversions);
- the callee has several blocks and the caller's region belongs to a
  SingleBlock op of another kind (it could not hold the branches);
- `inlining-threshold` (callee ops * 100 / caller ops) is exceeded.

A single-block body is cloned before the call and the operands of its
ReturnLike terminator replace the call's results. A multi-block body splits
the caller's block: the callee's entry block continues the caller's block,
the other blocks follow, and the dialect of each ReturnLike terminator
turns it into a branch to the continuation block (func: `cf.br`), whose
arguments replace the call's results; a terminator no dialect can branch
from keeps the call.
Inlined ops get `callsite(callee-loc at call-loc)` locations.

As upstream (its inlining-dce test), private callables nothing references
any more are erased at the end, repeatedly, so a private callee used only
by dead callers goes too; a reference from anywhere else (a public
function, a `func.constant`, an attribute of another op) keeps one alive.
Other dead symbols are left to `symbol-dce`.

```
mir-opt --inline f.mir
mir-opt --inline='default-pipeline= max-iterations=2' f.mir
```
"""

from __future__ import annotations

from typing import Any, Iterable

from mlir_py.analysis.symbols import (
    get_symbol_name,
    get_symbol_visibility,
    is_symbol_table,
    lookup_symbol,
    nearest_symbol_table,
    symbol_uses,
    symbols_in,
)
from mlir_py.definition.traits import (
    CallableOpInterface,
    CallOpInterface,
    IsolatedFromAbove,
    ReturnLike,
    SingleBlock,
    Terminator,
)
from mlir_py.ir.builtin_attributes import SymbolRefAttr
from mlir_py.ir.location import CallSiteLoc, Location, UnknownLoc
from mlir_py.ir.operation import Block, Operation, OpResult, Region, Value
from mlir_py.pass_manager import (
    ListOption,
    OpPassManager,
    Option,
    Pass,
    PassFailure,
    PassManager,
    PassPipelineError,
    Statistic,
    register_pass,
)

_DEFAULT_PIPELINE = "canonicalize"
_NO_THRESHOLD = 4294967295  # upstream's -1U: inline whatever the size


# ----------------------------------------------------------------------------
# The call graph
# ----------------------------------------------------------------------------


class CallGraphNode:
    """A callable op with a body; `edges` are its call targets and nested callables."""

    __slots__ = ("op", "region", "calls", "children", "parent", "__weakref__")

    def __init__(self, op: Operation, region: Region, parent: CallGraphNode | None):
        self.op = op
        self.region = region
        self.calls: list[CallGraphNode] = []
        self.children: list[CallGraphNode] = []
        self.parent = parent

    @property
    def edges(self) -> list[CallGraphNode]:
        return self.children + self.calls

    def __repr__(self) -> str:
        return f"<CallGraphNode {get_symbol_name(self.op) or self.op.name}>"


def callable_region(op: Operation) -> Region | None:
    """The body of a CallableOpInterface op, None for a declaration or another op."""
    if CallableOpInterface not in op.traits:
        return None
    fn = getattr(op, "get_callable_region", None)
    region = fn() if fn is not None else None
    return region if region is not None and not region.is_empty() else None


class SymbolCache:
    """Symbol lookup with one name -> op dictionary per symbol table (the
    inliner looks up every call; the symbols themselves do not change)."""

    def __init__(self):
        self._tables: dict[Operation, dict[str, Operation]] = {}

    def lookup(self, from_op: Operation, ref: Any) -> Operation | None:
        name = getattr(ref, "root", None)
        if name is None or getattr(ref, "nested", ()):
            return lookup_symbol(from_op, ref)
        table = nearest_symbol_table(from_op)
        if table is None:
            return None
        names = self._tables.get(table)
        if names is None:
            names = self._tables[table] = {}
            for op in symbols_in(table):
                names.setdefault(get_symbol_name(op), op)
        return names.get(name)


def resolve_callable(call: Operation, symbols: SymbolCache | None = None) -> Operation | None:
    """The op a CallOpInterface op calls: the symbol its flat `@callee` names
    (nested references are not resolved, as upstream), or the op defining a
    callee value; None when unknown."""
    callee = call.get_callee()
    if isinstance(callee, Value):
        return callee.op if isinstance(callee, OpResult) else None
    if isinstance(callee, SymbolRefAttr) and callee.nested:
        return None
    return symbols.lookup(call, callee) if symbols is not None else lookup_symbol(call, callee)


class CallGraph:
    """Nodes in program order; calls from outside any callable are not edges."""

    def __init__(self, root: Operation):
        self.nodes: dict[Operation, CallGraphNode] = {}
        self.top: list[CallGraphNode] = []
        self.symbols = SymbolCache()
        self._compute(root, resolve=False)
        self._compute(root, resolve=True)

    def _compute(self, root: Operation, resolve: bool) -> None:
        stack: list[tuple[Operation, CallGraphNode | None]] = [(root, None)]
        while stack:
            op, parent = stack.pop()
            if CallOpInterface in op.traits:
                if resolve and parent is not None:
                    target = self.node_for_call(op)
                    if target is not None and target not in parent.calls:
                        parent.calls.append(target)
                continue
            region = callable_region(op)
            if region is not None:
                node = self.nodes.get(op)
                if node is None:
                    node = self.nodes[op] = CallGraphNode(op, region, parent)
                    (parent.children if parent is not None else self.top).append(node)
                parent = node
            elif CallableOpInterface in op.traits:
                continue  # a declaration: nothing inside
            nested = [(o, parent) for r in op.regions for b in r.blocks for o in b.ops]
            stack.extend(reversed(nested))

    def node_for_call(self, call: Operation) -> CallGraphNode | None:
        target = resolve_callable(call, self.symbols)
        return None if target is None else self.nodes.get(target)

    def node_for_region(self, region: Region) -> CallGraphNode | None:
        node = self.nodes.get(region.parent)
        return node if node is not None and node.region is region else None

    def sccs_bottom_up(self) -> list[list[CallGraphNode]]:
        """Strongly connected components, callees before callers (Tarjan from
        a virtual entry that reaches every top-level callable)."""
        index: dict[CallGraphNode, int] = {}
        low: dict[CallGraphNode, int] = {}
        on_stack: set[CallGraphNode] = set()
        stack: list[CallGraphNode] = []
        out: list[list[CallGraphNode]] = []
        for start in self.top:
            if start in index:
                continue
            index[start] = low[start] = len(index)
            stack.append(start)
            on_stack.add(start)
            work = [(start, iter(start.edges))]
            while work:
                node, it = work[-1]
                nxt = next(it, None)
                if nxt is not None:
                    if nxt not in index:
                        index[nxt] = low[nxt] = len(index)
                        stack.append(nxt)
                        on_stack.add(nxt)
                        work.append((nxt, iter(nxt.edges)))
                    elif nxt in on_stack:
                        low[node] = min(low[node], index[nxt])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    scc = []
                    while True:
                        n = stack.pop()
                        on_stack.discard(n)
                        scc.append(n)
                        if n is node:
                            break
                    out.append(scc)
        return out


# ----------------------------------------------------------------------------
# Dead callables
# ----------------------------------------------------------------------------


def dead_private_callables(root: Operation, cg: CallGraph) -> list[Operation]:
    """Private callables of a symbol table that nothing references once the
    dead ones are gone (repeated until nothing changes, so callees only
    dead callers used die too). A reference from inside the callable itself
    keeps it, as does any reference from outside the callables."""
    candidates = [n.op for n in cg.nodes.values()
                  if get_symbol_visibility(n.op) == "private" and get_symbol_name(n.op) is not None
                  and n.op is not root and n.op.parent_op is not None and is_symbol_table(n.op.parent_op)]
    if not candidates:
        return []
    cand = set(candidates)
    refs: list[tuple[Operation | None, Operation]] = []
    for user, ref in symbol_uses(root):
        target = cg.symbols.lookup(user, ref)
        if target not in cand:
            continue
        owner: Operation | None = user
        while owner is not None and owner not in cand:
            owner = owner.parent_op
        refs.append((owner, target))
    dead: set[Operation] = set()
    while True:
        used = {t for o, t in refs if o is None or o not in dead}
        new = [c for c in candidates if c not in dead and c not in used]
        if not new:
            break
        dead.update(new)
    return [c for c in candidates if c in dead]


# ----------------------------------------------------------------------------
# Inlining one call
# ----------------------------------------------------------------------------


def _stack_locations(callee: Location, caller: Location, memo: dict) -> Location:
    """`callsite(callee at caller)`, keeping an inlined op's existing call
    stack innermost: `callsite(a at b)` inlined at c is `callsite(a at
    callsite(b at c))`. `memo` shares the rebuilt tails, so inlining a chain
    of n calls costs O(n), not O(n^2)."""
    chain = []
    last = callee
    found = None
    while True:
        found = memo.get((last, caller))
        if found is not None or not isinstance(last, CallSiteLoc):
            break
        chain.append(last)
        last = last.caller
    if found is None:
        found = memo[(last, caller)] = CallSiteLoc(last, caller)
    for c in reversed(chain):
        found = memo[(c, caller)] = CallSiteLoc(c.callee, found)
    return found


def _remap_locations(ops: Iterable[Operation], blocks: Iterable[Block], call_loc: Location, memo: dict) -> None:
    if isinstance(call_loc, UnknownLoc):
        return

    def remap(loc: Location) -> Location:
        return _stack_locations(loc, call_loc, memo)

    for b in blocks:
        for a in b.args:
            if a.loc is not None:
                a.loc = remap(a.loc)
    for top in ops:
        for op in top.walk(post_order=False):
            op.location = remap(op.location)
            for r in op.regions:
                for b in r.blocks:
                    for a in b.args:
                        if a.loc is not None:
                            a.loc = remap(a.loc)


def is_legal_to_inline_op(op: Operation, dest: Region) -> bool:
    """Registered, and not vetoed by its dialect's inliner interface."""
    if op.definition is None:
        return False
    return op.dialect.inliner.is_legal_to_inline(op, dest)


def _result_types(callable_op: Operation, region: Region) -> list | None:
    fn = getattr(callable_op, "get_result_types", None)
    if fn is not None:
        return list(fn())
    term = region.first_block.last_op
    return None if term is None else [v.type for v in term.operands]


def _can_inline(call: Operation, callable_op: Operation, region: Region) -> bool:
    """Everything `inline_call` checks before it changes anything."""
    if call.get_attr("no_inline") is not None or callable_op.get_attr("no_inline") is not None:
        return False
    entry = region.first_block
    args = call.get_arg_operands()
    results = call.results
    types = _result_types(callable_op, region)
    if types is None or len(args) != len(entry.args) or len(results) != len(types):
        return False
    if any(a.type is not b.type for a, b in zip(args, entry.args)):
        return False
    if any(r.type is not t for r, t in zip(results, types)):
        return False
    dest = call.parent_region
    if any(not is_legal_to_inline_op(op, dest) for op in region.walk()):
        return False
    multi = not region.has_one_block()
    for b in region.blocks:
        term = b.last_op
        if term is not None and ReturnLike in term.traits:
            if len(term.operands) != len(results):
                return False
            if multi and not term.dialect.inliner.can_branch_from(term):
                return False
        elif not multi:
            return False  # a single block must end by returning
    return not multi or call.next_op is not None


def inline_call(call: Operation, callable_op: Operation, region: Region,
                location_memo: dict | None = None) -> list[list[Operation]] | None:
    """Inline `region` (the body of `callable_op`) at `call`, whose results are
    replaced; the call itself is left for the caller to erase. Returns the
    inlined ops grouped by block (to find the calls they bring), or None
    when the call cannot be inlined (then nothing changed). `location_memo`
    may be shared between calls (see `_stack_locations`)."""
    memo = {} if location_memo is None else location_memo
    if region.is_empty() or not _can_inline(call, callable_op, region):
        return None
    args = call.get_arg_operands()
    entry = region.first_block
    block = call.parent
    if region.has_one_block():
        mapper: dict = dict(zip(entry.args, args))
        term = entry.last_op
        new_ops = []
        for op in entry.ops:
            if op is term:
                break
            clone = op.clone(mapper)
            block.insert_before(call, clone)
            new_ops.append(clone)
        _remap_locations(new_ops, (), call.location, memo)
        values = [mapper.get(v, v) for v in term.operands]
        call.replace_all_uses_with(values)
        return [new_ops]

    post = block.split_before(call.next_op)
    tmp = Region()
    region.clone_into(tmp, {})
    new_blocks = list(tmp.blocks)
    new_entry = new_blocks[0]
    for a, v in zip(new_entry.args, args):
        a.replace_all_uses_with(v)
    dest = block.parent
    for b in new_blocks:
        b.detach()
        dest.insert_block_before(post, b)
    _remap_locations([op for b in new_blocks for op in b.ops], new_blocks[1:], call.location, memo)
    for r in call.results:
        r.replace_all_uses_with(post.add_argument(r.type, call.location))
    for b in new_blocks:
        term = b.last_op
        if term is not None and ReturnLike in term.traits:
            term.dialect.inliner.handle_terminator(term, post)
    groups = [list(b.ops) for b in new_blocks]
    for op in list(new_entry.ops):
        op.detach()
        block.append(op)
    new_entry.erase()
    return groups


# ----------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------


@register_pass
class InlinerPass(Pass):
    """Inline function calls bottom-up over the call graph (see the module docstring)."""

    name = "inline"
    summary = "Inline function calls"
    display_name = "Inliner"
    options = [
        Option("default-pipeline", str, _DEFAULT_PIPELINE,
               "The optimizer pipeline used for callables that do not have a dedicated optimizer pipeline "
               "in opPipelineList"),
        ListOption("op-pipelines", str, [], "Callable operation specific optimizer pipelines (in the form of "
                                            "`dialect.op(pipeline)`)"),
        Option("max-iterations", int, 4, "Maximum number of iterations when inlining within an SCC"),
        Option("inlining-threshold", int, _NO_THRESHOLD,
               "If the ratio between the number of the operations in the callee and the number of the "
               "operations in the caller exceeds this value (in percentage), then the callee is not inlined "
               "even if it is legal to inline it"),
    ]
    statistics = [Statistic("num-inlined", "calls inlined"), Statistic("num-erased", "dead callables erased")]

    def __init__(self, **options: Any):
        super().__init__(**options)
        if self.max_iterations < 1:
            raise ValueError("max-iterations must be at least 1")
        self._op_pipelines: dict[str, str] = {}
        for text in self.op_pipelines:
            head = text.split("(", 1)[0].strip()
            if not head or not text.rstrip().endswith(")"):
                raise ValueError(f"op pipeline '{text}' is not of the form `dialect.op(pipeline)`")
            self._op_pipelines[head] = text
        try:  # report a bad pipeline where the pass is created, not when it runs
            for text in self._op_pipelines.values():
                PassManager.parse(text)
            if self.default_pipeline.strip() and self.default_pipeline != _DEFAULT_PIPELINE:
                OpPassManager("any").add(self.default_pipeline)
        except PassPipelineError as e:
            raise ValueError(f"invalid simplification pipeline: {e.message}") from None
        self._pms: dict[str, PassManager | None] = {}

    def initialize(self) -> None:
        self._pms = {}

    # -- the simplification pipeline ----------------------------------------

    def _pipeline_for(self, op_name: str) -> PassManager | None:
        if op_name in self._pms:
            return self._pms[op_name]
        pm: PassManager | None = None
        try:
            if op_name in self._op_pipelines:
                pm = PassManager.parse(self._op_pipelines[op_name], verify_each=False)
                if pm.anchor != op_name:
                    raise PassFailure(f"op pipeline '{self._op_pipelines[op_name]}' is not anchored on "
                                      f"'{op_name}'")
            elif self.default_pipeline.strip():
                pm = PassManager(op_name, verify_each=False)
                pm.add(self.default_pipeline)
        except PassPipelineError as e:
            if self.default_pipeline == _DEFAULT_PIPELINE and op_name not in self._op_pipelines:
                pm = None  # canonicalize is not available: inline without simplifying
            else:
                raise PassFailure(f"invalid simplification pipeline: {e.message}") from None
        self._pms[op_name] = pm
        return pm

    def _optimize(self, scc: list[CallGraphNode]) -> None:
        for node in scc:
            if node.children or IsolatedFromAbove not in node.op.traits:
                continue
            pm = self._pipeline_for(node.op.name)
            if pm is not None and not pm.run(node.op):
                raise PassFailure("the simplification pipeline failed")

    # -- inlining -------------------------------------------------------------

    def run_on_operation(self, op: Operation) -> None:
        if not is_symbol_table(op):
            op.emit_error(f"'{op.name}' op was scheduled to run under the inliner, but does not define a "
                          "symbol table")
            self.signal_failure()
            return
        cg = CallGraph(op)
        self._location_memo: dict = {}
        # (callee, history of the call it was inlined at) per inlining; the
        # calls it brought in point at it, across iterations, so that no
        # callee is unrolled into its own expansion
        history: list[tuple[CallGraphNode, int | None]] = []
        call_history: dict[Operation, int] = {}
        for scc in cg.sccs_bottom_up():
            for _ in range(self.max_iterations):
                self._optimize(scc)
                if not self._inline_calls_in_scc(cg, scc, history, call_history):
                    break
        for dead in dead_private_callables(op, cg):
            dead.erase()
            self.stats["num-erased"] += 1

    def _collect_calls(self, cg: CallGraph, groups: list[list[Operation]], source: CallGraphNode,
                       traverse_nested: bool, out: list, history: int | None) -> None:
        work = [(ops, source) for ops in groups]
        while work:
            ops, node = work.pop()
            for o in ops:
                if CallOpInterface in o.traits:
                    target = cg.node_for_call(o)
                    if target is not None:
                        out.append((o, node, target, history))
                    continue
                for r in o.regions:
                    nested = cg.node_for_region(r)
                    if traverse_nested or nested is None:
                        work.extend((list(b.ops), nested or node) for b in r.blocks)

    def _should_inline(self, call: Operation, source: CallGraphNode, target: CallGraphNode) -> bool:
        if Terminator in call.traits:
            return False
        if any(e is target or e is source for e in target.edges):
            return False
        r = call.parent_region
        while r is not None:
            if r is target.region:
                return False
            p = r.parent
            r = None if p is None else p.parent_region
        if not target.region.has_one_block():
            parent = call.parent_op
            if parent is None or (parent.name != target.op.name
                                  and (parent.definition is None or SingleBlock in parent.traits)):
                return False
        if self.inlining_threshold != _NO_THRESHOLD:
            caller_ops = sum(1 for _ in source.region.walk())
            if caller_ops and sum(1 for _ in target.region.walk()) * 100 // caller_ops > self.inlining_threshold:
                return False
        return True

    def _inline_calls_in_scc(self, cg: CallGraph, scc: list[CallGraphNode], history: list,
                             call_history: dict[Operation, int]) -> bool:
        calls: list[tuple[Operation, CallGraphNode, CallGraphNode, int | None]] = []
        for node in scc:
            self._collect_calls(cg, [list(b.ops) for b in node.region.blocks], node, False, calls, None)
        inlined = False
        i = 0
        while i < len(calls):
            call, source, target, hist = calls[i]
            i += 1
            if hist is None:
                hist = call_history.get(call)
            h = hist
            while h is not None and history[h][0] is not target:
                h = history[h][1]
            if h is not None or not self._should_inline(call, source, target):
                continue
            groups = inline_call(call, target.op, target.region, self._location_memo)
            if groups is None:
                continue
            inlined = True
            self.stats["num-inlined"] += 1
            history.append((target, hist))
            first_new = len(calls)
            self._collect_calls(cg, groups, self._enclosing_node(cg, call) or source, True, calls,
                                len(history) - 1)
            for new_call, *_ in calls[first_new:]:
                call_history[new_call] = len(history) - 1
            call_history.pop(call, None)
            call.erase()
        return inlined

    @staticmethod
    def _enclosing_node(cg: CallGraph, op: Operation) -> CallGraphNode | None:
        r = op.parent_region
        while r is not None:
            node = cg.node_for_region(r)
            if node is not None:
                return node
            p = r.parent
            r = None if p is None else p.parent_region
        return None


__all__ = ["CallGraph", "CallGraphNode", "InlinerPass", "SymbolCache", "callable_region", "dead_private_callables",
           "inline_call", "is_legal_to_inline_op", "resolve_callable"]
