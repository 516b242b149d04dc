"""Hostile input, as a fault-injection run found it: every case ends with a message and a documented
exit status — no traceback, no hang, and no byte of the graph changed unless the user asked for it.

Each case runs the real `notegraph` command in its own process on a copy of the demo graph, with
the graph hashed before and after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import REPO, copy_demo

NO_HANG = 120.0
"""A command that has not finished by then hangs (they take about a second each)."""


def snapshot(root: Path) -> dict[str, str]:
    """Every file under the graph (names as bytes: some are not UTF-8) → its hash, and its mode."""
    out: dict[str, str] = {}
    for folder, dirs, files in os.walk(os.fsencode(root)):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, os.fsencode(root)).decode("utf-8", "backslashreplace")
            st = os.lstat(path)
            if os.path.islink(path):
                out[rel] = "link:" + os.fsdecode(os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as fh:
                    out[rel] = f"{oct(st.st_mode)}:{hashlib.sha256(fh.read()).hexdigest()}"
            else:
                out[rel] = f"special:{oct(st.st_mode)}"
    return out


class Graph:
    """A demo-graph copy and the `notegraph` command run on it."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(home / "cache"), "NOTEGRAPH_TODAY": "2026-11-22",
                    "NOTEGRAPH_CONFIG": str(home / "config.toml"), "PYTHONPATH": str(REPO)}
        for name in ("NOTEGRAPH_GRAPH", "NOTEGRAPH_INDEX", "NOTEGRAPH_EMBEDDER", "NOTEGRAPH_PLUGINS"):
            self.env.pop(name, None)

    def run(self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "notegraph.cli.main", *args], input=stdin,
                              capture_output=True, timeout=NO_HANG, env={**self.env, **(env or {})},
                              cwd=cwd or self.root)
        result = subprocess.CompletedProcess(done.args, done.returncode,
                                             done.stdout.decode("utf-8", "backslashreplace"),
                                             done.stderr.decode("utf-8", "backslashreplace"))
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode != 70, result.stderr  # a bug, not a message
        return result


@pytest.fixture
def graph(tmp_path: Path) -> Graph:
    return Graph(copy_demo(tmp_path / "graph"), tmp_path / "home")


def refused(result: subprocess.CompletedProcess[str], status: int, *words: str) -> None:
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "error: " in result.stderr, result.stderr
    assert "hint: " in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


JOURNAL = "journals/2026_11_20.md"


# -- writes that must be refused ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["option", "environment"])
def test_an_index_path_naming_a_note_is_refused_and_the_note_untouched(graph: Graph, how: str) -> None:
    before = snapshot(graph.root)
    for target in (graph.root / JOURNAL, graph.root / "logseq/config.edn"):
        if how == "option":
            result = graph.run("index", str(graph.root), "--index", str(target), "--no-embed")
        else:
            result = graph.run("index", str(graph.root), "--no-embed", env={"NOTEGRAPH_INDEX": str(target)})
        refused(result, 4, "inside the graph folder")
    refused(graph.run("tags", "-g", str(graph.root), "--index", str(graph.root / "journals/new.db")), 4)
    assert snapshot(graph.root) == before


def test_an_index_path_naming_another_file_is_refused_and_left_alone(graph: Graph, tmp_path: Path) -> None:
    elsewhere = tmp_path / "thesis.md"
    elsewhere.write_bytes(b"# my thesis\n")
    other_db = tmp_path / "places.sqlite"
    with sqlite3.connect(other_db) as conn:
        conn.execute("CREATE TABLE bookmarks (url TEXT)")
    db_bytes = other_db.read_bytes()
    for target in (elsewhere, other_db):
        refused(graph.run("index", str(graph.root), "--index", str(target), "--no-embed"), 4,
                "not a notegraph index")
    assert elsewhere.read_bytes() == b"# my thesis\n" and other_db.read_bytes() == db_bytes
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["graph", "places.sqlite", "thesis.md"]


def test_add_to_a_symlinked_page_writes_the_real_note(graph: Graph, tmp_path: Path) -> None:
    real = tmp_path / "shared" / "ext.md"
    real.parent.mkdir()
    real.write_bytes(b"- lives in another folder\n")
    (graph.root / "pages").mkdir()
    (graph.root / "pages/ext.md").symlink_to(real)
    result = graph.run("add", "-g", str(graph.root), "-p", "ext", "via the link")
    assert result.returncode == 0, result.stderr
    assert (graph.root / "pages/ext.md").is_symlink()
    assert real.read_bytes() == b"- lives in another folder\n- via the link\n"


