"""The executor on real folders and real SQLite files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from notegraph.errors import IndexUnusableError
from notegraph.index.executor import Indexer
from notegraph.logseq.graph import Graph
from notegraph.notebook import Notebook
from notegraph.store import Store
from tests.conftest import FIXTURES, copy_demo


def fresh_dump(root: Path, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    graph = Graph.open(root)
    with Store(tmp_path / f"fresh-{os.urandom(4).hex()}.db", graph.root) as store:
        Indexer(graph, store, workers=1).sync()
        return store.dump()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cold_index_matches_the_export(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    report = notebook.index()
    assert len(report.plan.new) == 27 and not report.errors
    pages = list(notebook.pages())
    counts = notebook.store.counts()
    assert counts == {"files": 27, "pages": 27, "blocks": sum(len(p.blocks) for p in pages)}
    refs = {(b.id, r) for p in pages for b in p.blocks for r in b.refs}
    indexed = set(notebook.store.db.execute(
        "SELECT b.id, r.page_key FROM refs r JOIN blocks b ON b.rowid = r.block").fetchall())
    assert indexed == refs


def test_index_writes_nothing_into_the_graph_folder(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    before = snapshot(root)
    notebook = Notebook.open(root)
    notebook.index()
    assert snapshot(root) == before
    assert not str(notebook.index_path).startswith(str(root))  # the index lives in the cache folder


def test_second_run_reads_nothing(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    again = notebook.index()
    assert again.plan.is_empty() and again.rows_written == 0 and again.plan.unchanged == 27


def test_editing_one_block_rewrites_only_that_block(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    db = notebook.store.db
    before = {r[0]: r[1:] for r in db.execute("SELECT rowid, content_hash, line FROM blocks").fetchall()}
    path = root / "journals/2026_11_03.md"
    path.write_text(path.read_text().replace("14 tests, including", "15 tests, including"))
    report = notebook.index()
    assert report.plan.changed == ["journals/2026_11_03.md"]
    assert report.rows_written <= 2  # the block's new id and content, in the same row
    after = {r[0]: r[1:] for r in db.execute("SELECT rowid, content_hash, line FROM blocks").fetchall()}
    assert set(after) == set(before)  # every row kept its rowid
    assert len([k for k in after if after[k] != before[k]]) == 1
    assert notebook.store.dump() == fresh_dump(root, tmp_path)


def test_rename_keeps_rows_and_identity(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    db = notebook.store.db
    rowids = {r[0] for r in db.execute("SELECT rowid FROM blocks WHERE file = 'journals/2026_11_03.md'")}
    (root / "journals/2026_11_03.md").rename(root / "journals/sprint-notes.md")
    report = notebook.index()
    assert report.plan.moved == [("journals/2026_11_03.md", "journals/sprint-notes.md")]
    moved = {r[0] for r in db.execute("SELECT rowid FROM blocks WHERE file = 'journals/sprint-notes.md'")}
    assert moved == rowids
    assert notebook.store.dump() == fresh_dump(root, tmp_path)


def test_delete_removes_every_row(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    (root / "journals/2026_11_03.md").unlink()
    report = notebook.index()
    assert report.plan.deleted == ["journals/2026_11_03.md"]
    db = notebook.store.db
    assert db.execute("SELECT count(*) FROM blocks WHERE file = 'journals/2026_11_03.md'").fetchone()[0] == 0
    assert notebook.store.dump() == fresh_dump(root, tmp_path)
    assert notebook.store.dump()["fts_orphans"] == []


def test_bulk_load_and_incremental_updates_agree(tmp_path: Path) -> None:
    from bench.synthetic import write_graph

    root = tmp_path / "big"
    write_graph(root, files=260)  # above the bulk threshold: full-text rebuilt at the end
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    report = notebook.index()
    assert len(report.plan.new) == 260
    hits = notebook.search("benchmark")
    assert hits and all("benchmark" in h.content.lower() for h in hits)
    assert notebook.store.get_meta("bulk") is None
    assert notebook.store.dump() == fresh_dump(root, tmp_path)


def test_unreadable_and_broken_files_are_reported_and_skipped(tmp_path: Path) -> None:
    root = tmp_path / "g"
    (root / "pages").mkdir(parents=True)
    (root / "pages/ok.md").write_text("- fine #tag\n")
    (root / "pages/bad.md").write_bytes(b"- caf\xe9 #tag\n")
    (root / "pages/bin.md").write_bytes(b"\x00\x01")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    report = notebook.index()
    assert set(report.errors) == {"pages/bad.md", "pages/bin.md"}
    assert "invalid UTF-8" in report.errors["pages/bad.md"]
    assert notebook.tag_counts() == {"tag": 2}  # the readable part of bad.md is still found


def test_corrupt_index_in_the_cache_folder_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    index = Notebook.open(root).index_path  # notegraph's own place for it
    index.parent.mkdir(parents=True)
    index.write_bytes(b"this is not a database at all" * 100)
    notebook = Notebook.open(root)
    report = notebook.index()
    assert len(report.plan.new) == 27
    assert any("not a SQLite database" in n for n in notebook.store.notices)
    assert list(index.parent.glob(index.name + ".broken-*"))


def test_a_file_given_as_the_index_that_is_not_one_is_never_touched(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    index = tmp_path / "i.db"
    index.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(IndexUnusableError, match="not a notegraph index"):
        Notebook.open(root, index=index).index()
    assert index.read_bytes() == b"this is not a database at all" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph", "i.db"]


def test_index_of_another_graph_is_not_reused(tmp_path: Path) -> None:
    index = tmp_path / "shared.db"
    first = Notebook.open(FIXTURES / "no_config_graph", index=index)
    first.index()
    first.close()
    second = Notebook.open(FIXTURES / "legacy_graph", index=index)
    second.index()
    assert any("another graph" in n for n in second.store.notices)
    files = {r[0] for r in second.store.db.execute("SELECT path FROM files")}
    assert files == {"daily/2023-01-05.md", "notes/ai%2Fpredictions.md", "notes/ml.papers.md", "notes/plain.md"}


def test_truncated_database_is_rebuilt(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    notebook = Notebook.open(root)
    notebook.index()
    notebook.close()
    index = notebook.index_path
    data = index.read_bytes()
    index.write_bytes(data[:4096])  # header intact, pages gone
    for extra in index.parent.glob(index.name + "-*"):
        extra.unlink()
    again = Notebook.open(root)
    report = again.index()
    assert again.store.counts()["files"] == 27
    assert report.plan.new or again.store.notices


def test_locked_database_is_waited_for(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    index = tmp_path / "i.db"
    Notebook.open(root, index=index).index()
    (root / "journals/2026_11_03.md").write_text("- changed\n")
    blocker = sqlite3.connect(index, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    import threading

    threading.Timer(0.5, lambda: blocker.execute("COMMIT")).start()
    report = Notebook.open(root, index=index).index()  # waits for the lock instead of failing
    assert report.plan.changed == ["journals/2026_11_03.md"]
    blocker.close()


def test_missing_graph_is_a_clear_error(tmp_path: Path) -> None:
    from notegraph.errors import GraphNotFoundError

    with pytest.raises(GraphNotFoundError) as excinfo:
        Notebook.open(tmp_path / "nope")
    assert excinfo.value.hint


def test_closing_the_notebook_while_a_thread_queries_leaves_that_thread_its_connection(tmp_path: Path) -> None:
    """The app's thread workers (status counts, search) outlive the app: closing the notebook
    under their running statement crashed the interpreter once (CI, a segfault in counts())."""
    import threading

    notebook = Notebook.open(copy_demo(tmp_path / "graph"), index=tmp_path / "i.db")
    notebook.index()
    blocks = notebook.store.counts()["blocks"]
    inside, go_on = threading.Event(), threading.Event()
    held: list[Store] = []
    result: list[int] = []

    def hold(value: int) -> int:
        inside.set()
        go_on.wait(30)
        return value

    def count_slowly() -> None:
        store = notebook.store
        held.append(store)
        store.db.conn.create_function("hold", 1, hold)
        result.append(store.db.execute("SELECT sum(hold(1)) FROM blocks").fetchone()[0])

    worker = threading.Thread(target=count_slowly)
    worker.start()
    assert inside.wait(30)
    notebook.close()  # mid-statement in the worker: its connection must stay open
    go_on.set()
    worker.join(30)
    assert result == [blocks]
    assert held[0] is not notebook.store  # this thread opened afresh after close()
    notebook.close()  # the worker has ended: its connection is closed now
    with pytest.raises(sqlite3.ProgrammingError):
        held[0].db.execute("SELECT 1")
