"""Snapshots of each screen of the app on the demo graph (pytest-textual-snapshot).

After an intended change of the look, review the new screens and accept them with
``.venv/bin/python -m pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from textual.widgets import Input

from notegraph.notebook import Notebook
from notegraph.tui.app import NotegraphApp
from notegraph.tui.outline_view import OutlineView
from tests.waiting import settle, until

SIZE = (110, 32)


@pytest.fixture
def app(demo_notebook: Callable[[str], Notebook]) -> NotegraphApp:
    return NotegraphApp(demo_notebook("2026-11-20"), watch=False)


def settled(*steps: str | Callable[[Any], bool]) -> Callable[[Any], Any]:
    """Wait for the background index sync, block count and model probe, stop the caret blinking,
    then take the steps: a key is pressed and the app left to finish what it started (messages
    and workers, such as a search); a callable waits until it holds for the app."""
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        for view in app.query(OutlineView):
            view.editor.cursor_blink = False
        for box in app.query(Input):
            box.cursor_blink = False
        assert await until(pilot, lambda: "model: embedded" in str(app.query_one("#status").content))
        await settle(pilot, workers=True)
        for step in steps:
            if isinstance(step, str):
                await pilot.press(step)
            else:
                assert await until(pilot, lambda: step(app))
            await settle(pilot, workers=True)
        await pilot.wait_for_scheduled_animations()
    return run_before


def results_shown(app: Any) -> bool:
    """The search has shown its hits (Down then goes to the first)."""
    return any(getattr(item, "hit", None) for item in app.query_one("#search-results").children)


def test_journal_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("down", "down"))


def test_search_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f3", *"tag:ai/predictions agents", "enter"))


def test_page_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f3", *"dark theme", "enter", results_shown, "down", "enter"))


def test_reports_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f6"))


def test_help_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f1"))
