"""Find and read the files of a graph folder, the way Logseq decides which ones count.

Logseq reads markdown under the configured ``pages/`` and ``journals/``
folders (sub-folders included) and ignores dot files and folders,
``logseq/bak``, ``logseq/.recycle``, ``logseq/version-files``,
``node_modules`` and the paths listed in ``:hidden``. Reading never raises:
a file that vanished, cannot be read or cannot be decoded becomes a page with
an error entry. FIFOs, sockets and devices with a page's name are skipped (never
opened: reading a FIFO would hang), and a file name that is not valid UTF-8 is
read under a name that shows its bad bytes as ``\\xNN``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from notegraph.errors import GraphNotFoundError
from notegraph.logseq.config import GraphConfig, load_config
from notegraph.logseq.disk import NoteUnreadableError, describe_kind, read_note
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


_SHOWN_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")


@dataclass
class Scan:
    files: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Page files: relative path → (size, mtime_ns)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Names that look like page files but are not regular files → why they were skipped."""


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
        return iter(GraphFile(self.path_of(rel), rel) for rel in sorted(self.stat_files()))

    def file(self, rel: str) -> GraphFile:
        """The file at ``rel`` (relative to the root, as :meth:`files` names it)."""
        return GraphFile(self.path_of(rel), rel)

    def path_of(self, rel: str) -> Path:
        """Where the file named ``rel`` is: a name shown with ``\\xNN`` may stand for bytes that are not UTF-8."""
        path = self.root / rel
        if "\\x" in rel and not os.path.lexists(path):
            raw = self.root / _SHOWN_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), rel)
            if os.path.lexists(raw):
                return raw
        return path

    def stat_files(self) -> dict[str, tuple[int, int]]:
        """Every page file's relative path → (size, mtime_ns), from one walk of the folders."""
        return self.scan().files

    def scan(self) -> "Scan":
        """One walk of the page folders: the page files, and the ``.md`` names that are not files."""
        scan = Scan()
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
                        continue
                    if not entry.name.lower().endswith(MARKDOWN_EXTENSIONS) or self._hidden(rel):
                        continue
                    shown = shown_name(rel)
                    st = entry.stat()
                    if stat.S_ISREG(st.st_mode):
                        scan.files[shown] = (st.st_size, st.st_mtime_ns)
                    else:
                        scan.skipped[shown] = f"{describe_kind(st.st_mode)} with a page's name: skipped"
                except FileNotFoundError:
                    if entry.is_symlink():
                        scan.skipped[shown_name(rel)] = "a symlink to a file that does not exist: skipped"
                except OSError:
                    continue  # vanished or unreadable while we looked
        return scan

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
        raw = read_note(path)
    except NoteUnreadableError as exc:
        return _empty_page(rel, config, exc.reason)
    if raw is None:
        return _empty_page(rel, config, "file vanished before it could be read")
    return parse_page(rel, raw, config)


def shown_name(rel: str) -> str:
    """``rel`` as notegraph shows and indexes it: bytes that are not UTF-8 become ``\\xNN``."""
    if any("\udc80" <= c <= "\udcff" for c in rel):
        return os.fsencode(rel).decode("utf-8", "backslashreplace")
    return rel


def _empty_page(rel: str, config: GraphConfig, error: str) -> Page:
    name = page_name_for(rel, config, None)
    return Page(rel, name.name, name.key, name.journal_date, (), "", errors=(error,), writable=False)
