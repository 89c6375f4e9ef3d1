"""Passes for the pass-manager lit tests, loaded with `--load-pass-plugin`.

Each one exercises one behaviour of the pass manager (renaming to observe
nesting, failing in each way a pass can fail, breaking the IR), so the tests
do not depend on the real transformations.
"""

from mlir_py.builtin import StringAttr
from mlir_py.pass_manager import ListOption, Option, Pass, PassFailure, Statistic, register_pass, register_pipeline


@register_pass
class TestRenameFunc(Pass):
    """Appends a suffix to the name of the function it runs on."""

    name = "test-rename-func"
    summary = "Append a suffix to each function name"
    anchor = "func.func"
    options = [Option("suffix", str, "_renamed", "text appended to the symbol name")]
    statistics = [Statistic("num-renamed", "functions renamed")]

    def run_on_operation(self, op):
        op.properties["sym_name"] = StringAttr(op.properties["sym_name"].value + self.suffix)
        self.stats["num-renamed"] += 1


@register_pass
class TestOptions(Pass):
    """Records its option values in a `test.options` attribute of the op it runs on."""

    name = "test-options"
    summary = "Record the option values on the op"
    options = [
        Option("count", int, 1, "an integer"),
        Option("flag", bool, False, "a boolean"),
        Option("label", str, "none", "a string"),
        Option("ratio", float, 0.5, "a float"),
        ListOption("sizes", int, [], "a list of integers"),
        Option("mode", str, "fast", "an enum", choices=["fast", "slow"]),
    ]

    def run_on_operation(self, op):
        op.attributes["test.options"] = StringAttr(self.pipeline_text())


@register_pass
class TestCountOps(Pass):
    """Counts the ops nested in the op it runs on."""

    name = "test-count-ops"
    summary = "Count nested ops (a statistic)"
    statistics = [Statistic("num-ops", "operations seen"), Statistic("num-regions", "regions seen")]

    def run_on_operation(self, op):
        for o in op.walk():
            self.stats["num-ops"] += 1
            self.stats["num-regions"] += len(o.regions)


@register_pass
class TestNoop(Pass):
    """Changes nothing (for --mlir-print-ir-after-change)."""

    name = "test-noop"
    summary = "Do nothing"

    def run_on_operation(self, op):
        pass


@register_pass
class TestFailSilently(Pass):
    """Fails without saying why; the pass manager has to explain."""

    name = "test-fail"
    summary = "Signal failure without a diagnostic"

    def run_on_operation(self, op):
        self.signal_failure()


@register_pass
class TestFailWithMessage(Pass):
    """Fails by raising PassFailure with a message."""

    name = "test-fail-message"
    summary = "Raise PassFailure"
    anchor = "func.func"

    def run_on_operation(self, op):
        raise PassFailure(f"cannot handle @{op.properties['sym_name'].value}")


@register_pass
class TestEmitErrorAndFail(Pass):
    """Reports its own error, then fails: nothing more should be printed."""

    name = "test-emit-error"
    summary = "Emit an error on each function and fail"
    anchor = "func.func"

    def run_on_operation(self, op):
        op.emit_error("test-emit-error was here")
        self.signal_failure()


@register_pass
class TestCrash(Pass):
    """A pass with a bug: the exception must become a diagnostic."""

    name = "test-crash"
    summary = "Raise a Python exception"

    def run_on_operation(self, op):
        return 1 // 0


@register_pass
class TestBreakIR(Pass):
    """Erases every func.return, leaving blocks without a terminator."""

    name = "test-break-ir"
    summary = "Produce IR that does not verify"
    anchor = "func.func"

    def run_on_operation(self, op):
        for o in list(op.walk()):
            if o.name == "func.return":
                o.erase()


@register_pipeline("test-pipeline", "Rename functions, then count ops")
def _test_pipeline(pm):
    pm.add("test-rename-func").add("test-count-ops")
