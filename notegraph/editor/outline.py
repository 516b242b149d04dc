"""An editable outline: a flat list of rows (text + depth) with Logseq's block operations.

The outline is plain data with no I/O and no UI. Each row has a ``key`` that
survives edits, so the session can tell which block of the file a row came from
(and so write untouched blocks back byte for byte). Every operation that
changes rows first records an undo snapshot; typing in one row coalesces into
one snapshot, like an editor's undo.

Depth rules are Logseq's: the first row is at level 1 and a row is at most one
level deeper than the row before it. A block's subtree is the run of following
rows that are deeper than it; structural operations carry the subtree along.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from notegraph.logseq.outline import MARKERS

_keys = itertools.count(1)
_MARKER_PREFIX = re.compile(r"^(" + "|".join(MARKERS) + r")(?: |$)")


def new_key() -> int:
    return next(_keys)


def marker_of(content: str) -> str | None:
    m = _MARKER_PREFIX.match(content)
    return m.group(1) if m else None


def blank_row() -> "Row":
    return Row(new_key(), "", 1)


@dataclass(frozen=True)
class Row:
    key: int
    content: str
    level: int
    pre: bool = False
    """The page's pre-block (page properties before the first bullet): pinned first, never moved."""


@dataclass
class Snapshot:
    rows: list[Row]
    cursor: int


