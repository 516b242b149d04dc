"""The sprint report: facts from the index, prose from the model, a page Logseq reads back."""

from __future__ import annotations

from typing import Callable

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from notegraph.agent.report import quote
from notegraph.cli.main import cli
from notegraph.errors import FileChangedOnDiskError
from notegraph.llm.choose import embedded
from notegraph.llm.ollama_llm import OllamaLLM
from notegraph.logseq.graph import Graph
from notegraph.notebook import Notebook
from tests.ollama_fake import FakeOllama


@pytest.fixture
def demo(demo_notebook: Callable[[str], Notebook]) -> Notebook:
    return demo_notebook("2026-11-22")


def test_quoted_blocks_are_neither_tasks_nor_tags_nor_properties() -> None:
    assert quote("DONE [#A] Ship the #rust/libraries list\nSCHEDULED: <2026-11-20 Fri>") == \
        "Ship the rust/libraries list"
    assert quote("type:: paper") == "type: : paper"
    assert quote("## Heading with #[[multi word]] tag") == "Heading with multi word tag"


def _section(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"- ## {title}"))
    out = []
    for line in lines[start + 1:]:
        if line.startswith("- "):
            break
        out.append(line)
    return out


def test_sprint_report_written_with_the_embedded_model(demo: Notebook) -> None:
    demo.use_llm(embedded())
    report = demo.sprint_report(weeks=1)
    assert report.window.start == dt.date(2026, 11, 16) and report.backend == "embedded"
    path = demo.write_report(report)
    text = path.read_text()
    assert path.parent.name == "pages" and path.name == "Sprint Report___2026-11-16 to 2026-11-22.md"
    page = Graph.open(demo.root).read(next(f for f in Graph.open(demo.root).files() if f.path == path))
    assert not page.errors and page.properties["type"] == "[[sprint-report]]"
    assert page.name == "Sprint Report/2026-11-16 to 2026-11-22"
    # every task it lists links the journal day that holds it
    journals = {p.name: p for p in Graph.open(demo.root).pages() if p.journal_date}
    for title in ("Tasks done", "Open tasks"):
        lines = _section(text, title)
        assert lines, title
        for line in lines:
            body, day = re.fullmatch(r"\t- (.*) — \[\[([^\]]+)\]\].*", line).groups()  # type: ignore[union-attr]
            assert any(quote(b.content) == body for b in journals[day].blocks), line
    # the report is neither a task list nor tagged: the graph's counts are unchanged
    before = demo.tag_counts().get("ai/predictions")
    tasks_before = len(demo.tasks())
    demo.index()
    assert demo.tag_counts().get("ai/predictions") == before and len(demo.tasks()) == tasks_before
    with pytest.raises(FileChangedOnDiskError, match="exists already"):
        demo.write_report(report)
    assert demo.write_report(report, force=True) == path


def test_report_prose_from_ollama_cites_evidence_as_links(demo: Notebook) -> None:
    with FakeOllama({"llama3.2:latest": "chat"}) as server:
        for _ in range(8):
            server.replies.append("This sprint centred on evaluating retrieval faithfully [1], see also [99].")
        demo.use_llm(OllamaLLM("llama3.2", host=server.host))
        report = demo.sprint_report(weeks=2)
        read = next(s for s in report.sections if s.title == "What was read")
        assert read.prose == "This sprint centred on evaluating retrieval faithfully [1], see also."
        from notegraph.agent.report import render

        text = render(report)
        first_day = read.evidence[0].hit.page
        assert f"- This sprint centred on evaluating retrieval faithfully [[{first_day}]]" in text
        assert (report.backend, report.model) == ("ollama", "llama3.2")


def test_cli_report_prints_and_writes(demo: Notebook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTEGRAPH_LLM", "embedded")
    with FakeOllama({}) as server:  # an Ollama without the model: auto would fall back; embedded is forced
        monkeypatch.setenv("OLLAMA_HOST", server.host)
        printed = CliRunner().invoke(cli, ["report", "sprint", "-g", str(demo.root), "--weeks", "1",
                                           "--end", "2026-11-15"])
        assert printed.exit_code == 0, printed.output
        assert "type:: [[sprint-report]]" in printed.stdout and "- ## Tasks done" in printed.stdout
        written = CliRunner().invoke(cli, ["report", "sprint", "-g", str(demo.root), "--weeks", "1",
                                           "--end", "2026-11-15", "--write"])
        assert written.exit_code == 0, written.output
        assert (demo.root / "pages" / "Sprint Report___2026-11-09 to 2026-11-15.md").exists()
        again = CliRunner().invoke(cli, ["report", "sprint", "-g", str(demo.root), "--weeks", "1",
                                         "--end", "2026-11-15", "--write"])
        assert again.exit_code == 3 and "--force" in again.output


def test_write_over_an_existing_report_is_refused_before_the_model_writes_anything(demo: Notebook) -> None:
    """Issue 16: it used to run the whole generation (minutes) and only then refuse, printing nothing."""
    existing = demo.root / "pages" / "Sprint Report___2026-11-09 to 2026-11-22.md"
    existing.parent.mkdir(parents=True, exist_ok=True)
    existing.write_text("- my own edits\n")
    with FakeOllama({"llama3.2:latest": "chat"}) as server:
        result = CliRunner().invoke(cli, ["report", "sprint", "-g", str(demo.root), "--end", "2026-11-22", "--write"],
                                    env={"OLLAMA_HOST": server.host, "NOTEGRAPH_LLM": "ollama"})
        assert result.exit_code == 3, result.output
        assert "exists already; nothing was generated or written" in result.stderr and "--force" in result.stderr
        assert not [p for p, _ in server.requests if p == "/api/chat"]  # the model was never asked
        assert "writing:" not in result.stderr
    assert existing.read_text() == "- my own edits\n"
    assert demo.report_window(weeks=2, end=dt.date(2026, 11, 22)).start == dt.date(2026, 11, 9)