def test_add_to_a_read_only_journal_is_refused(graph: Graph) -> None:
    (graph.root / JOURNAL).chmod(0o444)
    before = snapshot(graph.root)
    refused(graph.run("add", "-g", str(graph.root), "-d", "2026-11-20", "x"), 3, "read-only", "chmod u+w")
    assert snapshot(graph.root) == before


def test_add_into_a_read_only_journals_folder_is_refused(graph: Graph) -> None:
    (graph.root / "journals").chmod(0o555)
    try:
        before = snapshot(graph.root)
        refused(graph.run("add", "-g", str(graph.root), "-d", "2026-11-20", "x"), 3, "read-only")
        refused(graph.run("add", "-g", str(graph.root), "-d", "2030-01-01", "x"), 3, "read-only")
        assert snapshot(graph.root) == before
    finally:
        (graph.root / "journals").chmod(0o755)


@pytest.mark.parametrize("stdin, why", [
    (b"before\x00after\n", "NUL byte"),
    (b"caf\xe9 au lait\n", "not valid UTF-8"),
])
def test_text_that_would_damage_the_day_is_refused(graph: Graph, stdin: bytes, why: str) -> None:
    before = snapshot(graph.root)
    refused(graph.run("add", "-g", str(graph.root), "-d", "2026-11-20", "-", stdin=stdin), 1, why)
    assert snapshot(graph.root) == before
    done = graph.run("add", "-g", str(graph.root), "-d", "2026-11-20", "-", stdin=b"fine\n")
    assert done.returncode == 0 and (graph.root / JOURNAL).read_bytes().endswith(b"- fine\n")


def test_undecodable_bytes_in_an_argument_are_refused(graph: Graph) -> None:
    before = snapshot(graph.root)
    done = subprocess.run([sys.executable, "-m", "notegraph.cli.main", "add", "-g", str(graph.root),
                           b"caf\xe9"], capture_output=True, env=graph.env, timeout=NO_HANG)
    assert done.returncode == 1 and b"not valid UTF-8" in done.stderr and b"Traceback" not in done.stderr
    assert snapshot(graph.root) == before


@pytest.mark.parametrize("title, expected", [(".hidden", "pages/%2Ehidden.md"), ("..", "pages/%2E%2E.md")])
def test_page_titles_that_would_make_dot_files_are_escaped_as_logseq_does(graph: Graph, title: str,
                                                                          expected: str) -> None:
    result = graph.run("add", "-g", str(graph.root), "-p", title, "x")
    assert result.returncode == 0, result.stderr
    assert (graph.root / expected).read_bytes() == b"- x\n"
    tags = graph.run("backlinks", "-g", str(graph.root), title)  # and notegraph reads it back as that page
    assert "no page called" not in tags.stderr


@pytest.mark.parametrize("title", ["", "   ", "/", "line\nbreak"])
def test_page_titles_that_name_no_file_are_refused(graph: Graph, title: str) -> None:
    before = snapshot(graph.root)
    refused(graph.run("add", "-g", str(graph.root), "-p", title, "x"), 1, "not a page title")
    assert snapshot(graph.root) == before


def test_a_folder_named_like_a_page_gets_the_right_message(graph: Graph) -> None:
    (graph.root / "pages/x.md").mkdir(parents=True)
    before = snapshot(graph.root)
    refused(graph.run("add", "-g", str(graph.root), "-p", "x", "text"), 3, "is a folder")
    assert snapshot(graph.root) == before


def test_an_unreadable_config_refuses_new_files_but_not_existing_ones(graph: Graph) -> None:
    config = graph.root / "logseq/config.edn"
    config.write_bytes(config.read_bytes() + b"\n{:broken [")
    before = snapshot(graph.root)
    refused(graph.run("add", "-g", str(graph.root), "-d", "2026-12-01", "x"), 3, "config.edn")
    refused(graph.run("add", "-g", str(graph.root), "-p", "Brand new page", "x"), 3, "config.edn")
    assert snapshot(graph.root) == before
    done = graph.run("add", "-g", str(graph.root), "-d", "2026-11-20", "still fine")
    assert done.returncode == 0 and "warning: logseq/config.edn" in done.stderr
    assert (graph.root / JOURNAL).read_bytes().endswith(b"- still fine\n")


