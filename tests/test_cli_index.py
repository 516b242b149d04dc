"""`notegraph index`, `search`, `tags`, `backlinks`, `tasks` and `watch` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from notegraph.cli.main import cli
from tests.conftest import copy_demo


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

        self.queue: "queue.Queue[str]" = queue.Queue()
        assert proc.stdout is not None
        stream = proc.stdout
        threading.Thread(target=lambda: [self.queue.put(line) for line in stream], daemon=True).start()

    def next(self, timeout: float = 15.0) -> str:
        import queue

        try:
            return self.queue.get(timeout=max(timeout, 0.01))
        except queue.Empty:
            return ""


def test_watch_prints_updates_and_stops_on_sigterm(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "graph")
    env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    proc = _cli("watch", str(root), env=env)
    lines = _Lines(proc)
    try:
        assert "indexed" in lines.next()
        assert "watching" in lines.next()
        (root / "journals/2026_11_23.md").write_text("- a new day begins\n")
        deadline = time.monotonic() + 15
        update = ""
        while time.monotonic() < deadline and "2026_11_23" not in update:
            update = lines.next(deadline - time.monotonic())
        assert "journals/2026_11_23.md" in update
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0
    assert "stopped" in lines.next()


def test_killed_index_run_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    from bench.synthetic import write_graph
    from tests.test_index import fresh_dump
    from notegraph.logseq.graph import Graph
    from notegraph.store import Store

    root = tmp_path / "big"
    write_graph(root, files=600)
    index = tmp_path / "i.db"
    env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    killed_mid_run = False
    for delay in (0.6, 1.0, 1.5, 2.5):
        proc = _cli("index", str(root), "--index", str(index), "--no-embed", env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=15)
        with Store(index, Graph.open(root).root) as store:
            done = store.counts()["files"]
        if 0 < done < 600:
            killed_mid_run = True
            break
        for path in tmp_path.glob("i.db*"):
            path.unlink()
    assert killed_mid_run, "the index run finished before it could be killed"
    finished = _cli("index", str(root), "--index", str(index), "--no-embed", env=env)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err
    assert "600 files" in out
    with Store(index, Graph.open(root).root) as store:
        assert store.dump() == fresh_dump(root, tmp_path)
