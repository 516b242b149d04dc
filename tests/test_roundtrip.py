"""The writer: byte-exact round trips and edits that touch only the edited block.

Hypothesis generates outlines in every style Logseq graphs come in (tabs or
spaces, skipped levels, CRLF, BOM, properties, fences, pre-blocks) plus
arbitrary text, and checks the properties on each.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from notegraph.errors import UnsafeWriteError
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.graph import Graph
from notegraph.logseq.page import parse_page
from notegraph.logseq.writer import append_block, render, render_block_source, replace_block
from tests.conftest import FIXTURES, REPO

CONFIG = GraphConfig()
WORDS = ["alpha", "[[Page]]", "#tag", "#[[two words]]", "`code`", "**bold**", "((64f1c2a0-1111-4c2d-9e8f-0123456789ab))",
         "https://x.com/#a", "{{embed [[E]]}}", "ünïcode", "a_b", "x::y", "<b>x</b>", "$m$", "-", "#", ">", "*"]
MARKERS = ["", "TODO ", "LATER ", "DONE ", "NOW ", "TODO [#A] "]

words = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join)
line_text = st.one_of(words, st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))


@st.composite
def outlines(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    unit = draw(st.sampled_from(["\t", "  ", "    "]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines += draw(st.lists(st.sampled_from(["title:: T", "alias:: a, b", "tags:: x", "loose text"]), max_size=3))
        if draw(st.booleans()):
            lines.append("")
    depth = 0
    for _ in range(draw(st.integers(0, 12))):
        depth = max(0, depth + draw(st.integers(-2, 2)))
        indent = unit * depth
        cont = indent + "  "
        lines.append(indent + "- " + draw(st.sampled_from(MARKERS)) + draw(line_text))
        extra = draw(st.sampled_from(["", "", "props", "more", "fence", "sched", "blank"]))
        if extra == "props":
            lines += [cont + "key:: " + draw(words), cont + "collapsed:: true"]
        elif extra == "more":
            lines += [cont + draw(line_text) for _ in range(draw(st.integers(1, 3)))]
        elif extra == "fence":
            lines += [cont + "```python", cont + "- not a block", cont + "```"]
        elif extra == "sched":
            lines.append(cont + "SCHEDULED: <2024-08-23 Fri>")
        elif extra == "blank":
            lines.append("")
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    bom = b"\xef\xbb\xbf" if draw(st.integers(0, 9)) == 0 else b""
    return bom + text.encode("utf-8")


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(outlines())
def test_generated_outlines_round_trip(data: bytes) -> None:
    page = parse_page("pages/gen.md", data, CONFIG)
    assert render(page) == data
    # spans tile the file and every block re-renders from its content byte for byte
    assert "".join(page.text[b.start:b.end] for b in page.blocks) == page.text or not page.text.strip()
    for block in page.blocks:
        assert render_block_source(page, block, block.content) == page.text[block.start:block.end]


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_parses_and_round_trips(text: str) -> None:
    data = text.encode("utf-8")
    page = parse_page("pages/any.md", data, CONFIG)
    if "\x00" in text:  # NUL bytes mean a binary file: read-only, never written
        assert not page.writable and page.errors
        return
    assert render(page) == data


@SETTINGS
@given(outlines(), st.data())
def test_editing_one_block_changes_only_its_bytes(data: bytes, draw: st.DataObject) -> None:
    page = parse_page("pages/gen.md", data, CONFIG)
    assume(page.blocks)
    index = draw.draw(st.integers(0, len(page.blocks) - 1))
    block = page.blocks[index]
    assume(not block.pre_block)
    new_content = draw.draw(st.lists(words.filter(lambda w: w.strip() and not w.startswith(("-", "#", ">", "*"))),
                                     min_size=1, max_size=3).map("\n".join))
    try:
        edited = replace_block(page, index, new_content, CONFIG)
    except UnsafeWriteError:
        return  # refused: nothing changes (the caller never writes)
    before, after = page.text[:block.start], page.text[block.end:]
    assert edited.text.startswith(before) and edited.text.endswith(after)
    assert edited.blocks[index].content == new_content
    assert [b.content for i, b in enumerate(edited.blocks) if i != index] == \
        [b.content for i, b in enumerate(page.blocks) if i != index]


@SETTINGS
@given(outlines(), words.filter(lambda w: w.strip() != "" and not w.startswith(("-", "#", ">", "*"))))
def test_appending_keeps_every_existing_byte(data: bytes, content: str) -> None:
    page = parse_page("pages/gen.md", data, CONFIG)
    assume(page.writable)
    try:
        grown = append_block(page, content, CONFIG)
    except UnsafeWriteError:
        return
    assert grown.text.startswith(page.text) or grown.text.startswith(page.text + page.newline)
    assert grown.blocks[-1].content == content and grown.blocks[-1].level == 1
    if page.newline == "\r\n":
        assert "\n" not in grown.text.replace("\r\n", "")


def _all_files() -> list[Path]:
    files = sorted(p for p in FIXTURES.rglob("*.md"))
    files += sorted((REPO / "journals").glob("*.md"))
    return files


@pytest.mark.parametrize("path", _all_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_fixture_and_demo_file_round_trips(path: Path) -> None:
    data = path.read_bytes()
    page = parse_page(path.name, data, CONFIG)
    assert render(page) == data
    for block in page.blocks:
        assert render_block_source(page, block, block.content) == page.text[block.start:block.end]


def test_edit_keeps_crlf_bom_and_neighbours(format_graph: Graph) -> None:
    file = next(f for f in format_graph.files() if f.rel == "pages/windows.md")
    page = format_graph.read(file)
    edited = replace_block(page, 1, "with [[CRLF]] line endings, edited\nand a second line", format_graph.config)
    assert render(edited) == ("\ufeff- written on Windows\r\n\t- with [[CRLF]] line endings, edited\r\n"
                              "\t  and a second line\r\n").encode("utf-8")


def test_edit_keeps_unchanged_lines_of_the_block_verbatim() -> None:
    text = "- a\n  key:: v\n odd indent kept\n\t- child\n"
    page = parse_page("pages/x.md", text.encode(), CONFIG)
    assert page.blocks[0].content == "a\nkey:: v\n odd indent kept"
    edited = replace_block(page, 0, "A\nkey:: v\n odd indent kept", CONFIG)
    assert edited.text == "- A\n  key:: v\n odd indent kept\n\t- child\n"


def test_edit_that_would_create_a_block_is_refused() -> None:
    page = parse_page("pages/x.md", b"- a\n- b\n", CONFIG)
    with pytest.raises(UnsafeWriteError):
        replace_block(page, 0, "a\n- sneaky new block", CONFIG)


def test_block_ids_survive_edits_additions_and_moves_elsewhere() -> None:
    text = "- alpha\n- beta\n\t- gamma\n- delta\n"
    ids = {b.content: b.id for b in parse_page("pages/p.md", text.encode(), CONFIG).blocks}
    edited = "- alpha EDITED\n- new block\n- delta\n- beta\n\t- gamma\n"  # edit, insert, move
    after = {b.content: b.id for b in parse_page("pages/p.md", edited.encode(), CONFIG).blocks}
    for content in ("beta", "gamma", "delta"):
        assert after[content] == ids[content]
    assert after["alpha EDITED"] != ids["alpha"]
    # hiding a block's children does not change its id either
    collapsed = parse_page("pages/p.md", b"- beta\n  collapsed:: true\n\t- gamma\n", CONFIG).blocks[0]
    assert collapsed.id == ids["beta"]


def test_identical_blocks_get_distinct_ids() -> None:
    blocks = parse_page("pages/p.md", b"- same\n- same\n- same\n", CONFIG).blocks
    assert len({b.id for b in blocks}) == 3


def test_editing_a_block_with_an_org_properties_drawer_rewrites_it_as_logseq_does() -> None:
    text = "## Heading\n:PROPERTIES:\n:ID: f8f04ce2-3593-45a6-8a62-6ee0715a7753\n:END:\n- next\n"
    page = parse_page("pages/p.md", text.encode(), CONFIG)
    assert page.blocks[0].content == "## Heading\nid:: f8f04ce2-3593-45a6-8a62-6ee0715a7753"
    assert page.blocks[0].uuid == "f8f04ce2-3593-45a6-8a62-6ee0715a7753"
    edited = replace_block(page, 0, "## Heading, edited\nid:: f8f04ce2-3593-45a6-8a62-6ee0715a7753", CONFIG)
    assert edited.text == "## Heading, edited\n  id:: f8f04ce2-3593-45a6-8a62-6ee0715a7753\n- next\n"
    assert edited.blocks[0].uuid == page.blocks[0].uuid
