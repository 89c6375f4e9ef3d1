"""`view-op-graph`: print the IR as a Graphviz DOT graph (MLIR's PrintOpPass).

Every op without regions is a node labelled with its name, result types and
attributes (a constant shows its `value`); an op with regions is a
`subgraph cluster_N` labelled the same way, holding one cluster per block,
and a block's arguments are nodes `argN`. Data-flow edges go from the node
defining a value to each user (labelled with the operand number when the
user has several); `print-control-flow-edges` adds dashed edges between
consecutive ops of a block. The graph goes to stderr, or to `output-file`;
the IR is not changed.

```
mir-opt f.mir --view-op-graph -o /dev/null 2> f.dot && dot -Tsvg f.dot > f.svg
```
"""

from __future__ import annotations

import sys
from typing import Callable, TextIO

from mlir_py.ir.attributes import Attribute
from mlir_py.ir.builtin_attributes import ArrayAttr, DenseElementsAttr
from mlir_py.ir.operation import Block, Operation, Value
from mlir_py.pass_manager import Option, Pass, PassFailure, register_pass

_LARGE_ATTR_LIMIT = 16
_SHAPE_NODE = "ellipse"
_SHAPE_NONE = "plain"
_DATA_FLOW = "solid"
_CONTROL_FLOW = "dashed"


