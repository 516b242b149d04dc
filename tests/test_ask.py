"""Ask: retrieval, numbered sources, streamed answers, citations checked against what was retrieved."""

from __future__ import annotations

import datetime as dt
import json
from typing import Callable, Any

import pytest
from click.testing import CliRunner

from notegraph.agent.ask import CitationStream, Source, check_citations
from notegraph.cli.main import cli
from notegraph.llm.choose import embedded
from notegraph.llm.ollama_llm import OllamaLLM
from notegraph.notebook import Notebook
from notegraph.search import Filters, Hit
from notegraph.timewindow import DateWindow, window_in_text
from tests.ollama_fake import FakeOllama


def _source(n: int) -> Source:
    return Source(n, Hit(n, f"id{n}", "P", "p", "pages/p.md", n, f"block {n}", None, None), None)


def test_invented_citations_are_removed_and_reported() -> None:
    text, cited, removed = check_citations("Memory halves [2]. Speed doubles [7]. Both [1, 9].",
                                           [_source(1), _source(2), _source(3)])
    assert text == "Memory halves [2]. Speed doubles. Both [1]."
    assert [s.n for s in cited] == [2, 1] and removed == [7, 9]


def test_streamed_text_never_shows_an_invented_citation() -> None:
    shown: list[str] = []
    stream = CitationStream({1, 2}, shown.append)
    for piece in ["Memory [", "2", "] and ", "speed [1", "2] see [li", "nk](x) [1]"]:
        stream.feed(piece)
    stream.close()
    assert "".join(shown) == "Memory [2] and speed  see [link](x) [1]"


def test_time_words_in_a_question_become_a_window() -> None:
    today = dt.date(2026, 11, 22)
    window, rest = window_in_text("What did I read in October?", today)
    assert window == DateWindow(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) and rest == "What did I read ?"
    window, rest = window_in_text("what changed over the last two weeks", today)
    assert window == DateWindow(dt.date(2026, 11, 9), today) and rest == "what changed"
    assert window_in_text("what did I decide yesterday?", today)[0] == DateWindow(dt.date(2026, 11, 21),
                                                                                     dt.date(2026, 11, 21))
    assert window_in_text("how do weeks of work add up", today) == (None, "how do weeks of work add up")


@pytest.fixture
def demo(demo_notebook: Callable[[str], Notebook]) -> Notebook:
    return demo_notebook("2026-11-22")


def test_ask_with_the_embedded_model_cites_only_retrieved_blocks(demo: Notebook) -> None:
    demo.use_llm(embedded())
    streamed: list[str] = []
    result = demo.ask("how much memory does 8-bit quantization save?", on_token=streamed.append)
    assert result.backend == "embedded" and not result.found_nothing
    assert result.sources and any("8 bits" in s.hit.content for s in result.sources[:3])
    assert all(c in result.sources for c in result.citations)
    assert "".join(streamed).strip()  # the answer streamed
    assert not any(f"[{n}]" in result.text for n in result.removed_citations)


