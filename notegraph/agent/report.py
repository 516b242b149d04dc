"""The research-sprint report: code computes every fact, a model may only write prose over them.

The facts (:mod:`notegraph.agent.report_facts`) are the report; they stand alone, laid out as a
Logseq page. Prose is extra and checked: an Ollama model writes a short paragraph per section over
that section's facts, and only its sentences that cite a fact are kept, each citation becoming a
link to the day that holds it; the embedded model (Gemma 3 270M) writes one line per section,
shown only when it passes the same checks as Ask's prose (:func:`notegraph.agent.ask.prose_passes`)
— in practice it rarely does, and then the section has no prose.

Writing the page back must not change the graph it reports on: every quoted note goes through
:func:`notegraph.logseq.inert.inert`, so it reads the same in Logseq but creates no link, tag,
block ref, property or task. Decision: the refs the page does add are its page properties
(``type:: [[sprint-report]]``, ``sprint:: [[Sprint 15]]``, the property names), and one link per
listed fact to the journal day that holds it — so a day's linked references show what the report
took from it — and nothing else: no list of every day, no block refs, no links to the pages it
names. And since every query leaves pages of ``type:: [[sprint-report]]`` out by default
(:data:`notegraph.search.GENERATED_PAGES`), the report does not appear in search, Ask, backlinks,
prediction revisits or later reports unless asked for.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from notegraph.agent.ask import CITATION, attribute, check_citations, prompt, prose_passes
from notegraph.agent.extract import visible_lines, whole_sentences
from notegraph.agent.report_facts import Facts, Item, Paper, Row, Task, visible_first_line
from notegraph.task_identity import task_text
from notegraph.agent.sources import Source
from notegraph.errors import NotegraphError
from notegraph.llm import LLM, Message
from notegraph.logseq.inert import inert
from notegraph.search import Hit
from notegraph.timewindow import DateWindow

SECTION_TITLES = {
    "question": "The sprint's goals and questions",
    "read": "What was read",
    "built": "What was built and done",
    "failed": "What failed and why",
    "learned": "What was learned",
    "open": "Still open",
    "next": "Next",
    "tags": "Watched tags",
    "time": "Time logged",
    "pages": "Pages edited",
}
"""Every section a report can have, in the default order (``:notegraph/report-sections`` picks)."""
PROSE_SECTIONS = ("question", "read", "built", "failed", "learned", "open", "next")
THEMES = {
    "question": "what this sprint set out to do: its goals and open questions",
    "read": "what was read this sprint and what it said",
    "built": "what was built or done this sprint",
    "failed": "what failed this sprint, and why",
    "learned": "what was learned or decided this sprint",
    "open": "what is still open at the end of this sprint",
    "next": "what is planned for the next sprint",
}
_PAPER_PREFIX = re.compile(r"^(?:paper|papers|article|book)\s*[:/]\s*", re.IGNORECASE)
PROSE_SOURCES = 10
"""At most this many facts of a section go to the model (the first ones, in journal order)..."""
SMALL_MODEL_SOURCES = 5
"""...and this many to the embedded model, which writes one line (a longer prompt only costs time)."""
QUOTE_WORDS = 60
EMPTY = {"pages": "no page was edited in this period", "open": "no open task",
         "question": "no goals or open questions written down (a block naming the sprint's goals, a sprint "
                     "page or question:: properties would be listed here)"}


@dataclass
class Section:
    key: str
    title: str
    sources: list[Source] = field(default_factory=list)
    """The section's facts as numbered sources, for the model and its citations."""
    prose: str = ""
    rejected: str = ""
    """What the model wrote that failed the checks (kept for ``--json``)."""


