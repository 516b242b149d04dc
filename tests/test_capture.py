"""Quick capture (`notegraph add`): where the block lands and in which style (the write itself:
test_write_protocol)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from notegraph.cli.main import cli
from notegraph.errors import UnsafeWriteError
from notegraph.logseq.graph import Graph
from notegraph.logseq.page import parse_page
from notegraph.notebook import Notebook


def test_add_creates_todays_journal_in_the_configured_name_format(graph_copy) -> None:  # type: ignore[no-untyped-def]
    root = graph_copy("legacy_graph")  # :journal/file-name-format "yyyy-MM-dd", journals in daily/
    notebook = Notebook.open(root)
    result = notebook.add("first thought of the day", day=dt.date(2023, 2, 3))
    assert result.created_file and result.rel == "daily/2023-02-03.md"
    assert (root / "daily/2023-02-03.md").read_text() == "- first thought of the day\n"
    assert result.page == "2023-02-03"


def test_add_appends_in_the_files_own_style(graph_copy) -> None:  # type: ignore[no-untyped-def]
    root = graph_copy("format_graph")
    before = (root / "pages/windows.md").read_bytes()
    Notebook.open(root).add("captured\nsecond line", page="windows")
    after = (root / "pages/windows.md").read_bytes()
    assert after == before + b"- captured\r\n  second line\r\n"  # CRLF kept, BOM kept, nothing else touched


def test_add_to_an_existing_journal_in_another_name_format(graph_copy) -> None:  # type: ignore[no-untyped-def]
    root = graph_copy("format_graph")
    Notebook.open(root).add("late note", day=dt.date(2024, 8, 22))
    assert (root / "journals/2024-08-22.md").read_text() == "- an older journal file name format\n- late note\n"
    assert not (root / "journals/2024_08_22.md").exists()


def test_add_to_a_file_without_final_newline(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages/p.md").write_text("- a\n\t- b")
    Notebook.open(tmp_path).add("c", page="p")
    assert (tmp_path / "pages/p.md").read_text() == "- a\n\t- b\n- c"


def test_add_to_a_new_page_uses_the_file_name_format(graph_copy) -> None:  # type: ignore[no-untyped-def]
    root = graph_copy("format_graph")
    result = Notebook.open(root).add("a first block", page="reading/Papers: 2024?")
    assert result.rel == "pages/reading___Papers%3A 2024%3F.md" and result.created_file
    page = Graph.open(root).read(next(f for f in Graph.open(root).files() if f.rel == result.rel))
    assert page.name == "reading/Papers: 2024?"


def test_add_to_an_aliased_page_goes_to_the_real_file(graph_copy) -> None:  # type: ignore[no-untyped-def]
    root = graph_copy("format_graph")
    result = Notebook.open(root).add("via alias", page="px")
    assert result.rel == "pages/titled.md"


def test_add_refuses_to_write_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages/bad.md").write_bytes(b"- caf\xe9\n")
    with pytest.raises(UnsafeWriteError):
        Notebook.open(tmp_path).add("x", page="bad")
    assert (tmp_path / "pages/bad.md").read_bytes() == b"- caf\xe9\n"


def test_cli_add_and_stdin(graph_copy) -> None:  # type: ignore[no-untyped-def]
    root = graph_copy("no_config_graph")
    runner = CliRunner()
    result = runner.invoke(cli, ["add", "--graph", str(root), "--date", "2022-02-02", "remember", "this"])
    assert result.exit_code == 0, result.output
    assert "Added to journals/2022_02_02.md:2 (Feb 2nd, 2022)" in result.output
    piped = runner.invoke(cli, ["add", "-g", str(root), "-p", "Inbox", "-"], input="from a pipe\nline 2\n")
    assert piped.exit_code == 0, piped.output
    assert (root / "pages/Inbox.md").read_text() == "- from a pipe\n  line 2\n"
    empty = runner.invoke(cli, ["add", "-g", str(root), "   "])
    assert empty.exit_code == 1 and "nothing to add" in empty.stderr


def test_cli_reports_a_missing_graph_with_a_hint(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "hint:" in result.stderr


def test_parsing_after_capture_finds_the_block(graph_copy) -> None:  # type: ignore[no-untyped-def]
    root = graph_copy("no_config_graph")
    Notebook.open(root).add("TODO call [[Alice]] #errand", day=dt.date(2022, 2, 2))
    page = parse_page("journals/2022_02_02.md", (root / "journals/2022_02_02.md").read_bytes(),
                      Graph.open(root).config)
    last = page.blocks[-1]
    assert (last.marker, set(last.refs)) == ("TODO", {"todo", "alice", "errand"})
    assert os.listdir(root / "journals") == ["2022_02_02.md"]
