"""What the sprint report reads from the index: blocks as :class:`~notegraph.agent.report_facts.Row`
(with their refs, block refs and properties), page metadata, edited pages. All SQL of the report
is here; :mod:`notegraph.agent.report_facts` computes from the rows without touching the index."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from notegraph.agent.report_facts import PageMeta, Row, visible_first_line
from notegraph.search import GENERATED_PAGES, GENERATED_TYPES, Filters, find_blocks, tag_counts
from notegraph.store import Store
from notegraph.store.rows import day_number
from notegraph.timewindow import DateWindow

OPENING_LOOKBACK = dt.timedelta(days=120)
"""How far before the window the block that opens its sprint is looked for (a weekly report in a
sprint's second week still finds the goals written on its first day)."""

_COLUMNS = ("b.rowid, b.id, b.file, coalesce(p.name, b.page_key), b.page_key, b.journal_day, b.parent_id, "
            "b.position, b.line, b.level, b.content, b.marker, b.priority, b.uuid, b.pre_block")


def _day(value: int | None) -> dt.date | None:
    return dt.date(value // 10000, value // 100 % 100, value % 100) if value else None


def rows_where(store: Store, where: str, params: list[Any]) -> list[Row]:
    """Blocks matching ``where`` (over ``blocks b``) with their refs, block refs and properties."""
    db = store.db
    found = db.execute(f"SELECT {_COLUMNS} FROM blocks b LEFT JOIN pages p ON p.key = b.page_key WHERE {where} "
                       "ORDER BY b.journal_day, b.file, b.position", params).fetchall()
    if not found:
        return []
    refs: dict[int, list[str]] = {}
    for block, key in db.execute(f"SELECT r.block, r.page_key FROM refs r JOIN blocks b ON b.rowid = r.block "
                                 f"WHERE {where} ORDER BY r.rowid", params):
        refs.setdefault(block, []).append(key)
    targets: dict[int, list[str]] = {}
    for block, target in db.execute(f"SELECT r.block, r.target FROM block_refs r JOIN blocks b ON b.rowid = r.block "
                                    f"WHERE {where}", params):
        targets.setdefault(block, []).append(target)
    props: dict[int, dict[str, str]] = {}
    for block, key, value in db.execute(f"SELECT r.block, r.key, r.value FROM properties r "
                                        f"JOIN blocks b ON b.rowid = r.block WHERE {where}", params):
        props.setdefault(block, {})[key] = value
    return [Row(rowid, id_, file, page, key, _day(day), parent, position, line, level, content, marker, priority,
                uuid, tuple(dict.fromkeys(refs.get(rowid, ()))), tuple(targets.get(rowid, ())), props.get(rowid, {}),
                bool(pre_block))
            for rowid, id_, file, page, key, day, parent, position, line, level, content, marker, priority, uuid,
            pre_block in found]


@dataclass
class Material:
    """Everything the report's facts are computed from."""

    days: list[tuple[dt.date, str]]
    rows: list[Row]
    earlier: list[Row]
    pages: dict[str, PageMeta]
    ref_texts: dict[str, str]
    """``((uuid))`` → the first line of the block it shows (a quote shows what Logseq shows)."""


def journal_days(store: Store, window: DateWindow) -> list[tuple[dt.date, str]]:
    found = store.db.execute("SELECT journal_day, name FROM pages WHERE journal_day BETWEEN ? AND ? "
                             "ORDER BY journal_day", [day_number(window.start), day_number(window.end)]).fetchall()
    return [(d, name) for d, name in ((_day(d), name) for d, name in found) if d is not None]


def material(store: Store, window: DateWindow) -> Material:
    """The window's journal blocks, the task blocks before it, and the pages they link."""
    assert window.start and window.end
    start, end = day_number(window.start), day_number(window.end)
    rows = rows_where(store, "b.journal_day BETWEEN ? AND ?", [start, end])
    earlier = rows_where(store, "b.journal_day < ? AND b.marker IS NOT NULL", [start])
    # tasks the window's tasks refer to by ((uuid)), wherever they are
    targets = sorted({t.lower() for r in rows if r.marker for t in r.block_refs})
    if targets:
        marks = ", ".join("?" * len(targets))
        earlier += rows_where(store, f"b.uuid IN ({marks}) AND b.marker IS NOT NULL "
                                     "AND (b.journal_day IS NULL OR b.journal_day < ?)", [*targets, start])
    return Material(journal_days(store, window), rows, earlier, page_meta(store, {k for r in rows for k in r.refs}, rows),
                    ref_texts(store, {t for r in rows for t in r.block_refs}))


def ref_texts(store: Store, uuids: Iterable[str]) -> dict[str, str]:
    wanted = sorted({u.lower() for u in uuids})
    found: dict[str, str] = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk:chunk + 500]
        for uuid, content in store.db.execute(
                f"SELECT uuid, content FROM blocks WHERE uuid IN ({', '.join('?' * len(part))})", part):
            found[uuid] = visible_first_line(content)
    return found


_LINKED = re.compile(r"\[\[([^\[\]]+)\]\]|#\[\[([^\[\]]+)\]\]|#([^\s#,!?'\":\[\]()]+)")


def page_meta(store: Store, keys: Iterable[str], rows: Iterable[Row]) -> dict[str, PageMeta]:
    """Name and page properties of each page key; a page without a file is named as a block writes it."""
    wanted = sorted(set(keys))
    found: dict[str, PageMeta] = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk:chunk + 500]
        for key, name, properties in store.db.execute(
                f"SELECT key, name, properties FROM pages WHERE key IN ({', '.join('?' * len(part))})", part):
            found[key] = PageMeta(key, name, json.loads(properties or "{}"), True)
    missing = set(wanted) - set(found)
    if missing:
        for row in rows:
            for m in _LINKED.finditer(row.content):
                name = (m.group(1) or m.group(2) or m.group(3) or "").strip()
                if name.lower() in missing:
                    found[name.lower()] = PageMeta(name.lower(), name, {}, False)
                    missing.discard(name.lower())
    for key in missing:
        found[key] = PageMeta(key, key, {}, False)
    return found


