"""A block's page references, the way Logseq's graph-parser collects ``:block/refs``.

Links, tags and embeds found by :mod:`notegraph.logseq.inline`, the task marker
and priority, property values and names, then every namespace parent of those,
all turned into ``:block/name`` keys (links to journal days in the title format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from notegraph.logseq import dates, names
from notegraph.logseq.body import Body
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.inline import UUID_RE, InlineRefs, may_reference, scan_inline
from notegraph.logseq.outline import Heading
from notegraph.logseq.properties import page_refs_of_properties

_ASSET = re.compile(r"^[./]*assets")
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_NESTED_INNER = re.compile(r"\[\[([^\[\]]+)\]\]")
_DIGIT = re.compile(r"\d")


def _page_refs_from_inline(refs: InlineRefs) -> list[str]:
    out = []
    for page in refs.pages:
        if _ASSET.match(page) or page.startswith("draws"):
            continue
        block_id = page[2:-2] if page.startswith("((") and page.endswith("))") else None
        if block_id and UUID_RE.fullmatch(block_id):
            out.append(block_id)
            continue
        out.append(page)
    return out


def is_nested_link(name: str) -> bool:
    """Whether a name holds a ``[[link]]`` itself (``a [[b]]``): not a namespace then."""
    return bool(_NESTED_INNER.search(name))


def _namespace_parents(ref: str) -> list[str]:
    inner = _NESTED_INNER.search(ref)
    name = inner.group(1) if inner else ref
    if names.is_namespace_name(name) and not _URL_LIKE.match(name):
        return names.namespace_parents(name)
    return []


@lru_cache(maxsize=65536)
def normalise_ref(name: str, title_format: str) -> str:
    """A written page name as a ``:block/name`` key; links to journal days use the title format."""
    key = names.page_key(names.strip_boundary_slashes(name))
    if len(key) <= 40 and _DIGIT.search(key):
        day = dates.parse_journal_title(key, title_format)
        if day is not None:
            key = names.page_key(dates.format_date(day, title_format))
    return key


@dataclass(frozen=True, slots=True)
class BlockReferences:
    refs: tuple[str, ...] = ()
    """``:block/name`` keys of the pages the block references."""
    tags: tuple[str, ...] = ()
    block_refs: tuple[str, ...] = ()


NO_REFERENCES = BlockReferences()


def collect_refs(heading: Heading | None, title: str, body: Body, config: GraphConfig) -> BlockReferences:
    """Everything one block references: its title, its body text and its properties."""
    text = "\n".join(body.inline_lines) if body.inline_lines else ""
    if not (body.props or (heading is not None and (heading.marker or heading.priority))
            or may_reference(title) or (text and may_reference(text))):
        return NO_REFERENCES  # plain prose: the common case, decided without scanning
    inline = scan_inline(title) if title else InlineRefs()
    if text:
        scan_inline(text, inline)
    written: list[str] = []
    if heading is not None:
        if heading.marker:
            written.append(heading.marker)
        if heading.priority:
            written.append(heading.priority)
    if body.props:
        written.extend(page_refs_of_properties(body.props, config))
    if inline.pages:
        written.extend(_page_refs_from_inline(inline))
    block_refs = list(inline.block_refs)
    for prop in body.props:
        block_refs.extend(prop.block_refs)
    if not (written or inline.tags or block_refs):
        return NO_REFERENCES
    title_format = config.journal_title_format
    seen: dict[str, None] = {}
    for ref in written:
        if not ref.strip():
            continue
        seen[normalise_ref(ref, title_format)] = None
        if "/" in ref:
            for parent in _namespace_parents(ref):
                if parent.strip():
                    seen[normalise_ref(parent, title_format)] = None
    return BlockReferences(
        refs=tuple(r for r in seen if r),
        tags=tuple(dict.fromkeys(names.page_key(t) for t in inline.tags if t)),
        block_refs=tuple(dict.fromkeys(b.lower() for b in block_refs)),
    )
