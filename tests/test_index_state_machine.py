"""After any sequence of file operations, the incremental index equals a fresh one.

Hypothesis drives create / edit / append / delete / rename / touch / same-size
edits on a real folder; after each step the index is synced and compared with
an index built from scratch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from notegraph.index.executor import Indexer
from notegraph.logseq.graph import Graph
from notegraph.store import Store

NAMES = [f"journals/2026_11_{d:02d}.md" for d in range(1, 6)] + ["pages/alpha.md", "pages/beta.md",
                                                                 "pages/ns___leaf.md", "pages/sub/gamma.md"]
LINES = ["- TODO call [[Alice]] #errand", "\t- nested [[Bob]] note", "- plain words", "- #ai/predictions soon",
         "  collapsed:: true", "- same", "- same", "- tags:: x, y", "\t\t- deep ((64f1c2a0-1111-4c2d-9e8f-0123456789ab))",
         "- DONE shipped it", "- id:: 64f1c2a0-1111-4c2d-9e8f-0123456789ab", "- quantization notes"]

text = st.lists(st.sampled_from(LINES), min_size=0, max_size=8).map(lambda ls: "\n".join(ls) + "\n")


class IndexMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ng-sm-"))
        self.root = self.dir / "graph"
        (self.root / "journals").mkdir(parents=True)
        (self.root / "pages").mkdir()
        self.graph = Graph.open(self.root)
        self.store = Store(self.dir / "index.db", self.graph.root)
        self.tick = 1_000_000_000

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def existing(self) -> list[str]:
        return sorted(f.rel for f in self.graph.files())

    def _write(self, rel: str, data: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data)
        self.tick += 1_000_000_000  # a distinct mtime for every write, as real edits have
        os.utime(path, ns=(self.tick, self.tick))

    @rule(name=st.sampled_from(NAMES), data=text)
    def write(self, name: str, data: str) -> None:
        self._write(name, data)

    @precondition(lambda self: self.existing())
    @rule(data=st.data(), line=st.sampled_from(LINES))
    def append(self, data: st.DataObject, line: str) -> None:
        rel = data.draw(st.sampled_from(self.existing()))
        self._write(rel, (self.root / rel).read_text() + line + "\n")

    @precondition(lambda self: self.existing())
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        (self.root / data.draw(st.sampled_from(self.existing()))).unlink()

    @precondition(lambda self: self.existing())
    @rule(data=st.data(), new_name=st.sampled_from(NAMES))
    def rename(self, data: st.DataObject, new_name: str) -> None:
        source = data.draw(st.sampled_from(self.existing()))
        (self.root / new_name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.root / source, self.root / new_name)

    @precondition(lambda self: self.existing())
    @rule(data=st.data())
    def touch(self, data: st.DataObject) -> None:
        rel = data.draw(st.sampled_from(self.existing()))
        self.tick += 1_000_000_000
        os.utime(self.root / rel, ns=(self.tick, self.tick))

    @precondition(lambda self: self.existing())
    @rule(data=st.data())
    def same_size_edit(self, data: st.DataObject) -> None:
        rel = data.draw(st.sampled_from(self.existing()))
        old = (self.root / rel).read_text()
        if "plain" in old:
            self._write(rel, old.replace("plain", "PLAIN", 1))

    @invariant()
    def index_equals_a_fresh_index(self) -> None:
        Indexer(self.graph, self.store, workers=1).sync()
        fresh_path = self.dir / f"fresh-{self.tick}.db"
        with Store(fresh_path, self.graph.root) as fresh:
            Indexer(self.graph, fresh, workers=1).sync()
            expected = fresh.dump()
        got = self.store.dump()
        assert got == expected
        assert got["fts_orphans"] == []
        for suffix in ("", "-wal", "-shm"):
            Path(str(fresh_path) + suffix).unlink(missing_ok=True)


IndexMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=12, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestIndexStateMachine = IndexMachine.TestCase
