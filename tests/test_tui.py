"""The Textual app, driven with Textual's Pilot on a copy of the demo graph.

Nothing here waits a fixed time: keys are pressed one at a time, each handled to the end
before the next (:func:`press`), and what comes later (a worker's result, a save after
the typing stops, a watcher's update) is waited for as a condition (:func:`until`).
"""

from __future__ import annotations

import re

import asyncio
from typing import Any, Awaitable, Callable

import pytest

from notegraph.llm.ollama_llm import OllamaLLM
from notegraph.notebook import Notebook
from tests.ollama_fake import FakeOllama

from textual.command import CommandInput, CommandPalette
from textual.css.query import NoMatches
from textual.widgets import Static, TabbedContent

from notegraph.tui.app import HelpScreen, NotegraphApp
from notegraph.tui.outline_view import OutlineView
from tests.waiting import palette_highlights, settle, toast_shows, until


def text_of(app: Any, selector: str) -> str:
    """A widget's text: on the app's main screen (under any modal), or on the screen given."""
    query = app.main_query_one if isinstance(app, NotegraphApp) else app.query_one
    return str(query(selector).content)


def outline_text(app: NotegraphApp, which: str = "journal") -> str:
    """What the outline shows: rendered rows above and below, and the block being edited."""
    view = app.main_query_one(f"#{which}-outline", OutlineView)
    return "\n".join([str(view.query_one("#above", Static).content), view.editor.text,
                      str(view.query_one("#below", Static).content), str(view.query_one("#extra", Static).content)])


def screen_text(app: Any, selector: str) -> str:
    """A widget's text on the screen on top (a modal), or "" while it is not there."""
    try:
        return str(app.screen.query_one(selector).content)
    except NoMatches:
        return ""


def focused_id(app: Any) -> str | None:
    return getattr(app.focused, "id", None)


