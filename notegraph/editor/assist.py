"""Help while typing a block: what the editor shows, what to complete, which link is under the cursor."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

# Logseq hides these while a block is edited; they must survive the edit untouched.
_HIDDEN_LINE = re.compile(r"^\s*(id|collapsed)::", re.IGNORECASE)
_OPEN_LINK = re.compile(r"\[\[([^\[\]]*)$")
_OPEN_TAG = re.compile(r"(?:^|(?<=[\s(]))#([^\s#,!?'\":\[\]()]*)$")
_LINK = re.compile(r"#\[\[([^\]]+)\]\]|\[\[([^\]]+)\]\]|(?<![\w#])#([^\s#,!?'\":\[\]()]+)|\(\(([0-9a-f-]{36})\)\)"
                   r"|(https?://[^\s)\]]+)")


@dataclass(frozen=True)
class HiddenLines:
    lines: tuple[tuple[int, str], ...]
    """(line number in the content, text) of each line kept out of the editor."""

    def restore(self, text: str) -> str:
        lines = text.split("\n")
        for number, line in self.lines:
            lines.insert(min(number, len(lines)), line)
        return "\n".join(lines)


def editable(content: str) -> tuple[str, HiddenLines]:
    """The text to put in the editor, and the ``id::``/``collapsed::`` lines to put back after."""
    shown, hidden = [], []
    for number, line in enumerate(content.split("\n")):
        if number > 0 and _HIDDEN_LINE.match(line):
            hidden.append((number, line))
        else:
            shown.append(line)
    return "\n".join(shown), HiddenLines(tuple(hidden))


@dataclass(frozen=True)
class Completing:
    kind: str
    """"page" after ``[[``, "tag" after ``#``."""
    partial: str


def completing(before_cursor: str) -> Completing | None:
    """What is being typed at the cursor, if it is a page link or a tag."""
    line = before_cursor.rsplit("\n", 1)[-1]
    m = _OPEN_LINK.search(line)
    if m:
        return Completing("page", m.group(1))
    m = _OPEN_TAG.search(line)
    if m:
        return Completing("tag", m.group(1))
    return None


def complete(before_cursor: str, after_cursor: str, what: Completing, name: str) -> tuple[str, str]:
    """(text before, text after) the cursor once ``name`` is chosen."""
    head = before_cursor[:len(before_cursor) - len(what.partial)]
    if what.kind == "page":
        tail = after_cursor[2:] if after_cursor.startswith("]]") else after_cursor
        return head + name + "]]", tail
    if any(c in name for c in " ,#[]"):
        return head + "[[" + name + "]]", after_cursor
    return head + name, after_cursor


@dataclass(frozen=True)
class LinkUnderCursor:
    kind: str
    """"page", "block" or "url"."""
    target: str


def link_at(line: str, column: int) -> LinkUnderCursor | None:
    """The page link, tag, block ref or URL the cursor is on (or right after)."""
    for m in _LINK.finditer(line):
        if m.start() <= column <= m.end():
            return _link(m)
    return None


def first_link(text: str) -> LinkUnderCursor | None:
    """The first page link, tag, block ref or URL in a block (Ctrl+O on a selected block)."""
    m = _LINK.search(text)
    return _link(m) if m else None


def _link(m: re.Match[str]) -> LinkUnderCursor:
    page = m.group(1) or m.group(2) or m.group(3)
    if page:
        return LinkUnderCursor("page", page)
    if m.group(4):
        return LinkUnderCursor("block", m.group(4))
    return LinkUnderCursor("url", m.group(5))


_ID_LINE = re.compile(r"^\s*id::\s*([0-9a-fA-F-]{36})\s*$", re.IGNORECASE)
_PROPERTY_LINE = re.compile(r"^\s*[A-Za-z0-9_-]+::(?:\s|$)")


def with_block_id(content: str) -> tuple[str, str]:
    """The block's content with an ``id::`` line, and that id: its own when it has one, else a new
    uuid written as Logseq writes it — after the first line and the property lines under it."""
    lines = content.split("\n")
    for line in lines[1:]:
        found = _ID_LINE.match(line)
        if found:
            return content, found.group(1).lower()
    block_id = str(uuid.uuid4())
    at = 1
    while at < len(lines) and _PROPERTY_LINE.match(lines[at]):
        at += 1
    lines.insert(at, f"id:: {block_id}")
    return "\n".join(lines), block_id
