"""Commands that ask the index: ``search``, ``similar``, ``tags``, ``backlinks``, ``tasks``, ``query``."""

from __future__ import annotations

import json
from typing import TextIO

import click

from notegraph.cli.common import (
    filter_options,
    graph_argument_or_option,
    graph_option,
    index_option,
    make_filters,
    open_fresh,
    print_hit,
    print_json,
)
from notegraph.notebook import AUTO_EMBED_TEXTS, SEARCH_MODES, Notebook
from notegraph.search import PageGroup, group_by_page, tag_tree


@click.command("search")
@click.argument("query", nargs=-1)
@graph_option
@index_option
@filter_options
@click.option("--mode", type=click.Choice(SEARCH_MODES), default="hybrid", show_default=True,
              help="keyword (bm25), semantic (by meaning) or hybrid (both, fused).")
@click.option("--queries", "queries_file", type=click.File("r", encoding="utf-8"),
              help="Run one query per line of this file ('-' for stdin); prints one JSON line per query.")
@click.option("-n", "--limit", default=20, show_default=True, help="At most this many results.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
def search(query: tuple[str, ...], graph_opt: str | None, index_path: str | None, tags: tuple[str, ...],
           exact_tag: bool, pages: tuple[str, ...], refs: tuple[str, ...], markers: tuple[str, ...],
           since: str | None, from_: str | None, to: str | None, mode: str, queries_file: TextIO | None,
           limit: int, as_json: bool) -> None:
    """Find blocks by meaning and keywords, filtered first.

    Keyword syntax: words are ANDed; "a phrase", prefix*, OR. The app's search box words work
    too: tag:x, page:y, marker:TODO,DOING, since:2w. With no QUERY, list the blocks the filters
    select, newest journal day first.
    """
    notebook = open_fresh(graph_opt, index_path)
    filters = make_filters(notebook, tags, exact_tag, pages, refs, markers, since, from_, to)
    if mode != "keyword":
        prepare_embeddings(notebook)
    if queries_file is not None:
        for line in queries_file:
            text = line.strip()
            if text:
                hits = notebook.search(text, filters, limit=limit, mode=mode)
                click.echo(json.dumps({"query": text, "hits": [h.as_json() for h in hits]}, ensure_ascii=False))
        return
    words, typed = notebook.parse_query(" ".join(query))  # `tag:x since:2w`, as in the app's search box
    hits = notebook.search(words, filters.narrowed_by(typed), limit=limit, mode=mode)
    if as_json:
        print_json(hits)
        return
    if typed.window is not None and words != " ".join(query):  # time words were read: say how
        click.echo(f"searched {words or 'everything'!r} on journal days {typed.window.describe()} "
                   "(and what pages say about them)", err=True)
    if not hits:
        click.echo("no matches", err=True)
        return
    for hit in hits:
        print_hit(hit)


def prepare_embeddings(notebook: Notebook) -> None:
    """Embed a few changed blocks on the spot; say so when many more wait."""
    report = notebook.embed(max_texts=AUTO_EMBED_TEXTS)
    for notice in report.notices:
        click.echo(f"notice: {notice}", err=True)
    if report.pending_blocks:
        click.echo(f"note: {report.pending_blocks} blocks are not embedded yet, so search by meaning does not see "
                   "them; run `notegraph index` (or keep `notegraph watch` running)", err=True)


@click.command("similar")
@click.argument("block")
@graph_option
@index_option
@filter_options
@click.option("-n", "--limit", default=10, show_default=True, help="At most this many results.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
def similar(block: str, graph_opt: str | None, index_path: str | None, tags: tuple[str, ...], exact_tag: bool,
            pages: tuple[str, ...], refs: tuple[str, ...], markers: tuple[str, ...], since: str | None,
            from_: str | None, to: str | None, limit: int, as_json: bool) -> None:
    """Blocks across the graph related in meaning to BLOCK (an id, a uuid, or FILE:LINE)."""
    notebook = open_fresh(graph_opt, index_path)
    prepare_embeddings(notebook)
    filters = make_filters(notebook, tags, exact_tag, pages, refs, markers, since, from_, to)
    origin, hits = notebook.similar(block, filters, limit=limit)
    if as_json:
        print_json(hits)
        return
    click.echo(click.style(f"like: {origin.content.splitlines()[0] if origin.content else ''}", bold=True)
               + click.style(f"  {origin.file}:{origin.line}", dim=True))
    for hit in hits:
        print_hit(hit)


@click.command("tags")
@graph_argument_or_option
@index_option
@click.option("--tree", is_flag=True, help="Show namespaces as a tree, with totals for each subtree.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print {tag: count} as JSON.")
def tags_command(graph: str | None, index_path: str | None, tree: bool, tags: tuple[str, ...],
                 exact_tag: bool, pages: tuple[str, ...], refs: tuple[str, ...], markers: tuple[str, ...],
                 since: str | None, from_: str | None, to: str | None, as_json: bool) -> None:
    """List the #tags of GRAPH with how many blocks carry each."""
    notebook = open_fresh(graph, index_path)
    counts = notebook.tag_counts(make_filters(notebook, tags, exact_tag, pages, refs, markers, since, from_, to))
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False))
        return
    if not tree:
        for tag, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            click.echo(f"{count:>6}  #{tag}")
        return

    def show(nodes: list, depth: int) -> None:  # type: ignore[type-arg]
        for node in nodes:
            own = f" ({node.count} own)" if node.children and node.count else ""
            click.echo(f"{node.total:>6}  {'  ' * depth}#{node.name}{own}")
            show(sorted(node.children.values(), key=lambda n: (-n.total, n.name)), depth + 1)

    show(tag_tree(counts), 0)


