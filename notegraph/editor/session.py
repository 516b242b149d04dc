"""One file open for editing: read it, keep the outline, save it safely.

Saving renders the rows (untouched blocks byte for byte), checks the text reads
back as the rows, and writes it through the write protocol
(:mod:`notegraph.logseq.disk`). If the file on disk is not the version we read,
the outside version is merged in block by block first (see
:mod:`notegraph.editor.merge`) — also when it changes in the last instant before
the write: the protocol hands us the new version and we merge again.

A file that does not exist yet (today's journal) is created by the first save
that has some text in it, under the name the graph's config asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notegraph.editor.layout import check_reads_back, render_rows
from notegraph.editor.merge import Merged, merge
from notegraph.editor.outline import Outline, Row, new_key
from notegraph.errors import NotegraphError, UnsafeWriteError
from notegraph.journal import refuse_guessed_new_file
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.disk import FileStamp, NoteUnreadableError, read_note, stamp_file, update_note
from notegraph.logseq.graph import GraphFile
from notegraph.logseq.page import parse_page, parse_text
from notegraph.model import Page


@dataclass
class SaveOutcome:
    written: bool = False
    merged: bool = False
    """The file had changed on disk; the outside change was merged in."""
    conflicts: list[str] = field(default_factory=list)
    created: bool = False


@dataclass(frozen=True)
class _Composed:
    """What a save made of the version on disk at the moment of writing."""

    rows: list[Row]
    page: Page
    merged: Merged | None
    data: bytes


class EditSession:
    def __init__(self, file: GraphFile, config: GraphConfig) -> None:
        self.file = file
        self.config = config
        self.base: Page = parse_text(file.rel, "", config)
        self.stamp: FileStamp | None = None
        self.outline = Outline([])
        self.origins: dict[int, tuple[Page, int]] = {}
        self.read_only_reason: str | None = None
        self.starter: list[tuple[str, int]] | None = None
        """Rows a new file started from (a journal template): left as they are, nothing is written."""
        self.reload()

    def start_from(self, rows: list[tuple[str, int]]) -> None:
        """A file that does not exist yet shows ``rows`` (content, level); the file is written only
        once they are changed."""
        if self.stamp is not None or not rows:
            return
        self.outline.rows = [Row(new_key(), content, level) for content, level in rows]
        self.outline.forget_history()
        self.starter = list(rows)

    # -- reading ------------------------------------------------------------------
    def _read(self) -> tuple[Page, FileStamp | None]:
        try:
            raw = read_note(self.file.path)
        except NoteUnreadableError as exc:
            raise NotegraphError(exc.message, exc.hint) from None
        if raw is None:
            return parse_text(self.file.rel, "", self.config), None
        return self._parse(raw), FileStamp.of_bytes(raw)

    def _parse(self, raw: bytes) -> Page:
        page = parse_page(self.file.rel, raw, self.config)
        self.read_only_reason = None if page.writable else (
            f"{self.file.rel} is read-only for notegraph ({'; '.join(page.errors)}); it is shown but never written")
        return page

    def _adopt(self, page: Page, stamp: FileStamp | None) -> None:
        """Make ``page`` the saved state, one row per block, keeping view state where rows line up."""
        self.base, self.stamp = page, stamp
        rows = [Row(new_key(), b.content, b.level, pre=b.pre_block) for b in page.blocks]
        self.origins = {row.key: (page, i) for i, row in enumerate(rows)}
        self.outline.rows = rows
        self.outline.collapsed = {rows[i].key for i, b in enumerate(page.blocks) if b.collapsed}

    def reload(self) -> None:
        """Read the file again, dropping nothing: only call when there are no unsaved edits."""
        page, stamp = self._read()
        self._adopt(page, stamp)
        self.outline.forget_history()

    @property
    def exists(self) -> bool:
        return self.stamp is not None

    def changed_on_disk(self) -> bool:
        try:
            return stamp_file(self.file.path) != self.stamp
        except NotegraphError:
            return True  # unreadable now: reloading says why

    @property
    def dirty(self) -> bool:
        shape = [(r.content, r.level) for r in self.outline.rows]
        if self.stamp is None and shape == self.starter:
            return False  # a template nobody has touched yet
        return shape != [(b.content, b.level) for b in self.base.blocks]

    @property
    def has_unsaved_text(self) -> bool:
        """Edits that are not on disk (an empty new page does not count: it is never written)."""
        if not self.dirty:
            return False
        return self.stamp is not None or any(r.content.strip() for r in self.outline.rows)

    # -- writing ------------------------------------------------------------------
    def save(self) -> SaveOutcome:
        """Write the outline if it changed, merging an outside change first. Raises
        :class:`UnsafeWriteError` (nothing written, rows kept) when it cannot be written safely."""
        outcome = SaveOutcome()
        if self.read_only_reason:
            if self.dirty:
                raise UnsafeWriteError(self.read_only_reason, "copy your text elsewhere; it was not saved")
            return outcome
        if not self.dirty:
            return outcome
        if self.stamp is None and not any(r.content.strip() for r in self.outline.rows):
            return outcome  # an empty new page is not worth a file
        ours, our_origins = list(self.outline.rows), dict(self.origins)
        composed: list[_Composed] = []

        def compose(current: bytes | None) -> bytes:
            """The file's new bytes, given what is on disk at the moment of writing."""
            rows, origins, style, merged = ours, our_origins, self.base, None
            if FileStamp.of(current) != self.stamp:
                theirs = parse_text(self.file.rel, "", self.config) if current is None else self._parse(current)
                if self.read_only_reason:
                    raise UnsafeWriteError(self.read_only_reason, "copy your text elsewhere; it was not saved")
                merged = merge(self.base, ours, our_origins, theirs)
                # Rows the merge did not place on a block of the disk version are new text there.
                rows, origins, style = merged.rows, dict(merged.origins), theirs
            if current is None:
                refuse_guessed_new_file(self.config, self.file.rel)
            text = render_rows(rows, origins, style)
            page = parse_text(self.file.rel, text, self.config, bom=style.bom)
            check_reads_back(page, rows)
            data = (b"\xef\xbb\xbf" if style.bom else b"") + text.encode("utf-8")
            composed.append(_Composed(rows, page, merged, data))
            return data

        write = update_note(self.file.path, compose)
        rows, page, merged, data = composed[-1].rows, composed[-1].page, composed[-1].merged, composed[-1].data
        outcome.written, outcome.created = write.written, write.created
        if merged is not None:
            outcome.merged, outcome.conflicts = True, merged.conflicts
        self.base, self.stamp = page, FileStamp.of_bytes(data)
        # The rows stay the same objects (the cursor and undo history keep pointing at them);
        # they now come from the page just written.
        self.outline.rows = rows
        for i, row in enumerate(rows):
            self.origins[row.key] = (page, i)
        if outcome.merged:
            self.outline.forget_history()
        return outcome
