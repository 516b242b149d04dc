"""Write pages back: byte-exact for what we did not change, atomic on disk.

A parsed :class:`~notegraph.model.Page` keeps its text and every block's span,
so rendering is the concatenation of the spans and editing a block replaces
only that block's bytes. New text uses the file's own line endings and
indentation. Every edit is re-parsed before it is accepted: if the result
would not read back as intended (say, a line of the new text would start a
new block), the edit is refused instead of corrupting the outline.

Writing the bytes to disk is :mod:`notegraph.logseq.disk`'s job (the one write
protocol); this module only decides what the bytes are.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from notegraph.errors import UnsafeWriteError
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.page import parse_text
from notegraph.model import Block, Page

# A bullet and the one whitespace character after it: the reader takes the rest as content
# ("-  x" holds " x"), so new text written after this prefix reads back as typed.
_BULLET_PREFIX = re.compile(r"[ \t]*-(?:[ \t]|(?=\r?\n)|$)")


def render(page: Page) -> bytes:
    """The file's bytes for ``page``; identical to what was read for an unedited page."""
    if not page.writable:
        raise UnsafeWriteError(f"{page.file} cannot be written back",
                               "it was not read losslessly (see its errors in `notegraph check`)")
    return (b"\xef\xbb\xbf" if page.bom else b"") + page.text.encode("utf-8")


# ---------------------------------------------------------------------------
# rendering one block


@dataclass(frozen=True)
class _Source:
    """A block's source split the way its content was derived from it."""

    prefix: str
    """The first line up to the content: indentation, dash, spacing."""
    lines: list[tuple[str, str]]
    """Source lines that hold the content, as (text, line ending); line 0 without prefix."""
    continuation: str
    """What a new continuation line starts with."""
    trailer: str
    """What follows the content: the last line ending and any blank lines."""
    empty_bullet: bool
    """The bullet line is a bare "-": Logseq's content then starts with the next line, verbatim."""


def _split_source(page: Page, block: Block) -> _Source:
    raw = page.text[block.start:block.end]
    body = raw.rstrip("\r\n")
    trailer = raw[len(body):]
    parts = body.split("\n")
    lines = [(p[:-1], "\r\n") if p.endswith("\r") else (p, "\n") for p in parts]
    if block.pre_block:
        return _Source("", lines, "", trailer, False)
    first = lines[0][0]
    m = _BULLET_PREFIX.match(first)
    if m:
        prefix = m.group(0)
        continuation = prefix[:prefix.index("-")] + "  "
    else:  # "# heading" without a bullet: Logseq strips two characters from continuations
        prefix = first[:len(first) - len(first.lstrip(" \t"))]
        continuation = prefix + "  "
    width = len(continuation)
    for text, _ in lines[1:]:
        lead = text[:len(text) - len(text.lstrip(" \t"))]
        if text.strip() and len(lead) == width:
            continuation = lead  # the file's own spelling of this block's indentation
            break
    # Logseq strips "-" plus one whitespace character; when that character is the
    # line feed itself ("-\n"), the content starts with the next line, verbatim.
    empty_bullet = (bool(m) and first.lstrip(" \t") == "-" and lines[0][1] == "\n"
                    and len(lines) > 1)
    lines[0] = (first[len(prefix):], lines[0][1])
    return _Source(prefix, lines, continuation, trailer, empty_bullet)


