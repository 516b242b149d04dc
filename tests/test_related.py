"""Related notes beside the editor: close in meaning, never from the same page or already linked,
and one key puts a reference to one at the cursor."""

from __future__ import annotations

import re
from pathlib import Path

from notegraph.notebook import Notebook
from tests.conftest import indexed_graph
from tests.test_tui_keys import app_test, started
from tests.waiting import burst, settle, until

FILES = {
    "journals/2026_11_20.md": "- the cross-encoder reranker adds latency on the laptop\n",
    "journals/2026_11_18.md": "- Measured the reranker: 380 ms per query on the laptop CPU\n"
                              "- Bought new running shoes, the old ones were worn out\n"
                              "- Latency of reranking is what we discussed with [[Nov 20th, 2026]] in mind\n",
    "pages/Reranker.md": "- Cross-encoder reranking costs latency, about 380 ms on a CPU\n",
    "journals/2026_11_19.md": "- the reranker page is [[Reranker]]\n",
}


def make(tmp_path: Path, monkeypatch) -> Notebook:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    notebook = indexed_graph(tmp_path, FILES)
    notebook.embed()
    return notebook


def test_related_blocks_are_close_in_meaning_and_never_on_this_page_or_already_linked(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    text = "the reranker is too slow on my laptop, see [[Reranker]]"
    found = [h.content.split("\n")[0] for h in notebook.related(text, "journals/2026_11_20.md")]
    assert found and found[0] == "Measured the reranker: 380 ms per query on the laptop CPU"
    assert "Bought new running shoes, the old ones were worn out" not in found  # not close in meaning
    assert not any("cross-encoder reranker adds latency" in f for f in found)  # this page
    assert not any("Latency of reranking" in f for f in found)  # links this page already
    assert not any("Cross-encoder reranking costs" in f for f in found)  # on a page this block links
    assert not any("the reranker page is" in f for f in found)  # links a page this block links
    assert notebook.related("x", "journals/2026_11_20.md") == []  # one word: nothing to go on


@app_test
async def test_f7_shows_the_pane_for_the_block_being_written_and_ctrl_l_links_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    async with started(notebook, size=(140, 30)) as (app, pilot):
        await burst(pilot, "end", "f7")
        pane = app.main_query_one("#journal-related")
        assert pane.display
        assert await until(pilot, lambda: "Measured the reranker" in "\n".join(
            str(s.render()) for s in pane.query("ListItem Static")))
        await burst(pilot, "f7")  # into the pane
        assert await until(pilot, lambda: pane.items.has_focus)
        first = pane.items.highlighted_child.hit  # type: ignore[union-attr]
        await burst(pilot, "ctrl+l")  # a reference to the first related block, at the cursor
        view = app.main_query_one("#journal-outline")
        assert await until(pilot, lambda: app.focused is view.editor and "((" in view.editor.text)
        await settle(pilot)
        view.flush()
    target = (notebook.root / first.file).read_text()
    uuid = re.search(r"id:: ([0-9a-f-]{36})", target).group(1)  # type: ignore[union-attr]
    first_line = first.content.split("\n")[0]
    assert f"- {first_line}\n  id:: {uuid}\n" in target  # the id goes under the block, as Logseq writes it
    assert (notebook.root / "journals/2026_11_20.md").read_text() == (
        f"- the cross-encoder reranker adds latency on the laptop (({uuid}))\n")  # a space before it


def test_a_related_row_says_what_the_block_is_under(tmp_path: Path) -> None:
    """The pane showed only the day; a child's parent is what it is about (found in a tmux trial)."""
    from notegraph.tui.related import related_row

    notebook = indexed_graph(tmp_path, {"journals/2026_11_04.md": "- Reranker experiment for the prototype\n"
                                                                  "\t- Latency on the laptop: +380 ms\n"})
    child = notebook.search("laptop", limit=1)[0]
    assert related_row(child).plain == "Nov 4th, 2026 › Reranker experiment for the prototype\nLatency on the laptop: +380 ms"


def test_a_block_ref_in_a_related_block_reads_as_its_text(tmp_path: Path) -> None:
    from notegraph.tui.related import related_row

    uuid = "0123abcd-0000-4000-8000-000000000000"
    notebook = indexed_graph(tmp_path, {"journals/2026_11_12.md": f"- Revisiting (({uuid})) after two days\n"})
    hit = notebook.search("revisiting", limit=1)[0]
    assert related_row(hit, {uuid: "hybrid wins by 2030"}.get).plain.endswith(
        "Revisiting ↪ hybrid wins by 2030 after two days")
