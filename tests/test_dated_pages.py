"""A date in a question or a search also finds what was written about that day on pages (issue 15):
a heading that links the day, a diary block that writes it out, and everything under them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from notegraph.search import Filters
from notegraph.timewindow import DateWindow
from tests.conftest import indexed_graph

FILES = {
    "journals/2023_03_28.md": "- standup moved to ten\n",
    "journals/2023_03_29.md": "- [[Mar 28th, 2023]] was when the vendor call slipped\n",
    "journals/2023_04_02.md": "- unrelated day\n",
    "pages/Project Falcon.md": (
        "- ## [[Mar 28th, 2023]]\n\t- agreed the falcon schema with Dana\n\t\t- nested detail of that day\n"
        "- ## [[Apr 2nd, 2023]]\n\t- falcon load test\n"),
    "pages/Diary.md": "- October 15, 2024\n\t- walked to the lighthouse\n- 2024-10-16\n\t- rain all day\n"
                      "- 15 Oct 2024 again, written the other way\n",
    "pages/Other.md": "- the lighthouse keeper's notes, undated\n",
}


def contents(notebook, window: DateWindow) -> set[str]:  # type: ignore[no-untyped-def]
    return {h.content for h in notebook.blocks(Filters(window=window))}


def test_a_day_takes_blocks_under_a_heading_that_links_it(tmp_path: Path) -> None:
    notebook = indexed_graph(tmp_path, FILES)
    day = dt.date(2023, 3, 28)
    found = contents(notebook, DateWindow(day, day))
    assert found == {"standup moved to ten", "[[Mar 28th, 2023]] was when the vendor call slipped",
                     "## [[Mar 28th, 2023]]", "agreed the falcon schema with Dana", "nested detail of that day"}


def test_a_day_written_out_in_prose_dates_the_block_and_its_children(tmp_path: Path) -> None:
    notebook = indexed_graph(tmp_path, FILES)
    day = dt.date(2024, 10, 15)
    assert contents(notebook, DateWindow(day, day)) == {
        "October 15, 2024", "walked to the lighthouse", "15 Oct 2024 again, written the other way"}
    day = dt.date(2024, 10, 16)
    assert contents(notebook, DateWindow(day, day)) == {"2024-10-16", "rain all day"}


def test_search_with_a_date_in_the_words_reads_the_window(tmp_path: Path) -> None:
    notebook = indexed_graph(tmp_path, FILES)
    text, filters = notebook.parse_query("lighthouse on october 15th 2024")
    assert filters.window == DateWindow(dt.date(2024, 10, 15), dt.date(2024, 10, 15))
    assert [h.content for h in notebook.search(text, filters)] == ["walked to the lighthouse"]


def test_open_ended_and_long_windows_stay_on_journal_days(tmp_path: Path) -> None:
    notebook = indexed_graph(tmp_path, FILES)
    assert contents(notebook, DateWindow(dt.date(2023, 4, 1), None)) == {"unrelated day"}
    long = contents(notebook, DateWindow(dt.date(2022, 1, 1), dt.date(2024, 12, 31)))
    assert "agreed the falcon schema with Dana" not in long and "standup moved to ten" in long
