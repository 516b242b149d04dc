"""Embeddings and search by meaning, with the real all-MiniLM-L6-v2 model on real SQLite indexes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pytest
from click.testing import CliRunner

from notegraph.cli.main import cli
from notegraph.embed import make_embedder
from notegraph.embed.sentence import MiniLMEmbedder
from notegraph.errors import NotegraphError
from notegraph.notebook import Notebook
from notegraph.search import Filters, pages_named_in
from tests.conftest import REPO, copy_demo
from tests.ollama_fake import FakeOllama
from tests.waiting import DEADLINE, wait_until


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, name: str | None = None) -> None:
        self.inner = MiniLMEmbedder.shared()
        self.name = name or self.inner.name
        self.max_words = self.inner.max_words
        self.dim = self.inner.dim
        self.texts: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> Any:
        self.texts += texts
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Any:
        return self.inner.embed_query(text)


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def open_notebook(root: Path, embedder: Any = None) -> Notebook:
    notebook = Notebook.open(root, embedder=embedder or CountingEmbedder())
    notebook.index()
    return notebook


def queued_texts(notebook: Notebook) -> list[str]:
    return [r[0] for r in notebook.store.db.execute("SELECT text FROM embed_queue ORDER BY text").fetchall()]


FAQ = """\
- Do you have a dark theme?
\t- Yes, three of them: Moss, Slate and Midnight.
- How many plants can I add for free?
\t- Fifteen
- Why does the app ask for my location?
\t- Only to work out your hemisphere for the watering schedule.
"""


# -- what gets embedded -----------------------------------------------------------------------


def test_context_is_page_title_then_nearest_ancestors_then_the_block(tmp_path: Path) -> None:
    write(tmp_path, "pages/Sprout FAQ.md", FAQ)
    write(tmp_path, "journals/2026_11_05.md", "- Reading group\n\t- [[Quantization]] paper #ml\n"
                                              "\t\t- squeezes weights to 8 bits\n")
    notebook = open_notebook(tmp_path)
    notebook.embed(max_texts=0)  # plan only: the texts wait in the queue
    texts = queued_texts(notebook)
    assert "Sprout FAQ › Do you have a dark theme?\nYes, three of them: Moss, Slate and Midnight." in texts
    assert "Sprout FAQ\nDo you have a dark theme? — Yes, three of them: Moss, Slate and Midnight." not in texts
    # a journal's title is a date: left out; links and tags become words
    assert "Reading group › Quantization paper ml\nsqueezes weights to 8 bits" in texts


def test_hidden_machinery_is_stripped_and_block_refs_expanded(tmp_path: Path) -> None:
    write(tmp_path, "pages/Target.md", "- The referenced insight about caching\n"
                                       "  id:: 6563a1b2-0000-4000-8000-000000000001\n")
    write(tmp_path, "pages/Source.md", """\
- TODO Follow up on ((6563a1b2-0000-4000-8000-000000000001))
  SCHEDULED: <2026-11-24 Tue>
  collapsed:: true
  :LOGBOOK:
  CLOCK: [2026-11-20 Fri 10:00]--[2026-11-20 Fri 11:00] =>  01:00:00
  :END:
