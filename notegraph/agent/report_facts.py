"""The sprint report's facts, computed from the journal's blocks (pure: no I/O, no model).

What a researcher wants from a sprint report is what the journal says, counted right:

* **Tasks** are identified across days. The same task is often written several times — a TODO on
  Monday, DOING on Tuesday, DONE on Thursday, or copied to the next day when it was not finished
  (Logseq's carry-over habit), or referred to as ``((uuid))`` from a later block. Occurrences with
  the same text (marker, priority, scheduling and a closing remark in parentheses left out) or
  linked by a block reference are one
  task; its state is its latest occurrence's, so a task done later is not open. Each task is
  counted once: done, still open or cancelled, and "carried over" when it spans several days.
* **Goals and questions** come from where the researcher wrote them: the block that opens the
  sprint ("[[Sprint 15]] starts today. Goals:") and its children, the sprint's own page when there
  is one, ``question::`` properties and blocks that ask or name an open question — never from
  stale TODOs.
* **Reading**: pages with a paper-like ``type::`` (on the page or on the block that reads them) or
  a ``Paper:`` name, linked from reading blocks (``Reading [[Paper: X]]``, ``type:: [[paper]]``,
  ``status:: read``) or listed under one; each once, by title. Paper pages linked without any
  reading notes are kept apart ("linked, not read").
* **Built, failed, learned, next**: the blocks that say so — a ``Bugs`` / ``Didn't go well`` /
  ``Takeaways`` / ``Went well`` heading block (its children are the items), or a block whose own
  words say it ("failed", "bug", "worse", "Decided:", "takeaway", "learned"…), or, for what comes
  next, the blocks that link the next sprint's page. Each block lands in one section at most and
  the same text is listed once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from notegraph.task_identity import task_key, task_text
from notegraph.timewindow import DateWindow

OPEN = ("TODO", "DOING", "LATER", "NOW", "WAITING", "WAIT", "IN-PROGRESS", "STARTED")
CANCELLED = ("CANCELED", "CANCELLED")
_PROPERTY_LINE = re.compile(r"^\s*[A-Za-z0-9_\-]+::")
_HIDDEN_LINE = re.compile(r"^\s*(?:SCHEDULED:|DEADLINE:|:LOGBOOK:|:END:|CLOCK:|:PROPERTIES:)")
_BLOCK_REF = re.compile(r"\(\(([0-9a-fA-F-]{36})\)\)")
_CLOCK = re.compile(r"CLOCK:\s*\[[^\]]*\]--\[[^\]]*\]\s*=>\s*(\d+):(\d\d)(?::(\d\d))?")
_NOT_PROSE = ("{{query", "#+BEGIN_QUERY", "{{embed", "{{renderer")

# -- cues: how the researcher says what a block is about ----------------------------------
_GOALS = re.compile(r"\b(?:goals?|objectives?|aims?)\b", re.IGNORECASE)
_STARTS = re.compile(r"\b(?:starts?|started|begins?|began|kick(?:s|ed)?[- ]?off)\b", re.IGNORECASE)
_SPRINTISH = re.compile(r"^sprint\b(?![- ]report)|\bsprint\s*[-/#]?\s*\d+", re.IGNORECASE)
_LINK = re.compile(r"(?<!\\)\[\[([^\]]+)\]\]")
_QUESTION_WORDS = re.compile(r"\b(?:open|research) questions?\b", re.IGNORECASE)
_QUESTION_HEADING = re.compile(r"^(?:open|research) questions?\b", re.IGNORECASE)
_READING = re.compile(r"(?:^|[.!?;]\s+)(?:reading|read|re-?read|finished reading|skimmed)\b", re.IGNORECASE)
_PAPER_TYPES = re.compile(r"^(?:paper|papers|article|preprint|book|thesis|publication|essay)$", re.IGNORECASE)
_PAPER_NAME = re.compile(r"^(?:paper|papers|article|book)\s*[:/]\s*", re.IGNORECASE)
_TITLE_IN_TEXT = re.compile(r"(?<![\w*])\*{1,2}([^*\n]{3,120})\*{1,2}(?![\w*])|\"([^\"\n]{3,120})\"|“([^”\n]{3,120})”")
HEADINGS = {
    "failed": re.compile(r"^(?:bugs?|failures?|failure zoo|problems|issues|mistakes|didn'?t go well|did not go well|"
                         r"what went wrong|what failed|went wrong|not working|blockers?)\b", re.IGNORECASE),
    "learned": re.compile(r"^(?:takeaways?|lessons?(?: learned)?|learned|learnings|what i learned|went well|"
                          r"what went well|what worked|insights?|findings|conclusions?|decisions)\b", re.IGNORECASE),
    "built": re.compile(r"^(?:built|shipped|done|what i built|what was built|accomplished|achievements?)\b",
                        re.IGNORECASE),
    "next": re.compile(r"^(?:next(?: steps| sprint| week)?|follow[- ]ups?|changes for|plans? for|to carry)\b",
                       re.IGNORECASE),
}
CUES = {
    "failed": re.compile(r"\b(?:fail(?:ed|s)|bugs?|broke|broken|didn'?t work|doesn'?t work|did not work|"
                         r"does not work|worse|regress(?:ed|ion)|net loss|gotcha|mistake|dead end|no better)\b",
                         re.IGNORECASE),
    "learned": re.compile(r"(?:^(?:decided|decision|takeaway|lesson|insight|conclusion|learned|nice point)\b)|"
                          r"\b(?:learned|learnt|reali[sz]ed?|takeaway|lesson|turns out|in hindsight|clicked)\b",
                          re.IGNORECASE),
    "built": re.compile(r"^(?:done:|(?:i |we )?(?:built|implemented|shipped|released|merged|prototyped|wired up)\b)",
                        re.IGNORECASE),
}
_ENUMERATED = re.compile(r"^(?:\*\*)?\d+[.)]")
"""A numbered item (a slide outline, a demo script): a plan, not a finding — only listed under a heading."""


@dataclass(frozen=True)
class Row:
    """One block as the report reads it (from the index)."""

    rowid: int
    id: str
    file: str
    page: str
    page_key: str
    day: dt.date | None
    parent: str | None
    """The parent block's id (same file), None at the top level."""
    position: int
    line: int
    level: int
    content: str
    marker: str | None = None
    priority: str | None = None
    uuid: str | None = None
    refs: tuple[str, ...] = ()
    """Page keys the block references (links, tags, property values and names)."""
    block_refs: tuple[str, ...] = ()
    properties: Mapping[str, str] = field(default_factory=dict)
    pre_block: bool = False

    @property
    def order(self) -> tuple[dt.date, str, int]:
        return (self.day or dt.date.min, self.file, self.position)


