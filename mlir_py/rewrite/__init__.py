"""The rewriting engine: patterns, the rewriter, the greedy driver and the
dialect-conversion framework.

- `pattern`: RewritePattern / `@pattern`, PatternRewriter, RewriterListener,
  FrozenPatternSet.
- `folding`: op folding and trivially-dead checks shared by the drivers.
- `greedy`: apply_patterns_greedily (canonicalize's engine).
- `region_simplify`: CFG clean-up the greedy driver runs between sweeps.
- `conversion`: ConversionTarget, TypeConverter, ConversionPattern,
  apply_partial_conversion / apply_full_conversion.
"""

from mlir_py.rewrite.conversion import (
    ConversionPattern,
    ConversionPatternRewriter,
    ConversionTarget,
    FunctionConversionPattern,
    OpAdaptor,
    SignatureConversion,
    TypeConverter,
    apply_full_conversion,
    apply_partial_conversion,
    conversion_pattern,
)
from mlir_py.rewrite.folding import (
    constant_op_value,
    constant_value,
    fold_op,
    is_trivially_dead,
    would_op_be_trivially_dead,
)
from mlir_py.rewrite.greedy import GreedyDriver, apply_patterns_greedily
from mlir_py.rewrite.pattern import (
    FrozenPatternSet,
    FunctionPattern,
    PatternRewriter,
    RewritePattern,
    RewriterListener,
    collect_canonicalization_patterns,
    pattern,
)
from mlir_py.rewrite.region_simplify import simplify_regions

__all__ = [
    "RewritePattern", "FunctionPattern", "pattern", "PatternRewriter", "RewriterListener", "FrozenPatternSet",
    "collect_canonicalization_patterns", "apply_patterns_greedily", "GreedyDriver", "simplify_regions",
    "fold_op", "constant_value", "constant_op_value", "is_trivially_dead", "would_op_be_trivially_dead",
    "ConversionTarget", "TypeConverter", "SignatureConversion", "ConversionPattern", "FunctionConversionPattern",
    "conversion_pattern", "ConversionPatternRewriter", "OpAdaptor", "apply_partial_conversion",
    "apply_full_conversion",
]
