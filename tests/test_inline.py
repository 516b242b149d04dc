"""What counts as a page ref, tag or block ref inside text (mldoc's inline rules)."""

from __future__ import annotations

import pytest

from notegraph.logseq.inline import scan_inline
from tests.conftest import parse

UUID = "64f1c2a0-1111-4c2d-9e8f-0123456789ab"


@pytest.mark.parametrize("text, tags", [
    ("#tag", ["tag"]),
    ("#tag.", ["tag"]), ("#a.b", ["a.b"]), ("#a;", ["a"]), ("#a;b", ["a;b"]),
    ("#a,b", ["a"]), ("#a!b", ["a"]), ("#a?b", ["a"]), ("#a'b", ["a"]), ('#a"b', ["a"]), ("#a:b", ["a"]),
    ("#a#b", ["a", "b"]), ("#a-b", ["a-b"]), ("#a/b", ["a/b"]), ("#a(b", ["a(b"]),
    ("#[[multi word]]", ["multi word"]), ("#[[a]]b", ["[[a]]b"]), ("#[[]]", []),
    ("foo#bar", ["bar"]), ("C# code", []), ("## x", []), ("# x", []),
    ("`#code`", []), ("\\#escaped", []), ("$x #m$", []),
    ("https://x.com/a#frag", []), ("<span>#html</span>", []), ("<!-- #c -->", []),
    ("**#bold**", []),  # mldoc does not look for tags inside emphasis
])
def test_tags(text: str, tags: list[str]) -> None:
    assert scan_inline(text).tags == tags


@pytest.mark.parametrize("text, pages", [
    ("[[Page]]", ["Page"]),
    ("[[a [[b]]]]", ["a [[b]]", "b"]),
    ("[label]([[Target]])", ["Target"]),
    ("[label](https://x.com)", []),
    ("[Doc](other.md)", ["Doc"]),  # a link to a markdown file refers to its label's page
    ("`[[code]]`", []),
    ("{{embed [[E]]}}", ["E"]),
    ("{{query (and [[q]])}}", []),
    ("**bold [[B]]**", ["B"]),
    ("x <b>[[in html]]</b>", []),
])
def test_page_links(text: str, pages: list[str]) -> None:
    assert scan_inline(text).pages == pages


@pytest.mark.parametrize("text, block_refs", [
    (f"(({UUID}))", [UUID]),
    (f"[label]((({UUID})))", [UUID]),
    (f"{{{{embed (({UUID}))}}}}", [UUID]),
    ("((not-a-uuid))", []),
    (f"`(({UUID}))`", []),
    (f"x(({UUID}))", []),  # inside a word: plain text for mldoc
])
def test_block_refs(text: str, block_refs: list[str]) -> None:
    assert scan_inline(text).block_refs == block_refs


def test_property_values_read_links_inside_macros_but_not_emphasis() -> None:
    block = parse("- b\n  url:: {{query (and [[q1]] #qt)}} **[[bold]]** [[a [[n]]]] [[assets/x.pdf]]\n").blocks[0]
    assert set(block.refs) == {"url", "q1", "qt)}}", "a [[n]]"}