@dataclass(frozen=True)
class PageMeta:
    key: str
    name: str
    properties: Mapping[str, str]
    has_file: bool


@dataclass
class Task:
    text: str
    """The first line without marker and priority, as last written."""
    state: str
    """``done``, ``open`` or ``cancelled``: the latest occurrence's."""
    marker: str
    priority: str | None
    evidence: list[Row]
    """Every occurrence up to the window's end, oldest first."""
    window: DateWindow

    @property
    def days(self) -> list[dt.date]:
        return sorted({r.day for r in self.evidence if r.day})

    @property
    def first_seen(self) -> dt.date | None:
        days = self.days
        return days[0] if days else None

    @property
    def last(self) -> Row:
        return self.evidence[-1]

    @property
    def carried_over(self) -> bool:
        """Written on one day and seen again on a later one (copied, referred to, or closed there)."""
        return len(self.days) > 1

    @property
    def carried_in(self) -> bool:
        """Written before the window and taken up in it."""
        first = self.first_seen
        return bool(first and self.window.start and first < self.window.start)


@dataclass
class Paper:
    key: str
    """The page key (or, for a reading block with no page, the block's id)."""
    title: str
    page: str | None
    properties: dict[str, str]
    evidence: list[Row]
    read: bool = True

    @property
    def first_day(self) -> dt.date | None:
        days = [r.day for r in self.evidence if r.day]
        return min(days) if days else None


