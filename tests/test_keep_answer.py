"""Keeping an answer: written to today's journal, citations as working block references, and
nothing in it becomes a tag, link, task or property the user did not write."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from notegraph.agent.ask import Answer, Source
from notegraph.cli.main import cli
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.inert import inert
from notegraph.logseq.page import parse_text
from notegraph.notebook import Notebook
from notegraph.search import Filters
from notegraph.settings import load_settings
from tests.conftest import indexed_graph

HOSTILE = [
    "(… [[Paper: ColBERT]] #meeting) Discussion", "`id::` lines had to be stripped", "TODO do it", "DONE",
    "status:: done", "{{query (task TODO)}}", "((6571b1c2-0000-4000-8000-00000000abcd))", "# Heading",
    "#[[two words]] and #tag, #tag.", "SCHEDULED: <2026-11-20 Fri>", ":LOGBOOK:\nCLOCK: x\n:END:",
    "- a list\n* star\n> quote", "1. one\n2. two", "a:: b", "[x]([[p]]) and [label](https://x.y)", "tags:: a, b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_text_creates_nothing_and_shows_the_same_characters(text: str) -> None:
    escaped = inert(text)
    page = parse_text("journals/2026_11_22.md", "- Q\n\t- " + escaped.replace("\n", "\n\t  ") + "\n", GraphConfig())
    assert len(page.blocks) == 2 and not page.errors
    block = page.blocks[1]
    assert (block.refs, block.block_refs, block.tags, block.marker, block.properties) == ((), (), (), None, {})
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # only backslashes were added


GRAPH = {
    "journals/2026_11_20.md": "- Theme comments: three asked about the dark theme #meeting\n"
                              "- Do we ship a dark theme?\n  owner:: ana\n\t- Yes — three of them\n",
    "journals/2026_11_22.md": "- today's first block\n",
}


def notebook_for(tmp_path: Path) -> Notebook:
    return indexed_graph(tmp_path, GRAPH, settings=load_settings({"NOTEGRAPH_TODAY": "2026-11-22",
                                                                  "NOTEGRAPH_CONFIG": str(tmp_path / "none.toml")}))


def answer_over(notebook: Notebook, text: str) -> Answer:
    hits = notebook.search("dark theme", mode="keyword", limit=5)
    sources = [Source(n, hit, None) for n, hit in enumerate(sorted(hits, key=lambda h: h.line), start=1)]
    assert [s.hit.content.split("\n")[0] for s in sources][:2] == [
        "Theme comments: three asked about the dark theme #meeting", "Do we ship a dark theme?"]
    return Answer("what did I decide about the [[dark theme]]?", text, sources, sources[:2], backend="embedded",
                  model="gemma")


def test_a_saved_answer_is_a_block_of_today_with_references_to_its_sources(tmp_path: Path) -> None:
    notebook = notebook_for(tmp_path)
    result = answer_over(notebook, "Do we ship a dark theme? — Yes, three #meeting [2]\nTheme comments [1, 2]")
    saved = notebook.save_answer(result)
    day = (notebook.root / "journals/2026_11_20.md").read_text()
    ids = re.findall(r"id:: ([0-9a-f-]{36})", day)
    assert len(ids) == 2
    # the id goes after the block's first line and its property lines, as Logseq writes it
    assert day == ("- Theme comments: three asked about the dark theme #meeting\n  id:: " + ids[0] + "\n"
                   "- Do we ship a dark theme?\n  owner:: ana\n  id:: " + ids[1] + "\n\t- Yes — three of them\n")
    today = (notebook.root / "journals/2026_11_22.md").read_text()
    assert today == ("- today's first block\n"
                     "- Q: what did I decide about the \\[\\[dark theme\\]\\]?\n"
                     f"\t- Do we ship a dark theme? — Yes, three \\#meeting [2]((({ids[1]})))\n"
                     f"\t- Theme comments [1]((({ids[0]}))) [2]((({ids[1]})))\n"
                     "\t- answered by embedded: gemma\n")
    assert (saved.rel, saved.line) == ("journals/2026_11_22.md", 2)
    # read back: the only references are the citations
    page = parse_text("journals/2026_11_22.md", today, GraphConfig())
    assert {ref for b in page.blocks for ref in b.block_refs} == set(ids)
    assert not any(b.refs or b.tags or b.marker or b.properties for b in page.blocks)


def test_a_source_changed_since_the_answer_is_cited_by_its_page(tmp_path: Path) -> None:
    notebook = notebook_for(tmp_path)
    result = answer_over(notebook, "Yes, three [2]")
    day = notebook.root / "journals/2026_11_20.md"
    day.write_text(day.read_text().replace("Do we ship a dark theme?", "Do we ship dark themes?"))
    notebook.save_answer(result)
    assert day.read_text().count("id::") == 0
    assert "\t- Yes, three [2]([[Nov 20th, 2026]])\n" in (notebook.root / "journals/2026_11_22.md").read_text()


def test_a_follow_up_is_kept_with_what_it_refers_to(tmp_path: Path) -> None:
    """"Q: why was that?" alone in the journal meant nothing (found in a tmux trial)."""
    notebook = notebook_for(tmp_path)
    result = answer_over(notebook, "Yes, three [2]")
    result.question, result.searched = "why was that?", "why was that? (what did I decide about the dark theme?)"
    notebook.save_answer(result)
    today = (notebook.root / "journals/2026_11_22.md").read_text()
    assert "\n- Q: why was that? (what did I decide about the dark theme?)\n" in today


def test_nothing_to_save_is_refused(tmp_path: Path) -> None:
    notebook = notebook_for(tmp_path)
    result = Answer("capital of France?", "Nothing in the notes is about this.", [], [], found_nothing=True)
    with pytest.raises(Exception, match="no answer to save"):
        notebook.save_answer(result)


def test_cli_ask_save(demo_notebook) -> None:  # type: ignore[no-untyped-def]
    demo = demo_notebook("2026-11-22")
    before = (demo.root / "journals/2026_11_22.md").read_text()
    out = CliRunner().invoke(cli, ["ask", "-g", str(demo.root), "--save", "--json",
                                   "what did I decide about the reranker?"], env={"NOTEGRAPH_LLM": "embedded"})
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["saved"]["file"] == "journals/2026_11_22.md"
    after = (demo.root / "journals/2026_11_22.md").read_text()
    added = after[len(before):]
    assert after.startswith(before) and "- Q: what did I decide about the reranker?" in added
    assert "Decided: reranker stays" in added and re.search(r"\[1\]\(\(\([0-9a-f-]{36}\)\)\)", added)


def test_two_sources_in_one_file_both_get_their_ids(tmp_path: Path) -> None:
    """Found trying it: the id added to the first source moved the second one down a line, and
    the second was then cited by its page instead of its block."""
    notebook = notebook_for(tmp_path)
    result = answer_over(notebook, "Theme comments [1]\nDo we ship one? [2]")
    notebook.save_answer(result)
    day = (notebook.root / "journals/2026_11_20.md").read_text()
    ids = re.findall(r"id:: ([0-9a-f-]{36})", day)
    assert len(ids) == 2
    today = (notebook.root / "journals/2026_11_22.md").read_text()
    assert f"[1]((({ids[0]})))" in today and f"[2]((({ids[1]})))" in today and "[[Nov 20th, 2026]]" not in today


def test_a_kept_answer_is_not_cited_back_by_the_next_question(tmp_path: Path) -> None:
    """The "answered by" line of a kept answer came back as a source of the next question."""
    notebook = notebook_for(tmp_path)
    notebook.save_answer(answer_over(notebook, "Yes — three dark themes [2]"))
    notebook.index()
    today = {h.content.split("\n")[0]: h.rowid for h in notebook.search("", Filters(pages=("nov 22nd, 2026",)))}
    kept = {rowid for content, rowid in today.items() if content != "today's first block"}
    assert len(kept) == 3  # the question, the answer line, the "answered by" line
    everything = [h.rowid for h in notebook.search("dark theme answered", mode="keyword", limit=20)]
    assert notebook.inside_kept_answers(list(today.values()) + everything) == kept
    # a block of the user's that merely starts with "Q: " is not an answer notegraph kept
    (notebook.root / "journals/2026_11_21.md").write_text("- Q: my own question\n\t- my own answer\n")
    notebook.index()
    own = [h.rowid for h in notebook.search("own", mode="keyword")]
    assert own and not notebook.inside_kept_answers(own)