@dataclass
class SprintReport:
    window: DateWindow
    facts: Facts
    sections: list[Section]
    tagged: dict[str, list[Row]]
    tags: dict[str, int]
    pages_edited: list[str]
    backend: str = ""
    model: str = ""
    extra_sections: list[Any] = field(default_factory=list)
    """Sections from plugins (:class:`notegraph.plugins.ReportSection`: a title and lines)."""
    prose_error: str = ""
    """Why the model stopped writing (it could not be reached); the facts are complete anyway."""
    ref_texts: dict[str, str] = field(default_factory=dict)
    """``((uuid))`` in quoted notes → the referenced block's first line."""

    @property
    def title(self) -> str:
        return report_title(self.window)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def report_title(window: DateWindow) -> str:
    """The page a report of ``window`` is saved as."""
    assert window.start and window.end
    return f"Sprint Report/{window.start.isoformat()} to {window.end.isoformat()}"


# -- quoting ---------------------------------------------------------------------------------


def _clip(text: str, words: int = QUOTE_WORDS) -> str:
    kept = text.split()
    return " ".join(kept[:words]) + (" …" if len(kept) > words else "")


_BLOCK_REF = re.compile(r"\(\(([0-9a-fA-F-]{36})\)\)")


def quote(row: Row, refs: Mapping[str, str] | None = None) -> str:
    """A block's first visible line (a task's without its marker), inert: it reads as written but
    creates no link, tag, property, block ref or task. A ``((uuid))`` shows the referenced block's
    words in quotes, as Logseq shows it; "…" says the note goes on."""
    line = task_text(row.content) if row.marker else visible_first_line(row.content)
    text = _clip(" ".join(_shown(line, refs or {}).split()))
    if not row.marker and len(visible_lines(row.content)) > 1 and not text.endswith("…"):
        text += " …"
    return inert(text)


def _shown(text: str, refs: Mapping[str, str]) -> str:
    def words(m: re.Match[str]) -> str:
        target = refs.get(m.group(1).lower())
        return f"“{_clip(target, 16)}”" if target else m.group(0)

    return _BLOCK_REF.sub(words, text)


def day_link(row: Row) -> str:
    return f"[[{row.page}]]"


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m"


# -- sources for the model ---------------------------------------------------------------------


def _hit(row: Row, heading: Row | None = None) -> Hit:
    """The fact as the model sees it: the line the report lists (no properties, drawers or marker —
    the section says whether it is done), under its heading. Short sources keep the embedded
    model's prompt, and so the report, quick."""
    line = task_text(row.content) if row.marker else visible_first_line(row.content)
    return Hit(row.rowid, row.id, row.page, row.page_key, row.file, row.line, line, row.marker, row.day,
               (visible_first_line(heading.content),) if heading else ())


def section_rows(key: str, facts: Facts) -> list[tuple[Row, Row | None]]:
    """The (block, heading) pairs a section's prose may cite, in the order they are listed."""
    out: list[tuple[Row, Row | None]] = []
    if key == "question":
        for item in facts.goals:
            out += [(item.row, None), *((c, item.row) for c in item.children)]
        out += [(item.row, None) for item in facts.questions]
    elif key == "read":
        out += [(p.evidence[0], None) for p in facts.papers + facts.other_reading if p.evidence]
    elif key == "built":
        out += [(t.last, None) for t in facts.tasks_in("done")]
        out += [(item.row, item.heading) for item in facts.sections["built"]]
    elif key == "open":
        out += [(t.last, None) for t in facts.tasks_in("open")]
    elif key in facts.sections:
        for item in facts.sections[key]:
            out.append((item.row, item.heading))
            out += [(c, item.row) for c in item.children]
    return out


def sources_for(key: str, facts: Facts, uuids: dict[int, str]) -> list[Source]:
    pairs = section_rows(key, facts)[:PROSE_SOURCES]
    return [Source(n, _hit(row, heading), uuids.get(row.rowid)) for n, (row, heading) in enumerate(pairs, start=1)]