def _print_groups(groups: list[PageGroup]) -> None:
    for group in groups:
        click.echo(click.style(group.page, fg="cyan", bold=True))
        for hit in group.hits:
            print_hit(hit, show_page=False)


@click.command("backlinks")
@click.argument("page")
@graph_option
@index_option
@filter_options
@click.option("--unlinked", is_flag=True, help="Also list blocks that mention the page without linking it.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per referencing block.")
def backlinks_command(page: str, graph_opt: str | None, index_path: str | None, tags: tuple[str, ...],
                      exact_tag: bool, pages: tuple[str, ...], refs: tuple[str, ...], markers: tuple[str, ...],
                      since: str | None, from_: str | None, to: str | None, unlinked: bool, as_json: bool) -> None:
    """Linked references of PAGE (aliases included), grouped by page, with breadcrumbs."""
    notebook = open_fresh(graph_opt, index_path)
    filters = make_filters(notebook, tags, exact_tag, pages, refs, markers, since, from_, to)
    info, groups = notebook.backlinks(page, filters)
    if as_json:
        print_json([hit for group in groups for hit in group.hits])
        return
    total = sum(len(g.hits) for g in groups)
    click.echo(click.style(f"{total} linked references to {info.name}", bold=True))
    _print_groups(groups)
    if unlinked:
        others = notebook.unlinked(page)
        click.echo(click.style(f"\n{sum(len(g.hits) for g in others)} unlinked references", bold=True))
        _print_groups(others)


@click.command("query")
@click.argument("query")
@graph_option
@index_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per block (or per page, for page queries).")
def query_command(query: str, graph_opt: str | None, index_path: str | None, as_json: bool) -> None:
    """Run a Logseq simple query, as {{query …}} blocks do in the app: QUERY is what goes inside.

    \b
    [[page]] #tag "text"  (and …) (or …) (not …)  (task TODO DOING)  (priority A)
    (page "name")  (property key value)  (between -7d today)  (between [[Nov 1st, 2026]] [[Nov 9th, 2026]])
    Page queries: (page-property key value)  (page-tags tag)  (namespace name)
    A query that cannot be evaluated is refused with the reason (exit status 1).
    """
    notebook = open_fresh(graph_opt, index_path)
    result = notebook.query(query)
    if result.kind == "pages":
        for name in result.pages:
            click.echo(json.dumps({"page": name}, ensure_ascii=False) if as_json else name)
        if not result.pages and not as_json:
            click.echo("no pages", err=True)
        return
    if as_json:
        print_json(result.blocks)
        return
    if not result.blocks:
        click.echo("no blocks", err=True)
        return
    _print_groups(group_by_page(result.blocks))


@click.command("tasks")
@graph_argument_or_option
@index_option
@filter_options
@click.option("-a", "--all", "show_all", is_flag=True, help="Include DONE and CANCELED tasks.")
@click.option("-n", "--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per task.")
def tasks_command(graph: str | None, index_path: str | None, tags: tuple[str, ...], exact_tag: bool,
                  pages: tuple[str, ...], refs: tuple[str, ...], markers: tuple[str, ...], since: str | None,
                  from_: str | None, to: str | None, show_all: bool, limit: int, as_json: bool) -> None:
    """Tasks, open ones (TODO/DOING/LATER/NOW/WAITING) unless --marker or --all says otherwise."""
    from notegraph.search import ALL_MARKERS

    notebook = open_fresh(graph, index_path)
    if show_all and not markers:
        markers = ALL_MARKERS
    filters = make_filters(notebook, tags, exact_tag, pages, refs, markers, since, from_, to)
    hits = notebook.tasks(filters, limit=limit)
    if as_json:
        print_json(hits)
        return
    if not hits:
        click.echo("no tasks", err=True)
    for hit in hits:
        title = hit.content.split("\n", 1)[0]
        if hit.marker and title.startswith(hit.marker):
            title = title[len(hit.marker):].lstrip()
        marker = click.style(f"{hit.marker or '':<11}", bold=True)
        click.echo(f"{marker} {title}  {click.style(hit.page, fg='cyan')} "
                   f"{click.style(f'{hit.file}:{hit.line}', dim=True)}")


COMMANDS = [search, similar, tags_command, backlinks_command, tasks_command, query_command]
