"""LOGSEQ-FORMAT rows 9-29: the block tree and what each block holds.

Expected values were worked out from Logseq 0.10's graph-parser and mldoc and
checked against them on these files.
"""

from __future__ import annotations

import datetime as dt

import pytest

from notegraph.model import Page
from tests.conftest import block_by_title, parse


@pytest.fixture
def zoo(pages_of: dict[str, Page]) -> Page:
    return pages_of["pages/Block Zoo.md"]


def test_pre_block_holds_page_properties(zoo: Page) -> None:
    pre = zoo.blocks[0]
    assert pre.pre_block and pre.level == 1 and pre.parent is None
    assert pre.content == "title:: Block Zoo\n"  # Logseq keeps the pre-block's raw text
    assert zoo.properties == {"title": "Block Zoo"}


def test_tree_from_tabs_skipped_levels_and_uneven_spaces(zoo: Page) -> None:
    task = block_by_title(zoo, "TODO [#B]")
    nested = block_by_title(zoo, "LATER nested")
    skipped = block_by_title(zoo, "skipped levels")
    assert (task.level, nested.level, skipped.level) == (1, 2, 3)
    assert nested.parent == task.index and skipped.parent == nested.index
    assert task.children == (nested.index,)
    dated = block_by_title(zoo, "a journal link")
    child = block_by_title(zoo, "two-space indented child")
    uneven = block_by_title(zoo, "uneven indentation")
    back = block_by_title(zoo, "back out to a level")
    assert child.parent == dated.index and child.level == 2
    assert uneven.parent == child.index and uneven.level == 3
    # indented less than its predecessor but deeper than any ancestor: a sibling of it
    assert back.parent == child.index and back.level == 3


def test_multi_line_content_is_de_indented(zoo: Page) -> None:
    block = block_by_title(zoo, "multi-line block")
    assert block.content == "multi-line block\nsecond line with #[[multi word tag]]\nthird line"
    assert block.line == 7
    assert block.tags == ("multi word tag",)


def test_markers_priority_and_dates(zoo: Page) -> None:
    task = block_by_title(zoo, "TODO [#B]")
    assert (task.marker, task.priority) == ("TODO", "B")
    assert task.scheduled == dt.date(2024, 8, 23) and task.deadline == dt.date(2024, 8, 30)
    assert task.title == "a task with a [[Page Ref]] and #tag"
    # markers and priorities are page refs in Logseq
    assert set(task.refs) == {"todo", "b", "page ref", "tag"}


def test_properties_keys_hidden_properties_and_ids(zoo: Page) -> None:
    book = block_by_title(zoo, "Book")
    assert book.properties == {"author": "[[Polya]]", "rating-score": "8",
                               "id": "64f1c2a0-1111-4c2d-9e8f-0123456789ab"}
    assert book.collapsed is True
    assert book.uuid == book.id == "64f1c2a0-1111-4c2d-9e8f-0123456789ab"
    # a property value's links and the (non built-in) property names are refs
    assert set(book.refs) == {"polya", "author", "rating-score"}
    assert "collapsed:: true" in book.content  # content keeps property lines


def test_block_refs_and_embeds(zoo: Page) -> None:
    uuid = "64f1c2a0-1111-4c2d-9e8f-0123456789ab"
    assert block_by_title(zoo, "see ((").block_refs == (uuid,)
    embed_block = block_by_title(zoo, "{{embed ((")
    assert embed_block.block_refs == (uuid,)
    embed_page = block_by_title(zoo, "{{embed [[")
    assert embed_page.refs == ("embedded page",)


def test_page_refs_labelled_links_and_urls(zoo: Page) -> None:
    block = block_by_title(zoo, "a [label]")
    assert block.refs == ("labelled page",)  # "#anchor" inside the URL is not a tag
    assert block.tags == ()


def test_tag_endings_and_namespaces(zoo: Page) -> None:
    block = block_by_title(zoo, "tags end early")
    assert set(block.tags) == {"tag", "other", "x y", "ai/predictions"}
    assert set(block.refs) == {"tag", "other", "x y", "ai/predictions", "ai"}  # namespace parent included


def test_logbook_heading_and_code(zoo: Page) -> None:
    done = block_by_title(zoo, "DONE finished")
    assert done.marker == "DONE" and ":LOGBOOK:" in done.content and done.refs == ("done",)
    assert block_by_title(zoo, "## Usage").heading == 2
    top = block_by_title(zoo, "# Top heading")
    assert top.heading == 1 and top.level == 1 and top.parent is None
    code = block_by_title(zoo, "code below")
    assert "- not a block" in code.content  # a dash line inside a fence is not a block
    assert code.refs == () and code.tags == ()  # no tags in code or inline code