def write_prose(section: Section, llm: LLM, cancel: threading.Event | None = None) -> None:
    """The section's prose over its facts (``section.prose``), or none: an Ollama model's cited
    sentences; the embedded model's one line when it passes Ask's checks (else ``rejected``)."""
    sources = section.sources
    if not sources:
        return
    theme = THEMES.get(section.key, section.title)
    if llm.backend == "embedded":
        sources = sources[:SMALL_MODEL_SOURCES]
        messages = prompt(f"In one sentence, {theme}?", sources, small=True)
        # "\n[" is the model starting to copy its numbered notes back (what Gemma 270M mostly does):
        # stop there rather than generate a copy that the checks would throw away
        written = "".join(llm.stream(messages, max_tokens=60, stop=("\n\n", "\n[", "Question:", "Notes:"),
                                     cancel=cancel))
        line, _, _ = check_citations(whole_sentences(" ".join(written.split())), sources)
        first = re.split(r"(?<=[.!?])\s+(?=\S)", line, maxsplit=1)[0] if line else ""
        cited = check_citations(first, sources)[1] or (attribute(first, sources) if first else [])
        if first and prose_passes(first, cited, sources, ""):
            section.prose = first if CITATION.search(first) else f"{first} " + "".join(f"[{s.n}]" for s in cited)
        else:
            section.rejected = written.strip() or "(no words of its own: it began by copying its notes, or stopped)"
        return
    question = (f"In a short paragraph (two to four sentences), say {theme}. Use only these notes and cite "
                f"the note each sentence rests on like [1].")
    messages = prompt(question, sources)
    messages = [*messages[:-1], Message("user", messages[-1].content + "\nCite the notes like [1].")]
    written = "".join(llm.stream(messages, max_tokens=220, cancel=cancel))
    text, _, _ = check_citations(whole_sentences(" ".join(written.split())), sources)
    # every claim linked: a sentence that cites no fact is not kept
    kept = [s for s in re.split(r"(?<=[.!?])\s+(?=\S)", text) if CITATION.search(s)]
    section.prose = " ".join(kept)
    if not kept:
        section.rejected = written.strip()


def write_all_prose(report: SprintReport, llm: LLM, *, on_section: Callable[[str], None] | None = None,
                    cancel: threading.Event | None = None) -> None:
    """Prose for each section in turn; a model that cannot be reached stops the prose, not the report."""
    report.backend, report.model = llm.backend, llm.model
    for section in report.sections:
        if cancel is not None and cancel.is_set():
            return
        if section.key not in PROSE_SECTIONS or not section.sources:
            continue
        if on_section:
            on_section(section.title)
        try:
            write_prose(section, llm, cancel)
        except NotegraphError as exc:
            report.prose_error = exc.message if hasattr(exc, "message") else str(exc)
            return


# -- the page ----------------------------------------------------------------------------------


def _cite_links(prose: str, section: Section) -> str:
    by_n = {s.n: s for s in section.sources}

    def swap(m: re.Match[str]) -> str:
        pages = dict.fromkeys(by_n[n].hit.page for n in (int(x) for x in re.split(r"\s*,\s*", m.group(1)))
                              if n in by_n)
        return " ".join(f"[[{page}]]" for page in pages)

    return CITATION.sub(swap, inert(prose))


def _task_line(task: Task, page: "_Page") -> str:
    first = task.first_seen
    since = f", first written {first.isoformat()}" if first and task.last.day and first < task.last.day else ""
    if task.state == "done":
        return f"{page.quote(task.last)} — done {day_link(task.last)}{since}"
    if task.state == "cancelled":
        return f"{page.quote(task.last)} — cancelled {day_link(task.last)}{since}"
    earliest = next((r for r in task.evidence if r.day and task.window.contains(r.day)), task.last)
    carried = f", carried from {first.isoformat()}" if task.carried_in and first else ""
    # "priority A", not "[#A]": Logseq reads a priority anywhere in a block and would make a ref of it
    return f"{page.quote(task.last)} — {task.marker}{', priority ' + task.priority if task.priority else ''}" \
           f", since {day_link(earliest)}{carried}"


