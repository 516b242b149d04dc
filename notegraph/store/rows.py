"""Turn a parsed :class:`~notegraph.model.Page` into index rows (pure, no I/O)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from notegraph.logseq.names import page_key
from notegraph.logseq.properties import HIDDEN_FROM_TEXT
from notegraph.model import Block, Page

_LOGBOOK = re.compile(r"(?ms)^[ \t]*:LOGBOOK:[ \t]*$.*?^[ \t]*:END:[ \t]*$\n?")


def search_text(block: Block) -> str:
    """What keyword search sees of a block: its content without hidden properties and logbooks."""
    content = block.content
    if block.pre_block:
        return content.strip()
    if "::" in content:
        kept = []
        for line in content.split("\n"):
            key, sep, _ = line.partition("::")
            if sep and key.strip().lower().replace("_", "-") in HIDDEN_FROM_TEXT and " " not in key.strip():
                continue
            kept.append(line)
        content = "\n".join(kept)
    if ":LOGBOOK:" in content:
        content = _LOGBOOK.sub("", content)
    return content.strip()


def content_hash(content: str) -> str:
    return hashlib.sha1(content.encode("utf-8")).hexdigest()


def day_number(day: Any) -> int | None:
    """A date as the integer Logseq uses for journal days: 2024-08-21 → 20240821."""
    return day.year * 10000 + day.month * 100 + day.day if day is not None else None


class BlockRow(NamedTuple):
    """One block's row and its child rows. A tuple: it crosses process boundaries cheaply."""

    id: str
    page_key: str
    parent_id: str | None
    position: int
    line: int
    level: int
    journal_day: int | None
    content: str
    text: str
    marker: str | None
    priority: str | None
    scheduled: int | None
    deadline: int | None
    uuid: str | None
    collapsed: int
    pre_block: int
    content_hash: str
    refs: tuple[str, ...]
    tags: tuple[str, ...]
    block_refs: tuple[str, ...]
    properties: tuple[tuple[str, str], ...]

    def columns(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {name: getattr(self, name) for name in names}


# Columns the executor rewrites when only the block's place in the file changed...
PLACE = ("page_key", "parent_id", "position", "line", "level", "journal_day")
# ...and when its text changed. Together, in this order, they are BlockRow[1:17].
CONTENT = ("content", "text", "marker", "priority", "scheduled", "deadline", "uuid", "collapsed",
           "pre_block", "content_hash")
assert BlockRow._fields[1:17] == PLACE + CONTENT


@dataclass(frozen=True)
class PageRows:
    """Everything one file contributes to the index."""

    file: str
    page: dict[str, Any] | None
    aliases: tuple[str, ...]
    blocks: tuple[tuple[Any, ...], ...]
    """Plain tuples in :class:`BlockRow`'s field order (``BlockRow._make`` names them)."""


def page_rows(page: Page) -> PageRows:
    journal_day = day_number(page.journal_date)
    page_row = None
    if page.blocks or not page.errors:
        page_row = {
            "key": page.key,
            "name": page.name,
            "file": page.file,
            "journal_day": journal_day,
            "namespace": page.namespace,
            "properties": json.dumps(dict(page.properties), ensure_ascii=False, sort_keys=True),
            "aliases": json.dumps(list(page.aliases), ensure_ascii=False),
        }
    ids = [block.id for block in page.blocks]
    # Plain tuples in BlockRow's field order: built positionally (keywords cost a third
    # of the time here) and pickled cheaply on their way back from worker processes.
    blocks = tuple(
        (block.id, page.key, ids[block.parent] if block.parent is not None else None, block.index, block.line,
         block.level, journal_day, block.content, search_text(block), block.marker, block.priority,
         day_number(block.scheduled), day_number(block.deadline), block.uuid, int(block.collapsed),
         int(block.pre_block), content_hash(block.content), block.refs,
         tuple(dict.fromkeys(block.tags + page.tags)) if page.tags else block.tags, block.block_refs,
         tuple(block.properties.items()))
        for block in page.blocks)
    aliases = tuple(dict.fromkeys(page_key(a) for a in page.aliases))
    return PageRows(page.file, page_row, aliases, blocks)
