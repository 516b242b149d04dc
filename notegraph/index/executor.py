"""Apply a change plan: read, hash, parse and write each file, one transaction per file.

The plan itself is pure (:mod:`notegraph.index.plan`); this module does the I/O.
A ``kill -9`` at any moment leaves every file either fully indexed or not at
all, so the next run repairs what is missing without a full rebuild. Parsing
many files at once (a first index) fans out to worker processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from notegraph.index.plan import ChangePlan, Indexed, Stat, find_suspects, plan_changes
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.graph import Graph
from notegraph.logseq.page import parse_page
from notegraph.store import Store
from notegraph.store.rows import PageRows, page_rows

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, path)`` after each file."""

# Below this many files, parsing in this process beats starting worker processes.
PARALLEL_THRESHOLD = 200
# From this many files on, the full-text index is rebuilt once instead of row by row.
BULK_THRESHOLD = 100


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


def _parse(rel: str, raw: bytes, config: GraphConfig) -> tuple[PageRows, str | None]:
    page = parse_page(rel, raw, config)
    return page_rows(page), "; ".join(page.errors) or None


def _parse_batch(items: list[tuple[str, bytes]], config: GraphConfig) -> list[tuple[PageRows, str | None]]:
    return [_parse(rel, raw, config) for rel, raw in items]


class Indexer:
    """Keeps one store in step with one graph folder."""

    def __init__(self, graph: Graph, store: Store, *, workers: int | None = None) -> None:
        self.graph = graph
        self.store = store
        self.workers = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))

    def scan(self, only: Iterable[str] | None = None) -> dict[str, Stat]:
        """Size and mtime of the graph's files (or of the given relative paths that exist)."""
        disk: dict[str, Stat] = {}
        if only is None:
            candidates: Iterable[tuple[Path, str]] = ((f.path, f.rel) for f in self.graph.files())
        else:
            candidates = ((self.graph.root / rel, rel) for rel in only if self.graph.is_graph_file(rel))
        for path, rel in candidates:
            try:
                st = path.stat()
            except OSError:
                continue
            if path.is_file():
                disk[rel] = (st.st_size, st.st_mtime_ns)
        return disk

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
        self.store.repair()
        indexed = self.store.indexed_files()
        scope = self._expand(set(only), indexed) if only is not None else None
        disk = self.scan(scope)
        suspects = find_suspects(disk, indexed, scope)
        contents: dict[str, bytes] = {}
        hashes: dict[str, str] = {}
        stats: dict[str, Stat] = {}
        errors: dict[str, str] = {}
        for rel in suspects.to_hash:
            path = self.graph.root / rel
            try:
                st = path.stat()
                raw = path.read_bytes()
            except FileNotFoundError:
                continue  # vanished since the scan: the next sync sees it gone
            except OSError as exc:
                errors[rel] = f"could not be read ({exc.strerror or exc})"
                continue
            contents[rel] = raw
            hashes[rel] = hashlib.sha256(raw).hexdigest()
            stats[rel] = (st.st_size, st.st_mtime_ns)
        plan = plan_changes(suspects, hashes, indexed)
        report = IndexReport(plan, errors=errors)
        total = len(plan.to_parse) + len(plan.deleted) + len(plan.touched)
        done = 0

        def step(rel: str) -> None:
            nonlocal done
            done += 1
            if progress:
                progress(done, total, rel)

        for rel in plan.deleted:
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            report.rows_written += self.store.delete_file(rel)
            step(rel)
        for rel in plan.touched:
            self.store.db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", [*stats[rel], rel])
            step(rel)
        moved_from = {new: old for old, new in plan.moved}
        to_parse = [rel for rel in plan.to_parse if rel in contents]
        for rel in plan.to_parse:
            if rel not in contents and rel in indexed:  # unreadable now: keep it out of the index
                report.rows_written += self.store.delete_file(rel)
        bulk = self.store.bulk() if len(to_parse) >= BULK_THRESHOLD else contextlib.nullcontext()
        with bulk:
            if not report.cancelled:
                self._write_parsed(to_parse, contents, stats, hashes, moved_from, report, step, cancel)
        report.seconds = time.perf_counter() - started
        return report

    def _write_parsed(self, to_parse: list[str], contents: dict[str, bytes], stats: dict[str, Stat],
                      hashes: dict[str, str], moved_from: dict[str, str], report: IndexReport,
                      step: Callable[[str], None], cancel: threading.Event | None) -> None:
        for rows, error in self._parsed(to_parse, contents):
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            rel = rows.file
            stamp = (*stats[rel], hashes[rel])
            report.rows_written += self.store.write_file(rows, stamp, error, moved_from=moved_from.get(rel))
            if error:
                report.errors[rel] = error
            step(rel)

    def _parsed(self, paths: list[str], contents: dict[str, bytes]) -> Iterator[tuple[PageRows, str | None]]:
        """Parsed rows for each path, in order; in worker processes when there are many."""
        config = self.graph.config
        if self.workers <= 1 or len(paths) < PARALLEL_THRESHOLD:
            for rel in paths:
                yield _parse(rel, contents[rel], config)
            return
        batch = 25
        chunks = [[(rel, contents[rel]) for rel in paths[i:i + batch]] for i in range(0, len(paths), batch)]
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            for results in pool.map(_parse_batch, chunks, [config] * len(chunks)):
                yield from results