def _paper_line(paper: Paper) -> str:
    details = []
    for key in ("authors", "year", "venue"):
        value = paper.properties.get(key)
        if value:
            details.append(_clip(" ".join(value.split()), 16))
    short = _PAPER_PREFIX.sub("", paper.page or "")
    name = f" ({paper.page})" if paper.page and short.lower() != paper.title.lower() else ""
    detail = f" — {', '.join(details)}" if details else ""
    return f"{inert(_clip(paper.title, 30) + name + detail)} — {day_link(paper.evidence[0])}"


class _Page:
    def __init__(self, indent: str, refs: Mapping[str, str]) -> None:
        self.indent = indent
        self.refs = refs
        self.lines: list[str] = []

    def quote(self, row: Row) -> str:
        return quote(row, self.refs)

    def bullet(self, level: int, text: str) -> None:
        self.lines.append(f"{self.indent * level}- {text}")

    def item(self, level: int, item: Item, children: int = 6) -> None:
        self.bullet(level, f"{self.quote(item.row)} — {day_link(item.row)}")
        for child in item.children[:children]:
            self.bullet(level + 1, self.quote(child))
        if len(item.children) > children:
            self.bullet(level + 1, f"and {len(item.children) - children} more on that day")


def overview(report: SprintReport) -> list[str]:
    facts = report.facts
    assert report.window.start and report.window.end
    done, still, gone = (len(facts.tasks_in(s)) for s in ("done", "open", "cancelled"))
    carried = sum(t.carried_over for t in facts.tasks)
    carried_in = sum(t.carried_in for t in facts.tasks)
    lines = [f"{len(facts.days)} journal days from {report.window.start.isoformat()} to "
             f"{report.window.end.isoformat()}",
             f"{_count(len(facts.tasks), 'task')}: {done} done, {still} still open, {gone} cancelled; {carried} "
             f"carried over from one day to a later one ({carried_in} from before {report.window.start.isoformat()})"
             + (f"; {_count(len(facts.older_open), 'older open task')} not touched" if facts.older_open else ""),
             f"{_count(len(facts.papers), 'paper')} read, {_count(len(facts.other_reading), 'other reading')}; "
             f"{_duration(facts.time_logged)} logged"]
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def render(report: SprintReport, indent: str = "\t", generated: dt.date | None = None) -> str:
    """The report as a Logseq page: page properties, then one block per section."""
    assert report.window.start and report.window.end
    facts = report.facts
    lines = ["type:: [[sprint-report]]"]
    if facts.sprint_page:
        lines.append(f"sprint:: [[{facts.sprint_page}]]")
    lines.append(f"period:: {report.window.start.isoformat()} to {report.window.end.isoformat()}")
    lines.append(f"model:: {inert(f'{report.backend} {report.model}'.strip()) or 'none (facts only)'}")
    if generated:
        lines.append(f"generated:: {generated.isoformat()}")
    lines.append("")
    page = _Page(indent, report.ref_texts)
    page.bullet(0, "## Overview")
    for line in overview(report):
        page.bullet(1, line)
    for section in report.sections:
        _render_section(page, report, section)
    for extra in report.extra_sections:
        page.bullet(0, f"## {inert(str(extra.title))}")
        for line in extra.lines or ["nothing this time"]:
            page.bullet(1, " ".join(str(line).split()))
    return "\n".join(lines + page.lines) + "\n"


