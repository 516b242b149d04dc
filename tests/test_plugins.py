"""Plugins: discovery, hooks, isolation, the README's example and the bundled links plugin."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from notegraph.agent.report import render
from notegraph.cli.main import _register_plugins, cli
from notegraph.notebook import Notebook
from notegraph.plugins import REPOSITORY_PLUGINS, PluginHost, ReportSection, plugin_host
from notegraph.timewindow import DateWindow
from tests.conftest import REPO, copy_demo


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- example: hello.py -->\n```python\n(.*?)```\n<!-- /example -->", text, re.DOTALL)
    assert m, "the README's plugin example is missing"
    return m.group(1)


@pytest.fixture
def demo(indexed_demo: Notebook) -> Notebook:
    return indexed_demo


def test_the_readme_example_adds_a_command_and_a_report_section(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "hello.py").write_text(readme_example(), encoding="utf-8")
    host = PluginHost().load([folder], entry_points=False)
    [info] = host.plugins
    assert (info.name, info.error, info.hooks) == ("hello", None,
                                                   ["palette_actions", "register_commands", "report_sections"])
    import click

    group = click.Group()
    host.call("register_commands", cli=group)
    result = CliRunner().invoke(group, ["hello", "Ada"])
    assert result.output == "hello, Ada\n"
    window = DateWindow(*map(__import__("datetime").date.fromisoformat, ("2026-11-09", "2026-11-22")))
    [(name, sections)] = host.call("report_sections", notebook=None, window=window)
    assert sections == [ReportSection("Hello", ["14 days from 2026-11-09 to 2026-11-22"])]
    from notegraph.tui.hooks import palette_actions

    class Stub:
        root = tmp_path

    [(plugin, action)] = palette_actions(host, Stub())
    notified: list[str] = []
    action.run(type("App", (), {"notify": lambda self, text: notified.append(text)})())
    assert (plugin, action.title, notified) == ("hello", "Say hello", [f"hello from {tmp_path.name}"])


def test_dropping_the_file_in_the_plugins_folder_adds_the_command_and_deleting_it_removes_it(
        tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    env = {"NOTEGRAPH_PLUGINS": str(folder), "PATH": "", "HOME": str(tmp_path),
           "NOTEGRAPH_CONFIG": str(tmp_path / "none.toml")}
    run = [sys.executable, "-m", "notegraph.cli.main"]
    (folder / "hello.py").write_text(readme_example(), encoding="utf-8")
    done = subprocess.run([*run, "hello"], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout == "hello, world\n", done.stderr
    listed = subprocess.run([*run, "plugins", "--json"], env=env, capture_output=True, text=True, timeout=120)
    names = [json.loads(line)["name"] for line in listed.stdout.splitlines()]
    assert "hello" in names and "links" in names
    (folder / "hello.py").unlink()
    gone = subprocess.run([*run, "hello"], env=env, capture_output=True, text=True, timeout=120)
    assert gone.returncode != 0 and "hello, world" not in gone.stdout


def test_a_plugin_that_fails_is_switched_off_and_the_others_go_on(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "a_broken_import.py").write_text("raise RuntimeError('boom at import')\n")
    (folder / "b_raises.py").write_text(
        "from notegraph.plugins import hookimpl\n\n@hookimpl\ndef report_sections(notebook, window):\n"
        "    raise ValueError('bad section')\n")
    (folder / "c_fine.py").write_text(
        "from notegraph.plugins import ReportSection, hookimpl\n\n@hookimpl\ndef report_sections(notebook, window):\n"
        "    return [ReportSection('Fine', ['still here'])]\n")
    host = PluginHost().load([folder], entry_points=False)
    broken = host.plugins[0]
    assert broken.error and "boom at import" in broken.error
    results = host.call("report_sections", notebook=None, window=None)
    assert [name for name, _ in results] == ["c_fine"]
    raising = host.plugins[1]
    assert raising.error and "bad section" in raising.error and "b_raises.py:" in raising.error
    assert len(host.take_warnings()) == 2
    assert [name for name, _ in host.call("report_sections", notebook=None, window=None)] == ["c_fine"]
    assert host.take_warnings() == []  # reported once


def test_links_lists_the_reading_list_by_tag(demo: Notebook) -> None:
    _register_plugins()
    result = CliRunner().invoke(cli, ["links", str(demo.root), "--tag", "golang/libraries", "--json"])
    assert result.exit_code == 0, result.output
    links = [json.loads(line) for line in result.output.splitlines()]
    assert len(links) == 7
    assert {"charmbracelet/bubbletea", "spf13/cobra", "blevesearch/bleve"} <= {x["repository"] for x in links}
    assert all("golang/libraries" in x["tags"] for x in links)
    rust = CliRunner().invoke(cli, ["links", str(demo.root), "--tag", "rust/libraries"])
    assert "https://github.com/lancedb/lancedb (lancedb/lancedb)" in rust.output
    assert "#[[vector search]]" in rust.output


def test_links_adds_a_report_section_without_tags(demo: Notebook) -> None:
    window = DateWindow(*map(__import__("datetime").date.fromisoformat, ("2026-11-02", "2026-11-08")))
    host = plugin_host(None)
    assert any(p.name == "links" and not p.error for p in host.plugins)
    sections = [s for _, found in host.call("report_sections", notebook=demo, window=window) for s in found]
    [links] = [s for s in sections if s.title == "New links this sprint"]
    assert any("https://github.com/ratatui/ratatui (ratatui/ratatui)" in line for line in links.lines)
    assert not any("#" in line.split(" — ")[1] for line in links.lines if " — " in line)
    assert REPOSITORY_PLUGINS.is_dir()


def test_predictions_with_the_day_written_and_the_revisits(demo: Notebook) -> None:
    _register_plugins()
    result = CliRunner().invoke(cli, ["predictions", str(demo.root), "--json"])
    assert result.exit_code == 0, result.output
    found = [json.loads(line) for line in result.output.splitlines()]
    assert len(found) >= 8
    laptop = next(p for p in found if "32 GB laptop" in p["text"])
    assert laptop["written"] == "2026-10-26"
    assert [r["file"] for r in laptop["revisits"]] == ["journals/2026_11_19.md"]
    assert sum(len(p["revisits"]) for p in found) == 3
    window = DateWindow(*map(__import__("datetime").date.fromisoformat, ("2026-11-09", "2026-11-22")))
    sections = [s for _, got in plugin_host(None).call("report_sections", notebook=demo, window=window) for s in got]
    [section] = [s for s in sections if s.title == "Predictions made and revisited"]
    assert any(line.startswith("revisited [[Nov 12th, 2026]]") for line in section.lines)
    # quoted as written (the tag is not cut out of the sentence), escaped: the report adds no tag or revisit
    assert any("Looking back at the \\#ai/predictions so far" in line for line in section.lines)
    from tests.conftest import parse

    for line in section.lines:
        [block] = parse(f"- {line}\n").blocks
        assert not block.tags and not block.block_refs and not block.marker, line


def test_palette_actions_from_plugins_and_a_failing_one_is_switched_off(
        tmp_path: Path, demo: Notebook, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from textual.command import CommandInput, CommandPalette

    from notegraph.tui.app import NotegraphApp
    from tests.waiting import palette_highlights, until

    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "oops.py").write_text(
        "from notegraph.plugins import PaletteAction, hookimpl\n\n@hookimpl\ndef palette_actions(notebook):\n"
        "    def run(app):\n        raise RuntimeError('palette boom')\n"
        "    return [PaletteAction('Oops action', run)]\n")
    monkeypatch.setenv("NOTEGRAPH_PLUGINS", str(folder))
    notebook = Notebook.open(demo.root)

    async def run_from_palette(pilot: Any, query: str, title: str) -> None:
        """Open the palette, type ``query``, and once its background search highlights ``title``, run it."""
        app = pilot.app
        await pilot.press("ctrl+p")
        assert await until(pilot, lambda: isinstance(app.focused, CommandInput))  # typing goes to the palette
        for key in query:
            await pilot.press(key)
        assert await until(pilot, lambda: palette_highlights(app, title))
        await pilot.press("enter")
        assert await until(pilot, lambda: not isinstance(app.screen, CommandPalette))

    async def scenario() -> None:
        app = NotegraphApp(notebook, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            assert await until(pilot, lambda: bool(app.plugin_actions))
            titles = [action.title for _, action in app.plugin_actions]
            assert {"Reading list: blocks with links", "Predictions", "Oops action"} <= set(titles)
            await run_from_palette(pilot, "reading list", "Reading list: blocks with links")
            results = app.query_one("#search-results")

            def links_listed() -> bool:
                hits = [getattr(item, "hit", None) for item in results.children]
                return any(hit is not None and "github.com" in hit.content for hit in hits)

            assert await until(pilot, links_listed)
            await run_from_palette(pilot, "oops action", "Oops action")
            # the action ran, raised, and its plugin was switched off
            assert await until(pilot, lambda: "Oops action" not in [action.title for _, action in app.plugin_actions])
            oops = next(p for p in notebook.plugins.plugins if p.name == "oops")
            assert oops.error and "palette boom" in oops.error
            assert app.is_running
    asyncio.run(scenario())


ENRICHER = '''
from notegraph.plugins import hookimpl

CALLS = []


@hookimpl
def enrich_blocks(db, blocks, removed_files):
    CALLS.append((sorted({b["file"] for b in blocks}), removed_files))
    db["plugin_words_counts"].upsert_all(
        [{"id": b["id"], "file": b["file"], "words": len(b["content"].split())} for b in blocks], pk="id")
    for file in removed_files:
        db.execute("DELETE FROM plugin_words_counts WHERE file = ?", [file])
'''


def test_enrichers_see_only_changed_blocks_and_a_raising_one_never_stops_indexing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "enrichers"
    folder.mkdir()
    (folder / "words.py").write_text(ENRICHER)
    (folder / "zz_raises.py").write_text(
        "from notegraph.plugins import hookimpl\n\n@hookimpl\ndef enrich_blocks(db, blocks, removed_files):\n"
        "    raise KeyError('enricher boom')\n")
    monkeypatch.setenv("NOTEGRAPH_PLUGINS", str(folder))
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-22")
    notebook = Notebook.open(copy_demo(tmp_path / "demo"))
    report = notebook.index()
    assert report.files_indexed == 27
    words = sys.modules["notegraph_plugin_words"]
    assert len(words.CALLS[0][0]) == 27  # type: ignore[attr-defined]
    count = notebook.store.db.execute("SELECT count(*) FROM plugin_words_counts").fetchone()[0]
    assert count == notebook.store.counts()["blocks"]
    raising = next(p for p in notebook.plugins.plugins if p.name == "zz_raises")
    assert raising.error and "enricher boom" in raising.error
    day = notebook.root / "journals" / "2026_11_20.md"
    day.write_text(day.read_text() + "- one more block here\n")
    (notebook.root / "journals" / "2026_11_19.md").unlink()
    notebook.index()
    assert words.CALLS[-1] == (["journals/2026_11_20.md"], ["journals/2026_11_19.md"])  # type: ignore[attr-defined]
    after = notebook.store.db.execute("SELECT count(*) FROM plugin_words_counts").fetchone()[0]
    assert after == notebook.store.counts()["blocks"]


def test_the_agent_can_call_a_plugins_tool_and_cite_what_it_returns(demo: Notebook) -> None:
    from notegraph.llm.ollama_llm import OllamaLLM
    from tests.ollama_fake import FakeOllama

    with FakeOllama({"qwen2.5:latest": "tools"}) as server:
        server.replies.append([{"function": {"name": "predictions", "arguments": {"about": "laptop"}}}])
        server.replies.append("You predicted 30B models on 32 GB laptops by 2027 [1], then lowered it [2].")
        demo.use_llm(OllamaLLM("qwen2.5", host=server.host))
        steps: list[Any] = []
        result = demo.ask("what did I predict about laptops?", on_step=steps.append)
    chats = [body for path, body in server.requests if path == "/api/chat"]
    assert "predictions" in [t["function"]["name"] for t in chats[0]["tools"]]
    assert [s.tool for s in steps] == ["predictions"]
    assert "32 GB laptop" in result.sources[0].hit.content
    assert result.sources[1].hit.file == "journals/2026_11_19.md"
    assert [c.n for c in result.citations] == [1, 2]


def test_links_take_tags_from_the_reader_not_from_url_fragments(tmp_path: Path) -> None:
    root = tmp_path / "other"
    (root / "pages").mkdir(parents=True)
    (root / "pages" / "Reading.md").write_text(
        "- Libraries #tools\n"
        "\t- see https://example.org/#/page/intro%20x and https://github.com/owner/repo.git\n"
        "\t- #+BEGIN_TIP\n\t  https://docs.example.com/q.html#rules\n\t  #+END_TIP\n"
        "- `#notatag` https://en.wikipedia.org/wiki/Rust_(language) (see [docs](https://docs.rs/x)).\n",
        encoding="utf-8")
    notebook = Notebook.open(root)
    notebook.index()
    _register_plugins()
    result = CliRunner().invoke(cli, ["links", str(root), "--json"])
    links = {x["url"]: x for x in map(json.loads, result.output.splitlines())}
    assert set(links) == {"https://example.org/#/page/intro%20x", "https://github.com/owner/repo.git",
                          "https://docs.example.com/q.html#rules", "https://en.wikipedia.org/wiki/Rust_(language)",
                          "https://docs.rs/x"}
    assert links["https://github.com/owner/repo.git"]["repository"] == "owner/repo"
    assert links["https://example.org/#/page/intro%20x"]["tags"] == ["tools"]
    assert links["https://docs.example.com/q.html#rules"]["tags"] == ["tools"]
    assert links["https://docs.rs/x"]["tags"] == []


def test_installed_packages_are_found_through_the_entry_point_group(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `pip install notegraph-something` provides: a module and a `notegraph` entry point."""
    site = tmp_path / "site"
    (site / "notegraph_shout").mkdir(parents=True)
    (site / "notegraph_shout" / "__init__.py").write_text(
        "from notegraph.plugins import ReportSection, hookimpl\n\n@hookimpl\n"
        "def report_sections(notebook, window):\n    return [ReportSection('SHOUT', ['from a package'])]\n")
    dist = site / "notegraph_shout-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: notegraph-shout\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[notegraph]\nshout = notegraph_shout\n")
    monkeypatch.syspath_prepend(str(site))
    host = PluginHost().load([], entry_points=True)
    [info] = [p for p in host.plugins if p.name == "shout"]
    assert info.source == "entry point notegraph_shout" and info.hooks == ["report_sections"]
    assert host.call("report_sections", notebook=None, window=None) == [
        ("shout", [ReportSection("SHOUT", ["from a package"])])]
