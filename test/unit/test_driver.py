"""mir-opt as a program: exit codes, Ctrl-C, unusable inputs and outputs, and
user files (dialects, plugins) that raise. Each class of failure gets a
one-line message and a definite exit status, never a traceback and never
"internal error" after the work is done.

Process-level behaviour (signals, closed file descriptors) runs the installed
script; the BaseException matrix runs `mir_opt.main` in-process, which runs
the same worker thread.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from mlir_py.tools import mir_opt

MIR_OPT = os.path.join(os.path.dirname(sys.executable), "mir-opt")
SRC = "func.func @f() {\n  return\n}\n"


def run_script(*args: str, stdin: str | None = None, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLIR_PY_DEBUG"}
    return subprocess.run([MIR_OPT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120,
                          **kw)


def run_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    debug = os.environ.pop("MLIR_PY_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = mir_opt.main(list(args))
    finally:
        if debug is not None:
            os.environ["MLIR_PY_DEBUG"] = debug
    return rc, out.getvalue(), err.getvalue()


def assert_one_clean_error(rc: int, err: str, *needles: str) -> None:
    assert rc == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert "Exception in thread" not in err, err
    for n in needles:
        assert n in err, (n, err)


@pytest.fixture
def input_file(tmp_path):
    p = tmp_path / "in.mir"
    p.write_text(SRC)
    return str(p)


# A plugin whose pass leaves a marker: "did the work start?"
MARKER_PLUGIN = """
import os, time
from mlir_py.pass_manager import Pass
from mlir_py.pass_manager import register_pass

@register_pass
class Mark(Pass):
    name = "test-mark"
    def run_on_operation(self, op):
        open(os.environ["MARKER"], "w").close()
        time.sleep(float(os.environ.get("SLEEP", "0")))
"""


@pytest.fixture
def marker_plugin(tmp_path):
    p = tmp_path / "marker_plugin.py"
    p.write_text(MARKER_PLUGIN)
    return str(p)


# ----------------------------------------------------------------------------
# Exit codes of the command line itself
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_exits_0(flag):
    r = run_script(flag)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: mir-opt") and "--verify-roundtrip" in r.stdout
    assert r.stderr == ""


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--mlir-timing-display=sideways"], "argument --mlir-timing-display: invalid choice: 'sideways'"),
    (["--verify-each=2"], "argument --verify-each: expected 0 or 1, got '2'"),
    (["--canonicalize=max-iterations=x"], "invalid value 'x' for option 'max-iterations'"),
    (["--cse=nope=1"], "no such option 'nope' for pass 'cse'"),
    (["-o"], "argument -o: expected one argument"),
])
def test_bad_flags_are_one_error_line(args, message, input_file):
    rc, out, err = run_main(input_file, *args)
    assert_one_clean_error(rc, err, "mir-opt: error: ", message)
    assert out == ""


def test_threading_flag_is_accepted_and_changes_nothing(input_file):
    plain = run_main(input_file, "--cse")
    assert run_main(input_file, "--cse", "--mlir-disable-threading") == plain
    assert plain[0] == 0


# ----------------------------------------------------------------------------
# Ctrl-C
# ----------------------------------------------------------------------------


SLOW_PARSE_DIALECT = """
import os, time
from mlir_py.definition.dialect import Dialect
from mlir_py.definition.opdef import Op

class SlowOp(Op):
    name = "slow.op"

    @classmethod
    def parse(cls, parser):
        open(os.environ["MARKER"], "w").close()
        time.sleep(60)
        return cls()

    def print(self, printer):
        pass

