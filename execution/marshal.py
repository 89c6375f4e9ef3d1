"""numpy arrays and Python scalars to C-interface arguments, and results back.

Every check runs in Python before the native call, so a wrong argument is an
`ArgumentError` and never a crash. The converters are built once per
function (at `lookup`) from its signature; the common case - a C-contiguous,
writable array of the right dtype and static sizes, or a Python int or
float - takes a short path of a few attribute reads and one `pack_into`.

Returned memrefs are wrapped without copying. Who frees the buffer depends
on where it came from (MLIR's conventions):

- a buffer the compiled code allocated (malloc/aligned_alloc) is owned by
  an `Allocation`, freed once when the last array viewing it dies (several
  results may share one allocation); one from another runtime's allocator
  (`foreign_owners`: the CUDA runtime's `gpu.alloc`) by that runtime's owner;
- a result whose `allocated` pointer is an argument's is a view of that
  argument, and keeps it alive;
- `allocated == 0xdeadbeef` marks a `memref.global` (upstream's lowering
  of `memref.get_global`): module memory, never freed here, so the result is
  copied out.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any, Callable

import numpy as np
from mlir_py.execution.abi import DYNAMIC, MemRefSpec, ScalarSpec, descriptor_format
from mlir_py.execution.errors import ArgumentError

__all__ = ["Allocation", "GLOBAL_MEMREF_MARKER", "data_pointer", "foreign_owners", "memref_argument", "memref_result",
           "scalar_argument", "scalar_result_reader"]

#: the `allocated` pointer upstream's lowering gives memrefs of a memref.global
GLOBAL_MEMREF_MARKER = 0xDEADBEEF


# -- the data pointer of an array -----------------------------------------------

def _probe_data_offset() -> int | None:
    """Where an ndarray object keeps its data pointer: right after the object
    header in numpy's C struct (PyArrayObject_fields.data, what PyArray_DATA
    reads). Reading it there costs a fifth of `a.ctypes.data`; the offset is
    checked on live arrays at import and the slow, public way used otherwise."""
    try:
        for off in (16, 24, 32):
            ok = True
            for a in (np.arange(3.0), np.zeros((2, 3), np.int8)[:, 1], np.empty(0)):
                if ctypes.c_void_p.from_address(id(a) + off).value != a.__array_interface__["data"][0]:
                    ok = False
                    break
            if ok:
                return off
    except (ValueError, OverflowError, TypeError):  # pragma: no cover - exotic interpreters
        pass
    return None  # pragma: no cover


_DATA_OFFSET = _probe_data_offset()
_read_pointer = ctypes.c_void_p.from_address

if _DATA_OFFSET is not None:
    def data_pointer(a: np.ndarray) -> int:
        """The address of `a`'s first element (0 for some empty arrays)."""
        return _read_pointer(id(a) + _DATA_OFFSET).value or 0  # type: ignore[operator]
else:  # pragma: no cover
    def data_pointer(a: np.ndarray) -> int:
        """The address of `a`'s first element (0 for some empty arrays)."""
        return a.__array_interface__["data"][0]


# -- arguments ------------------------------------------------------------------

def _c_strides(shape: tuple[int, ...]) -> list[int]:
    strides = [1] * len(shape)
    acc = 1
    for i in range(len(shape) - 1, -1, -1):
        strides[i] = acc
        acc *= shape[i]
    return strides


def _dims_text(shape) -> str:
    return "x".join("?" if d == DYNAMIC else str(d) for d in shape) or "scalar"


