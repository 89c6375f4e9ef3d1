"""`one-shot-bufferize`: upstream's pass, on the models of this package (see driver.py)."""

from __future__ import annotations

from mlir_py.pass_manager import ListOption, Option, Pass, register_pass

from .driver import BufferizationError, Options, bufferize_module

LAYOUTS = ["infer-layout-map", "identity-layout-map", "fully-dynamic-layout-map"]


@register_pass
class OneShotBufferize(Pass):
    """Turns tensors into memrefs in destination-passing style: an analysis decides which
    operands may be written in place, the rewrite allocates (`memref.alloc`, alignment 64) and
    copies only where it must. No deallocations are inserted (`buffer-planning` does that)."""

    name = "one-shot-bufferize"
    summary = "One-Shot Bufferize"
    display_name = "OneShotBufferizePass"
    anchor = "builtin.module"
    options = [
        Option("allow-return-allocs-from-loops", bool, False,
               "Allows returning/yielding new allocations from a loop."),
        Option("allow-unknown-ops", bool, False, "Allows unknown (not bufferizable) ops in the input IR."),
        Option("bufferize-function-boundaries", bool, False, "Bufferize function boundaries (experimental)."),
        Option("function-boundary-type-conversion", str, "infer-layout-map",
               "Controls layout maps when bufferizing function signatures.", choices=LAYOUTS),
        Option("unknown-type-conversion", str, "fully-dynamic-layout-map",
               "Controls layout maps for non-inferrable memref types.", choices=LAYOUTS),
        Option("copy-before-write", bool, False, "Skip the analysis. Make a buffer copy on every write."),
        Option("test-analysis-only", bool, False, "Test only: Only run inplaceability analysis and annotate IR"),
        ListOption("dialect-filter", str, [], "Restrict bufferization to ops from these dialects."),
        Option("buffer-alignment", int, 64, "Sets the alignment of newly allocated buffers."),
    ]

    def run_on_operation(self, op):
        opts = Options(function_boundaries=self.bufferize_function_boundaries,
                       boundary_layout=self.function_boundary_type_conversion,
                       unknown_layout=self.unknown_type_conversion, copy_before_write=self.copy_before_write,
                       dialect_filter=list(self.dialect_filter) or None, alignment=self.buffer_alignment,
                       allow_unknown_ops=self.allow_unknown_ops,
                       allow_return_allocs_from_loops=self.allow_return_allocs_from_loops)
        try:
            bufferize_module(op, opts, analysis_only=self.test_analysis_only)
        except BufferizationError as e:
            e.op.emit_error(str(e))
            self.signal_failure()
