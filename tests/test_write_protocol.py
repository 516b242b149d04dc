"""The one write protocol (notegraph.logseq.disk): real processes racing, a write held at the
exchange while someone appends, and every file it must not write through or over."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from notegraph.errors import FileChangedOnDiskError, UnsafeWriteError
from notegraph.logseq.disk import TEMP_SUFFIX, read_note, update_note
from notegraph.notebook import Notebook
from tests.conftest import REPO
from tests.waiting import DEADLINE, wait_until

WAIT = DEADLINE


def append(line: bytes):  # type: ignore[no-untyped-def]
    return lambda before: (before or b"") + line


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]


# -- the basics ---------------------------------------------------------------------------------


def test_a_change_sees_the_file_as_it_is_at_the_moment_of_writing(tmp_path: Path) -> None:
    note = tmp_path / "p.md"
    note.write_bytes(b"- one\n")
    seen = []

    def change(before: bytes | None) -> bytes:
        seen.append(before)
        return (before or b"") + b"- two\n"

    note.write_bytes(b"- one\n- written by Logseq meanwhile\n")  # after "reading", before writing
    result = update_note(note, change)
    assert seen == [b"- one\n- written by Logseq meanwhile\n"]
    assert note.read_bytes() == b"- one\n- written by Logseq meanwhile\n- two\n"
    assert result.written and not result.created and result.attempts == 1
    assert temp_files(tmp_path) == []


def test_nothing_to_change_writes_nothing(tmp_path: Path) -> None:
    note = tmp_path / "p.md"
    note.write_bytes(b"- one\n")
    inode = note.stat().st_ino
    assert not update_note(note, lambda before: before).written
    assert not update_note(note, lambda before: None).written
    assert note.stat().st_ino == inode


def test_a_refusal_from_the_change_writes_nothing_and_leaves_no_temp_file(tmp_path: Path) -> None:
    note = tmp_path / "p.md"
    note.write_bytes(b"- one\n")

    def refuse(before: bytes | None) -> bytes:
        raise FileChangedOnDiskError("exists", "hint")

    with pytest.raises(FileChangedOnDiskError):
        update_note(note, refuse)
    assert note.read_bytes() == b"- one\n" and temp_files(tmp_path) == []


def test_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    note = tmp_path / "p.md"
    note.write_bytes(b"- one\n")
    note.chmod(0o640)
    inode = note.stat().st_ino
    update_note(note, append(b"- two\n"))
    assert note.read_bytes() == b"- one\n- two\n"
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert note.stat().st_ino != inode  # replaced, never rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.md"]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_new_files_get_the_users_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        result = update_note(tmp_path / "journals" / "new.md", append(b"- first\n"))
    finally:
        os.umask(old)
    assert result.created
    assert stat.S_IMODE((tmp_path / "journals/new.md").stat().st_mode) == mode


def test_a_new_file_created_by_someone_else_meanwhile_is_appended_to_not_replaced(tmp_path: Path) -> None:
    note = tmp_path / "new.md"
    calls = []

    def change(before: bytes | None) -> bytes:
        calls.append(before)
        if before is None:  # someone creates it between our read and our link()
            note.write_bytes(b"- someone else's\n")
        return (before or b"") + b"- ours\n"

    result = update_note(note, change)
    assert calls == [None, b"- someone else's\n"]
    assert note.read_bytes() == b"- someone else's\n- ours\n" and not result.created


# -- what must not be written -----------------------------------------------------------------


def test_a_symlinked_note_is_written_at_its_target_and_stays_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "ext.md"
    real.write_bytes(b"- kept elsewhere\n")
    link = tmp_path / "pages" / "ext.md"
    link.parent.mkdir()
    link.symlink_to(real)
    result = update_note(link, append(b"- added\n"))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"- kept elsewhere\n- added\n"
    assert result.path == real
    assert temp_files(elsewhere) == [] and temp_files(link.parent) == []


def test_a_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "gone.md"
    link.symlink_to(tmp_path / "nowhere.md")
    with pytest.raises(UnsafeWriteError, match="does not exist"):
        update_note(link, append(b"- x\n"))
    assert link.is_symlink() and not (tmp_path / "nowhere.md").exists()


def test_a_read_only_note_is_refused_even_for_root(tmp_path: Path) -> None:
    note = tmp_path / "p.md"
    note.write_bytes(b"- one\n")
    note.chmod(0o444)
    with pytest.raises(UnsafeWriteError, match="read-only") as caught:
        update_note(note, append(b"- two\n"))
    assert "chmod u+w" in (caught.value.hint or "")
    assert note.read_bytes() == b"- one\n" and stat.S_IMODE(note.stat().st_mode) == 0o444


def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "journals"
    folder.mkdir()
    (folder / "p.md").write_bytes(b"- one\n")
    folder.chmod(0o555)
    try:
        with pytest.raises(UnsafeWriteError, match="read-only"):
            update_note(folder / "p.md", append(b"- two\n"))
        with pytest.raises(UnsafeWriteError, match="read-only"):
            update_note(folder / "new.md", append(b"- two\n"))
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == ["p.md"]


def test_a_hard_linked_note_is_refused(tmp_path: Path) -> None:
    note = tmp_path / "p.md"
    note.write_bytes(b"- one\n")
    os.link(note, tmp_path / "backup.md")
    with pytest.raises(UnsafeWriteError, match="hard links"):
        update_note(note, append(b"- two\n"))
    assert note.read_bytes() == b"- one\n"


@pytest.mark.parametrize("kind", ["folder", "fifo", "socket"])
def test_what_is_not_a_regular_file_is_neither_read_nor_written(tmp_path: Path, kind: str) -> None:
    import socket

    path = tmp_path / "x.md"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    with pytest.raises(UnsafeWriteError, match="not a note"):
        update_note(path, append(b"- x\n"))
    from notegraph.logseq.disk import NoteUnreadableError

    with pytest.raises(NoteUnreadableError):
        read_note(path)  # returns at once: a FIFO is never opened for reading
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.md"]


# -- leftovers --------------------------------------------------------------------------------


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temp_files_of_killed_writers_are_swept_by_the_next_write(tmp_path: Path) -> None:
    note = tmp_path / "p.md"
    note.write_bytes(b"- one\n")
    stale = tmp_path / f".p.md.{dead_pid()}-0123abcd{TEMP_SUFFIX}"
    live = tmp_path / f".p.md.{os.getppid()}-0123abcd{TEMP_SUFFIX}"  # a live process's: left alone
    old_style = tmp_path / f".p.md.k3_x9Zq1{TEMP_SUFFIX}"  # an old notegraph's mkstemp name, an hour old
    recent_old_style = tmp_path / f".p.md.a1b2c3d4{TEMP_SUFFIX}"
    users = [tmp_path / ".p.md.swp", tmp_path / f"notes{TEMP_SUFFIX}", tmp_path / f".x.{dead_pid()}.notegraph"]
    for path in (stale, live, old_style, recent_old_style, *users):
        path.write_bytes(b"partial")
    hour_ago = time.time() - 7200
    os.utime(old_style, (hour_ago, hour_ago))
    update_note(note, append(b"- two\n"))
    left = sorted(p.name for p in tmp_path.iterdir())
    assert stale.name not in left and old_style.name not in left
    assert {live.name, recent_old_style.name, *(u.name for u in users), "p.md"} == set(left)


def test_a_writer_killed_mid_write_leaves_a_temp_file_the_next_add_removes(tmp_path: Path) -> None:
    """kill -9 while the write is held at the exchange (strace delays it), then write again."""
    root = tmp_path / "graph"
    (root / "journals").mkdir(parents=True)
    note = root / "journals/2026_11_20.md"
    note.write_bytes(b"- one\n")
    strace = _strace()
    writer = subprocess.Popen([strace, "-f", "-qq", "-o", os.devnull, "-e", "trace=renameat2", "-e",
                               "inject=renameat2:delay_enter=60000000:when=1", *_add_command(root, "lost")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: bool(temp_files(note.parent)))
    finally:
        _kill_tree(writer)
    assert temp_files(note.parent) and note.read_bytes() == b"- one\n"
    done = subprocess.run(_add_command(root, "next"), capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr
    assert temp_files(note.parent) == []
    assert note.read_bytes() == b"- one\n- next\n"


# -- races ------------------------------------------------------------------------------------


def _strace() -> str:
    path = shutil.which("strace")
    if path is None:
        pytest.skip("strace is not installed (`make test` installs it where it can: apt-get install strace)")
    return path


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    import signal

    try:
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    except FileNotFoundError:
        children = []
    for pid in children:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.kill()
    proc.wait(timeout=WAIT)


def _add_command(root: Path, text: str) -> list[str]:
    return [sys.executable, "-m", "notegraph.cli.main", "add", "-g", str(root), "-d", "2026-11-20", text]


def _cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _outside_append(note: Path) -> None:
    with open(note, "ab") as fh:  # `echo >>`: in place, on the file as it is
        fh.write(b"- appended from outside\n")


def _outside_save_by_rename(note: Path) -> None:
    replacement = note.parent / ".editor-save"  # Logseq, vim or a sync tool: a new file renamed over it
    replacement.write_bytes(note.read_bytes() + b"- appended from outside\n")
    replacement.rename(note)


@pytest.mark.parametrize("outside", [_outside_append, _outside_save_by_rename], ids=["append", "rename"])
def test_an_outside_change_while_the_write_is_held_at_the_exchange_survives(tmp_path: Path, outside) -> None:
    """The exchange is held (strace delays renameat2) while another program changes the note: the
    write sees the change in what it swapped out, puts it back, and starts over from it."""
    strace = _strace()
    root = tmp_path / "graph"
    (root / "journals").mkdir(parents=True)
    note = root / "journals/2026_11_20.md"
    trace = tmp_path / "trace"
    for attempt in range(3):
        note.write_bytes(b"- one\n")
        writer = subprocess.Popen([strace, "-f", "-qq", "-o", str(trace), "-e", "trace=renameat2",
                                   "-e", "inject=renameat2:delay_enter=4000000:when=1",
                                   *_add_command(root, "ours")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_cli_env())
        assert wait_until(lambda: bool(temp_files(note.parent)))
        outside(note)
        out, err = writer.communicate(timeout=WAIT)
        assert writer.returncode == 0, err
        assert note.read_bytes() == b"- one\n- appended from outside\n- ours\n"
        exchanges = trace.read_text().count("RENAME_EXCHANGE")
        if exchanges == 3:  # the held exchange, the exchange back, the exchange that stuck
            break
        # the outside change came after the held exchange (a very slow machine): try again
        assert exchanges == 1
    else:
        pytest.fail("the outside change never landed while the write was held")
    assert temp_files(note.parent) == []


WRITER = textwrap.dedent("""
    import datetime as dt, sys
    from notegraph.notebook import Notebook
    from notegraph.errors import NotegraphError
    root, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    notebook = Notebook.open(root)
    for i in range(count):
        text = f"{name} {i}"
        try:
            where = notebook.add(text, day=dt.date(2026, 11, 20))
        except NotegraphError as exc:
            print(f"REFUSED {text}: {exc.message}", flush=True)
        else:
            print(f"ADDED {text} {where.line}", flush=True)