@dataclass
class Item:
    """A block listed in a section, with the heading block it sits under (when that is what
    made it count) and its children's first lines (the "why" of a failure, a goal's parts)."""

    row: Row
    heading: Row | None = None
    children: list[Row] = field(default_factory=list)


@dataclass
class Facts:
    window: DateWindow
    days: list[tuple[dt.date, str]]
    tasks: list[Task]
    sprint_page: str | None
    next_sprint_page: str | None
    opening: Row | None
    goals: list[Item]
    questions: list[Item]
    papers: list[Paper]
    other_reading: list[Paper]
    linked_papers: list[Paper]
    sections: dict[str, list[Item]]
    """``built``, ``failed``, ``learned``, ``next``: the blocks that say so."""
    time_logged: dt.timedelta
    clocked: list[tuple[Row, dt.timedelta]]
    older_open: list[Task] = field(default_factory=list)
    """Open tasks written before the window and not touched in it: the backlog, counted apart."""

    def tasks_in(self, state: str) -> list[Task]:
        return [t for t in self.tasks if t.state == state]


# -- text helpers ------------------------------------------------------------------------------


def visible_first_line(content: str) -> str:
    """The first line a reader sees: no property, scheduling or drawer lines."""
    for line in content.split("\n"):
        if line.strip() and not _PROPERTY_LINE.match(line) and not _HIDDEN_LINE.match(line):
            return line.strip()
    return ""


def clocked(content: str) -> dt.timedelta:
    return sum((dt.timedelta(hours=int(h), minutes=int(m), seconds=int(s or 0))
                for h, m, s in _CLOCK.findall(content)), dt.timedelta())


def _plain(value: str) -> str:
    """A property value without link brackets or ``#``: ``[[paper]]`` → ``paper``."""
    return value.strip().removeprefix("#").removeprefix("[[").removesuffix("]]").strip()


def _paper_typed(properties: Mapping[str, str]) -> bool:
    return any(_PAPER_TYPES.match(_plain(v)) for v in properties.get("type", "").split(","))


# -- tasks ---------------------------------------------------------------------------------------


def identify_tasks(window: DateWindow, rows: Sequence[Row], earlier: Sequence[Row]) -> tuple[list[Task], list[Task]]:
    """The window's tasks, each once: occurrences joined by their words or by block references;
    and the older tasks still open that the window never touched (the backlog, kept apart).

    ``rows`` are the window's blocks; ``earlier`` the task blocks before it (and blocks any task
    refers to), so a task carried in from the last sprint is recognised as the same task."""
    occurrences = sorted({r.rowid: r for r in [*earlier, *rows] if r.marker}.values(), key=lambda r: r.order)
    parent: dict[int, int] = {r.rowid: r.rowid for r in occurrences}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_key: dict[str, int] = {}
    by_uuid: dict[str, int] = {r.uuid.lower(): r.rowid for r in occurrences if r.uuid}
    for row in occurrences:
        key = task_key(row.content)
        if key and not _BLOCK_REF.fullmatch(key):
            if key in by_key:
                join(by_key[key], row.rowid)
            else:
                by_key[key] = row.rowid
        for target in [*row.block_refs, *(m.lower() for m in _BLOCK_REF.findall(task_text(row.content)))]:
            if target.lower() in by_uuid:
                join(by_uuid[target.lower()], row.rowid)
    groups: dict[int, list[Row]] = {}
    for row in occurrences:
        groups.setdefault(find(row.rowid), []).append(row)
    tasks, older = [], []
    for evidence in groups.values():
        last = evidence[-1]
        marker = (last.marker or "").upper()
        state = "done" if marker == "DONE" else "cancelled" if marker in CANCELLED else "open"
        worded = next((r for r in reversed(evidence) if not _BLOCK_REF.fullmatch(task_text(r.content))), last)
        priority = next((r.priority for r in reversed(evidence) if r.priority), None)
        task = Task(task_text(worded.content), state, marker, priority, evidence, window)
        if any(r.day and window.contains(r.day) for r in evidence):
            tasks.append(task)
        elif state == "open" and last.day:  # written before, never taken up in this window
            older.append(task)
    tasks.sort(key=lambda t: t.last.order)
    older.sort(key=lambda t: t.last.order)
    return tasks, older


