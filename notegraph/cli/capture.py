"""Quick capture from the shell: ``notegraph add "TEXT"``."""

from __future__ import annotations

import datetime as dt
import sys

import click

from notegraph.cli.common import open_notebook


@click.command("add")
@click.argument("text", nargs=-1, required=True)
@click.option("-p", "--page", help="Add to this page instead of today's journal (created when missing).")
@click.option("-d", "--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help="Add to this day's journal instead of today's (YYYY-MM-DD).")
@click.option("-g", "--graph", type=click.Path(), help="Graph folder (default: $NOTEGRAPH_GRAPH or the current folder).")
def add(text: tuple[str, ...], page: str | None, day: dt.datetime | None, graph: str | None) -> None:
    """Append TEXT as a new block to today's journal, or to a page.

    Use `-` as TEXT to read the block from standard input. The file keeps its own
    indentation and line endings and is replaced atomically.
    """
    body = sys.stdin.read() if text == ("-",) else " ".join(text)
    notebook = open_notebook(graph)
    result = notebook.add(body, page=page, day=day.date() if day else None)
    verb = "Created" if result.created_file else "Added to"
    click.echo(f"{verb} {result.rel}:{result.line} ({result.page})")


COMMANDS = [add]
