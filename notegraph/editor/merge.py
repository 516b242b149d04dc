"""Three-way merge of an outline edited here with the same file changed on disk meanwhile.

``base`` is the page as we last read or wrote it, ``ours`` the rows in the editor,
``theirs`` the page now on disk (Logseq, vim, a sync tool wrote it). The editor's
rows give the order (the user is reorganising right here); from disk come the
blocks added there, the blocks deleted there that we did not touch, and the text
of blocks changed there that we did not touch. When both sides changed the same
block differently, both versions stay: the one from disk in place and ours right
after it, marked with a ``conflict::`` property so it can be found and resolved.
Nothing typed on either side is dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from notegraph.editor.outline import Row, new_key
from notegraph.model import Page

CONFLICT_NOTE = "conflict:: notegraph kept both versions; the block above is the one saved on disk meanwhile"


@dataclass
class Merged:
    rows: list[Row]
    origins: dict[int, tuple[Page, int]]
    """Row key → block of ``theirs`` it is written from."""
    conflicts: list[str] = field(default_factory=list)
    """One line per block both sides changed (or we changed and they deleted)."""


def _match(base: Page, theirs: Page) -> dict[int, int]:
    """Block index in ``base`` → block index in ``theirs`` for blocks that are the same block."""
    a = [b.content for b in base.blocks]
    b = [t.content for t in theirs.blocks]
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal" or tag == "replace":
            # replaced runs pair up in order: a block edited there is still that block
            for k in range(min(i2 - i1, j2 - j1)):
                mapping[i1 + k] = j1 + k
    for i, block in enumerate(base.blocks):  # the pre-block is always the pre-block
        if block.pre_block and theirs.blocks and theirs.blocks[0].pre_block:
            mapping[i] = 0
    return mapping


def merge(base: Page, ours: Sequence[Row], origins: Mapping[int, tuple[Page, int]], theirs: Page) -> Merged:
    theirs_of = _match(base, theirs)
    base_of = {t: b for b, t in theirs_of.items()}

    def base_index(row: Row) -> int | None:
        origin = origins.get(row.key)
        return origin[1] if origin is not None and origin[0] is base else None

    ours_bases = {b for b in (base_index(r) for r in ours) if b is not None}
    out = Merged([], {})
    survivors: set[int] = set()  # theirs blocks that have a row in the result
    inserts_after: dict[int | None, list[int]] = {}  # theirs block (or start) → theirs blocks to add after it

    # What they added, and what they changed but we deleted, goes after the nearest
    # earlier block of theirs that we also kept.
    kept_by_us = {theirs_of[b] for b in ours_bases if b in theirs_of}
    for j, block in enumerate(theirs.blocks):
        deleted_here_changed_there = False
        if j in base_of:
            b = base_of[j]
            if b in ours_bases:
                continue
            deleted_here_changed_there = base.blocks[b].content != block.content
            if not deleted_here_changed_there:
                continue  # we deleted it, they did not touch it
        anchor = j - 1
        while anchor >= 0 and anchor not in kept_by_us:
            anchor -= 1
        inserts_after.setdefault(anchor if anchor >= 0 else None, []).append(j)
        if deleted_here_changed_there:
            out.conflicts.append(f"kept a block changed on disk that was deleted here: {block.content[:60]!r}")

    def add_theirs(j: int, level: int | None = None) -> None:
        block = theirs.blocks[j]
        row = Row(new_key(), block.content, level if level is not None else block.level, pre=block.pre_block)
        out.rows.append(row)
        out.origins[row.key] = (theirs, j)
        survivors.add(j)

    for j in inserts_after.get(None, []):
        add_theirs(j)
    for row in ours:
        maybe_b = base_index(row)
        if maybe_b is None:
            out.rows.append(row)  # a block added here
            continue
        b = maybe_b
        base_block = base.blocks[b]
        t = theirs_of.get(b)
        ours_changed = row.content != base_block.content
        if t is None:
            if ours_changed:
                out.rows.append(row)
                out.conflicts.append(f"kept a block edited here that was deleted on disk: {row.content[:60]!r}")
            continue
        theirs_block = theirs.blocks[t]
        theirs_changed = theirs_block.content != base_block.content
        level = row.level if row.level != base_block.level else theirs_block.level
        if ours_changed and theirs_changed and row.content != theirs_block.content:
            add_theirs(t, level)
            if row.pre:
                out.conflicts.append("page properties changed on disk and here; kept the ones on disk")
                mine = Row(row.key, row.content, 1)
            else:
                mine = Row(row.key, _with_conflict_note(row.content), level)
            out.rows.append(mine)
            out.conflicts.append(f"both changed: {row.content.splitlines()[0][:60] if row.content else ''!r}")
        else:
            merged = Row(row.key, row.content if ours_changed else theirs_block.content, level, pre=row.pre)
            out.rows.append(merged)
            out.origins[merged.key] = (theirs, t)
            survivors.add(t)
        for j in inserts_after.get(t, []):
            add_theirs(j)
    _repair_levels(out.rows)
    return out


def _with_conflict_note(content: str) -> str:
    lines = content.split("\n")
    return "\n".join([lines[0], CONFLICT_NOTE, *lines[1:]])


def _repair_levels(rows: list[Row]) -> None:
    """A row may be at most one level deeper than the row before it (the first at level 1)."""
    previous = 0
    for k, row in enumerate(rows):
        if row.pre:
            continue
        if row.level > previous + 1:
            rows[k] = Row(row.key, row.content, previous + 1)
        previous = rows[k].level
