"""Journal date windows: ``--since 14d``, ``--from/--to``, ``last week``, ``this sprint``.

A window is an inclusive pair of dates. Words are matched case-insensitively;
"today" comes from the caller so tests and demos can pin it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from notegraph.errors import NotegraphError

_SPAN = re.compile(r"^\s*(?:last\s+|past\s+)?(\d+)\s*(d|day|days|w|wk|week|weeks|m|month|months|y|year|years)\s*$",
                   re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "a": 1, "an": 1}
_WORDY_SPAN = re.compile(r"^\s*(?:the\s+)?(?:last|past)\s+(" + "|".join(_NUMBER_WORDS) +
                         r")\s+(days?|weeks?|months?|years?)\s*$", re.IGNORECASE)
_PAST_UNIT = re.compile(r"^\s*(?:the\s+)?past\s+(day|week|month|year)\s*$", re.IGNORECASE)
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]


_MONTH_WORD = (r"(january|february|march|april|may|june|july|august|september|october|november|december"
               r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_DAY_YEAR = re.compile(rf"^{_MONTH_WORD}\s+{_ORDINAL},?\s+(\d{{4}})$")
_DAY_MONTH_YEAR = re.compile(rf"^{_ORDINAL}\s+(?:of\s+)?{_MONTH_WORD},?\s+(\d{{4}})$")
_MONTH_YEAR = re.compile(rf"^(?:in\s+)?{_MONTH_WORD},?\s+(\d{{4}})$")
_MONTH_DAY = re.compile(rf"^{_MONTH_WORD}\s+{_ORDINAL}$")
_YEAR = re.compile(r"^in\s+(\d{4})$")


def _month_number(word: str) -> int:
    word = word.lower().rstrip(".")
    return next(i for i, name in enumerate(_MONTHS, start=1) if name.startswith(word[:3]))


def _calendar_window(phrase: str, today: dt.date) -> "DateWindow | None":
    """A calendar date in words, years included: "October 2nd 2020", "2 Oct 2020", "october 2024",
    "in 2024", "March 3rd" (the last one that has been)."""
    try:
        if m := _MONTH_DAY_YEAR.match(phrase):
            day = dt.date(int(m.group(3)), _month_number(m.group(1)), int(m.group(2)))
            return DateWindow(day, day)
        if m := _DAY_MONTH_YEAR.match(phrase):
            day = dt.date(int(m.group(3)), _month_number(m.group(2)), int(m.group(1)))
            return DateWindow(day, day)
        if m := _MONTH_YEAR.match(phrase):
            year, month = int(m.group(2)), _month_number(m.group(1))
            return DateWindow(dt.date(year, month, 1), dt.date(year + (month == 12), month % 12 + 1, 1)
                              - dt.timedelta(days=1))
        if m := _MONTH_DAY.match(phrase):
            day = dt.date(today.year, _month_number(m.group(1)), int(m.group(2)))
            day = day if day <= today else day.replace(year=today.year - 1)
            return DateWindow(day, day)
        if m := _YEAR.match(phrase):
            return DateWindow(dt.date(int(m.group(1)), 1, 1), dt.date(int(m.group(1)), 12, 31))
    except ValueError:  # February 30th: not a day
        return None
    return None


@dataclass(frozen=True)
class DateWindow:
    start: dt.date | None
    end: dt.date | None

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def describe(self) -> str:
        if self.start and self.end:
            return f"{self.start} .. {self.end}"
        if self.start:
            return f"since {self.start}"
        if self.end:
            return f"until {self.end}"
        return "any day"


@dataclass(frozen=True)
class Sprints:
    """Sprints of ``days`` days, one of which started on ``anchor``."""

    anchor: dt.date
    days: int = 14

    def start_of(self, day: dt.date) -> dt.date:
        """The first day of the sprint ``day`` falls in."""
        return self.anchor + dt.timedelta(days=(day - self.anchor).days // self.days * self.days)


# A Monday; with 14-day sprints it puts sprint starts on every other Monday.
DEFAULT_SPRINT_ANCHOR = dt.date(2024, 1, 1)


def _span_days(amount: int, unit: str) -> int:
    unit = unit.lower()[0]
    return amount * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]


def parse_window(text: str, today: dt.date, sprints: Sprints | None = None) -> DateWindow:
    """A date window from words: ``14d``, ``2w``, ``last week``, ``this sprint``, ``2026-11-01``..."""
    phrase = " ".join(text.lower().split())
    sprints = sprints or Sprints(DEFAULT_SPRINT_ANCHOR)
    m = _SPAN.match(phrase)
    if m:
        return DateWindow(today - dt.timedelta(days=_span_days(int(m.group(1)), m.group(2)) - 1), today)
    m = _WORDY_SPAN.match(phrase)
    if m:
        return DateWindow(today - dt.timedelta(days=_span_days(_NUMBER_WORDS[m.group(1).lower()], m.group(2)) - 1),
                          today)
    m = _PAST_UNIT.match(phrase)
    if m:
        return DateWindow(today - dt.timedelta(days=_span_days(1, m.group(1)) - 1), today)
    monday = today - dt.timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    fixed = {
        "today": DateWindow(today, today),
        "yesterday": DateWindow(today - dt.timedelta(days=1), today - dt.timedelta(days=1)),
        "this week": DateWindow(monday, today),
        "last week": DateWindow(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        "this month": DateWindow(first_of_month, today),
        "last month": DateWindow((first_of_month - dt.timedelta(days=1)).replace(day=1),
                                 first_of_month - dt.timedelta(days=1)),
        "this year": DateWindow(today.replace(month=1, day=1), today),
        "this sprint": DateWindow(sprints.start_of(today), today),
        "last sprint": DateWindow(sprints.start_of(sprints.start_of(today) - dt.timedelta(days=1)),
                                  sprints.start_of(today) - dt.timedelta(days=1)),
    }
    if phrase in fixed:
        return fixed[phrase]
    calendar = _calendar_window(phrase, today)
    if calendar is not None:
        return calendar
    for prefix in ("in ", ""):
        if phrase.startswith(prefix) and phrase[len(prefix):] in _MONTHS:
            month = _MONTHS.index(phrase[len(prefix):]) + 1
            year = today.year if month <= today.month else today.year - 1
            start = dt.date(year, month, 1)
            end = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
            return DateWindow(start, min(end, today) if year == today.year and month == today.month else end)
    try:
        return DateWindow(dt.date.fromisoformat(phrase), today)
    except ValueError:
        pass
    raise NotegraphError(
        f"cannot read {text!r} as a date window",
        "use 14d, 2w, 3m, today, yesterday, this week, last week, this month, last month, "
        "this sprint, last sprint, a month name, or a date like 2026-11-01")


def window_from_options(since: str | None, from_: str | None, to: str | None, today: dt.date,
                        sprints: Sprints | None = None) -> DateWindow | None:
    """The window given by ``--since`` and/or ``--from``/``--to``, or None for no limit."""
    if not (since or from_ or to):
        return None
    window = parse_window(since, today, sprints) if since else DateWindow(None, None)
    start, end = window.start, window.end
    try:
        if from_:
            start = dt.date.fromisoformat(from_)
        if to:
            end = dt.date.fromisoformat(to)
    except ValueError as exc:
        raise NotegraphError(f"{exc}", "write dates as YYYY-MM-DD") from None
    if start and end and start > end:
        raise NotegraphError(f"the window starts ({start}) after it ends ({end})", "swap --from and --to")
    return DateWindow(start, end)


_NUMBERS = r"\d+|" + "|".join(k for k in _NUMBER_WORDS if k not in ("a", "an"))
_IN_TEXT = re.compile(
    r"\b(?:(?:in|during|over|for|from|on)\s+)?(?:the\s+)?("
    rf"{_MONTH_WORD}\s+{_ORDINAL},?\s+\d{{4}}|{_ORDINAL}\s+(?:of\s+)?{_MONTH_WORD},?\s+\d{{4}}"
    rf"|{_MONTH_WORD},?\s+\d{{4}}|in\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    rf"|(?:last|past)\s+(?:{_NUMBERS})\s+(?:days?|weeks?|months?|years?)"
    r"|(?:the\s+)?past\s+(?:day|week|month|year)"
    r"|today|yesterday|this\s+week|last\s+week|this\s+month|last\s+month|this\s+year|this\s+sprint|last\s+sprint"
    r"|in\s+(?:" + "|".join(_MONTHS) + r")"
    r")\b", re.IGNORECASE)


def window_in_text(text: str, today: dt.date, sprints: Sprints | None = None) -> tuple[DateWindow | None, str]:
    """A time expression inside a question ("what did I read in October?") and the question without it."""
    m = _IN_TEXT.search(text)
    if not m:
        return None, text
    phrase = m.group(1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", phrase):  # in a question, a date is that day
        try:
            day = dt.date.fromisoformat(phrase)
        except ValueError:
            return None, text
        rest = (text[:m.start()] + text[m.end():]).strip()
        return DateWindow(day, day), " ".join(rest.split())
    try:
        window = parse_window(re.sub(r"^(?:the\s+)", "", phrase, flags=re.IGNORECASE), today, sprints)
    except NotegraphError:
        return None, text
    rest = (text[:m.start()] + text[m.end():]).strip()
    return window, " ".join(rest.split())


_RELATIVE_DAY = re.compile(r"^([+-]\d+)$|^(\d+)\s+days?\s+ago$")


def parse_day(text: str, today: dt.date, sprints: Sprints | None = None) -> dt.date:
    """One day from what a person types: a date, today/yesterday/tomorrow, -3, 3 days ago,
    or the first day of a window (last week, this sprint, november)."""
    phrase = " ".join(text.lower().split())
    if phrase in ("", "today"):
        return today
    if phrase == "tomorrow":
        return today + dt.timedelta(days=1)
    m = _RELATIVE_DAY.match(phrase)
    if m:
        return today + dt.timedelta(days=int(m.group(1)) if m.group(1) else -int(m.group(2)))
    window = parse_window(phrase, today, sprints)
    if window.start is None:
        raise NotegraphError(f"cannot read {text!r} as a day", "type a date like 2026-11-01, yesterday or -3")
    return window.start
