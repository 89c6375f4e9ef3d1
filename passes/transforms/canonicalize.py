"""`canonicalize`: fold, erase dead ops and apply every canonicalization
pattern with the greedy driver until nothing changes (MLIR's Canonicalizer).

The patterns are those of every shipped dialect plus those of the dialects
whose ops occur in the IR (a user's `--load-dialect` dialect included): the
dialect-wide `canonicalization_patterns` and each op class's
`get_canonicalization_patterns()`. Constants move to the right of
commutative ops as part of folding (`mlir_py.rewrite.folding`), once for
every op with the Commutative trait.

```
mir-opt --canonicalize='max-iterations=3 top-down=false region-simplify=disabled' f.mir
```
"""

from __future__ import annotations

from typing import Any

from mlir_py.dialects import all_dialects

from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import ListOption, Option, Pass, register_pass
from mlir_py.rewrite.greedy import apply_patterns_greedily
from mlir_py.rewrite.pattern import FrozenPatternSet, RewritePattern, collect_canonicalization_patterns
from mlir_py.support.gcpause import gc_paused

#: `region-simplify` spellings -> level; `true`/`false` are accepted for the
#: older boolean form of the option.
REGION_SIMPLIFY_LEVELS = {"disabled": "disabled", "normal": "normal", "aggressive": "aggressive",
                          "false": "disabled", "true": "normal"}


@register_pass
class Canonicalizer(Pass):
    """Canonicalize operations: fold, erase dead code and apply the
    canonicalization patterns of all loaded dialects to a fixed point."""

    name = "canonicalize"
    summary = "Canonicalize operations"
    display_name = "Canonicalizer"
    options = [
        Option("top-down", bool, True, "Seed the worklist in general top-down order"),
        Option("region-simplify", str, "normal", "Perform control flow optimizations to the region tree",
               choices=REGION_SIMPLIFY_LEVELS),
        Option("max-iterations", int, 10, "Max. iterations between applying patterns / simplifying regions"),
        Option("max-num-rewrites", int, -1, "Max. number of pattern rewrites within an iteration"),
        Option("test-convergence", bool, False, "Test only: Fail pass on non-convergence to detect cyclic pattern"),
        ListOption("disable-patterns", str, [], "Labels of patterns that should be filtered out during application"),
        ListOption("enable-patterns", str, [], "Labels of patterns that should be used during application, all "
                                              "other patterns are filtered out"),
    ]

    def __init__(self, **options: Any):
        for key in ("region_simplify", "region-simplify"):
            rs = options.get(key)
            if isinstance(rs, bool):  # Python callers may pass the boolean form
                options[key] = "normal" if rs else "disabled"
            elif isinstance(rs, str) and rs in REGION_SIMPLIFY_LEVELS:
                options[key] = REGION_SIMPLIFY_LEVELS[rs]
        super().__init__(**options)
        self._sets: dict[frozenset, FrozenPatternSet] = {}

    def initialize(self) -> None:
        self._sets = {}

    def _keep(self, p: RewritePattern) -> bool:
        label = p.debug_name
        if label in self.disable_patterns:
            return False
        return not self.enable_patterns or label in self.enable_patterns

    def patterns_for(self, op: Operation) -> FrozenPatternSet:
        """The pattern set for the dialects loaded for `op` (cached per set of dialects)."""
        dialects = {id(d): d for d in all_dialects()}
        seen: set[type] = set()
        for o in op.walk():
            cls = type(o)
            if cls not in seen:
                seen.add(cls)
                d = cls.dialect
                if d is not None:
                    dialects.setdefault(id(d), d)
        key = frozenset(dialects)
        found = self._sets.get(key)
        if found is None:
            pats = [p for p in collect_canonicalization_patterns(dialects.values()) if self._keep(p)]
            found = self._sets[key] = FrozenPatternSet(pats)
        return found

    def run_on_operation(self, op: Operation) -> None:
        with gc_paused():  # the worklist references every op: collections would rescan them all
            _, converged = apply_patterns_greedily(
                op, self.patterns_for(op), max_iterations=self.max_iterations,
                max_num_rewrites=self.max_num_rewrites, region_simplify=self.region_simplify != "disabled",
                top_down=self.top_down)
        if self.test_convergence and not converged:
            op.emit_error(f"canonicalization failed to converge within {self.max_iterations} iterations")
            self.signal_failure()
