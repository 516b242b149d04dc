"""The agreement tool that compares our export with another parser's must itself be right."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bench.agreement import compare, load
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