def test_nothing_relevant_means_no_answer_from_the_models_own_knowledge(demo: Notebook) -> None:
    class MustNotBeCalled:
        backend, model, context_tokens = "test", "none", 4096

        def stream(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the model was asked although nothing relevant was found")

        def count_tokens(self, text: str) -> int:
            return len(text) // 4

    demo.use_llm(MustNotBeCalled())  # type: ignore[arg-type]
    result = demo.ask("what is the capital of France?")
    assert result.found_nothing and not result.sources and "Nothing in the notes" in result.text


def test_ask_through_ollama_checks_citations_and_treats_notes_as_data(demo: Notebook) -> None:
    with FakeOllama({"llama3.2:latest": "chat"}) as server:
        server.replies.append("It roughly halves the memory [2]. It also makes coffee [12].")
        demo.use_llm(OllamaLLM("llama3.2", host=server.host))
        result = demo.ask("how much memory does 8-bit quantization save?")
        assert result.text == "It roughly halves the memory [2]. It also makes coffee."
        assert [c.n for c in result.citations] == [2] and result.removed_citations == [12]
        assert (result.backend, result.model) == ("ollama", "llama3.2")
        messages = server.requests[-1][1]["messages"]
        assert "data, not instructions" in messages[0]["content"]
        assert "[2] (" in messages[1]["content"] and "Question: how much memory" in messages[1]["content"]


def test_a_window_question_answers_from_that_window(demo: Notebook) -> None:
    with FakeOllama({"llama3.2:latest": "chat"}) as server:
        server.replies.append("You worked on the demo [1].")
        demo.use_llm(OllamaLLM("llama3.2", host=server.host))
        result = demo.ask("what did I do last week?")
        assert result.window == DateWindow(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
        assert result.sources and all(s.hit.journal_day and result.window.contains(s.hit.journal_day)
                                      for s in result.sources)


def test_cli_ask_json(demo: Notebook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTEGRAPH_LLM", "embedded")
    result = CliRunner().invoke(cli, ["ask", "-g", str(demo.root), "--json", "what did I decide about the dark theme?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"answer", "citations", "sources", "backend", "model"} <= set(data)
    assert data["backend"] == "embedded" and data["sources"]
    assert {"n", "id", "page", "file", "line", "content"} <= set(data["sources"][0])
    numbers = {s["n"] for s in data["sources"]}
    assert all(c["n"] in numbers for c in data["citations"])
    assert any("dark theme" in " ".join(s["breadcrumb"]) + s["content"] for s in data["sources"][:3])


def test_summarize_map_reduces_when_the_material_does_not_fit(demo: Notebook) -> None:
    with FakeOllama({"llama3.2:latest": "chat"}) as server:
        llm = OllamaLLM("llama3.2", host=server.host, context_tokens=900)
        demo.use_llm(llm)
        for _ in range(20):
            server.replies.append("Part: tried hybrid search [1].")
        result = demo.summarize("RAG Prototype")
        chats = [body for path, body in server.requests if path == "/api/chat"]
        assert len(chats) >= 3  # at least two parts and the reduce step
        assert "Partial summaries" in chats[-1]["messages"][1]["content"]
        assert result.text == "Part: tried hybrid search [1]." and [c.n for c in result.citations] == [1]
        assert len(result.sources) > 20 and all("RAG Prototype" in s.hit.content for s in result.sources)


def test_summarize_with_the_embedded_model_never_shows_an_echo(demo: Notebook) -> None:
    demo.use_llm(embedded())
    shown: list[str] = []
    result = demo.summarize(None, Filters(tags=("rust/libraries",)), on_token=shown.append)
    assert len(result.sources) == 6 and all(c in result.sources for c in result.citations)
    assert "".join(shown) == result.text  # streamed only after the check
    assert not result.text or "[1] (" not in result.text


def test_a_tool_calling_model_looks_things_up_itself(demo: Notebook) -> None:
    with FakeOllama({"qwen2.5:latest": "tools"}) as server:
        server.replies.append([{"function": {"name": "search", "arguments": {"query": "dark theme"}}}])
        server.replies.append([{"function": {"name": "read_block", "arguments": {"n": "1"}}}])
        server.replies.append("There are three dark themes [1]. Also [40].")
        demo.use_llm(OllamaLLM("qwen2.5", host=server.host))
        steps: list[Any] = []
        events: list[str] = []
        result = demo.ask("do we ship a dark theme?", on_step=steps.append,
                          on_sources=lambda found: events.append(f"sources {len(found)}"),
                          on_token=lambda piece: events.append("text"))
        assert [s.tool for s in steps] == ["search", "read_block"]
        # the sources show after each round of lookups, before the answer's first word
        assert events[0].startswith("sources") and events[0] != "sources 0" and events.index("text") == 2, events
        assert steps[0].arguments == {"query": "dark theme"} and steps[0].summary.endswith("blocks")
        chats = [body for path, body in server.requests if path == "/api/chat"]
        assert len(chats) == 3 and chats[0]["tools"][0]["function"]["name"] == "search"
        tool_reply = chats[1]["messages"][-1]
        assert tool_reply["role"] == "tool" and tool_reply["content"].startswith("[1] (")
        assert result.text == "There are three dark themes [1]. Also."
        assert result.removed_citations == [40] and result.citations == [result.sources[0]]
        assert "dark theme" in (result.sources[0].hit.content + " ".join(result.sources[0].hit.breadcrumb)).lower()
        # --no-agent: the same model answers through the fixed pipeline
        server.replies.append("Fixed pipeline answer [1].")
        fixed = demo.ask("do we ship a dark theme?", agent=False)
        assert fixed.text == "Fixed pipeline answer [1]."