def escape(text: str) -> str:
    """Escape a label as llvm::raw_ostream::write_escaped does."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):02X}")
        else:
            out.append(ch)
    return "".join(out)


def _quote(text: str) -> str:
    return f'"{escape(text)}"'


def _attr_list(attrs: dict[str, str]) -> str:
    return "[" + ", ".join(f"{k} = {v}" for k, v in sorted(attrs.items())) + "]"


class _Node:
    __slots__ = ("id", "cluster")

    def __init__(self, id: int, cluster: int | None = None):
        self.id = id
        self.cluster = cluster


class _GraphWriter:
    def __init__(self, p: ViewOpGraph):
        self.max_label_len = p.max_label_len
        self.print_attrs = p.print_attrs
        self.print_result_types = p.print_result_types
        self.control_flow = p.print_control_flow_edges
        self.data_flow = p.print_data_flow_edges
        self.lines: list[str] = []
        self.indent = 0
        self.counter = 0
        self.value_node: dict[Value, _Node] = {}
        self.data_edges: list[tuple[Value, _Node, str]] = []
        self.edges: list[str] = []
        self.colors: dict[str, str] = {}

    def emit(self, line: str) -> None:
        self.lines.append("  " * self.indent + line)

    # -- graph structure ---------------------------------------------------------

    def graph(self, root: Operation) -> str:
        names: list[str] = []
        for o in root.walk():
            if o.name not in self.colors:
                self.colors[o.name] = ""
                names.append(o.name)
        for i, n in enumerate(names):
            self.colors[n] = f"{i / len(names):.6f} 1.0 1.0"
        self.emit("digraph G {")
        self.indent += 1
        self.emit("compound = true;")
        self.operation(root)
        if self.data_flow:
            for value, node, label in self.data_edges:
                src = self.value_node.get(value)
                if src is not None:  # a value defined above the root
                    self.edge(src, node, label, _DATA_FLOW)
        for e in self.edges:
            self.emit(e + ";")
        self.indent -= 1
        self.emit("}")
        return "\n".join(self.lines) + "\n"

    def cluster(self, body: Callable[[], None], label: str = "") -> _Node:
        self.counter += 1
        cid = self.counter
        self.emit(f"subgraph cluster_{cid} {{")
        self.indent += 1
        anchor = self.node(" ", _SHAPE_NONE)  # invisible; edges to/from the cluster attach here
        self.emit(f"label = {_quote(label)};")
        body()
        self.indent -= 1
        self.emit("}")
        return _Node(anchor.id, cid)

    def node(self, label: str, shape: str = _SHAPE_NODE, background: str = "") -> _Node:
        self.counter += 1
        attrs = {"label": _quote(label), "shape": shape}
        if background:
            attrs["style"] = "filled"
            attrs["fillcolor"] = f'"{background}"'
        self.emit(f"v{self.counter} {_attr_list(attrs)};")
        return _Node(self.counter)

    def edge(self, a: _Node, b: _Node, label: str, style: str) -> None:
        attrs = {"label": _quote(label), "style": style}
        if a.cluster is not None:
            attrs["ltail"] = f"cluster_{a.cluster}"
        if b.cluster is not None:
            attrs["lhead"] = f"cluster_{b.cluster}"
        self.edges.append(f"v{a.id} -> v{b.id} {_attr_list(attrs)}")

    def operation(self, op: Operation) -> _Node:
        if op.regions:
            node = self.cluster(lambda: [self.block(b) for r in op.regions for b in r.blocks], self.label(op))
        else:
            node = self.node(self.label(op), _SHAPE_NODE, self.colors.get(op.name, ""))
        n = len(op._operands)
        for i, o in enumerate(op._operands):
            self.data_edges.append((o.value, node, "" if n == 1 else str(i)))
        for r in op.results:
            self.value_node[r] = node
        return node

    def block(self, block: Block) -> None:
        def body() -> None:
            for a in block.args:
                self.value_node[a] = self.node(f"arg{a.index}")
            prev = None
            for op in block.ops:
                cur = self.operation(op)
                if self.control_flow and prev is not None:
                    self.edge(prev, cur, "", _CONTROL_FLOW)
                prev = cur
        self.cluster(body)

    # -- labels ------------------------------------------------------------------------

    def truncate(self, text: str) -> str:
        return text if len(text) <= self.max_label_len else text[:self.max_label_len] + "..."

    def label(self, op: Operation) -> str:
        text = op.name
        if self.print_result_types:
            text += " : (" + self.truncate(", ".join(str(r.type) for r in op.results)) + ")"
        if self.print_attrs:
            text += "\n"
            attrs = dict(op.attributes)
            attrs.update(op.properties)
            for k in sorted(attrs):
                text += f"\n{k}: {self.attr(attrs[k])}"
        return text

    def attr(self, a: Attribute) -> str:
        if isinstance(a, DenseElementsAttr):
            if a.is_splat:
                return str(a)
            if a.array.size > _LARGE_ATTR_LIMIT:
                rank = len(a.type.shape)
                return "[" * rank + "..." + "]" * rank + f" : {a.type}"
        if isinstance(a, ArrayAttr) and len(a.value) > _LARGE_ATTR_LIMIT:
            return "[...]"
        return self.truncate(str(a))


@register_pass
class ViewOpGraph(Pass):
    """Print the IR as a Graphviz graph (see the module docstring)."""

    name = "view-op-graph"
    summary = "Print Graphviz visualization of an operation"
    options = [
        Option("max-label-len", int, 20, "Limit attribute/type length to number of chars"),
        Option("print-attrs", bool, True, "Print attributes of operations"),
        Option("print-control-flow-edges", bool, False, "Print control flow edges"),
        Option("print-data-flow-edges", bool, True, "Print data flow edges"),
        Option("print-result-types", bool, True, "Print result types of operations"),
        Option("output-file", str, "", "Write the graph to this file instead of stderr"),
    ]

    def __init__(self, stream: TextIO | None = None, **options):
        """`stream`: where the Python API wants the graph (overrides output-file)."""
        super().__init__(**options)
        self.stream = stream

    def run_on_operation(self, op: Operation) -> None:
        text = _GraphWriter(self).graph(op)
        if self.stream is not None:
            self.stream.write(text)
        elif self.output_file:
            try:
                with open(self.output_file, "w") as f:
                    f.write(text)
            except OSError as e:
                raise PassFailure(f"cannot write '{self.output_file}': {e.strerror}") from None
        else:
            sys.stderr.write(text)
            sys.stderr.flush()