# -- the outline ------------------------------------------------------------------------------


class Outline:
    """Parent and children of loaded rows (ids are unique within a file)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = sorted(rows, key=lambda r: r.order)
        self.by_id = {(r.file, r.id): r for r in self.rows}
        self.kids: dict[tuple[str, str], list[Row]] = {}
        for row in self.rows:
            if row.parent:
                self.kids.setdefault((row.file, row.parent), []).append(row)

    def parent(self, row: Row) -> Row | None:
        return self.by_id.get((row.file, row.parent)) if row.parent else None

    def children(self, row: Row) -> list[Row]:
        return self.kids.get((row.file, row.id), [])

    def ancestors(self, row: Row) -> list[Row]:
        out: list[Row] = []
        node = self.parent(row)
        while node is not None and len(out) < 64:
            out.append(node)
            node = self.parent(node)
        return out

    def descendants(self, row: Row) -> list[Row]:
        out: list[Row] = []
        for child in self.children(row):
            out.append(child)
            out.extend(self.descendants(child))
        return out


def _prose_block(row: Row) -> bool:
    """A block that can be quoted as a finding: has words, is not a task, query, embed or page properties."""
    return (not row.pre_block and not row.marker and bool(visible_first_line(row.content))
            and not any(mark in row.content for mark in _NOT_PROSE))


# -- sprint, goals and questions ------------------------------------------------------------


def sprint_page(rows: Sequence[Row], pages: Mapping[str, PageMeta]) -> str | None:
    """The sprint the window belongs to: the page the opening block links, else the sprint page the
    window links most (earlier first on a tie)."""
    counts: dict[str, int] = {}
    for row in rows:
        for key in row.refs:
            name = pages[key].name if key in pages else key
            if _SPRINTISH.search(name):
                counts[key] = counts.get(key, 0) + 1
    for row in rows:
        if _GOALS.search(visible_first_line(row.content)) and _STARTS.search(visible_first_line(row.content)):
            linked = [k for k in row.refs if k in counts]
            if linked:
                return linked[0]
    if not counts:
        return None
    return max(counts, key=lambda k: counts[k])


def next_sprint(key: str | None) -> str | None:
    """``sprint 15`` → ``sprint 16``: the page the next sprint's plans link."""
    if not key:
        return None
    m = re.fullmatch(r"(.*?)(\d+)", key)
    return f"{m.group(1)}{int(m.group(2)) + 1}" if m else None


def opening_block(candidates: Sequence[Row], sprint: str | None, first_day: dt.date | None) -> Row | None:
    """The block that opens the sprint: names its goals and links the sprint page or says it starts
    (the earliest such block), else a goals block on the window's first day."""
    for row in candidates:
        line = visible_first_line(row.content)
        if row.marker or not _GOALS.search(line):
            continue
        if (sprint and sprint in row.refs) or _STARTS.search(line):
            return row
    for row in candidates:
        if row.day == first_day and not row.marker and _GOALS.search(visible_first_line(row.content)) \
                and not row.parent:
            return row
    return None


def _question(row: Row) -> bool:
    line = visible_first_line(row.content)
    return (line.endswith("?") and not line.startswith(("\"", "“", "'"))) or bool(_QUESTION_WORDS.search(line))


# -- reading -------------------------------------------------------------------------------


def _paper_page(key: str, pages: Mapping[str, PageMeta]) -> bool:
    meta = pages.get(key)
    name = meta.name if meta else key
    return bool(_PAPER_NAME.match(name)) or bool(meta and _paper_typed(meta.properties))


