"""Finding blocks in the index: filters first, then ranking.

Every query takes the same :class:`Filters` (tags with their namespace
subtree, pages, page refs, task markers, a journal date window) and applies
them in SQL before anything is ranked. Keyword search ranks with FTS5's bm25
and never lets user input break the FTS query syntax.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from notegraph.logseq.dates import MONTHS, format_date, ordinal
from notegraph.logseq.names import page_key
from notegraph.store import Store
from notegraph.store.rows import day_number
from notegraph.task_identity import task_key
from notegraph.timewindow import DateWindow

OPEN_MARKERS = ("TODO", "DOING", "LATER", "NOW", "WAITING", "WAIT", "IN-PROGRESS", "STARTED")
ALL_MARKERS = OPEN_MARKERS + ("DONE", "CANCELED", "CANCELLED")
HIGHLIGHT = ("\x02", "\x03")
"""Start and end of a highlighted match in snippets; front ends render them."""
GENERATED_TYPES = ("[[sprint-report]]", "sprint-report", "#sprint-report", "#[[sprint-report]]")
"""``type::`` values of the pages notegraph writes about the graph (reports). They quote the notes,
so by default every query leaves them out: no duplicate search hits, Ask sources or backlinks."""
GENERATED_PAGES = ("SELECT g.page_key FROM properties gp JOIN blocks g ON g.rowid = gp.block WHERE gp.key = 'type' "
                   f"AND g.pre_block = 1 AND gp.value IN ({', '.join('?' * len(GENERATED_TYPES))})")
"""Keys of generated pages (``GENERATED_TYPES`` are its parameters)."""


@dataclass(frozen=True)
class Filters:
    tags: tuple[str, ...] = ()
    """Blocks tagged with each of these (``#tag``)..."""
    tag_subtree: bool = True
    """...or with a tag under it in the namespace (``ai`` takes ``ai/predictions``)."""
    refs: tuple[str, ...] = ()
    """Blocks that reference each of these pages (links, tags, properties; aliases count)."""
    pages: tuple[str, ...] = ()
    """Blocks on one of these pages."""
    markers: tuple[str, ...] = ()
    window: DateWindow | None = None
    """Blocks on journal days in this window."""
    reports: bool = False
    """Include generated pages (``type:: [[sprint-report]]``); also when ``pages`` names pages."""

    def is_empty(self) -> bool:
        return not (self.tags or self.refs or self.pages or self.markers or self.window)

    def narrowed_by(self, other: "Filters") -> "Filters":
        """Both sets of filters at once (options and the ``tag:``/``since:`` words of a query);
        ``other``'s window, when it has one, replaces this one."""
        return Filters(tags=self.tags + other.tags, tag_subtree=self.tag_subtree and other.tag_subtree,
                       refs=self.refs + other.refs, pages=self.pages + other.pages,
                       markers=self.markers + other.markers, window=other.window or self.window,
                       reports=self.reports or other.reports)


@dataclass(frozen=True)
class Hit:
    rowid: int
    id: str
    page: str
    page_key: str
    file: str
    line: int
    content: str
    marker: str | None
    journal_day: dt.date | None
    breadcrumb: tuple[str, ...] = ()
    """Contents of the ancestor blocks, outermost first."""
    score: float | None = None
    snippet: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "page": self.page, "file": self.file, "line": self.line, "content": self.content,
                "breadcrumb": list(self.breadcrumb), "score": self.score,
                **({"snippet": self.snippet.replace(HIGHLIGHT[0], "«").replace(HIGHLIGHT[1], "»")}
                   if self.snippet else {})}


# ---------------------------------------------------------------------------
# keyword queries


