"""A compiled function as a Python callable (what `ExecutionEngine.lookup` returns).

Everything that depends only on the signature is decided once, at lookup:
the ctypes prototype of the `_mlir_ciface_` wrapper, one converter per
argument, where each descriptor and the result struct sit in a scratch
buffer, and how results are read back. The call itself is a small Python
function generated for the signature: for a memref of static shape and
identity layout the descriptor's sizes, strides and offset never change,
so they are written into the scratch buffer when it is made and a call
checks the array and stores two pointers. Anything off that short path
goes through the argument's full converter, which either handles it or
raises ArgumentError naming the argument.

Scratch buffers come from a per-function pool (a list: `pop` and `append`
are atomic under the GIL), so concurrent calls from several threads each
get their own. The native call runs with the GIL released: ctypes releases
it around every CFUNCTYPE call.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
from mlir_py.execution.abi import MemRefSpec, ScalarSpec, Signature, descriptor_format, descriptor_struct
from mlir_py.execution.errors import ArgumentError
from mlir_py.execution.marshal import (
    _DATA_OFFSET,
    data_pointer,
    memref_argument,
    memref_result,
    scalar_argument,
    scalar_result_reader,
)

__all__ = ["JitFunction"]


class JitFunction:
    """`fn(*args)`: numpy arrays for memrefs, Python or numpy scalars for scalars.
    Returns None, the one result, or a tuple of results (arrays own their memory)."""

    def __init__(self, signature: Signature, address: int, keepalive: Any = None):
        self.signature = signature
        self.name = signature.name
        self.address = address
        self._keepalive = keepalive  # the machine code's owner (the engine)
        sig = signature
        fname = f"@{sig.name}"

        # scratch layout: one descriptor per memref argument, then the result struct
        offset = 0
        self._converters: list = []
        self._arg_offsets: list[int] = []  # byte offset of each memref argument's descriptor, -1 for scalars
        argtypes: list = []
        for i, spec in enumerate(sig.inputs):
            what = f"argument {i} of {fname}"
            if isinstance(spec, MemRefSpec):
                self._converters.append(memref_argument(spec, what, offset))
                self._arg_offsets.append(offset)
                offset += descriptor_format(spec.rank).size
                argtypes.append(ctypes.c_void_p)
            else:
                self._converters.append(scalar_argument(spec, what))
                self._arg_offsets.append(-1)
                argtypes.append(spec.ctype)

        self._result_offset = -1
        self._result_readers: list = []
        restype = None
        if sig.returns_struct:
            fields = []
            for k, spec in enumerate(sig.results):
                ct = descriptor_struct(ctypes.c_char, spec.rank) if isinstance(spec, MemRefSpec) else spec.ctype
                fields.append((f"r{k}", ct))
            pack = type("Results", (ctypes.Structure,), {"_fields_": fields})
            align = ctypes.alignment(pack)
            self._result_offset = (offset + align - 1) // align * align
            for k, spec in enumerate(sig.results):
                at = self._result_offset + getattr(pack, f"r{k}").offset
                if isinstance(spec, MemRefSpec):
                    self._result_readers.append((at, spec, descriptor_format(spec.rank), None))
                else:
                    fmt, make = scalar_result_reader(spec)
                    self._result_readers.append((at, spec, fmt, make))
            offset = self._result_offset + ctypes.sizeof(pack)
            argtypes.insert(0, ctypes.c_void_p)
        elif sig.results:
            restype = sig.results[0].ctype
        self._scratch_words = max(1, (offset + 7) // 8)
        self._cfunc = ctypes.CFUNCTYPE(restype, *argtypes)(address)
        self._pool: list = []
        self._nargs = len(sig.inputs)
        self._call = _generate_call(self)

    def __call__(self, *args: Any) -> Any:
        return self._call(args)

    def __repr__(self) -> str:
        ins = ", ".join(s.type_text for s in self.signature.inputs)
        outs = ", ".join(s.type_text for s in self.signature.results)
        return f"<JitFunction @{self.name}({ins}) -> ({outs})>"

    # -- pieces the generated call uses ---------------------------------------

    def _new_slot(self) -> tuple:
        """A scratch buffer, with the constant part of each static descriptor written."""
        buf = (ctypes.c_int64 * self._scratch_words)()
        for spec, off in zip(self.signature.inputs, self._arg_offsets):
            if _has_constant_descriptor(spec):
                assert isinstance(spec, MemRefSpec)
                descriptor_format(spec.rank).pack_into(buf, off, 0, 0, 0, *spec.shape, *_row_major(spec.shape))
        return buf, ctypes.addressof(buf), []

    def _arity_error(self, got: int) -> ArgumentError:
        ins = ", ".join(s.type_text for s in self.signature.inputs)
        n = self._nargs
        return ArgumentError(f"@{self.name} takes {n} argument{'s' if n != 1 else ''} ({ins}), got {got}",
                             self.signature.location)

    def _located(self, e: ArgumentError) -> ArgumentError:
        if e.location is None:
            e.location = self.signature.location
        return e

    def _read_results(self, buf, args: tuple, keep: list) -> Any:
        arg_buffers: dict[int, Any] = {}
        for i, off in enumerate(self._arg_offsets):
            if off >= 0:
                arg_buffers[descriptor_format(0).unpack_from(buf, off)[0]] = args[i]
        for a in keep:  # a tensor argument copied to be contiguous: the copy is what the code saw
            arg_buffers[data_pointer(a)] = a
        allocations: dict[int, Any] = {}
        out = []
        for at, spec, fmt, make in self._result_readers:
            if make is None:
                out.append(memref_result(spec, fmt.unpack_from(buf, at), arg_buffers, allocations))
            else:
                out.append(make(fmt.unpack_from(buf, at)[0]))
        return out[0] if len(out) == 1 else tuple(out)


def _has_constant_descriptor(spec) -> bool:
    return isinstance(spec, MemRefSpec) and spec.strides is None and not spec.is_tensor \
        and all(d >= 0 for d in spec.shape)


def _row_major(shape) -> list[int]:
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return strides[::-1]


def _generate_call(fn: JitFunction):
    """The body of `fn(*args)` as straight-line Python for this signature."""
    sig = fn.signature
    env: dict[str, Any] = {"fn": fn, "pool": fn._pool, "new_slot": fn._new_slot, "cfunc": fn._cfunc,
                           "ArgumentError": ArgumentError, "ndarray": np.ndarray,
                           "read": ctypes.c_void_p.from_address, "at": _DATA_OFFSET}
    lines = ["def call(args):",
             f"    if len(args) != {fn._nargs}:",
             "        raise fn._arity_error(len(args))",
             "    try:",
             "        buf, base, keep = pool.pop()",
             "    except IndexError:",
             "        buf, base, keep = new_slot()",
             "    try:"]
    if fn._nargs:
        lines.append("        " + ", ".join(f"a{i}" for i in range(fn._nargs)) + ", = args")
        lines.append("        try:")
    cargs = []
    for i, (spec, off) in enumerate(zip(sig.inputs, fn._arg_offsets)):
        env[f"conv{i}"] = fn._converters[i]
        if off < 0:
            lines.append(f"            c{i} = conv{i}(a{i})")
        elif _has_constant_descriptor(spec) and _DATA_OFFSET is not None:
            assert isinstance(spec, MemRefSpec)
            env[f"dt{i}"], env[f"shape{i}"] = spec.dtype, spec.shape
            w = off // 8
            lines += [f"            if a{i}.__class__ is ndarray and a{i}.dtype is dt{i} and a{i}.shape == shape{i} "
                      f"and a{i}.flags.carray:",
                      f"                p = read(id(a{i}) + at).value or 0",
                      f"                buf[{w}] = p",
                      f"                buf[{w + 1}] = p",
                      f"                c{i} = base + {off}",
                      "            else:",
                      f"                c{i} = conv{i}(a{i}, buf, base, keep)"]
        else:
            lines.append(f"            c{i} = conv{i}(a{i}, buf, base, keep)")
        cargs.append(f"c{i}")
    if fn._nargs:
        lines += ["        except ArgumentError as e:",
                  "            raise fn._located(e) from None"]
    if fn._result_offset >= 0:
        lines += [f"        cfunc(base + {fn._result_offset}{''.join(', ' + c for c in cargs)})",
                  "        return fn._read_results(buf, args, keep)"]
    elif sig.results:
        spec = sig.results[0]
        assert isinstance(spec, ScalarSpec)
        env["make"] = spec.dtype.type
        value = "r & 1" if spec.kind == "bool" else "r"
        lines += [f"        r = cfunc({', '.join(cargs)})",
                  f"        return make({value})"]
    else:
        lines += [f"        cfunc({', '.join(cargs)})"]
    lines += ["    finally:",
              "        if keep:",
              "            keep.clear()",
              "        pool.append((buf, base, keep))"]
    exec(compile("\n".join(lines), f"<call @{sig.name}>", "exec"), env)  # noqa: S102 - generated from a signature
    return env["call"]
