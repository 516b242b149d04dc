"""Watch a graph folder and report batches of changed page files.

watchdog delivers raw events; :class:`GraphWatcher` keeps the ones that touch
page files (the reader's ignore rules, plus editors' temp, swap and backup
files), collects their paths, and after a short quiet spell hands the batch to
a plain callback. A burst (a ``git checkout`` rewriting a thousand files)
becomes one batch. It knows nothing of the TUI: front ends pass callbacks and
a cancel event.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import (EVENT_TYPE_ATTRIB, EVENT_TYPE_CLOSED, EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED,
                             EVENT_TYPE_MOVED, FileSystemEvent, FileSystemEventHandler)
from watchdog.observers import Observer

from notegraph.logseq.graph import Graph, shown_name

Batch = Callable[[set[str]], None]
"""Called with the relative paths of page files that changed (created, modified, deleted or
moved); a path ending in ``/`` stands for everything under a folder that moved or vanished."""

# Editors' temporary and backup files: vim's .swp/.swx/4913/foo~, emacs' #foo# and .#foo,
# our own atomic-write temp files, generic .tmp/.bak.
_EDITOR_NOISE = re.compile(r"(^\.|~$|^#.*#$|\.(swp|swx|swo|tmp|bak|orig|notegraph-tmp)$|^4913$)")


# What may change a file: writes, creation, removal, renames, and metadata (a `touch`, a sync
# tool restoring a file's time). watchdog also reports opens and closes without a write: taken
# for changes, the index re-read the file on each, which was another open — the idle app kept a
# core busy re-indexing in a loop.
_CHANGES = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED,
                      EVENT_TYPE_CLOSED, EVENT_TYPE_ATTRIB})


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "GraphWatcher") -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        if event.is_directory and event.event_type not in ("moved", "deleted"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self.watcher.note(raw if isinstance(raw, str) else os.fsdecode(raw),
                                  event.is_directory)


class GraphWatcher:
    """Debounced batches of page-file changes under a graph folder.

    ``debounce`` is the quiet time that ends a batch; ``max_delay`` caps how long a
    steady stream of events can hold a batch back.
    """

    def __init__(self, graph: Graph, on_batch: Batch, *, debounce: float = 0.1, max_delay: float = 1.0,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.graph = graph
        self.on_batch = on_batch
        self.on_error = on_error
        self.debounce = debounce
        self.max_delay = max_delay
        self._pending: set[str] = set()
        self._first_event = 0.0
        self._last_event = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._observer = Observer()
        self._thread = threading.Thread(target=self._run, name="notegraph-watch", daemon=True)
        self.batches = 0

    # -- events ----------------------------------------------------------------------
    def note(self, raw_path: str, is_directory: bool) -> None:
        try:
            rel = shown_name(Path(raw_path).resolve().relative_to(self.graph.root).as_posix())
        except ValueError:
            return
        if is_directory:
            # A folder moved or deleted: everything that was under it is affected. The
            # indexer expands a path ending in "/" to the files it knew and finds there.
            if not any(rel == d or rel.startswith(d + "/") or d.startswith(rel + "/") for d in self._folders()):
                return
            paths = {rel + "/"}
        else:
            name = rel.rsplit("/", 1)[-1]
            if _EDITOR_NOISE.search(name) or not self.graph.is_graph_file(rel):
                return
            paths = {rel}
        if not paths:
            return
        now = time.monotonic()
        with self._lock:
            if not self._pending:
                self._first_event = now
            self._pending |= paths
            self._last_event = now
        self._wake.set()

    def _folders(self) -> tuple[str, str]:
        return (self.graph.config.journals_dir, self.graph.config.pages_dir)

    # -- the batching thread -------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=0.5)
            if self._stop.is_set():
                return
            with self._lock:
                if not self._pending:
                    self._wake.clear()
                    continue
                now = time.monotonic()
                quiet = now - self._last_event
                held = now - self._first_event
                if quiet < self.debounce and held < self.max_delay:
                    wait = min(self.debounce - quiet, self.max_delay - held)
                    ready = None
                else:
                    ready, self._pending = self._pending, set()
                    wait = 0.0
            if ready is None:
                time.sleep(max(wait, 0.005))
                continue
            self.batches += 1
            try:
                self.on_batch(ready)
            except Exception as exc:  # a failing callback must not stop the watcher
                if self.on_error:
                    self.on_error(exc)

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "GraphWatcher":
        self._observer.schedule(_Handler(self), str(self.graph.root), recursive=True)
        self._observer.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=5)

    def run_until(self, cancel: threading.Event) -> None:
        """Block until ``cancel`` is set (Ctrl-C in the CLI), then stop."""
        self.start()
        try:
            while not cancel.wait(0.2):
                pass
        finally:
            self.stop()

    def __enter__(self) -> "GraphWatcher":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