_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query (None when nothing is searchable).

    Words are ANDed; ``"quoted words"`` stay a phrase; ``word*`` is a prefix; a bare
    ``OR`` between words is kept. Everything else is quoted, so characters like
    ``-``, ``:``, ``(`` or ``NEAR`` cannot break or change the query.
    """
    parts: list[str] = []
    for m in _TOKEN.finditer(text):
        phrase, word = m.group(1), m.group(2)
        if phrase is not None:
            if phrase.strip():
                parts.append('"' + phrase.strip().replace('"', '""') + '"')
            continue
        assert word is not None
        if word == "OR" and parts and parts[-1] != "OR":
            parts.append("OR")
            continue
        prefix = word.endswith("*") and len(word.rstrip("*")) > 0
        core = word.rstrip("*") if prefix else word
        core = core.strip("\"'")
        if not re.search(r"\w", core):
            continue
        parts.append('"' + core.replace('"', '""') + '"' + ("*" if prefix else ""))
    while parts and parts[-1] == "OR":
        parts.pop()
    return " ".join(parts) or None


# ---------------------------------------------------------------------------
# the filter SQL


def alias_closure(store: Store, names: Iterable[str]) -> list[str]:
    """Page keys for names, with the aliases pointing either way."""
    keys = {page_key(n) for n in names}
    if not keys:
        return []
    marks = ", ".join("?" * len(keys))
    rows = store.db.execute(f"SELECT alias, page_key FROM aliases WHERE alias IN ({marks}) OR page_key IN ({marks})",
                            [*keys, *keys]).fetchall()
    for alias, key in rows:
        keys.add(alias)
        keys.add(key)
    return sorted(keys)


def filter_sql(store: Store, filters: Filters, alias: str = "b") -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for tag in filters.tags:
        key = page_key(tag.lstrip("#"))
        if filters.tag_subtree:
            where.append(f"{alias}.rowid IN (SELECT block FROM tags WHERE tag = ? OR (tag >= ? AND tag < ?))")
            params += [key, key + "/", key + "0"]  # "0" sorts right after "/": the namespace subtree
        else:
            where.append(f"{alias}.rowid IN (SELECT block FROM tags WHERE tag = ?)")
            params.append(key)
    for ref in filters.refs:
        keys = alias_closure(store, [ref])
        where.append(f"{alias}.rowid IN (SELECT block FROM refs WHERE page_key IN ({', '.join('?' * len(keys))}))")
        params += keys
    if filters.pages:
        keys = alias_closure(store, filters.pages)
        where.append(f"{alias}.page_key IN ({', '.join('?' * len(keys))})")
        params += keys
    if filters.markers:
        where.append(f"{alias}.marker IN ({', '.join('?' * len(filters.markers))})")
        params += [m.upper() for m in filters.markers]
    if filters.window is not None:
        days: list[str] = []
        if filters.window.start:
            days.append(f"{alias}.journal_day >= ?")
            params.append(day_number(filters.window.start))
        if filters.window.end:
            days.append(f"{alias}.journal_day <= ?")
            params.append(day_number(filters.window.end))
        on_journal_days = " AND ".join(days) or f"{alias}.journal_day IS NOT NULL"
        dated = dated_blocks_sql(store, filters.window)
        if dated is None:
            where.append(f"({on_journal_days})")
        else:
            where.append(f"({on_journal_days} OR {alias}.rowid IN ({dated[0]}))")
            params += dated[1]
    if not filters.reports and not filters.pages:
        where.append(f"{alias}.page_key NOT IN ({GENERATED_PAGES})")
        params += GENERATED_TYPES
    return where, params


def has_generated_pages(store: Store) -> bool:
    """Whether the graph holds a generated page (then "no filters" still leaves something out)."""
    return store.db.execute(f"{GENERATED_PAGES} LIMIT 1", GENERATED_TYPES).fetchone() is not None


DATED_LINK_DAYS = 400
"""Windows up to this long also take blocks that link one of their days (``[[Mar 28th, 2023]]``)."""
DATED_TEXT_DAYS = 62
"""Windows up to this long also take blocks that write one of their days out (``October 15, 2024``)."""


def dated_blocks_sql(store: Store, window: DateWindow) -> tuple[str, list[Any]] | None:
    """Blocks outside the window's journal days that are dated in it, with everything under them:
    a project page's ``## [[Mar 28th, 2023]]`` heading, a diary page's ``October 15, 2024`` block,
    a note on another day about this one. None for open-ended or long windows."""
    if window.start is None or window.end is None:
        return None
    span = (window.end - window.start).days + 1
    if not 0 < span <= DATED_LINK_DAYS:
        return None
    days = [window.start + dt.timedelta(days=n) for n in range(span)]
    keys = sorted({page_key(format_date(day, pattern)) for day in days for pattern in store.journal_formats})
    seeds = [f"SELECT block FROM refs WHERE page_key IN ({', '.join('?' * len(keys))})"]
    params: list[Any] = list(keys)
    if span <= DATED_TEXT_DAYS:
        seeds.append("SELECT rowid FROM blocks_fts WHERE blocks_fts MATCH ?")
        params.append(" OR ".join(phrase for day in days for phrase in _written_dates(day)))
    sql = ("WITH RECURSIVE dated(rowid, file, id) AS ("
           f" SELECT rowid, file, id FROM blocks WHERE rowid IN ({' UNION '.join(seeds)})"
           " UNION SELECT b.rowid, b.file, b.id FROM blocks b JOIN dated d ON b.file = d.file AND b.parent_id = d.id)"
           " SELECT rowid FROM dated")
    return sql, params


def _written_dates(day: dt.date) -> list[str]:
    """FTS phrases for the ways a day is written in prose (the tokenizer drops the punctuation):
    October 15 2024, Oct 15th 2024, 15 October 2024, 2024-10-15."""
    month = MONTHS[day.month - 1].lower()
    nth = ordinal(day.day)
    phrases = {f"{m} {d} {day.year}" for m in (month, month[:3]) for d in (day.day, nth)}
    phrases |= {f"{d} {m} {day.year}" for m in (month, month[:3]) for d in (day.day, nth)}
    phrases.add(f"{day.year} {day.month:02d} {day.day:02d}")
    return [f'"{p}"' for p in sorted(phrases)]


_HIT_COLUMNS = "b.rowid, b.id, coalesce(p.name, b.page_key), b.page_key, b.file, b.line, b.content, b.marker, " \
               "b.journal_day, b.parent_id"


def _day(value: int | None) -> dt.date | None:
    return dt.date(value // 10000, value // 100 % 100, value % 100) if value else None


def _hits(store: Store, rows: list[tuple[Any, ...]], *, scored: bool = False) -> list[Hit]:
    trails = breadcrumbs(store, [(row[4], row[9]) for row in rows])
    hits = []
    for row in rows:
        rowid, id_, page, key, file, line, content, marker, journal_day, parent_id = row[:10]
        score = float(-row[10]) if scored else None  # bm25 is lower-is-better; report higher-is-better
        snippet = row[11] if scored else None
        hits.append(Hit(rowid, id_, page, key, file, line, content, marker, _day(journal_day),
                        trails.get((file, parent_id), ()), score, snippet))
    return hits


def breadcrumbs(store: Store, parents: Iterable[tuple[str, str | None]],
                depth: int = 20) -> dict[tuple[str, str | None], tuple[str, ...]]:
    """For each (file, parent id), the contents of that parent and its ancestors, outermost first.

    One query per outline level for all hits together, rather than one per ancestor per hit.
    """
    wanted = {(file, parent) for file, parent in parents if parent}
    parent_of: dict[tuple[str, str], tuple[str | None, str]] = {}
    frontier = set(wanted)
    for _ in range(depth):
        frontier = {pair for pair in frontier if pair not in parent_of}
        if not frontier:
            break
        batch = sorted(frontier)
        found = []
        for chunk in range(0, len(batch), 500):
            part = batch[chunk:chunk + 500]
            rows = store.db.execute(f"SELECT file, id, parent_id, content FROM blocks WHERE id IN "
                                    f"({', '.join('?' * len(part))})", [id_ for _, id_ in part]).fetchall()
            found += [row for row in rows if (row[0], row[1]) in frontier]  # ids repeat across files
        frontier = set()
        for file, id_, parent_id, content in found:
            parent_of[(file, id_)] = (parent_id, content)
            if parent_id:
                frontier.add((file, parent_id))
    trails: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for file, parent_id in wanted:
        chain: list[str] = []
        node: str | None = parent_id
        while node and (file, node) in parent_of and len(chain) < depth:
            node, content = parent_of[(file, node)]
            chain.append(content)
        trails[(file, parent_id)] = tuple(reversed(chain))
    return trails


_RECENT_FIRST = "b.journal_day DESC NULLS LAST, b.file, b.position"


def _ordered_hits(store: Store, where: list[str], params: list[Any], *, order: str, limit: int) -> list[Hit]:
    """Hits for blocks matching ``where``, sorted and cut to ``limit`` before any wide column is read.

    Sorting only the narrow key (and joining page names only for the rows kept) is what keeps a
    query that matches thousands of blocks fast: the sorter never carries block contents.
    """
    chosen = (f"SELECT b.rowid FROM blocks b WHERE {' AND '.join(where) or '1'} "
              f"ORDER BY {order} LIMIT ?")
    sql = (f"SELECT {_HIT_COLUMNS} FROM blocks b LEFT JOIN pages p ON p.key = b.page_key "
           f"WHERE b.rowid IN ({chosen}) ORDER BY {order}")
    return _hits(store, store.db.execute(sql, [*params, limit]).fetchall())


TITLE_MIN_LETTERS = 4


def pages_named_in(store: Store, text: str) -> list[str]:
    """Keys of the pages (not journal days) whose name or alias the text says in full, as words:
    "what goes into the banana bread?" names the page *Banana Bread*. Names shorter than four
    letters are left out: "AI" or "Q3" would match too much to mean anything.

    Every run of up to ``NAME_WORDS`` of the text's words is looked up as a page key (an indexed
    lookup): on every hybrid search, so it must not walk all page names (21 ms at 10,000 pages)."""
    words = text.split()
    candidates = set()
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + NAME_WORDS) + 1):
            phrase = " ".join(words[start:end]).strip(_EDGE_PUNCTUATION)
            if sum(c.isalnum() for c in phrase) >= TITLE_MIN_LETTERS:
                candidates.add(page_key(phrase))
    if not candidates:
        return []
    marks = ", ".join("?" * len(candidates))
    keys = sorted(candidates)
    rows = store.db.execute(
        f"SELECT key FROM pages WHERE key IN ({marks}) AND journal_day IS NULL "
        f"UNION SELECT page_key FROM aliases WHERE lower(alias) IN ({marks})", [*keys, *keys]).fetchall()
    return sorted(row[0] for row in rows)


NAME_WORDS = 8
_EDGE_PUNCTUATION = " \t?!.,;:\"'()[]“”‘’"


def blocks_about_pages(store: Store, keys: list[str]) -> list[int]:
    """Blocks on these pages (not the properties block at the top), and blocks that link or tag them."""
    if not keys:
        return []
    marks = ", ".join("?" * len(keys))
    rows = store.db.execute(f"SELECT rowid FROM blocks WHERE page_key IN ({marks}) AND NOT pre_block "
                            f"UNION SELECT block FROM refs WHERE page_key IN ({marks})", [*keys, *keys]).fetchall()
    return sorted(r[0] for r in rows)


def find_blocks(store: Store, filters: Filters, *, limit: int = 50, order: str = "recent") -> list[Hit]:
    """Blocks matching the filters, newest journal day first (then file order)."""
    where, params = filter_sql(store, filters)
    return _ordered_hits(store, where, params, limit=limit,
                         order=_RECENT_FIRST if order == "recent" else "b.file, b.position")


def keyword_search(store: Store, text: str, filters: Filters = Filters(), *, limit: int = 20) -> list[Hit]:
    """Blocks matching ``text`` (FTS5, bm25-ranked, with highlighted snippets), filters applied first."""
    query = fts_query(text)
    if query is None:
        return find_blocks(store, filters, limit=limit) if not filters.is_empty() else []
    where, params = filter_sql(store, filters)
    sql = (f"SELECT {_HIT_COLUMNS}, bm25(blocks_fts) AS rank, "
           f"snippet(blocks_fts, 0, '{HIGHLIGHT[0]}', '{HIGHLIGHT[1]}', '…', 16) "
           "FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid LEFT JOIN pages p ON p.key = b.page_key "
           f"WHERE blocks_fts MATCH ? {''.join(' AND ' + w for w in where)} ORDER BY rank LIMIT ?")
    return _hits(store, store.db.execute(sql, [query, *params, limit]).fetchall(), scored=True)


# ---------------------------------------------------------------------------
# pages, tags, tasks


@dataclass(frozen=True)
class PageInfo:
    key: str
    name: str
    file: str | None
    journal_day: dt.date | None
    aliases: tuple[str, ...]


def resolve_page(store: Store, name: str) -> PageInfo | None:
    key = page_key(name)
    row = store.db.execute("SELECT key, name, file, journal_day, aliases FROM pages WHERE key = ?", [key]).fetchone()
    if row is None:
        target = store.db.execute("SELECT page_key FROM aliases WHERE alias = ?", [key]).fetchone()
        if target:
            row = store.db.execute("SELECT key, name, file, journal_day, aliases FROM pages WHERE key = ?",
                                   [target[0]]).fetchone()
    if row is None:
        if store.db.execute("SELECT 1 FROM refs WHERE page_key = ? LIMIT 1", [key]).fetchone():
            return PageInfo(key, name, None, None, ())  # referenced, but has no file
        return None
    import json

    return PageInfo(row[0], row[1], row[2], _day(row[3]), tuple(json.loads(row[4])))


@dataclass(frozen=True)
class PageGroup:
    page: str
    page_key: str
    journal_day: dt.date | None
    hits: tuple[Hit, ...]


def group_by_page(hits: list[Hit]) -> list[PageGroup]:
    """Hits grouped by page: newest journal day first, then other pages by name."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.page_key, []).append(hit)
    out = [PageGroup(hs[0].page, key, hs[0].journal_day, tuple(hs)) for key, hs in groups.items()]
    out.sort(key=lambda g: (g.journal_day is None, -(g.journal_day.toordinal() if g.journal_day else 0), g.page))
    return out