def test_a_page_over_the_parse_limit_is_read_only(graph: Graph) -> None:
    from notegraph.logseq.page import MAX_PARSE_BYTES

    big = graph.root / "pages/huge log.md"
    big.parent.mkdir()
    big.write_bytes(b"- a line of a pasted log\n" * (MAX_PARSE_BYTES // 25 + 10))
    before = snapshot(graph.root)
    refused(graph.run("add", "-g", str(graph.root), "-p", "huge log", "x"), 3, "parse limit")
    assert snapshot(graph.root) == before


# -- odd files in the graph --------------------------------------------------------------------


QUERIES = [("index", "{root}", "--no-embed"), ("search", "-g", "{root}", "reranker", "--mode", "keyword"),
           ("tags", "-g", "{root}"), ("tasks", "-g", "{root}"), ("backlinks", "-g", "{root}", "RAG Prototype"),
           ("check", "{root}"), ("export", "{root}"), ("{root}", "--summary")]


def run_queries(graph: Graph) -> Iterator[subprocess.CompletedProcess[str]]:
    for args in QUERIES:
        yield graph.run(*(a.format(root=graph.root) for a in args))


def test_a_file_name_that_is_not_utf8_is_read_and_named_safely(graph: Graph) -> None:
    odd = os.path.join(os.fsencode(graph.root / "journals"), b"caf\xe9.md")
    with open(odd, "wb") as fh:
        fh.write(b"- notes from the caf\xc3\xa9 about [[RAG Prototype]] #meeting\n")
    before = snapshot(graph.root)
    for result in run_queries(graph):
        assert result.returncode == 0, (result.args, result.stderr)
    assert snapshot(graph.root) == before
    found = graph.run("search", "-g", str(graph.root), "café", "--mode", "keyword")
    assert "journals/caf\\xe9.md" in found.stdout
    links = graph.run("backlinks", "-g", str(graph.root), "RAG Prototype")
    assert "caf\\xe9" in links.stdout
    # the page it shows can be written: the file keeps its name, bytes and all
    assert graph.run("add", "-g", str(graph.root), "-p", "caf\\xe9", "more").returncode == 0
    with open(odd, "rb") as fh:
        assert fh.read().endswith(b"#meeting\n- more\n")


@pytest.mark.parametrize("kind", ["fifo", "socket", "dangling link"])
def test_special_files_named_like_pages_are_skipped_with_a_warning_not_a_hang(graph: Graph, kind: str) -> None:
    import socket

    path = graph.root / "pages/pipe.md"
    path.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    else:
        path.symlink_to(graph.root / "pages/nowhere.md")
    before = snapshot(graph.root)
    results = list(run_queries(graph))
    for result in results:
        assert result.returncode == 0, (result.args, result.stderr)
    assert "pages/pipe.md" in results[0].stderr and "skipped" in results[0].stderr
    assert snapshot(graph.root) == before
    refused(graph.run("add", "-g", str(graph.root), "-p", "pipe", "x"), 3)
    assert snapshot(graph.root) == before


def test_a_fifo_as_config_edn_is_not_read(graph: Graph) -> None:
    config = graph.root / "logseq/config.edn"
    config.unlink()
    os.mkfifo(config)
    result = graph.run("tags", "-g", str(graph.root))
    assert result.returncode == 0 and "config.edn" in result.stderr


def test_an_absurd_sprint_length_is_ignored_with_a_warning(graph: Graph) -> None:
    config = graph.root / "logseq/config.edn"
    text = config.read_text()
    config.write_text(text.rstrip().rstrip("}") + "\n :notegraph/sprint-days 99999999999999}\n")
    for args in (("tasks", "-g", str(graph.root), "--since", "this sprint"), ("tags", "-g", str(graph.root))):
        result = graph.run(*args)
        assert result.returncode == 0, result.stderr
        assert "sprint-days" in result.stderr


# -- the index -----------------------------------------------------------------------------------


def damage_pages(index: Path) -> None:
    """Overwrite the b-tree header of every third page after the first two: the file's header and
    schema stay intact, and SQLite finds the damage when a query reaches such a page."""
    size = index.stat().st_size
    with open(index, "r+b") as fh:
        for page in range(2, size // 4096, 3):
            fh.seek(page * 4096)
            fh.write(b"\xde\xad" * 6)


def index_file(graph: Graph) -> Path:
    [path] = (Path(graph.env["NOTEGRAPH_CACHE_DIR"]) / "indexes").glob("*.db")
    return path


def test_a_damaged_index_is_started_afresh_and_rebuild_always_recovers(graph: Graph) -> None:
    assert graph.run("index", str(graph.root), "--no-embed").returncode == 0
    before = snapshot(graph.root)
    queries = [tuple(a.format(root=graph.root) for a in args) for args in QUERIES
               if args[0] in ("search", "tags", "tasks", "backlinks")]
    expected = {args: graph.run(*args).stdout for args in queries}
    assert "reranker" in expected[queries[0]]
    recovered = 0
    for args in queries:
        damage_pages(index_file(graph))
        result = graph.run(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout == expected[args]
        recovered += "damaged" in result.stderr or "unusable" in result.stderr
    assert recovered  # the damage was met, and the command still answered
    damage_pages(index_file(graph))
    rebuilt = graph.run("index", str(graph.root), "--rebuild", "--no-embed")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "27 files, 27 pages, 636 blocks" in rebuilt.stdout and "damaged" in rebuilt.stderr
    assert {args: graph.run(*args).stdout for args in queries} == expected
    assert snapshot(graph.root) == before
    # one damaged copy is kept for a post-mortem, not one per incident
    assert len(list(index_file(graph).parent.glob("*.broken-*"))) == 1


def test_an_index_that_cannot_be_created_gets_a_message(graph: Graph, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for cache in (blocker / "cache", Path("/proc/notegraph-cache")):
        refused(graph.run("tags", "-g", str(graph.root), env={"NOTEGRAPH_CACHE_DIR": str(cache)}), 4,
                "NOTEGRAPH_CACHE_DIR")


def test_a_read_only_index_gets_a_message_that_fixes_it(graph: Graph, tmp_path: Path) -> None:
    index = tmp_path / "elsewhere" / "i.db"
    assert graph.run("index", str(graph.root), "--index", str(index), "--no-embed").returncode == 0
    index.chmod(0o444)
    if os.access(index, os.W_OK) and os.geteuid() != 0:
        pytest.skip("this user can write read-only files")
    result = graph.run("tags", "-g", str(graph.root), "--index", str(index))
    if result.returncode == 0:
        assert os.geteuid() == 0  # root may write it anyway: then it simply works
    else:
        refused(result, 4, "read-only")
        assert "--rebuild" not in result.stderr  # it would fail the same way


# -- a full disk and a read-only filesystem (tmpfs mounts; root only) -------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()}); needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


def test_a_full_disk_refuses_the_write_and_loses_nothing(graph: Graph, small_disk: Path) -> None:
    root = small_disk / "graph"
    shutil.copytree(graph.root / "journals", root / "journals")
    shutil.copytree(graph.root / "logseq", root / "logseq")
    fill(small_disk)
    before = snapshot(root)
    refused(graph.run("add", "-g", str(root), "-d", "2026-11-20", "a long thought " * 2000), 3, "disk is full")
    refused(graph.run("add", "-g", str(root), "-d", "2030-01-01", "x" * 100000), 3, "disk is full")
    assert snapshot(root) == before
    assert not [p for p in (root / "journals").iterdir() if p.name.startswith(".")]


def test_an_index_on_a_full_disk_gets_a_message(graph: Graph, small_disk: Path) -> None:
    fill(small_disk)
    refused(graph.run("index", str(graph.root), "--no-embed", env={"NOTEGRAPH_CACHE_DIR": str(small_disk / "c")}),
            4)


def test_a_read_only_filesystem_refuses_the_write(graph: Graph, small_disk: Path) -> None:
    root = small_disk / "graph"
    shutil.copytree(graph.root / "journals", root / "journals")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    before = snapshot(root)
    refused(graph.run("add", "-g", str(root), "-d", "2026-11-20", "x"), 3, "read-only")
    assert snapshot(root) == before


def test_output_into_a_closed_pipe_ends_quietly(graph: Graph) -> None:
    script = f"{sys.executable} -m notegraph.cli.main export {graph.root} | head -c 10 >/dev/null; " \
             "echo status=${PIPESTATUS[0]}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=graph.env, timeout=NO_HANG)
    assert done.stdout.strip() in ("status=0", "status=141") and done.stderr == "", done


def test_an_index_on_a_read_only_filesystem_gets_a_message(graph: Graph, small_disk: Path) -> None:
    (small_disk / "cache").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    refused(graph.run("tags", "-g", str(graph.root), env={"NOTEGRAPH_CACHE_DIR": str(small_disk / "cache")}), 4,
            "NOTEGRAPH_CACHE_DIR")


def test_index_says_when_it_completes_an_interrupted_run(graph: Graph) -> None:
    """The run that died left its mark (the pid of a process that is gone) in the index."""
    assert graph.run("index", str(graph.root), "--no-embed").returncode == 0
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    from notegraph.store import Store

    with Store(index_file(graph), graph.root.resolve()) as store:  # the files it had not reached yet
        store.set_meta("sync_running", str(proc.pid))
        for day in ("20", "21", "22"):
            store.delete_file(f"journals/2026_11_{day}.md")
    result = graph.run("index", str(graph.root), "--no-embed")
    assert result.returncode == 0 and "interrupted" in result.stderr, result.stderr
    assert "27 files, 27 pages, 636 blocks" in result.stdout and "3 new" in result.stdout
    again = graph.run("index", str(graph.root), "--no-embed")
    assert "interrupted" not in again.stderr


def test_a_bug_is_one_line_and_a_crash_file_not_a_traceback(graph: Graph, tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "boom.py").write_text(
        "from notegraph.plugins import hookimpl\n\n"
        "@hookimpl\ndef register_commands(cli):\n"
        "    @cli.command()\n    def boom():\n        1 / 0\n")
    done = subprocess.run([sys.executable, "-m", "notegraph.cli.main", "boom"], capture_output=True, text=True,
                          env={**graph.env, "NOTEGRAPH_PLUGINS": str(plugins)}, timeout=NO_HANG)
    assert done.returncode == 70 and "Traceback" not in done.stderr
    assert "ZeroDivisionError" in done.stderr and "bug in notegraph" in done.stderr
    [report] = (Path(graph.env["NOTEGRAPH_CACHE_DIR"]) / "crashes").iterdir()
    assert "Traceback" in report.read_text() and "1 / 0" in report.read_text()


# -- one way to name the graph -------------------------------------------------------------------

def test_every_command_takes_dash_g_plugins_included(graph: Graph) -> None:
    """Scripts pass -g to every command; a plugin's command gets it from the host."""
    listed = graph.run("--help")
    names = [line.split()[0] for line in listed.stdout.split("Commands:", 1)[1].splitlines() if line.strip()]
    assert {"links", "predictions", "search", "tags", "models", "plugins", "check"} <= set(names)

    def takes_graph_option(*command: str) -> bool:
        return "-g, --graph" in graph.run(*command, "--help").stdout

    for name in names:
        if name == "report":
            assert takes_graph_option("report", "sprint") and takes_graph_option("report", "week")
        else:
            assert takes_graph_option(name), name
    elsewhere = graph.root.parent / "elsewhere"
    elsewhere.mkdir()
    by_option = graph.run("links", "-g", str(graph.root), cwd=elsewhere)
    by_argument = graph.run("links", str(graph.root), cwd=elsewhere)
    assert by_option.returncode == 0 and by_option.stdout == by_argument.stdout and "github.com" in by_option.stdout
    assert graph.run("predictions", "-g", str(graph.root), cwd=elsewhere).stdout.strip()


def test_graph_as_argument_or_option_and_the_summary_inside_a_graph(graph: Graph) -> None:
    assert graph.run("tags", str(graph.root)).stdout == graph.run("tags", "-g", str(graph.root)).stdout
    summary = graph.run("--summary")  # the README's command, run inside the graph
    assert summary.returncode == 0 and f"graph    {graph.root}" in summary.stdout
    linked = next(line for line in summary.stdout.splitlines() if line.startswith("linked"))
    assert "[[paper]]" in linked and "[[type]]" not in linked  # `type:: [[paper]]` links paper, not "type"
    assert graph.run("check", "-g", str(graph.root)).returncode == 0
    other = graph.root.parent / "other"
    other.mkdir()
    both = graph.run("check", str(graph.root), "-g", str(other))
    assert both.returncode == 2 and "two graphs given" in both.stderr


def test_a_graphs_own_folder_is_not_opened_as_a_graph(graph: Graph) -> None:
    """`notegraph journals` from inside the graph opened an empty graph of 0 pages."""
    result = graph.run("-g", "journals", "--summary")
    refused(result, 2)
    assert f"pass the graph folder: `notegraph {graph.root}`" in result.stderr