SLOW = Dialect("slow", ops=[SlowOp])
"""


@pytest.mark.parametrize("phase", ["parsing", "a pass"])
def test_ctrl_c_is_one_line_and_exit_130(phase, tmp_path, input_file, marker_plugin):
    marker = tmp_path / "started"
    env = {k: v for k, v in os.environ.items() if k != "MLIR_PY_DEBUG"}
    env.update(MARKER=str(marker), SLEEP="60")
    if phase == "parsing":
        dialect = tmp_path / "slow_dialect.py"
        dialect.write_text(SLOW_PARSE_DIALECT)
        (tmp_path / "slow.mir").write_text("slow.op\n")
        args = [str(tmp_path / "slow.mir"), "--load-dialect", str(dialect)]
    else:
        args = [input_file, "--load-pass-plugin", marker_plugin, "--test-mark"]
    proc = subprocess.Popen([MIR_OPT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the work never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err == "mir-opt: interrupted\n"
    assert out == ""


# ----------------------------------------------------------------------------
# Inputs and outputs: checked before the work, reported with the path
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("where, message", [
    ("missing/out.mir", "cannot write output file '{}': directory '{}' does not exist"),
    ("", "cannot write output file '{}': it is a directory"),
])
def test_unwritable_output_fails_before_the_work(where, message, tmp_path, input_file, marker_plugin):
    marker = tmp_path / "worked"
    path = str(tmp_path / where) if where else str(tmp_path)
    os.environ["MARKER"] = str(marker)
    try:
        rc, out, err = run_main(input_file, "--load-pass-plugin", marker_plugin, "--test-mark", "-o", path)
    finally:
        del os.environ["MARKER"]
    expected = message.format(path, os.path.dirname(path))
    assert_one_clean_error(rc, err, f"mir-opt: error: {expected}")
    assert not marker.exists(), "the pass ran although the output could not be written"


def test_full_device_is_reported_with_the_path(input_file):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    rc, _, err = run_main(input_file, "-o", "/dev/full")
    assert_one_clean_error(rc, err, "mir-opt: error: cannot write output file '/dev/full': No space left on device")
    with open("/dev/full", "w") as full:
        r = subprocess.run([MIR_OPT, input_file], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert_one_clean_error(r.returncode, r.stderr,
                           "mir-opt: error: cannot write to standard output: No space left on device")
    assert r.stderr.count("\n") == 1, r.stderr  # no second complaint when the interpreter exits


def test_closed_stdout_fails_before_the_work(tmp_path, input_file, marker_plugin):
    marker = tmp_path / "worked"
    env = {k: v for k, v in os.environ.items() if k != "MLIR_PY_DEBUG"}
    env["MARKER"] = str(marker)
    r = subprocess.run([MIR_OPT, input_file, "--load-pass-plugin", marker_plugin, "--test-mark"],
                       stderr=subprocess.PIPE, text=True, env=env, timeout=120, preexec_fn=lambda: os.close(1))
    assert_one_clean_error(r.returncode, r.stderr, "mir-opt: error: cannot write the output: standard output is closed")
    assert not marker.exists()
    # with -o the closed stdout does not matter
    out = tmp_path / "out.mir"
    r = subprocess.run([MIR_OPT, input_file, "-o", str(out)], stderr=subprocess.PIPE, text=True, env=env,
                       timeout=120, preexec_fn=lambda: os.close(1))
    assert r.returncode == 0, r.stderr
    assert "func.func @f()" in out.read_text()


def test_reader_closing_the_pipe_is_reported(tmp_path):
    big = tmp_path / "big.mir"
    body = "".join(f"  %x{i} = arith.addi %a, %a : i32\n" for i in range(20000))
    big.write_text("func.func @f(%a: i32) {\n" + body + "  return\n}\n")
    env = {k: v for k, v in os.environ.items() if k != "MLIR_PY_DEBUG"}
    proc = subprocess.Popen([MIR_OPT, str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.read(100)
    proc.stdout.close()  # like `mir-opt big.mir | head -c 100`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1, err
    assert err == "mir-opt: error: cannot write to standard output: Broken pipe\n"


def test_closed_stdin_is_reported():
    r = subprocess.run([MIR_OPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120,
                       preexec_fn=lambda: os.close(0))
    assert_one_clean_error(r.returncode, r.stderr, "mir-opt: error: cannot read the input: standard input is closed")


def test_output_may_name_the_input(input_file):
    rc, _, err = run_main(input_file, "--cse", "-o", input_file)
    assert rc == 0, err
    # mlir-opt ends its output with a blank line
    assert open(input_file).read() == "module {\n  func.func @f() {\n    return\n  }\n}\n\n"


@pytest.mark.parametrize("flag", ["--load-dialect", "--load-pass-plugin"])
def test_user_file_that_is_a_directory_or_missing(flag, tmp_path, input_file):
    rc, _, err = run_main(input_file, flag, str(tmp_path))
    kind = "dialect file" if flag == "--load-dialect" else "pass plugin"
    assert_one_clean_error(rc, err, f"mir-opt: error: cannot load {kind} '{tmp_path}': it is a directory")
    missing = str(tmp_path / "missing.py")
    rc, _, err = run_main(input_file, flag, missing)
    assert_one_clean_error(rc, err, f"mir-opt: error: cannot open {kind} '{missing}': no such file")


# ----------------------------------------------------------------------------
# User files that raise: at import, in a pass, in a pass's setup
# ----------------------------------------------------------------------------

RAISES = {
    "sys.exit(3)": "SystemExit (sys.exit(3) was called)",
    "sys.exit()": "SystemExit (sys.exit() was called)",
    "raise KeyboardInterrupt": "KeyboardInterrupt",
    "raise Custom('custom')": "Custom: custom",
    "raise ValueError('plain')": "ValueError: plain",
}

PRELUDE = """import sys
from mlir_py.pass_manager import Pass
from mlir_py.pass_manager import register_pass

class Custom(BaseException):
    pass
