"""Keys in bursts (typed fast, or on a busy machine) land in order, in the right block or box.

Each test sends its keys the way a terminal delivers a burst (:func:`tests.waiting.burst`: all
at once, none waiting for the one before) and then checks the file on disk or the widget.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

from notegraph.notebook import Notebook
from notegraph.tui.app import NotegraphApp
from notegraph.tui.outline_view import OutlineView
from tests.waiting import burst, settle, toast_shows, until

DAY = "journals/2026_11_20.md"


def app_test(scenario: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test scenario to the end (the suite has no async plugin)."""
    @functools.wraps(scenario)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(scenario(*args, **kwargs))

    return run


@pytest.fixture
def demo(indexed_demo: Notebook, monkeypatch: pytest.MonkeyPatch) -> Notebook:
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    return Notebook.open(indexed_demo.root)


def changed_lines(before: bytes, after: bytes) -> list[tuple[str, str]]:
    """(old, new) for each line that differs, when no line was added or removed."""
    old, new = before.decode().split("\n"), after.decode().split("\n")
    assert len(old) == len(new), "lines were added or removed"
    return [(a, b) for a, b in zip(old, new) if a != b]


async def saved(pilot: Any, path: Path, before: bytes) -> bytes:
    """The file once the app has saved a change to it."""
    assert await until(pilot, lambda: path.read_bytes() != before)
    app = pilot.app
    for view in app.main_query(OutlineView):
        view.flush()
    await settle(pilot)
    return path.read_bytes()


@app_test
async def test_a_key_right_after_down_lands_in_the_block_moved_to(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    app = NotegraphApp(demo, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "down", "X")
        after = await saved(pilot, path, before)
    [(old, new)] = changed_lines(before, after)
    assert old.startswith("\t- Went… fine!")  # the second block, not the first
    assert new.count("X") == old.count("X") + 1 and new.replace("X", "", 1) == old.replace("X", "", 0)


@app_test
async def test_end_after_many_downs_types_at_the_end_of_the_block_reached(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    app = NotegraphApp(demo, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, *["down"] * 20, "end", "Z")
        view = app.main_query_one("#journal-outline", OutlineView)
        first_line = view.editor.text.split("\n", 1)[0]
        after = await saved(pilot, path, before)
    [(old, new)] = changed_lines(before, after)
    assert new == old + "Z" and first_line.endswith("Z")  # the end of the block's first line, not a SCHEDULED line


@app_test
async def test_a_burst_after_f3_goes_into_the_search_box(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    app = NotegraphApp(demo, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "f3", "ctrl+a", "ctrl+k", "F", "T", "S", "5")
        assert app.main_query_one("#search-input").value == "FTS5"
    assert path.read_bytes() == before


@app_test
async def test_typing_before_a_day_switch_stays_in_the_day_it_was_typed_in(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    previous = demo.root / "journals/2026_11_19.md"
    previous_before = previous.read_bytes()
    app = NotegraphApp(demo, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "end", "a", "b", "c", "alt+left", "x", "y")
        for view in app.main_query(OutlineView):
            view.flush()
        await settle(pilot)
        assert await until(pilot, lambda: previous.read_bytes() != previous_before)
    [(old, new)] = changed_lines(before, path.read_bytes())
    assert new == old + "abc"
    assert b"xy" in previous.read_bytes() and b"abc" not in previous.read_bytes()


@app_test
async def test_a_bug_in_a_handler_is_a_notification_and_the_app_goes_on(
        demo: Notebook, monkeypatch: pytest.MonkeyPatch, expected_app_errors: list[BaseException]) -> None:
    from notegraph.tui import app as app_module

    def broken(self: NotegraphApp) -> None:
        raise RuntimeError("a bug in showing the day's title")

    app = NotegraphApp(demo, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app_module.NotegraphApp, "show_day_title", broken)
        await burst(pilot, "alt+left")
        assert await until(pilot, lambda: toast_shows(app, "a bug in showing"))
        monkeypatch.undo()
        await burst(pilot, "alt+right", "end", "!")  # still alive, and the keys still land
        assert app.is_running and app.main_query_one("#journal-outline", OutlineView).editor.text.endswith("!")
    assert [str(e) for e in expected_app_errors] == ["a bug in showing the day's title"]
    log = Path(demo.settings.state_dir) / "app-errors.log"
    assert "RuntimeError: a bug in showing" in log.read_text() and "Traceback" in log.read_text()


@app_test
async def test_the_palette_opened_and_closed_in_a_burst_takes_keys_in_order(demo: Notebook) -> None:
    from textual.command import CommandPalette

    path = demo.root / DAY
    before = path.read_bytes()
    app = NotegraphApp(demo, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "ctrl+p", "escape", "end", "a", "ctrl+p", "N", "e", "x", "t", " ", "d", "a", "y")
        assert await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert await until(pilot, lambda: palette_input(app) == "Next day")
        await burst(pilot, "escape", "b")
        assert not isinstance(app.screen, CommandPalette)
        view = app.main_query_one("#journal-outline", OutlineView)
        assert view.editor.text.endswith("ab")  # typed before the palette and after it, nothing from inside it
        view.flush()
    [(old, new)] = changed_lines(before, path.read_bytes())
    assert new == old + "ab"


def palette_input(app: Any) -> str:
    from textual.command import CommandInput

    try:
        return str(app.screen.query_one(CommandInput).value)
    except Exception:
        return ""
