"""`reconcile-unrealized-casts`: remove the `builtin.unrealized_conversion_cast`s
that a sequence of partial conversions left behind (upstream's pass).

A conversion to the llvm dialect done in several passes bridges types that
one pass converted and the next has not yet with casts; once every pass has
run, most casts form chains `A -> B -> A` that are no-ops. The rules, as in
upstream's `reconcileUnrealizedCasts`:

- a cast is *live* when a non-cast op uses one of its results, or a live
  cast does; casts that are not live are erased;
- a live cast whose chain of producing casts reaches values of its own
  result types is replaced by those values (`i64 -> index -> i32 -> index`
  becomes the first `i64 -> index` cast).

Casts that stay live and do not close a chain are left in place, as
upstream leaves them: they mark a conversion that was not completed, and
translation to LLVM IR reports them.
"""

from __future__ import annotations

from mlir_py.builtin import UnrealizedConversionCastOp
from mlir_py.ir.operation import Operation, OpResult, Value
from mlir_py.pass_manager import Pass, register_pass

CAST = UnrealizedConversionCastOp.name


def _producer(values: list[Value]) -> Operation | None:
    """The cast whose results are exactly `values`, in order."""
    if not values or not isinstance(values[0], OpResult):
        return None
    op = values[0].op
    if op.name != CAST or len(op.results) != len(values):
        return None
    return op if all(v is r for v, r in zip(values, op.results)) else None


def reconcile_unrealized_casts(casts: list[Operation]) -> list[Operation]:
    """Fold and erase the casts in `casts` (in IR order); returns those left in the IR."""
    live: set[Operation] = set()
    # users before producers: a cast is live if a user is a non-cast or a live cast
    for op in reversed(casts):
        for r in op.results:
            for u in r.users:
                if u.name != CAST or u in live:
                    live.add(op)
                    break
            if op in live:
                break
    for op in casts:
        if op not in live:
            continue
        want = [r.type for r in op.results]
        cur = _producer([o.value for o in op._operands])
        while cur is not None:
            ins = [o.value for o in cur._operands]
            if [v.type for v in ins] == want:
                for r, v in zip(op.results, ins):
                    r.replace_all_uses_with(v)
                break
            cur = _producer(ins)
    left = []
    for op in reversed(casts):
        if any(r.has_uses() for r in op.results):
            left.append(op)
        else:
            op.erase()
    left.reverse()
    return left


@register_pass
class ReconcileUnrealizedCasts(Pass):
    """Fold chains of `builtin.unrealized_conversion_cast` that round-trip to
    the original types and erase the dead ones; a cast still needed stays."""

    name = "reconcile-unrealized-casts"
    summary = "Simplify and eliminate unrealized conversion casts"
    display_name = "ReconcileUnrealizedCastsPass"

    def run_on_operation(self, op):
        casts = [o for o in op.walk(post_order=False) if o.name == CAST]
        if casts:
            reconcile_unrealized_casts(casts)
