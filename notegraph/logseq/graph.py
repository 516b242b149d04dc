"""Find and read the files of a graph folder, the way Logseq decides which ones count.

Logseq reads markdown under the configured ``pages/`` and ``journals/``
folders (sub-folders included) and ignores dot files and folders,
``logseq/bak``, ``logseq/.recycle``, ``logseq/version-files``,
``node_modules`` and the paths listed in ``:hidden``. Reading never raises:
a file that vanished, cannot be read or cannot be decoded becomes a page with
an error entry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from notegraph.errors import GraphNotFoundError
from notegraph.logseq.config import GraphConfig, load_config
from notegraph.logseq.page import page_name_for, parse_page
from notegraph.model import Page

MARKDOWN_EXTENSIONS = (".md", ".markdown")
SKIPPED_EXTENSIONS = (".org",)
_IGNORED_DIRS = frozenset({"node_modules", "bak", ".recycle", "version-files"})


@dataclass(frozen=True)
class GraphFile:
    path: Path
    rel: str
    """Path relative to the graph root with ``/`` separators."""


@dataclass
class Graph:
    """A graph folder and its config; reads files on demand."""

    root: Path
    config: GraphConfig

    @classmethod
    def open(cls, root: str | os.PathLike[str]) -> "Graph":
        path = Path(root).expanduser()
        if not path.exists():
            raise GraphNotFoundError(f"graph folder {path} does not exist",
                                     "pass the folder that holds journals/ and pages/, e.g. `notegraph ~/logseq-graph`")
        if not path.is_dir():
            raise GraphNotFoundError(f"{path} is a file, not a graph folder",
                                     "pass the folder that holds journals/ and pages/")
        return cls(path.resolve(), load_config(path))

    def _hidden(self, rel: str) -> bool:
        for hidden in self.config.hidden:
            h = hidden.strip("/")
            if h and (rel == h or rel.startswith(h + "/")):
                return True
        return False

    def is_graph_file(self, rel: str) -> bool:
        """Whether a path (relative, ``/``-separated) is a page file notegraph reads."""
        if not any(rel.startswith(folder + "/") for folder in (self.config.journals_dir, self.config.pages_dir)):
            return False
        parts = rel.split("/")
        if any(part.startswith(".") or part in _IGNORED_DIRS for part in parts):
            return False
        return parts[-1].lower().endswith(MARKDOWN_EXTENSIONS) and not self._hidden(rel)

    def files(self) -> Iterator[GraphFile]:
        """Markdown files of the graph, sorted by relative path."""
        return iter(GraphFile(self.root / rel, rel) for rel in sorted(self.stat_files()))

    def stat_files(self) -> dict[str, tuple[int, int]]:
        """Every page file's relative path → (size, mtime_ns), from one walk of the folders."""
        found: dict[str, tuple[int, int]] = {}
        root = str(self.root)
        pending = [folder for folder in dict.fromkeys((self.config.journals_dir, self.config.pages_dir))]
        while pending:
            rel_dir = pending.pop()
            try:
                entries = list(os.scandir(os.path.join(root, rel_dir)))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or entry.name in _IGNORED_DIRS:
                    continue
                rel = f"{rel_dir}/{entry.name}"
                try:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(rel)
                    elif entry.name.lower().endswith(MARKDOWN_EXTENSIONS) and not self._hidden(rel):
                        st = entry.stat()
                        found[rel] = (st.st_size, st.st_mtime_ns)
                except OSError:
                    continue  # vanished or unreadable while we looked
        return found

    def read(self, file: GraphFile) -> Page:
        """Parse one file; problems become entries in ``Page.errors``."""
        return read_page(file.path, file.rel, self.config)

    def pages(self) -> Iterator[Page]:
        for file in self.files():
            yield self.read(file)


def read_page(path: Path, rel: str, config: GraphConfig) -> Page:
    if rel.lower().endswith(SKIPPED_EXTENSIONS):
        return _empty_page(rel, config, "org-mode file: not supported yet, skipped")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _empty_page(rel, config, "file vanished before it could be read")
    except IsADirectoryError:
        return _empty_page(rel, config, "is a directory, not a file")
    except PermissionError:
        return _empty_page(rel, config, "permission denied: the file cannot be read")
    except OSError as exc:
        return _empty_page(rel, config, f"could not be read ({exc.strerror or exc})")
    return parse_page(rel, raw, config)


def _empty_page(rel: str, config: GraphConfig, error: str) -> Page:
    name = page_name_for(rel, config, None)
    return Page(rel, name.name, name.key, name.journal_date, (), "", errors=(error,), writable=False)
