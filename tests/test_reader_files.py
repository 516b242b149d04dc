"""LOGSEQ-FORMAT rows 1-8: which files are pages, and what they are called."""

from __future__ import annotations

import datetime as dt

from notegraph.logseq.config import GraphConfig, config_from_edn_text, load_config
from notegraph.logseq.graph import Graph
from notegraph.logseq.page import page_name_for
from notegraph.model import Page
from tests.conftest import FIXTURES


def test_only_pages_and_journals_are_read_and_ignores_apply(format_graph: Graph) -> None:
    files = [f.rel for f in format_graph.files()]
    assert files == sorted(files)
    assert files == [
        "journals/2024-08-22.md",
        "journals/2024_08_21.md",
        "pages/Block Zoo.md",
        "pages/New to Logseq%3F.md",
        "pages/ai___predictions.md",
        "pages/front matter.md",
        "pages/loose.md",
        "pages/sub/folder/Nested Page.md",
        "pages/titled.md",
        "pages/windows.md",
    ]
    # not listed: logseq/bak, dot files and folders, :hidden paths, whiteboards, assets, org pages


def test_journal_names_from_configured_and_mixed_file_names(pages_of: dict[str, Page]) -> None:
    day = pages_of["journals/2024_08_21.md"]
    assert (day.name, day.key, day.journal_date) == ("Aug 21st, 2024", "aug 21st, 2024", dt.date(2024, 8, 21))
    older = pages_of["journals/2024-08-22.md"]
    assert (older.name, older.journal_date) == ("Aug 22nd, 2024", dt.date(2024, 8, 22))


def test_page_names_from_file_names(pages_of: dict[str, Page]) -> None:
    assert pages_of["pages/ai___predictions.md"].name == "ai/predictions"
    assert pages_of["pages/ai___predictions.md"].namespace == "ai"
    assert pages_of["pages/New to Logseq%3F.md"].name == "New to Logseq?"
    assert pages_of["pages/sub/folder/Nested Page.md"].name == "Nested Page"  # sub-folders flattened
    assert pages_of["pages/Block Zoo.md"].key == "block zoo"


def test_title_property_and_aliases(pages_of: dict[str, Page]) -> None:
    page = pages_of["pages/titled.md"]
    assert page.name == "Project X"
    assert page.key == "project x"
    assert sorted(page.aliases) == ["PX", "Proj X"]
    assert page.properties["tags"] == "research, [[deep work]]"


def test_front_matter_title(pages_of: dict[str, Page]) -> None:
    page = pages_of["pages/front matter.md"]
    assert page.name == "Front Matter Title"
    assert page.blocks[0].pre_block
    assert page.blocks[0].properties == {"title": "Front Matter Title", "tags": "yaml, meta"}


def test_legacy_file_names_custom_folders_and_journal_formats() -> None:
    graph = Graph.open(FIXTURES / "legacy_graph")
    pages = {p.file: p for p in graph.pages()}
    assert set(pages) == {"daily/2023-01-05.md", "notes/ai%2Fpredictions.md", "notes/ml.papers.md", "notes/plain.md"}
    assert pages["notes/ai%2Fpredictions.md"].name == "ai/predictions"
    assert pages["notes/ml.papers.md"].name == "ml/papers"  # old graphs used "." for namespaces
    day = pages["daily/2023-01-05.md"]
    assert (day.name, day.journal_date) == ("2023-01-05", dt.date(2023, 1, 5))
    # links to journal days are normalised to the configured title format
    assert "2023-01-04" in day.blocks[0].refs
    assert "2023-01-05" in day.blocks[1].refs
    assert graph.config.task_cycle == ("TODO", "DOING", "DONE")


def test_graph_without_config_uses_logseqs_defaults() -> None:
    graph = Graph.open(FIXTURES / "no_config_graph")
    assert graph.config == GraphConfig()
    assert graph.config.task_cycle == ("LATER", "NOW", "DONE")
    names = {p.file: p.name for p in graph.pages()}
    assert names == {"journals/2022_02_02.md": "Feb 2nd, 2022", "pages/ns___page.md": "ns/page"}


def test_config_edn_is_read_with_a_real_edn_parser() -> None:
    config = load_config(FIXTURES / "format_graph")
    assert config.file_name_format == "triple-lowbar"
    assert config.hidden == ("/pages/private", "archive")
    assert config.separated_by_commas == frozenset({"genre"})
    assert config.errors == ()
    custom = config_from_edn_text('{:journal/page-title-format "EEEE, dd.MM.yyyy" :export/bullet-indentation :two-spaces}')
    assert custom.journal_title_format == "EEEE, dd.MM.yyyy"
    assert custom.bullet_indentation == "  "
    assert custom.file_name_format == "legacy"  # the key is absent: an older graph


def test_broken_config_edn_falls_back_to_defaults_with_an_error() -> None:
    config = config_from_edn_text('{:journal/page-title-format "MMM do, yyyy" :broken [}')
    assert config.journal_title_format == "MMM do, yyyy"
    assert config.errors and "not valid EDN" in config.errors[0]
    not_a_map = config_from_edn_text("[1 2 3]")
    assert not_a_map.errors


def test_contents_page_and_journal_like_page_names() -> None:
    config = GraphConfig()
    assert page_name_for("pages/contents.md", config, None).name == "Contents"
    named_like_a_day = page_name_for("pages/2024_01_02.md", config, None)
    assert named_like_a_day.journal_date == dt.date(2024, 1, 2)  # Logseq treats it as that day's page
    assert page_name_for("pages/x.md", config, "/ns/leaf/").name == "ns/leaf"


def test_month_names_parse_in_full_or_abbreviated_form() -> None:
    from notegraph.logseq.dates import parse_date, parse_journal_title

    assert parse_journal_title("january 1st, 2020", "MMM do, yyyy") == dt.date(2020, 1, 1)
    assert parse_date("Sep 9th, 2021", "MMMM do, yyyy") == dt.date(2021, 9, 9)
    config = GraphConfig()
    titled = page_name_for("journals/2020_01_01.md", config, "January 1st, 2020")
    assert (titled.name, titled.journal_date) == ("Jan 1st, 2020", dt.date(2020, 1, 1))
