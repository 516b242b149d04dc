"""Logseq templates: a block with ``template:: name`` and its children, copied where they are used.

As in Logseq, the template block itself is copied too unless it says
``template-including-parent:: false``; the copy drops ``template::``,
``template-including-parent::`` and ``id::`` lines (two blocks must never share an id).
Placeholders filled in when the template is used:

``<% today %>``, ``<% yesterday %>``, ``<% tomorrow %>`` — links to those journal days;
``<% time %>`` — the time, HH:MM; ``<% current page %>`` — a link to the page the template goes into.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from notegraph.logseq.dates import format_date
from notegraph.search import block_subtree

_DROPPED_PROPERTY = re.compile(r"^\s*(?:template|template-including-parent|id)::.*$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"<%\s*(today|yesterday|tomorrow|time|current[ -]page)\s*%>", re.IGNORECASE)


def template_names(store: Any) -> list[str]:
    rows = store.db.execute("SELECT DISTINCT value FROM properties WHERE key = 'template'").fetchall()
    return sorted({row[0].strip() for row in rows if row[0].strip()}, key=str.lower)


def template_tree(store: Any, name: str) -> list[tuple[int, str]] | None:
    """(level from 1, content) of the template called ``name`` as it will be copied, before its
    placeholders are filled; None when no block is that template."""
    row = store.db.execute(
        "SELECT b.rowid FROM properties p JOIN blocks b ON b.rowid = p.block "
        "WHERE p.key = 'template' AND lower(trim(p.value)) = lower(?) ORDER BY b.file, b.position LIMIT 1",
        [name.strip()]).fetchone()
    if row is None:
        return None
    tree = block_subtree(store, row[0])
    level = tree[0][0]
    parent_props = dict(store.db.execute("SELECT key, value FROM properties WHERE block = ?", [row[0]]).fetchall())
    if parent_props.get("template-including-parent", "").strip().lower() == "false":
        tree, level = tree[1:], level + 1
    return [(lvl - level + 1, _without_template_properties(content)) for lvl, content, _, _ in tree]


def _without_template_properties(content: str) -> str:
    lines = [line for line in content.split("\n") if not _DROPPED_PROPERTY.match(line)]
    return "\n".join(lines).strip("\n")


def fill_placeholders(text: str, today: dt.date, page: str, title_format: str, now: dt.datetime | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        word = match.group(1).lower().replace("-", " ")
        if word == "time":
            return (now or dt.datetime.now()).strftime("%H:%M")
        if word == "current page":
            return f"[[{page}]]"
        day = today + dt.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[word])
        return f"[[{format_date(day, title_format)}]]"

    return _PLACEHOLDER.sub(value, text)