""")


def test_four_writers_adding_250_blocks_each_at_once_lose_nothing(tmp_path: Path) -> None:
    root = tmp_path / "graph"
    shutil.copytree(REPO / "logseq", root / "logseq")
    (root / "journals").mkdir()
    note = root / "journals/2026_11_20.md"
    note.write_bytes(b"- the day starts\n")
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), f"writer{w}", "250"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_cli_env())
               for w in range(4)]
    outputs = [w.communicate(timeout=600) for w in writers]
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err
    added = [line.split(" ", 1)[1].rsplit(" ", 1)[0] for out, _ in outputs for line in out.splitlines()
             if line.startswith("ADDED ")]
    refused = [line for out, _ in outputs for line in out.splitlines() if line.startswith("REFUSED ")]
    lines = note.read_text().splitlines()
    assert lines[0] == "- the day starts"
    blocks = [line[2:] for line in lines[1:]]
    assert sorted(blocks) == sorted(added)  # every reported add is there exactly once, nothing else
    assert len(refused) < 10, refused  # under 1%: refusals are reported, never silent
    for w in range(4):  # each writer's blocks in its own order
        mine = [b for b in blocks if b.startswith(f"writer{w} ")]
        assert mine == sorted(mine, key=lambda b: int(b.rsplit(" ", 1)[1]))
    assert temp_files(note.parent) == []


def test_two_add_commands_racing_on_one_journal_lose_nothing(tmp_path: Path) -> None:
    """The CLI as users run it: two shells each adding blocks in a loop."""
    root = tmp_path / "graph"
    (root / "journals").mkdir(parents=True)
    script = ("for i in $(seq 1 15); do {py} -m notegraph.cli.main add -g {root} -d 2026-11-20 \"$1 $i\" "
              "|| echo FAILED; done")
    shells = [subprocess.Popen(["sh", "-c", script.format(py=sys.executable, root=root), "sh", name],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_cli_env())
              for name in ("left", "right")]
    outputs = [s.communicate(timeout=600) for s in shells]
    assert all("FAILED" not in out for out, _ in outputs), outputs
    reported = [re.search(r":(\d+) ", line) for out, _ in outputs for line in out.splitlines()]
    assert len(reported) == 30
    lines = (root / "journals/2026_11_20.md").read_text().splitlines()
    assert sorted(lines) == sorted([f"- left {i}" for i in range(1, 16)] + [f"- right {i}" for i in range(1, 16)])
    # each add reported the line its block landed on, and no two reported the same line
    numbers = [int(m.group(1)) for m in reported if m]
    assert sorted(numbers) == list(range(1, 31))


def test_the_app_save_and_an_add_at_once_both_land(tmp_path: Path) -> None:
    """An edit session saving while another process adds: the save merges what it finds."""
    root = tmp_path / "graph"
    (root / "journals").mkdir(parents=True)
    note = root / "journals/2026_11_20.md"
    note.write_bytes(b"- one\n")
    notebook = Notebook.open(root)
    import datetime as dt

    session = notebook.edit_journal(dt.date(2026, 11, 20))
    session.outline.set_content(0, "one, edited")
    done = subprocess.run(_add_command(root, "from the shell"), capture_output=True, text=True, env=_cli_env(),
                          timeout=WAIT)
    assert done.returncode == 0, done.stderr
    outcome = session.save()
    assert outcome.written and outcome.merged and not outcome.conflicts
    assert note.read_bytes() == b"- one, edited\n- from the shell\n"


# -- nothing else writes ------------------------------------------------------------------------

PACKAGE = REPO / "notegraph"
# Modules that write files that are not notes, and what they write.
NOT_NOTES = {
    "notegraph/store/__init__.py": "the index (a cache outside the graph) and its damaged copies",
    "notegraph/cli/main.py": "crash reports in the cache folder",
    "notegraph/cli/graph_commands.py": "`export -o FILE` (refused inside the graph)",
    "notegraph/llm/embedded.py": "the assembled model file in the cache folder",
    "notegraph/tui/survive.py": "the app's error log in the state folder",
    "notegraph/agent/thread.py": "Ask threads in the user's data folder (refused inside the graph)",
}
_WRITE_METHODS = {"write_bytes", "write_text", "rename", "replace", "unlink", "rmdir", "symlink_to",
                  "hardlink_to", "touch"}
_WRITE_FUNCTIONS = {("os", "replace"), ("os", "rename"), ("os", "renames"), ("os", "link"), ("os", "unlink"),
                    ("os", "remove"), ("os", "truncate"), ("os", "ftruncate"), ("shutil", "move"),
                    ("shutil", "copy"), ("shutil", "copyfile"), ("shutil", "copy2"), ("shutil", "rmtree"),
                    ("os", "open")}


def _writes(source: str) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                (func.value.id, func.attr) in _WRITE_FUNCTIONS:
            found.append(f"{func.value.id}.{func.attr} at line {node.lineno}")
        elif isinstance(func, ast.Attribute) and func.attr in _WRITE_METHODS and not (
                # str.replace(old, new) and date.replace(day=…) are not Path.replace(target)
                func.attr in ("replace", "rename") and (len(node.args) != 1 or node.keywords)):
            found.append(f".{func.attr}() at line {node.lineno}")
        elif isinstance(func, ast.Name) and func.id == "open" or isinstance(func, ast.Attribute) and \
                func.attr == "open" and not (isinstance(func.value, ast.Name) and func.value.id == "os"):
            at = 1 if isinstance(func, ast.Name) else 0  # open(path, mode) / path.open(mode)
            mode = node.args[at] if len(node.args) > at else next((k.value for k in node.keywords
                                                                   if k.arg == "mode"), None)
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+"):
                found.append(f"open(..., {mode.value!r}) at line {node.lineno}")
    return found


def test_only_the_write_protocol_writes_files() -> None:
    """Every note is written through notegraph.logseq.disk; the few other writers write no notes."""
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel == "notegraph/logseq/disk.py" or rel in NOT_NOTES:
            continue
        found = _writes(path.read_text())
        if found:
            offenders[rel] = found
    assert offenders == {}
    assert all(_writes((REPO / rel).read_text()) for rel in NOT_NOTES)  # the list is not stale
    assert _writes((PACKAGE / "logseq/disk.py").read_text())  # and the check can see a write


def test_export_never_writes_over_a_note(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from notegraph.cli.main import cli
    from tests.conftest import copy_demo

    root = copy_demo(tmp_path / "graph")
    note = root / "journals/2026_11_20.md"
    before = note.read_bytes()
    for target in (note, root / "journals/export.jsonl", root / "logseq/config.edn"):
        result = CliRunner().invoke(cli, ["export", str(root), "-o", str(target)])
        assert result.exit_code == 1 and "inside the graph" in result.stderr
    assert note.read_bytes() == before and not (root / "journals/export.jsonl").exists()
    ok = CliRunner().invoke(cli, ["export", str(root), "-o", str(tmp_path / "out.jsonl")])
    assert ok.exit_code == 0 and len((tmp_path / "out.jsonl").read_text().splitlines()) == 27
