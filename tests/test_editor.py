"""The outline editor's core: operations, byte-exact saves, merging outside changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from notegraph.editor.merge import CONFLICT_NOTE
from notegraph.editor.outline import Outline, Row, new_key
from notegraph.editor.session import EditSession
from notegraph.errors import UnsafeWriteError
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.graph import GraphFile
from notegraph.logseq.page import parse_text

NOW = ("LATER", "NOW", "DONE")


def session_for(tmp_path: Path, text: bytes | None, indent: str = "\t") -> EditSession:
    path = tmp_path / "journals" / "2026_11_23.md"
    if text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text)
    return EditSession(GraphFile(path, "journals/2026_11_23.md"), GraphConfig(bullet_indentation=indent))


def outline_of(*rows: tuple[str, int]) -> Outline:
    return Outline([Row(new_key(), content, level) for content, level in rows])


def shape(outline: Outline) -> list[tuple[str, int]]:
    return [(r.content, r.level) for r in outline.rows]


# -- operations ---------------------------------------------------------------------

def test_enter_splits_at_the_cursor_and_a_parent_gets_a_first_child() -> None:
    o = outline_of(("alpha beta", 1), ("child", 2))
    new = o.split(0, len("alpha"))
    assert new == 1
    assert shape(o) == [("alpha", 1), (" beta", 2), ("child", 2)]
    o2 = outline_of(("one", 1))
    assert o2.split(0, 3) == 1 and shape(o2) == [("one", 1), ("", 1)]
    o3 = outline_of(("one", 1))
    assert o3.split(0, 0) == 1 and shape(o3) == [("", 1), ("one", 1)]


def test_enter_at_a_line_boundary_leaves_no_empty_lines_behind(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- a1 [[link]]\n  continued\n")
    s.outline.split(0, len("a1 [[link]]\n"))  # the cursor at the start of the second line
    s.outline.split(1, 0)
    assert shape(s.outline) == [("a1 [[link]]", 1), ("", 1), ("continued", 1)]
    s.save()
    assert s.file.path.read_bytes() == b"- a1 [[link]]\n-\n- continued\n"


def test_indent_needs_a_previous_sibling_and_carries_the_subtree() -> None:
    o = outline_of(("a", 1), ("b", 1), ("b1", 2), ("c", 1))
    o.indent(0)
    assert shape(o)[0] == ("a", 1)  # nothing above: unchanged
    o.indent(1)
    assert shape(o) == [("a", 1), ("b", 2), ("b1", 3), ("c", 1)]


def test_outdent_is_logseqs_direct_outdent() -> None:
    o = outline_of(("p", 1), ("x", 2), ("y", 2), ("z", 2))
    o.outdent(2)
    assert shape(o) == [("p", 1), ("x", 2), ("y", 1), ("z", 2)]  # z now belongs to y


def test_move_up_and_down_swap_whole_subtrees() -> None:
    o = outline_of(("a", 1), ("a1", 2), ("b", 1), ("b1", 2), ("b2", 2), ("c", 1))
    assert o.move_up(2) == 0
    assert shape(o) == [("b", 1), ("b1", 2), ("b2", 2), ("a", 1), ("a1", 2), ("c", 1)]
    assert o.move_down(0) == 2
    assert shape(o) == [("a", 1), ("a1", 2), ("b", 1), ("b1", 2), ("b2", 2), ("c", 1)]
    assert o.move_down(5) == 5  # last: nowhere to go


def test_marker_cycles_through_the_workflow_and_off() -> None:
    o = outline_of(("write tests", 1))
    seen = []
    for _ in range(4):
        o.cycle_marker(0, NOW)
        seen.append(o.rows[0].content)
    assert seen == ["LATER write tests", "NOW write tests", "DONE write tests", "write tests"]
    o2 = outline_of(("TODO x", 1))
    o2.cycle_marker(0, ("TODO", "DOING", "DONE"))
    assert o2.rows[0].content == "DOING x"


def test_backspace_deletes_only_empty_leaf_blocks_and_joins_otherwise() -> None:
    o = outline_of(("a", 1), ("", 2), ("b", 1))
    assert o.delete_empty(1) == 0 and shape(o) == [("a", 1), ("b", 1)]
    assert o.delete_empty(1) is None  # not empty
    assert o.join_previous(1) == (0, 1) and shape(o) == [("ab", 1)]


def test_undo_and_redo_restore_rows_and_typing_is_one_step() -> None:
    o = outline_of(("a", 1), ("b", 1))
    for text in ("a1", "a12", "a123"):
        o.set_content(0, text)
    o.indent(1)
    assert o.undo(1) == 1 and shape(o) == [("a123", 1), ("b", 1)]
    assert o.undo(1) == 0 and shape(o) == [("a", 1), ("b", 1)]
    assert o.undo(0) is None
    o.redo(0)
    o.redo(0)
    assert shape(o) == [("a123", 1), ("b", 2)]


def test_collapsed_rows_hide_their_children() -> None:
    o = outline_of(("a", 1), ("a1", 2), ("a11", 3), ("b", 1))
    o.toggle_collapsed(0)
    assert o.visible() == [0, 3]
    o.toggle_collapsed(0)
    assert o.visible() == [0, 1, 2, 3]


# -- saving -------------------------------------------------------------------------

def test_todays_file_is_created_by_the_first_written_block(tmp_path: Path) -> None:
    s = session_for(tmp_path, None, indent="  ")
    i = s.outline.append()
    assert not s.save().written and not s.file.path.exists()  # an empty block is not worth a file
    s.outline.set_content(i, "first #tag")
    j = s.outline.split(i, len("first #tag"))
    s.outline.set_content(j, "child")
    s.outline.indent(j)
    s.outline.cycle_marker(j, NOW)
    outcome = s.save()
    assert outcome.written and outcome.created
    assert s.file.path.read_bytes() == b"- first #tag\n  - LATER child\n"


def test_untouched_blocks_keep_their_exact_bytes(tmp_path: Path) -> None:
    original = (b"title:: Day\r\n\r\n- one  \r\n\t  id:: 6552a0a8-2f0d-4c6e-9a55-6f4d0e6e0c01\r\n"
                b"\t- nested\ttab\r\n\t  second line\r\n- {{weird}} :unknown: [[x]]\r\n- last")
    s = session_for(tmp_path, original)
    o = s.outline
    last = len(o.rows) - 1
    o.set_content(last, "last, edited")
    o.move_up(last)  # the block without a final newline moves above another
    s.save()
    data = s.file.path.read_bytes()
    assert data == (b"title:: Day\r\n\r\n- one  \r\n\t  id:: 6552a0a8-2f0d-4c6e-9a55-6f4d0e6e0c01\r\n"
                    b"\t- nested\ttab\r\n\t  second line\r\n- last, edited\r\n- {{weird}} :unknown: [[x]]")


def test_indent_rewrites_the_indentation_of_every_line_of_the_subtree(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- a\n- b\n  more\n\t- b1\n")
    s.outline.indent(1)
    s.save()
    assert s.file.path.read_bytes() == b"- a\n\t- b\n\t  more\n\t\t- b1\n"


def test_an_empty_block_saved_earlier_gets_its_space_when_text_arrives(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- a\n\t-\n")
    s.outline.set_content(1, "now with text")
    s.save()
    assert s.file.path.read_bytes() == b"- a\n\t- now with text\n"
    s.outline.outdent(1)
    s.outline.set_content(1, "and outdented")
    s.save()
    assert s.file.path.read_bytes() == b"- a\n- and outdented\n"


def test_text_that_would_start_a_block_is_refused_and_kept(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- a\n")
    s.outline.set_content(0, "a\n- sneaky")
    with pytest.raises(UnsafeWriteError):
        s.save()
    assert s.file.path.read_bytes() == b"- a\n"
    assert s.outline.rows[0].content == "a\n- sneaky"


# -- outside changes ----------------------------------------------------------------

def test_outside_append_merges_with_a_local_edit(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- one\n- two\n")
    s.file.path.write_bytes(b"- one\n- two\n- from logseq\n")
    s.outline.set_content(0, "one, edited here")
    outcome = s.save()
    assert outcome.merged and not outcome.conflicts
    assert s.file.path.read_bytes() == b"- one, edited here\n- two\n- from logseq\n"


def test_outside_edit_of_another_block_and_a_local_move_both_survive(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- a\n- b\n- c\n")
    s.file.path.write_bytes(b"- a\n- b changed in vim\n- c\n")
    s.outline.move_up(2)
    s.save()
    assert s.file.path.read_bytes() == b"- a\n- c\n- b changed in vim\n"


def test_both_sides_changing_one_block_keep_both_versions(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- shared\n- other\n")
    s.file.path.write_bytes(b"- shared (theirs)\n- other\n")
    s.outline.set_content(0, "shared (mine)")
    outcome = s.save()
    assert outcome.conflicts
    text = s.file.path.read_text()
    assert text == f"- shared (theirs)\n- shared (mine)\n  {CONFLICT_NOTE}\n- other\n"


def test_a_block_deleted_outside_but_edited_here_is_kept(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- keep\n- gone\n")
    s.file.path.write_bytes(b"- keep\n")
    s.outline.set_content(1, "gone, but I typed here")
    outcome = s.save()
    assert outcome.conflicts
    assert s.file.path.read_bytes() == b"- keep\n- gone, but I typed here\n"


def test_a_block_deleted_outside_and_untouched_here_stays_deleted(tmp_path: Path) -> None:
    s = session_for(tmp_path, b"- a\n- b\n- c\n")
    s.file.path.write_bytes(b"- a\n- c\n")
    s.outline.set_content(0, "a!")
    s.save()
    assert s.file.path.read_bytes() == b"- a!\n- c\n"


def test_selected_sibling_blocks_move_indent_and_outdent_together() -> None:
    o = outline_of(("a", 1), ("b", 1), ("b1", 2), ("c", 1), ("d", 1))
    assert o.indent_blocks(1, 3) == 1
    assert shape(o) == [("a", 1), ("b", 2), ("b1", 3), ("c", 2), ("d", 1)]
    assert o.outdent_blocks(1, 3) == 1
    assert shape(o) == [("a", 1), ("b", 1), ("b1", 2), ("c", 1), ("d", 1)]
    assert o.move_blocks_up(1, 3) == 0
    assert shape(o) == [("b", 1), ("b1", 2), ("c", 1), ("a", 1), ("d", 1)]
    assert o.move_blocks_down(0, 2) == 1
    assert shape(o) == [("a", 1), ("b", 1), ("b1", 2), ("c", 1), ("d", 1)]
    # a selection that is not a run of siblings (a child, then its parent's sibling) stays put
    before = shape(o)
    assert o.indent_blocks(2, 3) == 2 and shape(o) == before


def test_deleting_selected_blocks_takes_their_subtrees_and_is_one_undo_step() -> None:
    o = outline_of(("a", 1), ("b", 1), ("b1", 2), ("c", 1), ("c1", 2))
    assert o.delete_blocks(1, 1) == 0
    assert shape(o) == [("a", 1), ("c", 1), ("c1", 2)]
    assert o.undo(0) is not None
    assert shape(o) == [("a", 1), ("b", 1), ("b1", 2), ("c", 1), ("c1", 2)]
    # a child and the next parent: the grandchild left behind is lifted to fit
    o = outline_of(("a", 1), ("a1", 2), ("a11", 3), ("b", 1), ("b1", 2))
    o.delete_blocks(1, 1)
    assert shape(o) == [("a", 1), ("b", 1), ("b1", 2)]
    o = outline_of(("a", 1), ("b", 1))
    assert o.delete_blocks(0, 1) == -1 and o.rows == []


def test_markers_cycle_on_every_selected_block() -> None:
    o = outline_of(("x", 1), ("LATER y", 1), ("z", 1))
    o.cycle_markers(0, 1, NOW)
    assert [r.content for r in o.rows] == ["LATER x", "NOW y", "z"]


# -- properties ---------------------------------------------------------------------

edits = st.lists(st.tuples(st.sampled_from(["split", "indent", "outdent", "up", "down", "type", "marker",
                                            "delete", "undo", "redo", "save", "indent_many", "outdent_many",
                                            "up_many", "down_many", "delete_many", "marker_many"]),
                           st.integers(0, 40), st.text(alphabet="abc []x", max_size=8)), max_size=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=edits)
def test_any_edit_sequence_saves_as_exactly_the_rows_and_keeps_untouched_bytes(tmp_path: Path, ops: list[tuple[str, int, str]]) -> None:
    original = b"- alpha\n\t- a1 [[link]]\n\t  continued\n\t\t- a11\n- beta\n\t- b1\n- gamma\n"
    s = session_for(tmp_path, original)
    o = s.outline
    cursor = 0
    for op, n, text in ops:
        cursor = n % len(o.rows)
        if op == "split":
            cursor = o.split(cursor, min(n, len(o.rows[cursor].content)))
        elif op == "indent":
            o.indent(cursor)
        elif op == "outdent":
            o.outdent(cursor)
        elif op == "up":
            o.move_up(cursor)
        elif op == "down":
            o.move_down(cursor)
        elif op == "type":
            o.set_content(cursor, (o.rows[cursor].content + text).strip() or "x")
        elif op == "marker":
            o.cycle_marker(cursor, NOW)
        elif op == "delete":
            o.delete_empty(cursor)
        elif op.endswith("_many"):
            last = min(cursor + len(text), len(o.rows) - 1)  # a selection of a few rows
            {"indent_many": o.indent_blocks, "outdent_many": o.outdent_blocks, "up_many": o.move_blocks_up,
             "down_many": o.move_blocks_down, "delete_many": o.delete_blocks,
             "marker_many": lambda a, b: o.cycle_markers(a, b, NOW)}[op](cursor, last)
            if not o.rows:
                o.rows.append(Row(new_key(), "", 1))  # as the app does: a page always has a block to select
            assert all(b.level <= a.level + 1 for a, b in zip(o.rows, o.rows[1:])) and o.rows[0].level == 1
        elif op == "save":
            s.save()  # later edits then start from what this wrote
        elif op == "undo":
            o.undo(cursor)
        else:
            o.redo(cursor)
    s.save()  # plain text never has to be refused
    data = s.file.path.read_bytes() if s.file.path.exists() else b""
    page = parse_text(s.file.rel, data.decode(), GraphConfig())
    assert [(b.content, b.level) for b in page.blocks] == shape(o)
    # a block left as it was is written with its exact bytes, wherever it moved
    if ("a1 [[link]]\ncontinued", 2) in shape(o):
        assert b"\t- a1 [[link]]\n\t  continued\n" in data + b"\n"


def test_a_leading_space_typed_and_removed_saves_each_time(tmp_path: Path) -> None:
    """``-  one`` holds `` one`` (Logseq strips the bullet and one space): the writer took every
    space after the bullet as the prefix, so the next edit read back with an extra space and the
    save was refused — the user's text stayed unsaved."""
    session = session_for(tmp_path, b"- one\n-   three\n")
    for typed, file in ((" one", b"-  one\n-  one\n"), ("one", b"- one\n- one\n"),
                        ("  x", b"-   x\n-   x\n")):
        session.outline.set_content(0, typed)
        session.outline.set_content(1, typed)
        session.save()
        assert session.file.path.read_bytes() == file
        assert [b.content for b in parse_text(session.file.rel, file.decode(), GraphConfig()).blocks] == [typed] * 2
