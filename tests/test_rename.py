"""Renaming a page rewrites every reference through the write protocol, and says what it did."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notegraph.errors import NotegraphError
from notegraph.notebook import Notebook
from tests.conftest import copy_demo, indexed_graph

FILES = {
    "logseq/config.edn": "{:file/name-format :triple-lowbar}",
    "pages/Old Name.md": "title:: Old Name\nalias:: ON\n\n- the page itself\n",
    "pages/Old Name___child.md": "- a child page, see [[Old Name]]\n",
    "journals/2026_11_20.md": "- met about [[Old Name]] and #[[old name]], also #Other\n"
                              "- tags:: old name, other\n\t- in code: `[[Old Name]]` stays\n"
                              "- ```\n  [[Old Name]] in a fence stays\n  ```\n- see [[Old Name/child]] too\n"
                              "- Old Name without brackets is an unlinked mention and stays\n",
}


def make(tmp_path: Path) -> Notebook:
    notebook = indexed_graph(tmp_path, FILES)
    return notebook


def test_rename_rewrites_links_tags_properties_title_and_namespace_children(tmp_path: Path) -> None:
    notebook = make(tmp_path)
    plan = notebook.plan_rename("old name", "New Name")
    assert {c.rel: (c.references, c.move_to) for c in plan.changes} == {
        "pages/Old Name.md": (1, "pages/New Name.md"),  # its title::
        "pages/Old Name___child.md": (1, "pages/New Name___child.md"),
        "journals/2026_11_20.md": (4, None)}
    report = notebook.rename_page(plan)
    assert report.error is None and len(report.done) == 3
    root = notebook.root
    assert not (root / "pages/Old Name.md").exists()
    assert (root / "pages/New Name.md").read_text() == "title:: New Name\nalias:: ON\n\n- the page itself\n"
    assert (root / "pages/New Name___child.md").read_text() == "- a child page, see [[New Name]]\n"
    assert (root / "journals/2026_11_20.md").read_text() == (
        "- met about [[New Name]] and #[[New Name]], also #Other\n"
        "- tags:: New Name, other\n\t- in code: `[[Old Name]]` stays\n"
        "- ```\n  [[Old Name]] in a fence stays\n  ```\n- see [[New Name/child]] too\n"
        "- Old Name without brackets is an unlinked mention and stays\n")
    assert all(r.round_trips for r in notebook.check())
    info, groups = notebook.backlinks("New Name")
    assert sum(len(g.hits) for g in groups) == 4
    assert notebook.namespace_children("New Name") == ["New Name/child"]
    with pytest.raises(NotegraphError):
        notebook.backlinks("Old Name/child")


def test_rename_on_the_demo_leaves_no_dangling_link_and_check_clean(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    before = sum(len(g.hits) for g in notebook.backlinks("RAG Prototype")[1])
    assert before >= 10
    report = notebook.rename_page(notebook.plan_rename("RAG Prototype", "Retrieval Prototype"))
    assert report.error is None
    assert sum(len(g.hits) for g in notebook.backlinks("Retrieval Prototype")[1]) == before
    assert not any("[[RAG Prototype]]" in p.read_text() for p in root.rglob("*.md"))
    assert all(r.round_trips for r in notebook.check())


def test_a_failed_write_leaves_each_file_old_or_new_and_running_again_finishes(tmp_path: Path) -> None:
    notebook = make(tmp_path)
    journal = notebook.root / "journals/2026_11_20.md"
    old_journal = journal.read_bytes()
    os.chmod(journal, 0o444)
    report = notebook.rename_page(notebook.plan_rename("Old Name", "New Name"))
    assert report.failed == "journals/2026_11_20.md" and report.error is not None
    assert "read-only" in report.error.message
    assert journal.read_bytes() == old_journal  # wholly old
    assert report.not_done == ["pages/Old Name.md", "pages/Old Name___child.md"]  # the page files move last
    assert (notebook.root / "pages/Old Name.md").exists()
    os.chmod(journal, 0o644)
    again = notebook.rename_page(notebook.plan_rename("Old Name", "New Name"))
    assert again.error is None and "[[New Name]]" in journal.read_text()


def test_refusals(tmp_path: Path) -> None:
    notebook = make(tmp_path)
    (notebook.root / "pages/Taken.md").write_text("- here\n")
    notebook.index()
    for old, new, why in (("Old Name", "taken", "exists already"), ("Nov 20th, 2026", "Day", "journal day"),
                          ("Nobody", "Somebody", "no page"), ("Old Name", "two\nlines", "not a page name")):
        with pytest.raises(NotegraphError) as raised:
            notebook.plan_rename(old, new)
        assert why in raised.value.message
    assert (notebook.root / "pages/Old Name.md").read_text() == FILES["pages/Old Name.md"]


def test_org_mode_files_that_mention_the_page_are_named_not_edited(tmp_path: Path) -> None:
    notebook = make(tmp_path)
    org = notebook.root / "pages/Notes.org"
    org.write_text("* see [[Old Name][the old page]]\n* and [[Old Namesake]]\n")
    (notebook.root / "pages/Other.org").write_text("* only [[Old Namesake]] here\n")
    plan = notebook.plan_rename("Old Name", "New Name")
    assert plan.unreadable == ["pages/Notes.org"]
    notebook.rename_page(plan)
    assert org.read_text() == "* see [[Old Name][the old page]]\n* and [[Old Namesake]]\n"
