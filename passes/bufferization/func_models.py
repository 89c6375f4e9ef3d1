"""Bufferization of func.return and func.call (function boundaries)."""

from __future__ import annotations

from mlir_py.dialects import func

from mlir_py.ir.operation import OpResult

from .model import BufferizationModel, fully_dynamic_memref, identity_memref, is_tensor, register


@register("func.return")
class ReturnModel(BufferizationModel):
    """Returned tensors are read; with function boundaries they are returned as buffers of the
    boundary layout (a view that cannot be cast to it is copied into a new buffer)."""

    def bufferize(self, op, ctx):
        if not ctx.options.function_boundaries:
            return None
        layout = ctx.options.boundary_layout
        for i, v in enumerate(op.operands):
            if not is_tensor(v):
                continue
            b = ctx.buffer(v)
            if layout == "identity-layout-map":
                b = ctx.cast_to(b, identity_memref(v.type))
            elif layout == "fully-dynamic-layout-map":
                b = ctx.cast_to(b, fully_dynamic_memref(v.type))
            else:
                # infer-layout-map, as upstream: cast to the fully dynamic layout, then fold the
                # casts feeding the return into the signature (the cast stays, unused)
                ctx.cast_to(b, fully_dynamic_memref(v.type))
                while isinstance(b, OpResult) and b.op.name == "memref.cast":
                    b = b.op.operands[0]
            op.set_operand(i, b)
        return None


def callee_of(op):
    return op.resolve_callee()


@register("func.call")
class CallModel(BufferizationModel):
    """An argument is written when the callee writes it in place; a result aliases the
    argument the callee returns unchanged (the analysis of the callee, run first, says)."""

    def _info(self, op):
        from .driver import CURRENT_CALL_INFO
        return CURRENT_CALL_INFO.get(op.callee.value)

    def reads(self, op, i):
        info = self._info(op)
        if info is None:  # no analysis of the callee (copy-before-write): read and written
            return True
        return info is None or i >= len(info[2]) or info[2][i]

    def writes(self, op, i):
        info = self._info(op)
        if info is None:
            return True
        return i < len(info[0]) and info[0][i]

    def aliases(self, op, i):
        info = self._info(op)
        return [] if info is None else [r for r, j in enumerate(info[1]) if j == i]

    def bufferize(self, op, ctx):
        callee = callee_of(op)
        if callee is None:
            raise ValueError(f"cannot bufferize a call to unknown function @{op.callee.value}")
        ftype = callee.type
        args = []
        for i, v in enumerate(op.operands):
            if is_tensor(v):
                args.append(ctx.cast_to(ctx.operand(op, i), ftype.inputs[i]))
            else:
                args.append(v)
        new = ctx.rw.create(func.CallOp.create(args, list(ftype.results), dict(op.properties),
                                               dict(op.attributes)))
        return list(new.results)
