"""The one facade both front ends call: open a graph, read it, check it, write to it."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from notegraph.errors import GraphNotFoundError
from notegraph.journal import Captured, capture
from notegraph.logseq.graph import Graph
from notegraph.logseq.writer import render, render_block_source
from notegraph.model import Page

GRAPH_ENV = "NOTEGRAPH_GRAPH"


def looks_like_graph(path: Path) -> bool:
    return any((path / sub).exists() for sub in ("journals", "pages", "logseq/config.edn"))


def resolve_graph_path(arg: str | os.PathLike[str] | None) -> Path:
    """The graph folder: the argument, else ``$NOTEGRAPH_GRAPH``, else the current folder."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get(GRAPH_ENV)
    if env:
        return Path(env).expanduser()
    cwd = Path.cwd()
    if looks_like_graph(cwd):
        return cwd
    raise GraphNotFoundError(
        f"no graph given and {cwd} does not look like a Logseq graph (no journals/, pages/ or logseq/config.edn)",
        f"pass the graph folder (`notegraph ~/notes`) or set {GRAPH_ENV}=~/notes")


@dataclass
class FileCheck:
    """Whether notegraph can safely edit one file."""

    file: str
    round_trips: bool
    errors: list[str] = field(default_factory=list)
    blocks: int = 0


@dataclass
class GraphSummary:
    root: Path
    pages: int = 0
    journals: int = 0
    blocks: int = 0
    first_journal: dt.date | None = None
    last_journal: dt.date | None = None
    markers: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    refs: Counter[str] = field(default_factory=Counter)
    files_with_errors: int = 0


class Notebook:
    """A graph and everything notegraph does with it."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> "Notebook":
        return cls(Graph.open(resolve_graph_path(path)))

    @property
    def root(self) -> Path:
        return self.graph.root

    def pages(self) -> Iterator[Page]:
        """Every page of the graph, sorted by file path; unreadable files come with errors."""
        return self.graph.pages()

    def check(self) -> Iterator[FileCheck]:
        """For every file: does it read back byte for byte, and what did the reader notice?"""
        for file in self.graph.files():
            page = self.graph.read(file)
            errors = list(page.errors)
            try:
                original = file.path.read_bytes()
            except OSError:
                yield FileCheck(file.rel, False, errors or ["could not be read"], 0)
                continue
            ok = page.writable and render(page) == original
            if page.writable and not ok:
                errors.append("re-rendering the parsed file does not reproduce its bytes")
            # An edit rewrites one block from its content; say where that would also
            # normalise the block's own layout (an org drawer becomes `key:: value` lines).
            drifting = [b.line for b in page.blocks
                        if page.writable and render_block_source(page, b, b.content) != page.text[b.start:b.end]]
            if drifting:
                errors.append(f"editing {len(drifting)} blocks would also rewrite their layout, "
                              f"as Logseq does (lines {', '.join(map(str, drifting[:5]))})")
            yield FileCheck(file.rel, ok, errors, len(page.blocks))

    def add(self, text: str, *, page: str | None = None, day: dt.date | None = None) -> Captured:
        """Quick capture: append ``text`` as a block to today's journal (or ``day``'s) or to ``page``."""
        return capture(self.graph, text, page=page, day=day)

    def summary(self) -> GraphSummary:
        summary = GraphSummary(self.root)
        for page in self.pages():
            summary.pages += 1
            if page.errors:
                summary.files_with_errors += 1
            if page.journal_date:
                summary.journals += 1
                day = page.journal_date
                if summary.first_journal is None or day < summary.first_journal:
                    summary.first_journal = day
                if summary.last_journal is None or day > summary.last_journal:
                    summary.last_journal = day
            for block in page.blocks:
                summary.blocks += 1
                if block.marker:
                    summary.markers[block.marker] += 1
                summary.tags.update(block.tags)
                summary.refs.update(block.refs)
        return summary