- Open questions {{query (task TODO)}}
""")
    notebook = open_notebook(tmp_path)
    notebook.embed(max_texts=0)
    texts = queued_texts(notebook)
    follow = next(t for t in texts if "Follow up" in t)
    assert follow == "Source\nTODO Follow up on The referenced insight about caching"
    assert "Source\nOpen questions" in texts
    assert not any("LOGBOOK" in t or "CLOCK" in t or "collapsed" in t or "id:" in t or "query" in t
                   for t in texts)


def test_long_blocks_become_overlapping_pieces_of_one_block(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(400)]
    write(tmp_path, "pages/Long.md", "- Parent heading\n\t- " + " ".join(words) + "\n")
    notebook = open_notebook(tmp_path)
    notebook.embed(max_texts=0)
    rows = notebook.store.db.execute(
        "SELECT bp.block, bp.piece, q.text FROM block_pieces bp JOIN embed_queue q ON q.key = bp.key "
        "WHERE q.text LIKE '%w399%' ORDER BY bp.piece").fetchall()
    pieces = [r[0] for r in notebook.store.db.execute(
        "SELECT q.text FROM block_pieces bp JOIN embed_queue q ON q.key = bp.key "
        "WHERE bp.block = ? ORDER BY bp.piece", [rows[0][0]]).fetchall()]
    assert len({r[0] for r in rows}) == 1 and len(pieces) >= 3
    assert all(p.startswith("Long › Parent heading\n") for p in pieces)
    assert all(len(p.split()) <= MiniLMEmbedder.max_words for p in pieces)
    seen = [set(p.split("\n", 1)[1].split()) for p in pieces]
    assert set().union(*seen) == set(words)  # nothing lost
    assert all(seen[i] & seen[i + 1] for i in range(len(seen) - 1))  # neighbours overlap


def test_near_empty_blocks_borrow_their_childrens_words(tmp_path: Path) -> None:
    write(tmp_path, "pages/Sprints.md", "- [[Sprint 15]]\n\t- shipped hybrid search\n\t- fixed the FTS bug\n")
    notebook = open_notebook(tmp_path)
    notebook.embed(max_texts=0)
    assert "Sprints\nSprint 15 — shipped hybrid search; fixed the FTS bug" in queued_texts(notebook)


# -- incremental ------------------------------------------------------------------------------


def _many_blocks(n: int) -> str:
    topics = ["tea", "trains", "maps", "clouds", "ferns", "violins", "chess", "rivers", "bread", "owls"]
    return "".join(f"- note {i} about {topics[i % 10]} and {topics[(i * 7) % 10]} number {i}\n" for i in range(n))


def test_one_edited_block_in_a_500_block_file_is_the_only_one_embedded(tmp_path: Path) -> None:
    page = write(tmp_path, "pages/Big.md", _many_blocks(500))
    write(tmp_path, "pages/Other.md", "- something else entirely\n")
    embedder = CountingEmbedder()
    notebook = open_notebook(tmp_path, embedder)
    first = notebook.embed()
    assert first.embedded == 501 and len(embedder.texts) == 501
    page.write_text(page.read_text().replace("note 250 about", "note 250 (edited) about"))
    embedder.texts.clear()
    notebook.index()
    report = notebook.embed()
    assert embedder.texts == ["Big\nnote 250 (edited) about tea and tea number 250"]
    assert report.embedded == 1 and report.pending_blocks == 0
    notebook.close()

    # re-opening the graph after one more edit embeds that one block, not the graph
    page.write_text(page.read_text().replace("note 7 about", "note 7 (again) about"))
    reopened = open_notebook(tmp_path, embedder)
    embedder.texts.clear()
    reopened.embed()
    assert len(embedder.texts) == 1 and "note 7 (again)" in embedder.texts[0]


def test_changing_the_model_embeds_everything_again(tmp_path: Path) -> None:
    write(tmp_path, "pages/Sprout FAQ.md", FAQ)
    notebook = open_notebook(tmp_path, CountingEmbedder())
    assert notebook.embed().embedded == 6
    other = CountingEmbedder(name="another-model")
    renamed = open_notebook(tmp_path, other)
    report = renamed.embed()
    assert len(other.texts) == 6
    assert any("changed from sentence-transformers/all-MiniLM-L6-v2 to another-model" in n for n in report.notices)
    assert renamed.embed_status().model == "another-model"


def test_semantic_search_sees_what_is_embedded_and_says_what_is_pending(tmp_path: Path) -> None:
    write(tmp_path, "pages/Sprout FAQ.md", FAQ)
    notebook = open_notebook(tmp_path)
    notebook.embed()
    write(tmp_path, "pages/Theme.md", "- Night mode uses true black for OLED screens\n- Colour palettes\n")
    notebook.index()
    report = notebook.embed(max_texts=0)
    assert report.pending_blocks == 2 and notebook.embed_status().pending == 2
    hits = notebook.search("night mode for OLED", mode="semantic", limit=10)
    assert hits and all(h.file == "pages/Sprout FAQ.md" for h in hits)
    notebook.embed()
    assert notebook.embed_status().pending == 0
    assert notebook.search("night mode for OLED", mode="semantic", limit=1)[0].file == "pages/Theme.md"


# -- ranking --------------------------------------------------------------------------------------


def test_filters_apply_before_ranking(tmp_path: Path) -> None:
    write(tmp_path, "pages/Themes.md", "".join(f"- dark theme idea {i}: a darker palette for the app\n"
                                               for i in range(30)))
    write(tmp_path, "pages/Ui.md", "- colours for reading at night #ui\n")
    notebook = open_notebook(tmp_path)
    notebook.embed()
    unfiltered = notebook.search("dark theme", mode="semantic", limit=5)
    assert all(h.file == "pages/Themes.md" for h in unfiltered)
    for mode in ("semantic", "hybrid"):
        filtered = notebook.search("dark theme", Filters(tags=("ui",)), mode=mode, limit=5)
        assert [h.content for h in filtered] == ["colours for reading at night #ui"]


def test_a_question_is_answered_by_the_block_under_it(tmp_path: Path) -> None:
    write(tmp_path, "pages/Sprout FAQ.md", FAQ)
    notebook = open_notebook(tmp_path)
    notebook.embed()
    for mode in ("semantic", "hybrid"):
        hits = notebook.search("do we support a dark mode?", mode=mode, limit=3)
        assert hits[0].content.startswith("Yes, three of them"), [h.content for h in hits]
        assert hits[0].breadcrumb == ("Do you have a dark theme?",)
    assert notebook.search("limit on plants without paying", mode="hybrid", limit=1)[0].content == "Fifteen"


def test_a_daily_template_does_not_swamp_results(tmp_path: Path) -> None:
    for day in range(1, 11):
        write(tmp_path, f"journals/2026_09_{day:02d}.md", f"- ## Morning routine\n- ## Evening\n- day {day} log\n")
    write(tmp_path, "journals/2026_09_11.md", "- ## Morning routine\n- Went for a sunrise jog before breakfast\n")
    notebook = open_notebook(tmp_path)
    notebook.embed()
    for mode in ("semantic", "hybrid"):
        contents = [h.content for h in notebook.search("what did I do in the morning routine", mode=mode, limit=3)]
        assert contents.count("## Morning routine") == 1, contents  # eleven copies, shown once
        assert "Went for a sunrise jog before breakfast" in contents[:2], contents


def test_hybrid_finds_exact_words_that_meaning_alone_misses(tmp_path: Path) -> None:
    write(tmp_path, "pages/Bugs.md", "- crash in FTS5 with the token bge-small\n- the parser handles tabs fine\n"
                                     "- search sometimes fails on odd input\n")
    notebook = open_notebook(tmp_path)
    notebook.embed()
    assert notebook.search("bge-small", mode="hybrid", limit=1)[0].content.startswith("crash in FTS5")


def test_similar_blocks_across_the_graph(tmp_path: Path) -> None:
    write(tmp_path, "pages/A.md", "- int8 quantization halves the memory of model weights\n")
    write(tmp_path, "pages/B.md", "- squeezing weights to 8 bits makes the model smaller\n- sourdough starter feeding\n")
    notebook = open_notebook(tmp_path)
    notebook.embed()
    origin, hits = notebook.similar("pages/A.md:1", limit=2)
    assert origin.file == "pages/A.md"
    assert hits[0].content.startswith("squeezing weights") and all(h.file != "pages/A.md" for h in hits)
    with pytest.raises(NotegraphError, match="no block"):
        notebook.similar("pages/Nope.md:3")


def test_numpy_forward_pass_agrees_with_sentence_transformers() -> None:
    from notegraph.embed.minilm_numpy import NumpyMiniLM

    texts = [line.strip("-\t ") for line in (REPO / "journals/2026_11_05.md").read_text().splitlines()
             if line.strip()][:40]
    torch_vectors = MiniLMEmbedder.shared()._load().encode(texts, normalize_embeddings=True)
    numpy_vectors = NumpyMiniLM(MiniLMEmbedder.model_dir()).encode(texts)
    assert float(np.min(np.sum(torch_vectors * numpy_vectors, axis=1))) > 0.9999


def test_background_worker_embeds_when_woken(tmp_path: Path) -> None:
    write(tmp_path, "pages/Sprout FAQ.md", FAQ)
    notebook = open_notebook(tmp_path)
    reports: list[Any] = []
    worker = notebook.embed_in_background(reports.append)
    try:
        assert worker.idle.wait(DEADLINE)
        assert reports[-1].embedded == 6
        write(tmp_path, "pages/New.md", "- a new thought\n")
        notebook.index()
        worker.wake()
        assert worker.idle.wait(DEADLINE)
        assert reports[-1].embedded == 1 and notebook.embed_status().pending == 0
    finally:
        assert worker.stop(timeout=DEADLINE)


def test_background_embedding_waits_while_paused_and_goes_on_when_resumed(tmp_path: Path) -> None:
    """The app pauses embedding while the language model writes an answer."""
    import sys

    write(tmp_path, "pages/Sprout FAQ.md", FAQ)
    from notegraph.index.embedding import EmbedWorker

    notebook = open_notebook(tmp_path)
    reports: list[Any] = []
    # Paused before it starts: paused once it runs, it could finish the only chunk first (a
    # loaded embedder on a quiet machine) and never be caught holding six texts.
    worker = EmbedWorker(lambda: notebook._open_store(), notebook.embedder, reports.append)

    def held() -> bool:  # the embedding thread is blocked in the pause, between chunks
        frame = sys._current_frames().get(worker._thread.ident or -1)
        while frame is not None:
            if frame.f_code.co_name == "_chunk_done":
                return True
            frame = frame.f_back
        return False

    worker.pause()
    worker.pause()  # an answer and a report at once: both must end before embedding goes on
    worker.start()
    try:
        assert wait_until(held)
        assert notebook.embed_status().pending == 6 and not reports
        worker.resume()
        assert worker.paused and held()
        worker.resume()
        assert worker.idle.wait(DEADLINE)
        assert reports[-1].embedded == 6 and notebook.embed_status().pending == 0
    finally:
        assert worker.stop(timeout=DEADLINE)


# -- Ollama embeddings, over Ollama's HTTP API -------------------------------------------------------


def test_ollama_embedder_speaks_the_api(tmp_path: Path) -> None:
    write(tmp_path, "pages/Sprout FAQ.md", FAQ)
    with FakeOllama() as server:
        from notegraph.embed.ollama_embed import OllamaEmbedder

        embedder = OllamaEmbedder("nomic-embed-text", host=server.host)
        notebook = open_notebook(tmp_path, embedder)
        assert notebook.embed().embedded == 6
        assert notebook.embed_status().model == "ollama:nomic-embed-text"
        hits = notebook.search("do we support a dark mode?", mode="semantic", limit=1)
        assert hits[0].content.startswith("Yes, three of them")
        sent = [body for path, body in server.requests if path == "/api/embed"]
        assert sent[0]["model"] == "nomic-embed-text"
        assert all(t.startswith("search_document: ") for t in sent[0]["input"])
        assert sent[-1]["input"] == ["search_query: do we support a dark mode?"]


def test_ollama_errors_say_how_to_fix_them() -> None:
    from notegraph.embed.ollama_embed import OllamaEmbedder

    with FakeOllama(models={}) as server:
        with pytest.raises(NotegraphError) as missing:
            OllamaEmbedder("nomic-embed-text", host=server.host).embed_query("x")
        assert missing.value.hint == "ollama pull nomic-embed-text"
        host = server.host
    with pytest.raises(NotegraphError) as down:
        OllamaEmbedder("nomic-embed-text", host=host, timeout=2).embed_query("x")
    assert "ollama serve" in (down.value.hint or "")
    with pytest.raises(NotegraphError, match="unknown embedder"):
        make_embedder("word2vec")


# -- CLI ---------------------------------------------------------------------------------------------


def test_cli_search_modes_queries_file_and_similar(tmp_path: Path) -> None:
    root = tmp_path / "graph"
    write(root, "pages/Sprout FAQ.md", FAQ)
    runner = CliRunner()
    indexed = runner.invoke(cli, ["index", str(root)])
    assert indexed.exit_code == 0, indexed.output
    assert "6 texts embedded" in indexed.stdout
    result = runner.invoke(cli, ["search", "-g", str(root), "--mode", "semantic", "--json", "-n", "1",
                                 "do we support a dark mode?"])
    assert result.exit_code == 0, result.output
    hit = json.loads(result.stdout)
    assert hit["content"].startswith("Yes, three of them") and hit["breadcrumb"] == ["Do you have a dark theme?"]
    questions = tmp_path / "q.txt"
    questions.write_text("why the location?\n\nhow many plants for free\n")
    batch = runner.invoke(cli, ["search", "-g", str(root), "--queries", str(questions), "-n", "2"])
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["why the location?", "how many plants for free"]
    assert lines[1]["hits"][0]["content"] == "Fifteen" and len(lines[1]["hits"]) == 2
    related = runner.invoke(cli, ["similar", "-g", str(root), "pages/Sprout FAQ.md:1", "--json", "-n", "1"])
    assert related.exit_code == 0, related.output
    assert json.loads(related.stdout)["file"] == "pages/Sprout FAQ.md"
    # an edit since: the search embeds the few changed blocks itself
    write(root, "pages/New.md", "- the watering reminder can be snoozed for a day\n")
    fresh = runner.invoke(cli, ["search", "-g", str(root), "--json", "-n", "1", "postpone a reminder"])
    assert json.loads(fresh.stdout)["file"] == "pages/New.md"


def test_demo_graph_answers_in_other_words(tmp_path: Path) -> None:
    notebook = open_notebook(copy_demo(tmp_path / "demo"))
    notebook.embed()
    hits = notebook.search("squeezing weights to 8 bits", mode="hybrid", limit=5)
    assert any("8 bits" in h.content for h in hits[:2])


def test_hybrid_search_finds_keyword_matches_before_anything_is_embedded(indexed_demo) -> None:  # type: ignore[no-untyped-def]
    """A new user searches while the first embedding runs: "no matches" would be a lie."""
    keyword = [h.content for h in indexed_demo.search("dark theme", mode="keyword", limit=10)]
    hybrid = [h.content for h in indexed_demo.search("dark theme", mode="hybrid", limit=10)]
    assert keyword and set(keyword) <= set(hybrid)


def test_a_page_the_question_names_is_what_it_is_about(tmp_path: Path) -> None:
    """ "the banana bread" names a page: its blocks (and blocks linking it) count for more, so the
    page's own note outranks a closer-sounding one elsewhere; an alias names it too."""
    write(tmp_path, "pages/Banana Bread.md", "alias:: nana loaf\n\n- 50 minutes at 175 degrees\n- three ripe bananas\n")
    write(tmp_path, "pages/Sourdough.md", "- bake the bread for 45 minutes, until it sounds hollow\n")
    notebook = open_notebook(tmp_path)
    notebook.embed()
    assert pages_named_in(notebook.store, "how long does the banana bread bake?") == ["banana bread"]
    assert pages_named_in(notebook.store, "and the nana loaf?") == ["banana bread"]
    assert pages_named_in(notebook.store, "bananas and breadcrumbs") == []  # whole words only
    question = "how long does the nana loaf need to bake?"  # the alias: in no block's text or context
    plain = rank_blocks_without_titles(notebook, question)
    named = [h.content for h in notebook.search(question, mode="hybrid", limit=3)]
    assert named[0] == "50 minutes at 175 degrees", named
    assert plain[0] == "bake the bread for 45 minutes, until it sounds hollow", plain  # what the title changes


def rank_blocks_without_titles(notebook, question: str) -> list[str]:  # type: ignore[no-untyped-def]
    from dataclasses import replace as with_changes

    notebook.ranking = with_changes(notebook.ranking, title_weight=0.0)
    try:
        return [h.content for h in notebook.search(question, mode="hybrid", limit=3)]
    finally:
        notebook.ranking = with_changes(notebook.ranking, title_weight=0.05)
