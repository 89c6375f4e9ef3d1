"""Which SSA values may be affine dims and symbols (upstream's isValidDim / isValidSymbol).

Affine analyses need every map operand to be fixed for the duration of the
enclosing affine scope (a symbol: defined at the top of a `func.func` or
other AffineScope op, a constant, a `memref.dim` of such a buffer, or an
affine.apply of symbols), or to vary only with enclosing affine loops (a
dim: also induction variables and applies of dims). The verifiers of the
loop bounds and memory accesses check this, as upstream does.
"""

from __future__ import annotations

from mlir_py.definition.traits import AffineScope, ConstantLike, IsolatedFromAbove, is_pure
from mlir_py.ir.builtin_types import IndexType
from mlir_py.ir.operation import BlockArgument, Operation, Region, Value

_LOOPS = ("affine.for", "affine.parallel")
_DIM_OPS = ("memref.dim", "tensor.dim")


def get_affine_scope(op: Operation) -> Region | None:
    """The region of the nearest ancestor with the AffineScope trait that holds `op`."""
    cur = op
    parent = cur.parent_op
    while parent is not None:
        if parent.has_trait(AffineScope):
            return cur.parent_region
        cur = parent
        parent = cur.parent_op
    return None


def _owner_op(value: Value) -> Operation | None:
    block = value.parent_block
    region = None if block is None else block.parent
    return None if region is None else region.parent


def is_top_level_value(value: Value, region: Region | None = None) -> bool:
    """Defined directly in `region`, or, without one, directly in an AffineScope op's region."""
    block = value.parent_block
    if block is None:
        return False
    if region is not None:
        return block.parent is region
    owner = _owner_op(value)
    return owner is not None and owner.has_trait(AffineScope)


def is_affine_induction_var(value: Value) -> bool:
    """An induction variable of affine.for or affine.parallel."""
    if not isinstance(value, BlockArgument):
        return False
    owner = _owner_op(value)
    if owner is None or owner.name not in _LOOPS:
        return False
    if owner.name == "affine.for":
        return value.index == 0
    return True


def _is_index(value: Value) -> bool:
    return isinstance(value.type, IndexType)


def _in_parent_region(value: Value, region: Region | None, check) -> bool:
    """Values dominating a non-isolated region's op are judged in the region around that op."""
    op = None if region is None else region.parent
    if op is not None and not op.has_trait(IsolatedFromAbove):
        outer = op.parent_region
        if outer is not None:
            return check(value, outer)
    return False


def is_valid_symbol(value: Value, region: Region | None = None) -> bool:
    """Fixed throughout `region`'s affine scope; without a region, in the scope of its definition."""
    if not _is_index(value):
        return False
    if region is None:
        op = getattr(value, "op", None)
        if op is None:
            return is_top_level_value(value)
        region = get_affine_scope(op)
        if is_top_level_value(value):
            return True
    elif is_top_level_value(value, region):
        return True
    op = getattr(value, "op", None)
    if op is None:
        return _in_parent_region(value, region, is_valid_symbol)
    if op.has_trait(ConstantLike):
        return True
    if op.name == "affine.apply":
        return all(is_valid_symbol(v, region) for v in op.operands)
    if op.name in _DIM_OPS:
        return is_top_level_value(op.operands[0])
    # a side-effect-free op of symbols is one (iree-opt accepts `arith.addi` of symbols as a subscript)
    if not op.regions and op.operands and is_pure(op) and all(is_valid_symbol(v, region) for v in op.operands):
        return True
    return _in_parent_region(value, region, is_valid_symbol)


def is_valid_dim(value: Value, region: Region | None = None) -> bool:
    """A symbol, an affine induction variable, or an affine function of those."""
    if not _is_index(value):
        return False
    op = getattr(value, "op", None)
    if region is None:
        if op is None:
            if is_affine_induction_var(value):
                return True
            owner = _owner_op(value)
            return owner is not None and owner.has_trait(AffineScope)
        # judged in the scope of its definition; outside any scope (None) as upstream's null region
        region = get_affine_scope(op)
    if is_valid_symbol(value, region):
        return True
    if op is None:
        owner = _owner_op(value)
        return owner is not None and owner.name in _LOOPS
    if op.name == "affine.apply" or op.name in ("affine.delinearize_index", "affine.linearize_index"):
        return all(is_valid_dim(v, region) for v in op.operands)
    if op.name in _DIM_OPS:
        return is_top_level_value(op.operands[0])
    return False


def is_valid_affine_index_operand(value: Value, region: Region | None) -> bool:
    """A dim or a symbol: what a load/store subscript may use."""
    return is_valid_dim(value, region) or is_valid_symbol(value, region)


def verify_dims_and_symbols(op: Operation, operands, num_dims: int) -> str | None:
    """Upstream's verifyDimAndSymbolIdentifiers: the first `num_dims` operands are dims, the rest symbols."""
    scope = get_affine_scope(op)
    for i, v in enumerate(operands):
        if i < num_dims:
            if not is_valid_dim(v, scope):
                return "operand cannot be used as a dimension id"
        elif not is_valid_symbol(v, scope):
            return "operand cannot be used as a symbol"
    return None
