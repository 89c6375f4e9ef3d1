"""mir-opt never shows a traceback: every bad input is `FILE:LINE:COL: error: ...` and exit code 1.

Most checks run mir-opt's own code in-process (`process_chunk`, the function
`mir-opt` runs on each buffer, or `main`), a few through the installed script.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlir_py.tools import mir_opt

from mlir_py.ir.context import Context
from mlir_py.ir.diagnostics import Diagnostic, register_source

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_DIR = os.path.dirname(HERE)
MIR_OPT = os.path.join(os.path.dirname(sys.executable), "mir-opt")
ERROR_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: .+")

CTX = Context(allow_unregistered_dialects=True).load_all_available_dialects()
STRICT = Context().load_all_available_dialects()
ARGS = mir_opt.build_arg_parser().parse_args([])


def check_text(text: str, ctx: Context = CTX, filename: str = "in.mir") -> bool:
    """Run mir-opt's per-buffer path; an error must be a located diagnostic. True if the input was valid."""
    register_source(filename, text)
    diags: list[Diagnostic] = []
    out: list[str] = []
    ok = mir_opt.process_chunk(ctx, text, filename, 0, ARGS, None, diags.append, out)
    if ok:
        assert not [d for d in diags if d.severity == "error"]
        return True
    errors = [d for d in diags if d.severity == "error"]
    assert errors, "failure without an error diagnostic"
    lines = text.split("\n")
    for d in errors:
        first = d.render().split("\n")[0]
        m = ERROR_LINE.match(first)
        assert m and m.group("file") == filename, first
        line, col = int(m.group("line")), int(m.group("col"))
        assert 1 <= line <= len(lines) + 1, first
        assert 1 <= col <= len(lines[line - 1]) + 2 if line <= len(lines) else col == 1, first
    return False


