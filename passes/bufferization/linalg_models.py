"""Bufferization of linalg structured ops (generic and every named op, through the
structured-op interface): inits are written in place, inputs are read when the payload uses them."""

from __future__ import annotations

from mlir_py.ir.operation import Region

from .model import BufferizationModel, is_tensor, register


def _num_inputs(op) -> int:
    return len(op.inputs)


@register("<structured>")
class StructuredModel(BufferizationModel):
    def reads(self, op, i):
        # an operand is read when the payload uses its block argument (fill's init is not)
        body = op.regions[0].first_block if op.regions and op.regions[0].blocks else None
        if body is None or i >= len(body.args):
            return True
        return body.args[i].has_uses()

    def writes(self, op, i):
        return i >= _num_inputs(op)

    def aliases(self, op, i):
        n = _num_inputs(op)
        return [i - n] if i >= n and len(op.results) > i - n else []

    def elementwise(self, op, i, j):
        if any(t != "parallel" for t in op.get_iterator_types()):
            return False
        maps = op.get_indexing_maps()
        return maps[i] == maps[j] and maps[i].is_identity()

    def bufferize(self, op, ctx):
        operands = [ctx.operand(op, i) if is_tensor(v) else v for i, v in enumerate(op.operands)]
        regions = []
        for r in op.regions:
            nr = Region()
            nr.take_body(r)
            regions.append(nr)
        new = type(op).create(operands, [], dict(op.properties), dict(op.attributes), regions,
                              location=op.location)
        ctx.rw.insert(new)
        n = _num_inputs(op)
        return [operands[n + k] for k in range(len(op.results))]


@register("linalg.softmax")
class SoftmaxModel(BufferizationModel):
    """Destination style without a payload: reads the input, overwrites the init."""

    def reads(self, op, i):
        return i == 0

    def writes(self, op, i):
        return i == 1

    def aliases(self, op, i):
        return [0] if i == 1 and op.results else []

    def bufferize(self, op, ctx):
        operands = [ctx.operand(op, 0), ctx.operand(op, 1)]
        new = type(op).create(operands, [], dict(op.properties), dict(op.attributes), location=op.location)
        ctx.rw.insert(new)
        return [operands[1]] * len(op.results)
