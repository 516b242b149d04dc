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
from notegraph.logseq.inline import html_end
from notegraph.logseq.outline import FENCE_OPEN, construct_end, lazy_end, lazy_kind
from notegraph.logseq.properties import PROPERTY_LINE, Property, parse_property

_TIMESTAMP = re.compile(r"(SCHEDULED|DEADLINE):[ \t]*<(\d{4})-(\d{2})-(\d{2}) [A-Za-z]+([^>\n]*)>", re.IGNORECASE)
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
    paragraph: str | None = None  # None, "text" or "timestamps"
    while i < n:
        line = lines[i][first_col:] if i == 0 else lines[i]
        bare = line.rstrip("\r")
        kind = "quote" if i == 0 and bare.lstrip(" \t").startswith(">") else lazy_kind(bare) if i > 0 else ""
        if kind:
            paragraph = None
            last_line = lazy_end(kind, [line] + lines[i + 1:], 0) + i
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
            window = "\n".join([line] + lines[i + 1:i + 400])
            start = len(line) - len(line.lstrip(" \t"))
            end_at = html_end(window, start)
            if end_at is not None:
                paragraph = None
                last = i + window.count("\n", 0, end_at)
                rest = window[end_at:].split("\n", 1)[0]
                if rest.strip():
                    # the rest of the line opens a paragraph: a timestamp after it is text
                    body.inline_lines.append(rest)
                    paragraph = "text"
                i = last + 1
                continue
        if stripped[:1] in ("`", "~", "#", ":", "\\"):
            end = construct_end([line] + lines[i + 1:], 0, 0) if i == 0 else construct_end(lines, i, 0)
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
    """The lines of a quote, list or #+BEGIN block: text, except the blocks closed inside."""
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip(" \t")
        if stripped[:1] in ("`", "~", "#", "\\"):
            end = construct_end(lines, i, 0)
            if end is not None:
                if not (_RAW_BEGIN.match(line) or FENCE_OPEN.match(line) or stripped.startswith("\\begin")):
                    _scan_nested_text(lines[i + 1:end], body)
                i = end + 1
                continue
        body.inline_lines.append(line)
        i += 1


def _take_timestamps(line: str, body: Body) -> None:
    for tm in _TIMESTAMP.finditer(line):
        try:
            day = dt.date(int(tm.group(2)), int(tm.group(3)), int(tm.group(4)))
        except ValueError:
            continue
        if tm.group(1).upper() == "SCHEDULED":
            body.scheduled = day
        else:
            body.deadline = day
        if _REPEATER.search(tm.group(5)):
            body.repeated = True
