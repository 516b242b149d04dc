"""Queries through the facade, checked against what the reader reports for the same files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from notegraph.notebook import Notebook
from notegraph.search import OPEN_MARKERS, Filters, fts_query, tag_tree
from notegraph.settings import load_settings
from notegraph.timewindow import DateWindow
from tests.conftest import FIXTURES, REPO


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Notebook:
    tmp = tmp_path_factory.mktemp("demo")
    notebook = Notebook.open(REPO, settings=load_settings({"NOTEGRAPH_TODAY": "2026-11-23",
                                                            "NOTEGRAPH_CONFIG": str(tmp / "none.toml")}),
                             index=tmp / "i.db")
    notebook.index()
    return notebook


def exported_blocks(notebook: Notebook) -> list[tuple[str, str, object]]:
    return [(page.name, page.key, block) for page in notebook.pages() for block in page.blocks]


def test_every_tag_query_agrees_with_the_export(demo: Notebook) -> None:
    blocks = exported_blocks(demo)
    page_tags = {page.key: page.tags for page in demo.pages()}
    for tag in demo.tag_counts():
        expected = {b.id for _, key, b in blocks if tag in b.tags + page_tags[key]}  # type: ignore[attr-defined]
        got = {h.id for h in demo.search("", Filters(tags=(tag,), tag_subtree=False), limit=10_000)}
        assert got == expected, tag
        subtree = {b.id for _, key, b in blocks  # type: ignore[attr-defined]
                   if any(t == tag or t.startswith(tag + "/") for t in b.tags + page_tags[key])}
        assert {h.id for h in demo.search("", Filters(tags=(tag,)), limit=10_000)} == subtree


def test_every_backlink_query_agrees_with_the_export(demo: Notebook) -> None:
    blocks = exported_blocks(demo)
    referenced = {r for _, _, b in blocks for r in b.refs}  # type: ignore[attr-defined]
    for key in sorted(referenced):
        page, groups = demo.backlinks(key)
        got = {h.id for g in groups for h in g.hits}
        expected = {b.id for _, pkey, b in blocks if key in b.refs and pkey != key}  # type: ignore[attr-defined]
        assert got == expected, key


def test_every_task_query_agrees_with_the_export(demo: Notebook) -> None:
    blocks = exported_blocks(demo)
    for marker in ("TODO", "DOING", "LATER", "NOW", "DONE", "CANCELED"):
        got = {h.id for h in demo.tasks(Filters(markers=(marker,)), limit=10_000)}
        assert got == {b.id for _, _, b in blocks if b.marker == marker}, marker  # type: ignore[attr-defined]
    open_tasks = {h.id for h in demo.tasks(limit=10_000)}
    assert open_tasks == {b.id for _, _, b in blocks if b.marker in OPEN_MARKERS}  # type: ignore[attr-defined]


def test_tag_subtree_and_tree_counts(demo: Notebook) -> None:
    counts = demo.tag_counts()
    assert counts["ai/predictions"] == 9 and "ai" not in counts
    tree = {node.name: node for node in tag_tree(counts)}
    assert tree["ai"].total == 9 and tree["ai"].count == 0
    assert tree["ai"].children["predictions"].count == 9
    assert len(demo.search("", Filters(tags=("ai",)), limit=100)) == 9
    assert demo.search("", Filters(tags=("ai",), tag_subtree=False)) == []


def test_keyword_search_ranks_and_highlights(demo: Notebook) -> None:
    hits = demo.search("dark theme")
    assert hits[0].content == "Do we ship a dark theme?"
    assert hits[0].breadcrumb == ("UI sketching for the notebook (terminal, Textual)",)
    assert "\x02dark\x03" in (hits[0].snippet or "")
    assert hits[0].score is not None and hits[0].score >= hits[-1].score  # type: ignore[operator]


@pytest.mark.parametrize("text", ['"unbalanced', "a AND OR", "NEAR(x y)", "-minus", "col:on", "(((", "'quote'",
                                  "*", "ü", '"" OR', "OR OR", "x OR", "^start", "a-b c:d"])
def test_user_input_never_breaks_the_fts_syntax(demo: Notebook, text: str) -> None:
    demo.search(text)  # must not raise


def test_prefix_phrase_and_or(demo: Notebook) -> None:
    assert fts_query('quantiz* "dark theme" x OR y') == '"quantiz"* "dark theme" "x" OR "y"'
    assert demo.search("quantiz*")
    phrase = demo.search('"dark theme"')
    assert phrase and all("dark theme" in h.content.lower() for h in phrase)
    both = demo.search("ColBERT OR RAPTOR", limit=100)
    assert any("colbert" in h.content.lower() for h in both) and any("raptor" in h.content.lower() for h in both)


def test_date_windows_and_combinations(demo: Notebook) -> None:
    window = demo.window("last week")
    assert window == DateWindow(dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    hits = demo.search("", Filters(window=window, markers=("DONE",), refs=("RAG Prototype",)), limit=100)
    assert len(hits) == 3
    assert all(h.marker == "DONE" and h.journal_day and window.contains(h.journal_day) for h in hits)
    sprint = demo.window("last sprint")  # the demo graph's config.edn starts sprints on 2026-10-26
    assert sprint == DateWindow(dt.date(2026, 11, 9), dt.date(2026, 11, 22))
    assert demo.window(None, "2026-11-01", "2026-11-03") == DateWindow(dt.date(2026, 11, 1), dt.date(2026, 11, 3))


def test_backlinks_are_grouped_with_breadcrumbs_and_follow_aliases(tmp_path: Path) -> None:
    root = tmp_path / "g"
    shutil.copytree(FIXTURES / "format_graph", root)
    (root / "pages/linker.md").write_text("- see [[PX]] and [[Project X]]\n\t- under it: [[proj x]]\n"
                                          "- mentions project x without a link\n")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    page, groups = notebook.backlinks("PX")  # an alias resolves to the page
    assert page.name == "Project X"
    assert [g.page for g in groups] == ["linker"]
    hits = groups[0].hits
    assert [h.content for h in hits] == ["see [[PX]] and [[Project X]]", "under it: [[proj x]]"]
    assert hits[1].breadcrumb == ("see [[PX]] and [[Project X]]",)
    unlinked = notebook.unlinked("Project X")
    assert [h.content for g in unlinked for h in g.hits] == ["mentions project x without a link"]


def test_unknown_page_is_a_clear_error(demo: Notebook) -> None:
    from notegraph.errors import NotegraphError

    with pytest.raises(NotegraphError) as excinfo:
        demo.backlinks("No Such Page At All")
    assert excinfo.value.hint


def test_a_pages_tags_property_tags_its_blocks_and_follows_edits(tmp_path: Path) -> None:
    """Logseq counts ``tags::`` on a page as tags of the page: `tag:academic`, `notegraph tags`,
    the tag tree and --tag find the page's blocks. Changing only the property re-tags them."""
    root = tmp_path / "graph"
    (root / "pages").mkdir(parents=True)
    paper = root / "pages" / "Paper.md"
    paper.write_text("tags:: #Academic, [[Reading List]]\nalias:: AP\n\n- first block\n\t- child\n")
    (root / "pages" / "Other.md").write_text("- elsewhere #academic\n")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()

    def tagged(tag: str) -> set[str]:
        words, filters = notebook.parse_query(f"tag:{tag}")
        return {h.content.split("\n")[0] for h in notebook.search(words, filters, limit=100)}

    assert tagged("academic") == {"tags:: #Academic, [[Reading List]]", "first block", "child", "elsewhere #academic"}
    assert tagged("\"reading list\"") == {"tags:: #Academic, [[Reading List]]", "first block", "child"}
    assert notebook.tag_counts()["academic"] == 4
    paper.write_text("tags:: Physics\nalias:: AP\n\n- first block\n\t- child\n")
    notebook.index()
    assert tagged("academic") == {"elsewhere #academic"}
    assert tagged("physics") == {"tags:: Physics", "first block", "child"}
    assert "reading list" not in notebook.tag_counts()