def _render_section(page: _Page, report: SprintReport, section: Section) -> None:
    facts = report.facts
    key = section.key
    count = {"read": len(facts.papers), "built": len(facts.tasks_in("done")), "open": len(facts.tasks_in("open")),
             "failed": len(facts.sections["failed"]), "learned": len(facts.sections["learned"])}.get(key)
    page.bullet(0, f"## {section.title}" + (f" ({count})" if count is not None else ""))
    if section.prose:
        page.bullet(1, _cite_links(section.prose, section))
    empty = True
    if key == "question":
        for item in facts.goals:
            page.item(1, item, children=12)
        for item in facts.questions:
            asked = item.row.properties.get("question")
            if asked:  # a question:: property: the question is its value
                page.bullet(1, f"{page.quote(item.row)}: {inert(_clip(' '.join(asked.split())))} — {day_link(item.row)}")
            else:
                page.item(1, item)
        empty = not (facts.goals or facts.questions)
    elif key == "read":
        for paper in facts.papers:
            page.bullet(1, _paper_line(paper))
        if facts.other_reading:
            page.bullet(1, "Other reading")
            for paper in facts.other_reading:
                page.bullet(2, f"{inert(_clip(paper.title, 30))} — {day_link(paper.evidence[0])}")
        if facts.linked_papers:
            page.bullet(1, "Linked, with no reading notes in this period")
            for paper in facts.linked_papers:
                page.bullet(2, f"{inert(paper.page or paper.title)} — {day_link(paper.evidence[0])}")
        empty = not (facts.papers or facts.other_reading or facts.linked_papers)
    elif key == "built":
        for task in facts.tasks_in("done"):
            page.bullet(1, _task_line(task, page))
        _render_items(page, facts.sections["built"])
        empty = not (facts.tasks_in("done") or facts.sections["built"])
    elif key in ("failed", "learned", "next"):
        _render_items(page, facts.sections[key])
        empty = not facts.sections[key]
        if key == "next" and empty and facts.tasks_in("open"):
            page.bullet(1, "nothing written for the next sprint yet; the open tasks are above")
            return
    elif key == "open":
        for task in facts.tasks_in("open"):
            page.bullet(1, _task_line(task, page))
        for task in facts.tasks_in("cancelled"):
            page.bullet(1, "Cancelled: " + _task_line(task, page))
        if facts.older_open:  # the backlog: named without links, its days lie outside the period
            page.bullet(1, f"Older, not touched in this period ({len(facts.older_open)})")
            for task in facts.older_open:
                first = task.first_seen
                page.bullet(2, f"{page.quote(task.last)} — {task.marker}"
                               f"{', since ' + first.isoformat() if first else ''}")
        empty = not (facts.tasks_in("open") or facts.tasks_in("cancelled"))
    elif key == "tags":
        for tag, rows in report.tagged.items():
            page.bullet(1, f"{inert(tag)} ({len(rows)})")
            for row in rows:
                page.bullet(2, f"{page.quote(row)} — {day_link(row)}")
        empty = not report.tagged
    elif key == "time":
        entries = len(facts.clocked)
        page.bullet(1, f"{_duration(facts.time_logged)} in {entries} LOGBOOK {'entry' if entries == 1 else 'entries'}")
        for row, spent in facts.clocked[:10]:
            page.bullet(2, f"{page.quote(row)} ({_duration(spent)}) — {day_link(row)}")
        empty = False
    elif key == "pages":
        if report.pages_edited:
            page.bullet(1, inert(", ".join(report.pages_edited)))
        empty = not report.pages_edited
    if empty:
        page.bullet(1, EMPTY.get(key, "nothing in the journal for this"))


def _render_items(page: _Page, items: Sequence[Item]) -> None:
    """Items under the same heading block are listed under it once; others stand alone."""
    done: set[int] = set()
    for item in items:
        if item.heading is None:
            page.item(1, item)
            continue
        if item.heading.rowid in done:
            continue
        done.add(item.heading.rowid)
        page.bullet(1, f"{page.quote(item.heading)} — {day_link(item.heading)}")
        for sibling in items:
            if sibling.heading is not None and sibling.heading.rowid == item.heading.rowid:
                page.bullet(2, page.quote(sibling.row))
                for child in sibling.children[:3]:
                    page.bullet(3, page.quote(child))


# -- JSON ---------------------------------------------------------------------------------------


