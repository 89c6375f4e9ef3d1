"""How a dialect's ops take part in inlining: upstream's DialectInlinerInterface.

The inliner asks the dialect of every op it would move whether that op may
go into the destination region, and asks the dialect of each return-like
terminator of a multi-block callee how to turn it into a branch to the
block after the call. The answer to the second question is dialect
knowledge: upstream's func dialect answers with `cf.br`, and so does ours;
the inliner itself names no dialect.

A dialect sets `dialect.inliner` to an instance of a subclass. The default
allows every op and branches from no terminator, so a callee of several
blocks whose returns no dialect can branch from stays a call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlir_py.ir.operation import Block, Operation, Region


class DialectInlinerInterface:
    """The default: every op is legal to inline, no terminator becomes a branch."""

    def is_legal_to_inline(self, op: Operation, dest: Region) -> bool:
        """May `op` (of this dialect) be moved into `dest`? Checked before anything changes."""
        return True

    def can_branch_from(self, terminator: Operation) -> bool:
        """Can `handle_terminator` replace this return-like terminator? Checked before anything changes."""
        return False

    def handle_terminator(self, terminator: Operation, new_dest: Block) -> None:
        """Replace `terminator` (return-like, in an inlined block) by a branch to
        `new_dest` passing the returned values; erase `terminator`. Called only
        where `can_branch_from(terminator)` said yes."""
        raise TypeError(f"the {terminator.name.split('.')[0]} dialect cannot branch from '{terminator.name}'")