def run_main(data: bytes | str, *flags: str, tmp_path) -> tuple[int, str, str]:
    """mir_opt.main in-process on a file holding data."""
    path = tmp_path / "input.mir"
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    env_debug = os.environ.pop("MLIR_PY_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = mir_opt.main([str(path), *flags])
    finally:
        if env_debug is not None:
            os.environ["MLIR_PY_DEBUG"] = env_debug
    return rc, out.getvalue(), err.getvalue().replace(str(path), "input.mir")


def assert_clean_failure(rc: int, err: str, filename: str = "input.mir") -> None:
    assert rc == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert re.match(rf"^{re.escape(filename)}:\d+:\d+: error: ", err), err


def assert_no_crash(rc: int, err: str) -> None:
    assert rc in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err, err
    if rc == 1:
        assert re.match(r"^[^\n]+:\d+:\d+: error: ", err), err


# ----------------------------------------------------------------------------
# Hand-picked hostile inputs
# ----------------------------------------------------------------------------

NINES = "9" * 5000
BAD_INPUTS = {
    # unbalanced brackets and quotes
    "open_region": '"t.a"() ({\n',
    "close_region": '"t.a"() : () -> ()\n})',
    "open_paren": '"t.a"(',
    "close_brace": "}",
    "close_bracket": "]",
    "open_bracket_attr": '"t.a"() {v = [1, 2} : () -> ()',
    "open_angle_type": '"t.a"() : () -> tensor<4xf32',
    "extra_angle": '"t.a"() : () -> tensor<4xf32>>',
    "open_dict": '"t.a"() {a = 1 : () -> ()',
    "open_string": '"t.a"() {s = "abc} : () -> ()',
    "open_string_name": '"t.a',
    "newline_in_string": '"t.a"() {s = "ab\ncd"} : () -> ()',
    "open_opaque": '"t.a"() {v = #foo.bar<1, [2} : () -> ()',
    "mismatched_opaque": '"t.a"() {v = #foo.bar<(]>} : () -> ()',
    "open_props": '"t.a"() <{a = 1} : () -> ()',
    "open_loc": '"t.a"() : () -> () loc("f":1',
    "open_dense": '"t.a"() {v = dense<[1, 2> : tensor<2xi32>} : () -> ()',
    "open_affine": '"t.a"() {v = affine_map<(d0) -> (d0>} : () -> ()',
    "resource_unterminated": "{-# dialect_resources: {}",
    # huge numbers
    "huge_int": '"t.a"() {v = 99999999999999999999999999999 : i64} : () -> ()',
    "huge_int_5000_digits": f'"t.a"() {{v = {NINES} : i64}} : () -> ()',
    "huge_int_for_i8": f'"t.a"() {{v = {NINES} : i8}} : () -> ()',
    "huge_hex_float": '"t.a"() {v = 0x' + "F" * 100 + " : f32} : () -> ()",
    "huge_dim": '"t.a"() : () -> tensor<99999999999999999999999xf32>',
    "huge_dim_digits": f'"t.a"() : () -> tensor<{NINES}xf32>',
    "huge_width": f'"t.a"() : () -> i{NINES}',
    "huge_width2": '"t.a"() : () -> i16777216',
    "huge_result_count": '%0:99999999999999999999 = "t.a"() : () -> ()',
    "huge_result_index": f'%0 = "t.a"() : () -> i32\n"t.b"(%0#{NINES}) : (i32) -> ()',
    "huge_splat": '"t.a"() {v = dense<1.0> : tensor<100000000000xf32>} : () -> ()',
    "huge_splat_3d": '"t.a"() {v = dense<1.0> : tensor<100000x100000x100000xf32>} : () -> ()',
    "huge_hex_splat": '"t.a"() {v = dense<"0x00000000"> : tensor<10000000000xf32>} : () -> ()',
    "huge_dense_array": f'"t.a"() {{v = array<i8: {NINES}>}} : () -> ()',
    "huge_dense_elem": '"t.a"() {v = dense<99999999999999999999999> : tensor<2xi64>} : () -> ()',
    "huge_strided": f'"t.a"() : () -> memref<4xf32, strided<[{NINES}]>>',
    "huge_memspace": f'"t.a"() : () -> memref<4xf32, {NINES}>',
    "loc_missing_column": '"t.a"() : () -> () loc("x":1:)',
    "hex_i128_blob": '"t.a"() {v = dense<"0x01000000000000000000000000000000"> : tensor<1xi128>} : () -> ()',
    # unknown things
    "unknown_custom_op": "foo.bar %x",
    "unknown_builtin_op": "nope",
    "unknown_type": '"t.a"() : () -> wat',
    "unknown_type_alias": '"t.a"() : () -> !wat',
    "unknown_attr_alias": '"t.a"() {v = #wat} : () -> ()',
    "unknown_keyword_attr": '"t.a"() {v = dense_wat<1>} : () -> ()',
    # structural nonsense
    "empty_op_name": '""() : () -> ()',
    "caret_only": "^",
    "percent_only": "%",
    "hash_only": "#",
    "bang_only": "!",
    "at_only": "@",
    "loc_hash": '"t.a"() : () -> () loc(#)',
    "loc_alias_undefined": '"t.a"() : () -> () loc(#nowhere)',
    "loc_alias_not_a_loc": '#x = 1\n"t.a"() : () -> () loc(#x)',
    "alias_self": "#a = #a",
    "alias_redefined": "!a = i32\n!a = i32",
    "alias_dotted": "#a.b = 1",
    "block_at_top": '^bb0:\n"t.a"() : () -> ()',
    "block_redefined": '"t.a"() ({\n^bb0:\n^bb0:\n}) : () -> ()',
    "block_arg_redefined": '"t.a"() ({\n^bb0(%a: i32, %a: i32):\n}) : () -> ()',
    "successor_undefined": '"t.a"() ({\n  "t.b"()[^bb9] : () -> ()\n}) : () -> ()',
    "successor_top_level": '"t.b"()[^bb9] : () -> ()',
    "ssa_undefined": '"t.b"(%x) : (f32) -> ()',
    "ssa_type_mismatch": '"t.b"(%0) : (f32) -> ()\n%0 = "t.a"() : () -> i32',
    "ssa_redefined": '%0 = "t.a"() : () -> i32\n%0 = "t.a"() : () -> i32',
    "result_count": '%0, %1 = "t.a"() : () -> i32',
    "result_zero": '%0:0 = "t.a"() : () -> ()',
    "generic_no_type": '"t.a"()',
    "generic_not_function_type": '"t.a"() : i32',
    "operand_count": '%0 = "t.a"() : () -> i32\n"t.b"(%0) : () -> ()',
    "module_trailing_brace": "module {} }",
    "module_bad_attrs": "module attributes {x = 1} {}",
    "func_unclosed": "func.func @f(%a: i32 -> i32 {",
    "func_no_body_types": "func.func @f(",
    "nul_byte": '"t.a"() : () -> ()\x00',
    "nul_only": "\x00\x00",
    "bom": '\ufeff"t.a"() : () -> ()',
    "lone_cr": '"t.a"() :\r\r () ->',
    "tabs": '\t"t.a"(\t%x\t)',
    "verifier_error": '%0 = "t.a"() : () -> i32\n"t.b"(%1) : (i32) -> ()\n%1 = "t.c"(%0) : (i32) -> i32\n'
                      'func.func @f() {\n  "t.u"(%2) : (i32) -> ()\n  %2 = "t.d"() : () -> i32\n  return\n}',
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_located_error(name):
    text = BAD_INPUTS[name]
    assert not check_text(text), "expected an error"


@pytest.mark.parametrize("name", ["unknown_custom_op", "unknown_type_alias", "open_opaque", "huge_int"])
def test_bad_input_through_main(name, tmp_path):
    rc, out, err = run_main(BAD_INPUTS[name], tmp_path=tmp_path)
    assert_clean_failure(rc, err)
    assert out == ""


def test_unregistered_things_need_the_flag(tmp_path):
    for text in ('"t.a"() : () -> ()', '"builtin.nope"() : () -> ()', '"func.nope"() : () -> ()',
                 'func.func @f() attributes {v = #foo.bar} {\n  return\n}',
                 'func.func @f(%a: !foo.t) {\n  return\n}', 'func.func @f() attributes {x = #func.nope} {}'):
        assert not check_text(text, STRICT)
        rc, _, err = run_main(text, tmp_path=tmp_path)
        assert_clean_failure(rc, err)


def test_invalid_utf8(tmp_path):
    rc, out, err = run_main(b'"t.a"() {v = "\xff\xfe"} : () -> ()\n', "--allow-unregistered-dialect",
                            tmp_path=tmp_path)
    assert_clean_failure(rc, err)
    assert err.startswith("input.mir:1:15: error: invalid UTF-8 byte 0xFF in input")
    for data in (b"\xff", b"\xc3", b'%0 = "t.a"() : () -> i32\n"t.\xe2\x82"() : () -> ()', b"\x80" * 10):
        rc, out, err = run_main(data, tmp_path=tmp_path)
        assert_clean_failure(rc, err)


# ----------------------------------------------------------------------------
# Deep nesting (10k levels), in-process through main (it runs on a big stack)
# ----------------------------------------------------------------------------

N = 10000
DEEP_INPUTS = {
    "regions": '"t.a"() ({\n' * N + "}) : () -> ()\n" * N,
    "regions_unclosed": '"t.a"() ({\n' * N,
    "regions_custom": "module {\n" * N + "}\n" * N,
    "array_attr": '"t.a"() {v = ' + "[" * N + "]" * N + "} : () -> ()",
    "array_attr_unclosed": '"t.a"() {v = ' + "[" * N + "} : () -> ()",
    "dict_attr": '"t.a"() {v = ' + "{a = " * N + "1" + "}" * N + "} : () -> ()",
    "tuple_type": '"t.a"() : () -> ' + "tuple<" * N + "i32" + ">" * N,
    "function_type": '"t.a"() : () -> ' + "(" * N + "i32" + ")" * N,
    "function_type_unclosed": '"t.a"() : () -> ' + "(" * N,
    "tensor_type": '"t.a"() : () -> ' + "tensor<" * N + "i32" + ">" * N,
    "opaque_attr": '"t.a"() {v = #foo.bar' + "<" * N + ">" * N + "} : () -> ()",
    "opaque_attr_unclosed": '"t.a"() {v = #foo.bar' + "<" * N + "} : () -> ()",
    "dense": '"t.a"() {v = dense<' + "[" * N + "1" + "]" * N + "> : tensor<1xi32>} : () -> ()",
    "affine": '"t.a"() {v = affine_map<(d0) -> (' + "(" * N + "d0" + ")" * N + ")>} : () -> ()",
    "callsite_loc": '"t.a"() : () -> () loc(' + "callsite(" * N + '"a"' + ' at "b")' * N + ")",
    "fused_loc": '"t.a"() : () -> () loc(' + "fused[" * N + '"a"' + "]" * N + ")",
    "blocks": '"t.a"() ({\n' + "".join(f'^bb{i}:\n  "t.br"()[^bb{i + 1}] : () -> ()\n' for i in range(N))
              + f"^bb{N}:\n" + "}) : () -> ()",
    "many_ops": '"t.a"() : () -> ()\n' * N,
}


@pytest.mark.parametrize("name", sorted(DEEP_INPUTS))
def test_deep_nesting(name, tmp_path):
    rc, out, err = run_main(DEEP_INPUTS[name], "--allow-unregistered-dialect", tmp_path=tmp_path)
    assert_no_crash(rc, err)


def test_deep_nesting_through_the_script(tmp_path):
    path = tmp_path / "deep.mir"
    path.write_text(DEEP_INPUTS["regions"])
    r = subprocess.run([MIR_OPT, str(path), "--allow-unregistered-dialect", "--mlir-print-op-generic"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.count('"t.a"() ({') == N
    path.write_text(DEEP_INPUTS["regions_unclosed"])
    r = subprocess.run([MIR_OPT, str(path), "--allow-unregistered-dialect"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: error: ", r.stderr)


# ----------------------------------------------------------------------------
# Every prefix of valid files
# ----------------------------------------------------------------------------

SAMPLE = """#map = affine_map<(d0, d1) -> (d1, d0)>
!t = tensor<4x?xf32>
module @m attributes {test.flag} {
  func.func private @decl(i32) -> i32
  func.func @f(%arg0: i32, %arg1: !t) -> i32 attributes {test.attr = 1} {
    %c = "test.const"() {value = dense<[1.5, -2.0]> : tensor<2xf32>, m = #map} : () -> memref<4xf32, 1>
    %s:2 = "test.two"(%arg0) <{p = array<i64: 1, 2>}> : (i32) -> (i32, index)
    cf.br ^bb1(%s#0 : i32)
  ^bb1(%x: i32):  // pred: ^bb0
    %y = "test.region"(%x) ({
    ^bb0(%z: i32):
      "test.yield"(%z) : (i32) -> ()
    }) {s = "str\\n\\"q\\"", f = 0x7FC00000 : f32} : (i32) -> i32 loc("a.mir":3:4)
    return %y : i32
  }
}
"""


def _prefix_files() -> list[tuple[str, str]]:
    files = [("sample.mir", SAMPLE)]
    for rel in ("dialects/builtin/ops.mir", "parser/roundtrip.mir"):
        p = os.path.join(TEST_DIR, rel)
        if os.path.exists(p):
            with open(p) as f:
                text = f.read()
            files.append((rel, text.split("// -----")[0]))
    return files


@pytest.mark.parametrize("name,text", _prefix_files())
def test_every_prefix_is_valid_or_a_located_error(name, text):
    assert check_text(text), f"{name} itself must be valid"
    # every prefix of the first 1500 characters, then every 7th (runtime)
    for i in list(range(min(len(text), 1500))) + list(range(1500, len(text), 7)):
        check_text(text[:i])


def test_every_prefix_through_the_script(tmp_path):
    # a handful of prefixes through the real command line, stdin included
    for cut in (1, 40, 150, 333, 600, len(SAMPLE) - 3):
        r = subprocess.run([MIR_OPT, "--allow-unregistered-dialect"], input=SAMPLE[:cut], capture_output=True,
                           text=True, timeout=120)
        assert_no_crash(r.returncode, r.stderr)
        assert r.returncode == 0 or r.stderr.startswith("<stdin>:"), r.stderr


# ----------------------------------------------------------------------------
# Random inputs
# ----------------------------------------------------------------------------

TOKENS = [
    "%0", "%a", "%x#1", "%1:2", "^bb0", "^bb1", '"t.a"', '"t.b"', "(", ")", "{", "}", "[", "]", "<", ">", ":",
    ",", "=", "->", "::", "?", "*", "x", "i32", "f32", "i1", "index", "none", "tensor", "memref", "vector",
    "tuple", "complex", "4x", "?x", "[4]x", "dense", "array", "affine_map", "affine_set", "strided", "offset",
    "d0", "s0", "floordiv", "loc", "callsite", "fused", "unknown", "at", "#map", "#loc1", "!t", "#foo.bar",
    "!foo.bar", "#builtin.x", "@sym", "@a::@b", '"str"', '"esc\\n"', '"\\q"', "1", "-1", "0x1F", "1.5",
    "1.0e10", "-0.0", "0x7FC00000", "99999999999999999999", "true", "false", "unit", "module", "attributes",
    "func.func", "return", "cf.br", "cf.cond_br", "builtin.module", "unrealized_conversion_cast", "to",
    "private", "//", "// -----", "{-#", "#-}", "#", "!", "^", "%", '"', "\n", "\t",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(["", " ", "\n"])), max_size=40),
       st.booleans())
def test_random_token_soup(parts, allow_unregistered):
    text = "".join(t + sep for t, sep in parts)
    valid = check_text(text, CTX if allow_unregistered else STRICT)
    if valid:  # anything accepted must print as something that reads back the same
        out: list[str] = []
        assert mir_opt.process_chunk(CTX, text, "in.mir", 0, ARGS, None, lambda d: None, out)
        again: list[str] = []
        assert mir_opt.process_chunk(CTX, out[0], "out.mir", 0, ARGS, None, lambda d: None, again)
        assert again == out


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_random_text(text):
    check_text(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_random_bytes_decoded(data):
    # what the tool does with bytes: strict UTF-8 (tested above), else the text itself
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    check_text(text)


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_through_the_script(seed, tmp_path):
    import random
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(200))
    path = tmp_path / "garbage.mir"
    path.write_bytes(data)
    r = subprocess.run([MIR_OPT, str(path)], capture_output=True, timeout=120)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 1 and "Traceback" not in err, err
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: error: ", err), err