def _row_json(row: Row) -> dict[str, Any]:
    return {"date": row.day.isoformat() if row.day else None, "page": row.page, "file": row.file, "line": row.line,
            "id": row.id, **({"uuid": row.uuid} if row.uuid else {}), "marker": row.marker,
            "text": visible_first_line(row.content)}


def _item_json(item: Item) -> dict[str, Any]:
    return {**_row_json(item.row), "under": visible_first_line(item.heading.content) if item.heading else None,
            **({"question": item.row.properties["question"]} if "question" in item.row.properties else {}),
            "children": [visible_first_line(c.content) for c in item.children]}


def _paper_json(paper: Paper) -> dict[str, Any]:
    return {"title": paper.title, "page": paper.page, "read": paper.read,
            "properties": dict(paper.properties), "evidence": [_row_json(r) for r in paper.evidence]}


def as_json(report: SprintReport, generated: dt.date | None = None) -> dict[str, Any]:
    """Every computed fact and the prose, for scripts (``report … --json``)."""
    facts = report.facts
    assert report.window.start and report.window.end
    return {
        "title": report.title,
        "window": {"start": report.window.start.isoformat(), "end": report.window.end.isoformat()},
        "generated": generated.isoformat() if generated else None,
        "sprint_page": facts.sprint_page, "next_sprint_page": facts.next_sprint_page,
        "days": [{"date": d.isoformat(), "page": name} for d, name in facts.days],
        "counts": {"days": len(facts.days), "tasks": len(facts.tasks),
                   **{state: len(facts.tasks_in(state)) for state in ("done", "open", "cancelled")},
                   "carried_over": sum(t.carried_over for t in facts.tasks),
                   "carried_in": sum(t.carried_in for t in facts.tasks), "older_open": len(facts.older_open),
                   "papers_read": len(facts.papers), "other_reading": len(facts.other_reading),
                   "papers_linked_not_read": len(facts.linked_papers)},
        "tasks": [{"text": t.text, "state": t.state, "marker": t.marker, "priority": t.priority,
                   "first_seen": t.first_seen.isoformat() if t.first_seen else None,
                   "days": [d.isoformat() for d in t.days], "carried_over": t.carried_over,
                   "carried_in": t.carried_in, "evidence": [_row_json(r) for r in t.evidence]} for t in facts.tasks],
        "older_open_tasks": [{"text": t.text, "marker": t.marker, "first_seen": t.first_seen.isoformat() if t.first_seen
                              else None, "evidence": [_row_json(r) for r in t.evidence]} for t in facts.older_open],
        "goals": [_item_json(i) for i in facts.goals],
        "questions": [_item_json(i) for i in facts.questions],
        "papers": [_paper_json(p) for p in facts.papers],
        "other_reading": [_paper_json(p) for p in facts.other_reading],
        "papers_linked_not_read": [_paper_json(p) for p in facts.linked_papers],
        "findings": {key: [_item_json(i) for i in items] for key, items in facts.sections.items()},
        "tags": report.tags,
        "watched_tags": {tag: [_row_json(r) for r in rows] for tag, rows in report.tagged.items()},
        "time_logged": {"seconds": int(facts.time_logged.total_seconds()), "text": _duration(facts.time_logged),
                        "entries": [{**_row_json(r), "seconds": int(t.total_seconds())} for r, t in facts.clocked]},
        "pages_edited": report.pages_edited,
        "sections": [{"key": s.key, "title": s.title, "prose": s.prose, "rejected_prose": s.rejected,
                      "cites": [{"n": src.n, "page": src.hit.page, "line": src.hit.line, "file": src.hit.file}
                                for src in s.sources]} for s in report.sections],
        "plugin_sections": [{"title": str(e.title), "lines": [str(line) for line in e.lines]}
                            for e in report.extra_sections],
        "model": {"backend": report.backend or None, "model": report.model or None,
                  **({"error": report.prose_error} if report.prose_error else {})},
    }
