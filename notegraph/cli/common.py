"""Pieces every command shares: choosing the graph and the index, filters, output."""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Callable, TypeVar, cast

import click

from notegraph.notebook import Notebook
from notegraph.search import HIGHLIGHT, Filters, Hit
from notegraph.shorten import first_line_clipped

F = TypeVar("F", bound=Callable[..., Any])

graph_argument = click.argument("graph", required=False, type=click.Path(file_okay=True, dir_okay=True))


def graph_option(fn: F) -> F:
    return click.option("-g", "--graph", "graph_opt", type=click.Path(),
                        help="Graph folder (default: $NOTEGRAPH_GRAPH, the config file, or the current folder).")(fn)


def graph_argument_or_option(fn: F) -> F:
    """``[GRAPH]`` or ``-g/--graph GRAPH``, for commands whose only argument is the graph: the
    callback gets one ``graph``. Both at once must name the same folder."""

    @functools.wraps(fn)
    def with_graph(*args: Any, graph: str | None = None, graph_opt: str | None = None, **kwargs: Any) -> Any:
        if graph and graph_opt and Path(graph).resolve() != Path(graph_opt).resolve():
            raise click.UsageError(f"two graphs given: {graph} and --graph {graph_opt}; give one")
        return fn(*args, graph=graph_opt or graph, **kwargs)

    return cast(F, graph_argument(graph_option(with_graph)))


def give_graph_option(command: click.Command) -> None:
    """A plugin's command takes ``-g/--graph`` like ours, whatever the plugin declared: the host adds
    the option when the command lacks it. The graph reaches the command as its ``graph``
    parameter when it has one (the usual ``[GRAPH]`` argument) and as ``$NOTEGRAPH_GRAPH``, which
    ``Notebook.open()`` reads when given no path."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            give_graph_option(sub)
        return
    if command.callback is None or any({"-g", "--graph"} & set(p.opts) for p in command.params):
        return
    takes_graph = any(p.name == "graph" for p in command.params)
    callback = command.callback

    @functools.wraps(callback)
    def with_graph(*args: Any, host_graph: str | None = None, **kwargs: Any) -> Any:
        if host_graph:
            given = kwargs.get("graph")
            if given and Path(given).resolve() != Path(host_graph).resolve():
                raise click.UsageError(f"two graphs given: {given} and --graph {host_graph}; give one")
            if takes_graph:
                kwargs["graph"] = host_graph
            os.environ["NOTEGRAPH_GRAPH"] = host_graph
        return callback(*args, **kwargs)

    command.callback = with_graph
    command.params.append(click.Option(["-g", "--graph", "host_graph"], type=click.Path(),
                                       help="Graph folder (default: $NOTEGRAPH_GRAPH, the config file, "
                                            "or the current folder)."))


def index_option(fn: F) -> F:
    return click.option("--index", "index_path", type=click.Path(dir_okay=False),
                        help="Index file to use (default: one per graph in the user cache folder).")(fn)


_opened: list[Notebook] = []
"""Notebooks this command opened: a damaged index is recovered through them."""


def forget_opened() -> None:
    _opened.clear()


def opened_index() -> Path | None:
    return _opened[-1].index_path if _opened else None


def recover_damaged_index(exc: sqlite3.DatabaseError) -> bool:
    """Start a damaged index afresh (see :meth:`Notebook.recover_index`); True when one was."""
    return any(notebook.recover_index(exc) for notebook in _opened)


def open_notebook(graph: str | None, index_path: str | None = None) -> Notebook:
    """Open the graph and warn about a config.edn that could not be used."""
    notebook = Notebook.open(graph, index=index_path)
    _opened.append(notebook)
    for problem in (*notebook.graph.config.errors, *notebook.graph.config.warnings):
        click.echo(f"warning: {problem}", err=True)
    return notebook


def open_fresh(graph: str | None, index_path: str | None = None) -> Notebook:
    """Open the graph and bring its index up to date before a query."""
    notebook = open_notebook(graph, index_path)
    report = notebook.fresh()
    for notice in notebook.store.notices:
        click.echo(f"notice: {notice}", err=True)
    for rel, error in sorted(report.errors.items()):
        click.echo(f"warning: {rel}: {error}", err=True)
    return notebook


def _remember_reports(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta["notegraph.include_reports"] = value


def filter_options(fn: F) -> F:
    """--tag, --exact-tag, --page, --ref, --marker, --since, --from, --to, --include-reports."""
    options = [
        click.option("-t", "--tag", "tags", multiple=True, help="Only blocks with this #tag (and tags under it)."),
        click.option("--exact-tag", is_flag=True, help="Do not include tags under --tag's namespace."),
        click.option("-p", "--page", "pages", multiple=True, help="Only blocks on this page."),
        click.option("-r", "--ref", "refs", multiple=True, help="Only blocks that reference this page."),
        click.option("-m", "--marker", "markers", multiple=True, help="Only tasks with this marker (TODO, DONE…)."),
        click.option("--since", help="Only journal days in this window: 14d, 2w, last week, this sprint…"),
        click.option("--from", "from_", help="Only journal days from this date (YYYY-MM-DD)."),
        click.option("--to", help="Only journal days up to this date (YYYY-MM-DD)."),
        # one flag for every filtered command, without a parameter in each: make_filters reads it
        click.option("--include-reports", is_flag=True, expose_value=False, callback=_remember_reports,
                     help="Also generated report pages (type:: [[sprint-report]]), left out by default."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def make_filters(notebook: Notebook, tags: tuple[str, ...], exact_tag: bool, pages: tuple[str, ...],
                 refs: tuple[str, ...], markers: tuple[str, ...], since: str | None, from_: str | None,
                 to: str | None) -> Filters:
    ctx = click.get_current_context(silent=True)
    return Filters(tags=tags, tag_subtree=not exact_tag, refs=refs, pages=pages,
                   markers=tuple(m.upper() for m in markers), window=notebook.window(since, from_, to),
                   reports=bool(ctx and ctx.meta.get("notegraph.include_reports")))


def styled_snippet(snippet: str) -> str:
    parts = snippet.replace(HIGHLIGHT[1], HIGHLIGHT[0]).split(HIGHLIGHT[0])
    return "".join(click.style(p, bold=True, fg="yellow") if i % 2 else p for i, p in enumerate(parts))


def print_hit(hit: Hit, *, show_page: bool = True) -> None:
    trail = " › ".join(first_line_clipped(line, 40) for line in hit.breadcrumb)
    where = click.style(f"{hit.file}:{hit.line}", dim=True)
    head = click.style(hit.page, fg="cyan") if show_page else ""
    if trail:
        head = f"{head} › {trail}" if head else trail
    if head:
        click.echo(head)
    text = styled_snippet(" ".join(hit.snippet.split())) if hit.snippet else hit.content.split("\n", 1)[0]
    click.echo(f"  {text}  {where}")


def print_json(hits: list[Hit]) -> None:
    for hit in hits:
        click.echo(json.dumps(hit.as_json(), ensure_ascii=False))