def backlinks(store: Store, page: PageInfo, filters: Filters = Filters(), *, limit: int = 500) -> list[PageGroup]:
    """Linked references: blocks elsewhere that reference the page (or an alias), grouped by page."""
    keys = alias_closure(store, [page.key])
    where, params = filter_sql(store, filters)
    marks = ", ".join("?" * len(keys))
    where = [f"b.rowid IN (SELECT block FROM refs WHERE page_key IN ({marks}))", f"b.page_key NOT IN ({marks})",
             *where]
    return group_by_page(_ordered_hits(store, where, [*keys, *keys, *params], order=_RECENT_FIRST, limit=limit))


def unlinked_references(store: Store, page: PageInfo, *, limit: int = 200) -> list[PageGroup]:
    """Blocks that write the page's name (or an alias) as plain text, without linking it."""
    keys = alias_closure(store, [page.key])
    names = {page.name.lower(), *keys}
    found: dict[int, Hit] = {}
    for name in sorted(names):
        query = fts_query(f'"{name}"')
        if query is None:
            continue
        rows = store.db.execute(
            f"SELECT {_HIT_COLUMNS} FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid "
            "LEFT JOIN pages p ON p.key = b.page_key WHERE blocks_fts MATCH ? "
            f"AND b.page_key NOT IN ({', '.join('?' * len(keys))}) "
            f"AND b.rowid NOT IN (SELECT block FROM refs WHERE page_key IN ({', '.join('?' * len(keys))})) "
            f"AND b.page_key NOT IN ({GENERATED_PAGES}) "
            "ORDER BY b.journal_day DESC NULLS LAST LIMIT ?", [query, *keys, *keys, *GENERATED_TYPES, limit]).fetchall()
        pattern = re.compile(r"(?<![\w\[#])" + re.escape(name) + r"(?![\w\]])", re.IGNORECASE)
        for hit in _hits(store, rows):
            if pattern.search(hit.content):
                found.setdefault(hit.rowid, hit)
    return group_by_page(list(found.values())[:limit])


