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

    def indent(self, index: int) -> int:
        sibling = self.previous_sibling(index)
        if self.rows[index].pre or sibling is None:
            return index
        self._checkpoint(index)
        self.collapsed.discard(self.rows[sibling].key)
        self._shift(index, +1)
        return index

    def outdent(self, index: int) -> int:
        """Logseq's default outdent: the block becomes its parent's next sibling and the
        siblings that followed it become its children."""
        if self.rows[index].pre or self.rows[index].level <= 1:
            return index
        self._checkpoint(index)
        self._shift(index, -1)
        return index

    def _shift(self, index: int, by: int) -> None:
        for k in range(index, self.subtree_end(index)):
            self.rows[k] = replace(self.rows[k], level=self.rows[k].level + by)

    def move_up(self, index: int) -> int:
        sibling = self.previous_sibling(index)
        if self.rows[index].pre or sibling is None:
            return index
        self._checkpoint(index)
        end = self.subtree_end(index)
        moving = self.rows[index:end]
        self.rows[sibling:end] = moving + self.rows[sibling:index]
        return sibling

    def move_down(self, index: int) -> int:
        end = self.subtree_end(index)
        if self.rows[index].pre or end >= len(self.rows) or self.rows[end].level != self.rows[index].level:
            return index
        self._checkpoint(index)
        next_end = self.subtree_end(end)
        self.rows[index:next_end] = self.rows[end:next_end] + self.rows[index:end]
        return index + (next_end - end)

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
        row = self.rows[index]
        if row.pre:
            return index
        self._checkpoint(index)
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
        self.rows[index] = replace(row, content=f"{new} {rest}" if new else rest)
        return index

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