def _reading_block(row: Row) -> bool:
    if row.marker or row.pre_block:
        return False
    if _paper_typed(row.properties) or _plain(row.properties.get("status", "")).lower() == "read":
        return True
    return bool(_READING.search(visible_first_line(row.content)))


def _title_of(row: Row) -> str:
    """A reading block's title: ``full-title::``/``title::``, an emphasised or quoted title in its
    first line (``*Introduction to Information Retrieval*``), else the first line."""
    for key in ("full-title", "title"):
        if row.properties.get(key):
            return _plain(row.properties[key])
    line = visible_first_line(row.content)
    m = _TITLE_IN_TEXT.search(line)
    if m:
        return next(g for g in m.groups() if g)
    return line


def reading(rows: Sequence[Row], outline: Outline,
            pages: Mapping[str, PageMeta]) -> tuple[list[Paper], list[Paper], list[Paper], set[int]]:
    """(papers read, other reading, paper pages linked but not read, the reading blocks' rowids)."""
    papers: dict[str, Paper] = {}
    other: list[Paper] = []
    used: set[int] = set()
    for row in rows:
        if not _reading_block(row) or any(_reading_block(a) for a in outline.ancestors(row)):
            continue
        used.add(row.rowid)
        own = [k for k in row.refs if _paper_page(k, pages)]
        if not own and _paper_typed(row.properties):
            # the block is about one paper: the one page its first line links is that paper
            written = [k.lower() for k in _LINK.findall(visible_first_line(row.content))]
            own = written if len(written) == 1 else []
        under = []
        for child in outline.descendants(row):
            listed = [k for k in child.refs if _paper_page(k, pages)]
            first = visible_first_line(child.content)
            if not listed and len(child.refs) == 1 and re.fullmatch(r"\[\[[^\]]+\]\]\.?", first):
                listed = list(child.refs)  # a child that is just a link: one item of a reading list
            under += [(k, child) for k in listed]
        found = [(k, row) for k in own] + under
        if not found:
            other.append(Paper(str(row.id), _title_of(row), None, dict(row.properties), [row]))
            continue
        for key, evidence in found:
            meta = pages.get(key)
            props = {**(dict(meta.properties) if meta else {}),
                     **({k: v for k, v in row.properties.items() if k != "type"} if evidence is row else {})}
            name = meta.name if meta else key
            if key in papers:
                if evidence not in papers[key].evidence:
                    papers[key].evidence.append(evidence)
                continue
            title = _plain(props.get("full-title") or props.get("title") or "") or _PAPER_NAME.sub("", name)
            papers[key] = Paper(key, title, name, props, [evidence])
    linked: dict[str, Paper] = {}
    for row in rows:
        for key in row.refs:
            if key not in papers and _paper_page(key, pages):
                meta = pages.get(key)
                name = meta.name if meta else key
                if key not in linked:
                    linked[key] = Paper(key, _PAPER_NAME.sub("", name), name,
                                        dict(meta.properties) if meta else {}, [], read=False)
                linked[key].evidence.append(row)
    return list(papers.values()), other, list(linked.values()), used


# -- everything ------------------------------------------------------------------------------