async def press(pilot: Any, *keys: str) -> None:
    """Press keys one at a time, each handled to the end before the next: the key itself, and
    the messages it causes (the editor's Changed, which the outline reads) however slow the machine."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def open_new_day(app: NotegraphApp, pilot: Any, first_block: str = "") -> OutlineView:
    """Go to 2026-11-23 (after the demo's last day) and wait until its first block is in the editor."""
    await press(pilot, "ctrl+g")
    assert await until(pilot, lambda: focused_id(app) == "date-input")  # typing goes to the date box
    await press(pilot, *"2026-11-23", "enter")
    view = app.main_query_one("#journal-outline", OutlineView)
    assert await until(pilot, lambda: view.editor.text == first_block)
    return view


@pytest.fixture
def demo(demo_notebook: Callable[[str], Notebook]) -> Notebook:
    return demo_notebook("2026-11-20")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def test_opens_on_todays_journal_and_moves_between_days(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert text_of(app, "#journal-title") == "Friday, November 20, 2026"
            assert "[[Lab Meeting]] — demo of the [[RAG Prototype]]" in outline_text(app)
            assert "☑" in outline_text(app)  # DONE tasks render as checked boxes
            await press(pilot, "ctrl+pageup")
            assert text_of(app, "#journal-title") == "Thursday, November 19, 2026"
            await press(pilot, "ctrl+pagedown", "ctrl+pagedown", "ctrl+pagedown", "ctrl+pagedown")
            assert "new: type to start the day" in text_of(app, "#journal-title")
            assert not (demo.root / "journals" / "2026_11_23.md").exists()  # nothing written yet
            # the status line says "0 blocks" until the count (a worker) comes back
            assert await until(pilot, lambda: "636 blocks" in text_of(app, "#status"))
            # which model answers, and the fix for the one that is missing
            assert await until(pilot, lambda: "model: embedded gemma-3-270m" in text_of(app, "#status"))
            assert "ollama: ollama serve" in text_of(app, "#status")
            # a block ref shows the text of the block it points at
            await press(pilot, "ctrl+g")
            assert await until(pilot, lambda: focused_id(app) == "date-input")
            await press(pilot, *"2026-11-12", "enter")
            assert await until(pilot, lambda: "Revisiting ↪ By mid-2028, nobody serious ships dense-only" in outline_text(app))
    run(scenario)


def test_search_then_open_the_page_with_backlinks(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await press(pilot, "ctrl+f", *"do we support a dark mode", "enter")
            results = app.query_one("#search-results")
            assert await until(pilot, lambda: len(results.children) > 1)
            first = results.children[0]
            assert getattr(first, "hit").content.startswith("Yes — three of them")
            await press(pilot, "down")  # from the box to the first result
            assert await until(pilot, lambda: app.focused is results and getattr(results, "index") == 0)
            await press(pilot, "down", "up", "enter")
            assert await until(pilot, lambda: "Nov 6th, 2026" in text_of(app, "#page-title"))
            # the block opens selected (Enter edits it; a stray key changes nothing)
            page = app.query_one("#page-outline", OutlineView)
            assert page.selecting and page.editor.text.startswith("Yes — three of them")
            assert await until(pilot, lambda: app.focused is page.typing_place)
            before = (demo.root / page.session.file.rel).read_bytes()
            await press(pilot, "x", "enter", "end", "!")
            assert await until(pilot, lambda: app.focused is page.editor and page.editor.text.endswith("!"))
            assert page.editor.text.startswith("Yes — three of them")
            page.flush()
            after = (demo.root / page.session.file.rel).read_bytes()
            assert len(after) == len(before) + 1 and after.count(b"!") == before.count(b"!") + 1  # the "x" went nowhere
    run(scenario)


def test_ask_streams_an_answer_with_sources(demo: Notebook) -> None:
    async def scenario() -> None:
        with FakeOllama({"llama3.2:latest": "chat"}) as server:
            server.replies.append("Three dark themes ship [1], invented [30].")
            demo.use_llm(OllamaLLM("llama3.2", host=server.host))
            app = NotegraphApp(demo, watch=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await press(pilot, "f5", *"do we ship a dark theme?", "enter")
                assert await until(pilot, lambda: "ollama: llama3.2" in text_of(app, "#ask-answer"))
                assert "Sources" in text_of(app, "#ask-sources-title")
                answer = text_of(app, "#ask-answer")
                assert answer.startswith("Three dark themes ship [1], invented.")
                assert "ollama: llama3.2" in answer and "[30]" not in answer
                assert "ollama llama3.2" in text_of(app, "#status")
                # Ctrl+S keeps the answer in today's journal, once
                await press(pilot, "ctrl+s", "ctrl+s")
                kept = [p for p in (demo.root / "journals").glob("*.md") if "- Q: do we ship a dark theme?" in p.read_text()]
                assert len(kept) == 1 and kept[0].read_text().count("- Q: do we ship a dark theme?") == 1
                assert re.search(r"\t- Three dark themes ship \[1\]\(\(\([0-9a-f-]{36}\)\)\), invented\.", kept[0].read_text())
                # a source opens its block in the page
                sources = app.query_one("#ask-sources")
                await press(pilot, "down")  # from the question to the first source
                assert await until(pilot, lambda: app.focused is sources and getattr(sources, "index") == 0)
                await press(pilot, "enter")
                first_source = getattr(sources.children[0], "hit")
                assert await until(pilot, lambda: app.query_one("#page-title").content == first_source.page)
                assert app.query_one("#page-outline", OutlineView).editor.text.split("\n")[0] \
                    == first_source.content.split("\n")[0]
    run(scenario)


def test_an_outside_edit_appears_while_the_app_runs(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            assert await until(pilot, lambda: "watcher live" in text_of(app, "#status"))
            journal = demo.root / "journals" / "2026_11_20.md"
            with open(journal, "a", encoding="utf-8") as fh:
                fh.write("- written from another editor while the app runs\n")
            assert await until(pilot, lambda: "written from another editor" in outline_text(app))
    run(scenario)


def test_help_and_palette_list_the_actions(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await press(pilot, "f1")
            assert await until(pilot, lambda: "Previous journal day" in screen_text(app, "#help Static"))
            assert "cycle the task marker" in screen_text(app, "#help Static")
            assert "delete the selected blocks" in screen_text(app, "#help Static")
            await press(pilot, "escape")
            assert await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
            await press(pilot, "ctrl+p")
            assert await until(pilot, lambda: isinstance(app.focused, CommandInput))
            await press(pilot, *"previous")
            # the palette searches in the background: Enter runs what is highlighted once it is there
            assert await until(pilot, lambda: palette_highlights(app, "Previous journal day"))
            await press(pilot, "enter")
            assert await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
            assert await until(pilot, lambda: text_of(app, "#journal-title") == "Thursday, November 19, 2026")
    run(scenario)


# -- writing ---------------------------------------------------------------------------

def test_typing_a_new_day_writes_exactly_the_expected_bytes(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await press(pilot, "ctrl+t", "ctrl+pagedown", "ctrl+pagedown", "ctrl+pagedown")  # 2026-11-23: no file yet
            day = demo.root / "journals" / "2026_11_23.md"
            await press(pilot, *"Reading group #papers")
            await press(pilot, "enter", *"chapter 3", "tab", "ctrl+r")
            await press(pilot, "enter", *"ask about [[RAG Pro")
            assert await until(pilot, lambda: app.query_one("#completion").display)
            await press(pilot, "enter", *" next week")
            await press(pilot, "shift+tab")
            assert await until(pilot, lambda: day.exists() and day.read_bytes().endswith(b"next week\n"))
            # the demo graph's workflow is TODO/DOING/DONE and its indentation a tab
            assert day.read_bytes() == (b"- Reading group #papers\n\t- TODO chapter 3\n"
                                        b"- ask about [[RAG Prototype]] next week\n")
            # the title hears of the new file from a message the save posts
            assert await until(pilot, lambda: "new:" not in text_of(app, "#journal-title"))
    run(scenario)


def test_move_collapse_undo_redo_and_backspace(demo: Notebook) -> None:
    day = demo.root / "journals" / "2026_11_23.md"
    day.write_bytes(b"- a\n- b\n\t- b1\n- c\n")

    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            view = await open_new_day(app, pilot, "a")
            await press(pilot, "down", "alt+up")  # b (with b1) above a
            assert await until(pilot, lambda: day.read_bytes() == b"- b\n\t- b1\n- a\n- c\n")
            await press(pilot, "ctrl+up")  # collapse b: b1 is hidden from view, the file keeps it
            assert "b1" not in outline_text(app)
            await press(pilot, "ctrl+z")
            assert await until(pilot, lambda: day.read_bytes() == b"- a\n- b\n\t- b1\n- c\n")
            await press(pilot, "ctrl+y")
            assert await until(pilot, lambda: day.read_bytes() == b"- b\n\t- b1\n- a\n- c\n")
            await press(pilot, "down", "end", "enter", "backspace")  # a new empty block, deleted again
            assert view.editor.text == "a"
            await press(pilot, "down", "home", "backspace")  # at the start of "c": joins it onto "a"
            assert view.editor.text == "ac" and view.editor.cursor_location == (0, 1)
            assert await until(pilot, lambda: day.read_bytes() == b"- b\n\t- b1\n- ac\n")
    run(scenario)


def test_an_outside_edit_merges_with_unsaved_typing_and_a_conflict_keeps_both(demo: Notebook) -> None:
    day = demo.root / "journals" / "2026_11_23.md"
    day.write_bytes(b"- mine\n- shared\n")

    async def scenario() -> None:
        app = NotegraphApp(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            assert await until(pilot, lambda: "watcher live" in text_of(app, "#status"))
            view = await open_new_day(app, pilot, "mine")
            await press(pilot, "end")
            # Logseq appends a block and edits "shared" before our save lands. Typed and written in
            # one step, with no await between: the save timer cannot fire in between, however slow
            # the machine (typed key by key, the save could land first on a busy one).
            view.editor.insert(" typed here")
            day.write_bytes(b"- mine\n- shared, edited in logseq\n- from logseq\n")
            assert await until(pilot, lambda: b"typed here" in day.read_bytes())
            assert day.read_bytes() == b"- mine typed here\n- shared, edited in logseq\n- from logseq\n"
            assert view.editor.text == "mine typed here" and view.editor.cursor_location == (0, 15)
            assert await until(pilot, lambda: "from logseq" in outline_text(app))
            # now both sides change the same block, again before our save lands
            view.editor.insert(" again")
            day.write_bytes(b"- mine typed here, and vim\n- shared, edited in logseq\n- from logseq\n")
            assert await until(pilot, lambda: b"conflict::" in day.read_bytes())
            text = day.read_text()
            assert text.startswith("- mine typed here, and vim\n- mine typed here again\n  conflict:: ")
            assert view.editor.text.startswith("mine typed here again")
    run(scenario)


def test_a_report_is_written_streamed_and_saved_as_a_page(demo: Notebook) -> None:
    async def scenario() -> None:
        with FakeOllama({"llama3.2:latest": "chat"}) as server:
            server.replies.extend(["The sprint moved the RAG prototype forward [1]."] * 12)
            demo.use_llm(OllamaLLM("llama3.2", host=server.host))
            app = NotegraphApp(demo, watch=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await press(pilot, "f6", *"2", "enter")
                assert await until(pilot, lambda: "Ctrl+S saves" in text_of(app, "#report-progress"))
                await press(pilot, "ctrl+s")
                page = demo.root / "pages" / "Sprint Report___2026-11-07 to 2026-11-20.md"
                assert await until(pilot, lambda: page.exists())
                assert "Sprint Report/2026-11-07 to 2026-11-20" in text_of(app, "#page-title")
                assert "RAG prototype forward" in page.read_text()
    run(scenario)


def test_the_reports_tab_offers_a_week_and_refuses_to_save_over_a_page(demo: Notebook) -> None:
    async def scenario() -> None:
        with FakeOllama({"llama3.2:latest": "chat"}) as server:
            server.replies.extend(["The week closed the demo [1]."] * 14)
            demo.use_llm(OllamaLLM("llama3.2", host=server.host))
            app = NotegraphApp(demo, watch=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await press(pilot, "f6", "tab", "tab", "right", "shift+tab", "shift+tab", "enter")
                assert await until(pilot, lambda: "Ctrl+S saves" in text_of(app, "#report-progress"))
                assert "Sprint Report/2026-11-14 to 2026-11-20" in text_of(app, "#report-progress")
                await press(pilot, "ctrl+s")
                page = demo.root / "pages" / "Sprint Report___2026-11-14 to 2026-11-20.md"
                assert await until(pilot, lambda: page.exists())
                saved = page.read_bytes()
                await press(pilot, "f6", "enter")  # the same week again: the page exists
                assert await until(pilot, lambda: "exists: Ctrl+S will not replace it" in text_of(app, "#report-progress"))
                await press(pilot, "ctrl+s")
                assert page.read_bytes() == saved
    run(scenario)


def test_markup_is_rendered_code_highlighted_and_properties_dimmed() -> None:
    from notegraph.tui.render import block_text

    text = block_text("DONE ship it [[RAG Prototype]]\nowner:: me\n```python\ndef f():\n    return 1\n```", "DONE")
    assert text.plain.startswith("☑ ship it RAG Prototype")
    assert "def f():" in text.plain and "```python" in text.plain
    code_at = text.plain.index("def")
    coloured = [s for s in text.spans if s.start <= code_at < s.end and str(s.style) not in ("", "dim")]
    assert coloured  # the keyword is coloured by the highlighter
    owner_at = text.plain.index("owner::")
    assert any(str(s.style) == "dim" and s.start <= owner_at < s.end for s in text.spans)
    # a kept answer's citation, [1](((uuid))), reads "1" and opens the block (it showed "1))")
    uuid = "0123abcd-0000-4000-8000-000000000000"
    cited = block_text(f"Three themes ship [1]((({uuid}))), dark first")
    assert cited.plain == "Three themes ship 1, dark first"
    assert any(s.style.meta.get("open") == ("block", uuid) for s in cited.spans if not isinstance(s.style, str))


def test_fast_typing_then_a_structural_key_keeps_every_character(demo: Notebook) -> None:
    """Keys are handled before the editor's Changed messages arrive (found typing in tmux)."""
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            view = await open_new_day(app, pilot)
            await press(pilot, *"parent", "enter")
            view.editor.insert("child")  # typed, its Changed message not yet handled…
            view.operate("indent")  # …when Tab arrives
            view.editor.insert(" more")
            view.operate("split")
            view.flush()
            day = demo.root / "journals" / "2026_11_23.md"
            assert day.read_bytes() == b"- parent\n\t- child more\n\t-\n"
            await settle(pilot)  # the late Changed messages are handled now: they must change nothing
            assert view.editor.text == ""
    run(scenario)


def test_text_that_cannot_be_saved_is_never_dropped_by_leaving_or_quitting(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:  # its messages are waited for
            view = await open_new_day(app, pilot)
            day = demo.root / "journals" / "2026_11_23.md"
            # Typed in one step (Ctrl+J's action for the line break), with no await in between: key by
            # key, the save timer could fire at "keep me" on a slow machine and write that much.
            view.editor.insert("keep me")
            view.editor.action_line_break()
            view.editor.insert("- not a new block")  # would read back as two blocks
            # the save after the typing stopped was tried, and refused
            assert await until(pilot, lambda: toast_shows(app, "not saved"))
            assert not day.exists()
            await press(pilot, "ctrl+pageup")  # leaving would lose it: refused
            assert "Monday, November 23" in text_of(app, "#journal-title")
            assert view.editor.text == "keep me\n- not a new block"
            await press(pilot, "ctrl+q")  # first Ctrl+Q only warns
            assert await until(pilot, lambda: toast_shows(app, "press Ctrl+Q again"))
            assert app.is_running
            view.editor.load_text("keep me\nnot a new block")  # the user fixes the line
            assert await until(pilot, lambda: day.exists() and day.read_bytes() == b"- keep me\n  not a new block\n")
            await press(pilot, "ctrl+pageup")
            assert "Sunday, November 22" in text_of(app, "#journal-title")
    run(scenario)


def test_updates_that_arrive_under_a_modal_screen_reach_the_app(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            assert await until(pilot, lambda: "watcher live" in text_of(app, "#status"))
            await press(pilot, "f1")  # help on top while the watcher reports an outside edit
            journal = demo.root / "journals" / "2026_11_20.md"
            with open(journal, "a", encoding="utf-8") as fh:
                fh.write("- appended while the help screen is open\n")
            assert await until(pilot, lambda: "appended while the help" in outline_text(app))
            assert await until(pilot, lambda: "637 blocks" in text_of(app, "#status"))
            await press(pilot, "escape")
            assert app.is_running
    run(scenario)


def test_a_click_on_a_rendered_row_edits_it_and_a_click_on_a_link_opens_it(demo: Notebook) -> None:
    day = demo.root / "journals" / "2026_11_23.md"
    day.write_bytes(b"- first [[Target Page]]\n- second\n- third\n")

    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            view = await open_new_day(app, pilot, "first [[Target Page]]")
            await settle(pilot)  # laid out: the rows are where the clicks aim
            await pilot.click("#below", offset=(4, 1))  # "• third"
            assert await until(pilot, lambda: view.editor.text == "third")
            await pilot.click("#above", offset=(1 + len("• first ") + 2, 0))  # on "Target Page"
            assert await until(pilot, lambda: text_of(app, "#page-title") == "Target Page")
            assert app.main_query_one(TabbedContent).active == "page"
            assert day.read_bytes() == b"- first [[Target Page]]\n- second\n- third\n"  # nothing changed
            assert view.session is not None and not view.session.dirty  # and no save on its way
    run(scenario)


def test_escape_cancels_only_the_work_of_the_tab_it_is_pressed_in(demo: Notebook) -> None:
    """Esc in the Journal (leaving a block) cancelled an answer still being written in Ask: the
    answer stopped and its turn was never kept in the thread (found in a tmux trial)."""
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await press(pilot, "f5", "f2", "escape", "escape", "f3", "escape", "f6", "escape")
            assert not app.cancel_answer.is_set()
            assert app.cancel_report.is_set()  # Esc in Reports cancels a report
            await press(pilot, "f5", "escape")
            assert await until(pilot, app.cancel_answer.is_set)
    run(scenario)
