"""Tokenise one block's lines the way mldoc does: properties, timestamps, and text.

Text lines (blank ones included) group into paragraphs that end at the next
property drawer, code block, drawer, quote, list, table or HTML block. A
paragraph that opens with a timestamp (``SCHEDULED: <...>``) is a timestamp
paragraph: Logseq takes its SCHEDULED/DEADLINE dates and ignores its text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from notegraph.logseq.config import GraphConfig
from notegraph.logseq.outline import FENCE_OPEN, LineIndex, construct_end, lazy_end, lazy_kind
from notegraph.logseq.properties import PROPERTY_LINE, Property, parse_property

# SCHEDULED: <2024-01-31 Wed ...>: this head, then anything up to the ">" (not across a line end).
_TIMESTAMP_HEAD = re.compile(r"(SCHEDULED|DEADLINE):[ \t]*<(\d{4})-(\d{2})-(\d{2}) [A-Za-z]+", re.IGNORECASE)
_TIMESTAMP_STOP = re.compile(r"[>\n]")
# A paragraph whose first or second inline element is a timestamp.
_TIMESTAMP_START = re.compile(
    r"[ \t]*(?:[^\s\\_^\[*~`=$#]+[ \t]+)?"
    r"(?:(?:SCHEDULED|DEADLINE|CLOSED|CLOCK):[ \t]*)?[<\[]\d{4}-\d{2}-\d{2} [A-Za-z]+[^>\]\n]*[>\]]",
    re.IGNORECASE)
_REPEATER = re.compile(r"(\.\+|\+\+|\+)\d+[hdwmy]")
_PROPERTIES_DRAWER = re.compile(r"[ \t]*:PROPERTIES:[ \t]*$", re.IGNORECASE)
_DRAWER_PROPERTY = re.compile(r"[ \t]*:([^:\s]+):(.*)$")
_HR = re.compile(r"-{3,}[ \t]*")
_RAW_BEGIN = re.compile(r"[ \t]*#\+BEGIN_(QUERY|SRC|EXAMPLE|EXPORT|COMMENT)\b", re.IGNORECASE)


@dataclass(slots=True)
class Body:
    props: list[Property] = field(default_factory=list)
    inline_lines: list[str] = field(default_factory=list)
    scheduled: dt.date | None = None
    deadline: dt.date | None = None
    repeated: bool = False
    title: str = ""
    """The first line's inline text, when the first line is ordinary text."""


def scan_body(lines: list[str], first_col: int, config: GraphConfig) -> Body:
    """Walk a block's lines (the first one from ``first_col``) the way mldoc tokenises them.

    Text lines (blank ones included) group into paragraphs that end at the next
    property drawer, code block, drawer, quote, list or HTML block. A paragraph
    that opens with a timestamp (``SCHEDULED: <...>``) is a timestamp paragraph:
    Logseq takes its SCHEDULED/DEADLINE dates and ignores the rest of its text.
    """
    body = Body()
    have_props = False
    props_end = -1  # the line after the first property drawer: an adjacent drawer joins it
    i = 0
    n = len(lines)
    known = LineIndex(lines)
    paragraph: str | None = None  # None, "text" or "timestamps"
    while i < n:
        line = lines[i][first_col:] if i == 0 else lines[i]
        bare = line.rstrip("\r")
        kind = "quote" if i == 0 and bare.lstrip(" \t").startswith(">") else lazy_kind(bare) if i > 0 else ""
        if kind:
            paragraph = None
            last_line = lazy_end(kind, lines, i)  # it reads the lines after lines[i] only
            _scan_nested_text([line] + lines[i + 1:last_line + 1], body)
            i = last_line + 1
            continue
        pm = PROPERTY_LINE.match(bare)
        if pm:
            paragraph = None
            start = i
            drawer: list[Property] = []
            while i < n:
                line = lines[i][first_col:] if i == 0 else lines[i]
                pm = PROPERTY_LINE.match(line.rstrip("\r"))
                if not pm:
                    break
                prop = parse_property(pm.group(1), (pm.group(2) or "").strip(), config)
                if prop is not None:
                    drawer.append(prop)
                i += 1
            if not have_props:
                body.props = drawer
                have_props = True
                props_end = i
            elif props_end == start:
                body.props = body.props + drawer
                props_end = i
            continue
        stripped = bare.lstrip(" \t")
        if stripped[:1] == "<":
            # raw HTML in the window of this line (from first_col) and the 399 after it
            found = known.html_window_end(i, first_col if i == 0 else 0, n)
            if found is not None:
                end_at, _, window_end = found
                paragraph = None
                last = known.line_at(min(end_at, window_end))
                rest = "" if end_at >= window_end else lines[last][end_at - known.offsets()[last]:]
                if rest.strip():
                    # the rest of the line opens a paragraph: a timestamp after it is text
                    body.inline_lines.append(rest)
                    paragraph = "text"
                i = last + 1
                continue
        if stripped[:1] in ("`", "~", "#", ":", "\\"):
            end = construct_end([line] + lines[i + 1:], 0, 0) if i == 0 else construct_end(lines, i, 0, known)
            if end is not None:
                paragraph = None
                last = end + i if i == 0 else end
                if _PROPERTIES_DRAWER.match(bare):
                    # an org-style :PROPERTIES: drawer is a property drawer in markdown too
                    drawer = [prop for prop in (_drawer_property(ln, config) for ln in lines[i + 1:last]) if prop]
                    if not have_props:
                        body.props = drawer
                        have_props = True
                        props_end = last + 1
                    elif props_end == i:
                        body.props = body.props + drawer
                        props_end = last + 1
                    i = last + 1
                    continue
                if not (_RAW_BEGIN.match(bare) or FENCE_OPEN.match(bare) or stripped.startswith(":")
                        or stripped.startswith("\\begin")):
                    # #+BEGIN_QUOTE / NOTE / TIP ...: the inside is parsed text.
                    _scan_nested_text(lines[i + 1:last], body)
                i = last + 1
                continue
        if i == 0:
            body.title = line
            i += 1
            continue
        if stripped.startswith("[:"):
            paragraph = None  # inline hiccup at a line start is an element of its own
        if stripped.startswith("|") or _HR.fullmatch(stripped):
            # A table row or a rule: its own element, so it ends a paragraph.
            paragraph = None
            body.inline_lines.append(line)
            i += 1
            continue
        if paragraph is None:
            paragraph = "timestamps" if _TIMESTAMP_START.match(bare) else "text"
        if paragraph == "timestamps":
            _take_timestamps(bare, body)
        else:
            body.inline_lines.append(line)
        i += 1
    return body


