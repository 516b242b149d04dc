"""Split a Logseq markdown file into blocks, where mldoc would.

A block starts at a bullet line (``- x`` at any indentation) or a markdown
heading at column 0 (``# x``). A line that looks like a bullet is *not* a new
block when it sits inside a multi-line construct that mldoc consumes whole:
a fenced code block, a ``#+BEGIN_X ... #+END_X`` block, a drawer
(``:LOGBOOK: ... :END:``), a LaTeX environment, or YAML front matter at the
top of the file. Such a construct may also start on the bullet line itself
(``- ```python``). An unclosed construct is plain text, as in mldoc.

Each block's span runs from its line start to the next block's line start,
so concatenating the spans (after the pre-block) gives back the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

from notegraph.logseq.inline import html_end

_BULLET = re.compile(r"([ \t]*)-(?=[ \t\r\n\x0c]|$)")
_MD_HEADING = re.compile(r"[ \t]*(#+)(?=[ \t\r\n\x0c]|$)")
# Quotes, list items and footnote definitions take in the lines after them (markdown's
# "lazy continuation"); nothing in there is a property or a timestamp.
LAZY_START = re.compile(r"[ \t]*(?:(>)|([*+](?:[ \t]|$)|\d+\.(?:[ \t]|$))|(\[\^[^\]\s]+\]:))")
_DASH_SPACE = re.compile(r"[ \t]*-(?: |\r?$)")


def lazy_kind(line: str) -> str:
    """``quote``, ``list`` or ``footnote`` when ``line`` opens one, else ``""``."""
    m = LAZY_START.match(line)
    if m is None:
        return ""
    return "quote" if m.group(1) else "list" if m.group(2) else "footnote"


def lazy_end(kind: str, lines: list[str], start: int) -> int:
    """Index of the last line of the quote, list or footnote that opens at ``lines[start]``.

    ``- x`` (a dash and a space) always ends it: that is a new block. Otherwise, as
    mldoc parses them, a list runs on over lines that start with whitespace (blank
    ones with spaces included) and stops at an empty line or a line at column 0; a
    quote stops at a blank line or a ``# heading`` and takes in anything else; a
    footnote definition stops at a blank line or any block.
    """
    j = start + 1
    while j < len(lines):
        line = lines[j].rstrip("\r")
        if _DASH_SPACE.match(line):
            break
        if kind == "list":
            if not line or not line[0].isspace():
                break
        elif not line.strip() or _MD_HEADING.match(line):
            break
        elif kind == "footnote" and _BULLET.match(line):
            break
        j += 1
    return j - 1


MARKERS = ("TODO", "DOING", "WAITING", "WAIT", "DONE", "CANCELED", "CANCELLED",
           "STARTED", "IN-PROGRESS", "NOW", "LATER")
# A marker must be followed by a space, or end the file: "- TODO\n" is a block titled "TODO".
_MARKER = re.compile(r"[ \t]+(" + "|".join(MARKERS) + r")(?= |\Z)")
_PRIORITY = re.compile(r"[ \t]+\[#(.)\]")
_HEADING_SIZE = re.compile(r"[ \t]*(#+)(?=[ \t\r\n\x0c]|$)")

FENCE_OPEN = re.compile(r"[ \t]*(```|~~~)")
_BEGIN = re.compile(r"[ \t]*#\+BEGIN_(\S+)", re.IGNORECASE)
_DRAWER = re.compile(r"[ \t]*:([A-Za-z][\w-]*):[ \t]*$")
_LATEX_BEGIN = re.compile(r"[ \t]*\\begin\{([^}]+)\}")


@dataclass(slots=True)
class Heading:
    """Where one block starts, with what its first line says."""

    start: int
    """Character offset of the block's first line."""
    line: int
    """0-based line number."""
    level_spaces: int
    """mldoc's level: indentation characters + 1 for bullets, 1 for ``# x`` headings."""
    unordered: bool
    """True for bullets, False for ``# x`` headings without a bullet."""
    size: int | None
    """Markdown heading size (number of ``#``), or None."""
    marker: str | None
    priority: str | None
    title_offset: int
    """Offset in the line where the title text starts."""


# First characters of the multi-line constructs (fence, #+BEGIN, drawer, LaTeX, HTML).
_OPENERS = frozenset("`~#:\\<")


