"""The reading list: every URL in the graph with the tags and page it sits under.

``notegraph links [--tag T] [--since WINDOW] [--json]`` lists them, newest journal day
first; GitHub repositories are named owner/name. The sprint report gets a "New links
this sprint" section.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import click

from notegraph.plugins import PaletteAction, ReportSection, hookimpl
from notegraph.search import Filters, Hit

URL = re.compile(r"https?://[^\s\]>\"'`]+")
GITHUB = re.compile(r"^https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?(?:[#?].*)?$")


@dataclass(frozen=True)
class Link:
    url: str
    repository: str | None
    tags: tuple[str, ...]
    page: str
    file: str
    line: int

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "repository": self.repository, "tags": list(self.tags), "page": self.page,
                "file": self.file, "line": self.line}


def links_in(notebook: Any, hits: list[Hit]) -> list[Link]:
    """The URLs in these blocks, each with the tags of its block and the block's parents
    (as the reader found them: no '#' inside URLs, code or org directives)."""
    hits = [hit for hit in hits if URL.search(hit.content)]
    tags = notebook.tags_in_context([hit.rowid for hit in hits])
    out = []
    for hit in hits:
        for m in URL.finditer(hit.content):
            url = m.group(0).rstrip(".,;:")
            while url.endswith(")") and url.count(")") > url.count("("):
                url = url[:-1].rstrip(".,;:")  # the ")" of a Markdown link or a parenthesis around it
            repo = GITHUB.match(url)
            out.append(Link(url, f"{repo.group(1)}/{repo.group(2)}" if repo else None,
                            tuple(tags.get(hit.rowid, ())), hit.page, hit.file, hit.line))
    return out


def find_links(notebook: Any, tag: str | None = None, since: str | None = None) -> list[Link]:
    filters = Filters(tags=(tag,) if tag else (), window=notebook.window(since) if since else None)
    return links_in(notebook, notebook.blocks(filters, limit=100_000))


def describe(link: Link) -> str:
    tags = " ".join(f"#{t}" if " " not in t else f"#[[{t}]]" for t in link.tags)
    repo = f" ({link.repository})" if link.repository else ""
    return f"{tags + ' ' if tags else ''}{link.url}{repo} — {link.page}"


def report_line(link: Link) -> str:
    """As :func:`describe`, but tags as plain words: the report must not count as tagged blocks."""
    tags = ", ".join(link.tags)
    repo = f" ({link.repository})" if link.repository else ""
    return f"{link.url}{repo}{' — ' + tags if tags else ''} — [[{link.page}]]"


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command("links")
    @click.argument("graph", required=False)
    @click.option("--tag", help="only links under this tag (and its namespace)")
    @click.option("--since", help="only links from journal days in this window (2w, this sprint, …)")
    @click.option("--json", "as_json", is_flag=True, help="one JSON object per link")
    def links_command(graph: str | None, tag: str | None, since: str | None, as_json: bool) -> None:
        """The reading list: URLs in the graph with their tags and page."""
        from notegraph.notebook import Notebook

        notebook = Notebook.open(graph)
        notebook.index()
        for link in find_links(notebook, tag, since):
            click.echo(json.dumps(link.as_json()) if as_json else describe(link))


@hookimpl
def report_sections(notebook: Any, window: Any) -> list[ReportSection]:
    from notegraph.search import Filters as _Filters

    links = links_in(notebook, notebook.blocks(_Filters(window=window), limit=100_000))
    return [ReportSection("New links this sprint", [report_line(link) for link in links])]


@hookimpl
def palette_actions(notebook: Any) -> list[PaletteAction]:
    def show(app: Any) -> None:
        hits = [hit for hit in notebook.blocks(Filters(), limit=100_000) if URL.search(hit.content)]
        app.show_results("Reading list", hits)

    return [PaletteAction("Reading list: blocks with links", show, "plugin links: every block with a URL")]