def _drawer_property(line: str, config: GraphConfig) -> Property | None:
    m = _DRAWER_PROPERTY.match(line.rstrip("\r"))
    return parse_property(m.group(1), m.group(2).strip(), config) if m else None


def _scan_nested_text(lines: list[str], body: Body) -> None:
    """The lines of a quote, list or #+BEGIN block: text, except the blocks closed inside.

    A #+BEGIN block inside is read the same way, as the lines up to its end: a stack
    of such ranges rather than recursion, so that nesting has no depth limit.
    """
    known = LineIndex(lines)
    ranges = [(0, len(lines))]  # (from, to) left to read, the innermost last
    while ranges:
        i, stop = ranges.pop()
        while i < stop:
            line = lines[i]
            stripped = line.lstrip(" \t")
            if stripped[:1] in ("`", "~", "#", "\\"):
                end = construct_end(lines, i, 0, known, stop)
                if end is not None:
                    if not (_RAW_BEGIN.match(line) or FENCE_OPEN.match(line) or stripped.startswith("\\begin")):
                        ranges.append((end + 1, stop))  # after the block, once its inside is read
                        ranges.append((i + 1, end))
                        break
                    i = end + 1
                    continue
            body.inline_lines.append(line)
            i += 1


def _take_timestamps(line: str, body: Body) -> None:
    """The SCHEDULED and DEADLINE timestamps of a line.

    What ``re.finditer(HEAD + r"([^>\n]*)>", line)`` finds, but where no ">" follows a
    head, the line is read to its end once, not again for every head.
    """
    pos = 0
    stop_from, stop = -1, -1  # the first ">" or "\n" at or after stop_from (-1: none)
    while True:
        tm = _TIMESTAMP_HEAD.search(line, pos)
        if tm is None:
            return
        head_end = tm.end()
        if not (0 <= stop_from <= head_end and (stop == -1 or stop >= head_end)):
            m = _TIMESTAMP_STOP.search(line, head_end)
            stop_from, stop = head_end, m.start() if m is not None else -1
        if stop == -1 or line[stop] != ">":
            pos = tm.start() + 1
            continue
        pos = stop + 1
        try:
            day = dt.date(int(tm.group(2)), int(tm.group(3)), int(tm.group(4)))
        except ValueError:
            continue
        if tm.group(1).upper() == "SCHEDULED":
            body.scheduled = day
        else:
            body.deadline = day
        if _REPEATER.search(line, head_end, stop):
            body.repeated = True
