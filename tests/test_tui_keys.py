"""Keys in bursts (typed fast, or on a busy machine) land in order, in the right block or box.

Each test sends its keys the way a terminal delivers a burst (:func:`tests.waiting.burst`: all
at once, none waiting for the one before) and then checks the file on disk or the widget.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

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


@contextlib.asynccontextmanager
async def started(notebook: Notebook, **options: Any) -> AsyncIterator[tuple[NotegraphApp, Any]]:
    """The app on ``notebook``, 120x40, once it has handled everything its start set off."""
    app = NotegraphApp(notebook, watch=False)
    async with app.run_test(**{"size": (120, 40), **options}) as pilot:
        await settle(pilot)
        yield app, pilot


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
    async with started(demo) as (app, pilot):
        await burst(pilot, "down", "X")
        after = await saved(pilot, path, before)
    [(old, new)] = changed_lines(before, after)
    assert old.startswith("\t- Went… fine!")  # the second block, not the first
    assert new.count("X") == old.count("X") + 1 and new.replace("X", "", 1) == old.replace("X", "", 0)


@app_test
async def test_end_after_many_downs_types_at_the_end_of_the_block_reached(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
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
    async with started(demo) as (app, pilot):
        await burst(pilot, "f3", "ctrl+a", "ctrl+k", "F", "T", "S", "5")
        assert app.main_query_one("#search-input").value == "FTS5"
    assert path.read_bytes() == before


@app_test
async def test_typing_before_a_day_switch_stays_in_the_day_it_was_typed_in(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    previous = demo.root / "journals/2026_11_19.md"
    previous_before = previous.read_bytes()
    async with started(demo) as (app, pilot):
        await burst(pilot, "end", "a", "b", "c", "ctrl+pageup", "x", "y")
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

    async with started(demo, notifications=True) as (app, pilot):
        monkeypatch.setattr(app_module.NotegraphApp, "show_day_title", broken)
        await burst(pilot, "ctrl+pageup")
        assert await until(pilot, lambda: toast_shows(app, "a bug in showing"))
        monkeypatch.undo()
        await burst(pilot, "ctrl+pagedown", "end", "!")  # still alive, and the keys still land
        assert app.is_running and app.main_query_one("#journal-outline", OutlineView).editor.text.endswith("!")
    assert [str(e) for e in expected_app_errors] == ["a bug in showing the day's title"]
    log = Path(demo.settings.state_dir) / "app-errors.log"
    assert "RuntimeError: a bug in showing" in log.read_text() and "Traceback" in log.read_text()


@app_test
async def test_the_palette_opened_and_closed_in_a_burst_takes_keys_in_order(demo: Notebook) -> None:
    from textual.command import CommandPalette

    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
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


# -- block selection (Esc), as in Logseq ---------------------------------------------------------

def journal(app: NotegraphApp) -> OutlineView:
    return app.main_query_one("#journal-outline", OutlineView)


@app_test
async def test_escape_selects_and_printable_keys_never_change_a_note_until_enter_edits(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
        await burst(pilot, "escape", "x", "y", " ", "z")
        view = journal(app)
        assert view.selecting and app.focused is view.typing_place
        await settle(pilot)
        assert path.read_bytes() == before
        await burst(pilot, "enter", "Q")
        after = await saved(pilot, path, before)
    [(old, new)] = changed_lines(before, after)
    assert old.startswith("- [[Lab Meeting]]") and new == old + "Q"


@app_test
async def test_selected_blocks_are_deleted_together_and_ctrl_z_brings_back_the_same_bytes(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
        await burst(pilot, "escape", "down", "shift+down", "backspace")
        after = await saved(pilot, path, before)
        lines = before.decode().split("\n")
        assert after.decode().split("\n") == lines[:1] + lines[3:]  # "Went… fine!" and the slide, nothing else
        assert journal(app).selecting  # the block above is selected now
        await burst(pilot, "ctrl+z")
        await saved(pilot, path, after)
    assert path.read_bytes() == before


@app_test
async def test_tab_and_alt_up_act_on_every_selected_block(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
        # the two DONE blocks (the 10th and 11th rows), moved above the meeting, then indented under
        # nothing (refused: no block above them at their level) and kept selected
        await burst(pilot, "escape", *["down"] * 9, "shift+down", "alt+up", "tab", "x")
        after = await saved(pilot, path, before)
    lines = after.decode().split("\n")
    assert lines[0].startswith("- DONE [#A] Demo") and lines[1].startswith("- DONE Rehearse")
    assert lines[2].startswith("- [[Lab Meeting]]")
    assert sorted(lines) == sorted(before.decode().split("\n"))  # moved, not changed


@app_test
async def test_ctrl_o_on_a_new_page_link_then_typing_creates_the_page(demo: Notebook) -> None:
    new_page = demo.root / "pages" / "Brand New Idea.md"
    async with started(demo) as (app, pilot):
        await burst(pilot, "ctrl+t", "enter", *"see [[Brand New Idea", "ctrl+o", *"first thought")
        page = app.main_query_one("#page-outline", OutlineView)
        assert page.session is not None and page.session.file.path == new_page
        page.flush()
        await settle(pilot)
    assert new_page.read_text() == "- first thought\n"


@app_test
async def test_tab_takes_the_completion_and_typed_closers_step_over_the_automatic_ones(demo: Notebook) -> None:
    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
        await burst(pilot, "end", " ", "[", "[", *"rag p", "tab", " ", "x", *" [[Sprint 15]] y")
        after = await saved(pilot, path, before)
    [(old, new)] = changed_lines(before, after)
    assert new == old + " [[RAG Prototype]] x [[Sprint 15]] y"  # the block was not indented


def test_completion_offers_pages_not_markers_priorities_or_property_names(demo: Notebook) -> None:
    offered = {name.lower() for partial in ("", "t", "d", "a", "s", "c", "n") for name in demo.complete(partial)}
    assert offered.isdisjoint({"todo", "done", "doing", "later", "now", "a", "b", "c", "type", "status",
                               "authors", "confidence"})
    assert {"rag prototype", "sprint 15"} <= offered


# -- the search tab --------------------------------------------------------------------------------

def results_of(app: NotegraphApp) -> list[Any]:
    return [item.hit for item in app.main_query_one("#search-results").children if getattr(item, "hit", None)]


@app_test
async def test_down_from_the_search_box_highlights_the_first_result(demo: Notebook) -> None:
    async with started(demo) as (app, pilot):
        await burst(pilot, "f3", *"dark theme", "enter")
        results = app.main_query_one("#search-results")
        assert await until(pilot, lambda: bool(results_of(app))), (
            app.main_query_one("#search-input").value, [str(s.render()) for c in results.children for s in c.query("Static")])
        assert app.focused is app.main_query_one("#search-input")  # the box keeps the focus: refine or go down
        await burst(pilot, "down")
        assert app.focused is results and results.index == 0
        await burst(pilot, "up")
        assert app.focused is app.main_query_one("#search-input")


@app_test
async def test_only_the_latest_search_shows_its_results(demo: Notebook) -> None:
    async with started(demo) as (app, pilot):
        await burst(pilot, "f3", *"dark theme", "enter", "ctrl+a", "ctrl+k", *"ColBERT", "enter")
        await settle(pilot, workers=True)
        hits = results_of(app)
        assert hits and all("colbert" in (h.content + h.page).lower() for h in hits[:3])


@pytest.mark.parametrize("width", [80, 140, 200])
def test_the_search_mode_is_visible_and_switches_with_the_arrow_keys(demo: Notebook, width: int) -> None:
    async def scenario() -> None:
        async with started(demo, size=(width, 30)) as (app, pilot):
            await burst(pilot, "f3", *"dark theme", "tab")
            mode = app.main_query_one("#search-mode")
            assert app.focused is mode
            assert mode.region.width >= 40 and mode.region.right <= width  # on screen, whole
            await burst(pilot, "right")
            assert mode.value == "keyword"
            assert await until(pilot, lambda: bool(results_of(app)))  # a new mode searches again
            assert "‹keyword›" in str(mode.render())

            def shown() -> list[str]:  # a result's text is mounted a moment after its row
                return [str(static.render()) for item in app.main_query_one("#search-results").children
                        for static in item.query("Static")]

            # spaces kept around a match
            assert await until(pilot, lambda: any("ship a dark theme?" in text for text in shown())), shown()
    asyncio.run(scenario())


@app_test
async def test_escape_then_a_letter_read_by_the_terminal_as_alt_letter_still_selects(demo: Notebook) -> None:
    """Esc and x typed fast reach a terminal app as one key, alt+x."""
    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
        await burst(pilot, "alt+x", "y", "enter")
        view = journal(app)
        assert not view.selecting and app.focused is view.editor  # Enter edits again
        view.flush()
    assert path.read_bytes() == before


@app_test
async def test_keys_on_the_page_tab_before_any_page_is_open_change_nothing(demo: Notebook) -> None:
    """The soak found Up on the empty Page tab raised in a handler (shown as a notification)."""
    path = demo.root / DAY
    before = path.read_bytes()
    async with started(demo) as (app, pilot):
        await burst(pilot, "f4", "down", "up", "a", "enter", "escape", "tab", "shift+up", "backspace")
        assert "No page open" in str(app.main_query_one("#page-title").content)
        await burst(pilot, "f2", "end", "!")
        assert journal(app).editor.text.endswith("!")  # the journal takes keys again
    assert path.read_bytes() == before or path.read_bytes().count(b"!") == before.count(b"!") + 1
