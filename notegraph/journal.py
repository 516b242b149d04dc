"""Writing to the graph: quick capture into today's journal or a page.

Every write re-reads the file, edits one block's bytes (or appends one), checks
the result reads back as intended, and replaces the file atomically unless it
changed on disk in the meantime. New files follow the graph's naming rules
(``:journal/file-name-format``, ``:file/name-format``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from notegraph.errors import NotegraphError, UnsafeWriteError
from notegraph.logseq import dates, names
from notegraph.logseq.graph import Graph, GraphFile
from notegraph.logseq.content import decode
from notegraph.logseq.page import parse_text
from notegraph.logseq.writer import FileStamp, append_block, render, write_atomic
from notegraph.model import Page


@dataclass(frozen=True)
class Captured:
    """Where a captured block landed."""

    file: Path
    rel: str
    page: str
    line: int
    created_file: bool


def journal_file_for(graph: Graph, day: dt.date) -> GraphFile:
    """The journal file of ``day``: an existing one (in any known name format) or the configured name."""
    config = graph.config
    for file in graph.files():
        if not file.rel.startswith(config.journals_dir + "/"):
            continue
        body = names.file_body(file.rel.rsplit("/", 1)[-1])
        for pattern in dict.fromkeys((config.journal_file_name_format, "yyyy_MM_dd", "yyyy-MM-dd")):
            if dates.parse_date(body, pattern) == day:
                return file
    name = dates.format_date(day, config.journal_file_name_format) + ".md"
    rel = f"{config.journals_dir}/{name}"
    return GraphFile(graph.root / rel, rel)


def page_file_for(graph: Graph, title: str) -> GraphFile:
    """The file of the page called ``title`` (or one of its aliases), or where a new one goes."""
    key = names.page_key(title)
    for page in graph.pages():
        if page.key == key or any(names.page_key(a) == key for a in page.aliases):
            return GraphFile(graph.root / page.file, page.file)
    body = names.file_body_for_title(title, graph.config.file_name_format)
    rel = f"{graph.config.pages_dir}/{body}.md"
    return GraphFile(graph.root / rel, rel)


def _read(graph: Graph, file: GraphFile) -> tuple[Page, FileStamp | None]:
    try:
        raw = file.path.read_bytes()
    except FileNotFoundError:
        return parse_text(file.rel, "", graph.config), None
    except OSError as exc:
        raise NotegraphError(f"{file.rel} could not be read ({exc.strerror})",
                             "check the file's permissions") from exc
    text, bom, errors, writable = decode(raw)
    if not writable:
        raise UnsafeWriteError(f"{file.rel} is not valid UTF-8 text, so notegraph will not write to it",
                               f"fix or remove the file, then run `notegraph check {graph.root}`")
    return parse_text(file.rel, text, graph.config, bom=bom), FileStamp.of_bytes(raw)


def capture(graph: Graph, text: str, *, page: str | None = None, day: dt.date | None = None) -> Captured:
    """Append ``text`` as a new top-level block to a page, or to the journal of ``day`` (today)."""
    content = text.replace("\r\n", "\n").strip("\n")
    if not content.strip():
        raise NotegraphError("nothing to add: the text is empty", 'notegraph add "what you want to remember"')
    if page is not None:
        file = page_file_for(graph, page)
    else:
        file = journal_file_for(graph, day or dt.date.today())
    current, stamp = _read(graph, file)
    updated = append_block(current, content, graph.config)
    write_atomic(file.path, render(updated), stamp)
    added = updated.blocks[-1]
    return Captured(file.path, file.rel, updated.name, added.line, stamp is None)
