"""Journal dates in Logseq's formats (``MMM do, yyyy``, ``yyyy_MM_dd``, ...).

Logseq formats and parses journal titles and file names with cljs-time, whose
patterns are Joda-style: ``yyyy``, ``yy``, ``MMMM``, ``MMM``, ``MM``, ``M``,
``dd``, ``d``, ``do`` (day with an English ordinal), ``EEEE``/``EEE``/``E``
(weekday), text in single quotes, and anything else taken literally.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

MONTHS = ("January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Logseq tries these after the configured title format when it asks "is this page a journal?"
FALLBACK_TITLE_FORMATS = ("MMM do, yyyy", "yyyy-MM-dd", "yyyy_MM_dd")


def ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


@lru_cache(maxsize=64)
def _tokens(pattern: str) -> tuple[tuple[str, str], ...]:
    """Split a pattern into ("field", letters) and ("text", literal) tokens."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            end = pattern.find("'", i + 1)
            if end == -1:
                end = len(pattern)
            literal = pattern[i + 1:end] or "'"
            tokens.append(("text", literal))
            i = end + 1
            continue
        if c == "d" and pattern.startswith("do", i) and not pattern.startswith("dd", i):
            tokens.append(("field", "do"))
            i += 2
            continue
        if c.isascii() and c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            tokens.append(("field", pattern[i:j]))
            i = j
            continue
        tokens.append(("text", c))
        i += 1
    return tuple(tokens)


def format_date(day: dt.date, pattern: str) -> str:
    out: list[str] = []
    for kind, tok in _tokens(pattern):
        if kind == "text":
            out.append(tok)
        elif tok == "do":
            out.append(ordinal(day.day))
        elif tok[0] == "y":
            out.append(f"{day.year % 100:02d}" if len(tok) == 2 else f"{day.year:0{max(len(tok), 1)}d}")
        elif tok[0] == "M":
            if len(tok) >= 4:
                out.append(MONTHS[day.month - 1])
            elif len(tok) == 3:
                out.append(MONTHS[day.month - 1][:3])
            else:
                out.append(f"{day.month:0{len(tok)}d}")
        elif tok[0] == "d":
            out.append(f"{day.day:0{len(tok)}d}")
        elif tok[0] == "E":
            name = WEEKDAYS[day.weekday()]
            out.append(name if len(tok) >= 4 else name[:3])
        else:
            out.append(tok)
    return "".join(out)


@lru_cache(maxsize=64)
def _parser(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    for kind, tok in _tokens(pattern):
        if kind == "text":
            parts.append(re.escape(tok))
        elif tok == "do":
            parts.append(r"(?P<d>\d{1,2})(?:st|nd|rd|th)")
        elif tok[0] == "y":
            parts.append(r"(?P<yy>\d{2})" if len(tok) == 2 else r"(?P<y>\d{4})")
        elif tok[0] == "M":
            if len(tok) >= 3:
                # Like cljs-time, a month in text is read in full or abbreviated form.
                parts.append("(?P<mname>" + "|".join(MONTHS + tuple(m[:3] for m in MONTHS)) + ")")
            else:
                parts.append(r"(?P<m>\d{1,2})")
        elif tok[0] == "d":
            parts.append(r"(?P<d>\d{1,2})")
        elif tok[0] == "E":
            parts.append("(?:" + "|".join(WEEKDAYS + tuple(w[:3] for w in WEEKDAYS)) + ")")
        else:
            parts.append(re.escape(tok))
    return re.compile("".join(parts), re.IGNORECASE)


def parse_date(text: str, pattern: str) -> dt.date | None:
    """The date ``text`` spells in ``pattern``, or None when it is not one."""
    try:
        match = _parser(pattern).fullmatch(text.strip())
    except re.error:  # a pattern with a repeated field: not a usable date format
        return None
    if match is None:
        return None
    groups = match.groupdict()
    try:
        if groups.get("y"):
            year = int(groups["y"])
        elif groups.get("yy"):
            year = 2000 + int(groups["yy"])
        else:
            return None
        if groups.get("m"):
            month = int(groups["m"])
        elif groups.get("mname"):
            month = [m[:3].lower() for m in MONTHS].index(groups["mname"][:3].lower()) + 1
        else:
            return None
        return dt.date(year, month, int(groups["d"]))
    except (ValueError, KeyError, TypeError):
        return None


def parse_journal_title(title: str, title_format: str) -> dt.date | None:
    """Whether a page name is a journal day, the way Logseq decides it for links."""
    for pattern in dict.fromkeys((title_format, *FALLBACK_TITLE_FORMATS)):
        day = parse_date(title, pattern)
        if day is not None:
            return day
    return None