"""


@pytest.mark.parametrize("statement", list(RAISES))
@pytest.mark.parametrize("where", ["dialect import", "plugin import", "pass", "pass initialize"])
def test_user_file_raising_any_base_exception(where, statement, tmp_path, input_file):
    path = tmp_path / "raiser.py"
    expected = RAISES[statement]
    if where.endswith("import"):
        path.write_text(PRELUDE + statement + "\n")
        line = PRELUDE.count("\n") + 1
        flag = "--load-dialect" if where == "dialect import" else "--load-pass-plugin"
        kind = "dialect file" if where == "dialect import" else "pass plugin"
        rc, out, err = run_main(input_file, flag, str(path))
        assert_one_clean_error(rc, err, f"{path}:{line}: error: cannot load {kind} '{path}': {expected}\n")
    else:
        method = "run_on_operation(self, op)" if where == "pass" else "initialize(self)"
        path.write_text(PRELUDE + "@register_pass\nclass Raiser(Pass):\n    name = 'test-raiser'\n"
                        f"    def {method}:\n        {statement}\n")
        line = PRELUDE.count("\n") + 5
        rc, out, err = run_main(input_file, "--load-pass-plugin", str(path), "--test-raiser")
        what = "pass 'test-raiser'" if where == "pass" else "initializing pass 'test-raiser'"
        assert_one_clean_error(rc, err, f"in.mir:1:1: error: {what} raised {expected} (at {path}:{line})")
    assert out == ""


def test_invalid_assembly_format_fails_when_the_dialect_is_defined(tmp_path, input_file):
    path = tmp_path / "bad_format.py"
    path.write_text("from mlir_py.definition.dialect import Dialect\n"
                    "from mlir_py.definition.opdef import Op, operand\n"
                    "class A(Op):\n"
                    "    name = 'bf.a'\n"
                    "    x = operand()\n"
                    "    assembly_format = '$x `,` attr-dict'\n"
                    "DIALECT = Dialect('bf', ops=[A])\n")
    rc, out, err = run_main(input_file, "--load-dialect", str(path))
    assert_one_clean_error(rc, err, f"{path}:7: error: cannot load dialect file '{path}': DefinitionError: bf.a: "
                                    "assembly format '$x `,` attr-dict': type of operand '$x' is not known")
    # the same from Python: defining the Dialect raises
    from mlir_py.definition.dialect import Dialect
    from mlir_py.definition.opdef import DefinitionError, Op

    class Unbalanced(Op):
        name = "bf.unbalanced"
        assembly_format = "`(` attr-dict )"

    with pytest.raises(DefinitionError, match="bf.unbalanced|unbalanced"):
        Dialect("bf", ops=[Unbalanced])


def test_every_shipped_assembly_format_compiles():
    """Shipped dialects skip the definition-time compile for start-up speed;
    this holds them to the same bar."""
    from mlir_py.definition.assembly_format import op_format
    from mlir_py.ir.context import Context
    ctx = Context().load_all_available_dialects()
    checked = [cls for cls in ctx.ops.values() if getattr(cls, "assembly_format", None)]
    assert len(checked) > 50
    for cls in checked:
        assert op_format(cls) is not None, cls.name


HOOK_FILES = {
    "attribute parser": ("--load-dialect", """
from mlir_py.ir.attributes import AttrDef
from mlir_py.definition.dialect import Dialect
{prelude}
class Weird(AttrDef):
    name = "weird.w"

    @classmethod
    def parse_parameters(cls, parser):
        {statement}

D = Dialect("weird", attributes=[Weird])
""", '"t.x"() {a = #weird.w<1>} : () -> ()\n', "in.mir:1:14: error: 'weird.w' attribute parser raised {expected}"),
    "pipeline builder": ("--load-pass-plugin", """
from mlir_py.pass_manager import register_pipeline
{prelude}
@register_pipeline("test-builder", "raises")
def build(pm):
    {statement}
""", SRC, "mir-opt: error: pass pipeline 'test-builder' failed to build: {expected}"),
    "pass constructor": ("--load-pass-plugin", """
{prelude}
@register_pass
class Raiser(Pass):
    name = "test-builder"

    def __init__(self, **kw):
        {statement}
""", SRC, "mir-opt: error: cannot create pass 'test-builder': {expected}"),
}


@pytest.mark.parametrize("statement", ["sys.exit(3)", "raise KeyboardInterrupt", "raise Custom('custom')"])
@pytest.mark.parametrize("hook", list(HOOK_FILES))
def test_hooks_outside_passes_raising_any_base_exception(hook, statement, tmp_path):
    flag, code, source, message = HOOK_FILES[hook]
    path = tmp_path / "hook_file.py"
    path.write_text(code.format(prelude=PRELUDE, statement=statement))
    src = tmp_path / "in.mir"
    src.write_text(source)
    args = [str(src), "--allow-unregistered-dialect", flag, str(path)]
    if hook != "attribute parser":
        args.append("--test-builder")
    rc, out, err = run_main(*args)
    assert_one_clean_error(rc, err, message.format(expected=RAISES[statement]))
