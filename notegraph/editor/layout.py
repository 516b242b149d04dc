"""Rows back to file text: untouched blocks byte for byte, the rest in the file's own style.

A row that came from a block of a parsed page and still has that block's text and
depth is written as the block's exact source. A row whose text changed is
re-rendered by the writer (unchanged lines keep their bytes). A row at a new depth
has its indentation rewritten line by line. New rows use the file's bullet
indentation and line endings. The result is parsed again and refused unless it
reads back as exactly these rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from notegraph.errors import UnsafeWriteError
from notegraph.logseq.writer import render_block_source
from notegraph.model import Block, Page
from notegraph.editor.outline import Row

Origins = Mapping[int, tuple[Page, int]]
"""Row key → (page, block index) the row was read from."""


def _fresh_source(content: str, level: int, indent: str, nl: str) -> str:
    lead = indent * (level - 1)
    lines = content.split("\n")
    text = lead + ("- " + lines[0] if lines[0] else "-")
    for line in lines[1:]:
        text += nl + (lead + "  " + line if line else "")
    return text + nl


def _reindent(source: str, old_lead: str, new_lead: str) -> str:
    out = []
    for line in source.splitlines(keepends=True):
        if line.startswith(old_lead) and line.strip():
            line = new_lead + line[len(old_lead):]
        out.append(line)
    return "".join(out)


def _row_source(row: Row, origin: tuple[Page, int] | None, style: Page) -> str:
    if origin is None:
        if row.pre:
            return row.content
        return _fresh_source(row.content, row.level, style.indent, style.newline)
    page, index = origin
    block: Block = page.blocks[index]
    if row.content == block.content and (row.level == block.level or row.pre):
        return page.text[block.start:block.end]
    source = render_block_source(page, block, row.content)
    if row.level != block.level and not row.pre:
        first = source.split("\n", 1)[0]
        old_lead = first[:len(first) - len(first.lstrip(" \t"))]
        source = _reindent(source, old_lead, style.indent * (row.level - 1))
    return source


def render_rows(rows: Sequence[Row], origins: Origins, style: Page) -> str:
    """The file text for ``rows``; ``style`` is the page whose indentation, line endings
    and final newline new text follows (the file as last read)."""
    parts = [_row_source(row, origins.get(row.key), style) for row in rows]
    nl = style.newline
    for k, part in enumerate(parts[:-1]):
        if not part.endswith("\n"):
            parts[k] = part + nl  # a block that was last (no final newline) moved up
    text = "".join(parts)
    if style.text and not style.text.endswith("\n"):
        if text.endswith(nl):
            text = text[:-len(nl)]  # the file had no final newline: keep it that way
    elif text and not text.endswith("\n"):
        text += nl
    return text


def check_reads_back(page: Page, rows: Sequence[Row]) -> None:
    """Refuse text that Logseq would not read as ``rows`` (say, a line typed as ``- x`` inside a block)."""
    got = [(b.content, 0 if b.pre_block else b.level, b.pre_block) for b in page.blocks]
    want = [(r.content, 0 if r.pre else r.level, r.pre) for r in rows]
    if got != want:
        raise UnsafeWriteError(
            "the outline would not read back as typed (a line inside a block starts a new block, "
            "or a code fence is left open), so it was not saved",
            "remove the '- ' or '#' at the start of that line, or close the ``` fence; "
            "your text stays in the editor")