def construct_end(lines: list[str], index: int, col: int) -> int | None:
    """If a multi-line construct opens at ``lines[index][col:]``, the index of its last line."""
    text = lines[index][col:].rstrip("\r")
    if text.lstrip(" \t").startswith("<"):
        return _html_construct_end(lines, index, col)
    if FENCE_OPEN.match(text):
        # mldoc closes a fence at the next line that starts with ``` or ~~~, whatever
        # opened it and whatever follows on that line.
        for j in range(index + 1, len(lines)):
            if FENCE_OPEN.match(lines[j]):
                return j
        return None
    m = _BEGIN.match(text)
    if m:
        end = re.compile(r"[ \t]*#\+END_" + re.escape(m.group(1)) + r"\b", re.IGNORECASE)
        for j in range(index + 1, len(lines)):
            if end.match(lines[j]):
                return j
        return None
    m = _DRAWER.match(text)
    if m and m.group(1).upper() != "END":
        for j in range(index + 1, len(lines)):
            if re.match(r"[ \t]*:END:[ \t]*\r?$", lines[j], re.IGNORECASE):
                return j
        return None
    m = _LATEX_BEGIN.match(text)
    if m:
        end = re.compile(r".*\\end\{" + re.escape(m.group(1)) + r"\}")
        for j in range(index, len(lines)):
            if end.match(lines[j]) and (j > index or text.find("\\end{") > 0):
                return j
        return None
    return None


def _html_construct_end(lines: list[str], index: int, col: int) -> int | None:
    """Raw HTML that starts a line swallows every line up to its closing tag."""
    text = lines[index][col:]
    start = len(text) - len(text.lstrip(" \t"))
    # Only look a bounded distance ahead: an unclosed tag must not cost O(n^2).
    window = "\n".join([text] + lines[index + 1:index + 400])
    end = html_end(window, start)
    if end is None:
        return None
    return index + window.count("\n", 0, end)


def front_matter_end(lines: list[str]) -> int | None:
    if not lines or lines[0].rstrip("\r") != "---":
        return None
    for j in range(1, len(lines)):
        if lines[j].rstrip("\r") == "---":
            return j
    return None


def parse_heading_line(line: str, *, at_eof: bool = False) -> tuple[int, bool, int | None, str | None, str | None, int] | None:
    """Read a block's first line: (level_spaces, unordered, size, marker, priority, title offset).

    ``line`` excludes its line ending; ``at_eof`` says no line ending followed it.
    """
    m = _BULLET.match(line)
    if m:
        level_spaces = len(m.group(1)) + 1
        unordered = True
        pos = m.end()
        size_m = _HEADING_SIZE.match(line, pos)
        size = len(size_m.group(1)) if size_m else None
        if size_m:
            pos = size_m.end()
    else:
        m = _MD_HEADING.match(line)
        if not m:
            return None
        level_spaces = 1
        unordered = False
        size = len(m.group(1))
        pos = m.end()
    marker = priority = None
    mm = _MARKER.match(line if at_eof else line + "\n", pos)
    if mm:
        marker = mm.group(1)
        pos = mm.end()
    pm = _PRIORITY.match(line, pos)
    if pm:
        priority = pm.group(1)
        pos = pm.end()
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    return level_spaces, unordered, size, marker, priority, pos


def split_headings(lines: list[str]) -> list[Heading]:
    """Every block start in a file given as lines (each without its ``\\n``)."""
    headings: list[Heading] = []
    skip_until = front_matter_end(lines)
    if skip_until is None:
        skip_until = -1
    offsets = [0, *accumulate(len(line) + 1 for line in lines)]
    i = skip_until + 1
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.lstrip(" \t")
        first = stripped[:1]
        if first == "-" or first == "#":
            parsed = parse_heading_line(line, at_eof=i == n - 1)
            if parsed is not None:
                level_spaces, unordered, size, marker, priority, title_at = parsed
                headings.append(Heading(offsets[i], i, level_spaces, unordered, size, marker, priority, title_at))
                if line.startswith(">", title_at):  # a quote as the title takes in what follows
                    i = lazy_end("quote", lines, i) + 1
                    continue
                end = construct_end(lines, i, title_at) if line[title_at:title_at + 1] in _OPENERS else None
                i = (end if end is not None else i) + 1
                continue
        if first in ("`", "~", "#", ":", "\\", "<"):
            end = construct_end(lines, i, 0)
            if end is not None:
                i = end + 1
                continue
        kind = lazy_kind(line)
        i = (lazy_end(kind, lines, i) if kind else i) + 1
    return headings