def compute(window: DateWindow, days: list[tuple[dt.date, str]], rows: Sequence[Row], earlier: Sequence[Row],
            pages: Mapping[str, PageMeta], page_rows: Callable[[str], list[Row]],
            referencing: Callable[[str], list[Row]]) -> Facts:
    """Every fact of the report.

    ``rows``: the window's journal blocks; ``earlier``: task blocks before the window (and blocks
    tasks refer to); ``pages``: what is known of the pages the rows link; ``page_rows(key)``: all
    blocks of a page; ``referencing(key)``: journal blocks up to the window's end that link a page
    (with the blocks of their pages, so their children are known)."""
    rows = sorted(rows, key=lambda r: r.order)
    outline = Outline(rows)
    tasks, older_open = identify_tasks(window, rows, earlier)
    sprint = sprint_page(rows, pages)
    following = next_sprint(sprint)
    if following and not any(following in r.refs for r in rows):
        following = None
    # the opening block may lie before the window (a weekly report in a sprint's second week)
    before = [r for r in referencing(sprint) if r.day and window.end and r.day <= window.end] if sprint else []
    opening_outline = Outline([*rows, *before]) if before else outline
    first_day = days[0][0] if days else None
    candidates = sorted({r.rowid: r for r in [*before, *rows]}.values(), key=lambda r: r.order)
    opening = opening_block(candidates, sprint, first_day)
    taken: set[int] = set()
    seen_text: set[str] = set()

    def fresh(row: Row) -> bool:
        """Not listed yet (by block, or by the same words elsewhere)."""
        text = " ".join(visible_first_line(row.content).casefold().split())
        if row.rowid in taken or text in seen_text:
            return False
        taken.add(row.rowid)
        seen_text.add(text)
        return True

    goals: list[Item] = []
    if opening is not None:
        taken.add(opening.rowid)
        goals.append(Item(opening, None, [c for c in opening_outline.children(opening) if fresh(c)]))
    if sprint and sprint in pages and pages[sprint].has_file:
        sprint_outline = Outline(page_rows(sprint))
        for row in sprint_outline.rows:
            if not row.parent and _prose_block(row) and fresh(row):
                goals.append(Item(row, None, [c for c in sprint_outline.children(row) if _prose_block(c) and fresh(c)]))
    questions: list[Item] = []
    for row in rows:
        if "question" in row.properties and fresh(row):
            questions.append(Item(row))
        elif _prose_block(row) and _QUESTION_HEADING.match(visible_first_line(row.content)):
            kids = [c for c in outline.children(row) if _prose_block(c) and fresh(c)]
            if kids:
                taken.add(row.rowid)
                questions.append(Item(row, None, kids))
    papers, other, linked, reading_rows = reading(rows, outline, pages)
    for row in rows:
        if row.rowid in reading_rows:
            taken.add(row.rowid)
    sections: dict[str, list[Item]] = {"built": [], "failed": [], "learned": [], "next": []}
    under_next: set[int] = set()
    if following:
        for row in rows:
            if following in row.refs and not row.marker and fresh(row):
                kids = [c for c in outline.descendants(row) if _prose_block(c)]
                under_next.update(c.rowid for c in kids)
                sections["next"].append(Item(row, None, [c for c in kids if fresh(c)]))
    for row in rows:
        if not _prose_block(row) or row.rowid in under_next:
            continue
        line = visible_first_line(row.content)
        if row.rowid not in taken and _question(row):
            if fresh(row):
                questions.append(Item(row))
            continue
        for name, heading in HEADINGS.items():
            if heading.match(line):
                kids = [c for c in outline.children(row) if _prose_block(c) and fresh(c)]
                if kids:
                    taken.add(row.rowid)
                    sections[name].extend(Item(c, row) for c in kids)
                break
    cancelled = {(t.last.file, t.last.id) for t in tasks if t.state == "cancelled"}
    for row in rows:
        if not _prose_block(row) or row.rowid in taken or row.rowid in under_next:
            continue
        line = visible_first_line(row.content)
        if _ENUMERATED.match(line) or (row.file, row.parent) in cancelled:
            continue  # an item of a plan; a cancelled task's reason is shown with the task
        for name in ("failed", "learned", "built"):
            if CUES[name].search(line):
                if fresh(row):
                    # a failure's children usually say why
                    why = [c for c in outline.children(row) if _prose_block(c) and fresh(c)] if name == "failed" else []
                    sections[name].append(Item(row, None, why))
                break
    for items in sections.values():
        items.sort(key=lambda item: item.row.order)
    questions.sort(key=lambda item: item.row.order)
    logged = [(r, clocked(r.content)) for r in rows if clocked(r.content)]
    total = sum((t for _, t in logged), dt.timedelta())
    return Facts(window, days, tasks, pages[sprint].name if sprint and sprint in pages else sprint,
                 pages[following].name if following and following in pages else following,
                 opening, goals, questions, papers, other, linked, sections, total,
                 sorted(logged, key=lambda p: -p[1]), older_open)