@dataclass
class TagNode:
    name: str
    """The full tag (``ai/predictions``)."""
    count: int = 0
    """Blocks with exactly this tag."""
    total: int = 0
    """Blocks with this tag or one under it."""
    children: dict[str, "TagNode"] = field(default_factory=dict)


def tag_counts(store: Store, filters: Filters = Filters()) -> dict[str, int]:
    where, params = filter_sql(store, filters)
    sql = ("SELECT t.tag, count(*) FROM tags t JOIN blocks b ON b.rowid = t.block "
           f"WHERE {' AND '.join(where) or '1'} GROUP BY t.tag ORDER BY t.tag")
    return {tag: count for tag, count in store.db.execute(sql, params).fetchall()}


def tag_tree(counts: dict[str, int]) -> list[TagNode]:
    """Tags arranged by namespace, each with its own count and its subtree's total."""
    roots: dict[str, TagNode] = {}
    for tag, count in counts.items():
        parts = tag.split("/")
        level = roots
        node = None
        for depth in range(len(parts)):
            name = "/".join(parts[:depth + 1])
            node = level.setdefault(parts[depth], TagNode(name))
            node.total += count
            level = node.children
        assert node is not None
        node.count += count
    return sorted(roots.values(), key=lambda n: (-n.total, n.name))


