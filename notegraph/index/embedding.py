"""The embedding job: bring the vectors in line with the index, incrementally.

Two phases, each safe to interrupt at any point:

1. **Plan** (fast, SQL and string work only): for every file whose content or
   page name changed since its pieces were built (and files that ``((ref))`` a
   block in one), rebuild the context texts of its blocks. A text that already
   has a vector is done; the others go to ``embed_queue``.
2. **Embed** (slow): take the queue, longest texts first so batches pad little,
   compute vectors in chunks and commit each chunk.

An unchanged block keeps its text, so its vector is never computed again, across
runs and across edits elsewhere in its file.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from notegraph.embed import Embedder
from notegraph.embed.context import OutlineBlock, block_pieces, clean_text
from notegraph.logseq.inline import UUID_RE
from notegraph.store import Store
from notegraph.store import vectors as sql

EmbedProgress = Callable[[int, int], None]
"""Called with (texts embedded so far, texts to embed)."""

FILES_PER_TRANSACTION = 64
TEXTS_PER_CHUNK = 512


@dataclass
class EmbedReport:
    model: str
    files_planned: int = 0
    queued: int = 0
    embedded: int = 0
    pending_blocks: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    notices: list[str] = field(default_factory=list)


class EmbeddingJob:
    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    # -- phase 1 ------------------------------------------------------------------------
    def plan(self, report: EmbedReport | None = None) -> EmbedReport:
        report = report or EmbedReport(self.embedder.name)
        db = self.store.db
        recorded = self.store.get_meta(sql.MODEL_KEY)
        if recorded != self.embedder.name:
            with sql.write_transaction(db):
                if recorded is not None:
                    count = db.execute("SELECT count(*) FROM block_pieces").fetchone()[0]
                    report.notices.append(f"the embedding model changed from {recorded} to {self.embedder.name}: "
                                          f"every block is embedded again ({count} pieces)")
                sql.forget_all_vectors(db)
                self.store.set_meta(sql.MODEL_KEY, self.embedder.name)
                db.execute("DELETE FROM meta WHERE key = ?", [sql.DIM_KEY])
                sql.bump_version(db)
        wanted = sql.file_signatures(db)
        have = sql.embedded_signatures(db)
        gone = [f for f in have if f not in wanted]
        dirty = sorted(f for f, sig in wanted.items() if have.get(f) != sig)
        if dirty:
            dirty = sorted(set(dirty) | (sql.files_referencing(db, dirty) & set(wanted)))
        if gone:
            with sql.write_transaction(db):
                sql.forget_files(db, gone)
                sql.bump_version(db)
        for start in range(0, len(dirty), FILES_PER_TRANSACTION):
            with sql.write_transaction(db):
                for file in dirty[start:start + FILES_PER_TRANSACTION]:
                    report.queued += self._plan_file(file)
                sql.bump_version(db)
        if dirty or gone:
            with sql.write_transaction(db):
                sql.drop_unused_queue(db)
        report.files_planned += len(dirty)
        return report

    def _plan_file(self, file: str) -> int:
        db = self.store.db
        signature = sql.file_signatures_for(db, file)
        if signature is None:  # deleted while we were planning
            sql.forget_files(db, [file])
            return 0
        title, journal_day, rows = sql.page_of_file(db, file)
        # A journal's title is a date: words like "Nov 5th, 2026" only blur what a block means
        # (measured: recall@1 0.37 → 0.39 without them). Time questions use date filters instead.
        if journal_day is not None:
            title = ""
        blocks = [OutlineBlock(*row) for row in rows]
        uuids = [m.group(0).lower() for b in blocks if "((" in b.text for m in UUID_RE.finditer(b.text)]
        targets = {u: clean_text(t) for u, t in sql.texts_by_uuid(db, uuids).items()} if uuids else {}
        pieces = block_pieces(title, blocks, self.embedder.max_words, targets.get)
        return sql.replace_pieces(db, file, signature, pieces)

    # -- phase 2 ------------------------------------------------------------------------
    def embed(self, report: EmbedReport | None = None, progress: EmbedProgress | None = None,
              cancel: threading.Event | None = None) -> EmbedReport:
        report = report or EmbedReport(self.embedder.name)
        db = self.store.db
        queue = sql.queued_texts(db)
        # Longest first: every chunk holds texts of similar length, so batches carry little padding.
        queue.sort(key=lambda kt: -len(kt[1]))
        total = len(queue)
        if progress:
            progress(0, total)
        for start in range(0, total, TEXTS_PER_CHUNK):
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            chunk = queue[start:start + TEXTS_PER_CHUNK]
            matrix = self.embedder.embed_documents([text for _, text in chunk])
            with sql.write_transaction(db):
                if self.store.get_meta(sql.DIM_KEY) is None:
                    self.store.set_meta(sql.DIM_KEY, str(matrix.shape[1]))
                sql.store_vectors(db, [key for key, _ in chunk], [row.tobytes() for row in matrix])
                sql.bump_version(db)
            report.embedded += len(chunk)
            if progress:
                progress(report.embedded, total)
        if report.embedded and not report.cancelled:
            with sql.write_transaction(db):
                if sql.drop_orphan_vectors(db):
                    sql.bump_version(db)
        return report

    def run(self, progress: EmbedProgress | None = None, cancel: threading.Event | None = None) -> EmbedReport:
        started = time.perf_counter()
        report = self.plan()
        self.embed(report, progress, cancel)
        report.pending_blocks = sql.pending_blocks(self.store.db)
        report.seconds = time.perf_counter() - started
        return report


class EmbedWorker:
    """Runs the embedding job in a background thread whenever :meth:`wake` is called.

    Uses its own index connection. Wakes that arrive while a run is going on
    collapse into one more run. Reports through plain callbacks; knows no front end.
    """

    def __init__(self, open_store: Callable[[], Store], embedder: Embedder,
                 on_report: Callable[[EmbedReport], None] = lambda report: None,
                 on_error: Callable[[BaseException], None] = lambda exc: None,
                 progress: EmbedProgress | None = None) -> None:
        self._open_store = open_store
        self._embedder = embedder
        self._on_report = on_report
        self._on_error = on_error
        self._progress = progress
        self._wake = threading.Event()
        self.cancel = threading.Event()
        self.idle = threading.Event()
        self._go = threading.Event()
        """Cleared while paused: the job waits between chunks (the language model needs the cores)."""
        self._go.set()
        self._pauses = 0
        self._pause_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="notegraph-embed", daemon=True)

    def start(self) -> "EmbedWorker":
        self._wake.set()
        self._thread.start()
        return self

    def wake(self) -> None:
        self.idle.clear()
        self._wake.set()

    def pause(self) -> None:
        """Hold the embedding after its current chunk until every pause has been matched by a
        :meth:`resume` (an answer and a report may both be running)."""
        with self._pause_lock:
            self._pauses += 1
            self._go.clear()

    def resume(self) -> None:
        with self._pause_lock:
            self._pauses = max(0, self._pauses - 1)
            if not self._pauses:
                self._go.set()

    @property
    def paused(self) -> bool:
        return not self._go.is_set()

    def _chunk_done(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(done, total)
        self._go.wait()  # paused: blocks here, using no CPU, until resumed or stopped

    def stop(self, timeout: float | None = None) -> bool:
        """Cancel and wait; True when the thread has ended.

        The job stops after its current chunk of texts, but loading torch cannot be
        interrupted. A caller that cannot wait (a process shutting down) may exit hard
        when this returns False: every write is a committed transaction, and torch's
        threads must not be running while the interpreter tears down.
        """
        self.cancel.set()
        self._wake.set()
        self._go.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        store: Store | None = None
        try:
            while not self.cancel.is_set():
                self._wake.wait()
                self._wake.clear()
                if self.cancel.is_set():
                    break
                try:
                    if store is None:
                        store = self._open_store()
                    report = EmbeddingJob(store, self._embedder).run(self._chunk_done, self.cancel)
                    self._on_report(report)
                except Exception as exc:  # reported, never fatal: keyword search goes on
                    self._on_error(exc)
                if not self._wake.is_set():
                    self.idle.set()
        finally:
            if store is not None:
                store.close()
