"""Einsum as transposes, reshapes, reduce_sum and one batched graph.matmul.

Covers one or two operands without repeated letters inside an operand (no diagonals) and without ellipsis:
letters only one operand has and the output lacks are summed first; for two operands the shared letters the
output keeps are the batch, the shared ones it lacks are contracted, and the rest are the free dimensions of
each side: A as batch x M x K, B as batch x K x N, one matmul, then the output's order.
"""

from __future__ import annotations

import math

from mlir_py.onnx.registry import Node, converts


def _parse(node: Node, equation: str, n_inputs: int) -> tuple[list[str], str]:
    eq = equation.replace(" ", "")
    if "." in eq:
        raise node.error(f"equation '{equation}': ellipsis is not supported")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != n_inputs:
        raise node.error(f"equation '{equation}' has {len(terms)} operands, the node {n_inputs}")
    if not arrow:  # implicit output: the letters that appear once, in alphabetical order
        counts = {c: sum(t.count(c) for t in terms) for c in set("".join(terms))}
        out = "".join(sorted(c for c, k in counts.items() if k == 1))
    for t in terms + [out]:
        if len(set(t)) != len(t):
            raise node.error(f"equation '{equation}': a letter repeated within one operand (a diagonal) is not "
                             "supported")
    return terms, out


def _sum_out(g, x, term: str, keep: set[str]):
    """Sum `x` (letters `term`) over the letters not in `keep`."""
    axes = [i for i, c in enumerate(term) if c not in keep]
    if not axes:
        return x, term
    return g.reduce_sum(x, axes, False), "".join(c for c in term if c in keep)


def _arrange(g, x, term: str, order: str):
    perm = [term.index(c) for c in order]
    return x if perm == list(range(len(perm))) else g.transpose(x, perm)


@converts("Einsum")
def einsum(node: Node):
    g = node.g
    n = len([i for i in range(len(node.inputs)) if node.has(i)])
    if n not in (1, 2):
        raise node.error(f"Einsum of {n} operands is not supported (one or two are)")
    terms, out = _parse(node, str(node.attr("equation")), n)
    xs = [node.tensor(i) for i in range(n)]
    for x, t in zip(xs, terms):
        if x.ndim != len(t):
            raise node.error(f"operand '{t}' has rank {x.ndim}")
    if n == 1:
        x, t = _sum_out(g, xs[0], terms[0], set(out))
        return _arrange(g, x, t, out)
    (a, ta), (b, tb) = (_sum_out(g, xs[0], terms[0], set(out) | set(terms[1])),
                        _sum_out(g, xs[1], terms[1], set(out) | set(terms[0])))
    size = {c: d for x, t in ((a, ta), (b, tb)) for c, d in zip(t, x.shape)}
    batch = [c for c in ta if c in tb and c in out]
    contract = [c for c in ta if c in tb and c not in out]
    free_a = [c for c in ta if c not in tb]
    free_b = [c for c in tb if c not in ta]
    dims = [math.prod(size[c] for c in cs) for cs in (batch, free_a, contract, free_b)]
    a3 = g.reshape(_arrange(g, a, ta, "".join(batch + free_a + contract)), (dims[0], dims[1], dims[2]))
    b3 = g.reshape(_arrange(g, b, tb, "".join(batch + contract + free_b)), (dims[0], dims[2], dims[3]))
    y = g.matmul(a3, b3)
    letters = batch + free_a + free_b
    y = g.reshape(y, [size[c] for c in letters])
    return _arrange(g, y, "".join(letters), out)