def tasks(store: Store, filters: Filters = Filters(), *, limit: int = 200) -> list[Hit]:
    """Task blocks: open ones unless ``filters.markers`` says which."""
    if not filters.markers:
        filters = Filters(**{**filters.__dict__, "markers": OPEN_MARKERS})
    return find_blocks(store, filters, limit=limit)


@dataclass(frozen=True)
class AgendaItem:
    """An open task on Logseq's "Scheduled and deadline" list."""

    kind: str
    """"SCHEDULED" or "DEADLINE"."""
    day: dt.date
    hit: Hit


def agenda(store: Store, today: dt.date, future_days: int) -> list[AgendaItem]:
    """Open tasks scheduled or due up to ``future_days`` after ``today``, overdue ones included,
    earliest first (a task with both dates appears under each)."""
    limit = today + dt.timedelta(days=max(future_days, 0))
    limit_number = limit.year * 10000 + limit.month * 100 + limit.day
    marks = ", ".join("?" * len(OPEN_MARKERS))
    rows = store.db.execute(
        f"SELECT rowid, scheduled, deadline FROM blocks WHERE marker IN ({marks}) "
        "AND (scheduled <= ? OR deadline <= ?)", [*OPEN_MARKERS, limit_number, limit_number]).fetchall()
    carried = _carried_on(store, [row[0] for row in rows])
    rows = [row for row in rows if row[0] not in carried]
    by_rowid = {hit.rowid: hit for hit in hits_for(store, [(row[0], 0.0) for row in rows])}
    items = []
    for rowid, scheduled, deadline in rows:
        for kind, number in (("SCHEDULED", scheduled), ("DEADLINE", deadline)):
            day = _day(number)
            if day is not None and day <= limit and rowid in by_rowid:
                items.append(AgendaItem(kind, day, by_rowid[rowid]))
    items.sort(key=lambda item: (item.day, item.kind, item.hit.file, item.hit.line))
    return items


