"""Ask as a conversation: follow-ups read with what they refer to, earlier sources kept, threads
kept per graph outside it and reopened (app and `ask --continue`)."""

from __future__ import annotations

import json
from typing import Callable

import pytest
from click.testing import CliRunner

from notegraph.agent.thread import Thread, Threads, Turn, follows_up, standalone
from notegraph.cli.main import cli
from notegraph.errors import NotegraphError
from notegraph.llm.ollama_llm import OllamaLLM
from notegraph.notebook import Notebook
from tests.ollama_fake import FakeOllama


@pytest.fixture
def demo(demo_notebook: Callable[[str], Notebook]) -> Notebook:
    return demo_notebook("2026-11-22")


def thread_with(question: str, answer: str) -> Thread:
    return Thread("t1", "/g", [Turn(question, question, answer, ["b1"])])


def test_a_follow_up_is_read_with_the_question_and_answer_it_refers_to() -> None:
    thread = thread_with("which papers did I read about quantization?", "GPTQ: 3–4 bits per weight [1]\nLLM.int8 [2]")
    assert follows_up("and which of those can be checked soonest?", thread)
    assert follows_up("why?", thread)  # short: a follow-up even without "those"
    assert not follows_up("what did I decide about the dark theme in the notebook interface?", thread)
    assert not follows_up("which of those?", Thread("t2", "/g"))  # nothing to follow
    assert standalone("which of those can be checked soonest?", thread) == (
        "which of those can be checked soonest? (which papers did I read about quantization?: "
        "GPTQ: 3–4 bits per weight)")
    assert standalone("what did I decide about the dark theme in the notebook interface?", thread) == \
        "what did I decide about the dark theme in the notebook interface?"


def test_with_ollama_the_model_rewrites_the_follow_up_and_the_earlier_sources_stay(demo: Notebook) -> None:
    with FakeOllama({"llama3.2:latest": "chat"}) as server:
        demo.use_llm(OllamaLLM("llama3.2", host=server.host))
        thread = demo.threads.new()
        server.replies.append("The 8B model goes to about 8.5 GB [1].")
        first = demo.ask("how much memory does 8-bit quantization save?", agent=False, thread=thread)
        cited = [s.hit.id for s in first.citations]
        assert cited
        server.replies.append("Which benchmark did I use to check the 8-bit model's answer quality?")
        server.replies.append("The eval set [2].")
        second = demo.ask("and how did I check that it still answers well?", agent=False, thread=thread)
        chats = [body for path, body in server.requests if path == "/api/chat"]
        rewrite = chats[-2]["messages"]
        assert "Rewrite the user's last question" in rewrite[0]["content"]
        assert "Q: how much memory does 8-bit quantization save?" in rewrite[1]["content"]
        assert "8.5 GB" in rewrite[1]["content"] and "Last question: and how did I check" in rewrite[1]["content"]
        assert second.searched == "Which benchmark did I use to check the 8-bit model's answer quality?"
        assert set(cited) <= {s.hit.id for s in second.sources}  # the earlier sources stay available
        # kept, reopened
        again = demo.threads.load(thread.id)
        assert again is not None and [t.question for t in again.turns] == [
            "how much memory does 8-bit quantization save?", "and how did I check that it still answers well?"]
        assert again.turns[0].cited == cited and demo.threads.recent()[0].id == thread.id


def test_cli_continue_follows_the_last_thread(demo: Notebook) -> None:
    env = {"NOTEGRAPH_LLM": "embedded"}
    first = CliRunner().invoke(cli, ["ask", "-g", str(demo.root), "--json", "what did I decide about the dark theme?"],
                               env=env)
    assert first.exit_code == 0, first.output
    started = json.loads(first.stdout)
    follow = CliRunner().invoke(cli, ["ask", "-g", str(demo.root), "--json", "--continue", "how many of them?"], env=env)
    assert follow.exit_code == 0, follow.output
    data = json.loads(follow.stdout)
    assert data["thread"] == started["thread"] and data["turn"] == 2
    assert data["searched"].startswith("how many of them? (what did I decide about the dark theme?: ")
    fresh = CliRunner().invoke(cli, ["ask", "-g", str(demo.root), "--json", "how many of them?"], env=env)
    assert json.loads(fresh.stdout)["thread"] != started["thread"]  # without --continue: a new thread


def test_threads_live_outside_the_graph_and_a_damaged_one_is_skipped(demo: Notebook, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotegraphError, match="inside the graph"):
        Threads(demo.root / "journals", demo.root)
    threads = Threads(tmp_path / "data", demo.root)
    thread = threads.new()
    threads.record(thread, "q?", "q?", "a [1]", ["x"])
    (threads.folder / "broken.json").write_text("{not json")
    assert [t.id for t in threads.recent()] == [thread.id]
    assert not any(p.suffix == ".tmp" for p in threads.folder.iterdir())


def test_the_ask_tab_keeps_the_thread_and_ctrl_n_starts_a_new_one(demo: Notebook) -> None:
    from notegraph.tui.app import NotegraphApp
    from tests.test_tui import press, run, text_of
    from tests.waiting import until

    async def scenario() -> None:
        with FakeOllama({"llama3.2:latest": "chat"}) as server:
            demo.use_llm(OllamaLLM("llama3.2", host=server.host))
            server.replies.extend(["Three dark themes ship [1].", "How many dark themes did I ship?", "Three [1]."])
            app = NotegraphApp(demo, watch=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await press(pilot, "f5", *"do we ship a dark theme?", "enter")
                assert await until(pilot, lambda: "ollama: llama3.2" in text_of(app, "#ask-answer"))
                assert app.query_one("#ask-input").value == ""  # free for the follow-up
                await press(pilot, *"how many?", "enter")
                assert await until(pilot, lambda: text_of(app, "#ask-answer").startswith("Three [1]."))
                thread = text_of(app, "#ask-thread")
                assert "Q: do we ship a dark theme?" in thread and "Three dark themes ship [1]." in thread
                assert "Q: how many?" in thread
                assert app.last_answer.searched == "How many dark themes did I ship?"
                await press(pilot, "ctrl+n")
                assert text_of(app, "#ask-thread") == "" and app.thread is None
                kept = demo.threads.recent()
                assert [t.title for t in kept] == ["do we ship a dark theme?"] and len(kept[0].turns) == 2
                app.reopen_thread(kept[0])
                assert await until(pilot, lambda: "Q: how many?" in text_of(app, "#ask-thread"))
    run(scenario)
