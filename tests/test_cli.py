"""`notegraph export`, `check` and the default command, through click's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from notegraph.cli.main import cli
from tests.conftest import FIXTURES

BLOCK_KEYS = ["id", "line", "level", "parent", "content", "properties", "refs", "tags", "block_refs",
              "marker", "priority", "collapsed", "pre_block"]


def test_export_jsonl_shape() -> None:
    result = CliRunner().invoke(cli, ["export", str(FIXTURES / "format_graph"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in records] == sorted(r["file"] for r in records)
    assert all(list(r) == ["file", "page", "journal_date", "errors", "blocks"] for r in records)
    day = records[1]
    assert (day["file"], day["page"], day["journal_date"]) == ("journals/2024_08_21.md", "Aug 21st, 2024", "2024-08-21")
    first, child = day["blocks"][0], day["blocks"][1]
    assert list(first) == BLOCK_KEYS
    assert first == {**first, "line": 1, "level": 1, "parent": None, "content": "Morning: read [[Polya]] #books",
                     "refs": ["books", "polya"], "tags": ["books"], "marker": None, "pre_block": False}
    assert (child["parent"], child["marker"], child["priority"], child["line"]) == (0, "LATER", "A", 2)


def test_export_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "graph.jsonl"
    result = CliRunner().invoke(cli, ["export", str(FIXTURES / "no_config_graph"), "-o", str(out)])
    assert result.exit_code == 0
    assert len(out.read_text().splitlines()) == 2


def test_check_passes_on_fixtures_and_fails_on_undecodable_files(tmp_path: Path) -> None:
    ok = CliRunner().invoke(cli, ["check", str(FIXTURES / "format_graph")])
    assert ok.exit_code == 0, ok.output
    assert "10 files" in ok.output and "10 round-trip byte for byte, 0 do not" in ok.output
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages/good.md").write_text("- fine\n")
    (tmp_path / "pages/bad.md").write_bytes(b"- caf\xe9\n")
    bad = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert bad.exit_code == 1
    assert "FAIL pages/bad.md" in bad.output and "invalid UTF-8" in bad.output


def test_default_command_summarises_the_graph() -> None:
    result = CliRunner().invoke(cli, [str(FIXTURES / "format_graph")])
    assert result.exit_code == 0, result.output
    assert "10 files, 2 journal days (2024-08-21 .. 2024-08-22)" in result.output
    assert "#tag (" in result.output


def test_graph_from_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTEGRAPH_GRAPH", str(FIXTURES / "no_config_graph"))
    result = CliRunner().invoke(cli, ["export"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2
