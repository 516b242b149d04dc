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
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable

from notegraph.logseq.inline import HtmlIndex

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
_ANY_END = re.compile(r"[ \t]*#\+END_", re.IGNORECASE)
_DRAWER_END = re.compile(r"[ \t]*:END:[ \t]*\r?$", re.IGNORECASE)
_ANY_LATEX_END = re.compile(r".*\\end\{")
# Raw HTML that starts a line is looked for this many lines ahead at most.
HTML_LINES = 400


class LineIndex:
    """What :func:`construct_end` asks again and again about one list of lines, remembered.

    :meth:`next_line` answers "the first line from ``j`` on that closes this" and
    keeps the answer, so the same question from a later line reads on from there:
    a thousand unclosed drawers cost one reading of the lines after them, not one
    each. Raw HTML is looked for in one text of all the lines, read once.
    """

    __slots__ = ("lines", "_next", "_every", "_offsets", "_html")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._next: dict[str, tuple[int, int]] = {}
        self._every: dict[str, list[int]] = {}
        self._offsets: list[int] | None = None
        self._html: HtmlIndex | None = None

    def next_line(self, key: str, test: Callable[[str], object], start: int,
                  among: tuple[str, Callable[[str], object]] | None = None) -> int:
        """Index of the first line at or after ``start`` that passes ``test``, or -1.

        ``key`` names the test. ``among``: the name and test of a cheaper question
        whose lines include all that pass ``test``; only those lines are tested then.
        """
        known = self._next.get(key)
        if known is not None and known[0] <= start and (known[1] == -1 or known[1] >= start):
            return known[1]  # no line in [known[0], known[1]) passes
        lines = self.lines
        found = -1
        if among is None:
            for j in range(start, len(lines)):
                if test(lines[j]):
                    found = j
                    break
        else:
            every = self._every.get(among[0])
            if every is None:
                every = self._every[among[0]] = [j for j, line in enumerate(lines) if among[1](line)]
            for k in range(bisect_left(every, start), len(every)):
                if test(lines[every[k]]):
                    found = every[k]
                    break
        self._next[key] = (start, found)
        return found

    def offsets(self) -> list[int]:
        """Where each line starts in ``"\\n".join(lines)``, and one past its end."""
        if self._offsets is None:
            self._offsets = [0, *accumulate(len(line) + 1 for line in self.lines)]
        return self._offsets

    def html(self) -> HtmlIndex:
        if self._html is None:
            self._html = HtmlIndex("\n".join(self.lines))
        return self._html

    def html_window_end(self, index: int, col: int, stop: int) -> tuple[int, int, int] | None:
        """Where raw HTML at the first non-blank of ``lines[index][col:]`` ends.

        As :func:`~notegraph.logseq.inline.html_end` finds it in the window
        ``"\\n".join([lines[index][col:]] + lines[index + 1:min(index + HTML_LINES, stop)])``:
        (the end, the start of the window, the end of the window), as positions in
        the text of all the lines.
        """
        offsets = self.offsets()
        line = self.lines[index]
        lo = offsets[index] + col
        hi = offsets[min(index + HTML_LINES, stop)] - 1
        start = lo + len(line) - col - len(line[col:].lstrip(" \t"))
        end = self.html().end(start, lo, hi)
        return None if end is None else (end, lo, hi)

    def line_at(self, position: int) -> int:
        """The index of the line holding a position of the text of all the lines."""
        return bisect_right(self.offsets(), position) - 1


def _lazy_match(pattern: str, flags: int = 0) -> Callable[[str], object]:
    """``re.compile(pattern, flags).match``, compiled when first called: many names need no test."""
    compiled: list[re.Pattern[str]] = []

    def match(line: str) -> object:
        if not compiled:
            compiled.append(re.compile(pattern, flags))
        return compiled[0].match(line)

    return match


def construct_end(lines: list[str], index: int, col: int, known: LineIndex | None = None,
                  stop: int | None = None) -> int | None:
    """If a multi-line construct opens at ``lines[index][col:]``, the index of its last line.

    ``known`` remembers answers between calls about the same list: pass one when
    asking about many of its lines. ``stop``: look at ``lines[:stop]`` only.
    """
    if known is None:
        known = LineIndex(lines)
    n = len(lines) if stop is None else stop
    text = lines[index][col:].rstrip("\r")
    if text.lstrip(" \t").startswith("<"):
        found = known.html_window_end(index, col, n)
        # the last line: the one holding the end (or the window's last line, past it)
        return None if found is None else known.line_at(min(found[0], found[2]))
    end = -1
    if FENCE_OPEN.match(text):
        # mldoc closes a fence at the next line that starts with ``` or ~~~, whatever
        # opened it and whatever follows on that line.
        end = known.next_line("fence", FENCE_OPEN.match, index + 1)
    elif m := _BEGIN.match(text):
        name = m.group(1)
        closing = _lazy_match(r"[ \t]*#\+END_" + re.escape(name) + r"\b", re.IGNORECASE)
        end = known.next_line("end " + name, closing, index + 1, among=("any end", _ANY_END.match))
    elif (m := _DRAWER.match(text)) and m.group(1).upper() != "END":
        end = known.next_line("drawer end", _DRAWER_END.match, index + 1)
    elif m := _LATEX_BEGIN.match(text):
        name = m.group(1)
        latex_end = _lazy_match(r".*\\end\{" + re.escape(name) + r"\}")
        if text.find("\\end{") > 0 and latex_end(lines[index]):
            return index
        end = known.next_line("latex end " + name, latex_end, index + 1, among=("any latex end", _ANY_LATEX_END.match))
    return end if 0 <= end < n else None


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
    known = LineIndex(lines)
    offsets = known.offsets()
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
                end = construct_end(lines, i, title_at, known) if line[title_at:title_at + 1] in _OPENERS else None
                i = (end if end is not None else i) + 1
                continue
        if first in ("`", "~", "#", ":", "\\", "<"):
            end = construct_end(lines, i, 0, known)
            if end is not None:
                i = end + 1
                continue
        kind = lazy_kind(line)
        i = (lazy_end(kind, lines, i) if kind else i) + 1
    return headings
