"""The Textual app, driven with Textual's Pilot on a copy of the demo graph."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

import pytest

from notegraph.llm.ollama_llm import OllamaLLM
from notegraph.notebook import Notebook
from tests.ollama_fake import FakeOllama

from notegraph.tui.app import NotegraphApp


def text_of(app: NotegraphApp, selector: str) -> str:
    return str(app.query_one(selector).content)  # type: ignore[attr-defined]


async def until(pilot: Any, condition: Callable[[], bool], seconds: float = 30) -> bool:
    for _ in range(int(seconds * 10)):
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


@pytest.fixture
def demo(demo_notebook: Callable[[str], Notebook]) -> Notebook:
    return demo_notebook("2026-11-20")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def test_opens_on_todays_journal_and_moves_between_days(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert text_of(app, "#journal-title") == "Friday, November 20, 2026"
            assert "Lab Meeting — demo of the RAG Prototype" in text_of(app, "#journal-body")
            assert "☑" in text_of(app, "#journal-body")  # DONE tasks render as checked boxes
            await pilot.press("[")
            assert text_of(app, "#journal-title") == "Thursday, November 19, 2026"
            await pilot.press("]", "]", "]", "]")
            assert "no entry yet" in text_of(app, "#journal-title")
            assert await until(pilot, lambda: "blocks" in text_of(app, "#status"))
            assert "636 blocks" in text_of(app, "#status")
            # which model answers, and the fix for the one that is missing
            assert await until(pilot, lambda: "model: embedded gemma-3-270m" in text_of(app, "#status"))
            assert "ollama: ollama serve" in text_of(app, "#status")
    run(scenario)


def test_search_then_open_the_page_with_backlinks(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("ctrl+f")
            await pilot.press(*"do we support a dark mode")
            await pilot.press("enter")
            results = app.query_one("#search-results")
            assert await until(pilot, lambda: len(results.children) > 1)
            first = results.children[0]
            assert getattr(first, "hit").content.startswith("Yes — three of them")
            results.focus()
            await pilot.press("down", "up", "enter")
            assert await until(pilot, lambda: "Nov 6th, 2026" in text_of(app, "#page-title"))
            assert "Do we ship a dark theme?" in text_of(app, "#page-body")
    run(scenario)


def test_ask_streams_an_answer_with_sources(demo: Notebook) -> None:
    async def scenario() -> None:
        with FakeOllama({"llama3.2:latest": "chat"}) as server:
            server.replies.append("Three dark themes ship [1], invented [30].")
            demo.use_llm(OllamaLLM("llama3.2", host=server.host))
            app = NotegraphApp(demo, watch=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.press("ctrl+a")
                await pilot.press(*"do we ship a dark theme?")
                await pilot.press("enter")
                assert await until(pilot, lambda: "Sources" in text_of(app, "#ask-answer"))
                answer = text_of(app, "#ask-answer")
                assert answer.startswith("Three dark themes ship [1], invented.")
                assert "ollama: llama3.2" in answer and "[30]" not in answer
                assert "ollama llama3.2" in text_of(app, "#status")
    run(scenario)


def test_an_outside_edit_appears_while_the_app_runs(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            assert await until(pilot, lambda: "watcher live" in text_of(app, "#status"))
            journal = demo.root / "journals" / "2026_11_20.md"
            with open(journal, "a", encoding="utf-8") as fh:
                fh.write("- written from another editor while the app runs\n")
            assert await until(pilot, lambda: "written from another editor" in text_of(app, "#journal-body"), 20)
    run(scenario)


def test_help_and_palette_list_the_actions(demo: Notebook) -> None:
    async def scenario() -> None:
        app = NotegraphApp(demo, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f1")
            assert "Previous day" in text_of(app.screen, "#help")  # type: ignore[arg-type]
            await pilot.press("escape")
            await pilot.press("ctrl+p")
            await pilot.press(*"previous")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert text_of(app, "#journal-title") == "Thursday, November 19, 2026"
    run(scenario)