def test_queries_and_macros_are_not_refs(zoo: Page) -> None:
    assert block_by_title(zoo, "{{query").refs == ()
    assert block_by_title(zoo, "advanced query").refs == ()
    assert block_by_title(zoo, "{{cloze").refs == ()


def test_journal_links_are_normalised(zoo: Page) -> None:
    assert set(block_by_title(zoo, "a journal link").refs) == {"aug 21st, 2024", "aug 22nd, 2024"}


def test_crlf_and_bom(pages_of: dict[str, Page]) -> None:
    page = pages_of["pages/windows.md"]
    assert page.bom and page.newline == "\r\n"
    assert [b.content for b in page.blocks] == ["written on Windows", "with [[CRLF]] line endings"]
    assert page.blocks[1].parent == 0


def test_loose_text_before_first_bullet(pages_of: dict[str, Page]) -> None:
    page = pages_of["pages/loose.md"]
    assert page.blocks[0].pre_block
    assert page.blocks[0].refs == ("loose ref",)
    assert page.blocks[1].content == "first bullet"


def test_comma_lists_split_into_refs(pages_of: dict[str, Page]) -> None:
    pre = pages_of["pages/titled.md"].blocks[0]
    # alias and tags split on commas; genre does because config.edn says so
    assert set(pre.refs) == {"px", "proj x", "research", "deep work", "essay", "note", "genre"}


@pytest.mark.parametrize("text, marker", [
    ("- TODO x", "TODO"), ("- LATER x", "LATER"), ("- NOW x", "NOW"), ("- DOING x", "DOING"),
    ("- WAIT x", "WAIT"), ("- WAITING x", "WAITING"), ("- CANCELED x", "CANCELED"),
    ("- CANCELLED x", "CANCELLED"), ("- IN-PROGRESS x", "IN-PROGRESS"), ("- DONE x", "DONE"),
    ("- todo x", None), ("- TODOx", None), ("- TODO\n", None), ("- TODO", "TODO"),
])
def test_task_markers(text: str, marker: str | None) -> None:
    # "- TODO" followed by a newline has no marker in Logseq (mldoc wants a space after it)
    assert parse(text).blocks[0].marker == marker


def test_properties_need_a_space_after_the_colons() -> None:
    page = parse("- b\n  key:: value [[r]]\n  Key_Two::  spaced  \n  empty::\n  nospace::x\n  a b:: c\n")
    assert page.blocks[0].properties == {"key": "value [[r]]", "key-two": "spaced", "empty": ""}


def test_first_property_drawer_wins_and_later_ones_are_text() -> None:
    page = parse("- b\n  k:: first\n  text\n  late:: x\n")
    assert page.blocks[0].properties == {"k": "first"}


def test_property_only_first_line() -> None:
    block = parse("- type:: book\n  author:: x\n").blocks[0]
    assert block.properties == {"type": "book", "author": "x"}
    assert block.content == "type:: book\nauthor:: x"


def test_invalid_property_keys_are_dropped() -> None:
    block = parse("- b\n  #tag:: x\n  [[x]]:: y\n  ok:: z\n").blocks[0]
    assert block.properties == {"ok": "z"}


def test_empty_bullet_with_properties() -> None:
    block = parse("- a\n\t-\n\t  author:: x\n").blocks[1]
    assert block.content == "\t  author:: x"  # Logseq's content starts with the raw next line
    assert block.properties == {"author": "x"}


def test_timestamp_paragraph_hides_following_text() -> None:
    block = parse("- TODO a\n  SCHEDULED: <2026-11-20 Fri>\n  text [[after]]\n").blocks[0]
    assert block.scheduled == dt.date(2026, 11, 20)
    assert block.refs == ("todo",)  # Logseq ignores the rest of a timestamp paragraph


def test_unclosed_fence_is_text() -> None:
    page = parse("- a\n  ```js\n  - b\n")
    assert [b.content for b in page.blocks] == ["a\n```js", "b"]


def test_fence_closes_at_any_fence_line() -> None:
    page = parse("- a\n  ```js\n  - in\n  ~~~\n- b\n")
    assert [b.content for b in page.blocks] == ["a\n```js\n- in\n~~~", "b"]


def test_quote_and_list_continuations() -> None:
    quote = parse("- a\n  > q #t1\n  late:: x\n- b\n").blocks[0]
    assert quote.properties == {} and quote.refs == ("t1",)
    listed = parse("- a\n  * item\n  -\tb\n").blocks
    assert len(listed) == 1  # "-<tab>b" belongs to the list
    assert len(parse("- a\n  * item\n  - b\n").blocks) == 2  # "- b" starts a block


def test_html_block_swallows_bullets() -> None:
    page = parse("- x\n  <div>\n  - inside\n  </div>\n- y\n")
    assert [b.content.split("\n")[0] for b in page.blocks] == ["x", "y"]
    assert parse("- <span>#a</span> #b\n").blocks[0].refs == ("b",)
