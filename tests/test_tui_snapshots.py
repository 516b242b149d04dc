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

SIZE = (110, 32)


@pytest.fixture
def app(demo_notebook: Callable[[str], Notebook]) -> NotegraphApp:
    return NotegraphApp(demo_notebook("2026-11-20"), watch=False)


async def idle(pilot: Any) -> None:
    for _ in range(200):
        if not any(w.is_running for w in pilot.app.workers):
            return
        await pilot.pause(0.1)


def settled(*keys: str) -> Callable[[Any], Any]:
    """Wait for the background index sync and model probe, stop the caret blinking, then press keys."""
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        for view in app.query(OutlineView):
            view.editor.cursor_blink = False
        for box in app.query(Input):
            box.cursor_blink = False
        for _ in range(300):
            if "model: embedded" in str(app.query_one("#status").content):
                break
            await pilot.pause(0.1)
        for key in keys:
            if key == "_":  # let a search finish before the next key
                await idle(pilot)
            else:
                await pilot.press(key)
        await idle(pilot)
        await pilot.pause(0.3)
    return run_before


def test_journal_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("down", "down"))


def test_search_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f3", *"tag:ai/predictions agents", "enter"))


def test_page_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f3", *"dark theme", "enter", "_", "enter"))


def test_reports_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f6"))


def test_help_screen(app: NotegraphApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("f1"))
