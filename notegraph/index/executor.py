"""Apply a change plan: read, hash, parse and write each file, one transaction per file.

The plan itself is pure (:mod:`notegraph.index.plan`); this module does the I/O.
A ``kill -9`` at any moment leaves every file either fully indexed or not at
all, so the next run repairs what is missing without a full rebuild. Parsing
many files at once (a first index) fans out to worker processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import stat
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from notegraph.index.plan import ChangePlan, Indexed, Stat, find_suspects, plan_changes
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.disk import NoteUnreadableError, describe_kind, process_alive, read_note
from notegraph.logseq.graph import Graph
from notegraph.logseq.page import parse_page
from notegraph.store import Store
from notegraph.store.rows import PageRows, page_rows

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, path)`` after each file."""

RUNNING_KEY = "sync_running"
"""Meta key holding the pid of a sync that is changing the index (gone when it finishes)."""

# Below this many files, parsing in this process beats starting worker processes.
PARALLEL_THRESHOLD = 200
# From this many files on, the full-text index is rebuilt once instead of row by row...
BULK_THRESHOLD = 100
# ...and files are committed this many at a time (each still all-or-nothing, in a savepoint):
# a commit per file costs a fifth of a first index's writing time.
FILES_PER_COMMIT = 64


@dataclass
class IndexReport:
    plan: ChangePlan
    rows_written: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    """Files that could not be read or parsed cleanly → what went wrong."""
    seconds: float = 0.0
    cancelled: bool = False

    @property
    def files_indexed(self) -> int:
        return len(self.plan.to_parse)


@dataclass(frozen=True)
class Loaded:
    """One file read, hashed and parsed (in a worker process or here)."""

    rel: str
    stat: Stat | None
    sha256: str | None
    rows: PageRows | None
    error: str | None
    """What went wrong reading or parsing, if anything."""


def _parse(rel: str, raw: bytes, config: GraphConfig) -> tuple[PageRows, str | None]:
    page = parse_page(rel, raw, config)
    return page_rows(page), "; ".join(page.errors) or None


def _load(path: str, rel: str, config: GraphConfig) -> Loaded:
    try:
        st = os.stat(path)
        raw = read_note(path)
    except FileNotFoundError:
        return Loaded(rel, None, None, None, None)  # vanished: the next sync sees it gone
    except OSError as exc:
        return Loaded(rel, None, None, None, f"could not be read ({exc.strerror or exc})")
    except NoteUnreadableError as exc:
        return Loaded(rel, None, None, None, exc.reason)
    if raw is None:
        return Loaded(rel, None, None, None, None)
    rows, error = _parse(rel, raw, config)
    return Loaded(rel, (st.st_size, st.st_mtime_ns), hashlib.sha256(raw).hexdigest(), rows, error)


