"""`notegraph index`, `search`, `tags`, `backlinks`, `tasks` and `watch` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from notegraph.cli.main import cli
from tests.conftest import copy_demo
from tests.waiting import DEADLINE, wait_until


def run(*args: str, env: dict[str, str] | None = None) -> "click.testing.Result":  # type: ignore[name-defined]
    return CliRunner().invoke(cli, list(args), env=env)


def test_index_then_search_json(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    first = run("index", str(root), "--no-embed")
    assert first.exit_code == 0, first.output
    assert "27 files, 27 pages" in first.stdout and "27 new" in first.stdout
    again = run("index", "-g", str(root), "--no-embed")
    assert "0 new, 0 changed, 0 deleted, 27 unchanged; 0 rows written" in again.stdout
    result = run("search", "-g", str(root), "dark", "theme", "--json", "--limit", "2", "--mode", "keyword")
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) == 2
    assert set(hits[0]) >= {"id", "page", "file", "line", "content", "breadcrumb", "score"}
    assert hits[0]["content"] == "Do we ship a dark theme?" and hits[0]["file"] == "journals/2026_11_06.md"


def test_search_says_which_days_its_time_words_meant(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    result = run("search", "-g", str(root), "reranker", "last", "week", "--mode", "keyword",
                 env={"NOTEGRAPH_TODAY": "2026-11-22"})
    assert result.exit_code == 0, result.output
    assert "searched 'reranker' on journal days 2026-11-09 .. 2026-11-15" in result.stderr
    days = {line.split(",")[0] for line in result.stdout.splitlines() if line.startswith("Nov")}
    assert days and days <= {f"Nov {d}th" for d in range(9, 16)}


def test_search_sees_edits_without_a_manual_index(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    run("index", str(root), "--no-embed")
    with open(root / "journals/2026_11_22.md", "a") as fh:
        fh.write("- zebrafish appeared in my notes today\n")
    result = run("search", "-g", str(root), "zebrafish", "--json", "--mode", "keyword")
    assert json.loads(result.stdout.splitlines()[0])["file"] == "journals/2026_11_22.md"


def test_tags_tree_backlinks_and_tasks(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    env = {"NOTEGRAPH_GRAPH": str(root), "NOTEGRAPH_TODAY": "2026-11-23"}
    tree = run("tags", "--tree", env=env)
    assert tree.exit_code == 0, tree.output
    lines = tree.stdout.splitlines()
    assert "     9  #ai" in lines and "     9    #ai/predictions" in lines
    back = run("backlinks", "Dr. Okafor", env=env)
    assert back.exit_code == 0 and "6 linked references to Dr. Okafor" in back.stdout
    tasks = run("tasks", "--since", "last sprint", "-m", "DOING", "--json", env=env)
    rows = [json.loads(line) for line in tasks.stdout.splitlines()]
    assert rows and all(r["content"].startswith("DOING") for r in rows)
    missing = run("backlinks", "No Such Page", env=env)
    assert missing.exit_code == 1 and "hint:" in missing.stderr
    bad_window = run("tasks", "--since", "fortnight ago-ish", env=env)
    assert bad_window.exit_code == 1 and "14d" in bad_window.stderr


def test_index_rebuild_and_separate_index_path(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    index = tmp_path / "elsewhere.db"
    result = run("index", str(root), "--index", str(index), "--no-embed")
    assert result.exit_code == 0 and index.exists()
    rebuilt = run("index", str(root), "--index", str(index), "--rebuild", "--no-embed")
    assert "27 new" in rebuilt.stdout


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "notegraph.cli.main", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class _Lines:
    """The process's output lines, read by a thread, taken with a timeout."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        import queue
        import threading

        self.queue: "queue.Queue[str | None]" = queue.Queue()
        self.ended = False
        assert proc.stdout is not None
        stream = proc.stdout

        def read() -> None:
            for line in stream:
                self.queue.put(line)
            self.queue.put(None)  # the process closed its output

        threading.Thread(target=read, daemon=True).start()

    def next(self, timeout: float = DEADLINE) -> str:
        import queue

        if self.ended:
            return ""
        try:
            line = self.queue.get(timeout=max(timeout, 0.01))
        except queue.Empty:
            return ""
        self.ended = line is None
        return line or ""

    def until(self, text: str, timeout: float = DEADLINE) -> str:
        """The first line holding ``text`` (lines before it, such as the background embedder's
        reports, which come whenever it is done, are passed over); "" if none came."""
        deadline = time.monotonic() + timeout
        while not self.ended and time.monotonic() < deadline:
            line = self.next(deadline - time.monotonic())
            if text in line:
                return line
        return ""


