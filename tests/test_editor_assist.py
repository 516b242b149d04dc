"""Help while writing: completion, links under the cursor, hidden lines, days, linking mentions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from notegraph.editor.assist import Completing, complete, completing, editable, link_at
from notegraph.errors import NotegraphError
from notegraph.notebook import Notebook
from notegraph.timewindow import parse_day

TODAY = dt.date(2026, 11, 23)


def test_what_is_being_completed() -> None:
    assert completing("see [[RAG Pro") == Completing("page", "RAG Pro")
    assert completing("see [[done]] and #gol") == Completing("tag", "gol")
    assert completing("#") == Completing("tag", "")
    assert completing("issue#12") is None  # a # inside a word is not a tag
    assert completing("see [[done]] now") is None
    assert completing("first line [[x\nsecond") is None  # only the cursor's line counts


def test_choosing_a_completion_closes_the_link_once() -> None:
    what = Completing("page", "RAG Pro")
    assert complete("see [[RAG Pro", "]] ok", what, "RAG Prototype") == ("see [[RAG Prototype]]", " ok")
    assert complete("see [[RAG Pro", " ok", what, "RAG Prototype") == ("see [[RAG Prototype]]", " ok")
    tag = Completing("tag", "vec")
    assert complete("on #vec", "", tag, "vector search") == ("on #[[vector search]]", "")
    assert complete("on #gol", "", Completing("tag", "gol"), "golang/libraries") == ("on #golang/libraries", "")


def test_the_link_under_the_cursor() -> None:
    line = "met [[Jonas]] about #golang/libraries, see ((6552a0a8-2f0d-4c6e-9a55-6f4d0e6e0c01)) https://x.org/a"
    assert link_at(line, 7).target == "Jonas"  # type: ignore[union-attr]
    assert link_at(line, line.index("#golang") + 3).target == "golang/libraries"  # type: ignore[union-attr]
    block = link_at(line, line.index("((") + 5)
    assert block is not None and block.kind == "block"
    url = link_at(line, len(line) - 1)
    assert url is not None and (url.kind, url.target) == ("url", "https://x.org/a")
    assert link_at(line, 1) is None


def test_id_and_collapsed_lines_stay_out_of_the_editor_and_come_back() -> None:
    content = "title\nid:: 6552a0a8-2f0d-4c6e-9a55-6f4d0e6e0c01\ncollapsed:: true\nmore"
    text, hidden = editable(content)
    assert text == "title\nmore"
    assert hidden.restore(text) == content
    assert hidden.restore("title, edited\nmore") == content.replace("title", "title, edited")


def test_days_as_people_type_them() -> None:
    assert parse_day("", TODAY) == TODAY
    assert parse_day("yesterday", TODAY) == dt.date(2026, 11, 22)
    assert parse_day("-3", TODAY) == dt.date(2026, 11, 20)
    assert parse_day("+1", TODAY) == parse_day("tomorrow", TODAY) == dt.date(2026, 11, 24)
    assert parse_day("10 days ago", TODAY) == dt.date(2026, 11, 13)
    assert parse_day("2026-11-01", TODAY) == dt.date(2026, 11, 1)
    assert parse_day("last week", TODAY) == dt.date(2026, 11, 16)
    with pytest.raises(NotegraphError):
        parse_day("someday", TODAY)


@pytest.fixture
def demo(indexed_demo: Notebook) -> Notebook:
    return indexed_demo


def test_completion_names_come_from_the_index_with_their_spelling(demo: Notebook) -> None:
    assert demo.complete("rag")[0] == "RAG Prototype"  # only linked, never a file: spelled as written
    assert "golang/libraries" in demo.complete("lib", tags=True)
    assert all("2026" not in name for name in demo.complete("nov"))  # journal days are not offered


def test_search_box_filters(demo: Notebook) -> None:
    words, filters = demo.parse_query("tag:#ai/predictions since:last_week marker:todo,doing page:Foo local models")
    assert words == "local models"
    assert filters.tags == ("ai/predictions",) and filters.markers == ("TODO", "DOING")
    assert filters.pages == ("foo",)
    assert filters.window is not None and filters.window.start == dt.date(2026, 11, 9)


def test_linking_unlinked_references_edits_only_the_mentions(demo: Notebook) -> None:
    page = demo.root / "journals" / "2026_11_23.md"
    page.write_bytes(b"- talked to jonas about ColBERT\n\t- unrelated: jonasson\n- [[Jonas]] again\n")
    demo.index()
    before = {p: p.read_bytes() for p in (demo.root / "journals").iterdir()}
    count = demo.link_unlinked("Jonas")
    assert count >= 1
    assert page.read_bytes() == b"- talked to [[jonas]] about ColBERT\n\t- unrelated: jonasson\n- [[Jonas]] again\n"
    for path, data in before.items():
        if path.read_bytes() != data:  # every other changed file only gained brackets
            assert path.read_bytes().replace(b"[[", b"").replace(b"]]", b"") == data.replace(b"[[", b"").replace(
                b"]]", b"")
    assert not demo.unlinked("Jonas")