def memref_argument(spec: MemRefSpec, what: str, offset_in_slot: int
                    ) -> Callable[[Any, Any, int, list], int]:
    """A converter `conv(x, buf, base, keep) -> address`: checks array `x` against `spec`,
    writes its descriptor into `buf` at `offset_in_slot` and returns the descriptor's
    address (`base` is buf's). A copy made for a tensor argument goes to `keep`, to stay
    alive through the call. `what` names the argument in errors: "argument 0 of @main"."""
    dt = spec.dtype
    rank = spec.rank
    itemsize = dt.itemsize
    pack_into = descriptor_format(rank).pack_into
    shape_static = DYNAMIC not in spec.shape
    static_dims = [(i, d) for i, d in enumerate(spec.shape) if d != DYNAMIC]
    static_shape = spec.shape
    contiguous = spec.strides is None
    const_strides = tuple(_c_strides(spec.shape)) if (contiguous and shape_static) else None
    ndarray = np.ndarray
    off = offset_in_slot

    def slow(x, buf, base: int, keep: list) -> int:
        if not isinstance(x, ndarray):
            raise ArgumentError(f"{what} must be a numpy array ({spec.type_text}), not {type(x).__name__}")
        if x.dtype != dt:
            raise ArgumentError(f"{what} has dtype {x.dtype}, but {spec.type_text} needs {dt}")
        if x.ndim != rank:
            raise ArgumentError(f"{what} has rank {x.ndim} (shape {x.shape}), but {spec.type_text} has rank {rank}")
        for i, d in static_dims:
            if x.shape[i] != d:
                raise ArgumentError(f"{what} has shape {x.shape}, but {spec.type_text} needs "
                                    f"{_dims_text(spec.shape)} (dimension {i} must be {d})")
        if spec.is_tensor:  # a value: any layout will do, as a contiguous writable copy
            if not (x.flags.c_contiguous and x.flags.writeable) or not x.dtype.isnative:
                x = np.array(x, dtype=dt, order="C")
                keep.append(x)
        elif not x.flags.writeable:
            raise ArgumentError(f"{what} is a read-only array; the compiled code may write to "
                                f"{spec.type_text}: pass a writable one (np.array(x))")
        ptr = data_pointer(x)
        if ptr % dt.alignment:
            raise ArgumentError(f"{what} is not aligned to {dt.alignment} bytes (address {ptr:#x}); "
                                "pass an aligned copy (np.array(x))")
        shape = x.shape
        if contiguous:
            if not x.flags.c_contiguous:
                raise ArgumentError(f"{what} is not C-contiguous (strides {x.strides}), but {spec.type_text} has "
                                    "the identity layout: pass np.ascontiguousarray(x)")
            pack_into(buf, off, ptr, ptr, 0, *shape, *_c_strides(shape))
            return base + off
        strides = []
        for i, s in enumerate(x.strides):
            if s % itemsize:
                raise ArgumentError(f"{what} has stride {s} bytes in dimension {i}, not a multiple of the "
                                    f"element size {itemsize}")
            s //= itemsize
            want = spec.strides[i]  # type: ignore[index]
            if want != DYNAMIC and s != want:
                if shape[i] > 1:
                    raise ArgumentError(f"{what} has stride {s} in dimension {i} (in elements), but "
                                        f"{spec.type_text} needs {want}: pass an array with that layout")
                s = want  # a dimension of size 0 or 1 never steps
            strides.append(s)
        if spec.offset == DYNAMIC or spec.offset == 0:
            pack_into(buf, off, ptr, ptr, 0, *shape, *strides)
        else:  # a static offset is added by the compiled code: move the base back by it
            pack_into(buf, off, ptr, ptr - spec.offset * itemsize, spec.offset, *shape, *strides)
        return base + off

    if not contiguous or spec.is_tensor:
        return slow

    # the short path: flags.carray is C-contiguous, aligned and writable in one read
    read, at = _read_pointer, _DATA_OFFSET
    if const_strides is not None:
        desc = (*static_shape, *const_strides)

        def fast_static(x, buf, base: int, keep: list) -> int:
            if x.__class__ is ndarray and x.dtype is dt and x.shape == static_shape and x.flags.carray \
                    and at is not None:
                ptr = read(id(x) + at).value or 0
                pack_into(buf, off, ptr, ptr, 0, *desc)
                return base + off
            return slow(x, buf, base, keep)
        return fast_static

    strides_of = _c_strides_function(rank)

    def fast_dynamic(x, buf, base: int, keep: list) -> int:
        if x.__class__ is ndarray and x.dtype is dt and x.flags.carray and at is not None:
            shape = x.shape
            if len(shape) == rank:
                for i, d in static_dims:
                    if shape[i] != d:
                        return slow(x, buf, base, keep)
                ptr = read(id(x) + at).value or 0
                pack_into(buf, off, ptr, ptr, 0, *shape, *strides_of(shape))
                return base + off
        return slow(x, buf, base, keep)
    return fast_dynamic


def _c_strides_function(rank: int) -> Callable[[tuple[int, ...]], Any]:
    """Row-major strides from sizes, unrolled for the common ranks."""
    if rank == 0:
        return lambda s: ()
    if rank == 1:
        return lambda s: (1,)
    if rank == 2:
        return lambda s: (s[1], 1)
    if rank == 3:
        return lambda s: (s[1] * s[2], s[2], 1)
    return _c_strides


