"""The watcher on a real folder, with real filesystem events.

No test waits a fixed time: each waits for what it checks (an edit indexed, a batch
delivered), up to a deadline that only a broken watcher reaches. That nothing *else*
happened is shown by a sentinel: a change made after the ones under test, whose
batch can only come after theirs (one inotify queue, handled in order).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from notegraph.index.executor import IndexReport
from notegraph.logseq.graph import Graph
from notegraph.notebook import Notebook
from notegraph.watch import GraphWatcher
from tests.waiting import DEADLINE, wait_until


def small_graph(tmp_path: Path) -> tuple[Path, Notebook]:
    root = tmp_path / "graph"
    (root / "journals").mkdir(parents=True)
    (root / "pages").mkdir()
    (root / "pages/alpha.md").write_text("- alpha [[Beta]]\n")
    notebook = Notebook.open(root, index=tmp_path / "i.db")
    notebook.index()
    return root, notebook


def touch(path: Path) -> None:
    """A change that is exactly one filesystem event (inotify's IN_ATTRIB), so exactly one batch."""
    os.utime(path)


@pytest.fixture
def live(tmp_path: Path):  # type: ignore[no-untyped-def]
    root, notebook = small_graph(tmp_path)
    reports: list[IndexReport] = []
    errors: list[BaseException] = []
    watcher = notebook.watch(reports.append, on_error=errors.append)
    watcher.start()
    try:
        # Live means an edit is indexed and reported: prove it with one before the test's own.
        touch(root / "pages/alpha.md")
        assert wait_until(lambda: len(reports) == 1), "the watcher never reported a first change"
        reports.clear()
        yield root, notebook, reports, watcher
    finally:
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
    # the report that indexed the save comes after any the swap file could have caused
    assert wait_until(lambda: any("pages/alpha.md" in r.plan.changed for r in reports))
    assert content_of(notebook, "pages/alpha.md") == ["alpha edited [[Gamma]]"]
    assert all(".swp" not in str(r.plan) for r in reports)


def test_create_delete_and_move(live) -> None:  # type: ignore[no-untyped-def]
    root, notebook, reports, _ = live
    (root / "journals/2026_11_23.md").write_text("- a new day\n")
    assert wait_until(lambda: "journals/2026_11_23.md" in indexed(notebook))
    (root / "pages/alpha.md").rename(root / "pages/renamed.md")
    # the index may show the move before its report has been handed over: wait for both
    assert wait_until(lambda: any(r.plan.moved == [("pages/alpha.md", "pages/renamed.md")] for r in reports))
    assert indexed(notebook) == {"journals/2026_11_23.md", "pages/renamed.md"}
    (root / "journals/2026_11_23.md").unlink()
    assert wait_until(lambda: indexed(notebook) == {"pages/renamed.md"})


def test_folder_moved_away(live) -> None:  # type: ignore[no-untyped-def]
    root, notebook, _, _ = live
    (root / "pages/sub").mkdir()
    (root / "pages/sub/one.md").write_text("- one\n")
    (root / "pages/sub/two.md").write_text("- two\n")
    assert wait_until(lambda: {"pages/sub/one.md", "pages/sub/two.md"} <= indexed(notebook))
    (root / "pages/sub").rename(root / "outside-the-graph")
    assert wait_until(lambda: indexed(notebook) == {"pages/alpha.md"})


def test_editor_noise_is_ignored(tmp_path: Path) -> None:
    root, notebook = small_graph(tmp_path)
    batches: list[set[str]] = []
    with GraphWatcher(notebook.graph, batches.append):
        for name in ("pages/.alpha.md.swp", "pages/alpha.md~", "pages/4913", "pages/#alpha.md#", "pages/x.tmp",
                     "pages/notes.txt", "logseq/bak/pages/alpha.md"):
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("- noise\n")
        touch(root / "pages/alpha.md")  # the sentinel: noise let through would come in its batch or before
        assert wait_until(lambda: any("pages/alpha.md" in batch for batch in batches))
    assert batches == [{"pages/alpha.md"}]


def test_reading_a_file_is_not_a_change(tmp_path: Path) -> None:
    """watchdog reports opens and closes without a write; taking those for changes made the live
    index re-read the file, which reported another open: the idle app kept a core 10–40% busy."""
    root, notebook = small_graph(tmp_path)
    batches: list[set[str]] = []
    with GraphWatcher(notebook.graph, batches.append):
        for _ in range(20):
            (root / "pages/alpha.md").read_bytes()
        (root / "pages/beta.md").write_text("- the sentinel\n")  # anything let through comes before it
        assert wait_until(lambda: any("pages/beta.md" in batch for batch in batches))
    assert batches == [{"pages/beta.md"}]


def test_a_thousand_file_burst_is_one_or_a_few_batches(tmp_path: Path) -> None:
    """A burst that lands while the watcher is busy indexing (a `git checkout` during a sync)."""
    from tests.test_index import fresh_dump
    from notegraph.store import Store

    root, notebook = small_graph(tmp_path)
    reports: list[IndexReport] = []
    errors: list[BaseException] = []
    busy, go_on = threading.Event(), threading.Event()

    def on_update(report: IndexReport) -> None:
        reports.append(report)
        if not busy.is_set():  # the first batch holds the watcher until the whole burst is on disk
            busy.set()
            go_on.wait(DEADLINE)

    watcher = notebook.watch(on_update, on_error=errors.append)
    watcher.start()
    burst = {f"pages/burst {i}.md" for i in range(1000)}

    def burst_per_report() -> list[set[str]]:
        return [set(r.plan.new + r.plan.changed) & burst for r in list(reports)]

    try:
        touch(root / "pages/alpha.md")
        assert busy.wait(DEADLINE), "the watcher never reported a first change"
        for i in range(1000):
            (root / f"pages/burst {i}.md").write_text(f"- burst block {i} #burst\n")
        go_on.set()
        assert wait_until(lambda: set().union(*burst_per_report()) == burst)
        # All of it was noted while the first batch was being indexed: one batch takes it, or a
        # few if the event thread is still catching up when that batch ends.
        assert 1 <= len([part for part in burst_per_report() if part]) <= 3
        expected = fresh_dump(root, tmp_path)

        def settled() -> bool:
            with Store(notebook.index_path, notebook.graph.root) as store:
                return bool(store.dump() == expected)

        assert wait_until(settled)
    finally:
        go_on.set()
        watcher.stop()
    assert not errors


def test_debounce_collects_quick_successive_events(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages/sentinel.md").write_text("- s\n")
    batches: list[set[str]] = []
    graph = Graph.open(tmp_path)
    # Writes 0.05 s apart against a 1 s debounce (and no cap on holding a batch): one batch,
    # however slowly they are noted, short of a one-second stall between two of them.
    with GraphWatcher(graph, batches.append, debounce=1.0, max_delay=DEADLINE):
        for i in range(5):
            (tmp_path / f"pages/p{i}.md").write_text("- x\n")
            time.sleep(0.05)
        assert wait_until(lambda: len(batches) >= 1)
        touch(tmp_path / "pages/sentinel.md")  # any event of the writes left over would come before it
        assert wait_until(lambda: len(batches) >= 2)
    assert batches == [{f"pages/p{i}.md" for i in range(5)}, {"pages/sentinel.md"}]


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

    if not wait_until(settled):
        with Store(notebook.index_path, notebook.graph.root) as store:
            got = store.dump()
        different = {table: (sorted(set(map(repr, got[table])) - set(map(repr, expected[table])))[:5],
                             sorted(set(map(repr, expected[table])) - set(map(repr, got[table])))[:5])
                     for table in expected if got[table] != expected[table]}
        pytest.fail(f"the index did not settle to a fresh index's content: {different}")