def render_block_source(page: Page, block: Block, content: str) -> str:
    """The source text a block with ``content`` would have, in this file's style.

    Lines of the content that did not change keep their exact bytes (indentation,
    line endings); new or changed lines use the block's indentation and the file's
    line endings.
    """
    if block.pre_block:
        return content  # the pre-block's content is its raw source
    src = _split_source(page, block)
    nl = page.newline
    old_content = block.content.split("\n")
    new_content = content.split("\n")
    # Which source line holds content line k.
    offset = 1 if src.empty_bullet else 0
    out: list[tuple[str, str]] = []

    def fresh(k: int, text: str) -> tuple[str, str]:
        if k == 0 and not src.empty_bullet:
            if not text:
                return (src.prefix.rstrip(" \t"), nl)
            # a bare "-" (an empty block) needs its space back once it has text
            spaced = src.prefix if src.prefix[-1:] in (" ", "\t") or not src.prefix.endswith("-") else src.prefix + " "
            return (spaced + text, nl)
        return ((src.continuation + text) if text else "", nl)

    if len(old_content) + offset != len(src.lines):
        # The content is not line-for-line the source (Logseq turned an org :PROPERTIES:
        # drawer into `key:: value` lines): write every line afresh, as Logseq does.
        old_content = []
    matcher = difflib.SequenceMatcher(a=old_content, b=new_content, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset_k in range(j2 - j1):
            j = j1 + offset_k
            i = i1 + offset_k if tag == "equal" else None
            if i is not None and i + offset < len(src.lines):
                text, ending = src.lines[i + offset]
                if i + offset == 0:
                    text = src.prefix + text
                out.append((text, ending))
            else:
                out.append(fresh(j, new_content[j]))
    if src.empty_bullet:
        out.insert(0, (src.prefix.rstrip(" \t"), src.lines[0][1]))
    if not out:
        out = [fresh(0, "")]
    rendered = "".join(text + ending for text, ending in out[:-1]) + out[-1][0]
    return rendered + src.trailer


# ---------------------------------------------------------------------------
# edits


def _reparse(page: Page, text: str, config: GraphConfig) -> Page:
    return parse_text(page.file, text, config, bom=page.bom)


def replace_block(page: Page, index: int, content: str, config: GraphConfig) -> Page:
    """A new page where block ``index`` holds ``content``; every other byte unchanged."""
    if not page.writable:
        raise UnsafeWriteError(f"{page.file} is read-only for notegraph", "see its errors in `notegraph check`")
    block = page.blocks[index]
    source = render_block_source(page, block, content)
    text = page.text[:block.start] + source + page.text[block.end:]
    new = _reparse(page, text, config)
    _expect_same_outline(page, new, changed={index: content})
    return new


def append_block(page: Page, content: str, config: GraphConfig, *, parent: int | None = None) -> Page:
    """A new page with a block holding ``content`` added at the end (of ``parent``'s children)."""
    if not page.writable:
        raise UnsafeWriteError(f"{page.file} is read-only for notegraph", "see its errors in `notegraph check`")
    nl = page.newline
    text = page.text
    if parent is None:
        indent = ""
        insert_at = len(text)
    else:
        anchor = page.blocks[parent]
        last = _last_descendant(page, parent)
        insert_at = page.blocks[last].end
        m = _BULLET_PREFIX.match(page.text, anchor.start)
        own = page.text[anchor.start:m.end()].split("-", 1)[0] if m else ""
        indent = own + page.indent
    lines = content.split("\n")
    source = indent + "- " + lines[0] if lines[0] else indent + "-"
    for line in lines[1:]:
        source += nl + (indent + "  " + line if line else "")
    before = text[:insert_at]
    after = text[insert_at:]
    ends_with_newline = text.endswith("\n")
    if before and not before.endswith("\n"):
        before += nl
    # A new or empty file ends with a newline; otherwise follow what the file did (also when the
    # new block is a child of the file's last block: its final newline stays the last byte).
    if after or ends_with_newline or (parent is None and not text):
        source += nl
    new_text = before + source + after
    new = _reparse(page, new_text, config)
    added = content
    expected_index = len(page.blocks) if parent is None else _last_descendant(page, parent) + 1
    if page.blocks and not page.text.strip():
        expected_index = 0
    _expect_same_outline(page, new, inserted=(expected_index, added))
    return new


def _last_descendant(page: Page, index: int) -> int:
    last = index
    stack = [index]
    while stack:
        current = stack.pop()
        last = max(last, current)
        stack.extend(page.blocks[current].children)
    return last


def _expect_same_outline(old: Page, new: Page, *, changed: dict[int, str] | None = None,
                         inserted: tuple[int, str] | None = None) -> None:
    """Refuse an edit that would not read back as the intended outline."""
    expected = [(b.content, b.level, b.parent) for b in old.blocks]
    for index, content in (changed or {}).items():
        _, level, parent = expected[index]
        expected[index] = (content, level, parent)
    got = [(b.content, b.level, b.parent) for b in new.blocks]
    if inserted is not None:
        at, content = inserted
        expected = [(c, lvl, p if p is None or p < at else p + 1) for c, lvl, p in expected]
        if len(got) == len(expected) + 1 and got[at][0] == content:
            del got[at]
    if got != expected:
        raise UnsafeWriteError(
            "the edit would change the outline in ways that were not asked for "
            "(a line of the new text would start or merge blocks)",
            "keep each block's text free of lines that begin with '- ' or '#'")
