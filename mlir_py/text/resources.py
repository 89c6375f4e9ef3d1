"""The file-level resource section: `{-# dialect_resources: {...}, external_resources: {...} #-}`.

Upstream keeps a file's resources beside its top-level op and prints them
back after it: builtin's blobs (the payloads of `dense_resource<handle>`)
only where an attribute still refers to them, in order of first reference;
external resources (e.g. `mlir_reproducer`) whole. A parsed section is kept
on the top-level module (builtin.module's `resource_section` slot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlir_py.ir.builtin_attributes import DenseResourceElementsAttr

if TYPE_CHECKING:
    from mlir_py.ir.operation import Operation
    from mlir_py.text.parser import Parser


@dataclass
class ResourceSection:
    #: dialect name -> {key: printed value}
    dialect: dict[str, dict[str, str]] = field(default_factory=dict)
    #: resource name -> {key: printed value}
    external: dict[str, dict[str, str]] = field(default_factory=dict)

    def merge(self, other: ResourceSection) -> None:
        """Add `other`'s entries (a later `{-# ... #-}` section of the same file) to these."""
        for mine, theirs in ((self.dialect, other.dialect), (self.external, other.external)):
            for name, entries in theirs.items():
                mine.setdefault(name, {}).update(entries)


def resources_of(op: Operation) -> ResourceSection | None:
    """The resource section parsed with the module `op`, printed back after it; None when it had none."""
    return getattr(op, "resource_section", None)


def set_resources(op: Operation, section: ResourceSection) -> None:
    """Keep `section` with the module `op` (the parser does this for the top-level module)."""
    op.resource_section = section


def parse_resource_section(parser: Parser) -> ResourceSection:
    """After `{-#`: the sections up to `#-}`."""
    section = ResourceSection()
    if not parser.parse_optional("#-}"):
        while True:
            pos = parser.skip_ws()
            kind = parser.parse_optional_keyword()
            if kind not in ("dialect_resources", "external_resources"):
                raise parser.error("resource sections are 'dialect_resources' and 'external_resources'", pos)
            parser.expect(":")
            parser.expect("{")
            target = section.dialect if kind == "dialect_resources" else section.external
            while not parser.parse_optional("}"):
                npos = parser.skip_ws()
                name = parser.parse_keyword(what="resource group name")
                if kind == "dialect_resources" and parser.ctx.get_dialect(name) is None:
                    raise parser.error(f"dialect '{name}' is unknown", npos)
                parser.expect(":")
                target.setdefault(name, {}).update(_parse_entries(parser))
                if not parser.parse_optional(","):
                    parser.expect("}")
                    break
            if parser.parse_optional("#-}"):
                break
            parser.expect(",")
            if parser.parse_optional("#-}"):
                break
    return section


def _parse_entries(parser: Parser) -> dict[str, str]:
    parser.expect("{")
    entries: dict[str, str] = {}
    while not parser.parse_optional("}"):
        key = parser.parse_keyword(what="resource key")
        parser.expect(":")
        pos = parser.skip_ws()
        s = parser.parse_optional_string()
        if s is not None:
            entries[key] = parser.text[pos:parser.pos]
        else:
            kw = parser.parse_optional_keyword()
            if kw not in ("true", "false"):
                raise parser.error("expected string or bool resource value", pos)
            entries[key] = kw
        if not parser.parse_optional(","):
            parser.expect("}")
            break
    return entries


def print_resource_section(root: Operation, section: ResourceSection | None) -> str:
    """The `{-# ... #-}` text upstream prints after `root`, or ''."""
    if section is None:
        return ""
    groups: list[tuple[str, list[tuple[str, dict[str, str]]]]] = []
    blobs = section.dialect.get("builtin", {})
    used = [(h, blobs[h]) for h in _referenced_handles(root) if h in blobs]
    if used:
        groups.append(("dialect_resources", [("builtin", dict(used))]))
    if section.external:
        groups.append(("external_resources", list(section.external.items())))
    if not groups:
        return ""
    out = ["\n{-#\n"]
    for gi, (kind, named) in enumerate(groups):
        out.append(f"  {kind}: {{\n")
        for ni, (name, entries) in enumerate(named):
            out.append(f"    {name}: {{\n")
            out.append(",\n".join(f"      {k}: {v}" for k, v in entries.items()))
            out.append("\n    }" + ("," if ni + 1 < len(named) else "") + "\n")
        out.append("  }" + ("," if gi + 1 < len(groups) else "") + "\n")
    out.append("#-}\n")
    return "".join(out)


def _referenced_handles(root: Operation) -> list[str]:
    found: dict[str, None] = {}
    seen: set[int] = set()

    def visit(a: Any) -> None:
        if id(a) in seen:
            return
        seen.add(id(a))
        if isinstance(a, DenseResourceElementsAttr):
            found.setdefault(a.handle, None)
            return
        for p in getattr(a, "parameters", None) or ():
            if isinstance(p, tuple):
                for q in p:
                    visit(q)
            elif isinstance(p, dict):
                for q in p.values():
                    visit(q)
            else:
                visit(p)

    for op in root.walk(post_order=False):
        for d in (op.properties, op.attributes):
            for k in sorted(d):
                visit(d[k])
    return list(found)