def ancestors_sql(count: int) -> str:
    """``WITH RECURSIVE up(start, rowid, id, parent_id, file, content, depth)``: each of ``count``
    blocks (their rowids are the parameters) as ``start``, with itself and every ancestor."""
    marks = ", ".join("?" * count)
    return ("WITH RECURSIVE up(start, rowid, id, parent_id, file, content, depth) AS ("
            f" SELECT rowid, rowid, id, parent_id, file, content, 0 FROM blocks WHERE rowid IN ({marks})"
            " UNION ALL SELECT up.start, b.rowid, b.id, b.parent_id, b.file, b.content, up.depth + 1 FROM up"
            " JOIN blocks b ON b.file = up.file AND b.id = up.parent_id WHERE up.depth < 64)")


def _carried_on(store: Store, candidates: list[int]) -> set[int]:
    """Those of the agenda's open journal tasks that live on as a later day's copy of the same task
    (:mod:`notegraph.task_identity`): done or cancelled there, the task is not overdue; still
    open and on the agenda there, that copy is the one shown."""
    if not candidates:
        return set()
    marks = ", ".join("?" * len(candidates))
    mine = store.db.execute(f"SELECT rowid, content, journal_day FROM blocks WHERE rowid IN ({marks}) "
                            "AND journal_day IS NOT NULL", candidates).fetchall()
    if not mine:
        return set()
    latest: dict[str, tuple[int, int, str]] = {}  # task → its latest journal copy: day, rowid, marker
    rows = store.db.execute("SELECT rowid, content, journal_day, marker FROM blocks WHERE marker IS NOT NULL "
                            "AND journal_day >= ?", [min(day for _, _, day in mine)]).fetchall()
    on_agenda = set(candidates)
    for rowid, content, day, marker in rows:
        if marker in OPEN_MARKERS and rowid not in on_agenda:
            continue  # an open copy without a date does not take the task off the agenda
        key = task_key(content)
        if key not in latest or (day, rowid) > latest[key][:2]:
            latest[key] = (day, rowid, marker)
    return {rowid for rowid, content, day in mine
            if (later := latest.get(task_key(content))) is not None and later[1] != rowid and later[0] >= day}


