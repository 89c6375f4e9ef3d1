"""`affine-loop-tile`: tile the outermost perfectly nested band of each
affine.for nest (upstream's LoopTiling), as upstream builds it:

- each loop `i` of the band becomes a tile-space loop with the original
  bounds and step `step * size_i`, and an intra-tile loop from the tile-space
  variable `%t` to `%t + size_i * step` (`min(%t + size_i * step, ub)` when
  the trip count is not known to be a multiple of the size; `%t + trip *
  step` when the trip count is below the size), tile-space loops outermost;
- sizes: `tile-size` for every loop, else `tile-sizes` (missing ones are 4),
  else derived from `cache-size` (KiB): the band's memory footprint over the
  cache size, split evenly as an n-th root, then lowered to divisors of
  constant trip counts (upstream's heuristic; the footprint counts the
  bounding box each memref's accesses cover, capped by its static shape).

Bands with iter_args are left alone, and so are bands whose accesses may
depend on each other with distances that are not constant (`A[i, j]`
against `A[j, i]`: rectangular tiles could reverse them), decided by the
conservative test of `affine_dependence` where upstream uses its exact
one. Bands whose bounds use the induction variables of the band are left
alone with upstream's error. Full/partial tile separation (`separate`) is
not implemented: asking for it is an error.

```
mir-opt --affine-loop-tile="tile-sizes=32,32,8" f.mir
```
"""

from __future__ import annotations

import math

from mlir_py.dialects.affine import ForOp, LoadOp, StoreOp, VectorLoadOp, VectorStoreOp
from mlir_py.passes.transforms.affine_dependence import is_uniform_band
from mlir_py.passes.transforms.affine_loops import (
    build_for,
    constant_trip_count,
    largest_divisor_of_trip_count,
    move_body,
    perfectly_nested_band,
    top_level_loops,
)

from mlir_py.ir.affine_expr import AffineMap, dim
from mlir_py.ir.builtin_types import DYNAMIC, FloatType, IndexType, IntegerType, MemRefType, VectorType
from mlir_py.ir.operation import Operation
from mlir_py.pass_manager import ListOption, Option, Pass, register_pass

DEFAULT_TILE_SIZE = 4


