"""The watcher on a real folder, with real filesystem events and bounded waits."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from notegraph.index.executor import IndexReport
from notegraph.logseq.graph import Graph
from notegraph.notebook import Notebook
from notegraph.watch import GraphWatcher

WAIT = 15.0


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def live(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = tmp_path / "graph"
    (root / "journals").mkdir(parents=True)
    (root / "pages").mkdir()
    (root / "pages/alpha.md").write_text("- alpha [[Beta]]\n")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    reports: list[IndexReport] = []
    errors: list[BaseException] = []
    watcher = notebook.watch(reports.append, on_error=errors.append)
    watcher.start()
    time.sleep(0.2)  # let inotify watches settle
    yield root, notebook, reports, watcher
    watcher.stop()
    assert not errors


def indexed(notebook: Notebook) -> set[str]:
    from notegraph.store import Store

    with Store(notebook.index_path, notebook.graph.root) as store:  # its own connection, as a reader
        return set(store.indexed_files())


def content_of(notebook: Notebook, rel: str) -> list[str]:
    from notegraph.store import Store

    with Store(notebook.index_path, notebook.graph.root) as store:
        return [r[0] for r in store.db.execute("SELECT content FROM blocks WHERE file = ? ORDER BY position",
                                               [rel])]


def test_atomic_rename_save_is_indexed(live) -> None:  # type: ignore[no-untyped-def]
    root, notebook, reports, _ = live
    tmp = root / "pages/.alpha.md.swp"
    tmp.write_text("- alpha edited [[Gamma]]\n")
    os.replace(tmp, root / "pages/alpha.md")  # how vim and many editors save
    assert wait_for(lambda: content_of(notebook, "pages/alpha.md") == ["alpha edited [[Gamma]]"])
    assert all(".swp" not in str(r.plan) for r in reports)


def test_create_delete_and_move(live) -> None:  # type: ignore[no-untyped-def]
    root, notebook, reports, _ = live
    (root / "journals/2026_11_23.md").write_text("- a new day\n")
    assert wait_for(lambda: "journals/2026_11_23.md" in indexed(notebook))
    (root / "pages/alpha.md").rename(root / "pages/renamed.md")
    assert wait_for(lambda: indexed(notebook) == {"journals/2026_11_23.md", "pages/renamed.md"})
    assert any(r.plan.moved == [("pages/alpha.md", "pages/renamed.md")] for r in reports)
    (root / "journals/2026_11_23.md").unlink()
    assert wait_for(lambda: indexed(notebook) == {"pages/renamed.md"})


def test_folder_moved_away(live) -> None:  # type: ignore[no-untyped-def]
    root, notebook, _, _ = live
    (root / "pages/sub").mkdir()
    (root / "pages/sub/one.md").write_text("- one\n")
    (root / "pages/sub/two.md").write_text("- two\n")
    assert wait_for(lambda: {"pages/sub/one.md", "pages/sub/two.md"} <= indexed(notebook))
    (root / "pages/sub").rename(root / "outside-the-graph")
    assert wait_for(lambda: indexed(notebook) == {"pages/alpha.md"})


def test_editor_noise_is_ignored(live) -> None:  # type: ignore[no-untyped-def]
    root, _, reports, watcher = live
    for name in ("pages/.alpha.md.swp", "pages/alpha.md~", "pages/4913", "pages/#alpha.md#", "pages/x.tmp",
                 "pages/notes.txt", "logseq/bak/pages/alpha.md"):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("- noise\n")
    time.sleep(0.6)
    assert watcher.batches == 0 and reports == []


def test_a_thousand_file_burst_is_one_or_a_few_batches(live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, notebook, reports, watcher = live
    for i in range(1000):
        (root / f"pages/burst {i}.md").write_text(f"- burst block {i} #burst\n")
    assert wait_for(lambda: len(indexed(notebook)) == 1001, timeout=60)
    assert watcher.batches <= 5
    from tests.test_index import fresh_dump
    from notegraph.store import Store

    with Store(notebook.index_path, notebook.graph.root) as store:
        assert store.dump() == fresh_dump(root, tmp_path)


def test_debounce_collects_quick_successive_events(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    batches: list[set[str]] = []
    done = threading.Event()

    def on_batch(paths: set[str]) -> None:
        batches.append(paths)
        done.set()

    graph = Graph.open(tmp_path)
    with GraphWatcher(graph, on_batch, debounce=0.3):
        time.sleep(0.2)
        for i in range(5):
            (tmp_path / f"pages/p{i}.md").write_text("- x\n")
            time.sleep(0.05)
        assert done.wait(WAIT)
        time.sleep(0.5)
    assert batches == [{f"pages/p{i}.md" for i in range(5)}]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_equals_a_fresh_one_after_random_edits_while_watching(live, tmp_path: Path, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Edits, atomic saves, creates, deletes, renames and folder moves, at editor speed, then settle."""
    import random

    from notegraph.store import Store
    from tests.test_index import fresh_dump

    root, notebook, reports, watcher = live
    rng = random.Random(seed)
    words = ["alpha", "beta", "[[Gamma]]", "#delta", "TODO", "((x))", "id:: 6548a1b2-0000-4000-8000-00000000000a",
             "epsilon", "[[Zeta/Eta]]", "#[[theta iota]]"]

    def text() -> str:
        lines = []
        for _ in range(rng.randint(1, 6)):
            indent = "\t" * rng.randint(0, 1)
            lines.append(f"{indent}- {' '.join(rng.choice(words) for _ in range(rng.randint(1, 4)))}")
        return "\n".join(lines) + "\n"

    def files() -> list[Path]:
        return sorted(p for p in root.rglob("*.md") if p.is_file())

    for step in range(40):
        existing = files()
        op = rng.choice(["create", "edit", "atomic save", "delete", "rename", "folder"] if existing else ["create"])
        target = rng.choice(existing) if existing else None
        if op == "create":
            (root / rng.choice(["pages", "journals"]) / f"p{step}.md").write_text(text())
        elif op == "edit" and target:
            with open(target, "a") as fh:
                fh.write(text())
        elif op == "atomic save" and target:
            tmp = target.with_name(f".{target.name}.swp")
            tmp.write_text(text())
            os.replace(tmp, target)
        elif op == "delete" and target:
            target.unlink()
        elif op == "rename" and target:
            target.rename(target.with_name(f"renamed {step}.md"))
        elif op == "folder":
            sub = root / "pages" / f"sub{step}"
            sub.mkdir()
            (sub / "inner.md").write_text(text())
            sub.rename(root / "pages" / f"moved{step}")
        time.sleep(rng.choice([0.0, 0.01, 0.15]))

    expected = fresh_dump(root, tmp_path)

    def settled() -> bool:
        with Store(notebook.index_path, notebook.graph.root) as store:
            return bool(store.dump() == expected)

    if not wait_for(settled, timeout=30):
        with Store(notebook.index_path, notebook.graph.root) as store:
            got = store.dump()
        different = {table: (sorted(set(map(repr, got[table])) - set(map(repr, expected[table])))[:5],
                             sorted(set(map(repr, expected[table])) - set(map(repr, got[table])))[:5])
                     for table in expected if got[table] != expected[table]}
        pytest.fail(f"the index did not settle to a fresh index's content: {different}")