def page_rows(store: Store, key: str) -> list[Row]:
    return rows_where(store, "b.page_key = ?", [key])


def referencing(store: Store, key: str, window: DateWindow) -> list[Row]:
    """The journal pages (all their blocks) that link ``key`` on days up to the window's end, from
    :data:`OPENING_LOOKBACK` before it."""
    assert window.start and window.end
    first, last = day_number(window.start - OPENING_LOOKBACK), day_number(window.end)
    return rows_where(store, "b.page_key IN (SELECT DISTINCT x.page_key FROM refs r JOIN blocks x ON x.rowid = r.block "
                             "WHERE r.page_key = ? AND x.journal_day BETWEEN ? AND ?)", [key, first, last])


def tagged(store: Store, tag: str, window: DateWindow) -> list[int]:
    """Rowids of the window's blocks under ``tag`` (and its namespace), in file order."""
    return [h.rowid for h in find_blocks(store, Filters(tags=(tag,), window=window), limit=10_000, order="file")]


def tags_in(store: Store, window: DateWindow) -> dict[str, int]:
    return tag_counts(store, Filters(window=window))


def pages_edited(store: Store, window: DateWindow) -> list[str]:
    """Pages (not journal days, not generated reports) whose file changed since the window began."""
    assert window.start
    start_ns = int(dt.datetime.combine(window.start, dt.time()).timestamp() * 1e9)
    return [r[0] for r in store.db.execute(
        "SELECT p.name FROM files f JOIN pages p ON p.file = f.path WHERE p.journal_day IS NULL "
        f"AND f.mtime_ns >= ? AND p.key NOT IN ({GENERATED_PAGES}) ORDER BY p.name",
        [start_ns, *GENERATED_TYPES]).fetchall()]
