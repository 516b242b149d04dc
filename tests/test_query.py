"""Logseq simple queries: expected results written by reading the files, not by running the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from notegraph.notebook import Notebook
from notegraph.query import QueryError
from notegraph.settings import load_settings
from tests.conftest import REPO, indexed_graph


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Notebook:
    tmp = tmp_path_factory.mktemp("demo")
    notebook = Notebook.open(REPO, settings=load_settings({"NOTEGRAPH_TODAY": "2026-11-20",
                                                            "NOTEGRAPH_CONFIG": str(tmp / "none.toml")}),
                             index=tmp / "i.db")
    notebook.index()
    return notebook


def where(notebook: Notebook, query: str) -> list[str]:
    return [f"{h.file.removeprefix('journals/').removesuffix('.md')}:{h.line}" for h in notebook.query(query).blocks]


def test_the_demo_graphs_own_query_lists_the_open_tasks_of_the_prototype(demo: Notebook) -> None:
    """Nov 9's `{{query (and [[RAG Prototype]] (task TODO DOING))}}`: every TODO/DOING block that
    links [[RAG Prototype]] — found with grep and read one by one — newest day first."""
    assert where(demo, "(and [[RAG Prototype]] (task TODO DOING))") == [
        "2026_11_16:24", "2026_11_11:27", "2026_11_10:25", "2026_11_09:17", "2026_11_09:19", "2026_11_09:21",
        "2026_11_07:19", "2026_11_06:26", "2026_11_02:17", "2026_10_28:24", "2026_10_26:22"]


def test_operators_on_the_demo(demo: Notebook) -> None:
    assert where(demo, "(task NOW)") == ["2026_11_19:1", "2026_11_05:6"]
    # (not …) inside (and …); DONE blocks about the demo are left out
    lab = where(demo, "(and [[Lab Meeting]] (task TODO DOING NOW DONE) (not (task DONE)))")
    assert lab == ["2026_11_19:1", "2026_11_09:19"]
    # between with journal pages and with offsets agree
    assert where(demo, "(and (task NOW) (between [[Nov 15th, 2026]] [[Nov 20th, 2026]]))") == ["2026_11_19:1"]
    assert where(demo, "(and (task NOW) (between -5d today))") == ["2026_11_19:1"]
    assert where(demo, '(and "Q4_K_M" (task NOW))') == ["2026_11_05:6"]


def graph(tmp_path: Path, files: dict[str, str]) -> Notebook:
    return indexed_graph(tmp_path, files, settings=load_settings({"NOTEGRAPH_TODAY": "2026-11-20",
                                                                  "NOTEGRAPH_CONFIG": str(tmp_path / "none.toml")}))


FILES = {
    "pages/Alpha.md": "alias:: A1\ntype:: [[project]]\ntags:: research\n\n- on the alpha page\n\t- its child\n",
    "pages/Beta.md": "type:: project, paper\n\n- beta block\n",
    "pages/Alpha%2FNotes.md": "- namespaced\n",
    "journals/2026_11_18.md": "- about [[A1]]\n\t- TODO nested task\n\t\t- deeper\n- TODO [#B] plain task\n"
                              "- status:: active\n\t- with a property\n",
    "journals/2026_11_20.md": "- #alpha tagged today\n- DOING [#A] urgent\n- unrelated words\n",
}


def contents(notebook: Notebook, query: str) -> list[str]:
    return [h.content.split("\n")[0] for h in notebook.query(query).blocks]


def test_page_refs_follow_the_path_and_aliases_and_show_the_top_block_once(tmp_path: Path) -> None:
    notebook = graph(tmp_path, FILES)
    # The alias links the page; the block on the page counts; nested matches show under their top block.
    assert contents(notebook, "[[Alpha]]") == ["#alpha tagged today", "about [[A1]]", "on the alpha page"]
    assert contents(notebook, "(and [[alpha]] (task TODO))") == ["TODO nested task"]
    assert contents(notebook, "(and #alpha (not (task TODO)))") == ["#alpha tagged today", "about [[A1]]",
                                                                    "on the alpha page"]
    assert contents(notebook, "(or (priority A) (priority B))") == ["DOING [#A] urgent", "TODO [#B] plain task"]
    assert contents(notebook, '(page "alpha")') == ["on the alpha page"]
    assert contents(notebook, "(property status active)") == ["status:: active"]
    assert contents(notebook, "(between yesterday today)") == [
        "#alpha tagged today", "DOING [#A] urgent", "unrelated words"]
    assert contents(notebook, '"UNRELATED"') == ["unrelated words"]
    assert contents(notebook, "unrelated WORDS") == ["unrelated words"]  # bare words: a text search
    # Side by side: and. The block holding a query is left out of its own results.
    assert contents(notebook, "[[alpha]] (task TODO)") == ["TODO nested task"]
    rowid = notebook.query("(task DOING)").blocks[0].rowid
    assert notebook.query("(task DOING)", exclude=[rowid]).blocks == []


def test_page_queries(tmp_path: Path) -> None:
    notebook = graph(tmp_path, FILES)
    assert notebook.query("(page-property type project)").pages == ["Alpha", "Beta"]
    assert notebook.query("(page-property type paper)").pages == ["Beta"]
    assert notebook.query("(page-tags research)").pages == ["Alpha"]
    assert notebook.query("(namespace alpha)").pages == ["Alpha/Notes"]
    assert notebook.query("(and (page-property type project) (not (page-tags research)))").pages == ["Beta"]


@pytest.mark.parametrize("query, why", [
    ("(sort-by created-at)", "(sort-by …) is not supported"),
    ("(and [[x]]", "never closed"),
    ("[[x]])", "closes nothing"),
    ("", "empty"),
    ("(and TODO [[x]])", "is not a filter"),
    ("(and (page-tags x) (task TODO))", "mixes page filters"),
    ("(between -7d)", "takes a start and an end"),
    ("(between soon today)", "is not a day"),
    ("#+BEGIN_QUERY {:query [:find ?b]} #+END_QUERY", "advanced (datalog) queries are not supported"),
    ("((6571b1c2-0000-4000-8000-000000000000))", "not a query filter"),
])
def test_a_query_that_cannot_be_evaluated_says_why(tmp_path: Path, query: str, why: str) -> None:
    notebook = graph(tmp_path, {"journals/2026_11_20.md": "- x\n"})
    with pytest.raises(QueryError, match=None) as raised:
        notebook.query(query)
    assert why in raised.value.message and raised.value.hint
