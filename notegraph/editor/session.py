"""One file open for editing: read it, keep the outline, save it safely.

Saving renders the rows (untouched blocks byte for byte), checks the text reads
back as the rows, and writes it atomically. If the file changed on disk since we
read it, the outside version is merged in block by block first (see
:mod:`notegraph.editor.merge`); the write is still refused if the file changes
again between that read and the rename, and the next save merges again.

A file that does not exist yet (today's journal) is created by the first save
that has some text in it, under the name the graph's config asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notegraph.editor.layout import check_reads_back, render_rows
from notegraph.editor.merge import merge
from notegraph.editor.outline import Outline, Row, new_key
from notegraph.errors import FileChangedOnDiskError, NotegraphError, UnsafeWriteError
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.content import decode
from notegraph.logseq.graph import GraphFile
from notegraph.logseq.page import parse_text
from notegraph.logseq.writer import FileStamp, stamp_file, write_atomic
from notegraph.model import Page


@dataclass
class SaveOutcome:
    written: bool = False
    merged: bool = False
    """The file had changed on disk; the outside change was merged in."""
    conflicts: list[str] = field(default_factory=list)
    created: bool = False


class EditSession:
    def __init__(self, file: GraphFile, config: GraphConfig) -> None:
        self.file = file
        self.config = config
        self.base: Page = parse_text(file.rel, "", config)
        self.stamp: FileStamp | None = None
        self.outline = Outline([])
        self.origins: dict[int, tuple[Page, int]] = {}
        self.read_only_reason: str | None = None
        self.reload()

    # -- reading ------------------------------------------------------------------
    def _read(self) -> tuple[Page, FileStamp | None]:
        try:
            raw = self.file.path.read_bytes()
        except FileNotFoundError:
            return parse_text(self.file.rel, "", self.config), None
        except OSError as exc:
            raise NotegraphError(f"{self.file.rel} could not be read ({exc.strerror})",
                                 "check the file's permissions") from exc
        text, bom, _errors, writable = decode(raw)
        page = parse_text(self.file.rel, text, self.config, bom=bom)
        if not writable:
            self.read_only_reason = (f"{self.file.rel} is not valid UTF-8 text; notegraph shows it but will not "
                                     "write to it (fix the file, then `notegraph check`)")
        return page, FileStamp.of_bytes(raw)

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
        return stamp_file(self.file.path) != self.stamp

    @property
    def dirty(self) -> bool:
        saved = [(b.content, b.level) for b in self.base.blocks]
        return [(r.content, r.level) for r in self.outline.rows] != saved

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
        base, rows, origins, style = self.base, list(self.outline.rows), dict(self.origins), self.base
        disk = stamp_file(self.file.path)
        if disk != self.stamp:
            theirs, disk = self._read()
            if self.read_only_reason:
                raise UnsafeWriteError(self.read_only_reason, "copy your text elsewhere; it was not saved")
            merged = merge(base, rows, origins, theirs)
            # Rows the merge did not place on a block of the disk version are new text there.
            rows, origins, style = merged.rows, dict(merged.origins), theirs
            outcome.merged, outcome.conflicts = True, merged.conflicts
        text = render_rows(rows, origins, style)
        page = parse_text(self.file.rel, text, self.config, bom=style.bom)
        check_reads_back(page, rows)
        data = (b"\xef\xbb\xbf" if style.bom else b"") + text.encode("utf-8")
        try:
            write_atomic(self.file.path, data, disk)
        except FileChangedOnDiskError:
            raise  # changed again in the last instant: the caller saves again (and merges) shortly
        outcome.written, outcome.created = True, disk is None
        self.base, self.stamp = page, FileStamp.of_bytes(data)
        # The rows stay the same objects (the cursor and undo history keep pointing at them);
        # they now come from the page just written.
        self.outline.rows = rows
        for i, row in enumerate(rows):
            self.origins[row.key] = (page, i)
        if outcome.merged:
            self.outline.forget_history()
        return outcome