def hits_for(store: Store, ranked: list[tuple[int, float]]) -> list[Hit]:
    """Hits for (block rowid, score) pairs, in the order given."""
    if not ranked:
        return []
    rowids = [rowid for rowid, _ in ranked]
    rows = store.db.execute(f"SELECT {_HIT_COLUMNS} FROM blocks b LEFT JOIN pages p ON p.key = b.page_key "
                            f"WHERE b.rowid IN ({', '.join('?' * len(rowids))})", rowids).fetchall()
    by_rowid = {hit.rowid: hit for hit in _hits(store, rows)}
    return [replace(by_rowid[rowid], score=round(score, 6)) for rowid, score in ranked if rowid in by_rowid]


def block_subtree(store: Store, rowid: int) -> list[tuple[int, str, str, int]]:
    """A block and every block under it, in file order: (level, content, id, rowid)."""
    file, position, level = store.db.execute(
        "SELECT file, position, level FROM blocks WHERE rowid = ?", [rowid]).fetchone()
    rows = store.db.execute("SELECT level, content, id, rowid FROM blocks WHERE file = ? AND position >= ? "
                            "ORDER BY position", [file, position]).fetchall()
    tree = [rows[0]]
    for row in rows[1:]:
        if row[0] <= level:
            break
        tree.append(row)
    return tree


def block_by_reference(store: Store, ref: str) -> int | None:
    """A block's rowid from its id, its ``id::`` uuid, ``((uuid))``, or ``file:line``."""
    ref = ref.strip().removeprefix("((").removesuffix("))")
    row = store.db.execute("SELECT rowid FROM blocks WHERE uuid = ? OR id = ? LIMIT 1", [ref.lower(), ref]).fetchone()
    if row:
        return int(row[0])
    file, sep, line = ref.rpartition(":")
    if sep and line.isdigit():
        row = store.db.execute("SELECT rowid FROM blocks WHERE file = ? AND line <= ? ORDER BY line DESC LIMIT 1",
                               [file, int(line)]).fetchone()
        if row:
            return int(row[0])
    return None


def complete_names(store: Store, partial: str, *, tags: bool = False, limit: int = 8) -> list[str]:
    """Page names (or tags) for ``[[``/``#`` completion: names starting with ``partial`` first,
    then names containing it; the most referenced first within each group.

    Only real page names are offered: pages with a file, and names some block writes as a link or
    a tag (``[[x]]``, ``#x``, ``tags::``/``alias::`` values), or the namespace above such a name.
    The index also keeps refs Logseq makes for task markers, priorities and property names
    (``todo``, ``a``, ``type``); nobody links those by hand. A page only linked so far is
    spelled as a block that links it writes it, since the index keeps its lower-cased key only."""
    needle = partial.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    table, column = ("tags", "tag") if tags else ("refs", "page_key")
    rows = store.db.execute(
        f"SELECT {column}, count(*) AS uses FROM {table} WHERE {column} LIKE ? ESCAPE '\\' "
        f"AND {column} NOT IN (SELECT key FROM pages WHERE journal_day IS NOT NULL) "
        f"GROUP BY {column} ORDER BY ({column} NOT LIKE ? ESCAPE '\\'), uses DESC, {column} LIMIT ?",
        [f"%{needle}%", f"{needle}%", limit * 4]).fetchall()
    names = []
    for key, _ in rows:
        spelled = store.db.execute("SELECT name FROM pages WHERE key = ?", [key]).fetchone()
        name = spelled[0] if spelled else _spelled_as_written(store, key)
        if name is not None:
            names.append(name)
        if len(names) == limit:
            break
    return names


