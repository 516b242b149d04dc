"""Date windows in words."""

from __future__ import annotations

import datetime as dt

import pytest

from notegraph.errors import NotegraphError
from notegraph.timewindow import DateWindow, Sprints, parse_window, window_from_options, window_in_text

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


@pytest.mark.parametrize("question, start, end", [
    ("what did I note in october 2024?", "2024-10-01", "2024-10-31"),
    ("what did I jot down on October 2nd 2020?", "2020-10-02", "2020-10-02"),
    ("what did Priya say on 2 Oct 2020", "2020-10-02", "2020-10-02"),
    ("notes from March 2023", "2023-03-01", "2023-03-31"),
    ("what did I read in 2024?", "2024-01-01", "2024-12-31"),
    ("what happened on 2024-10-15", "2024-10-15", "2024-10-15"),
    ("what did I do on March 3rd?", "2026-03-03", "2026-03-03"),
    ("what did I do on December 3rd?", "2025-12-03", "2025-12-03"),  # not yet this year: last year's
])
def test_calendar_dates_in_a_question_keep_their_year(question: str, start: str, end: str) -> None:
    window, rest = window_in_text(question, dt.date(2026, 11, 22))
    assert window == DateWindow(dt.date.fromisoformat(start), dt.date.fromisoformat(end)), rest
    assert not any(c.isdigit() for c in rest)


@pytest.mark.parametrize("text", ["may I ask about the reranker", "how many of the 2024 papers", "February 30th 2024"])
def test_numbers_and_words_that_are_not_dates_stay_words(text: str) -> None:
    assert window_in_text(text, dt.date(2026, 11, 22)) == (None, text)


def test_the_search_box_reads_time_words_as_ask_does(demo_notebook) -> None:  # type: ignore[no-untyped-def]
    notebook = demo_notebook("2026-11-22")
    words, filters = notebook.parse_query("tag:meeting what did I note in november 2026")
    assert words == "what did I note" and filters.tags == ("meeting",)
    assert filters.window == DateWindow(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
