"""Date windows in words."""

from __future__ import annotations

import datetime as dt

import pytest

from notegraph.errors import NotegraphError
from notegraph.timewindow import DateWindow, Sprints, parse_window, window_from_options

TODAY = dt.date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize("text, start, end", [
    ("14d", "2026-11-10", "2026-11-23"), ("2w", "2026-11-10", "2026-11-23"), ("last 7 days", "2026-11-17", "2026-11-23"),
    ("the last two weeks", "2026-11-10", "2026-11-23"), ("past month", "2026-10-25", "2026-11-23"),
    ("today", "2026-11-23", "2026-11-23"), ("yesterday", "2026-11-22", "2026-11-22"),
    ("this week", "2026-11-23", "2026-11-23"), ("last week", "2026-11-16", "2026-11-22"),
    ("this month", "2026-11-01", "2026-11-23"), ("last month", "2026-10-01", "2026-10-31"),
    ("in October", "2026-10-01", "2026-10-31"), ("december", "2025-12-01", "2025-12-31"),
    ("2026-11-01", "2026-11-01", "2026-11-23"),
])
def test_phrases(text: str, start: str, end: str) -> None:
    assert parse_window(text, TODAY) == DateWindow(dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def test_sprints() -> None:
    sprints = Sprints(dt.date(2026, 10, 26), 14)
    assert parse_window("this sprint", TODAY, sprints) == DateWindow(dt.date(2026, 11, 23), TODAY)
    assert parse_window("last sprint", TODAY, sprints) == DateWindow(dt.date(2026, 11, 9), dt.date(2026, 11, 22))
    assert sprints.start_of(dt.date(2026, 10, 1)) == dt.date(2026, 9, 28)  # before the anchor too


def test_options_combine_and_validate() -> None:
    assert window_from_options(None, None, None, TODAY) is None
    assert window_from_options("14d", None, "2026-11-20", TODAY) == DateWindow(dt.date(2026, 11, 10),
                                                                                dt.date(2026, 11, 20))
    with pytest.raises(NotegraphError):
        window_from_options(None, "2026-11-20", "2026-11-01", TODAY)
    with pytest.raises(NotegraphError) as excinfo:
        parse_window("next blue moon", TODAY)
    assert "14d" in (excinfo.value.hint or "")