def find_pages(store: Store, typed: str, *, limit: int = 20) -> list[str]:
    """Page names (and aliases) for quick-open, fuzzy: the typed letters in order. The name
    itself first, then names starting with it, names whose words start with its letters
    (``pr`` → Priya Raman), names containing it, then any; the most linked first in each.
    Journal days are left out (Ctrl+G goes to a day)."""
    letters = [c for c in typed.lower() if not c.isspace()]
    if not letters:
        return []
    escaped = [c.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for c in letters]
    pattern = "%" + "%".join(escaped) + "%"
    rows = store.db.execute(
        "SELECT key, sum(uses) FROM (SELECT page_key AS key, count(*) AS uses FROM refs GROUP BY page_key "
        "UNION ALL SELECT key, 0 FROM pages WHERE journal_day IS NULL UNION ALL SELECT alias, 0 FROM aliases) "
        "WHERE key LIKE ? ESCAPE '\\' AND key NOT IN (SELECT key FROM pages WHERE journal_day IS NOT NULL) "
        "GROUP BY key", [pattern]).fetchall()
    wanted = " ".join(typed.lower().split())

    def rank(row: tuple[str, int]) -> tuple[int, int, int]:
        key, uses = row
        if key == wanted:
            tier = 0
        elif key.startswith(wanted):
            tier = 1
        elif _word_starts(key, "".join(letters)):
            tier = 2
        elif wanted in key:
            tier = 3
        else:
            tier = 4
        return tier, -uses, len(key)

    names: list[str] = []
    for key, _ in sorted(rows, key=rank):
        spelled = store.db.execute("SELECT name FROM pages WHERE key = ?", [key]).fetchone()
        name = spelled[0] if spelled else _spelled_as_written(store, key)
        if name is not None and name not in names:
            names.append(name)
        if len(names) == limit:
            break
    return names


def _word_starts(name: str, letters: str) -> bool:
    """Whether ``letters`` are, in order, the starts of words of ``name`` (each word may give
    several: ``prra`` and ``pr`` both fit "priya raman")."""
    words = re.split(r"[\s/:_-]+", name)

    def fits(i: int, w: int) -> bool:
        if i == len(letters):
            return True
        for k in range(w, len(words)):
            word = words[k]
            n = 0
            while n < len(word) and i + n < len(letters) and word[n] == letters[i + n]:
                n += 1
                if fits(i + n, k + 1):
                    return True
        return False

    return fits(0, 0)


_REF_PROPERTY = re.compile(r"^\s*(?:tags|alias)::(.*)$", re.IGNORECASE | re.MULTILINE)


def _spelled_as_written(store: Store, key: str) -> str | None:
    """How a block that links or tags ``key`` writes it; None when no block does (a marker, a
    priority or a property name) and it is not the namespace of a name that is written."""
    written = re.compile(r"(?:\[\[|#)(" + re.escape(key) + r")(?=\]\]|[\s,.!?]|$)", re.IGNORECASE)
    contents = store.db.execute(
        "SELECT content FROM blocks WHERE rowid IN (SELECT block FROM refs WHERE page_key = ? "
        "UNION SELECT block FROM tags WHERE tag = ?) LIMIT 50", [key, key]).fetchall()
    for (content,) in contents:
        found = written.search(content)
        if found:
            return str(found.group(1))
        for values in _REF_PROPERTY.findall(content):
            for value in str(values).split(","):
                value = value.strip().removeprefix("[[").removesuffix("]]").lstrip("#")
                if value.lower() == key:
                    return value
    child = store.db.execute("SELECT 1 FROM refs WHERE page_key LIKE ? ESCAPE '\\' LIMIT 1",
                             [key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"]).fetchone()
    return key if child else None
