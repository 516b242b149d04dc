"""Ask with any model: the sources come first, the notes carry the answer, numbers match the list,
and nothing is shown cut mid-word."""

from __future__ import annotations

import re
from typing import Callable

import pytest

from notegraph.agent.ask import Source, prose_passes
from notegraph.agent.extract import extract, sentences_of, visible_lines, whole_sentences
from notegraph.llm.choose import embedded
from notegraph.llm.ollama_llm import OllamaLLM
from notegraph.notebook import Notebook
from notegraph.search import Hit
from tests.conftest import indexed_graph
from tests.ollama_fake import FakeOllama


def source(n: int, content: str, breadcrumb: tuple[str, ...] = (), score: float | None = 0.5) -> Source:
    return Source(n, Hit(n, f"id{n}", "P", "p", "pages/p.md", n, content, None, None, breadcrumb, score), None)


@pytest.fixture
def demo(demo_notebook: Callable[[str], Notebook]) -> Notebook:
    return demo_notebook("2026-11-22")


def numbers_in(text: str) -> set[int]:
    return {int(n) for group in re.findall(r"\[(\d+(?:\s*,\s*\d+)*)\]", text) for n in re.split(r"\s*,\s*", group)}


def test_with_the_embedded_model_the_sources_come_first_and_the_first_line_is_the_notes_own_sentence(demo: Notebook) -> None:
    demo.use_llm(embedded())
    events: list[tuple[str, object]] = []
    result = demo.ask("what did I decide about the reranker?",
                      on_sources=lambda found: events.append(("sources", [s.n for s in found])),
                      on_token=lambda piece: events.append(("token", piece)))
    assert events[0][0] == "sources" and events[0][1] == [s.n for s in result.sources]
    first = result.text.split("\n")[0]
    assert first.startswith("Decided: reranker stays, behind a flag, on by default"), result.text
    # the sentence is the notes' own words, and cites the source that holds them
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", first)]
    assert cited and all("reranker stays" in result.sources[n - 1].hit.content for n in cited)
    assert numbers_in(result.text) <= {s.n for s in result.sources}
    assert "".join(piece for kind, piece in events if kind == "token").strip() == result.text.strip()
    # what the model wrote is shown only when it passed the checks
    assert result.prose in result.text and (not result.prose or prose_passes(
        result.prose, result.citations, result.sources, result.extract))


def test_a_child_block_is_quoted_with_the_parent_it_depends_on(demo: Notebook) -> None:
    parent = "We are not directly competing with:"
    found = [source(1, "Our pricing is per seat, billed yearly"),
             source(2, "big enterprise search vendors", (parent,)),
             source(3, "general chat assistants", (parent,)),
             source(4, parent)]
    best = extract("what kinds of companies did I say we are not going up against?", found, demo.similarity)
    assert best[0].line().startswith(parent + " "), [b.line() for b in best]
    assert best[0].source.n in (2, 3)


def test_properties_drawers_and_scheduling_are_not_sentences() -> None:
    block = ("TODO Ship the demo. It must run offline.\nSCHEDULED: <2026-11-20 Fri>\nid:: 6571b1c2-0000-4000-8000-"
             "00000000abcd\n:LOGBOOK:\nCLOCK: [2026-11-19 Thu 10:00]\n:END:")
    assert visible_lines(block) == ["TODO Ship the demo. It must run offline."]
    assert [s.text for s in sentences_of(source(1, block))] == ["Ship the demo.", "It must run offline."]


@pytest.mark.parametrize("written, shown", [
    ("It halves the memory [2]. The 8B model goes to 8.5 G", "It halves the memory [2]."),
    ("It halves the memory [2].", "It halves the memory [2]."),
    ("Roughly halved (see [1]).", "Roughly halved (see [1])."),
    ("It halves the mem", ""),
    ("Is it smaller? Yes [1]. And faster", "Is it smaller? Yes [1]."),
])
def test_an_answer_never_ends_mid_word(written: str, shown: str) -> None:
    assert whole_sentences(written) == shown


def test_small_model_prose_is_shown_only_when_it_says_what_the_notes_say_in_its_own_words() -> None:
    notes = [source(1, "Decided: reranker stays, behind a flag, on by default"),
             source(2, "The cross-encoder reranker added 180 ms per question on the laptop")]
    lead = "Decided: reranker stays, behind a flag, on by default [1]"
    good = "The reranker stays on by default, behind a flag, although it costs 180 ms per question [1][2]."
    assert prose_passes(good, notes, notes, lead)
    assert not prose_passes("I decided to reranker. [1]", notes, notes, lead)  # too short to add anything
    assert not prose_passes("[1] (Nov 4th) Decided: reranker stays, behind a flag, on by default.", notes, notes, lead)
    assert not prose_passes("I replaced the reranker with a cross-encoder from a new vendor last week [1].",
                            notes, notes, lead)  # words the notes do not have
    assert not prose_passes(good, [], notes, lead)  # cites nothing
    assert not prose_passes("The reranker stays on by default, behind a flag, although it costs 180 ms per",
                            notes, notes, lead)  # cut mid-sentence


def test_an_ollama_answer_cut_by_its_token_limit_ends_at_its_last_whole_sentence(demo: Notebook) -> None:
    with FakeOllama({"llama3.2:latest": "chat"}) as server:
        server.replies.append("It roughly halves the memory [2]. The 8B model then needs about 8.5 G")
        demo.use_llm(OllamaLLM("llama3.2", host=server.host))
        order: list[str] = []
        result = demo.ask("how much memory does 8-bit quantization save?", agent=False,
                          on_sources=lambda found: order.append("sources"), on_token=lambda piece: order.append("token"))
        assert order[0] == "sources" and "token" in order
        assert result.text == "It roughly halves the memory [2]."
        assert numbers_in(result.text) <= {s.n for s in result.sources}


@pytest.mark.parametrize("question", ["what is my passport number?", "what did I decide about kubernetes autoscaling?"])
def test_a_weak_match_for_something_the_notes_never_mention_is_declined(demo: Notebook, question: str) -> None:
    """"passport number" scored 0.32 against "Writing numbers down every day" (the floor is 0.3)."""
    class MustNotBeCalled:
        backend, model, context_tokens = "test", "none", 4096

        def stream(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise AssertionError("the model was asked although the notes hold nothing about it")

        def count_tokens(self, text: str) -> int:
            return len(text) // 4

    demo.use_llm(MustNotBeCalled())  # type: ignore[arg-type]
    assert demo.unseen_words(question)
    result = demo.ask(question, agent=False)
    assert result.found_nothing and not result.sources
