"""Bufferization of scf.for (tensor iter_args), scf.if (tensor results) and scf.yield.

A loop's tensor iter_arg shares one buffer across iterations: the init
(in place, or a private copy when the init is read later or not writable),
the region argument, the yielded value and the result. A yielded value in
another buffer is copied into the iter_arg's buffer before the yield (so a
loop never allocates per iteration on our behalf). scf.if results take the
buffers its branches yield (cast to a common layout when they differ).
"""

from __future__ import annotations

from mlir_py.dialects import scf

from mlir_py.ir.operation import Region

from .model import CURRENT, BufferizationModel, fully_dynamic_memref, is_tensor, register

N_CONTROL = 3  # lower bound, upper bound, step


def _iter_arg(op, i):
    return op.regions[0].first_block.args[1 + i - N_CONTROL]


@register("scf.for")
class ForModel(BufferizationModel):
    def reads(self, op, i):
        a = CURRENT[0]
        return a is None or a.is_value_read(_iter_arg(op, i))

    def writes(self, op, i):
        return i >= N_CONTROL

    def aliases(self, op, i):
        return [i - N_CONTROL] if i >= N_CONTROL else []

    def extra_aliases(self, op, i):
        return [_iter_arg(op, i)] if i >= N_CONTROL else []

    def result_sources(self, op, r):
        y = op.regions[0].first_block.terminator
        return [y.operands[r]] if y is not None else []

    def arg_definition(self, op, arg):
        if arg.index == 0:
            return None
        return (op, N_CONTROL + arg.index - 1)

    def bufferize(self, op, ctx):
        inits = [ctx.operand(op, i) if is_tensor(v) else v for i, v in enumerate(op.operands)]
        body = Region()
        body.take_body(op.regions[0])
        block = body.first_block
        pairs = []
        for k, v in enumerate(op.operands[N_CONTROL:]):
            old = block.args[1 + k + len(pairs)]
            if is_tensor(v):
                new = block.insert_argument(old.index + 1, inits[N_CONTROL + k].type, old.loc)
                ctx.buf[old] = new
                pairs.append((old, new))
        ctx.retyped_args += pairs
        ctx.loop_args[id(block)] = [new for _, new in pairs]
        new_for = scf.ForOp.create(inits, [x.type for x in inits[N_CONTROL:]], dict(op.properties),
                                   dict(op.attributes), [body], location=op.location)
        ctx.rw.insert(new_for)
        return list(new_for.results)


@register("scf.yield")
class YieldModel(BufferizationModel):
    """Yielded tensors are read and share the buffer of the parent's result (always in place)."""

    def aliases(self, op, i):
        return []

    def extra_aliases(self, op, i):
        # an scf.if result is one of the yielded buffers; a loop's yield aliases nothing (the
        # iter_arg ties init, region argument and result together; the yield must be equivalent)
        p = op.parent_op
        return [p.results[i]] if p is not None and p.name == "scf.if" else []

    def must_be_inplace(self, op, i):
        return True

    def equivalent(self, op, i):
        return False  # the branches of an scf.if may yield different buffers

    def bufferize(self, op, ctx):
        p = op.parent_op
        if p is None or p.name != "scf.for":
            return None  # scf.if rewrites its yields itself
        targets = iter(ctx.loop_args.get(id(op.parent), []))
        for i, v in enumerate(op.operands):
            if not is_tensor(v):
                continue
            dst = next(targets)
            b = ctx.buffer(v)
            if b is not dst:
                ctx.copy(b, dst)
            op.set_operand(i, dst)
        return None


@register("scf.if")
class IfModel(BufferizationModel):
    post_order = True

    def result_sources(self, op, r):
        return [reg.first_block.terminator.operands[r] for reg in op.regions if reg.first_block is not None]

    def bufferize(self, op, ctx):
        yields = [reg.first_block.terminator for reg in op.regions if reg.first_block is not None]
        types = []
        for r in op.results:
            if not is_tensor(r):
                types.append(r.type)
                continue
            bts = {ctx.buffer(y.operands[r.index]).type for y in yields}
            types.append(bts.pop() if len(bts) == 1 else fully_dynamic_memref(r.type))
        for y in yields:
            ctx.rw.set_insertion_point(y)
            for r in op.results:
                if is_tensor(r):
                    y.set_operand(r.index, ctx.cast_to(ctx.buffer(y.operands[r.index]), types[r.index]))
        ctx.rw.set_insertion_point(op)
        regions = []
        for reg in op.regions:
            nr = Region()
            nr.take_body(reg)
            regions.append(nr)
        new_if = scf.IfOp.create(list(op.operands), types, dict(op.properties), dict(op.attributes), regions,
                                 location=op.location)
        ctx.rw.insert(new_if)
        return list(new_if.results)