def scalar_argument(spec: ScalarSpec, what: str) -> Callable[[Any], Any]:
    """A converter `conv(x) -> value for ctypes`: checks the Python or numpy scalar's kind and range."""
    lo, hi = spec.lo, spec.hi
    t = spec.type_text

    if spec.kind == "float":
        def conv_float(x):
            if x.__class__ is float:
                return x
            if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
                return float(x)
            raise ArgumentError(f"{what} must be a real number ({t}), not {type(x).__name__}")
        return conv_float

    if spec.kind == "bool":
        def conv_bool(x):
            if isinstance(x, (bool, np.bool_)):
                return 1 if x else 0
            if isinstance(x, (int, np.integer)) and x in (0, 1):
                return int(x)
            raise ArgumentError(f"{what} must be a bool ({t}), not {type(x).__name__} {x!r}")
        return conv_bool

    def conv_int(x):
        if x.__class__ is int and lo <= x <= hi:
            return x
        if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
            v = int(x)
            if lo <= v <= hi:
                return v
            raise ArgumentError(f"{what} = {v} is out of range for {t} ([{lo}, {hi}])")
        raise ArgumentError(f"{what} must be an integer ({t}), not {type(x).__name__}")
    return conv_int


# -- results --------------------------------------------------------------------

_libc = ctypes.CDLL(None)
_free = _libc.free
_free.argtypes = [ctypes.c_void_p]
_free.restype = None


class Allocation:
    """A buffer the compiled code malloc'ed and returned: freed exactly once,
    when the last numpy array viewing it is gone."""

    __slots__ = ("pointer", "__weakref__")
    live = 0  # how many are alive (tests check that none leak)

    def __init__(self, pointer: int):
        self.pointer = pointer
        Allocation.live += 1

    def __del__(self):
        p, self.pointer = self.pointer, 0
        if p:
            _free(p)
        Allocation.live -= 1


def _view(address: int, shape: tuple[int, ...], strides: tuple[int, ...], dtype: np.dtype, owner: Any
          ) -> np.ndarray:
    """An ndarray over native memory at `address` (element strides), keeping `owner` alive."""
    if 0 in shape:
        return np.empty(shape, dtype)
    item = dtype.itemsize
    lo = hi = 0
    for n, s in zip(shape, strides):
        step = (n - 1) * s * item
        if step < 0:
            lo += step
        else:
            hi += step
    mem = (ctypes.c_char * (hi - lo + item)).from_address(address + lo)
    mem._owner = owner  # type: ignore[attr-defined]
    return np.ndarray(shape, dtype, mem, -lo, tuple(s * item for s in strides))


def memref_result(spec: MemRefSpec, fields: tuple, arg_buffers: dict[int, Any], allocations: dict[int, Any]
                  ) -> np.ndarray:
    """The array for a returned descriptor (`fields` as descriptor_format unpacks them).
    `arg_buffers` maps the `allocated` pointers of the call's array arguments to those arrays;
    `allocations` (shared by one call's results) maps pointers already owned to their owner."""
    rank = spec.rank
    allocated, aligned, offset = fields[0], fields[1], fields[2]
    shape = fields[3:3 + rank]
    strides = fields[3 + rank:]
    address = (aligned or 0) + offset * spec.dtype.itemsize
    if allocated == GLOBAL_MEMREF_MARKER:
        return _view(address, shape, strides, spec.dtype, None).copy()
    owner = arg_buffers.get(allocated)
    if owner is None:
        owner = allocations.get(allocated)
        if owner is None:
            owner = allocations[allocated] = _foreign_owner(allocated) or Allocation(allocated or 0)
    return _view(address, shape, strides, spec.dtype, owner)


#: other allocators whose memory compiled code may return (the CUDA runtime's
#: `gpu.alloc` buffers): each maps an `allocated` pointer to an object that frees
#: it when it dies, or None when the pointer is not its own
foreign_owners: list[Callable[[int], Any]] = []


def _foreign_owner(pointer: int) -> Any:
    for find in foreign_owners:
        owner = find(pointer)
        if owner is not None:
            return owner
    return None


_SCALAR_FORMATS = {"c_float": "f", "c_double": "d", "c_uint8": "B", "c_int8": "b", "c_int16": "h", "c_uint16": "H",
                   "c_int32": "i", "c_uint32": "I", "c_int64": "q", "c_uint64": "Q", "c_long": "l",
                   "c_ulong": "L", "c_byte": "b", "c_ubyte": "B", "c_short": "h", "c_ushort": "H", "c_int": "i",
                   "c_uint": "I", "c_longlong": "q", "c_ulonglong": "Q"}


def scalar_result_reader(spec: ScalarSpec) -> tuple[struct.Struct, Callable[[Any], Any]]:
    """How to read a scalar result out of a result struct, and how to make it a numpy scalar."""
    fmt = struct.Struct("@" + _SCALAR_FORMATS[spec.ctype.__name__])
    make = spec.dtype.type
    if spec.kind == "bool":
        return fmt, lambda v: np.bool_(v & 1)
    return fmt, make