@dataclass
class Outline:
    rows: list[Row]
    collapsed: set[int] = field(default_factory=set)
    """Keys of rows whose children are hidden (view state; the file is not changed)."""
    undo_stack: list[Snapshot] = field(default_factory=list)
    redo_stack: list[Snapshot] = field(default_factory=list)
    _typing_in: int | None = None

    # -- structure ----------------------------------------------------------------
    @property
    def first(self) -> int:
        """Index of the first movable row (after the pre-block)."""
        return 1 if self.rows and self.rows[0].pre else 0

    def subtree_end(self, index: int) -> int:
        level = self.rows[index].level
        end = index + 1
        while end < len(self.rows) and self.rows[end].level > level:
            end += 1
        return end

    def has_children(self, index: int) -> bool:
        return self.subtree_end(index) > index + 1

    def previous_sibling(self, index: int) -> int | None:
        level = self.rows[index].level
        k = index - 1
        while k >= self.first and self.rows[k].level > level:
            k -= 1
        return k if k >= self.first and self.rows[k].level == level else None

    def visible(self) -> list[int]:
        """Indexes of rows not hidden under a collapsed ancestor."""
        shown: list[int] = []
        hide_deeper_than: int | None = None
        for i, row in enumerate(self.rows):
            if hide_deeper_than is not None and row.level > hide_deeper_than and not row.pre:
                continue
            hide_deeper_than = None
            shown.append(i)
            if row.key in self.collapsed and self.has_children(i):
                hide_deeper_than = row.level
        return shown

    def index_of(self, key: int) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.key == key), None)

    # -- undo ---------------------------------------------------------------------
    def _checkpoint(self, cursor: int, typing_in: int | None = None) -> None:
        if typing_in is not None and typing_in == self._typing_in:
            return  # keep typing in one block as one undo step
        self.undo_stack.append(Snapshot(list(self.rows), cursor))
        del self.undo_stack[:-500]
        self.redo_stack.clear()
        self._typing_in = typing_in

    def undo(self, cursor: int) -> int | None:
        return self._restore(self.undo_stack, self.redo_stack, cursor)

    def redo(self, cursor: int) -> int | None:
        return self._restore(self.redo_stack, self.undo_stack, cursor)

    def _restore(self, source: list[Snapshot], keep: list[Snapshot], cursor: int) -> int | None:
        """Go back (or forward) one snapshot; the rows now become a step the other way."""
        if not source:
            return None
        keep.append(Snapshot(list(self.rows), cursor))
        snap = source.pop()
        self.rows = snap.rows
        self._typing_in = None
        return snap.cursor

    def forget_history(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()
        self._typing_in = None

    # -- operations (each returns the row the cursor belongs on) --------------------
    def set_content(self, index: int, content: str) -> int:
        row = self.rows[index]
        if row.content != content:
            self._checkpoint(index, typing_in=row.key)
            self.rows[index] = replace(row, content=content)
        return index

    def split(self, index: int, at: int) -> int:
        """Enter: the text after ``at`` moves to a new block below (above, when ``at`` is 0)."""
        content = self.rows[index].content
        return self.split_parts(index, content[:at], content[at:])

    def split_parts(self, index: int, head: str, tail: str) -> int:
        """Enter: this block keeps ``head``; ``tail`` becomes a new block below it
        (an empty block goes above instead when ``head`` is empty)."""
        row = self.rows[index]
        self._checkpoint(index)
        if row.pre:
            return self._insert(1, 1, "")
        if not head and tail:
            self.rows.insert(index, Row(new_key(), "", row.level))
            return index + 1
        # Logseq drops a block's trailing empty lines and would read a new block that starts
        # with a line break differently: split at a line boundary, keep neither.
        head, tail = head.rstrip(" \n"), tail.lstrip("\n")
        self.rows[index] = replace(row, content=head)
        if self.has_children(index) and row.key not in self.collapsed:
            return self._insert(index + 1, row.level + 1, tail)  # first child, as Logseq does
        return self._insert(self.subtree_end(index), row.level, tail)

    def _insert(self, at: int, level: int, content: str) -> int:
        self.rows.insert(at, Row(new_key(), content, level))
        return at

    def append(self, content: str = "") -> int:
        """A new top-level block at the end (the first block of an empty page)."""
        self._checkpoint(max(len(self.rows) - 1, 0))
        return self._insert(len(self.rows), 1, content)

    def insert_template(self, index: int, rows: list[tuple[str, int]]) -> int:
        """A template's rows (content, level from 1) at block ``index``, as Logseq inserts them: in
        place of the block when it is empty, else after it and its children, at its level. One
        undo step; returns the first inserted row."""
        row = self.rows[index]
        self._checkpoint(index)
        base = 1 if row.pre else row.level
        new = [Row(new_key(), content, base + level - 1) for content, level in rows]
        if not row.pre and not row.content.strip() and not self.has_children(index):
            self.rows[index:index + 1] = new
            return index
        at = self.subtree_end(index)
        self.rows[at:at] = new
        return at

    def indent(self, index: int) -> int:
        return self.indent_blocks(index, index)

    def outdent(self, index: int) -> int:
        return self.outdent_blocks(index, index)

    def move_up(self, index: int) -> int:
        return self.move_blocks_up(index, index)

    def move_down(self, index: int) -> int:
        return self.move_blocks_down(index, index)

    # -- several blocks (a selection: the rows ``first``..``last`` and their subtrees) ----------
    def blocks_end(self, first: int, last: int) -> int:
        """Where the selected rows and everything under them end."""
        return max(self.subtree_end(k) for k in range(first, last + 1))

    def _sibling_run(self, first: int, last: int) -> int | None:
        """The end of the selection if it is a run of sibling blocks (with their subtrees), else None:
        only such a run can be indented, outdented or moved as a whole."""
        if self.rows[first].pre:
            return None
        end = self.blocks_end(first, last)
        level = self.rows[first].level
        return end if all(self.rows[k].level >= level for k in range(first, end)) else None

    def indent_blocks(self, first: int, last: int) -> int:
        """Tab: the blocks become children of the block above them at their level."""
        end = self._sibling_run(first, last)
        sibling = self.previous_sibling(first)
        if end is None or sibling is None:
            return first
        self._checkpoint(first)
        self.collapsed.discard(self.rows[sibling].key)
        self._shift(first, end, +1)
        return first

    def outdent_blocks(self, first: int, last: int) -> int:
        """Shift+Tab, Logseq's default: the blocks become their parent's next siblings and the
        siblings that followed them become children of the last one."""
        end = self._sibling_run(first, last)
        if end is None or self.rows[first].level <= 1:
            return first
        self._checkpoint(first)
        self._shift(first, end, -1)
        return first

    def _shift(self, start: int, end: int, by: int) -> None:
        for k in range(start, end):
            self.rows[k] = replace(self.rows[k], level=self.rows[k].level + by)

    def move_blocks_up(self, first: int, last: int) -> int:
        """Alt+Up: the blocks swap places with the sibling above them."""
        end = self._sibling_run(first, last)
        sibling = self.previous_sibling(first)
        if end is None or sibling is None:
            return first
        self._checkpoint(first)
        self.rows[sibling:end] = self.rows[first:end] + self.rows[sibling:first]
        return sibling

    def move_blocks_down(self, first: int, last: int) -> int:
        """Alt+Down: the blocks swap places with the sibling below them."""
        end = self._sibling_run(first, last)
        if end is None or end >= len(self.rows) or self.rows[end].level != self.rows[first].level:
            return first
        self._checkpoint(first)
        next_end = self.subtree_end(end)
        self.rows[first:next_end] = self.rows[end:next_end] + self.rows[first:end]
        return first + (next_end - end)

    def delete_blocks(self, first: int, last: int) -> int:
        """Backspace/Delete on selected blocks: they go, with their subtrees (one undo step).
        Returns the row to select next: the one above, else the one that took their place."""
        if self.rows[first].pre:
            first += 1
        if first > last:
            return max(first - 1, 0)
        end = self.blocks_end(first, last)
        self._checkpoint(first)
        del self.rows[first:end]
        self._fit_levels(first)
        shown = [i for i in self.visible() if i < first and not self.rows[i].pre]
        if shown:
            return shown[-1]
        return min(first, len(self.rows) - 1) if len(self.rows) > self.first else -1

    def _fit_levels(self, start: int) -> None:
        """After rows went away, a row may be more than one level deeper than the row before it:
        lift it and its subtree until it fits (Logseq's depth rule)."""
        k = start
        while k < len(self.rows):
            allowed = 1 if k == self.first else self.rows[k - 1].level + 1
            if self.rows[k].level > allowed:
                self._shift(k, self.subtree_end(k), allowed - self.rows[k].level)
            k += 1

    def cycle_markers(self, first: int, last: int, cycle: tuple[str, ...]) -> int:
        """Ctrl+Enter on selected blocks: each one's marker moves on (one undo step)."""
        self._checkpoint(first)
        for k in range(first, last + 1):
            self.rows[k] = self._next_marker(self.rows[k], cycle)
        return first

    def delete_empty(self, index: int) -> int | None:
        """Backspace on an empty block without children: remove it; the cursor goes to the row above."""
        row = self.rows[index]
        if row.pre or row.content.strip() or self.has_children(index) or index <= self.first:
            return None
        self._checkpoint(index)
        del self.rows[index]
        shown = [i for i in self.visible() if i < index]
        return shown[-1] if shown else self.first

    def join_previous(self, index: int) -> tuple[int, int] | None:
        """Backspace at the start of a block: append its text to the row above. Returns (row, column)."""
        shown = [i for i in self.visible() if i < index]
        if not shown or self.rows[index].pre or self.has_children(index):
            return None
        above = shown[-1]
        if self.rows[above].pre or (above != index - 1):
            return None
        self._checkpoint(index)
        column = len(self.rows[above].content)
        self.rows[above] = replace(self.rows[above], content=self.rows[above].content + self.rows[index].content)
        del self.rows[index]
        return above, column

    def cycle_marker(self, index: int, cycle: tuple[str, ...]) -> int:
        """No marker → first of the workflow → … → DONE → no marker."""
        if self.rows[index].pre:
            return index
        self._checkpoint(index)
        self.rows[index] = self._next_marker(self.rows[index], cycle)
        return index

    @staticmethod
    def _next_marker(row: Row, cycle: tuple[str, ...]) -> Row:
        if row.pre:
            return row
        m = _MARKER_PREFIX.match(row.content)
        rest = row.content[m.end():] if m else row.content
        current = m.group(1) if m else None
        new: str | None
        if current is None:
            new = cycle[0]
        elif current in cycle:
            position = cycle.index(current)
            new = cycle[position + 1] if position + 1 < len(cycle) else None
        else:
            new = cycle[-1]
        return replace(row, content=f"{new} {rest}" if new else rest)

    def toggle_collapsed(self, index: int, collapse: bool | None = None) -> int:
        key = self.rows[index].key
        if not self.has_children(index):
            return index
        should = key not in self.collapsed if collapse is None else collapse
        if should:
            self.collapsed.add(key)
        else:
            self.collapsed.discard(key)
        return index
