"""Writing to the graph: quick capture into today's journal or a page.

Every write goes through the write protocol (:mod:`notegraph.logseq.disk`): the
block is appended to the file as it is at the moment of writing, under the
folder's lock, and the result is checked to read back as intended. New files
follow the graph's naming rules (``:journal/file-name-format``,
``:file/name-format``) and are refused while config.edn cannot be read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence
from pathlib import Path

from notegraph.errors import NotegraphError, UnsafeWriteError
from notegraph.logseq import dates, names
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.disk import update_note
from notegraph.logseq.graph import Graph, GraphFile
from notegraph.logseq.page import parse_page, parse_text
from notegraph.logseq.writer import append_block, render, replace_block
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
    return graph.file(f"{config.journals_dir}/{name}")


def page_file_for(graph: Graph, title: str) -> GraphFile:
    """The file of the page called ``title`` (or one of its aliases), or where a new one goes."""
    check_page_title(title)
    key = names.page_key(title)
    for page in graph.pages():
        if page.key == key or any(names.page_key(a) == key for a in page.aliases):
            return graph.file(page.file)
    body = names.file_body_for_title(title, graph.config.file_name_format)
    return graph.file(f"{graph.config.pages_dir}/{body}.md")


def check_page_title(title: str) -> None:
    """Refuse titles no file can be named after (a title starting with "." is escaped, as Logseq does)."""
    shown = names.display_name(title.strip())
    if not shown.strip("/ "):
        raise NotegraphError(f"{title!r} is not a page title: it is empty", 'name the page, e.g. -p "Reading list"')
    if any(c in title for c in "\x00\n\r") or any("\ud800" <= c <= "\udfff" for c in title):
        raise NotegraphError(f"{title!r} is not a page title: it holds a line break, a NUL byte or bytes that "
                             "are not UTF-8", "use a title on one line of plain text")


def block_text(text: str) -> str:
    """The text of a block to add, checked: never empty, never a NUL byte or undecodable bytes."""
    content = text.replace("\r\n", "\n").strip("\n")
    if not content.strip():
        raise NotegraphError("nothing to add: the text is empty", 'notegraph add "what you want to remember"')
    if "\x00" in content:
        raise NotegraphError("the text holds a NUL byte (\\0); it would make the whole file unreadable as text, "
                             "so nothing was added", "remove it first, e.g. `tr -d '\\000' < FILE | notegraph add -`")
    if any("\ud800" <= c <= "\udfff" for c in content):
        raise NotegraphError("the text is not valid UTF-8; nothing was added",
                             "convert it first, e.g. `iconv -f latin1 -t utf-8 FILE | notegraph add -`")
    return content


def refuse_unless_writable(page: Page) -> None:
    """Notes notegraph could not read losslessly (bad UTF-8, binary, over the parse limit) are read-only."""
    if not page.writable:
        raise UnsafeWriteError(f"{page.file} is read-only for notegraph: {'; '.join(page.errors)}",
                               f"nothing was written; `notegraph check` lists such files")


def refuse_guessed_new_file(config: GraphConfig, rel: str) -> None:
    """A new file's name and folder come from config.edn: never guess them when it cannot be read."""
    if config.errors:
        raise UnsafeWriteError(
            f"{rel} does not exist, and logseq/config.edn could not be read ({config.errors[0]}), so its name "
            "and folder would be guesses; nothing was written",
            "fix logseq/config.edn (Logseq shows what is wrong when it opens the graph), then try again")


def page_for_write(rel: str, raw: bytes | None, config: GraphConfig) -> Page:
    """The page a write starts from: the file's parsed bytes, or an empty page for a new file."""
    if raw is None:
        refuse_guessed_new_file(config, rel)
        return parse_text(rel, "", config)
    page = parse_page(rel, raw, config)
    refuse_unless_writable(page)
    return page


def capture(graph: Graph, text: str, *, page: str | None = None, day: dt.date | None = None,
            children: Sequence[str] = ()) -> Captured:
    """Append ``text`` as a new top-level block to a page, or to the journal of ``day`` (today),
    with ``children`` (block texts) under it."""
    content = block_text(text)
    if page is not None:
        file = page_file_for(graph, page)
    else:
        file = journal_file_for(graph, day or dt.date.today())
    updated: Page | None = None

    def append(raw: bytes | None) -> bytes:
        nonlocal updated
        updated = append_block(page_for_write(file.rel, raw, graph.config), content, graph.config)
        top = len(updated.blocks) - 1
        for child in children:
            updated = append_block(updated, block_text(child), graph.config, parent=top)
        return render(updated)

    written = update_note(file.path, append)
    assert updated is not None
    added = next(b for b in reversed(updated.blocks) if b.parent is None)
    return Captured(file.path, file.rel, updated.name, added.line, written.created)


def ensure_block_id(graph: Graph, rel: str, line: int, content: str) -> str | None:
    """The ``id::`` of the block with ``content`` at (or nearest to) ``line`` of ``rel``, adding
    one the way Logseq does when a block is first referenced. None when no block has that text
    any more (it changed since it was read): the caller links the page instead of guessing."""
    from notegraph.editor.assist import with_block_id

    found: str | None = None

    def change(raw: bytes | None) -> bytes | None:
        nonlocal found
        if raw is None:
            return None
        page = page_for_write(rel, raw, graph.config)
        # By its text, the nearest to where it was: an id added above it (another source of the
        # same answer, in the same file) moves it down a line.
        same = [i for i, block in enumerate(page.blocks) if block.content == content]
        if not same:
            return None
        index = min(same, key=lambda i: abs(page.blocks[i].line - line))
        with_id, found = with_block_id(content)
        return raw if with_id == content else render(replace_block(page, index, with_id, graph.config))

    update_note(graph.root / rel, change)
    return found
