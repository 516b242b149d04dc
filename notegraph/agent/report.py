"""The research-sprint report: code gathers every fact, the model only writes prose over it.

Facts (journal days, tasks done and open, blocks under watched tags, pages edited,
LOGBOOK time, questions asked) come from the index. For each prose section, the
blocks of the window that match the section's theme are the evidence; the model
summarises them in a sentence or two, citing ``[n]``, and the citations become
links to the evidence (``[[journal day]]``, or ``((uuid))`` when the block has an
``id::``). Every evidence bullet links its block, so the report is useful even
when the model writes nothing of value.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from notegraph.agent.ask import CITATION, check_citations, prompt
from notegraph.agent.sources import Source
from notegraph.agent.extract import is_prose
from notegraph.embed.context import TAG, TAG_LINK
from notegraph.llm import LLM, Message
from notegraph.search import ALL_MARKERS, OPEN_MARKERS, Filters, Hit
from notegraph.timewindow import DateWindow

THEMES = (
    ("What was read", "reading a paper, an article or a book: what it says"),
    ("What was built", "built, implemented, wrote code, prototype, shipped"),
    ("What failed and why", "problem, bug, failed, broke, did not work, because"),
    ("What was learned", "learned, takeaway, insight, realised, lesson, conclusion"),
)
EVIDENCE_PER_SECTION = 6
RELEVANT = 0.2
_CLOCK = re.compile(r"CLOCK:\s*\[[^\]]*\]--\[[^\]]*\]\s*=>\s*(\d+):(\d\d):(\d\d)")
_MARKER = re.compile(r"^(?:" + "|".join(ALL_MARKERS) + r")\s+(?:\[#[ABC]\]\s+)?")

Search = Callable[[str, Filters, int], list[Hit]]
Blocks = Callable[[Filters, int], list[Hit]]


@dataclass
class Evidence:
    hit: Hit
    uuid: str | None = None
    note: str = ""
    """Extra fact shown with it (a duration)."""


@dataclass
class Section:
    title: str
    evidence: list[Evidence] = field(default_factory=list)
    prose: str = ""


@dataclass
class SprintReport:
    window: DateWindow
    journal_days: list[tuple[dt.date, str]]
    sections: list[Section]
    tasks_done: list[Evidence]
    tasks_open: list[Evidence]
    tagged: dict[str, list[Evidence]]
    pages_edited: list[str]
    time_logged: dt.timedelta
    backend: str
    model: str
    extra_sections: list[Any] = field(default_factory=list)
    """Sections from plugins (:class:`notegraph.plugins.ReportSection`: a title and lines)."""

    @property
    def title(self) -> str:
        assert self.window.start and self.window.end
        return report_title(self.window)


def report_title(window: DateWindow) -> str:
    """The page a report of ``window`` is saved as."""
    assert window.start and window.end
    return f"Sprint Report/{window.start.isoformat()} to {window.end.isoformat()}"


def quote(text: str) -> str:
    """A block's first line, safe to repeat as a bullet: no task marker, no tag (the report must
    not count as a task or a tagged block), no ``key::`` that would read as a property."""
    line = text.split("\n", 1)[0].strip()
    line = _MARKER.sub("", line)
    line = TAG.sub(lambda m: m.group(1), TAG_LINK.sub(lambda m: m.group(1), line))
    line = line.lstrip("#").strip()
    return line.replace("::", ": :")


def clocked(content: str) -> dt.timedelta:
    return sum((dt.timedelta(hours=int(h), minutes=int(m), seconds=int(s))
                for h, m, s in _CLOCK.findall(content)), dt.timedelta())


def gather(window: DateWindow, journal_days: list[tuple[dt.date, str]], search: Search, blocks: Blocks,
           uuids: Callable[[list[int]], dict[int, str]], report_tags: tuple[str, ...],
           pages_edited: list[str]) -> tuple[list[Section], list[Evidence], list[Evidence], dict[str, list[Evidence]],
                                             dt.timedelta]:
    """Every fact of the report, computed from the index."""
    in_window = Filters(window=window)
    everything = blocks(in_window, 100_000)
    ids = uuids([h.rowid for h in everything])

    def ev(hit: Hit, note: str = "") -> Evidence:
        return Evidence(hit, ids.get(hit.rowid), note)

    done = [ev(h) for h in blocks(Filters(window=window, markers=("DONE",)), 200)]
    still_open = [ev(h) for h in blocks(Filters(window=window, markers=OPEN_MARKERS), 200)]
    tagged = {tag: [ev(h) for h in blocks(Filters(tags=(tag,), window=window), 50)] for tag in report_tags}
    questions = [ev(h) for h in everything if quote(h.content).endswith("?") and not h.marker][:12]
    time_logged = sum((clocked(h.content) for h in everything), dt.timedelta())
    sections = [Section("The sprint's questions", questions)]
    for title, theme in THEMES:
        hits = [h for h in search(theme, in_window, EVIDENCE_PER_SECTION * 2)
                if (h.score or 0) >= RELEVANT and not h.marker and "{{query" not in h.content
                and "#+BEGIN_QUERY" not in h.content][:EVIDENCE_PER_SECTION]
        sections.append(Section(title, [ev(h) for h in hits]))
    sections.append(Section("Questions for the next sprint", still_open[:EVIDENCE_PER_SECTION]))
    logged = sorted(((clocked(h.content), h) for h in everything if clocked(h.content)), key=lambda p: -p[0])
    sections.append(Section("Time logged", [ev(h, _duration(t)) for t, h in logged[:10]]))
    return sections, done, still_open, tagged, time_logged


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m"


def write_prose(section: Section, llm: LLM, cancel: threading.Event | None = None) -> str:
    """One or two sentences over the section's evidence, citations checked; empty when there is none."""
    if not section.evidence:
        return ""
    sources = [Source(n, e.hit, e.uuid) for n, e in enumerate(section.evidence, start=1)]
    small = llm.backend == "embedded"
    question = f"In one or two sentences, what does this sprint's journal say under '{section.title}'?"
    messages = prompt(question, sources, small=small)
    if not small:
        messages = [*messages[:-1], Message("user", messages[-1].content + "\nCite the notes like [1].")]
    text = "".join(llm.stream(messages, max_tokens=120, stop=("\n\n",) if small else (), cancel=cancel))
    cleaned, _, _ = check_citations(" ".join(text.split()), sources)
    return cleaned if is_prose(cleaned, sources) else ""


