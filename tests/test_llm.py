"""Language model backends: the embedded Gemma model for real, Ollama over its HTTP API."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from notegraph.cli.main import cli
from notegraph.errors import NotegraphError
from notegraph.llm import Message, complete
from notegraph.llm.choose import choose_llm, embedded, statuses
from notegraph.llm.embedded import render_gemma

REPO_ROOT = Path(__file__).resolve().parent.parent
from notegraph.llm.ollama_llm import OllamaLLM
from tests.ollama_fake import FakeOllama

CHAT = {"llama3.2:latest": "chat", "nomic-embed-text:latest": "embed"}


def test_gemma_turns_are_written_out_for_a_base_model() -> None:
    prompt = render_gemma([Message("system", "Use only the notes."), Message("user", "What is int8?"),
                           Message("assistant", "A format."), Message("user", "Why?")])
    assert prompt == ("<start_of_turn>user\nUse only the notes.\n\nWhat is int8?<end_of_turn>\n"
                      "<start_of_turn>model\nA format.<end_of_turn>\n"
                      "<start_of_turn>user\nWhy?<end_of_turn>\n<start_of_turn>model\n")


def test_embedded_model_generates_and_can_be_cancelled() -> None:
    llm = embedded()
    assert llm.backend == "embedded" and llm.status().available
    text = complete(llm, [Message("user", "Name three colours of the rainbow.")], max_tokens=24)
    assert text.strip() and "<end_of_turn>" not in text
    assert llm.count_tokens("hello world") >= 2
    cancel = threading.Event()
    pieces = []
    for piece in llm.stream([Message("user", "Write a long story about a lighthouse.")], max_tokens=200,
                            cancel=cancel):
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.set()
    assert len(pieces) == 3


def test_the_embedded_model_gives_its_memory_back_and_loads_again(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The app frees the model a while after the last answer (hundreds of MB held for nothing)."""
    from notegraph.notebook import Notebook

    def resident_kb() -> int:
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS"))

    monkeypatch.setenv("NOTEGRAPH_LLM", "embedded")
    (tmp_path / "graph" / "journals").mkdir(parents=True)
    notebook = Notebook.open(tmp_path / "graph", index=tmp_path / "i.db")
    assert complete(notebook.llm, [Message("user", "Say hello.")], max_tokens=4).strip()
    loaded = resident_kb()
    notebook.release_language_model()
    assert notebook._llm is None
    assert resident_kb() < loaded - 100_000  # the weights (~250 MB) are gone, not just marked free
    assert complete(notebook.llm, [Message("user", "Say hello.")], max_tokens=4).strip()  # loads again


def test_ollama_streams_a_chat_through_the_official_client() -> None:
    with FakeOllama(CHAT) as server:
        server.replies.append("Quantization halves memory [1].")
        llm = OllamaLLM("llama3.2", host=server.host)
        pieces = list(llm.stream([Message("system", "s"), Message("user", "q")], max_tokens=50, stop=["\n\n"]))
        assert pieces == ["Quantization ", "halves ", "memory ", "[1]."]
        path, body = server.requests[-1]
        assert path == "/api/chat" and body["model"] == "llama3.2" and body["stream"] is True
        assert body["messages"] == [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]
        assert body["options"]["num_predict"] == 50 and body["options"]["stop"] == ["\n\n"]


def test_ollama_tool_calls_arrive_as_structured_calls() -> None:
    with FakeOllama(CHAT) as server:
        server.replies.append([{"function": {"name": "search", "arguments": {"query": "dark theme"}}}])
        llm = OllamaLLM("llama3.2", host=server.host)
        tools = [{"type": "function", "function": {"name": "search", "description": "find blocks",
                                                   "parameters": {"type": "object", "properties": {
                                                       "query": {"type": "string"}}, "required": ["query"]}}}]
        calls = [c for r in llm.chat([{"role": "user", "content": "q"}], tools=tools) for c in
                 (r.message.tool_calls or [])]
        assert calls[0].function.name == "search" and calls[0].function.arguments == {"query": "dark theme"}
        assert server.requests[-1][1]["tools"][0]["function"]["name"] == "search"


def test_ollama_failures_say_what_to_run() -> None:
    with FakeOllama({}) as server:
        with pytest.raises(NotegraphError) as missing:
            complete(OllamaLLM("llama3.2", host=server.host), [Message("user", "q")])
        assert missing.value.hint == "ollama pull llama3.2"
    with FakeOllama(CHAT) as server:
        server.replies.append("one two three four five six")
        server.die_after = 2
        got: list[str] = []
        with pytest.raises(NotegraphError, match="stopped answering mid-answer"):
            for piece in OllamaLLM("llama3.2", host=server.host).stream([Message("user", "q")]):
                got.append(piece)
        assert got == ["one ", "two "]  # what arrived before the server died
        host = server.host
    with pytest.raises(NotegraphError) as down:
        complete(OllamaLLM("llama3.2", host=host, timeout=2), [Message("user", "q")])
    assert down.value.hint == "start it with `ollama serve`, or set OLLAMA_HOST"


def test_auto_prefers_ollama_when_it_has_the_model() -> None:
    with FakeOllama(CHAT) as server:
        chosen = choose_llm("auto", "llama3.2", server.host)
        assert (chosen.backend, chosen.model) == ("ollama", "llama3.2")
        assert choose_llm("auto", "qwen2.5:7b", server.host).backend == "embedded"
        with pytest.raises(NotegraphError) as err:
            choose_llm("ollama", "qwen2.5:7b", server.host)
        assert err.value.hint == "ollama pull qwen2.5:7b"
        assert choose_llm("embedded", "llama3.2", server.host).backend == "embedded"
        rows = statuses("auto", "llama3.2", server.host)
        assert [(r.backend, r.available) for r in rows] == [("ollama", True), ("embedded", True)]
        assert "Ollama 0.12.6" in rows[0].detail
    assert choose_llm("auto", "llama3.2", "http://127.0.0.1:9").backend == "embedded"


def test_models_command_shows_what_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOllama(CHAT) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.host)
        result = CliRunner().invoke(cli, ["models", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["using"] == "ollama: llama3.2"
        monkeypatch.setenv("NOTEGRAPH_OLLAMA_MODEL", "mistral")
        text = CliRunner().invoke(cli, ["models"]).stdout
        assert "fix: ollama pull mistral" in text and "using: embedded" in text


def test_counting_tokens_does_not_load_the_embedded_model_and_never_under_counts() -> None:
    """Ask packs its sources by token count before it shows them: loading the model for that held
    the sources back a second or more (longer on a busy machine)."""
    from notegraph.llm.embedded import EmbeddedLLM

    llm = EmbeddedLLM()
    notes = [p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "journals").glob("*.md"))]
    estimated = [llm.count_tokens(text) for text in notes]
    assert llm._llama is None  # still not loaded
    try:
        llm._load()
        exact = [llm.count_tokens(text) for text in notes]
    finally:
        llm.close()
    assert all(e >= x for e, x in zip(estimated, exact)), list(zip(estimated, exact))