def _element_bytes(t) -> int | None:
    if isinstance(t, VectorType):
        inner = _element_bytes(t.element_type)
        return None if inner is None else inner * math.prod(t.shape)
    if isinstance(t, (IntegerType, FloatType)):
        return -(-t.width // 8)
    if isinstance(t, IndexType):
        return 8
    return None


def _loop_ranges(band_root: ForOp) -> dict:
    """The value range of each loop variable with constant bounds in the nest."""
    ranges = {}
    for op in band_root.walk(post_order=False):
        if isinstance(op, ForOp) and op.has_constant_lower_bound() and op.has_constant_upper_bound():
            lb = op.lower_bound_map.get_single_constant()
            trip = constant_trip_count(op)
            if trip:
                ranges[op.induction_var] = (lb, lb + (trip - 1) * op.step_value)
    return ranges


def _subscript_range(expr, operands, ranges) -> tuple[int, int] | None:
    """Min and max of a subscript that is a sum of constant multiples of loop variables and a constant."""
    from mlir_py.ir.affine_flatten import flatten_affine_expr

    row = flatten_affine_expr(expr, len(operands), 0) if all(v in ranges for v in operands) else None
    if row is None:
        return None
    lo = hi = row[-1]
    for coeff, v in zip(row, operands):
        a, b = ranges[v]
        lo += min(coeff * a, coeff * b)
        hi += max(coeff * a, coeff * b)
    return lo, hi


def memory_footprint_bytes(band_root: ForOp) -> int | None:
    """Bytes of the bounding boxes of the memrefs accessed in the nest, or None when unknown."""
    ranges = _loop_ranges(band_root)
    boxes: dict = {}
    for op in band_root.walk():
        if not isinstance(op, (LoadOp, StoreOp, VectorLoadOp, VectorStoreOp)):
            continue
        t = op.memref.type
        if not isinstance(t, MemRefType):
            return None
        amap: AffineMap = op.map.value
        if amap.num_symbols:
            sub_ranges = [None] * amap.num_results
        else:
            sub_ranges = [_subscript_range(e, list(op.indices), ranges) for e in amap.results]
        box = boxes.setdefault(op.memref, [None] * t.rank)
        for i, r in enumerate(sub_ranges):
            if r is None:
                if t.shape[i] == DYNAMIC:
                    return None
                r = (0, t.shape[i] - 1)
            old = box[i]
            box[i] = r if old is None else (min(old[0], r[0]), max(old[1], r[1]))
    total = 0
    for memref, box in boxes.items():
        t = memref.type
        size = _element_bytes(t.element_type)
        if size is None:
            return None
        for i, r in enumerate(box):
            extent = r[1] - r[0] + 1
            if t.shape[i] != DYNAMIC:
                extent = min(extent, t.shape[i])
            size *= max(extent, 0)
        total += size
    return total


def _adjust_to_divisors(band: list[ForOp], sizes: list[int]) -> None:
    for i, loop in enumerate(band):
        trip = constant_trip_count(loop)
        if trip is None:
            continue
        if trip > 1 and sizes[i] > trip // 2:
            sizes[i] = trip // 2
        while sizes[i] > 1 and trip % sizes[i] != 0:
            sizes[i] -= 1
        sizes[i] = max(sizes[i], 1)


def tile_perfectly_nested(band: list[ForOp], sizes: list[int]) -> list[ForOp]:
    """Replace `band` by its tiled nest (tile-space loops, then intra-tile loops); returns the new loops."""
    width = len(band)
    root = band[0]
    loc = root.location
    new_loops: list[ForOp] = []
    for loop, size in zip(band, sizes):
        new_loops.append(build_for(loop.lower_bound_map, loop.lower_bound_operands, loop.upper_bound_map,
                                   loop.upper_bound_operands, loop.step_value * size, loc))
    identity = AffineMap(1, 0, (dim(0),))
    for loop, size, tile in zip(band, sizes, new_loops[:width]):
        iv = tile.induction_var
        step = loop.step_value
        trip = constant_trip_count(loop)
        if trip is not None and trip < size:
            ub_map, ub_ops = AffineMap(1, 0, (dim(0) + trip * step,)), [iv]
        elif largest_divisor_of_trip_count(loop) % size != 0:
            orig = loop.upper_bound_map
            ops = list(loop.upper_bound_operands)
            ub_ops = ops[:orig.num_dims] + [iv] + ops[orig.num_dims:]
            exprs = [dim(orig.num_dims) + size * step] + list(orig.results)
            ub_map = AffineMap(orig.num_dims + 1, orig.num_symbols, exprs)
        else:
            ub_map, ub_ops = AffineMap(1, 0, (dim(0) + size * step,)), [iv]
        new_loops.append(build_for(identity, [iv], ub_map, ub_ops, step, loc))
    for outer, inner in zip(new_loops, new_loops[1:]):
        body = outer.body.first_block
        body.insert_before(body.last_op, inner)
    innermost = band[-1].body.first_block
    move_body(innermost, new_loops[-1].body.first_block)
    for loop, intra in zip(band, new_loops[width:]):
        loop.induction_var.replace_all_uses_with(intra.induction_var)
    root.parent.insert_before(root, new_loops[0])
    root.erase()
    return new_loops


def _is_hyper_rectangular(band: list[ForOp]) -> bool:
    ivs = {loop.induction_var for loop in band}
    return not any(v in ivs for loop in band for v in list(loop.lower_bound_operands) +
                   list(loop.upper_bound_operands))


@register_pass
class LoopTiling(Pass):
    """Tile the outermost perfectly nested band of every affine loop nest (see the module docstring)."""

    name = "affine-loop-tile"
    summary = "Tile affine loop nests"
    display_name = "LoopTiling"
    anchor = "func.func"
    options = [
        Option("cache-size", int, 512, "Set size of cache to tile for in KiB (default: 512)"),
        Option("separate", bool, False, "Separate full and partial tiles (default: false)"),
        Option("tile-size", int, 0, "Use this tile size for all loops"),
        ListOption("tile-sizes", int, [], "List of tile sizes for each perfect nest (overridden by -tile-size)"),
    ]

    def tile_sizes_for(self, band: list[ForOp]) -> list[int]:
        """Upstream's getTileSizes (see the module docstring)."""
        n = len(band)
        if self.tile_size:
            return [self.tile_size] * n
        if self.tile_sizes:
            return (list(self.tile_sizes) + [DEFAULT_TILE_SIZE] * n)[:n]
        if self.cache_size == 0:
            return [1] * n
        footprint = memory_footprint_bytes(band[0])
        if footprint is None:
            sizes = [DEFAULT_TILE_SIZE] * n
            _adjust_to_divisors(band, sizes)
            return sizes
        excess = -(-footprint // (self.cache_size * 1024))
        if excess <= 1:
            return [1] * n
        t = int(math.floor(excess ** (1.0 / n) + 1e-12))
        sizes = []
        product = 1
        for i in range(n):
            sizes.append(t if i < n - 1 else max(1, excess // product))
            product *= sizes[-1]
        _adjust_to_divisors(band, sizes)
        return sizes

    def run_on_operation(self, op: Operation) -> None:
        if self.separate:
            op.emit_error("affine-loop-tile: 'separate' (full/partial tile separation) is not supported")
            self.signal_failure()
            return
        bad = [s for s in ([self.tile_size] if self.tile_size else []) + list(self.tile_sizes) if s <= 0]
        if bad or self.cache_size < 0:
            op.emit_error("affine-loop-tile: tile sizes must be positive and the cache size non-negative")
            self.signal_failure()
            return
        for root in top_level_loops(op):
            band = perfectly_nested_band(root)
            if any(loop.results for loop in band) or not is_uniform_band(band):
                continue  # loop-carried values, or dependences tiling may violate: left alone, as upstream
            if not _is_hyper_rectangular(band):
                root.emit_error("tiled code generation unimplemented for the non-hyperrectangular case")
                continue
            tile_perfectly_nested(band, self.tile_sizes_for(band))


__all__ = ["LoopTiling", "memory_footprint_bytes", "tile_perfectly_nested"]