def link(evidence: Evidence) -> str:
    ref = f" (({evidence.uuid}))" if evidence.uuid else ""
    return f"[[{evidence.hit.page}]]{ref}"


def _cite_links(prose: str, section: Section) -> str:
    def swap(m: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r"\s*,\s*", m.group(1))]
        return " ".join(link(section.evidence[n - 1]) for n in numbers if 0 < n <= len(section.evidence))
    return CITATION.sub(swap, prose)


def render(report: SprintReport, indent: str = "\t", generated: dt.date | None = None) -> str:
    """The report as a Logseq page: page properties, then one block per section."""
    assert report.window.start and report.window.end
    days = report.journal_days
    period = f"[[{days[0][1]}]] to [[{days[-1][1]}]]" if days else \
        f"{report.window.start.isoformat()} to {report.window.end.isoformat()}"
    lines = ["type:: [[sprint-report]]", f"period:: {period}", f"model:: {report.backend} {report.model}"]
    if generated:
        lines.append(f"generated:: {generated.isoformat()}")
    lines.append("")

    def bullet(level: int, text: str) -> None:
        lines.append(f"{indent * level}- {text}")

    bullet(0, "## Overview")
    bullet(1, f"{len(days)} journal days, {len(report.tasks_done)} tasks done, {len(report.tasks_open)} still open, "
              f"{_duration(report.time_logged)} logged")
    if days:
        bullet(1, "Days: " + ", ".join(f"[[{name}]]" for _, name in days))
    for section in report.sections:
        bullet(0, f"## {section.title}")
        if section.prose:
            bullet(1, _cite_links(section.prose, section))
        if not section.evidence:
            bullet(1, "nothing in the journal for this")
        for e in section.evidence:
            bullet(1, f"{quote(e.hit.content)}{' (' + e.note + ')' if e.note else ''} — {link(e)}")
    for title, items in (("Tasks done", report.tasks_done), ("Open tasks", report.tasks_open)):
        bullet(0, f"## {title} ({len(items)})")
        for e in items:
            bullet(1, f"{quote(e.hit.content)} — {link(e)}")
    for tag, items in report.tagged.items():
        bullet(0, f"## Blocks tagged {tag} ({len(items)})")
        for e in items:
            bullet(1, f"{quote(e.hit.content)} — {link(e)}")
    if report.pages_edited:
        bullet(0, f"## Pages edited ({len(report.pages_edited)})")
        bullet(1, ", ".join(f"[[{name}]]" for name in report.pages_edited))
    for extra in report.extra_sections:
        bullet(0, f"## {extra.title}")
        for line in extra.lines or ["nothing this time"]:
            bullet(1, " ".join(str(line).split()))
    return "\n".join(lines) + "\n"