def _load_batch(files: list[tuple[str, str]], config: GraphConfig) -> list[Loaded]:
    """Load files (path, rel) in a worker process."""
    return [_load(path, rel, config) for path, rel in files]


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: a worker whose indexing process died (kill -9) exits too."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class Indexer:
    """Keeps one store in step with one graph folder."""

    def __init__(self, graph: Graph, store: Store, *, workers: int | None = None) -> None:
        self.graph = graph
        self.store = store
        self.workers = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))

    def scan(self, only: Iterable[str] | None = None) -> tuple[dict[str, Stat], dict[str, str]]:
        """Size and mtime of the graph's files (or of the given relative paths that exist), and the
        page-like names that were skipped (FIFOs, devices, dangling links) with why."""
        if only is None:
            scan = self.graph.scan()
            return scan.files, scan.skipped
        disk: dict[str, Stat] = {}
        skipped: dict[str, str] = {}
        for rel in only:
            if not self.graph.is_graph_file(rel):
                continue
            try:
                st = self.graph.path_of(rel).stat()
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                disk[rel] = (st.st_size, st.st_mtime_ns)
            else:
                skipped[rel] = f"{describe_kind(st.st_mode)} with a page's name: skipped"
        return disk, skipped

    def _expand(self, paths: set[str], indexed: dict[str, Indexed]) -> set[str]:
        """Paths ending in "/" (a folder that moved or vanished) stand for the files under it."""
        folders = [p for p in paths if p.endswith("/")]
        if not folders:
            return paths
        scope = {p for p in paths if not p.endswith("/")}
        for folder in folders:
            scope |= {p for p in indexed if p.startswith(folder)}
            base = self.graph.root / folder
            if base.is_dir():
                scope |= {f.rel for f in self.graph.files() if f.rel.startswith(folder)}
        return scope

    def sync(self, only: Iterable[str] | None = None, *, progress: Progress | None = None,
             cancel: threading.Event | None = None) -> IndexReport:
        """Bring the index in line with the folder (or with the given paths only)."""
        started = time.perf_counter()
        self._notice_interrupted_run()
        self.store.repair()
        indexed = self.store.indexed_files()
        scope = self._expand(set(only), indexed) if only is not None else None
        disk, skipped = self.scan(scope)
        suspects = find_suspects(disk, indexed, scope)
        hashes: dict[str, str] = {}
        errors: dict[str, str] = dict(skipped)
        if indexed or suspects.gone:
            # Something may have been moved or merely touched: hash the suspects first
            # (the plan needs it); a first index skips this, everything in it is new.
            for rel in suspects.to_hash:
                try:
                    raw = read_note(self.graph.path_of(rel))
                except NoteUnreadableError as exc:
                    errors[rel] = exc.reason
                    continue
                if raw is not None:
                    hashes[rel] = hashlib.sha256(raw).hexdigest()
        unreadable = (set(errors) - set(skipped)) | \
            {rel for rel in suspects.to_hash if indexed and rel not in hashes}
        plan = plan_changes(suspects, hashes, indexed)
        report = IndexReport(plan, errors=errors)
        total = len(plan.to_parse) + len(plan.deleted) + len(plan.touched)
        done = 0

        def step(rel: str) -> None:
            nonlocal done
            done += 1
            if progress:
                progress(done, total, rel)

        for rel in plan.touched:
            st = disk[rel]
            self.store.db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", [*st, rel])
            step(rel)
        for rel in plan.to_parse:
            if rel in unreadable and rel in indexed:  # unreadable now: keep it out of the index
                report.rows_written += self.store.delete_file(rel)
        to_parse = [rel for rel in plan.to_parse if rel not in unreadable]
        if to_parse or plan.deleted:
            self.store.set_meta(RUNNING_KEY, str(os.getpid()))
        bulk = len(to_parse) >= BULK_THRESHOLD
        with self.store.bulk() if bulk else contextlib.nullcontext():
            self._write_loaded(to_parse, report, step, cancel, FILES_PER_COMMIT if bulk else 1)
        # Deletions last: a file that reappears elsewhere was written as a move above.
        for rel in plan.deleted:
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            report.rows_written += self.store.delete_file(rel)
            step(rel)
        if to_parse or plan.deleted:
            self.store.db.execute("DELETE FROM meta WHERE key = ?", [RUNNING_KEY])
        report.seconds = time.perf_counter() - started
        return report

    def _notice_interrupted_run(self) -> None:
        """Say so when the last run that changed the index died before it finished (this run completes it)."""
        owner = self.store.get_meta(RUNNING_KEY)
        if owner is None or self.store.get_meta("bulk") is not None:
            return  # nothing left undone, or the bulk repair says so itself
        if owner.isdigit() and (int(owner) == os.getpid() or process_alive(int(owner))):
            return  # another thread or notegraph process is indexing right now
        self.store.notices.append("the last indexing run was interrupted before it finished; this run completes it")
        self.store.db.execute("DELETE FROM meta WHERE key = ?", [RUNNING_KEY])

    def _write_loaded(self, to_parse: list[str], report: IndexReport, step: Callable[[str], None],
                      cancel: threading.Event | None, files_per_commit: int) -> None:
        fresh = set(report.plan.new)
        moved_from = {new: old for old, new in report.plan.moved}
        loaded_files = self._loaded(to_parse)
        while group := list(itertools.islice(loaded_files, files_per_commit)):
            with self.store.db.atomic() if files_per_commit > 1 else contextlib.nullcontext():
                for loaded in group:
                    if cancel is not None and cancel.is_set():
                        report.cancelled = True
                        break
                    self._write_one(loaded, report, fresh, moved_from)
                    step(loaded.rel)
            if report.cancelled:
                break

    def _write_one(self, loaded: Loaded, report: IndexReport, fresh: set[str], moved_from: dict[str, str]) -> None:
        rel = loaded.rel
        if loaded.error:
            report.errors[rel] = loaded.error
        if loaded.rows is None or loaded.stat is None or loaded.sha256 is None:
            return  # vanished or unreadable since the plan: the next sync settles it
        stamp = (*loaded.stat, loaded.sha256)
        report.rows_written += self.store.write_file(loaded.rows, stamp, loaded.error,
                                                     moved_from=moved_from.get(rel), fresh=rel in fresh)

    def _loaded(self, paths: list[str]) -> Iterator[Loaded]:
        """Each file read, hashed and parsed, in order; in worker processes when there are many."""
        config = self.graph.config
        files = [(str(self.graph.path_of(rel)), rel) for rel in paths]
        if self.workers <= 1 or len(paths) < PARALLEL_THRESHOLD:
            for path, rel in files:
                yield _load(path, rel, config)
            return
        batch = 25
        chunks = [files[i:i + batch] for i in range(0, len(files), batch)]
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_exit_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            for results in pool.map(_load_batch, chunks, [config] * len(chunks)):
                yield from results
