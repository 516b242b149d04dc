"""Shared fixtures: the fixture graphs under tests/fixtures and a parse helper."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from notegraph.logseq.config import GraphConfig
from notegraph.logseq.graph import Graph
from notegraph.logseq.page import parse_text
from notegraph.model import Page
from notegraph.notebook import Notebook

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def parse(text: str, config: GraphConfig | None = None, file: str = "pages/test.md") -> Page:
    return parse_text(file, text, config or GraphConfig())


def block_by_title(page: Page, start: str):  # type: ignore[no-untyped-def]
    matches = [b for b in page.blocks if b.content.startswith(start)]
    assert len(matches) == 1, f"expected one block starting {start!r}, found {len(matches)}"
    return matches[0]


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache folder and no user config or graph from the environment."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("NOTEGRAPH_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("NOTEGRAPH_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("NOTEGRAPH_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("NOTEGRAPH_DATA_DIR", str(home / "data"))
    for name in ("NOTEGRAPH_GRAPH", "NOTEGRAPH_INDEX", "NOTEGRAPH_TODAY", "NOTEGRAPH_EMBEDDER", "NOTEGRAPH_PLUGINS",
                 "OLLAMA_HOST"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def format_graph() -> Graph:
    return Graph.open(FIXTURES / "format_graph")


@pytest.fixture
def pages_of(format_graph: Graph) -> dict[str, Page]:
    return {page.file: page for page in format_graph.pages()}


@pytest.fixture
def graph_copy(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A writable copy of a fixture graph: ``graph_copy("format_graph")``."""

    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return make


def write_graph(root: Path, files: dict[str, str]) -> Path:
    """A graph at ``root`` made of ``files`` (path in the graph → text)."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def indexed_graph(tmp_path: Path, files: dict[str, str], **options: Any) -> Notebook:
    """``files`` written as ``tmp_path/graph``, opened with its index beside it and indexed."""
    notebook = Notebook.open(write_graph(tmp_path / "graph", files), index=tmp_path / "i.db", **options)
    notebook.index()
    return notebook


def copy_demo(root: Path) -> Path:
    """A writable copy of the bundled demo graph (its journals and config) at ``root``."""
    shutil.copytree(REPO / "journals", root / "journals")
    shutil.copytree(REPO / "logseq", root / "logseq")
    return root


@pytest.fixture
def indexed_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The demo graph copied and indexed (not embedded), with today pinned to its last day."""
    from notegraph.notebook import Notebook

    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-22")
    notebook = Notebook.open(copy_demo(tmp_path / "demo"))
    notebook.index()
    return notebook


@pytest.fixture
def demo_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``demo_notebook("2026-11-22")``: the demo graph copied, indexed and embedded, with today pinned."""
    from notegraph.notebook import Notebook

    def make(today: str) -> Notebook:
        monkeypatch.setenv("NOTEGRAPH_TODAY", today)
        notebook = Notebook.open(copy_demo(tmp_path / "demo"))
        notebook.index()
        notebook.embed()
        return notebook

    return make


@pytest.fixture(autouse=True)
def no_app_errors(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The app turns an exception in a handler into a notification and goes on; a test still fails on it
    (unless it asks for ``expected_app_errors``)."""
    from notegraph.tui import survive

    survive.RECORDED.clear()
    yield
    if "expected_app_errors" not in request.fixturenames:
        assert survive.RECORDED == [], f"the app met errors: {survive.RECORDED!r}"


@pytest.fixture
def expected_app_errors():  # type: ignore[no-untyped-def]
    """The errors the app survived during this test (it checks them itself)."""
    from notegraph.tui import survive

    return survive.RECORDED
