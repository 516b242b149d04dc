"""The agreement tool that compares our export with another parser's must itself be right."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bench.agreement import compare, load
from bench.query_agreement import check_graph, export
from notegraph.cli.main import cli
from tests.conftest import FIXTURES


def test_agreement_counts_differences(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", str(FIXTURES / "format_graph")])
    ours = tmp_path / "ours.jsonl"
    ours.write_text(result.stdout)
    same = compare(load(str(ours)), load(str(ours)), show=0)
    assert same["blocks"] == same["content_ok"] == same["structure_ok"] > 30
    assert same["refs_fp"] == same["refs_fn"] == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    records[2]["blocks"][1]["refs"].append("invented")
    records[2]["blocks"][2]["content"] = "changed"
    theirs = tmp_path / "theirs.jsonl"
    theirs.write_text("".join(json.dumps(r) + "\n" for r in records))
    diff = compare(load(str(ours)), load(str(theirs)), show=0)
    assert diff["content_ok"] == same["content_ok"] - 1
    assert diff["refs_fn"] == 1


def test_index_queries_agree_with_the_export_on_fixture_graphs() -> None:
    for name in ("format_graph", "legacy_graph"):
        result = check_graph(FIXTURES / name)
        assert result.blocks >= 5 and result.checked["backlinks"] >= 5 and result.checked["tasks"] > 0
        assert result.disagreements == [], (name, result.disagreements)


def test_query_agreement_reports_a_disagreement() -> None:
    records = export(FIXTURES / "format_graph")
    block = next(b for f in records for b in f["blocks"] if b["refs"])
    block["tags"] = [*block["tags"], "invented"]
    block["marker"] = "WAITING"
    result = check_graph(FIXTURES / "format_graph", records)
    assert any(d.startswith("tag 'invented'") for d in result.disagreements)
    assert any(d.startswith("tasks 'WAITING'") for d in result.disagreements)