def test_watch_prints_updates_and_stops_on_sigterm(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    proc = _cli("watch", str(root), env=env)
    lines = _Lines(proc)
    try:
        assert "indexed" in lines.next()
        assert lines.until("watching")  # printed once the watcher is live
        (root / "journals/2026_11_23.md").write_text("- a new day begins\n")
        assert lines.until("journals/2026_11_23.md")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=DEADLINE)
    assert proc.returncode == 0
    assert lines.until("stopped")


def _files_done(index: Path) -> int | None:
    """How many files the index holds now, read as another process would, without writing to it;
    None while that cannot be said yet (no file or no tables yet, or the writer holds a lock)."""
    if not index.exists():
        return None
    try:
        conn = sqlite3.connect(f"{index.as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return None
    try:
        return int(conn.execute("SELECT count(*) FROM files").fetchone()[0])
    except sqlite3.OperationalError as exc:  # 'no such table', 'database is locked', 'unable to open'
        if any(word in str(exc) for word in ("locked", "busy", "no such table", "unable to open")):
            return None
        raise
    finally:
        conn.close()


def _kill_mid_run(root: Path, index: Path, env: dict[str, str]) -> int:
    """Run ``notegraph index``, kill -9 it as soon as the index shows progress; return the files done then."""
    proc = _cli("index", str(root), "--index", str(index), "--no-embed", env=env)
    try:
        assert wait_until(lambda: bool(_files_done(index)) or proc.poll() is not None, interval=0.002), \
            "the index run showed no progress"
        # Freeze it at once: from here on the count can only be the one the kill leaves.
        proc.send_signal(signal.SIGSTOP)
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode in (0, -signal.SIGKILL), err
    # Counted after the kill, which changes nothing a frozen run would: it can run no more, and,
    # unlike a frozen one, it holds no lock a reader could have to wait for.
    deadline = time.monotonic() + DEADLINE
    while (done := _files_done(index)) is None:
        assert time.monotonic() < deadline, "the killed run's index could not be read"
        time.sleep(0.02)
    return done


def test_killed_index_run_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    from bench.synthetic import write_graph
    from tests.test_index import fresh_dump
    from notegraph.logseq.graph import Graph
    from notegraph.store import Store

    root = tmp_path / "big"
    total = 600  # the first commit comes after 64 files (executor.FILES_PER_COMMIT): a long tail follows
    write_graph(root, files=total)
    index = tmp_path / "i.db"
    env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    for _attempt in range(5):
        done = _kill_mid_run(root, index, env)
        if done < total:
            break
        for path in tmp_path.glob("i.db*"):  # it finished before the freeze landed: start over
            path.unlink()
    assert 0 < done < total, f"the index run was never caught mid-run ({done} of {total} files done)"
    finished = _cli("index", str(root), "--index", str(index), "--no-embed", env=env)
    out, err = finished.communicate(timeout=DEADLINE)
    assert finished.returncode == 0, err
    assert f"{total} files" in out
    assert "interrupted" in err  # it says that it completed what the killed run left undone
    with Store(index, Graph.open(root).root) as store:
        assert store.dump() == fresh_dump(root, tmp_path)
